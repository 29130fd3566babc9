//! Small adapters to rustls-webpki shared by certificate verification (`ca::verify`) and seal
//! chain checks (`seal::chain`).

use webpki::KeyPurposeIdIter;

/// Accepts any extended key usage (`cert verify` without `--purpose`, a dedicated seal
/// authority certificate), still refusing a malformed EKU extension.
pub struct AnyPurpose;

impl webpki::ExtendedKeyUsageValidator for AnyPurpose {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        // Still refuse a malformed EKU extension.
        for id in iter {
            id?;
        }
        Ok(())
    }
}
