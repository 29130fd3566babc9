//! `govpki authz check`: decide one request.

use std::path::PathBuf;

use super::{load_policy, parse_kv};
use crate::authz::{Request, Subject, explain_text};
use crate::cli::{Context, Outcome};
use crate::ops::authz::{self, DecisionOut};

pub(super) const CHECK_LONG: &str = "\
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
        --action seal.apply --resource dept/信息中心/seal/official \\
        --context domain=intranet
    govpki authz check --policy policies --subject cn=李四 \\
        --subject department=档案局 --subject organization=连云港市人民政府 \\
        --action doc.read --resource dept/档案局/doc/2026-001 \\
        --context domain=intranet --context level=内部 --explain
    govpki --json authz check --policy /etc/govpki/policy.yaml \\
        --subject title=审计员 --action audit.read --resource ca/root

EXIT CODES:
    0  allow
    1  deny
    2  an error: the policy does not load, a malformed request, an unreadable certificate";

/// Arguments of `authz check`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["subject_cert", "subject"])))]
pub struct CheckArgs {
    /// The policy: a YAML file, or a directory of .yaml/.yml files
    #[arg(long, value_name = "PATH")]
    pub policy: PathBuf,
    /// The subject's certificate (PEM or DER); its attributes become the subject
    #[arg(long, value_name = "FILE")]
    pub subject_cert: Option<PathBuf>,
    /// A subject attribute, repeated once per attribute (e.g. department=信息中心)
    #[arg(long, value_name = "K=V", value_parser = parse_kv)]
    pub subject: Vec<(String, String)>,
    /// The action, a dotted name (e.g. seal.apply)
    #[arg(long, value_name = "ACTION")]
    pub action: String,
    /// The resource, a slash path (e.g. dept/信息中心/seal/official)
    #[arg(long, value_name = "RESOURCE")]
    pub resource: String,
    /// A context value: domain=intranet|extranet|internet, level=LEVEL, time=RFC3339, or any key
    #[arg(long, value_name = "K=V", value_parser = parse_kv)]
    pub context: Vec<(String, String)>,
    /// Explain: the rule and role path that allowed, or the deny rule, or the nearest rules and
    /// the condition each failed
    #[arg(long)]
    pub explain: bool,
}

pub fn run(args: CheckArgs, ctx: &Context) -> anyhow::Result<Outcome> {
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
        Some(path) => authz::read_subject_cert(&path)?,
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
    authz::check_request(&request)?;
    let (policy, _) = load_policy(&policy, ctx, false)?;
    let decision = authz::decide(&policy, &request, ctx.now, explain);
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
