//! `seal create --ca URL`: the holder certificates, the picture and the seal's values are sent
//! (the files' bytes); the server makes the seal with the CA key it holds, as the local verb
//! does without `--authority-cert`, records and audits it, and answers with the seal, which is
//! written here. Prints what the local verb prints (text and `--json`).

use anyhow::{Context as _, Result, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use super::{Client, text};
use crate::api::{Body, SealCreateBody};
use crate::cli::seal::CreateArgs;
use crate::cli::{Context, Outcome, common};
use crate::ops::govern;
use crate::seal::SealType;

pub(super) fn create(args: CreateArgs, ctx: &Context, client: &Client) -> Result<Outcome> {
    let CreateArgs {
        name,
        seal_type,
        department,
        holder_cert,
        image,
        render,
        image_size,
        valid_from,
        valid_until,
        holder_trust,
        out,
        force,
        authority_cert,
        authority_key,
        passphrase_file,
    } = args;
    if authority_cert.is_some() || authority_key.is_some() {
        bail!(
            "--authority-cert and --authority-key are not offered over --ca: the server makes seals with the CA key it holds"
        );
    }
    if passphrase_file.is_some() {
        bail!("--passphrase-file is the server's: the CA key stays there");
    }
    // --render is the default without --image.
    let _ = render;
    let parsed: SealType = seal_type
        .parse()
        .with_context(|| format!("--type `{seal_type}`"))?;
    let image_size_mm = image_size
        .as_deref()
        .map(crate::cli::seal::parse_size)
        .transpose()?;
    common::check_output_free(&out, force)?;
    let encode = |path: &std::path::Path, what: &str| {
        common::read_file(path, what).map(|bytes| B64.encode(bytes))
    };
    let holders = holder_cert
        .iter()
        .map(|p| encode(p, "holder certificate"))
        .collect::<Result<Vec<_>>>()?;
    let holder_trust = holder_trust
        .iter()
        .map(|p| encode(p, "holder trust"))
        .collect::<Result<Vec<_>>>()?;
    let image = image
        .as_deref()
        .map(|p| encode(p, "seal image"))
        .transpose()?;
    let ask = crate::ops::seal::create::ask_for(&department, parsed);
    let body = Body::SealCreate(SealCreateBody {
        name,
        seal_type,
        department,
        holders,
        image,
        image_size_mm,
        valid_from,
        valid_until,
        holder_trust,
    });
    let answer = client.call(ctx, &body, govern::ask_texts(&[ask]))?;
    let mut json = answer.answer;
    let seal = B64
        .decode(text(&json, "seal"))
        .map_err(|e| anyhow!("the server's seal is not base64: {e}"))?;
    common::write_output(&out, &seal, false, force).with_context(|| {
        format!(
            "seal `{}` is recorded by the CA service, but its file was not written",
            text(&json, "es_id")
        )
    })?;
    if let Some(map) = json.as_object_mut() {
        map.remove("seal");
        map.insert("out".into(), Value::String(out.display().to_string()));
    }
    if ctx.out.is_json() {
        ctx.out.json(&json)?;
    } else {
        let holders = json
            .get("holders")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        ctx.out.info(&format!(
            "made {} seal `{}` ({}) esID {}, valid {} .. {}, for {} holder(s), into `{}`",
            text(&json, "type_zh"),
            text(&json, "name"),
            text(&json, "department"),
            text(&json, "es_id"),
            text(&json, "valid_from"),
            text(&json, "valid_until"),
            holders,
            out.display()
        ));
    }
    Ok(Outcome::Success)
}
