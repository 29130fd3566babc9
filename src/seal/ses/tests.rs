//! The samples of testdata/gbt38540 against the expectations of its PROVENANCE.md.

use super::*;
use crate::seal::chain::AtTimeChecker;
use crate::seal::cms::hash_document_with;
use crate::seal::seal::RevokedSeals;
use crate::seal::{CheckStatus, Verdict};
use time::macros::datetime;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/gbt38540");
const NOW: OffsetDateTime = datetime!(2026-09-01 00:00 UTC);

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{SAMPLES}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read_pem_cert(name: &str) -> Vec<u8> {
    pem::parse(read(name)).unwrap().into_contents()
}

fn ofdrw_root() -> Vec<u8> {
    let pem = read("certs/ofdrw-root.pem");
    pem::parse(&pem).unwrap().into_contents()
}

fn sm3(bytes: &[u8]) -> DocumentHash {
    hash_document_with(DigestAlgorithm::Sm3, bytes).unwrap()
}

fn judge(sig: &SesSignature, doc: &[u8]) -> VerificationReport {
    let checker = AtTimeChecker::new(&[ofdrw_root()], &[], &[]).unwrap();
    judge_with(sig, doc, &checker)
}

/// As a verifier who accepts ofdrw's test certificates: the ofdrw root may not sign
/// certificates (its key usage lacks keyCertSign), so the signer's certificate is trusted
/// directly, and the maker is pinned as a seal authority (`--seal-authority`), as the README
/// says. The root is not a trust anchor here: a pinned maker whose issuer is an anchor claims
/// a place in that hierarchy, and the root's missing keyCertSign would then stand.
fn judge_trusting_ofdrw(sig: &SesSignature, doc: &[u8]) -> VerificationReport {
    let checker = AtTimeChecker::new(&[read_pem_cert("certs/ofdrw-signer.pem")], &[], &[])
        .unwrap()
        .with_seal_authorities(vec![read_pem_cert("certs/ofdrw-maker.pem")]);
    judge_with(sig, doc, &checker)
}

fn judge_with(sig: &SesSignature, doc: &[u8], checker: &AtTimeChecker) -> VerificationReport {
    verify_ses(
        sig,
        &sm3(doc),
        &VerifyOptions {
            now: NOW,
            at: None,
            require_revocation: false,
            chain: checker,
            revoked_seals: &RevokedSeals::unknown(),
        },
    )
}

fn status(r: &VerificationReport, id: &str) -> CheckStatus {
    r.check(id)
        .unwrap_or_else(|| panic!("no check {id}"))
        .status
}

