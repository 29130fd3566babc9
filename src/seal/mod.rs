//! Electronic seals (电子印章) after GB/T 38540-2020, and the sealing of documents.
//!
//! Two objects (DESIGN.md §4):
//! 1. **The seal** ([`Seal`], a DER `SESeal` v4, file extension `.esl`): who may apply it (the
//!    holder certificates), its name, type, department, validity window and image, signed by the
//!    seal authority. [`asn1`] has the wire structures, [`seal`] builds and parses
//!    them, [`types`] holds the plain values both it and [`render`] use (seal type, image
//!    format, picture), [`render`] draws the standard round red seal as SVG and checks
//!    `--image` files.
//! 2. **The sealing of a document** ([`cms`]): a detached CMS `SignedData` (RFC 5652) over the
//!    document bytes by a holder key, with CAdES-B-B signed attributes and the whole seal as a
//!    signed attribute; [`summary`] says what `seal show` prints about one. [`verify`] judges
//!    one at its signing time and explains each step.
//!    [`timestamp`] asks for, reads and verifies RFC 3161 time-stamps over its signature
//!    (CAdES-B-T), which prove the signing time. [`ses`] reads and verifies the GB/T 38540
//!    `SES_Signature` other seal systems make (e.g. an OFD's `SignedValue.dat`), with the same
//!    checks and report; [`ses::build`] makes version 4 ones with an SM2 holder key.
//!
//! Signing goes through the small [`SealSigner`] trait ([`RingSigner`] signs with `ring` from a
//! PKCS#8 DER key, [`Sm2Signer`] SM2-with-SM3 with the `sm2` crate); chain building, key usage and revocation of certificates are injected by the
//! caller through [`verify::ChainChecker`], and the seal revocation list through
//! [`RevokedSeals`].
//!
//! This module is pure: it does not read files, the clock, the environment or stdin. Bytes,
//! readers and `now` come in as arguments. It makes and verifies SM2-with-SM3 seals and
//! seal-signatures (user ID `1234567812345678`).

pub mod asn1;
pub mod chain;
pub mod cms;
pub mod render;
pub mod report;
#[allow(clippy::module_inception)]
pub mod seal;
pub mod ses;
pub mod signer;
pub mod status;
pub mod summary;
pub mod timestamp;
pub mod types;
pub mod verify;

#[cfg(test)]
pub(crate) mod testutil;

pub use cms::{
    DocumentHash, DocumentSigner, SignatureFile, hash_document, hash_document_with,
    parse_signature, with_time_stamp_token,
};
pub use render::{
    ImageInfo, picture_as_png, render_seal, render_seal_svg, sniff_image, svg_to_png,
};
pub use report::{
    CertId, ChainCheck, ChainChecker, ChainFailure, ChainRole, Check, CheckId, CheckStatus,
    ListedRevocation, RevocationUnknown, RevokedBecause, TimeSource, Unsettled, Verdict,
    VerificationReport,
};
pub use seal::{
    CertList, ImageFormat, Listed, Picture, RevokedSeal, RevokedSeals, Seal, SealInfo, SealSpec,
    SealStatus, SealSummary, SealType, SignRefusal, check_before_signing, create_seal,
    es_id_from_random,
};
pub use ses::build::{SesSigner, sign_document as sign_ses};
pub use ses::{SesSignature, SesSummary, looks_like_ses, verify_ses};
pub use signer::{
    DigestAlgorithm, RingSigner, SealSigner, SignatureAlgorithm, SignatureCheck, Sm2Signer,
    verify_signature_with_cert,
};
pub use summary::SignatureSummary;
pub use verify::{JudgedAt, VerifyOptions, verify_document, verify_document_at};

use der::asn1::ObjectIdentifier;

/// The vendor id (`SES_Header.Vid`) govpki writes into the seals it makes.
pub const VENDOR_ID: &str = "govpki";

