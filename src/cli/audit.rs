//! `govpki audit`: show the hash-chained audit log, sign its head, and verify it against the
//! store, the operators' signatures, the pinned policy and a head kept elsewhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;

use super::common::{self, OpenCa};
use super::{Context, Outcome};
use crate::audit::head::{self, Head};
use crate::audit::{self, Record, binding, proof};
use crate::authz::{self, Policy, Request};
use crate::ca::serial::Serial;
use crate::ca::verify::{self, Verdict, VerifyInput};
use crate::ca::when;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print audit records (time, actor, action, object, outcome, hash)
    #[command(long_about = SHOW_LONG)]
    Show(ShowArgs),
    /// Print the log's current head (records, last hash, time) signed with the CA key
    #[command(long_about = HEAD_LONG)]
    Head(HeadArgs),
    /// Recompute the hash chain, check operator signatures, the pinned policy and the store
    #[command(long_about = VERIFY_LONG)]
    Verify(VerifyArgs),
}

const SHOW_LONG: &str = "\
Print the audit log of this home: every state change (CA created, certificate issued, revoked,
released, CRL published, seal made or revoked, policy pinned, policy denial) with its time,
actor, action, object, outcome and hash. Control characters (ESC, CR, LF, other C0 and C1
characters, DEL) and backslashes in any field are printed escaped (`\\x1b`, `\\n`, `\\\\`), so a
certificate subject cannot forge a line of the report; --json writes them as `\\u` escapes. Long
values in outcomes (row hashes, signatures) are cut to 12 characters; --json shows them whole.

EXAMPLES:
    govpki audit show
    govpki audit show --since 2026-11-01
    govpki --json audit show | jq 'map(select(.action == \"cert.revoke\"))'

EXIT CODES:
    0  printed
    2  an error";

const HEAD_LONG: &str = "\
Print the current head of the audit log (how many records, the hash of the last one, the
time), signed with the CA key, as a small text file. Keep it somewhere the CA's operators cannot
write (another machine, a notary, paper): `audit verify --head FILE` later proves that the log
still extends it, so a truncated log, or one rebuilt with other records, is caught even though
its own hash chain is intact. Every `crl generate` also writes such a signed checkpoint into its
audit record.

The CA key's passphrase comes from --passphrase-file or a prompt, as for other CA-key commands.

EXAMPLES:
    govpki audit head --passphrase-file ca.pass > head-2027-01-04.txt
    govpki audit verify --head head-2027-01-04.txt

EXIT CODES:
    0  printed
    2  an error (wrong passphrase, no CA)";

const VERIFY_LONG: &str = "\
Verify the audit log of this home, and the store against it:

  - the hash chain from the first record: an edited, deleted or inserted record breaks it;
  - operator statements: in a CA governed by a policy, every state change is preceded by an
    `authz.allow` record holding the operator's signature over what was asked and over the
    change's own records. A signature counts only from a certificate in this CA's store that
    chains to this CA at the act's time, was valid then, is no CA certificate, and names the
    actor the covered records name. A statement may not appear twice, and once a policy is
    pinned every state change must be covered by one;
  - the pinned policy: every allowed act is decided again under the policy version pinned by
    the last `ca policy` before it (kept in HOME/policies/VERSION); an act that version denies,
    or that names another version, is reported;
  - the store: the log is replayed into the certificate, revocation, CRL and seal rows it
    wrote, and every row of those tables must be exactly one of them (and all of them must be
    there). A row edited, inserted or deleted by hand is named; the CA certificate must be the
    one `ca.init` recorded, and the policy setting the copy the last `ca policy` pinned;
  - signed checkpoints: the CA's signature on the log's head in each `crl.publish` record;
  - with --head FILE, a head printed by `audit head` and kept elsewhere: the log must still
    extend it (a truncated or rebuilt log does not).

Rows and acts written before this version recorded them (older homes) are reported as not
provable (exit 3), never as intact.

EXAMPLES:
    govpki audit verify
    govpki audit verify --head /mnt/notary/head-2027-01-04.txt

EXIT CODES:
    0  the log is intact and the store is exactly what it records
    1  the chain is broken, a signature or a pinned-policy decision fails, the store does not
       match the log, or the log does not extend the head
    2  an error
    3  intact as far as it goes, but some records predate what makes them provable";

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Only records at or after this time (RFC 3339)
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
}

