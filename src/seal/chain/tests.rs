//! The at-time chain checker on a small rcgen PKI: root -> sub CA -> holder, CRLs issued
//! before and after the signing time, revocations before and after it.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason,
    RevokedCertParams, SerialNumber,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::*;

const T: OffsetDateTime = datetime!(2026-11-30 10:00:00 UTC);

struct Ca {
    cert: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

fn params(cn: &str, ca: bool) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CountryName, "CN");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = datetime!(2026-01-01 00:00:00 UTC);
    p.not_after = datetime!(2030-01-01 00:00:00 UTC);
    p.use_authority_key_identifier_extension = true;
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    }
    p
}

fn root() -> Ca {
    let key = KeyPair::generate().unwrap();
    let p = params("根CA", true);
    let cert = p.self_signed(&key).unwrap().der().to_vec();
    Ca {
        cert,
        issuer: Issuer::new(p, key),
    }
}

fn sub_ca(parent: &Ca) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut p = params("子CA", true);
    p.serial_number = Some(SerialNumber::from(500u64));
    let cert = p.signed_by(&key, &parent.issuer).unwrap().der().to_vec();
    Ca {
        cert,
        issuer: Issuer::new(p, key),
    }
}

fn holder(ca: &Ca, serial: u64, eku: bool) -> Vec<u8> {
    let key = KeyPair::generate().unwrap();
    let mut p = params("盖章人", false);
    p.serial_number = Some(SerialNumber::from(serial));
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    p.extended_key_usages = if eku {
        vec![ExtendedKeyUsagePurpose::Other(vec![
            1, 3, 6, 1, 5, 5, 7, 3, 36,
        ])]
    } else {
        vec![ExtendedKeyUsagePurpose::ServerAuth]
    };
    p.signed_by(&key, &ca.issuer).unwrap().der().to_vec()
}

