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
use super::{OID_SEAL_ATTRIBUTE, SealError, certificate_subject};

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

// ---------------------------------------------------------------------------------------------
// DER writing. Lengths are definite and minimal; SET OF contents are sorted (X.690 §11.6).

pub(super) fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

pub(super) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

pub(super) fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

pub(super) fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &cat(parts))
}

/// A DER SET OF: the element encodings sorted as octet strings.
pub(super) fn set_of(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    tlv(0x31, &elements.concat())
}

pub(super) fn oid_der(oid: &ObjectIdentifier) -> Vec<u8> {
    tlv(0x06, oid.as_bytes())
}

pub(super) fn algorithm_identifier(oid: &ObjectIdentifier, null_params: bool) -> Vec<u8> {
    if null_params {
        seq(&[&oid_der(oid), &[0x05, 0x00]])
    } else {
        seq(&[&oid_der(oid)])
    }
}

pub(super) fn attribute(oid: &ObjectIdentifier, value: &[u8]) -> Vec<u8> {
    seq(&[&oid_der(oid), &set_of(vec![value.to_vec()])])
}

fn encode_err(what: &'static str) -> impl Fn(der::Error) -> SealError {
    move |source| SealError::Malformed { what, source }
}

/// `signingTime` value: UTCTime for 1950..=2049, GeneralizedTime otherwise (RFC 5652 §11.3).
fn signing_time_der(t: OffsetDateTime) -> Result<Vec<u8>, SealError> {
    let spec_err = || SealError::Spec {
        field: "signing time",
        reason: format!("`{}` cannot be encoded", super::format_time(t)),
    };
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| spec_err())?;
    let d = std::time::Duration::from_secs(secs);
    if (1950..2050).contains(&t.year()) {
        UtcTime::from_unix_duration(d)
            .and_then(|u| u.to_der())
            .map_err(|_| spec_err())
    } else {
        GeneralizedTime::from_unix_duration(d)
            .and_then(|g| g.to_der())
            .map_err(|_| spec_err())
    }
}

/// Signs documents with one holder key, certificate and seal: the per-run work (key check,
/// certificate parsing, fixed attributes) is done once in [`DocumentSigner::new`], each
/// [`DocumentSigner::sign`] only adds the digest and time and signs. It is `Sync`: share it
/// across threads.
pub struct DocumentSigner<'a> {
    signer: &'a dyn SealSigner,
    digest: DigestAlgorithm,
    sid: Vec<u8>,
    certificates: Vec<u8>,
    crls: Option<Vec<u8>>,
    fixed_attributes: Vec<Vec<u8>>,
}

impl std::fmt::Debug for DocumentSigner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentSigner")
            .field("algorithm", &self.signer.algorithm())
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

impl<'a> DocumentSigner<'a> {
    /// Prepares signing with `signer`, whose certificate is `signer_cert` (DER). `chain` holds
    /// further certificates to embed (intermediates, and the root if wanted), `crls` CRLs to
    /// embed (DER), and `seal` the seal to carry (None makes a plain CAdES signature, which
    /// `seal verify` judges invalid: use it for tests and tools only).
    ///
    /// Errors: an unparsable certificate, or a key that is not the certificate's.
    pub fn new(
        signer: &'a dyn SealSigner,
        signer_cert: &[u8],
        chain: &[Vec<u8>],
        crls: &[Vec<u8>],
        seal: Option<&Seal>,
    ) -> Result<Self, SealError> {
        let cert = parse_certificate("signer", signer_cert)?;
        if !signer::key_matches_certificate(signer, signer_cert)? {
            return Err(SealError::KeyMismatch {
                subject: cert.subject().to_string(),
            });
        }
        let sid = seq(&[cert.issuer().as_raw(), &tlv(0x02, cert.raw_serial())]);

        let mut all = vec![signer_cert.to_vec()];
        for c in chain {
            parse_certificate("chain", c)?;
            if !all.contains(c) {
                all.push(c.clone());
            }
        }
        let certificates = {
            let mut sorted = all;
            sorted.sort();
            tlv(0xA0, &sorted.concat())
        };
        let crls = if crls.is_empty() {
            None
        } else {
            for c in crls {
                check_one_tlv(c, 0x30).map_err(encode_err("CRL"))?;
            }
            let mut sorted = crls.to_vec();
            sorted.sort();
            sorted.dedup();
            Some(tlv(0xA1, &sorted.concat()))
        };

        // RFC 5035 ESSCertIDv2 with hashAlgorithm omitted: SHA-256 is its DEFAULT, and DER
        // leaves out default values (X.690 §11.5).
        let cert_hash = DigestAlgorithm::Sha256.digest(signer_cert);
        let ess_cert_id = seq(&[&tlv(0x04, &cert_hash)]);
        let signing_certificate_v2 = seq(&[&seq(&[&ess_cert_id])]);
        let mut fixed_attributes = vec![
            attribute(&oid::CONTENT_TYPE, &oid_der(&oid::ID_DATA)),
            attribute(&oid::SIGNING_CERTIFICATE_V2, &signing_certificate_v2),
        ];
        if let Some(seal) = seal {
            fixed_attributes.push(attribute(&OID_SEAL_ATTRIBUTE, seal.to_der()));
        }
        Ok(Self {
            signer,
            digest: signer.algorithm().digest(),
            sid,
            certificates,
            crls,
            fixed_attributes,
        })
    }

