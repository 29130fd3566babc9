//! A certificate's identity as subject attributes for authorization.
//!
//! Reads the certificate; does not verify it (the caller verifies the operator's certificate
//! against the CA before trusting what it says). Names that are not valid text are refused,
//! never replaced or skipped.
//!
//! | attribute | from |
//! |---|---|
//! | `cn` | subject CN |
//! | `department` | subject OU |
//! | `organization` | subject O |
//! | `title` | subject title |
//! | `country` | subject C |
//! | `email` | subject emailAddress and SAN rfc822Name |
//! | `dns`, `ip`, `uri` | SAN dNSName, iPAddress, uniformResourceIdentifier |
//! | `serial` | the serial, upper-case hex as `openssl x509 -serial` prints it |
//! | `issuer`, `subject` | the DNs in RFC 4514 form (`CN=...,OU=...,O=...,C=CN`) |
//! | `policy` | certificate policy OIDs, dotted |

use std::net::IpAddr;

use x509_parser::asn1_rs::Tag;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::X509Name;

use super::Subject;

/// Why a certificate could not be read as a subject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("not a DER certificate: {0}")]
    Parse(String),
    #[error("{0} trailing bytes after the certificate")]
    TrailingBytes(usize),
    #[error(
        "the {field} attribute `{attr}` is not valid text (invalid UTF-8 or control characters)"
    )]
    NotText { field: &'static str, attr: String },
    #[error("the subject alternative name extension is malformed: {0}")]
    SubjectAltName(String),
    #[error("a subject alternative name is not valid text (invalid UTF-8 or control characters)")]
    SanNotText,
}

const ATTRS: &[(&str, &str, Option<&str>)] = &[
    ("2.5.4.3", "CN", Some("cn")),
    ("2.5.4.11", "OU", Some("department")),
    ("2.5.4.10", "O", Some("organization")),
    ("2.5.4.6", "C", Some("country")),
    ("2.5.4.7", "L", None),
    ("2.5.4.8", "ST", None),
    ("2.5.4.9", "STREET", None),
    ("2.5.4.5", "SERIALNUMBER", None),
    ("2.5.4.12", "TITLE", Some("title")),
    ("2.5.4.42", "GN", None),
    ("2.5.4.4", "SN", None),
    ("1.2.840.113549.1.9.1", "EMAILADDRESS", Some("email")),
    ("0.9.2342.19200300.100.1.25", "DC", None),
    ("0.9.2342.19200300.100.1.1", "UID", None),
];

/// Reads a DER certificate's identity. No trailing bytes are allowed.
pub fn subject_from_cert(der: &[u8]) -> Result<Subject, CertError> {
    let (rest, cert) =
        X509Certificate::from_der(der).map_err(|e| CertError::Parse(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CertError::TrailingBytes(rest.len()));
    }
    let mut s = Subject::new();
    let subject_dn = name_attrs(cert.subject(), "subject", Some(&mut s))?;
    let issuer_dn = name_attrs(cert.issuer(), "issuer", None)?;
    s.insert("subject", &subject_dn);
    s.insert("issuer", &issuer_dn);
    let serial: Vec<u8> = cert
        .raw_serial()
        .iter()
        .copied()
        .skip_while(|b| *b == 0)
        .collect();
    s.insert(
        "serial",
        &if serial.is_empty() {
            "00".to_string()
        } else {
            hex::encode_upper(serial)
        },
    );
    match cert.subject_alternative_name() {
        Ok(Some(san)) => {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(d) => s.insert("dns", san_text(d)?),
                    GeneralName::RFC822Name(e) => s.insert("email", san_text(e)?),
                    GeneralName::URI(u) => s.insert("uri", san_text(u)?),
                    GeneralName::IPAddress(bytes) => {
                        if let Some(ip) = ip(bytes) {
                            s.insert("ip", &ip.to_string());
                        }
                    }
                    GeneralName::Invalid(..) => return Err(CertError::SanNotText),
                    _ => {}
                }
            }
        }
        Ok(None) => {}
        Err(e) => return Err(CertError::SubjectAltName(e.to_string())),
    }
    for ext in cert.iter_extensions() {
        if let ParsedExtension::CertificatePolicies(policies) = ext.parsed_extension() {
            for p in policies {
                s.insert("policy", &p.policy_id.to_id_string());
            }
        }
    }
    Ok(s)
}

/// A SAN string, refused when it holds control characters (`a.example\0.evil` must not pass
/// for text).
fn san_text(value: &str) -> Result<&str, CertError> {
    if value.chars().any(char::is_control) {
        return Err(CertError::SanNotText);
    }
    Ok(value)
}

