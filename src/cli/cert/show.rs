//! `govpki cert show`, and the certificate description `seal` and `ca` reuse.

use std::path::Path;

use anyhow::{Context as _, Result};
use serde_json::json;

use crate::ca::input;
use crate::ca::serial::Serial;
use crate::ca::when::rfc3339;
use crate::cli::common::{self, OpenCa};
use crate::cli::{Context, Outcome, hinted};

use super::*;

pub(super) fn show(args: ShowArgs, ctx: &Context) -> Result<Outcome> {
    let ShowArgs { target } = args;
    let path = Path::new(&target);
    let (der, row) = if path.exists() {
        let der = common::read_cert(path)?;
        let row = crate::store::Store::open(&ctx.home).ok().and_then(|s| {
            let c = input::parse_cert(&der).ok()?;
            let serial = Serial::from_be_bytes(c.raw_serial()).ok()?;
            s.get(&serial, ctx.now)
                .ok()
                .flatten()
                .filter(|r| r.der == der)
        });
        (der, row)
    } else {
        let serial: Serial = target.parse().map_err(|_| {
            hinted(
                format!("`{target}` is neither a file nor a hex serial"),
                "give a certificate file, or a serial as `openssl x509 -serial` prints it",
            )
        })?;
        let open = OpenCa::open(&ctx.home)?;
        let row = open.store.get(&serial, ctx.now)?.ok_or_else(|| {
            anyhow::anyhow!(
                "no certificate with serial `{}` was issued by this CA",
                serial.to_hex()
            )
        })?;
        (row.der.clone(), Some(row))
    };
    let info = describe_cert(&der)?;
    if ctx.out.is_json() {
        let mut v = info.clone();
        if let Some(r) = &row {
            v["status"] = json!(r.status);
            v["profile"] = json!(r.profile);
            v["revoked_at"] = json!(r.revoked_at);
            v["reason"] = json!(r.reason);
            // Renewal links (`cert renew`): absent from homes that never renewed.
            let links = crate::store::Store::open(&ctx.home)?.renewal_links(&r.serial)?;
            v["renews"] = json!(links.renews);
            v["renewed_by"] = json!(links.renewed_by);
        }
        v["pem"] = json!(common::cert_pem(&der));
        ctx.out.json(&v)?;
    } else {
        let mut text = String::new();
        let field = |k: &str, v: &serde_json::Value| match v {
            serde_json::Value::String(s) => format!("{k:<18}{s}\n"),
            serde_json::Value::Array(a) if a.is_empty() => String::new(),
            serde_json::Value::Array(a) => format!(
                "{k:<18}{}\n",
                a.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            serde_json::Value::Null => String::new(),
            other => format!("{k:<18}{other}\n"),
        };
        for (k, label) in [
            ("subject", "Subject:"),
            ("issuer", "Issuer:"),
            ("serial", "Serial:"),
            ("not_before", "Not before:"),
            ("not_after", "Not after:"),
            ("key", "Key:"),
            ("signature_algorithm", "Signature:"),
            ("is_ca", "CA:"),
            ("path_len", "Path length:"),
            ("key_usage", "Key usage:"),
            ("extended_key_usage", "Ext key usage:"),
            ("san", "SANs:"),
            ("crl_urls", "CRL URLs:"),
            ("ski", "Subject key id:"),
            ("aki", "Authority key id:"),
            ("sha256_fingerprint", "SHA-256:"),
        ] {
            text.push_str(&field(label, &info[k]));
        }
        if let Some(r) = &row {
            text.push_str(&format!("{:<18}{}\n", "Profile:", r.profile));
            let status = match (&r.revoked_at, &r.reason) {
                (Some(at), Some(reason)) => format!("{} at {at} ({reason})", r.status),
                _ => r.status.to_string(),
            };
            text.push_str(&format!("{:<18}{}\n", "Status:", status));
        }
        ctx.out.data(&text)?;
    }
    Ok(Outcome::Success)
}

/// A certificate's fields as JSON (also used for the text report).
pub fn describe_cert(der: &[u8]) -> Result<serde_json::Value> {
    use x509_parser::extensions::{GeneralName, ParsedExtension};
    let cert = input::parse_cert(der).context("reading the certificate")?;
    let mut ku = Vec::new();
    let mut eku = Vec::new();
    let mut san = Vec::new();
    let mut crl_urls = Vec::new();
    let mut is_ca = false;
    let mut path_len = None;
    let mut ski = None;
    let mut aki = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::KeyUsage(k) => {
                for (bit, name) in [
                    (k.digital_signature(), "digitalSignature"),
                    (k.non_repudiation(), "nonRepudiation"),
                    (k.key_encipherment(), "keyEncipherment"),
                    (k.data_encipherment(), "dataEncipherment"),
                    (k.key_agreement(), "keyAgreement"),
                    (k.key_cert_sign(), "keyCertSign"),
                    (k.crl_sign(), "cRLSign"),
                ] {
                    if bit {
                        ku.push(name.to_string());
                    }
                }
            }
            ParsedExtension::ExtendedKeyUsage(e) => {
                if e.server_auth {
                    eku.push("serverAuth".to_string());
                }
                if e.client_auth {
                    eku.push("clientAuth".to_string());
                }
                if e.email_protection {
                    eku.push("emailProtection".to_string());
                }
                if e.code_signing {
                    eku.push("codeSigning".to_string());
                }
                if e.time_stamping {
                    eku.push("timeStamping".to_string());
                }
                if e.ocsp_signing {
                    eku.push("OCSPSigning".to_string());
                }
                for o in &e.other {
                    let id = o.to_id_string();
                    eku.push(if id == "1.3.6.1.5.5.7.3.36" {
                        "documentSigning".into()
                    } else {
                        id
                    });
                }
            }
            ParsedExtension::SubjectAlternativeName(s) => {
                for n in &s.general_names {
                    san.push(match n {
                        GeneralName::DNSName(d) => format!("dns:{d}"),
                        GeneralName::RFC822Name(e) => format!("email:{e}"),
                        GeneralName::URI(u) => format!("uri:{u}"),
                        GeneralName::IPAddress(ip) => match ip.len() {
                            4 => format!(
                                "ip:{}",
                                std::net::Ipv4Addr::from(
                                    <[u8; 4]>::try_from(*ip).unwrap_or_default()
                                )
                            ),
                            16 => format!(
                                "ip:{}",
                                std::net::Ipv6Addr::from(
                                    <[u8; 16]>::try_from(*ip).unwrap_or_default()
                                )
                            ),
                            _ => "ip:?".into(),
                        },
                        other => format!("{other:?}"),
                    });
                }
            }
            ParsedExtension::BasicConstraints(b) => {
                is_ca = b.ca;
                path_len = b.path_len_constraint;
            }
            ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(hex::encode_upper(k.0)),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                aki = a.key_identifier.as_ref().map(|k| hex::encode_upper(k.0))
            }
            ParsedExtension::CRLDistributionPoints(points) => {
                for p in points.iter() {
                    if let Some(x509_parser::extensions::DistributionPointName::FullName(names)) =
                        &p.distribution_point
                    {
                        for n in names {
                            if let GeneralName::URI(u) = n {
                                crl_urls.push(u.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let fp = ring::digest::digest(&ring::digest::SHA256, der);
    Ok(json!({
        "subject": crate::ca::dn::display_name(cert.subject()),
        "issuer": crate::ca::dn::display_name(cert.issuer()),
        "serial": Serial::from_be_bytes(cert.raw_serial()).map(|s| s.to_hex()).unwrap_or_default(),
        "not_before": rfc3339(cert.validity().not_before.to_datetime()),
        "not_after": rfc3339(cert.validity().not_after.to_datetime()),
        "key": crate::ca::keys::describe_spki(cert.public_key().raw).unwrap_or_else(|e| e.to_string()),
        "signature_algorithm": cert.signature_algorithm.algorithm.to_id_string(),
        "is_ca": is_ca,
        "path_len": path_len,
        "key_usage": ku,
        "extended_key_usage": eku,
        "san": san,
        "crl_urls": crl_urls,
        "ski": ski,
        "aki": aki,
        "sha256_fingerprint": hex::encode_upper(fp.as_ref()),
    }))
}
