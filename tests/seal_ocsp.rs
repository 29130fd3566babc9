//! `seal verify --ocsp` against the real `govpki serve` OCSP responder on loopback: the seal
//! holder's certificate, which no CRL settles here, is asked about. Good is valid and says
//! "decided by OCSP <url>"; revoked (keyCompromise, against a claimed signing time) is invalid
//! (exit 1); a responder that does not know the certificate, and one that does not answer, are
//! indeterminate (exit 3). Without `--ocsp` the same document is valid with revocation not
//! checked, so each answer below is the responder's doing.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::serve::Server;
use common::*;
use serde_json::Value;

/// A CA home with a seal (made by the CA's key) held by `holder`, and `doc.txt` signed with it.
fn sealed(env: &Env, ca: &Ca) -> (Issued, PathBuf) {
    let holder = env.issue(
        ca,
        "holder",
        "seal",
        &subject_for("seal"),
        &sans_for("seal"),
        &[],
    );
    let esl = env.path("office.esl");
    env.run(
        &ca.home,
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
            p(&holder.cert),
            "--out",
            p(&esl),
        ],
    )
    .success();
    let doc = env.write("doc.txt", "关于召开2026年度工作会议的通知\n".repeat(40));
    env.run(
        &ca.home,
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
    (holder, doc)
}

/// `seal verify --json DOC --trust CA [--ocsp URL]` from a home that holds no CA (so no store
/// settles the revocation): (exit code, the report).
fn verify(env: &Env, ca: &Ca, doc: &Path, ocsp: Option<&str>) -> (Option<i32>, Value) {
    let mut args = vec!["--json", "seal", "verify", p(doc), "--trust", p(&ca.cert)];
    if let Some(url) = ocsp {
        args.extend(["--ocsp", url]);
    }
    let run = env.run(&env.path("verifier"), &args);
    let report = serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("not one JSON report ({e}): {}", run.describe()));
    (run.code, report)
}

fn signer_chain(report: &Value) -> &Value {
    report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["check"] == "signer_chain"))
        .unwrap_or_else(|| panic!("no signer_chain check: {report}"))
}

fn ocsp_url(server: &Server) -> String {
    format!("{}/ocsp", server.url("publication"))
}

#[test]
fn seal_verify_asks_the_served_ocsp_responder_about_the_holder() {
    let env = Env::new();
    let ca = env.root_ca("seal-ocsp", "p256", &[]);
    // A copy of the home before the holder's certificate exists: its responder does not know it.
    let before = env.path("before");
    let copied = std::process::Command::new("cp")
        .args(["-r", p(&ca.home), p(&before)])
        .status()
        .expect("cp");
    assert!(copied.success());
    let (holder, doc) = sealed(&env, &ca);

    // Without --ocsp: valid, the holder's revocation not checked (no CRL here).
    let (code, report) = verify(&env, &ca, &doc, None);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(
        signer_chain(&report)["revocation_checked"],
        false,
        "{report}"
    );

    // Good, from the home's own server: valid, settled, and the report names the responder.
    let server = Server::start(&env, &ca.home, &["--publish", "127.0.0.1:0"], 1);
    let url = ocsp_url(&server);
    let (code, report) = verify(&env, &ca, &doc, Some(&url));
    assert_eq!(code, Some(0), "{report}");
    let check = signer_chain(&report);
    assert_eq!(check["revocation_checked"], true, "{report}");
    assert!(
        check["detail"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("decided by OCSP {url}")),
        "{report}"
    );

    // Unknown to the responder of the copy: indeterminate.
    let stale = Server::start(&env, &before, &["--publish", "127.0.0.1:0"], 1);
    let (code, report) = verify(&env, &ca, &doc, Some(&ocsp_url(&stale)));
    assert_eq!(code, Some(3), "{report}");
    assert_eq!(report["verdict"], "indeterminate", "{report}");
    assert!(report.to_string().contains("does not know"), "{report}");
    drop(stale);

    // A responder that does not answer: indeterminate.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let (code, report) = verify(
        &env,
        &ca,
        &doc,
        Some(&format!("http://127.0.0.1:{closed}/ocsp")),
    );
    assert_eq!(code, Some(3), "{report}");

    // Revoked (keyCompromise, against a signing time only claimed): invalid, once the server
    // re-signed its answers.
    env.run(
        &ca.home,
        [
            "cert",
            "revoke",
            &holder.serial,
            "--reason",
            "keyCompromise",
        ],
    )
    .success();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (code, report) = verify(&env, &ca, &doc, Some(&url));
        if code == Some(1) {
            assert_eq!(report["verdict"], "invalid", "{report}");
            let detail = signer_chain(&report)["detail"]
                .as_str()
                .unwrap_or("")
                .to_string();
            assert!(detail.contains("revoked"), "{report}");
            assert!(
                detail.contains(&format!("decided by OCSP {url}")),
                "{report}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the revocation is not judged after 15 s: {report}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}
