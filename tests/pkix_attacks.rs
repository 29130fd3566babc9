//! Attacks found by an insider review of the path validator (`src/pkix`), as regression tests
//! through the CLI. Inputs and their provenance: `testdata/pkix-attacks/README.md`.

use std::path::{Path, PathBuf};
use std::process::Command;

const AT: &str = "2026-12-06T00:00:00Z";

fn dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/pkix-attacks")
        .join(case)
}

fn verify(case: &str, file: &str, crls: &[&str]) -> (i32, String) {
    let d = dir(case);
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("govpki"));
    cmd.arg("cert")
        .arg("verify")
        .arg(d.join(file))
        .arg("--trust")
        .arg(d.join("root.pem"))
        .arg("--at")
        .arg(AT)
        .env_remove("GOVPKI_HOME");
    for c in crls {
        cmd.arg("--crl").arg(d.join(c));
    }
    let out = cmd.output().expect("run govpki");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// An older delta CRL given before the newer one must not hide the revocation the newer one
/// lists: the newest applicable delta is used, and any verified listing is final.
#[test]
fn an_older_delta_crl_does_not_hide_a_revocation() {
    for order in [
        ["full.crl", "deltaA.crl", "deltaB.crl"],
        ["full.crl", "deltaB.crl", "deltaA.crl"],
        ["deltaA.crl", "deltaB.crl", "full.crl"],
    ] {
        let (code, out) = verify("delta-order", "ee.pem", &order);
        assert_eq!(code, 1, "{order:?}: {out}");
        assert!(
            out.contains("revoked") && out.contains("keyCompromise"),
            "{out}"
        );
    }
    // Control: without the delta that lists it, the complete CRL says not revoked.
    let (code, out) = verify("delta-order", "ee.pem", &["full.crl", "deltaA.crl"]);
    assert_eq!(code, 0, "{out}");
}

/// A certificate named like the CA but issued by a sibling sub-CA, without keyUsage, does not
/// sign the CA's CRLs: its newer empty CRL neither releases a hold on the genuine CRL nor
/// settles anything by itself.
#[test]
fn a_look_alike_certificate_signs_no_crl_of_the_ca() {
    let (code, out) = verify(
        "crl-lookalike",
        "bundle.pem",
        &["genuine.crl", "forged.crl"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("certificateHold"), "{out}");
    let (code, out) = verify("crl-lookalike", "bundle.pem", &["forged.crl", "subb.crl"]);
    assert_eq!(code, 3, "{out}");
    // Control: the genuine CRL alone decides.
    let (code, out) = verify("crl-lookalike", "bundle.pem", &["genuine.crl"]);
    assert_eq!(code, 1, "{out}");
}
