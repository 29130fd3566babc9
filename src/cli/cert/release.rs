//! `govpki cert release`: certificates on hold become valid again.

use anyhow::Result;
use serde_json::json;

use crate::cli::common::OpenCa;
use crate::cli::{Context, Outcome};
use crate::ops::govern;

use super::revoke::{read_serials, revoke_asks};
use super::*;

pub(super) fn release(args: ReleaseArgs, ctx: &Context) -> Result<Outcome> {
    let ReleaseArgs { serials } = args;
    let serials = read_serials(&serials, None)?;
    let mut open = OpenCa::open(&ctx.home)?;
    let asks = revoke_asks(&open, &serials, ctx)?;
    let authorized = govern::authorize(&ctx.governance(), &mut open, &asks, None)?;
    ctx.out.allowed(&authorized.allowed);
    let actor = authorized.actor;
    let released = crate::ops::revoke::release(&mut open, &serials, &actor, ctx.now)?;
    if ctx.out.is_json() {
        ctx.out.json(&json!({ "released": released }))?;
    } else {
        for s in &released {
            ctx.out.info(&format!("released {s} from hold"));
        }
    }
    Ok(Outcome::Success)
}
