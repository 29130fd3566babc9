//! SM2 seals and `SES_Signature`s made by govpki: read back by our reader, judged valid, the
//! negative controls refused, and the structure compared with ofdrw's samples field by field.

use der::{Decode, Reader, SliceReader};

use super::testutil::{NOW, Sm2Pki, sm2_key};
use super::*;
use crate::seal::cms::hash_document_with;
use crate::seal::seal::{RevokedSeals, check_before_signing};
use crate::seal::ses::{SesSignature, verify_ses};
use crate::seal::signer::{SignatureCheck, Sm2Signer, oid};
use crate::seal::verify::VerifyOptions;
use crate::seal::{CheckStatus, Verdict, VerificationReport};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/gbt38540");
const DOC: &[u8] = b"<ofd:Signature>a document</ofd:Signature>";
const PROPERTY: &str = "/Doc_0/Signs/Sign_0/Signature.xml";

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{SAMPLES}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sm3(doc: &[u8]) -> DocumentHash {
    hash_document_with(DigestAlgorithm::Sm3, doc).unwrap()
}

fn make(pki: &Sm2Pki, seal: &Seal) -> Vec<u8> {
    sign_document(
        seal,
        &pki.holder.cert,
        &pki.holder.signer,
        &sm3(DOC),
        NOW,
        PROPERTY,
    )
    .unwrap()
}

fn judge(pki: &Sm2Pki, der: &[u8], doc: &[u8]) -> VerificationReport {
    let sig = SesSignature::from_der(der).unwrap();
    verify_ses(
        &sig,
        &sm3(doc),
        &VerifyOptions {
            now: NOW,
            at: None,
            require_revocation: false,
            chain: &pki.checker(),
            revoked_seals: &RevokedSeals::unknown(),
        },
    )
}

/// The (tag, content) of each element of the constructed TLV `der`.
fn children(der: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let any = der::asn1::AnyRef::from_der(der).unwrap();
    let mut r = SliceReader::new(any.value()).unwrap();
    let mut out = Vec::new();
    while !r.is_finished() {
        let start = usize::try_from(r.position()).unwrap();
        let child: der::asn1::AnyRef<'_> = r.decode().unwrap();
        let end = usize::try_from(r.position()).unwrap();
        let tlv = &any.value()[start..end];
        out.push((tlv[0], child.value().to_vec()));
    }
    out
}

/// The TLV of each element of the constructed TLV `der`.
fn child_tlvs(der: &[u8]) -> Vec<Vec<u8>> {
    let any = der::asn1::AnyRef::from_der(der).unwrap();
    let mut r = SliceReader::new(any.value()).unwrap();
    let mut out = Vec::new();
    while !r.is_finished() {
        let start = usize::try_from(r.position()).unwrap();
        let _: der::asn1::AnyRef<'_> = r.decode().unwrap();
        let end = usize::try_from(r.position()).unwrap();
        out.push(any.value()[start..end].to_vec());
    }
    out
}

fn tags(der: &[u8]) -> Vec<u8> {
    children(der).into_iter().map(|(t, _)| t).collect()
}

#[test]
fn an_sm2_authority_makes_a_v4_seal_signed_sm2_with_sm3() {
    let pki = Sm2Pki::new();
    let seal = pki.seal();
    let i = seal.info();
    assert_eq!(i.version, 4);
    assert_eq!(i.signature_algorithm, oid::SM2_WITH_SM3);
    assert_eq!(i.authority_cert, pki.authority.cert);
    assert_eq!(seal.verify_authority_signature(), SignatureCheck::Valid);
    // DER SEQUENCE { r, s }, never raw r‖s.
    assert_eq!(i.signature.first(), Some(&0x30));
    assert!(crate::pkix::sig::sm2_signature(&i.signature).is_some());
    check_before_signing(&seal, &pki.holder.cert, NOW, &RevokedSeals::unknown()).unwrap();

    // Field by field against ofdrw's UserV4.esl: SESeal { SES_SealInfo, cert OCTET STRING,
    // signAlgID OID, signedValue BIT STRING }.
    let sample = read("UserV4.esl");
    assert_eq!(tags(seal.to_der()), tags(&sample));
    assert_eq!(tags(seal.to_der()), [0x30, 0x04, 0x06, 0x03]);
    let (ours, theirs) = (children(seal.to_der()), children(&sample));
    assert_eq!(ours[2].1, theirs[2].1, "signAlgID is SM2-with-SM3");
    assert_eq!(ours[3].1[0], 0, "signedValue has no unused bits");
    // SES_SealInfo { header, esID, property, picture } + extDatas (untagged, as
    // SESealData.DER; UserV4.esl has none).
    let (info, sample_info) = (&child_tlvs(seal.to_der())[0], &child_tlvs(&sample)[0]);
    assert_eq!(tags(info), [0x30, 0x16, 0x30, 0x30, 0x30]);
    assert_eq!(tags(sample_info), [0x30, 0x16, 0x30, 0x30]);
    let (ours, theirs) = (child_tlvs(info), child_tlvs(sample_info));
    for (n, what) in [(0, "header"), (2, "property"), (3, "picture")] {
        assert_eq!(tags(&ours[n]), tags(&theirs[n]), "{what}");
    }
    // Header ES / 4; the certList a SEQUENCE OF OCTET STRING; GeneralizedTime dates.
    assert_eq!(children(&ours[0])[..2], children(&theirs[0])[..2]);
    assert_eq!(
        tags(&ours[2]),
        [0x02, 0x0c, 0x02, 0x30, 0x18, 0x18, 0x18],
        "type, name, certListType, certList, createDate, validStart, validEnd"
    );
    assert_eq!(tags(&child_tlvs(&ours[2])[3]), [0x04]);
    assert_eq!(tags(&ours[4]), [0x30], "one ExtData (the department)");
}

