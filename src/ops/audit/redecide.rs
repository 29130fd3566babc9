//! The pinned-policy check of `audit verify`: every allowed act decided again under the policy
//! version pinned before it, by an operator certificate this CA accepted at the act's time.

use std::collections::HashMap;

use super::verify::{Broken, Check};
use crate::audit::{Record, binding, proof};
use crate::authz::{self, Policy, Request};
use crate::ca::serial::Serial;
use crate::ca::verify::{self, VerifyInput};
use crate::ca::when;
use crate::ops::common::OpenCa;
use crate::ops::policy::{self, PinnedError};

/// Which policy governs at a point of the log.
#[derive(Debug, Clone)]
enum Pin {
    None,
    /// Set by a `ca policy` record that predates versions.
    Legacy(i64),
    Version(String, i64),
}

/// Why an operator's statement in the log does not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unaccepted {
    /// The actor names no serial number this CA could have given.
    BadSerial(String),
    StoreUnreadable(String),
    NotInStore {
        serial: String,
    },
    /// The record's own time does not parse.
    BadTime {
        time: String,
        why: String,
    },
    Malformed {
        serial: String,
        why: String,
    },
    CaCertificate {
        serial: String,
    },
    /// The chain to this CA could not be checked.
    Unverifiable {
        serial: String,
        why: String,
    },
    /// Not this CA's at the act's time (invalid or indeterminate then).
    NotThisCas {
        serial: String,
        time: String,
        why: String,
    },
    /// Revoked at or before the act.
    RevokedBefore {
        serial: String,
        revoked: String,
    },
    /// The record names another actor than the certificate's holder.
    OtherActor {
        named: String,
        serial: String,
        holder: String,
    },
}

impl std::fmt::Display for Unaccepted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unaccepted::BadSerial(why) => f.write_str(why),
            Unaccepted::StoreUnreadable(why) => write!(f, "the store cannot be read: {why}"),
            Unaccepted::NotInStore { serial } => write!(
                f,
                "the operator certificate {serial} is not in this CA's store"
            ),
            Unaccepted::BadTime { time, why } => {
                write!(f, "the record's time `{time}` does not parse: {why}")
            }
            Unaccepted::Malformed { serial, why } => {
                write!(f, "the operator certificate {serial} does not parse: {why}")
            }
            Unaccepted::CaCertificate { serial } => write!(
                f,
                "the operator certificate {serial} is a CA certificate, not an operator's"
            ),
            Unaccepted::Unverifiable { serial, why } => write!(
                f,
                "the operator certificate {serial} cannot be checked: {why}"
            ),
            Unaccepted::NotThisCas { serial, time, why } => write!(
                f,
                "the operator certificate {serial} is not this CA's at {time}: {why}"
            ),
            Unaccepted::RevokedBefore { serial, revoked } => write!(
                f,
                "the operator certificate {serial} was revoked at {revoked}, before the act"
            ),
            Unaccepted::OtherActor {
                named,
                serial,
                holder,
            } => write!(
                f,
                "the record names the actor `{named}`, but the certificate {serial} is `{holder}`"
            ),
        }
    }
}

/// The operator certificate a statement of the log is signed with, if it counts: in this CA's
/// store, no CA certificate, this CA's at the act's time and not revoked before it, and held
/// by the actor the record names.
pub(super) fn operator_acceptance(
    open: &OpenCa,
    now: time::OffsetDateTime,
    serial: &str,
    allow: &Record,
) -> std::result::Result<Vec<u8>, Unaccepted> {
    let serial_text = || serial.to_string();
    let parsed = serial
        .parse::<Serial>()
        .map_err(|e| Unaccepted::BadSerial(e.to_string()))?;
    let row = open
        .store
        .get(&parsed, now)
        .map_err(|e| Unaccepted::StoreUnreadable(e.to_string()))?
        .ok_or_else(|| Unaccepted::NotInStore {
            serial: serial_text(),
        })?;
    let der = row.der;
    let at = when::parse_time(&allow.time).map_err(|e| Unaccepted::BadTime {
        time: allow.time.clone(),
        why: e.to_string(),
    })?;
    let cert = crate::ca::input::parse_cert(&der).map_err(|e| Unaccepted::Malformed {
        serial: serial_text(),
        why: e.to_string(),
    })?;
    if cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|b| b.value.ca)
    {
        return Err(Unaccepted::CaCertificate {
            serial: serial_text(),
        });
    }
    let mut chain = open.chain();
    let root = chain.pop().unwrap_or_default();
    let verdict = verify::verify_chain(&VerifyInput {
        policy: None,
        allow_sha1: false,
        end_entity: &der,
        intermediates: &chain,
        anchors: &[root],
        crls: &[],
        at,
        purpose: None,
    })
    .map_err(|e| Unaccepted::Unverifiable {
        serial: serial_text(),
        why: e.to_string(),
    })?;
    if let Some(reason) = verdict.why_not_valid() {
        return Err(Unaccepted::NotThisCas {
            serial: serial_text(),
            time: allow.time.clone(),
            why: reason,
        });
    }
    if let Some(revoked) = row
        .revoked_at
        .as_deref()
        .and_then(|t| when::parse_time(t).ok())
        && revoked <= at
    {
        return Err(Unaccepted::RevokedBefore {
            serial: serial_text(),
            revoked: when::rfc3339(revoked),
        });
    }
    let holder = crate::ops::govern::operator_name(&der);
    if holder != allow.actor {
        return Err(Unaccepted::OtherActor {
            named: allow.actor.clone(),
            serial: serial_text(),
            holder,
        });
    }
    Ok(der)
}

