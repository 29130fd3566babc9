use super::*;
use crate::seal::testutil::{NOW, Pki};
use time::macros::datetime;

fn signed(pki: &Pki, doc: &[u8]) -> Vec<u8> {
    let key = pki.holder.signer();
    let seal = pki.seal();
    let ds = DocumentSigner::new(
        &key,
        &pki.holder.cert,
        std::slice::from_ref(&pki.root.cert),
        &[],
        Some(&seal),
    )
    .unwrap();
    let digest = ds.digest_algorithm().digest(doc);
    ds.sign(&digest, NOW).unwrap()
}

#[test]
fn signs_and_parses_back_each_algorithm() {
    for (alg, digest) in [
        (&rcgen::PKCS_ECDSA_P256_SHA256, DigestAlgorithm::Sha256),
        (&rcgen::PKCS_ECDSA_P384_SHA384, DigestAlgorithm::Sha384),
        (&rcgen::PKCS_ED25519, DigestAlgorithm::Sha512),
    ] {
        let pki = Pki::new(alg);
        let p7s = signed(&pki, b"hello");
        let sig = parse_signature(&p7s).unwrap();
        assert_eq!(sig.content_type, oid::ID_DATA);
        assert!(!sig.has_content);
        assert_eq!(sig.signers.len(), 1);
        let si = sig.signer();
        assert_eq!(si.version, 1);
        assert_eq!(si.document_digest_algorithm(), Some(digest));
        assert_eq!(sig.signer_certificate(si), Some(pki.holder.cert.as_slice()));
        assert_eq!(sig.certificates.len(), 2);
        let a = si.signed_attributes.as_ref().unwrap();
        assert_eq!(a.content_type, Some(oid::ID_DATA));
        assert_eq!(
            a.message_digest.as_deref(),
            Some(digest.digest(b"hello").as_slice())
        );
        assert_eq!(a.signing_time, Some(NOW));
        let ess = a.signing_certificate_v2.as_ref().unwrap();
        assert_eq!(ess[0].hash_algorithm, signer::oid::SHA256);
        assert_eq!(
            ess[0].cert_hash,
            DigestAlgorithm::Sha256.digest(&pki.holder.cert)
        );
        assert!(!ess[0].has_issuer_serial);
        // ECDSA signatures are randomised: compare what the authority signed.
        assert!(a.seal.as_ref().unwrap().seal_info_der() == pki.seal().seal_info_der());
        assert!(a.other_types.is_empty());
        // The signature verifies over the SET OF form of the attributes.
        let check = signer::verify_signature_with_cert(
            &pki.holder.cert,
            &si.signature_algorithm.oid,
            Some(digest),
            a.signed_der(),
            &si.signature,
        )
        .unwrap();
        assert_eq!(check, signer::SignatureCheck::Valid);
    }
}

#[test]
fn output_is_der_the_rustcrypto_cms_crate_accepts() {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let p7s = signed(&pki, b"doc");
    let ci = ContentInfo::from_der(&p7s).unwrap();
    assert_eq!(ci.content_type, oid::ID_SIGNED_DATA);
    let sd: SignedData = ci.content.decode_as().unwrap();
    let si = sd.signer_infos.0.get(0).unwrap();
    let attrs = si.signed_attrs.as_ref().unwrap();
    assert_eq!(attrs.len(), 5);
    // The crate re-encodes SET OFs sorted: equal bytes mean ours were DER-sorted already.
    assert_eq!(ContentInfo::from_der(&p7s).unwrap().to_der().unwrap(), p7s);
    // ESSCertIDv2 leaves out hashAlgorithm (SHA-256 is the DEFAULT): SEQ{SEQ{SEQ{OCTET STRING}}}.
    let ess = attrs
        .iter()
        .find(|a| a.oid == oid::SIGNING_CERTIFICATE_V2)
        .unwrap();
    let value = ess.values.get(0).unwrap().to_der().unwrap();
    assert_eq!(
        &value[..8],
        &[0x30, 0x26, 0x30, 0x24, 0x30, 0x22, 0x04, 0x20]
    );
}

