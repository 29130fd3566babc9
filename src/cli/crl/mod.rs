//! `govpki crl`: publish the full CRL of this home's CA, and show a CRL.

mod generate;
mod show;

pub use generate::GenerateArgs;
use generate::{GENERATE_LONG, generate};
pub use show::ShowArgs;
use show::{SHOW_LONG, show};

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::json;

use super::common::{self, OpenCa};
use super::{Context, Outcome};
use crate::ca::crl::Reason;
use crate::ca::input;
use crate::ca::serial::Serial;
use crate::ca::when::{self, rfc3339};
use crate::ops;
use crate::ops::govern;

#[derive(Debug, Subcommand)]
pub enum CrlCommand {
    /// Sign and publish a full CRL of every revoked certificate
    #[command(long_about = GENERATE_LONG)]
    Generate(GenerateArgs),
    /// Show a CRL (PEM or DER): issuer, dates, number and entries
    #[command(long_about = SHOW_LONG)]
    Show(ShowArgs),
}

pub fn run(cmd: CrlCommand, ctx: &Context) -> Result<Outcome> {
    match cmd {
        CrlCommand::Generate(args) => generate(args, ctx),
        CrlCommand::Show(args) => show(args, ctx),
    }
}

/// The CA's name in policy resources (`ca/<name>`): its common name.
pub fn ca_name(open: &OpenCa) -> String {
    ops::govern::ca_name(open)
}
