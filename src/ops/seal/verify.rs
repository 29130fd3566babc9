//! `seal verify`'s use case: the verifier set up once per run (trust anchors, intermediates,
//! CRLs, pinned seal authorities, this home's revocations, seal status lists), then each
//! document judged at its settled time ([`JudgedAt`]). Prints nothing; warnings go to a
//! callback.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow};
use time::OffsetDateTime;

use super::sources::SealStatusSources;
use super::{OBJECT_LIMIT, open_home, read_crls, signature_path, with_home_revocations};
use crate::ops::common;
use crate::ops::hinted;
use crate::seal::chain::{AtTimeChecker, ChainSetupError};
use crate::seal::{
    JudgedAt, Picture, RevokedSeals, SesSignature, SignatureFile, VerificationReport,
    VerifyOptions, hash_document_with, looks_like_ses, parse_signature, verify_document_at,
    verify_ses,
};
use crate::store::files;

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
}

/// A verifier set up for a run.
pub struct Verifier {
    now: OffsetDateTime,
    at: Option<OffsetDateTime>,
    require_revocation: bool,
    checker: AtTimeChecker,
    sources: SealStatusSources,
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
        })
    }

    /// Judges one document against its signature (`sig`, else `DOC.p7s` or `DOC.ses`): the
    /// report, and the seal's picture.
    pub fn judge(
        &self,
        doc: &Path,
        sig: Option<&Path>,
    ) -> Result<(VerificationReport, Option<Picture>)> {
        judge_one(
            doc,
            sig,
            self.at,
            self.require_revocation,
            self.now,
            &self.checker,
            &self.sources,
        )
    }
}

fn judge_one(
    doc: &Path,
    sig_arg: Option<&Path>,
    at: Option<OffsetDateTime>,
    require_revocation: bool,
    now: OffsetDateTime,
    checker: &AtTimeChecker,
    sources: &SealStatusSources,
) -> Result<(VerificationReport, Option<Picture>)> {
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
        return judge_ses(
            doc,
            &sig_path,
            &bytes,
            file,
            at,
            require_revocation,
            now,
            checker,
            sources,
        );
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
    let chain: &dyn crate::seal::ChainChecker = if sig.crls.is_empty() {
        checker
    } else {
        with_crls = checker.with_crls(&sig.crls);
        &with_crls
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
    report.document = Some(doc.display().to_string());
    let picture = sig.seal().map(|s| s.info().picture.clone());
    Ok((report, picture))
}

/// `judge_one` for a GB/T 38540 `SES_Signature`: the document's SM3 against `dataHash`.
#[allow(clippy::too_many_arguments)]
fn judge_ses(
    doc: &Path,
    sig_path: &Path,
    bytes: &[u8],
    file: std::fs::File,
    at: Option<OffsetDateTime>,
    require_revocation: bool,
    now: OffsetDateTime,
    checker: &AtTimeChecker,
    sources: &SealStatusSources,
) -> Result<(VerificationReport, Option<Picture>)> {
    let sig = SesSignature::from_der(bytes)
        .with_context(|| format!("reading signature `{}`", sig_path.display()))?;
    let hash = hash_document_with(crate::seal::DigestAlgorithm::Sm3, file)
        .with_context(|| format!("reading document `{}`", doc.display()))?;
    let revoked = sources.for_seal(sig.seal(), sig.judged_at(at).at, now);
    let mut report = verify_ses(
        &sig,
        &hash,
        &VerifyOptions {
            now,
            at,
            require_revocation,
            chain: checker,
            revoked_seals: &revoked,
        },
    );
    report.document = Some(doc.display().to_string());
    Ok((report, Some(sig.seal().info().picture.clone())))
}
