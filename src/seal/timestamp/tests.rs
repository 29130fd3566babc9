use time::macros::datetime;
use x509_parser::prelude::FromDer;

use super::*;
use crate::seal::cms::{
    DocumentSigner, attribute, oid as cms_oid, oid_der, parse_signature, set_of,
    with_time_stamp_token,
};
use crate::seal::seal::RevokedSeals;
use crate::seal::signer::SealSigner;
use crate::seal::testutil::{NOW, Party, Pki};
use crate::seal::verify::{CheckStatus, TimeSource, Verdict, VerifyOptions, verify_document};

const DOC: &[u8] = b"%PDF-1.7 a notice of the people's government\n";

fn p256() -> Pki {
    Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256)
}

/// A sealed signature made at `claimed`, as DER.
fn sealed(pki: &Pki, claimed: OffsetDateTime) -> Vec<u8> {
    let key = pki.holder.signer();
    let seal = pki.seal();
    let ds = DocumentSigner::new(&key, &pki.holder.cert, &[], &[], Some(&seal)).unwrap();
    ds.sign(&ds.digest_algorithm().digest(DOC), claimed)
        .unwrap()
}

struct TokenSpec<'a> {
    imprint_of: &'a [u8],
    gen_time: &'a str,
    /// Hash this instead of the TSTInfo for messageDigest (an altered token).
    digest_of: Option<&'a [u8]>,
}

/// A time-stamp token as a TSA makes it, signed by `tsa` (RFC 3161 §2.4.2).
fn token(tsa: &Party, spec: &TokenSpec<'_>) -> Vec<u8> {
    let sha256 = DigestAlgorithm::Sha256;
    let imprint = seq(&[
        &algorithm_identifier(&sha256.oid(), false),
        &tlv(0x04, &sha256.digest(spec.imprint_of)),
    ]);
    let tst_info = seq(&[
        &[0x02, 0x01, 0x01],
        &oid_der(&ObjectIdentifier::new_unwrap("1.2.3.4.1")),
        &imprint,
        &[0x02, 0x01, 0x07],
        &tlv(0x18, spec.gen_time.as_bytes()),
    ]);
    let ess = seq(&[&seq(&[&seq(&[&tlv(0x04, &sha256.digest(&tsa.cert))])])]);
    let attrs = set_of(vec![
        attribute(&cms_oid::CONTENT_TYPE, &oid_der(&oid::ID_CT_TST_INFO)),
        attribute(
            &cms_oid::MESSAGE_DIGEST,
            &tlv(0x04, &sha256.digest(spec.digest_of.unwrap_or(&tst_info))),
        ),
        attribute(&cms_oid::SIGNING_CERTIFICATE_V2, &ess),
    ]);
    let signature = tsa.signer().sign(&attrs).unwrap();
    let mut signed_attrs = attrs;
    signed_attrs[0] = 0xA0;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&tsa.cert).unwrap();
    let sid = seq(&[cert.issuer().as_raw(), &tlv(0x02, cert.raw_serial())]);
    let signer_info = seq(&[
        &[0x02, 0x01, 0x01],
        &sid,
        &algorithm_identifier(&sha256.oid(), false),
        &signed_attrs,
        &algorithm_identifier(&signer::oid::ECDSA_WITH_SHA256, false),
        &tlv(0x04, &signature),
    ]);
    let signed_data = seq(&[
        &[0x02, 0x01, 0x03],
        &set_of(vec![algorithm_identifier(&sha256.oid(), false)]),
        &seq(&[
            &oid_der(&oid::ID_CT_TST_INFO),
            &tlv(0xA0, &tlv(0x04, &tst_info)),
        ]),
        &tlv(0xA0, &tsa.cert),
        &set_of(vec![signer_info]),
    ]);
    seq(&[&oid_der(&cms_oid::ID_SIGNED_DATA), &tlv(0xA0, &signed_data)])
}

fn good_token(tsa: &Party, p7s: &[u8], gen_time: &str) -> Vec<u8> {
    let sig = parse_signature(p7s).unwrap();
    token(
        tsa,
        &TokenSpec {
            imprint_of: &sig.signer().signature,
            gen_time,
            digest_of: None,
        },
    )
}

