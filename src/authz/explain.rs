//! Why a decision came out as it did: as data (serialisable for `--json`) and as text.
//!
//! On allow: the permission and the path that reached it (binding -> role -> inherited role ->
//! permission). On deny: the deny rule (and any condition that could not be evaluated and so
//! made it apply), the separation-of-duty conflict, or the nearest permissions and what each
//! lacked.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Decision, SourceLocation};

/// The kind of a step on the path to a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    Binding,
    Role,
    InheritedRole,
    Permission,
}

/// One step on the path from a binding to a permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub id: String,
    pub at: SourceLocation,
    /// The department a binding is scoped to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A rule that decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    pub id: String,
    pub at: SourceLocation,
    /// For a deny: conditions that could not be evaluated, which made it apply.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unevaluable: Vec<String>,
    /// For a separation-of-duty deny: the conflicting roles held.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}

/// A role the subject holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldRole {
    pub role: String,
    pub binding: String,
    /// The role the binding gives, when this one is inherited from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A permission that nearly allowed, and what it lacked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NearMiss {
    pub permission: String,
    pub role: String,
    pub at: SourceLocation,
    pub failed: String,
}

/// Why a decision came out as it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Explanation {
    /// The roles the subject holds, with the binding that gave each.
    pub roles: Vec<HeldRole>,
    /// On allow: binding -> role -> inherited role(s) -> permission.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<Step>,
    /// On a deny by an explicit rule or a separation-of-duty conflict: that rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny_rule: Option<RuleRef>,
    /// On a default deny: the permissions that came nearest, and what each lacked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nearest: Vec<NearMiss>,
}

/// Renders a decision and its explanation for a terminal.
pub fn render_text(decision: &Decision) -> String {
    let mut out = String::new();
    let verdict = if decision.allow { "allow" } else { "deny" };
    let _ = writeln!(out, "{verdict}: {}", decision.reason);
    let Some(ex) = &decision.explanation else {
        return out;
    };
    if ex.roles.is_empty() {
        out.push_str("  roles: none (no binding matches the subject)\n");
    } else {
        out.push_str("  roles:\n");
        for r in &ex.roles {
            let _ = write!(out, "    {} (binding `{}`", r.role, r.binding);
            if let Some(via) = &r.via {
                let _ = write!(out, ", inherited from `{via}`");
            }
            if let Some(scope) = &r.scope {
                let _ = write!(out, ", scope dept/{scope}/");
            }
            out.push_str(")\n");
        }
    }
    if !ex.path.is_empty() {
        out.push_str("  path:\n");
        for step in &ex.path {
            let kind = match step.kind {
                StepKind::Binding => "binding",
                StepKind::Role => "role",
                StepKind::InheritedRole => "inherits",
                StepKind::Permission => "permission",
            };
            let _ = write!(out, "    {kind:<10} {}", step.id);
            if let Some(scope) = &step.scope {
                let _ = write!(out, " (scope dept/{scope}/)");
            }
            let _ = writeln!(out, "  [{}]", step.at);
        }
    }
    if let Some(rule) = &ex.deny_rule {
        let _ = writeln!(out, "  rule: {}  [{}]", rule.id, rule.at);
        if !rule.roles.is_empty() {
            let _ = writeln!(out, "    conflicting roles: {}", rule.roles.join(", "));
        }
        for u in &rule.unevaluable {
            let _ = writeln!(out, "    could not evaluate {u}");
        }
    }
    if !ex.nearest.is_empty() {
        out.push_str("  nearest permissions:\n");
        for n in &ex.nearest {
            let _ = writeln!(
                out,
                "    {} (role `{}`) [{}]\n      failed: {}",
                n.permission, n.role, n.at, n.failed
            );
        }
    }
    out
}
