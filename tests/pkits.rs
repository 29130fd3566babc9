//! NIST PKITS through `cert verify`, data-driven from `testdata/pkits/pkits.json` (pyhanko's
//! description of the 246 cases; see `testdata/pkits/PROVENANCE.md`).
//!
//! Each case runs the real binary:
//! `govpki --json cert verify EE --untrusted OTHERS.pem --trust TrustAnchorRootCertificate.crt
//! --crl TrustAnchorRootCRL.crl --crl ... --at 2022-05-01T00:00:00Z`, and the exit code is
//! compared with pyhanko's expectation:
//!
//! | pkits.json | govpki |
//! |---|---|
//! | no `error` | 0 (valid), with a path of `path_len` certificates |
//! | `RevokedError` | 1 (invalid), the reason says revoked |
//! | `PathValidationError` | 1 (invalid) |
//! | `InsufficientRevinfoError`, `StaleRevinfoError` | 3 (indeterminate: the revocation data is unusable) |
//!
//! Only the sections in [`SELECTED`] run now (their files are vendored); the others are counted
//! as not run. A missing vector file fails the test.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{Env, p};

/// The PKITS sections that run (4.5 self-issued key rollover, 4.7 key usage).
const SELECTED: &[&str] = &["4.5", "4.7"];

const AT: &str = "2022-05-01T00:00:00Z";

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkits")
}

