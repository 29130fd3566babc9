//! The CLI as a client of `govpki serve` (`--ca URL`, docs/api.md): `cert issue` (one, or
//! `--batch`, one request per row: `batch`), `cert renew` (`renew`), `cert revoke` (serials or
//! certificate files, checked here as the CA's, [`ops::of_ca`]), `cert release`, `crl
//! generate`, `seal create` (`seal`) and `seal revoke` (an esID or a seal file) are signed by the operator (`--as`, `--as-key`),
//! each request with its operative content (request statement v2), and carried out by the
//! server, and print what they print locally (text and
//! `--json`); a deny exits 1 with the server's explanation, any other refusal 2 with its error
//! and hint. Other verbs are not offered over `--ca`.
//!
//! A key `cert issue --key-out` generates is made here and written here; only its CSR is sent.
//! The HTTPS client is a small blocking HTTP/1.1 exchange over `rustls::StreamOwned` (one
//! request per connection, bounded answer, timeouts): a CLI run sends one or two requests, so an
//! async client would bring a runtime for nothing. Only `https://` URLs; the server's
//! certificate must chain to `--ca-trust` and name the URL's host (rustls' webpki verifier).

mod batch;
mod https;
mod renew;
mod seal;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use super::cert::{CertCommand, IssueArgs, ReleaseArgs, RevokeArgs};
use super::crl::{CrlCommand, GenerateArgs};
use super::seal::SealCommand;
use super::{Command, Context, Outcome, common};
use crate::api::{Body, CrlBody, IssueBody, ReleaseBody, RevokeBody, SealRevokeBody};
use crate::ca::dn::Dn;
use crate::ca::profile::Profile;
use crate::ca::serial::Serial;
use crate::ca::when::{self, rfc3339};
use crate::ops::{self, SystemRandom, govern, hinted};
use https::Https;

/// The server (`--ca`) and the anchor that authenticates it (`--ca-trust`).
#[derive(Debug, Clone)]
pub struct RemoteCa {
    pub url: String,
    pub trust: PathBuf,
}

impl RemoteCa {
    /// `--ca URL` with `--ca-trust F`; without `--ca-trust`, the home's `ca.pem` when it has
    /// one (a home set up from this CA), else an error.
    pub fn resolve(url: String, trust: Option<PathBuf>, home: &Path) -> Result<RemoteCa> {
        let trust = match trust {
            Some(t) => t,
            None => {
                let local = home.join("ca.pem");
                if !local.is_file() {
                    return Err(hinted(
                        "--ca needs the anchor that authenticates the server",
                        "pass --ca-trust ROOT.pem (or set GOVPKI_CA_TRUST)",
                    ));
                }
                local
            }
        };
        Ok(RemoteCa { url, trust })
    }
}

/// Runs `command` through the server `remote`.
pub fn run(command: Command, ctx: &Context, remote: &RemoteCa) -> Result<Outcome> {
    let client = || Client::new(remote, ctx.now);
    match command {
        Command::Cert(CertCommand::Issue(args)) => issue(args, ctx, &client()?),
        Command::Cert(CertCommand::Renew(args)) => renew::renew(args, ctx, &client()?),
        Command::Cert(CertCommand::Revoke(args)) => revoke(args, ctx, &client()?),
        Command::Cert(CertCommand::Release(args)) => release(args, ctx, &client()?),
        Command::Crl(CrlCommand::Generate(args)) => crl_generate(args, ctx, &client()?),
        Command::Seal(SealCommand::Create(args)) => seal::create(args, ctx, &client()?),
        Command::Seal(SealCommand::Revoke(args)) => seal_revoke(args, ctx, &client()?),
        _ => Err(hinted(
            "this command is not offered over --ca",
            "through the server: cert issue (one or --batch), cert renew, cert revoke, cert release, crl generate, seal create, seal revoke; run other commands without --ca",
        )),
    }
}

