//! Creating a CA home, or leaving nothing: a guard that records what one `ca init` run created
//! and removes exactly that when the run fails (never a concurrent run's CA, nor a directory
//! or file that was there before).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::files;

/// A home being made, holding its init lock. Dropped without [`NewHome::keep`], it removes
/// what it made.
pub struct NewHome {
    home: PathBuf,
    made: Made,
    lock: Option<files::FileLock>,
    kept: bool,
}

#[derive(Default)]
struct Made {
    home: bool,
    lock: bool,
    private: bool,
    db: bool,
    key: bool,
    files: Vec<&'static str>,
}

impl NewHome {
    /// Creates the home (0700) if it is missing and takes its init lock: concurrent `ca init`s
    /// of one home serialise here. The caller has refused a `private/` that is a link.
    pub fn lock(home: &Path) -> Result<NewHome> {
        let mut guard = NewHome {
            home: home.to_path_buf(),
            made: Made::default(),
            lock: None,
            kept: false,
        };
        guard.made.home = files::create_private_dir(home)
            .with_context(|| format!("creating CA home `{}`", home.display()))?;
        let lock_path = home.join(super::INIT_LOCK_FILE);
        guard.made.lock = guard.made.home;
        guard.lock = Some(
            files::lock_exclusive(&lock_path, std::time::Duration::from_secs(120))
                .with_context(|| format!("locking CA home `{}`", home.display()))?,
        );
        Ok(guard)
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// Creates `private/` (0700).
    pub fn create_private_dir(&mut self) -> Result<()> {
        let dir = self.home.join("private");
        self.made.private = files::create_private_dir(&dir)
            .with_context(|| format!("creating `{}`", dir.display()))?;
        Ok(())
    }

    /// Creates the database file, 0600 and exclusively (O_EXCL), before SQLite opens it: its
    /// WAL files get the same mode, and of two runs only one can make it.
    pub fn create_db_file(&mut self) -> Result<()> {
        let db = self.home.join(super::DB_FILE);
        files::create_new_private_file(&db).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                anyhow::anyhow!("`{}` already holds a CA", self.home.display())
            } else {
                anyhow::Error::new(e).context(format!("creating `{}`", db.display()))
            }
        })?;
        self.made.db = true;
        Ok(())
    }

    /// Writes the CA key (never over an existing one).
    pub fn write_key(&mut self, pem: &[u8]) -> Result<()> {
        let key_path = self.home.join(super::CA_KEY_FILE);
        files::write_atomic(
            &key_path,
            pem,
            files::Mode::Secret,
            files::Overwrite::Refuse,
        )
        .with_context(|| format!("writing CA key `{}`", key_path.display()))?;
        self.made.key = true;
        Ok(())
    }

    /// Writes a public file of the home (`ca.pem`, `chain.pem`), replacing it; removed on
    /// failure only if this run made it.
    pub fn write_public(&mut self, name: &'static str, data: &[u8]) -> Result<()> {
        let path = self.home.join(name);
        if path.symlink_metadata().is_err() {
            self.made.files.push(name);
        }
        files::write_atomic(&path, data, files::Mode::Public, files::Overwrite::Replace)
            .with_context(|| format!("writing `{}`", path.display()))
    }

    /// The home is made: keep everything (the lock is released).
    pub fn keep(mut self) {
        self.kept = true;
    }

    fn undo(&self) {
        let home = &self.home;
        let mut remove: Vec<&str> = self.made.files.clone();
        if self.made.db {
            remove.extend([super::DB_FILE, "govpki.db-wal", "govpki.db-shm"]);
        }
        if self.made.key {
            remove.push(super::CA_KEY_FILE);
        }
        for f in remove {
            let _ = std::fs::remove_file(home.join(f));
        }
        if self.made.private {
            let _ = std::fs::remove_dir(home.join("private"));
        }
        if self.made.home {
            // The lock file goes only with the home this run made; a run still waiting for
            // it then finds it gone and stops (see `files::lock_exclusive`).
            if self.made.lock {
                let _ = std::fs::remove_file(home.join(super::INIT_LOCK_FILE));
            }
            let _ = std::fs::remove_dir(home);
        }
    }
}

impl Drop for NewHome {
    fn drop(&mut self) {
        if !self.kept {
            self.undo();
        }
        // The lock is released after the undo, as the run that made the home held it.
        drop(self.lock.take());
    }
}
