//! Issue #12, "no validity is ever cut silently": on every path that makes a certificate or a
//! seal, an end that was asked for past the issuer's own notAfter is refused with exit 2 and a
//! one-line error naming both dates and a hint, and leaves no trace (no new row in the store, no
//! new audit record, no key or output file); only a default nobody asked for ends with the
//! issuer, and says so (a warning, `fitted_to_ca_end` in `--json`).
//!
//! Paths: `cert issue` (`--validity`, `--not-after`), `cert renew`, `cert issue --batch` (every
//! row checked before anything is issued), `ca init --parent`, `seal create --valid-until`, and
//! issuance through `govpki serve` by the CLI over `--ca` (one certificate and a batch).

mod common;

use serde_json::Value;

use common::remote;
use common::{Ca, Env, Run, days_from_now, json_str, list, p, subject_for};

fn audit_len(env: &Env, ca: &Ca) -> usize {
    env.run(&ca.home, ["--json", "audit", "show"])
        .success()
        .json()
        .as_array()
        .expect("audit show --json is an array")
        .len()
}

/// What a refusal must leave unchanged: the store's rows and the audit log.
fn trace(env: &Env, ca: &Ca) -> (Value, usize) {
    (list(env, ca, &[]), audit_len(env, ca))
}

fn ca_not_after(env: &Env, ca: &Ca) -> String {
    let shown = env
        .run(&ca.home, ["--json", "cert", "show", p(&ca.cert)])
        .success()
        .json();
    json_str(&shown, "not_after")
}

/// `cert issue --profile person` with a generated key `NAME.key`, `--json`.
fn issue(env: &Env, ca: &Ca, name: &str, extra: &[&str]) -> Run {
    let key = env.path(&format!("{name}.key"));
    let subject = subject_for("person");
    let mut args = vec![
        "--json",
        "cert",
        "issue",
        "--profile",
        "person",
        "--subject",
        &subject,
        "--key-out",
        p(&key),
        "--no-key-passphrase",
    ];
    args.extend_from_slice(extra);
    env.run(&ca.home, &args)
}

/// The refusal names the asked end, the CA's end and a way out, on one line (a `--json` run's
/// error is JSON on stdout).
fn assert_refused_past(run: &Run, ca_end: &str, whose: &str) {
    let text = run.all_output();
    assert!(
        text.contains(&format!("after the {whose} own notAfter `{ca_end}`"))
            && text.contains("the validity would end at `"),
        "the refusal names both dates\n{}",
        run.describe()
    );
    assert!(text.contains("renew the"), "a hint\n{}", run.describe());
    assert!(!run.stderr.contains("warning:"), "{}", run.describe());
}

#[test]
fn cert_issue_and_renew_refuse_an_asked_end_past_the_ca_s_and_fit_only_the_default() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &["--validity", "1y"]);
    let ca_end = ca_not_after(&env, &ca);
    let before = trace(&env, &ca);

    for (name, asked) in [
        ("v", vec!["--validity", "2y"]),
        ("na", vec!["--not-after", &days_from_now(400)]),
    ] {
        let run = issue(&env, &ca, name, &asked).code(2);
        assert_refused_past(&run, &ca_end, "CA's");
        assert!(!env.path(&format!("{name}.key")).exists());
    }
    assert_eq!(trace(&env, &ca), before);

    // Nothing asked: the profile's default (2 years) ends with the CA, and says so.
    let run = issue(&env, &ca, "d", &[]).success();
    let json = run.json();
    assert_eq!(json_str(&json, "not_after"), ca_end);
    assert_eq!(json["fitted_to_ca_end"], true);
    assert!(
        run.stderr
            .contains("warning: the profile's default validity would pass the CA's own notAfter")
            && run.stderr.contains(&format!("at `{ca_end}`")),
        "{}",
        run.describe()
    );
    // Asked and within the CA: exactly as asked, no warning.
    let run = issue(&env, &ca, "short", &["--validity", "30d"]).success();
    assert_eq!(run.json()["fitted_to_ca_end"], false);
    assert!(!run.stderr.contains("warning:"), "{}", run.describe());
    let serial = json_str(&run.json(), "serial");

    // `cert renew`: the same rule.
    let before = trace(&env, &ca);
    let run = env
        .run(
            &ca.home,
            ["--json", "cert", "renew", &serial, "--validity", "2y"],
        )
        .code(2);
    assert_refused_past(&run, &ca_end, "CA's");
    assert_eq!(trace(&env, &ca), before);
    let run = env
        .run(&ca.home, ["--json", "cert", "renew", &serial])
        .success();
    assert_eq!(json_str(&run.json(), "not_after"), ca_end);
    assert_eq!(run.json()["fitted_to_ca_end"], true);
    assert!(run.stderr.contains("warning:"), "{}", run.describe());
}

