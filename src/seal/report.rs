//! The report of a seal verification and the types that decide it: the checks and their ids,
//! the verdict, where the judged time comes from, and what a [`ChainChecker`] answers.
//!
//! A leaf: it imports no other seal module except [`super::signer`] (itself a leaf: the
//! [`DigestAlgorithm`] value type, and the default of [`ChainChecker::seal_signature`]), so that `cms`, `timestamp`, `chain`, `ses` and `verify`
//! can all use these types without importing one another. It judges nothing itself, except the
//! ranking of failures ([`CheckId::rank`]) and the verdict that follows from the checks
//! ([`Checks::conclude`]).

use std::fmt;

use time::OffsetDateTime;

use der::asn1::ObjectIdentifier;

use super::signer::{self, DigestAlgorithm, SignatureCheck};
use super::{SealError, format_time};
pub use crate::ca::verify::IndeterminateReason;

mod reason;
mod text;

pub use text::{time_source, verdict_word};

pub use reason::{
    CertId, ChainFailure, Extension, ListedRevocation, RevocationUnknown, RevokedBecause, Unsettled,
};

/// Which certificate a [`ChainChecker`] is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChainRole {
    /// The seal holder who signed the document: expect the `seal` profile (digitalSignature,
    /// nonRepudiation, EKU documentSigning 1.3.6.1.5.5.7.3.36).
    Holder,
    /// The signer of a GB/T 38540 `SES_Signature` made by another seal system: a path to a trust
    /// anchor and digitalSignature or nonRepudiation, with any EKU. GB/T 38540 and GM/T 0031 do
    /// not define an EKU for seal holders, and the certificates seal systems issue carry
    /// clientAuth (or none), never documentSigning (RFC 9336), so requiring it would refuse
    /// every third-party seal-signature; the seal's certList is what binds the key to the seal.
    #[serde(rename = "ses_holder")]
    SesHolder,
    /// The seal authority that signed the seal: expect a key allowed to sign (digitalSignature).
    Authority,
    /// The time-stamp authority of a `signatureTimeStampToken`: expect the timeStamping EKU,
    /// alone and critical (RFC 3161 §2.3), and digitalSignature or nonRepudiation.
    #[serde(rename = "tsa")]
    TimeStamping,
}

/// What a [`ChainChecker`] concluded about one certificate at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainCheck {
    /// A path to a trust anchor, valid at the time, key usage fit for the role, and revocation
    /// settled (no certificate of the path revoked at or before the time).
    Valid,
    /// As [`ChainCheck::Valid`], but no CRL settled revocation for some certificate of the path
    /// (reason says which). Valid unless the verifier requires revocation.
    ValidRevocationUnknown(RevocationUnknown),
    /// No valid path: untrusted, expired or not yet valid at the time, wrong key usage, or
    /// revoked at or before the time. The reason is the most specific failure.
    Invalid(ChainFailure),
    /// The answer needs data that is missing (e.g. a CRL past its nextUpdate).
    Indeterminate(IndeterminateReason),
}

impl ChainCheck {
    /// Why the certificate may not be relied on (invalid or indeterminate), in words; `None`
    /// when it may (revocation settled or not).
    pub fn why_not_valid(&self) -> Option<String> {
        match self {
            ChainCheck::Valid | ChainCheck::ValidRevocationUnknown(_) => None,
            ChainCheck::Invalid(why) => Some(why.to_string()),
            ChainCheck::Indeterminate(why) => Some(why.to_string()),
        }
    }
}

