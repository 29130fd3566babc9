//! `seal verify --ocsp` asks OCSP about every certificate of the path that no CRL decides, the
//! subordinate CA's as well as the holder's, as `cert verify --ocsp` does: against two real
//! `govpki serve` responders on loopback (the root's answers for the subordinate CA, the
//! subordinate CA's for the holder, each found by the certificate's AIA URL), a seal the root
//! made, applied by a holder under the subordinate CA, is valid with both decided by OCSP; once
//! the root revokes the subordinate CA (known only to the root's responder: no CRL is given),
//! the seal is no longer valid, also when the holder is named exactly like the subordinate CA.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use common::serve::Server;
use common::*;
use serde_json::Value;

/// A loopback port free now (the servers listen on it; the CAs name it before they start).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// `seal verify --json DOC --trust ROOT --ocsp` from a home that holds no CA: (exit code,
/// report).
fn verify(env: &Env, root: &Ca, doc: &Path) -> (Option<i32>, Value) {
    let run = env.run(
        &env.path("verifier"),
        [
            "--json",
            "seal",
            "verify",
            p(doc),
            "--trust",
            p(&root.cert),
            "--ocsp",
        ],
    );
    let report = serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("not one JSON report ({e}): {}", run.describe()));
    (run.code, report)
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["check"] == id))
        .unwrap_or_else(|| panic!("no {id} check: {report}"))
}

#[test]
fn a_subordinate_ca_revoked_only_in_ocsp_makes_the_seal_not_valid() {
    revoked_only_in_ocsp(&subject_for("seal"));
}

/// One who stole the subordinate CA's key can issue a holder named exactly like that CA: the
/// two certificates whose revocation OCSP decides then read the same, and each must still be
/// asked about itself (the holder's `good` must not settle the revoked subordinate CA).
#[test]
fn a_holder_named_like_its_revoked_subordinate_ca_does_not_hide_the_revocation() {
    revoked_only_in_ocsp(&format!("CN=sub 业务CA,{ORG}"));
}

/// Root -> `sub` (its CA subject `CN=sub 业务CA,...`) -> a seal holder named `holder_subject`,
/// each CA with its own `govpki serve` responder: valid with every certificate decided by OCSP,
/// then invalid once the root revokes the subordinate CA (only OCSP knows).
fn revoked_only_in_ocsp(holder_subject: &str) {
    let env = Env::new();
    let (root_port, sub_port) = (free_port(), free_port());
    let root_url = format!("http://127.0.0.1:{root_port}/ocsp");
    let sub_url = format!("http://127.0.0.1:{sub_port}/ocsp");
    let root = env.root_ca("root", "p256", &["--ocsp-url", &root_url]);
    let sub = env.sub_ca("sub", &root, &["--ocsp-url", &sub_url]);
    let holder = env.issue(
        &sub,
        "holder",
        "seal",
        holder_subject,
        &sans_for("seal"),
        &[],
    );
    // The root makes the seal (its authority's path is the anchor alone): the subordinate CA
    // is on the signer's path only, so only asking about it there can catch its revocation.
    let bundle = env.write(
        "holder-bundle.pem",
        [
            std::fs::read(&holder.cert).unwrap(),
            std::fs::read(&sub.cert).unwrap(),
        ]
        .concat(),
    );
    let esl = env.path("office.esl");
    env.run(
        &root.home,
        [
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
            p(&bundle),
            "--out",
            p(&esl),
        ],
    )
    .success();
    let doc = env.write("doc.txt", "关于召开2026年度工作会议的通知\n".repeat(40));
    env.run(
        &sub.home,
        [
            "-q",
            "seal",
            "sign",
            "--seal",
            p(&esl),
            "--key",
            p(holder.key.as_ref().expect("a key")),
            "--cert",
            p(&holder.cert),
            p(&doc),
        ],
    )
    .success();

    let _root_server = Server::start(
        &env,
        &root.home,
        &["--publish", &format!("127.0.0.1:{root_port}")],
        1,
    );
    let _sub_server = Server::start(
        &env,
        &sub.home,
        &["--publish", &format!("127.0.0.1:{sub_port}")],
        1,
    );

    // Both responders say good: valid, and every certificate of the signer's path was decided
    // (the holder by the subordinate CA's responder, the subordinate CA by the root's), so
    // nothing is left "not checked".
    let (code, report) = verify(&env, &root, &doc);
    assert_eq!(code, Some(0), "{report}");
    let signer = check(&report, "signer_chain");
    assert_eq!(signer["revocation_checked"], true, "{report}");
    let detail = signer["detail"].as_str().unwrap_or("");
    for url in [&sub_url, &root_url] {
        assert!(
            detail.contains(&format!("decided by OCSP {url}")),
            "{url}: {report}"
        );
    }

    // The root revokes the subordinate CA (no CRL is published or given): only OCSP knows.
    let listed = env
        .run(&root.home, ["--json", "cert", "list"])
        .success()
        .json();
    let sub_serial = json_str(&listed[0], "serial");
    env.run(
        &root.home,
        ["cert", "revoke", &sub_serial, "--reason", "keyCompromise"],
    )
    .success();
    // The root's responder re-signs its answers within seconds of the commit.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (code, report) = loop {
        let (code, report) = verify(&env, &root, &doc);
        if code != Some(0) || Instant::now() > deadline {
            break (code, report);
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["verdict"], "invalid", "{report}");
    let text = report.to_string();
    assert!(
        text.contains("sub 业务CA"),
        "names the subordinate CA: {report}"
    );
    assert!(text.contains("revoked"), "{report}");
}
