//! Malformed input through the command line (issue #2, "Bad input"; DESIGN.md §2 "Inputs"):
//! every file of `testdata/malformed/` through every command that reads a file, and a few
//! inputs made against a live CA. Each must exit 2 with exactly one `error:` line naming the
//! file, never panic, leave the store as it was and write no output file.

mod common;

use std::fmt;
use std::path::{Path, PathBuf};

use common::*;

/// Every file of the corpus (see testdata/malformed/README.md).
const CORPUS: &[&str] = &[
    "empty.pem",
    "garbage.bin",
    "cert-truncated.der",
    "cert-trailing-bytes.der",
    "cert-trailing-bytes-in-pem.pem",
    "cert-bad-base64.pem",
    "cert-ber-indefinite-length.der",
    "cert-huge-length.der",
    "cert-invalid-utf8-subject.der",
    "private-key.pem",
    "csr-broken-signature.der",
    "csr-trailing-bytes.der",
    "csr-rsa1024.pem",
    "csr-sha1-ecdsa.pem",
    "csr-sha1-rsa.pem",
    "csr-invalid-utf8-subject.der",
    "batch-unknown-field.yaml",
    "batch-unknown-profile.yaml",
    "batch-unterminated-quote.csv",
    "batch-dn-invalid-utf8-escape.yaml",
    "batch-dn-invalid-utf8-escape.csv",
    "serials-not-hex.txt",
    "serials-only-comments.txt",
];

/// The commands that read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    CertShow,
    CertVerify,
    CrlShow,
    IssueCsr,
    IssueBatch,
    RevokeFromFile,
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cmd::CertShow => "cert show",
            Cmd::CertVerify => "cert verify",
            Cmd::CrlShow => "crl show",
            Cmd::IssueCsr => "cert issue --csr",
            Cmd::IssueBatch => "cert issue --batch",
            Cmd::RevokeFromFile => "cert revoke --from-file",
        })
    }
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/malformed")
        .join(name)
}

/// What the store holds, read directly: certificates with status, revocations, CRLs, audit.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    certs: Vec<(String, String)>,
    revocations: i64,
    crls: i64,
    audit: i64,
}

fn snapshot(ca: &Ca) -> Snapshot {
    let db = rusqlite::Connection::open(ca.db()).expect("open the store");
    let mut stmt = db
        .prepare("SELECT serial, status FROM certs ORDER BY serial")
        .expect("query certs");
    let certs = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("read certs")
        .collect::<Result<Vec<_>, _>>()
        .expect("read certs");
    let count = |table: &str| -> i64 {
        db.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .expect("count")
    };
    Snapshot {
        certs,
        revocations: count("revocations"),
        crls: count("crls"),
        audit: count("audit"),
    }
}

/// A CA with a few certificates (so revocations have something to hit) and a valid leaf.
struct Fixture {
    env: Env,
    ca: Ca,
    leaf: Issued,
}

fn fixture() -> Fixture {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let leaf = env.issue(&ca, "leaf", "person", &subject_for("person"), &[], &[]);
    env.issue(
        &ca,
        "other",
        "server",
        &subject_for("server"),
        &sans_for("server"),
        &[],
    );
    Fixture { env, ca, leaf }
}

/// Base64 runs of a PEM file's body: text that must never be echoed back.
fn secret_lines(file: &Path) -> Vec<String> {
    let text = String::from_utf8_lossy(&std::fs::read(file).unwrap_or_default()).into_owned();
    if !text.contains("PRIVATE KEY") {
        return Vec::new();
    }
    text.lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| {
            l.as_bytes()
                .chunks(16)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
        })
        .filter(|c| c.len() == 16)
        .collect()
}

