//! The signed request: its envelope, how the client signs it and how the server opens it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::{ApiError, Body, Checked, MAX_REQUEST_BYTES, Verb};
use crate::audit::proof;
use crate::ca::keys::{KeyError, PrivateKey};
use crate::ca::when::rfc3339;

/// A request as sent: JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The fingerprint (SHA-256, hex) of the CA certificate the request is for.
    pub ca: String,
    /// The operator's certificate, base64 DER.
    pub operator: String,
    /// The client's time, RFC 3339.
    pub time: String,
    /// 16 random bytes, lowercase hex.
    pub nonce: String,
    /// What the policy will be asked (`"action resource"`), sorted, each once.
    pub asks: Vec<String>,
    /// The body's exact JSON bytes, base64.
    pub body: String,
    /// What the request asks the CA to do ([`proof::Operative`], JSON text), signed in a
    /// request statement of version 2; absent in a request of version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operative: Option<String>,
    /// The operator's signature over the request statement, base64.
    pub signature: String,
}

/// A request whose signature verified, by an operator certificate not yet checked against the
/// store, with a nonce not yet claimed: only [`open_request`] makes one.
#[derive(Debug, Clone)]
pub struct VerifiedRequest {
    operator: Vec<u8>,
    time: OffsetDateTime,
    time_text: String,
    nonce: String,
    asks: Vec<String>,
    body: Checked,
    body_sha256: String,
    statement: Vec<u8>,
    signature: Vec<u8>,
    operative: Option<String>,
}

impl VerifiedRequest {
    /// The operator's certificate (DER), as sent.
    pub fn operator(&self) -> &[u8] {
        &self.operator
    }

    /// The client's time.
    pub fn time(&self) -> OffsetDateTime {
        self.time
    }

    /// The client's time as signed.
    pub fn time_text(&self) -> &str {
        &self.time_text
    }

    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// The signed asks (`"action resource"`, sorted, each once).
    pub fn asks(&self) -> &[String] {
        &self.asks
    }

    pub fn body(&self) -> &Checked {
        &self.body
    }

    pub fn verb(&self) -> Verb {
        self.body.verb()
    }

    /// The SHA-256 of the body's bytes, lowercase hex.
    pub fn body_sha256(&self) -> &str {
        &self.body_sha256
    }

    /// The request statement the operator signed.
    pub fn statement(&self) -> &[u8] {
        &self.statement
    }

    /// The operative content the operator signed (version 2), as JSON text.
    pub fn operative(&self) -> Option<&str> {
        self.operative.as_deref()
    }

