//! `govpki cert verify`.

use std::path::Path;

use anyhow::{Context as _, Result};
use serde_json::json;
use time::OffsetDateTime;

use crate::ca::crl::Reason;
use crate::ca::input;
use crate::ca::verify::{self, PathRevocation, RevocationStatus, Verdict, VerifyInput};
use crate::ca::when::{self, rfc3339};
use crate::cli::common::{self, OpenCa};
use crate::cli::tally::{Counted, Run, judge_all};
use crate::cli::{Context, Outcome};
use crate::i18n::{Lang, Value, retell, tr};
use crate::pkix::policy::ValidPolicies;

use super::*;

pub(super) fn verify_cmd(args: VerifyArgs, ctx: &Context) -> Result<Outcome> {
    let VerifyArgs {
        files,
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
    // One FILE is read before the shared inputs, so that its error comes first, as it always did.
    let one = match files.as_slice() {
        [file] => Some(common::read_certs(file)?),
        _ => None,
    };
    // The inputs every FILE shares, read once.
    let mut intermediates = Vec::new();
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
    let parsed = verify::ParsedCrls::parse(&crls).with_context(|| match files.as_slice() {
        [file] => format!("verifying `{}`", file.display()),
        _ => "reading the --crl files".to_string(),
    })?;
    let shared = Shared {
        intermediates: &intermediates,
        anchors: &anchors,
        crls: &crls,
        parsed: &parsed,
        at,
        purpose,
        policy: &policy,
        allow_sha1,
        online: asker
            .as_ref()
            .map(|a| a as &dyn crate::pkix::validate::OnlineRevocation),
    };
    let lang = ctx.out.lang();
    if let (Some(certs), [file]) = (one, files.as_slice()) {
        let verdict = shared.judge(file, certs)?;
        if ctx.out.is_json() {
            ctx.out.json(&json_of(file, at, &verdict, false)?)?;
        } else {
            ctx.out
                .data(&report(lang, &file.display().to_string(), &verdict))?;
        }
        return Ok(outcome_of(&verdict));
    }

    let quiet = ctx.out.is_quiet();
    let mut run = Run::new(Counted::Certificates, files.len());
    let judge = |file: &PathBuf| common::read_certs(file).and_then(|c| shared.judge(file, c));
    judge_all(ctx, &files, judge, |file, judged| {
        let verdict = match judged {
            Ok(verdict) => verdict,
            // A trust anchor that cannot serve is the run's error, not the file's.
            Err(e) if shared_input_error(&e) => return Err(e),
            Err(e) => return run.failed(&ctx.out, &file.display().to_string(), e),
        };
        let outcome = outcome_of(&verdict);
        run.count(outcome);
        let shows = Run::shows(quiet, outcome);
        if ctx.out.is_json() {
            if shows {
                ctx.out.json(&json_of(file, at, &verdict, true)?)?;
            }
        } else {
            let text =
                shows.then(|| format!("{}\n", report(lang, &file.display().to_string(), &verdict)));
            // No summary of one: a run of one FILE printed its report alone, above.
            run.keep(String::new, text);
        }
        Ok(())
    })?;
    run.finish(&ctx.out)
}

/// What every FILE of a run is verified with.
struct Shared<'a> {
    /// --untrusted, then this home's chain when --trust is not given.
    intermediates: &'a [Vec<u8>],
    anchors: &'a [Vec<u8>],
    crls: &'a [Vec<u8>],
    parsed: &'a verify::ParsedCrls,
    at: OffsetDateTime,
    purpose: Option<Purpose>,
    policy: &'a crate::pkix::policy::PolicyInputs,
    allow_sha1: bool,
    online: Option<&'a dyn crate::pkix::validate::OnlineRevocation>,
}

impl Shared<'_> {
    /// Verifies one FILE's certificates: the end entity, then the intermediates it carries.
    fn judge(&self, file: &Path, certs: Vec<Vec<u8>>) -> Result<Verdict> {
        let Some((ee, carried)) = certs.split_first() else {
            anyhow::bail!("reading certificates `{}`: no certificate", file.display());
        };
        let mut intermediates = carried.to_vec();
        intermediates.extend_from_slice(self.intermediates);
        let input = VerifyInput {
            end_entity: ee,
            intermediates: &intermediates,
            anchors: self.anchors,
            crls: self.crls,
            at: self.at,
            purpose: self.purpose,
            policy: Some(self.policy),
            allow_sha1: self.allow_sha1,
        };
        verify::verify_chain_online(&input, self.parsed, self.online)
            .with_context(|| format!("verifying `{}`", file.display()))
    }
}

/// Whether verifying a FILE failed for want of a usable trust anchor, which every FILE shares.
fn shared_input_error(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<verify::VerifyError>(),
        Some(verify::VerifyError::BadAnchor { .. } | verify::VerifyError::NoAnchors)
    )
}

fn outcome_of(verdict: &Verdict) -> Outcome {
    match verdict {
        Verdict::Valid { .. } => Outcome::Success,
        Verdict::Invalid { .. } => Outcome::Negative,
        Verdict::Indeterminate { .. } => Outcome::Indeterminate,
    }
}

/// One FILE's JSON object: the verdict, `file` and `at`; in a run of several FILEs also
/// `document`, the key of `seal verify`'s lines, which the closing tally line lacks.
fn json_of(
    file: &Path,
    at: OffsetDateTime,
    verdict: &Verdict,
    many: bool,
) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(verdict)?;
    v["file"] = json!(file.display().to_string());
    v["at"] = json!(rfc3339(at));
    if many {
        v["document"] = v["file"].clone();
    }
    Ok(v)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_trust_anchor_is_the_runs_error_and_a_bad_file_only_its_own() {
        let no_anchor = Err::<(), _>(verify::VerifyError::NoAnchors)
            .context("verifying `a.pem`")
            .unwrap_err();
        assert!(shared_input_error(&no_anchor));
        let bad_cert = Err::<(), _>(verify::VerifyError::BadCert(
            crate::pkix::Cert::from_der(b"junk").unwrap_err(),
        ))
        .context("verifying `a.pem`")
        .unwrap_err();
        assert!(!shared_input_error(&bad_cert));
        assert!(!shared_input_error(&anyhow::anyhow!(
            "reading certificates `a.pem`"
        )));
    }
}
