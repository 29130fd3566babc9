//! Issuing one certificate by profile, for the public key of a CSR or of a key generated here.
//!
//! Two steps around the front end's authorization: [`prepare`] checks the request (the CSR's
//! signature, the subject, the SANs the profile allows) and generates the key, before anything
//! is unlocked; [`issue`] unlocks the CA key, signs, writes the new key, commits the
//! certificate, then writes the certificate file. A committed certificate never lacks its key:
//! the key is written first and removed when the commit fails. Prints nothing.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

use super::common::{self, OpenCa};
use super::secrets::{self, Passphrase, Prompt, Random};
use super::{Result, hinted};
use crate::ca::csr;
use crate::ca::dn::Dn;
use crate::ca::issue::{IssueRequest, Issuer, SubCaOptions};
use crate::ca::keys::{Algorithm, PrivateKey};
use crate::ca::profile::{Profile, San};
use crate::ca::profile_yaml::HomeProfile;
use crate::ca::serial::Serial;
use crate::ca::when;
use crate::store::CertRecord;

/// How a generated key is written.
#[derive(Debug, Clone)]
pub enum KeyProtection {
    /// Encrypted under this passphrase.
    Passphrase(Zeroizing<String>),
    /// Unencrypted (the user consented).
    Unencrypted,
}

impl KeyProtection {
    /// The key's PEM, encrypted with fresh salt and IV when it has a passphrase.
    pub fn key_pem(&self, key: &PrivateKey, rng: &dyn Random) -> anyhow::Result<Zeroizing<String>> {
        Ok(match self {
            KeyProtection::Passphrase(p) => {
                key.to_pem(Some(p), secrets::random16(rng)?, secrets::random16(rng)?)?
            }
            KeyProtection::Unencrypted => key.to_pem(None, [0; 16], [0; 16])?,
        })
    }
}

/// Where the public key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A CSR's contents (PEM or DER), read from `path` (named in errors).
    Csr { path: PathBuf, bytes: Vec<u8> },
    /// A public key already certified (SubjectPublicKeyInfo DER): a renewal keeping its key,
    /// or a renewal's CSR, verified by [`super::renew`]. Needs a subject.
    Existing { spki_der: Vec<u8> },
    /// Generate a key of `algorithm` and write it to `key_out`.
    Generate {
        algorithm: Algorithm,
        key_out: PathBuf,
        protection: KeyProtection,
    },
}

/// A request for one certificate, its arguments parsed.
#[derive(Debug, Clone)]
pub struct Request {
    pub profile: Profile,
    /// The subject; with a CSR, replaces the CSR's.
    pub subject: Option<Dn>,
    /// The SANs; when empty, a CSR's requested SANs that the profile allows.
    pub sans: Vec<San>,
    pub validity: Duration,
    pub sub_ca: SubCaOptions,
    pub key: KeySource,
}

/// A checked request, its key generated: ready to authorize and sign.
pub struct Prepared {
    profile: Profile,
    dn: Dn,
    sans: Vec<San>,
    spki_der: Vec<u8>,
    validity: Duration,
    /// Whether `validity` is the profile's default, nobody having asked for one.
    default_validity: bool,
    not_before: Option<OffsetDateTime>,
    not_after: Option<OffsetDateTime>,
    sub_ca: SubCaOptions,
    new_key: Option<(PrivateKey, PathBuf, KeyProtection)>,
    /// The certificate this one renews (see [`super::renew`]).
    renews: Option<Serial>,
    /// The home profile asked for (`profile` is its base).
    home: Option<Box<HomeProfile>>,
}

impl Prepared {
    /// Sets explicit bounds (`--not-before`, `--not-after`); `--not-after` replaces the
    /// validity. Both are checked when issuing ([`crate::ca::when::window`]).
    pub fn with_bounds(
        mut self,
        not_before: Option<OffsetDateTime>,
        not_after: Option<OffsetDateTime>,
    ) -> Prepared {
        self.not_before = not_before;
        self.not_after = not_after;
        self
    }

