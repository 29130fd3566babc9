//! `govpki seal` end to end through the binary: create, sign, verify, show, revoke, status-list,
//! with the negative cases of issue #3, and openssl (and GnuTLS certtool, when present) as the
//! independent judges of what `seal sign` writes.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const ROOT_DN: &str = "CN=测试根CA,O=连云港市人民政府,C=CN";
const HOLDER_DN: &str = "CN=李四,OU=办公室,O=连云港市人民政府,C=CN";
const SEAL_NAME: &str = "连云港市人民政府办公室";

/// A temporary directory with a root CA home, a seal holder, a seal and a document.
struct Fx {
    dir: tempfile::TempDir,
}

/// One finished run.
struct Run {
    out: Output,
}

impl Run {
    fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    #[track_caller]
    fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code(),
            code,
            "exit {} (wanted {code})\nstdout:\n{}\nstderr:\n{}",
            self.code(),
            self.stdout(),
            self.stderr()
        );
        self
    }
    /// The JSON lines on stdout.
    fn json_lines(&self) -> Vec<Value> {
        self.stdout()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("GOVPKI_REQUIRE_TOOLS").is_none(),
            "`{tool}` is required (GOVPKI_REQUIRE_TOOLS is set)"
        );
        eprintln!("SKIPPED: `{tool}` is not installed; this check did not run");
    }
    found
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0).unwrap().format(&Rfc3339).unwrap()
}

impl Fx {
    /// A root CA home (P-256, unencrypted key for speed), a `seal`-profile holder of 办公室 and
    /// the office's official seal listing it, and a document `doc.txt`.
    fn new() -> Fx {
        let fx = Fx::bare();
        fx.init_home("home", ROOT_DN);
        fx.holder("home", "holder", HOLDER_DN, None);
        fx.ok(
            "home",
            &[
                "seal",
                "create",
                "--name",
                SEAL_NAME,
                "--type",
                "official",
                "--department",
                "办公室",
                "--holder-cert",
                &fx.p("holder.pem"),
                "--render",
                "--out",
                &fx.p("office.esl"),
            ],
        );
        fx.write(
            "doc.txt",
            "关于召开2026年度工作会议的通知\nnotice body\n".repeat(50),
        );
        fx
    }

    fn bare() -> Fx {
        Fx {
            dir: tempfile::Builder::new()
                .prefix("govpki-seal-")
                .tempdir()
                .unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn p(&self, rel: &str) -> String {
        self.path(rel).display().to_string()
    }

    fn write(&self, rel: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::write(&p, data).unwrap();
        p
    }

    fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap()
    }

    /// Runs govpki with `home` (relative to the directory) as its home.
    fn run(&self, home: &str, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_govpki"))
            .args(args)
            .current_dir(self.dir.path())
            .env("GOVPKI_HOME", self.path(home))
            .env("NO_COLOR", "1")
            .env_remove("GOVPKI_POLICY")
            .output()
            .unwrap();
        Run { out }
    }

    #[track_caller]
    fn ok(&self, home: &str, args: &[&str]) -> Run {
        self.run(home, args).expect(0)
    }

    fn init_home(&self, home: &str, dn: &str) {
        self.ok(
            home,
            &["-q", "ca", "init", "--subject", dn, "--no-passphrase"],
        );
        let pem = self.ok(home, &["ca", "show"]).stdout();
        self.write(&format!("{home}-root.pem"), pem);
    }

    /// Issues a certificate of `profile` (default `seal`) with a generated key: NAME.pem and
    /// NAME.key (unencrypted).
    fn holder(&self, home: &str, name: &str, dn: &str, profile: Option<&str>) {
        self.ok(
            home,
            &[
                "-q",
                "cert",
                "issue",
                "--profile",
                profile.unwrap_or("seal"),
                "--subject",
                dn,
                "--key-out",
                &self.p(&format!("{name}.key")),
                "--no-key-passphrase",
                "--out",
                &self.p(&format!("{name}.pem")),
            ],
        );
    }

    fn serial_of(&self, cert: &str) -> String {
        let out = Command::new("openssl")
            .args(["x509", "-noout", "-serial", "-in", &self.p(cert)])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .trim_start_matches("serial=")
            .to_string()
    }

    fn sign_args<'a>(&'a self, seal: &'a str, extra: &[&'a str]) -> Vec<String> {
        let mut v: Vec<String> = vec![
            "seal".into(),
            "sign".into(),
            "--seal".into(),
            self.p(seal),
            "--key".into(),
            self.p("holder.key"),
            "--cert".into(),
            self.p("holder.pem"),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    }

    fn sign(&self, home: &str, seal: &str, extra: &[&str]) -> Run {
        let args = self.sign_args(seal, extra);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(home, &refs)
    }

    /// `seal verify --json` of one document: (exit code, its JSON line).
    fn verify_json(&self, home: &str, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json", "seal", "verify"];
        all.extend_from_slice(args);
        let r = self.run(home, &all);
        let lines = r.json_lines();
        assert_eq!(
            lines.len(),
            1,
            "stdout: {}\nstderr: {}",
            r.stdout(),
            r.stderr()
        );
        (r.code(), lines.into_iter().next().unwrap())
    }

    fn openssl_verify(&self, sig: &str, doc: &str, ca: &str) -> bool {
        Command::new("openssl")
            .args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                sig,
                "-content",
                doc,
                "-CAfile",
                ca,
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ])
            .current_dir(self.dir.path())
            .output()
            .unwrap()
            .status
            .success()
    }
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report}"))
}

