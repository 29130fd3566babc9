//! The client side: judge an OCSP response for one certificate and its issuer at `now`
//! (RFC 6960 §3.2). The response must be `successful` and basic, signed by the issuer or by
//! a delegated responder certificate the issuer issued with id-kp-OCSPSigning and
//! id-pkix-ocsp-nocheck (valid at `now`), answer for the certificate's CertID, have a
//! thisUpdate not in the future (beyond [`SKEW`]) and a nextUpdate not past.
//!
//! A delegated certificate without id-pkix-ocsp-nocheck is refused rather than checked for
//! revocation itself (RFC 6960 §4.2.2.2.1 leaves that to the client; asking again would
//! recurse). Nonces are not sent, so not checked (RFC 5019 responders ignore them).

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::ext::pkix::CrlReason;
use x509_ocsp::{BasicOcspResponse, CertStatus, OcspResponse, OcspResponseStatus};

use super::id::IssuerId;
use super::responder::delegate_problem;
use super::{MAX_RESPONSE_BYTES, unix};
use crate::pkix::Cert;
use crate::pkix::cert::oid::OCSP_NOCHECK;
use crate::pkix::sig::SignatureVerifier;

/// Clock skew allowed between responder and client for thisUpdate, and the most age of a
/// response without nextUpdate (RFC 6960 §4.2.2.1: newer information is always available).
pub const SKEW: i64 = 300;

/// id-pkix-ocsp-basic.
const OID_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");

/// What a response says about the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// Not revoked, as of `this_update` until `next_update` (Unix seconds).
    Good {
        this_update: i64,
        next_update: Option<i64>,
    },
    /// Revoked at `at`; `reason` None when the response gives none.
    Revoked { at: i64, reason: Option<CrlReason> },
    /// The responder does not know the certificate.
    Unknown,
    /// The response does not decide, and why.
    Undecided(Undecided),
}

/// Why a response does not decide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Undecided {
    #[error("the response is {len} bytes, more than {MAX_RESPONSE_BYTES}")]
    TooLarge { len: usize },
    #[error("the response is malformed: {0}")]
    Malformed(String),
    #[error("the responder answered `{0}`")]
    Status(&'static str),
    #[error("the response is not a basic OCSP response")]
    NotBasic,
    #[error("the response is signed neither by the issuer nor by a responder it delegated")]
    BadSignature,
    #[error("the delegated responder is not usable: {0}")]
    Delegate(String),
    #[error("the delegated responder certificate `{0}` has no id-pkix-ocsp-nocheck")]
    NoCheckMissing(String),
    #[error("the delegated responder certificate `{0}` is not valid now")]
    DelegateNotValidNow(String),
    #[error("the response does not answer for this certificate")]
    NoMatchingResponse,
    #[error("the response's thisUpdate {0} is in the future")]
    ThisUpdateInFuture(i64),
    #[error("the response is stale: its nextUpdate {0} is past")]
    Stale(i64),
    #[error("the response has no nextUpdate and its thisUpdate {0} is too old")]
    TooOld(i64),
}

/// Judges `response_der` for `cert`, issued by `issuer`, at `now`.
pub fn judge(
    response_der: &[u8],
    cert: &Cert,
    issuer: &Cert,
    now: i64,
    verifier: &dyn SignatureVerifier,
) -> Judgement {
    match judge_inner(response_der, cert, issuer, now, verifier) {
        Ok(j) => j,
        Err(why) => Judgement::Undecided(why),
    }
}

