//! `govpki serve` as a real process on loopback: publication read by curl and `openssl
//! s_client` (TLS 1.2 and 1.3, the CA as trust anchor), the served CRL accepted by `openssl crl`
//! and `govpki crl show`, ETag/304, a local revocation reaching the served CRL, the bounds
//! (slow-loris, body size, connection count, malformed requests), one server per home, SIGTERM,
//! and a refused TLS key.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::serve::Server;
use common::*;

/// A CA (P-256, unencrypted key) with a `server` certificate for 127.0.0.1.
fn ca_with_server_cert(env: &Env) -> (Ca, Issued) {
    let ca = env.root_ca("serve", "p256", &[]);
    let tls = env.issue(
        &ca,
        "tls",
        "server",
        &format!("CN=ca.lyg.gov.cn,{ORG}"),
        &["dns:ca.lyg.gov.cn", "ip:127.0.0.1"],
        &[],
    );
    (ca, tls)
}

fn tls_args(tls: &Issued) -> Vec<String> {
    vec![
        "--tls-cert".into(),
        p(&tls.cert).into(),
        "--tls-key".into(),
        p(tls.key.as_ref().expect("a key")).into(),
    ]
}

fn start_both(env: &Env, ca: &Ca, tls: &Issued, extra: &[&str]) -> Server {
    let mut args: Vec<String> = vec![
        "--listen".into(),
        "127.0.0.1:0=intranet".into(),
        "--publish".into(),
        "127.0.0.1:0".into(),
    ];
    args.extend(tls_args(tls));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Server::start(env, &ca.home, &args, 2)
}

/// Sends `request` as is and reads the answer until the server closes or `wait` passes.
fn raw(addr: SocketAddr, request: &[u8], wait: Duration) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(wait)).expect("timeout");
    s.write_all(request).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn get(addr: SocketAddr, path: &str) -> String {
    raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: ca\r\nConnection: close\r\n\r\n").as_bytes(),
        Duration::from_secs(10),
    )
}

fn status_of(response: &str) -> &str {
    response.split(' ').nth(1).unwrap_or("")
}

fn json_body(response: &str) -> serde_json::Value {
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {response}"))
}

fn curl(args: &[&str]) -> ToolRun {
    let mut all = vec!["--silent", "--show-error", "--max-time", "20"];
    all.extend_from_slice(args);
    tool("curl", all)
}

fn fetch_crl(env: &Env, url: &str, rel: &str) -> PathBuf {
    let out = env.path(rel);
    curl(&["--fail", "--output", p(&out), &format!("{url}/crl")]).success();
    out
}

