//! `seal status-list`: sign the list of the seals this home's CA revoked with the CA key
//! (asked of the policy as `crl.publish` on `ca/<name>`, audited as `seal.status-list`), and
//! publish it: the home's copy beside the CRL, and an optional output file. Prints nothing.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::{KeySigner, OpenCa};
use crate::audit::Event;
use crate::ca::when::rfc3339;
use crate::ops::Passphrase;
use crate::ops::govern::{self, Allowed, Ask, Governance};
use crate::seal::status::{self, StatusEntry};
use crate::store::files;

/// The seal status list's copy in the home, beside `crl.der`.
pub const STATUS_LIST_FILE: &str = "seal-status.der";

/// How to publish the list.
#[derive(Debug, Clone)]
pub struct StatusListRequest {
    /// Time from now until nextUpdate.
    pub next_update: Duration,
    /// Also write the list here (replaced atomically).
    pub out: Option<PathBuf>,
    /// DER instead of PEM (for `out` and [`PublishedStatusList::body`]).
    pub der: bool,
}

/// The list published. Serialises as `seal status-list --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedStatusList {
    #[serde(serialize_with = "super::ser::display_path")]
    pub home_copy: PathBuf,
    #[serde(serialize_with = "super::ser::rfc3339_time")]
    pub next_update: OffsetDateTime,
    #[serde(serialize_with = "display_opt_path")]
    pub out: Option<PathBuf>,
    /// How many seals it lists.
    pub revoked: usize,
    #[serde(serialize_with = "super::ser::rfc3339_time")]
    pub this_update: OffsetDateTime,
    /// The list, PEM or DER as asked.
    #[serde(skip)]
    pub body: Vec<u8>,
    /// What the home's policy allowed (empty when not governed).
    #[serde(skip)]
    pub allowed: Vec<Allowed>,
}

fn display_opt_path<S: serde::Serializer>(
    p: &Option<PathBuf>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.collect_str(&p.display()),
        None => s.serialize_none(),
    }
}

/// Signs and publishes the seal status list of the home at `home`, this update `gov.now`;
/// `passphrase` unlocks the CA key.
pub fn publish(
    home: &Path,
    req: &StatusListRequest,
    gov: &Governance<'_>,
    passphrase: &Passphrase,
) -> crate::ops::Result<PublishedStatusList> {
    let now = gov.now;
    let next = now
        .checked_add(req.next_update)
        .ok_or_else(|| anyhow::anyhow!("--next-update: the time is out of range"))?;
    let mut open = OpenCa::open(home)?;
    let ask = Ask::new("crl.publish", format!("ca/{}", govern::ca_name(&open)));
    let authorized = govern::authorize(gov, &mut open, &[ask], None)?;
    let rows = open.store.revoked_seals().map_err(anyhow::Error::new)?;
    let key = open.unlock(passphrase, gov.prompt)?;
    let entries: Vec<StatusEntry> = rows
        .iter()
        .map(|r| StatusEntry {
            es_id: r.es_id.clone(),
            revoked_at: r.revoked_at,
            reason: r.reason.clone(),
        })
        .collect();
    let list = status::create_status_list(
        &open.meta.cert_der,
        &KeySigner::new(&key),
        now,
        next,
        &entries,
    )
    .context("making the seal status list")?;
    open.store
        .audit(vec![Event {
            time: rfc3339(now),
            actor: authorized.actor,
            action: "seal.status-list".into(),
            object: format!(
                "{} revoked seals, next update {}",
                entries.len(),
                rfc3339(next)
            ),
            outcome: "ok".into(),
        }])
        .map_err(anyhow::Error::new)?;
    let home_copy = home.join(STATUS_LIST_FILE);
    write_public(&home_copy, list.to_der())?;
    let body: Vec<u8> = if req.der {
        list.to_der().to_vec()
    } else {
        pem::encode(&pem::Pem::new(status::PEM_LABEL, list.to_der().to_vec())).into_bytes()
    };
    if let Some(o) = &req.out {
        write_public(o, &body)?;
    }
    Ok(PublishedStatusList {
        home_copy,
        next_update: next,
        out: req.out.clone(),
        revoked: entries.len(),
        this_update: now,
        body,
        allowed: authorized.allowed,
    })
}

fn write_public(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    files::write_atomic(path, data, files::Mode::Public, files::Overwrite::Replace)
        .with_context(|| format!("writing `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{NoPrompt, SystemRandom};
    use std::sync::Arc;

    #[test]
    fn a_next_update_past_the_calendar_is_an_error_not_a_panic() {
        let gov = Governance {
            now: time::macros::datetime!(2026-01-01 00:00 UTC),
            domain: None,
            operator_cert: None,
            operator_key: None,
            operator_passphrase: Passphrase::Ask { flag: "--x" },
            prompt: &NoPrompt,
            rng: Arc::new(SystemRandom),
            local_actor: "local:test".into(),
        };
        let req = StatusListRequest {
            next_update: Duration::MAX,
            out: None,
            der: true,
        };
        let err = publish(
            Path::new("/nonexistent-home"),
            &req,
            &gov,
            &Passphrase::Ask {
                flag: "--passphrase-file",
            },
        )
        .unwrap_err();
        assert!(err.message().contains("--next-update"), "{}", err.message());
    }

    #[test]
    fn the_json_of_a_published_list_is_the_one_the_cli_printed() {
        let now = time::macros::datetime!(2026-01-01 00:00 UTC);
        let published = PublishedStatusList {
            home_copy: PathBuf::from("/h/seal-status.der"),
            next_update: now + Duration::days(7),
            out: None,
            revoked: 2,
            this_update: now,
            body: vec![1, 2],
            allowed: Vec::new(),
        };
        let before = serde_json::json!({
            "revoked": 2,
            "this_update": rfc3339(now),
            "next_update": rfc3339(now + Duration::days(7)),
            "out": Option::<String>::None,
            "home_copy": "/h/seal-status.der",
        });
        assert_eq!(
            serde_json::to_string(&published).unwrap(),
            serde_json::to_string(&before).unwrap()
        );
    }
}