fn ip(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Collects a name's attributes (into `into` when given), refusing a known attribute whose
/// value is not text, and returns the name in the one DN format of reports
/// ([`crate::pkix::name::text`]).
fn name_attrs(
    name: &X509Name,
    field: &'static str,
    mut into: Option<&mut Subject>,
) -> Result<String, CertError> {
    for rdn in name.iter_rdn() {
        for atv in rdn.iter() {
            let oid = atv.attr_type().to_id_string();
            let Some((_, short, attr)) = ATTRS.iter().find(|(o, _, _)| *o == oid) else {
                // Unknown attribute types are shown as `OID=#hex` and give no attribute.
                continue;
            };
            let value = text(atv.attr_value().tag(), atv.attr_value().data).ok_or_else(|| {
                CertError::NotText {
                    field,
                    attr: short.to_string(),
                }
            })?;
            if let (Some(attr), Some(s)) = (attr, into.as_deref_mut()) {
                s.insert(attr, &value);
            }
        }
    }
    Ok(crate::pkix::name::text::name_text(name.as_raw()))
}

/// Decodes a directory string, refusing anything that is not valid text.
fn text(tag: Tag, data: &[u8]) -> Option<String> {
    let s = match tag {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::NumericString => {
            std::str::from_utf8(data).ok()?.to_string()
        }
        Tag::BmpString => {
            if !data.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()?
        }
        Tag::UniversalString => {
            if !data.len().is_multiple_of(4) {
                return None;
            }
            data.chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect::<Option<String>>()?
        }
        // T.61 is only accepted when it is plain ASCII, where it means the same.
        Tag::TeletexString if data.is_ascii() => std::str::from_utf8(data).ok()?.to_string(),
        _ => return None,
    };
    // Control characters are not text either (and would let a name forge report lines).
    if s.chars().any(char::is_control) {
        return None;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue, KeyPair, SanType,
    };

    fn make(ou: &str) -> Vec<u8> {
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(
            DnType::CountryName,
            DnValue::PrintableString("CN".try_into().unwrap()),
        );
        dn.push(DnType::OrganizationName, "连云港市人民政府");
        dn.push(DnType::OrganizationalUnitName, ou);
        dn.push(DnType::CommonName, "张三");
        params.distinguished_name = dn;
        params.subject_alt_names = vec![
            SanType::Rfc822Name("zhangsan@lyg.gov.cn".try_into().unwrap()),
            SanType::DnsName("xxzx.lyg.gov.cn".try_into().unwrap()),
            SanType::IpAddress("10.1.2.3".parse().unwrap()),
        ];
        params.serial_number = Some(vec![0x00, 0x8f, 0x01].into());
        // certificatePolicies: SEQUENCE { SEQUENCE { OID 1.2.156.3088.1.1.2 } }
        let policies = [
            0x30, 0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x81, 0x1c, 0x98, 0x10, 0x01, 0x01, 0x02,
        ];
        params.custom_extensions = vec![CustomExtension::from_oid_content(
            &[2, 5, 29, 32],
            policies.to_vec(),
        )];
        let key = KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn reads_identity() {
        let der = make("信息中心");
        let s = subject_from_cert(&der).unwrap();
        assert_eq!(s.get("cn"), ["张三"]);
        assert_eq!(s.get("department"), ["信息中心"]);
        assert_eq!(s.get("organization"), ["连云港市人民政府"]);
        assert_eq!(s.get("country"), ["CN"]);
        assert_eq!(s.get("email"), ["zhangsan@lyg.gov.cn"]);
        assert_eq!(s.get("dns"), ["xxzx.lyg.gov.cn"]);
        assert_eq!(s.get("ip"), ["10.1.2.3"]);
        assert_eq!(s.get("serial"), ["8F01"]);
        assert_eq!(s.get("policy"), ["1.2.156.3088.1.1.2"]);
        assert_eq!(
            s.get("subject"),
            ["CN=张三,OU=信息中心,O=连云港市人民政府,C=CN"]
        );
        assert_eq!(s.get("issuer"), s.get("subject"));
    }

    #[test]
    fn refuses_invalid_utf8_and_trailing_bytes() {
        let der = make("QQQQ");
        let pos = der.windows(4).position(|w| w == b"QQQQ").unwrap();
        let mut bad = der.clone();
        bad[pos] = 0xff;
        bad[pos + 1] = 0xfe;
        assert!(
            matches!(subject_from_cert(&bad), Err(CertError::NotText { .. })),
            "{:?}",
            subject_from_cert(&bad)
        );
        let mut trailing = der.clone();
        trailing.push(0);
        assert_eq!(
            subject_from_cert(&trailing),
            Err(CertError::TrailingBytes(1))
        );
        assert!(matches!(
            subject_from_cert(b"garbage"),
            Err(CertError::Parse(_))
        ));
    }

    #[test]
    fn decodes_other_string_types() {
        assert_eq!(
            text(Tag::BmpString, &[0x4f, 0x60, 0x59, 0x7d]).as_deref(),
            Some("你好")
        );
        assert_eq!(text(Tag::BmpString, &[0xd8, 0x00]), None);
        assert_eq!(
            text(Tag::UniversalString, &[0, 0, 0x4f, 0x60]).as_deref(),
            Some("你")
        );
        assert_eq!(text(Tag::TeletexString, &[0xe9]), None);
        assert_eq!(text(Tag::Utf8String, b"a\0b"), None);
        assert_eq!(text(Tag::Utf8String, b"a\nb"), None);
        assert_eq!(san_text("a.example\0.evil"), Err(CertError::SanNotText));
    }
}
