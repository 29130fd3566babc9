//! Renewing a certificate: a new certificate for the same subject, profile and SANs, with a new
//! serial and a new validity, for the same key, a new generated key (`--rekey`) or a new CSR
//! whose subject is the old one. The store links the new serial to the old and the audit log
//! records `cert.renew NEW renews OLD` beside the new certificate's `cert.issue`, in one
//! transaction. The old certificate is not revoked unless asked (`revoke_old`, reason
//! superseded). A revoked (or held) or unknown old certificate is refused.
//!
//! Also [`own_certificate`]: a certificate file this CA issued, for the verbs that take a file
//! where they take a serial (`cert renew`, `cert revoke`). Prints nothing.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use time::{Duration, OffsetDateTime};
use x509_parser::extensions::GeneralName;

use super::common::OpenCa;
use super::issue::{self, Acting, Delivery, Issued, KeyProtection, KeySource, Prepared};
use super::{Result, hinted};
use crate::ca::crl::Reason;
use crate::ca::dn::Dn;
use crate::ca::input;
use crate::ca::keys::Algorithm;
use crate::ca::profile::{Profile, San};
use crate::ca::serial::Serial;
use crate::store::{CertRow, CertStatus};

/// Which certificate is renewed.
#[derive(Debug, Clone)]
pub enum Target {
    /// By serial, from the store.
    Serial(Serial),
    /// A certificate file's contents (PEM or DER), read from `path` (named in errors).
    File { path: PathBuf, bytes: Vec<u8> },
}

/// The key of the new certificate.
#[derive(Debug, Clone)]
pub enum NewKey {
    /// The old certificate's key.
    Same,
    /// A new key of `algorithm`, written to `key_out`.
    Generate {
        algorithm: Algorithm,
        key_out: PathBuf,
        protection: KeyProtection,
    },
    /// A CSR's key; the CSR's subject must be the old certificate's.
    Csr { path: PathBuf, bytes: Vec<u8> },
}

/// A renewal request, its arguments parsed.
#[derive(Debug, Clone)]
pub struct Request {
    pub target: Target,
    pub key: NewKey,
    /// `--validity` (else the profile's default).
    pub validity: Option<Duration>,
    pub not_before: Option<OffsetDateTime>,
    pub not_after: Option<OffsetDateTime>,
}

/// A checked renewal, ready to authorize and sign.
pub struct Renewal {
    old: Serial,
    profile: Profile,
    subject: Dn,
    prepared: Prepared,
}

impl Renewal {
    /// The serial renewed.
    pub fn old(&self) -> &Serial {
        &self.old
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    pub fn subject(&self) -> &Dn {
        &self.subject
    }

    /// The SANs the new certificate will carry (the old one's, or the new CSR's).
    pub fn sans(&self) -> &[crate::ca::profile::San] {
        self.prepared.sans()
    }
}

/// A committed renewal.
#[derive(Debug, Clone)]
pub struct Renewed {
    pub issued: Issued,
    /// The hex serial renewed.
    pub renews: String,
    /// Whether the old certificate was revoked (superseded).
    pub old_revoked: bool,
}

/// A certificate file (PEM or DER) this CA issued, and its row: the file's issuer must be this
/// CA, and the store must hold exactly this certificate under its serial. Refusals name the
/// file.
pub fn own_certificate(
    open: &OpenCa,
    path: &Path,
    bytes: &[u8],
    now: OffsetDateTime,
) -> Result<(Serial, CertRow)> {
    Ok(own_cert(open, path, bytes, now)?)
}

fn own_cert(
    open: &OpenCa,
    path: &Path,
    bytes: &[u8],
    now: OffsetDateTime,
) -> anyhow::Result<(Serial, CertRow)> {
    let shown = path.display();
    let der = input::decode_one(bytes, input::CERT_LABELS)
        .with_context(|| format!("reading certificate `{shown}`"))?;
    let cert = input::parse_cert(&der).with_context(|| format!("reading certificate `{shown}`"))?;
    let ca = input::parse_cert(&open.meta.cert_der).context("reading the CA certificate")?;
    if cert.issuer().as_raw() != ca.subject().as_raw() {
        return Err(hinted(
            format!(
                "certificate `{shown}` was not issued by this CA (its issuer is `{}`, this CA is `{}`)",
                crate::ca::dn::display_name(cert.issuer()),
                crate::ca::dn::display_name(ca.subject()),
            ),
            "pass --home for the CA that issued it",
        ));
    }
    let serial = Serial::from_be_bytes(cert.raw_serial())
        .with_context(|| format!("reading certificate `{shown}`"))?;
    let row = open
        .store
        .get(&serial, now)
        .map_err(anyhow::Error::from)?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "certificate `{shown}` names this CA as issuer, but this CA issued no certificate with serial `{}`",
                serial.to_hex()
            )
        })?;
    if row.der != der {
        bail!(
            "certificate `{shown}` is not the certificate this CA issued with serial `{}`",
            serial.to_hex()
        );
    }
    Ok((serial, row))
}

