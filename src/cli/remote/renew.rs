//! `cert renew --ca URL`: the old certificate's serial is sent (a file is first checked here as
//! issued by the service's CA, issuer and signature, [`ops::of_ca`]), with the CSR of the new
//! key for `--rekey`; the server renews as the local verb does (`ops::renew`, the same policy
//! asks, `cert.renew NEW renews OLD` in the transaction of the issuance) with the CA key it
//! holds, and answers with `cert renew --json`'s object, whose certificate is checked here
//! before it is written ([`ops::of_ca::answered_certificate`]: the CA's, for the old key or the
//! CSR's, the old file's subject and SANs). Prints what the local verb prints.
//!
//! `--rekey --key-out`: the key is made and written here, only its CSR is sent (as `cert issue
//! --ca`); the server never makes a key, so none travels back. `--revoke-old` is not offered:
//! a request to the service is one state change with one signed statement, and revoking the
//! old certificate is a second one (`cert revoke OLD --reason superseded --ca URL`).

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use super::{Client, text};
use crate::api::{Body, RenewBody};
use crate::ca::input;
use crate::ca::serial::Serial;
use crate::ca::when;
use crate::cli::cert::{Rekey, RenewArgs, print_renewed_text, rekey_of, target_of};
use crate::cli::{Context, Outcome, common, hinted};
use crate::ops::renew::Target;
use crate::ops::{self, SystemRandom};

pub(super) fn renew(args: RenewArgs, ctx: &Context, client: &Client) -> Result<Outcome> {
    let RenewArgs {
        target,
        rekey,
        key_out,
        csr,
        algorithm,
        validity,
        not_before,
        not_after,
        revoke_old,
        out,
        der,
        force,
        ca_key,
        key,
    } = args;
    if revoke_old {
        return Err(hinted(
            "--revoke-old is not offered over --ca: a request to the service makes one state change",
            "renew, then revoke the old certificate with `govpki cert revoke OLD --reason superseded --ca URL`",
        ));
    }
    if ca_key.passphrase_file.is_some() {
        bail!("--passphrase-file is the server's: the CA key stays there");
    }
    if not_before.is_some() || not_after.is_some() {
        bail!("--not-before and --not-after are not offered over --ca; pass --validity");
    }
    if let Some(v) = &validity {
        when::parse_duration(v).map_err(|e| anyhow!("--validity `{v}`: {e}"))?;
    }
    if let Some(o) = &out {
        common::check_output_free(o, force)?;
    }
    // The certificate: a file of the service's CA (checked here), else a serial.
    let (serial, file) = match target_of(&target)? {
        Target::Serial(s) => (s, None),
        Target::File { path, bytes } => {
            let serial = ops::of_ca::certificate_serial(&client.ca_cert()?, &path, &bytes)?;
            (serial, Some(bytes))
        }
    };
    let (csr_bytes, generated) = match rekey_of(rekey, key_out, csr, &key, out.as_deref(), force)? {
        Rekey::Same => (None, None),
        Rekey::KeyOut(key_out) => {
            // The CSR names the old certificate's subject, which only its file tells here.
            let Some(bytes) = &file else {
                return Err(hinted(
                    "--rekey --key-out over --ca needs the certificate file, not its serial",
                    "give the certificate file (its subject goes into the new key's CSR), or --rekey --csr F",
                ));
            };
            let der = input::decode_one(bytes, input::CERT_LABELS)?;
            let subject = crate::ca::dn::Dn::from_x509(input::parse_cert(&der)?.subject())?;
            let protection = key.protection("new key")?;
            let unencrypted = matches!(
                protection.key_protection(),
                ops::issue::KeyProtection::Unencrypted
            );
            let pem = ops::csr::create(
                &ops::csr::Request {
                    subject,
                    sans: Vec::new(),
                    algorithm,
                    key_out: key_out.clone(),
                    protection: protection.key_protection(),
                    out: None,
                    force,
                },
                &SystemRandom,
            )?;
            (Some(pem.into_bytes()), Some((key_out, unencrypted)))
        }
        Rekey::Csr(path) => (Some(common::read_file(&path, "CSR")?), None),
    };
    let body = Body::Renew(RenewBody {
        serial: serial.to_hex(),
        csr: csr_bytes.as_ref().map(|b| B64.encode(b)),
        validity,
    });
    // The old certificate's department and profile are the server's: it answers with the asks.
    // What the client knows of the new certificate: the old file's subject, SANs and key (or
    // the new key's, from the CSR sent); never a CA (a CA is not renewed).
    let old = file
        .as_deref()
        .map(|bytes| -> Result<_> {
            let der = input::decode_one(bytes, input::CERT_LABELS)?;
            let cert = input::parse_cert(&der)?;
            let subject = crate::ca::dn::Dn::from_x509(cert.subject())?;
            let sans = ops::renew::sans_of(&cert, &serial)?;
            Ok((subject, sans, cert.public_key().raw.to_vec()))
        })
        .transpose();
    let sent_key = csr_bytes
        .as_deref()
        .map(|b| crate::ca::csr::verify_csr(b).map(|v| v.spki_der))
        .transpose();
    let answered = old
        .and_then(|old| Ok((old, sent_key?)))
        .and_then(|(old, sent_key)| {
            let answer = client.call(ctx, &body, vec!["cert.issue dept/_/cert/_".into()])?;
            let spki = match (&sent_key, &old) {
                (Some(k), _) => Some(k.as_slice()),
                (None, Some((_, _, k))) => Some(k.as_slice()),
                (None, None) => None,
            };
            let cert_der = ops::of_ca::answered_certificate(
                &client.ca_cert()?,
                text(&answer.answer, "pem"),
                &ops::of_ca::Asked {
                    spki_der: spki,
                    subject: old.as_ref().map(|(s, _, _)| s),
                    sans: old.as_ref().map(|(_, s, _)| s.as_slice()),
                    ca: false,
                },
            )?;
            Ok((answer, cert_der))
        });
    let (answer, cert_der) = match answered {
        Ok(a) => a,
        Err(e) => {
            // Nothing was issued: the key made for it goes (as a failed local renewal removes it).
            if let Some((path, _)) = &generated {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
    };
    let mut json = answer.answer;
    let pem = text(&json, "pem").to_string();
    let body_bytes = if der { cert_der } else { pem.into_bytes() };
    if let Some(o) = &out {
        common::write_output(o, &body_bytes, false, force)?;
    }
    let path_text =
        |p: Option<&PathBuf>| p.map_or(Value::Null, |p| Value::String(p.display().to_string()));
    json["out"] = path_text(out.as_ref());
    json["key_out"] = path_text(generated.as_ref().map(|(p, _)| p));
    if ctx.out.is_json() {
        ctx.out.json(&json)?;
        return Ok(Outcome::Success);
    }
    let new_serial: Serial = text(&json, "serial")
        .parse()
        .map_err(|e| anyhow!("the server's serial: {e}"))?;
    print_renewed_text(
        ctx,
        text(&json, "renews"),
        &new_serial.to_hex(),
        text(&json, "subject"),
        text(&json, "not_after"),
        json.get("old_revoked")
            .and_then(Value::as_bool)
            .unwrap_or_default(),
        generated
            .as_ref()
            .is_some_and(|(_, unencrypted)| *unencrypted),
    );
    if out.is_none() {
        if der {
            ctx.out.bytes(&body_bytes)?;
        } else {
            ctx.out.data(&String::from_utf8_lossy(&body_bytes))?;
        }
    }
    Ok(Outcome::Success)
}
