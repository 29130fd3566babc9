//! `govpki seal show`: a seal, a sealed signature or a seal status list, in words.

use super::*;

pub(super) const SHOW_LONG: &str = "\
Show a seal (.esl), a sealed signature (.p7s, DER or PEM), a GB/T 38540 SES_Signature (.ses, or an
OFD's SignedValue.dat; recognised by content) or a seal status list: the seal's name, type,
department, esID, validity, holders, authority (and whether its maker is a seal authority: one
of this home's hierarchy, or by its own extensions a CA or seal-authority certificate; a person,
department or seal holder certificate is NOT A SEAL AUTHORITY) and image; the signature's signer, signing time,
attributes and the seal it carries (or that it carries none); for an SES_Signature its dataHash,
propertyInfo and whether both signatures verify. The argument may also be an
esID of a seal this home's CA made. --image-out writes the seal image (PNG or SVG as stored).

EXAMPLES:
    govpki seal show office.esl --image-out office.svg
    govpki seal show notice.pdf.p7s
    govpki seal show invoice/Doc_0/Signs/Sign_0/SignedValue.dat --image-out seal.png
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
    #[arg(long, value_name = "F")]
    pub image_out: Option<PathBuf>,
    /// Replace an existing --image-out file
    #[arg(long)]
    pub force: bool,
}

// ---------------------------------------------------------------------------------------------
// seal show

/// What a file turned out to be.
enum Shown {
    Seal(Box<Seal>),
    Signature(Box<SignatureFile>),
    Ses(Box<SesSignature>),
    StatusList(SealStatusList),
}

