//! Policy governance of the CA and seal commands (DESIGN.md §5, last rule).
//!
//! A home may name a policy (`ca init --policy`, `ca policy PATH`). Then every command that
//! changes the CA's state, and `seal sign`, needs `--as OPERATOR_CERT`: the operator's
//! certificate, which must chain to this CA and not be revoked in its store. The engine is asked
//! `cert.issue` on `dept/<OU>/cert/<profile>`, `cert.revoke` on `dept/<OU>/cert/<serial>`,
//! `crl.publish` on `ca/<name>`, `seal.create|seal.revoke|seal.apply` on
//! `dept/<OU>/seal/<type>`, `ca.manage` on `ca/<name>`, with the context `domain` (`--domain`)
//! and `time` (now). A deny stops the command (exit 1) and is audited; an allow makes the
//! operator the actor of the audit records. A policy that does not load is an error (exit 2),
//! never an allow. A home without a policy behaves as before.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;

use super::common::{self, OpenCa};
use super::{Context, hinted};
use crate::audit::Event;
use crate::authz::{self, Policy, Request};
use crate::ca::serial::Serial;
use crate::ca::verify::{self, Verdict, VerifyInput};
use crate::ca::when::rfc3339;

/// One question for the policy engine.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ask {
    pub action: &'static str,
    pub resource: String,
    /// Extra context keys (besides `domain` and `time`).
    pub context: Vec<(String, String)>,
}

impl Ask {
    pub fn new(action: &'static str, resource: impl Into<String>) -> Ask {
        Ask {
            action,
            resource: resource.into(),
            context: Vec::new(),
        }
    }
}

/// A resource path segment: a department or name, with `/` (which would split the path)
/// replaced, and `_` for a missing value.
pub fn segment(value: Option<&str>) -> String {
    match value {
        Some(v) if !v.trim().is_empty() => v.trim().replace('/', "_"),
        _ => "_".to_string(),
    }
}

/// The policy said no. Maps to exit 1 at the single exit point, with the explanation.
#[derive(Debug)]
pub struct PolicyDenied {
    pub summary: String,
    pub explanation: String,
}

impl std::fmt::Display for PolicyDenied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary)
    }
}

impl std::error::Error for PolicyDenied {}

/// Reads a policy file or directory and compiles it (through the compiled-policy cache); any
/// error stops the command.
pub fn load_policy(path: &Path) -> Result<Policy> {
    let sources = super::authz::read_policy_sources(path)?;
    match super::authz::compile_policy(&sources, &|_| {}) {
        Ok((policy, _warnings)) => Ok(policy),
        Err(errors) => {
            let first = errors
                .errors
                .first()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "unknown error".into());
            Err(anyhow::anyhow!(
                "policy `{}` governing this CA does not load ({} error(s)), so nothing is allowed: {first}",
                path.display(),
                errors.errors.len()
            ))
        }
    }
}

