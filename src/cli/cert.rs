//! `govpki cert`: issue (one or a batch), revoke, release, list, show and verify certificates.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::common::{self, NewKeyProtection, OpenCa};
use super::govern;
use super::{Context, Outcome, hinted};
use crate::ca::batch::{self, BatchRow};
use crate::ca::crl::Reason;
use crate::ca::csr;
use crate::ca::dn::Dn;
use crate::ca::input;
use crate::ca::issue::{IssueRequest, Issuer, SubCaOptions};
use crate::ca::keys::{Algorithm, BatchEncryptor, PrivateKey};
use crate::ca::profile::{Profile, San};
use crate::ca::serial::Serial;
use crate::ca::verify::{self, Purpose, Verdict, VerifyInput};
use crate::ca::when::{self, rfc3339};
use crate::store::{CertRecord, ListFilter, Revocation, files};

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum CertCommand {
    /// Issue a certificate by profile from a CSR or a generated key, or a batch of them
    #[command(long_about = ISSUE_LONG)]
    Issue(IssueArgs),
    /// Revoke certificates by hex serial, with an RFC 5280 reason
    #[command(long_about = REVOKE_LONG)]
    Revoke(RevokeArgs),
    /// Release certificates from certificateHold (they are valid again)
    #[command(long_about = RELEASE_LONG)]
    Release(ReleaseArgs),
    /// List the certificates this CA issued
    #[command(long_about = LIST_LONG)]
    List(ListArgs),
    /// Show a certificate, by serial (from the store) or from a file
    #[command(long_about = SHOW_LONG)]
    Show(ShowArgs),
    /// Verify a certificate's chain to trust anchors, at a time, with CRLs
    #[command(long_about = VERIFY_LONG)]
    Verify(VerifyArgs),
}

const ISSUE_LONG: &str = "\
Issue a certificate by profile. The profile decides key usages, extended key usages and which
SANs are allowed; a CSR only supplies the public key (and the subject when --subject is not
given). The CSR's signature is verified; weak keys (RSA < 2048) and SHA-1 are refused. Validity
is cut to the CA's own. The certificate is committed to the store before it is written or
printed.

Profiles: sub-ca, department, person, seal, seal-authority, server, ocsp, tsa. A seal-authority
certificate (digitalSignature, nonRepudiation; extended key usage 1.3.6.1.4.1.32473.1.3.1) makes
seals with `seal create --authority-cert F --authority-key F`; `seal verify` takes no other
end-entity certificate as a seal's maker.

Batch: --batch FILE (YAML list of maps, or .csv with a header row) with fields subject, profile,
san, csr (relative to the batch file), validity. Every row is checked first; certificates are
committed in chunks of 1,000, and each is written to --out-dir as <serial>.pem (and
<serial>.key for generated keys) only after its chunk commits.

EXAMPLES:
    govpki cert issue --profile department --csr dept.csr --passphrase-file ca.pass --out dept.pem
    govpki cert issue --profile person --subject 'CN=张三,OU=信息中心,O=连云港市人民政府,C=CN' \\
        --san email:zhangsan@lyg.gov.cn --key-out zhangsan.key --key-passphrase-file zs.pass
    govpki cert issue --profile server --subject 'CN=www.lyg.gov.cn,O=连云港市人民政府,C=CN' \\
        --san dns:www.lyg.gov.cn,ip:10.1.1.1 --key-out www.key --no-key-passphrase --validity 1y
    govpki --json cert issue --batch staff.yaml --out-dir issued/ --key-passphrase-file staff.pass

EXIT CODES:
    0  issued
    2  an error (bad CSR, unknown profile, bad DN, wrong passphrase, existing output file, ...)";

const REVOKE_LONG: &str = "\
Revoke certificates by hex serial (as `openssl x509 -serial` prints it; case-insensitive, colons
allowed) or from a file with one serial per line (# comments and blank lines ignored). All or
none: an unknown or already revoked serial fails the whole request. certificateHold can be
released later with `govpki cert release`. Publish with `govpki crl generate`.

Reasons: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded,
cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise.

EXAMPLES:
    govpki cert revoke 4F3A...C2 --reason keyCompromise --invalidity-date 2026-11-28T09:00:00+08:00
    govpki cert revoke --from-file leavers.txt --reason affiliationChanged
    govpki cert revoke 4F3A...C2 --reason certificateHold

EXIT CODES:
    0  revoked
    2  an error (unknown serial, already revoked, bad reason)";

const RELEASE_LONG: &str = "\
Release certificates that were revoked with reason certificateHold: they become valid again and
leave the next CRL.

EXAMPLES:
    govpki cert release 4F3A...C2

EXIT CODES:
    0  released
    2  an error (unknown serial, not on hold)";

const LIST_LONG: &str = "\
List the certificates this home's CA issued (subordinate CA certificates included, the CA's own
certificate not). Status is valid, revoked (including on hold), or expired.

EXAMPLES:
    govpki cert list --status valid --department 信息中心
    govpki cert list --expiring 30d
    govpki --json cert list --profile seal | jq '.[].serial'

EXIT CODES:
    0  listed (even if nothing matched)
    2  an error";

const SHOW_LONG: &str = "\
Show a certificate: subject, issuer, serial, validity, key, SANs, key usages, extended key
usages, fingerprint, and (for certificates of this CA) its status in the store. The argument is
a file, or else a hex serial looked up in the store.

EXAMPLES:
    govpki cert show dept.pem
    govpki --json cert show 4F3A...C2

EXIT CODES:
    0  shown
    2  an error (no such file or serial, malformed certificate)";

const VERIFY_LONG: &str = "\
Verify FILE (the end-entity certificate, optionally followed by intermediates) up to a trust
anchor at a time (default now), with optional CRLs (PEM or DER). --trust defaults to this home's
CA chain. Without --purpose any extended key usage is accepted. When CRLs are given, the end
entity's issuer must have one among them, else the result is indeterminate; a CRL past its
nextUpdate is indeterminate too. Every CA certificate of the path must allow keyCertSign when
it has a keyUsage. A CRL counts when another key of the issuing CA signed it: a CA that rolled
its key over (self-issued old-with-new / new-with-old certificates) or signs CRLs with a
separate key certified by a self-issued certificate (give those with --untrusted). The most
specific failure is reported.

EXAMPLES:
    govpki cert verify dept.pem
    govpki cert verify www.pem --trust root.pem --untrusted sub.pem --crl sub.crl --purpose server-auth
    govpki cert verify seal-holder.pem --at 2026-06-01T10:00:00+08:00 --crl root.crl

