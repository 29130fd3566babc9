//! Strict DER reading of a CRL (RFC 5280 §5): v1 and v2, the CRL and entry extensions §6.3
//! uses decoded, unknown critical ones recorded. Checks nothing about trust or time.

use der::asn1::{Any, BitString, Int, ObjectIdentifier};
use der::{Decode, Encode, Sequence, Tag, TagNumber, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::GeneralNames;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlReason};
use x509_cert::name::Name;

use super::{Crl, CrlEntry, CrlError};
use crate::pkix::cert::read_time;

/// CRL and entry extension OIDs (RFC 5280 §5.2, §5.3).
pub mod oid {
    use der::asn1::ObjectIdentifier as O;
    pub const CRL_NUMBER: O = O::new_unwrap("2.5.29.20");
    pub const DELTA_CRL_INDICATOR: O = O::new_unwrap("2.5.29.27");
    /// x509-cert 0.2.5's `IssuingDistributionPoint::OID` is wrong (it names SIA).
    pub const ISSUING_DISTRIBUTION_POINT: O = O::new_unwrap("2.5.29.28");
    pub const AUTHORITY_KEY_ID: O = O::new_unwrap("2.5.29.35");
    pub const ISSUER_ALT_NAME: O = O::new_unwrap("2.5.29.18");
    pub const FRESHEST_CRL: O = O::new_unwrap("2.5.29.46");
    pub const REASON_CODE: O = O::new_unwrap("2.5.29.21");
    pub const CERTIFICATE_ISSUER: O = O::new_unwrap("2.5.29.29");
    pub const INVALIDITY_DATE: O = O::new_unwrap("2.5.29.24");
}

