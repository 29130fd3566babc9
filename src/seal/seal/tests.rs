use super::*;
use crate::seal::signer::SignatureCheck;
use crate::seal::testutil::{NOW, Pki};
use time::macros::datetime;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/gbt38540");

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{SAMPLES}/{name}")).unwrap()
}

/// The `eseal` TLV inside a v4 `SES_Signature` (`TBS_Sign` at 4, `eseal` at 11: PROVENANCE §5).
fn embedded_seal(ses_signature: &[u8]) -> &[u8] {
    crate::seal::testutil::first_tlv(&ses_signature[11..])
}

#[test]
fn create_and_parse_round_trip_each_algorithm() {
    for alg in [
        &rcgen::PKCS_ECDSA_P256_SHA256,
        &rcgen::PKCS_ECDSA_P384_SHA384,
        &rcgen::PKCS_ED25519,
    ] {
        let pki = Pki::new(alg);
        let spec = pki.spec();
        let seal = pki.seal();
        let i = seal.info();
        assert_eq!(i.version, 4);
        assert_eq!(i.vendor_id, VENDOR_ID);
        assert_eq!(i.es_id, spec.es_id);
        assert_eq!(i.name, spec.name);
        assert_eq!(i.seal_type, SealType::Official);
        assert_eq!(i.department.as_deref(), Some("信息中心"));
        assert_eq!(
            i.cert_list,
            CertList::Certificates(spec.holder_certs.clone())
        );
        assert_eq!(
            (i.created, i.valid_from, i.valid_until),
            (spec.created, spec.valid_from, spec.valid_until)
        );
        assert_eq!(i.picture, spec.image);
        assert_eq!(i.authority_cert, pki.authority.cert);
        assert_eq!(
            seal.verify_authority_signature(),
            SignatureCheck::Valid,
            "{alg:?}"
        );
        // DER in, same DER out; the signed bytes are inside it.
        let again = Seal::from_der(seal.to_der()).unwrap();
        assert_eq!(again, seal);
        assert!(seal.unknown_critical_extensions().is_empty());
    }
}

#[test]
fn encoding_matches_the_standard_layout() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let seal = pki.seal();
    let typed = asn1::SESeal::from_der(seal.to_der()).unwrap();
    assert_eq!(
        typed.to_der().unwrap(),
        seal.to_der(),
        "strict DER round trip"
    );
    let h = &typed.e_seal_info.header;
    assert_eq!(
        (h.id.as_str(), h.version, h.vid.as_str()),
        ("ES", 4, "govpki")
    );
    assert_eq!(typed.e_seal_info.property.cert_list_type, 1);
    assert_eq!(typed.e_seal_info.picture.picture_type.as_str(), "SVG");
    assert_eq!(
        (
            typed.e_seal_info.picture.width,
            typed.e_seal_info.picture.height
        ),
        (42, 42)
    );
    let ext = typed.e_seal_info.ext_datas.unwrap();
    assert_eq!(ext[0].extn_id, OID_EXT_DEPARTMENT);
    // DEFAULT FALSE is omitted (X.690 §11.5): the ExtData holds only the OID and the value.
    let ext_der = ext[0].to_der().unwrap();
    assert!(!ext_der.windows(3).any(|w| w == [0x01, 0x01, 0x00]));
    assert_eq!(
        typed.sign_alg_id,
        crate::seal::signer::oid::ECDSA_WITH_SHA256
    );
    assert!(typed.time_stamp.is_none());
}

#[test]
fn tampering_breaks_the_authority_signature() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let seal = pki.seal();
    let mut der = seal.to_der().to_vec();
    // Change one character of the esID ("...0001" -> "...0002").
    let pos = der
        .windows(16)
        .position(|w| w == b"3201000000000001")
        .unwrap();
    der[pos + 15] = b'2';
    let tampered = Seal::from_der(&der).unwrap();
    assert!(matches!(
        tampered.verify_authority_signature(),
        SignatureCheck::Invalid(_)
    ));
}

#[test]
fn seal_from_another_authority_key_is_refused_at_creation() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let other = pki.issue("冒充者", &rcgen::PKCS_ECDSA_P256_SHA256, false);
    let err = create_seal(&pki.spec(), &pki.authority.cert, &other.signer()).unwrap_err();
    assert!(matches!(err, SealError::KeyMismatch { .. }), "{err}");
}

