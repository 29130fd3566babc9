//! Distinguished names: RFC 4514 strings in, a typed [`Dn`] out, and back.
//!
//! The string form lists the most specific attribute first (`CN=张三,OU=信息中心,O=...,C=CN`);
//! the DER form (and rcgen's) is in the opposite order, from the country down. Values are
//! encoded as UTF8String, except `C` (PrintableString, RFC 5280 §A.1 and X.520).

use std::fmt;

use rcgen::{DistinguishedName, DnType, DnValue};

/// An attribute type we accept in a DN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attr {
    CommonName,
    OrganizationalUnit,
    Organization,
    Country,
    Locality,
    State,
    Street,
    SerialNumber,
    Title,
    GivenName,
    Surname,
    Email,
    DomainComponent,
    UserId,
}

const ATTRS: &[(Attr, &str, &[u64])] = &[
    (Attr::CommonName, "CN", &[2, 5, 4, 3]),
    (Attr::OrganizationalUnit, "OU", &[2, 5, 4, 11]),
    (Attr::Organization, "O", &[2, 5, 4, 10]),
    (Attr::Country, "C", &[2, 5, 4, 6]),
    (Attr::Locality, "L", &[2, 5, 4, 7]),
    (Attr::State, "ST", &[2, 5, 4, 8]),
    (Attr::Street, "STREET", &[2, 5, 4, 9]),
    (Attr::SerialNumber, "SERIALNUMBER", &[2, 5, 4, 5]),
    (Attr::Title, "TITLE", &[2, 5, 4, 12]),
    (Attr::GivenName, "GN", &[2, 5, 4, 42]),
    (Attr::Surname, "SN", &[2, 5, 4, 4]),
    (Attr::Email, "EMAILADDRESS", &[1, 2, 840, 113549, 1, 9, 1]),
    (
        Attr::DomainComponent,
        "DC",
        &[0, 9, 2342, 19200300, 100, 1, 25],
    ),
    (Attr::UserId, "UID", &[0, 9, 2342, 19200300, 100, 1, 1]),
];

impl Attr {
    /// The RFC 4514 short name.
    pub fn short_name(self) -> &'static str {
        ATTRS
            .iter()
            .find(|(a, _, _)| *a == self)
            .map(|(_, n, _)| *n)
            .unwrap_or("?")
    }

    fn oid(self) -> &'static [u64] {
        ATTRS
            .iter()
            .find(|(a, _, _)| *a == self)
            .map(|(_, _, o)| *o)
            .unwrap_or(&[])
    }

    fn from_name(name: &str) -> Option<Attr> {
        let upper = name.trim().to_ascii_uppercase();
        let upper = match upper.as_str() {
            "E" | "EMAIL" => "EMAILADDRESS",
            "G" | "GIVENNAME" => "GN",
            "SURNAME" => "SN",
            "S" => "ST",
            "COMMONNAME" => "CN",
            other => other,
        };
        ATTRS
            .iter()
            .find(|(_, n, _)| *n == upper)
            .map(|(a, _, _)| *a)
    }

    fn from_oid(oid: &[u64]) -> Option<Attr> {
        ATTRS.iter().find(|(_, _, o)| *o == oid).map(|(a, _, _)| *a)
    }
}

/// Why a DN string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnError {
    #[error("empty distinguished name")]
    Empty,
    #[error("`{0}` is not of the form TYPE=value")]
    MissingEquals(String),
    #[error("unknown attribute type `{0}`")]
    UnknownAttribute(String),
    #[error("empty value for `{0}`")]
    EmptyValue(String),
    #[error("bad escape in `{0}`")]
    BadEscape(String),
    #[error("country `{0}` is not a two-letter code")]
    BadCountry(String),
    #[error("multi-valued RDNs (`+`) are not supported")]
    MultiValued,
    #[error("value of `{attr}` is {len} characters, over the limit of {max}")]
    TooLong {
        attr: &'static str,
        len: usize,
        max: usize,
    },
    #[error("value contains a control character")]
    Control,
    #[error(
        "unescaped `;` in `{0}`: RFC 4514 separates attributes with `,` only (write `\\;` for a semicolon in a value)"
    )]
    Semicolon(String),
    #[error(
        "attribute `{0}` appears more than once: govpki encodes one value per attribute type, and would drop the others from the certificate"
    )]
    Repeated(&'static str),
}

/// A parsed distinguished name, kept in RFC 4514 order (most specific first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dn {
    rdns: Vec<(Attr, String)>,
}

