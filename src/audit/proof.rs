//! Operator statements: the signed half of "no one can deny it later" (责任认定).
//!
//! The hash chain shows that the log was not edited after the fact, but whoever can write the
//! database can also rebuild the chain. In a CA governed by a policy, every state change made by
//! an operator is therefore also signed by the operator: the operator's key signs a statement
//! naming this CA, the operator's certificate, the time, what the policy was asked, a fresh
//! nonce, and every audit record of the change (serials, subjects, reasons). The signature is
//! kept in the `authz.allow` record that precedes those records, with their count. `audit
//! verify` checks each signature against the operator's certificate in the store, that no
//! statement appears twice, and that every act recorded under an operator's name is covered by
//! one; so a forged, altered, copied or orphaned act is caught even when the chain was rebuilt
//! around it, and an operator cannot later say an act was not theirs. (Deleting a whole signed
//! act together with its statement needs the chain head kept elsewhere to be seen.)
//!
//! Through the CA service (docs/api.md) the operator cannot sign the acts, which the server
//! computes: the operator signs a *request statement* (this CA, the operator, the client's time,
//! a nonce, the asks, the SHA-256 of the request body), and the server signs with the CA key a
//! *server statement* over that request statement followed by the acts (the operator statement
//! bytes above, with the server's time and decision). The `authz.allow` record keeps both
//! signatures and the request's fields; `audit verify` checks both.
//!
//! Pure: bytes in, bytes out.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::signature;

use super::{Break, Event, Record};

/// Why an operator's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("the operator certificate does not parse: {0}")]
    Certificate(String),
    #[error("unsupported operator key type {0}")]
    KeyType(String),
    #[error("the operator's signature does not verify")]
    BadSignature,
}

/// What precedes the proof in an `authz.allow` outcome.
const PROOF_MARK: &str = "; proof: ";

/// How far a request's time may be from the server's clock (and from the record's time).
pub const REQUEST_WINDOW: time::Duration = time::Duration::minutes(5);

/// The fingerprint used to name certificates in statements: SHA-256 of the DER, lowercase hex.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, der).as_ref())
}

/// The SHA-256 (hex) of a certificate's SubjectPublicKeyInfo, as a `cert.issue` record keeps
/// it (`; spki=`) and a request's [`Operative`] names it; `None` when `cert_der` does not parse.
pub fn spki_fingerprint(cert_der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der).ok()?;
    Some(fingerprint(cert.public_key().raw))
}

/// The exact bytes an operator signs for one allowed state change: every field length-prefixed
/// (so no two different statements share bytes), then the audit events it covers.
pub fn statement(
    ca_cert: &[u8],
    operator_cert: &[u8],
    time: &str,
    asks: &str,
    nonce: &str,
    acts: &[Event],
) -> Vec<u8> {
    let mut out = b"govpki operator statement v2\0".to_vec();
    let mut field = |bytes: &[u8]| {
        out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        out.extend_from_slice(bytes);
    };
    field(fingerprint(ca_cert).as_bytes());
    field(fingerprint(operator_cert).as_bytes());
    field(time.as_bytes());
    field(asks.as_bytes());
    field(nonce.as_bytes());
    field(&(acts.len() as u64).to_be_bytes());
    for act in acts {
        for f in [
            &act.time,
            &act.actor,
            &act.action,
            &act.object,
            &act.outcome,
        ] {
            field(f.as_bytes());
        }
    }
    out
}

/// Appends `bytes` to `out`, prefixed with its length (u64, big-endian).
fn push_field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The exact bytes an operator signs for one request to the CA service: every field
/// length-prefixed after its own domain separator, so it can never be read as an operator or
/// server statement. `asks` are `"action resource"`, in the order sent (sorted, without
/// duplicates, by the client); `body_sha256` is the lowercase hex SHA-256 of the body's bytes.
pub fn request_statement(
    ca_cert: &[u8],
    operator_cert: &[u8],
    time: &str,
    nonce: &str,
    asks: &[String],
    body_sha256: &str,
) -> Vec<u8> {
    let mut out = b"govpki request statement v1\0".to_vec();
    push_field(&mut out, fingerprint(ca_cert).as_bytes());
    push_field(&mut out, fingerprint(operator_cert).as_bytes());
    push_field(&mut out, time.as_bytes());
    push_field(&mut out, nonce.as_bytes());
    push_field(&mut out, &(asks.len() as u64).to_be_bytes());
    for ask in asks {
        push_field(&mut out, ask.as_bytes());
    }
    push_field(&mut out, body_sha256.as_bytes());
    out
}

