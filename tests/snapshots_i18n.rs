//! Snapshots of the reports a reviewer reads, in English and in Chinese (issue #12): `seal
//! verify` of one document and of a batch (the summary first, the closing tally, `-q`), `cert
//! verify` (valid, revoked, and a batch), the framing of errors (`错误：`), and `--json` errors. The same
//! redactions as `tests/snapshots.rs` (times, serials, hashes, temporary paths), so that the
//! snapshots are the same on every run. The `.snap` files are in `tests/snapshots/`.

mod common;

use std::path::{Path, PathBuf};

use common::{Env, Run, p, seal};

const ROOT_DN: &str = "CN=测试根CA,O=连云港市人民政府,C=CN";
const HOLDER_DN: &str = "CN=李四,OU=办公室,O=连云港市人民政府,C=CN";
const PERSON_DN: &str = "CN=王五,OU=财政局,O=连云港市人民政府,C=CN";

/// The filters of `tests/snapshots.rs`: what changes from run to run becomes a placeholder.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    let tmp = std::env::temp_dir().display().to_string();
    s.add_filter(
        &format!(r"{}/govpki-test-[A-Za-z0-9_.]+", tmp.replace('.', r"\.")),
        "[TMP]",
    );
    s.add_filter(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}| UTC)?",
        "[TIME]",
    );
    s.add_filter(r"\b[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){7,}\b", "[HEX]");
    s.add_filter(r"\b[0-9A-Fa-f]{16,}\b", "[HEX]");
    s
}

#[track_caller]
fn snap(name: &str, run: &Run) {
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
    let text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        run.code.map_or("signal".to_string(), |c| c.to_string()),
        run.stdout,
        run.stderr
    );
    settings().bind(|| insta::assert_snapshot!(name, text));
}