fn judge_inner(
    response_der: &[u8],
    cert: &Cert,
    issuer: &Cert,
    now: i64,
    verifier: &dyn SignatureVerifier,
) -> Result<Judgement, Undecided> {
    if response_der.len() > MAX_RESPONSE_BYTES {
        return Err(Undecided::TooLarge {
            len: response_der.len(),
        });
    }
    let malformed = |e: der::Error| Undecided::Malformed(e.to_string());
    let resp = OcspResponse::from_der(response_der).map_err(malformed)?;
    if resp.response_status != OcspResponseStatus::Successful {
        return Err(Undecided::Status(status_name(resp.response_status)));
    }
    let bytes = resp
        .response_bytes
        .ok_or_else(|| Undecided::Malformed("successful without responseBytes".into()))?;
    if bytes.response_type != OID_BASIC {
        return Err(Undecided::NotBasic);
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(malformed)?;
    let tbs = basic.tbs_response_data.to_der().map_err(malformed)?;
    let signature = basic
        .signature
        .as_bytes()
        .ok_or_else(|| Undecided::Malformed("signature is not whole octets".into()))?;
    let by_issuer = verifier
        .verify(&issuer.spki, &basic.signature_algorithm, &tbs, signature)
        .is_ok();
    if !by_issuer {
        let mut signer = None;
        for c in basic.certs.iter().flatten() {
            let Ok(c) = c
                .to_der()
                .map_err(malformed)
                .and_then(|d| Cert::from_der(&d).map_err(|e| Undecided::Malformed(e.to_string())))
            else {
                continue;
            };
            if verifier
                .verify(&c.spki, &basic.signature_algorithm, &tbs, signature)
                .is_ok()
            {
                signer = Some(c);
                break;
            }
        }
        let delegate = signer.ok_or(Undecided::BadSignature)?;
        if let Some(why) = delegate_problem(&delegate, issuer) {
            return Err(Undecided::Delegate(why));
        }
        if !delegate.ext.present.contains(&OCSP_NOCHECK) {
            return Err(Undecided::NoCheckMissing(delegate.subject_text()));
        }
        if now < delegate.not_before || now > delegate.not_after {
            return Err(Undecided::DelegateNotValidNow(delegate.subject_text()));
        }
    }
    let ours = IssuerId::new(issuer).map_err(malformed)?;
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|s| {
            ours.matches(&s.cert_id).is_some() && s.cert_id.serial_number.as_bytes() == cert.serial
        })
        .ok_or(Undecided::NoMatchingResponse)?;
    let this_update = unix(&single.this_update);
    if this_update > now.saturating_add(SKEW) {
        return Err(Undecided::ThisUpdateInFuture(this_update));
    }
    let next_update = single.next_update.as_ref().map(unix);
    match next_update {
        Some(next) if now > next => return Err(Undecided::Stale(next)),
        None if now > this_update.saturating_add(SKEW) => {
            return Err(Undecided::TooOld(this_update));
        }
        _ => {}
    }
    Ok(match &single.cert_status {
        CertStatus::Good(_) => Judgement::Good {
            this_update,
            next_update,
        },
        CertStatus::Revoked(info) => Judgement::Revoked {
            at: unix(&info.revocation_time),
            reason: info.revocation_reason,
        },
        CertStatus::Unknown(_) => Judgement::Unknown,
    })
}

/// RFC 6960's name of a response status.
pub fn status_name(status: OcspResponseStatus) -> &'static str {
    match status {
        OcspResponseStatus::Successful => "successful",
        OcspResponseStatus::MalformedRequest => "malformedRequest",
        OcspResponseStatus::InternalError => "internalError",
        OcspResponseStatus::TryLater => "tryLater",
        OcspResponseStatus::SigRequired => "sigRequired",
        OcspResponseStatus::Unauthorized => "unauthorized",
    }
}

/// The OCSP responder URLs of `cert`'s AuthorityInfoAccess (id-ad-ocsp, RFC 5280 §4.2.2.1), in
/// order; none when it has no such extension or it does not parse.
pub fn aia_ocsp_urls(cert: &Cert) -> Vec<String> {
    use x509_cert::ext::pkix::AuthorityInfoAccessSyntax;
    use x509_cert::ext::pkix::name::GeneralName;
    const AIA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1");
    const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
    let Ok(parsed) = x509_cert::Certificate::from_der(&cert.der) else {
        return Vec::new();
    };
    let Some(ext) = parsed
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == AIA)
    else {
        return Vec::new();
    };
    let Ok(aia) = AuthorityInfoAccessSyntax::from_der(ext.extn_value.as_bytes()) else {
        return Vec::new();
    };
    aia.0
        .iter()
        .filter(|d| d.access_method == AD_OCSP)
        .filter_map(|d| match &d.access_location {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.as_str().to_string()),
            _ => None,
        })
        .collect()
}
