//! Revocation asked online: a source (OCSP, `ops::ocsp`) the validator asks about a
//! certificate of the path that the CRLs do not decide. The validator stays pure: the source
//! is a trait object the caller hands in, and its answer is judged like a CRL's (revoked fails
//! the path; undecided leaves it indeterminate).

use x509_cert::ext::pkix::CrlReason;

use super::super::Cert;

/// Answers about the revocation of `cert`, issued by `issuer`.
pub trait OnlineRevocation: Sync {
    fn status(&self, cert: &Cert, issuer: &Cert) -> OnlineAnswer;
}

/// What an online source said. `source` names it for reports (`OCSP http://...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnlineAnswer {
    Good {
        source: String,
    },
    Revoked {
        source: String,
        revoked_at: i64,
        reason: Option<CrlReason>,
    },
    /// Not decided (no responder, no answer, `unknown`, an answer that does not verify), and
    /// why in words.
    Undecided {
        source: String,
        why: String,
    },
}

/// What says that a certificate is revoked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevokedBy {
    /// A CRL of the pool (index into `Pool::crls`).
    Crl(usize),
    /// An online source (`OCSP http://...`).
    Online(String),
}
