//! Governance of the CA and seal operations by the home's policy (DESIGN.md §5, last rule).
//!
//! A home may name a policy (`ca init --policy`, `ca policy PATH`). Then every operation that
//! changes the CA's state, and `seal sign`, needs an operator: a certificate, which must chain
//! to this CA and not be revoked in its store, and its key, which proves the operator present.
//! The engine is asked `cert.issue` on `dept/<OU>/cert/<profile>`, `cert.revoke` on
//! `dept/<OU>/cert/<serial>`, `crl.publish` on `ca/<name>`, `seal.create|seal.revoke|seal.apply`
//! on `dept/<OU>/seal/<type>`, `ca.manage` on `ca/<name>`, with the context `domain` and `time`
//! (now). A deny stops the operation with an [`ops::Error`](super::Error) of the
//! [`PolicyDenied`] kind and is audited; an allow makes the operator the actor of the audit
//! records and arms the store to have the operator sign each state change. A policy that does
//! not load is an error, never an allow. A home without a policy behaves as before.
//!
//! Prints nothing, reads no environment and no clock: the operator's files, the passphrase
//! source, the domain, `now` and the local actor's name are inputs.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use time::OffsetDateTime;

use super::common::{self, OpenCa};
use super::error::{PolicyDenied, Result, hinted};
use super::policy;
use super::secrets::{self, Passphrase, Prompt, Random};
use crate::audit::{Event, proof};
use crate::authz::{self, Policy, Request};
use crate::ca::keys::PrivateKey;
use crate::ca::serial::Serial;
use crate::ca::verify::{self, VerifyInput};
use crate::ca::when::rfc3339;

mod grants;
mod request;
mod standing;
#[cfg(test)]
mod tests;

pub use grants::RoleGrants;
pub use request::{ask_texts, authorize_request};
pub use standing::could_act;

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

/// The CA's name in policy resources (`ca/<name>`): its common name, as a [`segment`].
pub fn ca_name(open: &OpenCa) -> String {
    let cn = crate::ca::input::parse_cert(&open.meta.cert_der)
        .ok()
        .and_then(|c| crate::ca::dn::Dn::from_x509(c.subject()).ok())
        .and_then(|d| d.common_name().map(str::to_string));
    segment(cn.as_deref())
}

/// Who runs an operation on a possibly governed home, and from where.
pub struct Governance<'a> {
    /// The time the operation treats as now.
    pub now: OffsetDateTime,
    /// The security domain the operator works from (`intranet`, `extranet`, `internet`).
    pub domain: Option<String>,
    /// The operator's certificate file, if one was named.
    pub operator_cert: Option<PathBuf>,
    /// The operator's private key file, which proves the operator present.
    pub operator_key: Option<PathBuf>,
    /// Where the operator key's passphrase comes from.
    pub operator_passphrase: Passphrase,
    /// Asks a person for the operator key's passphrase, when it is to be asked.
    pub prompt: &'a dyn Prompt,
    /// Nonces of the operator's statements.
    pub rng: Arc<dyn Random>,
    /// The actor of an ungoverned home's records (`local:<user>`).
    pub local_actor: String,
}

/// What the policy allowed: one rule per distinct ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    pub action: &'static str,
    pub resource: String,
    /// The deciding rule's id (`-` when the decision names none).
    pub rule: String,
}

/// The result of [`authorize`]: the actor of the audit records, and what was allowed (empty
/// when the home is not governed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorized {
    pub actor: String,
    pub allowed: Vec<Allowed>,
}

/// Why an operator certificate is not accepted as an operator of this CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperatorRefusal {
    /// The chain could not be checked at all.
    Unverifiable(String),
    /// The chain to this CA is invalid or indeterminate now.
    Chain(String),
    /// The certificate does not parse.
    Malformed(String),
    /// A CA certificate, not an operator's.
    CaCertificate,
    /// Its serial number is not one this CA could have given.
    BadSerial(String),
    /// Not found, byte for byte, in this CA's store.
    NotIssued,
    /// In the store, but not valid there (revoked, on hold, expired).
    NotValid { status: crate::store::CertStatus },
    /// The store could not be read: fail closed.
    StoreUnreadable(String),
}

