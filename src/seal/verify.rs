//! Judging a sealed document (`seal verify`): every check of DESIGN.md §4, each reported as
//! pass, fail, indeterminate or skipped with its reason, and a verdict (valid, invalid,
//! indeterminate) with the most specific reason.
//!
//! Everything is judged at the signing time: the time the verifier gives (`--at`), else the
//! `genTime` of a verified time-stamp ([`super::timestamp`]: the best proven time), else the
//! time the signer claims in `signingTime`. Certificate chains, key usage and certificate revocation
//! are not judged here but by the caller's [`ChainChecker`] (rustls-webpki in govpki), which is
//! asked about the holder and the seal authority at that time; seal revocations come in as a
//! [`RevokedSeals`] list. The document is hashed by the caller
//! ([`super::cms::hash_document_with`]). No files, no clock.

use std::fmt;

use time::OffsetDateTime;

use super::cms::{DocumentHash, SignatureFile};
use super::seal::{Listed, RevokedSeals, Seal, SealStatus};
use super::signer::{self, DigestAlgorithm, SignatureCheck};
use super::timestamp::{self, Stamp, TokenCheck};
use super::{certificate_serial_hex, certificate_subject, format_time};

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
    ValidRevocationUnknown(String),
    /// No valid path: untrusted, expired or not yet valid at the time, wrong key usage, or
    /// revoked at or before the time. The reason is the most specific failure.
    Invalid(String),
    /// The answer needs data that is missing (e.g. a CRL past its nextUpdate).
    Indeterminate(String),
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
}

/// What the verifier brings besides the signature and the document.
pub struct VerifyOptions<'a> {
    /// The time of verification: a claimed signing time after it (beyond
    /// [`CLOCK_SKEW_SECONDS`]) is refused.
    pub now: OffsetDateTime,
    /// `--at`: judge at this time instead of the claimed signing time.
    pub at: Option<OffsetDateTime>,
    /// `--require-revocation`: revocation not checked makes the verdict indeterminate.
    pub require_revocation: bool,
    pub chain: &'a dyn ChainChecker,
    pub revoked_seals: &'a RevokedSeals,
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
    /// A stable identifier: `seal_present`, `document_hash`, `signer_signature`,
    /// `signing_certificate`, `signing_time`, `signer_listed`, `signer_chain`,
    /// `seal_signature`, `seal_authority_chain`, `seal_extensions`, `seal_validity`,
    /// `seal_revocation`, `time_stamp`.
    pub check: &'static str,
    pub status: CheckStatus,
    /// Why, in words.
    pub detail: String,
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
    /// The report's check of a given id.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.check == id)
    }
}

impl fmt::Display for VerificationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.document {
            writeln!(f, "document:      {d}")?;
        }
        let verdict = match self.verdict {
            Verdict::Valid => "VALID",
            Verdict::Invalid => "INVALID",
            Verdict::Indeterminate => "INDETERMINATE",
        };
        writeln!(f, "verdict:       {verdict}: {}", self.reason)?;
        if self.format == "ses" {
            writeln!(f, "format:        SES_Signature (GB/T 38540)")?;
        }
        match (&self.seal_name, &self.es_id) {
            (Some(name), Some(es_id)) => {
                writeln!(f, "seal:          {name}")?;
                writeln!(
                    f,
                    "type:          {} {}",
                    self.seal_type.unwrap_or("?"),
                    self.seal_type_zh.unwrap_or("")
                )?;
                if let Some(d) = &self.department {
                    writeln!(f, "department:    {d}")?;
                }
                writeln!(f, "esID:          {es_id}")?;
            }
            _ => writeln!(f, "seal:          no seal")?,
        }
        writeln!(
            f,
            "signer:        {}{}",
            self.signer.as_deref().unwrap_or("(unknown)"),
            self.signer_serial
                .as_ref()
                .map(|s| format!(" (serial {s})"))
                .unwrap_or_default()
        )?;
        if let Some(a) = &self.authority {
            writeln!(f, "authority:     {a}")?;
        }
        writeln!(
            f,
            "signing time:  {} ({})",
            self.judged_at, self.signing_time_source
        )?;
        if matches!(
            self.signing_time_source,
            TimeSource::GivenByVerifier | TimeSource::TimeStamp { .. }
        ) && let Some(t) = &self.signing_time
        {
            writeln!(f, "claimed time:  {t} (claimed by signer)")?;
        }
        writeln!(
            f,
            "{:<15}{}",
            format!("{}:", self.document_digest_algorithm),
            self.document_digest
        )?;
        writeln!(f, "checks:")?;
        for c in &self.checks {
            let status = match c.status {
                CheckStatus::Pass => "pass",
                CheckStatus::Fail => "FAIL",
                CheckStatus::Indeterminate => "????",
                CheckStatus::Skipped => "skip",
            };
            writeln!(f, "  {status}  {:<21} {}", c.check, c.detail)?;
        }
        Ok(())
    }
}

