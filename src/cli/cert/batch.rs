//! `govpki cert issue --batch`: every row checked first, then signed, committed and written in
//! chunks by [`ops::batch::issue`]; this module asks the policy, unlocks the CA key, and prints
//! what the operation reports (a progress bar, JSON lines, warnings).

use anyhow::{Result, bail};
use serde_json::json;

use crate::ca::when::rfc3339;
use crate::cli::common::{self, NewKeyProtection, OpenCa};
use crate::cli::output::Output;
use crate::cli::{Context, Outcome};
use crate::ops::govern;
use crate::ops::{self, SystemRandom};

use super::IssueArgs;

/// `cert issue --batch`, the options of one certificate refused already.
pub(super) fn issue_batch(job: IssueArgs, ctx: &Context) -> Result<Outcome> {
    let (Some(batch), Some(out_dir)) = (&job.batch, &job.out_dir) else {
        bail!("--batch needs --out-dir");
    };
    // Each row's profile found as `cert issue --profile` finds it (a home profile included).
    let resolve = |name: &str| super::issue::resolve_profile(&ctx.home, name);
    let mut prepared = ops::batch::prepare(batch, &resolve)?;
    let protection = if prepared.iter().any(ops::batch::Prepared::needs_key) {
        Some(job.key.protection("generated keys")?)
    } else {
        None
    };
    let mut open = OpenCa::open(&ctx.home)?;
    // Every row's validity against the CA's, before the policy is asked or the key unlocked.
    let fitted = ops::batch::check_windows(&mut prepared, batch, &open.meta.cert_der, ctx.now)?;
    warn_fitted(ctx, batch, &fitted, &open.meta.cert_der);
    let grants = govern::RoleGrants::load(&open)?;
    let asks: Vec<govern::Ask> = prepared
        .iter()
        .flat_map(|p| grants.asks(&p.row.subject, &p.sans, p.profile))
        .collect();
    let authorized = govern::authorize(&ctx.governance(), &mut open, &asks, None)?;
    ctx.out.allowed(&authorized.allowed);
    let actor = authorized.actor;
    let ca_key = open.unlock(&job.ca_key.passphrase(), &common::TERMINAL)?;
    let mut progress = Printer::new(&ctx.out, prepared.len());
    let issued = ops::batch::issue(
        &mut open,
        &ca_key,
        ops::batch::Job {
            prepared,
            algorithm: job.algorithm,
            protection: protection.as_ref().map(NewKeyProtection::key_protection),
            out_dir,
            force: job.force,
            weak_passphrase_allowed: protection
                .as_ref()
                .is_some_and(NewKeyProtection::weak_allowed),
        },
        &ops::batch::Acting {
            actor: &actor,
            now: ctx.now,
            rng: &SystemRandom,
        },
        &mut progress,
    )?;
    if let Some(b) = progress.bar {
        b.finish_and_clear();
    }
    if !ctx.out.is_json() {
        ctx.out.info(&format!(
            "issued {issued} certificates into `{}`",
            out_dir.display()
        ));
        if matches!(protection, Some(NewKeyProtection::None)) {
            ctx.out
                .warn("generated keys are stored unencrypted (--no-key-passphrase)");
        }
    }
    Ok(Outcome::Success)
}

/// The one warning for the rows whose default validity ends with the CA.
pub(crate) fn warn_fitted(
    ctx: &Context,
    batch: &std::path::Path,
    rows: &[usize],
    ca_cert_der: &[u8],
) {
    if rows.is_empty() {
        return;
    }
    let listed: Vec<String> = rows.iter().take(10).map(ToString::to_string).collect();
    let more = if rows.len() > 10 {
        format!(" and {} more", rows.len() - 10)
    } else {
        String::new()
    };
    let end = crate::ca::input::parse_cert(ca_cert_der)
        .map(|c| rfc3339(c.validity().not_after.to_datetime()))
        .unwrap_or_default();
    ctx.out.warn(&format!(
        "batch file `{}` row {}{more}: the profile's default validity would pass the CA's own notAfter: the certificates end with the CA, at `{end}`; renew the CA to issue for longer",
        batch.display(),
        listed.join(", ")
    ));
}

/// Prints a batch's progress: a bar on a terminal, and each committed certificate (a JSON
/// line with `--json`; without it, only a warning for a certificate whose file is missing).
struct Printer<'a> {
    out: &'a Output,
    bar: Option<indicatif::ProgressBar>,
}

impl<'a> Printer<'a> {
    fn new(out: &'a Output, total: usize) -> Printer<'a> {
        let bar = out.wants_progress().then(|| {
            let b = indicatif::ProgressBar::new(total as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} issuing [{bar:40}] {pos}/{len} {per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        Printer { out, bar }
    }
}

impl ops::batch::Progress for Printer<'_> {
    fn committed(&mut self, issued: usize) {
        if let Some(b) = &self.bar {
            b.set_position(issued as u64);
        }
    }

    fn synced(&mut self, certs: &[ops::batch::Reported]) -> std::io::Result<()> {
        for c in certs {
            let hexs = c.serial.to_hex();
            if !self.out.is_json() {
                if !c.cert_written {
                    self.out.warn(&format!(
                        "certificate `{hexs}` (row {}) is committed but `{}` was not written",
                        c.row,
                        c.cert.display()
                    ));
                }
                continue;
            }
            self.out.json(&json!({
                "row": c.row,
                "serial": hexs,
                "subject": c.subject,
                "profile": c.profile,
                "not_after": rfc3339(c.not_after),
                "cert": c.cert_written.then(|| c.cert.display().to_string()),
                "key": c.key.as_ref().map(|k| k.display().to_string()),
                "fitted_to_ca_end": c.fitted,
            }))?;
        }
        Ok(())
    }
}
