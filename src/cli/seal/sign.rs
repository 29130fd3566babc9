//! `govpki seal sign`: seal documents with a holder key.

use super::*;
use crate::ops;
use crate::ops::Passphrase;
use crate::ops::seal::sign::{Sealed, SignActing, SignRequest, SignatureFormat, Signed};

pub(super) const SIGN_LONG: &str = "\
Seal documents with a holder key, in one of two formats (--format; by default the one the
holder's key implies):

  p7s  (P-256, P-384, Ed25519 and RSA keys) a detached CMS SignedData (RFC 5652) over the
       document's bytes, with the CAdES-B-B signed attributes contentType, messageDigest,
       signingTime and signingCertificateV2, and the whole seal as a signed attribute (OID
       1.3.6.1.4.1.32473.1.1, a documentation placeholder until a PEN is registered). The signer's
       certificate and chain are embedded: the chain comes from --chain, else from the --cert
       file's extra certificates, else from this home when its CA issued the holder. `openssl
       cms -verify -binary -inform DER -in DOC.p7s -content DOC -CAfile ROOT -purpose any`
       accepts the result. Output: DOC.p7s.
  ses  (SM2 keys) a GB/T 38540 version 4 SES_Signature, as other Chinese seal systems write
       them: TBS_Sign {version 4, the seal, timeInfo, dataHash = the document's SM3,
       propertyInfo = its file name, percent-encoded outside printable ASCII}, the signer's
       certificate, and an SM2-with-SM3 signature over TBS_Sign (user ID 1234567812345678, DER
       r,s). The seal must be a version 4 (GB/T 38540) seal. Output: DOC.ses.

An SM2 key cannot make a .p7s, nor another key an SES_Signature (exit 2, before the key is
unlocked).

Output files go beside each document, or in --out-dir. Two documents with the same file name into
one --out-dir is an error; an existing signature file needs --force. Files are written whole or
not at all, and made durable together at the end.

Refusals (exit 1, before the key is unlocked): the seal expired or is not yet valid, the seal is
revoked (known from this home's store when this home's CA made it, or from --seal-status), the
seal does not list the signing certificate, the seal's authority signature does not verify, or the
signing certificate is expired, not yet valid, or revoked in this home's store.

The key is unlocked once (--passphrase-file, else a prompt; an unencrypted key needs neither);
documents are hashed streaming in constant memory (p7s: the hash follows the key, SHA-256 for
P-256 and RSA, SHA-384 for P-384, SHA-512 for Ed25519; ses: SM3) on every core. All documents get
the same signing time. `seal verify` judges both formats (it finds DOC.p7s, else DOC.ses).

With --json: one JSON line per document (document, signature, es_id, signer, signing_time,
digest_algorithm, digest; or document and error), or {\"verdict\": \"refused\", \"reason\": ...}
when the seal is refused.

EXAMPLES:
    govpki seal sign --seal office.esl --key lisi.key --cert lisi.pem \\
        --passphrase-file lisi.pass notice.pdf
    govpki seal sign --seal office.esl --key lisi.key --cert lisi.pem \\
        --out-dir signed/ docs/*.pdf
    govpki seal sign --seal sm2-office.esl --key wangwu-sm2.key \\
        --cert wangwu-sm2.pem notice.ofd
    govpki --json seal sign --seal office.esl --key lisi.key \\
        --cert lisi.pem --chain chain.pem a.ofd

EXIT CODES:
    0  every document sealed
    1  refused (seal expired, not yet valid, revoked, or not listing the certificate)
    2  an error (missing document, wrong passphrase, existing output, a format the key cannot make)";

/// The signature format `seal sign` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignFormat {
    /// CMS SignedData, detached, CAdES-B-B attributes and the seal (DOC.p7s)
    P7s,
    /// GB/T 38540 version 4 SES_Signature, SM2-with-SM3 over the document's SM3 (DOC.ses; an SM2 holder key)
    Ses,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The seal to apply (.esl)
    #[arg(long, value_name = "SEAL.esl")]
    pub seal: PathBuf,
    /// The holder's private key (PKCS#8 PEM, encrypted or not)
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The holder's certificate (PEM or DER), optionally followed by its chain
    #[arg(long, value_name = "FILE")]
    pub cert: PathBuf,
    /// File holding the key's passphrase
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Signature format [default: ses for an SM2 holder key, else p7s]
    #[arg(long, value_enum)]
    pub format: Option<SignFormat>,
    /// Write the signatures into this directory instead of beside the documents
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Replace existing signature files
    #[arg(long)]
    pub force: bool,
    /// The signer's chain to embed (PEM bundle) [default: the --cert file's extra certificates, else this home's chain]
    #[arg(long, value_name = "FILE")]
    pub chain: Option<PathBuf>,
    /// A seal status list to check the seal against (repeatable)
    #[arg(long, value_name = "FILE")]
    pub seal_status: Vec<PathBuf>,
    /// The documents to seal
    #[arg(value_name = "DOC", required = true)]
    pub docs: Vec<PathBuf>,
}

pub(super) fn sign(args: SignArgs, ctx: &Context) -> Result<Outcome> {
    let SignArgs {
        seal,
        key,
        cert,
        passphrase_file,
        format,
        out_dir,
        force,
        chain,
        seal_status,
        docs,
    } = args;
    let request = SignRequest {
        seal,
        key,
        cert,
        docs,
        out_dir,
        force,
        chain,
        seal_status,
        format: format.map(|f| match f {
            SignFormat::P7s => SignatureFormat::P7s,
            SignFormat::Ses => SignatureFormat::Ses,
        }),
    };
    let bar = progress(ctx, request.docs.len(), "sealing");
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let warn = |w: &str| ctx.out.warn(w);
    let debug = |d: &str| ctx.out.debug(d);
    let signed = ops::seal::sign::sign(
        &request,
        &SignActing {
            home: &ctx.home,
            governance: &ctx.governance(),
            passphrase: &Passphrase::file_or_ask(passphrase_file.as_deref(), "--passphrase-file"),
            warn: &warn,
            debug: &debug,
            done: &tick,
        },
    );
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    match signed? {
        Signed::Refused(refusal) => refused(ctx, &refusal),
        Signed::Sealed(sealed) => report_sealed(ctx, sealed),
    }
}

/// Prints each document's result, then the summary; the outcome, or the error when a document
/// could not be sealed.
fn report_sealed(ctx: &Context, sealed: Sealed) -> Result<Outcome> {
    ctx.out.allowed(&sealed.allowed);
    let total = sealed.documents.len();
    let mut failed = 0usize;
    let mut last_error = None;
    for r in sealed.documents {
        match r {
            Ok(done) => {
                if ctx.out.is_json() {
                    ctx.out.json(&done)?;
                } else {
                    ctx.out.info(&format!(
                        "sealed `{}` -> `{}`",
                        done.document.display(),
                        done.signature.display()
                    ));
                }
            }
            Err(failure) => {
                failed += 1;
                if ctx.out.is_json() {
                    ctx.out.json(&failure)?;
                }
                if total > 1 {
                    crate::cli::output::print_error(&failure.error);
                }
                last_error = Some(failure.error);
            }
        }
    }
    match (failed, last_error) {
        (0, _) => {
            if !ctx.out.is_json() && total > 1 {
                ctx.out.info(&format!(
                    "sealed {total} documents with seal `{}` ({}) at {}",
                    sealed.es_id,
                    sealed.seal,
                    rfc3339(sealed.signing_time)
                ));
            }
            Ok(Outcome::Success)
        }
        (1, Some(e)) if total == 1 => Err(e),
        (n, _) => bail!("{n} of {total} documents could not be sealed"),
    }
}
