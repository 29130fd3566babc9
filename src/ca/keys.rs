//! Key pairs: generation, PKCS#8 encryption at rest, and signing.
//!
//! Keys are PKCS#8. Encrypted keys use PBES2 with scrypt (N=2^15, r=8, p=1) and AES-256-CBC,
//! which `openssl pkey -passin file:F` reads. This module takes randomness from the caller and
//! never touches disk; the store writes the PEM it returns.

use std::fmt;

use pkcs8::der::{Decode, Encode};
use rcgen::{KeyPair, SigningKey};
use zeroize::Zeroizing;

/// A key algorithm a CA or a subject may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// ECDSA on P-256 with SHA-256 (the default)
    P256,
    /// ECDSA on P-384 with SHA-384
    P384,
    /// Ed25519
    Ed25519,
    /// RSA 3072-bit with PKCS#1 v1.5 SHA-256
    Rsa3072,
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Algorithm::P256 => "p256",
            Algorithm::P384 => "p384",
            Algorithm::Ed25519 => "ed25519",
            Algorithm::Rsa3072 => "rsa3072",
        })
    }
}

/// Key errors; none of them ever carries key material or a passphrase.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key generation failed")]
    Generate,
    #[error("wrong passphrase, or the encrypted key is damaged")]
    WrongPassphrase,
    #[error("not a PKCS#8 private key: {0}")]
    NotPkcs8(String),
    #[error("unsupported key type: {0}")]
    Unsupported(String),
    #[error("encrypting the key failed: {0}")]
    Encrypt(String),
    #[error("no passphrase: {0}")]
    NoPassphrase(String),
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    #[error("signing failed")]
    Sign,
}

/// Scrypt cost: N = 2^14, r = 8, p = 4: about 100 ms and 16 MiB. OpenSSL 3 refuses scrypt
/// parameters needing more than 32 MiB (N = 2^15, r = 8 needs 32 MiB + 1 KiB), so memory stays
/// at 16 MiB and p = 4 multiplies the work instead: strong against guessing, quick enough for
/// one unlock per command, and readable by `openssl pkey`.
const SCRYPT_LOG_N: u8 = 14;
const SCRYPT_P: u32 = 4;

/// A signing key held in memory, with its PKCS#8 DER for writing out.
pub struct PrivateKey {
    pkcs8: Zeroizing<Vec<u8>>,
    pair: KeyPair,
    algorithm: Algorithm,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({})", self.algorithm)
    }
}

