//! A trust core an insider cannot fool: someone with write access to `govpki.db` (and the
//! files of the home) edits the tables directly, rebuilds the hash chain, forges operator
//! statements, plants certificates, swaps the governing policy for one command, or writes a
//! compiled-policy cache entry. `audit verify` (exit 1, naming the record or row) catches each;
//! a head kept outside the home catches a truncated or rebuilt log; `ca policy` refuses a
//! policy that locks the CA out; `audit show` prints control characters escaped.
//!
//! Governed scenarios run the test binary `govpki-test` with its clock moved to a Monday 10:00
//! in Asia/Shanghai (`GOVPKI_TEST_CLOCK_OFFSET`, see `tests/common`), like `govern_cli.rs`, so the shipped
//! policy's time rules give the same answers whenever CI runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use govpki::audit::{Event, proof};

mod common;

use common::{CLOCK_OFFSET_VAR, GOVPKI_TEST_BIN, monday_10_shanghai_offset};

const OFFICER: &str = "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN";
const OFFICER2: &str = "CN=孙七,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN";
const AUDITOR: &str = "CN=赵六,TITLE=审计员,OU=办公室,O=连云港市人民政府,C=CN";

struct Env {
    dir: tempfile::TempDir,
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
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

    fn p(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }

    /// Runs govpki at the fixed time; `--as NAME.pem` gets `--as-key NAME.key`.
    fn run(&self, args: &[&str]) -> Ran {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        if let Some(i) = args.iter().position(|a| a == "--as")
            && let Some(stem) = args[i + 1].strip_suffix(".pem")
        {
            let key = format!("{stem}.key");
            args.splice(i + 2..i + 2, ["--as-key".to_string(), key]);
        }
        let out: Output = Command::new(GOVPKI_TEST_BIN)
            .args(&args)
            .env(CLOCK_OFFSET_VAR, monday_10_shanghai_offset())
            .env("GOVPKI_HOME", self.home())
            .env("GOVPKI_CACHE_DIR", self.path("policy-cache"))
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env("USER", "govpki-test")
            .output()
            .unwrap();
        let ran = Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
        ran
    }

    fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(
            r.code, 0,
            "{args:?}\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        r.stdout
    }

    fn ca(&self) {
        self.ok(&[
            "ca",
            "init",
            "--subject",
            "CN=连云港市电子政务根CA,O=连云港市人民政府,C=CN",
            "--no-passphrase",
        ]);
    }

    /// Issues a certificate with an unencrypted key `NAME.key`, `NAME.pem`; returns the serial.
    fn issue(&self, name: &str, subject: &str, operator: Option<&str>) -> String {
        let cert = self.p(&format!("{name}.pem"));
        let key = self.p(&format!("{name}.key"));
        let op = operator.map(|o| self.p(&format!("{o}.pem")));
        let mut args: Vec<&str> = Vec::new();
        if let Some(op) = &op {
            args.extend(["--as", op.as_str(), "--domain", "intranet"]);
        }
        args.extend([
            "--json",
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            subject,
            "--key-out",
            &key,
            "--no-key-passphrase",
            "--out",
            &cert,
        ]);
        let out = self.ok(&args);
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["serial"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.home().join("govpki.db")).unwrap()
    }

    fn sql(&self, statements: &[&str]) {
        let db = self.db();
        for s in statements {
            db.execute_batch(s).unwrap();
        }
    }

    /// `audit verify` must fail with exit 1; returns its report.
    fn broken(&self, extra: &[&str]) -> String {
        let mut args = vec!["audit", "verify"];
        args.extend_from_slice(extra);
        let r = self.run(&args);
        assert_eq!(r.code, 1, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
        r.stdout
    }

    fn audit(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["--json", "audit", "show"])).unwrap()
    }
}

fn policies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")
}

/// Rebuilds the whole hash chain, as someone with write access to the file could.
fn rechain(env: &Env) {
    let db = env.db();
    common::rechain(&db);
}

