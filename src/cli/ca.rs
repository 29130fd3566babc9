//! `govpki ca`: create a root or subordinate CA in a home, and show it.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use time::Duration;

use super::common::{self, NewKeyProtection, OpenCa};
use super::{Context, Outcome};
use crate::audit::Event;
use crate::ca::dn::Dn;
use crate::ca::issue::SubCaOptions;
use crate::ca::keys::{Algorithm, PrivateKey};
use crate::ca::when::{self, rfc3339};
use crate::ops::issue::KeyProtection;
use crate::ops::{self, SystemRandom};
use crate::store::{self, Store};

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum CaCommand {
    /// Create this home's CA: a self-signed root, or a subordinate CA under --parent
    #[command(long_about = INIT_LONG)]
    Init(InitArgs),
    /// Print this home's CA certificate (PEM), or the whole chain with --chain
    #[command(long_about = SHOW_LONG)]
    Show(ShowArgs),
    /// Set or clear the authorization policy that governs this CA's commands
    #[command(long_about = POLICY_LONG)]
    Policy(PolicyArgs),
}

const POLICY_LONG: &str = "\
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
    govpki --as officer.pem --as-key officer.key --as-passphrase-file officer.pass \
        --domain intranet ca policy /etc/govpki/policies-2027
    govpki --as officer.pem --as-key officer.key --domain intranet ca policy --clear

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

const INIT_LONG: &str = "\
Create this home's certificate authority. Without --parent it is a self-signed root; with
--parent DIR it is a subordinate CA whose certificate the CA in DIR issues (profile sub-ca),
recorded and audited in the parent's store.

The CA key is PKCS#8, encrypted with scrypt + AES-256-CBC under a passphrase (from
--passphrase-file, or asked for on the terminal), in HOME/private/ca.key with mode 0600.
An unencrypted key needs the explicit --no-passphrase.

Directories this run creates (HOME, HOME/private) are 0700 and the store 0600 whatever the
umask; an existing directory keeps its mode. A HOME/private that is a symbolic link is refused.
Concurrent runs on one home take turns (HOME/init.lock): one creates the CA, the others exit 2
finding it made. A failed run removes only what it created.

EXAMPLES:
    govpki --home /srv/pki/root ca init \\
        --subject 'CN=连云港市电子政务根CA,O=连云港市人民政府,C=CN' --passphrase-file root.pass
    govpki --home /srv/pki/sub ca init --parent /srv/pki/root --parent-passphrase-file root.pass \\
        --subject 'CN=连云港市电子政务业务CA,O=连云港市人民政府,C=CN' --path-len 0 \\
        --permit-dns lyg.gov.cn --crl-url http://pki.lyg.gov.cn/sub.crl --passphrase-file sub.pass

EXIT CODES:
    0  the CA was created
    2  an error (the home already holds a CA, bad subject, wrong parent passphrase, ...)";

const SHOW_LONG: &str = "\
Print this home's CA certificate as PEM, or with --chain the CA and every CA above it up to the
root. With --json, a summary with the PEM.

EXAMPLES:
    govpki ca show > ca.pem
    govpki ca show --chain > chain.pem
    govpki --json ca show

EXIT CODES:
    0  printed
    2  the home holds no CA";

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The CA's distinguished name, RFC 4514 (e.g. 'CN=根CA,O=连云港市人民政府,C=CN')
    #[arg(long, value_name = "DN")]
    pub subject: String,
    /// Key algorithm
    #[arg(long, value_enum, default_value_t = Algorithm::P256)]
    pub algorithm: Algorithm,
    /// Validity period [default: 20y for a root, 10y for a subordinate CA]
    #[arg(long, value_name = "DURATION")]
    pub validity: Option<String>,
    /// The parent CA's home: makes this a subordinate CA issued by it
    #[arg(long, value_name = "DIR")]
    pub parent: Option<PathBuf>,
    /// File holding the parent CA key's passphrase
    #[arg(long, value_name = "F", requires = "parent")]
    pub parent_passphrase_file: Option<PathBuf>,
    /// Path length constraint of the subordinate CA
    #[arg(long, value_name = "N", requires = "parent")]
    pub path_len: Option<u8>,
    /// Permitted DNS subtree (name constraint) of the subordinate CA; repeatable
    #[arg(long, value_name = "D", requires = "parent")]
    pub permit_dns: Vec<String>,
    /// Permitted directory-name subtree (name constraint); repeatable
    #[arg(long, value_name = "DN", requires = "parent")]
    pub permit_dn: Vec<String>,
    /// CRL distribution point URL put in the certificates this CA issues
    #[arg(long, value_name = "URL")]
    pub crl_url: Option<String>,
    /// OCSP URL put (as AIA) in the certificates this CA issues
    #[arg(long, value_name = "URL")]
    pub ocsp_url: Option<String>,
    /// File holding the passphrase for the new CA key (first line)
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
    /// Write the CA key unencrypted (explicit consent)
    #[arg(long)]
    pub no_passphrase: bool,
    /// Refused: a new CA has no officer who could act under a policy (pin one with `ca policy`)
    #[arg(long, value_name = "PATH")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Print the whole chain up to the root
    #[arg(long)]
    pub chain: bool,
}

