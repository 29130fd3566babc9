//! Races, files and names: concurrent `ca init` and `crl generate` in one home, non-regular and
//! unbounded input files, directory and key modes whatever the umask, symlinked key
//! directories, the DN a CSR brings, and what a failing batch reports.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Starts `govpki` with `home` and `args` without waiting for it.
fn spawn(env: &Env, home: &Path, args: &[&str]) -> std::process::Child {
    let mut cmd = govpki(home, env.root());
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.spawn().expect("spawn govpki")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `govpki` and kills it if it has not finished within `limit`: a hang is a failure.
#[track_caller]
fn run_bounded(env: &Env, home: &Path, args: &[&str], limit: Duration) -> Run {
    let start = Instant::now();
    let mut cmd = govpki(home, env.root());
    cmd.args(args);
    let out = assert_cmd::Command::from_std(cmd)
        .timeout(limit)
        .output()
        .expect("spawn govpki");
    assert!(
        start.elapsed() < limit,
        "`govpki {}` did not finish within {limit:?} (killed)",
        args.join(" ")
    );
    let (stdout, stderr) = text(&out);
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code(),
        stdout_bytes: out.stdout,
        stdout,
        stderr,
    }
}

/// Exactly one `error:` line, and no SQLite wording.
#[track_caller]
fn one_clean_error(stderr: &str) {
    let errors = stderr.lines().filter(|l| l.starts_with("error:")).count();
    assert_eq!(errors, 1, "one error line expected:\n{stderr}");
    for raw in [
        "UNIQUE constraint",
        "SQLITE",
        "database is locked",
        "panicked",
    ] {
        assert!(
            !stderr.contains(raw),
            "raw message `{raw}` leaked:\n{stderr}"
        );
    }
}

fn mkfifo(path: &Path) {
    let st = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(st.success(), "mkfifo failed");
}

fn mode_of(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("`{}`: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

// ---------------------------------------------------------------------------------------------
// Concurrent `ca init`

#[test]
fn concurrent_ca_init_in_one_home_makes_exactly_one_ca_and_keeps_it() {
    let env = Env::new();
    for round in 0..4 {
        let n = 3 + round; // 3..6 racers
        let home = env.path(&format!("race-{round}"));
        let subject = |i: usize| format!("CN=竞争{round}-{i},{ORG}");
        let subjects: Vec<String> = (0..n).map(subject).collect();
        let children: Vec<_> = subjects
            .iter()
            .map(|s| {
                spawn(
                    &env,
                    &home,
                    &[
                        "ca",
                        "init",
                        "--subject",
                        s,
                        "--algorithm",
                        "ed25519",
                        "--no-passphrase",
                    ],
                )
            })
            .collect();
        let outs: Vec<Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().expect("wait"))
            .collect();
        let winners: Vec<usize> = (0..n).filter(|&i| outs[i].status.success()).collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one init succeeds: {:?}",
            outs.iter().map(text).collect::<Vec<_>>()
        );
        for (i, out) in outs.iter().enumerate() {
            if i == winners[0] {
                continue;
            }
            assert_eq!(out.status.code(), Some(2), "loser exits 2: {:?}", text(out));
            one_clean_error(&text(out).1);
        }
        // The home the winner printed exists, opens, and holds the winner's CA.
        let (stdout, _) = text(&outs[winners[0]]);
        assert!(stdout.contains("BEGIN CERTIFICATE"));
        assert!(
            home.join("govpki.db").is_file(),
            "the winner's home was deleted"
        );
        assert!(home.join("private/ca.key").is_file());
        let shown = env.run(&home, ["--json", "ca", "show"]).success();
        let want = &subjects[winners[0]];
        let cn = want.split(',').next().unwrap().trim_start_matches("CN=");
        assert!(
            shown.stdout.contains(cn),
            "ca show names the winner {cn}: {}",
            shown.stdout
        );
        // And it works: a certificate can be issued.
        env.issue(
            &Ca::at(home.clone()),
            &format!("after-race-{round}"),
            "person",
            &format!("CN=张三,{DEPT}"),
            &[],
            &[],
        );
    }
}

