//! GB/T 38540 seals and seal-signatures (`SES_Signature`) made by govpki with SM2 keys, judged
//! by independent tools: OpenSSL (`openssl dgst -sm3 -sigopt distid:1234567812345678 -verify`
//! over the extracted `TBS_Sign` and `SES_SealInfo`, `openssl asn1parse` for the structure
//! against ofdrw's `SignedValueV4.dat`) and the pure-Python `gmssl` (tests/tools/
//! gmssl_sm2_verify.py). Negative controls in each: a flipped bit, the empty user ID, raw
//! r‖s, a wrong key.
//!
//! The SM2 keys are made with the `sm2` crate; their certificates by `openssl req`/`x509`
//! (govpki cannot issue SM2 certificates yet). A missing tool skips loudly, or fails when
//! `GOVPKI_REQUIRE_TOOLS=1` (`.ci/run` installs both).

mod common;
#[path = "tools/gmssl.rs"]
mod gmssl;

use std::path::{Path, PathBuf};

use common::{Env, bit_string, child_tlvs, p, require_tool, tool};
use der::Encode;
use govpki::seal::chain::AtTimeChecker;
use govpki::seal::ses::build::sign_document;
use govpki::seal::{
    DigestAlgorithm, RevokedSeals, SealSigner, SealSpec, SealType, SesSignature, Sm2Signer,
    Verdict, VerifyOptions, create_seal, hash_document_with, render_seal_svg, verify_ses,
};
use time::OffsetDateTime;

const DISTID: &str = "distid:1234567812345678";
const DOC: &[u8] = b"<?xml version=\"1.0\"?><ofd:Signature>sealed</ofd:Signature>";
const PROPERTY: &str = "/Doc_0/Signs/Sign_0/Signature.xml";
const EKU_SEAL_AUTHORITY: &str = "1.3.6.1.4.1.32473.1.3.1";

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap());
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap());
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// The unencrypted PKCS#8 PEM of an SM2 key, as `openssl genpkey -algorithm SM2` writes it
/// (RFC 5915 `ECPrivateKey` inside, curve 1.2.156.10197.1.301).
fn pkcs8_pem(key: &sm2::dsa::SigningKey, public_key: &[u8]) -> String {
    let ec_public_key = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    let sm2_curve = [0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];
    let mut bits = vec![0];
    bits.extend_from_slice(public_key);
    let ec_private_key = tlv(
        0x30,
        &[
            tlv(0x02, &[1]),
            tlv(0x04, &key.to_bytes()),
            tlv(0xa1, &tlv(0x03, &bits)),
        ]
        .concat(),
    );
    let pkcs8 = tlv(
        0x30,
        &[
            tlv(0x02, &[0]),
            tlv(0x30, &[&ec_public_key[..], &sm2_curve[..]].concat()),
            tlv(0x04, &ec_private_key),
        ]
        .concat(),
    );
    pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8))
}

struct Party {
    key: sm2::dsa::SigningKey,
    signer: Sm2Signer,
    key_file: PathBuf,
    cert_file: PathBuf,
    cert: Vec<u8>,
    /// The public key as `openssl pkey -pubout` writes it.
    pub_file: PathBuf,
}

fn party(env: &Env, name: &str) -> Party {
    let key = loop {
        let mut d = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut d);
        if let Ok(k) = sm2::dsa::SigningKey::from_slice("1234567812345678", &d) {
            break k;
        }
    };
    let signer = Sm2Signer::new(&key).unwrap();
    let key_file = env.write(&format!("{name}.key"), pkcs8_pem(&key, signer.public_key()));
    let pub_file = env.path(&format!("{name}.pub.pem"));
    // OpenSSL opens the key govpki's test wrote, and derives the same public key.
    tool(
        "openssl",
        ["pkey", "-in", p(&key_file), "-pubout", "-out", p(&pub_file)],
    )
    .success();
    Party {
        key,
        signer,
        key_file,
        cert_file: env.path(&format!("{name}.pem")),
        cert: Vec::new(),
        pub_file,
    }
}

struct Pki {
    root: Party,
    authority: Party,
    holder: Party,
}

fn issue(env: &Env, root: &Party, who: &mut Party, cn: &str, ext: &str) {
    let csr = env.path(&format!("{cn}.csr"));
    tool(
        "openssl",
        [
            "req",
            "-new",
            "-key",
            p(&who.key_file),
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            &format!("/C=CN/O=Lianyungang/CN={cn}"),
            "-out",
            p(&csr),
        ],
    )
    .success();
    let ext_file = env.write(&format!("{cn}.ext"), ext);
    tool(
        "openssl",
        [
            "x509",
            "-req",
            "-in",
            p(&csr),
            "-CA",
            p(&root.cert_file),
            "-CAkey",
            p(&root.key_file),
            "-set_serial",
            "7",
            "-sm3",
            "-sigopt",
            DISTID,
            "-vfyopt",
            DISTID,
            "-days",
            "365",
            "-extfile",
            p(&ext_file),
            "-out",
            p(&who.cert_file),
        ],
    )
    .success();
    who.cert = common::der_of(&who.cert_file);
}