/// Runs one malformed input through one command; returns what went wrong, if anything.
fn check(fx: &Fixture, file: &Path, cmd: Cmd, tag: &str) -> Option<String> {
    let env = &fx.env;
    let out = env.path(&format!("out-{tag}.pem"));
    let out_dir = env.path(&format!("out-dir-{tag}"));
    let f = p(file);
    let args: Vec<&str> = match cmd {
        Cmd::CertShow => vec!["cert", "show", f],
        Cmd::CertVerify => vec!["cert", "verify", f],
        Cmd::CrlShow => vec!["crl", "show", f],
        Cmd::IssueCsr => vec![
            "cert",
            "issue",
            "--profile",
            "person",
            "--csr",
            f,
            "--out",
            p(&out),
        ],
        Cmd::IssueBatch => vec![
            "cert",
            "issue",
            "--batch",
            f,
            "--out-dir",
            p(&out_dir),
            "--no-key-passphrase",
        ],
        Cmd::RevokeFromFile => vec![
            "cert",
            "revoke",
            "--from-file",
            f,
            "--reason",
            "keyCompromise",
        ],
    };
    let before = snapshot(&fx.ca);
    let run = env.run(&fx.ca.home, &args);
    let mut problems = Vec::new();
    if run.code != Some(2) {
        problems.push(format!("exit {:?}, not 2", run.code));
    }
    if run.stderr.contains("panicked") {
        problems.push("panicked".to_string());
    }
    let errors = run.error_lines();
    if errors.len() != 1 {
        problems.push(format!("{} `error:` lines, not 1", errors.len()));
    }
    if !errors.iter().any(|l| l.contains(f)) {
        problems.push("the error does not name the file".to_string());
    }
    if snapshot(&fx.ca) != before {
        problems.push("the store changed".to_string());
    }
    if out.exists() {
        problems.push(format!("wrote `{}`", out.display()));
    }
    if out_dir.exists()
        && std::fs::read_dir(&out_dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        problems.push(format!("wrote into `{}`", out_dir.display()));
    }
    let leaked: Vec<String> = secret_lines(file)
        .into_iter()
        .filter(|s| run.all_output().contains(s.as_str()))
        .collect();
    if !leaked.is_empty() {
        problems.push(format!("echoed private key material: {leaked:?}"));
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!(
            "{cmd} {}: {}\n    stderr: {}",
            file.file_name().unwrap().to_string_lossy(),
            problems.join("; "),
            run.stderr.trim_end().replace('\n', "\n            ")
        ))
    }
}

