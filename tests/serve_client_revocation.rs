//! `govpki serve` asks for an optional TLS client certificate and checks its revocation at the
//! handshake: a certificate of this CA that is revoked (before the start, or while the server
//! runs) is refused, a good one is accepted. Against curl on loopback.

mod common;

use std::time::{Duration, Instant};

use common::serve::Server;
use common::*;

fn curl_health(ca_pem: &str, who: &Issued, https: &str) -> ToolRun {
    tool(
        "curl",
        [
            "--silent",
            "--show-error",
            "--max-time",
            "20",
            "--fail",
            "--cacert",
            ca_pem,
            "--cert",
            p(&who.cert),
            "--key",
            p(who.key.as_ref().expect("a key")),
            &format!("{https}/health"),
        ],
    )
}

#[test]
fn a_revoked_client_certificate_is_refused_at_the_handshake() {
    if !require_tool("curl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("serve", "p256", &[]);
    let tls = env.issue(
        &ca,
        "tls",
        "server",
        &format!("CN=ca.lyg.gov.cn,{ORG}"),
        &["dns:ca.lyg.gov.cn", "ip:127.0.0.1"],
        &[],
    );
    let person = |name: &str| {
        env.issue(
            &ca,
            name,
            "person",
            &subject_for("person"),
            &sans_for("person"),
            &[],
        )
    };
    let (good, early, late) = (person("good"), person("early"), person("late"));
    env.run(
        &ca.home,
        ["cert", "revoke", &early.serial, "--reason", "keyCompromise"],
    )
    .success();
    let server = Server::start(
        &env,
        &ca.home,
        &[
            "--listen",
            "127.0.0.1:0=intranet",
            "--tls-cert",
            p(&tls.cert),
            "--tls-key",
            p(tls.key.as_ref().expect("a key")),
        ],
        1,
    );
    let https = server.url("intranet").to_string();
    let ca_pem = p(&ca.cert);

    curl_health(ca_pem, &good, &https).success();
    curl_health(ca_pem, &late, &https).success();
    // Revoked before the start: refused at once.
    curl_health(ca_pem, &early, &https).failure();

    // Revoked while the server runs: refused from the publisher's next poll.
    env.run(
        &ca.home,
        ["cert", "revoke", &late.serial, "--reason", "keyCompromise"],
    )
    .success();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let run = curl_health(ca_pem, &late, &https);
        if run.code != Some(0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a revoked client certificate is still accepted after 15 s"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // The good certificate is still accepted.
    curl_health(ca_pem, &good, &https).success();
}