#[test]
fn rsa_signature_uses_null_parameters() {
    // ring cannot generate RSA keys; an RSA key made by openssl is in the openssl tests. Here:
    // the AlgorithmIdentifier encoding.
    let alg = algorithm_identifier(&signer::oid::SHA256_WITH_RSA, true);
    assert_eq!(alg.last().copied(), Some(0x00));
    assert_eq!(&alg[alg.len() - 2..], &[0x05, 0x00]);
}

#[test]
fn signing_time_is_utc_time_until_2049() {
    assert_eq!(signing_time_der(NOW).unwrap()[0], 0x17);
    assert_eq!(
        signing_time_der(datetime!(2050-01-01 00:00:00 UTC)).unwrap()[0],
        0x18
    );
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let key = pki.holder.signer();
    let ds = DocumentSigner::new(&key, &pki.holder.cert, &[], &[], None).unwrap();
    let later = datetime!(2051-03-04 05:06:07 UTC);
    let p7s = ds.sign(&[0u8; 32], later).unwrap();
    let sig = parse_signature(&p7s).unwrap();
    let a = sig.signer().signed_attributes.as_ref().unwrap();
    assert_eq!(a.signing_time, Some(later));
    assert!(a.seal.is_none());
    assert!(sig.seal().is_none());
}

#[test]
fn signer_refuses_wrong_key_and_wrong_digest_length() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let key = pki.authority.signer();
    assert!(matches!(
        DocumentSigner::new(&key, &pki.holder.cert, &[], &[], None),
        Err(SealError::KeyMismatch { .. })
    ));
    let key = pki.holder.signer();
    let ds = DocumentSigner::new(&key, &pki.holder.cert, &[], &[], None).unwrap();
    assert!(matches!(
        ds.sign(&[0u8; 20], NOW),
        Err(SealError::Spec { .. })
    ));
    assert!(DocumentSigner::new(&key, &pki.holder.cert, &[b"junk".to_vec()], &[], None).is_err());
}

#[test]
fn embeds_crls_and_parses_them_back() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let key = pki.holder.signer();
    // A real CRL: the strict gate (cms crate) reads embedded CRLs as `CertificateList`s.
    let crl = include_bytes!("../../../testdata/pkits/crls/GoodCACRL.crl").to_vec();
    let ds = DocumentSigner::new(
        &key,
        &pki.holder.cert,
        &[],
        std::slice::from_ref(&crl),
        None,
    )
    .unwrap();
    let sig = parse_signature(&ds.sign(&[1u8; 32], NOW).unwrap()).unwrap();
    assert_eq!(sig.crls, vec![crl]);
    assert!(DocumentSigner::new(&key, &pki.holder.cert, &[], &[b"x".to_vec()], None).is_err());
}

#[test]
fn pem_with_surrounding_text_is_accepted() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let p7s = signed(&pki, b"doc");
    let pem = pem::encode(&pem::Pem::new("PKCS7", p7s.clone()));
    let text = format!("a note before\n{pem}\nand after\n");
    assert_eq!(
        parse_signature(text.as_bytes()).unwrap(),
        parse_signature(&p7s).unwrap()
    );
    let cms_label = pem::encode(&pem::Pem::new("CMS", p7s));
    assert!(parse_signature(cms_label.as_bytes()).is_ok());
    let wrong = pem::encode(&pem::Pem::new("CERTIFICATE", pki.holder.cert.clone()));
    assert!(parse_signature(wrong.as_bytes()).is_err());
}