#[test]
fn our_ses_signature_reads_back_and_is_valid() {
    let pki = Sm2Pki::new();
    let seal = pki.seal();
    let der = make(&pki, &seal);
    let sig = SesSignature::from_der(&der).unwrap();
    assert_eq!(sig.version(), 4);
    assert_eq!(sig.seal(), &seal);
    assert_eq!(sig.time_info(), NOW);
    assert_eq!(sig.data_hash(), sm3(DOC).value);
    assert_eq!(sig.property_info(), PROPERTY);
    assert!(sig.extensions().is_empty());
    assert_eq!(sig.signer_certificate(), pki.holder.cert);
    assert_eq!(sig.time_stamp(), None);
    assert_eq!(sig.verify_signer_signature(), SignatureCheck::Valid);

    let r = judge(&pki, &der, DOC);
    assert_eq!(r.verdict, Verdict::Valid, "{}: {:#?}", r.reason, r.checks);
    assert_eq!(r.format, "ses");
    // Another document: the dataHash does not match.
    let r = judge(&pki, &der, b"another document");
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(r.check("document_hash").unwrap().status, CheckStatus::Fail);
    // SM2 signatures here are deterministic (RFC 6979 nonces): same input, same file.
    assert_eq!(make(&pki, &seal), der);
}

#[test]
fn our_ses_signature_has_the_structure_of_signed_value_v4() {
    let pki = Sm2Pki::new();
    let der = make(&pki, &pki.seal());
    let sample = read("SignedValueV4.dat");
    // SES_Signature { toSign, cert OCTET STRING, signatureAlgID OID, signature BIT STRING }.
    assert_eq!(tags(&der), [0x30, 0x04, 0x06, 0x03]);
    assert_eq!(tags(&der), tags(&sample));
    let (ours, theirs) = (children(&der), children(&sample));
    assert_eq!(ours[2].1, theirs[2].1, "signatureAlgID");
    assert_eq!(ours[2].1, oid::SM2_WITH_SM3.as_bytes());
    assert_eq!(
        ours[1].1, pki.holder.cert,
        "cert is the bare DER in an OCTET STRING"
    );
    assert_eq!(ours[3].1[0], 0, "signature BIT STRING without unused bits");
    assert_eq!(ours[3].1[1], 0x30, "signature DER SEQUENCE {{ r, s }}");
    assert_eq!(tags(&ours[3].1[1..]), [0x02, 0x02]);
    // TBS_Sign { version INTEGER 4, eseal SESeal, timeInfo GeneralizedTime, dataHash BIT
    // STRING, propertyInfo IA5String }.
    let (tbs, sample_tbs) = (&child_tlvs(&der)[0], &child_tlvs(&sample)[0]);
    assert_eq!(tags(tbs), [0x02, 0x30, 0x18, 0x03, 0x16]);
    assert_eq!(tags(tbs), tags(sample_tbs));
    let (ours, theirs) = (children(tbs), children(sample_tbs));
    assert_eq!(ours[0], theirs[0], "version 4");
    assert_eq!(ours[2].1.len(), theirs[2].1.len(), "YYYYMMDDHHMMSSZ");
    assert_eq!(ours[2].1, b"20261130100000Z");
    assert_eq!(
        ours[3].1.len(),
        theirs[3].1.len(),
        "33: no unused bits + 32 octets"
    );
    assert_eq!(ours[3].1[0], 0);
    assert_eq!(ours[4].1, theirs[4].1, "the same propertyInfo");
    // The seal inside: the same shape as the sample's (UserV4.esl).
    let (seal, sample_seal) = (&child_tlvs(tbs)[1], &child_tlvs(sample_tbs)[1]);
    assert_eq!(tags(seal), tags(sample_seal));
    // toSign is what is signed: the signature verifies over its TLV octets.
    let s = SesSignature::from_der(&der).unwrap();
    assert_eq!(
        crate::seal::signer::verify_signature_with_cert(
            &pki.holder.cert,
            &oid::SM2_WITH_SM3,
            None,
            tbs,
            &children(&der)[3].1[1..],
        )
        .unwrap(),
        SignatureCheck::Valid
    );
    assert_eq!(s.verify_signer_signature(), SignatureCheck::Valid);
}

