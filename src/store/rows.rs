//! The rows the audit log binds (certificates, revocations, CRLs, seals), hashed as
//! [`crate::audit::binding`] hashes them. A writer hashes the row it just wrote by reading it
//! back in its own transaction, with the same columns `audit verify` later reads: what the
//! record binds is exactly what the table holds, however the row was written.

use std::collections::HashMap;
use std::path::PathBuf;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, ToSql};

use super::{Store, StoreError};
use crate::audit::binding::{self, CertRowState, Field, SealRowState, StoreRows};

/// A bound table: its name in row hashes, its columns (the key first), its SQL table.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bound {
    Cert,
    Revocation,
    Crl,
    Seal,
    SealRevocation,
}

impl Bound {
    fn tag(self) -> &'static str {
        match self {
            Bound::Cert => "certs",
            Bound::Revocation => "revocations",
            Bound::Crl => "crls",
            Bound::Seal => "seals",
            Bound::SealRevocation => "seal revocations",
        }
    }

    fn select(self) -> &'static str {
        match self {
            Bound::Cert => {
                "SELECT serial, subject, department, profile, not_before, not_after, issued_at, der FROM certs"
            }
            Bound::Revocation => "SELECT serial, revoked_at, reason, invalidity FROM revocations",
            Bound::Crl => "SELECT number, this_update, next_update, entries, sha256 FROM crls",
            Bound::Seal => {
                "SELECT es_id, name, seal_type, department, valid_from, valid_until, created_at, der FROM seals"
            }
            // A seal is revoked when either column is set.
            Bound::SealRevocation => {
                "SELECT es_id, revoked_at, reason FROM seals WHERE (revoked_at IS NOT NULL OR reason IS NOT NULL)"
            }
        }
    }

    fn columns(self) -> usize {
        match self {
            Bound::Cert | Bound::Seal => 8,
            Bound::Revocation => 4,
            Bound::Crl => 5,
            Bound::SealRevocation => 3,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Bound::Cert | Bound::Revocation => "serial",
            Bound::Crl => "number",
            Bound::Seal | Bound::SealRevocation => "es_id",
        }
    }
}

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

fn damaged(table: Bound, why: String) -> StoreError {
    StoreError::Damaged(format!("a row of `{}` cannot be read: {why}", table.tag()))
}

fn db(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    // The store fills in the database path for errors raised inside a transaction.
    move |source| StoreError::Db {
        path: PathBuf::new(),
        what,
        source,
    }
}

/// The key (as text) and hash of one row.
fn hash_row(table: Bound, row: &rusqlite::Row<'_>) -> Result<(String, String), StoreError> {
    let mut fields = Vec::with_capacity(table.columns());
    for i in 0..table.columns() {
        let v = row.get_ref(i).map_err(db("reading a bound row"))?;
        fields.push(field(v).map_err(|e| damaged(table, e))?);
    }
    let key = match fields.first() {
        Some(Field::Text(s)) => s.to_string(),
        Some(Field::Int(i)) => i.to_string(),
        _ => {
            return Err(damaged(
                table,
                "a key that is neither text nor a number".into(),
            ));
        }
    };
    Ok((key, binding::row_hash(table.tag(), &fields)))
}

/// The hash of the row of `table` with this key, as it stands in `conn` (inside a writer's
/// transaction: the row it just wrote).
pub(crate) fn row_hash_in(
    conn: &Connection,
    table: Bound,
    key: &dyn ToSql,
) -> Result<Option<String>, StoreError> {
    let sql = format!(
        "{} {} {} = ?1",
        table.select(),
        if matches!(table, Bound::SealRevocation) {
            "AND"
        } else {
            "WHERE"
        },
        table.key()
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(db("reading a bound row"))?;
    let mut rows = stmt.query([key]).map_err(db("reading a bound row"))?;
    match rows.next().map_err(db("reading a bound row"))? {
        Some(row) => Ok(Some(hash_row(table, row)?.1)),
        None => Ok(None),
    }
}

fn all_rows(conn: &Connection, table: Bound) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn
        .prepare(table.select())
        .map_err(db("reading bound rows"))?;
    let mut rows = stmt.query([]).map_err(db("reading bound rows"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db("reading bound rows"))? {
        out.push(hash_row(table, row)?);
    }
    Ok(out)
}

impl Store {
    /// Every row of the bound tables, hashed.
    pub fn bound_rows(&self) -> Result<StoreRows, StoreError> {
        let fix = |e: StoreError| match e {
            StoreError::Db { what, source, .. } => StoreError::Db {
                path: self.db_path.clone(),
                what,
                source,
            },
            other => other,
        };
        let conn = &self.conn;
        let mut revocations: HashMap<String, String> = all_rows(conn, Bound::Revocation)
            .map_err(fix)?
            .into_iter()
            .collect();
        let mut statuses: HashMap<String, String> = HashMap::new();
        // The certified key of each certificate, for the records that name it.
        let mut spkis: HashMap<String, Option<String>> = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT serial, status, der FROM certs")
                .map_err(self.db_err("reading bound rows"))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                        r.get::<_, Option<Vec<u8>>>(2)?.unwrap_or_default(),
                    ))
                })
                .map_err(self.db_err("reading bound rows"))?;
            for row in rows {
                let (serial, status, der) = row.map_err(self.db_err("reading bound rows"))?;
                spkis.insert(serial.clone(), crate::audit::proof::spki_fingerprint(&der));
                statuses.insert(serial, status);
            }
        }
        let mut out = StoreRows::default();
        for (serial, row) in all_rows(conn, Bound::Cert).map_err(fix)? {
            out.certs.push(CertRowState {
                status: statuses.remove(&serial).unwrap_or_default(),
                revocation: revocations.remove(&serial),
                spki: spkis.remove(&serial).flatten(),
                serial,
                row,
            });
        }
        out.orphan_revocations = revocations.into_keys().collect();
        out.orphan_revocations.sort();
        for (number, row) in all_rows(conn, Bound::Crl).map_err(fix)? {
            let number = number
                .parse::<i64>()
                .map_err(|_| damaged(Bound::Crl, "a CRL number that is not an integer".into()))?;
            out.crls.push((number, row));
        }
        let mut seal_revocations: HashMap<String, String> = all_rows(conn, Bound::SealRevocation)
            .map_err(fix)?
            .into_iter()
            .collect();
        for (es_id, row) in all_rows(conn, Bound::Seal).map_err(fix)? {
            out.seals.push(SealRowState {
                revocation: seal_revocations.remove(&es_id),
                // Filled in by `audit verify`, which reads the seal (a domain object).
                holders: None,
                es_id,
                row,
            });
        }
        Ok(out)
    }
}

/// The hash of a row just written, for its audit record: an error if it is not there.
pub(crate) fn written(
    conn: &Connection,
    table: Bound,
    key: &dyn ToSql,
) -> Result<String, StoreError> {
    row_hash_in(conn, table, key)?.ok_or_else(|| {
        StoreError::Damaged(format!(
            "the `{}` row just written cannot be read back",
            table.tag()
        ))
    })
}
