//! `ca init`: create a root or subordinate CA.

use super::*;

pub(super) const INIT_LONG: &str = "\
Create this home's certificate authority. Without --parent it is a self-signed root; with
--parent DIR it is a subordinate CA whose certificate the CA in DIR issues (profile sub-ca),
recorded and audited in the parent's store.

A subordinate's validity stays within the parent's: an asked --validity that would end after
the parent's notAfter (or exceed the sub-ca maximum, 20 years) is refused (exit 2, naming both
dates), before the parent's key is unlocked; the default (10 years) ends with the parent, with
a warning, when the parent ends first.

The CA key is PKCS#8, encrypted with scrypt + AES-256-CBC under a passphrase (from
--passphrase-file, or asked for on the terminal), in HOME/private/ca.key with mode 0600.
An unencrypted key needs the explicit --no-passphrase.

Directories this run creates (HOME, HOME/private) are 0700 and the store 0600 whatever the
umask; an existing directory keeps its mode. A HOME/private that is a symbolic link is refused.
Concurrent runs on one home take turns (HOME/init.lock): one creates the CA, the others exit 2
finding it made. A failed run removes only what it created.

EXAMPLES:
    govpki --home /srv/pki/root ca init --passphrase-file root.pass \\
        --subject 'CN=连云港市电子政务根CA,O=连云港市人民政府,C=CN'
    govpki --home /srv/pki/sub ca init --passphrase-file sub.pass \\
        --parent /srv/pki/root --parent-passphrase-file root.pass \\
        --subject 'CN=连云港市电子政务业务CA,O=连云港市人民政府,C=CN' \\
        --path-len 0 --permit-dns lyg.gov.cn \\
        --crl-url http://pki.lyg.gov.cn/sub.crl

EXIT CODES:
    0  the CA was created
    2  an error (the home already holds a CA, bad subject, wrong parent passphrase, a
       --validity past the parent's end, ...)";

/// `ca init`'s words for the new CA key's passphrase options.
#[derive(Debug)]
pub struct CaKeySpelling;

impl NewKeySpelling for CaKeySpelling {
    const FILE_FLAG: &'static str = "passphrase-file";
    const FILE_HELP: &'static str = "File holding the passphrase for the new CA key (first line)";
    const NONE_FLAG: &'static str = "no-passphrase";
    const NONE_HELP: &'static str = "Write the CA key unencrypted (explicit consent)";
}

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
    #[arg(long, value_name = "FILE", requires = "parent")]
    pub parent_passphrase_file: Option<PathBuf>,
    /// Path length constraint of the subordinate CA
    #[arg(long, value_name = "N", requires = "parent")]
    pub path_len: Option<u8>,
    /// Permitted DNS subtree (name constraint) of the subordinate CA; repeatable
    #[arg(long, value_name = "DNS", requires = "parent")]
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
    #[command(flatten)]
    pub key: NewKeyArgs<CaKeySpelling>,
    /// Refused: a new CA has no officer who could act under a policy (pin one with `ca policy`)
    #[arg(long, value_name = "PATH")]
    pub policy: Option<PathBuf>,
}

pub(super) fn init(args: InitArgs, ctx: &Context) -> Result<Outcome> {
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
        key: new_key,
        policy,
    } = args;
    let subject = Dn::parse(&subject).with_context(|| format!("--subject `{subject}`"))?;
    let default_validity = validity.is_none();
    let validity = match &validity {
        Some(v) => when::parse_duration(v)?,
        None if parent.is_some() => Duration::days(3650),
        None => Duration::days(7300),
    };
    check_url(&crl_url, "--crl-url")?;
    check_url(&ocsp_url, "--ocsp-url")?;
    let sub_ca = sub_ca_options(path_len, permit_dns, &permit_dn)?;
    if let Some(p) = policy {
        return Err(refuse_policy(&p));
    }
    let home = ctx.home.clone();
    refuse_existing(&home)?;
    // Open the parent (and unlock its key) before creating anything here.
    let parent_ca = match &parent {
        Some(p) => Some(open_parent(
            ctx,
            &home,
            p,
            parent_passphrase_file.as_deref(),
            &subject,
            (validity, default_validity),
        )?),
        None => None,
    };
    let protection = new_key.protection("new CA key")?;
    let made = ops::ca_init::init(
        &home,
        ops::ca_init::Request {
            subject: subject.clone(),
            key: PrivateKey::generate(algorithm)?,
            protection: protection.key_protection(),
            validity,
            default_validity,
            parent: parent_ca,
            sub_ca,
            crl_url,
            ocsp_url,
            policy: None,
            weak_passphrase_allowed: protection.weak_allowed(),
        },
        &common::local_actor(),
        ctx.now,
        &SystemRandom,
    )?;
    print_created(ctx, &made, &subject, parent.is_some(), &protection)
}