pub fn run(cmd: CaCommand, ctx: &Context) -> Result<Outcome> {
    match cmd {
        CaCommand::Init(args) => init(args, ctx),
        CaCommand::Show(args) => show(args, ctx),
        CaCommand::Policy(args) => set_policy(args, ctx),
    }
}

fn check_url(url: &Option<String>, flag: &str) -> Result<()> {
    if let Some(u) = url
        && (!(u.starts_with("http://") || u.starts_with("https://") || u.starts_with("ldap://"))
            || !u.is_ascii()
            || u.contains(char::is_whitespace))
    {
        bail!("{flag} `{u}` is not an http(s) or ldap URL");
    }
    Ok(())
}

fn init(args: InitArgs, ctx: &Context) -> Result<Outcome> {
    let InitArgs {
        subject,
        algorithm,
        validity,
        parent,
        parent_passphrase_file,
        path_len,
        permit_dns,
        permit_dn,
        crl_url,
        ocsp_url,
        passphrase_file,
        no_passphrase,
        policy,
    } = args;
    let subject = Dn::parse(&subject).with_context(|| format!("--subject `{subject}`"))?;
    let validity = match &validity {
        Some(v) => when::parse_duration(v)?,
        None if parent.is_some() => Duration::days(3650),
        None => Duration::days(7300),
    };
    check_url(&crl_url, "--crl-url")?;
    check_url(&ocsp_url, "--ocsp-url")?;
    let permit_dn = permit_dn
        .iter()
        .map(|d| Dn::parse(d).with_context(|| format!("--permit-dn `{d}`")))
        .collect::<Result<Vec<_>>>()?;
    for d in &permit_dns {
        crate::ca::profile::San::parse(&format!("dns:{d}"))
            .with_context(|| format!("--permit-dns `{d}`"))?;
    }
    let policy: Option<String> = match policy {
        Some(p) => {
            super::govern::load_policy(&p)?;
            // A new CA has issued no certificate: under any policy, no one could ever be
            // allowed to run `ca policy` (or anything else) on it.
            return Err(super::hinted(
                format!(
                    "a new CA governed by the policy `{}` would be locked out for good: it has issued no certificate, so no operator could ever act on it",
                    p.display()
                ),
                "create the CA without --policy, issue the officers' certificates, then run `govpki ca policy PATH`",
            ));
        }
        None => None,
    };
    let home = ctx.home.clone();
    // Never build over an existing store or key, even one that does not open: a damaged
    // home is repaired by a person, not overwritten (and must not be cleaned up below).
    for f in [store::DB_FILE, store::CA_KEY_FILE] {
        if home.join(f).symlink_metadata().is_ok() {
            if Store::open(&home).is_ok() {
                bail!("`{}` already holds a CA", home.display());
            }
            bail!(
                "`{}` already has `{f}`; refusing to create a CA over it",
                home.display()
            );
        }
    }
    // Open the parent (and unlock its key) before creating anything here.
    let parent_ca = match &parent {
        Some(p) => {
            let canon_parent = std::fs::canonicalize(p)
                .with_context(|| format!("reading parent home `{}`", p.display()))?;
            if std::fs::canonicalize(&home).ok().as_ref() == Some(&canon_parent) {
                bail!("--parent `{}` is this home itself", p.display());
            }
            let mut open =
                OpenCa::open(p).with_context(|| format!("opening parent CA `{}`", p.display()))?;
            let actor = super::govern::authorize(
                ctx,
                &mut open,
                &[super::govern::Ask::new(
                    "cert.issue",
                    format!(
                        "dept/{}/cert/sub-ca",
                        super::govern::segment(subject.department())
                    ),
                )],
            )?;
            let key = open.unlock(
                &super::common::ca_passphrase(parent_passphrase_file.as_deref()),
                &super::common::TERMINAL,
            )?;
            Some((open, key, actor))
        }
        None => None,
    };
    if !permit_dn.is_empty() {
        // rustls-webpki has no directoryName constraint support (rustls/webpki#19) and rejects
        // every certificate under such a CA; openssl and GnuTLS enforce them.
        ctx.out.warn(
            "directory-name constraints (--permit-dn) are enforced by openssl and GnuTLS, but rustls-webpki, which `govpki cert verify` uses, rejects every certificate under such a CA",
        );
    }
    let protection = common::new_key_protection(
        passphrase_file.as_deref(),
        no_passphrase,
        "--passphrase-file",
        "--no-passphrase",
        "new CA key",
    )?;
    let key = PrivateKey::generate(algorithm)?;
    let made = ops::ca_init::init(
        &home,
        ops::ca_init::Request {
            subject: subject.clone(),
            key,
            protection: match &protection {
                NewKeyProtection::Passphrase(p) => KeyProtection::Passphrase(p.clone()),
                NewKeyProtection::None => KeyProtection::Unencrypted,
            },
            validity,
            parent: parent_ca.map(|(open, key, actor)| ops::ca_init::Parent { open, key, actor }),
            sub_ca: SubCaOptions {
                path_len,
                permit_dns,
                permit_dn,
            },
            crl_url,
            ocsp_url,
            policy,
        },
        &common::local_actor(),
        ctx.now,
        &SystemRandom,
    )?;
    if let Some(end) = made.capped_to {
        ctx.out.warn(&format!(
            "validity cut to the parent CA's end, {}",
            rfc3339(end)
        ));
    }
    let cert_der = made.cert_der;
    let summary = summary(
        &cert_der,
        &[],
        key_algorithm_of(&cert_der),
        matches!(protection, NewKeyProtection::Passphrase(_)),
    );
    if ctx.out.is_json() {
        let mut v = summary;
        v["home"] = serde_json::json!(home.display().to_string());
        ctx.out.json(&v)?;
    } else {
        ctx.out.info(&format!(
            "created {} CA `{}` in `{}` (serial {}, valid until {})",
            if parent.is_some() {
                "subordinate"
            } else {
                "root"
            },
            subject,
            home.display(),
            ops::ca_init::serial_hex(&cert_der),
            summary["not_after"].as_str().unwrap_or("?"),
        ));
        if matches!(protection, NewKeyProtection::None) {
            ctx.out
                .warn("the CA key is stored unencrypted (--no-passphrase)");
        }
        ctx.out.data(&common::cert_pem(&cert_der))?;
    }
    Ok(Outcome::Success)
}

