//! Fuzzes the parser of `authz test` files: any text gives cases or a located error.
//!
//! Run: `cargo fuzz run policy_tests` (corpus seeds: ../policies/tests/*.yaml).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(e) = govpki::authz::testcase::parse(Path::new("fuzz.yaml"), text)
    {
        assert!(e.at.line >= 1);
    }
});
