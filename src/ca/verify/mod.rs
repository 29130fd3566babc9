//! Chain verification as `cert verify` does it: an end entity, intermediates, trust anchors,
//! CRLs, a time and the RFC 5280 policy inputs in; a verdict with the most specific reason and
//! the revocation of every certificate of the path out.
//!
//! The path is built and validated by [`crate::pkix::validate`] (RFC 5280 §6.1 with §6.3 CRL
//! processing for every certificate below the trust anchor). On top, DESIGN.md §2: "any
//! purpose" by default; when CRLs are given, a certificate of the path that none of them
//! decides makes the verdict indeterminate, naming it; without CRLs revocation is reported as
//! not checked. With an online source (`cert verify --ocsp`), the validator asks it about
//! every certificate the CRLs leave open, and its answer decides as a CRL's would.

use std::sync::Arc;

use time::OffsetDateTime;

mod reason;

pub use reason::{IndeterminateReason, InvalidReason, Undecided, undetermined_text};

use crate::ca::crl::Reason;
use crate::pkix::Cert;
use crate::pkix::crl::{Crl, Undetermined};
use crate::pkix::policy::{PolicyInputs, ValidPolicies};
use crate::pkix::sig::DefaultVerifier;
use crate::pkix::validate::{self, CertRevocation, OnlineRevocation, Options, Outcome, Pool};

/// The certificate purposes `--purpose` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// TLS server (serverAuth)
    ServerAuth,
    /// TLS client (clientAuth)
    ClientAuth,
    /// S/MIME (emailProtection)
    EmailProtection,
    /// Document signing, as for seals (1.3.6.1.5.5.7.3.36)
    DocumentSigning,
    /// Code signing
    CodeSigning,
    /// Time stamping
    TimeStamping,
    /// OCSP signing
    OcspSigning,
}

impl Purpose {
    /// The OID value bytes (without tag and length).
    pub fn oid_value(self) -> &'static [u8] {
        match self {
            Purpose::ServerAuth => &[0x2b, 6, 1, 5, 5, 7, 3, 1],
            Purpose::ClientAuth => &[0x2b, 6, 1, 5, 5, 7, 3, 2],
            Purpose::CodeSigning => &[0x2b, 6, 1, 5, 5, 7, 3, 3],
            Purpose::EmailProtection => &[0x2b, 6, 1, 5, 5, 7, 3, 4],
            Purpose::TimeStamping => &[0x2b, 6, 1, 5, 5, 7, 3, 8],
            Purpose::OcspSigning => &[0x2b, 6, 1, 5, 5, 7, 3, 9],
            Purpose::DocumentSigning => &[0x2b, 6, 1, 5, 5, 7, 3, 36],
        }
    }
}

/// Most certificates in a path, trust anchor included.
const MAX_DEPTH: usize = 12;

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "verdict", rename_all = "lowercase")]
pub enum Verdict {
    Valid {
        /// Subjects from the end entity up to the trust anchor.
        chain: Vec<String>,
        /// Every certificate of the path below the trust anchor was checked against a CRL
        /// and is not revoked.
        revocation_checked: bool,
        /// Per certificate of the path, end entity first.
        revocation: Vec<PathRevocation>,
        /// The valid policies of the path (RFC 5280 §6.1.6).
        policies: ValidPolicies,
    },
    Invalid {
        /// Serialised as its words.
        reason: InvalidReason,
        /// Set when the end entity is revoked (on a CRL or by OCSP).
        revocation: Option<RevocationInfo>,
    },
    Indeterminate {
        /// Serialised as its words.
        reason: IndeterminateReason,
        /// The path that validates but for revocation, end entity first.
        chain: Vec<String>,
        revocation: Vec<PathRevocation>,
    },
}

impl Verdict {
    /// The words of why the chain is not valid (invalid or undecided), `None` when it is.
    pub fn why_not_valid(&self) -> Option<String> {
        match self {
            Verdict::Valid { .. } => None,
            Verdict::Invalid { reason, .. } => Some(reason.to_string()),
            Verdict::Indeterminate { reason, .. } => Some(reason.to_string()),
        }
    }
}