#[test]
fn spec_errors_are_specific() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let signer = pki.authority.signer();
    let check = |f: &dyn Fn(&mut SealSpec), field: &str| {
        let mut spec = pki.spec();
        f(&mut spec);
        match create_seal(&spec, &pki.authority.cert, &signer) {
            Err(SealError::Spec { field: got, .. }) => assert_eq!(got, field),
            Err(SealError::Certificate { .. }) => assert_eq!(field, "certificate"),
            Err(SealError::Image { .. }) => assert_eq!(field, "image-data"),
            other => panic!("expected a {field} error, got {other:?}"),
        }
    };
    check(&|s| s.name = "  ".into(), "name");
    check(&|s| s.name = "a\nb".into(), "name");
    check(&|s| s.department = String::new(), "department");
    check(&|s| s.es_id = "印章".into(), "esID");
    check(&|s| s.es_id = String::new(), "esID");
    check(&|s| s.holder_certs.clear(), "holder certificates");
    check(
        &|s| s.holder_certs.push(s.holder_certs[0].clone()),
        "holder certificates",
    );
    check(&|s| s.holder_certs[0].truncate(50), "certificate");
    check(&|s| s.image.data = b"GIF89a".to_vec(), "image-data");
    check(&|s| s.image.format = ImageFormat::Png, "image");
    check(&|s| s.image.width_mm = 0, "image");
    check(&|s| s.valid_until = s.valid_from, "validity");
    check(
        &|s| s.valid_until = datetime!(2030-01-01 00:00:00 UTC),
        "validity",
    );
}

#[test]
fn seal_types_have_codes_and_names() {
    for t in SealType::ALL {
        assert_eq!(SealType::from_code(t.code()), t);
        assert_eq!(t.name().parse::<SealType>().unwrap(), t);
        assert_eq!(t.chinese_name().parse::<SealType>().unwrap(), t);
    }
    assert_eq!(
        "合同专用章".parse::<SealType>().unwrap(),
        SealType::Contract
    );
    assert_eq!("7".parse::<SealType>().unwrap(), SealType::Other(7));
    assert!("stamp".parse::<SealType>().is_err());
    assert_eq!(
        serde_json::to_string(&SealType::Invoice).unwrap(),
        "\"invoice\""
    );
}

#[test]
fn pre_sign_checks_refuse_with_reasons() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let seal = pki.seal();
    let none = RevokedSeals::unknown();
    assert_eq!(
        check_before_signing(&seal, &pki.holder.cert, NOW, &none),
        Ok(())
    );

    let later = datetime!(2027-06-02 00:00:00 UTC);
    assert!(matches!(
        check_before_signing(&seal, &pki.holder.cert, later, &none),
        Err(SignRefusal::Expired { .. })
    ));
    let early = datetime!(2026-05-01 00:00:00 UTC);
    assert!(matches!(
        check_before_signing(&seal, &pki.holder.cert, early, &none),
        Err(SignRefusal::NotYetValid { .. })
    ));
    let stranger = pki.issue("其他人", &rcgen::PKCS_ECDSA_P256_SHA256, true);
    let refusal = check_before_signing(&seal, &stranger.cert, NOW, &none).unwrap_err();
    assert!(matches!(refusal, SignRefusal::CertificateNotListed { .. }));
    assert!(refusal.to_string().contains("其他人"), "{refusal}");

    let revoked = RevokedSeals::complete([(
        "3201000000000001".to_string(),
        RevokedSeal {
            revoked_at: datetime!(2026-11-01 00:00:00 UTC),
            reason: Some("keyCompromise".into()),
        },
    )]);
    let refusal = check_before_signing(&seal, &pki.holder.cert, NOW, &revoked).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "seal `3201000000000001` was revoked at 2026-11-01T00:00:00Z (keyCompromise)"
    );
    // Revoked in the future (a scheduled revocation) does not stop signing now.
    let revoked_later = RevokedSeals::complete([(
        "3201000000000001".to_string(),
        RevokedSeal {
            revoked_at: datetime!(2027-01-01 00:00:00 UTC),
            reason: None,
        },
    )]);
    assert_eq!(
        check_before_signing(&seal, &pki.holder.cert, NOW, &revoked_later),
        Ok(())
    );
}

