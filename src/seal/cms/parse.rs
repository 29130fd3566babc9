//! The strict reader of `.p7s` files (DER or PEM): [`parse_signature`] and the parsers of
//! `SignerInfo`, signed attributes and ESS signing-certificate attributes.

use super::*;

pub(in crate::seal) fn parse_oid(t: Tlv<'_>) -> der::Result<ObjectIdentifier> {
    ObjectIdentifier::from_bytes(t.value).map_err(|_| {
        der::Error::from(ErrorKind::Value {
            tag: Tag::ObjectIdentifier,
        })
    })
}

pub(in crate::seal) fn parse_small_int(t: Tlv<'_>) -> der::Result<u32> {
    let bad = || der::Error::from(ErrorKind::Value { tag: Tag::Integer });
    if t.value.is_empty() || t.value.len() > 4 || t.value[0] & 0x80 != 0 {
        return Err(bad());
    }
    if t.value.len() > 1 && t.value[0] == 0 && t.value[1] & 0x80 == 0 {
        return Err(der::Error::from(ErrorKind::Noncanonical {
            tag: Tag::Integer,
        }));
    }
    Ok(t.value
        .iter()
        .fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
}

pub(in crate::seal) fn parse_algorithm(t: Tlv<'_>) -> der::Result<AlgorithmId> {
    let mut p = Parser::new(t.value);
    let oid = parse_oid(p.expect(0x06)?)?;
    let parameters = if p.is_empty() {
        None
    } else {
        Some(p.next()?.raw.to_vec())
    };
    p.finish()?;
    Ok(AlgorithmId { oid, parameters })
}

pub(super) fn malformed_p7s(source: der::Error) -> SealError {
    SealError::Malformed {
        what: "signature (CMS SignedData)",
        source,
    }
}

pub(super) fn invalid_p7s(reason: impl Into<String>) -> SealError {
    SealError::Invalid {
        what: "signature",
        reason: reason.into(),
    }
}

/// Reads a `.p7s`: DER, or PEM (`PKCS7` or `CMS` label; text around the block is ignored,
/// RFC 7468). Strict DER: trailing bytes, indefinite lengths and non-minimal lengths are errors.
/// A signature without a seal parses (its [`SignatureFile::seal`] is None); a malformed seal
/// inside is an error.
pub fn parse_signature(input: &[u8]) -> Result<SignatureFile, SealError> {
    if input.first() == Some(&0x30) {
        return parse_der(input);
    }
    let text = std::str::from_utf8(input).map_err(|_| invalid_p7s("neither DER nor PEM"))?;
    if !text.contains("-----BEGIN") {
        return Err(invalid_p7s("neither DER nor PEM"));
    }
    let blocks = pem::parse_many(text).map_err(|e| invalid_p7s(format!("bad PEM: {e}")))?;
    let block = blocks
        .iter()
        .find(|b| matches!(b.tag(), "PKCS7" | "CMS" | "PKCS #7 SIGNED DATA"))
        .ok_or_else(|| invalid_p7s("no `PKCS7` or `CMS` PEM block"))?;
    parse_der(block.contents())
}

/// The open-typed values the cms crate keeps raw (algorithm parameters, name values), checked
/// the way OpenSSL's templates check them.
fn strict_open_values(sd: &cms::signed_data::SignedData) -> Result<(), String> {
    use crate::ca::input::{check_alg_params, check_name_values, check_x509_cert};
    for alg in sd.digest_algorithms.iter() {
        check_alg_params(alg)?;
    }
    for choice in sd.certificates.iter().flat_map(|s| s.0.iter()) {
        if let cms::cert::CertificateChoices::Certificate(c) = choice {
            check_x509_cert(c)?;
        }
    }
    for si in sd.signer_infos.0.iter() {
        check_alg_params(&si.digest_alg)?;
        check_alg_params(&si.signature_algorithm)?;
        if let cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(ias) = &si.sid {
            check_name_values(&ias.issuer)?;
        }
    }
    Ok(())
}

pub(super) fn parse_der(input: &[u8]) -> Result<SignatureFile, SealError> {
    // Strict gate: the cms crate's reader must read the whole ContentInfo and its SignedData
    // (certificates included) as DER before the hand-written reader below judges it.
    let ci =
        <cms::content_info::ContentInfo as der::Decode>::from_der(input).map_err(malformed_p7s)?;
    let sd = ci
        .content
        .decode_as::<cms::signed_data::SignedData>()
        .map_err(malformed_p7s)?;
    strict_open_values(&sd).map_err(|reason| invalid_p7s(format!("not DER: {reason}")))?;
    let mut top = Parser::new(input);
    let content_info = top.expect(0x30).map_err(malformed_p7s)?;
    top.finish().map_err(malformed_p7s)?;
    let mut ci = Parser::new(content_info.value);
    let ct = parse_oid(ci.expect(0x06).map_err(malformed_p7s)?).map_err(malformed_p7s)?;
    if ct != oid::ID_SIGNED_DATA {
        return Err(invalid_p7s(format!("content type {ct} is not SignedData")));
    }
    let explicit = ci.expect(0xA0).map_err(malformed_p7s)?;
    ci.finish().map_err(malformed_p7s)?;
    let mut outer = Parser::new(explicit.value);
    let sd = outer.expect(0x30).map_err(malformed_p7s)?;
    outer.finish().map_err(malformed_p7s)?;
    parse_signed_data(sd.value)
}

pub(super) fn parse_signed_data(body: &[u8]) -> Result<SignatureFile, SealError> {
    let m = malformed_p7s;
    let mut p = Parser::new(body);
    let version = parse_small_int(p.expect(0x02).map_err(m)?).map_err(m)?;
    if version > 5 {
        return Err(invalid_p7s(format!("SignedData version {version}")));
    }
    let digest_algs = p.expect(0x31).map_err(m)?;
    let mut dp = Parser::new(digest_algs.value);
    while !dp.is_empty() {
        parse_algorithm(dp.expect(0x30).map_err(m)?).map_err(m)?;
    }
    let encap = p.expect(0x30).map_err(m)?;
    let mut ep = Parser::new(encap.value);
    let content_type = parse_oid(ep.expect(0x06).map_err(m)?).map_err(m)?;
    let econtent = ep.optional(0xA0).map_err(m)?;
    ep.finish().map_err(m)?;
    let has_content = econtent.is_some();
    // eContent [0] EXPLICIT OCTET STRING (a time-stamp token's TSTInfo).
    let content = match econtent {
        Some(e) => {
            let mut op = Parser::new(e.value);
            let octets = op.expect(0x04).map_err(m)?;
            op.finish().map_err(m)?;
            Some(octets.value.to_vec())
        }
        None => None,
    };

    let mut certificates = Vec::new();
    if let Some(certs) = p.optional(0xA0).map_err(m)? {
        let mut cp = Parser::new(certs.value);
        while !cp.is_empty() {
            let c = cp.next().map_err(m)?;
            if c.tag == 0x30 {
                certificates.push(c.raw.to_vec());
            }
        }
    }
    let mut crls = Vec::new();
    if let Some(list) = p.optional(0xA1).map_err(m)? {
        let mut lp = Parser::new(list.value);
        while !lp.is_empty() {
            let c = lp.next().map_err(m)?;
            if c.tag == 0x30 {
                crls.push(c.raw.to_vec());
            }
        }
    }
    let signer_infos = p.expect(0x31).map_err(m)?;
    p.finish().map_err(m)?;
    let mut sp = Parser::new(signer_infos.value);
    let mut signers = Vec::new();
    while !sp.is_empty() {
        signers.push(parse_signer_info(sp.expect(0x30).map_err(m)?)?);
    }
    if signers.is_empty() {
        return Err(invalid_p7s("no signer"));
    }
    Ok(SignatureFile {
        content_type,
        has_content,
        content,
        certificates,
        crls,
        signers,
    })
}

pub(super) fn parse_signer_info(t: Tlv<'_>) -> Result<SignerInfo, SealError> {
    let m = malformed_p7s;
    let mut p = Parser::new(t.value);
    let version = parse_small_int(p.expect(0x02).map_err(m)?).map_err(m)?;
    let sid_tlv = p.next().map_err(m)?;
    let sid = match sid_tlv.tag {
        0x30 => {
            let mut ip = Parser::new(sid_tlv.value);
            let issuer = ip.expect(0x30).map_err(m)?;
            let serial = ip.expect(0x02).map_err(m)?;
            ip.finish().map_err(m)?;
            SignerId::IssuerAndSerial {
                issuer: issuer.raw.to_vec(),
                serial: serial.value.to_vec(),
            }
        }
        0x80 => SignerId::SubjectKeyIdentifier(sid_tlv.value.to_vec()),
        other => {
            return Err(invalid_p7s(format!(
                "unknown signer identifier tag 0x{other:02x}"
            )));
        }
    };
    let digest_algorithm = parse_algorithm(p.expect(0x30).map_err(m)?).map_err(m)?;
    let signed_attributes = match p.optional(0xA0).map_err(m)? {
        Some(a) => Some(parse_signed_attributes(a)?),
        None => None,
    };
    let signature_algorithm = parse_algorithm(p.expect(0x30).map_err(m)?).map_err(m)?;
    let signature = p.expect(0x04).map_err(m)?.value.to_vec();
    let mut unsigned_types = Vec::new();
    let mut has_time_stamp_token = false;
    let mut time_stamp_token = None;
    if let Some(u) = p.optional(0xA1).map_err(m)? {
        let mut up = Parser::new(u.value);
        while !up.is_empty() {
            let attr = up.expect(0x30).map_err(m)?;
            let mut ap = Parser::new(attr.value);
            let oid_tlv = ap.expect(0x06).map_err(m)?;
            let values = ap.expect(0x31).map_err(m)?;
            ap.finish().map_err(m)?;
            if oid_tlv.value == oid::SIGNATURE_TIME_STAMP_TOKEN.as_bytes() {
                // Kept as received, not parsed here: a malformed token makes the signature
                // fail verification (`crate::seal::timestamp`), not the file unreadable.
                if !has_time_stamp_token {
                    time_stamp_token = Some(values.value.to_vec());
                }
                has_time_stamp_token = true;
            }
            unsigned_types.push(oid_text(oid_tlv.value));
        }
    }
    p.finish().map_err(m)?;
    Ok(SignerInfo {
        version,
        sid,
        digest_algorithm,
        signature_algorithm,
        signature,
        signed_attributes,
        unsigned_types,
        has_time_stamp_token,
        time_stamp_token,
    })
}

/// Dotted text of an OID's content octets (arcs of any size), or hex when malformed.
pub(super) fn oid_text(value: &[u8]) -> String {
    if let Ok(o) = ObjectIdentifier::from_bytes(value) {
        return o.to_string();
    }
    let mut arcs: Vec<u128> = Vec::new();
    let mut acc: u128 = 0;
    for (i, b) in value.iter().enumerate() {
        if acc > (u128::MAX >> 7) {
            return format!("(oid {})", hex::encode(value));
        }
        acc = (acc << 7) | u128::from(b & 0x7F);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        } else if i == value.len() - 1 {
            return format!("(oid {})", hex::encode(value));
        }
    }
    arcs.iter()
        .map(u128::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The single value of an attribute whose SET must hold exactly one (RFC 5652 §11).
pub(super) fn single_value<'a>(name: &str, values: Tlv<'a>) -> Result<Tlv<'a>, SealError> {
    let mut vp = Parser::new(values.value);
    let v = vp.next().map_err(malformed_p7s)?;
    if !vp.is_empty() {
        return Err(invalid_p7s(format!("{name} attribute has several values")));
    }
    Ok(v)
}