    /// The digest algorithm documents must be hashed with for this signer.
    pub fn digest_algorithm(&self) -> DigestAlgorithm {
        self.digest
    }

    /// Makes the DER `.p7s` for a document whose digest (in [`Self::digest_algorithm`]) is
    /// `document_digest`, claiming `signing_time`.
    pub fn sign(
        &self,
        document_digest: &[u8],
        signing_time: OffsetDateTime,
    ) -> Result<Vec<u8>, SealError> {
        if document_digest.len() != self.digest.output_len() {
            return Err(SealError::Spec {
                field: "document digest",
                reason: format!(
                    "{} octets given, {} needs {}",
                    document_digest.len(),
                    self.digest,
                    self.digest.output_len()
                ),
            });
        }
        let mut attrs = self.fixed_attributes.clone();
        attrs.push(attribute(&oid::MESSAGE_DIGEST, &tlv(0x04, document_digest)));
        attrs.push(attribute(
            &oid::SIGNING_TIME,
            &signing_time_der(signing_time)?,
        ));
        // RFC 5652 §5.4: the signature covers the DER of the attributes as a SET OF, and the
        // SignerInfo carries the same octets under [0] IMPLICIT.
        let mut signed_attrs = set_of(attrs);
        let signature = self.signer.sign(&signed_attrs)?;
        signed_attrs[0] = 0xA0;

        let alg = self.signer.algorithm();
        let digest_alg = algorithm_identifier(&self.digest.oid(), false);
        let signer_info = seq(&[
            &[0x02, 0x01, 0x01],
            &self.sid,
            &digest_alg,
            &signed_attrs,
            &algorithm_identifier(&self.signer.algorithm_oid(), alg.has_null_parameters()),
            &tlv(0x04, &signature),
        ]);
        let encap = seq(&[&oid_der(&oid::ID_DATA)]);
        let crls = self.crls.as_deref().unwrap_or(&[]);
        let signed_data = seq(&[
            &[0x02, 0x01, 0x01],
            &set_of(vec![digest_alg.clone()]),
            &encap,
            &self.certificates,
            crls,
            &set_of(vec![signer_info]),
        ]);
        Ok(seq(&[
            &oid_der(&oid::ID_SIGNED_DATA),
            &tlv(0xA0, &signed_data),
        ]))
    }
}

// ---------------------------------------------------------------------------------------------
// DER reading: a small strict reader (definite minimal lengths, single-octet tags), errors as
// `der::Error`s.

#[derive(Clone, Copy)]
pub(super) struct Tlv<'a> {
    pub(super) tag: u8,
    pub(super) value: &'a [u8],
    pub(super) raw: &'a [u8],
}

pub(super) struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
}

fn tag_of(byte: u8) -> Tag {
    Tag::try_from(byte).unwrap_or(Tag::Null)
}

