//! Signature verification, pluggable: [`SignatureVerifier`] takes a subject public key info,
//! a signature algorithm identifier, the signed bytes and the signature, and says whether the
//! signature verifies. [`DefaultVerifier`] covers every algorithm govpki reads (ring for ECDSA,
//! Ed25519 and RSA; the `sm2` crate for SM2-with-SM3; the `dsa` crate for PKITS' DSA).
//!
//! It does not substitute inherited DSA parameters (the validator does, RFC 5280 §6.1.4 (d)-(f)),
//! check key usage, or read files or the clock.

use der::Encode;
use der::asn1::ObjectIdentifier as Oid;
use ring::signature as rs;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

mod dsa_sm2;
pub use dsa_sm2::SM2_DEFAULT_ID;
pub(crate) use dsa_sm2::sm2_signature;

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    #[error("unsupported or malformed public key: {0}")]
    UnsupportedKey(String),
    #[error("the signature algorithm does not fit the key")]
    KeyMismatch,
    #[error("the signature does not verify")]
    BadSignature,
}

/// Verifies a signature made with the private key of `spki` over `message`.
pub trait SignatureVerifier: Send + Sync {
    fn verify(
        &self,
        spki: &SubjectPublicKeyInfoOwned,
        alg: &AlgorithmIdentifierOwned,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SigError>;
}

/// Every algorithm govpki reads: ECDSA P-256/P-384 (SHA-256/384), Ed25519, RSA PKCS#1 v1.5
/// and PSS (SHA-256/384/512; keys under 2048 bits refused), DSA (for PKITS), SM2-with-SM3 with
/// the GM/T 0009 default user ID. SHA-1 and DSA only when `allow_sha1` (legacy) is set.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultVerifier {
    /// Accept legacy signatures: SHA-1 (sha1WithRSAEncryption, dsa-with-sha1) and DSA with any
    /// hash (PKITS; old hierarchies).
    pub allow_sha1: bool,
}

/// The DSA public-key algorithm (1.2.840.10040.4.1): a DSA key whose parameters are absent
/// inherits its issuer's (RFC 5280 §6.1.4 (d)-(f)).
pub const DSA_KEY: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");

/// Algorithm identifiers this module knows.
pub mod oid {
    use der::asn1::ObjectIdentifier as O;
    pub const RSA_ENCRYPTION: O = O::new_unwrap("1.2.840.113549.1.1.1");
    pub const SHA1_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.5");
    pub const SHA256_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: O = O::new_unwrap("1.2.840.113549.1.1.13");
    pub const RSASSA_PSS: O = O::new_unwrap("1.2.840.113549.1.1.10");
    pub const MGF1: O = O::new_unwrap("1.2.840.113549.1.1.8");
    pub const SHA1: O = O::new_unwrap("1.3.14.3.2.26");
    pub const SHA256: O = O::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA384: O = O::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA512: O = O::new_unwrap("2.16.840.1.101.3.4.2.3");
    pub const EC_PUBLIC_KEY: O = O::new_unwrap("1.2.840.10045.2.1");
    pub const P256: O = O::new_unwrap("1.2.840.10045.3.1.7");
    pub const P384: O = O::new_unwrap("1.3.132.0.34");
    pub const ECDSA_SHA1: O = O::new_unwrap("1.2.840.10045.4.1");
    pub const ECDSA_SHA256: O = O::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_SHA384: O = O::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_SHA512: O = O::new_unwrap("1.2.840.10045.4.3.4");
    pub const ED25519: O = O::new_unwrap("1.3.101.112");
    pub const DSA_SHA1: O = O::new_unwrap("1.2.840.10040.4.3");
    pub const DSA_SHA256: O = O::new_unwrap("2.16.840.1.101.3.4.3.2");
    pub const SM2_WITH_SM3: O = O::new_unwrap("1.2.156.10197.1.501");
    pub const SM2_CURVE: O = O::new_unwrap("1.2.156.10197.1.301");
}

/// Hash functions the RSA and DSA paths name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

fn sha1_refused() -> SigError {
    SigError::UnsupportedAlgorithm(
        "SHA-1 signature refused (allow SHA-1 explicitly to accept it)".into(),
    )
}

/// Parameters absent or NULL (RFC 4055 §5 allows both for PKCS#1 v1.5; SM2 producers vary).
fn absent_or_null(alg: &AlgorithmIdentifierOwned) -> bool {
    match &alg.parameters {
        None => true,
        Some(p) => der::Tagged::tag(p) == der::Tag::Null && p.value().is_empty(),
    }
}

fn key_curve(spki: &SubjectPublicKeyInfoOwned) -> Option<Oid> {
    spki.algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<Oid>().ok())
}

fn key_bytes(spki: &SubjectPublicKeyInfoOwned) -> Result<&[u8], SigError> {
    spki.subject_public_key
        .as_bytes()
        .ok_or_else(|| SigError::UnsupportedKey("public key bit string is not whole octets".into()))
}

