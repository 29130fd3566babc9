//! One certificate's revocation, read on demand from a home's database by a verifier that may
//! run on several threads (`seal verify` asks the store about the certificates of the paths it
//! checks, instead of loading every revocation of a CA that may have a million).
//!
//! A read-only connection of its own, behind a mutex: [`super::Store`] is not `Sync`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use time::OffsetDateTime;

use super::{DB_FILE, StoreError};
use crate::ca::crl::RevokedEntry;
use crate::ca::serial::Serial;

/// Reads revocations of one home, one serial at a time.
pub struct RevocationReader {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl std::fmt::Debug for RevocationReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationReader")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RevocationReader {
    /// Opens the database of `home` read-only.
    pub fn open(home: &Path) -> Result<Self, StoreError> {
        let path = home.join(DB_FILE);
        let db = |what| {
            let path = path.clone();
            move |source| StoreError::Db { path, what, source }
        };
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db("opening"))?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(db("setting the busy timeout"))?;
        Ok(RevocationReader {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// The revocation (or hold) of `serial`, if any.
    pub fn get(&self, serial: &Serial) -> Result<Option<RevokedEntry>, StoreError> {
        let db = |what| {
            let path = self.path.clone();
            move |source| StoreError::Db { path, what, source }
        };
        let conn = self
            .conn
            .lock()
            .map_err(|_| StoreError::Damaged("a revocation reader panicked".into()))?;
        let row: Option<(i64, i64, Option<i64>)> = conn
            .query_row(
                "SELECT revoked_at, reason, invalidity FROM revocations WHERE serial = ?1",
                [serial.to_hex()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(db("reading a revocation"))?;
        let time = |v: i64| {
            OffsetDateTime::from_unix_timestamp(v)
                .map_err(|_| StoreError::Damaged(format!("bad time `{v}` in revocations")))
        };
        Ok(match row {
            None => None,
            Some((at, code, invalidity)) => Some(RevokedEntry {
                serial: serial.clone(),
                revoked_at: time(at)?,
                reason: super::reason::from_sql(code)?,
                invalidity: invalidity.map(time).transpose()?,
            }),
        })
    }
}
