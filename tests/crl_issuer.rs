//! `crl show --issuer CA.pem`: a CRL of any CA (made by OpenSSL here) is checked against the
//! CA certificate given: valid when the issuer name matches and the signature verifies (RSA,
//! ECDSA, SM2), exit 1 for a tampered CRL or a CRL of another issuer.

mod common;

use std::path::{Path, PathBuf};

use common::{Env, p, require_tool, tool};

/// An OpenSSL CA of `key_args` (`genpkey` arguments) in `dir`, and its empty CRL (DER).
fn openssl_ca(dir: &Path, name: &str, key_args: &[&str]) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let key = dir.join("ca.key");
    let cert = dir.join("ca.pem");
    let crl = dir.join("ca.crl");
    let mut genpkey = vec!["genpkey", "-out", p(&key)];
    genpkey.extend_from_slice(key_args);
    tool("openssl", &genpkey).success();
    tool(
        "openssl",
        [
            "req",
            "-x509",
            "-new",
            "-utf8",
            "-key",
            p(&key),
            "-subj",
            &format!("/C=CN/O=外省政务/CN={name}"),
            "-days",
            "30",
            "-out",
            p(&cert),
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    )
    .success();
    let cnf = dir.join("ca.cnf");
    std::fs::write(
        &cnf,
        format!(
            "[ ca ]\ndefault_ca = x\n[ x ]\ndatabase = {}\ncrlnumber = {}\ndefault_md = sha256\ndefault_crl_days = 30\n",
            p(&dir.join("index.txt")),
            p(&dir.join("crlnumber"))
        ),
    )
    .unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
    let pem = dir.join("ca.crl.pem");
    tool(
        "openssl",
        [
            "ca",
            "-gencrl",
            "-config",
            p(&cnf),
            "-keyfile",
            p(&key),
            "-cert",
            p(&cert),
            "-out",
            p(&pem),
        ],
    )
    .success();
    tool(
        "openssl",
        ["crl", "-in", p(&pem), "-outform", "DER", "-out", p(&crl)],
    )
    .success();
    (cert, crl)
}

/// The CRL with one bit of its signature flipped (the last octet is signature).
fn tampered(env: &Env, crl: &Path, name: &str) -> PathBuf {
    let mut der = std::fs::read(crl).unwrap();
    *der.last_mut().unwrap() ^= 0x01;
    env.write(name, der)
}

#[test]
fn openssl_made_crls_verify_against_their_issuer_and_tampered_ones_do_not() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let home = env.path("no-home");
    for (name, args) in [
        (
            "RSA 外省根CA",
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
        ),
        (
            "ECDSA 外省根CA",
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
        ),
    ] {
        let dir = env.path(name.split(' ').next().unwrap());
        let (cert, crl) = openssl_ca(&dir, name, args);
        let run = env
            .run(&home, ["crl", "show", "--issuer", p(&cert), p(&crl)])
            .success();
        assert!(
            run.stdout
                .contains(&format!("valid (issuer CN={name},O=外省政务,C=CN)")),
            "{}",
            run.describe()
        );
        let json = env
            .run(
                &home,
                ["--json", "crl", "show", "--issuer", p(&cert), p(&crl)],
            )
            .success()
            .json();
        assert_eq!(json["issuer_check"], "valid", "{json}");

        let prefix = name.split(' ').next().unwrap();
        let bad = tampered(&env, &crl, &format!("{prefix}-tampered.crl"));
        let run = env
            .run(&home, ["crl", "show", "--issuer", p(&cert), p(&bad)])
            .code(1);
        assert!(
            run.stdout.contains("signature invalid"),
            "{}",
            run.describe()
        );
    }
}

#[test]
fn a_crl_of_another_issuer_is_exit_1() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let home = env.path("no-home");
    let ec = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
    let (cert_a, _) = openssl_ca(&env.path("a"), "甲 CA", &ec);
    let (_, crl_b) = openssl_ca(&env.path("b"), "乙 CA", &ec);
    let run = env
        .run(&home, ["crl", "show", "--issuer", p(&cert_a), p(&crl_b)])
        .code(1);
    assert!(
        run.stdout.contains("is not `CN=甲 CA,O=外省政务,C=CN`"),
        "{}",
        run.describe()
    );
    let json = env
        .run(
            &home,
            ["--json", "crl", "show", "--issuer", p(&cert_a), p(&crl_b)],
        )
        .code(1)
        .json();
    assert_eq!(json["issuer_check"], "other-issuer", "{json}");
}

#[test]
fn an_sm2_crl_of_another_home_verifies_with_its_certificate() {
    let env = Env::new();
    let sm2 = env.root_ca("sm2-issuer", "sm2", &[]);
    let crl = env.crl(&sm2, "sm2.crl", true, &[]);
    let other = env.path("no-home");
    let run = env
        .run(&other, ["crl", "show", "--issuer", p(&sm2.cert), p(&crl)])
        .success();
    assert!(
        run.stdout.contains("valid (issuer CN=sm2-issuer 根CA"),
        "{}",
        run.describe()
    );
    let bad = tampered(&env, &crl, "sm2-tampered.crl");
    let run = env
        .run(&other, ["crl", "show", "--issuer", p(&sm2.cert), p(&bad)])
        .code(1);
    assert!(
        run.stdout.contains("signature invalid"),
        "{}",
        run.describe()
    );
}
