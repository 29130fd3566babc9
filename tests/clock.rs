//! The clock cannot be moved in the shipped binary: `govpki` ignores
//! `GOVPKI_TEST_CLOCK_OFFSET` even in the build `cargo test` makes (the one with every feature
//! of the crate turned on, through its dev-dependency on itself), so no cargo command produces
//! a `govpki` that an environment variable can backdate. Only the test binary `govpki-test`
//! honours it, and `cargo install` never installs that one.

use std::path::Path;
use std::process::Command;

mod common;

use common::{CLOCK_OFFSET_VAR, GOVPKI_TEST_BIN};

/// About 31 years: far enough that no slack in a not-before can hide it.
const OFFSET: i64 = 1_000_000_000;

/// Makes a CA in a fresh home with `bin` and the offset variable set to `offset`, and returns
/// the CA certificate's not-before (Unix seconds) and the real time before the run.
fn ca_not_before(bin: &str, offset: &str) -> (i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let started = time::OffsetDateTime::now_utc().unix_timestamp();
    let out = Command::new(bin)
        .args(["--json", "ca", "init", "--subject", "CN=时钟根CA,C=CN"])
        .arg("--no-passphrase")
        .env("GOVPKI_HOME", &home)
        .env("GOVPKI_NO_CACHE", "1")
        .env("NO_COLOR", "1")
        .env(CLOCK_OFFSET_VAR, offset)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{bin}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let not_before = time::OffsetDateTime::parse(
        json["not_before"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .unix_timestamp();
    (not_before, started)
}

/// A not-before may be set back a little from "now"; an hour either way is generous and still
/// far from [`OFFSET`].
fn assert_near(not_before: i64, expected: i64, what: &str) {
    assert!(
        (expected - 3600..expected + 3600).contains(&not_before),
        "{what}: not-before {not_before}, expected about {expected}"
    );
}

#[test]
fn govpki_ignores_the_offset_variable() {
    let bin = env!("CARGO_BIN_EXE_govpki");
    for offset in [OFFSET, -OFFSET] {
        let (not_before, started) = ca_not_before(bin, &offset.to_string());
        assert_near(
            not_before,
            started,
            "govpki moved its clock by the variable",
        );
    }
}

#[test]
fn the_test_binary_honours_the_offset_variable() {
    for offset in [OFFSET, -OFFSET] {
        let (not_before, started) = ca_not_before(GOVPKI_TEST_BIN, &offset.to_string());
        assert_near(
            not_before,
            started + offset,
            "govpki-test did not move its clock",
        );
    }
}

#[test]
fn the_test_binary_refuses_a_malformed_offset_rather_than_run_on_the_real_clock() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(GOVPKI_TEST_BIN)
        .args(["ca", "show"])
        .env("GOVPKI_HOME", dir.path().join("home"))
        .env(CLOCK_OFFSET_VAR, "monday")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`GOVPKI_TEST_CLOCK_OFFSET` is not a whole number of seconds: `monday`"),
        "{stderr}"
    );
}

/// `cargo install` installs every binary whose required features are on, and it never turns on
/// dev-dependency features: `govpki-test` stays out only while it requires `test-clock`.
#[test]
fn the_test_binary_requires_the_test_feature() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let bins: Vec<&str> = manifest.split("[[bin]]").skip(1).collect();
    let test_bin = bins
        .iter()
        .map(|b| b.split("\n[").next().unwrap_or(b))
        .find(|b| b.contains("name = \"govpki-test\""))
        .expect("a [[bin]] section for govpki-test");
    assert!(
        test_bin.contains("required-features = [\"test-clock\"]"),
        "{test_bin}"
    );
    assert!(
        !manifest.contains("default = [\"test-clock\"")
            && !manifest.contains("default = [ \"test-clock\""),
        "test-clock must not be a default feature"
    );
}