impl PrivateKey {
    /// Generates a new key. RSA generation uses the `rsa` crate (ring cannot generate RSA keys).
    pub fn generate(algorithm: Algorithm) -> Result<PrivateKey, KeyError> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8: Vec<u8> = match algorithm {
            Algorithm::P256 | Algorithm::P384 => {
                let alg = if algorithm == Algorithm::P256 {
                    &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING
                } else {
                    &ring::signature::ECDSA_P384_SHA384_ASN1_SIGNING
                };
                ring::signature::EcdsaKeyPair::generate_pkcs8(alg, &rng)
                    .map_err(|_| KeyError::Generate)?
                    .as_ref()
                    .to_vec()
            }
            Algorithm::Ed25519 => {
                let v2 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng)
                    .map_err(|_| KeyError::Generate)?;
                // ring writes PKCS#8 v2 (with the public key), which OpenSSL 3.0 refuses for
                // Ed25519; write the v1 form RFC 8410 shows.
                let mut info =
                    pkcs8::PrivateKeyInfo::from_der(v2.as_ref()).map_err(|_| KeyError::Generate)?;
                info.public_key = None;
                info.to_der().map_err(|_| KeyError::Generate)?
            }
            Algorithm::Rsa3072 => {
                use rsa::pkcs8::EncodePrivateKey;
                let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 3072)
                    .map_err(|_| KeyError::Generate)?;
                key.to_pkcs8_der()
                    .map_err(|_| KeyError::Generate)?
                    .as_bytes()
                    .to_vec()
            }
        };
        PrivateKey::from_pkcs8_der(&pkcs8)
    }

    /// Loads an unencrypted PKCS#8 DER key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, KeyError> {
        let info =
            pkcs8::PrivateKeyInfo::from_der(der).map_err(|e| KeyError::NotPkcs8(e.to_string()))?;
        let oid = info.algorithm.oid.to_string();
        let params = info.algorithm.parameters_oid().ok().map(|o| o.to_string());
        let algorithm = match (oid.as_str(), params.as_deref()) {
            ("1.2.840.10045.2.1", Some("1.2.840.10045.3.1.7")) => Algorithm::P256,
            ("1.2.840.10045.2.1", Some("1.3.132.0.34")) => Algorithm::P384,
            ("1.3.101.112", _) => Algorithm::Ed25519,
            ("1.2.840.113549.1.1.1", _) => Algorithm::Rsa3072,
            (o, p) => {
                return Err(KeyError::Unsupported(format!(
                    "{o}{}",
                    p.map(|p| format!(" on {p}")).unwrap_or_default()
                )));
            }
        };
        let sign_alg = match algorithm {
            Algorithm::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            Algorithm::P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            Algorithm::Ed25519 => &rcgen::PKCS_ED25519,
            Algorithm::Rsa3072 => &rcgen::PKCS_RSA_SHA256,
        };
        let pair = KeyPair::from_pkcs8_der_and_sign_algo(&der.into(), sign_alg)
            .map_err(|e| KeyError::NotPkcs8(e.to_string()))?;
        Ok(PrivateKey {
            pkcs8: Zeroizing::new(der.to_vec()),
            pair,
            algorithm,
        })
    }

    /// A second handle on the same key (for a signer that must own its key).
    pub fn try_clone(&self) -> Result<PrivateKey, KeyError> {
        PrivateKey::from_pkcs8_der(&self.pkcs8)
    }

    /// Loads a key from PEM text: `PRIVATE KEY`, or `ENCRYPTED PRIVATE KEY` with a passphrase.
    /// `passphrase` is asked for only when the key is encrypted.
    pub fn from_pem(
        pem_text: &str,
        passphrase: impl FnOnce() -> Result<Zeroizing<String>, KeyError>,
    ) -> Result<PrivateKey, KeyError> {
        let block = pem::parse(pem_text).map_err(|e| KeyError::NotPkcs8(e.to_string()))?;
        match block.tag() {
            "PRIVATE KEY" => PrivateKey::from_pkcs8_der(block.contents()),
            "ENCRYPTED PRIVATE KEY" => {
                let pass = passphrase()?;
                let enc = pkcs8::EncryptedPrivateKeyInfo::from_der(block.contents())
                    .map_err(|e| KeyError::NotPkcs8(e.to_string()))?;
                let doc = enc
                    .decrypt(pass.as_bytes())
                    .map_err(|_| KeyError::WrongPassphrase)?;
                PrivateKey::from_pkcs8_der(doc.as_bytes())
            }
            other => Err(KeyError::NotPkcs8(format!(
                "PEM block is `{other}`; convert it with `openssl pkcs8 -topk8`"
            ))),
        }
    }

    /// Whether a PEM key is encrypted (so the caller knows to ask for a passphrase).
    pub fn pem_is_encrypted(pem_text: &str) -> bool {
        pem_text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    }

    /// The PEM to write: encrypted under `passphrase`, or plain when it is `None`.
    pub fn to_pem(
        &self,
        passphrase: Option<&str>,
        salt: [u8; 16],
        iv: [u8; 16],
    ) -> Result<Zeroizing<String>, KeyError> {
        match passphrase {
            None => Ok(key_pem(KeyPemLabel::Plain, self.pkcs8.to_vec())),
            Some("") => Err(KeyError::EmptyPassphrase),
            Some(pass) => {
                let params = pkcs5::scrypt::Params::new(SCRYPT_LOG_N, 8, SCRYPT_P, 32)
                    .map_err(|e| KeyError::Encrypt(e.to_string()))?;
                let pbes2 = pkcs5::pbes2::Parameters::scrypt_aes256cbc(params, &salt, &iv)
                    .map_err(|e| KeyError::Encrypt(e.to_string()))?;
                let info = pkcs8::PrivateKeyInfo::from_der(&self.pkcs8)
                    .map_err(|e| KeyError::Encrypt(e.to_string()))?;
                let doc = info
                    .encrypt_with_params(pbes2, pass.as_bytes())
                    .map_err(|e| KeyError::Encrypt(e.to_string()))?;
                let der = doc.as_bytes().to_vec();
                Ok(key_pem(KeyPemLabel::Encrypted, der))
            }
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The rcgen key pair, for certificate and CSR signing.
    pub fn key_pair(&self) -> &KeyPair {
        &self.pair
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> Vec<u8> {
        rcgen::PublicKeyData::subject_public_key_info(&self.pair)
    }

    /// Signs a message with the key's algorithm (ECDSA signatures are ASN.1 DER).
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.pair.sign(msg).map_err(|_| KeyError::Sign)
    }

    /// The DER AlgorithmIdentifier of the signatures this key makes.
    pub fn signature_algorithm_der(&self) -> &'static [u8] {
        signature_algorithm_der(self.algorithm)
    }
}

