//! `seal show`: what a file (or an esID of this home) is, and what can be said of it without a
//! verdict: a seal's authority signature, whether its maker is a seal authority, an
//! SES_Signature's signer signature, a seal's record in this home. Writes the seal image when
//! asked. Trust, chains and times are `seal verify`'s. Prints nothing.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use time::OffsetDateTime;

use super::sources::decode_status_list;
use super::{OBJECT_LIMIT, OpenCa, check_seal_authority, open_home};
use crate::ca::when::rfc3339;
use crate::ops::{common, hinted};
use crate::seal::status::SealStatusList;
use crate::seal::types::ImageFormat;
use crate::seal::{
    Picture, Seal, SesSignature, SignatureCheck, SignatureFile, looks_like_ses, parse_signature,
    picture_as_png,
};
use crate::store::files;

/// What a file turned out to be.
pub enum Object {
    Seal(Box<Seal>),
    Signature(Box<SignatureFile>),
    Ses(Box<SesSignature>),
    StatusList(SealStatusList),
}

/// A seal's record in this home's store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HomeRecord {
    /// Recorded, not revoked.
    Current,
    Revoked {
        at: OffsetDateTime,
        reason: Option<String>,
    },
}

impl fmt::Display for HomeRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HomeRecord::Current => f.write_str("recorded in this home, not revoked"),
            HomeRecord::Revoked { at, reason } => {
                write!(f, "revoked at {}", rfc3339(*at))?;
                match reason {
                    Some(r) => write!(f, " ({r})"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// The seal image written to a file.
#[derive(Debug, Clone)]
pub struct ImageWritten {
    pub out: PathBuf,
    pub picture: Picture,
}

/// What `seal show` found. The checks are phrases for the report, present for the objects
/// they apply to: a seal (authority signature, maker, record), a signature carrying a seal
/// (maker), an SES_Signature (signer signature, its seal's authority signature and maker).
pub struct Shown {
    pub object: Object,
    /// The seal's record in this home, for a seal this home made.
    pub record: Option<HomeRecord>,
    /// The seal's authority signature (a seal, or the seal of an SES_Signature).
    pub authority_signature: Option<String>,
    /// Whether the seal's maker may make seals at all.
    pub maker: Option<String>,
    /// An SES_Signature's signer signature.
    pub signer_signature: Option<String>,
    /// The seal image, when `image_out` was given.
    pub image: Option<ImageWritten>,
}

/// Shows `target` (a file, else an esID of this home), judged at `now`; writes the seal image
/// to `image_out` when given.
pub fn show(
    home: &Path,
    target: &str,
    image_out: Option<&Path>,
    force: bool,
    now: OffsetDateTime,
) -> crate::ops::Result<Shown> {
    if let Some(p) = image_out {
        common::check_output_free(p, force)?;
    }
    let open = open_home(home)?;
    let (object, record) = find(open.as_ref(), target)?;
    let image = match image_out {
        Some(out) => Some(write_image(&object, target, out, force)?),
        None => None,
    };
    let maker = |s: &Seal| maker_check(open.as_ref(), s, now);
    let (authority_signature, maker, signer_signature) = match &object {
        Object::Seal(s) => (Some(authority_check(s)), Some(maker(s)), None),
        Object::Signature(sig) => (None, sig.seal().map(maker), None),
        Object::Ses(sig) => (
            Some(authority_check(sig.seal())),
            Some(maker(sig.seal())),
            Some(signer_check(sig)),
        ),
        Object::StatusList(_) => (None, None, None),
    };
    Ok(Shown {
        object,
        record,
        authority_signature,
        maker,
        signer_signature,
        image,
    })
}

/// The object `target` names and, for a seal this home made, its record.
fn find(open: Option<&OpenCa>, target: &str) -> Result<(Object, Option<HomeRecord>)> {
    let path = Path::new(target);
    let record_of = |row: crate::store::seals::SealRow| match row.revoked_at {
        Some(at) => HomeRecord::Revoked {
            at,
            reason: row.reason,
        },
        None => HomeRecord::Current,
    };
    if path.exists() {
        let bytes = files::read_limited(path, OBJECT_LIMIT)
            .with_context(|| format!("reading `{}`", path.display()))?;
        let object = identify(path, &bytes)?;
        let row = match (&object, open) {
            (Object::Seal(s), Some(o)) => o
                .store
                .seal(&s.info().es_id)?
                .filter(|r| r.record.der == s.to_der()),
            _ => None,
        };
        return Ok((object, row.map(record_of)));
    }
    let row = match open {
        Some(o) => o.store.seal(target)?,
        None => None,
    };
    let Some(row) = row else {
        return Err(hinted(
            format!("`{target}` is neither a file nor the esID of a seal this home's CA made"),
            "give a .esl, .p7s or seal status list file, or an esID from `govpki seal create`",
        ));
    };
    let seal = Seal::from_der(&row.record.der)
        .with_context(|| format!("reading seal `{target}` from the store"))?;
    Ok((Object::Seal(Box::new(seal)), Some(record_of(row))))
}

/// Reads `bytes` as a seal, an SES_Signature, a CMS signature or a seal status list; the
/// error names what it was read as, by its extension.
fn identify(path: &Path, bytes: &[u8]) -> Result<Object> {
    let seal_err = match Seal::from_der(bytes) {
        Ok(s) => return Ok(Object::Seal(Box::new(s))),
        Err(e) => e,
    };
    // A seal status list starts like an SES_Signature (SEQUENCE, SEQUENCE, INTEGER): its
    // parser's error counts only when nothing else reads the file.
    let ses_err = if looks_like_ses(bytes) {
        match SesSignature::from_der(bytes) {
            Ok(s) => return Ok(Object::Ses(Box::new(s))),
            Err(e) => Some(e),
        }
    } else {
        None
    };
    let sig_err = match parse_signature(bytes) {
        Ok(s) => return Ok(Object::Signature(Box::new(s))),
        Err(e) => e,
    };
    let list_err = match decode_status_list(bytes) {
        Ok(l) => return Ok(Object::StatusList(l)),
        Err(e) => e,
    };
    if let Some(e) = ses_err {
        return Err(anyhow::Error::new(e))
            .with_context(|| format!("reading seal-signature `{}`", path.display()));
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let why = match ext.as_str() {
        "esl" => format!("as a seal: {seal_err}"),
        "p7s" | "p7m" | "cms" | "pem" => format!("as a signature: {sig_err}"),
        _ if bytes.starts_with(b"-----BEGIN") && !bytes.starts_with(b"-----BEGIN GOVPKI") => {
            format!("as a signature: {sig_err}")
        }
        _ => format!(
            "as a seal: {seal_err}; as a signature: {sig_err}; as a seal status list: {list_err:#}"
        ),
    };
    bail!(
        "`{}` is not a seal, a sealed signature or a seal status list ({why})",
        path.display()
    )
}

/// Writes the image of the seal `object` carries to `out`.
fn write_image(object: &Object, target: &str, out: &Path, force: bool) -> Result<ImageWritten> {
    let picture = match object {
        Object::Seal(s) => Some(s.info().picture.clone()),
        Object::Signature(sig) => sig.seal().map(|s| s.info().picture.clone()),
        Object::Ses(sig) => Some(sig.seal().info().picture.clone()),
        Object::StatusList(_) => None,
    };
    let Some(picture) = picture else {
        bail!("`{target}` carries no seal, so it has no seal image to write");
    };
    let picture = image_for_output(out, picture)?;
    common::write_output(out, &picture.data, false, force)?;
    Ok(ImageWritten {
        out: out.to_path_buf(),
        picture,
    })
}

/// The image to write to `out`: an SVG rasterised to PNG when `out` ends in `.png` (12 px per
/// mm, its printed size in `pHYs`), else the image as stored.
pub fn image_for_output(out: &Path, picture: Picture) -> Result<Picture> {
    let wants_png = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if wants_png && picture.format == ImageFormat::Svg {
        return picture_as_png(&picture)
            .with_context(|| format!("rasterising the seal image for `{}`", out.display()));
    }
    Ok(picture)
}

fn authority_check(s: &Seal) -> String {
    match s.verify_authority_signature() {
        SignatureCheck::Valid => "verifies with the authority certificate in the seal".to_string(),
        SignatureCheck::Invalid(why) => format!("DOES NOT VERIFY: {why}"),
        SignatureCheck::Unsupported(why) => format!("not checked: {why}"),
    }
}

fn signer_check(s: &SesSignature) -> String {
    match s.verify_signer_signature() {
        SignatureCheck::Valid => {
            "verifies with the signer certificate in the signature".to_string()
        }
        SignatureCheck::Invalid(why) => format!("DOES NOT VERIFY: {why}"),
        SignatureCheck::Unsupported(why) => format!("not checked: {why}"),
    }
}

/// Whether the seal's maker may make seals at all (DESIGN.md §4): trusted when it is a seal
/// authority of this home's hierarchy now; otherwise judged by its own extensions (a person,
/// department or seal holder certificate is never one; trust is `seal verify`'s question).
fn maker_check(open: Option<&OpenCa>, s: &Seal, now: OffsetDateTime) -> String {
    let cert = &s.info().authority_cert;
    if let Some(o) = open
        && check_seal_authority(o, cert, now).is_ok()
    {
        return "a seal authority of this home's hierarchy".to_string();
    }
    match crate::seal::chain::seal_authority_kind(cert) {
        Ok(kind) => format!(
            "{kind}; whether it is a trusted seal authority is judged by `seal verify` (--trust, --seal-authority)"
        ),
        Err(why) => format!("NOT A SEAL AUTHORITY: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_home_record_reads_as_before() {
        assert_eq!(
            HomeRecord::Current.to_string(),
            "recorded in this home, not revoked"
        );
        let at = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        let revoked = HomeRecord::Revoked {
            at,
            reason: Some("lost".into()),
        };
        assert_eq!(
            revoked.to_string(),
            "revoked at 2026-01-02T03:04:05Z (lost)"
        );
        let bare = HomeRecord::Revoked { at, reason: None };
        assert_eq!(bare.to_string(), "revoked at 2026-01-02T03:04:05Z");
    }
}
