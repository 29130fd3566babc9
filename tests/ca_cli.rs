//! End-to-end CA lifecycle through the command line (DESIGN.md §2, §3, §6): root and
//! subordinate CAs, issuance by every profile from generated keys and CSRs, SAN and validity
//! rules, revocation with reasons and holds, listing, showing, verifying with exit codes 0/1/2/3,
//! CRLs, the audit chain (and tampering with it), completions and `--help`.
//!
//! Every test runs the built binary in its own temporary homes. CA keys are unencrypted
//! (`--no-passphrase`) except where the test is about passphrases: scrypt takes about a second in
//! a debug build.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use serde_json::Value;

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| {
            x.as_str()
                .unwrap_or_else(|| panic!("not a string: {x}"))
                .to_string()
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn show_json(env: &Env, ca: &Ca, target: &str) -> Value {
    env.run(&ca.home, ["--json", "cert", "show", target])
        .success()
        .json()
}

fn audit_len(env: &Env, ca: &Ca) -> usize {
    env.run(&ca.home, ["--json", "audit", "show"])
        .success()
        .json()
        .as_array()
        .expect("audit show --json is an array")
        .len()
}

/// Key usage and extended key usage of each profile (DESIGN.md §3), for an EC key.
fn expected_usages(profile: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    match profile {
        "sub-ca" => (set(&["keyCertSign", "cRLSign"]), set(&[])),
        "department" => (
            set(&["digitalSignature"]),
            set(&["clientAuth", "emailProtection"]),
        ),
        "person" => (
            set(&["digitalSignature", "nonRepudiation"]),
            set(&["clientAuth", "emailProtection"]),
        ),
        "seal" => (
            set(&["digitalSignature", "nonRepudiation"]),
            set(&["documentSigning"]),
        ),
        "server" => (set(&["digitalSignature"]), set(&["serverAuth"])),
        "ocsp" => (set(&["digitalSignature"]), set(&["OCSPSigning"])),
        "tsa" => (set(&["digitalSignature"]), set(&["timeStamping"])),
        other => panic!("unknown profile {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Creating CAs

#[test]
fn root_ca_for_each_fast_algorithm() {
    let env = Env::new();
    for (alg, key) in [
        ("p256", "ECDSA P-256"),
        ("p384", "ECDSA P-384"),
        ("ed25519", "Ed25519"),
    ] {
        let name = format!("root-{alg}");
        let ca = env.root_ca(&name, alg, &[]);
        let subject = format!("CN={name} 根CA,{ORG}");

        let info = show_json(&env, &ca, p(&ca.cert));
        assert_eq!(info["key"], key, "{alg}: {info}");
        assert_eq!(json_str(&info, "subject"), subject);
        assert_eq!(json_str(&info, "issuer"), subject, "a root is self-issued");
        assert_eq!(info["is_ca"], true);
        assert_eq!(
            strings(&info["key_usage"]),
            set(&["keyCertSign", "cRLSign"]),
            "{alg}"
        );
        assert!(
            info["ski"].is_string(),
            "a CA certificate has a subject key identifier: {info}"
        );

        // `ca show` prints the same certificate; --json names the algorithm.
        let shown = env.run(&ca.home, ["ca", "show"]).success();
        assert_eq!(
            pem::parse(&shown.stdout).expect("PEM").into_contents(),
            der_of(&ca.cert)
        );
        let meta = env.run(&ca.home, ["--json", "ca", "show"]).success().json();
        // `ca init --json` says `p256`, `ca show --json` says `ECDSA P-256`: accept either.
        assert!(
            meta["algorithm"] == alg || meta["algorithm"] == key,
            "{meta}"
        );
        assert_eq!(meta["key_encrypted"], false);

        // The CA works: a certificate with a key of the same algorithm verifies against it.
        let leaf = env.issue(
            &ca,
            &format!("leaf-{alg}"),
            "person",
            &subject_for("person"),
            &[],
            &["--algorithm", alg],
        );
        assert_eq!(show_json(&env, &ca, p(&leaf.cert))["key"], key);
        env.run(&ca.home, ["cert", "verify", p(&leaf.cert)])
            .success();

        // `cert list` holds what the CA issued, not the CA's own certificate.
        assert_eq!(serials(&list(&env, &ca, &[])), vec![leaf.serial.clone()]);
    }
}

#[test]
fn root_ca_rsa3072() {
    // One RSA-3072 key generation: slow in a debug build, so the leaf uses a P-256 CSR.
    let env = Env::new();
    let ca = env.root_ca("root-rsa", "rsa3072", &[]);
    let info = show_json(&env, &ca, p(&ca.cert));
    assert_eq!(info["key"], "RSA-3072", "{info}");
    assert_eq!(
        info["signature_algorithm"], "1.2.840.113549.1.1.11",
        "sha256WithRSAEncryption: {info}"
    );
    let meta = env.run(&ca.home, ["--json", "ca", "show"]).success().json();
    assert!(
        meta["algorithm"] == "rsa3072" || meta["algorithm"] == "RSA-3072",
        "{meta}"
    );

    let (_, csr) = env.csr_create("dept", &subject_for("department"), &[], &[]);
    let leaf = env.issue_csr(&ca, "dept", "department", &csr, &[]);
    env.run(&ca.home, ["cert", "verify", p(&leaf.cert)])
        .success();
    let crl = env.crl(&ca, "root-rsa.crl", false, &[]);
    env.run(
        &ca.home,
        ["cert", "verify", p(&leaf.cert), "--crl", p(&crl)],
    )
    .success();

    // The independent checks of tests/interop.rs, here because RSA key generation is too slow
    // to do twice.
    if require_tool("openssl") {
        let run = tool(
            "openssl",
            [
                "verify",
                "-x509_strict",
                "-crl_check",
                "-CAfile",
                p(&ca.cert),
                "-CRLfile",
                p(&crl),
                p(&leaf.cert),
            ],
        );
        assert_eq!(run.code, Some(0), "{}", run.describe());
        let run = tool(
            "openssl",
            [
                "crl",
                "-verify",
                "-noout",
                "-CAfile",
                p(&ca.cert),
                "-in",
                p(&crl),
            ],
        );
        assert!(run.stderr.contains("verify OK"), "{}", run.describe());
        tool("openssl", ["pkey", "-in", p(&ca.key()), "-noout"]).success();
    }
    if require_tool("certtool") {
        tool(
            "certtool",
            [
                "--verify",
                "--load-ca-certificate",
                p(&ca.cert),
                "--infile",
                p(&leaf.cert),
            ],
        )
        .success();
    }
    if require_tool("lint_pkix_cert") {
        for cert in [&ca.cert, &leaf.cert] {
            let run = tool("lint_pkix_cert", ["lint", "-s", "ERROR", p(cert)]);
            assert!(
                run.code == Some(0) && run.stdout.trim().is_empty(),
                "{}",
                run.describe()
            );
        }
    }
}

#[test]
fn key_files_are_0600_and_home_dirs_0700() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    assert_eq!(mode(&ca.home), 0o700, "home");
    assert_eq!(mode(&ca.home.join("private")), 0o700, "home/private");
    assert_eq!(mode(&ca.key()), 0o600, "CA key");
    let sub = env.sub_ca("sub", &ca, &[]);
    assert_eq!(mode(&sub.home), 0o700, "subordinate home");
    assert_eq!(mode(&sub.home.join("private")), 0o700);
    assert_eq!(mode(&sub.key()), 0o600, "subordinate CA key");

    let leaf = env.issue(&ca, "leaf", "person", &subject_for("person"), &[], &[]);
    assert_eq!(mode(leaf.key.as_ref().unwrap()), 0o600, "--key-out key");
    let (key, _) = env.csr_create("own", &subject_for("department"), &[], &[]);
    assert_eq!(mode(&key), 0o600, "csr create key");

    let batch = env.write(
        "batch.yaml",
        format!("- subject: \"CN=甲,{DEPT}\"\n  profile: person\n- subject: \"CN=乙,{DEPT}\"\n  profile: seal\n"),
    );
    let out_dir = env.path("issued");
    let lines = env
        .run(
            &ca.home,
            [
                "--json",
                "cert",
                "issue",
                "--batch",
                p(&batch),
                "--out-dir",
                p(&out_dir),
                "--no-key-passphrase",
            ],
        )
        .success()
        .json_lines();
    assert_eq!(lines.len(), 2);
    for l in &lines {
        let serial = json_str(l, "serial");
        assert_eq!(
            mode(&out_dir.join(format!("{serial}.key"))),
            0o600,
            "batch key"
        );
        assert!(out_dir.join(format!("{serial}.pem")).is_file());
    }
}

#[test]
fn ca_init_refuses_a_home_that_holds_a_ca() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let before = std::fs::read(&ca.cert).unwrap();
    let key_before = std::fs::read(ca.key()).unwrap();
    let records = audit_len(&env, &ca);
    let run = env
        .run(
            &ca.home,
            [
                "ca",
                "init",
                "--subject",
                "CN=Another,O=X,C=CN",
                "--no-passphrase",
            ],
        )
        .code(2);
    assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
    assert_eq!(
        std::fs::read(&ca.cert).unwrap(),
        before,
        "the CA certificate is untouched"
    );
    assert_eq!(
        std::fs::read(ca.key()).unwrap(),
        key_before,
        "the CA key is untouched"
    );
    assert_eq!(audit_len(&env, &ca), records);
}

#[test]
fn subordinate_ca_with_path_length_and_name_constraints() {
    let env = Env::new();
    let root = env.root_ca(
        "root",
        "p256",
        &["--crl-url", "http://pki.example.gov.cn/root.crl"],
    );
    let sub = env.sub_ca(
        "sub",
        &root,
        &[
            "--path-len",
            "0",
            "--permit-dns",
            "example.gov.cn",
            "--crl-url",
            "http://pki.example.gov.cn/sub.crl",
        ],
    );
    let root_info = show_json(&env, &root, p(&root.cert));
    let info = show_json(&env, &sub, p(&sub.cert));
    assert_eq!(info["is_ca"], true);
    assert_eq!(info["path_len"], 0, "{info}");
    assert_eq!(info["issuer"], root_info["subject"]);
    assert_eq!(
        info["aki"], root_info["ski"],
        "AKI of the subordinate is the root's SKI"
    );
    assert_eq!(
        strings(&info["crl_urls"]),
        set(&["http://pki.example.gov.cn/root.crl"]),
        "the parent's CRL URL"
    );
    assert_eq!(
        strings(&info["key_usage"]),
        set(&["keyCertSign", "cRLSign"])
    );

    // The parent recorded the subordinate CA certificate; the subordinate starts empty.
    let parent_list = list(&env, &root, &[]);
    let rows = parent_list.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{parent_list}");
    assert_eq!(rows[0]["profile"], "sub-ca");
    assert_eq!(rows[0]["subject"], info["subject"]);
    assert_eq!(
        norm_serial(rows[0]["serial"].as_str().unwrap()),
        norm_serial(info["serial"].as_str().unwrap())
    );
    assert_eq!(list(&env, &sub, &[]), serde_json::json!([]));

    // `ca show --chain`: the subordinate, then the root.
    let chain = env.run(&sub.home, ["ca", "show", "--chain"]).success();
    let blocks = pem::parse_many(&chain.stdout).expect("PEM chain");
    assert_eq!(blocks.len(), 2, "{}", chain.stdout);
    assert_eq!(blocks[0].contents(), der_of(&sub.cert).as_slice());
    assert_eq!(blocks[1].contents(), der_of(&root.cert).as_slice());

    // A certificate inside the constraints verifies, with the home's chain and explicitly.
    let www = env.issue(
        &sub,
        "www",
        "server",
        &format!("CN=www.example.gov.cn,{ORG}"),
        &["dns:www.example.gov.cn"],
        &[],
    );
    let www_info = show_json(&env, &sub, p(&www.cert));
    assert_eq!(
        strings(&www_info["crl_urls"]),
        set(&["http://pki.example.gov.cn/sub.crl"])
    );
    assert_eq!(www_info["aki"], info["ski"]);
    env.run(&sub.home, ["cert", "verify", p(&www.cert)])
        .success();
    env.run(
        &sub.home,
        [
            "cert",
            "verify",
            p(&www.cert),
            "--trust",
            p(&root.cert),
            "--untrusted",
            p(&sub.cert),
        ],
    )
    .success();
}

#[test]
fn names_outside_a_subordinates_constraints_never_verify() {
    let env = Env::new();
    let root = env.root_ca("root", "p256", &[]);
    let sub = env.sub_ca(
        "sub",
        &root,
        &["--path-len", "0", "--permit-dns", "example.gov.cn"],
    );
    let out = env.path("other.pem");
    let run = env.run(
        &sub.home,
        [
            "cert",
            "issue",
            "--profile",
            "server",
            "--subject",
            "CN=www.other.cn,O=X,C=CN",
            "--san",
            "dns:www.other.cn",
            "--key-out",
            p(&env.path("other.key")),
            "--no-key-passphrase",
            "--out",
            p(&out),
        ],
    );
    match run.code {
        Some(2) => assert!(!out.exists(), "refused, and nothing written"),
        Some(0) => {
            // Issued anyway: the verifier must reject it.
            let v = env.run(&sub.home, ["cert", "verify", p(&out)]).code(1);
            assert!(v.stdout.contains("name constraint"), "{}", v.describe());
        }
        _ => panic!("{}", run.describe()),
    }
}

#[test]
fn a_dn_constrained_subordinate_verifies_its_own_certificates() {
    let env = Env::new();
    let root = env.root_ca("root", "p256", &[]);
    let sub = env.sub_ca("sub", &root, &["--permit-dn", ORG]);
    let inside = env.issue(&sub, "inside", "person", &subject_for("person"), &[], &[]);
    let run = env.run(&sub.home, ["cert", "verify", p(&inside.cert)]);
    assert_eq!(
        run.code,
        Some(0),
        "a subject inside the permitted subtree\n{}",
        run.describe()
    );
}

#[test]
fn a_constrained_ca_refuses_to_issue_outside_its_constraints() {
    let env = Env::new();
    let root = env.root_ca("root", "p256", &[]);
    let sub = env.sub_ca(
        "sub",
        &root,
        &["--path-len", "0", "--permit-dns", "example.gov.cn"],
    );
    let before = list(&env, &sub, &[]);
    env.run(
        &sub.home,
        [
            "cert",
            "issue",
            "--profile",
            "server",
            "--subject",
            "CN=www.other.cn,O=X,C=CN",
            "--san",
            "dns:www.other.cn",
            "--key-out",
            p(&env.path("other.key")),
            "--no-key-passphrase",
        ],
    )
    .code(2);
    // pathLen 0: no CA certificate below this one.
    env.run(
        &sub.home,
        [
            "cert",
            "issue",
            "--profile",
            "sub-ca",
            "--subject",
            "CN=Too deep,O=X,C=CN",
            "--key-out",
            p(&env.path("deep.key")),
            "--no-key-passphrase",
        ],
    )
    .code(2);
    env.run(
        &env.path("subsub"),
        [
            "ca",
            "init",
            "--parent",
            p(&sub.home),
            "--subject",
            "CN=Too deep 2,O=X,C=CN",
            "--no-passphrase",
        ],
    )
    .code(2);
    assert_eq!(list(&env, &sub, &[]), before);
}

// ---------------------------------------------------------------------------------------------
// Issuing

#[test]
fn issue_every_profile_from_generated_keys() {
    let env = Env::new();
    let ca = env.root_ca(
        "root",
        "p256",
        &[
            "--crl-url",
            "http://pki.example.gov.cn/root.crl",
            "--ocsp-url",
            "http://ocsp.example.gov.cn",
        ],
    );
    let ca_info = show_json(&env, &ca, p(&ca.cert));
    let mut seen = BTreeSet::new();
    for profile in PROFILES {
        let subject = subject_for(profile);
        let sans = sans_for(profile);
        let issued = env.issue(&ca, profile, profile, &subject, &sans, &[]);
        // --json of cert issue: serial, subject, not_after.
        assert_eq!(json_str(&issued.json, "subject"), subject);
        assert!(issued.json["not_after"].is_string(), "{}", issued.json);
        let serial = &issued.serial;
        assert!(
            serial.len() == 32 && serial.chars().all(|c| c.is_ascii_hexdigit()),
            "a 128-bit serial in hex: {serial}"
        );
        assert!(seen.insert(serial.clone()), "duplicate serial {serial}");

        let info = show_json(&env, &ca, p(&issued.cert));
        assert_eq!(json_str(&info, "serial"), *serial);
        assert_eq!(json_str(&info, "subject"), subject);
        assert_eq!(info["issuer"], ca_info["subject"]);
        assert_eq!(info["is_ca"], profile == "sub-ca", "{profile}: {info}");
        let (ku, eku) = expected_usages(profile);
        assert_eq!(strings(&info["key_usage"]), ku, "{profile} key usage");
        assert_eq!(
            strings(&info["extended_key_usage"]),
            eku,
            "{profile} extended key usage"
        );
        assert_eq!(
            strings(&info["san"]),
            sans.iter().map(|s| s.to_string()).collect(),
            "{profile} SANs"
        );
        assert!(info["ski"].is_string(), "{profile}: SKI");
        assert_eq!(
            info["aki"], ca_info["ski"],
            "{profile}: AKI is the CA's SKI"
        );
        assert_eq!(
            strings(&info["crl_urls"]),
            set(&["http://pki.example.gov.cn/root.crl"]),
            "{profile}: CDP"
        );
        assert_eq!(info["status"], "valid");
        assert_eq!(info["profile"], profile);

        env.run(&ca.home, ["cert", "verify", p(&issued.cert)])
            .success();
    }
    let rows = list(&env, &ca, &[]);
    assert_eq!(serials(&rows).into_iter().collect::<BTreeSet<_>>(), seen);
}

#[test]
fn issue_every_profile_from_csrs() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let openssl = require_tool("openssl");
    for profile in PROFILES {
        let subject = format!("CN={profile} 自有密钥,{DEPT}");
        let sans = sans_for(profile);
        let (key, csr) = env.csr_create(profile, &subject, &sans, &[]);
        let issued = env.issue_csr(&ca, profile, profile, &csr, &[]);
        let info = show_json(&env, &ca, p(&issued.cert));
        assert_eq!(
            json_str(&info, "subject"),
            subject,
            "{profile}: the CSR's subject when --subject is absent"
        );
        assert_eq!(
            strings(&info["san"]),
            sans.iter().map(|s| s.to_string()).collect(),
            "{profile}: the CSR's SANs"
        );
        let (ku, eku) = expected_usages(profile);
        assert_eq!(strings(&info["key_usage"]), ku, "{profile}");
        assert_eq!(strings(&info["extended_key_usage"]), eku, "{profile}");
        assert_eq!(info["is_ca"], profile == "sub-ca");
        if openssl {
            assert_eq!(
                openssl_pubkey("cert", &issued.cert, None),
                openssl_pubkey("key", &key, None),
                "{profile}: the certificate certifies the CSR's key"
            );
        }
    }
}

#[test]
fn rsa_keys_get_key_encipherment_where_the_profile_says() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let csr = env.path("rsa.csr");
    tool(
        "openssl",
        [
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            p(&env.path("rsa.key")),
            "-subj",
            "/C=CN/O=Test/CN=rsa.example.gov.cn",
            "-addext",
            "subjectAltName=DNS:rsa.example.gov.cn",
            "-out",
            p(&csr),
        ],
    )
    .success();
    for (profile, ku) in [
        ("department", set(&["digitalSignature", "keyEncipherment"])),
        ("server", set(&["digitalSignature", "keyEncipherment"])),
        ("person", set(&["digitalSignature", "nonRepudiation"])),
    ] {
        let issued = env.issue_csr(&ca, &format!("rsa-{profile}"), profile, &csr, &[]);
        let info = show_json(&env, &ca, p(&issued.cert));
        assert_eq!(info["key"], "RSA-2048");
        assert_eq!(strings(&info["key_usage"]), ku, "{profile} with an RSA key");
    }
}

