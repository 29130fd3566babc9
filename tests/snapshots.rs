//! Snapshot tests (insta): the `--help` of every command, walked from the clap definition, and
//! the text and `--json` of representative reports (`ca init`, `cert issue`, `cert verify`,
//! `seal verify`, `authz check`, `audit verify`), run through the real binary. Serials, hashes,
//! times, PEM blocks and temporary paths are redacted so that the snapshots are the same on
//! every run. The `.snap` files are in `tests/snapshots/`.
//!
//! A changed text fails the test. To accept a change on purpose: `cargo insta review` (with
//! `cargo-insta` installed), or `INSTA_UPDATE=always cargo test --test snapshots` and review
//! the diff of `tests/snapshots/` before committing. CI (`.ci/run`) never writes snapshots.

mod common;

use std::path::Path;

use clap::CommandFactory;
use common::{Env, Run, p, seal};

/// The filters that make a report stable: what changes from run to run becomes a placeholder.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    // PEM blocks (also inside JSON strings, where the newlines are `\n`).
    s.add_filter(
        r"-----BEGIN ([A-Z0-9 ]+)-----[A-Za-z0-9+/=\s\\n]+-----END [A-Z0-9 ]+-----",
        "-----BEGIN $1-----[PEM]-----END $1-----",
    );
    // The repository (policies are read from it; their file:line shows in explanations).
    s.add_filter(&regex_escape(env!("CARGO_MANIFEST_DIR")), "[REPO]");
    // Temporary directories (every test works in a fresh one).
    let tmp = std::env::temp_dir().display().to_string();
    s.add_filter(
        &format!(r"{}/govpki-test-[A-Za-z0-9_.]+", regex_escape(&tmp)),
        "[TMP]",
    );
    // Times: RFC 3339 and the `YYYY-MM-DD HH:MM:SS` of text reports.
    s.add_filter(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}| UTC)?",
        "[TIME]",
    );
    // Serials, hashes, key identifiers: runs of hex digits (also colon-separated).
    s.add_filter(r"\b[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){7,}\b", "[HEX]");
    s.add_filter(r"\b[0-9A-Fa-f]{16,}\b", "[HEX]");
    s
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = r"\.+*?()|[]{}^$#&-~".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

/// A run as one text: exit code, stdout, stderr.
fn shown(run: &Run) -> String {
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        run.code.map_or("signal".to_string(), |c| c.to_string()),
        run.stdout,
        run.stderr
    )
}

/// Snapshots a run under `name`.
#[track_caller]
fn snap(name: &str, run: &Run) {
    let text = shown(run);
    settings().bind(|| insta::assert_snapshot!(name, text));
}

/// Snapshots the text and then the `--json` of the same command.
#[track_caller]
fn snap_both(name: &str, env: &Env, home: &Path, args: &[&str], code: i32) {
    let text = env.run(home, args).code(code);
    snap(&format!("{name}.text"), &text);
    let mut json_args = vec!["--json"];
    json_args.extend_from_slice(args);
    let json = env.run(home, &json_args).code(code);
    // One document or JSON lines, pretty-printed so that a change is a readable diff.
    let pretty: Vec<String> = json
        .json_lines()
        .iter()
        .map(|v| serde_json::to_string_pretty(v).unwrap())
        .collect();
    let run = Run {
        stdout: format!("{}\n", pretty.join("\n")),
        ..json
    };
    snap(&format!("{name}.json"), &run);
}

/// Every command path below `govpki`, the root first.
fn command_paths(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    out.push(prefix.to_vec());
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_string());
        command_paths(sub, &path, out);
    }
}

