//! `cert renew`: a new certificate for the subject, profile and SANs of an old one, for the
//! same key, a new generated key or a new CSR; each checked with `openssl verify` and against
//! the old certificate's subject, SANs and extended key usage; the store and the audit log link
//! the new serial to the old; revoked, unknown and foreign certificates are refused.

mod common;

use std::path::Path;

use common::{
    Ca, Env, ORG, Run, days_from_now, json_str, list, mode, norm_serial, openssl_pubkey, p,
    require_tool, row, subject_for, tool,
};
use serde_json::Value;

/// What a relying party compares: subject, SANs, extended key usage, as openssl prints them.
fn identity(cert: &Path) -> (String, String, String) {
    let ext = |name: &str| {
        tool("openssl", ["x509", "-in", p(cert), "-noout", "-ext", name])
            .success()
            .stdout
    };
    let subject = tool(
        "openssl",
        [
            "x509",
            "-in",
            p(cert),
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253,-esc_msb",
        ],
    )
    .success()
    .stdout;
    (subject, ext("subjectAltName"), ext("extendedKeyUsage"))
}

fn verify_with_openssl(ca: &Ca, cert: &Path) {
    tool(
        "openssl",
        ["verify", "-CAfile", p(&ca.cert), "-purpose", "any", p(cert)],
    )
    .success();
}

fn renew(env: &Env, ca: &Ca, args: &[&str]) -> Run {
    let mut all = vec!["--json", "cert", "renew"];
    all.extend_from_slice(args);
    env.run(&ca.home, all)
}

fn audit(env: &Env, ca: &Ca) -> Vec<Value> {
    env.run(&ca.home, ["--json", "audit", "show"])
        .success()
        .json()
        .as_array()
        .expect("audit show --json is an array")
        .clone()
}

#[test]
fn renew_keeps_subject_sans_profile_and_key_and_is_recorded_as_a_renewal() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let old = env.issue(
        &ca,
        "zhangsan",
        "person",
        &subject_for("person"),
        &["email:zhangsan@example.gov.cn"],
        &[],
    );
    let out = env.path("zhangsan-2.pem");
    let run = renew(
        &env,
        &ca,
        &[&old.serial, "--out", p(&out), "--validity", "1y"],
    )
    .success();
    let json = run.json();
    let new_serial = json_str(&json, "serial");
    assert_ne!(norm_serial(&new_serial), norm_serial(&old.serial));
    assert_eq!(
        norm_serial(&json_str(&json, "renews")),
        norm_serial(&old.serial)
    );
    assert_eq!(json_str(&json, "profile"), "person");
    assert_eq!(json["old_revoked"], false);

    verify_with_openssl(&ca, &out);
    assert_eq!(identity(&out), identity(&old.cert));
    assert!(identity(&out).1.contains("zhangsan@example.gov.cn"));
    assert!(identity(&out).2.contains("E-mail Protection"));
    // The same key by default.
    assert_eq!(
        openssl_pubkey("cert", &out, None),
        openssl_pubkey("cert", &old.cert, None)
    );

    // Both are valid: renewing is not revoking.
    let listed = list(&env, &ca, &[]);
    assert_eq!(row(&listed, &old.serial)["status"], "valid");
    assert_eq!(row(&listed, &new_serial)["status"], "valid");
    assert_eq!(row(&listed, &new_serial)["profile"], "person");

    // The audit log names the old serial, beside the new certificate's issuance; the log and
    // the store still agree.
    let records = audit(&env, &ca);
    let renewal = records
        .iter()
        .find(|r| r["action"] == "cert.renew")
        .expect("a cert.renew record");
    assert_eq!(
        renewal["object"].as_str().unwrap(),
        format!("{new_serial} renews {}", old.serial)
    );
    assert!(
        records.iter().any(|r| r["action"] == "cert.issue"
            && r["object"].as_str().unwrap().starts_with(&new_serial))
    );
    env.run(&ca.home, ["audit", "verify"]).success();

    // `cert show` links both ways.
    let shown = env
        .run(&ca.home, ["--json", "cert", "show", &new_serial])
        .success()
        .json();
    assert_eq!(json_str(&shown, "renews"), old.serial);
    let shown = env
        .run(&ca.home, ["--json", "cert", "show", p(&old.cert)])
        .success()
        .json();
    assert_eq!(shown["renewed_by"], serde_json::json!([new_serial]));
    assert_eq!(shown["renews"], Value::Null);
}

