//! The seal object: make a GB/T 38540 `SESeal` from a [`SealSpec`] and the authority's key,
//! parse one into a [`Seal`] (strictly: bad DER or a broken format rule is an error), check the
//! authority's signature, and the checks `seal sign` makes before it applies a seal
//! ([`check_before_signing`]).
//!
//! It does not choose esIDs or record seals (the store does), read images from disk, or judge
//! certificate chains (see [`super::verify::ChainChecker`]).

use std::collections::HashMap;
use std::fmt;

use der::asn1::{Any, BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;

use super::asn1::{self, ExtData, SESeal, SESealRef, SesSealInfo};
use super::signer::{self, SealSigner, SignatureCheck};
pub use super::types::{ImageFormat, Picture, SealType};
use super::{OID_EXT_DEPARTMENT, SealError, VENDOR_ID, certificate_subject, format_time};

mod before_signing;
pub use before_signing::{
    RevokedSeal, RevokedSeals, SealStatus, SignRefusal, check_before_signing,
};

/// A digest of a holder certificate (`CertDigestObj`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertDigest {
    /// The algorithm as named in the seal (free text, e.g. `SM3`, `SHA256`).
    pub algorithm: String,
    pub value: Vec<u8>,
}

/// Who may apply the seal (`SES_CertList`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertList {
    /// `certListType` 1: the holder certificates (DER). govpki writes this form.
    Certificates(Vec<Vec<u8>>),
    /// `certListType` 2: digests of the holder certificates.
    Digests(Vec<CertDigest>),
}

/// Whether a certificate is on a seal's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listed {
    Yes,
    No,
    /// A digest list in an algorithm govpki cannot compute (e.g. SM3).
    Unknown(String),
}

impl CertList {
    /// Whether `cert_der` is on the list (byte for byte, or by its digest).
    pub fn lists(&self, cert_der: &[u8]) -> Listed {
        match self {
            CertList::Certificates(certs) => {
                if certs.iter().any(|c| c == cert_der) {
                    Listed::Yes
                } else {
                    Listed::No
                }
            }
            CertList::Digests(digests) => {
                let mut unknown = None;
                for d in digests {
                    let alg = d.algorithm.to_ascii_lowercase().replace(['-', '_'], "");
                    let ours = match alg.as_str() {
                        "sha256" => signer::DigestAlgorithm::Sha256,
                        "sha384" => signer::DigestAlgorithm::Sha384,
                        "sha512" => signer::DigestAlgorithm::Sha512,
                        "sm3" => signer::DigestAlgorithm::Sm3,
                        _ => {
                            unknown = Some(d.algorithm.clone());
                            continue;
                        }
                    };
                    if ours.digest(cert_der) == d.value {
                        return Listed::Yes;
                    }
                }
                match unknown {
                    Some(alg) => Listed::Unknown(format!(
                        "the seal lists certificate digests in `{alg}`, which govpki cannot compute"
                    )),
                    None => Listed::No,
                }
            }
        }
    }

    /// The listed certificates (empty for a digest list).
    pub fn certificates(&self) -> &[Vec<u8>] {
        match self {
            CertList::Certificates(c) => c,
            CertList::Digests(_) => &[],
        }
    }
}

/// An `ExtData` of a seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealExtension {
    pub oid: ObjectIdentifier,
    pub critical: bool,
    pub value: Vec<u8>,
}

/// What the seal authority decides when it makes a seal (`seal create`).
#[derive(Debug, Clone)]
pub struct SealSpec {
    /// The name on the seal, e.g. `连云港市人民政府`.
    pub name: String,
    pub seal_type: SealType,
    /// The department the seal belongs to (an `ExtData` under [`OID_EXT_DEPARTMENT`]).
    pub department: String,
    /// The holder certificates (DER) allowed to apply the seal.
    pub holder_certs: Vec<Vec<u8>>,
    pub image: Picture,
    pub valid_from: OffsetDateTime,
    pub valid_until: OffsetDateTime,
    /// The creation date written into the seal (normally "now").
    pub created: OffsetDateTime,
    /// The seal id, unique in the store (ASCII, see [`es_id_from_random`]).
    pub es_id: String,
}

