//! The one text form of a distinguished name: every report, error message and JSON document of
//! govpki prints names through [`name_text`] (`cert show`, `cert list`, `cert verify`, `crl
//! show`, the seal reports, name-constraint messages, the authorization subject).
//!
//! RFC 4514: the most specific RDN first, `,` between RDNs and `+` inside a multi-valued one,
//! no spaces; `,` `+` `"` `\` `<` `>` `;` escaped with a backslash, and so are a leading `#` or
//! space and a trailing space (§2.4). Control characters are escaped as `\XX` per UTF-8 octet,
//! so that a name cannot forge a line of a report. Values of the directory string types
//! (UTF8String, PrintableString, BMPString, UniversalString, TeletexString read as Latin-1, and
//! IA5String, NumericString, VisibleString) are shown as text; a value of any other type or
//! one that does not decode, and every value of an attribute type without a short name, are
//! shown as `#` and the hex of their DER (§2.4), the type by its dotted OID.
//!
//! Pure: the DER of a Name in, a string out. This module does not parse names from strings
//! (`ca::dn` does) and does not compare them (`pkix::name`).

use crate::tlv::{Parser, Tlv};

/// The attribute types printed by short name: RFC 4514 §3, and the other types govpki issues
/// (`ca::dn::Attr`, whose names must agree: checked by a test there).
pub const SHORT_NAMES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.11", "OU"),
    ("2.5.4.10", "O"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.5", "SERIALNUMBER"),
    ("2.5.4.12", "TITLE"),
    ("2.5.4.42", "GN"),
    ("2.5.4.4", "SN"),
    ("1.2.840.113549.1.9.1", "EMAILADDRESS"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("0.9.2342.19200300.100.1.1", "UID"),
];

/// The short name of an attribute type given as a dotted OID, if it has one.
pub fn short_name(dotted: &str) -> Option<&'static str> {
    SHORT_NAMES
        .iter()
        .find(|(oid, _)| *oid == dotted)
        .map(|(_, name)| *name)
}

/// The RFC 4514 text of a Name given as DER (`SEQUENCE OF RelativeDistinguishedName`). Bytes
/// that are not a Name (never the case for a name read from a parsed certificate or CRL) are
/// shown whole as `#` and their hex, never dropped and never a panic.
pub fn name_text(der: &[u8]) -> String {
    rdn_sequence(der).unwrap_or_else(|| format!("#{}", hex::encode(der)))
}

/// [`name_text`] of a name decoded by the `x509-cert` crate.
pub fn name_of(name: &x509_cert::name::Name) -> String {
    match der::Encode::to_der(name) {
        Ok(der) => name_text(&der),
        Err(_) => String::from("#"),
    }
}

fn rdn_sequence(der: &[u8]) -> Option<String> {
    let mut outer = Parser::new(der);
    let seq = outer.expect(0x30).ok()?;
    outer.finish().ok()?;
    let mut rdns = Parser::new(seq.value);
    let mut out: Vec<String> = Vec::new();
    while !rdns.is_empty() {
        let set = rdns.expect(0x31).ok()?;
        let mut atvs = Parser::new(set.value);
        let mut parts: Vec<String> = Vec::new();
        while !atvs.is_empty() {
            let atv = atvs.expect(0x30).ok()?;
            let mut fields = Parser::new(atv.value);
            let oid = fields.expect(0x06).ok()?;
            let value = fields.next().ok()?;
            fields.finish().ok()?;
            parts.push(attribute(oid.value, value)?);
        }
        // X.501: an RDN holds at least one attribute.
        if parts.is_empty() {
            return None;
        }
        out.push(parts.join("+"));
    }
    // RFC 4514 §2.1: the last RDN of the sequence is written first.
    out.reverse();
    Some(out.join(","))
}

fn attribute(oid: &[u8], value: Tlv<'_>) -> Option<String> {
    let dotted = der::asn1::ObjectIdentifier::from_bytes(oid)
        .ok()?
        .to_string();
    let hex = || format!("#{}", hex::encode(value.raw));
    Some(match short_name(&dotted) {
        Some(name) => {
            let shown = text_value(value.tag, value.value).map_or_else(hex, |t| escape(&t));
            format!("{name}={shown}")
        }
        None => format!("{dotted}={}", hex()),
    })
}

