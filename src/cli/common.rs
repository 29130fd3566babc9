//! Helpers shared by the command modules: reading inputs, passphrases, unlocking the CA key,
//! fresh serials, and the local actor's name.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use zeroize::Zeroizing;

use super::hinted;
use crate::ca::input;
use crate::ca::keys::{KeyError, PrivateKey};
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

/// Reads a passphrase file: the first line, without its line ending.
pub fn read_passphrase_file(path: &Path) -> Result<Zeroizing<String>> {
    let bytes = Zeroizing::new(
        files::read_limited(path, 64 * 1024)
            .with_context(|| format!("reading passphrase file `{}`", path.display()))?,
    );
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| anyhow::anyhow!("passphrase file `{}` is not UTF-8", path.display()))?;
    let line = text.strip_suffix('\n').unwrap_or(text);
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() {
        bail!("passphrase file `{}` is empty", path.display());
    }
    Ok(Zeroizing::new(line.to_string()))
}

/// Where a passphrase for a new key comes from.
#[derive(Debug, Clone)]
pub enum NewKeyProtection {
    Passphrase(Zeroizing<String>),
    None,
}

/// Resolves the passphrase for a key about to be written: a file, `--no-...` (explicit), or a
/// prompt with confirmation on a terminal. A non-terminal without a source is an error naming
/// both flags (DESIGN §2).
pub fn new_key_protection(
    file: Option<&Path>,
    no_passphrase: bool,
    file_flag: &str,
    none_flag: &str,
    what: &str,
) -> Result<NewKeyProtection> {
    match (file, no_passphrase) {
        (Some(_), true) => bail!("{file_flag} and {none_flag} cannot be used together"),
        (Some(f), false) => Ok(NewKeyProtection::Passphrase(read_passphrase_file(f)?)),
        (None, true) => Ok(NewKeyProtection::None),
        (None, false) => {
            if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
                return Err(hinted(
                    format!("no passphrase source for the {what}, and no terminal to ask on"),
                    format!(
                        "pass {file_flag} F to encrypt it, or {none_flag} to write it unencrypted"
                    ),
                ));
            }
            let first = Zeroizing::new(
                rpassword::prompt_password(format!("passphrase for the {what}: "))
                    .context("reading the passphrase")?,
            );
            if first.is_empty() {
                bail!("the passphrase is empty");
            }
            let second = Zeroizing::new(
                rpassword::prompt_password("again: ").context("reading the passphrase")?,
            );
            if *first != *second {
                bail!("the passphrases do not match");
            }
            Ok(NewKeyProtection::Passphrase(Zeroizing::new(
                first.to_string(),
            )))
        }
    }
}

/// Asks for an existing key's passphrase: from a file, else a prompt on a terminal.
pub fn existing_passphrase(
    file: Option<&Path>,
    key_path: &Path,
    file_flag: &str,
) -> std::result::Result<Zeroizing<String>, KeyError> {
    if let Some(f) = file {
        return read_passphrase_file(f).map_err(|e| KeyError::NoPassphrase(format!("{e:#}")));
    }
    if !std::io::stdin().is_terminal() {
        return Err(KeyError::NoPassphrase(format!(
            "`{}` is encrypted and there is no terminal to ask for its passphrase; pass {file_flag} F",
            key_path.display()
        )));
    }
    rpassword::prompt_password(format!("passphrase for `{}`: ", key_path.display()))
        .map(Zeroizing::new)
        .map_err(|e| KeyError::NoPassphrase(e.to_string()))
}

/// Loads a private key file, asking for its passphrase only if it is encrypted.
pub fn load_key(path: &Path, passphrase_file: Option<&Path>) -> Result<PrivateKey> {
    load_key_with(path, passphrase_file, "--passphrase-file")
}

/// [`load_key`], naming `file_flag` as the passphrase source in errors.
pub fn load_key_with(
    path: &Path,
    passphrase_file: Option<&Path>,
    file_flag: &str,
) -> Result<PrivateKey> {
    let bytes = Zeroizing::new(read_file(path, "private key")?);
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| anyhow::anyhow!("reading private key `{}`: not PEM text", path.display()))?;
    PrivateKey::from_pem(text, || {
        existing_passphrase(passphrase_file, path, file_flag)
    })
    .with_context(|| format!("unlocking private key `{}`", path.display()))
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
    pub fn unlock(&self, passphrase_file: Option<&Path>) -> Result<PrivateKey> {
        let key = load_key(&self.key_path(), passphrase_file)?;
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
pub fn fresh_serial(store: &Store) -> Result<Serial> {
    let rng = ring::rand::SystemRandom::new();
    loop {
        let mut bytes = [0u8; 16];
        ring::rand::SecureRandom::fill(&rng, &mut bytes)
            .map_err(|_| anyhow::anyhow!("the system random generator failed"))?;
        let serial = Serial::from_random(bytes);
        if !store.serial_exists(&serial)? {
            return Ok(serial);
        }
    }
}

/// Random bytes for salts and IVs.
pub fn random16() -> Result<[u8; 16]> {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| anyhow::anyhow!("the system random generator failed"))?;
    Ok(bytes)
}

/// Who is acting, for the audit log: the local user (an operator certificate, with policies).
pub fn local_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("local:{user}")
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