fn seal_revoke(args: super::seal::RevokeArgs, ctx: &Context, client: &Client) -> Result<Outcome> {
    let super::seal::RevokeArgs { es_id, reason } = args;
    // A file when one exists at the path, else an esID (as locally); the file is checked here
    // as made by the service's CA before its esID is sent.
    let path = Path::new(&es_id);
    let es_id = if path.exists() {
        let bytes = common::read_file(path, "seal")?;
        ops::of_ca::seal_es_id(&client.ca_cert()?, path, &bytes)?
    } else {
        es_id
    };
    let body = Body::SealRevoke(SealRevokeBody { es_id, reason });
    // The seal's department and type are the server's: it answers with the asks.
    let answer = client.call(ctx, &body, vec!["seal.revoke dept/_/seal/_".into()])?;
    let json = &answer.answer;
    if ctx.out.is_json() {
        ctx.out.json(json)?;
    } else {
        ctx.out.info(&format!(
            "revoked seal `{}` ({})",
            text(json, "es_id"),
            text(json, "reason")
        ));
        ctx.out
            .info("publish the change with `govpki seal status-list`");
    }
    Ok(Outcome::Success)
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn issue(args: IssueArgs, ctx: &Context, client: &Client) -> Result<Outcome> {
    let IssueArgs {
        profile,
        subject,
        csr,
        key_out,
        algorithm,
        san,
        validity,
        not_before,
        not_after,
        out,
        der,
        force,
        ca_key,
        key,
        path_len,
        permit_dns,
        permit_dn,
        batch,
        out_dir,
    } = args;
    if let Some(batch) = batch {
        return batch::issue(
            batch::Job {
                batch,
                out_dir,
                algorithm,
                key,
                force,
                passphrase_file: ca_key.passphrase_file,
                single: profile.is_some()
                    || subject.is_some()
                    || csr.is_some()
                    || key_out.is_some()
                    || !san.is_empty()
                    || validity.is_some()
                    || out.is_some()
                    || der,
                sub_ca: path_len.is_some() || !permit_dns.is_empty() || !permit_dn.is_empty(),
            },
            ctx,
            client,
        );
    }
    if out_dir.is_some() {
        bail!("--out-dir is for --batch; use --out for one certificate");
    }
    if path_len.is_some() || !permit_dns.is_empty() || !permit_dn.is_empty() {
        bail!(
            "sub-ca constraints (--path-len, --permit-dns, --permit-dn) are not offered over --ca"
        );
    }
    if ca_key.passphrase_file.is_some() {
        bail!("--passphrase-file is the server's: the CA key stays there");
    }
    if not_before.is_some() || not_after.is_some() {
        bail!("--not-before and --not-after are not offered over --ca; pass --validity");
    }
    let profile_name = profile.unwrap_or_default();
    let parsed: Profile = profile_name.parse()?;
    let dn = subject
        .as_deref()
        .map(|s| Dn::parse(s).with_context(|| format!("--subject `{s}`")))
        .transpose()?;
    let sans = super::cert::parse_sans(&san)?;
    let period = validity
        .as_deref()
        .map(when::parse_duration)
        .transpose()?
        .unwrap_or_else(|| ops::issue::default_validity(parsed));
    if let Some(o) = &out {
        common::check_output_free(o, force)?;
        if key_out
            .as_ref()
            .is_some_and(|k| super::cert::same_file_path(k, o))
        {
            bail!("--out and --key-out name the same file `{}`", o.display());
        }
    }
    // The CSR: given, or made here from a key generated and written here.
    let (csr_bytes, generated) = match (&csr, &key_out) {
        (Some(path), None) => {
            if key.given() {
                bail!(
                    "--key-passphrase-file and --no-key-passphrase apply to --key-out, not --csr"
                );
            }
            (common::read_file(path, "CSR")?, None)
        }
        (None, Some(key_out)) => {
            common::check_output_free(key_out, force)?;
            let Some(dn) = dn.clone() else {
                bail!("--subject is required with --key-out");
            };
            let protection = key.protection("new key")?;
            let unencrypted = matches!(
                protection.key_protection(),
                ops::issue::KeyProtection::Unencrypted
            );
            let pem = ops::csr::create(
                &ops::csr::Request {
                    subject: dn,
                    sans: sans.clone(),
                    algorithm,
                    key_out: key_out.clone(),
                    protection: protection.key_protection(),
                    out: None,
                    force,
                },
                &SystemRandom,
            )?;
            (pem.into_bytes(), Some((key_out.clone(), unencrypted)))
        }
        (None, None) => return Err(ops::issue::no_public_key()),
        (Some(_), Some(_)) => bail!("--csr and --key-out cannot be used together"),
    };
    // Checked as the server checks it, so the operator signs the ask the server derives.
    let prepared = ops::issue::prepare(ops::issue::Request {
        profile: parsed,
        subject: dn,
        sans,
        validity: period,
        sub_ca: Default::default(),
        key: ops::issue::KeySource::Csr {
            path: csr.clone().unwrap_or_else(|| PathBuf::from("csr")),
            bytes: csr_bytes.clone(),
        },
    });
    let result = prepared.map_err(anyhow::Error::from).and_then(|prepared| {
        let ask = ops::issue::ask(prepared.subject(), prepared.profile());
        let body = Body::Issue(IssueBody {
            csr: B64.encode(&csr_bytes),
            profile: profile_name.clone(),
            subject: subject.clone(),
            sans: san.clone(),
            validity: validity.clone(),
        });
        let answer = client.call(ctx, &body, govern::ask_texts(&[ask]))?;
        // Checked before anything is written: the CA's, for the key sent, as asked.
        let cert_der = ops::of_ca::answered_certificate(
            &client.ca_cert()?,
            text(&answer.answer, "pem"),
            &ops::of_ca::Asked {
                spki_der: Some(prepared.spki_der()),
                subject: Some(prepared.subject()),
                sans: Some(prepared.sans()),
                ca: prepared.profile().is_ca(),
            },
        )?;
        Ok((answer, cert_der))
    });
    let (answer, cert_der) = match result {
        Ok(a) => a,
        Err(e) => {
            // Nothing was issued: the key made for it goes (as a failed local issue removes it).
            if let Some((path, _)) = &generated {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
    };
    let mut json = answer.answer;
    let pem = text(&json, "pem").to_string();
    if let Some(o) = &out {
        let data = if der {
            cert_der.clone()
        } else {
            pem.clone().into_bytes()
        };
        common::write_output(o, &data, false, force)?;
    }
    let path_text = |p: &Option<PathBuf>| {
        p.as_ref()
            .map_or(Value::Null, |p| Value::String(p.display().to_string()))
    };
    json["out"] = path_text(&out);
    json["key_out"] = path_text(&key_out);
    if ctx.out.is_json() {
        ctx.out.json(&json)?;
        return Ok(Outcome::Success);
    }
    ctx.out.info(&format!(
        "issued {} certificate {} for `{}`, valid until {}",
        parsed,
        text(&json, "serial"),
        text(&json, "subject"),
        text(&json, "not_after")
    ));
    if generated
        .as_ref()
        .is_some_and(|(_, unencrypted)| *unencrypted)
    {
        ctx.out
            .warn("the new key is stored unencrypted (--no-key-passphrase)");
    }
    if out.is_none() {
        if der {
            ctx.out.bytes(&cert_der)?;
        } else {
            ctx.out.data(&pem)?;
        }
    }
    Ok(Outcome::Success)
}

/// The client's guess of the revocation asks: the departments are the server's, which answers
/// with the asks it derives when they differ.
fn revoke_guess(serials: &[Serial]) -> Vec<String> {
    serials
        .iter()
        .map(|s| format!("cert.revoke dept/_/cert/{}", s.to_hex()))
        .collect()
}

fn serials_of(list: &[String], from_file: Option<&Path>) -> Result<Vec<Serial>> {
    super::cert::read_serials(list, from_file)
}

fn revoke(args: RevokeArgs, ctx: &Context, client: &Client) -> Result<Outcome> {
    let RevokeArgs {
        serials,
        from_file,
        reason,
        invalidity_date,
    } = args;
    // Each argument that names a file is a certificate of the service's CA (issuer and
    // signature checked here against the CA certificate the server serves), sent as its serial.
    let mut listed = Vec::with_capacity(serials.len());
    for a in serials {
        let path = Path::new(&a);
        if path.exists() {
            let bytes = common::read_file(path, "certificate")?;
            let serial = ops::of_ca::certificate_serial(&client.ca_cert()?, path, &bytes)?;
            listed.push(serial.to_hex());
        } else {
            listed.push(a);
        }
    }
    let serials = serials_of(&listed, from_file.as_deref())?;
    let invalidity = invalidity_date
        .as_deref()
        .map(when::parse_time)
        .transpose()?;
    // Refused here as locally (removeFromCRL, an invalidity date in the future).
    ops::revoke::Request::new(serials.clone(), reason, invalidity, ctx.now)?;
    let body = Body::Revoke(RevokeBody {
        serials: serials.iter().map(Serial::to_hex).collect(),
        reason: Some(reason.name().to_string()),
        invalidity: invalidity.map(rfc3339),
    });
    let answer = client.call(ctx, &body, revoke_guess(&serials))?;
    let json = &answer.answer;
    if ctx.out.is_json() {
        ctx.out.json(json)?;
    } else {
        for s in json
            .get("revoked")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            ctx.out.info(&format!(
                "revoked {} ({})",
                s.as_str().unwrap_or_default(),
                text(json, "reason")
            ));
        }
        ctx.out
            .info("publish the change with `govpki crl generate`");
    }
    Ok(Outcome::Success)
}

fn release(args: ReleaseArgs, ctx: &Context, client: &Client) -> Result<Outcome> {
    let ReleaseArgs { serials } = args;
    let serials = serials_of(&serials, None)?;
    let body = Body::Release(ReleaseBody {
        serials: serials.iter().map(Serial::to_hex).collect(),
    });
    let answer = client.call(ctx, &body, revoke_guess(&serials))?;
    let json = &answer.answer;
    if ctx.out.is_json() {
        ctx.out.json(json)?;
    } else {
        for s in json
            .get("released")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            ctx.out.info(&format!(
                "released {} from hold",
                s.as_str().unwrap_or_default()
            ));
        }
    }
    Ok(Outcome::Success)
}

fn crl_generate(args: GenerateArgs, ctx: &Context, client: &Client) -> Result<Outcome> {
    let GenerateArgs {
        out,
        next_update,
        der,
        ca_key,
    } = args;
    if ca_key.passphrase_file.is_some() {
        bail!("--passphrase-file is the server's: the CA key stays there");
    }
    when::parse_duration(&next_update).with_context(|| "--next-update")?;
    let body = Body::CrlGenerate(CrlBody {
        next_update: Some(next_update),
    });
    // The CA's name in the policy is the server's: it answers with the ask when it differs.
    let answer = client.call(ctx, &body, vec!["crl.publish ca/_".into()])?;
    let mut json = answer.answer;
    let crl = B64
        .decode(text(&json, "crl"))
        .map_err(|e| anyhow!("the server's CRL is not base64: {e}"))?;
    let mut encoded = Vec::new();
    if der {
        encoded.extend_from_slice(&crl);
    } else {
        crate::store::files::write_pem(&mut encoded, "X509 CRL", &crl)?;
    }
    if let Some(o) = &out {
        // Publishing is replacing, as locally.
        common::write_output(o, &encoded, false, true)?;
    }
    if let Some(map) = json.as_object_mut() {
        map.remove("crl");
        map.insert(
            "out".into(),
            out.as_ref()
                .map_or(Value::Null, |o| Value::String(o.display().to_string())),
        );
    }
    if ctx.out.is_json() {
        ctx.out.json(&json)?;
    } else {
        ctx.out.info(&format!(
            "published CRL #{} with {} entries, next update {}",
            json.get("number")
                .and_then(Value::as_u64)
                .unwrap_or_default(),
            json.get("entries")
                .and_then(Value::as_u64)
                .unwrap_or_default(),
            text(&json, "next_update")
        ));
        if out.is_none() {
            ctx.out.bytes(&encoded)?;
        }
    }
    Ok(Outcome::Success)
}

/// An accepted request's answer.
struct Answer {
    /// The verb's `--json` object.
    answer: Value,
}

/// The server, authenticated by the anchor.
struct Client {
    https: Https,
    /// The CA certificate, fetched once.
    ca: std::cell::OnceCell<Vec<u8>>,
}

impl Client {
    fn new(remote: &RemoteCa, now: time::OffsetDateTime) -> Result<Client> {
        Ok(Client {
            https: Https::new(&remote.url, &remote.trust, now)?,
            ca: std::cell::OnceCell::new(),
        })
    }

    fn exchange(&self, method: &str, path: &str, body: Option<&[u8]>) -> Result<(u16, Vec<u8>)> {
        self.https.exchange(method, path, body)
    }

    /// The CA certificate the server serves (over the connection authenticated by
    /// `--ca-trust`), fetched once per command.
    fn ca_cert(&self) -> Result<Vec<u8>> {
        if let Some(ca) = self.ca.get() {
            return Ok(ca.clone());
        }
        let (status, body) = self.exchange("GET", "/ca.der", None)?;
        if status != 200 {
            bail!("the server answered {status} for its CA certificate");
        }
        Ok(self.ca.get_or_init(|| body).clone())
    }

    /// Signs `body` with `asks` as the operator and posts it; when the server derives other
    /// asks, shows them and signs once more with them.
    fn call(&self, ctx: &Context, body: &Body, asks: Vec<String>) -> Result<Answer> {
        let (Some(cert_path), Some(key_path)) = (&ctx.operator, &ctx.operator_key) else {
            return Err(hinted(
                "a request to the CA service is signed by an operator",
                "pass --as OPERATOR_CERT --as-key OPERATOR_KEY",
            ));
        };
        let operator = read_cert(cert_path)?;
        let key = common::load_key_with(
            key_path,
            ctx.operator_passphrase_file.as_deref(),
            "--as-passphrase-file",
        )?;
        let ca = self.ca_cert()?;
        let path = verb_path(body);
        // What the CA is to do, derived as the server derives it, signed with the request
        // (request statement v2) so the audit log can hold the acts to it.
        let operative =
            ops::remote::operative(body).map_err(|e| anyhow!("the request cannot be made: {e}"))?;
        let mut asks = asks;
        for round in 0..2 {
            let nonce = ops::secrets::random16(&SystemRandom)?;
            let envelope = crate::api::sign_request_v2(
                &ca, &operator, &key, body, &asks, ctx.now, nonce, &operative,
            )
            .map_err(|e| anyhow!("signing the request: {e}"))?;
            let (status, answer) = self.exchange("POST", path, Some(&envelope))?;
            let json: Value = serde_json::from_slice(&answer).map_err(|_| {
                anyhow!(
                    "the server answered {status} with no JSON: `{}`",
                    String::from_utf8_lossy(&answer[..answer.len().min(200)])
                )
            })?;
            if status == 200 {
                for w in json
                    .get("warnings")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    ctx.out.warn(w.as_str().unwrap_or_default());
                }
                for a in json
                    .get("allowed")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    ctx.out.debug(&format!(
                        "policy allows {} on `{}` ({})",
                        text(a, "action"),
                        text(a, "resource"),
                        text(a, "rule")
                    ));
                }
                let answer = json.get("answer").cloned().unwrap_or(Value::Null);
                return Ok(Answer { answer });
            }
            if status == 400
                && round == 0
                && let Some(derived) = json.get("asks").and_then(Value::as_array)
            {
                asks = derived
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_string))
                    .collect();
                ctx.out.debug(&format!(
                    "the server derives the asks: {}; signing them",
                    asks.join("; ")
                ));
                continue;
            }
            return Err(refusal(status, &json));
        }
        bail!("the server refused the asks it derived itself")
    }
}

