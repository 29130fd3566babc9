//! `govpki-test`: the `govpki` command line on a clock moved by `GOVPKI_TEST_CLOCK_OFFSET`
//! seconds (signed), for the integration tests that must run at a fixed weekday and hour.
//!
//! Test-only. Built only with the `test-clock` feature (`required-features` in Cargo.toml),
//! which `cargo test` turns on through the crate's dev-dependency on itself; `cargo build`,
//! `cargo build --release` and `cargo install` never build it, and `cargo install` installs
//! `govpki` alone. The `govpki` binary ignores the variable in every build.

use std::ffi::OsString;
use std::process::ExitCode;

use govpki::ops::clock::{Clock, TEST_OFFSET_VAR};

fn main() -> ExitCode {
    let clock = match std::env::var_os(TEST_OFFSET_VAR) {
        None => Clock::system(),
        Some(raw) => match raw.to_str().and_then(|v| v.trim().parse::<i64>().ok()) {
            Some(seconds) => Clock::offset_by(time::Duration::seconds(seconds)),
            // A test that sets the variable wrongly must fail, not run on the real clock.
            None => {
                eprintln!(
                    "error: `{TEST_OFFSET_VAR}` is not a whole number of seconds: `{}`",
                    raw.to_string_lossy()
                );
                return ExitCode::from(2);
            }
        },
    };
    // Usage and errors name `govpki`, as the binary under test does.
    let args = std::iter::once(OsString::from("govpki")).chain(std::env::args_os().skip(1));
    ExitCode::from(govpki::cli::main_entry(args, clock))
}
