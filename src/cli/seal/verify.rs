//! `govpki seal verify`: judge sealed documents at their signing time.

use super::*;

pub(super) const VERIFY_LONG: &str = "\
Verify sealed documents. For each DOC the signature is --sig, else DOC.p7s or DOC.ses beside it:
a CMS signature (.p7s, made by `seal sign`) or a GB/T 38540 SES_Signature made by another seal
system (version 4, or GM/T 0031-2025 version 5), told apart by content, not by name. In an OFD
package the seal-signature is Doc_0/Signs/Sign_N/SignedValue.dat and the signed file is the
Signature.xml beside it (its SM3 is the dataHash). Every check is reported, pass or fail:
seal present, document hash, signer signature, signingCertificateV2, signing time, signer listed in
the seal, signer chain (documentSigning, key usage, revocation), seal authority signature and
chain, seal extensions, signing time inside the seal's validity, seal not revoked, time-stamp.
For an SES_Signature: the document's SM3 against dataHash, the SM2-with-SM3 signature over
TBS_Sign (DER r,s only; a raw r||s value is invalid), timeInfo as the claimed signing time, and
the signer chain without the documentSigning EKU (seal systems issue clientAuth certificates).
Version 1 (GM/T 0031-2014) SES_Signatures are refused (exit 2); time-stamps inside an
SES_Signature are reported, not verified.

Everything is judged at the signing time: --at if given, else the genTime of a verified RFC 3161
time-stamp (`govpki seal timestamp`), else the signingTime the signer claims. A time-stamp verifies
when its messageImprint is the hash of the signature value, its signature and ESSCertID(v2) check
out, and its TSA certificate chains to --trust at genTime with the critical timeStamping EKU; a
claimed signingTime more than 5 minutes after genTime is invalid. A token that is altered or for
another signature is invalid; one whose TSA is not trusted is indeterminate (the claimed time is
used). Trust anchors are --trust (repeatable PEM bundles), by default this home's root, with this
home's chain as intermediates besides those in the signature and --untrusted.

