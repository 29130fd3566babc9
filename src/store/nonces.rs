//! The nonces of requests to the CA service that were accepted (docs/api.md): a request whose
//! nonce is already here is a replay. The `UNIQUE` constraint decides, so of two server
//! processes on one home only one can accept a nonce. Entries older than the replay window are
//! pruned as new ones come in: a request that old is refused for its time anyway.

use rusqlite::{TransactionBehavior, params};
use time::OffsetDateTime;

use super::{Store, StoreError};

/// The table, created with the schema of new homes and on first use in older ones.
pub(super) const NONCES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS nonces (
    nonce TEXT NOT NULL UNIQUE,
    operator TEXT NOT NULL,
    time INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS nonces_by_time ON nonces (time);
";

/// What claiming a nonce found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First seen: the request may go on.
    Fresh,
    /// Already accepted once: a replay.
    Seen,
}

impl Store {
    /// Claims the nonce of a request by the operator whose certificate has the fingerprint
    /// `operator_fp`, sent at `time`, first forgetting every nonce of a request sent before
    /// `prune_before` (the server's now minus the window). One immediate transaction, not
    /// audited: a claim changes nothing the log speaks of.
    pub fn claim_nonce(
        &mut self,
        operator_fp: &str,
        nonce: &str,
        time: OffsetDateTime,
        prune_before: OffsetDateTime,
    ) -> Result<Claim, StoreError> {
        let db_path = self.db_path.clone();
        let err = move |source| StoreError::Db {
            path: db_path.clone(),
            what: "claiming a request nonce",
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err.clone())?;
        tx.execute_batch(NONCES_SCHEMA).map_err(err.clone())?;
        tx.execute(
            "DELETE FROM nonces WHERE time < ?1",
            params![prune_before.unix_timestamp()],
        )
        .map_err(err.clone())?;
        let inserted = tx.execute(
            "INSERT INTO nonces (nonce, operator, time) VALUES (?1, ?2, ?3)",
            params![nonce, operator_fp, time.unix_timestamp()],
        );
        match inserted {
            Ok(_) => {
                tx.commit().map_err(err)?;
                Ok(Claim::Fresh)
            }
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Ok(Claim::Seen)
            }
            Err(e) => Err(err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn home() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(&dir.path().join("home")).unwrap();
        (dir, store)
    }

    #[test]
    fn a_nonce_is_accepted_once_even_by_another_operator() {
        let (_dir, mut store) = home();
        let t = datetime!(2027-01-04 02:00 UTC);
        let before = t - time::Duration::minutes(5);
        assert_eq!(
            store.claim_nonce("op", "00ff", t, before).unwrap(),
            Claim::Fresh
        );
        assert_eq!(
            store.claim_nonce("op", "00ff", t, before).unwrap(),
            Claim::Seen
        );
        assert_eq!(
            store.claim_nonce("other", "00ff", t, before).unwrap(),
            Claim::Seen
        );
        assert_eq!(
            store.claim_nonce("op", "0100", t, before).unwrap(),
            Claim::Fresh
        );
    }

    #[test]
    fn two_connections_cannot_both_claim_a_nonce() {
        let (dir, mut store) = home();
        let mut second = Store::connect(&dir.path().join("home")).unwrap();
        let t = datetime!(2027-01-04 02:00 UTC);
        let before = t - time::Duration::minutes(5);
        assert_eq!(
            store.claim_nonce("op", "aa", t, before).unwrap(),
            Claim::Fresh
        );
        assert_eq!(
            second.claim_nonce("op", "aa", t, before).unwrap(),
            Claim::Seen
        );
    }

    #[test]
    fn old_nonces_are_pruned_and_a_home_without_the_table_gets_it() {
        let (_dir, mut store) = home();
        store.conn.execute_batch("DROP TABLE nonces").unwrap();
        let t = datetime!(2027-01-04 02:00 UTC);
        let later = t + time::Duration::minutes(11);
        assert_eq!(store.claim_nonce("op", "aa", t, t).unwrap(), Claim::Fresh);
        // Eleven minutes on, the entry (older than now minus the window) is forgotten.
        let prune = later - time::Duration::minutes(5);
        assert_eq!(
            store.claim_nonce("op", "bb", later, prune).unwrap(),
            Claim::Fresh
        );
        let left: i64 = store
            .conn
            .query_row("SELECT COUNT(*) FROM nonces WHERE nonce = 'aa'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(left, 0);
    }
}