impl<'a> Parser<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn err(&self, kind: ErrorKind) -> der::Error {
        der::Error::new(kind, der::Length::try_from(self.pos).unwrap_or_default())
    }

    pub(super) fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    pub(super) fn next(&mut self) -> der::Result<Tlv<'a>> {
        let start = self.pos;
        let rest = &self.data[start..];
        let (&tag, rest) = rest.split_first().ok_or_else(|| {
            self.err(ErrorKind::Incomplete {
                expected_len: der::Length::ONE,
                actual_len: der::Length::ZERO,
            })
        })?;
        if tag & 0x1F == 0x1F {
            return Err(self.err(ErrorKind::TagNumberInvalid));
        }
        let (&first, mut rest) = rest.split_first().ok_or_else(|| {
            self.err(ErrorKind::Incomplete {
                expected_len: der::Length::ONE,
                actual_len: der::Length::ZERO,
            })
        })?;
        let len = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return Err(self.err(ErrorKind::IndefiniteLength));
        } else {
            let n = usize::from(first & 0x7F);
            if n > 4 || rest.len() < n {
                return Err(self.err(ErrorKind::Overlength));
            }
            let (bytes, r) = rest.split_at(n);
            rest = r;
            if bytes[0] == 0 {
                return Err(self.err(ErrorKind::Noncanonical { tag: tag_of(tag) }));
            }
            let len = bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            if len < 0x80 {
                return Err(self.err(ErrorKind::Noncanonical { tag: tag_of(tag) }));
            }
            len
        };
        if rest.len() < len {
            return Err(self.err(ErrorKind::Incomplete {
                expected_len: der::Length::try_from(len).unwrap_or_default(),
                actual_len: der::Length::try_from(rest.len()).unwrap_or_default(),
            }));
        }
        let header_len = self.data.len() - start - rest.len();
        let end = start + header_len + len;
        let tlv = Tlv {
            tag,
            value: &self.data[start + header_len..end],
            raw: &self.data[start..end],
        };
        self.pos = end;
        Ok(tlv)
    }

    pub(super) fn expect(&mut self, tag: u8) -> der::Result<Tlv<'a>> {
        let t = self.next()?;
        if t.tag != tag {
            return Err(self.err(ErrorKind::TagUnexpected {
                expected: Some(tag_of(tag)),
                actual: tag_of(t.tag),
            }));
        }
        Ok(t)
    }

    pub(super) fn optional(&mut self, tag: u8) -> der::Result<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(tag) {
            self.next().map(Some)
        } else {
            Ok(None)
        }
    }

    pub(super) fn finish(&self) -> der::Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.err(ErrorKind::TrailingData {
                decoded: der::Length::try_from(self.pos).unwrap_or_default(),
                remaining: der::Length::try_from(self.data.len() - self.pos).unwrap_or_default(),
            }))
        }
    }
}

pub(super) fn check_one_tlv(data: &[u8], tag: u8) -> der::Result<()> {
    let mut p = Parser::new(data);
    p.expect(tag)?;
    p.finish()
}

pub(super) fn parse_oid(t: Tlv<'_>) -> der::Result<ObjectIdentifier> {
    ObjectIdentifier::from_bytes(t.value).map_err(|_| {
        der::Error::from(ErrorKind::Value {
            tag: Tag::ObjectIdentifier,
        })
    })
}

pub(super) fn parse_small_int(t: Tlv<'_>) -> der::Result<u32> {
    let bad = || der::Error::from(ErrorKind::Value { tag: Tag::Integer });
    if t.value.is_empty() || t.value.len() > 4 || t.value[0] & 0x80 != 0 {
        return Err(bad());
    }
    if t.value.len() > 1 && t.value[0] == 0 && t.value[1] & 0x80 == 0 {
        return Err(der::Error::from(ErrorKind::Noncanonical {
            tag: Tag::Integer,
        }));
    }
    Ok(t.value
        .iter()
        .fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
}

/// An `AlgorithmIdentifier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmId {
    pub oid: ObjectIdentifier,
    /// The DER of the parameters, when present.
    pub parameters: Option<Vec<u8>>,
}

