//! A home's own profiles in `cert issue --batch` rows (issue #12): a row names a home profile
//! (`$GOVPKI_HOME/profiles/NAME.yaml`) as `cert issue --profile` does, and gets its key usages,
//! extended key usages, SAN rules, maximum and default validity; the store and the audit log
//! record its name. Every row is still checked before anything is issued: a row past the home
//! profile's maximum, an unknown profile, a row missing the profile's required SAN refuse the
//! whole batch naming the file and the row, with nothing issued.

mod common;

use std::path::{Path, PathBuf};

use common::{Ca, Env, Run, json_str, list, p, require_tool, row, tool};

/// A clerk's certificate: based on `person`, half a year at most, an email SAN required.
const CLERK: &str = "\
basedOn: person
description: 办事员半年期证书
keyUsage: [digitalSignature]
extendedKeyUsage: [clientAuth, 1.2.156.10197.6.1]
maxValidity: 180d
sans: {required: [email], allowed: [email]}
";

const DEPT: &str = "OU=办公室,O=连云港市人民政府,C=CN";

fn home_with_clerk(env: &Env) -> Ca {
    let ca = env.root_ca("root", "p256", &[]);
    std::fs::create_dir(ca.home.join("profiles")).unwrap();
    std::fs::write(ca.home.join("profiles/clerk.yaml"), CLERK).unwrap();
    ca
}

fn batch(env: &Env, ca: &Ca, file: &Path, out_dir: &Path) -> Run {
    env.run(
        &ca.home,
        [
            "--json",
            "cert",
            "issue",
            "--batch",
            p(file),
            "--out-dir",
            p(out_dir),
            "--no-key-passphrase",
        ],
    )
}

/// Asserts a refused batch: exit 2, one error line naming the file and `row N` and saying
/// `what`, nothing issued (no certificate in the store, no file written).
#[track_caller]
fn refused(env: &Env, ca: &Ca, file: &Path, row_no: usize, what: &str) -> Run {
    let before = list(env, ca, &[]);
    let out_dir = env.path(&format!("refused-{row_no}"));
    let run = batch(env, ca, file, &out_dir).code(2);
    let text = run.error_text();
    assert!(
        text.contains(&format!("batch file `{}` row {row_no}", file.display())),
        "{}",
        run.describe()
    );
    assert!(text.contains(what), "{}", run.describe());
    assert_eq!(list(env, ca, &[]), before, "nothing is issued");
    assert!(
        !out_dir.exists() || std::fs::read_dir(&out_dir).unwrap().next().is_none(),
        "nothing is written"
    );
    run
}

/// The refusal of `file` in Chinese: one error line, in Chinese all the way (the row, the
/// profile's rule), saying `what`.
#[track_caller]
fn refused_in_chinese(env: &Env, ca: &Ca, file: &Path, row_no: usize, what: &str) {
    let run = env
        .run(
            &ca.home,
            [
                "--lang",
                "zh",
                "cert",
                "issue",
                "--batch",
                p(file),
                "--out-dir",
                p(&env.path("refused-zh")),
                "--no-key-passphrase",
            ],
        )
        .code(2);
    let line = run.stderr.lines().next().unwrap_or_default();
    assert!(
        line.starts_with(&format!(
            "错误：批量文件 `{}` 第 {row_no} 行：",
            file.display()
        )),
        "{}",
        run.describe()
    );
    assert!(line.contains(what), "{}", run.describe());
    let english = [
        "batch file",
        " row ",
        "profile `",
        "needs a",
        "does not allow",
        "unknown",
    ];
    assert!(
        !english.iter().any(|w| run.stderr.contains(w)),
        "English left in Chinese output\n{}",
        run.describe()
    );
}

fn days(from: &str, to: &str) -> i64 {
    let at = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
    };
    (at(to) - at(from)).whole_days()
}

