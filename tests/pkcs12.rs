//! `cert export --pkcs12`: the file opens in `openssl pkcs12` (3.x, no `-legacy`) and GnuTLS
//! `certtool --p12-info`, its key and certificate round-trip equal, its algorithms are the
//! modern ones, and a key that is not the certificate's, a weak passphrase or an existing file
//! are refused with exit 2.

mod common;

use std::path::Path;

use common::{Env, p, require_tool, tool};

const P12_PASS: &str = "export passphrase 连云港 2026";
const KEY_PASS: &str = "Key-Pa55-never-echo-91ab";

/// A root CA and a person certificate whose key is encrypted under [`KEY_PASS`].
fn setup(env: &Env, algorithm: &str) -> (common::Ca, std::path::PathBuf, std::path::PathBuf) {
    let ca = env.root_ca(&format!("p12-{algorithm}"), algorithm, &[]);
    let key_pass = env.passphrase_file("key.pass", KEY_PASS);
    let key = env.path(&format!("{algorithm}-person.key"));
    let cert = env.path(&format!("{algorithm}-person.pem"));
    env.run(
        &ca.home,
        [
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            &format!("CN=张三,{}", common::DEPT),
            "--algorithm",
            algorithm,
            "--key-out",
            p(&key),
            "--key-passphrase-file",
            p(&key_pass),
            "--out",
            p(&cert),
        ],
    )
    .success();
    (ca, key, cert)
}

fn export(env: &Env, ca: &common::Ca, out: &Path, target: &str, key: &Path) -> common::Run {
    let pass = env.passphrase_file("p12.pass", P12_PASS);
    let key_pass = env.path("key.pass");
    env.run(
        &ca.home,
        [
            "cert",
            "export",
            "--pkcs12",
            p(out),
            target,
            "--key",
            p(key),
            "--key-passphrase-file",
            p(&key_pass),
            "--passphrase-file",
            p(&pass),
        ],
    )
}

/// The PEM blocks of one label in a text, each normalised to its base64 body.
fn blocks(text: &str, label: &str) -> Vec<String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&begin) {
        let after = &rest[i + begin.len()..];
        let j = after.find(&end).expect("an END line");
        out.push(after[..j].split_whitespace().collect::<String>());
        rest = &after[j + end.len()..];
    }
    out
}

/// The key as OpenSSL re-encodes it (unencrypted PKCS#8 PEM), for a comparison independent of
/// how either side encrypted it.
fn openssl_key(path_or_pem: &Path, pass: Option<&Path>) -> String {
    let mut args = vec!["pkey".to_string(), "-in".into(), p(path_or_pem).into()];
    if let Some(f) = pass {
        args.push("-passin".into());
        args.push(format!("file:{}", p(f)));
    }
    let run = tool("openssl", &args).success();
    blocks(&run.stdout, "PRIVATE KEY").concat()
}

#[test]
fn openssl_reads_the_file_without_legacy_and_key_and_chain_round_trip() {
    if !require_tool("openssl") {
        return;
    }
    for algorithm in ["p256", "rsa3072", "sm2"] {
        let env = Env::new();
        let (ca, key, cert) = setup(&env, algorithm);
        let out = env.path("person.p12");
        let run = export(&env, &ca, &out, p(&cert), &key).success();
        assert!(
            run.stderr.contains("friendlyName `张三`"),
            "{}",
            run.describe()
        );
        assert_eq!(common::mode(&out), 0o600);

        let info = tool(
            "openssl",
            [
                "pkcs12",
                "-in",
                p(&out),
                "-info",
                "-nodes",
                "-passin",
                &format!("file:{}", p(&env.path("p12.pass"))),
            ],
        )
        .success();
        // The algorithms and counts the brief asks for; nothing legacy.
        for expected in [
            "MAC: sha256, Iteration 600000",
            "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256",
            "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256",
        ] {
            assert!(
                info.stderr.contains(expected),
                "{algorithm}: {}",
                info.describe()
            );
        }
        assert!(info.stdout.contains("localKeyID:"), "{}", info.describe());

        // The certificates: the person's first, then this home's chain, byte for byte.
        let certs = blocks(&info.stdout, "CERTIFICATE");
        let mut expected = blocks(&std::fs::read_to_string(&cert).unwrap(), "CERTIFICATE");
        expected.extend(blocks(
            &std::fs::read_to_string(&ca.chain).unwrap(),
            "CERTIFICATE",
        ));
        assert_eq!(certs, expected, "{algorithm}");

        // The key: the same key as the encrypted key file.
        let exported = env.write("exported.pem", info.stdout.as_bytes());
        assert_eq!(
            openssl_key(&exported, None),
            openssl_key(&key, Some(&env.path("key.pass"))),
            "{algorithm}"
        );

        // A wrong passphrase fails the MAC.
        let wrong = env.passphrase_file("wrong.pass", "not the export passphrase");
        tool(
            "openssl",
            [
                "pkcs12",
                "-in",
                p(&out),
                "-nodes",
                "-passin",
                &format!("file:{}", p(&wrong)),
            ],
        )
        .failure();
    }
}

