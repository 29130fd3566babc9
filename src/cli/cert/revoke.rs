//! `govpki cert revoke`, and the serial lists and policy asks `cert release` shares.

use std::path::Path;

use anyhow::{Context as _, Result, bail};

use crate::ca::crl::Reason;
use crate::ca::serial::Serial;
use crate::ca::when::{self};
use crate::cli::common::{self, OpenCa};
use crate::cli::{Context, Outcome};
use crate::ops::govern;

use crate::ops;

use super::*;

pub(crate) fn read_serials(
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
        // Refused before the serials are read, as before.
        ops::revoke::Request::new(vec![], reason, None, ctx.now)?;
    }
    let invalidity = invalidity_date
        .as_deref()
        .map(when::parse_time)
        .transpose()?;
    let mut open = OpenCa::open(&ctx.home)?;
    let serials = serials_or_files(&open, &serials, ctx)?;
    let serials = read_serials(&serials, from_file.as_deref())?;
    let req = ops::revoke::Request::new(serials, reason, invalidity, ctx.now)?;
    let asks = revoke_asks(&open, req.serials(), ctx)?;
    let authorized = govern::authorize(&ctx.governance(), &mut open, &asks, None)?;
    ctx.out.allowed(&authorized.allowed);
    let actor = authorized.actor;
    let revoked = ops::revoke::revoke(&mut open, &req, &actor, ctx.now)?;
    if ctx.out.is_json() {
        ctx.out.json(&revoked)?;
    } else {
        for s in &revoked.revoked {
            ctx.out.info(&format!("revoked {s} ({})", revoked.reason));
        }
        ctx.out
            .info("publish the change with `govpki crl generate`");
    }
    Ok(Outcome::Success)
}

/// Each argument that names an existing file is a certificate this CA issued (PEM or DER), and
/// stands for its serial (a certificate of another CA is refused, naming the file); the others
/// are hex serials.
fn serials_or_files(open: &OpenCa, args: &[String], ctx: &Context) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(args.len());
    for a in args {
        let path = Path::new(a);
        if path.exists() {
            let bytes = common::read_file(path, "certificate")?;
            let (serial, _) = ops::renew::own_certificate(open, path, &bytes, ctx.now)?;
            out.push(serial.to_hex());
        } else {
            out.push(a.clone());
        }
    }
    Ok(out)
}

/// `cert.revoke` on `dept/<OU>/cert/<serial>` for each serial (releasing a hold is part of
/// revocation management and asks the same).
pub(super) fn revoke_asks(
    open: &OpenCa,
    serials: &[Serial],
    ctx: &Context,
) -> Result<Vec<govern::Ask>> {
    let departments = ops::revoke::departments(open, serials, ctx.now)?;
    let mut asks = Vec::with_capacity(serials.len());
    for (s, dept) in serials.iter().zip(departments) {
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