impl Dn {
    /// Parses an RFC 4514 string such as `CN=张三,OU=信息中心,O=连云港市人民政府,C=CN`.
    pub fn parse(text: &str) -> Result<Dn, DnError> {
        let text = trim_unescaped(text);
        if text.is_empty() {
            return Err(DnError::Empty);
        }
        // RFC 1779 and 2253 also took `;` as a separator; RFC 4514 does not. Rather than read
        // `CN=赵六;OU=财政局` as one CN holding a semicolon, refuse it.
        if find_unescaped(text, ';').is_some() {
            return Err(DnError::Semicolon(text.to_string()));
        }
        let mut rdns = Vec::new();
        for part in split_unescaped(text, ',')? {
            if split_unescaped(&part, '+')?.len() > 1 {
                return Err(DnError::MultiValued);
            }
            let eq =
                find_unescaped(&part, '=').ok_or_else(|| DnError::MissingEquals(part.clone()))?;
            let (name, raw) = part.split_at(eq);
            let attr = Attr::from_name(name)
                .ok_or_else(|| DnError::UnknownAttribute(name.trim().to_string()))?;
            let value = unescape(trim_unescaped(&raw[1..]))?;
            rdns.push((attr, value));
        }
        let dn = Dn { rdns };
        dn.check()?;
        Ok(dn)
    }

    /// Builds a DN from attributes in RFC 4514 order, checking them as [`Dn::parse`] would.
    pub fn from_attrs(rdns: Vec<(Attr, String)>) -> Result<Dn, DnError> {
        let dn = Dn { rdns };
        dn.check()?;
        Ok(dn)
    }

    /// The rules every DN govpki puts in a certificate obeys, whether it came from `--subject`
    /// or from a CSR: no empty or control-character values, RFC 5280 length bounds, a two-letter
    /// country, and each attribute type at most once (the encoder keeps one value per type, so
    /// a second one would be recorded but not certified).
    pub fn check(&self) -> Result<(), DnError> {
        if self.rdns.is_empty() {
            return Err(DnError::Empty);
        }
        for (i, (attr, _)) in self.rdns.iter().enumerate() {
            if self.rdns[..i].iter().any(|(a, _)| a == attr) {
                return Err(DnError::Repeated(attr.short_name()));
            }
        }
        for (attr, value) in &self.rdns {
            if value.is_empty() {
                return Err(DnError::EmptyValue(attr.short_name().to_string()));
            }
            if value.chars().any(char::is_control) {
                return Err(DnError::Control);
            }
            // RFC 5280 Appendix A upper bounds.
            let max = match attr {
                Attr::Country => 2,
                Attr::CommonName | Attr::OrganizationalUnit | Attr::Organization => 64,
                Attr::Email => 255,
                _ => 128,
            };
            let len = value.chars().count();
            if *attr == Attr::Country {
                if len != 2 || !value.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(DnError::BadCountry(value.clone()));
                }
            } else if len > max {
                return Err(DnError::TooLong {
                    attr: attr.short_name(),
                    len,
                    max,
                });
            }
        }
        Ok(())
    }

    /// The first value of an attribute, if present.
    pub fn get(&self, attr: Attr) -> Option<&str> {
        self.rdns
            .iter()
            .find(|(a, _)| *a == attr)
            .map(|(_, v)| v.as_str())
    }

    /// The common name, if any.
    pub fn common_name(&self) -> Option<&str> {
        self.get(Attr::CommonName)
    }

    /// The department: the first OU.
    pub fn department(&self) -> Option<&str> {
        self.get(Attr::OrganizationalUnit)
    }

    /// The attributes in RFC 4514 order.
    pub fn attrs(&self) -> &[(Attr, String)] {
        &self.rdns
    }

    /// Converts to rcgen's form (DER order, UTF8String values, PrintableString country).
    pub fn to_rcgen(&self) -> DistinguishedName {
        let mut out = DistinguishedName::new();
        for (attr, value) in self.rdns.iter().rev() {
            let ty = DnType::from_oid(attr.oid());
            let val = match attr {
                // Country and the DC/email types are ASCII by definition.
                Attr::Country => match rcgen::string::PrintableString::try_from(value.as_str()) {
                    Ok(p) => DnValue::PrintableString(p),
                    Err(_) => DnValue::Utf8String(value.clone()),
                },
                Attr::Email | Attr::DomainComponent => {
                    match rcgen::string::Ia5String::try_from(value.as_str()) {
                        Ok(p) => DnValue::Ia5String(p),
                        Err(_) => DnValue::Utf8String(value.clone()),
                    }
                }
                _ => DnValue::Utf8String(value.clone()),
            };
            out.push(ty, val);
        }
        out
    }

    /// Reads a DN from a parsed certificate or CSR name; refuses invalid UTF-8 and unknown types.
    pub fn from_x509(name: &x509_parser::x509::X509Name<'_>) -> Result<Dn, DnError> {
        let mut rdns = Vec::new();
        for rdn in name.iter() {
            let mut iter = rdn.iter();
            let (Some(atv), None) = (iter.next(), iter.next()) else {
                return Err(DnError::MultiValued);
            };
            let oid: Vec<u64> = atv
                .attr_type()
                .iter()
                .map(|i| i.collect())
                .unwrap_or_default();
            let attr = Attr::from_oid(&oid)
                .ok_or_else(|| DnError::UnknownAttribute(atv.attr_type().to_id_string()))?;
            let value = atv.as_str().map_err(|_| {
                DnError::BadEscape(format!("{} value is not valid text", attr.short_name()))
            })?;
            rdns.push((attr, value.to_string()));
        }
        rdns.reverse();
        let dn = Dn { rdns };
        if dn.rdns.is_empty() {
            return Err(DnError::Empty);
        }
        Ok(dn)
    }
}

