//! `audit verify`: the hash chain, a head kept elsewhere, the operators' statements, the pinned
//! policy's decisions, the CA's signed checkpoints and the store's rows against the log. The
//! first thing found wrong is a [`Broken`]: which check, at which record, and why.

use std::fmt;
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;
use time::OffsetDateTime;

use super::redecide;
use crate::audit::head::{self, Head};
use crate::audit::{self, Record, binding, proof};
use crate::ops::Result;
use crate::ops::common::{self, OpenCa};

/// Which check of `audit verify` found something wrong. The checks run in this order, and the
/// first failure is the one reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Check {
    /// The hash chain of the records.
    Chain,
    /// A head kept elsewhere (`--head`), which the log must extend.
    Head,
    /// An operator's statement over an act.
    Operator,
    /// An allowed act decided again under the pinned policy.
    Policy,
    /// The CA's signed checkpoint of the log's head in a `crl.publish` record.
    Checkpoint,
    /// The store's rows and settings against what the log says.
    Store,
}

impl Check {
    /// The check's name, as `--json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Chain => "chain",
            Check::Head => "head",
            Check::Operator => "operator",
            Check::Policy => "policy",
            Check::Checkpoint => "checkpoint",
            Check::Store => "store",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// The record it is found at, if a record speaks of it.
    pub seq: Option<i64>,
    /// Which check found it.
    pub check: Check,
    pub reason: String,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.check {
            Check::Store => "store DOES NOT MATCH the audit log",
            _ => "audit log BROKEN",
        };
        write!(f, "{what}")?;
        if let Some(seq) = self.seq {
            write!(f, " at record {seq}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// What `audit verify` found.
#[derive(Debug, Clone)]
pub struct Report {
    /// How many records the log holds.
    pub records: usize,
    /// Acts signed by their operators.
    pub signed_acts: usize,
    /// Allowed acts decided again under their pinned policy.
    pub decided_again: usize,
    /// Signed checkpoints that verify.
    pub checkpoints: usize,
    /// The first thing found wrong, if any.
    pub broken: Option<Broken>,
    /// The store against the log.
    pub comparison: binding::Comparison,
    /// What predates what makes it provable (older homes).
    pub not_provable: Vec<String>,
    /// The hash of the last record (the genesis hash for an empty log).
    pub head: String,
}

impl Report {
    /// The outcome: broken is negative, not provable indeterminate, else success.
    pub fn outcome(&self) -> crate::ops::Outcome {
        use crate::ops::Outcome;
        if self.broken.is_some() {
            Outcome::Negative
        } else if !self.not_provable.is_empty() {
            Outcome::Indeterminate
        } else {
            Outcome::Success
        }
    }
}

/// Verifies the audit log of the home at `home` (and, with `head_file`, that it extends a
/// head kept elsewhere) at `now`.
pub fn verify(home: &Path, head_file: Option<&Path>, now: OffsetDateTime) -> Result<Report> {
    Ok(run(home, head_file, now)?)
}

fn run(home: &Path, head_file: Option<&Path>, now: OffsetDateTime) -> anyhow::Result<Report> {
    let open = OpenCa::open(home)?;
    let kept_head = match head_file {
        Some(f) => {
            let text = common::read_file(f, "audit head")?;
            let text = String::from_utf8(text)
                .map_err(|_| anyhow::anyhow!("audit head `{}` is not UTF-8", f.display()))?;
            Some(
                Head::parse(&text)
                    .with_context(|| format!("reading audit head `{}`", f.display()))?,
            )
        }
        None => None,
    };
    let records = open.store.audit_records(None)?;
    let mut signed = 0usize;
    let mut decided_again = 0usize;
    let mut checkpoints_ok = 0usize;
    let mut not_provable = Vec::new();
    let mut comparison = binding::Comparison::default();
    let result = (|| -> std::result::Result<(), Broken> {
        if let Some(b) = audit::verify(&records) {
            return Err(Broken {
                seq: Some(b.seq),
                check: Check::Chain,
                reason: b.reason,
            });
        }
        // The head kept elsewhere first: a rebuilt log is caught before anything it says.
        if let (Some(h), Some(f)) = (&kept_head, head_file) {
            let fail = |reason: String| Broken {
                seq: None,
                check: Check::Head,
                reason: format!(
                    "the log does not extend the head `{}`: {reason}",
                    f.display()
                ),
            };
            if h.ca != binding::sha256_hex(&open.meta.cert_der) {
                return Err(fail(
                    "the head was signed for another CA certificate".into(),
                ));
            }
            proof::verify(&open.meta.cert_der, &h.message(), &h.signature).map_err(|e| {
                fail(format!(
                    "its signature does not verify against this CA's certificate ({e})"
                ))
            })?;
            head::extends(&records, h).map_err(fail)?;
        }
        let ca_cert = open.meta.cert_der.clone();
        signed = proof::verify_signed_acts(&records, &ca_cert, |serial, allow| {
            redecide::operator_acceptance(&open, now, serial, allow).map_err(|e| e.to_string())
        })
        .map_err(|b| Broken {
            seq: Some(b.seq),
            check: Check::Operator,
            reason: b.reason,
        })?;
        decided_again = redecide::redecide(&open, &records, now, &mut not_provable)?;
        checkpoints_ok = checkpoints(&open, &records)?;
        governing_setting(&open, &records)?;
        // The CA certificate itself is bound by `ca.init`.
        if let Some(first) = records.first().filter(|r| r.action == "ca.init")
            && let Some(bound) = binding::field(&first.outcome, "row")
            && bound != binding::sha256_hex(&open.meta.cert_der)
        {
            return Err(Broken {
                seq: Some(first.seq),
                check: Check::Store,
                reason: "the CA certificate in the store is not the one record 1 created".into(),
            });
        }
        let ledger = binding::replay(&records).map_err(|m| Broken {
            seq: m.seq,
            check: Check::Store,
            reason: m.reason,
        })?;
        let store_fault = |e: crate::store::StoreError| Broken {
            seq: None,
            check: Check::Store,
            reason: e.to_string(),
        };
        let mut rows = open.store.bound_rows().map_err(store_fault)?;
        let mut ders = open.store.seal_ders().map_err(store_fault)?;
        for s in &mut rows.seals {
            s.holders = ders.remove(&s.es_id).and_then(|der| stored_holders(&der));
        }
        comparison = ledger.compare(&rows);
        not_provable.extend(comparison.not_provable.iter().cloned());
        if let Some(m) = comparison.mismatches.first() {
            return Err(Broken {
                seq: m.seq,
                check: Check::Store,
                reason: m.reason.clone(),
            });
        }
        Ok(())
    })();
    let broken = result.err();
    let head = records
        .last()
        .map(|r| r.hash.clone())
        .unwrap_or_else(|| audit::GENESIS.to_string());
    Ok(Report {
        records: records.len(),
        signed_acts: signed,
        decided_again,
        checkpoints: checkpoints_ok,
        broken,
        comparison,
        not_provable,
        head,
    })
}
/// The holders a stored seal binds, as a `holders=` field; `None` when it does not parse or
/// lists digests (a seal this home made lists certificates).
fn stored_holders(der: &[u8]) -> Option<String> {
    match &crate::seal::Seal::from_der(der).ok()?.info().cert_list {
        crate::seal::CertList::Certificates(certs) => Some(binding::holders_field(certs)),
        crate::seal::CertList::Digests(_) => None,
    }
}

/// The store's policy setting must be what the last `ca policy` record left: the pinned copy of
/// the version it names, or none after `--clear`.
fn governing_setting(open: &OpenCa, records: &[Record]) -> std::result::Result<(), Broken> {
    let Some(last) = records.iter().rev().find(|r| r.action == "ca.policy") else {
        return Ok(());
    };
    let setting = open.meta.policy.as_deref();
    let fail = |reason: String| Broken {
        seq: Some(last.seq),
        check: Check::Store,
        reason,
    };
    match (binding::field(&last.outcome, "policy"), setting) {
        (Some(v), Some(path))
            if open.store.pinned_version_of(Path::new(path)).as_deref() != Some(v) =>
        {
            return Err(fail(format!(
                "the store's policy setting `{path}` is not the policy version {v} that record {} pinned",
                last.seq
            )));
        }
        (Some(v), None) => {
            return Err(fail(format!(
                "the store's policy setting is empty, but record {} pinned the policy version {v}",
                last.seq
            )));
        }
        (None, Some(path)) if last.object == "(none)" => {
            return Err(fail(format!(
                "the store's policy setting is `{path}`, but record {} cleared the policy",
                last.seq
            )));
        }
        // Cleared and none, or a setting older than policy versions.
        _ => {}
    }
    Ok(())
}

/// Checks the CA's signed checkpoints in `crl.publish` records. Returns how many verified.
fn checkpoints(open: &OpenCa, records: &[Record]) -> std::result::Result<usize, Broken> {
    let ca = binding::sha256_hex(&open.meta.cert_der);
    let mut n = 0;
    for r in records.iter().filter(|r| r.action == "crl.publish") {
        let Some(value) = binding::field(&r.outcome, "head") else {
            continue;
        };
        let fail = |reason: String| Broken {
            seq: Some(r.seq),
            check: Check::Checkpoint,
            reason,
        };
        let h = Head::from_checkpoint(&ca, value, &r.time)
            .ok_or_else(|| fail("its checkpoint of the log's head is malformed".into()))?;
        proof::verify(&open.meta.cert_der, &h.message(), &h.signature).map_err(|e| {
            fail(format!(
                "the CA's signature on its checkpoint of the log's head does not verify ({e})"
            ))
        })?;
        if h.records >= r.seq {
            return Err(fail("its checkpoint names records after itself".into()));
        }
        head::extends(records, &h).map_err(|e| {
            fail(format!(
                "the log no longer extends its signed checkpoint: {e}"
            ))
        })?;
        n += 1;
    }
    Ok(n)
}
