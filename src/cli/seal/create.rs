//! `govpki seal create`: make a seal signed by a seal authority of this home.

use super::*;
use crate::ops::seal::create::{check_holder, seal_maker};

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
around the upper arc, a five-pointed star, the type below; 42 mm for official seals.

Validity: --valid-from defaults to now; --valid-until takes a time or a duration after
--valid-from (2y) and defaults to the latest holder certificate's expiry, cut to the CA's. Past
windows are allowed (with a warning): such a seal cannot be applied.

EXAMPLES:
    govpki seal create --name 连云港市人民政府办公室 --type official --department 办公室 \\
        --holder-cert lisi.pem --render --out office.esl --passphrase-file ca.pass
    govpki seal create --name 连云港市财政局 --type 财务专用章 --department 财政局 \\
        --holder-cert a.pem --holder-cert b.pem --image finance.png --valid-until 1y --out finance.esl
    govpki cert issue --profile seal-authority --subject 'CN=印章管理部门,O=连云港市人民政府,C=CN' \\
        --key-out sa.key --out sa.pem
    govpki seal create --name 连云港市人民政府 --type official --department 办公室 \\
        --holder-cert lisi.pem --authority-cert sa.pem --authority-key sa.key --out gov.esl

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
    #[arg(long = "type", value_name = "T")]
    pub seal_type: String,
    /// The department the seal belongs to
    #[arg(long, value_name = "DEPT")]
    pub department: String,
    /// A holder certificate allowed to apply the seal (PEM or DER; repeatable)
    #[arg(long, value_name = "F", required = true, num_args = 1..)]
    pub holder_cert: Vec<PathBuf>,
    /// The seal image, PNG or SVG
    #[arg(long, value_name = "F", conflicts_with = "render")]
    pub image: Option<PathBuf>,
    /// Draw the standard round red seal as SVG (the default without --image)
    #[arg(long)]
    pub render: bool,
    /// The image's printed size in millimetres, WIDTHxHEIGHT (e.g. 42x42)
    #[arg(long, value_name = "WxH")]
    pub image_size: Option<String>,
    /// Start of the seal's validity (RFC 3339) [default: now]
    #[arg(long, value_name = "T")]
    pub valid_from: Option<String>,
    /// End of the seal's validity: a time (RFC 3339) or a duration after --valid-from (2y)
    #[arg(long, value_name = "T")]
    pub valid_until: Option<String>,
    /// Trust anchors for the holder certificates (PEM bundle; repeatable) [default: this CA's root]
    #[arg(long, value_name = "F")]
    pub holder_trust: Vec<PathBuf>,
    /// Write the seal (DER SESeal) here
    #[arg(long, value_name = "SEAL.esl")]
    pub out: PathBuf,
    /// Replace an existing output file
    #[arg(long)]
    pub force: bool,
    /// Make the seal with this seal-authority certificate (`cert issue --profile seal-authority`) instead of the CA key
    #[arg(long, value_name = "F", requires = "authority_key")]
    pub authority_cert: Option<PathBuf>,
    /// The private key of --authority-cert (PKCS#8 PEM, encrypted or not)
    #[arg(long, value_name = "F", requires = "authority_cert")]
    pub authority_key: Option<PathBuf>,
    /// File holding the passphrase of the key that makes the seal (the CA key, or --authority-key)
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
}

