//! The `govpki` binary: parse arguments, run on the system clock, map the outcome to an exit
//! code.
//!
//! The clock is always the system clock, in every build (`cargo build`, `--release`,
//! `--all-targets`, `cargo install`): no environment variable or feature can move it, so an
//! operator cannot backdate issuance or audit records. Tests that need another time run the
//! test binary `govpki-test` (`src/bin/govpki-test.rs`).

use std::process::ExitCode;

use govpki::ops::clock::Clock;

fn main() -> ExitCode {
    ExitCode::from(govpki::cli::main_entry(
        std::env::args_os(),
        Clock::system(),
    ))
}