/// An esID from 16 random octets: 32 lower-case hex digits, the form ofdrw and most seal systems
/// use.
pub fn es_id_from_random(random: &[u8; 16]) -> String {
    hex::encode(random)
}

/// The content of a parsed seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealInfo {
    /// `SES_Header.version` (4, or 5 for GM/T 0031-2025).
    pub version: u32,
    /// `SES_Header.Vid`, the vendor of the seal system that made it.
    pub vendor_id: String,
    pub es_id: String,
    pub seal_type: SealType,
    pub name: String,
    pub cert_list: CertList,
    pub created: OffsetDateTime,
    pub valid_from: OffsetDateTime,
    pub valid_until: OffsetDateTime,
    pub picture: Picture,
    /// The department, from the govpki `ExtData`, when present.
    pub department: Option<String>,
    /// Every `ExtData`, the department's included.
    pub extensions: Vec<SealExtension>,
    /// The seal authority's certificate (DER).
    pub authority_cert: Vec<u8>,
    pub signature_algorithm: ObjectIdentifier,
    pub signature: Vec<u8>,
    /// The raw `timeStamp` of a v5 seal (its octets are not interpreted).
    pub time_stamp: Option<Vec<u8>>,
}

/// A parsed seal: its content, the DER it came from, and the signed `SES_SealInfo` octets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    info: SealInfo,
    seal_info_der: Vec<u8>,
    der: Vec<u8>,
}

fn malformed(what: &'static str) -> impl Fn(der::Error) -> SealError {
    move |source| SealError::Malformed { what, source }
}

fn invalid(what: &'static str, reason: impl Into<String>) -> SealError {
    SealError::Invalid {
        what,
        reason: reason.into(),
    }
}

pub(crate) fn time_from_generalized(t: GeneralizedTime) -> Result<OffsetDateTime, SealError> {
    let secs = i64::try_from(t.to_unix_duration().as_secs())
        .map_err(|_| invalid("seal", "date out of range"))?;
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| invalid("seal", "date out of range"))
}

pub(crate) fn generalized_from_time(
    field: &'static str,
    t: OffsetDateTime,
) -> Result<GeneralizedTime, SealError> {
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| SealError::Spec {
        field,
        reason: format!("`{}` is before 1970", format_time(t)),
    })?;
    GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs)).map_err(|e| {
        SealError::Spec {
            field,
            reason: format!("`{}` cannot be encoded: {e}", format_time(t)),
        }
    })
}

/// Parses a whole certificate, refusing trailing bytes.
pub(crate) fn parse_certificate<'a>(
    what: &'static str,
    der: &'a [u8],
) -> Result<x509_parser::certificate::X509Certificate<'a>, SealError> {
    match x509_parser::certificate::X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(SealError::Certificate {
            what,
            reason: "trailing bytes after the certificate".to_string(),
        }),
        Err(e) => Err(SealError::Certificate {
            what,
            reason: e.to_string(),
        }),
    }
}

fn cert_validity(
    cert: &x509_parser::certificate::X509Certificate<'_>,
) -> (OffsetDateTime, OffsetDateTime) {
    (
        cert.validity().not_before.to_datetime(),
        cert.validity().not_after.to_datetime(),
    )
}

