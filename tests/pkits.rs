//! NIST PKITS through `cert verify`, data-driven from `testdata/pkits/pkits.json` (pyhanko's
//! description of the 246 cases; see `testdata/pkits/PROVENANCE.md`), with openssl side by side.
//!
//! Each case runs the real binary:
//! `govpki --json cert verify EE --untrusted OTHERS.pem --trust TrustAnchorRootCertificate.crt
//! --crl TrustAnchorRootCRL.crl --crl ... --at 2022-05-01T00:00:00Z --allow-legacy`, with the
//! case's `params` mapped to flags (`user_initial_policy_set` -> `--policy OID` repeated,
//! `initial_explicit_policy` -> `--explicit-policy`, `initial_policy_mapping_inhibit` ->
//! `--inhibit-policy-mapping`, `initial_any_policy_inhibit` -> `--inhibit-any-policy`). Every
//! case gets `--allow-legacy`: only the DSA cases (PKITS 4.1.4-4.1.6) are SHA-1 signed, the rest
//! are sha256WithRSAEncryption, so the flag changes nothing elsewhere. The exit code is compared
//! with pyhanko's expectation:
//!
//! | pkits.json | govpki |
//! |---|---|
//! | no `error` | 0 (valid), with a path of `path_len` certificates |
//! | `RevokedError` | 1 (invalid), the reason says revoked |
//! | `PathValidationError` | 1 (invalid) |
//! | `InsufficientRevinfoError`, `StaleRevinfoError` | 3 (indeterminate: the revocation data is unusable) |
//!
//! Cases that disagree are listed in `tests/pkits_known_failures.txt` (`4.x.y  # reason` per
//! line; `4.x.y:name` for the ids pkits.json gives several policy-input variants). The test fails on a disagreement not listed, and on a listed case that now agrees
//! (it names the lines to remove). To rewrite the list from what the binary does now:
//! `PKITS_WRITE_KNOWN=1 cargo test --test pkits pkits_all_cases`.
//!
//! `pkits_vs_openssl` runs `openssl verify` on the same cases and prints a per-section table of
//! both tallies; it asserts only that both ran every case (openssl's verdicts are information,
//! not a requirement). `pkits_vectors_match_provenance` checks every vendored file against the
//! sha256 list in `PROVENANCE.md`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

use common::{Env, p};

const AT: &str = "2022-05-01T00:00:00Z";
/// `AT` as a Unix time, for `openssl verify -attime`.
const AT_UNIX: &str = "1651363200";

const KNOWN_FAILURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/pkits_known_failures.txt"
);

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkits")
}

fn cases() -> &'static [Value] {
    static CASES: OnceLock<Vec<Value>> = OnceLock::new();
    CASES.get_or_init(|| {
        let path = data_dir().join("pkits.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read `{}`: {e}", path.display()));
        let v: Value = serde_json::from_str(&text).expect("pkits.json is JSON");
        let all = v.as_array().expect("pkits.json is a list").clone();
        assert_eq!(all.len(), 246, "pkits.json holds the 246 PKITS cases");
        all
    })
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

fn case_id(case: &Value) -> String {
    pkits_id(case["id"].as_str().unwrap_or_default())
}

/// The key of a case in the known-failures file and the output: `4.x.y`, or `4.x.y:name` for
/// the ids that pkits.json uses for several cases (pyhanko's policy-input variants of 4.8, 4.10
/// and 4.12, e.g. `4.8.1:all_certs_same_policy_test1_explicit_policy`).
fn case_key(case: &Value) -> String {
    let id = case_id(case);
    let shared = cases().iter().filter(|c| c["id"] == case["id"]).count() > 1;
    if shared {
        format!("{id}:{}", case["name"].as_str().unwrap_or_default())
    } else {
        id
    }
}

fn section(key: &str) -> &str {
    let pkits = key.split(':').next().unwrap_or(key);
    pkits.rsplit_once('.').map(|(s, _)| s).unwrap_or(pkits)
}

fn find(key: &str) -> &'static Value {
    cases()
        .iter()
        .find(|c| case_key(c) == key)
        .unwrap_or_else(|| panic!("no PKITS case {key} in pkits.json"))
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

