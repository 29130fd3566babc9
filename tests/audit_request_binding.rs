//! The acts of a request to the CA service are held to what the operator signed (issue #11):
//! the request statement v2 carries the request's operative content (the key, subject and
//! profile to certify; the serials and reason to revoke; the seal to revoke), and `audit
//! verify` (`audit::proof::verify_signed_acts`) checks the acts the CA recorded for it
//! against it. Each log here is signed correctly by both parties (the chain intact, the
//! operator's signature and the CA's both good): only the binding check can catch a CA that
//! certified another key or revoked another serial than was asked. Logs of version 1 (no
//! operative content) still verify.

use govpki::audit::proof::{
    self, Decided, DecidedAsk, Operative, Proof, RequestProof, asks_signed, outcome_of_request,
    request_statement, request_statement_v2, server_statement, statement, verify_signed_acts,
};
use govpki::audit::{Event, Record, binding, chain};
use govpki::ca::keys::{Algorithm, PrivateKey};

const TIME: &str = "2027-01-04T02:00:00Z";
const ACTOR: &str = "cert:CN=王五 [0A]";

struct Parties {
    ca_key: PrivateKey,
    ca: Vec<u8>,
    op_key: PrivateKey,
    op: Vec<u8>,
}

fn self_signed(key: &PrivateKey) -> Vec<u8> {
    let params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.self_signed(key.key_pair()).unwrap().der().to_vec()
}

fn parties() -> Parties {
    let ca_key = PrivateKey::generate(Algorithm::P256).unwrap();
    let op_key = PrivateKey::generate(Algorithm::Ed25519).unwrap();
    Parties {
        ca: self_signed(&ca_key),
        op: self_signed(&op_key),
        ca_key,
        op_key,
    }
}

fn act(action: &str, object: &str, outcome: &str) -> Event {
    Event {
        time: TIME.into(),
        actor: ACTOR.into(),
        action: action.into(),
        object: object.into(),
        outcome: outcome.into(),
    }
}

/// The `cert.issue` record of a certificate of the key whose SPKI fingerprint is `spki`.
fn issued(serial: &str, subject: &str, spki: &str) -> Event {
    act(
        "cert.issue",
        &format!("{serial} person {subject}"),
        &binding::with_field(&binding::with_field("ok", "spki", spki), "row", "ab"),
    )
}

fn revoked(serial: &str, reason: &str) -> Event {
    act(
        "cert.revoke",
        serial,
        &binding::with_field(&format!("ok {reason}"), "row", "cd"),
    )
}

/// A log of one request: the `authz.allow` record (the operator's signature over the request
/// statement, v2 when `operative` is given, and the CA's over it and `acts`), then `acts`.
/// The CA signs whatever acts it is given: it is the party the binding holds to account.
fn log(p: &Parties, ask: &str, operative: Option<&Operative>, acts: Vec<Event>) -> Vec<Record> {
    let (action, resource) = ask.split_once(' ').unwrap();
    let decided = Decided {
        policy: "v1".into(),
        domain: Some("intranet".into()),
        asks: vec![DecidedAsk {
            action: action.into(),
            resource: resource.into(),
            context: Default::default(),
        }],
    };
    let nonce = "0b".repeat(16);
    let asks = vec![ask.to_string()];
    let operative = operative.map(Operative::to_text);
    let signed = match &operative {
        Some(o) => request_statement_v2(&p.ca, &p.op, TIME, &nonce, &asks, "ef", o),
        None => request_statement(&p.ca, &p.op, TIME, &nonce, &asks, "ef"),
    };
    let acts_statement = statement(
        &p.ca,
        &p.op,
        TIME,
        &asks_signed(ask, Some(&decided.encode())),
        &nonce,
        &acts,
    );
    let request = RequestProof {
        time: TIME.into(),
        asks,
        body_sha256: "ef".into(),
        operative,
        ca_signature: p
            .ca_key
            .sign(&server_statement(&signed, &acts_statement))
            .unwrap(),
    };
    let proof = Proof {
        nonce,
        acts: acts.len(),
        signature: p.op_key.sign(&signed).unwrap(),
        request: None,
    };
    let allow = act(
        "authz.allow",
        ask,
        &outcome_of_request("r", Some(&decided), &proof, &request),
    );
    let mut records = vec![chain(None, allow)];
    for a in acts {
        let last = records.last().unwrap();
        let next = chain(Some((&last.hash, last.seq)), a);
        records.push(next);
    }
    records
}