fn crl(ca: &Ca, this_update: OffsetDateTime, revoked: &[(u64, OffsetDateTime)]) -> Vec<u8> {
    CertificateRevocationListParams {
        this_update,
        next_update: this_update + Duration::days(7),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|(s, at)| RevokedCertParams {
                serial_number: SerialNumber::from(*s),
                revocation_time: *at,
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&ca.issuer)
    .unwrap()
    .der()
    .to_vec()
}

#[test]
fn no_crl_is_valid_with_revocation_unknown() {
    let r = root();
    let h = holder(&r, 7, true);
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[]).unwrap();
    match c.check(&h, &[], T, ChainRole::Holder) {
        ChainCheck::ValidRevocationUnknown(why) => assert!(why.contains("no CRL"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn crl_issued_after_signing_settles_good() {
    let r = root();
    let h = holder(&r, 7, true);
    let crls = vec![crl(
        &r,
        T + Duration::hours(1),
        &[(99, T - Duration::days(1))],
    )];
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    assert_eq!(c.check(&h, &[], T, ChainRole::Holder), ChainCheck::Valid);
}

#[test]
fn crl_issued_before_signing_does_not_settle() {
    let r = root();
    let h = holder(&r, 7, true);
    let crls = vec![crl(&r, T - Duration::hours(1), &[])];
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    match c.check(&h, &[], T, ChainRole::Holder) {
        ChainCheck::ValidRevocationUnknown(why) => {
            assert!(why.contains("before the signing time"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn revoked_before_signing_is_invalid_even_on_an_old_crl() {
    let r = root();
    let h = holder(&r, 7, true);
    let crls = vec![crl(
        &r,
        T - Duration::hours(1),
        &[(7, T - Duration::days(1))],
    )];
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    match c.check(&h, &[], T, ChainRole::Holder) {
        ChainCheck::Invalid(why) => assert!(why.contains("revoked at"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn revoked_after_signing_is_valid_at_the_signing_time() {
    let r = root();
    let h = holder(&r, 7, true);
    let crls = vec![crl(
        &r,
        T + Duration::days(2),
        &[(7, T + Duration::days(1))],
    )];
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    assert_eq!(c.check(&h, &[], T, ChainRole::Holder), ChainCheck::Valid);
    // ... and invalid when judged after the revocation.
    assert!(matches!(
        c.check(&h, &[], T + Duration::days(3), ChainRole::Holder),
        ChainCheck::Invalid(_)
    ));
}

#[test]
fn crl_from_another_ca_with_the_same_name_does_not_count() {
    let r = root();
    let impostor = root();
    let h = holder(&r, 7, true);
    let crls = vec![crl(&impostor, T + Duration::hours(1), &[])];
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    match c.check(&h, &[], T, ChainRole::Holder) {
        ChainCheck::ValidRevocationUnknown(why) => {
            assert!(why.contains("does not verify"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn holder_without_document_signing_or_untrusted_is_invalid() {
    let r = root();
    let other = root();
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[]).unwrap();
    assert!(matches!(
        c.check(&holder(&r, 8, false), &[], T, ChainRole::Holder),
        ChainCheck::Invalid(_)
    ));
    // Another CA under the same name: its signature does not verify with the anchor's key.
    assert!(matches!(
        c.check(&holder(&other, 9, true), &[], T, ChainRole::Holder),
        ChainCheck::Invalid(_)
    ));
    match c.check(
        &holder(&r, 10, true),
        &[],
        datetime!(2031-01-01 0:00 UTC),
        ChainRole::Holder,
    ) {
        ChainCheck::Invalid(why) => assert!(why.contains("expired"), "{why}"),
        x => panic!("{x:?}"),
    }
}

#[test]
fn sub_ca_path_checks_every_level() {
    let r = root();
    let s = sub_ca(&r);
    let h = holder(&s, 7, true);
    // The sub CA is revoked (by the root) after the signing time, the holder's CRL is fresh.
    let crls = vec![
        crl(&s, T + Duration::hours(1), &[]),
        crl(&r, T + Duration::hours(1), &[]),
    ];
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    assert_eq!(
        c.check(&h, std::slice::from_ref(&s.cert), T, ChainRole::Holder),
        ChainCheck::Valid
    );
    // Without the root's CRL, the sub CA's revocation is unknown.
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls[..1]).unwrap();
    assert!(matches!(
        c.check(&h, std::slice::from_ref(&s.cert), T, ChainRole::Holder),
        ChainCheck::ValidRevocationUnknown(_)
    ));
}

#[test]
fn ca_as_seal_authority() {
    let r = root();
    let s = sub_ca(&r);
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[]).unwrap();
    // The root itself: an anchor.
    assert_eq!(
        c.check(&r.cert, &[], T, ChainRole::Authority),
        ChainCheck::Valid
    );
    // A subordinate CA chaining to it; revocation unknown without the root's CRL.
    assert!(matches!(
        c.check(&s.cert, &[], T, ChainRole::Authority),
        ChainCheck::ValidRevocationUnknown(_)
    ));
    // Revoked by the root before the signing time.
    let crls = vec![crl(
        &r,
        T + Duration::hours(1),
        &[(500, T - Duration::hours(1))],
    )];
    let revoking = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    assert!(matches!(
        revoking.check(&s.cert, &[], T, ChainRole::Authority),
        ChainCheck::Invalid(_)
    ));
    assert_eq!(
        revoking.check(&s.cert, &[], T - Duration::hours(2), ChainRole::Authority),
        ChainCheck::Valid
    );
    // A CA cannot be a holder.
    assert!(matches!(
        c.check(&s.cert, &[], T, ChainRole::Holder),
        ChainCheck::Invalid(_)
    ));
    // An untrusted CA.
    let other = root();
    assert!(matches!(
        c.check(&other.cert, &[], T, ChainRole::Authority),
        ChainCheck::Invalid(_)
    ));
    // Outside the CA's validity.
    assert!(matches!(
        c.check(
            &r.cert,
            &[],
            datetime!(2031-01-01 0:00 UTC),
            ChainRole::Authority
        ),
        ChainCheck::Invalid(_)
    ));
}

#[test]
fn malformed_crl_is_a_setup_error_and_cache_answers_repeat() {
    let r = root();
    assert!(matches!(
        AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[b"junk".to_vec()]),
        Err(ChainSetupError::BadCrl { .. })
    ));
    assert!(matches!(
        AtTimeChecker::new(&[], &[], &[]),
        Err(ChainSetupError::NoAnchors)
    ));
    let h = holder(&r, 7, true);
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[]).unwrap();
    let a = c.check(&h, &[], T, ChainRole::Holder);
    let b = c.check(&h, &[], T, ChainRole::Holder);
    assert_eq!(a, b);
    // CRLs carried by a signature count too.
    let with = c.with_crls(&[crl(
        &r,
        T + Duration::hours(1),
        &[(7, T - Duration::hours(2))],
    )]);
    assert!(matches!(
        with.check(&h, &[], T, ChainRole::Holder),
        ChainCheck::Invalid(_)
    ));
}

fn tsa(ca: &Ca, serial: u64, critical: bool) -> Vec<u8> {
    let key = KeyPair::generate().unwrap();
    let mut p = params("时间戳服务", false);
    p.serial_number = Some(SerialNumber::from(serial));
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    if critical {
        // extKeyUsage SEQUENCE { id-kp-timeStamping }, critical as RFC 3161 §2.3 wants.
        let mut ext = rcgen::CustomExtension::from_oid_content(
            &[2, 5, 29, 37],
            vec![0x30, 0x0A, 0x06, 0x08, 0x2B, 6, 1, 5, 5, 7, 3, 8],
        );
        ext.set_criticality(true);
        p.custom_extensions = vec![ext];
    } else {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::TimeStamping];
    }
    p.signed_by(&key, &ca.issuer).unwrap().der().to_vec()
}

#[test]
fn a_tsa_needs_the_critical_time_stamping_eku_alone() {
    let r = root();
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[]).unwrap();
    assert!(matches!(
        c.check(&tsa(&r, 20, true), &[], T, ChainRole::TimeStamping),
        ChainCheck::ValidRevocationUnknown(_)
    ));
    match c.check(&tsa(&r, 21, false), &[], T, ChainRole::TimeStamping) {
        ChainCheck::Invalid(why) => assert!(why.contains("RFC 3161"), "{why}"),
        other => panic!("{other:?}"),
    }
    // A seal holder's certificate is no TSA.
    assert!(matches!(
        c.check(&holder(&r, 22, true), &[], T, ChainRole::TimeStamping),
        ChainCheck::Invalid(_)
    ));
    // Not yet valid at genTime.
    assert!(matches!(
        c.check(
            &tsa(&r, 23, true),
            &[],
            datetime!(2025-06-01 00:00:00 UTC),
            ChainRole::TimeStamping
        ),
        ChainCheck::Invalid(_)
    ));
}

/// A certificate of a foreign GB/T 38540 signer: clientAuth, the key usages given, CA or not.
fn ses_signer(ca: &Ca, serial: u64, usages: Vec<KeyUsagePurpose>, is_ca: bool) -> Vec<u8> {
    let key = KeyPair::generate().unwrap();
    let mut p = params("签章人", is_ca);
    p.serial_number = Some(SerialNumber::from(serial));
    p.key_usages = usages;
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    p.signed_by(&key, &ca.issuer).unwrap().der().to_vec()
}

#[test]
fn an_ses_signer_needs_a_signing_key_usage_and_not_a_ca_but_no_particular_eku() {
    let r = root();
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[]).unwrap();
    let signing = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    // clientAuth is fine for a foreign seal-signature signer (not for a govpki .p7s holder).
    let h = ses_signer(&r, 21, signing.clone(), false);
    assert!(
        matches!(
            c.check(&h, &[], T, ChainRole::SesHolder),
            ChainCheck::Valid | ChainCheck::ValidRevocationUnknown(_)
        ),
        "{:?}",
        c.check(&h, &[], T, ChainRole::SesHolder)
    );
    assert!(matches!(
        c.check(&h, &[], T, ChainRole::Holder),
        ChainCheck::Invalid(_)
    ));
    // A key usage without digitalSignature or nonRepudiation: refused.
    let h = ses_signer(&r, 22, vec![KeyUsagePurpose::KeyEncipherment], false);
    assert!(matches!(
        c.check(&h, &[], T, ChainRole::SesHolder),
        ChainCheck::Invalid(_)
    ));
    // A CA certificate does not sign documents.
    let h = ses_signer(&r, 23, signing, true);
    match c.check(&h, &[], T, ChainRole::SesHolder) {
        ChainCheck::Invalid(why) => assert!(why.contains("CA"), "{why}"),
        other => panic!("{other:?}"),
    }
}
