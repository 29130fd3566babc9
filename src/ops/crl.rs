//! Publishing this home's CRL: the next number, every revocation streamed from the store into
//! the signed CRL, the record (with the audit log's signed head), the home's copy and an
//! optional output file. Prints nothing: what deserves a warning comes back in the result.

use std::path::PathBuf;

use anyhow::Context as _;
use time::{Duration, OffsetDateTime};

use super::Result;
use super::common::OpenCa;
use super::secrets::{Passphrase, Prompt};
use crate::audit::Event;
use crate::ca::crl::{self, CrlHeader, SignedCrl};
use crate::ca::input;
use crate::ca::keys::PrivateKey;
use crate::ca::when::rfc3339;
use crate::store::{self, files};

/// The previous CRL, when it has expired or expires within a day at `now`:
/// `(number, next_update, expired)`.
pub fn previous_lapsing(
    open: &OpenCa,
    now: OffsetDateTime,
) -> Result<Option<(u64, OffsetDateTime, bool)>> {
    let last = open.store.last_crl().map_err(anyhow::Error::from)?;
    Ok(last.and_then(|(number, _, next)| {
        if next < now {
            Some((number, next, true))
        } else if next - now < Duration::days(1) {
            Some((number, next, false))
        } else {
            None
        }
    }))
}

/// Where else the CRL goes.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    /// Also write it here (replaced atomically).
    pub out: Option<PathBuf>,
    /// DER instead of PEM.
    pub der: bool,
}

/// A published CRL.
pub struct Published {
    pub number: u64,
    pub this_update: OffsetDateTime,
    pub next_update: OffsetDateTime,
    pub sha256: String,
    pub crl: SignedCrl,
    /// nextUpdate falls after the CA certificate's notAfter.
    pub next_after_ca: bool,
}

/// Signs and publishes the next CRL, valid for `period` from `now`.
#[allow(clippy::too_many_arguments)]
pub fn publish(
    open: &mut OpenCa,
    actor: String,
    passphrase: &Passphrase,
    prompt: &dyn Prompt,
    now: OffsetDateTime,
    period: Duration,
    delivery: &Delivery,
) -> Result<Published> {
    let key = open.unlock(passphrase, prompt)?;
    Ok(publish_crl(open, actor, &key, now, period, delivery)?)
}

/// As [`publish`], with the CA key already unlocked (the service). The key must be this CA's.
pub fn publish_with_key(
    open: &mut OpenCa,
    actor: String,
    key: &PrivateKey,
    now: OffsetDateTime,
    period: Duration,
    delivery: &Delivery,
) -> Result<Published> {
    if key.spki_der() != super::common::spki_of(&open.meta.cert_der)? {
        return Err(anyhow::anyhow!("the CA key given does not match the CA certificate").into());
    }
    Ok(publish_crl(open, actor, key, now, period, delivery)?)
}

fn publish_crl(
    open: &mut OpenCa,
    actor: String,
    key: &PrivateKey,
    now: OffsetDateTime,
    period: Duration,
    delivery: &Delivery,
) -> anyhow::Result<Published> {
    // The CRL's audit record carries the log's head before it, signed with the CA key.
    let head_key = key
        .try_clone()
        .map_err(|e| anyhow::anyhow!("holding the CA key: {e}"))?;
    let ca_fp = crate::audit::binding::sha256_hex(&open.meta.cert_der);
    open.store
        .set_head_signer(Box::new(move |records, hash, time| {
            let msg = crate::audit::head::message(&ca_fp, records, hash, time);
            let signature = head_key.sign(&msg).map_err(|e| e.to_string())?;
            Ok(crate::audit::head::Head {
                ca: ca_fp.clone(),
                records,
                hash: hash.to_string(),
                time: time.to_string(),
                signature,
            }
            .checkpoint())
        }));
    let cert = input::parse_cert(&open.meta.cert_der).context("reading the CA certificate")?;
    let ski = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
        .ok_or_else(|| anyhow::anyhow!("the CA certificate has no subject key identifier"))?;
    let next = now
        .checked_add(period)
        .ok_or_else(|| anyhow::anyhow!("nextUpdate {period} after {now} is past the calendar"))?;
    let next_after_ca = next > cert.validity().not_after.to_datetime();
    let home = open.store.home().to_path_buf();
    // One publisher at a time, from taking the number to replacing the files: CRL numbers then
    // strictly increase in the order the files are published, and an older CRL can never
    // replace a newer one (a concurrent run waits here, up to two minutes).
    let lock_path = home.join(store::CRL_LOCK_FILE);
    let _publishing = files::lock_exclusive(&lock_path, std::time::Duration::from_secs(120))
        .with_context(|| {
            format!(
                "waiting for the CRL publication lock `{}`",
                lock_path.display()
            )
        })?;
    let number = open.store.next_crl_number()?;
    let header = CrlHeader {
        issuer_name_der: cert.subject().as_raw(),
        issuer_key_id: &ski,
        this_update: now,
        next_update: next,
        number,
    };
    let count = open.store.revoked_count()?;
    // Entries go from the store straight into the CRL buffer: memory stays near the CRL's size.
    let mut builder = crl::CrlBuilder::new(&header, key.signature_algorithm_der(), count);
    open.store.for_each_revoked(|e| builder.push(&e))?;
    let signed = builder.finish(key)?;
    let sha = hex::encode(ring::digest::digest(&ring::digest::SHA256, signed.der()).as_ref());
    open.store.record_crl(
        number,
        now,
        next,
        signed.entries,
        &sha,
        Event {
            time: rfc3339(now),
            actor,
            action: "crl.publish".into(),
            object: format!("#{number} {} entries", signed.entries),
            outcome: "ok".into(),
        },
    )?;
    // Write without copying the CRL again: a million entries are ~50 MB of DER.
    let home_copy = home.join(store::CRL_FILE);
    files::write_atomic(
        &home_copy,
        signed.der(),
        files::Mode::Public,
        files::Overwrite::Replace,
    )
    .with_context(|| format!("writing `{}`", home_copy.display()))?;
    if let Some(o) = &delivery.out {
        files::write_atomic_stream(o, files::Mode::Public, files::Overwrite::Replace, |w| {
            emit(&signed, delivery.der, w)
        })
        .with_context(|| format!("writing `{}`", o.display()))?;
    }
    Ok(Published {
        number,
        this_update: now,
        next_update: next,
        sha256: sha,
        crl: signed,
        next_after_ca,
    })
}

