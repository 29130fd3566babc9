//! Issuing a batch: every row of a YAML or CSV file checked before anything is unlocked
//! ([`prepare`]), then signed on every core, in row order ([`sign`]), committed and written out
//! in chunks ([`issue`]). Prints nothing: what it did reaches the front end through
//! [`Progress`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context as _, bail};
use rayon::prelude::*;
use time::OffsetDateTime;

use super::Result;
use super::common::{self, OpenCa};
use super::issue::{KeyProtection, default_validity};
use super::secrets::{self, Random};
use crate::ca::batch::{self, BatchRow};
use crate::ca::csr;
use crate::ca::issue::{IssueRequest, Issued, Issuer, SubCaOptions};
use crate::ca::keys::{Algorithm, BatchEncryptor, PrivateKey};
use crate::ca::profile::{Profile, San};
use crate::ca::serial::Serial;
use crate::store::{CertRecord, Store, files};

/// One batch row made ready to sign.
pub struct Prepared {
    pub row: BatchRow,
    /// The CSR's public key; empty until a key is generated for the row.
    pub spki_der: Vec<u8>,
    pub new_key: Option<PrivateKey>,
    pub sans: Vec<San>,
}

impl Prepared {
    /// Whether the row has no CSR, so a key is generated for it.
    pub fn needs_key(&self) -> bool {
        self.spki_der.is_empty()
    }
}

/// A signed row: its serial and certificate.
pub type Signed = (Prepared, Serial, Issued);

/// Reads and checks every row of the batch file (CSR signatures, SAN rules); touches no home.
pub fn prepare(batch_path: &Path) -> Result<Vec<Prepared>> {
    Ok(prepare_rows(batch_path)?)
}

fn prepare_rows(batch_path: &Path) -> anyhow::Result<Vec<Prepared>> {
    let bytes = common::read_file(batch_path, "batch file")?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("reading batch file `{}`: not UTF-8", batch_path.display()))?;
    let is_csv = batch_path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let rows = batch::parse(&text, is_csv)
        .with_context(|| format!("reading batch file `{}`", batch_path.display()))?;
    if rows.iter().any(|r| r.profile.is_ca()) {
        bail!(
            "reading batch file `{}`: profile `sub-ca` is not issued in batches; use `govpki ca init --parent`",
            batch_path.display()
        );
    }
    let base = batch_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // Check every row (CSR signatures, SAN rules) before unlocking anything.
    let mut prepared = Vec::with_capacity(rows.len());
    for row in rows {
        prepared.push(check_row(batch_path, &base, row)?);
    }
    Ok(prepared)
}

/// One row made ready: its CSR read and verified, its SANs checked against its profile.
fn check_row(batch_path: &Path, base: &Path, row: BatchRow) -> anyhow::Result<Prepared> {
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
            .filter(|s| row.profile.allows_san(s))
            .collect()
    } else {
        row.sans.clone()
    };
    for s in &sans {
        if !row.profile.allows_san(s) {
            bail!(
                "batch file `{}` row {}: profile `{}` does not allow SAN `{s}`",
                batch_path.display(),
                row.row,
                row.profile
            );
        }
    }
    if row.profile.requires_host_san()
        && !sans.iter().any(|s| matches!(s, San::Dns(_) | San::Ip(_)))
    {
        bail!(
            "batch file `{}` row {}: profile `server` needs at least one dns: or ip: SAN",
            batch_path.display(),
            row.row
        );
    }
    Ok(Prepared {
        row,
        spki_der,
        new_key: None,
        sans,
    })
}

/// Generates keys and signs a chunk on every core.
pub fn sign(
    issuer: &Issuer<'_>,
    jobs: Vec<(Prepared, Serial)>,
    algorithm: Algorithm,
    now: OffsetDateTime,
) -> Result<Vec<Signed>> {
    Ok(sign_rows(issuer, jobs, algorithm, now)?)
}

