//! Round trips of seals and sealed-document signatures through independent tools: OpenSSL
//! (`openssl cms -verify`, `cms -cmsout -print`, `pkeyutl`/`dgst` on the seal) and GnuTLS
//! (`certtool --p7-verify`). A missing tool skips its test with a loud message; `.ci/run`
//! installs both so CI never skips.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use govpki::seal::{
    ChainCheck, ChainChecker, ChainRole, DocumentSigner, RevokedSeals, RingSigner, Seal, SealSpec,
    SealType, Verdict, VerifyOptions, create_seal, hash_document_with, parse_signature,
    render_seal_svg, verify_document,
};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-30 10:00:00 UTC);
const DOC: &[u8] = b"%PDF-1.7\n% a decision of the people's government\n1 0 obj <<>> endobj\n";

fn tool(name: &str) -> bool {
    let ok = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "!!!!!!!! SKIPPING: `{name}` is not installed; install it (.ci/run does) !!!!!!!!"
        );
    }
    ok
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("running a tool")
}

fn show(o: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn pem(label: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(label, der.to_vec()))
}

/// A key made by the right generator: rcgen/ring for EC and Ed25519, openssl for RSA (ring
/// cannot generate RSA keys).
fn key_for(alg: &str, dir: &Path) -> KeyPair {
    match alg {
        "p256" => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap(),
        "p384" => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap(),
        "ed25519" => KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(),
        "rsa" => {
            let path = dir.join(format!("rsa-{}.der", rand_name()));
            let o = run(Command::new("openssl")
                .args([
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    "rsa_keygen_bits:2048",
                    "-outform",
                    "DER",
                    "-out",
                ])
                .arg(&path));
            assert!(o.status.success(), "{}", show(&o));
            let der = std::fs::read(&path).unwrap();
            KeyPair::from_pkcs8_der_and_sign_algo(&der.as_slice().into(), &rcgen::PKCS_RSA_SHA256)
                .unwrap()
        }
        other => panic!("unknown algorithm {other}"),
    }
}

fn rand_name() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

pub struct Pki {
    dir: tempfile::TempDir,
    root_cert: Vec<u8>,
    authority_key: KeyPair,
    authority_cert: Vec<u8>,
    holder_key: KeyPair,
    holder_cert: Vec<u8>,
}

fn dn(cn: &str) -> rcgen::DistinguishedName {
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(DnType::CountryName, "CN");
    dn.push(DnType::OrganizationName, "连云港市人民政府");
    dn.push(DnType::CommonName, cn);
    dn
}

impl Pki {
    pub fn new(alg: &str) -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let root_key = key_for(alg, dir.path());
        let mut params = CertificateParams::default();
        params.distinguished_name = dn("测试根CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = datetime!(2025-01-01 00:00:00 UTC);
        params.not_after = datetime!(2035-01-01 00:00:00 UTC);
        let root_cert = params.self_signed(&root_key).unwrap().der().to_vec();
        let issuer = Issuer::new(params, root_key);
        let issue = |cn: &str, holder: bool| {
            let key = key_for(alg, dir.path());
            let mut p = CertificateParams::default();
            p.distinguished_name = dn(cn);
            p.distinguished_name
                .push(DnType::OrganizationalUnitName, "信息中心");
            p.not_before = datetime!(2026-01-01 00:00:00 UTC);
            p.not_after = datetime!(2029-01-01 00:00:00 UTC);
            p.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::ContentCommitment,
            ];
            if holder {
                p.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(vec![
                    1, 3, 6, 1, 5, 5, 7, 3, 36,
                ])];
            }
            p.use_authority_key_identifier_extension = true;
            let cert = p.signed_by(&key, &issuer).unwrap().der().to_vec();
            (key, cert)
        };
        let (authority_key, authority_cert) = issue("印章管理部门", false);
        let (holder_key, holder_cert) = issue("信息中心", true);
        let pki = Pki {
            dir,
            root_cert,
            authority_key,
            authority_cert,
            holder_key,
            holder_cert,
        };
        std::fs::write(pki.path("root.pem"), pem("CERTIFICATE", &pki.root_cert)).unwrap();
        std::fs::write(pki.path("holder.pem"), pem("CERTIFICATE", &pki.holder_cert)).unwrap();
        std::fs::write(
            pki.path("holder.key"),
            pem("PRIVATE KEY", &pki.holder_key.serialize_der()),
        )
        .unwrap();
        std::fs::write(
            pki.path("authority.pem"),
            pem("CERTIFICATE", &pki.authority_cert),
        )
        .unwrap();
        pki
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn seal(&self) -> Seal {
        let spec = SealSpec {
            name: "连云港市人民政府".to_string(),
            seal_type: SealType::Official,
            department: "信息中心".to_string(),
            holder_certs: vec![self.holder_cert.clone()],
            image: render_seal_svg("连云港市人民政府", SealType::Official).unwrap(),
            valid_from: datetime!(2026-06-01 00:00:00 UTC),
            valid_until: datetime!(2027-06-01 00:00:00 UTC),
            created: datetime!(2026-06-01 00:00:00 UTC),
            es_id: "3207000000000042".to_string(),
        };
        let authority = RingSigner::from_pkcs8_der(&self.authority_key.serialize_der()).unwrap();
        create_seal(&spec, &self.authority_cert, &authority).unwrap()
    }

    /// Writes `doc` and its `doc.p7s` (DER, sealed) and returns their paths.
    pub fn sign_doc(&self, name: &str, doc: &[u8]) -> (PathBuf, PathBuf) {
        let seal = self.seal();
        let key = RingSigner::from_pkcs8_der(&self.holder_key.serialize_der()).unwrap();
        let ds = DocumentSigner::new(&key, &self.holder_cert, &[], &[], Some(&seal)).unwrap();
        let doc_path = self.path(name);
        std::fs::write(&doc_path, doc).unwrap();
        let digest = hash_document_with(
            ds.digest_algorithm(),
            std::fs::File::open(&doc_path).unwrap(),
        )
        .unwrap();
        let p7s = ds.sign(&digest.value, NOW).unwrap();
        let p7s_path = self.path(&format!("{name}.p7s"));
        std::fs::write(&p7s_path, p7s).unwrap();
        (doc_path, p7s_path)
    }
}