/// The order in which failures are preferred as the verdict's reason: what was signed before
/// who signed it, before whether they were allowed to, before when.
const REASON_PRIORITY: [&str; 13] = [
    "document_hash",
    "signer_signature",
    "signing_certificate",
    "seal_present",
    "seal_signature",
    "seal_authority_chain",
    "signer_listed",
    "seal_revocation",
    "signer_chain",
    "signing_time",
    "seal_validity",
    "seal_extensions",
    "time_stamp",
];

pub(super) struct Checks {
    pub(super) list: Vec<Check>,
    pub(super) notes: Vec<String>,
}

impl Checks {
    pub(super) fn push(
        &mut self,
        check: &'static str,
        status: CheckStatus,
        detail: impl Into<String>,
    ) {
        self.list.push(Check {
            check,
            status,
            detail: detail.into(),
        });
    }
    pub(super) fn pass(&mut self, c: &'static str, d: impl Into<String>) {
        self.push(c, CheckStatus::Pass, d);
    }
    pub(super) fn fail(&mut self, c: &'static str, d: impl Into<String>) {
        self.push(c, CheckStatus::Fail, d);
    }
    pub(super) fn indeterminate(&mut self, c: &'static str, d: impl Into<String>) {
        self.push(c, CheckStatus::Indeterminate, d);
    }
    pub(super) fn skip(&mut self, c: &'static str, d: impl Into<String>) {
        self.push(c, CheckStatus::Skipped, d);
    }

    /// A "revocation not checked" outcome: a pass with a note, or indeterminate when required.
    pub(super) fn unchecked_revocation(
        &mut self,
        c: &'static str,
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
    }
}

/// Asks `chain` about a certificate at the judged time, proven or only claimed.
pub(super) fn chain_at(
    chain: &dyn ChainChecker,
    cert: &[u8],
    intermediates: &[Vec<u8>],
    at: OffsetDateTime,
    time_proven: bool,
    role: ChainRole,
) -> ChainCheck {
    if time_proven {
        chain.check_proven(cert, intermediates, at, role)
    } else {
        chain.check(cert, intermediates, at, role)
    }
}

pub(super) fn chain_check(
    checks: &mut Checks,
    id: &'static str,
    who: &str,
    outcome: ChainCheck,
    require_revocation: bool,
) {
    match outcome {
        ChainCheck::Valid => checks.pass(id, format!("{who}: chain valid, not revoked")),
        ChainCheck::ValidRevocationUnknown(why) => {
            checks.unchecked_revocation(id, format!("{who}: chain valid"), why, require_revocation)
        }
        ChainCheck::Invalid(why) => checks.fail(id, format!("{who}: {why}")),
        ChainCheck::Indeterminate(why) => checks.indeterminate(id, format!("{who}: {why}")),
    }
}

