//! The RFC 5280 §6.1 loop over one candidate path.

use std::sync::Arc;

use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::pkix::KeyUsages;

use super::super::Cert;
use super::super::cert::oid;
use super::super::crl::{self, RevStatus, RevocationQuery};
use super::super::name::names_match;
use super::super::nc::NameConstraintsState;
use super::super::policy::PolicyState;
use super::super::sig::DSA_KEY;
use super::signers::{Ctx, PathSigners};
use super::{CertRevocation, Failure, OnlineAnswer, PathCert, RevokedBy, ValidPath};

/// Runs §6.1.2-§6.1.5 on `path` (target first, trust anchor last).
pub(super) fn walk(
    ctx: &Ctx<'_>,
    path: &[Arc<Cert>],
    nesting: usize,
) -> Result<ValidPath, Failure> {
    let Some((anchor, below)) = path.split_last() else {
        return Err(Failure::NoPath {
            subject: String::new(),
        });
    };
    let n = below.len();
    let opts = ctx.opts();
    // §6.1.2 (initialisation).
    let mut policy = PolicyState::new(opts.policy, n);
    let mut nc = NameConstraintsState::new();
    if let Some(c) = &anchor.ext.name_constraints {
        // RFC 5937: the trust anchor's name constraints bind its path.
        nc.apply(c);
    }
    let mut working_key: SubjectPublicKeyInfoOwned = anchor.spki.clone();
    let mut working_issuer = anchor.subject.clone();
    let mut max_path_length = n;
    let mut revocations = vec![CertRevocation::NotChecked; n];
    for i in 1..=n {
        let depth = n - i;
        let cert = &below[depth];
        let subject = || cert.subject_text();
        let last = i == n;
        // (a)(1) signature, with DSA parameters inherited from the working key.
        if cert.sig_alg != cert.tbs_sig_alg {
            return Err(Failure::AlgorithmMismatch {
                depth,
                subject: subject(),
            });
        }
        opts.verifier
            .verify(&working_key, &cert.sig_alg, &cert.tbs_der, &cert.signature)
            .map_err(|err| Failure::Signature {
                depth,
                subject: subject(),
                err,
            })?;
        // (a)(2) validity.
        if opts.at < cert.not_before {
            return Err(Failure::NotYetValid {
                depth,
                subject: subject(),
                not_before: cert.not_before,
            });
        }
        if opts.at > cert.not_after {
            return Err(Failure::Expired {
                depth,
                subject: subject(),
                not_after: cert.not_after,
            });
        }
        // (a)(4) name chaining (the builder matched names; the walk does not rely on it).
        if !names_match(&cert.issuer, &working_issuer) {
            return Err(Failure::NoPath { subject: subject() });
        }
        // (b)-(c) name constraints; self-issued CA certificates are exempt.
        if last || !cert.is_self_issued() {
            nc.check(cert)
                .map_err(|violation| Failure::NameConstraint {
                    depth,
                    subject: subject(),
                    violation,
                })?;
        }
        // (d)-(f), §6.1.4 (a)-(b), (h)-(j), §6.1.5 (a)-(b): policies.
        policy.process(cert, i).map_err(Failure::Policy)?;
        // Extended key usage, when a purpose is asked: the target must allow it, and a CA
        // certificate that restricts its EKU must include it.
        if let (Some(purpose), Some(ekus)) = (opts.required_eku, &cert.ext.ext_key_usage)
            && !ekus.contains(&purpose)
            && !ekus.contains(&oid::ANY_EXTENDED_KEY_USAGE)
        {
            return Err(Failure::Purpose {
                depth,
                subject: subject(),
            });
        }
        if !last {
            // §6.1.4 (c)-(f): the next working name and key.
            working_issuer = cert.subject.clone();
            working_key = next_key(&working_key, &cert.spki);
            // (g) name constraints.
            if let Some(c) = &cert.ext.name_constraints {
                nc.apply(c);
            }
            // (k) a CA.
            if !cert.is_ca() {
                return Err(Failure::NotCa {
                    depth,
                    subject: subject(),
                });
            }
            // (l)-(m) path length.
            if !cert.is_self_issued() {
                if max_path_length == 0 {
                    return Err(Failure::PathLength {
                        depth,
                        subject: subject(),
                    });
                }
                max_path_length -= 1;
            }
            if let Some(len) = cert
                .ext
                .basic_constraints
                .as_ref()
                .and_then(|b| b.path_len_constraint)
            {
                max_path_length = max_path_length.min(usize::from(len));
            }
            // (n) keyCertSign.
            if !cert.key_usage_allows(KeyUsages::KeyCertSign) {
                return Err(Failure::NotCertSigner {
                    depth,
                    subject: subject(),
                });
            }
        }
        // (o) / §6.1.5 (f): unknown critical extensions.
        if let Some(oid) = cert.ext.unknown_critical.first() {
            return Err(Failure::UnknownCriticalExtension {
                depth,
                subject: subject(),
                oid: *oid,
            });
        }
        // (a)(3) revocation, after the checks that need no CRL (so that a certificate that is
        // invalid for a reason of its own says so, not "undetermined").
        if !ctx.pool().crls.is_empty() || opts.online.is_some() {
            let issuer = path.get(depth + 1).unwrap_or(anchor);
            let crl_status = if ctx.pool().crls.is_empty() {
                None
            } else {
                let signers = PathSigners {
                    ctx,
                    above: &path[depth + 1..],
                    anchor,
                    nesting,
                };
                Some(crl::check(
                    &RevocationQuery {
                        cert,
                        issuer,
                        crls: &ctx.pool().crls,
                        now: opts.at,
                        use_deltas: true,
                    },
                    &signers,
                    opts.verifier,
                ))
            };
            let open = match crl_status {
                Some(RevStatus::Good { crls }) => {
                    revocations[depth] = CertRevocation::Good { crls };
                    None
                }
                Some(RevStatus::Revoked {
                    crl,
                    revoked_at,
                    reason,
                }) => {
                    return Err(Failure::Revoked {
                        depth,
                        subject: subject(),
                        by: RevokedBy::Crl(crl),
                        revoked_at,
                        reason,
                    });
                }
                Some(RevStatus::Undetermined(why)) => Some(Some(why)),
                None => Some(None),
            };
            // What the CRLs leave open, the online source (OCSP) decides, when there is one.
            if let Some(crl_why) = open {
                revocations[depth] = match (opts.online, crl_why) {
                    (None, Some(why)) => CertRevocation::Undetermined { why },
                    (None, None) => CertRevocation::NotChecked,
                    (Some(online), crl_why) => match online.status(cert, issuer) {
                        OnlineAnswer::Good { source } => CertRevocation::GoodOnline { source },
                        OnlineAnswer::Revoked {
                            source,
                            revoked_at,
                            reason,
                        } => {
                            return Err(Failure::Revoked {
                                depth,
                                subject: subject(),
                                by: RevokedBy::Online(source),
                                revoked_at,
                                reason,
                            });
                        }
                        OnlineAnswer::Undecided { source, why } => {
                            CertRevocation::UndeterminedOnline {
                                crl: crl_why,
                                source,
                                why,
                            }
                        }
                    },
                };
            }
        }
        // A negative serial is malformed (RFC 5280 §4.1.2.2); checked after revocation so
        // that a CRL listing it still says "revoked" (PKITS 4.4.15 expects that).
        if cert.serial_is_negative() {
            return Err(Failure::NegativeSerial {
                depth,
                subject: subject(),
            });
        }
    }
    // §6.1.5 (g): the policy outcome.
    let policies = policy.finish().map_err(Failure::Policy)?;
    let mut certs: Vec<PathCert> = below
        .iter()
        .zip(revocations)
        .map(|(cert, revocation)| PathCert {
            cert: cert.clone(),
            revocation,
        })
        .collect();
    certs.push(PathCert {
        cert: anchor.clone(),
        revocation: CertRevocation::NotChecked,
    });
    Ok(ValidPath { certs, policies })
}

/// §6.1.4 (d)-(f): the next working public key; a DSA key without parameters inherits the
/// working key's parameters.
fn next_key(
    working: &SubjectPublicKeyInfoOwned,
    spki: &SubjectPublicKeyInfoOwned,
) -> SubjectPublicKeyInfoOwned {
    let mut next = spki.clone();
    if next.algorithm.oid == DSA_KEY
        && next.algorithm.parameters.is_none()
        && working.algorithm.oid == DSA_KEY
    {
        next.algorithm.parameters = working.algorithm.parameters.clone();
    }
    next
}
