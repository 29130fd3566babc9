//! A certificate as path validation reads it: strict DER (the `der` crate refuses what
//! `openssl x509` refuses: non-minimal lengths, wrong tags, trailing bytes), every extension the
//! validator uses decoded once, unknown critical extensions listed.
//!
//! Times are read by hand so that a UTCTime before 1970 (PKITS 4.2.3, notBefore 1950) is a time,
//! not a parse error: UTCTime years 50–99 are 19xx, 00–49 are 20xx (RFC 5280 §4.1.2.5.1).

use der::asn1::{Any, BitString, Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence, Tag, Tagged};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::CrlDistributionPoints;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, ExtendedKeyUsage,
    InhibitAnyPolicy, KeyUsage, NameConstraints, PolicyConstraints, PolicyMappings, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;

/// Why bytes are not a certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("not a DER certificate: {0}")]
    Der(String),
    #[error("bad time: {0}")]
    Time(String),
    #[error("extension {oid} appears more than once")]
    DuplicateExtension { oid: ObjectIdentifier },
    #[error("extension {oid} is malformed: {err}")]
    BadExtension { oid: ObjectIdentifier, err: String },
    #[error("version {0} certificates are not X.509 v1, v2 or v3")]
    Version(u8),
}

#[derive(Sequence)]
struct RawCertificate {
    tbs: Any,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

#[derive(Sequence)]
struct RawTbs {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<u8>,
    serial: Int,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: RawValidity,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    issuer_unique_id: Option<BitString>,
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT", optional = "true")]
    subject_unique_id: Option<BitString>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct RawValidity {
    not_before: Any,
    not_after: Any,
}

/// The extensions path validation uses, decoded.
#[derive(Debug, Clone, Default)]
pub struct CertExts {
    pub basic_constraints: Option<BasicConstraints>,
    pub key_usage: Option<KeyUsage>,
    pub ext_key_usage: Option<Vec<ObjectIdentifier>>,
    pub policies: Option<CertificatePolicies>,
    pub policy_mappings: Option<PolicyMappings>,
    pub policy_constraints: Option<PolicyConstraints>,
    pub inhibit_any_policy: Option<u32>,
    pub name_constraints: Option<NameConstraints>,
    pub subject_alt_name: Option<SubjectAltName>,
    pub crl_distribution_points: Option<CrlDistributionPoints>,
    pub freshest_crl: Option<CrlDistributionPoints>,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<AuthorityKeyIdentifier>,
    /// Critical extensions this validator does not process: a path through such a certificate
    /// is refused (RFC 5280 §6.1.4 (o) / §6.1.5 (f)).
    pub unknown_critical: Vec<ObjectIdentifier>,
    /// Every extension OID present, in order.
    pub present: Vec<ObjectIdentifier>,
}

/// A parsed certificate.
#[derive(Debug, Clone)]
pub struct Cert {
    /// The whole certificate.
    pub der: Vec<u8>,
    /// The signed part (TBSCertificate, with tag and length).
    pub tbs_der: Vec<u8>,
    /// The outer signature algorithm.
    pub sig_alg: AlgorithmIdentifierOwned,
    /// The signature bits.
    pub signature: Vec<u8>,
    /// 1, 2 or 3.
    pub version: u8,
    /// The serial number's content octets, as encoded (two's complement, minimal).
    pub serial: Vec<u8>,
    /// The signature algorithm inside the TBS (must equal `sig_alg`).
    pub tbs_sig_alg: AlgorithmIdentifierOwned,
    pub issuer: Name,
    pub subject: Name,
    /// Seconds since the Unix epoch (may be negative).
    pub not_before: i64,
    pub not_after: i64,
    pub spki: SubjectPublicKeyInfoOwned,
    /// The SubjectPublicKeyInfo, DER.
    pub spki_der: Vec<u8>,
    pub ext: CertExts,
}

/// OIDs of the extensions [`CertExts`] decodes.
pub mod oid {
    use der::asn1::ObjectIdentifier as O;
    pub const BASIC_CONSTRAINTS: O = O::new_unwrap("2.5.29.19");
    pub const KEY_USAGE: O = O::new_unwrap("2.5.29.15");
    pub const EXT_KEY_USAGE: O = O::new_unwrap("2.5.29.37");
    pub const CERTIFICATE_POLICIES: O = O::new_unwrap("2.5.29.32");
    pub const POLICY_MAPPINGS: O = O::new_unwrap("2.5.29.33");
    pub const POLICY_CONSTRAINTS: O = O::new_unwrap("2.5.29.36");
    pub const INHIBIT_ANY_POLICY: O = O::new_unwrap("2.5.29.54");
    pub const NAME_CONSTRAINTS: O = O::new_unwrap("2.5.29.30");
    pub const SUBJECT_ALT_NAME: O = O::new_unwrap("2.5.29.17");
    pub const ISSUER_ALT_NAME: O = O::new_unwrap("2.5.29.18");
    pub const CRL_DISTRIBUTION_POINTS: O = O::new_unwrap("2.5.29.31");
    pub const FRESHEST_CRL: O = O::new_unwrap("2.5.29.46");
    pub const SUBJECT_KEY_ID: O = O::new_unwrap("2.5.29.14");
    pub const AUTHORITY_KEY_ID: O = O::new_unwrap("2.5.29.35");
    pub const ANY_POLICY: O = O::new_unwrap("2.5.29.32.0");
    pub const ANY_EXTENDED_KEY_USAGE: O = O::new_unwrap("2.5.29.37.0");
    /// id-pkix-ocsp-nocheck.
    pub const OCSP_NOCHECK: O = O::new_unwrap("1.3.6.1.5.5.7.48.1.5");
}

/// Extensions that are understood when critical, though only read by someone else
/// (ocsp-nocheck: RFC 6960 §4.2.2.2.1; issuerAltName: informative).
const KNOWN_ELSEWHERE: &[ObjectIdentifier] = &[oid::ISSUER_ALT_NAME, oid::OCSP_NOCHECK];

impl Cert {
    /// Parses one DER certificate, strictly: trailing bytes, a non-DER encoding, a duplicated
    /// or malformed extension are errors.
    pub fn from_der(der: &[u8]) -> Result<Cert, CertError> {
        let outer = RawCertificate::from_der(der).map_err(|e| CertError::Der(e.to_string()))?;
        if outer.tbs.tag() != Tag::Sequence {
            return Err(CertError::Der("TBSCertificate is not a SEQUENCE".into()));
        }
        let tbs_der = outer
            .tbs
            .to_der()
            .map_err(|e| CertError::Der(e.to_string()))?;
        let tbs = RawTbs::from_der(&tbs_der).map_err(|e| CertError::Der(e.to_string()))?;
        let version = match tbs.version {
            None => 1,
            Some(0) => {
                return Err(CertError::Der(
                    "explicit default version v1 (not DER)".into(),
                ));
            }
            Some(v @ 1..=2) => v + 1,
            Some(v) => return Err(CertError::Version(v.saturating_add(1))),
        };
        if version < 3 && tbs.extensions.is_some() {
            return Err(CertError::Der(
                "extensions in a certificate before v3".into(),
            ));
        }
        if tbs.extensions.as_ref().is_some_and(|e| e.is_empty()) {
            return Err(CertError::Der("empty extensions (RFC 5280 §4.1)".into()));
        }
        // A signature BIT STRING with unused bits is well-formed DER; it cannot verify (no
        // algorithm we read makes one), which is where it is refused.
        let signature = outer.signature.raw_bytes().to_vec();
        let spki_der = tbs
            .spki
            .to_der()
            .map_err(|e| CertError::Der(e.to_string()))?;
        let ext = decode_exts(tbs.extensions.as_deref().unwrap_or_default())?;
        Ok(Cert {
            der: der.to_vec(),
            tbs_der,
            sig_alg: outer.signature_algorithm,
            signature,
            version,
            serial: tbs.serial.as_bytes().to_vec(),
            tbs_sig_alg: tbs.signature,
            issuer: tbs.issuer,
            subject: tbs.subject,
            not_before: read_time(&tbs.validity.not_before)?,
            not_after: read_time(&tbs.validity.not_after)?,
            spki: tbs.spki,
            spki_der,
            ext,
        })
    }