    /// Marks the validity as the profile's default, nobody having asked for one: an end past
    /// the CA's notAfter is then fitted to it ([`Issued::fitted`]) instead of refused. Without
    /// this, the validity counts as asked, and a request past the CA's end is refused.
    pub fn with_default_validity(mut self, is_default: bool) -> Prepared {
        self.default_validity = is_default;
        self
    }

    /// Issues under a home profile (`profile` must be its base): its usages, SAN rules and
    /// maximum validity apply, and the store records its name.
    pub fn with_home_profile(mut self, home: Box<HomeProfile>) -> Prepared {
        self.home = Some(home);
        self
    }

    /// Marks the certificate as the renewal of `old` (recorded with it, in one transaction).
    pub(super) fn renewing(mut self, old: Serial) -> Prepared {
        self.renews = Some(old);
        self
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    pub fn subject(&self) -> &Dn {
        &self.dn
    }

    /// The public key to certify (SubjectPublicKeyInfo DER).
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The SANs the certificate will carry.
    pub fn sans(&self) -> &[San] {
        &self.sans
    }
}

/// The default validity of a profile: ten years for a CA, two otherwise, never more than the
/// profile's maximum (398 days for `server`).
pub fn default_validity(profile: Profile) -> Duration {
    let default = if profile.is_ca() {
        Duration::days(3650)
    } else {
        Duration::days(730)
    };
    default.min(profile.max_validity())
}

/// Checks a request and generates its key; touches no home.
pub fn prepare(req: Request) -> Result<Prepared> {
    Ok(prepare_request(req)?)
}

fn prepare_request(req: Request) -> anyhow::Result<Prepared> {
    let Request {
        profile,
        subject,
        sans,
        validity,
        sub_ca,
        key,
    } = req;
    let (dn, spki_der, requested, new_key) = match key {
        KeySource::Csr { path, bytes } => {
            let v = csr::verify_csr(&bytes)
                .map_err(|e| match e.hint() {
                    Some(hint) => hinted(e.to_string(), hint),
                    None => anyhow::Error::new(e),
                })
                .with_context(|| format!("reading CSR `{}`", path.display()))?;
            let dn = match (subject, v.subject) {
                (Some(d), _) | (None, Some(d)) => d,
                (None, None) => bail!(
                    "CSR `{}` has an empty subject; pass --subject",
                    path.display()
                ),
            };
            (dn, v.spki_der, v.requested_sans, None)
        }
        KeySource::Existing { spki_der } => {
            let Some(dn) = subject else {
                bail!("a certified key needs the subject it is certified for");
            };
            (dn, spki_der, vec![], None)
        }
        KeySource::Generate {
            algorithm,
            key_out,
            protection,
        } => {
            let Some(dn) = subject else {
                bail!("--subject is required with --key-out");
            };
            let key = PrivateKey::generate(algorithm)?;
            (dn, key.spki_der(), vec![], Some((key, key_out, protection)))
        }
    };
    // DESIGN §2: without --san, a CSR's requested SANs are kept where the profile allows them.
    let sans = if sans.is_empty() {
        requested
            .into_iter()
            .filter(|s| profile.allows_san(s))
            .collect()
    } else {
        sans
    };
    Ok(Prepared {
        profile,
        dn,
        sans,
        spki_der,
        validity,
        default_validity: false,
        not_before: None,
        not_after: None,
        sub_ca,
        new_key,
        renews: None,
        home: None,
    })
}

/// Where the certificate goes besides the store.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    /// Write the certificate here (else the front end prints [`Issued::body`]).
    pub out: Option<PathBuf>,
    /// DER instead of PEM.
    pub der: bool,
    /// Replace existing files.
    pub force: bool,
    /// The generated key's passphrase failed the strength check and the user kept it
    /// (`--allow-weak-passphrase`): the `cert.issue` record says so.
    pub weak_passphrase_allowed: bool,
}

/// Who acts, when, and with what.
pub struct Acting<'a> {
    pub actor: &'a str,
    pub now: OffsetDateTime,
    pub ca_passphrase: &'a Passphrase,
    pub prompt: &'a dyn Prompt,
    pub rng: &'a dyn Random,
}

