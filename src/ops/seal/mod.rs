//! The seal use cases (`seal create`, `sign`, `verify`, ...) and what they share: reading
//! seals, certificates, CRLs and status lists; this home's records (its revocations, its
//! seals); the seal-authority and holder rules. Prints nothing, reads no clock: `now` and a
//! callback for warnings come in.

pub mod create;
pub mod revoke;
mod ser;
pub mod show;
pub mod sign;
pub mod sources;
pub mod status_list;
pub mod timestamp;
pub mod verify;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow};
use time::OffsetDateTime;

use crate::ca::input;
use crate::ca::keys::{Algorithm, PrivateKey};
use crate::ca::serial::Serial;
use crate::ops::common::{self, OpenCa};
use crate::seal::chain::{AtTimeChecker, StoreRevocation};
use crate::seal::{Seal, SealError, SealSigner, SignatureAlgorithm};
use crate::store::files;
use crate::store::revocations::RevocationReader;
use crate::store::seals::SealStoreError;

/// The most we read of a seal, signature or status list.
pub const OBJECT_LIMIT: u64 = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Keys

/// A [`SealSigner`] over a key the CA module loaded (the CA key, or a holder key): one
/// passphrase derivation per run, then `ring` signatures.
pub struct KeySigner<'a> {
    key: &'a PrivateKey,
    algorithm: SignatureAlgorithm,
}

impl<'a> KeySigner<'a> {
    pub fn new(key: &'a PrivateKey) -> Self {
        let algorithm = match key.algorithm() {
            Algorithm::P256 => SignatureAlgorithm::EcdsaP256Sha256,
            Algorithm::P384 => SignatureAlgorithm::EcdsaP384Sha384,
            Algorithm::Ed25519 => SignatureAlgorithm::Ed25519,
            // Any RSA size: the CA module signs RSA with PKCS#1 v1.5 and SHA-256.
            Algorithm::Rsa3072 => SignatureAlgorithm::RsaPkcs1Sha256,
            // SM2-with-SM3, user ID 1234567812345678, DER r,s (`PrivateKey::sign`).
            Algorithm::Sm2 => SignatureAlgorithm::Sm2Sm3,
        };
        Self { key, algorithm }
    }
}

