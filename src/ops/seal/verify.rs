//! `seal verify`'s use case: the verifier set up once per run (trust anchors, intermediates,
//! CRLs, pinned seal authorities, this home's revocations, seal status lists), then each
//! document judged at its settled time ([`JudgedAt`]). Prints nothing; warnings go to a
//! callback.
//!
//! With `--ocsp`, the certificates whose revocation the CRLs leave open (those of the signer's
//! and of the seal maker's path, subordinate CAs included) are asked of an OCSP responder ([`OnlineChecker`], the asking injected as
//! `cert verify --ocsp` injects it): revoked is judged as a CRL entry would be at the signing
//! time, undecided makes the check indeterminate, and the check says `decided by OCSP <url>`.
//!
//! The seal authorities' signatures are checked once per seal and run ([`SealSignatures`]): the
//! documents of a batch carry the same few seals, and for an SM2 seal that check is a third of
//! the cost of judging a 100 KB document.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, Result, anyhow};
use der::asn1::ObjectIdentifier;
use time::OffsetDateTime;

use super::sources::SealStatusSources;
use super::{OBJECT_LIMIT, open_home, read_crls, signature_path, with_home_revocations};
use crate::ops::common;
use crate::ops::hinted;
use crate::pkix::validate::OnlineRevocation;
use crate::seal::chain::{AtTimeChecker, ChainSetupError};
use crate::seal::{
    ChainCheck, ChainChecker, ChainRole, JudgedAt, Picture, RevokedSeals, SealError, SesSignature,
    SignatureCheck, SignatureFile, VerificationReport, VerifyOptions, hash_document_with,
    looks_like_ses, parse_signature, verify_document_at, verify_ses,
};
use crate::store::files;

mod online;

use online::OnlineChecker;

/// What `seal verify` is given besides the documents.
pub struct VerifierInputs<'a> {
    pub home: &'a Path,
    pub now: OffsetDateTime,
    /// `--trust`: trust anchors (PEM bundles); none means this home's root.
    pub trust: &'a [PathBuf],
    /// `--untrusted`: intermediates.
    pub untrusted: &'a [PathBuf],
    /// `--crl`.
    pub crls: &'a [PathBuf],
    /// `--seal-status`: signed seal status lists.
    pub seal_status: &'a [PathBuf],
    /// `--seal-authority`: pinned seal authority certificates.
    pub seal_authority: &'a [PathBuf],
    /// `--at`.
    pub at: Option<OffsetDateTime>,
    pub require_revocation: bool,
    /// `--ocsp`: asked about the signer's and the seal maker's certificates when the CRLs
    /// leave their revocation open (`ops::ocsp::Asker`, or a fake in tests).
    pub ocsp: Option<Arc<dyn OnlineRevocation + Send>>,
}

/// A verifier set up for a run.
pub struct Verifier {
    now: OffsetDateTime,
    at: Option<OffsetDateTime>,
    require_revocation: bool,
    checker: AtTimeChecker,
    sources: SealStatusSources,
    seals: SealSignatures,
    ocsp: Option<Arc<dyn OnlineRevocation + Send>>,
    /// The trust anchors and intermediates, where an OCSP question finds the issuer.
    ca_pool: Vec<Vec<u8>>,
}

/// The seal authority signatures a run has checked, by a SHA-256 over everything the answer
/// depends on (certificate, algorithm, signed `SES_SealInfo`, signature), so an altered seal is
/// a new question. At most [`SealSignatures::CAPACITY`] answers are kept; beyond, checks are
/// made every time. Errors (an unparsable certificate) are not kept.
#[derive(Debug, Default)]
struct SealSignatures {
    answers: Mutex<HashMap<[u8; 32], SignatureCheck>>,
}

impl SealSignatures {
    const CAPACITY: usize = 4096;

