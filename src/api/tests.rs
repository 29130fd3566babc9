//! The envelope signed and opened without a store: every change after signing is refused.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use time::macros::datetime;

use super::*;
use crate::ca::keys::{Algorithm, PrivateKey};

const NOW: time::OffsetDateTime = datetime!(2027-01-04 02:00 UTC);

fn cert_of(key: &PrivateKey, cn: &str) -> Vec<u8> {
    let dn = crate::ca::dn::Dn::parse(&format!("CN={cn},O=Test,C=CN")).unwrap();
    let serial = crate::ca::serial::Serial::from_random([7; 16]);
    crate::ca::issue::self_signed_root(key, &dn, &serial, NOW, NOW + time::Duration::days(9))
        .unwrap()
}

struct Party {
    ca: Vec<u8>,
    key: PrivateKey,
    cert: Vec<u8>,
}

fn party(alg: Algorithm) -> Party {
    let ca_key = PrivateKey::generate(Algorithm::P256).unwrap();
    let key = PrivateKey::generate(alg).unwrap();
    Party {
        ca: cert_of(&ca_key, "ca"),
        cert: cert_of(&key, "op"),
        key,
    }
}

fn revoke_body() -> Body {
    Body::Revoke(RevokeBody {
        serials: vec!["0A".into()],
        reason: Some("keyCompromise".into()),
        invalidity: None,
    })
}

fn asks() -> Vec<String> {
    vec!["cert.revoke dept/财政局/cert/0A".to_string()]
}

fn signed(p: &Party, body: &Body) -> Vec<u8> {
    sign_request(&p.ca, &p.cert, &p.key, body, &asks(), NOW, [9; 16]).unwrap()
}

fn envelope(bytes: &[u8]) -> Envelope {
    serde_json::from_slice(bytes).unwrap()
}

fn reopen(e: &Envelope, p: &Party) -> Result<VerifiedRequest, ApiError> {
    open_request(&serde_json::to_vec(e).unwrap(), &p.ca, NOW, WINDOW)
}