/// A certificate name for people, the one DN format of every report, error and JSON document:
/// RFC 4514 (`CN=张三,OU=信息中心,O=...,C=CN`: the most specific RDN first, no spaces after
/// the commas, specials escaped), rendered by [`crate::pkix::name::text`] from the name's DER.
/// Any name renders: multi-valued RDNs are joined with `+`, attributes outside [`Attr`] are
/// named by their dotted OID with `#` and the hex of the value's DER, and so is a value that is
/// not text (RFC 4514 §2.4).
pub fn display_name(name: &x509_parser::x509::X509Name<'_>) -> String {
    crate::pkix::name::text::name_text(name.as_raw())
}

impl fmt::Display for Dn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (attr, value)) in self.rdns.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}={}", attr.short_name(), escape(value))?;
        }
        Ok(())
    }
}

/// Escapes a value for RFC 4514 output: the one escaping of [`crate::pkix::name::text`].
pub use crate::pkix::name::text::escape;

/// Trims surrounding spaces, but not an escaped trailing space (`CN=a\ `, RFC 4514 §2.4).
fn trim_unescaped(raw: &str) -> &str {
    let mut t = raw.trim_start();
    while let Some(last) = t.chars().next_back().filter(|c| c.is_whitespace()) {
        let body = &t[..t.len() - last.len_utf8()];
        let backslashes = body.chars().rev().take_while(|c| *c == '\\').count();
        if backslashes % 2 == 1 {
            break;
        }
        t = body;
    }
    t
}

fn find_unescaped(text: &str, sep: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            return Some(i);
        }
    }
    None
}

fn split_unescaped(text: &str, sep: char) -> Result<Vec<String>, DnError> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            current.push('\\');
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    if escaped {
        return Err(DnError::BadEscape(text.to_string()));
    }
    parts.push(current);
    Ok(parts)
}

