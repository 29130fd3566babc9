//! `govpki authz test`: run policy test files.

use std::path::PathBuf;

use anyhow::anyhow;
use serde::Serialize;

use super::load_policy;
use crate::authz::testcase::Expect;
use crate::cli::output::print_error;
use crate::cli::{Context, Outcome, hinted};
use crate::ops::authz;

pub(super) const TEST_LONG: &str = "\
Run YAML test files against a policy. Each case gives a subject, action, resource, context, the
expected decision (allow or deny) and optionally the expected deciding rule. Prints pass or FAIL
per case, then a summary line `N passed, M failed`. Directories are searched for .yaml/.yml
files (not recursively). See policies/README.md for the file format.

EXAMPLES:
    govpki authz test --policy policies policies/tests
    govpki authz test --policy policies \\
        policies/tests/sealing.yaml policies/tests/ca.yaml

EXIT CODES:
    0  every case passed
    1  some case failed
    2  the policy or a test file does not load, or no test cases were found";

/// Arguments of `authz test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// The policy: a YAML file, or a directory of .yaml/.yml files
    #[arg(long, value_name = "PATH")]
    pub policy: PathBuf,
    /// Test files, or directories of .yaml/.yml test files
    #[arg(value_name = "TESTS", required = true)]
    pub tests: Vec<PathBuf>,
}

#[derive(Serialize)]
struct CaseOut<'a> {
    name: &'a str,
    at: String,
    passed: bool,
    expected: Expect,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_rule: Option<&'a str>,
    decision: &'static str,
    rule: Option<&'a str>,
    reason: &'a str,
}

#[derive(Serialize)]
struct TestOut<'a> {
    cases: Vec<CaseOut<'a>>,
    passed: usize,
    failed: usize,
}

pub fn run(args: TestArgs, ctx: &Context) -> anyhow::Result<Outcome> {
    let TestArgs { policy, tests } = args;
    let (policy, _) = load_policy(&policy, ctx, false)?;
    let files = authz::test_files(&tests)?;
    let (cases, bad) = authz::read_test_cases(&files)?;
    for e in &bad {
        print_error(&anyhow!("{e}"));
    }
    let bad = bad.len();
    if bad > 0 {
        return Err(anyhow!(
            "{bad} test file{} did not load",
            if bad == 1 { "" } else { "s" }
        ));
    }
    if cases.is_empty() {
        return Err(hinted(
            "no test cases found",
            "a test file holds `cases:`, a list of requests with `expect: allow|deny`",
        ));
    }
    let results: Vec<_> = cases
        .iter()
        .zip(authz::run_tests(&policy, &cases, ctx.now))
        .collect();
    let passed = results.iter().filter(|(_, r)| r.passed).count();
    let failed = results.len() - passed;
    if ctx.out.is_json() {
        let out = TestOut {
            cases: results
                .iter()
                .map(|(c, r)| CaseOut {
                    name: &c.name,
                    at: c.at.to_string(),
                    passed: r.passed,
                    expected: c.expect,
                    expected_rule: c.rule.as_deref(),
                    decision: if r.decision.allow { "allow" } else { "deny" },
                    rule: r.decision.rule.as_deref(),
                    reason: &r.decision.reason,
                })
                .collect(),
            passed,
            failed,
        };
        ctx.out.json(&out)?;
    } else {
        let mut text = String::new();
        for (c, r) in &results {
            let got = if r.decision.allow { "allow" } else { "deny" };
            if r.passed {
                text.push_str(&format!("pass  {}  [{}]\n", c.name, c.at));
            } else {
                let want = match c.expect {
                    Expect::Allow => "allow",
                    Expect::Deny => "deny",
                };
                text.push_str(&format!("FAIL  {}  [{}]\n", c.name, c.at));
                text.push_str(&format!("      expected {want}"));
                if let Some(rule) = &c.rule {
                    text.push_str(&format!(" by `{rule}`"));
                }
                text.push_str(&format!(", got {got}"));
                if let Some(rule) = &r.decision.rule {
                    text.push_str(&format!(" by `{rule}`"));
                }
                text.push_str(&format!(": {}\n", r.decision.reason));
            }
        }
        text.push_str(&format!("{passed} passed, {failed} failed\n"));
        ctx.out.data(&text)?;
    }
    Ok(if failed > 0 {
        Outcome::Negative
    } else {
        Outcome::Success
    })
}