pub(super) fn parse_signed_attributes(t: Tlv<'_>) -> Result<SignedAttributes, SealError> {
    let m = malformed_p7s;
    // The signature covers the SET OF form: same octets with the universal SET tag.
    let mut der = t.raw.to_vec();
    der[0] = 0x31;
    let mut attrs = SignedAttributes {
        der,
        content_type: None,
        message_digest: None,
        signing_time: None,
        signing_certificate_v2: None,
        signing_certificate: None,
        seal: None,
        other_types: Vec::new(),
    };
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut p = Parser::new(t.value);
    while !p.is_empty() {
        let attr = p.expect(0x30).map_err(m)?;
        let mut ap = Parser::new(attr.value);
        let oid_tlv = ap.expect(0x06).map_err(m)?;
        let values = ap.expect(0x31).map_err(m)?;
        ap.finish().map_err(m)?;
        let type_bytes = oid_tlv.value;
        if seen.contains(&type_bytes) {
            return Err(invalid_p7s(format!(
                "signed attribute {} appears twice",
                oid_text(type_bytes)
            )));
        }
        seen.push(type_bytes);
        if type_bytes == oid::CONTENT_TYPE.as_bytes() {
            let v = single_value("contentType", values)?;
            if v.tag != 0x06 {
                return Err(invalid_p7s("contentType is not an OID"));
            }
            attrs.content_type = Some(parse_oid(v).map_err(m)?);
        } else if type_bytes == oid::MESSAGE_DIGEST.as_bytes() {
            let v = single_value("messageDigest", values)?;
            if v.tag != 0x04 {
                return Err(invalid_p7s("messageDigest is not an OCTET STRING"));
            }
            attrs.message_digest = Some(v.value.to_vec());
        } else if type_bytes == oid::SIGNING_TIME.as_bytes() {
            let v = single_value("signingTime", values)?;
            let unix = match v.tag {
                0x17 => UtcTime::from_der(v.raw).map_err(m)?.to_unix_duration(),
                0x18 => GeneralizedTime::from_der(v.raw)
                    .map_err(m)?
                    .to_unix_duration(),
                _ => {
                    return Err(invalid_p7s(
                        "signingTime is not a UTCTime or GeneralizedTime",
                    ));
                }
            };
            let secs = i64::try_from(unix.as_secs())
                .map_err(|_| invalid_p7s("signingTime out of range"))?;
            attrs.signing_time = Some(
                OffsetDateTime::from_unix_timestamp(secs)
                    .map_err(|_| invalid_p7s("signingTime out of range"))?,
            );
        } else if type_bytes == oid::SIGNING_CERTIFICATE_V2.as_bytes() {
            let v = single_value("signingCertificateV2", values)?;
            attrs.signing_certificate_v2 = Some(parse_signing_certificate_v2(v).map_err(m)?);
        } else if type_bytes == oid::SIGNING_CERTIFICATE.as_bytes() {
            let v = single_value("signingCertificate", values)?;
            attrs.signing_certificate = Some(parse_signing_certificate(v).map_err(m)?);
        } else if type_bytes == OID_SEAL_ATTRIBUTE.as_bytes() {
            let v = single_value("seal", values)?;
            attrs.seal = Some(Seal::from_der(v.raw)?);
        } else {
            attrs.other_types.push(oid_text(type_bytes));
        }
    }
    Ok(attrs)
}

