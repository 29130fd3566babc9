//! The CLI as a client of `govpki serve` (`--ca URL`, docs/api.md), both real processes on
//! loopback at the moved clock of the shipped policy's office hours: issue, revoke, release,
//! CRL and seal revocation through the server with the `--json` keys of a local run, the
//! revocation reaching the served CRL, `audit verify` afterwards, denies (auditor; officer on an
//! extranet listener) exiting 1, a replayed envelope (curl) getting 401, a server not chaining
//! to `--ca-trust` exiting 2, an SM2 operator, and `kill -9` under 8 concurrent clients losing
//! nothing the CLI reported as issued.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use common::remote::{CLERK, Env, OFFICER, ROOT, json, keys};
use common::serve::Server;
use common::{CLOCK_OFFSET_VAR, GOVPKI_TEST_BIN, monday_10_shanghai_offset, require_tool, tool};

const AUDITOR: &str = "CN=赵六,TITLE=审计员,OU=办公室,O=连云港市人民政府,C=CN";
const SM2_OFFICER: &str = "CN=周九,TITLE=安全管理员,OU=信息中心,O=连云港市人民政府,C=CN";

/// A CA in `home` with an officer, an auditor, an SM2 officer and a TLS certificate for
/// 127.0.0.1, then governed by the shipped policy; a second CA in `other` (its ca.pem is an
/// anchor the server does not chain to).
fn governed() -> Env {
    let env = Env::new();
    env.ca("home", ROOT);
    env.issue("home", "officer", "person", OFFICER, &[]);
    env.issue("home", "auditor", "person", AUDITOR, &[]);
    env.issue(
        "home",
        "sm2officer",
        "person",
        SM2_OFFICER,
        &["--algorithm", "sm2"],
    );
    env.issue(
        "home",
        "tls",
        "server",
        "CN=ca.lyg.gov.cn,O=连云港市人民政府,C=CN",
        &["--san", "dns:ca.lyg.gov.cn,ip:127.0.0.1"],
    );
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    env.ok("home", &["ca", "policy", policies.to_str().unwrap()]);
    env.ca("other", "CN=另一个CA,O=连云港市人民政府,C=CN");
    env
}

/// A running server, killed when dropped.
/// The governed home's server: intranet and extranet HTTPS listeners and publication.
fn start_server(env: &Env) -> Server {
    let mut cmd = env.cmd("home");
    cmd.args(env.operator("officer")).args([
        "--domain",
        "intranet",
        "serve",
        "--listen",
        "127.0.0.1:0=intranet",
        "--listen",
        "127.0.0.1:0=extranet",
        "--publish",
        "127.0.0.1:0",
        "--tls-cert",
        &env.p("tls.pem"),
        "--tls-key",
        &env.p("tls.key"),
    ]);
    Server::spawn(cmd, 3)
}

/// `govpki --ca URL --ca-trust home/ca.pem AS...` then `args`.
fn remote_args(env: &Env, url: &str, operator: &str, args: &[&str]) -> Vec<String> {
    let mut all = vec![
        "--ca".to_string(),
        url.to_string(),
        "--ca-trust".into(),
        env.path("home").join("ca.pem").to_str().unwrap().into(),
    ];
    all.extend(env.operator(operator));
    all.extend(args.iter().map(|s| s.to_string()));
    all
}

fn remote(env: &Env, url: &str, operator: &str, args: &[&str]) -> (i32, String, String) {
    let all = remote_args(env, url, operator, args);
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    // The client runs in a home of its own: nothing of the CA's is read locally.
    env.run("client", &all)
}

