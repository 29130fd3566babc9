//! `govpki seal verify`: judge sealed documents at their signing time.

use super::*;
use crate::cli::tally::{Counted, Run, judge_all};
use crate::i18n::{Lang, tr};
use crate::ops::seal::verify::{Verifier, VerifierInputs};
use crate::seal::report::verdict_word;

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
checked\" and the verdict may still be valid; --require-revocation makes it indeterminate. With
--ocsp, every certificate of the signer's and the seal maker's paths that no CRL settles (the
subordinate CAs too, not only the end entity) is asked about over HTTP (RFC 6960/5019) at URL,
else at the certificate's AIA OCSP URL: revoked is judged as a CRL entry, an unknown, unreachable or unverifiable answer is indeterminate, and the check says
\"decided by OCSP URL\". Seal revocation comes from this home's store (for seals this home made)
and from seal status lists (--seal-status, see `govpki seal status-list`), with the same rule.

Output: the text report per document, and for more than one document a closing tally; with -q,
only the reports of documents that are not valid, then the tally. With --json, one JSON object per
line per document (JSON lines), each with `document`, `verdict` (valid, invalid, indeterminate, or
error when the document could not be judged), `reason`, the seal's fields and `checks`; for more
than one document a last line that counts them all, with no `document` key:
{\"documents\":3,\"tally\":{\"valid\":1,\"invalid\":1,\"indeterminate\":0,\"errors\":1}}.
With -q --json, only the lines of the documents that are not valid, then the tally.

EXAMPLES:
    govpki seal verify notice.pdf
    govpki seal verify notice.pdf --sig received/notice.p7s \\
        --trust root.pem --crl root.crl
    govpki --json seal verify signed/*.pdf --crl root.crl \\
        --seal-status seal-status.der --require-revocation
    govpki seal verify contract.ofd --at 2026-06-01T10:00:00+08:00 \\
        --image-out seal.svg
    unzip invoice.ofd 'Doc_0/Signs/Sign_0/*' -d invoice
    govpki seal verify invoice/Doc_0/Signs/Sign_0/Signature.xml \\
        --sig invoice/Doc_0/Signs/Sign_0/SignedValue.dat \\
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
    #[arg(long, value_name = "FILE")]
    pub sig: Option<PathBuf>,
    /// Trust anchors (PEM bundle; repeatable) [default: this home's root]
    #[arg(long, value_name = "FILE")]
    pub trust: Vec<PathBuf>,
    /// More intermediate certificates (PEM bundle; repeatable)
    #[arg(long, value_name = "FILE")]
    pub untrusted: Vec<PathBuf>,
    /// A CRL (PEM or DER; repeatable)
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// A seal status list (`seal status-list`; repeatable)
    #[arg(long, value_name = "FILE")]
    pub seal_status: Vec<PathBuf>,
    /// Trust this certificate as a seal authority (the maker of another system's seals; PEM or DER; repeatable)
    #[arg(long, value_name = "FILE")]
    pub seal_authority: Vec<PathBuf>,
    /// Judge at this time (RFC 3339) instead of the claimed signing time
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Revocation not settled by a CRL or status list makes the verdict indeterminate (3)
    #[arg(long)]
    pub require_revocation: bool,
    /// Ask an OCSP responder (http:// URL; without URL, each certificate's AIA OCSP URL) about
    /// every certificate of the signer's and the seal maker's paths the CRLs do not settle
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    pub ocsp: Option<String>,
    /// Write the seal image here (one document only)
    #[arg(long, value_name = "FILE")]
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
        ocsp,
        image_out,
        force,
    } = args;
    let lang = ctx.out.lang();
    if docs.len() > 1 && sig.is_some() {
        bail!(tr(lang, "err-one-sig", &[]));
    }
    if docs.len() > 1 && image_out.is_some() {
        bail!(tr(lang, "err-one-image", &[]));
    }
    if let Some(p) = &image_out {
        common::check_output_free(p, force)?;
    }
    let at = at
        .as_deref()
        .map(|t| when::parse_time(t).context("--at"))
        .transpose()?;
    // `--ocsp` alone: each certificate's AIA URL; `--ocsp URL`: that responder. Answers are
    // judged at the real time, whatever --at says: a response speaks of now.
    let ocsp = ocsp
        .map(|url| {
            let url = Some(url).filter(|u| !u.is_empty());
            if let Some(u) = &url {
                crate::ops::ocsp::http::Url::parse(u).map_err(|e| anyhow!("--ocsp: {e}"))?;
            }
            let asker: std::sync::Arc<dyn crate::pkix::validate::OnlineRevocation + Send> =
                std::sync::Arc::new(crate::ops::ocsp::Asker::new(
                    url,
                    ctx.now,
                    crate::ops::ocsp::DEFAULT_TIMEOUT,
                ));
            anyhow::Ok(asker)
        })
        .transpose()?;
    let verifier = Verifier::new(
        &VerifierInputs {
            home: &ctx.home,
            now: ctx.now,
            trust: &trust,
            untrusted: &untrusted,
            crls: &crl,
            seal_status: &seal_status,
            seal_authority: &seal_authority,
            at,
            require_revocation,
            ocsp,
        },
        &|w: &str| ctx.out.warn(w),
    )?;

    let judge = |doc: &PathBuf| -> Judged {
        match verifier.judge(doc, sig.as_deref()) {
            Ok((report, picture)) => Judged::Report(Box::new(report), picture),
            Err(e) => Judged::Error(e),
        }
    };
    let quiet = ctx.out.is_quiet();
    let mut run = Run::new(Counted::Documents, docs.len());
    judge_all(ctx, &docs, judge, |doc, judged| {
        match judged {
            Judged::Report(report, picture) => {
                let outcome = match report.verdict {
                    Verdict::Valid => Outcome::Success,
                    Verdict::Invalid => Outcome::Negative,
                    Verdict::Indeterminate => Outcome::Indeterminate,
                };
                if let (Some(path), Some(p)) = (&image_out, picture) {
                    let p = crate::ops::seal::show::image_for_output(path, p)?;
                    common::write_output(path, &p.data, false, force)?;
                    ctx.out.info(&tr(
                        lang,
                        "sv-wrote-image",
                        &[
                            ("format", p.format.to_string().into()),
                            ("path", path.display().to_string().into()),
                        ],
                    ));
                }
                run.count(outcome);
                if !ctx.out.is_json() {
                    run.keep(
                        || summary_one(lang, &report),
                        Run::shows(quiet, outcome).then(|| report.render(lang)),
                    );
                } else if Run::shows(quiet, outcome) {
                    ctx.out.json(&report)?;
                }
            }
            Judged::Error(e) => run.failed(&ctx.out, &doc.display().to_string(), e)?,
        }
        Ok(())
    })?;
    run.finish(&ctx.out)
}

/// One document's summary (`VALID: doc.txt: all checks passed`), the summary of a run of one.
fn summary_one(lang: Lang, report: &VerificationReport) -> String {
    tr(
        lang,
        "summary-one",
        &[
            ("verdict", verdict_word(lang, report.verdict).into()),
            (
                "document",
                report.document.clone().unwrap_or_default().into(),
            ),
            ("reason", report.reason_in(lang).into()),
        ],
    )
}
