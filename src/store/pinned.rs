//! The pinned copies of the policies that governed this CA: `HOME/policies/<version>/`, one
//! directory per version (see [`crate::authz::pin`]), kept so that governed commands evaluate
//! exactly the pinned texts and `audit verify` can decide every recorded act again.

use std::path::{Path, PathBuf};

use super::files::{self, Mode, Overwrite};
use super::{Store, StoreError};

/// The directory of pinned policies, relative to the home.
pub const PINNED_DIR: &str = "policies";

impl Store {
    /// Where the sources of a pinned policy version are kept.
    pub fn pinned_policy_dir(&self, version: &str) -> PathBuf {
        self.home().join(PINNED_DIR).join(version)
    }

    /// The version a governing policy path names, if it is a pinned copy in this home.
    pub fn pinned_version_of(&self, path: &Path) -> Option<String> {
        let name = path.file_name()?.to_str()?;
        let parent = path.parent()?;
        (crate::authz::pin::is_version(name) && parent == self.home().join(PINNED_DIR))
            .then(|| name.to_string())
    }

    /// Keeps a copy of a policy's sources (file name, text) under its version, and returns the
    /// directory. Directories 0700, files 0600 like the rest of the home.
    pub fn pin_policy(
        &self,
        version: &str,
        sources: &[(String, String)],
    ) -> Result<PathBuf, StoreError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        let top = self.home().join(PINNED_DIR);
        files::create_private_dir(&top).map_err(io(&top))?;
        let dir = self.pinned_policy_dir(version);
        files::create_private_dir(&dir).map_err(io(&dir))?;
        for (name, text) in sources {
            let path = dir.join(name);
            files::write_atomic(&path, text.as_bytes(), Mode::Secret, Overwrite::Replace)
                .map_err(io(&path))?;
        }
        Ok(dir)
    }
}