EXIT CODES:
    0  valid
    1  invalid (expired, revoked, untrusted, wrong purpose, bad signature)
    2  an error (unreadable or malformed input)
    3  indeterminate (revocation status unknown, CRL expired)";

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// Profile: sub-ca, department, person, seal, seal-authority, server, ocsp or tsa
    #[arg(long, value_name = "P", required_unless_present = "batch")]
    pub profile: Option<String>,
    /// Subject DN, RFC 4514 (replaces the CSR's subject when given with --csr)
    #[arg(long, value_name = "DN")]
    pub subject: Option<String>,
    /// Issue for the public key in this CSR (PEM or DER)
    #[arg(long, value_name = "F", conflicts_with_all = ["key_out", "batch"])]
    pub csr: Option<PathBuf>,
    /// Generate a key and write it here (encrypted unless --no-key-passphrase)
    #[arg(long, value_name = "F", conflicts_with = "batch")]
    pub key_out: Option<PathBuf>,
    /// Algorithm of a generated key
    #[arg(long, value_enum, default_value_t = Algorithm::P256)]
    pub algorithm: Algorithm,
    /// Subject alternative names: dns:NAME, email:ADDR, ip:ADDR, uri:URI (comma-separated; repeatable)
    #[arg(long, value_name = "SANS")]
    pub san: Vec<String>,
    /// Validity period [default: 2y; 10y for sub-ca]
    #[arg(long, value_name = "DURATION")]
    pub validity: Option<String>,
    /// Write the certificate here instead of stdout
    #[arg(long, value_name = "F", conflicts_with = "batch")]
    pub out: Option<PathBuf>,
    /// Write DER instead of PEM
    #[arg(long)]
    pub der: bool,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
    /// File holding the CA key's passphrase
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
    /// File holding the passphrase for generated keys
    #[arg(long, value_name = "F")]
    pub key_passphrase_file: Option<PathBuf>,
    /// Write generated keys unencrypted (explicit consent)
    #[arg(long)]
    pub no_key_passphrase: bool,
    /// Path length constraint (sub-ca)
    #[arg(long, value_name = "N")]
    pub path_len: Option<u8>,
    /// Permitted DNS subtree (sub-ca name constraint); repeatable
    #[arg(long, value_name = "D")]
    pub permit_dns: Vec<String>,
    /// Permitted directory-name subtree (sub-ca name constraint); repeatable
    #[arg(long, value_name = "DN")]
    pub permit_dn: Vec<String>,
    /// Issue every request in this YAML or CSV file
    #[arg(long, value_name = "FILE", requires = "out_dir")]
    pub batch: Option<PathBuf>,
    /// Directory for batch output: <serial>.pem and <serial>.key
    #[arg(long, value_name = "D")]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Hex serial numbers
    #[arg(value_name = "SERIAL", required_unless_present = "from_file")]
    pub serials: Vec<String>,
    /// Read serials from a file, one per line
    #[arg(long, value_name = "F")]
    pub from_file: Option<PathBuf>,
    /// RFC 5280 reason
    #[arg(long, value_enum, default_value_t = Reason::Unspecified)]
    pub reason: Reason,
    /// When the key is known or suspected to have been compromised (RFC 3339)
    #[arg(long, value_name = "T")]
    pub invalidity_date: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Hex serial numbers of certificates on hold
    #[arg(value_name = "SERIAL", required = true)]
    pub serials: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only certificates with this status
    #[arg(long, value_parser = ["valid", "revoked", "expired"])]
    pub status: Option<String>,
    /// Only certificates of this department (the subject's OU)
    #[arg(long, value_name = "X")]
    pub department: Option<String>,
    /// Only certificates of this profile
    #[arg(long, value_name = "P")]
    pub profile: Option<String>,
    /// Only valid certificates that expire within this period
    #[arg(long, value_name = "DURATION")]
    pub expiring: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A certificate file (PEM or DER), or a hex serial of this CA
    #[arg(value_name = "SERIAL|FILE")]
    pub target: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The certificate to verify, optionally followed by intermediates (PEM bundle)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Trust anchors (PEM bundle) [default: this home's CA chain]
    #[arg(long, value_name = "F")]
    pub trust: Option<PathBuf>,
    /// More intermediate certificates (PEM bundle)
    #[arg(long, value_name = "F")]
    pub untrusted: Option<PathBuf>,
    /// A CRL (PEM or DER); repeatable
    #[arg(long, value_name = "F")]
    pub crl: Vec<PathBuf>,
    /// Verify at this time (RFC 3339) instead of now
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Require this extended key usage
    #[arg(long, value_enum)]
    pub purpose: Option<Purpose>,
}

pub fn run(cmd: CertCommand, ctx: &Context) -> Result<Outcome> {
    match cmd {
        CertCommand::Issue(args) => {
            if args.batch.is_some() {
                issue_batch(args, ctx)
            } else {
                issue_one(args, ctx)
            }
        }
        CertCommand::Revoke(args) => revoke(args, ctx),
        CertCommand::Release(args) => release(args, ctx),
        CertCommand::List(args) => list(args, ctx),
        CertCommand::Show(args) => show(args, ctx),
        CertCommand::Verify(args) => verify_cmd(args, ctx),
    }
}

fn parse_sans(list: &[String]) -> Result<Vec<San>> {
    let mut out = Vec::new();
    for item in list {
        out.extend(San::parse_list(item).with_context(|| format!("--san `{item}`"))?);
    }
    Ok(out)
}

/// Whether two output paths name the same file (compared through their canonical parents).
fn same_file_path(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::canonicalize(parent)
            .ok()
            .map(|d| d.join(p.file_name().unwrap_or_default()))
    };
    a == b || (canon(a).is_some() && canon(a) == canon(b))
}

fn default_validity(profile: Profile) -> Duration {
    if profile.is_ca() {
        Duration::days(3650)
    } else {
        Duration::days(730)
    }
}

/// The public key and subject a request will use.
struct Subject {
    spki_der: Vec<u8>,
    dn: Dn,
    requested_sans: Vec<San>,
}