/// The request statement of version 2: the fields of [`request_statement`] under its own
/// separator, then `operative`, the JSON text of the request's operative content
/// ([`Operative`]), so the operator's signature binds what the CA is to do (the key it
/// certifies, the serials it revokes) and not only the body's hash, which the log does not
/// keep. Version 1 (without it) stays readable for logs written before.
pub fn request_statement_v2(
    ca_cert: &[u8],
    operator_cert: &[u8],
    time: &str,
    nonce: &str,
    asks: &[String],
    body_sha256: &str,
    operative: &str,
) -> Vec<u8> {
    let mut out = b"govpki request statement v2\0".to_vec();
    let v1 = request_statement(ca_cert, operator_cert, time, nonce, asks, body_sha256);
    let fields = v1
        .strip_prefix(b"govpki request statement v1\0".as_slice())
        .unwrap_or(&v1);
    out.extend_from_slice(fields);
    push_field(&mut out, operative.as_bytes());
    out
}

/// The exact bytes the server signs with the CA key for a request it carried out: the
/// operator's request statement, then the acts (the [`statement`] of the record's time,
/// decision and audit events).
pub fn server_statement(request_statement: &[u8], acts_statement: &[u8]) -> Vec<u8> {
    let mut out = b"govpki server statement v1\0".to_vec();
    push_field(&mut out, request_statement);
    push_field(&mut out, acts_statement);
    out
}

/// What the policy was asked for one allowed state change, and under which pinned policy
/// version: enough for `audit verify` to decide it again. Kept (base64 JSON) in the
/// `authz.allow` outcome and covered by the operator's statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Decided {
    /// The policy version ([`crate::authz::pin::version`] of its sources).
    pub policy: String,
    /// The `--domain` of the run, if any.
    pub domain: Option<String>,
    pub asks: Vec<DecidedAsk>,
}

/// One question asked of the policy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DecidedAsk {
    pub action: String,
    pub resource: String,
    /// Context keys besides `domain` and `time` (the record's time).
    #[serde(default)]
    pub context: std::collections::BTreeMap<String, String>,
}

impl Decided {
    /// The `decided=` field value.
    pub fn encode(&self) -> String {
        // Serialising plain strings and maps cannot fail.
        B64.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a `decided=` field value.
    pub fn decode(value: &str) -> Option<Decided> {
        serde_json::from_slice(&B64.decode(value).ok()?).ok()
    }

    /// The decision record of an `authz.allow` outcome, if it has one.
    pub fn of_outcome(outcome: &str) -> Option<Decided> {
        let (head, _) = outcome.rsplit_once(PROOF_MARK)?;
        Decided::decode(super::binding::field(head, "decided")?)
    }
}

/// What the operator's statement covers as "what was asked": the record's object, and the
/// decision record when there is one.
pub fn asks_signed(object: &str, decided: Option<&str>) -> String {
    match decided {
        Some(d) => format!("{object}\n{d}"),
        None => object.to_string(),
    }
}

/// The outcome text of an `authz.allow` record: the deciding rules, the policy version and the
/// decision record, then the proof (the nonce, how many of the following records the statement
/// covers, the signature).
pub fn outcome(
    rules: &str,
    decided: Option<&Decided>,
    nonce: &str,
    acts: usize,
    signature: &[u8],
) -> String {
    let decided = decided
        .map(|d| format!("; policy={}; decided={}", d.policy, d.encode()))
        .unwrap_or_default();
    format!(
        "allowed by {rules}{decided}{PROOF_MARK}nonce={nonce} acts={acts} sig={}",
        B64.encode(signature)
    )
}

/// The outcome text of an `authz.allow` record of a request to the CA service: as [`outcome`],
/// with `sig` the operator's signature over the request statement, then the request's fields
/// and the CA's signature over the server statement.
pub fn outcome_of_request(
    rules: &str,
    decided: Option<&Decided>,
    proof: &Proof,
    request: &RequestProof,
) -> String {
    let fields = RequestFields {
        time: request.time.clone(),
        asks: request.asks.clone(),
        body_sha256: request.body_sha256.clone(),
        operative: request.operative.clone(),
    };
    // Serialising plain strings cannot fail.
    let fields = B64.encode(serde_json::to_vec(&fields).unwrap_or_default());
    format!(
        "{} request={fields} casig={}",
        outcome(rules, decided, &proof.nonce, proof.acts, &proof.signature),
        B64.encode(&request.ca_signature)
    )
}

/// A proof as kept in an `authz.allow` outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub nonce: String,
    /// How many records after the `authz.allow` record the statement covers.
    pub acts: usize,
    /// The operator's signature: over the operator statement (local), or over the request
    /// statement (through the service).
    pub signature: Vec<u8>,
    /// What a request through the CA service adds.
    pub request: Option<RequestProof>,
}

