//! How the audit log binds the store: every record that writes a row of the certificate,
//! revocation, CRL or seal tables carries, in its outcome, a SHA-256 of that row exactly as
//! written (`; row=<hex>`), and `audit verify` replays the log into the rows it expects and
//! compares them with the rows the store holds. A row edited, inserted or deleted by hand (a
//! revocation removed and the certificate set back to valid, a certificate planted, a seal
//! un-revoked) disagrees with the log, and the first disagreement is named.
//!
//! Outcome fields are `; key=value` suffixes whose values hold no spaces or semicolons (hex,
//! base64, digits, `:`), read from the right: free text earlier in an outcome (a seal
//! revocation's reason) cannot pose as one, because the real field always comes last.
//!
//! Homes written before rows were bound have records without `row=`: their rows are reported
//! as not provable (never as intact). A log whose first record (`ca.init`) is bound is held to
//! the new format throughout: a row-writing record without its binding is a break.
//!
//! Pure: this module hashes values and compares; the store reads and writes the rows.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::Record;

/// One column value of a stored row, as SQLite holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// SHA-256 over a table name and a row's column values, each tagged and length-prefixed so
/// that no two different rows hash the same stream. Lowercase hex.
pub fn row_hash(table: &str, fields: &[Field<'_>]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut put = |tag: u8, bytes: &[u8]| {
        ctx.update(&[tag]);
        ctx.update(&(bytes.len() as u64).to_be_bytes());
        ctx.update(bytes);
    };
    put(b'R', b"govpki row v1");
    put(b'T', table.as_bytes());
    for f in fields {
        match f {
            Field::Null => put(b'N', &[]),
            Field::Int(v) => put(b'I', &v.to_be_bytes()),
            Field::Text(s) => put(b'S', s.as_bytes()),
            Field::Blob(b) => put(b'B', b),
        }
    }
    hex::encode(ctx.finish().as_ref())
}

/// A `certs` row's fixed columns (its status is replayed from the log).
#[allow(clippy::too_many_arguments)]
pub fn cert_row(
    serial: &str,
    subject: &str,
    department: Option<&str>,
    profile: &str,
    not_before: i64,
    not_after: i64,
    issued_at: i64,
    der: &[u8],
) -> String {
    row_hash(
        "certs",
        &[
            Field::Text(serial),
            Field::Text(subject),
            department.map_or(Field::Null, Field::Text),
            Field::Text(profile),
            Field::Int(not_before),
            Field::Int(not_after),
            Field::Int(issued_at),
            Field::Blob(der),
        ],
    )
}

/// A `revocations` row.
pub fn revocation_row(
    serial: &str,
    revoked_at: i64,
    reason: i64,
    invalidity: Option<i64>,
) -> String {
    row_hash(
        "revocations",
        &[
            Field::Text(serial),
            Field::Int(revoked_at),
            Field::Int(reason),
            invalidity.map_or(Field::Null, Field::Int),
        ],
    )
}

/// A `crls` row.
pub fn crl_row(
    number: i64,
    this_update: i64,
    next_update: i64,
    entries: i64,
    sha256: &str,
) -> String {
    row_hash(
        "crls",
        &[
            Field::Int(number),
            Field::Int(this_update),
            Field::Int(next_update),
            Field::Int(entries),
            Field::Text(sha256),
        ],
    )
}

/// A `seals` row's fixed columns (its revocation columns are bound by `seal.revoke`).
#[allow(clippy::too_many_arguments)]
pub fn seal_row(
    es_id: &str,
    name: &str,
    seal_type: &str,
    department: &str,
    valid_from: i64,
    valid_until: i64,
    created_at: i64,
    der: &[u8],
) -> String {
    row_hash(
        "seals",
        &[
            Field::Text(es_id),
            Field::Text(name),
            Field::Text(seal_type),
            Field::Text(department),
            Field::Int(valid_from),
            Field::Int(valid_until),
            Field::Int(created_at),
            Field::Blob(der),
        ],
    )
}

/// A `seals` row's revocation columns.
pub fn seal_revocation_row(es_id: &str, revoked_at: i64, reason: Option<&str>) -> String {
    row_hash(
        "seal revocations",
        &[
            Field::Text(es_id),
            Field::Int(revoked_at),
            reason.map_or(Field::Null, Field::Text),
        ],
    )
}

/// The `holders=` field of a `seal.create` record: the SHA-256 of each holder certificate (DER),
/// lowercase hex, in the seal's order, joined by `:`. It names the people the seal binds
/// independently of the stored seal, so a seal whose holders were swapped after the fact
/// disagrees with its record even where its row hash was recomputed.
pub fn holders_field(holder_certs: &[Vec<u8>]) -> String {
    holder_certs
        .iter()
        .map(|c| sha256_hex(c))
        .collect::<Vec<_>>()
        .join(":")
}

