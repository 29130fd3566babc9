//! Raw signatures for seals and document signatures: the [`SealSigner`] abstraction, a `ring`
//! implementation from PKCS#8 DER keys, an SM2 implementation ([`Sm2Signer`], `sm2` crate), and
//! verification of a signature with the public key of a certificate.
//!
//! Supported: ECDSA P-256 with SHA-256, ECDSA P-384 with SHA-384 (ASN.1 `Ecdsa-Sig-Value`
//! signatures), Ed25519, RSA PKCS#1 v1.5 with SHA-256, SM2-with-SM3 (user ID
//! `1234567812345678`, DER `SEQUENCE { r, s }`). Verification additionally accepts the
//! other hash pairings `ring` knows (P-256/SHA-384, P-384/SHA-256, RSA with SHA-384/512, and
//! `rsaEncryption` as a CMS signature algorithm), and SM2-with-SM3 (GB/T 32918, the signature
//! of GB/T 38540 seals, with the default user ID `1234567812345678` of GB/T 35276). RSA-PSS is
//! reported as unsupported, never as invalid. This module does not build or check certificate
//! chains.

use der::asn1::ObjectIdentifier;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use x509_parser::prelude::FromDer;

use super::SealError;

/// OIDs this module knows, by their RFC names.
pub mod oid {
    use der::asn1::ObjectIdentifier;

    pub const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
    pub const ECDSA_WITH_SHA256: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_WITH_SHA384: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_WITH_SHA512: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
    pub const ID_EC_PUBLIC_KEY: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    pub const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    pub const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
    pub const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
    pub const RSA_ENCRYPTION: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    pub const RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
    pub const SHA256_WITH_RSA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
    pub const SHA384_WITH_RSA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
    pub const SHA512_WITH_RSA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
    /// SM2 signature with SM3 (GM/T 0006), used by GB/T 38540 seals.
    /// SM3 (GM/T 0004, GB/T 32905).
    pub const SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.401");
    pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
    /// The SM2 curve (GM/T 0006), as an `id-ecPublicKey` parameter.
    pub const SM2_CURVE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
}

/// A hash function for document digests and CMS `digestAlgorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestAlgorithm {
    Sha256,
    Sha384,
    Sha512,
    /// SM3 (GB/T 32905), the `dataHash` of a GB/T 38540 `SES_Signature`. Never chosen for CMS
    /// signatures or time-stamp imprints: [`DigestAlgorithm::from_oid`] does not return it.
    Sm3,
}

impl DigestAlgorithm {
    /// The algorithm's OID (RFC 5754).
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            DigestAlgorithm::Sha256 => oid::SHA256,
            DigestAlgorithm::Sha384 => oid::SHA384,
            DigestAlgorithm::Sha512 => oid::SHA512,
            DigestAlgorithm::Sm3 => oid::SM3,
        }
    }

    /// The algorithm for a CMS or RFC 3161 digest OID, if it is one of ours (SHA-2 only).
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|d| d.oid() == *oid)
    }

    /// `sha256`, `sha384`, `sha512`, `sm3`.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
            DigestAlgorithm::Sm3 => "sm3",
        }
    }

    /// The digest length in octets.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 | DigestAlgorithm::Sm3 => 32,
            DigestAlgorithm::Sha384 => 48,
            DigestAlgorithm::Sha512 => 64,
        }
    }

    /// Hashes bytes held in memory.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finish()
    }
}

/// An incremental hash in one of the [`DigestAlgorithm`]s (for streaming documents).
pub(crate) enum Hasher {
    Ring(ring::digest::Context),
    Sm3(sm3::Sm3),
}

impl Hasher {
    pub(crate) fn new(algorithm: DigestAlgorithm) -> Self {
        let ring_alg = match algorithm {
            DigestAlgorithm::Sha256 => &ring::digest::SHA256,
            DigestAlgorithm::Sha384 => &ring::digest::SHA384,
            DigestAlgorithm::Sha512 => &ring::digest::SHA512,
            DigestAlgorithm::Sm3 => return Hasher::Sm3(<sm3::Sm3 as sm3::Digest>::new()),
        };
        Hasher::Ring(ring::digest::Context::new(ring_alg))
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Ring(c) => c.update(data),
            Hasher::Sm3(h) => sm3::Digest::update(h, data),
        }
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Ring(c) => c.finish().as_ref().to_vec(),
            Hasher::Sm3(h) => sm3::Digest::finalize(h).to_vec(),
        }
    }
}

