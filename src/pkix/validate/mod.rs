//! Path building and RFC 5280 §6.1 basic path validation, with §6.3 revocation for every
//! certificate of the path.
//!
//! [`validate`] builds every candidate path from the target to a trust anchor (issuer names
//! compared by §7.1, the pool searched depth-first, no certificate twice, at most
//! [`Options::max_depth`] certificates), runs the §6.1 loop ([`walk`]) on each, and returns the
//! first valid path, or the most specific failure over all paths (ranked by
//! [`Failure::rank`]). A trust anchor is its name and key (RFC 5280 §6.1.1 (d)); the anchor's
//! own validity and extensions are not judged, as RFC 5280 says.
//!
//! Revocation: the CRLs of the [`Pool`] first; what they leave open (or everything, when none
//! is given) the [`Options::online`] source decides when there is one (OCSP, asked by the
//! caller's [`OnlineRevocation`]): revoked fails the path like a CRL entry, undecided leaves it
//! indeterminate.

mod build;
mod online;
mod signers;
#[cfg(test)]
mod tests;
mod walk;

use std::sync::Arc;

use der::asn1::ObjectIdentifier;
use x509_cert::ext::pkix::CrlReason;

use super::Cert;
use super::crl::{Crl, Undetermined};
use super::nc::NcViolation;
use super::policy::{PolicyError, PolicyInputs, ValidPolicies};
use super::sig::{SigError, SignatureVerifier};

pub use online::{OnlineAnswer, OnlineRevocation, RevokedBy};

/// The inputs of a validation besides the certificates.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// The time to validate at (Unix seconds).
    pub at: i64,
    pub policy: &'a PolicyInputs,
    /// An extended key usage the target must allow (and every CA certificate that has an EKU
    /// extension, as Mozilla and webpki do). `None`: any purpose.
    pub required_eku: Option<ObjectIdentifier>,
    pub verifier: &'a dyn SignatureVerifier,
    /// Most certificates in a path, trust anchor included.
    pub max_depth: usize,
    /// Asked (OCSP) about each certificate below the trust anchor that the CRLs do not
    /// decide (or about each, when no CRL is given); `None`: CRLs only.
    pub online: Option<&'a dyn OnlineRevocation>,
}

/// The certificates and CRLs a validation may use.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    pub anchors: Vec<Arc<Cert>>,
    pub intermediates: Vec<Arc<Cert>>,
    /// When empty, revocation is not checked; otherwise every certificate of the path below
    /// the trust anchor must be covered.
    pub crls: Vec<Crl>,
}

/// What was learnt about the revocation of one certificate of a path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum CertRevocation {
    /// No CRL was given at all.
    NotChecked,
    /// Not revoked, by these CRLs (indices into [`Pool::crls`]).
    Good { crls: Vec<usize> },
    /// Not revoked, by the online source `source` (the CRLs, if any, did not decide).
    GoodOnline { source: String },
    /// Revoked.
    Revoked {
        crl: usize,
        revoked_at: i64,
        reason: Option<String>,
    },
    /// The given CRLs do not decide it.
    Undetermined { why: Undetermined },
    /// Neither the CRLs (`crl`: why; `None` when none was given) nor the online source decide.
    UndeterminedOnline {
        crl: Option<Undetermined>,
        source: String,
        why: String,
    },
}

/// One certificate of a path and its revocation.
#[derive(Debug, Clone)]
pub struct PathCert {
    pub cert: Arc<Cert>,
    pub revocation: CertRevocation,
}

/// A path that validates.
#[derive(Debug, Clone)]
pub struct ValidPath {
    /// From the target (first) to the trust anchor (last).
    pub certs: Vec<PathCert>,
    pub policies: ValidPolicies,
}

impl ValidPath {
    /// Certificates below the anchor whose revocation the CRLs (and the online source) do
    /// not decide.
    pub fn undetermined(&self) -> impl Iterator<Item = &PathCert> {
        self.certs.iter().filter(|c| {
            matches!(
                c.revocation,
                CertRevocation::Undetermined { .. } | CertRevocation::UndeterminedOnline { .. }
            )
        })
    }
}