fn summary(
    cert_der: &[u8],
    chain: &[Vec<u8>],
    algorithm: String,
    encrypted: bool,
) -> serde_json::Value {
    let parsed = crate::ca::input::parse_cert(cert_der).ok();
    let (subject, issuer, nb, na) = parsed
        .map(|c| {
            (
                crate::ca::dn::display_name(c.subject()),
                crate::ca::dn::display_name(c.issuer()),
                rfc3339(c.validity().not_before.to_datetime()),
                rfc3339(c.validity().not_after.to_datetime()),
            )
        })
        .unwrap_or_default();
    serde_json::json!({
        "subject": subject,
        "issuer": issuer,
        "serial": ops::ca_init::serial_hex(cert_der),
        "not_before": nb,
        "not_after": na,
        "algorithm": algorithm,
        "key_encrypted": encrypted,
        "pem": common::cert_pem(cert_der),
        "chain": chain.iter().map(|c| common::cert_pem(c)).collect::<Vec<_>>(),
    })
}

fn show(args: ShowArgs, ctx: &Context) -> Result<Outcome> {
    let ShowArgs { chain } = args;
    let open = OpenCa::open(&ctx.home)?;
    let certs = if chain {
        open.chain()
    } else {
        vec![open.meta.cert_der.clone()]
    };
    if ctx.out.is_json() {
        let alg = key_algorithm_of(&open.meta.cert_der);
        let mut v = summary(&open.meta.cert_der, &certs, alg, open.meta.key_encrypted);
        v["crl_url"] = serde_json::json!(open.meta.crl_url);
        v["ocsp_url"] = serde_json::json!(open.meta.ocsp_url);
        v["policy"] = serde_json::json!(open.meta.policy);
        v["home"] = serde_json::json!(ctx.home.display().to_string());
        ctx.out.json(&v)?;
    } else {
        let text: String = certs.iter().map(|c| common::cert_pem(c)).collect();
        ctx.out.data(&text)?;
    }
    if let Some((number, _, next)) = open.store.last_crl()?
        && next < ctx.now
    {
        ctx.out.warn(&format!(
            "CRL #{number} expired at {}; run `govpki crl generate`",
            rfc3339(next)
        ));
    }
    Ok(Outcome::Success)
}

fn set_policy(args: PolicyArgs, ctx: &Context) -> Result<Outcome> {
    let PolicyArgs { path, clear } = args;
    // The new policy must load before it can govern anything. Its sources are pinned: kept in
    // the home under their version, which the log records.
    let new = match (&path, clear) {
        (Some(p), false) => {
            let sources = super::authz::read_policy_sources(p)?;
            let pinned = pinned_sources(&sources);
            let policy = super::govern::compile_sources(p, &sources)?;
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
    let name = super::crl::ca_name(&open);
    if let Some((canonical, _, policy, _)) = &new
        && super::govern::who_can_manage(policy, &open, &format!("ca/{name}"), ctx.now)?.is_none()
    {
        return Err(super::hinted(
            format!(
                "the policy `{canonical}` would lock this CA out for good: no certificate this CA issued could ever be allowed `ca.manage` on `ca/{name}`, so no one could change the policy again"
            ),
            "bind a role with ca.manage on this CA to an officer whose certificate this CA issued (issue it first), then pin the policy",
        ));
    }
    let actor = super::govern::authorize(
        ctx,
        &mut open,
        &[super::govern::Ask::new("ca.manage", format!("ca/{name}"))],
    )?;
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
fn pinned_sources(sources: &[(PathBuf, String)]) -> Vec<(PathBuf, String)> {
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

fn key_algorithm_of(cert_der: &[u8]) -> String {
    common::spki_of(cert_der)
        .ok()
        .and_then(|s| crate::ca::keys::describe_spki(&s).ok())
        .unwrap_or_default()
}
