//! Every NEW passphrase (a CA key's, a generated key's, a CSR key's, a batch's keys', a PKCS#12
//! file's) is checked: at least 12 characters and not easy to guess (zxcvbn score 3). A weak one
//! is refused with exit 2 and a hint; `--allow-weak-passphrase` keeps it and the act's audit
//! record says so. A passphrase is never taken from argv and never shown or stored.

mod common;

use common::{DEPT, Env, p};
use serde_json::Value;

const WEAK: [&str; 4] = ["张三的口令", "s3cret", "password1234", "qwertyuiopasdf"];
const STRONG: &str = "信息中心 passphrase correct horse 2026";

fn ca_init(env: &Env, name: &str, pass: &std::path::Path, extra: &[&str]) -> common::Run {
    let home = env.path(name);
    let mut args = vec![
        "ca",
        "init",
        "--subject",
        "CN=口令测试根CA,O=连云港市人民政府,C=CN",
        "--passphrase-file",
        p(pass),
    ];
    args.extend_from_slice(extra);
    env.run(&home, &args)
}

fn audit(env: &Env, home: &std::path::Path) -> Vec<Value> {
    env.run(home, ["--json", "audit", "show"])
        .success()
        .json()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_weak_ca_passphrase_is_refused_and_nothing_is_created() {
    let env = Env::new();
    for (i, weak) in WEAK.iter().enumerate() {
        let pass = env.passphrase_file(&format!("weak{i}.pass"), weak);
        let name = format!("refused{i}");
        let run = ca_init(&env, &name, &pass, &[]).code(2);
        assert!(
            run.stderr.contains("too short") || run.stderr.contains("easy to guess"),
            "{weak}: {}",
            run.describe()
        );
        assert!(
            run.stderr.contains("hint:") && run.stderr.contains("--allow-weak-passphrase"),
            "{}",
            run.describe()
        );
        // The passphrase itself is never shown.
        assert!(!run.all_output().contains(weak), "{}", run.describe());
        assert!(!env.path(&name).join("ca.pem").exists());
    }
}

#[test]
fn the_override_keeps_a_weak_ca_passphrase_and_the_audit_log_records_it() {
    let env = Env::new();
    let weak = env.passphrase_file("weak.pass", "password1234");
    let run = ca_init(&env, "allowed", &weak, &["--allow-weak-passphrase"]).success();
    assert!(!run.all_output().contains("password1234"));
    let records = audit(&env, &env.path("allowed"));
    assert_eq!(records[0]["action"], "ca.init");
    let outcome = records[0]["outcome"].as_str().unwrap();
    assert!(outcome.contains("passphrase=weak-allowed"), "{outcome}");
    // The audit log still verifies with the field in the record.
    env.run(&env.path("allowed"), ["audit", "verify"]).success();

    // A strong passphrase: no such field, with or without the flag.
    let strong = env.passphrase_file("strong.pass", STRONG);
    ca_init(&env, "strong", &strong, &["--allow-weak-passphrase"]).success();
    let records = audit(&env, &env.path("strong"));
    let outcome = records[0]["outcome"].as_str().unwrap();
    assert!(!outcome.contains("passphrase="), "{outcome}");
}

#[test]
fn generated_keys_passphrases_are_checked_and_the_override_is_audited_per_certificate() {
    let env = Env::new();
    let ca = env.root_ca("issuer", "p256", &[]);
    let weak = env.passphrase_file("weak.pass", "iloveyou1234");
    let issue = |name: &str, extra: &[&str]| {
        let key = env.path(&format!("{name}.key"));
        let mut args = vec![
            "--json".to_string(),
            "cert".into(),
            "issue".into(),
            "--profile".into(),
            "person".into(),
            "--subject".into(),
            format!("CN={name},{DEPT}"),
            "--key-out".into(),
            p(&key).into(),
            "--key-passphrase-file".into(),
            p(&weak).into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        (env.run(&ca.home, &args), key)
    };
    let (run, key) = issue("refused", &[]);
    let run = run.code(2);
    // With `--json` the error is JSON on stdout, else text on stderr.
    assert!(
        (run.stdout.clone() + &run.stderr).contains("easy to guess"),
        "{}",
        run.describe()
    );
    assert!(
        !key.exists(),
        "a key was written under a refused passphrase"
    );

    let (run, key) = issue("allowed", &["--allow-weak-passphrase"]);
    let serial = common::json_str(&run.success().json(), "serial");
    assert!(key.exists());
    let records = audit(&env, &ca.home);
    let issued = records
        .iter()
        .find(|r| r["action"] == "cert.issue" && r["object"].as_str().unwrap().contains(&serial))
        .unwrap();
    assert!(
        issued["outcome"]
            .as_str()
            .unwrap()
            .contains("passphrase=weak-allowed; "),
        "{issued}"
    );
    env.run(&ca.home, ["audit", "verify"]).success();

    // A CSR's key and a batch's keys go through the same check.
    let run = env
        .run(
            &env.path("no-home"),
            [
                "csr",
                "create",
                "--subject",
                &format!("CN=部门,{DEPT}"),
                "--key-out",
                p(&env.path("csr.key")),
                "--passphrase-file",
                p(&weak),
            ],
        )
        .code(2);
    // With `--json` the error is JSON on stdout, else text on stderr.
    assert!(
        (run.stdout.clone() + &run.stderr).contains("easy to guess"),
        "{}",
        run.describe()
    );
    assert!(!env.path("csr.key").exists());
    let batch = env.write(
        "staff.yaml",
        format!("- subject: 'CN=王五,{DEPT}'\n  profile: person\n"),
    );
    let run = env
        .run(
            &ca.home,
            [
                "cert",
                "issue",
                "--batch",
                p(&batch),
                "--out-dir",
                p(&env.path("issued")),
                "--key-passphrase-file",
                p(&weak),
            ],
        )
        .code(2);
    // With `--json` the error is JSON on stdout, else text on stderr.
    assert!(
        (run.stdout.clone() + &run.stderr).contains("easy to guess"),
        "{}",
        run.describe()
    );
}

#[test]
fn no_verb_takes_a_passphrase_on_the_command_line() {
    // A passphrase in argv is visible to every user (ps, /proc/PID/cmdline) and in shell
    // history: there is no such option, only files (and a terminal prompt).
    let env = Env::new();
    for verb in [
        &["ca", "init"][..],
        &["cert", "issue"],
        &["csr", "create"],
        &["cert", "export"],
    ] {
        let mut args: Vec<&str> = verb.to_vec();
        args.push("--help");
        let help = env.run(&env.path("no-home"), &args).success().stdout;
        assert!(!help.contains("--passphrase "), "{verb:?}: {help}");
        assert!(!help.contains("--password"), "{verb:?}: {help}");
        let mut args: Vec<&str> = verb.to_vec();
        args.extend(["--passphrase", "x"]);
        env.run(&env.path("no-home"), &args).code(2);
    }
}

#[test]
fn a_passphrase_is_never_written_to_the_store_or_the_audit_log() {
    let env = Env::new();
    let weak = env.passphrase_file("weak.pass", "password1234");
    ca_init(&env, "kept", &weak, &["--allow-weak-passphrase"]).success();
    let db = std::fs::read(env.path("kept").join("govpki.db")).unwrap();
    assert!(
        !db.windows(b"password1234".len())
            .any(|w| w == b"password1234"),
        "the passphrase is in the store"
    );
    let log = env
        .run(&env.path("kept"), ["audit", "show"])
        .success()
        .all_output();
    assert!(!log.contains("password1234"), "{log}");
}

/// `ca init` on a terminal (a pty made by `script`), typing `lines`; the exit code and what the
/// terminal showed.
fn ca_init_on_a_terminal(env: &Env, name: &str, lines: &[&str]) -> (Option<i32>, String) {
    use std::io::Write;
    let shown = env.path(&format!("{name}.tty"));
    let command = format!(
        "{} ca init --subject 'CN=终端根CA,C=CN'",
        env!("CARGO_BIN_EXE_govpki")
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("GOVPKI_HOME", env.path(name))
        .env("NO_COLOR", "1")
        .env("GOVPKI_NO_CACHE", "1")
        .env_remove("GOVPKI_POLICY")
        .current_dir(env.root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::fs::File::create(&shown).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    stdin.flush().unwrap();
    // Keep the terminal open until govpki is done (an early end of input would be EOF).
    let status = child.wait().unwrap();
    drop(stdin);
    (status.code(), std::fs::read_to_string(&shown).unwrap())
}

#[test]
fn on_a_terminal_a_mismatch_or_a_weak_passphrase_asks_again_up_to_three_times() {
    if !common::require_tool("script") {
        return;
    }
    let env = Env::new();
    let good = "first strong passphrase 2026";
    // A mismatch, then a weak one, then the same strong one twice: created.
    let (code, shown) = ca_init_on_a_terminal(
        &env,
        "third-try",
        &[
            good,
            "mismatched passphrase 2026",
            "password1234",
            good,
            good,
        ],
    );
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("the passphrases do not match"), "{shown}");
    assert!(shown.contains("easy to guess"), "{shown}");
    assert_eq!(
        shown.matches("passphrase for the new CA key:").count(),
        3,
        "{shown}"
    );
    assert!(env.path("third-try").join("ca.pem").exists());

    // Three mismatches: refused, nothing created.
    let (code, shown) = ca_init_on_a_terminal(
        &env,
        "refused",
        &[
            good,
            "one 1 mismatch passphrase",
            good,
            "two 2 mismatch passphrase",
            good,
            "three 3 mismatch passphrase",
        ],
    );
    assert_eq!(code, Some(2), "{shown}");
    assert!(shown.contains("3 tries"), "{shown}");
    assert!(!env.path("refused").join("ca.pem").exists());
}