/// Where a certificate stands on a CRL (or in an OCSP response).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevocationInfo {
    pub revoked_at: String,
    /// Serialised by its RFC 5280 name; unspecified when the entry has no reasonCode.
    pub reason: Reason,
    /// `OCSP <url>` when an OCSP response decided it (absent for a CRL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

/// The revocation of one certificate of the path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathRevocation {
    pub subject: String,
    /// Hex, as `openssl x509 -serial` prints it.
    pub serial: String,
    /// `good`, `undetermined`, `not-checked` (no CRL given) or `trust-anchor`.
    pub status: RevocationStatus,
    /// The CRLs (their positions among the `--crl` arguments, from 1) that decided it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crls: Vec<usize>,
    /// Why the given CRLs do not decide it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<Undetermined>,
    /// `OCSP <url>` when an OCSP response decided it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// `OCSP <url>: <why>` when OCSP was asked and did not decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocsp_undecided: Option<String>,
}

/// A certificate's revocation status, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationStatus {
    Good,
    Undetermined,
    NotChecked,
    TrustAnchor,
}

/// Why verification could not even start.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the certificate is malformed: {0}")]
    BadCert(crate::pkix::CertError),
    #[error("intermediate certificate {index} is malformed: {err}")]
    BadIntermediate {
        index: usize,
        err: crate::pkix::CertError,
    },
    #[error("trust anchor {index} is unusable: {err}")]
    BadAnchor {
        index: usize,
        err: crate::pkix::CertError,
    },
    #[error("CRL {index} is malformed: {err}")]
    BadCrl {
        index: usize,
        err: crate::pkix::crl::CrlError,
    },
    #[error("no trust anchor given")]
    NoAnchors,
}

/// What to verify.
#[derive(Debug, Clone, Copy)]
pub struct VerifyInput<'a> {
    pub end_entity: &'a [u8],
    pub intermediates: &'a [Vec<u8>],
    pub anchors: &'a [Vec<u8>],
    pub crls: &'a [Vec<u8>],
    pub at: OffsetDateTime,
    pub purpose: Option<Purpose>,
    /// The RFC 5280 §6.1.1 policy inputs; `None` for the defaults (any policy, nothing
    /// required or inhibited).
    pub policy: Option<&'a PolicyInputs>,
    /// Accept SHA-1 signatures.
    pub allow_sha1: bool,
}

/// Parsed CRLs, reusable across many verifications (seal batches).
pub struct ParsedCrls {
    crls: Vec<Crl>,
}

impl ParsedCrls {
    pub fn parse(crls: &[Vec<u8>]) -> Result<ParsedCrls, VerifyError> {
        let mut parsed = Vec::with_capacity(crls.len());
        for (index, der) in crls.iter().enumerate() {
            parsed.push(Crl::from_der(der).map_err(|err| VerifyError::BadCrl { index, err })?);
        }
        Ok(ParsedCrls { crls: parsed })
    }
}

/// Verifies a chain as `cert verify` does.
pub fn verify_chain(input: &VerifyInput<'_>) -> Result<Verdict, VerifyError> {
    let crls = ParsedCrls::parse(input.crls)?;
    verify_chain_with(input, &crls)
}

/// Verifies with CRLs parsed beforehand.
pub fn verify_chain_with(
    input: &VerifyInput<'_>,
    crls: &ParsedCrls,
) -> Result<Verdict, VerifyError> {
    verify_chain_online(input, crls, None)
}