    /// Issuer and subject names are the same DN (RFC 5280 §6.1: "self-issued"), compared by
    /// the §7.1 rules.
    pub fn is_self_issued(&self) -> bool {
        super::name::names_match(&self.issuer, &self.subject)
    }

    /// basicConstraints cA is TRUE.
    pub fn is_ca(&self) -> bool {
        self.ext.basic_constraints.as_ref().is_some_and(|b| b.ca)
    }

    /// The subject in the one DN format of reports ([`super::name::text`], RFC 4514).
    pub fn subject_text(&self) -> String {
        super::name::text::name_of(&self.subject)
    }

    /// The serial number is negative (RFC 5280 §4.1.2.2 requires a positive integer).
    pub fn serial_is_negative(&self) -> bool {
        self.serial.first().is_some_and(|b| b & 0x80 != 0)
    }

    /// The serial number as upper-case hex without leading zero padding beyond the encoding.
    pub fn serial_hex(&self) -> String {
        hex::encode_upper(&self.serial)
    }

    /// keyUsage allows `bit` (or keyUsage is absent).
    pub fn key_usage_allows(&self, bit: x509_cert::ext::pkix::KeyUsages) -> bool {
        self.ext
            .key_usage
            .as_ref()
            .is_none_or(|ku| ku.0.contains(bit))
    }
}

fn decode_exts(exts: &[Extension]) -> Result<CertExts, CertError> {
    let mut out = CertExts::default();
    for e in exts {
        if out.present.contains(&e.extn_id) {
            return Err(CertError::DuplicateExtension { oid: e.extn_id });
        }
        out.present.push(e.extn_id);
        let v = e.extn_value.as_bytes();
        let bad = |err: der::Error| CertError::BadExtension {
            oid: e.extn_id,
            err: err.to_string(),
        };
        match e.extn_id {
            oid::BASIC_CONSTRAINTS => {
                out.basic_constraints = Some(BasicConstraints::from_der(v).map_err(bad)?)
            }
            oid::KEY_USAGE => out.key_usage = Some(KeyUsage::from_der(v).map_err(bad)?),
            oid::EXT_KEY_USAGE => {
                out.ext_key_usage = Some(ExtendedKeyUsage::from_der(v).map_err(bad)?.0)
            }
            oid::CERTIFICATE_POLICIES => {
                out.policies = Some(CertificatePolicies::from_der(v).map_err(bad)?)
            }
            oid::POLICY_MAPPINGS => {
                out.policy_mappings = Some(PolicyMappings::from_der(v).map_err(bad)?)
            }
            oid::POLICY_CONSTRAINTS => {
                out.policy_constraints = Some(PolicyConstraints::from_der(v).map_err(bad)?)
            }
            oid::INHIBIT_ANY_POLICY => {
                out.inhibit_any_policy = Some(InhibitAnyPolicy::from_der(v).map_err(bad)?.0)
            }
            oid::NAME_CONSTRAINTS => {
                out.name_constraints = Some(NameConstraints::from_der(v).map_err(bad)?)
            }
            oid::SUBJECT_ALT_NAME => {
                out.subject_alt_name = Some(SubjectAltName::from_der(v).map_err(bad)?)
            }
            oid::CRL_DISTRIBUTION_POINTS => {
                out.crl_distribution_points = Some(CrlDistributionPoints::from_der(v).map_err(bad)?)
            }
            oid::FRESHEST_CRL => {
                out.freshest_crl = Some(CrlDistributionPoints::from_der(v).map_err(bad)?)
            }
            oid::SUBJECT_KEY_ID => {
                out.subject_key_id = Some(
                    SubjectKeyIdentifier::from_der(v)
                        .map_err(bad)?
                        .0
                        .as_bytes()
                        .to_vec(),
                )
            }
            oid::AUTHORITY_KEY_ID => {
                out.authority_key_id = Some(AuthorityKeyIdentifier::from_der(v).map_err(bad)?)
            }
            other => {
                if e.critical && !KNOWN_ELSEWHERE.contains(&other) {
                    out.unknown_critical.push(other);
                }
            }
        }
    }
    // SEQUENCE SIZE (1..MAX) in RFC 5280: an empty list is malformed, not "no restriction".
    let empty = |oid: ObjectIdentifier| CertError::BadExtension {
        oid,
        err: "empty SEQUENCE (RFC 5280 requires at least one element)".into(),
    };
    if out.ext_key_usage.as_ref().is_some_and(Vec::is_empty) {
        return Err(empty(oid::EXT_KEY_USAGE));
    }
    if out
        .subject_alt_name
        .as_ref()
        .is_some_and(|s| s.0.is_empty())
    {
        return Err(empty(oid::SUBJECT_ALT_NAME));
    }
    if out.policies.as_ref().is_some_and(|p| p.0.is_empty()) {
        return Err(empty(oid::CERTIFICATE_POLICIES));
    }
    if out.policy_mappings.as_ref().is_some_and(|p| p.0.is_empty()) {
        return Err(empty(oid::POLICY_MAPPINGS));
    }
    if out
        .crl_distribution_points
        .as_ref()
        .is_some_and(|d| d.0.is_empty())
    {
        return Err(empty(oid::CRL_DISTRIBUTION_POINTS));
    }
    if out
        .name_constraints
        .as_ref()
        .is_some_and(|n| n.permitted_subtrees.is_none() && n.excluded_subtrees.is_none())
    {
        return Err(empty(oid::NAME_CONSTRAINTS));
    }
    Ok(out)
}

/// Reads a UTCTime or GeneralizedTime (DER forms: `YYMMDDHHMMSSZ`, `YYYYMMDDHHMMSSZ`) as Unix
/// seconds.
pub fn read_time(any: &Any) -> Result<i64, CertError> {
    let v = any.value();
    let s = std::str::from_utf8(v).map_err(|_| CertError::Time("not ASCII".into()))?;
    let (year, rest) = match any.tag() {
        Tag::UtcTime => {
            if s.len() != 13 {
                return Err(CertError::Time(format!(
                    "UTCTime `{s}` is not YYMMDDHHMMSSZ"
                )));
            }
            let yy: i32 = digits(&s[..2])?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &s[2..])
        }
        Tag::GeneralizedTime => {
            if s.len() != 15 {
                return Err(CertError::Time(format!(
                    "GeneralizedTime `{s}` is not YYYYMMDDHHMMSSZ"
                )));
            }
            (digits(&s[..4])?, &s[4..])
        }
        t => return Err(CertError::Time(format!("{t} is not a time"))),
    };
    if !rest.ends_with('Z') {
        return Err(CertError::Time(format!("`{s}` is not in UTC (Z)")));
    }
    let month: u8 = digits(&rest[0..2])?;
    let day: u8 = digits(&rest[2..4])?;
    let hour: u8 = digits(&rest[4..6])?;
    let minute: u8 = digits(&rest[6..8])?;
    let second: u8 = digits(&rest[8..10])?;
    let month = time::Month::try_from(month).map_err(|e| CertError::Time(e.to_string()))?;
    let date = time::Date::from_calendar_date(year, month, day)
        .map_err(|e| CertError::Time(e.to_string()))?;
    let t =
        time::Time::from_hms(hour, minute, second).map_err(|e| CertError::Time(e.to_string()))?;
    Ok(time::PrimitiveDateTime::new(date, t)
        .assume_utc()
        .unix_timestamp())
}

fn digits<T: std::str::FromStr>(s: &str) -> Result<T, CertError> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CertError::Time(format!("`{s}` is not digits")));
    }
    s.parse()
        .map_err(|_| CertError::Time(format!("`{s}` is not a number")))
}