impl std::fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The signature algorithms govpki signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// ECDSA on P-256 with SHA-256 (`ecdsa-with-SHA256`).
    EcdsaP256Sha256,
    /// ECDSA on P-384 with SHA-384 (`ecdsa-with-SHA384`).
    EcdsaP384Sha384,
    /// Ed25519 (PureEdDSA, RFC 8410 / RFC 8419).
    Ed25519,
    /// RSA PKCS#1 v1.5 with SHA-256 (`sha256WithRSAEncryption`).
    RsaPkcs1Sha256,
    /// SM2 with SM3 (GM/T 0003, `1.2.156.10197.1.501`), user ID `1234567812345678` (GM/T 0009):
    /// the signature of GB/T 38540 seals and seal-signatures.
    Sm2Sm3,
}

impl SignatureAlgorithm {
    /// The signature algorithm OID written into seals and `SignerInfo.signatureAlgorithm`.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => oid::ECDSA_WITH_SHA256,
            SignatureAlgorithm::EcdsaP384Sha384 => oid::ECDSA_WITH_SHA384,
            SignatureAlgorithm::Ed25519 => oid::ED25519,
            SignatureAlgorithm::RsaPkcs1Sha256 => oid::SHA256_WITH_RSA,
            SignatureAlgorithm::Sm2Sm3 => oid::SM2_WITH_SM3,
        }
    }

    /// The CMS `digestAlgorithm` that goes with this signature algorithm: the hash of the
    /// signature itself for ECDSA and RSA (OpenSSL verifies with the `digestAlgorithm`),
    /// SHA-512 for Ed25519 (RFC 8419 §3.1), and SM3 for SM2 (GB/T 35275 §7.1; govpki's CMS
    /// reader does not take SM3, so a `.p7s` by an SM2 signer is not offered).
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::RsaPkcs1Sha256 => {
                DigestAlgorithm::Sha256
            }
            SignatureAlgorithm::EcdsaP384Sha384 => DigestAlgorithm::Sha384,
            SignatureAlgorithm::Ed25519 => DigestAlgorithm::Sha512,
            SignatureAlgorithm::Sm2Sm3 => DigestAlgorithm::Sm3,
        }
    }

    /// Whether the `AlgorithmIdentifier` carries explicit NULL parameters (RSA, RFC 4055 §5),
    /// or none (ECDSA, RFC 5758 §3.2; Ed25519, RFC 8410 §3; SM2, GM/T 0015 §7.2).
    pub fn has_null_parameters(self) -> bool {
        matches!(self, SignatureAlgorithm::RsaPkcs1Sha256)
    }

    /// A short human name.
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            SignatureAlgorithm::EcdsaP384Sha384 => "ecdsa-p384-sha384",
            SignatureAlgorithm::Ed25519 => "ed25519",
            SignatureAlgorithm::RsaPkcs1Sha256 => "rsa-pkcs1-sha256",
            SignatureAlgorithm::Sm2Sm3 => "sm2-sm3",
        }
    }
}

/// Something that signs with a private key: the seal authority's key (over `SES_SealInfo`) or a
/// holder's key (over CMS signed attributes). The CA's own key type implements it too.
pub trait SealSigner: Send + Sync {
    /// The signature algorithm this key signs with.
    fn algorithm(&self) -> SignatureAlgorithm;

    /// The signature algorithm OID (default: from [`SealSigner::algorithm`]).
    fn algorithm_oid(&self) -> ObjectIdentifier {
        self.algorithm().oid()
    }

    /// The public key as it appears in a certificate's `subjectPublicKey` BIT STRING (an
    /// uncompressed EC point, 32 Ed25519 octets, or a DER `RSAPublicKey`).
    fn public_key(&self) -> &[u8];

    /// Signs `msg` (hashing it as the algorithm says). ECDSA signatures are DER
    /// `Ecdsa-Sig-Value`, SM2 signatures DER `SEQUENCE { r, s }` over SM3(Z_A ‖ msg).
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, SealError>;
}

