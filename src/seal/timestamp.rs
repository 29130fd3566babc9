//! RFC 3161 time-stamps on document signatures (CAdES-B-T): the request a signature's
//! time-stamp is asked with, the TSA's response, and the full verification of a token embedded
//! as the unsigned attribute `signatureTimeStampToken` (1.2.840.113549.1.9.16.2.14).
//!
//! What is time-stamped is the signature value of the `SignerInfo` (RFC 3161 Appendix A, ETSI
//! EN 319 122-1 §5.3): the token's `messageImprint` is a hash of those octets, so a token proves
//! that this signature existed at `genTime`.
//!
//! A token verifies when: it parses (ContentInfo / SignedData / `TSTInfo`, strict DER); its
//! `messageImprint` (SHA-256/384/512) is the hash of the signature value; it has one signer,
//! whose signed attributes carry contentType id-ct-TSTInfo and a messageDigest equal to the hash
//! of the `TSTInfo` octets, and whose signature over them verifies with the TSA certificate
//! (from the token, else the signature's certificates); `signingCertificate(V2)`, if present,
//! names that certificate; and the TSA certificate chains to a trust anchor at `genTime` with
//! the critical timeStamping EKU, not revoked (judged by the caller's [`ChainChecker`]).
//!
//! This module does not talk to a TSA (users send the request themselves), does not read files
//! or the clock: bytes and `now` come in as arguments.

use der::asn1::ObjectIdentifier;
use time::OffsetDateTime;

use super::SealError;
use super::cms::{
    algorithm_identifier, parse_algorithm, parse_oid, parse_signature, parse_small_int,
};
pub use super::report::Stamp;
use super::report::{CLOCK_SKEW_SECONDS, ChainCheck, ChainChecker, ChainRole};
use super::signer::{self, DigestAlgorithm, SignatureCheck};
use super::{certificate_subject, format_time};
use crate::tlv::{Parser, Tlv, seq, tlv};

/// Object identifiers of RFC 3161.
pub mod oid {
    use der::asn1::ObjectIdentifier;

    /// `id-ct-TSTInfo`, the eContentType of a time-stamp token.
    pub const ID_CT_TST_INFO: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
}

/// The digest algorithm of the requests govpki makes.
pub const REQUEST_DIGEST: DigestAlgorithm = DigestAlgorithm::Sha256;

fn malformed(what: &'static str) -> impl Fn(der::Error) -> SealError {
    move |source| SealError::Malformed { what, source }
}

fn invalid(what: &'static str, reason: impl Into<String>) -> SealError {
    SealError::Invalid {
        what,
        reason: reason.into(),
    }
}