/// `SigningCertificate ::= SEQUENCE { certs SEQUENCE OF ESSCertID, policies ... OPTIONAL }`,
/// `ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), issuerSerial ... OPTIONAL }`.
pub(super) fn parse_signing_certificate(v: Tlv<'_>) -> der::Result<Vec<Vec<u8>>> {
    let bad = || der::Error::from(ErrorKind::Value { tag: Tag::Sequence });
    if v.tag != 0x30 {
        return Err(bad());
    }
    let mut p = Parser::new(v.value);
    let certs = p.expect(0x30)?;
    p.optional(0x30)?;
    p.finish()?;
    let mut cp = Parser::new(certs.value);
    let mut out = Vec::new();
    while !cp.is_empty() {
        let id = cp.expect(0x30)?;
        let mut ip = Parser::new(id.value);
        out.push(ip.expect(0x04)?.value.to_vec());
        ip.optional(0x30)?;
        ip.finish()?;
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

pub(super) fn parse_signing_certificate_v2(v: Tlv<'_>) -> der::Result<Vec<EssCertIdV2>> {
    let bad = || der::Error::from(ErrorKind::Value { tag: Tag::Sequence });
    if v.tag != 0x30 {
        return Err(bad());
    }
    let mut p = Parser::new(v.value);
    let certs = p.expect(0x30)?;
    // `policies` may follow; it is not interpreted.
    p.optional(0x30)?;
    p.finish()?;
    let mut cp = Parser::new(certs.value);
    let mut out = Vec::new();
    while !cp.is_empty() {
        let id = cp.expect(0x30)?;
        let mut ip = Parser::new(id.value);
        let hash_algorithm = match ip.optional(0x30)? {
            Some(a) => parse_algorithm(a)?.oid,
            None => signer::oid::SHA256,
        };
        let cert_hash = ip.expect(0x04)?.value.to_vec();
        let has_issuer_serial = ip.optional(0x30)?.is_some();
        ip.finish()?;
        out.push(EssCertIdV2 {
            hash_algorithm,
            cert_hash,
            has_issuer_serial,
        });
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}
