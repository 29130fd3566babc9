//! The seal status list: the seal authority's signed list of revoked seals (esID, revocation
//! time, reason), published beside its CRL (`seal status-list`) and consumed by verifiers that
//! have no access to the authority's store (`seal verify --seal-status`).
//!
//! GB/T 38540 defines no revocation format for seals, so govpki uses this small DER structure,
//! shaped like the `SESeal` it answers for (the authority certificate as an OCTET STRING, a
//! signature algorithm OID and a BIT STRING signature over the DER of the signed part):
//! ```text
//! SealStatusList ::= SEQUENCE {
//!     tbsList        TBSSealStatusList,
//!     signAlgID      OBJECT IDENTIFIER,
//!     signedValue    BIT STRING }            -- signature over DER(tbsList)
//! TBSSealStatusList ::= SEQUENCE {
//!     version        INTEGER (1),
//!     authority      OCTET STRING,           -- the seal authority's certificate, DER
//!     thisUpdate     GeneralizedTime,
//!     nextUpdate     GeneralizedTime,
//!     revokedSeals   SEQUENCE OF RevokedSeal }
//! RevokedSeal ::= SEQUENCE {
//!     esID           IA5String,
//!     revocationDate GeneralizedTime,
//!     reason         UTF8String OPTIONAL }
//! ```
//! PEM label: `GOVPKI SEAL STATUS LIST`.
//!
//! A list speaks only for the seals its authority made: it applies to a seal whose authority
//! certificate is byte for byte the list's, or was issued by it (a `seal-authority`
//! certificate of the CA that publishes the list). Like a CRL, it shows a seal unrevoked at a time `t`
//! only if it was issued at or after `t` ([`SealStatusList::revoked_seals_at`]).
//!
//! Pure: no files, no clock.

use std::fmt;

use der::asn1::{
    AnyRef, BitString, BitStringRef, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString,
};
use der::{Decode, Encode, Sequence};
use time::OffsetDateTime;

use super::seal::{
    RevokedSeal, RevokedSeals, Seal, generalized_from_time, parse_certificate,
    time_from_generalized,
};
use super::signer::{self, SealSigner, SignatureCheck};
use super::{SealError, certificate_subject, format_time};

/// The PEM label of a seal status list.
pub const PEM_LABEL: &str = "GOVPKI SEAL STATUS LIST";

/// The version govpki writes and reads.
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct RevokedSealAsn {
    es_id: Ia5String,
    revocation_date: GeneralizedTime,
    reason: Option<String>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct TbsStatusList {
    version: u32,
    authority: OctetString,
    this_update: GeneralizedTime,
    next_update: GeneralizedTime,
    revoked_seals: Vec<RevokedSealAsn>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct StatusListAsn {
    tbs_list: TbsStatusList,
    sign_alg_id: ObjectIdentifier,
    signed_value: BitString,
}

/// The outer structure as received, so the signature is checked on the bytes as they came.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct StatusListRef<'a> {
    tbs_list: AnyRef<'a>,
    sign_alg_id: ObjectIdentifier,
    signed_value: BitStringRef<'a>,
}

/// One revoked seal on a list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatusEntry {
    pub es_id: String,
    #[serde(serialize_with = "ser_time")]
    pub revoked_at: OffsetDateTime,
    pub reason: Option<String>,
}

fn ser_time<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_time(*t))
}

/// A parsed (or freshly made) seal status list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealStatusList {
    authority_cert: Vec<u8>,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    entries: Vec<StatusEntry>,
    signature_algorithm: ObjectIdentifier,
    signature: Vec<u8>,
    tbs_der: Vec<u8>,
    der: Vec<u8>,
}

fn malformed(source: der::Error) -> SealError {
    SealError::Malformed {
        what: "seal status list",
        source,
    }
}

fn invalid(reason: impl Into<String>) -> SealError {
    SealError::Invalid {
        what: "seal status list",
        reason: reason.into(),
    }
}

