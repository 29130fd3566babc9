//! Batch files, as YAML and as CSV: never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = govpki::ca::batch::parse(text, false);
        let _ = govpki::ca::batch::parse(text, true);
    }
});
