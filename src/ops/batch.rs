//! Issuing a batch: every row of a YAML or CSV file checked before anything is unlocked
//! ([`prepare`], each row's profile resolved as `cert issue --profile` resolves it, a home's
//! own profile included; then [`check_windows`] against the CA's own validity), then signed on every
//! core, in row order ([`sign`]), committed and written out in chunks ([`issue`]). A row whose
//! validity is past a bound refuses the whole batch before anything is issued. Prints nothing: what it did reaches the front end through
//! [`Progress`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context as _, bail};
use rayon::prelude::*;
use time::OffsetDateTime;

use super::common::{self, OpenCa};
use super::issue::{KeyProtection, default_validity};
use super::profiles::Named;
use super::secrets::{self, Random};
use super::{Result, hinted};
use crate::ca::batch::{self, BatchRow};
use crate::ca::csr;
use crate::ca::issue::{IssueRequest, Issued, Issuer, SubCaOptions};
use crate::ca::keys::{Algorithm, BatchEncryptor, PrivateKey};
use crate::ca::profile::{Profile, San};
use crate::ca::profile_yaml::HomeProfile;
use crate::ca::serial::Serial;
use crate::ca::when::{self, Window, WindowError};
use crate::store::{CertRecord, Store, files};

/// One batch row made ready to sign.
pub struct Prepared {
    pub row: BatchRow,
    /// The row's built-in profile, or its home profile's base.
    pub profile: Profile,
    /// The row's home profile (`profile` is its base): its usages, SAN rules and validities
    /// apply, and the store records its name. Shared by the rows that name it.
    pub home: Option<Arc<HomeProfile>>,
    /// The CSR's public key; empty until a key is generated for the row.
    pub spki_der: Vec<u8>,
    pub new_key: Option<PrivateKey>,
    pub sans: Vec<San>,
    /// The row's validity, checked against its profile and the CA ([`check_windows`]).
    pub window: Option<Window>,
}

impl Prepared {
    /// Whether the row has no CSR, so a key is generated for it.
    pub fn needs_key(&self) -> bool {
        self.spki_der.is_empty()
    }

    /// The profile's name as the store records it: the home profile's, or the built-in's.
    pub fn profile_name(&self) -> &str {
        match &self.home {
            Some(h) => &h.name,
            None => self.profile.name(),
        }
    }
}

/// Finds a row's profile by name, as `cert issue --profile` finds it (the front end's
/// resolver: built-in, else the home's own, with its did-you-mean on an unknown name).
pub type Resolve<'a> = dyn Fn(&str) -> anyhow::Result<Named> + 'a;

/// A signed row: its serial and certificate.
pub type Signed = (Prepared, Serial, Issued);

/// Reads and checks every row of the batch file (each row's profile found by `resolve`, once
/// per name; CSR signatures; SAN rules); touches no store.
pub fn prepare(batch_path: &Path, resolve: &Resolve<'_>) -> Result<Vec<Prepared>> {
    Ok(prepare_rows(batch_path, resolve)?)
}

fn prepare_rows(batch_path: &Path, resolve: &Resolve<'_>) -> anyhow::Result<Vec<Prepared>> {
    let bytes = common::read_file(batch_path, "batch file")?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("reading batch file `{}`: not UTF-8", batch_path.display()))?;
    let is_csv = batch_path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let rows = batch::parse(&text, is_csv)
        .with_context(|| format!("reading batch file `{}`", batch_path.display()))?;
    // Every name is resolved once, however many rows give it; the first row giving an unknown
    // name is the error.
    let mut found: HashMap<&str, (Profile, Option<Arc<HomeProfile>>)> = HashMap::new();
    let mut profiles = Vec::with_capacity(rows.len());
    for row in &rows {
        if !found.contains_key(row.profile.as_str()) {
            let named = resolve(&row.profile).with_context(|| {
                format!("batch file `{}` row {}", batch_path.display(), row.row)
            })?;
            let resolved = match named {
                Named::Builtin(p) => (p, None),
                Named::Home(h) => (h.base, Some(Arc::new(*h))),
            };
            if resolved.0.is_ca() {
                bail!(
                    "batch file `{}` row {}: profile `sub-ca` is not issued in batches; use `govpki ca init --parent`",
                    batch_path.display(),
                    row.row
                );
            }
            found.insert(&row.profile, resolved);
        }
        profiles.push(found[row.profile.as_str()].clone());
    }
    drop(found);
    let base = batch_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // Check every row (CSR signatures, SAN rules) before unlocking anything.
    let mut prepared = Vec::with_capacity(rows.len());
    for (row, (profile, home)) in rows.into_iter().zip(profiles) {
        prepared.push(check_row(batch_path, &base, row, profile, home)?);
    }
    Ok(prepared)
}

