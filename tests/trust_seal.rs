//! Issue "a trust core an insider cannot fool", seal part: seals count only when a seal authority
//! made them, and revocation means what RFC 5280 and ETSI EN 319 102-1 say. Every attack runs the
//! real `govpki` binary and asserts the refusal (exit code and message):
//! - a staff member forges the municipal government's official seal with their own `person`
//!   certificate and key, as a GB/T 38540 `SES_Signature` and as a `.p7s`;
//! - a seal holder makes a seal with its own key;
//! - `seal create` with a person's key;
//! - a hold that becomes a revocation keeps the hold's date on the CRL;
//! - a key revoked for keyCompromise does not make valid signatures by claiming an earlier
//!   signing time; a trusted time-stamp before the compromise does save them; a superseded key
//!   does not void earlier signatures.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Ca, Env, Issued, ORG};
use der::Encode;
use der::asn1::{BitString, GeneralizedTime, Ia5String, OctetString};
use govpki::seal::{
    DigestAlgorithm, RingSigner, SealSigner, SealSpec, SealType, create_seal, hash_document_with,
    render_seal_svg,
};
use serde_json::Value;
use time::OffsetDateTime;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/gbt38540");
const GOV: &str = "连云港市人民政府";

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

fn have_openssl() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("GOVPKI_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "openssl is required (GOVPKI_REQUIRE_TOOLS=1) but not installed"
        );
        eprintln!("!!!!!!!! SKIPPING: `openssl` is not installed (.ci/run installs it) !!!!!!!!");
    }
    ok
}

/// A root CA home, a staff member's `person` certificate, a seal holder (`seal` profile), a
/// document.
struct Fx {
    env: Env,
    ca: Ca,
    staff: Issued,
    holder: Issued,
    doc: PathBuf,
}

impl Fx {
    fn new() -> Fx {
        let env = Env::new();
        let ca = env.root_ca("home", "p256", &[]);
        let staff = env.issue(
            &ca,
            "staff",
            "person",
            &format!("CN=Staff,OU=办公室,{ORG}"),
            &[],
            &[],
        );
        let holder = env.issue(
            &ca,
            "holder",
            "seal",
            &format!("CN=李四,OU=办公室,{ORG}"),
            &[],
            &[],
        );
        let doc = env.write("doc.txt", "关于召开2026年度工作会议的通知\n".repeat(40));
        Fx {
            env,
            ca,
            staff,
            holder,
            doc,
        }
    }

    fn run(&self, args: &[&str]) -> common::Run {
        self.env.run(&self.ca.home, args)
    }

    /// `seal verify --json ARGS` in the CA's home: (exit code, the report).
    fn verify(&self, args: &[&str]) -> (Option<i32>, Value) {
        let mut all = vec!["--json", "seal", "verify"];
        all.extend_from_slice(args);
        let r = self.run(&all);
        assert!(!r.stderr.contains("panicked"), "{}", r.describe());
        (r.code, r.json())
    }

    /// A seal made by the holder of `maker` with its key (what an insider can do without the
    /// CA), listing `holders`, written to `rel`.
    fn hand_made_seal(&self, maker: &Issued, holders: &[&Issued], rel: &str) -> PathBuf {
        let now = OffsetDateTime::now_utc();
        let spec = SealSpec {
            name: GOV.to_string(),
            seal_type: SealType::Official,
            department: "办公室".to_string(),
            holder_certs: holders.iter().map(|h| der_of(&h.cert)).collect(),
            image: render_seal_svg(GOV, SealType::Official).unwrap(),
            valid_from: now - time::Duration::days(1),
            valid_until: now + time::Duration::days(365),
            created: now - time::Duration::days(1),
            es_id: format!("forged-{rel}"),
        };
        let seal = create_seal(&spec, &der_of(&maker.cert), &signer_of(maker)).unwrap();
        self.env.write(rel, seal.to_der())
    }
}

fn der_of(cert: &Path) -> Vec<u8> {
    pem::parse(std::fs::read(cert).unwrap())
        .unwrap()
        .into_contents()
}

fn signer_of(who: &Issued) -> RingSigner {
    let key = pem::parse(std::fs::read(who.key.as_ref().unwrap()).unwrap()).unwrap();
    RingSigner::from_pkcs8_der(key.contents()).unwrap()
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report}"))
}