#[test]
fn rekey_with_a_generated_key_by_file_writes_an_encrypted_key_0600() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let sans = ["dns:www.example.gov.cn", "ip:10.1.2.3"];
    let old = env.issue(
        &ca,
        "www",
        "server",
        &format!("CN=www.example.gov.cn,{ORG}"),
        &sans,
        &[],
    );
    let key = env.path("www-2.key");
    let pass = env.passphrase_file("www.pass", "correct horse battery staple");
    let out = env.path("www-2.pem");
    let run = renew(
        &env,
        &ca,
        &[
            p(&old.cert),
            "--rekey",
            "--key-out",
            p(&key),
            "--key-passphrase-file",
            p(&pass),
            "--out",
            p(&out),
        ],
    )
    .success();
    assert_eq!(
        norm_serial(&json_str(&run.json(), "renews")),
        norm_serial(&old.serial)
    );
    verify_with_openssl(&ca, &out);
    assert_eq!(identity(&out), identity(&old.cert));
    assert!(identity(&out).2.contains("TLS Web Server Authentication"));
    assert_eq!(mode(&key), 0o600);
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(text.contains("BEGIN ENCRYPTED PRIVATE KEY"), "{text}");
    // The new certificate is for the new key, not the old one.
    let new_pub = openssl_pubkey("cert", &out, None);
    assert_eq!(new_pub, openssl_pubkey("key", &key, Some(&pass)));
    assert_ne!(new_pub, openssl_pubkey("cert", &old.cert, None));
    // A server renewal is held to the server maximum like an issuance: 398 days.
    let run = renew(&env, &ca, &[&old.serial, "--validity", "2y"]).code(2);
    assert!(
        run.error_text()
            .contains("maximum of profile `server`, 398 days"),
        "{}",
        run.describe()
    );
}

#[test]
fn rekey_with_a_csr_needs_the_old_subject() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let subject = subject_for("seal");
    let old = env.issue(
        &ca,
        "seal",
        "seal",
        &subject,
        &["email:seal@example.gov.cn"],
        &[],
    );
    let (new_key, csr) = env.csr_create("seal-2", &subject, &[], &[]);
    let out = env.path("seal-2.pem");
    renew(
        &env,
        &ca,
        &[&old.serial, "--rekey", "--csr", p(&csr), "--out", p(&out)],
    )
    .success();
    verify_with_openssl(&ca, &out);
    // The old SANs, not the CSR's (none).
    assert_eq!(identity(&out), identity(&old.cert));
    assert_eq!(
        openssl_pubkey("cert", &out, None),
        openssl_pubkey("key", &new_key, None)
    );

    let before = list(&env, &ca, &[]);
    let (_, other) = env.csr_create("other", &subject_for("person"), &[], &[]);
    let run = renew(&env, &ca, &[&old.serial, "--rekey", "--csr", p(&other)]).code(2);
    assert!(
        run.error_text().contains("not `CN=seal 测试"),
        "the refusal names both subjects\n{}",
        run.describe()
    );
    assert_eq!(list(&env, &ca, &[]), before);
    // --rekey needs one of the two.
    renew(&env, &ca, &[&old.serial, "--rekey"]).code(2);
}

