//! Creating a certificate signing request for a department that keeps its own key: a new key
//! (written, encrypted unless the user consented) and its CSR. Prints nothing.

use std::path::PathBuf;

use super::Result;
use super::common;
use super::issue::KeyProtection;
use super::secrets::Random;
use crate::ca::csr;
use crate::ca::dn::Dn;
use crate::ca::keys::{Algorithm, PrivateKey};
use crate::ca::profile::San;

/// A CSR to make.
#[derive(Debug, Clone)]
pub struct Request {
    pub subject: Dn,
    pub sans: Vec<San>,
    pub algorithm: Algorithm,
    pub key_out: PathBuf,
    pub protection: KeyProtection,
    /// Also write the CSR here (else the front end prints it).
    pub out: Option<PathBuf>,
    pub force: bool,
}

/// Generates the key, writes it, and returns the CSR (PEM) after writing it to `out`.
pub fn create(req: &Request, rng: &dyn Random) -> Result<String> {
    Ok(create_csr(req, rng)?)
}

fn create_csr(req: &Request, rng: &dyn Random) -> anyhow::Result<String> {
    let key = PrivateKey::generate(req.algorithm)?;
    let csr_pem = csr::create_csr(&key, &req.subject, &req.sans)?;
    let key_pem = req.protection.key_pem(&key, rng)?;
    common::write_output(&req.key_out, key_pem.as_bytes(), true, req.force)?;
    if let Some(o) = &req.out {
        common::write_output(o, csr_pem.as_bytes(), false, req.force)?;
    }
    Ok(csr_pem)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU8;

    use super::*;
    use crate::ops::issue::tests::Counter;

    #[test]
    fn the_csr_verifies_and_names_the_subject_and_the_key_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let req = Request {
            subject: Dn::parse("CN=信息中心,OU=信息中心,O=Test,C=CN").unwrap(),
            sans: vec![],
            algorithm: Algorithm::P256,
            key_out: dir.path().join("k.pem"),
            protection: KeyProtection::Passphrase("secret".to_string().into()),
            out: None,
            force: false,
        };
        let pem = create(&req, &Counter(AtomicU8::new(0))).unwrap();
        let checked = csr::verify_csr(pem.as_bytes()).unwrap();
        assert_eq!(checked.subject, Some(req.subject.clone()));
        let key = std::fs::read_to_string(&req.key_out).unwrap();
        assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        // Never over an existing key without force.
        assert!(create(&req, &Counter(AtomicU8::new(0))).is_err());
    }
}