/// Runs `govpki` with `LANG` set as a Chinese reviewer's terminal has it (and no `--lang`).
fn run_with_lang(env: &Env, home: &Path, lang: &str, args: &[&str]) -> Run {
    let out = common::govpki(home, env.root())
        .env("LANG", lang)
        .args(args)
        .output()
        .expect("spawn govpki");
    Run {
        args: args.iter().map(|a| a.to_string()).collect(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stdout_bytes: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A root CA, a seal holder of 办公室, the office's official seal, and two signed documents
/// (`doc.txt`, `doc2.txt`) and one changed after signing (`tampered.txt`).
fn sealed() -> (Env, PathBuf) {
    let env = Env::new();
    let home = seal::office(&env, ROOT_DN, HOLDER_DN, false);
    env.write("doc.txt", "关于召开2026年度工作会议的通知\n".repeat(20));
    env.write("doc2.txt", "关于印发2026年度工作要点的通知\n".repeat(20));
    env.write(
        "tampered.txt",
        "关于召开2026年度工作会议的通知\n".repeat(20),
    );
    for doc in ["doc.txt", "doc2.txt", "tampered.txt"] {
        seal::sign(&env, &home, &[doc]);
    }
    env.write(
        "tampered.txt",
        "关于召开2027年度工作会议的通知\n".repeat(20),
    );
    (env, home)
}

#[test]
fn seal_verify_reports_in_english_and_chinese() {
    let (env, home) = sealed();
    snap(
        "i18n-seal-verify-valid.zh",
        &env.run(&home, ["--lang", "zh", "seal", "verify", "doc.txt"])
            .code(0),
    );
    snap(
        "i18n-seal-verify-invalid.zh",
        &env.run(&home, ["--lang", "zh", "seal", "verify", "tampered.txt"])
            .code(1),
    );
    // A reviewer without the CA's store: valid, revocation not checked (the notes).
    snap(
        "i18n-seal-verify-unchecked.zh",
        &env.run(
            &env.path("nohome"),
            [
                "--lang", "zh", "seal", "verify", "doc.txt", "--trust", "root.pem",
            ],
        )
        .code(0),
    );
    let batch = ["seal", "verify", "doc.txt", "doc2.txt", "tampered.txt"];
    snap("i18n-seal-verify-batch.en", &env.run(&home, batch).code(1));
    snap(
        "i18n-seal-verify-batch.zh",
        &run_with_lang(&env, &home, "zh_CN.UTF-8", &batch).code(1),
    );
    let mut quiet = vec!["-q"];
    quiet.extend(batch);
    snap(
        "i18n-seal-verify-batch-quiet.en",
        &env.run(&home, &quiet).code(1),
    );
    quiet.insert(0, "--lang=zh");
    snap(
        "i18n-seal-verify-batch-quiet.zh",
        &env.run(&home, &quiet).code(1),
    );
    // All valid: the summary says so, the tally counts.
    snap(
        "i18n-seal-verify-all-valid.en",
        &env.run(&home, ["-q", "seal", "verify", "doc.txt", "doc2.txt"])
            .code(0),
    );
    snap(
        "i18n-seal-verify-all-valid.zh",
        &env.run(
            &home,
            ["--lang", "zh", "seal", "verify", "doc.txt", "doc2.txt"],
        )
        .code(0),
    );
    // `--lang en` wins over LANG.
    let en = run_with_lang(
        &env,
        &home,
        "zh_CN.UTF-8",
        &["--lang", "en", "seal", "verify", "doc.txt"],
    );
    let plain = env.run(&home, ["seal", "verify", "doc.txt"]);
    assert_eq!(en.code(0).stdout, plain.code(0).stdout);
}

#[test]
fn cert_verify_reports_in_chinese() {
    let env = Env::new();
    let ca = env.root_ca("home", "p256", &[]);
    let good = env.issue(&ca, "good", "person", PERSON_DN, &[], &[]);
    let bad = env.issue(&ca, "bad", "person", PERSON_DN, &[], &[]);
    env.run(
        &ca.home,
        [
            "-q",
            "cert",
            "revoke",
            &bad.serial,
            "--reason",
            "keyCompromise",
        ],
    )
    .success();
    env.run(&ca.home, ["-q", "crl", "generate", "--out", "ca.crl"])
        .success();
    snap(
        "i18n-cert-verify-valid.zh",
        &env.run(
            &ca.home,
            [
                "--lang",
                "zh",
                "cert",
                "verify",
                p(&good.cert),
                "--crl",
                "ca.crl",
            ],
        )
        .code(0),
    );
    snap(
        "i18n-cert-verify-revoked.zh",
        &env.run(
            &ca.home,
            [
                "--lang",
                "zh",
                "cert",
                "verify",
                p(&bad.cert),
                "--crl",
                "ca.crl",
            ],
        )
        .code(1),
    );
    snap(
        "i18n-cert-verify-unchecked.zh",
        &env.run(&ca.home, ["--lang", "zh", "cert", "verify", p(&good.cert)])
            .code(0),
    );
}

/// `cert verify` of several files (issue #12): the summary first, each report, the tally, an
/// unreadable file's error on stderr; `-q` the failures and the tally.
#[test]
fn cert_verify_batch_in_english_and_chinese() {
    let env = Env::new();
    let ca = env.root_ca("home", "p256", &[]);
    env.issue(&ca, "good", "person", PERSON_DN, &[], &[]);
    let bad = env.issue(&ca, "bad", "person", PERSON_DN, &[], &[]);
    env.run(&ca.home, ["-q", "cert", "revoke", &bad.serial])
        .success();
    env.run(&ca.home, ["-q", "crl", "generate", "--out", "ca.crl"])
        .success();
    env.write("junk.pem", "not a certificate\n");
    let batch = [
        "cert", "verify", "good.pem", "bad.pem", "junk.pem", "--crl", "ca.crl",
    ];
    snap(
        "i18n-cert-verify-batch.en",
        &env.run(&ca.home, batch).code(2),
    );
    snap(
        "i18n-cert-verify-batch.zh",
        &run_with_lang(&env, &ca.home, "zh_CN.UTF-8", &batch).code(2),
    );
    let mut quiet = vec!["-q"];
    quiet.extend(batch);
    snap(
        "i18n-cert-verify-batch-quiet.en",
        &env.run(&ca.home, &quiet).code(2),
    );
    snap(
        "i18n-cert-verify-batch-quiet.zh",
        &run_with_lang(&env, &ca.home, "zh_CN.UTF-8", &quiet).code(2),
    );
}

#[test]
fn errors_are_framed_in_the_users_language_and_json_with_json() {
    let env = Env::new();
    let home = env.path("home");
    std::fs::create_dir_all(env.path("a-directory")).unwrap();
    env.write(
        "junk.pem",
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    );
    for (name, args) in [
        (
            "missing",
            vec!["cert", "verify", "missing.pem", "--trust", "missing.pem"],
        ),
        (
            "directory",
            vec!["cert", "verify", "a-directory", "--trust", "a-directory"],
        ),
        (
            "malformed",
            vec!["cert", "verify", "junk.pem", "--trust", "junk.pem"],
        ),
        (
            "usage",
            vec!["seal", "verify", "a.txt", "b.txt", "--sig", "a.p7s"],
        ),
    ] {
        snap(
            &format!("i18n-error-{name}.en"),
            &env.run(&home, &args).code(2),
        );
        let mut zh = vec!["--lang", "zh"];
        zh.extend(&args);
        snap(
            &format!("i18n-error-{name}.zh"),
            &env.run(&home, &zh).code(2),
        );
        // With --json: one JSON line on stdout, nothing on stderr, the same exit code.
        let mut json = vec!["--json"];
        json.extend(&args);
        let run = env.run(&home, &json).code(2);
        assert_eq!(run.stderr, "", "{}", run.describe());
        let v = run.json();
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
        assert!(v.as_object().unwrap().contains_key("hint"), "{v}");
        assert_eq!(v.as_object().unwrap().len(), 2, "{v}");
        if name == "missing" {
            snap("i18n-error-missing.json", &run);
        }
    }
    // A hint comes along: an output file that exists.
    let run = env
        .run(
            &home,
            [
                "--json",
                "seal",
                "verify",
                "a.txt",
                "--image-out",
                "junk.pem",
            ],
        )
        .code(2);
    assert_eq!(run.stderr, "", "{}", run.describe());
    assert!(run.json()["hint"].is_string(), "{}", run.describe());
    // A usage error clap finds is JSON too.
    let run = env
        .run(&home, ["--json", "cert", "verify", "--no-such-flag"])
        .code(2);
    assert_eq!(run.stderr, "", "{}", run.describe());
    assert!(
        run.json()["error"]
            .as_str()
            .unwrap()
            .contains("--no-such-flag")
    );
    assert!(run.json()["hint"].is_null());
}

#[test]
fn a_policy_denial_with_json_is_a_json_error_and_exit_1() {
    let env = Env::new();
    let ca = env.root_ca("home", "p256", &[]);
    let officer = env.issue(
        &ca,
        "officer",
        "person",
        "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        &[],
        &[],
    );
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    env.run(&ca.home, ["-q", "ca", "policy", p(&policies)])
        .success();
    let officer_key = officer.key.unwrap();
    let issue = |json: &str| {
        let mut args = vec![
            "--as",
            p(&officer.cert),
            "--as-key",
            p(&officer_key),
            "--domain",
            "internet",
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            "CN=x,OU=财政局,O=连云港市人民政府,C=CN",
            "--key-out",
            "x.key",
            "--no-key-passphrase",
        ];
        if !json.is_empty() {
            args.insert(0, json);
        }
        env.run(&ca.home, &args).code(1)
    };
    let text = issue("");
    assert!(
        text.stderr.starts_with("denied by policy: "),
        "{}",
        text.describe()
    );
    let run = issue("--json");
    assert_eq!(run.stderr, "", "{}", run.describe());
    let v = run.json();
    assert_eq!(v["error"].as_str(), text.stderr.lines().next(), "{v}");
    assert!(v["hint"].is_string(), "{v}");
}

/// `seal show` in Chinese (issue #12): a seal, a sealed signature and a GB/T 38540
/// SES_Signature, their labels and values retold at the column of the English (15).
#[test]
fn seal_show_in_chinese() {
    let (env, home) = sealed();
    let ses = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/gbt38540/ofd/gomain-v4/SignedValue.dat");
    let mut s = settings();
    // The SVG drawn for a seal differs in size from one seal to the next.
    s.add_filter(r"\(\d+ bytes\)", "([N] bytes)");
    s.add_filter(r"（\d+ 字节）", "（[N] 字节）");
    s.bind(|| {
        for (name, target) in [
            ("seal", "office.esl".to_string()),
            ("p7s", "doc.txt.p7s".to_string()),
            ("ses", ses.display().to_string()),
        ] {
            snap(
                &format!("i18n-seal-show-{name}.zh"),
                &env.run(&home, ["--lang", "zh", "seal", "show", &target])
                    .code(0),
            );
        }
    });
}