fn issue_one(args: IssueArgs, ctx: &Context) -> Result<Outcome> {
    let IssueArgs {
        profile,
        subject,
        csr,
        key_out,
        algorithm,
        san,
        validity,
        out,
        der,
        force,
        passphrase_file,
        key_passphrase_file,
        no_key_passphrase,
        path_len,
        permit_dns,
        permit_dn,
        batch: _,
        out_dir,
    } = args;
    if out_dir.is_some() {
        bail!("--out-dir is for --batch; use --out for one certificate");
    }
    let profile_name = profile.unwrap_or_default();
    let profile: Profile = profile_name.parse()?;
    let subject_arg = subject
        .as_deref()
        .map(|s| Dn::parse(s).with_context(|| format!("--subject `{s}`")))
        .transpose()?;
    let sans = parse_sans(&san)?;
    let validity = validity
        .as_deref()
        .map(when::parse_duration)
        .transpose()?
        .unwrap_or_else(|| default_validity(profile));
    let sub_ca = SubCaOptions {
        path_len,
        permit_dns,
        permit_dn: permit_dn
            .iter()
            .map(|d| Dn::parse(d).with_context(|| format!("--permit-dn `{d}`")))
            .collect::<Result<_>>()?,
    };
    if !profile.is_ca() && (sub_ca != SubCaOptions::default()) {
        bail!("--path-len, --permit-dns and --permit-dn apply only to profile `sub-ca`");
    }
    if let Some(o) = &out {
        common::check_output_free(o, force)?;
        if key_out.as_ref().is_some_and(|k| same_file_path(k, o)) {
            bail!("--out and --key-out name the same file `{}`", o.display());
        }
    }
    // Where the key comes from, checked before the CA key is unlocked.
    let (subject, new_key, protection) = match (&csr, &key_out) {
        (Some(path), None) => {
            if key_passphrase_file.is_some() || no_key_passphrase {
                bail!(
                    "--key-passphrase-file and --no-key-passphrase apply to --key-out, not --csr"
                );
            }
            let bytes = common::read_file(path, "CSR")?;
            let v = csr::verify_csr(&bytes)
                .with_context(|| format!("reading CSR `{}`", path.display()))?;
            let dn = match (subject_arg, v.subject) {
                (Some(d), _) => d,
                (None, Some(d)) => d,
                (None, None) => bail!(
                    "CSR `{}` has an empty subject; pass --subject",
                    path.display()
                ),
            };
            (
                Subject {
                    spki_der: v.spki_der,
                    dn,
                    requested_sans: v.requested_sans,
                },
                None,
                None,
            )
        }
        (None, Some(path)) => {
            common::check_output_free(path, force)?;
            let Some(dn) = subject_arg else {
                bail!("--subject is required with --key-out");
            };
            let protection = common::new_key_protection(
                key_passphrase_file.as_deref(),
                no_key_passphrase,
                "--key-passphrase-file",
                "--no-key-passphrase",
                "new key",
            )?;
            let key = PrivateKey::generate(algorithm)?;
            (
                Subject {
                    spki_der: key.spki_der(),
                    dn,
                    requested_sans: vec![],
                },
                Some((key, path.clone())),
                Some(protection),
            )
        }
        (None, None) => {
            return Err(hinted(
                "no public key to certify",
                "pass --csr F for a department's own key, or --key-out F to generate one",
            ));
        }
        (Some(_), Some(_)) => bail!("--csr and --key-out cannot be used together"),
    };
    // DESIGN §2: without --san, a CSR's requested SANs are kept where the profile allows them.
    let sans = if sans.is_empty() {
        subject
            .requested_sans
            .iter()
            .filter(|s| profile.allows_san(s))
            .cloned()
            .collect()
    } else {
        sans
    };

    let mut open = OpenCa::open(&ctx.home)?;
    let actor = govern::authorize(
        ctx,
        &mut open,
        &[govern::Ask::new(
            "cert.issue",
            format!(
                "dept/{}/cert/{}",
                govern::segment(subject.dn.department()),
                profile
            ),
        )],
    )?;
    let ca_key = open.unlock(
        &super::common::ca_passphrase(passphrase_file.as_deref()),
        &super::common::TERMINAL,
    )?;
    let issuer = Issuer::new(&open.meta.cert_der, &ca_key, open.urls())?;
    let serial = common::fresh_serial(&open.store)?;
    let req = IssueRequest {
        profile,
        subject: subject.dn.clone(),
        sans,
        spki_der: subject.spki_der.clone(),
        serial: serial.clone(),
        not_before: ctx.now,
        not_after: ctx.now + validity,
        sub_ca,
    };
    let issued = issuer.issue(&req)?;
    if issued.capped {
        ctx.out.warn(&format!(
            "validity cut to the CA's own end, {}",
            rfc3339(issued.not_after)
        ));
    }
    // Write the new key first (refusing to overwrite), so a failed commit can remove it and a
    // committed certificate never lacks its key.
    if let (Some((key, path)), Some(protection)) = (&new_key, &protection) {
        let pem_text = match protection {
            NewKeyProtection::Passphrase(p) => {
                key.to_pem(Some(p), common::random16()?, common::random16()?)?
            }
            NewKeyProtection::None => key.to_pem(None, [0; 16], [0; 16])?,
        };
        common::write_output(path, pem_text.as_bytes(), true, force)?;
    }
    let record = CertRecord {
        serial: serial.clone(),
        subject: issued.subject.to_string(),
        department: issued.subject.department().map(str::to_string),
        profile: profile.name().into(),
        not_before: issued.not_before,
        not_after: issued.not_after,
        issued_at: ctx.now,
        der: issued.der.clone(),
    };
    if let Err(e) = open.store.record_issued(&[record], &actor, ctx.now) {
        if let Some((_, path)) = &new_key {
            let _ = std::fs::remove_file(path);
        }
        return Err(e.into());
    }
    let body: Vec<u8> = if der {
        issued.der.clone()
    } else {
        common::cert_pem(&issued.der).into_bytes()
    };
    if let Some(o) = &out {
        common::write_output(o, &body, false, force)?;
    }
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "serial": serial.to_hex(),
            "subject": issued.subject.to_string(),
            "profile": profile.name(),
            "not_before": rfc3339(issued.not_before),
            "not_after": rfc3339(issued.not_after),
            "out": out.as_ref().map(|p| p.display().to_string()),
            "key_out": new_key.as_ref().map(|(_, p)| p.display().to_string()),
            "pem": common::cert_pem(&issued.der),
        }))?;
    } else {
        ctx.out.info(&format!(
            "issued {} certificate {} for `{}`, valid until {}",
            profile,
            serial.to_hex(),
            subject.dn,
            rfc3339(issued.not_after)
        ));
        if new_key.is_some() && matches!(protection, Some(NewKeyProtection::None)) {
            ctx.out
                .warn("the new key is stored unencrypted (--no-key-passphrase)");
        }
        if out.is_none() {
            if der {
                ctx.out.bytes(&body)?;
            } else {
                ctx.out.data(&String::from_utf8_lossy(&body))?;
            }
        }
    }
    Ok(Outcome::Success)
}