#[test]
fn publication_over_https_and_http_reads_back_with_curl_openssl_and_govpki() {
    if !require_tool("curl") || !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let (ca, tls) = ca_with_server_cert(&env);
    let server = start_both(&env, &ca, &tls, &[]);
    let https = server.url("intranet").to_string();
    let http = server.url("publication").to_string();
    assert!(https.starts_with("https://127.0.0.1:"), "{https}");
    assert!(http.starts_with("http://127.0.0.1:"), "{http}");
    let ca_pem = p(&ca.cert);

    // The CA certificate, over HTTPS with the CA as the only trust anchor, and over HTTP.
    let der = curl(&["--fail", "--cacert", ca_pem, &format!("{https}/ca.der")]).success();
    assert_eq!(der.stdout_bytes, der_of(&ca.cert));
    let pem = curl(&["--fail", &format!("{http}/ca.pem")]).success();
    assert_eq!(
        pem.stdout,
        std::fs::read_to_string(&ca.cert).expect("ca.pem")
    );
    let chain = curl(&["--fail", &format!("{http}/chain.pem")]).success();
    assert_eq!(
        chain.stdout,
        std::fs::read_to_string(&ca.chain).expect("chain.pem")
    );
    let types = curl(&[
        "--fail",
        "--cacert",
        ca_pem,
        "--output",
        "/dev/null",
        "--write-out",
        "%{content_type}",
        &format!("{https}/ca.der"),
    ])
    .success();
    assert_eq!(types.stdout, "application/pkix-cert");

    // The health document names the CA and the CRL it serves.
    let health = curl(&["--fail", "--cacert", ca_pem, &format!("{https}/health")]).success();
    let health: serde_json::Value = serde_json::from_str(&health.stdout).expect("health JSON");
    assert_eq!(health["status"], "ok");
    assert!(
        health["ca"]
            .as_str()
            .unwrap_or("")
            .contains("CN=serve 根CA"),
        "{health}"
    );
    assert_eq!(health["crl"]["number"], 1);

    // The CRL: openssl checks its signature with the CA; govpki reads it.
    let crl = fetch_crl(&env, &http, "served.crl");
    tool(
        "openssl",
        [
            "crl",
            "-inform",
            "DER",
            "-in",
            p(&crl),
            "-CAfile",
            ca_pem,
            "-noout",
        ],
    )
    .success();
    let shown = env
        .run(&ca.home, ["--json", "crl", "show", p(&crl)])
        .success();
    assert_eq!(shown.json()["number"], "1", "{}", shown.stdout);
    assert_eq!(shown.json()["signature"], "verified with this home's CA");
    // The server's CRL is the home's published copy, byte for byte.
    assert_eq!(
        std::fs::read(&crl).expect("served"),
        std::fs::read(ca.home.join("crl.der")).expect("home copy")
    );

    // ETag and Last-Modified make a conditional GET a 304.
    let head = curl(&[
        "--fail",
        "--dump-header",
        "-",
        "--output",
        "/dev/null",
        &format!("{http}/crl"),
    ])
    .success();
    let header = |name: &str| -> String {
        head.stdout
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_else(|| panic!("no {name} in\n{}", head.stdout))
    };
    let etag = header("etag");
    let modified = header("last-modified");
    assert!(
        header("cache-control").contains("max-age="),
        "{}",
        head.stdout
    );
    assert_eq!(header("content-type"), "application/pkix-crl");
    for condition in [
        format!("If-None-Match: {etag}"),
        format!("If-Modified-Since: {modified}"),
    ] {
        let code = curl(&[
            "--header",
            &condition,
            "--output",
            "/dev/null",
            "--write-out",
            "%{http_code}",
            &format!("{http}/crl"),
        ])
        .success();
        assert_eq!(code.stdout, "304", "{condition}");
    }
    let code = curl(&[
        "--header",
        "If-None-Match: \"another\"",
        "--output",
        "/dev/null",
        "--write-out",
        "%{http_code}",
        &format!("{http}/crl"),
    ])
    .success();
    assert_eq!(code.stdout, "200");

    // Client certificates are optional, and one from this CA is accepted; one from another CA
    // is refused at the handshake.
    let person = env.issue(
        &ca,
        "zhang",
        "person",
        &subject_for("person"),
        &sans_for("person"),
        &[],
    );
    let key = |i: &Issued| p(i.key.as_ref().expect("key")).to_string();
    curl(&[
        "--fail",
        "--cacert",
        ca_pem,
        "--cert",
        p(&person.cert),
        "--key",
        &key(&person),
        &format!("{https}/health"),
    ])
    .success();
    let stranger_ca = env.root_ca("stranger", "p256", &[]);
    let stranger = env.issue(
        &stranger_ca,
        "stranger",
        "person",
        &subject_for("person"),
        &sans_for("person"),
        &[],
    );
    curl(&[
        "--fail",
        "--cacert",
        ca_pem,
        "--cert",
        p(&stranger.cert),
        "--key",
        &key(&stranger),
        &format!("{https}/health"),
    ])
    .failure();

    // TLS 1.2 and 1.3, the server's certificate verified against the CA, ALPN http/1.1.
    let host = https.trim_start_matches("https://");
    for version in ["-tls1_2", "-tls1_3"] {
        let run = tool(
            "openssl",
            [
                "s_client",
                version,
                "-connect",
                host,
                "-CAfile",
                ca_pem,
                "-verify_return_error",
                "-alpn",
                "http/1.1",
                "-brief",
            ],
        );
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            all.contains("Verification: OK") || all.contains("Verify return code: 0"),
            "{version}: {}",
            run.describe()
        );
        let expected = if version == "-tls1_2" {
            "TLSv1.2"
        } else {
            "TLSv1.3"
        };
        assert!(all.contains(expected), "{version}: {}", run.describe());
    }
}