#[test]
fn the_request_hashes_the_signature_value_and_asks_for_the_certificate() {
    let req = time_stamp_request(b"signature value", &[0x80, 0, 0, 0, 0, 0, 0, 1]);
    let mut top = Parser::new(&req);
    let body = top.expect(0x30).unwrap();
    top.finish().unwrap();
    let mut p = Parser::new(body.value);
    assert_eq!(p.expect(0x02).unwrap().value, [1]);
    let imprint = p.expect(0x30).unwrap();
    let mut ip = Parser::new(imprint.value);
    assert_eq!(
        parse_algorithm(ip.expect(0x30).unwrap()).unwrap().oid,
        signer::oid::SHA256
    );
    assert_eq!(
        ip.expect(0x04).unwrap().value,
        DigestAlgorithm::Sha256
            .digest(b"signature value")
            .as_slice()
    );
    // A nonce with its top bit set gets a sign octet: it stays positive.
    assert_eq!(
        p.expect(0x02).unwrap().value,
        [0, 0x80, 0, 0, 0, 0, 0, 0, 1]
    );
    assert_eq!(p.expect(0x01).unwrap().value, [0xFF]);
    p.finish().unwrap();
    assert_eq!(
        request_nonce(&req).unwrap(),
        Some(vec![0, 0x80, 0, 0, 0, 0, 0, 0, 1])
    );
    // Leading zero octets are not DER.
    let req = time_stamp_request(b"x", &[0, 0, 5]);
    assert_eq!(request_nonce(&req).unwrap(), Some(vec![5]));
    assert!(request_nonce(b"\x30\x00").is_err());
}