enum RingKey {
    Ecdsa(EcdsaKeyPair, SignatureAlgorithm),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

/// A [`SealSigner`] over a `ring` key pair read from PKCS#8 DER (an unencrypted
/// `PrivateKeyInfo`, as the store hands it over after decrypting the key file).
pub struct RingSigner {
    key: RingKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for RingSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("RingSigner")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

impl RingSigner {
    /// Reads a PKCS#8 DER private key: ECDSA P-256 or P-384, Ed25519 (v1 or v2), or RSA
    /// (2048 to 8192 bits).
    pub fn from_pkcs8_der(pkcs8: &[u8]) -> Result<Self, SealError> {
        let rng = SystemRandom::new();
        let key = if let Ok(k) =
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng)
        {
            RingKey::Ecdsa(k, SignatureAlgorithm::EcdsaP256Sha256)
        } else if let Ok(k) =
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, pkcs8, &rng)
        {
            RingKey::Ecdsa(k, SignatureAlgorithm::EcdsaP384Sha384)
        } else if let Ok(k) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8) {
            RingKey::Ed25519(k)
        } else {
            match RsaKeyPair::from_pkcs8(pkcs8) {
                Ok(k) => RingKey::Rsa(k),
                Err(e) => {
                    return Err(SealError::Key {
                        reason: format!(
                            "not an ECDSA P-256/P-384, Ed25519 or RSA PKCS#8 key ({e})"
                        ),
                    });
                }
            }
        };
        Ok(Self { key, rng })
    }

    /// Whether this key is the one certified by `cert_der`.
    pub fn matches_certificate(&self, cert_der: &[u8]) -> Result<bool, SealError> {
        key_matches_certificate(self, cert_der)
    }
}

impl SealSigner for RingSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        match &self.key {
            RingKey::Ecdsa(_, alg) => *alg,
            RingKey::Ed25519(_) => SignatureAlgorithm::Ed25519,
            RingKey::Rsa(_) => SignatureAlgorithm::RsaPkcs1Sha256,
        }
    }

    fn public_key(&self) -> &[u8] {
        match &self.key {
            RingKey::Ecdsa(k, _) => k.public_key().as_ref(),
            RingKey::Ed25519(k) => k.public_key().as_ref(),
            RingKey::Rsa(k) => k.public_key().as_ref(),
        }
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, SealError> {
        let failed = |e: ring::error::Unspecified| SealError::Signing {
            reason: e.to_string(),
        };
        match &self.key {
            RingKey::Ecdsa(k, _) => Ok(k.sign(&self.rng, msg).map_err(failed)?.as_ref().to_vec()),
            RingKey::Ed25519(k) => Ok(k.sign(msg).as_ref().to_vec()),
            RingKey::Rsa(k) => {
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &self.rng, msg, &mut sig)
                    .map_err(failed)?;
                Ok(sig)
            }
        }
    }
}

/// A [`SealSigner`] over an SM2 private key (the `sm2` crate): SM2-with-SM3 (GB/T 32918) with
/// the user ID `1234567812345678` of GM/T 0009 whatever user ID the given key carries, the
/// signature as DER `SEQUENCE { r, s }` (GM/T 0009 §7.3, never the raw `r‖s`).
///
/// The nonce is derived from the key and the message (RFC 6979 with SM3, as the `sm2` crate
/// does), so signing needs no randomness source and the same input gives the same signature.
pub struct Sm2Signer {
    key: sm2::dsa::SigningKey,
    /// The uncompressed point `04 ‖ x ‖ y`, as in the certificate's `subjectPublicKey`.
    public_key: Vec<u8>,
}

impl std::fmt::Debug for Sm2Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Sm2Signer")
            .field("public_key", &hex::encode(&self.public_key))
            .finish_non_exhaustive()
    }
}

impl Sm2Signer {
    /// An SM2 signer from a key of the `sm2` crate. The key is re-bound to the default user ID
    /// `1234567812345678`: GB/T 38540 seals and seal-signatures, and GM/T 0015 certificates,
    /// are verified with that ID, so a signature under another ID would be refused by every
    /// verifier.
    pub fn new(key: &sm2::dsa::SigningKey) -> Result<Self, SealError> {
        use sm2::elliptic_curve::sec1::ToEncodedPoint;
        let key =
            sm2::dsa::SigningKey::from_nonzero_scalar(SM2_DEFAULT_ID, *key.as_nonzero_scalar())
                .map_err(|e| SealError::Key {
                    reason: format!("SM2 key: {e}"),
                })?;
        let public_key = key
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        Ok(Self { key, public_key })
    }

