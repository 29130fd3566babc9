//! `govpki seal status-list`: sign and publish the list of revoked seals.

use super::*;

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
    govpki seal status-list --out /var/www/pki/seal-status.pem --passphrase-file ca.pass
    govpki seal status-list --der --next-update 1d --out seal-status.der

EXIT CODES:
    0  published
    2  an error (wrong passphrase, unwritable output)";

#[derive(Debug, Args)]
pub struct StatusListArgs {
    /// Also write the list here (replaced atomically)
    #[arg(long, value_name = "F")]
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
    let period = when::parse_duration(&next_update).context("--next-update")?;
    let mut open = OpenCa::open(&ctx.home)?;
    let name = crate::cli::crl::ca_name(&open);
    let actor = govern::authorize(
        ctx,
        &mut open,
        &[govern::Ask::new("crl.publish", format!("ca/{name}"))],
    )?;
    let rows = open.store.revoked_seals()?;
    let key = open.unlock(&ca_key.passphrase(), &crate::cli::common::TERMINAL)?;
    let signer = KeySigner::new(&key);
    let entries: Vec<StatusEntry> = rows
        .iter()
        .map(|r| StatusEntry {
            es_id: r.es_id.clone(),
            revoked_at: r.revoked_at,
            reason: r.reason.clone(),
        })
        .collect();
    let next = ctx.now + period;
    let list = status::create_status_list(&open.meta.cert_der, &signer, ctx.now, next, &entries)
        .context("making the seal status list")?;
    open.store.audit(vec![Event {
        time: rfc3339(ctx.now),
        actor,
        action: "seal.status-list".into(),
        object: format!(
            "{} revoked seals, next update {}",
            entries.len(),
            rfc3339(next)
        ),
        outcome: "ok".into(),
    }])?;
    let home_copy = ctx.home.join(STATUS_LIST_FILE);
    files::write_atomic(
        &home_copy,
        list.to_der(),
        files::Mode::Public,
        files::Overwrite::Replace,
    )
    .with_context(|| format!("writing `{}`", home_copy.display()))?;
    let body: Vec<u8> = if der {
        list.to_der().to_vec()
    } else {
        pem::encode(&pem::Pem::new(status::PEM_LABEL, list.to_der().to_vec())).into_bytes()
    };
    if let Some(o) = &out {
        files::write_atomic(o, &body, files::Mode::Public, files::Overwrite::Replace)
            .with_context(|| format!("writing `{}`", o.display()))?;
    }
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "revoked": entries.len(),
            "this_update": rfc3339(ctx.now),
            "next_update": rfc3339(next),
            "out": out.as_ref().map(|o| o.display().to_string()),
            "home_copy": home_copy.display().to_string(),
        }))?;
    } else {
        ctx.out.info(&format!(
            "published the seal status list with {} revoked seal(s), next update {}",
            entries.len(),
            rfc3339(next)
        ));
        if out.is_none() {
            if der {
                ctx.out.bytes(&body)?;
            } else {
                ctx.out.data(&String::from_utf8_lossy(&body))?;
            }
        }
    }
    Ok(Outcome::Success)
}
