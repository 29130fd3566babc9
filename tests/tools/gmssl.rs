//! The one way the integration tests ask the pure-Python `gmssl` (PyPI, an SM2 independent of
//! the `sm2` crate and of OpenSSL) whether an SM2-with-SM3 signature verifies with the user ID
//! `1234567812345678`: `tests/tools/gmssl_sm2_verify.py`, through [`verify`].
//!
//! A test includes it next to `common` (which it uses):
//! ```ignore
//! mod common;
//! #[path = "tools/gmssl.rs"]
//! mod gmssl;
//! ```
#![allow(dead_code)]

use crate::common::{Env, p, require_tool, tool};

/// The script, by absolute path (tests run with the package root as their directory, but need
/// not).
pub const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/tools/gmssl_sm2_verify.py"
);

/// Whether Python's `gmssl` is importable: if not, a loud SKIPPED line, or a panic under
/// `GOVPKI_REQUIRE_TOOLS=1` (`.ci/run` installs it).
pub fn available() -> bool {
    if !require_tool("python3") {
        return false;
    }
    let run = tool("python3", ["-c", "import gmssl.sm2"]);
    if run.code == Some(0) {
        return true;
    }
    if std::env::var("GOVPKI_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!(
            "Python `gmssl` is not installed, and GOVPKI_REQUIRE_TOOLS=1 forbids skipping (run .ci/run)\n{}",
            run.describe()
        );
    }
    eprintln!(
        "SKIPPED: Python gmssl not installed (`python3 -m pip install gmssl==3.2.2`; .ci/run does)"
    );
    false
}

/// Whether gmssl accepts `signature` (DER `SEQUENCE { r, s }`) over `message` for the public key
/// `public_hex` (the uncompressed point `04 || x || y`, in hex). Panics if the script itself
/// fails (a usage error, a crash), so a broken judge never reads as a refusal.
pub fn verify(env: &Env, public_hex: &str, message: &[u8], signature: &[u8]) -> bool {
    let msg = env.write("gmssl/message.bin", message);
    let sig = env.write("gmssl/signature.der", signature);
    let run = tool("python3", [SCRIPT, public_hex, p(&sig), p(&msg)]);
    match run.code {
        Some(0) if run.stdout.trim() == "OK" => true,
        Some(1) if run.stdout.starts_with("FAIL") => false,
        _ => panic!("the gmssl script broke\n{}", run.describe()),
    }
}

/// The hex `04 || x || y` of the SM2 public key in a certificate (DER).
pub fn public_hex_of_cert(cert_der: &[u8]) -> String {
    use der::Decode;
    let cert = x509_cert::Certificate::from_der(cert_der).expect("a certificate");
    let point = cert
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    assert_eq!(point.len(), 65, "an uncompressed SM2 point");
    assert_eq!(point.first(), Some(&0x04), "an uncompressed SM2 point");
    hex::encode(point)
}
