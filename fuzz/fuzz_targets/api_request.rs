//! The operator API's requests (envelope, body, signature check) and the request proofs kept in
//! the audit log: never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = time::macros::datetime!(2027-01-04 02:00 UTC);
    let _ = govpki::api::open_request(data, b"fuzz ca", now, govpki::api::WINDOW);
    let _ = govpki::api::Body::parse(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = govpki::audit::proof::parse_outcome(text);
    }
});
