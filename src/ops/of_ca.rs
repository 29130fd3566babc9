//! Whether a certificate or a seal file was made by a CA the caller holds only the certificate
//! of: the client of `--ca` (docs/api.md), which revokes or renews by file through the service
//! and has no store to compare the file with. A certificate must name the CA as its issuer AND
//! carry a signature that verifies with the CA certificate's key; a seal must be signed by its
//! authority certificate, and that certificate be the CA's own or one the CA issued (same two
//! checks). Whether the CA still holds that very certificate or seal is the server's question:
//! it refuses a serial or esID it never issued.
//!
//! The certificate the service answers `cert issue --ca` and `cert renew --ca` with is checked
//! here too before anything is written ([`answered_certificate`]): issued by the CA (the same
//! two checks), for the key the client sent, with the subject, SANs and CA-ness it asked.
//!
//! Pure: the CA certificate (as fetched over the authenticated connection) and the file's bytes
//! in, the serial or esID or a one-line error naming the file out. Reads no file and no clock.

use std::path::Path;

use super::{Result, hinted};
use crate::ca::dn::{Dn, display_name};
use crate::ca::input;
use crate::ca::profile::San;
use crate::ca::serial::Serial;
use crate::pkix::cert::Cert;
use crate::pkix::sig::{DefaultVerifier, SignatureVerifier};
use crate::seal::{Seal, SignatureCheck};

/// The serial of the certificate file `path` (PEM or DER, its bytes `bytes`), which must have
/// been issued by the CA whose certificate is `ca_der`.
pub fn certificate_serial(ca_der: &[u8], path: &Path, bytes: &[u8]) -> Result<Serial> {
    let shown = path.display();
    let read = |e: &dyn std::fmt::Display| anyhow::anyhow!("reading certificate `{shown}`: {e}");
    let der = input::decode_one(bytes, input::CERT_LABELS).map_err(|e| read(&e))?;
    issued_by(ca_der, &der, &format!("certificate `{shown}`"))?;
    let cert = input::parse_cert(&der).map_err(|e| read(&e))?;
    Ok(Serial::from_be_bytes(cert.raw_serial()).map_err(|e| read(&e))?)
}

/// The esID of the seal file `path` (`.esl`, DER), which must have been made by the CA whose
/// certificate is `ca_der`: signed by its authority certificate, which is the CA's or issued by
/// it.
pub fn seal_es_id(ca_der: &[u8], path: &Path, bytes: &[u8]) -> Result<String> {
    let shown = path.display();
    let seal = Seal::from_der(bytes).map_err(|e| anyhow::anyhow!("reading seal `{shown}`: {e}"))?;
    let authority = &seal.info().authority_cert;
    if authority.as_slice() != ca_der {
        issued_by(
            ca_der,
            authority,
            &format!("seal `{shown}`: its authority certificate"),
        )
        .map_err(|e| {
            hinted(
                format!(
                    "seal `{shown}` was not made by the service's CA (its authority is `{}`): {}",
                    seal.authority_subject(),
                    e.message()
                ),
                "revoke it where it was made",
            )
        })?;
    }
    match seal.verify_authority_signature() {
        SignatureCheck::Valid => Ok(seal.info().es_id.clone()),
        SignatureCheck::Invalid(why) | SignatureCheck::Unsupported(why) => Err(anyhow::anyhow!(
            "seal `{shown}`: its authority's signature does not verify ({why}), a forged or altered seal"
        )
        .into()),
    }
}

/// What the client knows of the certificate it asked the service for, before the answer.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// The SubjectPublicKeyInfo (DER) to be certified: the sent CSR's, or for a renewal
    /// without a new key the old certificate's; `None` when the client does not know it (a
    /// renewal by serial).
    pub spki_der: Option<&'a [u8]>,
    /// The subject asked (`--subject`, the CSR's) or the old certificate's.
    pub subject: Option<&'a Dn>,
    /// The SANs asked or the old certificate's, in any order.
    pub sans: Option<&'a [San]>,
    /// Whether a CA certificate was asked (`sub-ca`); a renewal is never of a CA.
    pub ca: bool,
}

