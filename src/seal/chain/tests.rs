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
    root_named("根CA")
}

fn root_named(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let p = params(name, true);
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
    let revoked: Vec<_> = revoked
        .iter()
        .map(|(s, at)| (*s, *at, RevocationReason::KeyCompromise, None))
        .collect();
    crl_with(ca, this_update, &revoked)
}

/// A CRL with entries (serial, revocation date, reason, invalidity date).
fn crl_with(
    ca: &Ca,
    this_update: OffsetDateTime,
    revoked: &[(
        u64,
        OffsetDateTime,
        RevocationReason,
        Option<OffsetDateTime>,
    )],
) -> Vec<u8> {
    CertificateRevocationListParams {
        this_update,
        next_update: this_update + Duration::days(7),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|(s, at, reason, invalidity)| RevokedCertParams {
                serial_number: SerialNumber::from(*s),
                revocation_time: *at,
                reason_code: Some(*reason),
                invalidity_date: *invalidity,
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
        ChainCheck::ValidRevocationUnknown(why) => {
            assert!(why.to_string().contains("no CRL"), "{why}")
        }
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
            assert!(why.to_string().contains("before the signing time"), "{why}")
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
        ChainCheck::Invalid(why) => assert!(why.to_string().contains("revoked at"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn revoked_after_signing_is_valid_at_the_signing_time() {
    let r = root();
    let h = holder(&r, 7, true);
    let crls = vec![crl_with(
        &r,
        T + Duration::days(2),
        &[(7, T + Duration::days(1), RevocationReason::Superseded, None)],
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
fn a_key_compromise_voids_claimed_times_but_not_proven_ones() {
    let r = root();
    let h = holder(&r, 7, true);
    let crls = vec![crl(
        &r,
        T + Duration::days(2),
        &[(7, T + Duration::days(1))],
    )];
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    // Claimed: a stolen key writes any time.
    match c.check(&h, &[], T, ChainRole::Holder) {
        ChainCheck::Invalid(why) => {
            assert!(why.to_string().contains("keyCompromise"), "{why}");
            assert!(why.to_string().contains("not proven"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    // Proven (a time-stamp's genTime before the compromise): valid then.
    assert_eq!(
        c.check_proven(&h, &[], T, ChainRole::Holder),
        ChainCheck::Valid
    );
    // Proven, but after the compromise: revoked.
    assert!(matches!(
        c.check_proven(&h, &[], T + Duration::days(1), ChainRole::Holder),
        ChainCheck::Invalid(_)
    ));
    // The cache keeps the two answers apart.
    assert!(matches!(
        c.check(&h, &[], T, ChainRole::Holder),
        ChainCheck::Invalid(_)
    ));
    // A TSA's compromise is final even at a "proven" time: its own genTime proves nothing.
    let t = tsa(&r, 30, true);
    let crls = vec![crl(
        &r,
        T + Duration::days(2),
        &[(30, T + Duration::days(1))],
    )];
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    assert!(matches!(
        c.check_proven(&t, &[], T, ChainRole::TimeStamping),
        ChainCheck::Invalid(_)
    ));
}

#[test]
fn an_invalidity_date_voids_claimed_times_and_dates_a_proven_one() {
    let r = root();
    let h = holder(&r, 7, true);
    // Superseded a week after T, but declared invalid from a day after T.
    let crls = vec![crl_with(
        &r,
        T + Duration::days(8),
        &[(
            7,
            T + Duration::days(7),
            RevocationReason::Superseded,
            Some(T + Duration::days(1)),
        )],
    )];
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    match c.check(&h, &[], T, ChainRole::Holder) {
        ChainCheck::Invalid(why) => assert!(why.to_string().contains("invalid since"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.check_proven(&h, &[], T, ChainRole::Holder),
        ChainCheck::Valid
    );
    // Proven between the invalidity date and the revocation: invalid.
    assert!(matches!(
        c.check_proven(&h, &[], T + Duration::days(2), ChainRole::Holder),
        ChainCheck::Invalid(_)
    ));
}

#[test]
fn a_ca_revoked_for_key_compromise_voids_the_chain_below_it() {
    let r = root();
    let s = sub_ca(&r);
    let h = holder(&s, 7, true);
    let crls = vec![
        crl(&s, T + Duration::days(2), &[]),
        crl_with(
            &r,
            T + Duration::days(2),
            &[(
                500,
                T + Duration::days(1),
                RevocationReason::CaCompromise,
                None,
            )],
        ),
    ];
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    match c.check(&h, std::slice::from_ref(&s.cert), T, ChainRole::Holder) {
        ChainCheck::Invalid(why) => assert!(why.to_string().contains("cACompromise"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.check_proven(&h, std::slice::from_ref(&s.cert), T, ChainRole::Holder),
        ChainCheck::Valid
    );
}

#[test]
fn store_revocations_speak_for_the_home_ca() {
    let r = root();
    let h = holder(&r, 7, true);
    let other = holder(&r, 8, true);
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[])
        .unwrap()
        .with_store_revocations(
            r.cert.clone(),
            [StoreRevocation {
                serial: vec![7],
                revoked_at: T + Duration::days(1),
                reason: Reason::KeyCompromise,
                invalidity: None,
            }],
            T + Duration::days(3),
        );
    // Listed for keyCompromise after a claimed time: invalid; proven before: valid.
    assert!(matches!(
        c.check(&h, &[], T, ChainRole::Holder),
        ChainCheck::Invalid(_)
    ));
    assert_eq!(
        c.check_proven(&h, &[], T, ChainRole::Holder),
        ChainCheck::Valid
    );
    // Not listed, at a time the store speaks for: settled good.
    assert_eq!(
        c.check(&other, &[], T, ChainRole::Holder),
        ChainCheck::Valid
    );
    // After the store was read: unknown.
    assert!(matches!(
        c.check(&other, &[], T + Duration::days(4), ChainRole::Holder),
        ChainCheck::ValidRevocationUnknown(_)
    ));
}

/// An end-entity certificate with the given EKUs, signing key usages.
fn end_entity(ca: &Ca, cn: &str, serial: u64, ekus: Vec<ExtendedKeyUsagePurpose>) -> Vec<u8> {
    let key = KeyPair::generate().unwrap();
    let mut p = params(cn, false);
    p.serial_number = Some(SerialNumber::from(serial));
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    p.extended_key_usages = ekus;
    p.signed_by(&key, &ca.issuer).unwrap().der().to_vec()
}

fn seal_authority_eku() -> ExtendedKeyUsagePurpose {
    ExtendedKeyUsagePurpose::Other(crate::ca::profile::OID_SEAL_AUTHORITY.to_vec())
}

#[test]
fn only_seal_authorities_make_seals() {
    let r = root();
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[]).unwrap();
    // A person (clientAuth, emailProtection) and a seal holder (documentSigning) under the root.
    let person = end_entity(
        &r,
        "张三",
        40,
        vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::EmailProtection,
        ],
    );
    let seal_holder = holder(&r, 41, true);
    for cert in [&person, &seal_holder] {
        match c.check(cert, &[], T, ChainRole::Authority) {
            ChainCheck::Invalid(why) => {
                assert!(why.to_string().contains("not a seal authority"), "{why}")
            }
            other => panic!("{other:?}"),
        }
    }
    // A seal-authority certificate under the root.
    let authority = end_entity(&r, "印章管理部门", 42, vec![seal_authority_eku()]);
    assert!(matches!(
        c.check(&authority, &[], T, ChainRole::Authority),
        ChainCheck::ValidRevocationUnknown(_)
    ));
    // ... under another root: untrusted.
    let other = root_named("外部根CA");
    let stranger = end_entity(&other, "印章管理部门", 43, vec![seal_authority_eku()]);
    assert!(matches!(
        c.check(&stranger, &[], T, ChainRole::Authority),
        ChainCheck::Invalid(_)
    ));
    // Pinned: the person's certificate chains to the root and is checked there; the stranger
    // has no path and stands on its own (revocation unknown), within its validity.
    let pinned = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[])
        .unwrap()
        .with_seal_authorities(vec![person.clone(), stranger.clone()]);
    assert!(matches!(
        pinned.check(&person, &[], T, ChainRole::Authority),
        ChainCheck::ValidRevocationUnknown(_)
    ));
    match pinned.check(&stranger, &[], T, ChainRole::Authority) {
        ChainCheck::ValidRevocationUnknown(why) => {
            assert!(why.to_string().contains("pinned"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        pinned.check(
            &stranger,
            &[],
            datetime!(2031-01-01 0:00 UTC),
            ChainRole::Authority
        ),
        ChainCheck::Invalid(_)
    ));
    // An impostor root with the trusted root's name: its seal authority claims a place in the
    // trusted hierarchy, so pinning it does not hide that its path fails.
    let impostor = root();
    let forged = end_entity(&impostor, "印章管理部门", 44, vec![seal_authority_eku()]);
    let pinned_forged = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[])
        .unwrap()
        .with_seal_authorities(vec![forged.clone()]);
    assert!(matches!(
        pinned_forged.check(&forged, &[], T, ChainRole::Authority),
        ChainCheck::Invalid(_)
    ));
    // The seal holder stays none.
    assert!(matches!(
        pinned.check(&seal_holder, &[], T, ChainRole::Authority),
        ChainCheck::Invalid(_)
    ));
    // Without trust anchors, by its own extensions (`seal show`).
    assert!(seal_authority_kind(&person).is_err());
    assert!(seal_authority_kind(&authority).is_ok());
    assert!(seal_authority_kind(&r.cert).is_ok());
}

#[test]
fn a_ca_without_key_cert_sign_issues_nothing_and_makes_no_seals() {
    // A "root" whose key usage lacks keyCertSign (as the ofdrw test root), and a leaf under it.
    let key = KeyPair::generate().unwrap();
    let mut p = params("无签发权根", true);
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    let cert = p.self_signed(&key).unwrap().der().to_vec();
    let bad = Ca {
        cert,
        issuer: Issuer::new(p, key),
    };
    let c = AtTimeChecker::new(std::slice::from_ref(&bad.cert), &[], &[]).unwrap();
    for role in [ChainRole::Holder, ChainRole::SesHolder] {
        let leaf = if role == ChainRole::Holder {
            holder(&bad, 50, true)
        } else {
            ses_signer(&bad, 51, vec![KeyUsagePurpose::DigitalSignature], false)
        };
        match c.check(&leaf, &[], T, role) {
            ChainCheck::Invalid(why) => {
                assert!(
                    why.to_string().contains("may not sign certificates"),
                    "{role:?}: {why}"
                )
            }
            other => panic!("{role:?}: {other:?}"),
        }
    }
    match c.check(&bad.cert, &[], T, ChainRole::Authority) {
        ChainCheck::Invalid(why) => assert!(why.to_string().contains("keyCertSign"), "{why}"),
        other => panic!("{other:?}"),
    }
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
            assert!(why.to_string().contains("does not verify"), "{why}")
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
        ChainCheck::Invalid(why) => assert!(why.to_string().contains("expired"), "{why}"),
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
    // Before a keyCompromise revocation: valid only at a proven time.
    assert_eq!(
        revoking.check_proven(&s.cert, &[], T - Duration::hours(2), ChainRole::Authority),
        ChainCheck::Valid
    );
    assert!(matches!(
        revoking.check(&s.cert, &[], T - Duration::hours(2), ChainRole::Authority),
        ChainCheck::Invalid(_)
    ));
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
        ChainCheck::Invalid(why) => assert!(why.to_string().contains("RFC 3161"), "{why}"),
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
        ChainCheck::Invalid(why) => assert!(why.to_string().contains("CA"), "{why}"),
        other => panic!("{other:?}"),
    }
}

/// A CRL partitioned by reason (onlySomeReasons keyCompromise, cACompromise) that does not list
/// a certificate says nothing of its other reasons: revocation stays unknown, never "not
/// revoked" (NIST PKITS 4.14.15 data, judged at the CRLs' thisUpdate).
#[test]
fn a_crl_partitioned_by_reason_settles_nothing_alone() {
    let read = |kind: &str, name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/pkits")
                .join(kind)
                .join(name),
        )
        .expect("PKITS vector")
    };
    let ta = read("certs", "TrustAnchorRootCertificate.crt");
    let ca = read("certs", "onlySomeReasonsCA3Cert.crt");
    let ee = read("certs", "ValidonlySomeReasonsTest18EE.crt");
    let at = datetime!(2010-01-01 8:30 UTC);
    let crls = vec![
        read("crls", "TrustAnchorRootCRL.crl"),
        read("crls", "onlySomeReasonsCA3compromiseCRL.crl"),
    ];
    let checker =
        AtTimeChecker::new(std::slice::from_ref(&ta), std::slice::from_ref(&ca), &crls).unwrap();
    match checker.check(&ee, &[], at, ChainRole::SesHolder) {
        ChainCheck::ValidRevocationUnknown(why) => {
            assert!(why.to_string().contains("CRL"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    // The CA itself is covered by the root's complete CRL: settled.
    assert_eq!(
        checker.check(&ca, &[], at, ChainRole::Authority),
        ChainCheck::Valid
    );
    // A listing on a partitioned CRL still counts (PKITS 4.14.15: on CA1's compromise CRL).
    let ca1 = read("certs", "onlySomeReasonsCA1Cert.crt");
    let listed = read("certs", "InvalidonlySomeReasonsTest15EE.crt");
    let crls = vec![
        read("crls", "TrustAnchorRootCRL.crl"),
        read("crls", "onlySomeReasonsCA1compromiseCRL.crl"),
    ];
    let checker = AtTimeChecker::new(std::slice::from_ref(&ta), &[ca1], &crls).unwrap();
    match checker.check(&listed, &[], at, ChainRole::SesHolder) {
        ChainCheck::Invalid(why) => assert!(why.to_string().contains("keyCompromise"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_listed_revocation_keeps_its_reason_and_why_it_counts() {
    let r = root();
    let h = holder(&r, 7, true);
    let crls = [crl(
        &r,
        T + Duration::days(2),
        &[(7, T + Duration::days(1))],
    )];
    let c = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &crls).unwrap();
    let listed = |check| match check {
        ChainCheck::Invalid(ChainFailure::Revoked(l)) => l,
        other => panic!("{other:?}"),
    };
    let claimed = listed(c.check(&h, &[], T, ChainRole::Holder));
    assert_eq!(claimed.reason, Reason::KeyCompromise);
    assert_eq!(claimed.counts, RevokedBecause::CompromiseBeforeUnprovenTime);
    assert_eq!(claimed.effective(), T + Duration::days(1));
    let later = T + Duration::days(3);
    let proven = listed(c.check_proven(&h, &[], later, ChainRole::Holder));
    assert_eq!(proven.counts, RevokedBecause::AtOrBefore);
    assert_eq!(proven.at, later);
    // Without a CRL, the cause names the issuer.
    let bare = AtTimeChecker::new(std::slice::from_ref(&r.cert), &[], &[]).unwrap();
    match bare.check(&h, &[], T, ChainRole::Holder) {
        ChainCheck::ValidRevocationUnknown(RevocationUnknown(causes)) => {
            assert!(
                matches!(&causes[..], [Unsettled::NoCrl { .. }]),
                "{causes:?}"
            )
        }
        other => panic!("{other:?}"),
    }
}