#[track_caller]
fn assert_not_a_seal_authority(code: Option<i32>, r: &Value) {
    assert_eq!(code, Some(1), "{r}");
    assert_eq!(r["verdict"], "invalid", "{r}");
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .contains("not a seal authority"),
        "{r}"
    );
    assert_eq!(check(r, "seal_authority_chain")["status"], "fail", "{r}");
}

/// A GB/T 38540 v4 `SES_Signature` over `doc` built by hand: the seal, `time_info`, SM3 of the
/// document as dataHash, signed by `signer` (whose certificate it carries).
fn hand_made_ses(
    seal_der: &[u8],
    doc: &[u8],
    signer: &Issued,
    time_info: OffsetDateTime,
) -> Vec<u8> {
    use der::{Header, Length, Tag};
    fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = parts.concat();
        let mut out = Vec::new();
        Header::new(Tag::Sequence, Length::try_from(body.len()).unwrap())
            .unwrap()
            .encode_to_vec(&mut out)
            .unwrap();
        out.extend(body);
        out
    }
    let hash = hash_document_with(DigestAlgorithm::Sm3, doc).unwrap();
    let tbs = sequence(&[
        4u32.to_der().unwrap(),
        seal_der.to_vec(),
        GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
            time_info.unix_timestamp() as u64,
        ))
        .unwrap()
        .to_der()
        .unwrap(),
        BitString::from_bytes(&hash.value)
            .unwrap()
            .to_der()
            .unwrap(),
        Ia5String::new("doc.txt").unwrap().to_der().unwrap(),
    ]);
    let key = signer_of(signer);
    let signature = key.sign(&tbs).unwrap();
    sequence(&[
        tbs,
        OctetString::new(der_of(&signer.cert))
            .unwrap()
            .to_der()
            .unwrap(),
        key.algorithm_oid().to_der().unwrap(),
        BitString::from_bytes(&signature).unwrap().to_der().unwrap(),
    ])
}

#[test]
fn a_staff_member_cannot_forge_the_official_seal_as_an_ses_signature() {
    let fx = Fx::new();
    // The insider's own person certificate makes the seal, holds it, and signs.
    let seal = fx.hand_made_seal(&fx.staff, &[&fx.staff], "forged.esl");
    let ses = hand_made_ses(
        &std::fs::read(&seal).unwrap(),
        &std::fs::read(&fx.doc).unwrap(),
        &fx.staff,
        OffsetDateTime::now_utc() - time::Duration::minutes(1),
    );
    let sig = fx.env.write("doc.txt.ses", &ses);
    let (code, r) = fx.verify(&[p(&fx.doc), "--sig", p(&sig)]);
    assert_eq!(r["format"], "ses", "{r}");
    // Everything else about it holds: only the maker gives it away.
    for id in [
        "document_hash",
        "signer_signature",
        "signer_listed",
        "seal_signature",
    ] {
        assert_eq!(check(&r, id)["status"], "pass", "{id}: {r}");
    }
    assert_not_a_seal_authority(code, &r);
    assert!(r["reason"].as_str().unwrap().contains("CN=Staff"), "{r}");

    // `seal show` says so too, for the seal and for the signature.
    let shown = fx.run(&["seal", "show", p(&seal)]).success();
    assert!(
        shown.stdout.contains("NOT A SEAL AUTHORITY"),
        "{}",
        shown.stdout
    );
    let shown = fx.run(&["seal", "show", p(&sig)]).success();
    assert!(
        shown.stdout.contains("NOT A SEAL AUTHORITY"),
        "{}",
        shown.stdout
    );
}

#[test]
fn a_staff_member_cannot_forge_the_official_seal_as_a_p7s() {
    let fx = Fx::new();
    // Made with the person key, listing the real seal holder, applied by `seal sign`.
    let seal = fx.hand_made_seal(&fx.staff, &[&fx.holder], "forged.esl");
    let holder_key = fx.holder.key.clone().unwrap();
    fx.run(&[
        "-q",
        "seal",
        "sign",
        "--seal",
        p(&seal),
        "--key",
        p(&holder_key),
        "--cert",
        p(&fx.holder.cert),
        p(&fx.doc),
    ])
    .success();
    let (code, r) = fx.verify(&[p(&fx.doc)]);
    assert_not_a_seal_authority(code, &r);
    // A reviewer elsewhere, trusting the root: the same.
    let r = fx
        .env
        .run(
            &fx.env.path("nohome"),
            [
                "--json",
                "seal",
                "verify",
                p(&fx.doc),
                "--trust",
                p(&fx.ca.cert),
            ],
        )
        .code(1);
    assert_not_a_seal_authority(Some(1), &r.json());
}

