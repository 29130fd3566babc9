//! `seal sign`'s rules: who may seal now (the signer certificate's validity, its status in this
//! home's store, the seal's own refusals), which chain is embedded, and sealing a batch of
//! documents on rayon's pool. Prints nothing; the refusals are returned, not printed.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde::Serialize;
use time::OffsetDateTime;

use super::sources::SealStatusSources;
use super::{KeySigner, OpenCa, Refusal, store_row};
use crate::audit::Event;
use crate::ca::input;
use crate::ca::keys::PrivateKey;
use crate::ca::when::rfc3339;
use crate::ops::govern::{self, Allowed, Ask, Governance};
use crate::ops::secrets::{self, Passphrase};
use crate::ops::{common, hinted};
use crate::seal::cms::DocumentHash;
use crate::seal::{
    DigestAlgorithm, DocumentSigner, RevokedSeals, Seal, SealError, SealStatus, SesSigner,
    SignRefusal, check_before_signing, hash_document_with,
};
use crate::store::files;

/// The signer's certificate, read and parsed once.
pub struct SignerCert {
    pub der: Vec<u8>,
    /// The certificates after it in its file (its chain, if given there).
    pub bundle: Vec<Vec<u8>>,
    pub subject: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// The issuer name, DER.
    issuer: Vec<u8>,
}

impl SignerCert {
    /// Reads the certificate file `path`: the signer's certificate, then its chain.
    pub fn read(path: &Path) -> Result<SignerCert> {
        let (der, bundle) = super::read_cert_bundle(path)?;
        SignerCert::from_der(der, bundle)
            .with_context(|| format!("reading certificate `{}`", path.display()))
    }

    /// The signer's certificate `der`, with the certificates that came after it.
    pub fn from_der(der: Vec<u8>, bundle: Vec<Vec<u8>>) -> Result<SignerCert> {
        let parsed = input::parse_cert(&der)?;
        let validity = parsed.validity();
        let (not_before, not_after) = (
            validity.not_before.to_datetime(),
            validity.not_after.to_datetime(),
        );
        let subject = crate::ca::dn::display_name(parsed.subject());
        let issuer = parsed.issuer().as_raw().to_vec();
        drop(parsed);
        Ok(SignerCert {
            der,
            bundle,
            subject,
            not_before,
            not_after,
            issuer,
        })
    }
}

/// Why the signer may not seal at `now`, if it may not: its certificate expired or not yet
/// valid, or revoked or on hold in this home's store. Checked before the key is unlocked.
pub fn signer_refusal(
    signer: &SignerCert,
    open: Option<&OpenCa>,
    now: OffsetDateTime,
) -> Option<String> {
    let subject = &signer.subject;
    if now > signer.not_after {
        return Some(format!(
            "the signing certificate `{subject}` expired at {}",
            rfc3339(signer.not_after)
        ));
    }
    if now < signer.not_before {
        return Some(format!(
            "the signing certificate `{subject}` is not valid before {}",
            rfc3339(signer.not_before)
        ));
    }
    let row = open.and_then(|o| store_row(o, &signer.der, now))?;
    if !row.status.is_revoked() {
        return None;
    }
    Some(format!(
        "the signing certificate `{subject}` is {} in this home's store{}{}",
        row.status,
        row.revoked_at
            .map(|t| format!(" since {t}"))
            .unwrap_or_default(),
        row.reason.map(|r| format!(" ({r})")).unwrap_or_default()
    ))
}

/// Why `seal` may not be applied by `signer` at `now` ([`check_before_signing`]), if it may
/// not; `cert_path` names the certificate file in the reason.
pub fn seal_refusal(
    seal: &Seal,
    signer: &SignerCert,
    cert_path: &Path,
    revoked: &RevokedSeals,
    now: OffsetDateTime,
) -> Option<String> {
    let refusal = check_before_signing(seal, &signer.der, now, revoked).err()?;
    Some(match &refusal {
        SignRefusal::CertificateNotListed { .. } => format!(
            "{refusal} (`{}` is not a holder of this seal)",
            cert_path.display()
        ),
        _ => refusal.to_string(),
    })
}

