//! Unit tests of the responder and the checker against each other, with CAs issued by
//! `ca::issue` (every negative control of the checker fails for its own reason).

use std::borrow::Cow;

use time::macros::datetime;
use x509_cert::ext::pkix::CrlReason;
use x509_ocsp::OcspResponseStatus;

use super::check::{Judgement, SKEW, Undecided, judge};
use super::request::{self, RequestError};
use super::responder::{Responder, ResponderError, Signer, Status, StatusRow, unsigned};
use super::{HashAlg, IssuerId};
use crate::ca::crl::Reason;
use crate::ca::dn::Dn;
use crate::ca::issue::{CaUrls, IssueRequest, Issuer, SubCaOptions, self_signed_root};
use crate::ca::keys::{Algorithm, PrivateKey};
use crate::ca::profile::Profile;
use crate::ca::serial::Serial;
use crate::pkix::Cert;
use crate::pkix::sig::DefaultVerifier;

/// 2027-01-01T00:00:00Z.
const NOW: i64 = 1_798_761_600;
const DAY: i64 = 86_400;

struct Ca {
    key: PrivateKey,
    der: Vec<u8>,
}

fn ca(alg: Algorithm, name: &str) -> Ca {
    let key = PrivateKey::generate(alg).unwrap();
    let der = self_signed_root(
        &key,
        &Dn::parse(name).unwrap(),
        &Serial::from_be_bytes(&[1]).unwrap(),
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2036-01-01 0:00 UTC),
    )
    .unwrap();
    Ca { key, der }
}

/// A certificate of `profile` issued by `ca` with serial `serial`, and its key.
fn issue(ca: &Ca, profile: Profile, serial: u8, alg: Algorithm) -> (Vec<u8>, PrivateKey) {
    let key = PrivateKey::generate(alg).unwrap();
    let issuer = Issuer::new(&ca.der, &ca.key, CaUrls::default()).unwrap();
    let issued = issuer
        .issue(&IssueRequest {
            profile,
            subject: Dn::parse(&format!("CN=leaf {serial},O=Test,C=CN")).unwrap(),
            sans: vec![],
            spki_der: key.spki_der(),
            serial: Serial::from_be_bytes(&[serial]).unwrap(),
            not_before: datetime!(2026-06-01 0:00 UTC),
            not_after: datetime!(2028-01-01 0:00 UTC),
            sub_ca: SubCaOptions::default(),
        })
        .unwrap();
    (issued.der, key)
}

fn cert(der: &[u8]) -> Cert {
    Cert::from_der(der).unwrap()
}

fn rows() -> Vec<StatusRow> {
    vec![
        StatusRow {
            serial: Serial::from_be_bytes(&[2]).unwrap(),
            status: Status::Good,
        },
        StatusRow {
            serial: Serial::from_be_bytes(&[3]).unwrap(),
            status: Status::Revoked {
                at: NOW - DAY,
                reason: Reason::KeyCompromise,
            },
        },
    ]
}

fn responder(ca: &Ca) -> Responder {
    let mut r = Responder::new(&ca.der, Signer::Ca(ca.key.try_clone().unwrap()), DAY).unwrap();
    r.refresh(rows(), NOW).unwrap();
    r
}

/// The DER request for the certificate `leaf_der` of `ca` (SHA-1 CertID, as RFC 5019).
fn request_for(ca: &Ca, leaf_der: &[u8], alg: HashAlg) -> Vec<u8> {
    let id = IssuerId::new(&cert(&ca.der))
        .unwrap()
        .cert_id(alg, &cert(leaf_der).serial)
        .unwrap();
    request::build(vec![id]).unwrap()
}

fn ask(r: &Responder, ca: &Ca, leaf_der: &[u8], at: i64) -> Judgement {
    let resp = r.respond(&request_for(ca, leaf_der, HashAlg::Sha1), NOW);
    judge(
        &resp,
        &cert(leaf_der),
        &cert(&ca.der),
        at,
        &DefaultVerifier::default(),
    )
}

