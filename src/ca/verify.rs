//! Chain verification with rustls-webpki: an end entity, intermediates, trust anchors, CRLs and
//! a time in; a verdict with the most specific reason out.
//!
//! webpki builds the path and ranks its own errors; this module adds what DESIGN.md §2 asks on
//! top: "any purpose" by default, CRL coverage of the end entity's issuer (else indeterminate),
//! and an expired CRL as indeterminate rather than valid. Each path webpki builds also passes
//! [`super::pathcheck`]: keyCertSign on every CA certificate of the path, and revocation with
//! the CA's other keys (key rollover, a separate CRL-signing key), which webpki's own CRL
//! lookup (by name, signature by the issuing key only) gets wrong; webpki tries another path
//! when one fails.

use std::cell::{Cell, RefCell};

use rustls_pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use webpki::{CertRevocationList, OwnedCertRevocationList};
use x509_parser::certificate::X509Certificate;

use super::crl::Reason;
use super::pathcheck::{self, CrlFacts, CrlRef, PathProblem};
use super::webpki_util::AnyPurpose;

/// The certificate purposes `--purpose` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// TLS server (serverAuth)
    ServerAuth,
    /// TLS client (clientAuth)
    ClientAuth,
    /// S/MIME (emailProtection)
    EmailProtection,
    /// Document signing, as for seals (1.3.6.1.5.5.7.3.36)
    DocumentSigning,
    /// Code signing
    CodeSigning,
    /// Time stamping
    TimeStamping,
    /// OCSP signing
    OcspSigning,
}

impl Purpose {
    /// The OID value bytes (without tag and length).
    pub fn oid_value(self) -> &'static [u8] {
        match self {
            Purpose::ServerAuth => &[0x2b, 6, 1, 5, 5, 7, 3, 1],
            Purpose::ClientAuth => &[0x2b, 6, 1, 5, 5, 7, 3, 2],
            Purpose::CodeSigning => &[0x2b, 6, 1, 5, 5, 7, 3, 3],
            Purpose::EmailProtection => &[0x2b, 6, 1, 5, 5, 7, 3, 4],
            Purpose::TimeStamping => &[0x2b, 6, 1, 5, 5, 7, 3, 8],
            Purpose::OcspSigning => &[0x2b, 6, 1, 5, 5, 7, 3, 9],
            Purpose::DocumentSigning => &[0x2b, 6, 1, 5, 5, 7, 3, 36],
        }
    }
}

/// The signature algorithms we accept in chains (ring's, as webpki exports them).
static VERIFICATION_ALGS: &[&dyn rustls_pki_types::SignatureVerificationAlgorithm] = &[
    webpki::ring::ECDSA_P256_SHA256,
    webpki::ring::ECDSA_P256_SHA384,
    webpki::ring::ECDSA_P384_SHA256,
    webpki::ring::ECDSA_P384_SHA384,
    webpki::ring::ED25519,
    webpki::ring::RSA_PKCS1_2048_8192_SHA256,
    webpki::ring::RSA_PKCS1_2048_8192_SHA384,
    webpki::ring::RSA_PKCS1_2048_8192_SHA512,
    webpki::ring::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
    webpki::ring::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
    webpki::ring::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    webpki::ring::RSA_PKCS1_3072_8192_SHA384,
    webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
];

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "verdict", rename_all = "lowercase")]
pub enum Verdict {
    Valid {
        /// Subjects from the end entity up to the trust anchor.
        chain: Vec<String>,
        /// Whether revocation was checked for the end entity.
        revocation_checked: bool,
    },
    Invalid {
        reason: String,
        /// Set when the end entity is on a CRL.
        revocation: Option<RevocationInfo>,
    },
    Indeterminate {
        reason: String,
    },
}

/// Where a certificate stands on a CRL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevocationInfo {
    pub revoked_at: String,
    pub reason: String,
}

/// Why verification could not even start.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the certificate is malformed: {0:?}")]
    BadCert(webpki::Error),
    #[error("trust anchor {index} is unusable: {err:?}")]
    BadAnchor { index: usize, err: webpki::Error },
    #[error("CRL {index} is malformed: {err:?}")]
    BadCrl { index: usize, err: webpki::Error },
    #[error("no trust anchor given")]
    NoAnchors,
}