/// A plain CA (no policy) with a certificate issued and revoked, and a CRL.
fn plain() -> (Env, String, String) {
    let env = Env::new();
    env.ca();
    let kept = env.issue("kept", "CN=甲,OU=财政局,O=连云港市人民政府,C=CN", None);
    let revoked = env.issue("revoked", "CN=乙,OU=财政局,O=连云港市人民政府,C=CN", None);
    env.ok(&["cert", "revoke", &revoked, "--reason", "keyCompromise"]);
    env.ok(&["crl", "generate", "--out", &env.p("ca.crl")]);
    let verified: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "audit", "verify"])).unwrap();
    assert_eq!(verified["intact"], true, "{verified}");
    assert_eq!(verified["store"]["certificates"], 2, "{verified}");
    assert_eq!(verified["checkpoints"], 1, "{verified}");
    (env, kept, revoked)
}

#[test]
fn a_deleted_revocation_with_the_certificate_set_valid_is_caught() {
    let (env, _, revoked) = plain();
    env.sql(&[
        &format!("DELETE FROM revocations WHERE serial = '{revoked}'"),
        &format!("UPDATE certs SET status = 'valid' WHERE serial = '{revoked}'"),
    ]);
    let report = env.broken(&[]);
    assert!(
        report.contains("store DOES NOT MATCH") && report.contains(&revoked),
        "{report}"
    );
    assert!(report.contains("`valid` in the store"), "{report}");
}

#[test]
fn an_inserted_or_altered_certificate_row_is_caught() {
    // A certificate row no record issued.
    let (env, kept, _) = plain();
    env.sql(&[&format!(
        "INSERT INTO certs (serial, subject, department, profile, not_before, not_after, issued_at, status, der)
         SELECT '0123456789ABCDEF', subject, department, profile, not_before, not_after, issued_at, 'valid', der
         FROM certs WHERE serial = '{kept}'"
    )]);
    let report = env.broken(&[]);
    assert!(
        report.contains("`0123456789ABCDEF` is in the store, but no record issued it"),
        "{report}"
    );

    // The DER of a certificate swapped, or its subject changed.
    for edit in [
        "UPDATE certs SET der = X'3000' WHERE serial = '{kept}'",
        "UPDATE certs SET subject = 'CN=丙,OU=财政局,O=连云港市人民政府,C=CN' WHERE serial = '{kept}'",
        "UPDATE certs SET not_after = not_after + 86400 WHERE serial = '{kept}'",
    ] {
        let (env, kept, _) = plain();
        let edit = edit.replace("{kept}", &kept);
        env.sql(&[&edit]);
        let report = env.broken(&[]);
        assert!(
            report.contains(&format!(
                "certificate `{kept}` in the store is not what record"
            )),
            "{edit}: {report}"
        );
    }

    // A certificate row deleted.
    let (env, kept, _) = plain();
    env.sql(&[&format!("DELETE FROM certs WHERE serial = '{kept}'")]);
    let report = env.broken(&[]);
    assert!(report.contains("missing from the store"), "{report}");
}

#[test]
fn an_altered_crl_row_is_caught() {
    let (env, _, _) = plain();
    env.sql(&["UPDATE crls SET entries = 0"]);
    let report = env.broken(&[]);
    assert!(
        report.contains("CRL #1 in the store is not what record"),
        "{report}"
    );

    let (env, _, _) = plain();
    env.sql(&[
        "INSERT INTO crls SELECT number + 1, this_update, next_update, entries, sha256 FROM crls",
    ]);
    let report = env.broken(&[]);
    assert!(
        report.contains("CRL #2 is in the store, but no record published it"),
        "{report}"
    );
}

