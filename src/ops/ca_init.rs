//! Creating a CA in a home: a root (self-signed) or a subordinate certified by a parent home.
//! A failed run leaves nothing it made behind ([`NewHome`]). Prints nothing.

use std::path::Path;

use anyhow::bail;
use time::{Duration, OffsetDateTime};

use super::common::{self, OpenCa};
use super::issue::KeyProtection;
use super::secrets::{self, Random};
use super::{Result, hinted};
use crate::audit::Event;
use crate::ca::dn::Dn;
use crate::ca::issue::{self, IssueRequest, Issuer, SubCaOptions};
use crate::ca::keys::PrivateKey;
use crate::ca::profile::Profile;
use crate::ca::serial::Serial;
use crate::ca::when::rfc3339;
use crate::store::new_home::NewHome;
use crate::store::{self, CaMeta, CertRecord, Store};

/// The parent home of a subordinate CA, opened, authorized and unlocked.
pub struct Parent {
    pub open: OpenCa,
    pub key: PrivateKey,
    /// Who acts on the parent, for its audit log.
    pub actor: String,
}

/// A CA to create, its arguments checked.
pub struct Request {
    pub subject: Dn,
    pub key: PrivateKey,
    pub protection: KeyProtection,
    pub validity: Duration,
    /// Without a parent, a self-signed root.
    pub parent: Option<Parent>,
    /// Path length and name constraints (a subordinate CA).
    pub sub_ca: SubCaOptions,
    pub crl_url: Option<String>,
    pub ocsp_url: Option<String>,
    pub policy: Option<String>,
    /// The key's passphrase failed the strength check and the user kept it
    /// (`--allow-weak-passphrase`): the `ca.init` record says so.
    pub weak_passphrase_allowed: bool,
}

/// The audit field value (`; passphrase=weak-allowed`) of an act that wrote a key under a
/// passphrase the strength check refused and the user kept.
pub const WEAK_PASSPHRASE_ALLOWED: &str = "weak-allowed";

/// A created CA.
#[derive(Debug, Clone)]
pub struct Initialized {
    pub cert_der: Vec<u8>,
    /// The parent chain (parent first), empty for a root.
    pub parents: Vec<Vec<u8>>,
    /// Set when the validity was cut to the parent's end.
    pub capped_to: Option<OffsetDateTime>,
}

/// Creates the CA in `home`; `actor` is recorded in the new home's audit log.
pub fn init(
    home: &Path,
    req: Request,
    actor: &str,
    now: OffsetDateTime,
    rng: &dyn Random,
) -> Result<Initialized> {
    Ok(create(home, req, actor, now, rng)?)
}

fn create(
    home: &Path,
    mut req: Request,
    actor: &str,
    now: OffsetDateTime,
    rng: &dyn Random,
) -> anyhow::Result<Initialized> {
    let private = home.join("private");
    if private
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        return Err(hinted(
            format!(
                "`{}` is a symbolic link; refusing to write the CA key through it",
                private.display()
            ),
            "remove the link, or pass a --home whose private/ is a real directory",
        ));
    }
    // From here on, concurrent `ca init`s of this home serialise on its lock, and a failed run
    // removes exactly what it created (never another run's CA, nor a directory it found).
    let mut guard = NewHome::lock(home)?;
    for f in [store::DB_FILE, store::CA_KEY_FILE] {
        if home.join(f).symlink_metadata().is_ok() {
            bail!("`{}` already holds a CA", home.display());
        }
    }
    guard.create_private_dir()?;
    guard.create_db_file()?;
    let (cert_der, parents, capped_to) = certify(&mut req, now, rng)?;
    let mut store = Store::create(home)?;
    guard.write_key(req.protection.key_pem(&req.key, rng)?.as_bytes())?;
    let meta = CaMeta {
        cert_der: cert_der.clone(),
        parents: parents.clone(),
        crl_url: req.crl_url,
        ocsp_url: req.ocsp_url,
        policy: req.policy,
        key_encrypted: matches!(req.protection, KeyProtection::Passphrase(_)),
    };
    store.init_ca(
        &meta,
        Event {
            time: rfc3339(now),
            actor: actor.to_string(),
            action: "ca.init".into(),
            object: format!("{} {}", serial_hex(&cert_der), req.subject),
            outcome: if req.weak_passphrase_allowed {
                crate::audit::binding::with_field("ok", "passphrase", WEAK_PASSPHRASE_ALLOWED)
            } else {
                "ok".into()
            },
        },
    )?;
    let mut chain_pem = common::cert_pem(&cert_der);
    for p in &parents {
        chain_pem.push_str(&common::cert_pem(p));
    }
    guard.write_public(store::CA_CERT_FILE, common::cert_pem(&cert_der).as_bytes())?;
    guard.write_public(store::CHAIN_FILE, chain_pem.as_bytes())?;
    drop(store);
    guard.keep();
    Ok(Initialized {
        cert_der,
        parents,
        capped_to,
    })
}

