//! `govpki cert issue` of one certificate, from a CSR or a generated key.

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use serde_json::json;

use crate::ca::dn::Dn;
use crate::ca::issue::SubCaOptions;
use crate::ca::profile::{Profile, San};
use crate::ca::when::{self, rfc3339};
use crate::cli::common::{self, NewKeyProtection, OpenCa};
use crate::cli::{Context, Outcome};
use crate::ops::govern;

use crate::ops::issue::{KeyProtection, KeySource};
use crate::ops::{self, SystemRandom};

use super::*;

pub(super) fn parse_sans(list: &[String]) -> Result<Vec<San>> {
    let mut out = Vec::new();
    for item in list {
        out.extend(San::parse_list(item).with_context(|| format!("--san `{item}`"))?);
    }
    Ok(out)
}

/// Whether two output paths name the same file (compared through their canonical parents).
pub(super) fn same_file_path(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::canonicalize(parent)
            .ok()
            .map(|d| d.join(p.file_name().unwrap_or_default()))
    };
    a == b || (canon(a).is_some() && canon(a) == canon(b))
}

pub(super) use crate::ops::issue::default_validity;

pub(super) fn issue_one(args: IssueArgs, ctx: &Context) -> Result<Outcome> {
    let IssueArgs {
        profile,
        subject,
        csr,
        key_out,
        algorithm,
        san,
        validity,
        out,
        der,
        force,
        ca_key,
        key_passphrase_file,
        no_key_passphrase,
        path_len,
        permit_dns,
        permit_dn,
        batch: _,
        out_dir,
    } = args;
    if out_dir.is_some() {
        bail!("--out-dir is for --batch; use --out for one certificate");
    }
    let profile_name = profile.unwrap_or_default();
    let profile: Profile = profile_name.parse()?;
    let subject = subject
        .as_deref()
        .map(|s| Dn::parse(s).with_context(|| format!("--subject `{s}`")))
        .transpose()?;
    let sans = parse_sans(&san)?;
    let validity = validity
        .as_deref()
        .map(when::parse_duration)
        .transpose()?
        .unwrap_or_else(|| default_validity(profile));
    let sub_ca = SubCaOptions {
        path_len,
        permit_dns,
        permit_dn: permit_dn
            .iter()
            .map(|d| Dn::parse(d).with_context(|| format!("--permit-dn `{d}`")))
            .collect::<Result<_>>()?,
    };
    if !profile.is_ca() && (sub_ca != SubCaOptions::default()) {
        bail!("--path-len, --permit-dns and --permit-dn apply only to profile `sub-ca`");
    }
    if let Some(o) = &out {
        common::check_output_free(o, force)?;
        if key_out.as_ref().is_some_and(|k| same_file_path(k, o)) {
            bail!("--out and --key-out name the same file `{}`", o.display());
        }
    }
    // Where the key comes from, checked before the CA key is unlocked.
    let key = match (csr, key_out) {
        (Some(path), None) => {
            if key_passphrase_file.is_some() || no_key_passphrase {
                bail!(
                    "--key-passphrase-file and --no-key-passphrase apply to --key-out, not --csr"
                );
            }
            let bytes = common::read_file(&path, "CSR")?;
            KeySource::Csr { path, bytes }
        }
        (None, Some(key_out)) => {
            common::check_output_free(&key_out, force)?;
            if subject.is_none() {
                bail!("--subject is required with --key-out");
            }
            let protection = common::new_key_protection(
                key_passphrase_file.as_deref(),
                no_key_passphrase,
                "--key-passphrase-file",
                "--no-key-passphrase",
                "new key",
            )?;
            KeySource::Generate {
                algorithm,
                key_out,
                protection: key_protection(protection),
            }
        }
        (None, None) => return Err(ops::issue::no_public_key()),
        (Some(_), Some(_)) => bail!("--csr and --key-out cannot be used together"),
    };
    let prepared = ops::issue::prepare(ops::issue::Request {
        profile,
        subject,
        sans,
        validity,
        sub_ca,
        key,
    })?;

    let mut open = OpenCa::open(&ctx.home)?;
    let ask = govern::Ask::new(
        "cert.issue",
        format!(
            "dept/{}/cert/{}",
            govern::segment(prepared.subject().department()),
            prepared.profile()
        ),
    );
    let authorized = govern::authorize(&ctx.governance(), &mut open, &[ask], None)?;
    ctx.out.allowed(&authorized.allowed);
    let actor = authorized.actor;
    let issued = ops::issue::issue(
        &mut open,
        prepared,
        &ops::issue::Delivery {
            out: out.clone(),
            der,
            force,
        },
        &ops::issue::Acting {
            actor: &actor,
            now: ctx.now,
            ca_passphrase: &ca_key.passphrase(),
            prompt: &common::TERMINAL,
            rng: &SystemRandom,
        },
    )?;
    if issued.capped {
        ctx.out.warn(&format!(
            "validity cut to the CA's own end, {}",
            rfc3339(issued.not_after)
        ));
    }
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "serial": issued.serial.to_hex(),
            "subject": issued.subject.to_string(),
            "profile": profile.name(),
            "not_before": rfc3339(issued.not_before),
            "not_after": rfc3339(issued.not_after),
            "out": issued.out.as_ref().map(|p| p.display().to_string()),
            "key_out": issued.key_out.as_ref().map(|p| p.display().to_string()),
            "pem": common::cert_pem(&issued.der),
        }))?;
    } else {
        ctx.out.info(&format!(
            "issued {} certificate {} for `{}`, valid until {}",
            profile,
            issued.serial.to_hex(),
            issued.subject,
            rfc3339(issued.not_after)
        ));
        if issued.key_unencrypted {
            ctx.out
                .warn("the new key is stored unencrypted (--no-key-passphrase)");
        }
        if out.is_none() {
            if der {
                ctx.out.bytes(&issued.body)?;
            } else {
                ctx.out.data(&String::from_utf8_lossy(&issued.body))?;
            }
        }
    }
    Ok(Outcome::Success)
}

/// The op's protection of a generated key, from the CLI's answer.
pub(super) fn key_protection(p: NewKeyProtection) -> KeyProtection {
    match p {
        NewKeyProtection::Passphrase(p) => KeyProtection::Passphrase(p),
        NewKeyProtection::None => KeyProtection::Unencrypted,
    }
}
