//! govpki's artefacts checked by independent tools (DESIGN.md §7): every profile's certificate
//! by `openssl verify -x509_strict`, GnuTLS `certtool --verify` and pkilint (`lint_pkix_cert`);
//! CRLs by `openssl crl -verify` and `openssl verify -crl_check`; encrypted keys by `openssl
//! pkey`; CSRs by `openssl req -verify`, and openssl's CSRs by `govpki cert issue --csr`.
//!
//! A missing tool skips its checks with a loud `SKIPPED:` line, or fails the test when
//! `GOVPKI_REQUIRE_TOOLS=1` (as `.ci/run` sets).

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// The openssl `-purpose` each profile must satisfy.
fn openssl_purposes(profile: &str) -> &'static [&'static str] {
    match profile {
        "server" => &["sslserver"],
        "department" | "person" => &["sslclient", "smimesign"],
        "ocsp" => &["ocsphelper"],
        "tsa" => &["timestampsign"],
        _ => &["any"],
    }
}

/// `openssl verify -x509_strict` of `cert` (optionally with intermediates) to `root`.
fn openssl_verify(root: &Path, untrusted: Option<&Path>, cert: &Path, purpose: &str) {
    let mut args = vec![
        "verify",
        "-x509_strict",
        "-purpose",
        purpose,
        "-CAfile",
        p(root),
    ];
    if let Some(u) = untrusted {
        args.extend(["-untrusted", p(u)]);
    }
    args.push(p(cert));
    let run = tool("openssl", &args).success();
    assert!(run.stdout.contains(": OK"), "{}", run.describe());
}

/// GnuTLS `certtool --verify` of a PEM file holding the certificate (and its intermediates).
fn certtool_verify(root: &Path, chain: &Path) {
    let run = tool(
        "certtool",
        [
            "--verify",
            "--load-ca-certificate",
            p(root),
            "--infile",
            p(chain),
        ],
    )
    .success();
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("Verified"), "{}", run.describe());
    assert!(!all.contains("Not verified"), "{}", run.describe());
}

/// pkilint at severity ERROR: no findings at all (so no ERROR and no FATAL).
fn pkilint(cert: &Path) {
    let run = tool("lint_pkix_cert", ["lint", "-s", "ERROR", p(cert)]);
    let findings: Vec<&str> = run
        .stdout
        .lines()
        .chain(run.stderr.lines())
        .filter(|l| l.contains("(ERROR)") || l.contains("(FATAL)"))
        .collect();
    assert!(
        findings.is_empty(),
        "pkilint findings for `{}`: {findings:#?}\n{}",
        cert.display(),
        run.describe()
    );
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert!(
        run.stdout.trim().is_empty(),
        "pkilint printed findings\n{}",
        run.describe()
    );
}

struct Tools {
    openssl: bool,
    certtool: bool,
    pkilint: bool,
}

fn tools() -> Tools {
    Tools {
        openssl: require_tool("openssl"),
        certtool: require_tool("certtool"),
        pkilint: require_tool("lint_pkix_cert"),
    }
}

/// Concatenates PEM files into one bundle.
fn bundle(env: &Env, rel: &str, parts: &[&Path]) -> PathBuf {
    let text: String = parts
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read PEM"))
        .collect();
    env.write(rel, text)
}

// ---------------------------------------------------------------------------------------------
// Certificates

#[test]
fn every_profile_under_a_root_passes_openssl_certtool_and_pkilint() {
    let t = tools();
    let env = Env::new();
    let root = env.root_ca(
        "root",
        "p256",
        &[
            "--crl-url",
            "http://pki.example.gov.cn/root.crl",
            "--ocsp-url",
            "http://ocsp.example.gov.cn/",
        ],
    );
    if t.pkilint {
        pkilint(&root.cert);
    }
    for profile in PROFILES {
        let issued = env.issue(
            &root,
            profile,
            profile,
            &subject_for(profile),
            &sans_for(profile),
            &[],
        );
        if t.openssl {
            for purpose in openssl_purposes(profile) {
                openssl_verify(&root.cert, None, &issued.cert, purpose);
            }
        }
        if t.certtool {
            certtool_verify(&root.cert, &issued.cert);
        }
        if t.pkilint {
            pkilint(&issued.cert);
        }
    }
    if t.openssl {
        // timeStamping is the only EKU and is critical (RFC 3161 §2.3).
        let ext = tool(
            "openssl",
            [
                "x509",
                "-in",
                p(&env.path("tsa.pem")),
                "-noout",
                "-ext",
                "extendedKeyUsage",
            ],
        )
        .success();
        assert!(ext.stdout.contains("critical"), "{}", ext.describe());
        // A person certificate is no TLS server.
        tool(
            "openssl",
            [
                "verify",
                "-purpose",
                "sslserver",
                "-CAfile",
                p(&root.cert),
                p(&env.path("person.pem")),
            ],
        )
        .failure();
    }
}

