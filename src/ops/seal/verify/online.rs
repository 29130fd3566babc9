//! `seal verify --ocsp`: a chain checker over the run's that asks OCSP about every certificate
//! of the signer's and the seal maker's path (subordinate CAs included, as `cert verify --ocsp`
//! does) where the CRLs leave its revocation open. The asking is injected (`ops::ocsp::Asker`
//! over HTTP, or a fake); the answer is judged as a CRL entry is (`seal::chain`): revoked at or
//! before the signing time, or for a compromised key against a time that is only claimed, is
//! invalid; undecided is indeterminate.

use std::sync::Mutex;

use der::asn1::ObjectIdentifier;
use time::OffsetDateTime;

use crate::ca::crl::Reason;
use crate::ca::verify::{IndeterminateReason, Undecided};
use crate::pkix::Cert;
use crate::pkix::validate::{OnlineAnswer, OnlineRevocation};
use crate::seal::{
    CertId, ChainCheck, ChainChecker, ChainFailure, ChainRole, CheckId, ListedRevocation,
    RevocationUnknown, RevokedBecause, SealError, SignatureCheck, VerificationReport,
};

/// A chain checker that asks OCSP about each certificate of the signer's and the seal maker's
/// path whose revocation the CRLs leave open, and remembers which checks OCSP decided for the
/// report.
pub(super) struct OnlineChecker<'a> {
    chain: &'a dyn ChainChecker,
    online: &'a dyn OnlineRevocation,
    /// Where the issuer of a certificate asked about is looked for (besides the path's).
    ca_pool: &'a [Vec<u8>],
    /// The roles OCSP decided, and by which responder (`OCSP <url>`).
    decided: Mutex<Vec<(ChainRole, String)>>,
}

