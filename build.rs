//! Build identity for the compiled-policy cache (`src/authz/cache.rs`): a hash of the sources
//! and dependency versions this binary is built from, as `GOVPKI_BUILD_HASH`.
//!
//! The cache key holds the format version and the crate version, but a loader that compiles
//! policies differently can ship under the same version (a development build, a distribution's
//! patched package). With this hash in the key, such a build never reads an entry compiled by
//! another build: it recompiles the policy from its sources instead.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    // A directory is watched recursively.
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let mut inputs = Vec::new();
    files(Path::new("src"), &mut inputs);
    inputs.sort();
    inputs.push(PathBuf::from("Cargo.toml"));
    inputs.push(PathBuf::from("Cargo.lock"));
    // Not a security boundary (entries are the user's own files): any stable 64-bit hash will
    // do, and std's needs no build dependency.
    let mut h = DefaultHasher::new();
    for path in &inputs {
        let bytes = std::fs::read(path).unwrap_or_default();
        let name = path.as_os_str().as_encoded_bytes();
        h.write_usize(name.len());
        h.write(name);
        h.write_usize(bytes.len());
        h.write(&bytes);
    }
    println!("cargo:rustc-env=GOVPKI_BUILD_HASH={:016x}", h.finish());
}