/// The new CA's certificate: self-signed, or issued and committed by the parent.
#[allow(clippy::type_complexity)]
fn certify(
    req: &mut Request,
    now: OffsetDateTime,
    rng: &dyn Random,
) -> anyhow::Result<(Vec<u8>, Vec<Vec<u8>>, Option<OffsetDateTime>)> {
    let not_after = now + req.validity;
    let Some(parent) = &mut req.parent else {
        let serial = Serial::from_random(secrets::random16(rng)?);
        let der = issue::self_signed_root(&req.key, &req.subject, &serial, now, not_after)?;
        return Ok((der, Vec::new(), None));
    };
    let serial = common::fresh_serial(&parent.open.store, rng)?;
    let issuer = Issuer::new(&parent.open.meta.cert_der, &parent.key, parent.open.urls())?;
    let issued = issuer.issue(&IssueRequest {
        profile: Profile::SubCa,
        subject: req.subject.clone(),
        sans: vec![],
        spki_der: req.key.spki_der(),
        serial: serial.clone(),
        not_before: now,
        not_after,
        sub_ca: req.sub_ca.clone(),
    })?;
    parent.open.store.record_issued(
        &[CertRecord {
            serial,
            subject: issued.subject.to_string(),
            department: issued.subject.department().map(str::to_string),
            profile: Profile::SubCa.name().into(),
            not_before: issued.not_before,
            not_after: issued.not_after,
            issued_at: now,
            der: issued.der.clone(),
            weak_passphrase_allowed: false,
        }],
        &parent.actor,
        now,
    )?;
    let capped = issued.capped.then_some(issued.not_after);
    Ok((issued.der, parent.open.chain(), capped))
}

/// The hex serial of a certificate, for the audit object.
pub fn serial_hex(der: &[u8]) -> String {
    crate::ca::input::parse_cert(der)
        .ok()
        .and_then(|c| Serial::from_be_bytes(c.raw_serial()).ok())
        .map(|s| s.to_hex())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU8;

    use time::macros::datetime;

    use super::*;
    use crate::ca::keys::Algorithm;
    use crate::ops::issue::tests::Counter;

    fn root_request() -> Request {
        Request {
            subject: Dn::parse("CN=Root,O=Test,C=CN").unwrap(),
            key: PrivateKey::generate(Algorithm::P256).unwrap(),
            protection: KeyProtection::Unencrypted,
            validity: Duration::days(365),
            parent: None,
            sub_ca: SubCaOptions::default(),
            crl_url: None,
            ocsp_url: None,
            policy: None,
            weak_passphrase_allowed: false,
        }
    }

    #[test]
    fn a_root_made_at_now_starts_at_now() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let now = datetime!(2026-07-01 08:00 UTC);
        let rng = Counter(AtomicU8::new(0));
        let made = init(&home, root_request(), "local:test", now, &rng).unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(&made.cert_der).unwrap();
        assert_eq!(cert.validity().not_before.to_datetime(), now);
        assert_eq!(OpenCa::open(&home).unwrap().meta.cert_der, made.cert_der);
        assert!(home.join(store::CA_KEY_FILE).exists());
    }

    #[test]
    fn a_failed_init_leaves_nothing_it_made() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        // `ca.pem` cannot be written (a directory is in the way): the last step fails.
        std::fs::create_dir(home.join(store::CA_CERT_FILE)).unwrap();
        let rng = Counter(AtomicU8::new(0));
        let now = datetime!(2026-07-01 08:00 UTC);
        assert!(init(home, root_request(), "local:test", now, &rng).is_err());
        for gone in [
            store::DB_FILE,
            "govpki.db-wal",
            "govpki.db-shm",
            store::CA_KEY_FILE,
            "private",
        ] {
            assert!(home.join(gone).symlink_metadata().is_err(), "{gone} left");
        }
        // What was there before stays.
        assert!(home.join(store::CA_CERT_FILE).is_dir());
        assert!(home.is_dir());
    }
}