#[test]
fn subject_flag_replaces_the_csr_subject() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let (_, csr) = env.csr_create(
        "req",
        "CN=I decide,O=Self-declared,C=US",
        &["email:me@example.gov.cn"],
        &[],
    );
    let forced = format!("CN=张三,{DEPT}");
    let issued = env.issue_csr(&ca, "forced", "person", &csr, &["--subject", &forced]);
    assert_eq!(json_str(&issued.json, "subject"), forced);
    let info = show_json(&env, &ca, p(&issued.cert));
    assert_eq!(json_str(&info, "subject"), forced);
    let row = row(&list(&env, &ca, &[]), &issued.serial).clone();
    assert_eq!(json_str(&row, "subject"), forced);
    assert_eq!(
        list(&env, &ca, &["--department", "信息中心"])
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let own = env.issue_csr(&ca, "own", "person", &csr, &[]);
    assert_eq!(
        json_str(&own.json, "subject"),
        "CN=I decide,O=Self-declared,C=US"
    );
}

#[test]
fn server_certificates_need_a_host_name() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let before = list(&env, &ca, &[]);
    for sans in [
        None,
        Some("email:web@example.gov.cn"),
        Some("uri:https://example.gov.cn/"),
    ] {
        let key = env.path("www.key");
        let out = env.path("www.pem");
        let mut args = vec![
            "cert".to_string(),
            "issue".into(),
            "--profile".into(),
            "server".into(),
            "--subject".into(),
            format!("CN=www,{ORG}"),
            "--key-out".into(),
            p(&key).into(),
            "--no-key-passphrase".into(),
            "--out".into(),
            p(&out).into(),
        ];
        if let Some(s) = sans {
            args.push("--san".into());
            args.push(s.into());
        }
        let run = env.run(&ca.home, &args).code(2);
        assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
        assert!(
            !key.exists() && !out.exists(),
            "nothing written\n{}",
            run.describe()
        );
    }
    // A sub-ca certificate carries no SANs at all.
    env.run(
        &ca.home,
        [
            "cert",
            "issue",
            "--profile",
            "sub-ca",
            "--subject",
            "CN=Sub,O=X,C=CN",
            "--san",
            "dns:sub.example.gov.cn",
            "--key-out",
            p(&env.path("sub.key")),
            "--no-key-passphrase",
        ],
    )
    .code(2);
    assert_eq!(list(&env, &ca, &[]), before, "nothing issued");

    // An IP address alone is enough.
    env.issue(
        &ca,
        "ip",
        "server",
        &format!("CN=10.0.0.1,{ORG}"),
        &["ip:10.0.0.1"],
        &[],
    );
}