#[test]
fn a_batch_with_one_row_past_a_bound_issues_nothing_and_names_the_row() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &["--validity", "1y"]);
    let ca_end = ca_not_after(&env, &ca);
    let before = trace(&env, &ca);
    let row = |i: usize, validity: Option<&str>| {
        let mut r = format!(
            "- subject: CN=批次{i},{}\n  profile: person\n",
            common::DEPT
        );
        if let Some(v) = validity {
            r.push_str(&format!("  validity: {v}\n"));
        }
        r
    };
    let out_dir = env.path("issued");
    let batch = |name: &str, rows: &[Option<&str>]| -> Run {
        let yaml: String = rows.iter().enumerate().map(|(i, v)| row(i, *v)).collect();
        let file = env.write(name, yaml);
        env.run(
            &ca.home,
            [
                "--json",
                "cert",
                "issue",
                "--batch",
                p(&file),
                "--out-dir",
                p(&out_dir),
                "--no-key-passphrase",
            ],
        )
    };

    // Row 2 asks past the CA's end, row 3 past the profile's maximum: exit 2 on row 2 before
    // rows 1 (fine) or 3 are issued; nothing is written, stored or audited.
    let run = batch("past.yaml", &[Some("30d"), Some("2y"), Some("30y")]).code(2);
    assert_refused_past(&run, &ca_end, "CA's");
    let text = run.all_output();
    assert!(
        text.contains("past.yaml` row 2: the validity would end at"),
        "{}",
        run.describe()
    );
    assert!(text.contains("give row 2 a validity"), "{}", run.describe());
    assert!(run.stdout.lines().all(|l| !l.contains("\"serial\"")));
    assert!(!out_dir.exists() || std::fs::read_dir(&out_dir).unwrap().next().is_none());
    assert_eq!(trace(&env, &ca), before);
    let run = batch("long.yaml", &[Some("30d"), Some("30y")]).code(2);
    assert!(
        run.all_output()
            .contains("long.yaml` row 2: a validity of 10950 days exceeds the maximum of profile `person`, 1095 days"),
        "{}",
        run.describe()
    );
    assert_eq!(trace(&env, &ca), before);

    // Rows that ask nothing end with the CA, with one warning naming them.
    let run = batch("default.yaml", &[None, Some("30d"), None]).success();
    let lines = run.json_lines();
    assert_eq!(lines.len(), 3, "{}", run.describe());
    let fitted: Vec<bool> = lines
        .iter()
        .map(|l| l["fitted_to_ca_end"].as_bool().unwrap())
        .collect();
    assert_eq!(fitted, [true, false, true]);
    assert_eq!(json_str(&lines[0], "not_after"), ca_end);
    assert!(
        run.stderr
            .contains("default.yaml` row 1, 3: the profile's default validity"),
        "{}",
        run.describe()
    );
}

#[test]
fn ca_init_parent_refuses_an_asked_validity_past_the_parent_s_and_fits_the_default() {
    let env = Env::new();
    let root = env.root_ca("root", "p256", &["--validity", "1y"]);
    let root_end = ca_not_after(&env, &root);
    let before = trace(&env, &root);
    let sub_home = env.path("sub");
    let subject = format!("CN=业务CA,{}", common::ORG);
    let init = |extra: &[&str]| {
        let mut args = vec![
            "--json",
            "ca",
            "init",
            "--subject",
            &subject,
            "--parent",
            p(&root.home),
            "--no-passphrase",
        ];
        args.extend_from_slice(extra);
        env.run(&sub_home, &args)
    };
    let run = init(&["--validity", "2y"]).code(2);
    assert_refused_past(&run, &root_end, "parent CA's");
    assert!(!sub_home.join("private").exists(), "{}", run.describe());
    assert_eq!(trace(&env, &root), before);

    // The default (10 years) ends with the parent, with a warning.
    let run = init(&[]).success();
    assert!(
        run.stderr
            .contains("warning: the default validity would pass the parent CA's own notAfter")
            && run.stderr.contains(&format!("at `{root_end}`")),
        "{}",
        run.describe()
    );
    let sub = Ca::at(sub_home);
    assert_eq!(ca_not_after(&env, &sub), root_end);
}

