//! `govpki authz validate`: every error and warning of a policy.

use std::path::PathBuf;

use anyhow::anyhow;
use serde::Serialize;

use crate::authz::Policy;
use crate::cli::output::print_error;
use crate::cli::{Context, Outcome};
use crate::ops::policy;

pub(super) const VALIDATE_LONG: &str = "\
Load a policy and report every error and warning with file:line:column. Errors: YAML syntax,
wrong types, unknown keys, duplicate ids, unknown roles, inheritance cycles, separation-of-duty
conflicts a single role or binding yields, bad patterns, levels, domains and time windows.
Warnings: rules that can never match, permissions shadowed by a deny, roles no binding gives.
Always compiles the YAML itself: it neither reads nor writes the compiled-policy cache.

EXAMPLES:
    govpki authz validate --policy policies
    govpki --json authz validate --policy /etc/govpki/policy.yaml

EXIT CODES:
    0  the policy loads (warnings may have been printed)
    2  the policy has errors, or cannot be read";

/// Arguments of `authz validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The policy: a YAML file, or a directory of .yaml/.yml files
    #[arg(long, value_name = "PATH")]
    pub policy: PathBuf,
}

#[derive(Serialize)]
struct ValidateOut {
    valid: bool,
    policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    stats: Option<crate::authz::PolicyStats>,
    errors: Vec<Diag>,
    warnings: Vec<Diag>,
}

#[derive(Serialize)]
struct Diag {
    file: String,
    line: u64,
    column: u64,
    message: String,
}

pub fn run(args: ValidateArgs, ctx: &Context) -> anyhow::Result<Outcome> {
    let ValidateArgs { policy: path } = args;
    let sources = policy::read_sources(&path)?;
    // Never through the compiled-policy cache: diagnostics are this command's whole job, and a
    // full load is what proves the YAML sound (a cache hit would only prove it loaded once).
    // Nor does it store an entry: validating is no reason to write into the user's cache.
    let diag = |at: &crate::authz::SourceLocation, message: String| Diag {
        file: at.file.display().to_string(),
        line: at.line,
        column: at.column,
        message,
    };
    match Policy::load(&sources) {
        Ok((policy, warnings)) => {
            for w in &warnings {
                ctx.out.warn(&w.to_string());
            }
            let stats = policy.stats();
            if ctx.out.is_json() {
                ctx.out.json(&ValidateOut {
                    valid: true,
                    policy: path.display().to_string(),
                    stats: Some(stats),
                    errors: Vec::new(),
                    warnings: warnings
                        .iter()
                        .map(|w| diag(&w.at, w.message.clone()))
                        .collect(),
                })?;
            } else {
                ctx.out.data(&format!(
                    "policy `{}` is valid: {}, {}, {}, {}, {}, {}",
                    path.display(),
                    plural(stats.roles, "role", "roles"),
                    plural(stats.permissions, "permission", "permissions"),
                    plural(stats.bindings, "binding", "bindings"),
                    plural(stats.deny_rules, "deny rule", "deny rules"),
                    plural(
                        stats.separation_of_duty,
                        "separation-of-duty rule",
                        "separation-of-duty rules"
                    ),
                    plural(warnings.len(), "warning", "warnings"),
                ))?;
            }
            Ok(Outcome::Success)
        }
        Err(load) => {
            for w in &load.warnings {
                ctx.out.warn(&w.to_string());
            }
            for e in &load.errors {
                print_error(&anyhow!("{e}"));
            }
            if ctx.out.is_json() {
                ctx.out.json(&ValidateOut {
                    valid: false,
                    policy: path.display().to_string(),
                    stats: None,
                    errors: load
                        .errors
                        .iter()
                        .map(|e| diag(&e.at, e.kind.to_string()))
                        .collect(),
                    warnings: load
                        .warnings
                        .iter()
                        .map(|w| diag(&w.at, w.message.clone()))
                        .collect(),
                })?;
            }
            Err(policy::does_not_load(&path, &load))
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