#[test]
fn a_csrs_requested_sans_are_kept_only_where_the_profile_allows() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let all = [
        "dns:www.example.gov.cn",
        "email:a@example.gov.cn",
        "ip:10.0.0.7",
        "uri:https://example.gov.cn/a",
    ];
    let (_, csr) = env.csr_create("all", &format!("CN=all,{DEPT}"), &all, &[]);
    for (profile, kept) in [
        ("server", vec!["dns:www.example.gov.cn", "ip:10.0.0.7"]),
        (
            "person",
            vec!["email:a@example.gov.cn", "uri:https://example.gov.cn/a"],
        ),
        (
            "seal",
            vec!["email:a@example.gov.cn", "uri:https://example.gov.cn/a"],
        ),
        (
            "department",
            vec![
                "dns:www.example.gov.cn",
                "email:a@example.gov.cn",
                "uri:https://example.gov.cn/a",
            ],
        ),
        (
            "ocsp",
            vec!["dns:www.example.gov.cn", "uri:https://example.gov.cn/a"],
        ),
        (
            "tsa",
            vec!["dns:www.example.gov.cn", "uri:https://example.gov.cn/a"],
        ),
        ("sub-ca", vec![]),
    ] {
        let issued = env.issue_csr(&ca, &format!("all-{profile}"), profile, &csr, &[]);
        let info = show_json(&env, &ca, p(&issued.cert));
        assert_eq!(strings(&info["san"]), set(&kept), "{profile}");
    }

    // --san replaces the CSR's request.
    let issued = env.issue_csr(
        &ca,
        "explicit",
        "server",
        &csr,
        &["--san", "dns:other.example.gov.cn"],
    );
    assert_eq!(
        strings(&show_json(&env, &ca, p(&issued.cert))["san"]),
        set(&["dns:other.example.gov.cn"])
    );

    // A CSR asking only for an email address cannot become a server certificate.
    let (_, mail_csr) = env.csr_create(
        "mail",
        &format!("CN=mail,{DEPT}"),
        &["email:a@example.gov.cn"],
        &[],
    );
    let before = list(&env, &ca, &[]);
    let out = env.path("mail-server.pem");
    env.run(
        &ca.home,
        [
            "cert",
            "issue",
            "--profile",
            "server",
            "--csr",
            p(&mail_csr),
            "--out",
            p(&out),
        ],
    )
    .code(2);
    assert!(!out.exists());
    assert_eq!(list(&env, &ca, &[]), before);
}

#[test]
fn a_csr_cannot_make_itself_a_ca() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let csr = env.path("evil.csr");
    tool(
        "openssl",
        [
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            p(&env.path("evil.key")),
            "-subj",
            "/C=CN/O=Test/CN=evil",
            "-addext",
            "basicConstraints=critical,CA:TRUE,pathlen:5",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-addext",
            "extendedKeyUsage=serverAuth,codeSigning",
            "-addext",
            "subjectAltName=email:evil@example.gov.cn",
            "-out",
            p(&csr),
        ],
    )
    .success();
    let issued = env.issue_csr(&ca, "evil", "person", &csr, &[]);
    let info = show_json(&env, &ca, p(&issued.cert));
    assert_eq!(info["is_ca"], false, "{info}");
    let (ku, eku) = expected_usages("person");
    assert_eq!(strings(&info["key_usage"]), ku);
    assert_eq!(strings(&info["extended_key_usage"]), eku);
    assert_eq!(strings(&info["san"]), set(&["email:evil@example.gov.cn"]));
    let text = tool(
        "openssl",
        [
            "x509",
            "-in",
            p(&issued.cert),
            "-noout",
            "-ext",
            "basicConstraints",
        ],
    );
    assert!(!text.stdout.contains("CA:TRUE"), "{}", text.describe());
}

