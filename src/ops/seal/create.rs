//! `seal create`: make a seal signed by a seal authority of this home, record it in the store
//! (audited as `seal.create`) and write it. The rules on its holders: a holder certificate must
//! validate now for document signing under the given anchors, be an end entity with the
//! documentSigning EKU and a key usage fit to sign, and not be revoked or on hold in this
//! home's store. Prints nothing: warnings go to a callback, the result is a [`CreatedSeal`].

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::{
    KeySigner, OpenCa, check_seal_authority, has_document_signing, read_cert_bundle,
    signs_documents, store_error, store_row,
};
use crate::ca::input;
use crate::ca::keys::PrivateKey;
use crate::ca::verify::{self as ca_verify, Purpose, VerifyInput};
use crate::ca::when::rfc3339;
use crate::ops::govern::{self, Allowed, Ask, Governance};
use crate::ops::secrets::{self, Passphrase};
use crate::ops::{common, hinted};
use crate::seal::render::default_size_mm;
use crate::seal::{
    Picture, Seal, SealSpec, SealType, certificate_subject, create_seal, es_id_from_random,
    render_seal, sniff_image,
};
use crate::store::seals::SealRecord;

/// The end of a seal's validity, as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidUntil {
    /// This time.
    At(OffsetDateTime),
    /// This long after the start of the validity.
    After(Duration),
}

/// What seal to make, for whom, and where to write it.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    /// The name on the seal.
    pub name: String,
    pub seal_type: SealType,
    pub department: String,
    /// The holder certificate files (each a certificate, then optionally its chain).
    pub holder_certs: Vec<PathBuf>,
    /// The seal image (PNG or SVG); `None` draws the standard round seal.
    pub image: Option<PathBuf>,
    /// The image's printed size in millimetres, overriding the file's and the type's.
    pub image_size_mm: Option<(u32, u32)>,
    /// Start of the validity [default: now].
    pub valid_from: Option<OffsetDateTime>,
    /// End of the validity [default: the latest holder's expiry, or the maker's if earlier];
    /// an end past the maker's is refused.
    pub valid_until: Option<ValidUntil>,
    /// Trust anchors for the holders [default: this home's root].
    pub holder_trust: Vec<PathBuf>,
    /// Where the seal (DER SESeal) is written.
    pub out: PathBuf,
    /// Replace an existing `out`.
    pub force: bool,
    /// A seal-authority certificate and its key, instead of this home's CA.
    pub authority: Option<Authority>,
}

/// A seal authority other than this home's CA: its certificate file and its key file.
#[derive(Debug, Clone)]
pub struct Authority {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Who makes the seal, when, and how to unlock the maker's key.
pub struct Acting<'a> {
    /// The home whose CA (or seal authority) makes the seal.
    pub home: &'a Path,
    /// The operator and the policy inputs; its `now`, `prompt` and `rng` serve the whole act.
    pub governance: &'a Governance<'a>,
    /// The passphrase of the key that makes the seal (the CA key, or the authority's key).
    pub passphrase: &'a Passphrase,
    /// Receives warnings (a validity past the holders' or already over).
    pub warn: &'a dyn Fn(&str),
}

/// The seal made. Serialises as `seal create --json` prints it (keys in this order).
#[derive(Debug, Clone, Serialize)]
pub struct CreatedSeal {
    pub department: String,
    pub es_id: String,
    /// The holders' subjects.
    pub holders: Vec<String>,
    /// The image: format and printed size (`svg 42x42 mm`).
    pub image: String,
    pub name: String,
    #[serde(serialize_with = "super::ser::display_path")]
    pub out: PathBuf,
    #[serde(rename = "type")]
    pub seal_type: &'static str,
    pub type_zh: &'static str,
    #[serde(serialize_with = "super::ser::seal_time")]
    pub valid_from: OffsetDateTime,
    #[serde(serialize_with = "super::ser::seal_time")]
    pub valid_until: OffsetDateTime,
    /// What the home's policy allowed (empty when not governed).
    #[serde(skip)]
    pub allowed: Vec<Allowed>,
}