/// The subordinate CA's path length and name constraints, checked.
fn sub_ca_options(
    path_len: Option<u8>,
    permit_dns: Vec<String>,
    permit_dn: &[String],
) -> Result<SubCaOptions> {
    let permit_dn = permit_dn
        .iter()
        .map(|d| Dn::parse(d).with_context(|| format!("--permit-dn `{d}`")))
        .collect::<Result<Vec<_>>>()?;
    for d in &permit_dns {
        crate::ca::profile::San::parse(&format!("dns:{d}"))
            .with_context(|| format!("--permit-dns `{d}`"))?;
    }
    Ok(SubCaOptions {
        path_len,
        permit_dns,
        permit_dn,
    })
}

/// `--policy` on a new CA: the policy is read (its errors first), then refused.
fn refuse_policy(p: &Path) -> anyhow::Error {
    if let Err(e) = crate::ops::policy::load_governing_file(p) {
        return e;
    }
    // A new CA has issued no certificate: under any policy, no one could ever be allowed to
    // run `ca policy` (or anything else) on it.
    crate::cli::hinted(
        format!(
            "a new CA governed by the policy `{}` would be locked out for good: it has issued no certificate, so no operator could ever act on it",
            p.display()
        ),
        "create the CA without --policy, issue the officers' certificates, then run `govpki ca policy PATH`",
    )
}

/// Never builds over an existing store or key, even one that does not open: a damaged home is
/// repaired by a person, not overwritten (and must not be cleaned up by a failed run).
fn refuse_existing(home: &Path) -> Result<()> {
    for f in [store::DB_FILE, store::CA_KEY_FILE] {
        if home.join(f).symlink_metadata().is_ok() {
            if Store::open(home).is_ok() {
                bail!("`{}` already holds a CA", home.display());
            }
            bail!(
                "`{}` already has `{f}`; refusing to create a CA over it",
                home.display()
            );
        }
    }
    Ok(())
}

/// The parent home of a subordinate CA: opened, the issuing of a sub-ca certificate asked of
/// its policy, and its key unlocked.
fn open_parent(
    ctx: &Context,
    home: &Path,
    parent: &Path,
    passphrase_file: Option<&Path>,
    subject: &Dn,
    (validity, default_validity): (Duration, bool),
) -> Result<ops::ca_init::Parent> {
    let canon_parent = std::fs::canonicalize(parent)
        .with_context(|| format!("reading parent home `{}`", parent.display()))?;
    if std::fs::canonicalize(home).ok().as_ref() == Some(&canon_parent) {
        bail!("--parent `{}` is this home itself", parent.display());
    }
    let mut open = OpenCa::open(parent)
        .with_context(|| format!("opening parent CA `{}`", parent.display()))?;
    // The validity against the parent's before its policy is asked or its key unlocked.
    ops::ca_init::sub_ca_window(&open.meta.cert_der, validity, default_validity, ctx.now)?;
    let asks = ops::govern::RoleGrants::load(&open)?.asks(subject, &[], Profile::SubCa);
    let authorized = ops::govern::authorize(&ctx.governance(), &mut open, &asks, None)?;
    ctx.out.allowed(&authorized.allowed);
    let actor = authorized.actor;
    let key = open.unlock(&common::ca_passphrase(passphrase_file), &common::TERMINAL)?;
    Ok(ops::ca_init::Parent { open, key, actor })
}

fn print_created(
    ctx: &Context,
    made: &ops::ca_init::Initialized,
    subject: &Dn,
    subordinate: bool,
    protection: &NewKeyProtection,
) -> Result<Outcome> {
    if let Some(end) = made.fitted_to {
        ctx.out.warn(&format!(
            "the default validity would pass the parent CA's own notAfter: this CA ends with it, at `{}`; renew the parent CA to certify for longer",
            rfc3339(end)
        ));
    }
    let cert_der = &made.cert_der;
    let summary = summary(
        cert_der,
        &[],
        key_algorithm_of(cert_der),
        matches!(protection, NewKeyProtection::Passphrase { .. }),
    );
    if ctx.out.is_json() {
        let mut v = summary;
        v["home"] = serde_json::json!(ctx.home.display().to_string());
        ctx.out.json(&v)?;
        return Ok(Outcome::Success);
    }
    ctx.out.info(&format!(
        "created {} CA `{}` in `{}` (serial {}, valid until {})",
        if subordinate { "subordinate" } else { "root" },
        subject,
        ctx.home.display(),
        ops::ca_init::serial_hex(cert_der),
        summary["not_after"].as_str().unwrap_or("?"),
    ));
    if matches!(protection, NewKeyProtection::None) {
        ctx.out
            .warn("the CA key is stored unencrypted (--no-passphrase)");
    }
    ctx.out.data(&common::cert_pem(cert_der))?;
    Ok(Outcome::Success)
}

pub(super) fn summary(
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
