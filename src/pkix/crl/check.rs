//! RFC 5280 §6.3.3: the revocation status of one certificate from a set of CRLs.

use der::Encode;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::name::Name;

use super::{Crl, CrlSigners, RevStatus, RevocationQuery, Undetermined};
use crate::pkix::Cert;
use crate::pkix::name::names_match;
use crate::pkix::sig::SignatureVerifier;

/// keyCompromise .. aACompromise (ReasonFlags bits 1-8); bit 0 (unused) is no reason.
const ALL_REASONS: u16 = 0x01FE;

/// How useful a reason for Undetermined is: the higher wins.
fn rank(u: &Undetermined) -> u8 {
    match u {
        Undetermined::NoCrl => 0,
        Undetermined::ReasonsNotCovered => 1,
        Undetermined::Stale => 2,
        Undetermined::NoValidSigner => 3,
        Undetermined::UnknownCriticalExtension => 4,
    }
}

fn note(best: &mut Undetermined, u: Undetermined) {
    if rank(&u) > rank(best) {
        *best = u;
    }
}

/// RFC 5280 §6.3.3.
pub fn check(
    q: &RevocationQuery<'_>,
    signers: &dyn CrlSigners,
    verifier: &dyn SignatureVerifier,
) -> RevStatus {
    let cert = q.cert;
    // A certificate without cRLDistributionPoints is as one DP with no fields (§6.3.3).
    let none = [DistributionPoint {
        distribution_point: None,
        reasons: None,
        crl_issuer: None,
    }];
    let dps: &[DistributionPoint] = match &cert.ext.crl_distribution_points {
        Some(d) if !d.0.is_empty() => &d.0,
        _ => &none,
    };
    let mut reasons: u16 = 0;
    let mut best = Undetermined::NoCrl;
    let mut used = Vec::new();
    // Newest first: a later CRL of the same scope supersedes an earlier one (a released
    // certificateHold is gone from it); an earlier one then adds no reason and is skipped.
    let mut order: Vec<usize> = (0..q.crls.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(q.crls.get(i).map_or(i64::MIN, |c| c.this_update)));
    for dp in dps {
        for &i in &order {
            let Some(crl) = q.crls.get(i) else {
                continue;
            };
            if reasons == ALL_REASONS {
                break;
            }
            if crl.delta_base.is_some() || !in_scope(cert, dp, crl) {
                continue;
            }
            if !crl.unknown_critical.is_empty() || crl.entries.iter().any(|e| e.unknown_critical) {
                note(&mut best, Undetermined::UnknownCriticalExtension);
                continue;
            }
            // (a) the complete CRL must be current.
            if crl.next_update.is_some_and(|n| n < q.now) {
                note(&mut best, Undetermined::Stale);
                continue;
            }
            // (d) interim reasons mask.
            let crl_reasons = crl
                .idp
                .as_ref()
                .and_then(|i| i.only_some_reasons)
                .map_or(ALL_REASONS, |r| r.bits() & ALL_REASONS);
            let dp_reasons = dp.reasons.map_or(ALL_REASONS, |r| r.bits() & ALL_REASONS);
            let interim = crl_reasons & dp_reasons;
            // (e) a CRL that adds no reason is not needed.
            if interim & !reasons == 0 {
                continue;
            }
            // (f) signer.
            let Some(signer) = verified_signer(crl, signers, verifier) else {
                note(&mut best, Undetermined::NoValidSigner);
                continue;
            };
            // (c) the delta CRL, when asked for.
            let mut delta = None;
            if q.use_deltas {
                match find_delta(q, crl, &signer, signers, verifier) {
                    Ok(d) => delta = d,
                    Err(u) => {
                        note(&mut best, u);
                        continue;
                    }
                }
            }
            // (g)-(i): a delta's entry overrides the complete CRL's; removeFromCRL un-revokes.
            let delta_entry =
                delta.and_then(|j| Some((j, q.crls.get(j).and_then(|d| find_entry(d, cert))?)));
            let entry = match delta_entry {
                Some((j, e)) => Some((j, e)),
                None => find_entry(crl, cert).map(|e| (i, e)),
            };
            // certificateHold is a revoked status too (§6.3.3 (i)).
            if let Some((at, e)) = entry
                && e.reason != Some(CrlReason::RemoveFromCRL)
            {
                return RevStatus::Revoked {
                    crl: at,
                    revoked_at: e.revoked_at,
                    reason: e.reason,
                };
            }
            reasons |= interim;
            used.push(i);
            used.extend(delta);
        }
    }
    if reasons == ALL_REASONS {
        // A revocation other than a hold is final: a later CRL that leaves it out does not
        // undo it (RFC 5280 §5.3.1, only certificateHold may be released).
        if let Some(revoked) = final_revocation(q, dps, signers, verifier) {
            return revoked;
        }
        used.sort_unstable();
        used.dedup();
        return RevStatus::Good { crls: used };
    }
    if reasons != 0 {
        note(&mut best, Undetermined::ReasonsNotCovered);
    }
    RevStatus::Undetermined(best)
}