#[test]
fn a_failed_init_removes_only_what_it_created() {
    let env = Env::new();
    // A home with someone's files in it, and an init that fails late: `ca.pem` is taken by a
    // directory, so publishing the CA certificate fails after the store and the key were made
    // (a failure that holds even for root).
    let home = env.path("kept");
    std::fs::create_dir(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o750)).unwrap();
    std::fs::write(home.join("notes.txt"), "mine").unwrap();
    std::fs::create_dir(home.join("private")).unwrap();
    std::fs::set_permissions(home.join("private"), std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::create_dir(home.join("ca.pem")).unwrap();
    std::fs::write(home.join("ca.pem/keep"), "x").unwrap();
    let run = env
        .run(
            &home,
            [
                "ca",
                "init",
                "--subject",
                &format!("CN=失败,{ORG}"),
                "--algorithm",
                "ed25519",
                "--no-passphrase",
            ],
        )
        .code(2);
    one_clean_error(&run.stderr);
    assert!(
        home.join("notes.txt").is_file(),
        "a file it did not create was removed"
    );
    assert!(
        home.join("ca.pem/keep").is_file(),
        "a directory it did not create was removed"
    );
    assert!(
        home.join("private").is_dir(),
        "a directory it did not create was removed"
    );
    assert!(!home.join("govpki.db").exists(), "its own store is removed");
    assert!(
        !home.join("private/ca.key").exists(),
        "its own key is removed"
    );
    assert_eq!(mode_of(&home), 0o750, "the home's mode is unchanged");
    assert_eq!(
        mode_of(&home.join("private")),
        0o711,
        "private/'s mode is unchanged"
    );
    // A home this run made is removed whole.
    let fresh = env.path("fresh");
    let run = env
        .run(
            &fresh,
            [
                "ca",
                "init",
                "--subject",
                &format!("CN=失败,{ORG}"),
                "--parent",
                p(&fresh),
                "--no-passphrase",
            ],
        )
        .code(2);
    one_clean_error(&run.stderr);
    assert!(!fresh.exists(), "nothing is left of a home this run made");
}

// ---------------------------------------------------------------------------------------------
// Concurrent `crl generate`

fn crl_number(file: &Path) -> u64 {
    let out = Command::new("openssl")
        .args(["crl", "-noout", "-crlnumber", "-in"])
        .arg(file)
        .output()
        .expect("openssl");
    let s = String::from_utf8_lossy(&out.stdout);
    let hex = s
        .trim()
        .strip_prefix("crlNumber=")
        .unwrap_or_else(|| panic!("no crlNumber in {s}"));
    u64::from_str_radix(hex.trim_start_matches("0x"), 16).expect("hex CRL number")
}

