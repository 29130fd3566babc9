//! Certification path validation, RFC 5280 §6, for every algorithm govpki reads.
//!
//! Pure: certificates, CRLs, a time and the §6.1.1 inputs in; a verdict out. Nothing here reads
//! a file, the clock or the environment.
//!
//! - [`cert`]: a strictly parsed certificate and its decoded extensions.
//! - [`name`]: distinguished-name comparison by the RFC 5280 §7.1 rules.
//! - [`nc`]: name constraints (§6.1.3 (b)-(c), §6.1.4 (g)) for every name form.
//! - [`policy`]: the valid policy tree (§6.1.2-§6.1.5).
//! - [`sig`]: signature verification, pluggable, with SM2-with-SM3 (GM/T 0009 user ID).
//! - [`crl`]: CRL processing (§6.3): scopes, distribution points, reasons, indirect and delta CRLs.
//! - [`validate`]: path building and the §6.1 loop that ties them together.

pub mod cert;
pub mod crl;
pub mod name;
pub mod nc;
pub mod policy;
pub mod sig;
pub mod validate;

pub use cert::{Cert, CertError};