#[test]
fn a_csv_batch_issues_the_home_profile_of_each_row() {
    let env = Env::new();
    let ca = home_with_clerk(&env);
    let file = env.write(
        "clerks.csv",
        format!(
            "subject,profile,san,validity\n\
             \"CN=甲,{DEPT}\",clerk,email:jia@example.gov.cn,\n\
             \"CN=乙,{DEPT}\",clerk,email:yi@example.gov.cn,90d\n\
             \"CN=丙,{DEPT}\",person,,\n"
        ),
    );
    let out_dir = env.path("issued");
    let lines = batch(&env, &ca, &file, &out_dir).success().json_lines();
    assert_eq!(lines.len(), 3);
    let profiles: Vec<String> = lines.iter().map(|l| json_str(l, "profile")).collect();
    assert_eq!(profiles, ["clerk", "clerk", "person"]);

    let listed = list(&env, &ca, &[]);
    for (l, profile) in lines.iter().zip(&profiles) {
        let serial = json_str(l, "serial");
        assert_eq!(&row(&listed, &serial)["profile"], profile.as_str());
    }
    // The audit log records the home profile's name, as a single issuance records it.
    let audit = env.run(&ca.home, ["--json", "audit", "show"]).success();
    let clerk_serial = json_str(&lines[0], "serial");
    assert!(
        audit
            .stdout
            .contains(&format!("{clerk_serial} clerk CN=甲")),
        "{}",
        audit.describe()
    );

    // The home profile's default validity (its maximum, 180 days, not the base's two years),
    // and a row's own validity under it.
    let certs: Vec<PathBuf> = lines
        .iter()
        .map(|l| PathBuf::from(json_str(l, "cert")))
        .collect();
    let shown = |cert: &Path| {
        env.run(&ca.home, ["--json", "cert", "show", p(cert)])
            .success()
            .json()
    };
    let first = shown(&certs[0]);
    assert_eq!(
        days(
            &json_str(&first, "not_before"),
            &json_str(&first, "not_after")
        ),
        180,
        "{first}"
    );
    let second = shown(&certs[1]);
    assert_eq!(
        days(
            &json_str(&second, "not_before"),
            &json_str(&second, "not_after")
        ),
        90,
        "{second}"
    );

    if require_tool("openssl") {
        let ext = |cert: &Path| {
            tool(
                "openssl",
                [
                    "x509",
                    "-in",
                    p(cert),
                    "-noout",
                    "-ext",
                    "keyUsage,extendedKeyUsage,subjectAltName",
                ],
            )
            .success()
            .stdout
        };
        for cert in &certs[..2] {
            let ext = ext(cert);
            assert!(ext.contains("TLS Web Client Authentication"), "{ext}");
            assert!(ext.contains("1.2.156.10197.6.1"), "{ext}");
            assert!(ext.contains("email:"), "{ext}");
            assert!(
                !ext.contains("E-mail Protection"),
                "the base's EKU is replaced\n{ext}"
            );
            assert!(
                !ext.contains("Non Repudiation"),
                "the base's key usage is replaced\n{ext}"
            );
        }
        // The built-in row keeps the built-in's usages.
        let person = ext(&certs[2]);
        assert!(person.contains("Non Repudiation"), "{person}");
        tool(
            "openssl",
            [
                "verify",
                "-CAfile",
                p(&ca.cert),
                "-purpose",
                "sslclient",
                p(&certs[0]),
            ],
        )
        .success();
    }
}

#[test]
fn a_row_past_the_home_profile_maximum_refuses_the_whole_batch() {
    let env = Env::new();
    let ca = home_with_clerk(&env);
    // 200 days is within the base's maximum (person) but past the clerk's 180.
    let file = env.write(
        "long.csv",
        format!(
            "subject,profile,san,validity\n\
             \"CN=甲,{DEPT}\",clerk,email:jia@example.gov.cn,\n\
             \"CN=乙,{DEPT}\",clerk,email:yi@example.gov.cn,200d\n"
        ),
    );
    refused(&env, &ca, &file, 2, "maximum of profile `clerk`, 180 days");
}

#[test]
fn an_unknown_profile_names_the_file_and_the_row() {
    let env = Env::new();
    let ca = home_with_clerk(&env);
    let file = env.write(
        "typo.csv",
        format!(
            "subject,profile,san\n\
             \"CN=甲,{DEPT}\",clerk,email:jia@example.gov.cn\n\
             \"CN=乙,{DEPT}\",person,\n\
             \"CN=丙,{DEPT}\",clerkk,email:bing@example.gov.cn\n"
        ),
    );
    let run = refused(&env, &ca, &file, 3, "unknown profile `clerkk`");
    refused_in_chinese(&env, &ca, &file, 3, "未知的模板 `clerkk`");
    // The same did-you-mean as `cert issue --profile clerkk`, the home's own names included.
    assert!(
        run.error_text().contains("did you mean `clerk`?"),
        "{}",
        run.describe()
    );
    // A name nothing is close to: the unknown-profile error of `cert issue`, naming where a
    // home profile would be.
    let file = env.write(
        "nosuch.yaml",
        format!(
            "- subject: \"CN=甲,{DEPT}\"\n  profile: person\n\
             - subject: \"CN=乙,{DEPT}\"\n  profile: person\n\
             - subject: \"CN=丙,{DEPT}\"\n  profile: archivist\n"
        ),
    );
    let run = refused(&env, &ca, &file, 3, "unknown profile `archivist`");
    assert!(
        run.error_text().contains("profiles/archivist.yaml"),
        "{}",
        run.describe()
    );
}

#[test]
fn a_row_missing_the_home_profile_required_san_is_refused() {
    let env = Env::new();
    let ca = home_with_clerk(&env);
    let file = env.write(
        "nosan.csv",
        format!(
            "subject,profile,san\n\
             \"CN=甲,{DEPT}\",clerk,email:jia@example.gov.cn\n\
             \"CN=乙,{DEPT}\",clerk,\n"
        ),
    );
    refused(&env, &ca, &file, 2, "profile `clerk` needs a email: SAN");
    refused_in_chinese(
        &env,
        &ca,
        &file,
        2,
        "模板 `clerk` 需要一个 email: 类型的 SAN",
    );
    let file = env.write(
        "uri.yaml",
        format!(
            "- subject: \"CN=甲,{DEPT}\"\n  profile: clerk\n  san: [\"email:jia@example.gov.cn\", \"uri:https://a.example\"]\n"
        ),
    );
    refused(
        &env,
        &ca,
        &file,
        1,
        "profile `clerk` does not allow SAN `uri:",
    );
    refused_in_chinese(&env, &ca, &file, 1, "模板 `clerk` 不允许 SAN `uri:");
}