#[test]
fn gen_time_takes_fractions_as_real_tsas_send_them() {
    assert_eq!(
        parse_gen_time(b"20261130100000Z"),
        Some(datetime!(2026-11-30 10:00:00 UTC))
    );
    assert_eq!(
        parse_gen_time(b"20261130100000.25Z"),
        Some(datetime!(2026-11-30 10:00:00.25 UTC))
    );
    for bad in [
        &b"20261130100000.250Z"[..],
        b"20261130100000.Z",
        b"2026113010000Z",
        b"20261130100000",
        b"20261330100000Z",
        b"20261130250000Z",
        b"2026113010000aZ",
        b"20261130100000+0800",
        b"",
    ] {
        assert_eq!(
            parse_gen_time(bad),
            None,
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn responses_say_why_they_were_rejected() {
    // status rejection, statusString "bad", failInfo badAlg (bit 0).
    let rejected = seq(&[&seq(&[
        &[0x02, 0x01, 0x02],
        &seq(&[&tlv(0x0C, b"bad")]),
        &[0x03, 0x02, 0x07, 0x80],
    ])]);
    let r = parse_response(&rejected).unwrap();
    assert_eq!(r.status, PkiStatus::Rejection);
    assert!(!r.status.granted());
    assert_eq!(r.status_text, ["bad"]);
    assert_eq!(r.fail_info, ["badAlg"]);
    assert_eq!(r.token, None);

    let pki = p256();
    let tsa = pki.issue("TSA", &rcgen::PKCS_ECDSA_P256_SHA256, false);
    let tok = good_token(&tsa, &sealed(&pki, NOW), "20261130100000Z");
    let granted = seq(&[&seq(&[&[0x02, 0x01, 0x00]]), &tok]);
    let r = parse_response(&granted).unwrap();
    assert!(r.status.granted());
    assert_eq!(r.token.as_deref(), Some(tok.as_slice()));

    let mut trailing = granted.clone();
    trailing.push(0);
    assert!(parse_response(&trailing).is_err());
    for n in 0..granted.len() {
        assert!(parse_response(&granted[..n]).is_err());
    }
}

#[test]
fn a_sound_token_verifies_and_its_faults_are_named() {
    let pki = p256();
    let tsa = pki.issue("TSA", &rcgen::PKCS_ECDSA_P256_SHA256, false);
    let p7s = sealed(&pki, NOW);
    let sig = parse_signature(&p7s).unwrap();
    let value = &sig.signer().signature;
    let checker = pki.checker();
    let tok = good_token(&tsa, &p7s, "20261130100500Z");
    let later = NOW + time::Duration::hours(1);

    match verify_token(&tok, value, &[], Some(&checker), later) {
        TokenCheck::Valid {
            stamp,
            chain_checked: true,
            revocation_unknown: None,
        } => {
            assert_eq!(stamp.gen_time, datetime!(2026-11-30 10:05:00 UTC));
            assert!(stamp.tsa.contains("TSA"), "{}", stamp.tsa);
            assert_eq!(stamp.serial, "07");
            assert_eq!(stamp.policy, "1.2.3.4.1");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        verify_token(&tok, value, &[], None, later),
        TokenCheck::Valid {
            chain_checked: false,
            ..
        }
    ));

    // For another signature value.
    match verify_token(&tok, b"another signature", &[], None, later) {
        TokenCheck::Invalid(why) => assert!(why.contains("another signature"), "{why}"),
        other => panic!("{other:?}"),
    }
    // genTime in the future.
    match verify_token(&tok, value, &[], None, NOW - time::Duration::minutes(1)) {
        TokenCheck::Invalid(why) => assert!(why.contains("after the verification time"), "{why}"),
        other => panic!("{other:?}"),
    }
    // messageDigest not over the TSTInfo.
    let altered = token(
        &tsa,
        &TokenSpec {
            imprint_of: value,
            gen_time: "20261130100500Z",
            digest_of: Some(b"something else"),
        },
    );
    match verify_token(&altered, value, &[], None, later) {
        TokenCheck::Invalid(why) => assert!(why.contains("altered"), "{why}"),
        other => panic!("{other:?}"),
    }
    // A TSA under another root proves no time.
    let other = p256();
    let rogue = other.issue("Rogue TSA", &rcgen::PKCS_ECDSA_P256_SHA256, false);
    let rogue_token = good_token(&rogue, &p7s, "20261130100500Z");
    assert!(matches!(
        verify_token(&rogue_token, value, &[], Some(&checker), later),
        TokenCheck::Untrusted { .. }
    ));
    // Every truncation and garbage: an answer, never a panic.
    for n in 0..tok.len() {
        assert!(matches!(
            verify_token(&tok[..n], value, &[], Some(&checker), later),
            TokenCheck::Invalid(_)
        ));
    }
    assert!(matches!(
        verify_token(b"\x30\x03\x02\x01\x05", value, &[], None, later),
        TokenCheck::Invalid(_)
    ));
}

fn judge(pki: &Pki, p7s: &[u8]) -> crate::seal::VerificationReport {
    let sig = parse_signature(p7s).unwrap();
    let hash = crate::seal::hash_document_with(DigestAlgorithm::Sha256, DOC).unwrap();
    verify_document(
        &sig,
        &hash,
        &VerifyOptions {
            now: NOW + time::Duration::days(1),
            at: None,
            require_revocation: false,
            chain: &pki.checker(),
            revoked_seals: &RevokedSeals::complete([]),
        },
    )
}

#[test]
fn seal_verify_judges_at_gen_time_and_refuses_a_claim_after_it() {
    let pki = p256();
    let tsa = pki.issue("TSA", &rcgen::PKCS_ECDSA_P256_SHA256, false);

    // Claimed 10:00, stamped 10:30: judged at 10:30.
    let p7s = sealed(&pki, NOW);
    let tok = good_token(&tsa, &p7s, "20261130103000Z");
    let stamped = with_time_stamp_token(&p7s, &tok, false).unwrap();
    let r = judge(&pki, &stamped);
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert!(matches!(
        r.signing_time_source,
        TimeSource::TimeStamp { .. }
    ));
    assert_eq!(r.judged_at, "2026-11-30T10:30:00Z");
    assert_eq!(r.check("time_stamp").unwrap().status, CheckStatus::Pass);
    assert!(
        r.to_string()
            .contains("claimed time:  2026-11-30T10:00:00Z")
    );

    // Claimed 11:00, stamped 10:30: the claim is false.
    let p7s = sealed(&pki, NOW + time::Duration::hours(1));
    let tok = good_token(&tsa, &p7s, "20261130103000Z");
    let r = judge(&pki, &with_time_stamp_token(&p7s, &tok, false).unwrap());
    assert_eq!(r.verdict, Verdict::Invalid, "{r}");
    assert_eq!(r.check("signing_time").unwrap().status, CheckStatus::Fail);
    assert!(r.reason.contains("after the time-stamp"), "{}", r.reason);

    // Within the 5-minute tolerance it stands.
    let p7s = sealed(&pki, NOW + time::Duration::minutes(33));
    let tok = good_token(&tsa, &p7s, "20261130103000Z");
    let r = judge(&pki, &with_time_stamp_token(&p7s, &tok, false).unwrap());
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
}

#[test]
fn embedding_keeps_the_signed_part_and_refuses_a_second_time_stamp() {
    let pki = p256();
    let tsa = pki.issue("TSA", &rcgen::PKCS_ECDSA_P256_SHA256, false);
    let p7s = sealed(&pki, NOW);
    let tok = good_token(&tsa, &p7s, "20261130100500Z");
    let stamped = with_time_stamp_token(&p7s, &tok, false).unwrap();
    let (before, after) = (
        parse_signature(&p7s).unwrap(),
        parse_signature(&stamped).unwrap(),
    );
    assert_eq!(before.signer().signature, after.signer().signature);
    assert_eq!(
        before.signer().signed_attributes,
        after.signer().signed_attributes
    );
    assert_eq!(before.certificates, after.certificates);
    assert_eq!(after.signer().time_stamp_token.as_deref(), Some(&tok[..]));

    let again = with_time_stamp_token(&stamped, &tok, false).unwrap_err();
    assert!(again.to_string().contains("already carries"), "{again}");
    let replaced = with_time_stamp_token(&stamped, &tok, true).unwrap();
    assert_eq!(replaced, stamped);
    // A token must be one DER SEQUENCE.
    assert!(with_time_stamp_token(&p7s, b"\x30\x00\x00", false).is_err());
}

#[test]
fn the_judged_time_is_the_gen_time_of_a_valid_token_and_the_claim_otherwise() {
    use crate::seal::verify::{JudgedAt, verify_document_at};
    let pki = p256();
    let tsa = pki.issue("TSA", &rcgen::PKCS_ECDSA_P256_SHA256, false);
    let checker = pki.checker();
    let now = NOW + time::Duration::days(1);
    let p7s = sealed(&pki, NOW);

    // No token: the claimed time, not proven.
    let plain = parse_signature(&p7s).unwrap();
    let j = JudgedAt::settle(&plain, &checker, now, None);
    assert_eq!((j.at, &j.source), (NOW, &TimeSource::ClaimedBySigner));
    assert!(!j.is_proven() && j.token.is_none());

    // A valid token: its genTime, proven; the claim is kept beside it.
    let tok = good_token(&tsa, &p7s, "20261130103000Z");
    let stamped = parse_signature(&with_time_stamp_token(&p7s, &tok, false).unwrap()).unwrap();
    let j = JudgedAt::settle(&stamped, &checker, now, None);
    assert_eq!(j.at, datetime!(2026-11-30 10:30:00 UTC));
    assert!(matches!(j.source, TimeSource::TimeStamp { .. }) && j.is_proven());
    assert_eq!(j.claimed, Some(NOW));
    assert!(j.proven_stamp().is_some());

    // A token whose TSA is not trusted proves nothing: the claimed time.
    let other = p256();
    let rogue = other.issue("Rogue TSA", &rcgen::PKCS_ECDSA_P256_SHA256, false);
    let tok = good_token(&rogue, &p7s, "20261130103000Z");
    let untrusted = parse_signature(&with_time_stamp_token(&p7s, &tok, false).unwrap()).unwrap();
    let j = JudgedAt::settle(&untrusted, &checker, now, None);
    assert_eq!((j.at, &j.source), (NOW, &TimeSource::ClaimedBySigner));
    assert!(matches!(j.token, Some(TokenCheck::Untrusted { .. })));

    // The verifier's --at wins over both.
    let at = datetime!(2026-11-30 12:00:00 UTC);
    let j = JudgedAt::settle(&stamped, &checker, now, Some(at));
    assert_eq!((j.at, &j.source), (at, &TimeSource::GivenByVerifier));

    // The report judges at the time it is given, without settling it again.
    let j = JudgedAt::settle(&stamped, &checker, now, None);
    let hash = crate::seal::hash_document_with(DigestAlgorithm::Sha256, DOC).unwrap();
    let r = verify_document_at(
        &stamped,
        &hash,
        j,
        &VerifyOptions {
            now,
            at: None,
            require_revocation: false,
            chain: &checker,
            revoked_seals: &RevokedSeals::complete([]),
        },
    );
    assert_eq!(r.judged_at, "2026-11-30T10:30:00Z", "{r}");
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
}