/// A DER INTEGER for a non-negative big-endian number (minimal, sign octet when needed).
fn unsigned_integer(value: &[u8]) -> Vec<u8> {
    let skip = value.iter().take_while(|b| **b == 0).count();
    let mut content = value[skip..].to_vec();
    if content.first().is_none_or(|b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

/// A `TimeStampReq` (RFC 3161 §2.4.1) for the signature value `signature`: version 1,
/// messageImprint SHA-256 of the signature value, the given nonce, certReq TRUE (the token
/// then carries the TSA certificate, which verification needs).
pub fn time_stamp_request(signature: &[u8], nonce: &[u8]) -> Vec<u8> {
    let imprint = seq(&[
        // SHA-256 with NULL parameters, as `openssl ts -query` writes it: TSAs copy the
        // AlgorithmIdentifier into the token, and some compare it octet for octet.
        &algorithm_identifier(&REQUEST_DIGEST.oid(), true),
        &tlv(0x04, &REQUEST_DIGEST.digest(signature)),
    ]);
    seq(&[
        &[0x02, 0x01, 0x01],
        &imprint,
        &unsigned_integer(nonce),
        &[0x01, 0x01, 0xFF],
    ])
}

/// The nonce of a `TimeStampReq` (INTEGER content octets), if any.
pub fn request_nonce(der: &[u8]) -> Result<Option<Vec<u8>>, SealError> {
    let m = malformed("time-stamp request");
    let mut top = Parser::new(der);
    let req = top.expect(0x30).map_err(&m)?;
    top.finish().map_err(&m)?;
    let mut p = Parser::new(req.value);
    p.expect(0x02).map_err(&m)?;
    p.expect(0x30).map_err(&m)?;
    p.optional(0x06).map_err(&m)?;
    Ok(p.optional(0x02).map_err(&m)?.map(|n| n.value.to_vec()))
}

/// `PKIStatus` of a `TimeStampResp` (RFC 3161 §2.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkiStatus {
    Granted,
    GrantedWithMods,
    Rejection,
    Waiting,
    RevocationWarning,
    RevocationNotification,
    Other(u32),
}

impl PkiStatus {
    fn from_code(code: u32) -> Self {
        match code {
            0 => Self::Granted,
            1 => Self::GrantedWithMods,
            2 => Self::Rejection,
            3 => Self::Waiting,
            4 => Self::RevocationWarning,
            5 => Self::RevocationNotification,
            n => Self::Other(n),
        }
    }

    /// Whether the response carries a token (granted or grantedWithMods).
    pub fn granted(self) -> bool {
        matches!(self, Self::Granted | Self::GrantedWithMods)
    }
}

impl std::fmt::Display for PkiStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Granted => f.write_str("granted"),
            Self::GrantedWithMods => f.write_str("grantedWithMods"),
            Self::Rejection => f.write_str("rejection"),
            Self::Waiting => f.write_str("waiting"),
            Self::RevocationWarning => f.write_str("revocationWarning"),
            Self::RevocationNotification => f.write_str("revocationNotification"),
            Self::Other(n) => write!(f, "status {n}"),
        }
    }
}

/// A parsed `TimeStampResp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeStampResponse {
    pub status: PkiStatus,
    /// The TSA's `statusString` texts.
    pub status_text: Vec<String>,
    /// The `failInfo` bits set (RFC 3161 names: badAlg, badRequest, ...).
    pub fail_info: Vec<&'static str>,
    /// The token's DER (a `ContentInfo`), when present.
    pub token: Option<Vec<u8>>,
}

const FAIL_INFO_NAMES: [(usize, &str); 6] = [
    (0, "badAlg"),
    (2, "badRequest"),
    (5, "badDataFormat"),
    (14, "timeNotAvailable"),
    (15, "unacceptedPolicy"),
    (16, "unacceptedExtension"),
];

/// Reads a DER `TimeStampResp`: `SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo
/// OPTIONAL }`, `PKIStatusInfo ::= SEQUENCE { status INTEGER, statusString SEQUENCE OF
/// UTF8String OPTIONAL, failInfo BIT STRING OPTIONAL }`.
pub fn parse_response(der: &[u8]) -> Result<TimeStampResponse, SealError> {
    let m = malformed("time-stamp response");
    let mut top = Parser::new(der);
    let resp = top.expect(0x30).map_err(&m)?;
    top.finish().map_err(&m)?;
    let mut p = Parser::new(resp.value);
    let info = p.expect(0x30).map_err(&m)?;
    let token = p.optional(0x30).map_err(&m)?.map(|t| t.raw.to_vec());
    p.finish().map_err(&m)?;

    let mut ip = Parser::new(info.value);
    let status = PkiStatus::from_code(parse_small_int(ip.expect(0x02).map_err(&m)?).map_err(&m)?);
    let mut status_text = Vec::new();
    if let Some(texts) = ip.optional(0x30).map_err(&m)? {
        let mut tp = Parser::new(texts.value);
        while !tp.is_empty() {
            let t = tp.expect(0x0C).map_err(&m)?;
            status_text.push(String::from_utf8_lossy(t.value).into_owned());
        }
    }
    let mut fail_info = Vec::new();
    if let Some(bits) = ip.optional(0x03).map_err(&m)? {
        // BIT STRING: first octet is the number of unused bits; bit 0 is the MSB.
        let octets = bits.value.get(1..).unwrap_or_default();
        for (bit, name) in FAIL_INFO_NAMES {
            if octets
                .get(bit / 8)
                .is_some_and(|o| o & (0x80 >> (bit % 8)) != 0)
            {
                fail_info.push(name);
            }
        }
    }
    ip.finish().map_err(&m)?;
    Ok(TimeStampResponse {
        status,
        status_text,
        fail_info,
        token,
    })
}

