//! Exporting a certificate with its key and this home's chain as a PKCS#12 file
//! (`cert export --pkcs12`). Prints nothing, asks no one: the key's passphrase is a
//! [`Passphrase`] source and the file's passphrase a value the front end has already checked.
//!
//! A private key leaving in a file is a security-relevant act: in a governed home it is asked
//! of the policy (`cert.export` on `dept/<OU>/cert/<serial>`, as `cert.revoke` names a
//! certificate) and signed by the operator, and in every home it is recorded in the audit log
//! (`cert.export <serial> <subject>`, by whom and when, the exported key's SPKI hash; never the
//! passphrase) before the file is written, so no export through govpki goes unrecorded. The
//! key is the subscriber's file, not the CA's: whoever holds it and its passphrase can export
//! it with any tool, so the record accounts for exports made with this CA's home, and the
//! policy governs its operators; neither can stop the key's holder from using `openssl`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use zeroize::Zeroizing;

use super::Result;
use super::common::{self, OpenCa};
use super::error::hinted;
use super::govern::{self, Ask, Governance};
use super::secrets::{self, Passphrase};
use crate::audit::Event;
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
/// `force`). The key must be the certificate's, and the certificate this home's CA's. The
/// policy of a governed home is asked first; the `cert.export` record is committed before the
/// file is written.
pub fn export(home: &Path, req: &Request, gov: &Governance<'_>) -> Result<Exported> {
    Ok(export_inner(home, req, gov)?)
}

/// The policy question of exporting certificate `serial` (hex) of `department` with its key.
pub fn ask(department: Option<&str>, serial: &str) -> Ask {
    Ask::new(
        "cert.export",
        format!("dept/{}/cert/{serial}", govern::segment(department)),
    )
}

fn export_inner(home: &Path, req: &Request, gov: &Governance<'_>) -> anyhow::Result<Exported> {
    let (prompt, rng) = (gov.prompt, gov.rng.as_ref());
    common::check_output_free(&req.out, req.force)?;
    let mut open = OpenCa::open(home)?;
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
    // The name alone is no proof: a forged certificate with the CA's name and the holder's key
    // must not leave with the CA's chain attached.
    super::of_ca::issued_by_ca(
        &open.meta.cert_der,
        &cert_der,
        &match &req.cert {
            CertSource::File(path) => format!("certificate `{}`", path.display()),
            CertSource::Serial(_) => "the certificate".to_string(),
        },
        "this home's CA",
        "export certificates of this home's CA only (its chain goes into the file)",
    )?;
    let serial = Serial::from_be_bytes(cert.raw_serial())
        .map(|s| s.to_hex())
        .unwrap_or_else(|_| hex::encode_upper(cert.raw_serial()));
    let subject = crate::ca::dn::display_name(cert.subject());
    // The department as the store recorded it, else the certificate's OU.
    let department = match Serial::from_be_bytes(cert.raw_serial())
        .ok()
        .map(|s| open.store.get(&s, gov.now))
        .transpose()?
        .flatten()
    {
        Some(row) => row.department,
        None => crate::ca::dn::Dn::from_x509(cert.subject())
            .ok()
            .and_then(|d| d.department().map(str::to_string)),
    };
    let authorized =
        govern::authorize(gov, &mut open, &[ask(department.as_deref(), &serial)], None)?;
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
    // Recorded before it is written: an export that happened is never missing from the log.
    let spki = crate::audit::proof::spki_fingerprint(&cert_der).unwrap_or_default();
    open.store
        .audit(vec![Event {
            time: crate::ca::when::rfc3339(gov.now),
            actor: authorized.actor.clone(),
            action: "cert.export".into(),
            object: format!("{serial} {subject}"),
            outcome: crate::audit::binding::with_field("ok pkcs12", "spki", &spki),
        }])
        .context("recording the export in the audit log")?;
    common::write_output(&req.out, &pfx, true, req.force).with_context(|| {
        format!(
            "the export of certificate `{serial}` is recorded in the audit log, but `{}` was not written",
            req.out.display()
        )
    })?;
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