/// The chain embedded in the signatures: `--chain`, else the certificates after the signer's
/// in its file, else this home's chain when this home's CA issued the signer. With none, the
/// warning to give.
pub fn embedded_chain(
    signer: &SignerCert,
    chain: Option<Vec<Vec<u8>>>,
    open: Option<&OpenCa>,
    home: &Path,
) -> (Vec<Vec<u8>>, Option<String>) {
    if let Some(c) = chain {
        return (c, None);
    }
    if !signer.bundle.is_empty() {
        return (signer.bundle.clone(), None);
    }
    match open {
        Some(o)
            if o.chain().iter().any(|c| {
                input::parse_cert(c).is_ok_and(|p| p.subject().as_raw() == signer.issuer)
            }) =>
        {
            (o.chain(), None)
        }
        Some(_) => (
            Vec::new(),
            Some("the signer's chain is not embedded (this home's CA did not issue the certificate); pass --chain F".to_string()),
        ),
        None => (
            Vec::new(),
            Some(format!(
                "the signer's chain is not embedded (no CA home at `{}` to take it from); pass --chain F",
                home.display()
            )),
        ),
    }
}

/// What writes each document's signature: a CMS `.p7s` or a GB/T 38540 `SES_Signature`.
pub enum SignatureWriter<'a> {
    Cms(DocumentSigner<'a>),
    Ses(SesSigner<'a>),
}

impl SignatureWriter<'_> {
    /// The digest algorithm documents are hashed with: the key's for CMS, SM3 for SES.
    pub fn digest_algorithm(&self) -> DigestAlgorithm {
        match self {
            SignatureWriter::Cms(s) => s.digest_algorithm(),
            SignatureWriter::Ses(_) => DigestAlgorithm::Sm3,
        }
    }

    /// The signature of the document `doc` whose hash is `hash`, at `now`.
    fn sign(
        &self,
        doc: &Path,
        hash: &DocumentHash,
        now: OffsetDateTime,
    ) -> Result<Vec<u8>, SealError> {
        match self {
            SignatureWriter::Cms(s) => s.sign(&hash.value, now),
            SignatureWriter::Ses(s) => s.sign(hash, now, &property_info(doc)),
        }
    }
}

/// The `propertyInfo` of a document's `SES_Signature`: its file name, percent-encoded where a
/// byte is not printable ASCII (an IA5String; a Chinese file name stays readable by decoding),
/// cut to the builder's limit. In an OFD package it would be the signed `Signature.xml`'s path.
pub fn property_info(doc: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let name = doc.file_name().map(|n| n.as_bytes()).unwrap_or(b"document");
    let mut out = String::with_capacity(name.len());
    for &b in name {
        let encoded = if b.is_ascii_graphic() && b != b'%' || b == b' ' {
            (b as char).to_string()
        } else {
            format!("%{b:02X}")
        };
        if out.len() + encoded.len() > crate::seal::ses::build::PROPERTY_INFO_MAX {
            break;
        }
        out.push_str(&encoded);
    }
    if out.is_empty() {
        out.push_str("document");
    }
    out
}