/// One batch row made ready to sign.
struct Prepared {
    row: BatchRow,
    spki_der: Vec<u8>,
    new_key: Option<PrivateKey>,
    sans: Vec<San>,
}

const CHUNK: usize = 1000;

fn issue_batch(args: IssueArgs, ctx: &Context) -> Result<Outcome> {
    let IssueArgs {
        profile,
        subject,
        csr,
        key_out,
        algorithm,
        san,
        validity,
        out,
        der,
        force,
        passphrase_file,
        key_passphrase_file,
        no_key_passphrase,
        path_len,
        permit_dns,
        permit_dn,
        batch,
        out_dir,
    } = args;
    if profile.is_some()
        || subject.is_some()
        || csr.is_some()
        || key_out.is_some()
        || !san.is_empty()
        || validity.is_some()
        || out.is_some()
        || der
    {
        bail!(
            "--batch takes every request from the file; --profile, --subject, --csr, --key-out, --san, --validity, --out and --der do not apply"
        );
    }
    if path_len.is_some() || !permit_dns.is_empty() || !permit_dn.is_empty() {
        bail!(
            "--batch cannot issue sub-ca certificates with constraints; use `govpki ca init --parent`"
        );
    }
    let (Some(batch_path), Some(out_dir)) = (batch, out_dir) else {
        bail!("--batch needs --out-dir");
    };
    let bytes = common::read_file(&batch_path, "batch file")?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("reading batch file `{}`: not UTF-8", batch_path.display()))?;
    let is_csv = batch_path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let rows = batch::parse(&text, is_csv)
        .with_context(|| format!("reading batch file `{}`", batch_path.display()))?;
    if rows.iter().any(|r| r.profile.is_ca()) {
        bail!(
            "reading batch file `{}`: profile `sub-ca` is not issued in batches; use `govpki ca init --parent`",
            batch_path.display()
        );
    }
    let base = batch_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // Check every row (CSR signatures, SAN rules) before unlocking anything.
    let mut prepared = Vec::with_capacity(rows.len());
    let mut needs_keys = false;
    for row in rows {
        let (spki_der, requested) = match &row.csr {
            Some(rel) => {
                let path = base.join(rel);
                let bytes = common::read_file(&path, "CSR").with_context(|| {
                    format!("batch file `{}` row {}", batch_path.display(), row.row)
                })?;
                let v = csr::verify_csr(&bytes).with_context(|| {
                    format!(
                        "batch file `{}` row {}: reading CSR `{}`",
                        batch_path.display(),
                        row.row,
                        path.display()
                    )
                })?;
                (v.spki_der, v.requested_sans)
            }
            None => {
                needs_keys = true;
                (Vec::new(), Vec::new())
            }
        };
        let sans = if row.sans.is_empty() {
            requested
                .into_iter()
                .filter(|s| row.profile.allows_san(s))
                .collect()
        } else {
            row.sans.clone()
        };
        for s in &sans {
            if !row.profile.allows_san(s) {
                bail!(
                    "batch file `{}` row {}: profile `{}` does not allow SAN `{s}`",
                    batch_path.display(),
                    row.row,
                    row.profile
                );
            }
        }
        if row.profile.requires_host_san()
            && !sans.iter().any(|s| matches!(s, San::Dns(_) | San::Ip(_)))
        {
            bail!(
                "batch file `{}` row {}: profile `server` needs at least one dns: or ip: SAN",
                batch_path.display(),
                row.row
            );
        }
        prepared.push(Prepared {
            row,
            spki_der,
            new_key: None,
            sans,
        });
    }
    let protection = if needs_keys {
        Some(common::new_key_protection(
            key_passphrase_file.as_deref(),
            no_key_passphrase,
            "--key-passphrase-file",
            "--no-key-passphrase",
            "generated keys",
        )?)
    } else {
        None
    };
    let mut open = OpenCa::open(&ctx.home)?;
    let asks: Vec<govern::Ask> = prepared
        .iter()
        .map(|p| {
            govern::Ask::new(
                "cert.issue",
                format!(
                    "dept/{}/cert/{}",
                    govern::segment(p.row.subject.department()),
                    p.row.profile
                ),
            )
        })
        .collect();
    let actor = govern::authorize(ctx, &mut open, &asks)?;
    let ca_key = open.unlock(
        &super::common::ca_passphrase(passphrase_file.as_deref()),
        &super::common::TERMINAL,
    )?;
    common::create_out_dir(&out_dir)?;
    let encryptor = match &protection {
        Some(NewKeyProtection::Passphrase(p)) => Some(BatchEncryptor::new(p, common::random16()?)?),
        _ => None,
    };
    let issuer = Issuer::new(&open.meta.cert_der, &ca_key, open.urls())?;
    let total = prepared.len();
    let bar = if ctx.out.wants_progress() {
        let b = indicatif::ProgressBar::new(total as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} issuing [{bar:40}] {pos}/{len} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let mut issued_count = 0usize;
    let mut remaining = prepared.into_iter();
    let now = ctx.now;
    // Serials are unique across the whole batch, not only against the store: chunk i+1 takes
    // its serials before chunk i is committed.
    let mut taken = std::collections::HashSet::new();
    let mut next_jobs = |store: &crate::store::Store| -> Result<Vec<(Prepared, Serial)>> {
        let chunk: Vec<Prepared> = remaining.by_ref().take(CHUNK).collect();
        let mut jobs = Vec::with_capacity(chunk.len());
        for p in chunk {
            let mut serial = common::fresh_serial(store)?;
            while !taken.insert(serial.clone()) {
                serial = common::fresh_serial(store)?;
            }
            jobs.push((p, serial));
        }
        Ok(jobs)
    };
    // A pipeline: while this thread writes out and commits chunk i, chunk i+1 is being signed,
    // so the cores sign while the file system and the store's fsyncs work.
    // The previous chunk: committed and written out, reported once its files are synced, by
    // the next chunk's sync (one sync per chunk instead of two).
    let mut unreported: Vec<Signed> = Vec::new();
    // The certificate files of the last committed chunk that could not be written.
    let mut unwritten: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let outcome = std::thread::scope(|scope| -> Result<()> {
        let issuer = &issuer;
        let first = next_jobs(&open.store)?;
        let mut in_flight = (!first.is_empty())
            .then(|| scope.spawn(move || sign_parallel(issuer, first, algorithm, now)));
        while let Some(handle) = in_flight.take() {
            let results = handle
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a signing thread failed")))?;
            let following = next_jobs(&open.store)?;
            if !following.is_empty() {
                in_flight =
                    Some(scope.spawn(move || sign_parallel(issuer, following, algorithm, now)));
            }
            commit_chunk(
                ctx,
                &mut open,
                &results,
                &mut unreported,
                &out_dir,
                encryptor.as_ref(),
                &actor,
                force,
            )?;
            // Committed: counted now, whatever happens to its files.
            issued_count += results.len();
            if let Some(b) = &bar {
                b.set_position(issued_count as u64);
            }
            unreported = results;
            if let Err((missing, e)) = write_certs(&unreported, &out_dir, force) {
                unwritten = missing;
                return Err(e);
            }
        }
        Ok(())
    });
    // Whatever stopped the loop, the last committed chunk is synced and reported, each
    // certificate with its file or, where the file could not be written, without it.
    if !unreported.is_empty() {
        let synced = files::sync_filesystem(&out_dir)
            .with_context(|| format!("syncing `{}`", out_dir.display()));
        let reported = report_chunk(ctx, &unreported, &out_dir, &unwritten);
        if outcome.is_ok() {
            synced?;
            reported?;
        }
    }
    outcome.map_err(|e| {
        if issued_count > 0 {
            let missing = if unwritten.is_empty() {
                String::new()
            } else {
                format!(
                    "; the files of {} of them could not be written (each is listed, with `\"cert\": null` under --json; `govpki cert show SERIAL` prints it)",
                    unwritten.len()
                )
            };
            e.context(format!(
                "{issued_count} certificates were issued and committed before this error{missing}"
            ))
        } else {
            e
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if !ctx.out.is_json() {
        ctx.out.info(&format!(
            "issued {issued_count} certificates into `{}`",
            out_dir.display()
        ));
        if matches!(protection, Some(NewKeyProtection::None)) {
            ctx.out
                .warn("generated keys are stored unencrypted (--no-key-passphrase)");
        }
    }
    Ok(Outcome::Success)
}

type Signed = (Prepared, Serial, crate::ca::issue::Issued);

/// Writes a signed chunk's keys, syncs them together with the previous chunk's certificate
/// files, reports the previous chunk, and commits this chunk; [`write_certs`] then writes its
/// certificates out (they are reported after the next sync). A committed certificate never
/// lacks its key, and nothing is reported before it is committed and its files are on disk.
#[allow(clippy::too_many_arguments)]
fn commit_chunk(
    ctx: &Context,
    open: &mut OpenCa,
    results: &[Signed],
    unreported: &mut Vec<Signed>,
    out_dir: &Path,
    encryptor: Option<&BatchEncryptor>,
    actor: &str,
    force: bool,
) -> Result<()> {
    let now = ctx.now;
    let records: Vec<CertRecord> = results
        .iter()
        .map(|(p, serial, issued)| CertRecord {
            serial: serial.clone(),
            subject: issued.subject.to_string(),
            department: issued.subject.department().map(str::to_string),
            profile: p.row.profile.name().into(),
            not_before: issued.not_before,
            not_after: issued.not_after,
            issued_at: now,
            der: issued.der.clone(),
        })
        .collect();
    // Generated keys reach the disk before their certificates are committed; a crash in
    // between leaves only key files whose serials the store never saw.
    let mut keys = Vec::new();
    for (p, serial, _) in results {
        if let Some(key) = &p.new_key {
            let key_pem = match encryptor {
                Some(enc) => enc.encrypt(key, common::random16()?)?,
                None => key.to_pem(None, [0; 16], [0; 16])?,
            };
            keys.push((out_dir.join(format!("{}.key", serial.to_hex())), key_pem));
        }
    }
    let key_files = write_files_parallel(&keys, true, force)?;
    drop(keys);
    if (!key_files.is_empty() || !unreported.is_empty())
        && let Err(e) = files::sync_filesystem(out_dir)
    {
        remove_all(&key_files);
        return Err(anyhow::Error::new(e).context(format!("syncing `{}`", out_dir.display())));
    }
    if let Err(e) = report_chunk(ctx, unreported, out_dir, &Default::default()) {
        remove_all(&key_files);
        return Err(e);
    }
    unreported.clear();
    if let Err(e) = open.store.record_issued(&records, actor, now) {
        remove_all(&key_files);
        return Err(e.into());
    }
    Ok(())
}

/// Writes a committed chunk's certificates out. On an error (a full disk, a name taken) the
/// chunk stays committed; the error comes back with the files that were not written, so that
/// the report can list those certificates instead of claiming their files.
fn write_certs(
    chunk: &[Signed],
    out_dir: &Path,
    force: bool,
) -> std::result::Result<(), (std::collections::HashSet<PathBuf>, anyhow::Error)> {
    let certs: Vec<(PathBuf, String)> = chunk
        .iter()
        .map(|(_, serial, issued)| {
            (
                out_dir.join(format!("{}.pem", serial.to_hex())),
                common::cert_pem(&issued.der),
            )
        })
        .collect();
    let (written, error) = write_files_parallel_partial(&certs, false, force);
    match error {
        None => Ok(()),
        Some(e) => {
            let written: std::collections::HashSet<&PathBuf> = written.iter().collect();
            let unwritten = certs
                .into_iter()
                .map(|(p, _)| p)
                .filter(|p| !written.contains(p))
                .collect();
            Err((unwritten, e))
        }
    }
}

/// Reports committed, synced certificates (JSON lines with `--json`). A certificate whose file
/// is in `unwritten` is reported with `"cert": null` (and a warning without `--json`): it is
/// committed, its file is not on disk.
fn report_chunk(
    ctx: &Context,
    chunk: &[Signed],
    out_dir: &Path,
    unwritten: &std::collections::HashSet<PathBuf>,
) -> Result<()> {
    for (p, serial, issued) in chunk {
        let hexs = serial.to_hex();
        let cert = out_dir.join(format!("{hexs}.pem"));
        let missing = unwritten.contains(&cert);
        if !ctx.out.is_json() {
            if missing {
                ctx.out.warn(&format!(
                    "certificate `{hexs}` (row {}) is committed but `{}` was not written",
                    p.row.row,
                    cert.display()
                ));
            }
            continue;
        }
        ctx.out.json(&json!({
            "row": p.row.row,
            "serial": hexs,
            "subject": issued.subject.to_string(),
            "profile": p.row.profile.name(),
            "not_after": rfc3339(issued.not_after),
            "cert": (!missing).then(|| cert.display().to_string()),
            "key": p.new_key.as_ref().map(|_| out_dir.join(format!("{hexs}.key")).display().to_string()),
        }))?;
    }
    Ok(())
}

/// Writes new files on a few threads: creating many files in one directory is mostly kernel
/// work that the cores can share. Returns the paths, or the first error; secret files (keys
/// not yet committed) are removed on error, public ones (certificates already committed) stay.
fn write_files_parallel<T: AsRef<[u8]> + Sync>(
    files: &[(PathBuf, T)],
    secret: bool,
    force: bool,
) -> Result<Vec<PathBuf>> {
    match write_files_parallel_partial(files, secret, force) {
        (all, None) => Ok(all),
        (all, Some(e)) => {
            if secret {
                remove_all(&all);
            }
            Err(e)
        }
    }
}

/// [`write_files_parallel`] that keeps what it wrote on an error: the paths written, and the
/// first error.
fn write_files_parallel_partial<T: AsRef<[u8]> + Sync>(
    files: &[(PathBuf, T)],
    secret: bool,
    force: bool,
) -> (Vec<PathBuf>, Option<anyhow::Error>) {
    // Measured on a fresh ext4: 2, 4 and 8 threads are alike (7.1-7.4k certificates/s with
    // both files), one thread 6.1-6.2k.
    const THREADS: usize = 4;
    let per = files.len().div_ceil(THREADS).max(1);
    let outcomes: Vec<(Vec<PathBuf>, Option<anyhow::Error>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(per)
            .map(|group| {
                scope.spawn(move || {
                    let mut written = Vec::with_capacity(group.len());
                    for (path, data) in group {
                        if let Err(e) =
                            common::write_output_deferred(path, data.as_ref(), secret, force)
                        {
                            return (written, Some(e));
                        }
                        written.push(path.clone());
                    }
                    (written, None)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    (Vec::new(), Some(anyhow::anyhow!("a writing thread failed")))
                })
            })
            .collect()
    });
    let mut all = Vec::with_capacity(files.len());
    let mut first_error = None;
    for (written, error) in outcomes {
        all.extend(written);
        if first_error.is_none() {
            first_error = error;
        }
    }
    (all, first_error)
}

fn remove_all(paths: &[PathBuf]) {
    for p in paths {
        let _ = std::fs::remove_file(p);
    }
}

/// Generates keys and signs a chunk on every core.
fn sign_parallel(
    issuer: &Issuer<'_>,
    jobs: Vec<(Prepared, Serial)>,
    algorithm: Algorithm,
    now: OffsetDateTime,
) -> Result<Vec<Signed>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let per = jobs.len().div_ceil(threads).max(1);
    let mut groups: Vec<Vec<(Prepared, Serial)>> = Vec::new();
    let mut it = jobs.into_iter();
    loop {
        let g: Vec<_> = it.by_ref().take(per).collect();
        if g.is_empty() {
            break;
        }
        groups.push(g);
    }
    let results: Vec<Result<Vec<Signed>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .into_iter()
            .map(|group| {
                scope.spawn(move || -> Result<Vec<Signed>> {
                    let mut out = Vec::with_capacity(group.len());
                    for (mut p, serial) in group {
                        if p.spki_der.is_empty() {
                            let key = PrivateKey::generate(algorithm)?;
                            p.spki_der = key.spki_der();
                            p.new_key = Some(key);
                        }
                        let req = IssueRequest {
                            profile: p.row.profile,
                            subject: p.row.subject.clone(),
                            sans: p.sans.clone(),
                            spki_der: p.spki_der.clone(),
                            serial: serial.clone(),
                            not_before: now,
                            not_after: now
                                + p.row
                                    .validity
                                    .unwrap_or_else(|| default_validity(p.row.profile)),
                            sub_ca: SubCaOptions::default(),
                        };
                        let issued = issuer
                            .issue(&req)
                            .with_context(|| format!("batch row {}", p.row.row))?;
                        out.push((p, serial, issued));
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a signing thread failed")))
            })
            .collect()
    });
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    Ok(all)
}

fn read_serials(args_serials: &[String], from_file: Option<&Path>) -> Result<Vec<Serial>> {
    let mut out = Vec::new();
    for s in args_serials {
        out.push(s.parse::<Serial>()?);
    }
    if let Some(f) = from_file {
        let bytes = common::read_file(f, "serial list")?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("reading serial list `{}`: not UTF-8", f.display()))?;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            out.push(line.parse::<Serial>().with_context(|| {
                format!("reading serial list `{}` line {}", f.display(), i + 1)
            })?);
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.clone()));
    if out.is_empty() {
        match from_file {
            Some(f) => bail!("serial list `{}` holds no serial numbers", f.display()),
            None => bail!("no serial numbers given"),
        }
    }
    Ok(out)
}