/// Our file with its signature replaced by `signature` (a BIT STRING's content octets follow
/// the unused-bits octet).
fn with_signature(der: &[u8], signature: &[u8]) -> Vec<u8> {
    let parts = child_tlvs(der);
    SesSignatureDer {
        to_sign: der::asn1::AnyRef::from_der(&parts[0]).unwrap(),
        cert: der::asn1::OctetStringRef::from_der(&parts[1]).unwrap(),
        signature_alg_id: oid::SM2_WITH_SM3,
        signature: BitStringRef::from_bytes(signature).unwrap(),
    }
    .to_der()
    .unwrap()
}

fn signer_signature_fails(pki: &Sm2Pki, der: &[u8]) -> String {
    let r = judge(pki, der, DOC);
    let c = r.check("signer_signature").unwrap();
    assert_eq!(c.status, CheckStatus::Fail, "{}", c.detail);
    assert_eq!(r.verdict, Verdict::Invalid);
    c.detail.clone()
}

#[test]
fn the_reader_refuses_a_flipped_bit_a_wrong_key_raw_rs_and_the_empty_user_id() {
    use sm2::dsa::signature::Signer;
    let pki = Sm2Pki::new();
    let der = make(&pki, &pki.seal());
    let tbs = child_tlvs(&der)[0].clone();

    // A flipped bit in the signed timeInfo (the signature no longer covers it).
    let at = der
        .windows(15)
        .position(|w| w == b"20261130100000Z")
        .unwrap();
    let mut flipped = der.clone();
    flipped[at + 13] ^= 0x01; // "…00Z" -> "…01Z"
    assert_eq!(
        SesSignature::from_der(&flipped).unwrap().time_info(),
        NOW + time::Duration::SECOND
    );
    signer_signature_fails(&pki, &flipped);
    // A flipped bit in the last octet of `s`.
    let mut flipped = der.clone();
    *flipped.last_mut().unwrap() ^= 0x01;
    signer_signature_fails(&pki, &flipped);

    // Signed by another SM2 key (the authority's), with the holder's certificate.
    let wrong = pki.authority.signer.sign(&tbs).unwrap();
    signer_signature_fails(&pki, &with_signature(&der, &wrong));

    // The holder's key, but raw r‖s (64 octets) instead of DER.
    let key = sm2_key(3);
    let raw: sm2::dsa::Signature = key.sign(&tbs);
    assert!(
        signer_signature_fails(&pki, &with_signature(&der, &raw.to_bytes()))
            .contains("64 raw octets")
    );

    // The holder's key under the empty user ID (OpenSSL 3.0's default, openssl#23471).
    let empty_id = sm2::dsa::SigningKey::from_slice("", &key.to_bytes()).unwrap();
    let sig: sm2::dsa::Signature = empty_id.sign(&tbs);
    let empty_der = with_signature(&der, &der_rs(&sig));
    signer_signature_fails(&pki, &empty_der);
    // The control is the user ID only: the same (r, s) verify under the empty ID.
    let verifying =
        sm2::dsa::VerifyingKey::from_sec1_bytes("", pki.holder.signer.public_key()).unwrap();
    assert!(sm2::dsa::signature::Verifier::verify(&verifying, &tbs, &sig).is_ok());

    // And the original still verifies.
    assert_eq!(judge(&pki, &der, DOC).verdict, Verdict::Valid);
}

fn der_rs(sig: &sm2::dsa::Signature) -> Vec<u8> {
    let (r, s) = (sig.r_bytes(), sig.s_bytes());
    #[derive(der::Sequence)]
    struct Rs<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    Rs {
        r: der::asn1::UintRef::new(&r).unwrap(),
        s: der::asn1::UintRef::new(&s).unwrap(),
    }
    .to_der()
    .unwrap()
}

