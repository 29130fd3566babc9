//! Detached CMS signatures (RFC 5652 `SignedData`) over documents, with CAdES-B-B signed
//! attributes and the seal as a signed attribute; streaming document hashing; and a strict
//! reader for `.p7s` files (DER or PEM) made by govpki or by others (`openssl cms -sign`).
//!
//! What [`DocumentSigner`] writes:
//! ```text
//! ContentInfo { id-signedData, [0] SignedData {
//!   version 1, digestAlgorithms { sha256 | sha384 | sha512 },
//!   encapContentInfo { id-data },                       -- detached: no eContent
//!   certificates [0] { signer certificate, chain... },  -- DER-sorted SET
//!   crls [1] { ... }                                    -- when given
//!   signerInfos { SignerInfo {
//!     version 1, sid issuerAndSerialNumber, digestAlgorithm,
//!     signedAttrs [0] {                                 -- DER-sorted SET, what is signed
//!       contentType id-data, messageDigest, signingTime,
//!       signingCertificateV2 { { ESSCertIDv2 { certHash SHA-256 } } },  -- RFC 5035
//!       id-govpki-aa-seSeal SESeal },                   -- crate::seal::OID_SEAL_ATTRIBUTE
//!     signatureAlgorithm, signature } } } }
//! ```
//! The digest algorithm follows the key (SHA-256 for P-256 and RSA, SHA-384 for P-384, SHA-512
//! for Ed25519 as RFC 8419 §3.1 requires), because OpenSSL verifies the signature with the
//! `digestAlgorithm`.
//!
//! This module does not read files: documents come in as [`std::io::Read`]ers, signatures as
//! bytes. It does not judge a signature: that is [`super::verify`].

use std::io::Read;

use der::asn1::{GeneralizedTime, ObjectIdentifier, UtcTime};
use der::{Decode, Encode, ErrorKind, Tag};
use time::OffsetDateTime;

use super::seal::{Seal, parse_certificate};
use super::signer::{self, DigestAlgorithm, SealSigner};
use super::{OID_SEAL_ATTRIBUTE, SealError};
pub(super) use crate::tlv::{Parser, Tlv, check_one_tlv, seq, set_of, tlv};

mod build;
mod parse;

pub(in crate::seal) use build::algorithm_identifier;
#[cfg(test)]
use build::*;
pub use build::{DocumentSigner, with_time_stamp_token};
#[cfg(test)]
pub(in crate::seal) use build::{attribute, oid_der};
pub use parse::parse_signature;
use parse::*;
pub(in crate::seal) use parse::{parse_algorithm, parse_oid, parse_small_int};

/// CMS object identifiers.
pub mod oid {
    use der::asn1::ObjectIdentifier;

    pub const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
    pub const ID_SIGNED_DATA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
    pub const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
    pub const SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
    pub const SIGNING_CERTIFICATE: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
    pub const SIGNING_CERTIFICATE_V2: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
    pub const SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");
    pub const SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
}

/// The read buffer of [`hash_document_with`]: 256 KiB, large enough that a read costs little
/// next to hashing it, small enough to stay in L2 (measured: see the crate's report).
pub const HASH_BUFFER_SIZE: usize = 256 * 1024;

/// A document's digest and the algorithm that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentHash {
    pub algorithm: DigestAlgorithm,
    pub value: Vec<u8>,
}

impl DocumentHash {
    /// The digest in lower-case hex.
    pub fn hex(&self) -> String {
        hex::encode(&self.value)
    }
}

/// Streams a document through SHA-256 in constant memory.
pub fn hash_document<R: Read>(reader: R) -> Result<[u8; 32], SealError> {
    let h = hash_document_with(DigestAlgorithm::Sha256, reader)?;
    let mut out = [0u8; 32];
    out.copy_from_slice(&h.value);
    Ok(out)
}

/// Streams a document through `algorithm` in constant memory ([`HASH_BUFFER_SIZE`]).
pub fn hash_document_with<R: Read>(
    algorithm: DigestAlgorithm,
    mut reader: R,
) -> Result<DocumentHash, SealError> {
    let mut ctx = signer::Hasher::new(algorithm);
    let mut buf = vec![0u8; HASH_BUFFER_SIZE];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => ctx.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => return Err(SealError::Io { source }),
        }
    }
    Ok(DocumentHash {
        algorithm,
        value: ctx.finish(),
    })
}

/// An `AlgorithmIdentifier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmId {
    pub oid: ObjectIdentifier,
    /// The DER of the parameters, when present.
    pub parameters: Option<Vec<u8>>,
}

