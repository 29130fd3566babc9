//! What the server publishes, kept current: the CRL it signs with the held CA key (at start,
//! whenever another process commits to the store, and before its nextUpdate), the OCSP answers
//! (`serve::ocsp::Keeper`, after each poll), and the seal status list the home holds. Each CRL is published as `crl generate` publishes one:
//! numbered, committed, audited, the home's copy replaced.
//!
//! Runs on one blocking thread with its own store connection: SQLite's `data_version` on that
//! connection moves only with other connections' commits, so the server's own CRL commits do
//! not wake it again.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hyper::body::Bytes;
use time::{Duration, OffsetDateTime};

use super::conn::Shared;
use super::routes::{Condition, CrlFailure, ServedCrl, Snapshot};
use crate::ca::input::pem_lf;
use crate::ca::keys::PrivateKey;
use crate::ops::common::OpenCa;
use crate::ops::crl::{Delivery, publish_with_key};
use crate::ops::govern::{self, Governance};
use crate::ops::seal::status_list::STATUS_LIST_FILE;
use crate::ops::secrets::Passphrase;
use crate::store::files;

/// The most bytes of a seal status list the server reads from the home.
const STATUS_LIST_LIMIT: u64 = 64 * 1024 * 1024;

/// What the publisher tells the front end.
#[derive(Debug, Clone)]
pub enum Notice {
    CrlPublished {
        number: u64,
        entries: usize,
        next_update: OffsetDateTime,
    },
    CrlFailed(String),
    /// The OCSP answers were signed afresh (a revocation committed, or they aged).
    OcspRefreshed {
        serials: usize,
        next_update: Option<OffsetDateTime>,
    },
    OcspFailed(String),
}

/// The operator who answers for the server's CRLs in a governed home, key unlocked.
pub struct HeldOperator {
    cert: PathBuf,
    /// The certificate as read at start, for the standing checks of `/health`.
    cert_der: Vec<u8>,
    key: PrivateKey,
    domain: Option<String>,
}

impl HeldOperator {
    /// The operator `spec` unlocked, when `open`'s home is governed: there one is required,
    /// since every state change must be an operator's signed act. Elsewhere none is held (an
    /// ungoverned home's records name the local actor, as local runs do).
    pub fn for_home(
        open: &OpenCa,
        spec: Option<super::OperatorSpec>,
        prompt: &dyn crate::ops::Prompt,
    ) -> crate::ops::Result<Option<HeldOperator>> {
        let Some(policy) = open.meta.policy.as_deref() else {
            return Ok(None);
        };
        let Some(spec) = spec else {
            return Err(crate::ops::hinted(
                format!(
                    "this CA is governed by the policy `{policy}`: the server's CRLs are an operator's acts, and no operator was named"
                ),
                "pass --as OPERATOR_CERT --as-key OPERATOR_KEY [--domain D] (an operator the policy allows crl.publish; his key signs each CRL's audit record)",
            )
            .into());
        };
        let key = crate::ops::secrets::load_key(&spec.key, &spec.passphrase, prompt)?;
        let cert_der = crate::ops::common::read_cert(&spec.cert)?;
        Ok(Some(HeldOperator {
            cert: spec.cert,
            cert_der,
            key,
            domain: spec.domain,
        }))
    }
}

/// The CA held open and unlocked, and what it last published.
pub struct Publisher {
    open: OpenCa,
    key: PrivateKey,
    actor: String,
    operator: Option<HeldOperator>,
    period: Duration,
    data_version: i64,
    crl: Option<ServedCrl>,
    seal_status: Option<Bytes>,
    retry_at: Option<OffsetDateTime>,
    /// Publications failed in a row: the wait before the next try doubles with each.
    failures: u32,
    /// The store as the current CRL saw it.
    state: Option<StoreState>,
    /// The OCSP answers, refreshed after each poll.
    ocsp: Option<super::ocsp::Keeper>,
    /// What `/health` reports of the publisher itself.
    condition: Condition,
    /// When the operator's standing was last checked.
    operator_checked: Option<OffsetDateTime>,
}

/// How often the serving operator's standing is checked without a store change: a policy's
/// time rule or the certificate's notAfter can end it with nothing committed.
const OPERATOR_CHECK_EVERY: Duration = Duration::seconds(30);

#[derive(Debug, Clone, PartialEq, Eq)]
struct StoreState {
    revocations: Vec<u8>,
    last_crl: Option<u64>,
}