fn openssl_verify(pki: &Pki, doc: &Path, p7s: &Path) -> Output {
    run(Command::new("openssl")
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
        .arg(p7s)
        .arg("-content")
        .arg(doc)
        .arg("-CAfile")
        .arg(pki.path("root.pem"))
        .args(["-purpose", "any", "-out"])
        .arg(pki.path("verified.out")))
}

#[test]
fn openssl_cms_verify_accepts_our_seals_and_rejects_tampering() {
    if !tool("openssl") {
        return;
    }
    for alg in ["p256", "p384", "ed25519", "rsa"] {
        let pki = Pki::new(alg);
        let (doc, p7s) = pki.sign_doc("decision.pdf", DOC);
        let o = openssl_verify(&pki, &doc, &p7s);
        assert!(
            o.status.success(),
            "{alg}: openssl refused our signature\n{}",
            show(&o)
        );
        assert!(String::from_utf8_lossy(&o.stderr).contains("Verification successful"));

        let mut tampered = DOC.to_vec();
        tampered[20] ^= 0x01;
        std::fs::write(&doc, &tampered).unwrap();
        let o = openssl_verify(&pki, &doc, &p7s);
        assert!(
            !o.status.success(),
            "{alg}: openssl accepted a changed document"
        );
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("digest failure"),
            "{alg}: {}",
            show(&o)
        );
    }
}

