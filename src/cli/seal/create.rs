//! `govpki seal create`: make a seal signed by a seal authority of this home.

use super::*;
use crate::ops;
use crate::ops::seal::create::{Authority, CreateRequest, ValidUntil};

pub(super) const CREATE_LONG: &str = "\
Make an electronic seal: a DER SESeal (GB/T 38540-2020, version 4) naming the seal, its type and
department, the holder certificates allowed to apply it, its validity window and its image, signed
by a seal authority: this home's CA key (the default), or a certificate of the `seal-authority`
profile issued under this home's chain (extended key usage 1.3.6.1.4.1.32473.1.3.1; `govpki cert
issue --profile seal-authority`) with its key (--authority-cert F --authority-key F). Any other
certificate (person, department, seal holder) is refused before a key is unlocked: it is not a
seal authority, and `seal verify` would judge its seals invalid. The seal is recorded in the store
(audited as seal.create, esID unique in the home) before the .esl file is written.

Types: official (公章), contract (合同专用章), finance (财务专用章), invoice (发票专用章),
personal (个人章); the Chinese names and the codes 1-5 are accepted too.

Holders: each --holder-cert file holds a certificate (optionally followed by its intermediates).
It must validate now against this CA's chain (or --holder-trust), carry the documentSigning EKU
(1.3.6.1.5.5.7.3.36) and digitalSignature or nonRepudiation, as the seal profile gives, and not be
revoked in this home's store.

Image: --image takes a PNG or SVG (checked: no scripts in SVG); its size in mm comes from
--image-size, else the file (PNG pHYs, SVG width/height), else the customary size of the type.
Without --image the standard round red seal is drawn as SVG (--render, the default): the name
around the upper arc, a five-pointed star, the purpose (合同专用章, ...) below it for special
seals, the esID along the lower arc; 42 mm for official seals. The glyphs are outlines of the
built-in font (GB 2312 and ASCII): a name with another character is refused.

Validity: --valid-from defaults to now; --valid-until takes a time or a duration after
--valid-from (2y) and defaults to the latest holder certificate's expiry, or the maker's (the CA
or --authority-cert) if that ends first. A --valid-until after the maker's own notAfter is
refused (exit 2, naming both dates), never cut. Past windows are allowed (with a warning): such
a seal cannot be applied.

EXAMPLES:
    govpki seal create --name 连云港市人民政府办公室 --type official \\
        --department 办公室 --holder-cert lisi.pem --render \\
        --out office.esl --passphrase-file ca.pass
    govpki seal create --name 连云港市财政局 --type 财务专用章 \\
        --department 财政局 --holder-cert a.pem --holder-cert b.pem \\
        --image finance.png --valid-until 1y --out finance.esl
    govpki cert issue --profile seal-authority \\
        --subject 'CN=印章管理部门,O=连云港市人民政府,C=CN' \\
        --key-out sa.key --out sa.pem
    govpki seal create --name 连云港市人民政府 --type official \\
        --department 办公室 --holder-cert lisi.pem \\
        --authority-cert sa.pem --authority-key sa.key --out gov.esl

EXIT CODES:
    0  created
    2  an error (maker not a seal authority, holder not valid for sealing, bad image, existing
       output, wrong passphrase, ...)";

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The name on the seal, e.g. 连云港市人民政府办公室
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Seal type: official, contract, finance, invoice, personal (or 公章, ..., or a code)
    #[arg(
        long = "type",
        value_name = "TYPE",
        value_parser = crate::cli::help::seal_type_parser(),
        hide_possible_values = true
    )]
    pub seal_type: String,
    /// The department the seal belongs to
    #[arg(long, value_name = "DEPT")]
    pub department: String,
    /// A holder certificate allowed to apply the seal (PEM or DER; repeatable)
    #[arg(long, value_name = "FILE", required = true, num_args = 1..)]
    pub holder_cert: Vec<PathBuf>,
    /// The seal image, PNG or SVG
    #[arg(long, value_name = "FILE", conflicts_with = "render")]
    pub image: Option<PathBuf>,
    /// Draw the standard round red seal as SVG (the default without --image)
    #[arg(long)]
    pub render: bool,
    /// The image's printed size in millimetres, WIDTHxHEIGHT (e.g. 42x42)
    #[arg(long, value_name = "WxH")]
    pub image_size: Option<String>,
    /// Start of the seal's validity (RFC 3339) [default: now]
    #[arg(long, value_name = "TIME")]
    pub valid_from: Option<String>,
    /// End of the seal's validity: a time (RFC 3339) or a duration after --valid-from (2y)
    #[arg(long, value_name = "TIME")]
    pub valid_until: Option<String>,
    /// Trust anchors for the holder certificates (PEM bundle; repeatable) [default: this CA's root]
    #[arg(long, value_name = "FILE")]
    pub holder_trust: Vec<PathBuf>,
    /// Write the seal (DER SESeal) here
    #[arg(long, value_name = "SEAL.esl")]
    pub out: PathBuf,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
    /// Make the seal with this seal-authority certificate (`cert issue --profile seal-authority`) instead of the CA key
    #[arg(long, value_name = "FILE", requires = "authority_key")]
    pub authority_cert: Option<PathBuf>,
    /// The private key of --authority-cert (PKCS#8 PEM, encrypted or not)
    #[arg(long, value_name = "FILE", requires = "authority_cert")]
    pub authority_key: Option<PathBuf>,
    /// File holding the passphrase of the key that makes the seal (the CA key, or --authority-key)
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

pub(crate) fn parse_size(text: &str) -> Result<(u32, u32)> {
    let bad = || anyhow!("--image-size `{text}` is not WIDTHxHEIGHT in millimetres, like 42x42");
    let (w, h) = text.trim().split_once(['x', 'X', '×']).ok_or_else(bad)?;
    Ok((
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    ))
}

pub(super) fn create(args: CreateArgs, ctx: &Context) -> Result<Outcome> {
    let CreateArgs {
        name,
        seal_type,
        department,
        holder_cert,
        image,
        render,
        image_size,
        valid_from,
        valid_until,
        holder_trust,
        out,
        force,
        authority_cert,
        authority_key,
        passphrase_file,
    } = args;
    let seal_type: SealType = seal_type
        .parse()
        .with_context(|| format!("--type `{seal_type}`"))?;
    let image_size_mm = image_size.as_deref().map(parse_size).transpose()?;
    let valid_from = valid_from
        .as_deref()
        .map(|t| when::parse_time(t).context("--valid-from"))
        .transpose()?;
    let valid_until = valid_until.as_deref().map(parse_valid_until).transpose()?;
    // --render is the default without --image.
    let _ = render;
    let authority = match (authority_cert, authority_key) {
        (Some(cert), Some(key)) => Some(Authority { cert, key }),
        // clap makes each require the other.
        _ => None,
    };
    let request = CreateRequest {
        name,
        seal_type,
        department,
        holder_certs: holder_cert,
        image,
        image_size_mm,
        valid_from,
        valid_until,
        holder_trust,
        out,
        force,
        authority,
    };
    let warn = |w: &str| ctx.out.warn(w);
    let created = ops::seal::create::create(
        &request,
        &ops::seal::create::Acting {
            home: &ctx.home,
            governance: &ctx.governance(),
            passphrase: &crate::cli::common::ca_passphrase(passphrase_file.as_deref()),
            warn: &warn,
        },
    )?;
    ctx.out.allowed(&created.allowed);
    if ctx.out.is_json() {
        ctx.out.json(&created)?;
    } else {
        ctx.out.info(&format!(
            "made {} seal `{}` ({}) esID {}, valid {} .. {}, for {} holder(s), into `{}`",
            created.type_zh,
            created.name,
            created.department,
            created.es_id,
            format_time(created.valid_from),
            format_time(created.valid_until),
            created.holders.len(),
            created.out.display()
        ));
    }
    Ok(Outcome::Success)
}

/// `--valid-until`: an RFC 3339 time, else a duration after `--valid-from`.
fn parse_valid_until(text: &str) -> Result<ValidUntil> {
    if let Ok(t) = when::parse_time(text) {
        return Ok(ValidUntil::At(t));
    }
    when::parse_duration(text)
        .map(ValidUntil::After)
        .map_err(|_| {
            anyhow!("--valid-until `{text}` is neither an RFC 3339 time nor a duration like 2y")
        })
}