/// A verified, in-scope CRL (complete or delta) that lists `q.cert` with a reason other than
/// certificateHold or removeFromCRL, whatever its age or its place among the CRLs given.
fn final_revocation(
    q: &RevocationQuery<'_>,
    dps: &[DistributionPoint],
    signers: &dyn CrlSigners,
    verifier: &dyn SignatureVerifier,
) -> Option<RevStatus> {
    for (i, crl) in q.crls.iter().enumerate() {
        if (crl.delta_base.is_some() && !q.use_deltas)
            || !dps.iter().any(|dp| in_scope(q.cert, dp, crl))
        {
            continue;
        }
        let Some(e) = find_entry(crl, q.cert) else {
            continue;
        };
        if matches!(
            e.reason,
            Some(CrlReason::CertificateHold) | Some(CrlReason::RemoveFromCRL)
        ) {
            continue;
        }
        if verified_signer(crl, signers, verifier).is_some() {
            return Some(RevStatus::Revoked {
                crl: i,
                revoked_at: e.revoked_at,
                reason: e.reason,
            });
        }
    }
    None
}

/// The CRL speaks, for every reason, of `cert` (issued by the CRL's issuer): a direct CRL in
/// scope for one of the certificate's distribution points and not partitioned by reason. Used
/// by callers that judge revocation their own way (the seal checker, at a signing time).
pub fn covers_completely(cert: &Cert, crl: &Crl) -> bool {
    let none = [DistributionPoint {
        distribution_point: None,
        reasons: None,
        crl_issuer: None,
    }];
    let dps: &[DistributionPoint] = match &cert.ext.crl_distribution_points {
        Some(d) if !d.0.is_empty() => &d.0,
        _ => &none,
    };
    let idp = crl.idp.as_ref();
    crl.delta_base.is_none()
        && idp.is_none_or(|i| !i.indirect_crl && i.only_some_reasons.is_none())
        && dps
            .iter()
            .any(|dp| dp.crl_issuer.is_none() && dp.reasons.is_none() && in_scope(cert, dp, crl))
}

/// §6.3.3 (b): the CRL's issuer and issuingDistributionPoint cover this certificate through
/// this distribution point.
fn in_scope(cert: &Cert, dp: &DistributionPoint, crl: &Crl) -> bool {
    let idp = crl.idp.as_ref();
    let indirect = idp.is_some_and(|i| i.indirect_crl);
    // (b)(1) issuer.
    match &dp.crl_issuer {
        Some(names) => {
            if !indirect || !names.iter().any(|n| dn_is(n, &crl.issuer)) {
                return false;
            }
        }
        None => {
            if !names_match(&crl.issuer, &cert.issuer) {
                return false;
            }
        }
    }
    let Some(idp) = idp else {
        return true;
    };
    // (b)(2)(i) distribution point names.
    if let Some(idp_dpn) = &idp.distribution_point {
        let idp_names = dp_names(idp_dpn, &crl.issuer);
        let cert_names = match (&dp.distribution_point, &dp.crl_issuer) {
            (Some(dpn), issuers) => {
                // nameRelativeToCRLIssuer is relative to the cRLIssuer, else the cert issuer.
                let base = issuers
                    .as_ref()
                    .and_then(|n| {
                        n.iter().find_map(|g| match g {
                            GeneralName::DirectoryName(d) => Some(d.clone()),
                            _ => None,
                        })
                    })
                    .unwrap_or_else(|| cert.issuer.clone());
                dp_names(dpn, &base)
            }
            (None, Some(issuers)) => issuers.clone(),
            (None, None) => return false,
        };
        if !idp_names
            .iter()
            .any(|a| cert_names.iter().any(|b| general_names_match(a, b)))
        {
            return false;
        }
    }
    // (b)(2)(ii)-(iv).
    if idp.only_contains_user_certs && cert.is_ca() {
        return false;
    }
    if idp.only_contains_ca_certs && !cert.is_ca() {
        return false;
    }
    !idp.only_contains_attribute_certs
}

