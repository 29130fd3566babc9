//! Inputs and outputs every operation shares: reading certificates and files (bounded),
//! opening a CA home and unlocking its key, fresh serials, writing output files.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use super::error::hinted;
use super::secrets::{self, Passphrase, Prompt, Random};
use crate::ca::input;
use crate::ca::keys::PrivateKey;
use crate::ca::serial::Serial;
use crate::store::{self, CaMeta, Store, files};

/// The most we read of an untrusted certificate, CSR or policy file.
pub const INPUT_LIMIT: u64 = 64 * 1024 * 1024;

/// Reads a file, naming it in the error.
pub fn read_file(path: &Path, what: &str) -> Result<Vec<u8>> {
    files::read_limited(path, INPUT_LIMIT)
        .with_context(|| format!("reading {what} `{}`", path.display()))
}

/// Reads one certificate (PEM or DER) from a file.
pub fn read_cert(path: &Path) -> Result<Vec<u8>> {
    let bytes = read_file(path, "certificate")?;
    let der = input::decode_one(&bytes, input::CERT_LABELS)
        .with_context(|| format!("reading certificate `{}`", path.display()))?;
    input::parse_cert(&der).with_context(|| format!("reading certificate `{}`", path.display()))?;
    Ok(der)
}

/// Reads every certificate in a PEM bundle (or one DER certificate).
pub fn read_certs(path: &Path) -> Result<Vec<Vec<u8>>> {
    let bytes = read_file(path, "certificates")?;
    let ders = input::decode_all(&bytes, input::CERT_LABELS)
        .with_context(|| format!("reading certificates `{}`", path.display()))?;
    for der in &ders {
        input::parse_cert(der)
            .with_context(|| format!("reading certificates `{}`", path.display()))?;
    }
    Ok(ders)
}

/// An open CA home with its metadata.
pub struct OpenCa {
    pub store: Store,
    pub meta: CaMeta,
}

impl OpenCa {
    pub fn open(home: &Path) -> Result<OpenCa> {
        let store = Store::open(home)?;
        let meta = store.ca_meta()?;
        Ok(OpenCa { store, meta })
    }

    pub fn key_path(&self) -> PathBuf {
        self.store.home().join(store::CA_KEY_FILE)
    }

    /// Unlocks the CA key (one passphrase derivation).
    pub fn unlock(&self, passphrase: &Passphrase, prompt: &dyn Prompt) -> Result<PrivateKey> {
        let key = secrets::load_key(&self.key_path(), passphrase, prompt)?;
        if key.spki_der() != spki_of(&self.meta.cert_der)? {
            bail!(
                "CA key `{}` does not match the CA certificate",
                self.key_path().display()
            );
        }
        Ok(key)
    }

    /// This CA's chain, itself first, up to the root.
    pub fn chain(&self) -> Vec<Vec<u8>> {
        let mut chain = vec![self.meta.cert_der.clone()];
        chain.extend(self.meta.parents.iter().cloned());
        chain
    }

    pub fn urls(&self) -> crate::ca::issue::CaUrls {
        crate::ca::issue::CaUrls {
            crl: self.meta.crl_url.clone(),
            ocsp: self.meta.ocsp_url.clone(),
        }
    }

    /// The CA's subject, for messages and audit objects.
    pub fn subject(&self) -> String {
        x509_parser::parse_x509_certificate(&self.meta.cert_der)
            .map(|(_, c)| crate::ca::dn::display_name(c.subject()))
            .unwrap_or_default()
    }
}

/// The SubjectPublicKeyInfo DER of a certificate.
pub fn spki_of(cert_der: &[u8]) -> Result<Vec<u8>> {
    let cert = input::parse_cert(cert_der).context("reading the CA certificate")?;
    Ok(cert.public_key().raw.to_vec())
}

/// A fresh random serial, not yet used in the store.
pub fn fresh_serial(store: &Store, rng: &dyn Random) -> Result<Serial> {
    loop {
        let serial = Serial::from_random(secrets::random16(rng)?);
        if !store.serial_exists(&serial)? {
            return Ok(serial);
        }
    }
}

/// Writes a new file durably, refusing to overwrite it without `--force`.
pub fn write_output(path: &Path, data: &[u8], secret: bool, force: bool) -> Result<()> {
    write_output_with(path, data, secret, force, true)
}

/// Writes a new file without fsync (the caller syncs the file system once for many files).
pub fn write_output_deferred(path: &Path, data: &[u8], secret: bool, force: bool) -> Result<()> {
    write_output_with(path, data, secret, force, false)
}

fn write_output_with(
    path: &Path,
    data: &[u8],
    secret: bool,
    force: bool,
    sync: bool,
) -> Result<()> {
    let mode = if secret {
        files::Mode::Secret
    } else {
        files::Mode::Public
    };
    let overwrite = if force {
        files::Overwrite::Replace
    } else {
        files::Overwrite::Refuse
    };
    let result = if sync {
        files::write_atomic(path, data, mode, overwrite)
    } else {
        files::write_atomic_deferred(path, data, mode, overwrite)
    };
    result.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            hinted(
                format!("`{}` already exists", path.display()),
                "pass --force to replace it",
            )
        } else {
            anyhow::Error::new(e).context(format!("writing `{}`", path.display()))
        }
    })
}

/// Refuses early when an output file exists and `--force` was not given.
pub fn check_output_free(path: &Path, force: bool) -> Result<()> {
    if !force && path.symlink_metadata().is_ok() {
        return Err(hinted(
            format!("`{}` already exists", path.display()),
            "pass --force to replace it",
        ));
    }
    Ok(())
}

/// PEM-encodes a certificate.
pub fn cert_pem(der: &[u8]) -> String {
    input::pem_lf(&pem::Pem::new("CERTIFICATE", der.to_vec()))
}

/// Creates an output directory if needed: 0700 whatever the umask (it may receive keys). An
/// existing directory (or a link to one, the user's choice) is used as it is.
pub fn create_out_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    files::create_private_dir(dir)
        .map(|_| ())
        .with_context(|| format!("creating output directory `{}`", dir.display()))
}
