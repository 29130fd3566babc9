//! The responder of one issuer (RFC 6960 §2.2, §4.2 with the RFC 5019 profile): `good`,
//! `revoked` (revocationTime and reason) or `unknown` per CertID, `unauthorized` for a CertID
//! of another issuer, `malformedRequest` for what does not parse.
//!
//! Answers are pre-signed per serial and CertID hash ([`Responder::refresh`]): a request for
//! one certificate gets bytes signed at the last refresh, which a server sends without signing.
//! A nonce in such a request is ignored and not echoed (RFC 5019 §2.2.1 / RFC 8954 §2.1 allow
//! it: pre-signed answers cannot carry one; freshness is `producedAt`/`thisUpdate`). A request
//! for several certificates, a serial not in the store (`unknown`), or any request after the
//! pre-signed answers' nextUpdate is signed when asked.

use std::borrow::Cow;
use std::collections::HashMap;

use der::asn1::BitString;
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::CrlReason;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspResponse, OcspResponseStatus, ResponderId,
    ResponseData, RevokedInfo, SingleResponse, Version,
};

use super::id::{HashAlg, IssuerId, key_hash};
use super::request::{self, ParsedRequest};
use super::{OID_KP_OCSP_SIGNING, generalized};
use crate::ca::crl::Reason;
use crate::ca::keys::PrivateKey;
use crate::ca::serial::Serial;
use crate::pkix::Cert;
use crate::pkix::sig::{DefaultVerifier, SignatureVerifier};

/// The revocation status of one certificate of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Good,
    /// Revoked (or on hold: reason certificateHold) at `at` (Unix seconds).
    Revoked {
        at: i64,
        reason: Reason,
    },
}

/// One certificate of the issuer and its status: what [`Responder::refresh`] signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    pub serial: Serial,
    pub status: Status,
}

/// Who signs the responses.
pub enum Signer {
    /// The issuer's own key (RFC 6960 §4.2.2.2: the CA that issued the certificates).
    Ca(PrivateKey),
    /// A delegated responder: a certificate of the `ocsp` profile the issuer issued (with
    /// id-kp-OCSPSigning and id-pkix-ocsp-nocheck), and its key. The certificate goes in
    /// every response's `certs`.
    Delegated { cert_der: Vec<u8>, key: PrivateKey },
}

/// Why a responder cannot be set up or a response cannot be signed.
#[derive(Debug, thiserror::Error)]
pub enum ResponderError {
    #[error("the issuer certificate is malformed: {0}")]
    BadIssuer(crate::pkix::CertError),
    #[error("the signing key is not the key of the issuer certificate")]
    KeyMismatch,
    #[error("the delegated responder certificate is not usable: {0}")]
    Delegated(String),
    #[error("encoding the response: {0}")]
    Encode(der::Error),
    #[error("signing the response: {0}")]
    Sign(crate::ca::keys::KeyError),
}

/// The responder of one issuer, with its pre-signed answers.
pub struct Responder {
    issuer: IssuerId,
    key: PrivateKey,
    sig_alg: AlgorithmIdentifierOwned,
    certs: Option<Vec<Certificate>>,
    responder_id: ResponderId,
    /// The delegated certificate's (notBefore, notAfter): no refresh outside it.
    delegate_validity: Option<(i64, i64)>,
    validity: i64,
    /// Serial magnitude -> status, as of the last refresh.
    statuses: HashMap<Vec<u8>, Status>,
    /// (CertID hash, serial magnitude) -> the signed OCSPResponse.
    presigned: HashMap<(HashAlg, Vec<u8>), Vec<u8>>,
    this_update: i64,
    next_update: i64,
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("serials", &self.statuses.len())
            .field("this_update", &self.this_update)
            .field("next_update", &self.next_update)
            .finish_non_exhaustive()
    }
}

impl Responder {
    /// A responder for `issuer_der` whose answers are valid for `validity` seconds after each
    /// refresh (nextUpdate = thisUpdate + validity; e.g. one day). It has no statuses until
    /// [`Responder::refresh`]: every serial is `unknown`.
    pub fn new(issuer_der: &[u8], signer: Signer, validity: i64) -> Result<Self, ResponderError> {
        Self::build(issuer_der, signer, validity, true)
    }

    /// As [`Responder::new`] without checking the delegate: tests forge responses with it.
    #[cfg(test)]
    pub(super) fn new_unchecked(
        issuer_der: &[u8],
        signer: Signer,
        validity: i64,
    ) -> Result<Self, ResponderError> {
        Self::build(issuer_der, signer, validity, false)
    }

