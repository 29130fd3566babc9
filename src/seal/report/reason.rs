//! Why a [`super::ChainChecker`] refuses a certificate, or leaves its revocation open, as
//! values. Their words are their `Display` (what the report prints); a failure of the path
//! itself is [`crate::ca::verify::InvalidReason`], worded and ranked as `cert verify` does.

use std::fmt;

use time::OffsetDateTime;

use super::ChainRole;
use super::format_time;
use crate::ca::crl::Reason;
use crate::ca::verify::InvalidReason;
use crate::pkix::CertError;

/// Why a certificate is not valid for its role at the time asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainFailure {
    /// The certificate asked about does not parse (with the strict reader's words, when it
    /// was the one that refused).
    Malformed(Option<CertError>),
    /// Another certificate of the path does not parse.
    MalformedPathCertificate,
    /// A seal's maker certificate does not parse (`seal show`, judging it without anchors).
    MalformedSealAuthority,
    /// A key usage or extended key usage extension does not parse.
    MalformedExtension {
        extension: Extension,
        detail: String,
    },
    /// No path validates: the validator's most specific failure.
    Path(InvalidReason),
    /// A CA certificate was asked about as a seal holder.
    HolderIsCa { subject: String },
    /// A CA certificate whose key usage lacks keyCertSign made a seal.
    NotHierarchyCa { subject: String },
    /// Neither a CA of the hierarchy, nor a `seal-authority` certificate, nor pinned.
    NotSealAuthority { subject: String },
    /// An issuer of the path has a key usage without keyCertSign.
    IssuerMayNotSignCertificates { subject: String },
    NotYetValid {
        subject: String,
        not_before: OffsetDateTime,
        at: OffsetDateTime,
    },
    Expired {
        subject: String,
        not_after: OffsetDateTime,
        at: OffsetDateTime,
    },
    /// The key usage does not allow what the role signs.
    KeyUsageUnfit { subject: String, role: ChainRole },
    /// A time-stamp authority without the timeStamping extended key usage.
    NoTimeStampingEku { subject: String },
    /// A timeStamping extended key usage that is not critical or not alone (RFC 3161 §2.3).
    NotTsaCertificate { subject: String },
    /// A certificate of the path is revoked as of the time (see [`ListedRevocation`]).
    Revoked(ListedRevocation),
}

/// Which extension did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    KeyUsage,
    ExtendedKeyUsage,
}

/// A listing (on a CRL or in a CA home's store) that makes a certificate revoked at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedRevocation {
    pub subject: String,
    /// Upper-case hex, without DER's sign octet.
    pub serial: String,
    pub revoked_at: OffsetDateTime,
    pub reason: Reason,
    pub invalidity: Option<OffsetDateTime>,
    /// The (signing) time asked about.
    pub at: OffsetDateTime,
    pub counts: RevokedBecause,
}

/// Why a listing counts at the time asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokedBecause {
    /// Its date (the invalidityDate when earlier) is at or before the time.
    AtOrBefore,
    /// Later, but the key was compromised (or declared invalid from a date) and the time is
    /// only claimed (ETSI EN 319 102-1 §5.2.8).
    CompromiseBeforeUnprovenTime,
}

impl ListedRevocation {
    /// From when the certificate may not be relied on: the invalidityDate when earlier than
    /// the revocation date.
    pub fn effective(&self) -> OffsetDateTime {
        self.invalidity
            .map_or(self.revoked_at, |i| i.min(self.revoked_at))
    }
}

impl fmt::Display for ListedRevocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "certificate `{}` (serial {}) was revoked at {} ({})",
            self.subject,
            self.serial,
            format_time(self.revoked_at),
            self.reason
        )?;
        if let Some(i) = self.invalidity {
            write!(f, ", invalid since {}", format_time(i))?;
        }
        match self.counts {
            RevokedBecause::AtOrBefore => write!(
                f,
                ", at or before the signing time {}",
                format_time(self.at)
            ),
            RevokedBecause::CompromiseBeforeUnprovenTime => write!(
                f,
                ": a compromised key voids what it signed, whatever time it claims; the signing time {} is not proven before {} by a trusted time-stamp",
                format_time(self.at),
                format_time(self.effective())
            ),
        }
    }
}

