//! `seal create`'s rules on its holders: a holder certificate must validate now for document
//! signing under the given anchors, be an end entity with the documentSigning EKU and a key
//! usage fit to sign, and not be revoked or on hold in this home's store.

use std::path::Path;

use anyhow::{Context as _, Result};
use time::OffsetDateTime;

use super::{
    OpenCa, check_seal_authority, has_document_signing, read_cert_bundle, signs_documents,
    store_row,
};
use crate::ca::input;
use crate::ca::verify::{self as ca_verify, Purpose, VerifyInput};
use crate::ops::{common, hinted};

/// Checks the holder certificate file `path` (the certificate, then its chain) for sealing at
/// `now`; `home_chain` is added to its intermediates. The certificate and its notAfter.
pub fn check_holder(
    open: &OpenCa,
    path: &Path,
    anchors: &[Vec<u8>],
    home_chain: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<(Vec<u8>, OffsetDateTime)> {
    let (holder, mut intermediates) = read_cert_bundle(path)?;
    intermediates.extend(home_chain.iter().cloned());
    let refuse = |why: String| {
        hinted(
            format!("holder certificate `{}` {why}", path.display()),
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
    .with_context(|| format!("verifying holder certificate `{}`", path.display()))?;
    if let Some(reason) = verdict.why_not_valid() {
        return Err(refuse(format!("does not validate: {reason}")));
    }
    let parsed = input::parse_cert(&holder)
        .with_context(|| format!("reading certificate `{}`", path.display()))?;
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
