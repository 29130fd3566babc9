//! Checks on a certification path that webpki builds but does not make itself: every CA
//! certificate of the path may sign certificates (keyUsage keyCertSign, RFC 5280 §6.1.4 (n)),
//! and revocation by CRL when the CA signs its CRLs with another of its keys than the one that
//! signed the certificate (key rollover with self-issued certificates, a separate CRL-signing
//! key: RFC 5280 §6.3.3 (f), NIST PKITS 4.5).
//!
//! A CRL counts for a certificate when it is issued under the certificate's issuer name, is in
//! scope (its issuing distribution point, as webpki reads it: a certificate without CRL
//! distribution points is in the scope of any CRL of its issuer) and its signature verifies with
//! a key the path certifies for that name: a certificate of the path with that subject, or a
//! self-issued certificate that one of those keys signed, valid at the time and not revoked.
//! The key of a CA certificate must allow cRLSign when its keyUsage is present.
//!
//! Pure: bytes and a time in, a verdict out. It does not build paths, check certificate
//! signatures, validity or name constraints (webpki does), nor does it fetch CRLs.

use std::ops::Range;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use super::crl::Reason;

/// The facts of one CRL that path checks need, read once when the CRLs are parsed.
#[derive(Debug, Clone)]
pub struct CrlFacts {
    issuer: Vec<u8>,
    this_update: i64,
    next_update: Option<i64>,
    only_user: bool,
    only_ca: bool,
    /// onlySomeReasons, indirectCRL or attribute certificates only: never a complete CRL here.
    partial: bool,
    /// The issuing distribution point's full names; `Some(empty)` for a name relative to the
    /// issuer, which matches no certificate.
    dp_names: Option<Vec<NameKey>>,
    tbs: Range<usize>,
    alg: Range<usize>,
    sig: Range<usize>,
}

/// A general name as (context tag, value bytes), for equality.
type NameKey = (u8, Vec<u8>);

impl CrlFacts {
    /// Reads a CRL; `None` when x509-parser cannot.
    pub fn parse(der: &[u8]) -> Option<CrlFacts> {
        let crl = super::crl_read::parse_crl(der).ok()?;
        let mut facts = CrlFacts {
            issuer: crl.issuer().as_raw().to_vec(),
            this_update: crl.last_update().timestamp(),
            next_update: crl.next_update().map(|t| t.timestamp()),
            only_user: false,
            only_ca: false,
            partial: false,
            dp_names: None,
            tbs: 0..0,
            alg: 0..0,
            sig: 0..0,
        };
        for ext in crl.extensions() {
            if let ParsedExtension::IssuingDistributionPoint(idp) = ext.parsed_extension() {
                facts.only_user = idp.only_contains_user_certs;
                facts.only_ca = idp.only_contains_ca_certs;
                facts.partial = idp.only_some_reasons.is_some()
                    || idp.indirect_crl
                    || idp.only_contains_attribute_certs;
                facts.dp_names = match &idp.distribution_point {
                    None => None,
                    Some(DistributionPointName::FullName(names)) => {
                        Some(names.iter().filter_map(name_key).collect())
                    }
                    Some(DistributionPointName::NameRelativeToCRLIssuer(_)) => Some(Vec::new()),
                };
            }
        }
        // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }
        let (outer_header, outer_len) = der_header(der)?;
        let mut at = outer_header;
        let end = outer_header.checked_add(outer_len)?;
        let mut next = || -> Option<Range<usize>> {
            let (h, l) = der_header(der.get(at..end)?)?;
            let r = at..at.checked_add(h)?.checked_add(l)?;
            at = r.end;
            Some(r)
        };
        facts.tbs = next()?;
        facts.alg = next()?;
        facts.sig = next()?;
        Some(facts)
    }

    /// Whether `key` signed the CRL `der` (these facts' CRL). SHA-1 is refused, as in chains.
    fn signed_by(&self, der: &[u8], key: &SubjectPublicKeyInfo<'_>) -> bool {
        let (Some(alg), Some(sig), Some(tbs)) = (
            der.get(self.alg.clone()),
            der.get(self.sig.clone()),
            der.get(self.tbs.clone()),
        ) else {
            return false;
        };
        let Ok((_, alg)) = AlgorithmIdentifier::from_der(alg) else {
            return false;
        };
        let Ok((_, sig)) = x509_parser::asn1_rs::BitString::from_der(sig) else {
            return false;
        };
        use x509_parser::oid_registry::{OID_PKCS1_SHA1WITHRSA, OID_SHA1_WITH_RSA};
        if alg.algorithm == OID_PKCS1_SHA1WITHRSA || alg.algorithm == OID_SHA1_WITH_RSA {
            return false;
        }
        x509_parser::verify::verify_signature(key, &alg, &sig, tbs).is_ok()
    }

