//! OCSP end to end (issue #11): our responder's answers judged by `openssl ocsp -respin`
//! (good; revoked with reason and time; unknown; a delegated responder with nocheck; an SM2 CA,
//! whose signature OpenSSL 3.0 cannot check and `openssl dgst -sm3` with the GM/T 0009 user ID
//! does), and our client (`cert verify --ocsp`) against a real `openssl ocsp -index` responder
//! on loopback, plus servers that misbehave (never answer, truncate, send too much, refuse).
//!
//! Requests come from `openssl ocsp -reqout`, so the responder is fed what a real client sends.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use govpki::ca::keys::PrivateKey;
use govpki::ocsp::{Responder, Signer};

const DAY: i64 = 86_400;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

fn key_of(path: &Path) -> PrivateKey {
    let pem = std::fs::read_to_string(path).expect("read the key");
    PrivateKey::from_pem(&pem, || unreachable!("unencrypted")).expect("a key")
}

/// A responder for `ca`, signed by `signer`, refreshed from the store now.
fn responder(ca: &Ca, signer: Signer) -> Responder {
    let store = govpki::store::Store::open(&ca.home).expect("open the store");
    let at = time::OffsetDateTime::from_unix_timestamp(now()).unwrap();
    let rows = govpki::ops::ocsp::statuses(&store, at).expect("statuses");
    let mut r = Responder::new(&der_of(&ca.cert), signer, DAY).expect("a responder");
    r.refresh(rows, now()).expect("refresh");
    r
}

fn ca_signer(ca: &Ca) -> Signer {
    Signer::Ca(key_of(&ca.key()))
}

/// `openssl ocsp -reqout` for `what` (`-cert FILE` or `-serial 0x..`), answered by `r`, and
/// `openssl ocsp -respin` judging the answer against `ca`.
fn ask_openssl(env: &Env, r: &Responder, ca: &Ca, what: &[&str], name: &str) -> ToolRun {
    let req = env.path(&format!("{name}.req"));
    let mut args = vec![
        "ocsp",
        "-issuer",
        p(&ca.cert),
        "-no_nonce",
        "-reqout",
        p(&req),
    ];
    args.extend_from_slice(what);
    tool("openssl", &args).success();
    let resp = r.respond(&std::fs::read(&req).unwrap(), now());
    let resp_file = env.write(&format!("{name}.resp"), &*resp);
    let mut args = vec![
        "ocsp",
        "-respin",
        p(&resp_file),
        "-issuer",
        p(&ca.cert),
        "-CAfile",
        p(&ca.cert),
        "-resp_text",
    ];
    args.extend_from_slice(what);
    tool("openssl", &args)
}

