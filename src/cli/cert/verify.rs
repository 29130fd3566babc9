//! `govpki cert verify`.

use anyhow::{Context as _, Result};
use serde_json::json;

use crate::ca::input;
use crate::ca::verify::{self, PathRevocation, RevocationStatus, Verdict, VerifyInput};
use crate::ca::when::{self, rfc3339};
use crate::cli::common::{self, OpenCa};
use crate::cli::{Context, Outcome};
use crate::pkix::policy::ValidPolicies;

use super::*;

pub(super) fn verify_cmd(args: VerifyArgs, ctx: &Context) -> Result<Outcome> {
    let VerifyArgs {
        file,
        trust,
        untrusted,
        crl,
        ocsp,
        at,
        purpose,
        policy,
        explicit_policy,
        inhibit_policy_mapping,
        inhibit_any_policy,
        allow_sha1,
    } = args;
    let mut initial_policy_set = Vec::with_capacity(policy.len());
    for oid in &policy {
        initial_policy_set.push(
            der::asn1::ObjectIdentifier::new(oid)
                .map_err(|e| anyhow::anyhow!("--policy `{oid}` is not an OID: {e}"))?,
        );
    }
    let policy = crate::pkix::policy::PolicyInputs {
        initial_policy_set,
        initial_explicit_policy: explicit_policy,
        initial_policy_mapping_inhibit: inhibit_policy_mapping,
        initial_any_policy_inhibit: inhibit_any_policy,
    };
    let mut certs = common::read_certs(&file)?;
    let ee = certs.remove(0);
    let mut intermediates = certs;
    if let Some(u) = &untrusted {
        intermediates.extend(common::read_certs(u)?);
    }
    let anchors = match &trust {
        Some(t) => common::read_certs(t)?,
        None => {
            let open = OpenCa::open(&ctx.home)
                .context("no --trust given, and this home's CA cannot be used as the default")?;
            let mut chain = open.chain();
            let root = chain.pop().unwrap_or_default();
            intermediates.extend(chain);
            vec![root]
        }
    };
    let mut crls = Vec::new();
    for path in &crl {
        let bytes = common::read_file(path, "CRL")?;
        crls.push(
            input::decode_one(&bytes, input::CRL_LABELS)
                .with_context(|| format!("reading CRL `{}`", path.display()))?,
        );
    }
    let at = at
        .as_deref()
        .map(when::parse_time)
        .transpose()?
        .unwrap_or(ctx.now);
    let input = VerifyInput {
        end_entity: &ee,
        intermediates: &intermediates,
        anchors: &anchors,
        crls: &crls,
        at,
        purpose,
        policy: Some(&policy),
        allow_sha1,
    };
    // `--ocsp` alone: each certificate's AIA URL; `--ocsp URL`: that responder. Answers are
    // judged at the real time, whatever --at says: a response speaks of now.
    let asker = ocsp.map(|url| {
        let url = Some(url).filter(|u| !u.is_empty());
        if let Some(u) = &url {
            crate::ops::ocsp::http::Url::parse(u).map_err(|e| anyhow::anyhow!("--ocsp: {e}"))?;
        }
        anyhow::Ok(crate::ops::ocsp::Asker::new(
            url,
            ctx.now,
            crate::ops::ocsp::DEFAULT_TIMEOUT,
        ))
    });
    let asker = asker.transpose()?;
    let verdict = verify::ParsedCrls::parse(&crls)
        .and_then(|parsed| {
            verify::verify_chain_online(
                &input,
                &parsed,
                asker
                    .as_ref()
                    .map(|a| a as &dyn crate::pkix::validate::OnlineRevocation),
            )
        })
        .with_context(|| format!("verifying `{}`", file.display()))?;
    let outcome = match &verdict {
        Verdict::Valid { .. } => Outcome::Success,
        Verdict::Invalid { .. } => Outcome::Negative,
        Verdict::Indeterminate { .. } => Outcome::Indeterminate,
    };
    if ctx.out.is_json() {
        let mut v = serde_json::to_value(&verdict)?;
        v["file"] = json!(file.display().to_string());
        v["at"] = json!(rfc3339(at));
        ctx.out.json(&v)?;
    } else {
        let text = match &verdict {
            Verdict::Valid {
                chain,
                revocation,
                policies,
                ..
            } => {
                let mut text =
                    format!("{}: valid\n  chain: {}", file.display(), chain.join(" <- "));
                text.push_str(&revocation_lines(revocation));
                if let Some(p) = policy_line(policies) {
                    text.push_str(&p);
                }
                text
            }
            Verdict::Invalid { reason, .. } => format!("{}: invalid: {reason}", file.display()),
            Verdict::Indeterminate {
                reason, revocation, ..
            } => {
                let mut text = format!("{}: indeterminate: {reason}", file.display());
                text.push_str(&revocation_lines(revocation));
                text
            }
        };
        ctx.out.data(&text)?;
    }
    Ok(outcome)
}

/// One line per certificate of the path: whether and by which CRL its revocation was checked.
fn revocation_lines(revocation: &[PathRevocation]) -> String {
    if revocation.iter().all(|r| {
        matches!(
            r.status,
            RevocationStatus::NotChecked | RevocationStatus::TrustAnchor
        )
    }) {
        return "\n  revocation: not checked (no CRL given)".into();
    }
    let mut text = String::from("\n  revocation:");
    for r in revocation {
        let status = match r.status {
            RevocationStatus::Good => match &r.decided_by {
                Some(by) => format!("checked, not revoked (decided by {by})"),
                None => {
                    let crls: Vec<String> = r.crls.iter().map(|i| format!("--crl #{i}")).collect();
                    format!("checked, not revoked ({})", crls.join(", "))
                }
            },
            RevocationStatus::Undetermined => match &r.ocsp_undecided {
                Some(why) => format!("NOT DECIDED by the CRLs given nor by {why}"),
                None => "NOT DECIDED by the CRLs given".into(),
            },
            RevocationStatus::NotChecked => "not checked".into(),
            RevocationStatus::TrustAnchor => "trust anchor (not checked)".into(),
        };
        text.push_str(&format!("\n    {}: {status}", r.subject));
    }
    text
}

fn policy_line(policies: &ValidPolicies) -> Option<String> {
    match policies {
        // No policy asked for and none asserted: nothing to say in text (JSON has it).
        ValidPolicies::Any | ValidPolicies::None => None,
        ValidPolicies::Set(set) => Some(format!("\n  policies: {}", set.join(", "))),
    }
}
