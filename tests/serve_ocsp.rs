//! OCSP answered by `govpki serve` (issue #11), as a real process on loopback: `openssl ocsp
//! -url` against it (good, revoked with reason and time, unknown, another issuer's certificate
//! `unauthorized`, a delegated responder), the GET form with curl and its RFC 5019 cache headers,
//! HTTPS as well as HTTP, a local `cert revoke` flipping the answer within seconds, `cert verify
//! --ocsp` against the server, and malformed requests answered `malformedRequest` (not JSON).

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::serve::Server;
use common::*;

/// The server's OCSP URL on its publication listener.
fn ocsp_url(server: &Server) -> String {
    format!("{}/ocsp", server.url("publication"))
}

fn openssl_ocsp(issuer: &Path, what: &[&str], url: &str, ca_file: &Path) -> ToolRun {
    let mut args = vec!["ocsp", "-issuer", p(issuer)];
    args.extend_from_slice(what);
    args.extend_from_slice(&["-url", url, "-CAfile", p(ca_file), "-resp_text"]);
    tool("openssl", args)
}

/// Sends `request` as is and reads the answer (headers and body) until the server closes.
fn raw(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(request).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// (head, body) of a raw HTTP answer.
fn split(answer: &[u8]) -> (String, Vec<u8>) {
    let at = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header section");
    (
        String::from_utf8_lossy(&answer[..at]).to_lowercase(),
        answer[at + 4..].to_vec(),
    )
}

/// Runs `govpki ARGS` that must exit by itself (a server that starts after all is killed after
/// 60 s, failing the test instead of hanging it): (exit code, stdout, stderr).
fn exits_within(env: &Env, home: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut child = govpki(home, env.root())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn govpki");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// OCSPResponse { responseStatus malformedRequest (1) }, unsigned (RFC 6960 §4.2.1).
const MALFORMED: [u8; 5] = [0x30, 0x03, 0x0a, 0x01, 0x01];

#[test]
fn openssl_ocsp_gets_good_revoked_unknown_and_unauthorized_over_post_and_get() {
    if !require_tool("openssl") || !require_tool("curl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("ocsp-serve", "p256", &[]);
    let good = env.issue(&ca, "good", "person", "CN=好人,O=T,C=CN", &[], &[]);
    let bad = env.issue(&ca, "bad", "person", "CN=坏人,O=T,C=CN", &[], &[]);
    env.run(
        &ca.home,
        ["cert", "revoke", &bad.serial, "--reason", "keyCompromise"],
    )
    .success();
    let server = Server::start(&env, &ca.home, &["--publish", "127.0.0.1:0"], 1);
    let url = ocsp_url(&server);

    let run = openssl_ocsp(&ca.cert, &["-cert", p(&good.cert)], &url, &ca.cert).success();
    assert!(
        run.stderr.contains("Response verify OK"),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout.contains(&format!("{}: good", p(&good.cert))),
        "{}",
        run.describe()
    );

    let run = openssl_ocsp(&ca.cert, &["-cert", p(&bad.cert)], &url, &ca.cert).success();
    assert!(
        run.stdout.contains(&format!("{}: revoked", p(&bad.cert))),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout.contains("Reason: keyCompromise"),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout.contains("Revocation Time:"),
        "{}",
        run.describe()
    );

    // A serial this CA never issued.
    let run = openssl_ocsp(&ca.cert, &["-serial", "0x7e57"], &url, &ca.cert).success();
    assert!(run.stdout.contains("0x7e57: unknown"), "{}", run.describe());

    // Another CA's certificate: unauthorized (RFC 6960 §2.3), not a signed answer.
    let other = env.root_ca("elsewhere", "p256", &[]);
    let stranger = env.issue(&other, "stranger", "person", "CN=外人,O=T,C=CN", &[], &[]);
    let run = openssl_ocsp(
        &other.cert,
        &["-cert", p(&stranger.cert)],
        &url,
        &other.cert,
    );
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("unauthorized"),
        "{}",
        run.describe()
    );

    // The GET form (RFC 5019 §5): the request openssl writes, base64 and %-escaped in the path.
    let req = env.path("good.req");
    tool(
        "openssl",
        [
            "ocsp",
            "-issuer",
            p(&ca.cert),
            "-cert",
            p(&good.cert),
            "-no_nonce",
            "-reqout",
            p(&req),
        ],
    )
    .success();
    let b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&req).unwrap());
    let escaped = b64
        .replace('%', "%25")
        .replace('/', "%2F")
        .replace('+', "%2B")
        .replace('=', "%3D");
    let resp = env.path("good.resp");
    let headers = env.path("good.headers");
    tool(
        "curl",
        [
            "--silent",
            "--show-error",
            "--fail",
            "--max-time",
            "20",
            "-D",
            p(&headers),
            "-o",
            p(&resp),
            &format!("{url}/{escaped}"),
        ],
    )
    .success();
    let head = std::fs::read_to_string(&headers).unwrap().to_lowercase();
    assert!(
        head.contains("content-type: application/ocsp-response"),
        "{head}"
    );
    assert!(
        head.contains("cache-control: max-age=") && head.contains("public"),
        "{head}"
    );
    for h in ["last-modified: ", "expires: ", "etag: \""] {
        assert!(head.contains(h), "{h} in {head}");
    }
    let run = tool(
        "openssl",
        [
            "ocsp",
            "-respin",
            p(&resp),
            "-issuer",
            p(&ca.cert),
            "-cert",
            p(&good.cert),
            "-CAfile",
            p(&ca.cert),
        ],
    )
    .success();
    assert!(
        run.stdout.contains(": good") && run.stderr.contains("Response verify OK"),
        "{}",
        run.describe()
    );
    // The same request by POST carries no caching headers (RFC 5019 §6.2 is for GET).
    let body = std::fs::read(&req).unwrap();
    let mut post = format!(
        "POST /ocsp HTTP/1.1\r\nHost: ca\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    post.extend_from_slice(&body);
    let (head, answer) = split(&raw(server.plain(), &post));
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(!head.contains("cache-control"), "{head}");
    assert_eq!(answer, std::fs::read(&resp).unwrap());
}

#[test]
fn garbage_gets_an_ocsp_malformed_request_and_health_shows_the_ocsp_next_update() {
    let env = Env::new();
    let ca = env.root_ca("ocsp-garbage", "p256", &[]);
    let server = Server::start(&env, &ca.home, &["--publish", "127.0.0.1:0"], 1);
    let addr = server.plain();
    for body in [
        &b"garbage"[..],
        b"",
        b"\x30\x80\x00\x00",
        b"\x30\x03\x02\x01",
    ] {
        let mut post = format!(
            "POST /ocsp HTTP/1.1\r\nHost: ca\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        post.extend_from_slice(body);
        let (head, answer) = split(&raw(addr, &post));
        assert!(head.starts_with("http/1.1 200"), "{body:?}: {head}");
        assert!(
            head.contains("content-type: application/ocsp-response"),
            "{head}"
        );
        assert_eq!(answer, MALFORMED, "{body:?}");
    }
    for path in [
        "/ocsp/%zz!!",
        "/ocsp/bm90IGFuIE9DU1AgcmVxdWVzdA==",
        "/ocsp/",
    ] {
        let get = format!("GET {path} HTTP/1.1\r\nHost: ca\r\nConnection: close\r\n\r\n");
        let (head, answer) = split(&raw(addr, get.as_bytes()));
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        assert!(!head.contains("cache-control"), "{path}: {head}");
        assert_eq!(answer, MALFORMED, "{path}");
    }
    // Still serving.
    let (head, body) = split(&raw(
        addr,
        b"GET /health HTTP/1.1\r\nHost: ca\r\nConnection: close\r\n\r\n",
    ));
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(
        v["ocsp"]["next_update"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{v}"
    );
}

#[test]
fn a_local_revocation_flips_the_answer_and_cert_verify_ocsp_follows() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("ocsp-flip", "p256", &[]);
    let person = env.issue(&ca, "zhang", "person", "CN=张三,O=T,C=CN", &[], &[]);
    let server = Server::start(&env, &ca.home, &["--publish", "127.0.0.1:0"], 1);
    let url = ocsp_url(&server);
    let run = env
        .run(
            &ca.home,
            ["cert", "verify", p(&person.cert), "--ocsp", &url],
        )
        .success();
    assert!(
        run.stdout.contains(&format!("decided by OCSP {url}")),
        "{}",
        run.describe()
    );
    env.run(
        &ca.home,
        [
            "cert",
            "revoke",
            &person.serial,
            "--reason",
            "keyCompromise",
        ],
    )
    .success();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let run = openssl_ocsp(&ca.cert, &["-cert", p(&person.cert)], &url, &ca.cert).success();
        if run.stdout.contains(": revoked") {
            assert!(
                run.stdout.contains("Reason: keyCompromise"),
                "{}",
                run.describe()
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still not revoked after 10 s\n{}",
            run.describe()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let run = env
        .run(
            &ca.home,
            ["cert", "verify", p(&person.cert), "--ocsp", &url],
        )
        .code(1);
    assert!(
        run.stdout.contains("(keyCompromise)") && run.stdout.contains(&format!("OCSP {url}")),
        "{}",
        run.describe()
    );
}

#[test]
fn a_delegated_responder_signs_and_one_that_does_not_fit_exits_2() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("ocsp-delegate", "p256", &[]);
    let responder = env.issue(
        &ca,
        "responder",
        "ocsp",
        "CN=OCSP 响应器,O=T,C=CN",
        &[],
        &[],
    );
    let good = env.issue(&ca, "good", "person", "CN=好人,O=T,C=CN", &[], &[]);
    let key = responder.key.clone().expect("a key");
    let server = Server::start(
        &env,
        &ca.home,
        &[
            "--publish",
            "127.0.0.1:0",
            "--ocsp-cert",
            p(&responder.cert),
            "--ocsp-key",
            p(&key),
        ],
        1,
    );
    let run = openssl_ocsp(
        &ca.cert,
        &["-cert", p(&good.cert)],
        &ocsp_url(&server),
        &ca.cert,
    )
    .success();
    assert!(
        run.stderr.contains("Response verify OK"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains(": good"), "{}", run.describe());
    // The delegate's certificate travels in the response (`certs`); the CA's answers carry none.
    assert!(run.stdout.contains("Certificate:"), "{}", run.describe());
    drop(server);

    // A person certificate is no OCSP responder; a key of another certificate does not fit.
    let other = env.root_ca("other-ca", "p256", &[]);
    let foreign = env.issue(
        &other,
        "foreign",
        "ocsp",
        "CN=外部响应器,O=T,C=CN",
        &[],
        &[],
    );
    for (cert, key, words) in [
        (&good.cert, good.key.clone().unwrap(), "ocsp"),
        (&responder.cert, good.key.clone().unwrap(), "key"),
        (&foreign.cert, foreign.key.clone().unwrap(), "not issued by"),
    ] {
        let (code, stdout, stderr) = exits_within(
            &env,
            &ca.home,
            &[
                "serve",
                "--publish",
                "127.0.0.1:0",
                "--ocsp-cert",
                p(cert),
                "--ocsp-key",
                p(&key),
            ],
        );
        assert_eq!(code, Some(2), "{words}: {stderr}");
        assert!(stderr.to_lowercase().contains(words), "{words}: {stderr}");
        assert!(stdout.is_empty(), "{stdout}");
    }
}

#[test]
fn ocsp_is_answered_on_the_https_listener_too() {
    if !require_tool("openssl") || !require_tool("curl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("ocsp-tls", "p256", &[]);
    let tls = env.issue(
        &ca,
        "tls",
        "server",
        &format!("CN=ca.lyg.gov.cn,{ORG}"),
        &["dns:ca.lyg.gov.cn", "ip:127.0.0.1"],
        &[],
    );
    let good = env.issue(&ca, "good", "person", "CN=好人,O=T,C=CN", &[], &[]);
    let server = Server::start(
        &env,
        &ca.home,
        &[
            "--listen",
            "127.0.0.1:0=intranet",
            "--tls-cert",
            p(&tls.cert),
            "--tls-key",
            p(tls.key.as_ref().unwrap()),
        ],
        1,
    );
    let req = env.path("good.req");
    tool(
        "openssl",
        [
            "ocsp",
            "-issuer",
            p(&ca.cert),
            "-cert",
            p(&good.cert),
            "-reqout",
            p(&req),
        ],
    )
    .success();
    let resp = env.path("good.resp");
    tool(
        "curl",
        [
            "--silent",
            "--show-error",
            "--fail",
            "--max-time",
            "20",
            "--cacert",
            p(&ca.cert),
            "-H",
            "Content-Type: application/ocsp-request",
            "--data-binary",
            &format!("@{}", p(&req)),
            "-o",
            p(&resp),
            &format!("{}/ocsp", server.url("intranet")),
        ],
    )
    .success();
    let run = tool(
        "openssl",
        [
            "ocsp",
            "-respin",
            p(&resp),
            "-issuer",
            p(&ca.cert),
            "-cert",
            p(&good.cert),
            "-CAfile",
            p(&ca.cert),
        ],
    )
    .success();
    assert!(
        run.stdout.contains(": good") && run.stderr.contains("Response verify OK"),
        "{}",
        run.describe()
    );
}
