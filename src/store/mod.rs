//! The only module that touches disk: the CA home's SQLite database, key files and atomic writes,
//! and the compiled-policy cache ([`policy_cache`]).
//!
//! One home holds one CA. The database (`govpki.db`, WAL mode, busy timeout) keeps the CA's
//! metadata, every issued certificate, revocations, CRL numbers, seals and the audit log. Every
//! state change is one `BEGIN IMMEDIATE` transaction that also appends its audit record, so a
//! change and its record commit together or not at all, and concurrent processes serialise.

mod certs;
pub mod files;
pub mod new_home;
pub mod nonces;
pub mod pinned;
pub mod policy_cache;
mod reason;
pub mod renewals;
pub mod revocations;
pub mod rows;
pub mod seals;
pub mod status;

pub use status::{CertStatus, Recorded};

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

use crate::audit::{self, Event, Record};
use crate::ca::crl::{Reason, RevokedEntry};
use crate::ca::serial::Serial;

/// The database file name inside a home.
pub const DB_FILE: &str = "govpki.db";
/// The CA key, relative to the home.
pub const CA_KEY_FILE: &str = "private/ca.key";
/// The CA certificate, relative to the home (a copy; the database is authoritative).
pub const CA_CERT_FILE: &str = "ca.pem";
/// The CA chain (this CA first, up to the root), relative to the home.
pub const CHAIN_FILE: &str = "chain.pem";
/// The latest CRL (DER), relative to the home.
pub const CRL_FILE: &str = "crl.der";
/// Held (`flock`) by `ca init` while it makes the CA: of concurrent runs one makes it, the
/// others then find it made.
pub const INIT_LOCK_FILE: &str = "init.lock";
/// Held by `crl generate` from taking a CRL number until the CRL is published, so CRL numbers
/// and published files follow one order.
pub const CRL_LOCK_FILE: &str = "crl.lock";
/// Held (`flock`) by `govpki serve` for its whole life, with its pid inside: one server per home.
pub const SERVE_LOCK_FILE: &str = "serve.lock";

/// Store errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("`{0}` holds no CA (run `govpki ca init` first, or pass --home)")]
    NoCa(PathBuf),
    #[error("`{0}` already holds a CA")]
    AlreadyInitialized(PathBuf),
    #[error("database `{path}`: {what}: {source}")]
    Db {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error("`{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no certificate with serial `{0}` was issued by this CA")]
    UnknownSerial(String),
    #[error("certificate `{serial}` is already revoked ({reason})")]
    AlreadyRevoked { serial: String, reason: Reason },
    #[error("certificate `{0}` is not on hold")]
    NotOnHold(String),
    #[error("the store's CA metadata is damaged: {0}")]
    Damaged(String),
    #[error("signing the operator's statement: {0}")]
    Sign(String),
}

type Result<T> = std::result::Result<T, StoreError>;

/// CA metadata kept in the store.
#[derive(Debug, Clone)]
pub struct CaMeta {
    pub cert_der: Vec<u8>,
    /// Issuer chain above this CA (parent first), empty for a root.
    pub parents: Vec<Vec<u8>>,
    pub crl_url: Option<String>,
    pub ocsp_url: Option<String>,
    /// Path to a policy (file or directory) governing this CA, if any.
    pub policy: Option<String>,
    pub key_encrypted: bool,
}

/// One issued certificate, as stored.
#[derive(Debug, Clone)]
pub struct CertRecord {
    pub serial: Serial,
    pub subject: String,
    pub department: Option<String>,
    pub profile: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub issued_at: OffsetDateTime,
    pub der: Vec<u8>,
    /// The generated key was written under a passphrase that failed the strength check, kept
    /// with `--allow-weak-passphrase`: the `cert.issue` record says so.
    pub weak_passphrase_allowed: bool,
}

