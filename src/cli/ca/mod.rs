//! `govpki ca`: create a root or subordinate CA in a home, and show it.

mod init;
mod policy;
mod show;

pub use init::InitArgs;
use init::summary;
use init::{INIT_LONG, init};
pub use policy::PolicyArgs;
use policy::{POLICY_LONG, set_policy};
pub use show::ShowArgs;
use show::{SHOW_LONG, show};

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use time::Duration;

use super::common::{self, NewKeyArgs, NewKeyProtection, NewKeySpelling, OpenCa};
use super::{Context, Outcome};
use crate::audit::Event;
use crate::ca::dn::Dn;
use crate::ca::issue::SubCaOptions;
use crate::ca::keys::{Algorithm, PrivateKey};
use crate::ca::profile::Profile;
use crate::ca::when::{self, rfc3339};
use crate::ops::{self, SystemRandom};
use crate::store::{self, Store};

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum CaCommand {
    /// Create this home's CA: a self-signed root, or a subordinate CA under --parent
    #[command(long_about = INIT_LONG)]
    Init(InitArgs),
    /// Print this home's CA certificate (PEM), or the whole chain with --chain
    #[command(long_about = SHOW_LONG)]
    Show(ShowArgs),
    /// Set or clear the authorization policy that governs this CA's commands
    #[command(long_about = POLICY_LONG)]
    Policy(PolicyArgs),
}

pub fn run(cmd: CaCommand, ctx: &Context) -> Result<Outcome> {
    match cmd {
        CaCommand::Init(args) => init(args, ctx),
        CaCommand::Show(args) => show(args, ctx),
        CaCommand::Policy(args) => set_policy(args, ctx),
    }
}

pub(super) fn check_url(url: &Option<String>, flag: &str) -> Result<()> {
    if let Some(u) = url
        && (!(u.starts_with("http://") || u.starts_with("https://") || u.starts_with("ldap://"))
            || !u.is_ascii()
            || u.contains(char::is_whitespace))
    {
        bail!("{flag} `{u}` is not an http(s) or ldap URL");
    }
    Ok(())
}

pub(super) fn key_algorithm_of(cert_der: &[u8]) -> String {
    common::spki_of(cert_der)
        .ok()
        .and_then(|s| crate::ca::keys::describe_spki(&s).ok())
        .unwrap_or_default()
}
