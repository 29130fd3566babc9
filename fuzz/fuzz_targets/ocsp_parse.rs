//! OCSP requests (DER and the GET form) and responses (judged for a fixed certificate and
//! issuer): never panic, whatever the bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

const ISSUER: &[u8] = include_bytes!("../../testdata/gbt38540/certs/ofdrw-root.pem");
const CERT: &[u8] = include_bytes!("../../testdata/gbt38540/certs/ofdrw-maker.pem");

fn cert(pem_bytes: &[u8]) -> Option<govpki::pkix::Cert> {
    let ders = govpki::ca::input::decode_all(pem_bytes, govpki::ca::input::CERT_LABELS).ok()?;
    govpki::pkix::Cert::from_der(ders.first()?).ok()
}

fuzz_target!(|data: &[u8]| {
    let _ = govpki::ocsp::request::parse_der(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = govpki::ocsp::request::parse_get(text);
    }
    if let (Some(c), Some(i)) = (cert(CERT), cert(ISSUER)) {
        let _ = govpki::ocsp::judge(
            data,
            &c,
            &i,
            1_798_761_600,
            &govpki::pkix::sig::DefaultVerifier::default(),
        );
    }
});