/// Checks the request against the old certificate (known, not revoked) and builds the new
/// one's request; generates the new key if asked. Writes nothing.
pub fn prepare(open: &OpenCa, req: Request, now: OffsetDateTime) -> Result<Renewal> {
    Ok(prepare_renewal(open, req, now)?)
}

fn prepare_renewal(open: &OpenCa, req: Request, now: OffsetDateTime) -> anyhow::Result<Renewal> {
    let Request {
        target,
        key,
        validity,
        not_before,
        not_after,
    } = req;
    let (old, row) = match target {
        Target::Serial(s) => {
            let row = open
                .store
                .get(&s, now)
                .map_err(anyhow::Error::from)?
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "no certificate with serial `{}` was issued by this CA",
                        s.to_hex()
                    )
                })?;
            (s, row)
        }
        Target::File { path, bytes } => own_cert(open, &path, &bytes, now)?,
    };
    if matches!(row.status, CertStatus::Revoked | CertStatus::OnHold) {
        let reason = row.reason.map(|r| r.to_string()).unwrap_or_default();
        return Err(hinted(
            format!(
                "certificate `{}` is revoked ({reason}); a revoked certificate is not renewed",
                old.to_hex()
            ),
            "issue a new certificate with `govpki cert issue`",
        ));
    }
    // A built-in profile, or the home's own of that name as it reads now.
    let (profile, home_profile) = match super::profiles::find(open.store.home(), &row.profile)? {
        super::profiles::Named::Builtin(p) => (p, None),
        super::profiles::Named::Home(h) => (h.base, Some(h)),
    };
    if profile.is_ca() {
        return Err(hinted(
            format!(
                "certificate `{}` is a subordinate CA; `cert renew` renews end-entity certificates",
                old.to_hex()
            ),
            "certify the subordinate CA again with `govpki ca init --parent`",
        ));
    }
    let cert = input::parse_cert(&row.der).context("reading the stored certificate")?;
    let subject = crate::ca::dn::Dn::from_x509(cert.subject())
        .with_context(|| format!("reading the subject of certificate `{}`", old.to_hex()))?;
    let sans = sans_of(&cert, &old)?;
    let key = match key {
        NewKey::Same => KeySource::Existing {
            spki_der: cert.public_key().raw.to_vec(),
        },
        NewKey::Generate {
            algorithm,
            key_out,
            protection,
        } => KeySource::Generate {
            algorithm,
            key_out,
            protection,
        },
        NewKey::Csr { path, bytes } => {
            let v = crate::ca::csr::verify_csr(&bytes)
                .map_err(|e| match e.hint() {
                    Some(hint) => hinted(e.to_string(), hint),
                    None => anyhow::Error::new(e),
                })
                .with_context(|| format!("reading CSR `{}`", path.display()))?;
            let named = v.subject.as_ref().map(Dn::to_string).unwrap_or_default();
            if named != subject.to_string() {
                bail!(
                    "CSR `{}` names `{named}`, not `{subject}`, the subject of certificate `{}`",
                    path.display(),
                    old.to_hex()
                );
            }
            KeySource::Existing {
                spki_der: v.spki_der,
            }
        }
    };
    let default_validity = validity.is_none();
    let prepared = issue::prepare(issue::Request {
        profile,
        subject: Some(subject.clone()),
        sans,
        validity: validity.unwrap_or_else(|| match &home_profile {
            Some(h) => h.default_validity,
            None => issue::default_validity(profile),
        }),
        sub_ca: Default::default(),
        key,
    })
    .map_err(anyhow::Error::from)?
    .with_bounds(not_before, not_after)
    .with_default_validity(default_validity)
    .renewing(old.clone());
    let prepared = match home_profile {
        Some(h) => prepared.with_home_profile(h),
        None => prepared,
    };
    // The new validity before the policy is asked (issue #12: refused, never cut).
    issue::check_window(open, &prepared, now).map_err(anyhow::Error::from)?;
    Ok(Renewal {
        old,
        profile,
        subject,
        prepared,
    })
}