/// Makes the seal `req` asks for: the picture, the policy's allow, the maker (only a seal
/// authority), the holders, the validity, then the maker's key; the seal is recorded in the
/// store before its file is written.
pub fn create(req: &CreateRequest, acting: &Acting<'_>) -> crate::ops::Result<CreatedSeal> {
    let now = acting.governance.now;
    let valid_from = req.valid_from.unwrap_or(now);
    common::check_output_free(&req.out, req.force)?;
    let picture = picture(req)?;

    let mut open = OpenCa::open(acting.home)?;
    let authorized = govern::authorize(acting.governance, &mut open, &[ask(req)], None)?;
    let authority_cert = req.authority.as_ref().map(|a| a.cert.as_path());
    let maker_der = seal_maker(&open, authority_cert, now)?;
    let maker_not_after =
        not_after(&maker_der).context("reading the seal authority certificate")?;
    let holders = checked_holders(&open, req, now)?;
    let valid_until = validity_end(req.valid_until, valid_from, &holders, maker_not_after)?;
    warn_about_validity(acting.warn, valid_until, holders.latest_end, now);

    let key = maker_key(&open, req.authority.as_ref(), &maker_der, acting)?;
    let es_id = fresh_es_id(&open, acting.governance.rng.as_ref())?;
    // A drawn seal carries its esID along the lower arc (the name was checked above, before
    // any key was unlocked).
    let picture = match &req.image {
        None => drawn(&req.name, req.seal_type, req.image_size_mm, Some(&es_id))?,
        Some(_) => picture,
    };
    let spec = SealSpec {
        name: req.name.clone(),
        seal_type: req.seal_type,
        department: req.department.clone(),
        holder_certs: holders.ders.clone(),
        image: picture,
        valid_from,
        valid_until,
        created: now,
        es_id: es_id.clone(),
    };
    let seal = create_seal(&spec, &maker_der, &KeySigner::new(&key)).context("making the seal")?;
    record_and_write(&mut open, &seal, req, &holders, &authorized.actor, now)?;
    Ok(created(
        &seal,
        &req.department,
        &req.out,
        &holders,
        authorized.allowed,
    ))
}

/// The policy's question: `seal.create` on the seal's department and type.
fn ask(req: &CreateRequest) -> Ask {
    ask_for(&req.department, req.seal_type)
}

/// `seal.create` on `dept/<department>/seal/<type>`: what the policy is asked, locally and
/// through the CA service.
pub fn ask_for(department: &str, seal_type: SealType) -> Ask {
    Ask::new(
        "seal.create",
        format!(
            "dept/{}/seal/{}",
            govern::segment(Some(department)),
            seal_type.name()
        ),
    )
}

/// The seal's picture: the image file (its size from the request, else the file, else the
/// type's customary size), or the standard round seal drawn as SVG.
fn picture(req: &CreateRequest) -> Result<Picture> {
    let data = match &req.image {
        Some(path) => Some((
            path.display().to_string(),
            common::read_file(path, "seal image")?,
        )),
        None => None,
    };
    picture_of(&req.name, req.seal_type, req.image_size_mm, data)
}

/// The seal's picture from the image's bytes (`label` names it in errors), else drawn.
pub fn picture_of(
    name: &str,
    seal_type: SealType,
    size: Option<(u32, u32)>,
    image: Option<(String, Vec<u8>)>,
) -> Result<Picture> {
    let Some((label, data)) = image else {
        return drawn(name, seal_type, size, None);
    };
    let info = sniff_image(&data).with_context(|| format!("reading seal image `{label}`"))?;
    let (width_mm, height_mm) = size
        .or(info.size_mm)
        .unwrap_or_else(|| default_size_mm(seal_type));
    Ok(Picture {
        format: info.format,
        data,
        width_mm,
        height_mm,
    })
}

/// The standard seal drawn as SVG (in the requested size, else the type's), with `code` on
/// the lower arc.
pub fn drawn(
    name: &str,
    seal_type: SealType,
    size: Option<(u32, u32)>,
    code: Option<&str>,
) -> Result<Picture> {
    let mut p = render_seal(name, seal_type, code).context("rendering the seal")?;
    if let Some((w, h)) = size {
        p.width_mm = w;
        p.height_mm = h;
    }
    Ok(p)
}

fn not_after(der: &[u8]) -> anyhow::Result<OffsetDateTime> {
    Ok(input::parse_cert(der)?.validity().not_after.to_datetime())
}

/// The holders, checked, in the request's order, and the latest of their expiries.
pub struct Holders {
    pub ders: Vec<Vec<u8>>,
    pub latest_end: Option<OffsetDateTime>,
}

impl Holders {
    pub fn new() -> Holders {
        Holders {
            ders: Vec::new(),
            latest_end: None,
        }
    }