/// The SHA-256 of some bytes, lowercase hex (the CA certificate bound by `ca.init`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// `outcome` with a `; key=value` field appended.
pub fn with_field(outcome: &str, key: &str, value: &str) -> String {
    format!("{outcome}; {key}={value}")
}

fn is_field_value(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'+' | b'/' | b'=' | b'-'))
}

/// The value of the trailing `; key=value` field of an outcome, if it has one. Fields are read
/// from the right and reading stops at the first piece that is not a field, so text before the
/// fields cannot pose as one.
pub fn field<'a>(outcome: &'a str, key: &str) -> Option<&'a str> {
    let mut rest = outcome;
    while let Some((head, tail)) = rest.rsplit_once("; ") {
        let (k, v) = tail.split_once('=')?;
        if !k.bytes().all(|b| b.is_ascii_lowercase()) || !is_field_value(v) {
            return None;
        }
        if k == key {
            return Some(v);
        }
        rest = head;
    }
    None
}

/// The outcome without its trailing fields (`ok keyCompromise; row=..` -> `ok keyCompromise`).
pub fn without_fields(outcome: &str) -> &str {
    let mut rest = outcome;
    while let Some((head, tail)) = rest.rsplit_once("; ") {
        match tail.split_once('=') {
            Some((k, v)) if k.bytes().all(|b| b.is_ascii_lowercase()) && is_field_value(v) => {
                rest = head
            }
            _ => break,
        }
    }
    rest
}

/// The outcome's text before its trailing fields, and the fields (key, value) in order.
pub fn split_fields(outcome: &str) -> (&str, Vec<(&str, &str)>) {
    let head = without_fields(outcome);
    let fields = outcome[head.len()..]
        .split("; ")
        .filter_map(|f| f.split_once('='))
        .collect();
    (head, fields)
}

/// What one certificate row holds, as the store reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRowState {
    pub serial: String,
    /// [`cert_row`] of the row's fixed columns.
    pub row: String,
    /// `valid`, `revoked` or `hold`, as stored.
    pub status: String,
    /// [`revocation_row`] of its revocation, if there is one.
    pub revocation: Option<String>,
    /// The SHA-256 of the certificate's SubjectPublicKeyInfo (`None`: it does not parse).
    pub spki: Option<String>,
}

/// What one seal row holds, as the store reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealRowState {
    pub es_id: String,
    pub row: String,
    /// [`seal_revocation_row`] when `revoked_at` is set.
    pub revocation: Option<String>,
    /// [`holders_field`] of the stored seal's holder certificates (`None`: the stored seal does
    /// not parse, or lists digests rather than certificates).
    pub holders: Option<String>,
}

/// Everything the bound tables hold.
#[derive(Debug, Clone, Default)]
pub struct StoreRows {
    pub certs: Vec<CertRowState>,
    /// Serials of revocation rows whose certificate row does not exist.
    pub orphan_revocations: Vec<String>,
    /// (number, [`crl_row`]).
    pub crls: Vec<(i64, String)>,
    pub seals: Vec<SealRowState>,
}

/// A row that disagrees with the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The record that says otherwise, if any record speaks of the row.
    pub seq: Option<i64>,
    pub reason: String,
}

#[derive(Debug, Clone)]
struct Expect {
    seq: i64,
    /// `None` for a record written before rows were bound.
    row: Option<String>,
}

#[derive(Debug, Clone)]
struct CertExpect {
    issued: Expect,
    /// The key the `cert.issue` record says it certified (`; spki=`), in logs that keep it.
    spki: Option<String>,
    status: &'static str,
    revocation: Option<Expect>,
}

#[derive(Debug, Clone)]
struct SealExpect {
    created: Expect,
    /// The holders the `seal.create` record names (`; holders=`), in logs that keep them.
    holders: Option<String>,
    revocation: Option<Expect>,
}

/// The rows a log says the store holds.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    certs: HashMap<String, CertExpect>,
    crls: BTreeMap<i64, Expect>,
    seals: HashMap<String, SealExpect>,
    /// The first `seal.create` record that named its seal's holders: from it on, every one must.
    holders_from: Option<i64>,
    /// Whether the log was written with row bindings from its first record on.
    strict: bool,
}

/// The result of comparing a store with its log.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Comparison {
    /// Rows that disagree with the log, the first recorded first.
    pub mismatches: Vec<Mismatch>,
    /// Rows whose records predate row bindings: present, but not provable.
    pub not_provable: Vec<String>,
    pub certificates: usize,
    pub revocations: usize,
    pub crls: usize,
    pub seals: usize,
}

fn first_token(object: &str) -> &str {
    object.split(' ').next().unwrap_or_default()
}

