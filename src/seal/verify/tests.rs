use super::*;
use crate::seal::cms::{DocumentSigner, hash_document_with, parse_signature};
use crate::seal::seal::{RevokedSeal, Seal};
use crate::seal::testutil::{NOW, Party, Pki, TestChecker};
use time::macros::datetime;

const DOC: &[u8] = b"%PDF-1.7 a document of the people's government\n";

fn sign(party: &Party, seal: Option<&Seal>, doc: &[u8], at: OffsetDateTime) -> SignatureFile {
    let key = party.signer();
    let ds = DocumentSigner::new(&key, &party.cert, &[], &[], seal).unwrap();
    let digest = ds.digest_algorithm().digest(doc);
    parse_signature(&ds.sign(&digest, at).unwrap()).unwrap()
}

fn judge_with(
    sig: &SignatureFile,
    doc: &[u8],
    checker: &TestChecker,
    revoked: &RevokedSeals,
    require_revocation: bool,
    at: Option<OffsetDateTime>,
) -> VerificationReport {
    let alg = sig
        .signer()
        .document_digest_algorithm()
        .unwrap_or(DigestAlgorithm::Sha256);
    let hash = hash_document_with(alg, doc).unwrap();
    verify_document(
        sig,
        &hash,
        &VerifyOptions {
            now: NOW,
            at,
            require_revocation,
            chain: checker,
            revoked_seals: revoked,
        },
    )
}

fn judge(pki: &Pki, sig: &SignatureFile, doc: &[u8]) -> VerificationReport {
    judge_with(
        sig,
        doc,
        &pki.checker(),
        &RevokedSeals::complete([]),
        false,
        None,
    )
}

fn status(r: &VerificationReport, id: &str) -> CheckStatus {
    r.check(id)
        .unwrap_or_else(|| panic!("no check {id}"))
        .status
}

#[test]
fn a_good_seal_is_valid_for_each_algorithm() {
    for alg in [
        &rcgen::PKCS_ECDSA_P256_SHA256,
        &rcgen::PKCS_ECDSA_P384_SHA384,
        &rcgen::PKCS_ED25519,
    ] {
        let pki = Pki::new(alg);
        let seal = pki.seal();
        let sig = sign(&pki.holder, Some(&seal), DOC, NOW);
        let r = judge(&pki, &sig, DOC);
        assert_eq!(r.verdict, Verdict::Valid, "{alg:?}: {r}");
        assert_eq!(r.reason, "all checks passed");
        for c in &r.checks {
            let expected = if c.check == CheckId::TimeStamp {
                CheckStatus::Skipped
            } else {
                CheckStatus::Pass
            };
            assert_eq!(c.status, expected, "{}: {}", c.check, c.detail);
        }
        assert_eq!(r.seal_name.as_deref(), Some("连云港市人民政府"));
        assert_eq!(r.seal_type, Some("official"));
        assert_eq!(r.department.as_deref(), Some("信息中心"));
        assert_eq!(r.es_id.as_deref(), Some("3201000000000001"));
        assert!(r.signer.as_deref().unwrap().contains("信息中心"));
        assert!(r.authority.as_deref().unwrap().contains("印章管理部门"));
        assert_eq!(r.signing_time.as_deref(), Some("2026-11-30T10:00:00Z"));
        assert_eq!(r.signing_time_source, TimeSource::ClaimedBySigner);
    }
}

#[test]
fn one_changed_byte_is_invalid() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let sig = sign(&pki.holder, Some(&pki.seal()), DOC, NOW);
    let mut changed = DOC.to_vec();
    changed[3] ^= 1;
    let r = judge(&pki, &sig, &changed);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(
        r.reason.starts_with("document hash mismatch"),
        "{}",
        r.reason
    );
    assert_eq!(status(&r, "signer_signature"), CheckStatus::Pass);
}

#[test]
fn a_holder_not_listed_is_invalid() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let stranger = pki.issue("其他部门", &rcgen::PKCS_ECDSA_P256_SHA256, true);
    let sig = sign(&stranger, Some(&pki.seal()), DOC, NOW);
    let r = judge(&pki, &sig, DOC);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(
        r.reason
            .contains("is not listed in seal `3201000000000001`"),
        "{}",
        r.reason
    );
    assert_eq!(status(&r, "signer_chain"), CheckStatus::Pass);
}

