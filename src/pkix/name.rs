//! Distinguished-name comparison by the RFC 5280 §7.1 rules.
//!
//! DirectoryString values are compared after a subset of the RFC 4518 string preparation
//! (Unicode case folding by lowercasing, outer whitespace removed, inner runs of whitespace
//! collapsed), across string types; IA5String values are compared ASCII case-insensitively;
//! everything else bytewise on its DER. UniversalString never reaches here: der 0.7 has no tag
//! for it, so a certificate using one is refused when parsed. This module does not parse
//! names; [`text`] prints them.

use der::{Encode, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RelativeDistinguishedName};

/// Two names are the same DN by RFC 5280 §7.1.
pub fn names_match(a: &Name, b: &Name) -> bool {
    a.0.len() == b.0.len() && a.0.iter().zip(b.0.iter()).all(|(x, y)| rdns_match(x, y))
}

/// `name` lies in the subtree `base`: its first RDNs are base's RDNs (RFC 5280 §4.2.1.10).
pub fn dn_within(base: &Name, name: &Name) -> bool {
    base.0.len() <= name.0.len()
        && base
            .0
            .iter()
            .zip(name.0.iter())
            .all(|(x, y)| rdns_match(x, y))
}

/// Two RDNs are equal as sets of attribute type and value.
fn rdns_match(a: &RelativeDistinguishedName, b: &RelativeDistinguishedName) -> bool {
    let (a, b) = (a.0.as_slice(), b.0.as_slice());
    if a.len() != b.len() {
        return false;
    }
    // Sets of the same size match when every element of `a` has a distinct partner in `b`.
    let mut used = vec![false; b.len()];
    a.iter().all(|x| {
        let found = b
            .iter()
            .zip(used.iter())
            .position(|(y, u)| !*u && atvs_match(x, y));
        match found.and_then(|i| used.get_mut(i)) {
            Some(slot) => {
                *slot = true;
                true
            }
            None => false,
        }
    })
}

/// One AttributeTypeAndValue equals another (RFC 5280 §7.1, RFC 4518).
pub fn atvs_match(a: &AttributeTypeAndValue, b: &AttributeTypeAndValue) -> bool {
    if a.oid != b.oid {
        return false;
    }
    let (ta, tb) = (a.value.tag(), b.value.tag());
    if let (Some(x), Some(y)) = (
        directory_string(ta, a.value.value()),
        directory_string(tb, b.value.value()),
    ) {
        return prepare(&x) == prepare(&y);
    }
    if ta == Tag::Ia5String && tb == Tag::Ia5String {
        return a.value.value().eq_ignore_ascii_case(b.value.value());
    }
    a.value.to_der().ok() == b.value.to_der().ok()
}

/// The text of a DirectoryString value, or None for any other type or a malformed value.
pub fn directory_string(tag: Tag, bytes: &[u8]) -> Option<String> {
    match tag {
        Tag::PrintableString | Tag::Utf8String => {
            std::str::from_utf8(bytes).ok().map(str::to_owned)
        }
        // TeletexString read as Latin-1, as most implementations do.
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units = bytes
                .chunks_exact(2)
                .map(|c| <[u8; 2]>::try_from(c).map(u16::from_be_bytes))
                .collect::<Result<Vec<u16>, _>>()
                .ok()?;
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        _ => None,
    }
}

/// RFC 4518 preparation, the parts that matter for PKIX: case fold, trim, collapse spaces.
pub fn prepare(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

pub mod text;

#[cfg(test)]
mod tests;
