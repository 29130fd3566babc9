//! Durations (`30d`, `2y`, `12h`) and times (RFC 3339) as the command line takes them, and
//! the validity window of a new certificate ([`window`]): the requested bounds checked against
//! the profile's maximum and the issuing CA's own validity. Nothing is cut silently: a bound
//! that was asked for (`--validity`, `--not-after`) is honoured exactly or refused; only a
//! default nobody asked for is fitted to the CA's end, and the window says so ([`Window::fitted`]).

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

/// How far before `now` a certificate's notBefore may be set: relying parties' clocks that lag
/// a little, never a backdated history (a signature "made" before the certificate existed).
pub const MAX_BACKDATE: Duration = Duration::hours(1);

/// What a certificate's validity is asked to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requested {
    /// `--not-before` (else now).
    pub not_before: Option<OffsetDateTime>,
    /// `--not-after` (else notBefore + `validity`).
    pub not_after: Option<OffsetDateTime>,
    /// `--validity`, or the profile's default.
    pub validity: Duration,
    /// Whether `validity` is the profile's default, not asked for: then an end past the CA's
    /// notAfter is fitted to it (and [`Window::fitted`] says so) instead of refused. An
    /// explicit `--not-after` is always an ask.
    pub default_validity: bool,
}

/// A checked validity window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Whether the default validity would have passed the CA's notAfter and was shortened to
    /// end there (the front end warns; nothing asked for is ever shortened).
    pub fitted: bool,
}

/// The limits a validity must keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The profile's longest validity, and its name (named in the refusal).
    pub max: Duration,
    pub profile: String,
    /// The issuing CA certificate's own validity.
    pub ca_not_before: OffsetDateTime,
    pub ca_not_after: OffsetDateTime,
}

/// Why a validity was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error(
        "--not-before `{not_before}` is more than an hour before now (`{now}`); certificates are not backdated"
    )]
    Backdated { not_before: String, now: String },
    #[error("--not-before `{not_before}` is before the CA's own notBefore `{ca_not_before}`")]
    BeforeCa {
        not_before: String,
        ca_not_before: String,
    },
    #[error(
        "the validity would end at `{not_after}`, after the CA's own notAfter `{ca_not_after}`"
    )]
    AfterCa {
        not_after: String,
        ca_not_after: String,
    },
    #[error(
        "the CA's own notAfter `{ca_not_after}` is not after the notBefore `{not_before}`: no validity is left"
    )]
    CaEnds {
        not_before: String,
        ca_not_after: String,
    },
    #[error(
        "a validity of {requested} days exceeds the maximum of profile `{profile}`, {max} days"
    )]
    TooLong {
        profile: String,
        requested: i64,
        max: i64,
    },
    #[error("--not-after `{not_after}` is not after the notBefore `{not_before}`")]
    Empty {
        not_before: String,
        not_after: String,
    },
    #[error("a validity of {0} is past the calendar")]
    Calendar(String),
}

impl WindowError {
    /// What to do instead, for the front end's `hint:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            WindowError::AfterCa { ca_not_after, .. } => Some(format!(
                "ask for --not-after `{ca_not_after}` or earlier (or a shorter --validity), or renew the CA first"
            )),
            WindowError::CaEnds { .. } => {
                Some("renew the CA first (a subordinate: `ca init --parent` again)".into())
            }
            WindowError::TooLong { max, .. } => Some(format!(
                "pass --validity {max}d or shorter (the profile's maximum)"
            )),
            _ => None,
        }
    }
}