#[test]
fn a_seal_from_an_untrusted_authority_is_invalid() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    // Another PKI makes a seal for our holder: its authority does not chain to our root.
    let rogue = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let mut spec = pki.spec();
    spec.holder_certs = vec![pki.holder.cert.clone()];
    let seal = rogue.seal_with(&spec);
    let sig = sign(&pki.holder, Some(&seal), DOC, NOW);
    let r = judge(&pki, &sig, DOC);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(status(&r, "seal_signature"), CheckStatus::Pass);
    assert_eq!(status(&r, "seal_authority_chain"), CheckStatus::Fail);
    assert!(r.reason.starts_with("seal authority:"), "{}", r.reason);
}

#[test]
fn an_expired_or_not_yet_valid_seal_is_invalid() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    for (from, until, word) in [
        (
            datetime!(2026-06-01 00:00:00 UTC),
            datetime!(2026-10-01 00:00:00 UTC),
            "had expired",
        ),
        (
            datetime!(2026-12-01 00:00:00 UTC),
            datetime!(2027-06-01 00:00:00 UTC),
            "not yet valid",
        ),
    ] {
        let mut spec = pki.spec();
        spec.valid_from = from;
        spec.valid_until = until;
        let seal = pki.seal_with(&spec);
        let sig = sign(&pki.holder, Some(&seal), DOC, NOW);
        let r = judge(&pki, &sig, DOC);
        assert_eq!(r.verdict, Verdict::Invalid, "{r}");
        assert!(r.reason.contains(word), "{}", r.reason);
        assert_eq!(status(&r, "seal_validity"), CheckStatus::Fail);
    }
}

#[test]
fn a_seal_revoked_before_signing_is_invalid_after_signing_valid() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let sig = sign(&pki.holder, Some(&pki.seal()), DOC, NOW);
    let revoked = |at| {
        RevokedSeals::complete([(
            "3201000000000001".to_string(),
            RevokedSeal {
                revoked_at: at,
                reason: Some("superseded".into()),
            },
        )])
    };
    let before = revoked(datetime!(2026-11-29 00:00:00 UTC));
    let r = judge_with(&sig, DOC, &pki.checker(), &before, false, None);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(
        r.reason
            .contains("was revoked at 2026-11-29T00:00:00Z (superseded), before the signing time"),
        "{}",
        r.reason
    );
    let after = revoked(datetime!(2026-12-01 00:00:00 UTC));
    let r = judge_with(&sig, DOC, &pki.checker(), &after, false, None);
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
}

#[test]
fn a_holder_revoked_before_signing_is_invalid_after_signing_valid() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let sig = sign(&pki.holder, Some(&pki.seal()), DOC, NOW);
    let serial = crate::seal::certificate_serial_hex(&pki.holder.cert).unwrap();
    let mut checker = pki.checker();
    checker
        .revoked
        .insert(serial.clone(), datetime!(2026-11-01 00:00:00 UTC));
    let r = judge_with(
        &sig,
        DOC,
        &checker,
        &RevokedSeals::complete([]),
        false,
        None,
    );
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(
        r.reason.starts_with("signer:") && r.reason.contains("revoked"),
        "{}",
        r.reason
    );
    checker
        .revoked
        .insert(serial, datetime!(2026-12-01 00:00:00 UTC));
    let r = judge_with(
        &sig,
        DOC,
        &checker,
        &RevokedSeals::complete([]),
        false,
        None,
    );
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
}

#[test]
fn revocation_not_checked_is_valid_unless_required() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let sig = sign(&pki.holder, Some(&pki.seal()), DOC, NOW);
    let mut checker = pki.checker();
    checker.revocation_known = false;
    let r = judge_with(&sig, DOC, &checker, &RevokedSeals::unknown(), false, None);
    assert_eq!(r.verdict, Verdict::Valid, "{r}");
    assert!(r.reason.contains("revocation not checked"), "{}", r.reason);
    let r = judge_with(&sig, DOC, &checker, &RevokedSeals::unknown(), true, None);
    assert_eq!(r.verdict, Verdict::Indeterminate, "{r}");
    assert!(r.reason.contains("revocation not checked"), "{}", r.reason);
    // Only the seal status unknown.
    let r = judge_with(
        &sig,
        DOC,
        &pki.checker(),
        &RevokedSeals::unknown(),
        true,
        None,
    );
    assert_eq!(r.verdict, Verdict::Indeterminate);
    assert_eq!(status(&r, "seal_revocation"), CheckStatus::Indeterminate);
}

#[test]
fn a_signature_without_seal_is_invalid_no_seal() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let sig = sign(&pki.holder, None, DOC, NOW);
    let r = judge(&pki, &sig, DOC);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(r.reason.starts_with("no seal"), "{}", r.reason);
    assert_eq!(status(&r, "document_hash"), CheckStatus::Pass);
    assert_eq!(status(&r, "signer_signature"), CheckStatus::Pass);
    assert_eq!(status(&r, "seal_signature"), CheckStatus::Skipped);
    assert!(r.seal_name.is_none());
    assert!(r.to_string().contains("seal:          no seal"));
}

