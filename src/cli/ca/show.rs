//! `ca show`: print the CA certificate or chain.

use super::*;

pub(super) const SHOW_LONG: &str = "\
Print this home's CA certificate as PEM, or with --chain the CA and every CA above it up to the
root. With --json, a summary with the PEM.

EXAMPLES:
    govpki ca show > ca.pem
    govpki ca show --chain > chain.pem
    govpki --json ca show

EXIT CODES:
    0  printed
    2  the home holds no CA";

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Print the whole chain up to the root
    #[arg(long)]
    pub chain: bool,
}

pub(super) fn show(args: ShowArgs, ctx: &Context) -> Result<Outcome> {
    let ShowArgs { chain } = args;
    let open = OpenCa::open(&ctx.home)?;
    let certs = if chain {
        open.chain()
    } else {
        vec![open.meta.cert_der.clone()]
    };
    if ctx.out.is_json() {
        let alg = key_algorithm_of(&open.meta.cert_der);
        let mut v = summary(&open.meta.cert_der, &certs, alg, open.meta.key_encrypted);
        v["crl_url"] = serde_json::json!(open.meta.crl_url);
        v["ocsp_url"] = serde_json::json!(open.meta.ocsp_url);
        v["policy"] = serde_json::json!(open.meta.policy);
        v["home"] = serde_json::json!(ctx.home.display().to_string());
        ctx.out.json(&v)?;
    } else {
        let text: String = certs.iter().map(|c| common::cert_pem(c)).collect();
        ctx.out.data(&text)?;
    }
    if let Some((number, _, next)) = open.store.last_crl()?
        && next < ctx.now
    {
        ctx.out.warn(&format!(
            "CRL #{number} expired at {}; run `govpki crl generate`",
            rfc3339(next)
        ));
    }
    Ok(Outcome::Success)
}
