//! `seal sign` with an SM2 holder writes GB/T 38540 version 4 `SES_Signature`s (issue #10),
//! through the CLI from end to end: an SM2 CA made by govpki, an SM2 seal authority's seal, an
//! SM2 holder certificate and key; `seal verify` judges the result as it judges foreign SES
//! files; OpenSSL (with the GM/T 0009 user ID) and the pure-Python gmssl verify the signature
//! over `TBS_Sign`; the document's SM3 in `dataHash` is OpenSSL's. Negative controls: another
//! document, a flipped bit, the empty user ID, a key that is not the holder's, the wrong format
//! for the key.

mod common;
#[path = "tools/gmssl.rs"]
mod gmssl;

use std::path::{Path, PathBuf};

use common::*;

const DISTID: &str = "distid:1234567812345678";

struct Pki {
    env: Env,
    root: Ca,
    holder: Issued,
    seal: PathBuf,
}

/// An SM2 root (also the seal authority), an SM2 `seal` holder and the root's seal for him.
fn sm2_pki() -> Pki {
    let env = Env::new();
    let root = env.root_ca("root", "sm2", &[]);
    let holder = env.issue(
        &root,
        "holder",
        "seal",
        &subject_for("seal"),
        &sans_for("seal"),
        &["--algorithm", "sm2"],
    );
    let seal = env.path("office.esl");
    env.run(
        &root.home,
        [
            "seal",
            "create",
            "--name",
            "办公室",
            "--type",
            "official",
            "--department",
            "办公室",
            "--holder-cert",
            p(&holder.cert),
            "--out",
            p(&seal),
        ],
    )
    .success();
    Pki {
        env,
        root,
        holder,
        seal,
    }
}

fn sign_args<'a>(pki: &'a Pki, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--json",
        "seal",
        "sign",
        "--seal",
        p(&pki.seal),
        "--key",
        p(pki.holder.key.as_ref().unwrap()),
        "--cert",
        p(&pki.holder.cert),
    ];
    args.extend_from_slice(extra);
    args
}

/// (DER(TBS_Sign), DER signature, the dataHash) of an `SES_Signature`.
fn ses_parts(ses: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let top = child_tlvs(ses);
    assert_eq!(
        top.len(),
        4,
        "SES_Signature without timeStamp has 4 elements"
    );
    let tbs = child_tlvs(&top[0]);
    // version, eseal, timeInfo, dataHash, propertyInfo
    assert_eq!(tbs.len(), 5, "TBS_Sign without extDatas has 5 elements");
    assert_eq!(tbs[0], [0x02, 0x01, 0x04], "TBS_Sign.version is 4");
    assert_eq!(tbs[2][0], 0x18, "timeInfo is a GeneralizedTime");
    assert_eq!(tbs[4][0], 0x16, "propertyInfo is an IA5String");
    assert_eq!(top[1][0], 0x04, "cert is an OCTET STRING");
    assert_eq!(
        top[2],
        [0x06, 0x08, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75],
        "signatureAlgorithm is SM2-with-SM3 (1.2.156.10197.1.501)"
    );
    (top[0].clone(), bit_string(&top[3]), bit_string(&tbs[3]))
}

fn holder_pub(pki: &Pki) -> PathBuf {
    pki.env.write(
        "judge/holder.pub.pem",
        openssl_pubkey("cert", &pki.holder.cert, None),
    )
}

fn dgst_verify(env: &Env, public: &Path, tbs: &[u8], sig: &[u8], id: bool) -> bool {
    let tbs = env.write("judge/tbs.bin", tbs);
    let sig = env.write("judge/sig.bin", sig);
    let mut args = vec!["dgst", "-sm3"];
    if id {
        args.extend(["-sigopt", DISTID]);
    }
    args.extend(["-verify", p(public), "-signature", p(&sig), p(&tbs)]);
    let run = tool("openssl", args);
    run.code == Some(0) && run.stdout.contains("Verified OK")
}

