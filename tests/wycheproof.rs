//! Wycheproof (C2SP) signature vectors against the ring algorithms that govpki's chain
//! verification uses through rustls-webpki (`webpki::ring::*` wraps exactly these).
//!
//! For every test: `valid` must verify, `invalid` must not, `acceptable` may do either (counted
//! and reported). The public key goes to ring in the form webpki hands it over (the SPKI's
//! subjectPublicKey bits): the uncompressed point for ECDSA, the 32-byte key for Ed25519, the
//! PKCS#1 RSAPublicKey for RSA.
//!
//! The vectors live in `testdata/wycheproof/` (provenance in `testdata/wycheproof/PROVENANCE.md`);
//! a missing file fails the test.

use std::path::Path;

use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/wycheproof");

/// Where a group's public key sits, as ring wants it.
#[derive(Clone, Copy)]
enum KeyField {
    /// `publicKey.uncompressed` (ECDSA)
    Uncompressed,
    /// `publicKey.pk` (EdDSA)
    Pk,
    /// `publicKeyAsn` (RSA: PKCS#1 RSAPublicKey)
    Asn,
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

fn run_file(
    file: &str,
    alg: &'static dyn VerificationAlgorithm,
    key_field: KeyField,
) -> Option<Counts> {
    let path = Path::new(DIR).join(file);
    // The vectors are part of the repository (testdata/wycheproof, see its PROVENANCE.md): a
    // missing file is a broken checkout, never a silent pass.
    assert!(path.exists(), "wycheproof: `{}` is missing", path.display());
    let text = std::fs::read_to_string(&path).expect("read wycheproof file");
    let doc: Value = serde_json::from_str(&text).expect("wycheproof file is JSON");
    let declared = doc["numberOfTests"].as_u64().expect("numberOfTests");
    let mut counts = Counts::default();
    for group in doc["testGroups"].as_array().expect("testGroups") {
        let key_hex = match key_field {
            KeyField::Uncompressed => &group["publicKey"]["uncompressed"],
            KeyField::Pk => &group["publicKey"]["pk"],
            KeyField::Asn => &group["publicKeyAsn"],
        };
        let key = hex::decode(key_hex.as_str().expect("public key hex")).expect("public key hex");
        let key = UnparsedPublicKey::new(alg, key);
        for test in group["tests"].as_array().expect("tests") {
            counts.total += 1;
            let id = test["tcId"].as_u64().expect("tcId");
            let msg = hex::decode(test["msg"].as_str().expect("msg")).expect("msg hex");
            let sig = hex::decode(test["sig"].as_str().expect("sig")).expect("sig hex");
            let accepted = key.verify(&msg, &sig).is_ok();
            match (test["result"].as_str().expect("result"), accepted) {
                ("valid", true) => counts.valid_ok += 1,
                ("invalid", false) => counts.invalid_rejected += 1,
                ("acceptable", true) => counts.acceptable_accepted += 1,
                ("acceptable", false) => counts.acceptable_rejected += 1,
                (result, _) => counts.mismatches.push(format!(
                    "{file} tcId {id}: expected {result}, ring {} ({}; flags {})",
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
    Some(counts)
}

/// Runs one file and requires at least `min_cases` tests from it (the count of the committed
/// file): an emptied or truncated file fails instead of passing having checked nothing.
fn check(
    file: &str,
    alg: &'static dyn VerificationAlgorithm,
    key_field: KeyField,
    min_cases: usize,
) {
    if let Some(counts) = run_file(file, alg, key_field) {
        assert!(
            counts.total >= min_cases,
            "wycheproof {file}: only {} tests ran, expected at least {min_cases}",
            counts.total
        );
        assert!(
            counts.mismatches.is_empty(),
            "ring disagrees with wycheproof on {} test(s):\n{}",
            counts.mismatches.len(),
            counts.mismatches.join("\n")
        );
    }
}

#[test]
fn ecdsa_p256_sha256() {
    check(
        "ecdsa_secp256r1_sha256_test.json",
        &signature::ECDSA_P256_SHA256_ASN1,
        KeyField::Uncompressed,
        484,
    );
}

#[test]
fn ecdsa_p384_sha384() {
    check(
        "ecdsa_secp384r1_sha384_test.json",
        &signature::ECDSA_P384_SHA384_ASN1,
        KeyField::Uncompressed,
        504,
    );
}

#[test]
fn ed25519() {
    check("ed25519_test.json", &signature::ED25519, KeyField::Pk, 151);
}

#[test]
fn rsa_pkcs1_2048_sha256() {
    check(
        "rsa_signature_2048_sha256_test.json",
        &signature::RSA_PKCS1_2048_8192_SHA256,
        KeyField::Asn,
        259,
    );
}