/// Judges certificate chains for [`verify_document`]. govpki implements it with rustls-webpki
/// over the trust anchors (`--trust`), the intermediates and the CRLs (`--crl`, and those in the
/// signature), and caches answers per certificate for batches.
///
/// A CRL shows a certificate good at `at` only if it was issued at or after `at` (DESIGN.md §2);
/// a certificate revoked before `at` is [`ChainCheck::Invalid`], one revoked after `at` is
/// valid for this signature.
///
/// `at` is a time the signer merely claims unless the caller asks [`ChainChecker::check_proven`]:
/// against a claimed time, a key revoked for keyCompromise (or with an invalidityDate) is
/// revoked however late it was listed, since whoever holds a stolen key writes any time.
pub trait ChainChecker: Sync {
    /// Checks `ee_der` (with candidate `intermediates`, in no particular order, possibly
    /// including `ee_der` itself and unrelated certificates) at time `at` for `role`, `at`
    /// being claimed, not proven.
    fn check(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> ChainCheck;

    /// As [`ChainChecker::check`], with `at` proven: the signature existed then (a verified
    /// time-stamp's genTime, or the verifier's own `--at`), so a compromise dated after `at`
    /// does not void it. The default is the stricter [`ChainChecker::check`].
    fn check_proven(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> ChainCheck {
        self.check(ee_der, intermediates, at, role)
    }

    /// The path `check` validates for `ee_der` (the certificate first, the trust anchor last),
    /// for a caller that settles the revocation the CRLs leave open elsewhere (`seal verify
    /// --ocsp` asks about each certificate of it); `None` when there is none or the checker does
    /// not say.
    fn path(
        &self,
        _ee_der: &[u8],
        _intermediates: &[Vec<u8>],
        _at: OffsetDateTime,
        _role: ChainRole,
    ) -> Option<Vec<Vec<u8>>> {
        None
    }

    /// Whether a seal authority's signature verifies: `signature` over `message` (the seal's
    /// `SES_SealInfo`) with the key of the certificate `cert_der`, algorithm `alg`, as
    /// [`signer::verify_signature_with_cert`] judges it (an error: the certificate does not
    /// parse). Asked once per document, and every document one seal signs carries the same seal:
    /// a checker shared by a run may answer a question it has answered before from memory
    /// (`seal verify` does: an SM2 verification costs as much as hashing 100 KB). The default
    /// checks every time.
    fn seal_signature(
        &self,
        cert_der: &[u8],
        alg: &ObjectIdentifier,
        message: &[u8],
        signature: &[u8],
    ) -> Result<SignatureCheck, SealError> {
        signer::verify_signature_with_cert(cert_der, alg, None, message, signature)
    }
}

/// The id of one step of the verification. Serialised (and printed) as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    SealPresent,
    DocumentHash,
    SignerSignature,
    SigningCertificate,
    SigningTime,
    SignerListed,
    SignerChain,
    SealSignature,
    SealAuthorityChain,
    SealExtensions,
    SealValidity,
    SealRevocation,
    TimeStamp,
}

impl CheckId {
    /// Every id, in the order the checks are reported.
    pub const ALL: [CheckId; 13] = [
        CheckId::SealPresent,
        CheckId::DocumentHash,
        CheckId::SignerSignature,
        CheckId::SigningCertificate,
        CheckId::SigningTime,
        CheckId::SignerListed,
        CheckId::SignerChain,
        CheckId::SealSignature,
        CheckId::SealAuthorityChain,
        CheckId::SealExtensions,
        CheckId::SealValidity,
        CheckId::SealRevocation,
        CheckId::TimeStamp,
    ];

    /// The stable name, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::SealPresent => "seal_present",
            CheckId::DocumentHash => "document_hash",
            CheckId::SignerSignature => "signer_signature",
            CheckId::SigningCertificate => "signing_certificate",
            CheckId::SigningTime => "signing_time",
            CheckId::SignerListed => "signer_listed",
            CheckId::SignerChain => "signer_chain",
            CheckId::SealSignature => "seal_signature",
            CheckId::SealAuthorityChain => "seal_authority_chain",
            CheckId::SealExtensions => "seal_extensions",
            CheckId::SealValidity => "seal_validity",
            CheckId::SealRevocation => "seal_revocation",
            CheckId::TimeStamp => "time_stamp",
        }
    }

    /// How specific a failure of this check is as the verdict's reason, most specific first
    /// (0): what was signed before who signed it, before whether they were allowed to, before
    /// when. Every id has a rank (as webpki ranks its errors): none can fall to the end by a
    /// typo.
    pub fn rank(self) -> u8 {
        match self {
            CheckId::DocumentHash => 0,
            CheckId::SignerSignature => 1,
            CheckId::SigningCertificate => 2,
            CheckId::SealPresent => 3,
            CheckId::SealSignature => 4,
            CheckId::SealAuthorityChain => 5,
            CheckId::SignerListed => 6,
            CheckId::SealRevocation => 7,
            CheckId::SignerChain => 8,
            CheckId::SigningTime => 9,
            CheckId::SealValidity => 10,
            CheckId::SealExtensions => 11,
            CheckId::TimeStamp => 12,
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far in the future a claimed signing time may be (a signer's clock running fast).
pub const CLOCK_SKEW_SECONDS: i64 = 300;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Fail,
    Indeterminate,
    Skipped,
}

/// One step of the verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    /// A stable identifier (serialised as `seal_present`, `document_hash`, ...).
    pub check: CheckId,
    pub status: CheckStatus,
    /// Why, in words.
    pub detail: String,
    /// For the chain checks: whether the revocation of every certificate of the chain was
    /// settled (`false`: "revocation not checked", a field a script can test).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_checked: Option<bool>,
}

/// The verdict (exit 0, 1, 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Valid,
    Invalid,
    Indeterminate,
}

