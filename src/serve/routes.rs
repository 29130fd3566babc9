//! The route table: one request (method, target, headers, body already bounded) and what is
//! published now (a [`Snapshot`]) in, one response out. Pure: no socket, no file, no clock (the
//! caller passes `now`), so every answer is unit-tested here.
//!
//! It does not read bodies or enforce sizes and timeouts (the connection layer, `serve::conn`,
//! does), and it holds no OCSP logic: `/ocsp` and `/ocsp/{base64}` go to the injected
//! [`OcspHandler`], and are unknown paths (404) without one.

use std::sync::Arc;

use hyper::body::Bytes;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Response, StatusCode, Version};
use serde_json::json;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::ca::when::rfc3339;

mod health;

use health::health;
pub use health::{Condition, CrlFailure, HealthStatus, judge_health};

/// An OCSP question as it arrived: a POST body (DER), or what follows `/ocsp/` in a GET
/// (RFC 5019 §5: base64, possibly %-escaped; the handler decodes it, so a bad one gets an OCSP
/// `malformedRequest`, not JSON).
#[derive(Debug, Clone, Copy)]
pub enum OcspAsk<'a> {
    Post(&'a [u8]),
    Get(&'a str),
}

/// An OCSP answer: the DER OCSPResponse, and for a pre-signed one the HTTP caching of RFC 5019
/// §6.2 (Unix seconds), which the GET form carries.
#[derive(Debug, Clone)]
pub struct OcspAnswer {
    pub der: Bytes,
    pub cache: Option<crate::ocsp::CacheHeaders>,
}

/// The OCSP responder the server wires in (`serve::ocsp`); tests inject fakes.
pub trait Ocsp: Send + Sync {
    /// The answer to `ask` at `now`; never fails (errors are OCSP error statuses).
    fn answer(&self, ask: OcspAsk<'_>, now: OffsetDateTime) -> OcspAnswer;
    /// nextUpdate of the pre-signed answers, for `/health` (`None` before any).
    fn next_update(&self) -> Option<OffsetDateTime>;
}

/// The injected responder.
pub type OcspHandler = Arc<dyn Ocsp>;

/// The current CRL, as served.
#[derive(Debug, Clone)]
pub struct ServedCrl {
    pub der: Bytes,
    pub number: u64,
    pub this_update: OffsetDateTime,
    pub next_update: OffsetDateTime,
    /// The strong entity tag: the SHA-256 of the DER, quoted.
    pub etag: String,
}

impl ServedCrl {
    pub fn new(
        der: Vec<u8>,
        number: u64,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
    ) -> ServedCrl {
        let hash = ring::digest::digest(&ring::digest::SHA256, &der);
        ServedCrl {
            etag: format!("\"{}\"", hex::encode(hash.as_ref())),
            der: Bytes::from(der),
            number,
            this_update,
            next_update,
        }
    }
}

/// What the server publishes at one moment; replaced whole when the CRL or the seal status
/// list changes.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The CA's subject, for `/health`.
    pub ca_subject: String,
    pub ca_der: Bytes,
    pub ca_pem: Bytes,
    /// The CA first, up to the root, PEM.
    pub chain_pem: Bytes,
    pub crl: ServedCrl,
    /// The seal status list (DER) as `seal status-list` last published it in the home.
    pub seal_status: Option<Bytes>,
    /// What the publisher knows is wrong with keeping this publication current.
    pub condition: Condition,
}

/// Where a request came in: the listener's security domain (`None` on a publication
/// listener) and the client's certificate chain as TLS accepted it (end entity first; empty
/// without one). Publication needs neither; the coming API will.
#[derive(Debug, Clone, Default)]
pub struct Peer {
    pub domain: Option<String>,
    pub client_chain: Vec<Vec<u8>>,
}

/// One request, its body already read (and bounded).
pub struct Request<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub version: Version,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub peer: &'a Peer,
}

