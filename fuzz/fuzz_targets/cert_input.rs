//! Certificate and CRL input (PEM/DER framing, then parsing and description): never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    use govpki::ca::input;
    if let Ok(ders) = input::decode_all(data, input::CERT_LABELS) {
        for der in ders {
            let _ = input::parse_cert(&der);
        }
    }
    let _ = input::decode_one(data, input::CRL_LABELS);
});