impl Seal {
    /// Parses a DER `SESeal` (v4, or v5 with its optional time-stamp). Trailing bytes, a header
    /// id other than `ES`, an unknown version or `certListType`, or holder entries that do not
    /// decode are errors. Signatures are not checked here.
    pub fn from_der(der: &[u8]) -> Result<Self, SealError> {
        let raw = match SESealRef::from_der(der) {
            Ok(raw) => raw,
            Err(e) => {
                if let Some(v) =
                    peek_version(der).filter(|v| *v != asn1::VERSION_4 && *v != asn1::VERSION_5)
                {
                    return Err(invalid(
                        "seal",
                        format!(
                            "version {v} seals are not supported (only GB/T 38540 version 4 and GM/T 0031-2025 version 5)"
                        ),
                    ));
                }
                return Err(malformed("seal (SESeal)")(e));
            }
        };
        let seal_info_der = raw
            .e_seal_info
            .to_der()
            .map_err(malformed("seal (SES_SealInfo)"))?;
        let info =
            SesSealInfo::from_der(&seal_info_der).map_err(malformed("seal (SES_SealInfo)"))?;

        if info.header.id.as_str() != asn1::HEADER_ID {
            return Err(invalid(
                "seal",
                format!("header id is `{}`, not `ES`", info.header.id.as_str()),
            ));
        }
        let version = info.header.version;
        if version != asn1::VERSION_4 && version != asn1::VERSION_5 {
            return Err(invalid(
                "seal",
                format!(
                    "version {version} seals are not supported (only GB/T 38540 version 4 and GM/T 0031-2025 version 5)"
                ),
            ));
        }
        if raw.time_stamp.is_some() && version == asn1::VERSION_4 {
            return Err(invalid(
                "seal",
                "a version 4 seal cannot carry a time-stamp",
            ));
        }
        let prop = &info.property;
        let cert_list_der = prop
            .cert_list
            .to_der()
            .map_err(malformed("seal (certList)"))?;
        let cert_list = match prop.cert_list_type {
            asn1::CERT_LIST_TYPE_CERTS => {
                let list = asn1::CertInfoList::from_der(&cert_list_der)
                    .map_err(malformed("seal (certList of certificates)"))?;
                CertList::Certificates(list.into_iter().map(|c| c.into_bytes()).collect())
            }
            asn1::CERT_LIST_TYPE_DIGESTS => {
                let list = asn1::CertDigestList::from_der(&cert_list_der)
                    .map_err(malformed("seal (certList of digests)"))?;
                CertList::Digests(
                    list.into_iter()
                        .map(|d| CertDigest {
                            algorithm: d.digest_type.to_string(),
                            value: d.value.into_bytes(),
                        })
                        .collect(),
                )
            }
            other => {
                return Err(invalid("seal", format!("unknown certListType {other}")));
            }
        };
        let extensions: Vec<SealExtension> = info
            .ext_datas
            .iter()
            .flatten()
            .map(|e| SealExtension {
                oid: e.extn_id,
                critical: e.critical,
                value: e.extn_value.as_bytes().to_vec(),
            })
            .collect();
        let department = match extensions.iter().find(|e| e.oid == OID_EXT_DEPARTMENT) {
            Some(e) => Some(
                String::from_utf8(e.value.clone())
                    .map_err(|_| invalid("seal", "the department is not valid UTF-8"))?,
            ),
            None => None,
        };
        let pic = &info.picture;
        let picture = Picture {
            format: ImageFormat::from_type(pic.picture_type.as_str()),
            data: pic.data.as_bytes().to_vec(),
            width_mm: pic.width,
            height_mm: pic.height,
        };
        let signature = raw
            .signed_value
            .as_bytes()
            .ok_or_else(|| invalid("seal", "signedValue has unused bits"))?
            .to_vec();
        let time_stamp = match raw.time_stamp {
            Some(ts) => Some(
                ts.as_bytes()
                    .ok_or_else(|| invalid("seal", "timeStamp has unused bits"))?
                    .to_vec(),
            ),
            None => None,
        };
        let info = SealInfo {
            version,
            vendor_id: info.header.vid.to_string(),
            es_id: info.es_id.to_string(),
            seal_type: SealType::from_code(prop.seal_type),
            name: prop.name.clone(),
            cert_list,
            created: time_from_generalized(prop.create_date)?,
            valid_from: time_from_generalized(prop.valid_start)?,
            valid_until: time_from_generalized(prop.valid_end)?,
            picture,
            department,
            extensions,
            authority_cert: raw.cert.as_bytes().to_vec(),
            signature_algorithm: raw.sign_alg_id,
            signature,
            time_stamp,
        };
        Ok(Seal {
            info,
            seal_info_der,
            der: der.to_vec(),
        })
    }