/// Where the time everything is judged at comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeSource {
    /// The signer's `signingTime` attribute.
    ClaimedBySigner,
    /// The verifier's `--at`.
    GivenByVerifier,
    /// No signing time in the signature: the verification time.
    VerificationTime,
    /// The `genTime` of a verified time-stamp (the best proven signing time); the TSA
    /// certificate's subject.
    TimeStamp { tsa: String },
}

impl TimeSource {
    /// Whether the signature is shown to have existed at the time: a verified time-stamp, the
    /// verifier's own `--at`, or the verification time itself. A time the signer claims proves
    /// nothing (a stolen key writes any time).
    pub fn is_proven(&self) -> bool {
        !matches!(self, TimeSource::ClaimedBySigner)
    }
}

impl fmt::Display for TimeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeSource::ClaimedBySigner => f.write_str("claimed by signer"),
            TimeSource::GivenByVerifier => f.write_str("given by verifier (--at)"),
            TimeSource::VerificationTime => {
                f.write_str("verification time (no signing time in the signature)")
            }
            TimeSource::TimeStamp { tsa } => write!(f, "time-stamp by {tsa}"),
        }
    }
}

impl serde::Serialize for TimeSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The report of `seal verify` for one document (`--json` serialises it as is).
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerificationReport {
    /// The document's path, filled in by the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The signature's format: `p7s` (CMS) or `ses` (GB/T 38540 `SES_Signature`).
    pub format: &'static str,
    pub verdict: Verdict,
    pub reason: String,
    pub seal_name: Option<String>,
    pub seal_type: Option<&'static str>,
    pub seal_type_zh: Option<&'static str>,
    pub department: Option<String>,
    pub es_id: Option<String>,
    /// The signer certificate's subject.
    pub signer: Option<String>,
    pub signer_serial: Option<String>,
    /// The seal authority certificate's subject.
    pub authority: Option<String>,
    /// The claimed signing time (RFC 3339), if any.
    pub signing_time: Option<String>,
    /// The time everything was judged at, and where it comes from.
    pub judged_at: String,
    pub signing_time_source: TimeSource,
    /// The embedded time-stamp, when its token is sound (trusted or not: see `time_stamp` in
    /// the checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_stamp: Option<Stamp>,
    pub document_digest_algorithm: DigestAlgorithm,
    /// The document's digest, hex (SHA-256 for P-256 and RSA signers).
    pub document_digest: String,
    pub checks: Vec<Check>,
}

impl VerificationReport {
    /// The report's check of a given id, by its JSON name (`signer_chain`).
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.check.as_str() == id)
    }

    /// The report's check of a given id.
    pub fn get(&self, id: CheckId) -> Option<&Check> {
        self.checks.iter().find(|c| c.check == id)
    }
}

impl fmt::Display for VerificationReport {
    /// The English text report ([`VerificationReport::render`] in another language).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(crate::i18n::Lang::En))
    }
}

/// The checks of one verification as they are made, and the notes the verdict's reason
/// carries ("revocation not checked").
#[derive(Debug, Default)]
pub struct Checks {
    pub list: Vec<Check>,
    pub notes: Vec<String>,
}

impl Checks {
    pub fn push(&mut self, check: CheckId, status: CheckStatus, detail: impl Into<String>) {
        self.list.push(Check {
            check,
            status,
            detail: detail.into(),
            revocation_checked: None,
        });
    }

