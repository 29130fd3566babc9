//! `govpki audit`: show the hash-chained audit log and verify it.

use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;

use super::{Context, Outcome};
use crate::audit::{self, proof};
use crate::ca::serial::Serial;
use crate::ca::when;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print audit records (time, actor, action, object, outcome, hash)
    #[command(long_about = SHOW_LONG)]
    Show(ShowArgs),
    /// Recompute the hash chain and report the first broken record
    #[command(long_about = VERIFY_LONG)]
    Verify,
}

const SHOW_LONG: &str = "\
Print the audit log of this home: every state change (CA created, certificate issued, revoked,
released, CRL published, seal made or revoked, policy denial) with its time, actor, action,
object, outcome and hash.

EXAMPLES:
    govpki audit show
    govpki audit show --since 2026-11-01
    govpki --json audit show | jq 'map(select(.action == \"cert.revoke\"))'

EXIT CODES:
    0  printed
    2  an error";

const VERIFY_LONG: &str = "\
Recompute the audit log's hash chain from the first record. An edited, deleted or inserted
record breaks the chain; the first broken record is named. In a CA governed by a policy, every
state change an operator made is preceded by an `authz.allow` record holding the operator's
signature over what was asked and over the change's own records; each signature is checked
against the operator's certificate, a statement may not appear twice, and every act recorded
under an operator's name must be covered by one. A forged, altered, copied or orphaned act is
caught even if the chain was rebuilt around it.

EXAMPLES:
    govpki audit verify

EXIT CODES:
    0  the chain is intact and every operator signature verifies
    1  the chain is broken, or an operator signature is missing or wrong
    2  an error";

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Only records at or after this time (RFC 3339)
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
}

pub fn run(cmd: AuditCommand, ctx: &Context) -> Result<Outcome> {
    let store = Store::open(&ctx.home)?;
    match cmd {
        AuditCommand::Show(ShowArgs { since }) => {
            let since = since
                .as_deref()
                .map(when::parse_time)
                .transpose()?
                .map(when::rfc3339);
            let records = store.audit_records(since.as_deref())?;
            if ctx.out.is_json() {
                ctx.out.json(&records)?;
            } else {
                let mut text = String::new();
                for r in &records {
                    text.push_str(&format!(
                        "{:>6}  {}  {:<14} {:<12} {}  [{}]  {}\n",
                        r.seq,
                        r.time,
                        r.action,
                        r.outcome,
                        r.object,
                        r.actor,
                        &r.hash[..16]
                    ));
                }
                ctx.out.data(&text)?;
            }
            Ok(Outcome::Success)
        }
        AuditCommand::Verify => {
            let records = store.audit_records(None)?;
            let mut broken = audit::verify(&records);
            // The chain is intact: now every signed act must carry its operator's signature.
            let mut signed = 0usize;
            if broken.is_none() {
                let ca_cert = store.ca_meta()?.cert_der;
                let lookup = |serial: &str| -> std::result::Result<Option<Vec<u8>>, String> {
                    let serial = serial.parse::<Serial>().map_err(|e| e.to_string())?;
                    store
                        .get(&serial, ctx.now)
                        .map(|row| row.map(|r| r.der))
                        .map_err(|e| format!("the store cannot be read: {e}"))
                };
                match proof::verify_signed_acts(&records, &ca_cert, lookup) {
                    Ok(n) => signed = n,
                    Err(b) => broken = Some(b),
                }
            }
            if ctx.out.is_json() {
                ctx.out.json(&json!({
                    "records": records.len(),
                    "signed_acts": signed,
                    "intact": broken.is_none(),
                    "broken": broken,
                }))?;
            } else {
                match &broken {
                    None => ctx.out.data(&format!(
                        "audit log intact: {} records, {signed} signed by their operators, head {}",
                        records.len(),
                        records
                            .last()
                            .map(|r| r.hash.as_str())
                            .unwrap_or(audit::GENESIS)
                    ))?,
                    Some(b) => ctx.out.data(&format!(
                        "audit log BROKEN at record {}: {}",
                        b.seq, b.reason
                    ))?,
                }
            }
            Ok(if broken.is_none() {
                Outcome::Success
            } else {
                Outcome::Negative
            })
        }
    }
}