#[test]
fn concurrent_crl_generate_publishes_in_number_order() {
    let env = Env::new();
    let ca = env.root_ca("crlrace", "ed25519", &[]);
    let out = env.path("published.crl");
    let out_s = p(&out).to_string();
    for round in 0..3 {
        let children: Vec<_> = (0..5)
            .map(|_| {
                spawn(
                    &env,
                    &ca.home,
                    &["--json", "crl", "generate", "--out", &out_s],
                )
            })
            .collect();
        let outs: Vec<Output> = children
            .into_iter()
            .map(|c| c.wait_with_output().expect("wait"))
            .collect();
        let mut numbers = Vec::new();
        for o in &outs {
            let (stdout, stderr) = text(o);
            for raw in ["UNIQUE constraint", "SQLITE", "database is locked"] {
                assert!(!stderr.contains(raw), "raw SQLite message: {stderr}");
            }
            if o.status.success() {
                let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
                numbers.push(v["number"].as_u64().expect("number"));
            } else {
                assert_eq!(o.status.code(), Some(2), "{stderr}");
                one_clean_error(&stderr);
            }
        }
        assert!(!numbers.is_empty(), "round {round}: some CRL published");
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            numbers.len(),
            "every CRL number is used once: {numbers:?}"
        );
        let highest = *sorted.last().unwrap();
        if require_tool("openssl") {
            assert_eq!(
                crl_number(&out),
                highest,
                "the published file holds the newest CRL"
            );
            assert_eq!(crl_number(&ca.home.join("crl.der")), highest);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Non-regular and unbounded inputs

#[test]
fn devices_are_refused_as_inputs_quickly() {
    let env = Env::new();
    let ca = env.root_ca("dev", "ed25519", &[]);
    let doc = env.write("doc.txt", "a notice");
    let link = env.path("zero.p7s");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let limit = Duration::from_secs(20);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["seal", "verify", p(&doc), "--sig", "/dev/zero"],
            "/dev/zero",
        ),
        (
            vec!["seal", "verify", p(&doc), "--sig", p(&link)],
            "zero.p7s",
        ),
        (vec!["seal", "show", "/dev/zero"], "/dev/zero"),
        (vec!["cert", "show", "/dev/zero"], "/dev/zero"),
        (vec!["cert", "verify", "/dev/zero"], "/dev/zero"),
        (vec!["crl", "show", "/dev/zero"], "/dev/zero"),
        (
            vec!["seal", "verify", "/dev/zero", "--sig", p(&doc)],
            "/dev/zero",
        ),
        (
            vec!["cert", "revoke", "--from-file", "/dev/zero"],
            "/dev/zero",
        ),
        (
            vec!["authz", "validate", "--policy", "/dev/zero"],
            "/dev/zero",
        ),
    ];
    for (args, named) in cases {
        let run = run_bounded(&env, &ca.home, &args, limit).code(2);
        assert!(
            run.stderr.contains(named) && run.stderr.contains("not a regular file"),
            "names the file and why\n{}",
            run.describe()
        );
    }
}

#[test]
fn a_fifo_as_passphrase_file_does_not_hang() {
    let env = Env::new();
    let fifo = env.path("pass.fifo");
    mkfifo(&fifo);
    let home = env.path("fifo-home");
    let run = run_bounded(
        &env,
        &home,
        &[
            "ca",
            "init",
            "--subject",
            &format!("CN=管道,{ORG}"),
            "--passphrase-file",
            p(&fifo),
        ],
        Duration::from_secs(20),
    )
    .code(2);
    assert!(
        run.stderr.contains("pass.fifo") && run.stderr.contains("FIFO"),
        "{}",
        run.describe()
    );
    assert!(!home.exists(), "nothing was created");
    // And as a document to seal or verify.
    let ca = env.root_ca("fifo-ca", "ed25519", &[]);
    let run = run_bounded(
        &env,
        &ca.home,
        &["seal", "verify", p(&fifo), "--sig", p(&fifo)],
        Duration::from_secs(20),
    )
    .code(2);
    assert!(run.stderr.contains("FIFO"), "{}", run.describe());
}

