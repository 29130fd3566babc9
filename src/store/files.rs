//! Files on disk: private directories (0700), secret files (0600), and atomic writes that never
//! leave a half-written file behind (write a temporary file beside the target, fsync, rename).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

/// How a file may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Refuse if the target exists.
    Refuse,
    /// Replace it atomically.
    Replace,
}

/// Whether a file holds a secret (mode 0600) or public data (0644).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Secret,
    Public,
}

/// Creates a directory (and parents) with mode 0700 for the leaf.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    fs::create_dir_all(path)?;
    #[cfg(unix)]
    fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
    Ok(())
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let mut rnd = [0u8; 6];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut rnd);
    target.with_file_name(format!(".{name}.{}.tmp", hex::encode(rnd)))
}

/// Writes `data` to `target` atomically and durably (fsync of the file and its directory). With
/// [`Overwrite::Refuse`] an existing target is an `AlreadyExists` error, and the check is
/// race-free (the final step is a hard link, which fails if the name was taken meanwhile).
pub fn write_atomic(
    target: &Path,
    data: &[u8],
    mode: Mode,
    overwrite: Overwrite,
) -> io::Result<()> {
    write_atomic_with(target, data, mode, overwrite, true)
}

/// For many files at once (batch output), made durable together by one [`sync_filesystem`]
/// call: no fsync per file. Still atomic: a new file is written unnamed (`O_TMPFILE`) and
/// linked into place only when whole (the link fails if the name is taken), so a killed process
/// leaves the whole file or nothing. Where `O_TMPFILE` is not available, a temporary file is
/// renamed into place instead.
pub fn write_atomic_deferred(
    target: &Path,
    data: &[u8],
    mode: Mode,
    overwrite: Overwrite,
) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    if overwrite == Overwrite::Refuse {
        match write_unnamed_then_link(target, data, mode) {
            Err(e) if e.kind() == io::ErrorKind::Unsupported => {}
            other => return other,
        }
    }
    write_atomic_with(target, data, mode, overwrite, false)
}

