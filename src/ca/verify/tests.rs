//! Unit tests of `cert verify`'s chain verification with rcgen-made hierarchies: keyCertSign
//! on CAs, CRLs signed by another key under the issuer's name, holds released (moved here from
//! the former `pathcheck` module; the validator is now `crate::pkix`).

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevocationReason, RevokedCertParams, SerialNumber,
};
use time::macros::datetime;

use crate::ca::verify::{Purpose, Verdict, VerifyInput, verify_chain};

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    der: Vec<u8>,
}

fn params(cn: &str, serial: u8, ca: bool, ku: Vec<KeyUsagePurpose>) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.serial_number = Some(SerialNumber::from(vec![serial]));
    p.not_before = datetime!(2026-01-01 0:00 UTC);
    p.not_after = datetime!(2030-01-01 0:00 UTC);
    p.key_usages = ku;
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    } else {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(vec![
            1, 3, 6, 1, 5, 5, 7, 3, 36,
        ])];
    }
    p
}

fn root() -> Ca {
    let params = params(
        "Root",
        1,
        true,
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
    );
    let key = KeyPair::generate().unwrap();
    let der = params.self_signed(&key).unwrap().der().to_vec();
    Ca { params, key, der }
}

fn sub(issuer: &Ca, params: CertificateParams) -> Ca {
    let key = KeyPair::generate().unwrap();
    let der = params
        .signed_by(&key, &Issuer::from_params(&issuer.params, &issuer.key))
        .unwrap()
        .der()
        .to_vec();
    Ca { params, key, der }
}

fn crl(issuer: &Ca, day: u8, revoked: &[(u8, RevocationReason)]) -> Vec<u8> {
    let this_update = datetime!(2027-01-01 0:00 UTC) + time::Duration::days(day.into());
    CertificateRevocationListParams {
        this_update,
        next_update: this_update + time::Duration::days(30),
        crl_number: SerialNumber::from(vec![day]),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|&(serial, reason)| RevokedCertParams {
                serial_number: SerialNumber::from(vec![serial]),
                revocation_time: datetime!(2027-01-01 0:00 UTC),
                reason_code: Some(reason),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&Issuer::from_params(&issuer.params, &issuer.key))
    .unwrap()
    .der()
    .to_vec()
}

fn verify(ee: &Ca, inter: &Ca, root: &Ca, crls: &[Vec<u8>], purpose: Option<Purpose>) -> Verdict {
    verify_chain(&VerifyInput {
        policy: None,
        allow_sha1: false,
        end_entity: &ee.der,
        intermediates: std::slice::from_ref(&inter.der),
        anchors: std::slice::from_ref(&root.der),
        crls,
        at: datetime!(2027-01-10 0:00 UTC),
        purpose,
    })
    .unwrap()
}

fn chain(inter_ku: Vec<KeyUsagePurpose>) -> (Ca, Ca, Ca) {
    let root = root();
    let inter = sub(&root, params("Sub", 2, true, inter_ku));
    let ee = sub(
        &inter,
        params("Holder", 3, false, vec![KeyUsagePurpose::DigitalSignature]),
    );
    (root, inter, ee)
}

fn reason(v: &Verdict) -> String {
    v.why_not_valid().unwrap_or_else(|| "valid".into())
}

#[test]
fn a_ca_without_key_cert_sign_issues_nothing_for_any_purpose() {
    let (root, inter, ee) = chain(vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::CrlSign,
    ]);
    // `cert verify` (any purpose) and a seal holder's check (documentSigning).
    for purpose in [None, Some(Purpose::DocumentSigning)] {
        let v = verify(&ee, &inter, &root, &[], purpose);
        assert!(
            matches!(&v, Verdict::Invalid { reason, .. } if reason.to_string().contains("keyCertSign")),
            "{purpose:?}: {v:?}"
        );
    }
    // A CA certificate as the target, under that CA.
    let below = sub(
        &inter,
        params("SubSub", 4, true, vec![KeyUsagePurpose::KeyCertSign]),
    );
    let v = verify(&below, &inter, &root, &[], None);
    assert!(reason(&v).contains("keyCertSign"), "{v:?}");
}

