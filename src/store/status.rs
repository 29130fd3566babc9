//! A certificate's status: what the `certs.status` column records, and what a listing reports
//! at a time. The SQLite text of each status is written here and nowhere else.

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

/// What the store records for a certificate (the `status` column: `valid`, `revoked`, `hold`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Valid,
    Revoked,
    /// Revoked with reason certificateHold: `cert release` can make it valid again.
    Hold,
}

impl Recorded {
    /// The column's text.
    pub fn sql(self) -> &'static str {
        match self {
            Recorded::Valid => "valid",
            Recorded::Revoked => "revoked",
            Recorded::Hold => "hold",
        }
    }

    /// Reads the column's text; anything else is a damaged store.
    pub fn from_sql(text: &str) -> Option<Recorded> {
        [Recorded::Valid, Recorded::Revoked, Recorded::Hold]
            .into_iter()
            .find(|s| s.sql() == text)
    }

    /// The status reported at `now`: a valid certificate past its notAfter is expired.
    pub fn at(self, not_after: OffsetDateTime, now: OffsetDateTime) -> CertStatus {
        match self {
            Recorded::Valid if not_after < now => CertStatus::Expired,
            Recorded::Valid => CertStatus::Valid,
            Recorded::Revoked => CertStatus::Revoked,
            Recorded::Hold => CertStatus::OnHold,
        }
    }
}

/// A certificate's status at a time, as `cert list` and `cert show` report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    Valid,
    Revoked,
    /// Revoked with reason certificateHold, until released.
    OnHold,
    /// Recorded valid, past its notAfter.
    Expired,
}

impl CertStatus {
    /// The name users see. DESIGN §2 statuses are valid|revoked|expired: a certificate on hold
    /// is revoked (reason certificateHold) until released.
    pub fn name(self) -> &'static str {
        match self {
            CertStatus::Valid => "valid",
            CertStatus::Revoked | CertStatus::OnHold => "revoked",
            CertStatus::Expired => "expired",
        }
    }

    /// Whether the certificate may not be relied on because it was revoked (or is on hold).
    pub fn is_revoked(self) -> bool {
        matches!(self, CertStatus::Revoked | CertStatus::OnHold)
    }

    /// Whether a `--status` filter for `wanted` lists this certificate (`revoked` lists those
    /// on hold too).
    pub fn listed_as(self, wanted: CertStatus) -> bool {
        self.name() == wanted.name()
    }
}

impl fmt::Display for CertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl serde::Serialize for CertStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl FromStr for CertStatus {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<CertStatus> {
        match s {
            "valid" => Ok(CertStatus::Valid),
            "revoked" => Ok(CertStatus::Revoked),
            "expired" => Ok(CertStatus::Expired),
            other => anyhow::bail!("unknown status `{other}` (valid, revoked or expired)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_column_text_round_trips_and_unknown_text_is_refused() {
        for s in [Recorded::Valid, Recorded::Revoked, Recorded::Hold] {
            assert_eq!(Recorded::from_sql(s.sql()), Some(s));
        }
        assert_eq!(Recorded::from_sql("Revoked"), None);
    }

    #[test]
    fn a_hold_is_reported_revoked_and_a_lapsed_valid_one_expired() {
        let end = datetime!(2026-01-01 0:00 UTC);
        let now = datetime!(2026-06-01 0:00 UTC);
        assert_eq!(Recorded::Valid.at(end, now), CertStatus::Expired);
        assert_eq!(Recorded::Valid.at(now, end), CertStatus::Valid);
        assert_eq!(Recorded::Hold.at(end, now), CertStatus::OnHold);
        assert_eq!(CertStatus::OnHold.to_string(), "revoked");
        // `cert list` pads the column.
        assert_eq!(format!("{:<8}|", CertStatus::Valid), "valid   |");
        assert!(CertStatus::OnHold.is_revoked());
        assert!(CertStatus::OnHold.listed_as(CertStatus::Revoked));
        assert!(!CertStatus::Expired.listed_as(CertStatus::Valid));
        assert_eq!(
            serde_json::to_string(&CertStatus::Expired).unwrap(),
            "\"expired\""
        );
    }
}
