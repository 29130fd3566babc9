//! Fuzzes the `SESeal` parser (`.esl` files, and seals inside signatures): any input either
//! parses or is an error; a seal that parses re-parses identically from its own DER, and its
//! derived views (summary, authority signature check) never panic.
#![no_main]

use govpki::seal::Seal;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(seal) = Seal::from_der(data) {
        assert_eq!(seal.to_der(), data);
        let again = Seal::from_der(seal.to_der()).expect("a parsed seal re-parses");
        assert_eq!(again, seal);
        let _ = seal.summary().to_string();
        let _ = seal.verify_authority_signature();
        let _ = seal.unknown_critical_extensions();
        let _ = govpki::seal::sniff_image(&seal.info().picture.data);
    }
});
