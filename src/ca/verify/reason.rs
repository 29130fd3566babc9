//! Why `cert verify` finds a chain invalid or leaves it undecided, as values. Their words are
//! their `Display` (the report's `reason`, serialised as that string); the ranking of failures
//! is the validator's ([`Failure::rank`]), reached through [`InvalidReason::rank`].

use std::fmt;

use time::OffsetDateTime;

use super::RevocationInfo;
use crate::ca::crl::Reason;
use crate::pkix::crl::Undetermined;
use crate::pkix::validate::{Failure, RevokedBy};

/// Why no path validates: the validator's most specific failure, judged at `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidReason {
    failure: Failure,
    at: OffsetDateTime,
}

impl InvalidReason {
    pub fn new(failure: Failure, at: OffsetDateTime) -> InvalidReason {
        InvalidReason { failure, at }
    }

    /// The validator's failure.
    pub fn failure(&self) -> &Failure {
        &self.failure
    }

    /// The time the path was judged at.
    pub fn at(&self) -> OffsetDateTime {
        self.at
    }

    /// How specific the failure is (higher: more), as [`Failure::rank`].
    pub fn rank(&self) -> u8 {
        self.failure.rank()
    }

    /// Where the end entity stands on the CRL that lists it, when that is the failure.
    pub fn revocation(&self) -> Option<RevocationInfo> {
        match &self.failure {
            Failure::Revoked {
                depth: 0,
                revoked_at,
                reason,
                by,
                ..
            } => Some(RevocationInfo {
                revoked_at: unix(*revoked_at),
                reason: Reason::from_entry(*reason),
                decided_by: online_source(by),
            }),
            _ => None,
        }
    }
}

impl fmt::Display for InvalidReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let checked = crate::ca::when::rfc3339(self.at);
        match &self.failure {
            Failure::Expired {
                depth: 0,
                not_after,
                ..
            } => write!(
                f,
                "certificate expired at {} (checked at {checked})",
                unix(*not_after)
            ),
            Failure::NotYetValid {
                depth: 0,
                not_before,
                ..
            } => write!(
                f,
                "certificate is not valid until {} (checked at {checked})",
                unix(*not_before)
            ),
            Failure::Expired {
                subject, not_after, ..
            } => write!(
                f,
                "`{subject}` in the chain expired at {} (checked at {checked})",
                unix(*not_after)
            ),
            Failure::NotYetValid {
                subject,
                not_before,
                ..
            } => write!(
                f,
                "`{subject}` in the chain is not valid until {} (checked at {checked})",
                unix(*not_before)
            ),
            Failure::Revoked {
                depth: 0,
                revoked_at,
                reason,
                by,
                ..
            } => write!(
                f,
                "certificate revoked at {} ({}){}",
                unix(*revoked_at),
                Reason::from_entry(*reason),
                decided_by_text(by)
            ),
            Failure::Revoked {
                subject,
                revoked_at,
                reason,
                by,
                ..
            } => write!(
                f,
                "a certificate in the chain is revoked: `{subject}` at {} ({}){}",
                unix(*revoked_at),
                Reason::from_entry(*reason),
                decided_by_text(by)
            ),
            failure @ Failure::Signature { .. } => {
                write!(f, "a signature in the chain does not verify: {failure}")
            }
            Failure::Purpose { depth: 0, .. } => f.write_str(
                "the certificate is not valid for the requested purpose (extended key usage)",
            ),
            Failure::TooLong { .. } => f.write_str("the chain is too long"),
            other => write!(f, "{other}"),
        }
    }
}

impl serde::Serialize for InvalidReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a path that validates is still undecided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndeterminateReason {
    /// The given CRLs do not decide the revocation of these certificates of the path (end
    /// entity first).
    RevocationUndecided(Vec<Undecided>),
}

/// A certificate of the path whose revocation the given CRLs (and OCSP) leave open, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecided {
    pub subject: String,
    pub why: Option<Undetermined>,
    /// What the online source (OCSP) said, when it was asked: `OCSP <url>: <why>`.
    pub online: Option<String>,
}

/// `Some("OCSP <url>")` when an online source decided.
fn online_source(by: &RevokedBy) -> Option<String> {
    match by {
        RevokedBy::Crl(_) => None,
        RevokedBy::Online(source) => Some(source.clone()),
    }
}

/// `, decided by OCSP <url>` after a revocation an online source decided; nothing for a CRL.
fn decided_by_text(by: &RevokedBy) -> String {
    online_source(by)
        .map(|s| format!(", decided by {s}"))
        .unwrap_or_default()
}

