//! Policy test files: requests with the decision (and optionally the deciding rule) expected.
//!
//! ```yaml
//! context: {domain: intranet}          # defaults merged into every case (optional)
//! cases:
//!   - name: officer issues a person certificate
//!     subject: {cn: 张三, department: 信息中心, title: 安全管理员}
//!     action: cert.issue
//!     resource: dept/信息中心/cert/person
//!     context: {time: "2026-12-01T10:00:00+08:00"}
//!     expect: allow
//!     rule: ca-officer-issue            # optional
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use time::OffsetDateTime;

use super::model::clean_message;
use super::{Decision, Policy, PolicyError, PolicyErrorKind, Request, SourceLocation, Subject};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFileDoc {
    #[serde(default)]
    context: BTreeMap<String, String>,
    cases: Vec<Spanned<CaseDoc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseDoc {
    name: String,
    subject: Subject,
    action: String,
    resource: String,
    #[serde(default)]
    context: BTreeMap<String, String>,
    expect: Expect,
    #[serde(default)]
    rule: Option<String>,
}

/// The decision a case expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Allow,
    Deny,
}

/// One test case.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub name: String,
    pub at: SourceLocation,
    pub request: Request,
    pub expect: Expect,
    /// The deciding rule expected, when the case names one.
    pub rule: Option<String>,
}

/// The outcome of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub passed: bool,
    pub decision: Decision,
}

/// Parses a test file.
pub fn parse(path: &Path, text: &str) -> Result<Vec<TestCase>, Box<PolicyError>> {
    let file: Arc<Path> = Arc::from(path);
    let doc: TestFileDoc = serde_saphyr::from_str_with_options(text, super::model::yaml_options())
        .map_err(|e| {
            let e = e.without_snippet();
            let (line, column, message) = match e.location() {
                Some(l) => {
                    let suffix = format!(" at line {}, column {}", l.line(), l.column());
                    let text = e.to_string();
                    let message = clean_message(text.strip_suffix(&suffix).unwrap_or(&text));
                    (l.line().max(1), l.column().max(1), message)
                }
                None => (1, 1, clean_message(&e.to_string())),
            };
            PolicyError {
                at: SourceLocation {
                    file: file.clone(),
                    line,
                    column,
                },
                kind: PolicyErrorKind::Syntax(message),
            }
        })?;
    Ok(doc
        .cases
        .into_iter()
        .map(|c| {
            let at = SourceLocation {
                file: file.clone(),
                line: c.referenced.line().max(1),
                column: c.referenced.column().max(1),
            };
            let CaseDoc {
                name,
                subject,
                action,
                resource,
                context,
                expect,
                rule,
            } = c.value;
            let mut merged = doc.context.clone();
            merged.extend(context);
            TestCase {
                name,
                at,
                request: Request {
                    subject,
                    action,
                    resource,
                    context: merged,
                },
                expect,
                rule,
            }
        })
        .collect())
}

/// Runs one case.
pub fn run(policy: &Policy, case: &TestCase, now: OffsetDateTime) -> CaseResult {
    let decision = policy.explain(&case.request, now);
    let decision_ok = decision.allow == (case.expect == Expect::Allow);
    let rule_ok = case
        .rule
        .as_ref()
        .is_none_or(|r| decision.rule.as_deref() == Some(r.as_str()));
    CaseResult {
        passed: decision_ok && rule_ok,
        decision,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cases_with_locations_and_defaults() {
        let text = "context: {domain: intranet}\ncases:\n  - name: a\n    subject: {cn: x}\n    action: doc.read\n    resource: dept/a/doc/1\n    context: {level: secret}\n    expect: allow\n  - name: b\n    subject: {cn: y}\n    action: doc.read\n    resource: r\n    context: {domain: internet}\n    expect: deny\n    rule: r1\n";
        let cases = parse(Path::new("t.yaml"), text).unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].at.line, 3);
        assert_eq!(cases[0].request.context["domain"], "intranet");
        assert_eq!(cases[0].request.context["level"], "secret");
        assert_eq!(cases[1].request.context["domain"], "internet");
        assert_eq!(cases[1].rule.as_deref(), Some("r1"));
    }

    #[test]
    fn bad_files_cite_locations() {
        let err = parse(
            Path::new("t.yaml"),
            "cases:\n  - name: a\n    expected: allow\n",
        )
        .unwrap_err();
        assert_eq!(err.at.line, 3);
        assert!(err.to_string().starts_with("t.yaml:3:"), "{err}");
        let err = parse(Path::new("t.yaml"), "cases:\n  - name: a\n    subject: {}\n    action: a\n    resource: r\n    expect: maybe\n").unwrap_err();
        assert_eq!(err.at.line, 6, "{err}");
    }
}
