//! Issuing is granting roles, whatever part of the certificate a binding matches: a policy may
//! bind a role to a SAN email (a CA centre's shared officer mailbox), so a registration officer
//! who may issue person certificates must not be able to put that email in one. The role asks
//! are computed from the whole certificate to be issued (subject, SANs, issuer), not the DN
//! alone. Runs `govpki-test` at a Monday 10:00 in Asia/Shanghai, like `tests/govern_cli.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{CLOCK_OFFSET_VAR, GOVPKI_TEST_BIN, monday_10_shanghai_offset};

/// The binding the attack aims at: a role given by a SAN email.
const MAILBOX_BINDING: &str = "
  - id: bind-ca-officer-mailbox
    description: the CA centre's duty mailbox certificate acts as a CA officer
    subject: {email: ca-duty@lyg.gov.cn}
    roles: [ca-officer]
";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = Command::new(GOVPKI_TEST_BIN)
            .args(args)
            .env(CLOCK_OFFSET_VAR, monday_10_shanghai_offset())
            .env("GOVPKI_HOME", self.path("home"))
            .env("GOVPKI_CACHE_DIR", self.path("policy-cache"))
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env("USER", "govpki-test")
            .output()
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn ok(&self, args: &[&str]) {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Issues a person certificate (unencrypted key beside it), as `operator` when given;
    /// returns the exit code, stderr and whether the certificate was written.
    fn issue(&self, operator: Option<&str>, name: &str, subject: &str, sans: &[&str]) -> Issue {
        let cert = self.path(&format!("{name}.pem"));
        let key = self.path(&format!("{name}.key"));
        let mut args: Vec<String> = Vec::new();
        if let Some(op) = operator {
            let op_key = op.replace(".pem", ".key");
            args.extend(
                ["--as", op, "--as-key", &op_key, "--domain", "intranet"].map(String::from),
            );
        }
        args.extend(
            [
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
            ]
            .map(String::from),
        );
        for san in sans {
            args.extend(["--san".to_string(), san.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.run(&args);
        Issue {
            code: out.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            made: cert.exists(),
            cert: p(&cert).to_string(),
        }
    }
}

struct Issue {
    code: i32,
    stderr: String,
    made: bool,
    cert: String,
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Copies the shipped policy and adds [`MAILBOX_BINDING`] to its bindings.
fn policy_with_mailbox_binding(env: &Env) -> PathBuf {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let dir = env.path("policy");
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
    for entry in std::fs::read_dir(shipped.join("tests")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("tests").join(entry.file_name())).unwrap();
    }
    let bindings = dir.join("bindings.yaml");
    let mut text = std::fs::read_to_string(&bindings).unwrap();
    text.push_str(MAILBOX_BINDING);
    std::fs::write(&bindings, text).unwrap();
    dir
}

#[test]
fn a_registration_officer_cannot_mint_a_role_through_a_san_email() {
    let env = Env {
        dir: tempfile::tempdir().unwrap(),
    };
    env.ok(&[
        "ca",
        "init",
        "--subject",
        "CN=连云港市电子政务根CA,O=连云港市人民政府,C=CN",
        "--no-passphrase",
    ]);
    let officer = env.issue(
        None,
        "officer",
        "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        &[],
    );
    let ra = env.issue(
        None,
        "ra",
        "CN=孙七,TITLE=注册管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        &[],
    );
    assert!(officer.made && ra.made);
    let policy = policy_with_mailbox_binding(&env);
    env.ok(&["ca", "policy", p(&policy)]);

    // A civil servant of his own department, with his own mailbox: allowed.
    let clerk = env.issue(
        Some(&ra.cert),
        "clerk",
        "CN=李雷,OU=信息中心,O=连云港市人民政府,C=CN",
        &["email:lilei@lyg.gov.cn"],
    );
    assert_eq!((clerk.code, clerk.made), (0, true), "{}", clerk.stderr);

    // The same plain subject, but with the CA officers' mailbox as its SAN: the certificate
    // would be a CA officer, which a registration officer may not grant. Denied, nothing issued.
    let minted = env.issue(
        Some(&ra.cert),
        "minted",
        "CN=evil,OU=信息中心,O=连云港市人民政府,C=CN",
        &["email:ca-duty@lyg.gov.cn"],
    );
    assert_eq!((minted.code, minted.made), (1, false), "{}", minted.stderr);
    assert!(
        minted.stderr.contains("dept/信息中心/role/ca-officer"),
        "{}",
        minted.stderr
    );

    // The CA officer may issue it (his role grants every role).
    let duty = env.issue(
        Some(&officer.cert),
        "duty",
        "CN=值班,OU=信息中心,O=连云港市人民政府,C=CN",
        &["email:ca-duty@lyg.gov.cn"],
    );
    assert_eq!((duty.code, duty.made), (0, true), "{}", duty.stderr);
    env.ok(&["audit", "verify"]);
}