impl Publisher {
    pub fn new(open: OpenCa, key: PrivateKey, actor: String, period: Duration) -> Publisher {
        Publisher {
            open,
            key,
            actor,
            operator: None,
            period,
            data_version: 0,
            crl: None,
            seal_status: None,
            retry_at: None,
            failures: 0,
            state: None,
            ocsp: None,
            condition: Condition::default(),
            operator_checked: None,
        }
    }

    /// Keeps the OCSP answers of `keeper` fresh too.
    pub fn with_ocsp(mut self, keeper: super::ocsp::Keeper) -> Publisher {
        self.ocsp = Some(keeper);
        self
    }

    /// One OCSP poll at `now`, after the CRL's: re-signs the answers when a revocation (or any
    /// issuance) committed or they aged. `None` when nothing was due.
    pub fn tick_ocsp(&mut self, now: OffsetDateTime) -> Option<Notice> {
        let keeper = self.ocsp.as_mut()?;
        match keeper.tick(&self.open.store, now) {
            Ok(Some(r)) => Some(Notice::OcspRefreshed {
                serials: r.serials,
                next_update: r.next_update,
            }),
            Ok(None) => None,
            Err(e) => Some(Notice::OcspFailed(format!("{e:#}"))),
        }
    }

    /// In a governed home, `operator` answers for the CRLs.
    pub fn with_operator(mut self, operator: Option<HeldOperator>) -> Publisher {
        self.operator = operator;
        self
    }

    /// Who the CRL of `now` is recorded as: the local actor, or in a governed home the operator
    /// once the policy allows `crl.publish` at `now` (his key then signs the records).
    fn actor_at(&mut self, now: OffsetDateTime) -> crate::ops::Result<String> {
        let Some(op) = &self.operator else {
            return Ok(self.actor.clone());
        };
        let gov = Governance {
            now,
            domain: op.domain.clone(),
            operator_cert: Some(op.cert.clone()),
            operator_key: None,
            operator_passphrase: Passphrase::Ask {
                flag: "--as-passphrase-file",
            },
            prompt: &crate::ops::NoPrompt,
            rng: std::sync::Arc::new(crate::ops::SystemRandom),
            local_actor: self.actor.clone(),
        };
        let ask = govern::Ask::new("crl.publish", format!("ca/{}", govern::ca_name(&self.open)));
        Ok(govern::authorize(&gov, &mut self.open, &[ask], Some(&op.key))?.actor)
    }

    /// In a governed home, whether the serving operator could still publish at `now` (checked
    /// after a store change, else every [`OPERATOR_CHECK_EVERY`]); true when that changed.
    /// Nothing is recorded: a denial is audited when a publication is tried.
    fn check_operator(&mut self, now: OffsetDateTime, store_moved: bool) -> bool {
        let Some(op) = &self.operator else {
            return false;
        };
        let due = store_moved
            || self
                .operator_checked
                .is_none_or(|at| now >= at + OPERATOR_CHECK_EVERY || now < at);
        if !due {
            return false;
        }
        self.operator_checked = Some(now);
        let ask = govern::Ask::new("crl.publish", format!("ca/{}", govern::ca_name(&self.open)));
        let unable =
            govern::could_act(&self.open, &op.cert_der, op.domain.as_deref(), &[ask], now).err();
        let changed = unable != self.condition.operator_unable;
        self.condition.operator_unable = unable;
        changed
    }

    /// Signs and publishes a CRL at `now`.
    pub fn publish_crl(&mut self, now: OffsetDateTime) -> crate::ops::Result<Notice> {
        self.publish_crl_racing(now, || {})
    }

    /// [`Self::publish_crl`], with `meanwhile` run after the CRL read the store and before the
    /// server notes what it published: where another process's commit can land.
    fn publish_crl_racing(
        &mut self,
        now: OffsetDateTime,
        meanwhile: impl FnOnce(),
    ) -> crate::ops::Result<Notice> {
        let actor = self.actor_at(now)?;
        // The revocations as they stand BEFORE the CRL reads them: one committed meanwhile is in
        // the CRL or not, but it differs from this and makes the next tick publish again. (Read
        // after, it would match the store while missing from the CRL until its nextUpdate.)
        let before = self.store_state();
        let published = publish_with_key(
            &mut self.open,
            actor,
            &self.key,
            now,
            self.period,
            &Delivery::default(),
        )?;
        meanwhile();
        let notice = Notice::CrlPublished {
            number: published.number,
            entries: published.crl.entries,
            next_update: published.next_update,
        };
        self.state = match (before, self.store_state()) {
            (Some(before), Some(after)) => Some(StoreState {
                revocations: before.revocations,
                last_crl: after.last_crl,
            }),
            _ => None,
        };
        self.crl = Some(ServedCrl::new(
            published.crl.der().to_vec(),
            published.number,
            published.this_update,
            published.next_update,
        ));
        Ok(notice)
    }

