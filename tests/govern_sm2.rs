//! Governance with the national algorithms (issue #10): a CA home under the shipped policy
//! (`policies/`) whose CA, operators, or both have SM2 keys. An allowed SM2 operator issues and
//! revokes, and the audit log keeps his SM2-with-SM3 statement signature (user ID
//! `1234567812345678`); a denied, a revoked and an impersonated SM2 operator are refused as the
//! ECDSA ones are (exit 1, nothing done, the denial audited); `audit verify` checks the SM2
//! statements and the SM2 CA's signed checkpoints, and names the record whose signature had a
//! bit flipped. The same runs with an SM2 operator under an ECDSA CA and an ECDSA operator under
//! an SM2 CA. One SM2 statement is extracted and verified by two independent SM2
//! implementations: the pure-Python `gmssl` (`tests/tools/gmssl_sm2_verify.py`) and `openssl
//! dgst -sm3 -sigopt distid:1234567812345678 -verify`, with negative controls.
//!
//! Runs the test binary `govpki-test` with its clock at a Monday 10:00 in Asia/Shanghai (see
//! `tests/common`), so the policy's office-hours rules answer the same whenever CI runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;
use sha2::{Digest, Sha256};

mod common;
#[path = "tools/gmssl.rs"]
mod gmssl;

use common::{
    CLOCK_OFFSET_VAR, Env, GOVPKI_TEST_BIN, Run, der_of, monday_10_shanghai_offset, p,
    require_tool, tool,
};

const OFFICER: &str = "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN";
const OFFICER2: &str = "CN=孙七,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN";
const AUDITOR: &str = "CN=赵六,TITLE=审计员,OU=办公室,O=连云港市人民政府,C=CN";
const DISTID: &str = "distid:1234567812345678";
/// The SM2 curve (GM/T 0006), as an id-ecPublicKey parameter.
const SM2_CURVE: &str = "1.2.156.10197.1.301";
/// SM2-with-SM3 (GM/T 0006).
const SM2_WITH_SM3: &str = "1.2.156.10197.1.501";

/// An operator's certificate and (unencrypted) key.
#[derive(Debug, Clone)]
struct Operator {
    cert: PathBuf,
    key: PathBuf,
}

impl Operator {
    fn der(&self) -> Vec<u8> {
        der_of(&self.cert)
    }
}

/// A temporary directory with a CA home in `home/`.
struct Home {
    env: Env,
}

impl Home {
    fn home(&self) -> PathBuf {
        self.env.path("home")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.env.path(name)
    }

    /// Runs govpki at the fixed time against the home, with exactly these arguments.
    fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(GOVPKI_TEST_BIN)
            .args(args)
            .env(CLOCK_OFFSET_VAR, monday_10_shanghai_offset())
            .env("GOVPKI_HOME", self.home())
            .env("GOVPKI_CACHE_DIR", self.path("policy-cache"))
            .env_remove("GOVPKI_POLICY")
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env("USER", "govpki-test")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let run = Run {
            args: args.iter().map(|a| a.to_string()).collect(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stdout_bytes: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!run.stderr.contains("panicked"), "{}", run.describe());
        run
    }

    /// Runs as `op` from the intranet.
    fn run_as(&self, op: &Operator, args: &[&str]) -> Run {
        self.run_as_with_key(op, &op.key, args)
    }

    /// Runs as `op`'s certificate, proving presence with `key`, from the intranet.
    fn run_as_with_key(&self, op: &Operator, key: &Path, args: &[&str]) -> Run {
        let mut all = vec![
            "--as",
            p(&op.cert),
            "--as-key",
            p(key),
            "--domain",
            "intranet",
        ];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// A person certificate with a generated `algorithm` key, issued by `by` (or locally, before
    /// the home is governed); its key is checked to be SM2 when `algorithm` is `sm2`.
    fn person(
        &self,
        by: Option<&Operator>,
        name: &str,
        subject: &str,
        algorithm: &str,
    ) -> Operator {
        let op = Operator {
            cert: self.path(&format!("{name}.pem")),
            key: self.path(&format!("{name}.key")),
        };
        let args = [
            "cert",
            "issue",
            "--profile",
            "person",
            "--algorithm",
            algorithm,
            "--subject",
            subject,
            "--key-out",
            p(&op.key),
            "--no-key-passphrase",
            "--out",
            p(&op.cert),
        ];
        match by {
            Some(by) => self.run_as(by, &args).success(),
            None => self.run(&args).success(),
        };
        assert_eq!(
            key_curve(&op.der()).as_deref() == Some(SM2_CURVE),
            algorithm == "sm2",
            "{name}: an {algorithm} key"
        );
        op
    }

    fn audit(&self) -> Vec<Value> {
        let run = self.run(&["--json", "audit", "show"]).success();
        serde_json::from_str(&run.stdout).unwrap()
    }

    fn cert_list(&self) -> String {
        self.run(&["--json", "cert", "list"]).success().stdout
    }

    /// `audit verify --json`, which must find the log intact.
    fn verified(&self) -> Value {
        let run = self.run(&["--json", "audit", "verify"]).success();
        let report = run.json();
        assert_eq!(report["intact"], true, "{report}");
        report
    }

    /// `audit verify` after tampering: exit 1, and its `--json` report and its text.
    fn broken(&self) -> (Value, String) {
        let json = self.run(&["--json", "audit", "verify"]).code(1).json();
        let text = self.run(&["audit", "verify"]).code(1).stdout;
        assert_eq!(json["intact"], false, "{json}");
        (json, text)
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.home().join("govpki.db")).unwrap()
    }

