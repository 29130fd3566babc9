//! The operator API over HTTPS (docs/api.md): `POST /api/v1/{cert/issue, cert/revoke,
//! cert/release, crl/generate, seal/create, seal/revoke}`, each body a signed request envelope, answered by
//! [`crate::ops::remote::execute`] with the domain of the listener the request arrived on and
//! the server's clock. Only HTTPS listeners (which declare a domain) route here; the plain
//! publication listener answers 404.
//!
//! The store is SQLite and `execute` blocks, so each request runs on a blocking thread (tokio's
//! `spawn_blocking`), with that worker thread's own [`OpenCa`], opened at its first request and
//! kept (a thread-local). Not one behind a mutex: a store is not `Send` (it holds the audit
//! signers as plain closures), so it cannot move between the pool's threads. SQLite serialises
//! the writers itself (every state change is a `BEGIN IMMEDIATE` transaction, with a busy
//! timeout), while the checks that need no lock (the envelope, the operator's signature, the
//! CSR) run in parallel. The CA key is the one the server unlocked at start, shared. The
//! publisher polls `data_version` on its own connection, so what a request commits reaches the
//! served CRL at its next poll.
//!
//! The answer to an accepted request is `{"answer": <the verb's --json object>, "warnings":
//! [...], "allowed": [{action, resource, rule}]}`; a refusal is the status and JSON of
//! [`ApiError`]. It prints nothing and reads the clock only through the clock it is handed.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::api::{self, ApiError, Verb};
use crate::ca::keys::PrivateKey;
use crate::ops::SystemRandom;
use crate::ops::common::OpenCa;
use crate::ops::remote;

/// What the API needs: the home (each worker opens its store there), the CA key unlocked at
/// start, and the CA certificate requests must name.
pub struct Api {
    home: PathBuf,
    key: PrivateKey,
    ca_der: Vec<u8>,
}

impl Api {
    pub fn new(home: &Path, ca_der: Vec<u8>, key: PrivateKey) -> Api {
        Api {
            home: home.to_path_buf(),
            key,
            ca_der,
        }
    }
}

thread_local! {
    /// This worker thread's store, with the home it is of.
    static STORE: RefCell<Option<(PathBuf, OpenCa)>> = const { RefCell::new(None) };
}

/// Runs `f` on this worker's store of `home`, opening it on first use. A store whose request
/// failed inside SQLite is dropped, so the next request starts on a fresh connection.
fn with_store<T>(
    home: &Path,
    f: impl FnOnce(&mut OpenCa) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    STORE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(h, _)| h != home) {
            let open = OpenCa::open(home)
                .map_err(|e| ApiError::internal(format!("opening the store: {e:#}")))?;
            *slot = Some((home.to_path_buf(), open));
        }
        let Some((_, open)) = slot.as_mut() else {
            return Err(ApiError::internal("no store"));
        };
        let result = f(open);
        if matches!(result, Err(ApiError::Internal { .. })) {
            *slot = None;
        }
        result
    })
}

/// The verb an API path names, if it is one.
fn verb_of(path: &str) -> Option<Verb> {
    [
        Verb::Issue,
        Verb::Renew,
        Verb::Revoke,
        Verb::Release,
        Verb::CrlGenerate,
        Verb::SealCreate,
        Verb::SealRevoke,
    ]
    .into_iter()
    .find(|v| v.path() == path)
}

/// Whether `path` is the API's (an HTTPS listener answers it here, not from the route table).
pub fn is_api_path(path: &str) -> bool {
    verb_of(path).is_some()
}

/// The largest body a request to `path` may have: `default` (`serve --max-body`), raised to
/// [`api::MAX_REQUEST_BYTES`] for `seal/create` only, whose body carries the holders'
/// certificates and the seal's picture (a PNG of some hundred KiB, base64 twice).
pub fn body_limit(path: &str, default: usize) -> usize {
    if path == Verb::SealCreate.path() {
        default.max(api::MAX_REQUEST_BYTES)
    } else {
        default
    }
}

/// Answers one API request that arrived on a listener of `domain`. Runs the request on a
/// blocking thread; `now` is read by the caller from the server's clock.
pub async fn respond(
    api: Arc<Api>,
    method: &Method,
    path: &str,
    body: Bytes,
    domain: String,
    now: OffsetDateTime,
) -> Response<Bytes> {
    let Some(verb) = verb_of(path) else {
        return refusal(&ApiError::malformed(format!("no API endpoint `{path}`")));
    };
    if *method != Method::POST {
        let mut r = json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({ "error": "method not allowed; allowed: POST", "hint": null }),
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    let ran = tokio::task::spawn_blocking(move || handle(&api, verb, &body, &domain, now)).await;
    match ran {
        Ok(Ok(answer)) => json_response(StatusCode::OK, &answer),
        Ok(Err(e)) => refusal(&e),
        Err(_) => refusal(&ApiError::internal("the request's worker failed")),
    }
}

fn handle(
    api: &Api,
    verb: Verb,
    body: &[u8],
    domain: &str,
    now: OffsetDateTime,
) -> Result<Value, ApiError> {
    let verified = api::open_request(body, &api.ca_der, now, api::WINDOW)?;
    // The signature covers the verb; the endpoint must agree with it.
    if verified.verb() != verb {
        return Err(ApiError::malformed(format!(
            "a `{}` request posted to `{}`",
            verified.verb().as_str(),
            verb.path()
        )));
    }
    let executed = with_store(&api.home, |open| {
        remote::execute(open, &api.key, verified, Some(domain), now, &SystemRandom)
    })?;
    let allowed: Vec<Value> = executed
        .allowed
        .iter()
        .map(|a| json!({ "action": a.action, "resource": a.resource, "rule": a.rule }))
        .collect();
    Ok(json!({
        "answer": executed.json,
        "warnings": executed.warnings,
        "allowed": allowed,
    }))
}

fn refusal(e: &ApiError) -> Response<Bytes> {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, &e.to_json())
}

fn json_response(status: StatusCode, v: &Value) -> Response<Bytes> {
    let mut r = Response::new(Bytes::from(v.to_string()));
    *r.status_mut() = status;
    let headers = r.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // Answers name serials and subjects of one operator's request: never cached.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_paths_are_the_verbs_endpoints() {
        assert!(is_api_path("/api/v1/cert/issue"));
        assert!(is_api_path("/api/v1/seal/revoke"));
        assert!(is_api_path("/api/v1/seal/create"));
        assert!(!is_api_path("/api/v1/seal/sign"));
        assert!(!is_api_path("/crl"));
    }

    #[test]
    fn only_seal_create_may_carry_more_than_the_served_bound() {
        assert_eq!(
            body_limit("/api/v1/seal/create", 65536),
            api::MAX_REQUEST_BYTES
        );
        assert_eq!(body_limit("/api/v1/cert/issue", 65536), 65536);
        assert_eq!(body_limit("/crl", 65536), 65536);
        assert_eq!(body_limit("/api/v1/seal/create", 8 << 20), 8 << 20);
    }

    #[test]
    fn a_refusal_carries_the_status_and_json_of_its_error() {
        let r = refusal(&ApiError::Replay { nonce: "ab".into() });
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let v: Value = serde_json::from_slice(r.body()).unwrap();
        assert!(v["error"].as_str().unwrap().contains("replay"), "{v}");
    }
}