#[test]
fn openssl_accepts_our_good_revoked_and_unknown_answers() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("ocsp-ca", "p256", &[]);
    let good = env.issue(&ca, "good", "person", "CN=好人,O=T,C=CN", &[], &[]);
    let bad = env.issue(&ca, "bad", "person", "CN=坏人,O=T,C=CN", &[], &[]);
    env.run(
        &ca.home,
        ["cert", "revoke", &bad.serial, "--reason", "keyCompromise"],
    )
    .success();
    let r = responder(&ca, ca_signer(&ca));

    let run = ask_openssl(&env, &r, &ca, &["-cert", p(&good.cert)], "good").success();
    assert!(
        run.stderr.contains("Response verify OK"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains(": good"), "{}", run.describe());
    assert!(run.stdout.contains("Next Update:"), "{}", run.describe());
    // responderID byKey: OpenSSL prints the key hash as 40 hex digits (byName: a DN).
    let id = run
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Responder Id: "))
        .unwrap_or_default();
    assert!(
        id.len() == 40 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "responderID byKey\n{}",
        run.describe()
    );

    let run = ask_openssl(&env, &r, &ca, &["-cert", p(&bad.cert)], "bad").success();
    assert!(
        run.stderr.contains("Response verify OK"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains(": revoked"), "{}", run.describe());
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

    // A SHA-256 CertID (RFC 9919 lets clients move off SHA-1) gets the same answer.
    let run = ask_openssl(&env, &r, &ca, &["-sha256", "-cert", p(&bad.cert)], "bad256").success();
    assert!(
        run.stderr.contains("Response verify OK"),
        "{}",
        run.describe()
    );
    assert!(
        run.stdout.contains("Hash Algorithm: sha256"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains(": revoked"), "{}", run.describe());

    let run = ask_openssl(&env, &r, &ca, &["-serial", "0x0123456789ABCDEF"], "unknown").success();
    assert!(
        run.stderr.contains("Response verify OK"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains(": unknown"), "{}", run.describe());

    // Negative control: a flipped bit in the signature (the last octets of an answer signed
    // by the CA, which carries no certificates) and OpenSSL refuses it.
    let mut resp = std::fs::read(env.path("good.resp")).unwrap();
    let last = resp.len() - 1;
    resp[last] ^= 1;
    let flipped = env.write("flipped.resp", &resp);
    let run = tool(
        "openssl",
        [
            "ocsp",
            "-respin",
            p(&flipped),
            "-issuer",
            p(&ca.cert),
            "-CAfile",
            p(&ca.cert),
            "-cert",
            p(&good.cert),
        ],
    );
    assert!(
        !run.stderr.contains("Response verify OK"),
        "{}",
        run.describe()
    );
}

#[test]
fn openssl_accepts_a_delegated_responder_with_nocheck() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("ocsp-ca", "p256", &[]);
    let responder_cert = env.issue(
        &ca,
        "responder",
        "ocsp",
        "CN=OCSP 响应器,O=T,C=CN",
        &[],
        &[],
    );
    let text = tool(
        "openssl",
        ["x509", "-in", p(&responder_cert.cert), "-noout", "-text"],
    )
    .success()
    .stdout;
    assert!(text.contains("OCSP No Check"), "{text}");
    assert!(text.contains("OCSP Signing"), "{text}");
    let good = env.issue(&ca, "good", "person", "CN=好人,O=T,C=CN", &[], &[]);
    let r = responder(
        &ca,
        Signer::Delegated {
            cert_der: der_of(&responder_cert.cert),
            key: key_of(responder_cert.key.as_ref().unwrap()),
        },
    );
    let run = ask_openssl(&env, &r, &ca, &["-cert", p(&good.cert)], "good").success();
    assert!(
        run.stderr.contains("Response verify OK"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains(": good"), "{}", run.describe());
    assert!(
        run.stdout.contains("OCSP 响应器") || run.stdout.contains("Certificate:"),
        "the delegated certificate is in `certs`\n{}",
        run.describe()
    );
}

/// The signed part and the signature of the BasicOCSPResponse inside an OCSPResponse.
fn basic_tbs_and_signature(resp: &[u8]) -> (Vec<u8>, Vec<u8>) {
    use der::{Decode, Encode};
    let outer = x509_ocsp::OcspResponse::from_der(resp).unwrap();
    let basic =
        x509_ocsp::BasicOcspResponse::from_der(outer.response_bytes.unwrap().response.as_bytes())
            .unwrap();
    (
        basic.tbs_response_data.to_der().unwrap(),
        basic.signature.raw_bytes().to_vec(),
    )
}

#[test]
fn an_sm2_ca_answers_sm2_with_sm3_as_openssl_dgst_checks_it() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("sm2-ca", "sm2", &[]);
    let good = env.issue(&ca, "good", "person", "CN=好人,O=T,C=CN", &[], &[]);
    let r = responder(&ca, ca_signer(&ca));
    // OpenSSL 3.0's `ocsp -respin` checks SM2 signatures with an empty user ID
    // (openssl/openssl#23471), as it does for certificates: it cannot verify a GM/T 0009
    // signature, ours or anyone's ("signature failure" once it tries the issuer as the
    // signer). It still parses the answer and reads the status.
    let run = ask_openssl(&env, &r, &ca, &["-cert", p(&good.cert)], "good");
    assert!(run.stdout.contains(": good"), "{}", run.describe());
    assert!(
        run.stderr.contains("signature failure"),
        "{}",
        run.describe()
    );
    eprintln!(
        "openssl ocsp -respin on an SM2 answer: exit {:?}: {}",
        run.code,
        run.stderr.replace('\n', " | ")
    );
    // The signature, judged by `openssl dgst -sm3` with the GM/T 0009 default user ID.
    let resp = std::fs::read(env.path("good.resp")).unwrap();
    let (tbs, sig) = basic_tbs_and_signature(&resp);
    let public = env.write(
        "ca-pub.pem",
        openssl_pubkey("cert", &ca.cert, None).as_bytes(),
    );
    let judge = |tbs: &[u8], id: bool| {
        let tbs_file = env.write("tbs.der", tbs);
        let sig_file = env.write("sig.der", &sig);
        let mut args = vec!["dgst", "-sm3"];
        if id {
            args.extend(["-sigopt", "distid:1234567812345678"]);
        }
        args.extend([
            "-verify",
            p(&public),
            "-signature",
            p(&sig_file),
            p(&tbs_file),
        ]);
        tool("openssl", args)
    };
    judge(&tbs, true).success();
    // Negative controls: a flipped bit; OpenSSL's empty user ID.
    let mut flipped = tbs.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    judge(&flipped, true).failure();
    judge(&tbs, false).failure();
    // And our own checker accepts it.
    let c = govpki::pkix::Cert::from_der(&der_of(&good.cert)).unwrap();
    let i = govpki::pkix::Cert::from_der(&der_of(&ca.cert)).unwrap();
    assert!(matches!(
        govpki::ocsp::judge(
            &resp,
            &c,
            &i,
            now(),
            &govpki::pkix::sig::DefaultVerifier::default()
        ),
        govpki::ocsp::Judgement::Good { .. }
    ));
}

#[test]
fn the_store_marker_moves_with_revocations_and_releases_only() {
    let env = Env::new();
    let ca = env.root_ca("ocsp-ca", "p256", &[]);
    let a = env.issue(&ca, "a", "person", "CN=A,O=T,C=CN", &[], &[]);
    let store = govpki::store::Store::open(&ca.home).unwrap();
    let m0 = govpki::ops::ocsp::marker(&store).unwrap();
    assert!(!govpki::ops::ocsp::changed(&store, m0).unwrap());
    env.run(
        &ca.home,
        ["cert", "revoke", &a.serial, "--reason", "certificateHold"],
    )
    .success();
    assert!(govpki::ops::ocsp::changed(&store, m0).unwrap(), "a hold");
    let m1 = govpki::ops::ocsp::marker(&store).unwrap();
    let at = time::OffsetDateTime::from_unix_timestamp(now()).unwrap();
    let rows = govpki::ops::ocsp::statuses(&store, at).unwrap();
    assert!(matches!(
        rows.iter()
            .find(|r| r.serial.to_hex() == norm_serial(&a.serial))
            .map(|r| r.status),
        Some(govpki::ocsp::Status::Revoked {
            reason: govpki::ca::crl::Reason::CertificateHold,
            ..
        })
    ));
    env.run(&ca.home, ["cert", "release", &a.serial]).success();
    assert!(govpki::ops::ocsp::changed(&store, m1).unwrap(), "a release");
    let rows = govpki::ops::ocsp::statuses(&store, at).unwrap();
    assert!(rows.iter().all(|r| r.status == govpki::ocsp::Status::Good));
}

/// A child process this test started, killed (by its own id) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `openssl ocsp` says in `log` that it listens. Not by connecting: OpenSSL 3.0's
/// responder serves one connection at a time and waits on a probe that sends nothing.
fn wait_for_listener(log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::fs::read_to_string(log).is_ok_and(|t| t.contains("waiting for OCSP client")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "openssl ocsp did not start: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// `openssl ca`'s index line for a certificate: V, or R with the revocation time and reason.
fn index_line(cert: &Path, revoked: Option<&str>) -> String {
    let serial = tool("openssl", ["x509", "-in", p(cert), "-noout", "-serial"])
        .success()
        .stdout
        .trim()
        .trim_start_matches("serial=")
        .to_string();
    let subject = tool(
        "openssl",
        [
            "x509",
            "-in",
            p(cert),
            "-noout",
            "-subject",
            "-nameopt",
            "compat",
        ],
    )
    .success()
    .stdout
    .trim()
    .trim_start_matches("subject=")
    .to_string();
    match revoked {
        None => format!("V\t391231235959Z\t\t{serial}\tunknown\t{subject}\n"),
        Some(rev) => format!("R\t391231235959Z\t{rev}\t{serial}\tunknown\t{subject}\n"),
    }
}

#[test]
fn cert_verify_asks_a_real_openssl_responder() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    let ca = env.root_ca("ocsp-ca", "p256", &["--ocsp-url", &url]);
    let good = env.issue(&ca, "good", "person", "CN=好人,O=T,C=CN", &[], &[]);
    let bad = env.issue(&ca, "bad", "person", "CN=坏人,O=T,C=CN", &[], &[]);
    let index = env.write(
        "index.txt",
        index_line(&good.cert, None) + &index_line(&bad.cert, Some("260101000000Z,keyCompromise")),
    );
    let log = std::fs::File::create(env.path("responder.log")).unwrap();
    let child = Command::new("openssl")
        .args([
            "ocsp",
            "-index",
            p(&index),
            "-port",
            &port.to_string(),
            "-rsigner",
            p(&ca.cert),
            "-rkey",
            p(&ca.key()),
            "-CA",
            p(&ca.cert),
            "-ndays",
            "1",
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start openssl ocsp");
    let _responder = Killed(child);
    wait_for_listener(&env.path("responder.log"));

    // Good, by the URL given.
    let run = env
        .run(&ca.home, ["cert", "verify", p(&good.cert), "--ocsp", &url])
        .success();
    assert!(
        run.stdout.contains(&format!("decided by OCSP {url}")),
        "{}",
        run.describe()
    );
    // Good, by the certificate's AIA URL, in JSON.
    let run = env
        .run(
            &ca.home,
            ["--json", "cert", "verify", p(&good.cert), "--ocsp"],
        )
        .success();
    let v = run.json();
    assert_eq!(v["verdict"], "valid", "{v}");
    assert_eq!(v["revocation_checked"], true, "{v}");
    assert_eq!(
        v["revocation"][0]["decided_by"],
        format!("OCSP {url}"),
        "{v}"
    );
    // Revoked: exit 1, naming it, with the time and reason the responder gave.
    let run = env
        .run(&ca.home, ["cert", "verify", p(&bad.cert), "--ocsp", &url])
        .code(1);
    assert!(
        run.stdout.contains(&format!(
            "certificate revoked at 2026-01-01T00:00:00Z (keyCompromise), decided by OCSP {url}"
        )),
        "{}",
        run.describe()
    );
    let run = env
        .run(
            &ca.home,
            ["--json", "cert", "verify", p(&bad.cert), "--ocsp", &url],
        )
        .code(1);
    let v = run.json();
    assert_eq!(v["revocation"]["decided_by"], format!("OCSP {url}"), "{v}");
    assert_eq!(v["revocation"]["reason"], "keyCompromise", "{v}");
    // A certificate the responder does not know: indeterminate.
    let stranger = env.issue(&ca, "stranger", "person", "CN=生人,O=T,C=CN", &[], &[]);
    let run = env
        .run(
            &ca.home,
            ["cert", "verify", p(&stranger.cert), "--ocsp", &url],
        )
        .code(3);
    assert!(
        run.stdout.contains("does not know the certificate"),
        "{}",
        run.describe()
    );
}

/// A one-shot server on loopback that reads a request and answers `reply` (or nothing).
fn fake_server(reply: Option<Vec<u8>>) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        // The whole request (head and body) before answering: a reply sent while the client
        // is still writing, then a close, could reach it as a reset instead of the reply.
        read_request(&mut s);
        match reply {
            Some(bytes) => {
                let _ = s.write_all(&bytes);
            }
            // Never answer: hold the connection past the client's timeout.
            None => std::thread::sleep(Duration::from_secs(4)),
        }
    });
    (url, handle)
}

/// Reads one HTTP request with a Content-Length body, or until the client stops sending.
fn read_request(s: &mut std::net::TcpStream) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return;
            }
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

fn http_200(body: &[u8], length: usize) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: {length}\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// What the client concludes about `cert` of `ca` from a server that answers `reply`.
fn client_against(
    env: &Env,
    ca: &Ca,
    cert: &Path,
    reply: Option<Vec<u8>>,
    timeout: Duration,
) -> govpki::pkix::validate::OnlineAnswer {
    use govpki::pkix::validate::OnlineRevocation;
    let _ = env;
    let (url, handle) = fake_server(reply);
    let asker = govpki::ops::ocsp::Asker::new(
        Some(url),
        time::OffsetDateTime::from_unix_timestamp(now()).unwrap(),
        timeout,
    );
    let c = govpki::pkix::Cert::from_der(&der_of(cert)).unwrap();
    let i = govpki::pkix::Cert::from_der(&der_of(&ca.cert)).unwrap();
    let started = Instant::now();
    let answer = asker.status(&c, &i);
    assert!(
        started.elapsed() < timeout + Duration::from_secs(2),
        "bounded by the timeout"
    );
    let _ = handle.join();
    answer
}

#[track_caller]
fn assert_undecided(answer: govpki::pkix::validate::OnlineAnswer, words: &str) {
    match &answer {
        govpki::pkix::validate::OnlineAnswer::Undecided { why, .. } if why.contains(words) => {}
        other => panic!("expected undecided with `{words}`, got {other:?}"),
    }
}

#[test]
fn misbehaving_servers_leave_the_status_undecided_never_hang() {
    let env = Env::new();
    let ca = env.root_ca("ocsp-ca", "p256", &[]);
    let good = env.issue(&ca, "good", "person", "CN=好人,O=T,C=CN", &[], &[]);
    let t = Duration::from_secs(2);
    // Never answers.
    assert_undecided(
        client_against(&env, &ca, &good.cert, None, t),
        "no answer within",
    );
    // Truncated: promises 1000 bytes, sends 10.
    assert_undecided(
        client_against(&env, &ca, &good.cert, Some(http_200(&[0x30; 10], 1000)), t),
        "truncated",
    );
    // Too much: a body over the bound.
    assert_undecided(
        client_against(
            &env,
            &ca,
            &good.cert,
            Some(http_200(&[], govpki::ocsp::MAX_RESPONSE_BYTES + 1)),
            t,
        ),
        "more than",
    );
    // `unauthorized` and `malformedRequest` statuses.
    for (code, name) in [(6u8, "unauthorized"), (1, "malformedRequest")] {
        let body = [0x30, 0x03, 0x0a, 0x01, code];
        assert_undecided(
            client_against(&env, &ca, &good.cert, Some(http_200(&body, 5)), t),
            name,
        );
    }
    // Not HTTP.
    assert_undecided(
        client_against(
            &env,
            &ca,
            &good.cert,
            Some(b"SSH-2.0-x\r\n\r\n".to_vec()),
            t,
        ),
        "not HTTP",
    );
    // An answer signed by another CA's key for this certificate's CertID.
    let other = env.root_ca("other-ca", "p256", &[]);
    let mut foreign = Responder::new(&der_of(&other.cert), ca_signer(&other), DAY).unwrap();
    foreign.refresh(Vec::new(), now()).unwrap();
    let req = env.path("req.der");
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
    );
    if req.exists() {
        let resp = foreign
            .respond(&std::fs::read(&req).unwrap(), now())
            .to_vec();
        // The foreign responder says unauthorized for our CertID: undecided as well.
        assert_undecided(
            client_against(&env, &ca, &good.cert, Some(http_200(&resp, resp.len())), t),
            "unauthorized",
        );
    }
}