    /// Adds a checked holder; `label` names it when it is given twice.
    pub fn add(&mut self, label: &str, holder: Vec<u8>, end: OffsetDateTime) -> Result<()> {
        self.latest_end = Some(self.latest_end.map_or(end, |l| l.max(end)));
        if self.ders.contains(&holder) {
            bail!("holder certificate `{label}` is given twice");
        }
        self.ders.push(holder);
        Ok(())
    }
}

impl Default for Holders {
    fn default() -> Holders {
        Holders::new()
    }
}

/// Checks every holder (see [`check_holder`]) under `--holder-trust`, else this home's root; a
/// holder given twice is an error.
fn checked_holders(open: &OpenCa, req: &CreateRequest, now: OffsetDateTime) -> Result<Holders> {
    let home_chain = open.chain();
    let anchors = if req.holder_trust.is_empty() {
        home_chain.last().cloned().into_iter().collect::<Vec<_>>()
    } else {
        let mut a = Vec::new();
        for t in &req.holder_trust {
            a.extend(common::read_certs(t)?);
        }
        a
    };
    let mut holders = Holders::new();
    for path in &req.holder_certs {
        let (holder, end) = check_holder(open, path, &anchors, &home_chain, now)?;
        holders.add(&path.display().to_string(), holder, end)?;
    }
    Ok(holders)
}

/// The end of the seal's validity: as asked, never after the maker's (seal authority
/// certificate's) notAfter (issue #12: refused, exit 2, not cut); else the latest holder's
/// expiry, or the maker's end if that comes first (the documented default).
pub fn validity_end(
    asked: Option<ValidUntil>,
    valid_from: OffsetDateTime,
    holders: &Holders,
    maker_not_after: OffsetDateTime,
) -> Result<OffsetDateTime> {
    let end = match asked {
        Some(ValidUntil::At(t)) => t,
        Some(ValidUntil::After(d)) => valid_from
            .checked_add(d)
            .ok_or_else(|| anyhow!("--valid-until: the end of the validity is out of range"))?,
        None => {
            return Ok(holders
                .latest_end
                .unwrap_or(maker_not_after)
                .min(maker_not_after));
        }
    };
    if end > maker_not_after {
        return Err(hinted(
            format!(
                "--valid-until `{}` is after the seal maker's own notAfter `{}`: a seal does not outlive the certificate that makes it",
                rfc3339(end),
                rfc3339(maker_not_after)
            ),
            format!(
                "ask for --valid-until `{}` or earlier (or leave it out), or make the seal with a seal authority certificate valid for longer",
                rfc3339(maker_not_after)
            ),
        ));
    }
    Ok(end)
}

/// Warns when the seal outlives every holder, or when its validity is already over (allowed:
/// such a seal cannot be applied).
pub fn warn_about_validity(
    warn: &dyn Fn(&str),
    valid_until: OffsetDateTime,
    latest_holder_end: Option<OffsetDateTime>,
    now: OffsetDateTime,
) {
    if let Some(end) = latest_holder_end
        && valid_until > end
    {
        warn(&format!(
            "the seal is valid until {}, after every holder certificate expires ({})",
            rfc3339(valid_until),
            rfc3339(end)
        ));
    }
    if valid_until < now {
        warn(&format!(
            "the seal's validity ended at {}: it cannot be applied",
            rfc3339(valid_until)
        ));
    }
}

/// The maker's key: the seal authority's key file (which must match its certificate), else
/// this home's CA key.
fn maker_key(
    open: &OpenCa,
    authority: Option<&Authority>,
    maker_der: &[u8],
    acting: &Acting<'_>,
) -> Result<PrivateKey> {
    let prompt = acting.governance.prompt;
    let Some(authority) = authority else {
        return open.unlock(acting.passphrase, prompt);
    };
    let key = secrets::load_key(&authority.key, acting.passphrase, prompt)?;
    if key.spki_der() != common::spki_of(maker_der)? {
        bail!(
            "the key `{}` does not belong to the seal authority certificate `{}`",
            authority.key.display(),
            authority.cert.display()
        );
    }
    Ok(key)
}

/// An esID not yet used in this home.
pub fn fresh_es_id(open: &OpenCa, rng: &dyn crate::ops::Random) -> Result<String> {
    loop {
        let id = es_id_from_random(&secrets::random16(rng)?);
        if !open.store.es_id_exists(&id)? {
            return Ok(id);
        }
    }
}