#[test]
fn a_fifo_given_to_this_round_s_file_flags_does_not_hang() {
    // Issue #12's new inputs: a foreign CRL's issuer, a home profile, a certificate to revoke,
    // renew or export, the key and passphrase files of an export, one of several certificates
    // to verify, a batch file.
    let env = Env::new();
    let ca = env.root_ca("fifo-new", "ed25519", &[]);
    let fifo = env.path("in.fifo");
    mkfifo(&fifo);
    let profiles = ca.home.join("profiles");
    std::fs::create_dir_all(&profiles).expect("profiles dir");
    mkfifo(&profiles.join("piped.yaml"));
    let crl = env.path("ca.crl");
    env.run(&ca.home, ["crl", "generate", "--out", p(&crl)])
        .success();
    let ca_pem = ca.home.join("ca.pem");
    let subject = format!("CN=管道,{ORG}");
    let key_out = env.path("k.key");
    let p12 = env.path("out.p12");
    let batch_out = env.path("batch-out");
    let p12_pass = env.path("p12.pass");
    std::fs::write(&p12_pass, "管道里的密码 never crosses a pipe 2026").expect("write passphrase");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["crl", "show", "--issuer", p(&fifo), p(&crl)],
            "in.fifo",
        ),
        (
            vec![
                "cert",
                "issue",
                "--profile",
                "piped",
                "--subject",
                &subject,
                "--key-out",
                p(&key_out),
                "--no-key-passphrase",
            ],
            "piped.yaml",
        ),
        (vec!["cert", "revoke", p(&fifo)], "in.fifo"),
        (vec!["cert", "renew", p(&fifo)], "in.fifo"),
        // `cert verify FILE...`: the FIFO is that file's error, the run goes on and ends.
        (vec!["cert", "verify", p(&ca_pem), p(&fifo)], "in.fifo"),
        (
            vec![
                "cert",
                "issue",
                "--batch",
                p(&fifo),
                "--out-dir",
                p(&batch_out),
            ],
            "in.fifo",
        ),
        (
            vec![
                "cert",
                "export",
                "--pkcs12",
                p(&p12),
                p(&ca_pem),
                "--key",
                p(&fifo),
                "--passphrase-file",
                p(&p12_pass),
            ],
            "in.fifo",
        ),
    ];
    for (args, named) in cases {
        let run = run_bounded(&env, &ca.home, &args, Duration::from_secs(20)).code(2);
        let said = run.error_text();
        assert!(
            said.contains(named) && said.contains("not a regular file"),
            "names the file and why\n{}",
            run.describe()
        );
    }
    assert!(!key_out.exists(), "nothing was issued");
    assert!(!p12.exists(), "nothing was exported");
    assert!(
        !batch_out.exists() || std::fs::read_dir(&batch_out).unwrap().next().is_none(),
        "nothing was issued by the batch"
    );
}

// ---------------------------------------------------------------------------------------------
// Modes and links

/// Runs `govpki` under `umask`.
fn run_with_umask(env: &Env, home: &Path, umask: &str, args: &[&str]) -> Run {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_govpki"))
        .args(args)
        .env("GOVPKI_HOME", home)
        .env("NO_COLOR", "1")
        .env("USER", "govpki-test")
        .env("GOVPKI_NO_CACHE", "1")
        .current_dir(env.root())
        .stdin(Stdio::null());
    let out = sh.output().expect("sh");
    let (stdout, stderr) = text(&out);
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code(),
        stdout_bytes: out.stdout,
        stdout,
        stderr,
    }
}

#[test]
fn umask_000_still_gives_private_directories_and_keys() {
    let env = Env::new();
    let home = env.path("deep/er/home");
    let pass = env.passphrase_file("ca.pass", "秘密口令：连云港信息中心根CA");
    run_with_umask(
        &env,
        &home,
        "000",
        &[
            "ca",
            "init",
            "--subject",
            &format!("CN=掩码,{ORG}"),
            "--algorithm",
            "ed25519",
            "--passphrase-file",
            p(&pass),
        ],
    )
    .success();
    assert_eq!(mode_of(&home), 0o700, "home");
    assert_eq!(mode_of(&home.join("private")), 0o700, "private/");
    assert_eq!(mode_of(&home.join("private/ca.key")), 0o600, "the key");
    assert_eq!(mode_of(&home.join("govpki.db")), 0o600, "the store");
    // A CRL publication and an issued key under umask 000 too.
    let key = env.path("p.key");
    run_with_umask(
        &env,
        &home,
        "000",
        &[
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            &format!("CN=李四,{DEPT}"),
            "--key-out",
            p(&key),
            "--no-key-passphrase",
            "--passphrase-file",
            p(&pass),
        ],
    )
    .success();
    assert_eq!(mode_of(&key), 0o600, "an issued key");
    for f in ["govpki.db-wal", "govpki.db-shm"] {
        if home.join(f).exists() {
            assert_eq!(mode_of(&home.join(f)) & 0o077, 0, "{f} is private");
        }
    }
}