#[test]
fn pre_sign_checks_an_sm2_seal_and_refuses_a_forged_one() {
    let der = sample("UserV4.esl");
    let signer = crate::seal::testutil::pem_cert(&sample("certs/ofdrw-signer.pem"));
    let at = datetime!(2021-01-01 00:00:00 UTC);
    let seal = Seal::from_der(&der).unwrap();
    assert_eq!(
        check_before_signing(&seal, &signer, at, &RevokedSeals::unknown()),
        Ok(())
    );
    // The last octet of the file is the last octet of the SM2 signature's `s`.
    let mut forged = der.clone();
    *forged.last_mut().unwrap() ^= 0x01;
    let seal = Seal::from_der(&forged).unwrap();
    assert!(matches!(
        check_before_signing(&seal, &signer, at, &RevokedSeals::unknown()),
        Err(SignRefusal::BadSealSignature { .. })
    ));
}

#[test]
fn revoked_seals_statuses() {
    let r = RevokedSeal {
        revoked_at: NOW,
        reason: None,
    };
    let partial = RevokedSeals::partial([("a".to_string(), r.clone())]);
    assert_eq!(partial.status("a"), SealStatus::Revoked(r.clone()));
    assert_eq!(partial.status("b"), SealStatus::Unknown);
    let complete = RevokedSeals::complete([("a".to_string(), r)]);
    assert_eq!(complete.status("b"), SealStatus::Good);
    assert_eq!(RevokedSeals::unknown().status("a"), SealStatus::Unknown);
}

#[test]
fn parses_ofdrw_v4_sample() {
    let seal = Seal::from_der(&sample("UserV4.esl")).unwrap();
    let i = seal.info();
    assert_eq!((i.version, i.vendor_id.as_str()), (4, "OFDR&WTest"));
    assert_eq!(i.es_id, "51f044b76510434e9bc67a1185c2fba5");
    assert_eq!(i.name, "OFD R&W 测试用印章");
    assert_eq!(i.seal_type, SealType::Invoice); // code 3
    assert_eq!(i.created, datetime!(2020-04-22 02:09:00 UTC));
    assert_eq!(i.valid_from, datetime!(2020-04-22 02:09:00 UTC));
    assert_eq!(i.valid_until, datetime!(2022-04-22 02:09:00 UTC));
    assert_eq!(i.picture.format, ImageFormat::Png);
    assert_eq!((i.picture.width_mm, i.picture.height_mm), (40, 40));
    assert_eq!(i.department, None);
    assert_eq!(
        i.signature_algorithm,
        crate::seal::signer::oid::SM2_WITH_SM3
    );
    let signer = crate::seal::testutil::pem_cert(&sample("certs/ofdrw-signer.pem"));
    let maker = crate::seal::testutil::pem_cert(&sample("certs/ofdrw-maker.pem"));
    assert_eq!(i.cert_list, CertList::Certificates(vec![signer.clone()]));
    assert_eq!(i.cert_list.lists(&signer), Listed::Yes);
    assert_eq!(i.cert_list.lists(&maker), Listed::No);
    assert_eq!(i.authority_cert, maker);
    // SM2-with-SM3 over DER(SES_SealInfo), user ID 1234567812345678 (PROVENANCE.md §1).
    assert_eq!(seal.verify_authority_signature(), SignatureCheck::Valid);
    // The signed bytes are the TLV at offset 4 (PROVENANCE.md §5).
    let der = sample("UserV4.esl");
    assert_eq!(
        seal.seal_info_der(),
        &der[4..4 + seal.seal_info_der().len()]
    );
    assert_eq!(
        seal.summary().holders,
        vec![crate::seal::certificate_subject(&signer)]
    );
}

#[test]
fn parses_v5_samples_with_and_without_time_stamp() {
    let v5 = Seal::from_der(&sample("UserV5.esl")).unwrap();
    assert_eq!(v5.info().version, 5);
    assert_eq!(v5.info().es_id, "09aaf39291e049e4b3d716414590937e");
    assert!(v5.info().time_stamp.is_none());
    let ts = Seal::from_der(&sample("UserV5_ts.esl")).unwrap();
    assert_eq!(ts.info().es_id, "55a4a957189a48f596706fb431e962c5");
    assert_eq!(ts.info().time_stamp.as_deref(), Some(&[1u8, 2, 3][..]));
    assert!(ts.summary().time_stamp);
    // Both signed by the ofdrw maker key: valid (PROVENANCE.md §1).
    assert_eq!(v5.verify_authority_signature(), SignatureCheck::Valid);
    assert_eq!(ts.verify_authority_signature(), SignatureCheck::Valid);
}

