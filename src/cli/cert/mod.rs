//! `govpki cert`: issue (one or a batch), revoke, release, list, show and verify certificates.

mod batch;
mod export;
mod issue;
mod list;
mod profiles;
mod release;
mod renew;
mod revoke;
mod show;
mod verify;

pub(crate) use batch::warn_fitted;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::common;
use super::{Context, Outcome};

use crate::ca::crl::Reason;
use crate::ca::keys::Algorithm;
use crate::ca::verify::Purpose;

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum CertCommand {
    /// Issue a certificate by profile from a CSR or a generated key, or a batch of them
    #[command(long_about = ISSUE_LONG)]
    Issue(IssueArgs),
    /// Revoke certificates by hex serial or certificate file, with an RFC 5280 reason
    #[command(long_about = REVOKE_LONG)]
    Revoke(RevokeArgs),
    /// Renew a certificate: same subject, profile and SANs, new serial and validity
    #[command(long_about = renew::RENEW_LONG)]
    Renew(renew::RenewArgs),
    /// List the built-in profiles and this home's own (profiles/NAME.yaml)
    #[command(long_about = profiles::PROFILES_LONG)]
    Profiles(profiles::ProfilesArgs),
    /// Release certificates from certificateHold (they are valid again)
    #[command(long_about = RELEASE_LONG)]
    Release(ReleaseArgs),
    /// List the certificates this CA issued
    #[command(long_about = LIST_LONG)]
    List(ListArgs),
    /// Show a certificate, by serial (from the store) or from a file
    #[command(long_about = SHOW_LONG)]
    Show(ShowArgs),
    /// Verify certificates' chains to trust anchors, at a time, with CRLs
    #[command(long_about = VERIFY_LONG)]
    Verify(VerifyArgs),
    /// Export a certificate with its key and chain as a PKCS#12 file
    #[command(long_about = export::EXPORT_LONG)]
    Export(export::ExportArgs),
}

const ISSUE_LONG: &str = "\
Issue a certificate by profile. The profile decides key usages, extended key usages and which
SANs are allowed; a CSR only supplies the public key (and the subject when --subject is not
given). The CSR's signature is verified; weak keys (RSA < 2048) and SHA-1 are refused. The
certificate is committed to the store before it is written or printed.

Validity: --validity from now, or --not-before / --not-after (RFC 3339 or a date). notBefore is
at most an hour in the past, never before the CA's own. A validity that was asked for
(--validity, --not-after, a batch row's validity) is honoured exactly or refused (exit 2, nothing
issued): longer than the profile's maximum, or ending after the CA's own notAfter, it is never
cut. Only the profile's default, when nobody asked, ends with the CA if the CA ends first: a
warning says so, and --json has \"fitted_to_ca_end\": true. Maximum [default] per profile:
server 398 days [398d]; person, department, seal 3 years [2y]; ocsp 2 years [2y];
seal-authority, tsa 5 years [2y]; sub-ca 20 years [10y].

Profiles: sub-ca, department, person, seal, seal-authority, server, ocsp, tsa. A seal-authority
certificate (digitalSignature, nonRepudiation; extended key usage 1.3.6.1.4.1.32473.1.3.1) makes
seals with `seal create --authority-cert F --authority-key F`; `seal verify` takes no other
end-entity certificate as a seal's maker.

Batch: --batch FILE (YAML list of maps, or .csv with a header row) with fields subject, profile,
san, csr (relative to the batch file), validity. A row's profile is found as --profile finds it:
a built-in, or the home's own profiles/NAME.yaml with its usages, SAN rules, maximum and default
validity (over --ca, built-in profiles only). Every row is checked first (an unknown profile, a
SAN its profile refuses or lacks, a validity past a bound: the whole batch is refused, naming the
row, before anything is issued); certificates are committed in chunks of 1,000, and each is
written to --out-dir as <serial>.pem (and <serial>.key for generated keys) only after its chunk
commits.

EXAMPLES:
    govpki cert issue --profile department --csr dept.csr \\
        --passphrase-file ca.pass --out dept.pem
    govpki cert issue --profile person \\
        --subject 'CN=张三,OU=信息中心,O=连云港市人民政府,C=CN' \\
        --san email:zhangsan@lyg.gov.cn \\
        --key-out zhangsan.key --key-passphrase-file zs.pass
    govpki cert issue --profile server \\
        --subject 'CN=www.lyg.gov.cn,O=连云港市人民政府,C=CN' \\
        --san dns:www.lyg.gov.cn,ip:10.1.1.1 --validity 1y \\
        --key-out www.key --no-key-passphrase
    govpki --json cert issue --batch staff.yaml --out-dir issued/ \\
        --key-passphrase-file staff.pass