#[test]
fn happy_path_sign_verify_show_and_openssl_accepts() {
    let fx = Fx::new();
    fx.sign("home", "office.esl", &["doc.txt"]).expect(0);
    assert!(fx.path("doc.txt.p7s").is_file());

    // Our verifier: valid, with the seal's fields.
    let (code, r) = fx.verify_json("home", &["doc.txt"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["verdict"], "valid");
    assert_eq!(r["seal_name"], SEAL_NAME);
    assert_eq!(r["seal_type"], "official");
    assert_eq!(r["department"], "办公室");
    assert_eq!(r["signing_time_source"], "claimed by signer");
    // The CA's home knows its own revocations (its store), CRL or not.
    assert_eq!(r["reason"], "all checks passed", "{r}");
    // A reviewer without the CA's store and without a CRL cannot tell.
    let (code, r) = fx.verify_json("nohome", &["doc.txt", "--trust", &fx.p("home-root.pem")]);
    assert_eq!(code, 0, "{r}");
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .contains("revocation not checked")
    );
    // ... as a field a script tests, on the chain checks (issue #9), not only in the words.
    let chains: Vec<&serde_json::Value> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("revocation_checked").is_some())
        .collect();
    assert!(!chains.is_empty(), "{r}");
    assert!(
        chains.iter().any(|c| c["revocation_checked"] == false),
        "{r}"
    );
    let text = fx.ok("home", &["seal", "verify", "doc.txt"]).stdout();
    assert!(text.contains("VALID"), "{text}");
    assert!(text.contains("esID:"), "{text}");

    // openssl accepts what we made, with the root as its only trust.
    if have("openssl") {
        assert!(fx.openssl_verify("doc.txt.p7s", "doc.txt", "home-root.pem"));
        // The four CAdES-B-B attributes, and the seal under its OID.
        let out = Command::new("openssl")
            .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
            .arg(fx.path("doc.txt.p7s"))
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&out.stdout);
        for attr in [
            "contentType",
            "messageDigest",
            "signingTime",
            "signingCertificateV2",
            "1.3.6.1.4.1.32473.1.1",
        ] {
            assert!(printed.contains(attr), "`{attr}` not in cms -print output");
        }
    }
    if have("certtool") {
        let out = Command::new("certtool")
            .args(["--p7-verify", "--inder", "--infile"])
            .arg(fx.path("doc.txt.p7s"))
            .arg("--load-data")
            .arg(fx.path("doc.txt"))
            .arg("--load-ca-certificate")
            .arg(fx.path("home-root.pem"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(text.contains("Signature status: ok"), "{text}");
    }

    // seal show: the signature with its seal, and the seal image.
    let shown = fx.ok("home", &["seal", "show", "doc.txt.p7s"]).stdout();
    assert!(
        shown.contains(SEAL_NAME) && shown.contains("signingCertificateV2"),
        "{shown}"
    );
    fx.ok(
        "home",
        &[
            "seal",
            "show",
            "office.esl",
            "--image-out",
            &fx.p("office.svg"),
        ],
    );
    assert!(
        String::from_utf8(fx.read("office.svg"))
            .unwrap()
            .contains("<svg")
    );
    let j: Value = serde_json::from_str(
        &fx.ok("home", &["--json", "seal", "show", "office.esl"])
            .stdout(),
    )
    .unwrap();
    assert_eq!(j["kind"], "seal");
    assert_eq!(j["image_width_mm"], 42);

    // The audit chain holds the seal's creation and still verifies.
    let audit = fx.ok("home", &["audit", "show"]).stdout();
    assert!(audit.contains("seal.create"), "{audit}");
    fx.ok("home", &["audit", "verify"]);
}

#[test]
fn one_byte_changed_is_invalid_for_us_and_openssl() {
    let fx = Fx::new();
    fx.sign("home", "office.esl", &["doc.txt"]).expect(0);
    let mut bytes = fx.read("doc.txt");
    bytes[10] ^= 0x01;
    fx.write("tampered.txt", &bytes);
    let (code, r) = fx.verify_json("home", &["tampered.txt", "--sig", &fx.p("doc.txt.p7s")]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["verdict"], "invalid");
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .contains("document hash mismatch"),
        "{r}"
    );
    assert_eq!(check(&r, "document_hash")["status"], "fail");
    if have("openssl") {
        assert!(!fx.openssl_verify("doc.txt.p7s", "tampered.txt", "home-root.pem"));
    }
}

