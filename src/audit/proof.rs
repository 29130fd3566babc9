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

/// The fingerprint used to name certificates in statements: SHA-256 of the DER, lowercase hex.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, der).as_ref())
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

/// A proof as kept in an `authz.allow` outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub nonce: String,
    /// How many records after the `authz.allow` record the statement covers.
    pub acts: usize,
    pub signature: Vec<u8>,
}

/// The proof kept in an `authz.allow` outcome, if it carries one.
pub fn parse_outcome(outcome: &str) -> Option<Proof> {
    let (_, proof) = outcome.rsplit_once(PROOF_MARK)?;
    let rest = proof.strip_prefix("nonce=")?;
    let (nonce, rest) = rest.split_once(" acts=")?;
    let (acts, sig) = rest.split_once(" sig=")?;
    if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if acts.is_empty() || !acts.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Proof {
        nonce: nonce.to_string(),
        acts: acts.parse().ok()?,
        signature: B64.decode(sig).ok()?,
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
            verify(&cert, &msg, &proof.signature).map_err(|e| fail(r, e.to_string()))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::keys::{Algorithm, PrivateKey};

    fn self_signed(key: &PrivateKey) -> Vec<u8> {
        let params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.self_signed(key.key_pair()).unwrap().der().to_vec()
    }

    fn act(object: &str) -> Event {
        Event {
            time: "2027-01-04T02:00:00Z".into(),
            actor: "cert:CN=x [01]".into(),
            action: "cert.issue".into(),
            object: object.into(),
            outcome: "ok".into(),
        }
    }

    #[test]
    fn a_statement_signed_by_each_key_type_verifies_and_a_changed_one_does_not() {
        for alg in [
            Algorithm::P256,
            Algorithm::P384,
            Algorithm::Ed25519,
            Algorithm::Rsa3072,
        ] {
            let key = PrivateKey::generate(alg).unwrap();
            let cert = self_signed(&key);
            let acts = [act("serial 0A")];
            let msg = statement(b"ca", &cert, "t", "cert.issue x", "00ff", &acts);
            let sig = key.sign(&msg).unwrap();
            assert_eq!(verify(&cert, &msg, &sig), Ok(()), "{alg:?}");
            let other_ask = statement(b"ca", &cert, "t", "cert.issue y", "00ff", &acts);
            assert!(verify(&cert, &other_ask, &sig).is_err(), "{alg:?}");
            let other_act = statement(b"ca", &cert, "t", "cert.issue x", "00ff", &[act("0B")]);
            assert!(verify(&cert, &other_act, &sig).is_err(), "{alg:?}");
            let stranger = self_signed(&PrivateKey::generate(alg).unwrap());
            assert!(verify(&stranger, &msg, &sig).is_err(), "{alg:?}");
        }
    }

    #[test]
    fn fields_cannot_run_into_each_other() {
        let a = statement(b"ca", b"op", "t", "x\nnonce: 1", "2", &[]);
        let b = statement(b"ca", b"op", "t", "x", "1\nnonce: 2", &[]);
        assert_ne!(a, b);
        let c = statement(b"ca", b"op", "t", "a b", "1", &[]);
        let d = statement(b"ca", b"op", "t", "a\nb", "1", &[]);
        assert_ne!(c, d);
        // Moving text between the asks and an act changes the bytes too.
        let e = statement(b"ca", b"op", "t", "x", "1", &[act("y")]);
        let f = statement(b"ca", b"op", "t", "xy", "1", &[act("")]);
        assert_ne!(e, f);
    }

    #[test]
    fn outcome_round_trips_and_junk_is_no_proof() {
        let text = outcome("ca-officer-issue", None, "0a1b", 3, &[1, 2, 3, 255]);
        assert_eq!(
            parse_outcome(&text),
            Some(Proof {
                nonce: "0a1b".into(),
                acts: 3,
                signature: vec![1, 2, 3, 255]
            })
        );
        assert_eq!(parse_outcome("allowed by x"), None);
        assert_eq!(
            parse_outcome("allowed; proof: nonce= acts=1 sig=AQID"),
            None
        );
        assert_eq!(
            parse_outcome("allowed; proof: nonce=zz acts=1 sig=AQID"),
            None
        );
        assert_eq!(
            parse_outcome("allowed; proof: nonce=01 acts=-1 sig=AQID"),
            None
        );
        assert_eq!(
            parse_outcome("allowed; proof: nonce=01 acts=1 sig=!!"),
            None
        );
        assert_eq!(
            parse_outcome("allowed; proof: nonce=01 acts=99999999999999999999999 sig=AQID"),
            None
        );
    }

    #[test]
    fn actor_serials() {
        assert_eq!(
            actor_serial("cert:CN=王五,OU=信息中心 [0A1B]"),
            Some("0A1B")
        );
        assert_eq!(actor_serial("cert:CN=a [b] [00]"), Some("00"));
        assert_eq!(actor_serial("local:root"), None);
        assert_eq!(actor_serial("cert:CN=x [zz]"), None);
    }

    #[test]
    fn a_statement_signed_sm2_verifies_and_a_changed_one_does_not() {
        let now = time::macros::datetime!(2027-01-04 02:00 UTC);
        let cert_of = |key: &PrivateKey| {
            let dn = crate::ca::dn::Dn::parse("CN=x,O=Test,C=CN").unwrap();
            let serial = crate::ca::serial::Serial::from_random([1; 16]);
            crate::ca::issue::self_signed_root(
                key,
                &dn,
                &serial,
                now,
                now + time::Duration::days(9),
            )
            .unwrap()
        };
        let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
        let cert = cert_of(&key);
        let acts = [act("serial 0A")];
        let msg = statement(b"ca", &cert, "t", "cert.issue x", "00ff", &acts);
        let sig = key.sign(&msg).unwrap();
        assert_eq!(verify(&cert, &msg, &sig), Ok(()));
        let other = statement(b"ca", &cert, "t", "cert.issue y", "00ff", &acts);
        assert_eq!(verify(&cert, &other, &sig), Err(ProofError::BadSignature));
        let stranger = cert_of(&PrivateKey::generate(Algorithm::Sm2).unwrap());
        assert_eq!(verify(&stranger, &msg, &sig), Err(ProofError::BadSignature));

        // Only the DER SEQUENCE { r, s } of GM/T 0009 is an SM2 statement signature: not the
        // raw r || s, not with a byte after it, not a signature made with another user ID
        // (OpenSSL's default is the empty one).
        let parsed = crate::pkix::sig::sm2_signature(&sig).unwrap();
        let raw = parsed.to_bytes();
        assert_eq!(verify(&cert, &msg, &raw), Err(ProofError::BadSignature));
        let mut trailing = sig.clone();
        trailing.push(0);
        assert_eq!(
            verify(&cert, &msg, &trailing),
            Err(ProofError::BadSignature)
        );
        let signing = key.sm2_signing_key().unwrap();
        let empty_id =
            sm2::dsa::SigningKey::from_nonzero_scalar("", *signing.as_nonzero_scalar()).unwrap();
        let other_id: sm2::dsa::Signature =
            sm2::dsa::signature::Signer::try_sign(&empty_id, &msg).unwrap();
        // (A good signature under the empty ID: the control is not broken.)
        assert!(
            sm2::dsa::signature::Verifier::verify(empty_id.verifying_key(), &msg, &other_id)
                .is_ok()
        );
        let other_id = crate::ca::keys::sm2_signature_der(&other_id);
        assert_eq!(
            verify(&cert, &msg, &other_id),
            Err(ProofError::BadSignature)
        );
    }
}