    fn build(
        issuer_der: &[u8],
        signer: Signer,
        validity: i64,
        check: bool,
    ) -> Result<Self, ResponderError> {
        let issuer = Cert::from_der(issuer_der).map_err(ResponderError::BadIssuer)?;
        let (key, certs, signer_spki, delegate_validity) = match signer {
            Signer::Ca(key) => {
                if key.spki_der() != issuer.spki_der {
                    return Err(ResponderError::KeyMismatch);
                }
                (key, None, issuer.spki.clone(), None)
            }
            Signer::Delegated { cert_der, key } => {
                let delegate = Cert::from_der(&cert_der)
                    .map_err(|e| ResponderError::Delegated(e.to_string()))?;
                if check {
                    check_delegate(&delegate, &issuer)?;
                }
                if key.spki_der() != delegate.spki_der {
                    return Err(ResponderError::KeyMismatch);
                }
                let cert = Certificate::from_der(&cert_der)
                    .map_err(|e| ResponderError::Delegated(e.to_string()))?;
                let validity = (delegate.not_before, delegate.not_after);
                (key, Some(vec![cert]), delegate.spki.clone(), Some(validity))
            }
        };
        let sig_alg = AlgorithmIdentifierOwned::from_der(key.signature_algorithm_der())
            .map_err(ResponderError::Encode)?;
        let responder_id = ResponderId::ByKey(
            der::asn1::OctetString::new(key_hash(&signer_spki)).map_err(ResponderError::Encode)?,
        );
        Ok(Responder {
            issuer: IssuerId::new(&issuer).map_err(ResponderError::Encode)?,
            key,
            sig_alg,
            certs,
            responder_id,
            delegate_validity,
            validity: validity.max(1),
            statuses: HashMap::new(),
            presigned: HashMap::new(),
            this_update: i64::MIN,
            next_update: i64::MIN,
        })
    }

    /// Replaces the statuses with `rows` and re-signs one answer per serial and CertID hash
    /// (SHA-1 and SHA-256), with producedAt = thisUpdate = `now`.
    pub fn refresh(
        &mut self,
        rows: impl IntoIterator<Item = StatusRow>,
        now: i64,
    ) -> Result<(), ResponderError> {
        if let Some((not_before, not_after)) = self.delegate_validity
            && (now < not_before || now > not_after)
        {
            // Clients refuse answers of a delegate outside its validity (RFC 6960 §4.2.2.2):
            // keep the last answers and say so, rather than sign ones nobody accepts.
            return Err(ResponderError::Delegated(format!(
                "its certificate is not valid at {now} (valid {not_before} to {not_after})"
            )));
        }
        let statuses: HashMap<Vec<u8>, Status> = rows
            .into_iter()
            .map(|r| (r.serial.as_bytes().to_vec(), r.status))
            .collect();
        let next = now.saturating_add(self.validity);
        let mut presigned = HashMap::with_capacity(statuses.len() * HashAlg::ALL.len());
        for (serial, status) in &statuses {
            let content = Serial::from_be_bytes(serial)
                .map(|s| s.der_content())
                .unwrap_or_else(|_| serial.clone());
            for alg in HashAlg::ALL {
                let id = self
                    .issuer
                    .cert_id(alg, &content)
                    .map_err(ResponderError::Encode)?;
                let der = self.sign(&[(id, Some(*status))], now, now, next)?;
                presigned.insert((alg, serial.clone()), der);
            }
        }
        self.statuses = statuses;
        self.presigned = presigned;
        self.this_update = now;
        self.next_update = next;
        Ok(())
    }

    /// thisUpdate of the pre-signed answers (Unix seconds; `i64::MIN` before any refresh).
    pub fn this_update(&self) -> i64 {
        self.this_update
    }

    /// nextUpdate of the pre-signed answers: a server refreshes before it (and HTTP caches
    /// may keep an answer until it, RFC 5019 §6.2).
    pub fn next_update(&self) -> i64 {
        self.next_update
    }

    /// HTTP caching for a pre-signed answer at `now` (RFC 5019 §6.2): `None` once the answers
    /// are past their nextUpdate (then an answer is signed when asked and must not be cached).
    pub fn cache_headers(&self, now: i64) -> Option<CacheHeaders> {
        if now < self.this_update || now >= self.next_update {
            return None;
        }
        Some(CacheHeaders {
            max_age: self.next_update - now,
            last_modified: self.this_update,
            expires: self.next_update,
        })
    }