#[test]
fn a_seal_holder_is_not_a_seal_authority() {
    let fx = Fx::new();
    let seal = fx.hand_made_seal(&fx.holder, &[&fx.holder], "self-made.esl");
    let holder_key = fx.holder.key.clone().unwrap();
    fx.run(&[
        "-q",
        "seal",
        "sign",
        "--seal",
        p(&seal),
        "--key",
        p(&holder_key),
        "--cert",
        p(&fx.holder.cert),
        p(&fx.doc),
    ])
    .success();
    let (code, r) = fx.verify(&[p(&fx.doc)]);
    assert_not_a_seal_authority(code, &r);
    assert!(r["reason"].as_str().unwrap().contains("李四"), "{r}");
}

#[test]
fn seal_create_refuses_a_key_that_is_not_a_seal_authority() {
    let fx = Fx::new();
    let out = fx.env.path("staff.esl");
    let staff_key = fx.staff.key.clone().unwrap();
    let r = fx
        .run(&[
            "seal",
            "create",
            "--name",
            GOV,
            "--type",
            "official",
            "--department",
            "办公室",
            "--holder-cert",
            p(&fx.holder.cert),
            "--authority-cert",
            p(&fx.staff.cert),
            "--authority-key",
            p(&staff_key),
            "--out",
            p(&out),
        ])
        .code(2);
    assert!(r.stderr.contains("cannot make seals"), "{}", r.describe());
    assert!(
        r.stderr.contains("not a seal authority"),
        "{}",
        r.describe()
    );
    assert!(!out.exists());
    // The seal holder's key neither.
    let holder_key = fx.holder.key.clone().unwrap();
    let r = fx
        .run(&[
            "seal",
            "create",
            "--name",
            GOV,
            "--type",
            "official",
            "--department",
            "办公室",
            "--holder-cert",
            p(&fx.holder.cert),
            "--authority-cert",
            p(&fx.holder.cert),
            "--authority-key",
            p(&holder_key),
            "--out",
            p(&out),
        ])
        .code(2);
    assert!(
        r.stderr.contains("not a seal authority"),
        "{}",
        r.describe()
    );
    assert!(!out.exists());
}

#[test]
fn a_seal_authority_certificate_makes_valid_seals() {
    let fx = Fx::new();
    let sa = fx.env.issue(
        &fx.ca,
        "sa",
        "seal-authority",
        &format!("CN=印章管理部门,{ORG}"),
        &[],
        &[],
    );
    if have_openssl() {
        let o = Command::new("openssl")
            .args(["x509", "-noout", "-ext", "extendedKeyUsage", "-in"])
            .arg(&sa.cert)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("1.3.6.1.4.1.32473.1.3.1"), "{text}");
    }
    let seal = fx.env.path("gov.esl");
    let sa_key = sa.key.clone().unwrap();
    fx.run(&[
        "-q",
        "seal",
        "create",
        "--name",
        GOV,
        "--type",
        "official",
        "--department",
        "办公室",
        "--holder-cert",
        p(&fx.holder.cert),
        "--authority-cert",
        p(&sa.cert),
        "--authority-key",
        p(&sa_key),
        "--out",
        p(&seal),
    ])
    .success();
    let holder_key = fx.holder.key.clone().unwrap();
    fx.run(&[
        "-q",
        "seal",
        "sign",
        "--seal",
        p(&seal),
        "--key",
        p(&holder_key),
        "--cert",
        p(&fx.holder.cert),
        p(&fx.doc),
    ])
    .success();
    let (code, r) = fx.verify(&[p(&fx.doc)]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["verdict"], "valid", "{r}");
    assert!(
        r["authority"].as_str().unwrap().contains("印章管理部门"),
        "{r}"
    );
    let shown = fx.run(&["seal", "show", p(&seal)]).success();
    assert!(
        shown
            .stdout
            .contains("a seal authority of this home's hierarchy"),
        "{}",
        shown.stdout
    );
    // The CA key stays the default maker.
    fx.run(&[
        "-q",
        "seal",
        "create",
        "--name",
        GOV,
        "--type",
        "official",
        "--department",
        "办公室",
        "--holder-cert",
        p(&fx.holder.cert),
        "--out",
        p(&fx.env.path("ca-made.esl")),
    ])
    .success();
}