    /// What the seal says.
    pub fn info(&self) -> &SealInfo {
        &self.info
    }

    /// The seal as DER (the bytes it was parsed from).
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// The signed `SES_SealInfo` octets, as received.
    pub fn seal_info_der(&self) -> &[u8] {
        &self.seal_info_der
    }

    /// The authority certificate's subject.
    pub fn authority_subject(&self) -> String {
        certificate_subject(&self.info.authority_cert)
    }

    /// Checks the seal authority's signature over `SES_SealInfo` with the authority certificate
    /// carried in the seal. (Whether that certificate is trusted is a chain question.)
    pub fn verify_authority_signature(&self) -> SignatureCheck {
        self.authority_signature_by(|cert, alg, message, signature| {
            signer::verify_signature_with_cert(cert, alg, None, message, signature)
        })
    }

    /// [`Self::verify_authority_signature`] with `verify` checking (certificate, algorithm,
    /// signed `SES_SealInfo`, signature) as [`signer::verify_signature_with_cert`] does: a
    /// batch verifier's memory of the seals it has checked
    /// ([`super::ChainChecker::seal_signature`]).
    pub fn authority_signature_by(
        &self,
        verify: impl FnOnce(&[u8], &ObjectIdentifier, &[u8], &[u8]) -> Result<SignatureCheck, SealError>,
    ) -> SignatureCheck {
        match verify(
            &self.info.authority_cert,
            &self.info.signature_algorithm,
            &self.seal_info_der,
            &self.info.signature,
        ) {
            Ok(check) => check,
            Err(e) => SignatureCheck::Invalid(e.to_string()),
        }
    }

    /// ExtDatas marked critical that govpki does not understand.
    pub fn unknown_critical_extensions(&self) -> Vec<ObjectIdentifier> {
        self.info
            .extensions
            .iter()
            .filter(|e| e.critical && e.oid != OID_EXT_DEPARTMENT)
            .map(|e| e.oid)
            .collect()
    }

    /// A summary for reports and `seal show --json`.
    pub fn summary(&self) -> SealSummary {
        let i = &self.info;
        SealSummary {
            es_id: i.es_id.clone(),
            name: i.name.clone(),
            seal_type: i.seal_type,
            seal_type_code: i.seal_type.code(),
            seal_type_zh: i.seal_type.chinese_name(),
            department: i.department.clone(),
            version: i.version,
            vendor_id: i.vendor_id.clone(),
            created: format_time(i.created),
            valid_from: format_time(i.valid_from),
            valid_until: format_time(i.valid_until),
            holders: match &i.cert_list {
                CertList::Certificates(c) => c.iter().map(|c| certificate_subject(c)).collect(),
                CertList::Digests(d) => d
                    .iter()
                    .map(|d| format!("{} digest {}", d.algorithm, hex::encode(&d.value)))
                    .collect(),
            },
            authority: self.authority_subject(),
            signature_algorithm: signer::algorithm_name(&i.signature_algorithm),
            image_format: i.picture.format.as_str().to_string(),
            image_width_mm: i.picture.width_mm,
            image_height_mm: i.picture.height_mm,
            image_bytes: i.picture.data.len(),
            time_stamp: i.time_stamp.is_some(),
        }
    }
}

/// The version in a seal's header, when the bytes get that far (for a precise error message).
fn peek_version(der: &[u8]) -> Option<u32> {
    use der::Reader;
    let mut outer = der::SliceReader::new(der).ok()?;
    let seal = outer.decode::<der::asn1::AnyRef<'_>>().ok()?;
    let mut r = der::SliceReader::new(seal.value()).ok()?;
    let info = r.decode::<der::asn1::AnyRef<'_>>().ok()?;
    let mut r = der::SliceReader::new(info.value()).ok()?;
    let header = r.decode::<asn1::SesHeader>().ok()?;
    Some(header.version)
}