#[test]
fn validity_never_passes_the_issuer_s() {
    let env = Env::new();
    let root = env.root_ca("root", "p256", &["--validity", "10y"]);
    let root_after = json_str(&show_json(&env, &root, p(&root.cert)), "not_after");

    // A subordinate asking for more than the root has is refused, not cut (`ca init`, issue
    // #12): 40 years is past the sub-ca maximum, 11 years past the root's end.
    let before = list(&env, &root, &[]);
    let subject = format!("CN=long 业务CA,{ORG}");
    for (validity, says) in [
        (
            "40y",
            "exceeds the maximum of profile `sub-ca`, 7300 days".to_string(),
        ),
        (
            "11y",
            format!("after the parent CA's own notAfter `{root_after}`"),
        ),
    ] {
        let run = env
            .run(
                &env.path("long"),
                [
                    "ca",
                    "init",
                    "--subject",
                    &subject,
                    "--parent",
                    p(&root.home),
                    "--no-passphrase",
                    "--validity",
                    validity,
                ],
            )
            .code(2);
        assert!(run.stderr.contains(&says), "{}", run.describe());
        assert!(!env.path("long/private").exists());
    }
    assert_eq!(list(&env, &root, &[]), before);

    // A short-lived subordinate refuses to issue past its own end (issue #12: exit 2 naming
    // the CA's end, no silent cut), before any key is written or anything recorded.
    let short = env.sub_ca("short", &root, &["--validity", "30d"]);
    let short_after = json_str(&show_json(&env, &short, p(&short.cert)), "not_after");
    let key = env.path("capped.key");
    let before = list(&env, &short, &[]);
    let run = env
        .run(
            &short.home,
            [
                "--json",
                "cert",
                "issue",
                "--profile",
                "person",
                "--subject",
                &subject_for("person"),
                "--key-out",
                p(&key),
                "--no-key-passphrase",
                "--validity",
                "2y",
            ],
        )
        .code(2);
    // A `--json` run's error is JSON on stdout (issue #12).
    assert!(
        run.stdout
            .contains(&format!("after the CA's own notAfter `{short_after}`")),
        "the refusal names the CA's end\n{}",
        run.describe()
    );
    assert!(!run.stderr.contains("warning:"), "{}", run.describe());
    assert!(!key.exists());
    assert_eq!(list(&env, &short, &[]), before);

    // Within the issuer's validity, the request is honoured.
    let ok = env.issue(
        &short,
        "short-ok",
        "person",
        &subject_for("person"),
        &[],
        &["--validity", "7d"],
    );
    assert_ne!(json_str(&ok.json, "not_after"), short_after);
}

#[test]
fn existing_output_files_need_force() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let out = env.write("taken.pem", "keep me\n");
    let key = env.write("taken.key", "keep me too\n");
    let before = list(&env, &ca, &[]);
    let subject = subject_for("person");
    let fresh_key = env.path("fresh.key");
    for args in [
        vec![
            "--key-out",
            p(&fresh_key),
            "--no-key-passphrase",
            "--out",
            p(&out),
        ],
        vec!["--key-out", p(&key), "--no-key-passphrase"],
    ] {
        let mut all = vec![
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            &subject,
        ];
        all.extend(args);
        let run = env.run(&ca.home, &all).code(2);
        assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
        assert!(
            run.stderr.contains("--force"),
            "the hint names --force\n{}",
            run.describe()
        );
        assert!(!fresh_key.exists(), "no key written\n{}", run.describe());
    }
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me\n");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), "keep me too\n");
    assert_eq!(list(&env, &ca, &[]), before, "nothing issued");

    env.run(
        &ca.home,
        [
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            &subject,
            "--key-out",
            p(&key),
            "--no-key-passphrase",
            "--out",
            p(&out),
            "--force",
        ],
    )
    .success();
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
}

#[test]
fn a_key_without_a_passphrase_source_is_an_error_off_a_terminal() {
    let env = Env::new();
    // ca init
    let home = env.path("root");
    let run = env
        .run(&home, ["ca", "init", "--subject", "CN=Root,O=X,C=CN"])
        .code(2);
    assert!(
        run.stderr.contains("--passphrase-file") && run.stderr.contains("--no-passphrase"),
        "{}",
        run.describe()
    );
    assert!(
        !home.join("govpki.db").exists() && !home.join("private/ca.key").exists(),
        "no CA created"
    );

    let ca = env.root_ca("root2", "p256", &[]);
    let before = list(&env, &ca, &[]);
    let key = env.path("k.key");
    let run = env
        .run(
            &ca.home,
            [
                "cert",
                "issue",
                "--profile",
                "person",
                "--subject",
                "CN=x,O=X,C=CN",
                "--key-out",
                p(&key),
            ],
        )
        .code(2);
    assert!(
        run.stderr.contains("--key-passphrase-file") && run.stderr.contains("--no-key-passphrase"),
        "{}",
        run.describe()
    );
    assert!(!key.exists());
    assert_eq!(list(&env, &ca, &[]), before);

    let run = env
        .run(
            &ca.home,
            [
                "csr",
                "create",
                "--subject",
                "CN=x,O=X,C=CN",
                "--key-out",
                p(&key),
            ],
        )
        .code(2);
    assert!(
        run.stderr.contains("--passphrase-file") && run.stderr.contains("--no-passphrase"),
        "{}",
        run.describe()
    );
    assert!(!key.exists());
}

#[test]
fn unknown_profile_and_bad_subject_are_errors() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let key = env.path("k.key");
    for (profile, subject) in [
        ("admin", "CN=x,O=X,C=CN"),
        ("person", "CN=x,,=y"),
        ("person", "CN=x,C=China"),
    ] {
        let run = env
            .run(
                &ca.home,
                [
                    "cert",
                    "issue",
                    "--profile",
                    profile,
                    "--subject",
                    subject,
                    "--key-out",
                    p(&key),
                    "--no-key-passphrase",
                ],
            )
            .code(2);
        assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
        assert!(!key.exists());
    }
    assert_eq!(list(&env, &ca, &[]), serde_json::json!([]));
}

// ---------------------------------------------------------------------------------------------
// Revoking, listing, showing

#[test]
fn revoke_with_reasons_invalidity_date_hold_and_release() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let a = env.issue(&ca, "a", "person", &format!("CN=甲,{DEPT}"), &[], &[]);
    let b = env.issue(&ca, "b", "person", &format!("CN=乙,{DEPT}"), &[], &[]);
    let c = env.issue(&ca, "c", "department", &subject_for("department"), &[], &[]);
    let d = env.issue(&ca, "d", "seal", &subject_for("seal"), &[], &[]);

    // Serials as openssl prints them, in lower case and with colons.
    let colons = a
        .serial
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(":");
    let invalidity = days_from_now(-2);
    let run = env
        .run(
            &ca.home,
            [
                "--json",
                "cert",
                "revoke",
                &colons,
                "--reason",
                "keyCompromise",
                "--invalidity-date",
                &invalidity,
            ],
        )
        .success();
    assert_eq!(run.json()["revoked"], serde_json::json!([a.serial]));
    env.run(
        &ca.home,
        ["cert", "revoke", &b.serial, "--reason", "certificateHold"],
    )
    .success();
    let from_file = env.write(
        "leavers.txt",
        format!("# leavers\n\n{}  # seal\n", d.serial.to_ascii_lowercase()),
    );
    env.run(
        &ca.home,
        [
            "cert",
            "revoke",
            "--from-file",
            p(&from_file),
            "--reason",
            "affiliationChanged",
        ],
    )
    .success();

    // Already revoked, unknown serial, future invalidity date, removeFromCRL, bad reason: errors
    // that change nothing (all or none).
    let before = list(&env, &ca, &[]);
    let records = audit_len(&env, &ca);
    for args in [
        vec!["cert", "revoke", &a.serial],
        vec![
            "cert",
            "revoke",
            &c.serial,
            "4ABCDEF0123456789ABCDEF012345678",
        ],
        vec![
            "cert",
            "revoke",
            &c.serial,
            "--invalidity-date",
            "2999-01-01T00:00:00Z",
        ],
        vec!["cert", "revoke", &c.serial, "--reason", "removeFromCRL"],
        vec!["cert", "revoke", &c.serial, "--reason", "bored"],
        vec!["cert", "revoke", "not-hex"],
        vec!["cert", "release", &c.serial],
        vec!["cert", "release", &a.serial],
    ] {
        let run = env.run(&ca.home, &args).code(2);
        assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
    }
    assert_eq!(
        list(&env, &ca, &[]),
        before,
        "failed revocations change nothing"
    );
    assert_eq!(
        audit_len(&env, &ca),
        records,
        "failed revocations are not audited as changes"
    );

    // The CRL lists a, b (on hold) and d with their reasons; c is valid.
    let crl = env.crl(&ca, "1.crl", false, &[]);
    let shown = env
        .run(&ca.home, ["--json", "crl", "show", p(&crl)])
        .success()
        .json();
    let reasons: BTreeSet<(String, String)> = shown["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (json_str(e, "serial"), json_str(e, "reason")))
        .collect();
    assert_eq!(
        reasons,
        [
            (a.serial.clone(), "keyCompromise".to_string()),
            (b.serial.clone(), "certificateHold".to_string()),
            (d.serial.clone(), "affiliationChanged".to_string()),
        ]
        .into_iter()
        .collect()
    );
    for (cert, code) in [(&a, 1), (&b, 1), (&c, 0), (&d, 1)] {
        let run = env
            .run(
                &ca.home,
                ["cert", "verify", p(&cert.cert), "--crl", p(&crl)],
            )
            .code(code);
        if code == 1 {
            assert!(run.stdout.contains("revoked"), "{}", run.describe());
        }
    }
    let b_show = show_json(&env, &ca, &b.serial);
    assert_eq!(b_show["reason"], "certificateHold");

    // Release the hold: b is valid again and leaves the next CRL.
    env.run(
        &ca.home,
        ["cert", "release", &b.serial.to_ascii_lowercase()],
    )
    .success();
    assert_eq!(row(&list(&env, &ca, &[]), &b.serial)["status"], "valid");
    let crl2 = env.crl(&ca, "2.crl", false, &[]);
    let shown2 = env
        .run(&ca.home, ["--json", "crl", "show", p(&crl2)])
        .success()
        .json();
    assert_eq!(shown2["entries"].as_array().unwrap().len(), 2);
    env.run(&ca.home, ["cert", "verify", p(&b.cert), "--crl", p(&crl2)])
        .success();

    // A held certificate may be revoked for good.
    env.run(
        &ca.home,
        ["cert", "revoke", &c.serial, "--reason", "certificateHold"],
    )
    .success();
    env.run(
        &ca.home,
        ["cert", "revoke", &c.serial, "--reason", "keyCompromise"],
    )
    .success();
    let c_show = show_json(&env, &ca, &c.serial);
    assert_eq!(c_show["status"], "revoked");
    assert_eq!(c_show["reason"], "keyCompromise");
    env.run(&ca.home, ["cert", "release", &c.serial]).code(2);
}

