//! The one place the system clock is read. A front end receives a [`Clock`] from its binary,
//! reads it once per command or request, and passes the time to the operations.
//!
//! The library never chooses a clock from the environment: the `govpki` binary
//! (`src/main.rs`) always passes [`Clock::system`], whatever the features of the build. Only
//! the test binary `govpki-test` (`src/bin/govpki-test.rs`, built only with the `test-clock`
//! feature that `cargo test` turns on) reads [`TEST_OFFSET_VAR`] and passes
//! [`Clock::offset_by`], so that tests can run at a fixed weekday and hour. `cargo install`
//! installs `govpki` alone.

use time::{Duration, OffsetDateTime};

/// The environment variable the test binary `govpki-test` reads: seconds (signed) added to
/// the system clock. The library and the `govpki` binary never read it.
pub const TEST_OFFSET_VAR: &str = "GOVPKI_TEST_CLOCK_OFFSET";

/// Where "now" comes from: the system clock, moved by a fixed offset (zero for
/// [`Clock::system`]).
///
/// An offset rather than a fixed instant: every process of a test run sees time move on, so a
/// certificate one process issues is never "not yet valid" for the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clock {
    offset: Duration,
}

impl Clock {
    /// The system clock, unmoved: what `govpki` uses.
    pub const fn system() -> Clock {
        Clock {
            offset: Duration::ZERO,
        }
    }

    /// The system clock moved by `offset` (tests).
    pub const fn offset_by(offset: Duration) -> Clock {
        Clock { offset }
    }

    /// The offset from the system clock.
    pub const fn offset(&self) -> Duration {
        self.offset
    }

    /// The current time by this clock. Saturates at the ends of the representable range
    /// rather than panicking on an absurd offset.
    pub fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.checked_add(self.offset)
            .unwrap_or(if self.offset.is_negative() {
                OffsetDateTime::new_utc(time::Date::MIN, time::Time::MIDNIGHT)
            } else {
                OffsetDateTime::new_utc(time::Date::MAX, time::Time::MAX)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_is_not_moved() {
        let before = OffsetDateTime::now_utc();
        let now = Clock::system().now();
        let after = OffsetDateTime::now_utc();
        assert!(
            before <= now && now <= after,
            "{before} <= {now} <= {after}"
        );
        assert_eq!(Clock::default(), Clock::system());
    }

    #[test]
    fn an_offset_moves_the_clock() {
        let day = Duration::days(1);
        let before = OffsetDateTime::now_utc();
        let now = Clock::offset_by(day).now();
        let after = OffsetDateTime::now_utc();
        assert!(
            before + day <= now && now <= after + day,
            "{before} + 1d <= {now} <= {after} + 1d"
        );
    }

    #[test]
    fn an_absurd_offset_saturates_instead_of_panicking() {
        let far = Clock::offset_by(Duration::MAX).now();
        assert_eq!(far.date(), time::Date::MAX);
        let early = Clock::offset_by(Duration::MIN).now();
        assert_eq!(early.date(), time::Date::MIN);
    }
}