fn strings(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The intermediates of a case (`other_certs` and `path_intermediates`).
fn others(case: &Value) -> Vec<String> {
    let mut others = strings(case, "other_certs");
    others.extend(strings(case, "path_intermediates"));
    others
}

/// The CRLs of a case: the trust anchor's, then the case's.
fn crls(case: &Value) -> Vec<String> {
    let mut crls = vec!["TrustAnchorRootCRL.crl".to_string()];
    crls.extend(strings(case, "crls"));
    crls
}

/// The case's policy inputs (`params`) as `(user_initial_policy_set, explicit, inhibit
/// mapping, inhibit anyPolicy)`.
fn policy_params(case: &Value) -> (Vec<String>, bool, bool, bool) {
    let params = &case["params"];
    if let Some(obj) = params.as_object() {
        for key in obj.keys() {
            assert!(
                [
                    "user_initial_policy_set",
                    "initial_explicit_policy",
                    "initial_policy_mapping_inhibit",
                    "initial_any_policy_inhibit"
                ]
                .contains(&key.as_str()),
                "{}: unknown param `{key}`",
                case_id(case)
            );
        }
    }
    let flag = |k: &str| params[k].as_bool().unwrap_or(false);
    (
        strings(params, "user_initial_policy_set"),
        flag("initial_explicit_policy"),
        flag("initial_policy_mapping_inhibit"),
        flag("initial_any_policy_inhibit"),
    )
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

fn pem_of(kind: &str, label: &str, names: &[String]) -> String {
    let mut out = String::new();
    for name in names {
        let der = std::fs::read(file(kind, name)).expect("read a vector");
        out.push_str(&pem::encode(&pem::Pem::new(label, der)));
    }
    out
}

struct Outcome {
    code: i32,
    json: Value,
    describe: String,
}

/// The `cert verify` arguments of a case; `untrusted` is the PEM bundle of its intermediates.
fn govpki_args(case: &Value, untrusted: Option<&Path>) -> Vec<String> {
    let ee = file(
        "certs",
        case["cert"].as_str().expect("a case names its certificate"),
    );
    let anchor = file("certs", "TrustAnchorRootCertificate.crt");
    let mut args: Vec<String> = vec![
        "--json".into(),
        "cert".into(),
        "verify".into(),
        p(&ee).into(),
        "--trust".into(),
        p(&anchor).into(),
        "--at".into(),
        AT.into(),
        "--allow-legacy".into(),
    ];
    if let Some(untrusted) = untrusted {
        args.push("--untrusted".into());
        args.push(p(untrusted).into());
    }
    for crl in crls(case) {
        args.push("--crl".into());
        args.push(p(&file("crls", &crl)).into());
    }
    let (policies, explicit, inhibit_map, inhibit_any) = policy_params(case);
    for oid in policies {
        args.push("--policy".into());
        args.push(oid);
    }
    for (on, flag) in [
        (explicit, "--explicit-policy"),
        (inhibit_map, "--inhibit-policy-mapping"),
        (inhibit_any, "--inhibit-any-policy"),
    ] {
        if on {
            args.push(flag.into());
        }
    }
    args
}

/// Runs one case through `cert verify`.
fn run_case(env: &Env, case: &Value) -> Outcome {
    let id = case_key(case);
    let others = others(case);
    // --untrusted takes PEM bundles: the DER vectors are wrapped.
    let untrusted = (!others.is_empty()).then(|| {
        env.write(
            &format!("{id}-untrusted.pem"),
            pem_of("certs", "CERTIFICATE", &others),
        )
    });
    let args = govpki_args(case, untrusted.as_deref());
    let home = env.path("no-home");
    let run = env.run(&home, &args);
    assert!(
        !run.stderr.contains("panicked"),
        "PKITS {id}: govpki panicked\n{}",
        run.describe()
    );
    Outcome {
        code: run.code.unwrap_or(-1),
        json: serde_json::from_str(&run.stdout).unwrap_or(Value::Null),
        describe: run.describe(),
    }
}

/// One line of what govpki said: the JSON `reason`, else the first line of stderr.
fn verdict(got: &Outcome) -> String {
    let text = got.json["reason"]
        .as_str()
        .map(str::to_string)
        .or_else(|| got.json["verdict"].as_str().map(str::to_string))
        .unwrap_or_else(|| {
            got.describe
                .split("--- stderr ---")
                .nth(1)
                .unwrap_or_default()
                .trim()
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        });
    // Paths relative to the repository, so the known-failures file does not name a checkout.
    let root = format!("{}/", env!("CARGO_MANIFEST_DIR"));
    let text = text.replace(&root, "");
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(200).collect()
}

/// Why a case disagrees with its expectation, or `None`. One line.
fn disagreement(case: &Value, got: &Outcome) -> Option<String> {
    let want = expected_code(case);
    let class = case["error"]["class"].as_str().unwrap_or("valid");
    if got.code != want {
        return Some(format!(
            "expected exit {want} ({class}), got {}: {}",
            got.code,
            verdict(got)
        ));
    }
    if want == 0 {
        let path_len = case["path_len"].as_u64().unwrap_or(0) as usize;
        let chain = got.json["chain"].as_array().map(Vec::len).unwrap_or(0);
        if chain != path_len {
            return Some(format!(
                "exit 0 as expected, but through a path of {chain} certificates, not {path_len}"
            ));
        }
    }
    if class == "RevokedError"
        && !got.json["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("revoked")
    {
        return Some(format!(
            "exit 1 as expected (RevokedError), but not as revoked: {}",
            verdict(got)
        ));
    }
    None
}

/// govpki's outcome on every case (id, disagreement), run once in parallel and shared by the
/// tests of this file.
fn govpki_results() -> &'static [(String, Option<String>)] {
    static RESULTS: OnceLock<Vec<(String, Option<String>)>> = OnceLock::new();
    RESULTS.get_or_init(|| {
        let env = Env::new();
        cases()
            .par_iter()
            .map(|case| {
                let got = run_case(&env, case);
                (case_key(case), disagreement(case, &got))
            })
            .collect()
    })
}

/// `tests/pkits_known_failures.txt`: id -> reason.
fn known_failures() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(KNOWN_FAILURES).unwrap_or_default();
    let mut known = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id, reason) = line
            .split_once('#')
            .unwrap_or_else(|| panic!("pkits_known_failures.txt:{}: no `# reason`", n + 1));
        let (id, reason) = (id.trim().to_string(), reason.trim().to_string());
        assert!(
            !reason.is_empty(),
            "pkits_known_failures.txt:{}: empty reason",
            n + 1
        );
        assert!(
            known.insert(id.clone(), reason).is_none(),
            "pkits_known_failures.txt:{}: `{id}` listed twice",
            n + 1
        );
    }
    known
}

