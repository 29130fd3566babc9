//! Fuzzes the `SES_Signature` parser (an OFD's `SignedValue.dat`, `seal verify --sig`): any
//! input either parses or is an error; a signature that parses re-parses identically, and its
//! derived views (summary, both signature checks) never panic.
#![no_main]

use govpki::seal::{SesSignature, looks_like_ses};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sniffed = looks_like_ses(data);
    if let Ok(sig) = SesSignature::from_der(data) {
        assert!(sniffed, "a parsed SES_Signature is sniffed as one");
        let again = SesSignature::from_der(data).expect("a parsed signature re-parses");
        assert_eq!(again, sig);
        let _ = sig.summary().to_string();
        let _ = sig.verify_signer_signature();
        let _ = sig.seal().verify_authority_signature();
    }
});