/// How a `SignerInfo` names its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerId {
    /// `issuerAndSerialNumber`: the issuer Name DER and the serial INTEGER's content octets.
    IssuerAndSerial { issuer: Vec<u8>, serial: Vec<u8> },
    /// `subjectKeyIdentifier`.
    SubjectKeyIdentifier(Vec<u8>),
}

/// One `ESSCertIDv2` of a `signingCertificateV2` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EssCertIdV2 {
    /// The hash algorithm (SHA-256 when the field is absent).
    pub hash_algorithm: ObjectIdentifier,
    pub cert_hash: Vec<u8>,
    /// Whether `issuerSerial` is present (its content is not interpreted).
    pub has_issuer_serial: bool,
}

/// The signed attributes of a `SignerInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedAttributes {
    der: Vec<u8>,
    pub content_type: Option<ObjectIdentifier>,
    pub message_digest: Option<Vec<u8>>,
    pub signing_time: Option<OffsetDateTime>,
    pub signing_certificate_v2: Option<Vec<EssCertIdV2>>,
    /// The SHA-1 certificate hashes of a `signingCertificate` (RFC 2634 `ESSCertID`), as
    /// time-stamp tokens carry.
    pub signing_certificate: Option<Vec<Vec<u8>>>,
    /// The seal carried under [`OID_SEAL_ATTRIBUTE`].
    pub seal: Option<Seal>,
    /// Other attribute types, dotted.
    pub other_types: Vec<String>,
}

impl SignedAttributes {
    /// What the signature covers: the attributes' DER as a `SET OF` (RFC 5652 §5.4).
    pub fn signed_der(&self) -> &[u8] {
        &self.der
    }
}

/// One signer of a `SignedData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerInfo {
    pub version: u32,
    pub sid: SignerId,
    pub digest_algorithm: AlgorithmId,
    pub signature_algorithm: AlgorithmId,
    pub signature: Vec<u8>,
    pub signed_attributes: Option<SignedAttributes>,
    /// Unsigned attribute types, dotted.
    pub unsigned_types: Vec<String>,
    /// Whether an unsigned `signatureTimeStampToken` is present.
    pub has_time_stamp_token: bool,
    /// The values of the first `signatureTimeStampToken` attribute as received (the DER of one
    /// `TimeStampToken` when well formed), judged by [`super::timestamp::verify_token`].
    pub time_stamp_token: Option<Vec<u8>>,
}

impl SignerInfo {
    /// The document digest algorithm, when govpki knows it.
    pub fn document_digest_algorithm(&self) -> Option<DigestAlgorithm> {
        DigestAlgorithm::from_oid(&self.digest_algorithm.oid)
    }
}

/// A parsed `.p7s`: a CMS `SignedData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureFile {
    /// `eContentType` (id-data for document signatures).
    pub content_type: ObjectIdentifier,
    /// Whether the content is embedded (govpki's signatures are detached).
    pub has_content: bool,
    /// The embedded content's octets (eContent), when present.
    pub content: Option<Vec<u8>>,
    /// Certificates (DER), in the order of the file; other certificate formats are skipped.
    pub certificates: Vec<Vec<u8>>,
    /// CRLs (DER `CertificateList`s); other revocation formats are skipped.
    pub crls: Vec<Vec<u8>>,
    /// At least one.
    pub signers: Vec<SignerInfo>,
}

impl SignatureFile {
    /// The first signer (a govpki signature has exactly one).
    pub fn signer(&self) -> &SignerInfo {
        // `parse_signature` refuses a SignedData without signers.
        &self.signers[0]
    }

    /// The seal carried by the first signer, if any.
    pub fn seal(&self) -> Option<&Seal> {
        self.signer().signed_attributes.as_ref()?.seal.as_ref()
    }

    /// The certificate of `signer` among [`Self::certificates`].
    pub fn signer_certificate(&self, signer: &SignerInfo) -> Option<&[u8]> {
        use x509_parser::prelude::FromDer;
        self.certificates
            .iter()
            .find(|der| {
                let Ok((_, cert)) = x509_parser::certificate::X509Certificate::from_der(der) else {
                    return false;
                };
                match &signer.sid {
                    SignerId::IssuerAndSerial { issuer, serial } => {
                        cert.issuer().as_raw() == issuer.as_slice()
                            && cert.raw_serial() == serial.as_slice()
                    }
                    SignerId::SubjectKeyIdentifier(ski) => cert.extensions().iter().any(|e| {
                        e.oid.as_bytes() == oid::SUBJECT_KEY_IDENTIFIER.as_bytes()
                            && matches!(
                                e.parsed_extension(),
                                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k)
                                    if k.0 == ski.as_slice()
                            )
                    }),
                }
            })
            .map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests;