/// Replays a log (whose hash chain is intact) into the rows it says the store holds. A
/// record that cannot be replayed (a revocation of a certificate the log never issued, a
/// bound log's row record without its binding) is the first break.
pub fn replay(records: &[Record]) -> Result<Ledger, Mismatch> {
    let mut ledger = Ledger {
        strict: records
            .first()
            .is_some_and(|r| r.action == "ca.init" && field(&r.outcome, "row").is_some()),
        ..Ledger::default()
    };
    let fail = |r: &Record, reason: String| Mismatch {
        seq: Some(r.seq),
        reason,
    };
    for r in records {
        let bound = field(&r.outcome, "row").map(str::to_string);
        let needs_row = matches!(
            r.action.as_str(),
            "cert.issue"
                | "cert.revoke"
                | "crl.publish"
                | "seal.create"
                | "seal.revoke"
                | "ca.init"
        );
        if needs_row && bound.is_none() && ledger.strict {
            return Err(fail(
                r,
                format!("a `{}` record without the row it wrote", r.action),
            ));
        }
        let expect = Expect {
            seq: r.seq,
            row: bound,
        };
        match r.action.as_str() {
            "cert.issue" => {
                let serial = first_token(&r.object).to_string();
                if ledger.certs.contains_key(&serial) {
                    return Err(fail(r, format!("certificate `{serial}` is issued twice")));
                }
                ledger.certs.insert(
                    serial,
                    CertExpect {
                        spki: field(&r.outcome, "spki").map(str::to_string),
                        issued: expect,
                        status: "valid",
                        revocation: None,
                    },
                );
            }
            "cert.revoke" => {
                let serial = first_token(&r.object);
                let Some(c) = ledger.certs.get_mut(serial) else {
                    return Err(fail(
                        r,
                        format!("it revokes certificate `{serial}`, which no record issued"),
                    ));
                };
                let reason = without_fields(&r.outcome);
                c.status = if reason.ends_with(" certificateHold") {
                    "hold"
                } else {
                    "revoked"
                };
                c.revocation = Some(expect);
            }
            "cert.release" => {
                let serial = first_token(&r.object);
                let Some(c) = ledger.certs.get_mut(serial) else {
                    return Err(fail(
                        r,
                        format!("it releases certificate `{serial}`, which no record issued"),
                    ));
                };
                c.status = "valid";
                c.revocation = None;
            }
            "crl.publish" => {
                let number = r
                    .object
                    .strip_prefix('#')
                    .map(first_token)
                    .and_then(|n| n.parse::<i64>().ok())
                    .ok_or_else(|| fail(r, format!("no CRL number in `{}`", r.object)))?;
                ledger.crls.insert(number, expect);
            }
            "seal.create" => {
                let es_id = first_token(&r.object).to_string();
                let holders = field(&r.outcome, "holders").map(str::to_string);
                // Once a record of this home named a seal's holders, a later one without them
                // is a downgrade: a seal made with holders left out of its record.
                match (&holders, ledger.holders_from) {
                    (Some(_), None) => ledger.holders_from = Some(r.seq),
                    (None, Some(first)) => {
                        return Err(fail(
                            r,
                            format!(
                                "a `seal.create` record without the holders of seal `{es_id}`, after record {first} named a seal's holders"
                            ),
                        ));
                    }
                    _ => {}
                }
                if ledger.seals.contains_key(&es_id) {
                    return Err(fail(r, format!("seal `{es_id}` is made twice")));
                }
                ledger.seals.insert(
                    es_id,
                    SealExpect {
                        created: expect,
                        holders,
                        revocation: None,
                    },
                );
            }
            "seal.revoke" => {
                let es_id = first_token(&r.object);
                let Some(s) = ledger.seals.get_mut(es_id) else {
                    return Err(fail(
                        r,
                        format!("it revokes seal `{es_id}`, which no record made"),
                    ));
                };
                s.revocation = Some(expect);
            }
            _ => {}
        }
    }
    Ok(ledger)
}

