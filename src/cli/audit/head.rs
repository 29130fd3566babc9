//! `govpki audit head`: print the log's head, signed with the CA key.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use crate::cli::common;
use crate::cli::{Context, Outcome};
use crate::ops;

pub(super) const HEAD_LONG: &str = "\
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

#[derive(Debug, Args)]
pub struct HeadArgs {
    /// File holding the CA key's passphrase (first line)
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

pub fn run(args: HeadArgs, ctx: &Context) -> Result<Outcome> {
    let HeadArgs { passphrase_file } = args;
    let h = ops::audit::signed_head(
        &ctx.home,
        &common::ca_passphrase(passphrase_file.as_deref()),
        &common::TERMINAL,
        ctx.now,
    )?;
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