#[test]
fn a_pinned_seal_authority_is_trusted_and_nothing_else() {
    let fx = Fx::new();
    // The person-made seal, pinned by a verifier who trusts that maker: valid.
    let seal = fx.hand_made_seal(&fx.staff, &[&fx.holder], "pinned.esl");
    let holder_key = fx.holder.key.clone().unwrap();
    fx.run(&[
        "-q",
        "seal",
        "sign",
        "--seal",
        p(&seal),
        "--key",
        p(&holder_key),
        "--cert",
        p(&fx.holder.cert),
        p(&fx.doc),
    ])
    .success();
    let (code, r) = fx.verify(&[p(&fx.doc), "--seal-authority", p(&fx.staff.cert)]);
    assert_eq!(code, Some(0), "{r}");
    let (code, r) = fx.verify(&[p(&fx.doc)]);
    assert_not_a_seal_authority(code, &r);
}

#[test]
fn the_ofdrw_sample_needs_its_maker_pinned() {
    // ofdrw's test root may not sign certificates (its key usage lacks keyCertSign), so its
    // signer is trusted directly; its maker is no CA and no seal-authority certificate.
    let env = Env::new();
    let dir = "ofd/ofdrw-v4-allprotected";
    let doc = format!("{SAMPLES}/{dir}/Signature.xml");
    let sig = format!("{SAMPLES}/{dir}/SignedValue.dat");
    let signer = format!("{SAMPLES}/certs/ofdrw-signer.pem");
    let maker = format!("{SAMPLES}/certs/ofdrw-maker.pem");
    let root = format!("{SAMPLES}/certs/ofdrw-root.pem");
    let home = env.path("nohome");
    let verify = |extra: &[&str]| {
        let mut args = vec!["--json", "seal", "verify", &doc, "--sig", &sig];
        args.extend_from_slice(extra);
        env.run(&home, &args)
    };
    let r = verify(&["--trust", &signer, "--seal-authority", &maker]).success();
    assert_eq!(r.json()["verdict"], "valid", "{}", r.describe());
    let r = verify(&["--trust", &signer]).code(1);
    assert_not_a_seal_authority(Some(1), &r.json());
    // Under the root that may not sign certificates, the signer's chain fails.
    let r = verify(&["--trust", &root, "--seal-authority", &maker]).code(1);
    let v = r.json();
    assert_eq!(check(&v, "signer_chain")["status"], "fail", "{v}");
    assert!(
        check(&v, "signer_chain")["detail"]
            .as_str()
            .unwrap()
            .contains("keyCertSign"),
        "{v}"
    );
}

/// The revocation entries of a CRL as `openssl crl -text` prints them: (serial, date, reason).
fn crl_entries(crl: &Path) -> Vec<(String, String, String)> {
    let o = Command::new("openssl")
        .args(["crl", "-noout", "-text", "-in"])
        .arg(crl)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if let Some(serial) = l.strip_prefix("Serial Number: ") {
            let date = lines
                .get(i + 1)
                .and_then(|d| d.strip_prefix("Revocation Date: "))
                .unwrap_or("")
                .to_string();
            let reason = lines
                .iter()
                .skip(i + 1)
                .take_while(|x| !x.starts_with("Serial Number: "))
                .skip_while(|x| !x.starts_with("X509v3 CRL Reason Code"))
                .nth(1)
                .unwrap_or(&"")
                .to_string();
            out.push((serial.to_string(), date, reason));
        }
    }
    out
}

