//! `govpki cert verify`.

use anyhow::{Context as _, Result};
use serde_json::json;

use crate::ca::crl::Reason;
use crate::ca::input;
use crate::ca::verify::{self, PathRevocation, RevocationStatus, Verdict, VerifyInput};
use crate::ca::when::{self, rfc3339};
use crate::cli::common::{self, OpenCa};
use crate::cli::{Context, Outcome};
use crate::i18n::{Lang, Value, retell, tr};
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
        let text = report(ctx.out.lang(), &file.display().to_string(), &verdict);
        ctx.out.data(&text)?;
    }
    Ok(outcome)
}

/// The text report: `FILE: valid` (the verdict of the run, first), then the chain, revocation
/// and policies, in `lang`.
fn report(lang: Lang, file: &str, verdict: &Verdict) -> String {
    let sep = tr(lang, "join", &[]);
    match verdict {
        Verdict::Valid {
            chain,
            revocation,
            policies,
            ..
        } => {
            let mut text = format!(
                "{file}{sep}{}\n  {}{}",
                tr(lang, "cert-valid", &[]),
                label(lang, "cv-chain"),
                chain.join(" <- ")
            );
            text.push_str(&revocation_lines(lang, revocation));
            if let Some(p) = policy_line(lang, policies) {
                text.push_str(&p);
            }
            text
        }
        Verdict::Invalid { reason, .. } => format!(
            "{file}{sep}{}{sep}{}",
            tr(lang, "cert-invalid", &[]),
            invalid_reason(lang, reason)
        ),
        Verdict::Indeterminate {
            reason, revocation, ..
        } => {
            let mut text = format!(
                "{file}{sep}{}{sep}{}",
                tr(lang, "cert-indeterminate", &[]),
                retell(lang, &reason.to_string())
            );
            text.push_str(&revocation_lines(lang, revocation));
            text
        }
    }
}

/// A label and the space after it (`chain: `, `证书链：`).
fn label(lang: Lang, id: &str) -> String {
    match lang {
        Lang::En => format!("{} ", tr(lang, id, &[])),
        Lang::Zh => tr(lang, id, &[]),
    }
}

/// Why the certificate is invalid: the end entity's revocation in `lang`; the other failures
/// in the validator's (English) words.
fn invalid_reason(lang: Lang, reason: &verify::InvalidReason) -> String {
    match (lang, reason.revocation()) {
        (Lang::Zh, Some(r)) => {
            let by = r
                .decided_by
                .map(|s| tr(lang, "cv-decided-by", &[("source", s.into())]))
                .unwrap_or_default();
            tr(
                lang,
                "cv-revoked",
                &[
                    ("at", r.revoked_at.into()),
                    ("reason", revocation_reason(lang, r.reason).into()),
                    ("by", by.into()),
                ],
            )
        }
        _ => retell(lang, &reason.to_string()),
    }
}

/// An RFC 5280 revocation reason: its name in English, its standard term in Chinese.
fn revocation_reason(lang: Lang, reason: Reason) -> String {
    tr(lang, &format!("reason-{}", reason.name()), &[])
}

/// One line per certificate of the path: whether and by which CRL its revocation was checked.
fn revocation_lines(lang: Lang, revocation: &[PathRevocation]) -> String {
    if revocation.iter().all(|r| {
        matches!(
            r.status,
            RevocationStatus::NotChecked | RevocationStatus::TrustAnchor
        )
    }) {
        return format!(
            "\n  {}{}",
            label(lang, "cv-revocation"),
            tr(lang, "cv-not-checked-no-crl", &[])
        );
    }
    let mut text = format!("\n  {}", tr(lang, "cv-revocation", &[]));
    let sep = tr(lang, "join", &[]);
    for r in revocation {
        let status = match r.status {
            RevocationStatus::Good => match &r.decided_by {
                Some(by) => tr(lang, "cv-good-by", &[("by", Value::from(by))]),
                None => {
                    let crls: Vec<String> = r.crls.iter().map(|i| format!("--crl #{i}")).collect();
                    tr(lang, "cv-good-crls", &[("crls", crls.join(", ").into())])
                }
            },
            RevocationStatus::Undetermined => match &r.ocsp_undecided {
                Some(why) => tr(
                    lang,
                    "cv-undecided-by",
                    &[("why", retell(lang, why).into())],
                ),
                None => tr(lang, "cv-undecided", &[]),
            },
            RevocationStatus::NotChecked => tr(lang, "cv-not-checked", &[]),
            RevocationStatus::TrustAnchor => tr(lang, "cv-anchor", &[]),
        };
        text.push_str(&format!("\n    {}{sep}{status}", r.subject));
    }
    text
}

fn policy_line(lang: Lang, policies: &ValidPolicies) -> Option<String> {
    match policies {
        // No policy asked for and none asserted: nothing to say in text (JSON has it).
        ValidPolicies::Any | ValidPolicies::None => None,
        ValidPolicies::Set(set) => Some(format!(
            "\n  {}{}",
            label(lang, "cv-policies"),
            set.join(", ")
        )),
    }
}
