//! What `seal sign` checks before it applies a seal ([`check_before_signing`]): the seal's
//! revocation ([`RevokedSeals`]), its validity window and whether the signer is one of its
//! holders.

use super::*;

/// A seal revocation, as recorded by `seal revoke`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedSeal {
    pub revoked_at: OffsetDateTime,
    pub reason: Option<String>,
}

/// What is known about a seal's revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealStatus {
    /// Not on an authoritative list.
    Good,
    Revoked(RevokedSeal),
    /// No authoritative list was available.
    Unknown,
}

/// The revoked seals the caller knows of (from the store, or a seal status list).
#[derive(Debug, Clone, Default)]
pub struct RevokedSeals {
    entries: HashMap<String, RevokedSeal>,
    complete: bool,
}

impl RevokedSeals {
    /// No status information: seals not listed are [`SealStatus::Unknown`].
    pub fn unknown() -> Self {
        Self::default()
    }

    /// Known revocations, not authoritative (seals not listed are unknown).
    pub fn partial(entries: impl IntoIterator<Item = (String, RevokedSeal)>) -> Self {
        Self {
            entries: entries.into_iter().collect(),
            complete: false,
        }
    }

    /// An authoritative list: seals not listed are good.
    pub fn complete(entries: impl IntoIterator<Item = (String, RevokedSeal)>) -> Self {
        Self {
            entries: entries.into_iter().collect(),
            complete: true,
        }
    }

    /// The status of one seal.
    pub fn status(&self, es_id: &str) -> SealStatus {
        match self.entries.get(es_id) {
            Some(r) => SealStatus::Revoked(r.clone()),
            None if self.complete => SealStatus::Good,
            None => SealStatus::Unknown,
        }
    }
}

/// Why `seal sign` refuses to apply a seal (exit 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignRefusal {
    #[error("seal `{es_id}` expired at {valid_until}")]
    Expired { es_id: String, valid_until: String },
    #[error("seal `{es_id}` is not valid before {valid_from}")]
    NotYetValid { es_id: String, valid_from: String },
    #[error("seal `{es_id}` was revoked at {revoked_at}{}", reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default())]
    Revoked {
        es_id: String,
        revoked_at: String,
        reason: Option<String>,
    },
    #[error("seal `{es_id}` does not list the signing certificate `{subject}`")]
    CertificateNotListed { es_id: String, subject: String },
    #[error("seal `{es_id}` cannot be checked: {reason}")]
    CertificateListUnknown { es_id: String, reason: String },
    #[error("seal `{es_id}` has an invalid authority signature: {reason}")]
    BadSealSignature { es_id: String, reason: String },
    #[error("seal `{es_id}` has an authority signature govpki cannot check: {reason}")]
    UnsupportedSealSignature { es_id: String, reason: String },
}

/// The checks `seal sign` makes before it applies a seal at `now`: the authority's signature
/// verifies, the seal is not revoked (an unknown status does not stop signing), it is inside its
/// validity window, and it lists the signing certificate.
pub fn check_before_signing(
    seal: &Seal,
    signer_cert_der: &[u8],
    now: OffsetDateTime,
    revoked: &RevokedSeals,
) -> Result<(), SignRefusal> {
    let i = seal.info();
    let es_id = i.es_id.clone();
    match seal.verify_authority_signature() {
        SignatureCheck::Valid => {}
        SignatureCheck::Invalid(reason) => {
            return Err(SignRefusal::BadSealSignature { es_id, reason });
        }
        SignatureCheck::Unsupported(reason) => {
            return Err(SignRefusal::UnsupportedSealSignature { es_id, reason });
        }
    }
    if let SealStatus::Revoked(r) = revoked.status(&i.es_id)
        && r.revoked_at <= now
    {
        return Err(SignRefusal::Revoked {
            es_id,
            revoked_at: format_time(r.revoked_at),
            reason: r.reason,
        });
    }
    if now > i.valid_until {
        return Err(SignRefusal::Expired {
            es_id,
            valid_until: format_time(i.valid_until),
        });
    }
    if now < i.valid_from {
        return Err(SignRefusal::NotYetValid {
            es_id,
            valid_from: format_time(i.valid_from),
        });
    }
    match i.cert_list.lists(signer_cert_der) {
        Listed::Yes => Ok(()),
        Listed::No => Err(SignRefusal::CertificateNotListed {
            es_id,
            subject: certificate_subject(signer_cert_der),
        }),
        Listed::Unknown(reason) => Err(SignRefusal::CertificateListUnknown { es_id, reason }),
    }
}