    /// Marks the check pushed last with whether revocation was settled.
    pub fn with_revocation(&mut self, checked: bool) {
        if let Some(last) = self.list.last_mut() {
            last.revocation_checked = Some(checked);
        }
    }
    pub fn pass(&mut self, c: CheckId, d: impl Into<String>) {
        self.push(c, CheckStatus::Pass, d);
    }
    pub fn fail(&mut self, c: CheckId, d: impl Into<String>) {
        self.push(c, CheckStatus::Fail, d);
    }
    pub fn indeterminate(&mut self, c: CheckId, d: impl Into<String>) {
        self.push(c, CheckStatus::Indeterminate, d);
    }
    pub fn skip(&mut self, c: CheckId, d: impl Into<String>) {
        self.push(c, CheckStatus::Skipped, d);
    }

    /// A "revocation not checked" outcome: a pass with a note, or indeterminate when required.
    pub fn unchecked_revocation(
        &mut self,
        c: CheckId,
        pass_detail: String,
        why: String,
        require: bool,
    ) {
        if require {
            self.indeterminate(c, format!("revocation not checked: {why}"));
        } else {
            self.notes.push(format!("{c}: revocation not checked"));
            self.pass(c, format!("{pass_detail}; revocation not checked: {why}"));
        }
        self.with_revocation(false);
    }

    /// The most specific check of a status ([`CheckId::rank`]).
    fn most_specific(&self, status: CheckStatus) -> Option<&Check> {
        self.list
            .iter()
            .filter(|c| c.status == status)
            .min_by_key(|c| c.check.rank())
    }

    /// The verdict and its reason: the most specific failure, else the most specific
    /// indeterminate check, else valid (with the notes).
    pub fn conclude(&self) -> (Verdict, String) {
        if let Some(c) = self.most_specific(CheckStatus::Fail) {
            return (Verdict::Invalid, c.detail.clone());
        }
        if let Some(c) = self.most_specific(CheckStatus::Indeterminate) {
            return (Verdict::Indeterminate, c.detail.clone());
        }
        if self.notes.is_empty() {
            (Verdict::Valid, "all checks passed".to_string())
        } else {
            (
                Verdict::Valid,
                format!("all checks passed ({})", self.notes.join("; ")),
            )
        }
    }
}

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stamp {
    /// `genTime`: the TSA attests the signature existed then.
    #[serde(serialize_with = "serialize_time")]
    pub gen_time: OffsetDateTime,
    /// The TSA certificate's subject.
    pub tsa: String,
    pub serial: String,
    pub policy: String,
    pub imprint_algorithm: DigestAlgorithm,
}

fn serialize_time<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_time(*t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_id_has_its_own_rank_and_serialises_as_its_name() {
        let mut ranks: Vec<u8> = CheckId::ALL.iter().map(|c| c.rank()).collect();
        ranks.sort_unstable();
        ranks.dedup();
        assert_eq!(ranks.len(), CheckId::ALL.len());
        for id in CheckId::ALL {
            assert_eq!(
                serde_json::to_value(id).unwrap(),
                serde_json::Value::from(id.as_str())
            );
        }
    }

    #[test]
    fn the_verdict_gives_the_most_specific_failure_whatever_the_order() {
        let mut checks = Checks::default();
        checks.fail(CheckId::TimeStamp, "bad token");
        checks.indeterminate(CheckId::DocumentHash, "unsupported digest");
        checks.fail(CheckId::SignerChain, "signer: expired");
        checks.fail(
            CheckId::SealSignature,
            "the seal authority's signature is invalid",
        );
        checks.fail(CheckId::SealValidity, "seal expired");
        assert_eq!(
            checks.conclude(),
            (
                Verdict::Invalid,
                "the seal authority's signature is invalid".to_string()
            )
        );
        let mut checks = Checks::default();
        checks.indeterminate(CheckId::TimeStamp, "untrusted TSA");
        checks.indeterminate(CheckId::SignerListed, "no cert list");
        checks.pass(CheckId::DocumentHash, "ok");
        assert_eq!(
            checks.conclude(),
            (Verdict::Indeterminate, "no cert list".to_string())
        );
        let mut checks = Checks::default();
        checks.unchecked_revocation(
            CheckId::SealRevocation,
            "seal status".into(),
            "no list".into(),
            false,
        );
        assert_eq!(
            checks.conclude(),
            (
                Verdict::Valid,
                "all checks passed (seal_revocation: revocation not checked)".to_string()
            )
        );
    }
}
