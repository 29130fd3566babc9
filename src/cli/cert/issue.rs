//! `govpki cert issue` of one certificate, from a CSR or a generated key.

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use serde_json::json;
use time::Duration;

use crate::ca::csr;
use crate::ca::dn::Dn;
use crate::ca::issue::{IssueRequest, Issuer, SubCaOptions};
use crate::ca::keys::PrivateKey;
use crate::ca::profile::{Profile, San};
use crate::ca::when::{self, rfc3339};
use crate::cli::common::{self, NewKeyProtection, OpenCa};
use crate::cli::govern;
use crate::cli::{Context, Outcome, hinted};
use crate::store::CertRecord;

use super::*;

pub(super) fn parse_sans(list: &[String]) -> Result<Vec<San>> {
    let mut out = Vec::new();
    for item in list {
        out.extend(San::parse_list(item).with_context(|| format!("--san `{item}`"))?);
    }
    Ok(out)
}

/// Whether two output paths name the same file (compared through their canonical parents).
pub(super) fn same_file_path(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::canonicalize(parent)
            .ok()
            .map(|d| d.join(p.file_name().unwrap_or_default()))
    };
    a == b || (canon(a).is_some() && canon(a) == canon(b))
}

pub(super) fn default_validity(profile: Profile) -> Duration {
    if profile.is_ca() {
        Duration::days(3650)
    } else {
        Duration::days(730)
    }
}

/// The public key and subject a request will use.
pub(super) struct Subject {
    spki_der: Vec<u8>,
    dn: Dn,
    requested_sans: Vec<San>,
}