/// One row made ready: its CSR read and verified, its SANs checked against its profile (the
/// base's rules, then a home profile's own, as `cert issue` checks them).
fn check_row(
    batch_path: &Path,
    base: &Path,
    row: BatchRow,
    profile: Profile,
    home: Option<Arc<HomeProfile>>,
) -> anyhow::Result<Prepared> {
    let (spki_der, requested) = match &row.csr {
        Some(rel) => {
            let path = base.join(rel);
            let bytes = common::read_file(&path, "CSR").with_context(|| {
                format!("batch file `{}` row {}", batch_path.display(), row.row)
            })?;
            let v = csr::verify_csr(&bytes).with_context(|| {
                format!(
                    "batch file `{}` row {}: reading CSR `{}`",
                    batch_path.display(),
                    row.row,
                    path.display()
                )
            })?;
            (v.spki_der, v.requested_sans)
        }
        None => (Vec::new(), Vec::new()),
    };
    let sans = if row.sans.is_empty() {
        requested
            .into_iter()
            .filter(|s| profile.allows_san(s))
            .collect()
    } else {
        row.sans.clone()
    };
    for s in &sans {
        if !profile.allows_san(s) {
            bail!(
                "batch file `{}` row {}: profile `{}` does not allow SAN `{s}`",
                batch_path.display(),
                row.row,
                profile
            );
        }
    }
    if let Some(problem) = home.as_ref().and_then(|h| h.san_problem(&sans)) {
        bail!(
            "batch file `{}` row {}: {problem}",
            batch_path.display(),
            row.row
        );
    }
    if profile.requires_host_san() && !sans.iter().any(|s| matches!(s, San::Dns(_) | San::Ip(_))) {
        bail!(
            "batch file `{}` row {}: profile `server` needs at least one dns: or ip: SAN",
            batch_path.display(),
            row.row
        );
    }
    Ok(Prepared {
        row,
        profile,
        home,
        spki_der,
        new_key: None,
        sans,
        window: None,
    })
}

/// Checks every row's validity against its profile's maximum and the CA's own validity, at
/// `now`, before anything is unlocked or issued: a row that asks for more is refused, naming
/// the row and both dates (issue #12: never cut). A row without a validity gets its profile's
/// default, ended with the CA when the CA ends first. Returns the rows so fitted.
pub fn check_windows(
    prepared: &mut [Prepared],
    batch_path: &Path,
    ca_cert_der: &[u8],
    now: OffsetDateTime,
) -> Result<Vec<usize>> {
    Ok(check_rows(prepared, batch_path, ca_cert_der, now)?)
}

fn check_rows(
    prepared: &mut [Prepared],
    batch_path: &Path,
    ca_cert_der: &[u8],
    now: OffsetDateTime,
) -> anyhow::Result<Vec<usize>> {
    let ca = crate::ca::input::parse_cert(ca_cert_der).context("reading the CA certificate")?;
    let (ca_not_before, ca_not_after) = (
        ca.validity().not_before.to_datetime(),
        ca.validity().not_after.to_datetime(),
    );
    let mut fitted = Vec::new();
    for p in prepared.iter_mut() {
        // A home profile's maximum and default, as `cert issue --profile` applies them.
        let (max, default) = match &p.home {
            Some(h) => (h.max_validity, h.default_validity),
            None => (p.profile.max_validity(), default_validity(p.profile)),
        };
        let limits = when::Limits {
            max,
            profile: p.profile_name().to_string(),
            ca_not_before,
            ca_not_after,
        };
        let row = &p.row;
        let requested = when::Requested {
            not_before: None,
            not_after: None,
            validity: row.validity.unwrap_or(default),
            default_validity: row.validity.is_none(),
        };
        let window = when::window(now, &requested, &limits).map_err(|e| {
            let message = format!("batch file `{}` row {}: {e}", batch_path.display(), row.row);
            let hint = match &e {
                WindowError::AfterCa { ca_not_after, .. } => format!(
                    "give row {} a validity ending at or before `{ca_not_after}`, or renew the CA first",
                    row.row
                ),
                WindowError::TooLong { max, .. } => format!(
                    "give row {} a validity of {max}d or shorter (the profile's maximum)",
                    row.row
                ),
                _ => e.hint().unwrap_or_else(|| "fix the row".into()),
            };
            hinted(message, hint)
        })?;
        if window.fitted {
            fitted.push(row.row);
        }
        p.window = Some(window);
    }
    Ok(fitted)
}