/// A plain CA with a seal holder and an official seal; returns the seal's esID.
fn with_seal(env: &Env) -> String {
    env.ca();
    let holder = env.p("holder.pem");
    let key = env.p("holder.key");
    env.ok(&[
        "cert",
        "issue",
        "--profile",
        "seal",
        "--subject",
        "CN=办公室印章,OU=办公室,O=连云港市人民政府,C=CN",
        "--key-out",
        &key,
        "--no-key-passphrase",
        "--out",
        &holder,
    ]);
    env.ok(&[
        "seal",
        "create",
        "--name",
        "连云港市人民政府办公室",
        "--type",
        "official",
        "--department",
        "办公室",
        "--holder-cert",
        &holder,
        "--render",
        "--out",
        &env.p("office.esl"),
    ]);
    env.db()
        .query_row("SELECT es_id FROM seals", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn seal_rows_deleted_inserted_or_unrevoked_are_caught() {
    // Deleted.
    let env = Env::new();
    let es_id = with_seal(&env);
    env.ok(&["audit", "verify"]);
    env.sql(&["DELETE FROM seals"]);
    let report = env.broken(&[]);
    assert!(
        report.contains(&format!("seal `{es_id}`, made by record")) && report.contains("missing"),
        "{report}"
    );

    // Inserted.
    let env = Env::new();
    let es_id = with_seal(&env);
    env.sql(&[&format!(
        "INSERT INTO seals (es_id, name, seal_type, department, valid_from, valid_until, created_at, der)
         SELECT es_id || 'X', name, seal_type, department, valid_from, valid_until, created_at, der FROM seals WHERE es_id = '{es_id}'"
    )]);
    let report = env.broken(&[]);
    assert!(
        report.contains(&format!(
            "seal `{es_id}X` is in the store, but no record made it"
        )),
        "{report}"
    );

    // Revoked, then un-revoked by hand.
    let env = Env::new();
    let es_id = with_seal(&env);
    env.ok(&["seal", "revoke", &es_id, "--reason", "印章遗失; row=00"]);
    env.ok(&["audit", "verify"]);
    env.sql(&["UPDATE seals SET revoked_at = NULL, reason = NULL"]);
    let report = env.broken(&[]);
    assert!(
        report.contains(&format!("seal `{es_id}` is not revoked in the store")),
        "{report}"
    );
}

#[test]
fn truncation_is_caught_by_the_rows_and_by_a_head_kept_elsewhere() {
    // The last records cut off: the certificate they issued is still in the store.
    let (env, _, _) = plain();
    let late = env.issue("late", "CN=丁,OU=财政局,O=连云港市人民政府,C=CN", None);
    env.sql(&["DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)"]);
    let report = env.broken(&[]);
    assert!(
        report.contains(&format!(
            "`{late}` is in the store, but no record issued it"
        )),
        "{report}"
    );

    // The record and its row both removed: the store agrees with the shorter log, but a head
    // signed before and kept elsewhere does not.
    let (env, _, _) = plain();
    let late = env.issue("late", "CN=丁,OU=财政局,O=连云港市人民政府,C=CN", None);
    let head = env.ok(&["audit", "head"]);
    assert!(head.starts_with("govpki audit head v1\n"), "{head}");
    std::fs::write(env.path("head.txt"), &head).unwrap();
    let verified: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "audit", "verify", "--head", &env.p("head.txt")]))
            .unwrap();
    assert_eq!(verified["intact"], true, "{verified}");
    env.sql(&[
        "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)",
        &format!("DELETE FROM certs WHERE serial = '{late}'"),
    ]);
    env.ok(&["audit", "verify"]);
    let report = env.broken(&["--head", &env.p("head.txt")]);
    assert!(report.contains("truncated"), "{report}");

    // A head whose signature is not the CA's is refused.
    let forged = head.replace("records: ", "records: 1");
    std::fs::write(env.path("forged.txt"), forged).unwrap();
    let report = env.broken(&["--head", &env.p("forged.txt")]);
    assert!(report.contains("does not verify"), "{report}");
}

/// A CA with two officers and an auditor, under the shipped policy.
fn governed() -> Env {
    let env = Env::new();
    env.ca();
    env.issue("officer", OFFICER, None);
    env.issue("officer2", OFFICER2, None);
    env.issue("auditor", AUDITOR, None);
    env.ok(&["ca", "policy", policies().to_str().unwrap()]);
    env
}