#[test]
fn revoked_unknown_and_foreign_certificates_are_not_renewed_and_revoke_old_supersedes() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let other = env.root_ca("other", "p256", &[]);
    let a = env.issue(&ca, "a", "person", &subject_for("person"), &[], &[]);
    let b = env.issue(&ca, "b", "person", &subject_for("person"), &[], &[]);
    let foreign = env.issue(&other, "f", "person", &subject_for("person"), &[], &[]);
    env.run(
        &ca.home,
        ["cert", "revoke", &a.serial, "--reason", "keyCompromise"],
    )
    .success();
    let before = list(&env, &ca, &[]);

    let run = renew(&env, &ca, &[&a.serial]).code(2);
    assert!(
        run.error_text().contains("is revoked (keyCompromise)"),
        "{}",
        run.describe()
    );
    let run = renew(&env, &ca, &["0AFF01"]).code(2);
    assert!(
        run.error_text()
            .contains("no certificate with serial `0AFF01`"),
        "{}",
        run.describe()
    );
    let run = renew(&env, &ca, &[p(&foreign.cert)]).code(2);
    assert!(
        run.error_text().contains(&format!(
            "certificate `{}` was not issued by this CA",
            p(&foreign.cert)
        )),
        "{}",
        run.describe()
    );
    // One error, as one `--json` line.
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.describe());
    // A certificate on hold is revoked until released.
    env.run(
        &ca.home,
        ["cert", "revoke", &b.serial, "--reason", "certificateHold"],
    )
    .success();
    renew(&env, &ca, &[&b.serial]).code(2);
    env.run(&ca.home, ["cert", "release", &b.serial]).success();
    assert_eq!(list(&env, &ca, &[]), before);

    // --revoke-old: the old one is revoked as superseded, after the new one is committed.
    let run = renew(&env, &ca, &[&b.serial, "--revoke-old"]).success();
    let new_serial = json_str(&run.json(), "serial");
    let listed = list(&env, &ca, &[]);
    assert_eq!(row(&listed, &b.serial)["status"], "revoked");
    assert_eq!(row(&listed, &b.serial)["reason"], "superseded");
    assert_eq!(row(&listed, &new_serial)["status"], "valid");
    env.run(&ca.home, ["audit", "verify"]).success();
}

#[test]
fn a_renewal_s_validity_is_bounded_like_an_issuance() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let old = env.issue(&ca, "a", "person", &subject_for("person"), &[], &[]);
    let run = renew(&env, &ca, &[&old.serial, "--validity", "30y"]).code(2);
    assert!(
        run.error_text()
            .contains("maximum of profile `person`, 1095 days"),
        "{}",
        run.describe()
    );
    let until = days_from_now(100);
    let run = renew(&env, &ca, &[&old.serial, "--not-after", &until]).success();
    assert_eq!(json_str(&run.json(), "not_after"), until);
}