/// The failures missing from `known` (`  key (name): why`) and the listed cases that now pass.
fn compare(
    results: &[(String, Option<String>)],
    known: &BTreeMap<String, String>,
) -> (Vec<String>, Vec<String>) {
    let fixed = results
        .iter()
        .filter(|(key, why)| why.is_none() && known.contains_key(key))
        .map(|(key, _)| key.clone())
        .collect();
    let new = results
        .iter()
        .filter_map(|(key, why)| match why {
            Some(why) if !known.contains_key(key) => Some(format!("  {key}: {why}")),
            _ => None,
        })
        .collect();
    (new, fixed)
}

fn write_known_failures(results: &[(String, Option<String>)]) {
    let mut out = String::from(
        "# PKITS cases where `govpki cert verify` disagrees with pyhanko's expectation in\n\
         # testdata/pkits/pkits.json (mapping in tests/pkits.rs). One `4.x.y  # reason` per line;\n\
         # the reason is what the binary did (got/expected exit code and its verdict).\n\
         # tests/pkits.rs fails on a disagreement missing here and on a listed case that now agrees.\n\
         # Regenerate: PKITS_WRITE_KNOWN=1 cargo test --test pkits pkits_all_cases\n",
    );
    for (id, why) in results {
        if let Some(why) = why {
            out.push_str(&format!("{id}  # {why}\n"));
        }
    }
    std::fs::write(KNOWN_FAILURES, out).expect("write tests/pkits_known_failures.txt");
}

