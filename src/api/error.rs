//! Why a request to the operator API was refused, with its HTTP status and JSON answer.

use serde_json::{Value, json};

/// A refusal of the operator API. Every variant names its status ([`ApiError::status`]); the
/// answer body is [`ApiError::to_json`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 400: the request does not parse or says something impossible.
    #[error("{message}")]
    Malformed {
        message: String,
        hint: Option<String>,
    },
    /// 400: the operator signed other asks than the server derives from the body.
    #[error("the signed asks `{}` are not what this request asks: `{}`", signed.join("; "), derived.join("; "))]
    AsksDiffer {
        signed: Vec<String>,
        derived: Vec<String>,
    },
    /// 401: the proof is missing, does not verify, or is by an operator this CA does not accept.
    #[error("{message}")]
    BadProof { message: String },
    /// 401: the client's time is outside the window around the server's.
    #[error("the request's time {time} is more than {minutes} minutes from the server's {now}")]
    Stale {
        time: String,
        now: String,
        minutes: i64,
    },
    /// 401: the nonce was seen already.
    #[error("the request's nonce {nonce} was seen already: a replay")]
    Replay { nonce: String },
    /// 403: the policy denies (audited as denied), or the CA is governed by none.
    #[error("{message}")]
    Denied {
        message: String,
        /// The explanation, as `authz explain` gives it (may be empty).
        explanation: String,
        hint: Option<String>,
    },
    /// 409: the state does not allow it (already revoked, not on hold).
    #[error("{message}")]
    Conflict { message: String },
    /// 413: the request is larger than the server reads.
    #[error("the request is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// 500: the server failed (never a panic).
    #[error("{message}")]
    Internal { message: String },
}

impl ApiError {
    /// A 400 without a hint.
    pub fn malformed(message: impl Into<String>) -> ApiError {
        ApiError::Malformed {
            message: message.into(),
            hint: None,
        }
    }

    /// A 401.
    pub fn bad_proof(message: impl Into<String>) -> ApiError {
        ApiError::BadProof {
            message: message.into(),
        }
    }

    /// A 500.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::Internal {
            message: message.into(),
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Malformed { .. } | ApiError::AsksDiffer { .. } => 400,
            ApiError::BadProof { .. } | ApiError::Stale { .. } | ApiError::Replay { .. } => 401,
            ApiError::Denied { .. } => 403,
            ApiError::Conflict { .. } => 409,
            ApiError::TooLarge { .. } => 413,
            ApiError::Internal { .. } => 500,
        }
    }

    /// What the client can do about it, when known.
    pub fn hint(&self) -> Option<String> {
        match self {
            ApiError::Malformed { hint, .. } | ApiError::Denied { hint, .. } => hint.clone(),
            ApiError::AsksDiffer { .. } => Some(
                "sign a new request with the asks this server derives (`asks`), after checking them"
                    .into(),
            ),
            ApiError::Stale { .. } => {
                Some("check the client's clock, and sign a new request".into())
            }
            ApiError::Replay { .. } => Some("sign a new request, with a fresh nonce".into()),
            ApiError::TooLarge { .. } => {
                Some("split the request (fewer serials per revocation)".into())
            }
            ApiError::BadProof { .. } | ApiError::Conflict { .. } | ApiError::Internal { .. } => {
                None
            }
        }
    }

    /// The answer's body: `{"error", "hint"}`, plus `explanation` for a deny and `asks` (the
    /// server's) when the signed asks differ.
    pub fn to_json(&self) -> Value {
        let mut v = json!({ "error": self.to_string(), "hint": self.hint() });
        match self {
            ApiError::Denied { explanation, .. } if !explanation.is_empty() => {
                v["explanation"] = json!(explanation);
            }
            ApiError::AsksDiffer { derived, .. } => v["asks"] = json!(derived),
            _ => {}
        }
        v
    }
}