/// Why a path does not validate. `depth` is the position in the path: 0 is the target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("no path to a trusted CA: the issuer of `{subject}` is unknown or not trusted")]
    NoPath { subject: String },
    #[error("the chain is longer than {max} certificates")]
    TooLong { max: usize },
    #[error("the signature of `{subject}` does not verify: {err}")]
    Signature {
        depth: usize,
        subject: String,
        err: SigError,
    },
    #[error("`{subject}` expired at {not_after}")]
    Expired {
        depth: usize,
        subject: String,
        not_after: i64,
    },
    #[error("`{subject}` is not valid until {not_before}")]
    NotYetValid {
        depth: usize,
        subject: String,
        not_before: i64,
    },
    #[error("`{subject}` is not a CA certificate (basicConstraints cA is not TRUE)")]
    NotCa { depth: usize, subject: String },
    #[error("`{subject}` exceeds a path length constraint")]
    PathLength { depth: usize, subject: String },
    #[error("`{subject}` may not sign certificates: its keyUsage lacks keyCertSign")]
    NotCertSigner { depth: usize, subject: String },
    #[error("`{subject}` has an unsupported critical extension {oid}")]
    UnknownCriticalExtension {
        depth: usize,
        subject: String,
        oid: ObjectIdentifier,
    },
    #[error("`{subject}` breaks a name constraint: {violation}")]
    NameConstraint {
        depth: usize,
        subject: String,
        violation: NcViolation,
    },
    #[error("certificate policies: {0}")]
    Policy(PolicyError),
    #[error("`{subject}` is not valid for the requested purpose (extended key usage)")]
    Purpose { depth: usize, subject: String },
    #[error("`{subject}` has a negative serial number (RFC 5280 §4.1.2.2)")]
    NegativeSerial { depth: usize, subject: String },
    #[error("`{subject}` has different signature algorithms inside and outside its TBS")]
    AlgorithmMismatch { depth: usize, subject: String },
    #[error("`{subject}` is revoked")]
    Revoked {
        depth: usize,
        subject: String,
        /// The CRL or the online source that says so.
        by: RevokedBy,
        revoked_at: i64,
        /// The entry's reasonCode; `None` when absent (unspecified).
        reason: Option<CrlReason>,
    },
}

impl Failure {
    /// How specific the failure is: when no path validates, the failure with the highest
    /// rank over all tried paths is reported (as webpki ranks its errors). Not finding an
    /// issuer says least; a bad signature usually means a wrong candidate key; a revocation
    /// says most.
    pub fn rank(&self) -> u8 {
        match self {
            Failure::NoPath { .. } => 0,
            Failure::TooLong { .. } => 1,
            Failure::Signature { .. } => 2,
            Failure::AlgorithmMismatch { .. } => 3,
            Failure::NegativeSerial { .. } => 4,
            Failure::NotCa { .. }
            | Failure::PathLength { .. }
            | Failure::NotCertSigner { .. }
            | Failure::UnknownCriticalExtension { .. }
            | Failure::NameConstraint { .. }
            | Failure::Policy(_)
            | Failure::Purpose { .. } => 5,
            Failure::Expired { .. } | Failure::NotYetValid { .. } => 6,
            Failure::Revoked { .. } => 7,
        }
    }

    /// The position in the path (0 the target) the failure is about, when it is about one.
    pub fn depth(&self) -> Option<usize> {
        match self {
            Failure::NoPath { .. } | Failure::TooLong { .. } | Failure::Policy(_) => None,
            Failure::Signature { depth, .. }
            | Failure::Expired { depth, .. }
            | Failure::NotYetValid { depth, .. }
            | Failure::NotCa { depth, .. }
            | Failure::PathLength { depth, .. }
            | Failure::NotCertSigner { depth, .. }
            | Failure::UnknownCriticalExtension { depth, .. }
            | Failure::NameConstraint { depth, .. }
            | Failure::Purpose { depth, .. }
            | Failure::AlgorithmMismatch { depth, .. }
            | Failure::NegativeSerial { depth, .. }
            | Failure::Revoked { depth, .. } => Some(*depth),
        }
    }
}

/// The result of a validation.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A path validates and every certificate's revocation is decided (or no CRL was given).
    Valid(ValidPath),
    /// A path validates except that the CRLs leave some certificate's status open.
    Indeterminate(ValidPath),
    /// No path validates.
    Invalid(Failure),
}

/// Validates `target` with the certificates and CRLs of `pool`.
pub fn validate(target: &Arc<Cert>, pool: &Pool, opts: &Options<'_>) -> Outcome {
    let ctx = signers::Ctx::new(pool, opts);
    ctx.validate(target, None, 0)
}
