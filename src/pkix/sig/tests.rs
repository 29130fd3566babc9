use super::*;
use der::Decode;
use der::asn1::Any;
use std::path::Path;

fn spki_from_der(hex_der: &str) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned::from_der(&hex::decode(hex_der).unwrap()).unwrap()
}

fn alg(o: Oid) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: o,
        parameters: None,
    }
}

fn alg_with(o: Oid, params_der: &[u8]) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: o,
        parameters: Some(Any::from_der(params_der).unwrap()),
    }
}

/// RSASSA-PSS parameters: SHA-256, MGF1 with SHA-256, salt 32 (RFC 4055 §3.1).
const PSS_SHA256_PARAMS: &str = "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120";

fn wycheproof(file: &str) -> serde_json::Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/wycheproof")
        .join(file);
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// Runs every vector of `file` through the verifier; returns (valid passed, invalid refused).
fn run_wycheproof(file: &str, a: &AlgorithmIdentifierOwned) -> (usize, usize) {
    let v = DefaultVerifier::default();
    let doc = wycheproof(file);
    let (mut ok, mut refused) = (0, 0);
    for g in doc["testGroups"].as_array().unwrap() {
        let spki = spki_from_der(g["publicKeyDer"].as_str().unwrap());
        for t in g["tests"].as_array().unwrap() {
            let msg = hex::decode(t["msg"].as_str().unwrap()).unwrap();
            let sig = hex::decode(t["sig"].as_str().unwrap()).unwrap();
            let got = v.verify(&spki, a, &msg, &sig);
            match t["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(got, Ok(()), "{file} tcId {}", t["tcId"]);
                    ok += 1;
                }
                "invalid" => {
                    assert!(got.is_err(), "{file} tcId {} accepted", t["tcId"]);
                    refused += 1;
                }
                _ => {} // "acceptable": either answer is right
            }
        }
    }
    (ok, refused)
}

#[test]
fn wycheproof_ecdsa_p256_sha256() {
    let (ok, bad) = run_wycheproof("ecdsa_secp256r1_sha256_test.json", &alg(oid::ECDSA_SHA256));
    assert!(ok > 50 && bad > 300, "{ok} {bad}");
}

#[test]
fn wycheproof_ecdsa_p384_sha384() {
    let (ok, bad) = run_wycheproof("ecdsa_secp384r1_sha384_test.json", &alg(oid::ECDSA_SHA384));
    assert!(ok > 50 && bad > 300, "{ok} {bad}");
}

#[test]
fn wycheproof_ed25519() {
    let (ok, bad) = run_wycheproof("ed25519_test.json", &alg(oid::ED25519));
    assert!(ok > 20 && bad > 50, "{ok} {bad}");
}

#[test]
fn wycheproof_rsa_pkcs1_2048_sha256() {
    let (ok, bad) = run_wycheproof(
        "rsa_signature_2048_sha256_test.json",
        &alg(oid::SHA256_WITH_RSA),
    );
    assert!(ok > 0 && bad > 100, "{ok} {bad}");
    // NULL parameters are read like absent ones (RFC 4055 §5).
    let (ok2, _) = run_wycheproof(
        "rsa_signature_2048_sha256_test.json",
        &alg_with(oid::SHA256_WITH_RSA, &[5, 0]),
    );
    assert_eq!(ok, ok2);
}

#[test]
fn wycheproof_rsa_pss_2048_sha256() {
    let params = hex::decode(PSS_SHA256_PARAMS).unwrap();
    let (ok, bad) = run_wycheproof(
        "rsa_pss_2048_sha256_mgf1_32_test.json",
        &alg_with(oid::RSASSA_PSS, &params),
    );
    assert!(ok > 0 && bad > 0, "{ok} {bad}");
}

#[test]
fn pss_other_parameter_sets_are_unsupported() {
    let v = DefaultVerifier::default();
    let doc = wycheproof("rsa_pss_2048_sha256_mgf1_32_test.json");
    let g = &doc["testGroups"][0];
    let spki = spki_from_der(g["publicKeyDer"].as_str().unwrap());
    let t = &g["tests"][0];
    let msg = hex::decode(t["msg"].as_str().unwrap()).unwrap();
    let sig = hex::decode(t["sig"].as_str().unwrap()).unwrap();
    // salt 20 instead of 32
    let mut salt20 = hex::decode(PSS_SHA256_PARAMS).unwrap();
    *salt20.last_mut().unwrap() = 20;
    // MGF1 with SHA-384
    let mgf384 = hex::decode("3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020120").unwrap();
    for p in [salt20, mgf384] {
        let got = v.verify(&spki, &alg_with(oid::RSASSA_PSS, &p), &msg, &sig);
        assert!(
            matches!(got, Err(SigError::UnsupportedAlgorithm(_))),
            "{got:?}"
        );
    }
    let got = v.verify(&spki, &alg(oid::RSASSA_PSS), &msg, &sig);
    assert!(
        matches!(got, Err(SigError::UnsupportedAlgorithm(_))),
        "{got:?}"
    );
}

#[test]
fn raw_r_s_ecdsa_is_not_der() {
    // Wycheproof's P1363 file: valid raw r||s signatures must not pass as DER.
    let v = DefaultVerifier::default();
    let doc = wycheproof("ecdsa_secp256r1_sha256_p1363_test.json");
    let mut n = 0;
    for g in doc["testGroups"].as_array().unwrap() {
        let spki = spki_from_der(g["publicKeyDer"].as_str().unwrap());
        for t in g["tests"].as_array().unwrap() {
            if t["result"] != "valid" {
                continue;
            }
            let msg = hex::decode(t["msg"].as_str().unwrap()).unwrap();
            let sig = hex::decode(t["sig"].as_str().unwrap()).unwrap();
            let got = v.verify(&spki, &alg(oid::ECDSA_SHA256), &msg, &sig);
            assert_eq!(got, Err(SigError::BadSignature));
            n += 1;
        }
    }
    assert!(n > 10);
}