/// The SANs of a certificate this CA issued, as `--san` would give them.
pub(crate) fn sans_of(
    cert: &x509_parser::certificate::X509Certificate<'_>,
    serial: &Serial,
) -> anyhow::Result<Vec<San>> {
    let Some(ext) = cert
        .subject_alternative_name()
        .with_context(|| format!("reading the SANs of certificate `{}`", serial.to_hex()))?
    else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for name in &ext.value.general_names {
        let parsed = match name {
            GeneralName::DNSName(d) => San::parse(&format!("dns:{d}")).ok(),
            GeneralName::RFC822Name(e) => San::parse(&format!("email:{e}")).ok(),
            GeneralName::URI(u) => San::parse(&format!("uri:{u}")).ok(),
            GeneralName::IPAddress(ip) => match ip.len() {
                4 => <[u8; 4]>::try_from(*ip).ok().map(|a| San::Ip(a.into())),
                16 => <[u8; 16]>::try_from(*ip).ok().map(|a| San::Ip(a.into())),
                _ => None,
            },
            _ => None,
        };
        // Never a renewal with fewer names than the old certificate had.
        let Some(san) = parsed else {
            bail!(
                "certificate `{}` carries a SAN govpki cannot issue again: {name}",
                serial.to_hex()
            );
        };
        out.push(san);
    }
    Ok(out)
}

impl Renewed {
    /// The `cert renew --json` object: `cert issue`'s, plus `renews` and `old_revoked`.
    pub fn json(&self) -> serde_json::Value {
        let mut value = self.issued.json();
        if let Some(map) = value.as_object_mut() {
            map.insert("renews".into(), serde_json::json!(self.renews));
            map.insert("old_revoked".into(), serde_json::json!(self.old_revoked));
        }
        value
    }
}

/// [`renew`] with the CA key unlocked once (the CA service's, see [`issue::issue_with_key`]):
/// the new certificate, its `cert.issue` and `cert.renew` records in one transaction. The old
/// certificate is never revoked here: a request to the service is one state change
/// (docs/api.md), and a revocation is a request of its own.
pub fn renew_with_key(
    open: &mut OpenCa,
    renewal: Renewal,
    delivery: &Delivery,
    acting: &Acting<'_>,
    ca_key: &crate::ca::keys::PrivateKey,
) -> Result<Renewed> {
    let Renewal { old, prepared, .. } = renewal;
    let issued = issue::issue_with_key(open, prepared, delivery, acting, ca_key)?;
    Ok(Renewed {
        issued,
        renews: old.to_hex(),
        old_revoked: false,
    })
}

/// Signs and commits the renewal (see [`issue::issue`]), then revokes the old certificate
/// (reason superseded) when `revoke_old`.
pub fn renew(
    open: &mut OpenCa,
    renewal: Renewal,
    delivery: &Delivery,
    acting: &Acting<'_>,
    revoke_old: bool,
) -> Result<Renewed> {
    let Renewal { old, prepared, .. } = renewal;
    let issued = issue::issue(open, prepared, delivery, acting)?;
    if revoke_old {
        let req =
            super::revoke::Request::new(vec![old.clone()], Reason::Superseded, None, acting.now)?;
        super::revoke::revoke(open, &req, acting.actor, acting.now)?;
    }
    Ok(Renewed {
        issued,
        renews: old.to_hex(),
        old_revoked: revoke_old,
    })
}
