//! Signature verification, pluggable. PLACEHOLDER: the API is fixed, the body is being
//! written (wt-sig).

use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

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

/// Every algorithm govpki reads: ECDSA P-256/P-384 (SHA-256/384/512), Ed25519, RSA PKCS#1 v1.5
/// and PSS (SHA-256/384/512; SHA-1 and keys under 2048 bits refused), DSA (for PKITS),
/// SM2-with-SM3 with the GM/T 0009 default user ID.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultVerifier {
    /// Accept SHA-1 signatures.
    pub allow_sha1: bool,
}

impl SignatureVerifier for DefaultVerifier {
    fn verify(
        &self,
        _spki: &SubjectPublicKeyInfoOwned,
        alg: &AlgorithmIdentifierOwned,
        _message: &[u8],
        _signature: &[u8],
    ) -> Result<(), SigError> {
        Err(SigError::UnsupportedAlgorithm(alg.oid.to_string()))
    }
}

/// The DSA public-key algorithm (1.2.840.10040.4.1): a DSA key whose parameters are absent
/// inherits its issuer's (RFC 5280 §6.1.4 (d)-(f)).
pub const DSA_KEY: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