pub(super) fn parse_algorithm(t: Tlv<'_>) -> der::Result<AlgorithmId> {
    let mut p = Parser::new(t.value);
    let oid = parse_oid(p.expect(0x06)?)?;
    let parameters = if p.is_empty() {
        None
    } else {
        Some(p.next()?.raw.to_vec())
    };
    p.finish()?;
    Ok(AlgorithmId { oid, parameters })
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

    /// A summary for `seal show` on a `.p7s`.
    pub fn summary(&self) -> SignatureSummary {
        let signer = self.signer();
        let attrs = signer.signed_attributes.as_ref();
        SignatureSummary {
            signer: self.signer_certificate(signer).map(certificate_subject),
            digest_algorithm: signer::algorithm_name(&signer.digest_algorithm.oid),
            signature_algorithm: signer::algorithm_name(&signer.signature_algorithm.oid),
            signing_time: attrs.and_then(|a| a.signing_time).map(super::format_time),
            message_digest: attrs
                .and_then(|a| a.message_digest.as_ref())
                .map(hex::encode),
            signed_attributes: attrs
                .map(|a| {
                    let mut names = Vec::new();
                    if a.content_type.is_some() {
                        names.push("contentType".to_string());
                    }
                    if a.message_digest.is_some() {
                        names.push("messageDigest".to_string());
                    }
                    if a.signing_time.is_some() {
                        names.push("signingTime".to_string());
                    }
                    if a.signing_certificate_v2.is_some() {
                        names.push("signingCertificateV2".to_string());
                    }
                    if a.seal.is_some() {
                        names.push("seal".to_string());
                    }
                    names.extend(a.other_types.iter().cloned());
                    names
                })
                .unwrap_or_default(),
            certificates: self
                .certificates
                .iter()
                .map(|c| certificate_subject(c))
                .collect(),
            crls: self.crls.len(),
            signers: self.signers.len(),
            detached: !self.has_content,
            time_stamp: signer.has_time_stamp_token,
            time_stamp_claim: signer.time_stamp_token.as_deref().map(|t| {
                match super::timestamp::parse_token(t) {
                    Ok(token) => format!(
                        "genTime {} by {} (not verified: `seal verify` does)",
                        super::format_time(token.info.gen_time),
                        token
                            .signed
                            .signer_certificate(token.signed.signer())
                            .map(certificate_subject)
                            .unwrap_or_else(|| "an unknown TSA".into())
                    ),
                    Err(e) => format!("unreadable: {e}"),
                }
            }),
            seal: self.seal().map(Seal::summary),
        }
    }
}

/// What `seal show` prints about a signature file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignatureSummary {
    pub signer: Option<String>,
    pub digest_algorithm: String,
    pub signature_algorithm: String,
    pub signing_time: Option<String>,
    pub message_digest: Option<String>,
    pub signed_attributes: Vec<String>,
    pub certificates: Vec<String>,
    pub crls: usize,
    pub signers: usize,
    pub detached: bool,
    pub time_stamp: bool,
    /// What the embedded time-stamp token says, unverified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_stamp_claim: Option<String>,
    /// None: the signature carries no seal.
    pub seal: Option<super::seal::SealSummary>,
}

impl std::fmt::Display for SignatureSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "signer:        {}",
            self.signer
                .as_deref()
                .unwrap_or("(certificate not in the signature)")
        )?;
        writeln!(
            f,
            "signing time:  {} (claimed by the signer)",
            self.signing_time.as_deref().unwrap_or("(none)")
        )?;
        writeln!(
            f,
            "algorithms:    {} / {}",
            self.digest_algorithm, self.signature_algorithm
        )?;
        if let Some(d) = &self.message_digest {
            writeln!(f, "doc digest:    {d}")?;
        }
        writeln!(f, "attributes:    {}", self.signed_attributes.join(", "))?;
        for c in &self.certificates {
            writeln!(f, "certificate:   {c}")?;
        }
        if self.crls > 0 {
            writeln!(f, "crls:          {}", self.crls)?;
        }
        if let Some(t) = &self.time_stamp_claim {
            writeln!(f, "time-stamp:    {t}")?;
        }
        if self.signers > 1 {
            writeln!(
                f,
                "signers:       {} (only the first is shown)",
                self.signers
            )?;
        }
        match &self.seal {
            Some(seal) => write!(f, "{seal}"),
            None => writeln!(f, "seal:          no seal"),
        }
    }
}

fn malformed_p7s(source: der::Error) -> SealError {
    SealError::Malformed {
        what: "signature (CMS SignedData)",
        source,
    }
}

fn invalid_p7s(reason: impl Into<String>) -> SealError {
    SealError::Invalid {
        what: "signature",
        reason: reason.into(),
    }
}

