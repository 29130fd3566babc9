//! The OCSP responder `govpki serve` answers with on every listener: [`Served`] (what
//! connections read, behind an `RwLock<Arc<Responder>>`) and [`Keeper`] (what the publisher
//! thread refreshes when a revocation commits or the answers age).
//!
//! A refresh re-signs every answer (two per certificate), which takes from milliseconds to
//! seconds with the CA's key; connections must not wait for it. So the keeper signs into a
//! second responder (the spare, which no connection reads) and swaps it in: the write lock is
//! held only for the swap, a read lock only for cloning the `Arc`. The spare is then the
//! previous answers, older or as old as the served ones, so whenever the served answers need a
//! refresh `ops::ocsp::keep_fresh` finds the spare due too. Two responders, two copies of the
//! key in memory (both zeroized when dropped).
//!
//! It does not parse requests or sign anything itself (`crate::ocsp::Responder` does), nor read
//! the clock (the publisher's `now` and the connection's `now` come in).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use anyhow::Context as _;
use hyper::body::Bytes;
use time::OffsetDateTime;

use super::routes::{Ocsp, OcspAnswer, OcspAsk};
use crate::ca::input;
use crate::ca::keys::PrivateKey;
use crate::ocsp::{Responder, Signer};
use crate::ops::common::OpenCa;
use crate::ops::ocsp::{Marker, keep_fresh, responder};
use crate::ops::secrets::{Passphrase, Prompt};
use crate::store::Store;

/// A delegated responder (`--ocsp-cert`, `--ocsp-key`): a certificate of the `ocsp` profile
/// this CA issued, and its key.
pub struct Delegate {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub passphrase: Passphrase,
}

/// How the server answers OCSP.
pub struct OcspConfig {
    /// `None`: the CA's own key signs.
    pub delegate: Option<Delegate>,
    /// thisUpdate to nextUpdate of the pre-signed answers (refreshed at half of it).
    pub validity: time::Duration,
}

/// The responder connections answer from.
pub struct Served {
    current: RwLock<Arc<Responder>>,
    /// What anonymous clients may make the server sign on demand (answers not pre-signed:
    /// several CertIDs in one request, serials this CA never issued).
    on_demand: std::sync::Mutex<Bucket>,
}

/// A token bucket: `rate` signatures a second, `burst` at once.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Option<std::time::Instant>,
    rate: f64,
    burst: f64,
}

/// On-demand OCSP signatures a second, and the burst allowed: well under what two cores sign
/// (P-256: thousands a second), so a flood of unknown serials cannot starve the pre-signed
/// answers, the CRL and the API.
const ON_DEMAND_RATE: f64 = 200.0;
const ON_DEMAND_BURST: f64 = 400.0;

impl Bucket {
    fn new() -> Bucket {
        Bucket::with(ON_DEMAND_RATE, ON_DEMAND_BURST)
    }

    fn with(rate: f64, burst: f64) -> Bucket {
        Bucket {
            tokens: burst,
            last: None,
            rate,
            burst,
        }
    }