    /// The raw `outcome` of audit record `seq`.
    fn outcome(&self, seq: i64) -> String {
        self.db()
            .query_row("SELECT outcome FROM audit WHERE seq = ?1", [seq], |r| {
                r.get(0)
            })
            .unwrap()
    }
}

/// The id-ecPublicKey curve of a certificate's key, if it has one.
fn key_curve(cert_der: &[u8]) -> Option<String> {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(cert_der).unwrap();
    let alg = cert.tbs_certificate.subject_public_key_info.algorithm;
    alg.parameters
        .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
        .map(|o| o.to_string())
}

/// The signature algorithm of a certificate.
fn signature_algorithm(cert_der: &[u8]) -> String {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(cert_der).unwrap();
    cert.signature_algorithm.oid.to_string()
}

/// A CA with an `ca_algorithm` key, an officer and an auditor with `operator_algorithm` keys
/// (issued before the policy), then the shipped policy pinned.
fn governed(ca_algorithm: &str, operator_algorithm: &str) -> (Home, Operator, Operator) {
    let home = Home { env: Env::new() };
    home.run(&[
        "ca",
        "init",
        "--algorithm",
        ca_algorithm,
        "--subject",
        "CN=连云港市电子政务根CA,O=连云港市人民政府,C=CN",
        "--no-passphrase",
    ])
    .success();
    assert_eq!(
        signature_algorithm(&der_of(&home.home().join("ca.pem"))) == SM2_WITH_SM3,
        ca_algorithm == "sm2",
        "an {ca_algorithm} CA"
    );
    let officer = home.person(None, "officer", OFFICER, operator_algorithm);
    let auditor = home.person(None, "auditor", AUDITOR, operator_algorithm);
    // A CRL before the policy: the CA signs a checkpoint of the log that no operator covers.
    home.run(&["crl", "generate"]).success();
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    home.run(&["ca", "policy", p(&policies)]).success();
    (home, officer, auditor)
}

/// The proof an `authz.allow` outcome carries: its signature, decoded.
fn proof_signature(outcome: &str) -> Vec<u8> {
    let (_, sig) = outcome
        .rsplit_once(" sig=")
        .unwrap_or_else(|| panic!("no proof in `{outcome}`"));
    B64.decode(sig).unwrap()
}

/// `signature` (DER `SEQUENCE { r, s }`) with one bit of `s` flipped: still DER, no longer
/// the signature.
fn flip_a_bit_of_s(signature: &[u8]) -> Vec<u8> {
    let mut flipped = signature.to_vec();
    *flipped.last_mut().unwrap() ^= 0x01;
    flipped
}

/// Replaces the base64 `old` signature by `new` in audit record `seq`, then rebuilds the whole
/// hash chain, as someone with write access to the database could: only the signature can
/// then tell.
fn replace_signature_and_rechain(home: &Home, seq: i64, old: &[u8], new: &[u8]) {
    let outcome = home.outcome(seq);
    let (old, new) = (B64.encode(old), B64.encode(new));
    assert_eq!(outcome.matches(&old).count(), 1, "{outcome}");
    let db = home.db();
    db.execute(
        "UPDATE audit SET outcome = ?1 WHERE seq = ?2",
        rusqlite::params![outcome.replace(&old, &new), seq],
    )
    .unwrap();
    common::rechain(&db);
}

fn seq(record: &Value) -> i64 {
    record["seq"].as_i64().unwrap()
}