fn revoke(args: RevokeArgs, ctx: &Context) -> Result<Outcome> {
    let RevokeArgs {
        serials,
        from_file,
        reason,
        invalidity_date,
    } = args;
    if reason == Reason::RemoveFromCrl {
        return Err(hinted(
            "removeFromCRL is not a revocation reason",
            "release a certificate on hold with `govpki cert release SERIAL`",
        ));
    }
    let serials = read_serials(&serials, from_file.as_deref())?;
    let invalidity = invalidity_date
        .as_deref()
        .map(when::parse_time)
        .transpose()?;
    if invalidity.is_some_and(|t| t > ctx.now) {
        bail!("--invalidity-date is in the future");
    }
    let mut open = OpenCa::open(&ctx.home)?;
    let asks = revoke_asks(&open, &serials, ctx)?;
    let actor = govern::authorize(ctx, &mut open, &asks)?;
    let revs: Vec<Revocation> = serials
        .iter()
        .map(|s| Revocation {
            serial: s.clone(),
            reason,
            invalidity,
        })
        .collect();
    open.store.revoke(&revs, &actor, ctx.now)?;
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "revoked": serials.iter().map(|s| s.to_hex()).collect::<Vec<_>>(),
            "reason": reason.name(),
            "revoked_at": rfc3339(ctx.now),
        }))?;
    } else {
        for s in &serials {
            ctx.out
                .info(&format!("revoked {} ({})", s.to_hex(), reason.name()));
        }
        ctx.out
            .info("publish the change with `govpki crl generate`");
    }
    Ok(Outcome::Success)
}

