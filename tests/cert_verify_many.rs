//! `cert verify FILE...` (issue #12): each FILE verified on its own with the same options, the
//! one-line summary of the run first, each file's report, then the closing tally; `-q` only the
//! failures and the tally; `--json` one line per file, then
//! `{"certificates":N,"tally":{...}}`; a FILE that cannot be read is an error of that file,
//! counted, and the exit code is the worst over all files (2 > 1 > 3 > 0), as `seal verify`'s.
//! One FILE prints what it always printed.

mod common;

use common::{Env, days_from_now};
use serde_json::{Value, json};

const PERSON_DN: &str = "CN=王五,OU=财政局,O=连云港市人民政府,C=CN";

/// A home's CA with, judged two days from now against its CRL: `good.pem` valid, `revoked.pem`
/// revoked, `expired.pem` ended tomorrow, `foreign.pem` issued by another CA, `garbage.pem` not
/// a certificate, `missing.pem` absent.
struct Fixture {
    env: Env,
    home: std::path::PathBuf,
    at: String,
}

const FILES: [&str; 6] = [
    "good.pem",
    "revoked.pem",
    "expired.pem",
    "foreign.pem",
    "garbage.pem",
    "missing.pem",
];

fn fixture() -> Fixture {
    let env = Env::new();
    let ca = env.root_ca("home", "p256", &[]);
    let other = env.root_ca("other", "p256", &[]);
    env.issue(&ca, "good", "person", PERSON_DN, &[], &[]);
    let revoked = env.issue(&ca, "revoked", "person", PERSON_DN, &[], &[]);
    let tomorrow = days_from_now(1);
    env.issue(
        &ca,
        "expired",
        "person",
        PERSON_DN,
        &[],
        &["--not-after", &tomorrow],
    );
    env.issue(&other, "foreign", "person", PERSON_DN, &[], &[]);
    env.run(
        &ca.home,
        [
            "-q",
            "cert",
            "revoke",
            &revoked.serial,
            "--reason",
            "keyCompromise",
        ],
    )
    .success();
    env.run(&ca.home, ["-q", "crl", "generate", "--out", "ca.crl"])
        .success();
    env.run(&other.home, ["-q", "crl", "generate", "--out", "other.crl"])
        .success();
    env.write("garbage.pem", "this is not a certificate\n");
    Fixture {
        env,
        home: ca.home,
        at: days_from_now(2),
    }
}

impl Fixture {
    /// `cert verify` of `files` against the home's CRL at two days from now, after `global`.
    fn verify(&self, global: &[&str], files: &[&str]) -> common::Run {
        let mut args: Vec<&str> = global.to_vec();
        args.extend(["cert", "verify"]);
        args.extend(files);
        args.extend(["--crl", "ca.crl", "--at", &self.at]);
        self.env.run(&self.home, &args)
    }
}

#[test]
fn the_summary_comes_first_then_each_report_then_the_tally_and_errors_make_exit_2() {
    let f = fixture();
    let run = f.verify(&[], &FILES).code(2);
    // Each readable file's report is exactly what verifying it alone prints.
    let alone = |file: &str, code: i32| f.verify(&[], &[file]).code(code).stdout;
    let expected = [
        "ERROR: 2 of 6 certificates could not be verified\n".to_string(),
        alone("good.pem", 0),
        alone("revoked.pem", 1),
        alone("expired.pem", 1),
        alone("foreign.pem", 1),
        "1 valid, 3 invalid, 0 indeterminate, 2 could not be verified\n".to_string(),
    ]
    .join("\n");
    assert_eq!(run.stdout, expected, "{}", run.describe());
    assert!(
        run.stdout
            .contains("revoked.pem: invalid: certificate revoked at")
    );
    assert!(run.stdout.contains("expired.pem: invalid: "));
    // The unreadable files are errors of their own on stderr, and the run says how many.
    let errors = run.error_lines();
    assert_eq!(errors.len(), 3, "{}", run.describe());
    assert!(errors[0].contains("`garbage.pem`"), "{}", run.describe());
    assert!(errors[1].contains("`missing.pem`"), "{}", run.describe());
    assert_eq!(
        errors[2],
        "error: 2 of 6 certificates could not be verified"
    );
}

#[test]
fn quiet_prints_only_the_failures_and_the_tally() {
    let f = fixture();
    let run = f.verify(&["-q"], &FILES).code(2);
    let blocks: Vec<&str> = run.stdout.split("\n\n").collect();
    assert_eq!(blocks.len(), 4, "{}", run.describe());
    assert!(
        blocks[0].starts_with("revoked.pem: invalid"),
        "{}",
        blocks[0]
    );
    assert!(
        blocks[1].starts_with("expired.pem: invalid"),
        "{}",
        blocks[1]
    );
    assert!(
        blocks[2].starts_with("foreign.pem: invalid"),
        "{}",
        blocks[2]
    );
    assert_eq!(
        blocks[3],
        "1 valid, 3 invalid, 0 indeterminate, 2 could not be verified\n"
    );
    assert!(!run.stdout.contains("good.pem"), "{}", run.describe());
}

