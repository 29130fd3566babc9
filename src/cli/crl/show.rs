//! `crl show`: print a CRL's entries.

use super::*;

pub(super) const SHOW_LONG: &str = "\
Show a CRL: issuer, thisUpdate, nextUpdate, CRL number, and the revoked serials with dates and
reasons. When this home's CA issued it, its signature is checked too. With --issuer, the CRL of
any CA (another ministry's, a commercial CA's) is checked against that CA's certificate: the
issuer name must be the certificate's subject (RFC 5280 §7.1) and the signature must verify
under its key (RSA, ECDSA, Ed25519, SM2; SHA-1 refused).

EXAMPLES:
    govpki crl show lyg.crl
    govpki --json crl show lyg.crl | jq '.entries | length'
    govpki crl show --issuer js-root.pem js-root.crl

EXIT CODES:
    0  shown (and, where checked, the signature verifies)
    1  the signature does not verify, or the CRL names another issuer than --issuer
    2  an error (unreadable or malformed CRL or certificate)";

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The CRL file (PEM or DER)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Check the CRL against this CA certificate (PEM or DER) instead of this home's CA
    #[arg(long, value_name = "CA.pem")]
    pub issuer: Option<PathBuf>,
}

pub(super) fn show(args: ShowArgs, ctx: &Context) -> Result<Outcome> {
    let ShowArgs { file, issuer } = args;
    let bytes = common::read_file(&file, "CRL")?;
    let der = input::decode_one(&bytes, input::CRL_LABELS)
        .with_context(|| format!("reading CRL `{}`", file.display()))?;
    let crl = crate::ca::crl_read::parse_crl(&der)
        .map_err(|e| anyhow::anyhow!("reading CRL `{}`: {e}", file.display()))?;
    let mut signature = "not checked (not issued by this home's CA)".to_string();
    let mut outcome = Outcome::Success;
    let mut issuer_check = None;
    if let Some(ca_path) = &issuer {
        // A CRL of any CA, against the certificate given.
        let ca_der = common::read_cert(ca_path)?;
        let (text, verdict) = match ops::crl::check_issuer(&der, &ca_der)
            .map_err(|e| anyhow::anyhow!("checking CRL `{}`: {e}", file.display()))?
        {
            ops::crl::IssuerCheck::Valid { issuer } => {
                (format!("valid (issuer {issuer})"), "valid")
            }
            ops::crl::IssuerCheck::SignatureInvalid { issuer, reason } => (
                format!("signature invalid ({reason}; issuer {issuer})"),
                "invalid",
            ),
            ops::crl::IssuerCheck::OtherIssuer {
                crl_issuer,
                ca_subject,
            } => (
                format!("not checked: the CRL's issuer `{crl_issuer}` is not `{ca_subject}`"),
                "other-issuer",
            ),
        };
        if verdict != "valid" {
            outcome = Outcome::Negative;
        }
        signature = text;
        issuer_check = Some(verdict);
    } else {
        // Check the signature when this home's CA is the issuer.
        if let Ok(open) = OpenCa::open(&ctx.home)
            && let Ok(ca) = input::parse_cert(&open.meta.cert_der)
            && ca.subject().as_raw() == crl.issuer().as_raw()
        {
            // SM2-with-SM3 through the one verifier (x509-parser has no SM2).
            let verified =
                if crl.signature_algorithm.algorithm.to_id_string() == "1.2.156.10197.1.501" {
                    sm2_crl_verifies(&der, ca.public_key().raw)
                } else {
                    crl.verify_signature(ca.public_key()).is_ok()
                };
            match verified.then_some(()).ok_or(()) {
                Ok(()) => signature = "verified with this home's CA".into(),
                Err(_) => {
                    signature = "DOES NOT VERIFY with this home's CA".into();
                    outcome = Outcome::Negative;
                }
            }
        }
    }
    let entries: Vec<serde_json::Value> = crl
        .iter_revoked_certificates()
        .map(|e| {
            let reason = e
                .reason_code()
                .and_then(|(_, r)| Reason::from_code(r.0))
                .unwrap_or(Reason::Unspecified);
            json!({
                "serial": Serial::from_be_bytes(e.raw_serial()).map(|s| s.to_hex()).unwrap_or_else(|_| hex::encode_upper(e.raw_serial())),
                "revoked_at": rfc3339(e.revocation_date.to_datetime()),
                "reason": reason.name(),
            })
        })
        .collect();
    let next = crl.next_update().map(|t| t.to_datetime());
    let report = json!({
        "file": file.display().to_string(),
        "issuer": crate::ca::dn::display_name(crl.issuer()),
        "this_update": rfc3339(crl.last_update().to_datetime()),
        "next_update": next.map(rfc3339),
        "expired": next.is_some_and(|n| n < ctx.now),
        "number": crl.crl_number().map(|n| n.to_string()),
        "signature": signature,
        "entries": entries,
    });
    let mut report = report;
    if let Some(verdict) = issuer_check {
        report["issuer_check"] = json!(verdict);
    }
    if ctx.out.is_json() {
        ctx.out.json(&report)?;
    } else {
        let mut text = format!(
            "Issuer:       {}\nThis update:  {}\nNext update:  {}{}\nCRL number:   {}\nSignature:    {}\nEntries:      {}\n",
            report["issuer"].as_str().unwrap_or(""),
            report["this_update"].as_str().unwrap_or(""),
            report["next_update"].as_str().unwrap_or("none"),
            if report["expired"] == json!(true) {
                " (EXPIRED)"
            } else {
                ""
            },
            report["number"].as_str().unwrap_or("none"),
            signature,
            entries.len()
        );
        for e in &entries {
            text.push_str(&format!(
                "  {}  {}  {}\n",
                e["serial"].as_str().unwrap_or(""),
                e["revoked_at"].as_str().unwrap_or(""),
                // The reason's standard term in the user's language (`密钥泄露`).
                crate::i18n::retell(ctx.out.lang(), e["reason"].as_str().unwrap_or(""))
            ));
        }
        ctx.out.data(&text)?;
    }
    Ok(outcome)
}

/// Whether an SM2-signed CRL verifies under `spki_der` (GM/T 0009 default user ID).
fn sm2_crl_verifies(der: &[u8], spki_der: &[u8]) -> bool {
    use crate::pkix::sig::{DefaultVerifier, SignatureVerifier};
    use der::Decode;
    let (Ok(crl), Ok(spki)) = (
        crate::pkix::crl::Crl::from_der(der),
        spki::SubjectPublicKeyInfoOwned::from_der(spki_der),
    ) else {
        return false;
    };
    crl.sig_alg == crl.tbs_sig_alg
        && DefaultVerifier::default()
            .verify(&spki, &crl.sig_alg, &crl.tbs_der, &crl.signature)
            .is_ok()
}