/// The request an act through the CA service was carried out for, and the CA's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestProof {
    /// The client's time, as it signed it.
    pub time: String,
    /// The asks the operator signed (`"action resource"`).
    pub asks: Vec<String>,
    /// The lowercase hex SHA-256 of the request body.
    pub body_sha256: String,
    /// The request's operative content ([`Operative`] as JSON text), signed in a version 2
    /// request statement; `None` for a request of version 1.
    pub operative: Option<String>,
    /// The CA key's signature over the [`server_statement`].
    pub ca_signature: Vec<u8>,
}

/// The request's fields as kept (base64 JSON) in the `request=` part of a proof.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestFields {
    time: String,
    asks: Vec<String>,
    body_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operative: Option<String>,
}

/// The proof kept in an `authz.allow` outcome, if it carries one.
pub fn parse_outcome(outcome: &str) -> Option<Proof> {
    let (_, proof) = outcome.rsplit_once(PROOF_MARK)?;
    let rest = proof.strip_prefix("nonce=")?;
    let (nonce, rest) = rest.split_once(" acts=")?;
    let (acts, rest) = rest.split_once(" sig=")?;
    if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if acts.is_empty() || !acts.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut parts = rest.split(' ');
    let sig = parts.next()?;
    let request = match (parts.next(), parts.next(), parts.next()) {
        (None, _, _) => None,
        (Some(fields), Some(casig), None) => {
            let fields = fields.strip_prefix("request=")?;
            let casig = casig.strip_prefix("casig=")?;
            let fields: RequestFields = serde_json::from_slice(&B64.decode(fields).ok()?).ok()?;
            Some(RequestProof {
                time: fields.time,
                asks: fields.asks,
                body_sha256: fields.body_sha256,
                operative: fields.operative,
                ca_signature: B64.decode(casig).ok()?,
            })
        }
        _ => return None,
    };
    Some(Proof {
        nonce: nonce.to_string(),
        acts: acts.parse().ok()?,
        signature: B64.decode(sig).ok()?,
        request,
    })
}

/// The serial (hex) of the operator named by an audit actor `cert:<name> [<serial>]`.
pub fn actor_serial(actor: &str) -> Option<&str> {
    let rest = actor.strip_prefix("cert:")?.strip_suffix(']')?;
    let (_, serial) = rest.rsplit_once(" [")?;
    (!serial.is_empty() && serial.bytes().all(|b| b.is_ascii_hexdigit())).then_some(serial)
}

