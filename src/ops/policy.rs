//! The one policy loader of the front ends: reads a policy file or directory (bounded reads,
//! the error rules below) and compiles it with [`crate::authz::Policy::load`], the pure loader,
//! with or without the compiled-policy cache. `authz` verbs, governance, `ca policy` and
//! `audit verify`'s re-decision all come through here.
//!
//! Prints nothing and reads no environment: the cache to use (if any) is an input, and what
//! happened with it goes to a `debug` callback.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};

use super::common;
use super::error::hinted;
use crate::authz::{self, LoadErrors, Policy, Warning, source};
use crate::store::Store;
use crate::store::policy_cache::PolicyCache;

/// A policy's sources: each file's path (used in messages) and text.
pub type Sources = Vec<(PathBuf, String)>;

/// Reads the policy sources at `path`: one file, or the YAML files of a directory.
pub fn read_sources(path: &Path) -> anyhow::Result<Sources> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("reading policy `{}`", path.display()))?;
    let files = if meta.is_dir() {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(path)
            .with_context(|| format!("listing policy directory `{}`", path.display()))?
        {
            let entry =
                entry.with_context(|| format!("listing policy directory `{}`", path.display()))?;
            // Every `.yaml`/`.yml` entry is a source, whatever its type: a deny file replaced
            // by a FIFO, a directory or a dangling link must stop the command (the bounded
            // reader refuses it), never be skipped into an allow.
            entries.push(entry.path());
        }
        let files = source::policy_files(entries);
        if files.is_empty() {
            return Err(hinted(
                format!(
                    "no .yaml or .yml files in policy directory `{}`",
                    path.display()
                ),
                "pass a policy file, or a directory that holds one",
            ));
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    files
        .into_iter()
        .map(|f| {
            let bytes = common::read_file(&f, "policy")?;
            let text = utf8_text(&f, bytes)?;
            Ok((f, text))
        })
        .collect()
}

/// The file's text, or an error naming the line and column of the first byte that is not UTF-8.
pub fn utf8_text(path: &Path, bytes: Vec<u8>) -> anyhow::Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // `good` is valid UTF-8 by construction.
        let before = std::str::from_utf8(good).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        anyhow!("{}:{line}:{column}: not valid UTF-8", path.display())
    })
}

/// The error of a policy that does not load: `policy `PATH` does not load (N errors)`.
pub fn does_not_load(path: &Path, errors: &LoadErrors) -> anyhow::Error {
    let n = errors.errors.len();
    anyhow!(
        "policy `{}` does not load ({n} error{})",
        path.display(),
        if n == 1 { "" } else { "s" }
    )
}

/// Compiles the sources of a policy that governs a CA, without the cache: a governed decision
/// comes from the sources, so no cache entry (whoever wrote it) can change it. A policy that
/// does not load is an error that names its first problem: nothing is allowed.
pub fn compile_governing(path: &Path, sources: &[(PathBuf, String)]) -> anyhow::Result<Policy> {
    match Policy::load(sources) {
        Ok((policy, _warnings)) => Ok(policy),
        Err(errors) => {
            let first = errors
                .errors
                .first()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "unknown error".into());
            Err(anyhow!(
                "policy `{}` governing this CA does not load ({} error(s)), so nothing is allowed: {first}",
                path.display(),
                errors.errors.len()
            ))
        }
    }
}

/// Reads and compiles a policy meant to govern a CA (see [`compile_governing`]).
pub fn load_governing_file(path: &Path) -> anyhow::Result<Policy> {
    let sources = read_sources(path)?;
    compile_governing(path, &sources)
}

/// Loads the policy that governs a CA, and its version. A pinned copy in the home (what
/// `ca policy` keeps) must still hash to the version it is kept under: an edited copy stops
/// every governed command, it never decides. A policy path of a home pinned before versions
/// were kept is loaded as it is, under the version of its current texts (which the log never
/// pinned: `audit verify` reports such acts as not provable).
pub fn load_governing(store: &Store, path: &Path) -> anyhow::Result<(Policy, String)> {
    let sources = read_sources(path)?;
    let version = authz::pin::version(&sources);
    if let Some(pinned) = store.pinned_version_of(path)
        && pinned != version
    {
        return Err(hinted(
            format!(
                "the pinned policy `{}` was altered: its sources hash to {version}, not {pinned}, so nothing is allowed",
                path.display()
            ),
            "restore it, or pin the policy again with `govpki ca policy PATH`",
        ));
    }
    Ok((compile_governing(path, &sources)?, version))
}