/// `O_TMPFILE` in the target's directory, write, then `linkat` through `/proc/self/fd` (which
/// needs no privilege, unlike `AT_EMPTY_PATH`). `Unsupported` means: use another way.
#[cfg(target_os = "linux")]
fn write_unnamed_then_link(target: &Path, data: &[u8], mode: Mode) -> io::Result<()> {
    use rustix::fs::{AtFlags, CWD, Mode as FsMode, OFlags, linkat, openat};
    use rustix::io::Errno;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let perms = FsMode::from_raw_mode(match mode {
        Mode::Secret => 0o600,
        Mode::Public => 0o644,
    });
    let fd = match openat(
        CWD,
        dir,
        OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
        perms,
    ) {
        Ok(fd) => fd,
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL | Errno::NOENT) => {
            return Err(io::ErrorKind::Unsupported.into());
        }
        Err(e) => return Err(e.into()),
    };
    let mut file = File::from(fd);
    file.write_all(data)?;
    let proc_path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&file));
    match linkat(
        CWD,
        proc_path.as_str(),
        CWD,
        target,
        AtFlags::SYMLINK_FOLLOW,
    ) {
        Ok(()) => Ok(()),
        Err(Errno::EXIST) => Err(io::Error::new(io::ErrorKind::AlreadyExists, "file exists")),
        // No /proc: the unnamed file cannot be named; fall back.
        Err(Errno::NOENT) if !Path::new("/proc/self/fd").exists() => {
            Err(io::ErrorKind::Unsupported.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Writes a file atomically and durably by streaming into it: `fill` writes the content. Used
/// for large outputs (a million-entry CRL) that should not be built twice in memory.
pub fn write_atomic_stream(
    target: &Path,
    mode: Mode,
    overwrite: Overwrite,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_via_temp(target, mode, overwrite, true, |f| {
        let mut w = io::BufWriter::with_capacity(1 << 20, f);
        fill(&mut w)?;
        w.flush()
    })
}

/// The one way files are replaced: write a temporary file beside the target, optionally
/// fsync it, then rename (replace) or hard-link (refuse: fails if the name was taken), and
/// remove the temporary file on any error.
fn write_via_temp(
    target: &Path,
    mode: Mode,
    overwrite: Overwrite,
    sync: bool,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    if overwrite == Overwrite::Refuse && target.symlink_metadata().is_ok() {
        return Err(io::Error::new(io::ErrorKind::AlreadyExists, "file exists"));
    }
    let tmp = temp_path(target);
    let result = (|| {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        opts.mode(match mode {
            Mode::Secret => 0o600,
            Mode::Public => 0o644,
        });
        let mut f = opts.open(&tmp)?;
        fill(&mut f)?;
        if sync {
            f.sync_all()?;
        }
        drop(f);
        match overwrite {
            Overwrite::Replace => fs::rename(&tmp, target)?,
            Overwrite::Refuse => rename_no_replace(&tmp, target)?,
        }
        if sync {
            sync_dir(target);
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Moves `tmp` to `target` unless `target` exists (then `AlreadyExists`), atomically: one
/// renameat2(RENAME_NOREPLACE); where the file system does not support it, a hard link (which
/// also fails if the name is taken) and the removal of `tmp`.
fn rename_no_replace(tmp: &Path, target: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, tmp, CWD, target, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(Errno::INVAL | Errno::NOSYS | Errno::NOTSUP) => {
            fs::hard_link(tmp, target)?;
            fs::remove_file(tmp)
        }
        Err(e) => Err(e.into()),
    }
}

/// Streams `der` as a PEM block with 64-character lines (RFC 7468).
pub fn write_pem(w: &mut dyn Write, label: &str, der: &[u8]) -> io::Result<()> {
    use base64::Engine as _;
    writeln!(w, "-----BEGIN {label}-----")?;
    let mut line = [0u8; 64];
    for chunk in der.chunks(48) {
        let n = base64::engine::general_purpose::STANDARD
            .encode_slice(chunk, &mut line)
            .map_err(io::Error::other)?;
        w.write_all(&line[..n])?;
        w.write_all(b"\n")?;
    }
    writeln!(w, "-----END {label}-----")
}

/// Flushes the whole file system holding `dir` to disk (syncfs(2)): one call makes every file
/// written with [`write_atomic_deferred`] durable.
pub fn sync_filesystem(dir: &Path) -> io::Result<()> {
    let f = File::open(dir)?;
    rustix::fs::syncfs(&f).map_err(io::Error::from)
}

fn write_atomic_with(
    target: &Path,
    data: &[u8],
    mode: Mode,
    overwrite: Overwrite,
    sync: bool,
) -> io::Result<()> {
    write_via_temp(target, mode, overwrite, sync, |f| f.write_all(data))
}

fn sync_dir(target: &Path) {
    if let Some(dir) = target.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Reads a file whole, refusing anything over `limit` bytes (untrusted inputs).
pub fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let meta = fs::metadata(path)?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory",
        ));
    }
    if meta.len() > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("file is {} bytes, over the limit of {limit}", meta.len()),
        ));
    }
    fs::read(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_pem_matches_the_pem_crate() {
        let der: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let mut out = Vec::new();
        write_pem(&mut out, "X509 CRL", &der).unwrap();
        let parsed = pem::parse(&out).unwrap();
        assert_eq!(parsed.tag(), "X509 CRL");
        assert_eq!(parsed.contents(), &der[..]);
        assert!(
            String::from_utf8(out)
                .unwrap()
                .lines()
                .all(|l| l.len() <= 64)
        );
    }

    #[test]
    fn refuse_and_replace() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.key");
        write_atomic(&p, b"one", Mode::Secret, Overwrite::Refuse).unwrap();
        let err = write_atomic(&p, b"two", Mode::Secret, Overwrite::Refuse).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"three", Mode::Secret, Overwrite::Replace).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"three");
        #[cfg(unix)]
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn deferred_writes_are_whole_private_and_refuse_existing_names() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("01.key");
        let cert = dir.path().join("01.pem");
        write_atomic_deferred(&key, b"secret", Mode::Secret, Overwrite::Refuse).unwrap();
        write_atomic_deferred(&cert, b"public", Mode::Public, Overwrite::Refuse).unwrap();
        assert_eq!(fs::read(&key).unwrap(), b"secret");
        assert_eq!(fs::read(&cert).unwrap(), b"public");
        #[cfg(unix)]
        {
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o077;
            assert_eq!(mode(&key), 0, "a key is private to its owner");
        }
        // A taken name (even by a symlink to nowhere) is refused, and nothing is replaced.
        let err =
            write_atomic_deferred(&key, b"other", Mode::Secret, Overwrite::Refuse).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&key).unwrap(), b"secret");
        #[cfg(unix)]
        {
            let link = dir.path().join("02.pem");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
            let err =
                write_atomic_deferred(&link, b"x", Mode::Public, Overwrite::Refuse).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
            assert!(!dir.path().join("nowhere").exists());
        }
        write_atomic_deferred(&cert, b"again", Mode::Public, Overwrite::Replace).unwrap();
        assert_eq!(fs::read(&cert).unwrap(), b"again");
        // Nothing but the named files: no temporary or unnamed leftovers.
        let extra = usize::from(cfg!(unix));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2 + extra);
    }
}
