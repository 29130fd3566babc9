//! `govpki authz ...` end to end: the built binary on the shipped policies and on the bad
//! fixtures in testdata/authz.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn govpki() -> Command {
    let mut cmd = Command::cargo_bin("govpki").unwrap();
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("GOVPKI_HOME")
        .env_remove("GOVPKI_NO_CACHE")
        // The compiled-policy cache in use, but never the real ~/.cache.
        .env(
            "GOVPKI_CACHE_DIR",
            std::env::temp_dir().join("govpki-authz-test-cache"),
        );
    cmd.arg("--home")
        .arg(std::env::temp_dir().join("govpki-authz-test-home"));
    cmd
}

fn fixture(name: &str) -> String {
    format!("testdata/authz/{name}")
}

/// The seal keeper of 财政局, as --subject flags.
const KEEPER: &[&str] = &[
    "--subject",
    "cn=周洁",
    "--subject",
    "department=财政局",
    "--subject",
    "organization=连云港市人民政府",
    "--subject",
    "title=印章保管员",
];

#[test]
fn shipped_policy_tests_pass() {
    let out = govpki()
        .args(["authz", "test", "--policy", "policies", "policies/tests"])
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let last = stdout.lines().last().unwrap();
    let passed: usize = last
        .strip_suffix(" passed, 0 failed")
        .unwrap()
        .parse()
        .unwrap();
    assert!(passed >= 30, "{last}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("pass  ")).count(),
        passed
    );
}

#[test]
fn shipped_policy_validates_cleanly() {
    govpki()
        .args(["authz", "validate", "--policy", "policies"])
        .assert()
        .success()
        .stdout(predicate::str::contains("is valid"))
        .stderr(predicate::str::is_empty());
}

#[test]
fn a_failing_test_case_exits_1() {
    govpki()
        .args([
            "authz",
            "test",
            "--policy",
            "policies",
            &fixture("tests-one-failing.yaml"),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL  wrongly expects the auditor to revoke",
        ))
        .stdout(predicate::str::ends_with("1 passed, 1 failed\n"));
}

#[test]
fn test_json_summary() {
    let out = govpki()
        .args([
            "--json",
            "authz",
            "test",
            "--policy",
            "policies",
            &fixture("tests-one-failing.yaml"),
        ])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 1);
    assert_eq!(v["cases"][1]["decision"], "deny");
}

#[test]
fn check_allow_and_deny_exit_codes() {
    govpki()
        .args(["authz", "check", "--policy", "policies"])
        .args(KEEPER)
        .args([
            "--action",
            "seal.apply",
            "--resource",
            "dept/财政局/seal/finance",
        ])
        .args([
            "--context",
            "domain=intranet",
            "--context",
            "time=2026-12-01T10:00:00+08:00",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("allow: "));
    govpki()
        .args(["authz", "check", "--policy", "policies"])
        .args(KEEPER)
        .args([
            "--action",
            "seal.apply",
            "--resource",
            "dept/财政局/seal/finance",
        ])
        .args([
            "--context",
            "domain=intranet",
            "--context",
            "time=2026-12-05T10:00:00+08:00",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("deny: "))
        .stdout(predicate::str::contains(
            "the local time is 2026-12-05 10:00:00 Sat",
        ));
}

#[test]
fn check_json_has_decision_and_reason() {
    let out = govpki()
        .args(["--json", "authz", "check", "--policy", "policies"])
        .args([
            "--subject",
            "title=审计员",
            "--action",
            "audit.read",
            "--resource",
            "ca/root",
        ])
        .assert()
        .code(0);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["decision"], "allow");
    assert!(v["reason"].as_str().unwrap().contains("auditor-read-audit"));
    assert_eq!(v["rule"], "auditor-read-audit");
    let out = govpki()
        .args(["--json", "authz", "check", "--policy", "policies"])
        .args(["--subject", "title=审计员", "--action", "cert.revoke"])
        .args([
            "--resource",
            "dept/财政局/cert/01",
            "--context",
            "domain=intranet",
        ])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["decision"], "deny");
    assert!(v["reason"].is_string());
}