/// The (allow, act) records of each act `action` in the log.
fn allow_and_act<'a>(audit: &'a [Value], action: &str) -> Vec<(&'a Value, &'a Value)> {
    audit
        .windows(2)
        .filter(|w| w[1]["action"] == action)
        .map(|w| (&w[0], &w[1]))
        .collect()
}

/// The officer (`operator_algorithm`) of a `ca_algorithm` CA issues a certificate, revokes it
/// and publishes a CRL; each act is preceded by his signed allow, `audit verify` checks them
/// all, and a flipped bit in his statement's signature, or in the CA's signed checkpoint, is
/// found at its record even with the hash chain rebuilt around it.
fn an_operator_acts_and_audit_verify_checks_his_signatures(
    ca_algorithm: &str,
    operator_algorithm: &str,
) {
    let (home, officer, _) = governed(ca_algorithm, operator_algorithm);
    let issued = home
        .run_as(
            &officer,
            &[
                "--json",
                "cert",
                "issue",
                "--profile",
                "person",
                "--algorithm",
                "sm2",
                "--subject",
                "CN=甲,OU=财政局,O=连云港市人民政府,C=CN",
                "--key-out",
                p(&home.path("jia.key")),
                "--no-key-passphrase",
                "--out",
                p(&home.path("jia.pem")),
            ],
        )
        .success()
        .json();
    let serial = issued["serial"].as_str().unwrap().to_string();
    home.run_as(
        &officer,
        &["cert", "revoke", &serial, "--reason", "keyCompromise"],
    )
    .success();
    home.run_as(&officer, &["crl", "generate"]).success();

    let audit = home.audit();
    let mut allows = Vec::new();
    for action in ["cert.issue", "cert.revoke", "crl.publish"] {
        let pairs = allow_and_act(&audit, action);
        let (allow, act) = *pairs.last().unwrap_or_else(|| panic!("no {action}"));
        assert_eq!(allow["action"], "authz.allow", "{action}: {allow}");
        assert!(
            act["actor"].as_str().unwrap().starts_with("cert:CN=王五"),
            "{act}"
        );
        assert_eq!(allow["actor"], act["actor"], "{action}");
        let outcome = home.outcome(seq(allow));
        assert!(outcome.contains("; proof: nonce="), "{outcome}");
        let signature = proof_signature(&outcome);
        // The signature is the operator's: SM2 and ECDSA both DER SEQUENCE { r, s }, and the
        // statement verifies against his certificate with his key's algorithm.
        assert_eq!(signature.first(), Some(&0x30), "{outcome}");
        allows.push((seq(allow), signature));
    }
    assert!(
        audit[audit.len() - 2]["action"] == "authz.allow"
            && audit[audit.len() - 1]["action"] == "crl.publish",
        "{audit:?}"
    );
    let report = home.verified();
    assert_eq!(report["signed_acts"], 3, "{report}");
    assert_eq!(report["decided_again"], 3, "{report}");
    assert_eq!(report["checkpoints"], 2, "{report}");

    // A head signed by the CA key (`audit head`), kept elsewhere: the log extends it; with a
    // bit of its signature flipped, it is refused.
    let head = home.run(&["audit", "head"]).success().stdout;
    let head_file = home.env.write("head.txt", &head);
    home.run(&["audit", "verify", "--head", p(&head_file)])
        .success();
    let head_signature = head
        .lines()
        .find_map(|l| l.strip_prefix("signature: "))
        .unwrap();
    let flipped = B64.encode(flip_a_bit_of_s(&B64.decode(head_signature).unwrap()));
    let bad_head = home
        .env
        .write("bad-head.txt", head.replace(head_signature, &flipped));
    let json = home
        .run(&["--json", "audit", "verify", "--head", p(&bad_head)])
        .code(1)
        .json();
    assert_eq!(json["broken"]["check"], "head", "{json}");
    assert!(
        json["broken"]["reason"]
            .as_str()
            .unwrap()
            .contains("does not verify"),
        "{json}"
    );

    // A bit of the revocation's statement signature flipped, the chain rebuilt around it.
    let (target, signature) = &allows[1];
    replace_signature_and_rechain(&home, *target, signature, &flip_a_bit_of_s(signature));
    let (json, text) = home.broken();
    assert_eq!(json["broken"]["check"], "operator", "{json}");
    assert_eq!(json["broken"]["seq"], *target, "{json}");
    assert!(
        text.contains(&format!("at record {target}")) && text.contains("signature does not verify"),
        "{text}"
    );
    // Put back, the log verifies again: it was that bit, and only that bit.
    replace_signature_and_rechain(&home, *target, &flip_a_bit_of_s(signature), signature);
    home.verified();

    // The CA's own signature (the CA's key type) on its checkpoint of the log's head, in the
    // `crl.publish` record of the CRL published before the policy (a governed one is covered
    // by the operator's statement too, which would be found broken first).
    let publish = audit
        .iter()
        .find(|r| r["action"] == "crl.publish")
        .map(seq)
        .unwrap();
    assert!(publish < allows[0].0, "{audit:?}");
    let outcome = home.outcome(publish);
    let head = outcome
        .split("; ")
        .find_map(|f| f.strip_prefix("head="))
        .unwrap_or_else(|| panic!("no checkpoint in `{outcome}`"));
    let head = head.split_whitespace().next().unwrap();
    let checkpoint = B64.decode(head.rsplit_once(':').unwrap().1).unwrap();
    replace_signature_and_rechain(&home, publish, &checkpoint, &flip_a_bit_of_s(&checkpoint));
    let (json, text) = home.broken();
    assert_eq!(json["broken"]["check"], "checkpoint", "{json}");
    assert_eq!(json["broken"]["seq"], publish, "{json}");
    assert!(
        text.contains(&format!("at record {publish}")) && text.contains("does not verify"),
        "{text}"
    );
}