/// Generates keys and signs a chunk on every core, each row for its checked window.
pub fn sign(
    issuer: &Issuer<'_>,
    jobs: Vec<(Prepared, Serial)>,
    algorithm: Algorithm,
) -> Result<Vec<Signed>> {
    Ok(sign_rows(issuer, jobs, algorithm)?)
}

fn sign_rows(
    issuer: &Issuer<'_>,
    jobs: Vec<(Prepared, Serial)>,
    algorithm: Algorithm,
) -> anyhow::Result<Vec<Signed>> {
    // Signed in the pool, reported in row order: the first failing row (the lowest) is the
    // error, whichever thread met it first.
    let results: Vec<anyhow::Result<Signed>> = jobs
        .into_par_iter()
        .map(|(mut p, serial)| -> anyhow::Result<Signed> {
            if p.spki_der.is_empty() {
                let key = PrivateKey::generate(algorithm)?;
                p.spki_der = key.spki_der();
                p.new_key = Some(key);
            }
            let Some(window) = p.window else {
                bail!(
                    "batch row {}: its validity was not checked against the CA's",
                    p.row.row
                );
            };
            let req = IssueRequest {
                profile: p.profile,
                subject: p.row.subject.clone(),
                sans: p.sans.clone(),
                spki_der: p.spki_der.clone(),
                serial: serial.clone(),
                not_before: window.not_before,
                not_after: window.not_after,
                sub_ca: SubCaOptions::default(),
            };
            let issued = issuer
                .issue_with_usages(&req, p.home.as_ref().map(|h| &h.usages))
                .with_context(|| format!("batch row {}", p.row.row))?;
            Ok((p, serial, issued))
        })
        .collect();
    results.into_iter().collect()
}

/// Certificates are committed, written out and reported in chunks of this many rows.
pub const CHUNK: usize = 1000;

/// A checked batch ([`prepare`]) and where its files go.
pub struct Job<'a> {
    pub prepared: Vec<Prepared>,
    /// Algorithm of generated keys.
    pub algorithm: Algorithm,
    /// How generated keys are written; `None` when no row generates one.
    pub protection: Option<KeyProtection>,
    /// Receives `<serial>.pem` and `<serial>.key`; created when missing.
    pub out_dir: &'a Path,
    /// Replace existing files.
    pub force: bool,
    /// The generated keys' passphrase failed the strength check and the user kept it
    /// (`--allow-weak-passphrase`): their `cert.issue` records say so.
    pub weak_passphrase_allowed: bool,
}

/// Who issues, when, and the randomness for serials and key encryption.
pub struct Acting<'a> {
    pub actor: &'a str,
    pub now: OffsetDateTime,
    pub rng: &'a dyn Random,
}

/// A committed certificate whose files are synced to disk, as it is reported.
#[derive(Debug, Clone)]
pub struct Reported {
    /// The batch file's row.
    pub row: usize,
    pub serial: Serial,
    pub subject: String,
    /// The profile's name as recorded: the built-in's, or the home profile's.
    pub profile: String,
    pub not_after: OffsetDateTime,
    /// The certificate file.
    pub cert: PathBuf,
    /// Whether `cert` was written; when not, the certificate is committed all the same
    /// (`govpki cert show SERIAL` prints it).
    pub cert_written: bool,
    /// The generated key's file, for a row without a CSR.
    pub key: Option<PathBuf>,
    /// Whether the row's default validity ends with the CA ([`Window::fitted`]).
    pub fitted: bool,
}

