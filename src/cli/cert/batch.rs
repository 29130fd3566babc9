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
    let prepared = ops::batch::prepare(batch)?;
    let protection = if prepared.iter().any(ops::batch::Prepared::needs_key) {
        Some(job.key.protection("generated keys")?)
    } else {
        None
    };
    let mut open = OpenCa::open(&ctx.home)?;
    let grants = govern::RoleGrants::load(&open)?;
    let asks: Vec<govern::Ask> = prepared
        .iter()
        .flat_map(|p| grants.asks(&p.row.subject, &p.sans, p.row.profile))
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
                "profile": c.profile.name(),
                "not_after": rfc3339(c.not_after),
                "cert": c.cert_written.then(|| c.cert.display().to_string()),
                "key": c.key.as_ref().map(|k| k.display().to_string()),
            }))?;
        }
        Ok(())
    }
}