/// Makes and signs a status list. `entries` are the revoked seals; `authority_cert` is the
/// certificate of `signer`'s key.
pub fn create_status_list(
    authority_cert: &[u8],
    signer: &dyn SealSigner,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    entries: &[StatusEntry],
) -> Result<SealStatusList, SealError> {
    let cert = parse_certificate("seal authority", authority_cert)?;
    if !signer::key_matches_certificate(signer, authority_cert)? {
        return Err(SealError::KeyMismatch {
            subject: crate::ca::dn::display_name(cert.subject()),
        });
    }
    if next_update <= this_update {
        return Err(SealError::Spec {
            field: "next update",
            reason: "must be after this update".into(),
        });
    }
    let mut revoked = Vec::with_capacity(entries.len());
    for e in entries {
        revoked.push(RevokedSealAsn {
            es_id: Ia5String::new(&e.es_id).map_err(|err| SealError::Spec {
                field: "esID",
                reason: format!("`{}` is not IA5: {err}", e.es_id),
            })?,
            revocation_date: generalized_from_time("revocation date", e.revoked_at)?,
            reason: e.reason.clone(),
        });
    }
    let tbs = TbsStatusList {
        version: VERSION,
        authority: OctetString::new(authority_cert.to_vec()).map_err(malformed)?,
        this_update: generalized_from_time("this update", this_update)?,
        next_update: generalized_from_time("next update", next_update)?,
        revoked_seals: revoked,
    };
    let tbs_der = tbs.to_der().map_err(malformed)?;
    let signature = signer.sign(&tbs_der)?;
    let list = StatusListAsn {
        tbs_list: tbs,
        sign_alg_id: signer.algorithm_oid(),
        signed_value: BitString::from_bytes(&signature).map_err(malformed)?,
    };
    let der = list.to_der().map_err(malformed)?;
    SealStatusList::from_der(&der)
}

impl SealStatusList {
    /// Parses a DER status list strictly (trailing bytes, an unknown version, an unparsable
    /// authority certificate or a non-IA5 esID are errors). The signature is not checked here.
    pub fn from_der(der: &[u8]) -> Result<Self, SealError> {
        let raw = StatusListRef::from_der(der).map_err(malformed)?;
        let tbs_der = raw.tbs_list.to_der().map_err(malformed)?;
        let tbs = TbsStatusList::from_der(&tbs_der).map_err(malformed)?;
        if tbs.version != VERSION {
            return Err(invalid(format!(
                "version {} is not supported (only {VERSION})",
                tbs.version
            )));
        }
        let authority_cert = tbs.authority.as_bytes().to_vec();
        parse_certificate("seal status list authority", &authority_cert)?;
        let mut entries = Vec::with_capacity(tbs.revoked_seals.len());
        for e in &tbs.revoked_seals {
            entries.push(StatusEntry {
                es_id: e.es_id.to_string(),
                revoked_at: time_from_generalized(e.revocation_date)?,
                reason: e.reason.clone(),
            });
        }
        let signature = raw
            .signed_value
            .as_bytes()
            .ok_or_else(|| invalid("signedValue has unused bits"))?
            .to_vec();
        Ok(SealStatusList {
            authority_cert,
            this_update: time_from_generalized(tbs.this_update)?,
            next_update: time_from_generalized(tbs.next_update)?,
            entries,
            signature_algorithm: raw.sign_alg_id,
            signature,
            tbs_der,
            der: der.to_vec(),
        })
    }

    /// The DER the list was parsed from (or made as).
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    pub fn authority_cert(&self) -> &[u8] {
        &self.authority_cert
    }

    pub fn this_update(&self) -> OffsetDateTime {
        self.this_update
    }

    pub fn next_update(&self) -> OffsetDateTime {
        self.next_update
    }

    pub fn entries(&self) -> &[StatusEntry] {
        &self.entries
    }

    /// Checks the authority's signature with the certificate the list carries.
    pub fn verify_signature(&self) -> SignatureCheck {
        match signer::verify_signature_with_cert(
            &self.authority_cert,
            &self.signature_algorithm,
            None,
            &self.tbs_der,
            &self.signature,
        ) {
            Ok(c) => c,
            Err(e) => SignatureCheck::Invalid(e.to_string()),
        }
    }

    /// Whether the list speaks for `seal`: same authority certificate, byte for byte, or a
    /// seal authority certificate the list's authority (a CA) issued.
    pub fn applies_to(&self, seal: &Seal) -> bool {
        let maker = &seal.info().authority_cert;
        *maker == self.authority_cert
            || super::chain::certificate_issued_by(maker, &self.authority_cert)
    }

    /// What the list says about seals at time `at`: authoritative (seals not listed were good)
    /// when it was issued at or after `at`, else only its revocations count.
    pub fn revoked_seals_at(&self, at: OffsetDateTime) -> RevokedSeals {
        let entries = self.entries.iter().map(|e| {
            (
                e.es_id.clone(),
                RevokedSeal {
                    revoked_at: e.revoked_at,
                    reason: e.reason.clone(),
                },
            )
        });
        if self.this_update >= at {
            RevokedSeals::complete(entries)
        } else {
            RevokedSeals::partial(entries)
        }
    }