#[test]
fn every_profile_under_a_subordinate_passes_openssl_certtool_and_pkilint() {
    let t = tools();
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
            "--permit-dn",
            ORG,
            "--crl-url",
            "http://pki.example.gov.cn/sub.crl",
            "--ocsp-url",
            "http://ocsp.example.gov.cn/",
        ],
    );
    if t.pkilint {
        pkilint(&sub.cert);
    }
    if t.openssl {
        openssl_verify(&root.cert, None, &sub.cert, "any");
        let ext = tool(
            "openssl",
            [
                "x509",
                "-in",
                p(&sub.cert),
                "-noout",
                "-ext",
                "basicConstraints,nameConstraints",
                "-nameopt",
                "RFC2253,-esc_msb",
            ],
        )
        .success();
        for needle in ["critical", "pathlen:0", "DNS:example.gov.cn", "DirName"] {
            assert!(
                ext.stdout.contains(needle),
                "`{needle}` in the subordinate's constraints\n{}",
                ext.describe()
            );
        }
    }
    if t.certtool {
        certtool_verify(&root.cert, &sub.cert);
    }
    for profile in PROFILES.iter().filter(|p| **p != "sub-ca") {
        let issued = env.issue(
            &sub,
            profile,
            profile,
            &subject_for(profile),
            &sans_for(profile),
            &[],
        );
        if t.openssl {
            for purpose in openssl_purposes(profile) {
                openssl_verify(&root.cert, Some(&sub.cert), &issued.cert, purpose);
            }
        }
        if t.certtool {
            let chain = bundle(
                &env,
                &format!("{profile}-chain.pem"),
                &[&issued.cert, &sub.cert],
            );
            certtool_verify(&root.cert, &chain);
        }
        if t.pkilint {
            pkilint(&issued.cert);
        }
    }
    // Without the intermediate, openssl cannot build the chain.
    if t.openssl {
        tool(
            "openssl",
            [
                "verify",
                "-CAfile",
                p(&root.cert),
                p(&env.path("person.pem")),
            ],
        )
        .failure();
    }
}

#[test]
fn p384_and_ed25519_hierarchies_pass_openssl_certtool_and_pkilint() {
    let t = tools();
    let env = Env::new();
    for alg in ["p384", "ed25519"] {
        let root = env.root_ca(
            &format!("root-{alg}"),
            alg,
            &["--crl-url", "http://pki.example.gov.cn/root.crl"],
        );
        let sub = env.sub_ca(&format!("sub-{alg}"), &root, &[]);
        if t.pkilint {
            pkilint(&root.cert);
            pkilint(&sub.cert);
        }
        for (ca, name) in [(&root, "root"), (&sub, "sub")] {
            for profile in ["server", "person"] {
                let issued = env.issue(
                    ca,
                    &format!("{alg}-{name}-{profile}"),
                    profile,
                    &subject_for(profile),
                    &sans_for(profile),
                    &["--algorithm", alg],
                );
                let untrusted = (name == "sub").then_some(sub.cert.as_path());
                if t.openssl {
                    openssl_verify(
                        &root.cert,
                        untrusted,
                        &issued.cert,
                        openssl_purposes(profile)[0],
                    );
                }
                if t.certtool {
                    let chain = match untrusted {
                        Some(u) => bundle(
                            &env,
                            &format!("{alg}-{name}-{profile}-chain.pem"),
                            &[&issued.cert, u],
                        ),
                        None => issued.cert.clone(),
                    };
                    certtool_verify(&root.cert, &chain);
                }
                if t.pkilint {
                    pkilint(&issued.cert);
                }
            }
        }
        if t.openssl {
            let crl = env.crl(&root, &format!("{alg}.crl"), false, &[]);
            assert_crl_verifies(&root.cert, &crl, false);
        }
    }
}

