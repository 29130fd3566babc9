//! The operator API of the CA service (docs/api.md), without HTTP: what a request is, how the
//! operator signs it, how the server opens it, and how a refusal is answered.
//!
//! A request is a JSON [`Envelope`]: the operator's certificate, the client's time, a nonce, the
//! asks (what the policy will be asked, `"action resource"`), the body (base64 of the exact
//! JSON bytes signed, so nothing needs canonicalising) and the operator's signature over the
//! request statement ([`crate::audit::proof::request_statement`]). [`sign_request`] makes one
//! (client side); [`open_request`] checks everything that needs no store (size, shape, this
//! CA, the time window, the signature, the body) and returns a [`VerifiedRequest`]. The replay
//! check (the nonce store), the operator's standing in this CA, the asks the server derives and
//! the policy are the application layer's (`ops::remote`, `ops::govern`).
//!
//! Pure: bytes and an explicit `now` in, typed values or a typed [`ApiError`] out. It opens no
//! socket, reads no clock and touches no disk.

mod body;
mod error;
mod request;

pub use body::{
    Body, Checked, CrlBody, IssueBody, MAX_HOLDERS, ReleaseBody, RenewBody, RevokeBody, SealCreate,
    SealCreateBody, SealRevokeBody, Verb,
};
pub use error::ApiError;
pub use request::{Envelope, VerifiedRequest, open_request, sign_request, sign_request_v2};

/// The largest request the server reads (bytes of the envelope): a CSR and its options, or a
/// revocation of some thousand serials, fit many times over.
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// How far a request's time may be from the server's clock.
pub const WINDOW: time::Duration = crate::audit::proof::REQUEST_WINDOW;

#[cfg(test)]
mod tests;