#[test]
fn the_builder_refuses_what_would_not_be_a_gbt38540_seal_signature() {
    let pki = Sm2Pki::new();
    let seal = pki.seal();
    let holder = &pki.holder;

    // An ECDSA holder: GB/T 38540 signatures are SM2.
    let p256 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let ring = crate::seal::signer::RingSigner::from_pkcs8_der(&p256.serialize_der()).unwrap();
    let e = SesSigner::new(&seal, &holder.cert, &ring).unwrap_err();
    assert!(e.to_string().contains("SM2-with-SM3"), "{e}");
    // The authority's SM2 key with the holder's certificate.
    let e = SesSigner::new(&seal, &holder.cert, &pki.authority.signer).unwrap_err();
    assert!(matches!(e, SealError::KeyMismatch { .. }), "{e}");
    // Not a certificate.
    let e = SesSigner::new(&seal, b"not a certificate", &holder.signer).unwrap_err();
    assert!(matches!(e, SealError::Certificate { .. }), "{e}");
    // A version 5 seal (GM/T 0031-2025).
    let v5 = Seal::from_der(&read("UserV5.esl")).unwrap();
    let e = SesSigner::new(&v5, &holder.cert, &holder.signer).unwrap_err();
    assert!(e.to_string().contains("version 5"), "{e}");

    let s = SesSigner::new(&seal, &holder.cert, &holder.signer).unwrap();
    // A SHA-256 document hash.
    let sha = hash_document_with(DigestAlgorithm::Sha256, DOC).unwrap();
    let e = s.sign(&sha, NOW, PROPERTY).unwrap_err();
    assert!(e.to_string().contains("SM3"), "{e}");
    let short = DocumentHash {
        algorithm: DigestAlgorithm::Sm3,
        value: vec![0; 31],
    };
    assert!(s.sign(&short, NOW, PROPERTY).is_err());
    // propertyInfo: IA5, printable, not empty.
    for bad in ["", "签名.xml", "a\nb", &"x".repeat(PROPERTY_INFO_MAX + 1)] {
        let e = s.sign(&sm3(DOC), NOW, bad).unwrap_err();
        assert!(e.to_string().contains("propertyInfo"), "{bad:?}: {e}");
    }
    // Before 1970 cannot be a GeneralizedTime here.
    assert!(
        s.sign(
            &sm3(DOC),
            time::macros::datetime!(1969-12-31 0:00 UTC),
            PROPERTY
        )
        .is_err()
    );
    assert!(s.sign(&sm3(DOC), NOW, "document.pdf").is_ok());
}

#[test]
fn sm2_signer_uses_the_default_user_id_whatever_the_key_says() {
    let pki = Sm2Pki::new();
    // The holder's scalar, bound to another user ID by whoever made the key.
    let other_id = sm2::dsa::SigningKey::from_slice("ALICE123@YAHOO.COM", &[3; 32]).unwrap();
    let signer = Sm2Signer::new(&other_id).unwrap();
    assert!(signer.matches_certificate(&pki.holder.cert).unwrap());
    let sig = signer.sign(b"msg").unwrap();
    assert_eq!(
        crate::seal::signer::verify_signature_with_cert(
            &pki.holder.cert,
            &oid::SM2_WITH_SM3,
            None,
            b"msg",
            &sig
        )
        .unwrap(),
        SignatureCheck::Valid
    );
    assert!(matches!(
        crate::seal::signer::verify_signature_with_cert(
            &pki.holder.cert,
            &oid::SM2_WITH_SM3,
            None,
            b"msG",
            &sig
        )
        .unwrap(),
        SignatureCheck::Invalid(_)
    ));
    assert!(!signer.matches_certificate(&pki.authority.cert).unwrap());
    assert_eq!(signer.algorithm(), SignatureAlgorithm::Sm2Sm3);
    assert_eq!(signer.public_key().len(), 65);
    assert_eq!(signer.public_key()[0], 0x04);
    assert!(Sm2Signer::from_secret_bytes(&[0; 32]).is_err());
    assert!(Sm2Signer::from_secret_bytes(&[3; 31]).is_err());
    assert_eq!(
        Sm2Signer::from_secret_bytes(&[3; 32]).unwrap().public_key(),
        signer.public_key()
    );
    assert!(!format!("{signer:?}").contains("0303"));
}

#[test]
fn an_sm2_holder_is_refused_a_cms_signature() {
    let pki = Sm2Pki::new();
    let seal = pki.seal();
    let e = crate::seal::DocumentSigner::new(
        &pki.holder.signer,
        &pki.holder.cert,
        &[],
        &[],
        Some(&seal),
    )
    .unwrap_err();
    assert!(e.to_string().contains("SES_Signature"), "{e}");
}

#[test]
fn one_ses_signer_serves_many_threads() {
    fn sync<T: Sync>(_: &T) {}
    let pki = Sm2Pki::new();
    let seal = pki.seal();
    let s = SesSigner::new(&seal, &pki.holder.cert, &pki.holder.signer).unwrap();
    sync(&s);
    let docs: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0u8..4)
            .map(|i| {
                let s = &s;
                scope.spawn(move || s.sign(&sm3(&[i]), NOW, PROPERTY).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, der) in (0u8..4).zip(&docs) {
        assert_eq!(judge(&pki, der, &[i]).verdict, Verdict::Valid);
    }
}