/// Records the seal in the store (audited), then writes its file.
fn record_and_write(
    open: &mut OpenCa,
    seal: &Seal,
    req: &CreateRequest,
    holders: &Holders,
    actor: &str,
    now: OffsetDateTime,
) -> Result<()> {
    record(open, seal, &req.department, holders, actor, now)?;
    let info = seal.info();
    common::write_output(&req.out, seal.to_der(), false, req.force).with_context(|| {
        format!(
            "seal `{}` is recorded in the store, but its file was not written",
            info.es_id
        )
    })?;
    Ok(())
}

/// Records a seal of `department` in the store (audited as `seal.create`, naming the holders
/// asked: the certificates the seal was made to bind).
pub fn record(
    open: &mut OpenCa,
    seal: &Seal,
    department: &str,
    holders: &Holders,
    actor: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let info = seal.info();
    let record = SealRecord {
        es_id: info.es_id.clone(),
        name: info.name.clone(),
        seal_type: info.seal_type.name().to_string(),
        department: department.to_string(),
        valid_from: info.valid_from,
        valid_until: info.valid_until,
        created_at: info.created,
        der: seal.to_der().to_vec(),
    };
    open.store
        .record_seal(
            &record,
            &crate::audit::binding::holders_field(&holders.ders),
            actor,
            now,
        )
        .map_err(store_error)?;
    Ok(())
}

pub fn created(
    seal: &Seal,
    department: &str,
    out: &Path,
    holders: &Holders,
    allowed: Vec<Allowed>,
) -> CreatedSeal {
    let info = seal.info();
    let pic = &info.picture;
    CreatedSeal {
        department: department.to_string(),
        es_id: info.es_id.clone(),
        holders: holders
            .ders
            .iter()
            .map(|h| certificate_subject(h))
            .collect(),
        image: format!("{} {}x{} mm", pic.format, pic.width_mm, pic.height_mm),
        name: info.name.clone(),
        out: out.to_path_buf(),
        seal_type: info.seal_type.name(),
        type_zh: info.seal_type.chinese_name(),
        valid_from: info.valid_from,
        valid_until: info.valid_until,
        allowed,
    }
}