    /// What `seal show` prints.
    pub fn summary(&self) -> StatusListSummary {
        StatusListSummary {
            authority: certificate_subject(&self.authority_cert),
            this_update: format_time(self.this_update),
            next_update: format_time(self.next_update),
            signature_algorithm: signer::algorithm_name(&self.signature_algorithm),
            signature: match self.verify_signature() {
                SignatureCheck::Valid => "verifies with the authority certificate".into(),
                SignatureCheck::Invalid(why) => format!("DOES NOT VERIFY: {why}"),
                SignatureCheck::Unsupported(why) => format!("not checked: {why}"),
            },
            revoked: self.entries.clone(),
        }
    }
}

/// What `seal show` prints about a status list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StatusListSummary {
    pub authority: String,
    pub this_update: String,
    pub next_update: String,
    pub signature_algorithm: String,
    pub signature: String,
    pub revoked: Vec<StatusEntry>,
}

impl fmt::Display for StatusListSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "seal status list")?;
        writeln!(f, "authority:     {}", self.authority)?;
        writeln!(f, "this update:   {}", self.this_update)?;
        writeln!(f, "next update:   {}", self.next_update)?;
        writeln!(
            f,
            "signature:     {} {}",
            self.signature_algorithm, self.signature
        )?;
        writeln!(f, "revoked seals: {}", self.revoked.len())?;
        for e in &self.revoked {
            writeln!(
                f,
                "  {}  {}  {}",
                e.es_id,
                format_time(e.revoked_at),
                e.reason.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::SealStatus;
    use crate::seal::testutil::{NOW, Pki};

    fn entry(id: &str, at: OffsetDateTime) -> StatusEntry {
        StatusEntry {
            es_id: id.into(),
            revoked_at: at,
            reason: Some("lost".into()),
        }
    }

    #[test]
    fn round_trip_and_signature() {
        let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
        let signer = pki.authority.signer();
        let revoked_at = NOW - time::Duration::days(1);
        let list = create_status_list(
            &pki.authority.cert,
            &signer,
            NOW,
            NOW + time::Duration::days(7),
            &[entry("aa01", revoked_at)],
        )
        .unwrap();
        let parsed = SealStatusList::from_der(list.to_der()).unwrap();
        assert_eq!(parsed, list);
        assert_eq!(parsed.verify_signature(), SignatureCheck::Valid);
        assert_eq!(parsed.entries()[0].revoked_at, revoked_at);

        // At a time the list covers: complete.
        let r = parsed.revoked_seals_at(NOW - time::Duration::hours(1));
        assert!(matches!(r.status("aa01"), SealStatus::Revoked(_)));
        assert_eq!(r.status("bb02"), SealStatus::Good);
        // After the list was issued: only its revocations count.
        let r = parsed.revoked_seals_at(NOW + time::Duration::hours(1));
        assert_eq!(r.status("bb02"), SealStatus::Unknown);
    }

    #[test]
    fn tampered_list_fails_signature_and_garbage_is_an_error() {
        let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
        let signer = pki.authority.signer();
        let list = create_status_list(
            &pki.authority.cert,
            &signer,
            NOW,
            NOW + time::Duration::days(7),
            &[entry("aa01", NOW)],
        )
        .unwrap();
        let mut der = list.to_der().to_vec();
        let pos = der
            .windows(4)
            .position(|w| w == b"aa01")
            .expect("esID in the DER");
        der[pos] = b'b';
        let tampered = SealStatusList::from_der(&der).unwrap();
        assert!(matches!(
            tampered.verify_signature(),
            SignatureCheck::Invalid(_)
        ));
        assert!(SealStatusList::from_der(&der[..der.len() - 1]).is_err());
        assert!(SealStatusList::from_der(b"garbage").is_err());
        let mut trailing = list.to_der().to_vec();
        trailing.push(0);
        assert!(SealStatusList::from_der(&trailing).is_err());
    }

    #[test]
    fn every_truncation_and_byte_flip_parses_or_errs_without_panic() {
        let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
        let list = create_status_list(
            &pki.authority.cert,
            &pki.authority.signer(),
            NOW,
            NOW + time::Duration::days(7),
            &[entry("aa01", NOW), entry("bb02", NOW)],
        )
        .unwrap();
        let der = list.to_der();
        for cut in 0..der.len() {
            assert!(SealStatusList::from_der(&der[..cut]).is_err());
        }
        for i in 0..der.len() {
            let mut m = der.to_vec();
            m[i] ^= 0xff;
            if let Ok(l) = SealStatusList::from_der(&m) {
                let _ = l.verify_signature();
                let _ = l.summary().to_string();
            }
        }
    }

    #[test]
    fn wrong_key_is_refused() {
        let pki = Pki::new(&rcgen::PKCS_ECDSA_P256_SHA256);
        let other = pki.holder.signer();
        assert!(matches!(
            create_status_list(
                &pki.authority.cert,
                &other,
                NOW,
                NOW + time::Duration::days(1),
                &[]
            ),
            Err(SealError::KeyMismatch { .. })
        ));
    }
}
