//! Renewals in the store: which certificate renews which. A table of its own (`renewals`, new
//! serial -> old serial), made by the first renewal of a home: homes made before renewals
//! existed need no other migration, and the `certs` rows (and the audit records that bind them)
//! stay as they were. A renewal commits the new certificate, its `cert.issue` record, the link
//! and a `cert.renew` record naming the old serial in one transaction.

use std::path::PathBuf;

use rusqlite::OptionalExtension;
use time::OffsetDateTime;

use super::certs::{insert_issued, recorded};
use super::{CertRecord, Recorded, Result, Store, StoreError};
use crate::audit::Event;
use crate::ca::serial::Serial;

/// The migration: creates the table where it is missing (idempotent).
const RENEWALS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS renewals (
    serial TEXT PRIMARY KEY REFERENCES certs (serial),
    renews TEXT NOT NULL REFERENCES certs (serial)
);
CREATE INDEX IF NOT EXISTS renewals_by_old ON renewals (renews);
";

/// How a certificate is linked to others by renewal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// The serial this certificate renews.
    pub renews: Option<String>,
    /// The serials that renew this certificate, oldest first.
    pub renewed_by: Vec<String>,
}

fn db(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| StoreError::Db {
        path: PathBuf::new(),
        what,
        source,
    }
}

impl Store {
    /// Records `cert` as the renewal of `old`: refused when `old` is unknown or revoked (a
    /// certificate on hold included), all in one transaction.
    pub fn record_renewal(
        &mut self,
        cert: &CertRecord,
        old: &Serial,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let time = crate::ca::when::rfc3339(now);
        self.write_tx("recording a renewal", |tx| {
            tx.execute_batch(RENEWALS_SCHEMA)
                .map_err(db("creating the renewals table"))?;
            let old_hex = old.to_hex();
            let status: Option<String> = tx
                .query_row(
                    "SELECT status FROM certs WHERE serial = ?1",
                    [&old_hex],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("reading a certificate"))?;
            match status.map(|s| recorded(&s)).transpose()? {
                None => return Err(StoreError::UnknownSerial(old_hex)),
                Some(Recorded::Valid) => {}
                Some(_) => {
                    let reason: i64 = tx
                        .query_row(
                            "SELECT reason FROM revocations WHERE serial = ?1",
                            [&old_hex],
                            |r| r.get(0),
                        )
                        .map_err(db("reading a revocation"))?;
                    return Err(StoreError::AlreadyRevoked {
                        serial: old_hex,
                        reason: super::reason::from_sql(reason)?,
                    });
                }
            }
            let mut events = insert_issued(tx, std::slice::from_ref(cert), actor, &time)?;
            tx.execute(
                "INSERT INTO renewals (serial, renews) VALUES (?1, ?2)",
                [cert.serial.to_hex(), old_hex.clone()],
            )
            .map_err(db("recording a renewal"))?;
            events.push(Event {
                time: time.clone(),
                actor: actor.to_string(),
                action: "cert.renew".into(),
                object: format!("{} renews {}", cert.serial.to_hex(), old_hex),
                outcome: "ok".into(),
            });
            Ok(((), events))
        })
    }

    /// The renewal links of `serial` (none in a home that never renewed).
    pub fn renewal_links(&self, serial: &str) -> Result<Links> {
        let exists: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'renewals'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.db_err("reading renewals"))?;
        if exists.is_none() {
            return Ok(Links::default());
        }
        let renews = self
            .conn
            .query_row(
                "SELECT renews FROM renewals WHERE serial = ?1",
                [serial],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.db_err("reading renewals"))?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT r.serial FROM renewals r JOIN certs c ON c.serial = r.serial
                 WHERE r.renews = ?1 ORDER BY c.issued_at, r.serial",
            )
            .map_err(self.db_err("reading renewals"))?;
        let renewed_by = stmt
            .query_map([serial], |r| r.get(0))
            .map_err(self.db_err("reading renewals"))?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(self.db_err("reading renewals"))?;
        Ok(Links { renews, renewed_by })
    }
}