/// What to verify.
#[derive(Debug, Clone, Copy)]
pub struct VerifyInput<'a> {
    pub end_entity: &'a [u8],
    pub intermediates: &'a [Vec<u8>],
    pub anchors: &'a [Vec<u8>],
    pub crls: &'a [Vec<u8>],
    pub at: OffsetDateTime,
    pub purpose: Option<Purpose>,
    /// The RFC 5280 §6.1.1 policy inputs; `None` for the defaults (any policy, nothing
    /// required or inhibited).
    pub policy: Option<&'a crate::pkix::policy::PolicyInputs>,
    /// Accept SHA-1 signatures.
    pub allow_sha1: bool,
}

/// Parsed CRLs, reusable across many verifications (seal batches).
pub struct ParsedCrls {
    crls: Vec<CertRevocationList<'static>>,
    raw: Vec<Vec<u8>>,
    facts: Vec<Option<CrlFacts>>,
}

impl ParsedCrls {
    pub fn parse(crls: &[Vec<u8>]) -> Result<ParsedCrls, VerifyError> {
        let mut parsed = Vec::with_capacity(crls.len());
        for (index, der) in crls.iter().enumerate() {
            let crl = OwnedCertRevocationList::from_der(der)
                .map_err(|err| VerifyError::BadCrl { index, err })?;
            parsed.push(CertRevocationList::Owned(crl));
        }
        Ok(ParsedCrls {
            crls: parsed,
            raw: crls.to_vec(),
            facts: crls.iter().map(|d| CrlFacts::parse(d)).collect(),
        })
    }

    fn refs(&self) -> Vec<CrlRef<'_>> {
        self.crls
            .iter()
            .zip(&self.raw)
            .zip(&self.facts)
            .map(|((list, der), facts)| CrlRef {
                der,
                facts: facts.as_ref(),
                list,
            })
            .collect()
    }
}

/// Verifies a chain as `cert verify` does.
pub fn verify_chain(input: &VerifyInput<'_>) -> Result<Verdict, VerifyError> {
    let crls = ParsedCrls::parse(input.crls)?;
    verify_chain_with(input, &crls)
}

/// Verifies with CRLs parsed beforehand.
pub fn verify_chain_with(
    input: &VerifyInput<'_>,
    crls: &ParsedCrls,
) -> Result<Verdict, VerifyError> {
    if input.anchors.is_empty() {
        return Err(VerifyError::NoAnchors);
    }
    let anchor_ders: Vec<CertificateDer<'_>> = input
        .anchors
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let mut anchors = Vec::with_capacity(anchor_ders.len());
    for (index, der) in anchor_ders.iter().enumerate() {
        anchors.push(
            webpki::anchor_from_trusted_cert(der)
                .map_err(|err| VerifyError::BadAnchor { index, err })?,
        );
    }
    // A CA certificate as the target (`cert verify sub-ca.pem`) is checked as a CA; asked for a
    // TLS or signing purpose, it stays an end entity and webpki refuses it.
    if input.purpose.is_none() && is_ca_cert(input.end_entity) {
        // webpki verifies end entities only; a CA certificate gets the explicit walk below.
        return Ok(verify_ca_cert(input, crls));
    }
    let ee_der = CertificateDer::from(input.end_entity);
    let ee = webpki::EndEntityCert::try_from(&ee_der).map_err(VerifyError::BadCert)?;
    let intermediates: Vec<CertificateDer<'_>> = input
        .intermediates
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        input.at.unix_timestamp().max(0) as u64,
    ));
    // Revocation is not left to webpki (see the module docs): each candidate path goes through
    // `pathcheck`, which records why it refused the path; webpki then tries the next one.
    let pool: Vec<X509Certificate<'_>> = input
        .anchors
        .iter()
        .chain(input.intermediates)
        .filter_map(|d| parse(d))
        .collect();
    let crl_refs = crls.refs();
    let at = input.at.unix_timestamp();
    let refused: RefCell<Option<(webpki::Error, Verdict)>> = RefCell::new(None);
    let accepted: Cell<bool> = Cell::new(false);
    let check = |path: &webpki::VerifiedPath<'_>| -> Result<(), webpki::Error> {
        let above: Vec<CertificateDer<'_>> =
            path.intermediate_certificates().map(|c| c.der()).collect();
        let mut ders: Vec<&[u8]> = vec![input.end_entity];
        ders.extend(above.iter().map(|d| d.as_ref()));
        let mut certs: Vec<X509Certificate<'_>> = Vec::with_capacity(ders.len() + 1);
        for der in ders {
            match parse(der) {
                Some(c) => certs.push(c),
                None => {
                    let err = webpki::Error::BadDer;
                    let verdict = Verdict::Invalid {
                        reason: "a certificate of the chain cannot be parsed".into(),
                        revocation: None,
                    };
                    *refused.borrow_mut() = Some((err.clone(), verdict));
                    return Err(err);
                }
            }
        }
        let anchor = path.anchor();
        if let Some(a) = pool.iter().find(|c| is_anchor_cert(c, anchor)) {
            certs.push(a.clone());
        }
        match pathcheck::check_path(&certs, &pool, &crl_refs, at) {
            Ok(ok) => {
                accepted.set(ok.end_entity_covered);
                Ok(())
            }
            Err(problem) => {
                let (err, verdict) = problem_verdict(problem);
                *refused.borrow_mut() = Some((err.clone(), verdict));
                Err(err)
            }
        }
    };
    let algs = VERIFICATION_ALGS;
    let result = match input.purpose {
        None => ee
            .verify_for_usage(
                algs,
                &anchors,
                &intermediates,
                time,
                AnyPurpose,
                None,
                Some(&check),
            )
            .map(|path| path_subjects(input.end_entity, &path)),
        Some(p) => ee
            .verify_for_usage(
                algs,
                &anchors,
                &intermediates,
                time,
                webpki::KeyUsage::required_if_present(p.oid_value()),
                None,
                Some(&check),
            )
            .map(|path| path_subjects(input.end_entity, &path)),
    };
    match result {
        Ok(chain) => Ok(Verdict::Valid {
            chain,
            revocation_checked: accepted.get(),
        }),
        Err(err) => match refused.take() {
            // webpki reports the most specific error over all the paths it tried; when that is
            // the one a path check gave, report the check's own words.
            Some((e, verdict)) if e == err => Ok(verdict),
            _ => Ok(classify(err, input.end_entity, &crls.raw)),
        },
    }
}

