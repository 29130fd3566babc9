//! The one DER reader/writer of tag-length-value triples, shared by certificate issuing
//! (`ca::issue`), CRL building (`ca::crl`), path checks (`ca::pathcheck`) and CMS/time-stamp
//! encoding (`seal::cms`, `seal::timestamp`).
//!
//! Writing: [`der_len`], [`tlv`], [`header_len`] and the SEQUENCE/SET OF helpers emit definite,
//! minimal lengths (X.690 §10.1) and sort SET OF contents (X.690 §11.6). Reading: [`Parser`]
//! and [`read_tlv`] accept only single-octet tags and definite minimal lengths of at most four
//! octets, check every bound, and report errors as [`der::Error`]s. [`header`] is the lenient
//! header peek the path checks use on DER that x509-parser has already accepted.
//!
//! Structured types (certificates, `SESeal`, `SignedData`) are parsed with the `der`,
//! `x509-cert` and `x509-parser` crates; this module is only for the places that hand-build or
//! hand-walk DER (byte-exact re-encoding, streaming CRL building, CMS with attribute order
//! checks). It does no I/O.

use der::{ErrorKind, Tag};

/// Appends the DER length octets of `len` to `out` (short form below 128, else the minimal
/// long form).
pub fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// The length of the tag and length octets of a TLV with a single-octet tag whose content is
/// `len` bytes long.
pub fn header_len(len: usize) -> usize {
    let mut v = Vec::new();
    der_len(len, &mut v);
    1 + v.len()
}

/// A DER TLV with a single-octet tag.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    der_len(content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

/// The concatenation of encodings.
pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A DER SEQUENCE of the given encodings, in order.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &cat(parts))
}

/// A DER SET OF: the element encodings sorted as octet strings (X.690 §11.6).
pub fn set_of(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    tlv(0x31, &elements.concat())
}

/// Lenient header peek: (header length, content length) of the TLV at the start of `der`, or
/// `None` when the header is cut short or its length takes zero or more than four octets. It
/// checks neither minimality nor that the content is all there: use it only on DER a parser has
/// already accepted, to find byte offsets.
pub fn header(der: &[u8]) -> Option<(usize, usize)> {
    let first = *der.get(1)?;
    if first < 0x80 {
        return Some((2, first as usize));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for b in der.get(2..2 + n)? {
        len = (len << 8) | *b as usize;
    }
    Some((2 + n, len))
}

/// One TLV read by [`Parser`].
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The single tag octet.
    pub tag: u8,
    /// The content octets.
    pub value: &'a [u8],
    /// The whole encoding: tag, length and content.
    pub raw: &'a [u8],
}

/// Reads the TLV at the start of `data` strictly (see [`Parser`]): the TLV and the bytes after
/// it.
pub fn read_tlv(data: &[u8]) -> der::Result<(Tlv<'_>, &[u8])> {
    let mut p = Parser::new(data);
    let t = p.next()?;
    Ok((t, &data[t.raw.len()..]))
}

/// A strict reader of a run of TLVs: single-octet tags, definite minimal lengths of at most
/// four octets, every bound checked.
pub struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
}

fn tag_of(byte: u8) -> Tag {
    Tag::try_from(byte).unwrap_or(Tag::Null)
}

impl<'a> Parser<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn err(&self, kind: ErrorKind) -> der::Error {
        der::Error::new(kind, der::Length::try_from(self.pos).unwrap_or_default())
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> der::Result<Tlv<'a>> {
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

    pub fn expect(&mut self, tag: u8) -> der::Result<Tlv<'a>> {
        let t = self.next()?;
        if t.tag != tag {
            return Err(self.err(ErrorKind::TagUnexpected {
                expected: Some(tag_of(tag)),
                actual: tag_of(t.tag),
            }));
        }
        Ok(t)
    }

    pub fn optional(&mut self, tag: u8) -> der::Result<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(tag) {
            self.next().map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn finish(&self) -> der::Result<()> {
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

/// Checks that `data` is exactly one TLV with tag `tag`.
pub fn check_one_tlv(data: &[u8], tag: u8) -> der::Result<()> {
    let mut p = Parser::new(data);
    p.expect(tag)?;
    p.finish()
}

#[cfg(test)]
mod tests;
