//! The validation context: paths tried per target, and the keys that may sign a CRL (the
//! certificates of the path above the one checked, and other certificates of the pool whose
//! own path validates to the same trust anchor, revocation included: RFC 5280 §6.3.3 (f)).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::super::Cert;
use super::super::crl::{Crl, CrlSigners};
use super::super::name::names_match;
use super::super::sig::DSA_KEY;
use super::{CertRevocation, Failure, Options, Outcome, Pool, build, walk};

/// How deep CRL-signer validation may nest (a CRL signer whose CRL signer has a CRL signer).
const MAX_NESTING: usize = 3;

/// (signer DER, anchor DER).
type SignerKey = (Vec<u8>, Vec<u8>);

pub(super) struct Ctx<'a> {
    pool: &'a Pool,
    opts: Options<'a>,
    /// (signer DER, anchor DER) -> whether the signer validates to that anchor.
    memo: RefCell<HashMap<SignerKey, bool>>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(pool: &'a Pool, opts: &Options<'a>) -> Self {
        Ctx {
            pool,
            opts: *opts,
            memo: RefCell::new(HashMap::new()),
        }
    }

    pub(super) fn pool(&self) -> &Pool {
        self.pool
    }

    pub(super) fn opts(&self) -> &Options<'a> {
        &self.opts
    }

    /// Validates `target`, to `only_anchor` when given.
    pub(super) fn validate(
        &self,
        target: &Arc<Cert>,
        only_anchor: Option<&Arc<Cert>>,
        nesting: usize,
    ) -> Outcome {
        // A trusted certificate given as the target is valid as itself, within its own
        // validity (the target is judged, even when it is also an anchor).
        if let Some(anchor) = self
            .pool
            .anchors
            .iter()
            .find(|a| a.der == target.der && only_anchor.is_none_or(|o| o.der == a.der))
        {
            if anchor.serial_is_negative() {
                return Outcome::Invalid(Failure::NegativeSerial {
                    depth: 0,
                    subject: anchor.subject_text(),
                });
            }
            if let (Some(purpose), Some(ekus)) = (self.opts.required_eku, &anchor.ext.ext_key_usage)
                && !ekus.contains(&purpose)
                && !ekus.contains(&super::super::cert::oid::ANY_EXTENDED_KEY_USAGE)
            {
                return Outcome::Invalid(Failure::Purpose {
                    depth: 0,
                    subject: anchor.subject_text(),
                });
            }
            if self.opts.at < anchor.not_before {
                return Outcome::Invalid(Failure::NotYetValid {
                    depth: 0,
                    subject: anchor.subject_text(),
                    not_before: anchor.not_before,
                });
            }
            if self.opts.at > anchor.not_after {
                return Outcome::Invalid(Failure::Expired {
                    depth: 0,
                    subject: anchor.subject_text(),
                    not_after: anchor.not_after,
                });
            }
            return Outcome::Valid(super::ValidPath {
                certs: vec![super::PathCert {
                    cert: anchor.clone(),
                    revocation: CertRevocation::NotChecked,
                }],
                policies: super::super::policy::ValidPolicies::Any,
            });
        }
        let (paths, cut) = build::paths(target, self.pool, only_anchor, self.opts.max_depth);
        let mut best: Option<Failure> = if cut {
            Some(Failure::TooLong {
                max: self.opts.max_depth,
            })
        } else {
            None
        };
        let mut open = None;
        for path in &paths {
            match walk::walk(self, path, nesting) {
                Ok(valid) => {
                    if valid.undetermined().next().is_none() {
                        return Outcome::Valid(valid);
                    }
                    open.get_or_insert(valid);
                }
                Err(f) => {
                    if best.as_ref().is_none_or(|b| f.rank() > b.rank()) {
                        best = Some(f);
                    }
                }
            }
        }
        match (open, best) {
            // The target itself on a CRL outranks a path whose CRLs are incomplete.
            (Some(_), Some(f @ Failure::Revoked { depth: 0, .. })) => Outcome::Invalid(f),
            (Some(valid), _) => Outcome::Indeterminate(valid),
            (None, Some(f)) => Outcome::Invalid(f),
            (None, None) => Outcome::Invalid(Failure::NoPath {
                subject: target.subject_text(),
            }),
        }
    }

    /// `signer` validates (revocation decided) to `anchor`.
    fn signer_validates(&self, signer: &Arc<Cert>, anchor: &Arc<Cert>, nesting: usize) -> bool {
        if nesting >= MAX_NESTING {
            return false;
        }
        let key = (signer.der.clone(), anchor.der.clone());
        if let Some(known) = self.memo.borrow().get(&key) {
            return *known;
        }
        // While it is being decided, a CRL it signed may settle its own revocation only when
        // its own certificate names itself as its cRLIssuer (an indirect CRL issuer, PKITS
        // 4.14.30, as pyhanko-certvalidator accepts); otherwise the question in progress is
        // answered no (a look-alike must not vouch for itself).
        self.memo
            .borrow_mut()
            .insert(key.clone(), names_itself_as_crl_issuer(signer));
        let ok = matches!(
            self.validate(signer, Some(anchor), nesting + 1),
            Outcome::Valid(_)
        );
        self.memo.borrow_mut().insert(key, ok);
        ok
    }
}

