//! SM2 on the CA side, through the CLI, judged by independent implementations (issue #10):
//! SM2 roots, sub-CAs (also mixed with ECDSA), certificates of every profile, CSRs and CRLs
//! signed SM2-with-SM3, checked by `openssl dgst -sm3 -sigopt distid:1234567812345678` over the
//! TBS we extract with our own DER walk, and by the pure-Python `gmssl` (the one script,
//! tests/tools/gmssl_sm2_verify.py); OpenSSL-made SM2 certificates and CSRs checked by govpki;
//! SM2 keys opened by `openssl pkey` and the other way.
//!
//! Every positive check has its negative controls: a flipped bit, the empty user ID (OpenSSL's
//! default), the raw `r || s` in place of DER, a wrong key.
//!
//! `openssl verify` is no judge here: OpenSSL 3.0 checks SM2 certificate signatures with an
//! empty user ID (openssl/openssl#23471), so it rejects any GM/T 0009 certificate chain.

mod common;
#[path = "tools/gmssl.rs"]
mod gmssl;

use std::path::{Path, PathBuf};

use common::*;

const DISTID: &str = "distid:1234567812345678";

/// The signed part and the signature value (BIT STRING content) of a certificate, CRL or CSR:
/// all three are `SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }`.
fn tbs_and_signature(der: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    use der::{Decode, Encode};
    let items: Vec<der::Any> = Vec::from_der(der).expect("a SEQUENCE of three");
    assert_eq!(items.len(), 3, "tbs, algorithm, signature");
    let bits = der::asn1::BitString::from_der(&items[2].to_der().unwrap()).unwrap();
    (
        items[0].to_der().unwrap(),
        items[1].to_der().unwrap(),
        bits.raw_bytes().to_vec(),
    )
}

/// SM2-with-SM3, OID 1.2.156.10197.1.501, parameters ABSENT.
const SM2_WITH_SM3: [u8; 12] = [
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75,
];

/// The raw `r || s` of a DER `SEQUENCE { r, s }`.
fn raw_r_s(sig: &[u8]) -> Vec<u8> {
    let parsed = der_ints(sig);
    let mut out = Vec::new();
    for int in parsed {
        let trimmed: Vec<u8> = int.into_iter().skip_while(|b| *b == 0).collect();
        out.extend(std::iter::repeat_n(0u8, 32 - trimmed.len()));
        out.extend(trimmed);
    }
    out
}

fn der_ints(sig: &[u8]) -> Vec<Vec<u8>> {
    use der::Decode;
    let ints: Vec<der::asn1::Int> = Vec::from_der(sig).expect("SEQUENCE { r, s }");
    assert_eq!(ints.len(), 2);
    ints.iter().map(|i| i.as_bytes().to_vec()).collect()
}

/// `openssl dgst -sm3 [-sigopt distid:...] -verify PUB -signature SIG TBS`.
fn dgst_verify(env: &Env, public: &Path, tbs: &[u8], sig: &[u8], id: bool) -> ToolRun {
    let tbs_file = env.write("judge/tbs.der", tbs);
    let sig_file = env.write("judge/sig.der", sig);
    let mut args = vec!["dgst", "-sm3"];
    if id {
        args.extend(["-sigopt", DISTID]);
    }
    args.extend([
        "-verify",
        p(public),
        "-signature",
        p(&sig_file),
        p(&tbs_file),
    ]);
    tool("openssl", args)
}

/// OpenSSL verifies the SM2 signature of `object` (certificate, CRL or CSR DER) under
/// `public` with the GM/T 0009 user ID, and refuses each negative control.
fn openssl_judges(env: &Env, what: &str, object: &[u8], public: &Path, stranger: &Path) {
    let (tbs, alg, sig) = tbs_and_signature(object);
    assert_eq!(alg, SM2_WITH_SM3, "{what}: SM2-with-SM3 without parameters");
    assert_eq!(sig.first(), Some(&0x30), "{what}: DER SEQUENCE {{ r, s }}");
    let ok = dgst_verify(env, public, &tbs, &sig, true).success();
    assert!(
        ok.stdout.contains("Verified OK"),
        "{what}: {}",
        ok.describe()
    );
    let mut flipped = tbs.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x01;
    dgst_verify(env, public, &flipped, &sig, true).failure();
    dgst_verify(env, public, &tbs, &sig, false).failure();
    dgst_verify(env, public, &tbs, &raw_r_s(&sig), true).failure();
    dgst_verify(env, stranger, &tbs, &sig, true).failure();
}

