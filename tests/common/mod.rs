//! Helpers shared by the integration tests that run the built `govpki` binary: temporary homes,
//! the command with `GOVPKI_HOME` and `NO_COLOR` set, passphrase files, independent tools
//! (skipped loudly when missing, required when `GOVPKI_REQUIRE_TOOLS=1`), and JSON parsing.
//!
//! Each test binary compiles this module on its own and uses a different subset of it.
#![allow(dead_code)]

pub mod remote;
pub mod seal;
pub mod serve;

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

/// The seven built-in profiles (DESIGN.md §3).
pub const PROFILES: [&str; 7] = [
    "sub-ca",
    "department",
    "person",
    "seal",
    "server",
    "ocsp",
    "tsa",
];

/// A DN suffix with CJK, as the CA centre writes them.
pub const ORG: &str = "O=连云港市人民政府,C=CN";
pub const DEPT: &str = "OU=信息中心,O=连云港市人民政府,C=CN";

/// The variable the test binary `govpki-test` adds to its clock, in seconds
/// (`src/bin/govpki-test.rs`). The `govpki` binary ignores it in every build.
pub const CLOCK_OFFSET_VAR: &str = govpki::ops::clock::TEST_OFFSET_VAR;

/// The test binary: govpki on a clock moved by [`CLOCK_OFFSET_VAR`], built by `cargo test` only
/// (feature `test-clock`, turned on by the crate's dev-dependency on itself).
pub const GOVPKI_TEST_BIN: &str = env!("CARGO_BIN_EXE_govpki-test");

/// Monday 2027-01-04 10:00 in Asia/Shanghai (02:00 UTC), as seconds since the Unix epoch: office
/// hours and outside the nightly maintenance window of the shipped policy.
pub const MONDAY_10_SHANGHAI: i64 = 1_799_028_000;

/// The value of [`CLOCK_OFFSET_VAR`] that makes this test run start at [`MONDAY_10_SHANGHAI`].
/// Computed once per test binary.
///
/// An offset, not an absolute time: every govpki process of the run sees the clock move on from
/// that instant, so a CA made by a process that crossed a second boundary is never "not yet
/// valid" for the next process, as it would be if each process started at the instant again.
pub fn monday_10_shanghai_offset() -> &'static str {
    static OFFSET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OFFSET.get_or_init(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_secs();
        (i128::from(MONDAY_10_SHANGHAI) - i128::from(now)).to_string()
    })
}