/// How a batch tells its front end what it did, as it goes; the operation prints nothing.
pub trait Progress {
    /// `issued` certificates of the batch are committed so far.
    fn committed(&mut self, issued: usize);
    /// Committed certificates whose files are synced, in row order (a chunk at a time).
    fn synced(&mut self, certs: &[Reported]) -> std::io::Result<()>;
}

/// Issues a checked batch with the unlocked CA key: signs chunk i+1 on every core while this
/// thread commits chunk i and writes it out. A generated key reaches the disk before its
/// certificate is committed; a certificate is reported only once it is committed and its files
/// are synced. Returns how many certificates were issued; an error after some were committed
/// says how many.
pub fn issue(
    open: &mut OpenCa,
    ca_key: &PrivateKey,
    job: Job<'_>,
    acting: &Acting<'_>,
    progress: &mut dyn Progress,
) -> Result<usize> {
    Ok(issue_chunks(open, ca_key, job, acting, progress)?)
}

fn issue_chunks(
    open: &mut OpenCa,
    ca_key: &PrivateKey,
    job: Job<'_>,
    acting: &Acting<'_>,
    progress: &mut dyn Progress,
) -> anyhow::Result<usize> {
    // Every row's window was checked before anything is issued (no half-done batch).
    if let Some(p) = job.prepared.iter().find(|p| p.window.is_none()) {
        bail!(
            "batch row {}: its validity was not checked against the CA's",
            p.row.row
        );
    }
    common::create_out_dir(job.out_dir)?;
    let encryptor = match &job.protection {
        Some(KeyProtection::Passphrase(p)) => {
            Some(BatchEncryptor::new(p, secrets::random16(acting.rng)?)?)
        }
        _ => None,
    };
    let issuer = Issuer::new(&open.meta.cert_der, ca_key, open.urls())?;
    let mut pipeline = Pipeline {
        store: &mut open.store,
        issuer: &issuer,
        algorithm: job.algorithm,
        files: Files {
            out_dir: job.out_dir,
            encryptor: encryptor.as_ref(),
            force: job.force,
            weak_passphrase_allowed: job.weak_passphrase_allowed && encryptor.is_some(),
        },
        acting,
        progress,
        remaining: job.prepared.into_iter(),
        taken: HashSet::new(),
        unreported: Vec::new(),
        unwritten: HashSet::new(),
        issued: 0,
    };
    let outcome = pipeline.run();
    pipeline.finish(outcome)
}

/// Where a batch's files go.
struct Files<'a> {
    out_dir: &'a Path,
    encryptor: Option<&'a BatchEncryptor>,
    force: bool,
    weak_passphrase_allowed: bool,
}

impl Files<'_> {
    fn cert_path(&self, serial: &Serial) -> PathBuf {
        self.out_dir.join(format!("{}.pem", serial.to_hex()))
    }

    fn key_path(&self, serial: &Serial) -> PathBuf {
        self.out_dir.join(format!("{}.key", serial.to_hex()))
    }
}

/// The state of a batch between chunks.
struct Pipeline<'a> {
    store: &'a mut Store,
    issuer: &'a Issuer<'a>,
    algorithm: Algorithm,
    files: Files<'a>,
    acting: &'a Acting<'a>,
    progress: &'a mut dyn Progress,
    /// Rows not yet given serials.
    remaining: std::vec::IntoIter<Prepared>,
    /// Serials are unique across the whole batch, not only against the store: chunk i+1
    /// takes its serials before chunk i is committed.
    taken: HashSet<Serial>,
    /// The previous chunk: committed and written out, reported once its files are synced,
    /// by the next chunk's sync (one sync per chunk instead of two).
    unreported: Vec<Signed>,
    /// The certificate files of the last committed chunk that could not be written.
    unwritten: HashSet<PathBuf>,
    /// Certificates committed so far.
    issued: usize,
}

