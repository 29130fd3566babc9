//! `govpki seal show`: a seal, a sealed signature or a seal status list, in words.

use super::*;
use crate::ops;
use crate::ops::seal::show::{Object, Shown};

pub(super) const SHOW_LONG: &str = "\
Show a seal (.esl), a sealed signature (.p7s, DER or PEM), a GB/T 38540 SES_Signature (.ses, or an
OFD's SignedValue.dat; recognised by content) or a seal status list: the seal's name, type,
department, esID, validity, holders, authority (and whether its maker is a seal authority: one
of this home's hierarchy, or by its own extensions a CA or seal-authority certificate; a person,
department or seal holder certificate is NOT A SEAL AUTHORITY) and image; the signature's signer, signing time,
attributes and the seal it carries (or that it carries none); for an SES_Signature its dataHash,
propertyInfo and whether both signatures verify. The argument may also be an
esID of a seal this home's CA made. --image-out writes the seal image as stored, or an SVG
image as PNG (12 px per mm) when the file name ends in .png.

EXAMPLES:
    govpki seal show office.esl --image-out office.svg
    govpki seal show notice.pdf.p7s
    govpki seal show invoice/Doc_0/Signs/Sign_0/SignedValue.dat \\
        --image-out seal.png
    govpki --json seal show 3f2a9c...e1

EXIT CODES:
    0  shown
    2  an error (unreadable or malformed file, unknown esID, no image to write)";

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A seal (.esl), a signature (.p7s or SES_Signature), a seal status list, or an esID of this home
    #[arg(value_name = "FILE")]
    pub target: String,
    /// Write the seal image here
    #[arg(long, value_name = "FILE")]
    pub image_out: Option<PathBuf>,
    /// Replace an existing --image-out file
    #[arg(long)]
    pub force: bool,
}

pub(super) fn show(args: ShowArgs, ctx: &Context) -> Result<Outcome> {
    let ShowArgs {
        target,
        image_out,
        force,
    } = args;
    let shown = ops::seal::show::show(&ctx.home, &target, image_out.as_deref(), force, ctx.now)?;
    if let Some(written) = &shown.image {
        let p = &written.picture;
        ctx.out.info(&format!(
            "wrote the seal image ({}, {}x{} mm) to `{}`",
            p.format,
            p.width_mm,
            p.height_mm,
            written.out.display()
        ));
    }
    if ctx.out.is_json() {
        ctx.out.json(&shown_json(&shown)?)?;
    } else {
        ctx.out.data(&shown_text(&shown))?;
    }
    Ok(Outcome::Success)
}

/// The JSON of `seal show`: the object's summary, its kind, and the checks that apply to it.
fn shown_json(shown: &Shown) -> Result<serde_json::Value> {
    let Shown {
        object,
        record,
        authority_signature,
        maker,
        signer_signature,
        image: _,
    } = shown;
    Ok(match object {
        Object::Seal(s) => {
            let mut v = serde_json::to_value(s.summary())?;
            v["kind"] = json!("seal");
            v["authority_signature"] = json!(authority_signature);
            v["maker"] = json!(maker);
            v["status"] = json!(record.as_ref().map(ToString::to_string));
            v
        }
        Object::Signature(sig) => {
            let mut v = serde_json::to_value(sig.summary())?;
            v["kind"] = json!("signature");
            v["carries_seal"] = json!(sig.seal().is_some());
            if let Some(m) = maker {
                v["maker"] = json!(m);
            }
            v
        }
        Object::Ses(sig) => {
            let mut v = serde_json::to_value(sig.summary())?;
            v["kind"] = json!("ses-signature");
            v["signer_signature"] = json!(signer_signature);
            v["seal"]["authority_signature"] = json!(authority_signature);
            v["seal"]["maker"] = json!(maker);
            v
        }
        Object::StatusList(l) => {
            let mut v = serde_json::to_value(l.summary())?;
            v["kind"] = json!("seal-status-list");
            v
        }
    })
}

/// The text of `seal show`: the object's summary, then the checks that apply to it.
fn shown_text(shown: &Shown) -> String {
    let Shown {
        object,
        record,
        authority_signature,
        maker,
        signer_signature,
        image: _,
    } = shown;
    let or_empty = |s: &Option<String>| s.clone().unwrap_or_default();
    match object {
        Object::Seal(s) => {
            let mut t = s.summary().to_string();
            t.push_str(&format!(
                "signature:     {}\n",
                or_empty(authority_signature)
            ));
            t.push_str(&format!("maker:         {}\n", or_empty(maker)));
            if let Some(st) = record {
                t.push_str(&format!("status:        {st}\n"));
            }
            t
        }
        Object::Signature(sig) => {
            let mut t = sig.summary().to_string();
            if let Some(m) = maker {
                t.push_str(&format!("seal maker:    {m}\n"));
            }
            if sig.seal().is_none() {
                t.push_str(
                    "note:          this signature carries no electronic seal (seal verify judges it invalid)\n",
                );
            }
            t
        }
        Object::Ses(sig) => {
            let mut t = sig.summary().to_string();
            t.push_str(&format!(
                "signer sig:    {} (over TBS_Sign)\n",
                or_empty(signer_signature)
            ));
            t.push_str(&format!(
                "seal sig:      {}\n",
                or_empty(authority_signature)
            ));
            t.push_str(&format!("seal maker:    {}\n", or_empty(maker)));
            t.push_str(
                "note:          the document hash, chains and time are judged by `seal verify DOC --sig FILE`\n",
            );
            t
        }
        Object::StatusList(l) => l.summary().to_string(),
    }
}