/// The certificate `pem` the service answered (named `what` in errors), checked before it is
/// written: issued by the CA `ca_der` (issuer name and signature), certifying the key asked,
/// with the subject, SANs and CA-ness asked. Its DER, or a one-line error naming what differs.
pub fn answered_certificate(ca_der: &[u8], pem: &str, asked: &Asked<'_>) -> Result<Vec<u8>> {
    let what = "the certificate the CA service answered";
    let refused = |m: String| -> super::Error {
        hinted(
            format!("{what} {m}: refused, nothing written"),
            "the service is faulty or not the CA it claims; report it to the CA's operators",
        )
        .into()
    };
    let der = input::decode_one(pem.as_bytes(), input::CERT_LABELS)
        .map_err(|e| refused(format!("is not a certificate ({e})")))?;
    issued_by_ca(
        ca_der,
        &der,
        what,
        "the service's CA",
        "the service is faulty or not the CA it claims; report it to the CA's operators",
    )?;
    let cert = input::parse_cert(&der).map_err(|e| anyhow::anyhow!("reading {what}: {e}"))?;
    if let Some(spki) = asked.spki_der
        && cert.public_key().raw != spki
    {
        return Err(refused(
            "certifies another public key than the one sent".to_string(),
        ));
    }
    if let Some(subject) = asked.subject {
        let got = Dn::from_x509(cert.subject())
            .map_err(|e| refused(format!("has a subject govpki cannot read ({e})")))?;
        if &got != subject {
            return Err(refused(format!(
                "names the subject `{got}`, not the one asked `{subject}`"
            )));
        }
    }
    if let Some(sans) = asked.sans {
        let serial = Serial::from_be_bytes(cert.raw_serial())
            .map_err(|e| refused(format!("has an unusable serial ({e})")))?;
        let got = super::renew::sans_of(&cert, &serial).map_err(|e| refused(format!("{e:#}")))?;
        if got.len() != sans.len() || !got.iter().all(|s| sans.contains(s)) {
            let list = |l: &[San]| {
                l.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(refused(format!(
                "carries the SANs [{}], not the ones asked [{}]",
                list(&got),
                list(sans)
            )));
        }
    }
    let is_ca = cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|b| b.value.ca);
    if is_ca != asked.ca {
        return Err(refused(if is_ca {
            "is a CA certificate, which was not asked".to_string()
        } else {
            "is not the CA certificate asked".to_string()
        }));
    }
    Ok(der)
}

/// `der` (a certificate, named `what` in errors) names the CA `ca_der` as issuer and its
/// signature verifies with the CA's key (RFC 5280 §6.1.3 (a)(1), (a)(4)).
fn issued_by(ca_der: &[u8], der: &[u8], what: &str) -> Result<()> {
    issued_by_ca(
        ca_der,
        der,
        what,
        "the service's CA",
        "pass --ca for the CA that issued it",
    )
}

