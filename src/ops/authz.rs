//! The `authz` use cases over files: reading a subject certificate, checking a request,
//! deciding one line of a batch, collecting and running policy test files. The decisions
//! themselves come from the pure [`crate::authz`] module; policies are read by
//! [`super::policy`].
//!
//! Prints nothing: a result is a value (or the JSON text of one batch line).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common;
use super::error::hinted;
use super::policy::utf8_text;
use crate::authz::testcase::{self, CaseResult, TestCase};
use crate::authz::{
    Decision, Explanation, Policy, PolicyError, Request, Subject, source, subject_from_cert,
};

/// Reads a certificate file (PEM or DER) and returns its subject attributes.
pub fn read_subject_cert(path: &Path) -> anyhow::Result<Subject> {
    let bytes = common::read_file(path, "subject certificate")?;
    let der = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let blocks = pem::parse_many(&bytes)
            .with_context(|| format!("reading PEM in `{}`", path.display()))?;
        blocks
            .into_iter()
            .find(|b| b.tag() == "CERTIFICATE")
            .map(|b| b.into_contents())
            .ok_or_else(|| anyhow!("no CERTIFICATE block in `{}`", path.display()))?
    } else {
        bytes
    };
    subject_from_cert(&der)
        .with_context(|| format!("reading subject certificate `{}`", path.display()))
}

/// Refuses a malformed request: missing parts, or values the policy language cannot hold.
pub fn check_request(request: &Request) -> anyhow::Result<()> {
    request.check().context("malformed request")?;
    request
        .check_values()
        .map_err(|e| hinted(format!("malformed request: {e}"), e.hint()))
}

/// Decides a request, with the explanation when `explain` is set.
pub fn decide(policy: &Policy, request: &Request, now: OffsetDateTime, explain: bool) -> Decision {
    if explain {
        policy.explain(request, now)
    } else {
        policy.decide(request, now)
    }
}

/// A decision as `authz check --json` and `authz batch` print it.
#[derive(Serialize)]
pub struct DecisionOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a serde_json::Value>,
    pub decision: &'static str,
    pub reason: &'a str,
    pub rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<&'a Explanation>,
}

impl<'a> DecisionOut<'a> {
    pub fn new(d: &'a Decision, id: Option<&'a serde_json::Value>) -> Self {
        DecisionOut {
            id,
            decision: if d.allow { "allow" } else { "deny" },
            reason: &d.reason,
            rule: d.rule.as_deref(),
            explanation: d.explanation.as_ref(),
        }
    }
}

/// One request line of `authz batch`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchLine {
    #[serde(default)]
    id: Option<serde_json::Value>,
    subject: Subject,
    action: String,
    resource: String,
    #[serde(default)]
    context: BTreeMap<String, String>,
    #[serde(default)]
    explain: bool,
}

#[derive(Serialize)]
struct BatchError<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a serde_json::Value>,
    line: usize,
    error: String,
}

/// The answer to one batch line: its JSON text, and whether the line was malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchAnswer {
    pub json: String,
    pub malformed: bool,
}

/// Decides one batch line (`line_no` counts from 1).
pub fn decide_line(
    policy: &Policy,
    raw: &[u8],
    line_no: usize,
    now: OffsetDateTime,
) -> BatchAnswer {
    let err = |id: Option<&serde_json::Value>, error: String| {
        let e = BatchError {
            id,
            line: line_no,
            error,
        };
        BatchAnswer {
            json: serde_json::to_string(&e).unwrap_or_default(),
            malformed: true,
        }
    };
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t.trim_end_matches(['\n', '\r']),
        Err(_) => return err(None, "the line is not valid UTF-8".into()),
    };
    let parsed: BatchLine = match serde_json::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            // Echo the id when the line is JSON with an id, so callers can match errors up.
            let id: Option<serde_json::Value> = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| v.get("id").cloned());
            // serde_json counts lines inside the request; the line number is given separately.
            let message = e.to_string().replace(" at line 1 column ", " at column ");
            return err(id.as_ref(), format!("malformed request: {message}"));
        }
    };
    let BatchLine {
        id,
        subject,
        action,
        resource,
        context,
        explain,
    } = parsed;
    let request = Request {
        subject,
        action,
        resource,
        context,
    };
    if let Err(e) = request.check() {
        return err(id.as_ref(), format!("malformed request: {e}"));
    }
    if let Err(e) = request.check_values() {
        return err(id.as_ref(), format!("malformed request: {e}"));
    }
    let decision = decide(policy, &request, now, explain);
    BatchAnswer {
        json: serde_json::to_string(&DecisionOut::new(&decision, id.as_ref())).unwrap_or_default(),
        malformed: false,
    }
}

/// The test files named: files as given, and the YAML files of directories (not recursively).
pub fn test_files(tests: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for t in tests {
        if t.is_dir() {
            let mut entries = Vec::new();
            for entry in std::fs::read_dir(t)
                .with_context(|| format!("listing test directory `{}`", t.display()))?
            {
                let p = entry
                    .with_context(|| format!("listing test directory `{}`", t.display()))?
                    .path();
                if p.is_file() {
                    entries.push(p);
                }
            }
            files.extend(source::policy_files(entries));
        } else {
            files.push(t.clone());
        }
    }
    Ok(files)
}

/// The cases of some test files, and the error of each file that does not parse. A file that
/// cannot be read at all is an error.
pub fn read_test_cases(
    files: &[PathBuf],
) -> anyhow::Result<(Vec<TestCase>, Vec<Box<PolicyError>>)> {
    let mut cases = Vec::new();
    let mut bad = Vec::new();
    for f in files {
        let bytes = common::read_file(f, "test file")?;
        let text = utf8_text(f, bytes)?;
        match testcase::parse(f, &text) {
            Ok(c) => cases.extend(c),
            Err(e) => bad.push(e),
        }
    }
    Ok((cases, bad))
}

/// Runs test cases against a policy at `now`.
pub fn run_tests(policy: &Policy, cases: &[TestCase], now: OffsetDateTime) -> Vec<CaseResult> {
    cases
        .iter()
        .map(|c| testcase::run(policy, c, now))
        .collect()
}
