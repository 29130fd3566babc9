//! A CA governed by the shipped policy (`policies/`): CA and seal commands ask the policy for
//! the operator given with `--as`, denials exit 1 and are audited, and a policy that does not
//! load never allows. Runs the test binary `govpki-test` with its clock moved to a Monday 10:00
//! in Asia/Shanghai (`GOVPKI_TEST_CLOCK_OFFSET`, see `tests/common`), so the policy's office-hours and
//! nightly-maintenance rules give the same answer whenever CI runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{CLOCK_OFFSET_VAR, GOVPKI_TEST_BIN, monday_10_shanghai_offset};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// Runs govpki at the fixed time against the home. An operator named `--as NAME.pem`
    /// proves presence with `NAME.key` beside it, if there is one and the test passes no
    /// `--as-key` of its own.
    fn run(&self, args: &[&str]) -> Output {
        let mut args = args.to_vec();
        let key;
        if !args.contains(&"--as-key")
            && let Some(i) = args.iter().position(|a| *a == "--as")
            && let Some(cert) = args.get(i + 1)
            && let Some(stem) = cert.strip_suffix(".pem")
        {
            key = format!("{stem}.key");
            if Path::new(&key).exists() {
                args.splice(i + 2..i + 2, ["--as-key", key.as_str()]);
            }
        }
        self.run_exact(&args)
    }

    /// Runs govpki at the fixed time with exactly these arguments.
    fn run_exact(&self, args: &[&str]) -> Output {
        Command::new(GOVPKI_TEST_BIN)
            .args(args)
            .env(CLOCK_OFFSET_VAR, monday_10_shanghai_offset())
            .env("GOVPKI_HOME", self.home())
            // The compiled-policy cache in use, but never the real ~/.cache.
            .env("GOVPKI_CACHE_DIR", self.path("policy-cache"))
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env("USER", "govpki-test")
            .output()
            .unwrap()
    }

    fn exact_code(&self, args: &[&str]) -> (i32, String) {
        let out = self.run_exact(args);
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn code(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Issues a certificate with a generated, unencrypted key; returns the certificate path.
    fn person(&self, name: &str, subject: &str, profile: &str, extra: &[&str]) -> String {
        let cert = self.path(&format!("{name}.pem"));
        let key = self.path(&format!("{name}.key"));
        let mut args = vec![
            "cert",
            "issue",
            "--profile",
            profile,
            "--subject",
            subject,
            "--key-out",
            key.to_str().unwrap(),
            "--no-key-passphrase",
            "--out",
            cert.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        self.ok(&args);
        cert.to_str().unwrap().to_string()
    }

    fn audit(&self) -> Vec<serde_json::Value> {
        let text = self.ok(&["--json", "audit", "show"]);
        serde_json::from_str::<Vec<serde_json::Value>>(&text).unwrap()
    }
}

fn policies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Sets up a CA, its officers, then puts it under the shipped policy.
fn governed() -> (Env, String, String) {
    let env = Env::new();
    env.ok(&[
        "ca",
        "init",
        "--subject",
        "CN=连云港市电子政务根CA,O=连云港市人民政府,C=CN",
        "--no-passphrase",
    ]);
    let officer = env.person(
        "officer",
        "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        "person",
        &[],
    );
    let auditor = env.person(
        "auditor",
        "CN=赵六,TITLE=审计员,OU=办公室,O=连云港市人民政府,C=CN",
        "person",
        &[],
    );
    env.ok(&["ca", "policy", p(&policies())]);
    (env, officer, auditor)
}

/// Every time rule below depends on the binary under test honouring the injected clock (the
/// test binary `govpki-test`, which `cargo test` builds through the self dev-dependency in
/// Cargo.toml; `govpki` itself ignores the variable, see `tests/clock.rs`).
/// If it did not, the rules would decide at the real time and pass or fail by the hour of CI.
#[test]
fn the_binary_under_test_runs_at_the_injected_clock() {
    let env = Env::new();
    let out = env.ok(&[
        "--json",
        "ca",
        "init",
        "--subject",
        "CN=时钟测试根CA,C=CN",
        "--no-passphrase",
    ]);
    let ca: serde_json::Value = serde_json::from_str(&out).unwrap();
    let not_before = time::OffsetDateTime::parse(
        ca["not_before"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .unix_timestamp();
    // The run started at Monday 10:00 Shanghai; allow for the time this binary has run so far
    // and for a not-before set back by a few minutes.
    assert!(
        (common::MONDAY_10_SHANGHAI - 3600..common::MONDAY_10_SHANGHAI + 3600)
            .contains(&not_before),
        "the CA was made at {}, not at the injected time: {out}",
        ca["not_before"]
    );
}

#[test]
fn an_officer_issues_on_the_intranet_and_is_the_audited_actor() {
    let (env, officer, _) = governed();
    let key = env.path("dept.key");
    env.ok(&[
        "--as",
        &officer,
        "--domain",
        "intranet",
        "cert",
        "issue",
        "--profile",
        "department",
        "--subject",
        "CN=财政局,OU=财政局,O=连云港市人民政府,C=CN",
        "--key-out",
        p(&key),
        "--no-key-passphrase",
    ]);
    let audit = env.audit();
    let last = audit.last().unwrap();
    assert_eq!(last["action"], "cert.issue");
    assert!(
        last["actor"].as_str().unwrap().starts_with("cert:CN=王五"),
        "{last}"
    );
    // And publishing the CRL is allowed to the officer too.
    env.ok(&["--as", &officer, "--domain", "intranet", "crl", "generate"]);
}

#[test]
fn governed_commands_need_an_operator() {
    let (env, _, _) = governed();
    let key = env.path("x.key");
    let (code, err) = env.code(&[
        "cert",
        "issue",
        "--profile",
        "person",
        "--subject",
        "CN=x,OU=财政局,O=连云港市人民政府,C=CN",
        "--key-out",
        p(&key),
        "--no-key-passphrase",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--as"), "{err}");
    assert!(
        !key.exists(),
        "no key is written when the command is refused"
    );
}

#[test]
fn denials_exit_1_with_the_reason_and_are_audited() {
    let (env, officer, auditor) = governed();
    let before = env.ok(&["--json", "cert", "list"]);
    // From the Internet: the explicit deny overrides the officer's allow.
    let (code, err) = env.code(&[
        "--as",
        &officer,
        "--domain",
        "internet",
        "cert",
        "issue",
        "--profile",
        "person",
        "--subject",
        "CN=x,OU=财政局,O=连云港市人民政府,C=CN",
        "--key-out",
        p(&env.path("x.key")),
        "--no-key-passphrase",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("deny-ca-from-internet"), "{err}");
    // An auditor may not issue at all (default deny).
    let (code, err) = env.code(&[
        "--as",
        &auditor,
        "--domain",
        "intranet",
        "cert",
        "issue",
        "--profile",
        "person",
        "--subject",
        "CN=y,OU=财政局,O=连云港市人民政府,C=CN",
        "--key-out",
        p(&env.path("y.key")),
        "--no-key-passphrase",
    ]);
    assert_eq!(code, 1, "{err}");
    // Without a domain the engine cannot evaluate the condition: deny (fail closed).
    let (code, err) = env.code(&["--as", &officer, "crl", "generate"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--domain"), "{err}");
    assert_eq!(env.ok(&["--json", "cert", "list"]), before);
    assert!(!env.path("x.key").exists() && !env.path("y.key").exists());
    let denials: Vec<_> = env
        .audit()
        .into_iter()
        .filter(|r| r["action"] == "authz.deny")
        .collect();
    assert_eq!(denials.len(), 3, "{denials:?}");
    assert!(
        denials[0]["outcome"]
            .as_str()
            .unwrap()
            .starts_with("denied")
    );
    env.ok(&["audit", "verify"]);
}

#[test]
fn a_revoked_or_foreign_operator_is_refused() {
    let (env, officer, _) = governed();
    // A second officer, issued under the policy by the first.
    let officer2_key = env.path("officer2.key");
    let officer2 = env.path("officer2.pem");
    env.ok(&[
        "--as",
        &officer,
        "--domain",
        "intranet",
        "cert",
        "issue",
        "--profile",
        "person",
        "--subject",
        "CN=孙七,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        "--key-out",
        p(&officer2_key),
        "--no-key-passphrase",
        "--out",
        p(&officer2),
    ]);
    let serial = {
        let out = env.ok(&["--json", "cert", "show", p(&officer2)]);
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["serial"]
            .as_str()
            .unwrap()
            .to_string()
    };
    env.ok(&[
        "--as",
        &officer,
        "--domain",
        "intranet",
        "cert",
        "revoke",
        &serial,
        "--reason",
        "affiliationChanged",
    ]);
    let (code, err) = env.code(&[
        "--as",
        p(&officer2),
        "--domain",
        "intranet",
        "crl",
        "generate",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("revoked"), "{err}");

    // A certificate from another CA, with the same name, is not an operator of this one.
    let other = Env::new();
    other.ok(&[
        "ca",
        "init",
        "--subject",
        "CN=Other,C=CN",
        "--no-passphrase",
    ]);
    let forged = other.person(
        "officer",
        "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        "person",
        &[],
    );
    let (code, err) = env.code(&["--as", &forged, "--domain", "intranet", "crl", "generate"]);
    assert_eq!(code, 1, "{err}");
    // Nor is the CA's own certificate, though it chains to the root trivially.
    // (even with the CA's own key as the proof).
    let ca_cert = env.home().join("ca.pem");
    let ca_key = env.home().join("private/ca.key");
    let (code, err) = env.code(&[
        "--as",
        p(&ca_cert),
        "--as-key",
        p(&ca_key),
        "--domain",
        "intranet",
        "crl",
        "generate",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not an operator"), "{err}");
}

#[test]
fn a_policy_that_does_not_load_never_allows() {
    let (env, officer, _) = governed();
    // A broken policy cannot be set...
    let broken = env.path("broken.yaml");
    std::fs::write(&broken, "roles:\n  - id: x\n    permissions: [oops\n").unwrap();
    let (code, err) = env.code(&[
        "--as",
        &officer,
        "--domain",
        "intranet",
        "ca",
        "policy",
        p(&broken),
    ]);
    assert_eq!(code, 2, "{err}");
    // ...and a policy broken after it was set stops every governed command with exit 2.
    let copy = env.path("policy");
    std::fs::create_dir(&copy).unwrap();
    for f in ["roles.yaml", "bindings.yaml", "restrictions.yaml"] {
        std::fs::copy(policies().join(f), copy.join(f)).unwrap();
    }
    env.ok(&[
        "--as",
        &officer,
        "--domain",
        "intranet",
        "ca",
        "policy",
        p(&copy),
    ]);
    env.ok(&["--as", &officer, "--domain", "intranet", "crl", "generate"]);
    // The CA evaluates the copy it pinned in its home: editing the original changes nothing...
    std::fs::write(copy.join("roles.yaml"), "roles: {{{\n").unwrap();
    env.ok(&["--as", &officer, "--domain", "intranet", "crl", "generate"]);
    // ...and an edited pinned copy stops every governed command with exit 2.
    let pinned = std::fs::read_dir(env.home().join("policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("roles.yaml").exists())
        .unwrap();
    std::fs::write(pinned.join("roles.yaml"), "roles: {{{\n").unwrap();
    let (code, err) = env.code(&["--as", &officer, "--domain", "intranet", "crl", "generate"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("was altered"), "{err}");
}

#[test]
fn seals_are_made_and_applied_under_the_policy() {
    let (env, officer, _) = governed();
    let issue = |name: &str, subject: &str, profile: &str| -> String {
        let cert = env.path(&format!("{name}.pem"));
        env.ok(&[
            "--as",
            &officer,
            "--domain",
            "intranet",
            "cert",
            "issue",
            "--profile",
            profile,
            "--subject",
            subject,
            "--key-out",
            p(&env.path(&format!("{name}.key"))),
            "--no-key-passphrase",
            "--out",
            p(&cert),
        ]);
        cert.to_str().unwrap().to_string()
    };
    let authority = issue(
        "authority",
        "CN=钱八,TITLE=印章管理员,OU=公安局,O=连云港市人民政府,C=CN",
        "person",
    );
    let keeper = issue(
        "keeper",
        "CN=李四,TITLE=印章保管员,OU=办公室,O=连云港市人民政府,C=CN",
        "seal",
    );
    let seal = env.path("office.esl");
    let create = |who: &str| {
        env.code(&[
            "--as",
            who,
            "--domain",
            "intranet",
            "seal",
            "create",
            "--name",
            "连云港市人民政府办公室",
            "--type",
            "official",
            "--department",
            "办公室",
            "--holder-cert",
            &keeper,
            "--render",
            "--out",
            p(&seal),
        ])
    };
    // The CA officer is not the seal authority.
    assert_eq!(create(&officer).0, 1);
    assert!(!seal.exists());
    assert_eq!(create(&authority).0, 0);
    let doc = env.path("notice.txt");
    std::fs::write(&doc, "关于元旦放假的通知\n").unwrap();
    let sign = |who: &str, domain: &str| {
        env.code(&[
            "--as",
            who,
            "--domain",
            domain,
            "seal",
            "sign",
            "--seal",
            p(&seal),
            "--key",
            p(&env.path("keeper.key")),
            "--cert",
            &keeper,
            "--force",
            p(&doc),
        ])
    };
    // The operator of `seal sign` is the signer: naming anyone else with --as is an error.
    let (code, err) = sign(&authority, "intranet");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("signing certificate"), "{err}");
    // The keeper may apply the seal on the intranet, in office hours, not from the extranet.
    assert_eq!(sign(&keeper, "extranet").0, 1);
    let (code, err) = sign(&keeper, "intranet");
    assert_eq!(code, 0, "{err}");
    env.ok(&["seal", "verify", p(&doc)]);
    let audit = env.audit();
    assert!(
        audit
            .iter()
            .any(|r| r["action"] == "seal.apply" && r["actor"].as_str().unwrap().contains("李四")),
        "{audit:?}"
    );
    // The seal keeper's signing key also signed the allow (proof of presence, no --as-key).
    let allows = audit
        .iter()
        .filter(|r| r["action"] == "authz.allow")
        .count();
    let apply = audit
        .iter()
        .position(|r| r["action"] == "seal.apply")
        .unwrap();
    assert_eq!(audit[apply - 1]["action"], "authz.allow");
    let verified: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "audit", "verify"])).unwrap();
    assert_eq!(verified["signed_acts"], allows, "{verified}");
}

#[test]
fn operators_prove_presence_with_their_key_and_sign_what_they_do() {
    let (env, officer, auditor) = governed();
    let issue = |name: &str, extra: &[&str]| -> (i32, String) {
        let mut args = extra.to_vec();
        let key = env.path(&format!("{name}.key"));
        let subject = format!("CN={name},OU=财政局,O=连云港市人民政府,C=CN");
        args.extend_from_slice(&[
            "--domain",
            "intranet",
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            &subject,
            "--key-out",
            p(&key),
            "--no-key-passphrase",
        ]);
        env.exact_code(&args)
    };

    // Naming a certificate is not enough: its key must be there.
    let (code, err) = issue("a", &["--as", &officer]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--as-key"), "{err}");
    assert!(!env.path("a.key").exists());

    // Someone else's key is an impersonation: denied, and the attempt is audited.
    let auditor_key = auditor.replace(".pem", ".key");
    let (code, err) = issue("b", &["--as", &officer, "--as-key", &auditor_key]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does not belong"), "{err}");
    let last = env.audit().pop().unwrap();
    assert_eq!(last["action"], "authz.deny");
    assert!(last["actor"].as_str().unwrap().starts_with("cert:CN=王五"));

    // An encrypted operator key: its passphrase comes from --as-passphrase-file, never argv.
    let pass = env.path("op3-pass.txt");
    std::fs::write(&pass, "operator three passphrase\n").unwrap();
    let op3 = env.path("op3.pem");
    let op3_key = env.path("op3.secret");
    env.ok(&[
        "--as",
        &officer,
        "--domain",
        "intranet",
        "cert",
        "issue",
        "--profile",
        "person",
        "--subject",
        "CN=孙七,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        "--key-out",
        p(&op3_key),
        "--key-passphrase-file",
        p(&pass),
        "--out",
        p(&op3),
    ]);
    let (code, err) = issue("c", &["--as", p(&op3), "--as-key", p(&op3_key)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--as-passphrase-file"), "{err}");
    let (code, err) = issue(
        "d",
        &[
            "--as",
            p(&op3),
            "--as-key",
            p(&op3_key),
            "--as-passphrase-file",
            p(&pass),
        ],
    );
    assert_eq!(code, 0, "{err}");

    // Every act is preceded, in the same transaction, by the operator's signed allow.
    let audit = env.audit();
    let issues: Vec<usize> = (0..audit.len())
        .filter(|&i| audit[i]["action"] == "cert.issue")
        .collect();
    assert_eq!(issues.len(), 4, "two persons in governed(), op3, d");
    for &i in &issues[2..] {
        let allow = &audit[i - 1];
        assert_eq!(allow["action"], "authz.allow", "{allow}");
        assert_eq!(allow["actor"], audit[i]["actor"]);
        assert!(
            allow["object"]
                .as_str()
                .unwrap()
                .starts_with("cert.issue dept/"),
            "{allow}"
        );
        assert!(
            allow["outcome"]
                .as_str()
                .unwrap()
                .contains("; proof: nonce="),
            "{allow}"
        );
    }
    let verified: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "audit", "verify"])).unwrap();
    assert_eq!(verified["intact"], true, "{verified}");
    assert_eq!(verified["signed_acts"], 2, "{verified}");

    // Someone with write access to the database rewrites what the officer allowed and rebuilds
    // the hash chain around it: the chain is intact again, the officer's signature is not.
    let target = audit[issues[2] - 1]["seq"].as_i64().unwrap();
    tamper_and_rechain(
        &env,
        &[&format!(
            "UPDATE audit SET object = 'cert.issue dept/公安局/cert/sub-ca' WHERE seq = {target}"
        )],
    );
    let out = env.run(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("record {target}"))
            && stdout.contains("signature does not verify"),
        "{stdout}"
    );
}

/// Runs `statements` on the home's database, then rebuilds the whole hash chain, as someone
/// with write access to the file could.
fn tamper_and_rechain(env: &Env, statements: &[&str]) {
    let db = rusqlite::Connection::open(env.home().join("govpki.db")).unwrap();
    for sql in statements {
        db.execute_batch(sql).unwrap();
    }
    common::rechain(&db);
}

/// `audit verify` after tampering: exit 1, and its report.
fn broken_report(env: &Env) -> String {
    let out = env.run(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    stdout
}

/// A governed CA where the officer issued two certificates; returns the sequence numbers of
/// the two (allow, issue) record pairs.
fn two_signed_issues() -> (Env, [(i64, i64); 2]) {
    let (env, officer, _) = governed();
    for name in ["甲", "乙"] {
        let subject = format!("CN={name},OU=财政局,O=连云港市人民政府,C=CN");
        let key = env.path(&format!("{name}.key"));
        env.ok(&[
            "--as",
            &officer,
            "--domain",
            "intranet",
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            &subject,
            "--key-out",
            p(&key),
            "--no-key-passphrase",
        ]);
    }
    let audit = env.audit();
    let pairs: Vec<(i64, i64)> = audit
        .windows(2)
        .filter(|w| w[0]["action"] == "authz.allow" && w[1]["action"] == "cert.issue")
        .map(|w| (w[0]["seq"].as_i64().unwrap(), w[1]["seq"].as_i64().unwrap()))
        .collect();
    assert_eq!(pairs.len(), 2, "{audit:?}");
    env.ok(&["audit", "verify"]);
    (env, [pairs[0], pairs[1]])
}

#[test]
fn forged_copied_or_orphaned_acts_are_caught_even_with_a_rebuilt_chain() {
    // The act itself is signed: another serial or subject in the issue record is caught.
    let (env, [(allow, issue), _]) = two_signed_issues();
    tamper_and_rechain(
        &env,
        &[&format!(
            "UPDATE audit SET object = replace(object, '甲', '丙') WHERE seq = {issue}"
        )],
    );
    let report = broken_report(&env);
    assert!(
        report.contains(&format!("record {allow}")) && report.contains("does not verify"),
        "{report}"
    );

    // A signed act copied over another one: the statement appears twice.
    let (env, [(a1, i1), (a2, i2)]) = two_signed_issues();
    let copy = |to: i64, from: i64| {
        format!(
            "UPDATE audit SET (time, actor, action, object, outcome) = \
             (SELECT time, actor, action, object, outcome FROM audit WHERE seq = {from}) \
             WHERE seq = {to}"
        )
    };
    tamper_and_rechain(&env, &[&copy(a2, a1), &copy(i2, i1)]);
    let report = broken_report(&env);
    assert!(
        report.contains(&format!("record {a2}")) && report.contains("appears again"),
        "{report}"
    );

    // An act whose signed statement was removed (and the log renumbered): orphaned.
    let (env, [_, (a2, i2)]) = two_signed_issues();
    tamper_and_rechain(
        &env,
        &[
            &format!("DELETE FROM audit WHERE seq = {a2}"),
            &format!("UPDATE audit SET seq = seq - 1 WHERE seq > {a2}"),
        ],
    );
    let report = broken_report(&env);
    assert!(
        report.contains(&format!("record {}", i2 - 1)) && report.contains("no signed statement"),
        "{report}"
    );
}

#[test]
fn a_governed_batch_signs_each_chunk_it_commits() {
    let (env, officer, _) = governed();
    let batch = env.path("batch.yaml");
    let rows: String = (0..2100)
        .map(|i| {
            format!(
                "- subject: \"CN=员工{i},OU=财政局,O=连云港市人民政府,C=CN\"\n  profile: person\n"
            )
        })
        .collect();
    std::fs::write(&batch, rows).unwrap();
    env.ok(&[
        "--as",
        &officer,
        "--domain",
        "intranet",
        "cert",
        "issue",
        "--batch",
        p(&batch),
        "--out-dir",
        p(&env.path("issued")),
        "--no-key-passphrase",
    ]);
    let verified: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "audit", "verify"])).unwrap();
    assert_eq!(verified["intact"], true, "{verified}");
    // 1,000 certificates per transaction: three chunks, three signed statements.
    assert_eq!(verified["signed_acts"], 3, "{verified}");
}

/// Bindings give roles by subject attributes, so issuing a chosen subject is granting roles. A
/// department's registration officer may issue his department's civil servants (role staff),
/// but not a certificate whose TITLE the bindings make a CA officer: that is `cert.issue` on
/// `dept/财政局/role/ca-officer`, which only the CA officer holds. Before, the ask covered only
/// the department and profile, and the registration officer could mint himself a CA officer.
#[test]
fn a_registration_officer_cannot_mint_a_role_his_own_role_does_not_grant() {
    let env = Env::new();
    env.ok(&[
        "ca",
        "init",
        "--subject",
        "CN=连云港市电子政务根CA,O=连云港市人民政府,C=CN",
        "--no-passphrase",
    ]);
    let officer = env.person(
        "officer",
        "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        "person",
        &[],
    );
    let ra = env.person(
        "ra",
        "CN=孙七,TITLE=注册管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        "person",
        &[],
    );
    env.ok(&["ca", "policy", p(&policies())]);
    let issue = |operator: &str, name: &str, subject: &str| {
        let key = env.path(&format!("{name}.key"));
        let out = env.path(&format!("{name}.pem"));
        let (code, err) = env.code(&[
            "--as",
            operator,
            "--domain",
            "intranet",
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            subject,
            "--key-out",
            p(&key),
            "--no-key-passphrase",
            "--out",
            p(&out),
        ]);
        (code, err, out.exists())
    };
    // A civil servant of his own department: allowed.
    let (code, err, made) = issue(&ra, "clerk", "CN=李雷,OU=信息中心,O=连云港市人民政府,C=CN");
    assert_eq!((code, made), (0, true), "{err}");
    // A CA officer, minted by the registration officer: denied, nothing issued.
    let (code, err, made) = issue(
        &ra,
        "minted",
        "CN=evil,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
    );
    assert_eq!((code, made), (1, false), "{err}");
    assert!(err.contains("dept/信息中心/role/ca-officer"), "{err}");
    // The same subject by the CA officer: allowed (his role grants every role).
    let (code, err, made) = issue(
        &officer,
        "appointed",
        "CN=韩梅,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
    );
    assert_eq!((code, made), (0, true), "{err}");
    env.ok(&["audit", "verify"]);
}

#[test]
fn a_key_export_is_asked_of_the_policy_signed_by_the_officer_and_verifies() {
    let (env, officer, auditor) = governed();
    let holder = env.person(
        "holder",
        "CN=钱八,OU=财政局,O=连云港市人民政府,C=CN",
        "person",
        &["--as", &officer, "--domain", "intranet"],
    );
    let pass = env.path("p12.pass");
    std::fs::write(&pass, "export passphrase 连云港 2026\n").unwrap();
    let key = env.path("holder.key");
    let export = |out: &str, operator: &[&str]| {
        let out = env.path(out);
        let mut args: Vec<String> = operator.iter().map(|s| s.to_string()).collect();
        args.extend(
            [
                "cert",
                "export",
                "--pkcs12",
                p(&out),
                &holder,
                "--key",
                p(&key),
                "--passphrase-file",
                p(&pass),
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        (env.code(&args), out)
    };
    // No operator in a governed home: refused, nothing written.
    let ((code, err), out) = export("none.p12", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--as"), "{err}");
    assert!(!out.exists());
    // From the Internet, or by the auditor: denied (exit 1), audited, nothing written.
    for (who, domain) in [(&officer, "internet"), (&auditor, "intranet")] {
        let ((code, err), out) = export("denied.p12", &["--as", who, "--domain", domain]);
        assert_eq!(code, 1, "{who} {domain}: {err}");
        assert!(err.contains("cert.export"), "{err}");
        assert!(!out.exists());
        let last = env.audit().last().cloned().unwrap();
        assert_eq!(last["action"], "authz.deny", "{last}");
    }
    // The officer on the intranet: allowed, the export recorded under the officer's name and
    // covered by the officer's signed statement, and the log verifies.
    let ((code, err), out) = export("ok.p12", &["--as", &officer, "--domain", "intranet"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.exists());
    let audit = env.audit();
    let n = audit.len();
    assert_eq!(
        audit[n - 2]["action"],
        "authz.allow",
        "{:?}",
        &audit[n - 2..]
    );
    assert!(
        audit[n - 2]["object"]
            .as_str()
            .unwrap()
            .starts_with("cert.export dept/财政局/cert/"),
        "{}",
        audit[n - 2]
    );
    assert_eq!(audit[n - 1]["action"], "cert.export");
    assert!(
        audit[n - 1]["actor"]
            .as_str()
            .unwrap()
            .starts_with("cert:CN=王五"),
        "{}",
        audit[n - 1]
    );
    env.ok(&["audit", "verify"]);
}