/// Asks the home's policy about `asks` for the operator of this run. Returns the actor name for
/// audit records: the operator's certificate when governed, else the local user.
pub fn authorize(ctx: &Context, open: &mut OpenCa, asks: &[Ask]) -> Result<String> {
    let Some(policy_path) = open.meta.policy.clone() else {
        // No policy: behave as before. An unverified --as must not reach the audit log.
        return Ok(common::local_actor());
    };
    let Some(cert_path) = ctx.operator.clone() else {
        return Err(hinted(
            format!("this CA is governed by the policy `{policy_path}`, and no operator was named"),
            "pass --as OPERATOR_CERT (your certificate issued by this CA)",
        ));
    };
    let policy = load_policy(Path::new(&policy_path))?;
    let der = common::read_cert(&cert_path)?;
    let operator = operator_name(&der);
    if let Err(why) = operator_is_trusted(ctx, open, &der) {
        let event = Event {
            time: rfc3339(ctx.now),
            actor: operator.clone(),
            action: "authz.deny".into(),
            object: asks
                .first()
                .map(|a| format!("{} {}", a.action, a.resource))
                .unwrap_or_default(),
            outcome: format!("denied: operator certificate not accepted: {why}"),
        };
        open.store.audit(vec![event])?;
        return Err(anyhow::Error::new(PolicyDenied {
            summary: format!(
                "denied: the operator certificate `{}` is not accepted: {why}",
                cert_path.display()
            ),
            explanation: String::new(),
        }));
    }
    let subject = authz::subject_from_cert(&der).map_err(|e| {
        anyhow::anyhow!(
            "reading operator certificate `{}`: {e}",
            cert_path.display()
        )
    })?;
    let mut asks = asks.to_vec();
    asks.sort();
    asks.dedup();
    for ask in &asks {
        let mut context = BTreeMap::new();
        if let Some(d) = &ctx.domain {
            context.insert("domain".to_string(), d.clone());
        }
        context.insert("time".to_string(), rfc3339(ctx.now));
        for (k, v) in &ask.context {
            context.insert(k.clone(), v.clone());
        }
        let request = Request {
            subject: subject.clone(),
            action: ask.action.to_string(),
            resource: ask.resource.clone(),
            context,
        };
        let decision = policy.explain(&request, ctx.now);
        if !decision.allow {
            let event = Event {
                time: rfc3339(ctx.now),
                actor: operator.clone(),
                action: "authz.deny".into(),
                object: format!("{} {}", ask.action, ask.resource),
                outcome: format!("denied: {}", decision.reason),
            };
            open.store.audit(vec![event])?;
            let mut explanation = authz::explain_text(&decision);
            if ctx.domain.is_none() {
                explanation
                    .push_str("\nhint: no --domain was given (intranet, extranet or internet)");
            }
            return Err(anyhow::Error::new(PolicyDenied {
                summary: format!(
                    "denied by policy: {} on `{}`: {}",
                    ask.action, ask.resource, decision.reason
                ),
                explanation,
            }));
        }
        ctx.out.debug(&format!(
            "policy allows {} on `{}` ({})",
            ask.action,
            ask.resource,
            decision.rule.as_deref().unwrap_or("-")
        ));
    }
    Ok(operator)
}

/// The operator's certificate must chain to this CA now, and must not be revoked in its store.
fn operator_is_trusted(
    ctx: &Context,
    open: &OpenCa,
    der: &[u8],
) -> std::result::Result<(), String> {
    let mut chain = open.chain();
    let root = chain.pop().unwrap_or_default();
    let verdict = verify::verify_chain(&VerifyInput {
        end_entity: der,
        intermediates: &chain,
        anchors: &[root],
        crls: &[],
        at: ctx.now,
        purpose: None,
    })
    .map_err(|e| e.to_string())?;
    match verdict {
        Verdict::Valid { .. } => {}
        Verdict::Invalid { reason, .. } | Verdict::Indeterminate { reason } => return Err(reason),
    }
    // Fail closed: the operator must be a certificate this CA issued, found byte for byte in
    // its store and valid there; a parent's certificate, a CA certificate, or a store error is
    // not an operator.
    let cert = crate::ca::input::parse_cert(der).map_err(|e| e.to_string())?;
    if cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|b| b.value.ca)
    {
        return Err("a CA certificate is not an operator certificate".into());
    }
    let serial = Serial::from_be_bytes(cert.raw_serial()).map_err(|e| e.to_string())?;
    match open.store.get(&serial, ctx.now) {
        Ok(Some(row)) if row.der == der => {
            if row.status == "valid" {
                Ok(())
            } else {
                Err(format!("it is {} in this CA's store", row.status))
            }
        }
        Ok(_) => Err("this CA did not issue it".into()),
        Err(e) => Err(format!("the store cannot be read: {e}")),
    }
}

fn operator_name(der: &[u8]) -> String {
    match crate::ca::input::parse_cert(der) {
        Ok(c) => format!(
            "cert:{} [{}]",
            crate::ca::dn::display_name(c.subject()),
            Serial::from_be_bytes(c.raw_serial())
                .map(|s| s.to_hex())
                .unwrap_or_default()
        ),
        Err(_) => "cert:?".into(),
    }
}