#[test]
fn good_revoked_and_unknown_by_the_ca_key_for_every_algorithm() {
    for alg in [
        Algorithm::P256,
        Algorithm::Ed25519,
        Algorithm::Sm2,
        Algorithm::P384,
    ] {
        let ca = ca(alg, "CN=OCSP Test CA,O=Test,C=CN");
        let r = responder(&ca);
        let (good, _) = issue(&ca, Profile::Person, 2, Algorithm::P256);
        let (revoked, _) = issue(&ca, Profile::Person, 3, Algorithm::P256);
        let (unknown, _) = issue(&ca, Profile::Person, 4, Algorithm::P256);
        assert_eq!(
            ask(&r, &ca, &good, NOW + 60),
            Judgement::Good {
                this_update: NOW,
                next_update: Some(NOW + DAY)
            },
            "{alg}"
        );
        assert_eq!(
            ask(&r, &ca, &revoked, NOW + 60),
            Judgement::Revoked {
                at: NOW - DAY,
                reason: Some(CrlReason::KeyCompromise)
            },
            "{alg}"
        );
        assert_eq!(
            ask(&r, &ca, &unknown, NOW + 60),
            Judgement::Unknown,
            "{alg}"
        );
    }
}

#[test]
fn single_requests_get_the_presigned_bytes_with_or_without_nonce_and_sha256_ids_too() {
    let ca = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let r = responder(&ca);
    let (good, _) = issue(&ca, Profile::Person, 2, Algorithm::P256);
    for alg in HashAlg::ALL {
        let req = request_for(&ca, &good, alg);
        let a = r.respond(&req, NOW + 10);
        let b = r.respond(&req, NOW + 20);
        assert!(matches!(a, Cow::Borrowed(_)), "{alg:?}: pre-signed");
        assert_eq!(a, b, "{alg:?}: the same bytes, not re-signed");
        let j = judge(
            &a,
            &cert(&good),
            &cert(&ca.der),
            NOW + 10,
            &DefaultVerifier::default(),
        );
        assert!(matches!(j, Judgement::Good { .. }), "{alg:?}: {j:?}");
    }
    // A nonce is ignored: the same pre-signed bytes (RFC 5019 §2.2.1).
    let mut parsed = request::parse_der(&request_for(&ca, &good, HashAlg::Sha1)).unwrap();
    parsed.nonce = Some(vec![1, 2, 3]);
    assert!(matches!(r.answer(&parsed, NOW + 10), Cow::Borrowed(_)));
    // Two CertIDs: signed when asked, both answered.
    let (revoked, _) = issue(&ca, Profile::Person, 3, Algorithm::P256);
    let ids = [&good, &revoked]
        .iter()
        .map(|d| {
            IssuerId::new(&cert(&ca.der))
                .unwrap()
                .cert_id(HashAlg::Sha1, &cert(d).serial)
                .unwrap()
        })
        .collect();
    let both = r.respond(&request::build(ids).unwrap(), NOW + 10);
    assert!(matches!(both, Cow::Owned(_)));
    let v = DefaultVerifier::default();
    assert!(matches!(
        judge(&both, &cert(&revoked), &cert(&ca.der), NOW + 10, &v),
        Judgement::Revoked { .. }
    ));
    assert!(matches!(
        judge(&both, &cert(&good), &cert(&ca.der), NOW + 10, &v),
        Judgement::Good { .. }
    ));
}

#[test]
fn cache_headers_run_to_next_update_and_stop_there() {
    let ca = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let r = responder(&ca);
    assert_eq!(
        r.cache_headers(NOW + 100),
        Some(super::CacheHeaders {
            max_age: DAY - 100,
            last_modified: NOW,
            expires: NOW + DAY
        })
    );
    assert_eq!(r.cache_headers(NOW + DAY), None);
    assert_eq!(r.cache_headers(NOW - 1), None);
}