#[test]
fn truncated_garbage_and_trailing_input_are_errors() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let p7s = signed(&pki, b"doc");
    assert!(parse_signature(b"").is_err());
    assert!(parse_signature(b"garbage garbage").is_err());
    assert!(
        parse_signature(&[0x30, 0x80, 0, 0]).is_err(),
        "indefinite length"
    );
    for cut in (1..p7s.len()).step_by(37) {
        assert!(parse_signature(&p7s[..cut]).is_err(), "cut at {cut}");
    }
    let mut trailing = p7s.clone();
    trailing.push(0);
    assert!(matches!(
        parse_signature(&trailing),
        Err(SealError::Malformed { .. })
    ));
    for pos in (0..p7s.len()).step_by(11) {
        let mut bad = p7s.clone();
        bad[pos] ^= 0x5A;
        let _ = parse_signature(&bad); // never panics
    }
    // A certificate in place of a signature.
    assert!(parse_signature(&pki.holder.cert).is_err());
}

#[test]
fn non_minimal_length_is_refused() {
    // SEQUENCE with a long-form length for 3 octets.
    let mut p = Parser::new(&[0x30, 0x81, 0x03, 1, 2, 3]);
    assert!(p.next().is_err());
    let mut p = Parser::new(&[0x30, 0x82, 0x00, 0x03, 1, 2, 3]);
    assert!(p.next().is_err());
    let mut p = Parser::new(&[0x1F, 0x01, 0x00]);
    assert!(p.next().is_err(), "high tag numbers");
}

#[test]
fn duplicate_signed_attributes_are_refused() {
    // Build a SignerInfo's attributes by hand with contentType twice.
    let ct = attribute(&oid::CONTENT_TYPE, &oid_der(&oid::ID_DATA));
    let attrs = tlv(0xA0, &[ct.clone(), ct].concat());
    let mut p = Parser::new(&attrs);
    let t = p.next().unwrap();
    let err = parse_signed_attributes(t).unwrap_err().to_string();
    assert!(err.contains("appears twice"), "{err}");
}

#[test]
fn oid_text_handles_large_arcs() {
    // 2.25.<uuid>: more than 32 bits per arc.
    let bytes = [0x69, 0x82, 0xDA, 0xD7, 0xB8, 0xC6, 0xA4, 0x83, 0xC9, 0x6A];
    assert!(oid_text(&bytes).starts_with("2.25."));
    assert_eq!(
        oid_text(oid::SIGNING_TIME.as_bytes()),
        "1.2.840.113549.1.9.5"
    );
}

struct Chunky<'a> {
    data: &'a [u8],
    interrupted: bool,
}

impl std::io::Read for Chunky<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.interrupted {
            self.interrupted = true;
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(self.data.len()).min(7);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn hashing_streams_and_matches_one_shot() {
    let data: Vec<u8> = (0..1_000_003u32).map(|i| (i * 7) as u8).collect();
    let expected = DigestAlgorithm::Sha256.digest(&data);
    assert_eq!(hash_document(&data[..]).unwrap().to_vec(), expected);
    let chunky = Chunky {
        data: &data,
        interrupted: false,
    };
    assert_eq!(
        hash_document_with(DigestAlgorithm::Sha256, chunky)
            .unwrap()
            .value,
        expected
    );
    for d in [DigestAlgorithm::Sha384, DigestAlgorithm::Sha512] {
        assert_eq!(
            hash_document_with(d, &data[..]).unwrap().value,
            d.digest(&data)
        );
    }
    // The empty document.
    assert_eq!(
        hex::encode(hash_document(&b""[..]).unwrap()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    assert!(matches!(hash_document(Failing), Err(SealError::Io { .. })));
}

#[test]
fn summary_names_the_attributes() {
    let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
    let sig = parse_signature(&signed(&pki, b"doc")).unwrap();
    let s = sig.summary();
    assert_eq!(
        s.signed_attributes,
        [
            "contentType",
            "messageDigest",
            "signingTime",
            "signingCertificateV2",
            "seal"
        ]
    );
    assert!(s.detached && s.seal.is_some());
    let text = s.to_string();
    assert!(
        text.contains("3201000000000001") && text.contains("ecdsa-with-SHA256"),
        "{text}"
    );
}
