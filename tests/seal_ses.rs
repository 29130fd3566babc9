//! `seal verify` and `seal show` on GB/T 38540 seal-signatures (SES_Signature) from OFD packages
//! (`testdata/gbt38540/PROVENANCE.md`): the document's SM3 against dataHash, both SM2
//! signatures, and chains that cannot validate because the issuing CAs are not included.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/gbt38540");

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    /// A temp dir with the gomain sample (Signature.xml, SignedValue.dat) and the ofdrw root.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (from, to) in [
            ("ofd/gomain-v4/Signature.xml", "Signature.xml"),
            ("ofd/gomain-v4/SignedValue.dat", "SignedValue.dat"),
            ("certs/ofdrw-root.pem", "root.pem"),
        ] {
            // Part of the repository (testdata/gbt38540/PROVENANCE.md): missing or empty fails.
            let src = Path::new(SAMPLES).join(from);
            let copied = std::fs::copy(&src, dir.path().join(to))
                .unwrap_or_else(|e| panic!("GB/T 38540 sample `{}`: {e}", src.display()));
            assert!(copied > 0, "GB/T 38540 sample `{}` is empty", src.display());
        }
        Dir { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(assert_cmd::cargo::cargo_bin!("govpki"))
            .args(args)
            .current_dir(self.dir.path())
            .env("GOVPKI_HOME", self.path("home"))
            .env("NO_COLOR", "1")
            .env_remove("GOVPKI_POLICY")
            .output()
            .unwrap()
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn status<'a>(report: &'a serde_json::Value, id: &str) -> &'a str {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report}"))["status"]
        .as_str()
        .unwrap()
}

const VERIFY: [&str; 8] = [
    "--json",
    "seal",
    "verify",
    "Signature.xml",
    "--sig",
    "SignedValue.dat",
    "--trust",
    "root.pem",
];

#[test]
fn gomain_verifies_but_for_the_chain() {
    let d = Dir::new();
    let out = d.run(&VERIFY);
    let r = json(&out);
    assert_eq!(r["format"], "ses", "{r}");
    assert_eq!(r["document_digest_algorithm"], "sm3", "{r}");
    assert_eq!(
        r["document_digest"],
        "14859b925039a50fe268d40e4a903da44d64cc56b1eebd0902d45a5a41a134b5"
    );
    assert_eq!(r["es_id"], "50011200000399");
    assert_eq!(r["signing_time"], "2020-10-10T07:11:20Z");
    assert_eq!(r["signing_time_source"], "claimed by signer");
    for id in [
        "seal_present",
        "document_hash",
        "signer_signature",
        "signing_time",
        "signer_listed",
        "seal_signature",
        "seal_validity",
    ] {
        assert_eq!(status(&r, id), "pass", "{id}: {r}");
    }
    // The tax CA (SM2) is not a trust anchor here: only the chains stop the verdict.
    assert_eq!(status(&r, "signer_chain"), "fail", "{r}");
    assert_eq!(status(&r, "seal_authority_chain"), "fail", "{r}");
    assert_eq!(r["verdict"], "invalid", "{r}");
    let others: Vec<_> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] != "signer_chain" && c["check"] != "seal_authority_chain")
        .filter(|c| c["status"] == "fail" || c["status"] == "indeterminate")
        .collect();
    assert!(others.is_empty(), "{others:?}");
    assert!(
        r["reason"].as_str().unwrap().starts_with("seal authority:")
            || r["reason"].as_str().unwrap().starts_with("signer:"),
        "{r}"
    );
    assert_eq!(code(&out), 1, "{out:?}");

    // The text report has the same content.
    let out = d.run(&VERIFY[1..]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("format:        SES_Signature (GB/T 38540)"),
        "{text}"
    );
    assert!(text.contains("pass  document_hash"), "{text}");
}

#[test]
fn ses_beside_the_document_is_found() {
    let d = Dir::new();
    std::fs::rename(d.path("SignedValue.dat"), d.path("Signature.xml.ses")).unwrap();
    let out = d.run(&[
        "--json",
        "seal",
        "verify",
        "Signature.xml",
        "--trust",
        "root.pem",
    ]);
    let r = json(&out);
    assert_eq!(r["format"], "ses");
    assert_eq!(status(&r, "document_hash"), "pass");
}

#[test]
fn a_changed_byte_fails_document_hash() {
    let d = Dir::new();
    let mut doc = std::fs::read(d.path("Signature.xml")).unwrap();
    doc[100] ^= 0x01;
    std::fs::write(d.path("Signature.xml"), doc).unwrap();
    let out = d.run(&VERIFY);
    assert_eq!(code(&out), 1, "{out:?}");
    let r = json(&out);
    assert_eq!(status(&r, "document_hash"), "fail");
    assert_eq!(status(&r, "signer_signature"), "pass");
    assert_eq!(r["verdict"], "invalid");
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .starts_with("document hash mismatch"),
        "{r}"
    );
}

#[test]
fn a_truncated_signature_is_an_error() {
    let d = Dir::new();
    let sig = std::fs::read(d.path("SignedValue.dat")).unwrap();
    for cut in [10, 3000] {
        std::fs::write(d.path("SignedValue.dat"), &sig[..sig.len() - cut]).unwrap();
        let out = d.run(&VERIFY[1..]);
        assert_eq!(code(&out), 2, "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: reading signature `SignedValue.dat`: malformed seal-signature"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_version_1_signature_is_refused() {
    let d = Dir::new();
    std::fs::copy(
        Path::new(SAMPLES).join("ofd/dms360-v1/SignedValue.dat"),
        d.path("SignedValue.dat"),
    )
    .unwrap();
    let out = d.run(&VERIFY[1..]);
    assert_eq!(code(&out), 2, "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("version 1 (GM/T 0031-2014)"), "{err}");
}

#[test]
fn show_reads_a_signed_value_dat() {
    let d = Dir::new();
    let out = d.run(&["seal", "show", "SignedValue.dat"]);
    assert_eq!(code(&out), 0, "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SES_Signature version 4"), "{text}");
    assert!(
        text.contains("14859b925039a50fe268d40e4a903da44d64cc56b1eebd0902d45a5a41a134b5"),
        "{text}"
    );
    assert!(text.contains("esID:          50011200000399"), "{text}");
    assert!(text.contains("signer sig:    verifies"), "{text}");
    assert!(text.contains("seal sig:      verifies"), "{text}");

    let out = d.run(&["--json", "seal", "show", "SignedValue.dat"]);
    let v = json(&out);
    assert_eq!(v["kind"], "ses-signature");
    assert_eq!(v["format"], "ses");
    assert_eq!(v["seal"]["es_id"], "50011200000399");
    assert_eq!(v["property_info"], "/Doc_0/Signs/Sign_0/Signature.xml");
}

#[test]
fn openssl_agrees_on_the_sm3() {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("GOVPKI_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("openssl is required (GOVPKI_REQUIRE_TOOLS=1) but not installed");
        }
        eprintln!("!!!!!!!! SKIPPING: `openssl` is not installed (.ci/run installs it) !!!!!!!!");
        return;
    }
    let d = Dir::new();
    let out = Command::new("openssl")
        .args(["dgst", "-sm3", "-r"])
        .arg(d.path("Signature.xml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let theirs = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    let r = json(&d.run(&VERIFY));
    assert_eq!(r["document_digest"], theirs.as_str());
}