/// A temporary working directory that holds CA homes, keys, certificates and fixtures.
pub struct Env {
    dir: tempfile::TempDir,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::Builder::new()
                .prefix("govpki-test-")
                .tempdir()
                .expect("create a temporary directory"),
        }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the directory (not created).
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file and returns its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create parent directory");
        }
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("writing `{}`: {e}", p.display()));
        p
    }

    /// A passphrase file as an operator writes it (with a trailing newline, which is ignored).
    pub fn passphrase_file(&self, rel: &str, passphrase: &str) -> PathBuf {
        self.write(rel, format!("{passphrase}\n"))
    }

    /// Runs `govpki` with this home.
    pub fn run<I, S>(&self, home: &Path, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run_in(home, self.root(), args)
    }

    /// Creates a root CA with an unencrypted key (fast) and the given extra flags.
    pub fn root_ca(&self, name: &str, algorithm: &str, extra: &[&str]) -> Ca {
        let home = self.path(name);
        let subject = format!("CN={name} 根CA,{ORG}");
        let mut args = vec![
            "ca",
            "init",
            "--subject",
            &subject,
            "--algorithm",
            algorithm,
            "--no-passphrase",
        ];
        args.extend_from_slice(extra);
        self.run(&home, &args).success();
        Ca::at(home)
    }

    /// Creates a subordinate CA under `parent` with an unencrypted key.
    pub fn sub_ca(&self, name: &str, parent: &Ca, extra: &[&str]) -> Ca {
        let home = self.path(name);
        let subject = format!("CN={name} 业务CA,{ORG}");
        let mut args = vec![
            "ca",
            "init",
            "--subject",
            &subject,
            "--parent",
            p(&parent.home),
            "--no-passphrase",
        ];
        args.extend_from_slice(extra);
        self.run(&home, &args).success();
        Ca::at(home)
    }

    /// Issues a certificate with a generated, unencrypted key: `NAME.key` and `NAME.pem`.
    pub fn issue(
        &self,
        ca: &Ca,
        name: &str,
        profile: &str,
        subject: &str,
        sans: &[&str],
        extra: &[&str],
    ) -> Issued {
        let key = self.path(&format!("{name}.key"));
        let cert = self.path(&format!("{name}.pem"));
        let mut args: Vec<String> = [
            "--json",
            "cert",
            "issue",
            "--profile",
            profile,
            "--subject",
            subject,
            "--key-out",
            p(&key),
            "--no-key-passphrase",
            "--out",
            p(&cert),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if !sans.is_empty() {
            args.push("--san".into());
            args.push(sans.join(","));
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let run = self.run(&ca.home, &args).success();
        let json = run.json();
        Issued {
            serial: json_str(&json, "serial"),
            cert,
            key: Some(key),
            json,
        }
    }

    /// Issues a certificate for a CSR file: `NAME.pem`.
    pub fn issue_csr(
        &self,
        ca: &Ca,
        name: &str,
        profile: &str,
        csr: &Path,
        extra: &[&str],
    ) -> Issued {
        let cert = self.path(&format!("{name}.pem"));
        let mut args = vec![
            "--json",
            "cert",
            "issue",
            "--profile",
            profile,
            "--csr",
            p(csr),
            "--out",
            p(&cert),
        ];
        args.extend_from_slice(extra);
        let run = self.run(&ca.home, &args).success();
        let json = run.json();
        Issued {
            serial: json_str(&json, "serial"),
            cert,
            key: None,
            json,
        }
    }

    /// `govpki csr create` with an unencrypted key: `NAME.key` and `NAME.csr`.
    pub fn csr_create(
        &self,
        name: &str,
        subject: &str,
        sans: &[&str],
        extra: &[&str],
    ) -> (PathBuf, PathBuf) {
        let key = self.path(&format!("{name}.key"));
        let csr = self.path(&format!("{name}.csr"));
        // Any home will do: csr create touches no store.
        let mut args: Vec<String> = [
            "csr",
            "create",
            "--subject",
            subject,
            "--key-out",
            p(&key),
            "--no-passphrase",
            "--out",
            p(&csr),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if !sans.is_empty() {
            args.push("--san".into());
            args.push(sans.join(","));
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        self.run(&self.path("no-home"), &args).success();
        (key, csr)
    }

    /// Publishes a CRL of `ca` to `rel` (PEM, or DER with `der`).
    pub fn crl(&self, ca: &Ca, rel: &str, der: bool, extra: &[&str]) -> PathBuf {
        let out = self.path(rel);
        let mut args = vec!["crl", "generate", "--out", p(&out)];
        if der {
            args.push("--der");
        }
        args.extend_from_slice(extra);
        self.run(&ca.home, &args).success();
        out
    }
}

/// A CA home created by a test.
#[derive(Debug, Clone)]
pub struct Ca {
    pub home: PathBuf,
    /// HOME/ca.pem, the CA certificate.
    pub cert: PathBuf,
    /// HOME/chain.pem, this CA up to the root.
    pub chain: PathBuf,
}

impl Ca {
    pub fn at(home: PathBuf) -> Ca {
        Ca {
            cert: home.join("ca.pem"),
            chain: home.join("chain.pem"),
            home,
        }
    }

    pub fn key(&self) -> PathBuf {
        self.home.join("private/ca.key")
    }

    pub fn db(&self) -> PathBuf {
        self.home.join("govpki.db")
    }
}

/// A certificate issued by a test.
#[derive(Debug, Clone)]
pub struct Issued {
    pub serial: String,
    pub cert: PathBuf,
    pub key: Option<PathBuf>,
    /// The `--json` report of `cert issue`.
    pub json: Value,
}

/// A finished `govpki` run.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: Option<i32>,
    pub stdout: String,
    pub stdout_bytes: Vec<u8>,
    pub stderr: String,
}

impl Run {
    fn from_output(args: Vec<String>, out: Output) -> Run {
        Run {
            args,
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stdout_bytes: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// What the run said about an error, as text: stderr, and a `--json` run's error line
    /// (`{"error", "hint"}` on stdout, issue #12) rendered as the text mode prints it.
    pub fn error_text(&self) -> String {
        let mut text = self.stderr.clone();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(self.stdout.trim())
            && let Some(error) = v.get("error").and_then(|e| e.as_str())
        {
            text.push_str(&format!("error: {error}\n"));
            if let Some(hint) = v.get("hint").and_then(|h| h.as_str()) {
                text.push_str(&format!("hint: {hint}\n"));
            }
        }
        text
    }

    /// A description for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "`govpki {}` exited {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }

    /// Asserts the exit code.
    #[track_caller]
    pub fn code(self, expected: i32) -> Run {
        assert_eq!(
            self.code,
            Some(expected),
            "unexpected exit code\n{}",
            self.describe()
        );
        assert!(
            !self.stderr.contains("panicked"),
            "govpki panicked\n{}",
            self.describe()
        );
        self
    }

    /// Asserts exit 0.
    #[track_caller]
    pub fn success(self) -> Run {
        self.code(0)
    }

    /// Parses stdout as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document: {e}\n{}", self.describe()))
    }

    /// Parses stdout as JSON lines.
    #[track_caller]
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("not a JSON line: {e}: {l}\n{}", self.describe()))
            })
            .collect()
    }

    /// The `error:` lines on stderr.
    pub fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect()
    }

    /// Stdout and stderr together, for "never printed" checks.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// The built binary as a command with `GOVPKI_HOME` and `NO_COLOR` set, stdin closed (no
