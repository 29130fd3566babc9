//! The one place the system clock is read. Front ends call [`now`] once per command or
//! request and pass the time to the operations.
//!
//! Builds with the `test-clock` feature (turned on for `cargo test` only, see Cargo.toml) add
//! `GOVPKI_TEST_CLOCK_OFFSET` seconds (signed) to the system clock, so that tests can run at a
//! fixed weekday and hour. `cargo build`, `cargo build --release` and `cargo install` make
//! binaries without the override; only a build that also compiles the test targets (`cargo
//! test`, `cargo build --all-targets`) turns the feature on, so never ship such a binary.

use time::OffsetDateTime;

/// The environment variable a `test-clock` build reads.
pub const TEST_OFFSET_VAR: &str = "GOVPKI_TEST_CLOCK_OFFSET";

/// The current time.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    #[cfg(feature = "test-clock")]
    {
        if let Some(offset) = std::env::var(TEST_OFFSET_VAR)
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
        {
            return now + time::Duration::seconds(offset);
        }
    }
    now
}
