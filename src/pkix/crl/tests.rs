//! PKITS 4.4, 4.14 and 4.15 through [`check`], and the parser on every PKITS CRL.

use std::path::{Path, PathBuf};

use der::Encode;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::*;
use crate::pkix::sig::{SigError, SignatureVerifier};

/// 2022-05-01T00:00:00Z.
const NOW: i64 = 1_651_363_200;

fn pkits() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pkits")
}

fn cert(name: &str) -> Cert {
    let der = std::fs::read(pkits().join("certs").join(name)).expect("read cert");
    Cert::from_der(&der).expect("cert parses")
}

fn crl(name: &str) -> Crl {
    let der = std::fs::read(pkits().join("crls").join(name)).expect("read crl");
    Crl::from_der(&der).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// sha256WithRSAEncryption only: what PKITS signs with.
struct RsaSha256;

impl SignatureVerifier for RsaSha256 {
    fn verify(
        &self,
        spki: &SubjectPublicKeyInfoOwned,
        alg: &AlgorithmIdentifierOwned,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SigError> {
        if alg.oid.to_string() != "1.2.840.113549.1.1.11" {
            return Err(SigError::UnsupportedAlgorithm(alg.oid.to_string()));
        }
        let key = spki.subject_public_key.raw_bytes();
        ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, key)
            .verify(message, signature)
            .map_err(|_| SigError::BadSignature)
    }
}

/// Every certificate of the case whose subject is the CRL's issuer (DER equality).
struct BySubject(Vec<Cert>);

impl CrlSigners for BySubject {
    fn signers(&self, crl: &Crl) -> Vec<Cert> {
        self.0
            .iter()
            .filter(|c| c.subject.to_der().ok() == crl.issuer.to_der().ok())
            .cloned()
            .collect()
    }
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Verdict {
    Good,
    Revoked,
    Undetermined,
}

#[derive(serde::Deserialize)]
struct Case {
    id: String,
    cert: String,
    #[serde(default)]
    other_certs: Vec<String>,
    #[serde(default)]
    crls: Vec<String>,
    #[serde(default)]
    error: Option<ExpectedError>,
}

#[derive(serde::Deserialize)]
struct ExpectedError {
    class: String,
}

/// Checks the EE against its issuer and each CA up to the trust anchor.
fn run_case(case: &Case, use_deltas: bool) -> (Verdict, Vec<RevStatus>) {
    let ta = cert("TrustAnchorRootCertificate.crt");
    let mut certs: Vec<Cert> = case.other_certs.iter().map(|n| cert(n)).collect();
    certs.push(ta.clone());
    let mut crls: Vec<Crl> = case.crls.iter().map(|n| crl(n)).collect();
    crls.push(crl("TrustAnchorRootCRL.crl"));
    let signers = BySubject(certs.clone());
    let mut current = cert(&case.cert);
    let mut statuses = Vec::new();
    for _ in 0..10 {
        if current.der == ta.der {
            break;
        }
        // The issuer: same subject as the issuer name, and its key verifies the certificate.
        let Some(issuer) = certs
            .iter()
            .find(|c| {
                c.subject.to_der().ok() == current.issuer.to_der().ok()
                    && RsaSha256
                        .verify(
                            &c.spki,
                            &current.sig_alg,
                            &current.tbs_der,
                            &current.signature,
                        )
                        .is_ok()
            })
            .cloned()
        else {
            panic!("{}: no issuer for {}", case.id, current.subject_text());
        };
        let q = RevocationQuery {
            cert: &current,
            issuer: &issuer,
            crls: &crls,
            now: NOW,
            use_deltas,
        };
        statuses.push(check(&q, &signers, &RsaSha256));
        current = issuer;
    }
    let verdict = if statuses
        .iter()
        .any(|s| matches!(s, RevStatus::Revoked { .. }))
    {
        Verdict::Revoked
    } else if statuses
        .iter()
        .any(|s| matches!(s, RevStatus::Undetermined(_)))
    {
        Verdict::Undetermined
    } else {
        Verdict::Good
    };
    (verdict, statuses)
}

fn expected(case: &Case) -> Verdict {
    match case.error.as_ref().map(|e| e.class.as_str()) {
        None => Verdict::Good,
        Some("RevokedError") => Verdict::Revoked,
        Some("InsufficientRevinfoError" | "StaleRevinfoError") => Verdict::Undetermined,
        Some(other) => panic!("{}: unexpected class {other}", case.id),
    }
}

/// Cases whose expectation rests on the CRL signer's own path (the validator's job).
const SKIPPED: &[&str] = &[
    // The CRL-signing certificate is itself revoked by the trust anchor's CRL.
    "40421",
];

#[test]
fn pkits_crl_sections() {
    let json = std::fs::read(pkits().join("pkits.json")).expect("pkits.json");
    let cases: Vec<Case> = serde_json::from_slice(&json).expect("pkits.json parses");
    let mut failures = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    let mut run = 0;
    let sections = ["404", "414", "415"];
    for case in cases
        .iter()
        .filter(|c| sections.iter().any(|s| c.id.starts_with(s)) && c.id.len() == 5)
    {
        *counts.entry(&case.id[..3]).or_insert(0) += 1;
        if SKIPPED.contains(&case.id.as_str()) {
            continue;
        }
        run += 1;
        let (got, statuses) = run_case(case, true);
        if got != expected(case) {
            failures.push(format!(
                "{}: expected {:?}, got {:?} {:?}",
                case.id,
                expected(case),
                got,
                statuses
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(counts.get("404"), Some(&21));
    assert_eq!(counts.get("414"), Some(&35));
    assert_eq!(counts.get("415"), Some(&10));
    assert_eq!(run, 66 - SKIPPED.len());
}

fn case(id: &str) -> Case {
    let json = std::fs::read(pkits().join("pkits.json")).expect("pkits.json");
    let cases: Vec<Case> = serde_json::from_slice(&json).expect("pkits.json parses");
    cases
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

/// The EE of `id` against its issuer, with `certs[0]` (its issuer) changed by `edit`.
fn ee_status(id: &str, crls: Vec<Crl>, edit_issuer: impl Fn(&mut Cert)) -> RevStatus {
    let c = case(id);
    let ee = cert(&c.cert);
    let mut issuer = cert(&c.other_certs[0]);
    edit_issuer(&mut issuer);
    let signers = BySubject(vec![issuer.clone()]);
    let q = RevocationQuery {
        cert: &ee,
        issuer: &issuer,
        crls: &crls,
        now: NOW,
        use_deltas: true,
    };
    check(&q, &signers, &RsaSha256)
}

#[test]
fn deltas_are_ignored_when_not_asked_for() {
    // PKITS 4.15.4: the EE is revoked only on the delta CRL.
    let c = case("41504");
    assert_eq!(run_case(&c, true).0, Verdict::Revoked);
    assert_eq!(run_case(&c, false).0, Verdict::Good);
}

#[test]
fn a_signer_without_crl_sign_is_refused() {
    let crls = vec![crl("GoodCACRL.crl")];
    let good = ee_status("40101", crls.clone(), |_| {});
    assert_eq!(good, RevStatus::Good { crls: vec![0] });
    let no_crl_sign = ee_status("40101", crls, |c| {
        c.ext.key_usage = Some(x509_cert::ext::pkix::KeyUsage(
            x509_cert::ext::pkix::KeyUsages::KeyCertSign.into(),
        ));
    });
    assert_eq!(
        no_crl_sign,
        RevStatus::Undetermined(Undetermined::NoValidSigner)
    );
}

#[test]
fn outer_and_inner_signature_algorithms_must_agree() {
    let mut bad = crl("GoodCACRL.crl");
    bad.tbs_sig_alg.oid = der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
    assert_eq!(
        ee_status("40101", vec![bad], |_| {}),
        RevStatus::Undetermined(Undetermined::NoValidSigner)
    );
}

#[test]
fn a_crl_of_another_issuer_is_no_crl_and_stale_beats_it() {
    let other = crl("TrustAnchorRootCRL.crl");
    assert_eq!(
        ee_status("40101", vec![other.clone()], |_| {}),
        RevStatus::Undetermined(Undetermined::NoCrl)
    );
    let mut stale = crl("GoodCACRL.crl");
    stale.next_update = Some(NOW - 1);
    assert_eq!(
        ee_status("40101", vec![other, stale], |_| {}),
        RevStatus::Undetermined(Undetermined::Stale)
    );
}

#[test]
fn every_pkits_crl_parses() {
    let mut n = 0;
    for e in std::fs::read_dir(pkits().join("crls")).expect("crls dir") {
        let path = e.expect("dir entry").path();
        let der = std::fs::read(&path).expect("read");
        let c = Crl::from_der(&der).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        assert!(c.next_update.is_none_or(|n| c.this_update < n));
        n += 1;
    }
    assert_eq!(n, 173);
}

#[test]
fn extensions_are_decoded() {
    let delta = crl("deltaCRLCA1deltaCRL.crl");
    assert!(delta.delta_base.is_some() && delta.number.is_some());
    let base = crl("deltaCRLCA1CRL.crl");
    assert!(base.delta_base.is_none() && base.number.is_some());
    let indirect = crl("indirectCRLCA5CRL.crl");
    assert!(indirect.idp.as_ref().is_some_and(|i| i.indirect_crl));
    // §5.3.3: an entry without certificateIssuer inherits the previous entry's.
    let issuers: Vec<_> = indirect
        .entries
        .iter()
        .map(|e| e.certificate_issuer.is_some())
        .collect();
    // The first entry is the CRL issuer's own; 4 entries carry certificateIssuer
    // (`openssl crl -text`), the 6 others inherit it.
    assert_eq!(issuers.len(), 11);
    assert!(
        !issuers[0] && issuers[1..].iter().all(|&b| b),
        "{issuers:?}"
    );
    let some = crl("onlySomeReasonsCA1compromiseCRL.crl");
    assert!(
        some.idp
            .as_ref()
            .is_some_and(|i| i.only_some_reasons.is_some())
    );
    let unknown = crl("UnknownCRLExtensionCACRL.crl");
    assert_eq!(unknown.unknown_critical.len(), 1);
    let entry = crl("UnknownCRLEntryExtensionCACRL.crl");
    assert!(entry.entries.iter().any(|e| e.unknown_critical));
    assert!(crl("GoodCACRL.crl").authority_key_id.is_some());
}

#[test]
fn trailing_bytes_flipped_tags_and_repeated_extensions_are_refused() {
    let der = std::fs::read(pkits().join("crls/GoodCACRL.crl")).expect("read");
    assert!(Crl::from_der(&der).is_ok());
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(Crl::from_der(&trailing).is_err());
    let mut tag = der.clone();
    tag[0] ^= 0x01;
    assert!(Crl::from_der(&tag).is_err());

    let mut list = <x509_cert::crl::CertificateList as der::Decode>::from_der(&der)
        .expect("x509-cert reads it");
    let exts = list
        .tbs_cert_list
        .crl_extensions
        .as_mut()
        .expect("has extensions");
    let first = exts[0].clone();
    exts.push(first);
    let twice = list.to_der().expect("encodes");
    assert!(matches!(
        Crl::from_der(&twice),
        Err(CrlError::BadExtension { .. })
    ));
}
