//! `seal timestamp`: the two steps of time-stamping a sealed signature (RFC 3161). Step 1
//! writes the TimeStampReq for the signature ([`write_query`]); step 2 checks a TSA's response
//! (granted, for this signature and request, a sound token, a TSA trusted under the given
//! anchors at genTime) and embeds its token as the unsigned attribute
//! signatureTimeStampToken, replacing the signature file ([`embed_response`]). Does not talk
//! to the TSA; prints nothing: warnings go to a callback.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow};
use serde::Serialize;
use time::OffsetDateTime;

use super::{OBJECT_LIMIT, Refusal, read_crls};
use crate::ops::{Random, common, hinted};
use crate::seal::chain::AtTimeChecker;
use crate::seal::report::Stamp;
use crate::seal::timestamp::{self, TokenCheck};
use crate::seal::{DigestAlgorithm, SignatureFile, parse_signature};
use crate::store::files;

/// A `.p7s` as read: its DER, the PEM label when it came as PEM (written back the same way),
/// and the parsed signature.
struct P7s {
    der: Vec<u8>,
    pem_label: Option<String>,
    parsed: SignatureFile,
}

fn read_p7s(path: &Path) -> Result<P7s> {
    let bytes = files::read_limited(path, OBJECT_LIMIT)
        .with_context(|| format!("reading signature `{}`", path.display()))?;
    let parsed = parse_signature(&bytes)
        .with_context(|| format!("reading signature `{}`", path.display()))?;
    if bytes.first() == Some(&0x30) {
        return Ok(P7s {
            der: bytes,
            pem_label: None,
            parsed,
        });
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
    Ok(P7s {
        der: block.contents().to_vec(),
        pem_label: Some(block.tag().to_string()),
        parsed,
    })
}

// ---------------------------------------------------------------------------------------------
// Step 1

/// The request written. Serialises as `seal timestamp --query-out --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct QueryWritten {
    /// The messageImprint, hex.
    pub imprint: String,
    pub imprint_algorithm: DigestAlgorithm,
    /// The request's nonce, hex.
    pub nonce: String,
    #[serde(serialize_with = "super::ser::display_path")]
    pub query: PathBuf,
    #[serde(serialize_with = "super::ser::display_path")]
    pub signature: PathBuf,
}

/// Writes to `out` an RFC 3161 TimeStampReq for the signature in `sig`: the SHA-256 of its
/// signature value (RFC 3161 Appendix A), a random 64-bit nonce, certReq true.
pub fn write_query(
    sig: &Path,
    out: &Path,
    force: bool,
    rng: &dyn Random,
) -> crate::ops::Result<QueryWritten> {
    let p7s = read_p7s(sig)?;
    let signature = &p7s.parsed.signer().signature;
    let mut nonce = [0u8; 8];
    rng.fill(&mut nonce)?;
    let request = timestamp::time_stamp_request(signature, &nonce);
    common::write_output(out, &request, false, force)?;
    Ok(QueryWritten {
        imprint: hex::encode(timestamp::REQUEST_DIGEST.digest(signature)),
        imprint_algorithm: timestamp::REQUEST_DIGEST,
        nonce: hex::encode(nonce),
        query: out.to_path_buf(),
        signature: sig.to_path_buf(),
    })
}

// ---------------------------------------------------------------------------------------------
// Step 2

/// The TSA's response to check and embed, and what to check its TSA against.
#[derive(Debug, Clone)]
pub struct EmbedRequest {
    /// The sealed signature, replaced with the time-stamped one.
    pub sig: PathBuf,
    /// The TSA's response (DER TimeStampResp).
    pub response: PathBuf,
    /// The request the response answers: its nonce must be the token's.
    pub query: Option<PathBuf>,
    /// Anchors the TSA must chain to; none: the chain is not checked.
    pub trust: Vec<PathBuf>,
    /// More intermediates for the TSA's chain.
    pub untrusted: Vec<PathBuf>,
    /// CRLs for the TSA's chain.
    pub crls: Vec<PathBuf>,
    /// Replace a time-stamp the signature carries already.
    pub force: bool,
}

/// What step 2 concluded.
#[derive(Debug)]
pub enum Stamped {
    /// The response does not prove a time for this signature (exit 1); the file is unchanged.
    Refused(Refusal),
    /// The token is embedded.
    Embedded(Embedded),
}

/// The time-stamp embedded. Serialises as `seal timestamp --response --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Embedded {
    #[serde(serialize_with = "super::ser::seal_time")]
    pub gen_time: OffsetDateTime,
    pub policy: String,
    pub serial: String,
    #[serde(serialize_with = "super::ser::display_path")]
    pub signature: PathBuf,
    /// The TSA certificate's subject.
    pub tsa: String,
    /// Whether the TSA's chain was checked (only with anchors).
    pub tsa_chain_checked: bool,
}

