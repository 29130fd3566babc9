//! `govpki seal revoke`: revoke a seal this home's CA made.

use super::*;

pub(super) const REVOKE_LONG: &str = "\
Revoke a seal this home's CA made, by esID or by its seal file (.esl; the store must hold exactly
that seal, else exit 2 naming the file): it is marked revoked in the store now (audited as seal.revoke).
`seal sign` refuses it at once in this home; others learn it from the seal status list, so publish
one with `govpki seal status-list`. Signatures made before the revocation stay valid. With --ca
URL, a seal file is checked on the client (its authority's signature, by the service's CA
certificate or one that CA issued) and its esID is sent.

EXAMPLES:
    govpki seal revoke 3f2a9c...e1 --reason 印章遗失
    govpki seal revoke 3f2a9c...e1 --reason superseded
    govpki seal revoke official.esl --reason 印章遗失
    govpki --ca https://ca.lyg.gov.cn:8443 --as sunqi.pem --as-key sunqi.key \\
        seal revoke official.esl --reason 印章遗失

EXIT CODES:
    0  revoked
    2  an error (unknown esID, already revoked, a seal file of another CA)";

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The seal's esID, or its seal file (.esl)
    #[arg(value_name = "ESID|FILE")]
    pub es_id: String,
    /// Why (free text, e.g. lost, superseded, 印章遗失)
    #[arg(long, value_name = "REASON", default_value = "unspecified")]
    pub reason: String,
}

pub(super) fn revoke(args: RevokeArgs, ctx: &Context) -> Result<Outcome> {
    let RevokeArgs { es_id, reason } = args;
    let path = std::path::Path::new(&es_id);
    // A file when one exists at the path, else an esID (as `seal show`).
    let es_id = if path.exists() {
        let bytes = crate::ops::common::read_file(path, "seal")?;
        crate::ops::seal::revoke::es_id_of_file(&ctx.home, path, &bytes)?
    } else {
        es_id
    };
    let revoked = crate::ops::seal::revoke::revoke(&ctx.home, &es_id, &reason, &ctx.governance())?;
    ctx.out.allowed(&revoked.allowed);
    if ctx.out.is_json() {
        ctx.out.json(&revoked)?;
    } else {
        ctx.out.info(&format!(
            "revoked seal `{}` ({})",
            revoked.es_id, revoked.reason
        ));
        ctx.out
            .info("publish the change with `govpki seal status-list`");
    }
    Ok(Outcome::Success)
}