/// Whether `cert` is the certificate webpki made the trust anchor `anchor` from.
fn is_anchor_cert(cert: &X509Certificate<'_>, anchor: &rustls_pki_types::TrustAnchor<'_>) -> bool {
    let content = |raw: &[u8]| -> Option<Vec<u8>> {
        let (header, len) = pathcheck::der_header(raw)?;
        raw.get(header..header.checked_add(len)?)
            .map(<[u8]>::to_vec)
    };
    content(cert.subject().as_raw()).as_deref() == Some(anchor.subject.as_ref())
        && content(cert.public_key().raw).as_deref()
            == Some(anchor.subject_public_key_info.as_ref())
}

/// The verdict for a refused path, and the webpki error that stands for it in webpki's ranking.
fn problem_verdict(problem: PathProblem) -> (webpki::Error, Verdict) {
    match problem {
        PathProblem::NotCertSigner { subject } => (
            // webpki's rank for a certificate used as a CA that may not be one.
            webpki::Error::EndEntityUsedAsCa,
            Verdict::Invalid {
                reason: format!(
                    "`{subject}` may not sign certificates: its keyUsage lacks keyCertSign"
                ),
                revocation: None,
            },
        ),
        PathProblem::Revoked {
            depth,
            subject,
            revoked,
        } => {
            let info = RevocationInfo {
                revoked_at: unix(revoked.revoked_at.max(0) as u64),
                reason: revoked.reason.name().to_string(),
            };
            let verdict = if depth == 0 {
                Verdict::Invalid {
                    reason: format!(
                        "certificate revoked at {} ({})",
                        info.revoked_at, info.reason
                    ),
                    revocation: Some(info),
                }
            } else {
                Verdict::Invalid {
                    reason: format!(
                        "a certificate in the chain is revoked: `{subject}` at {} ({})",
                        info.revoked_at, info.reason
                    ),
                    revocation: None,
                }
            };
            (webpki::Error::CertRevoked, verdict)
        }
        PathProblem::Unknown { reason } => (
            webpki::Error::UnknownRevocationStatus,
            Verdict::Indeterminate { reason },
        ),
    }
}