#[test]
fn help_of_every_command() {
    let mut paths = Vec::new();
    command_paths(&govpki::cli::Cli::command(), &[], &mut paths);
    // The verbs of today's CLI: fewer means the walk lost some.
    assert!(
        paths.len() >= 36,
        "only {} commands: {paths:?}",
        paths.len()
    );
    let mut changed = Vec::new();
    for path in &paths {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_govpki"))
            .args(path)
            .arg("--help")
            // Nothing from the environment may show in the help ([env: ...], defaults).
            .env_clear()
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .output()
            .expect("run govpki --help");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "govpki {path:?} --help: {stderr}");
        assert!(stderr.is_empty(), "govpki {path:?} --help: {stderr}");
        let name = if path.is_empty() {
            "help".to_string()
        } else {
            format!("help-{}", path.join("-"))
        };
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        // Every command is compared (and, outside CI, every changed one written for review),
        // not only the first that differs.
        let compared = std::panic::catch_unwind(|| {
            settings().bind(|| insta::assert_snapshot!(name.as_str(), text));
        });
        if compared.is_err() {
            changed.push(name);
        }
    }
    assert!(changed.is_empty(), "--help changed: {changed:?}");
}

const ROOT_DN: &str = "CN=测试根CA,O=连云港市人民政府,C=CN";
const HOLDER_DN: &str = "CN=李四,OU=办公室,O=连云港市人民政府,C=CN";
const PERSON_DN: &str = "CN=王五,OU=财政局,O=连云港市人民政府,C=CN";

#[test]
fn ca_init_and_cert_issue() {
    let env = Env::new();
    let home = env.path("home");
    let init = env
        .run(
            &home,
            ["ca", "init", "--subject", ROOT_DN, "--no-passphrase"],
        )
        .success();
    snap("ca-init.text", &init);
    let other = env.path("other");
    let init = env
        .run(
            &other,
            [
                "--json",
                "ca",
                "init",
                "--subject",
                ROOT_DN,
                "--no-passphrase",
            ],
        )
        .success();
    snap_json("ca-init.json", &init);

    let issue = |json: &str, name: &str| {
        let key = format!("{name}.key");
        let out = format!("{name}.pem");
        let mut args = vec![
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            PERSON_DN,
            "--key-out",
            &key,
            "--no-key-passphrase",
            "--out",
            &out,
        ];
        if !json.is_empty() {
            args.insert(0, json);
        }
        env.run(&home, &args).success()
    };
    snap("cert-issue.text", &issue("", "a"));
    snap_json("cert-issue.json", &issue("--json", "b"));
}

/// Snapshots a run whose stdout is one JSON document, pretty-printed.
#[track_caller]
fn snap_json(name: &str, run: &Run) {
    let pretty = serde_json::to_string_pretty(&run.json()).unwrap();
    let run = Run {
        stdout: format!("{pretty}\n"),
        args: run.args.clone(),
        code: run.code,
        stdout_bytes: Vec::new(),
        stderr: run.stderr.clone(),
    };
    snap(name, &run);
}

#[test]
fn cert_verify_valid_revoked_untrusted() {
    let env = Env::new();
    let ca = env.root_ca("home", "p256", &[]);
    let other = env.root_ca("other", "p256", &[]);
    let issue = |name: &str| {
        env.run(
            &ca.home,
            [
                "-q",
                "cert",
                "issue",
                "--profile",
                "person",
                "--subject",
                PERSON_DN,
                "--key-out",
                &format!("{name}.key"),
                "--no-key-passphrase",
                "--out",
                &format!("{name}.pem"),
            ],
        )
        .success()
    };
    issue("good");
    issue("bad");
    let bad = env.path("bad.pem");
    let serial = env
        .run(&ca.home, ["--json", "cert", "show", p(&bad)])
        .success()
        .json()["serial"]
        .as_str()
        .unwrap()
        .to_string();
    env.run(
        &ca.home,
        ["-q", "cert", "revoke", &serial, "--reason", "keyCompromise"],
    )
    .success();
    env.run(&ca.home, ["-q", "crl", "generate", "--out", "ca.crl"])
        .success();

    snap_both(
        "cert-verify-valid",
        &env,
        &ca.home,
        &["cert", "verify", "good.pem", "--crl", "ca.crl"],
        0,
    );
    snap_both(
        "cert-verify-revoked",
        &env,
        &ca.home,
        &["cert", "verify", "bad.pem", "--crl", "ca.crl"],
        1,
    );
    snap_both(
        "cert-verify-untrusted",
        &env,
        &other.home,
        &["cert", "verify", "good.pem"],
        1,
    );
}