/// An SM2 root, seal authority and holder, certified by OpenSSL.
fn openssl_pki(env: &Env) -> Pki {
    let mut root = party(env, "root");
    tool(
        "openssl",
        [
            "req",
            "-x509",
            "-new",
            "-key",
            p(&root.key_file),
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/C=CN/O=Lianyungang/CN=SM2 Root",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            p(&root.cert_file),
        ],
    )
    .success();
    root.cert = common::der_of(&root.cert_file);
    let mut authority = party(env, "authority");
    let ee =
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n";
    issue(
        env,
        &root,
        &mut authority,
        "Seal Office",
        &format!("{ee}extendedKeyUsage={EKU_SEAL_AUTHORITY}\n"),
    );
    let mut holder = party(env, "holder");
    issue(env, &root, &mut holder, "Information Centre", ee);
    Pki {
        root,
        authority,
        holder,
    }
}

/// The seal (SM2 authority) and the DER `SES_Signature` over [`DOC`] (SM2 holder).
fn make(pki: &Pki, now: OffsetDateTime) -> (Vec<u8>, Vec<u8>) {
    let spec = SealSpec {
        name: "连云港市人民政府".to_string(),
        seal_type: SealType::Official,
        department: "信息中心".to_string(),
        holder_certs: vec![pki.holder.cert.clone()],
        image: render_seal_svg("连云港市人民政府", SealType::Official).unwrap(),
        valid_from: now - time::Duration::hours(1),
        valid_until: now + time::Duration::days(30),
        created: now - time::Duration::hours(1),
        es_id: "3207000000000042".to_string(),
    };
    let seal = create_seal(&spec, &pki.authority.cert, &pki.authority.signer).unwrap();
    let sm3 = hash_document_with(DigestAlgorithm::Sm3, DOC).unwrap();
    let ses = sign_document(
        &seal,
        &pki.holder.cert,
        &pki.holder.signer,
        &sm3,
        now,
        PROPERTY,
    )
    .unwrap();
    (seal.to_der().to_vec(), ses)
}

/// (signed octets, DER signature) of an `SES_Signature` or an `SESeal`: both are
/// `SEQUENCE { signed, cert, algorithm, signature BIT STRING, ... }`.
fn signed_and_signature(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let parts = child_tlvs(der);
    (parts[0].clone(), bit_string(&parts[3]))
}

fn der_rs(sig: &sm2::dsa::Signature) -> Vec<u8> {
    let (r, s) = (sig.r_bytes(), sig.s_bytes());
    let r = der::asn1::UintRef::new(&r).unwrap().to_der().unwrap();
    let s = der::asn1::UintRef::new(&s).unwrap().to_der().unwrap();
    tlv(0x30, &[r, s].concat())
}

/// A negative control for one signed object: `party` indexes [`parties`] (0: the signer).
/// Every one must be refused by both judges.
struct Case {
    what: &'static str,
    message: Vec<u8>,
    signature: Vec<u8>,
    party: usize,
}

fn cases(pki: &Pki, signed: &[u8], signature: &[u8], signer: &Party) -> Vec<Case> {
    use sm2::dsa::signature::Signer;
    let mut flipped = signed.to_vec();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    let empty_id = sm2::dsa::SigningKey::from_slice("", &signer.key.to_bytes()).unwrap();
    let raw: sm2::dsa::Signature = signer.key.sign(signed);
    let other = if std::ptr::eq(signer, &pki.holder) {
        1
    } else {
        2
    };
    vec![
        Case {
            what: "a flipped bit in the signed octets",
            message: flipped,
            signature: signature.to_vec(),
            party: 0,
        },
        Case {
            what: "signed under the empty user ID",
            message: signed.to_vec(),
            signature: der_rs(&empty_id.sign(signed)),
            party: 0,
        },
        Case {
            what: "raw r||s instead of DER",
            message: signed.to_vec(),
            signature: raw.to_bytes().to_vec(),
            party: 0,
        },
        Case {
            what: "verified with another key",
            message: signed.to_vec(),
            signature: signature.to_vec(),
            party: other,
        },
    ]
}

/// The public key files: the signer's, the authority's, the holder's.
fn parties(pki: &Pki, signer: &Party) -> [PathBuf; 3] {
    [
        signer.pub_file.clone(),
        pki.authority.pub_file.clone(),
        pki.holder.pub_file.clone(),
    ]
}

