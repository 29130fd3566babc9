//! CSR intake (PEM or DER, signature check, key strength, SAN extraction): never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = govpki::ca::csr::verify_csr(data);
});