#[test]
fn pkits_all_cases() {
    let results = govpki_results();
    assert_eq!(results.len(), 246, "every PKITS case ran");
    let pass = results.iter().filter(|(_, why)| why.is_none()).count();
    if std::env::var_os("PKITS_WRITE_KNOWN").is_some() {
        write_known_failures(results);
        eprintln!(
            "PKITS: {pass}/246 pass, {} known failures (rewrote tests/pkits_known_failures.txt)",
            246 - pass
        );
        return;
    }
    let known = known_failures();
    eprintln!("PKITS: {pass}/246 pass, {} known failures", known.len());
    let ids: Vec<&String> = results.iter().map(|(id, _)| id).collect();
    let unknown: Vec<&String> = known.keys().filter(|id| !ids.contains(id)).collect();
    assert!(
        unknown.is_empty(),
        "tests/pkits_known_failures.txt lists ids that are not PKITS cases: {unknown:?}"
    );
    let (new, fixed) = compare(results, &known);
    for key in &fixed {
        eprintln!("PKITS {key} now passes; remove it from tests/pkits_known_failures.txt");
    }
    assert!(
        new.is_empty() && fixed.is_empty(),
        "{} PKITS failure(s) not in tests/pkits_known_failures.txt:\n{}\n\
         {} listed case(s) now pass (remove them): {fixed:?}\n\
         (regenerate with PKITS_WRITE_KNOWN=1 cargo test --test pkits pkits_all_cases)",
        new.len(),
        new.join("\n"),
        fixed.len()
    );
}

/// Runs one case through `openssl verify`; true when openssl's verdict matches the
/// expectation (exit 0 for a valid case, any other exit for any expected error: openssl has no
/// indeterminate outcome).
fn openssl_agrees(env: &Env, case: &Value) -> bool {
    let id = case_key(case);
    let ee = case["cert"].as_str().expect("a case names its certificate");
    // openssl verify reads PEM for -CAfile, -untrusted and -CRLfile: wrap the DER vectors.
    let anchor = env.write(
        &format!("ossl/{id}-ta.pem"),
        pem_of(
            "certs",
            "CERTIFICATE",
            &["TrustAnchorRootCertificate.crt".to_string()],
        ),
    );
    let leaf = env.write(
        &format!("ossl/{id}-ee.pem"),
        pem_of("certs", "CERTIFICATE", &[ee.to_string()]),
    );
    let crl_file = env.write(
        &format!("ossl/{id}-crls.pem"),
        pem_of("crls", "X509 CRL", &crls(case)),
    );
    let mut cmd = Command::new("openssl");
    cmd.args([
        "verify",
        "-x509_strict",
        "-crl_check_all",
        "-policy_check",
        "-extended_crl",
        "-use_deltas",
        "-attime",
        AT_UNIX,
    ]);
    cmd.arg("-CAfile").arg(&anchor);
    let others = others(case);
    if !others.is_empty() {
        let untrusted = env.write(
            &format!("ossl/{id}-untrusted.pem"),
            pem_of("certs", "CERTIFICATE", &others),
        );
        cmd.arg("-untrusted").arg(untrusted);
    }
    cmd.arg("-CRLfile").arg(&crl_file);
    let (mut policies, explicit, inhibit_map, inhibit_any) = policy_params(case);
    // RFC 5280 §6.1.1 (c): the default user-initial-policy-set is {anyPolicy}; openssl's
    // default is the empty set, which fails every path that requires an explicit policy
    // (4.8.10's PoliciesP12CA has requireExplicitPolicy 0), so anyPolicy is given explicitly.
    if policies.is_empty() {
        policies.push("2.5.29.32.0".to_string());
    }
    for oid in policies {
        cmd.arg("-policy").arg(oid);
    }
    for (on, flag) in [
        (explicit, "-explicit_policy"),
        (inhibit_map, "-inhibit_map"),
        (inhibit_any, "-inhibit_any"),
    ] {
        if on {
            cmd.arg(flag);
        }
    }
    cmd.arg(&leaf);
    let out = cmd.output().expect("run openssl verify");
    out.status.success() == (expected_code(case) == 0)
}