fn openssl_verify(
    env: &Env,
    public: &Path,
    message: &[u8],
    signature: &[u8],
    distid: bool,
) -> bool {
    let msg = env.write("msg.bin", message);
    let sig = env.write("sig.bin", signature);
    let mut args = vec!["dgst", "-sm3"];
    if distid {
        args.extend(["-sigopt", DISTID]);
    }
    args.extend(["-verify", p(public), "-signature", p(&sig), p(&msg)]);
    let run = tool("openssl", args);
    let ok = run.code == Some(0) && run.stdout.contains("Verified OK");
    assert!(
        ok || run.stdout.contains("Verification failure") || run.code != Some(0),
        "{}",
        run.describe()
    );
    ok
}

fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap()
}

#[test]
fn our_ses_signature_is_valid_in_govpki_with_openssl_certificates() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let pki = openssl_pki(&env);
    let now = now();
    let (_, ses) = make(&pki, now);
    let sig = SesSignature::from_der(&ses).unwrap();
    let checker = AtTimeChecker::new(std::slice::from_ref(&pki.root.cert), &[], &[]).unwrap();
    let opts = VerifyOptions {
        now,
        at: None,
        require_revocation: false,
        chain: &checker,
        revoked_seals: &RevokedSeals::unknown(),
    };
    let report = verify_ses(
        &sig,
        &hash_document_with(DigestAlgorithm::Sm3, DOC).unwrap(),
        &opts,
    );
    assert_eq!(
        report.verdict,
        Verdict::Valid,
        "{}: {:#?}",
        report.reason,
        report.checks
    );
    // A flipped bit anywhere in TBS_Sign's signed content voids it.
    let mut flipped = ses.clone();
    let at = flipped
        .windows(PROPERTY.len())
        .position(|w| w == PROPERTY.as_bytes())
        .unwrap();
    flipped[at + 1] ^= 0x20; // "/Doc_0" -> "/doc_0"
    let report = verify_ses(
        &SesSignature::from_der(&flipped).unwrap(),
        &hash_document_with(DigestAlgorithm::Sm3, DOC).unwrap(),
        &opts,
    );
    assert_eq!(report.verdict, Verdict::Invalid);
    assert_eq!(
        report.check("signer_signature").unwrap().status,
        govpki::seal::CheckStatus::Fail
    );
}

/// OpenSSL verifies the holder's signature over the extracted TBS_Sign and the authority's
/// over SES_SealInfo with the user ID, and refuses each negative control.
#[test]
fn openssl_verifies_our_sm2_signatures_with_the_user_id_and_refuses_the_controls() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let pki = openssl_pki(&env);
    let (seal, ses) = make(&pki, now());
    for (what, der, signer) in [
        ("SES_Signature over TBS_Sign", &ses, &pki.holder),
        ("SESeal over SES_SealInfo", &seal, &pki.authority),
    ] {
        let (signed, signature) = signed_and_signature(der);
        assert!(
            openssl_verify(&env, &signer.pub_file, &signed, &signature, true),
            "{what}: openssl dgst -sm3 -sigopt {DISTID} -verify"
        );
        // OpenSSL 3.0's default (empty) user ID is not the one we sign with.
        assert!(
            !openssl_verify(&env, &signer.pub_file, &signed, &signature, false),
            "{what}: verified without the user ID"
        );
        let keys = parties(&pki, signer);
        for case in cases(&pki, &signed, &signature, signer) {
            assert!(
                !openssl_verify(
                    &env,
                    &keys[case.party],
                    &case.message,
                    &case.signature,
                    true
                ),
                "{what}: openssl accepted {}",
                case.what
            );
        }
    }
}

/// gmssl (pure Python, PyPI) verifies the same signatures with the same user ID and refuses
/// the controls.
#[test]
fn gmssl_verifies_our_sm2_signatures_and_refuses_the_controls() {
    if !require_tool("openssl") || !gmssl::available() {
        return;
    }
    let env = Env::new();
    let pki = openssl_pki(&env);
    let (seal, ses) = make(&pki, now());
    for (what, der, signer) in [
        ("SES_Signature over TBS_Sign", &ses, &pki.holder),
        ("SESeal over SES_SealInfo", &seal, &pki.authority),
    ] {
        let (signed, signature) = signed_and_signature(der);
        let hex_of = |party: &Party| hex::encode(party.signer.public_key());
        let keys = [hex_of(signer), hex_of(&pki.authority), hex_of(&pki.holder)];
        assert!(
            gmssl::verify(&env, &keys[0], &signed, &signature),
            "{what}: gmssl verify_with_sm3"
        );
        for case in cases(&pki, &signed, &signature, signer) {
            assert!(
                !gmssl::verify(&env, &keys[case.party], &case.message, &case.signature),
                "{what}: gmssl accepted {}",
                case.what
            );
        }
    }
    // The SM2 certificates OpenSSL made verify in gmssl too (so both judges agree on the ID).
    let cert = child_tlvs(&pki.holder.cert);
    assert!(gmssl::verify(
        &env,
        &hex::encode(pki.root.signer.public_key()),
        &cert[0],
        &bit_string(&cert[2])
    ));
}

