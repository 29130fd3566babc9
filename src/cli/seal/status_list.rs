//! `govpki seal status-list`: sign and publish the list of revoked seals.

use super::*;
use crate::ops::seal::status_list::StatusListRequest;

pub(super) const STATUS_LIST_LONG: &str = "\
Sign and publish the seal status list: every seal this home's CA revoked, with esID, revocation
time and reason, signed by the CA key. Publish it beside the CRL; verifiers pass it to `seal verify
--seal-status F`. Like a CRL, a list shows a seal unrevoked at a signing time only if it was
issued at or after that time, and it speaks only for seals whose authority certificate is the
list's.

Format (DER; PEM label GOVPKI SEAL STATUS LIST):
    SealStatusList ::= SEQUENCE { tbsList TBSSealStatusList, signAlgID OBJECT IDENTIFIER,
                                  signedValue BIT STRING }      -- signature over DER(tbsList)
    TBSSealStatusList ::= SEQUENCE { version INTEGER (1), authority OCTET STRING (certificate),
        thisUpdate GeneralizedTime, nextUpdate GeneralizedTime, revokedSeals SEQUENCE OF
        SEQUENCE { esID IA5String, revocationDate GeneralizedTime, reason UTF8String OPTIONAL } }

The list is written to HOME/seal-status.der, and to --out (replaced atomically; PEM unless
--der) or stdout.

EXAMPLES:
    govpki seal status-list --out /var/www/pki/seal-status.pem \\
        --passphrase-file ca.pass
    govpki seal status-list --der --next-update 1d --out seal-status.der

EXIT CODES:
    0  published
    2  an error (wrong passphrase, unwritable output)";

#[derive(Debug, Args)]
pub struct StatusListArgs {
    /// Also write the list here (replaced atomically)
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

pub(super) fn status_list(args: StatusListArgs, ctx: &Context) -> Result<Outcome> {
    let StatusListArgs {
        out,
        next_update,
        der,
        ca_key,
    } = args;
    let next_update = when::parse_duration(&next_update).context("--next-update")?;
    let request = StatusListRequest {
        next_update,
        out,
        der,
    };
    let published = crate::ops::seal::status_list::publish(
        &ctx.home,
        &request,
        &ctx.governance(),
        &ca_key.passphrase(),
    )?;
    ctx.out.allowed(&published.allowed);
    if ctx.out.is_json() {
        ctx.out.json(&published)?;
    } else {
        ctx.out.info(&format!(
            "published the seal status list with {} revoked seal(s), next update {}",
            published.revoked,
            rfc3339(published.next_update)
        ));
        if published.out.is_none() {
            if der {
                ctx.out.bytes(&published.body)?;
            } else {
                ctx.out.data(&String::from_utf8_lossy(&published.body))?;
            }
        }
    }
    Ok(Outcome::Success)
}
