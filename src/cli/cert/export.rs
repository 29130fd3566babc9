//! `govpki cert export --pkcs12`: a certificate with its key and this home's chain, for
//! browsers, `openssl pkcs12` and USB-key tooling.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use serde_json::json;

use crate::ca::serial::Serial;
use crate::cli::common;
use crate::cli::{Context, Outcome, hinted};
use crate::ops::export::{CertSource, Request};
use crate::ops::secrets::Passphrase;

pub(super) const EXPORT_LONG: &str = "\
Export a certificate of this home's CA with its private key and the chain up to this home's
root as a PKCS#12 file (RFC 7292). The key and the certificates are encrypted with PBES2
(PBKDF2-HMAC-SHA256, 600,000 iterations, AES-256-CBC) and the file is authenticated with
HMAC-SHA256 (PKCS#12 KDF, 600,000 iterations): `openssl pkcs12` (3.x, without -legacy), GnuTLS
`certtool --p12-info` and current browsers read it. The key must be the certificate's. The
file's passphrase comes from --passphrase-file, else it is asked twice on a terminal, and must
pass the strength check (at least 12 characters, not easy to guess) unless
--allow-weak-passphrase. The file is written with mode 0600, atomically, and never over an
existing file without --force.

Exporting a key is recorded in the audit log (`cert.export SERIAL SUBJECT`: who, when, the
key's SPKI hash, never a passphrase) before the file is written. In a governed home the policy
is asked `cert.export` on `dept/<OU>/cert/<serial>` for the operator (--as, --as-key), and a
denial is audited and writes nothing.

SM2 keys are exported the same way (the container does not depend on the key's algorithm);
OpenSSL 3 reads them, older tooling may not.

EXAMPLES:
    govpki cert export --pkcs12 zhangsan.p12 4F3A...C2 --key zhangsan.key \\
        --key-passphrase-file zs.pass --passphrase-file p12.pass
    govpki cert export --pkcs12 www.p12 www.pem --key www.key \\
        --name 'www.lyg.gov.cn'

EXIT CODES:
    0  written (and recorded)
    1  denied by the home's policy
    2  an error (key and certificate do not match, weak passphrase, existing file, wrong
       passphrase, certificate not of this CA)";

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The certificate: a hex serial of this CA, or a certificate file (PEM or DER)
    #[arg(value_name = "SERIAL|CERT")]
    pub target: String,
    /// Write a PKCS#12 file here (mode 0600)
    #[arg(long, value_name = "OUT", required = true)]
    pub pkcs12: PathBuf,
    /// The certificate's private key (PEM PKCS#8, encrypted or not)
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// File holding the key's passphrase (else asked on a terminal, if the key is encrypted)
    #[arg(long, value_name = "F")]
    pub key_passphrase_file: Option<PathBuf>,
    /// File holding the new PKCS#12 file's passphrase (else asked twice on a terminal)
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
    /// Keep a PKCS#12 passphrase that fails the strength check
    #[arg(long)]
    pub allow_weak_passphrase: bool,
    /// The friendlyName of the key and certificate [default: the subject's CN]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
}

pub(super) fn export(args: ExportArgs, ctx: &Context) -> Result<Outcome> {
    let ExportArgs {
        target,
        pkcs12,
        key,
        key_passphrase_file,
        passphrase_file,
        allow_weak_passphrase,
        name,
        force,
    } = args;
    let path = Path::new(&target);
    let cert = if path.exists() {
        CertSource::File(path.to_path_buf())
    } else {
        CertSource::Serial(target.parse::<Serial>().map_err(|_| {
            hinted(
                format!("`{target}` is neither a file nor a hex serial"),
                "give a certificate file, or a serial as `openssl x509 -serial` prints it",
            )
        })?)
    };
    // Refuse an existing file before asking for anything.
    common::check_output_free(&pkcs12, force)?;
    let (passphrase, weak_allowed) = common::new_passphrase(
        passphrase_file.as_deref(),
        "PKCS#12 file",
        allow_weak_passphrase,
        "pass --passphrase-file F",
    )?;
    let exported = crate::ops::export::export(
        &ctx.home,
        &Request {
            cert,
            key_path: key,
            key_passphrase: Passphrase::file_or_ask(
                key_passphrase_file.as_deref(),
                "--key-passphrase-file",
            ),
            passphrase,
            out: pkcs12,
            force,
            friendly_name: name,
        },
        &ctx.governance(),
    )?;
    if ctx.out.is_json() {
        let mut v = serde_json::to_value(&exported)?;
        v["weak_passphrase_allowed"] = json!(weak_allowed);
        ctx.out.json(&v)?;
    } else {
        ctx.out.info(&format!(
            "wrote `{}`: certificate {} (`{}`) with its {} key and {} chain certificate(s), friendlyName `{}`",
            exported.out.display(),
            exported.serial,
            exported.subject,
            exported.algorithm,
            exported.certificates.saturating_sub(1),
            exported.friendly_name,
        ));
        if weak_allowed {
            ctx.out
                .warn("the PKCS#12 passphrase is weak (--allow-weak-passphrase)");
        }
    }
    Ok(Outcome::Success)
}