/// A root CA, a seal holder of 办公室, the office's official seal and a document, signed.
fn sealed() -> (Env, std::path::PathBuf) {
    let env = Env::new();
    let home = seal::office(&env, ROOT_DN, HOLDER_DN, true);
    env.write(
        "doc.txt",
        "关于召开2026年度工作会议的通知\nnotice body\n".repeat(50),
    );
    seal::sign(&env, &home, &["doc.txt"]);
    (env, home)
}

#[test]
fn seal_verify_valid_invalid_indeterminate() {
    let (env, home) = sealed();
    snap_both(
        "seal-verify-valid",
        &env,
        &home,
        &["seal", "verify", "doc.txt"],
        0,
    );

    let mut bytes = std::fs::read(env.path("doc.txt")).unwrap();
    bytes[10] ^= 0x01;
    env.write("tampered.txt", &bytes);
    snap_both(
        "seal-verify-invalid",
        &env,
        &home,
        &["seal", "verify", "tampered.txt", "--sig", "doc.txt.p7s"],
        1,
    );

    // A reviewer without the CA's store and without a CRL, who requires revocation checking.
    snap_both(
        "seal-verify-indeterminate",
        &env,
        &env.path("nohome"),
        &[
            "seal",
            "verify",
            "doc.txt",
            "--require-revocation",
            "--trust",
            "root.pem",
        ],
        3,
    );
}

/// The shipped policy, run from the repository root.
fn authz(args: &[&str]) -> Vec<String> {
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    ["authz", "check", "--policy", p(&policies)]
        .iter()
        .chain(args)
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn authz_check_allow_deny_and_explain() {
    let env = Env::new();
    let home = env.path("home");
    const KEEPER: &[&str] = &[
        "--subject",
        "cn=周洁",
        "--subject",
        "department=财政局",
        "--subject",
        "organization=连云港市人民政府",
        "--subject",
        "title=印章保管员",
        "--action",
        "seal.apply",
        "--resource",
        "dept/财政局/seal/finance",
        "--context",
        "domain=intranet",
    ];
    let allow = [KEEPER, &["--context", "time=2026-12-01T10:00:00+08:00"]].concat();
    let args = authz(&allow);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    snap_both("authz-check-allow", &env, &home, &args, 0);

    let deny = [KEEPER, &["--context", "time=2026-12-05T10:00:00+08:00"]].concat();
    let args = authz(&deny);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    snap_both("authz-check-deny", &env, &home, &args, 1);

    let args = authz(&[
        "--explain",
        "--subject",
        "department=财政局",
        "--subject",
        "organization=连云港市人民政府",
        "--subject",
        "title=部门负责人",
        "--action",
        "doc.read",
        "--resource",
        "dept/财政局/doc/2026-100",
        "--context",
        "domain=intranet",
        "--context",
        "level=秘密",
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    snap_both("authz-explain", &env, &home, &args, 0);
}

#[test]
fn audit_verify() {
    let env = Env::new();
    let ca = env.root_ca("home", "p256", &[]);
    env.run(
        &ca.home,
        [
            "-q",
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            PERSON_DN,
            "--key-out",
            "a.key",
            "--no-key-passphrase",
            "--out",
            "a.pem",
        ],
    )
    .success();
    env.run(&ca.home, ["-q", "crl", "generate", "--out", "ca.crl"])
        .success();
    snap_both("audit-verify", &env, &ca.home, &["audit", "verify"], 0);
}