/// The (allow, act) sequence numbers of the last signed act.
fn last_signed(env: &Env) -> (i64, i64) {
    let audit = env.audit();
    let allow = audit
        .iter()
        .rev()
        .find(|r| r["action"] == "authz.allow")
        .unwrap()["seq"]
        .as_i64()
        .unwrap();
    (allow, allow + 1)
}

#[test]
fn a_signed_act_deleted_and_the_chain_rebuilt_is_caught() {
    // With the certificate left in the store: the row is unaccounted for.
    let env = governed();
    let serial = env.issue(
        "a",
        "CN=甲,OU=财政局,O=连云港市人民政府,C=CN",
        Some("officer"),
    );
    let (allow, act) = last_signed(&env);
    env.sql(&[&format!("DELETE FROM audit WHERE seq IN ({allow}, {act})")]);
    rechain(&env);
    let report = env.broken(&[]);
    assert!(
        report.contains(&format!(
            "`{serial}` is in the store, but no record issued it"
        )),
        "{report}"
    );

    // Row and records removed, but a CRL published later holds the CA's signed checkpoint of
    // the head: the rebuilt log no longer extends it.
    let env = governed();
    let serial = env.issue(
        "a",
        "CN=甲,OU=财政局,O=连云港市人民政府,C=CN",
        Some("officer"),
    );
    let (allow, act) = last_signed(&env);
    env.ok(&[
        "--as",
        &env.p("officer.pem"),
        "--domain",
        "intranet",
        "crl",
        "generate",
    ]);
    env.ok(&["audit", "verify"]);
    env.sql(&[
        &format!("DELETE FROM audit WHERE seq IN ({allow}, {act})"),
        &format!("UPDATE audit SET seq = seq - 2 WHERE seq > {act}"),
        &format!("DELETE FROM certs WHERE serial = '{serial}'"),
    ]);
    rechain(&env);
    let report = env.broken(&[]);
    assert!(report.contains("checkpoint"), "{report}");
}

