//! Governance of a request to the CA service: the verified request proves the operator present
//! (no operator key on the server), the signed asks must be the ones the server derives, the
//! policy is decided with the listener's domain and the server's clock, and each state change
//! is recorded with the operator's request signature and the CA's signature over the request
//! and the acts (see [`crate::audit::proof`]).

use time::OffsetDateTime;

use super::{
    Allowed, Ask, Authorized, OperatorRefusal, context_of, deny, operator_is_trusted, operator_name,
};
use crate::api::{ApiError, VerifiedRequest};
use crate::audit::{Event, proof};
use crate::authz::{self, Request};
use crate::ca::keys::PrivateKey;
use crate::ca::when::rfc3339;
use crate::ops::common::{self, OpenCa};
use crate::ops::policy;

/// The asks as signed: `"action resource"`, sorted, each once.
pub fn ask_texts(asks: &[Ask]) -> Vec<String> {
    let mut out: Vec<String> = asks
        .iter()
        .map(|a| format!("{} {}", a.action, a.resource))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// An [`crate::ops::Error`] as a 500, or as a 403 when it is a deny.
fn from_ops(err: crate::ops::Error) -> ApiError {
    match err.denied() {
        Some(d) => ApiError::Denied {
            message: d.summary.clone(),
            explanation: d.explanation.clone(),
            hint: err.hint().map(str::to_string),
        },
        None => ApiError::internal(err.message()),
    }
}

/// Asks the home's policy about `asks` (derived by the server from the request's body) for the
/// operator of `request`, in the listener's `domain`, at the server's `now`. On allow, arms the
/// store so that the one state change that follows is recorded with both signatures (the CA's
/// made with `ca_key`). A home without a policy is refused: through the service, only a policy
/// says who may act.
pub fn authorize_request(
    open: &mut OpenCa,
    request: &VerifiedRequest,
    asks: &[Ask],
    domain: Option<&str>,
    now: OffsetDateTime,
    ca_key: &PrivateKey,
) -> Result<Authorized, ApiError> {
    let Some(policy_path) = open.meta.policy.clone() else {
        return Err(ApiError::Denied {
            message:
                "this CA is governed by no policy: the service acts for no operator without one"
                    .into(),
            explanation: String::new(),
            hint: Some("pin a policy with `govpki ca policy PATH`".into()),
        });
    };
    let der = request.operator().to_vec();
    let operator = operator_name(&der);
    let derived = ask_texts(asks);
    let first_ask = derived.first().cloned().unwrap_or_default();
    if let Err(why) = operator_is_trusted(open, &der, now) {
        // An operator of this CA no longer in good standing is recorded, as locally; a stranger
        // (a certificate this CA never issued) is not, or anyone could fill the log.
        if matches!(why, OperatorRefusal::NotValid { .. }) {
            let err = deny(
                now,
                open,
                &operator,
                first_ask,
                format!("denied: operator certificate not accepted: {why}"),
                String::new(),
            );
            if err.denied().is_none() {
                return Err(from_ops(err));
            }
        }
        return Err(ApiError::bad_proof(format!(
            "the operator certificate is not accepted: {why}"
        )));
    }
    if request.asks() != derived.as_slice() {
        return Err(ApiError::AsksDiffer {
            signed: request.asks().to_vec(),
            derived,
        });
    }
    let (policy, version) = policy::load_governing(&open.store, std::path::Path::new(&policy_path))
        .map_err(|e| from_ops(e.into()))?;
    let subject = authz::subject_from_cert(&der)
        .map_err(|e| ApiError::internal(format!("reading the operator certificate: {e}")))?;
    let mut asks = asks.to_vec();
    asks.sort();
    asks.dedup();
    let mut allowed = Vec::new();
    for ask in &asks {
        let req = Request {
            subject: subject.clone(),
            action: ask.action.to_string(),
            resource: ask.resource.clone(),
            context: context_of(domain, now, ask),
        };
        let decision = policy.explain(&req, now);
        if !decision.allow {
            let summary = format!(
                "denied by policy: {} on `{}`: {}",
                ask.action, ask.resource, decision.reason
            );
            let err = deny(
                now,
                open,
                &operator,
                format!("{} {}", ask.action, ask.resource),
                format!("denied: {}", decision.reason),
                summary.clone(),
            );
            if err.denied().is_none() {
                return Err(from_ops(err));
            }
            return Err(ApiError::Denied {
                message: summary,
                explanation: authz::explain_text(&decision),
                hint: None,
            });
        }
        allowed.push(Allowed {
            action: ask.action,
            resource: ask.resource.clone(),
            rule: decision.rule.clone().unwrap_or_else(|| "-".into()),
        });
    }
    arm(
        open, request, &asks, &allowed, version, domain, now, ca_key, &operator,
    )?;
    Ok(Authorized {
        actor: operator,
        allowed,
    })
}

/// From here on the next state change of this store is recorded with the operator's request
/// signature and the CA's signature over the request statement followed by the acts. One
/// request, one state change: a second one is refused (its nonce would appear twice).
#[allow(clippy::too_many_arguments)]
fn arm(
    open: &mut OpenCa,
    request: &VerifiedRequest,
    asks: &[Ask],
    allowed: &[Allowed],
    version: String,
    domain: Option<&str>,
    now: OffsetDateTime,
    ca_key: &PrivateKey,
    operator: &str,
) -> Result<(), ApiError> {
    if common::spki_of(&open.meta.cert_der).ok() != Some(ca_key.spki_der()) {
        return Err(ApiError::internal(
            "the CA key given to the service does not match the CA certificate",
        ));
    }
    let time = rfc3339(now);
    let super::Recorded {
        asks_text,
        rules,
        decided,
        signed_asks,
    } = super::Recorded::of(asks, allowed, version, domain.map(str::to_string));
    let key = ca_key
        .try_clone()
        .map_err(|e| ApiError::internal(format!("holding the CA key: {e}")))?;
    let ca_cert = open.meta.cert_der.clone();
    let der = request.operator().to_vec();
    let request_statement = request.statement().to_vec();
    let nonce = request.nonce().to_string();
    let operator_signature = request.signature().to_vec();
    let request_proof = proof::RequestProof {
        time: request.time_text().to_string(),
        asks: request.asks().to_vec(),
        body_sha256: request.body_sha256().to_string(),
        operative: request.operative().map(str::to_string),
        ca_signature: Vec::new(),
    };
    let actor = operator.to_string();
    let mut used = false;
    open.store.set_act_signer(Box::new(move |acts| {
        if std::mem::replace(&mut used, true) {
            return Err("one request to the service makes one state change".into());
        }
        let acts_statement = proof::statement(&ca_cert, &der, &time, &signed_asks, &nonce, acts);
        let server = proof::server_statement(&request_statement, &acts_statement);
        let ca_signature = key.sign(&server).map_err(|e| e.to_string())?;
        // A signature that does not verify would only be found by the next `audit verify`.
        proof::verify(&ca_cert, &server, &ca_signature).map_err(|e| e.to_string())?;
        let proof = proof::Proof {
            nonce: nonce.clone(),
            acts: acts.len(),
            signature: operator_signature.clone(),
            request: None,
        };
        let request = proof::RequestProof {
            ca_signature,
            ..request_proof.clone()
        };
        Ok(Event {
            time: time.clone(),
            actor: actor.clone(),
            action: "authz.allow".into(),
            object: asks_text.clone(),
            outcome: proof::outcome_of_request(&rules, Some(&decided), &proof, &request),
        })
    }));
    Ok(())
}