/// `openssl asn1parse` of our SES_Signature and of ofdrw's SignedValueV4.dat: the same fields
/// with the same types at the same depths, except the seal's `extDatas` (the department; ofdrw's
/// seal has none, SESealData.DER has them untagged as ours).
#[test]
fn asn1parse_shows_the_structure_of_signed_value_v4() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let pki = openssl_pki(&env);
    let (_, ses) = make(&pki, now());
    let ours = env.write("ours.ses", &ses);
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gbt38540/SignedValueV4.dat");
    let shape = |file: &Path| -> Vec<String> {
        let run = tool(
            "openssl",
            ["asn1parse", "-inform", "DER", "-i", "-in", p(file)],
        )
        .success();
        run.stdout
            .lines()
            .map(|l| {
                // "   8:d=2  hl=2 l=   1 prim:   INTEGER           :04"
                let depth = l
                    .split("d=")
                    .nth(1)
                    .unwrap()
                    .split_whitespace()
                    .next()
                    .unwrap();
                let (head, rest) = l
                    .split_once("prim:")
                    .map(|(_, r)| ("prim", r))
                    .or_else(|| l.split_once("cons:").map(|(_, r)| ("cons", r)))
                    .unwrap_or_else(|| panic!("asn1parse line `{l}`"));
                let kind = rest.split(':').next().unwrap().replace("[HEX DUMP]", "");
                format!("{depth} {head}: {}", kind.trim())
            })
            .collect()
    };
    let (ours, theirs) = (shape(&ours), shape(&sample));
    // Drop the extDatas block: a SEQUENCE at depth 4 right after the picture, and its contents.
    let picture_end = ours
        .iter()
        .position(|l| l == "3 prim: OCTET STRING")
        .expect("the SESeal's cert");
    let ext_start = ours[..picture_end]
        .iter()
        .rposition(|l| l == "4 cons: SEQUENCE")
        .unwrap();
    let without_ext: Vec<String> = ours[..ext_start]
        .iter()
        .chain(&ours[picture_end..])
        .cloned()
        .collect();
    assert_eq!(
        ours[ext_start..picture_end],
        [
            "4 cons: SEQUENCE",
            "5 cons: SEQUENCE",
            "6 prim: OBJECT",
            "6 prim: OCTET STRING",
        ]
        .map(String::from),
        "the department ExtData"
    );
    assert_eq!(without_ext, theirs, "ours:\n{ours:#?}\nofdrw:\n{theirs:#?}");
}

/// `seal verify` and `seal show` (the built binary) judge our SES file as they judge ofdrw's:
/// valid with the document and the SM2 root trusted, invalid for another document or a
/// flipped bit.
#[test]
fn seal_verify_judges_our_ses_file() {
    if !require_tool("openssl") {
        return;
    }
    let env = Env::new();
    let pki = openssl_pki(&env);
    let (_, ses) = make(&pki, now());
    env.write("Signature.xml", DOC);
    env.write("other.xml", b"another document");
    env.write("SignedValue.dat", &ses);
    let home = env.path("home");
    let verify = |doc: &str, sig: &str| {
        env.run(
            &home,
            [
                "--json",
                "seal",
                "verify",
                doc,
                "--sig",
                sig,
                "--trust",
                p(&pki.root.cert_file),
            ],
        )
    };
    let run = verify("Signature.xml", "SignedValue.dat").code(0);
    let report = run.json();
    assert_eq!(report["verdict"], "valid", "{report}");
    assert_eq!(report["format"], "ses", "{report}");

    let report = verify("other.xml", "SignedValue.dat").code(1).json();
    assert_eq!(report["verdict"], "invalid", "{report}");

    let mut flipped = ses.clone();
    *flipped.last_mut().unwrap() ^= 0x01;
    env.write("flipped.dat", &flipped);
    let report = verify("Signature.xml", "flipped.dat").code(1).json();
    assert_eq!(report["verdict"], "invalid", "{report}");

    let show = env.run(&home, ["seal", "show", "SignedValue.dat"]).code(0);
    assert!(
        show.stdout.contains("SES_Signature version 4") && show.stdout.contains("SM2-with-SM3"),
        "{}",
        show.stdout
    );
}