/// terminal), and a fixed user name for the audit log.
pub fn govpki(home: &Path, cwd: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_govpki"));
    cmd.env("GOVPKI_HOME", home)
        .env("NO_COLOR", "1")
        .env("USER", "govpki-test")
        .env_remove("GOVPKI_POLICY")
        // English reports whatever the tester's locale (tests/snapshots_i18n.rs sets them).
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env_remove("GOVPKI_LANG")
        // Never the real ~/.cache (tests/policy_cache.rs tests the cache).
        .env("GOVPKI_NO_CACHE", "1")
        .current_dir(cwd)
        .stdin(std::process::Stdio::null());
    cmd
}

/// Runs `govpki` with `home` from `cwd` and captures everything.
pub fn run_in<I, S>(home: &Path, cwd: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args
        .into_iter()
        .map(|a| a.as_ref().to_os_string())
        .collect();
    let shown = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut cmd = govpki(home, cwd);
    cmd.args(&args);
    let out = assert_cmd::Command::from_std(cmd)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .expect("spawn govpki");
    Run::from_output(shown, out)
}

/// A path as a `&str` (temporary paths are UTF-8).
pub fn p(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// A string field of a JSON object, or a panic naming it.
#[track_caller]
pub fn json_str(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("JSON has no string `{key}`: {v}"))
        .to_string()
}

/// A serial as the store writes it: upper-case hex, no colons.
pub fn norm_serial(s: &str) -> String {
    s.trim()
        .trim_start_matches("serial=")
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The serials in a `cert list --json` array.
pub fn serials(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a JSON array: {list}"))
        .iter()
        .map(|c| json_str(c, "serial"))
        .collect()
}

/// `cert list --json` of a home (with extra filters).
pub fn list(env: &Env, ca: &Ca, filters: &[&str]) -> Value {
    let mut args = vec!["--json", "cert", "list"];
    args.extend_from_slice(filters);
    env.run(&ca.home, &args).success().json()
}

/// The row of `serial` in a `cert list --json` array.
pub fn row<'a>(list: &'a Value, serial: &str) -> &'a Value {
    list.as_array()
        .and_then(|a| a.iter().find(|c| c["serial"].as_str() == Some(serial)))
        .unwrap_or_else(|| panic!("serial {serial} not in {list}"))
}

/// SANs a profile needs to be issued (`server` needs a host name).
pub fn sans_for(profile: &str) -> Vec<&'static str> {
    match profile {
        "server" => vec!["dns:www.example.gov.cn", "ip:10.1.2.3"],
        "person" | "seal" => vec!["email:zhangsan@example.gov.cn"],
        "department" => vec!["email:xxzx@example.gov.cn"],
        "ocsp" | "tsa" => vec!["dns:pki.example.gov.cn"],
        _ => vec![],
    }
}

/// A subject for a profile.
pub fn subject_for(profile: &str) -> String {
    format!("CN={profile} 测试,{DEPT}")
}

/// The Unix permission bits of a path.
pub fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat `{}`: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// RFC 3339 for now plus `days` (negative for the past).
pub fn days_from_now(days: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::days(days);
    t.replace_nanosecond(0)
        .expect("zero nanoseconds")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format RFC 3339")
}

