//! `govpki crl`: publish the full CRL of this home's CA, and show a CRL.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::json;

use super::common::{self, OpenCa};
use super::govern;
use super::{Context, Outcome};
use crate::ca::crl::Reason;
use crate::ca::input;
use crate::ca::serial::Serial;
use crate::ca::when::{self, rfc3339};
use crate::ops;

#[derive(Debug, Subcommand)]
pub enum CrlCommand {
    /// Sign and publish a full CRL of every revoked certificate
    #[command(long_about = GENERATE_LONG)]
    Generate(GenerateArgs),
    /// Show a CRL (PEM or DER): issuer, dates, number and entries
    #[command(long_about = SHOW_LONG)]
    Show(ShowArgs),
}

const GENERATE_LONG: &str = "\
Sign a full CRL (v2, with CRL number and authority key identifier; entries carry reason codes and
invalidity dates) listing every revoked or held certificate of this CA. The CRL is recorded in
the store and written to HOME/crl.der, and to --out (replaced atomically: publishing is
replacing) or stdout. Warns when the previous CRL is near or past its nextUpdate. Concurrent
runs on one home publish one after the other (each waits up to two minutes for the one before):
CRL numbers increase in publication order, so a published CRL is never replaced by an older one.

EXAMPLES:
    govpki crl generate --out /var/www/pki/lyg.crl --next-update 7d --passphrase-file ca.pass
    govpki crl generate --der --out lyg.crl

EXIT CODES:
    0  published
    2  an error (wrong passphrase, unwritable output)";

const SHOW_LONG: &str = "\
Show a CRL: issuer, thisUpdate, nextUpdate, CRL number, and the revoked serials with dates and
reasons. When this home's CA issued it, its signature is checked too.

EXAMPLES:
    govpki crl show lyg.crl
    govpki --json crl show lyg.crl | jq '.entries | length'

EXIT CODES:
    0  shown (and, where checked, the signature verifies)
    1  the signature does not verify against this home's CA
    2  an error (unreadable or malformed CRL)";

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Also write the CRL here (replaced atomically)
    #[arg(long, value_name = "F")]
    pub out: Option<PathBuf>,
    /// Time until nextUpdate
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub next_update: String,
    /// Write DER instead of PEM
    #[arg(long)]
    pub der: bool,
    /// File holding the CA key's passphrase
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The CRL file (PEM or DER)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

pub fn run(cmd: CrlCommand, ctx: &Context) -> Result<Outcome> {
    match cmd {
        CrlCommand::Generate(args) => generate(args, ctx),
        CrlCommand::Show(args) => show(args, ctx),
    }
}

fn generate(args: GenerateArgs, ctx: &Context) -> Result<Outcome> {
    let GenerateArgs {
        out,
        next_update,
        der,
        passphrase_file,
    } = args;
    let period = when::parse_duration(&next_update).with_context(|| "--next-update")?;
    let mut open = OpenCa::open(&ctx.home)?;
    if let Some((number, next, expired)) = ops::crl::previous_lapsing(&open, ctx.now)? {
        let verb = if expired { "expired" } else { "expires" };
        ctx.out.warn(&format!(
            "the previous CRL #{number} {verb} at {}",
            rfc3339(next)
        ));
    }
    let name = ca_name(&open);
    let actor = govern::authorize(
        ctx,
        &mut open,
        &[govern::Ask::new("crl.publish", format!("ca/{name}"))],
    )?;
    let published = ops::crl::publish(
        &mut open,
        actor,
        &super::common::ca_passphrase(passphrase_file.as_deref()),
        &super::common::TERMINAL,
        ctx.now,
        period,
        &ops::crl::Delivery {
            out: out.clone(),
            der,
        },
    )?;
    if published.next_after_ca {
        ctx.out
            .warn("nextUpdate is after the CA certificate expires");
    }
    let entries = published.crl.entries;
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "number": published.number,
            "entries": entries,
            "this_update": rfc3339(published.this_update),
            "next_update": rfc3339(published.next_update),
            "out": out.as_ref().map(|o| o.display().to_string()),
            "sha256": published.sha256,
        }))?;
    } else {
        ctx.out.info(&format!(
            "published CRL #{} with {entries} entries, next update {}",
            published.number,
            rfc3339(published.next_update)
        ));
        if out.is_none() {
            ctx.out.stream(|w| ops::crl::emit(&published.crl, der, w))?;
        }
    }
    Ok(Outcome::Success)
}