#[test]
fn certtool_reads_the_file() {
    if !require_tool("certtool") {
        return;
    }
    let env = Env::new();
    let (ca, key, cert) = setup(&env, "p256");
    let out = env.path("person.p12");
    export(&env, &ca, &out, p(&cert), &key).success();
    let info = tool(
        "certtool",
        [
            "--p12-info",
            "--inder",
            "--infile",
            p(&out),
            "--password",
            P12_PASS,
        ],
    )
    .success();
    for expected in ["MAC: SHA256", "PBES2-AES256-CBC", "Iteration count: 600000"] {
        assert!(info.stdout.contains(expected), "{}", info.describe());
    }
    let certs = blocks(&info.stdout, "CERTIFICATE");
    assert_eq!(certs.len(), 2, "{}", info.describe());
    // certtool decrypts the certificate bag and shows the key bag as it is (still PBES2).
    assert!(
        info.stdout.contains("PKCS #8 Encrypted key")
            && info.stdout.contains("Friendly name: 张三"),
        "{}",
        info.describe()
    );
    assert_eq!(
        blocks(&info.stdout, "ENCRYPTED PRIVATE KEY").len(),
        1,
        "{}",
        info.describe()
    );
}

#[test]
fn a_serial_names_the_certificate_too() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let (ca, key, cert) = setup(&env, "p256");
    let serial = tool("openssl", ["x509", "-in", p(&cert), "-noout", "-serial"]).success();
    let serial = serial
        .stdout
        .trim()
        .trim_start_matches("serial=")
        .to_string();
    let out = env.path("by-serial.p12");
    export(&env, &ca, &out, &serial, &key).success();
    assert!(out.exists());
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused_with_exit_2() {
    let env = Env::new();
    let (ca, _key, cert) = setup(&env, "p256");
    let other = env.issue(
        &ca,
        "other",
        "person",
        &format!("CN=李四,{}", common::DEPT),
        &[],
        &[],
    );
    let out = env.path("mismatch.p12");
    let run = export(&env, &ca, &out, p(&cert), other.key.as_ref().unwrap()).code(2);
    assert!(
        run.stderr.contains("is not the key of certificate"),
        "{}",
        run.describe()
    );
    assert!(!out.exists(), "a file was written for a mismatched key");
}

