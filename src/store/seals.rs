//! The seals this home's CA made (`seal create`), their revocations (`seal revoke`), and what a
//! seal status list is built from. Each change is one immediate transaction with its audit record
//! (`seal.create`, `seal.revoke`), like every other state change of the store.
//!
//! The esID is the `seals` table's primary key, so an esID is unique per home even under
//! concurrent `seal create` runs.

use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::{Store, StoreError, from_ts, ts};
use crate::audit::Event;

/// Why a seal change was refused.
#[derive(Debug, thiserror::Error)]
pub enum SealStoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no seal with esID `{0}` was made by this CA")]
    UnknownSeal(String),
    #[error("seal `{es_id}` is already revoked (at {revoked_at})")]
    AlreadyRevoked { es_id: String, revoked_at: String },
    #[error("esID `{0}` is already taken in this home")]
    DuplicateEsId(String),
}

/// A seal to record, as `seal create` made it.
#[derive(Debug, Clone)]
pub struct SealRecord {
    pub es_id: String,
    pub name: String,
    /// The seal type's command-line name (`official`, `contract`, ...).
    pub seal_type: String,
    pub department: String,
    pub valid_from: OffsetDateTime,
    pub valid_until: OffsetDateTime,
    pub created_at: OffsetDateTime,
    /// The `.esl` (DER `SESeal`).
    pub der: Vec<u8>,
}

/// A stored seal with its revocation, if any.
#[derive(Debug, Clone)]
pub struct SealRow {
    pub record: SealRecord,
    pub revoked_at: Option<OffsetDateTime>,
    pub reason: Option<String>,
}

/// One revoked seal, for seal status and status lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedSealRow {
    pub es_id: String,
    pub revoked_at: OffsetDateTime,
    pub reason: Option<String>,
}

fn db(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    // The store fills in the database path for errors raised inside a transaction.
    move |source| StoreError::Db {
        path: PathBuf::new(),
        what,
        source,
    }
}

