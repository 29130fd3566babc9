//! Policy versions: the name under which a CA pins the policy that governs it. A version is the
//! SHA-256 of the policy's sources (each file's name and text), so the same texts always have
//! the same version and any edit makes another. `ca policy` keeps a copy of the sources in the
//! home under their version; governed commands evaluate that copy, and `audit verify` decides
//! each recorded act again under the version its record names.
//!
//! Pure: sources in, a name out.

use std::path::PathBuf;

/// The version of a policy: SHA-256 (lowercase hex) over its sources' file names (not their
/// directories: a pinned copy lives elsewhere) and texts, in name order, length-prefixed.
pub fn version(sources: &[(PathBuf, String)]) -> String {
    let mut named: Vec<(String, &str)> = sources
        .iter()
        .map(|(p, t)| {
            (
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                t.as_str(),
            )
        })
        .collect();
    named.sort();
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut field = |bytes: &[u8]| {
        ctx.update(&(bytes.len() as u64).to_be_bytes());
        ctx.update(bytes);
    };
    field(b"govpki policy version v1");
    field(&(named.len() as u64).to_be_bytes());
    for (name, text) in &named {
        field(name.as_bytes());
        field(text.as_bytes());
    }
    hex::encode(ctx.finish().as_ref())
}

/// Whether a string looks like a version (64 lowercase hex digits).
pub fn is_version(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_depends_on_names_and_texts_not_directories() {
        let a = [(PathBuf::from("/x/roles.yaml"), "a".to_string())];
        let b = [(PathBuf::from("/y/roles.yaml"), "a".to_string())];
        let c = [(PathBuf::from("/x/roles.yaml"), "b".to_string())];
        assert_eq!(version(&a), version(&b));
        assert_ne!(version(&a), version(&c));
        assert!(is_version(&version(&a)));
    }
}
