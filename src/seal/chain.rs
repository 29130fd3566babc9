//! govpki's [`ChainChecker`] for `seal verify`: certificate paths built and checked by
//! rustls-webpki, with revocation judged **at the signing time** from CRLs (DESIGN.md §2, §4).
//!
//! webpki checks a CRL against the validation time's view of "now", but never compares an
//! entry's revocation date with that time, and it cannot tell "revoked after the signature" from
//! "revoked before". So paths come from webpki without CRLs, and this module judges each
//! certificate of the path (the trust anchor excepted) against the CRLs itself:
//! - a CRL counts for a certificate when its issuer name is the certificate's issuer, its
//!   signature verifies with the key of the certificate's issuer in the path (which must allow
//!   cRLSign when it has a key usage), and it is not a delta CRL;
//! - listed with a revocation date (or an invalidity date, when earlier: the key was no longer
//!   trustworthy from then) at or before `t`: **invalid**, whatever the CRL's age; a certificate
//!   on hold at `t` counts as revoked then;
//! - listed with a later date: good at `t` (settled);
//! - not listed on a CRL issued (thisUpdate) at or after `t`: good at `t` (settled);
//! - otherwise (no CRL, or only CRLs issued before `t`): [`ChainCheck::ValidRevocationUnknown`]
//!   with the reason, which the report shows as "revocation not checked".
//!
//! A claimed time proves nothing against a key compromise (ETSI EN 319 102-1 §5.2.8, RFC 5280
//! §5.3.2): an entry revoked for keyCompromise, cACompromise or aACompromise, or carrying an
//! invalidityDate, counts as revoked at `t` however long after `t` it was listed, unless `t` is
//! proven ([`ChainChecker::check_proven`]: a verified time-stamp's genTime, or the verifier's
//! own `--at`). Its date is the invalidityDate when earlier than the revocation date.
//!
//! Roles: a holder needs a path to a trust anchor with, where present, the documentSigning EKU
//! and digitalSignature or nonRepudiation key usage; the signer of a third-party GB/T 38540
//! `SES_Signature` the same with any EKU (see [`ChainRole::SesHolder`]). A seal authority
//! (DESIGN.md §4) is one of:
//! - a CA certificate of the trusted hierarchy allowing keyCertSign (the CA home's key): a trust
//!   anchor, or chaining to one (a subordinate CA home). webpki refuses CA certificates as end
//!   entities, so that path is built here (issuer by name, signature, CA flag, keyCertSign,
//!   validity at `t`);
//! - a certificate of the `seal-authority` profile: the extended key usage
//!   [`OID_KP_SEAL_AUTHORITY`](super::OID_KP_SEAL_AUTHORITY), through webpki;
//! - a certificate the verifier pinned ([`AtTimeChecker::with_seal_authorities`], `seal verify
//!   --seal-authority`): its chain is checked when it has one to the anchors, else it stands on
//!   its own (validity at `t`, revocation not checked).
//!
//! Any other maker (a `person`, `department` or `seal` holder certificate, whatever its chain)
//! is "not a seal authority". Every issuer on a path, the trust anchor included, must allow
//! keyCertSign when it has a key usage extension (as `openssl verify` requires).
//!
//! Besides CRLs, the checker takes the revocations of a CA home's store
//! ([`AtTimeChecker::with_store_revocations`]): authoritative for the certificates that CA
//! issued, as of the time they were read.
//!
//! Answers are cached per (certificate, candidate intermediates, time, role) for batches.
//! Pure: certificates and CRLs come in as DER, the time as an argument.

use std::collections::HashMap;
use std::sync::Mutex;

use std::sync::Arc;

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::report::{
    CertId, ChainCheck, ChainChecker, ChainFailure, ChainRole, Extension, ListedRevocation,
    RevocationUnknown, RevokedBecause, Unsettled,
};
use super::signer::{self, SignatureCheck};
use crate::ca::crl::Reason;
use crate::ca::verify::{InvalidReason, Purpose};
use crate::pkix::Cert;
use crate::pkix::policy::PolicyInputs;
use crate::pkix::sig::DefaultVerifier;
use crate::pkix::validate::{self, Options, Outcome, Pool};

/// Most certificates in a path, trust anchor included.
const MAX_DEPTH: usize = 12;

mod certs;
mod crl;

use certs::*;
pub use certs::{certificate_issued_by, seal_authority_kind};
use crl::*;

