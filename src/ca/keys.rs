//! Key pairs: generation, PKCS#8 encryption at rest, and signing.
//!
//! Keys are PKCS#8. Encrypted keys use PBES2 with scrypt (N=2^15, r=8, p=1) and AES-256-CBC,
//! which `openssl pkey -passin file:F` reads. This module takes randomness from the caller and
//! never touches disk; the store writes the PEM it returns.
//!
//! SM2 keys (GM/T 0003) are PKCS#8 with `id-ecPublicKey` on the named curve
//! `1.2.156.10197.1.301`, as `openssl genpkey -algorithm SM2` writes them; they sign
//! SM2-with-SM3 with the GM/T 0009 default user ID `1234567812345678`, the signature a DER
//! `SEQUENCE { r, s }`. rcgen has no SM2: [`SignerKey`] hands rcgen a stand-in algorithm for an
//! SM2 key, and the issuing code replaces the algorithm identifiers and signs again
//! (`ca::issue::finish_with`).

use std::fmt;

use pkcs8::der::{Decode, Encode};
use rcgen::KeyPair;
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
    /// SM2 with SM3 (GM/T 0003; the GM/T 0009 default user ID)
    Sm2,
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Algorithm::P256 => "p256",
            Algorithm::P384 => "p384",
            Algorithm::Ed25519 => "ed25519",
            Algorithm::Rsa3072 => "rsa3072",
            Algorithm::Sm2 => "sm2",
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

/// The GM/T 0009 default user ID every SM2 signature of govpki is made with.
pub const SM2_USER_ID: &str = crate::pkix::sig::SM2_DEFAULT_ID;

/// DER of the SM2-with-SM3 AlgorithmIdentifier, `1.2.156.10197.1.501`, parameters absent
/// (GM/T 0015 §7.2; readers accept NULL too).
pub const SM2_WITH_SM3_DER: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75,
];

/// An SM2 key: the signer (holding the user ID), and its public forms.
pub struct Sm2Key {
    signing: sm2::dsa::SigningKey,
    /// The uncompressed point `04 || x || y`, as the SPKI's BIT STRING carries it.
    point: Vec<u8>,
    /// The SubjectPublicKeyInfo DER (`id-ecPublicKey`, curve `1.2.156.10197.1.301`).
    spki: Vec<u8>,
}

/// The key itself, in the form its signing library wants. It implements rcgen's
/// [`rcgen::SigningKey`] so rcgen can build certificates and CSRs around it; for SM2, rcgen
/// sees the stand-in algorithm ECDSA P-256 (same sizes) and the issuing code rewrites the
/// identifiers and signs the result again with [`PrivateKey::sign`].
pub enum SignerKey {
    Rcgen(KeyPair),
    Sm2(Sm2Key),
}

impl SignerKey {
    /// The public key as the SPKI's BIT STRING carries it.
    pub fn public_key_raw(&self) -> &[u8] {
        match self {
            SignerKey::Rcgen(k) => k.public_key_raw(),
            SignerKey::Sm2(k) => &k.point,
        }
    }
}

impl rcgen::PublicKeyData for SignerKey {
    fn der_bytes(&self) -> &[u8] {
        self.public_key_raw()
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            SignerKey::Rcgen(k) => k.algorithm(),
            // A stand-in, replaced before anything is released (see the module docs).
            SignerKey::Sm2(_) => &rcgen::PKCS_ECDSA_P256_SHA256,
        }
    }

    /// The true SPKI: rcgen derives the subject and authority key identifiers from it.
    fn subject_public_key_info(&self) -> Vec<u8> {
        match self {
            SignerKey::Rcgen(k) => k.subject_public_key_info(),
            SignerKey::Sm2(k) => k.spki.clone(),
        }
    }
}

impl rcgen::SigningKey for SignerKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        match self {
            SignerKey::Rcgen(k) => k.sign(msg),
            // rcgen signs a TBS that still carries the stand-in identifiers. It is never
            // released: the issuing code re-encodes it and signs again, so skip the work.
            SignerKey::Sm2(_) => Ok(Vec::new()),
        }
    }
}

/// A `Copy` handle on a [`SignerKey`] for rcgen's `Issuer`. rcgen's blanket impl for
/// references does not forward `subject_public_key_info`, so through a plain `&SignerKey` an
/// SM2 issuer's key identifier would be derived from the stand-in; this handle forwards it.
#[derive(Clone, Copy)]
pub struct RcgenSigner<'a>(pub &'a SignerKey);

impl rcgen::PublicKeyData for RcgenSigner<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.0.public_key_raw()
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        rcgen::PublicKeyData::algorithm(self.0)
    }

    fn subject_public_key_info(&self) -> Vec<u8> {
        rcgen::PublicKeyData::subject_public_key_info(self.0)
    }
}