#[test]
fn a_refresh_re_signs_from_the_new_rows() {
    let ca = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let mut r = responder(&ca);
    let (good, _) = issue(&ca, Profile::Person, 2, Algorithm::P256);
    assert!(matches!(
        ask(&r, &ca, &good, NOW + 1),
        Judgement::Good { .. }
    ));
    let mut now_revoked = rows();
    now_revoked[0].status = Status::Revoked {
        at: NOW + 100,
        reason: Reason::CertificateHold,
    };
    r.refresh(now_revoked, NOW + 200).unwrap();
    let resp = r.respond(&request_for(&ca, &good, HashAlg::Sha1), NOW + 201);
    assert_eq!(
        judge(
            &resp,
            &cert(&good),
            &cert(&ca.der),
            NOW + 201,
            &DefaultVerifier::default()
        ),
        Judgement::Revoked {
            at: NOW + 100,
            reason: Some(CrlReason::CertificateHold)
        }
    );
}

/// Past the last refresh's nextUpdate (a refresh failed, or none came) the statuses are not known
/// to be current: the answer is `tryLater`, unsigned, never the old status under fresh times
/// (which would answer `good` for a certificate revoked since). Before thisUpdate likewise.
#[test]
fn outside_the_refresh_s_validity_the_answer_is_try_later_not_a_stale_status() {
    let ca = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let r = responder(&ca);
    let (good, _) = issue(&ca, Profile::Person, 2, Algorithm::P256);
    for at in [NOW + 2 * DAY, NOW - 60] {
        let resp = r.respond(&request_for(&ca, &good, HashAlg::Sha1), at);
        assert_eq!(
            judge(
                &resp,
                &cert(&good),
                &cert(&ca.der),
                at,
                &DefaultVerifier::default()
            ),
            Judgement::Undecided(Undecided::Status("tryLater")),
            "at {at}"
        );
    }
}

#[test]
fn another_issuers_cert_id_is_unauthorized_and_garbage_is_malformed() {
    let ca1 = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let ca2 = ca(Algorithm::P256, "CN=Other CA,O=Test,C=CN");
    let r = responder(&ca1);
    let (other, _) = issue(&ca2, Profile::Person, 2, Algorithm::P256);
    let resp = r.respond(&request_for(&ca2, &other, HashAlg::Sha1), NOW);
    assert_eq!(
        &*resp,
        unsigned(OcspResponseStatus::Unauthorized).as_slice()
    );
    assert_eq!(
        judge(
            &resp,
            &cert(&other),
            &cert(&ca2.der),
            NOW,
            &DefaultVerifier::default()
        ),
        Judgement::Undecided(Undecided::Status("unauthorized"))
    );
    for bad in [&b""[..], b"\x30\x00", b"not der at all"] {
        let resp = r.respond(bad, NOW);
        assert_eq!(
            &*resp,
            unsigned(OcspResponseStatus::MalformedRequest).as_slice()
        );
        assert_eq!(
            judge(
                &resp,
                &cert(&other),
                &cert(&ca2.der),
                NOW,
                &DefaultVerifier::default()
            ),
            Judgement::Undecided(Undecided::Status("malformedRequest"))
        );
    }
    assert_eq!(
        &*r.respond_get("/%%%", NOW),
        unsigned(OcspResponseStatus::MalformedRequest).as_slice()
    );
}