    /// Takes one token at `now` (a monotonic instant), if there is one.
    fn take(&mut self, now: std::time::Instant) -> bool {
        if let Some(last) = self.last {
            let refill = now.saturating_duration_since(last).as_secs_f64() * self.rate;
            self.tokens = (self.tokens + refill).min(self.burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

impl Served {
    /// The status of a certificate of this CA as the served answers say (`None`: not one this
    /// CA's store holds).
    pub fn status(&self, serial: &crate::ca::serial::Serial) -> Option<crate::ocsp::Status> {
        self.current().status(serial)
    }

    fn current(&self) -> Arc<Responder> {
        // A poisoned lock still holds a whole responder: it is only ever swapped.
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Ocsp for Served {
    fn answer(&self, ask: OcspAsk<'_>, now: OffsetDateTime) -> OcspAnswer {
        let responder = self.current();
        let at = now.unix_timestamp();
        let may_sign = || {
            self.on_demand
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(std::time::Instant::now())
        };
        let der = match ask {
            OcspAsk::Post(der) => responder.respond_limited(der, at, &may_sign),
            OcspAsk::Get(path) => responder.respond_get_limited(path, at, &may_sign),
        };
        // Only a pre-signed answer (borrowed from the responder) is cached: an error status or
        // an answer signed on demand is not (RFC 5019 §6.2 speaks of pre-produced responses).
        let cache = match der {
            std::borrow::Cow::Borrowed(_) => responder.cache_headers(at),
            std::borrow::Cow::Owned(_) => None,
        };
        OcspAnswer {
            der: Bytes::copy_from_slice(&der),
            cache,
        }
    }

    fn next_update(&self) -> Option<OffsetDateTime> {
        let next = self.current().next_update();
        (next != i64::MIN)
            .then(|| OffsetDateTime::from_unix_timestamp(next).ok())
            .flatten()
    }
}

/// What a refresh did, for the front end's notices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    pub serials: usize,
    pub next_update: Option<OffsetDateTime>,
}

/// Keeps [`Served`] current; lives on the publisher's thread, beside its store connection.
pub struct Keeper {
    served: Arc<Served>,
    served_mark: Marker,
    spare: Arc<Responder>,
    spare_mark: Marker,
}

/// Sets up the responder of `open`'s CA at `now`: the CA's `key` signs, or the delegate of
/// `config` (loaded and checked here: not issued by this CA for OCSP signing, not valid now, or
/// a key that does not match is an error at start). Returns what connections read and what the
/// publisher refreshes.
pub fn start(
    open: &OpenCa,
    key: &PrivateKey,
    config: OcspConfig,
    prompt: &dyn Prompt,
    now: OffsetDateTime,
) -> anyhow::Result<(Arc<Served>, Keeper)> {
    let OcspConfig { delegate, validity } = config;
    let validity = validity.whole_seconds().max(1);
    let copy = |k: &PrivateKey| {
        PrivateKey::from_pkcs8_der(k.pkcs8_der()).context("copying the OCSP signing key")
    };
    let (first, second, flag) = match delegate {
        None => (Signer::Ca(copy(key)?), Signer::Ca(copy(key)?), None),
        Some(Delegate {
            cert,
            key,
            passphrase,
        }) => {
            let shown = cert.display().to_string();
            let bytes = crate::ops::common::read_file(&cert, "OCSP responder certificate")?;
            let cert_der = input::decode_all(&bytes, &["CERTIFICATE"])
                .with_context(|| format!("--ocsp-cert `{shown}`"))?
                .into_iter()
                .next()
                .ok_or_else(|| anyhow::anyhow!("--ocsp-cert `{shown}` holds no certificate"))?;
            let key =
                crate::ops::secrets::load_key(&key, &passphrase, prompt).context("--ocsp-key")?;
            let second = Signer::Delegated {
                cert_der: cert_der.clone(),
                key: copy(&key)?,
            };
            (Signer::Delegated { cert_der, key }, second, Some(shown))
        }
    };
    let context = || match &flag {
        Some(shown) => format!("--ocsp-cert `{shown}`"),
        None => "the OCSP responder".to_string(),
    };
    let (served, mark) = responder(open, first, validity, now).map_err(|e| e.context(context()))?;
    // The spare starts unsigned (its thisUpdate is the distant past): the first refresh signs it.
    let spare = Responder::new(&open.meta.cert_der, second, validity).with_context(context)?;
    let served = Arc::new(Served {
        current: RwLock::new(Arc::new(served)),
        on_demand: std::sync::Mutex::new(Bucket::new()),
    });
    let keeper = Keeper {
        served: served.clone(),
        served_mark: mark,
        spare: Arc::new(spare),
        spare_mark: mark,
    };
    Ok((served, keeper))
}

impl Keeper {
    /// At `now`: when a certificate was issued, revoked, held or released since the served
    /// answers were signed, or half their validity has passed, signs fresh ones into the spare
    /// and swaps it in. `Ok(None)` when nothing was due (or a connection still held the spare,
    /// which happens for microseconds after a swap: the next poll does it).
    pub fn tick(
        &mut self,
        store: &Store,
        now: OffsetDateTime,
    ) -> anyhow::Result<Option<Refreshed>> {
        let served = self.served.current();
        let at = now.unix_timestamp();
        let half = (served.next_update() - served.this_update()) / 2;
        let aging = at >= served.this_update().saturating_add(half);
        drop(served);
        if !aging && !crate::ops::ocsp::changed(store, self.served_mark)? {
            return Ok(None);
        }
        let Some(spare) = Arc::get_mut(&mut self.spare) else {
            return Ok(None);
        };
        if !keep_fresh(spare, store, &mut self.spare_mark, now)? {
            return Ok(None);
        }
        let refreshed = Refreshed {
            serials: spare.len(),
            next_update: OffsetDateTime::from_unix_timestamp(spare.next_update()).ok(),
        };
        {
            let mut current = self
                .served
                .current
                .write()
                .unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut *current, &mut self.spare);
        }
        std::mem::swap(&mut self.served_mark, &mut self.spare_mark);
        Ok(Some(refreshed))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU8;

    use time::macros::datetime;

    use super::*;
    use crate::ca::crl::Reason;
    use crate::ocsp::{HashAlg, IssuerId};
    use crate::ops::NoPrompt;
    use crate::ops::issue::tests::{Counter, issue_person, root_home};
    use crate::pkix::Cert;

    const NOW: OffsetDateTime = datetime!(2026-05-04 10:00 UTC);

    fn ca_config() -> OcspConfig {
        OcspConfig {
            delegate: None,
            validity: time::Duration::hours(2),
        }
    }

    fn request(open: &OpenCa, serial: &crate::ca::serial::Serial) -> Vec<u8> {
        let issuer = Cert::from_der(&open.meta.cert_der).unwrap();
        let id = IssuerId::new(&issuer)
            .unwrap()
            .cert_id(HashAlg::Sha1, &serial.der_content())
            .unwrap();
        crate::ocsp::request::build(vec![id]).unwrap()
    }

    /// (status, thisUpdate) of a one-certificate answer, judged by the crate's own checker.
    fn status_of(
        served: &Served,
        open: &OpenCa,
        serial: &crate::ca::serial::Serial,
        at: OffsetDateTime,
    ) -> String {
        let der = served.answer(OcspAsk::Post(&request(open, serial)), at).der;
        let resp = <x509_ocsp::OcspResponse as der::Decode>::from_der(&der).unwrap();
        let bytes = resp.response_bytes.unwrap();
        let basic =
            <x509_ocsp::BasicOcspResponse as der::Decode>::from_der(bytes.response.as_bytes())
                .unwrap();
        let single = &basic.tbs_response_data.responses[0];
        format!("{:?}", single.cert_status)
    }

    /// Answers that are not pre-signed (here: serials this CA never issued, each new) are
    /// signed on demand at most at the bucket's rate; past its burst the answer is an unsigned
    /// `tryLater`, while a pre-signed answer is still served. Before, every such request cost
    /// the server one signature, for anyone.
    #[test]
    fn on_demand_signatures_are_bounded_and_pre_signed_answers_are_not() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut open = OpenCa::open(dir.path()).unwrap();
        let serial = issue_person(&mut open, &Counter(AtomicU8::new(0)), NOW);
        let key = open
            .unlock(&Passphrase::Ask { flag: "--x" }, &NoPrompt)
            .unwrap();
        let (served, _) = start(&open, &key, ca_config(), &NoPrompt, NOW).unwrap();
        let status = |der: &[u8]| {
            <x509_ocsp::OcspResponse as der::Decode>::from_der(der)
                .unwrap()
                .response_status
        };
        // No refill during the test (its speed must not matter): a burst of 10.
        *served.on_demand.lock().unwrap() = Bucket::with(0.0, 10.0);
        let mut try_later = 0;
        for i in 0..60u64 {
            let stranger = crate::ca::serial::Serial::from_random((i as u128 + 7).to_be_bytes());
            let der = served
                .answer(OcspAsk::Post(&request(&open, &stranger)), NOW)
                .der;
            if status(&der) == x509_ocsp::OcspResponseStatus::TryLater {
                try_later += 1;
            }
        }
        assert_eq!(
            try_later, 50,
            "the first 10 unknown serials are signed, the rest wait"
        );
        assert!(status_of(&served, &open, &serial, NOW).contains("Good"));

        let mut bucket = Bucket::new();
        let t0 = std::time::Instant::now();
        let granted = (0..1000).filter(|_| bucket.take(t0)).count();
        assert_eq!(granted, ON_DEMAND_BURST as usize);
        let later = t0 + std::time::Duration::from_millis(100);
        let granted = (0..1000).filter(|_| bucket.take(later)).count();
        assert_eq!(granted, (ON_DEMAND_RATE / 10.0) as usize);
    }

    #[test]
    fn a_revocation_is_answered_after_the_next_tick_and_the_spare_takes_turns() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut open = OpenCa::open(dir.path()).unwrap();
        let serial = issue_person(&mut open, &Counter(AtomicU8::new(0)), NOW);
        let key = open
            .unlock(&Passphrase::Ask { flag: "--x" }, &NoPrompt)
            .unwrap();
        let (served, mut keeper) = start(&open, &key, ca_config(), &NoPrompt, NOW).unwrap();
        assert!(status_of(&served, &open, &serial, NOW).contains("Good"));
        // Nothing changed: nothing signed.
        assert_eq!(keeper.tick(&open.store, NOW).unwrap(), None);
        let req = crate::ops::revoke::Request::new(
            vec![serial.clone()],
            Reason::KeyCompromise,
            None,
            NOW,
        )
        .unwrap();
        crate::ops::revoke::revoke(&mut open, &req, "local:test", NOW).unwrap();
        // Served answers stay as they were until the keeper's tick.
        assert!(status_of(&served, &open, &serial, NOW).contains("Good"));
        let refreshed = keeper.tick(&open.store, NOW).unwrap().unwrap();
        assert_eq!(refreshed.serials, 1);
        assert!(status_of(&served, &open, &serial, NOW).contains("Revoked"));
        assert_eq!(keeper.tick(&open.store, NOW).unwrap(), None);
        // Half the validity later both buffers are re-signed in turn, each with the revocation.
        for minutes in [61, 122] {
            let later = NOW + time::Duration::minutes(minutes);
            let r = keeper.tick(&open.store, later).unwrap().unwrap();
            assert_eq!(
                r.next_update,
                Some(later + time::Duration::hours(2)),
                "{minutes}"
            );
            assert_eq!(served.next_update(), r.next_update);
            assert!(status_of(&served, &open, &serial, later).contains("Revoked"));
        }
    }

    #[test]
    fn get_answers_are_cacheable_and_bad_base64_is_malformed_request() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut open = OpenCa::open(dir.path()).unwrap();
        let serial = issue_person(&mut open, &Counter(AtomicU8::new(0)), NOW);
        let key = open
            .unlock(&Passphrase::Ask { flag: "--x" }, &NoPrompt)
            .unwrap();
        let (served, _) = start(&open, &key, ca_config(), &NoPrompt, NOW).unwrap();
        use base64::Engine as _;
        let path = base64::engine::general_purpose::STANDARD.encode(request(&open, &serial));
        let a = served.answer(OcspAsk::Get(&path), NOW + time::Duration::minutes(10));
        let cache = a.cache.unwrap();
        assert_eq!(cache.max_age, 110 * 60);
        assert_eq!(cache.last_modified, NOW.unix_timestamp());
        let bad = served.answer(OcspAsk::Get("%zz!!"), NOW);
        // OCSPResponse { responseStatus malformedRequest (1) }, not cached.
        assert_eq!(bad.der.as_ref(), &[0x30, 0x03, 0x0a, 0x01, 0x01]);
        assert!(bad.cache.is_none());
    }
}