fn classify(err: webpki::Error, ee: &[u8], crls: &[Vec<u8>]) -> Verdict {
    use webpki::Error as E;
    let invalid = |reason: &str| Verdict::Invalid {
        reason: reason.to_string(),
        revocation: None,
    };
    match err {
        E::CertExpired { time, not_after } => Verdict::Invalid {
            reason: format!(
                "certificate expired at {} (checked at {})",
                unix(not_after.as_secs()),
                unix(time.as_secs())
            ),
            revocation: None,
        },
        E::CertNotValidYet { time, not_before } => Verdict::Invalid {
            reason: format!(
                "certificate is not valid until {} (checked at {})",
                unix(not_before.as_secs()),
                unix(time.as_secs())
            ),
            revocation: None,
        },
        E::CertRevoked => {
            let info = find_revocation(ee, crls);
            Verdict::Invalid {
                reason: match &info {
                    Some(i) => format!("certificate revoked at {} ({})", i.revoked_at, i.reason),
                    None => "a certificate in the chain is revoked".into(),
                },
                revocation: info,
            }
        }
        E::CrlExpired { time, next_update } => Verdict::Indeterminate {
            reason: format!(
                "the CRL is past its nextUpdate {} (checked at {})",
                unix(next_update.as_secs()),
                unix(time.as_secs())
            ),
        },
        E::UnknownRevocationStatus => Verdict::Indeterminate {
            reason: "revocation status unknown".into(),
        },
        E::UnknownIssuer => {
            invalid("no path to a trusted CA: the issuer is unknown or not trusted")
        }
        E::InvalidSignatureForPublicKey => invalid("a signature in the chain does not verify"),
        E::CaUsedAsEndEntity => invalid("a CA certificate was used as an end entity"),
        E::EndEntityUsedAsCa => invalid("an end-entity certificate was used as a CA"),
        E::PathLenConstraintViolated => invalid("the path length constraint is violated"),
        E::NameConstraintViolation => invalid("a name constraint is violated"),
        E::RequiredEkuNotFoundContext(_) => {
            invalid("the certificate is not valid for the requested purpose (extended key usage)")
        }
        E::InvalidCrlSignatureForPublicKey => Verdict::Indeterminate {
            reason: "a CRL's signature does not verify".into(),
        },
        E::IssuerNotCrlSigner => Verdict::Indeterminate {
            reason: "a CRL's issuer may not sign CRLs".into(),
        },
        E::UnsupportedCriticalExtension => {
            invalid("the certificate has an unsupported critical extension")
        }
        E::MaximumPathDepthExceeded => invalid("the chain is too long"),
        other => Verdict::Invalid {
            reason: format!("chain verification failed: {other:?}"),
            revocation: None,
        },
    }
}

fn parse<'a>(der: &'a [u8]) -> Option<x509_parser::certificate::X509Certificate<'a>> {
    x509_parser::parse_x509_certificate(der)
        .ok()
        .map(|(_, c)| c)
}

fn is_ca_cert(der: &[u8]) -> bool {
    x509_parser::parse_x509_certificate(der)
        .ok()
        .and_then(|(_, c)| c.basic_constraints().ok().flatten().map(|b| b.value.ca))
        .unwrap_or(false)
}

