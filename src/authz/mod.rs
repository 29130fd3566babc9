//! Authorization (授权管理): role-based policies in YAML that say who may do what.
//!
//! - [`model`]: the policy language as written (serde types, unknown keys are errors).
//! - [`Policy::load`] (in `loader`): YAML texts -> a validated, compiled [`Policy`], or every
//!   error and warning with `file:line:column`.
//! - [`Policy::decide`] / [`Policy::explain`] (in `eval`): a [`Request`] and `now` -> a
//!   [`Decision`], using indexes by action and resource prefix rather than a scan of every rule.
//! - [`Explanation`] (in `explain`): why, as data and as text.
//! - [`subject_from_cert`]: a certificate's attributes as a [`Subject`].
//! - [`testcase`]: YAML test files of requests and expected decisions.
//! - [`Policy::to_cache_bytes`] / [`Policy::from_cache_bytes`] (in `cache`): a compiled policy
//!   as bytes and back, keyed by [`cache_key`] of its sources, so that a process can skip
//!   parsing a policy an earlier one compiled.
//!
//! This module is pure: it does not read files, the clock, the environment or stdin. Callers
//! pass policy texts with their paths (see [`source`]) and the time to treat as now. Time zones
//! come from the tz database bundled into the binary, never from the system.
//!
//! Semantics (DESIGN.md §5): default deny; an explicit deny overrides any allow; rule order never
//! matters; a condition that cannot be evaluated makes an allow grant nothing and a deny apply;
//! a subject holding two roles declared in separation of duty is denied everything.

mod cache;
mod cert;
pub mod cond;
mod eval;
mod explain;
mod loader;
pub mod model;
mod pattern;
pub mod pin;
mod request;
pub mod source;
pub mod testcase;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

pub use cache::cache_key;
pub use cert::{CertError, subject_from_cert};
pub use cond::{Domain, Level, TimeError};
pub use eval::{Decision, Policy, PolicyStats};
pub use explain::{
    Explanation, HeldRole, NearMiss, RuleRef, Step, StepKind, render_text as explain_text,
};
pub use request::{Request, RequestError, Subject};

/// A place in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceLocation {
    pub file: Arc<Path>,
    /// 1-based.
    pub line: u64,
    /// 1-based.
    pub column: u64,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

impl Serialize for SourceLocation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A policy error: the policy does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {kind}")]
pub struct PolicyError {
    pub at: SourceLocation,
    pub kind: PolicyErrorKind,
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyErrorKind {
    /// Not YAML, a wrong type, an unknown key.
    #[error("{0}")]
    Syntax(String),
    #[error("unsupported policy version {0} (this govpki reads version 1)")]
    Version(u32),
    #[error("duplicate role `{id}` (first defined at {first})")]
    DuplicateRole { id: String, first: SourceLocation },
    #[error("duplicate rule id `{id}` (first used at {first})")]
    DuplicateId { id: String, first: SourceLocation },
    #[error("unknown role `{0}`")]
    UnknownRole(String),
    #[error("role inheritance cycle: {0}")]
    Cycle(String),
    #[error("separation of duty `{rule}`: {holder} alone yields both `{a}` and `{b}`")]
    SeparationOfDuty {
        rule: String,
        holder: String,
        a: String,
        b: String,
    },
    #[error("invalid {what} pattern `{pattern}`: {why}")]
    Pattern {
        what: &'static str,
        pattern: String,
        why: String,
    },
    #[error(
        "unknown level `{0}` (public, internal, secret, confidential, top-secret, or 公开, 内部, 秘密, 机密, 绝密)"
    )]
    Level(String),
    #[error("unknown domain `{0}` (intranet, extranet or internet)")]
    Domain(String),
    #[error("{0}")]
    Time(TimeError),
    #[error("{0}")]
    Invalid(String),
}

/// Something legal but probably not meant: a rule that can never match, a permission a deny
/// always overrides, a role no binding gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub at: SourceLocation,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Every error found while loading a policy (and the warnings found alongside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadErrors {
    pub errors: Vec<PolicyError>,
    pub warnings: Vec<Warning>,
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.as_slice() {
            [] => f.write_str("the policy does not load"),
            [one] => write!(f, "{one}"),
            [first, rest @ ..] => write!(f, "{first} (and {} more errors)", rest.len()),
        }
    }
}

impl std::error::Error for LoadErrors {}
