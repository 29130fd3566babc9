//! `govpki cert renew`: a new certificate for the subject, profile and SANs of an old one.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Args;

use crate::ca::keys::Algorithm;
use crate::ca::serial::Serial;
use crate::ca::when::{self, rfc3339};
use crate::cli::common::{self, OpenCa};
use crate::cli::{Context, Outcome, hinted};
use crate::ops::govern;
use crate::ops::renew::{NewKey, Target};
use crate::ops::{self, SystemRandom};

pub(super) const RENEW_LONG: &str = "\
Renew a certificate: a new certificate with the same subject, profile and SANs, a new serial and
a new validity (--validity, --not-before, --not-after as `cert issue` takes them, within the
profile's maximum and the CA's own validity: an asked end past the CA's is refused, the
profile's default ends with the CA, with a warning, if the CA ends first). By default the new
certificate is for the same key; --rekey --key-out F generates a new key (encrypted unless
--no-key-passphrase), --rekey --csr F takes a new key from a CSR whose subject must be the old
certificate's. The store and the audit log record the new serial as a renewal of the old
(`cert.renew NEW renews OLD`).

The old certificate is NOT revoked: both are valid until the old one expires, so the holder can
switch over. --revoke-old revokes it at once with reason superseded. A revoked, held or unknown
certificate is not renewed (exit 2). In a governed home the renewal is asked of the policy as an
issuance of the same profile to the same subject.

The argument is a certificate file this CA issued (PEM or DER), or else a hex serial.

With --ca URL the CA service renews it, asked and recorded as locally. A file is checked on the
client against the service's CA certificate (issuer name and signature) and its serial is sent;
--rekey --key-out makes the key on the client (it needs the file, whose subject goes into the
CSR) and sends only its CSR; --revoke-old (a second state change), --not-before and --not-after
are not offered (revoke the old one with `govpki cert revoke OLD --reason superseded --ca URL`).

EXAMPLES:
    govpki cert renew 4F3A...C2 --passphrase-file ca.pass \\
        --out zhangsan-2027.pem
    govpki cert renew zhangsan.pem --rekey --key-out zhangsan-2027.key \\
        --key-passphrase-file zs.pass --validity 1y
    govpki cert renew www.pem --rekey --csr www-2027.csr --revoke-old
    govpki --ca https://ca.lyg.gov.cn:8443 --as wangwu.pem --as-key wangwu.key \\
        cert renew zhangsan.pem --out zhangsan-2027.pem

EXIT CODES:
    0  renewed
    1  refused by the home's policy
    2  an error (unknown or revoked certificate, another CA's certificate, CSR for another
       subject, validity past the profile's maximum or the CA's end, wrong passphrase,
       --revoke-old over --ca, ...)";

/// `cert renew --key-passphrase-file` and `--no-key-passphrase`, for a key it generates.
#[derive(Debug)]
pub struct RenewKeySpelling;

impl common::NewKeySpelling for RenewKeySpelling {
    const FILE_FLAG: &'static str = "key-passphrase-file";
    const FILE_HELP: &'static str =
        "File holding the passphrase for the new key (--rekey --key-out)";
    const NONE_FLAG: &'static str = "no-key-passphrase";
    const NONE_HELP: &'static str = "Write the new key unencrypted (explicit consent)";
}

#[derive(Debug, Args)]
pub struct RenewArgs {
    /// The certificate to renew: a file this CA issued (PEM or DER), or its hex serial
    #[arg(value_name = "SERIAL|FILE")]
    pub target: String,
    /// Certify a new key instead of the old one (with --key-out or --csr)
    #[arg(long)]
    pub rekey: bool,
    /// With --rekey: generate the new key and write it here
    #[arg(long, value_name = "F", requires = "rekey", conflicts_with = "csr")]
    pub key_out: Option<PathBuf>,
    /// With --rekey: certify the key of this CSR (its subject must be the old certificate's)
    #[arg(long, value_name = "F", requires = "rekey")]
    pub csr: Option<PathBuf>,
    /// Algorithm of a generated key
    #[arg(long, value_enum, default_value_t = Algorithm::P256, requires = "key_out")]
    pub algorithm: Algorithm,
    /// Validity period [default: as `cert issue`]
    #[arg(long, value_name = "DURATION", conflicts_with = "not_after")]
    pub validity: Option<String>,
    /// Start of validity (RFC 3339 or a date) [default: now; at most an hour in the past]
    #[arg(long, value_name = "TIME")]
    pub not_before: Option<String>,
    /// End of validity (RFC 3339 or a date), instead of --validity
    #[arg(long, value_name = "TIME")]
    pub not_after: Option<String>,
    /// Revoke the old certificate (reason superseded) once the new one is committed
    #[arg(long)]
    pub revoke_old: bool,
    /// Write the certificate here instead of stdout
    #[arg(long, value_name = "F")]
    pub out: Option<PathBuf>,
    /// Write DER instead of PEM
    #[arg(long)]
    pub der: bool,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub ca_key: common::CaKeyArgs,
    #[command(flatten)]
    pub key: common::NewKeyArgs<RenewKeySpelling>,
}

pub(super) fn renew(args: RenewArgs, ctx: &Context) -> Result<Outcome> {
    let RenewArgs {
        target,
        rekey,
        key_out,
        csr,
        algorithm,
        validity,
        not_before,
        not_after,
        revoke_old,
        out,
        der,
        force,
        ca_key,
        key,
    } = args;
    let mut weak_passphrase_allowed = false;
    let new_key = match rekey_of(rekey, key_out, csr, &key, out.as_deref(), force)? {
        Rekey::Same => NewKey::Same,
        Rekey::KeyOut(key_out) => {
            let protection = key.protection("new key")?;
            weak_passphrase_allowed = protection.weak_allowed();
            NewKey::Generate {
                algorithm,
                key_out,
                protection: protection.key_protection(),
            }
        }
        Rekey::Csr(path) => {
            let bytes = common::read_file(&path, "CSR")?;
            NewKey::Csr { path, bytes }
        }
    };
    if let Some(o) = &out {
        common::check_output_free(o, force)?;
    }
    let parse_time = |t: &Option<String>| t.as_deref().map(when::parse_time).transpose();
    let request = ops::renew::Request {
        target: target_of(&target)?,
        key: new_key,
        validity: validity.as_deref().map(when::parse_duration).transpose()?,
        not_before: parse_time(&not_before)?,
        not_after: parse_time(&not_after)?,
    };
    let mut open = OpenCa::open(&ctx.home)?;
    let renewal = ops::renew::prepare(&open, request, ctx.now)?;
    let mut asks =
        govern::RoleGrants::load(&open)?.asks(renewal.subject(), renewal.sans(), renewal.profile());
    if revoke_old {
        asks.extend(ops::revoke::asks(
            &open,
            std::slice::from_ref(renewal.old()),
            ctx.now,
        )?);
    }
    let authorized = govern::authorize(&ctx.governance(), &mut open, &asks, None)?;
    ctx.out.allowed(&authorized.allowed);
    let renewed = ops::renew::renew(
        &mut open,
        renewal,
        &ops::issue::Delivery {
            out: out.clone(),
            der,
            force,
            weak_passphrase_allowed,
        },
        &ops::issue::Acting {
            actor: &authorized.actor,
            now: ctx.now,
            ca_passphrase: &ca_key.passphrase(),
            prompt: &common::TERMINAL,
            rng: &SystemRandom,
        },
        revoke_old,
    )?;
    print_renewed(ctx, &renewed, out.is_none(), der)
}

/// The new key that `--rekey`, `--key-out` and `--csr` ask a renewal for, local or over `--ca`.
pub(crate) enum Rekey {
    /// No `--rekey`: the old certificate's key.
    Same,
    /// A key to make and write here (free, and not the `--out` file).
    KeyOut(PathBuf),
    /// The key of this CSR file.
    Csr(PathBuf),
}

/// The combinations of `--rekey`, `--key-out`, `--csr` and the new key's passphrase flags that a
/// renewal takes, checked before anything is read, made or asked.
pub(crate) fn rekey_of(
    rekey: bool,
    key_out: Option<PathBuf>,
    csr: Option<PathBuf>,
    key: &common::NewKeyArgs<RenewKeySpelling>,
    out: Option<&Path>,
    force: bool,
) -> Result<Rekey> {
    match (rekey, key_out, csr) {
        (false, _, _) => {
            if key.given() {
                bail!("--key-passphrase-file and --no-key-passphrase apply to --rekey --key-out");
            }
            Ok(Rekey::Same)
        }
        (true, Some(key_out), None) => {
            common::check_output_free(&key_out, force)?;
            if out.is_some_and(|o| super::same_file_path(&key_out, o)) {
                bail!(
                    "--out and --key-out name the same file `{}`",
                    key_out.display()
                );
            }
            Ok(Rekey::KeyOut(key_out))
        }
        (true, None, Some(path)) => {
            if key.given() {
                bail!(
                    "--key-passphrase-file and --no-key-passphrase apply to --key-out, not --csr"
                );
            }
            Ok(Rekey::Csr(path))
        }
        (true, _, _) => bail!("--rekey needs --key-out F (a new key) or --csr F"),
    }
}

/// A file when one exists at the path, else a hex serial (as `cert show`).
pub(crate) fn target_of(target: &str) -> Result<Target> {
    let path = Path::new(target);
    if path.exists() {
        return Ok(Target::File {
            path: path.to_path_buf(),
            bytes: common::read_file(path, "certificate")?,
        });
    }
    let serial: Serial = target.parse().map_err(|_| {
        hinted(
            format!("`{target}` is neither a file nor a hex serial"),
            "give a certificate file, or a serial as `openssl x509 -serial` prints it",
        )
    })?;
    Ok(Target::Serial(serial))
}

fn print_renewed(
    ctx: &Context,
    renewed: &ops::renew::Renewed,
    to_stdout: bool,
    der: bool,
) -> Result<Outcome> {
    let issued = &renewed.issued;
    if issued.fitted {
        ctx.out.warn(&ops::issue::fitted_warning(issued.not_after));
    }
    if ctx.out.is_json() {
        ctx.out.json(&renewed.json())?;
        return Ok(Outcome::Success);
    }
    print_renewed_text(
        ctx,
        &renewed.renews,
        &issued.serial.to_hex(),
        &issued.subject.to_string(),
        &rfc3339(issued.not_after),
        renewed.old_revoked,
        issued.key_unencrypted,
    );
    if to_stdout {
        if der {
            ctx.out.bytes(&issued.body)?;
        } else {
            ctx.out.data(&String::from_utf8_lossy(&issued.body))?;
        }
    }
    Ok(Outcome::Success)
}

/// The text report of a renewal (the certificate itself is printed after it), shared with
/// `cert renew --ca`, which prints what the local verb prints.
pub(crate) fn print_renewed_text(
    ctx: &Context,
    renews: &str,
    serial: &str,
    subject: &str,
    not_after: &str,
    old_revoked: bool,
    key_unencrypted: bool,
) {
    ctx.out.info(&format!(
        "renewed certificate {renews} as {serial} for `{subject}`, valid until {not_after}"
    ));
    if old_revoked {
        ctx.out.info(&format!(
            "revoked {renews} (superseded); publish the change with `govpki crl generate`"
        ));
    } else {
        ctx.out.info(&format!(
            "{renews} stays valid until it expires (--revoke-old revokes it)"
        ));
    }
    if key_unencrypted {
        ctx.out
            .warn("the new key is stored unencrypted (--no-key-passphrase)");
    }
}