/// The public key of a certificate, as a PEM file for `openssl dgst -verify`.
fn cert_pub(env: &Env, cert: &Path, name: &str) -> PathBuf {
    env.write(
        &format!("judge/{name}.pub.pem"),
        openssl_pubkey("cert", cert, None),
    )
}

/// A stranger's SM2 public key (OpenSSL-made): the wrong-key control.
fn stranger(env: &Env) -> PathBuf {
    let key = env.path("judge/stranger.key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    tool("openssl", ["genpkey", "-algorithm", "SM2", "-out", p(&key)]).success();
    env.write("judge/stranger.pub.pem", openssl_pubkey("key", &key, None))
}

fn sm2_root(env: &Env, name: &str) -> Ca {
    env.root_ca(name, "sm2", &[])
}

/// The extension values `openssl x509 -ext` prints.
fn openssl_ext(cert: &Path, ext: &str) -> String {
    tool("openssl", ["x509", "-in", p(cert), "-noout", "-ext", ext])
        .success()
        .stdout
}

#[test]
fn an_sm2_hierarchy_issues_every_profile_and_openssl_verifies_each_signature() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let root = sm2_root(&env, "root");
    let sub = env.sub_ca("sub", &root, &["--algorithm", "sm2"]);
    let stranger = stranger(&env);
    let root_pub = cert_pub(&env, &root.cert, "root");
    let sub_pub = cert_pub(&env, &sub.cert, "sub");
    openssl_judges(&env, "root", &der_of(&root.cert), &root_pub, &stranger);
    openssl_judges(&env, "sub-ca", &der_of(&sub.cert), &root_pub, &stranger);
    // The root's authority key id is its own subject key id.
    let ids = openssl_ext(&root.cert, "subjectKeyIdentifier,authorityKeyIdentifier");
    let hex: Vec<&str> = ids
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("X509v3") && l.contains(':'))
        .collect();
    assert_eq!(hex.len(), 2, "{ids}");
    assert_eq!(hex[0], hex[1], "{ids}");

    let mut profiles: Vec<&str> = PROFILES.to_vec();
    profiles.push("seal-authority");
    for profile in profiles {
        let issued = env.issue(
            &sub,
            &format!("leaf-{profile}"),
            profile,
            &subject_for(profile),
            &sans_for(profile),
            &["--algorithm", "sm2"],
        );
        let der = der_of(&issued.cert);
        openssl_judges(&env, profile, &der, &sub_pub, &stranger);
        // The subject's SPKI is carried byte-exact: the one in the key file.
        let key_pub = openssl_pubkey("key", issued.key.as_ref().unwrap(), None);
        assert_eq!(
            openssl_pubkey("cert", &issued.cert, None),
            key_pub,
            "{profile}"
        );
        // govpki's own verifier follows the chain to the root.
        env.run(&sub.home, ["cert", "verify", p(&issued.cert)])
            .success();
        let shown = env
            .run(&sub.home, ["--json", "cert", "show", p(&issued.cert)])
            .success()
            .json();
        assert_eq!(shown["key"], "SM2", "{profile}");
        assert_eq!(shown["signature_algorithm"], "1.2.156.10197.1.501");
        // The key identifiers: the AKI names the sub-CA's SKI.
        let sub_ski = openssl_ext(&sub.cert, "subjectKeyIdentifier");
        let aki = openssl_ext(&issued.cert, "authorityKeyIdentifier");
        let sub_ski = sub_ski.lines().last().unwrap().trim();
        assert!(aki.contains(sub_ski), "{profile}: {aki} vs {sub_ski}");
        // GM/T 0015 signing certificates: digitalSignature + nonRepudiation.
        if matches!(profile, "person" | "seal" | "seal-authority") {
            let ku = openssl_ext(&issued.cert, "keyUsage");
            assert!(
                ku.contains("Digital Signature, Non Repudiation"),
                "{profile}: {ku}"
            );
        }
    }

    // A flipped bit in a certificate's signature: govpki says invalid (exit 1).
    let leaf = env.path("leaf-person.pem");
    let mut der = der_of(&leaf);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let forged = env.write("forged.der", &der);
    env.run(&sub.home, ["cert", "verify", p(&forged)]).code(1);
}

