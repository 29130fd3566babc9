//! The compiled-policy cache on disk: one file per compiled policy, named by its key (hex) in a
//! private directory (0700), each file 0600 and replaced atomically.
//!
//! What an entry holds, and whether it checks out, is `authz::cache`'s business; this module
//! only finds, reads and writes the files. An entry is read only if it is a regular file (not a
//! symbolic link) owned by the current user and writable by no one else, as ssh treats its
//! configuration: otherwise another user could choose the policy this user's commands enforce.
//! Callers treat every error here as a cache miss.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode as FsMode, OFlags};

use super::files::{self, Mode, Overwrite};

/// Entries larger than this are not read (a policy text is at most 64 MiB per file).
const MAX_ENTRY: u64 = 512 * 1024 * 1024;

/// The cache directory of this user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyCache {
    dir: PathBuf,
}

impl PolicyCache {
    /// A cache in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> PolicyCache {
        PolicyCache { dir: dir.into() }
    }

    /// The cache the environment asks for, given a way to read it (`std::env::var_os`): none
    /// with `GOVPKI_NO_CACHE` set (to anything but `0`); else `$GOVPKI_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/govpki/policies` (an absolute `XDG_CACHE_HOME` only, as the XDG base
    /// directory spec says), else `$HOME/.cache/govpki/policies`; none without any of them.
    /// Empty values count as unset.
    pub fn from_env(var: impl Fn(&str) -> Option<OsString>) -> Option<PolicyCache> {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        if var("GOVPKI_NO_CACHE").is_some_and(|v| v != "0") {
            return None;
        }
        if let Some(dir) = var("GOVPKI_CACHE_DIR") {
            return Some(PolicyCache::new(dir));
        }
        if let Some(xdg) = var("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
        {
            return Some(PolicyCache::new(xdg.join("govpki").join("policies")));
        }
        var("HOME").map(|home| {
            PolicyCache::new(
                PathBuf::from(home)
                    .join(".cache")
                    .join("govpki")
                    .join("policies"),
            )
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the entry with this key.
    pub fn entry_path(&self, key: &[u8; 32]) -> PathBuf {
        self.dir.join(hex::encode(key))
    }

    /// The bytes of the entry with this key: `Ok(None)` when there is none, an error when it
    /// cannot be read or may not be trusted (it says why).
    pub fn read(&self, key: &[u8; 32]) -> io::Result<Option<Vec<u8>>> {
        let path = self.entry_path(key);
        // No following a symbolic link; a FIFO must not block the open.
        let fd = match rustix::fs::open(
            &path,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            FsMode::empty(),
        ) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(e) => return Err(io::Error::from(e)),
        };
        let mut file = File::from(fd);
        // The checks look at the file that was opened, not at the name again.
        let meta = file.metadata()?;
        let refuse = |why: &str| Err(io::Error::new(io::ErrorKind::PermissionDenied, why));
        if !meta.file_type().is_file() {
            return refuse("not a regular file");
        }
        if meta.uid() != rustix::process::getuid().as_raw() {
            return refuse("owned by another user");
        }
        if meta.mode() & 0o022 != 0 {
            return refuse("writable by group or others");
        }
        if meta.len() > MAX_ENTRY {
            return refuse("too large");
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        // Bounded by what is read, not by the size the file claimed a moment ago.
        (&mut file).take(MAX_ENTRY + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_ENTRY {
            return refuse("too large");
        }
        Ok(Some(bytes))
    }

    /// Stores an entry, replacing any entry with the same key atomically (readers see the old
    /// file or the new one, never a part). Creates the directory (0700) when it is missing.
    pub fn write(&self, key: &[u8; 32], bytes: &[u8]) -> io::Result<()> {
        if !self.dir.is_dir() {
            if let Some(parent) = self.dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent)?;
            }
            match fs::DirBuilder::new().mode(0o700).create(&self.dir) {
                Ok(()) => {}
                // Another process made it meanwhile.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        // A cache needs no fsync: an entry torn by a crash fails its checksum and is rebuilt.
        files::write_atomic_deferred(
            &self.entry_path(key),
            bytes,
            Mode::Secret,
            Overwrite::Replace,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    fn dir_of(pairs: &[(&str, &str)]) -> Option<PathBuf> {
        PolicyCache::from_env(env(pairs)).map(|c| c.dir().to_path_buf())
    }

    #[test]
    fn the_directory_comes_from_the_environment() {
        let home = ("HOME", "/home/u");
        assert_eq!(
            dir_of(&[home]),
            Some(PathBuf::from("/home/u/.cache/govpki/policies"))
        );
        assert_eq!(
            dir_of(&[home, ("XDG_CACHE_HOME", "/var/cache/u")]),
            Some(PathBuf::from("/var/cache/u/govpki/policies"))
        );
        // A relative XDG_CACHE_HOME is invalid and ignored.
        assert_eq!(
            dir_of(&[home, ("XDG_CACHE_HOME", "cache")]),
            Some(PathBuf::from("/home/u/.cache/govpki/policies"))
        );
        assert_eq!(
            dir_of(&[home, ("XDG_CACHE_HOME", "/x"), ("GOVPKI_CACHE_DIR", "/c")]),
            Some(PathBuf::from("/c"))
        );
        assert_eq!(dir_of(&[home, ("GOVPKI_CACHE_DIR", "")]), dir_of(&[home]));
        assert_eq!(dir_of(&[home, ("GOVPKI_NO_CACHE", "1")]), None);
        assert_eq!(
            dir_of(&[("GOVPKI_CACHE_DIR", "/c"), ("GOVPKI_NO_CACHE", "yes")]),
            None
        );
        assert_eq!(dir_of(&[home, ("GOVPKI_NO_CACHE", "0")]), dir_of(&[home]));
        assert_eq!(dir_of(&[home, ("GOVPKI_NO_CACHE", "")]), dir_of(&[home]));
        assert_eq!(dir_of(&[]), None);
    }

    #[test]
    fn entries_are_private_and_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = PolicyCache::new(tmp.path().join("a/b/policies"));
        let key = [7u8; 32];
        assert!(cache.read(&key).unwrap().is_none());
        cache.write(&key, b"one").unwrap();
        cache.write(&key, b"two").unwrap();
        assert_eq!(cache.read(&key).unwrap().as_deref(), Some(&b"two"[..]));
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(cache.dir()), 0o700);
        let entry = cache.entry_path(&key);
        assert_eq!(mode(&entry), 0o600);
        assert_eq!(
            entry.file_name().unwrap().to_str().unwrap(),
            "07".repeat(32)
        );
        // Nothing else is left in the directory.
        assert_eq!(fs::read_dir(cache.dir()).unwrap().count(), 1);
    }

    #[test]
    fn untrustworthy_entries_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = PolicyCache::new(tmp.path());
        let key = [1u8; 32];
        let entry = cache.entry_path(&key);
        cache.write(&key, b"entry").unwrap();

        for mode in [0o620, 0o602, 0o666] {
            fs::set_permissions(&entry, fs::Permissions::from_mode(mode)).unwrap();
            let err = cache.read(&key).unwrap_err();
            assert!(err.to_string().contains("writable"), "{err}");
        }
        fs::set_permissions(&entry, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(cache.read(&key).unwrap().is_some());

        // Another user's file (only root can make one here; CI runs as root).
        if rustix::process::getuid().is_root() {
            let nobody = rustix::process::Uid::from_raw(65534);
            rustix::fs::chown(&entry, Some(nobody), None).unwrap();
            let err = cache.read(&key).unwrap_err();
            assert!(err.to_string().contains("another user"), "{err}");
        } else {
            eprintln!("not root: the test of another user's entry is skipped");
        }

        // A symbolic link, even to a good entry, is not followed.
        let other = [2u8; 32];
        std::os::unix::fs::symlink(&entry, cache.entry_path(&other)).unwrap();
        assert!(cache.read(&other).is_err());

        // A directory or a FIFO is not an entry (and the FIFO does not block).
        let dir_key = [3u8; 32];
        fs::create_dir(cache.entry_path(&dir_key)).unwrap();
        assert!(cache.read(&dir_key).is_err());
        let fifo_key = [4u8; 32];
        rustix::fs::mknodat(
            rustix::fs::CWD,
            cache.entry_path(&fifo_key),
            rustix::fs::FileType::Fifo,
            FsMode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert!(cache.read(&fifo_key).is_err());
    }
}
