//! The wire structures of an electronic seal, GB/T 38540-2020 §5 (`SESeal`, version 4), and of
//! the seal-signature govpki writes (§7, [`TbsSign`], [`SesSignatureDer`]), with the
//! `der` derive: DER encoding and a strict decoder (definite minimal lengths, no trailing bytes,
//! typed strings checked).
//!
//! ```text
//! SESeal ::= SEQUENCE {
//!     eSealInfo    SES_SealInfo,
//!     cert         OCTET STRING,            -- the seal authority's (制章者) certificate, DER
//!     signAlgID    OBJECT IDENTIFIER,
//!     signedValue  BIT STRING,              -- signature over DER(eSealInfo)
//!     timeStamp    [0] EXPLICIT BIT STRING OPTIONAL }   -- GM/T 0031-2025 ("v5") only
//! SES_SealInfo ::= SEQUENCE {
//!     header       SES_Header,
//!     esID         IA5String,
//!     property     SES_ESPropertyInfo,
//!     picture      SES_ESPictrueInfo,       -- sic, the standard's spelling
//!     extDatas     ExtensionDatas OPTIONAL }
//! SES_Header ::= SEQUENCE { ID IA5String ("ES"), version INTEGER (4), Vid IA5String }
//! SES_ESPropertyInfo ::= SEQUENCE {
//!     type INTEGER, name UTF8String, certListType INTEGER,
//!     certList SES_CertList, createDate GeneralizedTime,
//!     validStart GeneralizedTime, validEnd GeneralizedTime }
//! SES_CertList ::= CHOICE {
//!     certs          CertInfoList,          -- certListType 1
//!     certDigestList CertDigestList }       -- certListType 2
//! CertInfoList ::= SEQUENCE OF OCTET STRING  -- certificates, DER
//! CertDigestList ::= SEQUENCE OF CertDigestObj
//! CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING }
//! SES_ESPictrueInfo ::= SEQUENCE {
//!     type IA5String ("PNG", "SVG", ...), data OCTET STRING,
//!     width INTEGER, height INTEGER }       -- millimetres
//! ExtensionDatas ::= SEQUENCE OF ExtData
//! ExtData ::= SEQUENCE {
//!     extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
//! ```
//!
//! Checked against the samples in `testdata/gbt38540` (ofdrw, and third-party seals):
//! `extDatas` is untagged, the two `SES_CertList` alternatives are both untagged SEQUENCEs told
//! apart by `certListType` (so `certList` is kept as [`Any`] here and decoded in
//! [`super::seal`]), and one vendor encodes `critical FALSE` explicitly, which this decoder
//! tolerates. Version 1 seals (GM/T 0031-2014) have another layout and are not parsed here.
//!
//! The signature over `SES_SealInfo` is checked on the bytes as received ([`SESealRef`] keeps
//! them), never on a re-encoding.

use der::Sequence;
use der::asn1::{
    Any, AnyRef, BitString, BitStringRef, GeneralizedTime, Ia5String, Ia5StringRef,
    ObjectIdentifier, OctetString, OctetStringRef, PrintableString,
};

/// `SES_Header.ID`.
pub const HEADER_ID: &str = "ES";
/// `SES_Header.version` of GB/T 38540-2020 seals, the version govpki writes.
pub const VERSION_4: u32 = 4;
/// `SES_Header.version` of GM/T 0031-2025 seals (v4 layout plus an optional time-stamp).
pub const VERSION_5: u32 = 5;
/// `certListType` for a list of certificates.
pub const CERT_LIST_TYPE_CERTS: u32 = 1;
/// `certListType` for a list of certificate digests.
pub const CERT_LIST_TYPE_DIGESTS: u32 = 2;

/// `SES_Header`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesHeader {
    pub id: Ia5String,
    pub version: u32,
    pub vid: Ia5String,
}

/// `SES_ESPropertyInfo`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesEsPropertyInfo {
    /// `type`: see [`super::SealType`] for the codes.
    pub seal_type: u32,
    pub name: String,
    pub cert_list_type: u32,
    /// `certList`: a [`CertInfoList`] when `cert_list_type` is 1, a [`CertDigestList`] when 2.
    pub cert_list: Any,
    pub create_date: GeneralizedTime,
    pub valid_start: GeneralizedTime,
    pub valid_end: GeneralizedTime,
}

/// `CertInfoList`: the holder certificates, each a DER certificate in an OCTET STRING.
pub type CertInfoList = Vec<OctetString>;

/// `CertDigestObj`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct CertDigestObj {
    /// The digest algorithm's name, free text in the standard (e.g. `SM3`, `SHA256`).
    pub digest_type: PrintableString,
    pub value: OctetString,
}

/// `CertDigestList`.
pub type CertDigestList = Vec<CertDigestObj>;

/// `SES_ESPictrueInfo`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesEsPictureInfo {
    /// `type`: `PNG`, `SVG` (govpki writes these two); `GIF`, `JPG`, `ofd` seen elsewhere.
    pub picture_type: Ia5String,
    pub data: OctetString,
    /// Width in millimetres.
    pub width: u32,
    /// Height in millimetres.
    pub height: u32,
}

/// `ExtData`.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct ExtData {
    pub extn_id: ObjectIdentifier,
    #[asn1(default = "Default::default")]
    pub critical: bool,
    pub extn_value: OctetString,
}