/// Seals each document into its signature file, on rayon's pool, signing time `now`; then one
/// file-system sync per device makes every signature written durable. The document's digest
/// (hex) or the error, in the documents' order; `done` is called after each document.
pub fn seal_documents(
    signer: &SignatureWriter<'_>,
    jobs: &[(&PathBuf, &PathBuf)],
    now: OffsetDateTime,
    force: bool,
    done: &(dyn Fn() + Sync),
) -> Result<Vec<Result<String>>> {
    use rayon::prelude::*;
    let digest: DigestAlgorithm = signer.digest_algorithm();
    let results: Vec<Result<String>> = jobs
        .par_iter()
        .map(|(doc, out)| -> Result<String> {
            let file = files::open_regular(doc)
                .with_context(|| format!("reading document `{}`", doc.display()))?;
            let hash = hash_document_with(digest, file)
                .with_context(|| format!("reading document `{}`", doc.display()))?;
            let der = signer
                .sign(doc, &hash, now)
                .with_context(|| format!("sealing `{}`", doc.display()))?;
            crate::ops::common::write_output_deferred(out, &der, false, force)?;
            done();
            Ok(hash.hex())
        })
        .collect();
    let mut synced = HashSet::new();
    for ((_, out), r) in jobs.iter().zip(&results) {
        if r.is_err() {
            continue;
        }
        let dir = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dev = std::os::unix::fs::MetadataExt::dev(
            &std::fs::metadata(&dir).with_context(|| format!("reading `{}`", dir.display()))?,
        );
        if synced.insert(dev) {
            files::sync_filesystem(&dir).with_context(|| format!("syncing `{}`", dir.display()))?;
        }
    }
    Ok(results)
}

// ---------------------------------------------------------------------------------------------
// The use case

/// The signature format written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureFormat {
    /// A detached CMS SignedData with CAdES-B-B attributes and the seal (`DOC.p7s`).
    P7s,
    /// A GB/T 38540 version 4 `SES_Signature` (`DOC.ses`), for an SM2 holder key.
    Ses,
}

impl SignatureFormat {
    /// The signature file's extension.
    pub fn extension(self) -> &'static str {
        match self {
            SignatureFormat::P7s => "p7s",
            SignatureFormat::Ses => "ses",
        }
    }

    /// The format a holder certificate signs in when none is asked: SES for an SM2 key.
    fn for_signer(signer: &SignerCert) -> Result<Self> {
        Ok(
            if crate::ca::keys::is_sm2_spki(&common::spki_of(&signer.der)?) {
                SignatureFormat::Ses
            } else {
                SignatureFormat::P7s
            },
        )
    }
}

/// What to seal, with which seal, key and certificate.
#[derive(Debug, Clone)]
pub struct SignRequest {
    /// The seal to apply (.esl).
    pub seal: PathBuf,
    /// The holder's private key.
    pub key: PathBuf,
    /// The holder's certificate, optionally followed by its chain.
    pub cert: PathBuf,
    /// The documents to seal.
    pub docs: Vec<PathBuf>,
    /// Write the signatures here instead of beside the documents.
    pub out_dir: Option<PathBuf>,
    /// Replace existing signature files.
    pub force: bool,
    /// The signer's chain to embed (PEM bundle).
    pub chain: Option<PathBuf>,
    /// Seal status lists to check the seal against.
    pub seal_status: Vec<PathBuf>,
    /// The format; `None`: SES for an SM2 holder certificate, else CMS.
    pub format: Option<SignatureFormat>,
}

/// Who signs, when, and where the operation's notes go.
pub struct SignActing<'a> {
    /// The home whose store and chain are consulted (it need not hold a CA).
    pub home: &'a Path,
    /// The policy inputs, in a governed home; `now` is the signing time, `prompt` asks for the
    /// key's passphrase. The operator is the signer: `operator_cert`, if named, must be the
    /// signer's certificate.
    pub governance: &'a Governance<'a>,
    /// The holder key's passphrase.
    pub passphrase: &'a Passphrase,
    /// Receives warnings (a chain not embedded, a stale status list).
    pub warn: &'a dyn Fn(&str),
    /// Receives details worth showing at `-v`.
    pub debug: &'a dyn Fn(&str),
    /// Called after each document is sealed (a progress bar).
    pub done: &'a (dyn Fn() + Sync),
}