#[test]
fn a_ca_with_key_cert_sign_or_without_key_usage_issues() {
    for ku in [vec![KeyUsagePurpose::KeyCertSign], Vec::new()] {
        let (root, inter, ee) = chain(ku.clone());
        let v = verify(&ee, &inter, &root, &[], Some(Purpose::DocumentSigning));
        assert!(matches!(v, Verdict::Valid { .. }), "{ku:?}: {v:?}");
    }
}

#[test]
fn a_crl_under_the_issuers_name_by_another_key_settles_nothing() {
    let (root, inter, ee) = chain(vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign]);
    // Same name, another key, not certified by anything on the path.
    let impostor = root_named("Sub");
    let forged = crl(&impostor, 1, &[(3, RevocationReason::KeyCompromise)]);
    let v = verify(&ee, &inter, &root, std::slice::from_ref(&forged), None);
    assert!(
        matches!(&v, Verdict::Indeterminate { reason, .. } if reason.to_string().contains("signature")),
        "{v:?}"
    );
    // Beside the real CRL it is ignored: neither revoked nor indeterminate.
    let real = crl(&inter, 1, &[]);
    let root_crl = crl(&root, 1, &[]);
    let v = verify(&ee, &inter, &root, &[forged, real, root_crl], None);
    assert!(
        matches!(
            v,
            Verdict::Valid {
                revocation_checked: true,
                ..
            }
        ),
        "{v:?}"
    );
}

fn root_named(cn: &str) -> Ca {
    let params = params(
        cn,
        9,
        true,
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
    );
    let key = KeyPair::generate().unwrap();
    let der = params.self_signed(&key).unwrap().der().to_vec();
    Ca { params, key, der }
}

#[test]
fn a_hold_released_on_a_later_crl_is_not_a_revocation() {
    let (root, inter, ee) = chain(vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign]);
    let held = crl(&inter, 1, &[(3, RevocationReason::CertificateHold)]);
    let released = crl(&inter, 2, &[]);
    let root_crl = crl(&root, 1, &[]);
    let v = verify(&ee, &inter, &root, std::slice::from_ref(&held), None);
    assert!(reason(&v).contains("revoked"), "{v:?}");
    let v = verify(
        &ee,
        &inter,
        &root,
        &[held.clone(), released, root_crl],
        None,
    );
    assert!(matches!(v, Verdict::Valid { .. }), "{v:?}");
    // A later CRL that still lists it, or a key compromise, stays revoked.
    let again = crl(&inter, 2, &[(3, RevocationReason::CertificateHold)]);
    let v = verify(&ee, &inter, &root, &[held, again], None);
    assert!(reason(&v).contains("revoked"), "{v:?}");
    let compromised = crl(&inter, 1, &[(3, RevocationReason::KeyCompromise)]);
    let later = crl(&inter, 2, &[]);
    let v = verify(&ee, &inter, &root, &[compromised, later], None);
    assert!(reason(&v).contains("revoked"), "{v:?}");
}