impl<'a> OnlineChecker<'a> {
    pub(super) fn new(
        chain: &'a dyn ChainChecker,
        online: &'a dyn OnlineRevocation,
        ca_pool: &'a [Vec<u8>],
    ) -> OnlineChecker<'a> {
        OnlineChecker {
            chain,
            online,
            ca_pool,
            decided: Mutex::new(Vec::new()),
        }
    }

    /// `checked` once OCSP was asked about every certificate of the path whose revocation it
    /// leaves open: the end entity and each subordinate CA (their issuer is the next certificate
    /// of the path the chain checker validated). One revoked (as a CRL entry counts) makes the
    /// check invalid; one undecided makes it indeterminate; all good settles them.
    fn settle(
        &self,
        checked: ChainCheck,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
        proven: bool,
    ) -> ChainCheck {
        if role == ChainRole::TimeStamping {
            return checked;
        }
        let ChainCheck::ValidRevocationUnknown(unknown) = checked else {
            return checked;
        };
        let path = self.chain.path(ee_der, intermediates, at, role);
        let mut rest = Vec::new();
        let mut undecided = Vec::new();
        let mut decided_by = Vec::new();
        for u in &unknown.0 {
            let asked = match self.asked_about(u.cert(), path.as_deref(), ee_der, intermediates) {
                Asked::Of(cert_der, issuers) => (cert_der, issuers),
                // Not a certificate of a path (a pinned seal authority): nothing to ask.
                Asked::Nothing => {
                    rest.push(u.clone());
                    continue;
                }
                // The entry's certificate is not on the path the checker validated: nothing
                // tells which certificate to ask about, so nothing settles it.
                Asked::NotOnPath => {
                    undecided.push(Undecided {
                        subject: u.subject().to_string(),
                        why: None,
                        online: Some("OCSP: the certificate is not on the path validated".into()),
                    });
                    continue;
                }
            };
            let (cert_der, issuers) = asked;
            let (Ok(cert), Ok(cert_x509)) = (
                Cert::from_der(&cert_der),
                crate::ca::input::parse_cert(&cert_der),
            ) else {
                rest.push(u.clone());
                continue;
            };
            let subject = crate::ca::dn::display_name(cert_x509.subject());
            let mut answer = None;
            for candidate in &issuers {
                let Ok(issuer) = Cert::from_der(candidate) else {
                    continue;
                };
                let said = self.online.status(&cert, &issuer);
                let decided = !matches!(said, OnlineAnswer::Undecided { .. });
                answer = Some(said);
                if decided {
                    break;
                }
            }
            match answer {
                Some(OnlineAnswer::Good { source }) => decided_by.push(source),
                Some(OnlineAnswer::Revoked {
                    source,
                    revoked_at,
                    reason,
                }) => {
                    let revoked_at = OffsetDateTime::from_unix_timestamp(revoked_at).unwrap_or(at);
                    let reason = Reason::from_entry(reason);
                    let compromise = matches!(
                        reason,
                        Reason::KeyCompromise | Reason::CaCompromise | Reason::AaCompromise
                    );
                    // As a CRL entry counts (`seal::chain`): at or before the signing time, or a
                    // compromised key against a time that is only claimed.
                    let counts = if revoked_at <= at {
                        Some(RevokedBecause::AtOrBefore)
                    } else if compromise && !proven {
                        Some(RevokedBecause::CompromiseBeforeUnprovenTime)
                    } else {
                        None
                    };
                    let Some(counts) = counts else {
                        decided_by.push(source);
                        continue;
                    };
                    self.note(role, source);
                    return ChainCheck::Invalid(ChainFailure::Revoked(ListedRevocation {
                        subject,
                        serial: hex::encode_upper(cert_x509.raw_serial()),
                        revoked_at,
                        reason,
                        invalidity: None,
                        at,
                        counts,
                    }));
                }
                Some(OnlineAnswer::Undecided { source, why }) => undecided.push(Undecided {
                    subject,
                    why: None,
                    online: Some(format!("{source}: {why}")),
                }),
                None => undecided.push(Undecided {
                    subject,
                    why: None,
                    online: Some("OCSP: its issuer is not among the certificates given".into()),
                }),
            }
        }
        if !undecided.is_empty() {
            return ChainCheck::Indeterminate(IndeterminateReason::RevocationUndecided(undecided));
        }
        for source in decided_by {
            self.note(role, source);
        }
        if rest.is_empty() {
            ChainCheck::Valid
        } else {
            ChainCheck::ValidRevocationUnknown(RevocationUnknown(rest))
        }
    }

    /// The certificate `wanted` whose revocation is open, and the candidates for its issuer:
    /// from the validated path where the checker gives it (the next certificate), else, for the
    /// end entity, every certificate given whose key signed it under its issuer name. Found by identity
    /// (its DER), never by its subject's words: two certificates of a path may be named alike.
    fn asked_about(
        &self,
        wanted: CertId,
        path: Option<&[Vec<u8>]>,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
    ) -> Asked {
        if let Some(path) = path {
            return path
                .windows(2)
                .find(|w| CertId::of(&w[0]) == wanted)
                .map_or(Asked::NotOnPath, |w| {
                    Asked::Of(w[0].clone(), vec![w[1].clone()])
                });
        }
        if CertId::of(ee_der) != wanted {
            return Asked::Nothing;
        }
        // An issuer by its key, not by its name alone: a document may carry a certificate
        // named like the issuer with another key (and a responder that answers for that key).
        let issuers = intermediates
            .iter()
            .chain(self.ca_pool)
            .filter(|c| crate::seal::chain::certificate_issued_by(ee_der, c))
            .cloned()
            .collect();
        Asked::Of(ee_der.to_vec(), issuers)
    }

    fn note(&self, role: ChainRole, source: String) {
        if let Ok(mut d) = self.decided.lock()
            && !d.iter().any(|(r, s)| *r == role && *s == source)
        {
            d.push((role, source));
        }
    }

    /// Appends `(decided by OCSP <url>)` to the chain checks OCSP decided.
    pub(super) fn annotate(&self, report: &mut VerificationReport) {
        let Ok(decided) = self.decided.lock() else {
            return;
        };
        for (role, source) in decided.iter() {
            let id = match role {
                ChainRole::Holder | ChainRole::SesHolder => CheckId::SignerChain,
                ChainRole::Authority => CheckId::SealAuthorityChain,
                ChainRole::TimeStamping => continue,
            };
            for check in report.checks.iter_mut().filter(|c| c.check == id) {
                check.detail.push_str(&format!(" (decided by {source})"));
            }
        }
    }
}

