//! Wycheproof (C2SP) signature vectors against govpki's own signature verifier,
//! `pkix::sig::DefaultVerifier`, the one every chain, CRL, seal and time-stamp check goes
//! through (it dispatches to ring, the `sm2` and the `dsa` crates).
//!
//! For every test: `valid` must verify, `invalid` must not, `acceptable` may do either (counted
//! and reported). Each group's key goes in as the SubjectPublicKeyInfo (`publicKeyDer`) and the
//! algorithm as the AlgorithmIdentifier a certificate carries, so the test covers the
//! verifier's reading of keys and parameters as well as the arithmetic.
//!
//! The vectors live in `testdata/wycheproof/` (provenance in `testdata/wycheproof/PROVENANCE.md`);
//! a missing file fails the test. The IEEE P1363 (raw r||s) ECDSA file is not run here: X.509 and
//! CMS carry ECDSA signatures DER-encoded only, so against this verifier every one of its
//! vectors, valid ones included, must be refused; `pkix::sig`'s unit test
//! `raw_r_s_ecdsa_is_not_der` asserts exactly that.

use std::path::Path;

use der::Decode;
use der::asn1::{Any, ObjectIdentifier};
use govpki::pkix::sig::{DefaultVerifier, SignatureVerifier, oid};
use serde_json::Value;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/wycheproof");

/// RSASSA-PSS-params for SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 4055 §3.1), as a
/// certificate's signatureAlgorithm carries them.
const PSS_SHA256_MGF1_SHA256_SALT32: &str = "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120";

/// An AlgorithmIdentifier with absent parameters.
fn alg(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

/// An AlgorithmIdentifier with the given DER parameters (hex).
fn alg_with(oid: ObjectIdentifier, params_hex: &str) -> AlgorithmIdentifierOwned {
    let params = hex::decode(params_hex).expect("parameters hex");
    AlgorithmIdentifierOwned {
        oid,
        parameters: Some(Any::from_der(&params).expect("parameters DER")),
    }
}

#[derive(Default)]
struct Counts {
    total: usize,
    valid_ok: usize,
    invalid_rejected: usize,
    acceptable_accepted: usize,
    acceptable_rejected: usize,
    mismatches: Vec<String>,
}

fn run_file(file: &str, alg: &AlgorithmIdentifierOwned, group_fields: &[(&str, &str)]) -> Counts {
    let path = Path::new(DIR).join(file);
    // The vectors are part of the repository (testdata/wycheproof, see its PROVENANCE.md): a
    // missing file is a broken checkout, never a silent pass.
    assert!(path.exists(), "wycheproof: `{}` is missing", path.display());
    let text = std::fs::read_to_string(&path).expect("read wycheproof file");
    let doc: Value = serde_json::from_str(&text).expect("wycheproof file is JSON");
    let declared = doc["numberOfTests"].as_u64().expect("numberOfTests");
    let verifier = DefaultVerifier::default();
    let mut counts = Counts::default();
    for group in doc["testGroups"].as_array().expect("testGroups") {
        // The algorithm identifier is fixed per file: every group must be made with it.
        for (field, want) in group_fields {
            let got = match &group[*field] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(got, *want, "{file}: a group with {field} {got}");
        }
        let key_der = hex::decode(group["publicKeyDer"].as_str().expect("publicKeyDer"))
            .expect("publicKeyDer hex");
        let spki = SubjectPublicKeyInfoOwned::from_der(&key_der).expect("publicKeyDer is an SPKI");
        for test in group["tests"].as_array().expect("tests") {
            counts.total += 1;
            let id = test["tcId"].as_u64().expect("tcId");
            let msg = hex::decode(test["msg"].as_str().expect("msg")).expect("msg hex");
            let sig = hex::decode(test["sig"].as_str().expect("sig")).expect("sig hex");
            let accepted = verifier.verify(&spki, alg, &msg, &sig).is_ok();
            match (test["result"].as_str().expect("result"), accepted) {
                ("valid", true) => counts.valid_ok += 1,
                ("invalid", false) => counts.invalid_rejected += 1,
                ("acceptable", true) => counts.acceptable_accepted += 1,
                ("acceptable", false) => counts.acceptable_rejected += 1,
                (result, _) => counts.mismatches.push(format!(
                    "{file} tcId {id}: expected {result}, govpki {} ({}; flags {})",
                    if accepted { "accepted" } else { "rejected" },
                    test["comment"].as_str().unwrap_or(""),
                    test["flags"]
                )),
            }
        }
    }
    assert_eq!(
        counts.total as u64, declared,
        "{file}: numberOfTests says {declared}, found {}",
        counts.total
    );
    eprintln!(
        "wycheproof {file}: {} tests, {} valid verified, {} invalid rejected, acceptable {} accepted / {} rejected, {} disagreements",
        counts.total,
        counts.valid_ok,
        counts.invalid_rejected,
        counts.acceptable_accepted,
        counts.acceptable_rejected,
        counts.mismatches.len()
    );
    counts
}

/// Runs one file and requires at least `min_cases` tests from it (the count of the committed
/// file): an emptied or truncated file fails instead of passing having checked nothing.
fn check(
    file: &str,
    alg: &AlgorithmIdentifierOwned,
    group_fields: &[(&str, &str)],
    min_cases: usize,
) {
    let counts = run_file(file, alg, group_fields);
    assert!(
        counts.total >= min_cases,
        "wycheproof {file}: only {} tests ran, expected at least {min_cases}",
        counts.total
    );
    assert!(
        counts.mismatches.is_empty(),
        "govpki disagrees with wycheproof on {} test(s):\n{}",
        counts.mismatches.len(),
        counts.mismatches.join("\n")
    );
}

#[test]
fn ecdsa_p256_sha256() {
    check(
        "ecdsa_secp256r1_sha256_test.json",
        &alg(oid::ECDSA_SHA256),
        &[("sha", "SHA-256")],
        484,
    );
}

#[test]
fn ecdsa_p384_sha384() {
    check(
        "ecdsa_secp384r1_sha384_test.json",
        &alg(oid::ECDSA_SHA384),
        &[("sha", "SHA-384")],
        504,
    );
}

#[test]
fn ed25519() {
    check("ed25519_test.json", &alg(oid::ED25519), &[], 151);
}

#[test]
fn rsa_pkcs1_2048_sha256() {
    // NULL parameters, as certificates carry sha256WithRSAEncryption (RFC 4055 §5).
    check(
        "rsa_signature_2048_sha256_test.json",
        &alg_with(oid::SHA256_WITH_RSA, "0500"),
        &[("sha", "SHA-256")],
        259,
    );
}

/// RSASSA-PSS with the one parameter set govpki reads for SHA-256 (RFC 4055 §3.1: MGF1 with the
/// same hash, salt as long as the hash). Among the invalid vectors: valid PKCS#1 v1.5
/// signatures, which must not pass as PSS.
#[test]
fn rsa_pss_2048_sha256_mgf1_32() {
    check(
        "rsa_pss_2048_sha256_mgf1_32_test.json",
        &alg_with(oid::RSASSA_PSS, PSS_SHA256_MGF1_SHA256_SALT32),
        &[
            ("sha", "SHA-256"),
            ("mgf", "MGF1"),
            ("mgfSha", "SHA-256"),
            ("sLen", "32"),
        ],
        108,
    );
}
