//! The RFC 4514 DN parser: never panics, and what it accepts prints back to an equal DN.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(dn) = govpki::ca::dn::Dn::parse(text) {
            let again = govpki::ca::dn::Dn::parse(&dn.to_string()).expect("printed DN parses");
            assert_eq!(again, dn);
        }
    }
});