/// What `seal show` and `seal verify --json` print about a seal.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SealSummary {
    pub es_id: String,
    pub name: String,
    pub seal_type: SealType,
    pub seal_type_code: u32,
    pub seal_type_zh: &'static str,
    pub department: Option<String>,
    pub version: u32,
    pub vendor_id: String,
    pub created: String,
    pub valid_from: String,
    pub valid_until: String,
    /// Holder certificate subjects (or digests).
    pub holders: Vec<String>,
    pub authority: String,
    pub signature_algorithm: String,
    pub image_format: String,
    pub image_width_mm: u32,
    pub image_height_mm: u32,
    pub image_bytes: usize,
    pub time_stamp: bool,
}

impl fmt::Display for SealSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "seal:          {}", self.name)?;
        writeln!(f, "esID:          {}", self.es_id)?;
        writeln!(
            f,
            "type:          {} {} (code {})",
            self.seal_type.name(),
            self.seal_type_zh,
            self.seal_type_code
        )?;
        if let Some(d) = &self.department {
            writeln!(f, "department:    {d}")?;
        }
        writeln!(
            f,
            "valid:         {} .. {}",
            self.valid_from, self.valid_until
        )?;
        writeln!(f, "created:       {}", self.created)?;
        for h in &self.holders {
            writeln!(f, "holder:        {h}")?;
        }
        writeln!(f, "authority:     {}", self.authority)?;
        writeln!(f, "algorithm:     {}", self.signature_algorithm)?;
        writeln!(
            f,
            "image:         {} {}x{} mm ({} bytes)",
            self.image_format, self.image_width_mm, self.image_height_mm, self.image_bytes
        )?;
        writeln!(
            f,
            "format:        SESeal version {} by `{}`{}",
            self.version,
            self.vendor_id,
            if self.time_stamp {
                ", with time-stamp"
            } else {
                ""
            }
        )
    }
}

fn spec_err(field: &'static str, reason: impl Into<String>) -> SealError {
    SealError::Spec {
        field,
        reason: reason.into(),
    }
}