impl Pipeline<'_> {
    /// The next chunk's rows, each with a fresh serial.
    fn next_jobs(&mut self) -> anyhow::Result<Vec<(Prepared, Serial)>> {
        let chunk: Vec<Prepared> = self.remaining.by_ref().take(CHUNK).collect();
        let mut jobs = Vec::with_capacity(chunk.len());
        for p in chunk {
            let mut serial = common::fresh_serial(self.store, self.acting.rng)?;
            while !self.taken.insert(serial.clone()) {
                serial = common::fresh_serial(self.store, self.acting.rng)?;
            }
            jobs.push((p, serial));
        }
        Ok(jobs)
    }

    /// Signs, commits and writes out every chunk, until the rows run out or one step fails.
    fn run(&mut self) -> anyhow::Result<()> {
        let first = self.next_jobs()?;
        let (issuer, algorithm) = (self.issuer, self.algorithm);
        let mut signed = (!first.is_empty()).then(|| sign(issuer, first, algorithm));
        while let Some(results) = signed.take() {
            signed = self.step(results?)?;
        }
        Ok(())
    }

    /// Commits and writes out a signed chunk while the pool signs the next one, if any.
    fn step(&mut self, results: Vec<Signed>) -> anyhow::Result<Option<Result<Vec<Signed>>>> {
        let following = self.next_jobs()?;
        let (issuer, algorithm) = (self.issuer, self.algorithm);
        let mut next = None;
        rayon::in_place_scope(|scope| -> anyhow::Result<()> {
            if !following.is_empty() {
                let next = &mut next;
                scope.spawn(move |_| {
                    *next = Some(sign(issuer, following, algorithm));
                });
            }
            self.commit_chunk(&results)?;
            // Committed: counted now, whatever happens to its files.
            self.issued += results.len();
            self.progress.committed(self.issued);
            self.unreported = results;
            if let Err((missing, e)) = write_certs(&self.unreported, &self.files) {
                self.unwritten = missing;
                return Err(e);
            }
            Ok(())
        })?;
        Ok(next)
    }

    /// Writes a signed chunk's keys, syncs them together with the previous chunk's
    /// certificate files, reports the previous chunk, and commits this chunk;
    /// [`write_certs`] then writes its certificates out (they are reported after the next
    /// sync). A committed certificate never lacks its key, and nothing is reported before it
    /// is committed and its files are on disk.
    fn commit_chunk(&mut self, results: &[Signed]) -> anyhow::Result<()> {
        let now = self.acting.now;
        let records: Vec<CertRecord> = results
            .iter()
            .map(|s| record(s, now, self.files.weak_passphrase_allowed))
            .collect();
        // Generated keys reach the disk before their certificates are committed; a crash in
        // between leaves only key files whose serials the store never saw.
        let mut keys = Vec::new();
        for (p, serial, _) in results {
            if let Some(key) = &p.new_key {
                let key_pem = match self.files.encryptor {
                    Some(enc) => enc.encrypt(key, secrets::random16(self.acting.rng)?)?,
                    None => key.to_pem(None, [0; 16], [0; 16])?,
                };
                keys.push((self.files.key_path(serial), key_pem));
            }
        }
        let out_dir = self.files.out_dir;
        let key_files = write_files_parallel(&keys, true, self.files.force)?;
        drop(keys);
        if (!key_files.is_empty() || !self.unreported.is_empty())
            && let Err(e) = files::sync_filesystem(out_dir)
        {
            remove_all(&key_files);
            return Err(anyhow::Error::new(e).context(format!("syncing `{}`", out_dir.display())));
        }
        if let Err(e) = report(
            &mut *self.progress,
            &self.unreported,
            &self.files,
            &HashSet::new(),
        ) {
            remove_all(&key_files);
            return Err(e);
        }
        self.unreported.clear();
        if let Err(e) = self.store.record_issued(&records, self.acting.actor, now) {
            remove_all(&key_files);
            return Err(e.into());
        }
        Ok(())
    }

    /// Whatever stopped the run, the last committed chunk is synced and reported, each
    /// certificate with its file or, where the file could not be written, without it.
    fn finish(self, outcome: anyhow::Result<()>) -> anyhow::Result<usize> {
        if !self.unreported.is_empty() {
            let out_dir = self.files.out_dir;
            let synced = files::sync_filesystem(out_dir)
                .with_context(|| format!("syncing `{}`", out_dir.display()));
            let reported = report(
                self.progress,
                &self.unreported,
                &self.files,
                &self.unwritten,
            );
            if outcome.is_ok() {
                synced?;
                reported?;
            }
        }
        let issued = self.issued;
        outcome.map_err(|e| {
            if issued == 0 {
                return e;
            }
            let missing = if self.unwritten.is_empty() {
                String::new()
            } else {
                format!(
                    "; the files of {} of them could not be written (each is listed, with `\"cert\": null` under --json; `govpki cert show SERIAL` prints it)",
                    self.unwritten.len()
                )
            };
            e.context(format!(
                "{issued} certificates were issued and committed before this error{missing}"
            ))
        })?;
        Ok(issued)
    }
}