/// Checks the holder certificate file `path` (the certificate, then its chain) for sealing at
/// `now`; `home_chain` is added to its intermediates. The certificate and its notAfter.
pub fn check_holder(
    open: &OpenCa,
    path: &Path,
    anchors: &[Vec<u8>],
    home_chain: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<(Vec<u8>, OffsetDateTime)> {
    let (holder, intermediates) = read_cert_bundle(path)?;
    check_holder_parts(
        open,
        &path.display().to_string(),
        holder,
        intermediates,
        anchors,
        home_chain,
        now,
    )
}

/// Checks a holder certificate (`label` names it) and the chain that came with it, as
/// [`check_holder`] does for a file.
pub fn check_holder_parts(
    open: &OpenCa,
    label: &str,
    holder: Vec<u8>,
    mut intermediates: Vec<Vec<u8>>,
    anchors: &[Vec<u8>],
    home_chain: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<(Vec<u8>, OffsetDateTime)> {
    intermediates.extend(home_chain.iter().cloned());
    let refuse = |why: String| {
        hinted(
            format!("holder certificate `{label}` {why}"),
            "issue holders with `govpki cert issue --profile seal`; pass --holder-trust ROOT for holders another CA certified",
        )
    };
    let verdict = ca_verify::verify_chain(&VerifyInput {
        policy: None,
        allow_sha1: false,
        end_entity: &holder,
        intermediates: &intermediates,
        anchors,
        crls: &[],
        at: now,
        purpose: Some(Purpose::DocumentSigning),
    })
    .with_context(|| format!("verifying holder certificate `{label}`"))?;
    if let Some(reason) = verdict.why_not_valid() {
        return Err(refuse(format!("does not validate: {reason}")));
    }
    let parsed =
        input::parse_cert(&holder).with_context(|| format!("reading certificate `{label}`"))?;
    if parsed.is_ca() {
        return Err(refuse(
            "is a CA certificate, which cannot hold a seal".into(),
        ));
    }
    if !has_document_signing(&parsed) {
        return Err(refuse(
            "lacks the documentSigning extended key usage (1.3.6.1.5.5.7.3.36) of the seal profile"
                .into(),
        ));
    }
    if !signs_documents(&parsed) {
        return Err(refuse(
            "has neither digitalSignature nor nonRepudiation key usage".into(),
        ));
    }
    if let Some(row) = store_row(open, &holder, now)
        && row.status != crate::store::CertStatus::Valid
    {
        return Err(refuse(format!(
            "is {} in this home's store{}",
            row.status,
            row.revoked_at
                .map(|t| format!(" (since {t})"))
                .unwrap_or_default()
        )));
    }
    let end = parsed.validity().not_after.to_datetime();
    drop(parsed);
    Ok((holder, end))
}

/// The certificate that makes the seal: `authority_cert`, else this home's CA certificate. Only
/// a seal authority makes seals (DESIGN.md §4); checked at `now`, before any key is unlocked.
pub fn seal_maker(
    open: &OpenCa,
    authority_cert: Option<&Path>,
    now: OffsetDateTime,
) -> Result<Vec<u8>> {
    let maker_der = match authority_cert {
        Some(path) => common::read_cert(path)?,
        None => open.meta.cert_der.clone(),
    };
    check_seal_authority(open, &maker_der, now).map_err(|why| {
        let what = match &authority_cert {
            Some(path) => format!("`{}`", path.display()),
            None => "this home's CA certificate".to_string(),
        };
        hinted(
            format!("{what} cannot make seals: {why}"),
            "make seals with this home's CA key (the default), or with a certificate of `govpki cert issue --profile seal-authority` and its key (--authority-cert F --authority-key F)",
        )
    })?;
    Ok(maker_der)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::format_time;
    use time::macros::datetime;

    #[test]
    fn a_validity_past_the_calendar_is_an_error_not_a_panic() {
        let from = datetime!(2026-01-01 00:00 UTC);
        let holders = Holders {
            ders: Vec::new(),
            latest_end: Some(datetime!(2027-01-01 00:00 UTC)),
        };
        let maker_end = datetime!(2030-01-01 00:00 UTC);
        let err = validity_end(
            Some(ValidUntil::After(Duration::MAX)),
            from,
            &holders,
            maker_end,
        )
        .unwrap_err();
        assert!(err.to_string().contains("--valid-until"), "{err}");
        let two_years = Duration::days(730);
        assert_eq!(
            validity_end(
                Some(ValidUntil::After(two_years)),
                from,
                &holders,
                maker_end
            )
            .unwrap(),
            from + two_years
        );
        // Past the maker's end: refused, naming both dates, never cut.
        let err = validity_end(
            Some(ValidUntil::At(datetime!(2030-01-01 00:00:01 UTC))),
            from,
            &holders,
            maker_end,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--valid-until `2030-01-01T00:00:01Z` is after the seal maker's own notAfter `2030-01-01T00:00:00Z`: a seal does not outlive the certificate that makes it"
        );
        assert!(
            validity_end(
                Some(ValidUntil::After(Duration::days(5 * 365))),
                from,
                &holders,
                maker_end
            )
            .is_err()
        );
        assert_eq!(
            validity_end(Some(ValidUntil::At(maker_end)), from, &holders, maker_end).unwrap(),
            maker_end
        );
        // The default: the latest holder's expiry, or the maker's end if earlier.
        assert_eq!(
            validity_end(None, from, &holders, maker_end).unwrap(),
            datetime!(2027-01-01 00:00 UTC)
        );
        let early_maker = datetime!(2026-06-01 00:00 UTC);
        assert_eq!(
            validity_end(None, from, &holders, early_maker).unwrap(),
            early_maker
        );
    }

    #[test]
    fn the_json_of_a_created_seal_is_the_one_the_cli_printed() {
        let created = CreatedSeal {
            department: "办公室".into(),
            es_id: "ab12".into(),
            holders: vec!["CN=李四".into()],
            image: "svg 42x42 mm".into(),
            name: "连云港市人民政府".into(),
            out: PathBuf::from("office.esl"),
            seal_type: "official",
            type_zh: "公章",
            valid_from: datetime!(2026-01-01 00:00 UTC),
            valid_until: datetime!(2027-01-01 00:00 UTC),
            allowed: Vec::new(),
        };
        let before = serde_json::json!({
            "es_id": "ab12",
            "name": "连云港市人民政府",
            "type": "official",
            "type_zh": "公章",
            "department": "办公室",
            "valid_from": format_time(created.valid_from),
            "valid_until": format_time(created.valid_until),
            "holders": ["CN=李四"],
            "image": "svg 42x42 mm",
            "out": "office.esl",
        });
        assert_eq!(
            serde_json::to_string(&created).unwrap(),
            serde_json::to_string(&before).unwrap()
        );
    }
}