impl fmt::Display for OperatorRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OperatorRefusal::Unverifiable(why)
            | OperatorRefusal::Chain(why)
            | OperatorRefusal::Malformed(why)
            | OperatorRefusal::BadSerial(why) => f.write_str(why),
            OperatorRefusal::CaCertificate => {
                f.write_str("a CA certificate is not an operator certificate")
            }
            OperatorRefusal::NotIssued => f.write_str("this CA did not issue it"),
            OperatorRefusal::NotValid { status } => {
                write!(f, "it is {status} in this CA's store")
            }
            OperatorRefusal::StoreUnreadable(why) => {
                write!(f, "the store cannot be read: {why}")
            }
        }
    }
}

impl std::error::Error for OperatorRefusal {}

/// Asks the home's policy about `asks` for the operator of this run. Returns the actor name for
/// audit records (the operator's certificate when governed, else the local actor) and the rules
/// that allowed.
///
/// When governed, the operator proves presence with their key: it must belong to the operator
/// certificate, and from then on it signs every state change of `open`'s store (see
/// [`crate::audit::proof`] and [`crate::store::Store::set_act_signer`]). `unlocked` is the
/// operator's key when the caller has it already (`seal sign`, where the operator is the
/// signer and the signing key is the proof).
pub fn authorize(
    gov: &Governance<'_>,
    open: &mut OpenCa,
    asks: &[Ask],
    unlocked: Option<&PrivateKey>,
) -> Result<Authorized> {
    let Some(policy_path) = open.meta.policy.clone() else {
        // No policy: behave as before. An unverified operator must not reach the audit log.
        return Ok(Authorized {
            actor: gov.local_actor.clone(),
            allowed: Vec::new(),
        });
    };
    let Some(cert_path) = gov.operator_cert.clone() else {
        return Err(hinted(
            format!("this CA is governed by the policy `{policy_path}`, and no operator was named"),
            "pass --as OPERATOR_CERT --as-key OPERATOR_KEY (your certificate issued by this CA, and its key)",
        )
        .into());
    };
    if unlocked.is_none() && gov.operator_key.is_none() {
        return Err(hinted(
            format!(
                "this CA is governed by the policy `{policy_path}`: the operator `{}` must prove it is present",
                cert_path.display()
            ),
            "pass --as-key OPERATOR_KEY (the private key of the --as certificate; it signs the act for the audit log)",
        )
        .into());
    }
    let (policy, version) = policy::load_governing(&open.store, Path::new(&policy_path))?;
    let der = common::read_cert(&cert_path)?;
    let operator = operator_name(&der);
    let first_ask = asks
        .first()
        .map(|a| format!("{} {}", a.action, a.resource))
        .unwrap_or_default();
    if let Err(why) = operator_is_trusted(open, &der, gov.now) {
        return Err(deny(
            gov.now,
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
            let key_path = gov.operator_key.as_deref().unwrap_or(Path::new(""));
            loaded = secrets::load_key(key_path, &gov.operator_passphrase, gov.prompt)?;
            &loaded
        }
    };
    if key.spki_der() != common::spki_of(&der)? {
        let key_name = gov
            .operator_key
            .as_deref()
            .map(|p| format!("`{}`", p.display()))
            .unwrap_or_else(|| "the signing key".into());
        return Err(deny(
            gov.now,
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
    let mut allowed = Vec::new();
    for ask in &asks {
        let request = Request {
            subject: subject.clone(),
            action: ask.action.to_string(),
            resource: ask.resource.clone(),
            context: context_of(gov.domain.as_deref(), gov.now, ask),
        };
        let decision = policy.explain(&request, gov.now);
        if !decision.allow {
            let mut explanation = authz::explain_text(&decision);
            if gov.domain.is_none() {
                explanation
                    .push_str("\nhint: no --domain was given (intranet, extranet or internet)");
            }
            let summary = format!(
                "denied by policy: {} on `{}`: {}",
                ask.action, ask.resource, decision.reason
            );
            let outcome = format!("denied: {}", decision.reason);
            let object = format!("{} {}", ask.action, ask.resource);
            let err = deny(gov.now, open, &operator, object, outcome, summary);
            let err: anyhow::Error = err.into();
            return Err(match err.downcast::<PolicyDenied>() {
                Ok(mut denied) => {
                    denied.explanation = explanation;
                    anyhow::Error::new(denied).into()
                }
                Err(other) => other.into(),
            });
        }
        allowed.push(Allowed {
            action: ask.action,
            resource: ask.resource.clone(),
            rule: decision.rule.clone().unwrap_or_else(|| "-".into()),
        });
    }
    arm_act_signer(gov, open, &asks, &allowed, version, der, key, &operator)?;
    Ok(Authorized {
        actor: operator,
        allowed,
    })
}

/// The context of one ask: `domain`, `time` (now), then the ask's own keys.
fn context_of(domain: Option<&str>, now: OffsetDateTime, ask: &Ask) -> BTreeMap<String, String> {
    let mut context = BTreeMap::new();
    if let Some(d) = domain {
        context.insert("domain".to_string(), d.to_string());
    }
    context.insert("time".to_string(), rfc3339(now));
    for (k, v) in &ask.context {
        context.insert(k.clone(), v.clone());
    }
    context
}

/// What an `authz.allow` record keeps of a decision, and what the statements sign of it.
pub(super) struct Recorded {
    /// The asks as the record's object (`action resource; ...`).
    pub asks_text: String,
    /// The deciding rules, each once.
    pub rules: String,
    /// What was decided, under which policy version: `audit verify` decides it again.
    pub decided: proof::Decided,
    /// The asks as a statement covers them (the object and the decision record).
    pub signed_asks: String,
}

impl Recorded {
    pub(super) fn of(
        asks: &[Ask],
        allowed: &[Allowed],
        version: String,
        domain: Option<String>,
    ) -> Recorded {
        let asks_text = asks
            .iter()
            .map(|a| format!("{} {}", a.action, a.resource))
            .collect::<Vec<_>>()
            .join("; ");
        let mut rules: Vec<String> = allowed.iter().map(|a| a.rule.clone()).collect();
        rules.dedup();
        let decided = proof::Decided {
            policy: version,
            domain,
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
        Recorded {
            asks_text,
            rules: rules.join(", "),
            decided,
            signed_asks,
        }
    }
}

/// From here on the operator signs each state change of this store: the statement covers what
/// was asked and every audit record of the change, and goes into the log with it.
#[allow(clippy::too_many_arguments)]
fn arm_act_signer(
    gov: &Governance<'_>,
    open: &mut OpenCa,
    asks: &[Ask],
    allowed: &[Allowed],
    version: String,
    der: Vec<u8>,
    key: &PrivateKey,
    operator: &str,
) -> Result<()> {
    let time = rfc3339(gov.now);
    let Recorded {
        asks_text,
        rules,
        decided,
        signed_asks,
    } = Recorded::of(asks, allowed, version, gov.domain.clone());
    let key = key
        .try_clone()
        .map_err(|e| anyhow::anyhow!("holding the operator key: {e}"))?;
    let ca_cert = open.meta.cert_der.clone();
    let actor = operator.to_string();
    let rng = gov.rng.clone();
    open.store.set_act_signer(Box::new(move |acts| {
        let nonce = hex::encode(secrets::random16(rng.as_ref()).map_err(|e| e.to_string())?);
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
    Ok(())
}

/// How `ca policy` avoids locking a CA out for good: whether some certificate this CA issued
/// (valid now, no CA certificate) would be allowed `ca.manage` on `resource` by `policy` in some
/// domain at some time of the coming week (every half hour), i.e. whether anyone could ever
/// change the policy again. Returns the first such certificate's actor name.
pub fn who_can_manage(
    policy: &Policy,
    open: &OpenCa,
    resource: &str,
    now: OffsetDateTime,
) -> Result<Option<String>> {
    let rows = open
        .store
        .list(
            &crate::store::ListFilter {
                status: Some(crate::store::CertStatus::Valid),
                ..Default::default()
            },
            now,
        )
        .map_err(anyhow::Error::from)?;
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
    let manage = Ask::new("ca.manage", resource);
    // Now first (the common case answers at once), then every half hour of the coming week.
    for step in 0..(7 * 48) {
        let at = now + time::Duration::minutes(30 * step);
        for domain in domains {
            for (name, subject) in &subjects {
                let request = Request {
                    subject: subject.clone(),
                    action: manage.action.into(),
                    resource: manage.resource.clone(),
                    context: context_of(domain, at, &manage),
                };
                if policy.decide(&request, at).allow {
                    return Ok(Some(name.clone()));
                }
            }
        }
    }
    Ok(None)
}

/// The lock-out refusal of `ca policy`: `policy` (shown as `shown`) may govern the CA named
/// `ca_name` only if some certificate it issued could ever be allowed `ca.manage` on it (see
/// [`who_can_manage`]). Returns that certificate's actor name.
pub fn refuse_lock_out(
    policy: &Policy,
    open: &OpenCa,
    ca_name: &str,
    shown: &str,
    now: OffsetDateTime,
) -> Result<String> {
    match who_can_manage(policy, open, &format!("ca/{ca_name}"), now)? {
        Some(who) => Ok(who),
        None => Err(hinted(
            format!(
                "the policy `{shown}` would lock this CA out for good: no certificate this CA issued could ever be allowed `ca.manage` on `ca/{ca_name}`, so no one could change the policy again"
            ),
            "bind a role with ca.manage on this CA to an officer whose certificate this CA issued (issue it first), then pin the policy",
        )
        .into()),
    }
}

/// Records a denial in the audit log (its own transaction: nothing else happens) and returns
/// the error that stops the operation as a deny.
fn deny(
    now: OffsetDateTime,
    open: &mut OpenCa,
    operator: &str,
    object: String,
    outcome: String,
    summary: String,
) -> super::Error {
    let event = Event {
        time: rfc3339(now),
        actor: operator.to_string(),
        action: "authz.deny".into(),
        object,
        outcome,
    };
    if let Err(e) = open.store.audit(vec![event]) {
        return anyhow::Error::from(e).into();
    }
    anyhow::Error::new(PolicyDenied {
        summary,
        explanation: String::new(),
    })
    .into()
}

/// The operator's certificate must chain to this CA at `now`, and must be valid in its store.
pub fn operator_is_trusted(
    open: &OpenCa,
    der: &[u8],
    now: OffsetDateTime,
) -> std::result::Result<(), OperatorRefusal> {
    let mut chain = open.chain();
    let root = chain.pop().unwrap_or_default();
    let verdict = verify::verify_chain(&VerifyInput {
        policy: None,
        allow_sha1: false,
        end_entity: der,
        intermediates: &chain,
        anchors: &[root],
        crls: &[],
        at: now,
        purpose: None,
    })
    .map_err(|e| OperatorRefusal::Unverifiable(e.to_string()))?;
    if let Some(reason) = verdict.why_not_valid() {
        return Err(OperatorRefusal::Chain(reason));
    }
    // Fail closed: the operator must be a certificate this CA issued, found byte for byte in
    // its store and valid there; a parent's certificate, a CA certificate, or a store error is
    // not an operator.
    let cert =
        crate::ca::input::parse_cert(der).map_err(|e| OperatorRefusal::Malformed(e.to_string()))?;
    if cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|b| b.value.ca)
    {
        return Err(OperatorRefusal::CaCertificate);
    }
    let serial = Serial::from_be_bytes(cert.raw_serial())
        .map_err(|e| OperatorRefusal::BadSerial(e.to_string()))?;
    match open.store.get(&serial, now) {
        Ok(Some(row)) if row.der == der => {
            if row.status == crate::store::CertStatus::Valid {
                Ok(())
            } else {
                Err(OperatorRefusal::NotValid { status: row.status })
            }
        }
        Ok(_) => Err(OperatorRefusal::NotIssued),
        Err(e) => Err(OperatorRefusal::StoreUnreadable(e.to_string())),
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