/// Checks `sig` over `msg` with the public key of `cert_der`, for the signature algorithm govpki
/// keys make for that key type (ECDSA P-256 with SHA-256, P-384 with SHA-384, Ed25519, RSA
/// PKCS#1 v1.5 with SHA-256, SM2 with SM3 and the GM/T 0009 user ID `1234567812345678`; ECDSA
/// and SM2 signatures are DER `SEQUENCE { r, s }`, nothing else).
pub fn verify(cert_der: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), ProofError> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
        .map_err(|e| ProofError::Certificate(e.to_string()))?;
    let spki = cert.public_key();
    let key_oid = spki.algorithm.algorithm.to_id_string();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let alg: &dyn signature::VerificationAlgorithm = match (key_oid.as_str(), curve.as_deref()) {
        ("1.2.840.10045.2.1", Some("1.2.840.10045.3.1.7")) => &signature::ECDSA_P256_SHA256_ASN1,
        ("1.2.840.10045.2.1", Some("1.3.132.0.34")) => &signature::ECDSA_P384_SHA384_ASN1,
        ("1.3.101.112", _) => &signature::ED25519,
        ("1.2.840.113549.1.1.1", _) => &signature::RSA_PKCS1_2048_8192_SHA256,
        ("1.2.840.10045.2.1", Some("1.2.156.10197.1.301")) => {
            return verify_sm2(spki.raw, msg, sig);
        }
        (k, c) => {
            return Err(ProofError::KeyType(format!(
                "{k}{}",
                c.map(|c| format!(" ({c})")).unwrap_or_default()
            )));
        }
    };
    signature::UnparsedPublicKey::new(alg, spki.subject_public_key.data.as_ref())
        .verify(msg, sig)
        .map_err(|_| ProofError::BadSignature)
}

/// SM2-with-SM3 with the GM/T 0009 default user ID, through the one verifier (`pkix::sig`).
fn verify_sm2(spki_der: &[u8], msg: &[u8], sig: &[u8]) -> Result<(), ProofError> {
    use crate::pkix::sig::{DefaultVerifier, SignatureVerifier, oid};
    use der::Decode;
    let spki = spki::SubjectPublicKeyInfoOwned::from_der(spki_der)
        .map_err(|e| ProofError::Certificate(e.to_string()))?;
    let alg = spki::AlgorithmIdentifierOwned {
        oid: oid::SM2_WITH_SM3,
        parameters: None,
    };
    DefaultVerifier::default()
        .verify(&spki, &alg, msg, sig)
        .map_err(|_| ProofError::BadSignature)
}

/// Checks every operator signature in a log whose hash chain is intact: each `authz.allow`
/// carries a proof that verifies over the records it covers, no proof appears twice, every
/// record a statement covers names the statement's operator as its actor, and every act
/// recorded under an operator's name (`cert:` actor, other than `authz.*` records) is covered
/// by one. Once a policy governs the CA (a `ca.policy` record setting one, or a `ca.init` that
/// pinned one), every state change must be covered, whoever its actor.
///
/// `operator_cert` is given the operator's serial (hex) and the `authz.allow` record, and
/// returns the operator's certificate if it is accepted as that operator at that time (the
/// caller checks its chain to this CA, its validity then, that it is no CA, and that the
/// record's actor names it). Returns the number of signed state changes, or the first record
/// that fails and why.
pub fn verify_signed_acts(
    records: &[Record],
    ca_cert: &[u8],
    operator_cert: impl Fn(&str, &Record) -> Result<Vec<u8>, String>,
) -> Result<usize, Break> {
    let fail = |r: &Record, reason: String| Break { seq: r.seq, reason };
    let mut nonces = std::collections::HashMap::new();
    let mut covered_until = 0usize;
    let mut signed = 0usize;
    let mut governed = false;
    for (i, r) in records.iter().enumerate() {
        let covered = signed > 0 && i <= covered_until;
        if r.action == "authz.allow" {
            let proof = parse_outcome(&r.outcome)
                .ok_or_else(|| fail(r, "an allowed act without its operator's signature".into()))?;
            if let Some(first) = nonces.insert(proof.nonce.clone(), r.seq) {
                return Err(fail(
                    r,
                    format!("the operator's statement of record {first} appears again"),
                ));
            }
            let covered_records = records
                .get(i + 1..)
                .and_then(|rest| rest.get(..proof.acts))
                .ok_or_else(|| {
                    fail(
                        r,
                        format!("it covers {} records that are missing", proof.acts),
                    )
                })?;
            let acts: Vec<Event> = covered_records
                .iter()
                .map(|a| Event {
                    time: a.time.clone(),
                    actor: a.actor.clone(),
                    action: a.action.clone(),
                    object: a.object.clone(),
                    outcome: a.outcome.clone(),
                })
                .collect();
            let serial = actor_serial(&r.actor).ok_or_else(|| {
                fail(
                    r,
                    format!("the actor `{}` names no operator certificate", r.actor),
                )
            })?;
            let cert = operator_cert(serial, r).map_err(|e| fail(r, e))?;
            let decided = r
                .outcome
                .rsplit_once(PROOF_MARK)
                .and_then(|(head, _)| super::binding::field(head, "decided"));
            let asks = asks_signed(&r.object, decided);
            let msg = statement(ca_cert, &cert, &r.time, &asks, &proof.nonce, &acts);
            match &proof.request {
                None => {
                    verify(&cert, &msg, &proof.signature).map_err(|e| fail(r, e.to_string()))?
                }
                Some(request) => {
                    verify_request_proof(r, ca_cert, &cert, &proof, request, &msg)
                        .map_err(|reason| fail(r, reason))?;
                    if let Some(text) = &request.operative {
                        operative::check(r, text, covered_records, &records[..i])?;
                    }
                }
            }
            // A statement speaks only for its own operator's acts.
            if let Some(other) = covered_records.iter().find(|a| a.actor != r.actor) {
                return Err(fail(
                    other,
                    format!(
                        "an act by `{}` covered by the statement of another operator, `{}` (record {})",
                        other.actor, r.actor, r.seq
                    ),
                ));
            }
            covered_until = i + proof.acts;
            signed += 1;
        } else if !r.action.starts_with("authz.") {
            if (r.actor.starts_with("cert:") || governed) && !covered {
                return Err(fail(
                    r,
                    if governed {
                        format!(
                            "a state change by `{}` under the pinned policy that no signed statement of an operator covers",
                            r.actor
                        )
                    } else {
                        format!(
                            "an act by the operator `{}` that no signed statement of the operator covers",
                            r.actor
                        )
                    },
                ));
            }
            match r.action.as_str() {
                "ca.policy" => governed = r.object != "(none)",
                "ca.init" => {
                    governed = governed || super::binding::field(&r.outcome, "policy").is_some()
                }
                _ => {}
            }
        }
    }
    Ok(signed)
}