/// A DER OCTET STRING's content, for callers that hold `OctetString`s.
pub fn octets(o: &OctetString) -> &[u8] {
    o.as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every PKITS certificate parses, the pre-2000 UTCTime one included (PKITS 4.2.3).
    #[test]
    fn all_pkits_certificates_parse() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkits/certs");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).expect("testdata/pkits/certs") {
            let path = e.expect("dir entry").path();
            let der = std::fs::read(&path).expect("read");
            let cert =
                Cert::from_der(&der).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            assert!(cert.not_before < cert.not_after, "{}", path.display());
            n += 1;
        }
        assert_eq!(n, 405);
        let old = std::fs::read(dir.join("Validpre2000UTCnotBeforeDateTest3EE.crt")).expect("read");
        // notBefore 1950-01-01 12:01:00Z, as `openssl x509 -dates` reads it.
        assert_eq!(
            Cert::from_der(&old).expect("parses").not_before,
            -631_108_740
        );
    }

    #[test]
    fn trailing_bytes_and_flipped_tags_are_refused() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkits/certs");
        let der = std::fs::read(dir.join("TrustAnchorRootCertificate.crt")).expect("read");
        assert!(Cert::from_der(&der).is_ok());
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(Cert::from_der(&trailing).is_err());
        let mut tag = der.clone();
        tag[0] ^= 0x01;
        assert!(Cert::from_der(&tag).is_err());
    }
}