#[test]
fn a_hold_that_becomes_a_revocation_keeps_the_hold_date() {
    if !have_openssl() {
        return;
    }
    let fx = Fx::new();
    let serial = fx.staff.serial.clone();
    fx.run(&[
        "-q",
        "cert",
        "revoke",
        &serial,
        "--reason",
        "certificateHold",
    ])
    .success();
    let held = fx.env.crl(&fx.ca, "held.crl", false, &[]);
    let held = crl_entries(&held);
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].2, "Certificate Hold", "{held:?}");
    // Revocation dates have one-second resolution: make "later" unambiguous.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fx.run(&["-q", "cert", "revoke", &serial, "--reason", "keyCompromise"])
        .success();
    let revoked = fx.env.crl(&fx.ca, "revoked.crl", false, &[]);
    let revoked = crl_entries(&revoked);
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    assert_eq!(revoked[0].2, "Key Compromise", "{revoked:?}");
    assert_eq!(
        revoked[0].1, held[0].1,
        "the hold's date is kept: {revoked:?}"
    );
    // Only a release undoes a hold: a revocation is final.
    let r = fx.run(&["cert", "revoke", &serial, "--reason", "superseded"]);
    assert_ne!(r.code, Some(0), "{}", r.describe());
}

/// A fixture with a TSA (`--profile tsa`) and the home's official seal, applied to `doc.txt`.
fn sealed(fx: &Fx) {
    fx.run(&[
        "-q",
        "seal",
        "create",
        "--name",
        GOV,
        "--type",
        "official",
        "--department",
        "办公室",
        "--holder-cert",
        p(&fx.holder.cert),
        "--out",
        p(&fx.env.path("office.esl")),
    ])
    .success();
    let holder_key = fx.holder.key.clone().unwrap();
    fx.run(&[
        "-q",
        "seal",
        "sign",
        "--seal",
        p(&fx.env.path("office.esl")),
        "--key",
        p(&holder_key),
        "--cert",
        p(&fx.holder.cert),
        p(&fx.doc),
    ])
    .success();
}

fn revoke_holder(fx: &Fx, reason: &str) {
    // The signing time has one-second resolution: the revocation comes strictly later.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fx.run(&[
        "-q",
        "cert",
        "revoke",
        &fx.holder.serial,
        "--reason",
        reason,
    ])
    .success();
}

#[test]
fn a_key_revoked_for_key_compromise_makes_no_valid_signature_at_a_claimed_time() {
    let fx = Fx::new();
    sealed(&fx);
    // The signature claims a time before the revocation: a thief with the key writes any.
    revoke_holder(&fx, "keyCompromise");
    // Judged with the CA's store ...
    let (code, r) = fx.verify(&[p(&fx.doc)]);
    assert_eq!(code, Some(1), "{r}");
    assert_eq!(check(&r, "signer_chain")["status"], "fail", "{r}");
    let reason = r["reason"].as_str().unwrap();
    assert!(reason.contains("keyCompromise"), "{r}");
    assert!(reason.contains("compromised key"), "{r}");
    // ... and by a reviewer elsewhere with the CRL.
    let crl = fx.env.crl(&fx.ca, "root.crl", false, &[]);
    let r = fx
        .env
        .run(
            &fx.env.path("nohome"),
            [
                "--json",
                "seal",
                "verify",
                p(&fx.doc),
                "--trust",
                p(&fx.ca.cert),
                "--crl",
                p(&crl),
            ],
        )
        .code(1);
    assert!(
        r.json()["reason"]
            .as_str()
            .unwrap()
            .contains("keyCompromise"),
        "{}",
        r.describe()
    );
}

#[test]
fn an_invalidity_date_voids_claimed_times_too() {
    let fx = Fx::new();
    sealed(&fx);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    // Superseded, but the key is declared untrustworthy from a minute ago.
    let since = (OffsetDateTime::now_utc() - time::Duration::minutes(1))
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    fx.run(&[
        "-q",
        "cert",
        "revoke",
        &fx.holder.serial,
        "--reason",
        "superseded",
        "--invalidity-date",
        &since,
    ])
    .success();
    let (code, r) = fx.verify(&[p(&fx.doc)]);
    assert_eq!(code, Some(1), "{r}");
    assert!(
        r["reason"].as_str().unwrap().contains("invalid since"),
        "{r}"
    );
}