#[test]
fn json_has_one_line_per_file_then_the_tally_and_quiet_keeps_the_failures() {
    let f = fixture();
    let tally = json!({
        "certificates": 6,
        "tally": {"valid": 1, "invalid": 3, "indeterminate": 0, "errors": 2},
    });
    let run = f.verify(&["--json"], &FILES).code(2);
    let lines = run.json_lines();
    let verdicts: Vec<(&str, &str)> = lines[..6]
        .iter()
        .map(|l| (l["file"].as_str().unwrap(), l["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("good.pem", "valid"),
            ("revoked.pem", "invalid"),
            ("expired.pem", "invalid"),
            ("foreign.pem", "invalid"),
            ("garbage.pem", "error"),
            ("missing.pem", "error"),
        ]
    );
    for line in &lines[..6] {
        assert_eq!(line["document"], line["file"], "{line}");
        assert!(
            line["verdict"] == "valid" || line["reason"].is_string(),
            "{line}"
        );
    }
    assert_eq!(lines[0]["at"].as_str(), Some(f.at.as_str()));
    assert_eq!(lines[1]["revocation"]["reason"], "keyCompromise");
    // The tally line closes stdout; the run's error goes to stderr, stdout being JSON lines.
    assert_eq!(lines[6], tally);
    assert_eq!(lines.len(), 7, "{}", run.describe());
    assert_eq!(
        run.error_lines(),
        ["error: 2 of 6 certificates could not be verified"]
    );

    let quiet = f.verify(&["--json", "-q"], &FILES).code(2);
    let lines = quiet.json_lines();
    let files: Vec<&str> = lines[..5]
        .iter()
        .map(|l| l["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "revoked.pem",
            "expired.pem",
            "foreign.pem",
            "garbage.pem",
            "missing.pem"
        ]
    );
    assert_eq!(lines[5], tally, "the tally counts every file");
}

#[test]
fn the_exit_code_is_the_worst_verdict_as_seal_verify_says_it() {
    let f = fixture();
    let valid = f.verify(&[], &["good.pem", "good.pem"]).code(0);
    assert!(
        valid
            .stdout
            .starts_with("VALID: all 2 certificates are valid\n\ngood.pem: valid\n"),
        "{}",
        valid.describe()
    );
    assert!(
        valid
            .stdout
            .ends_with("\n\n2 valid, 0 invalid, 0 indeterminate\n")
    );
    let invalid = f.verify(&[], &["good.pem", "revoked.pem"]).code(1);
    assert!(
        invalid
            .stdout
            .starts_with("INVALID: 1 of 2 certificates are invalid\n"),
        "{}",
        invalid.describe()
    );
    assert!(invalid.stderr.is_empty(), "{}", invalid.describe());

    // With another CA's CRL the home's certificates are undecided (3); an invalid one among
    // them makes the run invalid (1 > 3).
    let other_crl = |files: &[&str]| {
        let mut args = vec!["cert", "verify"];
        args.extend(files);
        args.extend(["--crl", "other.crl"]);
        f.env.run(&f.home, &args)
    };
    let undecided = other_crl(&["good.pem", "expired.pem"]).code(3);
    assert!(
        undecided
            .stdout
            .starts_with("INDETERMINATE: 2 of 2 certificates are indeterminate\n"),
        "{}",
        undecided.describe()
    );
    other_crl(&["good.pem", "foreign.pem"]).code(1);
    // An error beats every verdict.
    f.verify(&[], &["good.pem", "missing.pem"]).code(2);
}

#[test]
fn one_file_prints_its_report_alone_as_in_a_run_of_many() {
    let f = fixture();
    let many = f.verify(&[], &["good.pem", "revoked.pem"]).code(1);
    for (file, code) in [("good.pem", 0), ("revoked.pem", 1)] {
        let one = f.verify(&[], &[file]).code(code);
        assert!(
            one.stdout.starts_with(&format!("{file}: ")),
            "{}",
            one.describe()
        );
        assert!(!one.stdout.contains("certificates"), "{}", one.describe());
        assert!(many.stdout.contains(&format!("\n\n{}\n", one.stdout)));
        // Its JSON object is the one of a run of many without `document`.
        let one = f.verify(&["--json"], &[file]).code(code).json();
        let line = f.verify(&["--json"], &[file, file]).code(code).json_lines()[0].clone();
        let mut without: Value = line;
        without.as_object_mut().unwrap().remove("document");
        assert_eq!(one, without);
    }
    // One missing FILE is the run's error, said once, as before.
    let missing = f.verify(&[], &["missing.pem"]).code(2);
    assert_eq!(missing.stdout, "");
    assert_eq!(missing.error_lines().len(), 1, "{}", missing.describe());
    assert!(
        missing
            .stderr
            .starts_with("error: reading certificates `missing.pem`")
    );
}

#[test]
fn the_summary_and_the_tally_are_chinese_with_lang_zh() {
    let f = fixture();
    let run = f.verify(&["--lang", "zh"], &FILES).code(2);
    assert!(
        run.stdout
            .starts_with("出错：6 张证书中有 2 张无法验证\n\n"),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout
            .ends_with("\n\n有效 1，无效 3，无法判定 0，无法验证 2\n"),
        "{}",
        run.describe()
    );
    assert!(
        run.stderr.ends_with("错误：6 张证书中有 2 张无法验证\n"),
        "{}",
        run.describe()
    );
    let valid = f
        .verify(&["--lang", "zh"], &["good.pem", "good.pem"])
        .code(0);
    assert!(
        valid.stdout.starts_with("有效：全部 2 张证书有效\n"),
        "{}",
        valid.describe()
    );
}
