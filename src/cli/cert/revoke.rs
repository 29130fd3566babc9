//! `govpki cert revoke`, and the serial lists and policy asks `cert release` shares.

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use serde_json::json;

use crate::ca::crl::Reason;
use crate::ca::serial::Serial;
use crate::ca::when::{self, rfc3339};
use crate::cli::common::{self, OpenCa};
use crate::cli::govern;
use crate::cli::{Context, Outcome, hinted};
use crate::store::Revocation;

use super::*;

pub(super) fn read_serials(
    args_serials: &[String],
    from_file: Option<&Path>,
) -> Result<Vec<Serial>> {
    let mut out = Vec::new();
    for s in args_serials {
        out.push(s.parse::<Serial>()?);
    }
    if let Some(f) = from_file {
        let bytes = common::read_file(f, "serial list")?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("reading serial list `{}`: not UTF-8", f.display()))?;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            out.push(line.parse::<Serial>().with_context(|| {
                format!("reading serial list `{}` line {}", f.display(), i + 1)
            })?);
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.clone()));
    if out.is_empty() {
        match from_file {
            Some(f) => bail!("serial list `{}` holds no serial numbers", f.display()),
            None => bail!("no serial numbers given"),
        }
    }
    Ok(out)
}

pub(super) fn revoke(args: RevokeArgs, ctx: &Context) -> Result<Outcome> {
    let RevokeArgs {
        serials,
        from_file,
        reason,
        invalidity_date,
    } = args;
    if reason == Reason::RemoveFromCrl {
        return Err(hinted(
            "removeFromCRL is not a revocation reason",
            "release a certificate on hold with `govpki cert release SERIAL`",
        ));
    }
    let serials = read_serials(&serials, from_file.as_deref())?;
    let invalidity = invalidity_date
        .as_deref()
        .map(when::parse_time)
        .transpose()?;
    if invalidity.is_some_and(|t| t > ctx.now) {
        bail!("--invalidity-date is in the future");
    }
    let mut open = OpenCa::open(&ctx.home)?;
    let asks = revoke_asks(&open, &serials, ctx)?;
    let actor = govern::authorize(ctx, &mut open, &asks)?;
    let revs: Vec<Revocation> = serials
        .iter()
        .map(|s| Revocation {
            serial: s.clone(),
            reason,
            invalidity,
        })
        .collect();
    open.store.revoke(&revs, &actor, ctx.now)?;
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "revoked": serials.iter().map(|s| s.to_hex()).collect::<Vec<_>>(),
            "reason": reason.name(),
            "revoked_at": rfc3339(ctx.now),
        }))?;
    } else {
        for s in &serials {
            ctx.out
                .info(&format!("revoked {} ({})", s.to_hex(), reason.name()));
        }
        ctx.out
            .info("publish the change with `govpki crl generate`");
    }
    Ok(Outcome::Success)
}

/// `cert.revoke` on `dept/<OU>/cert/<serial>` for each serial (releasing a hold is part of
/// revocation management and asks the same).
pub(super) fn revoke_asks(
    open: &OpenCa,
    serials: &[Serial],
    ctx: &Context,
) -> Result<Vec<govern::Ask>> {
    let mut asks = Vec::with_capacity(serials.len());
    for s in serials {
        let dept = open.store.get(s, ctx.now)?.and_then(|r| r.department);
        asks.push(govern::Ask::new(
            "cert.revoke",
            format!(
                "dept/{}/cert/{}",
                govern::segment(dept.as_deref()),
                s.to_hex()
            ),
        ));
    }
    Ok(asks)
}