#[test]
fn requests_are_bounded_and_errors_typed() {
    let ca = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let (good, _) = issue(&ca, Profile::Person, 2, Algorithm::P256);
    let big = vec![0x30; request::MAX_REQUEST_BYTES + 1];
    assert!(matches!(
        request::parse_der(&big),
        Err(RequestError::TooLong { .. })
    ));
    assert_eq!(
        request::parse_der(&request::build(vec![]).unwrap()),
        Err(RequestError::Empty)
    );
    let id = IssuerId::new(&cert(&ca.der))
        .unwrap()
        .cert_id(HashAlg::Sha1, &cert(&good).serial)
        .unwrap();
    let many = request::build(vec![id.clone(); request::MAX_CERT_IDS + 1]).unwrap();
    assert_eq!(
        request::parse_der(&many),
        Err(RequestError::TooManyCertIds(request::MAX_CERT_IDS + 1))
    );
    let der = request::build(vec![id]).unwrap();
    let truncated = &der[..der.len() - 1];
    assert!(matches!(
        request::parse_der(truncated),
        Err(RequestError::Der(_))
    ));
    assert!(matches!(
        request::parse_get("/not base64!"),
        Err(RequestError::GetForm(_))
    ));
    assert!(matches!(
        request::parse_get("/ab%zz"),
        Err(RequestError::GetForm(_))
    ));
}

#[test]
fn the_get_form_is_the_post_form() {
    let ca = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let r = responder(&ca);
    let (good, _) = issue(&ca, Profile::Person, 2, Algorithm::P256);
    let der = request_for(&ca, &good, HashAlg::Sha1);
    let path = request::get_path(&der);
    assert_eq!(
        request::parse_get(&format!("/{path}")).unwrap(),
        request::parse_der(&der).unwrap()
    );
    // Unescaped base64 (`/`, `+`, `=` as some clients send them) reads the same.
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD.encode(&der);
    assert_eq!(
        request::parse_get(&raw).unwrap(),
        request::parse_der(&der).unwrap()
    );
    assert_eq!(r.respond_get(&path, NOW + 5), r.respond(&der, NOW + 5));
}

#[test]
fn a_delegated_responder_with_nocheck_is_accepted() {
    let ca = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let (delegate, key) = issue(&ca, Profile::Ocsp, 9, Algorithm::P256);
    let d = cert(&delegate);
    assert!(
        d.ext
            .present
            .contains(&crate::pkix::cert::oid::OCSP_NOCHECK),
        "the ocsp profile carries id-pkix-ocsp-nocheck"
    );
    assert_eq!(
        d.ext.ext_key_usage.as_deref(),
        Some(&[super::OID_KP_OCSP_SIGNING][..]),
        "and id-kp-OCSPSigning only"
    );
    let mut r = Responder::new(
        &ca.der,
        Signer::Delegated {
            cert_der: delegate.clone(),
            key,
        },
        DAY,
    )
    .unwrap();
    r.refresh(rows(), NOW).unwrap();
    let (good, _) = issue(&ca, Profile::Person, 2, Algorithm::P256);
    assert!(matches!(
        ask(&r, &ca, &good, NOW + 1),
        Judgement::Good { .. }
    ));
    // No refresh outside the delegate's validity: the last answers stay.
    assert!(matches!(
        r.refresh(rows(), d.not_after + 1),
        Err(ResponderError::Delegated(_))
    ));
    assert_eq!(r.this_update(), NOW);
    // Outside the delegate's validity, its answers do not count.
    assert_eq!(
        judge(
            &r.respond(&request_for(&ca, &good, HashAlg::Sha1), NOW),
            &cert(&good),
            &cert(&ca.der),
            d.not_after + 1,
            &DefaultVerifier::default()
        ),
        Judgement::Undecided(Undecided::DelegateNotValidNow(d.subject_text()))
    );
}

#[test]
fn a_responder_refuses_a_key_or_delegate_that_does_not_fit() {
    let ca1 = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let ca2 = ca(Algorithm::P256, "CN=Other CA,O=Test,C=CN");
    assert!(matches!(
        Responder::new(&ca1.der, Signer::Ca(ca2.key.try_clone().unwrap()), DAY),
        Err(ResponderError::KeyMismatch)
    ));
    let (person, key) = issue(&ca1, Profile::Person, 5, Algorithm::P256);
    assert!(matches!(
        Responder::new(
            &ca1.der,
            Signer::Delegated {
                cert_der: person,
                key
            },
            DAY
        ),
        Err(ResponderError::Delegated(_))
    ));
    let (foreign, key) = issue(&ca2, Profile::Ocsp, 5, Algorithm::P256);
    assert!(matches!(
        Responder::new(
            &ca1.der,
            Signer::Delegated {
                cert_der: foreign,
                key
            },
            DAY
        ),
        Err(ResponderError::Delegated(_))
    ));
}