    /// The status of `serial` (its magnitude) as of the last refresh; `None` when this issuer
    /// never issued it.
    pub fn status(&self, serial: &Serial) -> Option<Status> {
        self.statuses.get(serial.as_bytes()).copied()
    }

    /// How many serials the last refresh signed.
    pub fn len(&self) -> usize {
        self.statuses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.statuses.is_empty()
    }

    /// The DER OCSPResponse to a DER request (a POST body), at `now`. Never fails: what
    /// cannot be answered gets an unsigned error status.
    pub fn respond(&self, request_der: &[u8], now: i64) -> Cow<'_, [u8]> {
        self.respond_limited(request_der, now, &|| true)
    }

    /// [`Self::respond`], where an answer that is not pre-signed (several CertIDs, an unknown
    /// serial) is signed only if `may_sign` says so, else `tryLater`: a service bounds what
    /// anonymous clients can make it sign.
    pub fn respond_limited(
        &self,
        request_der: &[u8],
        now: i64,
        may_sign: &dyn Fn() -> bool,
    ) -> Cow<'_, [u8]> {
        match request::parse_der(request_der) {
            Ok(req) => self.answer_limited(&req, now, may_sign),
            Err(_) => Cow::Owned(unsigned(OcspResponseStatus::MalformedRequest)),
        }
    }

    /// The answer to the GET form (RFC 5019 §5): `path` is what follows the responder's path.
    pub fn respond_get(&self, path: &str, now: i64) -> Cow<'_, [u8]> {
        self.respond_get_limited(path, now, &|| true)
    }

    /// [`Self::respond_get`] with [`Self::respond_limited`]'s bound on signing.
    pub fn respond_get_limited(
        &self,
        path: &str,
        now: i64,
        may_sign: &dyn Fn() -> bool,
    ) -> Cow<'_, [u8]> {
        match request::parse_get(path) {
            Ok(req) => self.answer_limited(&req, now, may_sign),
            Err(_) => Cow::Owned(unsigned(OcspResponseStatus::MalformedRequest)),
        }
    }

    /// The answer to a parsed request.
    pub fn answer(&self, req: &ParsedRequest, now: i64) -> Cow<'_, [u8]> {
        self.answer_limited(req, now, &|| true)
    }

    fn answer_limited(
        &self,
        req: &ParsedRequest,
        now: i64,
        may_sign: &dyn Fn() -> bool,
    ) -> Cow<'_, [u8]> {
        let mut asked = Vec::with_capacity(req.ids.len());
        for id in &req.ids {
            let Some(alg) = self.issuer.matches(id) else {
                // Not this issuer's (or a hash we do not compute): RFC 6960 §2.3.
                return Cow::Owned(unsigned(OcspResponseStatus::Unauthorized));
            };
            asked.push((alg, id));
        }
        // The statuses are those of the last refresh: outside its validity they are not known
        // to be current (a refresh failed, or the clock moved back), and signing them with a new
        // thisUpdate would vouch for a status that may have changed since. RFC 6960 §2.3.
        if now < self.this_update || now >= self.next_update {
            return Cow::Owned(unsigned(OcspResponseStatus::TryLater));
        }
        if let [(alg, id)] = asked.as_slice()
            && let Some(der) = magnitude(id).and_then(|m| self.presigned.get(&(*alg, m)))
        {
            return Cow::Borrowed(der);
        }
        if !may_sign() {
            return Cow::Owned(unsigned(OcspResponseStatus::TryLater));
        }
        let (this, next) = (self.this_update, self.next_update);
        let singles: Vec<(CertId, Option<Status>)> = asked
            .into_iter()
            .map(|(_, id)| {
                let status = magnitude(id).and_then(|m| self.statuses.get(&m).copied());
                (id.clone(), status)
            })
            .collect();
        match self.sign(&singles, now, this, next) {
            Ok(der) => Cow::Owned(der),
            Err(_) => Cow::Owned(unsigned(OcspResponseStatus::InternalError)),
        }
    }

    /// A signed successful response with one SingleResponse per (CertID, status); `None` is
    /// `unknown`.
    fn sign(
        &self,
        singles: &[(CertId, Option<Status>)],
        produced: i64,
        this: i64,
        next: i64,
    ) -> Result<Vec<u8>, ResponderError> {
        let enc = ResponderError::Encode;
        let mut responses = Vec::with_capacity(singles.len());
        for (id, status) in singles {
            let cert_status = match status {
                None => CertStatus::unknown(),
                Some(Status::Good) => CertStatus::good(),
                Some(Status::Revoked { at, reason }) => CertStatus::revoked(RevokedInfo {
                    revocation_time: generalized(*at).map_err(enc)?,
                    // RFC 5280 §5.3.1: unspecified is written as no reason.
                    revocation_reason: crl_reason(*reason),
                }),
            };
            responses.push(SingleResponse {
                cert_id: id.clone(),
                cert_status,
                this_update: generalized(this).map_err(enc)?,
                next_update: Some(generalized(next).map_err(enc)?),
                single_extensions: None,
            });
        }
        let tbs = ResponseData {
            version: Version::V1,
            responder_id: self.responder_id.clone(),
            produced_at: generalized(produced).map_err(enc)?,
            responses,
            response_extensions: None,
        };
        let tbs_der = tbs.to_der().map_err(enc)?;
        let signature = self.key.sign(&tbs_der).map_err(ResponderError::Sign)?;
        let basic = BasicOcspResponse {
            tbs_response_data: tbs,
            signature_algorithm: self.sig_alg.clone(),
            signature: BitString::from_bytes(&signature).map_err(enc)?,
            certs: self.certs.clone(),
        };
        OcspResponse::successful(basic)
            .and_then(|r| r.to_der())
            .map_err(enc)
    }
}