#[test]
fn at_overrides_the_claimed_time() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let sig = sign(&pki.holder, Some(&pki.seal()), DOC, NOW);
    let at = datetime!(2027-07-01 00:00:00 UTC);
    let r = judge_with(
        &sig,
        DOC,
        &pki.checker(),
        &RevokedSeals::complete([]),
        false,
        Some(at),
    );
    assert_eq!(r.signing_time_source, TimeSource::GivenByVerifier);
    assert_eq!(r.judged_at, "2027-07-01T00:00:00Z");
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(r.reason.contains("had expired"), "{}", r.reason);
}

#[test]
fn a_signing_time_in_the_future_is_invalid() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let sig = sign(
        &pki.holder,
        Some(&pki.seal()),
        DOC,
        datetime!(2026-12-24 00:00:00 UTC),
    );
    let r = judge(&pki, &sig, DOC);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(
        r.reason.contains("after the verification time"),
        "{}",
        r.reason
    );
    // Within the allowed skew it is fine.
    let sig = sign(
        &pki.holder,
        Some(&pki.seal()),
        DOC,
        NOW + time::Duration::seconds(60),
    );
    assert_eq!(judge(&pki, &sig, DOC).verdict, Verdict::Valid);
}

#[test]
fn a_document_hashed_with_the_wrong_algorithm_is_indeterminate() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P384_SHA384);
    let sig = sign(&pki.holder, Some(&pki.seal()), DOC, NOW);
    let hash = hash_document_with(DigestAlgorithm::Sha256, DOC).unwrap();
    let r = verify_document(
        &sig,
        &hash,
        &VerifyOptions {
            now: NOW,
            at: None,
            require_revocation: false,
            chain: &pki.checker(),
            revoked_seals: &RevokedSeals::complete([]),
        },
    );
    assert_eq!(r.verdict, Verdict::Indeterminate);
    assert_eq!(status(&r, "document_hash"), CheckStatus::Indeterminate);
}

#[test]
fn a_gbt38540_sm2_seal_is_checked() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let der = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/gbt38540/UserV4.esl"
    ))
    .unwrap();
    let seal = Seal::from_der(&der).unwrap();
    let sig = sign(&pki.holder, Some(&seal), DOC, NOW);
    let r = judge(&pki, &sig, DOC);
    assert_eq!(status(&r, "seal_signature"), CheckStatus::Pass);
    // Our holder is not on the ofdrw seal, and the seal expired in 2022: invalid, and the
    // reason is the most specific failure.
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(status(&r, "seal_validity"), CheckStatus::Fail);
    assert_eq!(status(&r, "signer_listed"), CheckStatus::Fail);
}

#[test]
fn the_json_report_has_the_fields_scripts_rely_on() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let sig = sign(&pki.holder, Some(&pki.seal()), DOC, NOW);
    let mut r = judge(&pki, &sig, DOC);
    r.document = Some("report.pdf".into());
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["reason"], "all checks passed");
    assert_eq!(v["document"], "report.pdf");
    assert_eq!(v["seal_name"], "连云港市人民政府");
    assert_eq!(v["seal_type"], "official");
    assert_eq!(v["es_id"], "3201000000000001");
    assert_eq!(v["signing_time_source"], "claimed by signer");
    assert_eq!(v["document_digest_algorithm"], "sha256");
    assert_eq!(
        v["document_digest"],
        hex::encode(DigestAlgorithm::Sha256.digest(DOC))
    );
    let checks = v["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .any(|c| c["check"] == "document_hash" && c["status"] == "pass")
    );
    let text = r.to_string();
    for s in [
        "VALID",
        "esID:          3201000000000001",
        "claimed by signer",
        "pass  document_hash",
    ] {
        assert!(text.contains(s), "{s} missing in\n{text}");
    }
}

#[test]
fn a_forged_signer_signature_is_invalid() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let mut sig = sign(&pki.holder, Some(&pki.seal()), DOC, NOW);
    // Another key's signature over the same attributes.
    let other = pki.issue("x", &rcgen::PKCS_ECDSA_P256_SHA256, true);
    let attrs = sig.signers[0]
        .signed_attributes
        .as_ref()
        .unwrap()
        .signed_der()
        .to_vec();
    use crate::seal::signer::SealSigner;
    sig.signers[0].signature = other.signer().sign(&attrs).unwrap();
    let r = judge(&pki, &sig, DOC);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(
        r.reason.starts_with("the signer's signature is invalid"),
        "{}",
        r.reason
    );
}