/// The CRL signers for one certificate of one path.
pub(super) struct PathSigners<'c, 'a> {
    pub(super) ctx: &'c Ctx<'a>,
    /// The certificates of the path above the one checked, anchor last.
    pub(super) above: &'c [Arc<Cert>],
    pub(super) anchor: &'c Arc<Cert>,
    pub(super) nesting: usize,
}

impl CrlSigners for PathSigners<'_, '_> {
    fn signers(&self, crl: &Crl) -> Vec<Cert> {
        let mut out: Vec<Cert> = Vec::new();
        for (k, c) in self.above.iter().enumerate() {
            if !names_match(&c.subject, &crl.issuer) {
                continue;
            }
            let mut signer = (**c).clone();
            // A DSA key without parameters has its issuer's (RFC 5280 §6.1.4 (d)-(f)).
            if signer.spki.algorithm.oid == DSA_KEY && signer.spki.algorithm.parameters.is_none() {
                // Only through an unbroken run of DSA keys (§6.1.4 (d)-(f)).
                signer.spki.algorithm.parameters = self.above[k + 1..]
                    .iter()
                    .take_while(|a| a.spki.algorithm.oid == DSA_KEY)
                    .find_map(|a| a.spki.algorithm.parameters.clone());
            }
            out.push(signer);
        }
        for c in &self.ctx.pool().intermediates {
            if !names_match(&c.subject, &crl.issuer) || out.iter().any(|o| o.der == c.der) {
                continue;
            }
            // A key outside the path signs CRLs only when its certificate says so: keyUsage
            // present with cRLSign (a look-alike without keyUsage does not qualify).
            if !c
                .ext
                .key_usage
                .as_ref()
                .is_some_and(|ku| ku.0.contains(x509_cert::ext::pkix::KeyUsages::CRLSign))
            {
                continue;
            }
            if self.ctx.signer_validates(c, self.anchor, self.nesting) {
                out.push((**c).clone());
            }
        }
        out
    }
}

/// `cert` has a CRL distribution point whose cRLIssuer is its own subject.
fn names_itself_as_crl_issuer(cert: &Cert) -> bool {
    cert.ext
        .crl_distribution_points
        .as_ref()
        .is_some_and(|dps| {
            dps.0.iter().any(|dp| {
                dp.crl_issuer.as_ref().is_some_and(|names| {
                    names.iter().any(|n| {
                        matches!(n, x509_cert::ext::pkix::name::GeneralName::DirectoryName(d)
                        if names_match(d, &cert.subject))
                    })
                })
            })
        })
}