#[test]
fn an_existing_home_keeps_its_mode() {
    let env = Env::new();
    let home = env.path("shared-home");
    std::fs::create_dir(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.run(
        &home,
        [
            "ca",
            "init",
            "--subject",
            &format!("CN=已有,{ORG}"),
            "--algorithm",
            "ed25519",
            "--no-passphrase",
        ],
    )
    .success();
    assert_eq!(
        mode_of(&home),
        0o755,
        "a directory it did not create keeps its mode"
    );
    assert_eq!(mode_of(&home.join("private")), 0o700);
    assert_eq!(mode_of(&home.join("private/ca.key")), 0o600);
}

#[test]
fn a_symlinked_private_directory_is_refused() {
    let env = Env::new();
    let home = env.path("linked");
    let elsewhere = env.path("world-readable");
    std::fs::create_dir(&home).unwrap();
    std::fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, home.join("private")).unwrap();
    let run = env
        .run(
            &home,
            [
                "ca",
                "init",
                "--subject",
                &format!("CN=链接,{ORG}"),
                "--algorithm",
                "ed25519",
                "--no-passphrase",
            ],
        )
        .code(2);
    assert!(run.stderr.contains("symbolic link"), "{}", run.describe());
    one_clean_error(&run.stderr);
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "no key went through"
    );
    assert!(
        home.join("private")
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(!home.join("govpki.db").exists());
}

// ---------------------------------------------------------------------------------------------
// Names: a CSR's subject, repeated attributes, `;`, and what the store records

/// A CSR made by OpenSSL for `subj` (OpenSSL's `/A=v/B=w` form, most general first).
fn openssl_csr(env: &Env, name: &str, subj: &str) -> Option<std::path::PathBuf> {
    if !require_tool("openssl") {
        return None;
    }
    let key = env.path(&format!("{name}.key"));
    let csr = env.path(&format!("{name}.csr"));
    tool(
        "openssl",
        [
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            p(&key),
        ],
    )
    .success();
    tool(
        "openssl",
        [
            "req",
            "-new",
            "-key",
            p(&key),
            "-utf8",
            "-subj",
            subj,
            "-out",
            p(&csr),
        ],
    )
    .success();
    Some(csr)
}

/// The (subject, department) rows of the store.
fn store_subjects(ca: &Ca) -> Vec<(String, Option<String>, Vec<u8>)> {
    let db = rusqlite::Connection::open(ca.db()).expect("open the store");
    let mut stmt = db
        .prepare("SELECT subject, department, der FROM certs ORDER BY issued_at")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The certificate's subject attributes in RFC 4514 order (most specific first), read by
/// x509-parser straight from the DER.
fn der_subject(der: &[u8]) -> Vec<(String, String)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).expect("a certificate");
    let mut out: Vec<(String, String)> = cert
        .subject()
        .iter_attributes()
        .map(|a| {
            let name = match a.attr_type().to_id_string().as_str() {
                "2.5.4.3" => "CN",
                "2.5.4.11" => "OU",
                "2.5.4.10" => "O",
                "2.5.4.6" => "C",
                other => panic!("unexpected attribute {other}"),
            };
            (name.to_string(), a.as_str().expect("text").to_string())
        })
        .collect();
    out.reverse();
    out
}

#[test]
fn a_csr_subject_with_control_characters_is_refused() {
    let env = Env::new();
    let ca = env.root_ca("csrctl", "ed25519", &[]);
    for (name, subj) in [
        ("esc", "/C=CN/O=x/CN=evil\u{1b}[31mred"),
        (
            "newline",
            "/C=CN/O=x/CN=evil\n2026-01-01 local:root ca.init ok",
        ),
        ("del", "/C=CN/O=x/CN=evil\u{7f}"),
    ] {
        let Some(csr) = openssl_csr(&env, name, subj) else {
            return;
        };
        let run = env
            .run(
                &ca.home,
                ["cert", "issue", "--profile", "person", "--csr", p(&csr)],
            )
            .code(2);
        one_clean_error(&run.stderr);
        assert!(
            run.stderr.contains(&format!("{name}.csr")) && run.stderr.contains("control character"),
            "names the CSR and the reason\n{}",
            run.describe()
        );
        assert!(!run.all_output().contains('\u{1b}'), "no raw ESC is echoed");
    }
    assert!(store_subjects(&ca).is_empty(), "nothing was issued");
    // A CSR with a repeated attribute is refused the same way, naming it.
    let Some(csr) = openssl_csr(&env, "twocn", "/C=CN/OU=a/CN=赵六/CN=钱七") else {
        return;
    };
    let run = env
        .run(
            &ca.home,
            ["cert", "issue", "--profile", "person", "--csr", p(&csr)],
        )
        .code(2);
    assert!(
        run.stderr.contains("twocn.csr") && run.stderr.contains("`CN` appears more than once"),
        "{}",
        run.describe()
    );
}

