//! Operator statements: the signed half of "no one can deny it later" (责任认定).
//!
//! The hash chain shows that the log was not edited after the fact, but whoever can write the
//! database can also rebuild the chain. In a CA governed by a policy, every allowed act is
//! therefore also signed by the operator: the operator's key signs a statement naming this CA,
//! the operator's certificate, the time, what was asked and a fresh nonce, and the signature is
//! kept in the `authz.allow` audit record. `audit verify` checks each such signature against the
//! operator's certificate in the store, so a forged or altered allow record is caught even when
//! the chain was rebuilt around it, and an operator cannot later say the act was not theirs.
//!
//! Pure: bytes in, bytes out.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::signature;

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

/// The exact bytes an operator signs for one allowed act.
///
/// `asks` is the audit record's object (every action and resource asked, in order); `time` its
/// time. Each field is on its own line and none may contain a line break, so two different
/// statements never share bytes.
pub fn statement(
    ca_cert: &[u8],
    operator_cert: &[u8],
    time: &str,
    asks: &str,
    nonce: &str,
) -> Vec<u8> {
    let one_line = |s: &str| s.replace(['\n', '\r'], " ");
    format!(
        "govpki operator statement v1\nca: {}\noperator: {}\ntime: {}\nasks: {}\nnonce: {}\n",
        fingerprint(ca_cert),
        fingerprint(operator_cert),
        one_line(time),
        one_line(asks),
        one_line(nonce),
    )
    .into_bytes()
}

/// The outcome text of an `authz.allow` record: the deciding rules, then the proof.
pub fn outcome(rules: &str, nonce: &str, signature: &[u8]) -> String {
    format!(
        "allowed by {rules}{PROOF_MARK}nonce={nonce} sig={}",
        B64.encode(signature)
    )
}

/// The nonce and signature kept in an `authz.allow` outcome, if it carries a proof.
pub fn parse_outcome(outcome: &str) -> Option<(String, Vec<u8>)> {
    let (_, proof) = outcome.rsplit_once(PROOF_MARK)?;
    let rest = proof.strip_prefix("nonce=")?;
    let (nonce, sig) = rest.split_once(" sig=")?;
    if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let sig = B64.decode(sig).ok()?;
    Some((nonce.to_string(), sig))
}

/// The serial (hex) of the operator named by an audit actor `cert:<name> [<serial>]`.
pub fn actor_serial(actor: &str) -> Option<&str> {
    let rest = actor.strip_prefix("cert:")?.strip_suffix(']')?;
    let (_, serial) = rest.rsplit_once(" [")?;
    (!serial.is_empty() && serial.bytes().all(|b| b.is_ascii_hexdigit())).then_some(serial)
}

/// Checks `sig` over `msg` with the public key of `cert_der`, for the signature algorithm govpki
/// keys make for that key type (ECDSA P-256 with SHA-256, P-384 with SHA-384, Ed25519, RSA
/// PKCS#1 v1.5 with SHA-256).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::keys::{Algorithm, PrivateKey};

    fn self_signed(key: &PrivateKey) -> Vec<u8> {
        let params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.self_signed(key.key_pair()).unwrap().der().to_vec()
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
            let msg = statement(b"ca", &cert, "2027-01-04T02:00:00Z", "cert.issue x", "00ff");
            let sig = key.sign(&msg).unwrap();
            assert_eq!(verify(&cert, &msg, &sig), Ok(()), "{alg:?}");
            let other = statement(b"ca", &cert, "2027-01-04T02:00:00Z", "cert.issue y", "00ff");
            assert!(verify(&cert, &other, &sig).is_err(), "{alg:?}");
            let stranger = self_signed(&PrivateKey::generate(alg).unwrap());
            assert!(verify(&stranger, &msg, &sig).is_err(), "{alg:?}");
        }
    }

    #[test]
    fn fields_cannot_run_into_each_other() {
        let a = statement(b"ca", b"op", "t", "x\nnonce: 1", "2");
        let b = statement(b"ca", b"op", "t", "x", "1\nnonce: 2");
        assert_ne!(a, b);
        assert_eq!(a.iter().filter(|&&c| c == b'\n').count(), 6);
    }

    #[test]
    fn outcome_round_trips_and_junk_is_no_proof() {
        let text = outcome("ca-officer-issue", "0a1b", &[1, 2, 3, 255]);
        assert_eq!(
            parse_outcome(&text),
            Some(("0a1b".to_string(), vec![1, 2, 3, 255]))
        );
        assert_eq!(parse_outcome("allowed by x"), None);
        assert_eq!(parse_outcome("allowed; proof: nonce= sig=AQID"), None);
        assert_eq!(parse_outcome("allowed; proof: nonce=zz sig=AQID"), None);
        assert_eq!(parse_outcome("allowed; proof: nonce=01 sig=!!"), None);
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
}