#[test]
fn an_sm2_operator_of_an_sm2_ca_issues_and_revokes_and_audit_verify_checks_his_sm2_statements() {
    an_operator_acts_and_audit_verify_checks_his_signatures("sm2", "sm2");
}

#[test]
fn an_sm2_operator_of_an_ecdsa_ca_signs_his_acts_sm2() {
    an_operator_acts_and_audit_verify_checks_his_signatures("p256", "sm2");
}

#[test]
fn an_ecdsa_operator_of_an_sm2_ca_signs_his_acts_and_the_sm2_ca_its_checkpoints() {
    an_operator_acts_and_audit_verify_checks_his_signatures("sm2", "p256");
}

/// Denied, revoked and impersonated SM2 operators of an SM2 CA are refused as ECDSA ones are
/// (tests/govern_cli.rs): exit 1 with the reason, nothing issued, the denial audited. Each
/// refusal names its own reason, which is reached only after the SM2 chain and key checks
/// passed; and the officer acts with his own key right after, so SM2 itself works.
#[test]
fn sm2_operators_who_may_not_act_are_refused() {
    let (home, officer, auditor) = governed("sm2", "sm2");
    // A P-256 key that belongs to no operator, issued before anything is refused.
    let clerk = home.person(
        Some(&officer),
        "clerk",
        "CN=钱八,OU=财政局,O=连云港市人民政府,C=CN",
        "p256",
    );
    let officer2 = home.person(Some(&officer), "officer2", OFFICER2, "sm2");
    let before = home.cert_list();
    let issue = |op: &Operator, key: &Path, name: &str| {
        let key_out = home.path(&format!("{name}.key"));
        let run = home.run_as_with_key(
            op,
            key,
            &[
                "cert",
                "issue",
                "--profile",
                "person",
                "--algorithm",
                "sm2",
                "--subject",
                &format!("CN={name},OU=财政局,O=连云港市人民政府,C=CN"),
                "--key-out",
                p(&key_out),
                "--no-key-passphrase",
            ],
        );
        (run, key_out)
    };

    // The auditor may not issue (default deny).
    let (run, key_out) = issue(&auditor, &auditor.key, "a");
    let run = run.code(1);
    assert!(
        run.stderr.contains("denied by policy"),
        "{}",
        run.describe()
    );
    assert!(!key_out.exists());
    let last = home.audit().pop().unwrap();
    assert_eq!(last["action"], "authz.deny", "{last}");
    assert!(last["actor"].as_str().unwrap().starts_with("cert:CN=赵六"));

    // The officer's certificate with another SM2 key (the auditor's): impersonation.
    let (run, key_out) = issue(&officer, &auditor.key, "b");
    let run = run.code(1);
    assert!(run.stderr.contains("does not belong"), "{}", run.describe());
    assert!(!key_out.exists());
    let last = home.audit().pop().unwrap();
    assert_eq!(last["action"], "authz.deny", "{last}");
    assert!(last["actor"].as_str().unwrap().starts_with("cert:CN=王五"));

    // The officer's SM2 certificate with a P-256 key: not his either.
    let (run, key_out) = issue(&officer, &clerk.key, "c");
    let run = run.code(1);
    assert!(run.stderr.contains("does not belong"), "{}", run.describe());
    assert!(!key_out.exists());

    // Nothing was issued by the refused ones.
    assert_eq!(home.cert_list(), before);

    // A revoked SM2 officer: refused, as revoked.
    let serial = home
        .run(&["--json", "cert", "show", p(&officer2.cert)])
        .success()
        .json()["serial"]
        .as_str()
        .unwrap()
        .to_string();
    home.run_as(
        &officer,
        &["cert", "revoke", &serial, "--reason", "affiliationChanged"],
    )
    .success();
    let count = |list: &str| {
        serde_json::from_str::<Value>(list)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    let (run, key_out) = issue(&officer2, &officer2.key, "d");
    let run = run.code(1);
    assert!(run.stderr.contains("revoked"), "{}", run.describe());
    assert!(!key_out.exists());
    let run = home.run_as(&officer2, &["crl", "generate"]).code(1);
    assert!(run.stderr.contains("revoked"), "{}", run.describe());
    assert_eq!(count(&home.cert_list()), count(&before));

    // The officer, with his own SM2 key, still acts: the refusals were about who, not SM2.
    let (run, key_out) = issue(&officer, &officer.key, "e");
    run.success();
    assert!(key_out.exists());
    let report = home.verified();
    // clerk, officer2, the revocation, e.
    assert_eq!(report["signed_acts"], 4, "{report}");
    let denials = home
        .audit()
        .iter()
        .filter(|r| r["action"] == "authz.deny")
        .count();
    assert_eq!(denials, 5, "a, b, c, d and officer2's crl generate");
}

/// An operator whose SM2 key OpenSSL made (encrypted PKCS#8, `openssl pkcs8 -topk8 -v2
/// aes-256-cbc`) and whose certificate this SM2 CA issued from his OpenSSL CSR (signed with the
/// user ID): he proves presence with that key and its passphrase, signs his acts, and `audit
/// verify` checks them; with the passphrase missing he is asked for it (exit 2), not let in.
#[test]
fn an_operator_with_an_openssl_made_sm2_key_acts_under_an_sm2_ca() {
    if !require_tool("openssl") {
        return;
    }
    let (home, officer, _) = governed("sm2", "sm2");
    let plain = home.path("op2-plain.key");
    let key = home.path("op2.key");
    let pass = home
        .env
        .passphrase_file("op2.pass", "operator two passphrase");
    tool(
        "openssl",
        ["genpkey", "-algorithm", "SM2", "-out", p(&plain)],
    )
    .success();
    tool(
        "openssl",
        [
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            p(&plain),
            "-out",
            p(&key),
            "-passout",
            &format!("file:{}", p(&pass)),
        ],
    )
    .success();
    let csr = home.path("op2.csr");
    tool(
        "openssl",
        [
            "req",
            "-new",
            "-utf8",
            "-key",
            p(&plain),
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/C=CN/O=连云港市人民政府/OU=信息中心/title=安全管理员/CN=孙七",
            "-out",
            p(&csr),
        ],
    )
    .success();
    let op2 = Operator {
        cert: home.path("op2.pem"),
        key: key.clone(),
    };
    home.run_as(
        &officer,
        &[
            "cert",
            "issue",
            "--profile",
            "person",
            "--csr",
            p(&csr),
            "--out",
            p(&op2.cert),
        ],
    )
    .success();
    assert_eq!(key_curve(&op2.der()).as_deref(), Some(SM2_CURVE));
    let run = home.run_as(&op2, &["crl", "generate"]).code(2);
    assert!(
        run.stderr.contains("--as-passphrase-file"),
        "{}",
        run.describe()
    );
    home.run(&[
        "--as",
        p(&op2.cert),
        "--as-key",
        p(&key),
        "--as-passphrase-file",
        p(&pass),
        "--domain",
        "intranet",
        "crl",
        "generate",
    ])
    .success();
    let audit = home.audit();
    let (allow, act) = *allow_and_act(&audit, "crl.publish").last().unwrap();
    assert_eq!(allow["action"], "authz.allow", "{allow}");
    assert!(
        act["actor"].as_str().unwrap().starts_with("cert:CN=孙七"),
        "{act}"
    );
    let report = home.verified();
    assert_eq!(report["signed_acts"], 2, "{report}");
}

/// The bytes an operator signs (`govpki::audit::proof::statement`, written out here from its
/// documented layout): a header, then every field length-prefixed (u64 big-endian): the
/// SHA-256 (hex) of the CA and operator certificates, the time, what was asked (the record's
/// object, a newline and the `decided=` value), the nonce, the number of acts (8 bytes), and
/// each act's time, actor, action, object and outcome.
fn statement_of(ca_der: &[u8], operator_der: &[u8], allow: &Value, acts: &[Value]) -> Vec<u8> {
    let outcome = allow["outcome"].as_str().unwrap();
    let (head, proof) = outcome.rsplit_once("; proof: ").unwrap();
    let decided = head
        .split("; ")
        .find_map(|f| f.strip_prefix("decided="))
        .unwrap();
    let nonce = proof
        .strip_prefix("nonce=")
        .and_then(|r| r.split_once(' '))
        .unwrap()
        .0;
    let mut out = b"govpki operator statement v2\0".to_vec();
    let mut field = |bytes: &[u8]| {
        out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        out.extend_from_slice(bytes);
    };
    field(hex::encode(Sha256::digest(ca_der)).as_bytes());
    field(hex::encode(Sha256::digest(operator_der)).as_bytes());
    field(allow["time"].as_str().unwrap().as_bytes());
    field(format!("{}\n{decided}", allow["object"].as_str().unwrap()).as_bytes());
    field(nonce.as_bytes());
    field(&(acts.len() as u64).to_be_bytes());
    for act in acts {
        for key in ["time", "actor", "action", "object", "outcome"] {
            field(act[key].as_str().unwrap().as_bytes());
        }
    }
    out
}

/// `der` as a PEM `label` file.
fn write_pem(home: &Home, name: &str, label: &str, der: &[u8]) -> PathBuf {
    let path = home.path(name);
    std::fs::write(&path, pem::encode(&pem::Pem::new(label, der.to_vec()))).unwrap();
    path
}

/// Whether `openssl dgst -sm3 [-sigopt distid:1234567812345678] -verify` accepts `signature`
/// over `message` for the public key (PEM) `public`.
fn openssl_verifies(
    home: &Home,
    public: &Path,
    message: &[u8],
    signature: &[u8],
    id: bool,
) -> bool {
    let msg = home.env.write("openssl/message.bin", message);
    let sig = home.env.write("openssl/signature.der", signature);
    let mut args = vec!["dgst", "-sm3"];
    if id {
        args.extend(["-sigopt", DISTID]);
    }
    args.extend(["-verify", p(public), "-signature", p(&sig), p(&msg)]);
    let run = tool("openssl", args);
    let ok = run.code == Some(0) && run.stdout.contains("Verified OK");
    assert!(
        ok || run.stdout.contains("Verification failure") || run.code != Some(0),
        "{}",
        run.describe()
    );
    ok
}

/// The raw `r || s` (32 bytes each) of a DER SM2 signature.
fn raw_r_s(signature: &[u8]) -> Vec<u8> {
    use der::Decode;
    #[derive(der::Sequence)]
    struct Sig<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    let sig = Sig::from_der(signature).unwrap();
    let mut out = vec![0u8; 64];
    let (r, s) = (sig.r.as_bytes(), sig.s.as_bytes());
    out[32 - r.len()..32].copy_from_slice(r);
    out[64 - s.len()..].copy_from_slice(s);
    out
}

/// One SM2 operator statement, as the audit record keeps it, verified outside govpki: by gmssl
/// (pure Python) and by OpenSSL with the user ID `1234567812345678`; neither accepts a flipped
/// bit, another operator's key, raw r‖s, or the empty user ID (and OpenSSL's own signature with
/// the ID is accepted, so the controls are not broken judges).
#[test]
fn an_sm2_operator_statement_verifies_in_gmssl_and_openssl() {
    if !require_tool("openssl") || !gmssl::available() {
        return;
    }
    let (home, officer, auditor) = governed("sm2", "sm2");
    home.person(
        Some(&officer),
        "jia",
        "CN=甲,OU=财政局,O=连云港市人民政府,C=CN",
        "sm2",
    );
    let audit = home.audit();
    let (allow, _) = *allow_and_act(&audit, "cert.issue").last().unwrap();
    let outcome = home.outcome(seq(allow));
    let acts_covered: usize = outcome
        .rsplit_once(" acts=")
        .and_then(|(_, r)| r.split_once(' '))
        .unwrap()
        .0
        .parse()
        .unwrap();
    let at = audit.iter().position(|r| r["seq"] == allow["seq"]).unwrap();
    let acts = &audit[at + 1..at + 1 + acts_covered];
    // `audit show --json` shows the records as stored: the full outcome, nothing shortened.
    assert_eq!(allow["outcome"].as_str().unwrap(), outcome);
    let ca_der = der_of(&home.home().join("ca.pem"));
    let statement = statement_of(&ca_der, &officer.der(), allow, acts);
    let signature = proof_signature(&outcome);
    // The layout written out above is the one govpki signs and `audit verify` checks.
    let proof = govpki::audit::proof::parse_outcome(&outcome).unwrap();
    let events: Vec<govpki::audit::Event> = acts
        .iter()
        .map(|a| govpki::audit::Event {
            time: a["time"].as_str().unwrap().into(),
            actor: a["actor"].as_str().unwrap().into(),
            action: a["action"].as_str().unwrap().into(),
            object: a["object"].as_str().unwrap().into(),
            outcome: a["outcome"].as_str().unwrap().into(),
        })
        .collect();
    let decided = outcome
        .rsplit_once("; proof: ")
        .and_then(|(head, _)| govpki::audit::binding::field(head, "decided"));
    assert!(decided.is_some(), "{outcome}");
    let asks = govpki::audit::proof::asks_signed(allow["object"].as_str().unwrap(), decided);
    assert_eq!(
        statement,
        govpki::audit::proof::statement(
            &ca_der,
            &officer.der(),
            allow["time"].as_str().unwrap(),
            &asks,
            &proof.nonce,
            &events
        )
    );
    assert_eq!(proof.signature, signature);
    home.verified();

    let officer_hex = gmssl::public_hex_of_cert(&officer.der());
    let auditor_hex = gmssl::public_hex_of_cert(&auditor.der());
    assert!(
        gmssl::verify(&home.env, &officer_hex, &statement, &signature),
        "gmssl: the officer's SM2 statement signature"
    );
    let officer_pub = write_pem(
        &home,
        "officer.pub.pem",
        "PUBLIC KEY",
        &spki_of(&officer.der()),
    );
    let auditor_pub = write_pem(
        &home,
        "auditor.pub.pem",
        "PUBLIC KEY",
        &spki_of(&auditor.der()),
    );
    assert!(
        openssl_verifies(&home, &officer_pub, &statement, &signature, true),
        "openssl dgst -sm3 -sigopt {DISTID} -verify"
    );

    // Negative controls.
    let mut flipped = statement.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x01;
    let raw = raw_r_s(&signature);
    for (what, public_hex, public, message, sig) in [
        (
            "a flipped bit",
            &officer_hex,
            &officer_pub,
            &flipped,
            &signature,
        ),
        (
            "another key",
            &auditor_hex,
            &auditor_pub,
            &statement,
            &signature,
        ),
        ("raw r||s", &officer_hex, &officer_pub, &statement, &raw),
    ] {
        assert!(
            !gmssl::verify(&home.env, public_hex, message, sig),
            "gmssl accepted {what}"
        );
        assert!(
            !openssl_verifies(&home, public, message, sig, true),
            "openssl accepted {what}"
        );
    }
    // The empty user ID: OpenSSL's default does not verify our signature...
    assert!(!openssl_verifies(
        &home,
        &officer_pub,
        &statement,
        &signature,
        false
    ));
    // ...and a signature made with it (the officer's key, which OpenSSL opens) is refused by
    // gmssl, while OpenSSL's signature with the ID is accepted by both.
    let msg = home.env.write("openssl/statement.bin", &statement);
    let sign = |id: bool| {
        let mut args = vec!["dgst", "-sm3"];
        if id {
            args.extend(["-sigopt", DISTID]);
        }
        args.extend(["-sign", p(&officer.key), p(&msg)]);
        tool("openssl", args).success().stdout_bytes
    };
    let empty_id = sign(false);
    assert!(!gmssl::verify(
        &home.env,
        &officer_hex,
        &statement,
        &empty_id
    ));
    assert!(!openssl_verifies(
        &home,
        &officer_pub,
        &statement,
        &empty_id,
        true
    ));
    let with_id = sign(true);
    assert!(gmssl::verify(&home.env, &officer_hex, &statement, &with_id));
    assert!(govpki::audit::proof::verify(&officer.der(), &statement, &with_id).is_ok());
}

/// The DER SubjectPublicKeyInfo of a certificate.
fn spki_of(cert_der: &[u8]) -> Vec<u8> {
    use der::{Decode, Encode};
    let cert = x509_cert::Certificate::from_der(cert_der).unwrap();
    cert.tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap()
}

/// seal.apply by an SM2 seal keeper in a governed SM2 home: the 公安局 seal authority makes an
/// SM2 seal for him, he applies it (`seal sign`, an SES signature by default for an SM2 key)
/// from the intranet, not from the extranet; his SM2 signing key is also the proof of his
/// presence and signs the allow, which `audit verify` checks (and gmssl too), and a flipped bit
/// in it is found at its record.
#[test]
fn an_sm2_seal_keeper_applies_a_seal_under_the_policy() {
    let (home, officer, _) = governed("sm2", "sm2");
    let authority = home.person(
        Some(&officer),
        "authority",
        "CN=钱八,TITLE=印章管理员,OU=公安局,O=连云港市人民政府,C=CN",
        "sm2",
    );
    let keeper = Operator {
        cert: home.path("keeper.pem"),
        key: home.path("keeper.key"),
    };
    home.run_as(
        &officer,
        &[
            "cert",
            "issue",
            "--profile",
            "seal",
            "--algorithm",
            "sm2",
            "--subject",
            "CN=李四,TITLE=印章保管员,OU=办公室,O=连云港市人民政府,C=CN",
            "--key-out",
            p(&keeper.key),
            "--no-key-passphrase",
            "--out",
            p(&keeper.cert),
        ],
    )
    .success();
    assert_eq!(key_curve(&keeper.der()).as_deref(), Some(SM2_CURVE));
    let seal = home.path("office.esl");
    home.run_as(
        &authority,
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
            p(&keeper.cert),
            "--out",
            p(&seal),
        ],
    )
    .success();
    let doc = home.env.write("notice.txt", "关于元旦放假的通知\n");
    let ses = home.path("notice.txt.ses");
    // The keeper's signing key is the proof of presence: no --as-key.
    let sign = |domain: &str| {
        home.run(&[
            "--as",
            p(&keeper.cert),
            "--domain",
            domain,
            "seal",
            "sign",
            "--seal",
            p(&seal),
            "--key",
            p(&keeper.key),
            "--cert",
            p(&keeper.cert),
            p(&doc),
        ])
    };
    let run = sign("extranet").code(1);
    assert!(run.stderr.contains("denied"), "{}", run.describe());
    assert!(!ses.exists(), "nothing written when denied");
    sign("intranet").success();
    assert!(ses.exists());
    let report = home
        .run(&["--json", "seal", "verify", p(&doc)])
        .code(0)
        .json();
    assert_eq!(report["verdict"], "valid", "{report}");
    assert_eq!(report["format"], "ses", "{report}");

    let audit = home.audit();
    let (allow, apply) = *allow_and_act(&audit, "seal.apply").last().unwrap();
    assert_eq!(allow["action"], "authz.allow", "{allow}");
    assert!(
        apply["actor"].as_str().unwrap().starts_with("cert:CN=李四"),
        "{apply}"
    );
    assert_eq!(allow["actor"], apply["actor"]);
    let allows = audit
        .iter()
        .filter(|r| r["action"] == "authz.allow")
        .count();
    let verified = home.verified();
    assert_eq!(verified["signed_acts"], allows, "{verified}");

    let outcome = home.outcome(seq(allow));
    let signature = proof_signature(&outcome);
    if gmssl::available() {
        let at = audit.iter().position(|r| r["seq"] == allow["seq"]).unwrap();
        let covered = govpki::audit::proof::parse_outcome(&outcome).unwrap().acts;
        let statement = statement_of(
            &der_of(&home.home().join("ca.pem")),
            &keeper.der(),
            allow,
            &audit[at + 1..at + 1 + covered],
        );
        let keeper_hex = gmssl::public_hex_of_cert(&keeper.der());
        assert!(gmssl::verify(
            &home.env,
            &keeper_hex,
            &statement,
            &signature
        ));
        assert!(!gmssl::verify(
            &home.env,
            &keeper_hex,
            &statement,
            &flip_a_bit_of_s(&signature)
        ));
    }
    replace_signature_and_rechain(&home, seq(allow), &signature, &flip_a_bit_of_s(&signature));
    let (json, text) = home.broken();
    assert_eq!(json["broken"]["check"], "operator", "{json}");
    assert_eq!(json["broken"]["seq"], seq(allow), "{json}");
    assert!(
        text.contains(&format!("at record {}", seq(allow)))
            && text.contains("signature does not verify"),
        "{text}"
    );
}
