//! `govpki crl`: publish the full CRL of this home's CA, and show a CRL.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use x509_parser::prelude::FromDer;

use super::common::{self, OpenCa};
use super::govern;
use super::{Context, Outcome};
use crate::audit::Event;
use crate::ca::crl::{self, CrlHeader, Reason};
use crate::ca::input;
use crate::ca::serial::Serial;
use crate::ca::when::{self, rfc3339};
use crate::store::{self, files};

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
    if let Some((number, _, next)) = open.store.last_crl()? {
        if next < ctx.now {
            ctx.out.warn(&format!(
                "the previous CRL #{number} expired at {}",
                rfc3339(next)
            ));
        } else if next - ctx.now < time::Duration::days(1) {
            ctx.out.warn(&format!(
                "the previous CRL #{number} expires at {}",
                rfc3339(next)
            ));
        }
    }
    let name = ca_name(&open);
    let actor = govern::authorize(
        ctx,
        &mut open,
        &[govern::Ask::new("crl.publish", format!("ca/{name}"))],
    )?;
    let key = open.unlock(
        &super::common::ca_passphrase(passphrase_file.as_deref()),
        &super::common::TERMINAL,
    )?;
    // The CRL's audit record carries the log's head before it, signed with the CA key.
    let head_key = key
        .try_clone()
        .map_err(|e| anyhow::anyhow!("holding the CA key: {e}"))?;
    let ca_fp = crate::audit::binding::sha256_hex(&open.meta.cert_der);
    open.store
        .set_head_signer(Box::new(move |records, hash, time| {
            let msg = crate::audit::head::message(&ca_fp, records, hash, time);
            let signature = head_key.sign(&msg).map_err(|e| e.to_string())?;
            Ok(crate::audit::head::Head {
                ca: ca_fp.clone(),
                records,
                hash: hash.to_string(),
                time: time.to_string(),
                signature,
            }
            .checkpoint())
        }));
    let cert = input::parse_cert(&open.meta.cert_der).context("reading the CA certificate")?;
    let ski = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
        .ok_or_else(|| anyhow::anyhow!("the CA certificate has no subject key identifier"))?;
    let ca_not_after = cert.validity().not_after.to_datetime();
    let next = ctx.now + period;
    if next > ca_not_after {
        ctx.out
            .warn("nextUpdate is after the CA certificate expires");
    }
    // One publisher at a time, from taking the number to replacing the files: CRL numbers then
    // strictly increase in the order the files are published, and an older CRL can never
    // replace a newer one (a concurrent run waits here, up to two minutes).
    let lock_path = ctx.home.join(store::CRL_LOCK_FILE);
    let _publishing = files::lock_exclusive(&lock_path, std::time::Duration::from_secs(120))
        .with_context(|| {
            format!(
                "waiting for the CRL publication lock `{}`",
                lock_path.display()
            )
        })?;
    let number = open.store.next_crl_number()?;
    let header = CrlHeader {
        issuer_name_der: cert.subject().as_raw(),
        issuer_key_id: &ski,
        this_update: ctx.now,
        next_update: next,
        number,
    };
    let count = open.store.revoked_count()?;
    // Entries go from the store straight into the CRL buffer: memory stays near the CRL's size.
    let mut builder = crl::CrlBuilder::new(&header, key.signature_algorithm_der(), count);
    open.store.for_each_revoked(|e| builder.push(&e))?;
    let signed = builder.finish(&key)?;
    let sha = hex::encode(ring::digest::digest(&ring::digest::SHA256, signed.der()).as_ref());
    open.store.record_crl(
        number,
        ctx.now,
        next,
        signed.entries,
        &sha,
        Event {
            time: rfc3339(ctx.now),
            actor,
            action: "crl.publish".into(),
            object: format!("#{number} {} entries", signed.entries),
            outcome: "ok".into(),
        },
    )?;
    // Write without copying the CRL again: a million entries are ~50 MB of DER.
    let home_copy = ctx.home.join(store::CRL_FILE);
    files::write_atomic(
        &home_copy,
        signed.der(),
        files::Mode::Public,
        files::Overwrite::Replace,
    )
    .with_context(|| format!("writing `{}`", home_copy.display()))?;
    let emit = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        if der {
            w.write_all(signed.der())
        } else {
            files::write_pem(w, "X509 CRL", signed.der())
        }
    };
    if let Some(o) = &out {
        files::write_atomic_stream(o, files::Mode::Public, files::Overwrite::Replace, emit)
            .with_context(|| format!("writing `{}`", o.display()))?;
    }
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "number": number,
            "entries": signed.entries,
            "this_update": rfc3339(ctx.now),
            "next_update": rfc3339(next),
            "out": out.as_ref().map(|o| o.display().to_string()),
            "sha256": sha,
        }))?;
    } else {
        ctx.out.info(&format!(
            "published CRL #{number} with {} entries, next update {}",
            signed.entries,
            rfc3339(next)
        ));
        if out.is_none() {
            ctx.out.stream(emit)?;
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
    let (rest, crl) = x509_parser::revocation_list::CertificateRevocationList::from_der(&der)
        .map_err(|e| anyhow::anyhow!("reading CRL `{}`: {e}", file.display()))?;
    if !rest.is_empty() {
        bail!(
            "reading CRL `{}`: {} trailing bytes",
            file.display(),
            rest.len()
        );
    }
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