impl rcgen::SigningKey for RcgenSigner<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        rcgen::SigningKey::sign(self.0, msg)
    }
}

/// SM2-with-SM3 over `msg` with the signer's user ID, as DER `SEQUENCE { r, s }` (GM/T 0009
/// §7.3), never the raw `r || s`.
fn sm2_sign(key: &sm2::dsa::SigningKey, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
    use sm2::dsa::signature::Signer;
    let sig: sm2::dsa::Signature = key.try_sign(msg).map_err(|_| KeyError::Sign)?;
    Ok(sm2_signature_der(&sig))
}

/// The DER `SEQUENCE { r INTEGER, s INTEGER }` of an SM2 signature.
pub fn sm2_signature_der(sig: &sm2::dsa::Signature) -> Vec<u8> {
    let int = |bytes: &[u8]| {
        let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        let mut content = Vec::with_capacity(trimmed.len() + 1);
        if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
            content.push(0);
        }
        content.extend_from_slice(&trimmed);
        crate::tlv::tlv(0x02, &content)
    };
    let r = sig.r_bytes();
    let s = sig.s_bytes();
    crate::tlv::tlv(0x30, &[int(r.as_slice()), int(s.as_slice())].concat())
}

/// A signing key held in memory, with its PKCS#8 DER for writing out.
pub struct PrivateKey {
    pkcs8: Zeroizing<Vec<u8>>,
    pair: SignerKey,
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
            Algorithm::Sm2 => {
                use sm2::pkcs8::EncodePrivateKey;
                sm2::SecretKey::random(&mut rand_core::OsRng)
                    .to_pkcs8_der()
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
            ("1.2.840.10045.2.1", Some("1.2.156.10197.1.301")) => Algorithm::Sm2,
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
            Algorithm::Sm2 => {
                return Ok(PrivateKey {
                    pkcs8: Zeroizing::new(der.to_vec()),
                    pair: SignerKey::Sm2(sm2_key(der)?),
                    algorithm,
                });
            }
        };
        let pair = KeyPair::from_pkcs8_der_and_sign_algo(&der.into(), sign_alg)
            .map_err(|e| KeyError::NotPkcs8(e.to_string()))?;
        let pair = SignerKey::Rcgen(pair);
        Ok(PrivateKey {
            pkcs8: Zeroizing::new(der.to_vec()),
            pair,
            algorithm,
        })
    }

    /// The PKCS#8 DER (for a TLS stack that takes the key as DER: `govpki serve`).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
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

    /// The key as rcgen signs with it, for certificate and CSR building (for SM2 under a
    /// stand-in algorithm: see [`SignerKey`]).
    pub fn key_pair(&self) -> &SignerKey {
        &self.pair
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> Vec<u8> {
        rcgen::PublicKeyData::subject_public_key_info(&self.pair)
    }

    /// Signs a message with the key's algorithm: ECDSA and SM2 signatures are DER
    /// `SEQUENCE { r, s }`; SM2 is SM2-with-SM3 with the user ID [`SM2_USER_ID`].
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.pair {
            SignerKey::Rcgen(k) => rcgen::SigningKey::sign(k, msg).map_err(|_| KeyError::Sign),
            SignerKey::Sm2(k) => sm2_sign(&k.signing, msg),
        }
    }

    /// SM2-with-SM3 over `msg` (user ID [`SM2_USER_ID`]), DER `SEQUENCE { r, s }`; an error
    /// for a key of another algorithm.
    pub fn sign_sm2_sm3(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.pair {
            SignerKey::Sm2(k) => sm2_sign(&k.signing, msg),
            SignerKey::Rcgen(_) => Err(KeyError::Unsupported(format!(
                "SM2-with-SM3 with a {} key",
                self.algorithm
            ))),
        }
    }

    /// The SM2 signing key (with the default user ID), for signers that build their own
    /// structures (GB/T 38540 seals); `None` for other algorithms.
    pub fn sm2_signing_key(&self) -> Option<&sm2::dsa::SigningKey> {
        match &self.pair {
            SignerKey::Sm2(k) => Some(&k.signing),
            SignerKey::Rcgen(_) => None,
        }
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
        Algorithm::Sm2 => SM2_WITH_SM3_DER,
    }
}