#[test]
fn through_the_service_the_cli_acts_as_locally_and_refuses_what_it_must() {
    let env = governed();
    let server = start_server(&env);
    let intranet = server.url("intranet").to_string();
    let extranet = server.url("extranet").to_string();

    // Issue with a key made on the client: the key is written here, the answer is the local
    // --json object, the certificate file is written here.
    let (code, out, err) = remote(
        &env,
        &intranet,
        "officer",
        &[
            "--json",
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            CLERK,
            "--key-out",
            &env.p("clerk.key"),
            "--no-key-passphrase",
            "--out",
            &env.p("clerk.pem"),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let issued = json(&out);
    let (_, local, _) = env.run(
        "home",
        &[
            "--json",
            "--as",
            &env.p("officer.pem"),
            "--as-key",
            &env.p("officer.key"),
            "--domain",
            "intranet",
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            CLERK,
            "--key-out",
            &env.p("clerk-local.key"),
            "--no-key-passphrase",
            "--out",
            &env.p("clerk-local.pem"),
        ],
    );
    assert_eq!(keys(&issued), keys(&json(&local)));
    assert_eq!(issued["key_out"], env.p("clerk.key").as_str());
    assert!(
        std::fs::read_to_string(env.path("clerk.key"))
            .unwrap()
            .contains("PRIVATE KEY")
    );
    assert!(
        std::fs::read_to_string(env.path("clerk.pem"))
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    let serial = issued["serial"].as_str().unwrap().to_string();

    // Hold, release, then revoke for good: the asks (the department) come from the server.
    let (code, out, err) = remote(
        &env,
        &intranet,
        "officer",
        &[
            "--json",
            "cert",
            "revoke",
            &serial,
            "--reason",
            "certificateHold",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(keys(&json(&out)), ["reason", "revoked", "revoked_at"]);
    let (code, out, err) = remote(
        &env,
        &intranet,
        "officer",
        &["--json", "cert", "release", &serial],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(keys(&json(&out)), ["released"]);
    let (code, out, err) = remote(
        &env,
        &intranet,
        "officer",
        &["cert", "revoke", &serial, "--reason", "keyCompromise"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains(&format!("revoked {serial} (keyCompromise)")),
        "{err}"
    );
    // Revoking it again is a conflict: exit 2 with the server's error.
    let (code, _, err) = remote(&env, &intranet, "officer", &["cert", "revoke", &serial]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("409"), "{err}");

    // A CRL through the server, written here.
    let (code, out, err) = remote(
        &env,
        &intranet,
        "officer",
        &[
            "--json",
            "crl",
            "generate",
            "--der",
            "--out",
            &env.p("remote.crl"),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let crl = json(&out);
    assert_eq!(
        keys(&crl),
        [
            "entries",
            "next_update",
            "number",
            "out",
            "sha256",
            "this_update"
        ]
    );
    assert_eq!(crl["entries"], 1);
    let shown = env.ok("client", &["--json", "crl", "show", &env.p("remote.crl")]);
    assert!(
        shown.contains(&serial.to_lowercase()) || shown.contains(&serial),
        "{shown}"
    );

    // The revocation reaches the served CRL (the publisher sees the API's commit).
    let publication = server.url("publication").to_string();
    if require_tool("curl") {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let served = env.path("served.crl");
            tool(
                "curl",
                [
                    "-sf",
                    "-o",
                    served.to_str().unwrap(),
                    &format!("{publication}/crl"),
                ],
            )
            .success();
            let shown = env.ok(
                "client",
                &["--json", "crl", "show", served.to_str().unwrap()],
            );
            if shown.contains(&serial.to_lowercase()) || shown.contains(&serial) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the revocation never reached the served CRL"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        // The API is not on the publication listener.
        let r = tool(
            "curl",
            [
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-X",
                "POST",
                "--data",
                "{}",
                &format!("{publication}/api/v1/cert/issue"),
            ],
        );
        assert_eq!(r.stdout.trim(), "404");
    }

    // Denies exit 1 with the explanation: the auditor; the officer on the extranet listener.
    let issue_args = |key: &str| {
        vec![
            "cert".to_string(),
            "issue".into(),
            "--profile".into(),
            "person".into(),
            "--subject".into(),
            CLERK.into(),
            "--key-out".into(),
            env.p(key),
            "--no-key-passphrase".into(),
        ]
    };
    let a = issue_args("denied1.key");
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (code, _, err) = remote(&env, &intranet, "auditor", &a);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("denied by policy"), "{err}");
    assert!(
        !env.path("denied1.key").exists(),
        "a refused issue leaves no key"
    );
    let a = issue_args("denied2.key");
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (code, _, err) = remote(&env, &extranet, "officer", &a);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("denied by policy"), "{err}");

    // An SM2 operator signs requests the server accepts.
    let a = issue_args("sm2made.key");
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (code, out, err) = remote(&env, &intranet, "sm2officer", &a);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("BEGIN CERTIFICATE"), "{out}");

    // A server whose certificate does not chain to --ca-trust: exit 2, nothing sent.
    let mut wrong = remote_args(
        &env,
        &intranet,
        "officer",
        &issue_args("x.key")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    wrong[3] = env.path("other").join("ca.pem").to_str().unwrap().into();
    let wrong: Vec<&str> = wrong.iter().map(String::as_str).collect();
    let (code, _, err) = env.run("client", &wrong);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not authenticated"), "{err}");
    // Only https:// URLs; other verbs are not offered over --ca.
    let (code, _, err) = remote(&env, &publication, "officer", &["cert", "revoke", &serial]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("https://"), "{err}");
    let (code, _, err) = remote(&env, &intranet, "officer", &["cert", "list"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not offered over --ca"), "{err}");

    // Seal revocation goes to the server too, judged by its policy: a CA officer is no seal
    // authority (exit 1, denied there).
    let (code, _, err) = remote(
        &env,
        &intranet,
        "officer",
        &["seal", "revoke", "nosuchseal"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("denied by policy: seal.revoke"), "{err}");

    // A replay: the same envelope sent twice with curl; the second is a 401.
    if require_tool("curl") {
        let ca_der = pem::parse(std::fs::read(env.path("home").join("ca.pem")).unwrap())
            .unwrap()
            .into_contents();
        let operator = pem::parse(std::fs::read(env.path("officer.pem")).unwrap())
            .unwrap()
            .into_contents();
        let key = govpki::ca::keys::PrivateKey::from_pem(
            &std::fs::read_to_string(env.path("officer.key")).unwrap(),
            || unreachable!("unencrypted"),
        )
        .unwrap();
        let offset: i64 = monday_10_shanghai_offset().parse().unwrap();
        let now = time::OffsetDateTime::now_utc() + time::Duration::seconds(offset);
        let body = govpki::api::Body::CrlGenerate(govpki::api::CrlBody { next_update: None });
        let envelope = govpki::api::sign_request(
            &ca_der,
            &operator,
            &key,
            &body,
            &["crl.publish ca/连云港市电子政务根CA".to_string()],
            now,
            [7; 16],
        )
        .unwrap();
        let file = env.path("envelope.json");
        std::fs::write(&file, &envelope).unwrap();
        let post = || {
            tool(
                "curl",
                [
                    "-s",
                    // The certificates are issued at the moved clock, ahead of curl's real one:
                    // the server's authentication is the CLI's test above, the replay is this.
                    "--insecure",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "--data-binary",
                    &format!("@{}", file.to_str().unwrap()),
                    &format!("{intranet}/api/v1/crl/generate"),
                ],
            )
            .stdout
            .trim()
            .to_string()
        };
        assert_eq!(post(), "200");
        assert_eq!(post(), "401");

        // A request of version 2 whose signed operative content is not what its body asks is
        // refused (400) before anything is asked or done; with the body's own, it is carried
        // out.
        let post_v2 = |operative: &govpki::audit::proof::Operative, nonce: u8| {
            let envelope = govpki::api::sign_request_v2(
                &ca_der,
                &operator,
                &key,
                &body,
                &["crl.publish ca/连云港市电子政务根CA".to_string()],
                now,
                [nonce; 16],
                operative,
            )
            .unwrap();
            let file = env.path(&format!("envelope-{nonce}.json"));
            std::fs::write(&file, &envelope).unwrap();
            let answer = env.path(&format!("answer-{nonce}.json"));
            let code = tool(
                "curl",
                [
                    "-s",
                    "--insecure",
                    "-o",
                    answer.to_str().unwrap(),
                    "-w",
                    "%{http_code}",
                    "--data-binary",
                    &format!("@{}", file.to_str().unwrap()),
                    &format!("{intranet}/api/v1/crl/generate"),
                ],
            )
            .stdout
            .trim()
            .to_string();
            (code, std::fs::read_to_string(answer).unwrap_or_default())
        };
        let audit_before = env.ok("home", &["--json", "audit", "show"]);
        let (code, answer) = post_v2(
            &govpki::audit::proof::Operative::SealRevoke {
                es_id: "0011".into(),
            },
            8,
        );
        assert_eq!(code, "400", "{answer}");
        assert!(answer.contains("operative content"), "{answer}");
        // The server's own publisher may re-sign the CRL for the earlier generation in the
        // meantime (a `crl.publish` record of its own); the refused request adds nothing else.
        let audit_after = env.ok("home", &["--json", "audit", "show"]);
        let (before, after) = (actions(&audit_before), actions(&audit_after));
        assert!(!before.is_empty(), "{audit_before}");
        assert_eq!(
            after[..before.len()],
            before[..],
            "a refused request leaves no record"
        );
        assert!(
            after[before.len()..].iter().all(|a| a == "crl.publish"),
            "a refused request leaves no record: {:?}",
            &after[before.len()..]
        );
        let (code, answer) = post_v2(&govpki::audit::proof::Operative::CrlGenerate {}, 9);
        assert_eq!(code, "200", "{answer}");
    }

    drop(server);
    env.ok("home", &["audit", "verify"]);
}

#[test]
fn kill_9_under_8_issuing_clients_loses_nothing_the_cli_reported() {
    let env = governed();
    let mut server = start_server(&env);
    let url = server.url("intranet").to_string();
    let mut clients = Vec::new();
    for c in 0..8 {
        let args: Vec<String> = remote_args(
            &env,
            &url,
            "officer",
            &[
                "--json",
                "cert",
                "issue",
                "--profile",
                "person",
                "--subject",
                CLERK,
                "--csr",
                &env.p("load.csr"),
            ],
        );
        clients.push((c, args));
    }
    env.ok(
        "client",
        &[
            "csr",
            "create",
            "--subject",
            CLERK,
            "--key-out",
            &env.p("load.csr.key"),
            "--no-passphrase",
            "--out",
            &env.p("load.csr"),
        ],
    );
    // One first, alone: the clients' command line works.
    let (code, out, err) = remote(
        &env,
        &url,
        "officer",
        &[
            "--json",
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            CLERK,
            "--csr",
            &env.p("load.csr"),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let (tx, rx) = mpsc::channel::<String>();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut handles = Vec::new();
    for (_, args) in clients {
        let tx = tx.clone();
        let stop = stop.clone();
        let cmd_env = (env.path("client"), env.path("policy-cache"));
        handles.push(std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let out = Command::new(GOVPKI_TEST_BIN)
                    .args(&args)
                    .env(CLOCK_OFFSET_VAR, monday_10_shanghai_offset())
                    .env("GOVPKI_HOME", &cmd_env.0)
                    .env("GOVPKI_CACHE_DIR", &cmd_env.1)
                    .env_remove("GOVPKI_CA")
                    .env("NO_COLOR", "1")
                    .stdin(Stdio::null())
                    .output()
                    .unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(!stderr.contains("panicked"), "{stderr}");
                if out.status.success() {
                    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
                    let _ = tx.send(v["serial"].as_str().unwrap().to_string());
                } else {
                    // After the kill: connection refused or reset, exit 2.
                    assert_eq!(out.status.code(), Some(2), "{stderr}");
                }
            }
        }));
    }
    drop(tx);
    // Let some issue, then kill the server mid-flight.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut reported = Vec::new();
    while reported.len() < 16 && Instant::now() < deadline {
        if let Ok(s) = rx.recv_timeout(Duration::from_secs(1)) {
            reported.push(s);
        }
    }
    server.stop_and_stderr();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for h in handles {
        h.join().unwrap();
    }
    reported.extend(rx.try_iter());
    assert!(
        reported.len() >= 16,
        "only {} issued before the kill",
        reported.len()
    );
    let list = json(&env.ok("home", &["--json", "cert", "list"]));
    let stored: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["serial"].as_str().unwrap().to_string())
        .collect();
    for s in &reported {
        assert_eq!(
            stored.iter().filter(|x| x.eq_ignore_ascii_case(s)).count(),
            1,
            "{s} reported issued, stored {:?} times",
            stored.iter().filter(|x| x.eq_ignore_ascii_case(s)).count()
        );
    }
    env.ok("home", &["audit", "verify"]);
}

/// A batch file of `n` 财政局 staff, the first row from a CSR made here.
fn batch_file(env: &Env, n: usize) -> String {
    env.ok(
        "client",
        &[
            "csr",
            "create",
            "--subject",
            "CN=批次零,OU=财政局,O=连云港市人民政府,C=CN",
            "--key-out",
            &env.p(&format!("row0-{n}.key")),
            "--no-passphrase",
            "--out",
            &env.p(&format!("row0-{n}.csr")),
        ],
    );
    let mut yaml = format!(
        "- subject: CN=批次零,OU=财政局,O=连云港市人民政府,C=CN\n  profile: person\n  csr: row0-{n}.csr\n"
    );
    for i in 1..n {
        yaml.push_str(&format!(
            "- subject: CN=批次{i},OU=财政局,O=连云港市人民政府,C=CN\n  profile: person\n  validity: 1y\n"
        ));
    }
    let path = env.p(&format!("batch{n}.yaml"));
    std::fs::write(&path, yaml).unwrap();
    path
}

#[test]
fn a_batch_through_the_service_prints_the_local_lines_and_a_kill_9_loses_no_reported_row() {
    let env = governed();
    let mut server = start_server(&env);
    let url = server.url("intranet").to_string();

    // A whole batch: the local batch's JSON lines, the files in --out-dir, the keys made here.
    // A key a dead run left pending in --out-dir is never overwritten.
    let small = batch_file(&env, 3);
    std::fs::create_dir_all(env.path("out3")).unwrap();
    std::fs::write(env.path("out3/.pending-2.key"), "left by a dead run").unwrap();
    let (code, out, err) = remote(
        &env,
        &url,
        "officer",
        &[
            "--json",
            "cert",
            "issue",
            "--batch",
            &small,
            "--out-dir",
            &env.p("out3"),
            "--no-key-passphrase",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let lines: Vec<Value> = out.lines().map(json).collect();
    assert_eq!(lines.len(), 3, "{out}");
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(
            keys(line),
            [
                "cert",
                "fitted_to_ca_end",
                "key",
                "not_after",
                "profile",
                "row",
                "serial",
                "subject"
            ]
        );
        assert_eq!(line["row"], i + 1);
        let serial = line["serial"].as_str().unwrap();
        let cert = std::fs::read_to_string(line["cert"].as_str().unwrap()).unwrap();
        assert!(cert.contains("BEGIN CERTIFICATE"));
        assert!(
            line["cert"]
                .as_str()
                .unwrap()
                .ends_with(&format!("{serial}.pem"))
        );
        // Row 1 came with its CSR: no key is made for it.
        assert_eq!(line["key"].is_null(), i == 0, "{line}");
    }
    let key = std::fs::read_to_string(lines[1]["key"].as_str().unwrap()).unwrap();
    assert!(key.contains("PRIVATE KEY"));
    let pending: Vec<String> = std::fs::read_dir(env.path("out3"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("pending"))
        .collect();
    assert_eq!(pending, [".pending-2.key"]);
    assert_eq!(
        std::fs::read_to_string(env.path("out3/.pending-2.key")).unwrap(),
        "left by a dead run"
    );
    // Text mode: the local summary line.
    let again = batch_file(&env, 2);
    let (code, _, err) = remote(
        &env,
        &url,
        "officer",
        &[
            "cert",
            "issue",
            "--batch",
            &again,
            "--out-dir",
            &env.p("out2"),
            "--no-key-passphrase",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("issued 2 certificates into `"), "{err}");
    assert!(
        err.contains("generated keys are stored unencrypted"),
        "{err}"
    );
    // A home profile in a row: the operator API takes built-in profiles only (as
    // `cert issue --ca --profile`), so the batch is refused before any row is sent, naming
    // the file and the row, even when the server's home defines the profile.
    std::fs::create_dir_all(env.path("home/profiles")).unwrap();
    std::fs::write(
        env.path("home/profiles/clerk.yaml"),
        "basedOn: person\nmaxValidity: 180d\n",
    )
    .unwrap();
    let homed = env.p("homed.yaml");
    std::fs::write(
        &homed,
        "- subject: CN=甲,OU=财政局,O=连云港市人民政府,C=CN\n  profile: person\n\
         - subject: CN=乙,OU=财政局,O=连云港市人民政府,C=CN\n  profile: clerk\n",
    )
    .unwrap();
    let (code, _, err) = remote(
        &env,
        &url,
        "officer",
        &[
            "cert",
            "issue",
            "--batch",
            &homed,
            "--out-dir",
            &env.p("out-homed"),
            "--no-key-passphrase",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("batch file `{homed}` row 2"))
            && err.contains("profile `clerk` is not a built-in profile")
            && err.contains("over --ca a batch row takes built-in profiles only"),
        "{err}"
    );
    assert!(
        !env.path("out-homed").exists(),
        "nothing is sent or written"
    );
    // Governed per row as locally: an auditor's batch is denied at its first row.
    let (code, out, err) = remote(
        &env,
        &url,
        "auditor",
        &[
            "--json",
            "cert",
            "issue",
            "--batch",
            &small,
            "--out-dir",
            &env.p("out-denied"),
            "--no-key-passphrase",
        ],
    );
    assert_eq!(code, 1, "{err}");
    // The deny is the `--json` error line on stdout; no certificate line precedes it.
    let denied: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON error line");
    assert!(
        denied["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("denied by policy")),
        "{out}"
    );
    assert!(
        err.contains("0 certificates of the batch were issued"),
        "{err}"
    );

    // A long batch, the server killed (-9) mid-way: every row reported is stored once, with
    // its files, and the log verifies.
    let long = batch_file(&env, 80);
    let args = remote_args(
        &env,
        &url,
        "officer",
        &[
            "--json",
            "cert",
            "issue",
            "--batch",
            &long,
            "--out-dir",
            &env.p("out40"),
            "--no-key-passphrase",
        ],
    );
    let mut child = env
        .cmd("client")
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut reported = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while reported.len() < 5 && Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_secs(1)) {
            reported.push(json(&l));
        }
    }
    server.stop_and_stderr();
    let status = child.wait().unwrap();
    reader.join().unwrap();
    reported.extend(rx.try_iter().map(|l| json(&l)));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(reported.len() >= 5, "{stderr}");
    assert!(
        reported.len() < 80,
        "the batch ended before the kill; nothing was tested"
    );
    assert_eq!(status.code(), Some(2), "{stderr}");
    let list = json(&env.ok("home", &["--json", "cert", "list"]));
    let stored: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["serial"].as_str().unwrap().to_string())
        .collect();
    for r in &reported {
        let s = r["serial"].as_str().unwrap();
        assert_eq!(
            stored.iter().filter(|x| x.eq_ignore_ascii_case(s)).count(),
            1,
            "{s} reported issued"
        );
        assert!(Path::new(r["cert"].as_str().unwrap()).is_file());
        // Every row but the first (its CSR's) had its key made here.
        if r["row"] != 1 {
            assert!(Path::new(r["key"].as_str().unwrap()).is_file(), "{r}");
        }
    }
    env.ok("home", &["audit", "verify"]);
}

/// The `action` of every record `audit show --json` printed, in order (JSON lines, or arrays).
fn actions(json: &str) -> Vec<String> {
    fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(a)) = map.get("action") {
                    out.push(a.clone());
                } else {
                    map.values().for_each(|i| collect(i, out));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for line in json.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        collect(&v, &mut out);
    }
    out
}
