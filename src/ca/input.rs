//! Reading untrusted objects: certificates, CSRs and CRLs as PEM or DER bytes.
//!
//! PEM: text around the blocks is ignored (RFC 7468 §2). DER: exactly one object, trailing bytes
//! are an error. Bytes in, DER out; the caller reads the file.

/// Why an input was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("empty input")]
    Empty,
    #[error("malformed PEM: {0}")]
    Pem(String),
    #[error("no `{0}` PEM block found")]
    NoBlock(&'static str),
    #[error("expected a `{expected}` PEM block, found `{found}`")]
    WrongLabel {
        expected: &'static str,
        found: String,
    },
    #[error("malformed DER: {0}")]
    Der(String),
    #[error("{0} trailing bytes after the DER object")]
    Trailing(usize),
    /// The strict DER reader refused what x509-parser tolerated (issue #9).
    #[error("not DER: {0}")]
    NotDer(String),
}

/// PEM with LF line endings (the `pem` crate defaults to CRLF).
pub fn pem_lf(block: &pem::Pem) -> String {
    pem::encode_config(
        block,
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// The length of the DER TLV at the start of `bytes`, checking only the outer header.
pub fn der_outer_len(bytes: &[u8]) -> Result<usize, InputError> {
    if bytes.len() < 2 {
        return Err(InputError::Der("too short".into()));
    }
    if bytes[0] != 0x30 {
        return Err(InputError::Der(format!(
            "expected a SEQUENCE, found tag 0x{:02x}",
            bytes[0]
        )));
    }
    let (header, len) =
        crate::tlv::header(bytes).ok_or_else(|| InputError::Der("bad length".into()))?;
    // Long form: at least 128, without leading zero octets (X.690 §10.1).
    if header > 2 && (len < 0x80 || bytes[2] == 0) {
        return Err(InputError::Der("non-minimal length".into()));
    }
    let total = header
        .checked_add(len)
        .ok_or_else(|| InputError::Der("length overflow".into()))?;
    if total > bytes.len() {
        return Err(InputError::Der(format!(
            "truncated: header says {total} bytes, {} present",
            bytes.len()
        )));
    }
    Ok(total)
}

/// Decodes exactly one object: a PEM block with one of `labels`, or one DER object.
pub fn decode_one(bytes: &[u8], labels: &[&'static str]) -> Result<Vec<u8>, InputError> {
    let mut all = decode_all(bytes, labels)?;
    if all.is_empty() {
        return Err(InputError::NoBlock(labels.first().copied().unwrap_or("?")));
    }
    Ok(all.swap_remove(0))
}

/// Decodes every object: all PEM blocks with one of `labels` (other blocks are an error), or one
/// DER object.
pub fn decode_all(bytes: &[u8], labels: &[&'static str]) -> Result<Vec<Vec<u8>>, InputError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(InputError::Empty);
    }
    if looks_like_pem(bytes) {
        let blocks = pem::parse_many(bytes).map_err(|e| InputError::Pem(e.to_string()))?;
        if blocks.is_empty() {
            return Err(InputError::NoBlock(labels.first().copied().unwrap_or("?")));
        }
        let mut out = Vec::with_capacity(blocks.len());
        for block in blocks {
            if !labels.contains(&block.tag()) {
                return Err(InputError::WrongLabel {
                    expected: labels.first().copied().unwrap_or("?"),
                    found: block.tag().to_string(),
                });
            }
            let der = block.into_contents();
            let len = der_outer_len(&der)?;
            if len != der.len() {
                return Err(InputError::Trailing(der.len() - len));
            }
            out.push(der);
        }
        Ok(out)
    } else {
        let len = der_outer_len(bytes)?;
        if len != bytes.len() {
            return Err(InputError::Trailing(bytes.len() - len));
        }
        Ok(vec![bytes.to_vec()])
    }
}

pub const CERT_LABELS: &[&str] = &["CERTIFICATE", "TRUSTED CERTIFICATE"];
pub const CSR_LABELS: &[&str] = &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];
pub const CRL_LABELS: &[&str] = &["X509 CRL"];

/// Parses one certificate fully, refusing trailing data.
pub fn parse_cert(der: &[u8]) -> Result<x509_parser::certificate::X509Certificate<'_>, InputError> {
    // Strict gate first: x509-parser tolerates some bit flips in tags and lengths that openssl
    // refuses; nothing is shown or judged unless the strict reader reads it.
    let strict = crate::pkix::Cert::from_der(der).map_err(|e| InputError::NotDer(e.to_string()))?;
    check_alg_params(&strict.tbs_sig_alg).map_err(InputError::NotDer)?;
    check_alg_params(&strict.spki.algorithm).map_err(InputError::NotDer)?;
    check_name_values(&strict.issuer).map_err(InputError::NotDer)?;
    check_name_values(&strict.subject).map_err(InputError::NotDer)?;
    let outer =
        <Outer as der::Decode>::from_der(der).map_err(|e| InputError::NotDer(e.to_string()))?;
    check_alg_params(&outer.alg).map_err(InputError::NotDer)?;
    let (rest, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|e| InputError::Der(e.to_string()))?;
    if !rest.is_empty() {
        return Err(InputError::Trailing(rest.len()));
    }
    check_name_text(cert.subject(), "subject")?;
    check_name_text(cert.issuer(), "issuer")?;
    Ok(cert)
}

/// A certificate's outer SEQUENCE, for its signatureAlgorithm (pkix::Cert keeps only the TBS
/// one).
#[derive(der::Sequence)]
struct Outer {
    _tbs: der::Any,
    alg: spki::AlgorithmIdentifierOwned,
    _sig: der::asn1::BitString,
}

/// Checks an open-typed (`ANY`) value the way OpenSSL's templates do: a universal tag, and for
/// the universal types with a structure (BOOLEAN, INTEGER, NULL, OID, BIT STRING, times) a DER
/// value of that type. x509-cert keeps such values as raw `Any` and would accept a flipped tag.
pub fn check_any(any: &der::Any) -> Result<(), String> {
    use der::asn1::{BitString, GeneralizedTime, Int, Null, ObjectIdentifier, UtcTime};
    use der::{Class, Tag, Tagged};
    let tag = any.tag();
    if tag.class() != Class::Universal {
        return Err(format!(
            "a value tagged {tag} where a universal type belongs"
        ));
    }
    let r = match tag {
        Tag::Boolean => any.decode_as::<bool>().map(drop),
        Tag::Integer => any.decode_as::<Int>().map(drop),
        Tag::Null => any.decode_as::<Null>().map(drop),
        Tag::ObjectIdentifier => any.decode_as::<ObjectIdentifier>().map(drop),
        Tag::BitString => any.decode_as::<BitString>().map(drop),
        Tag::UtcTime => any.decode_as::<UtcTime>().map(drop),
        Tag::GeneralizedTime => any.decode_as::<GeneralizedTime>().map(drop),
        _ => Ok(()),
    };
    r.map_err(|e| e.to_string())
}

/// [`check_any`] on an algorithm's parameters.
pub fn check_alg_params(alg: &spki::AlgorithmIdentifierOwned) -> Result<(), String> {
    alg.parameters.as_ref().map_or(Ok(()), check_any)
}

/// [`check_any`] on every algorithm parameter and name value of a certificate.
pub fn check_x509_cert(c: &x509_cert::Certificate) -> Result<(), String> {
    let tbs = &c.tbs_certificate;
    check_alg_params(&c.signature_algorithm)?;
    check_alg_params(&tbs.signature)?;
    check_alg_params(&tbs.subject_public_key_info.algorithm)?;
    check_name_values(&tbs.issuer)?;
    check_name_values(&tbs.subject)
}

/// [`check_any`] on every attribute value of a name.
pub fn check_name_values(name: &x509_cert::name::Name) -> Result<(), String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .try_for_each(|atv| {
            use der::{Tag, Tagged};
            // OpenSSL's X509_NAME_ENTRY value (B_ASN1_PRINTABLE) refuses these universal types.
            let tag = atv.value.tag();
            if matches!(
                tag,
                Tag::Boolean
                    | Tag::Integer
                    | Tag::Null
                    | Tag::ObjectIdentifier
                    | Tag::OctetString
                    | Tag::UtcTime
                    | Tag::GeneralizedTime
            ) {
                return Err(format!("a name attribute value of type {tag}"));
            }
            check_any(&atv.value)
        })
}

