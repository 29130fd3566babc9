//! Chain verification with rustls-webpki: an end entity, intermediates, trust anchors, CRLs and
//! a time in; a verdict with the most specific reason out.
//!
//! webpki builds the path and ranks its own errors; this module adds what DESIGN.md §2 asks on
//! top: "any purpose" by default, CRL coverage of the end entity's issuer (else indeterminate),
//! and an expired CRL as indeterminate rather than valid.

use rustls_pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use webpki::{
    CertRevocationList, ExpirationPolicy, KeyPurposeIdIter, OwnedCertRevocationList,
    RevocationCheckDepth, UnknownStatusPolicy,
};

use super::crl::Reason;

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

/// Accepts any extended key usage: `cert verify` without `--purpose`.
struct AnyPurpose;

impl webpki::ExtendedKeyUsageValidator for AnyPurpose {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        // Still refuse a malformed EKU extension.
        for id in iter {
            id?;
        }
        Ok(())
    }
}

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
}

/// Parsed CRLs, reusable across many verifications (seal batches).
pub struct ParsedCrls {
    crls: Vec<CertRevocationList<'static>>,
    raw: Vec<Vec<u8>>,
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
        })
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
    let crl_refs: Vec<&CertRevocationList<'_>> = crls.crls.iter().collect();
    let revocation = |depth, policy| {
        webpki::RevocationOptionsBuilder::new(&crl_refs)
            .ok()
            .map(|b| {
                b.with_depth(depth)
                    .with_status_policy(policy)
                    .with_expiration_policy(ExpirationPolicy::Enforce)
                    .build()
            })
    };
    let algs = VERIFICATION_ALGS;
    let run = |rev: Option<webpki::RevocationOptions<'_>>| match input.purpose {
        None => ee
            .verify_for_usage(algs, &anchors, &intermediates, time, AnyPurpose, rev, None)
            .map(|path| path_subjects(input.end_entity, &path)),
        Some(p) => ee
            .verify_for_usage(
                algs,
                &anchors,
                &intermediates,
                time,
                webpki::KeyUsage::required_if_present(p.oid_value()),
                rev,
                None,
            )
            .map(|path| path_subjects(input.end_entity, &path)),
    };
    // Pass 1: the whole chain, where CRLs are present (an intermediate without its issuer's
    // CRL is allowed, DESIGN §2).
    let result = run(revocation(
        RevocationCheckDepth::Chain,
        UnknownStatusPolicy::Allow,
    ));
    // Pass 2: the end entity must be covered by one of the CRLs given; webpki also checks the
    // CRL's scope (issuing distribution point), which comparing issuer names would miss.
    let result = match result {
        Ok(chain) if !crls.crls.is_empty() => {
            match run(revocation(
                RevocationCheckDepth::EndEntity,
                UnknownStatusPolicy::Deny,
            )) {
                Ok(_) => Ok((chain, true)),
                Err(webpki::Error::UnknownRevocationStatus) => {
                    return Ok(Verdict::Indeterminate {
                        reason: "no CRL given covers the certificate (none from its issuer, or none in scope), so revocation is unknown"
                            .into(),
                    });
                }
                Err(e) => Err(e),
            }
        }
        Ok(chain) => Ok((chain, false)),
        Err(e) => Err(e),
    };
    match result {
        Ok((chain, revocation_checked)) => Ok(Verdict::Valid {
            chain,
            revocation_checked,
        }),
        Err(err) => Ok(classify(err, input.end_entity, &crls.raw)),
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
    use x509_parser::certificate::X509Certificate;
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
    let crl_list: Vec<x509_parser::revocation_list::CertificateRevocationList<'_>> = crls
        .raw
        .iter()
        .filter_map(|d| {
            use x509_parser::prelude::FromDer;
            x509_parser::revocation_list::CertificateRevocationList::from_der(d)
                .ok()
                .map(|(_, c)| c)
        })
        .collect();
    let at = x509_parser::time::ASN1Time::from_timestamp(input.at.unix_timestamp()).ok();
    let mut chain = vec![super::dn::display_name(target.subject())];
    let mut current = target;
    let mut revocation_checked = false;
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
            if issuer
                .key_usage()
                .ok()
                .flatten()
                .is_some_and(|k| !k.value.key_cert_sign())
            {
                return invalid("an issuer lacks the keyCertSign key usage".into());
            }
        }
        // Revocation of `current`, from a CRL by its issuer.
        let mut issuer_crl_seen = false;
        for crl in crl_list
            .iter()
            .filter(|c| c.issuer().as_raw() == issuer.subject().as_raw())
        {
            if crl.verify_signature(issuer.public_key()).is_err() {
                return Verdict::Indeterminate {
                    reason: "a CRL's signature does not verify".into(),
                };
            }
            if let (Some(next), Some(t)) = (crl.next_update(), at)
                && next < t
            {
                return Verdict::Indeterminate {
                    reason: format!(
                        "the CRL is past its nextUpdate {}",
                        super::when::rfc3339(next.to_datetime())
                    ),
                };
            }
            issuer_crl_seen = true;
            if let Some(e) = crl
                .iter_revoked_certificates()
                .find(|e| e.raw_serial() == current.raw_serial())
            {
                let reason = e
                    .reason_code()
                    .and_then(|(_, r)| Reason::from_code(r.0))
                    .unwrap_or(Reason::Unspecified);
                let info = RevocationInfo {
                    revoked_at: super::when::rfc3339(e.revocation_date.to_datetime()),
                    reason: reason.name().to_string(),
                };
                return Verdict::Invalid {
                    reason: format!(
                        "certificate revoked at {} ({})",
                        info.revoked_at, info.reason
                    ),
                    revocation: Some(info),
                };
            }
        }
        if depth == 0 {
            if !crl_list.is_empty() && !issuer_crl_seen {
                return Verdict::Indeterminate {
                    reason:
                        "no CRL from the certificate's issuer was given, so revocation is unknown"
                            .into(),
                };
            }
            revocation_checked = issuer_crl_seen;
        }
        chain.push(super::dn::display_name(issuer.subject()));
        if is_anchor {
            return Verdict::Valid {
                chain,
                revocation_checked,
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
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::parse_x509_certificate(ee).ok()?;
    for der in crls {
        let Ok((_, crl)) = x509_parser::revocation_list::CertificateRevocationList::from_der(der)
        else {
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
        super::issue::der_len(der.len(), &mut full);
        full.extend_from_slice(der);
        x509_parser::x509::X509Name::from_der(&full)
            .ok()
            .map(|(_, n)| super::dn::display_name(&n))
    }
}
