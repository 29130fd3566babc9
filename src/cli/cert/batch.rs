//! `govpki cert issue --batch`: every row checked first, then signed, committed and written in chunks.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde_json::json;

use crate::ca::issue::Issuer;
use crate::ca::keys::BatchEncryptor;
use crate::ca::serial::Serial;
use crate::ca::when::rfc3339;
use crate::cli::common::{self, NewKeyProtection, OpenCa};
use crate::cli::{Context, Outcome};
use crate::ops::govern;
use crate::store::{CertRecord, files};

use rayon::prelude::*;

use crate::ops::{
    self,
    batch::{Prepared, Signed},
};

use super::*;

pub(super) const CHUNK: usize = 1000;

pub(super) fn issue_batch(args: IssueArgs, ctx: &Context) -> Result<Outcome> {
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
        batch,
        out_dir,
    } = args;
    if profile.is_some()
        || subject.is_some()
        || csr.is_some()
        || key_out.is_some()
        || !san.is_empty()
        || validity.is_some()
        || out.is_some()
        || der
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
    let (Some(batch_path), Some(out_dir)) = (batch, out_dir) else {
        bail!("--batch needs --out-dir");
    };
    let prepared = ops::batch::prepare(&batch_path)?;
    let needs_keys = prepared.iter().any(ops::batch::Prepared::needs_key);
    let protection = if needs_keys {
        Some(common::new_key_protection(
            key_passphrase_file.as_deref(),
            no_key_passphrase,
            "--key-passphrase-file",
            "--no-key-passphrase",
            "generated keys",
        )?)
    } else {
        None
    };
    let mut open = OpenCa::open(&ctx.home)?;
    let asks: Vec<govern::Ask> = prepared
        .iter()
        .map(|p| {
            govern::Ask::new(
                "cert.issue",
                format!(
                    "dept/{}/cert/{}",
                    govern::segment(p.row.subject.department()),
                    p.row.profile
                ),
            )
        })
        .collect();
    let authorized = govern::authorize(&ctx.governance(), &mut open, &asks, None)?;
    ctx.out.allowed(&authorized.allowed);
    let actor = authorized.actor;
    let ca_key = open.unlock(&ca_key.passphrase(), &super::common::TERMINAL)?;
    common::create_out_dir(&out_dir)?;
    let encryptor = match &protection {
        Some(NewKeyProtection::Passphrase(p)) => Some(BatchEncryptor::new(p, common::random16()?)?),
        _ => None,
    };
    let issuer = Issuer::new(&open.meta.cert_der, &ca_key, open.urls())?;
    let total = prepared.len();
    let bar = if ctx.out.wants_progress() {
        let b = indicatif::ProgressBar::new(total as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} issuing [{bar:40}] {pos}/{len} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let mut issued_count = 0usize;
    let mut remaining = prepared.into_iter();
    let now = ctx.now;
    // Serials are unique across the whole batch, not only against the store: chunk i+1 takes
    // its serials before chunk i is committed.
    let mut taken = std::collections::HashSet::new();
    let mut next_jobs = |store: &crate::store::Store| -> Result<Vec<(Prepared, Serial)>> {
        let chunk: Vec<Prepared> = remaining.by_ref().take(CHUNK).collect();
        let mut jobs = Vec::with_capacity(chunk.len());
        for p in chunk {
            let mut serial = common::fresh_serial(store)?;
            while !taken.insert(serial.clone()) {
                serial = common::fresh_serial(store)?;
            }
            jobs.push((p, serial));
        }
        Ok(jobs)
    };
    // A pipeline: while this thread writes out and commits chunk i, chunk i+1 is being signed,
    // so the cores sign while the file system and the store's fsyncs work.
    // The previous chunk: committed and written out, reported once its files are synced, by
    // the next chunk's sync (one sync per chunk instead of two).
    let mut unreported: Vec<Signed> = Vec::new();
    // The certificate files of the last committed chunk that could not be written.
    let mut unwritten: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let issuer = &issuer;
    let outcome = (|| -> Result<()> {
        let first = next_jobs(&open.store)?;
        let mut signed =
            (!first.is_empty()).then(|| ops::batch::sign(issuer, first, algorithm, now));
        while let Some(results) = signed.take() {
            let results = results?;
            let following = next_jobs(&open.store)?;
            let mut next = None;
            // This thread commits and writes out chunk i while the pool signs chunk i+1.
            rayon::in_place_scope(|scope| -> Result<()> {
                if !following.is_empty() {
                    let next = &mut next;
                    scope.spawn(move |_| {
                        *next = Some(ops::batch::sign(issuer, following, algorithm, now));
                    });
                }
                commit_chunk(
                    ctx,
                    &mut open,
                    &results,
                    &mut unreported,
                    &out_dir,
                    encryptor.as_ref(),
                    &actor,
                    force,
                )?;
                // Committed: counted now, whatever happens to its files.
                issued_count += results.len();
                if let Some(b) = &bar {
                    b.set_position(issued_count as u64);
                }
                unreported = results;
                if let Err((missing, e)) = write_certs(&unreported, &out_dir, force) {
                    unwritten = missing;
                    return Err(e);
                }
                Ok(())
            })?;
            signed = next;
        }
        Ok(())
    })();
    // Whatever stopped the loop, the last committed chunk is synced and reported, each
    // certificate with its file or, where the file could not be written, without it.
    if !unreported.is_empty() {
        let synced = files::sync_filesystem(&out_dir)
            .with_context(|| format!("syncing `{}`", out_dir.display()));
        let reported = report_chunk(ctx, &unreported, &out_dir, &unwritten);
        if outcome.is_ok() {
            synced?;
            reported?;
        }
    }
    outcome.map_err(|e| {
        if issued_count > 0 {
            let missing = if unwritten.is_empty() {
                String::new()
            } else {
                format!(
                    "; the files of {} of them could not be written (each is listed, with `\"cert\": null` under --json; `govpki cert show SERIAL` prints it)",
                    unwritten.len()
                )
            };
            e.context(format!(
                "{issued_count} certificates were issued and committed before this error{missing}"
            ))
        } else {
            e
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if !ctx.out.is_json() {
        ctx.out.info(&format!(
            "issued {issued_count} certificates into `{}`",
            out_dir.display()
        ));
        if matches!(protection, Some(NewKeyProtection::None)) {
            ctx.out
                .warn("generated keys are stored unencrypted (--no-key-passphrase)");
        }
    }
    Ok(Outcome::Success)
}

/// Writes a signed chunk's keys, syncs them together with the previous chunk's certificate
/// files, reports the previous chunk, and commits this chunk; [`write_certs`] then writes its
/// certificates out (they are reported after the next sync). A committed certificate never
/// lacks its key, and nothing is reported before it is committed and its files are on disk.
#[allow(clippy::too_many_arguments)]
pub(super) fn commit_chunk(
    ctx: &Context,
    open: &mut OpenCa,
    results: &[Signed],
    unreported: &mut Vec<Signed>,
    out_dir: &Path,
    encryptor: Option<&BatchEncryptor>,
    actor: &str,
    force: bool,
) -> Result<()> {
    let now = ctx.now;
    let records: Vec<CertRecord> = results
        .iter()
        .map(|(p, serial, issued)| CertRecord {
            serial: serial.clone(),
            subject: issued.subject.to_string(),
            department: issued.subject.department().map(str::to_string),
            profile: p.row.profile.name().into(),
            not_before: issued.not_before,
            not_after: issued.not_after,
            issued_at: now,
            der: issued.der.clone(),
        })
        .collect();
    // Generated keys reach the disk before their certificates are committed; a crash in
    // between leaves only key files whose serials the store never saw.
    let mut keys = Vec::new();
    for (p, serial, _) in results {
        if let Some(key) = &p.new_key {
            let key_pem = match encryptor {
                Some(enc) => enc.encrypt(key, common::random16()?)?,
                None => key.to_pem(None, [0; 16], [0; 16])?,
            };
            keys.push((out_dir.join(format!("{}.key", serial.to_hex())), key_pem));
        }
    }
    let key_files = write_files_parallel(&keys, true, force)?;
    drop(keys);
    if (!key_files.is_empty() || !unreported.is_empty())
        && let Err(e) = files::sync_filesystem(out_dir)
    {
        remove_all(&key_files);
        return Err(anyhow::Error::new(e).context(format!("syncing `{}`", out_dir.display())));
    }
    if let Err(e) = report_chunk(ctx, unreported, out_dir, &Default::default()) {
        remove_all(&key_files);
        return Err(e);
    }
    unreported.clear();
    if let Err(e) = open.store.record_issued(&records, actor, now) {
        remove_all(&key_files);
        return Err(e.into());
    }
    Ok(())
}

/// Writes a committed chunk's certificates out. On an error (a full disk, a name taken) the
/// chunk stays committed; the error comes back with the files that were not written, so that
/// the report can list those certificates instead of claiming their files.
pub(super) fn write_certs(
    chunk: &[Signed],
    out_dir: &Path,
    force: bool,
) -> std::result::Result<(), (std::collections::HashSet<PathBuf>, anyhow::Error)> {
    let certs: Vec<(PathBuf, String)> = chunk
        .iter()
        .map(|(_, serial, issued)| {
            (
                out_dir.join(format!("{}.pem", serial.to_hex())),
                common::cert_pem(&issued.der),
            )
        })
        .collect();
    let (written, error) = write_files_parallel_partial(&certs, false, force);
    match error {
        None => Ok(()),
        Some(e) => {
            let written: std::collections::HashSet<&PathBuf> = written.iter().collect();
            let unwritten = certs
                .into_iter()
                .map(|(p, _)| p)
                .filter(|p| !written.contains(p))
                .collect();
            Err((unwritten, e))
        }
    }
}

/// Reports committed, synced certificates (JSON lines with `--json`). A certificate whose file
/// is in `unwritten` is reported with `"cert": null` (and a warning without `--json`): it is
/// committed, its file is not on disk.
pub(super) fn report_chunk(
    ctx: &Context,
    chunk: &[Signed],
    out_dir: &Path,
    unwritten: &std::collections::HashSet<PathBuf>,
) -> Result<()> {
    for (p, serial, issued) in chunk {
        let hexs = serial.to_hex();
        let cert = out_dir.join(format!("{hexs}.pem"));
        let missing = unwritten.contains(&cert);
        if !ctx.out.is_json() {
            if missing {
                ctx.out.warn(&format!(
                    "certificate `{hexs}` (row {}) is committed but `{}` was not written",
                    p.row.row,
                    cert.display()
                ));
            }
            continue;
        }
        ctx.out.json(&json!({
            "row": p.row.row,
            "serial": hexs,
            "subject": issued.subject.to_string(),
            "profile": p.row.profile.name(),
            "not_after": rfc3339(issued.not_after),
            "cert": (!missing).then(|| cert.display().to_string()),
            "key": p.new_key.as_ref().map(|_| out_dir.join(format!("{hexs}.key")).display().to_string()),
        }))?;
    }
    Ok(())
}

/// Writes new files on a few threads: creating many files in one directory is mostly kernel
/// work that the cores can share. Returns the paths, or the first error; secret files (keys
/// not yet committed) are removed on error, public ones (certificates already committed) stay.
pub(super) fn write_files_parallel<T: AsRef<[u8]> + Sync>(
    files: &[(PathBuf, T)],
    secret: bool,
    force: bool,
) -> Result<Vec<PathBuf>> {
    match write_files_parallel_partial(files, secret, force) {
        (all, None) => Ok(all),
        (all, Some(e)) => {
            if secret {
                remove_all(&all);
            }
            Err(e)
        }
    }
}

/// [`write_files_parallel`] that keeps what it wrote on an error: the paths written, and the
/// first error.
pub(super) fn write_files_parallel_partial<T: AsRef<[u8]> + Sync>(
    files: &[(PathBuf, T)],
    secret: bool,
    force: bool,
) -> (Vec<PathBuf>, Option<anyhow::Error>) {
    // Once a write fails, the files not yet started are left alone (as a full disk would
    // fail them too); every file is written at most once, in the pool.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let outcomes: Vec<Option<Result<()>>> = files
        .par_iter()
        .map(|(path, data)| {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                return None;
            }
            let result = common::write_output_deferred(path, data.as_ref(), secret, force);
            if result.is_err() {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Some(result)
        })
        .collect();
    let mut all = Vec::with_capacity(files.len());
    let mut first_error = None;
    for ((path, _), outcome) in files.iter().zip(outcomes) {
        match outcome {
            Some(Ok(())) => all.push(path.clone()),
            Some(Err(e)) if first_error.is_none() => first_error = Some(e),
            Some(Err(_)) | None => {}
        }
    }
    (all, first_error)
}

fn remove_all(paths: &[PathBuf]) {
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}