/// In a governed home a renewal asks what an issuance of the same profile to the same subject
/// asks, role grants included (`ops::govern::RoleGrants`): a registration officer renews his
/// department's clerk but not a CA officer's certificate (exit 1, nothing issued); the CA
/// officer may; without an operator it is refused (exit 2). Run at the fixed office-hours clock.
#[test]
fn in_a_governed_home_a_renewal_is_asked_as_an_issuance() {
    use common::{CLOCK_OFFSET_VAR, GOVPKI_TEST_BIN, monday_10_shanghai_offset};
    let env = Env::new();
    let home = env.path("home");
    let run = |operator: Option<&Path>, args: &[&str]| -> (i32, String, String) {
        let mut cmd = std::process::Command::new(GOVPKI_TEST_BIN);
        if let Some(op) = operator {
            cmd.args(["--as", p(op), "--as-key", p(&op.with_extension("key"))])
                .args(["--domain", "intranet"]);
        }
        let out = cmd
            .args(args)
            .env(CLOCK_OFFSET_VAR, monday_10_shanghai_offset())
            .env("GOVPKI_HOME", &home)
            .env("GOVPKI_CACHE_DIR", env.path("policy-cache"))
            .env("NO_COLOR", "1")
            .env("USER", "govpki-test")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let person = |operator: Option<&Path>, name: &str, subject: &str| {
        let cert = env.path(&format!("{name}.pem"));
        let key = env.path(&format!("{name}.key"));
        let (code, out, err) = run(
            operator,
            &[
                "--json",
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
                p(&cert),
            ],
        );
        assert_eq!(code, 0, "{err}");
        let json: Value = serde_json::from_str(&out).unwrap();
        (cert, json_str(&json, "serial"))
    };
    let (code, _, err) = run(
        None,
        &[
            "ca",
            "init",
            "--subject",
            "CN=续期根CA,O=连云港市人民政府,C=CN",
            "--no-passphrase",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (officer, officer_serial) = person(
        None,
        "officer",
        "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
    );
    let (ra, _) = person(
        None,
        "ra",
        "CN=孙七,TITLE=注册管理员,OU=信息中心,O=连云港市人民政府,C=CN",
    );
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let (code, _, err) = run(None, &["ca", "policy", p(&policies)]);
    assert_eq!(code, 0, "{err}");
    let (_, clerk) = person(
        Some(&ra),
        "clerk",
        "CN=李雷,OU=信息中心,O=连云港市人民政府,C=CN",
    );

    let certs = || {
        let (_, out, _) = run(None, &["--json", "cert", "list"]);
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    let before = certs();
    // No operator: refused.
    let (code, _, err) = run(None, &["cert", "renew", &clerk]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--as"), "{err}");
    // The registration officer renewing a CA officer's certificate: denied by the role grants.
    let (code, _, err) = run(Some(&ra), &["cert", "renew", &officer_serial]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("dept/信息中心/role/ca-officer"), "{err}");
    assert_eq!(certs(), before);
    // His department's clerk: allowed, audited as his act.
    let (code, _, err) = run(Some(&ra), &["--json", "cert", "renew", &clerk]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(Some(&officer), &["cert", "renew", &officer_serial]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(certs(), before + 2);
    let (_, out, _) = run(None, &["--json", "audit", "show"]);
    let records: Value = serde_json::from_str(&out).unwrap();
    let renewal = records
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "cert.renew")
        .expect("a cert.renew record");
    assert!(
        renewal["actor"]
            .as_str()
            .unwrap()
            .starts_with("cert:CN=孙七"),
        "{renewal}"
    );
    let (code, _, err) = run(None, &["audit", "verify"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn the_rekey_flags_are_refused_alike_locally_and_over_the_service() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let old = env.issue(&ca, "old", "person", &subject_for("person"), &[], &[]);
    let (op_cert, op_key) = (env.write("op.pem", ""), env.write("op.key", ""));
    let key = env.path("new.key");
    let csr = env.path("new.csr");
    let cases: [(Vec<&str>, String); 4] = [
        (
            vec!["--rekey"],
            "--rekey needs --key-out F (a new key) or --csr F".into(),
        ),
        (
            vec!["--rekey", "--key-out", p(&key), "--out", p(&key)],
            format!("--out and --key-out name the same file `{}`", p(&key)),
        ),
        (
            vec!["--no-key-passphrase"],
            "--key-passphrase-file and --no-key-passphrase apply to --rekey --key-out".into(),
        ),
        (
            vec!["--rekey", "--csr", p(&csr), "--no-key-passphrase"],
            "--key-passphrase-file and --no-key-passphrase apply to --key-out, not --csr".into(),
        ),
    ];
    // Over --ca the refusal comes before anything is sent: nothing listens at that URL.
    let service = [
        "--ca",
        "https://127.0.0.1:9",
        "--ca-trust",
        p(&ca.cert),
        "--as",
        p(&op_cert),
        "--as-key",
        p(&op_key),
    ];
    let before = list(&env, &ca, &[]);
    for (extra, message) in &cases {
        for remote in [false, true] {
            let mut args: Vec<&str> = if remote { service.to_vec() } else { vec![] };
            args.extend(["cert", "renew", &old.serial]);
            args.extend(extra);
            let run = env.run(&ca.home, &args).code(2);
            assert_eq!(
                run.error_lines(),
                [format!("error: {message}")],
                "{}",
                run.describe()
            );
        }
    }
    assert!(!key.exists());
    assert_eq!(list(&env, &ca, &[]), before, "nothing was renewed");
}