/// The `TSTInfo` of a token (RFC 3161 §2.4.2), reduced to what verification and reports use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TstInfo {
    pub policy: ObjectIdentifier,
    pub imprint_algorithm: ObjectIdentifier,
    pub imprint: Vec<u8>,
    /// The serial number, upper-case hex.
    pub serial: String,
    pub gen_time: OffsetDateTime,
    /// The nonce's INTEGER content octets, if any.
    pub nonce: Option<Vec<u8>>,
}

/// `GeneralizedTime` as RFC 3161 §2.4.2 allows it: `YYYYMMDDhhmmss[.s...]Z`, the fraction
/// without trailing zeros (DER). `der` 0.7 refuses fractions, which real TSAs send.
fn parse_gen_time(v: &[u8]) -> Option<OffsetDateTime> {
    let text = std::str::from_utf8(v).ok()?;
    let body = text.strip_suffix('Z')?;
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| whole[r].parse::<u32>().ok();
    let date = time::Date::from_calendar_date(
        i32::try_from(num(0..4)?).ok()?,
        time::Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?,
        u8::try_from(num(6..8)?).ok()?,
    )
    .ok()?;
    let mut nanos = 0u32;
    if let Some(f) = fraction {
        if f.is_empty() || f.ends_with('0') || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits: String = f.chars().take(9).collect();
        nanos = digits.parse::<u32>().ok()? * 10u32.pow(9 - digits.len() as u32);
    }
    let t = time::Time::from_hms_nano(
        u8::try_from(num(8..10)?).ok()?,
        u8::try_from(num(10..12)?).ok()?,
        u8::try_from(num(12..14)?).ok()?,
        nanos,
    )
    .ok()?;
    Some(date.with_time(t).assume_utc())
}

fn parse_tst_info(der: &[u8]) -> Result<TstInfo, SealError> {
    let m = malformed("time-stamp TSTInfo");
    let mut top = Parser::new(der);
    let info = top.expect(0x30).map_err(&m)?;
    top.finish().map_err(&m)?;
    let mut p = Parser::new(info.value);
    let version = parse_small_int(p.expect(0x02).map_err(&m)?).map_err(&m)?;
    if version != 1 {
        return Err(invalid("time-stamp", format!("TSTInfo version {version}")));
    }
    let policy = parse_oid(p.expect(0x06).map_err(&m)?).map_err(&m)?;
    let imprint = p.expect(0x30).map_err(&m)?;
    let mut mp = Parser::new(imprint.value);
    let imprint_algorithm = parse_algorithm(mp.expect(0x30).map_err(&m)?)
        .map_err(&m)?
        .oid;
    let imprint = mp.expect(0x04).map_err(&m)?.value.to_vec();
    mp.finish().map_err(&m)?;
    let serial = p.expect(0x02).map_err(&m)?;
    let gen_time = p.expect(0x18).map_err(&m)?;
    let gen_time = parse_gen_time(gen_time.value)
        .ok_or_else(|| invalid("time-stamp", "genTime is not a valid GeneralizedTime"))?;
    p.optional(0x30).map_err(&m)?; // accuracy
    p.optional(0x01).map_err(&m)?; // ordering
    let nonce = p.optional(0x02).map_err(&m)?.map(|n| n.value.to_vec());
    p.optional(0xA0).map_err(&m)?; // tsa [0] GeneralName
    p.optional(0xA1).map_err(&m)?; // extensions [1]
    p.finish().map_err(&m)?;
    Ok(TstInfo {
        policy,
        imprint_algorithm,
        imprint,
        serial: hex::encode_upper(serial.value),
        gen_time,
        nonce,
    })
}

