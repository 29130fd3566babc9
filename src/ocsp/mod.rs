//! OCSP (RFC 6960) for one issuer, with the lightweight profile of RFC 5019 / RFC 9919: request
//! parsing ([`request`]), a responder that answers from pre-signed responses ([`responder`]),
//! and the client-side judgement of a response ([`check`]).
//!
//! Pure: bytes and an explicit `now` (Unix seconds) in, bytes and typed verdicts out. It does
//! not open sockets, read the store or the clock: the service (`govpki serve`) carries the
//! bytes, `ops::ocsp` reads the statuses from the store and asks responders over HTTP.
//!
//! The structures are those of the `x509-ocsp` crate; hashing (SHA-1 and SHA-256 CertIDs),
//! signing ([`crate::ca::keys::PrivateKey`], every algorithm incl. SM2) and signature
//! verification ([`crate::pkix::sig`]) are govpki's.

pub mod check;
mod id;
pub mod request;
pub mod responder;
#[cfg(test)]
mod tests;

pub use check::{Judgement, Undecided, judge};
pub use id::{HashAlg, IssuerId};
pub use request::{MAX_CERT_IDS, MAX_REQUEST_BYTES, ParsedRequest, RequestError};
pub use responder::{CacheHeaders, Responder, ResponderError, Signer, Status, StatusRow};

/// id-kp-OCSPSigning (RFC 6960 §4.2.2.2).
pub const OID_KP_OCSP_SIGNING: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");

/// The media types of RFC 6960 Appendix A.
pub const REQUEST_MEDIA_TYPE: &str = "application/ocsp-request";
pub const RESPONSE_MEDIA_TYPE: &str = "application/ocsp-response";

/// Most bytes of a response a client reads (a response for one certificate with a delegated
/// responder certificate is a few KiB; RSA-4096 chains stay far below this).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// A Unix time as the GeneralizedTime OCSP writes (whole seconds, `Z`).
fn generalized(secs: i64) -> Result<x509_ocsp::OcspGeneralizedTime, der::Error> {
    let secs = u64::try_from(secs).map_err(|_| der::Error::from(der::ErrorKind::DateTime))?;
    let t = der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))?;
    Ok(x509_ocsp::OcspGeneralizedTime(t))
}

/// A GeneralizedTime as Unix seconds.
fn unix(t: &x509_ocsp::OcspGeneralizedTime) -> i64 {
    i64::try_from(t.0.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}