/// `cert.revoke` on `dept/<OU>/cert/<serial>` for each serial (releasing a hold is part of
/// revocation management and asks the same).
fn revoke_asks(open: &OpenCa, serials: &[Serial], ctx: &Context) -> Result<Vec<govern::Ask>> {
    let mut asks = Vec::with_capacity(serials.len());
    for s in serials {
        let dept = open.store.get(s, ctx.now)?.and_then(|r| r.department);
        asks.push(govern::Ask::new(
            "cert.revoke",
            format!(
                "dept/{}/cert/{}",
                govern::segment(dept.as_deref()),
                s.to_hex()
            ),
        ));
    }
    Ok(asks)
}

fn release(args: ReleaseArgs, ctx: &Context) -> Result<Outcome> {
    let ReleaseArgs { serials } = args;
    let serials = read_serials(&serials, None)?;
    let mut open = OpenCa::open(&ctx.home)?;
    let asks = revoke_asks(&open, &serials, ctx)?;
    let actor = govern::authorize(ctx, &mut open, &asks)?;
    open.store.release_hold(&serials, &actor, ctx.now)?;
    if ctx.out.is_json() {
        ctx.out
            .json(&json!({ "released": serials.iter().map(|s| s.to_hex()).collect::<Vec<_>>() }))?;
    } else {
        for s in &serials {
            ctx.out.info(&format!("released {} from hold", s.to_hex()));
        }
    }
    Ok(Outcome::Success)
}

