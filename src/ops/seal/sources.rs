//! Where seal revocations come from, merged: this home's store (authoritative for the seals
//! its CA made and recorded) and signed seal status lists, each indexed by esID; the earliest
//! revocation of an esID counts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use time::OffsetDateTime;

use crate::ca::input;
use crate::ops::common::OpenCa;
use crate::seal::status::{self, SealStatusList};
use crate::seal::{RevokedSeal, RevokedSeals, Seal, SignatureCheck, format_time};
use crate::store::files;
use crate::store::seals::RevokedSealRow;

use super::OBJECT_LIMIT;

pub fn decode_status_list(bytes: &[u8]) -> Result<SealStatusList> {
    let der = if bytes.first() == Some(&0x30) {
        bytes.to_vec()
    } else {
        input::decode_one(bytes, &[status::PEM_LABEL])?
    };
    Ok(SealStatusList::from_der(&der)?)
}

/// Reads a seal status list and checks its signature (a list that does not verify is an error,
/// never silently ignored).
pub fn read_status_list(
    path: &Path,
    now: OffsetDateTime,
    warn: &dyn Fn(&str),
) -> Result<SealStatusList> {
    let bytes = files::read_limited(path, OBJECT_LIMIT)
        .with_context(|| format!("reading seal status list `{}`", path.display()))?;
    let list = decode_status_list(&bytes)
        .with_context(|| format!("reading seal status list `{}`", path.display()))?;
    match list.verify_signature() {
        SignatureCheck::Valid => {}
        SignatureCheck::Invalid(why) | SignatureCheck::Unsupported(why) => bail!(
            "reading seal status list `{}`: its signature does not verify ({why})",
            path.display()
        ),
    }
    if list.next_update() < now {
        warn(&format!(
            "seal status list `{}` is past its nextUpdate {}",
            path.display(),
            format_time(list.next_update())
        ));
    }
    Ok(list)
}

/// The home's CA certificate, its seal revocations by esID, and the esIDs of the seals it
/// recorded.
pub type HomeSeals = (
    Vec<u8>,
    HashMap<String, RevokedSeal>,
    std::collections::HashSet<String>,
);

/// Where seal revocations come from: this home's store (authoritative for the seals its CA
/// made) and seal status lists, each indexed by esID.
pub struct SealStatusSources {
    home: Option<HomeSeals>,
    lists: Vec<(SealStatusList, HashMap<String, RevokedSeal>)>,
}

pub fn index_revocations<'a>(
    rows: impl IntoIterator<Item = (&'a str, OffsetDateTime, Option<&'a String>)>,
) -> HashMap<String, RevokedSeal> {
    let mut map: HashMap<String, RevokedSeal> = HashMap::new();
    for (es_id, revoked_at, reason) in rows {
        // The earliest revocation of an esID counts.
        if map.get(es_id).is_none_or(|e| revoked_at < e.revoked_at) {
            map.insert(
                es_id.to_string(),
                RevokedSeal {
                    revoked_at,
                    reason: reason.cloned(),
                },
            );
        }
    }
    map
}

impl SealStatusSources {
    pub fn load(
        now: OffsetDateTime,
        warn: &dyn Fn(&str),
        lists: &[PathBuf],
        open: Option<&OpenCa>,
    ) -> Result<Self> {
        let home = match open {
            Some(o) => {
                let rows: Vec<RevokedSealRow> = o.store.revoked_seals()?;
                let map = index_revocations(
                    rows.iter()
                        .map(|r| (r.es_id.as_str(), r.revoked_at, r.reason.as_ref())),
                );
                Some((o.meta.cert_der.clone(), map, o.store.seal_ids()?))
            }
            None => None,
        };
        let mut indexed = Vec::with_capacity(lists.len());
        for p in lists {
            let list = read_status_list(p, now, warn)?;
            let map = index_revocations(
                list.entries()
                    .iter()
                    .map(|e| (e.es_id.as_str(), e.revoked_at, e.reason.as_ref())),
            );
            indexed.push((list, map));
        }
        Ok(Self {
            home,
            lists: indexed,
        })
    }

    /// What is known about `seal` at time `at` (the store speaks as of `now`).
    pub fn for_seal(&self, seal: &Seal, at: OffsetDateTime, now: OffsetDateTime) -> RevokedSeals {
        let info = seal.info();
        let mut complete = false;
        let mut entry: Option<RevokedSeal> = None;
        let mut note = |r: Option<&RevokedSeal>| {
            if let Some(r) = r
                && entry.as_ref().is_none_or(|e| r.revoked_at < e.revoked_at)
            {
                entry = Some(r.clone());
            }
        };
        // The home speaks for the seals its CA made, and for those of the seal authorities
        // it certified, as far as its store recorded them: a seal made with such a key
        // outside this home (a copy of it, another tool) is one the home cannot revoke, so
        // the home does not settle it.
        if let Some((ca_cert, map, recorded)) = &self.home
            && (*ca_cert == info.authority_cert
                || crate::seal::chain::certificate_issued_by(&info.authority_cert, ca_cert))
            && recorded.contains(&info.es_id)
        {
            complete |= at <= now;
            note(map.get(&info.es_id));
        }
        for (list, map) in self.lists.iter().filter(|(l, _)| l.applies_to(seal)) {
            complete |= list.this_update() >= at;
            note(map.get(&info.es_id));
        }
        let entries = entry.map(|e| (info.es_id.clone(), e));
        if complete {
            RevokedSeals::complete(entries)
        } else {
            RevokedSeals::partial(entries)
        }
    }
}