/// An SM2 seal authority (here the SM2 root) makes a GB/T 38540 v4 seal signed SM2-with-SM3,
/// which `seal show` verifies; a flipped bit in its signature is caught.
#[test]
fn an_sm2_seal_authority_makes_an_sm2_seal() {
    let pki = sm2_pki();
    let env = &pki.env;
    let shown = env
        .run(&pki.root.home, ["seal", "show", p(&pki.seal)])
        .success();
    for expected in [
        "SM2-with-SM3",
        "SESeal version 4",
        "verifies with the authority certificate",
    ] {
        assert!(shown.stdout.contains(expected), "{}", shown.stdout);
    }
    let mut forged = std::fs::read(&pki.seal).unwrap();
    *forged.last_mut().unwrap() ^= 1;
    let forged = env.write("forged.esl", &forged);
    let run = env.run(&pki.root.home, ["seal", "show", p(&forged)]);
    assert!(
        !run.stdout
            .contains("verifies with the authority certificate"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_sm2_holder_seals_documents_as_ses_and_seal_verify_judges_them() {
    let pki = sm2_pki();
    let env = &pki.env;
    let a = env.write("docs/notice.txt", b"notice of the municipal government");
    let b = env.write("docs/通知.txt", vec![0x5a; 100_000]);
    // No --format: an SM2 holder's key signs SES.
    let run = env
        .run(&pki.root.home, sign_args(&pki, &[p(&a), p(&b)]))
        .success();
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    for (line, doc) in lines.iter().zip([&a, &b]) {
        assert_eq!(line["digest_algorithm"], "sm3", "{line}");
        let sig = json_str(line, "signature");
        assert_eq!(sig, format!("{}.ses", doc.display()), "{line}");
        assert!(!Path::new(&format!("{}.p7s", doc.display())).exists());
    }

    // Our verifier, on the home's root, finds DOC.ses by itself.
    let report = env
        .run(&pki.root.home, ["--json", "seal", "verify", p(&a)])
        .code(0)
        .json();
    assert_eq!(report["verdict"], "valid", "{report}");
    assert_eq!(report["format"], "ses", "{report}");
    env.run(&pki.root.home, ["seal", "verify", p(&a), p(&b)])
        .code(0);

    // The structure, and the document's SM3 as OpenSSL computes it.
    let ses = std::fs::read(format!("{}.ses", b.display())).unwrap();
    let (_, _, data_hash) = ses_parts(&ses);
    let sm3 = tool("openssl", ["dgst", "-sm3", "-r", p(&b)]).success();
    assert_eq!(
        hex::encode(&data_hash),
        sm3.stdout.split_whitespace().next().unwrap(),
        "dataHash is the document's SM3"
    );
    // propertyInfo: the file name, percent-encoded outside printable ASCII.
    let shown = env.run(
        &pki.root.home,
        ["seal", "show", &format!("{}.ses", b.display())],
    );
    assert!(
        shown.stdout.contains("%E9%80%9A%E7%9F%A5.txt"),
        "{}",
        shown.describe()
    );

    // Another document, and a flipped bit in the signature, are invalid.
    let other = env.write("docs/other.txt", b"another document");
    let a_sig = format!("{}.ses", a.display());
    let report = env
        .run(
            &pki.root.home,
            ["--json", "seal", "verify", p(&other), "--sig", &a_sig],
        )
        .code(1)
        .json();
    assert_eq!(report["verdict"], "invalid", "{report}");
    let mut flipped = std::fs::read(&a_sig).unwrap();
    *flipped.last_mut().unwrap() ^= 0x01;
    let flipped = env.write("docs/flipped.ses", &flipped);
    let report = env
        .run(
            &pki.root.home,
            ["--json", "seal", "verify", p(&a), "--sig", p(&flipped)],
        )
        .code(1)
        .json();
    assert_eq!(report["verdict"], "invalid", "{report}");
}

#[test]
fn openssl_and_gmssl_verify_the_ses_signature_made_through_the_cli() {
    if !require_tool("openssl") {
        return;
    }
    let pki = sm2_pki();
    let env = &pki.env;
    let doc = env.write("notice.ofd", b"an OFD package stands here");
    env.run(&pki.root.home, sign_args(&pki, &[p(&doc)]))
        .success();
    let ses = std::fs::read(env.path("notice.ofd.ses")).unwrap();
    let (tbs, sig, _) = ses_parts(&ses);
    let public = holder_pub(&pki);
    assert!(
        dgst_verify(env, &public, &tbs, &sig, true),
        "OpenSSL with distid"
    );
    // Controls: OpenSSL's empty user ID, a flipped bit, the seal authority's key.
    assert!(
        !dgst_verify(env, &public, &tbs, &sig, false),
        "empty user ID"
    );
    let mut flipped = tbs.clone();
    *flipped.last_mut().unwrap() ^= 0x01;
    assert!(
        !dgst_verify(env, &public, &flipped, &sig, true),
        "flipped bit"
    );
    let authority = env.write(
        "judge/root.pub.pem",
        openssl_pubkey("cert", &pki.root.cert, None),
    );
    assert!(!dgst_verify(env, &authority, &tbs, &sig, true), "wrong key");

    if !gmssl::available() {
        return;
    }
    let point = gmssl::public_hex_of_cert(&der_of(&pki.holder.cert));
    assert!(gmssl::verify(env, &point, &tbs, &sig), "gmssl");
    assert!(
        !gmssl::verify(env, &point, &flipped, &sig),
        "gmssl, flipped bit"
    );
}

#[test]
fn the_format_must_fit_the_key_and_nothing_is_written_otherwise() {
    let pki = sm2_pki();
    let env = &pki.env;
    let doc = env.write("notice.txt", b"notice");
    // An SM2 key cannot make a .p7s.
    let run = env
        .run(
            &pki.root.home,
            sign_args(&pki, &["--format", "p7s", p(&doc)]),
        )
        .code(2);
    assert!(
        run.error_text().contains("not offered"),
        "{}",
        run.describe()
    );
    assert!(
        run.error_text().contains("--format ses"),
        "{}",
        run.describe()
    );
    // An ECDSA holder cannot make an SES_Signature, before any key is unlocked.
    let ecdsa = env.issue(
        &pki.root,
        "ecdsa-holder",
        "seal",
        &subject_for("seal"),
        &sans_for("seal"),
        &[],
    );
    let run = env
        .run(
            &pki.root.home,
            [
                "seal",
                "sign",
                "--seal",
                p(&pki.seal),
                "--key",
                p(ecdsa.key.as_ref().unwrap()),
                "--cert",
                p(&ecdsa.cert),
                "--format",
                "ses",
                p(&doc),
            ],
        )
        .code(2);
    assert!(
        run.stderr.contains("does not certify an SM2 key"),
        "{}",
        run.stderr
    );
    // Another SM2 key than the holder's.
    let stranger = env.issue(
        &pki.root,
        "stranger",
        "seal",
        &subject_for("seal"),
        &sans_for("seal"),
        &["--algorithm", "sm2"],
    );
    let run = env
        .run(
            &pki.root.home,
            [
                "seal",
                "sign",
                "--seal",
                p(&pki.seal),
                "--key",
                p(stranger.key.as_ref().unwrap()),
                "--cert",
                p(&pki.holder.cert),
                p(&doc),
            ],
        )
        .code(2);
    assert!(run.stderr.contains("does not belong"), "{}", run.stderr);
    assert!(!env.path("notice.txt.p7s").exists());
    assert!(!env.path("notice.txt.ses").exists());
}

/// A revoked holder cannot seal; a signature made before the revocation is judged against
/// the CRL at the time asked.
#[test]
fn a_revoked_sm2_holder_is_refused_and_its_signatures_judged_revoked_now() {
    let pki = sm2_pki();
    let env = &pki.env;
    let doc = env.write("notice.txt", b"notice");
    env.run(&pki.root.home, sign_args(&pki, &[p(&doc)]))
        .success();
    env.run(
        &pki.root.home,
        [
            "cert",
            "revoke",
            &pki.holder.serial,
            "--reason",
            "keyCompromise",
        ],
    )
    .success();
    let later = env.write("later.txt", b"later");
    let run = env
        .run(&pki.root.home, sign_args(&pki, &[p(&later)]))
        .code(1);
    assert!(run.stdout.contains("refused"), "{}", run.describe());
    assert!(!env.path("later.txt.ses").exists());

    let crl = env.path("root.crl");
    env.run(&pki.root.home, ["crl", "generate", "--out", p(&crl)])
        .success();
    let now = time::OffsetDateTime::now_utc() + time::Duration::minutes(1);
    let at = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let report = env
        .run(
            &pki.root.home,
            [
                "--json",
                "seal",
                "verify",
                p(&doc),
                "--crl",
                p(&crl),
                "--at",
                &at,
            ],
        )
        .code(1)
        .json();
    assert_eq!(report["verdict"], "invalid", "{report}");
    assert!(report.to_string().contains("revoked"), "{report}");
}

/// `govpki-test` (the test binary) with its clock moved by `offset` seconds.
fn at_offset(env: &Env, home: &Path, offset: i64, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(GOVPKI_TEST_BIN)
        .env("GOVPKI_HOME", home)
        .env("NO_COLOR", "1")
        .env("GOVPKI_NO_CACHE", "1")
        .env_remove("GOVPKI_POLICY")
        .env(CLOCK_OFFSET_VAR, offset.to_string())
        .current_dir(env.path(""))
        .stdin(std::process::Stdio::null())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "govpki-test {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A signer who lies about the time: the holder of a key revoked for keyCompromise signs
/// outside the CA's home (no store to refuse him) on a clock set back a day, so `timeInfo`
/// claims a time before the revocation. Judged at that claimed time, the signature is invalid:
/// a key compromise voids every claimed (not time-stamped) time. The control: the same backdated
/// signature by a holder revoked as `superseded` stays valid at its claimed time.
#[test]
fn a_backdated_ses_signature_by_a_compromised_key_is_invalid() {
    let env = Env::new();
    let home = env.path("root");
    let day = 86_400;
    let root_subject = "CN=root 根CA,O=连云港市人民政府,C=CN";
    at_offset(
        &env,
        &home,
        -2 * day,
        &[
            "ca",
            "init",
            "--subject",
            root_subject,
            "--algorithm",
            "sm2",
            "--no-passphrase",
        ],
    );
    let verdict_for = |name: &str, reason: &str| {
        let key = env.path(&format!("{name}.key"));
        let cert = env.path(&format!("{name}.pem"));
        let seal = env.path(&format!("{name}.esl"));
        let issued = at_offset(
            &env,
            &home,
            -2 * day,
            &[
                "--json",
                "cert",
                "issue",
                "--profile",
                "seal",
                "--subject",
                &format!("CN={name},O=连云港市人民政府,C=CN"),
                "--algorithm",
                "sm2",
                "--key-out",
                p(&key),
                "--no-key-passphrase",
                "--out",
                p(&cert),
            ],
        );
        let issued: serde_json::Value = serde_json::from_slice(&issued.stdout).unwrap();
        at_offset(
            &env,
            &home,
            -2 * day,
            &[
                "seal",
                "create",
                "--name",
                "办公室",
                "--type",
                "official",
                "--department",
                "办公室",
                "--holder-cert",
                p(&cert),
                "--out",
                p(&seal),
            ],
        );
        env.run(
            &home,
            [
                "cert",
                "revoke",
                &json_str(&issued, "serial"),
                "--reason",
                reason,
            ],
        )
        .success();
        let doc = env.write(&format!("{name}.txt"), b"notice");
        let elsewhere = env.path("no-home");
        at_offset(
            &env,
            &elsewhere,
            -day,
            &[
                "seal",
                "sign",
                "--seal",
                p(&seal),
                "--key",
                p(&key),
                "--cert",
                p(&cert),
                p(&doc),
            ],
        );
        let crl = env.path(&format!("{name}.crl"));
        env.run(&home, ["crl", "generate", "--out", p(&crl)])
            .success();
        env.run(
            &home,
            ["--json", "seal", "verify", p(&doc), "--crl", p(&crl)],
        )
        .json()
    };
    let compromised = verdict_for("compromised", "keyCompromise");
    assert_eq!(compromised["verdict"], "invalid", "{compromised}");
    assert!(
        compromised.to_string().contains("keyCompromise"),
        "{compromised}"
    );
    let superseded = verdict_for("superseded", "superseded");
    assert_eq!(superseded["verdict"], "valid", "{superseded}");
}
