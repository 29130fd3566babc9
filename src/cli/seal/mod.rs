//! `govpki seal`: make electronic seals (create), apply them to documents (sign), verify sealed
//! documents (verify), show seals and signatures (show), revoke seals (revoke) and publish the
//! signed seal status list (status-list). DESIGN.md §2 and §4.

mod create;
mod revoke;
mod show;
mod sign;
mod status_list;
mod timestamp_cmd;
mod verify;

pub use create::CreateArgs;
pub(crate) use create::parse_size;
use create::{CREATE_LONG, create};
pub use revoke::RevokeArgs;
use revoke::{REVOKE_LONG, revoke};
pub use show::ShowArgs;
use show::{SHOW_LONG, show};
use sign::{SIGN_LONG, sign};
pub use sign::{SignArgs, SignFormat};
pub use status_list::StatusListArgs;
use status_list::{STATUS_LIST_LONG, status_list};
pub use timestamp_cmd::TimestampArgs;
use timestamp_cmd::{TIMESTAMP_LONG, timestamp_cmd};
pub use verify::VerifyArgs;
use verify::{VERIFY_LONG, verify};

use std::path::PathBuf;

use anyhow::{Context as _, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use super::{Context, Outcome};
use crate::ca::when::{self, rfc3339};
use crate::cli::common;
use crate::cli::tally::progress;
use crate::ops::seal::*;
use crate::seal::{Picture, SealType, Verdict, VerificationReport, format_time};

pub use crate::ops::seal::status_list::STATUS_LIST_FILE;

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum SealCommand {
    /// Make an electronic seal (.esl) signed by a seal authority (this home's CA), for holder certificates
    #[command(long_about = CREATE_LONG)]
    Create(CreateArgs),
    /// Seal documents: a detached CMS signature carrying the seal, DOC.p7s beside each
    #[command(long_about = SIGN_LONG)]
    Sign(SignArgs),
    /// Verify sealed documents at their signing time and report every check
    #[command(long_about = VERIFY_LONG)]
    Verify(VerifyArgs),
    /// Time-stamp a sealed signature (RFC 3161): write the request, then embed the TSA's token
    #[command(long_about = TIMESTAMP_LONG)]
    Timestamp(TimestampArgs),
    /// Show a seal (.esl), a sealed signature (.p7s or SES_Signature) or a seal status list
    #[command(long_about = SHOW_LONG)]
    Show(ShowArgs),
    /// Revoke a seal this home's CA made
    #[command(long_about = REVOKE_LONG)]
    Revoke(RevokeArgs),
    /// Sign and publish the seal status list (the revoked seals), beside the CRL
    #[command(long_about = STATUS_LIST_LONG)]
    StatusList(StatusListArgs),
}

pub fn run(cmd: SealCommand, ctx: &Context) -> Result<Outcome> {
    match cmd {
        SealCommand::Create(args) => create(args, ctx),
        SealCommand::Sign(args) => sign(args, ctx),
        SealCommand::Verify(args) => verify(args, ctx),
        SealCommand::Timestamp(args) => timestamp_cmd(args, ctx),
        SealCommand::Show(args) => show(args, ctx),
        SealCommand::Revoke(args) => revoke(args, ctx),
        SealCommand::StatusList(args) => status_list(args, ctx),
    }
}

/// Prints a refusal to sign (exit 1): on stdout, like other verdicts.
fn refused(ctx: &Context, refusal: &Refusal) -> Result<Outcome> {
    if ctx.out.is_json() {
        ctx.out.json(refusal)?;
    } else {
        ctx.out.data(&format!("refused: {}", refusal.reason))?;
    }
    Ok(Outcome::Negative)
}

#[cfg(test)]
mod tests {
    use super::create::parse_size;
    use super::*;
    use std::path::Path;

    #[test]
    fn signature_paths() {
        assert_eq!(
            signature_path(Path::new("a/b.pdf"), None, "p7s").unwrap(),
            PathBuf::from("a/b.pdf.p7s")
        );
        assert_eq!(
            signature_path(Path::new("a/b.pdf"), Some(Path::new("out")), "p7s").unwrap(),
            PathBuf::from("out/b.pdf.p7s")
        );
        assert!(signature_path(Path::new("/"), None, "p7s").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("42x42").unwrap(), (42, 42));
        assert_eq!(parse_size("40×30").unwrap(), (40, 30));
        assert!(parse_size("42").is_err());
        assert!(parse_size("ax4").is_err());
    }
}
