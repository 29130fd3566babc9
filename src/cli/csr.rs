//! `govpki csr create`: a key and a CSR for departments that keep their own keys.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};

use super::common::{self, NewKeyArgs, NewKeyProtection, NewKeySpelling};
use super::{Context, Outcome};
use crate::ca::dn::Dn;
use crate::ca::keys::Algorithm;
use crate::ca::profile::San;
use crate::ops::{self, SystemRandom};

#[derive(Debug, Subcommand)]
pub enum CsrCommand {
    /// Generate a key (written encrypted) and print a CSR for it
    #[command(long_about = CREATE_LONG)]
    Create(CreateArgs),
}

const CREATE_LONG: &str = "\
Generate a key pair, write the key (PKCS#8, encrypted unless --no-passphrase), and print a
PKCS#10 CSR (PEM) for the CA. The CA decides the final subject and extensions.

EXAMPLES:
    govpki csr create \\
        --subject 'CN=信息中心,OU=信息中心,O=连云港市人民政府,C=CN' \\
        --key-out dept.key --passphrase-file dept.pass > dept.csr
    govpki csr create --subject 'CN=www.lyg.gov.cn,O=连云港市人民政府,C=CN' \\
        --san dns:www.lyg.gov.cn --key-out www.key --no-passphrase --out www.csr

EXIT CODES:
    0  created
    2  an error (bad DN or SAN, existing key file, no passphrase source)";

/// `csr create`'s words for the new key's passphrase options.
#[derive(Debug)]
pub struct CsrKeySpelling;

impl NewKeySpelling for CsrKeySpelling {
    const FILE_FLAG: &'static str = "passphrase-file";
    const FILE_HELP: &'static str = "File holding the passphrase for the new key";
    const NONE_FLAG: &'static str = "no-passphrase";
    const NONE_HELP: &'static str = "Write the key unencrypted (explicit consent)";
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Subject DN, RFC 4514
    #[arg(long, value_name = "DN")]
    pub subject: String,
    /// Write the new key here
    #[arg(long, value_name = "FILE")]
    pub key_out: PathBuf,
    /// Key algorithm
    #[arg(long, value_enum, default_value_t = Algorithm::P256)]
    pub algorithm: Algorithm,
    /// Requested SANs: dns:NAME, email:ADDR, ip:ADDR, uri:URI (comma-separated; repeatable)
    #[arg(long, value_name = "SANS")]
    pub san: Vec<String>,
    /// Write the CSR here instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub key: NewKeyArgs<CsrKeySpelling>,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
}

pub fn run(cmd: CsrCommand, ctx: &Context) -> Result<Outcome> {
    let CsrCommand::Create(args) = cmd;
    let CreateArgs {
        subject,
        key_out,
        algorithm,
        san,
        out,
        key,
        force,
    } = args;
    let dn = Dn::parse(&subject).with_context(|| format!("--subject `{subject}`"))?;
    let mut sans = Vec::new();
    for s in &san {
        sans.extend(San::parse_list(s).with_context(|| format!("--san `{s}`"))?);
    }
    common::check_output_free(&key_out, force)?;
    if let Some(o) = &out {
        common::check_output_free(o, force)?;
    }
    let protection = key.protection("new key")?;
    let csr_pem = ops::csr::create(
        &ops::csr::Request {
            subject: dn.clone(),
            sans,
            algorithm,
            key_out: key_out.clone(),
            protection: protection.key_protection(),
            out: out.clone(),
            force,
        },
        &SystemRandom,
    )?;
    if ctx.out.is_json() {
        ctx.out.json(&serde_json::json!({
            "subject": dn.to_string(),
            "key_out": key_out.display().to_string(),
            "out": out.as_ref().map(|o| o.display().to_string()),
            "csr": csr_pem,
        }))?;
    } else {
        ctx.out.info(&format!("wrote key `{}`", key_out.display()));
        if matches!(protection, NewKeyProtection::None) {
            ctx.out
                .warn("the key is stored unencrypted (--no-passphrase)");
        }
        if out.is_none() {
            ctx.out.data(&csr_pem)?;
        }
    }
    Ok(Outcome::Success)
}