fn identify(path: &Path, bytes: &[u8]) -> Result<Shown> {
    let seal_err = match Seal::from_der(bytes) {
        Ok(s) => return Ok(Shown::Seal(Box::new(s))),
        Err(e) => e,
    };
    // A seal status list starts like an SES_Signature (SEQUENCE, SEQUENCE, INTEGER): its
    // parser's error counts only when nothing else reads the file.
    let ses_err = if looks_like_ses(bytes) {
        match SesSignature::from_der(bytes) {
            Ok(s) => return Ok(Shown::Ses(Box::new(s))),
            Err(e) => Some(e),
        }
    } else {
        None
    };
    let sig_err = match parse_signature(bytes) {
        Ok(s) => return Ok(Shown::Signature(Box::new(s))),
        Err(e) => e,
    };
    let list_err = match decode_status_list(bytes) {
        Ok(l) => return Ok(Shown::StatusList(l)),
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

pub(super) fn show(args: ShowArgs, ctx: &Context) -> Result<Outcome> {
    let ShowArgs {
        target,
        image_out,
        force,
    } = args;
    if let Some(p) = &image_out {
        common::check_output_free(p, force)?;
    }
    let path = Path::new(&target);
    let open = open_home(&ctx.home)?;
    let (shown, row) = if path.exists() {
        let bytes = files::read_limited(path, OBJECT_LIMIT)
            .with_context(|| format!("reading `{}`", path.display()))?;
        let shown = identify(path, &bytes)?;
        let row = match (&shown, &open) {
            (Shown::Seal(s), Some(o)) => o
                .store
                .seal(&s.info().es_id)?
                .filter(|r| r.record.der == s.to_der()),
            _ => None,
        };
        (shown, row)
    } else {
        let row = match &open {
            Some(o) => o.store.seal(&target)?,
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
        (Shown::Seal(Box::new(seal)), Some(row))
    };
    let status = row.as_ref().map(|r| match r.revoked_at {
        Some(t) => format!(
            "revoked at {}{}",
            rfc3339(t),
            r.reason
                .as_ref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        ),
        None => "recorded in this home, not revoked".to_string(),
    });
    let picture = match &shown {
        Shown::Seal(s) => Some(s.info().picture.clone()),
        Shown::Signature(sig) => sig.seal().map(|s| s.info().picture.clone()),
        Shown::Ses(sig) => Some(sig.seal().info().picture.clone()),
        Shown::StatusList(_) => None,
    };
    if let Some(out) = &image_out {
        let Some(p) = &picture else {
            bail!("`{target}` carries no seal, so it has no seal image to write");
        };
        common::write_output(out, &p.data, false, force)?;
        ctx.out.info(&format!(
            "wrote the seal image ({}, {}x{} mm) to `{}`",
            p.format,
            p.width_mm,
            p.height_mm,
            out.display()
        ));
    }
    let authority_check = |s: &Seal| match s.verify_authority_signature() {
        SignatureCheck::Valid => "verifies with the authority certificate in the seal".to_string(),
        SignatureCheck::Invalid(why) => format!("DOES NOT VERIFY: {why}"),
        SignatureCheck::Unsupported(why) => format!("not checked: {why}"),
    };
    // Whether the seal's maker may make seals at all (DESIGN.md §4): trusted when it is a seal
    // authority of this home's hierarchy now; otherwise judged by its own extensions (a person,
    // department or seal holder certificate is never one; trust is `seal verify`'s question).
    let maker_check = |s: &Seal| -> String {
        let cert = &s.info().authority_cert;
        if let Some(o) = &open
            && check_seal_authority(o, cert, ctx.now).is_ok()
        {
            return "a seal authority of this home's hierarchy".to_string();
        }
        match crate::seal::chain::seal_authority_kind(cert) {
            Ok(kind) => format!(
                "{kind}; whether it is a trusted seal authority is judged by `seal verify` (--trust, --seal-authority)"
            ),
            Err(why) => format!("NOT A SEAL AUTHORITY: {why}"),
        }
    };
    let signer_check = |s: &SesSignature| match s.verify_signer_signature() {
        SignatureCheck::Valid => {
            "verifies with the signer certificate in the signature".to_string()
        }
        SignatureCheck::Invalid(why) => format!("DOES NOT VERIFY: {why}"),
        SignatureCheck::Unsupported(why) => format!("not checked: {why}"),
    };
    if ctx.out.is_json() {
        let v = match &shown {
            Shown::Seal(s) => {
                let mut v = serde_json::to_value(s.summary())?;
                v["kind"] = json!("seal");
                v["authority_signature"] = json!(authority_check(s));
                v["maker"] = json!(maker_check(s));
                v["status"] = json!(status);
                v
            }
            Shown::Signature(sig) => {
                let mut v = serde_json::to_value(sig.summary())?;
                v["kind"] = json!("signature");
                v["carries_seal"] = json!(sig.seal().is_some());
                if let Some(seal) = sig.seal() {
                    v["maker"] = json!(maker_check(seal));
                }
                v
            }
            Shown::Ses(sig) => {
                let mut v = serde_json::to_value(sig.summary())?;
                v["kind"] = json!("ses-signature");
                v["signer_signature"] = json!(signer_check(sig));
                v["seal"]["authority_signature"] = json!(authority_check(sig.seal()));
                v["seal"]["maker"] = json!(maker_check(sig.seal()));
                v
            }
            Shown::StatusList(l) => {
                let mut v = serde_json::to_value(l.summary())?;
                v["kind"] = json!("seal-status-list");
                v
            }
        };
        ctx.out.json(&v)?;
    } else {
        let text = match &shown {
            Shown::Seal(s) => {
                let mut t = s.summary().to_string();
                t.push_str(&format!("signature:     {}\n", authority_check(s)));
                t.push_str(&format!("maker:         {}\n", maker_check(s)));
                if let Some(st) = &status {
                    t.push_str(&format!("status:        {st}\n"));
                }
                t
            }
            Shown::Signature(sig) => {
                let mut t = sig.summary().to_string();
                if let Some(seal) = sig.seal() {
                    t.push_str(&format!("seal maker:    {}\n", maker_check(seal)));
                }
                if sig.seal().is_none() {
                    t.push_str(
                        "note:          this signature carries no electronic seal (seal verify judges it invalid)\n",
                    );
                }
                t
            }
            Shown::Ses(sig) => {
                let mut t = sig.summary().to_string();
                t.push_str(&format!(
                    "signer sig:    {} (over TBS_Sign)\n",
                    signer_check(sig)
                ));
                t.push_str(&format!("seal sig:      {}\n", authority_check(sig.seal())));
                t.push_str(&format!("seal maker:    {}\n", maker_check(sig.seal())));
                t.push_str(
                    "note:          the document hash, chains and time are judged by `seal verify DOC --sig FILE`\n",
                );
                t
            }
            Shown::StatusList(l) => l.summary().to_string(),
        };
        ctx.out.data(&text)?;
    }
    Ok(Outcome::Success)
}