    /// An SM2 signer from the 32-octet big-endian private scalar `d` (1 ≤ d < n − 1).
    pub fn from_secret_bytes(d: &[u8]) -> Result<Self, SealError> {
        let key =
            sm2::dsa::SigningKey::from_slice(SM2_DEFAULT_ID, d).map_err(|_| SealError::Key {
                reason: "not an SM2 private key (32 octets, 1 <= d < n - 1)".into(),
            })?;
        Self::new(&key)
    }

    /// Whether this key is the one certified by `cert_der`.
    pub fn matches_certificate(&self, cert_der: &[u8]) -> Result<bool, SealError> {
        key_matches_certificate(self, cert_der)
    }
}

impl SealSigner for Sm2Signer {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::Sm2Sm3
    }

    fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, SealError> {
        use sm2::dsa::signature::Signer;
        let sig: sm2::dsa::Signature = self.key.try_sign(msg).map_err(|e| SealError::Signing {
            reason: format!("SM2: {e}"),
        })?;
        sm2_signature_der(&sig)
    }
}

/// `SEQUENCE { r INTEGER, s INTEGER }` (GM/T 0009 §7.3) of an SM2 signature.
fn sm2_signature_der(sig: &sm2::dsa::Signature) -> Result<Vec<u8>, SealError> {
    use der::Encode;
    use der::asn1::UintRef;
    #[derive(der::Sequence)]
    struct RS<'a> {
        r: UintRef<'a>,
        s: UintRef<'a>,
    }
    let failed = |e: der::Error| SealError::Signing {
        reason: format!("encoding the SM2 signature: {e}"),
    };
    let (r, s) = (sig.r_bytes(), sig.s_bytes());
    RS {
        r: UintRef::new(&r).map_err(failed)?,
        s: UintRef::new(&s).map_err(failed)?,
    }
    .to_der()
    .map_err(failed)
}

/// Whether `signer`'s public key is the one in the certificate `cert_der`.
pub fn key_matches_certificate(
    signer: &dyn SealSigner,
    cert_der: &[u8],
) -> Result<bool, SealError> {
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(cert_der).map_err(|e| {
        SealError::Certificate {
            what: "signer",
            reason: e.to_string(),
        }
    })?;
    Ok(cert.public_key().subject_public_key.data.as_ref() == signer.public_key())
}

/// The outcome of checking one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The signature verifies with the certificate's key.
    Valid,
    /// It does not (wrong key, altered data, or a key that cannot make this kind of signature).
    Invalid(String),
    /// The algorithm is one govpki cannot check (SM2-with-SM3, RSA-PSS, ...).
    Unsupported(String),
}

/// A readable name for a signature algorithm OID.
pub fn algorithm_name(alg: &ObjectIdentifier) -> String {
    let known = [
        (oid::ECDSA_WITH_SHA256, "ecdsa-with-SHA256"),
        (oid::ECDSA_WITH_SHA384, "ecdsa-with-SHA384"),
        (oid::ECDSA_WITH_SHA512, "ecdsa-with-SHA512"),
        (oid::ED25519, "Ed25519"),
        (oid::RSA_ENCRYPTION, "rsaEncryption"),
        (oid::RSASSA_PSS, "RSASSA-PSS"),
        (oid::SHA256_WITH_RSA, "sha256WithRSAEncryption"),
        (oid::SHA384_WITH_RSA, "sha384WithRSAEncryption"),
        (oid::SHA512_WITH_RSA, "sha512WithRSAEncryption"),
        (oid::SM2_WITH_SM3, "SM2-with-SM3"),
        (oid::SHA256, "sha256"),
        (oid::SHA384, "sha384"),
        (oid::SHA512, "sha512"),
        (oid::SM3, "sm3"),
    ];
    known
        .iter()
        .find(|(o, _)| o == alg)
        .map(|(_, n)| (*n).to_string())
        .unwrap_or_else(|| alg.to_string())
}