impl Store {
    /// Whether an esID is already taken.
    pub fn es_id_exists(&self, es_id: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = self
            .conn
            .query_row("SELECT 1 FROM seals WHERE es_id = ?1", [es_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.db_err("checking an esID"))?;
        Ok(found.is_some())
    }

    /// Every stored seal's DER by esID (`audit verify` reads the holders it binds).
    pub fn seal_ders(&self) -> Result<std::collections::HashMap<String, Vec<u8>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT es_id, der FROM seals")
            .map_err(self.db_err("reading seals"))?;
        let ders = stmt
            .query_map([], |r| {
                // A der that is not a blob (edited by hand) reads as empty: it binds no holders.
                let der = match r.get::<_, rusqlite::types::Value>(1)? {
                    rusqlite::types::Value::Blob(b) => b,
                    _ => Vec::new(),
                };
                Ok((r.get::<_, String>(0)?, der))
            })
            .map_err(self.db_err("reading seals"))?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.db_err("reading seals"))?;
        Ok(ders)
    }

    /// The esIDs of every seal this home made.
    pub fn seal_ids(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT es_id FROM seals")
            .map_err(self.db_err("listing seals"))?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.db_err("listing seals"))?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.db_err("listing seals"))?;
        Ok(ids)
    }

    /// Records a new seal and its `seal.create` audit record in one transaction. `holders` is
    /// the record's `holders=` field ([`crate::audit::binding::holders_field`] of the holder
    /// certificates asked), which `audit verify` compares with the stored seal.
    pub fn record_seal(
        &mut self,
        seal: &SealRecord,
        holders: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), SealStoreError> {
        let time = crate::ca::when::rfc3339(now);
        let inserted = self.write_tx("recording the seal", |tx| {
            let taken: Option<i64> = tx
                .query_row("SELECT 1 FROM seals WHERE es_id = ?1", [&seal.es_id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(db("checking an esID"))?;
            if taken.is_some() {
                return Ok((false, Vec::new()));
            }
            tx.execute(
                "INSERT INTO seals (es_id, name, seal_type, department, valid_from, valid_until, created_at, der)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    seal.es_id,
                    seal.name,
                    seal.seal_type,
                    seal.department,
                    ts(seal.valid_from),
                    ts(seal.valid_until),
                    ts(seal.created_at),
                    seal.der
                ],
            )
            .map_err(db("inserting the seal"))?;
            let row = super::rows::written(tx, super::rows::Bound::Seal, &seal.es_id)?;
            Ok((
                true,
                vec![Event {
                    time: time.clone(),
                    actor: actor.to_string(),
                    action: "seal.create".into(),
                    object: format!(
                        "{} {} {} {}",
                        seal.es_id, seal.seal_type, seal.department, seal.name
                    ),
                    outcome: crate::audit::binding::with_field(
                        &crate::audit::binding::with_field("ok", "holders", holders),
                        "row",
                        &row,
                    ),
                }],
            ))
        })?;
        if inserted {
            Ok(())
        } else {
            Err(SealStoreError::DuplicateEsId(seal.es_id.clone()))
        }
    }

    /// Revokes a seal at `now` and appends `seal.revoke`, in one transaction. An unknown or
    /// already revoked esID changes nothing and is an error.
    pub fn revoke_seal(
        &mut self,
        es_id: &str,
        reason: &str,
        actor: &str,
        now: OffsetDateTime,
    ) -> Result<(), SealStoreError> {
        enum Found {
            Revoked,
            Unknown,
            Already(i64),
        }
        let time = crate::ca::when::rfc3339(now);
        let found = self.write_tx("revoking the seal", |tx| {
            let current: Option<Option<i64>> = tx
                .query_row(
                    "SELECT revoked_at FROM seals WHERE es_id = ?1",
                    [es_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db("reading the seal"))?;
            match current {
                None => Ok((Found::Unknown, Vec::new())),
                Some(Some(at)) => Ok((Found::Already(at), Vec::new())),
                Some(None) => {
                    tx.execute(
                        "UPDATE seals SET revoked_at = ?2, reason = ?3 WHERE es_id = ?1",
                        params![es_id, ts(now), reason],
                    )
                    .map_err(db("revoking the seal"))?;
                    let row = super::rows::written(tx, super::rows::Bound::SealRevocation, &es_id)?;
                    Ok((
                        Found::Revoked,
                        vec![Event {
                            time: time.clone(),
                            actor: actor.to_string(),
                            action: "seal.revoke".into(),
                            object: es_id.to_string(),
                            outcome: crate::audit::binding::with_field(
                                &format!("ok {reason}"),
                                "row",
                                &row,
                            ),
                        }],
                    ))
                }
            }
        })?;
        match found {
            Found::Revoked => Ok(()),
            Found::Unknown => Err(SealStoreError::UnknownSeal(es_id.to_string())),
            Found::Already(at) => Err(SealStoreError::AlreadyRevoked {
                es_id: es_id.to_string(),
                revoked_at: crate::ca::when::rfc3339(from_ts(at)),
            }),
        }
    }

    /// One seal by esID.
    pub fn seal(&self, es_id: &str) -> Result<Option<SealRow>, StoreError> {
        self.conn
            .query_row(
                "SELECT es_id, name, seal_type, department, valid_from, valid_until, created_at, der, revoked_at, reason
                 FROM seals WHERE es_id = ?1",
                [es_id],
                |r| {
                    Ok(SealRow {
                        record: SealRecord {
                            es_id: r.get(0)?,
                            name: r.get(1)?,
                            seal_type: r.get(2)?,
                            department: r.get(3)?,
                            valid_from: from_ts(r.get(4)?),
                            valid_until: from_ts(r.get(5)?),
                            created_at: from_ts(r.get(6)?),
                            der: r.get(7)?,
                        },
                        revoked_at: r.get::<_, Option<i64>>(8)?.map(from_ts),
                        reason: r.get(9)?,
                    })
                },
            )
            .optional()
            .map_err(self.db_err("reading a seal"))
    }

    /// Every revoked seal, oldest revocation first.
    pub fn revoked_seals(&self) -> Result<Vec<RevokedSealRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT es_id, revoked_at, reason FROM seals WHERE revoked_at IS NOT NULL
                 ORDER BY revoked_at, es_id",
            )
            .map_err(self.db_err("reading seal revocations"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RevokedSealRow {
                    es_id: r.get(0)?,
                    revoked_at: from_ts(r.get(1)?),
                    reason: r.get(2)?,
                })
            })
            .map_err(self.db_err("reading seal revocations"))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(self.db_err("reading seal revocations"))?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(es_id: &str) -> SealRecord {
        let t = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        SealRecord {
            es_id: es_id.into(),
            name: "连云港市人民政府办公室".into(),
            seal_type: "official".into(),
            department: "办公室".into(),
            valid_from: t,
            valid_until: t + time::Duration::days(365),
            created_at: t,
            der: vec![0x30, 0x00],
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let store = Store::create(&home).unwrap();
        (dir, store)
    }

    #[test]
    fn record_revoke_and_list() {
        let (_dir, mut s) = store();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_100).unwrap();
        s.record_seal(&record("a1"), "aa", "test", now).unwrap();
        assert!(s.es_id_exists("a1").unwrap());
        assert!(matches!(
            s.record_seal(&record("a1"), "aa", "test", now),
            Err(SealStoreError::DuplicateEsId(_))
        ));
        assert!(s.revoked_seals().unwrap().is_empty());
        s.revoke_seal("a1", "lost", "test", now).unwrap();
        assert!(matches!(
            s.revoke_seal("a1", "lost", "test", now),
            Err(SealStoreError::AlreadyRevoked { .. })
        ));
        assert!(matches!(
            s.revoke_seal("zz", "lost", "test", now),
            Err(SealStoreError::UnknownSeal(_))
        ));
        let revoked = s.revoked_seals().unwrap();
        assert_eq!(
            revoked,
            vec![RevokedSealRow {
                es_id: "a1".into(),
                revoked_at: now,
                reason: Some("lost".into())
            }]
        );
        let row = s.seal("a1").unwrap().unwrap();
        assert_eq!(row.revoked_at, Some(now));
        assert_eq!(row.record.department, "办公室");
        let actions: Vec<String> = s
            .audit_records(None)
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        assert_eq!(actions, vec!["seal.create", "seal.revoke"]);
    }
}
