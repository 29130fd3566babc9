//! `govpki authz`: check, batch-decide, validate and test authorization policies.
//!
//! This is the edge where policy files, certificates and stdin are read; the decisions
//! themselves come from the pure [`crate::authz`] module.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use serde::{Deserialize, Serialize};

use super::output::print_error;
use super::{Context, Outcome, hinted};
use crate::authz::explain_text;
use crate::authz::testcase::{self, Expect};
use crate::authz::{
    Decision, Explanation, LoadErrors, Policy, Request, Subject, Warning, source, subject_from_cert,
};
use crate::store::policy_cache::PolicyCache;

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

const CHECK_LONG: &str = "\
Decide one request against a policy and print allow or deny with the reason.

The subject comes from a certificate (cn, department = OU, organization = O, title, serial,
issuer, subject, email, dns/ip/uri SANs, policy OIDs) or from --subject K=V, repeated once per
attribute. The context holds domain (intranet | extranet | internet), level (public, internal,
secret, confidential, top-secret, or 公开 内部 秘密 机密 绝密), time (RFC 3339; default now) and any
other key the policy tests.

The compiled policy is cached, so that the next command with the same policy skips parsing its
YAML: in $GOVPKI_CACHE_DIR, else $XDG_CACHE_HOME/govpki/policies, else ~/.cache/govpki/policies,
one file (mode 0600) per compiled policy. An entry is used only for the exact policy texts and
the govpki build it was made from, so an edit takes effect at once, and only if it is your own
file that no one else can write. GOVPKI_NO_CACHE=1 turns the cache off. authz batch, authz test
and governed CA commands use it too; authz validate never does.

EXAMPLES:
    govpki authz check --policy policies --subject-cert zhangsan.pem \\
        --action seal.apply --resource dept/信息中心/seal/official --context domain=intranet
    govpki authz check --policy policies --subject cn=李四 --subject department=档案局 \\
        --subject organization=连云港市人民政府 --action doc.read --resource dept/档案局/doc/2026-001 \\
        --context domain=intranet --context level=内部 --explain
    govpki --json authz check --policy /etc/govpki/policy.yaml --subject title=审计员 \\
        --action audit.read --resource ca/root

EXIT CODES:
    0  allow
    1  deny
    2  an error: the policy does not load, a malformed request, an unreadable certificate";

const BATCH_LONG: &str = "\
Decide many requests with the policy compiled once. Each stdin line is a JSON object:

    {\"subject\": {\"cn\": \"张三\", \"department\": \"信息中心\"}, \"action\": \"seal.apply\",
     \"resource\": \"dept/信息中心/seal/official\", \"context\": {\"domain\": \"intranet\"}}

with optional \"id\" (echoed back) and \"explain\": true. Each input line gets exactly one output
line, in order: {\"decision\": \"allow\"|\"deny\", \"reason\": ..., \"rule\": ...}, or for a malformed
line {\"line\": N, \"error\": ...}. Output is flushed whenever stdin has nothing more buffered, so
a co-process can ask one question at a time.

EXAMPLES:
    govpki authz batch --policy policies < requests.jsonl > decisions.jsonl
    printf '%s\\n' '{\"subject\":{\"title\":\"审计员\"},\"action\":\"audit.read\",\"resource\":\"ca/root\"}' \\
        | govpki authz batch --policy policies

EXIT CODES:
    0  every line got a decision (allow or deny)
    2  the policy does not load, stdin cannot be read, or some lines were malformed (each
       such line got an error object; the others still got decisions)";

const VALIDATE_LONG: &str = "\
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

const TEST_LONG: &str = "\
Run YAML test files against a policy. Each case gives a subject, action, resource, context, the
expected decision (allow or deny) and optionally the expected deciding rule. Prints pass or FAIL
per case, then a summary line `N passed, M failed`. Directories are searched for .yaml/.yml
files (not recursively). See policies/README.md for the file format.

EXAMPLES:
    govpki authz test --policy policies policies/tests
    govpki authz test --policy policies policies/tests/sealing.yaml policies/tests/ca.yaml

EXIT CODES:
    0  every case passed
    1  some case failed
    2  the policy or a test file does not load, or no test cases were found";

/// Arguments of `authz check`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["subject_cert", "subject"])))]
pub struct CheckArgs {
    /// The policy: a YAML file, or a directory of .yaml/.yml files
    #[arg(long, value_name = "PATH")]
    pub policy: PathBuf,
    /// The subject's certificate (PEM or DER); its attributes become the subject
    #[arg(long, value_name = "F")]
    pub subject_cert: Option<PathBuf>,
    /// A subject attribute, repeated once per attribute (e.g. department=信息中心)
    #[arg(long, value_name = "K=V", value_parser = parse_kv)]
    pub subject: Vec<(String, String)>,
    /// The action, a dotted name (e.g. seal.apply)
    #[arg(long, value_name = "A")]
    pub action: String,
    /// The resource, a slash path (e.g. dept/信息中心/seal/official)
    #[arg(long, value_name = "R")]
    pub resource: String,
    /// A context value: domain=intranet|extranet|internet, level=LEVEL, time=RFC3339, or any key
    #[arg(long, value_name = "K=V", value_parser = parse_kv)]
    pub context: Vec<(String, String)>,
    /// Explain: the rule and role path that allowed, or the deny rule, or the nearest rules and
    /// the condition each failed
    #[arg(long)]
    pub explain: bool,
}

/// Arguments of `authz batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// The policy: a YAML file, or a directory of .yaml/.yml files
    #[arg(long, value_name = "PATH")]
    pub policy: PathBuf,
}

/// Arguments of `authz validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The policy: a YAML file, or a directory of .yaml/.yml files
    #[arg(long, value_name = "PATH")]
    pub policy: PathBuf,
}

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

fn parse_kv(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not of the form KEY=VALUE")),
    }
}