#[test]
fn an_existing_file_needs_force_and_a_weak_passphrase_needs_the_override() {
    let env = Env::new();
    let (ca, key, cert) = setup(&env, "p256");
    let out = env.write("taken.p12", b"keep me");
    let run = export(&env, &ca, &out, p(&cert), &key).code(2);
    assert!(run.stderr.contains("--force"), "{}", run.describe());
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");

    let weak = env.passphrase_file("weak.pass", "password1234");
    let args = |extra: &[&str]| {
        let mut a: Vec<String> = [
            "cert",
            "export",
            "--pkcs12",
            p(&env.path("weak.p12")),
            p(&cert),
            "--key",
            p(&key),
            "--key-passphrase-file",
            p(&env.path("key.pass")),
            "--passphrase-file",
            p(&weak),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = env.run(&ca.home, args(&[])).code(2);
    assert!(run.stderr.contains("easy to guess"), "{}", run.describe());
    assert!(
        run.stderr.contains("--allow-weak-passphrase"),
        "{}",
        run.describe()
    );
    assert!(!env.path("weak.p12").exists());
    let run = env
        .run(&ca.home, args(&["--allow-weak-passphrase"]))
        .success();
    assert!(run.stderr.contains("weak"), "{}", run.describe());
    assert_eq!(common::mode(&env.path("weak.p12")), 0o600);
}

#[test]
fn without_a_passphrase_source_off_a_terminal_nothing_is_asked_or_written() {
    let env = Env::new();
    let (ca, key, cert) = setup(&env, "p256");
    let out = env.path("none.p12");
    let run = env
        .run(
            &ca.home,
            [
                "cert",
                "export",
                "--pkcs12",
                p(&out),
                p(&cert),
                "--key",
                p(&key),
                "--key-passphrase-file",
                p(&env.path("key.pass")),
            ],
        )
        .code(2);
    assert!(
        run.stderr.contains("--passphrase-file"),
        "{}",
        run.describe()
    );
    assert!(!out.exists());
}

/// The `cert.export` records of a home's audit log.
fn export_records(env: &Env, ca: &common::Ca) -> Vec<serde_json::Value> {
    let log = env
        .run(&ca.home, ["--json", "audit", "show"])
        .success()
        .json();
    log.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "cert.export")
        .cloned()
        .collect()
}

#[test]
fn an_export_is_recorded_in_the_audit_log_without_the_passphrase_and_verifies() {
    let env = Env::new();
    let (ca, key, cert) = setup(&env, "p256");
    let issued = env
        .run(&ca.home, ["--json", "cert", "show", p(&cert)])
        .success()
        .json();
    let serial = common::json_str(&issued, "serial");
    let out = env.path("recorded.p12");
    export(&env, &ca, &out, p(&cert), &key).success();
    let records = export_records(&env, &ca);
    assert_eq!(records.len(), 1, "{records:?}");
    let r = &records[0];
    // Who, which serial, when; the key's SPKI hash, never a passphrase.
    assert_eq!(r["actor"], "local:govpki-test", "{r}");
    assert!(
        r["object"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{} CN=张三", serial)),
        "{r}"
    );
    assert!(r["time"].as_str().is_some_and(|t| !t.is_empty()), "{r}");
    let text = r.to_string();
    assert!(text.contains("spki="), "{r}");
    for secret in [P12_PASS, KEY_PASS] {
        assert!(!text.contains(secret), "a passphrase in the log: {r}");
    }
    env.run(&ca.home, ["audit", "verify"]).success();

    // A refused export (the key is not the certificate's) writes nothing and records nothing.
    let other = env.issue(
        &ca,
        "other",
        "person",
        &format!("CN=李四,{}", common::DEPT),
        &[],
        &[],
    );
    let refused = env.path("refused.p12");
    export(&env, &ca, &refused, p(&cert), other.key.as_ref().unwrap()).code(2);
    assert!(!refused.exists());
    assert_eq!(export_records(&env, &ca).len(), 1);
}

#[test]
fn a_forged_certificate_with_the_cas_name_and_the_holders_key_is_refused_with_exit_2() {
    let env = Env::new();
    let ca = env.root_ca("p12-real", "p256", &[]);
    // A second CA with the very same name and its own key: the forger.
    let forger = env.path("p12-forger");
    let subject = format!("CN=p12-real 根CA,{}", common::ORG);
    env.run(
        &forger,
        ["ca", "init", "--subject", &subject, "--no-passphrase"],
    )
    .success();
    let key_pass = env.passphrase_file("key.pass", KEY_PASS);
    let (key, csr) = (env.path("holder.key"), env.path("holder.csr"));
    env.run(
        &ca.home,
        [
            "csr",
            "create",
            "--subject",
            &format!("CN=张三,{}", common::DEPT),
            "--key-out",
            p(&key),
            "--passphrase-file",
            p(&key_pass),
            "--out",
            p(&csr),
        ],
    )
    .success();
    let issue = |home: &Path, out: &Path| {
        env.run(
            home,
            [
                "cert",
                "issue",
                "--profile",
                "person",
                "--csr",
                p(&csr),
                "--out",
                p(out),
            ],
        )
        .success();
    };
    let (real, forged) = (env.path("real.pem"), env.path("forged.pem"));
    issue(&ca.home, &real);
    issue(&forger, &forged);
    // The forged certificate: the CA's name as issuer, the holder's key, the forger's signature.
    let out = env.path("forged.p12");
    let run = export(&env, &ca, &out, p(&forged), &key).code(2);
    assert!(
        run.stderr.contains("does not verify") && run.stderr.contains("forged.pem"),
        "{}",
        run.describe()
    );
    assert!(!out.exists(), "a forged certificate was exported");
    // The genuine one, same key and name, is exported.
    let out = env.path("real.p12");
    export(&env, &ca, &out, p(&real), &key).success();
    assert!(out.exists());
}