#[derive(Debug, Args)]
pub struct HeadArgs {
    /// File holding the CA key's passphrase (first line)
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A head printed earlier by `audit head`: the log must still extend it
    #[arg(long, value_name = "F")]
    pub head: Option<PathBuf>,
}

/// Escapes what a terminal would interpret: C0 and C1 control characters, DEL, and the
/// backslash that introduces an escape, so a field prints as one visible run of text.
pub fn escape_control(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if ('\u{80}'..='\u{9f}').contains(&c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// An outcome for the text report: long field values (row hashes, signatures, decision
/// records) cut to their first 12 characters; `--json` shows them whole.
fn short_outcome(outcome: &str) -> String {
    let (proof_less, proof) = match outcome.rsplit_once("; proof: ") {
        Some((head, _)) => (head, "; proof: …"),
        None => (outcome, ""),
    };
    let (head, fields) = binding::split_fields(proof_less);
    let mut out = head.to_string();
    for (k, v) in fields {
        let v = match v.char_indices().nth(12) {
            Some((i, _)) => format!("{}…", &v[..i]),
            None => v.to_string(),
        };
        out.push_str(&format!("; {k}={v}"));
    }
    out.push_str(proof);
    out
}

/// JSON text with DEL and the C1 controls written as `\u` escapes.
fn escape_json_controls(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

pub fn run(cmd: AuditCommand, ctx: &Context) -> Result<Outcome> {
    match cmd {
        AuditCommand::Show(args) => show(args, ctx),
        AuditCommand::Head(args) => print_head(args, ctx),
        AuditCommand::Verify(args) => verify_log(args, ctx),
    }
}

fn show(args: ShowArgs, ctx: &Context) -> Result<Outcome> {
    let ShowArgs { since } = args;
    let store = crate::store::Store::open(&ctx.home)?;
    let since = since
        .as_deref()
        .map(when::parse_time)
        .transpose()?
        .map(when::rfc3339);
    let records = store.audit_records(since.as_deref())?;
    if ctx.out.is_json() {
        // serde_json escapes C0 controls but writes DEL and C1 controls as they are; outside
        // strings JSON has none of them, so escaping them everywhere keeps the document valid.
        let text = serde_json::to_string(&records)?;
        ctx.out.data(&escape_json_controls(&text))?;
    } else {
        let mut text = String::new();
        for r in &records {
            text.push_str(&format!(
                "{:>6}  {}  {:<14} {:<12} {}  [{}]  {}\n",
                r.seq,
                escape_control(&r.time),
                escape_control(&r.action),
                escape_control(&short_outcome(&r.outcome)),
                escape_control(&r.object),
                escape_control(&r.actor),
                escape_control(r.hash.get(..16).unwrap_or(&r.hash))
            ));
        }
        ctx.out.data(&text)?;
    }
    Ok(Outcome::Success)
}

fn print_head(args: HeadArgs, ctx: &Context) -> Result<Outcome> {
    let HeadArgs { passphrase_file } = args;
    let open = OpenCa::open(&ctx.home)?;
    let key = open.unlock(
        &super::common::ca_passphrase(passphrase_file.as_deref()),
        &super::common::TERMINAL,
    )?;
    let records = open.store.audit_records(None)?;
    let (count, hash) = records
        .last()
        .map(|r| (r.seq, r.hash.clone()))
        .unwrap_or((0, audit::GENESIS.to_string()));
    let ca = binding::sha256_hex(&open.meta.cert_der);
    let time = when::rfc3339(ctx.now);
    let msg = head::message(&ca, count, &hash, &time);
    let signature = key.sign(&msg).context("signing the head with the CA key")?;
    // A head that does not verify would only be found when it is needed.
    proof::verify(&open.meta.cert_der, &msg, &signature).map_err(|e| {
        anyhow::anyhow!("the CA key's signature on the head cannot be checked: {e}")
    })?;
    let h = Head {
        ca,
        records: count,
        hash,
        time,
        signature,
    };
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "ca": h.ca,
            "records": h.records,
            "hash": h.hash,
            "time": h.time,
            "text": h.to_text(),
        }))?;
    } else {
        ctx.out.data(&h.to_text())?;
    }
    Ok(Outcome::Success)
}