/// Runs an `authz` command.
pub fn run(cmd: AuthzCommand, ctx: &Context) -> anyhow::Result<Outcome> {
    match cmd {
        AuthzCommand::Check(args) => check(args, ctx),
        AuthzCommand::Batch(args) => batch(args, ctx),
        AuthzCommand::Validate(args) => validate(args, ctx),
        AuthzCommand::Test(args) => test(args, ctx),
    }
}

/// Reads the policy sources at `path`: one file, or the YAML files of a directory.
pub fn read_policy_sources(path: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("reading policy `{}`", path.display()))?;
    let files = if meta.is_dir() {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(path)
            .with_context(|| format!("listing policy directory `{}`", path.display()))?
        {
            let entry =
                entry.with_context(|| format!("listing policy directory `{}`", path.display()))?;
            // Every `.yaml`/`.yml` entry is a source, whatever its type: a deny file replaced
            // by a FIFO, a directory or a dangling link must stop the command (the bounded
            // reader refuses it), never be skipped into an allow.
            entries.push(entry.path());
        }
        let files = source::policy_files(entries);
        if files.is_empty() {
            return Err(hinted(
                format!(
                    "no .yaml or .yml files in policy directory `{}`",
                    path.display()
                ),
                "pass a policy file, or a directory that holds one",
            ));
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    files
        .into_iter()
        .map(|f| {
            let bytes = super::common::read_file(&f, "policy")?;
            let text = utf8_text(&f, bytes)?;
            Ok((f, text))
        })
        .collect()
}

/// The file's text, or an error naming the line and column of the first byte that is not UTF-8.
fn utf8_text(path: &Path, bytes: Vec<u8>) -> anyhow::Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // `good` is valid UTF-8 by construction.
        let before = std::str::from_utf8(good).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        anyhow!("{}:{line}:{column}: not valid UTF-8", path.display())
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Compiles policy sources, through the compiled-policy cache unless `GOVPKI_NO_CACHE` is set:
/// an entry for these exact sources (and this build) is used when it checks out, else the
/// policy is loaded from the sources and, when it loads, stored. The cache never changes the
/// result: any trouble with it is reported to `debug` only and means a normal load. A policy
/// that does not load is never stored, so its errors are always found afresh.
pub fn compile_policy(
    sources: &[(PathBuf, String)],
    debug: &dyn Fn(&str),
) -> Result<(Policy, Vec<Warning>), LoadErrors> {
    let Some(cache) = PolicyCache::from_env(|name| std::env::var_os(name)) else {
        return Policy::load(sources);
    };
    let key = crate::authz::cache_key(sources);
    let entry = cache.entry_path(&key);
    match cache.read(&key) {
        Ok(Some(bytes)) => match Policy::from_cache_bytes(&bytes, &key) {
            Some(hit) => {
                debug(&format!("compiled policy from cache `{}`", entry.display()));
                return Ok(hit);
            }
            None => debug(&format!(
                "ignoring policy cache entry `{}`: it does not check out",
                entry.display()
            )),
        },
        Ok(None) => {}
        Err(e) => debug(&format!(
            "ignoring policy cache entry `{}`: {e}",
            entry.display()
        )),
    }
    let (policy, warnings) = Policy::load(sources)?;
    if let Some(bytes) = policy.to_cache_bytes(&warnings, &key) {
        match cache.write(&key, &bytes) {
            Ok(()) => debug(&format!("stored compiled policy `{}`", entry.display())),
            Err(e) => debug(&format!(
                "not caching the compiled policy in `{}`: {e}",
                cache.dir().display()
            )),
        }
    }
    Ok((policy, warnings))
}

/// Loads a policy (through the compiled-policy cache, see [`compile_policy`]), printing every
/// error (and, with `show_warnings`, every warning).
pub fn load_policy(
    path: &Path,
    ctx: &Context,
    show_warnings: bool,
) -> anyhow::Result<(Policy, Vec<Warning>)> {
    let sources = read_policy_sources(path)?;
    match compile_policy(&sources, &|m| ctx.out.debug(m)) {
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
            let n = load.errors.len();
            for e in &load.errors {
                print_error(&anyhow!("{e}"));
            }
            Err(anyhow!(
                "policy `{}` does not load ({n} error{})",
                path.display(),
                if n == 1 { "" } else { "s" }
            ))
        }
    }
}