    /// The remembered answer for these inputs, else `verify`'s (then remembered).
    fn check(
        &self,
        parts: [&[u8]; 4],
        verify: impl FnOnce() -> Result<SignatureCheck, SealError>,
    ) -> Result<SignatureCheck, SealError> {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        for part in parts {
            // Length-prefixed: no two different inputs hash the same concatenation.
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part);
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(ctx.finish().as_ref());
        if let Ok(answers) = self.answers.lock()
            && let Some(answer) = answers.get(&key)
        {
            return Ok(answer.clone());
        }
        let answer = verify()?;
        if let Ok(mut answers) = self.answers.lock()
            && answers.len() < Self::CAPACITY
        {
            answers.insert(key, answer.clone());
        }
        Ok(answer)
    }
}

/// A run's chain checker with its memory of seal signatures.
struct RunChecker<'a> {
    chain: &'a dyn ChainChecker,
    seals: &'a SealSignatures,
}

impl ChainChecker for RunChecker<'_> {
    fn check(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> ChainCheck {
        self.chain.check(ee_der, intermediates, at, role)
    }

    fn check_proven(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> ChainCheck {
        self.chain.check_proven(ee_der, intermediates, at, role)
    }

    fn path(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> Option<Vec<Vec<u8>>> {
        self.chain.path(ee_der, intermediates, at, role)
    }

    fn seal_signature(
        &self,
        cert_der: &[u8],
        alg: &ObjectIdentifier,
        message: &[u8],
        signature: &[u8],
    ) -> Result<SignatureCheck, SealError> {
        self.seals
            .check([cert_der, alg.as_bytes(), message, signature], || {
                self.chain.seal_signature(cert_der, alg, message, signature)
            })
    }
}

impl Verifier {
    /// Sets the verifier up; `warn` receives warnings (a status list past its nextUpdate).
    pub fn new(inputs: &VerifierInputs<'_>, warn: &dyn Fn(&str)) -> Result<Verifier> {
        let open = open_home(inputs.home)?;
        let mut intermediates = Vec::new();
        for u in inputs.untrusted {
            intermediates.extend(common::read_certs(u)?);
        }
        let anchors = if inputs.trust.is_empty() {
            let Some(o) = &open else {
                return Err(hinted(
                    format!(
                        "no --trust given, and `{}` holds no CA to trust by default",
                        inputs.home.display()
                    ),
                    "pass --trust ROOT.pem (repeatable), or --home DIR",
                ));
            };
            let mut chain = o.chain();
            let root = chain.pop().into_iter().collect::<Vec<_>>();
            intermediates.extend(chain);
            root
        } else {
            let mut a = Vec::new();
            for t in inputs.trust {
                a.extend(common::read_certs(t)?);
            }
            a
        };
        let ca_pool: Vec<Vec<u8>> = anchors.iter().chain(&intermediates).cloned().collect();
        let crls = read_crls(inputs.crls)?;
        let checker = AtTimeChecker::new(&anchors, &intermediates, &crls).map_err(|e| match e {
            ChainSetupError::BadCrl { index, reason } => anyhow!(
                "reading CRL `{}`: {reason}",
                inputs
                    .crls
                    .get(index)
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ),
            other => anyhow::Error::new(other).context("setting up the trust anchors"),
        })?;
        let mut pinned = Vec::new();
        for p in inputs.seal_authority {
            pinned.push(common::read_cert(p)?);
        }
        let checker = checker.with_seal_authorities(pinned);
        let checker = match &open {
            Some(o) => with_home_revocations(checker, o, inputs.now)?,
            None => checker,
        };
        let sources = SealStatusSources::load(inputs.now, warn, inputs.seal_status, open.as_ref())?;
        Ok(Verifier {
            now: inputs.now,
            at: inputs.at,
            require_revocation: inputs.require_revocation,
            checker,
            sources,
            seals: SealSignatures::default(),
            ocsp: inputs.ocsp.clone(),
            ca_pool,
        })
    }

    /// Judges one document against its signature (`sig`, else `DOC.p7s` or `DOC.ses`): the
    /// report, and the seal's picture.
    pub fn judge(
        &self,
        doc: &Path,
        sig: Option<&Path>,
    ) -> Result<(VerificationReport, Option<Picture>)> {
        judge_one(self, doc, sig)
    }
}

fn judge_one(
    v: &Verifier,
    doc: &Path,
    sig_arg: Option<&Path>,
) -> Result<(VerificationReport, Option<Picture>)> {
    let Verifier {
        now,
        at,
        require_revocation,
        ref checker,
        ref sources,
        ref seals,
        ref ocsp,
        ref ca_pool,
    } = *v;
    // The document first: a missing document is the error to report, not its signature.
    // A device or FIFO is refused at the open (it would never end, or never start).
    let file = files::open_regular(doc)
        .with_context(|| format!("reading document `{}`", doc.display()))?;
    let sig_path = match sig_arg {
        Some(s) => s.to_path_buf(),
        None => {
            let p7s = signature_path(doc, None, "p7s")?;
            let ses = signature_path(doc, None, "ses")?;
            if p7s.symlink_metadata().is_ok() {
                p7s
            } else if ses.symlink_metadata().is_ok() {
                ses
            } else {
                return Err(hinted(
                    format!(
                        "no signature for `{}`: neither `{}` nor `{}` exists",
                        doc.display(),
                        p7s.display(),
                        ses.display()
                    ),
                    "pass --sig F",
                ));
            }
        }
    };
    let bytes = files::read_limited(&sig_path, OBJECT_LIMIT)
        .with_context(|| format!("reading signature `{}`", sig_path.display()))?;
    // The content decides, not the name: an OFD's seal-signature is `SignedValue.dat`.
    if looks_like_ses(&bytes) {
        return judge_ses(v, doc, &sig_path, &bytes, file);
    }
    let sig: SignatureFile = parse_signature(&bytes)
        .with_context(|| format!("reading signature `{}`", sig_path.display()))?;
    let algorithm = sig
        .signer()
        .document_digest_algorithm()
        .unwrap_or(crate::seal::DigestAlgorithm::Sha256);
    let hash = hash_document_with(algorithm, file)
        .with_context(|| format!("reading document `{}`", doc.display()))?;
    let with_crls;
    let chain: &dyn ChainChecker = if sig.crls.is_empty() {
        checker
    } else {
        with_crls = checker.with_crls(&sig.crls);
        &with_crls
    };
    let chain = &RunChecker { chain, seals };
    let online = ocsp
        .as_deref()
        .map(|asker| OnlineChecker::new(chain, asker, ca_pool));
    let chain: &dyn ChainChecker = match &online {
        Some(o) => o,
        None => chain,
    };
    // The time is settled once (its time-stamp verified once): the seal's status is asked at
    // the time the report judges at.
    let judged = JudgedAt::settle(&sig, chain, now, at);
    let revoked = match sig.seal() {
        Some(s) => sources.for_seal(s, judged.at, now),
        None => RevokedSeals::unknown(),
    };
    let mut report = verify_document_at(
        &sig,
        &hash,
        judged,
        &VerifyOptions {
            now,
            at,
            require_revocation,
            chain,
            revoked_seals: &revoked,
        },
    );
    if let Some(o) = &online {
        o.annotate(&mut report);
    }
    report.document = Some(doc.display().to_string());
    let picture = sig.seal().map(|s| s.info().picture.clone());
    Ok((report, picture))
}

/// `judge_one` for a GB/T 38540 `SES_Signature`: the document's SM3 against `dataHash`.
fn judge_ses(
    v: &Verifier,
    doc: &Path,
    sig_path: &Path,
    bytes: &[u8],
    file: std::fs::File,
) -> Result<(VerificationReport, Option<Picture>)> {
    let Verifier {
        now,
        at,
        require_revocation,
        ref checker,
        ref sources,
        ref seals,
        ref ocsp,
        ref ca_pool,
    } = *v;
    let sig = SesSignature::from_der(bytes)
        .with_context(|| format!("reading signature `{}`", sig_path.display()))?;
    let hash = hash_document_with(crate::seal::DigestAlgorithm::Sm3, file)
        .with_context(|| format!("reading document `{}`", doc.display()))?;
    let revoked = sources.for_seal(sig.seal(), sig.judged_at(at).at, now);
    let run = RunChecker {
        chain: checker,
        seals,
    };
    let online = ocsp
        .as_deref()
        .map(|asker| OnlineChecker::new(&run, asker, ca_pool));
    let chain: &dyn ChainChecker = match &online {
        Some(o) => o,
        None => &run,
    };
    let mut report = verify_ses(
        &sig,
        &hash,
        &VerifyOptions {
            now,
            at,
            require_revocation,
            chain,
            revoked_seals: &revoked,
        },
    );
    if let Some(o) = &online {
        o.annotate(&mut report);
    }
    report.document = Some(doc.display().to_string());
    Ok((report, Some(sig.seal().info().picture.clone())))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// Asks `memo` about `parts`, counting the checks it makes; the check answers `answer`.
    fn ask(
        memo: &SealSignatures,
        calls: &Cell<usize>,
        parts: [&[u8]; 4],
        answer: SignatureCheck,
    ) -> SignatureCheck {
        memo.check(parts, || {
            calls.set(calls.get() + 1);
            Ok(answer)
        })
        .unwrap()
    }

    #[test]
    fn a_seal_signature_is_checked_once_per_run_and_a_changed_part_is_a_new_question() {
        let memo = SealSignatures::default();
        let calls = Cell::new(0);
        let parts: [&[u8]; 4] = [b"cert", b"alg", b"seal info", b"signature"];
        assert_eq!(
            ask(&memo, &calls, parts, SignatureCheck::Valid),
            SignatureCheck::Valid
        );
        // Asked again: the remembered answer, no second check.
        let not_asked = SignatureCheck::Invalid("not asked".into());
        assert_eq!(ask(&memo, &calls, parts, not_asked), SignatureCheck::Valid);
        assert_eq!(calls.get(), 1);
        // Any part changed (another certificate, algorithm, seal, a flipped signature) is
        // checked afresh.
        let bad = SignatureCheck::Invalid("the signature does not verify".into());
        for i in 0..4 {
            let mut changed = parts;
            changed[i] = b"altered";
            assert_eq!(ask(&memo, &calls, changed, bad.clone()), bad, "part {i}");
        }
        assert_eq!(calls.get(), 5);
        // The same octets split differently are another question (the parts are
        // length-prefixed in the key).
        let shifted: [&[u8]; 4] = [b"cer", b"talg", b"seal info", b"signature"];
        assert_eq!(ask(&memo, &calls, shifted, bad.clone()), bad);
        assert_eq!(calls.get(), 6);
        // And the first answer still stands.
        assert_eq!(
            ask(&memo, &calls, parts, bad.clone()),
            SignatureCheck::Valid
        );
        assert_eq!(calls.get(), 6);
    }

    #[test]
    fn errors_are_not_remembered_and_the_memory_is_bounded() {
        let memo = SealSignatures::default();
        let calls = Cell::new(0);
        let parts: [&[u8]; 4] = [b"not a certificate", b"alg", b"seal info", b"signature"];
        for _ in 0..2 {
            let answer = memo.check(parts, || {
                calls.set(calls.get() + 1);
                Err(SealError::Certificate {
                    what: "signature check",
                    reason: "not DER".into(),
                })
            });
            assert!(answer.is_err());
        }
        assert_eq!(calls.get(), 2, "an error is asked again");

        let full = SealSignatures::default();
        for n in 0..SealSignatures::CAPACITY {
            let id = n.to_be_bytes();
            ask(&full, &calls, [&id, b"", b"", b""], SignatureCheck::Valid);
        }
        calls.set(0);
        let beyond: [&[u8]; 4] = [b"one more seal", b"", b"", b""];
        for _ in 0..2 {
            ask(&full, &calls, beyond, SignatureCheck::Valid);
        }
        assert_eq!(calls.get(), 2, "past the capacity, checked every time");
        assert_eq!(full.answers.lock().unwrap().len(), SealSignatures::CAPACITY);
    }
}