#[test]
fn cert_verify_with_an_unreachable_responder_is_indeterminate() {
    let env = Env::new();
    let ca = env.root_ca("ocsp-ca", "p256", &[]);
    let good = env.issue(&ca, "good", "person", "CN=好人,O=T,C=CN", &[], &[]);
    // A port nothing listens on (bound, then closed).
    let url = format!("http://127.0.0.1:{}/", free_port());
    let run = env
        .run(&ca.home, ["cert", "verify", p(&good.cert), "--ocsp", &url])
        .code(3);
    assert!(
        run.stdout
            .contains("neither the given CRLs nor OCSP decide the revocation of"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains("cannot connect"), "{}", run.describe());
    let run = env
        .run(
            &ca.home,
            ["--json", "cert", "verify", p(&good.cert), "--ocsp", &url],
        )
        .code(3);
    let v = run.json();
    assert_eq!(v["verdict"], "indeterminate", "{v}");
    assert!(
        v["revocation"][0]["ocsp_undecided"]
            .as_str()
            .is_some_and(|w| w.starts_with(&format!("OCSP {url}: cannot connect"))),
        "{v}"
    );
    // No URL and no AIA: indeterminate too, saying so.
    let run = env
        .run(&ca.home, ["cert", "verify", p(&good.cert), "--ocsp"])
        .code(3);
    assert!(
        run.stdout.contains("names no OCSP responder"),
        "{}",
        run.describe()
    );
    // Not http://: refused before anything is asked.
    env.run(
        &ca.home,
        ["cert", "verify", p(&good.cert), "--ocsp", "https://x/"],
    )
    .code(2);
    // Without --ocsp, nothing changes: revocation not checked.
    let run = env
        .run(&ca.home, ["cert", "verify", p(&good.cert)])
        .success();
    assert!(
        run.stdout.contains("not checked (no CRL given)"),
        "{}",
        run.describe()
    );
}

/// Serves `r` over HTTP on loopback for `connections` connections (POST body or GET path), as
/// `govpki serve` will: a stand-in to run real clients against our responder.
fn serve(r: Responder, connections: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/ocsp", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for _ in 0..connections {
            let Ok((mut s, _)) = listener.accept() else {
                return;
            };
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut data = Vec::new();
            let mut buf = [0u8; 4096];
            let (head_end, length) = loop {
                let n = s.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break (None, 0);
                }
                data.extend_from_slice(&buf[..n]);
                if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if data.len() >= end + 4 + length {
                        break (Some(end), length);
                    }
                }
            };
            let Some(end) = head_end else { continue };
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let line = head.lines().next().unwrap_or_default().to_string();
            let mut parts = line.split(' ');
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let body = if method == "POST" {
                r.respond(&data[end + 4..end + 4 + length], now()).to_vec()
            } else {
                r.respond_get(path.strip_prefix("/ocsp").unwrap_or(path), now())
                    .to_vec()
            };
            let cache = r
                .cache_headers(now())
                .map(|c| {
                    format!(
                        "Cache-Control: max-age={}, public, no-transform, must-revalidate\r\n",
                        c.max_age
                    )
                })
                .unwrap_or_default();
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: {}\r\n{cache}Connection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(reply.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    (url, handle)
}