/// A stored certificate's row, with its status.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertRow {
    pub serial: String,
    pub subject: String,
    pub department: Option<String>,
    pub profile: String,
    pub not_before: String,
    pub not_after: String,
    /// The status at the query time.
    pub status: CertStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// Filters for `cert list`.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<CertStatus>,
    pub department: Option<String>,
    pub profile: Option<String>,
    pub expiring_before: Option<OffsetDateTime>,
}

/// A revocation to record.
#[derive(Debug, Clone)]
pub struct Revocation {
    pub serial: Serial,
    pub reason: Reason,
    pub invalidity: Option<OffsetDateTime>,
}

/// An open home.
pub struct Store {
    conn: Connection,
    home: PathBuf,
    db_path: PathBuf,
    /// Signs every state change's audit events for the operator who was allowed to make it
    /// (see [`Store::set_act_signer`]).
    signer: Option<ActSigner>,
    /// Signs the head of the log with the CA key into each `crl.publish` record (see
    /// [`Store::set_head_signer`]).
    head_signer: Option<HeadSigner>,
}

/// Given the head of the log before a CRL's transaction (record count, last hash) and the
/// record's time, returns the `head=` checkpoint value (see [`crate::audit::head`]).
pub type HeadSigner = Box<dyn FnMut(i64, &str, &str) -> std::result::Result<String, String>>;

/// Given the audit events of one state change, returns the operator's signed `authz.allow`
/// record that goes before them (see [`crate::audit::proof`]).
pub type ActSigner = Box<dyn FnMut(&[Event]) -> std::result::Result<Event, String>>;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS certs (
    serial TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    department TEXT,
    profile TEXT NOT NULL,
    not_before INTEGER NOT NULL,
    not_after INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('valid', 'revoked', 'hold')),
    der BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS certs_by_status ON certs (status, not_after);
