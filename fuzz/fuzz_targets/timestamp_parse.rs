//! Fuzzes the RFC 3161 readers: a time-stamp token (as embedded in a `.p7s`) and a
//! `TimeStampResp`. Any input parses or is an error; verifying a token never panics.
#![no_main]

use govpki::seal::timestamp::{parse_response, parse_token, verify_token};
use libfuzzer_sys::fuzz_target;
use time::macros::datetime;

fuzz_target!(|data: &[u8]| {
    let _ = parse_token(data);
    if let Ok(resp) = parse_response(data) {
        let _ = resp.status.granted();
    }
    let _ = verify_token(
        data,
        b"signature value",
        &[],
        None,
        datetime!(2026-11-30 10:00:00 UTC),
    );
});