#[test]
fn algorithm_and_key_mismatch() {
    let v = DefaultVerifier::default();
    let ec = wycheproof("ecdsa_secp256r1_sha256_test.json");
    let ec_spki = spki_from_der(ec["testGroups"][0]["publicKeyDer"].as_str().unwrap());
    let rsa = wycheproof("rsa_signature_2048_sha256_test.json");
    let rsa_spki = spki_from_der(rsa["testGroups"][0]["publicKeyDer"].as_str().unwrap());
    let ed = wycheproof("ed25519_test.json");
    let ed_spki = spki_from_der(ed["testGroups"][0]["publicKeyDer"].as_str().unwrap());
    let cases = [
        (&ec_spki, oid::SHA256_WITH_RSA),
        (&ec_spki, oid::ED25519),
        (&ec_spki, oid::SM2_WITH_SM3),
        (&rsa_spki, oid::ECDSA_SHA256),
        (&rsa_spki, oid::ED25519),
        (&ed_spki, oid::SHA256_WITH_RSA),
        (&ed_spki, oid::ECDSA_SHA384),
        (&rsa_spki, oid::DSA_SHA256),
    ];
    for (spki, o) in cases {
        assert_eq!(
            v.verify(spki, &alg(o), b"m", &[0x30, 0]),
            Err(SigError::KeyMismatch),
            "{o}"
        );
    }
}

#[test]
fn sha1_is_refused_unless_allowed() {
    let v = DefaultVerifier::default();
    let rsa = wycheproof("rsa_signature_2048_sha256_test.json");
    let spki = spki_from_der(rsa["testGroups"][0]["publicKeyDer"].as_str().unwrap());
    // (dsa-with-sha1 on a DSA key: tests/pkits.rs dsa_needs_sha1_consent_and_parameters.)
    for o in [oid::SHA1_WITH_RSA, oid::ECDSA_SHA1] {
        match v.verify(&spki, &alg(o), b"m", b"s") {
            Err(SigError::UnsupportedAlgorithm(m)) => assert!(m.contains("SHA-1"), "{m}"),
            other => panic!("{o}: {other:?}"),
        }
    }
}

#[test]
fn unknown_algorithm_is_unsupported() {
    let v = DefaultVerifier::default();
    let rsa = wycheproof("rsa_signature_2048_sha256_test.json");
    let spki = spki_from_der(rsa["testGroups"][0]["publicKeyDer"].as_str().unwrap());
    let md5 = Oid::new_unwrap("1.2.840.113549.1.1.4");
    assert!(matches!(
        v.verify(&spki, &alg(md5), b"m", b"s"),
        Err(SigError::UnsupportedAlgorithm(_))
    ));
}

/// A 1024-bit RSA key (openssl genrsa 1024): refused before any arithmetic.
const RSA_1024_SPKI: &str = "30819f300d06092a864886f70d010101050003818d0030818902818100e3b8e996e3fb3004a5ed51bf0b23054bead1f9d1e5bd29f9df0d88b9935dfd5155a9efd2925338b70b04c41c3dc9ac6729b74fbecfeb4474cab73224d3d6aa68af02934f04a86b5a61bc97d1a41820c6883504106091e64d6c3a49c3d9bb2f8e21643a98d84880d9f3cbe5c7fc23fd83f2a50c40b28db45048be3c914745ede70203010001";

#[test]
fn rsa_keys_under_2048_bits_are_refused() {
    let v = DefaultVerifier::default();
    let spki = spki_from_der(RSA_1024_SPKI);
    for a in [alg(oid::SHA256_WITH_RSA), alg(oid::SHA512_WITH_RSA)] {
        assert_eq!(
            v.verify(&spki, &a, b"m", &[0; 128]),
            Err(SigError::UnsupportedKey(
                "RSA key of 1024 bits (2048 at least)".into()
            ))
        );
    }
}

#[test]
fn parameters_where_none_belong_are_unsupported() {
    let v = DefaultVerifier::default();
    let ec = wycheproof("ecdsa_secp256r1_sha256_test.json");
    let ec_spki = spki_from_der(ec["testGroups"][0]["publicKeyDer"].as_str().unwrap());
    let ed = wycheproof("ed25519_test.json");
    let ed_spki = spki_from_der(ed["testGroups"][0]["publicKeyDer"].as_str().unwrap());
    let rsa = wycheproof("rsa_signature_2048_sha256_test.json");
    let rsa_spki = spki_from_der(rsa["testGroups"][0]["publicKeyDer"].as_str().unwrap());
    let int1 = [2u8, 1, 1];
    let cases = [
        (&ec_spki, alg_with(oid::ECDSA_SHA256, &[5, 0])),
        (&ed_spki, alg_with(oid::ED25519, &[5, 0])),
        (&rsa_spki, alg_with(oid::SHA256_WITH_RSA, &int1)),
        (&ec_spki, alg_with(oid::SM2_WITH_SM3, &int1)),
        (&rsa_spki, alg_with(oid::DSA_SHA256, &[5, 0])),
        // ring has no ECDSA with SHA-512
        (&ec_spki, alg(oid::ECDSA_SHA512)),
    ];
    for (spki, a) in cases {
        let got = v.verify(spki, &a, b"m", &[0x30, 0]);
        assert!(
            matches!(got, Err(SigError::UnsupportedAlgorithm(_))),
            "{} {got:?}",
            a.oid
        );
    }
}

mod pkits;
mod sm2;