    /// RFC 5280 §6.3.3 (b), as webpki reads it (see the module docs).
    fn in_scope(&self, cert: &X509Certificate<'_>) -> bool {
        if self.partial {
            return false;
        }
        let ca = is_ca(cert);
        if (self.only_user && ca) || (self.only_ca && !ca) {
            return false;
        }
        let Some(idp_names) = &self.dp_names else {
            return true;
        };
        let mut cert_dps = None;
        for ext in cert.extensions() {
            if let ParsedExtension::CRLDistributionPoints(dps) = ext.parsed_extension() {
                cert_dps = Some(dps);
            }
        }
        let Some(dps) = cert_dps else {
            return true;
        };
        dps.iter().any(|dp| {
            dp.crl_issuer.is_none()
                && dp.reasons.is_none()
                && matches!(&dp.distribution_point, Some(DistributionPointName::FullName(names))
                    if names.iter().filter_map(name_key).any(|n| idp_names.contains(&n)))
        })
    }
}

/// DER tag-length header: (header length, content length); see [`crate::tlv::header`].
pub use crate::tlv::header as der_header;

fn name_key(name: &GeneralName<'_>) -> Option<NameKey> {
    Some(match name {
        GeneralName::RFC822Name(s) => (1, s.as_bytes().to_vec()),
        GeneralName::DNSName(s) => (2, s.as_bytes().to_vec()),
        GeneralName::DirectoryName(n) => (4, n.as_raw().to_vec()),
        GeneralName::URI(s) => (6, s.as_bytes().to_vec()),
        GeneralName::IPAddress(b) => (7, b.to_vec()),
        _ => return None,
    })
}

fn is_ca(cert: &X509Certificate<'_>) -> bool {
    cert.basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|b| b.value.ca)
}

/// keyUsage present and without the bit (a malformed or duplicated keyUsage counts as without).
fn lacks(cert: &X509Certificate<'_>, bit: fn(&x509_parser::extensions::KeyUsage) -> bool) -> bool {
    match cert.key_usage() {
        Ok(None) => false,
        Ok(Some(ku)) => !bit(ku.value),
        Err(_) => true,
    }
}

/// A CRL, by its place in the caller's list, with its DER, facts and webpki's parse (for the
/// revoked-serial lookup).
pub struct CrlRef<'a> {
    pub der: &'a [u8],
    pub facts: Option<&'a CrlFacts>,
    pub list: &'a webpki::CertRevocationList<'a>,
}

/// Where a certificate stands on a CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub revoked_at: i64,
    pub reason: Reason,
}

/// Why a path is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    /// A CA certificate of the path whose keyUsage lacks keyCertSign (RFC 5280 §4.2.1.3).
    NotCertSigner { subject: String },
    /// A certificate of the path is revoked; `depth` 0 is the end entity.
    Revoked {
        depth: usize,
        subject: String,
        revoked: Revoked,
    },
    /// Revocation could not be settled for a certificate that needs it.
    Unknown { reason: String },
}

/// What the revocation check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathOk {
    /// A CRL settled the first certificate of the path.
    pub end_entity_covered: bool,
}