/// Verifies a sealed document: `sig` is the parsed `.p7s`, `document` the document's digest in
/// the signer's digest algorithm ([`super::cms::SignerInfo::document_digest_algorithm`]; hash
/// with SHA-256 when that is None). Only the first signer is judged.
pub fn verify_document(
    sig: &SignatureFile,
    document: &DocumentHash,
    opts: &VerifyOptions<'_>,
) -> VerificationReport {
    let mut checks = Checks {
        list: Vec::new(),
        notes: Vec::new(),
    };
    let signer = sig.signer();
    let attrs = signer.signed_attributes.as_ref();
    let seal = sig.seal();
    let signer_cert = sig.signer_certificate(signer);
    let claimed = attrs.and_then(|a| a.signing_time);
    // A time-stamp is judged first: when it verifies, its genTime is the signing time.
    let ts_check = signer.time_stamp_token.as_deref().map(|token| {
        timestamp::verify_token(
            token,
            &signer.signature,
            &sig.certificates,
            Some(opts.chain),
            opts.now,
        )
    });
    let proven = match &ts_check {
        Some(TokenCheck::Valid { stamp, .. }) => Some(stamp),
        _ => None,
    };
    let (judged_at, source) = match (opts.at, proven, claimed) {
        (Some(at), _, _) => (at, TimeSource::GivenByVerifier),
        (None, Some(s), _) => (s.gen_time, TimeSource::TimeStamp { tsa: s.tsa.clone() }),
        (None, None, Some(t)) => (t, TimeSource::ClaimedBySigner),
        (None, None, None) => (opts.now, TimeSource::VerificationTime),
    };

    // Is there a seal at all.
    match seal {
        Some(s) => checks.pass(
            "seal_present",
            format!("seal `{}` ({})", s.info().es_id, s.info().name),
        ),
        None => checks.fail(
            "seal_present",
            "no seal: the signature carries no electronic seal",
        ),
    }

    // The document's digest.
    match (
        signer.document_digest_algorithm(),
        attrs.and_then(|a| a.message_digest.as_ref()),
    ) {
        (_, None) => checks.fail("document_hash", "no messageDigest signed attribute"),
        (None, Some(_)) => checks.indeterminate(
            "document_hash",
            format!(
                "digest algorithm {} is not supported",
                signer::algorithm_name(&signer.digest_algorithm.oid)
            ),
        ),
        (Some(alg), Some(_)) if alg != document.algorithm => checks.indeterminate(
            "document_hash",
            format!(
                "the document was hashed with {}, the signature uses {alg}",
                document.algorithm
            ),
        ),
        (Some(alg), Some(digest)) => {
            if digest.as_slice() == document.value.as_slice() {
                checks.pass(
                    "document_hash",
                    format!("the document's {alg} matches the signed digest"),
                );
            } else {
                checks.fail(
                    "document_hash",
                    format!("document hash mismatch: the document's {alg} differs from the signed digest (changed after signing)"),
                );
            }
        }
    }

    // The signer's signature over the signed attributes.
    match (attrs, signer_cert) {
        (None, _) => checks.indeterminate(
            "signer_signature",
            "signatures without signed attributes are not supported",
        ),
        (Some(_), None) => checks.fail(
            "signer_signature",
            "the signer's certificate is not in the signature",
        ),
        (Some(a), Some(cert)) => {
            if a.content_type.as_ref() != Some(&sig.content_type) {
                checks.fail(
                    "signer_signature",
                    "the contentType attribute is missing or differs from the content type",
                );
            } else {
                match signer::verify_signature_with_cert(
                    cert,
                    &signer.signature_algorithm.oid,
                    signer.document_digest_algorithm(),
                    a.signed_der(),
                    &signer.signature,
                ) {
                    Ok(SignatureCheck::Valid) => checks.pass(
                        "signer_signature",
                        format!(
                            "{} signature by the signer's key verifies",
                            signer::algorithm_name(&signer.signature_algorithm.oid)
                        ),
                    ),
                    Ok(SignatureCheck::Invalid(why)) => checks.fail(
                        "signer_signature",
                        format!("the signer's signature is invalid: {why}"),
                    ),
                    Ok(SignatureCheck::Unsupported(why)) => {
                        checks.indeterminate("signer_signature", why)
                    }
                    Err(e) => checks.fail("signer_signature", e.to_string()),
                }
            }
        }
    }

    // signingCertificateV2 binds the certificate to the signature (RFC 5035).
    match (
        attrs.and_then(|a| a.signing_certificate_v2.as_ref()),
        signer_cert,
    ) {
        (None, _) => checks.skip(
            "signing_certificate",
            "no signingCertificateV2 attribute (not a CAdES signature)",
        ),
        (Some(_), None) => checks.skip("signing_certificate", "no signer certificate"),
        (Some(ids), Some(cert)) => {
            let first = &ids[0];
            match DigestAlgorithm::from_oid(&first.hash_algorithm) {
                None => checks.indeterminate(
                    "signing_certificate",
                    format!(
                        "hash algorithm {} is not supported",
                        signer::algorithm_name(&first.hash_algorithm)
                    ),
                ),
                Some(alg) if alg.digest(cert) == first.cert_hash => checks.pass(
                    "signing_certificate",
                    "signingCertificateV2 names the signer's certificate",
                ),
                Some(_) => checks.fail(
                    "signing_certificate",
                    "signingCertificateV2 names another certificate than the signer's",
                ),
            }
        }
    }

    // The time judged at.
    let contradicted = proven
        .zip(claimed)
        .filter(|(s, t)| (*t - s.gen_time).whole_seconds() > CLOCK_SKEW_SECONDS);
    match (&source, claimed) {
        _ if contradicted.is_some() => {
            if let Some((s, t)) = contradicted {
                checks.fail(
                    "signing_time",
                    format!(
                        "the claimed signing time {} is after the time-stamp's genTime {} (by {}): the signer's claim is false",
                        format_time(t),
                        format_time(s.gen_time),
                        s.tsa
                    ),
                );
            }
        }
        (TimeSource::TimeStamp { tsa }, _) => checks.pass(
            "signing_time",
            format!(
                "{} (time-stamp by {tsa}; claimed by signer: {})",
                format_time(judged_at),
                claimed.map(format_time).unwrap_or_else(|| "none".into())
            ),
        ),
        (TimeSource::ClaimedBySigner, Some(t))
            if (t - opts.now).whole_seconds() > CLOCK_SKEW_SECONDS =>
        {
            checks.fail(
                "signing_time",
                format!(
                    "the claimed signing time {} is after the verification time {}",
                    format_time(t),
                    format_time(opts.now)
                ),
            );
        }
        // A claim in the future is false whatever time-stamp comes with it; the checks above
        // this arm run first.
        (TimeSource::ClaimedBySigner, Some(t)) if ts_check.is_some() => checks.pass(
            "signing_time",
            format!(
                "{} (claimed by signer; the time-stamp proves no time)",
                format_time(t)
            ),
        ),
        (TimeSource::ClaimedBySigner, Some(t)) => checks.pass(
            "signing_time",
            format!("{} (claimed by signer, not time-stamped)", format_time(t)),
        ),
        (TimeSource::GivenByVerifier, _) => checks.pass(
            "signing_time",
            format!("judged at {} (given by verifier)", format_time(judged_at)),
        ),
        _ => checks.indeterminate(
            "signing_time",
            "no signingTime attribute: judged at the verification time",
        ),
    }

    // The holder.
    let no_seal = "no seal";
    match (seal, signer_cert) {
        (None, _) => checks.skip("signer_listed", no_seal),
        (Some(_), None) => checks.skip("signer_listed", "no signer certificate"),
        (Some(s), Some(cert)) => match s.info().cert_list.lists(cert) {
            Listed::Yes => checks.pass(
                "signer_listed",
                "the signer's certificate is a holder of the seal",
            ),
            Listed::No => checks.fail(
                "signer_listed",
                format!(
                    "the signer's certificate `{}` is not listed in seal `{}`",
                    certificate_subject(cert),
                    s.info().es_id
                ),
            ),
            Listed::Unknown(why) => checks.indeterminate("signer_listed", why),
        },
    }
    let time_proven = source.is_proven();
    match signer_cert {
        Some(cert) => {
            let outcome = chain_at(
                opts.chain,
                cert,
                &sig.certificates,
                judged_at,
                time_proven,
                ChainRole::Holder,
            );
            chain_check(
                &mut checks,
                "signer_chain",
                "signer",
                outcome,
                opts.require_revocation,
            );
        }
        None => checks.skip("signer_chain", "no signer certificate"),
    }

    // The seal itself.
    match seal {
        None => {
            for c in [
                "seal_signature",
                "seal_authority_chain",
                "seal_extensions",
                "seal_validity",
                "seal_revocation",
            ] {
                checks.skip(c, no_seal);
            }
        }
        Some(s) => seal_checks(
            &mut checks,
            s,
            &sig.certificates,
            judged_at,
            time_proven,
            opts,
        ),
    }

    let ts_in_seal = seal.is_some_and(|s| s.info().time_stamp.is_some());
    let mut time_stamp = None;
    match ts_check {
        None if ts_in_seal => checks.skip(
            "time_stamp",
            "the seal carries a time-stamp (SES_Seal), which govpki does not verify yet",
        ),
        None => checks.skip("time_stamp", "no time-stamp"),
        Some(TokenCheck::Valid {
            stamp,
            revocation_unknown,
            ..
        }) => {
            let detail = format!(
                "time-stamp by {} at {} (serial {}, policy {}): imprint, token signature and TSA chain verify",
                stamp.tsa,
                format_time(stamp.gen_time),
                stamp.serial,
                stamp.policy
            );
            match revocation_unknown {
                None => checks.pass("time_stamp", detail),
                Some(why) => {
                    checks.unchecked_revocation("time_stamp", detail, why, opts.require_revocation)
                }
            }
            time_stamp = Some(stamp);
        }
        Some(TokenCheck::Untrusted { stamp, reason }) => {
            checks.indeterminate(
                "time_stamp",
                format!(
                    "the time-stamp by {} proves no time: its TSA is not trusted at {}: {reason}",
                    stamp.tsa,
                    format_time(stamp.gen_time)
                ),
            );
            time_stamp = Some(stamp);
        }
        Some(TokenCheck::Invalid(why)) => checks.fail("time_stamp", why),
        Some(TokenCheck::Unsupported(why)) => checks.indeterminate("time_stamp", why),
    }

    let (verdict, reason) = conclude(&checks);
    let info = seal.map(|s| s.info());
    VerificationReport {
        document: None,
        format: "p7s",
        verdict,
        reason,
        seal_name: info.map(|i| i.name.clone()),
        seal_type: info.map(|i| i.seal_type.name()),
        seal_type_zh: info.map(|i| i.seal_type.chinese_name()),
        department: info.and_then(|i| i.department.clone()),
        es_id: info.map(|i| i.es_id.clone()),
        signer: signer_cert.map(certificate_subject),
        signer_serial: signer_cert.and_then(certificate_serial_hex),
        authority: seal.map(|s| s.authority_subject()),
        signing_time: claimed.map(format_time),
        judged_at: format_time(judged_at),
        signing_time_source: source,
        time_stamp,
        document_digest_algorithm: document.algorithm,
        document_digest: document.hex(),
        checks: checks.list,
    }
}