fn cases() -> Vec<Value> {
    let path = data_dir().join("pkits.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read `{}`: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).expect("pkits.json is JSON");
    v.as_array().expect("pkits.json is a list").clone()
}

/// `40505` -> `4.5.5`.
fn pkits_id(id: &str) -> String {
    assert!(
        id.len() == 5 && id.bytes().all(|b| b.is_ascii_digit()),
        "unexpected id `{id}`"
    );
    let n = |s: &str| s.parse::<u32>().expect("digits");
    format!("{}.{}.{}", &id[..1], n(&id[1..3]), n(&id[3..]))
}

fn section(pkits: &str) -> &str {
    pkits.rsplit_once('.').map(|(s, _)| s).unwrap_or(pkits)
}

fn find(id: &str) -> Value {
    cases()
        .into_iter()
        .find(|c| pkits_id(c["id"].as_str().unwrap_or_default()) == id)
        .unwrap_or_else(|| panic!("no PKITS case {id} in pkits.json"))
}

fn file(kind: &str, name: &str) -> PathBuf {
    let path = data_dir().join(kind).join(name);
    assert!(
        path.is_file(),
        "missing PKITS vector `{}` (copy it from cryptography-vectors, see testdata/pkits/PROVENANCE.md)",
        path.display()
    );
    path
}

fn strings(case: &Value, key: &str) -> Vec<String> {
    case[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The exit code govpki should give, from pyhanko's error class.
fn expected_code(case: &Value) -> i32 {
    match case["error"]["class"].as_str() {
        None => 0,
        Some("RevokedError" | "PathValidationError") => 1,
        Some("InsufficientRevinfoError" | "StaleRevinfoError") => 3,
        Some(other) => panic!("unknown pyhanko error class `{other}`"),
    }
}

struct Outcome {
    code: i32,
    json: Value,
    describe: String,
}

/// Runs one case through `cert verify`.
fn run_case(env: &Env, case: &Value) -> Outcome {
    let id = pkits_id(case["id"].as_str().unwrap_or_default());
    let ee = file(
        "certs",
        case["cert"].as_str().expect("a case names its certificate"),
    );
    // --untrusted takes PEM bundles: the DER vectors are wrapped.
    let mut bundle = String::new();
    let mut others = strings(case, "other_certs");
    others.extend(strings(case, "path_intermediates"));
    for name in &others {
        let der = std::fs::read(file("certs", name)).expect("read a vector");
        bundle.push_str(&pem::encode(&pem::Pem::new("CERTIFICATE", der)));
    }
    let untrusted = env.write(&format!("{id}-untrusted.pem"), bundle);
    let anchor = file("certs", "TrustAnchorRootCertificate.crt");
    let mut args: Vec<String> = vec![
        "--json".into(),
        "cert".into(),
        "verify".into(),
        p(&ee).into(),
        "--untrusted".into(),
        p(&untrusted).into(),
        "--trust".into(),
        p(&anchor).into(),
        "--at".into(),
        AT.into(),
    ];
    let mut crls = vec!["TrustAnchorRootCRL.crl".to_string()];
    crls.extend(strings(case, "crls"));
    for crl in &crls {
        args.push("--crl".into());
        args.push(p(&file("crls", crl)).into());
    }
    let home = env.path("no-home");
    let run = env.run(&home, &args);
    assert!(
        !run.stderr.contains("panicked"),
        "PKITS {id}: govpki panicked\n{}",
        run.describe()
    );
    let code = run.code.unwrap_or(-1);
    let json = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    Outcome {
        code,
        json,
        describe: run.describe(),
    }
}

/// Why a case disagrees with its expectation, or `None`.
fn disagreement(case: &Value, got: &Outcome) -> Option<String> {
    let want = expected_code(case);
    if got.code != want {
        return Some(format!(
            "expected exit {want} ({}), got {}: {}",
            case["error"]["class"].as_str().unwrap_or("valid"),
            got.code,
            got.describe.trim()
        ));
    }
    if want == 0 {
        let path_len = case["path_len"].as_u64().unwrap_or(0) as usize;
        let chain = got.json["chain"].as_array().map(Vec::len).unwrap_or(0);
        if chain != path_len {
            return Some(format!(
                "valid, but through a path of {chain} certificates, not {path_len}: {}",
                got.json
            ));
        }
    }
    if case["error"]["class"].as_str() == Some("RevokedError")
        && !got.json["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("revoked")
    {
        return Some(format!("invalid, but not as revoked: {}", got.json));
    }
    None
}

#[test]
fn pkits_selected_sections() {
    let env = Env::new();
    let all = cases();
    assert_eq!(all.len(), 246, "pkits.json holds the 246 PKITS cases");
    let mut agree = 0usize;
    let mut ran = 0usize;
    let mut not_run = 0usize;
    let mut failures = Vec::new();
    for case in &all {
        let id = pkits_id(case["id"].as_str().unwrap_or_default());
        if !SELECTED.contains(&section(&id)) {
            not_run += 1;
            continue;
        }
        // Policy inputs (`params`) have no `cert verify` form in these sections.
        assert!(
            case.get("params").is_none(),
            "{id}: a selected case with policy inputs needs --policy support in this harness"
        );
        ran += 1;
        let got = run_case(&env, case);
        match disagreement(case, &got) {
            None => {
                agree += 1;
                eprintln!("PKITS {id} ok (exit {})", got.code);
            }
            Some(why) => {
                eprintln!("PKITS {id} DISAGREES: {why}");
                failures.push(format!("  {id} ({}): {why}", case["name"]));
            }
        }
    }
    eprintln!(
        "pkits (sections {}): {agree}/{ran} agree; {not_run} cases in other sections not run",
        SELECTED.join(", ")
    );
    // 4.5 has 8 cases, 4.7 has 5: fewer means pkits.json lost them, not that they pass.
    assert!(
        ran >= 13,
        "only {ran} PKITS cases of sections {SELECTED:?} ran"
    );
    assert!(
        failures.is_empty(),
        "{} PKITS case(s) disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Asserts one named case: exit code and a word of the reason.
fn assert_case(id: &str, code: i32, reason_has: &str) {
    let env = Env::new();
    let got = run_case(&env, &find(id));
    assert_eq!(got.code, code, "PKITS {id}: {}", got.describe);
    let reason = got.json["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(reason_has),
        "PKITS {id}: reason `{reason}` lacks `{reason_has}`"
    );
}

/// 4.5.5: the end entity, signed by the CA's old key, is on the CRL the CA signed with its new
/// key (certified by the self-issued new-with-old certificate).
#[test]
fn pkits_4_5_5_revoked_on_the_crl_of_the_rolled_over_key() {
    assert_case("4.5.5", 1, "revoked");
}

/// 4.5.7: the end entity is on the CRL signed by the CA's separate CRL-signing key.
#[test]
fn pkits_4_5_7_revoked_on_the_crl_of_the_crl_signing_key() {
    assert_case("4.5.7", 1, "revoked");
}

/// 4.7.1: an intermediate whose critical keyUsage lacks keyCertSign is no issuer.
#[test]
fn pkits_4_7_1_issuer_without_key_cert_sign_critical() {
    assert_case("4.7.1", 1, "keyCertSign");
}

/// 4.7.2: the same with a non-critical keyUsage.
#[test]
fn pkits_4_7_2_issuer_without_key_cert_sign_not_critical() {
    assert_case("4.7.2", 1, "keyCertSign");
}

/// 4.5.4 and 4.5.6 (valid) must not become indeterminate because the CRL is signed by another
/// key of the CA.
#[test]
fn pkits_rollover_crls_still_clear_valid_certificates() {
    for id in ["4.5.4", "4.5.6"] {
        let env = Env::new();
        let got = run_case(&env, &find(id));
        assert_eq!(got.code, 0, "PKITS {id}: {}", got.describe);
        assert_eq!(
            got.json["revocation_checked"], true,
            "PKITS {id}: {}",
            got.json
        );
    }
}
