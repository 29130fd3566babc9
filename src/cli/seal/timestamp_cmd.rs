//! `govpki seal timestamp`: the RFC 3161 request of a sealed signature, and embedding the token.

use super::*;
use crate::ops::seal::timestamp as ops_ts;

pub(super) const TIMESTAMP_LONG: &str = "\
Time-stamp a sealed signature (CAdES-B-T): a time-stamp authority (TSA) attests that the
signature existed at its genTime, so `seal verify` judges the signer and the seal at that proven
time instead of the time the signer claims. govpki does not talk to the TSA; it takes two steps:

1. --query-out REQ.tsq writes an RFC 3161 TimeStampReq (DER) for the signature: messageImprint
   SHA-256 of the SignerInfo's signature value (RFC 3161 Appendix A), a random 64-bit nonce,
   certReq true. Send it to the TSA, e.g. with curl.
2. --response RESP.tsr reads the TSA's TimeStampResp (DER), requires status granted (or
   grantedWithMods), checks that the token is for this signature (messageImprint) and for this
   request (nonce, with --query REQ.tsq), verifies the token's signature, and, with --trust,
   that the TSA certificate chains to those anchors at genTime with the timeStamping EKU. The
   token is then embedded as the unsigned attribute signatureTimeStampToken
   (1.2.840.113549.1.9.16.2.14) and SIG.p7s is replaced atomically. The signed part is untouched:
   the signature verifies as before. A signature that already carries a time-stamp needs --force
   (the old one is replaced). On any refusal the file is unchanged.

With --json: {signature, query, imprint_algorithm, imprint, nonce} for --query-out;
{signature, gen_time, tsa, serial, policy, tsa_chain_checked} for --response.

EXAMPLES:
    govpki seal timestamp notice.pdf.p7s --query-out notice.tsq
    curl -sS -H 'Content-Type: application/timestamp-query' \\
        --data-binary @notice.tsq https://tsa.example/ -o notice.tsr
    govpki seal timestamp notice.pdf.p7s --response notice.tsr \\
        --query notice.tsq --trust tsa-root.pem
    govpki seal verify notice.pdf --trust root.pem --trust tsa-root.pem

EXIT CODES:
    0  request written, or time-stamp embedded
    1  refused (response not granted, token for another signature or request, bad token
       signature, TSA not trusted under --trust)
    2  an error (unreadable or malformed signature or response, existing output or time-stamp
       without --force)";

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("step").required(true).args(["query_out", "response"])))]
pub struct TimestampArgs {
    /// The sealed signature (.p7s, DER or PEM)
    #[arg(value_name = "SIG.p7s")]
    pub sig: PathBuf,
    /// Step 1: write a time-stamp request (DER TimeStampReq) for the signature here
    #[arg(long, value_name = "REQ.tsq")]
    pub query_out: Option<PathBuf>,
    /// Step 2: embed the token of this TSA response (DER TimeStampResp) into the signature
    #[arg(long, value_name = "RESP.tsr")]
    pub response: Option<PathBuf>,
    /// The request the response answers: its nonce must be the token's
    #[arg(long, value_name = "REQ.tsq", requires = "response")]
    pub query: Option<PathBuf>,
    /// Trust anchors the TSA certificate must chain to (PEM bundle; repeatable) [default: the chain is not checked]
    #[arg(long, value_name = "FILE", requires = "response")]
    pub trust: Vec<PathBuf>,
    /// More intermediate certificates for the TSA's chain (PEM bundle; repeatable)
    #[arg(long, value_name = "FILE", requires = "trust")]
    pub untrusted: Vec<PathBuf>,
    /// A CRL for the TSA's chain (PEM or DER; repeatable)
    #[arg(long, value_name = "FILE", requires = "trust")]
    pub crl: Vec<PathBuf>,
    /// Replace an existing REQ.tsq, or an existing time-stamp in the signature
    #[arg(long)]
    pub force: bool,
}

pub(super) fn timestamp_cmd(args: TimestampArgs, ctx: &Context) -> Result<Outcome> {
    let TimestampArgs {
        sig,
        query_out,
        response,
        query,
        trust,
        untrusted,
        crl,
        force,
    } = args;
    if let Some(out) = query_out {
        let written = ops_ts::write_query(&sig, &out, force, &crate::ops::SystemRandom)?;
        return report_query(ctx, &written);
    }
    // clap's `step` group guarantees one of the two.
    let Some(response) = response else {
        return Err(ops_ts::no_step());
    };
    let request = ops_ts::EmbedRequest {
        sig,
        response,
        query,
        trust,
        untrusted,
        crls: crl,
        force,
    };
    let warn = |w: &str| ctx.out.warn(w);
    match ops_ts::embed_response(&request, ctx.now, &warn)? {
        ops_ts::Stamped::Refused(refusal) => refused(ctx, &refusal),
        ops_ts::Stamped::Embedded(embedded) => report_embedded(ctx, &embedded),
    }
}

fn report_query(ctx: &Context, written: &ops_ts::QueryWritten) -> Result<Outcome> {
    if ctx.out.is_json() {
        ctx.out.json(written)?;
    } else {
        ctx.out.data(&format!(
            "wrote the time-stamp request for `{}` to `{}` (sha256 imprint {})\n",
            written.signature.display(),
            written.query.display(),
            written.imprint
        ))?;
        ctx.out.info(&format!(
            "send it to your TSA, e.g.: curl -sS -H 'Content-Type: application/timestamp-query' --data-binary @{} https://tsa.example/ -o RESP.tsr",
            written.query.display()
        ));
    }
    Ok(Outcome::Success)
}

fn report_embedded(ctx: &Context, embedded: &ops_ts::Embedded) -> Result<Outcome> {
    if ctx.out.is_json() {
        ctx.out.json(embedded)?;
    } else {
        ctx.out.data(&format!(
            "time-stamped `{}`: genTime {} by {} (serial {})\n",
            embedded.signature.display(),
            format_time(embedded.gen_time),
            embedded.tsa,
            embedded.serial
        ))?;
        if !embedded.tsa_chain_checked {
            ctx.out.info(
                "the TSA's certificate chain was not checked (no --trust); `seal verify` checks it",
            );
        }
    }
    Ok(Outcome::Success)
}