/// Replaces the statement of `allow` by one that `signer` signs over the same acts.
fn resign(env: &Env, allow: i64, signer_cert: &Path, signer_key: &Path, actor: &str) {
    let db = env.db();
    let (time, object, outcome): (String, String, String) = db
        .query_row(
            "SELECT time, object, outcome FROM audit WHERE seq = ?1",
            [allow],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let parsed = proof::parse_outcome(&outcome).unwrap();
    let acts: Vec<Event> = db
        .prepare("SELECT time, actor, action, object, outcome FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2")
        .unwrap()
        .query_map(rusqlite::params![allow, parsed.acts as i64], |r| {
            Ok(Event {
                time: r.get(0)?,
                actor: r.get(1)?,
                action: r.get(2)?,
                object: r.get(3)?,
                outcome: r.get(4)?,
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let decided = proof::Decided::of_outcome(&outcome);
    let ca_der = pem::parse(std::fs::read(env.home().join("ca.pem")).unwrap())
        .unwrap()
        .into_contents();
    let cert_der = match pem::parse(std::fs::read(signer_cert).unwrap()) {
        Ok(p) => p.into_contents(),
        Err(_) => std::fs::read(signer_cert).unwrap(),
    };
    let key = govpki::ca::keys::PrivateKey::from_pem(
        &std::fs::read_to_string(signer_key).unwrap(),
        || unreachable!("unencrypted"),
    )
    .unwrap();
    let asks = proof::asks_signed(&object, decided.as_ref().map(|d| d.encode()).as_deref());
    let msg = proof::statement(&ca_der, &cert_der, &time, &asks, &parsed.nonce, &acts);
    let sig = key.sign(&msg).unwrap();
    let rules = outcome
        .strip_prefix("allowed by ")
        .and_then(|o| o.split(';').next())
        .unwrap()
        .to_string();
    let new_outcome = proof::outcome(&rules, decided.as_ref(), &parsed.nonce, parsed.acts, &sig);
    db.execute(
        "UPDATE audit SET actor = ?1, outcome = ?2 WHERE seq = ?3",
        rusqlite::params![actor, new_outcome, allow],
    )
    .unwrap();
}

#[test]
fn a_statement_by_one_officer_over_another_officers_act_is_refused() {
    let env = governed();
    env.issue(
        "a",
        "CN=甲,OU=财政局,O=连云港市人民政府,C=CN",
        Some("officer"),
    );
    let officer_actor = env.audit().pop().unwrap()["actor"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(officer_actor.contains("王五"), "{officer_actor}");
    env.issue(
        "b",
        "CN=乙,OU=财政局,O=连云港市人民政府,C=CN",
        Some("officer2"),
    );
    let (allow, act) = last_signed(&env);
    let officer2_actor = env.audit().pop().unwrap()["actor"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(officer2_actor.contains("孙七"), "{officer2_actor}");
    // Officer 王五 signs a statement over 孙七's act, and takes the allow record.
    resign(
        &env,
        allow,
        &env.path("officer.pem"),
        &env.path("officer.key"),
        &officer_actor,
    );
    rechain(&env);
    let report = env.broken(&[]);
    assert!(
        report.contains(&format!("record {act}"))
            && report.contains("covered by the statement of another operator"),
        "{report}"
    );
}

#[test]
fn a_self_signed_certificate_planted_with_an_officers_name_is_refused() {
    let env = governed();
    env.issue(
        "b",
        "CN=乙,OU=财政局,O=连云港市人民政府,C=CN",
        Some("officer"),
    );
    let (allow, act) = last_signed(&env);
    // A self-signed certificate with the officer's name and a serial of its own, planted in
    // the store; the act is then re-signed with its key in the name it carries.
    let key = env.path("planted.key");
    let cert = env.path("planted.pem");
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args([
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ])
        .args(["-days", "3650", "-set_serial", "0x5A5A5A5A", "-utf8"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .args([
            "-subj",
            "/C=CN/O=连云港市人民政府/OU=信息中心/title=安全管理员/CN=王五",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let der = pem::parse(std::fs::read(&cert).unwrap())
        .unwrap()
        .into_contents();
    let db = env.db();
    db.execute(
        "INSERT INTO certs (serial, subject, department, profile, not_before, not_after, issued_at, status, der)
         VALUES ('5A5A5A5A', ?1, '信息中心', 'person', 0, 4102444800, 0, 'valid', ?2)",
        rusqlite::params![OFFICER, der],
    )
    .unwrap();
    let actor = "cert:CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN [5A5A5A5A]";
    db.execute(
        "UPDATE audit SET actor = ?1 WHERE seq = ?2",
        rusqlite::params![actor, act],
    )
    .unwrap();
    drop(db);
    resign(&env, allow, &cert, &key, actor);
    rechain(&env);
    let report = env.broken(&[]);
    assert!(
        report.contains(&format!("record {allow}")) && report.contains("5A5A5A5A is not this CA's"),
        "{report}"
    );
}

#[test]
fn an_act_allowed_by_a_policy_swapped_for_one_command_is_reported() {
    let env = governed();
    let home = env.home();
    let pinned = std::fs::read_dir(home.join("policies"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let governing: Vec<u8> = env
        .db()
        .query_row("SELECT value FROM meta WHERE key = 'policy'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(governing, pinned.to_str().unwrap().as_bytes());

    // The pinned copy edited in place: every governed command stops (exit 2).
    let bindings = pinned.join("bindings.yaml");
    let original = std::fs::read_to_string(&bindings).unwrap();
    let edited = original.replace("roles: [auditor]", "roles: [ca-officer]");
    assert_ne!(edited, original);
    std::fs::write(&bindings, &edited).unwrap();
    let r = env.run(&[
        "--as",
        &env.p("auditor.pem"),
        "--domain",
        "intranet",
        "crl",
        "generate",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("was altered"), "{}", r.stderr);
    std::fs::write(&bindings, &original).unwrap();

    // So the insider keeps an edited copy under its own version, points the CA at it for one
    // command, and puts the setting back.
    let mut sources = Vec::new();
    for f in ["bindings.yaml", "restrictions.yaml", "roles.yaml"] {
        let text = std::fs::read_to_string(pinned.join(f)).unwrap();
        let text = if f == "bindings.yaml" {
            edited.clone()
        } else {
            text
        };
        sources.push((PathBuf::from(f), text));
    }
    let version = govpki::authz::pin::version(&sources);
    let swapped = home.join("policies").join(&version);
    std::fs::create_dir(&swapped).unwrap();
    for (f, text) in &sources {
        std::fs::write(swapped.join(f), text).unwrap();
    }
    let set = |dir: &Path| {
        env.db()
            .execute(
                "UPDATE meta SET value = ?1 WHERE key = 'policy'",
                [dir.to_str().unwrap().as_bytes()],
            )
            .unwrap();
    };
    set(&swapped);
    let serial = env.issue(
        "c",
        "CN=丙,OU=财政局,O=连云港市人民政府,C=CN",
        Some("auditor"),
    );
    set(&pinned);
    let (allow, _) = last_signed(&env);
    let report = env.broken(&[]);
    assert!(
        report.contains(&format!("record {allow}"))
            && report.contains("denies cert.issue on `dept/财政局/cert/person`")
            && report.contains(&version),
        "{serial}: {report}"
    );
}

#[test]
fn a_forged_policy_cache_entry_does_not_change_a_decision() {
    let env = governed();
    let pinned = std::fs::read_dir(env.home().join("policies"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    // An entry keyed exactly as the cache keys the pinned sources, holding a policy that lets
    // auditors do everything.
    let mut sources = Vec::new();
    for f in ["bindings.yaml", "restrictions.yaml", "roles.yaml"] {
        sources.push((
            pinned.join(f),
            std::fs::read_to_string(pinned.join(f)).unwrap(),
        ));
    }
    let key = govpki::authz::cache_key(&sources);
    let permissive = "roles:\n  - id: all\n    permissions:\n      - {id: all, actions: \"*\", resources: \"*\"}\nbindings:\n  - {id: everyone, subject: {title: 审计员}, roles: [all]}\n";
    let (forged, warnings) =
        govpki::authz::Policy::load(&[(PathBuf::from("forged.yaml"), permissive.to_string())])
            .unwrap();
    let bytes = forged.to_cache_bytes(&warnings, &key).unwrap();
    // The entry checks out as far as the cache can tell.
    assert!(govpki::authz::Policy::from_cache_bytes(&bytes, &key).is_some());
    let cache = env.path("policy-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let entry = cache.join(hex::encode(key));
    std::fs::write(&entry, &bytes).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o600)).unwrap();

    let r = env.run(&[
        "--as",
        &env.p("auditor.pem"),
        "--domain",
        "intranet",
        "cert",
        "issue",
        "--profile",
        "person",
        "--subject",
        "CN=丁,OU=财政局,O=连云港市人民政府,C=CN",
        "--key-out",
        &env.p("d.key"),
        "--no-key-passphrase",
    ]);
    assert_eq!(r.code, 1, "the pinned sources decide: {}", r.stderr);
    assert!(r.stderr.contains("denied"), "{}", r.stderr);
    assert_eq!(env.audit().last().unwrap()["action"], "authz.deny");
    // The entry is still there, untouched: it was simply never consulted.
    assert_eq!(std::fs::read(&entry).unwrap(), bytes);
    env.ok(&["audit", "verify"]);
}

#[test]
fn a_policy_that_would_lock_the_ca_out_is_refused() {
    let policy = policies();
    let policy = policy.to_str().unwrap();
    // A new CA: no certificate at all.
    let env = Env::new();
    env.ca();
    let r = env.run(&["ca", "policy", policy]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("lock this CA out"), "{}", r.stderr);
    // Certificates, but none the policy lets manage the CA.
    env.issue("clerk", "CN=甲,OU=财政局,O=连云港市人民政府,C=CN", None);
    let r = env.run(&["ca", "policy", policy]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("lock this CA out"), "{}", r.stderr);
    // Nothing was pinned or recorded.
    assert!(env.audit().iter().all(|r| r["action"] != "ca.policy"));
    // With an officer it is accepted, and the pin is recorded.
    env.issue("officer", OFFICER, None);
    env.ok(&["ca", "policy", policy]);
    let last = env.audit().pop().unwrap();
    assert_eq!(last["action"], "ca.policy");
    assert!(
        last["outcome"].as_str().unwrap().contains("; policy="),
        "{last}"
    );
    // `ca init --policy` would make a CA that no one could ever act on.
    let fresh = Env::new();
    let r = fresh.run(&[
        "ca",
        "init",
        "--subject",
        "CN=新CA,C=CN",
        "--no-passphrase",
        "--policy",
        policy,
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("locked out"), "{}", r.stderr);
}

#[test]
fn audit_show_escapes_control_characters_written_into_the_log() {
    let env = Env::new();
    env.ca();
    let key = env.p("evil.key");
    let csr = env.p("evil.csr");
    let subject = "/CN=evil\u{1b}[2J\n     9  2027-01-04T02:00:00Z  cert.revoke    ok/OU=财政局/O=连云港市人民政府/C=CN";
    let out = Command::new("openssl")
        .args([
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args(["-keyout", &key, "-out", &csr, "-utf8", "-subj", subject])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The CSR itself is refused (its subject obeys the --subject rules), so nothing of it
    // reaches the log.
    let refused = env.run(&["cert", "issue", "--profile", "person", "--csr", &csr]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    // Someone with access to the database writes the same text into the log directly and
    // rebuilds the chain: `audit show` must still print it escaped, on one line.
    env.sql(&[
        "INSERT INTO audit (seq, time, actor, action, object, outcome, prev_hash, hash)
         SELECT MAX(seq) + 1, '2027-01-04T02:00:00Z', 'local:root', 'cert.issue',
                'CN=evil' || char(27) || '[2J' || char(10) || '     9  2027-01-04T02:00:00Z  cert.revoke    ok',
                'ok', '', '' FROM audit",
    ]);
    rechain(&env);
    let shown = env.ok(&["audit", "show"]);
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
    assert!(shown.contains("evil\\x1b[2J\\n"), "{shown}");
    // One line per record: the subject's newline did not make a second.
    let records = env.audit().len();
    assert_eq!(shown.lines().count(), records, "{shown}");
}

#[test]
fn under_a_pinned_policy_a_state_change_without_a_statement_is_reported() {
    let env = governed();
    env.ok(&["audit", "verify"]);
    // A record slipped in by someone at the database, in the local user's name.
    env.sql(&[
        "INSERT INTO audit (seq, time, actor, action, object, outcome, prev_hash, hash)
         SELECT MAX(seq) + 1, '2027-01-04T02:00:00Z', 'local:root', 'seal.status-list',
                '0 revoked seals', 'ok', '', '' FROM audit",
    ]);
    rechain(&env);
    let last = env.audit().pop().unwrap()["seq"].as_i64().unwrap();
    let report = env.broken(&[]);
    assert!(
        report.contains(&format!("record {last}"))
            && report.contains("under the pinned policy that no signed statement"),
        "{report}"
    );
}

#[test]
fn a_log_without_row_bindings_is_not_provable_never_intact() {
    // As a home written before rows were bound looks (or a log stripped of them and rebuilt,
    // which only a head kept elsewhere can tell from an old home).
    let (env, _, _) = plain();
    let head = env.ok(&["audit", "head"]);
    std::fs::write(env.path("head.txt"), head).unwrap();
    let db = env.db();
    let rows: Vec<(i64, String)> = db
        .prepare("SELECT seq, outcome FROM audit")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (seq, outcome) in rows {
        let bare = outcome.split("; ").next().unwrap().to_string();
        db.execute(
            "UPDATE audit SET outcome = ?1 WHERE seq = ?2",
            rusqlite::params![bare, seq],
        )
        .unwrap();
    }
    drop(db);
    rechain(&env);
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("not provable: certificate `") && !r.stdout.contains("BROKEN"),
        "{}",
        r.stdout
    );
    let report = env.broken(&["--head", &env.p("head.txt")]);
    assert!(report.contains("rewritten"), "{report}");
}

#[test]
fn a_policy_switched_off_for_one_command_is_reported() {
    let env = governed();
    let governing: Vec<u8> = env
        .db()
        .query_row("SELECT value FROM meta WHERE key = 'policy'", [], |r| {
            r.get(0)
        })
        .unwrap();
    // The setting cleared by hand, a certificate issued with no operator, the setting restored.
    env.db()
        .execute("UPDATE meta SET value = X'' WHERE key = 'policy'", [])
        .unwrap();
    let report = env.broken(&[]);
    assert!(
        report.contains("the store's policy setting is empty"),
        "{report}"
    );
    let serial = env.issue("e", "CN=戊,OU=财政局,O=连云港市人民政府,C=CN", None);
    env.db()
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'policy'",
            [governing],
        )
        .unwrap();
    let issued = env.audit().pop().unwrap()["seq"].as_i64().unwrap();
    let report = env.broken(&[]);
    assert!(
        report.contains(&format!("record {issued}"))
            && report.contains("local:govpki-test")
            && report.contains("no signed statement"),
        "{serial}: {report}"
    );
}

#[test]
fn a_subordinate_ca_and_its_parent_both_verify() {
    let env = Env::new();
    env.ca();
    let sub = env.path("sub");
    let out = Command::new(GOVPKI_TEST_BIN)
        .env(CLOCK_OFFSET_VAR, monday_10_shanghai_offset())
        .args(["--home", sub.to_str().unwrap(), "ca", "init", "--subject"])
        .arg("CN=业务CA,O=连云港市人民政府,C=CN")
        .args(["--parent", env.home().to_str().unwrap(), "--no-passphrase"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verified: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "audit", "verify"])).unwrap();
    assert_eq!(verified["store"]["certificates"], 1, "{verified}");
    let out = Command::new(assert_cmd::cargo::cargo_bin!("govpki"))
        .args(["--home", sub.to_str().unwrap(), "audit", "verify"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_policy_file_edited_for_one_command_changes_nothing() {
    let env = Env::new();
    env.ca();
    env.issue("officer", OFFICER, None);
    env.issue("auditor", AUDITOR, None);
    let copy = env.path("policy");
    std::fs::create_dir(&copy).unwrap();
    for f in ["roles.yaml", "bindings.yaml", "restrictions.yaml"] {
        std::fs::copy(policies().join(f), copy.join(f)).unwrap();
    }
    env.ok(&["ca", "policy", copy.to_str().unwrap()]);
    // The file that was pinned, edited to make auditors CA officers, for one command.
    let bindings = copy.join("bindings.yaml");
    let original = std::fs::read_to_string(&bindings).unwrap();
    std::fs::write(
        &bindings,
        original.replace("roles: [auditor]", "roles: [ca-officer]"),
    )
    .unwrap();
    let r = env.run(&[
        "--as",
        &env.p("auditor.pem"),
        "--domain",
        "intranet",
        "crl",
        "generate",
    ]);
    std::fs::write(&bindings, &original).unwrap();
    assert_eq!(r.code, 1, "the pinned copy decides: {}", r.stderr);
    assert!(r.stderr.contains("denied"), "{}", r.stderr);
    env.ok(&["audit", "verify"]);
}