#[test]
fn mixed_hierarchies_sm2_under_ecdsa_and_ecdsa_under_sm2() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let stranger = stranger(&env);
    // SM2 sub-CA under a P-256 root: the root signs ECDSA, the sub-CA's SPKI is SM2.
    let ec_root = env.root_ca("ecroot", "p256", &[]);
    let sm2_sub = env.sub_ca("sm2sub", &ec_root, &["--algorithm", "sm2"]);
    let (tbs, alg, sig) = tbs_and_signature(&der_of(&sm2_sub.cert));
    assert_ne!(alg, SM2_WITH_SM3);
    let ec_pub = cert_pub(&env, &ec_root.cert, "ecroot");
    let ok = tool(
        "openssl",
        [
            "dgst",
            "-sha256",
            "-verify",
            p(&ec_pub),
            "-signature",
            p(&env.write("ec.sig", &sig)),
            p(&env.write("ec.tbs", &tbs)),
        ],
    )
    .success();
    assert!(ok.stdout.contains("Verified OK"));
    assert!(
        openssl_ext(&sm2_sub.cert, "subjectKeyIdentifier").len() > 20,
        "the SM2 sub-CA has an SKI"
    );
    let leaf = env.issue(
        &sm2_sub,
        "www",
        "server",
        &subject_for("server"),
        &sans_for("server"),
        &[],
    );
    openssl_judges(
        &env,
        "p256 leaf under the SM2 sub-CA",
        &der_of(&leaf.cert),
        &cert_pub(&env, &sm2_sub.cert, "sm2sub"),
        &stranger,
    );
    env.run(&sm2_sub.home, ["cert", "verify", p(&leaf.cert)])
        .success();

    // A P-256 sub-CA under an SM2 root.
    let sm2_root = sm2_root(&env, "sm2root");
    let ec_sub = env.sub_ca("ecsub", &sm2_root, &["--algorithm", "p256"]);
    openssl_judges(
        &env,
        "p256 sub-CA under the SM2 root",
        &der_of(&ec_sub.cert),
        &cert_pub(&env, &sm2_root.cert, "sm2root"),
        &stranger,
    );
    let leaf = env.issue(
        &ec_sub,
        "dept",
        "department",
        &subject_for("department"),
        &sans_for("department"),
        &["--algorithm", "sm2"],
    );
    env.run(&ec_sub.home, ["cert", "verify", p(&leaf.cert)])
        .success();
}