/// [`issued_by`] with the CA named `ca_what` in errors (`this home's CA` for `cert export`)
/// and `hint` given when the issuer's name differs.
pub fn issued_by_ca(
    ca_der: &[u8],
    der: &[u8],
    what: &str,
    ca_what: &str,
    hint: &str,
) -> Result<()> {
    let cert = input::parse_cert(der).map_err(|e| anyhow::anyhow!("reading {what}: {e}"))?;
    let ca = input::parse_cert(ca_der)
        .map_err(|e| anyhow::anyhow!("reading the certificate of {ca_what}: {e}"))?;
    if cert.issuer().as_raw() != ca.subject().as_raw() {
        return Err(hinted(
            format!(
                "{what} was not issued by {ca_what} (its issuer is `{}`, {ca_what} is `{}`)",
                display_name(cert.issuer()),
                display_name(ca.subject()),
            ),
            hint,
        )
        .into());
    }
    let parsed = Cert::from_der(der).map_err(|e| anyhow::anyhow!("reading {what}: {e}"))?;
    let issuer = Cert::from_der(ca_der)
        .map_err(|e| anyhow::anyhow!("reading the certificate of {ca_what}: {e}"))?;
    DefaultVerifier::default()
        .verify(
            &issuer.spki,
            &parsed.sig_alg,
            &parsed.tbs_der,
            &parsed.signature,
        )
        .map_err(|e| {
            anyhow::anyhow!(
                "{what} names {ca_what} as issuer, but its signature does not verify with the CA's key ({e}): a forged or altered certificate"
            )
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::issue::tests::root_home;

    fn ca_of(home: &Path) -> Vec<u8> {
        crate::ops::common::OpenCa::open(home)
            .unwrap()
            .meta
            .cert_der
            .clone()
    }

    /// A `person` certificate for `spki_der` issued by the CA of `home`, as PEM.
    fn issued(home: &Path, spki_der: &[u8]) -> String {
        use crate::ops::issue::{self, Acting, Delivery, KeySource, Request};
        let prepared = issue::prepare(Request {
            profile: crate::ca::profile::Profile::Person,
            subject: Some(Dn::parse("CN=张三,OU=信息中心,O=Test,C=CN").unwrap()),
            sans: vec![San::parse("email:zhang@test.cn").unwrap()],
            validity: time::Duration::days(30),
            sub_ca: Default::default(),
            key: KeySource::Existing {
                spki_der: spki_der.to_vec(),
            },
        })
        .unwrap();
        let rng = crate::ops::issue::tests::Counter(std::sync::atomic::AtomicU8::new(0));
        let pass = crate::ops::secrets::Passphrase::Ask {
            flag: "--passphrase-file",
        };
        let mut open = crate::ops::common::OpenCa::open(home).unwrap();
        let done = issue::issue(
            &mut open,
            prepared,
            &Delivery::default(),
            &Acting {
                actor: "local:test",
                now: time::macros::datetime!(2026-05-04 10:00:00 UTC),
                ca_passphrase: &pass,
                prompt: &crate::ops::NoPrompt,
                rng: &rng,
            },
        )
        .unwrap();
        crate::ops::common::cert_pem(&done.der)
    }

    #[test]
    fn an_answered_certificate_must_be_the_cas_for_the_key_and_subject_asked() {
        use crate::ca::keys::{Algorithm, PrivateKey};
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        root_home(&a);
        root_home(&b);
        let ca_a = ca_of(&a);
        let key = PrivateKey::generate(Algorithm::P256).unwrap().spki_der();
        let other = PrivateKey::generate(Algorithm::P256).unwrap().spki_der();
        let subject = Dn::parse("CN=张三,OU=信息中心,O=Test,C=CN").unwrap();
        let sans = [San::parse("email:zhang@test.cn").unwrap()];
        let asked = Asked {
            spki_der: Some(&key),
            subject: Some(&subject),
            sans: Some(&sans),
            ca: false,
        };
        let right = issued(&a, &key);
        let der = answered_certificate(&ca_a, &right, &asked).unwrap();
        assert_eq!(
            der,
            input::decode_one(right.as_bytes(), input::CERT_LABELS).unwrap()
        );
        let refused = |pem: &str, asked: &Asked<'_>| {
            let e = answered_certificate(&ca_a, pem, asked).err().unwrap();
            assert!(e.message().contains("the CA service answered"), "{e}");
            e.message().to_string()
        };
        // Another key than the one sent.
        let m = refused(&issued(&a, &other), &asked);
        assert!(m.contains("another public key"), "{m}");
        // The CA's name, another CA's signature (root_home names both CAs alike).
        let m = refused(&issued(&b, &key), &asked);
        assert!(m.contains("does not verify"), "{m}");
        // Another subject than the one asked.
        let wanted = Dn::parse("CN=李四,OU=信息中心,O=Test,C=CN").unwrap();
        let m = refused(
            &right,
            &Asked {
                subject: Some(&wanted),
                ..asked
            },
        );
        assert!(m.contains("CN=张三") && m.contains("CN=李四"), "{m}");
        // Other SANs, and a CA-ness not asked.
        let m = refused(
            &right,
            &Asked {
                sans: Some(&[]),
                ..asked
            },
        );
        assert!(m.contains("SANs"), "{m}");
        let m = refused(&right, &Asked { ca: true, ..asked });
        assert!(m.contains("CA certificate"), "{m}");
        // Not a certificate at all.
        let m = refused("junk", &asked);
        assert!(m.contains("is not a certificate"), "{m}");
    }

    #[test]
    fn a_certificate_of_the_ca_gives_its_serial_and_others_are_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        root_home(&a);
        root_home(&b);
        let (ca_a, ca_b) = (ca_of(&a), ca_of(&b));
        // A CA certificate is issued by itself: its own serial comes back.
        let own = certificate_serial(&ca_a, Path::new("a.pem"), &ca_a).unwrap();
        let parsed = input::parse_cert(&ca_a).unwrap();
        assert_eq!(own, Serial::from_be_bytes(parsed.raw_serial()).unwrap());
        // Same subject name (root_home makes both with one), another key: a forgery.
        let err = certificate_serial(&ca_a, Path::new("b.pem"), &ca_b)
            .err()
            .unwrap();
        assert!(err.message().contains("`b.pem`"), "{err}");
        assert!(err.message().contains("does not verify"), "{err}");
        // Not a certificate at all.
        let err = certificate_serial(&ca_a, Path::new("x.pem"), b"junk")
            .err()
            .unwrap();
        assert!(err.message().contains("`x.pem`"), "{err}");
    }
}
