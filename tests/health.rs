//! `/health` tells the truth on a real server: in a governed home whose serving operator is
//! revoked while it runs, `/health` turns from `ok` to `degraded` (HTTP 200, the JSON reasons:
//! the operator can no longer publish, the CRL publication the revocation triggered failed).
//! Before, it said `ok` until the served CRL expired days later.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use common::serve::Server;
use common::*;

/// `GET /health` on the plain listener: the status code and the JSON body.
fn health(addr: SocketAddr) -> (String, serde_json::Value) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: ca\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let code = text.split(' ').nth(1).unwrap_or("").to_string();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (code, json)
}

fn reasons(v: &serde_json::Value) -> Vec<String> {
    v["reasons"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|r| r["reason"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn health_is_degraded_once_the_serving_operator_is_revoked() {
    let env = Env::new();
    let ca = env.root_ca("serve", "p256", &[]);
    let officer = env.issue(
        &ca,
        "officer",
        "person",
        "CN=王五,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN",
        &[],
        &[],
    );
    // The shipped roles and bindings, without the time restrictions (the real clock runs here).
    let policy = env.path("policy");
    std::fs::create_dir_all(&policy).unwrap();
    for f in ["roles.yaml", "bindings.yaml"] {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("policies")
                .join(f),
            policy.join(f),
        )
        .unwrap();
    }
    env.run(&ca.home, ["ca", "policy", p(&policy)]).success();
    let as_officer = [
        "--as",
        p(&officer.cert),
        "--as-key",
        p(officer.key.as_ref().unwrap()),
        "--domain",
        "intranet",
    ];
    let mut cmd = govpki(&ca.home, env.root());
    cmd.args(as_officer)
        .args(["serve", "--publish", "127.0.0.1:0"]);
    let server = Server::spawn(cmd, 1);
    let addr: SocketAddr = server.plain();

    let (code, v) = health(addr);
    assert_eq!((code.as_str(), &v["status"]), ("200", &"ok".into()), "{v}");
    assert!(reasons(&v).is_empty(), "{v}");

    // The officer revokes his own certificate (the CA centre retiring him): the server's next
    // CRL is his act, which he may no longer do.
    let mut revoke = vec![
        "cert",
        "revoke",
        officer.serial.as_str(),
        "--reason",
        "superseded",
    ];
    revoke.splice(0..0, as_officer);
    env.run(&ca.home, &revoke).success();

    let deadline = Instant::now() + Duration::from_secs(15);
    let v = loop {
        let (code, v) = health(addr);
        let found = reasons(&v);
        if found.iter().any(|r| r == "operator-cannot-publish")
            && found.iter().any(|r| r == "crl-publication-failed")
        {
            assert_eq!(code, "200", "{v}");
            break v;
        }
        assert!(
            Instant::now() < deadline,
            "/health does not report the revoked operator after 15 s: {v}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(v["status"], "degraded", "{v}");
    let details = v["reasons"].to_string();
    assert!(details.contains("not accepted"), "{v}");
}