    /// What the CRL is made of in the store: a digest of the revocations, and the number of
    /// the last CRL published (by anyone: a CRL published by another process must be superseded
    /// by the server's next, or the server would serve an older one than the home's).
    fn store_state(&self) -> Option<StoreState> {
        let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
        self.open
            .store
            .for_each_revoked(|e| {
                let line = format!(
                    "{}|{}|{:?}|{:?}\n",
                    e.serial,
                    e.revoked_at.unix_timestamp(),
                    e.reason,
                    e.invalidity.map(OffsetDateTime::unix_timestamp)
                );
                digest.update(line.as_bytes());
            })
            .ok()?;
        let last_crl = self.open.store.last_crl().ok()?.map(|(n, _, _)| n);
        Some(StoreState {
            revocations: digest.finish().as_ref().to_vec(),
            last_crl,
        })
    }

    /// The publication as it stands (`None` before the first CRL).
    pub fn snapshot(&self) -> Option<Snapshot> {
        let crl = self.crl.clone()?;
        let meta = &self.open.meta;
        let ca_pem = pem_lf(&pem::Pem::new("CERTIFICATE", meta.cert_der.clone()));
        let chain_pem: String = self
            .open
            .chain()
            .into_iter()
            .map(|der| pem_lf(&pem::Pem::new("CERTIFICATE", der)))
            .collect();
        Some(Snapshot {
            ca_subject: self.open.subject(),
            ca_der: Bytes::from(meta.cert_der.clone()),
            ca_pem: Bytes::from(ca_pem),
            chain_pem: Bytes::from(chain_pem),
            crl,
            seal_status: self.seal_status.clone(),
            condition: self.condition.clone(),
        })
    }

    /// Notes the store's data version and reads the seal status list: the state the first
    /// snapshot shows.
    pub fn prime(&mut self) -> crate::ops::Result<()> {
        self.data_version = self
            .open
            .store
            .data_version()
            .map_err(anyhow::Error::from)?;
        self.seal_status = self.read_seal_status();
        Ok(())
    }

    fn read_seal_status(&self) -> Option<Bytes> {
        let path: PathBuf = self.open.store.home().join(STATUS_LIST_FILE);
        files::read_limited(&path, STATUS_LIST_LIMIT)
            .ok()
            .map(Bytes::from)
    }

    /// One poll at `now`: a new CRL when another process committed to the store or the current
    /// CRL nears its nextUpdate, the seal status list re-read. Returns what changed, if any.
    pub fn tick(&mut self, now: OffsetDateTime) -> (bool, Option<Notice>) {
        let mut changed = false;
        let seal_status = self.read_seal_status();
        if seal_status != self.seal_status {
            self.seal_status = seal_status;
            changed = true;
        }
        let version = self.open.store.data_version().ok();
        let mut store_moved = version.is_some_and(|v| v != self.data_version);
        changed |= self.check_operator(now, store_moved);
        if store_moved {
            // Most commits (issuance, audit records) leave the CRL's content as it was.
            let state = self.store_state();
            if state.is_some() && state == self.state {
                store_moved = false;
                if let Some(v) = version {
                    self.data_version = v;
                }
            }
        }
        let lapsing = self.crl.as_ref().is_none_or(|c| {
            // Refresh with half the period, at most a day, still to run.
            let margin = std::cmp::min(self.period / 2, Duration::days(1));
            now >= c.next_update - margin
        });
        let waiting = self.retry_at.is_some_and(|at| now < at);
        if !(store_moved || lapsing) || waiting {
            return (changed, None);
        }
        match self.publish_crl(now) {
            Ok(notice) => {
                if let Some(v) = version {
                    self.data_version = v;
                }
                self.retry_at = None;
                self.failures = 0;
                self.condition.crl_failed = None;
                (true, Some(notice))
            }
            Err(e) => {
                let retry_at = now + retry_delay(self.failures);
                self.retry_at = Some(retry_at);
                self.failures = self.failures.saturating_add(1);
                self.condition.crl_failed = Some(CrlFailure {
                    error: e.message(),
                    at: now,
                    retry_at,
                });
                (true, Some(Notice::CrlFailed(e.message())))
            }
        }
    }
}

/// The wait after `failures` failed publications in a row: 10 s, doubling, at most 10 minutes.
/// A failure that repeats (a governed home's operator denied at night, revoked, a full disk)
/// then writes a few records an hour to the audit log, not one every ten seconds.
fn retry_delay(failures: u32) -> Duration {
    let max = Duration::minutes(10);
    let seconds = 10i64.saturating_mul(1i64 << failures.min(16));
    std::cmp::min(Duration::seconds(seconds), max)
}