/// Writes a CRL as DER or PEM.
pub fn emit(crl: &SignedCrl, der: bool, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    if der {
        w.write_all(crl.der())
    } else {
        files::write_pem(w, "X509 CRL", crl.der())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU8;

    use time::macros::datetime;

    use super::*;
    use crate::ca::crl::Reason;
    use crate::ops::NoPrompt;
    use crate::ops::issue::tests::{Counter, issue_person, root_home};
    use x509_parser::prelude::FromDer;

    #[test]
    fn the_first_crl_is_number_one_lists_the_revoked_and_starts_at_now() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut open = OpenCa::open(dir.path()).unwrap();
        let now = datetime!(2026-05-04 10:00 UTC);
        let rng = Counter(AtomicU8::new(0));
        let serial = issue_person(&mut open, &rng, now);
        let req = crate::ops::revoke::Request::new(vec![serial], Reason::KeyCompromise, None, now)
            .unwrap();
        crate::ops::revoke::revoke(&mut open, &req, "local:test", now).unwrap();
        let published = publish(
            &mut open,
            "local:test".into(),
            &Passphrase::Ask {
                flag: "--passphrase-file",
            },
            &NoPrompt,
            now,
            Duration::days(7),
            &Delivery::default(),
        )
        .unwrap();
        assert_eq!(published.number, 1);
        assert_eq!(published.crl.entries, 1);
        assert_eq!(published.next_update, now + Duration::days(7));
        assert!(!published.next_after_ca);
        let (_, crl) =
            x509_parser::revocation_list::CertificateRevocationList::from_der(published.crl.der())
                .map(|(r, c)| (r.len(), c))
                .unwrap();
        assert_eq!(crl.last_update().to_datetime(), now);
        assert!(previous_lapsing(&open, now).unwrap().is_none());
        assert!(
            previous_lapsing(&open, now + Duration::days(8))
                .unwrap()
                .unwrap()
                .2
        );
    }
}

/// What checking a CRL against a given issuer certificate found (`crl show --issuer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerCheck {
    /// The CRL names the certificate's subject as its issuer and its signature verifies under
    /// the certificate's key.
    Valid { issuer: String },
    /// The CRL's issuer is another name (RFC 5280 §7.1 comparison).
    OtherIssuer {
        crl_issuer: String,
        ca_subject: String,
    },
    /// The name matches but the signature does not verify (tampered, or another key of that
    /// name), or the CRL's two signature algorithm fields differ (§5.1.1.2).
    SignatureInvalid { issuer: String, reason: String },
}

/// Checks a CRL (DER) against an issuer certificate (DER) from anywhere, not only this home's
/// CA: the issuer name, then the signature with the one verifier (RSA, ECDSA, Ed25519, SM2;
/// SHA-1 refused). A CRL or certificate that does not parse is an error.
pub fn check_issuer(crl_der: &[u8], ca_cert_der: &[u8]) -> Result<IssuerCheck> {
    use crate::pkix::sig::{DefaultVerifier, SignatureVerifier};
    let crl = crate::pkix::crl::Crl::from_der(crl_der)
        .map_err(|e| anyhow::anyhow!("reading the CRL: {e}"))?;
    let ca = <x509_cert::Certificate as der::Decode>::from_der(ca_cert_der)
        .map_err(|e| anyhow::anyhow!("reading the issuer certificate: {e}"))?;
    let subject = &ca.tbs_certificate.subject;
    let shown = crate::pkix::name::text::name_of;
    if !crate::pkix::name::names_match(&crl.issuer, subject) {
        return Ok(IssuerCheck::OtherIssuer {
            crl_issuer: shown(&crl.issuer),
            ca_subject: shown(subject),
        });
    }
    let issuer = shown(subject);
    if crl.sig_alg != crl.tbs_sig_alg {
        return Ok(IssuerCheck::SignatureInvalid {
            issuer,
            reason: "the signature algorithm differs inside and outside the signed part".into(),
        });
    }
    Ok(
        match DefaultVerifier::default().verify(
            &ca.tbs_certificate.subject_public_key_info,
            &crl.sig_alg,
            &crl.tbs_der,
            &crl.signature,
        ) {
            Ok(()) => IssuerCheck::Valid { issuer },
            Err(e) => IssuerCheck::SignatureInvalid {
                issuer,
                reason: e.to_string(),
            },
        },
    )
}
