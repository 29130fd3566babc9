//! `govpki seal sign`: seal documents with a holder key.

use super::*;
use crate::ca::keys::PrivateKey;
use crate::ops::seal::sign::{
    SignerCert, embedded_chain, seal_documents, seal_refusal, signer_refusal,
};

pub(super) const SIGN_LONG: &str = "\
Seal documents: for each DOC, a detached CMS SignedData (RFC 5652) over the document's bytes by the
holder key, with the CAdES-B-B signed attributes contentType, messageDigest, signingTime and
signingCertificateV2, and the whole seal as a signed attribute (OID 1.3.6.1.4.1.32473.1.1, a
documentation placeholder until a PEN is registered). The signer's certificate and chain are
embedded: the chain comes from --chain, else from the --cert file's extra certificates, else from
this home when its CA issued the holder. `openssl cms -verify -binary -inform DER -in DOC.p7s
-content DOC -CAfile ROOT -purpose any` accepts the result.

Output: DOC.p7s beside each document, or in --out-dir. Two documents with the same file name into
one --out-dir is an error; an existing signature file needs --force. Files are written whole or
not at all, and made durable together at the end.

Refusals (exit 1, before the key is unlocked): the seal expired or is not yet valid, the seal is
revoked (known from this home's store when this home's CA made it, or from --seal-status), the
seal does not list the signing certificate, the seal's authority signature does not verify, or the
signing certificate is expired, not yet valid, or revoked in this home's store.

The key is unlocked once (--passphrase-file, else a prompt; an unencrypted key needs neither);
documents are hashed streaming in constant memory (the hash follows the key: SHA-256 for P-256 and
RSA, SHA-384 for P-384, SHA-512 for Ed25519) on every core. All documents get the same signing
time. --format ses (GB/T 38540 SES_Signature) needs an SM2 holder key, which govpki does not issue
yet: not supported. (Seals made by other systems with SM2-with-SM3 are checked: `seal show`.)