/// Refuses a name whose text attributes are not valid text (invalid UTF-8 in a UTF8String, a
/// non-ASCII PrintableString): DESIGN §2 refuses invalid UTF-8 in names.
pub fn check_name_text(
    name: &x509_parser::x509::X509Name<'_>,
    which: &str,
) -> Result<(), InputError> {
    use x509_parser::der_parser::asn1_rs::Tag;
    for rdn in name.iter() {
        for atv in rdn.iter() {
            let tag = atv.attr_value().header.tag();
            let textual = [
                Tag::Utf8String,
                Tag::PrintableString,
                Tag::Ia5String,
                Tag::VisibleString,
            ];
            if textual.contains(&tag) && atv.as_str().is_err() {
                return Err(InputError::Der(format!(
                    "the {which} name holds an attribute ({}) that is not valid text",
                    atv.attr_type().to_id_string()
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_and_pem_with_text_around() {
        let der = vec![0x30, 0x03, 0x02, 0x01, 0x05];
        assert_eq!(decode_one(&der, CERT_LABELS).unwrap(), der);
        let pem_text = format!(
            "subject=whatever\n{}\ntrailing words\n",
            pem::encode(&pem::Pem::new("CERTIFICATE", der.clone()))
        );
        assert_eq!(decode_one(pem_text.as_bytes(), CERT_LABELS).unwrap(), der);
    }

    #[test]
    fn refuses_trailing_truncated_and_wrong_label() {
        assert_eq!(
            decode_one(&[0x30, 0x00, 0x00], CERT_LABELS),
            Err(InputError::Trailing(1))
        );
        assert!(matches!(
            decode_one(&[0x30, 0x05, 0x00], CERT_LABELS),
            Err(InputError::Der(_))
        ));
        assert!(matches!(
            decode_one(b"hello", CERT_LABELS),
            Err(InputError::Der(_))
        ));
        assert_eq!(decode_one(b"  \n", CERT_LABELS), Err(InputError::Empty));
        let key = pem::encode(&pem::Pem::new("PRIVATE KEY", vec![0x30, 0x00]));
        assert!(matches!(
            decode_one(key.as_bytes(), CERT_LABELS),
            Err(InputError::WrongLabel { .. })
        ));
        assert!(matches!(
            decode_one(b"-----BEGIN CERTIFICATE-----\n!!!\n", CERT_LABELS),
            Err(InputError::Pem(_)) | Err(InputError::NoBlock(_))
        ));
    }
}