/// An issued, committed certificate.
#[derive(Debug, Clone)]
pub struct Issued {
    pub serial: Serial,
    pub subject: Dn,
    pub profile: Profile,
    /// The profile's name as recorded: the built-in's, or the home profile's.
    pub profile_name: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Whether the profile's default validity (nothing was asked) would have passed the CA's
    /// notAfter and ends there instead: the front end says so. An asked end is never moved.
    pub fitted: bool,
    pub der: Vec<u8>,
    /// The certificate as delivered (PEM text or DER).
    pub body: Vec<u8>,
    pub out: Option<PathBuf>,
    pub key_out: Option<PathBuf>,
    /// Whether the generated key was written unencrypted.
    pub key_unencrypted: bool,
}

/// The warning of a default validity that ends with the CA (`cert issue`, `cert renew`, and
/// the same acts through the CA service).
pub fn fitted_warning(not_after: OffsetDateTime) -> String {
    format!(
        "the profile's default validity would pass the CA's own notAfter: the certificate ends with the CA, at `{}`; renew the CA to issue for longer",
        when::rfc3339(not_after)
    )
}

impl Issued {
    /// The `cert issue --json` object (`cert renew` adds its own fields to it).
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "serial": self.serial.to_hex(),
            "subject": self.subject.to_string(),
            "profile": self.profile_name,
            "not_before": when::rfc3339(self.not_before),
            "not_after": when::rfc3339(self.not_after),
            "out": self.out.as_ref().map(|p| p.display().to_string()),
            "key_out": self.key_out.as_ref().map(|p| p.display().to_string()),
            "fitted_to_ca_end": self.fitted,
            "pem": common::cert_pem(&self.der),
        })
    }
}

/// Signs, writes the key, commits, writes the certificate.
pub fn issue(
    open: &mut OpenCa,
    prepared: Prepared,
    delivery: &Delivery,
    acting: &Acting<'_>,
) -> Result<Issued> {
    Ok(issue_prepared(open, prepared, delivery, acting, None)?)
}

/// As [`issue`], with the CA key already unlocked (the service, which unlocks it once at
/// start): `acting`'s passphrase and prompt are not used. The key must be this CA's.
pub fn issue_with_key(
    open: &mut OpenCa,
    prepared: Prepared,
    delivery: &Delivery,
    acting: &Acting<'_>,
    ca_key: &PrivateKey,
) -> Result<Issued> {
    Ok(issue_prepared(
        open,
        prepared,
        delivery,
        acting,
        Some(ca_key),
    )?)
}

/// The policy question of issuing a `profile` certificate to `subject`'s department (as the
/// CLI asks it).
pub fn ask(subject: &Dn, profile: Profile) -> super::govern::Ask {
    super::govern::Ask::new(
        "cert.issue",
        format!(
            "dept/{}/cert/{profile}",
            super::govern::segment(subject.department())
        ),
    )
}

