//! Fuzzes reading a certificate's identity: any bytes must give a subject or an error.
//!
//! Run: `cargo fuzz run subject_cert`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(subject) = govpki::authz::subject_from_cert(data) {
        // Every attribute value is text without control characters.
        for (_, values) in subject.iter() {
            for v in values {
                assert!(!v.chars().any(char::is_control), "{v:?}");
            }
        }
    }
});