/// Reads a `.p7s`: DER, or PEM (`PKCS7` or `CMS` label; text around the block is ignored,
/// RFC 7468). Strict DER: trailing bytes, indefinite lengths and non-minimal lengths are errors.
/// A signature without a seal parses (its [`SignatureFile::seal`] is None); a malformed seal
/// inside is an error.
pub fn parse_signature(input: &[u8]) -> Result<SignatureFile, SealError> {
    if input.first() == Some(&0x30) {
        return parse_der(input);
    }
    let text = std::str::from_utf8(input).map_err(|_| invalid_p7s("neither DER nor PEM"))?;
    if !text.contains("-----BEGIN") {
        return Err(invalid_p7s("neither DER nor PEM"));
    }
    let blocks = pem::parse_many(text).map_err(|e| invalid_p7s(format!("bad PEM: {e}")))?;
    let block = blocks
        .iter()
        .find(|b| matches!(b.tag(), "PKCS7" | "CMS" | "PKCS #7 SIGNED DATA"))
        .ok_or_else(|| invalid_p7s("no `PKCS7` or `CMS` PEM block"))?;
    parse_der(block.contents())
}

/// The DER `.p7s` `input` with `token` (the DER of one `TimeStampToken`) as the unsigned
/// attribute `signatureTimeStampToken` of its first signer (CAdES-B-T, ETSI EN 319 122-1
/// §5.3). Everything else is kept octet for octet, so the signature still verifies. An existing
/// time-stamp of that signer is an error unless `replace`, which drops it.
pub fn with_time_stamp_token(
    input: &[u8],
    token: &[u8],
    replace: bool,
) -> Result<Vec<u8>, SealError> {
    let m = malformed_p7s;
    check_one_tlv(token, 0x30).map_err(|source| SealError::Malformed {
        what: "time-stamp token",
        source,
    })?;
    let mut top = Parser::new(input);
    let content_info = top.expect(0x30).map_err(m)?;
    top.finish().map_err(m)?;
    let mut ci = Parser::new(content_info.value);
    let ct = ci.expect(0x06).map_err(m)?;
    if parse_oid(ct).map_err(m)? != oid::ID_SIGNED_DATA {
        return Err(invalid_p7s("the content type is not SignedData"));
    }
    let explicit = ci.expect(0xA0).map_err(m)?;
    ci.finish().map_err(m)?;
    let mut outer = Parser::new(explicit.value);
    let sd = outer.expect(0x30).map_err(m)?;
    outer.finish().map_err(m)?;

    let mut sp = Parser::new(sd.value);
    let mut sd_parts: Vec<Vec<u8>> = Vec::new();
    let mut done = false;
    while !sp.is_empty() {
        let t = sp.next().map_err(m)?;
        if t.tag == 0x31 && sp.is_empty() && !sd_parts.is_empty() {
            // signerInfos: the first signer gets the token; the SET keeps its order (the
            // first signer stays first, as `SignatureFile::signer` reads it).
            let mut ip = Parser::new(t.value);
            let mut infos: Vec<Vec<u8>> = Vec::new();
            while !ip.is_empty() {
                let info = ip.expect(0x30).map_err(m)?;
                if infos.is_empty() {
                    infos.push(signer_info_with_token(info, token, replace)?);
                } else {
                    infos.push(info.raw.to_vec());
                }
            }
            if infos.is_empty() {
                return Err(invalid_p7s("no signer"));
            }
            sd_parts.push(tlv(0x31, &infos.concat()));
            done = true;
        } else {
            sd_parts.push(t.raw.to_vec());
        }
    }
    if !done {
        return Err(invalid_p7s("no signerInfos"));
    }
    let signed_data = tlv(0x30, &sd_parts.concat());
    Ok(seq(&[ct.raw, &tlv(0xA0, &signed_data)]))
}

fn signer_info_with_token(
    info: Tlv<'_>,
    token: &[u8],
    replace: bool,
) -> Result<Vec<u8>, SealError> {
    let m = malformed_p7s;
    let mut p = Parser::new(info.value);
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut unsigned: Vec<Vec<u8>> = Vec::new();
    while !p.is_empty() {
        let t = p.next().map_err(m)?;
        if t.tag == 0xA1 && p.is_empty() {
            let mut up = Parser::new(t.value);
            while !up.is_empty() {
                let attr = up.expect(0x30).map_err(m)?;
                let mut ap = Parser::new(attr.value);
                let oid_tlv = ap.expect(0x06).map_err(m)?;
                if oid_tlv.value == oid::SIGNATURE_TIME_STAMP_TOKEN.as_bytes() {
                    if !replace {
                        return Err(invalid_p7s("the signature already carries a time-stamp"));
                    }
                } else {
                    unsigned.push(attr.raw.to_vec());
                }
            }
        } else {
            parts.push(t.raw);
        }
    }
    unsigned.push(attribute(&oid::SIGNATURE_TIME_STAMP_TOKEN, token));
    let mut attrs = set_of(unsigned);
    // unsignedAttrs [1] IMPLICIT SET OF Attribute (RFC 5652 §5.3).
    attrs[0] = 0xA1;
    parts.push(&attrs);
    Ok(tlv(0x30, &parts.concat()))
}

