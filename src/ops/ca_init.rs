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
use crate::ca::when::{self, Window, rfc3339};
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
    /// Whether `validity` is the default, nobody having asked (`--validity` not given): a
    /// subordinate's default then ends with the parent when the parent ends first; an asked
    /// validity past the parent's end is refused.
    pub default_validity: bool,
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
    /// Set when the default validity would have passed the parent's notAfter and ends there
    /// instead (an asked validity is never shortened).
    pub fitted_to: Option<OffsetDateTime>,
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
    // A subordinate's validity against the parent's before anything is made (issue #12).
    let window = match &req.parent {
        Some(parent) => Some(sub_ca_window(
            &parent.open.meta.cert_der,
            req.validity,
            req.default_validity,
            now,
        )?),
        None => None,
    };
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
    let (cert_der, parents, fitted_to) = certify(&mut req, window, now, rng)?;
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
        fitted_to,
    })
}

/// The validity of a subordinate CA certified by the parent CA `parent_cert_der`: within the
/// `sub-ca` profile's maximum and the parent's own validity. An asked `validity` past the
/// parent's end is refused (exit 2, naming both dates); the default ends with the parent when
/// the parent ends first ([`Window::fitted`]). The front end calls it before unlocking the
/// parent's key; [`init`] checks it again.
pub fn sub_ca_window(
    parent_cert_der: &[u8],
    validity: Duration,
    default_validity: bool,
    now: OffsetDateTime,
) -> Result<Window> {
    let window = super::issue::window_of(
        parent_cert_der,
        Profile::SubCa.max_validity(),
        Profile::SubCa.name(),
        now,
        &when::Requested {
            not_before: None,
            not_after: None,
            validity,
            default_validity,
        },
    )
    .map_err(|e| match e.downcast_ref::<super::error::Hinted>() {
        // The parent's end, in `ca init`'s words.
        Some(h) if h.message.contains("after the CA's own notAfter") => hinted(
            h.message.replace("the CA's own notAfter", "the parent CA's own notAfter"),
            "ask for a shorter --validity (ending at or before the parent's notAfter), leave --validity out to end with the parent, or renew the parent CA first",
        ),
        _ => e,
    })?;
    Ok(window)
}

/// The new CA's certificate: self-signed, or issued and committed by the parent.
#[allow(clippy::type_complexity)]
fn certify(
    req: &mut Request,
    window: Option<Window>,
    now: OffsetDateTime,
    rng: &dyn Random,
) -> anyhow::Result<(Vec<u8>, Vec<Vec<u8>>, Option<OffsetDateTime>)> {
    let (validity, default_validity) = (req.validity, req.default_validity);
    let Some(parent) = &mut req.parent else {
        let not_after = now + validity;
        let serial = Serial::from_random(secrets::random16(rng)?);
        let der = issue::self_signed_root(&req.key, &req.subject, &serial, now, not_after)?;
        return Ok((der, Vec::new(), None));
    };
    let window = match window {
        Some(w) => w,
        None => sub_ca_window(&parent.open.meta.cert_der, validity, default_validity, now)?,
    };
    let serial = common::fresh_serial(&parent.open.store, rng)?;
    let issuer = Issuer::new(&parent.open.meta.cert_der, &parent.key, parent.open.urls())?;
    let issued = issuer.issue(&IssueRequest {
        profile: Profile::SubCa,
        subject: req.subject.clone(),
        sans: vec![],
        spki_der: req.key.spki_der(),
        serial: serial.clone(),
        not_before: window.not_before,
        not_after: window.not_after,
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
    let fitted = window.fitted.then_some(issued.not_after);
    Ok((issued.der, parent.open.chain(), fitted))
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
            default_validity: false,
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
