//! `govpki seal timestamp` and time-stamped `seal verify` (CAdES-B-T) end to end, with OpenSSL
//! as the independent time-stamp authority (`openssl ts -reply`) and judge (`openssl ts -verify`
//! of our request's answer, `openssl cms -verify` of the signature after embedding). Without
//! openssl the tests say SKIPPED, or fail when `GOVPKI_REQUIRE_TOOLS=1` (as `.ci/run` sets).

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const ROOT_DN: &str = "CN=测试根CA,O=连云港市人民政府,C=CN";
const HOLDER_DN: &str = "CN=李四,OU=办公室,O=连云港市人民政府,C=CN";
const TSA_DN: &str = "CN=时间戳服务,O=连云港市人民政府,C=CN";

fn have_openssl() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("GOVPKI_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "openssl is required (GOVPKI_REQUIRE_TOOLS=1) but not installed"
        );
        eprintln!("SKIPPED: `openssl` is not installed; the time-stamp tests did not run");
    }
    found
}

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
    fn json(&self) -> Value {
        let line = self.stdout();
        let line = line.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }
}

/// A root CA home with a seal holder, a TSA certificate (`--profile tsa`), the office's seal,
/// a sealed document `doc.txt` (+ `doc.txt.p7s`) and an `openssl ts` configuration.
struct Fx {
    dir: tempfile::TempDir,
}

