//! Predicates on single certificates the checker applies along a path: issued-by, the kind of
//! seal authority, key usage and extended key usage per role, validity at a time.

use super::*;

pub(super) const SM2_WITH_SM3: &str = "1.2.156.10197.1.501";

pub(super) fn is_sm2_signed(cert: &X509Certificate<'_>) -> bool {
    cert.signature_algorithm.algorithm.to_id_string() == SM2_WITH_SM3
}

/// Whether `issuer` (DER `issuer_der`) signed `cert`: SM2-with-SM3 through [`signer`] (with the
/// GB/T 35276 default user ID), everything else through x509-parser.
pub(super) fn issued_by(
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
    issuer_der: &[u8],
) -> bool {
    if is_sm2_signed(cert) {
        return matches!(
            signer::verify_signature_with_cert(
                issuer_der,
                &signer::oid::SM2_WITH_SM3,
                None,
                cert.tbs_certificate.as_ref(),
                &cert.signature_value.data,
            ),
            Ok(SignatureCheck::Valid)
        );
    }
    cert.verify_signature(Some(issuer.public_key())).is_ok()
}

/// Whether `issuer_der`'s key signed the certificate `cert_der` and names it as issuer (no
/// trust or validity judged): a seal authority certified by a CA, for which that CA's seal
/// records speak.
pub fn certificate_issued_by(cert_der: &[u8], issuer_der: &[u8]) -> bool {
    let (Ok((_, cert)), Ok((_, issuer))) = (
        X509Certificate::from_der(cert_der),
        X509Certificate::from_der(issuer_der),
    ) else {
        return false;
    };
    cert.issuer().as_raw() == issuer.subject().as_raw() && issued_by(&cert, &issuer, issuer_der)
}

pub(super) fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, data).as_ref());
    out
}

pub(super) fn subject(cert: &X509Certificate<'_>) -> String {
    crate::ca::dn::display_name(cert.subject())
}

pub(super) fn issuer_name(cert: &X509Certificate<'_>) -> String {
    crate::ca::dn::display_name(cert.issuer())
}

/// What kind of seal authority a certificate is by its own extensions (pinning aside), and why
/// it is none.
pub(super) fn authority_kind_of(ee: &X509Certificate<'_>) -> Result<AuthorityKind, ChainFailure> {
    if ee.is_ca() {
        return match ee.key_usage() {
            Ok(Some(ku)) if !ku.value.key_cert_sign() => Err(ChainFailure::NotHierarchyCa {
                subject: subject(ee),
            }),
            Err(e) => Err(malformed(Extension::KeyUsage, e)),
            _ => Ok(AuthorityKind::Ca),
        };
    }
    if has_seal_authority_eku(ee) {
        return Ok(AuthorityKind::Profile);
    }
    Err(ChainFailure::NotSealAuthority {
        subject: subject(ee),
    })
}

/// An extension that does not parse, with the parser's words.
pub(super) fn malformed(extension: Extension, e: impl std::fmt::Display) -> ChainFailure {
    ChainFailure::MalformedExtension {
        extension,
        detail: e.to_string(),
    }
}

/// Whether a seal's maker certificate can be a seal authority at all, judged by its own
/// extensions, without trust anchors (`seal show`): what kind it is, or why it is none.
/// Whether the verifier trusts it is [`AtTimeChecker`]'s question.
pub fn seal_authority_kind(cert_der: &[u8]) -> Result<&'static str, ChainFailure> {
    let Ok(([], cert)) = X509Certificate::from_der(cert_der) else {
        return Err(ChainFailure::MalformedSealAuthority);
    };
    authority_kind_of(&cert).map(|k| match k {
        AuthorityKind::Ca => "a CA certificate",
        AuthorityKind::Profile => "a seal-authority certificate",
        AuthorityKind::Pinned => "pinned",
    })
}

/// Which kind of seal authority a certificate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AuthorityKind {
    /// A CA certificate (keyCertSign) of the trusted hierarchy.
    Ca,
    /// A `seal-authority` certificate (its extended key usage).
    Profile,
    /// Pinned by the verifier.
    Pinned,
}