impl fmt::Display for IndeterminateReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndeterminateReason::RevocationUndecided(open) => {
                if open.iter().any(|u| u.online.is_some()) {
                    f.write_str("neither the given CRLs nor OCSP decide the revocation of ")?;
                } else {
                    f.write_str("the given CRLs do not decide the revocation of ")?;
                }
                for (i, u) in open.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match (&u.why, &u.online) {
                        (Some(why), None) => {
                            write!(f, "`{}` ({})", u.subject, undetermined_text(why))?
                        }
                        (Some(why), Some(online)) => {
                            write!(f, "`{}` ({}; {online})", u.subject, undetermined_text(why))?
                        }
                        (None, Some(online)) => write!(f, "`{}` ({online})", u.subject)?,
                        (None, None) => write!(f, "`{}`", u.subject)?,
                    }
                }
                Ok(())
            }
        }
    }
}

impl serde::Serialize for IndeterminateReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why the given CRLs leave a certificate's revocation open, in words.
pub fn undetermined_text(why: &Undetermined) -> &'static str {
    match why {
        Undetermined::NoCrl => "no CRL given covers it",
        Undetermined::Stale => "its CRL is past its nextUpdate",
        Undetermined::NoValidSigner => "no CRL of its issuer has a signature by a valid key",
        Undetermined::ReasonsNotCovered => "the CRLs given do not cover every revocation reason",
        Undetermined::UnknownCriticalExtension => "its CRL has an unsupported critical extension",
    }
}

/// A Unix time as RFC 3339, or the number when out of range.
pub(super) fn unix(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .map(crate::ca::when::rfc3339)
        .unwrap_or_else(|_| secs.to_string())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::ca::verify::Verdict;

    fn revoked(depth: usize) -> Failure {
        Failure::Revoked {
            depth,
            subject: "CN=Sub".into(),
            by: RevokedBy::Crl(0),
            revoked_at: 1_780_000_000,
            reason: Some(x509_cert::ext::pkix::CrlReason::CaCompromise),
        }
    }

    #[test]
    fn the_words_are_the_reports_and_the_json_keeps_them_as_strings() {
        let at = datetime!(2026-06-01 0:00 UTC);
        let ee = InvalidReason::new(revoked(0), at);
        assert_eq!(
            ee.to_string(),
            "certificate revoked at 2026-05-28T20:26:40Z (cACompromise)"
        );
        let info = ee.revocation().unwrap();
        assert_eq!(info.reason, Reason::CaCompromise);
        assert_eq!(
            InvalidReason::new(revoked(1), at).to_string(),
            "a certificate in the chain is revoked: `CN=Sub` at 2026-05-28T20:26:40Z (cACompromise)"
        );
        assert_eq!(InvalidReason::new(revoked(1), at).revocation(), None);
        let v = Verdict::Invalid {
            revocation: ee.revocation(),
            reason: ee,
        };
        assert_eq!(
            serde_json::to_value(&v).unwrap(),
            serde_json::json!({
                "verdict": "invalid",
                "reason": "certificate revoked at 2026-05-28T20:26:40Z (cACompromise)",
                "revocation": {"revoked_at": "2026-05-28T20:26:40Z", "reason": "cACompromise"},
            })
        );
        let open = IndeterminateReason::RevocationUndecided(vec![
            Undecided {
                subject: "CN=EE".into(),
                why: Some(Undetermined::Stale),
                online: None,
            },
            Undecided {
                subject: "CN=Sub".into(),
                why: None,
                online: None,
            },
        ]);
        assert_eq!(
            serde_json::to_value(&open).unwrap(),
            "the given CRLs do not decide the revocation of `CN=EE` (its CRL is past its nextUpdate), `CN=Sub`"
        );
    }

    #[test]
    fn a_revocation_outranks_an_expiry_which_outranks_a_missing_issuer() {
        let at = datetime!(2026-06-01 0:00 UTC);
        let expired = Failure::Expired {
            depth: 0,
            subject: "CN=EE".into(),
            not_after: 0,
        };
        let no_path = Failure::NoPath {
            subject: "CN=EE".into(),
        };
        let mut reasons: Vec<InvalidReason> = [no_path, revoked(1), expired]
            .into_iter()
            .map(|f| InvalidReason::new(f, at))
            .collect();
        reasons.sort_by_key(|r| std::cmp::Reverse(r.rank()));
        assert!(matches!(reasons[0].failure(), Failure::Revoked { .. }));
        assert!(matches!(reasons[1].failure(), Failure::Expired { .. }));
        assert!(matches!(reasons[2].failure(), Failure::NoPath { .. }));
        assert_eq!(reasons[1].at(), at);
    }
}