/// `SES_SealInfo`: what the seal authority signs.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesSealInfo {
    pub header: SesHeader,
    pub es_id: Ia5String,
    pub property: SesEsPropertyInfo,
    pub picture: SesEsPictureInfo,
    pub ext_datas: Option<Vec<ExtData>>,
}

/// `SESeal`, for encoding.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SESeal {
    pub e_seal_info: SesSealInfo,
    pub cert: OctetString,
    pub sign_alg_id: ObjectIdentifier,
    pub signed_value: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub time_stamp: Option<BitString>,
}

/// `SESeal`, for decoding: `eSealInfo` stays as received so that its signature is checked on the
/// original octets.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SESealRef<'a> {
    pub e_seal_info: AnyRef<'a>,
    pub cert: OctetStringRef<'a>,
    pub sign_alg_id: ObjectIdentifier,
    pub signed_value: BitStringRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub time_stamp: Option<BitStringRef<'a>>,
}

/// `TBS_Sign` of a GB/T 38540 version 4 `SES_Signature` (§7.1), for encoding: what the signer
/// signs. `eseal` is the seal's DER as it was made (kept octet for octet, so the seal
/// authority's signature over it still verifies); govpki writes no `extDatas`.
///
/// ```text
/// TBS_Sign ::= SEQUENCE {
///     version INTEGER (4), eseal SESeal, timeInfo GeneralizedTime, dataHash BIT STRING,
///     propertyInfo IA5String, extDatas ExtensionDatas OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TbsSign<'a> {
    pub version: u32,
    pub eseal: AnyRef<'a>,
    pub time_info: GeneralizedTime,
    /// The SM3 of the signed data (32 octets, no unused bits).
    pub data_hash: BitStringRef<'a>,
    pub property_info: Ia5StringRef<'a>,
}

/// `SES_Signature` (GB/T 38540 §7.1), for encoding: `to_sign` is the DER of a [`TbsSign`] as it
/// was signed.
///
/// ```text
/// SES_Signature ::= SEQUENCE {
///     toSign TBS_Sign, cert OCTET STRING, signatureAlgID OBJECT IDENTIFIER,
///     signature BIT STRING, timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
/// ```
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct SesSignatureDer<'a> {
    pub to_sign: AnyRef<'a>,
    /// The signer's certificate, DER.
    pub cert: OctetStringRef<'a>,
    pub signature_alg_id: ObjectIdentifier,
    /// The signature over DER(`to_sign`): SM2 DER `SEQUENCE { r, s }`.
    pub signature: BitStringRef<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};

    const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/gbt38540");

    fn sample(name: &str) -> Option<Vec<u8>> {
        match std::fs::read(format!("{SAMPLES}/{name}")) {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("SKIPPING: sample `{name}` not readable: {e}");
                None
            }
        }
    }

    #[test]
    fn parses_gbt38540_v4_and_v5_samples() {
        for (name, version, ts) in [
            ("UserV4.esl", 4, false),
            ("UserV5.esl", 5, false),
            ("UserV5_ts.esl", 5, true),
            ("SESealData.DER", 4, false),
        ] {
            let Some(der) = sample(name) else { continue };
            let seal = SESealRef::from_der(&der).unwrap_or_else(|e| panic!("{name}: {e}"));
            let info = SesSealInfo::from_der(&seal.e_seal_info.to_der().unwrap()).unwrap();
            assert_eq!(info.header.id.as_str(), HEADER_ID, "{name}");
            assert_eq!(info.header.version, version, "{name}");
            assert_eq!(seal.time_stamp.is_some(), ts, "{name}");
            // The raw SES_SealInfo is at offset 4 in every sample (PROVENANCE.md §5).
            let raw = seal.e_seal_info.to_der().unwrap();
            assert_eq!(&der[4..4 + raw.len()], &raw[..], "{name}");
        }
    }

    #[test]
    fn samples_reencode_identically_except_explicit_default() {
        // Typed decode + encode is byte-identical where the producer wrote DER.
        for name in ["UserV4.esl", "UserV5.esl", "UserV5_ts.esl"] {
            let Some(der) = sample(name) else { continue };
            let seal = SESeal::from_der(&der).unwrap();
            assert_eq!(seal.to_der().unwrap(), der, "{name}");
        }
        // SESealData.DER writes `critical FALSE` explicitly (not DER): it decodes, and
        // re-encodes shorter.
        if let Some(der) = sample("SESealData.DER") {
            let seal = SESeal::from_der(&der).unwrap();
            let ext = seal.e_seal_info.ext_datas.as_ref().unwrap();
            assert_eq!(ext.len(), 3);
            assert!(!ext[0].critical && ext[1].critical);
            assert!(seal.to_der().unwrap().len() < der.len());
        }
    }

    #[test]
    fn trailing_bytes_and_truncation_are_errors() {
        let Some(mut der) = sample("UserV4.esl") else {
            return;
        };
        der.push(0);
        assert!(SESealRef::from_der(&der).is_err());
        der.pop();
        for cut in [0, 1, 4, 100, der.len() - 1] {
            assert!(SESealRef::from_der(&der[..cut]).is_err());
        }
    }
}
