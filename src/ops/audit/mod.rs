//! The audit log's use cases: its records (for `audit show`), its signed head (`audit head`),
//! and its verification against the store, the operators, the pinned policies and a head kept
//! elsewhere (`audit verify`). Prints nothing; the CLI formats what these return.

mod redecide;
pub mod verify;

use std::path::Path;

use anyhow::Context as _;
use time::OffsetDateTime;

use super::Result;
use super::common::OpenCa;
use super::secrets::{Passphrase, Prompt};
use crate::audit::head::{self, Head};
use crate::audit::{self, Record, binding, proof};
use crate::ca::when;
use crate::store::Store;

pub use redecide::Unaccepted;
pub use verify::{Broken, Check, Report, verify};

/// The records of the home's log, all or those at or after `since`.
pub fn records(home: &Path, since: Option<OffsetDateTime>) -> Result<Vec<Record>> {
    let store = Store::open(home).map_err(anyhow::Error::from)?;
    let since = since.map(when::rfc3339);
    Ok(store
        .audit_records(since.as_deref())
        .map_err(anyhow::Error::from)?)
}

/// The current head of the home's log (records, last hash, `now`), signed with the CA key.
pub fn signed_head(
    home: &Path,
    passphrase: &Passphrase,
    prompt: &dyn Prompt,
    now: OffsetDateTime,
) -> Result<Head> {
    let open = OpenCa::open(home)?;
    let key = open.unlock(passphrase, prompt)?;
    let records = open
        .store
        .audit_records(None)
        .map_err(anyhow::Error::from)?;
    let (count, hash) = records
        .last()
        .map(|r| (r.seq, r.hash.clone()))
        .unwrap_or((0, audit::GENESIS.to_string()));
    let ca = binding::sha256_hex(&open.meta.cert_der);
    let time = when::rfc3339(now);
    let msg = head::message(&ca, count, &hash, &time);
    let signature = key.sign(&msg).context("signing the head with the CA key")?;
    // A head that does not verify would only be found when it is needed.
    proof::verify(&open.meta.cert_der, &msg, &signature).map_err(|e| {
        anyhow::anyhow!("the CA key's signature on the head cannot be checked: {e}")
    })?;
    Ok(Head {
        ca,
        records: count,
        hash,
        time,
        signature,
    })
}

#[cfg(test)]
mod tests;