/// SM2 signature with SM3 (GM/T 0006), as a certificate signature algorithm.
/// Why a checker cannot be built from its inputs.
#[derive(Debug, thiserror::Error)]
pub enum ChainSetupError {
    #[error("no trust anchor given")]
    NoAnchors,
    #[error("trust anchor {index} is unusable: {reason}")]
    BadAnchor { index: usize, reason: String },
    #[error("CRL {index} is malformed: {reason}")]
    BadCrl { index: usize, reason: String },
}

type CacheKey = ([u8; 32], [u8; 32], i64, u8, bool);

/// The rustls-webpki [`ChainChecker`] with revocation at the signing time. Build it once per
/// run; it is `Sync` and caches its answers.
pub struct AtTimeChecker {
    anchors: Vec<Vec<u8>>,
    parsed_anchors: Vec<Arc<Cert>>,
    parsed_intermediates: Vec<Arc<Cert>>,
    intermediates: Vec<Vec<u8>>,
    crls: Vec<ParsedCrl>,
    /// Certificates pinned as seal authorities (`--seal-authority`), DER.
    seal_authorities: Vec<Vec<u8>>,
    store: Option<StoreRevocations>,
    cache: Mutex<HashMap<CacheKey, ChainCheck>>,
}

/// The revocations of a CA home's store: the CA's certificate, its revoked serials, and the
/// time they were read (the store speaks for every certificate of that CA up to then).
struct StoreRevocations {
    issuer_der: Vec<u8>,
    lookup: StoreLookup,
    as_of: OffsetDateTime,
}

/// Looks up one serial (magnitude octets, no sign byte) among a CA home's revocations: the
/// entry, none, or why the store could not answer. The caller reads the store; this module
/// only asks.
pub type StoreLookup = Box<dyn Fn(&[u8]) -> Result<Option<StoreRevocation>, String> + Send + Sync>;

/// One revocation recorded in a CA home's store, for [`AtTimeChecker::with_store_revocations`].
#[derive(Debug, Clone)]
pub struct StoreRevocation {
    /// The serial's magnitude octets (no DER sign byte).
    pub serial: Vec<u8>,
    pub revoked_at: OffsetDateTime,
    pub reason: Reason,
    pub invalidity: Option<OffsetDateTime>,
}

impl std::fmt::Debug for AtTimeChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtTimeChecker")
            .field("anchors", &self.anchors.len())
            .field("intermediates", &self.intermediates.len())
            .field("crls", &self.crls.len())
            .finish_non_exhaustive()
    }
}

/// The checker with CRLs of one signature added (`seal verify` takes CRLs from the signature
/// too). Answers are not cached.
pub struct WithCrls<'a> {
    base: &'a AtTimeChecker,
    extra: Vec<ParsedCrl>,
}