/// Verifies `sig` over `msg` with the public key of the certificate `cert_der`.
///
/// `alg` is the signature algorithm OID (a seal's `signAlgID` or a `SignerInfo`'s
/// `signatureAlgorithm`); `digest` is the CMS `digestAlgorithm`, needed when `alg` names only the
/// key type (`rsaEncryption`, `id-ecPublicKey`). An error means the certificate itself is
/// unparsable.
pub fn verify_signature_with_cert(
    cert_der: &[u8],
    alg: &ObjectIdentifier,
    digest: Option<DigestAlgorithm>,
    msg: &[u8],
    sig: &[u8],
) -> Result<SignatureCheck, SealError> {
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(cert_der).map_err(|e| {
        SealError::Certificate {
            what: "signature check",
            reason: e.to_string(),
        }
    })?;
    let spki = cert.public_key();
    let key_alg = ObjectIdentifier::from_bytes(spki.algorithm.algorithm.as_bytes()).ok();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .and_then(|o| ObjectIdentifier::from_bytes(o.as_bytes()).ok());
    let public_key = spki.subject_public_key.data.as_ref();

    if *alg == oid::SM2_WITH_SM3 || curve == Some(oid::SM2_CURVE) {
        return Ok(verify_sm2(alg, key_alg, curve, public_key, msg, sig));
    }
    let ring_alg = match pick_ring_algorithm(alg, digest, key_alg, curve) {
        Ok(a) => a,
        Err(check) => return Ok(check),
    };
    Ok(
        match signature::UnparsedPublicKey::new(ring_alg, public_key).verify(msg, sig) {
            Ok(()) => SignatureCheck::Valid,
            Err(_) => SignatureCheck::Invalid("the signature does not verify".to_string()),
        },
    )
}

/// The user ID GB/T 35276 gives SM2 signatures when none is agreed, which GB/T 38540 seals use.
const SM2_DEFAULT_ID: &str = "1234567812345678";

/// SM2-with-SM3: `sig` is DER `SEQUENCE { r, s }` over `msg` (hashed as SM3(Z_A || msg)).
fn verify_sm2(
    alg: &ObjectIdentifier,
    key_alg: Option<ObjectIdentifier>,
    curve: Option<ObjectIdentifier>,
    public_key: &[u8],
    msg: &[u8],
    sig: &[u8],
) -> SignatureCheck {
    use sm2::dsa::signature::Verifier;
    if *alg != oid::SM2_WITH_SM3 {
        return SignatureCheck::Invalid(format!(
            "the signature algorithm {} does not fit the certificate's SM2 key",
            algorithm_name(alg)
        ));
    }
    if key_alg != Some(oid::ID_EC_PUBLIC_KEY) || curve != Some(oid::SM2_CURVE) {
        return SignatureCheck::Invalid(
            "an SM2-with-SM3 signature needs a certificate with an SM2 key".to_string(),
        );
    }
    let Ok(key) = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, public_key) else {
        return SignatureCheck::Invalid("the certificate's SM2 public key is malformed".into());
    };
    let Some(signature) = crate::pkix::sig::sm2_signature(sig) else {
        return SignatureCheck::Invalid("the SM2 signature is not a DER (r, s) pair".into());
    };
    match key.verify(msg, &signature) {
        Ok(()) => SignatureCheck::Valid,
        Err(_) => SignatureCheck::Invalid("the signature does not verify".to_string()),
    }
}