/// Reads an SM2 PKCS#8 key into its signer (user ID [`SM2_USER_ID`]) and public forms.
fn sm2_key(pkcs8_der: &[u8]) -> Result<Sm2Key, KeyError> {
    use sm2::elliptic_curve::sec1::ToEncodedPoint;
    use sm2::pkcs8::{DecodePrivateKey, EncodePublicKey};
    let secret = sm2::SecretKey::from_pkcs8_der(pkcs8_der)
        .map_err(|e| KeyError::NotPkcs8(format!("SM2 key: {e}")))?;
    let public = secret.public_key();
    let point = public.to_encoded_point(false).as_bytes().to_vec();
    let spki = public
        .to_public_key_der()
        .map_err(|e| KeyError::NotPkcs8(format!("SM2 key: {e}")))?
        .as_bytes()
        .to_vec();
    let signing = sm2::dsa::SigningKey::new(SM2_USER_ID, &secret)
        .map_err(|e| KeyError::NotPkcs8(format!("SM2 key: {e}")))?;
    Ok(Sm2Key {
        signing,
        point,
        spki,
    })
}

/// Whether `spki_der` is an SM2 public key (`id-ecPublicKey` on curve `1.2.156.10197.1.301`).
pub fn is_sm2_spki(spki_der: &[u8]) -> bool {
    spki::SubjectPublicKeyInfoRef::from_der(spki_der).is_ok_and(|s| {
        s.algorithm.oid == crate::pkix::sig::oid::EC_PUBLIC_KEY
            && s.algorithm.parameters_oid().ok() == Some(crate::pkix::sig::oid::SM2_CURVE)
    })
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
                "1.2.156.10197.1.301" => {
                    // The point must be on the curve: a CA certifies only keys that can sign.
                    sm2::PublicKey::from_sec1_bytes(spki.subject_public_key.raw_bytes())
                        .map_err(|_| KeyError::Unsupported("malformed SM2 public key".into()))?;
                    Ok("SM2".into())
                }
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
    fn sm2_key_is_pkcs8_on_the_sm2_curve_and_signs_der_with_the_default_id() {
        use sm2::dsa::signature::Verifier;
        let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
        assert!(is_sm2_spki(&key.spki_der()));
        assert_eq!(describe_spki(&key.spki_der()).unwrap(), "SM2");
        let sig = key.sign(b"tbs").unwrap();
        // DER SEQUENCE { r, s }, never the 64-byte r || s.
        assert_eq!(sig.first(), Some(&0x30));
        assert_ne!(sig.len(), 64);
        let parsed = crate::pkix::sig::sm2_signature(&sig).unwrap();
        assert_eq!(sm2_signature_der(&parsed), sig);
        let point = key.key_pair().public_key_raw();
        let with = |id: &str| sm2::dsa::VerifyingKey::from_sec1_bytes(id, point).unwrap();
        assert!(with("1234567812345678").verify(b"tbs", &parsed).is_ok());
        assert!(with("").verify(b"tbs", &parsed).is_err());
        assert!(with("1234567812345678").verify(b"tbx", &parsed).is_err());
        assert!(key.sign_sm2_sm3(b"tbs").unwrap().len() > 64);
        assert!(key.sm2_signing_key().is_some());
        let p256 = PrivateKey::generate(Algorithm::P256).unwrap();
        assert!(p256.sm2_signing_key().is_none());
        assert!(p256.sign_sm2_sm3(b"x").is_err());
        assert!(!is_sm2_spki(&p256.spki_der()));
        assert_eq!(key.signature_algorithm_der(), SM2_WITH_SM3_DER);
        // Encrypted at rest like the others, and back.
        let pem = key.to_pem(Some("pw"), [3; 16], [4; 16]).unwrap();
        let back = PrivateKey::from_pem(&pem, || Ok(Zeroizing::new("pw".into()))).unwrap();
        assert_eq!(back.algorithm(), Algorithm::Sm2);
        assert_eq!(back.spki_der(), key.spki_der());
    }

    #[test]
    fn an_sm2_point_off_the_curve_is_refused() {
        let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
        let mut spki = key.spki_der();
        let last = spki.len() - 1;
        spki[last] ^= 0x01;
        assert!(describe_spki(&spki).is_err());
    }

    #[test]
    fn every_algorithm_signs() {
        for alg in [
            Algorithm::P256,
            Algorithm::P384,
            Algorithm::Ed25519,
            Algorithm::Sm2,
        ] {
            let key = PrivateKey::generate(alg).unwrap();
            assert!(!key.sign(b"x").unwrap().is_empty());
            let plain = key.to_pem(None, [0; 16], [0; 16]).unwrap();
            let back = PrivateKey::from_pem(&plain, || Err(KeyError::EmptyPassphrase)).unwrap();
            assert_eq!(back.algorithm(), alg);
            assert!(describe_spki(&key.spki_der()).is_ok());
        }
    }
}
