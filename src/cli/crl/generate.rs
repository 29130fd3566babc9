//! `crl generate`: sign and publish the next CRL.

use super::*;

pub(super) const GENERATE_LONG: &str = "\
Sign a full CRL (v2, with CRL number and authority key identifier; entries carry reason codes and
invalidity dates) listing every revoked or held certificate of this CA. The CRL is recorded in
the store and written to HOME/crl.der, and to --out (replaced atomically: publishing is
replacing) or stdout. Warns when the previous CRL is near or past its nextUpdate. Concurrent
runs on one home publish one after the other (each waits up to two minutes for the one before):
CRL numbers increase in publication order, so a published CRL is never replaced by an older one.

EXAMPLES:
    govpki crl generate --out /var/www/pki/lyg.crl --next-update 7d \\
        --passphrase-file ca.pass
    govpki crl generate --der --out lyg.crl

EXIT CODES:
    0  published
    2  an error (wrong passphrase, unwritable output)";

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Also write the CRL here (replaced atomically)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Time until nextUpdate
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub next_update: String,
    /// Write DER instead of PEM
    #[arg(long)]
    pub der: bool,
    #[command(flatten)]
    pub ca_key: crate::cli::common::CaKeyArgs,
}

pub(super) fn generate(args: GenerateArgs, ctx: &Context) -> Result<Outcome> {
    let GenerateArgs {
        out,
        next_update,
        der,
        ca_key,
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
    let ask = govern::Ask::new("crl.publish", format!("ca/{name}"));
    let authorized = govern::authorize(&ctx.governance(), &mut open, &[ask], None)?;
    ctx.out.allowed(&authorized.allowed);
    let actor = authorized.actor;
    let published = ops::crl::publish(
        &mut open,
        actor,
        &ca_key.passphrase(),
        &crate::cli::common::TERMINAL,
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