pub(super) fn parse_size(text: &str) -> Result<(u32, u32)> {
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
    let size = image_size.as_deref().map(parse_size).transpose()?;
    let valid_from = valid_from
        .as_deref()
        .map(|t| when::parse_time(t).context("--valid-from"))
        .transpose()?
        .unwrap_or(ctx.now);
    common::check_output_free(&out, force)?;

    let picture = match &image {
        Some(path) => {
            let data = common::read_file(path, "seal image")?;
            let info = sniff_image(&data)
                .with_context(|| format!("reading seal image `{}`", path.display()))?;
            let (width_mm, height_mm) = size
                .or(info.size_mm)
                .unwrap_or_else(|| default_size_mm(seal_type));
            Picture {
                format: info.format,
                data,
                width_mm,
                height_mm,
            }
        }
        None => {
            // --render is the default without --image.
            let _ = render;
            let mut p = render_seal_svg(&name, seal_type).context("rendering the seal")?;
            if let Some((w, h)) = size {
                p.width_mm = w;
                p.height_mm = h;
            }
            p
        }
    };

    let mut open = OpenCa::open(&ctx.home)?;
    let actor = govern::authorize(
        ctx,
        &mut open,
        &[govern::Ask::new(
            "seal.create",
            format!(
                "dept/{}/seal/{}",
                govern::segment(Some(&department)),
                seal_type.name()
            ),
        )],
    )?;
    // The maker: this home's CA (the default) or a seal authority certified under it. Only a
    // seal authority makes seals (DESIGN.md §4); checked before any key is unlocked.
    let maker_der = seal_maker(&open, authority_cert.as_deref(), ctx.now)?;
    let ca_cert =
        input::parse_cert(&maker_der).context("reading the seal authority certificate")?;
    let ca_not_after = ca_cert.validity().not_after.to_datetime();

    // The holders: valid now for sealing under this CA's chain (or --holder-trust).
    let home_chain = open.chain();
    let anchors = if holder_trust.is_empty() {
        home_chain.last().cloned().into_iter().collect::<Vec<_>>()
    } else {
        let mut a = Vec::new();
        for t in &holder_trust {
            a.extend(common::read_certs(t)?);
        }
        a
    };
    let mut holders = Vec::new();
    let mut latest_holder_end: Option<OffsetDateTime> = None;
    for path in &holder_cert {
        let (holder, end) = check_holder(&open, path, &anchors, &home_chain, ctx.now)?;
        latest_holder_end = Some(latest_holder_end.map_or(end, |l| l.max(end)));
        if holders.contains(&holder) {
            bail!("holder certificate `{}` is given twice", path.display());
        }
        holders.push(holder);
    }
    let valid_until =
        match valid_until.as_deref() {
            Some(text) => match when::parse_time(text) {
                Ok(t) => t,
                Err(_) => valid_from + when::parse_duration(text).map_err(|_| {
                    anyhow!(
                        "--valid-until `{text}` is neither an RFC 3339 time nor a duration like 2y"
                    )
                })?,
            },
            None => latest_holder_end.unwrap_or(ca_not_after).min(ca_not_after),
        };
    if let Some(end) = latest_holder_end
        && valid_until > end
    {
        ctx.out.warn(&format!(
            "the seal is valid until {}, after every holder certificate expires ({})",
            rfc3339(valid_until),
            rfc3339(end)
        ));
    }
    if valid_until < ctx.now {
        ctx.out.warn(&format!(
            "the seal's validity ended at {}: it cannot be applied",
            rfc3339(valid_until)
        ));
    }

    let ca_key = match &authority_key {
        Some(path) => {
            let key = common::load_key(path, passphrase_file.as_deref())?;
            if key.spki_der() != common::spki_of(&maker_der)? {
                bail!(
                    "the key `{}` does not belong to the seal authority certificate `{}`",
                    path.display(),
                    authority_cert
                        .as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                );
            }
            key
        }
        None => open.unlock(
            &crate::cli::common::ca_passphrase(passphrase_file.as_deref()),
            &crate::cli::common::TERMINAL,
        )?,
    };
    let signer = KeySigner::new(&ca_key);
    let es_id = loop {
        let id = es_id_from_random(&common::random16()?);
        if !open.store.es_id_exists(&id)? {
            break id;
        }
    };
    let spec = SealSpec {
        name: name.clone(),
        seal_type,
        department: department.clone(),
        holder_certs: holders.clone(),
        image: picture,
        valid_from,
        valid_until,
        created: ctx.now,
        es_id: es_id.clone(),
    };
    let seal = create_seal(&spec, &maker_der, &signer).context("making the seal")?;
    let info = seal.info();
    open.store
        .record_seal(
            &SealRecord {
                es_id: es_id.clone(),
                name: info.name.clone(),
                seal_type: info.seal_type.name().to_string(),
                department: department.clone(),
                valid_from: info.valid_from,
                valid_until: info.valid_until,
                created_at: info.created,
                der: seal.to_der().to_vec(),
            },
            &actor,
            ctx.now,
        )
        .map_err(store_error)?;
    common::write_output(&out, seal.to_der(), false, force).with_context(|| {
        format!("seal `{es_id}` is recorded in the store, but its file was not written")
    })?;
    let holder_subjects: Vec<String> = holders.iter().map(|h| certificate_subject(h)).collect();
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "es_id": es_id,
            "name": info.name,
            "type": info.seal_type.name(),
            "type_zh": info.seal_type.chinese_name(),
            "department": department,
            "valid_from": format_time(info.valid_from),
            "valid_until": format_time(info.valid_until),
            "holders": holder_subjects,
            "image": format!("{} {}x{} mm", info.picture.format, info.picture.width_mm, info.picture.height_mm),
            "out": out.display().to_string(),
        }))?;
    } else {
        ctx.out.info(&format!(
            "made {} seal `{}` ({}) esID {es_id}, valid {} .. {}, for {} holder(s), into `{}`",
            info.seal_type.chinese_name(),
            info.name,
            department,
            format_time(info.valid_from),
            format_time(info.valid_until),
            holders.len(),
            out.display()
        ));
    }
    Ok(Outcome::Success)
}