fn dp_names(dpn: &DistributionPointName, base: &Name) -> Vec<GeneralName> {
    match dpn {
        DistributionPointName::FullName(names) => names.clone(),
        DistributionPointName::NameRelativeToCRLIssuer(rdn) => {
            let mut dn = base.clone();
            dn.0.push(rdn.clone());
            vec![GeneralName::DirectoryName(dn)]
        }
    }
}

fn dn_is(g: &GeneralName, dn: &Name) -> bool {
    matches!(g, GeneralName::DirectoryName(d) if names_match(d, dn))
}

fn general_names_match(a: &GeneralName, b: &GeneralName) -> bool {
    match (a, b) {
        (GeneralName::DirectoryName(x), GeneralName::DirectoryName(y)) => names_match(x, y),
        _ => match (a.to_der(), b.to_der()) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        },
    }
}

/// §6.3.3 (f): a candidate signer with cRLSign (when keyUsage is present) whose key verifies
/// the CRL; the outer and inner signature algorithms must agree.
fn verified_signer(
    crl: &Crl,
    signers: &dyn CrlSigners,
    verifier: &dyn SignatureVerifier,
) -> Option<Cert> {
    if crl.sig_alg != crl.tbs_sig_alg {
        return None;
    }
    signers.signers(crl).into_iter().find(|s| {
        s.key_usage_allows(KeyUsages::CRLSign)
            && verifier
                .verify(&s.spki, &crl.sig_alg, &crl.tbs_der, &crl.signature)
                .is_ok()
    })
}

/// §6.3.3 (c): the current delta CRL for `complete`, if any (index into `q.crls`). A delta CRL
/// that is in scope but stale makes the complete CRL unusable (Err(Stale)).
fn find_delta(
    q: &RevocationQuery<'_>,
    complete: &Crl,
    signer: &Cert,
    signers: &dyn CrlSigners,
    verifier: &dyn SignatureVerifier,
) -> Result<Option<usize>, Undetermined> {
    let Some(number) = complete.number.as_deref() else {
        return Ok(None);
    };
    let idp_der = |c: &Crl| c.idp.as_ref().map(|i| i.to_der().ok());
    let mut stale = false;
    let mut best: Option<usize> = None;
    for (j, d) in q.crls.iter().enumerate() {
        let Some(base) = d.delta_base.as_deref() else {
            continue;
        };
        if !names_match(&d.issuer, &complete.issuer)
            || idp_der(d) != idp_der(complete)
            || !int_le(base, number)
            || !d.unknown_critical.is_empty()
            || d.entries.iter().any(|e| e.unknown_critical)
        {
            continue;
        }
        // Signed by the key that signed the complete CRL.
        let Some(ds) = verified_signer(d, signers, verifier) else {
            continue;
        };
        if ds.spki_der != signer.spki_der {
            continue;
        }
        if d.next_update.is_some_and(|n| n < q.now) {
            stale = true;
            continue;
        }
        // The newest applicable delta, whatever the order of the CRLs given (an older one
        // must not hide a revocation the newer one lists).
        if best.is_none_or(|b: usize| q.crls.get(b).is_some_and(|c| c.this_update < d.this_update))
        {
            best = Some(j);
        }
    }
    if let Some(j) = best {
        return Ok(Some(j));
    }
    if stale {
        Err(Undetermined::Stale)
    } else {
        Ok(None)
    }
}

/// a <= b for non-negative INTEGER content octets.
fn int_le(a: &[u8], b: &[u8]) -> bool {
    let strip = |x: &[u8]| -> Vec<u8> { x.iter().copied().skip_while(|&v| v == 0).collect() };
    let (a, b) = (strip(a), strip(b));
    (a.len(), a) <= (b.len(), b)
}

/// §6.3.3 (i): the entry for this certificate: same serial, and the entry's certificate
/// issuer (the CRL issuer, or for an indirect CRL the carried-forward certificateIssuer) is
/// the certificate's issuer.
fn find_entry<'c>(crl: &'c Crl, cert: &Cert) -> Option<&'c super::CrlEntry> {
    let indirect = crl.idp.as_ref().is_some_and(|i| i.indirect_crl);
    crl.entries.iter().find(|e| {
        e.serial == cert.serial
            && match (&e.certificate_issuer, indirect) {
                (Some(names), true) => names.iter().any(|n| dn_is(n, &cert.issuer)),
                _ => names_match(&crl.issuer, &cert.issuer),
            }
    })
}