/// What a server puts in the HTTP headers of a pre-signed answer (RFC 5019 §6.2): `Cache-Control:
/// max-age=<max_age>, public, no-transform, must-revalidate`, `Last-Modified` (producedAt =
/// thisUpdate) and `Expires` (nextUpdate), Unix seconds. An `ETag` is the answer's hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheHeaders {
    pub max_age: i64,
    pub last_modified: i64,
    pub expires: i64,
}

/// The serial magnitude a CertID asks about; `None` for a negative serial (never issued).
fn magnitude(id: &CertId) -> Option<Vec<u8>> {
    let content = id.serial_number.as_bytes();
    if content.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    Serial::from_be_bytes(content)
        .ok()
        .map(|s| s.as_bytes().to_vec())
}

/// An unsigned response with an error status (RFC 6960 §4.2.1: no responseBytes).
pub fn unsigned(status: OcspResponseStatus) -> Vec<u8> {
    let code = status as u8;
    // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED }
    vec![0x30, 0x03, 0x0a, 0x01, code]
}

fn crl_reason(reason: Reason) -> Option<CrlReason> {
    Some(match reason {
        Reason::Unspecified => return None,
        Reason::KeyCompromise => CrlReason::KeyCompromise,
        Reason::CaCompromise => CrlReason::CaCompromise,
        Reason::AffiliationChanged => CrlReason::AffiliationChanged,
        Reason::Superseded => CrlReason::Superseded,
        Reason::CessationOfOperation => CrlReason::CessationOfOperation,
        Reason::CertificateHold => CrlReason::CertificateHold,
        Reason::RemoveFromCrl => CrlReason::RemoveFromCRL,
        Reason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        Reason::AaCompromise => CrlReason::AaCompromise,
    })
}

/// A delegated responder certificate is usable for `issuer`: issued (named and signed) by it,
/// with id-kp-OCSPSigning (RFC 6960 §4.2.2.2). Its validity is the client's to judge.
pub(super) fn check_delegate(delegate: &Cert, issuer: &Cert) -> Result<(), ResponderError> {
    delegate_problem(delegate, issuer).map_or(Ok(()), |why| Err(ResponderError::Delegated(why)))
}

/// What keeps `delegate` from answering for `issuer`, in words; `None` when it may.
pub(super) fn delegate_problem(delegate: &Cert, issuer: &Cert) -> Option<String> {
    if !crate::pkix::name::names_match(&delegate.issuer, &issuer.subject) {
        return Some(format!(
            "`{}` is not issued by `{}`",
            delegate.subject_text(),
            issuer.subject_text()
        ));
    }
    if DefaultVerifier::default()
        .verify(
            &issuer.spki,
            &delegate.sig_alg,
            &delegate.tbs_der,
            &delegate.signature,
        )
        .is_err()
    {
        return Some(format!(
            "`{}` is not signed by the issuer's key",
            delegate.subject_text()
        ));
    }
    if !delegate
        .ext
        .ext_key_usage
        .as_ref()
        .is_some_and(|ekus| ekus.contains(&OID_KP_OCSP_SIGNING))
    {
        return Some(format!(
            "`{}` lacks the id-kp-OCSPSigning extended key usage",
            delegate.subject_text()
        ));
    }
    None
}