#[test]
fn a_request_signed_by_each_key_type_opens_with_its_fields() {
    for alg in [
        Algorithm::P256,
        Algorithm::P384,
        Algorithm::Ed25519,
        Algorithm::Sm2,
    ] {
        let p = party(alg);
        let bytes = signed(&p, &revoke_body());
        let v = open_request(&bytes, &p.ca, NOW, WINDOW).unwrap();
        assert_eq!(v.operator(), p.cert.as_slice(), "{alg:?}");
        assert_eq!(v.time(), NOW);
        assert_eq!(v.nonce(), "09".repeat(16));
        assert_eq!(v.asks(), asks().as_slice());
        assert_eq!(v.verb(), Verb::Revoke);
        match v.body() {
            Checked::Revoke {
                serials, reason, ..
            } => {
                assert_eq!(serials[0].to_hex(), "0A");
                assert_eq!(*reason, crate::ca::crl::Reason::KeyCompromise);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_change_after_signing_is_a_bad_proof() {
    let p = party(Algorithm::P256);
    let good = envelope(&signed(&p, &revoke_body()));
    let mut body = good.clone();
    let other = serde_json::to_vec(&Body::Revoke(RevokeBody {
        serials: vec!["0B".into()],
        reason: Some("keyCompromise".into()),
        invalidity: None,
    }))
    .unwrap();
    body.body = B64.encode(other);
    let mut ask = good.clone();
    ask.asks = vec!["cert.revoke dept/办公室/cert/0A".into()];
    let mut nonce = good.clone();
    nonce.nonce = "0a".repeat(16);
    let mut time = good.clone();
    time.time = "2027-01-04T02:01:00Z".into();
    let mut operator = good.clone();
    let stranger = party(Algorithm::P256);
    operator.operator = B64.encode(&stranger.cert);
    for (what, e) in [
        ("body", body),
        ("asks", ask),
        ("nonce", nonce),
        ("time", time),
        ("operator", operator),
    ] {
        let err = reopen(&e, &p).unwrap_err();
        assert_eq!(err.status(), 401, "{what}: {err}");
        assert!(err.to_string().contains("does not verify"), "{what}: {err}");
    }
    // Signed by another key over the same statement: the operator certificate does not match.
    let forged = sign_request(
        &p.ca,
        &p.cert,
        &stranger.key,
        &revoke_body(),
        &asks(),
        NOW,
        [9; 16],
    )
    .unwrap();
    assert_eq!(
        open_request(&forged, &p.ca, NOW, WINDOW)
            .unwrap_err()
            .status(),
        401
    );
    assert!(reopen(&good, &p).is_ok());
}

#[test]
fn a_request_for_another_ca_is_refused() {
    let p = party(Algorithm::P256);
    let bytes = signed(&p, &revoke_body());
    let other = party(Algorithm::P256);
    let err = open_request(&bytes, &other.ca, NOW, WINDOW).unwrap_err();
    assert_eq!(err.status(), 401);
    assert!(err.to_string().contains("not this one"), "{err}");
    // Naming this CA while signed for another does not help.
    let mut e = envelope(&bytes);
    e.ca = crate::audit::proof::fingerprint(&other.ca);
    let err = open_request(&serde_json::to_vec(&e).unwrap(), &other.ca, NOW, WINDOW).unwrap_err();
    assert!(err.to_string().contains("does not verify"), "{err}");
}

#[test]
fn a_time_outside_the_window_is_stale_and_the_edges_are_inside() {
    let p = party(Algorithm::P256);
    let bytes = signed(&p, &revoke_body());
    let five = time::Duration::minutes(5);
    for at in [NOW - five, NOW + five] {
        assert!(open_request(&bytes, &p.ca, at, WINDOW).is_ok(), "{at}");
    }
    let second = time::Duration::seconds(1);
    for at in [NOW - five - second, NOW + five + second] {
        let err = open_request(&bytes, &p.ca, at, WINDOW).unwrap_err();
        assert!(matches!(err, ApiError::Stale { .. }), "{err}");
        assert_eq!(err.status(), 401);
    }
}

#[test]
fn malformed_and_oversized_requests_are_refused_before_any_signature_check() {
    let p = party(Algorithm::P256);
    let good = envelope(&signed(&p, &revoke_body()));
    let big = vec![b' '; MAX_REQUEST_BYTES + 1];
    assert_eq!(
        open_request(&big, &p.ca, NOW, WINDOW).unwrap_err(),
        ApiError::TooLarge {
            limit: MAX_REQUEST_BYTES
        }
    );
    for junk in [&b"not json"[..], b"{}", b"[]", b"\xff\xfe"] {
        assert_eq!(
            open_request(junk, &p.ca, NOW, WINDOW).unwrap_err().status(),
            400
        );
    }
    let mut unsorted = good.clone();
    unsorted.asks = vec!["b x".into(), "a x".into()];
    let mut twice = good.clone();
    twice.asks = vec!["a x".into(), "a x".into()];
    let mut none = good.clone();
    none.asks = vec![];
    let mut shapeless = good.clone();
    shapeless.asks = vec!["cert.revoke".into()];
    let mut short_nonce = good.clone();
    short_nonce.nonce = "00ff".into();
    let mut upper_nonce = good.clone();
    upper_nonce.nonce = "AA".repeat(16);
    let mut time = good.clone();
    time.time = "yesterday".into();
    let mut b64 = good.clone();
    b64.signature = "!!".into();
    for (what, e) in [
        ("unsorted", unsorted),
        ("twice", twice),
        ("none", none),
        ("shapeless", shapeless),
        ("short nonce", short_nonce),
        ("upper nonce", upper_nonce),
        ("time", time),
        ("base64", b64),
    ] {
        assert_eq!(reopen(&e, &p).unwrap_err().status(), 400, "{what}");
    }
    // An unknown member is not ignored.
    let mut v: serde_json::Value = serde_json::to_value(&good).unwrap();
    v["extra"] = serde_json::json!(1);
    assert_eq!(
        open_request(&serde_json::to_vec(&v).unwrap(), &p.ca, NOW, WINDOW)
            .unwrap_err()
            .status(),
        400
    );
}

#[test]
fn a_signed_body_that_does_not_parse_is_malformed() {
    let p = party(Algorithm::P256);
    let sign_raw = |body: &[u8]| {
        let mut e = envelope(&signed(&p, &revoke_body()));
        e.body = B64.encode(body);
        let statement = crate::audit::proof::request_statement(
            &p.ca,
            &p.cert,
            &e.time,
            &e.nonce,
            &e.asks,
            &hex::encode(ring::digest::digest(&ring::digest::SHA256, body).as_ref()),
        );
        e.signature = B64.encode(p.key.sign(&statement).unwrap());
        reopen(&e, &p)
    };
    assert!(sign_raw(&serde_json::to_vec(&revoke_body()).unwrap()).is_ok());
    for body in [
        &br#"{"verb":"cert.revoke","serials":["0A"],"extra":1}"#[..],
        br#"{"verb":"cert.destroy"}"#,
        br#"{"verb":"cert.revoke","serials":[]}"#,
        br#"{"verb":"cert.revoke","serials":["zz"]}"#,
        br#"{"verb":"cert.revoke","serials":["0A"],"reason":"removeFromCrl?"}"#,
        br#"{"verb":"cert.issue","csr":"!!","profile":"person"}"#,
        br#"{"verb":"cert.issue","csr":"AA==","profile":"nobody"}"#,
        br#"{"verb":"cert.issue","csr":"AA==","profile":"person","subject":"nonsense"}"#,
        br#"{"verb":"cert.issue","csr":"AA==","profile":"person","validity":"forever"}"#,
        br#"{"verb":"crl.generate","next_update":"soon"}"#,
    ] {
        let err = sign_raw(body).unwrap_err();
        assert_eq!(
            err.status(),
            400,
            "{}: {err}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn each_refusal_has_its_status_and_a_json_answer() {
    let cases = [
        (ApiError::malformed("x"), 400),
        (
            ApiError::AsksDiffer {
                signed: vec!["a x".into()],
                derived: vec!["a y".into()],
            },
            400,
        ),
        (ApiError::bad_proof("x"), 401),
        (
            ApiError::Stale {
                time: "t".into(),
                now: "n".into(),
                minutes: 5,
            },
            401,
        ),
        (ApiError::Replay { nonce: "00".into() }, 401),
        (
            ApiError::Denied {
                message: "denied".into(),
                explanation: "because".into(),
                hint: None,
            },
            403,
        ),
        (
            ApiError::Conflict {
                message: "x".into(),
            },
            409,
        ),
        (ApiError::TooLarge { limit: 1 }, 413),
        (ApiError::internal("x"), 500),
    ];
    for (err, status) in cases {
        assert_eq!(err.status(), status, "{err}");
        let json = err.to_json();
        assert_eq!(json["error"], err.to_string());
        assert!(json.get("hint").is_some(), "{json}");
    }
    let differ = ApiError::AsksDiffer {
        signed: vec!["a x".into()],
        derived: vec!["a y".into()],
    };
    assert_eq!(differ.to_json()["asks"], serde_json::json!(["a y"]));
    let denied = ApiError::Denied {
        message: "denied".into(),
        explanation: "because".into(),
        hint: None,
    };
    assert_eq!(denied.to_json()["explanation"], "because");
}

/// The serial list is read before the operator is checked, so it is bounded (it was an O(n²)
/// de-duplication of up to a megabyte of serials for anyone with a self-signed certificate).
#[test]
fn a_revocation_names_at_most_a_thousand_serials_and_duplicates_count_once() {
    let many = |n: usize| {
        Body::Revoke(RevokeBody {
            serials: (0..n).map(|i| format!("{:04X}", i + 1)).collect(),
            reason: None,
            invalidity: None,
        })
    };
    assert!(many(super::body::MAX_SERIALS).check().is_ok());
    let err = many(super::body::MAX_SERIALS + 1).check().unwrap_err();
    assert_eq!(err.status(), 400, "{err:?}");
    let twice = Body::Revoke(RevokeBody {
        serials: vec!["0A".into(), "0b".into(), "0a".into(), "0B".into()],
        reason: None,
        invalidity: None,
    });
    match twice.check().unwrap() {
        Checked::Revoke { serials, .. } => assert_eq!(serials.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_operative_content_of_a_v2_request_is_signed_and_a_change_or_junk_is_refused() {
    use crate::audit::proof::Operative;
    let p = party(Algorithm::P256);
    let asked = Operative::Revoke {
        serials: vec!["0A".into()],
        reason: "keyCompromise".into(),
    };
    let bytes = sign_request_v2(
        &p.ca,
        &p.cert,
        &p.key,
        &revoke_body(),
        &asks(),
        NOW,
        [9; 16],
        &asked,
    )
    .unwrap();
    let opened = open_request(&bytes, &p.ca, NOW, WINDOW).unwrap();
    assert_eq!(opened.operative(), Some(asked.to_text().as_str()));
    assert!(
        opened
            .statement()
            .starts_with(b"govpki request statement v2\0")
    );
    // Another serial put in after signing: the signature no longer verifies.
    let mut e = envelope(&bytes);
    e.operative = Some(
        Operative::Revoke {
            serials: vec!["0B".into()],
            reason: "keyCompromise".into(),
        }
        .to_text(),
    );
    assert!(matches!(reopen(&e, &p), Err(ApiError::BadProof { .. })));
    // Dropped: read as a version 1 statement, which the operator did not sign.
    e.operative = None;
    assert!(matches!(reopen(&e, &p), Err(ApiError::BadProof { .. })));
    // Not the JSON of an operative content: malformed, before the signature is checked.
    e.operative = Some("{\"verb\":\"cert.burn\"}".into());
    assert!(matches!(reopen(&e, &p), Err(ApiError::Malformed { .. })));
    // A version 1 request still opens, without one.
    let v1 = open_request(&signed(&p, &revoke_body()), &p.ca, NOW, WINDOW).unwrap();
    assert_eq!(v1.operative(), None);
}

#[test]
fn a_renewal_body_names_one_serial_and_an_optional_csr_and_nothing_else() {
    let body = br#"{"verb":"cert.renew","serial":"0a","validity":"1y"}"#;
    match Body::parse(body).unwrap() {
        Checked::Renew {
            serial,
            csr,
            validity,
        } => {
            assert_eq!(serial.to_hex(), "0A");
            assert_eq!(csr, None);
            assert_eq!(validity, Some(time::Duration::days(365)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        Body::parse(body).unwrap().verb().path(),
        "/api/v1/cert/renew"
    );
    for bad in [
        &br#"{"verb":"cert.renew","serial":"0A","revoke_old":true}"#[..],
        br#"{"verb":"cert.renew","serial":"not hex"}"#,
        br#"{"verb":"cert.renew","serial":"0A","csr":"%%%"}"#,
        br#"{"verb":"cert.renew"}"#,
    ] {
        let err = Body::parse(bad).unwrap_err();
        assert_eq!(err.status(), 400, "{}", String::from_utf8_lossy(bad));
    }
}