/// The first thing found wrong.
#[derive(Debug, Clone, Serialize)]
struct Broken {
    /// The record it is found at, if a record speaks of it.
    seq: Option<i64>,
    /// `chain`, `operator`, `policy`, `store`, `checkpoint` or `head`.
    check: &'static str,
    reason: String,
}

/// Which policy governs at a point of the log.
#[derive(Debug, Clone)]
enum Pin {
    None,
    /// Set by a `ca policy` record that predates versions.
    Legacy(i64),
    Version(String, i64),
}

fn operator_acceptance(
    open: &OpenCa,
    now: time::OffsetDateTime,
    serial: &str,
    allow: &Record,
) -> std::result::Result<Vec<u8>, String> {
    let parsed = serial.parse::<Serial>().map_err(|e| e.to_string())?;
    let row = open
        .store
        .get(&parsed, now)
        .map_err(|e| format!("the store cannot be read: {e}"))?
        .ok_or_else(|| format!("the operator certificate {serial} is not in this CA's store"))?;
    let der = row.der;
    let at = when::parse_time(&allow.time)
        .map_err(|e| format!("the record's time `{}` does not parse: {e}", allow.time))?;
    let cert = crate::ca::input::parse_cert(&der)
        .map_err(|e| format!("the operator certificate {serial} does not parse: {e}"))?;
    if cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|b| b.value.ca)
    {
        return Err(format!(
            "the operator certificate {serial} is a CA certificate, not an operator's"
        ));
    }
    let mut chain = open.chain();
    let root = chain.pop().unwrap_or_default();
    let verdict = verify::verify_chain(&VerifyInput {
        end_entity: &der,
        intermediates: &chain,
        anchors: &[root],
        crls: &[],
        at,
        purpose: None,
    })
    .map_err(|e| format!("the operator certificate {serial} cannot be checked: {e}"))?;
    match verdict {
        Verdict::Valid { .. } => {}
        Verdict::Invalid { reason, .. } | Verdict::Indeterminate { reason } => {
            return Err(format!(
                "the operator certificate {serial} is not this CA's at {}: {reason}",
                allow.time
            ));
        }
    }
    if let Some(revoked) = row
        .revoked_at
        .as_deref()
        .and_then(|t| when::parse_time(t).ok())
        && revoked <= at
    {
        return Err(format!(
            "the operator certificate {serial} was revoked at {}, before the act",
            when::rfc3339(revoked)
        ));
    }
    let holder = super::govern::operator_name(&der);
    if holder != allow.actor {
        return Err(format!(
            "the record names the actor `{}`, but the certificate {serial} is `{holder}`",
            allow.actor
        ));
    }
    Ok(der)
}

/// A pinned policy version loaded from the home, or why it cannot be.
fn load_pinned(open: &OpenCa, version: &str) -> std::result::Result<Policy, String> {
    let dir = open.store.pinned_policy_dir(version);
    let sources = super::authz::read_policy_sources(&dir)
        .map_err(|e| format!("the pinned policy {version} is not kept in the home: {e:#}"))?;
    let found = authz::pin::version(&sources);
    if found != version {
        return Err(format!(
            "the pinned policy kept in `{}` was altered: it hashes to {found}",
            dir.display()
        ));
    }
    Policy::load(&sources).map(|(p, _)| p).map_err(|e| {
        format!(
            "the pinned policy {version} does not load: {}",
            e.errors.first().map(|e| e.to_string()).unwrap_or_default()
        )
    })
}