pub(super) fn issue_one(args: IssueArgs, ctx: &Context) -> Result<Outcome> {
    let IssueArgs {
        profile,
        subject,
        csr,
        key_out,
        algorithm,
        san,
        validity,
        out,
        der,
        force,
        passphrase_file,
        key_passphrase_file,
        no_key_passphrase,
        path_len,
        permit_dns,
        permit_dn,
        batch: _,
        out_dir,
    } = args;
    if out_dir.is_some() {
        bail!("--out-dir is for --batch; use --out for one certificate");
    }
    let profile_name = profile.unwrap_or_default();
    let profile: Profile = profile_name.parse()?;
    let subject_arg = subject
        .as_deref()
        .map(|s| Dn::parse(s).with_context(|| format!("--subject `{s}`")))
        .transpose()?;
    let sans = parse_sans(&san)?;
    let validity = validity
        .as_deref()
        .map(when::parse_duration)
        .transpose()?
        .unwrap_or_else(|| default_validity(profile));
    let sub_ca = SubCaOptions {
        path_len,
        permit_dns,
        permit_dn: permit_dn
            .iter()
            .map(|d| Dn::parse(d).with_context(|| format!("--permit-dn `{d}`")))
            .collect::<Result<_>>()?,
    };
    if !profile.is_ca() && (sub_ca != SubCaOptions::default()) {
        bail!("--path-len, --permit-dns and --permit-dn apply only to profile `sub-ca`");
    }
    if let Some(o) = &out {
        common::check_output_free(o, force)?;
        if key_out.as_ref().is_some_and(|k| same_file_path(k, o)) {
            bail!("--out and --key-out name the same file `{}`", o.display());
        }
    }
    // Where the key comes from, checked before the CA key is unlocked.
    let (subject, new_key, protection) = match (&csr, &key_out) {
        (Some(path), None) => {
            if key_passphrase_file.is_some() || no_key_passphrase {
                bail!(
                    "--key-passphrase-file and --no-key-passphrase apply to --key-out, not --csr"
                );
            }
            let bytes = common::read_file(path, "CSR")?;
            let v = csr::verify_csr(&bytes)
                .with_context(|| format!("reading CSR `{}`", path.display()))?;
            let dn = match (subject_arg, v.subject) {
                (Some(d), _) => d,
                (None, Some(d)) => d,
                (None, None) => bail!(
                    "CSR `{}` has an empty subject; pass --subject",
                    path.display()
                ),
            };
            (
                Subject {
                    spki_der: v.spki_der,
                    dn,
                    requested_sans: v.requested_sans,
                },
                None,
                None,
            )
        }
        (None, Some(path)) => {
            common::check_output_free(path, force)?;
            let Some(dn) = subject_arg else {
                bail!("--subject is required with --key-out");
            };
            let protection = common::new_key_protection(
                key_passphrase_file.as_deref(),
                no_key_passphrase,
                "--key-passphrase-file",
                "--no-key-passphrase",
                "new key",
            )?;
            let key = PrivateKey::generate(algorithm)?;
            (
                Subject {
                    spki_der: key.spki_der(),
                    dn,
                    requested_sans: vec![],
                },
                Some((key, path.clone())),
                Some(protection),
            )
        }
        (None, None) => {
            return Err(hinted(
                "no public key to certify",
                "pass --csr F for a department's own key, or --key-out F to generate one",
            ));
        }
        (Some(_), Some(_)) => bail!("--csr and --key-out cannot be used together"),
    };
    // DESIGN §2: without --san, a CSR's requested SANs are kept where the profile allows them.
    let sans = if sans.is_empty() {
        subject
            .requested_sans
            .iter()
            .filter(|s| profile.allows_san(s))
            .cloned()
            .collect()
    } else {
        sans
    };

    let mut open = OpenCa::open(&ctx.home)?;
    let actor = govern::authorize(
        ctx,
        &mut open,
        &[govern::Ask::new(
            "cert.issue",
            format!(
                "dept/{}/cert/{}",
                govern::segment(subject.dn.department()),
                profile
            ),
        )],
    )?;
    let ca_key = open.unlock(
        &super::common::ca_passphrase(passphrase_file.as_deref()),
        &super::common::TERMINAL,
    )?;
    let issuer = Issuer::new(&open.meta.cert_der, &ca_key, open.urls())?;
    let serial = common::fresh_serial(&open.store)?;
    let req = IssueRequest {
        profile,
        subject: subject.dn.clone(),
        sans,
        spki_der: subject.spki_der.clone(),
        serial: serial.clone(),
        not_before: ctx.now,
        not_after: ctx.now + validity,
        sub_ca,
    };
    let issued = issuer.issue(&req)?;
    if issued.capped {
        ctx.out.warn(&format!(
            "validity cut to the CA's own end, {}",
            rfc3339(issued.not_after)
        ));
    }
    // Write the new key first (refusing to overwrite), so a failed commit can remove it and a
    // committed certificate never lacks its key.
    if let (Some((key, path)), Some(protection)) = (&new_key, &protection) {
        let pem_text = match protection {
            NewKeyProtection::Passphrase(p) => {
                key.to_pem(Some(p), common::random16()?, common::random16()?)?
            }
            NewKeyProtection::None => key.to_pem(None, [0; 16], [0; 16])?,
        };
        common::write_output(path, pem_text.as_bytes(), true, force)?;
    }
    let record = CertRecord {
        serial: serial.clone(),
        subject: issued.subject.to_string(),
        department: issued.subject.department().map(str::to_string),
        profile: profile.name().into(),
        not_before: issued.not_before,
        not_after: issued.not_after,
        issued_at: ctx.now,
        der: issued.der.clone(),
    };
    if let Err(e) = open.store.record_issued(&[record], &actor, ctx.now) {
        if let Some((_, path)) = &new_key {
            let _ = std::fs::remove_file(path);
        }
        return Err(e.into());
    }
    let body: Vec<u8> = if der {
        issued.der.clone()
    } else {
        common::cert_pem(&issued.der).into_bytes()
    };
    if let Some(o) = &out {
        common::write_output(o, &body, false, force)?;
    }
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "serial": serial.to_hex(),
            "subject": issued.subject.to_string(),
            "profile": profile.name(),
            "not_before": rfc3339(issued.not_before),
            "not_after": rfc3339(issued.not_after),
            "out": out.as_ref().map(|p| p.display().to_string()),
            "key_out": new_key.as_ref().map(|(_, p)| p.display().to_string()),
            "pem": common::cert_pem(&issued.der),
        }))?;
    } else {
        ctx.out.info(&format!(
            "issued {} certificate {} for `{}`, valid until {}",
            profile,
            serial.to_hex(),
            subject.dn,
            rfc3339(issued.not_after)
        ));
        if new_key.is_some() && matches!(protection, Some(NewKeyProtection::None)) {
            ctx.out
                .warn("the new key is stored unencrypted (--no-key-passphrase)");
        }
        if out.is_none() {
            if der {
                ctx.out.bytes(&body)?;
            } else {
                ctx.out.data(&String::from_utf8_lossy(&body))?;
            }
        }
    }
    Ok(Outcome::Success)
}
