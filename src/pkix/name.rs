//! Distinguished-name comparison by the RFC 5280 §7.1 rules (placeholder: bytewise).

use der::Encode;
use x509_cert::name::Name;

/// Two names are the same DN by RFC 5280 §7.1.
pub fn names_match(a: &Name, b: &Name) -> bool {
    a.to_der().ok() == b.to_der().ok()
}