#[derive(Sequence)]
struct RawCrl {
    tbs: Any,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

#[derive(Sequence)]
struct RawEntry {
    serial: Int,
    revocation_date: Any,
    #[asn1(optional = "true")]
    extensions: Option<Vec<Extension>>,
}

fn der_err(e: der::Error) -> CrlError {
    CrlError::Der(e.to_string())
}

fn time(any: &Any) -> Result<i64, CrlError> {
    read_time(any).map_err(|e| CrlError::Time(e.to_string()))
}

fn is_time(any: &Any) -> bool {
    matches!(any.tag(), Tag::UtcTime | Tag::GeneralizedTime)
}

fn reencode<T: for<'a> Decode<'a>>(any: &Any) -> Result<T, CrlError> {
    let der = any.to_der().map_err(der_err)?;
    T::from_der(&der).map_err(der_err)
}

impl Crl {
    /// Parses one DER CRL, strictly: trailing bytes, a non-DER encoding, a duplicated or
    /// malformed extension are errors.
    pub fn from_der(der: &[u8]) -> Result<Crl, CrlError> {
        let outer = RawCrl::from_der(der).map_err(der_err)?;
        if outer.tbs.tag() != Tag::Sequence {
            return Err(CrlError::Der("TBSCertList is not a SEQUENCE".into()));
        }
        let tbs_der = outer.tbs.to_der().map_err(der_err)?;
        let items: Vec<Any> = Vec::<Any>::from_der(&tbs_der).map_err(der_err)?;
        let mut it = items.iter().peekable();
        let mut version = 1u8;
        if let Some(v) = it.next_if(|a| a.tag() == Tag::Integer) {
            match reencode::<u8>(v)? {
                1 => version = 2,
                n => return Err(CrlError::Der(format!("CRL version {n} is not v2 (1)"))),
            }
        }
        let tbs_sig_alg: AlgorithmIdentifierOwned = reencode(
            it.next()
                .ok_or_else(|| CrlError::Der("no signature".into()))?,
        )?;
        let issuer: Name = reencode(it.next().ok_or_else(|| CrlError::Der("no issuer".into()))?)?;
        let this_update = time(
            it.next()
                .ok_or_else(|| CrlError::Der("no thisUpdate".into()))?,
        )?;
        let next_update = match it.next_if(|a| is_time(a)) {
            Some(t) => Some(time(t)?),
            None => None,
        };
        let revoked = it.next_if(|a| a.tag() == Tag::Sequence);
        let ext_tag = Tag::ContextSpecific {
            constructed: true,
            number: TagNumber::N0,
        };
        let exts = it.next_if(|a| a.tag() == ext_tag);
        if let Some(extra) = it.next() {
            return Err(CrlError::Der(format!(
                "unexpected {} in TBSCertList",
                extra.tag()
            )));
        }
        if version == 1 && exts.is_some() {
            return Err(CrlError::Der("extensions in a v1 CRL".into()));
        }
        let mut crl = Crl {
            der: der.to_vec(),
            tbs_der,
            sig_alg: outer.signature_algorithm,
            tbs_sig_alg,
            signature: outer.signature.raw_bytes().to_vec(),
            issuer,
            this_update,
            next_update,
            number: None,
            delta_base: None,
            idp: None,
            authority_key_id: None,
            entries: Vec::new(),
            unknown_critical: Vec::new(),
        };
        if let Some(exts) = exts {
            let list = Vec::<Extension>::from_der(exts.value()).map_err(der_err)?;
            if list.is_empty() {
                return Err(CrlError::Der("empty crlExtensions".into()));
            }
            crl_exts(&mut crl, &list)?;
        }
        let indirect = crl.idp.as_ref().is_some_and(|i| i.indirect_crl);
        if let Some(seq) = revoked {
            let entries =
                Vec::<RawEntry>::from_der(&seq.to_der().map_err(der_err)?).map_err(der_err)?;
            if entries.is_empty() {
                // RFC 5280 §5.1.2.6: absent, not empty.
                return Err(CrlError::Der("empty revokedCertificates".into()));
            }
            let mut carried: Option<GeneralNames> = None;
            for e in entries {
                let mut entry = CrlEntry {
                    serial: e.serial.as_bytes().to_vec(),
                    revoked_at: time(&e.revocation_date)?,
                    reason: None,
                    certificate_issuer: None,
                    invalidity: None,
                    unknown_critical: false,
                };
                if version == 1 && e.extensions.is_some() {
                    return Err(CrlError::Der("entry extensions in a v1 CRL".into()));
                }
                entry_exts(&mut entry, e.extensions.as_deref().unwrap_or_default())?;
                // RFC 5280 §5.3.3: certificateIssuer carries forward in an indirect CRL.
                if indirect {
                    if entry.certificate_issuer.is_some() {
                        carried = entry.certificate_issuer.clone();
                    } else {
                        entry.certificate_issuer = carried.clone();
                    }
                }
                crl.entries.push(entry);
            }
        }
        Ok(crl)
    }
}

fn check_dup(seen: &mut Vec<ObjectIdentifier>, oid: ObjectIdentifier) -> Result<(), CrlError> {
    if seen.contains(&oid) {
        return Err(CrlError::BadExtension {
            oid,
            err: "repeated".into(),
        });
    }
    seen.push(oid);
    Ok(())
}

fn crl_exts(crl: &mut Crl, exts: &[Extension]) -> Result<(), CrlError> {
    let mut seen = Vec::new();
    for e in exts {
        check_dup(&mut seen, e.extn_id)?;
        let v = e.extn_value.as_bytes();
        let bad = |err: der::Error| CrlError::BadExtension {
            oid: e.extn_id,
            err: err.to_string(),
        };
        match e.extn_id {
            oid::CRL_NUMBER => {
                crl.number = Some(Int::from_der(v).map_err(bad)?.as_bytes().to_vec())
            }
            oid::DELTA_CRL_INDICATOR => {
                crl.delta_base = Some(Int::from_der(v).map_err(bad)?.as_bytes().to_vec())
            }
            oid::ISSUING_DISTRIBUTION_POINT => {
                crl.idp = Some(IssuingDistributionPoint::from_der(v).map_err(bad)?)
            }
            oid::AUTHORITY_KEY_ID => {
                crl.authority_key_id = Some(AuthorityKeyIdentifier::from_der(v).map_err(bad)?)
            }
            oid::ISSUER_ALT_NAME | oid::FRESHEST_CRL => {}
            other => {
                if e.critical {
                    crl.unknown_critical.push(other);
                }
            }
        }
    }
    Ok(())
}

fn entry_exts(entry: &mut CrlEntry, exts: &[Extension]) -> Result<(), CrlError> {
    let mut seen = Vec::new();
    for e in exts {
        check_dup(&mut seen, e.extn_id)?;
        let v = e.extn_value.as_bytes();
        let bad = |err: der::Error| CrlError::BadExtension {
            oid: e.extn_id,
            err: err.to_string(),
        };
        match e.extn_id {
            oid::REASON_CODE => entry.reason = Some(CrlReason::from_der(v).map_err(bad)?),
            oid::CERTIFICATE_ISSUER => {
                entry.certificate_issuer = Some(GeneralNames::from_der(v).map_err(bad)?)
            }
            oid::INVALIDITY_DATE => {
                let any = der::asn1::Any::from_der(v).map_err(bad)?;
                if any.tag() != der::Tag::GeneralizedTime {
                    return Err(CrlError::BadExtension {
                        oid: e.extn_id,
                        err: "invalidityDate is not a GeneralizedTime".into(),
                    });
                }
                let t =
                    crate::pkix::cert::read_time(&any).map_err(|err| CrlError::BadExtension {
                        oid: e.extn_id,
                        err: err.to_string(),
                    })?;
                entry.invalidity = Some(t);
            }
            _ => {
                if e.critical {
                    entry.unknown_critical = true;
                }
            }
        }
    }
    Ok(())
}