#[test]
fn real_clients_over_http_against_our_responder() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("ocsp-ca", "p256", &[]);
    let good = env.issue(&ca, "good", "person", "CN=好人,O=T,C=CN", &[], &[]);
    let bad = env.issue(&ca, "bad", "person", "CN=坏人,O=T,C=CN", &[], &[]);
    env.run(
        &ca.home,
        ["cert", "revoke", &bad.serial, "--reason", "superseded"],
    )
    .success();
    let (url, server) = serve(responder(&ca, ca_signer(&ca)), 4);
    // `openssl ocsp -url` (POST, with its default nonce, which we ignore).
    let run = tool(
        "openssl",
        [
            "ocsp",
            "-issuer",
            p(&ca.cert),
            "-CAfile",
            p(&ca.cert),
            "-cert",
            p(&good.cert),
            "-cert",
            p(&bad.cert),
            "-url",
            &url,
        ],
    )
    .success();
    assert!(
        run.stderr.contains("Response verify OK"),
        "{}",
        run.describe()
    );
    assert!(run.stdout.contains("good.pem: good"), "{}", run.describe());
    assert!(
        run.stdout.contains("bad.pem: revoked"),
        "{}",
        run.describe()
    );
    // The GET form (RFC 5019 §5), as a browser-like client sends it.
    let req = env.path("get.req");
    tool(
        "openssl",
        [
            "ocsp",
            "-issuer",
            p(&ca.cert),
            "-cert",
            p(&bad.cert),
            "-no_nonce",
            "-reqout",
            p(&req),
        ],
    )
    .success();
    let path = govpki::ocsp::request::get_path(&std::fs::read(&req).unwrap());
    let addr = url.trim_start_matches("http://").trim_end_matches("/ocsp");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET /ocsp/{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(
        String::from_utf8_lossy(&answer[..end]).contains("max-age="),
        "a pre-signed answer is cacheable"
    );
    let resp = env.write("get.resp", &answer[end + 4..]);
    let run = tool(
        "openssl",
        [
            "ocsp",
            "-respin",
            p(&resp),
            "-issuer",
            p(&ca.cert),
            "-CAfile",
            p(&ca.cert),
            "-cert",
            p(&bad.cert),
        ],
    )
    .success();
    assert!(run.stdout.contains("revoked"), "{}", run.describe());
    // Our own client.
    let run = env
        .run(&ca.home, ["cert", "verify", p(&good.cert), "--ocsp", &url])
        .success();
    assert!(run.stdout.contains("decided by OCSP"), "{}", run.describe());
    let run = env
        .run(&ca.home, ["cert", "verify", p(&bad.cert), "--ocsp", &url])
        .code(1);
    assert!(
        run.stdout.contains("(superseded), decided by OCSP"),
        "{}",
        run.describe()
    );
    server.join().unwrap();
}

