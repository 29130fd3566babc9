//! `govpki cert release`: certificates on hold become valid again.

use anyhow::Result;
use serde_json::json;

use crate::cli::common::OpenCa;
use crate::cli::govern;
use crate::cli::{Context, Outcome};

use super::revoke::{read_serials, revoke_asks};
use super::*;

pub(super) fn release(args: ReleaseArgs, ctx: &Context) -> Result<Outcome> {
    let ReleaseArgs { serials } = args;
    let serials = read_serials(&serials, None)?;
    let mut open = OpenCa::open(&ctx.home)?;
    let asks = revoke_asks(&open, &serials, ctx)?;
    let actor = govern::authorize(ctx, &mut open, &asks)?;
    open.store.release_hold(&serials, &actor, ctx.now)?;
    if ctx.out.is_json() {
        ctx.out
            .json(&json!({ "released": serials.iter().map(|s| s.to_hex()).collect::<Vec<_>>() }))?;
    } else {
        for s in &serials {
            ctx.out.info(&format!("released {} from hold", s.to_hex()));
        }
    }
    Ok(Outcome::Success)
}
