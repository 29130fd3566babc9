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
    pub(super) tbs: Vec<u8>,
    pub(super) signature_algorithm: der::asn1::ObjectIdentifier,
    pub(super) signature: Vec<u8>,
    /// Issuer certificate (SHA-256) -> whether the CRL's signature verifies with its key.
    pub(super) verified_by: Mutex<HashMap<[u8; 32], bool>>,
}

pub(super) const OID_DELTA_CRL_INDICATOR: &str = "2.5.29.27";

impl ParsedCrl {
    pub(super) fn parse(der: &[u8]) -> Result<ParsedCrl, String> {
        let crl = crate::ca::crl_read::parse_crl(der).map_err(|e| e.to_string())?;
        let tbs = tbs_of(der).ok_or_else(|| "no TBSCertList".to_string())?;
        let mut entries = HashMap::new();
        for e in crl.iter_revoked_certificates() {
            let reason = e
                .reason_code()
                .and_then(|(_, r)| Reason::from_code(r.0))
                .unwrap_or(Reason::Unspecified);
            // RFC 5280 §5.3: removeFromCRL only appears in delta CRLs, which are skipped.
            entries.insert(
                e.raw_serial().to_vec(),
                Entry {
                    revoked_at: e.revocation_date.to_datetime(),
                    invalidity: e.invalidity_date().map(|(_, t)| t.to_datetime()),
                    reason,
                },
            );
        }
        let signature_algorithm =
            der::asn1::ObjectIdentifier::from_bytes(crl.signature_algorithm.algorithm.as_bytes())
                .map_err(|e| format!("signature algorithm: {e}"))?;
        Ok(ParsedCrl {
            issuer: crl.issuer().as_raw().to_vec(),
            this_update: crl.last_update().to_datetime(),
            delta: crl
                .extensions()
                .iter()
                .any(|x| x.oid.to_id_string() == OID_DELTA_CRL_INDICATOR),
            entries,
            tbs: tbs.to_vec(),
            signature_algorithm,
            signature: crl.signature_value.data.to_vec(),
            verified_by: Mutex::new(HashMap::new()),
        })
    }

    /// Whether the CRL's signature verifies with `issuer_der`'s key (cached).
    pub(super) fn verifies_with(&self, issuer_der: &[u8]) -> bool {
        let key = sha256(issuer_der);
        if let Ok(cache) = self.verified_by.lock()
            && let Some(v) = cache.get(&key)
        {
            return *v;
        }
        let ok = matches!(
            signer::verify_signature_with_cert(
                issuer_der,
                &self.signature_algorithm,
                None,
                &self.tbs,
                &self.signature,
            ),
            Ok(SignatureCheck::Valid)
        );
        if let Ok(mut cache) = self.verified_by.lock() {
            cache.insert(key, ok);
        }
        ok
    }
}

/// The TBSCertList octets of a CRL (the first element of the outer SEQUENCE, as received).
pub(super) fn tbs_of(der: &[u8]) -> Option<&[u8]> {
    use der::{Decode, Reader};
    let mut outer = der::SliceReader::new(der).ok()?;
    der::Header::decode(&mut outer).ok()?;
    let start = usize::try_from(outer.position()).ok()?;
    let _tbs: der::asn1::AnyRef<'_> = outer.decode().ok()?;
    let end = usize::try_from(outer.position()).ok()?;
    der.get(start..end)
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
) -> Option<String> {
    let effective = e.invalidity.map_or(e.revoked_at, |i| i.min(e.revoked_at));
    let mut why = format!(
        "certificate `{}` (serial {}) was revoked at {} ({})",
        subject(cert),
        hex::encode_upper(serial_digits(cert.raw_serial())),
        format_time(e.revoked_at),
        e.reason.name()
    );
    if let Some(i) = e.invalidity {
        why.push_str(&format!(", invalid since {}", format_time(i)));
    }
    if effective <= at {
        why.push_str(&format!(
            ", at or before the signing time {}",
            format_time(at)
        ));
        return Some(why);
    }
    let compromised = matches!(
        e.reason,
        Reason::KeyCompromise | Reason::CaCompromise | Reason::AaCompromise
    );
    if !time_proven && (compromised || e.invalidity.is_some()) {
        why.push_str(&format!(
            ": a compromised key voids what it signed, whatever time it claims; the signing time {} is not proven before {} by a trusted time-stamp",
            format_time(at),
            format_time(effective)
        ));
        return Some(why);
    }
    None
}
