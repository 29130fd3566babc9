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

use time::OffsetDateTime;

use super::cms::{DocumentHash, SignatureFile, SignedAttributes, SignerInfo};
pub use super::report::{
    CLOCK_SKEW_SECONDS, ChainCheck, ChainChecker, ChainRole, Check, CheckId, CheckStatus, Checks,
    TimeSource, Verdict, VerificationReport,
};
use super::seal::{Listed, RevokedSeals, Seal, SealStatus};
use super::signer::{self, DigestAlgorithm, SignatureCheck};
use super::timestamp::{self, Stamp, TokenCheck};
use super::{certificate_serial_hex, certificate_subject, format_time};

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
    id: CheckId,
    who: &str,
    outcome: ChainCheck,
    require_revocation: bool,
) {
    match outcome {
        ChainCheck::Valid => {
            checks.pass(id, format!("{who}: chain valid, not revoked"));
            checks.with_revocation(true);
        }
        ChainCheck::ValidRevocationUnknown(why) => checks.unchecked_revocation(
            id,
            format!("{who}: chain valid"),
            why.to_string(),
            require_revocation,
        ),
        ChainCheck::Invalid(why) => checks.fail(id, format!("{who}: {why}")),
        ChainCheck::Indeterminate(why) => checks.indeterminate(id, format!("{who}: {why}")),
    }
}

/// The time a `.p7s` is judged at, settled once and passed down: the verifier's `--at`, else
/// the `genTime` of a verified time-stamp, else the time the signer claims, else the
/// verification time. It carries the verification of the time-stamp token it rests on, so the
/// token is verified once per signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedAt {
    /// The time everything is judged at.
    pub at: OffsetDateTime,
    /// Where [`JudgedAt::at`] comes from.
    pub source: TimeSource,
    /// The signer's claimed `signingTime`, if any.
    pub claimed: Option<OffsetDateTime>,
    /// The verification of the signature's time-stamp token, if it carries one.
    pub token: Option<TokenCheck>,
}

impl JudgedAt {
    /// Settles the time `sig` is judged at: verifies its time-stamp token (if any) once with
    /// `chain` at `now`; `at` is the verifier's `--at`.
    pub fn settle(
        sig: &SignatureFile,
        chain: &dyn ChainChecker,
        now: OffsetDateTime,
        at: Option<OffsetDateTime>,
    ) -> JudgedAt {
        let signer = sig.signer();
        let claimed = signer
            .signed_attributes
            .as_ref()
            .and_then(|a| a.signing_time);
        let token = signer.time_stamp_token.as_deref().map(|token| {
            timestamp::verify_token(
                token,
                &signer.signature,
                &sig.certificates,
                Some(chain),
                now,
            )
        });
        JudgedAt::from_parts(token, claimed, now, at)
    }

    /// The rule itself, over a token already verified: `--at`, else a verified time-stamp's
    /// `genTime`, else the claimed time, else `now`.
    pub fn from_parts(
        token: Option<TokenCheck>,
        claimed: Option<OffsetDateTime>,
        now: OffsetDateTime,
        at: Option<OffsetDateTime>,
    ) -> JudgedAt {
        let proven = match &token {
            Some(TokenCheck::Valid { stamp, .. }) => Some(stamp),
            _ => None,
        };
        let (at, source) = match (at, proven, claimed) {
            (Some(at), _, _) => (at, TimeSource::GivenByVerifier),
            (None, Some(s), _) => (s.gen_time, TimeSource::TimeStamp { tsa: s.tsa.clone() }),
            (None, None, Some(t)) => (t, TimeSource::ClaimedBySigner),
            (None, None, None) => (now, TimeSource::VerificationTime),
        };
        JudgedAt {
            at,
            source,
            claimed,
            token,
        }
    }

    /// The stamp of a verified (trusted) time-stamp token, if any.
    pub fn proven_stamp(&self) -> Option<&timestamp::Stamp> {
        match &self.token {
            Some(TokenCheck::Valid { stamp, .. }) => Some(stamp),
            _ => None,
        }
    }

    /// Whether the signature is shown to have existed at [`JudgedAt::at`].
    pub fn is_proven(&self) -> bool {
        self.source.is_proven()
    }
}