CREATE TABLE IF NOT EXISTS revocations (
    serial TEXT PRIMARY KEY REFERENCES certs (serial),
    revoked_at INTEGER NOT NULL,
    reason INTEGER NOT NULL,
    invalidity INTEGER
);
CREATE TABLE IF NOT EXISTS crls (
    number INTEGER PRIMARY KEY,
    this_update INTEGER NOT NULL,
    next_update INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS seals (
    es_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    seal_type TEXT NOT NULL,
    department TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    der BLOB NOT NULL,
    revoked_at INTEGER,
    reason TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
";

fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn from_ts(v: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(v).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl Store {
    fn db_err(&self, what: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Db {
            path: self.db_path.clone(),
            what,
            source,
        }
    }

    fn connect(home: &Path) -> Result<Store> {
        let db_path = home.join(DB_FILE);
        let conn = Connection::open(&db_path).map_err(|source| StoreError::Db {
            path: db_path.clone(),
            what: "opening",
            source,
        })?;
        let store = Store {
            conn,
            home: home.to_path_buf(),
            db_path,
            signer: None,
            head_signer: None,
        };
        store
            .conn
            .busy_timeout(Duration::from_secs(30))
            .map_err(store.db_err("setting the busy timeout"))?;
        // WAL lets readers run beside a writer; FULL makes every commit durable on return,
        // which "committed before reported" needs.
        // Switching to WAL needs the database briefly to itself, and SQLite answers "busy" at
        // once (without the busy handler) while another process creates or recovers it: retry
        // within the same 30 s budget (two `ca init` racing on one home, tests/trust_races.rs).
        let mut tries = 0;
        loop {
            match store.conn.execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            ) {
                Ok(()) => break,
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy && tries < 600 =>
                {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(store.db_err("configuring")(e)),
            }
        }
        // Each command is a short process: checkpointing the WAL when it closes would cost
        // several fsyncs per command. SQLite's periodic auto-checkpoint does it instead.
        store
            .conn
            .set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            )
            .map_err(store.db_err("configuring"))?;
        Ok(store)
    }

    /// Opens an existing home.
    pub fn open(home: &Path) -> Result<Store> {
        if !home.join(DB_FILE).is_file() {
            return Err(StoreError::NoCa(home.to_path_buf()));
        }
        let store = Store::connect(home)?;
        let has_ca: Option<i64> = store
            .conn
            .query_row("SELECT 1 FROM meta WHERE key = 'ca_cert'", [], |r| r.get(0))
            .optional()
            .map_err(store.db_err("reading CA metadata"))?;
        if has_ca.is_none() {
            return Err(StoreError::NoCa(home.to_path_buf()));
        }
        Ok(store)
    }

    /// Creates a new, empty home (directories 0700, schema); the CA is recorded by [`Store::init_ca`].
    pub fn create(home: &Path) -> Result<Store> {
        if home.join(DB_FILE).exists()
            && let Ok(s) = Store::open(home)
        {
            drop(s);
            return Err(StoreError::AlreadyInitialized(home.to_path_buf()));
        }
        let io = |source| StoreError::Io {
            path: home.to_path_buf(),
            source,
        };
        // Directories this call did not create keep their mode (`ca init` makes them first).
        files::create_private_dir(home).map_err(io)?;
        files::create_private_dir(&home.join("private")).map_err(|source| StoreError::Io {
            path: home.join("private"),
            source,
        })?;
        let store = Store::connect(home)?;
        store
            .conn
            .execute_batch(SCHEMA)
            .map_err(store.db_err("creating the schema"))?;
        store
            .conn
            .execute_batch(nonces::NONCES_SCHEMA)
            .map_err(store.db_err("creating the schema"))?;
        Ok(store)
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// Runs `f` in one immediate transaction that also appends `events` to the audit chain.
    fn write_tx<T>(
        &mut self,
        what: &'static str,
        events: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(T, Vec<Event>)>,
    ) -> Result<T> {
        let db_path = self.db_path.clone();
        let err = move |source| StoreError::Db {
            path: db_path.clone(),
            what,
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err.clone())?;
        let home = self.home.clone();
        let db = self.db_path.clone();
        // Errors raised inside the closure do not know the paths; fill them in.
        let fix = move |e: StoreError| match e {
            StoreError::Db { path, what, source } if path.as_os_str().is_empty() => {
                StoreError::Db {
                    path: db.clone(),
                    what,
                    source,
                }
            }
            StoreError::AlreadyInitialized(p) if p.as_os_str().is_empty() => {
                StoreError::AlreadyInitialized(home.clone())
            }
            other => other,
        };
        let (value, mut evs) = events(&tx).map_err(fix)?;
        if let Some(sign_head) = self.head_signer.as_mut()
            && let Some(ev) = evs.iter_mut().find(|e| e.action == "crl.publish")
        {
            let (count, hash): (i64, String) = tx
                .query_row(
                    "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(err.clone())?
                .unwrap_or((0, audit::GENESIS.to_string()));
            let checkpoint = sign_head(count, &hash, &ev.time).map_err(StoreError::Sign)?;
            ev.outcome = audit::binding::with_field(&ev.outcome, "head", &checkpoint);
        }
        let mut all = Vec::with_capacity(evs.len() + 1);
        if !evs.is_empty()
            && let Some(sign) = self.signer.as_mut()
        {
            all.push(sign(&evs).map_err(StoreError::Sign)?);
        }
        all.extend(evs);
        append_audit(&tx, all).map_err(err.clone())?;
        tx.commit().map_err(err)?;
        self.checkpoint_if_large();
        Ok(value)
    }

    /// Copies the WAL back into the database and empties it once it passes 1 MiB. Every
    /// command is a short process and does not checkpoint on close (see [`Store::connect`]),
    /// and a process that opens the database re-reads the whole WAL to rebuild its index: the
    /// WAL must stay short. One TRUNCATE checkpoint every few hundred commits costs a few
    /// fsyncs, far less than checkpointing on every close.
    fn checkpoint_if_large(&self) {
        const LIMIT: u64 = 1024 * 1024;
        let wal = self.db_path.with_extension("db-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > LIMIT) {
            // A failed checkpoint only delays the copy; the data is already committed.
            let _ = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
    }

    /// Records a new CA (metadata and the `ca.init` audit record) in one transaction.
    pub fn init_ca(&mut self, meta: &CaMeta, event: Event) -> Result<()> {
        self.write_tx("recording the CA", |tx| {
            let already: Option<i64> = tx
                .query_row("SELECT 1 FROM meta WHERE key = 'ca_cert'", [], |r| r.get(0))
                .optional()
                .map_err(|source| StoreError::Db {
                    path: PathBuf::new(),
                    what: "checking",
                    source,
                })?;
            if already.is_some() {
                return Err(StoreError::AlreadyInitialized(PathBuf::new()));
            }
            let parents: Vec<u8> = meta
                .parents
                .iter()
                .flat_map(|d| {
                    crate::ca::input::pem_lf(&pem::Pem::new("CERTIFICATE", d.clone())).into_bytes()
                })
                .collect();
            let rows: Vec<(&str, Vec<u8>)> = vec![
                ("ca_cert", meta.cert_der.clone()),
                ("parents", parents),
                (
                    "crl_url",
                    meta.crl_url.clone().unwrap_or_default().into_bytes(),
                ),
                (
                    "ocsp_url",
                    meta.ocsp_url.clone().unwrap_or_default().into_bytes(),
                ),
                (
                    "policy",
                    meta.policy.clone().unwrap_or_default().into_bytes(),
                ),
                ("key_encrypted", vec![u8::from(meta.key_encrypted)]),
            ];
            for (k, v) in rows {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )
                .map_err(|source| StoreError::Db {
                    path: PathBuf::new(),
                    what: "writing CA metadata",
                    source,
                })?;
            }
            let event = Event {
                outcome: audit::binding::with_field(
                    &event.outcome,
                    "row",
                    &audit::binding::sha256_hex(&meta.cert_der),
                ),
                ..event
            };
            Ok(((), vec![event]))
        })
    }

    /// Sets (or clears) the policy governing this CA.
    pub fn set_policy(&mut self, policy: Option<&str>, event: Event) -> Result<()> {
        self.write_tx("setting the policy", |tx| {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('policy', ?1)",
                params![policy.unwrap_or_default().as_bytes()],
            )
            .map_err(|source| StoreError::Db {
                path: PathBuf::new(),
                what: "writing the policy setting",
                source,
            })?;
            Ok(((), vec![event]))
        })
    }

    /// Reads the CA metadata.
    pub fn ca_meta(&self) -> Result<CaMeta> {
        let get = |key: &str| -> Result<Vec<u8>> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
                    r.get::<_, Vec<u8>>(0)
                })
                .optional()
                .map_err(self.db_err("reading CA metadata"))
                .map(|v| v.unwrap_or_default())
        };
        let text = |v: Vec<u8>| -> Option<String> {
            let s = String::from_utf8(v).ok()?;
            (!s.is_empty()).then_some(s)
        };
        let cert_der = get("ca_cert")?;
        if cert_der.is_empty() {
            return Err(StoreError::NoCa(self.home.clone()));
        }
        let parents_pem = get("parents")?;
        let parents = if parents_pem.is_empty() {
            Vec::new()
        } else {
            pem::parse_many(&parents_pem)
                .map_err(|e| StoreError::Damaged(format!("parent chain: {e}")))?
                .into_iter()
                .map(|p| p.into_contents())
                .collect()
        };
        Ok(CaMeta {
            cert_der,
            parents,
            crl_url: text(get("crl_url")?),
            ocsp_url: text(get("ocsp_url")?),
            policy: text(get("policy")?),
            key_encrypted: get("key_encrypted")?.first().copied() == Some(1),
        })
    }

    /// Whether a serial is already taken.
    pub fn serial_exists(&self, serial: &Serial) -> Result<bool> {
        let found: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM certs WHERE serial = ?1",
                [serial.to_hex()],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.db_err("checking a serial"))?;
        Ok(found.is_some())
    }

    /// Number of entries the next CRL will hold.
    pub fn revoked_count(&self) -> Result<usize> {
        self.conn
            .query_row("SELECT COUNT(*) FROM revocations", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as usize)
            .map_err(self.db_err("counting revocations"))
    }

    /// Streams the serial of every certificate of the store to `f`, without loading the
    /// certificates (the OCSP responder's list of known serials).
    pub fn for_each_serial(&self, mut f: impl FnMut(Serial)) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT serial FROM certs")
            .map_err(self.db_err("reading serials"))?;
        let mut rows = stmt.query([]).map_err(self.db_err("reading serials"))?;
        while let Some(row) = rows.next().map_err(self.db_err("reading serials"))? {
            let hexs: String = row.get(0).map_err(self.db_err("reading serials"))?;
            f(hexs
                .parse()
                .map_err(|_| StoreError::Damaged(format!("bad serial `{hexs}` in certs")))?);
        }
        Ok(())
    }

    /// A marker that changes whenever a certificate is issued, revoked, held or released:
    /// (last audit sequence number, number of revocations). Every such write appends an audit
    /// record in its own transaction, on any connection (`PRAGMA data_version` would miss the
    /// writes of the connection that asks); the count also catches a release.
    pub fn revocation_marker(&self) -> Result<(i64, i64)> {
        self.conn
            .query_row(
                "SELECT (SELECT COALESCE(MAX(seq), 0) FROM audit), (SELECT COUNT(*) FROM revocations)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(self.db_err("reading the revocation marker"))
    }

    /// Streams every revoked (or held) certificate to `f`, without loading them all.
    pub fn for_each_revoked(&self, mut f: impl FnMut(RevokedEntry)) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT serial, revoked_at, reason, invalidity FROM revocations")
            .map_err(self.db_err("reading revocations"))?;
        let mut rows = stmt.query([]).map_err(self.db_err("reading revocations"))?;
        while let Some(row) = rows.next().map_err(self.db_err("reading revocations"))? {
            let hexs: String = row.get(0).map_err(self.db_err("reading revocations"))?;
            let serial: Serial = hexs
                .parse()
                .map_err(|_| StoreError::Damaged(format!("bad serial `{hexs}` in revocations")))?;
            let code: i64 = row.get(2).map_err(self.db_err("reading revocations"))?;
            let invalidity: Option<i64> = row.get(3).map_err(self.db_err("reading revocations"))?;
            f(RevokedEntry {
                serial,
                revoked_at: from_ts(row.get(1).map_err(self.db_err("reading revocations"))?),
                reason: reason::from_sql(code)?,
                invalidity: invalidity.map(from_ts),
            });
        }
        Ok(())
    }

    /// The next CRL number (one more than the last published).
    pub fn next_crl_number(&self) -> Result<u64> {
        let last: Option<i64> = self
            .conn
            .query_row("SELECT MAX(number) FROM crls", [], |r| r.get(0))
            .map_err(self.db_err("reading CRL numbers"))?;
        Ok(last.map(|n| n as u64 + 1).unwrap_or(1))
    }

    /// The last published CRL's (number, this_update, next_update), if any.
    pub fn last_crl(&self) -> Result<Option<(u64, OffsetDateTime, OffsetDateTime)>> {
        self.conn
            .query_row(
                "SELECT number, this_update, next_update FROM crls ORDER BY number DESC LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)? as u64,
                        from_ts(r.get(1)?),
                        from_ts(r.get(2)?),
                    ))
                },
            )
            .optional()
            .map_err(self.db_err("reading CRL numbers"))
    }

    /// Records a published CRL. Fails if the number was taken by a concurrent publisher.
    pub fn record_crl(
        &mut self,
        number: u64,
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
        entries: usize,
        sha256: &str,
        event: Event,
    ) -> Result<()> {
        self.write_tx("recording the CRL", |tx| {
            tx.execute(
                "INSERT INTO crls (number, this_update, next_update, entries, sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![number as i64, ts(this_update), ts(next_update), entries as i64, sha256],
            )
            .map_err(|source| StoreError::Db {
                path: PathBuf::new(),
                what: "recording the CRL",
                source,
            })?;
            let row = rows::written(tx, rows::Bound::Crl, &(number as i64))?;
            let event = Event {
                outcome: audit::binding::with_field(&event.outcome, "row", &row),
                ..event
            };
            Ok(((), vec![event]))
        })
    }

    /// From now on, every state change's audit records are preceded, in the same transaction,
    /// by the operator's signed `authz.allow` record over them: an allowed act is recorded
    /// with the operator's signature, or not at all if it never commits.
    pub fn set_act_signer(&mut self, signer: ActSigner) {
        self.signer = Some(signer);
    }

    /// Disarms the signer [`Store::set_act_signer`] armed: later state changes are not signed
    /// for that operator (a server serves many operators with one store).
    pub fn clear_act_signer(&mut self) {
        self.signer = None;
    }

    /// From now on, each `crl.publish` record carries a checkpoint of the log's head before its
    /// transaction, signed with the CA key by `signer`.
    pub fn set_head_signer(&mut self, signer: HeadSigner) {
        self.head_signer = Some(signer);
    }

    /// Appends audit events on their own (e.g. a policy denial, which changes nothing else).
    pub fn audit(&mut self, events: Vec<Event>) -> Result<()> {
        self.write_tx("appending to the audit log", |_| Ok(((), events)))
    }

    /// Every audit record, in order.
    pub fn audit_records(&self, since: Option<&str>) -> Result<Vec<Record>> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, time, actor, action, object, outcome, prev_hash, hash FROM audit ORDER BY seq")
            .map_err(self.db_err("reading the audit log"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Record {
                    seq: r.get(0)?,
                    time: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    object: r.get(4)?,
                    outcome: r.get(5)?,
                    prev_hash: r.get(6)?,
                    hash: r.get(7)?,
                })
            })
            .map_err(self.db_err("reading the audit log"))?;
        let mut out = Vec::new();
        for r in rows {
            let r = r.map_err(self.db_err("reading the audit log"))?;
            if since.is_some_and(|s| r.time.as_str() < s) {
                continue;
            }
            out.push(r);
        }
        Ok(out)
    }

    /// SQLite's own consistency check (`PRAGMA integrity_check`).
    pub fn integrity_check(&self) -> Result<String> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(self.db_err("checking integrity"))
    }

    /// SQLite's `PRAGMA data_version` on this connection: it changes when another connection
    /// (another process) commits, not on this connection's own commits. The service polls it to
    /// see revocations committed by anyone.
    pub fn data_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(self.db_err("reading the data version"))
    }

    /// Direct access for the seal and authorization modules' tables.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// Appends events to the audit chain inside an open transaction.
fn append_audit(tx: &rusqlite::Transaction<'_>, events: Vec<Event>) -> rusqlite::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut last: Option<(String, i64)> = tx
        .query_row(
            "SELECT hash, seq FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO audit (seq, time, actor, action, object, outcome, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for ev in events {
        let rec = audit::chain(last.as_ref().map(|(h, s)| (h.as_str(), *s)), ev);
        stmt.execute(params![
            rec.seq,
            rec.time,
            rec.actor,
            rec.action,
            rec.object,
            rec.outcome,
            rec.prev_hash,
            rec.hash
        ])?;
        last = Some((rec.hash, rec.seq));
    }
    Ok(())
}
