//! Files on disk: private directories (0700), secret files (0600), and atomic writes that never
//! leave a half-written file behind (write a temporary file beside the target, fsync, rename).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
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

/// Creates the directory `path` with mode 0700 whatever the umask (missing parents are made
/// 0700 too). Returns whether this call created it: an existing directory is used as it is and
/// its mode is never changed (it is not ours), but a symbolic link or a non-directory at `path`
/// is refused, so that keys are never written through a link someone else planted.
pub fn create_private_dir(path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    use std::os::unix::fs::DirBuilderExt;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        b.mode(0o700);
        b.create(parent)?;
    }
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    b.mode(0o700);
    match b.create(path) {
        Ok(()) => {
            // The umask may have taken bits from 0700 (never added any): set it exactly, on
            // the directory just made (opened without following links), not on the name.
            #[cfg(unix)]
            {
                use rustix::fs::{Mode as FsMode, OFlags};
                let fd = rustix::fs::open(
                    path,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    FsMode::empty(),
                )?;
                rustix::fs::fchmod(&fd, FsMode::from_raw_mode(0o700))?;
            }
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let meta = fs::symlink_metadata(path)?;
            if meta.file_type().is_symlink() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "is a symbolic link; refusing to write into it",
                ));
            }
            if !meta.is_dir() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "exists and is not a directory",
                ));
            }
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Creates `path` as a new, empty file with mode 0600 whatever the umask, failing with
/// `AlreadyExists` if the name is taken (`O_EXCL`: of two processes, exactly one succeeds).
pub fn create_new_private_file(path: &Path) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(0o600);
    let file = opts.open(path)?;
    #[cfg(unix)]
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// An exclusive advisory lock (`flock`) on a lock file, held until dropped (or the process
/// ends, whatever way it ends: the kernel releases it).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Takes the exclusive lock on `path` (created 0600 if missing, never followed if a link),
/// waiting up to `wait` for another holder to release it; then `WouldBlock`. A lock file that
/// was removed or replaced while this process waited is an error: the lock it holds would
/// guard nothing.
pub fn lock_exclusive(path: &Path, wait: std::time::Duration) -> io::Result<FileLock> {
    use rustix::fs::FlockOperation;
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    opts.mode(0o600)
        .custom_flags((rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32);
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the lock file is not a regular file",
        ));
    }
    let start = std::time::Instant::now();
    loop {
        match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => break,
            Err(rustix::io::Errno::WOULDBLOCK) if start.elapsed() < wait => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(rustix::io::Errno::WOULDBLOCK) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "another govpki process held the lock for over {} s",
                        wait.as_secs()
                    ),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let same = fs::symlink_metadata(path)
            .is_ok_and(|now| now.dev() == meta.dev() && now.ino() == meta.ino());
        if !same {
            return Err(io::Error::other(
                "the lock file was removed or replaced while waiting for it",
            ));
        }
    }
    Ok(FileLock { _file: file })
}

/// Who holds a lock that [`try_lock_owned`] could not take: the pid written in the lock file
/// (`None` when the holder has not written it yet, or wrote something else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder(pub Option<u32>);

/// Takes the exclusive lock on `path` without waiting and writes `pid` into the file, for a
/// lock held for a process's whole life; `Ok(Err(holder))` when another process holds it.
pub fn try_lock_owned(path: &Path, pid: u32) -> io::Result<Result<FileLock, Holder>> {
    match lock_exclusive(path, std::time::Duration::ZERO) {
        Ok(lock) => {
            let mut file = &lock._file;
            file.set_len(0)?;
            file.write_all(format!("{pid}\n").as_bytes())?;
            file.flush()?;
            Ok(Ok(lock))
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            let text = read_limited(path, 64).unwrap_or_default();
            let pid = std::str::from_utf8(&text)
                .ok()
                .and_then(|t| t.trim().parse().ok());
            Ok(Err(Holder(pid)))
        }
        Err(e) => Err(e),
    }
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

/// Opens `path` for reading, refusing anything but a regular file: a directory, a FIFO, a
/// socket or a device (`/dev/zero`, a terminal) is an `InvalidInput` error. The file is opened
/// with `O_NONBLOCK` and checked with `fstat` on the open descriptor, so a FIFO with no writer
/// does not hang the open, and the check and the read concern the same file (no race between a
/// `stat` of the name and the `open`). Every file govpki reads goes through here.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    opts.custom_flags((rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY).bits() as i32);
    let file = opts.open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({})", describe_file_type(&kind)),
        ));
    }
    // Regular files ignore O_NONBLOCK; it is cleared all the same so that reads never see
    // `WouldBlock` (on file systems that honour it).
    #[cfg(unix)]
    {
        let flags = rustix::fs::fcntl_getfl(&file)?;
        rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)?;
    }
    Ok(file)
}

fn describe_file_type(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// Reads a regular file whole (see [`open_regular`]), refusing anything over `limit` bytes
/// (untrusted inputs). The bound is on the bytes read (at most `limit + 1`), not on the size
/// the file claims, so a file that grows while it is read cannot exhaust memory.
pub fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("file is over the limit of {limit} bytes"),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owned_lock_names_its_holder_to_the_second_taker() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("serve.lock");
        let first = try_lock_owned(&path, 4242).unwrap().unwrap();
        assert_eq!(
            try_lock_owned(&path, 7).unwrap().unwrap_err(),
            Holder(Some(4242))
        );
        drop(first);
        assert!(try_lock_owned(&path, 7).unwrap().is_ok());
    }

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
    fn only_regular_files_are_read_and_reads_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small");
        fs::write(&small, b"12345").unwrap();
        assert_eq!(read_limited(&small, 5).unwrap(), b"12345");
        let err = read_limited(&small, 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        // A device never ends: refused at the open, not read up to the limit.
        let err = read_limited(Path::new("/dev/zero"), 1 << 40).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("character device"), "{err}");
        let err = read_limited(dir.path(), 10).unwrap_err();
        assert!(err.to_string().contains("directory"), "{err}");
        // A FIFO without a writer: refused at once (O_NONBLOCK), not waited on.
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let err = read_limited(&fifo, 10).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
    }

    #[test]
    fn private_dirs_are_0700_when_made_and_untouched_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let made = dir.path().join("a/b");
        assert!(create_private_dir(&made).unwrap());
        assert_eq!(
            fs::metadata(&made).unwrap().permissions().mode() & 0o777,
            0o700
        );
        fs::set_permissions(&made, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(!create_private_dir(&made).unwrap());
        assert_eq!(
            fs::metadata(&made).unwrap().permissions().mode() & 0o777,
            0o755
        );
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&made, &link).unwrap();
        assert!(create_private_dir(&link).is_err());
    }

    #[test]
    fn a_lock_is_exclusive_and_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = lock_exclusive(&path, std::time::Duration::from_secs(1)).unwrap();
        let err = lock_exclusive(&path, std::time::Duration::from_millis(50)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        drop(held);
        lock_exclusive(&path, std::time::Duration::from_millis(50)).unwrap();
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
