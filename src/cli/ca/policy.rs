//! `ca policy`: set or clear the policy that governs the CA.

use super::*;

pub(super) const POLICY_LONG: &str = "\
Set (or with --clear, remove) the authorization policy that governs this CA. With a policy,
`cert issue`, `cert revoke`, `cert release`, `crl generate`, `seal create`, `seal revoke`,
`seal status-list` and `seal sign` need --as OPERATOR_CERT (the operator's certificate, which
must chain to this CA and not be revoked) with --as-key OPERATOR_KEY (its private key, the proof
of presence; `seal sign` uses the signing key), and ask the policy: cert.issue on
dept/<OU>/cert/<profile>, cert.revoke on dept/<OU>/cert/<serial>, crl.publish on ca/<CN>,
seal.create|seal.revoke|seal.apply on dept/<OU>/seal/<type>, with the context domain (--domain)
and time (now). A deny stops the command with the explanation (exit 1) and is audited; an allow
records the operator as the actor, and the operator's key signs a statement of the act that is
kept in the audit log (`audit verify` checks it). A policy that does not load stops every governed command
(exit 2): it never allows. Changing the policy of a governed CA is itself ca.manage on ca/<CN>.
The policy language is described in policies/README.md.

The policy is pinned: its sources are copied into HOME/policies/<VERSION>/ (VERSION is the
SHA-256 of their file names and texts) and the `ca.policy` audit record names the version.
Governed commands evaluate that copy, never the original files and never the compiled-policy
cache; a copy that no longer hashes to its version stops them (exit 2). Every `authz.allow`
record names the version it was decided under, and `audit verify` decides each act again
under the version pinned at that point of the log. To change the policy, pin it again.

A policy under which no certificate this CA issued (valid, not a CA certificate) could ever be
allowed ca.manage on ca/<CN>, in any domain at any time of the week, is refused: it would lock
the CA out for good (no one could change the policy again, not even the CA key's holder). Issue
the officers' certificates before pinning the first policy.

EXAMPLES:
    govpki ca policy /etc/govpki/policies
    govpki --as officer.pem --as-key officer.key \\
        --as-passphrase-file officer.pass --domain intranet \\
        ca policy /etc/govpki/policies-2027
    govpki --as officer.pem --as-key officer.key --domain intranet \\
        ca policy --clear

EXIT CODES:
    0  set or cleared
    1  denied by the current policy
    2  an error (the new policy does not load or would lock the CA out, no operator given)";

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The policy file or directory
    #[arg(value_name = "PATH", required_unless_present = "clear")]
    pub path: Option<PathBuf>,
    /// Remove the policy: the CA is no longer governed
    #[arg(long, conflicts_with = "path")]
    pub clear: bool,
}

pub(super) fn set_policy(args: PolicyArgs, ctx: &Context) -> Result<Outcome> {
    let PolicyArgs { path, clear } = args;
    // The new policy must load before it can govern anything. Its sources are pinned: kept in
    // the home under their version, which the log records.
    let new = match (&path, clear) {
        (Some(p), false) => {
            let sources = crate::cli::authz::read_policy_sources(p)?;
            let pinned = pinned_sources(&sources);
            let policy = crate::ops::policy::compile_governing(p, &sources)?;
            let canonical = std::fs::canonicalize(p)
                .with_context(|| format!("reading policy `{}`", p.display()))?
                .to_string_lossy()
                .into_owned();
            let version = crate::authz::pin::version(&pinned);
            Some((canonical, pinned, policy, version))
        }
        _ => None,
    };
    let mut open = OpenCa::open(&ctx.home)?;
    let name = crate::cli::crl::ca_name(&open);
    if let Some((canonical, _, policy, _)) = &new
        && ops::govern::who_can_manage(policy, &open, &format!("ca/{name}"), ctx.now)?.is_none()
    {
        return Err(crate::cli::hinted(
            format!(
                "the policy `{canonical}` would lock this CA out for good: no certificate this CA issued could ever be allowed `ca.manage` on `ca/{name}`, so no one could change the policy again"
            ),
            "bind a role with ca.manage on this CA to an officer whose certificate this CA issued (issue it first), then pin the policy",
        ));
    }
    let ask = ops::govern::Ask::new("ca.manage", format!("ca/{name}"));
    let authorized = ops::govern::authorize(&ctx.governance(), &mut open, &[ask], None)?;
    ctx.out.allowed(&authorized.allowed);
    let actor = authorized.actor;
    let (governing, object, outcome) = match &new {
        Some((canonical, pinned, _, version)) => {
            let files: Vec<(String, String)> = pinned
                .iter()
                .map(|(n, t)| (n.to_string_lossy().into_owned(), t.clone()))
                .collect();
            let dir = open.store.pin_policy(version, &files)?;
            (
                Some(dir.to_string_lossy().into_owned()),
                canonical.clone(),
                crate::audit::binding::with_field("ok", "policy", version),
            )
        }
        None => (None, "(none)".to_string(), "ok".to_string()),
    };
    open.store.set_policy(
        governing.as_deref(),
        Event {
            time: rfc3339(ctx.now),
            actor,
            action: "ca.policy".into(),
            object,
            outcome,
        },
    )?;
    let shown = new.as_ref().map(|(c, ..)| c.clone());
    let version = new.as_ref().map(|(.., v)| v.clone());
    if ctx.out.is_json() {
        ctx.out.json(&serde_json::json!({
            "policy": shown,
            "version": version,
            "pinned": governing,
        }))?;
    } else {
        match (&shown, &version) {
            (Some(p), Some(v)) => ctx.out.info(&format!(
                "this CA is now governed by the policy `{p}`, pinned as version {v}"
            )),
            _ => ctx.out.info("this CA is no longer governed by a policy"),
        }
    }
    Ok(Outcome::Success)
}

/// A policy's sources under the file names their pinned copy gets: the same names, made
/// visible YAML files where they were not (a single policy file may have any name), so that
/// the copy loads as a directory with the same texts.
pub(super) fn pinned_sources(sources: &[(PathBuf, String)]) -> Vec<(PathBuf, String)> {
    sources
        .iter()
        .enumerate()
        .map(|(i, (p, t))| {
            let mut name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| format!("policy-{i}.yaml"));
            if name.starts_with('.') {
                name = format!("policy{name}");
            }
            if !crate::authz::source::is_yaml(Path::new(&name)) {
                name.push_str(".yaml");
            }
            (PathBuf::from(name), t.clone())
        })
        .collect()
}