/// Checks the TSA's response for the signature at `req.sig` and embeds its token; `now` is
/// the time the TSA's chain is judged at when the token is checked, `warn` receives warnings.
pub fn embed_response(
    req: &EmbedRequest,
    now: OffsetDateTime,
    warn: &dyn Fn(&str),
) -> crate::ops::Result<Stamped> {
    let p7s = read_p7s(&req.sig)?;
    if p7s.parsed.signer().has_time_stamp_token && !req.force {
        return Err(hinted(
            format!("`{}` already carries a time-stamp", req.sig.display()),
            "pass --force to replace it",
        )
        .into());
    }
    let token = match granted_token(req)? {
        Ok(token) => token,
        Err(refusal) => return Ok(Stamped::Refused(refusal)),
    };
    let checker = tsa_checker(req)?;
    let check = timestamp::verify_token(
        &token,
        &p7s.parsed.signer().signature,
        &p7s.parsed.certificates,
        checker
            .as_ref()
            .map(|c| c as &dyn crate::seal::ChainChecker),
        now,
    );
    let (stamp, chain_checked) = match check {
        TokenCheck::Valid {
            stamp,
            revocation_unknown,
            chain_checked,
        } => {
            if let Some(why) = revocation_unknown {
                warn(&format!("the TSA's revocation was not checked: {why}"));
            }
            (stamp, chain_checked)
        }
        TokenCheck::Untrusted { stamp, reason } => {
            return Ok(Stamped::Refused(Refusal::new(format!(
                "the TSA `{}` is not trusted: {reason}",
                stamp.tsa
            ))));
        }
        TokenCheck::Invalid(why) | TokenCheck::Unsupported(why) => {
            return Ok(Stamped::Refused(Refusal::new(why)));
        }
    };
    write_stamped(req, &p7s, &token)?;
    Ok(Stamped::Embedded(embedded(req, stamp, chain_checked)))
}

/// The token of a granted response that answers `req.query`'s nonce, or the refusal.
fn granted_token(req: &EmbedRequest) -> Result<std::result::Result<Vec<u8>, Refusal>> {
    let resp_bytes = common::read_file(&req.response, "time-stamp response")?;
    let resp = timestamp::parse_response(&resp_bytes)
        .with_context(|| format!("reading time-stamp response `{}`", req.response.display()))?;
    if !resp.status.granted() {
        let mut why = format!("the TSA did not grant the time-stamp: {}", resp.status);
        if !resp.status_text.is_empty() {
            why.push_str(&format!(" ({})", resp.status_text.join("; ")));
        }
        if !resp.fail_info.is_empty() {
            why.push_str(&format!(" [{}]", resp.fail_info.join(", ")));
        }
        return Ok(Err(Refusal::new(why)));
    }
    let Some(token) = resp.token else {
        return Ok(Err(Refusal::new(
            "the response is granted but carries no time-stamp token",
        )));
    };
    if let Some(q) = &req.query {
        let asked_for = common::read_file(q, "time-stamp request")?;
        let asked = timestamp::request_nonce(&asked_for)
            .with_context(|| format!("reading time-stamp request `{}`", q.display()))?;
        let got = timestamp::parse_token(&token)
            .ok()
            .and_then(|t| t.info.nonce);
        if asked != got {
            return Ok(Err(Refusal::new(format!(
                "the token does not answer the request `{}`: its nonce differs",
                q.display()
            ))));
        }
    }
    Ok(Ok(token))
}

/// The checker of the TSA's chain, when anchors are given.
fn tsa_checker(req: &EmbedRequest) -> Result<Option<AtTimeChecker>> {
    if req.trust.is_empty() {
        return Ok(None);
    }
    let mut anchors = Vec::new();
    for t in &req.trust {
        anchors.extend(common::read_certs(t)?);
    }
    let mut intermediates = Vec::new();
    for u in &req.untrusted {
        intermediates.extend(common::read_certs(u)?);
    }
    let crls = read_crls(&req.crls)?;
    let checker = AtTimeChecker::new(&anchors, &intermediates, &crls)
        .context("setting up the trust anchors")?;
    Ok(Some(checker))
}

/// Replaces the signature file with the time-stamped signature, PEM again if it was PEM.
fn write_stamped(req: &EmbedRequest, p7s: &P7s, token: &[u8]) -> Result<()> {
    let new_der = crate::seal::with_time_stamp_token(&p7s.der, token, req.force)
        .with_context(|| format!("embedding the time-stamp into `{}`", req.sig.display()))?;
    let data = match &p7s.pem_label {
        None => new_der,
        Some(label) => pem::encode(&pem::Pem::new(label.clone(), new_der)).into_bytes(),
    };
    // Replacing the signature file is the point of the command: no --force needed for it.
    common::write_output(&req.sig, &data, false, true)
}

fn embedded(req: &EmbedRequest, stamp: Stamp, chain_checked: bool) -> Embedded {
    Embedded {
        gen_time: stamp.gen_time,
        policy: stamp.policy,
        serial: stamp.serial,
        signature: req.sig.clone(),
        tsa: stamp.tsa,
        tsa_chain_checked: chain_checked,
    }
}

/// clap's group makes one of the two steps required; the message when neither is given.
pub fn no_step() -> anyhow::Error {
    anyhow!("give --query-out REQ.tsq or --response RESP.tsr")
}
