//! Durations (`30d`, `2y`, `12h`) and times (RFC 3339) as the command line takes them.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Why a duration or time was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhenError {
    #[error("`{0}` is not a duration like 30d, 2y, 12h or 90m")]
    BadDuration(String),
    #[error("`{0}` is longer than {MAX_YEARS} years, the longest duration govpki takes")]
    TooLong(String),
    #[error("`{0}` is not an RFC 3339 time like 2026-11-30T09:00:00+08:00")]
    BadTime(String),
}

/// The longest duration [`parse_duration`] takes: no certificate, CRL or seal validity is
/// longer, and a time that far from now stays inside the calendar (no overflow when added).
pub const MAX_YEARS: i64 = 100;

/// Parses `30d`, `2y` (365 days each), `12h`, `90m`, `45s`, `6w`, up to [`MAX_YEARS`].
pub fn parse_duration(text: &str) -> Result<Duration, WhenError> {
    let t = text.trim();
    let bad = || WhenError::BadDuration(text.to_string());
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().map_err(|_| bad())?;
    if n <= 0 || n > 1_000_000 {
        return Err(bad());
    }
    let d = match unit {
        "y" => Duration::days(365 * n),
        "w" => Duration::weeks(n),
        "d" => Duration::days(n),
        "h" => Duration::hours(n),
        "m" => Duration::minutes(n),
        "s" => Duration::seconds(n),
        _ => return Err(bad()),
    };
    if d > Duration::days(365 * MAX_YEARS) {
        return Err(WhenError::TooLong(text.to_string()));
    }
    Ok(d)
}

/// Parses an RFC 3339 time (a date alone means midnight UTC).
pub fn parse_time(text: &str) -> Result<OffsetDateTime, WhenError> {
    let t = text.trim();
    if let Ok(dt) = OffsetDateTime::parse(t, &Rfc3339) {
        return Ok(dt);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(t, &fmt)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| WhenError::BadTime(text.to_string()))
}

/// Formats a time as RFC 3339 in UTC, to the second.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30d").unwrap(), Duration::days(30));
        assert_eq!(parse_duration("2y").unwrap(), Duration::days(730));
        assert_eq!(parse_duration("12h").unwrap(), Duration::hours(12));
        for bad in ["", "d", "10", "-1d", "0d", "3x", "1.5d", "99999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        // Durations that used to overflow the calendar when added to now (a panic in
        // `crl generate --next-update 1000000y` and `cert issue --validity 9000y`).
        assert_eq!(parse_duration("100y").unwrap(), Duration::days(36_500));
        for long in ["101y", "9000y", "1000000y", "5300w", "36501d", "1000000h"] {
            assert!(
                matches!(parse_duration(long), Err(WhenError::TooLong(_))),
                "{long}"
            );
        }
    }

    #[test]
    fn times() {
        let t = parse_time("2026-11-30T09:00:00+08:00").unwrap();
        assert_eq!(rfc3339(t), "2026-11-30T01:00:00Z");
        assert_eq!(
            rfc3339(parse_time("2026-01-02").unwrap()),
            "2026-01-02T00:00:00Z"
        );
        assert!(parse_time("yesterday").is_err());
    }
}