/// Verifies with CRLs parsed beforehand and, for what they leave open, an online source
/// (OCSP) when given.
pub fn verify_chain_online(
    input: &VerifyInput<'_>,
    crls: &ParsedCrls,
    online: Option<&dyn OnlineRevocation>,
) -> Result<Verdict, VerifyError> {
    if input.anchors.is_empty() {
        return Err(VerifyError::NoAnchors);
    }
    let target = Arc::new(Cert::from_der(input.end_entity).map_err(VerifyError::BadCert)?);
    let mut anchors = Vec::with_capacity(input.anchors.len());
    for (index, der) in input.anchors.iter().enumerate() {
        anchors.push(Arc::new(
            Cert::from_der(der).map_err(|err| VerifyError::BadAnchor { index, err })?,
        ));
    }
    let mut intermediates = Vec::with_capacity(input.intermediates.len());
    for (index, der) in input.intermediates.iter().enumerate() {
        intermediates.push(Arc::new(
            Cert::from_der(der).map_err(|err| VerifyError::BadIntermediate { index, err })?,
        ));
    }
    let pool = Pool {
        anchors,
        intermediates,
        crls: crls.crls.clone(),
    };
    let default_policy = PolicyInputs::default();
    let verifier = DefaultVerifier {
        allow_sha1: input.allow_sha1,
    };
    let required_eku = input
        .purpose
        .map(|p| der::asn1::ObjectIdentifier::from_bytes(p.oid_value()))
        .transpose()
        .ok()
        .flatten();
    let opts = Options {
        at: input.at.unix_timestamp(),
        policy: input.policy.unwrap_or(&default_policy),
        required_eku,
        verifier: &verifier,
        max_depth: MAX_DEPTH,
        online,
    };
    Ok(match validate::validate(&target, &pool, &opts) {
        Outcome::Valid(path) => {
            let revocation = path_revocation(&path);
            Verdict::Valid {
                chain: path.certs.iter().map(|c| c.cert.subject_text()).collect(),
                revocation_checked: (!pool.crls.is_empty() || online.is_some())
                    && revocation.iter().all(|r| {
                        matches!(
                            r.status,
                            RevocationStatus::Good | RevocationStatus::TrustAnchor
                        )
                    }),
                revocation,
                policies: path.policies,
            }
        }
        Outcome::Indeterminate(path) => {
            let revocation = path_revocation(&path);
            let open = path
                .undetermined()
                .map(|c| {
                    let (why, online) = match &c.revocation {
                        CertRevocation::Undetermined { why } => (Some(why.clone()), None),
                        CertRevocation::UndeterminedOnline { crl, source, why } => {
                            (crl.clone(), Some(format!("{source}: {why}")))
                        }
                        _ => (None, None),
                    };
                    Undecided {
                        subject: c.cert.subject_text(),
                        why,
                        online,
                    }
                })
                .collect();
            Verdict::Indeterminate {
                reason: IndeterminateReason::RevocationUndecided(open),
                chain: path.certs.iter().map(|c| c.cert.subject_text()).collect(),
                revocation,
            }
        }
        Outcome::Invalid(failure) => {
            let reason = InvalidReason::new(failure, input.at);
            Verdict::Invalid {
                revocation: reason.revocation(),
                reason,
            }
        }
    })
}

fn path_revocation(path: &validate::ValidPath) -> Vec<PathRevocation> {
    let last = path.certs.len().saturating_sub(1);
    path.certs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut r = PathRevocation {
                subject: c.cert.subject_text(),
                serial: c.cert.serial_hex(),
                status: RevocationStatus::Undetermined,
                crls: Vec::new(),
                why: None,
                decided_by: None,
                ocsp_undecided: None,
            };
            if i == last {
                r.status = RevocationStatus::TrustAnchor;
                return r;
            }
            match &c.revocation {
                CertRevocation::NotChecked => r.status = RevocationStatus::NotChecked,
                CertRevocation::Good { crls } => {
                    r.status = RevocationStatus::Good;
                    r.crls = crls.iter().map(|i| i + 1).collect();
                }
                CertRevocation::GoodOnline { source } => {
                    r.status = RevocationStatus::Good;
                    r.decided_by = Some(source.clone());
                }
                CertRevocation::Undetermined { why } => r.why = Some(why.clone()),
                CertRevocation::UndeterminedOnline { crl, source, why } => {
                    r.why = crl.clone();
                    r.ocsp_undecided = Some(format!("{source}: {why}"));
                }
                // A revoked certificate fails the path; not reachable in a valid one.
                CertRevocation::Revoked { .. } => {}
            }
            r
        })
        .collect()
}

#[cfg(test)]
mod tests;