pub(super) fn has_seal_authority_eku(cert: &X509Certificate<'_>) -> bool {
    let wanted = crate::seal::OID_KP_SEAL_AUTHORITY.to_string();
    cert.extended_key_usage()
        .ok()
        .flatten()
        .is_some_and(|e| e.value.other.iter().any(|o| o.to_id_string() == wanted))
}

/// Every certificate of `path` (the end entity first, the anchor last) that issued the one
/// before it allows keyCertSign when it has a key usage extension.
pub(super) fn issuers_may_sign_certificates(path: &[Vec<u8>]) -> Result<(), ChainFailure> {
    for issuer_der in path.iter().skip(1) {
        let Ok((_, issuer)) = X509Certificate::from_der(issuer_der) else {
            return Err(ChainFailure::MalformedPathCertificate);
        };
        match issuer.key_usage() {
            Ok(Some(ku)) if !ku.value.key_cert_sign() => {
                return Err(ChainFailure::IssuerMayNotSignCertificates {
                    subject: subject(&issuer),
                });
            }
            Err(e) => return Err(malformed(Extension::KeyUsage, e)),
            _ => {}
        }
    }
    Ok(())
}

/// The serial's digits without DER's leading zero octet.
pub(super) fn serial_digits(raw: &[u8]) -> &[u8] {
    match raw {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => raw,
    }
}

pub(super) fn valid_at(cert: &X509Certificate<'_>, at: OffsetDateTime) -> Result<(), ChainFailure> {
    let v = cert.validity();
    let (nb, na) = (v.not_before.to_datetime(), v.not_after.to_datetime());
    if at < nb {
        return Err(ChainFailure::NotYetValid {
            subject: subject(cert),
            not_before: nb,
            at,
        });
    }
    if at > na {
        return Err(ChainFailure::Expired {
            subject: subject(cert),
            not_after: na,
            at,
        });
    }
    Ok(())
}

/// Key usage for the role, when the certificate has the extension (RFC 5280 §4.2.1.3).
pub(super) fn key_usage_fits(
    cert: &X509Certificate<'_>,
    role: ChainRole,
) -> Result<(), ChainFailure> {
    if role == ChainRole::TimeStamping {
        time_stamping_eku(cert)?;
    }
    let ku = match cert.key_usage() {
        Ok(Some(ku)) => *ku.value,
        Ok(None) => return Ok(()),
        Err(e) => return Err(malformed(Extension::KeyUsage, e)),
    };
    let ok = match role {
        ChainRole::Holder | ChainRole::SesHolder => ku.digital_signature() || ku.non_repudiation(),
        // The CA's own key makes seals as it makes certificates (keyCertSign); a dedicated
        // authority certificate needs a signing usage.
        ChainRole::Authority if cert.is_ca() => ku.key_cert_sign(),
        ChainRole::Authority | ChainRole::TimeStamping => {
            ku.digital_signature() || ku.non_repudiation()
        }
    };
    if ok {
        Ok(())
    } else {
        Err(ChainFailure::KeyUsageUnfit {
            subject: subject(cert),
            role,
        })
    }
}

/// RFC 3161 §2.3: a TSA certificate has one extendedKeyUsage extension, critical, whose only
/// purpose is id-kp-timeStamping.
pub(super) fn time_stamping_eku(cert: &X509Certificate<'_>) -> Result<(), ChainFailure> {
    let eku = match cert.extended_key_usage() {
        Ok(Some(e)) => e,
        Ok(None) => {
            return Err(ChainFailure::NoTimeStampingEku {
                subject: subject(cert),
            });
        }
        Err(e) => return Err(malformed(Extension::ExtendedKeyUsage, e)),
    };
    let v = eku.value;
    let only_time_stamping = v.time_stamping
        && !(v.any
            || v.server_auth
            || v.client_auth
            || v.code_signing
            || v.email_protection
            || v.ocsp_signing)
        && v.other.is_empty();
    if !eku.critical || !only_time_stamping {
        return Err(ChainFailure::NotTsaCertificate {
            subject: subject(cert),
        });
    }
    Ok(())
}
