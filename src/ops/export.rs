//! Exporting a certificate with its key and this home's chain as a PKCS#12 file
//! (`cert export --pkcs12`). Prints nothing, asks no one: the key's passphrase is a
//! [`Passphrase`] source and the file's passphrase a value the front end has already checked.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::Result;
use super::common::{self, OpenCa};
use super::error::hinted;
use super::secrets::{self, Passphrase, Prompt, Random};
use crate::ca::input;
use crate::ca::keys::Algorithm;
use crate::ca::pkcs12;
use crate::ca::serial::Serial;

/// Which certificate to export.
#[derive(Debug, Clone)]
pub enum CertSource {
    /// A serial of this home's CA.
    Serial(Serial),
    /// A certificate file (PEM or DER).
    File(PathBuf),
}

/// A PKCS#12 export to make.
pub struct Request {
    pub cert: CertSource,
    pub key_path: PathBuf,
    /// Where the key's own passphrase comes from (asked only if the key is encrypted).
    pub key_passphrase: Passphrase,
    /// The PKCS#12 file's passphrase (already checked for strength by the front end).
    pub passphrase: Zeroizing<String>,
    pub out: PathBuf,
    pub force: bool,
    /// The friendlyName; by default the certificate's subject CN (else its serial).
    pub friendly_name: Option<String>,
}

/// What was written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exported {
    pub out: PathBuf,
    pub serial: String,
    pub subject: String,
    pub friendly_name: String,
    /// The certificates in the file: the key's and its chain.
    pub certificates: usize,
    pub algorithm: Algorithm,
    pub pbkdf2_iterations: u32,
    pub mac_iterations: u32,
}

/// Writes the PKCS#12 file (mode 0600, atomically, never over an existing file without
/// `force`). The key must be the certificate's, and the certificate this home's CA's.
pub fn export(
    home: &Path,
    req: &Request,
    prompt: &dyn Prompt,
    rng: &dyn Random,
) -> Result<Exported> {
    Ok(export_inner(home, req, prompt, rng)?)
}

fn export_inner(
    home: &Path,
    req: &Request,
    prompt: &dyn Prompt,
    rng: &dyn Random,
) -> anyhow::Result<Exported> {
    common::check_output_free(&req.out, req.force)?;
    let open = OpenCa::open(home)?;
    let cert_der = match &req.cert {
        CertSource::File(path) => common::read_cert(path)?,
        CertSource::Serial(serial) => {
            // The status is not asked for (a revoked certificate may still be exported), so
            // any time does.
            open.store
                .get(serial, time::OffsetDateTime::UNIX_EPOCH)?
                .ok_or_else(|| {
                    hinted(
                        format!(
                            "no certificate with serial `{}` was issued by this CA",
                            serial.to_hex()
                        ),
                        "give the certificate file instead, or see `govpki cert list`",
                    )
                })?
                .der
        }
    };
    let cert = input::parse_cert(&cert_der)?;
    let ca = input::parse_cert(&open.meta.cert_der)?;
    if cert.issuer().as_raw() != ca.subject().as_raw() {
        return Err(hinted(
            "the certificate was not issued by this home's CA",
            "export certificates of this home's CA only (its chain goes into the file)",
        ));
    }
    let serial = Serial::from_be_bytes(cert.raw_serial())
        .map(|s| s.to_hex())
        .unwrap_or_else(|_| hex::encode_upper(cert.raw_serial()));
    let subject = crate::ca::dn::display_name(cert.subject());
    let friendly_name = match &req.friendly_name {
        Some(n) => n.clone(),
        None => cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| serial.clone()),
    };

    let key = secrets::load_key(&req.key_path, &req.key_passphrase, prompt)?;
    if !same_public_key(&key.spki_der(), cert.public_key().raw) {
        return Err(hinted(
            format!(
                "the key `{}` is not the key of certificate `{serial}`",
                req.key_path.display()
            ),
            "give the key the certificate was issued for (`govpki cert show` prints its key)",
        ));
    }

    let chain = open.chain();
    let salts = pkcs12::Salts {
        key_salt: secrets::random16(rng)?,
        key_iv: secrets::random16(rng)?,
        certs_salt: secrets::random16(rng)?,
        certs_iv: secrets::random16(rng)?,
        mac_salt: secrets::random16(rng)?,
    };
    let iterations = pkcs12::Iterations::default();
    let pfx = Zeroizing::new(pkcs12::build(
        &pkcs12::Contents {
            pkcs8: key.pkcs8_der(),
            cert: &cert_der,
            chain: &chain,
            friendly_name: &friendly_name,
        },
        &req.passphrase,
        &salts,
        iterations,
    )?);
    common::write_output(&req.out, &pfx, true, req.force)?;
    Ok(Exported {
        out: req.out.clone(),
        serial,
        subject,
        friendly_name,
        certificates: 1 + chain.len(),
        algorithm: key.algorithm(),
        pbkdf2_iterations: iterations.pbkdf2,
        mac_iterations: iterations.mac,
    })
}

/// Whether two SubjectPublicKeyInfos hold the same key: the same algorithm and key bits
/// (parameters compared too, so a P-256 and a SM2 point never match).
fn same_public_key(a: &[u8], b: &[u8]) -> bool {
    use der::Decode;
    match (
        spki::SubjectPublicKeyInfoRef::from_der(a),
        spki::SubjectPublicKeyInfoRef::from_der(b),
    ) {
        (Ok(x), Ok(y)) => {
            x.algorithm.oid == y.algorithm.oid
                && x.subject_public_key == y.subject_public_key
                && (x.algorithm.oid.to_string() == "1.2.840.113549.1.1.1"
                    || x.algorithm.parameters == y.algorithm.parameters)
        }
        _ => false,
    }
}