#[test]
fn truncated_or_garbage_signature_is_an_error() {
    let fx = Fx::new();
    fx.sign("home", "office.esl", &["doc.txt"]).expect(0);
    let sig = fx.read("doc.txt.p7s");
    fx.write("trunc.p7s", &sig[..sig.len() / 2]);
    fx.write(
        "garbage.p7s",
        b"\x30\x82\x01\x00this is not a signature at all",
    );
    for bad in ["trunc.p7s", "garbage.p7s"] {
        let r = fx
            .run("home", &["seal", "verify", "doc.txt", "--sig", &fx.p(bad)])
            .expect(2);
        assert!(
            r.stderr().contains(bad),
            "the error names the file: {}",
            r.stderr()
        );
        assert_eq!(
            r.stderr()
                .lines()
                .filter(|l| l.starts_with("error:"))
                .count(),
            1
        );
        // seal show refuses it too.
        fx.run("home", &["seal", "show", &fx.p(bad)]).expect(2);
    }
}

#[test]
fn holder_not_listed_in_the_seal_is_refused_at_sign_time() {
    let fx = Fx::new();
    fx.holder(
        "home",
        "other",
        "CN=王五,OU=办公室,O=连云港市人民政府,C=CN",
        None,
    );
    let r = fx
        .run(
            "home",
            &[
                "seal",
                "sign",
                "--seal",
                &fx.p("office.esl"),
                "--key",
                &fx.p("other.key"),
                "--cert",
                &fx.p("other.pem"),
                "doc.txt",
            ],
        )
        .expect(1);
    assert!(
        r.stdout().contains("does not list the signing certificate"),
        "{}",
        r.stdout()
    );
    assert!(!fx.path("doc.txt.p7s").exists());
}