/// The two signatures of an act carried out for a request to the CA service: the operator's
/// over the request, and the CA's over the request followed by the acts (`acts_statement`).
/// The asks the operator signed must be those the record decided, and the request's time
/// within [`REQUEST_WINDOW`] of the record's.
fn verify_request_proof(
    r: &Record,
    ca_cert: &[u8],
    operator_cert: &[u8],
    proof: &Proof,
    request: &RequestProof,
    acts_statement: &[u8],
) -> Result<(), String> {
    let signed = match &request.operative {
        None => request_statement(
            ca_cert,
            operator_cert,
            &request.time,
            &proof.nonce,
            &request.asks,
            &request.body_sha256,
        ),
        Some(operative) => request_statement_v2(
            ca_cert,
            operator_cert,
            &request.time,
            &proof.nonce,
            &request.asks,
            &request.body_sha256,
            operative,
        ),
    };
    verify(operator_cert, &signed, &proof.signature)
        .map_err(|e| format!("the operator's request: {e}"))?;
    verify(
        ca_cert,
        &server_statement(&signed, acts_statement),
        &request.ca_signature,
    )
    .map_err(|e| {
        format!("the CA's signature over the operator's request and its acts does not verify ({e})")
    })?;
    let decided = Decided::of_outcome(&r.outcome)
        .ok_or_else(|| "an act through the CA service without its decision record".to_string())?;
    let mut decided_asks: Vec<String> = decided
        .asks
        .iter()
        .map(|a| format!("{} {}", a.action, a.resource))
        .collect();
    decided_asks.sort();
    decided_asks.dedup();
    if decided_asks != request.asks {
        return Err(format!(
            "the operator asked `{}`, but the record decided `{}`",
            request.asks.join("; "),
            decided_asks.join("; ")
        ));
    }
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    };
    match (parse(&request.time), parse(&r.time)) {
        (Some(asked), Some(done)) if (done - asked).abs() <= REQUEST_WINDOW => Ok(()),
        (Some(_), Some(_)) => Err(format!(
            "the request of {} was carried out at {}, outside the window of {} minutes",
            request.time,
            r.time,
            REQUEST_WINDOW.whole_minutes()
        )),
        _ => Err(format!(
            "the request's time `{}` or the record's time `{}` does not parse",
            request.time, r.time
        )),
    }
}

mod operative;

pub use operative::Operative;

#[cfg(test)]
mod tests;