fn unescape(raw: &str) -> Result<String, DnError> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let Some(next) = chars.next() else {
            return Err(DnError::BadEscape(raw.to_string()));
        };
        if next.is_ascii_hexdigit() {
            let Some(low) = chars.next().filter(char::is_ascii_hexdigit) else {
                return Err(DnError::BadEscape(raw.to_string()));
            };
            let pair: String = [next, low].iter().collect();
            let byte =
                u8::from_str_radix(&pair, 16).map_err(|_| DnError::BadEscape(raw.to_string()))?;
            bytes.push(byte);
        } else if matches!(
            next,
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=' | ' ' | '#'
        ) {
            bytes.push(next as u8);
        } else {
            return Err(DnError::BadEscape(raw.to_string()));
        }
    }
    String::from_utf8(bytes).map_err(|_| DnError::BadEscape(raw.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_cjk_dn_in_rfc4514_order() {
        let dn = Dn::parse("CN=张三,OU=信息中心,O=连云港市人民政府,C=CN").unwrap();
        assert_eq!(dn.common_name(), Some("张三"));
        assert_eq!(dn.department(), Some("信息中心"));
        assert_eq!(dn.get(Attr::Country), Some("CN"));
        assert_eq!(
            dn.to_string(),
            "CN=张三,OU=信息中心,O=连云港市人民政府,C=CN"
        );
    }

    #[test]
    fn handles_escapes() {
        let dn = Dn::parse(r"CN=Smith\, John,O=A\+B,C=CN").unwrap();
        assert_eq!(dn.common_name(), Some("Smith, John"));
        assert_eq!(dn.get(Attr::Organization), Some("A+B"));
        assert_eq!(dn.to_string(), r"CN=Smith\, John,O=A\+B,C=CN");
        let hex = Dn::parse(r"CN=\E5\BC\A0").unwrap();
        assert_eq!(hex.common_name(), Some("张"));
    }

    #[test]
    fn escaped_trailing_space_round_trips() {
        // Found by the dn_parse fuzz target: `G=\44\20 ` printed as `GN=D\ `.
        let dn = Dn::parse(r"G=\44\20 ").unwrap();
        assert_eq!(dn.get(Attr::GivenName), Some("D "));
        assert_eq!(Dn::parse(&dn.to_string()).unwrap(), dn);
        // And a multi-byte trailing space (U+3000) is trimmed without slicing inside it.
        assert_eq!(
            Dn::parse("CN=张三\u{3000}").unwrap().common_name(),
            Some("张三")
        );
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(Dn::parse(""), Err(DnError::Empty));
        assert!(matches!(Dn::parse("CN"), Err(DnError::MissingEquals(_))));
        assert!(matches!(
            Dn::parse("XX=1"),
            Err(DnError::UnknownAttribute(_))
        ));
        assert!(matches!(Dn::parse("CN="), Err(DnError::EmptyValue(_))));
        assert!(matches!(Dn::parse("C=CHN"), Err(DnError::BadCountry(_))));
        assert!(matches!(Dn::parse(r"CN=a\"), Err(DnError::BadEscape(_))));
        assert!(matches!(
            Dn::parse(r"CN=\FF\FE"),
            Err(DnError::BadEscape(_))
        ));
        assert_eq!(Dn::parse("CN=a+O=b"), Err(DnError::MultiValued));
        assert!(matches!(
            Dn::parse("CN=赵六;OU=财政局"),
            Err(DnError::Semicolon(_))
        ));
        assert_eq!(
            Dn::parse(r"CN=赵六\;钱七").unwrap().common_name(),
            Some("赵六;钱七")
        );
        assert_eq!(Dn::parse("CN=赵六,CN=钱七"), Err(DnError::Repeated("CN")));
        assert_eq!(Dn::parse("CN=a,OU=b,OU=c"), Err(DnError::Repeated("OU")));
        assert!(matches!(
            Dn::parse(&format!("CN={}", "x".repeat(65))),
            Err(DnError::TooLong { .. })
        ));
    }

    proptest! {
        #[test]
        fn print_parse_round_trip(
            cn in "[^\\x00-\\x1f\\x7f]{1,40}",
            ou in "[a-z0-9 ,+=信息中心]{1,20}",
        ) {
            prop_assume!(!cn.trim().is_empty() && !ou.trim().is_empty());
            prop_assume!(cn.trim() == cn && ou.trim() == ou);
            let dn = Dn::from_attrs(vec![
                (Attr::CommonName, cn.clone()),
                (Attr::OrganizationalUnit, ou.clone()),
                (Attr::Country, "CN".into()),
            ]);
            prop_assume!(dn.is_ok());
            let dn = dn.unwrap();
            let back = Dn::parse(&dn.to_string()).unwrap();
            prop_assert_eq!(back, dn);
        }
    }

    fn cert_named(dn: DistinguishedName) -> Vec<u8> {
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = dn;
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn display_name_is_the_rfc_4514_form_of_dn() {
        use x509_parser::prelude::FromDer;
        let dn = Dn::parse("CN=李四,OU=办公室,O=连云港市人民政府,C=CN").unwrap();
        let der = cert_named(dn.to_rcgen());
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&der).unwrap();
        assert_eq!(display_name(cert.subject()), dn.to_string());
        // Not x509-parser's own rendering, which runs from the country down with spaces.
        assert_ne!(cert.subject().to_string(), dn.to_string());
    }

    #[test]
    fn display_name_renders_any_name_on_one_line() {
        use x509_parser::prelude::FromDer;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "CN");
        dn.push(DnType::CustomDnType(vec![1, 2, 3, 4]), "1234");
        dn.push(DnType::CommonName, "a\nforged: valid, b");
        let der = cert_named(dn);
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&der).unwrap();
        assert_eq!(
            display_name(cert.subject()),
            "CN=a\\0Aforged: valid\\, b,1.2.3.4=#0c0431323334,C=CN"
        );
        // A DN to issue may hold no control character at all.
        assert!(Dn::parse(r"CN=a\0Ab").is_err());
    }

    #[test]
    fn attribute_names_are_the_renderers() {
        for (attr, short, oid) in ATTRS {
            let dotted: Vec<String> = oid.iter().map(u64::to_string).collect();
            assert_eq!(
                crate::pkix::name::text::short_name(&dotted.join(".")),
                Some(*short),
                "{attr:?}"
            );
        }
        assert_eq!(ATTRS.len(), crate::pkix::name::text::SHORT_NAMES.len());
    }
}