#[test]
fn sm3_of_abc_is_the_standard_value() {
    // GB/T 32905 / GM/T 0004 test vector: SM3("abc").
    assert_eq!(
        sm3(b"abc").hex(),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
}

#[test]
fn ofdrw_samples_with_placeholder_data_hash() {
    for (name, version) in [("SignedValueV4.dat", 4), ("SignedValueV5.dat", 5)] {
        let sig = SesSignature::from_der(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(sig.version(), version, "{name}");
        assert_eq!(sig.data_hash(), &[0u8; 32], "{name}");
        assert_eq!(sig.property_info(), "/Doc_0/Signs/Sign_0/Signature.xml");
        assert_eq!(
            sig.verify_signer_signature(),
            SignatureCheck::Valid,
            "{name}"
        );
        assert_eq!(
            sig.seal().verify_authority_signature(),
            SignatureCheck::Valid,
            "{name}"
        );
        let r = judge(&sig, b"any document");
        assert_eq!(status(&r, "signer_signature"), CheckStatus::Pass, "{name}");
        assert_eq!(status(&r, "seal_signature"), CheckStatus::Pass, "{name}");
        assert_eq!(status(&r, "signer_listed"), CheckStatus::Pass, "{name}");
        assert_eq!(status(&r, "document_hash"), CheckStatus::Fail, "{name}");
        assert_eq!(r.verdict, Verdict::Invalid, "{name}");
        assert!(r.reason.contains("document hash mismatch"), "{}", r.reason);
        assert_eq!(r.format, "ses");
        assert_eq!(r.document_digest_algorithm, DigestAlgorithm::Sm3);
    }
    // V4: timeInfo inside the seal window; V5 is too (its seal was made in the same run).
    let v4 = SesSignature::from_der(&read("SignedValueV4.dat")).unwrap();
    assert_eq!(format_time(v4.time_info()), "2020-10-12T11:14:03Z");
    assert_eq!(status(&judge(&v4, b""), "seal_validity"), CheckStatus::Pass);
}

/// (dir, expected SM3 of Signature.xml).
const OFD_VALID: [(&str, &str); 3] = [
    (
        "gomain-v4",
        "14859b925039a50fe268d40e4a903da44d64cc56b1eebd0902d45a5a41a134b5",
    ),
    (
        "antchain-v4",
        "34565643215ba52d5834ec87a654d6299e06e6c264b2f7570fe357357162eb64",
    ),
    (
        "ofdrw-v4-allprotected",
        "47089a41977c6252d504a798d1dbe854b24d8950a60581c95033f8d6510eb057",
    ),
];

#[test]
fn ofd_samples_verify_but_for_the_chain() {
    for (dir, hash) in OFD_VALID {
        let sig = SesSignature::from_der(&read(&format!("ofd/{dir}/SignedValue.dat")))
            .unwrap_or_else(|e| panic!("{dir}: {e}"));
        let doc = read(&format!("ofd/{dir}/Signature.xml"));
        assert_eq!(hex::encode(sig.data_hash()), hash, "{dir}");
        let r = judge(&sig, &doc);
        assert_eq!(r.document_digest, hash, "{dir}");
        for id in [
            "seal_present",
            "document_hash",
            "signer_signature",
            "signing_time",
            "signer_listed",
            "seal_signature",
            "seal_extensions",
            "seal_validity",
            "seal_revocation",
        ] {
            assert_eq!(status(&r, id), CheckStatus::Pass, "{dir} {id}: {r}");
        }
        // Chains are walked with SM2 signature checks. No maker is a seal authority by its
        // own extensions (none is a CA or a seal-authority certificate): without pinning,
        // every seal is "not a seal authority". The ofdrw files chain to the ofdrw root, which
        // may not sign certificates (its key usage lacks keyCertSign, as `openssl verify`
        // finds); the commercial ones name CAs that are not included.
        assert_eq!(
            status(&r, "seal_authority_chain"),
            CheckStatus::Fail,
            "{dir}: {r}"
        );
        assert!(
            r.check("seal_authority_chain")
                .unwrap()
                .detail
                .contains("not a seal authority"),
            "{dir}: {r}"
        );
        assert_eq!(status(&r, "signer_chain"), CheckStatus::Fail, "{dir}: {r}");
        let why = if dir.starts_with("ofdrw") {
            "may not sign certificates"
        } else {
            "no path to a trusted CA"
        };
        assert!(
            r.check("signer_chain").unwrap().detail.contains(why),
            "{dir}: {r}"
        );
        assert_eq!(r.verdict, Verdict::Invalid, "{dir}");
        if dir.starts_with("ofdrw") {
            let r = judge_trusting_ofdrw(&sig, &doc);
            for id in ["signer_chain", "seal_authority_chain"] {
                assert_eq!(status(&r, id), CheckStatus::Pass, "{dir} {id}: {r}");
            }
            assert_eq!(r.verdict, Verdict::Valid, "{dir}: {r}");
        }
        let other_failures: Vec<_> = r
            .checks
            .iter()
            .filter(|c| !matches!(c.check.as_str(), "signer_chain" | "seal_authority_chain"))
            .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Indeterminate))
            .collect();
        assert!(other_failures.is_empty(), "{dir}: {other_failures:?}");

        // One changed byte of the document fails document_hash.
        let mut changed = doc.clone();
        changed[10] ^= 1;
        let r = judge(&sig, &changed);
        assert_eq!(status(&r, "document_hash"), CheckStatus::Fail, "{dir}");
        assert_eq!(r.verdict, Verdict::Invalid);
        assert!(
            r.reason.starts_with("document hash mismatch"),
            "{}",
            r.reason
        );
    }
}

#[test]
fn gomain_sample_fields() {
    let sig = SesSignature::from_der(&read("ofd/gomain-v4/SignedValue.dat")).unwrap();
    assert_eq!(format_time(sig.time_info()), "2020-10-10T07:11:20Z");
    let i = sig.seal().info();
    assert_eq!(i.es_id, "50011200000399");
    assert_eq!(i.vendor_id, "GOMAIN");
    assert_eq!(sig.summary().signer_serial.as_deref(), Some("0300000112D1"));
}

#[test]
fn ofdrw_signer_validates_with_client_auth_when_trusted() {
    let sig = SesSignature::from_der(&read("ofd/ofdrw-v4-allprotected/SignedValue.dat")).unwrap();
    let r = judge_trusting_ofdrw(&sig, &read("ofd/ofdrw-v4-allprotected/Signature.xml"));
    let chain = r.check("signer_chain").unwrap();
    assert_eq!(chain.status, CheckStatus::Pass, "{r}");
    // Trusting another certificate (the maker's, which did not issue the signer): no path.
    let other = AtTimeChecker::new(&[read_pem_cert("certs/ofdrw-maker.pem")], &[], &[]).unwrap();
    let r = verify_ses(
        &sig,
        &sm3(&read("ofd/ofdrw-v4-allprotected/Signature.xml")),
        &VerifyOptions {
            now: NOW,
            at: None,
            require_revocation: false,
            chain: &other,
            revoked_seals: &RevokedSeals::unknown(),
        },
    );
    assert_eq!(status(&r, "signer_chain"), CheckStatus::Fail, "{r}");
    // The EKU is clientAuth: the SES holder role does not refuse it for that.
    assert!(
        !chain.detail.contains("documentSigning"),
        "{}",
        chain.detail
    );
}