EXIT CODES:
    0  issued
    2  an error (bad CSR, unknown profile, bad DN, validity past the profile's maximum or the
       CA's end, wrong passphrase, existing output file, ...)";

const REVOKE_LONG: &str = "\
Revoke certificates by hex serial (as `openssl x509 -serial` prints it; case-insensitive, colons
allowed), by certificate file (PEM or DER; an argument naming an existing file is one; it must be
a certificate this CA issued, else exit 2 naming the file) or from a file with one serial per
line (# comments and blank lines ignored). With --ca URL, a certificate file is checked on the
client against the CA certificate the service serves (issuer name and signature) and its serial
is sent. All or none: an unknown or already revoked serial fails the whole request. certificateHold can be
released later with `govpki cert release`. Publish with `govpki crl generate`.

Reasons: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded,
cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise.

EXAMPLES:
    govpki cert revoke 4F3A...C2 --reason keyCompromise \\
        --invalidity-date 2026-11-28T09:00:00+08:00
    govpki cert revoke --from-file leavers.txt --reason affiliationChanged
    govpki cert revoke zhangsan.pem --reason superseded
    govpki cert revoke 4F3A...C2 --reason certificateHold
    govpki --ca https://ca.lyg.gov.cn:8443 --as wangwu.pem --as-key wangwu.key \\
        cert revoke zhangsan.pem --reason keyCompromise

EXIT CODES:
    0  revoked
    2  an error (unknown serial, already revoked, bad reason, a file of another CA)";

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
Verify each FILE (an end-entity certificate, optionally followed by its intermediates) up to a
trust anchor at a time (default now), with optional CRLs (PEM or DER). --trust defaults to this
home's CA chain. Without --purpose any extended key usage is accepted. When CRLs are given, the
end entity's issuer must have one among them, else the result is indeterminate; a CRL past its
nextUpdate is indeterminate too. Every CA certificate of the path must allow keyCertSign when
it has a keyUsage. A CRL counts when another key of the issuing CA signed it: a CA that rolled
its key over (self-issued old-with-new / new-with-old certificates) or signs CRLs with a
separate key certified by a self-issued certificate (give those with --untrusted). With
--ocsp, every certificate of the path below the anchor that no --crl decides is asked about
over HTTP (POST, RFC 6960/5019) at URL, else at its AIA OCSP URL; a revoked answer is invalid,
an unknown, unreachable or unverifiable one indeterminate. The most specific failure is
reported.

Several FILEs are verified each on its own with the same options (--trust, --untrusted and the
CRLs are read once); a FILE that cannot be read or parsed is an error of that file, counted, and
the others are still verified. Output: the one-line summary of the run first, then each file's
report, then the closing tally (`1,008 valid, 0 invalid, 0 indeterminate`, and how many could
not be verified); with -q, only the reports of the files that are not valid, then the tally.
With --json, one JSON object per line per file, each with `file` and `document` (its name),
`verdict` (valid, invalid, indeterminate, or error when the file could not be judged) and, unless
valid, `reason`; then a last line that counts them all, with no `document` key:
{\"certificates\":3,\"tally\":{\"valid\":1,\"invalid\":1,\"indeterminate\":0,\"errors\":1}}.
One FILE prints its report (or JSON object) alone: no summary line, no tally.

EXAMPLES:
    govpki cert verify dept.pem
    govpki cert verify www.pem --trust root.pem --untrusted sub.pem \\
        --crl sub.crl --purpose server-auth
    govpki cert verify seal-holder.pem --at 2026-06-01T10:00:00+08:00 \\
        --crl root.crl
    govpki cert verify person.pem --ocsp http://127.0.0.1:8080/ocsp
    govpki -q cert verify issued/*.pem --trust root.pem --crl root.crl

EXIT CODES (the worst over all files: 2 > 1 > 3 > 0):
    0  valid
    1  invalid (expired, revoked, untrusted, wrong purpose, bad signature)
    2  an error (unreadable or malformed input, be it one FILE among many)
    3  indeterminate (revocation status unknown, CRL expired, OCSP not answering)";

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// Profile: sub-ca, department, person, seal, seal-authority, server, ocsp, tsa, or a home
    /// profile (`cert profiles`)
    #[arg(
        long,
        value_name = "PROFILE",
        required_unless_present = "batch",
        value_parser = crate::cli::help::profile_parser(),
        hide_possible_values = true
    )]
    pub profile: Option<String>,
    /// Subject DN, RFC 4514 (replaces the CSR's subject when given with --csr)
    #[arg(long, value_name = "DN")]
    pub subject: Option<String>,
    /// Issue for the public key in this CSR (PEM or DER)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key_out", "batch"])]
    pub csr: Option<PathBuf>,
    /// Generate a key and write it here (encrypted unless --no-key-passphrase)
    #[arg(long, value_name = "FILE", conflicts_with = "batch")]
    pub key_out: Option<PathBuf>,
    /// Algorithm of a generated key
    #[arg(long, value_enum, default_value_t = Algorithm::P256)]
    pub algorithm: Algorithm,
    /// Subject alternative names: dns:NAME, email:ADDR, ip:ADDR, uri:URI (comma-separated; repeatable)
    #[arg(long, value_name = "SANS")]
    pub san: Vec<String>,
    /// Validity period [default: 2y; 398d for server; 10y for sub-ca]
    #[arg(long, value_name = "DURATION", conflicts_with = "not_after")]
    pub validity: Option<String>,
    /// Start of validity (RFC 3339 or a date) [default: now; at most an hour in the past]
    #[arg(long, value_name = "TIME", conflicts_with = "batch")]
    pub not_before: Option<String>,
    /// End of validity (RFC 3339 or a date), instead of --validity
    #[arg(long, value_name = "TIME", conflicts_with = "batch")]
    pub not_after: Option<String>,
    /// Write the certificate here instead of stdout
    #[arg(long, value_name = "FILE", conflicts_with = "batch")]
    pub out: Option<PathBuf>,
    /// Write DER instead of PEM
    #[arg(long)]
    pub der: bool,
    /// Replace existing output files
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub ca_key: crate::cli::common::CaKeyArgs,
    #[command(flatten)]
    pub key: common::NewKeyArgs<issue::IssueKeySpelling>,
    /// Path length constraint (sub-ca)
    #[arg(long, value_name = "N")]
    pub path_len: Option<u8>,
    /// Permitted DNS subtree (sub-ca name constraint); repeatable
    #[arg(long, value_name = "DNS")]
    pub permit_dns: Vec<String>,
    /// Permitted directory-name subtree (sub-ca name constraint); repeatable
    #[arg(long, value_name = "DN")]
    pub permit_dn: Vec<String>,
    /// Issue every request in this YAML or CSV file
    #[arg(long, value_name = "FILE", requires = "out_dir")]
    pub batch: Option<PathBuf>,
    /// Directory for batch output: <serial>.pem and <serial>.key
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Hex serial numbers, or certificate files this CA issued
    #[arg(value_name = "SERIAL|FILE", required_unless_present = "from_file")]
    pub serials: Vec<String>,
    /// Read serials from a file, one per line
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    /// RFC 5280 reason
    #[arg(long, value_enum, default_value_t = Reason::Unspecified)]
    pub reason: Reason,
    /// When the key is known or suspected to have been compromised (RFC 3339)
    #[arg(long, value_name = "TIME")]
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
    #[arg(long, value_name = "DEPT")]
    pub department: Option<String>,
    /// Only certificates of this profile
    #[arg(
        long,
        value_name = "PROFILE",
        value_parser = crate::cli::help::profile_parser(),
        hide_possible_values = true
    )]
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
    /// The certificates to verify, each file an end entity optionally followed by its
    /// intermediates (PEM bundle)
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Trust anchors (PEM bundle) [default: this home's CA chain]
    #[arg(long, value_name = "FILE")]
    pub trust: Option<PathBuf>,
    /// More intermediate certificates (PEM bundle)
    #[arg(long, value_name = "FILE")]
    pub untrusted: Option<PathBuf>,
    /// A CRL (PEM or DER); repeatable
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Ask an OCSP responder (http:// URL; without URL, each certificate's AIA OCSP URL) about
    /// what the CRLs do not decide
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    pub ocsp: Option<String>,
    /// Verify at this time (RFC 3339) instead of now
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Require this extended key usage
    #[arg(long, value_enum)]
    pub purpose: Option<Purpose>,
    /// An acceptable certificate policy (OID); repeatable [default: any policy]
    #[arg(long = "policy", value_name = "OID")]
    pub policy: Vec<String>,
    /// Require a valid certificate policy for the whole path (initial-explicit-policy)
    #[arg(long)]
    pub explicit_policy: bool,
    /// Do not follow policy mappings (initial-policy-mapping-inhibit)
    #[arg(long)]
    pub inhibit_policy_mapping: bool,
    /// Do not let anyPolicy in a certificate stand for a policy (initial-any-policy-inhibit)
    #[arg(long)]
    pub inhibit_any_policy: bool,
    /// Also accept legacy signatures: SHA-1 and DSA (old archives, NIST PKITS; SHA-1
    /// collisions make them forgeable)
    #[arg(long = "allow-legacy")]
    pub allow_sha1: bool,
}

pub fn run(cmd: CertCommand, ctx: &Context) -> Result<Outcome> {
    match cmd {
        CertCommand::Issue(args) => issue::issue(args, ctx),
        CertCommand::Revoke(args) => revoke::revoke(args, ctx),
        CertCommand::Renew(args) => renew::renew(args, ctx),
        CertCommand::Profiles(args) => profiles::profiles(args, ctx),
        CertCommand::Release(args) => release::release(args, ctx),
        CertCommand::List(args) => list::list(args, ctx),
        CertCommand::Show(args) => show::show(args, ctx),
        CertCommand::Verify(args) => verify::verify_cmd(args, ctx),
        CertCommand::Export(args) => export::export(args, ctx),
    }
}

pub(crate) use issue::{parse_sans, same_file_path};
pub(crate) use renew::{Rekey, RenewArgs, print_renewed_text, rekey_of, target_of};
pub(crate) use revoke::read_serials;
pub use show::describe_cert;