With --json: one JSON line per document (document, signature, es_id, signer, signing_time,
digest_algorithm, digest; or document and error), or {\"verdict\": \"refused\", \"reason\": ...}
when the seal is refused.

EXAMPLES:
    govpki seal sign --seal office.esl --key lisi.key --cert lisi.pem --passphrase-file lisi.pass notice.pdf
    govpki seal sign --seal office.esl --key lisi.key --cert lisi.pem --out-dir signed/ docs/*.pdf
    govpki --json seal sign --seal office.esl --key lisi.key --cert lisi.pem --chain chain.pem a.ofd

EXIT CODES:
    0  every document sealed
    1  refused (seal expired, not yet valid, revoked, or not listing the certificate)
    2  an error (missing document, wrong passphrase, existing output, --format ses, ...)";

/// The signature format `seal sign` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignFormat {
    /// CMS SignedData, detached, CAdES-B-B attributes and the seal (DOC.p7s)
    P7s,
    /// GB/T 38540 SES_Signature (needs an SM2 holder key; not supported yet; `seal verify` reads them)
    Ses,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The seal to apply (.esl)
    #[arg(long, value_name = "SEAL.esl")]
    pub seal: PathBuf,
    /// The holder's private key (PKCS#8 PEM, encrypted or not)
    #[arg(long, value_name = "F")]
    pub key: PathBuf,
    /// The holder's certificate (PEM or DER), optionally followed by its chain
    #[arg(long, value_name = "F")]
    pub cert: PathBuf,
    /// File holding the key's passphrase
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
    /// Signature format
    #[arg(long, value_enum, default_value_t = SignFormat::P7s)]
    pub format: SignFormat,
    /// Write the signatures into this directory instead of beside the documents
    #[arg(long, value_name = "D")]
    pub out_dir: Option<PathBuf>,
    /// Replace existing signature files
    #[arg(long)]
    pub force: bool,
    /// The signer's chain to embed (PEM bundle) [default: the --cert file's extra certificates, else this home's chain]
    #[arg(long, value_name = "F")]
    pub chain: Option<PathBuf>,
    /// A seal status list to check the seal against (repeatable)
    #[arg(long, value_name = "F")]
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
    if format == SignFormat::Ses {
        return Err(hinted(
            "--format ses is not supported yet: a GB/T 38540 SES_Signature needs an SM2 holder key, which govpki does not issue",
            "use --format p7s (the default)",
        ));
    }
    // Every output path first: duplicates, existing files, missing documents, before any work.
    let mut outputs = Vec::with_capacity(docs.len());
    let mut seen: HashMap<PathBuf, &Path> = HashMap::new();
    for doc in &docs {
        let meta = std::fs::metadata(doc)
            .with_context(|| format!("reading document `{}`", doc.display()))?;
        if !meta.is_file() {
            bail!("reading document `{}`: not a regular file", doc.display());
        }
        let sig = signature_path(doc, out_dir.as_deref(), "p7s")?;
        if let Some(first) = seen.insert(sig.clone(), doc) {
            if out_dir.is_some() {
                bail!(
                    "documents `{}` and `{}` have the same file name: both would be sealed into `{}`",
                    first.display(),
                    doc.display(),
                    sig.display()
                );
            }
            bail!("document `{}` is given twice", doc.display());
        }
        common::check_output_free(&sig, force)?;
        outputs.push(sig);
    }
    let seal = read_seal(&seal)?;
    let signer = SignerCert::read(&cert)?;
    let mut open = open_home(&ctx.home)?;
    // Refusals, before the key is unlocked.
    if let Some(why) = signer_refusal(&signer, open.as_ref(), ctx.now) {
        return refused(ctx, &why);
    }
    let warn = |w: &str| ctx.out.warn(w);
    let sources = SealStatusSources::load(ctx.now, &warn, &seal_status, open.as_ref())?;
    let revoked = sources.for_seal(&seal, ctx.now, ctx.now);
    if let Some(why) = seal_refusal(&seal, &signer, &cert, &revoked, ctx.now) {
        return refused(ctx, &why);
    }
    if let crate::seal::SealStatus::Unknown = revoked.status(&seal.info().es_id) {
        ctx.out.debug(
            "the seal's revocation status is unknown here (not this home's seal, no --seal-status)",
        );
    }
    let chain = chain.as_deref().map(common::read_certs).transpose()?;
    let (embedded_chain, warning) = embedded_chain(&signer, chain, open.as_ref(), &ctx.home);
    if let Some(w) = warning {
        ctx.out.warn(&w);
    }
    let subject = &signer.subject;

    // Unlocked before the policy is asked: in a governed home the signing key is also the
    // operator's proof of presence.
    let key_pair = common::load_key(&key, passphrase_file.as_deref())?;
    if key_pair.spki_der() != common::spki_of(&signer.der)? {
        bail!(
            "the key `{}` does not belong to the certificate `{}` ({subject})",
            key.display(),
            cert.display()
        );
    }
    if let Some(governed) = open.as_mut().filter(|o| o.meta.policy.is_some()) {
        authorize_apply(
            ctx,
            governed,
            &seal,
            &signer.der,
            &cert,
            &key_pair,
            docs.len(),
        )?;
    }
    let key_signer = KeySigner::new(&key_pair);
    let doc_signer =
        DocumentSigner::new(&key_signer, &signer.der, &embedded_chain, &[], Some(&seal)).map_err(
            |e| match e {
                SealError::KeyMismatch { .. } => anyhow!(
                    "the key `{}` does not belong to the certificate `{}` ({subject})",
                    key.display(),
                    cert.display()
                ),
                other => anyhow::Error::new(other).context("preparing to sign"),
            },
        )?;
    if let Some(d) = &out_dir {
        common::create_out_dir(d)?;
    }
    let digest = doc_signer.digest_algorithm();
    let now = ctx.now;
    let bar = progress(ctx, docs.len(), "sealing");
    let jobs: Vec<(&PathBuf, &PathBuf)> = docs.iter().zip(outputs.iter()).collect();
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let results = seal_documents(&doc_signer, &jobs, now, force, &tick);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let results = results?;
    let info = seal.info();
    let mut failed = 0usize;
    let total = results.len();
    let mut last_error = None;
    for ((doc, out), r) in docs.iter().zip(&outputs).zip(results) {
        match r {
            Ok(hex_digest) => {
                if ctx.out.is_json() {
                    ctx.out.json(&json!({
                        "document": doc.display().to_string(),
                        "signature": out.display().to_string(),
                        "es_id": info.es_id,
                        "seal": info.name,
                        "signer": subject,
                        "signing_time": rfc3339(now),
                        "digest_algorithm": digest.name(),
                        "digest": hex_digest,
                    }))?;
                } else {
                    ctx.out.info(&format!(
                        "sealed `{}` -> `{}`",
                        doc.display(),
                        out.display()
                    ));
                }
            }
            Err(e) => {
                failed += 1;
                if ctx.out.is_json() {
                    ctx.out.json(&json!({
                        "document": doc.display().to_string(),
                        "error": format!("{e:#}"),
                    }))?;
                }
                if total > 1 {
                    crate::cli::output::print_error(&e);
                }
                last_error = Some(e);
            }
        }
    }
    match (failed, last_error) {
        (0, _) => {
            if !ctx.out.is_json() && total > 1 {
                ctx.out.info(&format!(
                    "sealed {total} documents with seal `{}` ({}) at {}",
                    info.es_id,
                    info.name,
                    rfc3339(now)
                ));
            }
            Ok(Outcome::Success)
        }
        (1, Some(e)) if total == 1 => Err(e),
        (n, _) => bail!("{n} of {total} documents could not be sealed"),
    }
}

/// Governed homes: applying a seal is `seal.apply` on the seal's department and type, with the
/// operator's domain and the time; the allow is audited. The operator applying the seal is the
/// signer: the key that signs proves who it is, and `--as`, if given, must name the same
/// certificate.
fn authorize_apply(
    ctx: &Context,
    governed: &mut OpenCa,
    seal: &Seal,
    signer_der: &[u8],
    cert: &Path,
    key_pair: &PrivateKey,
    documents: usize,
) -> Result<()> {
    if let Some(as_cert) = &ctx.operator
        && common::read_cert(as_cert)? != signer_der
    {
        bail!(
            "--as `{}` is not the signing certificate `{}`: the operator of `seal sign` is the signer",
            as_cert.display(),
            cert.display()
        );
    }
    let mut signer_ctx = ctx.clone();
    signer_ctx.operator = Some(cert.to_path_buf());
    let info = seal.info();
    let resource = format!(
        "dept/{}/seal/{}",
        govern::segment(info.department.as_deref()),
        info.seal_type.name()
    );
    let actor = govern::authorize_with_key(
        &signer_ctx,
        governed,
        &[govern::Ask::new("seal.apply", resource.clone())],
        Some(key_pair),
    )?;
    governed.store.audit(vec![Event {
        time: rfc3339(ctx.now),
        actor,
        action: "seal.apply".into(),
        object: format!("{} {resource} {documents} document(s)", info.es_id),
        outcome: "ok".into(),
    }])?;
    Ok(())
}