/// The error of a refused request: a deny is a negative verdict (exit 1) with the server's
/// explanation; anything else is an error (exit 2) with the server's message and hint.
fn refusal(status: u16, json: &Value) -> anyhow::Error {
    let message = text(json, "error").to_string();
    // Every 403 is the server's `Denied`: a policy deny, or a CA no policy governs.
    if status == 403 {
        return anyhow::Error::new(ops::PolicyDenied {
            summary: message,
            explanation: text(json, "explanation").to_string(),
        });
    }
    let message = format!("the CA service refused the request ({status}): {message}");
    match json.get("hint").and_then(Value::as_str) {
        Some(hint) => hinted(message, hint),
        None => anyhow!(message),
    }
}

fn verb_path(body: &Body) -> &'static str {
    use crate::api::Verb;
    match body {
        Body::Issue(_) => Verb::Issue.path(),
        Body::Renew(_) => Verb::Renew.path(),
        Body::Revoke(_) => Verb::Revoke.path(),
        Body::Release(_) => Verb::Release.path(),
        Body::CrlGenerate(_) => Verb::CrlGenerate.path(),
        Body::SealCreate(_) => Verb::SealCreate.path(),
        Body::SealRevoke(_) => Verb::SealRevoke.path(),
    }
}

/// A certificate file, PEM or DER.
fn read_cert(path: &Path) -> Result<Vec<u8>> {
    let bytes = common::read_file(path, "operator certificate")?;
    Ok(match pem::parse(&bytes) {
        Ok(p) => p.into_contents(),
        Err(_) => bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_403_with_an_explanation_is_a_deny_and_other_refusals_are_errors() {
        let deny = refusal(
            403,
            &serde_json::json!({"error": "deny: x may not y", "explanation": "deny: ...\nroles"}),
        );
        assert!(deny.downcast_ref::<ops::PolicyDenied>().is_some());
        let replay = refusal(
            401,
            &serde_json::json!({"error": "a replay", "hint": "sign anew"}),
        );
        assert!(replay.downcast_ref::<ops::PolicyDenied>().is_none());
        assert!(replay.to_string().contains("401"), "{replay}");
    }
}