impl Ledger {
    /// Compares the store's rows with the log: every row must be one a record wrote, exactly,
    /// and every row a record wrote must be there.
    pub fn compare(&self, rows: &StoreRows) -> Comparison {
        let mut out = Comparison {
            certificates: rows.certs.len(),
            revocations: rows.certs.iter().filter(|c| c.revocation.is_some()).count(),
            crls: rows.crls.len(),
            seals: rows.seals.len(),
            ..Comparison::default()
        };
        let mut bad = |seq: Option<i64>, reason: String| {
            out.mismatches.push(Mismatch { seq, reason });
        };
        let mut not_provable = Vec::new();
        // A bound row must hash as recorded; an unbound (old) row is not provable.
        let mut check =
            |what: &str, e: &Expect, actual: &str, bad: &mut dyn FnMut(Option<i64>, String)| {
                match &e.row {
                    Some(h) if h == actual => {}
                    Some(_) => bad(
                        Some(e.seq),
                        format!("{what} in the store is not what record {} wrote", e.seq),
                    ),
                    None => not_provable.push(format!("{what} (record {})", e.seq)),
                }
            };
        let mut seen = std::collections::HashSet::new();
        for c in &rows.certs {
            let what = format!("certificate `{}`", c.serial);
            seen.insert(c.serial.as_str());
            let Some(e) = self.certs.get(&c.serial) else {
                bad(
                    None,
                    format!("{what} is in the store, but no record issued it"),
                );
                continue;
            };
            check(&what, &e.issued, &c.row, &mut bad);
            // The key the record names (which a request to the CA service is held to) must be
            // the stored certificate's: a row hash alone binds whatever DER the CA stored.
            if let Some(recorded) = &e.spki
                && c.spki.as_ref() != Some(recorded)
            {
                bad(
                    Some(e.issued.seq),
                    format!(
                        "{what} in the store certifies another key than record {} names",
                        e.issued.seq
                    ),
                );
            }
            if c.status != e.status {
                let seq = e.revocation.as_ref().map_or(e.issued.seq, |r| r.seq);
                bad(
                    Some(seq),
                    format!(
                        "{what} is `{}` in the store, but the log (record {seq}) leaves it `{}`",
                        c.status, e.status
                    ),
                );
            }
            match (&c.revocation, &e.revocation) {
                (Some(actual), Some(r)) => {
                    check(&format!("the revocation of {what}"), r, actual, &mut bad)
                }
                (None, Some(r)) => bad(
                    Some(r.seq),
                    format!(
                        "the revocation of {what} that record {} wrote is missing from the store",
                        r.seq
                    ),
                ),
                (Some(_), None) => bad(
                    Some(e.issued.seq),
                    format!("{what} has a revocation in the store that no record wrote"),
                ),
                (None, None) => {}
            }
        }
        for serial in &rows.orphan_revocations {
            bad(
                None,
                format!("a revocation of `{serial}` is in the store without its certificate"),
            );
        }
        for (serial, e) in &self.certs {
            if !seen.contains(serial.as_str()) {
                bad(
                    Some(e.issued.seq),
                    format!(
                        "certificate `{serial}`, issued by record {}, is missing from the store",
                        e.issued.seq
                    ),
                );
            }
        }
        let mut crls_seen = std::collections::HashSet::new();
        for (number, actual) in &rows.crls {
            crls_seen.insert(*number);
            let what = format!("CRL #{number}");
            match self.crls.get(number) {
                Some(e) => check(&what, e, actual, &mut bad),
                None => bad(
                    None,
                    format!("{what} is in the store, but no record published it"),
                ),
            }
        }
        for (number, e) in &self.crls {
            if !crls_seen.contains(number) {
                bad(
                    Some(e.seq),
                    format!(
                        "CRL #{number}, published by record {}, is missing from the store",
                        e.seq
                    ),
                );
            }
        }
        let mut seals_seen = std::collections::HashSet::new();
        for s in &rows.seals {
            seals_seen.insert(s.es_id.as_str());
            let what = format!("seal `{}`", s.es_id);
            let Some(e) = self.seals.get(&s.es_id) else {
                bad(
                    None,
                    format!("{what} is in the store, but no record made it"),
                );
                continue;
            };
            check(&what, &e.created, &s.row, &mut bad);
            // The holders the record names must be the stored seal's: whoever rewrites a
            // seal's holder list cannot make it agree with a record already chained.
            if let Some(recorded) = &e.holders
                && s.holders.as_ref() != Some(recorded)
            {
                bad(
                    Some(e.created.seq),
                    format!(
                        "{what} in the store binds other holders than record {} names",
                        e.created.seq
                    ),
                );
            }
            match (&s.revocation, &e.revocation) {
                (Some(actual), Some(r)) => {
                    check(&format!("the revocation of {what}"), r, actual, &mut bad)
                }
                (None, Some(r)) => bad(
                    Some(r.seq),
                    format!(
                        "{what} is not revoked in the store, but record {} revoked it",
                        r.seq
                    ),
                ),
                (Some(_), None) => bad(
                    Some(e.created.seq),
                    format!("{what} is revoked in the store, but no record revoked it"),
                ),
                (None, None) => {}
            }
        }
        for (es_id, e) in &self.seals {
            if !seals_seen.contains(es_id.as_str()) {
                bad(
                    Some(e.created.seq),
                    format!(
                        "seal `{es_id}`, made by record {}, is missing from the store",
                        e.created.seq
                    ),
                );
            }
        }
        // The first recorded disagreement first; rows no record speaks of after them.
        out.mismatches
            .sort_by_key(|m| (m.seq.is_none(), m.seq.unwrap_or_default()));
        not_provable.sort();
        out.not_provable = not_provable;
        out
    }
}

#[cfg(test)]
mod tests;
