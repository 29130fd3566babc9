//! `cert issue --batch --ca URL`: every row checked here first (as locally: the CSRs'
//! signatures, the SANs against the profiles), then each row sent as its own signed request,
//! in row order; each answered certificate is checked against the row (the CA's, the row's key,
//! subject and SANs: [`ops::of_ca::answered_certificate`]) before it is written. Each certificate is committed and audited by the server in its own transaction
//! before it answers, so a server killed mid-batch leaves every certificate it answered stored
//! and audited, and none half-made; the client reports a row (a JSON line with `--json`) only
//! once the server answered it and its files are written.
//!
//! Why one request per row, not one request carrying the batch: a request is one state change
//! with one signed statement (`ops::govern::authorize_request` arms the CA's signature for
//! exactly one), each answer can be reported as soon as it is committed, the 64 KiB body bound
//! holds for any batch, and a refusal (a deny for one department) stops the batch at that row
//! with the rows before it issued and reported, as a local batch stops at a failed chunk.
//!
//! A key the client generates for a row without a CSR is written first as
//! `.pending-<row>-<random>.key` in `--out-dir` (never sent), and renamed `<serial>.key` once its
//! certificate is issued; a refused row's key is removed. A client that dies between the answer
//! and the rename leaves the key under its pending name, never lost.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::json;

use super::{Client, text};
use crate::api::{Body, IssueBody};
use crate::ca::keys::Algorithm;
use crate::ca::profile::{Profile, UnknownProfile};
use crate::cli::common::{self, NewKeyArgs, NewKeyProtection, NewKeySpelling};
use crate::cli::{Context, Outcome};
use crate::ops::{self, SystemRandom, govern};

/// A batch through the service: the flags of `cert issue --batch`.
pub(super) struct Job<S: NewKeySpelling + Send + Sync + 'static> {
    pub batch: PathBuf,
    pub out_dir: Option<PathBuf>,
    pub algorithm: Algorithm,
    pub key: NewKeyArgs<S>,
    pub force: bool,
    pub passphrase_file: Option<PathBuf>,
    /// Whether an option of a single certificate was given.
    pub single: bool,
    /// Whether a sub-CA constraint was given.
    pub sub_ca: bool,
}

/// A duration as `--validity` spells it, in the largest unit that divides it.
fn duration_text(d: time::Duration) -> String {
    let secs = d.whole_seconds();
    for (unit, len) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if secs % len == 0 {
            return format!("{}{unit}", secs / len);
        }
    }
    format!("{secs}s")
}