fn check_text(field: &'static str, value: &str, max_chars: usize) -> Result<(), SealError> {
    if value.trim().is_empty() {
        return Err(spec_err(field, "is empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(spec_err(field, "contains control characters"));
    }
    if value.chars().count() > max_chars {
        return Err(spec_err(
            field,
            format!("is longer than {max_chars} characters"),
        ));
    }
    Ok(())
}

/// Makes a seal: checks the spec, signs `DER(SES_SealInfo)` with the authority's key and returns
/// the parsed result (whose DER is the `.esl` file).
///
/// Refused: empty or control-character names, a non-ASCII or empty esID, no holder
/// certificate, an unparsable or duplicate one, an image that is not the PNG/SVG it claims to be,
/// a zero size, `valid_from >= valid_until`, a window that ends after the authority certificate
/// does, and an authority key that is not the certificate's.
pub fn create_seal(
    spec: &SealSpec,
    authority_cert_der: &[u8],
    authority: &dyn SealSigner,
) -> Result<Seal, SealError> {
    check_text("name", &spec.name, 64)?;
    check_text("department", &spec.department, 128)?;
    if spec.es_id.is_empty()
        || spec.es_id.len() > 64
        || !spec.es_id.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(spec_err(
            "esID",
            format!("`{}` is not 1 to 64 printable ASCII characters", spec.es_id),
        ));
    }
    if spec.holder_certs.is_empty() {
        return Err(spec_err("holder certificates", "none given"));
    }
    for (i, c) in spec.holder_certs.iter().enumerate() {
        parse_certificate("holder", c)?;
        if spec.holder_certs[..i].contains(c) {
            return Err(spec_err(
                "holder certificates",
                format!("`{}` is given twice", certificate_subject(c)),
            ));
        }
    }
    let sniffed = super::render::sniff_image(&spec.image.data)?;
    if sniffed.format != spec.image.format {
        return Err(spec_err(
            "image",
            format!("the data is {}, not {}", sniffed.format, spec.image.format),
        ));
    }
    if spec.image.width_mm == 0
        || spec.image.height_mm == 0
        || spec.image.width_mm > 1000
        || spec.image.height_mm > 1000
    {
        return Err(spec_err("image", "width and height must be 1 to 1000 mm"));
    }
    if spec.valid_from >= spec.valid_until {
        return Err(spec_err(
            "validity",
            format!(
                "starts `{}` at or after it ends `{}`",
                format_time(spec.valid_from),
                format_time(spec.valid_until)
            ),
        ));
    }
    let authority_cert = parse_certificate("seal authority", authority_cert_der)?;
    let (_, auth_not_after) = cert_validity(&authority_cert);
    if spec.valid_until > auth_not_after {
        return Err(spec_err(
            "validity",
            format!(
                "ends `{}`, after the authority certificate `{}` expires `{}`",
                format_time(spec.valid_until),
                authority_cert.subject(),
                format_time(auth_not_after)
            ),
        ));
    }
    if !signer::key_matches_certificate(authority, authority_cert_der)? {
        return Err(SealError::KeyMismatch {
            subject: crate::ca::dn::display_name(authority_cert.subject()),
        });
    }

    let ia5 = |field: &'static str, s: &str| {
        Ia5String::new(s).map_err(|e| spec_err(field, format!("`{s}` is not IA5: {e}")))
    };
    let cert_list: asn1::CertInfoList = spec
        .holder_certs
        .iter()
        .map(|c| OctetString::new(c.clone()))
        .collect::<Result<_, _>>()
        .map_err(malformed("holder certificate list"))?;
    let cert_list = Any::encode_from(&cert_list).map_err(malformed("holder certificate list"))?;
    let department = ExtData {
        extn_id: OID_EXT_DEPARTMENT,
        critical: false,
        extn_value: OctetString::new(spec.department.as_bytes().to_vec())
            .map_err(malformed("department"))?,
    };
    let info = SesSealInfo {
        header: asn1::SesHeader {
            id: ia5("header", asn1::HEADER_ID)?,
            version: asn1::VERSION_4,
            vid: ia5("vendor id", VENDOR_ID)?,
        },
        es_id: ia5("esID", &spec.es_id)?,
        property: asn1::SesEsPropertyInfo {
            seal_type: spec.seal_type.code(),
            name: spec.name.clone(),
            cert_list_type: asn1::CERT_LIST_TYPE_CERTS,
            cert_list,
            create_date: generalized_from_time("creation date", spec.created)?,
            valid_start: generalized_from_time("validity", spec.valid_from)?,
            valid_end: generalized_from_time("validity", spec.valid_until)?,
        },
        picture: asn1::SesEsPictureInfo {
            picture_type: ia5("image", spec.image.format.as_str())?,
            data: OctetString::new(spec.image.data.clone()).map_err(malformed("image"))?,
            width: spec.image.width_mm,
            height: spec.image.height_mm,
        },
        ext_datas: Some(vec![department]),
    };
    let info_der = info.to_der().map_err(malformed("seal (SES_SealInfo)"))?;
    let signature = authority.sign(&info_der)?;
    let seal = SESeal {
        e_seal_info: info,
        cert: OctetString::new(authority_cert_der.to_vec())
            .map_err(malformed("authority certificate"))?,
        sign_alg_id: authority.algorithm_oid(),
        signed_value: BitString::from_bytes(&signature).map_err(malformed("seal signature"))?,
        time_stamp: None,
    };
    let der = seal.to_der().map_err(malformed("seal (SESeal)"))?;
    Seal::from_der(&der)
}

#[cfg(test)]
pub(crate) mod tests;