impl SealSigner for KeySigner<'_> {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &[u8] {
        self.key.key_pair().public_key_raw()
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, SealError> {
        self.key.sign(msg).map_err(|e| SealError::Signing {
            reason: e.to_string(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Refusals

/// A refusal to act on a seal or signature (a negative verdict, exit 1): the act was not done.
/// Serialises as `--json` prints it: `{"reason": ..., "verdict": "refused"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    pub reason: String,
    /// Always `refused`.
    pub verdict: &'static str,
}

impl Refusal {
    pub fn new(reason: impl Into<String>) -> Refusal {
        Refusal {
            reason: reason.into(),
            verdict: "refused",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading objects

pub fn read_seal(path: &Path) -> Result<Seal> {
    let bytes = files::read_limited(path, OBJECT_LIMIT)
        .with_context(|| format!("reading seal `{}`", path.display()))?;
    Seal::from_der(&bytes).with_context(|| format!("reading seal `{}`", path.display()))
}

/// A certificate file: the certificate, then any certificates after it (its chain).
pub fn read_cert_bundle(path: &Path) -> Result<(Vec<u8>, Vec<Vec<u8>>)> {
    let mut certs = common::read_certs(path)?.into_iter();
    let first = certs
        .next()
        .ok_or_else(|| anyhow!("reading certificate `{}`: no certificate", path.display()))?;
    Ok((first, certs.collect()))
}

pub fn read_crls(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = common::read_file(path, "CRL")?;
        out.push(
            input::decode_one(&bytes, input::CRL_LABELS)
                .with_context(|| format!("reading CRL `{}`", path.display()))?,
        );
    }
    Ok(out)
}

pub fn has_document_signing(cert: &x509_parser::certificate::X509Certificate<'_>) -> bool {
    cert.extended_key_usage().ok().flatten().is_some_and(|e| {
        e.value
            .other
            .iter()
            .any(|o| o.to_id_string() == "1.3.6.1.5.5.7.3.36")
    })
}

pub fn signs_documents(cert: &x509_parser::certificate::X509Certificate<'_>) -> bool {
    match cert.key_usage() {
        Ok(Some(ku)) => ku.value.digital_signature() || ku.value.non_repudiation(),
        Ok(None) => true,
        Err(_) => false,
    }
}

/// The store's record of a certificate this home's CA issued (same DER), if any.
pub fn store_row(open: &OpenCa, der: &[u8], now: OffsetDateTime) -> Option<crate::store::CertRow> {
    let cert = input::parse_cert(der).ok()?;
    let serial = Serial::from_be_bytes(cert.raw_serial()).ok()?;
    // The home opened and answered before (open_home); a failure here is an I/O fault on a
    // read the store already served, reported as "not found" only for certificates that
    // are not this CA's.
    open.store
        .get(&serial, now)
        .ok()
        .flatten()
        .filter(|r| r.der == der)
}

/// The checker with this home's certificate revocations: the store is authoritative, as of
/// now, for every certificate this home's CA issued (its CRLs are made from it). Serials are
/// looked up as paths need them, on a read-only connection of their own.
pub fn with_home_revocations(
    checker: AtTimeChecker,
    open: &OpenCa,
    now: OffsetDateTime,
) -> Result<AtTimeChecker> {
    let reader = RevocationReader::open(open.store.home())?;
    let lookup = move |serial: &[u8]| -> std::result::Result<Option<StoreRevocation>, String> {
        let Ok(serial) = Serial::from_be_bytes(serial) else {
            return Ok(None);
        };
        Ok(reader
            .get(&serial)
            .map_err(|e| e.to_string())?
            .map(|e| StoreRevocation {
                serial: e.serial.as_bytes().to_vec(),
                revoked_at: e.revoked_at,
                reason: e.reason,
                invalidity: e.invalidity,
            }))
    };
    Ok(checker.with_store_lookup(open.meta.cert_der.clone(), Box::new(lookup), now))
}

/// This home's CA, if the home holds one. A home whose database exists but does not open is
/// an error, never "no home": it may hold revocations or a policy that must not be skipped.
pub fn open_home(home: &Path) -> Result<Option<OpenCa>> {
    if !home.join(crate::store::DB_FILE).exists() {
        return Ok(None);
    }
    OpenCa::open(home).map(Some)
}

/// Whether `cert_der` is a seal authority of this home's hierarchy now: this home's CA (or a CA
/// above it), or a `seal-authority` certificate chaining to the home's root, not revoked in the
/// store. The reason when not.
pub fn check_seal_authority(
    open: &OpenCa,
    cert_der: &[u8],
    now: OffsetDateTime,
) -> std::result::Result<(), String> {
    let mut chain = open.chain();
    let root: Vec<Vec<u8>> = chain.pop().into_iter().collect();
    let checker = AtTimeChecker::new(&root, &chain, &[])
        .map_err(|e| format!("this home's chain is unusable: {e}"))?;
    let checker = with_home_revocations(checker, open, now).map_err(|e| format!("{e:#}"))?;
    // The maker signs now: the time is the verifier's own, not a claim.
    let check = crate::seal::ChainChecker::check_proven(
        &checker,
        cert_der,
        &[],
        now,
        crate::seal::ChainRole::Authority,
    );
    check.why_not_valid().map_or(Ok(()), Err)
}

pub fn store_error(e: SealStoreError) -> anyhow::Error {
    match e {
        SealStoreError::Store(s) => anyhow::Error::new(s),
        other => anyhow::Error::new(other),
    }
}

/// The signature file for a document: `DOC.p7s` beside it, or in `out_dir`.
pub fn signature_path(doc: &Path, out_dir: Option<&Path>, ext: &str) -> Result<PathBuf> {
    let name = doc
        .file_name()
        .ok_or_else(|| anyhow!("`{}` is not a file name", doc.display()))?;
    let mut file = name.to_os_string();
    file.push(".");
    file.push(ext);
    Ok(match out_dir {
        Some(d) => d.join(file),
        None => doc.with_file_name(file),
    })
}