impl ChainChecker for WithCrls<'_> {
    fn check(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> ChainCheck {
        self.base
            .check_uncached(&self.extra, ee_der, intermediates, at, false, role)
    }

    fn check_proven(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> ChainCheck {
        self.base
            .check_uncached(&self.extra, ee_der, intermediates, at, true, role)
    }

    fn path(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> Option<Vec<Vec<u8>>> {
        self.base.path(ee_der, intermediates, at, role)
    }
}

/// Where a certificate stands on the CRLs at a time.
enum Revocation {
    Good,
    Revoked(ListedRevocation),
    Unknown(Unsettled),
}

impl AtTimeChecker {
    /// A checker over trust anchors, further intermediates, and CRLs (all DER). A malformed CRL
    /// or anchor is an error (the caller names the file).
    pub fn new(
        anchors: &[Vec<u8>],
        intermediates: &[Vec<u8>],
        crls: &[Vec<u8>],
    ) -> Result<AtTimeChecker, ChainSetupError> {
        if anchors.is_empty() {
            return Err(ChainSetupError::NoAnchors);
        }
        let mut parsed_anchors = Vec::with_capacity(anchors.len());
        for (index, der) in anchors.iter().enumerate() {
            parsed_anchors.push(Arc::new(Cert::from_der(der).map_err(|e| {
                ChainSetupError::BadAnchor {
                    index,
                    reason: e.to_string(),
                }
            })?));
        }
        // Intermediates given to the verifier that do not parse cannot be part of a path.
        let parsed_intermediates = intermediates
            .iter()
            .filter_map(|d| Cert::from_der(d).ok().map(Arc::new))
            .collect();
        let mut parsed = Vec::with_capacity(crls.len());
        for (index, der) in crls.iter().enumerate() {
            parsed.push(
                ParsedCrl::parse(der)
                    .map_err(|reason| ChainSetupError::BadCrl { index, reason })?,
            );
        }
        Ok(AtTimeChecker {
            anchors: anchors.to_vec(),
            parsed_anchors,
            parsed_intermediates,
            intermediates: intermediates.to_vec(),
            crls: parsed,
            seal_authorities: Vec::new(),
            store: None,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Pins certificates (DER) as seal authorities the verifier trusts (`seal verify
    /// --seal-authority`), besides the CAs of the trusted hierarchy and `seal-authority`
    /// certificates.
    pub fn with_seal_authorities(mut self, pinned: Vec<Vec<u8>>) -> Self {
        self.seal_authorities = pinned;
        self
    }

    /// Adds the revocations of a CA home's store: for certificates issued by `issuer_der` (the
    /// home's CA certificate), `revoked` is complete as of `as_of` (a certificate not listed was
    /// not revoked at any time up to then).
    pub fn with_store_revocations(
        self,
        issuer_der: Vec<u8>,
        revoked: impl IntoIterator<Item = StoreRevocation>,
        as_of: OffsetDateTime,
    ) -> Self {
        let entries: HashMap<Vec<u8>, StoreRevocation> = revoked
            .into_iter()
            .map(|r| (serial_digits(&r.serial).to_vec(), r))
            .collect();
        self.with_store_lookup(
            issuer_der,
            Box::new(move |serial| Ok(entries.get(serial).cloned())),
            as_of,
        )
    }

    /// As [`Self::with_store_revocations`], asking `lookup` about each serial when needed (a
    /// home may hold a million revocations; a verification needs a few).
    pub fn with_store_lookup(
        mut self,
        issuer_der: Vec<u8>,
        lookup: StoreLookup,
        as_of: OffsetDateTime,
    ) -> Self {
        self.store = Some(StoreRevocations {
            issuer_der,
            lookup,
            as_of,
        });
        self
    }

    /// Whether `ee_der` may make seals, and if not why (see the module documentation).
    fn authority_kind(
        &self,
        ee: &X509Certificate<'_>,
        ee_der: &[u8],
    ) -> Result<AuthorityKind, ChainFailure> {
        if self.seal_authorities.iter().any(|p| p.as_slice() == ee_der) {
            return Ok(AuthorityKind::Pinned);
        }
        authority_kind_of(ee)
    }

    /// This checker plus the CRLs a signature carries; malformed ones are skipped (they settle
    /// nothing, and a signature's CRLs are advisory).
    pub fn with_crls(&self, crls: &[Vec<u8>]) -> WithCrls<'_> {
        WithCrls {
            base: self,
            extra: crls
                .iter()
                .filter_map(|d| ParsedCrl::parse(d).ok())
                .collect(),
        }
    }

    fn check_uncached(
        &self,
        extra: &[ParsedCrl],
        ee_der: &[u8],
        doc_intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        time_proven: bool,
        role: ChainRole,
    ) -> ChainCheck {
        let ee = match X509Certificate::from_der(ee_der) {
            Ok(([], c)) => c,
            _ => return ChainCheck::Invalid(ChainFailure::Malformed(None)),
        };
        if matches!(role, ChainRole::Holder | ChainRole::SesHolder) && ee.is_ca() {
            return ChainCheck::Invalid(ChainFailure::HolderIsCa {
                subject: subject(&ee),
            });
        }
        // DESIGN.md §4: whatever its chain, only a seal authority makes seals.
        let authority = if role == ChainRole::Authority {
            match self.authority_kind(&ee, ee_der) {
                Ok(kind) => Some(kind),
                Err(why) => return ChainCheck::Invalid(why),
            }
        } else {
            None
        };
        let path = self.pkix_path(ee_der, doc_intermediates, at, role);
        // Every issuer of the path, the trust anchor included, may sign certificates (webpki
        // does not look at the anchor's key usage; OpenSSL and RFC 5280 §4.2.1.3 do).
        let path = path.and_then(|p| {
            issuers_may_sign_certificates(&p)
                .map(|()| p)
                .map_err(ChainCheck::Invalid)
        });
        let path = match path {
            Ok(p) => p,
            // A pinned authority is trusted by itself when it has no path to the anchors. One
            // whose issuer is among the anchors or intermediates claims a place in this
            // hierarchy: then the path's failure (a bad signature, an issuer without
            // keyCertSign, a revocation) stands and the pin does not hide it.
            Err(check)
                if authority == Some(AuthorityKind::Pinned)
                    && self.issuer_is_known(&ee, doc_intermediates) =>
            {
                return check;
            }
            Err(_) if authority == Some(AuthorityKind::Pinned) => {
                if let Err(why) = valid_at(&ee, at) {
                    return ChainCheck::Invalid(why);
                }
                if let Err(why) = key_usage_fits(&ee, role) {
                    return ChainCheck::Invalid(why);
                }
                return ChainCheck::ValidRevocationUnknown(RevocationUnknown(vec![
                    Unsettled::PinnedWithoutPath {
                        cert: CertId::of(ee_der),
                        subject: subject(&ee),
                    },
                ]));
            }
            Err(check) => return check,
        };
        if let Err(why) = key_usage_fits(&ee, role) {
            return ChainCheck::Invalid(why);
        }
        // Revocation of every certificate but the anchor, each against its issuer's CRLs. A
        // time-stamp authority's key compromise voids every token it signed, whatever genTime
        // they claim: with the stolen key, any genTime can be written (RFC 3161 §4).
        let time_proven = time_proven && role != ChainRole::TimeStamping;
        let mut unknown = Vec::new();
        for pair in path.windows(2) {
            // `windows(2)` yields slices of exactly two.
            let (cert_der, issuer_der) = (&pair[0], &pair[1]);
            let Ok((_, cert)) = X509Certificate::from_der(cert_der) else {
                return ChainCheck::Invalid(ChainFailure::MalformedPathCertificate);
            };
            match self.revocation_at(extra, &cert, issuer_der, at, time_proven) {
                Revocation::Good => {}
                Revocation::Revoked(listed) => {
                    return ChainCheck::Invalid(ChainFailure::Revoked(listed));
                }
                Revocation::Unknown(why) => unknown.push(why),
            }
        }
        if unknown.is_empty() {
            ChainCheck::Valid
        } else {
            ChainCheck::ValidRevocationUnknown(RevocationUnknown(unknown))
        }
    }

    /// Whether `cert`'s issuer name is the subject of a trust anchor or of a known
    /// intermediate (given to the checker or carried by the document).
    fn issuer_is_known(&self, cert: &X509Certificate<'_>, doc_intermediates: &[Vec<u8>]) -> bool {
        let issuer = cert.issuer().as_raw();
        self.anchors
            .iter()
            .chain(&self.intermediates)
            .chain(doc_intermediates)
            .any(|der| {
                X509Certificate::from_der(der).is_ok_and(|(_, c)| c.subject().as_raw() == issuer)
            })
    }

    /// The path from `ee_der` to a trust anchor (the anchor's certificate last), built and
    /// validated by [`crate::pkix::validate`] without CRLs (revocation is judged here, at the
    /// signing time), or the most specific failure, worded as `cert verify` words it.
    fn pkix_path(
        &self,
        ee_der: &[u8],
        doc_intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> Result<Vec<Vec<u8>>, ChainCheck> {
        let target = Cert::from_der(ee_der)
            .map(Arc::new)
            .map_err(|e| ChainCheck::Invalid(ChainFailure::Malformed(Some(e))))?;
        let mut intermediates = self.parsed_intermediates.clone();
        // A document's certificates are advisory: one that does not parse is not a path.
        intermediates.extend(
            doc_intermediates
                .iter()
                .filter(|d| d.as_slice() != ee_der)
                .filter_map(|d| Cert::from_der(d).ok().map(Arc::new)),
        );
        let pool = Pool {
            anchors: self.parsed_anchors.clone(),
            intermediates,
            crls: Vec::new(),
        };
        let purpose = match role {
            ChainRole::Holder => Some(Purpose::DocumentSigning),
            ChainRole::Authority | ChainRole::SesHolder => None,
            ChainRole::TimeStamping => Some(Purpose::TimeStamping),
        };
        let policy = PolicyInputs::default();
        let verifier = DefaultVerifier::default();
        let opts = Options {
            at: at.unix_timestamp(),
            policy: &policy,
            required_eku: purpose
                .and_then(|p| der::asn1::ObjectIdentifier::from_bytes(p.oid_value()).ok()),
            verifier: &verifier,
            max_depth: MAX_DEPTH,
            online: None,
        };
        match validate::validate(&target, &pool, &opts) {
            Outcome::Valid(path) | Outcome::Indeterminate(path) => {
                Ok(path.certs.iter().map(|c| c.cert.der.clone()).collect())
            }
            Outcome::Invalid(failure) => Err(ChainCheck::Invalid(ChainFailure::Path(
                InvalidReason::new(failure, at),
            ))),
        }
    }

    /// Where `cert` stands at `at` on the CRLs of its issuer `issuer_der` (and the store's
    /// revocations, when `issuer_der` is the store's CA). Unless `time_proven`, a compromise
    /// counts whenever it happened ([`listed_revocation`]).
    fn revocation_at(
        &self,
        extra: &[ParsedCrl],
        cert: &X509Certificate<'_>,
        issuer_der: &[u8],
        at: OffsetDateTime,
        time_proven: bool,
    ) -> Revocation {
        let issuer_allows_crls = X509Certificate::from_der(issuer_der)
            .ok()
            .and_then(|(_, i)| i.key_usage().ok().flatten().map(|ku| ku.value.crl_sign()))
            .unwrap_or(true);
        let mut newest: Option<OffsetDateTime> = None;
        let mut unverified = false;
        let mut settled = false;
        // The CA home's own records: the store is the source of its CRLs.
        if let Some(store) = &self.store
            && store.issuer_der == issuer_der
        {
            match (store.lookup)(serial_digits(cert.raw_serial())) {
                Ok(Some(r)) => {
                    let e = Entry {
                        revoked_at: r.revoked_at,
                        invalidity: r.invalidity,
                        reason: r.reason,
                    };
                    match listed_revocation(cert, &e, at, time_proven) {
                        Some(listed) => return Revocation::Revoked(listed),
                        None => settled = true,
                    }
                }
                Ok(None) => settled |= at <= store.as_of,
                // An unreadable store settles nothing; a CRL still may.
                Err(_) => {}
            }
        }
        // A listing counts on any CRL of the issuer; an absence settles only on a CRL that
        // covers the certificate for every reason (not one scoped to another distribution
        // point, partitioned by reason, indirect or a delta).
        let scoped = crate::pkix::Cert::from_der(cert.as_raw()).ok();
        for crl in self.crls.iter().chain(extra.iter()) {
            if crl.delta || crl.issuer != cert.issuer().as_raw() {
                continue;
            }
            let complete = scoped
                .as_ref()
                .is_some_and(|c| crate::pkix::crl::covers_completely(c, &crl.crl));
            if !issuer_allows_crls || !crl.verifies_with(issuer_der) {
                unverified = true;
                continue;
            }
            newest = Some(newest.map_or(crl.this_update, |n| n.max(crl.this_update)));
            match crl.entries.get(cert.raw_serial()) {
                Some(e) => match listed_revocation(cert, e, at, time_proven) {
                    Some(listed) => return Revocation::Revoked(listed),
                    // Revoked after `at`: it was good then.
                    None => settled = true,
                },
                None => {
                    if complete && crl.this_update >= at {
                        settled = true;
                    }
                }
            }
        }
        if settled {
            return Revocation::Good;
        }
        let subject = subject(cert);
        let id = CertId::of(cert.as_raw());
        Revocation::Unknown(match newest {
            Some(newest) => Unsettled::CrlTooOld {
                cert: id,
                subject,
                newest,
                at,
            },
            None if unverified => Unsettled::NoVerifiedCrl {
                cert: id,
                subject,
                issuer: issuer_name(cert),
            },
            None => Unsettled::NoCrl {
                cert: id,
                subject,
                issuer: issuer_name(cert),
            },
        })
    }
}

impl AtTimeChecker {
    /// [`Self::check_uncached`] through the per-run cache.
    fn cached(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        proven: bool,
        role: ChainRole,
    ) -> ChainCheck {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        for d in intermediates {
            ctx.update(&(d.len() as u64).to_be_bytes());
            ctx.update(d);
        }
        let mut inter_hash = [0u8; 32];
        inter_hash.copy_from_slice(ctx.finish().as_ref());
        let role_id = match role {
            ChainRole::Holder => 0,
            ChainRole::Authority => 1,
            ChainRole::TimeStamping => 2,
            ChainRole::SesHolder => 3,
        };
        let key = (
            sha256(ee_der),
            inter_hash,
            at.unix_timestamp(),
            role_id,
            proven,
        );
        if let Ok(cache) = self.cache.lock()
            && let Some(v) = cache.get(&key)
        {
            return v.clone();
        }
        let answer = self.check_uncached(&[], ee_der, intermediates, at, proven, role);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key, answer.clone());
        }
        answer
    }
}

impl ChainChecker for AtTimeChecker {
    fn check(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> ChainCheck {
        self.cached(ee_der, intermediates, at, false, role)
    }

    fn check_proven(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> ChainCheck {
        self.cached(ee_der, intermediates, at, true, role)
    }

    fn path(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> Option<Vec<Vec<u8>>> {
        self.pkix_path(ee_der, intermediates, at, role).ok()
    }
}

#[cfg(test)]
mod tests;