fn sign_rows(
    issuer: &Issuer<'_>,
    jobs: Vec<(Prepared, Serial)>,
    algorithm: Algorithm,
    now: OffsetDateTime,
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
            let req = IssueRequest {
                profile: p.row.profile,
                subject: p.row.subject.clone(),
                sans: p.sans.clone(),
                spki_der: p.spki_der.clone(),
                serial: serial.clone(),
                not_before: now,
                not_after: now
                    + p.row
                        .validity
                        .unwrap_or_else(|| default_validity(p.row.profile)),
                sub_ca: SubCaOptions::default(),
            };
            let issued = issuer
                .issue(&req)
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
    pub profile: Profile,
    pub not_after: OffsetDateTime,
    /// The certificate file.
    pub cert: PathBuf,
    /// Whether `cert` was written; when not, the certificate is committed all the same
    /// (`govpki cert show SERIAL` prints it).
    pub cert_written: bool,
    /// The generated key's file, for a row without a CSR.
    pub key: Option<PathBuf>,
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
        let (issuer, algorithm, now) = (self.issuer, self.algorithm, self.acting.now);
        let mut signed = (!first.is_empty()).then(|| sign(issuer, first, algorithm, now));
        while let Some(results) = signed.take() {
            signed = self.step(results?)?;
        }
        Ok(())
    }

    /// Commits and writes out a signed chunk while the pool signs the next one, if any.
    fn step(&mut self, results: Vec<Signed>) -> anyhow::Result<Option<Result<Vec<Signed>>>> {
        let following = self.next_jobs()?;
        let (issuer, algorithm, now) = (self.issuer, self.algorithm, self.acting.now);
        let mut next = None;
        rayon::in_place_scope(|scope| -> anyhow::Result<()> {
            if !following.is_empty() {
                let next = &mut next;
                scope.spawn(move |_| {
                    *next = Some(sign(issuer, following, algorithm, now));
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
        profile: p.row.profile.name().into(),
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
                profile: p.row.profile,
                not_after: issued.not_after,
                cert_written: !unwritten.contains(&cert),
                cert,
                key: p.new_key.as_ref().map(|_| files.key_path(serial)),
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
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::ca::dn::Dn;
    use crate::ca::profile::Profile;
    use crate::ops::common::OpenCa;
    use std::sync::atomic::AtomicU8;

    use crate::ops::issue::tests::{Counter, root_home};
    use crate::ops::{NoPrompt, Passphrase};

    /// The test root's key (unencrypted: no passphrase is asked).
    fn unlocked(open: &OpenCa) -> PrivateKey {
        let ask = Passphrase::Ask {
            flag: "--passphrase-file",
        };
        open.unlock(&ask, &NoPrompt).unwrap()
    }

    #[test]
    fn rows_sign_in_order_at_now_and_a_failing_row_three_is_the_one_reported() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let open = OpenCa::open(dir.path()).unwrap();
        let key = unlocked(&open);
        let issuer = Issuer::new(&open.meta.cert_der, &key, open.urls()).unwrap();
        let now = datetime!(2026-05-04 10:00 UTC);
        let jobs = |bad: Option<usize>| -> Vec<(Prepared, Serial)> {
            person_rows(5)
                .into_iter()
                .map(|mut p| {
                    let i = p.row.row;
                    if bad == Some(i) {
                        // A public key that is no key: the issuer refuses this row.
                        p.spki_der = vec![0x30, 0x00];
                    }
                    (p, Serial::from_random([i as u8; 16]))
                })
                .collect()
        };
        let signed = sign(&issuer, jobs(None), Algorithm::P256, now).unwrap();
        let rows: Vec<usize> = signed.iter().map(|(p, _, _)| p.row.row).collect();
        assert_eq!(rows, [1, 2, 3, 4, 5]);
        assert!(
            signed
                .iter()
                .all(|(p, _, i)| i.not_before == now && p.new_key.is_some())
        );
        let err = sign(&issuer, jobs(Some(3)), Algorithm::P256, now)
            .err()
            .unwrap();
        assert!(
            err.message().starts_with("batch row 3"),
            "{}",
            err.message()
        );
    }

    /// Records what a batch reports, checking as it goes that a reported certificate is
    /// already committed (seen by another connection to the store) and its files are there.
    struct Recorder<'a> {
        home: &'a Path,
        committed: Vec<usize>,
        synced: Vec<Reported>,
    }

    impl Progress for Recorder<'_> {
        fn committed(&mut self, issued: usize) {
            self.committed.push(issued);
        }

        fn synced(&mut self, certs: &[Reported]) -> std::io::Result<()> {
            let store = Store::open(self.home).unwrap();
            for c in certs {
                assert!(store.serial_exists(&c.serial).unwrap(), "row {}", c.row);
                assert_eq!(c.cert.is_file(), c.cert_written, "row {}", c.row);
                assert!(c.key.as_ref().is_some_and(|k| k.is_file()), "row {}", c.row);
            }
            self.synced.extend_from_slice(certs);
            Ok(())
        }
    }

    fn person_rows(n: usize) -> Vec<Prepared> {
        (1..=n)
            .map(|i| Prepared {
                row: BatchRow {
                    row: i,
                    subject: Dn::parse(&format!("CN=P{i},OU=X,O=Test,C=CN")).unwrap(),
                    profile: Profile::Person,
                    sans: vec![],
                    csr: None,
                    validity: None,
                },
                spki_der: vec![],
                new_key: None,
                sans: vec![],
            })
            .collect()
    }

    fn issue_rows<'h>(
        home: &'h Path,
        out_dir: &Path,
        rows: usize,
    ) -> (Result<usize>, Recorder<'h>) {
        let mut open = OpenCa::open(home).unwrap();
        let key = unlocked(&open);
        let mut recorder = Recorder {
            home,
            committed: vec![],
            synced: vec![],
        };
        let rng = Counter(AtomicU8::new(0));
        let job = Job {
            prepared: person_rows(rows),
            algorithm: Algorithm::P256,
            protection: Some(KeyProtection::Unencrypted),
            out_dir,
            force: false,
            weak_passphrase_allowed: false,
        };
        let acting = Acting {
            actor: "local:test",
            now: datetime!(2026-05-04 10:00 UTC),
            rng: &rng,
        };
        let issued = issue(&mut open, &key, job, &acting, &mut recorder);
        (issued, recorder)
    }

    #[test]
    fn a_batch_reports_every_row_once_in_order_only_once_committed_and_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let out_dir = dir.path().join("issued");
        let (issued, recorder) = issue_rows(dir.path(), &out_dir, 3);
        assert_eq!(issued.unwrap(), 3);
        assert_eq!(recorder.committed, [3]);
        let rows: Vec<usize> = recorder.synced.iter().map(|c| c.row).collect();
        assert_eq!(rows, [1, 2, 3]);
        assert!(recorder.synced.iter().all(|c| c.cert_written));
        assert_eq!(recorder.synced[0].subject, "CN=P1,OU=X,O=Test,C=CN");
    }

    #[test]
    fn a_certificate_file_that_cannot_be_written_is_reported_without_it_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let out_dir = dir.path().join("issued");
        std::fs::create_dir(&out_dir).unwrap();
        // The counter's first 16 bytes make the first row's serial: its `.pem` name is taken
        // by a directory.
        let first: [u8; 16] = std::array::from_fn(|i| i as u8 + 1);
        let blocked = out_dir.join(format!("{}.pem", Serial::from_random(first).to_hex()));
        std::fs::create_dir(&blocked).unwrap();
        let (issued, recorder) = issue_rows(dir.path(), &out_dir, 3);
        let err = issued.err().unwrap();
        assert!(
            err.message().starts_with(
                "3 certificates were issued and committed before this error; the files of"
            ),
            "{}",
            err.message()
        );
        let rows: Vec<usize> = recorder.synced.iter().map(|c| c.row).collect();
        assert_eq!(rows, [1, 2, 3]);
        assert_eq!(recorder.synced[0].cert, blocked);
        assert!(!recorder.synced[0].cert_written);
    }
}