/// The reason names `cert revoke --help` documents.
fn documented_reasons(env: &Env) -> Vec<String> {
    let help = env
        .run(&env.path("none"), ["cert", "revoke", "--help"])
        .success()
        .stdout;
    let start = help
        .find("Reasons:")
        .expect("`cert revoke --help` lists the reasons");
    let text = &help[start + "Reasons:".len()..];
    let end = text.find("\n\n").unwrap_or(text.len());
    text[..end]
        .split([',', '.', '\n'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn every_documented_reason_is_accepted_and_shown_by_the_same_name() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let reasons = documented_reasons(&env);
    assert!(reasons.len() >= 9, "{reasons:?}");
    let mut failures = Vec::new();
    for (i, reason) in reasons.iter().enumerate() {
        let c = env.issue(
            &ca,
            &format!("r{i}"),
            "person",
            &subject_for("person"),
            &[],
            &[],
        );
        let run = env.run(&ca.home, ["cert", "revoke", &c.serial, "--reason", reason]);
        if run.code != Some(0) {
            failures.push(format!(
                "--reason {reason}: {}",
                run.stderr.lines().next().unwrap_or("")
            ));
            continue;
        }
        let shown = show_json(&env, &ca, &c.serial);
        if shown["reason"] != reason.as_str() {
            failures.push(format!("--reason {reason} is shown as {}", shown["reason"]));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_subordinate_ca_certificate_verifies() {
    let env = Env::new();
    let root = env.root_ca("root", "p256", &[]);
    let sub = env.sub_ca("sub", &root, &[]);
    env.run(&root.home, ["cert", "verify", p(&sub.cert)])
        .success();
    env.run(
        &sub.home,
        ["cert", "verify", p(&sub.cert), "--trust", p(&root.cert)],
    )
    .success();
}

#[test]
fn cert_list_filters_and_json_fields() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let sub = env.sub_ca("sub", &ca, &[]);
    let _ = sub;
    let person = env.issue(
        &ca,
        "person",
        "person",
        &format!("CN=张三,OU=信息中心,{ORG}"),
        &[],
        &[],
    );
    let seal = env.issue(
        &ca,
        "seal",
        "seal",
        &format!("CN=公章,OU=财政局,{ORG}"),
        &[],
        &[],
    );
    let server = env.issue(
        &ca,
        "server",
        "server",
        &format!("CN=www,{ORG}"),
        &["dns:www.example.gov.cn"],
        &["--validity", "10d"],
    );
    let revoked = env.issue(
        &ca,
        "revoked",
        "person",
        &format!("CN=李四,OU=信息中心,{ORG}"),
        &[],
        &[],
    );
    env.run(
        &ca.home,
        ["cert", "revoke", &revoked.serial, "--reason", "superseded"],
    )
    .success();
    let expired = env.issue(
        &ca,
        "expired",
        "person",
        &format!("CN=王五,OU=信息中心,{ORG}"),
        &[],
        &["--validity", "2s"],
    );
    std::thread::sleep(std::time::Duration::from_millis(3100));

    let all = list(&env, &ca, &[]);
    let rows = all.as_array().unwrap();
    assert_eq!(
        rows.len(),
        6,
        "five certificates and the subordinate CA: {all}"
    );
    for r in rows {
        for field in ["serial", "subject", "profile", "status"] {
            assert!(r[field].is_string(), "`{field}` in {r}");
        }
        let status = r["status"].as_str().unwrap();
        assert!(
            ["valid", "revoked", "expired"].contains(&status),
            "status `{status}` is not valid|revoked|expired"
        );
    }
    assert_eq!(row(&all, &person.serial)["status"], "valid");
    assert_eq!(row(&all, &person.serial)["profile"], "person");
    assert_eq!(
        row(&all, &person.serial)["subject"],
        format!("CN=张三,OU=信息中心,{ORG}")
    );
    assert_eq!(row(&all, &revoked.serial)["status"], "revoked");
    assert_eq!(row(&all, &expired.serial)["status"], "expired");

    let only = |filters: &[&str]| -> BTreeSet<String> {
        serials(&list(&env, &ca, filters)).into_iter().collect()
    };
    let s = |i: &[&Issued]| -> BTreeSet<String> { i.iter().map(|x| x.serial.clone()).collect() };
    assert_eq!(only(&["--status", "revoked"]), s(&[&revoked]));
    assert_eq!(only(&["--status", "expired"]), s(&[&expired]));
    assert!(!only(&["--status", "valid"]).contains(&expired.serial));
    assert!(!only(&["--status", "valid"]).contains(&revoked.serial));
    assert_eq!(only(&["--profile", "seal"]), s(&[&seal]));
    assert_eq!(
        only(&["--profile", "person", "--status", "valid"]),
        s(&[&person])
    );
    assert_eq!(
        only(&["--department", "信息中心"]),
        s(&[&person, &revoked, &expired])
    );
    assert_eq!(only(&["--department", "财政局"]), s(&[&seal]));
    assert_eq!(
        only(&["--department", "信息中心", "--status", "valid"]),
        s(&[&person])
    );
    assert_eq!(
        only(&["--expiring", "30d"]),
        s(&[&server]),
        "valid and ending within 30 days"
    );
    assert_eq!(only(&["--profile", "ocsp"]), BTreeSet::new());

    // Text output: one line per certificate.
    let text = env
        .run(&ca.home, ["cert", "list", "--profile", "person"])
        .success();
    assert_eq!(text.stdout.lines().count(), 3, "{}", text.describe());
    assert!(text.stdout.contains(&person.serial));

    // Bad filters are errors.
    env.run(&ca.home, ["cert", "list", "--status", "lost"])
        .code(2);
    env.run(&ca.home, ["cert", "list", "--profile", "admin"])
        .code(2);
    env.run(&ca.home, ["cert", "list", "--expiring", "soon"])
        .code(2);
}

#[test]
fn a_held_certificate_is_listed_as_revoked() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let held = env.issue(&ca, "held", "person", &subject_for("person"), &[], &[]);
    env.run(
        &ca.home,
        [
            "cert",
            "revoke",
            &held.serial,
            "--reason",
            "certificateHold",
        ],
    )
    .success();
    let all = list(&env, &ca, &[]);
    assert_eq!(
        row(&all, &held.serial)["status"],
        "revoked",
        "DESIGN §2: status is valid|revoked|expired"
    );
    assert_eq!(
        serials(&list(&env, &ca, &["--status", "revoked"])),
        vec![held.serial.clone()]
    );
}

#[test]
fn cert_show_by_serial_and_by_file() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let issued = env.issue(
        &ca,
        "www",
        "server",
        &format!("CN=www.example.gov.cn,{ORG}"),
        &["dns:www.example.gov.cn"],
        &[],
    );
    let der = env.write("www.der", der_of(&issued.cert));

    let by_serial = show_json(&env, &ca, &issued.serial);
    let lower_colons = issued
        .serial
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(":");
    let by_colons = show_json(&env, &ca, &lower_colons);
    let by_pem = show_json(&env, &ca, p(&issued.cert));
    let by_der = show_json(&env, &ca, p(&der));
    for (what, v) in [("colons", &by_colons), ("pem", &by_pem), ("der", &by_der)] {
        for k in [
            "subject",
            "issuer",
            "serial",
            "not_before",
            "not_after",
            "san",
            "sha256_fingerprint",
        ] {
            assert_eq!(v[k], by_serial[k], "{what}: `{k}`");
        }
    }
    assert_eq!(json_str(&by_serial, "serial"), issued.serial);
    assert_eq!(by_serial["status"], "valid");
    assert_eq!(by_serial["profile"], "server");
    assert_eq!(
        by_pem["status"], "valid",
        "a file of this CA gets its store status"
    );
    assert_eq!(
        json_str(&by_serial, "not_after"),
        json_str(&issued.json, "not_after")
    );

    let text = env
        .run(&ca.home, ["cert", "show", &issued.serial])
        .success();
    for needle in ["www.example.gov.cn", &issued.serial, "serverAuth", "valid"] {
        assert!(
            text.stdout.contains(needle),
            "`{needle}` in\n{}",
            text.describe()
        );
    }

    // A certificate of another CA shows from its file, without a store status.
    let other = env.root_ca("other", "p256", &[]);
    let foreign = show_json(&env, &ca, p(&other.cert));
    assert!(foreign["status"].is_null(), "{foreign}");

    // Unknown serial, neither file nor serial: errors.
    let run = env
        .run(
            &ca.home,
            ["cert", "show", "4ABCDEF0123456789ABCDEF012345678"],
        )
        .code(2);
    assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
    env.run(&ca.home, ["cert", "show", "no-such-file.pem"])
        .code(2);

    // Revoked: the store status says so.
    env.run(
        &ca.home,
        [
            "cert",
            "revoke",
            &issued.serial,
            "--reason",
            "keyCompromise",
        ],
    )
    .success();
    let v = show_json(&env, &ca, &issued.serial);
    assert_eq!(v["status"], "revoked");
    assert_eq!(v["reason"], "keyCompromise");
}

// ---------------------------------------------------------------------------------------------
// Verifying

#[test]
fn cert_verify_exit_codes() {
    let env = Env::new();
    let root = env.root_ca("root", "p256", &[]);
    let sub = env.sub_ca("sub", &root, &[]);
    let leaf = env.issue(
        &sub,
        "leaf",
        "person",
        &subject_for("person"),
        &["email:zs@example.gov.cn"],
        &[],
    );
    let gone = env.issue(&sub, "gone", "person", &format!("CN=离职,{DEPT}"), &[], &[]);
    let trust = ["--trust", p(&root.cert), "--untrusted", p(&sub.cert)];
    let verify = |file: &Path, extra: &[&str], code: i32| -> Run {
        let mut args = vec!["cert", "verify", p(file)];
        args.extend_from_slice(&trust);
        args.extend_from_slice(extra);
        env.run(&sub.home, &args).code(code)
    };

    // 0: valid now, with the home's chain by default, as DER too.
    let ok = env
        .run(&sub.home, ["cert", "verify", p(&leaf.cert)])
        .success();
    assert!(ok.stdout.contains("valid"), "{}", ok.describe());
    let der = env.write("leaf.der", der_of(&leaf.cert));
    verify(&der, &[], 0);
    // A bundle: the end entity followed by its intermediate.
    let bundle = env.write(
        "bundle.pem",
        format!(
            "{}{}",
            std::fs::read_to_string(&leaf.cert).unwrap(),
            std::fs::read_to_string(&sub.cert).unwrap()
        ),
    );
    env.run(
        &sub.home,
        ["cert", "verify", p(&bundle), "--trust", p(&root.cert)],
    )
    .success();

    // 1: expired, not yet valid.
    let run = verify(&leaf.cert, &["--at", &days_from_now(3 * 365)], 1);
    assert!(run.stdout.contains("expired"), "{}", run.describe());
    verify(&leaf.cert, &["--at", &days_from_now(-1)], 1);

    // Purposes: none means any; the right one passes; a wrong one is 1.
    verify(&leaf.cert, &["--purpose", "client-auth"], 0);
    verify(&leaf.cert, &["--purpose", "email-protection"], 0);
    let run = verify(&leaf.cert, &["--purpose", "server-auth"], 1);
    let json = env
        .run(
            &sub.home,
            [
                "--json",
                "cert",
                "verify",
                p(&leaf.cert),
                "--purpose",
                "server-auth",
            ],
        )
        .code(1)
        .json();
    assert_eq!(json["verdict"], "invalid", "{}", run.describe());

    // CRLs: revoked is 1; a CRL for the issuer present and fresh is 0.
    env.run(
        &sub.home,
        ["cert", "revoke", &gone.serial, "--reason", "keyCompromise"],
    )
    .success();
    let sub_crl = env.crl(&sub, "sub.crl", false, &["--next-update", "1d"]);
    let sub_crl_der = env.crl(&sub, "sub.der.crl", true, &["--next-update", "1d"]);
    let root_crl = env.crl(&root, "root.crl", false, &[]);
    // 3 with the issuer's CRL alone: the sub-CA itself is not covered by any CRL given (DESIGN
    // §2, as `openssl verify -crl_check_all`), and the report names it.
    let run = verify(&leaf.cert, &["--crl", p(&sub_crl)], 3);
    assert!(
        run.stdout
            .contains("do not decide the revocation of `CN=sub"),
        "{}",
        run.describe()
    );
    let ok = verify(
        &leaf.cert,
        &["--crl", p(&sub_crl_der), "--crl", p(&root_crl)],
        0,
    );
    assert!(
        ok.stdout.contains("checked, not revoked (--crl #2)"),
        "{}",
        ok.describe()
    );
    let run = verify(&gone.cert, &["--crl", p(&sub_crl)], 1);
    assert!(run.stdout.contains("revoked"), "{}", run.describe());
    let json = env
        .run(
            &sub.home,
            [
                "--json",
                "cert",
                "verify",
                p(&gone.cert),
                "--crl",
                p(&sub_crl_der),
            ],
        )
        .code(1)
        .json();
    assert_eq!(json["verdict"], "invalid");

    // 3: CRLs given, but none from the end entity's issuer.
    let run = verify(&leaf.cert, &["--crl", p(&root_crl)], 3);
    let json = env
        .run(
            &sub.home,
            [
                "--json",
                "cert",
                "verify",
                p(&leaf.cert),
                "--crl",
                p(&root_crl),
            ],
        )
        .code(3)
        .json();
    assert_eq!(json["verdict"], "indeterminate", "{}", run.describe());
    // 3: the issuer's CRL is past its nextUpdate at the verification time.
    let run = verify(
        &leaf.cert,
        &[
            "--crl",
            p(&sub_crl),
            "--crl",
            p(&root_crl),
            "--at",
            &days_from_now(3),
        ],
        3,
    );
    assert!(run.stdout.contains("nextUpdate"), "{}", run.describe());

    // 1: an intermediate revoked on its issuer's CRL.
    let sub_serial = serials(&list(&env, &root, &[]))[0].clone();
    env.run(
        &root.home,
        ["cert", "revoke", &sub_serial, "--reason", "superseded"],
    )
    .success();
    let root_crl2 = env.crl(&root, "root2.crl", false, &[]);
    let run = verify(
        &leaf.cert,
        &["--crl", p(&sub_crl), "--crl", p(&root_crl2)],
        1,
    );
    // The report names the revoked certificate of the chain.
    assert!(
        run.stdout
            .contains("a certificate in the chain is revoked: `CN=sub"),
        "{}",
        run.describe()
    );
    // With the sub-CA's CRL alone, its revocation is not decided: 3, not "checked".
    verify(&leaf.cert, &["--crl", p(&sub_crl)], 3);

    // 1: another trust anchor; a damaged signature.
    let other = env.root_ca("other", "p256", &[]);
    env.run(
        &sub.home,
        ["cert", "verify", p(&leaf.cert), "--trust", p(&other.cert)],
    )
    .code(1);
    let mut bad = der_of(&leaf.cert);
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    let bad = env.write("bad-sig.der", bad);
    verify(&bad, &[], 1);

    // 2: unreadable inputs.
    verify(&env.path("missing.pem"), &[], 2);
    verify(&leaf.cert, &["--crl", p(&env.path("missing.crl"))], 2);
    verify(&leaf.cert, &["--at", "yesterday"], 2);
    verify(&leaf.cert, &["--purpose", "everything"], 2);
}

// ---------------------------------------------------------------------------------------------
// CRLs

#[test]
fn crl_generate_and_show() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let a = env.issue(&ca, "a", "person", &subject_for("person"), &[], &[]);
    env.run(
        &ca.home,
        ["cert", "revoke", &a.serial, "--reason", "keyCompromise"],
    )
    .success();

    let out = env.path("pub/root.crl");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let first = env
        .run(
            &ca.home,
            [
                "--json",
                "crl",
                "generate",
                "--out",
                p(&out),
                "--next-update",
                "2d",
            ],
        )
        .success()
        .json();
    assert_eq!(first["number"], 1);
    assert_eq!(first["entries"], 1);
    // The home keeps a copy of the latest CRL, under the name `crl generate --help` gives.
    let help = env
        .run(&ca.home, ["crl", "generate", "--help"])
        .success()
        .stdout;
    let named = help
        .split_whitespace()
        .find_map(|w| w.strip_prefix("HOME/crl."))
        .map(|ext| {
            format!(
                "crl.{}",
                ext.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
            )
        })
        .expect("`crl generate --help` names the home's copy of the CRL");
    assert!(
        ca.home.join(&named).is_file(),
        "HOME/{named} (as --help says) is written; the home holds {:?}",
        std::fs::read_dir(&ca.home)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect::<Vec<_>>()
    );

    let shown = env
        .run(&ca.home, ["--json", "crl", "show", p(&out)])
        .success()
        .json();
    assert_eq!(shown["number"].to_string().trim_matches('"'), "1");
    assert_eq!(
        shown["issuer"],
        show_json(&env, &ca, p(&ca.cert))["subject"]
    );
    assert_eq!(shown["expired"], false);
    assert_eq!(shown["next_update"], first["next_update"]);
    assert_eq!(shown["entries"][0]["serial"], a.serial.as_str());
    assert_eq!(shown["entries"][0]["reason"], "keyCompromise");
    assert!(
        shown["signature"].as_str().unwrap().contains("verified"),
        "{shown}"
    );

    // Publishing replaces the file (no --force needed) and the number grows.
    let second = env
        .run(
            &ca.home,
            ["--json", "crl", "generate", "--out", p(&out), "--der"],
        )
        .success()
        .json();
    assert_eq!(second["number"], 2);
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(bytes[0], 0x30, "--der writes DER");
    let shown = env
        .run(&ca.home, ["--json", "crl", "show", p(&out)])
        .success()
        .json();
    assert_eq!(shown["number"].to_string().trim_matches('"'), "2");

    // Text report, and the PEM on stdout without --out.
    let text = env.run(&ca.home, ["crl", "show", p(&out)]).success();
    assert!(
        text.stdout.contains(&a.serial) && text.stdout.contains("keyCompromise"),
        "{}",
        text.describe()
    );
    let stdout = env.run(&ca.home, ["crl", "generate"]).success();
    assert!(
        stdout.stdout.contains("-----BEGIN X509 CRL-----"),
        "{}",
        stdout.describe()
    );

    // Past nextUpdate: shown as expired (checked with the signature of this home's CA).
    let short = env.crl(&ca, "short.crl", false, &["--next-update", "1s"]);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let shown = env
        .run(&ca.home, ["--json", "crl", "show", p(&short)])
        .success()
        .json();
    assert_eq!(shown["expired"], true, "{shown}");

    // Another CA's CRL does not verify against this home, but is shown.
    let other = env.root_ca("other", "p256", &[]);
    let other_crl = env.crl(&other, "other.crl", false, &[]);
    let shown = env
        .run(&ca.home, ["--json", "crl", "show", p(&other_crl)])
        .success()
        .json();
    assert!(
        shown["signature"].as_str().unwrap().contains("not checked"),
        "{shown}"
    );

    env.run(&ca.home, ["crl", "generate", "--next-update", "soon"])
        .code(2);
}

// ---------------------------------------------------------------------------------------------
// Audit

#[test]
fn every_state_change_is_audited_and_the_chain_verifies() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let a = env.issue(&ca, "a", "person", &subject_for("person"), &[], &[]);
    env.run(
        &ca.home,
        ["cert", "revoke", &a.serial, "--reason", "certificateHold"],
    )
    .success();
    env.run(&ca.home, ["cert", "release", &a.serial]).success();
    env.crl(&ca, "root.crl", false, &[]);
    let sub = env.sub_ca("sub", &ca, &[]);

    let records = env
        .run(&ca.home, ["--json", "audit", "show"])
        .success()
        .json();
    let records = records.as_array().unwrap();
    let actions: Vec<&str> = records
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for expected in ["ca.init", "cert.issue", "cert.revoke", "cert.release"] {
        assert!(actions.contains(&expected), "`{expected}` in {actions:?}");
    }
    assert!(
        actions.iter().any(|a| a.starts_with("crl")),
        "a CRL publication in {actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "cert.issue").count(),
        2,
        "the leaf and the subordinate CA"
    );
    for (i, r) in records.iter().enumerate() {
        for k in ["time", "actor", "action", "object", "outcome", "hash"] {
            assert!(r[k].is_string(), "`{k}` in {r}");
        }
        assert_eq!(r["seq"], i as u64 + 1);
        if i > 0 {
            assert_eq!(r["prev_hash"], records[i - 1]["hash"], "hash chain");
        }
    }
    assert!(
        records
            .iter()
            .any(|r| r["object"].as_str().unwrap().contains(&a.serial))
    );
    assert!(
        records[0]["actor"]
            .as_str()
            .unwrap()
            .contains("govpki-test"),
        "actor is the local user"
    );

    // --since filters by time.
    let future = env
        .run(
            &ca.home,
            ["--json", "audit", "show", "--since", &days_from_now(1)],
        )
        .success()
        .json();
    assert_eq!(future, serde_json::json!([]));

    let ok = env.run(&ca.home, ["audit", "verify"]).success();
    assert!(ok.stdout.contains("intact"), "{}", ok.describe());
    let ok = env
        .run(&ca.home, ["--json", "audit", "verify"])
        .success()
        .json();
    assert_eq!(ok["intact"], true);
    assert_eq!(ok["records"], records.len());
    env.run(&sub.home, ["audit", "verify"]).success();
    let text = env.run(&ca.home, ["audit", "show"]).success();
    assert_eq!(text.stdout.lines().count(), records.len());
}

