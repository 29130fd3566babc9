//! `govpki audit verify`: print what [`crate::ops::audit::verify`] found.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use super::escape_control;
use crate::cli::{Context, Outcome};
use crate::ops;
use crate::ops::audit::{Check, Report};

pub(super) const VERIFY_LONG: &str = "\
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
pub struct VerifyArgs {
    /// A head printed earlier by `audit head`: the log must still extend it
    #[arg(long, value_name = "FILE")]
    pub head: Option<PathBuf>,
}

pub fn run(args: VerifyArgs, ctx: &Context) -> Result<Outcome> {
    let VerifyArgs { head: head_file } = args;
    let report = ops::audit::verify(&ctx.home, head_file.as_deref(), ctx.now)?;
    let Report {
        records,
        signed_acts: signed,
        decided_again,
        checkpoints: checkpoints_ok,
        broken,
        comparison,
        not_provable,
        head: head_hash,
    } = &report;
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "records": records,
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
                    "audit log intact: {records} records, {signed} signed by their operators, head {head_hash}\n"
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
                    Check::Store => "store DOES NOT MATCH the audit log",
                    _ => "audit log BROKEN",
                };
                text.push_str(&format!("{what}{place}: {}\n", escape_control(&b.reason)));
                let more = comparison.mismatches.len().saturating_sub(1);
                if b.check == Check::Store && more > 0 {
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
    Ok(report.outcome())
}