#[test]
fn certificates_from_csrs_pass_openssl_and_pkilint() {
    let t = tools();
    let env = Env::new();
    let root = env.root_ca("root", "p256", &[]);
    for profile in PROFILES {
        let (_, csr) = env.csr_create(
            &format!("csr-{profile}"),
            &subject_for(profile),
            &sans_for(profile),
            &[],
        );
        let issued = env.issue_csr(&root, &format!("csr-{profile}"), profile, &csr, &[]);
        if t.openssl {
            openssl_verify(&root.cert, None, &issued.cert, openssl_purposes(profile)[0]);
        }
        if t.pkilint {
            pkilint(&issued.cert);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CRLs

/// `openssl crl -verify`: openssl 3.0 exits 0 even on "verify failure", so read what it says.
fn openssl_crl_verify(ca_cert: &Path, crl: &Path, der: bool) -> (bool, ToolRun) {
    let mut args = vec![
        "crl",
        "-verify",
        "-noout",
        "-CAfile",
        p(ca_cert),
        "-in",
        p(crl),
    ];
    if der {
        args.extend(["-inform", "DER"]);
    }
    let run = tool("openssl", &args);
    let said = format!("{}{}", run.stdout, run.stderr);
    (
        run.code == Some(0) && said.contains("verify OK") && !said.contains("failure"),
        run,
    )
}

#[track_caller]
fn assert_crl_verifies(ca_cert: &Path, crl: &Path, der: bool) {
    let (ok, run) = openssl_crl_verify(ca_cert, crl, der);
    assert!(ok, "`{}` verifies\n{}", crl.display(), run.describe());
}

#[track_caller]
fn assert_crl_does_not_verify(ca_cert: &Path, crl: &Path, der: bool) {
    let (ok, run) = openssl_crl_verify(ca_cert, crl, der);
    assert!(
        !ok,
        "`{}` must not verify\n{}",
        crl.display(),
        run.describe()
    );
}

#[test]
fn crls_pass_openssl_crl_verify_as_pem_and_der() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let root = env.root_ca("root", "p256", &[]);
    let sub = env.sub_ca("sub", &root, &[]);

    // An empty CRL first.
    let empty = env.crl(&root, "empty.crl", false, &[]);
    assert_crl_verifies(&root.cert, &empty, false);

    let a = env.issue(&root, "a", "person", &subject_for("person"), &[], &[]);
    let b = env.issue(
        &root,
        "b",
        "department",
        &subject_for("department"),
        &[],
        &[],
    );
    env.run(
        &root.home,
        [
            "cert",
            "revoke",
            &a.serial,
            "--reason",
            "keyCompromise",
            "--invalidity-date",
            &days_from_now(-3),
        ],
    )
    .success();
    env.run(
        &root.home,
        ["cert", "revoke", &b.serial, "--reason", "certificateHold"],
    )
    .success();
    let pem = env.crl(&root, "root.crl", false, &["--next-update", "3d"]);
    let der = env.crl(&root, "root.der.crl", true, &[]);
    // The home's copy of the latest CRL (named in `crl generate --help`), PEM or DER.
    let home_copy = ["crl.pem", "crl.der", "crl.crl"]
        .iter()
        .map(|n| root.home.join(n))
        .find(|p| p.is_file())
        .expect("crl generate keeps a copy of the CRL in the home");
    let home_is_der = std::fs::read(&home_copy).unwrap().first() == Some(&0x30);
    for (file, is_der) in [(&pem, false), (&der, true), (&home_copy, home_is_der)] {
        assert_crl_verifies(&root.cert, file, is_der);
    }

    // The fields a relying party reads: number, AKI, nextUpdate, reasons, invalidity date.
    let text = tool("openssl", ["crl", "-in", p(&pem), "-noout", "-text"])
        .success()
        .stdout;
    for needle in [
        "X509v3 CRL Number",
        "X509v3 Authority Key Identifier",
        "Next Update",
        "Key Compromise",
        "Certificate Hold",
        "Invalidity Date",
        &a.serial,
        &b.serial,
    ] {
        assert!(text.contains(needle), "`{needle}` in\n{text}");
    }
    let number = tool(
        "openssl",
        [
            "crl",
            "-in",
            p(&der),
            "-inform",
            "DER",
            "-noout",
            "-crlnumber",
        ],
    )
    .success();
    assert!(
        number.stdout.trim().starts_with("crlNumber="),
        "{}",
        number.describe()
    );

    // The subordinate CA's CRL verifies against the subordinate.
    let c = env.issue(&sub, "c", "person", &subject_for("person"), &[], &[]);
    env.run(&sub.home, ["cert", "revoke", &c.serial]).success();
    let sub_crl = env.crl(&sub, "sub.crl", true, &[]);
    assert_crl_verifies(&sub.cert, &sub_crl, true);
    // ... and not against the root.
    assert_crl_does_not_verify(&root.cert, &sub_crl, true);

    // A damaged CRL does not verify (the check above means something).
    let mut bytes = std::fs::read(&der).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let bad = env.write("bad.crl", bytes);
    assert_crl_does_not_verify(&root.cert, &bad, true);
}

#[test]
fn openssl_crl_check_rejects_exactly_the_revoked_certificates() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let root = env.root_ca("root", "p256", &[]);
    let sub = env.sub_ca("sub", &root, &[]);
    let mut expect = Vec::new();
    for (name, action) in [
        ("key-compromise", Some("keyCompromise")),
        ("on-hold", Some("certificateHold")),
        ("valid", None),
        ("released", Some("release")),
        ("left", Some("affiliationChanged")),
        ("superseded", Some("superseded")),
    ] {
        let c = env.issue(
            &root,
            name,
            "person",
            &format!("CN={name},{DEPT}"),
            &[],
            &[],
        );
        match action {
            None => expect.push((c, false)),
            Some("release") => {
                env.run(
                    &root.home,
                    ["cert", "revoke", &c.serial, "--reason", "certificateHold"],
                )
                .success();
                env.run(&root.home, ["cert", "release", &c.serial])
                    .success();
                expect.push((c, false));
            }
            Some(reason) => {
                env.run(
                    &root.home,
                    ["cert", "revoke", &c.serial, "--reason", reason],
                )
                .success();
                expect.push((c, true));
            }
        }
    }
    let crl = env.crl(&root, "root.crl", false, &[]);
    let crl_der = env.crl(&root, "root.der.crl", true, &[]);
    // openssl -CRLfile takes PEM only in 3.0; convert the DER one with openssl itself.
    let from_der = env.path("from-der.crl");
    tool(
        "openssl",
        [
            "crl",
            "-inform",
            "DER",
            "-in",
            p(&crl_der),
            "-out",
            p(&from_der),
        ],
    )
    .success();
    for crl_file in [&crl, &from_der] {
        for (c, revoked) in &expect {
            let run = tool(
                "openssl",
                [
                    "verify",
                    "-crl_check",
                    "-CAfile",
                    p(&root.cert),
                    "-CRLfile",
                    p(crl_file),
                    p(&c.cert),
                ],
            );
            if *revoked {
                assert_ne!(
                    run.code,
                    Some(0),
                    "{} must be rejected\n{}",
                    c.serial,
                    run.describe()
                );
                assert!(
                    run.stdout.contains("revoked") || run.stderr.contains("revoked"),
                    "{}",
                    run.describe()
                );
            } else {
                assert_eq!(
                    run.code,
                    Some(0),
                    "{} must be accepted\n{}",
                    c.serial,
                    run.describe()
                );
            }
        }
    }

    // A chain: -crl_check_all needs both CRLs; only the revoked leaf is rejected.
    let good = env.issue(&sub, "sub-good", "person", &subject_for("person"), &[], &[]);
    let bad = env.issue(&sub, "sub-bad", "person", &subject_for("person"), &[], &[]);
    env.run(
        &sub.home,
        ["cert", "revoke", &bad.serial, "--reason", "keyCompromise"],
    )
    .success();
    let sub_crl = env.crl(&sub, "sub.crl", false, &[]);
    let crls = bundle(
        &env,
        "both.crl",
        &[&sub_crl, &env.crl(&root, "root2.crl", false, &[])],
    );
    let check = |c: &Path| {
        tool(
            "openssl",
            [
                "verify",
                "-crl_check_all",
                "-CAfile",
                p(&root.cert),
                "-untrusted",
                p(&sub.cert),
                "-CRLfile",
                p(&crls),
                p(c),
            ],
        )
    };
    check(&good.cert).success();
    check(&bad.cert).failure();
}

// ---------------------------------------------------------------------------------------------
// Keys

/// Opens a key with openssl: the right passphrase works, a wrong one fails, and the public key
/// is the one `certified` (a certificate or CSR) holds.
fn check_encrypted_key(env: &Env, key: &Path, pass: &Path, certified: (&str, &Path)) {
    let pem = std::fs::read_to_string(key).unwrap();
    assert!(
        pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "PKCS#8 encrypted: {}",
        key.display()
    );
    let run = tool(
        "openssl",
        [
            "pkey",
            "-in",
            p(key),
            "-passin",
            &format!("file:{}", p(pass)),
            "-noout",
        ],
    );
    assert_eq!(
        run.code,
        Some(0),
        "openssl pkey reads `{}` with its passphrase\n{}",
        key.display(),
        run.describe()
    );
    let wrong = env.passphrase_file("wrong.pass", "not the passphrase");
    tool(
        "openssl",
        [
            "pkey",
            "-in",
            p(key),
            "-passin",
            &format!("file:{}", p(&wrong)),
            "-noout",
        ],
    )
    .failure();
    assert_eq!(
        openssl_pubkey("key", key, Some(pass)),
        openssl_pubkey(certified.0, certified.1, None),
        "`{}` is the key of `{}`",
        key.display(),
        certified.1.display()
    );
    // The encryption is PBES2 (DESIGN §3), not a legacy scheme.
    let parsed = tool("openssl", ["asn1parse", "-in", p(key)]).success();
    assert!(parsed.stdout.contains("PBES2"), "{}", parsed.describe());
}

#[test]
fn the_encrypted_ca_key_opens_with_openssl_pkey() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let pass = env.passphrase_file("ca.pass", "根CA passphrase 2026");
    let home = env.path("root");
    env.run(
        &home,
        [
            "ca",
            "init",
            "--subject",
            &format!("CN=Root,{ORG}"),
            "--passphrase-file",
            p(&pass),
        ],
    )
    .success();
    let ca = Ca::at(home);
    check_encrypted_key(&env, &ca.key(), &pass, ("cert", &ca.cert));
}

