//! `govpki cert list`.

use anyhow::Result;

use crate::ca::profile::Profile;
use crate::ca::when::{self};
use crate::cli::common::OpenCa;
use crate::cli::{Context, Outcome};
use crate::store::ListFilter;

use super::*;

pub(super) fn list(args: ListArgs, ctx: &Context) -> Result<Outcome> {
    let ListArgs {
        status,
        department,
        profile,
        expiring,
    } = args;
    if let Some(p) = &profile {
        p.parse::<Profile>()?;
    }
    let expiring_before = expiring
        .as_deref()
        .map(when::parse_duration)
        .transpose()?
        .map(|d| ctx.now + d);
    let open = OpenCa::open(&ctx.home)?;
    let rows = open.store.list(
        &ListFilter {
            status: status.as_deref().map(str::parse).transpose()?,
            department,
            profile,
            expiring_before,
        },
        ctx.now,
    )?;
    if ctx.out.is_json() {
        ctx.out.json(&rows)?;
    } else {
        let mut text = String::new();
        for r in &rows {
            text.push_str(&format!(
                "{:<34} {:<8} {:<10} {}  {}\n",
                r.serial,
                r.status,
                r.profile,
                &r.not_after[..10.min(r.not_after.len())],
                r.subject
            ));
        }
        ctx.out.data(&text)?;
        ctx.out.info(&format!("{} certificate(s)", rows.len()));
    }
    Ok(Outcome::Success)
}
