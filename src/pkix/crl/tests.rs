//! PKITS 4.4, 4.14 and 4.15 through [`check`], and the parser on every PKITS CRL.

use std::path::{Path, PathBuf};

use der::Encode;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::*;
use crate::pkix::sig::{SigError, SignatureVerifier};

/// 2022-05-01T00:00:00Z.
const NOW: i64 = 1_651_363_200;

fn pkits() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkits")
}

fn cert(name: &str) -> Cert {
    let der = std::fs::read(pkits().join("certs").join(name)).expect("read cert");
    Cert::from_der(&der).expect("cert parses")
}

fn crl(name: &str) -> Crl {
    let der = std::fs::read(pkits().join("crls").join(name)).expect("read crl");
    Crl::from_der(&der).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// sha256WithRSAEncryption only: what PKITS signs with.
struct RsaSha256;

impl SignatureVerifier for RsaSha256 {
    fn verify(
        &self,
        spki: &SubjectPublicKeyInfoOwned,
        alg: &AlgorithmIdentifierOwned,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SigError> {
        if alg.oid.to_string() != "1.2.840.113549.1.1.11" {
            return Err(SigError::UnsupportedAlgorithm(alg.oid.to_string()));
        }
        let key = spki.subject_public_key.raw_bytes();
        ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, key)
            .verify(message, signature)
            .map_err(|_| SigError::BadSignature)
    }
}

/// Every certificate of the case whose subject is the CRL's issuer (DER equality).
struct BySubject(Vec<Cert>);

impl CrlSigners for BySubject {
    fn signers(&self, crl: &Crl) -> Vec<Cert> {
        self.0
            .iter()
            .filter(|c| c.subject.to_der().ok() == crl.issuer.to_der().ok())
            .cloned()
            .collect()
    }
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Verdict {
    Good,
    Revoked,
    Undetermined,
}

#[derive(serde::Deserialize)]
struct Case {
    id: String,
    cert: String,
    #[serde(default)]
    other_certs: Vec<String>,
    #[serde(default)]
    crls: Vec<String>,
    #[serde(default)]
    error: Option<ExpectedError>,
}

#[derive(serde::Deserialize)]
struct ExpectedError {
    class: String,
}

/// Checks the EE against its issuer and each CA up to the trust anchor.
fn run_case(case: &Case, use_deltas: bool) -> (Verdict, Vec<RevStatus>) {
    let ta = cert("TrustAnchorRootCertificate.crt");
    let mut certs: Vec<Cert> = case.other_certs.iter().map(|n| cert(n)).collect();
    certs.push(ta.clone());
    let mut crls: Vec<Crl> = case.crls.iter().map(|n| crl(n)).collect();
    crls.push(crl("TrustAnchorRootCRL.crl"));
    let signers = BySubject(certs.clone());
    let mut current = cert(&case.cert);
    let mut statuses = Vec::new();
    for _ in 0..10 {
        if current.der == ta.der {
            break;
        }
        // The issuer: same subject as the issuer name, and its key verifies the certificate.
        let Some(issuer) = certs
            .iter()
            .find(|c| {
                c.subject.to_der().ok() == current.issuer.to_der().ok()
                    && RsaSha256
                        .verify(
                            &c.spki,
                            &current.sig_alg,
                            &current.tbs_der,
                            &current.signature,
                        )
                        .is_ok()
            })
            .cloned()
        else {
            panic!("{}: no issuer for {}", case.id, current.subject_text());
        };
        let q = RevocationQuery {
            cert: &current,
            issuer: &issuer,
            crls: &crls,
            now: NOW,
            use_deltas,
        };
        statuses.push(check(&q, &signers, &RsaSha256));
        current = issuer;
    }
    let verdict = if statuses
        .iter()
        .any(|s| matches!(s, RevStatus::Revoked { .. }))
    {
        Verdict::Revoked
    } else if statuses
        .iter()
        .any(|s| matches!(s, RevStatus::Undetermined(_)))
    {
        Verdict::Undetermined
    } else {
        Verdict::Good
    };
    (verdict, statuses)
}

fn expected(case: &Case) -> Verdict {
    match case.error.as_ref().map(|e| e.class.as_str()) {
        None => Verdict::Good,
        Some("RevokedError") => Verdict::Revoked,
        Some("InsufficientRevinfoError" | "StaleRevinfoError") => Verdict::Undetermined,
        Some(other) => panic!("{}: unexpected class {other}", case.id),
    }
}

/// Cases whose expectation rests on the CRL signer's own path (the validator's job).
const SKIPPED: &[&str] = &[
    // The CRL-signing certificate is itself revoked by the trust anchor's CRL.
    "40421",
];

#[test]
fn pkits_crl_sections() {
    let json = std::fs::read(pkits().join("pkits.json")).expect("pkits.json");
    let cases: Vec<Case> = serde_json::from_slice(&json).expect("pkits.json parses");
    let mut failures = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    let mut run = 0;
    let sections = ["404", "414", "415"];
    for case in cases
        .iter()
        .filter(|c| sections.iter().any(|s| c.id.starts_with(s)) && c.id.len() == 5)
    {
        *counts.entry(&case.id[..3]).or_insert(0) += 1;
        if SKIPPED.contains(&case.id.as_str()) {
            continue;
        }
        run += 1;
        let (got, statuses) = run_case(case, true);
        if got != expected(case) {
            failures.push(format!(
                "{}: expected {:?}, got {:?} {:?}",
                case.id,
                expected(case),
                got,
                statuses
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(counts.get("404"), Some(&21));
    assert_eq!(counts.get("414"), Some(&35));
    assert_eq!(counts.get("415"), Some(&10));
    assert_eq!(run, 66 - SKIPPED.len());
}