#[test]
fn generated_keys_open_with_openssl_pkey() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let pass = env.passphrase_file("key.pass", "张三的口令：连云港信息中心二〇二六");
    let key = env.path("zs.key");
    let cert = env.path("zs.pem");
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
            p(&key),
            "--key-passphrase-file",
            p(&pass),
            "--out",
            p(&cert),
        ],
    )
    .success();
    check_encrypted_key(&env, &key, &pass, ("cert", &cert));

    // csr create encrypts the same way.
    let csr_key = env.path("dept.key");
    let csr = env.path("dept.csr");
    env.run(
        &env.path("none"),
        [
            "csr",
            "create",
            "--subject",
            &subject_for("department"),
            "--key-out",
            p(&csr_key),
            "--passphrase-file",
            p(&pass),
            "--out",
            p(&csr),
        ],
    )
    .success();
    check_encrypted_key(&env, &csr_key, &pass, ("csr", &csr));
}

#[test]
fn batch_keys_open_with_openssl_pkey() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    let pass = env.passphrase_file("staff.pass", "batch passphrase");
    let batch = env.write(
        "staff.csv",
        format!(
            "subject,profile,san\n\"CN=甲,{DEPT}\",person,email:jia@example.gov.cn\n\"CN=www.example.gov.cn,{ORG}\",server,dns:www.example.gov.cn\n\"CN=乙,{DEPT}\",seal,\n"
        ),
    );
    let out = env.path("issued");
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
                p(&out),
                "--key-passphrase-file",
                p(&pass),
            ],
        )
        .success()
        .json_lines();
    assert_eq!(lines.len(), 3);
    for l in &lines {
        let serial = json_str(l, "serial");
        let key = out.join(format!("{serial}.key"));
        let cert = out.join(format!("{serial}.pem"));
        check_encrypted_key(&env, &key, &pass, ("cert", &cert));
    }
}

