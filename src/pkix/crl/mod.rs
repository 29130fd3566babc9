//! CRL processing (RFC 5280 §6.3): strict parsing ([`Crl::from_der`]) and the §6.3.3 status
//! of one certificate ([`check`]): scopes, distribution points, onlySomeReasons, indirect and
//! delta CRLs. It does not validate the path of a CRL signer (the caller's [`CrlSigners`]
//! does), fetch CRLs or read the clock.

mod check;
mod parse;
#[cfg(test)]
mod tests;

pub use check::{check, covers_completely};
pub use parse::oid;

use der::asn1::ObjectIdentifier;
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::GeneralNames;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlReason};
use x509_cert::name::Name;

use super::Cert;

/// Why bytes are not a CRL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrlError {
    #[error("not a DER CRL: {0}")]
    Der(String),
    #[error("bad time: {0}")]
    Time(String),
    #[error("extension {oid} is malformed or repeated: {err}")]
    BadExtension { oid: ObjectIdentifier, err: String },
}

/// One revoked certificate of a CRL.
#[derive(Debug, Clone)]
pub struct CrlEntry {
    /// The serial's content octets, as encoded.
    pub serial: Vec<u8>,
    pub revoked_at: i64,
    pub reason: Option<CrlReason>,
    /// The certificate issuer this entry is about: the CRL issuer, or for an indirect CRL the
    /// certificateIssuer of this entry or of the previous entry that had one (RFC 5280 §5.3.3).
    pub certificate_issuer: Option<GeneralNames>,
    /// invalidityDate (RFC 5280 §5.3.2), Unix seconds: when the key is known or suspected to
    /// have become invalid.
    pub invalidity: Option<i64>,
    /// An unknown critical entry extension: the CRL cannot be used (§5.3).
    pub unknown_critical: bool,
}

/// A parsed CRL (strict DER).
#[derive(Debug, Clone)]
pub struct Crl {
    pub der: Vec<u8>,
    pub tbs_der: Vec<u8>,
    pub sig_alg: AlgorithmIdentifierOwned,
    /// The signature algorithm inside the TBS (§6.3.3 (f): must equal `sig_alg`).
    pub tbs_sig_alg: AlgorithmIdentifierOwned,
    pub signature: Vec<u8>,
    pub issuer: Name,
    pub this_update: i64,
    pub next_update: Option<i64>,
    /// cRLNumber, content octets.
    pub number: Option<Vec<u8>>,
    /// deltaCRLIndicator (the base CRL number): this is a delta CRL.
    pub delta_base: Option<Vec<u8>>,
    pub idp: Option<IssuingDistributionPoint>,
    pub authority_key_id: Option<AuthorityKeyIdentifier>,
    pub entries: Vec<CrlEntry>,
    /// Unknown critical CRL extensions: the CRL cannot be used.
    pub unknown_critical: Vec<ObjectIdentifier>,
}

/// Finds the keys that may have signed a CRL: certificates whose subject is the CRL's issuer
/// and whose own path validates to the same trust anchor as the certificate being checked,
/// not revoked (the validator implements this, recursively).
pub trait CrlSigners {
    fn signers(&self, crl: &Crl) -> Vec<Cert>;
}

/// What is asked: the status of `cert`, issued by `issuer` (the next certificate up the path,
/// or the trust anchor), at `now`.
pub struct RevocationQuery<'a> {
    pub cert: &'a Cert,
    pub issuer: &'a Cert,
    pub crls: &'a [Crl],
    pub now: i64,
    /// Use delta CRLs (§6.3.3 (c)); when false they are ignored.
    pub use_deltas: bool,
}

/// Why the status could not be decided.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Undetermined {
    /// No CRL of this certificate's issuer (or cRLIssuer) is in scope.
    NoCrl,
    /// The only CRLs in scope are past their nextUpdate.
    Stale,
    /// CRLs in scope exist, but none with a signature by a key that validates.
    NoValidSigner,
    /// The CRLs in scope do not cover every reason (onlySomeReasons partitions).
    ReasonsNotCovered,
    /// A CRL in scope has an unknown critical extension.
    UnknownCriticalExtension,
}

/// The status of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevStatus {
    /// Not revoked; the indices into `crls` of the CRLs (complete and delta) that said so.
    Good {
        crls: Vec<usize>,
    },
    /// On a CRL (index into `crls`); `reason` None when the entry gives none.
    Revoked {
        crl: usize,
        revoked_at: i64,
        reason: Option<CrlReason>,
    },
    Undetermined(Undetermined),
}