/// Why a pinned policy version cannot decide again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinnedError {
    /// The version's directory is missing or unreadable.
    NotKept { version: String, cause: String },
    /// The kept texts hash to another version.
    Altered { dir: PathBuf, found: String },
    /// The kept texts do not compile.
    DoesNotLoad { version: String, first: String },
}

impl std::fmt::Display for PinnedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PinnedError::NotKept { version, cause } => write!(
                f,
                "the pinned policy {version} is not kept in the home: {cause}"
            ),
            PinnedError::Altered { dir, found } => write!(
                f,
                "the pinned policy kept in `{}` was altered: it hashes to {found}",
                dir.display()
            ),
            PinnedError::DoesNotLoad { version, first } => {
                write!(f, "the pinned policy {version} does not load: {first}")
            }
        }
    }
}

impl std::error::Error for PinnedError {}

/// A pinned policy version loaded from the home (`HOME/policies/VERSION`), never through the
/// cache.
pub fn load_pinned(store: &Store, version: &str) -> Result<Policy, PinnedError> {
    let dir = store.pinned_policy_dir(version);
    let sources = read_sources(&dir).map_err(|e| PinnedError::NotKept {
        version: version.to_string(),
        cause: format!("{e:#}"),
    })?;
    let found = authz::pin::version(&sources);
    if found != version {
        return Err(PinnedError::Altered { dir, found });
    }
    Policy::load(&sources)
        .map(|(p, _)| p)
        .map_err(|e| PinnedError::DoesNotLoad {
            version: version.to_string(),
            first: e.errors.first().map(|e| e.to_string()).unwrap_or_default(),
        })
}

/// Compiles policy sources, through `cache` when there is one: an entry for these exact
/// sources (and this build) is used when it checks out, else the policy is loaded from the
/// sources and, when it loads, stored. The cache never changes the result: any trouble with it
/// is reported to `debug` only and means a normal load. A policy that does not load is never
/// stored, so its errors are always found afresh.
pub fn compile_cached(
    sources: &[(PathBuf, String)],
    cache: Option<&PolicyCache>,
    debug: &dyn Fn(&str),
) -> Result<(Policy, Vec<Warning>), LoadErrors> {
    let Some(cache) = cache else {
        return Policy::load(sources);
    };
    let key = authz::cache_key(sources);
    let entry = cache.entry_path(&key);
    match cache.read(&key) {
        Ok(Some(bytes)) => match Policy::from_cache_bytes(&bytes, &key) {
            Some(hit) => {
                debug(&format!("compiled policy from cache `{}`", entry.display()));
                return Ok(hit);
            }
            None => debug(&format!(
                "ignoring policy cache entry `{}`: it does not check out",
                entry.display()
            )),
        },
        Ok(None) => {}
        Err(e) => debug(&format!(
            "ignoring policy cache entry `{}`: {e}",
            entry.display()
        )),
    }
    let (policy, warnings) = Policy::load(sources)?;
    if let Some(bytes) = policy.to_cache_bytes(&warnings, &key) {
        match cache.write(&key, &bytes) {
            Ok(()) => debug(&format!("stored compiled policy `{}`", entry.display())),
            Err(e) => debug(&format!(
                "not caching the compiled policy in `{}`: {e}",
                cache.dir().display()
            )),
        }
    }
    Ok((policy, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_yaml_is_an_error_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        let err: super::super::Error = read_sources(dir.path()).unwrap_err().into();
        assert!(err.message().contains("no .yaml or .yml files"), "{err}");
        assert!(err.hint().is_some());
    }

    #[test]
    fn a_yaml_entry_that_is_not_a_file_stops_the_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "version: 1\n").unwrap();
        std::fs::create_dir(dir.path().join("deny.yaml")).unwrap();
        assert!(read_sources(dir.path()).is_err());
    }

    #[test]
    fn text_that_is_not_utf8_is_named_by_line_and_column() {
        let err = utf8_text(Path::new("p.yaml"), b"a: 1\nbc\xff".to_vec()).unwrap_err();
        assert_eq!(err.to_string(), "p.yaml:2:3: not valid UTF-8");
    }

    #[test]
    fn a_governing_policy_that_does_not_load_allows_nothing() {
        let sources = vec![(PathBuf::from("p.yaml"), "version: [".to_string())];
        let err = compile_governing(Path::new("p.yaml"), &sources).unwrap_err();
        assert!(err.to_string().contains("so nothing is allowed"), "{err}");
    }
}