#[test]
fn an_sm2_crl_is_signed_sm2_and_openssl_verifies_it() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let stranger = stranger(&env);
    let root = sm2_root(&env, "root");
    let leaf = env.issue(
        &root,
        "p",
        "person",
        &subject_for("person"),
        &sans_for("person"),
        &["--algorithm", "sm2"],
    );
    env.run(
        &root.home,
        ["cert", "revoke", &leaf.serial, "--reason", "keyCompromise"],
    )
    .success();
    let crl = env.crl(&root, "root.crl", true, &[]);
    openssl_judges(
        &env,
        "CRL",
        &der_of(&crl),
        &cert_pub(&env, &root.cert, "root"),
        &stranger,
    );
    let shown = env
        .run(&root.home, ["--json", "crl", "show", p(&crl)])
        .success()
        .json();
    assert_eq!(shown["signature"], "verified with this home's CA");
    assert_eq!(shown["entries"].as_array().map(Vec::len), Some(1));
    // The revocation is found when the certificate is verified with the SM2 CRL.
    env.run(
        &root.home,
        ["cert", "verify", p(&leaf.cert), "--crl", p(&crl)],
    )
    .code(1);
    // The CA signed its checkpoint of the audit log's head SM2 (with the CRL); it verifies.
    let audit = env.run(&root.home, ["audit", "verify"]).success();
    assert!(
        audit.stdout.contains("1 signed checkpoints verify"),
        "{}",
        audit.describe()
    );
    // A flipped bit in the CRL's signature: crl show says so (exit 1).
    let mut der = der_of(&crl);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let forged = env.write("forged.crl", &der);
    let run = env.run(&root.home, ["crl", "show", p(&forged)]).code(1);
    assert!(run.stdout.contains("DOES NOT VERIFY"), "{}", run.describe());
}

#[test]
fn sm2_csrs_both_ways() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let stranger = stranger(&env);
    let root = sm2_root(&env, "root");

    // Ours: OpenSSL verifies it with the default ID (and not with the empty one).
    let (key, csr) = env.csr_create(
        "dept",
        &subject_for("department"),
        &sans_for("department"),
        &["--algorithm", "sm2"],
    );
    let key_pub = env.write("dept.pub.pem", openssl_pubkey("key", &key, None));
    openssl_judges(&env, "CSR", &der_of(&csr), &key_pub, &stranger);
    let ok = tool(
        "openssl",
        [
            "req",
            "-in",
            p(&csr),
            "-verify",
            "-noout",
            "-vfyopt",
            DISTID,
        ],
    )
    .success();
    assert!(ok.stderr.contains("verify OK") || ok.stdout.contains("verify OK"));
    let issued = env.issue_csr(&root, "dept", "department", &csr, &[]);
    assert_eq!(openssl_pubkey("cert", &issued.cert, None), {
        std::fs::read_to_string(&key_pub).unwrap()
    });

    // OpenSSL's, signed with the default ID: accepted, the key carried over.
    let okey = env.path("ossl.key");
    tool(
        "openssl",
        ["genpkey", "-algorithm", "SM2", "-out", p(&okey)],
    )
    .success();
    let make_csr = |name: &str, with_id: bool| {
        let out = env.path(name);
        let mut args = vec![
            "req",
            "-new",
            "-key",
            p(&okey),
            "-subj",
            "/C=CN/O=OpenSSL/CN=ossl dept",
            "-sm3",
            "-out",
            p(&out),
        ];
        if with_id {
            args.extend(["-sigopt", DISTID]);
        }
        tool("openssl", args).success();
        out
    };
    let good = make_csr("ossl.csr", true);
    let issued = env.issue_csr(&root, "ossl", "department", &good, &[]);
    assert_eq!(
        openssl_pubkey("cert", &issued.cert, None),
        openssl_pubkey("key", &okey, None)
    );
    openssl_judges(
        &env,
        "certificate for OpenSSL's CSR",
        &der_of(&issued.cert),
        &cert_pub(&env, &root.cert, "root"),
        &stranger,
    );

    // OpenSSL's default (the EMPTY user ID): refused, with the hint.
    let empty = make_csr("empty.csr", false);
    let run = env
        .run(
            &root.home,
            [
                "cert",
                "issue",
                "--profile",
                "department",
                "--csr",
                p(&empty),
                "--out",
                p(&env.path("empty.pem")),
            ],
        )
        .code(2);
    assert!(run.stderr.contains("empty user ID"), "{}", run.describe());
    assert!(
        run.stderr
            .contains("hint: sign the CSR with the default user ID: `openssl req ... -sigopt distid:1234567812345678`"),
        "{}",
        run.describe()
    );
    // A flipped bit in OpenSSL's good CSR signature: a forgery, not an ID mix-up.
    let mut der = der_of(&good);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let forged = env.write("forged.csr", &der);
    let run = env
        .run(
            &root.home,
            [
                "cert",
                "issue",
                "--profile",
                "department",
                "--csr",
                p(&forged),
                "--out",
                p(&env.path("forged.pem")),
            ],
        )
        .code(2);
    assert!(run.stderr.contains("does not verify"), "{}", run.describe());
}

