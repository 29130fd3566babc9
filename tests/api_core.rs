//! The operator API's core through the library, without HTTP (docs/api.md): an allowed
//! operator's signed request commits and `audit verify` (the CLI, on the home) passes; every
//! attack fails closed with its status and commits nothing (a refusal's `authz.deny` record
//! aside); a forged CA signature in the log is caught by `audit verify`.
//!
//! The homes are made by the test binary `govpki-test` at a Monday 10:00 in Asia/Shanghai (see
//! `tests/common`), under the shipped policy; the server's `now` is the same moved clock.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use govpki::api::{
    self, ApiError, Body, CrlBody, IssueBody, ReleaseBody, RevokeBody, SealRevokeBody,
};
use govpki::ca::keys::PrivateKey;
use govpki::ops::common::OpenCa;
use govpki::ops::govern::Ask;
use govpki::ops::remote::{self, Executed};
use govpki::ops::{NoPrompt, Passphrase, SystemRandom};
use serde_json::Value;
use time::OffsetDateTime;

mod common;

use common::{CLOCK_OFFSET_VAR, GOVPKI_TEST_BIN, monday_10_shanghai_offset};

const OFFICER: &str = "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN";
const OFFICER2: &str = "CN=孙七,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN";
const AUDITOR: &str = "CN=赵六,TITLE=审计员,OU=办公室,O=连云港市人民政府,C=CN";
const SEALER: &str = "CN=郑一,TITLE=印章管理员,OU=公安局,O=连云港市人民政府,C=CN";
const CLERK: &str = "CN=钱八,OU=财政局,O=连云港市人民政府,C=CN";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn p(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }

    /// Runs govpki-test on `home` at the moved clock: (exit code, stdout, stderr).
    fn run(&self, home: &str, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(GOVPKI_TEST_BIN)
            .args(args)
            .env(CLOCK_OFFSET_VAR, monday_10_shanghai_offset())
            .env("GOVPKI_HOME", self.path(home))
            .env("GOVPKI_CACHE_DIR", self.path("policy-cache"))
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env("USER", "govpki-test")
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

    fn ok(&self, home: &str, args: &[&str]) -> String {
        let (code, stdout, stderr) = self.run(home, args);
        assert_eq!(code, 0, "{args:?}\nstdout: {stdout}\nstderr: {stderr}");
        stdout
    }

    /// A CA in `home` (no passphrase on its key).
    fn ca(&self, home: &str, cn: &str) {
        let subject = format!("CN={cn},O=连云港市人民政府,C=CN");
        self.ok(
            home,
            &["ca", "init", "--subject", &subject, "--no-passphrase"],
        );
    }

    /// Issues `NAME.pem` (unencrypted key `NAME.key`) in `home`, as `operator` if given.
    fn issue(
        &self,
        home: &str,
        name: &str,
        subject: &str,
        extra: &[&str],
        more: &[&str],
    ) -> String {
        let (cert, key) = (
            self.p(&format!("{name}.pem")),
            self.p(&format!("{name}.key")),
        );
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        args.extend([
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            subject,
            "--key-out",
            &key,
            "--no-key-passphrase",
            "--out",
            &cert,
        ]);
        args.extend_from_slice(more);
        let out = self.ok(home, &args);
        serde_json::from_str::<Value>(&out).unwrap()["serial"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn db(&self, home: &str) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path(home).join("govpki.db")).unwrap()
    }

    /// What a commit would change: the certificates, revocations and CRLs, and every audit
    /// record but the denials.
    fn committed(&self, home: &str) -> (i64, i64, i64, i64) {
        let db = self.db(home);
        let count = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        (
            count("SELECT COUNT(*) FROM certs"),
            count("SELECT COUNT(*) FROM revocations"),
            count("SELECT COUNT(*) FROM crls"),
            count("SELECT COUNT(*) FROM audit WHERE action <> 'authz.deny'"),
        )
    }

    fn last_record(&self, home: &str) -> (i64, String, String, String) {
        self.db(home)
            .query_row(
                "SELECT seq, actor, action, outcome FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap()
    }

    fn audit_verify(&self, home: &str) -> (i32, String) {
        let (code, stdout, _) = self.run(home, &["--json", "audit", "verify"]);
        (code, stdout)
    }

    fn cert(&self, name: &str) -> Vec<u8> {
        let pem = std::fs::read_to_string(self.path(&format!("{name}.pem"))).unwrap();
        pem::parse(pem).unwrap().into_contents()
    }

    fn key(&self, name: &str) -> PrivateKey {
        let text = std::fs::read_to_string(self.path(&format!("{name}.key"))).unwrap();
        PrivateKey::from_pem(&text, || unreachable!("unencrypted")).unwrap()
    }

    /// A CSR (PEM) for `subject` with a new key, base64 as the body carries it.
    fn csr(&self, name: &str, subject: &str) -> String {
        let out = self.p(&format!("{name}.csr"));
        let key = self.p(&format!("{name}.csr.key"));
        self.ok(
            "home",
            &[
                "csr",
                "create",
                "--subject",
                subject,
                "--key-out",
                &key,
                "--no-passphrase",
                "--out",
                &out,
            ],
        );
        B64.encode(std::fs::read(out).unwrap())
    }
}

/// The server's clock: the same moved clock the homes were made at.
fn server_now() -> OffsetDateTime {
    let offset: i64 = monday_10_shanghai_offset().parse().unwrap();
    OffsetDateTime::now_utc() + time::Duration::seconds(offset)
}

/// A governed CA in `home` (the shipped policy) with two officers, an auditor and an SM2
/// officer, and a second CA in `other` with an officer of its own.
fn governed() -> Env {
    let env = Env::new();
    env.ca("home", "连云港市电子政务根CA");
    env.issue("home", "officer", OFFICER, &[], &[]);
    env.issue("home", "officer2", OFFICER2, &[], &[]);
    env.issue("home", "auditor", AUDITOR, &[], &[]);
    env.issue("home", "sealer", SEALER, &[], &[]);
    env.issue(
        "home",
        "sm2officer",
        "CN=周九,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        &[],
        &["--algorithm", "sm2"],
    );
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    env.ok("home", &["ca", "policy", policies.to_str().unwrap()]);
    env.ca("other", "另一个CA");
    env.issue("other", "stranger", OFFICER, &[], &[]);
    env
}

struct Server {
    open: OpenCa,
    key: PrivateKey,
}

impl Server {
    fn of(env: &Env, home: &str) -> Server {
        let open = OpenCa::open(&env.path(home)).unwrap();
        let key = open
            .unlock(
                &Passphrase::Ask {
                    flag: "--passphrase-file",
                },
                &NoPrompt,
            )
            .unwrap();
        Server { open, key }
    }

    fn ca(&self) -> Vec<u8> {
        self.open.meta.cert_der.clone()
    }

    /// What the service does with request bytes arriving on a listener of `domain`.
    fn handle(&mut self, bytes: &[u8], domain: &str) -> Result<Executed, ApiError> {
        let now = server_now();
        let verified = api::open_request(bytes, &self.ca(), now, api::WINDOW)?;
        remote::execute(
            &mut self.open,
            &self.key,
            verified,
            Some(domain),
            now,
            &SystemRandom,
        )
    }
}

/// A request signed by `signer`'s key and naming `operator`'s certificate, for the CA `ca`.
fn request(
    env: &Env,
    ca: &[u8],
    operator: &str,
    signer: &str,
    body: &Body,
    asks: &[&str],
    at: OffsetDateTime,
) -> Vec<u8> {
    let asks: Vec<Ask> = asks
        .iter()
        .map(|a| {
            let (action, resource) = a.split_once(' ').unwrap();
            let action: &'static str = Box::leak(action.to_string().into_boxed_str());
            Ask::new(action, resource)
        })
        .collect();
    remote::sign_request(
        ca,
        &env.cert(operator),
        &env.key(signer),
        body,
        &asks,
        at,
        &SystemRandom,
    )
    .unwrap()
}

fn issue_body(csr: &str) -> Body {
    Body::Issue(IssueBody {
        csr: csr.to_string(),
        profile: "person".into(),
        subject: None,
        sans: vec![],
        validity: None,
    })
}

/// A 财政局 clerk's person certificate: the profile's ask, and the role it gives (staff).
const ISSUE_ASKS: &[&str] = &[
    "cert.issue dept/财政局/cert/person",
    "cert.issue dept/财政局/role/staff",
];

#[test]
fn an_officers_requests_commit_and_audit_verify_passes_and_every_attack_fails_closed() {
    let env = governed();
    let mut server = Server::of(&env, "home");
    let ca = server.ca();
    let csr = env.csr("clerk", CLERK);
    let body = issue_body(&csr);

    // Allowed: committed, answered as `cert issue --json`, both signatures in the record.
    let before = env.committed("home");
    let good = request(
        &env,
        &ca,
        "officer",
        "officer",
        &body,
        ISSUE_ASKS,
        server_now(),
    );
    let done = server.handle(&good, "intranet").unwrap();
    let serial = done.json["serial"].as_str().unwrap().to_string();
    assert_eq!(done.json["profile"], "person");
    assert_eq!(done.json["subject"], CLERK);
    assert!(
        done.json["pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert_eq!(done.allowed[0].rule, "ca-issue-certs");
    let after = env.committed("home");
    assert_eq!(after.0, before.0 + 1, "one certificate");
    assert_eq!(
        after.3,
        before.3 + 2,
        "its authz.allow and cert.issue records"
    );
    let allow = env
        .db("home")
        .query_row(
            "SELECT actor, outcome FROM audit WHERE action = 'authz.allow' ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .unwrap();
    assert!(allow.0.starts_with("cert:CN=王五"), "{}", allow.0);
    assert!(
        allow.1.contains(" request=") && allow.1.contains(" casig="),
        "{}",
        allow.1
    );
    let (code, report) = env.audit_verify("home");
    assert_eq!(code, 0, "{report}");
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["intact"], true, "{report}");

    let refused = |server: &mut Server, bytes: &[u8], domain: &str, status: u16, says: &str| {
        let before = env.committed("home");
        let err = server.handle(bytes, domain).unwrap_err();
        assert_eq!(err.status(), status, "{err}");
        assert!(
            err.to_string().contains(says),
            "`{err}` does not say `{says}`"
        );
        assert_eq!(
            env.committed("home"),
            before,
            "{err}: something was committed"
        );
        err
    };

    // The same bytes again.
    refused(&mut server, &good, "intranet", 401, "replay");
    // The body changed after signing.
    let mut e: api::Envelope = serde_json::from_slice(&good).unwrap();
    e.body = B64.encode(serde_json::to_vec(&issue_body(&env.csr("clerk2", CLERK))).unwrap());
    refused(
        &mut server,
        &serde_json::to_vec(&e).unwrap(),
        "intranet",
        401,
        "does not verify",
    );
    // The asks changed after signing; and asks signed that are not the body's.
    let fresh = request(
        &env,
        &ca,
        "officer",
        "officer",
        &body,
        ISSUE_ASKS,
        server_now(),
    );
    let mut e: api::Envelope = serde_json::from_slice(&fresh).unwrap();
    e.asks = vec!["cert.issue dept/办公室/cert/person".into()];
    refused(
        &mut server,
        &serde_json::to_vec(&e).unwrap(),
        "intranet",
        401,
        "does not verify",
    );
    let other_asks = request(
        &env,
        &ca,
        "officer",
        "officer",
        &body,
        &["cert.issue dept/办公室/cert/person"],
        server_now(),
    );
    let err = refused(
        &mut server,
        &other_asks,
        "intranet",
        400,
        "not what this request asks",
    );
    assert_eq!(err.to_json()["asks"], serde_json::json!(ISSUE_ASKS));
    // A time outside the window, either way.
    for skew in [-6, 6] {
        let at = server_now() + time::Duration::minutes(skew);
        let stale = request(&env, &ca, "officer", "officer", &body, ISSUE_ASKS, at);
        refused(
            &mut server,
            &stale,
            "intranet",
            401,
            "minutes from the server's",
        );
    }
    // Opened in time, carried out too late (the server waited): refused, nonce unclaimed.
    let late = request(
        &env,
        &ca,
        "officer",
        "officer",
        &body,
        ISSUE_ASKS,
        server_now(),
    );
    let verified = api::open_request(&late, &ca, server_now(), api::WINDOW).unwrap();
    let before = env.committed("home");
    let later = server_now() + time::Duration::minutes(6);
    let err = remote::execute(
        &mut server.open,
        &server.key,
        verified,
        Some("intranet"),
        later,
        &SystemRandom,
    )
    .unwrap_err();
    assert!(matches!(err, ApiError::Stale { .. }), "{err}");
    assert_eq!(env.committed("home"), before);
    // Signed for another CA.
    let other_ca = Server::of(&env, "other").ca();
    let elsewhere = request(
        &env,
        &other_ca,
        "officer",
        "officer",
        &body,
        ISSUE_ASKS,
        server_now(),
    );
    refused(&mut server, &elsewhere, "intranet", 401, "not this one");
    // An operator another CA issued (same name as our officer).
    let stranger = request(
        &env,
        &ca,
        "stranger",
        "stranger",
        &body,
        ISSUE_ASKS,
        server_now(),
    );
    refused(&mut server, &stranger, "intranet", 401, "not accepted");
    // Signed by another key than the certificate's.
    let forged = request(
        &env,
        &ca,
        "officer",
        "officer2",
        &body,
        ISSUE_ASKS,
        server_now(),
    );
    refused(&mut server, &forged, "intranet", 401, "does not verify");
    // A denied ask (the auditor may not issue; the officer not from the extranet): 403 with the
    // explanation, recorded as denied.
    let auditor = request(
        &env,
        &ca,
        "auditor",
        "auditor",
        &body,
        ISSUE_ASKS,
        server_now(),
    );
    let err = refused(&mut server, &auditor, "intranet", 403, "denied by policy");
    assert!(
        err.to_json()["explanation"].is_string(),
        "{}",
        err.to_json()
    );
    let (_, actor, action, _) = env.last_record("home");
    assert_eq!(action, "authz.deny");
    assert!(actor.starts_with("cert:CN=赵六"), "{actor}");
    let outside = request(
        &env,
        &ca,
        "officer",
        "officer",
        &body,
        ISSUE_ASKS,
        server_now(),
    );
    refused(&mut server, &outside, "extranet", 403, "denied by policy");
    // A revoked operator: refused, and recorded as denied.
    let serial2 = env.issue(
        "home",
        "officer3",
        "CN=吴十,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        &[
            "--as",
            &env.p("officer.pem"),
            "--as-key",
            &env.p("officer.key"),
            "--domain",
            "intranet",
        ],
        &[],
    );
    env.ok(
        "home",
        &[
            "--as",
            &env.p("officer.pem"),
            "--as-key",
            &env.p("officer.key"),
            "--domain",
            "intranet",
            "cert",
            "revoke",
            &serial2,
            "--reason",
            "keyCompromise",
        ],
    );
    let mut server = Server::of(&env, "home");
    let revoked = request(
        &env,
        &ca,
        "officer3",
        "officer3",
        &body,
        ISSUE_ASKS,
        server_now(),
    );
    refused(&mut server, &revoked, "intranet", 401, "revoked");
    assert_eq!(env.last_record("home").2, "authz.deny");

    // The other verbs: revoke, a conflict, hold and release, a CRL.
    let asks = |serial: &str| format!("cert.revoke dept/财政局/cert/{serial}");
    let revoke = |serial: &str, reason: &str| {
        Body::Revoke(RevokeBody {
            serials: vec![serial.to_string()],
            reason: Some(reason.to_string()),
            invalidity: None,
        })
    };
    let hold = request(
        &env,
        &ca,
        "officer",
        "officer",
        &revoke(&serial, "certificateHold"),
        &[&asks(&serial)],
        server_now(),
    );
    let done = server.handle(&hold, "intranet").unwrap();
    assert_eq!(done.json["revoked"], serde_json::json!([serial]));
    assert_eq!(done.json["reason"], "certificateHold");
    let release = Body::Release(ReleaseBody {
        serials: vec![serial.clone()],
    });
    let release = request(
        &env,
        &ca,
        "officer",
        "officer",
        &release,
        &[&asks(&serial)],
        server_now(),
    );
    let done = server.handle(&release, "intranet").unwrap();
    assert_eq!(done.json["released"], serde_json::json!([serial]));
    for status in [200, 409] {
        let compromised = request(
            &env,
            &ca,
            "officer",
            "officer",
            &revoke(&serial, "keyCompromise"),
            &[&asks(&serial)],
            server_now(),
        );
        if status == 200 {
            let done = server.handle(&compromised, "intranet").unwrap();
            assert_eq!(done.json["reason"], "keyCompromise");
        } else {
            refused(
                &mut server,
                &compromised,
                "intranet",
                409,
                "already revoked",
            );
        }
    }
    let crl = Body::CrlGenerate(CrlBody { next_update: None });
    let crl = request(
        &env,
        &ca,
        "officer",
        "officer",
        &crl,
        &["crl.publish ca/连云港市电子政务根CA"],
        server_now(),
    );
    let done = server.handle(&crl, "intranet").unwrap();
    assert_eq!(done.json["number"], 1);
    assert_eq!(done.json["entries"], 2, "the revoked clerk and officer");
    let der = B64.decode(done.json["crl"].as_str().unwrap()).unwrap();
    assert_eq!(
        std::fs::read(env.path("home").join("crl.der")).unwrap(),
        der
    );

    // An unknown serial, an unknown seal: refused, nothing committed.
    let unknown = request(
        &env,
        &ca,
        "officer",
        "officer",
        &revoke("0F0F", "keyCompromise"),
        &["cert.revoke dept/_/cert/0F0F"],
        server_now(),
    );
    refused(
        &mut server,
        &unknown,
        "intranet",
        400,
        "no certificate with serial",
    );
    let seal = Body::SealRevoke(SealRevokeBody {
        es_id: "nosuchseal".into(),
        reason: "印章遗失".into(),
    });
    let seal = request(
        &env,
        &ca,
        "sealer",
        "sealer",
        &seal,
        &["seal.revoke dept/_/seal/_"],
        server_now(),
    );
    refused(&mut server, &seal, "intranet", 400, "no seal with esID");

    // An SM2 officer.
    let sm2 = request(
        &env,
        &ca,
        "sm2officer",
        "sm2officer",
        &issue_body(&env.csr("clerk3", CLERK)),
        ISSUE_ASKS,
        server_now(),
    );
    server.handle(&sm2, "intranet").unwrap();

    let (code, report) = env.audit_verify("home");
    assert_eq!(code, 0, "{report}");
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["intact"], true, "{report}");
}

/// Rebuilds the whole hash chain, as someone with write access to the file could.
fn rechain(env: &Env, home: &str) {
    let db = env.db(home);
    common::rechain(&db);
}

#[test]
fn a_forged_ca_signature_or_request_in_the_log_is_caught_by_audit_verify() {
    let env = governed();
    let mut server = Server::of(&env, "home");
    let ca = server.ca();
    let good = request(
        &env,
        &ca,
        "officer",
        "officer",
        &issue_body(&env.csr("clerk", CLERK)),
        ISSUE_ASKS,
        server_now(),
    );
    server.handle(&good, "intranet").unwrap();
    let (allow, outcome): (i64, String) = env
        .db("home")
        .query_row(
            "SELECT seq, outcome FROM audit WHERE action = 'authz.allow' ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let casig = outcome.rsplit_once(" casig=").unwrap().1.to_string();
    let mut sig = B64.decode(&casig).unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    let tampered = [
        (
            outcome.replace(&casig, &B64.encode(&sig)),
            "the CA's signature",
        ),
        // The request's time moved: the operator's signature no longer covers it.
        (
            {
                let (head, rest) = outcome.split_once(" request=").unwrap();
                let (fields, tail) = rest.split_once(' ').unwrap();
                let mut v: Value = serde_json::from_slice(&B64.decode(fields).unwrap()).unwrap();
                v["time"] = "2027-01-03T02:00:00Z".into();
                format!(
                    "{head} request={} {tail}",
                    B64.encode(serde_json::to_vec(&v).unwrap())
                )
            },
            "the operator's request",
        ),
    ];
    for (forged, says) in tampered {
        env.db("home")
            .execute(
                "UPDATE audit SET outcome = ?1 WHERE seq = ?2",
                rusqlite::params![forged, allow],
            )
            .unwrap();
        rechain(&env, "home");
        let (code, report) = env.audit_verify("home");
        assert_eq!(code, 1, "{report}");
        let report: Value = serde_json::from_str(&report).unwrap();
        let broken = &report["broken"];
        assert_eq!(broken["seq"], allow, "{report}");
        assert_eq!(broken["check"], "operator", "{report}");
        assert!(
            broken["reason"].as_str().unwrap().contains(says),
            "{report}"
        );
    }
}

/// The members of a JSON object.
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[test]
fn the_answers_are_what_the_cli_prints_with_json() {
    let env = governed();
    let mut server = Server::of(&env, "home");
    let ca = server.ca();
    let done = server
        .handle(
            &request(
                &env,
                &ca,
                "officer",
                "officer",
                &issue_body(&env.csr("clerk", CLERK)),
                ISSUE_ASKS,
                server_now(),
            ),
            "intranet",
        )
        .unwrap();
    // The same verbs run locally (on the ungoverned second CA).
    let csr = env.p("clerk.csr");
    let local: Value = serde_json::from_str(&env.ok(
        "other",
        &[
            "--json",
            "cert",
            "issue",
            "--profile",
            "person",
            "--csr",
            &csr,
        ],
    ))
    .unwrap();
    assert_eq!(keys(&done.json), keys(&local));
    assert_eq!(done.json["subject"], local["subject"]);
    let serial = done.json["serial"].as_str().unwrap().to_string();
    let local_serial = local["serial"].as_str().unwrap().to_string();
    let revoke = |serial: &str| {
        Body::Revoke(RevokeBody {
            serials: vec![serial.to_string()],
            reason: Some("superseded".into()),
            invalidity: None,
        })
    };
    let ask = format!("cert.revoke dept/财政局/cert/{serial}");
    // What a client that cannot derive the asks learns from the server (a preflight).
    let asks_of = |server: &Server, body: &Body| {
        let checked = api::Body::parse(&serde_json::to_vec(body).unwrap()).unwrap();
        remote::asks_of(&server.open, &checked, server_now()).unwrap()
    };
    assert_eq!(asks_of(&server, &revoke(&serial)), vec![ask.clone()]);
    assert_eq!(
        asks_of(&server, &issue_body(&env.csr("clerk4", CLERK))),
        ISSUE_ASKS.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    );
    let done = server
        .handle(
            &request(
                &env,
                &ca,
                "officer",
                "officer",
                &revoke(&serial),
                &[&ask],
                server_now(),
            ),
            "intranet",
        )
        .unwrap();
    let local: Value = serde_json::from_str(&env.ok(
        "other",
        &[
            "--json",
            "cert",
            "revoke",
            &local_serial,
            "--reason",
            "superseded",
        ],
    ))
    .unwrap();
    assert_eq!(keys(&done.json), keys(&local));
    assert_eq!(done.json["reason"], local["reason"]);
    let crl = Body::CrlGenerate(CrlBody {
        next_update: Some("3d".into()),
    });
    let done = server
        .handle(
            &request(
                &env,
                &ca,
                "officer",
                "officer",
                &crl,
                &["crl.publish ca/连云港市电子政务根CA"],
                server_now(),
            ),
            "intranet",
        )
        .unwrap();
    let local: Value = serde_json::from_str(&env.ok(
        "other",
        &["--json", "crl", "generate", "--next-update", "3d"],
    ))
    .unwrap();
    let mut expected = keys(&local);
    expected.push("crl".into());
    expected.sort();
    assert_eq!(keys(&done.json), expected);
    assert_eq!(done.json["entries"], local["entries"]);
}