#[test]
fn a_local_revocation_reaches_the_served_crl_within_seconds() {
    if !require_tool("curl") || !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("revoking", "p256", &[]);
    let person = env.issue(
        &ca,
        "zhang",
        "person",
        &subject_for("person"),
        &sans_for("person"),
        &[],
    );
    let server = Server::start(&env, &ca.home, &["--publish", "127.0.0.1:0"], 1);
    let http = server.url("publication").to_string();
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
        let crl = fetch_crl(&env, &http, "after.crl");
        let text = tool(
            "openssl",
            [
                "crl",
                "-inform",
                "DER",
                "-in",
                p(&crl),
                "-CAfile",
                p(&ca.cert),
                "-noout",
                "-text",
            ],
        )
        .success()
        .stdout
        .to_uppercase();
        if text.contains(&norm_serial(&person.serial).to_uppercase()) {
            assert!(text.contains("KEY COMPROMISE"), "{text}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the revocation of {} is not in the served CRL after 10 s:\n{text}",
            person.serial
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // Each CRL the server signs is recorded and audited as `crl generate` does.
    let log = env.run(&ca.home, ["--json", "audit", "show"]).success();
    assert!(
        log.stdout.matches("crl.publish").count() >= 2,
        "{}",
        log.stdout
    );
}

#[test]
fn a_slow_loris_is_closed_after_the_header_timeout_while_others_are_served() {
    let env = Env::new();
    let ca = env.root_ca("loris", "p256", &[]);
    let server = Server::start(
        &env,
        &ca.home,
        &[
            "--publish",
            "127.0.0.1:0",
            "--header-timeout",
            "1s",
            "--idle-timeout",
            "30s",
        ],
        1,
    );
    let addr = server.plain();
    let mut slow = TcpStream::connect(addr).expect("connect");
    slow.write_all(b"GET /crl HTTP/1.1\r\nHost: ca\r\n")
        .expect("partial headers");
    let started = Instant::now();
    // Keep trickling header bytes: the header timeout counts from the start, not per byte.
    let mut trickle = slow.try_clone().expect("clone");
    let trickler = std::thread::spawn(move || {
        for i in 0..20 {
            if trickle
                .write_all(format!("X-{i}: y\r\n").as_bytes())
                .is_err()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let normal = get(addr, "/health");
    assert_eq!(status_of(&normal), "200", "{normal}");
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    let held = started.elapsed();
    let _ = trickler.join();
    assert!(
        held < Duration::from_secs(4),
        "the slow client held its connection for {held:?}"
    );
    let answer = String::from_utf8_lossy(&rest);
    assert!(
        !answer.contains("200 OK"),
        "a partial request was answered: {answer}"
    );
}

/// The same for the body: headers on time, then a byte of the declared body before each idle
/// deadline. The body must arrive whole within the header timeout, else 408 and the
/// connection is closed; before, the drip held the slot for as long as the client liked.
#[test]
fn a_body_dripped_a_byte_at_a_time_is_cut_off_with_408() {
    let env = Env::new();
    let ca = env.root_ca("drip", "p256", &[]);
    let server = Server::start(
        &env,
        &ca.home,
        &[
            "--publish",
            "127.0.0.1:0",
            "--header-timeout",
            "1s",
            "--idle-timeout",
            "2s",
        ],
        1,
    );
    let addr = server.plain();
    let mut slow = TcpStream::connect(addr).expect("connect");
    slow.write_all(b"POST /ocsp HTTP/1.1\r\nHost: ca\r\nContent-Length: 60000\r\n\r\n")
        .expect("headers");
    let started = Instant::now();
    let mut drip = slow.try_clone().expect("clone");
    let dripper = std::thread::spawn(move || {
        for _ in 0..40 {
            if drip.write_all(b"x").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    });
    slow.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    let held = started.elapsed();
    let _ = dripper.join();
    let answer = String::from_utf8_lossy(&rest);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        held < Duration::from_secs(5),
        "the dripping client held its connection for {held:?}"
    );
}

#[test]
fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let env = Env::new();
    let ca = env.root_ca("idle", "p256", &[]);
    let server = Server::start(
        &env,
        &ca.home,
        &["--publish", "127.0.0.1:0", "--idle-timeout", "1s"],
        1,
    );
    let mut s = TcpStream::connect(server.plain()).expect("connect");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: ca\r\n\r\n")
        .expect("request");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let started = Instant::now();
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    assert!(String::from_utf8_lossy(&all).starts_with("HTTP/1.1 200"));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "a kept-alive idle connection stayed open {:?}",
        started.elapsed()
    );
}

#[test]
fn bodies_over_the_limit_malformed_and_unknown_requests_get_4xx_json() {
    let env = Env::new();
    let ca = env.root_ca("bounds", "p256", &[]);
    let server = Server::start(
        &env,
        &ca.home,
        &["--publish", "127.0.0.1:0", "--max-body", "1024"],
        1,
    );
    let addr = server.plain();
    let wait = Duration::from_secs(10);

    // Declared over the limit: 413 without reading it.
    let r = raw(
        addr,
        b"POST /ocsp HTTP/1.1\r\nHost: ca\r\nContent-Length: 100000\r\n\r\n",
        wait,
    );
    assert_eq!(status_of(&r), "413", "{r}");
    assert!(
        json_body(&r)["error"]
            .as_str()
            .unwrap_or("")
            .contains("1024"),
        "{r}"
    );
    // Chunked past the limit: 413 once the limit is crossed.
    let mut chunked =
        b"POST /crl HTTP/1.1\r\nHost: ca\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        chunked.extend_from_slice(b"400\r\n");
        chunked.extend_from_slice(&[b'a'; 0x400]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let r = raw(addr, &chunked, wait);
    assert_eq!(status_of(&r), "413", "{r}");

    // HTTP/1.1 without Host (RFC 9112 §3.2): 400 with a JSON error.
    let r = raw(
        addr,
        b"GET /crl HTTP/1.1\r\nConnection: close\r\n\r\n",
        wait,
    );
    assert_eq!(status_of(&r), "400", "{r}");
    assert_eq!(json_body(&r)["error"], "missing Host header");
    // Not HTTP at all: hyper's 400, and the server goes on.
    let r = raw(addr, b"\x16\x03\x01 garbage \r\n\r\n", wait);
    assert_eq!(status_of(&r), "400", "{r}");
    // Headers over the limit: 431.
    let big = format!(
        "GET /crl HTTP/1.1\r\nHost: ca\r\nX-Big: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let r = raw(addr, big.as_bytes(), wait);
    assert_eq!(status_of(&r), "431", "{r}");

    let r = get(addr, "/no-such-thing");
    assert_eq!(status_of(&r), "404", "{r}");
    assert_eq!(json_body(&r)["error"], "no such resource");
    // The OCSP responder answers what it cannot parse with an OCSP malformedRequest, not JSON
    // (tests/serve_ocsp.rs checks the bytes).
    let r = get(addr, "/ocsp/MAA=");
    assert_eq!(status_of(&r), "200", "{r}");
    assert!(
        r.to_lowercase()
            .contains("content-type: application/ocsp-response"),
        "{r}"
    );
    let r = raw(
        addr,
        b"DELETE /crl HTTP/1.1\r\nHost: ca\r\nConnection: close\r\n\r\n",
        wait,
    );
    assert_eq!(status_of(&r), "405", "{r}");
    assert!(r.to_lowercase().contains("allow: get, head"), "{r}");
    assert!(json_body(&r)["error"].is_string());
    // Still serving.
    assert_eq!(status_of(&get(addr, "/health")), "200");
}

#[test]
fn connections_beyond_the_limit_are_closed_at_once() {
    let env = Env::new();
    let ca = env.root_ca("crowd", "p256", &[]);
    let server = Server::start(
        &env,
        &ca.home,
        &[
            "--publish",
            "127.0.0.1:0",
            "--max-connections",
            "2",
            "--header-timeout",
            "30s",
        ],
        1,
    );
    let addr = server.plain();
    let held: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("connect");
            s.write_all(b"GET /crl HTTP/1.1\r\n").expect("partial");
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let r = get(addr, "/health");
    assert!(r.is_empty(), "a third connection was served: {r}");
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(status_of(&get(addr, "/health")), "200");
}

#[test]
fn a_second_server_on_the_same_home_exits_2_naming_the_first() {
    let env = Env::new();
    let ca = env.root_ca("twice", "p256", &[]);
    let first = Server::start(&env, &ca.home, &["--publish", "127.0.0.1:0"], 1);
    let second = env
        .run(&ca.home, ["serve", "--publish", "127.0.0.1:0"])
        .code(2);
    assert!(
        second.stderr.contains(&format!("pid {}", first.pid())),
        "{}",
        second.describe()
    );
    assert!(second.stdout.is_empty(), "{}", second.describe());
}

#[test]
fn sigterm_drains_and_exits_0_promptly() {
    let env = Env::new();
    let ca = env.root_ca("term", "p256", &[]);
    let mut server = Server::start(&env, &ca.home, &["--publish", "127.0.0.1:0"], 1);
    let addr = server.plain();
    // A kept-alive connection does not hold the server up.
    let mut idle = TcpStream::connect(addr).expect("connect");
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: ca\r\n\r\n")
        .expect("request");
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    server.signal(rustix::process::Signal::TERM);
    let (code, stderr) = server.wait_exit(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The home is free again.
    let again = Server::start(&env, &ca.home, &["--publish", "127.0.0.1:0"], 1);
    assert_eq!(status_of(&get(again.plain(), "/health")), "200");
}

#[test]
fn a_tls_key_or_certificate_that_does_not_fit_exits_2_in_one_line() {
    let env = Env::new();
    let (ca, tls) = ca_with_server_cert(&env);
    let other = env.issue(
        &ca,
        "other",
        "server",
        &format!("CN=other,{ORG}"),
        &["dns:other.lyg.gov.cn"],
        &[],
    );
    let person = env.issue(
        &ca,
        "person",
        "person",
        &subject_for("person"),
        &sans_for("person"),
        &[],
    );
    let stranger_ca = env.root_ca("stranger", "p256", &[]);
    let stranger = env.issue(
        &stranger_ca,
        "stranger-tls",
        "server",
        &format!("CN=stranger,{ORG}"),
        &["ip:127.0.0.1"],
        &[],
    );
    let garbage = env.write("garbage.key", "not a key");
    let key = |i: &Issued| p(i.key.as_ref().expect("key")).to_string();
    let cases: Vec<(String, String, &str)> = vec![
        (p(&tls.cert).into(), key(&other), "does not match"),
        (p(&tls.cert).into(), p(&garbage).into(), "--tls-key"),
        (
            p(&stranger.cert).into(),
            key(&stranger),
            "not issued by this home's CA",
        ),
        (
            p(&person.cert).into(),
            key(&person),
            "not a valid TLS server certificate",
        ),
    ];
    for (cert, key, expected) in cases {
        let run = env
            .run(
                &ca.home,
                [
                    "serve",
                    "--listen",
                    "127.0.0.1:0=intranet",
                    "--tls-cert",
                    &cert,
                    "--tls-key",
                    &key,
                ],
            )
            .code(2);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.describe());
        assert!(
            run.stderr.contains(expected),
            "{expected}: {}",
            run.describe()
        );
        assert!(run.stdout.is_empty(), "{}", run.describe());
    }
}

#[test]
fn the_ca_key_is_unlocked_once_at_start_and_a_wrong_passphrase_exits_2() {
    let env = Env::new();
    let home = env.path("locked");
    let pass = env.passphrase_file("ca.pass", "correct horse");
    let subject = format!("CN=locked 根CA,{ORG}");
    env.run(
        &home,
        [
            "ca",
            "init",
            "--subject",
            &subject,
            "--passphrase-file",
            p(&pass),
        ],
    )
    .success();
    let wrong = env.passphrase_file("wrong.pass", "battery staple");
    let run = env
        .run(
            &home,
            [
                "serve",
                "--publish",
                "127.0.0.1:0",
                "--passphrase-file",
                p(&wrong),
            ],
        )
        .code(2);
    assert!(run.stdout.is_empty(), "{}", run.describe());
    // No terminal and no file: refused, not hung.
    env.run(&home, ["serve", "--publish", "127.0.0.1:0"])
        .code(2);

    let server = Server::start(
        &env,
        &home,
        &["--publish", "127.0.0.1:0", "--passphrase-file", p(&pass)],
        1,
    );
    // The passphrase file is gone: later CRLs are signed with the key held in memory.
    std::fs::remove_file(&pass).expect("remove the passphrase file");
    let ca = Ca::at(home.clone());
    let person = env.issue(
        &ca,
        "li",
        "person",
        &subject_for("person"),
        &sans_for("person"),
        &[
            "--passphrase-file",
            p(&env.passphrase_file("again.pass", "correct horse")),
        ],
    );
    env.run(&home, ["cert", "revoke", &person.serial]).success();
    let addr = server.plain();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let health = json_body(&get(addr, "/health"));
        if health["crl"]["number"].as_u64().is_some_and(|n| n >= 2) {
            break;
        }
        assert!(Instant::now() < deadline, "no new CRL after 10 s: {health}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn sigint_stops_the_server_with_exit_0() {
    let env = Env::new();
    let ca = env.root_ca("int", "p256", &[]);
    let mut server = Server::start(&env, &ca.home, &["--publish", "127.0.0.1:0"], 1);
    assert_eq!(status_of(&get(server.plain(), "/health")), "200");
    server.signal(rustix::process::Signal::INT);
    let (code, stderr) = server.wait_exit(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let env = Env::new();
    let ca = env.root_ca("drain", "p256", &[]);
    let mut server = Server::start(&env, &ca.home, &["--publish", "127.0.0.1:0"], 1);
    let mut s = TcpStream::connect(server.plain()).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    // Half a body sent when the signal comes.
    s.write_all(b"POST /crl HTTP/1.1\r\nHost: ca\r\nContent-Length: 10\r\n\r\nabcde")
        .expect("first half");
    std::thread::sleep(Duration::from_millis(300));
    server.signal(rustix::process::Signal::TERM);
    std::thread::sleep(Duration::from_millis(300));
    s.write_all(b"fghij").expect("second half");
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status_of(&answer), "405", "{answer}");
    let (code, stderr) = server.wait_exit(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn an_expired_tls_certificate_exits_2() {
    let env = Env::new();
    let (ca, tls) = ca_with_server_cert(&env);
    // Three years on (the test binary's clock): the server certificate has expired, the CA not.
    let out = std::process::Command::new(GOVPKI_TEST_BIN)
        .env("GOVPKI_HOME", &ca.home)
        .env("NO_COLOR", "1")
        .env("USER", "govpki-test")
        .env("GOVPKI_NO_CACHE", "1")
        .env(CLOCK_OFFSET_VAR, (3 * 365 * 86_400).to_string())
        .current_dir(env.root())
        .stdin(Stdio::null())
        .args(["serve", "--listen", "127.0.0.1:0=intranet"])
        .args(tls_args(&tls))
        .output()
        .expect("run govpki-test serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("expired"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(out.stdout.is_empty());
}

/// A governed home: the server's CRLs are state changes, so an operator must answer for them.
/// Without one the server refuses to start (exit 2); with the officer, each CRL it signs is
/// `crl.publish` asked of the policy and signed by his key, and `audit verify` passes after the
/// server re-signed a CRL for a revocation committed elsewhere. (Before, the server recorded its
/// CRLs as `local:<user>` and broke a governed home's audit log.)
#[test]
fn in_a_governed_home_the_server_s_crls_are_an_operator_s_signed_acts() {
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
    let victim = env.issue(&ca, "victim", "person", &subject_for("person"), &[], &[]);
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

    let run = env
        .run(&ca.home, ["serve", "--publish", "127.0.0.1:0"])
        .code(2);
    assert!(
        run.stderr.contains("no operator was named"),
        "{}",
        run.stderr
    );

    let mut cmd = govpki(&ca.home, env.root());
    cmd.args(as_officer)
        .args(["serve", "--publish", "127.0.0.1:0"]);
    let server = Server::spawn(cmd, 1);
    let mut revoke = vec![
        "cert",
        "revoke",
        victim.serial.as_str(),
        "--reason",
        "keyCompromise",
    ];
    revoke.splice(0..0, as_officer);
    env.run(&ca.home, &revoke).success();
    let url = server.url("publication").to_string();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let crl = fetch_crl(&env, &url, "served.crl");
        let shown = env
            .run(&ca.home, ["--json", "crl", "show", p(&crl)])
            .success();
        if shown.stdout.contains(&norm_serial(&victim.serial)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the revocation never reached the served CRL"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(server);
    env.run(&ca.home, ["audit", "verify"]).success();
    let records = env
        .run(&ca.home, ["--json", "audit", "show"])
        .success()
        .json();
    let published: Vec<&serde_json::Value> = records
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "crl.publish")
        .collect();
    assert!(published.len() >= 2, "{records}");
    for r in published {
        assert!(
            r["actor"].as_str().unwrap().starts_with("cert:CN=王五"),
            "{r}"
        );
    }
}