#[test]
fn seal_made_by_an_untrusted_authority_is_invalid() {
    let fx = Fx::new();
    // Another CA (not trusted by the reviewer) makes a seal for our holder.
    fx.init_home("rogue", "CN=伪造CA,O=某单位,C=CN");
    fx.ok(
        "rogue",
        &[
            "seal",
            "create",
            "--name",
            SEAL_NAME,
            "--type",
            "official",
            "--department",
            "办公室",
            "--holder-cert",
            &fx.p("holder.pem"),
            "--holder-trust",
            &fx.p("home-root.pem"),
            "--out",
            &fx.p("rogue.esl"),
        ],
    );
    fx.sign("home", "rogue.esl", &["doc.txt"]).expect(0);
    let (code, r) = fx.verify_json("home", &["doc.txt"]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(check(&r, "seal_authority_chain")["status"], "fail");
    assert_eq!(check(&r, "signer_chain")["status"], "pass");
    assert!(
        r["reason"].as_str().unwrap().contains("seal authority"),
        "{r}"
    );
}

#[test]
fn expired_and_not_yet_valid_seals() {
    let fx = Fx::new();
    let now = OffsetDateTime::now_utc();
    let create = |out: &str, from: String, until: String| {
        fx.ok(
            "home",
            &[
                "seal",
                "create",
                "--name",
                SEAL_NAME,
                "--type",
                "official",
                "--department",
                "办公室",
                "--holder-cert",
                &fx.p("holder.pem"),
                "--valid-from",
                &from,
                "--valid-until",
                &until,
                "--out",
                &fx.p(out),
            ],
        )
    };
    // A window in the past: made (with a warning), refused at sign time.
    let r = create(
        "old.esl",
        "2020-01-01T00:00:00Z".into(),
        "2021-01-01T00:00:00Z".into(),
    );
    assert!(r.stderr().contains("cannot be applied"), "{}", r.stderr());
    let r = fx.sign("home", "old.esl", &["doc.txt"]).expect(1);
    assert!(r.stdout().contains("expired"), "{}", r.stdout());
    assert!(!fx.path("doc.txt.p7s").exists());
    // A window in the future: refused too.
    create(
        "future.esl",
        rfc3339(now + time::Duration::days(1)),
        rfc3339(now + time::Duration::days(2)),
    );
    let r = fx.sign("home", "future.esl", &["doc.txt"]).expect(1);
    assert!(r.stdout().contains("not valid before"), "{}", r.stdout());
    // A short window: sealed now, judged after it closed (--at) the seal had expired.
    create(
        "short.esl",
        rfc3339(now - time::Duration::minutes(5)),
        rfc3339(now + time::Duration::hours(1)),
    );
    fx.sign("home", "short.esl", &["doc.txt"]).expect(0);
    let later = rfc3339(now + time::Duration::hours(3));
    let (code, r) = fx.verify_json("home", &["doc.txt", "--at", &later]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(check(&r, "seal_validity")["status"], "fail");
    assert!(r["reason"].as_str().unwrap().contains("expired"), "{r}");
}

#[test]
fn holder_revoked_before_signing_is_invalid_and_refused_at_home() {
    let fx = Fx::new();
    let serial = fx.serial_of("holder.pem");
    fx.ok(
        "home",
        &["cert", "revoke", &serial, "--reason", "keyCompromise"],
    );
    fx.ok(
        "home",
        &["-q", "crl", "generate", "--out", &fx.p("root.crl")],
    );
    // This home knows: refused.
    let r = fx.sign("home", "office.esl", &["doc.txt"]).expect(1);
    assert!(r.stdout().contains("revoked"), "{}", r.stdout());
    // A department machine without the CA's store signs anyway ...
    fx.sign(
        "nohome",
        "office.esl",
        &["--chain", &fx.p("home-root.pem"), "doc.txt"],
    )
    .expect(0);
    // ... and the reviewer with the CRL finds the holder revoked before the signing time.
    let (code, r) = fx.verify_json("home", &["doc.txt", "--crl", &fx.p("root.crl")]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(check(&r, "signer_chain")["status"], "fail");
    assert!(r["reason"].as_str().unwrap().contains("revoked at"), "{r}");
}

#[test]
fn holder_revoked_after_signing_stays_valid() {
    let fx = Fx::new();
    fx.sign("home", "office.esl", &["doc.txt"]).expect(0);
    // Revocation times have one-second resolution: make "after" unambiguous.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let serial = fx.serial_of("holder.pem");
    fx.ok(
        "home",
        &["cert", "revoke", &serial, "--reason", "superseded"],
    );
    fx.ok(
        "home",
        &["-q", "crl", "generate", "--out", &fx.p("root.crl")],
    );
    let (code, r) = fx.verify_json(
        "home",
        &[
            "doc.txt",
            "--crl",
            &fx.p("root.crl"),
            "--require-revocation",
        ],
    );
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["reason"], "all checks passed");
    assert!(
        check(&r, "signer_chain")["detail"]
            .as_str()
            .unwrap()
            .contains("not revoked")
    );
    // Judged after the revocation, the same signature is invalid.
    let later = rfc3339(OffsetDateTime::now_utc() + time::Duration::minutes(1));
    let (code, _) = fx.verify_json(
        "home",
        &["doc.txt", "--crl", &fx.p("root.crl"), "--at", &later],
    );
    assert_eq!(code, 1);
}

#[test]
fn require_revocation_without_a_crl_is_indeterminate() {
    let fx = Fx::new();
    fx.sign("home", "office.esl", &["doc.txt"]).expect(0);
    // A reviewer without the CA's store (which would settle it) and without a CRL.
    let trust = fx.p("home-root.pem");
    let (code, r) = fx.verify_json(
        "nohome",
        &["doc.txt", "--require-revocation", "--trust", &trust],
    );
    assert_eq!(code, 3, "{r}");
    assert_eq!(r["verdict"], "indeterminate");
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .contains("revocation not checked"),
        "{r}"
    );
    // A CRL published after the signing time settles it.
    fx.ok(
        "home",
        &["-q", "crl", "generate", "--out", &fx.p("root.crl")],
    );
    let (code, r) = fx.verify_json(
        "home",
        &[
            "doc.txt",
            "--require-revocation",
            "--crl",
            &fx.p("root.crl"),
        ],
    );
    assert_eq!(code, 0, "{r}");
}

#[test]
fn seal_revoked_before_signing() {
    let fx = Fx::new();
    let es_id = fx
        .ok("home", &["--json", "seal", "show", "office.esl"])
        .json_lines()[0]["es_id"]
        .as_str()
        .unwrap()
        .to_string();
    fx.ok("home", &["seal", "revoke", &es_id, "--reason", "印章遗失"]);
    // Revoking twice, or an unknown esID, is an error.
    fx.run("home", &["seal", "revoke", &es_id]).expect(2);
    fx.run("home", &["seal", "revoke", "00ff"]).expect(2);
    // The authority's home refuses to apply it.
    let r = fx.sign("home", "office.esl", &["doc.txt"]).expect(1);
    assert!(r.stdout().contains("revoked"), "{}", r.stdout());
    // Signed elsewhere anyway, it is invalid for a reviewer with the authority's store ...
    fx.sign(
        "nohome",
        "office.esl",
        &["--chain", &fx.p("home-root.pem"), "doc.txt"],
    )
    .expect(0);
    let (code, r) = fx.verify_json("home", &["doc.txt"]);
    assert_eq!(code, 1, "{r}");
    assert_eq!(check(&r, "seal_revocation")["status"], "fail");
    // ... and for one with only the published seal status list.
    fx.ok(
        "home",
        &[
            "-q",
            "seal",
            "status-list",
            "--out",
            &fx.p("seal-status.pem"),
        ],
    );
    let shown = fx
        .ok("home", &["seal", "show", &fx.p("seal-status.pem")])
        .stdout();
    assert!(
        shown.contains(&es_id) && shown.contains("印章遗失"),
        "{shown}"
    );
    let (code, r) = fx.verify_json(
        "nohome",
        &[
            "doc.txt",
            "--trust",
            &fx.p("home-root.pem"),
            "--seal-status",
            &fx.p("seal-status.pem"),
        ],
    );
    assert_eq!(code, 1, "{r}");
    assert!(r["reason"].as_str().unwrap().contains("revoked"), "{r}");
    // Without any seal status, the reviewer cannot tell (revocation not checked).
    let (code, r) = fx.verify_json("nohome", &["doc.txt", "--trust", &fx.p("home-root.pem")]);
    assert_eq!(code, 0, "{r}");
    assert!(
        check(&r, "seal_revocation")["detail"]
            .as_str()
            .unwrap()
            .contains("revocation not checked")
    );
    let audit = fx.ok("home", &["audit", "show"]).stdout();
    assert!(audit.contains("seal.revoke"), "{audit}");
    fx.ok("home", &["audit", "verify"]);
}

#[test]
fn openssl_signature_without_a_seal_is_invalid_no_seal() {
    if !have("openssl") {
        return;
    }
    let fx = Fx::new();
    let status = Command::new("openssl")
        .args([
            "cms", "-sign", "-binary", "-outform", "DER", "-in", "doc.txt", "-signer",
        ])
        .args(["holder.pem", "-inkey", "holder.key", "-out", "plain.p7s"])
        .current_dir(fx.dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let (code, r) = fx.verify_json("home", &["doc.txt", "--sig", &fx.p("plain.p7s")]);
    assert_eq!(code, 1, "{r}");
    assert!(r["reason"].as_str().unwrap().starts_with("no seal"), "{r}");
    let shown = fx
        .ok("home", &["seal", "show", &fx.p("plain.p7s")])
        .stdout();
    assert!(shown.contains("carries no electronic seal"), "{shown}");
    fx.run(
        "home",
        &[
            "seal",
            "show",
            &fx.p("plain.p7s"),
            "--image-out",
            &fx.p("x.png"),
        ],
    )
    .expect(2);
    assert!(!fx.path("x.png").exists());
}

#[test]
fn missing_document_is_an_error() {
    let fx = Fx::new();
    let r = fx
        .sign("home", "office.esl", &["doc.txt", "missing.txt"])
        .expect(2);
    assert!(r.stderr().contains("missing.txt"), "{}", r.stderr());
    assert!(
        !fx.path("doc.txt.p7s").exists(),
        "nothing sealed when an input is missing"
    );
    let r = fx.run("home", &["seal", "verify", "missing.txt"]).expect(2);
    assert!(
        r.stderr().contains("reading document `missing.txt`"),
        "{}",
        r.stderr()
    );
}

#[test]
fn wrong_key_passphrase_is_an_error_and_leaves_no_file() {
    let fx = Fx::new();
    fx.write("right.pass", "right passphrase\n");
    fx.write("wrong.pass", "wrong passphrase\n");
    fx.ok(
        "home",
        &[
            "-q",
            "cert",
            "issue",
            "--profile",
            "seal",
            "--subject",
            "CN=赵六,OU=办公室,O=连云港市人民政府,C=CN",
            "--key-out",
            &fx.p("enc.key"),
            "--key-passphrase-file",
            &fx.p("right.pass"),
            "--out",
            &fx.p("enc.pem"),
        ],
    );
    fx.ok(
        "home",
        &[
            "seal",
            "create",
            "--name",
            SEAL_NAME,
            "--type",
            "contract",
            "--department",
            "办公室",
            "--holder-cert",
            &fx.p("enc.pem"),
            "--out",
            &fx.p("contract.esl"),
        ],
    );
    let base = [
        "seal",
        "sign",
        "--seal",
        &fx.p("contract.esl"),
        "--key",
        &fx.p("enc.key"),
        "--cert",
        &fx.p("enc.pem"),
    ];
    let (wrong_pass, right_pass) = (fx.p("wrong.pass"), fx.p("right.pass"));
    let mut wrong = base.to_vec();
    wrong.extend(["--passphrase-file", &wrong_pass, "doc.txt"]);
    let r = fx.run("home", &wrong).expect(2);
    assert!(r.stderr().contains("passphrase"), "{}", r.stderr());
    assert!(!fx.path("doc.txt.p7s").exists());
    let mut right = base.to_vec();
    right.extend(["--passphrase-file", &right_pass, "doc.txt"]);
    fx.run("home", &right).expect(0);
    let (code, r) = fx.verify_json("home", &["doc.txt"]);
    assert_eq!(
        (code, r["seal_type"].as_str()),
        (0, Some("contract")),
        "{r}"
    );
}

#[test]
fn batch_outputs_force_and_worst_exit_code() {
    let fx = Fx::new();
    std::fs::create_dir_all(fx.path("a")).unwrap();
    std::fs::create_dir_all(fx.path("b")).unwrap();
    fx.write("a/same.txt", "one");
    fx.write("b/same.txt", "two");
    let r = fx
        .sign(
            "home",
            "office.esl",
            &["--out-dir", &fx.p("out"), "a/same.txt", "b/same.txt"],
        )
        .expect(2);
    assert!(r.stderr().contains("same file name"), "{}", r.stderr());
    // Many documents in one run, into one directory.
    let mut docs = Vec::new();
    for i in 0..40 {
        docs.push(format!("d{i}.txt"));
        fx.write(
            &format!("d{i}.txt"),
            format!("document {i}\n").repeat(i + 1),
        );
    }
    let mut extra = vec!["--out-dir".to_string(), fx.p("out")];
    extra.extend(docs.iter().cloned());
    let extra_refs: Vec<&str> = extra.iter().map(String::as_str).collect();
    fx.sign("home", "office.esl", &extra_refs).expect(0);
    // Existing signatures need --force.
    fx.sign("home", "office.esl", &extra_refs).expect(2);
    let mut forced = extra_refs.clone();
    forced.insert(0, "--force");
    fx.sign("home", "office.esl", &forced).expect(0);
    // Verify them all: JSON lines, one per document, valid.
    let mut args = vec!["--json".to_string(), "seal".into(), "verify".into()];
    for d in &docs {
        args.push(d.clone());
    }
    // Signatures live in out/: verify one by one there is --sig; move them beside instead.
    for d in &docs {
        std::fs::rename(
            fx.path(&format!("out/{d}.p7s")),
            fx.path(&format!("{d}.p7s")),
        )
        .unwrap();
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = fx.run("home", &refs).expect(0);
    let mut lines = r.json_lines();
    // After the documents' lines, the tally (tests/verify_json_tally.rs).
    let tally = lines.pop().expect("the tally line");
    assert_eq!(tally["documents"], docs.len(), "{tally}");
    assert_eq!(tally["tally"]["valid"], docs.len(), "{tally}");
    assert_eq!(lines.len(), docs.len());
    assert!(
        lines
            .iter()
            .all(|l| l["verdict"] == "valid" && l["reason"].is_string())
    );
    // One tampered document makes the run invalid (1); a missing signature makes it an error (2).
    fx.write("d3.txt", "changed");
    fx.run("home", &["seal", "verify", "d1.txt", "d2.txt", "d3.txt"])
        .expect(1);
    fx.write("nosig.txt", "x");
    let r = fx
        .run(
            "home",
            &["--json", "seal", "verify", "d1.txt", "d3.txt", "nosig.txt"],
        )
        .expect(2);
    let mut lines = r.json_lines();
    let tally = lines.pop().expect("the tally line");
    assert_eq!(
        tally,
        json!({"documents": 3, "tally": {"valid": 1, "invalid": 1, "indeterminate": 0, "errors": 1}})
    );
    assert_eq!(
        lines
            .iter()
            .map(|l| l["verdict"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["valid", "invalid", "error"]
    );
}

#[test]
fn ses_format_and_bad_holders_are_errors() {
    let fx = Fx::new();
    let r = fx
        .sign("home", "office.esl", &["--format", "ses", "doc.txt"])
        .expect(2);
    assert!(
        r.stderr().contains("does not certify an SM2 key"),
        "{}",
        r.stderr()
    );
    // A person certificate lacks documentSigning: not a seal holder.
    fx.holder(
        "home",
        "person",
        "CN=钱七,OU=办公室,O=连云港市人民政府,C=CN",
        Some("person"),
    );
    let r = fx
        .run(
            "home",
            &[
                "seal",
                "create",
                "--name",
                SEAL_NAME,
                "--type",
                "official",
                "--department",
                "办公室",
                "--holder-cert",
                &fx.p("person.pem"),
                "--out",
                &fx.p("p.esl"),
            ],
        )
        .expect(2);
    assert!(r.stderr().contains("person.pem"), "{}", r.stderr());
    assert!(!fx.path("p.esl").exists());
    // A holder another CA certified does not validate with this CA's chain.
    fx.init_home("other", "CN=另一个CA,O=某单位,C=CN");
    fx.holder(
        "other",
        "foreign",
        "CN=外单位,OU=办公室,O=某单位,C=CN",
        None,
    );
    fx.run(
        "home",
        &[
            "seal",
            "create",
            "--name",
            SEAL_NAME,
            "--type",
            "official",
            "--department",
            "办公室",
            "--holder-cert",
            &fx.p("foreign.pem"),
            "--out",
            &fx.p("f.esl"),
        ],
    )
    .expect(2);
    // A malformed seal is an error naming the file.
    fx.write("bad.esl", b"\x30\x03\x02\x01\x01");
    let r = fx.sign("home", "bad.esl", &["doc.txt"]).expect(2);
    assert!(r.stderr().contains("bad.esl"), "{}", r.stderr());
}

#[test]
fn help_has_examples_and_exit_codes() {
    let fx = Fx::bare();
    for verb in ["create", "sign", "verify", "show", "revoke", "status-list"] {
        let r = fx.ok("nohome", &["seal", verb, "--help"]);
        let text = r.stdout();
        assert!(
            text.contains("EXAMPLES:") && text.contains("EXIT CODES"),
            "{verb}: {text}"
        );
    }
}

#[test]
fn p384_and_ed25519_keys_seal_and_verify() {
    for (ca_alg, holder_alg, digest) in
        [("p384", "p384", "sha384"), ("ed25519", "ed25519", "sha512")]
    {
        let fx = Fx::bare();
        fx.ok(
            "home",
            &[
                "-q",
                "ca",
                "init",
                "--subject",
                ROOT_DN,
                "--algorithm",
                ca_alg,
                "--no-passphrase",
            ],
        );
        let pem = fx.ok("home", &["ca", "show"]).stdout();
        fx.write("home-root.pem", pem);
        fx.ok(
            "home",
            &[
                "-q",
                "cert",
                "issue",
                "--profile",
                "seal",
                "--subject",
                HOLDER_DN,
                "--algorithm",
                holder_alg,
                "--key-out",
                &fx.p("holder.key"),
                "--no-key-passphrase",
                "--out",
                &fx.p("holder.pem"),
            ],
        );
        fx.ok(
            "home",
            &[
                "seal",
                "create",
                "--name",
                SEAL_NAME,
                "--type",
                "invoice",
                "--department",
                "办公室",
                "--holder-cert",
                &fx.p("holder.pem"),
                "--out",
                &fx.p("office.esl"),
            ],
        );
        fx.write("doc.txt", "发票\n");
        fx.sign("home", "office.esl", &["doc.txt"]).expect(0);
        let (code, r) = fx.verify_json("home", &["doc.txt"]);
        assert_eq!(code, 0, "{ca_alg}: {r}");
        assert_eq!(r["document_digest_algorithm"], digest, "{r}");
        // OpenSSL 3.0's CMS cannot verify Ed25519 signers at all (`eddsa_digest_signverify_init:
        // invalid digest`, its own `cms -sign` output included); GnuTLS can.
        if holder_alg != "ed25519" && have("openssl") {
            assert!(
                fx.openssl_verify("doc.txt.p7s", "doc.txt", "home-root.pem"),
                "openssl rejects the {holder_alg} signature"
            );
        }
        if have("certtool") {
            let out = Command::new("certtool")
                .args(["--p7-verify", "--inder", "--infile"])
                .arg(fx.path("doc.txt.p7s"))
                .arg("--load-data")
                .arg(fx.path("doc.txt"))
                .arg("--load-ca-certificate")
                .arg(fx.path("home-root.pem"))
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(
                text.contains("Signature status: ok"),
                "{holder_alg}: {text}"
            );
        }
    }
}

#[test]
fn subordinate_ca_home_as_seal_authority() {
    let fx = Fx::bare();
    fx.init_home("root", ROOT_DN);
    fx.ok(
        "sub",
        &[
            "-q",
            "ca",
            "init",
            "--subject",
            "CN=办公室子CA,O=连云港市人民政府,C=CN",
            "--parent",
            &fx.p("root"),
            "--path-len",
            "0",
            "--no-passphrase",
        ],
    );
    fx.holder("sub", "holder", HOLDER_DN, None);
    fx.ok(
        "sub",
        &[
            "seal",
            "create",
            "--name",
            SEAL_NAME,
            "--type",
            "official",
            "--department",
            "办公室",
            "--holder-cert",
            &fx.p("holder.pem"),
            "--out",
            &fx.p("office.esl"),
        ],
    );
    fx.write("doc.txt", "通知\n");
    fx.sign("sub", "office.esl", &["doc.txt"]).expect(0);
    fx.ok(
        "root",
        &["-q", "crl", "generate", "--out", &fx.p("root.crl")],
    );
    fx.ok("sub", &["-q", "crl", "generate", "--out", &fx.p("sub.crl")]);
    // A reviewer with only the root: the chain travels in the signature; both CRLs settle
    // revocation of the holder and of the sub CA (the seal authority), but without a seal status
    // list the seal's own revocation is not settled: indeterminate when required.
    let (code, r) = fx.verify_json(
        "nohome",
        &[
            "doc.txt",
            "--trust",
            &fx.p("root-root.pem"),
            "--crl",
            &fx.p("root.crl"),
            "--crl",
            &fx.p("sub.crl"),
            "--require-revocation",
        ],
    );
    assert_eq!(code, 3, "{r}");
    assert_eq!(check(&r, "seal_revocation")["status"], "indeterminate");
    assert_eq!(check(&r, "signer_chain")["status"], "pass");
    assert_eq!(check(&r, "seal_authority_chain")["status"], "pass");
    fx.ok(
        "sub",
        &[
            "-q",
            "seal",
            "status-list",
            "--der",
            "--out",
            &fx.p("status.der"),
        ],
    );
    let (code, r) = fx.verify_json(
        "nohome",
        &[
            "doc.txt",
            "--trust",
            &fx.p("root-root.pem"),
            "--crl",
            &fx.p("root.crl"),
            "--crl",
            &fx.p("sub.crl"),
            "--require-revocation",
            "--seal-status",
            &fx.p("status.der"),
        ],
    );
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["reason"], "all checks passed");
    // Without the root's CRL the sub CA's revocation is unknown: indeterminate when required.
    let (code, r) = fx.verify_json(
        "nohome",
        &[
            "doc.txt",
            "--trust",
            &fx.p("root-root.pem"),
            "--crl",
            &fx.p("sub.crl"),
            "--require-revocation",
            "--seal-status",
            &fx.p("status.der"),
        ],
    );
    assert_eq!(code, 3, "{r}");
    if have("openssl") {
        assert!(fx.openssl_verify("doc.txt.p7s", "doc.txt", "root-root.pem"));
    }
}
