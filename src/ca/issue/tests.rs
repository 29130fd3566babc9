//! Unit tests of [`super`]: name constraints, path lengths, the issuer's end, SM2 issuance.

use super::*;
use crate::ca::keys::Algorithm;

#[test]
fn dns_subtrees() {
    assert!(dns_within("www.example.gov.cn", "example.gov.cn"));
    assert!(dns_within("example.gov.cn", "example.gov.cn"));
    assert!(!dns_within("badexample.gov.cn", "example.gov.cn"));
    assert!(!dns_within("example.gov.cn", ".example.gov.cn"));
    assert!(dns_within("a.example.gov.cn", ".example.gov.cn"));
    assert!(!dns_within("www.other.cn", "example.gov.cn"));
}

#[test]
fn dn_subtrees() {
    let subject = Dn::parse("CN=张三,OU=信息中心,O=连云港市人民政府,C=CN").unwrap();
    let base = Dn::parse("O=连云港市人民政府,C=CN").unwrap();
    let base: Vec<_> = base.attrs().iter().rev().cloned().collect();
    assert!(dn_within(&subject, &base));
    let other = Dn::parse("CN=x,O=别的,C=CN").unwrap();
    assert!(!dn_within(&other, &base));
}

#[test]
fn child_path_length_is_capped() {
    let l = Limits {
        path_len: Some(2),
        ..Limits::default()
    };
    assert_eq!(l.child_path_len(None), Some(1));
    assert_eq!(l.child_path_len(Some(5)), Some(1));
    assert_eq!(l.child_path_len(Some(0)), Some(0));
    assert_eq!(Limits::default().child_path_len(None), None);
}

#[test]
fn an_end_past_the_issuer_s_is_refused_not_cut() {
    let now = time::macros::datetime!(2027-01-04 02:00 UTC);
    let ca_end = now + time::Duration::days(30);
    let ca_key = PrivateKey::generate(Algorithm::P256).unwrap();
    let root_dn = Dn::parse("CN=根CA,O=连云港市人民政府,C=CN").unwrap();
    let root = self_signed_root(
        &ca_key,
        &root_dn,
        &Serial::from_random([7; 16]),
        now,
        ca_end,
    )
    .unwrap();
    let issuer = Issuer::new(&root, &ca_key, CaUrls::default()).unwrap();
    let subject_key = PrivateKey::generate(Algorithm::P256).unwrap();
    let req = |not_after| IssueRequest {
        profile: Profile::Person,
        subject: Dn::parse("CN=张三,O=连云港市人民政府,C=CN").unwrap(),
        sans: vec![],
        spki_der: subject_key.spki_der(),
        serial: Serial::from_random([9; 16]),
        not_before: now,
        not_after,
        sub_ca: SubCaOptions::default(),
    };
    let err = issuer
        .issue(&req(ca_end + time::Duration::seconds(1)))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the validity would end at `2027-02-03T02:00:01Z`, after the issuing CA's own notAfter `2027-02-03T02:00:00Z`"
    );
    assert!(err.hint().unwrap().contains("renew the CA"));
    // Up to the issuer's end, exactly as asked.
    assert_eq!(issuer.issue(&req(ca_end)).unwrap().not_after, ca_end);
}

/// Issues `profile` for a new `subject_alg` key under a new `issuer_alg` root and checks
/// what SM2 needs: the subject SPKI byte-exact, one signature algorithm in both places,
/// the key identifiers from the true SPKIs, and a signature the one verifier accepts.
fn issue_and_check(issuer_alg: Algorithm, subject_alg: Algorithm, profile: Profile) {
    use crate::pkix::sig::{DefaultVerifier, SignatureVerifier};
    use der::{Decode, Encode};
    let now = time::macros::datetime!(2027-01-04 02:00 UTC);
    let ca_key = PrivateKey::generate(issuer_alg).unwrap();
    let root_dn = Dn::parse("CN=根CA,O=连云港市人民政府,C=CN").unwrap();
    let root = self_signed_root(
        &ca_key,
        &root_dn,
        &Serial::from_random([7; 16]),
        now,
        now + time::Duration::days(3650),
    )
    .unwrap();
    let subject_key = PrivateKey::generate(subject_alg).unwrap();
    let issuer = Issuer::new(&root, &ca_key, CaUrls::default()).unwrap();
    let sans = match profile {
        Profile::Server => vec![San::Dns("www.lyg.gov.cn".into())],
        _ => vec![],
    };
    let issued = issuer
        .issue(&IssueRequest {
            profile,
            subject: Dn::parse("CN=张三,O=连云港市人民政府,C=CN").unwrap(),
            sans,
            spki_der: subject_key.spki_der(),
            serial: Serial::from_random([9; 16]),
            not_before: now,
            not_after: now + time::Duration::days(365),
            sub_ca: SubCaOptions::default(),
        })
        .unwrap();
    let ski_of =
        |spki: &[u8]| ring::digest::digest(&ring::digest::SHA256, spki).as_ref()[..20].to_vec();
    for (der, spki, issuer_spki) in [
        (&root, ca_key.spki_der(), ca_key.spki_der()),
        (&issued.der, subject_key.spki_der(), ca_key.spki_der()),
    ] {
        let cert = x509_cert::Certificate::from_der(der).unwrap();
        let tbs = &cert.tbs_certificate;
        assert_eq!(tbs.subject_public_key_info.to_der().unwrap(), spki);
        assert_eq!(tbs.signature, cert.signature_algorithm);
        assert_eq!(
            cert.signature_algorithm.to_der().unwrap(),
            ca_key.signature_algorithm_der()
        );
        let (_, parsed) = x509_parser::parse_x509_certificate(der).unwrap();
        let mut ski = None;
        let mut aki = None;
        for ext in parsed.extensions() {
            match ext.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => {
                    ski = Some(k.0.to_vec())
                }
                x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a) => {
                    aki = a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                _ => {}
            }
        }
        assert_eq!(ski, Some(ski_of(&spki)), "{issuer_alg} -> {subject_alg}");
        assert_eq!(
            aki,
            Some(ski_of(&issuer_spki)),
            "{issuer_alg} -> {subject_alg}"
        );
        let issuer_spki = spki::SubjectPublicKeyInfoOwned::from_der(&issuer_spki).unwrap();
        let tbs_der = tbs.to_der().unwrap();
        let verifier = DefaultVerifier::default();
        let sig = cert.signature.raw_bytes();
        assert_eq!(
            verifier.verify(&issuer_spki, &cert.signature_algorithm, &tbs_der, sig),
            Ok(())
        );
        let mut flipped = tbs_der.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(
            verifier
                .verify(&issuer_spki, &cert.signature_algorithm, &flipped, sig)
                .is_err()
        );
    }
}

#[test]
fn sm2_issuers_and_subjects_in_every_combination() {
    for (issuer, subject) in [
        (Algorithm::Sm2, Algorithm::Sm2),
        (Algorithm::P256, Algorithm::Sm2),
        (Algorithm::Sm2, Algorithm::P256),
    ] {
        for profile in crate::ca::profile::ALL {
            issue_and_check(issuer, subject, profile);
        }
    }
}
