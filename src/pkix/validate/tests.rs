//! Unit tests of path building and the §6.1 loop on PKITS data (the full 246 run through the
//! CLI in tests/pkits.rs).

use std::sync::Arc;

use super::*;
use crate::pkix::policy::PolicyInputs;
use crate::pkix::sig::DefaultVerifier;

fn cert(name: &str) -> Arc<Cert> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/pkits/certs")
        .join(format!("{name}.crt"));
    let der = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Arc::new(Cert::from_der(&der).expect("PKITS certificate parses"))
}

/// 2022-05-01T00:00:00Z, the time the PKITS expectations hold at.
const AT: i64 = 1_651_363_200;

fn run(target: &str, others: &[&str]) -> Outcome {
    let pool = Pool {
        anchors: vec![cert("TrustAnchorRootCertificate")],
        intermediates: others.iter().map(|n| cert(n)).collect(),
        crls: Vec::new(),
    };
    let policy = PolicyInputs::default();
    let verifier = DefaultVerifier::default();
    validate(
        &cert(target),
        &pool,
        &Options {
            at: AT,
            policy: &policy,
            required_eku: None,
            verifier: &verifier,
            max_depth: 16,
            online: None,
        },
    )
}

#[test]
fn no_issuer_is_no_path() {
    match run("ValidCertificatePathTest1EE", &[]) {
        Outcome::Invalid(Failure::NoPath { .. }) => {}
        other => panic!("{other:?}"),
    }
}