fn check(p: &Parties, records: &[Record]) -> Result<usize, govpki::audit::Break> {
    verify_signed_acts(records, &p.ca, |_, _| Ok(p.op.clone()))
}

const SUBJECT: &str = "CN=钱八,OU=财政局,O=连云港市人民政府,C=CN";
const ISSUE_ASK: &str = "cert.issue dept/财政局/cert/person";

fn issue_operative(spki: &str) -> Operative {
    Operative::Issue {
        spki_sha256: spki.into(),
        subject: SUBJECT.into(),
        sans: vec![],
        profile: "person".into(),
    }
}

#[test]
fn a_certificate_of_another_key_than_the_operator_asked_fails_naming_its_record() {
    let p = parties();
    let asked = "aa".repeat(32);
    let good = log(
        &p,
        ISSUE_ASK,
        Some(&issue_operative(&asked)),
        vec![issued("1F", SUBJECT, &asked)],
    );
    assert_eq!(check(&p, &good), Ok(1));
    // The CA certified (and recorded, and signed) another key than the CSR's.
    let swapped = log(
        &p,
        ISSUE_ASK,
        Some(&issue_operative(&asked)),
        vec![issued("1F", SUBJECT, &"bb".repeat(32))],
    );
    let err = check(&p, &swapped).unwrap_err();
    assert_eq!(err.seq, 2, "{}", err.reason);
    assert!(err.reason.contains("public key"), "{}", err.reason);
    assert!(err.reason.contains("record 1"), "{}", err.reason);
    // Or for another subject.
    let other = log(
        &p,
        ISSUE_ASK,
        Some(&issue_operative(&asked)),
        vec![issued(
            "1F",
            "CN=孙七,OU=财政局,O=连云港市人民政府,C=CN",
            &asked,
        )],
    );
    let err = check(&p, &other).unwrap_err();
    assert_eq!(err.seq, 2);
    assert!(err.reason.contains("CN=孙七"), "{}", err.reason);
    // A record that names no key cannot show it certified the one asked.
    let bare = act("cert.issue", &format!("1F person {SUBJECT}"), "ok; row=ab");
    let err = check(
        &p,
        &log(&p, ISSUE_ASK, Some(&issue_operative(&asked)), vec![bare]),
    )
    .unwrap_err();
    assert_eq!(err.seq, 2);
}

#[test]
fn a_revocation_of_another_serial_or_reason_than_asked_fails_naming_its_record() {
    let p = parties();
    let ask = "cert.revoke dept/财政局/cert/1F";
    let asked = Operative::Revoke {
        serials: vec!["1F".into()],
        reason: "keyCompromise".into(),
    };
    let good = log(&p, ask, Some(&asked), vec![revoked("1F", "keyCompromise")]);
    assert_eq!(check(&p, &good), Ok(1));
    // The revoked serial changed.
    let changed = log(&p, ask, Some(&asked), vec![revoked("2E", "keyCompromise")]);
    let err = check(&p, &changed).unwrap_err();
    assert_eq!(err.seq, 2, "{}", err.reason);
    assert!(err.reason.contains("`2E`"), "{}", err.reason);
    // Another reason.
    let reason = log(
        &p,
        ask,
        Some(&asked),
        vec![revoked("1F", "certificateHold")],
    );
    let err = check(&p, &reason).unwrap_err();
    assert_eq!(err.seq, 2);
    assert!(err.reason.contains("certificateHold"), "{}", err.reason);
    // A serial asked but not revoked: the request's record is named.
    let two = Operative::Revoke {
        serials: vec!["1F".into(), "2E".into()],
        reason: "keyCompromise".into(),
    };
    let short = log(&p, ask, Some(&two), vec![revoked("1F", "keyCompromise")]);
    let err = check(&p, &short).unwrap_err();
    assert_eq!(err.seq, 1);
    assert!(err.reason.contains("2E"), "{}", err.reason);
    // Another kind of act than asked.
    let other = log(&p, ask, Some(&asked), vec![issued("1F", SUBJECT, "aa")]);
    assert_eq!(check(&p, &other).unwrap_err().seq, 2);
}