/// DER AlgorithmIdentifier of the signature algorithm used with each key type.
pub fn signature_algorithm_der(alg: Algorithm) -> &'static [u8] {
    match alg {
        // ecdsa-with-SHA256, no parameters (RFC 5758 §3.2)
        Algorithm::P256 => &[
            0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
        ],
        // ecdsa-with-SHA384
        Algorithm::P384 => &[
            0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
        ],
        // id-Ed25519 (RFC 8410 §3: parameters absent)
        Algorithm::Ed25519 => &[0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70],
        // sha256WithRSAEncryption with NULL parameters (RFC 4055)
        Algorithm::Rsa3072 => &[
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05,
            0x00,
        ],
    }
}

/// Checks a DER public key for minimum strength; returns a readable description.
pub fn describe_spki(spki_der: &[u8]) -> Result<String, KeyError> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| KeyError::Unsupported(e.to_string()))?;
    let oid = spki.algorithm.oid.to_string();
    match oid.as_str() {
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters_oid()
                .map(|o| o.to_string())
                .unwrap_or_default();
            match curve.as_str() {
                "1.2.840.10045.3.1.7" => Ok("ECDSA P-256".into()),
                "1.3.132.0.34" => Ok("ECDSA P-384".into()),
                other => Err(KeyError::Unsupported(format!("elliptic curve {other}"))),
            }
        }
        "1.3.101.112" => Ok("Ed25519".into()),
        "1.2.840.113549.1.1.1" => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            use rsa::traits::PublicKeyParts;
            let key = rsa::RsaPublicKey::from_pkcs1_der(spki.subject_public_key.raw_bytes())
                .map_err(|e| KeyError::Unsupported(format!("RSA key: {e}")))?;
            let bits = key.n().bits();
            if bits < 2048 {
                return Err(KeyError::Unsupported(format!(
                    "RSA-{bits} is weaker than 2048 bits"
                )));
            }
            Ok(format!("RSA-{bits}"))
        }
        other => Err(KeyError::Unsupported(format!(
            "public key algorithm {other}"
        ))),
    }
}

/// Encrypts many keys under one passphrase with a single scrypt derivation (batch issuance).
///
/// Each key gets its own IV; the salt, and so the derived AES key, is shared by the batch. The
/// output is ordinary PBES2 that `openssl pkey` reads. Deriving once makes a batch of thousands
/// of generated keys cost one scrypt (about 100 ms) rather than one per key.
pub struct BatchEncryptor {
    salt: [u8; 16],
    key: Zeroizing<[u8; 32]>,
}

impl BatchEncryptor {
    pub fn new(passphrase: &str, salt: [u8; 16]) -> Result<BatchEncryptor, KeyError> {
        if passphrase.is_empty() {
            return Err(KeyError::EmptyPassphrase);
        }
        let params = pkcs5::scrypt::Params::new(SCRYPT_LOG_N, 8, SCRYPT_P, 32)
            .map_err(|e| KeyError::Encrypt(e.to_string()))?;
        let mut key = Zeroizing::new([0u8; 32]);
        pkcs5::scrypt::scrypt(passphrase.as_bytes(), &salt, &params, key.as_mut())
            .map_err(|e| KeyError::Encrypt(e.to_string()))?;
        Ok(BatchEncryptor { salt, key })
    }

