//! Chinese all the way (issue #12): about thirty representative commands run with `--lang zh`
//! (reports, verdicts, failures, errors, hints and clap's own errors, in a temporary home the
//! commands build themselves), and no line of what they print may carry an English sentence.
//!
//! The heuristic: a run of three or more ASCII words of letters in a row, separated by single
//! spaces, is a sentence. What is English on purpose is not a word here: DNs (`CN=...`), OIDs,
//! paths, serials, URLs and hashes all hold a digit, `=`, `/` or `.`; values in backticks or
//! quotes (paths, rule ids, flags as clap quotes them) are cut before the check. What remains
//! English knowingly is in [`ALLOWED`], each with its reason.

mod common;

use std::path::{Path, PathBuf};

use common::{Env, Run, seal};

const ROOT_DN: &str = "CN=测试根CA,O=连云港市人民政府,C=CN";
const OTHER_DN: &str = "CN=另一根CA,O=连云港市人民政府,C=CN";
const HOLDER_DN: &str = "CN=李四,OU=办公室,O=连云港市人民政府,C=CN";
const PERSON_DN: &str = "CN=王五,OU=财政局,O=连云港市人民政府,C=CN";
const DEPT_DN: &str = "CN=信息中心,OU=信息中心,O=连云港市人民政府,C=CN";

/// English left in Chinese output on purpose, cut from a line before the check, with the
/// reason. (Lists such as `digitalSignature, nonRepudiation` or clap's `[可选值：...]` need no
/// entry: a comma ends a run, and a list of identifiers is no sentence.)
const ALLOWED: &[(&str, &str)] = &[
    // The X.509 extended key usage names are identifiers (RFC 5280 §4.2.1.12), printed as
    // `openssl x509 -text` and the GB/T texts print them.
    ("clientAuth", "an RFC 5280 identifier"),
    // The weekday that `authz` puts after a local time (`2026-12-05 10:00:00 Sat`), which the
    // time-window rules of a policy are written against (`days: [mon, tue, ...]`).
    (" Sat", "the policy's weekday abbreviation"),
];

/// The words of `line` that make an English sentence, if any.
fn english_sentence(line: &str) -> Option<String> {
    let mut text = line.to_string();
    for (allowed, _why) in ALLOWED {
        text = text.replace(allowed, " ");
    }
    let text = cut_quoted(&text);
    let mut run: Vec<&str> = Vec::new();
    let mut worst: Vec<&str> = Vec::new();
    for token in text.split(' ') {
        let word = token
            .trim_start_matches('(')
            .trim_end_matches([',', '.', ';', ':', ')']);
        let is_word = !word.is_empty()
            && word.starts_with(|c: char| c.is_ascii_alphabetic())
            && word
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '\'');
        if is_word {
            run.push(word);
            if run.len() > worst.len() {
                worst = run.clone();
            }
        }
        if !is_word || token.ends_with(',') {
            run.clear();
        }
    }
    (worst.len() >= 3).then(|| worst.join(" "))
}

/// `line` with what is in backticks or single quotes replaced by a placeholder: values, not
/// prose (a path, a rule id, a flag as clap quotes it).
fn cut_quoted(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push('#');
            }
            Some(_) => {}
            None if c == '`' || c == '\'' => quote = Some(c),
            None => out.push(c),
        }
    }
    out
}

struct Home {
    env: Env,
    home: PathBuf,
}

impl Home {
    fn setup(&self, args: &[&str]) -> Run {
        let run = self.env.run(&self.home, args);
        assert_eq!(run.code, Some(0), "setup: {}", run.describe());
        run
    }

    /// `govpki --lang zh ARGS` with the expected exit code.
    fn zh(&self, args: &[&str], code: i32) -> Run {
        let mut all = vec!["--lang", "zh"];
        all.extend_from_slice(args);
        let run = self.env.run(&self.home, &all);
        assert!(!run.stderr.contains("panicked"), "{}", run.describe());
        assert_eq!(run.code, Some(code), "{}", run.describe());
        run
    }
}