#[test]
fn ofdrw_after_expiry_fails_the_time_checks() {
    let sig = SesSignature::from_der(&read("ofd/ofdrw-v4-after-expiry/SignedValue.dat")).unwrap();
    let r = judge(&sig, &read("ofd/ofdrw-v4-after-expiry/Signature.xml"));
    assert_eq!(
        r.document_digest,
        "50750042bf6a15552d5c0e44c4bd1dc9545b99d3cdd19bb20590143b17c1a2e8"
    );
    for id in [
        "document_hash",
        "signer_signature",
        "seal_signature",
        "signer_listed",
    ] {
        assert_eq!(status(&r, id), CheckStatus::Pass, "{id}: {r}");
    }
    assert_eq!(status(&r, "seal_validity"), CheckStatus::Fail, "{r}");
    assert!(
        r.check("seal_validity").unwrap().detail.contains("expired"),
        "{r}"
    );
    assert_eq!(status(&r, "signer_chain"), CheckStatus::Fail, "{r}");
    assert!(
        r.check("signer_chain").unwrap().detail.contains("expired"),
        "{r}"
    );
    assert_eq!(r.verdict, Verdict::Invalid);
}

#[test]
fn tongzhi_raw_r_s_signature_is_invalid_for_this_strict_reader() {
    let sig = SesSignature::from_der(&read("ofd/tongzhi-v4-raw-rs/SignedValue.dat")).unwrap();
    assert_eq!(sig.extensions().len(), 1);
    assert!(sig.extensions()[0].critical);
    let r = judge(&sig, &read("ofd/tongzhi-v4-raw-rs/Signature.xml"));
    assert_eq!(
        r.document_digest,
        "f2e794b1941beca54cd1f007634d0eb0321e68712d4f96171426d408a3ef855f"
    );
    assert_eq!(status(&r, "document_hash"), CheckStatus::Pass, "{r}");
    assert_eq!(status(&r, "seal_signature"), CheckStatus::Pass, "{r}");
    assert_eq!(status(&r, "signer_listed"), CheckStatus::Pass, "{r}");
    let s = r.check("signer_signature").unwrap();
    assert_eq!(s.status, CheckStatus::Fail);
    assert!(s.detail.contains("raw octets (r‖s)"), "{}", s.detail);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(r.reason.contains("r‖s"), "{}", r.reason);
}

#[test]
fn v1_signature_is_refused_clearly() {
    let bytes = read("ofd/dms360-v1/SignedValue.dat");
    assert!(looks_like_ses(&bytes));
    let e = SesSignature::from_der(&bytes).unwrap_err().to_string();
    assert!(e.contains("version 1 (GM/T 0031-2014)"), "{e}");
}

#[test]
fn cms_and_seals_are_not_ses() {
    assert!(!looks_like_ses(&read("UserV4.esl")));
    assert!(SesSignature::from_der(&read("UserV4.esl")).is_err());
    // A CMS ContentInfo starts with an OBJECT IDENTIFIER.
    assert!(!looks_like_ses(&[
        0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
    ]));
}

#[test]
fn truncation_trailing_bytes_and_bit_flips_never_panic() {
    let der = read("ofd/gomain-v4/SignedValue.dat");
    let mut long = der.clone();
    long.push(0);
    assert!(SesSignature::from_der(&long).is_err());
    for cut in (0..der.len()).step_by(97).chain([der.len() - 1]) {
        assert!(SesSignature::from_der(&der[..cut]).is_err(), "cut {cut}");
    }
    for i in (0..der.len()).step_by(13) {
        let mut d = der.clone();
        d[i] ^= 0x55;
        let _ = SesSignature::from_der(&d).map(|s| s.verify_signer_signature());
    }
}

#[test]
fn at_overrides_time_info() {
    let sig = SesSignature::from_der(&read("ofd/gomain-v4/SignedValue.dat")).unwrap();
    let checker = AtTimeChecker::new(&[ofdrw_root()], &[], &[]).unwrap();
    let r = verify_ses(
        &sig,
        &sm3(&read("ofd/gomain-v4/Signature.xml")),
        &VerifyOptions {
            now: NOW,
            at: Some(datetime!(2024-01-01 00:00 UTC)),
            require_revocation: false,
            chain: &checker,
            revoked_seals: &RevokedSeals::unknown(),
        },
    );
    assert_eq!(r.signing_time_source, TimeSource::GivenByVerifier);
    // The seal window ended 2023-10-07.
    assert_eq!(status(&r, "seal_validity"), CheckStatus::Fail, "{r}");
}