#[test]
fn audit_verify_names_an_edited_record() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let a = env.issue(&ca, "a", "person", &subject_for("person"), &[], &[]);
    env.issue(&ca, "b", "person", &subject_for("person"), &[], &[]);
    env.run(&ca.home, ["cert", "revoke", &a.serial]).success();
    env.run(&ca.home, ["audit", "verify"]).success();

    // Edit record 2 (a's issuance) behind govpki's back.
    {
        let db = rusqlite::Connection::open(ca.db()).expect("open the store");
        let n = db
            .execute(
                "UPDATE audit SET object = object || ' (edited)' WHERE seq = 2",
                [],
            )
            .expect("edit the audit table");
        assert_eq!(n, 1);
    }
    let run = env.run(&ca.home, ["audit", "verify"]).code(1);
    assert!(
        run.stdout.contains("record 2"),
        "names the edited record\n{}",
        run.describe()
    );
    let json = env
        .run(&ca.home, ["--json", "audit", "verify"])
        .code(1)
        .json();
    assert_eq!(json["intact"], false);
    assert_eq!(json["broken"]["seq"], 2, "{json}");
}

#[test]
fn audit_verify_names_the_record_after_a_deleted_one() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    for n in ["a", "b", "c"] {
        env.issue(&ca, n, "person", &subject_for("person"), &[], &[]);
    }
    {
        let db = rusqlite::Connection::open(ca.db()).expect("open the store");
        db.execute("DELETE FROM audit WHERE seq = 3", [])
            .expect("delete a record");
    }
    let json = env
        .run(&ca.home, ["--json", "audit", "verify"])
        .code(1)
        .json();
    assert_eq!(
        json["broken"]["seq"], 4,
        "the first record whose chain breaks: {json}"
    );
}