impl Fx {
    fn new() -> Fx {
        let fx = Fx {
            dir: tempfile::Builder::new()
                .prefix("govpki-ts-")
                .tempdir()
                .unwrap(),
        };
        fx.init_home("home", ROOT_DN);
        fx.issue("home", "holder", HOLDER_DN, "seal");
        fx.issue("home", "tsa", TSA_DN, "tsa");
        fx.ok(
            "home",
            &[
                "-q",
                "seal",
                "create",
                "--name",
                "连云港市人民政府办公室",
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
        fx.seal_doc("doc.txt", "关于召开2026年度工作会议的通知\n");
        std::fs::write(fx.path("tsaserial"), "01\n").unwrap();
        std::fs::write(
            fx.path("ts.cnf"),
            format!(
                "[ tsa ]\ndefault_tsa = tsa_config1\n[ tsa_config1 ]\nserial = {}\n\
                 crypto_device = builtin\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n\
                 other_policies = 1.2.3.4.2\ndigests = sha256, sha384, sha512\n\
                 accuracy = secs:1, millisecs:500\nordering = no\ntsa_name = yes\n\
                 ess_cert_id_chain = no\ness_cert_id_alg = sha256\ncerts = yes\n",
                fx.p("tsaserial")
            ),
        )
        .unwrap();
        fx
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn p(&self, rel: &str) -> String {
        self.path(rel).display().to_string()
    }

    fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap()
    }

    fn run(&self, home: &str, args: &[&str]) -> Run {
        let out = Command::new(assert_cmd::cargo::cargo_bin!("govpki"))
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
        std::fs::write(self.path(&format!("{home}-root.pem")), pem).unwrap();
    }

    fn issue(&self, home: &str, name: &str, dn: &str, profile: &str) {
        self.ok(
            home,
            &[
                "-q",
                "cert",
                "issue",
                "--profile",
                profile,
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

    fn seal_doc(&self, name: &str, body: &str) {
        std::fs::write(self.path(name), body.repeat(40)).unwrap();
        self.ok(
            "home",
            &[
                "-q",
                "seal",
                "sign",
                "--seal",
                &self.p("office.esl"),
                "--key",
                &self.p("holder.key"),
                "--cert",
                &self.p("holder.pem"),
                name,
            ],
        );
    }

    /// `seal timestamp SIG --query-out REQ`, then `openssl ts -reply` by the TSA `tsa` (its
    /// certificate `tsa.pem`, key `tsa.key`, chain `chain`): writes REQ and RESP.
    fn openssl_reply(&self, sig: &str, req: &str, resp: &str, tsa: &str, chain: &str) {
        self.ok(
            "home",
            &["-q", "seal", "timestamp", sig, "--query-out", req],
        );
        let o = Command::new("openssl")
            .args(["ts", "-reply", "-queryfile", req, "-signer"])
            .arg(format!("{tsa}.pem"))
            .arg("-inkey")
            .arg(format!("{tsa}.key"))
            .args(["-chain", chain, "-config", "ts.cnf", "-out", resp])
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "openssl ts -reply: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// `seal verify --json DOC ARGS...`: (exit code, the report).
    fn verify_json(&self, doc: &str, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json", "seal", "verify", doc];
        all.extend_from_slice(args);
        let r = self.run("home", &all);
        (r.code(), r.json())
    }

    /// A certificate's serial in hex, as `openssl x509 -serial` prints it.
    fn serial_of(&self, cert: &str) -> String {
        let o = self.openssl(&["x509", "-noout", "-serial", "-in", cert]);
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .trim_start_matches("serial=")
            .to_string()
    }

    fn openssl(&self, args: &[&str]) -> Output {
        Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
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

/// The embedded token of a `.p7s`, as the attribute holds it.
fn token_of(p7s: &[u8]) -> Vec<u8> {
    let sig = govpki::seal::parse_signature(p7s).unwrap();
    sig.signer().time_stamp_token.clone().expect("a time-stamp")
}

#[test]
fn an_openssl_time_stamp_is_embedded_and_proves_the_signing_time() {
    if !have_openssl() {
        return;
    }
    let fx = Fx::new();
    fx.openssl_reply("doc.txt.p7s", "req.tsq", "resp.tsr", "tsa", "home-root.pem");

    // OpenSSL, independently, finds that the response answers our request (imprint, nonce).
    let o = fx.openssl(&[
        "ts",
        "-verify",
        "-in",
        "resp.tsr",
        "-queryfile",
        "req.tsq",
        "-CAfile",
        "home-root.pem",
        "-untrusted",
        "tsa.pem",
    ]);
    assert!(
        o.status.success() && String::from_utf8_lossy(&o.stdout).contains("Verification: OK"),
        "openssl ts -verify: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let o = fx.openssl(&["ts", "-query", "-in", "req.tsq", "-text"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Hash Algorithm: sha256"), "{text}");
    assert!(text.contains("Certificate required: yes"), "{text}");
    assert!(text.contains("Nonce: 0x"), "{text}");

    let before = fx.read("doc.txt.p7s");
    let r = fx
        .ok(
            "home",
            &[
                "--json",
                "seal",
                "timestamp",
                "doc.txt.p7s",
                "--response",
                "resp.tsr",
                "--query",
                "req.tsq",
                "--trust",
                "home-root.pem",
            ],
        )
        .json();
    assert_eq!(r["tsa_chain_checked"], true, "{r}");
    assert!(r["tsa"].as_str().unwrap().contains("时间戳服务"), "{r}");
    assert_eq!(r["policy"], "1.2.3.4.1");
    let after = fx.read("doc.txt.p7s");
    assert_ne!(before, after);

    // The signed part is untouched: OpenSSL still accepts the signature, and sees the token.
    let o = fx.openssl(&[
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "doc.txt.p7s",
        "-content",
        "doc.txt",
        "-CAfile",
        "home-root.pem",
        "-purpose",
        "any",
        "-out",
        "/dev/null",
    ]);
    assert!(
        o.status.success(),
        "openssl cms -verify: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = fx.openssl(&[
        "cms",
        "-cmsout",
        "-print",
        "-inform",
        "DER",
        "-in",
        "doc.txt.p7s",
    ]);
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(
        printed.contains("id-smime-aa-timeStampToken"),
        "no time-stamp attribute in:\n{printed}"
    );

    let shown = fx.ok("home", &["seal", "show", "doc.txt.p7s"]).stdout();
    assert!(shown.contains("time-stamp:    genTime "), "{shown}");
    assert!(shown.contains("时间戳服务"), "{shown}");

    // seal verify: valid, judged at genTime, the source named.
    let text = fx.ok("home", &["seal", "verify", "doc.txt"]).stdout();
    assert!(text.contains("(time-stamp by "), "{text}");
    assert!(text.contains("claimed time:"), "{text}");
    let (code, v) = fx.verify_json("doc.txt", &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(check(&v, "time_stamp")["status"], "pass", "{v}");
    assert!(
        v["signing_time_source"]
            .as_str()
            .unwrap()
            .starts_with("time-stamp by "),
        "{v}"
    );
    assert_eq!(v["judged_at"], v["time_stamp"]["gen_time"], "{v}");

    // A second time-stamp replaces nothing silently.
    fx.openssl_reply(
        "doc.txt.p7s",
        "req2.tsq",
        "resp2.tsr",
        "tsa",
        "home-root.pem",
    );
    let r = fx
        .run(
            "home",
            &[
                "seal",
                "timestamp",
                "doc.txt.p7s",
                "--response",
                "resp2.tsr",
            ],
        )
        .expect(2);
    assert!(
        r.stderr().contains("already carries a time-stamp"),
        "{}",
        r.stderr()
    );
    assert!(r.stderr().contains("--force"), "{}", r.stderr());
    assert_eq!(fx.read("doc.txt.p7s"), after);
    fx.ok(
        "home",
        &[
            "-q",
            "seal",
            "timestamp",
            "doc.txt.p7s",
            "--response",
            "resp2.tsr",
            "--force",
        ],
    );
    let sig = govpki::seal::parse_signature(&fx.read("doc.txt.p7s")).unwrap();
    assert_eq!(
        sig.signer()
            .unsigned_types
            .iter()
            .filter(|t| *t == "1.2.840.113549.1.9.16.2.14")
            .count(),
        1
    );
    let (code, v) = fx.verify_json("doc.txt", &[]);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn a_response_for_another_signature_or_request_is_refused_and_the_file_is_unchanged() {
    if !have_openssl() {
        return;
    }
    let fx = Fx::new();
    fx.seal_doc("other.txt", "another document\n");
    fx.openssl_reply(
        "other.txt.p7s",
        "other.tsq",
        "other.tsr",
        "tsa",
        "home-root.pem",
    );
    let before = fx.read("doc.txt.p7s");
    let r = fx
        .run(
            "home",
            &[
                "seal",
                "timestamp",
                "doc.txt.p7s",
                "--response",
                "other.tsr",
            ],
        )
        .expect(1);
    assert!(r.stdout().contains("another signature"), "{}", r.stdout());
    assert_eq!(fx.read("doc.txt.p7s"), before);

    // Our own response, checked against a request it does not answer (another nonce).
    fx.openssl_reply("doc.txt.p7s", "req.tsq", "resp.tsr", "tsa", "home-root.pem");
    fx.ok(
        "home",
        &[
            "-q",
            "seal",
            "timestamp",
            "doc.txt.p7s",
            "--query-out",
            "again.tsq",
        ],
    );
    let r = fx
        .run(
            "home",
            &[
                "seal",
                "timestamp",
                "doc.txt.p7s",
                "--response",
                "resp.tsr",
                "--query",
                "again.tsq",
            ],
        )
        .expect(1);
    assert!(r.stdout().contains("nonce"), "{}", r.stdout());
    assert_eq!(fx.read("doc.txt.p7s"), before);

    // A request file is not overwritten without --force.
    fx.run(
        "home",
        &["seal", "timestamp", "doc.txt.p7s", "--query-out", "req.tsq"],
    )
    .expect(2);
}

#[test]
fn a_token_moved_into_another_documents_signature_is_invalid() {
    if !have_openssl() {
        return;
    }
    let fx = Fx::new();
    fx.seal_doc("other.txt", "another document\n");
    fx.openssl_reply(
        "other.txt.p7s",
        "other.tsq",
        "other.tsr",
        "tsa",
        "home-root.pem",
    );
    fx.ok(
        "home",
        &[
            "-q",
            "seal",
            "timestamp",
            "other.txt.p7s",
            "--response",
            "other.tsr",
        ],
    );
    let (code, v) = fx.verify_json("other.txt", &[]);
    assert_eq!(code, 0, "{v}");

    // Moved by hand (govpki refuses to embed it): doc.txt's signature with other's token.
    let token = token_of(&fx.read("other.txt.p7s"));
    let moved =
        govpki::seal::with_time_stamp_token(&fx.read("doc.txt.p7s"), &token, false).unwrap();
    std::fs::write(fx.path("doc.txt.p7s"), moved).unwrap();
    let (code, v) = fx.verify_json("doc.txt", &[]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(check(&v, "time_stamp")["status"], "fail", "{v}");
    assert!(
        v["reason"].as_str().unwrap().contains("another signature"),
        "{v}"
    );
}

#[test]
fn a_time_stamp_by_an_untrusted_tsa_is_indeterminate() {
    if !have_openssl() {
        return;
    }
    let fx = Fx::new();
    fx.init_home("rogue", "CN=Rogue Root,O=Elsewhere,C=CN");
    fx.issue("rogue", "rogue-tsa", "CN=Rogue TSA,O=Elsewhere,C=CN", "tsa");
    fx.openssl_reply(
        "doc.txt.p7s",
        "req.tsq",
        "resp.tsr",
        "rogue-tsa",
        "rogue-root.pem",
    );
    // Under the home's root the TSA is refused; without --trust it is embedded unchecked.
    let before = fx.read("doc.txt.p7s");
    let r = fx
        .run(
            "home",
            &[
                "seal",
                "timestamp",
                "doc.txt.p7s",
                "--response",
                "resp.tsr",
                "--trust",
                "home-root.pem",
            ],
        )
        .expect(1);
    assert!(r.stdout().contains("not trusted"), "{}", r.stdout());
    assert_eq!(fx.read("doc.txt.p7s"), before);
    let r = fx.ok(
        "home",
        &["seal", "timestamp", "doc.txt.p7s", "--response", "resp.tsr"],
    );
    assert!(r.stderr().contains("not checked"), "{}", r.stderr());

    let (code, v) = fx.verify_json("doc.txt", &[]);
    assert_eq!(code, 3, "{v}");
    assert_eq!(check(&v, "time_stamp")["status"], "indeterminate", "{v}");
    assert!(v["reason"].as_str().unwrap().contains("not trusted"), "{v}");
    assert_eq!(v["signing_time_source"], "claimed by signer", "{v}");
    // Trusting the rogue root too makes it valid.
    let (code, v) = fx.verify_json(
        "doc.txt",
        &[
            "--trust",
            &fx.p("home-root.pem"),
            "--trust",
            &fx.p("rogue-root.pem"),
        ],
    );
    assert_eq!(code, 0, "{v}");
}

#[test]
fn an_altered_token_is_invalid_never_a_panic() {
    if !have_openssl() {
        return;
    }
    let fx = Fx::new();
    fx.openssl_reply("doc.txt.p7s", "req.tsq", "resp.tsr", "tsa", "home-root.pem");
    fx.ok(
        "home",
        &[
            "-q",
            "seal",
            "timestamp",
            "doc.txt.p7s",
            "--response",
            "resp.tsr",
        ],
    );
    let p7s = fx.read("doc.txt.p7s");
    let token = token_of(&p7s);
    let at = p7s
        .windows(token.len())
        .position(|w| w == token.as_slice())
        .unwrap();

    // Every single-byte change of the token: either the .p7s is no longer DER and is refused
    // as malformed (a changed tag or length: strict DER, as `openssl cms` refuses it), or it
    // parses and the token check answers (in-process: the whole sweep would be minutes
    // through the binary). Never a panic.
    let sig = govpki::seal::parse_signature(&p7s).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let mut parsed_count = 0;
    for i in 0..token.len() {
        let mut bad = p7s.clone();
        bad[at + i] ^= 0x01;
        let Ok(parsed) = govpki::seal::parse_signature(&bad) else {
            continue;
        };
        parsed_count += 1;
        let t = parsed.signer().time_stamp_token.clone().unwrap();
        let _ = govpki::seal::timestamp::verify_token(
            &t,
            &sig.signer().signature,
            &sig.certificates,
            None,
            now,
        );
    }
    // Most bytes of a token are content (signature, certificates, TSTInfo values).
    assert!(
        parsed_count > token.len() / 2,
        "{parsed_count} of {}",
        token.len()
    );

    // Through the binary: a flipped last byte (the TSA's signature value), and one in the
    // TSTInfo (its policy OID 1.2.3.4.1). A byte of the certificates the token carries may
    // change harmlessly (the root's copy is not used), so the bytes are chosen.
    let policy = [0x06, 0x04, 0x2A, 0x03, 0x04, 0x01];
    let in_tst_info = token
        .windows(policy.len())
        .position(|w| w == policy)
        .expect("the policy OID in the TSTInfo")
        + policy.len()
        - 1;
    for i in [token.len() - 1, in_tst_info] {
        let mut bad = p7s.clone();
        bad[at + i] ^= 0x20;
        std::fs::write(fx.path("doc.txt.p7s"), &bad).unwrap();
        let (code, v) = fx.verify_json("doc.txt", &[]);
        assert_eq!(code, 1, "byte {i}: {v}");
        assert_eq!(check(&v, "time_stamp")["status"], "fail", "byte {i}: {v}");
    }
    // Garbage in place of the token.
    let garbage = govpki::seal::with_time_stamp_token(
        &fx.read("doc.txt.p7s"),
        &[0x30, 0x03, 0x02, 0x01, 0x05],
        true,
    )
    .unwrap();
    std::fs::write(fx.path("doc.txt.p7s"), garbage).unwrap();
    let (code, v) = fx.verify_json("doc.txt", &[]);
    assert_eq!(code, 1, "{v}");
    assert!(v["reason"].as_str().unwrap().contains("unreadable"), "{v}");
}

#[test]
fn a_holder_revoked_after_the_claimed_time_but_before_the_time_stamp_is_invalid() {
    if !have_openssl() {
        return;
    }
    let fx = Fx::new();
    let plain = fx.read("doc.txt.p7s");
    // Signed at t0, revoked at t1 > t0, time-stamped at t2 >= t1 (whole seconds apart).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let serial = fx.serial_of("holder.pem");
    fx.ok(
        "home",
        &["-q", "cert", "revoke", &serial, "--reason", "superseded"],
    );
    fx.ok(
        "home",
        &["-q", "crl", "generate", "--out", &fx.p("root.crl")],
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fx.openssl_reply("doc.txt.p7s", "req.tsq", "resp.tsr", "tsa", "home-root.pem");
    fx.ok(
        "home",
        &[
            "-q",
            "seal",
            "timestamp",
            "doc.txt.p7s",
            "--response",
            "resp.tsr",
        ],
    );

    let crl = fx.p("root.crl");
    let (code, v) = fx.verify_json("doc.txt", &["--crl", &crl]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(check(&v, "signer_chain")["status"], "fail", "{v}");
    assert_eq!(check(&v, "time_stamp")["status"], "pass", "{v}");
    assert!(v["reason"].as_str().unwrap().contains("revoked"), "{v}");

    // The same signature without the time-stamp is judged at the claimed time: valid.
    std::fs::write(fx.path("plain.p7s"), plain).unwrap();
    let (code, v) = fx.verify_json("doc.txt", &["--crl", &crl, "--sig", &fx.p("plain.p7s")]);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn malformed_responses_are_errors_and_leave_the_signature_alone() {
    // No openssl needed: the corpus of malformed inputs (testdata/malformed/) as responses.
    let fx = Fx::new();
    let before = fx.read("doc.txt.p7s");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/malformed");
    let mut tried = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let r = fx.run(
            "home",
            &[
                "seal",
                "timestamp",
                "doc.txt.p7s",
                "--response",
                &path.display().to_string(),
            ],
        );
        assert_eq!(r.code(), 2, "{}: {}", path.display(), r.stderr());
        assert!(r.stderr().contains("error:"), "{}", r.stderr());
        tried += 1;
    }
    assert!(tried > 10);
    assert_eq!(fx.read("doc.txt.p7s"), before);
    // A signature that is no signature.
    std::fs::write(fx.path("junk.p7s"), b"\x30\x03\x02\x01\x01").unwrap();
    fx.run(
        "home",
        &["seal", "timestamp", "junk.p7s", "--query-out", "q.tsq"],
    )
    .expect(2);
    assert!(!fx.path("q.tsq").exists());
}

#[test]
fn a_tsa_revoked_later_for_key_compromise_proves_no_time() {
    if !have_openssl() {
        return;
    }
    let fx = Fx::new();
    fx.openssl_reply("doc.txt.p7s", "req.tsq", "resp.tsr", "tsa", "home-root.pem");
    fx.ok(
        "home",
        &[
            "-q",
            "seal",
            "timestamp",
            "doc.txt.p7s",
            "--response",
            "resp.tsr",
        ],
    );
    let tsa_serial = fx.serial_of("tsa.pem");
    // Revoked after genTime: for an ordinary reason the token still proves its time...
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fx.ok(
        "home",
        &[
            "-q",
            "cert",
            "revoke",
            &tsa_serial,
            "--reason",
            "superseded",
        ],
    );
    fx.ok(
        "home",
        &["-q", "crl", "generate", "--out", &fx.p("root.crl")],
    );
    let crl = fx.p("root.crl");
    let (code, v) = fx.verify_json("doc.txt", &["--crl", &crl]);
    assert_eq!(check(&v, "time_stamp")["status"], "pass", "{v}");
    assert_eq!(code, 0, "{v}");

    // ...but a stolen TSA key can write any genTime: after keyCompromise it proves nothing.
    fx.issue(
        "home",
        "tsa2",
        "CN=Second TSA,O=连云港市人民政府,C=CN",
        "tsa",
    );
    fx.openssl_reply(
        "doc.txt.p7s",
        "req2.tsq",
        "resp2.tsr",
        "tsa2",
        "home-root.pem",
    );
    fx.ok(
        "home",
        &[
            "-q",
            "seal",
            "timestamp",
            "doc.txt.p7s",
            "--response",
            "resp2.tsr",
            "--force",
        ],
    );
    let tsa2_serial = fx.serial_of("tsa2.pem");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fx.ok(
        "home",
        &[
            "-q",
            "cert",
            "revoke",
            &tsa2_serial,
            "--reason",
            "keyCompromise",
        ],
    );
    fx.ok(
        "home",
        &["-q", "crl", "generate", "--out", &fx.p("root.crl")],
    );
    let (code, v) = fx.verify_json("doc.txt", &["--crl", &crl]);
    assert_ne!(check(&v, "time_stamp")["status"], "pass", "{v}");
    assert!(v.to_string().contains("compromised key voids"), "{v}");
    assert_ne!(code, 0, "{v}");
}

/// Issue #9: a TSA certificate issued by a subordinate CA is a TSA (as `openssl ts -verify`
/// and `cert verify --purpose time-stamping` say), with the sub-CA given as `--untrusted`.
#[test]
fn a_tsa_under_a_subordinate_ca_is_accepted() {
    if !have_openssl() {
        return;
    }
    let fx = Fx::new();
    fx.ok(
        "sub",
        &[
            "-q",
            "ca",
            "init",
            "--subject",
            "CN=连云港市时间戳子CA,O=连云港市人民政府,C=CN",
            "--parent",
            &fx.p("home"),
            "--no-passphrase",
        ],
    );
    let sub_pem = fx.ok("sub", &["ca", "show"]).stdout();
    std::fs::write(fx.path("sub.pem"), &sub_pem).unwrap();
    fx.issue(
        "sub",
        "sub-tsa",
        "CN=子CA时间戳服务,O=连云港市人民政府,C=CN",
        "tsa",
    );
    std::fs::write(
        fx.path("sub-chain.pem"),
        format!(
            "{sub_pem}{}",
            String::from_utf8_lossy(&fx.read("home-root.pem"))
        ),
    )
    .unwrap();
    fx.openssl_reply(
        "doc.txt.p7s",
        "req.tsq",
        "resp.tsr",
        "sub-tsa",
        "sub-chain.pem",
    );
    // The independent judge agrees first.
    let o = fx.openssl(&[
        "ts",
        "-verify",
        "-in",
        "resp.tsr",
        "-queryfile",
        "req.tsq",
        "-CAfile",
        "home-root.pem",
        "-untrusted",
        "sub-chain.pem",
    ]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("Verification: OK"),
        "openssl ts -verify: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let r = fx
        .ok(
            "home",
            &[
                "--json",
                "seal",
                "timestamp",
                "doc.txt.p7s",
                "--response",
                "resp.tsr",
                "--trust",
                "home-root.pem",
                "--untrusted",
                "sub.pem",
            ],
        )
        .json();
    assert_eq!(r["tsa_chain_checked"], true, "{r}");
    // The reviewer's side: the embedded token's TSA is judged through the same sub-CA.
    let (code, v) = fx.verify_json("doc.txt", &["--untrusted", &fx.p("sub.pem")]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(check(&v, "time_stamp")["status"], "pass", "{v}");
}