pub(super) fn issue<S: NewKeySpelling + Send + Sync + 'static>(
    job: Job<S>,
    ctx: &Context,
    client: &Client,
) -> Result<Outcome> {
    let Job {
        batch,
        out_dir,
        algorithm,
        key,
        force,
        passphrase_file,
        single,
        sub_ca,
    } = job;
    let Some(out_dir) = out_dir else {
        bail!("--batch needs --out-dir");
    };
    if single {
        bail!(
            "--batch takes every request from the file; --profile, --subject, --csr, --key-out, --san, --validity, --out and --der do not apply"
        );
    }
    if sub_ca {
        bail!(
            "sub-ca constraints (--path-len, --permit-dns, --permit-dn) are not offered over --ca"
        );
    }
    if passphrase_file.is_some() {
        bail!("--passphrase-file is the server's: the CA key stays there");
    }
    // The operator API takes built-in profiles only (`cert.issue` refuses another name, as
    // `cert issue --ca --profile` does): a row naming a home profile is refused here, naming
    // the row, before any row is sent.
    let mut prepared = ops::batch::prepare(&batch, &builtin_only)?;
    // Every row's validity against the server's CA certificate before any row is sent: a row
    // past a bound refuses the batch with nothing issued (the server checks each row again).
    let ca_der = client.ca_cert()?;
    let fitted = ops::batch::check_windows(&mut prepared, &batch, &ca_der, ctx.now)?;
    crate::cli::cert::warn_fitted(ctx, &batch, &fitted, &ca_der);
    let protection = if prepared.iter().any(ops::batch::Prepared::needs_key) {
        Some(key.protection("generated keys")?)
    } else {
        None
    };
    common::create_out_dir(&out_dir)?;
    let base = batch.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut issued = 0usize;
    for p in &prepared {
        let row = p.row.row;
        let done = match issue_row(
            p,
            &base,
            &out_dir,
            algorithm,
            protection.as_ref(),
            force,
            ctx,
            client,
        ) {
            Ok(done) => done,
            // A deny keeps its own verdict (exit 1); the rows before it stay issued.
            Err(e) if e.downcast_ref::<ops::PolicyDenied>().is_some() => {
                ctx.out.warn(&format!(
                    "batch file `{}` row {row}: {issued} certificates of the batch were issued before it",
                    batch.display()
                ));
                return Err(e);
            }
            Err(e) => {
                return Err(e.context(format!(
                    "batch file `{}` row {row}: {issued} certificates of the batch were issued before it",
                    batch.display()
                )));
            }
        };
        issued += 1;
        if ctx.out.is_json() {
            ctx.out.json(&done)?;
        }
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

/// A row's profile over `--ca`: a built-in one; a home profile's name is refused.
fn builtin_only(name: &str) -> Result<ops::profiles::Named> {
    let profile: Profile = name.parse().map_err(|_: UnknownProfile| {
        ops::hinted(
            format!("profile `{name}` is not a built-in profile: over --ca a batch row takes built-in profiles only (the operator API refuses home profiles)"),
            "issue the rows of a home profile on the CA's own host, without --ca",
        )
    })?;
    Ok(ops::profiles::Named::Builtin(profile))
}

/// Issues one row through the server; the JSON line a local batch prints for it.
#[allow(clippy::too_many_arguments)]
fn issue_row(
    p: &ops::batch::Prepared,
    base: &Path,
    out_dir: &Path,
    algorithm: Algorithm,
    protection: Option<&NewKeyProtection>,
    force: bool,
    ctx: &Context,
    client: &Client,
) -> Result<serde_json::Value> {
    let row = &p.row;
    // A name of this run's own: a key left pending by a run that died after its certificate
    // was issued is never overwritten.
    let tag = ops::secrets::random16(&SystemRandom)?;
    let pending = out_dir.join(format!(
        ".pending-{}-{}.key",
        row.row,
        hex::encode(tag.get(..4).unwrap_or_default())
    ));
    let (csr, generated) = match &row.csr {
        Some(rel) => (common::read_file(&base.join(rel), "CSR")?, false),
        None => {
            let Some(protection) = protection else {
                bail!(
                    "row {} has no CSR and no key protection was chosen",
                    row.row
                );
            };
            let pem = ops::csr::create(
                &ops::csr::Request {
                    subject: row.subject.clone(),
                    sans: p.sans.clone(),
                    algorithm,
                    key_out: pending.clone(),
                    protection: protection.key_protection(),
                    out: None,
                    force: false,
                },
                &SystemRandom,
            )?;
            (pem.into_bytes(), true)
        }
    };
    let body = Body::Issue(IssueBody {
        csr: B64.encode(&csr),
        profile: p.profile.name().to_string(),
        subject: Some(row.subject.to_string()),
        sans: p.sans.iter().map(ToString::to_string).collect(),
        validity: row.validity.map(duration_text),
    });
    // The roles the subject would be granted are the server's to derive: it answers with the
    // asks when they differ, and the row is signed once more with them.
    let ask = ops::issue::ask(&row.subject, p.profile);
    let answered = client
        .call(ctx, &body, govern::ask_texts(&[ask]))
        .and_then(|a| {
            // Checked before anything is written: the CA's, for the row's key, as asked.
            let spki = crate::ca::csr::verify_csr(&csr)?.spki_der;
            ops::of_ca::answered_certificate(
                &client.ca_cert()?,
                text(&a.answer, "pem"),
                &ops::of_ca::Asked {
                    spki_der: Some(&spki),
                    subject: Some(&row.subject),
                    sans: Some(&p.sans),
                    ca: p.profile.is_ca(),
                },
            )?;
            Ok(a.answer)
        });
    let answer = match answered {
        Ok(a) => a,
        Err(e) => {
            if generated {
                let _ = std::fs::remove_file(&pending);
            }
            return Err(e);
        }
    };
    let serial = text(&answer, "serial").to_string();
    if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("the server answered no serial number");
    }
    let cert = out_dir.join(format!("{serial}.pem"));
    let key = generated.then(|| out_dir.join(format!("{serial}.key")));
    if let Some(k) = &key {
        common::check_output_free(k, force)?;
        std::fs::rename(&pending, k).with_context(|| {
            format!(
                "certificate `{serial}` is issued, but its key `{}` could not be renamed `{}`",
                pending.display(),
                k.display()
            )
        })?;
    }
    let written = common::write_output(&cert, text(&answer, "pem").as_bytes(), false, force);
    if let Err(e) = &written {
        ctx.out.warn(&format!(
            "certificate `{serial}` (row {}) is committed but `{}` was not written: {e:#}",
            row.row,
            cert.display()
        ));
    }
    Ok(json!({
        "row": row.row,
        "serial": serial,
        "subject": text(&answer, "subject"),
        "profile": text(&answer, "profile"),
        "not_after": text(&answer, "not_after"),
        "cert": written.is_ok().then(|| cert.display().to_string()),
        "key": key.map(|k| k.display().to_string()),
        "fitted_to_ca_end": answer.get("fitted_to_ca_end").and_then(serde_json::Value::as_bool).unwrap_or(false),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validity_is_spelled_in_its_largest_unit() {
        for d in [
            time::Duration::days(730),
            time::Duration::hours(5),
            time::Duration::minutes(90),
            time::Duration::seconds(61),
        ] {
            assert_eq!(
                crate::ca::when::parse_duration(&duration_text(d)).unwrap(),
                d
            );
        }
        assert_eq!(duration_text(time::Duration::days(730)), "730d");
    }
}