// ---------------------------------------------------------------------------------------------
// Passphrases

#[test]
fn a_passphrase_is_never_echoed() {
    const CA_PASS: &str = "Ca-Pa55-never-echo-7f3c1d";
    const KEY_PASS: &str = "Key-Pa55-never-echo-91ab";
    const WRONG: &str = "Wrong-Pa55-never-echo-55e0";
    let env = Env::new();
    let ca_pass = env.passphrase_file("ca.pass", CA_PASS);
    let key_pass = env.passphrase_file("key.pass", KEY_PASS);
    let wrong = env.passphrase_file("wrong.pass", WRONG);
    let home = env.path("root");
    let mut outputs = Vec::new();

    let run = env
        .run(
            &home,
            [
                "-v",
                "ca",
                "init",
                "--subject",
                &format!("CN=Root,{ORG}"),
                "--passphrase-file",
                p(&ca_pass),
            ],
        )
        .success();
    outputs.push(run.all_output());
    let ca = Ca::at(home);
    let meta = env.run(&ca.home, ["--json", "ca", "show"]).success();
    assert_eq!(meta.json()["key_encrypted"], true);
    outputs.push(meta.all_output());
    assert!(
        std::fs::read_to_string(ca.key())
            .unwrap()
            .contains("BEGIN ENCRYPTED PRIVATE KEY")
    );

    let key = env.path("leaf.key");
    let run = env
        .run(
            &ca.home,
            [
                "-v",
                "--json",
                "cert",
                "issue",
                "--profile",
                "person",
                "--subject",
                &subject_for("person"),
                "--key-out",
                p(&key),
                "--key-passphrase-file",
                p(&key_pass),
                "--passphrase-file",
                p(&ca_pass),
            ],
        )
        .success();
    outputs.push(run.all_output());
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .contains("BEGIN ENCRYPTED PRIVATE KEY")
    );

    // A wrong passphrase: exit 2, nothing issued, no key written, the passphrase not shown.
    let before = list(&env, &ca, &[]);
    let key2 = env.path("leaf2.key");
    let run = env
        .run(
            &ca.home,
            [
                "cert",
                "issue",
                "--profile",
                "person",
                "--subject",
                &subject_for("person"),
                "--key-out",
                p(&key2),
                "--no-key-passphrase",
                "--passphrase-file",
                p(&wrong),
            ],
        )
        .code(2);
    assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
    assert!(
        run.stderr.contains("passphrase"),
        "says what is wrong\n{}",
        run.describe()
    );
    outputs.push(run.all_output());
    assert!(!key2.exists());
    assert_eq!(list(&env, &ca, &[]), before);

    let run = env
        .run(
            &ca.home,
            ["-v", "crl", "generate", "--passphrase-file", p(&ca_pass)],
        )
        .success();
    outputs.push(run.all_output());
    outputs.push(
        env.run(&ca.home, ["--json", "audit", "show"])
            .success()
            .all_output(),
    );

    for out in &outputs {
        for secret in [CA_PASS, KEY_PASS, WRONG] {
            assert!(!out.contains(secret), "a passphrase was printed:\n{out}");
        }
    }
    let db = std::fs::read(ca.db()).unwrap();
    for secret in [CA_PASS, KEY_PASS, WRONG] {
        assert!(
            !db.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "a passphrase is in the store"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Output plumbing, docs

#[test]
fn a_closed_stdout_exits_quietly() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    env.issue(&ca, "a", "person", &subject_for("person"), &[], &[]);
    for args in [
        vec!["audit", "show"],
        vec!["cert", "list"],
        vec!["ca", "show"],
    ] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = common::govpki(&ca.home, env.root())
            .args(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("spawn govpki");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: a broken pipe exits quietly\n{stderr}"
        );
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_closed_stdout_exits_quietly_with_json() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    env.issue(&ca, "a", "person", &subject_for("person"), &[], &[]);
    for args in [
        vec!["--json", "audit", "show"],
        vec!["--json", "cert", "list"],
        vec!["--json", "ca", "show"],
    ] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = common::govpki(&ca.home, env.root())
            .args(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("spawn govpki");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: a broken pipe exits quietly\n{stderr}"
        );
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}

#[test]
fn completions_for_each_shell() {
    let env = Env::new();
    let home = env.path("none");
    for shell in ["bash", "zsh", "fish"] {
        let run = env.run(&home, ["completions", shell]).success();
        assert!(run.stdout.contains("govpki"), "{shell}");
        assert!(
            run.stdout.contains("issue") && run.stdout.contains("revoke"),
            "{shell} completes subcommands"
        );
    }
    let bash = env.run(&home, ["completions", "bash"]).success();
    assert!(bash.stdout.contains("complete") && bash.stdout.contains("_govpki"));
    env.run(&home, ["completions", "tcsh"]).code(2);
}

/// Every leaf command, found by walking `--help`'s "Commands:" sections.
fn leaf_commands(env: &Env, path: Vec<String>) -> Vec<Vec<String>> {
    let mut args = path.clone();
    args.push("--help".into());
    let run = env.run(&env.path("none"), &args).success();
    let mut subs = Vec::new();
    let mut in_commands = false;
    for line in run.stdout.lines() {
        if line.trim_end() == "Commands:" {
            in_commands = true;
            continue;
        }
        if in_commands {
            if line.trim().is_empty() {
                in_commands = false;
                continue;
            }
            if line.starts_with("  ") && !line.starts_with("   ") {
                let name = line.split_whitespace().next().unwrap().to_string();
                if name != "help" {
                    subs.push(name);
                }
            }
        }
    }
    if subs.is_empty() {
        return vec![path];
    }
    subs.into_iter()
        .flat_map(|s| {
            let mut p = path.clone();
            p.push(s);
            leaf_commands(env, p)
        })
        .collect()
}

#[test]
fn help_of_every_verb_has_examples_and_exit_codes() {
    let env = Env::new();
    let leaves = leaf_commands(&env, vec![]);
    for expected in [
        "ca init",
        "ca show",
        "cert issue",
        "cert revoke",
        "cert list",
        "cert show",
        "cert verify",
        "csr create",
        "crl generate",
        "crl show",
        "audit show",
        "audit verify",
        "completions",
    ] {
        assert!(
            leaves.iter().any(|l| l.join(" ") == expected),
            "`{expected}` in {leaves:?}"
        );
    }
    let mut missing = Vec::new();
    for leaf in &leaves {
        let mut args = leaf.clone();
        args.push("--help".into());
        let run = env.run(&env.path("none"), &args).success();
        for section in ["EXAMPLES", "EXIT CODES"] {
            if !run.stdout.contains(section) {
                missing.push(format!("`govpki {}` lacks {section}", leaf.join(" ")));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    // The top level too.
    let top = env.run(&env.path("none"), ["--help"]).success();
    assert!(top.stdout.contains("EXAMPLES") && top.stdout.contains("EXIT CODES"));
}

#[test]
fn pem_with_text_around_der_everywhere_and_der_output() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let leaf = env.issue(&ca, "leaf", "person", &subject_for("person"), &[], &[]);
    // RFC 7468: text around PEM blocks is ignored.
    let with_text = env.write(
        "with-text.pem",
        format!(
            "subject=whoever\nissuer=whatever\n{}\ntrailing notes\n",
            std::fs::read_to_string(&leaf.cert).unwrap()
        ),
    );
    assert_eq!(
        show_json(&env, &ca, p(&with_text))["serial"],
        leaf.serial.as_str()
    );
    env.run(&ca.home, ["cert", "verify", p(&with_text)])
        .success();
    // DER trust anchor, DER end entity.
    let root_der = env.write("root.der", der_of(&ca.cert));
    let leaf_der = env.write("leaf.der", der_of(&leaf.cert));
    env.run(
        &ca.home,
        ["cert", "verify", p(&leaf_der), "--trust", p(&root_der)],
    )
    .success();
    // --der --out writes DER.
    let out = env.path("der-out.der");
    env.run(
        &ca.home,
        [
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            &subject_for("person"),
            "--key-out",
            p(&env.path("der-out.key")),
            "--no-key-passphrase",
            "--der",
            "--out",
            p(&out),
        ],
    )
    .success();
    assert_eq!(std::fs::read(&out).unwrap()[0], 0x30, "DER, not PEM");
    env.run(&ca.home, ["cert", "verify", p(&out)]).success();
}

#[test]
fn a_csr_without_a_subject_needs_the_subject_flag() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let csr = env.path("anon.csr");
    tool(
        "openssl",
        [
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            p(&env.path("anon.key")),
            "-subj",
            "/",
            "-out",
            p(&csr),
        ],
    )
    .success();
    let run = env
        .run(
            &ca.home,
            ["cert", "issue", "--profile", "person", "--csr", p(&csr)],
        )
        .code(2);
    assert!(run.stderr.contains("--subject"), "{}", run.describe());
    assert_eq!(list(&env, &ca, &[]), serde_json::json!([]));
    let forced = format!("CN=张三,{DEPT}");
    let issued = env.issue_csr(&ca, "anon", "person", &csr, &["--subject", &forced]);
    assert_eq!(json_str(&issued.json, "subject"), forced);
}

// ---------------------------------------------------------------------------------------------
// Found in review

#[test]
fn ca_init_never_builds_over_a_damaged_home() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let key_before = std::fs::read(ca.home.join("private/ca.key")).unwrap();
    // The database is damaged: `ca init` must refuse, and must not clean up the old key.
    std::fs::write(ca.home.join("govpki.db"), b"not a database at all").unwrap();
    env.run(
        &ca.home,
        [
            "ca",
            "init",
            "--subject",
            "CN=Again,C=CN",
            "--no-passphrase",
        ],
    )
    .code(2);
    assert_eq!(
        std::fs::read(ca.home.join("private/ca.key")).unwrap(),
        key_before
    );
}

#[test]
fn out_and_key_out_may_not_be_the_same_file() {
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let before = list(&env, &ca, &[]);
    let same = env.path("same.pem");
    env.run(
        &ca.home,
        [
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            "CN=x,OU=信息中心,O=连云港市人民政府,C=CN",
            "--key-out",
            p(&same),
            "--out",
            p(&same),
            "--no-key-passphrase",
        ],
    )
    .code(2);
    assert!(!same.exists());
    assert_eq!(list(&env, &ca, &[]), before);
}