#[test]
fn openssl_made_sm2_certificates_verify_in_govpki() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let rkey = env.path("oroot.key");
    let lkey = env.path("oleaf.key");
    for k in [&rkey, &lkey] {
        tool("openssl", ["genpkey", "-algorithm", "SM2", "-out", p(k)]).success();
    }
    let root = env.path("oroot.pem");
    tool(
        "openssl",
        [
            "req",
            "-x509",
            "-new",
            "-key",
            p(&rkey),
            "-subj",
            "/C=CN/O=OpenSSL/CN=OpenSSL SM2 root",
            "-sm3",
            "-sigopt",
            DISTID,
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            p(&root),
        ],
    )
    .success();
    let csr = env.path("oleaf.csr");
    tool(
        "openssl",
        [
            "req",
            "-new",
            "-key",
            p(&lkey),
            "-subj",
            "/C=CN/O=OpenSSL/CN=OpenSSL SM2 leaf",
            "-sm3",
            "-sigopt",
            DISTID,
            "-out",
            p(&csr),
        ],
    )
    .success();
    let ext = env.write(
        "leaf.ext",
        "keyUsage=critical,digitalSignature,nonRepudiation\n",
    );
    let sign_leaf = |name: &str, with_id: bool| {
        let out = env.path(name);
        let mut args = vec![
            "x509",
            "-req",
            "-in",
            p(&csr),
            "-CA",
            p(&root),
            "-CAkey",
            p(&rkey),
            "-sm3",
            "-days",
            "10",
            "-set_serial",
            "7",
            "-extfile",
            p(&ext),
            "-vfyopt",
            DISTID,
            "-out",
            p(&out),
        ];
        if with_id {
            args.extend(["-sigopt", DISTID]);
        }
        tool("openssl", args).success();
        out
    };
    let home = env.path("no-home");
    let verify = |leaf: &Path| env.run(&home, ["cert", "verify", p(leaf), "--trust", p(&root)]);
    let good = sign_leaf("good.pem", true);
    verify(&good).success();
    // Controls: the empty user ID; a flipped bit; a wrong key (another root's name-alike).
    let empty = sign_leaf("empty.pem", false);
    verify(&empty).code(1);
    let mut der = der_of(&good);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    verify(&env.write("flipped.der", &der)).code(1);
    // Raw r || s in place of DER: not a signature at all.
    let (tbs, alg, sig) = tbs_and_signature(&der_of(&good));
    let raw = raw_r_s(&sig);
    let mut bits = vec![0u8];
    bits.extend(&raw);
    let body = [tbs, alg, tlv(0x03, &bits)].concat();
    verify(&env.write("raw.der", tlv(0x30, &body))).code(1);
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    govpki::tlv::tlv(tag, content)
}