#[test]
fn keep_fresh_re_signs_when_a_revocation_commits_and_only_then() {
    let env = Env::new();
    let ca = env.root_ca("ocsp-ca", "p256", &[]);
    let a = env.issue(&ca, "a", "person", "CN=A,O=T,C=CN", &[], &[]);
    let open = govpki::ops::common::OpenCa::open(&ca.home).unwrap();
    let t0 = time::OffsetDateTime::from_unix_timestamp(now()).unwrap();
    let (mut r, mut mark) = govpki::ops::ocsp::responder(&open, ca_signer(&ca), DAY, t0).unwrap();
    let c = govpki::pkix::Cert::from_der(&der_of(&a.cert)).unwrap();
    let i = govpki::pkix::Cert::from_der(&der_of(&ca.cert)).unwrap();
    let status = |r: &Responder, at: i64| {
        let id = govpki::ocsp::IssuerId::new(&i)
            .unwrap()
            .cert_id(govpki::ocsp::HashAlg::Sha1, &c.serial)
            .unwrap();
        let req = govpki::ocsp::request::build(vec![id]).unwrap();
        govpki::ocsp::judge(
            &r.respond(&req, at),
            &c,
            &i,
            at,
            &govpki::pkix::sig::DefaultVerifier::default(),
        )
    };
    assert!(matches!(
        status(&r, now()),
        govpki::ocsp::Judgement::Good { .. }
    ));
    let t1 = t0 + time::Duration::seconds(5);
    assert!(!govpki::ops::ocsp::keep_fresh(&mut r, &open.store, &mut mark, t1).unwrap());
    env.run(
        &ca.home,
        ["cert", "revoke", &a.serial, "--reason", "keyCompromise"],
    )
    .success();
    assert!(govpki::ops::ocsp::keep_fresh(&mut r, &open.store, &mut mark, t1).unwrap());
    assert!(matches!(
        status(&r, t1.unix_timestamp()),
        govpki::ocsp::Judgement::Revoked { .. }
    ));
    assert!(!govpki::ops::ocsp::keep_fresh(&mut r, &open.store, &mut mark, t1).unwrap());
    // Half the validity gone: re-signed without a change.
    let late = t1 + time::Duration::seconds(DAY / 2);
    assert!(govpki::ops::ocsp::keep_fresh(&mut r, &open.store, &mut mark, late).unwrap());
    assert_eq!(r.this_update(), late.unix_timestamp());
}
