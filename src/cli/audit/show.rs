//! `govpki audit show`: print the log's records, escaped.

use anyhow::Result;
use clap::Args;

use super::{escape_control, escape_json_controls, short_outcome};
use crate::ca::when;
use crate::cli::{Context, Outcome};
use crate::ops;

pub(super) const SHOW_LONG: &str = "\
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

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Only records at or after this time (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
}

pub fn run(args: ShowArgs, ctx: &Context) -> Result<Outcome> {
    let ShowArgs { since } = args;
    let since = since.as_deref().map(when::parse_time).transpose()?;
    let records = ops::audit::records(&ctx.home, since)?;
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