fn ring_verify(
    alg: &'static dyn rs::VerificationAlgorithm,
    key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigError> {
    rs::UnparsedPublicKey::new(alg, key)
        .verify(message, signature)
        .map_err(|_| SigError::BadSignature)
}

impl SignatureVerifier for DefaultVerifier {
    fn verify(
        &self,
        spki: &SubjectPublicKeyInfoOwned,
        alg: &AlgorithmIdentifierOwned,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SigError> {
        let a = alg.oid;
        if a == oid::SM2_WITH_SM3 || a == oid::SM2_CURVE {
            if !absent_or_null(alg) {
                return Err(SigError::UnsupportedAlgorithm(
                    "SM2-with-SM3 with parameters".into(),
                ));
            }
            return dsa_sm2::verify_sm2(spki, message, signature);
        }
        if a == oid::ECDSA_SHA256 || a == oid::ECDSA_SHA384 || a == oid::ECDSA_SHA512 {
            return verify_ecdsa(spki, alg, message, signature);
        }
        if a == oid::ECDSA_SHA1 {
            if !self.allow_sha1 {
                return Err(sha1_refused());
            }
            // ring verifies no ECDSA with SHA-1.
            return Err(SigError::UnsupportedAlgorithm(
                "ecdsa-with-SHA1 (no SHA-1 ECDSA verifier)".into(),
            ));
        }
        if a == oid::ED25519 {
            if alg.parameters.is_some() {
                return Err(SigError::UnsupportedAlgorithm(
                    "Ed25519 with parameters".into(),
                ));
            }
            if spki.algorithm.oid != oid::ED25519 {
                return Err(SigError::KeyMismatch);
            }
            return ring_verify(&rs::ED25519, key_bytes(spki)?, message, signature);
        }
        let pkcs1 = match a {
            x if x == oid::SHA1_WITH_RSA => Some(Hash::Sha1),
            x if x == oid::SHA256_WITH_RSA => Some(Hash::Sha256),
            x if x == oid::SHA384_WITH_RSA => Some(Hash::Sha384),
            x if x == oid::SHA512_WITH_RSA => Some(Hash::Sha512),
            _ => None,
        };
        if let Some(h) = pkcs1 {
            if !absent_or_null(alg) {
                return Err(SigError::UnsupportedAlgorithm(format!(
                    "{a} with parameters other than NULL"
                )));
            }
            let ring_alg: &'static dyn rs::VerificationAlgorithm = match h {
                Hash::Sha1 if !self.allow_sha1 => return Err(sha1_refused()),
                Hash::Sha1 => &rs::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                Hash::Sha256 => &rs::RSA_PKCS1_2048_8192_SHA256,
                Hash::Sha384 => &rs::RSA_PKCS1_2048_8192_SHA384,
                Hash::Sha512 => &rs::RSA_PKCS1_2048_8192_SHA512,
            };
            return verify_rsa(spki, ring_alg, message, signature);
        }
        if a == oid::RSASSA_PSS {
            let ring_alg: &'static dyn rs::VerificationAlgorithm = match pss_hash(alg)? {
                Hash::Sha256 => &rs::RSA_PSS_2048_8192_SHA256,
                Hash::Sha384 => &rs::RSA_PSS_2048_8192_SHA384,
                Hash::Sha512 => &rs::RSA_PSS_2048_8192_SHA512,
                Hash::Sha1 => return Err(sha1_refused()),
            };
            return verify_rsa(spki, ring_alg, message, signature);
        }
        if a == oid::DSA_SHA1 || a == oid::DSA_SHA256 {
            if alg.parameters.is_some() {
                return Err(SigError::UnsupportedAlgorithm(format!(
                    "{a} with parameters"
                )));
            }
            // DSA is a legacy algorithm (withdrawn by FIPS 186-5): only with the legacy
            // switch, whatever the hash (x509-limbo webpki::forbidden-dsa-root).
            if spki.algorithm.oid != DSA_KEY {
                return Err(SigError::KeyMismatch);
            }
            if !self.allow_sha1 && a == oid::DSA_SHA1 {
                return Err(sha1_refused());
            }
            if !self.allow_sha1 {
                return Err(SigError::UnsupportedAlgorithm(
                    "DSA signatures are refused (legacy; cert verify --allow-legacy accepts them)"
                        .into(),
                ));
            }
            let h = if a == oid::DSA_SHA1 {
                Hash::Sha1
            } else {
                Hash::Sha256
            };
            return dsa_sm2::verify_dsa(spki, h, message, signature);
        }
        Err(SigError::UnsupportedAlgorithm(a.to_string()))
    }
}

