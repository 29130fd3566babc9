//! Certificate authority logic: DNs, keys, profiles, CSR intake, issuing, CRLs and chain
//! verification.
//!
//! Everything here is pure: it takes bytes, parsed values, `now` and serials as arguments and
//! returns DER or verdicts. It does not read files, the clock or the environment; the store and
//! the CLI do that.

pub mod batch;
pub mod crl;
pub mod crl_read;
pub mod csr;
pub mod dn;
pub mod input;
pub mod issue;
pub mod keys;
pub mod pkcs12;
pub mod profile;
pub mod profile_yaml;
pub mod serial;
pub mod verify;
pub mod when;