#[test]
fn explain_shows_the_inheritance_path() {
    govpki()
        .args(["authz", "check", "--policy", "policies", "--explain"])
        .args([
            "--subject",
            "department=财政局",
            "--subject",
            "organization=连云港市人民政府",
        ])
        .args(["--subject", "title=部门负责人"])
        .args([
            "--action",
            "doc.read",
            "--resource",
            "dept/财政局/doc/2026-100",
        ])
        .args(["--context", "domain=intranet", "--context", "level=秘密"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("binding    bind-department-heads"))
        .stdout(predicate::str::contains("role       department-head"))
        .stdout(predicate::str::contains("inherits   staff"))
        .stdout(predicate::str::contains(
            "permission staff-read-classified-docs",
        ));
}

#[test]
fn explain_a_separation_of_duty_violation() {
    let out = govpki()
        .args([
            "--json",
            "authz",
            "check",
            "--policy",
            "policies",
            "--explain",
        ])
        .args([
            "--subject",
            "serial=4A:2F:00:91",
            "--subject",
            "title=审计员",
        ])
        .args(["--action", "audit.read", "--resource", "ca/root"])
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["rule"], "sod-ca-officer-auditor");
    assert_eq!(v["explanation"]["deny_rule"]["roles"][0], "ca-officer");
}

#[test]
fn a_policy_that_does_not_load_is_an_error_never_an_allow() {
    for bad in [
        "policy-broken-yaml.yaml",
        "policy-unknown-key.yaml",
        "policy-cycle.yaml",
        "policy-sod-one-binding.yaml",
        "policy-not-utf8.yaml",
    ] {
        govpki()
            .args(["authz", "check", "--policy", &fixture(bad)])
            .args(["--subject", "title=安全管理员", "--action", "cert.issue"])
            .args(["--resource", "dept/信息中心/cert/person"])
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains("error: "));
    }
}

/// Runs `authz validate` on a fixture and checks exit 2 and `file:line:column: message`.
fn validate_fails(name: &str, line_col: &str, message: &str) {
    let path = fixture(name);
    govpki()
        .args(["authz", "validate", "--policy", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "error: {path}:{line_col}: {message}"
        )));
}

#[test]
fn validate_cites_file_line_column() {
    validate_fails("policy-broken-yaml.yaml", "6:18", "");
    validate_fails("policy-unknown-key.yaml", "3:5", "unknown field `inherit`");
    validate_fails("policy-wrong-type.yaml", "5:18", "invalid type: map");
    validate_fails(
        "policy-cycle.yaml",
        "5:16",
        "role inheritance cycle: clerk -> department-head -> staff -> clerk",
    );
    validate_fails(
        "policy-sod-one-binding.yaml",
        "7:12",
        "separation of duty `sod-ca-officer-auditor`",
    );
    validate_fails(
        "policy-sod-one-role.yaml",
        "4:9",
        "separation of duty `sod-seal`",
    );
    validate_fails("policy-unknown-role.yaml", "6:20", "unknown role `stafff`");
    validate_fails(
        "policy-duplicate-id.yaml",
        "6:10",
        "duplicate rule id `read`",
    );
    validate_fails(
        "policy-bad-pattern.yaml",
        "6:21",
        "invalid resource pattern `dept/**`",
    );
    validate_fails(
        "policy-bad-time.yaml",
        "8:24",
        "unknown time zone `Asia/Beijing`",
    );
    validate_fails("policy-bad-level.yaml", "8:28", "unknown level `保密`");
    validate_fails("policy-not-utf8.yaml", "2:11", "not valid UTF-8");
}

#[test]
fn validate_json_lists_errors_with_locations() {
    let out = govpki()
        .args([
            "--json",
            "authz",
            "validate",
            "--policy",
            &fixture("policy-cycle.yaml"),
        ])
        .assert()
        .code(2);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["errors"][0]["line"], 5);
    assert_eq!(v["errors"][0]["column"], 16);
}

#[test]
fn validate_reports_warnings_but_succeeds() {
    govpki()
        .args([
            "authz",
            "validate",
            "--policy",
            &fixture("policy-warnings.yaml"),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 warnings"))
        .stderr(predicate::str::contains(
            "shadowed by deny rule `deny-archive`",
        ))
        .stderr(predicate::str::contains("can never match"))
        .stderr(predicate::str::contains(
            "role `orphan` is given by no binding",
        ));
}

#[test]
fn batch_answers_every_line_in_order() {
    let input = std::fs::read_to_string(root().join(fixture("requests-with-malformed-line.jsonl")))
        .unwrap();
    let out = govpki()
        .args(["authz", "batch", "--policy", "policies"])
        .write_stdin(input.clone())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "3 of 6 request lines were malformed",
        ));
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), input.lines().count());
    assert_eq!(lines[0]["decision"], "allow");
    assert_eq!(lines[0]["id"], 1);
    assert_eq!(lines[1]["line"], 2);
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("malformed request")
    );
    assert_eq!(lines[2]["decision"], "deny");
    assert_eq!(lines[3]["id"], 4);
    assert!(
        lines[3]["error"]
            .as_str()
            .unwrap()
            .contains("unknown field `extra`")
    );
    assert!(lines[4]["error"].is_string());
    assert_eq!(lines[5]["decision"], "allow");
    assert!(lines[5]["explanation"]["path"].is_array());
}