#[test]
fn ed25519_keys_open_with_openssl_pkey() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("root", "ed25519", &[]);
    let run = tool("openssl", ["pkey", "-in", p(&ca.key()), "-noout"]);
    assert_eq!(run.code, Some(0), "the Ed25519 CA key\n{}", run.describe());
    let issued = env.issue(
        &ca,
        "leaf",
        "person",
        &subject_for("person"),
        &[],
        &["--algorithm", "ed25519"],
    );
    let key = issued.key.unwrap();
    assert_eq!(
        openssl_pubkey("key", &key, None),
        openssl_pubkey("cert", &issued.cert, None)
    );
    let (key, csr) = env.csr_create(
        "own",
        &subject_for("department"),
        &[],
        &["--algorithm", "ed25519"],
    );
    tool("openssl", ["req", "-verify", "-noout", "-in", p(&csr)]).success();
    assert_eq!(
        openssl_pubkey("key", &key, None),
        openssl_pubkey("csr", &csr, None)
    );
}

#[test]
fn unencrypted_keys_are_plain_pkcs8_that_openssl_reads() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let ca = env.root_ca("root", "p256", &[]);
    assert!(
        std::fs::read_to_string(ca.key())
            .unwrap()
            .contains("-----BEGIN PRIVATE KEY-----")
    );
    tool("openssl", ["pkey", "-in", p(&ca.key()), "-noout"]).success();
    assert_eq!(
        openssl_pubkey("key", &ca.key(), None),
        openssl_pubkey("cert", &ca.cert, None)
    );
    let issued = env.issue(
        &ca,
        "leaf",
        "server",
        &subject_for("server"),
        &sans_for("server"),
        &[],
    );
    let key = issued.key.unwrap();
    assert_eq!(
        openssl_pubkey("key", &key, None),
        openssl_pubkey("cert", &issued.cert, None)
    );
}

