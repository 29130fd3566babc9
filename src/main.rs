//! The `govpki` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(govpki::cli::main_entry(std::env::args_os()))
}
