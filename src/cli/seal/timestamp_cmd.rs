//! `govpki seal timestamp`: the RFC 3161 request of a sealed signature, and embedding the token.

use super::*;

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
    curl -sS -H 'Content-Type: application/timestamp-query' --data-binary @notice.tsq https://tsa.example/ -o notice.tsr
    govpki seal timestamp notice.pdf.p7s --response notice.tsr --query notice.tsq --trust tsa-root.pem
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
    #[arg(long, value_name = "F", requires = "response")]
    pub trust: Vec<PathBuf>,
    /// More intermediate certificates for the TSA's chain (PEM bundle; repeatable)
    #[arg(long, value_name = "F", requires = "trust")]
    pub untrusted: Vec<PathBuf>,
    /// A CRL for the TSA's chain (PEM or DER; repeatable)
    #[arg(long, value_name = "F", requires = "trust")]
    pub crl: Vec<PathBuf>,
    /// Replace an existing REQ.tsq, or an existing time-stamp in the signature
    #[arg(long)]
    pub force: bool,
}

// ---------------------------------------------------------------------------------------------
// seal timestamp

/// A `.p7s` as read: its DER, and the PEM label when it came as PEM (written back the same way).
fn read_p7s(path: &Path) -> Result<(Vec<u8>, Option<String>, SignatureFile)> {
    let bytes = files::read_limited(path, OBJECT_LIMIT)
        .with_context(|| format!("reading signature `{}`", path.display()))?;
    let sig = parse_signature(&bytes)
        .with_context(|| format!("reading signature `{}`", path.display()))?;
    if bytes.first() == Some(&0x30) {
        return Ok((bytes, None, sig));
    }
    // `parse_signature` accepted it as PEM: take the same block.
    let text = String::from_utf8_lossy(&bytes);
    let block = pem::parse_many(text.as_bytes())
        .ok()
        .and_then(|blocks| {
            blocks
                .into_iter()
                .find(|b| matches!(b.tag(), "PKCS7" | "CMS" | "PKCS #7 SIGNED DATA"))
        })
        .ok_or_else(|| anyhow!("reading signature `{}`: no PEM block", path.display()))?;
    Ok((
        block.contents().to_vec(),
        Some(block.tag().to_string()),
        sig,
    ))
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
    let (der, pem_label, parsed) = read_p7s(&sig)?;
    let signature = parsed.signer().signature.clone();

    if let Some(out) = query_out {
        let mut nonce = [0u8; 8];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
            .map_err(|_| anyhow!("the system random generator failed"))?;
        let request = timestamp::time_stamp_request(&signature, &nonce);
        common::write_output(&out, &request, false, force)?;
        let imprint = hex::encode(timestamp::REQUEST_DIGEST.digest(&signature));
        if ctx.out.is_json() {
            ctx.out.json(&json!({
                "signature": sig.display().to_string(),
                "query": out.display().to_string(),
                "imprint_algorithm": timestamp::REQUEST_DIGEST,
                "imprint": imprint,
                "nonce": hex::encode(nonce),
            }))?;
        } else {
            ctx.out.data(&format!(
                "wrote the time-stamp request for `{}` to `{}` (sha256 imprint {imprint})\n",
                sig.display(),
                out.display()
            ))?;
            ctx.out.info(&format!(
                "send it to your TSA, e.g.: curl -sS -H 'Content-Type: application/timestamp-query' --data-binary @{} https://tsa.example/ -o RESP.tsr",
                out.display()
            ));
        }
        return Ok(Outcome::Success);
    }

    // clap's `step` group guarantees one of the two.
    let Some(response) = response else {
        bail!("give --query-out REQ.tsq or --response RESP.tsr");
    };
    if parsed.signer().has_time_stamp_token && !force {
        return Err(hinted(
            format!("`{}` already carries a time-stamp", sig.display()),
            "pass --force to replace it",
        ));
    }
    let resp_bytes = common::read_file(&response, "time-stamp response")?;
    let resp = timestamp::parse_response(&resp_bytes)
        .with_context(|| format!("reading time-stamp response `{}`", response.display()))?;
    if !resp.status.granted() {
        let mut why = format!("the TSA did not grant the time-stamp: {}", resp.status);
        if !resp.status_text.is_empty() {
            why.push_str(&format!(" ({})", resp.status_text.join("; ")));
        }
        if !resp.fail_info.is_empty() {
            why.push_str(&format!(" [{}]", resp.fail_info.join(", ")));
        }
        return refused(ctx, &Refusal::new(why));
    }
    let Some(token) = resp.token else {
        return refused(
            ctx,
            &Refusal::new("the response is granted but carries no time-stamp token"),
        );
    };
    if let Some(q) = &query {
        let req = common::read_file(q, "time-stamp request")?;
        let asked = timestamp::request_nonce(&req)
            .with_context(|| format!("reading time-stamp request `{}`", q.display()))?;
        let got = timestamp::parse_token(&token)
            .ok()
            .and_then(|t| t.info.nonce);
        if asked != got {
            return refused(
                ctx,
                &Refusal::new(format!(
                    "the token does not answer the request `{}`: its nonce differs",
                    q.display()
                )),
            );
        }
    }
    let checker = if trust.is_empty() {
        None
    } else {
        let mut anchors = Vec::new();
        for t in &trust {
            anchors.extend(common::read_certs(t)?);
        }
        let mut intermediates = Vec::new();
        for u in &untrusted {
            intermediates.extend(common::read_certs(u)?);
        }
        let crls = read_crls(&crl)?;
        Some(
            AtTimeChecker::new(&anchors, &intermediates, &crls)
                .context("setting up the trust anchors")?,
        )
    };
    let check = timestamp::verify_token(
        &token,
        &signature,
        &parsed.certificates,
        checker
            .as_ref()
            .map(|c| c as &dyn crate::seal::ChainChecker),
        ctx.now,
    );
    let (stamp, chain_checked) = match check {
        TokenCheck::Valid {
            stamp,
            revocation_unknown,
            chain_checked,
        } => {
            if let Some(why) = revocation_unknown {
                ctx.out
                    .warn(&format!("the TSA's revocation was not checked: {why}"));
            }
            (stamp, chain_checked)
        }
        TokenCheck::Untrusted { stamp, reason } => {
            return refused(
                ctx,
                &Refusal::new(format!("the TSA `{}` is not trusted: {reason}", stamp.tsa)),
            );
        }
        TokenCheck::Invalid(why) | TokenCheck::Unsupported(why) => {
            return refused(ctx, &Refusal::new(why));
        }
    };
    let new_der = crate::seal::with_time_stamp_token(&der, &token, force)
        .with_context(|| format!("embedding the time-stamp into `{}`", sig.display()))?;
    let data = match &pem_label {
        None => new_der,
        Some(label) => pem::encode(&pem::Pem::new(label.clone(), new_der)).into_bytes(),
    };
    // Replacing the signature file is the point of the command: no --force needed for it.
    common::write_output(&sig, &data, false, true)?;
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "signature": sig.display().to_string(),
            "gen_time": format_time(stamp.gen_time),
            "tsa": stamp.tsa,
            "serial": stamp.serial,
            "policy": stamp.policy,
            "tsa_chain_checked": chain_checked,
        }))?;
    } else {
        ctx.out.data(&format!(
            "time-stamped `{}`: genTime {} by {} (serial {})\n",
            sig.display(),
            format_time(stamp.gen_time),
            stamp.tsa,
            stamp.serial
        ))?;
        if !chain_checked {
            ctx.out.info(
                "the TSA's certificate chain was not checked (no --trust); `seal verify` checks it",
            );
        }
    }
    Ok(Outcome::Success)
}