// ---------------------------------------------------------------------------------------------
// CSRs

#[test]
fn csr_create_passes_openssl_req_verify() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let subject = format!("CN=信息中心,{DEPT}");
    // Ed25519 keys are checked by `ed25519_keys_open_with_openssl_pkey`.
    for alg in ["p256", "p384"] {
        let (key, csr) = env.csr_create(
            &format!("dept-{alg}"),
            &subject,
            &["dns:xxzx.example.gov.cn", "email:xxzx@example.gov.cn"],
            &["--algorithm", alg],
        );
        let run = tool("openssl", ["req", "-verify", "-noout", "-in", p(&csr)]).success();
        assert!(
            run.stderr.contains("verify OK") || run.stdout.contains("verify OK"),
            "{}",
            run.describe()
        );
        let subj = tool(
            "openssl",
            [
                "req",
                "-in",
                p(&csr),
                "-noout",
                "-subject",
                "-nameopt",
                "RFC2253,-esc_msb",
            ],
        )
        .success();
        assert_eq!(
            subj.stdout.trim().trim_start_matches("subject="),
            subject,
            "{}",
            subj.describe()
        );
        let text = tool("openssl", ["req", "-in", p(&csr), "-noout", "-text"])
            .success()
            .stdout;
        assert!(
            text.contains("DNS:xxzx.example.gov.cn") && text.contains("email:xxzx@example.gov.cn"),
            "{text}"
        );
        assert_eq!(
            openssl_pubkey("csr", &csr, None),
            openssl_pubkey("key", &key, None)
        );
    }
}