#[test]
fn parses_third_party_seal_with_extensions() {
    let seal = Seal::from_der(&sample("SESealData.DER")).unwrap();
    let i = seal.info();
    assert_eq!(i.vendor_id, "Vid HebeiGede");
    assert_eq!(i.es_id, "esID130600");
    assert_eq!(i.seal_type, SealType::Contract); // code 4, name says 合同专用章
    assert!(i.name.ends_with("合同专用章"));
    assert_eq!(i.cert_list.certificates().len(), 2);
    assert_eq!(i.picture.format, ImageFormat::Other("GIF".into()));
    assert_eq!((i.picture.width_mm, i.picture.height_mm), (42, 42));
    assert_eq!(i.extensions.len(), 3);
    assert_eq!(
        i.extensions[2].value,
        b"HeBeiBaoDingShiCeShiDanWeiMingCheng"
    );
    assert_eq!(seal.unknown_critical_extensions().len(), 1);
    // Its signedValue verifies under no reading of the signed bytes (PROVENANCE.md §3).
    assert!(matches!(
        seal.verify_authority_signature(),
        SignatureCheck::Invalid(_)
    ));
}

#[test]
fn parses_seals_embedded_in_ses_signatures() {
    let v4 = sample("SignedValueV4.dat");
    let embedded = embedded_seal(&v4);
    assert_eq!(embedded, &sample("UserV4.esl")[..]);
    let v5 = sample("SignedValueV5.dat");
    let seal = Seal::from_der(embedded_seal(&v5)).unwrap();
    assert_eq!(seal.info().es_id, "309093c121454e56955f3be47ff728a3");
    for (dir, es_id, code, picture) in [
        ("gomain-v4", "50011200000399", 3, "ofd"),
        ("antchain-v4", "ZhelibanTaxSeal", 4, "ofd"),
        ("tongzhi-v4-raw-rs", "37030000001721", 6, "PNG"),
        (
            "ofdrw-v4-allprotected",
            "51f044b76510434e9bc67a1185c2fba5",
            3,
            "PNG",
        ),
    ] {
        let sv = sample(&format!("ofd/{dir}/SignedValue.dat"));
        let seal = Seal::from_der(embedded_seal(&sv)).unwrap_or_else(|e| panic!("{dir}: {e}"));
        assert_eq!(seal.info().es_id, es_id, "{dir}");
        assert_eq!(seal.info().seal_type.code(), code, "{dir}");
        assert_eq!(seal.info().picture.format.as_str(), picture, "{dir}");
        // Commercial and e-government seal systems' seals: valid (PROVENANCE.md §4).
        assert_eq!(
            seal.verify_authority_signature(),
            SignatureCheck::Valid,
            "{dir}"
        );
    }
}

#[test]
fn version_1_seals_are_refused_with_a_clear_error() {
    for der in [
        sample("UserV1.esl"),
        embedded_seal(&sample("ofd/dms360-v1/SignedValue.dat")).to_vec(),
    ] {
        let err = Seal::from_der(&der).unwrap_err().to_string();
        assert!(err.contains("version 1 seals are not supported"), "{err}");
    }
}

#[test]
fn malformed_seals_are_errors_not_panics() {
    let der = sample("UserV4.esl");
    assert!(Seal::from_der(&[]).is_err());
    assert!(Seal::from_der(b"garbage").is_err());
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(matches!(
        Seal::from_der(&trailing),
        Err(SealError::Malformed { .. })
    ));
    // Every truncation and many single-byte corruptions: errors or (harmless) parses, no panic.
    for cut in (0..der.len()).step_by(97) {
        assert!(Seal::from_der(&der[..cut]).is_err());
    }
    for pos in (0..der.len()).step_by(13) {
        let mut bad = der.clone();
        bad[pos] ^= 0xA5;
        let _ = Seal::from_der(&bad);
    }
    // Header id other than ES.
    let mut bad = der.clone();
    bad[12] = b'X';
    let err = Seal::from_der(&bad).unwrap_err().to_string();
    assert!(err.contains("header id"), "{err}");
}

#[test]
fn es_ids_from_random_are_hex() {
    assert_eq!(es_id_from_random(&[0xab; 16]), "ab".repeat(16));
}

#[test]
fn summary_prints_the_essentials() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let text = pki.seal().summary().to_string();
    for s in [
        "连云港市人民政府",
        "official 公章",
        "信息中心",
        "3201000000000001",
        "SVG 42x42 mm",
    ] {
        assert!(text.contains(s), "{s} missing in\n{text}");
    }
    let json = serde_json::to_value(pki.seal().summary()).unwrap();
    assert_eq!(json["seal_type"], "official");
    assert_eq!(json["seal_type_code"], 1);
}