    /// The encrypted PEM of `key`, with a fresh `iv`.
    pub fn encrypt(&self, key: &PrivateKey, iv: [u8; 16]) -> Result<Zeroizing<String>, KeyError> {
        use cbc::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
        let params = pkcs5::scrypt::Params::new(SCRYPT_LOG_N, 8, SCRYPT_P, 32)
            .map_err(|e| KeyError::Encrypt(e.to_string()))?;
        let scheme = pkcs5::pbes2::Parameters::scrypt_aes256cbc(params, &self.salt, &iv)
            .map_err(|e| KeyError::Encrypt(e.to_string()))?;
        let cipher = cbc::Encryptor::<aes::Aes256>::new(self.key.as_ref().into(), &iv.into());
        let ciphertext = cipher.encrypt_padded_vec_mut::<Pkcs7>(&key.pkcs8);
        let info = pkcs8::EncryptedPrivateKeyInfo {
            encryption_algorithm: scheme.into(),
            encrypted_data: &ciphertext,
        };
        let der = info
            .to_der()
            .map_err(|e| KeyError::Encrypt(e.to_string()))?;
        Ok(key_pem(KeyPemLabel::Encrypted, der))
    }
}

/// The two PEM labels a private key is written under (RFC 7468 §10, §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPemLabel {
    /// `PRIVATE KEY`: an unencrypted PKCS#8 `PrivateKeyInfo`.
    Plain,
    /// `ENCRYPTED PRIVATE KEY`: a PKCS#8 `EncryptedPrivateKeyInfo`.
    Encrypted,
}

impl KeyPemLabel {
    /// The label between `-----BEGIN ` and `-----`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "PRIVATE KEY",
            Self::Encrypted => "ENCRYPTED PRIVATE KEY",
        }
    }
}

/// The one encoder of private-key PEM: LF line endings (as OpenSSL writes), in a buffer that is
/// wiped when dropped.
pub fn key_pem(label: KeyPemLabel, der: Vec<u8>) -> Zeroizing<String> {
    let block = pem::Pem::new(label.as_str(), der);
    Zeroizing::new(crate::ca::input::pem_lf(&block))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_round_trip_and_wrong_passphrase() {
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let pem = key.to_pem(Some("s3cret"), [1; 16], [2; 16]).unwrap();
        assert!(PrivateKey::pem_is_encrypted(&pem));
        let back = PrivateKey::from_pem(&pem, || Ok(Zeroizing::new("s3cret".into()))).unwrap();
        assert_eq!(back.spki_der(), key.spki_der());
        let err = PrivateKey::from_pem(&pem, || Ok(Zeroizing::new("wrong".into()))).unwrap_err();
        assert!(matches!(err, KeyError::WrongPassphrase));
        assert!(matches!(
            key.to_pem(Some(""), [0; 16], [0; 16]),
            Err(KeyError::EmptyPassphrase)
        ));
    }

    #[test]
    fn batch_encryption_matches_pbes2() {
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let batch = BatchEncryptor::new("pw", [7; 16]).unwrap();
        let pem = batch.encrypt(&key, [9; 16]).unwrap();
        let back = PrivateKey::from_pem(&pem, || Ok(Zeroizing::new("pw".into()))).unwrap();
        assert_eq!(back.spki_der(), key.spki_der());
        assert!(PrivateKey::from_pem(&pem, || Ok(Zeroizing::new("px".into()))).is_err());
    }

    #[test]
    fn every_algorithm_signs() {
        for alg in [Algorithm::P256, Algorithm::P384, Algorithm::Ed25519] {
            let key = PrivateKey::generate(alg).unwrap();
            assert!(!key.sign(b"x").unwrap().is_empty());
            let plain = key.to_pem(None, [0; 16], [0; 16]).unwrap();
            let back = PrivateKey::from_pem(&plain, || Err(KeyError::EmptyPassphrase)).unwrap();
            assert_eq!(back.algorithm(), alg);
            assert!(describe_spki(&key.spki_der()).is_ok());
        }
    }
}
