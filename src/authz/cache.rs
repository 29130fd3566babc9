//! The compiled-policy cache format: a compiled [`Policy`] and its warnings as bytes, and back.
//!
//! Most of the time a one-request process spends on a large policy goes into parsing YAML; a
//! process can skip that by reading the policy an earlier process compiled. This module only
//! encodes, decodes and checks: it reads no files (the entries live on disk through
//! `store::policy_cache`) and knows nothing of where they are.
//!
//! An entry is `MAGIC | FORMAT (u32 LE) | key (32) | SHA-256(payload) (32) | payload`, the
//! payload being the policy and its warnings in postcard. The key ([`cache_key`]) hashes the
//! format, the build and every source's path and text, so an entry is found only for the exact
//! texts it was compiled from, by the build that compiled it. Anything that does not check out
//! (magic, format, key, checksum, decoding, a pattern or time zone that no longer parses, an
//! index out of range) makes [`Policy::from_cache_bytes`] return `None`: the caller then loads
//! the policy from its sources, so an entry can never change a decision or fail a command.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ring::digest::{Context, SHA256};
use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::eval::{Binding, BindingIndex, Deny, Perm, Policy, Role, RuleIndex, Sod};
use super::{SourceLocation, Warning};

/// The first bytes of every entry.
const MAGIC: &[u8; 8] = b"GOVPKIPC";

/// Bumped whenever the encoding of a compiled policy changes. (Changes of the compiler that keep
/// the encoding are covered by the build hash in the key.)
/// 2: a deny resource pattern with `${subject.ATTR}` sits at the root of the deny index (it
/// matches every resource for a subject without the value).
const FORMAT: u32 = 2;

/// Magic, format, key, payload digest.
const HEADER: usize = MAGIC.len() + 4 + 32 + 32;

/// A hash of the sources this binary was built from (see `build.rs`): a build whose loader
/// compiles policies differently, even one that keeps the version number (a patched package),
/// never reads another build's entries.
const BUILD: &str = env!("GOVPKI_BUILD_HASH");

/// The cache key of a policy: SHA-256 over the format, the version and build of govpki, and
/// each source's path (paths are part of every location the policy reports) and text, each
/// length-prefixed so that no two different inputs hash the same stream.
pub fn cache_key(sources: &[(PathBuf, String)]) -> [u8; 32] {
    let mut h = Context::new(&SHA256);
    let mut field = |bytes: &[u8]| {
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(b"govpki compiled policy");
    field(&FORMAT.to_le_bytes());
    field(env!("CARGO_PKG_VERSION").as_bytes());
    field(BUILD.as_bytes());
    field(&(sources.len() as u64).to_le_bytes());
    for (path, text) in sources {
        field(path.as_os_str().as_encoded_bytes());
        field(text.as_bytes());
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(h.finish().as_ref());
    key
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&SHA256, bytes).as_ref());
    out
}

/// What an entry holds, for writing (borrowed from the policy).
#[derive(Serialize)]
struct EntryRef<'a> {
    roles: &'a [Role],
    perms: &'a [Perm],
    bindings: &'a [Binding],
    denies: &'a [Deny],
    sods: &'a [Sod],
    allow_index: &'a RuleIndex,
    deny_index: &'a RuleIndex,
    binding_index: &'a BindingIndex,
    warnings: Vec<WarningRepr>,
}

/// What an entry holds, for reading.
#[derive(Deserialize)]
struct Entry {
    roles: Vec<Role>,
    perms: Vec<Perm>,
    bindings: Vec<Binding>,
    denies: Vec<Deny>,
    sods: Vec<Sod>,
    allow_index: RuleIndex,
    deny_index: RuleIndex,
    binding_index: BindingIndex,
    warnings: Vec<WarningRepr>,
}

#[derive(Serialize, Deserialize)]
struct WarningRepr {
    #[serde(with = "location")]
    at: SourceLocation,
    message: String,
}

impl Policy {
    /// The policy and the warnings its load gave, as a cache entry under `key` (from
    /// [`cache_key`] of the sources it was loaded from). `None` when the policy cannot be
    /// encoded (a path that is not UTF-8): such a policy is simply not cached.
    pub fn to_cache_bytes(&self, warnings: &[Warning], key: &[u8; 32]) -> Option<Vec<u8>> {
        let entry = EntryRef {
            roles: &self.roles,
            perms: &self.perms,
            bindings: &self.bindings,
            denies: &self.denies,
            sods: &self.sods,
            allow_index: &self.allow_index,
            deny_index: &self.deny_index,
            binding_index: &self.binding_index,
            warnings: warnings
                .iter()
                .map(|w| WarningRepr {
                    at: w.at.clone(),
                    message: w.message.clone(),
                })
                .collect(),
        };
        let payload = postcard::to_stdvec(&entry).ok()?;
        let mut out = Vec::with_capacity(HEADER + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(key);
        out.extend_from_slice(&sha256(&payload));
        out.extend_from_slice(&payload);
        Some(out)
    }

    /// The policy and warnings of a cache entry, if it is one for `key`, intact, and consistent;
    /// else `None` (never a panic, never a different policy).
    pub fn from_cache_bytes(bytes: &[u8], key: &[u8; 32]) -> Option<(Policy, Vec<Warning>)> {
        let (magic, rest) = bytes.split_first_chunk::<8>()?;
        let (format, rest) = rest.split_first_chunk::<4>()?;
        let (entry_key, rest) = rest.split_first_chunk::<32>()?;
        let (digest, payload) = rest.split_first_chunk::<32>()?;
        if magic != MAGIC || u32::from_le_bytes(*format) != FORMAT || entry_key != key {
            return None;
        }
        // Not a secret: a plain comparison is fine.
        if sha256(payload) != *digest {
            return None;
        }
        decode(payload)
    }
}

/// The payload -> a policy whose every index is in range.
fn decode(payload: &[u8]) -> Option<(Policy, Vec<Warning>)> {
    let (entry, rest) = postcard::take_from_bytes::<Entry>(payload).ok()?;
    if !rest.is_empty() {
        return None;
    }
    let Entry {
        roles,
        perms,
        bindings,
        denies,
        sods,
        allow_index,
        deny_index,
        binding_index,
        warnings,
    } = entry;
    let policy = Policy {
        roles,
        perms,
        bindings,
        denies,
        sods,
        allow_index,
        deny_index,
        binding_index,
    };
    if !policy.indexes_in_range() {
        return None;
    }
    let warnings = warnings
        .into_iter()
        .map(|w| Warning {
            at: w.at,
            message: w.message,
        })
        .collect();
    Some((policy, warnings))
}

/// `SourceLocation` in an entry: the path as UTF-8 text, line, column. (Its `Serialize` impl
/// is the `file:line:column` string of JSON reports, which is not meant to be read back.)
pub(crate) mod location {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(at: &SourceLocation, s: S) -> Result<S::Ok, S::Error> {
        let file = at
            .file
            .to_str()
            .ok_or_else(|| S::Error::custom("a policy path that is not UTF-8"))?;
        (file, at.line, at.column).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SourceLocation, D::Error> {
        let (file, line, column) = <(&str, u64, u64)>::deserialize(d)?;
        if line == 0 || column == 0 {
            return Err(D::Error::custom("locations are 1-based"));
        }
        Ok(SourceLocation {
            file: Arc::from(Path::new(file)),
            line,
            column,
        })
    }
}

#[cfg(test)]
mod tests;
