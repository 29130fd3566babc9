//! SM2-with-SM3 (GM/T 0003, user ID of GM/T 0009) and DSA (FIPS 186, for PKITS).

use der::Encode;
use spki::SubjectPublicKeyInfoOwned;

use super::{Hash, SigError, key_bytes, key_curve, oid};

/// The user ID GM/T 0009 gives SM2 signatures when none is agreed.
pub const SM2_DEFAULT_ID: &str = "1234567812345678";

/// SM2-with-SM3 over `message` (hashed as SM3(Z_A || message)); `signature` is DER
/// `SEQUENCE { r, s }`.
pub(super) fn verify_sm2(
    spki: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigError> {
    use sm2::dsa::signature::Verifier;
    if spki.algorithm.oid != oid::EC_PUBLIC_KEY || key_curve(spki) != Some(oid::SM2_CURVE) {
        return Err(SigError::KeyMismatch);
    }
    let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, key_bytes(spki)?)
        .map_err(|_| SigError::UnsupportedKey("malformed SM2 public key".into()))?;
    let sig = sm2_signature(signature).ok_or(SigError::BadSignature)?;
    key.verify(message, &sig)
        .map_err(|_| SigError::BadSignature)
}

/// Reads `SEQUENCE { r INTEGER, s INTEGER }` (GM/T 0009 §7.3), each at most 32 octets.
pub(crate) fn sm2_signature(der_sig: &[u8]) -> Option<sm2::dsa::Signature> {
    use der::asn1::UintRef;
    use der::{Decode, Reader, SliceReader};
    let mut reader = SliceReader::new(der_sig).ok()?;
    let (r, s) = reader
        .sequence(|seq| Ok((UintRef::decode(seq)?, UintRef::decode(seq)?)))
        .ok()?;
    reader.finish(()).ok()?;
    let field = |x: UintRef<'_>| -> Option<[u8; 32]> {
        let bytes = x.as_bytes();
        let mut out = [0u8; 32];
        out.get_mut(32usize.checked_sub(bytes.len())?..)?
            .copy_from_slice(bytes);
        Some(out)
    };
    sm2::dsa::Signature::from_scalars(field(r)?, field(s)?).ok()
}

/// DSA with SHA-1 or SHA-256; the key's parameters must be in `spki` (the validator
/// substitutes inherited ones first).
pub(super) fn verify_dsa(
    spki: &SubjectPublicKeyInfoOwned,
    hash: Hash,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SigError> {
    use dsa::pkcs8::DecodePublicKey;
    use dsa::signature::hazmat::PrehashVerifier;
    if spki.algorithm.oid != super::DSA_KEY {
        return Err(SigError::KeyMismatch);
    }
    if spki.algorithm.parameters.is_none() {
        return Err(SigError::UnsupportedKey(
            "DSA key without parameters".into(),
        ));
    }
    let der = spki
        .to_der()
        .map_err(|_| SigError::UnsupportedKey("DSA key".into()))?;
    let key = dsa::VerifyingKey::from_public_key_der(&der)
        .map_err(|_| SigError::UnsupportedKey("malformed DSA key".into()))?;
    let sig = dsa::Signature::try_from(signature).map_err(|_| SigError::BadSignature)?;
    let digest = match hash {
        Hash::Sha1 => ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, message),
        Hash::Sha256 => ring::digest::digest(&ring::digest::SHA256, message),
        Hash::Sha384 | Hash::Sha512 => {
            return Err(SigError::UnsupportedAlgorithm(
                "DSA with SHA-384/512".into(),
            ));
        }
    };
    key.verify_prehash(digest.as_ref(), &sig)
        .map_err(|_| SigError::BadSignature)
}