#[test]
fn sm2_keys_are_encrypted_pkcs8_that_openssl_reads_and_we_read_openssls() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let pw = env.passphrase_file("pw", "国密 passphrase");
    let home = env.path("root");
    env.run(
        &home,
        [
            "ca",
            "init",
            "--subject",
            "CN=SM2 根CA,O=连云港市人民政府,C=CN",
            "--algorithm",
            "sm2",
            "--passphrase-file",
            p(&pw),
        ],
    )
    .success();
    let root = Ca::at(home.clone());
    let key_text = std::fs::read_to_string(root.key()).unwrap();
    assert!(key_text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    // OpenSSL opens ours; it is id-ecPublicKey on the SM2 curve; the public key is the CA's.
    assert_eq!(
        openssl_pubkey("key", &root.key(), Some(&pw)),
        openssl_pubkey("cert", &root.cert, None)
    );
    let plain = tool(
        "openssl",
        [
            "pkey",
            "-in",
            p(&root.key()),
            "-passin",
            &format!("file:{}", p(&pw)),
        ],
    )
    .success();
    let plain_file = env.write("plain.pem", &plain.stdout_bytes);
    let parsed = tool("openssl", ["asn1parse", "-in", p(&plain_file)]).success();
    assert!(
        parsed.stdout.contains(":id-ecPublicKey"),
        "{}",
        parsed.stdout
    );
    assert!(parsed.stdout.contains(":sm2"), "{}", parsed.stdout);
    // Control: a wrong passphrase.
    let wrong = env.passphrase_file("wrong", "not it");
    tool(
        "openssl",
        [
            "pkey",
            "-in",
            p(&root.key()),
            "-passin",
            &format!("file:{}", p(&wrong)),
            "-noout",
        ],
    )
    .failure();

    // Ours reads OpenSSL's: the same key, re-encoded and encrypted by OpenSSL (PBKDF2, AES),
    // signs the next CRL.
    let reenc = tool(
        "openssl",
        [
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            p(&plain_file),
            "-passout",
            &format!("file:{}", p(&pw)),
        ],
    )
    .success();
    std::fs::write(root.key(), &reenc.stdout_bytes).unwrap();
    let crl = env.crl(&root, "root.crl", true, &["--passphrase-file", p(&pw)]);
    openssl_judges(
        &env,
        "CRL signed with OpenSSL's encryption of the key",
        &der_of(&crl),
        &cert_pub(&env, &root.cert, "root"),
        &stranger(&env),
    );
    let run = env
        .run(
            &home,
            [
                "crl",
                "generate",
                "--passphrase-file",
                p(&wrong),
                "--out",
                p(&env.path("x.crl")),
            ],
        )
        .code(2);
    assert!(run.stderr.contains("passphrase"), "{}", run.describe());

    // And a fresh key OpenSSL generated and encrypted.
    let okey = env.path("ossl.key");
    tool(
        "openssl",
        ["genpkey", "-algorithm", "SM2", "-out", p(&okey)],
    )
    .success();
    let enc = tool(
        "openssl",
        [
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            p(&okey),
            "-passout",
            "pass:secret",
        ],
    )
    .success();
    let key = govpki::ca::keys::PrivateKey::from_pem(&enc.stdout, || {
        Ok(zeroize::Zeroizing::new("secret".to_string()))
    })
    .expect("OpenSSL's encrypted SM2 key opens");
    assert_eq!(key.algorithm(), govpki::ca::keys::Algorithm::Sm2);
    let public = pem::parse(openssl_pubkey("key", &okey, None)).unwrap();
    assert_eq!(key.spki_der(), public.contents());
}

#[test]
fn gmssl_verifies_our_certificate_signatures() {
    if !gmssl::available() || !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let root = sm2_root(&env, "root");
    let other = sm2_root(&env, "other");
    let leaf = env.issue(
        &root,
        "seal",
        "seal",
        &subject_for("seal"),
        &sans_for("seal"),
        &["--algorithm", "sm2"],
    );
    let judge = |public: &str, sig: &[u8], tbs: &[u8]| gmssl::verify(&env, public, tbs, sig);
    let root_point = gmssl::public_hex_of_cert(&der_of(&root.cert));
    for (what, der) in [("root", der_of(&root.cert)), ("seal", der_of(&leaf.cert))] {
        let (tbs, _, sig) = tbs_and_signature(&der);
        assert!(judge(&root_point, &sig, &tbs), "{what}");
        let mut flipped = tbs.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x01;
        assert!(!judge(&root_point, &sig, &flipped), "{what}: a flipped bit");
        assert!(
            !judge(&gmssl::public_hex_of_cert(&der_of(&other.cert)), &sig, &tbs),
            "{what}: another key"
        );
        assert!(
            !judge(&root_point, &raw_r_s(&sig), &tbs),
            "{what}: raw r||s"
        );
    }
    // The empty user ID: the same TBS signed by OpenSSL's default does not verify in gmssl.
    let (tbs, _, _) = tbs_and_signature(&der_of(&leaf.cert));
    let tbs_file = env.write("gm/empty-tbs.der", &tbs);
    let plain_key = root.key();
    let empty = tool(
        "openssl",
        ["dgst", "-sm3", "-sign", p(&plain_key), p(&tbs_file)],
    )
    .success();
    let with_id = tool(
        "openssl",
        [
            "dgst",
            "-sm3",
            "-sigopt",
            DISTID,
            "-sign",
            p(&plain_key),
            p(&tbs_file),
        ],
    )
    .success();
    assert!(!judge(&root_point, &empty.stdout_bytes, &tbs));
    // ... while OpenSSL's with the ID does: the control is not broken.
    assert!(judge(&root_point, &with_id.stdout_bytes, &tbs));
}