fn verify_ecdsa(
    spki: &SubjectPublicKeyInfoOwned,
    alg: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigError> {
    // RFC 5758 §3.2: the parameters MUST be absent.
    if alg.parameters.is_some() {
        return Err(SigError::UnsupportedAlgorithm(format!(
            "{} with parameters",
            alg.oid
        )));
    }
    if spki.algorithm.oid != oid::EC_PUBLIC_KEY {
        return Err(SigError::KeyMismatch);
    }
    let curve = key_curve(spki);
    let a = alg.oid;
    let ring_alg: &'static dyn rs::VerificationAlgorithm = match curve {
        Some(c) if c == oid::P256 && a == oid::ECDSA_SHA256 => &rs::ECDSA_P256_SHA256_ASN1,
        Some(c) if c == oid::P256 && a == oid::ECDSA_SHA384 => &rs::ECDSA_P256_SHA384_ASN1,
        Some(c) if c == oid::P384 && a == oid::ECDSA_SHA256 => &rs::ECDSA_P384_SHA256_ASN1,
        Some(c) if c == oid::P384 && a == oid::ECDSA_SHA384 => &rs::ECDSA_P384_SHA384_ASN1,
        Some(c) if c == oid::SM2_CURVE => return Err(SigError::KeyMismatch),
        Some(c) if c == oid::P256 || c == oid::P384 => {
            return Err(SigError::UnsupportedAlgorithm(format!(
                "{a} on curve {c} (no SHA-512 ECDSA verifier)"
            )));
        }
        Some(c) => return Err(SigError::UnsupportedKey(format!("EC curve {c}"))),
        None => {
            return Err(SigError::UnsupportedKey(
                "EC key without a named curve".into(),
            ));
        }
    };
    ring_verify(ring_alg, key_bytes(spki)?, message, signature)
}

fn verify_rsa(
    spki: &SubjectPublicKeyInfoOwned,
    ring_alg: &'static dyn rs::VerificationAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigError> {
    let k = spki.algorithm.oid;
    if k != oid::RSA_ENCRYPTION && k != oid::RSASSA_PSS {
        return Err(SigError::KeyMismatch);
    }
    let key = key_bytes(spki)?;
    // ring folds a short key into its one error; say it plainly instead.
    let pk = rsa_modulus_bits(key)
        .ok_or_else(|| SigError::UnsupportedKey("malformed RSA public key".into()))?;
    if pk < 2048 {
        return Err(SigError::UnsupportedKey(format!(
            "RSA key of {pk} bits (2048 at least)"
        )));
    }
    ring_verify(ring_alg, key, message, signature)
}

/// Bits of the modulus of an RSAPublicKey (RFC 8017 A.1.1).
fn rsa_modulus_bits(key: &[u8]) -> Option<usize> {
    use der::Decode;
    let k = rsa::pkcs1::RsaPublicKey::from_der(key).ok()?;
    let n = k.modulus.as_bytes();
    let first = *n.first()?;
    Some((n.len() - 1) * 8 + (8 - first.leading_zeros() as usize))
}

fn hash_of(o: Oid) -> Option<Hash> {
    match o {
        x if x == oid::SHA1 => Some(Hash::Sha1),
        x if x == oid::SHA256 => Some(Hash::Sha256),
        x if x == oid::SHA384 => Some(Hash::Sha384),
        x if x == oid::SHA512 => Some(Hash::Sha512),
        _ => None,
    }
}

/// RSASSA-PSS parameters (RFC 4055 §3.1): only hash H, MGF1 with H and salt = |H| are read.
fn pss_hash(alg: &AlgorithmIdentifierOwned) -> Result<Hash, SigError> {
    use der::Decode;
    let bad = |why: &str| SigError::UnsupportedAlgorithm(format!("RSASSA-PSS {why}"));
    let params = alg
        .parameters
        .as_ref()
        .ok_or_else(|| bad("without parameters"))?;
    let der = params.to_der().map_err(|_| bad("parameters"))?;
    let p = rsa::pkcs1::RsaPssParams::from_der(&der).map_err(|_| bad("malformed parameters"))?;
    let h = hash_of(p.hash.oid).ok_or_else(|| bad("hash"))?;
    if p.mask_gen.oid != oid::MGF1 {
        return Err(bad("mask generation function"));
    }
    let mgf_hash = p
        .mask_gen
        .parameters
        .as_ref()
        .map(|m| m.oid)
        .ok_or_else(|| bad("MGF1 without a hash"))?;
    if hash_of(mgf_hash) != Some(h) {
        return Err(bad("MGF1 hash differs from the message hash"));
    }
    let want = match h {
        Hash::Sha1 => 20,
        Hash::Sha256 => 32,
        Hash::Sha384 => 48,
        Hash::Sha512 => 64,
    };
    if p.salt_len != want {
        return Err(bad("salt length other than the hash length"));
    }
    if p.trailer_field != rsa::pkcs1::TrailerField::BC {
        return Err(bad("trailer field"));
    }
    Ok(h)
}

#[cfg(test)]
mod tests;