#[test]
fn batch_all_good_exits_0() {
    let input = "{\"subject\":{\"title\":\"审计员\"},\"action\":\"audit.read\",\"resource\":\"ca/root\"}\n\
                 {\"subject\":{\"title\":\"审计员\"},\"action\":\"cert.issue\",\"resource\":\"dept/a/cert/person\",\"context\":{\"domain\":\"intranet\"}}\n";
    govpki()
        .args(["authz", "batch", "--policy", "policies"])
        .write_stdin(input)
        .assert()
        .success()
        .stdout(predicate::function(|s: &str| s.lines().count() == 2));
}

#[test]
fn bad_context_values_are_errors() {
    govpki()
        .args([
            "authz",
            "check",
            "--policy",
            "policies",
            "--subject",
            "title=审计员",
        ])
        .args([
            "--action",
            "audit.read",
            "--resource",
            "ca/root",
            "--context",
            "domain=intarnet",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("domain `intarnet`"))
        .stderr(predicate::str::contains("hint: "));
    govpki()
        .args([
            "authz",
            "check",
            "--policy",
            "policies",
            "--subject",
            "title=审计员",
        ])
        .args(["--action", "audit.read", "--resource", "ca/../root"])
        .assert()
        .code(2);
}

#[test]
fn subject_is_required_and_exclusive() {
    govpki()
        .args([
            "authz",
            "check",
            "--policy",
            "policies",
            "--action",
            "a",
            "--resource",
            "r",
        ])
        .assert()
        .code(2);
    govpki()
        .args([
            "authz",
            "check",
            "--policy",
            "policies",
            "--subject-cert",
            "x.pem",
        ])
        .args(["--subject", "cn=x", "--action", "a", "--resource", "r"])
        .assert()
        .code(2);
}

#[test]
fn missing_policy_and_empty_directory_are_errors() {
    govpki()
        .args(["authz", "validate", "--policy", "no/such/policy.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "reading policy `no/such/policy.yaml`",
        ));
    let empty = tempfile::tempdir().unwrap();
    govpki()
        .args(["authz", "validate", "--policy"])
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no .yaml or .yml files"));
}

fn write_cert(dir: &Path, department: &str, title: &str, pem: bool) -> PathBuf {
    use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "连云港市人民政府");
    dn.push(DnType::OrganizationalUnitName, department);
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 12]), title);
    dn.push(DnType::CommonName, "周洁");
    params.distinguished_name = dn;
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let path = dir.join(if pem { "subject.pem" } else { "subject.der" });
    if pem {
        std::fs::write(&path, format!("a comment before the block\n{}", cert.pem())).unwrap();
    } else {
        std::fs::write(&path, cert.der()).unwrap();
    }
    path
}

#[test]
fn subject_from_certificate_pem_and_der() {
    let dir = tempfile::tempdir().unwrap();
    for pem in [true, false] {
        let cert = write_cert(dir.path(), "财政局", "印章保管员", pem);
        govpki()
            .args(["authz", "check", "--policy", "policies", "--subject-cert"])
            .arg(&cert)
            .args([
                "--action",
                "seal.apply",
                "--resource",
                "dept/财政局/seal/invoice",
            ])
            .args([
                "--context",
                "domain=intranet",
                "--context",
                "time=2026-12-01T10:00:00+08:00",
            ])
            .assert()
            .code(0);
        govpki()
            .args(["authz", "check", "--policy", "policies", "--subject-cert"])
            .arg(&cert)
            .args([
                "--action",
                "seal.apply",
                "--resource",
                "dept/档案局/seal/invoice",
            ])
            .args([
                "--context",
                "domain=intranet",
                "--context",
                "time=2026-12-01T10:00:00+08:00",
            ])
            .assert()
            .code(1);
    }
    let garbage = dir.path().join("garbage.der");
    std::fs::write(&garbage, b"not a certificate").unwrap();
    govpki()
        .args(["authz", "check", "--policy", "policies", "--subject-cert"])
        .arg(&garbage)
        .args(["--action", "a", "--resource", "r"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("reading subject certificate"));
}

#[test]
fn a_certificate_with_control_characters_in_a_name_is_refused() {
    govpki()
        .args(["authz", "check", "--policy", "policies", "--subject-cert"])
        .arg(fixture("cert-dns-san-with-nul.der"))
        .args(["--action", "doc.read", "--resource", "dept/信息中心/doc/1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "subject alternative name is not valid text",
        ));
}

#[test]
fn every_verb_has_examples_and_exit_codes_in_long_help() {
    for verb in ["check", "batch", "validate", "test"] {
        govpki()
            .args(["authz", verb, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("EXAMPLES:"))
            .stdout(predicate::str::contains("EXIT CODES:"));
    }
}