/// Verifies a CA certificate (`cert verify sub-ca.pem`): each link's signature, validity at the
/// time, the issuer's CA flag, key usage and path length, and revocation where the issuer's CRL
/// is given, up to a trust anchor. RFC 5280 §6.1, without policy processing.
fn verify_ca_cert(input: &VerifyInput<'_>, crls: &ParsedCrls) -> Verdict {
    let invalid = |reason: String| Verdict::Invalid {
        reason,
        revocation: None,
    };
    let Some(target) = parse(input.end_entity) else {
        return invalid("the certificate cannot be parsed".into());
    };
    let anchors: Vec<X509Certificate<'_>> = input.anchors.iter().filter_map(|d| parse(d)).collect();
    let inters: Vec<X509Certificate<'_>> = input
        .intermediates
        .iter()
        .filter_map(|d| parse(d))
        .collect();
    let at = x509_parser::time::ASN1Time::from_timestamp(input.at.unix_timestamp()).ok();
    let mut path = vec![target.clone()];
    let mut current = target;
    // `depth` is also the number of CA certificates below the current issuer.
    for depth in 0u32..8 {
        if let Some(t) = at
            && !current.validity().is_valid_at(t)
        {
            return invalid(format!(
                "`{}` is not valid at {} (valid {} to {})",
                super::dn::display_name(current.subject()),
                super::when::rfc3339(input.at),
                super::when::rfc3339(current.validity().not_before.to_datetime()),
                super::when::rfc3339(current.validity().not_after.to_datetime())
            ));
        }
        let signed_by = |issuer: &X509Certificate<'_>| {
            issuer.subject().as_raw() == current.issuer().as_raw()
                && current.verify_signature(Some(issuer.public_key())).is_ok()
        };
        let (issuer, is_anchor) = match anchors.iter().find(|a| signed_by(a)) {
            Some(a) => (a.clone(), true),
            None => match inters
                .iter()
                .find(|i| signed_by(i) && i.subject().as_raw() != current.subject().as_raw())
            {
                Some(i) => (i.clone(), false),
                None => {
                    return invalid(
                        "no path to a trusted CA: the issuer is unknown or not trusted".into(),
                    );
                }
            },
        };
        if !is_anchor {
            let bc = issuer
                .basic_constraints()
                .ok()
                .flatten()
                .map(|b| b.value.clone());
            match bc {
                Some(b) if b.ca => {
                    if b.path_len_constraint.is_some_and(|n| depth > n) {
                        return invalid("the path length constraint is violated".into());
                    }
                }
                _ => return invalid("an end-entity certificate was used as a CA".into()),
            }
        }
        path.push(issuer.clone());
        if is_anchor {
            // keyCertSign on the issuers and revocation (with rollover keys), as for end
            // entities.
            let pool: Vec<X509Certificate<'_>> = anchors.iter().chain(&inters).cloned().collect();
            return match pathcheck::check_path(
                &path,
                &pool,
                &crls.refs(),
                input.at.unix_timestamp(),
            ) {
                Ok(ok) => Verdict::Valid {
                    chain: path
                        .iter()
                        .map(|c| super::dn::display_name(c.subject()))
                        .collect(),
                    revocation_checked: ok.end_entity_covered,
                },
                Err(problem) => problem_verdict(problem).1,
            };
        }
        current = issuer;
    }
    invalid("the chain is too long".into())
}

/// Subjects along a verified path, end entity first.
fn path_subjects(ee: &[u8], path: &webpki::VerifiedPath<'_>) -> Vec<String> {
    let mut chain = vec![subject_of(ee)];
    for c in path.intermediate_certificates() {
        chain.push(subject_of(c.der().as_ref()));
    }
    let anchor_subject = path.anchor().subject.as_ref().to_vec();
    chain.push(
        x509_parser::x509::X509Name::from_der_ok(&anchor_subject)
            .unwrap_or_else(|| "trust anchor".to_string()),
    );
    chain
}

fn unix(secs: u64) -> String {
    OffsetDateTime::from_unix_timestamp(secs as i64)
        .map(super::when::rfc3339)
        .unwrap_or_else(|_| secs.to_string())
}

fn subject_of(der: &[u8]) -> String {
    x509_parser::parse_x509_certificate(der)
        .ok()
        .map(|(_, c)| super::dn::display_name(c.subject()))
        .unwrap_or_default()
}

/// Finds the end entity on one of the CRLs (by issuer and serial) for the report.
pub fn find_revocation(ee: &[u8], crls: &[Vec<u8>]) -> Option<RevocationInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(ee).ok()?;
    for der in crls {
        let Ok(crl) = crate::ca::crl_read::parse_crl(der) else {
            continue;
        };
        if crl.issuer().as_raw() != cert.issuer().as_raw() {
            continue;
        }
        for entry in crl.iter_revoked_certificates() {
            if entry.raw_serial() == cert.raw_serial() {
                let reason = entry
                    .reason_code()
                    .and_then(|(_, r)| Reason::from_code(r.0))
                    .unwrap_or(Reason::Unspecified);
                return Some(RevocationInfo {
                    revoked_at: super::when::rfc3339(entry.revocation_date.to_datetime()),
                    reason: reason.name().to_string(),
                });
            }
        }
    }
    None
}

/// Small helper: a Name's display form from its DER.
trait NameFromDer {
    fn from_der_ok(der: &[u8]) -> Option<String>;
}

impl NameFromDer for x509_parser::x509::X509Name<'_> {
    fn from_der_ok(der: &[u8]) -> Option<String> {
        use x509_parser::prelude::FromDer;
        // webpki gives the anchor subject without its SEQUENCE header; put it back.
        let mut full = vec![0x30];
        crate::tlv::der_len(der.len(), &mut full);
        full.extend_from_slice(der);
        x509_parser::x509::X509Name::from_der(&full)
            .ok()
            .map(|(_, n)| super::dn::display_name(&n))
    }
}
