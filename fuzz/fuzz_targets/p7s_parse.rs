//! Fuzzes the `.p7s` reader (DER or PEM CMS SignedData, possibly carrying a seal): any input
//! either parses or is an error, and the summary of what parses never panics.
#![no_main]

use govpki::seal::parse_signature;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = parse_signature(data) {
        assert!(!sig.signers.is_empty());
        let _ = sig.summary().to_string();
        let signer = sig.signer();
        let _ = sig.signer_certificate(signer);
        let _ = signer.document_digest_algorithm();
    }
});