/// The CA's name in policy resources (`ca/<name>`): its common name.
pub fn ca_name(open: &OpenCa) -> String {
    let cn = input::parse_cert(&open.meta.cert_der)
        .ok()
        .and_then(|c| crate::ca::dn::Dn::from_x509(c.subject()).ok())
        .and_then(|d| d.common_name().map(str::to_string));
    govern::segment(cn.as_deref())
}

fn show(args: ShowArgs, ctx: &Context) -> Result<Outcome> {
    let ShowArgs { file } = args;
    let bytes = common::read_file(&file, "CRL")?;
    let der = input::decode_one(&bytes, input::CRL_LABELS)
        .with_context(|| format!("reading CRL `{}`", file.display()))?;
    let crl = crate::ca::crl_read::parse_crl(&der)
        .map_err(|e| anyhow::anyhow!("reading CRL `{}`: {e}", file.display()))?;
    // Check the signature when this home's CA is the issuer.
    let mut signature = "not checked (not issued by this home's CA)".to_string();
    let mut outcome = Outcome::Success;
    if let Ok(open) = OpenCa::open(&ctx.home)
        && let Ok(ca) = input::parse_cert(&open.meta.cert_der)
        && ca.subject().as_raw() == crl.issuer().as_raw()
    {
        match crl.verify_signature(ca.public_key()) {
            Ok(()) => signature = "verified with this home's CA".into(),
            Err(_) => {
                signature = "DOES NOT VERIFY with this home's CA".into();
                outcome = Outcome::Negative;
            }
        }
    }
    let entries: Vec<serde_json::Value> = crl
        .iter_revoked_certificates()
        .map(|e| {
            let reason = e
                .reason_code()
                .and_then(|(_, r)| Reason::from_code(r.0))
                .unwrap_or(Reason::Unspecified);
            json!({
                "serial": Serial::from_be_bytes(e.raw_serial()).map(|s| s.to_hex()).unwrap_or_else(|_| hex::encode_upper(e.raw_serial())),
                "revoked_at": rfc3339(e.revocation_date.to_datetime()),
                "reason": reason.name(),
            })
        })
        .collect();
    let next = crl.next_update().map(|t| t.to_datetime());
    let report = json!({
        "file": file.display().to_string(),
        "issuer": crate::ca::dn::display_name(crl.issuer()),
        "this_update": rfc3339(crl.last_update().to_datetime()),
        "next_update": next.map(rfc3339),
        "expired": next.is_some_and(|n| n < ctx.now),
        "number": crl.crl_number().map(|n| n.to_string()),
        "signature": signature,
        "entries": entries,
    });
    if ctx.out.is_json() {
        ctx.out.json(&report)?;
    } else {
        let mut text = format!(
            "Issuer:       {}\nThis update:  {}\nNext update:  {}{}\nCRL number:   {}\nSignature:    {}\nEntries:      {}\n",
            report["issuer"].as_str().unwrap_or(""),
            report["this_update"].as_str().unwrap_or(""),
            report["next_update"].as_str().unwrap_or("none"),
            if report["expired"] == json!(true) {
                " (EXPIRED)"
            } else {
                ""
            },
            report["number"].as_str().unwrap_or("none"),
            signature,
            entries.len()
        );
        for e in &entries {
            text.push_str(&format!(
                "  {}  {}  {}\n",
                e["serial"].as_str().unwrap_or(""),
                e["revoked_at"].as_str().unwrap_or(""),
                e["reason"].as_str().unwrap_or("")
            ));
        }
        ctx.out.data(&text)?;
    }
    Ok(outcome)
}