#[test]
fn pkilint_finds_no_error_in_sm2_certificates() {
    if !require_tool("lint_pkix_cert") {
        return;
    }
    let env = Env::new();
    let root = sm2_root(&env, "root");
    let sub = env.sub_ca("sub", &root, &["--algorithm", "sm2"]);
    let mut certs = vec![root.cert.clone(), sub.cert.clone()];
    for profile in ["person", "seal", "department"] {
        certs.push(
            env.issue(
                &sub,
                profile,
                profile,
                &subject_for(profile),
                &sans_for(profile),
                &["--algorithm", "sm2"],
            )
            .cert,
        );
    }
    for cert in certs {
        let run = tool("lint_pkix_cert", ["lint", "-s", "ERROR", p(&cert)]);
        assert!(
            run.code == Some(0) && run.stdout.trim().is_empty(),
            "{}",
            run.describe()
        );
    }
}

#[test]
fn a_batch_issues_sm2_certificates_with_encrypted_keys_and_sm2_csrs() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let stranger = stranger(&env);
    let root = sm2_root(&env, "root");
    let root_pub = cert_pub(&env, &root.cert, "root");
    let (_, csr) = env.csr_create(
        "own",
        &format!("CN=丙,{DEPT}"),
        &[],
        &["--algorithm", "sm2"],
    );
    let batch = env.write(
        "batch.yaml",
        format!(
            "- subject: \"CN=甲,{DEPT}\"\n  profile: person\n- subject: \"CN=乙,{DEPT}\"\n  profile: seal\n- subject: \"CN=丙,{DEPT}\"\n  profile: department\n  csr: {}\n",
            p(&csr)
        ),
    );
    let pw = env.passphrase_file("pw", "batch secret");
    let out_dir = env.path("issued");
    let lines = env
        .run(
            &root.home,
            [
                "--json",
                "cert",
                "issue",
                "--batch",
                p(&batch),
                "--out-dir",
                p(&out_dir),
                "--algorithm",
                "sm2",
                "--key-passphrase-file",
                p(&pw),
            ],
        )
        .success()
        .json_lines();
    assert_eq!(lines.len(), 3);
    for l in &lines {
        let serial = json_str(l, "serial");
        let cert = out_dir.join(format!("{serial}.pem"));
        openssl_judges(&env, "batch", &der_of(&cert), &root_pub, &stranger);
        env.run(&root.home, ["cert", "verify", p(&cert)]).success();
        let shown = env
            .run(&root.home, ["--json", "cert", "show", p(&cert)])
            .success()
            .json();
        assert_eq!(shown["key"], "SM2");
        let key = out_dir.join(format!("{serial}.key"));
        if key.exists() {
            // Keys of one batch share a scrypt derivation; OpenSSL still opens each.
            assert_eq!(
                openssl_pubkey("key", &key, Some(&pw)),
                openssl_pubkey("cert", &cert, None)
            );
        } else {
            assert_eq!(
                openssl_pubkey("cert", &cert, None),
                openssl_pubkey("csr", &csr, None)
            );
        }
    }
}
