//! `govpki seal revoke`: revoke a seal this home's CA made.

use super::*;

pub(super) const REVOKE_LONG: &str = "\
Revoke a seal this home's CA made: it is marked revoked in the store now (audited as seal.revoke).
`seal sign` refuses it at once in this home; others learn it from the seal status list, so publish
one with `govpki seal status-list`. Signatures made before the revocation stay valid.

EXAMPLES:
    govpki seal revoke 3f2a9c...e1 --reason 印章遗失
    govpki seal revoke 3f2a9c...e1 --reason superseded

EXIT CODES:
    0  revoked
    2  an error (unknown esID, already revoked)";

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The seal's esID
    #[arg(value_name = "ESID")]
    pub es_id: String,
    /// Why (free text, e.g. lost, superseded, 印章遗失)
    #[arg(long, value_name = "R", default_value = "unspecified")]
    pub reason: String,
}

// ---------------------------------------------------------------------------------------------
// seal revoke, seal status-list

pub(super) fn revoke(args: RevokeArgs, ctx: &Context) -> Result<Outcome> {
    let RevokeArgs { es_id, reason } = args;
    let reason = reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 200 || reason.chars().any(char::is_control) {
        bail!("--reason must be 1 to 200 characters without control characters");
    }
    let mut open = OpenCa::open(&ctx.home)?;
    let row = open.store.seal(&es_id)?;
    let resource = format!(
        "dept/{}/seal/{}",
        govern::segment(row.as_ref().map(|r| r.record.department.as_str())),
        govern::segment(row.as_ref().map(|r| r.record.seal_type.as_str()))
    );
    let actor = govern::authorize(ctx, &mut open, &[govern::Ask::new("seal.revoke", resource)])?;
    open.store
        .revoke_seal(&es_id, &reason, &actor, ctx.now)
        .map_err(store_error)?;
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "es_id": es_id,
            "revoked_at": rfc3339(ctx.now),
            "reason": reason,
        }))?;
    } else {
        ctx.out.info(&format!("revoked seal `{es_id}` ({reason})"));
        ctx.out
            .info("publish the change with `govpki seal status-list`");
    }
    Ok(Outcome::Success)
}
