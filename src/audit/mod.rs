//! Hash-chained audit records (责任认定): every state change appends one record whose hash covers
//! its fields and the previous record's hash, so an edited, inserted or deleted record breaks
//! the chain from that point on.
//!
//! Pure: this module computes and checks hashes. The store writes records, in the same
//! transaction as the change they record.

pub mod binding;
pub mod head;
pub mod proof;

use serde::Serialize;

/// The hash a chain starts from (the "previous hash" of record 1).
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub seq: i64,
    /// RFC 3339 time of the event.
    pub time: String,
    /// Who acted: an operator certificate's subject, or the local user.
    pub actor: String,
    /// What was done: `ca.init`, `cert.issue`, `cert.revoke`, `crl.publish`, `authz.deny`, ...
    pub action: String,
    /// What it was done to: a serial, a CRL number, a seal id.
    pub object: String,
    /// `ok`, `denied`, or a short description.
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields of a record before it is chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub time: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub outcome: String,
}

/// Computes a record's hash: SHA-256 over the previous hash and the length-prefixed fields, so
/// that no two different field lists hash the same input.
pub fn record_hash(prev_hash: &str, seq: i64, event: &Event) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let seq_text = seq.to_string();
    for field in [
        prev_hash,
        seq_text.as_str(),
        &event.time,
        &event.actor,
        &event.action,
        &event.object,
        &event.outcome,
    ] {
        ctx.update(&(field.len() as u64).to_be_bytes());
        ctx.update(field.as_bytes());
    }
    hex::encode(ctx.finish().as_ref())
}

/// Chains an event after `prev` (or the genesis hash).
pub fn chain(prev: Option<(&str, i64)>, event: Event) -> Record {
    let (prev_hash, seq) = match prev {
        Some((hash, seq)) => (hash.to_string(), seq + 1),
        None => (GENESIS.to_string(), 1),
    };
    let hash = record_hash(&prev_hash, seq, &event);
    Record {
        seq,
        time: event.time,
        actor: event.actor,
        action: event.action,
        object: event.object,
        outcome: event.outcome,
        prev_hash,
        hash,
    }
}

/// Where and why a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    pub seq: i64,
    pub reason: String,
}

/// Checks a whole chain in order; returns the first broken record, if any.
pub fn verify<'a>(records: impl IntoIterator<Item = &'a Record>) -> Option<Break> {
    let mut prev_hash = GENESIS.to_string();
    for (expected_seq, r) in (1..).zip(records) {
        if r.seq != expected_seq {
            return Some(Break {
                seq: r.seq,
                reason: format!(
                    "sequence gap: expected record {expected_seq}, found {}",
                    r.seq
                ),
            });
        }
        if r.prev_hash != prev_hash {
            return Some(Break {
                seq: r.seq,
                reason: "its previous-hash does not match the record before it".into(),
            });
        }
        let event = Event {
            time: r.time.clone(),
            actor: r.actor.clone(),
            action: r.action.clone(),
            object: r.object.clone(),
            outcome: r.outcome.clone(),
        };
        if record_hash(&r.prev_hash, r.seq, &event) != r.hash {
            return Some(Break {
                seq: r.seq,
                reason: "its contents do not match its hash (the record was edited)".into(),
            });
        }
        prev_hash = r.hash.clone();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(action: &str) -> Event {
        Event {
            time: "2026-11-30T00:00:00Z".into(),
            actor: "officer".into(),
            action: action.into(),
            object: "01".into(),
            outcome: "ok".into(),
        }
    }

    #[test]
    fn intact_chain_verifies_and_edits_are_found() {
        let mut records = Vec::new();
        for a in ["ca.init", "cert.issue", "cert.revoke", "crl.publish"] {
            let prev = records.last().map(|r: &Record| (r.hash.clone(), r.seq));
            records.push(chain(prev.as_ref().map(|(h, s)| (h.as_str(), *s)), ev(a)));
        }
        assert_eq!(verify(&records), None);

        let mut edited = records.clone();
        edited[2].object = "02".into();
        assert_eq!(verify(&edited).unwrap().seq, 3);

        let mut deleted = records.clone();
        deleted.remove(1);
        assert_eq!(verify(&deleted).unwrap().seq, 3);

        let mut rehashed = records.clone();
        rehashed[1].actor = "intruder".into();
        let e = Event {
            time: rehashed[1].time.clone(),
            actor: rehashed[1].actor.clone(),
            action: rehashed[1].action.clone(),
            object: rehashed[1].object.clone(),
            outcome: rehashed[1].outcome.clone(),
        };
        rehashed[1].hash = record_hash(&rehashed[1].prev_hash, 2, &e);
        // Re-hashing one record is caught at the next one.
        assert_eq!(verify(&rehashed).unwrap().seq, 3);
    }
}