#[test]
fn openssl_prints_the_four_cades_attributes_and_the_seal() {
    if !tool("openssl") {
        return;
    }
    let pki = Pki::new("p256");
    let (_, p7s) = pki.sign_doc("doc.txt", DOC);
    let o = run(Command::new("openssl")
        .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
        .arg(&p7s));
    assert!(o.status.success(), "{}", show(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    for attr in [
        "contentType",
        "messageDigest",
        "signingTime",
        "id-smime-aa-signingCertificateV2",
        // Our seal attribute, by number (OpenSSL does not know its name).
        "1.3.6.1.4.1.32473.1.1",
        "eContent: <ABSENT>",
    ] {
        assert!(text.contains(attr), "`{attr}` missing in\n{text}");
    }
}

#[test]
fn certtool_agrees() {
    if !tool("certtool") {
        return;
    }
    for alg in ["p256", "ed25519"] {
        let pki = Pki::new(alg);
        let (doc, p7s) = pki.sign_doc("doc.bin", DOC);
        let verify = |doc: &Path| {
            run(Command::new("certtool")
                .args(["--p7-verify", "--inder", "--load-ca-certificate"])
                .arg(pki.path("root.pem"))
                .arg("--load-data")
                .arg(doc)
                .arg("--infile")
                .arg(&p7s))
        };
        let o = verify(&doc);
        assert!(
            o.status.success(),
            "{alg}: certtool refused our signature\n{}",
            show(&o)
        );
        let mut tampered = DOC.to_vec();
        tampered[0] ^= 0x01;
        std::fs::write(&doc, &tampered).unwrap();
        let o = verify(&doc);
        assert!(
            !o.status.success(),
            "{alg}: certtool accepted a changed document\n{}",
            show(&o)
        );
    }
}

#[test]
fn openssl_checks_the_seal_authority_signature() {
    if !tool("openssl") {
        return;
    }
    for alg in ["p256", "ed25519", "rsa"] {
        let pki = Pki::new(alg);
        let seal = pki.seal();
        std::fs::write(pki.path("seal.esl"), seal.to_der()).unwrap();
        // The structure parses as DER.
        let o = run(Command::new("openssl")
            .args(["asn1parse", "-inform", "DER", "-in"])
            .arg(pki.path("seal.esl")));
        assert!(o.status.success(), "{}", show(&o));
        // The authority's signature verifies over DER(SES_SealInfo).
        std::fs::write(pki.path("sealinfo.der"), seal.seal_info_der()).unwrap();
        std::fs::write(pki.path("sealsig.der"), &seal.info().signature).unwrap();
        let o = run(Command::new("openssl")
            .args(["x509", "-noout", "-pubkey", "-in"])
            .arg(pki.path("authority.pem"))
            .arg("-out")
            .arg(pki.path("authority-pub.pem")));
        assert!(o.status.success(), "{}", show(&o));
        let mut cmd = Command::new("openssl");
        cmd.args(["pkeyutl", "-verify", "-pubin", "-inkey"])
            .arg(pki.path("authority-pub.pem"))
            .arg("-rawin")
            .arg("-in")
            .arg(pki.path("sealinfo.der"))
            .arg("-sigfile")
            .arg(pki.path("sealsig.der"));
        if alg != "ed25519" {
            cmd.args(["-digest", "sha256"]);
        }
        let o = run(&mut cmd);
        assert!(
            o.status.success()
                && String::from_utf8_lossy(&o.stdout).contains("Signature Verified Successfully"),
            "{alg}: {}",
            show(&o)
        );
    }
}

struct TrustAll;

impl ChainChecker for TrustAll {
    fn check(&self, _: &[u8], _: &[Vec<u8>], _: OffsetDateTime, _: ChainRole) -> ChainCheck {
        ChainCheck::Valid
    }
}

fn verify_file(doc: &Path, p7s_bytes: &[u8]) -> govpki::seal::VerificationReport {
    let sig = parse_signature(p7s_bytes).expect("parses");
    let alg = sig.signer().document_digest_algorithm().unwrap();
    let hash = hash_document_with(alg, std::fs::File::open(doc).unwrap()).unwrap();
    verify_document(
        &sig,
        &hash,
        &VerifyOptions {
            // Our signatures claim NOW, openssl's the real clock: judge after both.
            now: OffsetDateTime::now_utc().max(NOW),
            at: None,
            require_revocation: false,
            chain: &TrustAll,
            revoked_seals: &RevokedSeals::complete([]),
        },
    )
}

#[test]
fn an_openssl_signature_without_seal_parses_and_is_invalid_no_seal() {
    if !tool("openssl") {
        return;
    }
    for (alg, cades) in [("p256", false), ("p256", true), ("rsa", false)] {
        let pki = Pki::new(alg);
        let doc = pki.path("plain.txt");
        std::fs::write(&doc, DOC).unwrap();
        for outform in ["DER", "PEM"] {
            let p7s = pki.path(&format!("plain.{outform}.p7s"));
            let mut cmd = Command::new("openssl");
            cmd.args(["cms", "-sign", "-binary", "-outform", outform, "-in"])
                .arg(&doc)
                .arg("-signer")
                .arg(pki.path("holder.pem"))
                .arg("-inkey")
                .arg(pki.path("holder.key"))
                .arg("-out")
                .arg(&p7s);
            if cades {
                cmd.arg("-cades");
            }
            let o = run(&mut cmd);
            assert!(o.status.success(), "{}", show(&o));
            let bytes = std::fs::read(&p7s).unwrap();
            let sig = parse_signature(&bytes).unwrap();
            assert!(sig.seal().is_none());
            assert!(!sig.has_content, "openssl cms -sign is detached by default");
            let report = verify_file(&doc, &bytes);
            assert_eq!(report.verdict, Verdict::Invalid, "{report}");
            assert!(report.reason.starts_with("no seal"), "{}", report.reason);
            // Everything else about openssl's signature checks out with our verifier.
            let pass =
                |id: &str| report.check(id).unwrap().status == govpki::seal::CheckStatus::Pass;
            assert!(
                pass("document_hash") && pass("signer_signature"),
                "{alg} {outform}: {report}"
            );
            assert_eq!(pass("signing_certificate"), cades, "{report}");
        }
    }
}

#[test]
fn our_verifier_accepts_our_signature_from_disk() {
    let pki = Pki::new("p256");
    let (doc, p7s) = pki.sign_doc("d.txt", DOC);
    let report = verify_file(&doc, &std::fs::read(&p7s).unwrap());
    assert_eq!(report.verdict, Verdict::Valid, "{report}");
}

#[test]
fn truncated_or_garbage_signatures_are_parse_errors_for_us_and_openssl() {
    let pki = Pki::new("p256");
    let (doc, p7s) = pki.sign_doc("d.txt", DOC);
    let bytes = std::fs::read(&p7s).unwrap();
    for bad in [
        &bytes[..bytes.len() / 2],
        &b"not a signature at all"[..],
        &[],
    ] {
        assert!(parse_signature(bad).is_err());
        if tool("openssl") {
            std::fs::write(&p7s, bad).unwrap();
            assert!(!openssl_verify(&pki, &doc, &p7s).status.success());
        }
    }
}