fn parse_der(input: &[u8]) -> Result<SignatureFile, SealError> {
    let mut top = Parser::new(input);
    let content_info = top.expect(0x30).map_err(malformed_p7s)?;
    top.finish().map_err(malformed_p7s)?;
    let mut ci = Parser::new(content_info.value);
    let ct = parse_oid(ci.expect(0x06).map_err(malformed_p7s)?).map_err(malformed_p7s)?;
    if ct != oid::ID_SIGNED_DATA {
        return Err(invalid_p7s(format!("content type {ct} is not SignedData")));
    }
    let explicit = ci.expect(0xA0).map_err(malformed_p7s)?;
    ci.finish().map_err(malformed_p7s)?;
    let mut outer = Parser::new(explicit.value);
    let sd = outer.expect(0x30).map_err(malformed_p7s)?;
    outer.finish().map_err(malformed_p7s)?;
    parse_signed_data(sd.value)
}

fn parse_signed_data(body: &[u8]) -> Result<SignatureFile, SealError> {
    let m = malformed_p7s;
    let mut p = Parser::new(body);
    let version = parse_small_int(p.expect(0x02).map_err(m)?).map_err(m)?;
    if version > 5 {
        return Err(invalid_p7s(format!("SignedData version {version}")));
    }
    let digest_algs = p.expect(0x31).map_err(m)?;
    let mut dp = Parser::new(digest_algs.value);
    while !dp.is_empty() {
        parse_algorithm(dp.expect(0x30).map_err(m)?).map_err(m)?;
    }
    let encap = p.expect(0x30).map_err(m)?;
    let mut ep = Parser::new(encap.value);
    let content_type = parse_oid(ep.expect(0x06).map_err(m)?).map_err(m)?;
    let econtent = ep.optional(0xA0).map_err(m)?;
    ep.finish().map_err(m)?;
    let has_content = econtent.is_some();
    // eContent [0] EXPLICIT OCTET STRING (a time-stamp token's TSTInfo).
    let content = match econtent {
        Some(e) => {
            let mut op = Parser::new(e.value);
            let octets = op.expect(0x04).map_err(m)?;
            op.finish().map_err(m)?;
            Some(octets.value.to_vec())
        }
        None => None,
    };

    let mut certificates = Vec::new();
    if let Some(certs) = p.optional(0xA0).map_err(m)? {
        let mut cp = Parser::new(certs.value);
        while !cp.is_empty() {
            let c = cp.next().map_err(m)?;
            if c.tag == 0x30 {
                certificates.push(c.raw.to_vec());
            }
        }
    }
    let mut crls = Vec::new();
    if let Some(list) = p.optional(0xA1).map_err(m)? {
        let mut lp = Parser::new(list.value);
        while !lp.is_empty() {
            let c = lp.next().map_err(m)?;
            if c.tag == 0x30 {
                crls.push(c.raw.to_vec());
            }
        }
    }
    let signer_infos = p.expect(0x31).map_err(m)?;
    p.finish().map_err(m)?;
    let mut sp = Parser::new(signer_infos.value);
    let mut signers = Vec::new();
    while !sp.is_empty() {
        signers.push(parse_signer_info(sp.expect(0x30).map_err(m)?)?);
    }
    if signers.is_empty() {
        return Err(invalid_p7s("no signer"));
    }
    Ok(SignatureFile {
        content_type,
        has_content,
        content,
        certificates,
        crls,
        signers,
    })
}

