//! Makes GB/T 38540 version 4 seal-signatures (`SES_Signature`, 电子签章), the format other
//! Chinese seal systems read: the seal, the signing time, the SM3 of the document and a
//! `propertyInfo` go into `TBS_Sign`, which the holder's SM2 key signs.
//!
//! ```text
//! SES_Signature ::= SEQUENCE {
//!     toSign          TBS_Sign { version 4, eseal, timeInfo, dataHash, propertyInfo },
//!     cert            OCTET STRING,            -- the holder's certificate, DER
//!     signatureAlgID  OBJECT IDENTIFIER,       -- 1.2.156.10197.1.501, SM2-with-SM3
//!     signature       BIT STRING }             -- SM2 over DER(toSign), DER SEQUENCE { r, s }
//! ```
//!
//! The layout is that of ofdrw's `SignedValueV4.dat` (`testdata/gbt38540`): no `extDatas`, no
//! time-stamp, the seal embedded octet for octet. Only SM2 holders sign (GB/T 38540 §7.1 names
//! SM2-with-SM3; the user ID is `1234567812345678`, see [`crate::seal::signer::Sm2Signer`]).
//!
//! Pure: the seal, the certificate, the key, the document's SM3 and the time come in, DER comes
//! out. It does not decide whether the seal may be applied now (validity, revocation, holder
//! listed): that is [`crate::seal::check_before_signing`], which the caller runs first. It does
//! not read files or the clock, and hashes no document itself (the caller streams it through
//! [`crate::seal::hash_document_with`] with [`DigestAlgorithm::Sm3`]).

use der::Encode;
use der::asn1::{AnyRef, BitStringRef, Ia5StringRef, OctetStringRef};
use time::OffsetDateTime;

use crate::seal::SealError;
use crate::seal::asn1::{SesSignatureDer, TbsSign};
use crate::seal::cms::DocumentHash;
use crate::seal::seal::{Seal, generalized_from_time, parse_certificate};
use crate::seal::signer::{self, DigestAlgorithm, SealSigner, SignatureAlgorithm};
use crate::seal::{asn1, certificate_subject};

use super::VERSION_4;

/// The longest `propertyInfo` accepted (an OFD path such as `/Doc_0/Signs/Sign_0/Signature.xml`
/// is 34 characters).
pub const PROPERTY_INFO_MAX: usize = 1024;

fn spec(field: &'static str, reason: impl Into<String>) -> SealError {
    SealError::Spec {
        field,
        reason: reason.into(),
    }
}

fn encoding(what: &'static str) -> impl Fn(der::Error) -> SealError {
    move |source| SealError::Malformed { what, source }
}

/// Signs documents with one seal, one holder certificate and its SM2 key: the checks that do
/// not depend on the document are made once, in [`SesSigner::new`]. It is `Sync`: share it
/// across threads (one `SesSigner` for a batch of documents).
pub struct SesSigner<'a> {
    seal: &'a Seal,
    signer_cert: &'a [u8],
    signer: &'a dyn SealSigner,
}

impl std::fmt::Debug for SesSigner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SesSigner")
            .field("es_id", &self.seal.info().es_id)
            .field("signer", &certificate_subject(self.signer_cert))
            .finish_non_exhaustive()
    }
}

impl<'a> SesSigner<'a> {
    /// Refused: a signer that does not sign SM2-with-SM3, a certificate that does not parse or
    /// does not certify the signer's key, and a seal that is not version 4 (a version 4
    /// `TBS_Sign` embeds a GB/T 38540 seal; GM/T 0031-2025 pairs version 5 with version 5).
    pub fn new(
        seal: &'a Seal,
        signer_cert_der: &'a [u8],
        signer: &'a dyn SealSigner,
    ) -> Result<Self, SealError> {
        if signer.algorithm() != SignatureAlgorithm::Sm2Sm3 {
            return Err(spec(
                "signer key",
                format!(
                    "an SES_Signature is signed SM2-with-SM3 (GB/T 38540 §7.1), not {}",
                    signer.algorithm().name()
                ),
            ));
        }
        let cert = parse_certificate("seal-signature signer", signer_cert_der)?;
        if !signer::key_matches_certificate(signer, signer_cert_der)? {
            return Err(SealError::KeyMismatch {
                subject: crate::ca::dn::display_name(cert.subject()),
            });
        }
        if seal.info().version != asn1::VERSION_4 {
            return Err(spec(
                "seal",
                format!(
                    "seal `{}` is version {}; a version 4 SES_Signature embeds a version 4 (GB/T 38540) seal",
                    seal.info().es_id,
                    seal.info().version
                ),
            ));
        }
        Ok(Self {
            seal,
            signer_cert: signer_cert_der,
            signer,
        })
    }

