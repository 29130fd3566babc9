//! Issued certificates in the store: recording them, revoking and releasing them, and reading
//! them back with their status. Each change is one transaction with its audit records.

use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::{
    CertRecord, CertRow, CertStatus, ListFilter, Recorded, Result, Revocation, Store, StoreError,
    from_ts, rows, ts,
};
use crate::audit::{self, Event};
use crate::ca::crl::Reason;
use crate::ca::serial::Serial;

impl Store {
    /// Records issued certificates and their audit records in one transaction. A duplicate
    /// serial fails the whole transaction (the primary key guarantees uniqueness).
    pub fn record_issued(
        &mut self,
        certs: &[CertRecord],
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let time = crate::ca::when::rfc3339(now);
        self.write_tx("recording issued certificates", |tx| {
            Ok(((), insert_issued(tx, certs, actor, &time)?))
        })
    }

    /// Revokes certificates, all or none: an unknown or already revoked serial fails the whole
    /// request. A certificate on hold may be revoked for good; its revocation keeps the date of
    /// the hold.
    pub fn revoke(&mut self, revs: &[Revocation], actor: &str, now: OffsetDateTime) -> Result<()> {
        let time = crate::ca::when::rfc3339(now);
        self.write_tx("recording revocations", |tx| {
            let dberr = |what| {
                move |source| StoreError::Db {
                    path: PathBuf::new(),
                    what,
                    source,
                }
            };
            let mut events = Vec::with_capacity(revs.len());
            let mut check = tx
                .prepare_cached("SELECT status FROM certs WHERE serial = ?1")
                .map_err(dberr("preparing"))?;
            let mut reason_of = tx
                .prepare_cached("SELECT reason FROM revocations WHERE serial = ?1")
                .map_err(dberr("preparing"))?;
            let mut held_since = tx
                .prepare_cached("SELECT revoked_at FROM revocations WHERE serial = ?1")
                .map_err(dberr("preparing"))?;
            let mut upd = tx
                .prepare_cached("UPDATE certs SET status = ?2 WHERE serial = ?1")
                .map_err(dberr("preparing"))?;
            let mut ins = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO revocations (serial, revoked_at, reason, invalidity) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(dberr("preparing"))?;
            for r in revs {
                let hexs = r.serial.to_hex();
                let status: Option<String> = check
                    .query_row([&hexs], |row| row.get(0))
                    .optional()
                    .map_err(dberr("reading a certificate"))?;
                let status = status.map(|s| recorded(&s)).transpose()?;
                match status {
                    None => return Err(StoreError::UnknownSerial(hexs)),
                    Some(Recorded::Revoked) => {
                        let code: i64 = reason_of
                            .query_row([&hexs], |row| row.get(0))
                            .map_err(dberr("reading a revocation"))?;
                        return Err(StoreError::AlreadyRevoked {
                            serial: hexs,
                            reason: super::reason::from_sql(code)?,
                        });
                    }
                    Some(Recorded::Hold) if r.reason == Reason::CertificateHold => {
                        return Err(StoreError::AlreadyRevoked {
                            serial: hexs,
                            reason: Reason::CertificateHold,
                        });
                    }
                    _ => {}
                }
                // RFC 5280 §5.3.1: a hold that becomes a revocation keeps the hold's date (the
                // certificate was not to be relied on since then); only a release undoes a hold.
                let revoked_at = if status == Some(Recorded::Hold) {
                    held_since
                        .query_row([&hexs], |row| row.get::<_, i64>(0))
                        .optional()
                        .map_err(dberr("reading a revocation"))?
                        .unwrap_or(ts(now))
                } else {
                    ts(now)
                };
                let new_status = if r.reason == Reason::CertificateHold {
                    Recorded::Hold
                } else {
                    Recorded::Revoked
                };
                upd.execute(params![hexs, new_status.sql()]).map_err(dberr("updating"))?;
                ins.execute(params![hexs, revoked_at, super::reason::sql(r.reason), r.invalidity.map(ts)])
                    .map_err(dberr("recording a revocation"))?;
                let row = rows::written(tx, rows::Bound::Revocation, &hexs)?;
                events.push(Event {
                    time: time.clone(),
                    actor: actor.to_string(),
                    action: "cert.revoke".into(),
                    object: hexs,
                    outcome: audit::binding::with_field(
                        &format!("ok {}", r.reason.name()),
                        "row",
                        &row,
                    ),
                });
            }
            Ok(((), events))
        })
    }

