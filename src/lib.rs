//! govpki: the network trust system of an e-government as one toolkit.
//!
//! - [`ca`]: certificate authority logic (profiles, CSR intake, issuing, CRLs, chain
//!   verification). Pure: inputs and `now` in, DER out.
//! - [`store`]: the only module that touches disk (SQLite store, key files, atomic writes).
//! - [`seal`]: electronic seals (GB/T 38540 SESeal) and sealed-document signatures (CMS).
//!   Pure.
//! - [`authz`]: role-based YAML policies, their evaluation and explanation. Pure.
//! - [`audit`]: hash-chained audit records.
//! - [`api`]: the CA service's operator API without HTTP (signed requests, typed refusals).
//!   Pure.
//! - [`i18n`]: English and Chinese texts of reports, verdicts and errors (Fluent). Pure.
//! - [`ops`]: the application layer, one module per use case; front ends call only it.
//! - [`cli`]: one module per command group; `cli::output` is the only printer.
//! - [`serve`]: `govpki serve`, the CA as a network service (publication, bounded HTTP(S)).
#![forbid(unsafe_code)]

pub mod api;
pub mod audit;
pub mod authz;
pub mod ca;
pub mod cli;
pub mod i18n;
pub mod ocsp;
pub mod ops;
pub mod pkix;
pub mod seal;
pub mod serve;
pub mod store;
pub mod tlv;