/// The arc under which govpki defines its own object identifiers.
///
/// PLACEHOLDER: `1.3.6.1.4.1.32473` is the private enterprise number IANA reserves for
/// documentation (RFC 5612). It collides with no real organisation, but a deployment must
/// register its own PEN with IANA and replace this arc before seals are made in production;
/// every OID below derives from it.
pub const GOVPKI_OID_ARC: &str = "1.3.6.1.4.1.32473.1";

/// Signed attribute of a document signature that carries the whole `SESeal` DER as its single
/// value (`id-govpki-aa-seSeal`, under [`GOVPKI_OID_ARC`]).
pub const OID_SEAL_ATTRIBUTE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.1.1");

/// `ExtData` of a seal (`SES_SealInfo.extDatas`) whose value is the department's name in UTF-8
/// (`id-govpki-ext-department`, under [`GOVPKI_OID_ARC`]).
pub const OID_EXT_DEPARTMENT: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.1.2");

/// Extended key usage of a seal authority certificate (the `seal-authority` profile of
/// `cert issue`): its key may make seals (`id-govpki-kp-sealAuthority`, under
/// [`GOVPKI_OID_ARC`], arc 3 for key purposes). `seal verify` takes as seal authorities only CA
/// certificates of the trusted hierarchy, certificates with this key usage, and certificates
/// the verifier pins (DESIGN.md §4).
pub const OID_KP_SEAL_AUTHORITY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.1.3.1");

/// What can go wrong in the seal library. Verdicts (invalid, indeterminate) are not errors: they
/// are [`VerificationReport`]s; refusals to sign are [`SignRefusal`]s.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The input is not the DER structure it should be (truncated, garbage, trailing bytes).
    #[error("malformed {what}: {source}")]
    Malformed {
        what: &'static str,
        #[source]
        source: der::Error,
    },
    /// The input parses but breaks a rule of the format (e.g. header id not `ES`).
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
    /// A certificate could not be parsed.
    #[error("malformed certificate ({what}): {reason}")]
    Certificate { what: &'static str, reason: String },
    /// A value of a [`SealSpec`] is not acceptable.
    #[error("invalid seal {field}: {reason}")]
    Spec { field: &'static str, reason: String },
    /// The PKCS#8 key is not one govpki can sign with.
    #[error("unsupported private key: {reason}")]
    Key { reason: String },
    /// The private key does not belong to the certificate it is used with.
    #[error("the private key does not match the certificate `{subject}`")]
    KeyMismatch { subject: String },
    /// Signing failed inside the crypto library.
    #[error("signing failed: {reason}")]
    Signing { reason: String },
    /// An image for a seal is not a well-formed PNG or SVG.
    #[error("malformed image: {reason}")]
    Image { reason: String },
    /// Reading a document failed.
    #[error("reading the document: {source}")]
    Io {
        #[source]
        source: std::io::Error,
    },
}

/// Formats a time as RFC 3339 (UTC, whole seconds), the form reports and messages use.
pub fn format_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        // RFC 3339 formatting of a UTC time with whole seconds cannot fail for years 0..=9999;
        // fall back to the debug form rather than panic on anything else.
        .unwrap_or_else(|_| format!("{t}"))
}

/// The subject of a certificate in RFC 4514 form ([`crate::ca::dn::display_name`]), or
/// `(unparsable certificate)`.
pub fn certificate_subject(cert_der: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    match x509_parser::certificate::X509Certificate::from_der(cert_der) {
        Ok((_, cert)) => crate::ca::dn::display_name(cert.subject()),
        Err(_) => "(unparsable certificate)".to_string(),
    }
}

/// The serial number of a certificate in upper-case hex (as `openssl x509 -serial` prints it).
pub fn certificate_serial_hex(cert_der: &[u8]) -> Option<String> {
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(cert_der).ok()?;
    let raw = cert.raw_serial();
    // DER keeps a leading zero octet for positive serials whose top bit is set.
    let raw = match raw {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => raw,
    };
    Some(hex::encode_upper(raw))
}