/// The text of a string value, or None for another type or an encoding that does not decode.
fn text_value(tag: u8, bytes: &[u8]) -> Option<String> {
    match tag {
        // UTF8String, PrintableString, IA5String, NumericString, VisibleString (the last four
        // are ASCII; a non-ASCII octet in them is shown as hex, not guessed at).
        0x0C => std::str::from_utf8(bytes).ok().map(str::to_owned),
        0x12 | 0x13 | 0x16 | 0x1A => bytes
            .is_ascii()
            .then(|| String::from_utf8_lossy(bytes).into_owned()),
        // TeletexString read as Latin-1, as `pkix::name` compares it.
        0x14 => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UCS-2 big-endian.
        0x1E => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units = bytes.chunks_exact(2).map(|c| match c {
                [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                _ => 0,
            });
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        // UniversalString: UCS-4 big-endian.
        0x1C => {
            if !bytes.len().is_multiple_of(4) {
                return None;
            }
            bytes
                .chunks_exact(4)
                .map(|c| match c {
                    [a, b, c, d] => char::from_u32(u32::from_be_bytes([*a, *b, *c, *d])),
                    _ => None,
                })
                .collect()
        }
        _ => None,
    }
}

/// Escapes an attribute value for RFC 4514 output (§2.4), control characters as `\XX`.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        if c.is_control() {
            let mut utf8 = [0u8; 4];
            for b in c.encode_utf8(&mut utf8).bytes() {
                out.push_str(&format!("\\{b:02X}"));
            }
            continue;
        }
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlv::{seq, set_of, tlv};

    fn atv(oid: &[u8], value: &[u8]) -> Vec<u8> {
        seq(&[&tlv(0x06, oid), value])
    }

    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const O: &[u8] = &[0x55, 0x04, 0x0A];
    const C: &[u8] = &[0x55, 0x04, 0x06];

    #[test]
    fn most_specific_first_with_escapes_and_cjk() {
        let name = seq(&[
            &set_of(vec![atv(C, &tlv(0x13, b"CN"))]),
            &set_of(vec![atv(O, &tlv(0x0C, "连云港, 办公+室".as_bytes()))]),
            &set_of(vec![atv(CN, &tlv(0x0C, "李四".as_bytes()))]),
        ]);
        assert_eq!(name_text(&name), r"CN=李四,O=连云港\, 办公\+室,C=CN");
    }

    #[test]
    fn specials_leading_and_trailing() {
        assert_eq!(
            escape(r#"a,b+c"d\e<f>g;h=i"#),
            r#"a\,b\+c\"d\\e\<f\>g\;h=i"#
        );
        assert_eq!(escape("#a #"), r"\#a #");
        assert_eq!(escape(" a "), r"\ a\ ");
        assert_eq!(escape(" "), r"\ ");
        assert_eq!(escape("a\nb\u{7f}\u{85}"), r"a\0Ab\7F\C2\85");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn bmp_universal_and_teletex_are_text() {
        let bmp: Vec<u8> = "张三".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let ucs4: Vec<u8> = "李四"
            .chars()
            .flat_map(|c| u32::from(c).to_be_bytes())
            .collect();
        let name = seq(&[
            &set_of(vec![atv(O, &tlv(0x14, b"caf\xe9"))]),
            &set_of(vec![atv(CN, &tlv(0x1C, &ucs4))]),
            &set_of(vec![atv(CN, &tlv(0x1E, &bmp))]),
        ]);
        assert_eq!(name_text(&name), "CN=张三,CN=李四,O=café");
    }

    #[test]
    fn unknown_types_and_non_text_values_are_hex() {
        // 1.2.3.4 = UTF8String "x"; CN = OCTET STRING 01 02; CN = BMPString of odd length.
        let name = seq(&[
            &set_of(vec![atv(&[0x2A, 0x03, 0x04], &tlv(0x0C, b"x"))]),
            &set_of(vec![atv(CN, &tlv(0x04, &[1, 2]))]),
            &set_of(vec![atv(CN, &tlv(0x1E, &[0x4E]))]),
            &set_of(vec![atv(CN, &tlv(0x13, "é".as_bytes()))]),
        ]);
        assert_eq!(
            name_text(&name),
            "CN=#1302c3a9,CN=#1e014e,CN=#04020102,1.2.3.4=#0c0178"
        );
    }

    #[test]
    fn multi_valued_rdns_join_with_plus() {
        let rdn = set_of(vec![atv(CN, &tlv(0x0C, b"a")), atv(O, &tlv(0x0C, b"b"))]);
        let text = name_text(&seq(&[&rdn]));
        // SET OF is sorted by DER (O's OID octet 0x0A after CN's 0x03).
        assert_eq!(text, "CN=a+O=b");
    }

    #[test]
    fn empty_and_malformed_names_never_panic() {
        assert_eq!(name_text(&seq(&[])), "");
        assert_eq!(name_text(&[0x30, 0x02, 0x31, 0x00]), "#30023100");
        assert_eq!(name_text(&[0x30, 0x05]), "#3005");
        assert_eq!(name_text(&[]), "#");
    }
}