/// Decides every allowed act again under the policy version pinned before it. Returns how many
/// were decided again, and adds the acts that cannot be (older homes) to `not_provable`.
pub(super) fn redecide(
    open: &OpenCa,
    records: &[Record],
    now: time::OffsetDateTime,
    not_provable: &mut Vec<String>,
) -> std::result::Result<usize, Broken> {
    let fail = |seq: i64, reason: String| Broken {
        seq: Some(seq),
        check: Check::Policy,
        reason,
    };
    let mut pin = Pin::None;
    let mut policies: HashMap<String, std::result::Result<Policy, PinnedError>> = HashMap::new();
    let mut decided_again = 0usize;
    for r in records {
        match r.action.as_str() {
            "ca.policy" => {
                pin = match binding::field(&r.outcome, "policy") {
                    Some(v) => Pin::Version(v.to_string(), r.seq),
                    None if r.object == "(none)" => Pin::None,
                    None => Pin::Legacy(r.seq),
                };
                continue;
            }
            "authz.allow" => {}
            _ => continue,
        }
        let decided = proof::Decided::of_outcome(&r.outcome);
        let (version, pinned_at) = match (&pin, &decided) {
            (Pin::Version(v, at), _) => (v.clone(), *at),
            (Pin::Legacy(at), _) => {
                not_provable.push(format!(
                    "the allowed act of record {} (the policy pinned at record {at} predates policy versions)",
                    r.seq
                ));
                continue;
            }
            (Pin::None, None) => {
                not_provable.push(format!(
                    "the allowed act of record {} (decided before policies were pinned)",
                    r.seq
                ));
                continue;
            }
            (Pin::None, Some(d)) => {
                return Err(fail(
                    r.seq,
                    format!(
                        "an act allowed under the policy version {}, but no policy was pinned then",
                        d.policy
                    ),
                ));
            }
        };
        let Some(decided) = decided else {
            return Err(fail(
                r.seq,
                format!(
                    "an allowed act that does not name the policy it was decided under (the policy pinned at record {pinned_at} is {version})"
                ),
            ));
        };
        let policy = match policies
            .entry(version.clone())
            .or_insert_with(|| policy::load_pinned(&open.store, &version))
        {
            Ok(p) => p,
            Err(e) => return Err(fail(r.seq, e.to_string())),
        };
        let serial = proof::actor_serial(&r.actor).unwrap_or_default();
        let der =
            operator_acceptance(open, now, serial, r).map_err(|e| fail(r.seq, e.to_string()))?;
        let subject = authz::subject_from_cert(&der).map_err(|e| {
            fail(
                r.seq,
                format!("the operator certificate does not read: {e}"),
            )
        })?;
        let at = when::parse_time(&r.time)
            .map_err(|e| fail(r.seq, format!("the record's time does not parse: {e}")))?;
        for ask in &decided.asks {
            let mut context = ask.context.clone();
            if let Some(d) = &decided.domain {
                context.insert("domain".into(), d.clone());
            }
            context.insert("time".into(), r.time.clone());
            let request = Request {
                subject: subject.clone(),
                action: ask.action.clone(),
                resource: ask.resource.clone(),
                context,
            };
            let decision = policy.decide(&request, at);
            if !decision.allow {
                return Err(fail(
                    r.seq,
                    format!(
                        "the pinned policy {version} (record {pinned_at}) denies {} on `{}` to `{}`: {}{}",
                        ask.action,
                        ask.resource,
                        r.actor,
                        decision.reason,
                        if decided.policy == version {
                            String::new()
                        } else {
                            format!(
                                " (the act names the policy version {}, which the log never pinned there)",
                                decided.policy
                            )
                        }
                    ),
                ));
            }
        }
        if decided.policy != version {
            return Err(fail(
                r.seq,
                format!(
                    "the act was decided under the policy version {}, but the policy pinned at record {pinned_at} is {version}",
                    decided.policy
                ),
            ));
        }
        decided_again += 1;
    }
    Ok(decided_again)
}
