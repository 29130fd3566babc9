//! `seal sign`'s rules: who may seal now (the signer certificate's validity, its status in this
//! home's store, the seal's own refusals), which chain is embedded, and sealing a batch of
//! documents on rayon's pool. Prints nothing; the refusals are returned, not printed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use time::OffsetDateTime;

use super::{OpenCa, store_row};
use crate::ca::input;
use crate::ca::when::rfc3339;
use crate::seal::{
    DigestAlgorithm, DocumentSigner, RevokedSeals, Seal, SignRefusal, check_before_signing,
    hash_document_with,
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

/// Seals each document into its signature file, on rayon's pool, signing time `now`; then one
/// file-system sync per device makes every signature written durable. The document's digest
/// (hex) or the error, in the documents' order; `done` is called after each document.
pub fn seal_documents(
    signer: &DocumentSigner<'_>,
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
                .sign(&hash.value, now)
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
