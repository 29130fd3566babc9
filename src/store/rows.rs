//! Reads every row of the tables the audit log binds (certificates, revocations, CRLs, seals),
//! hashed as [`crate::audit::binding`] hashes them when they are written, for `audit verify`.
//! Reads the columns by name, so that the hash covers exactly what the writers bound.

use rusqlite::types::ValueRef;

use super::{Store, StoreError};
use crate::audit::binding::{self, CertRowState, Field, SealRowState, StoreRows};

fn field(v: ValueRef<'_>) -> Result<Field<'_>, String> {
    Ok(match v {
        ValueRef::Null => Field::Null,
        ValueRef::Integer(i) => Field::Int(i),
        ValueRef::Text(t) => {
            Field::Text(std::str::from_utf8(t).map_err(|_| "text that is not UTF-8".to_string())?)
        }
        ValueRef::Blob(b) => Field::Blob(b),
        ValueRef::Real(_) => return Err("a real number where none belongs".into()),
    })
}

impl Store {
    /// Every row of the bound tables, hashed.
    pub fn bound_rows(&self) -> Result<StoreRows, StoreError> {
        let err = self.db_err("reading the store's rows");
        let damaged = |table: &str, why: String| {
            StoreError::Damaged(format!("a row of `{table}` cannot be read: {why}"))
        };
        let mut out = StoreRows::default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT c.serial, c.subject, c.department, c.profile, c.not_before, c.not_after,
                        c.issued_at, c.der, c.status, r.serial, r.revoked_at, r.reason, r.invalidity
                 FROM certs c LEFT JOIN revocations r ON r.serial = c.serial",
            )
            .map_err(self.db_err("reading the store's rows"))?;
        let mut rows = stmt
            .query([])
            .map_err(self.db_err("reading the store's rows"))?;
        while let Some(row) = rows
            .next()
            .map_err(self.db_err("reading the store's rows"))?
        {
            let mut cols = Vec::with_capacity(13);
            for i in 0..13 {
                cols.push(
                    row.get_ref(i)
                        .map_err(self.db_err("reading the store's rows"))?,
                );
            }
            let fields: Vec<Field<'_>> = cols
                .iter()
                .map(|v| field(*v))
                .collect::<Result<_, _>>()
                .map_err(|e| damaged("certs", e))?;
            let serial = match fields[0] {
                Field::Text(s) => s.to_string(),
                _ => return Err(damaged("certs", "a serial that is not text".into())),
            };
            let status = match fields[8] {
                Field::Text(s) => s.to_string(),
                _ => String::new(),
            };
            let revocation = (fields[9] != Field::Null)
                .then(|| binding::row_hash("revocations", &fields[9..13]));
            out.certs.push(CertRowState {
                row: binding::row_hash("certs", &fields[0..8]),
                serial,
                status,
                revocation,
            });
        }
        drop(rows);
        drop(stmt);

        let mut stmt = self
            .conn
            .prepare(
                "SELECT serial FROM revocations WHERE serial NOT IN (SELECT serial FROM certs)",
            )
            .map_err(self.db_err("reading the store's rows"))?;
        out.orphan_revocations = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.db_err("reading the store's rows"))?
            .collect::<Result<_, _>>()
            .map_err(self.db_err("reading the store's rows"))?;
        drop(stmt);

        let mut stmt = self
            .conn
            .prepare("SELECT number, this_update, next_update, entries, sha256 FROM crls")
            .map_err(self.db_err("reading the store's rows"))?;
        let mut rows = stmt
            .query([])
            .map_err(self.db_err("reading the store's rows"))?;
        while let Some(row) = rows
            .next()
            .map_err(self.db_err("reading the store's rows"))?
        {
            let mut fields = Vec::with_capacity(5);
            for i in 0..5 {
                let v = row
                    .get_ref(i)
                    .map_err(self.db_err("reading the store's rows"))?;
                fields.push(field(v).map_err(|e| damaged("crls", e))?);
            }
            let Field::Int(number) = fields[0] else {
                return Err(damaged(
                    "crls",
                    "a CRL number that is not an integer".into(),
                ));
            };
            out.crls.push((number, binding::row_hash("crls", &fields)));
        }
        drop(rows);
        drop(stmt);

        let mut stmt = self
            .conn
            .prepare(
                "SELECT es_id, name, seal_type, department, valid_from, valid_until, created_at,
                        der, es_id, revoked_at, reason
                 FROM seals",
            )
            .map_err(err)?;
        let mut rows = stmt
            .query([])
            .map_err(self.db_err("reading the store's rows"))?;
        while let Some(row) = rows
            .next()
            .map_err(self.db_err("reading the store's rows"))?
        {
            let mut fields = Vec::with_capacity(11);
            for i in 0..11 {
                let v = row
                    .get_ref(i)
                    .map_err(self.db_err("reading the store's rows"))?;
                fields.push(field(v).map_err(|e| damaged("seals", e))?);
            }
            let es_id = match fields[0] {
                Field::Text(s) => s.to_string(),
                _ => return Err(damaged("seals", "an esID that is not text".into())),
            };
            // A seal is revoked when `revoked_at` is set; its reason goes with it.
            let revocation = (fields[9] != Field::Null || fields[10] != Field::Null)
                .then(|| binding::row_hash("seal revocations", &fields[8..11]));
            out.seals.push(SealRowState {
                row: binding::row_hash("seals", &fields[0..8]),
                es_id,
                revocation,
            });
        }
        Ok(out)
    }
}