#[test]
fn a_superseded_key_keeps_its_earlier_signatures_valid() {
    let fx = Fx::new();
    sealed(&fx);
    revoke_holder(&fx, "superseded");
    let (code, r) = fx.verify(&[p(&fx.doc), "--require-revocation"]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["verdict"], "valid", "{r}");
    // Judged after the revocation, it is revoked.
    let later = (OffsetDateTime::now_utc() + time::Duration::minutes(1))
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (code, _) = fx.verify(&[p(&fx.doc), "--at", &later]);
    assert_eq!(code, Some(1));
}

#[test]
fn a_time_stamp_before_the_key_compromise_keeps_the_signature_valid() {
    if !have_openssl() {
        return;
    }
    let fx = Fx::new();
    sealed(&fx);
    let tsa = fx.env.issue(
        &fx.ca,
        "tsa",
        "tsa",
        &format!("CN=时间戳服务,{ORG}"),
        &[],
        &[],
    );
    let sig = fx.env.path("doc.txt.p7s");
    let req = fx.env.path("req.tsq");
    let resp = fx.env.path("resp.tsr");
    fx.env.write("tsaserial", "01\n");
    let cnf = fx.env.write(
        "ts.cnf",
        format!(
            "[ tsa ]\ndefault_tsa = tsa_config1\n[ tsa_config1 ]\nserial = {}\n\
             crypto_device = builtin\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n\
             digests = sha256\naccuracy = secs:1\nordering = no\ntsa_name = yes\n\
             ess_cert_id_chain = no\ness_cert_id_alg = sha256\ncerts = yes\n",
            p(&fx.env.path("tsaserial"))
        ),
    );
    fx.run(&["-q", "seal", "timestamp", p(&sig), "--query-out", p(&req)])
        .success();
    let o = Command::new("openssl")
        .args([
            "ts",
            "-reply",
            "-queryfile",
            p(&req),
            "-signer",
            p(&tsa.cert),
        ])
        .args(["-inkey", p(tsa.key.as_ref().unwrap())])
        .args([
            "-chain",
            p(&fx.ca.cert),
            "-config",
            p(&cnf),
            "-out",
            p(&resp),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    fx.run(&["-q", "seal", "timestamp", p(&sig), "--response", p(&resp)])
        .success();
    revoke_holder(&fx, "keyCompromise");
    let (code, r) = fx.verify(&[p(&fx.doc), "--require-revocation"]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(check(&r, "time_stamp")["status"], "pass", "{r}");
    assert_eq!(check(&r, "signer_chain")["status"], "pass", "{r}");
    assert!(
        r["signing_time_source"]
            .as_str()
            .unwrap()
            .starts_with("time-stamp by"),
        "{r}"
    );
}

/// A seal-authority key holder makes a seal outside the home (by hand, or in a copy of it):
/// the home never recorded it and cannot revoke it, so it does not call it "not revoked".
#[test]
fn a_seal_the_home_never_recorded_is_not_settled_by_the_home() {
    let fx = Fx::new();
    let sa = fx.env.issue(
        &fx.ca,
        "sa",
        "seal-authority",
        &format!("CN=印章管理部门,{ORG}"),
        &[],
        &[],
    );
    let seal = fx.hand_made_seal(&sa, &[&fx.holder], "unrecorded.esl");
    let holder_key = fx.holder.key.clone().unwrap();
    fx.run(&[
        "-q",
        "seal",
        "sign",
        "--seal",
        p(&seal),
        "--key",
        p(&holder_key),
        "--cert",
        p(&fx.holder.cert),
        p(&fx.doc),
    ])
    .success();
    let (_, r) = fx.verify(&[p(&fx.doc)]);
    let revocation = check(&r, "seal_revocation");
    assert!(
        revocation["detail"]
            .as_str()
            .unwrap()
            .contains("revocation not checked"),
        "{r}"
    );
    // The seal authority cannot be revoked through this home either.
    let es_id = "forged-unrecorded.esl";
    let revoke = fx.run(&["seal", "revoke", es_id]);
    assert_eq!(revoke.code, Some(2), "{}", revoke.describe());
    // A verifier who needs revocation settled gets indeterminate, never valid.
    let (code, r) = fx.verify(&["--require-revocation", p(&fx.doc)]);
    assert_eq!(code, Some(3), "{r}");
    assert_eq!(r["verdict"], "indeterminate", "{r}");
}