/// Whether an independent tool is installed. Missing: a loud `SKIPPED` line and `false`, or a
/// panic when `GOVPKI_REQUIRE_TOOLS=1` (CI installs every tool; nothing may be skipped there).
pub fn require_tool(name: &str) -> bool {
    if find_in_path(name).is_some() {
        return true;
    }
    if std::env::var("GOVPKI_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!(
            "`{name}` is not installed, and GOVPKI_REQUIRE_TOOLS=1 forbids skipping (run .ci/run)"
        );
    }
    eprintln!("SKIPPED: {name} not installed (install it to run this check; .ci/run does)");
    false
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join(name))
        .find(|c| {
            std::fs::metadata(c).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Runs an independent tool and captures its output.
pub fn tool<I, S>(name: &str, args: I) -> ToolRun
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args
        .into_iter()
        .map(|a| a.as_ref().to_os_string())
        .collect();
    let out = std::process::Command::new(name)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running `{name}`: {e}"));
    ToolRun {
        cmdline: format!(
            "{name} {}",
            args.iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stdout_bytes: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A finished run of an independent tool.
#[derive(Debug)]
pub struct ToolRun {
    pub cmdline: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stdout_bytes: Vec<u8>,
    pub stderr: String,
}

impl ToolRun {
    pub fn describe(&self) -> String {
        format!(
            "`{}` exited {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmdline, self.code, self.stdout, self.stderr
        )
    }

    #[track_caller]
    pub fn success(self) -> ToolRun {
        assert_eq!(self.code, Some(0), "{}", self.describe());
        self
    }

    #[track_caller]
    pub fn failure(self) -> ToolRun {
        assert!(
            self.code.is_some_and(|c| c != 0),
            "expected a failure\n{}",
            self.describe()
        );
        self
    }
}

/// The public key (SPKI PEM) of a certificate, a CSR or a private key, as openssl prints it.
pub fn openssl_pubkey(kind: &str, file: &Path, passin: Option<&Path>) -> String {
    let run = match kind {
        "cert" => tool("openssl", ["x509", "-in", p(file), "-noout", "-pubkey"]),
        "csr" => tool("openssl", ["req", "-in", p(file), "-noout", "-pubkey"]),
        "key" => {
            let mut args = vec![
                "pkey".to_string(),
                "-in".into(),
                p(file).into(),
                "-pubout".into(),
            ];
            if let Some(pass) = passin {
                args.push("-passin".into());
                args.push(format!("file:{}", p(pass)));
            }
            tool("openssl", args)
        }
        other => panic!("unknown kind {other}"),
    };
    run.success().stdout
}

/// The DER inside the first PEM block of a file (or the file itself if it is not PEM).
pub fn der_of(file: &Path) -> Vec<u8> {
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("reading `{}`: {e}", file.display()));
    if bytes.starts_with(b"-----BEGIN") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        pem::parse(&bytes)
            .unwrap_or_else(|e| panic!("PEM in `{}`: {e}", file.display()))
            .into_contents()
    } else {
        bytes
    }
}

/// The elements (whole TLVs) of the constructed DER TLV `der`.
pub fn child_tlvs(der: &[u8]) -> Vec<Vec<u8>> {
    use der::{Decode, Reader, SliceReader, asn1::AnyRef};
    let any = AnyRef::from_der(der).expect("one DER TLV");
    let mut r = SliceReader::new(any.value()).expect("TLV content");
    let mut out = Vec::new();
    while !r.is_finished() {
        let start = usize::try_from(r.position()).unwrap();
        let _: AnyRef<'_> = r.decode().expect("a child TLV");
        let end = usize::try_from(r.position()).unwrap();
        out.push(any.value()[start..end].to_vec());
    }
    out
}

/// The content octets of a DER BIT STRING TLV without unused bits.
pub fn bit_string(tlv: &[u8]) -> Vec<u8> {
    use der::Decode;
    der::asn1::BitStringRef::from_der(tlv)
        .expect("a BIT STRING")
        .as_bytes()
        .expect("no unused bits")
        .to_vec()
}

/// Rebuilds the whole hash chain of the audit log in `db` over its records as they now are, as
/// someone with write access to the file could: only the signatures and the heads can tell.
pub fn rechain(db: &rusqlite::Connection) {
    use govpki::audit::{self, Event};
    let rows: Vec<(i64, Event)> = db
        .prepare("SELECT seq, time, actor, action, object, outcome FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                Event {
                    time: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    object: r.get(4)?,
                    outcome: r.get(5)?,
                },
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = audit::GENESIS.to_string();
    for (seq, event) in rows {
        let hash = audit::record_hash(&prev, seq, &event);
        db.execute(
            "UPDATE audit SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![prev, hash, seq],
        )
        .unwrap();
        prev = hash;
    }
}