    /// The operator's signature over [`VerifiedRequest::statement`].
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// The asks as signed: sorted, each once.
fn normalized(asks: &[String]) -> Vec<String> {
    let mut asks = asks.to_vec();
    asks.sort();
    asks.dedup();
    asks
}

/// Signs a request for the CA `ca_cert` (client side): the envelope's JSON bytes. `asks` are
/// `"action resource"` (sorted and made unique here), `nonce` fresh random bytes. A request of
/// version 1: [`sign_request_v2`] also binds what the CA is to do.
pub fn sign_request(
    ca_cert: &[u8],
    operator_cert: &[u8],
    key: &PrivateKey,
    body: &Body,
    asks: &[String],
    now: OffsetDateTime,
    nonce: [u8; 16],
) -> Result<Vec<u8>, KeyError> {
    sign(ca_cert, operator_cert, key, body, asks, now, nonce, None)
}

/// Signs a request of version 2: as [`sign_request`], the statement also binding `operative`
/// (the request's [`proof::Operative`]), which the server checks against the body and `audit
/// verify` against the acts recorded.
#[allow(clippy::too_many_arguments)]
pub fn sign_request_v2(
    ca_cert: &[u8],
    operator_cert: &[u8],
    key: &PrivateKey,
    body: &Body,
    asks: &[String],
    now: OffsetDateTime,
    nonce: [u8; 16],
    operative: &proof::Operative,
) -> Result<Vec<u8>, KeyError> {
    sign(
        ca_cert,
        operator_cert,
        key,
        body,
        asks,
        now,
        nonce,
        Some(operative.to_text()),
    )
}

#[allow(clippy::too_many_arguments)]
fn sign(
    ca_cert: &[u8],
    operator_cert: &[u8],
    key: &PrivateKey,
    body: &Body,
    asks: &[String],
    now: OffsetDateTime,
    nonce: [u8; 16],
    operative: Option<String>,
) -> Result<Vec<u8>, KeyError> {
    // Serialising plain strings cannot fail.
    let body = serde_json::to_vec(body).unwrap_or_default();
    let asks = normalized(asks);
    let time = rfc3339(now);
    let nonce = hex::encode(nonce);
    let statement = statement_of(
        ca_cert,
        operator_cert,
        &time,
        &nonce,
        &asks,
        &sha256_hex(&body),
        operative.as_deref(),
    );
    let signature = key.sign(&statement)?;
    let envelope = Envelope {
        ca: proof::fingerprint(ca_cert),
        operator: B64.encode(operator_cert),
        time,
        nonce,
        asks,
        body: B64.encode(&body),
        operative,
        signature: B64.encode(signature),
    };
    Ok(serde_json::to_vec(&envelope).unwrap_or_default())
}

/// The request statement: version 2 with an operative content, else version 1.
fn statement_of(
    ca_cert: &[u8],
    operator_cert: &[u8],
    time: &str,
    nonce: &str,
    asks: &[String],
    body_sha256: &str,
    operative: Option<&str>,
) -> Vec<u8> {
    match operative {
        Some(o) => {
            proof::request_statement_v2(ca_cert, operator_cert, time, nonce, asks, body_sha256, o)
        }
        None => proof::request_statement(ca_cert, operator_cert, time, nonce, asks, body_sha256),
    }
}

/// Opens a request to the CA `ca_cert` at the server's `now` (server side): its size, its
/// shape, that it is for this CA, that its time is within `window` of `now`, that the operator
/// certificate it names signed it, and its body. Claiming the nonce and checking the operator's
/// standing in this CA are left to the caller, which holds the store.
pub fn open_request(
    bytes: &[u8],
    ca_cert: &[u8],
    now: OffsetDateTime,
    window: Duration,
) -> Result<VerifiedRequest, ApiError> {
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(ApiError::TooLarge {
            limit: MAX_REQUEST_BYTES,
        });
    }
    let envelope: Envelope = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::malformed(format!("the request is not a request envelope: {e}")))?;
    let b64 = |what: &str, v: &str| {
        B64.decode(v)
            .map_err(|e| ApiError::malformed(format!("{what} is not base64: {e}")))
    };
    let operator = b64("operator", &envelope.operator)?;
    let body = b64("body", &envelope.body)?;
    let signature = b64("signature", &envelope.signature)?;
    let time = OffsetDateTime::parse(&envelope.time, &Rfc3339).map_err(|_| {
        ApiError::malformed(format!("time `{}` is not an RFC 3339 time", envelope.time))
    })?;
    if envelope.nonce.len() != 32
        || !envelope
            .nonce
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(ApiError::malformed(
            "nonce must be 16 bytes in lowercase hex",
        ));
    }
    if envelope.asks.is_empty() {
        return Err(ApiError::malformed("a request asks something"));
    }
    if envelope.asks != normalized(&envelope.asks) {
        return Err(ApiError::malformed("asks must be sorted, each once"));
    }
    if let Some(bad) = envelope.asks.iter().find(|a| {
        !a.split_once(' ')
            .is_some_and(|(act, res)| !act.is_empty() && !res.is_empty())
    }) {
        return Err(ApiError::malformed(format!(
            "ask `{bad}` is not `action resource`"
        )));
    }
    if envelope.ca != proof::fingerprint(ca_cert) {
        return Err(ApiError::bad_proof(format!(
            "the request is for the CA {}, not this one ({})",
            envelope.ca,
            proof::fingerprint(ca_cert)
        )));
    }
    if (now - time).abs() > window {
        return Err(ApiError::Stale {
            time: envelope.time,
            now: rfc3339(now),
            minutes: window.whole_minutes(),
        });
    }
    let body_sha256 = sha256_hex(&body);
    if let Some(o) = &envelope.operative
        && proof::Operative::parse(o).is_none()
    {
        return Err(ApiError::malformed(
            "operative is not the JSON of what a request asks",
        ));
    }
    let statement = statement_of(
        ca_cert,
        &operator,
        &envelope.time,
        &envelope.nonce,
        &envelope.asks,
        &body_sha256,
        envelope.operative.as_deref(),
    );
    proof::verify(&operator, &statement, &signature).map_err(|e| match e {
        proof::ProofError::BadSignature => ApiError::bad_proof(
            "the request's signature does not verify with the operator certificate it names",
        ),
        other => ApiError::bad_proof(format!("the request's proof cannot be checked: {other}")),
    })?;
    let parsed = Body::parse(&body)?;
    Ok(VerifiedRequest {
        operator,
        time,
        time_text: envelope.time,
        nonce: envelope.nonce,
        asks: envelope.asks,
        body: parsed,
        body_sha256,
        statement,
        signature,
        operative: envelope.operative,
    })
}