    /// The DER `SES_Signature` over a document whose SM3 is `document`, claiming `time_info`.
    /// `property_info` says what was signed (in an OFD package, the path of the signed
    /// `Signature.xml`): 1 to [`PROPERTY_INFO_MAX`] printable ASCII characters (an IA5String).
    pub fn sign(
        &self,
        document: &DocumentHash,
        time_info: OffsetDateTime,
        property_info: &str,
    ) -> Result<Vec<u8>, SealError> {
        if document.algorithm != DigestAlgorithm::Sm3
            || document.value.len() != DigestAlgorithm::Sm3.output_len()
        {
            return Err(spec(
                "document hash",
                format!(
                    "an SES_Signature carries the document's SM3 (32 octets), not {} ({} octets)",
                    document.algorithm,
                    document.value.len()
                ),
            ));
        }
        if property_info.is_empty()
            || property_info.len() > PROPERTY_INFO_MAX
            || !property_info
                .bytes()
                .all(|b| b == b' ' || b.is_ascii_graphic())
        {
            return Err(spec(
                "propertyInfo",
                format!(
                    "`{property_info}` is not 1 to {PROPERTY_INFO_MAX} printable ASCII characters"
                ),
            ));
        }
        let tbs = TbsSign {
            version: VERSION_4,
            eseal: AnyRef::try_from(self.seal.to_der())
                .map_err(encoding("seal-signature (TBS_Sign.eseal)"))?,
            time_info: generalized_from_time("timeInfo", time_info)?,
            data_hash: BitStringRef::from_bytes(&document.value)
                .map_err(encoding("seal-signature (TBS_Sign.dataHash)"))?,
            property_info: Ia5StringRef::new(property_info)
                .map_err(encoding("seal-signature (TBS_Sign.propertyInfo)"))?,
        };
        let tbs_der = tbs
            .to_der()
            .map_err(encoding("seal-signature (TBS_Sign)"))?;
        let signature = self.signer.sign(&tbs_der)?;
        SesSignatureDer {
            to_sign: AnyRef::try_from(tbs_der.as_slice())
                .map_err(encoding("seal-signature (TBS_Sign)"))?,
            cert: OctetStringRef::new(self.signer_cert)
                .map_err(encoding("seal-signature (cert)"))?,
            signature_alg_id: self.signer.algorithm_oid(),
            signature: BitStringRef::from_bytes(&signature)
                .map_err(encoding("seal-signature (signature)"))?,
        }
        .to_der()
        .map_err(encoding("seal-signature (SES_Signature)"))
    }
}

/// One document's `SES_Signature`: [`SesSigner::new`] then [`SesSigner::sign`]. For the
/// `seal sign --format ses` path: after `check_before_signing(seal, signer_cert, now, revoked)`,
/// hash the document with [`crate::seal::hash_document_with`]`(DigestAlgorithm::Sm3, reader)`
/// and write what this returns.
pub fn sign_document(
    seal: &Seal,
    signer_cert_der: &[u8],
    signer: &dyn SealSigner,
    document: &DocumentHash,
    time_info: OffsetDateTime,
    property_info: &str,
) -> Result<Vec<u8>, SealError> {
    SesSigner::new(seal, signer_cert_der, signer)?.sign(document, time_info, property_info)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;
