//! A governed CA served on loopback and clients of it (`--ca URL`), at the moved clock of the
//! shipped policy's office hours, for tests/remote.rs, remote_seal.rs, remote_files.rs,
//! remote_renew.rs and validity_refused.rs: homes under one temporary directory, operators
//! issued locally, the server killed when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::serve::Server;
use super::{CLOCK_OFFSET_VAR, GOVPKI_TEST_BIN, monday_10_shanghai_offset};

/// The served root's subject (a "twin" CA with the same name forges its certificates).
pub const ROOT: &str = "CN=连云港市电子政务根CA,O=连云港市人民政府,C=CN";
/// A CA officer (信息中心 安全管理员): issues, renews and revokes certificates.
pub const OFFICER: &str = "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN";
/// A seal-authority operator (公安局 印章管理员): makes and revokes seals.
pub const SEALER: &str = "CN=孙七,TITLE=印章管理员,OU=公安局,O=连云港市人民政府,C=CN";
pub const HOLDER: &str = "CN=李四,OU=办公室,O=连云港市人民政府,C=CN";
pub const CLERK: &str = "CN=钱八,OU=财政局,O=连云港市人民政府,C=CN";

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    /// An empty temporary directory for the homes and files of one test.
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn p(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }

    /// govpki-test on `home` at the moved clock, in English whatever the tester's locale, run
    /// from the temporary directory.
    pub fn cmd(&self, home: &str) -> Command {
        let mut cmd = Command::new(GOVPKI_TEST_BIN);
        cmd.env(CLOCK_OFFSET_VAR, monday_10_shanghai_offset())
            .env("GOVPKI_HOME", self.path(home))
            .env("GOVPKI_CACHE_DIR", self.path("policy-cache"))
            .env_remove("GOVPKI_CA")
            .env_remove("GOVPKI_CA_TRUST")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("LANG")
            .env_remove("GOVPKI_LANG")
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env("USER", "govpki-test")
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    /// (exit code, stdout, stderr); never a panic.
    pub fn run(&self, home: &str, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd(home).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{stderr}");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr,
        )
    }

    pub fn ok(&self, home: &str, args: &[&str]) -> String {
        let (code, stdout, stderr) = self.run(home, args);
        assert_eq!(code, 0, "{args:?}\nstdout: {stdout}\nstderr: {stderr}");
        stdout
    }

    /// A CA in `home` named `subject`, unencrypted key.
    pub fn ca(&self, home: &str, subject: &str) {
        self.ok(
            home,
            &["ca", "init", "--subject", subject, "--no-passphrase"],
        );
    }

    /// Issues `NAME.pem` with the unencrypted key `NAME.key` locally in `home`.
    pub fn issue(&self, home: &str, name: &str, profile: &str, subject: &str, extra: &[&str]) {
        let (cert, key) = (
            self.p(&format!("{name}.pem")),
            self.p(&format!("{name}.key")),
        );
        let mut args = vec![
            "cert",
            "issue",
            "--profile",
            profile,
            "--subject",
            subject,
            "--key-out",
            &key,
            "--no-key-passphrase",
            "--out",
            &cert,
        ];
        args.extend_from_slice(extra);
        self.ok(home, &args);
    }

    /// Makes the official seal `OUT` of 办公室 for `holder.pem` locally in `home`.
    pub fn seal(&self, home: &str, holder: &str, out: &str) {
        self.ok(
            home,
            &[
                "seal",
                "create",
                "--name",
                "连云港市人民政府办公室",
                "--type",
                "official",
                "--department",
                "办公室",
                "--holder-cert",
                &self.p(&format!("{holder}.pem")),
                "--render",
                "--out",
                &self.p(out),
            ],
        );
    }

    /// The CA in `home` with an officer, a seal-authority operator, a seal holder and a TLS
    /// certificate for 127.0.0.1; then `before_policy` (while the home is not yet governed);
    /// then governed by the shipped policy.
    pub fn governed(before_policy: impl FnOnce(&Env)) -> Env {
        Env::governed_with(&[], &[], before_policy)
    }

    /// [`Env::governed`] with `ca_extra` given to the root's `ca init` and `cert_extra` to each
    /// of the four `cert issue` (a root ending in a year, certificates within it).
    pub fn governed_with(
        ca_extra: &[&str],
        cert_extra: &[&str],
        before_policy: impl FnOnce(&Env),
    ) -> Env {
        let env = Env::new();
        env.ok(
            "home",
            &[
                &["ca", "init", "--subject", ROOT, "--no-passphrase"],
                ca_extra,
            ]
            .concat(),
        );
        env.issue("home", "officer", "person", OFFICER, cert_extra);
        env.issue("home", "sealer", "person", SEALER, cert_extra);
        env.issue("home", "holder", "seal", HOLDER, cert_extra);
        env.issue(
            "home",
            "tls",
            "server",
            "CN=ca.lyg.gov.cn,O=连云港市人民政府,C=CN",
            &[&["--san", "dns:ca.lyg.gov.cn,ip:127.0.0.1"], cert_extra].concat(),
        );
        before_policy(&env);
        let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
        env.ok("home", &["ca", "policy", policies.to_str().unwrap()]);
        env
    }

    /// `govpki serve` of `home` with an intranet HTTPS listener and the publication listener.
    pub fn serve(&self) -> Server {
        let mut cmd = self.cmd("home");
        cmd.args(self.operator("officer")).args([
            "--domain",
            "intranet",
            "serve",
            "--listen",
            "127.0.0.1:0=intranet",
            "--publish",
            "127.0.0.1:0",
            "--tls-cert",
            &self.p("tls.pem"),
            "--tls-key",
            &self.p("tls.key"),
        ]);
        Server::spawn(cmd, 2)
    }

    /// `--as NAME.pem --as-key NAME.key`.
    pub fn operator(&self, name: &str) -> Vec<String> {
        vec![
            "--as".into(),
            self.p(&format!("{name}.pem")),
            "--as-key".into(),
            self.p(&format!("{name}.key")),
        ]
    }

    /// `govpki --ca URL --ca-trust home/ca.pem --as NAME.pem --as-key NAME.key ARGS`, run in a
    /// home of the client's own (nothing of the CA's is read locally).
    pub fn remote(&self, url: &str, operator: &str, args: &[&str]) -> (i32, String, String) {
        let mut all = vec![
            "--ca".to_string(),
            url.to_string(),
            "--ca-trust".into(),
            self.p("home/ca.pem"),
        ];
        all.extend(self.operator(operator));
        all.extend(args.iter().map(|s| s.to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        self.run("client", &all)
    }

    /// The same command run locally on `home` as `operator` on the intranet.
    pub fn local_as(&self, operator: &str, args: &[&str]) -> (i32, String, String) {
        let mut all = self.operator(operator);
        all.extend(["--domain".to_string(), "intranet".into()]);
        all.extend(args.iter().map(|s| s.to_string()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        self.run("home", &all)
    }

    /// `cert list --json` of `home`: (serial, status) pairs.
    pub fn listed(&self, home: &str) -> Vec<(String, String)> {
        let list = json(&self.ok(home, &["--json", "cert", "list"]));
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["serial"].as_str().unwrap().to_string(),
                    r["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// An object's keys, sorted.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// The serial of a certificate file, as `cert show --json` of `home` gives it.
pub fn serial_of(env: &Env, home: &str, file: &str) -> String {
    json(&env.ok(home, &["--json", "cert", "show", &env.p(file)]))["serial"]
        .as_str()
        .unwrap()
        .to_string()
}