    /// Releases certificates from hold (they become valid again and leave the next CRL).
    pub fn release_hold(
        &mut self,
        serials: &[Serial],
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<()> {
        let time = crate::ca::when::rfc3339(now);
        self.write_tx("releasing holds", |tx| {
            let dberr = |what| {
                move |source| StoreError::Db {
                    path: PathBuf::new(),
                    what,
                    source,
                }
            };
            let mut events = Vec::new();
            for s in serials {
                let hexs = s.to_hex();
                let status: Option<String> = tx
                    .query_row("SELECT status FROM certs WHERE serial = ?1", [&hexs], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(dberr("reading"))?;
                match status.map(|s| recorded(&s)).transpose()? {
                    None => return Err(StoreError::UnknownSerial(hexs)),
                    Some(Recorded::Hold) => {}
                    Some(_) => return Err(StoreError::NotOnHold(hexs)),
                }
                tx.execute(
                    "UPDATE certs SET status = ?2 WHERE serial = ?1",
                    params![hexs, Recorded::Valid.sql()],
                )
                .map_err(dberr("updating"))?;
                tx.execute("DELETE FROM revocations WHERE serial = ?1", [&hexs])
                    .map_err(dberr("updating"))?;
                events.push(Event {
                    time: time.clone(),
                    actor: actor.to_string(),
                    action: "cert.release".into(),
                    object: hexs,
                    outcome: "ok".into(),
                });
            }
            Ok(((), events))
        })
    }

    fn row_from(r: &rusqlite::Row<'_>, now: OffsetDateTime) -> rusqlite::Result<CertRow> {
        let not_after = from_ts(r.get(5)?);
        let stored: String = r.get(6)?;
        let status = Recorded::from_sql(&stored)
            .ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    6,
                    rusqlite::types::Type::Text,
                    format!("unknown certificate status `{stored}`").into(),
                )
            })?
            .at(not_after, now);
        let revoked_at: Option<i64> = r.get(8)?;
        let reason: Option<i64> = r.get(9)?;
        Ok(CertRow {
            serial: r.get(0)?,
            subject: r.get(1)?,
            department: r.get(2)?,
            profile: r.get(3)?,
            not_before: crate::ca::when::rfc3339(from_ts(r.get(4)?)),
            not_after: crate::ca::when::rfc3339(not_after),
            status,
            der: r.get(7)?,
            revoked_at: revoked_at.map(|t| crate::ca::when::rfc3339(from_ts(t))),
            reason: reason
                .map(|code| super::reason::from_sql_row(code, 9))
                .transpose()?,
        })
    }

    const ROW_SELECT: &'static str = "SELECT c.serial, c.subject, c.department, c.profile, c.not_before, c.not_after, c.status, c.der, r.revoked_at, r.reason FROM certs c LEFT JOIN revocations r ON r.serial = c.serial";

    /// One certificate by serial.
    pub fn get(&self, serial: &Serial, now: OffsetDateTime) -> Result<Option<CertRow>> {
        let sql = format!("{} WHERE c.serial = ?1", Self::ROW_SELECT);
        self.conn
            .query_row(&sql, [serial.to_hex()], |r| Store::row_from(r, now))
            .optional()
            .map_err(self.db_err("reading a certificate"))
    }

    /// Certificates matching a filter, oldest first.
    pub fn list(&self, filter: &ListFilter, now: OffsetDateTime) -> Result<Vec<CertRow>> {
        let sql = format!("{} ORDER BY c.issued_at, c.serial", Self::ROW_SELECT);
        let mut stmt = self.conn.prepare(&sql).map_err(self.db_err("listing"))?;
        let rows = stmt
            .query_map([], |r| Store::row_from(r, now))
            .map_err(self.db_err("listing"))?;
        let mut out = Vec::new();
        for row in rows {
            let row = row.map_err(self.db_err("listing"))?;
            if filter.status.is_some_and(|s| !row.status.listed_as(s)) {
                continue;
            }
            if filter
                .department
                .as_ref()
                .is_some_and(|d| row.department.as_ref() != Some(d))
            {
                continue;
            }
            if filter.profile.as_ref().is_some_and(|p| &row.profile != p) {
                continue;
            }
            if let Some(before) = filter.expiring_before
                && (row.status != CertStatus::Valid
                    || crate::ca::when::parse_time(&row.not_after).is_ok_and(|t| t > before))
            {
                continue;
            }
            out.push(row);
        }
        Ok(out)
    }
}

/// Reads the `certs.status` column.
pub(super) fn recorded(text: &str) -> Result<Recorded> {
    Recorded::from_sql(text)
        .ok_or_else(|| StoreError::Damaged(format!("unknown certificate status `{text}`")))
}

/// Inserts issued certificates inside a transaction and returns their `cert.issue` records.
pub(super) fn insert_issued(
    tx: &rusqlite::Transaction<'_>,
    certs: &[CertRecord],
    actor: &str,
    time: &str,
) -> Result<Vec<Event>> {
    let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO certs (serial, subject, department, profile, not_before, not_after, issued_at, status, der)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?8)",
                )
                .map_err(|source| StoreError::Db {
                    path: PathBuf::new(),
                    what: "preparing",
                    source,
                })?;
    let mut events = Vec::with_capacity(certs.len());
    for c in certs {
        stmt.execute(params![
            c.serial.to_hex(),
            c.subject,
            c.department,
            c.profile,
            ts(c.not_before),
            ts(c.not_after),
            ts(c.issued_at),
            c.der,
            Recorded::Valid.sql()
        ])
        .map_err(|source| StoreError::Db {
            path: PathBuf::new(),
            what: "inserting a certificate",
            source,
        })?;
        // The record binds the row exactly as written (see `audit::binding`).
        let row = rows::written(tx, rows::Bound::Cert, &c.serial.to_hex())?;
        events.push(Event {
            time: time.to_string(),
            actor: actor.to_string(),
            action: "cert.issue".into(),
            object: format!("{} {} {}", c.serial.to_hex(), c.profile, c.subject),
            // The certified key, so `audit verify` can check the act against the key
            // an operator's request to the CA service asked to certify.
            outcome: audit::binding::with_field(
                &{
                    let base = if c.weak_passphrase_allowed {
                        "ok; passphrase=weak-allowed"
                    } else {
                        "ok"
                    };
                    audit::proof::spki_fingerprint(&c.der).map_or_else(
                        || base.to_string(),
                        |spki| audit::binding::with_field(base, "spki", &spki),
                    )
                },
                "row",
                &row,
            ),
        });
    }
    Ok(events)
}
