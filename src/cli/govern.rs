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
use crate::audit::{Event, proof};
use crate::authz::{self, Policy, Request};
use crate::ca::keys::PrivateKey;
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

pub use crate::ops::PolicyDenied;

/// Reads a policy file or directory and compiles it from its sources; any error stops the
/// command. Never through the compiled-policy cache: a governed decision comes from the
/// sources, so no cache entry (whoever wrote it) can change it.
pub fn load_policy(path: &Path) -> Result<Policy> {
    let sources = super::authz::read_policy_sources(path)?;
    compile_sources(path, &sources)
}

/// Compiles a policy's sources without the cache.
pub fn compile_sources(path: &Path, sources: &[(std::path::PathBuf, String)]) -> Result<Policy> {
    match Policy::load(sources) {
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
///
/// When governed, the operator proves presence with their key (`--as-key`): it must belong to
/// the `--as` certificate, and from then on it signs every state change of the run (see
/// [`crate::audit::proof`] and [`crate::store::Store::set_act_signer`]).
pub fn authorize(ctx: &Context, open: &mut OpenCa, asks: &[Ask]) -> Result<String> {
    authorize_with_key(ctx, open, asks, None)
}

/// [`authorize`] with the operator's key already unlocked (`seal sign`, where the operator is
/// the signer and the signing key is the proof).
pub fn authorize_with_key(
    ctx: &Context,
    open: &mut OpenCa,
    asks: &[Ask],
    unlocked: Option<&PrivateKey>,
) -> Result<String> {
    let Some(policy_path) = open.meta.policy.clone() else {
        // No policy: behave as before. An unverified --as must not reach the audit log.
        return Ok(common::local_actor());
    };
    let Some(cert_path) = ctx.operator.clone() else {
        return Err(hinted(
            format!("this CA is governed by the policy `{policy_path}`, and no operator was named"),
            "pass --as OPERATOR_CERT --as-key OPERATOR_KEY (your certificate issued by this CA, and its key)",
        ));
    };
    if unlocked.is_none() && ctx.operator_key.is_none() {
        return Err(hinted(
            format!(
                "this CA is governed by the policy `{policy_path}`: the operator `{}` must prove it is present",
                cert_path.display()
            ),
            "pass --as-key OPERATOR_KEY (the private key of the --as certificate; it signs the act for the audit log)",
        ));
    }
    let (policy, version) = load_governing(open, Path::new(&policy_path))?;
    let der = common::read_cert(&cert_path)?;
    let operator = operator_name(&der);
    let first_ask = asks
        .first()
        .map(|a| format!("{} {}", a.action, a.resource))
        .unwrap_or_default();
    if let Err(why) = operator_is_trusted(ctx, open, &der) {
        return Err(deny(
            ctx,
            open,
            &operator,
            first_ask,
            format!("denied: operator certificate not accepted: {why}"),
            format!(
                "denied: the operator certificate `{}` is not accepted: {why}",
                cert_path.display()
            ),
        ));
    }
    let loaded;
    let key = match unlocked {
        Some(k) => k,
        None => {
            let key_path = ctx.operator_key.as_deref().unwrap_or(Path::new(""));
            loaded = common::load_key_with(
                key_path,
                ctx.operator_passphrase_file.as_deref(),
                "--as-passphrase-file",
            )?;
            &loaded
        }
    };
    if key.spki_der() != common::spki_of(&der)? {
        let key_name = ctx
            .operator_key
            .as_deref()
            .map(|p| format!("`{}`", p.display()))
            .unwrap_or_else(|| "the signing key".into());
        return Err(deny(
            ctx,
            open,
            &operator,
            first_ask,
            "denied: the operator's key does not belong to the operator certificate".into(),
            format!(
                "denied: the key {key_name} does not belong to the operator certificate `{}`",
                cert_path.display()
            ),
        ));
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
    let mut rules = Vec::new();
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
            let mut explanation = authz::explain_text(&decision);
            if ctx.domain.is_none() {
                explanation
                    .push_str("\nhint: no --domain was given (intranet, extranet or internet)");
            }
            let summary = format!(
                "denied by policy: {} on `{}`: {}",
                ask.action, ask.resource, decision.reason
            );
            let outcome = format!("denied: {}", decision.reason);
            let object = format!("{} {}", ask.action, ask.resource);
            let err = deny(ctx, open, &operator, object, outcome, summary);
            return Err(match err.downcast::<PolicyDenied>() {
                Ok(mut denied) => {
                    denied.explanation = explanation;
                    anyhow::Error::new(denied)
                }
                Err(other) => other,
            });
        }
        let rule = decision.rule.clone().unwrap_or_else(|| "-".into());
        ctx.out.debug(&format!(
            "policy allows {} on `{}` ({rule})",
            ask.action, ask.resource
        ));
        rules.push(rule);
    }

    // From here on the operator signs each state change of this run: the statement covers
    // what was asked and every audit record of the change, and goes into the log with it.
    let time = rfc3339(ctx.now);
    let asks_text = asks
        .iter()
        .map(|a| format!("{} {}", a.action, a.resource))
        .collect::<Vec<_>>()
        .join("; ");
    rules.dedup();
    let rules = rules.join(", ");
    // What was decided, under which policy version: `audit verify` decides it again.
    let decided = proof::Decided {
        policy: version,
        domain: ctx.domain.clone(),
        asks: asks
            .iter()
            .map(|a| proof::DecidedAsk {
                action: a.action.to_string(),
                resource: a.resource.clone(),
                context: a.context.iter().cloned().collect(),
            })
            .collect(),
    };
    let signed_asks = proof::asks_signed(&asks_text, Some(&decided.encode()));
    let key = key
        .try_clone()
        .map_err(|e| anyhow::anyhow!("holding the operator key: {e}"))?;
    let ca_cert = open.meta.cert_der.clone();
    let actor = operator.clone();
    open.store.set_act_signer(Box::new(move |acts| {
        let nonce = hex::encode(common::random16().map_err(|e| e.to_string())?);
        let statement = proof::statement(&ca_cert, &der, &time, &signed_asks, &nonce, acts);
        let signature = key.sign(&statement).map_err(|e| e.to_string())?;
        // A signature that does not verify would only be found by the next `audit verify`.
        proof::verify(&der, &statement, &signature).map_err(|e| e.to_string())?;
        Ok(Event {
            time: time.clone(),
            actor: actor.clone(),
            action: "authz.allow".into(),
            object: asks_text.clone(),
            outcome: proof::outcome(&rules, Some(&decided), &nonce, acts.len(), &signature),
        })
    }));
    Ok(operator)
}

/// Loads the policy that governs this CA, and its version. A pinned copy in the home (what
/// `ca policy` keeps) must still hash to the version it is kept under: an edited copy stops
/// every governed command (exit 2), it never decides. A policy path of a home pinned before
/// versions were kept is loaded as it is, under the version of its current texts (which the
/// log never pinned: `audit verify` reports such acts as not provable).
pub fn load_governing(open: &OpenCa, path: &Path) -> Result<(Policy, String)> {
    let sources = super::authz::read_policy_sources(path)?;
    let version = authz::pin::version(&sources);
    if let Some(pinned) = open.store.pinned_version_of(path)
        && pinned != version
    {
        return Err(hinted(
            format!(
                "the pinned policy `{}` was altered: its sources hash to {version}, not {pinned}, so nothing is allowed",
                path.display()
            ),
            "restore it, or pin the policy again with `govpki ca policy PATH`",
        ));
    }
    Ok((compile_sources(path, &sources)?, version))
}

/// How `ca policy` avoids locking a CA out for good: whether some certificate this CA issued
/// (valid now, no CA certificate) would be allowed `ca.manage` on `resource` by `policy` in some
/// domain at some time of the coming week (every half hour), i.e. whether anyone could ever
/// change the policy again. Returns the first such certificate's actor name.
pub fn who_can_manage(
    policy: &Policy,
    open: &OpenCa,
    resource: &str,
    now: time::OffsetDateTime,
) -> Result<Option<String>> {
    let rows = open.store.list(
        &crate::store::ListFilter {
            status: Some(crate::store::CertStatus::Valid),
            ..Default::default()
        },
        now,
    )?;
    // Bindings match subject attributes only, whatever the time or domain: a subject that holds
    // no role is never allowed anything.
    let subjects: Vec<(String, authz::Subject)> = rows
        .iter()
        .filter(|r| r.profile != "sub-ca")
        .filter_map(|r| {
            Some((
                operator_name(&r.der),
                authz::subject_from_cert(&r.der).ok()?,
            ))
        })
        .filter(|(_, s)| !policy.roles_of(s).is_empty())
        .collect();
    let domains = [None, Some("intranet"), Some("extranet"), Some("internet")];
    // Now first (the common case answers at once), then every half hour of the coming week.
    for step in 0..(7 * 48) {
        let at = now + time::Duration::minutes(30 * step);
        for domain in domains {
            for (name, subject) in &subjects {
                let mut context = BTreeMap::new();
                if let Some(d) = domain {
                    context.insert("domain".to_string(), d.to_string());
                }
                context.insert("time".to_string(), rfc3339(at));
                let request = Request {
                    subject: subject.clone(),
                    action: "ca.manage".into(),
                    resource: resource.to_string(),
                    context,
                };
                if policy.decide(&request, at).allow {
                    return Ok(Some(name.clone()));
                }
            }
        }
    }
    Ok(None)
}

/// Records a denial in the audit log (its own transaction: nothing else happens) and returns
/// the error that stops the command with exit 1.
fn deny(
    ctx: &Context,
    open: &mut OpenCa,
    operator: &str,
    object: String,
    outcome: String,
    summary: String,
) -> anyhow::Error {
    let event = Event {
        time: rfc3339(ctx.now),
        actor: operator.to_string(),
        action: "authz.deny".into(),
        object,
        outcome,
    };
    if let Err(e) = open.store.audit(vec![event]) {
        return e.into();
    }
    anyhow::Error::new(PolicyDenied {
        summary,
        explanation: String::new(),
    })
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
            if row.status == crate::store::CertStatus::Valid {
                Ok(())
            } else {
                Err(format!("it is {} in this CA's store", row.status))
            }
        }
        Ok(_) => Err("this CA did not issue it".into()),
        Err(e) => Err(format!("the store cannot be read: {e}")),
    }
}

/// The audit actor name of an operator certificate: `cert:<subject> [<serial>]`.
pub fn operator_name(der: &[u8]) -> String {
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