/// The checks of the seal itself, for a `.p7s` and an `SES_Signature` alike: the authority's
/// signature and chain, unknown critical extensions, the signing time inside the validity window,
/// and revocation.
pub(super) fn seal_checks(
    checks: &mut Checks,
    s: &Seal,
    intermediates: &[Vec<u8>],
    judged_at: OffsetDateTime,
    time_proven: bool,
    opts: &VerifyOptions<'_>,
) {
    let i = s.info();
    match s.verify_authority_signature() {
        SignatureCheck::Valid => checks.pass(
            "seal_signature",
            format!(
                "{} signature by the seal authority verifies",
                signer::algorithm_name(&i.signature_algorithm)
            ),
        ),
        SignatureCheck::Invalid(why) => checks.fail(
            "seal_signature",
            format!("the seal authority's signature is invalid: {why}"),
        ),
        SignatureCheck::Unsupported(why) => checks.indeterminate("seal_signature", why),
    }
    let outcome = chain_at(
        opts.chain,
        &i.authority_cert,
        intermediates,
        judged_at,
        time_proven,
        ChainRole::Authority,
    );
    chain_check(
        checks,
        "seal_authority_chain",
        "seal authority",
        outcome,
        opts.require_revocation,
    );
    let unknown = s.unknown_critical_extensions();
    if unknown.is_empty() {
        checks.pass("seal_extensions", "no unknown critical extension");
    } else {
        checks.fail(
            "seal_extensions",
            format!(
                "the seal has unknown critical extensions: {}",
                unknown
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let window = format!(
        "{} .. {}",
        format_time(i.valid_from),
        format_time(i.valid_until)
    );
    if judged_at < i.valid_from {
        checks.fail(
            "seal_validity",
            format!(
                "seal `{}` was not yet valid at the signing time {} (valid {window})",
                i.es_id,
                format_time(judged_at)
            ),
        );
    } else if judged_at > i.valid_until {
        checks.fail(
            "seal_validity",
            format!(
                "seal `{}` had expired at the signing time {} (valid {window})",
                i.es_id,
                format_time(judged_at)
            ),
        );
    } else {
        checks.pass(
            "seal_validity",
            format!("the signing time is inside the seal's validity {window}"),
        );
    }
    match opts.revoked_seals.status(&i.es_id) {
        SealStatus::Good => checks.pass("seal_revocation", "the seal is not revoked"),
        SealStatus::Revoked(r) if r.revoked_at <= judged_at => checks.fail(
            "seal_revocation",
            format!(
                "seal `{}` was revoked at {}{}, before the signing time {}",
                i.es_id,
                format_time(r.revoked_at),
                r.reason.map(|r| format!(" ({r})")).unwrap_or_default(),
                format_time(judged_at)
            ),
        ),
        SealStatus::Revoked(r) => checks.pass(
            "seal_revocation",
            format!(
                "the seal was revoked at {}, after the signing time",
                format_time(r.revoked_at)
            ),
        ),
        SealStatus::Unknown => checks.unchecked_revocation(
            "seal_revocation",
            "seal status".to_string(),
            "no seal status list".to_string(),
            opts.require_revocation,
        ),
    }
}

pub(super) fn conclude(checks: &Checks) -> (Verdict, String) {
    let rank = |c: &Check| {
        REASON_PRIORITY
            .iter()
            .position(|id| *id == c.check)
            .unwrap_or(REASON_PRIORITY.len())
    };
    if let Some(c) = checks
        .list
        .iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .min_by_key(|c| rank(c))
    {
        return (Verdict::Invalid, c.detail.clone());
    }
    if let Some(c) = checks
        .list
        .iter()
        .filter(|c| c.status == CheckStatus::Indeterminate)
        .min_by_key(|c| rank(c))
    {
        return (Verdict::Indeterminate, c.detail.clone());
    }
    if checks.notes.is_empty() {
        (Verdict::Valid, "all checks passed".to_string())
    } else {
        (
            Verdict::Valid,
            format!("all checks passed ({})", checks.notes.join("; ")),
        )
    }
}

#[cfg(test)]
mod tests;
