//! `seal revoke`: mark a seal this home's CA made revoked in the store now (audited as
//! `seal.revoke`, asked of the policy on the seal's department and type). Publishing the change
//! is `seal status-list`'s ([`super::status_list`]). Prints nothing.

use std::path::Path;

use anyhow::bail;
use serde::Serialize;
use time::OffsetDateTime;

use super::{OpenCa, store_error};
use crate::ops::govern::{self, Allowed, Ask, Governance};

/// The seal revoked. Serialises as `seal revoke --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct RevokedSeal {
    pub es_id: String,
    pub reason: String,
    #[serde(serialize_with = "super::ser::rfc3339_time")]
    pub revoked_at: OffsetDateTime,
    /// What the home's policy allowed (empty when not governed).
    #[serde(skip)]
    pub allowed: Vec<Allowed>,
}

/// The reason as recorded: trimmed, 1 to 200 characters, no control characters.
pub fn check_reason(reason: &str) -> anyhow::Result<String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 || reason.chars().any(char::is_control) {
        bail!("--reason must be 1 to 200 characters without control characters");
    }
    Ok(reason.to_string())
}

/// The esID of the seal in a file (`.esl`, DER) this home's CA made: the store must hold
/// exactly this seal under its esID, else the file is refused, named (a seal of another CA or
/// home, or one altered).
pub fn es_id_of_file(home: &Path, path: &Path, bytes: &[u8]) -> crate::ops::Result<String> {
    let shown = path.display();
    let seal = crate::seal::Seal::from_der(bytes)
        .map_err(|e| anyhow::anyhow!("reading seal `{shown}`: {e}"))?;
    let open = OpenCa::open(home)?;
    let es_id = seal.info().es_id.clone();
    match open.store.seal(&es_id).map_err(anyhow::Error::new)? {
        Some(row) if row.record.der == seal.to_der() => Ok(es_id),
        Some(_) => Err(anyhow::anyhow!(
            "seal `{shown}` is not the seal this home's CA made with esID `{es_id}`"
        )
        .into()),
        None => Err(crate::ops::hinted(
            format!(
                "seal `{shown}` was not made by this home's CA (its authority is `{}`)",
                seal.authority_subject()
            ),
            "pass --home for the home that made it",
        )
        .into()),
    }
}

/// Revokes the seal `es_id` of the home at `home`, at `gov.now`, for `reason`.
pub fn revoke(
    home: &Path,
    es_id: &str,
    reason: &str,
    gov: &Governance<'_>,
) -> crate::ops::Result<RevokedSeal> {
    let reason = check_reason(reason)?;
    let mut open = OpenCa::open(home)?;
    let row = open.store.seal(es_id).map_err(anyhow::Error::new)?;
    let resource = format!(
        "dept/{}/seal/{}",
        govern::segment(row.as_ref().map(|r| r.record.department.as_str())),
        govern::segment(row.as_ref().map(|r| r.record.seal_type.as_str()))
    );
    let authorized = govern::authorize(gov, &mut open, &[Ask::new("seal.revoke", resource)], None)?;
    open.store
        .revoke_seal(es_id, &reason, &authorized.actor, gov.now)
        .map_err(store_error)?;
    Ok(RevokedSeal {
        es_id: es_id.to_string(),
        reason,
        revoked_at: gov.now,
        allowed: authorized.allowed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_trimmed_and_bounded() {
        assert_eq!(check_reason("  lost ").unwrap(), "lost");
        assert_eq!(check_reason("印章遗失").unwrap(), "印章遗失");
        assert!(check_reason("   ").is_err());
        assert!(check_reason("a\u{7}b").is_err());
        assert!(check_reason(&"章".repeat(201)).is_err());
        assert!(check_reason(&"章".repeat(200)).is_ok());
    }
}