/// Reads a certificate file (PEM or DER) and returns its subject attributes.
pub fn read_subject_cert(path: &Path) -> anyhow::Result<Subject> {
    let bytes = super::common::read_file(path, "subject certificate")?;
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

#[derive(Serialize)]
struct DecisionOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a serde_json::Value>,
    decision: &'static str,
    reason: &'a str,
    rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a Explanation>,
}

impl<'a> DecisionOut<'a> {
    fn new(d: &'a Decision, id: Option<&'a serde_json::Value>) -> Self {
        DecisionOut {
            id,
            decision: if d.allow { "allow" } else { "deny" },
            reason: &d.reason,
            rule: d.rule.as_deref(),
            explanation: d.explanation.as_ref(),
        }
    }
}

fn check(args: CheckArgs, ctx: &Context) -> anyhow::Result<Outcome> {
    let CheckArgs {
        policy,
        subject_cert,
        subject,
        action,
        resource,
        context,
        explain,
    } = args;
    let subject = match subject_cert {
        Some(path) => read_subject_cert(&path)?,
        None => {
            let mut s = Subject::new();
            for (k, v) in &subject {
                s.insert(k, v);
            }
            s
        }
    };
    let request = Request {
        subject,
        action,
        resource,
        context: context.into_iter().collect(),
    };
    request.check().context("malformed request")?;
    request
        .check_values()
        .map_err(|e| hinted(format!("malformed request: {e}"), e.hint()))?;
    let (policy, _) = load_policy(&policy, ctx, false)?;
    let decision = if explain {
        policy.explain(&request, ctx.now)
    } else {
        policy.decide(&request, ctx.now)
    };
    if ctx.out.is_json() {
        ctx.out.json(&DecisionOut::new(&decision, None))?;
    } else {
        ctx.out.data(&explain_text(&decision))?;
    }
    Ok(if decision.allow {
        Outcome::Success
    } else {
        Outcome::Negative
    })
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

/// Flush output once this much has accumulated, even if more input is waiting.
const BATCH_CHUNK: usize = 64 * 1024;

fn batch(args: BatchArgs, ctx: &Context) -> anyhow::Result<Outcome> {
    let BatchArgs { policy } = args;
    let (policy, _) = load_policy(&policy, ctx, false)?;
    let stdin = std::io::stdin().lock();
    let mut input = BufReader::with_capacity(64 * 1024, stdin);
    let mut raw = Vec::new();
    let mut out = String::new();
    let mut malformed = 0usize;
    let mut line_no = 0usize;
    loop {
        raw.clear();
        let n = input
            .read_until(b'\n', &mut raw)
            .context("reading requests from stdin")?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let line = decide_line(&policy, &raw, line_no, ctx);
        if line.1 {
            malformed += 1;
        }
        out.push_str(&line.0);
        out.push('\n');
        // Flush when the next read would block (interactive use) or the buffer is large.
        if out.len() >= BATCH_CHUNK || input.buffer().is_empty() {
            ctx.out.data(&out)?;
            out.clear();
        }
    }
    ctx.out.data(&out)?;
    if malformed > 0 {
        return Err(anyhow!(
            "{malformed} of {line_no} request line{} malformed (each got an error object on stdout)",
            if line_no == 1 { " was" } else { "s were" }
        ));
    }
    Ok(Outcome::Success)
}

/// Decides one batch line; returns the JSON text and whether the line was malformed.
fn decide_line(policy: &Policy, raw: &[u8], line_no: usize, ctx: &Context) -> (String, bool) {
    let err = |id: Option<&serde_json::Value>, error: String| {
        let e = BatchError {
            id,
            line: line_no,
            error,
        };
        (serde_json::to_string(&e).unwrap_or_default(), true)
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
    let decision = if explain {
        policy.explain(&request, ctx.now)
    } else {
        policy.decide(&request, ctx.now)
    };
    (
        serde_json::to_string(&DecisionOut::new(&decision, id.as_ref())).unwrap_or_default(),
        false,
    )
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

fn validate(args: ValidateArgs, ctx: &Context) -> anyhow::Result<Outcome> {
    let ValidateArgs { policy: path } = args;
    let sources = read_policy_sources(&path)?;
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
            let n = load.errors.len();
            Err(anyhow!(
                "policy `{}` does not load ({n} error{})",
                path.display(),
                if n == 1 { "" } else { "s" }
            ))
        }
    }
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

fn test(args: TestArgs, ctx: &Context) -> anyhow::Result<Outcome> {
    let TestArgs { policy, tests } = args;
    let (policy, _) = load_policy(&policy, ctx, false)?;
    let mut files = Vec::new();
    for t in &tests {
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
    let mut cases = Vec::new();
    let mut bad = 0usize;
    for f in &files {
        let bytes = super::common::read_file(f, "test file")?;
        let text = utf8_text(f, bytes)?;
        match testcase::parse(f, &text) {
            Ok(c) => cases.extend(c),
            Err(e) => {
                print_error(&anyhow!("{e}"));
                bad += 1;
            }
        }
    }
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
        .map(|c| (c, testcase::run(&policy, c, ctx.now)))
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