/// The store's record of a signed row.
fn record(
    (p, serial, issued): &Signed,
    now: OffsetDateTime,
    weak_key_passphrase: bool,
) -> CertRecord {
    CertRecord {
        serial: serial.clone(),
        subject: issued.subject.to_string(),
        department: issued.subject.department().map(str::to_string),
        profile: p.profile_name().into(),
        not_before: issued.not_before,
        not_after: issued.not_after,
        issued_at: now,
        der: issued.der.clone(),
        weak_passphrase_allowed: weak_key_passphrase && p.needs_key(),
    }
}

/// Hands committed, synced certificates to the front end; one whose file is in `unwritten`
/// is reported without it.
fn report(
    progress: &mut dyn Progress,
    chunk: &[Signed],
    files: &Files<'_>,
    unwritten: &HashSet<PathBuf>,
) -> anyhow::Result<()> {
    if chunk.is_empty() {
        return Ok(());
    }
    let certs: Vec<Reported> = chunk
        .iter()
        .map(|(p, serial, issued)| {
            let cert = files.cert_path(serial);
            Reported {
                row: p.row.row,
                serial: serial.clone(),
                subject: issued.subject.to_string(),
                profile: p.profile_name().to_string(),
                not_after: issued.not_after,
                cert_written: !unwritten.contains(&cert),
                cert,
                key: p.new_key.as_ref().map(|_| files.key_path(serial)),
                fitted: p.window.is_some_and(|w| w.fitted),
            }
        })
        .collect();
    Ok(progress.synced(&certs)?)
}

/// Writes a committed chunk's certificates out. On an error (a full disk, a name taken) the
/// chunk stays committed; the error comes back with the files that were not written, so that
/// the report can list those certificates instead of claiming their files.
fn write_certs(
    chunk: &[Signed],
    files: &Files<'_>,
) -> std::result::Result<(), (HashSet<PathBuf>, anyhow::Error)> {
    let certs: Vec<(PathBuf, String)> = chunk
        .iter()
        .map(|(_, serial, issued)| (files.cert_path(serial), common::cert_pem(&issued.der)))
        .collect();
    let (written, error) = write_files_parallel_partial(&certs, false, files.force);
    match error {
        None => Ok(()),
        Some(e) => {
            let written: HashSet<&PathBuf> = written.iter().collect();
            let unwritten = certs
                .into_iter()
                .map(|(p, _)| p)
                .filter(|p| !written.contains(p))
                .collect();
            Err((unwritten, e))
        }
    }
}

/// Writes new files on a few threads: creating many files in one directory is mostly kernel
/// work that the cores can share. Returns the paths, or the first error; secret files (keys
/// not yet committed) are removed on error, public ones (certificates already committed) stay.
fn write_files_parallel<T: AsRef<[u8]> + Sync>(
    files: &[(PathBuf, T)],
    secret: bool,
    force: bool,
) -> anyhow::Result<Vec<PathBuf>> {
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
fn write_files_parallel_partial<T: AsRef<[u8]> + Sync>(
    files: &[(PathBuf, T)],
    secret: bool,
    force: bool,
) -> (Vec<PathBuf>, Option<anyhow::Error>) {
    // Once a write fails, the files not yet started are left alone (as a full disk would
    // fail them too); every file is written at most once, in the pool.
    let stop = AtomicBool::new(false);
    let outcomes: Vec<Option<anyhow::Result<()>>> = files
        .par_iter()
        .map(|(path, data)| {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let result = common::write_output_deferred(path, data.as_ref(), secret, force);
            if result.is_err() {
                stop.store(true, Ordering::Relaxed);
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

#[cfg(test)]
mod tests;