/// Decides every allowed act again under the policy version pinned before it. Returns how many
/// were decided again, and adds the acts that cannot be (older homes) to `not_provable`.
fn redecide(
    open: &OpenCa,
    records: &[Record],
    now: time::OffsetDateTime,
    not_provable: &mut Vec<String>,
) -> std::result::Result<usize, Broken> {
    let fail = |seq: i64, reason: String| Broken {
        seq: Some(seq),
        check: "policy",
        reason,
    };
    let mut pin = Pin::None;
    let mut policies: HashMap<String, std::result::Result<Policy, String>> = HashMap::new();
    let mut decided_again = 0usize;
    for r in records {
        match r.action.as_str() {
            "ca.policy" => {
                pin = match binding::field(&r.outcome, "policy") {
                    Some(v) => Pin::Version(v.to_string(), r.seq),
                    None if r.object == "(none)" => Pin::None,
                    None => Pin::Legacy(r.seq),
                };
                continue;
            }
            "authz.allow" => {}
            _ => continue,
        }
        let decided = proof::Decided::of_outcome(&r.outcome);
        let (version, pinned_at) = match (&pin, &decided) {
            (Pin::Version(v, at), _) => (v.clone(), *at),
            (Pin::Legacy(at), _) => {
                not_provable.push(format!(
                    "the allowed act of record {} (the policy pinned at record {at} predates policy versions)",
                    r.seq
                ));
                continue;
            }
            (Pin::None, None) => {
                not_provable.push(format!(
                    "the allowed act of record {} (decided before policies were pinned)",
                    r.seq
                ));
                continue;
            }
            (Pin::None, Some(d)) => {
                return Err(fail(
                    r.seq,
                    format!(
                        "an act allowed under the policy version {}, but no policy was pinned then",
                        d.policy
                    ),
                ));
            }
        };
        let Some(decided) = decided else {
            return Err(fail(
                r.seq,
                format!(
                    "an allowed act that does not name the policy it was decided under (the policy pinned at record {pinned_at} is {version})"
                ),
            ));
        };
        let policy = match policies
            .entry(version.clone())
            .or_insert_with(|| load_pinned(open, &version))
        {
            Ok(p) => p,
            Err(e) => return Err(fail(r.seq, e.clone())),
        };
        let serial = proof::actor_serial(&r.actor).unwrap_or_default();
        let der = operator_acceptance(open, now, serial, r).map_err(|e| fail(r.seq, e))?;
        let subject = authz::subject_from_cert(&der).map_err(|e| {
            fail(
                r.seq,
                format!("the operator certificate does not read: {e}"),
            )
        })?;
        let at = when::parse_time(&r.time)
            .map_err(|e| fail(r.seq, format!("the record's time does not parse: {e}")))?;
        for ask in &decided.asks {
            let mut context = ask.context.clone();
            if let Some(d) = &decided.domain {
                context.insert("domain".into(), d.clone());
            }
            context.insert("time".into(), r.time.clone());
            let request = Request {
                subject: subject.clone(),
                action: ask.action.clone(),
                resource: ask.resource.clone(),
                context,
            };
            let decision = policy.decide(&request, at);
            if !decision.allow {
                return Err(fail(
                    r.seq,
                    format!(
                        "the pinned policy {version} (record {pinned_at}) denies {} on `{}` to `{}`: {}{}",
                        ask.action,
                        ask.resource,
                        r.actor,
                        decision.reason,
                        if decided.policy == version {
                            String::new()
                        } else {
                            format!(
                                " (the act names the policy version {}, which the log never pinned there)",
                                decided.policy
                            )
                        }
                    ),
                ));
            }
        }
        if decided.policy != version {
            return Err(fail(
                r.seq,
                format!(
                    "the act was decided under the policy version {}, but the policy pinned at record {pinned_at} is {version}",
                    decided.policy
                ),
            ));
        }
        decided_again += 1;
    }
    Ok(decided_again)
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
        check: "store",
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
            check: "checkpoint",
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

fn verify_log(args: VerifyArgs, ctx: &Context) -> Result<Outcome> {
    let VerifyArgs { head: head_file } = args;
    let open = OpenCa::open(&ctx.home)?;
    let kept_head = match &head_file {
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
                check: "chain",
                reason: b.reason,
            });
        }
        // The head kept elsewhere first: a rebuilt log is caught before anything it says.
        if let (Some(h), Some(f)) = (&kept_head, &head_file) {
            let fail = |reason: String| Broken {
                seq: None,
                check: "head",
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
            operator_acceptance(&open, ctx.now, serial, allow)
        })
        .map_err(|b| Broken {
            seq: Some(b.seq),
            check: "operator",
            reason: b.reason,
        })?;
        decided_again = redecide(&open, &records, ctx.now, &mut not_provable)?;
        checkpoints_ok = checkpoints(&open, &records)?;
        governing_setting(&open, &records)?;
        // The CA certificate itself is bound by `ca.init`.
        if let Some(first) = records.first().filter(|r| r.action == "ca.init")
            && let Some(bound) = binding::field(&first.outcome, "row")
            && bound != binding::sha256_hex(&open.meta.cert_der)
        {
            return Err(Broken {
                seq: Some(first.seq),
                check: "store",
                reason: "the CA certificate in the store is not the one record 1 created".into(),
            });
        }
        let ledger = binding::replay(&records).map_err(|m| Broken {
            seq: m.seq,
            check: "store",
            reason: m.reason,
        })?;
        let rows = open.store.bound_rows().map_err(|e| Broken {
            seq: None,
            check: "store",
            reason: e.to_string(),
        })?;
        comparison = ledger.compare(&rows);
        not_provable.extend(comparison.not_provable.iter().cloned());
        if let Some(m) = comparison.mismatches.first() {
            return Err(Broken {
                seq: m.seq,
                check: "store",
                reason: m.reason.clone(),
            });
        }
        Ok(())
    })();
    let broken = result.err();
    let head_hash = records
        .last()
        .map(|r| r.hash.as_str())
        .unwrap_or(audit::GENESIS);
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "records": records.len(),
            "signed_acts": signed,
            "decided_again": decided_again,
            "checkpoints": checkpoints_ok,
            "intact": broken.is_none(),
            "broken": broken,
            "store": {
                "certificates": comparison.certificates,
                "revocations": comparison.revocations,
                "crls": comparison.crls,
                "seals": comparison.seals,
                "mismatches": comparison.mismatches,
            },
            "not_provable": not_provable,
            "head": head_hash,
        }))?;
    } else {
        let mut text = String::new();
        match &broken {
            None => {
                text.push_str(&format!(
                    "audit log intact: {} records, {signed} signed by their operators, head {head_hash}\n",
                    records.len()
                ));
                text.push_str(&format!(
                    "store matches the log: {} certificates ({} revoked or on hold), {} CRLs, {} seals\n",
                    comparison.certificates, comparison.revocations, comparison.crls, comparison.seals
                ));
                text.push_str(&format!(
                    "{decided_again} allowed acts decided again under their pinned policy; {checkpoints_ok} signed checkpoints verify\n"
                ));
                if let Some(f) = &head_file {
                    text.push_str(&format!("the log extends the head `{}`\n", f.display()));
                }
            }
            Some(b) => {
                let place = b.seq.map(|s| format!(" at record {s}")).unwrap_or_default();
                let what = match b.check {
                    "store" => "store DOES NOT MATCH the audit log",
                    "head" => "audit log BROKEN",
                    _ => "audit log BROKEN",
                };
                text.push_str(&format!("{what}{place}: {}\n", escape_control(&b.reason)));
                let more = comparison.mismatches.len().saturating_sub(1);
                if b.check == "store" && more > 0 {
                    text.push_str(&format!("({more} more rows disagree; see --json)\n"));
                }
            }
        }
        // An older home may have a row per certificate here: the first ones, then a count.
        for n in not_provable.iter().take(10) {
            text.push_str(&format!("not provable: {}\n", escape_control(n)));
        }
        if not_provable.len() > 10 {
            text.push_str(&format!(
                "not provable: {} more (see --json)\n",
                not_provable.len() - 10
            ));
        }
        ctx.out.data(&text)?;
    }
    Ok(if broken.is_some() {
        Outcome::Negative
    } else if !not_provable.is_empty() {
        Outcome::Indeterminate
    } else {
        Outcome::Success
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_field_values_are_cut_in_text() {
        assert_eq!(
            short_outcome("ok keyCompromise; row=0123456789abcdef0123"),
            "ok keyCompromise; row=0123456789ab…"
        );
        assert_eq!(
            short_outcome("allowed by r; policy=0123456789abcdef; proof: nonce=00 acts=1 sig=AA"),
            "allowed by r; policy=0123456789ab…; proof: …"
        );
        assert_eq!(short_outcome("ok"), "ok");
    }

    #[test]
    fn json_keeps_no_raw_del_or_c1() {
        let text = serde_json::to_string(&["a\u{7f}b\u{9b}c\u{1b}"]).unwrap();
        let escaped = escape_json_controls(&text);
        assert_eq!(escaped, r#"["a\u007fb\u009bc\u001b"]"#);
        let back: Vec<String> = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, ["a\u{7f}b\u{9b}c\u{1b}"]);
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(escape_control("x\ny\rz\u{7f}"), "x\\ny\\rz\\x7f");
        assert_eq!(escape_control("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape_control("a\\nb"), "a\\\\nb");
        assert_eq!(escape_control("王五 ok"), "王五 ok");
    }
}
