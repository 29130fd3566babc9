//! Statements, outcomes and the log's signed acts, local and through the service.

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
            signature: vec![1, 2, 3, 255],
            request: None,
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
fn a_request_outcome_round_trips_and_a_damaged_one_is_no_proof() {
    let proof = Proof {
        nonce: "0a1b".into(),
        acts: 2,
        signature: vec![1, 2],
        request: None,
    };
    let request = RequestProof {
        time: "2027-01-04T02:00:00Z".into(),
        asks: vec!["cert.issue dept/x/cert/person".into()],
        body_sha256: "00".repeat(32),
        operative: None,
        ca_signature: vec![3, 4],
    };
    let text = outcome_of_request("r1", None, &proof, &request);
    assert_eq!(
        parse_outcome(&text),
        Some(Proof {
            request: Some(request),
            ..proof
        })
    );
    for junk in [
        format!("{text} more=1"),
        text.replace(" casig=", " cbsig="),
        text.replace(" request=", " req="),
        text.replace("casig=AwQ=", "casig=!!"),
        text.replace(" request=", " request=!!"),
    ] {
        assert_eq!(parse_outcome(&junk), None, "{junk}");
    }
    // The request statement is not an operator or server statement, and its fields do
    // not run into each other.
    let a = request_statement(b"ca", b"op", "t", "00", &["a b".into()], "h");
    let b = request_statement(b"ca", b"op", "t", "00", &["a".into(), "b".into()], "h");
    assert_ne!(a, b);
    assert_ne!(server_statement(&a, b""), a);
    assert!(a.starts_with(b"govpki request statement v1\0"));
}

/// An `authz.allow` record of a request (both signatures made here) and the act it covers.
fn request_records(
    ca_key: &PrivateKey,
    ca: &[u8],
    op_key: &PrivateKey,
    op: &[u8],
    request_time: &str,
    signed_asks: &[String],
) -> Vec<Record> {
    let time = "2027-01-04T02:00:00Z";
    let decided = Decided {
        policy: "v1".into(),
        domain: Some("intranet".into()),
        asks: vec![DecidedAsk {
            action: "cert.issue".into(),
            resource: "dept/x/cert/person".into(),
            context: Default::default(),
        }],
    };
    let act = act("serial 0A");
    let nonce = "0a".repeat(16);
    let object = "cert.issue dept/x/cert/person";
    let signed = request_statement(ca, op, request_time, &nonce, signed_asks, "ab");
    let acts = statement(
        ca,
        op,
        time,
        &asks_signed(object, Some(&decided.encode())),
        &nonce,
        std::slice::from_ref(&act),
    );
    let request = RequestProof {
        time: request_time.into(),
        asks: signed_asks.to_vec(),
        body_sha256: "ab".into(),
        operative: None,
        ca_signature: ca_key.sign(&server_statement(&signed, &acts)).unwrap(),
    };
    let proof = Proof {
        nonce,
        acts: 1,
        signature: op_key.sign(&signed).unwrap(),
        request: None,
    };
    let allow = Event {
        time: time.into(),
        actor: act.actor.clone(),
        action: "authz.allow".into(),
        object: object.into(),
        outcome: outcome_of_request("r", Some(&decided), &proof, &request),
    };
    let first = crate::audit::chain(None, allow);
    let second = crate::audit::chain(Some((&first.hash, first.seq)), act);
    vec![first, second]
}

#[test]
fn a_request_record_verifies_only_with_its_asks_and_time() {
    let ca_key = PrivateKey::generate(Algorithm::P256).unwrap();
    let ca = self_signed(&ca_key);
    let op_key = PrivateKey::generate(Algorithm::Ed25519).unwrap();
    let op = self_signed(&op_key);
    let asks = vec!["cert.issue dept/x/cert/person".to_string()];
    let check = |records: &[Record]| verify_signed_acts(records, &ca, |_, _| Ok(op.clone()));
    let good = request_records(&ca_key, &ca, &op_key, &op, "2027-01-04T01:59:00Z", &asks);
    assert_eq!(check(&good), Ok(1));
    // Signed by the CA of another home.
    let other = PrivateKey::generate(Algorithm::P256).unwrap();
    let forged = request_records(&other, &ca, &op_key, &op, "2027-01-04T01:59:00Z", &asks);
    let err = check(&forged).unwrap_err();
    assert!(err.reason.contains("the CA's signature"), "{}", err.reason);
    // Both signatures good, but the operator asked something else than was decided.
    let other_asks = vec!["cert.issue dept/y/cert/person".to_string()];
    let err = check(&request_records(
        &ca_key,
        &ca,
        &op_key,
        &op,
        "2027-01-04T01:59:00Z",
        &other_asks,
    ))
    .unwrap_err();
    assert!(
        err.reason.contains("but the record decided"),
        "{}",
        err.reason
    );
    // Both signatures good, but carried out long after it was asked.
    let err = check(&request_records(
        &ca_key,
        &ca,
        &op_key,
        &op,
        "2027-01-04T01:50:00Z",
        &asks,
    ))
    .unwrap_err();
    assert!(err.reason.contains("outside the window"), "{}", err.reason);
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
        crate::ca::issue::self_signed_root(key, &dn, &serial, now, now + time::Duration::days(9))
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
        sm2::dsa::signature::Verifier::verify(empty_id.verifying_key(), &msg, &other_id).is_ok()
    );
    let other_id = crate::ca::keys::sm2_signature_der(&other_id);
    assert_eq!(
        verify(&cert, &msg, &other_id),
        Err(ProofError::BadSignature)
    );
}