fn pick_ring_algorithm(
    alg: &ObjectIdentifier,
    digest: Option<DigestAlgorithm>,
    key_alg: Option<ObjectIdentifier>,
    curve: Option<ObjectIdentifier>,
) -> Result<&'static dyn signature::VerificationAlgorithm, SignatureCheck> {
    use DigestAlgorithm::*;
    let unsupported = |what: String| Err(SignatureCheck::Unsupported(what));
    if *alg == oid::RSASSA_PSS {
        return unsupported("RSASSA-PSS is not supported".into());
    }
    let mismatch = || {
        Err(SignatureCheck::Invalid(format!(
            "the certificate's key cannot make a {} signature",
            algorithm_name(alg)
        )))
    };
    let ecdsa_hash = if *alg == oid::ECDSA_WITH_SHA256 {
        Some(Some(Sha256))
    } else if *alg == oid::ECDSA_WITH_SHA384 {
        Some(Some(Sha384))
    } else if *alg == oid::ECDSA_WITH_SHA512 {
        Some(Some(Sha512))
    } else if *alg == oid::ID_EC_PUBLIC_KEY {
        Some(digest)
    } else {
        None
    };
    if let Some(hash) = ecdsa_hash {
        if key_alg != Some(oid::ID_EC_PUBLIC_KEY) {
            return mismatch();
        }
        return match (curve, hash) {
            (Some(c), Some(Sha256)) if c == oid::SECP256R1 => {
                Ok(&signature::ECDSA_P256_SHA256_ASN1)
            }
            (Some(c), Some(Sha384)) if c == oid::SECP256R1 => {
                Ok(&signature::ECDSA_P256_SHA384_ASN1)
            }
            (Some(c), Some(Sha256)) if c == oid::SECP384R1 => {
                Ok(&signature::ECDSA_P384_SHA256_ASN1)
            }
            (Some(c), Some(Sha384)) if c == oid::SECP384R1 => {
                Ok(&signature::ECDSA_P384_SHA384_ASN1)
            }
            (c, h) => unsupported(format!(
                "ECDSA on curve {} with {} is not supported",
                c.map(|c| c.to_string()).unwrap_or_else(|| "(none)".into()),
                h.map(|h| h.name()).unwrap_or("no digest")
            )),
        };
    }
    if *alg == oid::ED25519 {
        return if key_alg == Some(oid::ED25519) {
            Ok(&signature::ED25519)
        } else {
            mismatch()
        };
    }
    let rsa_hash = if *alg == oid::SHA256_WITH_RSA {
        Some(Some(Sha256))
    } else if *alg == oid::SHA384_WITH_RSA {
        Some(Some(Sha384))
    } else if *alg == oid::SHA512_WITH_RSA {
        Some(Some(Sha512))
    } else if *alg == oid::RSA_ENCRYPTION {
        // RFC 3370 §3.2: `rsaEncryption` as a CMS signature algorithm, hash from digestAlgorithm.
        Some(digest)
    } else {
        None
    };
    if let Some(hash) = rsa_hash {
        if key_alg != Some(oid::RSA_ENCRYPTION) {
            return mismatch();
        }
        return match hash {
            Some(Sha256) => Ok(&signature::RSA_PKCS1_2048_8192_SHA256),
            Some(Sha384) => Ok(&signature::RSA_PKCS1_2048_8192_SHA384),
            Some(Sha512) => Ok(&signature::RSA_PKCS1_2048_8192_SHA512),
            Some(Sm3) | None => {
                unsupported("RSA signature without a known digest algorithm".into())
            }
        };
    }
    unsupported(format!(
        "signature algorithm {} is not supported",
        algorithm_name(alg)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_for(key: &rcgen::KeyPair) -> Vec<u8> {
        let params = rcgen::CertificateParams::new(vec![]).unwrap();
        params.self_signed(key).unwrap().der().to_vec()
    }

    #[test]
    fn ring_signer_round_trips_each_algorithm() {
        for alg in [
            &rcgen::PKCS_ECDSA_P256_SHA256,
            &rcgen::PKCS_ECDSA_P384_SHA384,
            &rcgen::PKCS_ED25519,
        ] {
            let key = rcgen::KeyPair::generate_for(alg).unwrap();
            let cert = cert_for(&key);
            let signer = RingSigner::from_pkcs8_der(&key.serialize_der()).unwrap();
            assert!(signer.matches_certificate(&cert).unwrap());
            let sig = signer.sign(b"hello").unwrap();
            let check =
                verify_signature_with_cert(&cert, &signer.algorithm_oid(), None, b"hello", &sig)
                    .unwrap();
            assert_eq!(check, SignatureCheck::Valid, "{alg:?}");
            let check =
                verify_signature_with_cert(&cert, &signer.algorithm_oid(), None, b"hellO", &sig)
                    .unwrap();
            assert!(matches!(check, SignatureCheck::Invalid(_)));
        }
    }

    #[test]
    fn key_of_another_certificate_does_not_match() {
        let a = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let b = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let signer = RingSigner::from_pkcs8_der(&a.serialize_der()).unwrap();
        assert!(!signer.matches_certificate(&cert_for(&b)).unwrap());
    }

    #[test]
    fn garbage_key_is_an_error() {
        assert!(matches!(
            RingSigner::from_pkcs8_der(b"not a key"),
            Err(SealError::Key { .. })
        ));
    }

    #[test]
    fn wrong_key_type_for_algorithm_is_invalid() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let cert = cert_for(&key);
        let c =
            verify_signature_with_cert(&cert, &oid::ECDSA_WITH_SHA256, None, b"x", b"y").unwrap();
        assert!(matches!(c, SignatureCheck::Invalid(_)));
        let c = verify_signature_with_cert(&cert, &oid::SM2_WITH_SM3, None, b"x", b"y").unwrap();
        assert!(matches!(c, SignatureCheck::Invalid(r) if r.contains("SM2 key")));
    }

    #[test]
    fn digest_oids_round_trip() {
        for d in [
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            assert_eq!(DigestAlgorithm::from_oid(&d.oid()), Some(d));
            assert_eq!(d.digest(b"").len(), d.output_len());
        }
    }
}
