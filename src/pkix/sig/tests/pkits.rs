//! Every PKITS certificate's signature against its issuer's key (found by subject == issuer).

use super::super::*;
use crate::pkix::cert::Cert;
use std::collections::BTreeSet;
use std::path::Path;

fn load() -> Vec<(String, Cert)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkits/certs");
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let Ok(c) = Cert::from_der(&std::fs::read(&p).unwrap()) else {
            continue; // the strict reader refuses a few on purpose; not this module's concern
        };
        out.push((name, c));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn by_name<'a>(all: &'a [(String, Cert)], n: &str) -> &'a Cert {
    &all.iter().find(|(k, _)| k == n).unwrap().1
}

/// The issuer's key, with DSA parameters inherited from the issuer's issuer when absent
/// (RFC 5280 §6.1.4 (d)-(f)), as the validator will do.
fn key_for(all: &[(String, Cert)], issuer: &Cert) -> SubjectPublicKeyInfoOwned {
    let mut spki = issuer.spki.clone();
    if spki.algorithm.oid == DSA_KEY && spki.algorithm.parameters.is_none() {
        let issuer_der = issuer.issuer.to_der().unwrap();
        if let Some((_, up)) = all.iter().find(|(_, c)| {
            c.subject.to_der().unwrap() == issuer_der && c.spki.algorithm.parameters.is_some()
        }) {
            spki.algorithm.parameters = up.spki.algorithm.parameters.clone();
        }
    }
    spki
}

#[test]
fn every_pkits_signature_checks_against_its_issuer() {
    let all = load();
    assert!(all.len() > 380, "{}", all.len());
    let v = DefaultVerifier { allow_sha1: true };
    let mut failed = BTreeSet::new();
    let mut verified = 0;
    let mut no_byte_issuer = 0;
    for (name, c) in &all {
        let issuer_der = c.issuer.to_der().unwrap();
        let mut candidates: Vec<_> = all
            .iter()
            .filter(|(_, i)| i.subject.to_der().unwrap() == issuer_der)
            .collect();
        if candidates.is_empty() {
            // Name-chaining tests (4.3.x): the issuer's name matches only by RFC 5280 §7.1
            // (case, whitespace) or not at all; any key that verifies is the signer.
            candidates = all.iter().collect();
            no_byte_issuer += 1;
        }
        let ok = candidates.iter().any(|(_, i)| {
            v.verify(&key_for(&all, i), &c.sig_alg, &c.tbs_der, &c.signature)
                .is_ok()
        });
        if ok {
            verified += 1;
        } else {
            failed.insert(name.as_str());
        }
    }
    let want: BTreeSet<&str> = [
        "BadSignedCACert",
        "InvalidDSASignatureTest6EE",
        "InvalidEESignatureTest3EE",
    ]
    .into_iter()
    .collect();
    assert_eq!(failed, want);
    assert!(verified > 380, "{verified}");
    assert!(no_byte_issuer < 10, "{no_byte_issuer}");
}

#[test]
fn dsa_needs_sha1_consent_and_parameters() {
    let all = load();
    let ca = by_name(&all, "DSACACert");
    let ee = by_name(&all, "ValidDSASignaturesTest4EE");
    let strict = DefaultVerifier::default();
    let got = strict.verify(&ca.spki, &ee.sig_alg, &ee.tbs_der, &ee.signature);
    assert!(
        matches!(got, Err(SigError::UnsupportedAlgorithm(ref m)) if m.contains("SHA-1")),
        "{got:?}"
    );
    let v = DefaultVerifier { allow_sha1: true };
    assert_eq!(
        v.verify(&ca.spki, &ee.sig_alg, &ee.tbs_der, &ee.signature),
        Ok(())
    );
    // A key without parameters is refused, not guessed.
    let inherited = by_name(&all, "DSAParametersInheritedCACert");
    let ee5 = by_name(&all, "ValidDSAParameterInheritanceTest5EE");
    assert_eq!(
        v.verify(&inherited.spki, &ee5.sig_alg, &ee5.tbs_der, &ee5.signature),
        Err(SigError::UnsupportedKey(
            "DSA key without parameters".into()
        ))
    );
    assert_eq!(
        v.verify(
            &key_for(&all, inherited),
            &ee5.sig_alg,
            &ee5.tbs_der,
            &ee5.signature
        ),
        Ok(())
    );
    // A flipped bit in the signed bytes.
    let mut tbs = ee.tbs_der.clone();
    if let Some(b) = tbs.last_mut() {
        *b ^= 1;
    }
    assert_eq!(
        v.verify(&ca.spki, &ee.sig_alg, &tbs, &ee.signature),
        Err(SigError::BadSignature)
    );
}

#[test]
fn pkits_rsa_flipped_bit_and_wrong_key() {
    let all = load();
    let ta = by_name(&all, "TrustAnchorRootCertificate");
    let good = by_name(&all, "GoodCACert");
    let v = DefaultVerifier::default();
    assert_eq!(
        v.verify(&ta.spki, &good.sig_alg, &good.tbs_der, &good.signature),
        Ok(())
    );
    let mut sig = good.signature.clone();
    sig[10] ^= 0x40;
    assert_eq!(
        v.verify(&ta.spki, &good.sig_alg, &good.tbs_der, &sig),
        Err(SigError::BadSignature)
    );
    assert_eq!(
        v.verify(&good.spki, &good.sig_alg, &good.tbs_der, &good.signature),
        Err(SigError::BadSignature)
    );
}