/// Every corpus file through `cmd`, except the known bugs; all failures reported together.
fn corpus_through(cmd: Cmd) {
    let fx = fixture();
    let list_before = list(&fx.env, &fx.ca, &[]);
    let mut failures = Vec::new();
    for (i, name) in CORPUS.iter().enumerate() {
        let file = corpus(name);
        assert!(
            file.is_file(),
            "corpus file `{}` is missing",
            file.display()
        );
        if let Some(problem) = check(&fx, &file, cmd, &format!("{i}")) {
            failures.push(problem);
        }
    }
    assert_eq!(
        list(&fx.env, &fx.ca, &[]),
        list_before,
        "`cert list --json` is unchanged"
    );
    // The fixture's own certificate still verifies: the CA was not disturbed.
    fx.env
        .run(&fx.ca.home, ["cert", "verify", p(&fx.leaf.cert)])
        .success();
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_through_cert_show() {
    corpus_through(Cmd::CertShow);
}

#[test]
fn corpus_through_cert_verify() {
    corpus_through(Cmd::CertVerify);
}

#[test]
fn corpus_through_crl_show() {
    corpus_through(Cmd::CrlShow);
}

#[test]
fn corpus_through_cert_issue_csr() {
    corpus_through(Cmd::IssueCsr);
}

#[test]
fn corpus_through_cert_issue_batch() {
    corpus_through(Cmd::IssueBatch);
}

#[test]
fn corpus_through_cert_revoke_from_file() {
    corpus_through(Cmd::RevokeFromFile);
}

#[test]
fn the_corpus_readme_describes_every_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/malformed");
    let readme =
        std::fs::read_to_string(dir.join("README.md")).expect("testdata/malformed/README.md");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CORPUS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "CORPUS lists exactly the files in testdata/malformed/"
    );
    for name in CORPUS {
        assert!(
            readme.contains(&format!("`{name}`")),
            "README.md describes `{name}`"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed input made against a live CA

/// Asserts a refused run: exit 2, one `error:` line naming `names`, no panic.
#[track_caller]
fn refused(run: Run, names: &str) -> Run {
    let run = run.code(2);
    let errors = run.error_lines();
    assert_eq!(errors.len(), 1, "one error line\n{}", run.describe());
    assert!(
        errors[0].contains(names),
        "the error names `{names}`\n{}",
        run.describe()
    );
    run
}

#[test]
fn a_batch_is_all_or_nothing() {
    let fx = fixture();
    let env = &fx.env;
    let before = snapshot(&fx.ca);
    let good_row = format!("- subject: \"CN=甲,{DEPT}\"\n  profile: person\n");

    // A good row, then an unknown profile.
    let yaml = env.write(
        "b1/batch.yaml",
        format!("{good_row}- subject: \"CN=乙,{DEPT}\"\n  profile: admin\n"),
    );
    let out = env.path("b1/out");
    refused(
        env.run(
            &fx.ca.home,
            [
                "cert",
                "issue",
                "--batch",
                p(&yaml),
                "--out-dir",
                p(&out),
                "--no-key-passphrase",
            ],
        ),
        p(&yaml),
    );
    assert!(!out.exists());

    // CSV: a good row, then a DN with an invalid UTF-8 escape.
    let csv = env.write(
        "b2/batch.csv",
        format!("subject,profile\n\"CN=甲,{DEPT}\",person\n\"CN=\\C3\\28,{ORG}\",person\n"),
    );
    let out = env.path("b2/out");
    refused(
        env.run(
            &fx.ca.home,
            [
                "cert",
                "issue",
                "--batch",
                p(&csv),
                "--out-dir",
                p(&out),
                "--no-key-passphrase",
            ],
        ),
        p(&csv),
    );
    assert!(!out.exists());

    // A good row, then a row whose CSR (next to the batch file) has a broken signature.
    let csr = env.write(
        "b3/dept.der",
        std::fs::read(corpus("csr-broken-signature.der")).unwrap(),
    );
    let yaml = env.write(
        "b3/batch.yaml",
        format!("{good_row}- subject: \"CN=乙,{DEPT}\"\n  profile: department\n  csr: dept.der\n"),
    );
    let out = env.path("b3/out");
    let run = refused(
        env.run(
            &fx.ca.home,
            [
                "cert",
                "issue",
                "--batch",
                p(&yaml),
                "--out-dir",
                p(&out),
                "--no-key-passphrase",
            ],
        ),
        "dept.der",
    );
    assert!(
        run.stderr
            .contains(&csr.file_name().unwrap().to_string_lossy().into_owned())
    );
    assert!(!out.exists());

    // A row whose CSR file does not exist.
    let yaml = env.write(
        "b4/batch.yaml",
        format!("{good_row}- subject: \"CN=乙,{DEPT}\"\n  profile: person\n  csr: missing.csr\n"),
    );
    let out = env.path("b4/out");
    refused(
        env.run(
            &fx.ca.home,
            [
                "cert",
                "issue",
                "--batch",
                p(&yaml),
                "--out-dir",
                p(&out),
                "--no-key-passphrase",
            ],
        ),
        "missing.csr",
    );
    assert!(!out.exists());

    assert_eq!(snapshot(&fx.ca), before, "nothing issued, nothing audited");
}

#[test]
fn batch_row_errors_name_the_batch_file() {
    let fx = fixture();
    let env = &fx.env;
    let before = snapshot(&fx.ca);
    let good_row = format!("- subject: \"CN=甲,{DEPT}\"\n  profile: person\n");
    // A server row without a host name.
    let yaml = env.write(
        "b5/batch.yaml",
        format!("{good_row}- subject: \"CN=www,{ORG}\"\n  profile: server\n"),
    );
    let out = env.path("b5/out");
    refused(
        env.run(
            &fx.ca.home,
            [
                "cert",
                "issue",
                "--batch",
                p(&yaml),
                "--out-dir",
                p(&out),
                "--no-key-passphrase",
            ],
        ),
        p(&yaml),
    );
    assert!(!out.exists());

    assert_eq!(snapshot(&fx.ca), before);
}

#[test]
fn a_serial_list_is_all_or_nothing() {
    let fx = fixture();
    let env = &fx.env;
    let before = snapshot(&fx.ca);
    let bad = env.write(
        "leavers.txt",
        format!("# leavers\n{}\nnot-a-serial\n", fx.leaf.serial),
    );
    refused(
        env.run(&fx.ca.home, ["cert", "revoke", "--from-file", p(&bad)]),
        p(&bad),
    );
    // A well-formed but unknown serial after a real one.
    let unknown = env.write(
        "unknown.txt",
        format!("{}\n4ABCDEF0123456789ABCDEF012345678\n", fx.leaf.serial),
    );
    env.run(&fx.ca.home, ["cert", "revoke", "--from-file", p(&unknown)])
        .code(2);
    let missing = env.path("missing.txt");
    refused(
        env.run(&fx.ca.home, ["cert", "revoke", "--from-file", p(&missing)]),
        p(&missing),
    );
    assert_eq!(snapshot(&fx.ca), before);
    assert_eq!(
        row(&list(env, &fx.ca, &[]), &fx.leaf.serial)["status"],
        "valid"
    );
}

#[test]
fn a_dn_with_an_invalid_utf8_escape_is_refused_everywhere() {
    let fx = fixture();
    let env = &fx.env;
    let before = snapshot(&fx.ca);
    for dn in [
        format!("CN=\\C3\\28,{DEPT}"),
        format!("CN=\\FF\\FE,{ORG}"),
        format!("CN=\\E4\\BF,{ORG}"),
    ] {
        let key = env.path("k.key");
        let run = env
            .run(
                &fx.ca.home,
                [
                    "cert",
                    "issue",
                    "--profile",
                    "person",
                    "--subject",
                    &dn,
                    "--key-out",
                    p(&key),
                    "--no-key-passphrase",
                ],
            )
            .code(2);
        assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
        assert!(!key.exists());
        let run = env
            .run(
                &fx.ca.home,
                [
                    "csr",
                    "create",
                    "--subject",
                    &dn,
                    "--key-out",
                    p(&key),
                    "--no-passphrase",
                ],
            )
            .code(2);
        assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
        assert!(!key.exists());
        // --subject replacing a good CSR's subject.
        let (_, csr) = env.csr_create("good", &subject_for("person"), &[], &["--force"]);
        env.run(
            &fx.ca.home,
            [
                "cert",
                "issue",
                "--profile",
                "person",
                "--csr",
                p(&csr),
                "--subject",
                &dn,
            ],
        )
        .code(2);
        let home = env.path("new-root");
        env.run(&home, ["ca", "init", "--subject", &dn, "--no-passphrase"])
            .code(2);
        assert!(!home.join("govpki.db").exists(), "no CA created");
    }
    assert_eq!(snapshot(&fx.ca), before);
}

#[test]
fn malformed_trust_intermediates_and_crls_are_named() {
    let fx = fixture();
    let env = &fx.env;
    let good = p(&fx.leaf.cert);
    for name in [
        "empty.pem",
        "garbage.bin",
        "cert-truncated.der",
        "cert-bad-base64.pem",
        "private-key.pem",
        "cert-trailing-bytes.der",
    ] {
        let f = corpus(name);
        for flag in ["--trust", "--untrusted", "--crl"] {
            refused(
                env.run(&fx.ca.home, ["cert", "verify", good, flag, p(&f)]),
                p(&f),
            );
        }
    }
    // A certificate given as a CRL, and a CRL given as a certificate.
    let crl = env.crl(&fx.ca, "root.crl", false, &[]);
    refused(
        env.run(&fx.ca.home, ["cert", "verify", good, "--crl", good]),
        good,
    );
    refused(env.run(&fx.ca.home, ["crl", "show", good]), good);
    refused(env.run(&fx.ca.home, ["cert", "show", p(&crl)]), p(&crl));
    refused(env.run(&fx.ca.home, ["cert", "verify", p(&crl)]), p(&crl));
    refused(
        env.run(
            &fx.ca.home,
            ["cert", "issue", "--profile", "person", "--csr", good],
        ),
        good,
    );
}

#[test]
fn a_truncated_or_padded_crl_is_refused() {
    let fx = fixture();
    let env = &fx.env;
    env.run(&fx.ca.home, ["cert", "revoke", &fx.leaf.serial])
        .success();
    let der = std::fs::read(env.crl(&fx.ca, "root.der.crl", true, &[])).unwrap();
    let truncated = env.write("truncated.crl", &der[..der.len() / 2]);
    let mut padded_bytes = der.clone();
    padded_bytes.extend_from_slice(b"\0\0");
    let padded = env.write("padded.crl", padded_bytes);
    for f in [&truncated, &padded] {
        refused(env.run(&fx.ca.home, ["crl", "show", p(f)]), p(f));
        refused(
            env.run(
                &fx.ca.home,
                ["cert", "verify", p(&fx.leaf.cert), "--crl", p(f)],
            ),
            p(f),
        );
    }
}

#[test]
fn an_unusable_output_directory_issues_nothing() {
    let fx = fixture();
    let env = &fx.env;
    let before = snapshot(&fx.ca);
    // --out-dir is a file: nothing issued.
    let not_dir = env.write("not-a-dir", "x");
    let batch = env.write(
        "ok.yaml",
        format!("- subject: \"CN=甲,{DEPT}\"\n  profile: person\n"),
    );
    let run = env
        .run(
            &fx.ca.home,
            [
                "cert",
                "issue",
                "--batch",
                p(&batch),
                "--out-dir",
                p(&not_dir),
                "--no-key-passphrase",
            ],
        )
        .code(2);
    assert!(!run.stderr.contains("panicked"));
    assert_eq!(
        snapshot(&fx.ca),
        before,
        "nothing issued when the output directory is unusable\n{}",
        run.describe()
    );
}

/// The one `error:` line of refusing `file` as a CSR.
fn csr_refusal(fx: &Fixture, name: &str) -> String {
    let file = corpus(name);
    let run = refused(
        fx.env.run(
            &fx.ca.home,
            ["cert", "issue", "--profile", "person", "--csr", p(&file)],
        ),
        p(&file),
    );
    run.error_lines()[0].to_string()
}

#[test]
fn sha1_requests_are_refused_as_weak() {
    let fx = fixture();
    for name in ["csr-sha1-ecdsa.pem", "csr-sha1-rsa.pem"] {
        let line = csr_refusal(&fx, name);
        assert!(
            line.contains("SHA1") || line.contains("SHA-1") || line.contains("weak"),
            "{name}: says why: {line}"
        );
    }
}

#[test]
fn an_rsa1024_request_is_refused_as_weak() {
    let fx = fixture();
    let line = csr_refusal(&fx, "csr-rsa1024.pem");
    assert!(
        line.contains("2048") || line.contains("weak") || line.contains("RSA-1024"),
        "says the key is too weak: {line}"
    );
    assert!(
        !line.contains("forged"),
        "a genuine weak request is not a forgery: {line}"
    );
}

/// Durations past what any validity needs used to overflow the calendar when added to now: a
/// panic in `crl generate --next-update 1000000y` and `cert issue --validity 9000y`. Now
/// exit 2 in one line, nothing written, the store as it was.
#[test]
fn durations_past_a_hundred_years_are_refused_before_anything_is_done() {
    let env = Env::new();
    let ca = env.root_ca("long", "p256", &[]);
    let before = snapshot(&ca);
    let crl = env.path("long.crl");
    let run = env
        .run(
            &ca.home,
            [
                "crl",
                "generate",
                "--next-update",
                "1000000y",
                "--out",
                p(&crl),
            ],
        )
        .code(2);
    assert!(
        run.stderr.contains("longer than 100 years"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let key = env.path("long.key");
    let cert = env.path("long.pem");
    let run = env
        .run(
            &ca.home,
            [
                "cert",
                "issue",
                "--profile",
                "person",
                "--subject",
                "CN=长期,C=CN",
                "--validity",
                "9000y",
                "--key-out",
                p(&key),
                "--no-key-passphrase",
                "--out",
                p(&cert),
            ],
        )
        .code(2);
    assert!(
        run.stderr.contains("longer than 100 years"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(!crl.exists() && !key.exists() && !cert.exists());
    assert_eq!(snapshot(&ca), before);
}