/// Verifies a sealed document: `sig` is the parsed `.p7s`, `document` the document's digest in
/// the signer's digest algorithm ([`super::cms::SignerInfo::document_digest_algorithm`]; hash
/// with SHA-256 when that is None). Only the first signer is judged. Settles the judged time
/// itself ([`JudgedAt::settle`]); a caller that needs it first (to ask for the seal's status
/// at that time) settles it and calls [`verify_document_at`].
pub fn verify_document(
    sig: &SignatureFile,
    document: &DocumentHash,
    opts: &VerifyOptions<'_>,
) -> VerificationReport {
    let judged = JudgedAt::settle(sig, opts.chain, opts.now, opts.at);
    verify_document_at(sig, document, judged, opts)
}

/// [`verify_document`] at a judged time already settled (`opts.at` is not read again).
pub fn verify_document_at(
    sig: &SignatureFile,
    document: &DocumentHash,
    judged: JudgedAt,
    opts: &VerifyOptions<'_>,
) -> VerificationReport {
    let mut checks = Checks::default();
    let signer = sig.signer();
    let attrs = signer.signed_attributes.as_ref();
    let seal = sig.seal();
    let signer_cert = sig.signer_certificate(signer);
    let JudgedAt {
        at: judged_at,
        source,
        claimed,
        token: ts_check,
    } = judged;
    let proven = match &ts_check {
        Some(TokenCheck::Valid { stamp, .. }) => Some(stamp),
        _ => None,
    };

    // Is there a seal at all.
    match seal {
        Some(s) => checks.pass(
            CheckId::SealPresent,
            format!("seal `{}` ({})", s.info().es_id, s.info().name),
        ),
        None => checks.fail(
            CheckId::SealPresent,
            "no seal: the signature carries no electronic seal",
        ),
    }

    document_hash_check(&mut checks, signer, attrs, document);

    signer_signature_check(&mut checks, sig, signer, attrs, signer_cert);

    signing_certificate_check(&mut checks, attrs, signer_cert);

    signing_time_check(
        &mut checks,
        (judged_at, &source),
        claimed,
        proven,
        ts_check.is_some(),
        opts.now,
    );

    // The holder.
    let no_seal = "no seal";
    match (seal, signer_cert) {
        (None, _) => checks.skip(CheckId::SignerListed, no_seal),
        (Some(_), None) => checks.skip(CheckId::SignerListed, "no signer certificate"),
        (Some(s), Some(cert)) => match s.info().cert_list.lists(cert) {
            Listed::Yes => checks.pass(
                CheckId::SignerListed,
                "the signer's certificate is a holder of the seal",
            ),
            Listed::No => checks.fail(
                CheckId::SignerListed,
                format!(
                    "the signer's certificate `{}` is not listed in seal `{}`",
                    certificate_subject(cert),
                    s.info().es_id
                ),
            ),
            Listed::Unknown(why) => checks.indeterminate(CheckId::SignerListed, why),
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
                CheckId::SignerChain,
                "signer",
                outcome,
                opts.require_revocation,
            );
        }
        None => checks.skip(CheckId::SignerChain, "no signer certificate"),
    }

    // The seal itself.
    match seal {
        None => {
            for c in [
                CheckId::SealSignature,
                CheckId::SealAuthorityChain,
                CheckId::SealExtensions,
                CheckId::SealValidity,
                CheckId::SealRevocation,
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
    let time_stamp = time_stamp_check(&mut checks, ts_check, ts_in_seal, opts.require_revocation);

    let (verdict, reason) = checks.conclude();
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

/// `document_hash`: the signed messageDigest against the document's digest.
fn document_hash_check(
    checks: &mut Checks,
    signer: &SignerInfo,
    attrs: Option<&SignedAttributes>,
    document: &DocumentHash,
) {
    match (
        signer.document_digest_algorithm(),
        attrs.and_then(|a| a.message_digest.as_ref()),
    ) {
        (_, None) => checks.fail(CheckId::DocumentHash, "no messageDigest signed attribute"),
        (None, Some(_)) => checks.indeterminate(
            CheckId::DocumentHash,
            format!(
                "digest algorithm {} is not supported",
                signer::algorithm_name(&signer.digest_algorithm.oid)
            ),
        ),
        (Some(alg), Some(_)) if alg != document.algorithm => checks.indeterminate(
            CheckId::DocumentHash,
            format!(
                "the document was hashed with {}, the signature uses {alg}",
                document.algorithm
            ),
        ),
        (Some(alg), Some(digest)) => {
            if digest.as_slice() == document.value.as_slice() {
                checks.pass(
                    CheckId::DocumentHash,
                    format!("the document's {alg} matches the signed digest"),
                );
            } else {
                checks.fail(
                CheckId::DocumentHash,
                format!("document hash mismatch: the document's {alg} differs from the signed digest (changed after signing)"),
            );
            }
        }
    }
}

/// `signer_signature`: the signer's signature over the signed attributes.
fn signer_signature_check(
    checks: &mut Checks,
    sig: &SignatureFile,
    signer: &SignerInfo,
    attrs: Option<&SignedAttributes>,
    signer_cert: Option<&[u8]>,
) {
    match (attrs, signer_cert) {
        (None, _) => checks.indeterminate(
            CheckId::SignerSignature,
            "signatures without signed attributes are not supported",
        ),
        (Some(_), None) => checks.fail(
            CheckId::SignerSignature,
            "the signer's certificate is not in the signature",
        ),
        (Some(a), Some(cert)) => {
            if a.content_type.as_ref() != Some(&sig.content_type) {
                checks.fail(
                    CheckId::SignerSignature,
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
                        CheckId::SignerSignature,
                        format!(
                            "{} signature by the signer's key verifies",
                            signer::algorithm_name(&signer.signature_algorithm.oid)
                        ),
                    ),
                    Ok(SignatureCheck::Invalid(why)) => checks.fail(
                        CheckId::SignerSignature,
                        format!("the signer's signature is invalid: {why}"),
                    ),
                    Ok(SignatureCheck::Unsupported(why)) => {
                        checks.indeterminate(CheckId::SignerSignature, why)
                    }
                    Err(e) => checks.fail(CheckId::SignerSignature, e.to_string()),
                }
            }
        }
    }
}

/// `signing_certificate`: signingCertificateV2 binds the certificate to the signature
/// (RFC 5035).
fn signing_certificate_check(
    checks: &mut Checks,
    attrs: Option<&SignedAttributes>,
    signer_cert: Option<&[u8]>,
) {
    match (
        attrs.and_then(|a| a.signing_certificate_v2.as_ref()),
        signer_cert,
    ) {
        (None, _) => checks.skip(
            CheckId::SigningCertificate,
            "no signingCertificateV2 attribute (not a CAdES signature)",
        ),
        (Some(_), None) => checks.skip(CheckId::SigningCertificate, "no signer certificate"),
        (Some(ids), Some(cert)) => {
            let first = &ids[0];
            match DigestAlgorithm::from_oid(&first.hash_algorithm) {
                None => checks.indeterminate(
                    CheckId::SigningCertificate,
                    format!(
                        "hash algorithm {} is not supported",
                        signer::algorithm_name(&first.hash_algorithm)
                    ),
                ),
                Some(alg) if alg.digest(cert) == first.cert_hash => checks.pass(
                    CheckId::SigningCertificate,
                    "signingCertificateV2 names the signer's certificate",
                ),
                Some(_) => checks.fail(
                    CheckId::SigningCertificate,
                    "signingCertificateV2 names another certificate than the signer's",
                ),
            }
        }
    }
}

/// `signing_time`: the judged time and whether the signer's claim stands against a
/// time-stamp and the verification time.
fn signing_time_check(
    checks: &mut Checks,
    judged: (OffsetDateTime, &TimeSource),
    claimed: Option<OffsetDateTime>,
    proven: Option<&Stamp>,
    has_token: bool,
    now: OffsetDateTime,
) {
    let (judged_at, source) = judged;
    let contradicted = proven
        .zip(claimed)
        .filter(|(s, t)| (*t - s.gen_time).whole_seconds() > CLOCK_SKEW_SECONDS);
    match (&source, claimed) {
        _ if contradicted.is_some() => {
            if let Some((s, t)) = contradicted {
                checks.fail(
                CheckId::SigningTime,
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
            CheckId::SigningTime,
            format!(
                "{} (time-stamp by {tsa}; claimed by signer: {})",
                format_time(judged_at),
                claimed.map(format_time).unwrap_or_else(|| "none".into())
            ),
        ),
        (TimeSource::ClaimedBySigner, Some(t))
            if (t - now).whole_seconds() > CLOCK_SKEW_SECONDS =>
        {
            checks.fail(
                CheckId::SigningTime,
                format!(
                    "the claimed signing time {} is after the verification time {}",
                    format_time(t),
                    format_time(now)
                ),
            );
        }
        // A claim in the future is false whatever time-stamp comes with it; the checks above
        // this arm run first.
        (TimeSource::ClaimedBySigner, Some(t)) if has_token => checks.pass(
            CheckId::SigningTime,
            format!(
                "{} (claimed by signer; the time-stamp proves no time)",
                format_time(t)
            ),
        ),
        (TimeSource::ClaimedBySigner, Some(t)) => checks.pass(
            CheckId::SigningTime,
            format!("{} (claimed by signer, not time-stamped)", format_time(t)),
        ),
        (TimeSource::GivenByVerifier, _) => checks.pass(
            CheckId::SigningTime,
            format!("judged at {} (given by verifier)", format_time(judged_at)),
        ),
        _ => checks.indeterminate(
            CheckId::SigningTime,
            "no signingTime attribute: judged at the verification time",
        ),
    }
}

/// `time_stamp`: the token's verification, as settled with the judged time; the stamp to
/// report, when the token is sound.
fn time_stamp_check(
    checks: &mut Checks,
    ts_check: Option<TokenCheck>,
    ts_in_seal: bool,
    require_revocation: bool,
) -> Option<Stamp> {
    let mut time_stamp = None;
    match ts_check {
        None if ts_in_seal => checks.skip(
            CheckId::TimeStamp,
            "the seal carries a time-stamp (SES_Seal), which govpki does not verify yet",
        ),
        None => checks.skip(CheckId::TimeStamp, "no time-stamp"),
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
                None => checks.pass(CheckId::TimeStamp, detail),
                Some(why) => {
                    checks.unchecked_revocation(CheckId::TimeStamp, detail, why, require_revocation)
                }
            }
            time_stamp = Some(stamp);
        }
        Some(TokenCheck::Untrusted { stamp, reason }) => {
            checks.indeterminate(
                CheckId::TimeStamp,
                format!(
                    "the time-stamp by {} proves no time: its TSA is not trusted at {}: {reason}",
                    stamp.tsa,
                    format_time(stamp.gen_time)
                ),
            );
            time_stamp = Some(stamp);
        }
        Some(TokenCheck::Invalid(why)) => checks.fail(CheckId::TimeStamp, why),
        Some(TokenCheck::Unsupported(why)) => checks.indeterminate(CheckId::TimeStamp, why),
    }
    time_stamp
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
    // Through the run's checker, which may remember the seal (see `ChainChecker::seal_signature`).
    match s.authority_signature_by(|cert, alg, message, signature| {
        opts.chain.seal_signature(cert, alg, message, signature)
    }) {
        SignatureCheck::Valid => checks.pass(
            CheckId::SealSignature,
            format!(
                "{} signature by the seal authority verifies",
                signer::algorithm_name(&i.signature_algorithm)
            ),
        ),
        SignatureCheck::Invalid(why) => checks.fail(
            CheckId::SealSignature,
            format!("the seal authority's signature is invalid: {why}"),
        ),
        SignatureCheck::Unsupported(why) => checks.indeterminate(CheckId::SealSignature, why),
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
        CheckId::SealAuthorityChain,
        "seal authority",
        outcome,
        opts.require_revocation,
    );
    let unknown = s.unknown_critical_extensions();
    if unknown.is_empty() {
        checks.pass(CheckId::SealExtensions, "no unknown critical extension");
    } else {
        checks.fail(
            CheckId::SealExtensions,
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
            CheckId::SealValidity,
            format!(
                "seal `{}` was not yet valid at the signing time {} (valid {window})",
                i.es_id,
                format_time(judged_at)
            ),
        );
    } else if judged_at > i.valid_until {
        checks.fail(
            CheckId::SealValidity,
            format!(
                "seal `{}` had expired at the signing time {} (valid {window})",
                i.es_id,
                format_time(judged_at)
            ),
        );
    } else {
        checks.pass(
            CheckId::SealValidity,
            format!("the signing time is inside the seal's validity {window}"),
        );
    }
    match opts.revoked_seals.status(&i.es_id) {
        SealStatus::Good => checks.pass(CheckId::SealRevocation, "the seal is not revoked"),
        SealStatus::Revoked(r) if r.revoked_at <= judged_at => checks.fail(
            CheckId::SealRevocation,
            format!(
                "seal `{}` was revoked at {}{}, before the signing time {}",
                i.es_id,
                format_time(r.revoked_at),
                r.reason.map(|r| format!(" ({r})")).unwrap_or_default(),
                format_time(judged_at)
            ),
        ),
        SealStatus::Revoked(r) => checks.pass(
            CheckId::SealRevocation,
            format!(
                "the seal was revoked at {}, after the signing time",
                format_time(r.revoked_at)
            ),
        ),
        SealStatus::Unknown => checks.unchecked_revocation(
            CheckId::SealRevocation,
            "seal status".to_string(),
            "no seal status list".to_string(),
            opts.require_revocation,
        ),
    }
}

#[cfg(test)]
mod tests;