fn issue_prepared(
    open: &mut OpenCa,
    prepared: Prepared,
    delivery: &Delivery,
    acting: &Acting<'_>,
    unlocked: Option<&PrivateKey>,
) -> anyhow::Result<Issued> {
    let Prepared {
        profile,
        dn,
        sans,
        spki_der,
        validity,
        default_validity,
        not_before,
        not_after,
        sub_ca,
        new_key,
        renews,
        home,
    } = prepared;
    let now = acting.now;
    if let Some(problem) = home.as_ref().and_then(|h| h.san_problem(&sans)) {
        bail!(problem);
    }
    let (max, profile_name) = limits_of(profile, home.as_deref());
    // The window is checked before the CA key is unlocked: a refused validity costs nothing.
    let window = window_of(
        &open.meta.cert_der,
        max,
        &profile_name,
        now,
        &when::Requested {
            not_before,
            not_after,
            validity,
            default_validity,
        },
    )?;
    let loaded;
    let ca_key = match unlocked {
        Some(k) => {
            if k.spki_der() != common::spki_of(&open.meta.cert_der)? {
                bail!("the CA key given does not match the CA certificate");
            }
            k
        }
        None => {
            loaded = open.unlock(acting.ca_passphrase, acting.prompt)?;
            &loaded
        }
    };
    let issuer = Issuer::new(&open.meta.cert_der, ca_key, open.urls())?;
    let serial = common::fresh_serial(&open.store, acting.rng)?;
    let issued = issuer.issue_with_usages(
        &IssueRequest {
            profile,
            subject: dn,
            sans,
            spki_der,
            serial: serial.clone(),
            not_before: window.not_before,
            not_after: window.not_after,
            sub_ca,
        },
        home.as_ref().map(|h| &h.usages),
    )?;
    // Write the new key first (refusing to overwrite), so a failed commit can remove it and a
    // committed certificate never lacks its key.
    if let Some((key, path, protection)) = &new_key {
        let pem_text = protection.key_pem(key, acting.rng)?;
        common::write_output(path, pem_text.as_bytes(), true, delivery.force)?;
    }
    let record = CertRecord {
        serial: serial.clone(),
        subject: issued.subject.to_string(),
        department: issued.subject.department().map(str::to_string),
        profile: profile_name.clone(),
        not_before: issued.not_before,
        not_after: issued.not_after,
        issued_at: now,
        der: issued.der.clone(),
        weak_passphrase_allowed: delivery.weak_passphrase_allowed && new_key.is_some(),
    };
    let recorded = match &renews {
        Some(old) => open.store.record_renewal(&record, old, acting.actor, now),
        None => open.store.record_issued(&[record], acting.actor, now),
    };
    if let Err(e) = recorded {
        if let Some((_, path, _)) = &new_key {
            let _ = std::fs::remove_file(path);
        }
        return Err(e.into());
    }
    let body: Vec<u8> = if delivery.der {
        issued.der.clone()
    } else {
        common::cert_pem(&issued.der).into_bytes()
    };
    if let Some(o) = &delivery.out {
        common::write_output(o, &body, false, delivery.force)?;
    }
    Ok(Issued {
        serial,
        subject: issued.subject,
        profile,
        profile_name,
        not_before: issued.not_before,
        not_after: issued.not_after,
        fitted: window.fitted,
        der: issued.der,
        body,
        out: delivery.out.clone(),
        key_unencrypted: matches!(new_key, Some((_, _, KeyProtection::Unencrypted))),
        key_out: new_key.map(|(_, p, _)| p),
    })
}

/// The longest validity and the recorded name of a built-in or home profile.
fn limits_of(profile: Profile, home: Option<&HomeProfile>) -> (Duration, String) {
    match home {
        Some(h) => (h.max_validity, h.name.clone()),
        None => (profile.max_validity(), profile.name().to_string()),
    }
}

/// The validity `prepared` would get from the CA of `open` at `now`, checked as [`issue`]
/// checks it: the front ends call it before the policy is asked, so that a refused validity
/// leaves no trace (no allow, no deny recorded).
pub fn check_window(
    open: &OpenCa,
    prepared: &Prepared,
    now: OffsetDateTime,
) -> Result<when::Window> {
    let (max, profile_name) = limits_of(prepared.profile, prepared.home.as_deref());
    Ok(window_of(
        &open.meta.cert_der,
        max,
        &profile_name,
        now,
        &when::Requested {
            not_before: prepared.not_before,
            not_after: prepared.not_after,
            validity: prepared.validity,
            default_validity: prepared.default_validity,
        },
    )?)
}

/// The checked validity window of a `profile` certificate issued by the CA `ca_cert_der`.
pub fn window_of(
    ca_cert_der: &[u8],
    max: Duration,
    profile: &str,
    now: OffsetDateTime,
    requested: &when::Requested,
) -> anyhow::Result<when::Window> {
    let ca = crate::ca::input::parse_cert(ca_cert_der).context("reading the CA certificate")?;
    let limits = when::Limits {
        max,
        profile: profile.to_string(),
        ca_not_before: ca.validity().not_before.to_datetime(),
        ca_not_after: ca.validity().not_after.to_datetime(),
    };
    when::window(now, requested, &limits).map_err(|e| match e.hint() {
        Some(h) => hinted(e.to_string(), h),
        None => anyhow::Error::new(e),
    })
}

/// The error when a request names no public key.
pub fn no_public_key() -> anyhow::Error {
    hinted(
        "no public key to certify",
        "pass --csr F for a department's own key, or --key-out F to generate one",
    )
}

#[cfg(test)]
pub(crate) mod tests;