/// What `seal sign` concluded.
#[derive(Debug)]
pub enum Signed {
    /// Refused before the key was unlocked (exit 1).
    Refused(Refusal),
    /// The seal was applied; each document's result, in the request's order.
    Sealed(Sealed),
}

/// The documents sealed (or not) with one seal at one signing time.
#[derive(Debug)]
pub struct Sealed {
    pub es_id: String,
    /// The seal's name.
    pub seal: String,
    pub signing_time: OffsetDateTime,
    pub documents: Vec<std::result::Result<SignedDocument, FailedDocument>>,
    /// What the home's policy allowed (empty when not governed).
    pub allowed: Vec<Allowed>,
}

/// One sealed document. Serialises as `seal sign --json` prints it (keys in this order).
#[derive(Debug, Clone, Serialize)]
pub struct SignedDocument {
    /// The document's digest, hex.
    pub digest: String,
    pub digest_algorithm: &'static str,
    #[serde(serialize_with = "super::ser::display_path")]
    pub document: PathBuf,
    pub es_id: String,
    /// The seal's name.
    pub seal: String,
    #[serde(serialize_with = "super::ser::display_path")]
    pub signature: PathBuf,
    /// The signer's subject.
    pub signer: String,
    #[serde(serialize_with = "super::ser::rfc3339_time")]
    pub signing_time: OffsetDateTime,
}

/// A document that could not be sealed. Serialises as `seal sign --json` prints it.
#[derive(Debug, Serialize)]
pub struct FailedDocument {
    #[serde(serialize_with = "super::ser::display_path")]
    pub document: PathBuf,
    #[serde(serialize_with = "error_line")]
    pub error: anyhow::Error,
}