/// `govpki-test` (the clock at a Monday 10:00 in Shanghai, inside the shipped policy's office
/// hours) on `home`: (exit code, stdout, stderr).
fn at_office_hours(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(common::GOVPKI_TEST_BIN)
        .args(args)
        .env(
            common::CLOCK_OFFSET_VAR,
            common::monday_10_shanghai_offset(),
        )
        .env("GOVPKI_HOME", home)
        .env("GOVPKI_NO_CACHE", "1")
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .env("USER", "govpki-test")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// The objects of the `authz.allow` records of a home's audit log, in order.
fn allows(home: &Path) -> Vec<String> {
    let (code, out, err) = at_office_hours(home, &["--json", "audit", "show"]);
    assert_eq!(code, 0, "{err}");
    let records: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    records
        .iter()
        .filter(|r| r["action"] == "authz.allow")
        .map(|r| r["object"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_governed_batch_asks_of_a_home_profile_what_cert_issue_asks() {
    let env = Env::new();
    let home = env.path("home");
    let ok = |args: &[&str]| {
        let (code, out, err) = at_office_hours(&home, args);
        assert_eq!(code, 0, "{args:?}\n{out}\n{err}");
        out
    };
    ok(&[
        "ca",
        "init",
        "--subject",
        "CN=连云港市电子政务根CA,O=连云港市人民政府,C=CN",
        "--no-passphrase",
    ]);
    for (name, subject) in [
        (
            "officer",
            "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        ),
        (
            "auditor",
            "CN=赵六,TITLE=审计员,OU=办公室,O=连云港市人民政府,C=CN",
        ),
    ] {
        ok(&[
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            subject,
            "--key-out",
            &env.path(&format!("{name}.key")).display().to_string(),
            "--no-key-passphrase",
            "--out",
            &env.path(&format!("{name}.pem")).display().to_string(),
        ]);
    }
    std::fs::create_dir(home.join("profiles")).unwrap();
    std::fs::write(home.join("profiles/clerk.yaml"), CLERK).unwrap();
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    ok(&["ca", "policy", p(&policies)]);
    let operator = |name: &str| {
        [
            "--as".to_string(),
            env.path(&format!("{name}.pem")).display().to_string(),
            "--as-key".to_string(),
            env.path(&format!("{name}.key")).display().to_string(),
            "--domain".to_string(),
            "intranet".to_string(),
        ]
    };
    let with = |name: &str, args: &[&str]| {
        let mut all: Vec<String> = operator(name).to_vec();
        all.extend(args.iter().map(|a| a.to_string()));
        at_office_hours(&home, &all.iter().map(String::as_str).collect::<Vec<_>>())
    };

    // One clerk certificate by `cert issue --profile clerk`: what it asks.
    let before = allows(&home).len();
    let key = env.path("one.key");
    let (code, _, err) = with(
        "officer",
        &[
            "cert",
            "issue",
            "--profile",
            "clerk",
            "--subject",
            &format!("CN=甲,{DEPT}"),
            "--san",
            "email:jia@example.gov.cn",
            "--key-out",
            p(&key),
            "--no-key-passphrase",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let single = allows(&home)[before..].to_vec();
    assert_eq!(single.len(), 1, "{single:?}");

    // The same row in a batch asks the same.
    let file = env.write(
        "clerks.csv",
        format!("subject,profile,san\n\"CN=甲,{DEPT}\",clerk,email:jia@example.gov.cn\n"),
    );
    let (code, out, err) = with(
        "officer",
        &[
            "--json",
            "cert",
            "issue",
            "--batch",
            p(&file),
            "--out-dir",
            &env.path("issued").display().to_string(),
            "--no-key-passphrase",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("\"profile\":\"clerk\""), "{out}");
    let batch = allows(&home)[before + 1..].to_vec();
    // The allow's object lists the asks: the issuance of the base profile to the department
    // and the roles the certificate would grant.
    assert_eq!(batch, single);
    assert!(
        single[0].contains("cert.issue dept/办公室/cert/person"),
        "a home profile is asked about as its base: {single:?}"
    );

    // An auditor may not issue: the whole batch is denied, nothing issued.
    let (code, out, err) = with(
        "auditor",
        &[
            "--json",
            "cert",
            "issue",
            "--batch",
            p(&file),
            "--out-dir",
            &env.path("denied").display().to_string(),
            "--no-key-passphrase",
        ],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        !env.path("denied").exists()
            || std::fs::read_dir(env.path("denied"))
                .unwrap()
                .next()
                .is_none()
    );
}
