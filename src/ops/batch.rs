//! Issuing a batch: every row of a YAML or CSV file checked before anything is unlocked
//! ([`prepare`]), then signed on every core, in row order ([`sign`]). The front end commits
//! and writes the signed chunks. Prints nothing.

use std::path::Path;

use anyhow::{Context as _, bail};
use rayon::prelude::*;
use time::OffsetDateTime;

use super::Result;
use super::common;
use super::issue::default_validity;
use crate::ca::batch::{self, BatchRow};
use crate::ca::csr;
use crate::ca::issue::{IssueRequest, Issued, Issuer, SubCaOptions};
use crate::ca::keys::{Algorithm, PrivateKey};
use crate::ca::profile::San;
use crate::ca::serial::Serial;

/// One batch row made ready to sign.
pub struct Prepared {
    pub row: BatchRow,
    /// The CSR's public key; empty until a key is generated for the row.
    pub spki_der: Vec<u8>,
    pub new_key: Option<PrivateKey>,
    pub sans: Vec<San>,
}

impl Prepared {
    /// Whether the row has no CSR, so a key is generated for it.
    pub fn needs_key(&self) -> bool {
        self.spki_der.is_empty()
    }
}

/// A signed row: its serial and certificate.
pub type Signed = (Prepared, Serial, Issued);

/// Reads and checks every row of the batch file (CSR signatures, SAN rules); touches no home.
pub fn prepare(batch_path: &Path) -> Result<Vec<Prepared>> {
    Ok(prepare_rows(batch_path)?)
}

fn prepare_rows(batch_path: &Path) -> anyhow::Result<Vec<Prepared>> {
    let bytes = common::read_file(batch_path, "batch file")?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("reading batch file `{}`: not UTF-8", batch_path.display()))?;
    let is_csv = batch_path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let rows = batch::parse(&text, is_csv)
        .with_context(|| format!("reading batch file `{}`", batch_path.display()))?;
    if rows.iter().any(|r| r.profile.is_ca()) {
        bail!(
            "reading batch file `{}`: profile `sub-ca` is not issued in batches; use `govpki ca init --parent`",
            batch_path.display()
        );
    }
    let base = batch_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // Check every row (CSR signatures, SAN rules) before unlocking anything.
    let mut prepared = Vec::with_capacity(rows.len());
    for row in rows {
        let (spki_der, requested) = match &row.csr {
            Some(rel) => {
                let path = base.join(rel);
                let bytes = common::read_file(&path, "CSR").with_context(|| {
                    format!("batch file `{}` row {}", batch_path.display(), row.row)
                })?;
                let v = csr::verify_csr(&bytes).with_context(|| {
                    format!(
                        "batch file `{}` row {}: reading CSR `{}`",
                        batch_path.display(),
                        row.row,
                        path.display()
                    )
                })?;
                (v.spki_der, v.requested_sans)
            }
            None => (Vec::new(), Vec::new()),
        };
        let sans = if row.sans.is_empty() {
            requested
                .into_iter()
                .filter(|s| row.profile.allows_san(s))
                .collect()
        } else {
            row.sans.clone()
        };
        for s in &sans {
            if !row.profile.allows_san(s) {
                bail!(
                    "batch file `{}` row {}: profile `{}` does not allow SAN `{s}`",
                    batch_path.display(),
                    row.row,
                    row.profile
                );
            }
        }
        if row.profile.requires_host_san()
            && !sans.iter().any(|s| matches!(s, San::Dns(_) | San::Ip(_)))
        {
            bail!(
                "batch file `{}` row {}: profile `server` needs at least one dns: or ip: SAN",
                batch_path.display(),
                row.row
            );
        }
        prepared.push(Prepared {
            row,
            spki_der,
            new_key: None,
            sans,
        });
    }
    Ok(prepared)
}

/// Generates keys and signs a chunk on every core.
pub fn sign(
    issuer: &Issuer<'_>,
    jobs: Vec<(Prepared, Serial)>,
    algorithm: Algorithm,
    now: OffsetDateTime,
) -> Result<Vec<Signed>> {
    Ok(sign_rows(issuer, jobs, algorithm, now)?)
}

fn sign_rows(
    issuer: &Issuer<'_>,
    jobs: Vec<(Prepared, Serial)>,
    algorithm: Algorithm,
    now: OffsetDateTime,
) -> anyhow::Result<Vec<Signed>> {
    // Signed in the pool, reported in row order: the first failing row (the lowest) is the
    // error, whichever thread met it first.
    let results: Vec<anyhow::Result<Signed>> = jobs
        .into_par_iter()
        .map(|(mut p, serial)| -> anyhow::Result<Signed> {
            if p.spki_der.is_empty() {
                let key = PrivateKey::generate(algorithm)?;
                p.spki_der = key.spki_der();
                p.new_key = Some(key);
            }
            let req = IssueRequest {
                profile: p.row.profile,
                subject: p.row.subject.clone(),
                sans: p.sans.clone(),
                spki_der: p.spki_der.clone(),
                serial: serial.clone(),
                not_before: now,
                not_after: now
                    + p.row
                        .validity
                        .unwrap_or_else(|| default_validity(p.row.profile)),
                sub_ca: SubCaOptions::default(),
            };
            let issued = issuer
                .issue(&req)
                .with_context(|| format!("batch row {}", p.row.row))?;
            Ok((p, serial, issued))
        })
        .collect();
    results.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::ca::dn::Dn;
    use crate::ca::profile::Profile;
    use crate::ops::common::OpenCa;
    use crate::ops::issue::tests::root_home;
    use crate::ops::{NoPrompt, Passphrase};

    #[test]
    fn rows_sign_in_order_at_now_and_a_failing_row_three_is_the_one_reported() {
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let open = OpenCa::open(dir.path()).unwrap();
        let key = open
            .unlock(
                &Passphrase::Ask {
                    flag: "--passphrase-file",
                },
                &NoPrompt,
            )
            .unwrap();
        let issuer = Issuer::new(&open.meta.cert_der, &key, open.urls()).unwrap();
        let now = datetime!(2026-05-04 10:00 UTC);
        let jobs = |bad: Option<usize>| -> Vec<(Prepared, Serial)> {
            (1..=5)
                .map(|i| {
                    let prepared = Prepared {
                        row: BatchRow {
                            row: i,
                            subject: Dn::parse(&format!("CN=P{i},OU=X,O=Test,C=CN")).unwrap(),
                            profile: Profile::Person,
                            sans: vec![],
                            csr: None,
                            validity: None,
                        },
                        // A public key that is no key: the issuer refuses this row.
                        spki_der: if bad == Some(i) {
                            vec![0x30, 0x00]
                        } else {
                            vec![]
                        },
                        new_key: None,
                        sans: vec![],
                    };
                    (prepared, Serial::from_random([i as u8; 16]))
                })
                .collect()
        };
        let signed = sign(&issuer, jobs(None), Algorithm::P256, now).unwrap();
        let rows: Vec<usize> = signed.iter().map(|(p, _, _)| p.row.row).collect();
        assert_eq!(rows, [1, 2, 3, 4, 5]);
        assert!(
            signed
                .iter()
                .all(|(p, _, i)| i.not_before == now && p.new_key.is_some())
        );
        let err = sign(&issuer, jobs(Some(3)), Algorithm::P256, now)
            .err()
            .unwrap();
        assert!(
            err.message().starts_with("batch row 3"),
            "{}",
            err.message()
        );
    }
}