/// A CA with a seal holder, a person and a department; the office's seal; two signed
/// documents, one changed after signing; the person revoked (keyCompromise) and a CRL; another
/// CA's certificate; a file that is no certificate.
fn home() -> Home {
    let env = Env::new();
    let h = Home {
        home: env.path("home"),
        env,
    };
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    std::fs::create_dir_all(h.env.path("policies")).unwrap();
    for f in ["roles.yaml", "bindings.yaml", "restrictions.yaml"] {
        std::fs::copy(policies.join(f), h.env.path("policies").join(f)).unwrap();
    }
    seal::office(&h.env, ROOT_DN, HOLDER_DN, false);
    let issue = |profile: &str, dn: &str, name: &str| {
        let key = format!("{name}.key");
        let out = format!("{name}.pem");
        h.setup(&[
            "-q",
            "cert",
            "issue",
            "--profile",
            profile,
            "--subject",
            dn,
            "--key-out",
            &key,
            "--no-key-passphrase",
            "--out",
            &out,
        ]);
    };
    issue("person", PERSON_DN, "person");
    issue("department", DEPT_DN, "dept");
    h.env
        .write("doc.txt", "关于召开2026年度工作会议的通知\n".repeat(20));
    h.env.write(
        "tampered.txt",
        "关于召开2026年度工作会议的通知\n".repeat(20),
    );
    for doc in ["doc.txt", "tampered.txt"] {
        seal::sign(&h.env, &h.home, &[doc]);
    }
    h.env.write(
        "tampered.txt",
        "关于召开2027年度工作会议的通知\n".repeat(20),
    );
    h.setup(&[
        "-q",
        "cert",
        "revoke",
        "person.pem",
        "--reason",
        "keyCompromise",
    ]);
    h.setup(&["-q", "crl", "generate", "--out", "root.crl"]);
    let other = h.env.path("other");
    let run = h.env.run(
        &other,
        ["-q", "ca", "init", "--subject", OTHER_DN, "--no-passphrase"],
    );
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let run = h
        .env
        .run(&other, ["-q", "crl", "generate", "--out", "other.crl"]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    let pem = h.env.run(&other, ["ca", "show"]).stdout;
    h.env.write("other.pem", pem);
    h.env.write("bad.pem", "this is not a certificate\n");
    h.env.write(
        "b64.pem",
        "-----BEGIN CERTIFICATE-----\n!!!notbase64\n-----END CERTIFICATE-----\n",
    );
    h
}

const KEEPER: &[&str] = &[
    "--subject",
    "cn=周洁",
    "--subject",
    "department=财政局",
    "--subject",
    "organization=连云港市人民政府",
    "--subject",
    "title=印章保管员",
];

fn authz(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["authz", "check", "--policy", "policies"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn chinese_output_carries_no_english_sentence() {
    let h = home();
    let mut runs: Vec<Run> = Vec::new();
    let mut zh = |args: &[&str], code: i32| runs.push(h.zh(args, code));
    // seal verify: valid, invalid, a batch, an unreadable document.
    zh(&["seal", "verify", "doc.txt"], 0);
    zh(&["seal", "verify", "tampered.txt"], 1);
    zh(&["seal", "verify", "doc.txt", "tampered.txt"], 1);
    zh(&["seal", "verify", "missing.txt"], 2);
    // cert verify: valid with a CRL, revoked, not checked, undecided, malformed, untrusted.
    zh(&["cert", "verify", "dept.pem", "--crl", "root.crl"], 0);
    zh(&["cert", "verify", "person.pem", "--crl", "root.crl"], 1);
    zh(&["cert", "verify", "person.pem"], 0);
    zh(&["cert", "verify", "bad.pem"], 2);
    zh(&["cert", "verify", "dept.pem", "--trust", "other.pem"], 1);
    zh(&["cert", "verify", "dept.pem", "--crl", "other.crl"], 3);
    // cert verify FILE...: all valid; the summary, the reports, an unreadable and a missing
    // file, the tally.
    zh(
        &[
            "cert", "verify", "dept.pem", "dept.pem", "--crl", "root.crl",
        ],
        0,
    );
    zh(
        &[
            "cert",
            "verify",
            "dept.pem",
            "person.pem",
            "bad.pem",
            "missing.pem",
            "--crl",
            "root.crl",
        ],
        2,
    );
    // cert show, cert list, crl show.
    zh(&["cert", "show", "person.pem"], 0);
    zh(&["cert", "show", "dept.pem"], 0);
    zh(&["cert", "show", "nothing.pem"], 2);
    zh(&["cert", "show", "bad.pem"], 2);
    zh(&["cert", "list"], 0);
    zh(&["cert", "list", "--expiring", "3650d"], 0);
    zh(&["cert", "list", "--expiring", "1d"], 0);
    zh(&["crl", "show", "root.crl"], 0);
    zh(&["crl", "show", "bad.pem"], 2);
    // audit verify.
    zh(&["audit", "verify"], 0);
    // authz check: allowed with --explain, denied by time, by a deny rule, by separation of
    // duty.
    let allow = authz(&[
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
    let mut time = authz(KEEPER);
    time.extend(
        [
            "--action",
            "seal.apply",
            "--resource",
            "dept/财政局/seal/finance",
            "--context",
            "domain=intranet",
            "--context",
            "time=2026-12-05T10:00:00+08:00",
            "--explain",
        ]
        .map(String::from),
    );
    // A staff member whose clearance is below the document's level.
    let clearance = authz(&[
        "--explain",
        "--subject",
        "department=财政局",
        "--subject",
        "organization=连云港市人民政府",
        "--subject",
        "title=工作人员",
        "--subject",
        "clearance=internal",
        "--action",
        "doc.read",
        "--resource",
        "dept/财政局/doc/2026-100",
        "--context",
        "domain=intranet",
        "--context",
        "level=secret",
    ]);
    let mut internet = authz(KEEPER);
    internet.extend(
        [
            "--action",
            "seal.apply",
            "--resource",
            "dept/财政局/seal/finance",
            "--context",
            "domain=internet",
            "--context",
            "time=2026-12-01T10:00:00+08:00",
        ]
        .map(String::from),
    );
    let sod = authz(&[
        "--explain",
        "--subject",
        "serial=4A:2F:00:91",
        "--subject",
        "title=审计员",
        "--action",
        "audit.read",
        "--resource",
        "ca/root",
    ]);
    for (args, code) in [
        (allow, 0),
        (time, 1),
        (clearance, 1),
        (internet, 1),
        (sod, 1),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        zh(&args, code);
    }
    // Common errors and hints.
    let reissue = [
        "cert",
        "issue",
        "--profile",
        "person",
        "--subject",
        PERSON_DN,
        "--key-out",
        "person.key",
        "--no-key-passphrase",
        "--out",
        "person.pem",
    ];
    zh(&reissue, 2);
    zh(&["ca", "init", "--subject", ROOT_DN, "--no-passphrase"], 2);
    zh(&["cert", "revoke", "00FF", "--reason", "keyCompromise"], 2);
    zh(&["seal", "verify", "doc.txt", "--trust", "bad.pem"], 2);
    zh(&["cert", "show", "b64.pem"], 2);
    zh(&["cert", "verify", "holder.key"], 2);
    zh(
        &[
            "cert",
            "issue",
            "--profile",
            "persn",
            "--subject",
            PERSON_DN,
        ],
        2,
    );
    zh(
        &[
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            PERSON_DN,
        ],
        2,
    );
    zh(&["cert", "revoke", "00FF", "--reason", "bogus"], 2);
    zh(
        &["cert", "revoke", "person.pem", "--reason", "superseded"],
        2,
    );
    zh(&["cert", "list", "--expiring", "5x"], 2);
    zh(
        &["cert", "issue", "--profile", "person", "--subject", "王五"],
        2,
    );
    // clap's own errors.
    zh(&["cert", "nosuch"], 2);
    zh(&["cert", "show", "--bogus"], 2);
    // A CA governed by the shipped policy: an officer denied from the Internet, and without a
    // domain (fail closed, with the hint); then the audit log tampered with.
    let gov = h.env.path("gov");
    let in_gov = |args: &[&str]| h.env.run(&gov, args);
    let ok = |run: Run| assert_eq!(run.code, Some(0), "{}", run.describe());
    ok(in_gov(&[
        "-q",
        "ca",
        "init",
        "--subject",
        OTHER_DN,
        "--no-passphrase",
    ]));
    let officer = "CN=赵六,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN";
    ok(in_gov(&[
        "-q",
        "cert",
        "issue",
        "--profile",
        "person",
        "--subject",
        officer,
        "--key-out",
        "officer.key",
        "--no-key-passphrase",
        "--out",
        "officer.pem",
    ]));
    ok(in_gov(&["-q", "ca", "policy", "policies"]));
    let as_officer = ["--as", "officer.pem", "--as-key", "officer.key"];
    let mut denied = |extra: &[&str]| {
        let mut args = vec!["--lang", "zh"];
        args.extend(as_officer);
        args.extend(extra);
        let run = in_gov(&args);
        assert_eq!(run.code, Some(1), "{}", run.describe());
        runs.push(run);
    };
    denied(&["--domain", "internet", "crl", "generate", "--out", "g.crl"]);
    denied(&["crl", "generate", "--out", "g.crl"]);
    let db = rusqlite::Connection::open(gov.join("govpki.db")).unwrap();
    db.execute_batch("UPDATE audit SET outcome = 'forged' WHERE seq = 2")
        .unwrap();
    let run = in_gov(&["--lang", "zh", "audit", "verify"]);
    assert_eq!(run.code, Some(1), "{}", run.describe());
    runs.push(run);
    let mut zh = |args: &[&str], code: i32| runs.push(h.zh(args, code));
    // The seal's holder revoked after signing: the chain check fails with the reason.
    h.setup(&[
        "-q",
        "cert",
        "revoke",
        "holder.pem",
        "--reason",
        "keyCompromise",
    ]);
    zh(&["seal", "verify", "doc.txt"], 1);
    // The other verbs (issue #12): seal show of a seal, a .p7s and a GB/T 38540 .ses; the
    // success lines of seal create, sign, revoke and status-list, csr create and ca policy;
    // audit show and cert profiles.
    h.setup(&[
        "-q",
        "cert",
        "issue",
        "--profile",
        "seal",
        "--subject",
        "CN=孙七,OU=财政局,O=连云港市人民政府,C=CN",
        "--key-out",
        "keeper.key",
        "--no-key-passphrase",
        "--out",
        "keeper.pem",
    ]);
    let finance = [
        "seal",
        "create",
        "--name",
        "连云港市财政局",
        "--type",
        "finance",
        "--department",
        "财政局",
        "--holder-cert",
        "keeper.pem",
        "--out",
        "finance.esl",
    ];
    zh(&finance, 0);
    h.env.write("budget.txt", "2027年度预算\n");
    let sign = [
        "seal",
        "sign",
        "--seal",
        "finance.esl",
        "--key",
        "keeper.key",
        "--cert",
        "keeper.pem",
        "budget.txt",
    ];
    zh(&sign, 0);
    zh(&["seal", "show", "finance.esl"], 0);
    zh(&["seal", "show", "budget.txt.p7s"], 0);
    let ses = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/gbt38540/ofd/gomain-v4/SignedValue.dat");
    zh(&["seal", "show", &ses.display().to_string()], 0);
    zh(&["seal", "revoke", "finance.esl", "--reason", "lost"], 0);
    zh(&["seal", "show", "finance.esl"], 0);
    zh(&["seal", "status-list", "--out", "seals.pem"], 0);
    zh(&["seal", "show", "seals.pem"], 0);
    let csr = [
        "csr",
        "create",
        "--subject",
        PERSON_DN,
        "--key-out",
        "wang.key",
        "--no-passphrase",
        "--out",
        "wang.csr",
    ];
    zh(&csr, 0);
    zh(&["audit", "show"], 0);
    zh(&["cert", "profiles"], 0);
    let gov2 = h.env.path("gov2");
    for args in [
        vec!["-q", "ca", "init", "--subject", OTHER_DN, "--no-passphrase"],
        vec![
            "-q",
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            officer,
            "--key-out",
            "officer2.key",
            "--no-key-passphrase",
            "--out",
            "officer2.pem",
        ],
    ] {
        let run = h.env.run(&gov2, &args);
        assert_eq!(run.code, Some(0), "{}", run.describe());
    }
    let run = h
        .env
        .run(&gov2, ["--lang", "zh", "ca", "policy", "policies"]);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    runs.push(run);
    assert!(runs.len() >= 30, "{} runs", runs.len());

    let mut english = Vec::new();
    for run in &runs {
        // `I18N_COVERAGE_DUMP=1 cargo test --test i18n_coverage -- --nocapture` shows them all.
        if std::env::var_os("I18N_COVERAGE_DUMP").is_some() {
            eprintln!("=== {}\n{}{}", run.args.join(" "), run.stdout, run.stderr);
        }
        for line in run.stdout.lines().chain(run.stderr.lines()) {
            if let Some(words) = english_sentence(line) {
                english.push(format!(
                    "govpki {}\n    {line}\n    ({words})",
                    run.args.join(" ")
                ));
            }
        }
    }
    // `--json` is never translated: the same document whatever the language.
    let mut deny = vec!["--json"];
    deny.extend(["authz", "check", "--policy", "policies"]);
    deny.extend(KEEPER);
    deny.extend([
        "--action",
        "seal.apply",
        "--resource",
        "dept/财政局/seal/finance",
    ]);
    deny.extend(["--context", "domain=internet"]);
    for args in [
        vec!["--json", "cert", "show", "person.pem"],
        vec!["--json", "crl", "show", "root.crl"],
        vec!["--json", "seal", "show", "budget.txt.p7s"],
        vec!["--json", "cert", "profiles"],
        vec![
            "--json",
            "cert",
            "verify",
            "person.pem",
            "--crl",
            "root.crl",
        ],
        deny,
    ] {
        let en = h.env.run(&h.home, &args);
        let mut zh_args = vec!["--lang", "zh"];
        zh_args.extend(&args);
        let zh = h.env.run(&h.home, &zh_args);
        // The two runs judge at their own clock: a verification time may differ by a second.
        assert_eq!(
            untimed(&zh.stdout),
            untimed(&en.stdout),
            "{}",
            zh.describe()
        );
        assert!(!en.stdout.is_empty(), "{}", en.describe());
    }
    assert!(
        english.is_empty(),
        "{} lines of Chinese output carry English:\n{}",
        english.len(),
        english.join("\n")
    );
    // The standards' terms (RFC 5280 reasons as GB/T 20518 names them, the security domains
    // and levels of the policy), where the English said the identifiers.
    let said = |args: &str, term: &str| {
        let run = runs
            .iter()
            .find(|r| r.args.join(" ").contains(args))
            .unwrap_or_else(|| panic!("no run `{args}`"));
        assert!(
            run.stdout.contains(term) || run.stderr.contains(term),
            "`{args}` does not say {term}: {}",
            run.describe()
        );
    };
    said("crl show root.crl", "密钥泄露");
    said("cert show person.pem", "已于");
    said("cert verify person.pem --crl", "密钥泄露");
    said("--crl other.crl", "所给 CRL 均不覆盖它");
    said("level=secret", "涉密资格 `内部` 低于密级 `秘密`");
    said("officer.key crl generate", "安全域属于 [互联网]");
    said("cert list --expiring 3650d", "剩余天数");
    // The labels and lines of the other verbs (issue #12), which the heuristic alone misses.
    said(
        "seal create --name 连云港市财政局",
        "已制作财务专用章 `连云港市财政局`",
    );
    said("seal sign --seal finance.esl", "已签章 `budget.txt`");
    said(
        "seal show finance.esl",
        "类型：         财务专用章（类型代码 2）",
    );
    said(
        "seal show finance.esl",
        "制章资格：     本机构体系内的制章机构",
    );
    said("seal show budget.txt.p7s", "签章时间：     ");
    said("seal show budget.txt.p7s", "（签章人声称）");
    said("SignedValue.dat", "SES_Signature 第 4 版（GB/T 38540）");
    said("seal revoke finance.esl", "已吊销印章");
    said("seal status-list", "已发布印章状态列表");
    said("seal show seals.pem", "印章状态列表");
    said("csr create", "已写入私钥 `wang.key`");
    said("cert profiles", "内置                 最长 7300 天");
    said("ca policy policies", "本 CA 现由策略");
}

#[test]
fn the_heuristic_finds_sentences_and_spares_names() {
    assert_eq!(
        english_sentence("  通过  签章人证书链   signer: chain valid, not revoked").as_deref(),
        Some("signer chain valid")
    );
    assert_eq!(english_sentence("错误：`a.pem` already exists"), None);
    assert_eq!(
        english_sentence("错误：`a b c` 已存在，CN=Root CA,O=x,C=CN http://a.b/c.crl"),
        None
    );
    assert_eq!(english_sentence("密钥：          ECDSA P-256"), None);
    assert!(english_sentence("hint: pass --force to replace it").is_some());
    // A list of identifiers is no sentence.
    assert_eq!(
        english_sentence("  [可选值：unspecified, keyCompromise, cACompromise, superseded]"),
        None
    );
}

/// `stdout`'s JSON lines with the judging time (`"at"`, whose seconds follow the run's own
/// clock) taken out of every object, and each line re-serialised.
fn untimed(stdout: &str) -> Vec<String> {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.remove("at");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    stdout
        .lines()
        .map(|line| {
            let mut v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            strip(&mut v);
            v.to_string()
        })
        .collect()
}