impl fmt::Display for ChainFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainFailure::Malformed(None) => f.write_str("the certificate is malformed"),
            ChainFailure::Malformed(Some(e)) => write!(f, "the certificate is malformed: {e}"),
            ChainFailure::MalformedPathCertificate => {
                f.write_str("a certificate of the path is malformed")
            }
            ChainFailure::MalformedSealAuthority => {
                f.write_str("the seal authority certificate is malformed")
            }
            ChainFailure::MalformedExtension { extension, detail } => match extension {
                Extension::KeyUsage => write!(f, "malformed key usage: {detail}"),
                Extension::ExtendedKeyUsage => {
                    write!(f, "malformed extended key usage: {detail}")
                }
            },
            ChainFailure::Path(reason) => write!(f, "{reason}"),
            ChainFailure::HolderIsCa { subject } => write!(
                f,
                "`{subject}` is a CA certificate, which cannot hold a seal"
            ),
            ChainFailure::NotHierarchyCa { subject } => write!(
                f,
                "`{subject}` is not a seal authority: a CA certificate whose key usage lacks keyCertSign is no CA of the hierarchy"
            ),
            ChainFailure::NotSealAuthority { subject } => write!(
                f,
                "`{subject}` is not a seal authority: neither a CA certificate of the trusted hierarchy, nor a `seal-authority` certificate (extended key usage {}), nor pinned with --seal-authority",
                crate::seal::OID_KP_SEAL_AUTHORITY
            ),
            ChainFailure::IssuerMayNotSignCertificates { subject } => write!(
                f,
                "certificate `{subject}` may not sign certificates: its key usage lacks keyCertSign"
            ),
            ChainFailure::NotYetValid {
                subject,
                not_before,
                at,
            } => write!(
                f,
                "certificate `{subject}` is not valid until {} (checked at {})",
                format_time(*not_before),
                format_time(*at)
            ),
            ChainFailure::Expired {
                subject,
                not_after,
                at,
            } => write!(
                f,
                "certificate `{subject}` expired at {} (checked at {})",
                format_time(*not_after),
                format_time(*at)
            ),
            ChainFailure::KeyUsageUnfit { subject, role } => write!(
                f,
                "certificate `{subject}` has no key usage fit for {}",
                match role {
                    ChainRole::Holder | ChainRole::SesHolder => {
                        "signing documents (digitalSignature or nonRepudiation)"
                    }
                    ChainRole::Authority => "signing seals",
                    ChainRole::TimeStamping => "signing time-stamps",
                }
            ),
            ChainFailure::NoTimeStampingEku { subject } => write!(
                f,
                "certificate `{subject}` has no extendedKeyUsage timeStamping"
            ),
            ChainFailure::NotTsaCertificate { subject } => write!(
                f,
                "certificate `{subject}` is not a TSA certificate: RFC 3161 wants a critical extendedKeyUsage with timeStamping alone"
            ),
            ChainFailure::Revoked(listed) => write!(f, "{listed}"),
        }
    }
}

/// Why the revocation of some certificates of a valid path is not settled, each in path
/// order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationUnknown(pub Vec<Unsettled>);

/// Which certificate an entry is about: the SHA-256 of its DER. A subject is words for the
/// report and may be shared (a stolen CA key can issue a certificate named like its CA, and two
/// names of different string types print alike); what is done about an entry (`seal verify
/// --ocsp` asking about it) finds its certificate by this, never by the words.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CertId([u8; 32]);

impl CertId {
    /// The identity of the certificate `der`.
    pub fn of(der: &[u8]) -> CertId {
        let mut id = [0; 32];
        id.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, der).as_ref());
        CertId(id)
    }
}

impl fmt::Debug for CertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertId({})", hex::encode(self.0))
    }
}

/// Why one certificate's revocation is not settled at the time asked; `cert` is that
/// certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsettled {
    /// The newest usable CRL of its issuer was issued before the time, so it cannot show the
    /// certificate unrevoked then.
    CrlTooOld {
        cert: CertId,
        subject: String,
        newest: OffsetDateTime,
        at: OffsetDateTime,
    },
    /// CRLs of its issuer were given, but none verifies with the issuer's key.
    NoVerifiedCrl {
        cert: CertId,
        subject: String,
        issuer: String,
    },
    /// No CRL of its issuer.
    NoCrl {
        cert: CertId,
        subject: String,
        issuer: String,
    },
    /// A seal authority pinned with `--seal-authority` and no path to the trust anchors.
    PinnedWithoutPath { cert: CertId, subject: String },
}