/// A responder for `ca` signing with a delegate it does not check (what a forger would send).
fn forged(ca: &Ca, cert_der: Vec<u8>, key: PrivateKey) -> Responder {
    let mut r =
        Responder::new_unchecked(&ca.der, Signer::Delegated { cert_der, key }, DAY).unwrap();
    r.refresh(rows(), NOW).unwrap();
    r
}

#[test]
fn the_checker_refuses_wrong_signers_and_delegates() {
    let ca1 = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let (good, _) = issue(&ca1, Profile::Person, 2, Algorithm::P256);
    // Wrong signer key: a CA of the same name with another key signs.
    let twin = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let r = responder(&twin);
    let resp = r.respond(&request_for(&twin, &good, HashAlg::Sha1), NOW);
    assert_eq!(
        judge(
            &resp,
            &cert(&good),
            &cert(&ca1.der),
            NOW + 1,
            &DefaultVerifier::default()
        ),
        Judgement::Undecided(Undecided::BadSignature)
    );
    // A delegate without id-kp-OCSPSigning.
    let (person, key) = issue(&ca1, Profile::Person, 5, Algorithm::P256);
    let r = forged(&ca1, person, key);
    assert!(matches!(
        ask(&r, &ca1, &good, NOW + 1),
        Judgement::Undecided(Undecided::Delegate(why)) if why.contains("id-kp-OCSPSigning")
    ));
    // A delegate of another CA.
    let ca2 = ca(Algorithm::P256, "CN=Other CA,O=Test,C=CN");
    let (foreign, key) = issue(&ca2, Profile::Ocsp, 5, Algorithm::P256);
    let r = forged(&ca1, foreign, key);
    assert!(matches!(
        ask(&r, &ca1, &good, NOW + 1),
        Judgement::Undecided(Undecided::Delegate(why)) if why.contains("not issued by")
    ));
    // A delegate with the EKU but without id-pkix-ocsp-nocheck.
    let (no_nocheck, key) = ocsp_signer_without_nocheck(&ca1);
    let r = forged(&ca1, no_nocheck, key);
    assert!(matches!(
        ask(&r, &ca1, &good, NOW + 1),
        Judgement::Undecided(Undecided::NoCheckMissing(_))
    ));
}

/// An id-kp-OCSPSigning certificate without id-pkix-ocsp-nocheck, made with rcgen directly.
fn ocsp_signer_without_nocheck(ca: &Ca) -> (Vec<u8>, PrivateKey) {
    let key = PrivateKey::generate(Algorithm::P256).unwrap();
    let mut p = rcgen::CertificateParams::default();
    p.distinguished_name = Dn::parse("CN=no nocheck,O=Test,C=CN").unwrap().to_rcgen();
    p.serial_number = Some(vec![7].into());
    p.not_before = datetime!(2026-06-01 0:00 UTC);
    p.not_after = datetime!(2028-01-01 0:00 UTC);
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::OcspSigning];
    let issuer = rcgen::Issuer::from_ca_cert_der(
        &ca.der.clone().into(),
        crate::ca::keys::RcgenSigner(ca.key.key_pair()),
    )
    .unwrap();
    let der = p.signed_by(key.key_pair(), &issuer).unwrap().der().to_vec();
    (der, key)
}