#[test]
fn repeated_attributes_and_semicolons_are_refused_not_dropped() {
    let env = Env::new();
    let ca = env.root_ca("dnrules", "ed25519", &[]);
    let key = env.path("x.key");
    let issue = |subject: &str| {
        let _ = std::fs::remove_file(&key);
        env.run(
            &ca.home,
            [
                "cert",
                "issue",
                "--profile",
                "person",
                "--subject",
                subject,
                "--key-out",
                p(&key),
                "--no-key-passphrase",
            ],
        )
    };
    for (subject, why) in [
        (
            "CN=赵六,CN=钱七,O=连云港市人民政府,C=CN",
            "`CN` appears more than once",
        ),
        (
            "CN=赵六,OU=财政局,OU=信息中心,C=CN",
            "`OU` appears more than once",
        ),
        ("CN=赵六;OU=财政局", "unescaped `;`"),
    ] {
        let run = issue(subject).code(2);
        one_clean_error(&run.stderr);
        assert!(run.stderr.contains(why), "{}", run.describe());
    }
    assert!(store_subjects(&ca).is_empty(), "nothing was issued");
    // An escaped semicolon is a value, written and recorded as such.
    issue(r"CN=赵六\;钱七,OU=财政局,C=CN").success();
    let rows = store_subjects(&ca);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        der_subject(&rows[0].2),
        vec![
            ("CN".to_string(), "赵六;钱七".to_string()),
            ("OU".to_string(), "财政局".to_string()),
            ("C".to_string(), "CN".to_string()),
        ]
    );
    assert_eq!(rows[0].0, r"CN=赵六\;钱七,OU=财政局,C=CN");
}