fn parse_signer_info(t: Tlv<'_>) -> Result<SignerInfo, SealError> {
    let m = malformed_p7s;
    let mut p = Parser::new(t.value);
    let version = parse_small_int(p.expect(0x02).map_err(m)?).map_err(m)?;
    let sid_tlv = p.next().map_err(m)?;
    let sid = match sid_tlv.tag {
        0x30 => {
            let mut ip = Parser::new(sid_tlv.value);
            let issuer = ip.expect(0x30).map_err(m)?;
            let serial = ip.expect(0x02).map_err(m)?;
            ip.finish().map_err(m)?;
            SignerId::IssuerAndSerial {
                issuer: issuer.raw.to_vec(),
                serial: serial.value.to_vec(),
            }
        }
        0x80 => SignerId::SubjectKeyIdentifier(sid_tlv.value.to_vec()),
        other => {
            return Err(invalid_p7s(format!(
                "unknown signer identifier tag 0x{other:02x}"
            )));
        }
    };
    let digest_algorithm = parse_algorithm(p.expect(0x30).map_err(m)?).map_err(m)?;
    let signed_attributes = match p.optional(0xA0).map_err(m)? {
        Some(a) => Some(parse_signed_attributes(a)?),
        None => None,
    };
    let signature_algorithm = parse_algorithm(p.expect(0x30).map_err(m)?).map_err(m)?;
    let signature = p.expect(0x04).map_err(m)?.value.to_vec();
    let mut unsigned_types = Vec::new();
    let mut has_time_stamp_token = false;
    let mut time_stamp_token = None;
    if let Some(u) = p.optional(0xA1).map_err(m)? {
        let mut up = Parser::new(u.value);
        while !up.is_empty() {
            let attr = up.expect(0x30).map_err(m)?;
            let mut ap = Parser::new(attr.value);
            let oid_tlv = ap.expect(0x06).map_err(m)?;
            let values = ap.expect(0x31).map_err(m)?;
            ap.finish().map_err(m)?;
            if oid_tlv.value == oid::SIGNATURE_TIME_STAMP_TOKEN.as_bytes() {
                // Kept as received, not parsed here: a malformed token makes the signature
                // fail verification (`super::timestamp`), not the file unreadable.
                if !has_time_stamp_token {
                    time_stamp_token = Some(values.value.to_vec());
                }
                has_time_stamp_token = true;
            }
            unsigned_types.push(oid_text(oid_tlv.value));
        }
    }
    p.finish().map_err(m)?;
    Ok(SignerInfo {
        version,
        sid,
        digest_algorithm,
        signature_algorithm,
        signature,
        signed_attributes,
        unsigned_types,
        has_time_stamp_token,
        time_stamp_token,
    })
}

/// Dotted text of an OID's content octets (arcs of any size), or hex when malformed.
fn oid_text(value: &[u8]) -> String {
    if let Ok(o) = ObjectIdentifier::from_bytes(value) {
        return o.to_string();
    }
    let mut arcs: Vec<u128> = Vec::new();
    let mut acc: u128 = 0;
    for (i, b) in value.iter().enumerate() {
        if acc > (u128::MAX >> 7) {
            return format!("(oid {})", hex::encode(value));
        }
        acc = (acc << 7) | u128::from(b & 0x7F);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        } else if i == value.len() - 1 {
            return format!("(oid {})", hex::encode(value));
        }
    }
    arcs.iter()
        .map(u128::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The single value of an attribute whose SET must hold exactly one (RFC 5652 §11).
fn single_value<'a>(name: &str, values: Tlv<'a>) -> Result<Tlv<'a>, SealError> {
    let mut vp = Parser::new(values.value);
    let v = vp.next().map_err(malformed_p7s)?;
    if !vp.is_empty() {
        return Err(invalid_p7s(format!("{name} attribute has several values")));
    }
    Ok(v)
}