fn list(args: ListArgs, ctx: &Context) -> Result<Outcome> {
    let ListArgs {
        status,
        department,
        profile,
        expiring,
    } = args;
    if let Some(p) = &profile {
        p.parse::<Profile>()?;
    }
    let expiring_before = expiring
        .as_deref()
        .map(when::parse_duration)
        .transpose()?
        .map(|d| ctx.now + d);
    let open = OpenCa::open(&ctx.home)?;
    let rows = open.store.list(
        &ListFilter {
            status,
            department,
            profile,
            expiring_before,
        },
        ctx.now,
    )?;
    if ctx.out.is_json() {
        ctx.out.json(&rows)?;
    } else {
        let mut text = String::new();
        for r in &rows {
            text.push_str(&format!(
                "{:<34} {:<8} {:<10} {}  {}\n",
                r.serial,
                r.status,
                r.profile,
                &r.not_after[..10.min(r.not_after.len())],
                r.subject
            ));
        }
        ctx.out.data(&text)?;
        ctx.out.info(&format!("{} certificate(s)", rows.len()));
    }
    Ok(Outcome::Success)
}

fn show(args: ShowArgs, ctx: &Context) -> Result<Outcome> {
    let ShowArgs { target } = args;
    let path = Path::new(&target);
    let (der, row) = if path.exists() {
        let der = common::read_cert(path)?;
        let row = crate::store::Store::open(&ctx.home).ok().and_then(|s| {
            let c = input::parse_cert(&der).ok()?;
            let serial = Serial::from_be_bytes(c.raw_serial()).ok()?;
            s.get(&serial, ctx.now)
                .ok()
                .flatten()
                .filter(|r| r.der == der)
        });
        (der, row)
    } else {
        let serial: Serial = target.parse().map_err(|_| {
            hinted(
                format!("`{target}` is neither a file nor a hex serial"),
                "give a certificate file, or a serial as `openssl x509 -serial` prints it",
            )
        })?;
        let open = OpenCa::open(&ctx.home)?;
        let row = open.store.get(&serial, ctx.now)?.ok_or_else(|| {
            anyhow::anyhow!(
                "no certificate with serial `{}` was issued by this CA",
                serial.to_hex()
            )
        })?;
        (row.der.clone(), Some(row))
    };
    let info = describe_cert(&der)?;
    if ctx.out.is_json() {
        let mut v = info.clone();
        if let Some(r) = &row {
            v["status"] = json!(r.status);
            v["profile"] = json!(r.profile);
            v["revoked_at"] = json!(r.revoked_at);
            v["reason"] = json!(r.reason);
        }
        v["pem"] = json!(common::cert_pem(&der));
        ctx.out.json(&v)?;
    } else {
        let mut text = String::new();
        let field = |k: &str, v: &serde_json::Value| match v {
            serde_json::Value::String(s) => format!("{k:<16}{s}\n"),
            serde_json::Value::Array(a) if a.is_empty() => String::new(),
            serde_json::Value::Array(a) => format!(
                "{k:<16}{}\n",
                a.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            serde_json::Value::Null => String::new(),
            other => format!("{k:<16}{other}\n"),
        };
        for (k, label) in [
            ("subject", "Subject:"),
            ("issuer", "Issuer:"),
            ("serial", "Serial:"),
            ("not_before", "Not before:"),
            ("not_after", "Not after:"),
            ("key", "Key:"),
            ("signature_algorithm", "Signature:"),
            ("is_ca", "CA:"),
            ("path_len", "Path length:"),
            ("key_usage", "Key usage:"),
            ("extended_key_usage", "Ext key usage:"),
            ("san", "SANs:"),
            ("crl_urls", "CRL URLs:"),
            ("ski", "Subject key id:"),
            ("aki", "Authority key id:"),
            ("sha256_fingerprint", "SHA-256:"),
        ] {
            text.push_str(&field(label, &info[k]));
        }
        if let Some(r) = &row {
            text.push_str(&format!("{:<16}{}\n", "Profile:", r.profile));
            let status = match (&r.revoked_at, &r.reason) {
                (Some(at), Some(reason)) => format!("{} at {at} ({reason})", r.status),
                _ => r.status.clone(),
            };
            text.push_str(&format!("{:<16}{}\n", "Status:", status));
        }
        ctx.out.data(&text)?;
    }
    Ok(Outcome::Success)
}

/// A certificate's fields as JSON (also used for the text report).
pub fn describe_cert(der: &[u8]) -> Result<serde_json::Value> {
    use x509_parser::extensions::{GeneralName, ParsedExtension};
    let cert = input::parse_cert(der).context("reading the certificate")?;
    let mut ku = Vec::new();
    let mut eku = Vec::new();
    let mut san = Vec::new();
    let mut crl_urls = Vec::new();
    let mut is_ca = false;
    let mut path_len = None;
    let mut ski = None;
    let mut aki = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::KeyUsage(k) => {
                for (bit, name) in [
                    (k.digital_signature(), "digitalSignature"),
                    (k.non_repudiation(), "nonRepudiation"),
                    (k.key_encipherment(), "keyEncipherment"),
                    (k.data_encipherment(), "dataEncipherment"),
                    (k.key_agreement(), "keyAgreement"),
                    (k.key_cert_sign(), "keyCertSign"),
                    (k.crl_sign(), "cRLSign"),
                ] {
                    if bit {
                        ku.push(name.to_string());
                    }
                }
            }
            ParsedExtension::ExtendedKeyUsage(e) => {
                if e.server_auth {
                    eku.push("serverAuth".to_string());
                }
                if e.client_auth {
                    eku.push("clientAuth".to_string());
                }
                if e.email_protection {
                    eku.push("emailProtection".to_string());
                }
                if e.code_signing {
                    eku.push("codeSigning".to_string());
                }
                if e.time_stamping {
                    eku.push("timeStamping".to_string());
                }
                if e.ocsp_signing {
                    eku.push("OCSPSigning".to_string());
                }
                for o in &e.other {
                    let id = o.to_id_string();
                    eku.push(if id == "1.3.6.1.5.5.7.3.36" {
                        "documentSigning".into()
                    } else {
                        id
                    });
                }
            }
            ParsedExtension::SubjectAlternativeName(s) => {
                for n in &s.general_names {
                    san.push(match n {
                        GeneralName::DNSName(d) => format!("dns:{d}"),
                        GeneralName::RFC822Name(e) => format!("email:{e}"),
                        GeneralName::URI(u) => format!("uri:{u}"),
                        GeneralName::IPAddress(ip) => match ip.len() {
                            4 => format!(
                                "ip:{}",
                                std::net::Ipv4Addr::from(
                                    <[u8; 4]>::try_from(*ip).unwrap_or_default()
                                )
                            ),
                            16 => format!(
                                "ip:{}",
                                std::net::Ipv6Addr::from(
                                    <[u8; 16]>::try_from(*ip).unwrap_or_default()
                                )
                            ),
                            _ => "ip:?".into(),
                        },
                        other => format!("{other:?}"),
                    });
                }
            }
            ParsedExtension::BasicConstraints(b) => {
                is_ca = b.ca;
                path_len = b.path_len_constraint;
            }
            ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(hex::encode_upper(k.0)),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                aki = a.key_identifier.as_ref().map(|k| hex::encode_upper(k.0))
            }
            ParsedExtension::CRLDistributionPoints(points) => {
                for p in points.iter() {
                    if let Some(x509_parser::extensions::DistributionPointName::FullName(names)) =
                        &p.distribution_point
                    {
                        for n in names {
                            if let GeneralName::URI(u) = n {
                                crl_urls.push(u.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let fp = ring::digest::digest(&ring::digest::SHA256, der);
    Ok(json!({
        "subject": crate::ca::dn::display_name(cert.subject()),
        "issuer": crate::ca::dn::display_name(cert.issuer()),
        "serial": Serial::from_be_bytes(cert.raw_serial()).map(|s| s.to_hex()).unwrap_or_default(),
        "not_before": rfc3339(cert.validity().not_before.to_datetime()),
        "not_after": rfc3339(cert.validity().not_after.to_datetime()),
        "key": crate::ca::keys::describe_spki(cert.public_key().raw).unwrap_or_else(|e| e.to_string()),
        "signature_algorithm": cert.signature_algorithm.algorithm.to_id_string(),
        "is_ca": is_ca,
        "path_len": path_len,
        "key_usage": ku,
        "extended_key_usage": eku,
        "san": san,
        "crl_urls": crl_urls,
        "ski": ski,
        "aki": aki,
        "sha256_fingerprint": hex::encode_upper(fp.as_ref()),
    }))
}

fn verify_cmd(args: VerifyArgs, ctx: &Context) -> Result<Outcome> {
    let VerifyArgs {
        file,
        trust,
        untrusted,
        crl,
        at,
        purpose,
    } = args;
    let mut certs = common::read_certs(&file)?;
    let ee = certs.remove(0);
    let mut intermediates = certs;
    if let Some(u) = &untrusted {
        intermediates.extend(common::read_certs(u)?);
    }
    let anchors = match &trust {
        Some(t) => common::read_certs(t)?,
        None => {
            let open = OpenCa::open(&ctx.home)
                .context("no --trust given, and this home's CA cannot be used as the default")?;
            let mut chain = open.chain();
            let root = chain.pop().unwrap_or_default();
            intermediates.extend(chain);
            vec![root]
        }
    };
    let mut crls = Vec::new();
    for path in &crl {
        let bytes = common::read_file(path, "CRL")?;
        crls.push(
            input::decode_one(&bytes, input::CRL_LABELS)
                .with_context(|| format!("reading CRL `{}`", path.display()))?,
        );
    }
    let at = at
        .as_deref()
        .map(when::parse_time)
        .transpose()?
        .unwrap_or(ctx.now);
    let verdict = verify::verify_chain(&VerifyInput {
        end_entity: &ee,
        intermediates: &intermediates,
        anchors: &anchors,
        crls: &crls,
        at,
        purpose,
    })
    .with_context(|| format!("verifying `{}`", file.display()))?;
    let outcome = match &verdict {
        Verdict::Valid { .. } => Outcome::Success,
        Verdict::Invalid { .. } => Outcome::Negative,
        Verdict::Indeterminate { .. } => Outcome::Indeterminate,
    };
    if ctx.out.is_json() {
        let mut v = serde_json::to_value(&verdict)?;
        v["file"] = json!(file.display().to_string());
        v["at"] = json!(rfc3339(at));
        ctx.out.json(&v)?;
    } else {
        let text = match &verdict {
            Verdict::Valid {
                chain,
                revocation_checked,
            } => format!(
                "{}: valid\n  chain: {}\n  revocation: {}",
                file.display(),
                chain.join(" <- "),
                if *revocation_checked {
                    "checked, not revoked"
                } else {
                    "not checked (no CRL given)"
                }
            ),
            Verdict::Invalid { reason, .. } => format!("{}: invalid: {reason}", file.display()),
            Verdict::Indeterminate { reason } => {
                format!("{}: indeterminate: {reason}", file.display())
            }
        };
        ctx.out.data(&text)?;
    }
    Ok(outcome)
}