/// A parsed time-stamp token: the CMS `SignedData` and its `TSTInfo`.
#[derive(Debug, Clone)]
pub struct Token {
    pub signed: super::cms::SignatureFile,
    pub info: TstInfo,
    tst_info_der: Vec<u8>,
}

/// Reads a `TimeStampToken` (a DER `ContentInfo` holding a `SignedData` whose content is a
/// `TSTInfo`). `der` may also be the content of the attribute's SET (the one value).
pub fn parse_token(der: &[u8]) -> Result<Token, SealError> {
    let mut one = Parser::new(der);
    let value: Tlv<'_> = one.expect(0x30).map_err(malformed("time-stamp token"))?;
    if !one.is_empty() {
        return Err(invalid(
            "time-stamp token",
            "the attribute holds more than one value",
        ));
    }
    let signed = parse_signature(value.raw)?;
    if signed.content_type != oid::ID_CT_TST_INFO {
        return Err(invalid(
            "time-stamp token",
            format!("content type {} is not id-ct-TSTInfo", signed.content_type),
        ));
    }
    let tst_info_der = signed
        .content
        .clone()
        .ok_or_else(|| invalid("time-stamp token", "no TSTInfo inside"))?;
    let info = parse_tst_info(&tst_info_der)?;
    Ok(Token {
        signed,
        info,
        tst_info_der,
    })
}

/// The outcome of [`verify_token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    /// The token is sound and its TSA trusted at `genTime`; `revocation_unknown` says why the
    /// TSA's revocation was not settled, if it was not. `chain_checked` is false when no
    /// [`ChainChecker`] was given.
    Valid {
        stamp: Stamp,
        revocation_unknown: Option<String>,
        chain_checked: bool,
    },
    /// The token is sound but its TSA is not trusted at `genTime` (no path to an anchor, no
    /// timeStamping EKU, expired, revoked): it proves no time.
    Untrusted { stamp: Stamp, reason: String },
    /// The token is malformed, altered, or not about this signature.
    Invalid(String),
    /// An algorithm govpki cannot check.
    Unsupported(String),
}