#[test]
fn a_seal_revocation_of_another_seal_than_asked_fails() {
    let p = parties();
    let ask = "seal.revoke dept/办公室/seal/official";
    let asked = Operative::SealRevoke {
        es_id: "ES01".into(),
    };
    let seal = |es_id: &str| act("seal.revoke", es_id, "ok 印章遗失; row=ef");
    assert_eq!(
        check(&p, &log(&p, ask, Some(&asked), vec![seal("ES01")])),
        Ok(1)
    );
    let err = check(&p, &log(&p, ask, Some(&asked), vec![seal("ES02")])).unwrap_err();
    assert_eq!(err.seq, 2);
}

#[test]
fn a_seal_bound_to_other_holders_than_asked_fails_naming_its_record() {
    // The CA records the seal it made with the holders it bound (`; holders=`): a CA that
    // made the seal asked for, but for someone else, is caught; a record written before
    // records named holders is judged on name, type and department alone.
    let p = parties();
    let ask = "seal.create dept/办公室/seal/official";
    let (h1, h2, h3) = ("aa".repeat(32), "bb".repeat(32), "cc".repeat(32));
    let asked = Operative::SealCreate {
        name: "印章".into(),
        seal_type: "official".into(),
        department: "办公室".into(),
        holders: vec![h1.clone(), h2.clone()],
    };
    let made = |holders: Option<String>| {
        let outcome = match holders {
            Some(h) => binding::with_field("ok", "holders", &h),
            None => "ok".to_string(),
        };
        act(
            "seal.create",
            "ES01 official 办公室 印章",
            &binding::with_field(&outcome, "row", "ef"),
        )
    };
    let as_asked = format!("{h1}:{h2}");
    assert_eq!(
        check(&p, &log(&p, ask, Some(&asked), vec![made(Some(as_asked))])),
        Ok(1)
    );
    assert_eq!(
        check(&p, &log(&p, ask, Some(&asked), vec![made(None)])),
        Ok(1)
    );
    for other in [format!("{h1}:{h3}"), h1.clone(), format!("{h2}:{h1}")] {
        let err = check(&p, &log(&p, ask, Some(&asked), vec![made(Some(other))])).unwrap_err();
        assert_eq!(err.seq, 2, "{err:?}");
        assert!(
            err.reason.contains("a seal bound to the holders"),
            "{err:?}"
        );
    }
}

#[test]
fn the_operative_content_is_the_operators_word_and_cannot_be_rewritten_to_fit() {
    let p = parties();
    let asked = "aa".repeat(32);
    let other = "bb".repeat(32);
    let records = log(
        &p,
        ISSUE_ASK,
        Some(&issue_operative(&asked)),
        vec![issued("1F", SUBJECT, &other)],
    );
    // Rewriting the kept operative content to the key certified breaks the operator's
    // signature (and, here, the chain is rebuilt around it so only the signature can tell).
    let mut allow = records[0].clone();
    let rewritten = allow.outcome.clone();
    let mut proof = proof::parse_outcome(&rewritten).unwrap();
    let mut request = proof.request.take().unwrap();
    request.operative = Some(issue_operative(&other).to_text());
    let decided = Decided::of_outcome(&rewritten).unwrap();
    allow.outcome = outcome_of_request("r", Some(&decided), &proof, &request);
    let event = |r: &Record| Event {
        time: r.time.clone(),
        actor: r.actor.clone(),
        action: r.action.clone(),
        object: r.object.clone(),
        outcome: r.outcome.clone(),
    };
    let first = chain(None, event(&allow));
    let second = chain(Some((&first.hash, first.seq)), event(&records[1]));
    let err = check(&p, &[first, second]).unwrap_err();
    assert_eq!(err.seq, 1);
    assert!(err.reason.contains("operator's request"), "{}", err.reason);
}

#[test]
fn a_log_of_version_1_requests_still_verifies() {
    let p = parties();
    // Written before the operative content: nothing to hold the acts to, and no break.
    let old = log(
        &p,
        ISSUE_ASK,
        None,
        vec![act(
            "cert.issue",
            &format!("1F person {SUBJECT}"),
            "ok; row=ab",
        )],
    );
    assert_eq!(check(&p, &old), Ok(1));
    assert!(
        proof::parse_outcome(&old[0].outcome)
            .unwrap()
            .request
            .unwrap()
            .operative
            .is_none()
    );
}
