//! `govpki authz`: check, batch-decide, validate and test authorization policies. One file per
//! verb; the use cases are in [`crate::ops::authz`], policies are read by
//! [`crate::ops::policy`], and the decisions come from the pure [`crate::authz`] module.

mod batch;
mod check;
mod test;
mod validate;

use std::path::Path;

use anyhow::anyhow;

use super::output::print_error;
use super::{Context, Outcome};
use crate::authz::{Policy, Warning};
use crate::ops::policy;
use crate::store::policy_cache::PolicyCache;

use batch::BATCH_LONG;
pub use batch::BatchArgs;
use check::CHECK_LONG;
pub use check::CheckArgs;
use test::TEST_LONG;
pub use test::TestArgs;
use validate::VALIDATE_LONG;
pub use validate::ValidateArgs;

/// Reads the policy sources at `path` (see [`crate::ops::policy::read_sources`]).
pub use crate::ops::policy::read_sources as read_policy_sources;

const GROUP_LONG: &str = "\
Check, test and explain authorization policies (授权管理).

A policy is a YAML file or a directory of .yaml/.yml files holding roles and their permissions,
role inheritance, bindings from subject attributes to roles (optionally scoped to a department),
explicit deny rules, and separation of duty. Default deny; an explicit deny overrides any allow;
a policy that does not load denies everything (exit 2). The language is documented, with a
worked example, in policies/README.md.

EXIT CODES:
    0  allow (check), policy valid (validate), all tests passed (test)
    1  deny (check), a test failed (test)
    2  an error: the policy does not load, a malformed request or file";

/// Check, test and explain authorization policies.
#[derive(Debug, clap::Subcommand)]
#[command(long_about = GROUP_LONG)]
pub enum AuthzCommand {
    /// Decide one request: allow (exit 0) or deny (exit 1)
    #[command(long_about = CHECK_LONG)]
    Check(CheckArgs),
    /// Decide JSON-lines requests from stdin, one decision per line on stdout
    #[command(long_about = BATCH_LONG)]
    Batch(BatchArgs),
    /// Validate a policy: errors and warnings, each with file:line:column
    #[command(long_about = VALIDATE_LONG)]
    Validate(ValidateArgs),
    /// Run policy test files and print pass/fail per case
    #[command(long_about = TEST_LONG)]
    Test(TestArgs),
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not of the form KEY=VALUE")),
    }
}

/// Runs an `authz` command.
pub fn run(cmd: AuthzCommand, ctx: &Context) -> anyhow::Result<Outcome> {
    match cmd {
        AuthzCommand::Check(args) => check::run(args, ctx),
        AuthzCommand::Batch(args) => batch::run(args, ctx),
        AuthzCommand::Validate(args) => validate::run(args, ctx),
        AuthzCommand::Test(args) => test::run(args, ctx),
    }
}

/// The compiled-policy cache this run may use: none with `GOVPKI_NO_CACHE`, else the directory
/// the environment names (see [`PolicyCache::from_env`]).
fn policy_cache() -> Option<PolicyCache> {
    PolicyCache::from_env(|name| std::env::var_os(name))
}

/// Loads a policy (through the compiled-policy cache, see
/// [`crate::ops::policy::compile_cached`]), printing every error (and, with `show_warnings`,
/// every warning).
pub fn load_policy(
    path: &Path,
    ctx: &Context,
    show_warnings: bool,
) -> anyhow::Result<(Policy, Vec<Warning>)> {
    let sources = policy::read_sources(path)?;
    match policy::compile_cached(&sources, policy_cache().as_ref(), &|m| ctx.out.debug(m)) {
        Ok((policy, warnings)) => {
            for w in &warnings {
                if show_warnings {
                    ctx.out.warn(&w.to_string());
                } else {
                    ctx.out.debug(&format!("warning: {w}"));
                }
            }
            Ok((policy, warnings))
        }
        Err(load) => {
            if show_warnings {
                for w in &load.warnings {
                    ctx.out.warn(&w.to_string());
                }
            }
            for e in &load.errors {
                print_error(&anyhow!("{e}"));
            }
            Err(policy::does_not_load(path, &load))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn kv_parsing() {
        assert_eq!(parse_kv("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(
            parse_kv("department=").unwrap(),
            ("department".into(), String::new())
        );
        assert!(parse_kv("=x").is_err());
        assert!(parse_kv("novalue").is_err());
    }

    #[test]
    fn every_verb_documents_examples_and_exit_codes() {
        let cmd = super::super::Cli::command();
        let authz = cmd.find_subcommand("authz").unwrap();
        for verb in ["check", "batch", "validate", "test"] {
            let sub = authz.find_subcommand(verb).unwrap();
            let long = sub.get_long_about().unwrap().to_string();
            assert!(long.contains("EXAMPLES:"), "{verb}");
            assert!(long.contains("EXIT CODES:"), "{verb}");
            for arg in sub.get_arguments() {
                assert!(arg.get_help().is_some(), "{verb} --{}", arg.get_id());
            }
        }
    }
}
