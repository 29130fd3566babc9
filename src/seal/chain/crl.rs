//! CRLs reduced to what judging a certificate at a time needs ([`ParsedCrl`]), and the rule
//! that decides whether a listed revocation counts at that time ([`listed_revocation`]).

use super::*;

/// One revocation entry of a CRL.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) revoked_at: OffsetDateTime,
    pub(super) invalidity: Option<OffsetDateTime>,
    pub(super) reason: Reason,
}

/// A CRL reduced to what judging at a time needs.
pub(super) struct ParsedCrl {
    pub(super) issuer: Vec<u8>,
    pub(super) this_update: OffsetDateTime,
    pub(super) delta: bool,
    /// Serial (INTEGER content octets) -> entry.
    pub(super) entries: HashMap<Vec<u8>, Entry>,
    /// The outer and the TBS signature algorithms are the same.
    pub(super) algorithms_agree: bool,
    pub(super) crl: crate::pkix::crl::Crl,
    /// Issuer certificate (SHA-256) -> whether the CRL's signature verifies with its key.
    pub(super) verified_by: Mutex<HashMap<[u8; 32], bool>>,
}

impl ParsedCrl {
    /// Reads a CRL with the validator's strict reader ([`crate::pkix::crl::Crl`]).
    pub(super) fn parse(der: &[u8]) -> Result<ParsedCrl, String> {
        let crl = crate::pkix::crl::Crl::from_der(der).map_err(|e| e.to_string())?;
        let time = |t: i64| OffsetDateTime::from_unix_timestamp(t).map_err(|e| e.to_string());
        let mut entries = HashMap::new();
        for e in &crl.entries {
            let reason = Reason::from_entry(e.reason);
            // RFC 5280 §5.3: removeFromCRL only appears in delta CRLs, which are skipped.
            entries.insert(
                e.serial.clone(),
                Entry {
                    revoked_at: time(e.revoked_at)?,
                    invalidity: e.invalidity.map(time).transpose()?,
                    reason,
                },
            );
        }
        Ok(ParsedCrl {
            issuer: der::Encode::to_der(&crl.issuer).map_err(|e| e.to_string())?,
            this_update: time(crl.this_update)?,
            delta: crl.delta_base.is_some(),
            entries,
            algorithms_agree: crl.sig_alg == crl.tbs_sig_alg,
            crl,
            verified_by: Mutex::new(HashMap::new()),
        })
    }

    /// Whether the CRL's signature verifies with `issuer_der`'s key (cached), through the
    /// validator's signature algorithms (SM2-with-SM3 included).
    pub(super) fn verifies_with(&self, issuer_der: &[u8]) -> bool {
        use crate::pkix::sig::SignatureVerifier as _;
        let key = sha256(issuer_der);
        if let Ok(cache) = self.verified_by.lock()
            && let Some(v) = cache.get(&key)
        {
            return *v;
        }
        let ok = self.algorithms_agree
            && crate::pkix::Cert::from_der(issuer_der).is_ok_and(|issuer| {
                crate::pkix::sig::DefaultVerifier::default()
                    .verify(
                        &issuer.spki,
                        &self.crl.sig_alg,
                        &self.crl.tbs_der,
                        &self.crl.signature,
                    )
                    .is_ok()
            });
        if let Ok(mut cache) = self.verified_by.lock() {
            cache.insert(key, ok);
        }
        ok
    }
}

/// Whether a listed revocation makes `cert` revoked at `at`, and why. It does when its date
/// (the invalidityDate when earlier) is at or before `at`; and, when `at` is not proven, when
/// the key was compromised (keyCompromise, cACompromise, aACompromise) or declared invalid from
/// an invalidityDate, whenever that was: a signer holding a stolen key writes any signing
/// time (ETSI EN 319 102-1 §5.2.8; only a proof of existence before that date saves it).
pub(super) fn listed_revocation(
    cert: &X509Certificate<'_>,
    e: &Entry,
    at: OffsetDateTime,
    time_proven: bool,
) -> Option<ListedRevocation> {
    let mut listed = ListedRevocation {
        subject: subject(cert),
        serial: hex::encode_upper(serial_digits(cert.raw_serial())),
        revoked_at: e.revoked_at,
        reason: e.reason,
        invalidity: e.invalidity,
        at,
        counts: RevokedBecause::AtOrBefore,
    };
    if listed.effective() <= at {
        return Some(listed);
    }
    if !time_proven && (e.reason.is_compromise() || e.invalidity.is_some()) {
        listed.counts = RevokedBecause::CompromiseBeforeUnprovenTime;
        return Some(listed);
    }
    None
}