/// Whom OCSP is asked about for one open entry.
enum Asked {
    /// This certificate, of one of these issuers.
    Of(Vec<u8>, Vec<Vec<u8>>),
    /// No one: the checker gives no path and the entry is not about the end entity.
    Nothing,
    /// No one: the checker gives a path, and the entry's certificate is not on it.
    NotOnPath,
}

impl ChainChecker for OnlineChecker<'_> {
    fn check(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> ChainCheck {
        let checked = self.chain.check(ee_der, intermediates, at, role);
        self.settle(checked, ee_der, intermediates, at, role, false)
    }

    fn check_proven(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> ChainCheck {
        let checked = self.chain.check_proven(ee_der, intermediates, at, role);
        self.settle(checked, ee_der, intermediates, at, role, true)
    }

    fn seal_signature(
        &self,
        cert_der: &[u8],
        alg: &ObjectIdentifier,
        message: &[u8],
        signature: &[u8],
    ) -> Result<SignatureCheck, SealError> {
        self.chain.seal_signature(cert_der, alg, message, signature)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::ca::dn::Dn;
    use crate::ca::issue::{CaUrls, IssueRequest, Issuer, SubCaOptions};
    use crate::ca::keys::{Algorithm, PrivateKey};
    use crate::ca::profile::Profile;
    use crate::ca::serial::Serial;
    use crate::seal::Unsettled;

    const AT: OffsetDateTime = datetime!(2027-01-04 02:00 UTC);
    const HOLDER: &str = "CN=持有人,O=连云港市人民政府,C=CN";

    /// A root and a seal holder certificate it issued.
    fn certs() -> (Vec<u8>, Vec<u8>) {
        let root_key = PrivateKey::generate(Algorithm::P256).unwrap();
        let root = crate::ca::issue::self_signed_root(
            &root_key,
            &Dn::parse("CN=根CA,O=连云港市人民政府,C=CN").unwrap(),
            &Serial::from_random([7; 16]),
            AT - time::Duration::days(10),
            AT + time::Duration::days(3650),
        )
        .unwrap();
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let ee = Issuer::new(&root, &root_key, CaUrls::default())
            .unwrap()
            .issue(&IssueRequest {
                profile: Profile::Seal,
                subject: Dn::parse(HOLDER).unwrap(),
                sans: vec![],
                spki_der: key.spki_der(),
                serial: Serial::from_random([9; 16]),
                not_before: AT - time::Duration::days(1),
                not_after: AT + time::Duration::days(365),
                sub_ca: SubCaOptions::default(),
            })
            .unwrap()
            .der;
        (root, ee)
    }

    /// A chain checker that finds the path valid and these certificates' revocation open.
    struct Open(Vec<Unsettled>);

    impl ChainChecker for Open {
        fn check(&self, _: &[u8], _: &[Vec<u8>], _: OffsetDateTime, _: ChainRole) -> ChainCheck {
            ChainCheck::ValidRevocationUnknown(RevocationUnknown(self.0.clone()))
        }

        fn check_proven(
            &self,
            ee: &[u8],
            more: &[Vec<u8>],
            at: OffsetDateTime,
            role: ChainRole,
        ) -> ChainCheck {
            self.check(ee, more, at, role)
        }

        fn seal_signature(
            &self,
            _: &[u8],
            _: &ObjectIdentifier,
            _: &[u8],
            _: &[u8],
        ) -> Result<SignatureCheck, SealError> {
            Ok(SignatureCheck::Valid)
        }
    }

    struct Says(OnlineAnswer);

    impl OnlineRevocation for Says {
        fn status(&self, _: &Cert, _: &Cert) -> OnlineAnswer {
            self.0.clone()
        }
    }

    /// The CRLs' entry for the certificate `der` named `subject`: no CRL of its issuer.
    fn no_crl(subject: &str, der: &[u8]) -> Unsettled {
        Unsettled::NoCrl {
            cert: CertId::of(der),
            subject: subject.into(),
            issuer: "CN=根CA,O=连云港市人民政府,C=CN".into(),
        }
    }

    const SOURCE: &str = "OCSP http://127.0.0.1/ocsp";

    fn revoked(at: OffsetDateTime, reason: x509_cert::ext::pkix::CrlReason) -> OnlineAnswer {
        OnlineAnswer::Revoked {
            source: SOURCE.into(),
            revoked_at: at.unix_timestamp(),
            reason: Some(reason),
        }
    }

    /// What the checker concludes for the holder with `said`, the signing time proven or not,
    /// the CRLs leaving open what `open` says of the holder's certificate.
    fn judged(
        said: OnlineAnswer,
        open: fn(&[u8]) -> Vec<Unsettled>,
        proven: bool,
    ) -> (ChainCheck, bool) {
        let (root, ee) = certs();
        let inner = Open(open(&ee));
        let says = Says(said);
        let pool = [root];
        let checker = OnlineChecker::new(&inner, &says, &pool);
        let check = if proven {
            checker.check_proven(&ee, &[], AT, ChainRole::Holder)
        } else {
            checker.check(&ee, &[], AT, ChainRole::Holder)
        };
        let noted = !checker.decided.lock().unwrap().is_empty();
        (check, noted)
    }

    #[test]
    fn an_ocsp_answer_settles_what_the_crls_leave_open_as_a_crl_entry_would() {
        use x509_cert::ext::pkix::CrlReason as R;
        let holder = |ee: &[u8]| vec![no_crl(HOLDER, ee)];
        let good = OnlineAnswer::Good {
            source: SOURCE.into(),
        };
        assert_eq!(
            judged(good.clone(), holder, false),
            (ChainCheck::Valid, true)
        );
        // Another certificate of the path stays open: only the holder was asked about.
        let (check, _) = judged(
            good,
            |ee| vec![no_crl(HOLDER, ee), no_crl("CN=业务CA", b"sub-CA")],
            false,
        );
        assert_eq!(
            check,
            ChainCheck::ValidRevocationUnknown(RevocationUnknown(vec![no_crl(
                "CN=业务CA",
                b"sub-CA"
            )]))
        );

        // Revoked before the signing time: invalid, whatever the reason.
        let before = revoked(AT - time::Duration::hours(1), R::Superseded);
        let (check, noted) = judged(before, holder, true);
        assert!(
            matches!(&check, ChainCheck::Invalid(ChainFailure::Revoked(l))
                if l.counts == RevokedBecause::AtOrBefore && l.subject == HOLDER),
            "{check:?}"
        );
        assert!(noted);
        // Revoked after it for a compromised key: invalid against a claimed time only.
        let after = || revoked(AT + time::Duration::hours(1), R::KeyCompromise);
        let (check, _) = judged(after(), holder, false);
        assert!(
            matches!(&check, ChainCheck::Invalid(ChainFailure::Revoked(l))
                if l.counts == RevokedBecause::CompromiseBeforeUnprovenTime),
            "{check:?}"
        );
        assert_eq!(judged(after(), holder, true).0, ChainCheck::Valid);
        let superseded = revoked(AT + time::Duration::hours(1), R::Superseded);
        assert_eq!(judged(superseded, holder, false).0, ChainCheck::Valid);

        // Undecided (unknown, unreachable): indeterminate, saying what the responder said.
        let undecided = OnlineAnswer::Undecided {
            source: SOURCE.into(),
            why: "the responder does not know the certificate".into(),
        };
        let (check, noted) = judged(undecided, holder, false);
        assert!(!noted);
        let ChainCheck::Indeterminate(why) = check else {
            panic!("{check:?}");
        };
        assert!(why.to_string().contains("does not know"), "{why}");
    }

    /// A root, a sub-CA it issued, and a seal holder the sub-CA issued under the sub-CA's own
    /// name (as one who stole the sub-CA's key can): root, sub-CA, holder (DER).
    fn same_named_path() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        const SUB: &str = "CN=业务CA,O=连云港市人民政府,C=CN";
        let issue = |issuer: &Issuer, profile, subject: &str, key: &PrivateKey, serial: u8| {
            issuer
                .issue(&IssueRequest {
                    profile,
                    subject: Dn::parse(subject).unwrap(),
                    sans: vec![],
                    spki_der: key.spki_der(),
                    serial: Serial::from_random([serial; 16]),
                    not_before: AT - time::Duration::days(2),
                    not_after: AT + time::Duration::days(365),
                    sub_ca: SubCaOptions::default(),
                })
                .unwrap()
                .der
        };
        let root_key = PrivateKey::generate(Algorithm::P256).unwrap();
        let root = crate::ca::issue::self_signed_root(
            &root_key,
            &Dn::parse("CN=根CA,O=连云港市人民政府,C=CN").unwrap(),
            &Serial::from_random([7; 16]),
            AT - time::Duration::days(10),
            AT + time::Duration::days(3650),
        )
        .unwrap();
        let sub_key = PrivateKey::generate(Algorithm::P256).unwrap();
        let by_root = Issuer::new(&root, &root_key, CaUrls::default()).unwrap();
        let sub = issue(&by_root, Profile::SubCa, SUB, &sub_key, 8);
        let by_sub = Issuer::new(&sub, &sub_key, CaUrls::default()).unwrap();
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let holder = issue(&by_sub, Profile::Seal, SUB, &key, 9);
        (root, sub, holder)
    }

    /// A responder that says `revoked` (keyCompromise, before the signing time) for one
    /// certificate and `good` for every other, and remembers whom it was asked about.
    struct RevokedOnly {
        revoked: Vec<u8>,
        asked: Mutex<Vec<(Vec<u8>, Vec<u8>)>>,
    }

    impl OnlineRevocation for RevokedOnly {
        fn status(&self, cert: &Cert, issuer: &Cert) -> OnlineAnswer {
            self.asked
                .lock()
                .unwrap()
                .push((cert.der.clone(), issuer.der.clone()));
            if cert.der == self.revoked {
                revoked(
                    AT - time::Duration::hours(1),
                    x509_cert::ext::pkix::CrlReason::KeyCompromise,
                )
            } else {
                OnlineAnswer::Good {
                    source: SOURCE.into(),
                }
            }
        }
    }

    #[test]
    fn each_open_entry_is_asked_about_its_own_certificate_not_one_named_alike() {
        let (root, sub, holder) = same_named_path();
        // No CRLs: the real chain checker leaves the holder's and the sub-CA's revocation open,
        // two entries whose subjects read the same.
        let chain = crate::seal::chain::AtTimeChecker::new(
            std::slice::from_ref(&root),
            std::slice::from_ref(&sub),
            &[],
        )
        .unwrap();
        let open = chain.check(&holder, &[], AT, ChainRole::Holder);
        let ChainCheck::ValidRevocationUnknown(RevocationUnknown(entries)) = &open else {
            panic!("{open:?}");
        };
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[0].subject(), entries[1].subject());

        let responder = RevokedOnly {
            revoked: sub.clone(),
            asked: Mutex::new(Vec::new()),
        };
        let pool = [root.clone()];
        let checker = OnlineChecker::new(&chain, &responder, &pool);
        let check = checker.check(&holder, &[], AT, ChainRole::Holder);
        let sub_serial =
            hex::encode_upper(crate::ca::input::parse_cert(&sub).unwrap().raw_serial());
        assert!(
            matches!(&check, ChainCheck::Invalid(ChainFailure::Revoked(l))
                if l.reason == Reason::KeyCompromise && l.serial == sub_serial),
            "{check:?}"
        );
        // The sub-CA was asked about, of its own issuer, the root.
        let asked = responder.asked.lock().unwrap();
        assert!(asked.contains(&(sub.clone(), root.clone())), "{asked:?}");
    }

    /// A chain checker that validates the path `1` and leaves open what `0` says.
    struct OpenOnPath(Vec<Unsettled>, Vec<Vec<u8>>);

    impl ChainChecker for OpenOnPath {
        fn check(
            &self,
            ee: &[u8],
            more: &[Vec<u8>],
            at: OffsetDateTime,
            r: ChainRole,
        ) -> ChainCheck {
            Open(self.0.clone()).check(ee, more, at, r)
        }

        fn check_proven(
            &self,
            ee: &[u8],
            more: &[Vec<u8>],
            at: OffsetDateTime,
            role: ChainRole,
        ) -> ChainCheck {
            self.check(ee, more, at, role)
        }

        fn path(
            &self,
            _: &[u8],
            _: &[Vec<u8>],
            _: OffsetDateTime,
            _: ChainRole,
        ) -> Option<Vec<Vec<u8>>> {
            Some(self.1.clone())
        }

        fn seal_signature(
            &self,
            _: &[u8],
            _: &ObjectIdentifier,
            _: &[u8],
            _: &[u8],
        ) -> Result<SignatureCheck, SealError> {
            Ok(SignatureCheck::Valid)
        }
    }

    #[test]
    fn an_open_entry_about_no_certificate_of_the_path_is_indeterminate_not_settled() {
        let (root, ee) = certs();
        let good = Says(OnlineAnswer::Good {
            source: SOURCE.into(),
        });
        let pool = [root.clone()];
        // The holder's entry is settled by `good`; the other, named like the holder, is about
        // a certificate that is not on the path: nothing can be asked about it.
        let chain = OpenOnPath(
            vec![no_crl(HOLDER, &ee), no_crl(HOLDER, b"not on the path")],
            vec![ee.clone(), root],
        );
        let checker = OnlineChecker::new(&chain, &good, &pool);
        let check = checker.check(&ee, &[], AT, ChainRole::Holder);
        let ChainCheck::Indeterminate(why) = &check else {
            panic!("{check:?}");
        };
        assert!(why.to_string().contains("not on the path"), "{why}");
    }

    /// A responder that says `good` when asked with the issuer `1` (its key signs for it), and
    /// does not know the certificate otherwise.
    struct GoodFor(Vec<u8>);

    impl OnlineRevocation for GoodFor {
        fn status(&self, _: &Cert, issuer: &Cert) -> OnlineAnswer {
            if issuer.der == self.0 {
                OnlineAnswer::Good {
                    source: SOURCE.into(),
                }
            } else {
                OnlineAnswer::Undecided {
                    source: SOURCE.into(),
                    why: "the responder does not know the certificate".into(),
                }
            }
        }
    }

    #[test]
    fn without_a_path_the_issuer_asked_with_is_the_one_whose_key_signed_not_one_named_alike() {
        let (root, ee) = certs();
        // Named like the root, another key: the holder's issuer by name only.
        let (impostor, _) = certs();
        let open = Open(vec![no_crl(HOLDER, &ee)]);
        let says = GoodFor(impostor.clone());
        let pool = [root];
        let checker = OnlineChecker::new(&open, &says, &pool);
        let check = checker.check(&ee, &[impostor], AT, ChainRole::Holder);
        assert!(matches!(check, ChainCheck::Indeterminate(_)), "{check:?}");
    }

    #[test]
    fn settled_checks_and_time_stamp_authorities_are_not_asked() {
        let (root, ee) = certs();
        let pool = [root];
        let says = Says(OnlineAnswer::Undecided {
            source: SOURCE.into(),
            why: "asked".into(),
        });
        let open = Open(vec![no_crl(HOLDER, &ee)]);
        let checker = OnlineChecker::new(&open, &says, &pool);
        let check = checker.check(&ee, &[], AT, ChainRole::TimeStamping);
        assert!(matches!(check, ChainCheck::ValidRevocationUnknown(_)));
        // The CRLs left nothing open about this certificate: OCSP is not asked.
        let other = Open(vec![no_crl("CN=别人", b"other")]);
        let checker = OnlineChecker::new(&other, &says, &pool);
        let check = checker.check(&ee, &[], AT, ChainRole::Holder);
        assert!(matches!(check, ChainCheck::ValidRevocationUnknown(_)));
        // Nor about another certificate named like it: the entry is not the holder's.
        let alike = Open(vec![no_crl(HOLDER, b"another certificate")]);
        let checker = OnlineChecker::new(&alike, &says, &pool);
        let check = checker.check(&ee, &[], AT, ChainRole::Holder);
        assert!(
            matches!(check, ChainCheck::ValidRevocationUnknown(_)),
            "{check:?}"
        );
    }
}