/// Makes a CSR with `openssl req -new` and returns (key, csr).
fn openssl_csr(
    env: &Env,
    name: &str,
    newkey: &[&str],
    subj: &str,
    addext: &[&str],
) -> (PathBuf, PathBuf) {
    let key = env.path(&format!("{name}.key"));
    let csr = env.path(&format!("{name}.csr"));
    let mut args = vec!["req", "-new"];
    args.extend_from_slice(newkey);
    args.extend(["-nodes", "-keyout", p(&key), "-subj", subj, "-out", p(&csr)]);
    for e in addext {
        args.extend(["-addext", e]);
    }
    tool("openssl", &args).success();
    (key, csr)
}

#[test]
fn csrs_made_by_openssl_are_accepted() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let root = env.root_ca("root", "p256", &[]);
    for (name, newkey) in [
        (
            "ec256",
            vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        ),
        (
            "ec384",
            vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        ),
        ("ed25519", vec!["-newkey", "ed25519"]),
        ("rsa2048", vec!["-newkey", "rsa:2048"]),
    ] {
        let (key, csr) = openssl_csr(
            &env,
            name,
            &newkey,
            &format!("/C=CN/O=Test/CN={name}.example.gov.cn"),
            &[&format!("subjectAltName=DNS:{name}.example.gov.cn")],
        );
        let issued = env.issue_csr(&root, name, "server", &csr, &[]);
        assert_eq!(
            json_str(&issued.json, "subject"),
            format!("CN={name}.example.gov.cn,O=Test,C=CN")
        );
        assert_eq!(
            openssl_pubkey("cert", &issued.cert, None),
            openssl_pubkey("key", &key, None),
            "{name}"
        );
        openssl_verify(&root.cert, None, &issued.cert, "sslserver");
        // DER CSRs too.
        let der = env.path(&format!("{name}.csr.der"));
        tool(
            "openssl",
            ["req", "-in", p(&csr), "-outform", "DER", "-out", p(&der)],
        )
        .success();
        env.issue_csr(&root, &format!("{name}-der"), "server", &der, &[]);
    }
}

#[test]
fn a_csr_with_a_broken_signature_is_refused() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let root = env.root_ca("root", "p256", &[]);
    let (_, csr) = openssl_csr(
        &env,
        "victim",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "/C=CN/O=Test/CN=victim",
        &[],
    );
    let der_path = env.path("victim.der");
    tool(
        "openssl",
        [
            "req",
            "-in",
            p(&csr),
            "-outform",
            "DER",
            "-out",
            p(&der_path),
        ],
    )
    .success();
    let mut der = std::fs::read(&der_path).unwrap();
    // Change one letter of the subject: still well-formed DER, no longer what was signed.
    let pos = der
        .windows(6)
        .position(|w| w == b"victim")
        .expect("the CN in the DER");
    der[pos] = b'V';
    let broken = env.write("broken.der", &der);
    let broken_pem = env.write(
        "broken.csr",
        pem::encode(&pem::Pem::new("CERTIFICATE REQUEST", der.clone())),
    );
    // openssl 3.0 `req -verify` exits 0 even on failure: read what it says.
    let check = tool(
        "openssl",
        [
            "req",
            "-verify",
            "-noout",
            "-inform",
            "DER",
            "-in",
            p(&broken),
        ],
    );
    assert!(
        check.code != Some(0)
            || check.stderr.contains("verify failure")
            || check.stdout.contains("verify failure"),
        "openssl agrees the signature is broken\n{}",
        check.describe()
    );

    for file in [&broken, &broken_pem] {
        let out = env.path("should-not-exist.pem");
        let run = env
            .run(
                &root.home,
                [
                    "cert",
                    "issue",
                    "--profile",
                    "person",
                    "--csr",
                    p(file),
                    "--out",
                    p(&out),
                ],
            )
            .code(2);
        assert_eq!(run.error_lines().len(), 1, "{}", run.describe());
        assert!(
            run.stderr.contains("signature"),
            "names the problem\n{}",
            run.describe()
        );
        assert!(
            run.stderr.contains(p(file)),
            "names the file\n{}",
            run.describe()
        );
        assert!(!out.exists());
    }
    assert_eq!(
        list(&env, &root, &[]),
        serde_json::json!([]),
        "nothing issued"
    );
}