#[test]
fn the_store_records_the_dn_the_certificate_carries() {
    let env = Env::new();
    let ca = env.root_ca("dnstore", "ed25519", &[]);
    env.issue(&ca, "a", "person", &format!("CN=张三,{DEPT}"), &[], &[]);
    if let Some(csr) = openssl_csr(&env, "b", "/C=CN/O=连云港市人民政府/OU=财政局/CN=李四")
    {
        env.issue_csr(&ca, "b", "person", &csr, &[]);
    }
    let batch = env.write(
        "staff.yaml",
        "- subject: CN=王五,OU=办公室,O=连云港市人民政府,C=CN\n  profile: person\n",
    );
    env.run(
        &ca.home,
        [
            "cert",
            "issue",
            "--batch",
            p(&batch),
            "--out-dir",
            p(&env.path("batch-out")),
            "--no-key-passphrase",
        ],
    )
    .success();
    let rows = store_subjects(&ca);
    assert!(rows.len() >= 2);
    for (subject, department, der) in rows {
        let attrs = der_subject(&der);
        let rendered: Vec<String> = attrs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            subject,
            rendered.join(","),
            "the store's subject is the certificate's"
        );
        let ous: Vec<&String> = attrs
            .iter()
            .filter(|(k, _)| k == "OU")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(
            department.as_ref(),
            ous.first().copied(),
            "department = the certified OU"
        );
        assert_eq!(ous.len(), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// A batch that fails half-way

/// `unshare` can give this test a private mount namespace with a small tmpfs.
fn can_unshare() -> bool {
    Command::new("unshare")
        .args(["-Urm", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_batch_on_a_full_disk_reports_exactly_what_was_committed() {
    if !can_unshare() {
        eprintln!("SKIPPED: no `unshare -Urm` here to mount a small tmpfs (a full disk)");
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("fulldisk", "ed25519", &[]);
    let (_, csr) = env.csr_create("staff", &format!("CN=员工,{DEPT}"), &[], &[]);
    let rows = 1500;
    let mut yaml = String::new();
    for i in 0..rows {
        yaml.push_str(&format!(
            "- subject: CN=员工{i},{DEPT}\n  profile: person\n  csr: {}\n",
            csr.file_name().unwrap().to_str().unwrap()
        ));
    }
    let batch = env.write("staff.yaml", yaml);
    let out = env.path("out");
    std::fs::create_dir(&out).unwrap();
    let listing = env.path("listing.txt");
    // A file system with room for 1,199 files: the first chunk (1,000 certificates) fits, the
    // second chunk commits and then runs out of space while its certificates are written out.
    let script = r#"mount -t tmpfs -o size=64m,nr_inodes=1200 tmpfs "$OUT" || exit 99
"$BIN" --json cert issue --batch "$BATCH" --out-dir "$OUT"
rc=$?
ls "$OUT" > "$LISTING"
exit $rc"#;
    let mut cmd = Command::new("unshare");
    cmd.args(["-Urm", "sh", "-c", script])
        .env("GOVPKI_HOME", &ca.home)
        .env("NO_COLOR", "1")
        .env("USER", "govpki-test")
        .env("GOVPKI_NO_CACHE", "1")
        .env("OUT", &out)
        .env("BIN", env!("CARGO_BIN_EXE_govpki"))
        .env("BATCH", &batch)
        .env("LISTING", &listing)
        .current_dir(env.root())
        .stdin(Stdio::null());
    let result = cmd.output().expect("unshare");
    let (stdout, stderr) = text(&result);
    if result.status.code() == Some(99) {
        eprintln!("SKIPPED: mounting a tmpfs failed: {stderr}");
        return;
    }
    assert_eq!(result.status.code(), Some(2), "the batch fails\n{stderr}");
    one_clean_error(&stderr);
    // The store: every row of the batch was committed (the second chunk committed before its
    // files ran out of space).
    let stored = store_subjects(&ca).len();
    assert_eq!(stored, rows, "both chunks are committed");
    assert!(
        stderr.contains(&format!("{stored} certificates were issued and committed")),
        "the error counts exactly the committed certificates\n{stderr}"
    );
    // Every committed certificate is reported; its file exists, or it is listed without one.
    let files: std::collections::HashSet<String> = std::fs::read_to_string(&listing)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), stored, "one line per committed certificate");
    let mut missing = 0;
    for l in &lines {
        let serial = l["serial"].as_str().unwrap();
        let name = format!("{serial}.pem");
        match l["cert"].as_str() {
            Some(path) => {
                assert!(path.ends_with(&name));
                assert!(files.contains(&name), "reported file `{name}` exists");
            }
            None => {
                assert!(!files.contains(&name), "a written file is reported as such");
                missing += 1;
            }
        }
    }
    assert!(missing > 0, "the disk did fill up");
    assert!(
        stderr.contains(&format!(
            "the files of {missing} of them could not be written"
        )),
        "{stderr}"
    );
}

#[test]
fn a_batch_output_directory_is_private_whatever_the_umask() {
    let env = Env::new();
    let ca = env.root_ca("outdir", "ed25519", &[]);
    let batch = env.write(
        "one.yaml",
        format!("- subject: CN=赵六,{DEPT}\n  profile: person\n"),
    );
    let out = env.path("new/out");
    run_with_umask(
        &env,
        &ca.home,
        "000",
        &[
            "cert",
            "issue",
            "--batch",
            p(&batch),
            "--out-dir",
            p(&out),
            "--no-key-passphrase",
        ],
    )
    .success();
    assert_eq!(mode_of(&out), 0o700, "the directory of generated keys");
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "key") {
            assert_eq!(mode_of(&path), 0o600);
        }
    }
}