/// A short JSON error: `{"error": message}`.
pub fn error(status: StatusCode, message: &str) -> Response<Bytes> {
    let body = json!({ "error": message }).to_string();
    build(status, "application/json", Bytes::from(body), &[])
}

fn build(
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
    extra: &[(header::HeaderName, String)],
) -> Response<Bytes> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    for (name, value) in extra {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name.clone(), v);
        }
    }
    response
}

fn ok(content_type: &'static str, body: &Bytes) -> Response<Bytes> {
    build(StatusCode::OK, content_type, body.clone(), &[])
}

fn method_not_allowed(allow: &'static str) -> Response<Bytes> {
    let mut r = error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("method not allowed; allowed: {allow}"),
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    r
}

fn not_found() -> Response<Bytes> {
    error(StatusCode::NOT_FOUND, "no such resource")
}

/// Answers one request at `now`.
pub fn respond(
    snapshot: &Snapshot,
    ocsp: Option<&OcspHandler>,
    req: &Request<'_>,
    now: OffsetDateTime,
) -> Response<Bytes> {
    // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without a Host.
    if req.version == Version::HTTP_11 && !req.headers.contains_key(header::HOST) {
        return error(StatusCode::BAD_REQUEST, "missing Host header");
    }
    let get = *req.method == Method::GET || *req.method == Method::HEAD;
    if let Some(encoded) = req.path.strip_prefix("/ocsp/") {
        let Some(handler) = ocsp else {
            return not_found();
        };
        if !get {
            return method_not_allowed("GET, HEAD");
        }
        return ocsp_response(handler, OcspAsk::Get(encoded), now);
    }
    if req.path == "/ocsp" {
        let Some(handler) = ocsp else {
            return not_found();
        };
        if *req.method != Method::POST {
            return method_not_allowed("POST");
        }
        return ocsp_response(handler, OcspAsk::Post(req.body), now);
    }
    let known = matches!(
        req.path,
        "/ca.pem" | "/ca.der" | "/chain.pem" | "/crl" | "/seal-status" | "/health"
    );
    if !known {
        return not_found();
    }
    if !get {
        return method_not_allowed("GET, HEAD");
    }
    match req.path {
        "/ca.pem" => ok("application/x-pem-file", &snapshot.ca_pem),
        "/ca.der" => ok("application/pkix-cert", &snapshot.ca_der),
        "/chain.pem" => ok("application/x-pem-file", &snapshot.chain_pem),
        "/crl" => crl(&snapshot.crl, req.headers, now),
        "/seal-status" => match &snapshot.seal_status {
            Some(list) => ok("application/octet-stream", list),
            None => error(
                StatusCode::NOT_FOUND,
                "no seal status list is published in this home; run `govpki seal status-list`",
            ),
        },
        _ => health(snapshot, ocsp, now),
    }
}

fn ocsp_response(handler: &OcspHandler, ask: OcspAsk<'_>, now: OffsetDateTime) -> Response<Bytes> {
    let answer = handler.answer(ask, now);
    // RFC 5019 §6.2: caching for the GET form only (a POST is not cached by HTTP caches).
    let caching = match (ask, answer.cache) {
        (OcspAsk::Get(_), Some(c)) => ocsp_caching(&answer.der, c),
        _ => Vec::new(),
    };
    build(
        StatusCode::OK,
        crate::ocsp::RESPONSE_MEDIA_TYPE,
        answer.der,
        &caching,
    )
}

/// RFC 5019 §6.2: `Cache-Control: max-age` up to nextUpdate, `Last-Modified` (thisUpdate),
/// `Expires` (nextUpdate), and an `ETag` (the SHA-256 of the answer, quoted).
fn ocsp_caching(der: &[u8], c: crate::ocsp::CacheHeaders) -> Vec<(header::HeaderName, String)> {
    let date = |secs: i64| {
        OffsetDateTime::from_unix_timestamp(secs)
            .ok()
            .map(http_date)
    };
    let hash = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = vec![
        (
            header::CACHE_CONTROL,
            format!(
                "max-age={}, public, no-transform, must-revalidate",
                c.max_age.max(0)
            ),
        ),
        (header::ETAG, format!("\"{}\"", hex::encode(hash.as_ref()))),
    ];
    if let Some(d) = date(c.last_modified) {
        out.push((header::LAST_MODIFIED, d));
    }
    if let Some(d) = date(c.expires) {
        out.push((header::EXPIRES, d));
    }
    out
}