/// Checks `path` (the end entity or target first, the trust anchor's certificate last).
/// `pool` holds every certificate offered (intermediates and anchors), where self-issued
/// rollover and CRL-signing certificates are found. With CRLs, the first certificate must be
/// settled by one (else [`PathProblem::Unknown`]); the others are checked where a CRL of their
/// issuer is given.
pub fn check_path(
    path: &[X509Certificate<'_>],
    pool: &[X509Certificate<'_>],
    crls: &[CrlRef<'_>],
    at: i64,
) -> Result<PathOk, PathProblem> {
    let display = |c: &X509Certificate<'_>| super::dn::display_name(c.subject());
    // RFC 5280 §6.1.4 (n): the trust anchor (last) is not processed.
    let cas = path.len().saturating_sub(1);
    for ca in path.iter().take(cas).skip(1) {
        if lacks(ca, |k| k.key_cert_sign()) {
            return Err(PathProblem::NotCertSigner {
                subject: display(ca),
            });
        }
    }
    let mut ok = PathOk {
        end_entity_covered: false,
    };
    if crls.is_empty() {
        return Ok(ok);
    }
    for depth in 0..cas {
        let cert = &path[depth];
        match status(cert, &path[depth + 1..], pool, crls, at) {
            Status::Good => {
                if depth == 0 {
                    ok.end_entity_covered = true;
                }
            }
            Status::Revoked(revoked) => {
                return Err(PathProblem::Revoked {
                    depth,
                    subject: display(cert),
                    revoked,
                });
            }
            Status::Unknown(why) => {
                // An intermediate without its issuer's CRL is allowed; a CRL that is there but
                // unusable is not (as webpki).
                if depth == 0 || why.is_some() {
                    return Err(PathProblem::Unknown {
                        reason: why.unwrap_or_else(|| {
                            "no CRL given covers the certificate (none from its issuer, or none in scope), so revocation is unknown"
                                .into()
                        }),
                    });
                }
            }
        }
    }
    Ok(ok)
}

enum Status {
    Good,
    Revoked(Revoked),
    /// With the reason when a CRL of the issuer was found but could not be used.
    Unknown(Option<String>),
}

/// A key that may sign CRLs for a name: the certificate that carries it, and whether it is the
/// trust anchor's (whose keyUsage RFC 5280 does not process).
struct Signer<'c, 'a> {
    cert: &'c X509Certificate<'a>,
    anchor: bool,
}

/// The revocation status of `cert`, whose issuers are `above` (the trust anchor last).
fn status(
    cert: &X509Certificate<'_>,
    above: &[X509Certificate<'_>],
    pool: &[X509Certificate<'_>],
    crls: &[CrlRef<'_>],
    at: i64,
) -> Status {
    let name = cert.issuer().as_raw();
    let of_issuer: Vec<&CrlRef<'_>> = crls
        .iter()
        .filter(|c| c.facts.is_some_and(|f| f.issuer == name))
        .collect();
    if of_issuer.is_empty() {
        return Status::Unknown(None);
    }
    let signers = signers(name, above, pool, &of_issuer, at);
    let mut usable: Vec<(&CrlRef<'_>, &CrlFacts)> = Vec::new();
    let mut problem: Option<String> = None;
    for crl in &of_issuer {
        let Some(facts) = crl.facts else { continue };
        if !facts.in_scope(cert) {
            continue;
        }
        let verifying: Vec<&Signer<'_, '_>> = signers
            .iter()
            .filter(|s| facts.signed_by(crl.der, s.cert.public_key()))
            .collect();
        if verifying.is_empty() {
            problem.get_or_insert_with(|| "a CRL's signature does not verify".into());
            continue;
        }
        if !verifying
            .iter()
            .any(|s| s.anchor || !lacks(s.cert, |k| k.crl_sign()))
        {
            problem.get_or_insert_with(|| "a CRL's issuer may not sign CRLs".into());
            continue;
        }
        if let Some(next) = facts.next_update
            && next < at
        {
            problem.get_or_insert_with(|| {
                format!(
                    "the CRL is past its nextUpdate {} (checked at {})",
                    rfc3339(next),
                    rfc3339(at)
                )
            });
            continue;
        }
        usable.push((crl, facts));
    }
    if usable.is_empty() {
        return Status::Unknown(problem);
    }
    // A CRL whose entries cannot be searched says nothing either way: never "not listed".
    if usable
        .iter()
        .any(|(crl, _)| crl.list.find_serial(cert.raw_serial()).is_err())
    {
        return Status::Unknown(Some("a CRL's entries could not be read".into()));
    }
    match listed(cert.raw_serial(), &usable) {
        Some(r) => Status::Revoked(r),
        None => Status::Good,
    }
}

/// The revocation of `serial` on the usable CRLs: an entry counts unless it is removeFromCRL,
/// or a hold that a later usable CRL no longer lists.
fn listed(serial: &[u8], usable: &[(&CrlRef<'_>, &CrlFacts)]) -> Option<Revoked> {
    let entries: Vec<(i64, Revoked)> = usable
        .iter()
        .filter_map(|(crl, facts)| {
            let entry = crl.list.find_serial(serial).ok().flatten()?;
            let code = entry.reason_code.map(|r| r as u8).unwrap_or(0);
            Some((
                facts.this_update,
                Revoked {
                    revoked_at: entry.revocation_date.as_secs() as i64,
                    reason: Reason::from_code(code).unwrap_or(Reason::Unspecified),
                },
            ))
        })
        .collect();
    entries
        .into_iter()
        .find(|(this_update, r)| match r.reason {
            Reason::RemoveFromCrl => false,
            Reason::CertificateHold => !usable.iter().any(|(crl, facts)| {
                facts.this_update > *this_update
                    && crl.list.find_serial(serial).ok().flatten().is_none()
            }),
            _ => true,
        })
        .map(|(_, r)| r)
}

/// The keys the path certifies for the name `name`: every certificate above with that subject,
/// then, repeatedly, the self-issued certificates of the pool signed by one of them (a key
/// that may sign certificates) that are valid at `at` and not listed on a CRL those keys signed.
fn signers<'c, 'a>(
    name: &[u8],
    above: &'c [X509Certificate<'a>],
    pool: &'c [X509Certificate<'a>],
    of_issuer: &[&CrlRef<'_>],
    at: i64,
) -> Vec<Signer<'c, 'a>> {
    let last = above.len().saturating_sub(1);
    let mut out: Vec<Signer<'c, 'a>> = above
        .iter()
        .enumerate()
        .filter(|(_, c)| c.subject().as_raw() == name)
        .map(|(i, cert)| Signer {
            cert,
            anchor: i == last,
        })
        .collect();
    let time = x509_parser::time::ASN1Time::from_timestamp(at).ok();
    loop {
        let before = out.len();
        for cand in pool {
            if cand.subject().as_raw() != name
                || cand.issuer().as_raw() != name
                || out
                    .iter()
                    .any(|s| s.cert.public_key().raw == cand.public_key().raw)
                || !time.is_some_and(|t| cand.validity().is_valid_at(t))
            {
                continue;
            }
            let certified = out.iter().any(|s| {
                (s.anchor || (is_ca(s.cert) && !lacks(s.cert, |k| k.key_cert_sign())))
                    && cand.verify_signature(Some(s.cert.public_key())).is_ok()
            });
            if !certified {
                continue;
            }
            // Not revoked on a CRL that a key already certified signed (one level: the
            // rollover and CRL-signing certificates of PKITS 4.5 are on such CRLs).
            let revoked = of_issuer.iter().any(|crl| {
                crl.facts.is_some_and(|f| {
                    f.in_scope(cand)
                        && out
                            .iter()
                            .any(|s| f.signed_by(crl.der, s.cert.public_key()))
                        && crl
                            .list
                            .find_serial(cand.raw_serial())
                            .ok()
                            .flatten()
                            .is_some()
                })
            });
            if !revoked {
                out.push(Signer {
                    cert: cand,
                    anchor: false,
                });
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .map(super::when::rfc3339)
        .unwrap_or_else(|_| secs.to_string())
}

#[cfg(test)]
mod tests {
    use rcgen::{
        BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
        DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
        RevocationReason, RevokedCertParams, SerialNumber,
    };
    use time::macros::datetime;

    use crate::ca::verify::{Purpose, Verdict, VerifyInput, verify_chain};

    struct Ca {
        params: CertificateParams,
        key: KeyPair,
        der: Vec<u8>,
    }

    fn params(cn: &str, serial: u8, ca: bool, ku: Vec<KeyUsagePurpose>) -> CertificateParams {
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, cn);
        p.distinguished_name = dn;
        p.serial_number = Some(SerialNumber::from(vec![serial]));
        p.not_before = datetime!(2026-01-01 0:00 UTC);
        p.not_after = datetime!(2030-01-01 0:00 UTC);
        p.key_usages = ku;
        if ca {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        } else {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(vec![
                1, 3, 6, 1, 5, 5, 7, 3, 36,
            ])];
        }
        p
    }

    fn root() -> Ca {
        let params = params(
            "Root",
            1,
            true,
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
        );
        let key = KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        Ca { params, key, der }
    }

    fn sub(issuer: &Ca, params: CertificateParams) -> Ca {
        let key = KeyPair::generate().unwrap();
        let der = params
            .signed_by(&key, &Issuer::from_params(&issuer.params, &issuer.key))
            .unwrap()
            .der()
            .to_vec();
        Ca { params, key, der }
    }

    fn crl(issuer: &Ca, day: u8, revoked: &[(u8, RevocationReason)]) -> Vec<u8> {
        let this_update = datetime!(2027-01-01 0:00 UTC) + time::Duration::days(day.into());
        CertificateRevocationListParams {
            this_update,
            next_update: this_update + time::Duration::days(30),
            crl_number: SerialNumber::from(vec![day]),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|&(serial, reason)| RevokedCertParams {
                    serial_number: SerialNumber::from(vec![serial]),
                    revocation_time: datetime!(2027-01-01 0:00 UTC),
                    reason_code: Some(reason),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(&Issuer::from_params(&issuer.params, &issuer.key))
        .unwrap()
        .der()
        .to_vec()
    }

    fn verify(
        ee: &Ca,
        inter: &Ca,
        root: &Ca,
        crls: &[Vec<u8>],
        purpose: Option<Purpose>,
    ) -> Verdict {
        verify_chain(&VerifyInput {
            policy: None,
            allow_sha1: false,
            end_entity: &ee.der,
            intermediates: std::slice::from_ref(&inter.der),
            anchors: std::slice::from_ref(&root.der),
            crls,
            at: datetime!(2027-01-10 0:00 UTC),
            purpose,
        })
        .unwrap()
    }

    fn chain(inter_ku: Vec<KeyUsagePurpose>) -> (Ca, Ca, Ca) {
        let root = root();
        let inter = sub(&root, params("Sub", 2, true, inter_ku));
        let ee = sub(
            &inter,
            params("Holder", 3, false, vec![KeyUsagePurpose::DigitalSignature]),
        );
        (root, inter, ee)
    }

    fn reason(v: &Verdict) -> String {
        match v {
            Verdict::Valid { .. } => "valid".into(),
            Verdict::Invalid { reason, .. } | Verdict::Indeterminate { reason } => reason.clone(),
        }
    }

    #[test]
    fn a_ca_without_key_cert_sign_issues_nothing_for_any_purpose() {
        let (root, inter, ee) = chain(vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::CrlSign,
        ]);
        // `cert verify` (any purpose) and a seal holder's check (documentSigning).
        for purpose in [None, Some(Purpose::DocumentSigning)] {
            let v = verify(&ee, &inter, &root, &[], purpose);
            assert!(
                matches!(&v, Verdict::Invalid { reason, .. } if reason.contains("keyCertSign")),
                "{purpose:?}: {v:?}"
            );
        }
        // A CA certificate as the target, under that CA.
        let below = sub(
            &inter,
            params("SubSub", 4, true, vec![KeyUsagePurpose::KeyCertSign]),
        );
        let v = verify(&below, &inter, &root, &[], None);
        assert!(reason(&v).contains("keyCertSign"), "{v:?}");
    }

    #[test]
    fn a_ca_with_key_cert_sign_or_without_key_usage_issues() {
        for ku in [vec![KeyUsagePurpose::KeyCertSign], Vec::new()] {
            let (root, inter, ee) = chain(ku.clone());
            let v = verify(&ee, &inter, &root, &[], Some(Purpose::DocumentSigning));
            assert!(matches!(v, Verdict::Valid { .. }), "{ku:?}: {v:?}");
        }
    }

    #[test]
    fn a_crl_under_the_issuers_name_by_another_key_settles_nothing() {
        let (root, inter, ee) = chain(vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign]);
        // Same name, another key, not certified by anything on the path.
        let impostor = root_named("Sub");
        let forged = crl(&impostor, 1, &[(3, RevocationReason::KeyCompromise)]);
        let v = verify(&ee, &inter, &root, std::slice::from_ref(&forged), None);
        assert!(
            matches!(&v, Verdict::Indeterminate { reason } if reason.contains("signature")),
            "{v:?}"
        );
        // Beside the real CRL it is ignored: neither revoked nor indeterminate.
        let real = crl(&inter, 1, &[]);
        let v = verify(&ee, &inter, &root, &[forged, real], None);
        assert!(
            matches!(
                v,
                Verdict::Valid {
                    revocation_checked: true,
                    ..
                }
            ),
            "{v:?}"
        );
    }

    fn root_named(cn: &str) -> Ca {
        let params = params(
            cn,
            9,
            true,
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
        );
        let key = KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        Ca { params, key, der }
    }

    #[test]
    fn a_hold_released_on_a_later_crl_is_not_a_revocation() {
        let (root, inter, ee) = chain(vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign]);
        let held = crl(&inter, 1, &[(3, RevocationReason::CertificateHold)]);
        let released = crl(&inter, 2, &[]);
        let v = verify(&ee, &inter, &root, std::slice::from_ref(&held), None);
        assert!(reason(&v).contains("revoked"), "{v:?}");
        let v = verify(&ee, &inter, &root, &[held.clone(), released], None);
        assert!(matches!(v, Verdict::Valid { .. }), "{v:?}");
        // A later CRL that still lists it, or a key compromise, stays revoked.
        let again = crl(&inter, 2, &[(3, RevocationReason::CertificateHold)]);
        let v = verify(&ee, &inter, &root, &[held, again], None);
        assert!(reason(&v).contains("revoked"), "{v:?}");
        let compromised = crl(&inter, 1, &[(3, RevocationReason::KeyCompromise)]);
        let later = crl(&inter, 2, &[]);
        let v = verify(&ee, &inter, &root, &[compromised, later], None);
        assert!(reason(&v).contains("revoked"), "{v:?}");
    }
}