fn error_line<S: serde::Serializer>(
    e: &anyhow::Error,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{e:#}"))
}

/// Seals each document of `req` with the seal, at `governance.now`: every output path is
/// checked first, then the refusals (before the key is unlocked), then the key, the policy
/// (governed homes), and the documents on rayon's pool.
pub fn sign(req: &SignRequest, acting: &SignActing<'_>) -> crate::ops::Result<Signed> {
    let now = acting.governance.now;
    let signer = SignerCert::read(&req.cert)?;
    let format = signature_format(req, &signer)?;
    let outputs = signature_outputs(req, format)?;
    let seal = super::read_seal(&req.seal)?;
    let mut open = super::open_home(acting.home)?;
    if let Some(why) = signer_refusal(&signer, open.as_ref(), now) {
        return Ok(Signed::Refused(Refusal::new(why)));
    }
    let sources = SealStatusSources::load(now, acting.warn, &req.seal_status, open.as_ref())?;
    let revoked = sources.for_seal(&seal, now, now);
    if let Some(why) = seal_refusal(&seal, &signer, &req.cert, &revoked, now) {
        return Ok(Signed::Refused(Refusal::new(why)));
    }
    if let SealStatus::Unknown = revoked.status(&seal.info().es_id) {
        (acting.debug)(
            "the seal's revocation status is unknown here (not this home's seal, no --seal-status)",
        );
    }
    let chain = req.chain.as_deref().map(common::read_certs).transpose()?;
    let chain = match format {
        SignatureFormat::P7s => {
            let (chain, warning) = embedded_chain(&signer, chain, open.as_ref(), acting.home);
            if let Some(w) = warning {
                (acting.warn)(&w);
            }
            chain
        }
        SignatureFormat::Ses => {
            if chain.is_some() {
                (acting.warn)(
                    "--chain is not embedded: an SES_Signature carries the signer's certificate only",
                );
            }
            Vec::new()
        }
    };

    // Unlocked before the policy is asked: in a governed home the signing key is also the
    // operator's proof of presence.
    let key = signer_key(req, &signer, acting)?;
    let allowed = match open.as_mut().filter(|o| o.meta.policy.is_some()) {
        Some(governed) => authorize_apply(governed, &seal, &signer, req, &key, acting.governance)?,
        None => Vec::new(),
    };
    let key_signer = KeySigner::new(&key);
    let doc_signer = match format {
        SignatureFormat::P7s => {
            DocumentSigner::new(&key_signer, &signer.der, &chain, &[], Some(&seal))
                .map(SignatureWriter::Cms)
        }
        SignatureFormat::Ses => {
            SesSigner::new(&seal, &signer.der, &key_signer).map(SignatureWriter::Ses)
        }
    }
    .map_err(|e| match e {
        SealError::KeyMismatch { .. } => key_mismatch(req, &signer),
        other => anyhow::Error::new(other).context("preparing to sign"),
    })?;
    if let Some(d) = &req.out_dir {
        common::create_out_dir(d)?;
    }
    let jobs: Vec<(&PathBuf, &PathBuf)> = req.docs.iter().zip(outputs.iter()).collect();
    let results = seal_documents(&doc_signer, &jobs, now, req.force, acting.done)?;
    Ok(Signed::Sealed(sealed(
        &seal,
        &signer,
        doc_signer.digest_algorithm(),
        now,
        jobs,
        results,
        allowed,
    )))
}

/// The format asked, or the one the signer's key implies; refused before any work when the key
/// cannot sign it (a CMS signature with an SM2 key, an SES_Signature without one).
fn signature_format(req: &SignRequest, signer: &SignerCert) -> Result<SignatureFormat> {
    let implied = SignatureFormat::for_signer(signer)?;
    match (req.format, implied) {
        (None, f) => Ok(f),
        (Some(asked), f) if asked == f => Ok(f),
        (Some(SignatureFormat::P7s), _) => Err(hinted(
            format!(
                "`{}` certifies an SM2 key: a CMS (.p7s) signature with an SM2 key is not offered (no reader, ours included, would accept SM3 in CAdES)",
                req.cert.display()
            ),
            "an SM2 holder signs GB/T 38540 SES_Signatures: use --format ses (the default for an SM2 key)",
        )),
        (Some(SignatureFormat::Ses), _) => Err(hinted(
            format!(
                "`{}` does not certify an SM2 key: a GB/T 38540 SES_Signature is signed SM2-with-SM3",
                req.cert.display()
            ),
            "use --format p7s (the default for this key), or an SM2 holder certificate and key",
        )),
    }
}

/// The signature file of each document, checked before any work: documents that exist and
/// are regular files, no two into one file, no existing file without `force`.
fn signature_outputs(req: &SignRequest, format: SignatureFormat) -> Result<Vec<PathBuf>> {
    let mut outputs = Vec::with_capacity(req.docs.len());
    let mut seen: HashMap<PathBuf, &Path> = HashMap::new();
    for doc in &req.docs {
        let meta = std::fs::metadata(doc)
            .with_context(|| format!("reading document `{}`", doc.display()))?;
        if !meta.is_file() {
            bail!("reading document `{}`: not a regular file", doc.display());
        }
        let sig = super::signature_path(doc, req.out_dir.as_deref(), format.extension())?;
        if let Some(first) = seen.insert(sig.clone(), doc) {
            if req.out_dir.is_some() {
                bail!(
                    "documents `{}` and `{}` have the same file name: both would be sealed into `{}`",
                    first.display(),
                    doc.display(),
                    sig.display()
                );
            }
            bail!("document `{}` is given twice", doc.display());
        }
        common::check_output_free(&sig, req.force)?;
        outputs.push(sig);
    }
    Ok(outputs)
}

fn key_mismatch(req: &SignRequest, signer: &SignerCert) -> anyhow::Error {
    anyhow::anyhow!(
        "the key `{}` does not belong to the certificate `{}` ({})",
        req.key.display(),
        req.cert.display(),
        signer.subject
    )
}

/// The holder's key, which must belong to the signer's certificate.
fn signer_key(
    req: &SignRequest,
    signer: &SignerCert,
    acting: &SignActing<'_>,
) -> Result<PrivateKey> {
    let key = secrets::load_key(&req.key, acting.passphrase, acting.governance.prompt)?;
    if key.spki_der() != common::spki_of(&signer.der)? {
        return Err(key_mismatch(req, signer));
    }
    Ok(key)
}

/// Governed homes: applying a seal is `seal.apply` on the seal's department and type, with the
/// operator's domain and the time; the allow is audited. The operator applying the seal is the
/// signer: the key that signs proves who it is, and `--as`, if given, must name the same
/// certificate.
fn authorize_apply(
    governed: &mut OpenCa,
    seal: &Seal,
    signer: &SignerCert,
    req: &SignRequest,
    key: &PrivateKey,
    gov: &Governance<'_>,
) -> Result<Vec<Allowed>> {
    if let Some(as_cert) = &gov.operator_cert
        && common::read_cert(as_cert)? != signer.der
    {
        bail!(
            "--as `{}` is not the signing certificate `{}`: the operator of `seal sign` is the signer",
            as_cert.display(),
            req.cert.display()
        );
    }
    let as_signer = Governance {
        now: gov.now,
        domain: gov.domain.clone(),
        operator_cert: Some(req.cert.clone()),
        operator_key: gov.operator_key.clone(),
        operator_passphrase: gov.operator_passphrase.clone(),
        prompt: gov.prompt,
        rng: gov.rng.clone(),
        local_actor: gov.local_actor.clone(),
    };
    let info = seal.info();
    let resource = format!(
        "dept/{}/seal/{}",
        govern::segment(info.department.as_deref()),
        info.seal_type.name()
    );
    let ask = Ask::new("seal.apply", resource.clone());
    let authorized = govern::authorize(&as_signer, governed, &[ask], Some(key))?;
    governed.store.audit(vec![Event {
        time: rfc3339(gov.now),
        actor: authorized.actor,
        action: "seal.apply".into(),
        object: format!("{} {resource} {} document(s)", info.es_id, req.docs.len()),
        outcome: "ok".into(),
    }])?;
    Ok(authorized.allowed)
}

/// The typed result of sealing `jobs` (document, signature file) with `results` in their order.
fn sealed(
    seal: &Seal,
    signer: &SignerCert,
    digest: DigestAlgorithm,
    now: OffsetDateTime,
    jobs: Vec<(&PathBuf, &PathBuf)>,
    results: Vec<Result<String>>,
    allowed: Vec<Allowed>,
) -> Sealed {
    let info = seal.info();
    let documents = jobs
        .into_iter()
        .zip(results)
        .map(|((doc, out), r)| match r {
            Ok(hex) => Ok(SignedDocument {
                digest: hex,
                digest_algorithm: digest.name(),
                document: doc.clone(),
                es_id: info.es_id.clone(),
                seal: info.name.clone(),
                signature: out.clone(),
                signer: signer.subject.clone(),
                signing_time: now,
            }),
            Err(error) => Err(FailedDocument {
                document: doc.clone(),
                error,
            }),
        })
        .collect();
    Sealed {
        es_id: info.es_id.clone(),
        seal: info.name.clone(),
        signing_time: now,
        documents,
        allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::testutil::{NOW, Pki};

    #[test]
    fn the_signer_is_refused_outside_its_validity_and_the_seal_outside_its_holders() {
        let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
        let holder = SignerCert::from_der(pki.holder.cert.clone(), Vec::new()).unwrap();
        assert_eq!(signer_refusal(&holder, None, NOW), None);
        let late = holder.not_after + time::Duration::seconds(1);
        let why = signer_refusal(&holder, None, late).unwrap();
        assert!(why.contains("expired at"), "{why}");
        let early = holder.not_before - time::Duration::seconds(1);
        let why = signer_refusal(&holder, None, early).unwrap();
        assert!(why.contains("is not valid before"), "{why}");

        let seal = pki.seal();
        let known = RevokedSeals::complete([]);
        let path = Path::new("holder.pem");
        assert_eq!(seal_refusal(&seal, &holder, path, &known, NOW), None);
        let stranger = pki.issue("Stranger", &rcgen::PKCS_ECDSA_P256_SHA256, true);
        let stranger = SignerCert::from_der(stranger.cert, Vec::new()).unwrap();
        let why = seal_refusal(&seal, &stranger, path, &known, NOW).unwrap();
        assert!(
            why.contains("`holder.pem` is not a holder of this seal"),
            "{why}"
        );
    }

    #[test]
    fn the_json_of_a_sealed_document_and_a_refusal_is_the_one_the_cli_printed() {
        let done = SignedDocument {
            digest: "00ff".into(),
            digest_algorithm: "sha256",
            document: PathBuf::from("a.pdf"),
            es_id: "ab12".into(),
            seal: "连云港市人民政府".into(),
            signature: PathBuf::from("a.pdf.p7s"),
            signer: "CN=李四".into(),
            signing_time: NOW,
        };
        let before = serde_json::json!({
            "document": "a.pdf",
            "signature": "a.pdf.p7s",
            "es_id": "ab12",
            "seal": "连云港市人民政府",
            "signer": "CN=李四",
            "signing_time": rfc3339(NOW),
            "digest_algorithm": "sha256",
            "digest": "00ff",
        });
        assert_eq!(json(&done), serde_json::to_string(&before).unwrap());
        let failed = FailedDocument {
            document: PathBuf::from("b.pdf"),
            error: anyhow::anyhow!("cause").context("reading document `b.pdf`"),
        };
        let before = serde_json::json!({
            "document": "b.pdf",
            "error": "reading document `b.pdf`: cause",
        });
        assert_eq!(json(&failed), serde_json::to_string(&before).unwrap());
        let refusal = Refusal::new("the seal expired");
        let before = serde_json::json!({ "verdict": "refused", "reason": "the seal expired" });
        assert_eq!(json(&refusal), serde_json::to_string(&before).unwrap());
    }

    #[test]
    fn property_info_is_the_file_name_in_printable_ascii() {
        assert_eq!(
            property_info(Path::new("docs/notice 1.pdf")),
            "notice 1.pdf"
        );
        assert_eq!(
            property_info(Path::new("通知.ofd")),
            "%E9%80%9A%E7%9F%A5.ofd"
        );
        assert_eq!(property_info(Path::new("100%.txt")), "100%25.txt");
        assert_eq!(property_info(Path::new("a\tb")), "a%09b");
        assert_eq!(property_info(Path::new("/")), "document");
        let long = "通".repeat(400);
        let info = property_info(Path::new(&long));
        assert!(info.len() <= crate::seal::ses::build::PROPERTY_INFO_MAX);
        assert!(info.len() > 1000, "cut at whole escapes: {}", info.len());
        assert!(info.bytes().all(|b| b.is_ascii_graphic() || b == b' '));
    }

    fn json<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn the_chain_comes_from_the_flag_then_the_bundle() {
        let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
        let bundle = vec![pki.root.cert.clone()];
        let holder = SignerCert::from_der(pki.holder.cert.clone(), bundle.clone()).unwrap();
        let given = vec![pki.authority.cert.clone()];
        let home = Path::new("/nowhere");
        assert_eq!(
            embedded_chain(&holder, Some(given.clone()), None, home),
            (given, None)
        );
        assert_eq!(embedded_chain(&holder, None, None, home), (bundle, None));
        let bare = SignerCert::from_der(pki.holder.cert.clone(), Vec::new()).unwrap();
        let (chain, warning) = embedded_chain(&bare, None, None, home);
        assert!(chain.is_empty());
        assert!(warning.unwrap().contains("no CA home at `/nowhere`"));
    }
}