#[test]
fn seal_create_refuses_a_valid_until_past_the_maker_s_end() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &["--validity", "1y"]);
    let ca_end = ca_not_after(&env, &ca);
    let holder = env.issue(
        &ca,
        "holder",
        "seal",
        &format!("CN=李四,OU=办公室,{}", common::ORG),
        &[],
        &["--validity", "30d"],
    );
    let before = audit_len(&env, &ca);
    let out = env.path("office.esl");
    let create = |until: &str| {
        env.run(
            &ca.home,
            [
                "seal",
                "create",
                "--name",
                "连云港市人民政府办公室",
                "--type",
                "official",
                "--department",
                "办公室",
                "--holder-cert",
                p(&holder.cert),
                "--render",
                "--valid-until",
                until,
                "--out",
                p(&out),
            ],
        )
    };
    for until in ["2y".to_string(), days_from_now(400)] {
        let run = create(&until).code(2);
        assert!(
            run.stderr.contains(&format!(
                "is after the seal maker's own notAfter `{ca_end}`"
            )) && run.stderr.contains("--valid-until `"),
            "{}",
            run.describe()
        );
        assert!(
            run.stderr.contains("hint: ask for --valid-until"),
            "{}",
            run.describe()
        );
        assert!(!out.exists());
        assert_eq!(audit_len(&env, &ca), before);
    }
    create(&ca_end).success();
    assert!(out.exists());
}

/// The governed home's certificates and audit records.
fn served_trace(env: &remote::Env) -> (String, usize) {
    let certs = env.ok("home", &["--json", "cert", "list"]);
    let audit = remote::json(&env.ok("home", &["--json", "audit", "show"]));
    (certs, audit.as_array().unwrap().len())
}

#[test]
fn through_the_service_an_asked_end_past_the_ca_s_is_refused_and_a_default_fitted() {
    // The governed home (the shipped policy, at its office hours) whose root ends in a year,
    // its operators' and TLS certificates within it, served on loopback; the client runs in a
    // home of its own.
    let env = remote::Env::governed_with(&["--validity", "1y"], &["--validity", "30d"], |_| {});
    let shown = remote::json(&env.ok("home", &["--json", "cert", "show", &env.p("home/ca.pem")]));
    let ca_end = json_str(&shown, "not_after");

    let server = env.serve();
    let url = server.url("intranet").to_string();
    let issue = |name: &str, extra: &[&str]| {
        let key = env.p(&format!("{name}.key"));
        let mut args = vec![
            "--json",
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            remote::CLERK,
            "--key-out",
            &key,
            "--no-key-passphrase",
        ];
        args.extend_from_slice(extra);
        env.remote(&url, "officer", &args)
    };

    // Asked past the CA's end: exit 2 with the server's error naming both dates and its hint;
    // the key made for it is removed; nothing stored or audited on the server.
    let before = served_trace(&env);
    let (code, out, err) = issue("past", &["--validity", "2y"]);
    assert_eq!(code, 2, "{out}\n{err}");
    let text = format!("{out}{err}");
    assert!(
        text.contains(&format!("after the CA's own notAfter `{ca_end}`"))
            && text.contains("the validity would end at `")
            && text.contains("renew the CA"),
        "{text}"
    );
    assert!(!env.path("past.key").exists());
    assert_eq!(served_trace(&env), before);

    // Nothing asked: the default ends with the CA; the server's warning reaches the client.
    let (code, out, err) = issue("fitted", &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let json = remote::json(&out);
    assert_eq!(json_str(&json, "not_after"), ca_end);
    assert_eq!(json["fitted_to_ca_end"], true);
    assert!(
        err.contains("warning: the profile's default validity would pass the CA's own notAfter"),
        "{err}"
    );

    // A batch with one row past the CA's end: refused on the client before any row is sent.
    let before = served_trace(&env);
    let batch = env.path("batch.yaml");
    std::fs::write(
        &batch,
        "- subject: CN=批次一,OU=财政局,O=连云港市人民政府,C=CN\n  profile: person\n  validity: 30d\n\
         - subject: CN=批次二,OU=财政局,O=连云港市人民政府,C=CN\n  profile: person\n  validity: 2y\n",
    )
    .unwrap();
    let (code, out, err) = env.remote(
        &url,
        "officer",
        &[
            "--json",
            "cert",
            "issue",
            "--batch",
            batch.to_str().unwrap(),
            "--out-dir",
            &env.p("out"),
            "--no-key-passphrase",
        ],
    );
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        format!("{out}{err}").contains("batch.yaml` row 2: the validity would end at"),
        "{out}\n{err}"
    );
    assert!(!out.contains("\"serial\""), "{out}");
    assert_eq!(served_trace(&env), before);
    drop(server);
}
