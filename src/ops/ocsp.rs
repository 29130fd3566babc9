//! OCSP use cases: the (serial, status) rows a responder signs, read from the store
//! ([`statuses`]); whether the store changed since ([`marker`]); and asking a responder over
//! HTTP about the certificates of a path (`cert verify --ocsp`, [`Asker`]).
//!
//! The responder itself is [`crate::ocsp::Responder`] (pure); the service holds one per CA,
//! calls [`statuses`] and `refresh` at start and whenever [`marker`] moves.

pub mod http;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use anyhow::Context as _;

use super::Result;
use super::common::OpenCa;
use crate::ca::serial::Serial;
use crate::ocsp::check::{Judgement, aia_ocsp_urls, judge};
use crate::ocsp::{
    HashAlg, IssuerId, MAX_RESPONSE_BYTES, REQUEST_MEDIA_TYPE, Responder, Signer, Status, StatusRow,
};
use crate::pkix::Cert;
use crate::pkix::sig::DefaultVerifier;
use crate::pkix::validate::{OnlineAnswer, OnlineRevocation};
use crate::store::Store;

/// Every certificate of the store and its status at `now`: revoked (or on hold, reason
/// certificateHold) with its time and reason, otherwise good (expired ones too: RFC 6960
/// §2.2 `good` says only "not revoked"). A serial not in the store is `unknown` to the
/// responder. Streams the store (serials and revocations), never its certificates.
///
/// `now` does not change the rows today: a revocation is in force from its recording, as in
/// the CRL built at the same moment; it is in the signature so that a time-dependent answer
/// (e.g. `unknown` for long-expired certificates) needs no change of callers.
pub fn statuses(store: &Store, _now: OffsetDateTime) -> Result<Vec<StatusRow>> {
    let mut revoked: HashMap<Serial, Status> = HashMap::new();
    store
        .for_each_revoked(|e| {
            revoked.insert(
                e.serial,
                Status::Revoked {
                    at: e.revoked_at.unix_timestamp(),
                    reason: e.reason,
                },
            );
        })
        .map_err(anyhow::Error::from)?;
    let mut out = Vec::new();
    store
        .for_each_serial(|serial| {
            let status = revoked.get(&serial).copied().unwrap_or(Status::Good);
            out.push(StatusRow { serial, status });
        })
        .map_err(anyhow::Error::from)?;
    Ok(out)
}

/// What [`changed`] compares: moves whenever a certificate is issued, revoked, held or
/// released (the store's last audit sequence number and revocation count; see
/// [`Store::revocation_marker`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker(i64, i64);

/// The store's marker now: keep it with a refresh.
pub fn marker(store: &Store) -> Result<Marker> {
    let (seq, count) = store.revocation_marker().map_err(anyhow::Error::from)?;
    Ok(Marker(seq, count))
}

/// Whether the store changed since `since` was taken (a refresh is due).
pub fn changed(store: &Store, since: Marker) -> Result<bool> {
    Ok(marker(store)? != since)
}

/// (certificate DER, issuer DER).
type CertAndIssuer = (Vec<u8>, Vec<u8>);

/// A responder for the CA of `open`, signing with `signer` (the CA key or a delegated
/// `ocsp` certificate and key), its answers valid `validity` seconds, signed from the store at
/// `now`; with the marker [`keep_fresh`] compares.
pub fn responder(
    open: &OpenCa,
    signer: Signer,
    validity: i64,
    now: OffsetDateTime,
) -> Result<(Responder, Marker)> {
    let mut r = Responder::new(&open.meta.cert_der, signer, validity)
        .map_err(anyhow::Error::from)
        .context("setting up the OCSP responder")?;
    // The marker first: a commit between it and the read is seen by the next check.
    let mark = marker(&open.store)?;
    r.refresh(statuses(&open.store, now)?, now.unix_timestamp())
        .map_err(anyhow::Error::from)?;
    Ok((r, mark))
}

/// Re-signs `responder`'s answers when the store changed since `mark` (a certificate issued,
/// revoked, held or released) or half their validity has passed; says whether it did.
pub fn keep_fresh(
    responder: &mut Responder,
    store: &Store,
    mark: &mut Marker,
    now: OffsetDateTime,
) -> Result<bool> {
    let at = now.unix_timestamp();
    let half = (responder.next_update() - responder.this_update()) / 2;
    let aging = at >= responder.this_update().saturating_add(half);
    let current = marker(store)?;
    if current == *mark && !aging {
        return Ok(false);
    }
    responder
        .refresh(statuses(store, now)?, at)
        .map_err(anyhow::Error::from)?;
    *mark = current;
    Ok(true)
}

/// How long one question to a responder may take, connect to last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Asks OCSP responders about certificates, as the validator needs: the `url` given, else the
/// certificate's AIA OCSP URL; one POST per certificate (SHA-1 CertID, no nonce: RFC 5019),
/// judged at `now` by [`crate::ocsp::check::judge`]. Answers are memoised per certificate and
/// issuer (the validator may ask twice while trying paths).
pub struct Asker {
    url: Option<String>,
    now: i64,
    timeout: Duration,
    memo: Mutex<HashMap<CertAndIssuer, OnlineAnswer>>,
}

impl Asker {
    pub fn new(url: Option<String>, now: OffsetDateTime, timeout: Duration) -> Asker {
        Asker {
            url,
            now: now.unix_timestamp(),
            timeout,
            memo: Mutex::new(HashMap::new()),
        }
    }

    fn ask(&self, cert: &Cert, issuer: &Cert) -> OnlineAnswer {
        let Some(url) = self
            .url
            .clone()
            .or_else(|| aia_ocsp_urls(cert).into_iter().next())
        else {
            return OnlineAnswer::Undecided {
                source: "OCSP".into(),
                why: "no --ocsp URL given and the certificate names no OCSP responder".into(),
            };
        };
        let source = format!("OCSP {url}");
        let undecided = |why: String| OnlineAnswer::Undecided {
            source: source.clone(),
            why,
        };
        let request = match IssuerId::new(issuer)
            .and_then(|id| id.cert_id(HashAlg::Sha1, &cert.serial))
            .and_then(|id| crate::ocsp::request::build(vec![id]))
        {
            Ok(r) => r,
            Err(e) => return undecided(format!("cannot build the request: {e}")),
        };
        let body = match http::post(
            &url,
            REQUEST_MEDIA_TYPE,
            &request,
            self.timeout,
            MAX_RESPONSE_BYTES,
        ) {
            Ok(b) => b,
            Err(e) => return undecided(e.to_string()),
        };
        match judge(&body, cert, issuer, self.now, &DefaultVerifier::default()) {
            Judgement::Good { .. } => OnlineAnswer::Good { source },
            Judgement::Revoked { at, reason } => OnlineAnswer::Revoked {
                source,
                revoked_at: at,
                reason,
            },
            Judgement::Unknown => undecided("the responder does not know the certificate".into()),
            Judgement::Undecided(why) => undecided(why.to_string()),
        }
    }
}

impl OnlineRevocation for Asker {
    fn status(&self, cert: &Cert, issuer: &Cert) -> OnlineAnswer {
        let key = (cert.der.clone(), issuer.der.clone());
        if let Some(known) = self.memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return known;
        }
        let answer = self.ask(cert, issuer);
        if let Ok(mut m) = self.memo.lock() {
            m.insert(key, answer.clone());
        }
        answer
    }
}
