//! SM2-with-SM3: a key made with the sm2 crate, and real certificates from testdata/gbt38540.

use super::super::*;
use super::{alg, alg_with};
use der::asn1::{Any, BitString};
use sm2::dsa::signature::Signer;

fn ec_spki(curve: Oid, point: &[u8]) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oid::EC_PUBLIC_KEY,
            parameters: Some(Any::encode_from(&curve).unwrap()),
        },
        subject_public_key: BitString::from_bytes(point).unwrap(),
    }
}

fn der_int(bytes: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if v.first().is_none_or(|b| b & 0x80 != 0) {
        v.insert(0, 0);
    }
    let mut out = vec![0x02, v.len() as u8];
    out.extend(v);
    out
}

fn der_sig(s: &sm2::dsa::Signature) -> Vec<u8> {
    let mut body = der_int(&s.r_bytes());
    body.extend(der_int(&s.s_bytes()));
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

fn key(id: &str, seed: u8) -> sm2::dsa::SigningKey {
    sm2::dsa::SigningKey::from_slice(id, &[seed; 32]).unwrap()
}

const TBS: &[u8] = b"\x30\x0atbs-like bytes of a certificate";

#[test]
fn sm2_with_default_user_id_verifies_and_controls_fail() {
    let v = DefaultVerifier::default();
    let sk = key(SM2_DEFAULT_ID, 7);
    let spki = ec_spki(oid::SM2_CURVE, &sk.verifying_key().to_sec1_bytes());
    let sig = sk.sign(TBS);
    let der = der_sig(&sig);
    let a = alg(oid::SM2_WITH_SM3);
    assert_eq!(v.verify(&spki, &a, TBS, &der), Ok(()));
    // NULL parameters read as absent; the key OID as algorithm also accepted.
    assert_eq!(
        v.verify(&spki, &alg_with(oid::SM2_WITH_SM3, &[5, 0]), TBS, &der),
        Ok(())
    );
    assert_eq!(v.verify(&spki, &alg(oid::SM2_CURVE), TBS, &der), Ok(()));
    // Flipped bit in the message, then in the signature.
    let mut m = TBS.to_vec();
    m[3] ^= 1;
    assert_eq!(v.verify(&spki, &a, &m, &der), Err(SigError::BadSignature));
    let mut bad = der.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(v.verify(&spki, &a, TBS, &bad), Err(SigError::BadSignature));
    // Raw r||s is not the DER SEQUENCE.
    assert_eq!(
        v.verify(&spki, &a, TBS, &sig.to_bytes()),
        Err(SigError::BadSignature)
    );
    // A wrong key.
    let other = key(SM2_DEFAULT_ID, 9);
    let other_spki = ec_spki(oid::SM2_CURVE, &other.verifying_key().to_sec1_bytes());
    assert_eq!(
        v.verify(&other_spki, &a, TBS, &der),
        Err(SigError::BadSignature)
    );
    // The SM2 point labelled as P-256 does not fit SM2-with-SM3.
    let p256 = ec_spki(oid::P256, &sk.verifying_key().to_sec1_bytes());
    assert_eq!(v.verify(&p256, &a, TBS, &der), Err(SigError::KeyMismatch));
    // SM2 key with an ECDSA algorithm.
    assert_eq!(
        v.verify(&spki, &alg(oid::ECDSA_SHA256), TBS, &der),
        Err(SigError::KeyMismatch)
    );
}

#[test]
fn sm2_signed_with_the_empty_user_id_is_refused() {
    let v = DefaultVerifier::default();
    let sk = key("", 7);
    let spki = ec_spki(oid::SM2_CURVE, &sk.verifying_key().to_sec1_bytes());
    let der = der_sig(&sk.sign(TBS));
    assert_eq!(
        v.verify(&spki, &alg(oid::SM2_WITH_SM3), TBS, &der),
        Err(SigError::BadSignature)
    );
}

#[test]
fn real_sm2_certificates_verify_against_their_issuer() {
    use crate::pkix::cert::Cert;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/gbt38540/certs");
    let read = |n: &str| {
        let pem = pem::parse(std::fs::read(dir.join(n)).unwrap()).unwrap();
        Cert::from_der(pem.contents()).unwrap()
    };
    let root = read("ofdrw-root.pem");
    let v = DefaultVerifier::default();
    for n in ["ofdrw-root.pem", "ofdrw-maker.pem", "ofdrw-signer.pem"] {
        let c = read(n);
        assert_eq!(
            v.verify(&root.spki, &c.sig_alg, &c.tbs_der, &c.signature),
            Ok(()),
            "{n}"
        );
        let mut tbs = c.tbs_der.clone();
        tbs[20] ^= 1;
        assert_eq!(
            v.verify(&root.spki, &c.sig_alg, &tbs, &c.signature),
            Err(SigError::BadSignature),
            "{n}"
        );
    }
}