#[test]
fn pkits_vs_openssl() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("SKIPPED pkits_vs_openssl: openssl is not installed (.ci/run installs it)");
        return;
    }
    let env = Env::new();
    let openssl: Vec<(String, bool)> = cases()
        .par_iter()
        .map(|case| (case_key(case), openssl_agrees(&env, case)))
        .collect();
    let govpki = govpki_results();
    assert_eq!(openssl.len(), 246, "openssl ran every PKITS case");
    assert_eq!(govpki.len(), 246, "govpki ran every PKITS case");
    // section -> (cases, govpki pass, openssl pass); sections in numeric order.
    let mut table: Vec<(String, usize, usize, usize)> = Vec::new();
    for ((id, why), (oid, ok)) in govpki.iter().zip(&openssl) {
        assert_eq!(id, oid, "both ran the cases in the same order");
        let sec = section(id).to_string();
        if table.last().map(|row| &row.0) != Some(&sec) {
            table.push((sec, 0, 0, 0));
        }
        if let Some(row) = table.last_mut() {
            row.1 += 1;
            row.2 += usize::from(why.is_none());
            row.3 += usize::from(*ok);
        }
    }
    let mut text = format!(
        "{:<8} {:>6} {:>7} {:>8}\n",
        "section", "cases", "govpki", "openssl"
    );
    for (sec, n, g, o) in &table {
        text.push_str(&format!("{sec:<8} {n:>6} {g:>7} {o:>8}\n"));
    }
    let sum = |f: fn(&(String, usize, usize, usize)) -> usize| table.iter().map(f).sum::<usize>();
    text.push_str(&format!(
        "{:<8} {:>6} {:>7} {:>8}\n",
        "total",
        sum(|r| r.1),
        sum(|r| r.2),
        sum(|r| r.3)
    ));
    eprintln!("PKITS, govpki and openssl side by side (cases passed per section):\n{text}");
    let openssl_fails: Vec<&str> = openssl
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(key, _)| key.as_str())
        .collect();
    eprintln!("openssl disagrees on: {}", openssl_fails.join(" "));
    assert_eq!(sum(|r| r.1), 246);
}

/// Every vendored file matches the sha256 list of `PROVENANCE.md`, and every file is listed.
#[test]
fn pkits_vectors_match_provenance() {
    let dir = data_dir();
    let text = std::fs::read_to_string(dir.join("PROVENANCE.md")).expect("read PROVENANCE.md");
    let mut listed = BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        if let (Some(hash), Some(name), None) = (parts.next(), parts.next(), parts.next())
            && hash.len() == 64
            && hash.bytes().all(|b| b.is_ascii_hexdigit())
        {
            listed.insert(name.to_string(), hash.to_string());
        }
    }
    let mut on_disk = vec!["pkits.json".to_string()];
    for kind in ["certs", "crls"] {
        for entry in std::fs::read_dir(dir.join(kind)).expect("list a vector directory") {
            let name = entry.expect("a directory entry").file_name();
            on_disk.push(format!("{kind}/{}", name.to_string_lossy()));
        }
    }
    assert_eq!(on_disk.len(), 1 + 405 + 173, "405 certificates, 173 CRLs");
    for name in &on_disk {
        let bytes = std::fs::read(dir.join(name)).expect("read a vector");
        let got = hex::encode(Sha256::digest(&bytes));
        let want = listed
            .get(name)
            .unwrap_or_else(|| panic!("`{name}` is not in the sha256 list of PROVENANCE.md"));
        assert_eq!(&got, want, "`{name}` differs from PROVENANCE.md");
    }
    assert_eq!(
        listed.len(),
        on_disk.len(),
        "PROVENANCE.md lists files that are not vendored"
    );
}

/// The known-failures check itself: an unlisted failure and a listed case that passes are both
/// reported; a listed failure is not.
#[test]
fn known_failures_check_reports_new_and_fixed_cases() {
    let results = vec![
        ("4.1.1".to_string(), None),
        (
            "4.1.2".to_string(),
            Some("expected exit 1, got 0: valid".to_string()),
        ),
        (
            "4.1.3".to_string(),
            Some("expected exit 1, got 0: valid".to_string()),
        ),
        ("4.1.4".to_string(), None),
    ];
    let known: BTreeMap<String, String> = [("4.1.3", "listed"), ("4.1.4", "listed")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (new, fixed) = compare(&results, &known);
    assert_eq!(
        new,
        vec!["  4.1.2: expected exit 1, got 0: valid".to_string()]
    );
    assert_eq!(fixed, vec!["4.1.4".to_string()]);
    let all_known: BTreeMap<String, String> = [("4.1.2", "x"), ("4.1.3", "x")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (new, fixed) = compare(&results, &all_known);
    assert!(new.is_empty() && fixed.is_empty());
}

/// Asserts one named case: exit code and a word of the reason.
fn assert_case(id: &str, code: i32, reason_has: &str) {
    let env = Env::new();
    let got = run_case(&env, find(id));
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
        let got = run_case(&env, find(id));
        assert_eq!(got.code, 0, "PKITS {id}: {}", got.describe);
        assert_eq!(
            got.json["revocation_checked"], true,
            "PKITS {id}: {}",
            got.json
        );
    }
}