/// An online source that answers from a table by subject CN, and counts the questions.
struct FakeOcsp {
    answers: Vec<(&'static str, crate::pkix::validate::OnlineAnswer)>,
    asked: std::sync::Mutex<Vec<String>>,
}

impl crate::pkix::validate::OnlineRevocation for FakeOcsp {
    fn status(
        &self,
        cert: &crate::pkix::Cert,
        _issuer: &crate::pkix::Cert,
    ) -> crate::pkix::validate::OnlineAnswer {
        let subject = cert.subject_text();
        self.asked.lock().unwrap().push(subject.clone());
        self.answers
            .iter()
            .find(|(cn, _)| subject.contains(cn))
            .map(|(_, a)| a.clone())
            .unwrap_or(crate::pkix::validate::OnlineAnswer::Undecided {
                source: "OCSP http://fake/".into(),
                why: "no answer".into(),
            })
    }
}

fn verify_online(ee: &Ca, inter: &Ca, root: &Ca, crls: &[Vec<u8>], ocsp: &FakeOcsp) -> Verdict {
    let input = VerifyInput {
        policy: None,
        allow_sha1: false,
        end_entity: &ee.der,
        intermediates: std::slice::from_ref(&inter.der),
        anchors: std::slice::from_ref(&root.der),
        crls,
        at: datetime!(2027-01-10 0:00 UTC),
        purpose: None,
    };
    let parsed = crate::ca::verify::ParsedCrls::parse(crls).unwrap();
    crate::ca::verify::verify_chain_online(&input, &parsed, Some(ocsp)).unwrap()
}

#[test]
fn ocsp_decides_what_the_crls_leave_open_and_nothing_else() {
    use crate::pkix::validate::OnlineAnswer;
    let (root, inter, ee) = chain(vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign]);
    let good = |cn| {
        (
            cn,
            OnlineAnswer::Good {
                source: "OCSP http://fake/".into(),
            },
        )
    };
    // No CRL: OCSP decides both certificates below the anchor.
    let ocsp = FakeOcsp {
        answers: vec![good("Holder"), good("Sub")],
        asked: Default::default(),
    };
    let v = verify_online(&ee, &inter, &root, &[], &ocsp);
    let Verdict::Valid {
        revocation_checked,
        revocation,
        ..
    } = &v
    else {
        panic!("{v:?}")
    };
    assert!(revocation_checked);
    assert_eq!(
        revocation[0].decided_by.as_deref(),
        Some("OCSP http://fake/")
    );
    // The holder revoked by OCSP: invalid, saying so.
    let ocsp = FakeOcsp {
        answers: vec![
            (
                "Holder",
                OnlineAnswer::Revoked {
                    source: "OCSP http://fake/".into(),
                    revoked_at: 1_798_761_600,
                    reason: Some(x509_cert::ext::pkix::CrlReason::KeyCompromise),
                },
            ),
            good("Sub"),
        ],
        asked: Default::default(),
    };
    let v = verify_online(&ee, &inter, &root, &[], &ocsp);
    assert_eq!(
        reason(&v),
        "certificate revoked at 2027-01-01T00:00:00Z (keyCompromise), decided by OCSP http://fake/"
    );
    let Verdict::Invalid {
        revocation: Some(info),
        ..
    } = &v
    else {
        panic!("{v:?}")
    };
    assert_eq!(info.decided_by.as_deref(), Some("OCSP http://fake/"));
    // Undecided: indeterminate, naming the certificate and the responder's words.
    let ocsp = FakeOcsp {
        answers: vec![good("Sub")],
        asked: Default::default(),
    };
    let v = verify_online(&ee, &inter, &root, &[], &ocsp);
    assert!(matches!(v, Verdict::Indeterminate { .. }), "{v:?}");
    assert_eq!(
        reason(&v),
        "neither the given CRLs nor OCSP decide the revocation of `CN=Holder` (OCSP http://fake/: no answer)"
    );
    // A CRL that decides the holder: OCSP is asked only about the Sub, which the root's CRL
    // does not cover here.
    let ocsp = FakeOcsp {
        answers: vec![good("Sub")],
        asked: Default::default(),
    };
    let v = verify_online(&ee, &inter, &root, &[crl(&inter, 1, &[])], &ocsp);
    assert!(matches!(v, Verdict::Valid { .. }), "{v:?}");
    assert_eq!(*ocsp.asked.lock().unwrap(), vec!["CN=Sub".to_string()]);
    // A CRL that revokes: OCSP cannot overrule it.
    let ocsp = FakeOcsp {
        answers: vec![good("Holder"), good("Sub")],
        asked: Default::default(),
    };
    let v = verify_online(
        &ee,
        &inter,
        &root,
        &[crl(&inter, 1, &[(3, RevocationReason::KeyCompromise)])],
        &ocsp,
    );
    assert!(reason(&v).starts_with("certificate revoked at"), "{v:?}");
    assert!(!reason(&v).contains("OCSP"), "{v:?}");
}