fn parse_signed_attributes(t: Tlv<'_>) -> Result<SignedAttributes, SealError> {
    let m = malformed_p7s;
    // The signature covers the SET OF form: same octets with the universal SET tag.
    let mut der = t.raw.to_vec();
    der[0] = 0x31;
    let mut attrs = SignedAttributes {
        der,
        content_type: None,
        message_digest: None,
        signing_time: None,
        signing_certificate_v2: None,
        signing_certificate: None,
        seal: None,
        other_types: Vec::new(),
    };
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut p = Parser::new(t.value);
    while !p.is_empty() {
        let attr = p.expect(0x30).map_err(m)?;
        let mut ap = Parser::new(attr.value);
        let oid_tlv = ap.expect(0x06).map_err(m)?;
        let values = ap.expect(0x31).map_err(m)?;
        ap.finish().map_err(m)?;
        let type_bytes = oid_tlv.value;
        if seen.contains(&type_bytes) {
            return Err(invalid_p7s(format!(
                "signed attribute {} appears twice",
                oid_text(type_bytes)
            )));
        }
        seen.push(type_bytes);
        if type_bytes == oid::CONTENT_TYPE.as_bytes() {
            let v = single_value("contentType", values)?;
            if v.tag != 0x06 {
                return Err(invalid_p7s("contentType is not an OID"));
            }
            attrs.content_type = Some(parse_oid(v).map_err(m)?);
        } else if type_bytes == oid::MESSAGE_DIGEST.as_bytes() {
            let v = single_value("messageDigest", values)?;
            if v.tag != 0x04 {
                return Err(invalid_p7s("messageDigest is not an OCTET STRING"));
            }
            attrs.message_digest = Some(v.value.to_vec());
        } else if type_bytes == oid::SIGNING_TIME.as_bytes() {
            let v = single_value("signingTime", values)?;
            let unix = match v.tag {
                0x17 => UtcTime::from_der(v.raw).map_err(m)?.to_unix_duration(),
                0x18 => GeneralizedTime::from_der(v.raw)
                    .map_err(m)?
                    .to_unix_duration(),
                _ => {
                    return Err(invalid_p7s(
                        "signingTime is not a UTCTime or GeneralizedTime",
                    ));
                }
            };
            let secs = i64::try_from(unix.as_secs())
                .map_err(|_| invalid_p7s("signingTime out of range"))?;
            attrs.signing_time = Some(
                OffsetDateTime::from_unix_timestamp(secs)
                    .map_err(|_| invalid_p7s("signingTime out of range"))?,
            );
        } else if type_bytes == oid::SIGNING_CERTIFICATE_V2.as_bytes() {
            let v = single_value("signingCertificateV2", values)?;
            attrs.signing_certificate_v2 = Some(parse_signing_certificate_v2(v).map_err(m)?);
        } else if type_bytes == oid::SIGNING_CERTIFICATE.as_bytes() {
            let v = single_value("signingCertificate", values)?;
            attrs.signing_certificate = Some(parse_signing_certificate(v).map_err(m)?);
        } else if type_bytes == OID_SEAL_ATTRIBUTE.as_bytes() {
            let v = single_value("seal", values)?;
            attrs.seal = Some(Seal::from_der(v.raw)?);
        } else {
            attrs.other_types.push(oid_text(type_bytes));
        }
    }
    Ok(attrs)
}

/// `SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, policies ... OPTIONAL }`,
/// `ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), issuerSerial ... OPTIONAL }`.
fn parse_signing_certificate(v: Tlv<'_>) -> der::Result<Vec<Vec<u8>>> {
    let bad = || der::Error::from(ErrorKind::Value { tag: Tag::Sequence });
    if v.tag != 0x30 {
        return Err(bad());
    }
    let mut p = Parser::new(v.value);
    let certs = p.expect(0x30)?;
    p.optional(0x30)?;
    p.finish()?;
    let mut cp = Parser::new(certs.value);
    let mut out = Vec::new();
    while !cp.is_empty() {
        let id = cp.expect(0x30)?;
        let mut ip = Parser::new(id.value);
        out.push(ip.expect(0x04)?.value.to_vec());
        ip.optional(0x30)?;
        ip.finish()?;
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

fn parse_signing_certificate_v2(v: Tlv<'_>) -> der::Result<Vec<EssCertIdV2>> {
    let bad = || der::Error::from(ErrorKind::Value { tag: Tag::Sequence });
    if v.tag != 0x30 {
        return Err(bad());
    }
    let mut p = Parser::new(v.value);
    let certs = p.expect(0x30)?;
    // `policies` may follow; it is not interpreted.
    p.optional(0x30)?;
    p.finish()?;
    let mut cp = Parser::new(certs.value);
    let mut out = Vec::new();
    while !cp.is_empty() {
        let id = cp.expect(0x30)?;
        let mut ip = Parser::new(id.value);
        let hash_algorithm = match ip.optional(0x30)? {
            Some(a) => parse_algorithm(a)?.oid,
            None => signer::oid::SHA256,
        };
        let cert_hash = ip.expect(0x04)?.value.to_vec();
        let has_issuer_serial = ip.optional(0x30)?.is_some();
        ip.finish()?;
        out.push(EssCertIdV2 {
            hash_algorithm,
            cert_hash,
            has_issuer_serial,
        });
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