Seal authorities: a seal counts only when its maker (the certificate in the seal) is a seal
authority the verifier trusts: a CA certificate of the trusted hierarchy (allowing keyCertSign; a
CA home's key makes seals), a certificate of the `seal-authority` profile (extended key usage
1.3.6.1.4.1.32473.1.3.1) chaining to --trust, or a certificate pinned with --seal-authority
(for other systems' seals; checked under --trust when it chains there, else trusted as given).
Any other maker, e.g. a person, department or seal holder certificate, makes the seal invalid:
\"not a seal authority\", whatever its chain.

Revocation: CRLs come from --crl, from the signature, and from this home's store (for
certificates this home's CA issued, as of now). A CRL shows a certificate valid at the signing
time only if it was issued (thisUpdate) at or after it; a certificate revoked (or on hold, or
with an invalidity date) at or before the signing time is invalid; one revoked later is valid
for this signature, except that a claimed signing time proves nothing against a compromised key:
a certificate of the signer's or the authority's chain revoked for keyCompromise (or
cACompromise, aACompromise, or with an invalidity date) voids the signature unless a verified
time-stamp (or --at, the verifier's own statement) shows it existed before that date (the
invalidity date when earlier). Where no CRL settles it the report says \"revocation not
checked\" and the verdict may still be valid; --require-revocation makes it indeterminate. Seal
revocation comes from this home's store (for seals this home made) and from seal status lists
(--seal-status, see `govpki seal status-list`), with the same rule.

Output: the text report per document; with --json, one JSON object per line per document (JSON
lines), each with `document`, `verdict` (valid, invalid, indeterminate, or error when the
document could not be judged), `reason`, the seal's fields and `checks`.

EXAMPLES:
    govpki seal verify notice.pdf
    govpki seal verify notice.pdf --sig received/notice.p7s --trust root.pem --crl root.crl
    govpki --json seal verify signed/*.pdf --crl root.crl --seal-status seal-status.der --require-revocation
    govpki seal verify contract.ofd --at 2026-06-01T10:00:00+08:00 --image-out seal.svg
    unzip invoice.ofd 'Doc_0/Signs/Sign_0/*' -d invoice
    govpki seal verify invoice/Doc_0/Signs/Sign_0/Signature.xml --sig invoice/Doc_0/Signs/Sign_0/SignedValue.dat \\
        --trust tax-root.pem --seal-authority tax-seal-maker.pem

EXIT CODES (the worst over all documents: 2 > 1 > 3 > 0):
    0  valid
    1  invalid (document changed, bad signature, no seal, holder not listed, maker not a seal
       authority, revoked, key compromised, expired, untrusted, time-stamp altered or for
       another signature)
    2  an error (missing document or signature, malformed signature, version 1
       SES_Signature, unreadable input)
    3  indeterminate (revocation required but not settled, unsupported algorithm, time-stamp by an
       untrusted TSA)";

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The sealed documents
    #[arg(value_name = "DOC", required = true)]
    pub docs: Vec<PathBuf>,
    /// The signature file, .p7s or SES_Signature (one document only) [default: DOC.p7s, else DOC.ses]
    #[arg(long, value_name = "F")]
    pub sig: Option<PathBuf>,
    /// Trust anchors (PEM bundle; repeatable) [default: this home's root]
    #[arg(long, value_name = "F")]
    pub trust: Vec<PathBuf>,
    /// More intermediate certificates (PEM bundle; repeatable)
    #[arg(long, value_name = "F")]
    pub untrusted: Vec<PathBuf>,
    /// A CRL (PEM or DER; repeatable)
    #[arg(long, value_name = "F")]
    pub crl: Vec<PathBuf>,
    /// A seal status list (`seal status-list`; repeatable)
    #[arg(long, value_name = "F")]
    pub seal_status: Vec<PathBuf>,
    /// Trust this certificate as a seal authority (the maker of another system's seals; PEM or DER; repeatable)
    #[arg(long, value_name = "F")]
    pub seal_authority: Vec<PathBuf>,
    /// Judge at this time (RFC 3339) instead of the claimed signing time
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Revocation not settled by a CRL or status list makes the verdict indeterminate (3)
    #[arg(long)]
    pub require_revocation: bool,
    /// Write the seal image here (one document only)
    #[arg(long, value_name = "F")]
    pub image_out: Option<PathBuf>,
    /// Replace an existing --image-out file
    #[arg(long)]
    pub force: bool,
}

// ---------------------------------------------------------------------------------------------
// seal verify

/// The outcome of one document.
enum Judged {
    Report(Box<VerificationReport>, Option<Picture>),
    Error(anyhow::Error),
}

pub(super) fn verify(args: VerifyArgs, ctx: &Context) -> Result<Outcome> {
    let VerifyArgs {
        docs,
        sig,
        trust,
        untrusted,
        crl,
        seal_status,
        seal_authority,
        at,
        require_revocation,
        image_out,
        force,
    } = args;
    if docs.len() > 1 && sig.is_some() {
        bail!("--sig names the signature of one document; give one DOC with it");
    }
    if docs.len() > 1 && image_out.is_some() {
        bail!("--image-out writes the image of one document; give one DOC with it");
    }
    if let Some(p) = &image_out {
        common::check_output_free(p, force)?;
    }
    let at = at
        .as_deref()
        .map(|t| when::parse_time(t).context("--at"))
        .transpose()?;
    let open = open_home(&ctx.home)?;
    let mut intermediates = Vec::new();
    for u in &untrusted {
        intermediates.extend(common::read_certs(u)?);
    }
    let anchors = if trust.is_empty() {
        let Some(o) = &open else {
            return Err(hinted(
                format!(
                    "no --trust given, and `{}` holds no CA to trust by default",
                    ctx.home.display()
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
        for t in &trust {
            a.extend(common::read_certs(t)?);
        }
        a
    };
    let crls = read_crls(&crl)?;
    let checker = AtTimeChecker::new(&anchors, &intermediates, &crls).map_err(|e| match e {
        ChainSetupError::BadCrl { index, reason } => anyhow!(
            "reading CRL `{}`: {reason}",
            crl.get(index)
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ),
        other => anyhow::Error::new(other).context("setting up the trust anchors"),
    })?;
    let mut pinned = Vec::new();
    for p in &seal_authority {
        pinned.push(common::read_cert(p)?);
    }
    let checker = checker.with_seal_authorities(pinned);
    let checker = match &open {
        Some(o) => with_home_revocations(checker, o, ctx.now)?,
        None => checker,
    };
    let sources = SealStatusSources::load(
        ctx.now,
        &|w: &str| ctx.out.warn(w),
        &seal_status,
        open.as_ref(),
    )?;
    drop(open);

    let judge = |doc: &PathBuf| -> Judged {
        match judge_one(
            doc,
            sig.as_deref(),
            at,
            require_revocation,
            ctx,
            &checker,
            &sources,
        ) {
            Ok((report, picture)) => Judged::Report(Box::new(report), picture),
            Err(e) => Judged::Error(e),
        }
    };
    let total = docs.len();
    let bar = progress(ctx, total, "verifying");
    let mut outcome = Outcome::Success;
    let mut errors = 0usize;
    let mut single_error = None;
    let mut first = true;
    for chunk in docs.chunks(512) {
        let judged = parallel_map(chunk, |d| {
            let j = judge(d);
            if let Some(b) = &bar {
                b.inc(1);
            }
            j
        });
        for (doc, j) in chunk.iter().zip(judged) {
            match j {
                Judged::Report(report, picture) => {
                    outcome = outcome.worst(match report.verdict {
                        Verdict::Valid => Outcome::Success,
                        Verdict::Invalid => Outcome::Negative,
                        Verdict::Indeterminate => Outcome::Indeterminate,
                    });
                    if let (Some(path), Some(p)) = (&image_out, picture) {
                        common::write_output(path, &p.data, false, force)?;
                        ctx.out.info(&format!(
                            "wrote the seal image ({}) to `{}`",
                            p.format,
                            path.display()
                        ));
                    }
                    if ctx.out.is_json() {
                        ctx.out.json(&report)?;
                    } else {
                        let sep = if first { "" } else { "\n" };
                        ctx.out.data(&format!("{sep}{report}"))?;
                    }
                }
                Judged::Error(e) => {
                    errors += 1;
                    if ctx.out.is_json() {
                        ctx.out.json(&json!({
                            "document": doc.display().to_string(),
                            "verdict": "error",
                            "reason": format!("{e:#}"),
                        }))?;
                    }
                    if total > 1 {
                        crate::cli::output::print_error(&e);
                    }
                    single_error = Some(e);
                }
            }
            first = false;
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    match (errors, single_error) {
        (0, _) => Ok(outcome),
        (1, Some(e)) if total == 1 => Err(e),
        (n, _) => bail!("{n} of {total} documents could not be verified"),
    }
}

fn judge_one(
    doc: &Path,
    sig_arg: Option<&Path>,
    at: Option<OffsetDateTime>,
    require_revocation: bool,
    ctx: &Context,
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
            ctx,
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
    let judged = JudgedAt::settle(&sig, chain, ctx.now, at);
    let revoked = match sig.seal() {
        Some(s) => sources.for_seal(s, judged.at, ctx.now),
        None => RevokedSeals::unknown(),
    };
    let mut report = verify_document_at(
        &sig,
        &hash,
        judged,
        &VerifyOptions {
            now: ctx.now,
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
    ctx: &Context,
    checker: &AtTimeChecker,
    sources: &SealStatusSources,
) -> Result<(VerificationReport, Option<Picture>)> {
    let sig = SesSignature::from_der(bytes)
        .with_context(|| format!("reading signature `{}`", sig_path.display()))?;
    let hash = hash_document_with(crate::seal::DigestAlgorithm::Sm3, file)
        .with_context(|| format!("reading document `{}`", doc.display()))?;
    let revoked = sources.for_seal(sig.seal(), sig.judged_at(at).at, ctx.now);
    let mut report = verify_ses(
        &sig,
        &hash,
        &VerifyOptions {
            now: ctx.now,
            at,
            require_revocation,
            chain: checker,
            revoked_seals: &revoked,
        },
    );
    report.document = Some(doc.display().to_string());
    Ok((report, Some(sig.seal().info().picture.clone())))
}