#[test]
fn the_checker_refuses_other_cert_ids_and_bad_times() {
    let ca = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
    let r = responder(&ca);
    let (good, _) = issue(&ca, Profile::Person, 2, Algorithm::P256);
    let (revoked, _) = issue(&ca, Profile::Person, 3, Algorithm::P256);
    let v = DefaultVerifier::default();
    // The answer about another certificate.
    let resp = r.respond(&request_for(&ca, &revoked, HashAlg::Sha1), NOW);
    assert_eq!(
        judge(&resp, &cert(&good), &cert(&ca.der), NOW, &v),
        Judgement::Undecided(Undecided::NoMatchingResponse)
    );
    let resp = r.respond(&request_for(&ca, &good, HashAlg::Sha1), NOW);
    // Stale: past nextUpdate.
    assert_eq!(
        judge(&resp, &cert(&good), &cert(&ca.der), NOW + DAY + 1, &v),
        Judgement::Undecided(Undecided::Stale(NOW + DAY))
    );
    // thisUpdate in the future beyond the skew; within it, fine.
    assert_eq!(
        judge(&resp, &cert(&good), &cert(&ca.der), NOW - SKEW - 1, &v),
        Judgement::Undecided(Undecided::ThisUpdateInFuture(NOW))
    );
    assert!(matches!(
        judge(&resp, &cert(&good), &cert(&ca.der), NOW - SKEW, &v),
        Judgement::Good { .. }
    ));
    // Truncated and oversized bodies.
    let truncated = &resp[..resp.len() - 10];
    assert!(matches!(
        judge(truncated, &cert(&good), &cert(&ca.der), NOW, &v),
        Judgement::Undecided(Undecided::Malformed(_))
    ));
    let huge = vec![0u8; super::MAX_RESPONSE_BYTES + 1];
    assert!(matches!(
        judge(&huge, &cert(&good), &cert(&ca.der), NOW, &v),
        Judgement::Undecided(Undecided::TooLarge { .. })
    ));
    // A flipped bit in the signed part.
    let mut flipped = resp.to_vec();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x01;
    assert!(matches!(
        judge(&flipped, &cert(&good), &cert(&ca.der), NOW, &v),
        Judgement::Undecided(_)
    ));
}

mod no_panic {
    use proptest::prelude::*;

    use super::*;

    fn fixture() -> &'static (Responder, Vec<u8>, Vec<u8>) {
        static F: std::sync::OnceLock<(Responder, Vec<u8>, Vec<u8>)> = std::sync::OnceLock::new();
        F.get_or_init(|| {
            let ca = ca(Algorithm::P256, "CN=OCSP Test CA,O=Test,C=CN");
            let (leaf, _) = issue(&ca, Profile::Person, 2, Algorithm::P256);
            (responder(&ca), ca.der, leaf)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the bytes, the responder answers (an error status at worst), and the
        /// checker judges (undecided at worst); a mutated real request or response too.
        #[test]
        fn hostile_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..600),
            at in 0usize..400,
            xor in 1u8..=255,
        ) {
            let (r, ca_der, leaf) = fixture();
            let _ = r.respond(&bytes, NOW);
            let _ = r.respond_get(&String::from_utf8_lossy(&bytes), NOW);
            let v = DefaultVerifier::default();
            let _ = judge(&bytes, &cert(leaf), &cert(ca_der), NOW, &v);
            let id = IssuerId::new(&cert(ca_der)).unwrap().cert_id(HashAlg::Sha1, &cert(leaf).serial).unwrap();
            let mut req = request::build(vec![id]).unwrap();
            let i = at % req.len();
            req[i] ^= xor;
            let resp = r.respond(&req, NOW).to_vec();
            let mut resp2 = resp.clone();
            let j = at % resp2.len();
            resp2[j] ^= xor;
            let j = judge(&resp2, &cert(leaf), &cert(ca_der), NOW, &v);
            // A changed byte never turns into a different decided answer than the true one.
            prop_assert!(
                matches!(j, Judgement::Undecided(_) | Judgement::Good { .. }),
                "{j:?}"
            );
        }
    }
}

#[test]
fn a_responder_can_be_shared_by_a_server() {
    fn shared<T: Send + Sync>() {}
    shared::<Responder>();
}