/// The notBefore and notAfter of a new certificate, checked: notBefore is now unless asked,
/// never more than [`MAX_BACKDATE`] before now nor before the CA's notBefore; notAfter is
/// notBefore + the validity unless asked, never past the CA's notAfter; the span is at most
/// the profile's maximum. Every violation of an asked bound is an error (DESIGN §3: validity
/// never exceeds the issuer's; issue #12: never cut silently); a default validity that would
/// pass the CA's notAfter ends there instead, flagged [`Window::fitted`].
pub fn window(
    now: OffsetDateTime,
    req: &Requested,
    limits: &Limits,
) -> Result<Window, WindowError> {
    let not_before = req.not_before.unwrap_or(now);
    if not_before < now - MAX_BACKDATE {
        return Err(WindowError::Backdated {
            not_before: rfc3339(not_before),
            now: rfc3339(now),
        });
    }
    if not_before < limits.ca_not_before {
        return Err(WindowError::BeforeCa {
            not_before: rfc3339(not_before),
            ca_not_before: rfc3339(limits.ca_not_before),
        });
    }
    let not_after = match req.not_after {
        Some(t) => t,
        None => not_before
            .checked_add(req.validity)
            .ok_or_else(|| WindowError::Calendar(req.validity.to_string()))?,
    };
    // Whole seconds, as the certificate will carry them.
    let not_before = not_before.replace_nanosecond(0).unwrap_or(not_before);
    let mut not_after = not_after.replace_nanosecond(0).unwrap_or(not_after);
    // Nobody asked for this end: the default ends with the CA, visibly.
    let fit = req.default_validity && req.not_after.is_none() && not_after > limits.ca_not_after;
    if fit {
        not_after = limits.ca_not_after;
        if not_after <= not_before {
            return Err(WindowError::CaEnds {
                not_before: rfc3339(not_before),
                ca_not_after: rfc3339(limits.ca_not_after),
            });
        }
    }
    if not_after <= not_before {
        return Err(WindowError::Empty {
            not_before: rfc3339(not_before),
            not_after: rfc3339(not_after),
        });
    }
    let span = not_after - not_before;
    if span > limits.max {
        // Round up: 398 days and one second is 399 days, past a 398-day maximum.
        let requested = span.whole_days() + i64::from(span > Duration::days(span.whole_days()));
        return Err(WindowError::TooLong {
            profile: limits.profile.clone(),
            requested,
            max: limits.max.whole_days(),
        });
    }
    if not_after > limits.ca_not_after {
        return Err(WindowError::AfterCa {
            not_after: rfc3339(not_after),
            ca_not_after: rfc3339(limits.ca_not_after),
        });
    }
    Ok(Window {
        not_before,
        not_after,
        fitted: fit,
    })
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

    #[test]
    fn windows_are_checked_never_cut() {
        use time::macros::datetime;
        let now = datetime!(2026-05-04 10:00 UTC);
        let limits = Limits {
            max: Duration::days(1095),
            profile: "person".into(),
            ca_not_before: datetime!(2026-01-01 0:00 UTC),
            ca_not_after: datetime!(2036-01-01 0:00 UTC),
        };
        let req = |nb, na, days| Requested {
            not_before: nb,
            not_after: na,
            validity: Duration::days(days),
            default_validity: false,
        };
        let bounds = |w: Result<Window, WindowError>| {
            let w = w.unwrap();
            assert!(!w.fitted);
            (w.not_before, w.not_after)
        };
        assert_eq!(
            bounds(window(now, &req(None, None, 730), &limits)),
            (now, now + Duration::days(730))
        );
        // Explicit bounds win over the validity.
        let na = datetime!(2027-01-01 0:00 UTC);
        assert_eq!(
            bounds(window(now, &req(None, Some(na), 730), &limits)),
            (now, na)
        );
        // 30 years of a person certificate: refused, naming the maximum.
        let e = window(now, &req(None, None, 30 * 365), &limits).unwrap_err();
        assert_eq!(
            e.to_string(),
            "a validity of 10950 days exceeds the maximum of profile `person`, 1095 days"
        );
        assert!(e.hint().unwrap().contains("1095d"));
        // One second past the maximum is past it.
        let e = window(
            now,
            &req(
                None,
                Some(now + Duration::days(1095) + Duration::seconds(1)),
                1,
            ),
            &limits,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                WindowError::TooLong {
                    requested: 1096,
                    ..
                }
            ),
            "{e}"
        );
        // Past the CA's end: refused, not cut.
        let short = Limits {
            ca_not_after: datetime!(2026-06-01 0:00 UTC),
            ..limits.clone()
        };
        let e = window(now, &req(None, None, 365), &short).unwrap_err();
        assert!(matches!(e, WindowError::AfterCa { .. }), "{e}");
        assert!(e.hint().unwrap().contains("2026-06-01T00:00:00Z"));
        // Backdating: within an hour is allowed, more is not, nor before the CA.
        let nb = now - Duration::minutes(30);
        assert_eq!(bounds(window(now, &req(Some(nb), None, 1), &limits)).0, nb);
        let e = window(now, &req(Some(now - Duration::hours(2)), None, 1), &limits).unwrap_err();
        assert!(matches!(e, WindowError::Backdated { .. }), "{e}");
        let young = Limits {
            ca_not_before: now - Duration::minutes(10),
            ..limits.clone()
        };
        let e = window(now, &req(Some(nb), None, 1), &young).unwrap_err();
        assert!(matches!(e, WindowError::BeforeCa { .. }), "{e}");
        // Post-dating is fine; an empty window is not.
        let later = datetime!(2026-07-01 0:00 UTC);
        assert_eq!(
            bounds(window(now, &req(Some(later), None, 10), &limits)),
            (later, later + Duration::days(10))
        );
        let e = window(now, &req(Some(later), Some(later), 10), &limits).unwrap_err();
        assert!(matches!(e, WindowError::Empty { .. }), "{e}");
    }

    #[test]
    fn only_a_default_nobody_asked_for_is_fitted_to_the_ca_s_end() {
        use time::macros::datetime;
        let now = datetime!(2026-05-04 10:00 UTC);
        let ca_end = datetime!(2026-06-01 0:00 UTC);
        let limits = Limits {
            max: Duration::days(1095),
            profile: "person".into(),
            ca_not_before: datetime!(2026-01-01 0:00 UTC),
            ca_not_after: ca_end,
        };
        let default = |nb, na| Requested {
            not_before: nb,
            not_after: na,
            validity: Duration::days(730),
            default_validity: true,
        };
        // The default ends with the CA, flagged.
        let w = window(now, &default(None, None), &limits).unwrap();
        assert_eq!((w.not_before, w.not_after, w.fitted), (now, ca_end, true));
        // A default that ends before the CA is untouched.
        let roomy = Limits {
            ca_not_after: datetime!(2036-01-01 0:00 UTC),
            ..limits.clone()
        };
        let w = window(now, &default(None, None), &roomy).unwrap();
        assert_eq!((w.not_after, w.fitted), (now + Duration::days(730), false));
        // An explicit --not-after with the default validity is an ask: refused, naming both.
        let asked = datetime!(2026-07-01 0:00 UTC);
        let e = window(now, &default(None, Some(asked)), &limits).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the validity would end at `2026-07-01T00:00:00Z`, after the CA's own notAfter `2026-06-01T00:00:00Z`"
        );
        assert!(
            e.hint()
                .unwrap()
                .contains("--not-after `2026-06-01T00:00:00Z`")
        );
        // A post-dated start past the CA's end leaves nothing to fit.
        let e = window(now, &default(Some(asked), None), &limits).unwrap_err();
        assert!(matches!(e, WindowError::CaEnds { .. }), "{e}");
    }
}
