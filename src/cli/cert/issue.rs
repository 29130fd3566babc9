//! `govpki cert issue` of one certificate, from a CSR or a generated key.

use std::path::Path;

use anyhow::{Context as _, Result, bail};

use crate::ca::dn::Dn;
use crate::ca::issue::SubCaOptions;
use crate::ca::profile::San;
use crate::ca::when::{self, rfc3339};
use crate::cli::common::{self, NewKeySpelling, OpenCa};
use crate::cli::{Context, Outcome};
use crate::ops::govern;

use crate::ops::issue::KeySource;
use crate::ops::{self, SystemRandom};

use super::*;

pub(crate) fn parse_sans(list: &[String]) -> Result<Vec<San>> {
    let mut out = Vec::new();
    for item in list {
        out.extend(San::parse_list(item).with_context(|| format!("--san `{item}`"))?);
    }
    Ok(out)
}

/// Whether two output paths name the same file (compared through their canonical parents).
pub(crate) fn same_file_path(a: &Path, b: &Path) -> bool {
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

/// `cert issue --key-passphrase-file` and `--no-key-passphrase`, for keys it generates.
#[derive(Debug)]
pub struct IssueKeySpelling;

impl NewKeySpelling for IssueKeySpelling {
    const FILE_FLAG: &'static str = "key-passphrase-file";
    const FILE_HELP: &'static str = "File holding the passphrase for generated keys";
    const NONE_FLAG: &'static str = "no-key-passphrase";
    const NONE_HELP: &'static str = "Write generated keys unencrypted (explicit consent)";
}

/// `cert issue`: one certificate, or every row of `--batch`.
pub(super) fn issue(args: IssueArgs, ctx: &Context) -> Result<Outcome> {
    refuse_other_mode(&args)?;
    if args.batch.is_some() {
        super::batch::issue_batch(args, ctx)
    } else {
        issue_one(args, ctx)
    }
}

/// Refuses the options that do not apply to the mode (one certificate, or `--batch`). The one
/// place that names every field, so a new flag does not compile until its mode is decided.
fn refuse_other_mode(args: &IssueArgs) -> Result<()> {
    let IssueArgs {
        profile,
        subject,
        csr,
        key_out,
        algorithm: _,
        san,
        validity,
        not_before: _,
        not_after: _,
        out,
        der,
        force: _,
        ca_key: _,
        key: _,
        path_len,
        permit_dns,
        permit_dn,
        batch,
        out_dir,
    } = args;
    if batch.is_none() {
        if out_dir.is_some() {
            bail!("--out-dir is for --batch; use --out for one certificate");
        }
        return Ok(());
    }
    if profile.is_some()
        || subject.is_some()
        || csr.is_some()
        || key_out.is_some()
        || !san.is_empty()
        || validity.is_some()
        || out.is_some()
        || *der
    {
        bail!(
            "--batch takes every request from the file; --profile, --subject, --csr, --key-out, --san, --validity, --out and --der do not apply"
        );
    }
    if path_len.is_some() || !permit_dns.is_empty() || !permit_dn.is_empty() {
        bail!(
            "--batch cannot issue sub-ca certificates with constraints; use `govpki ca init --parent`"
        );
    }
    if out_dir.is_none() {
        bail!("--batch needs --out-dir");
    }
    Ok(())
}

fn issue_one(one: IssueArgs, ctx: &Context) -> Result<Outcome> {
    let (prepared, weak_passphrase_allowed) = prepare_one(&one, &ctx.home)?;
    let mut open = OpenCa::open(&ctx.home)?;
    // The validity before the policy is asked: a refused one leaves no trace.
    ops::issue::check_window(&open, &prepared, ctx.now)?;
    let asks = govern::RoleGrants::load(&open)?.asks(
        prepared.subject(),
        prepared.sans(),
        prepared.profile(),
    );
    let authorized = govern::authorize(&ctx.governance(), &mut open, &asks, None)?;
    ctx.out.allowed(&authorized.allowed);
    let actor = authorized.actor;
    let issued = ops::issue::issue(
        &mut open,
        prepared,
        &ops::issue::Delivery {
            out: one.out.clone(),
            der: one.der,
            force: one.force,
            weak_passphrase_allowed,
        },
        &ops::issue::Acting {
            actor: &actor,
            now: ctx.now,
            ca_passphrase: &one.ca_key.passphrase(),
            prompt: &common::TERMINAL,
            rng: &SystemRandom,
        },
    )?;
    print_issued(ctx, &issued, &one)
}

/// The request for one certificate, checked before the CA key is unlocked.
/// The checked request, and whether a generated key's weak passphrase was kept
/// (`--allow-weak-passphrase`).
fn prepare_one(one: &IssueArgs, home: &Path) -> Result<(ops::issue::Prepared, bool)> {
    let name = one.profile.as_deref().unwrap_or_default();
    let named = resolve_profile(home, name)?;
    let (profile, home_profile) = match named {
        ops::profiles::Named::Builtin(p) => (p, None),
        ops::profiles::Named::Home(h) => (h.base, Some(h)),
    };
    let subject = one
        .subject
        .as_deref()
        .map(|s| Dn::parse(s).with_context(|| format!("--subject `{s}`")))
        .transpose()?;
    let sans = parse_sans(&one.san)?;
    let validity = one
        .validity
        .as_deref()
        .map(when::parse_duration)
        .transpose()?
        .unwrap_or_else(|| match &home_profile {
            Some(h) => h.default_validity,
            None => default_validity(profile),
        });
    let sub_ca = SubCaOptions {
        path_len: one.path_len,
        permit_dns: one.permit_dns.clone(),
        permit_dn: one
            .permit_dn
            .iter()
            .map(|d| Dn::parse(d).with_context(|| format!("--permit-dn `{d}`")))
            .collect::<Result<_>>()?,
    };
    if !profile.is_ca() && (sub_ca != SubCaOptions::default()) {
        bail!("--path-len, --permit-dns and --permit-dn apply only to profile `sub-ca`");
    }
    if let Some(o) = &one.out {
        common::check_output_free(o, one.force)?;
        if one.key_out.as_ref().is_some_and(|k| same_file_path(k, o)) {
            bail!("--out and --key-out name the same file `{}`", o.display());
        }
    }
    let (key, weak_passphrase_allowed) = key_source(one, subject.is_some())?;
    let parse_time = |t: &Option<String>| t.as_deref().map(when::parse_time).transpose();
    let (not_before, not_after) = (parse_time(&one.not_before)?, parse_time(&one.not_after)?);
    let prepared = ops::issue::prepare(ops::issue::Request {
        profile,
        subject,
        sans,
        validity,
        sub_ca,
        key,
    })?
    .with_bounds(not_before, not_after)
    .with_default_validity(one.validity.is_none());
    let prepared = match home_profile {
        Some(h) => prepared.with_home_profile(h),
        None => prepared,
    };
    Ok((prepared, weak_passphrase_allowed))
}

/// Where the certificate's public key comes from: the CSR, or a key generated into
/// `--key-out`.
fn key_source(one: &IssueArgs, has_subject: bool) -> Result<(KeySource, bool)> {
    Ok(match (&one.csr, &one.key_out) {
        (Some(path), None) => {
            if one.key.given() {
                bail!(
                    "--key-passphrase-file and --no-key-passphrase apply to --key-out, not --csr"
                );
            }
            let bytes = common::read_file(path, "CSR")?;
            let source = KeySource::Csr {
                path: path.clone(),
                bytes,
            };
            (source, false)
        }
        (None, Some(key_out)) => {
            common::check_output_free(key_out, one.force)?;
            if !has_subject {
                bail!("--subject is required with --key-out");
            }
            let protection = one.key.protection("new key")?;
            let source = KeySource::Generate {
                algorithm: one.algorithm,
                key_out: key_out.clone(),
                protection: protection.key_protection(),
            };
            (source, protection.weak_allowed())
        }
        (None, None) => return Err(ops::issue::no_public_key()),
        (Some(_), Some(_)) => bail!("--csr and --key-out cannot be used together"),
    })
}

fn print_issued(ctx: &Context, issued: &ops::issue::Issued, one: &IssueArgs) -> Result<Outcome> {
    if issued.fitted {
        ctx.out.warn(&ops::issue::fitted_warning(issued.not_after));
    }
    if ctx.out.is_json() {
        ctx.out.json(&issued.json())?;
        return Ok(Outcome::Success);
    }
    ctx.out.info(&format!(
        "issued {} certificate {} for `{}`, valid until {}",
        issued.profile_name,
        issued.serial.to_hex(),
        issued.subject,
        rfc3339(issued.not_after)
    ));
    if issued.key_unencrypted {
        ctx.out
            .warn("the new key is stored unencrypted (--no-key-passphrase)");
    }
    if one.out.is_none() {
        if one.der {
            ctx.out.bytes(&issued.body)?;
        } else {
            ctx.out.data(&String::from_utf8_lossy(&issued.body))?;
        }
    }
    Ok(Outcome::Success)
}

/// The profile `name` as `cert issue --profile` and a `--batch` row name it: a built-in, else
/// the home's own `profiles/NAME.yaml`; an unknown name's error says "did you mean" when a name
/// is close.
pub(crate) fn resolve_profile(home: &Path, name: &str) -> Result<ops::profiles::Named> {
    ops::profiles::find(home, name).map_err(|e| did_you_mean(e, name, home))
}

/// An unknown profile's error with "did you mean" when one built-in or home profile name is
/// close to what was typed (clap cannot say it: any name is accepted, since a home may define
/// its own profiles).
fn did_you_mean(err: ops::Error, name: &str, home: &Path) -> anyhow::Error {
    let err = anyhow::Error::from(err);
    if !err.to_string().starts_with("unknown profile") {
        return err;
    }
    let mut names: Vec<String> = crate::cli::help::PROFILES
        .iter()
        .map(|n| n.to_string())
        .collect();
    if let Ok(entries) = std::fs::read_dir(ops::profiles::dir(home)) {
        names.extend(entries.flatten().take(1000).filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|f| f.strip_suffix(".yaml"))
                .map(str::to_string)
        }));
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    match crate::cli::help::closest(name, &refs) {
        Some(near) => ops::hinted(
            format!("unknown profile `{name}`"),
            format!("did you mean `{near}`? (`govpki cert profiles` lists them)"),
        ),
        None => err,
    }
}