/// Verifies a time-stamp token over the signature value `signature` (see the module docs).
/// `extra_certs` are further certificates to find the TSA's in (the signature's own); `chain`
/// judges the TSA certificate at `genTime` (None: not judged, e.g. before embedding without
/// trust anchors); `now` bounds `genTime`.
pub fn verify_token(
    token_der: &[u8],
    signature: &[u8],
    extra_certs: &[Vec<u8>],
    chain: Option<&dyn ChainChecker>,
    now: OffsetDateTime,
) -> TokenCheck {
    let token = match parse_token(token_der) {
        Ok(t) => t,
        Err(e) => return TokenCheck::Invalid(format!("the time-stamp token is unreadable: {e}")),
    };
    let info = &token.info;
    let Some(imprint_algorithm) = DigestAlgorithm::from_oid(&info.imprint_algorithm) else {
        return TokenCheck::Unsupported(format!(
            "the time-stamp's imprint algorithm {} is not supported",
            signer::algorithm_name(&info.imprint_algorithm)
        ));
    };
    if imprint_algorithm.digest(signature) != info.imprint {
        return TokenCheck::Invalid(format!(
            "the time-stamp is for another signature: its messageImprint is not the {imprint_algorithm} of this signature's value"
        ));
    }
    if (info.gen_time - now).whole_seconds() > CLOCK_SKEW_SECONDS {
        return TokenCheck::Invalid(format!(
            "the time-stamp's genTime {} is after the verification time {}",
            format_time(info.gen_time),
            format_time(now)
        ));
    }
    let signed = &token.signed;
    if signed.signers.len() != 1 {
        return TokenCheck::Invalid(format!(
            "the time-stamp token has {} signers; RFC 3161 allows only the TSA",
            signed.signers.len()
        ));
    }
    let si = signed.signer();
    let Some(attrs) = si.signed_attributes.as_ref() else {
        return TokenCheck::Invalid("the time-stamp token has no signed attributes".into());
    };
    if attrs.content_type != Some(oid::ID_CT_TST_INFO) {
        return TokenCheck::Invalid(
            "the time-stamp token's contentType attribute is not id-ct-TSTInfo".into(),
        );
    }
    let Some(digest) = si.document_digest_algorithm() else {
        return TokenCheck::Unsupported(format!(
            "the time-stamp token's digest algorithm {} is not supported",
            signer::algorithm_name(&si.digest_algorithm.oid)
        ));
    };
    match &attrs.message_digest {
        None => {
            return TokenCheck::Invalid(
                "the time-stamp token has no messageDigest attribute".into(),
            );
        }
        Some(d) if *d != digest.digest(&token.tst_info_der) => {
            return TokenCheck::Invalid(
                "the time-stamp token's messageDigest does not match its TSTInfo (altered)".into(),
            );
        }
        Some(_) => {}
    }
    let mut pool = signed.clone();
    pool.certificates.extend(extra_certs.iter().cloned());
    let Some(tsa_cert) = pool.signer_certificate(si) else {
        return TokenCheck::Invalid(
            "the TSA's certificate is neither in the time-stamp token nor in the signature (ask with certReq)"
                .into(),
        );
    };
    match signer::verify_signature_with_cert(
        tsa_cert,
        &si.signature_algorithm.oid,
        Some(digest),
        attrs.signed_der(),
        &si.signature,
    ) {
        Ok(SignatureCheck::Valid) => {}
        Ok(SignatureCheck::Invalid(why)) => {
            return TokenCheck::Invalid(format!(
                "the time-stamp token's signature is invalid: {why}"
            ));
        }
        Ok(SignatureCheck::Unsupported(why)) => return TokenCheck::Unsupported(why),
        Err(e) => return TokenCheck::Invalid(format!("the time-stamp token: {e}")),
    }
    // RFC 3161 §2.4.1 / RFC 5816: ESSCertID(v2) binds the TSA certificate to the token.
    if let Some(ids) = &attrs.signing_certificate_v2 {
        let first = &ids[0];
        match DigestAlgorithm::from_oid(&first.hash_algorithm) {
            None => {
                return TokenCheck::Unsupported(format!(
                    "the time-stamp token's ESSCertIDv2 hash {} is not supported",
                    signer::algorithm_name(&first.hash_algorithm)
                ));
            }
            Some(alg) if alg.digest(tsa_cert) != first.cert_hash => {
                return TokenCheck::Invalid(
                    "the time-stamp token's signingCertificateV2 names another certificate than the TSA's".into(),
                );
            }
            Some(_) => {}
        }
    } else if let Some(hashes) = &attrs.signing_certificate {
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, tsa_cert);
        if hashes[0].as_slice() != sha1.as_ref() {
            return TokenCheck::Invalid(
                "the time-stamp token's signingCertificate names another certificate than the TSA's".into(),
            );
        }
    }
    let stamp = Stamp {
        gen_time: info.gen_time,
        tsa: certificate_subject(tsa_cert),
        serial: info.serial.clone(),
        policy: info.policy.to_string(),
        imprint_algorithm,
    };
    let Some(chain) = chain else {
        return TokenCheck::Valid {
            stamp,
            revocation_unknown: None,
            chain_checked: false,
        };
    };
    match chain.check(
        tsa_cert,
        &pool.certificates,
        info.gen_time,
        ChainRole::TimeStamping,
    ) {
        ChainCheck::Valid => TokenCheck::Valid {
            stamp,
            revocation_unknown: None,
            chain_checked: true,
        },
        ChainCheck::ValidRevocationUnknown(why) => TokenCheck::Valid {
            stamp,
            revocation_unknown: Some(why.to_string()),
            chain_checked: true,
        },
        ChainCheck::Invalid(why) => TokenCheck::Untrusted {
            stamp,
            reason: why.to_string(),
        },
        ChainCheck::Indeterminate(why) => TokenCheck::Untrusted {
            stamp,
            reason: why.to_string(),
        },
    }
}

#[cfg(test)]
mod tests;
