//! Seals through the CA service (`--ca URL`, docs/api.md), both real processes on loopback at
//! the moved clock of the shipped policy's office hours: `seal create` made by the server with
//! the CA key it holds, governed as locally (a seal-authority operator allowed, a CA officer
//! denied), printing the local verb's text and `--json` keys, written on the client, with a
//! picture over the served 64 KiB bound (raised for this route); then `seal revoke` over `--ca`
//! and `seal verify` of a document sealed with it judged invalid with the served seal status
//! list; `audit verify` holds the acts to the signed requests.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::remote::{Env, json, keys};

/// `GET path` on the plain publication listener: (status, body).
fn get(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header section");
    let head = String::from_utf8_lossy(&all[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    // The publication answers carry a Content-Length, not chunks.
    (status, all[split + 4..].to_vec())
}

fn seal_create_args<'a>(env_out: &'a str, holder: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "seal",
        "create",
        "--name",
        "连云港市人民政府办公室",
        "--type",
        "official",
        "--department",
        "办公室",
        "--holder-cert",
        holder,
        "--out",
        env_out,
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn a_seal_made_and_revoked_through_the_service_is_invalid_with_the_served_status_list() {
    // A CA officer, a seal-authority operator (公安局 印章管理员), a seal holder and a TLS
    // certificate for 127.0.0.1, then governed by the shipped policy.
    let env = Env::governed(|_| {});
    let server = env.serve();
    let url = server.url("intranet").to_string();
    let holder = env.p("holder.pem");

    // Made by the server with the CA key; the client writes the seal and prints the local
    // verb's --json object.
    let out_path = env.p("office.esl");
    let mut args = vec!["--json"];
    args.extend(seal_create_args(&out_path, &holder, &[]));
    let (code, out, err) = env.remote(&url, "sealer", &args);
    assert_eq!(code, 0, "{out}\n{err}");
    let made = json(&out);
    assert_eq!(
        keys(&made),
        [
            "department",
            "es_id",
            "holders",
            "image",
            "name",
            "out",
            "type",
            "type_zh",
            "valid_from",
            "valid_until"
        ]
    );
    assert_eq!(made["out"], out_path.as_str());
    assert!(
        made["holders"][0].as_str().unwrap().contains("CN=李四"),
        "{made}"
    );
    let es_id = made["es_id"].as_str().unwrap().to_string();
    let shown = env.ok("client", &["--json", "seal", "show", &out_path]);
    assert_eq!(json(&shown)["es_id"], es_id.as_str());

    // The text form is the local verb's line; a picture over the served 64 KiB bound goes
    // through (the bound is raised for this route only).
    let mut svg = String::from(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="40mm" height="40mm" viewBox="0 0 40 40"><!-- "#,
    );
    svg.push_str(&"印".repeat(40_000));
    svg.push_str(r#" --><circle cx="20" cy="20" r="19" fill="none" stroke="red"/></svg>"#);
    assert!(svg.len() > 100_000);
    std::fs::write(env.path("big.svg"), &svg).unwrap();
    let finance = env.p("finance.esl");
    let big = env.p("big.svg");
    let (code, out, err) = env.remote(
        &url,
        "sealer",
        &[
            "seal",
            "create",
            "--name",
            "连云港市财政局",
            "--type",
            "财务专用章",
            "--department",
            "财政局",
            "--holder-cert",
            &holder,
            "--image",
            &big,
            "--out",
            &finance,
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("made 财务专用章 seal `连云港市财政局` (财政局) esID ")
            && err.contains("for 1 holder(s), into `"),
        "{err}"
    );
    // The other routes keep the served bound.
    let huge = "A".repeat(100_000);
    let (code, _, err) = env.remote(&url, "sealer", &["seal", "revoke", &huge]);
    assert_eq!(code, 2, "{err}");
    // The server answers 413 without reading the body and closes; the client reads that answer
    // when it arrived, but a reset can overtake it while the client is still writing, and then
    // the refusal reads as the connection's end (both exit 2, nothing done).
    assert!(err.contains("413") || err.contains("talking to `"), "{err}");

    // Governed as locally: a CA officer is no seal authority (exit 1, the server's deny), and
    // an existing output is refused before anything is sent.
    let (code, _, err) = env.remote(
        &url,
        "officer",
        &seal_create_args(&env.p("denied.esl"), &holder, &[]),
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("denied by policy: seal.create"), "{err}");
    assert!(!env.path("denied.esl").exists());
    let (code, _, err) = env.remote(&url, "sealer", &seal_create_args(&out_path, &holder, &[]));
    assert_eq!(code, 2, "{err}");
    // A holder that is no seal holder is refused by the server (exit 2).
    let (code, _, err) = env.remote(
        &url,
        "sealer",
        &seal_create_args(&env.p("bad.esl"), &env.p("officer.pem"), &[]),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("(400): holder certificate `holder 1` does not validate"),
        "{err}"
    );

    // Revoked through the service.
    let (code, out, err) = env.remote(
        &url,
        "sealer",
        &["--json", "seal", "revoke", &es_id, "--reason", "印章遗失"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let revoked = json(&out);
    assert_eq!(revoked["es_id"], es_id.as_str());
    assert_eq!(revoked["reason"], "印章遗失");

    // The home publishes its status list; the server serves it once its publisher sees it.
    env.ok(
        "home",
        &[
            "--as",
            &env.p("officer.pem"),
            "--as-key",
            &env.p("officer.key"),
            "--domain",
            "intranet",
            "-q",
            "seal",
            "status-list",
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let served = loop {
        let (status, body) = get(server.plain(), "/seal-status");
        if status == 200 {
            std::fs::write(env.path("served-status.der"), &body).unwrap();
            let shown = env.ok("client", &["seal", "show", &env.p("served-status.der")]);
            if shown.contains(&es_id) {
                break env.p("served-status.der");
            }
        }
        assert!(
            Instant::now() < deadline,
            "the served status list never named {es_id}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };

    // A document sealed with it elsewhere is invalid for a reviewer with only the served list.
    std::fs::write(env.path("doc.txt"), "关于印发工作方案的通知").unwrap();
    let doc = env.p("doc.txt");
    env.ok(
        "nohome",
        &[
            "seal",
            "sign",
            "--seal",
            &out_path,
            "--key",
            &env.p("holder.key"),
            "--cert",
            &holder,
            "--chain",
            &env.p("home/ca.pem"),
            &doc,
        ],
    );
    let (code, out, err) = env.run(
        "nohome",
        &[
            "--json",
            "seal",
            "verify",
            &doc,
            "--trust",
            &env.p("home/ca.pem"),
            "--seal-status",
            &served,
        ],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        json(out.lines().next().unwrap())["reason"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{out}"
    );

    // Every act is signed by its operator, the CA and held to the request.
    env.ok("home", &["audit", "verify"]);
}

#[test]
fn what_the_service_cannot_do_is_refused_on_the_client_before_anything_is_sent() {
    let env = Env::new();
    env.ok(
        "home",
        &[
            "ca",
            "init",
            "--subject",
            "CN=根CA,O=连云港市人民政府,C=CN",
            "--no-passphrase",
        ],
    );
    std::fs::write(env.path("officer.pem"), "").unwrap();
    std::fs::write(env.path("officer.key"), "").unwrap();
    std::fs::write(
        env.path("b.yaml"),
        "- subject: CN=a,OU=b,O=c,C=CN\n  profile: person\n",
    )
    .unwrap();
    // Nothing listens here: a refusal that reached the network would be a connection error.
    let url = "https://127.0.0.1:9";
    let holder = env.p("holder.pem");
    let out = env.p("x.esl");
    let b = env.p("b.yaml");
    let dir = env.p("outdir");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            seal_create_args(
                &out,
                &holder,
                &["--authority-cert", &holder, "--authority-key", &holder],
            ),
            "--authority-cert and --authority-key are not offered over --ca",
        ),
        (
            seal_create_args(&out, &holder, &["--passphrase-file", &holder]),
            "--passphrase-file is the server's",
        ),
        (
            vec![
                "cert",
                "issue",
                "--batch",
                &b,
                "--out-dir",
                &dir,
                "--subject",
                "CN=x",
            ],
            "--batch takes every request from the file",
        ),
        (
            vec![
                "cert",
                "issue",
                "--batch",
                &b,
                "--out-dir",
                &dir,
                "--path-len",
                "0",
            ],
            "sub-ca constraints",
        ),
        (
            vec![
                "cert",
                "issue",
                "--batch",
                &b,
                "--out-dir",
                &dir,
                "--passphrase-file",
                &b,
            ],
            "--passphrase-file is the server's",
        ),
        (
            vec![
                "cert",
                "issue",
                "--profile",
                "person",
                "--csr",
                &b,
                "--out-dir",
                &dir,
            ],
            "--out-dir is for --batch",
        ),
    ];
    for (args, message) in cases {
        let (code, _, err) = env.remote(url, "officer", &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    assert!(!env.path("outdir").exists());
}