impl Unsettled {
    /// The certificate whose revocation is open.
    pub fn cert(&self) -> CertId {
        match self {
            Unsettled::CrlTooOld { cert, .. }
            | Unsettled::NoVerifiedCrl { cert, .. }
            | Unsettled::NoCrl { cert, .. }
            | Unsettled::PinnedWithoutPath { cert, .. } => *cert,
        }
    }

    /// Its subject, as the report prints it.
    pub fn subject(&self) -> &str {
        match self {
            Unsettled::CrlTooOld { subject, .. }
            | Unsettled::NoVerifiedCrl { subject, .. }
            | Unsettled::NoCrl { subject, .. }
            | Unsettled::PinnedWithoutPath { subject, .. } => subject,
        }
    }
}

impl fmt::Display for Unsettled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsettled::CrlTooOld {
                subject,
                newest,
                at,
                ..
            } => write!(
                f,
                "the newest CRL for `{subject}` was issued at {}, before the signing time {}, so it cannot show the certificate unrevoked then",
                format_time(*newest),
                format_time(*at)
            ),
            Unsettled::NoVerifiedCrl {
                subject, issuer, ..
            } => write!(
                f,
                "no usable CRL for `{subject}`: the CRL from `{issuer}` does not verify with its issuer's key"
            ),
            Unsettled::NoCrl {
                subject, issuer, ..
            } => {
                write!(f, "no CRL from `{issuer}` for `{subject}`")
            }
            Unsettled::PinnedWithoutPath { subject, .. } => write!(
                f,
                "`{subject}` is pinned with --seal-authority and has no path to the trust anchors"
            ),
        }
    }
}

impl fmt::Display for RevocationUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, u) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{u}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const AT: OffsetDateTime = datetime!(2026-11-30 10:00:00 UTC);

    #[test]
    fn the_words_of_a_listed_revocation_say_why_it_counts() {
        let mut listed = ListedRevocation {
            subject: "CN=Holder".into(),
            serial: "07".into(),
            revoked_at: datetime!(2026-12-01 10:00:00 UTC),
            reason: Reason::KeyCompromise,
            invalidity: Some(datetime!(2026-11-29 10:00:00 UTC)),
            at: AT,
            counts: RevokedBecause::AtOrBefore,
        };
        assert_eq!(listed.effective(), datetime!(2026-11-29 10:00:00 UTC));
        assert_eq!(
            ChainFailure::Revoked(listed.clone()).to_string(),
            "certificate `CN=Holder` (serial 07) was revoked at 2026-12-01T10:00:00Z (keyCompromise), invalid since 2026-11-29T10:00:00Z, at or before the signing time 2026-11-30T10:00:00Z"
        );
        listed.invalidity = None;
        listed.counts = RevokedBecause::CompromiseBeforeUnprovenTime;
        assert_eq!(
            listed.to_string(),
            "certificate `CN=Holder` (serial 07) was revoked at 2026-12-01T10:00:00Z (keyCompromise): a compromised key voids what it signed, whatever time it claims; the signing time 2026-11-30T10:00:00Z is not proven before 2026-12-01T10:00:00Z by a trusted time-stamp"
        );
    }

    #[test]
    fn unsettled_causes_join_in_path_order() {
        let unknown = RevocationUnknown(vec![
            Unsettled::NoCrl {
                cert: CertId::of(b"holder"),
                subject: "CN=Holder".into(),
                issuer: "CN=Sub".into(),
            },
            Unsettled::CrlTooOld {
                cert: CertId::of(b"sub"),
                subject: "CN=Sub".into(),
                newest: datetime!(2026-11-01 0:00:00 UTC),
                at: AT,
            },
        ]);
        assert_eq!(
            unknown.to_string(),
            "no CRL from `CN=Sub` for `CN=Holder`; the newest CRL for `CN=Sub` was issued at 2026-11-01T00:00:00Z, before the signing time 2026-11-30T10:00:00Z, so it cannot show the certificate unrevoked then"
        );
        assert_eq!(
            ChainFailure::KeyUsageUnfit {
                subject: "CN=TSA".into(),
                role: ChainRole::TimeStamping,
            }
            .to_string(),
            "certificate `CN=TSA` has no key usage fit for signing time-stamps"
        );
        assert_eq!(
            ChainFailure::MalformedExtension {
                extension: Extension::ExtendedKeyUsage,
                detail: "bad".into(),
            }
            .to_string(),
            "malformed extended key usage: bad"
        );
        assert_eq!(
            crate::seal::chain::seal_authority_kind(b"not DER").map_err(|e| e.to_string()),
            Err("the seal authority certificate is malformed".to_string())
        );
    }
}
