//! OCSP requests (RFC 6960 §4.1): parsed from DER (POST) or from the GET form (RFC 5019 §5:
//! the base64 of the DER, URL-encoded, as the last part of the URL path), bounded, with typed
//! errors that a responder answers with `malformedRequest`; and built, for the client.

use base64::Engine as _;
use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use x509_ocsp::{CertId, OcspRequest, Request, TbsRequest, Version};

/// Most bytes of a DER request: a request for [`MAX_CERT_IDS`] certificates with a nonce is
/// far below; a bigger body is refused before it is parsed.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;

/// Most CertIDs in one request.
pub const MAX_CERT_IDS: usize = 16;

/// id-pkix-ocsp-nonce.
const OID_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");

/// Why a request is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the request is {len} bytes, more than {max}")]
    TooLong { len: usize, max: usize },
    #[error("the request is not a DER OCSPRequest: {0}")]
    Der(String),
    #[error("the request asks about no certificate")]
    Empty,
    #[error("the request asks about {0} certificates, more than {MAX_CERT_IDS}")]
    TooManyCertIds(usize),
    #[error("the request version is not v1")]
    Version,
    #[error("the request has a critical extension {0} that is not understood")]
    CriticalExtension(ObjectIdentifier),
    #[error("the GET path is not URL-encoded base64: {0}")]
    GetForm(String),
}

/// A request, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRequest {
    /// The CertIDs asked about, in order (1 to [`MAX_CERT_IDS`]).
    pub ids: Vec<CertId>,
    /// The nonce's value (RFC 8954), when the request has one.
    pub nonce: Option<Vec<u8>>,
}

/// Parses a DER request (a POST body). Signed requests are accepted and their signature
/// ignored: this responder answers anyone (RFC 6960 §4.1.2 makes the signature optional).
pub fn parse_der(bytes: &[u8]) -> Result<ParsedRequest, RequestError> {
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(RequestError::TooLong {
            len: bytes.len(),
            max: MAX_REQUEST_BYTES,
        });
    }
    let req = OcspRequest::from_der(bytes).map_err(|e| RequestError::Der(e.to_string()))?;
    let tbs = req.tbs_request;
    if tbs.version != Version::V1 {
        return Err(RequestError::Version);
    }
    let mut nonce = None;
    for ext in tbs.request_extensions.iter().flatten() {
        if ext.extn_id == OID_NONCE {
            // RFC 8954 §2.1: Nonce ::= OCTET STRING (SIZE(1..32)); accept what parses.
            let value = der::asn1::OctetString::from_der(ext.extn_value.as_bytes())
                .map_err(|e| RequestError::Der(format!("nonce: {e}")))?;
            nonce = Some(value.as_bytes().to_vec());
        } else if ext.critical {
            return Err(RequestError::CriticalExtension(ext.extn_id));
        }
    }
    let mut ids = Vec::with_capacity(tbs.request_list.len());
    for r in tbs.request_list {
        if let Some(ext) = r
            .single_request_extensions
            .iter()
            .flatten()
            .find(|e| e.critical)
        {
            return Err(RequestError::CriticalExtension(ext.extn_id));
        }
        ids.push(r.req_cert);
    }
    if ids.is_empty() {
        return Err(RequestError::Empty);
    }
    if ids.len() > MAX_CERT_IDS {
        return Err(RequestError::TooManyCertIds(ids.len()));
    }
    Ok(ParsedRequest { ids, nonce })
}

/// Parses the GET form: `path` is what follows the responder's own path (a leading `/` is
/// skipped), the URL-encoded base64 of the DER request. Base64 `/` may arrive unencoded, so
/// the rest of the path is taken whole.
pub fn parse_get(path: &str) -> Result<ParsedRequest, RequestError> {
    let path = path.strip_prefix('/').unwrap_or(path);
    // base64 of MAX_REQUEST_BYTES, each character possibly %-escaped.
    let max_path = MAX_REQUEST_BYTES.div_ceil(3) * 4 * 3;
    if path.len() > max_path {
        return Err(RequestError::TooLong {
            len: path.len(),
            max: max_path,
        });
    }
    let text = percent_decode(path)?;
    let der = base64::engine::general_purpose::STANDARD
        .decode(text.trim_end_matches('\n'))
        .map_err(|e| RequestError::GetForm(e.to_string()))?;
    parse_der(&der)
}

/// `%XX` escapes decoded; `+` stays `+` (a path, not a form: RFC 3986).
fn percent_decode(s: &str) -> Result<String, RequestError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| RequestError::GetForm(format!("bad escape at offset {i}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| RequestError::GetForm("not ASCII".into()))
}

/// A request for `ids`, unsigned and without nonce (RFC 5019 §2.1).
pub fn build(ids: Vec<CertId>) -> Result<Vec<u8>, der::Error> {
    OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: ids
                .into_iter()
                .map(|req_cert| Request {
                    req_cert,
                    single_request_extensions: None,
                })
                .collect(),
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
}

/// The GET form of a DER request: base64, with `+`, `/` and `=` percent-encoded.
pub fn get_path(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + 16);
    for c in b64.chars() {
        match c {
            '+' => out.push_str("%2B"),
            '/' => out.push_str("%2F"),
            '=' => out.push_str("%3D"),
            c => out.push(c),
        }
    }
    out
}