fn crl(crl: &ServedCrl, headers: &HeaderMap, now: OffsetDateTime) -> Response<Bytes> {
    let max_age = (crl.next_update - now).whole_seconds().max(0);
    let caching = [
        (header::ETAG, crl.etag.clone()),
        (header::LAST_MODIFIED, http_date(crl.this_update)),
        (header::CACHE_CONTROL, format!("public, max-age={max_age}")),
    ];
    let status = if not_modified(crl, headers) {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    let body = if status == StatusCode::OK {
        crl.der.clone()
    } else {
        Bytes::new()
    };
    build(status, "application/pkix-crl", body, &caching)
}

/// RFC 9110 §13.1.2 and §13.1.3: If-None-Match (weak comparison) decides when present, and
/// If-Modified-Since only without it; an unparsable date is ignored.
fn not_modified(crl: &ServedCrl, headers: &HeaderMap) -> bool {
    let inm: Vec<&str> = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !inm.is_empty() {
        return inm.iter().flat_map(|v| v.split(',')).any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == crl.etag
        });
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
        .is_some_and(|since| crl.this_update.unix_timestamp() <= since.unix_timestamp())
}

const HTTP_DATE: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// An IMF-fixdate (RFC 9110 §5.6.7).
pub fn http_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(HTTP_DATE).unwrap_or_else(|_| rfc3339(t))
}

fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(s.trim(), HTTP_DATE)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const THIS: OffsetDateTime = datetime!(2026-05-04 10:00 UTC);

    fn snapshot() -> Snapshot {
        Snapshot {
            ca_subject: "CN=Root".into(),
            ca_der: Bytes::from_static(b"der"),
            ca_pem: Bytes::from_static(b"pem"),
            chain_pem: Bytes::from_static(b"chain"),
            crl: ServedCrl::new(vec![0x30, 0], 7, THIS, THIS + time::Duration::days(7)),
            seal_status: None,
            condition: Condition::default(),
        }
    }

    fn get(path: &str, headers: &[(&'static str, &str)]) -> Response<Bytes> {
        call(Method::GET, path, headers, b"", None)
    }

    fn call(
        method: Method,
        path: &str,
        headers: &[(&'static str, &str)],
        body: &[u8],
        ocsp: Option<&OcspHandler>,
    ) -> Response<Bytes> {
        let mut map = HeaderMap::new();
        map.insert(header::HOST, HeaderValue::from_static("ca.example"));
        for (k, v) in headers {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        let req = Request {
            method: &method,
            path,
            version: Version::HTTP_11,
            headers: &map,
            body,
            peer: &Peer::default(),
        };
        respond(&snapshot(), ocsp, &req, THIS + time::Duration::days(1))
    }

    fn error_of(r: &Response<Bytes>) -> String {
        let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        v["error"].as_str().unwrap().to_string()
    }

    #[test]
    fn the_crl_carries_its_caching_headers() {
        let r = get("/crl", &[]);
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.body().as_ref(), &[0x30, 0]);
        let h = r.headers();
        assert_eq!(h[header::CONTENT_TYPE], "application/pkix-crl");
        assert_eq!(h[header::LAST_MODIFIED], "Mon, 04 May 2026 10:00:00 GMT");
        // Six days to its nextUpdate.
        assert_eq!(h[header::CACHE_CONTROL], "public, max-age=518400");
        assert_eq!(h[header::ETAG], snapshot().crl.etag.as_str());
    }

    #[test]
    fn a_matching_etag_or_a_later_date_is_not_modified() {
        let etag = snapshot().crl.etag;
        let listed = format!("\"other\", W/{etag}");
        for headers in [
            vec![("if-none-match", etag.as_str())],
            vec![("if-none-match", listed.as_str())],
            vec![("if-none-match", "*")],
            vec![("if-modified-since", "Mon, 04 May 2026 10:00:00 GMT")],
            vec![("if-modified-since", "Tue, 05 May 2026 10:00:00 GMT")],
        ] {
            let r = get("/crl", &headers);
            assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{headers:?}");
            assert!(r.body().is_empty());
            assert_eq!(r.headers()[header::ETAG], etag.as_str());
        }
    }

    #[test]
    fn another_etag_an_earlier_date_or_a_bad_date_gets_the_crl() {
        for headers in [
            vec![("if-none-match", "\"other\"")],
            // If-None-Match decides when present, whatever If-Modified-Since says.
            vec![
                ("if-none-match", "\"other\""),
                ("if-modified-since", "Tue, 05 May 2026 10:00:00 GMT"),
            ],
            vec![("if-modified-since", "Sun, 03 May 2026 10:00:00 GMT")],
            vec![("if-modified-since", "yesterday")],
        ] {
            let r = get("/crl", &headers);
            assert_eq!(r.status(), StatusCode::OK, "{headers:?}");
            assert_eq!(r.body().as_ref(), &[0x30, 0]);
        }
    }

    #[test]
    fn publication_paths_answer_with_their_types() {
        for (path, ty, body) in [
            ("/ca.pem", "application/x-pem-file", &b"pem"[..]),
            ("/ca.der", "application/pkix-cert", b"der"),
            ("/chain.pem", "application/x-pem-file", b"chain"),
        ] {
            let r = get(path, &[]);
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(r.headers()[header::CONTENT_TYPE], ty);
            assert_eq!(r.body().as_ref(), body);
        }
        let health: serde_json::Value = serde_json::from_slice(get("/health", &[]).body()).unwrap();
        assert_eq!(health["status"], "ok");
        assert_eq!(health["ca"], "CN=Root");
        assert_eq!(health["crl"]["number"], 7);
        assert_eq!(health["crl"]["next_update"], "2026-05-11T10:00:00Z");
    }

    #[test]
    fn an_expired_crl_makes_health_unavailable() {
        let mut map = HeaderMap::new();
        map.insert(header::HOST, HeaderValue::from_static("h"));
        let req = Request {
            method: &Method::GET,
            path: "/health",
            version: Version::HTTP_11,
            headers: &map,
            body: b"",
            peer: &Peer::default(),
        };
        let r = respond(&snapshot(), None, &req, THIS + time::Duration::days(8));
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(v["status"], "crl-expired");
    }

    #[test]
    fn no_seal_status_list_is_a_404_that_says_how_to_publish_one() {
        let r = get("/seal-status", &[]);
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(error_of(&r).contains("seal status-list"));
    }

    #[test]
    fn unknown_paths_404_and_wrong_methods_405_with_json() {
        let r = get("/nope", &[]);
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(error_of(&r), "no such resource");
        let r = call(Method::POST, "/crl", &[], b"x", None);
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers()[header::ALLOW], "GET, HEAD");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    }

    #[test]
    fn http_1_1_without_host_is_a_bad_request() {
        let map = HeaderMap::new();
        let req = Request {
            method: &Method::GET,
            path: "/crl",
            version: Version::HTTP_11,
            headers: &map,
            body: b"",
            peer: &Peer::default(),
        };
        let r = respond(&snapshot(), None, &req, THIS);
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_of(&r), "missing Host header");
    }

    proptest::proptest! {
        /// Whatever the method, path and conditional headers, an answer and never a panic; an
        /// error is a short JSON.
        #[test]
        fn any_request_gets_an_answer(
            method in "(GET|HEAD|POST|PUT|DELETE|OPTIONS|[A-Z]{1,8})",
            path in "/(ocsp/)?[ -~]{0,40}",
            inm in proptest::option::of("[ -~]{0,40}"),
            ims in proptest::option::of("[ -~]{0,40}"),
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
        ) {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let mut headers: Vec<(&'static str, &str)> = Vec::new();
            if let Some(v) = &inm {
                headers.push(("if-none-match", v));
            }
            if let Some(v) = &ims {
                headers.push(("if-modified-since", v));
            }
            let echo: OcspHandler = Arc::new(Echo);
            for ocsp in [None, Some(&echo)] {
                let r = call(method.clone(), &path, &headers, &body, ocsp);
                let status = r.status();
                proptest::prop_assert!(
                    status.is_success() || status.is_client_error() || status == StatusCode::NOT_MODIFIED
                );
                if status.is_client_error() {
                    error_of(&r);
                }
            }
        }
    }

    #[test]
    fn ocsp_paths_are_unknown_without_a_responder() {
        assert_eq!(get("/ocsp/MAA=", &[]).status(), StatusCode::NOT_FOUND);
        let r = call(Method::POST, "/ocsp", &[], b"\x30\x00", None);
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }

    /// Answers `post:` or `get:` and what it was given, pre-signed (cacheable) when asked for
    /// `MAH/`.
    struct Echo;

    impl Ocsp for Echo {
        fn answer(&self, ask: OcspAsk<'_>, _now: OffsetDateTime) -> OcspAnswer {
            let (der, cache) = match ask {
                OcspAsk::Post(der) => ([b"post:", der].concat(), None),
                OcspAsk::Get(path) => (
                    [b"get:", path.as_bytes()].concat(),
                    Some(crate::ocsp::CacheHeaders {
                        max_age: 3600,
                        last_modified: THIS.unix_timestamp(),
                        expires: (THIS + time::Duration::hours(1)).unix_timestamp(),
                    }),
                ),
            };
            OcspAnswer {
                der: Bytes::from(der),
                cache,
            }
        }

        fn next_update(&self) -> Option<OffsetDateTime> {
            Some(THIS + time::Duration::hours(1))
        }
    }

    #[test]
    fn ocsp_requests_reach_the_injected_responder() {
        let echo: OcspHandler = Arc::new(Echo);
        let r = call(Method::POST, "/ocsp", &[], &[0x30, 0x01, 0xff], Some(&echo));
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/ocsp-response"
        );
        assert_eq!(r.body().as_ref(), b"post:\x30\x01\xff");
        // A POST is not cached (RFC 5019 §6.2 is for GET).
        assert!(r.headers().get(header::CACHE_CONTROL).is_none());
        // The GET path goes to the responder as it came (it decodes, and answers a bad one
        // with malformedRequest).
        for path in ["MAH/", "MAH%2F", "%zz!!", ""] {
            let r = call(Method::GET, &format!("/ocsp/{path}"), &[], b"", Some(&echo));
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            assert_eq!(r.body().as_ref(), format!("get:{path}").as_bytes());
            let h = r.headers();
            assert_eq!(
                h[header::CACHE_CONTROL],
                "max-age=3600, public, no-transform, must-revalidate"
            );
            assert_eq!(h[header::LAST_MODIFIED], "Mon, 04 May 2026 10:00:00 GMT");
            assert_eq!(h[header::EXPIRES], "Mon, 04 May 2026 11:00:00 GMT");
            let etag = format!(
                "\"{}\"",
                hex::encode(ring::digest::digest(&ring::digest::SHA256, r.body()).as_ref())
            );
            assert_eq!(h[header::ETAG], etag.as_str());
        }
        let r = call(Method::GET, "/ocsp", &[], b"", Some(&echo));
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers()[header::ALLOW], "POST");
    }

    #[test]
    fn health_reports_the_ocsp_answers_next_update() {
        let echo: OcspHandler = Arc::new(Echo);
        let r = call(Method::GET, "/health", &[], b"", Some(&echo));
        let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(v["ocsp"]["next_update"], "2026-05-04T11:00:00Z");
        let v: serde_json::Value = serde_json::from_slice(get("/health", &[]).body()).unwrap();
        assert!(v.get("ocsp").is_none());
    }
}