/// Polls every `interval` until `stop`, publishing each change into `shared`.
pub fn run(
    mut publisher: Publisher,
    shared: &Shared,
    interval: std::time::Duration,
    stop: Arc<AtomicBool>,
    notify: Arc<dyn Fn(Notice) + Send + Sync>,
) {
    let slice = std::time::Duration::from_millis(50);
    loop {
        let mut waited = std::time::Duration::ZERO;
        while waited < interval {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(slice);
            waited += slice;
        }
        let (changed, notice) = publisher.tick(shared.clock.now());
        if changed && let Some(snapshot) = publisher.snapshot() {
            shared.publish(snapshot);
        }
        if let Some(n) = notice {
            notify(n);
        }
        if let Some(n) = publisher.tick_ocsp(shared.clock.now()) {
            notify(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU8;

    use time::macros::datetime;

    use super::*;
    use crate::ca::crl::Reason;
    use crate::ops::NoPrompt;
    use crate::ops::issue::tests::{Counter, issue_person, root_home};
    use crate::ops::secrets::Passphrase;

    const NOW: OffsetDateTime = datetime!(2026-05-04 10:00 UTC);

    fn publisher(home: &std::path::Path, period: Duration) -> Publisher {
        let open = OpenCa::open(home).unwrap();
        let key = open
            .unlock(&Passphrase::Ask { flag: "--x" }, &NoPrompt)
            .unwrap();
        let mut p = Publisher::new(open, key, "local:test".into(), period);
        p.prime().unwrap();
        p
    }

    fn crl_number(p: &Publisher) -> u64 {
        p.snapshot().unwrap().crl.number
    }

    #[test]
    fn nothing_changed_means_no_new_crl() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut p = publisher(dir.path(), Duration::days(7));
        assert!(p.snapshot().is_none());
        p.publish_crl(NOW).unwrap();
        assert_eq!(crl_number(&p), 1);
        let (changed, notice) = p.tick(NOW + Duration::seconds(1));
        assert!(!changed);
        assert!(notice.is_none());
        assert_eq!(crl_number(&p), 1);
    }

    #[test]
    fn a_revocation_committed_elsewhere_is_in_the_next_crl() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut p = publisher(dir.path(), Duration::days(7));
        p.publish_crl(NOW).unwrap();
        // Another process: its own connection to the store.
        let mut other = OpenCa::open(dir.path()).unwrap();
        let serial = issue_person(&mut other, &Counter(AtomicU8::new(0)), NOW);
        let req = crate::ops::revoke::Request::new(vec![serial], Reason::KeyCompromise, None, NOW)
            .unwrap();
        crate::ops::revoke::revoke(&mut other, &req, "local:test", NOW).unwrap();
        let (changed, notice) = p.tick(NOW + Duration::seconds(1));
        assert!(changed);
        assert!(
            matches!(
                notice,
                Some(Notice::CrlPublished {
                    number: 2,
                    entries: 1,
                    ..
                })
            ),
            "{notice:?}"
        );
        assert_eq!(crl_number(&p), 2);
        // Its own commit does not wake it again.
        let (changed, notice) = p.tick(NOW + Duration::seconds(2));
        assert!(!changed && notice.is_none(), "{notice:?}");
    }

    #[test]
    fn failed_publications_back_off_to_ten_minutes_and_a_success_resets() {
        assert_eq!(retry_delay(0), Duration::seconds(10));
        assert_eq!(retry_delay(1), Duration::seconds(20));
        assert_eq!(retry_delay(5), Duration::seconds(320));
        assert_eq!(retry_delay(6), Duration::minutes(10));
        assert_eq!(retry_delay(u32::MAX), Duration::minutes(10));

        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut p = publisher(dir.path(), Duration::days(7));
        p.publish_crl(NOW).unwrap();
        // The home's CRL cannot be written (a directory stands in its place): every try fails.
        let crl = dir.path().join(crate::store::CRL_FILE);
        std::fs::remove_file(&crl).unwrap();
        std::fs::create_dir(&crl).unwrap();
        let mut other = OpenCa::open(dir.path()).unwrap();
        let serial = issue_person(&mut other, &Counter(AtomicU8::new(0)), NOW);
        let req = crate::ops::revoke::Request::new(vec![serial], Reason::KeyCompromise, None, NOW)
            .unwrap();
        crate::ops::revoke::revoke(&mut other, &req, "local:test", NOW).unwrap();
        let failed = |n: Option<Notice>| matches!(n, Some(Notice::CrlFailed(_)));
        let mut tries = Vec::new();
        for s in 1..=80 {
            let (_, notice) = p.tick(NOW + Duration::seconds(s));
            if failed(notice) {
                tries.push(s);
            }
        }
        // 10 s, then 20 s, then 40 s after each failure.
        assert_eq!(tries, vec![1, 11, 31, 71]);
        // `/health` sees the last failure, its error and the next try.
        let failure = p.snapshot().unwrap().condition.crl_failed.unwrap();
        assert_eq!(failure.at, NOW + Duration::seconds(71));
        assert_eq!(failure.retry_at, NOW + Duration::seconds(151));
        assert!(!failure.error.is_empty());
        std::fs::remove_dir(&crl).unwrap();
        let (_, notice) = p.tick(NOW + Duration::seconds(160));
        assert!(
            matches!(notice, Some(Notice::CrlPublished { .. })),
            "{notice:?}"
        );
        assert_eq!(p.failures, 0);
        assert_eq!(p.snapshot().unwrap().condition.crl_failed, None);
    }

    /// A revocation committed while the server publishes, after the CRL read the store, is in
    /// the next CRL at the next tick. (The server used to note the store's state after
    /// publishing: that state already held the revocation the CRL lacked, so nothing was
    /// published again until the CRL's nextUpdate, days later.)
    #[test]
    fn a_revocation_committed_during_a_publication_is_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut p = publisher(dir.path(), Duration::days(7));
        p.publish_crl(NOW).unwrap();
        let mut other = OpenCa::open(dir.path()).unwrap();
        let serial = issue_person(&mut other, &Counter(AtomicU8::new(0)), NOW);
        let at = NOW + Duration::seconds(1);
        p.publish_crl_racing(at, || {
            let req =
                crate::ops::revoke::Request::new(vec![serial], Reason::KeyCompromise, None, NOW)
                    .unwrap();
            crate::ops::revoke::revoke(&mut other, &req, "local:test", NOW).unwrap();
        })
        .unwrap();
        assert_eq!(crl_number(&p), 2);
        let (changed, notice) = p.tick(at + Duration::seconds(1));
        assert!(changed, "{notice:?}");
        assert!(
            matches!(notice, Some(Notice::CrlPublished { entries: 1, .. })),
            "{notice:?}"
        );
    }

    #[test]
    fn an_issuance_elsewhere_leaves_the_crl_as_it_is_and_a_crl_published_elsewhere_is_superseded() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut p = publisher(dir.path(), Duration::days(7));
        p.publish_crl(NOW).unwrap();
        let mut other = OpenCa::open(dir.path()).unwrap();
        issue_person(&mut other, &Counter(AtomicU8::new(0)), NOW);
        let (changed, notice) = p.tick(NOW + Duration::seconds(1));
        assert!(!changed && notice.is_none(), "{notice:?}");
        assert_eq!(crl_number(&p), 1);
        // `crl generate` in another process publishes #2: the server's next is #3.
        crate::ops::crl::publish(
            &mut other,
            "local:test".into(),
            &Passphrase::Ask { flag: "--x" },
            &NoPrompt,
            NOW,
            Duration::days(7),
            &Delivery::default(),
        )
        .unwrap();
        let (changed, _) = p.tick(NOW + Duration::seconds(2));
        assert!(changed);
        assert_eq!(crl_number(&p), 3);
    }

    #[test]
    fn a_crl_is_renewed_before_its_next_update() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut p = publisher(dir.path(), Duration::hours(2));
        p.publish_crl(NOW).unwrap();
        // Half the period still to run: not yet.
        assert!(p.tick(NOW + Duration::minutes(59)).1.is_none());
        let (changed, notice) = p.tick(NOW + Duration::minutes(61));
        assert!(changed, "{notice:?}");
        let crl = p.snapshot().unwrap().crl;
        assert_eq!(crl.number, 2);
        assert_eq!(
            crl.next_update,
            NOW + Duration::minutes(61) + Duration::hours(2)
        );
    }

    #[test]
    fn a_seal_status_list_written_in_the_home_is_picked_up() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut p = publisher(dir.path(), Duration::days(7));
        p.publish_crl(NOW).unwrap();
        assert!(p.snapshot().unwrap().seal_status.is_none());
        std::fs::write(dir.path().join(STATUS_LIST_FILE), b"\x30\x00").unwrap();
        let (changed, _) = p.tick(NOW);
        assert!(changed);
        assert_eq!(
            p.snapshot().unwrap().seal_status.as_deref(),
            Some(&b"\x30\x00"[..])
        );
    }
}
