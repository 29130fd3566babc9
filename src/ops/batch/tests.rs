//! Unit tests of [`super`]: signing in row order, reporting only what is committed.

use time::macros::datetime;

use super::*;
use crate::ca::dn::Dn;
use crate::ca::profile::Profile;
use crate::ops::common::OpenCa;
use std::sync::atomic::AtomicU8;

use crate::ops::issue::tests::{Counter, root_home};
use crate::ops::{NoPrompt, Passphrase};

/// The test root's key (unencrypted: no passphrase is asked).
fn unlocked(open: &OpenCa) -> PrivateKey {
    let ask = Passphrase::Ask {
        flag: "--passphrase-file",
    };
    open.unlock(&ask, &NoPrompt).unwrap()
}

#[test]
fn rows_sign_in_order_at_now_and_a_failing_row_three_is_the_one_reported() {
    let dir = tempfile::tempdir().unwrap();
    root_home(dir.path());
    let open = OpenCa::open(dir.path()).unwrap();
    let key = unlocked(&open);
    let issuer = Issuer::new(&open.meta.cert_der, &key, open.urls()).unwrap();
    let now = datetime!(2026-05-04 10:00 UTC);
    let jobs = |bad: Option<usize>| -> Vec<(Prepared, Serial)> {
        person_rows(5)
            .into_iter()
            .map(|mut p| {
                let i = p.row.row;
                if bad == Some(i) {
                    // A public key that is no key: the issuer refuses this row.
                    p.spki_der = vec![0x30, 0x00];
                }
                (p, Serial::from_random([i as u8; 16]))
            })
            .collect()
    };
    let signed = sign(&issuer, jobs(None), Algorithm::P256).unwrap();
    let rows: Vec<usize> = signed.iter().map(|(p, _, _)| p.row.row).collect();
    assert_eq!(rows, [1, 2, 3, 4, 5]);
    assert!(
        signed
            .iter()
            .all(|(p, _, i)| i.not_before == now && p.new_key.is_some())
    );
    let err = sign(&issuer, jobs(Some(3)), Algorithm::P256).err().unwrap();
    assert!(
        err.message().starts_with("batch row 3"),
        "{}",
        err.message()
    );
}

/// Records what a batch reports, checking as it goes that a reported certificate is
/// already committed (seen by another connection to the store) and its files are there.
struct Recorder<'a> {
    home: &'a Path,
    committed: Vec<usize>,
    synced: Vec<Reported>,
}

impl Progress for Recorder<'_> {
    fn committed(&mut self, issued: usize) {
        self.committed.push(issued);
    }

    fn synced(&mut self, certs: &[Reported]) -> std::io::Result<()> {
        let store = Store::open(self.home).unwrap();
        for c in certs {
            assert!(store.serial_exists(&c.serial).unwrap(), "row {}", c.row);
            assert_eq!(c.cert.is_file(), c.cert_written, "row {}", c.row);
            assert!(c.key.as_ref().is_some_and(|k| k.is_file()), "row {}", c.row);
        }
        self.synced.extend_from_slice(certs);
        Ok(())
    }
}

fn person_rows(n: usize) -> Vec<Prepared> {
    (1..=n)
        .map(|i| Prepared {
            row: BatchRow {
                row: i,
                subject: Dn::parse(&format!("CN=P{i},OU=X,O=Test,C=CN")).unwrap(),
                profile: "person".into(),
                sans: vec![],
                csr: None,
                validity: None,
            },
            profile: Profile::Person,
            home: None,
            spki_der: vec![],
            new_key: None,
            sans: vec![],
            window: Some(Window {
                not_before: datetime!(2026-05-04 10:00 UTC),
                not_after: datetime!(2026-06-04 10:00 UTC),
                fitted: false,
            }),
        })
        .collect()
}

fn issue_rows<'h>(home: &'h Path, out_dir: &Path, rows: usize) -> (Result<usize>, Recorder<'h>) {
    let mut open = OpenCa::open(home).unwrap();
    let key = unlocked(&open);
    let mut recorder = Recorder {
        home,
        committed: vec![],
        synced: vec![],
    };
    let rng = Counter(AtomicU8::new(0));
    let job = Job {
        prepared: person_rows(rows),
        algorithm: Algorithm::P256,
        protection: Some(KeyProtection::Unencrypted),
        out_dir,
        force: false,
        weak_passphrase_allowed: false,
    };
    let acting = Acting {
        actor: "local:test",
        now: datetime!(2026-05-04 10:00 UTC),
        rng: &rng,
    };
    let issued = issue(&mut open, &key, job, &acting, &mut recorder);
    (issued, recorder)
}

#[test]
fn a_batch_reports_every_row_once_in_order_only_once_committed_and_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    root_home(dir.path());
    let out_dir = dir.path().join("issued");
    let (issued, recorder) = issue_rows(dir.path(), &out_dir, 3);
    assert_eq!(issued.unwrap(), 3);
    assert_eq!(recorder.committed, [3]);
    let rows: Vec<usize> = recorder.synced.iter().map(|c| c.row).collect();
    assert_eq!(rows, [1, 2, 3]);
    assert!(recorder.synced.iter().all(|c| c.cert_written));
    assert_eq!(recorder.synced[0].subject, "CN=P1,OU=X,O=Test,C=CN");
}

#[test]
fn a_certificate_file_that_cannot_be_written_is_reported_without_it_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    root_home(dir.path());
    let out_dir = dir.path().join("issued");
    std::fs::create_dir(&out_dir).unwrap();
    // The counter's first 16 bytes make the first row's serial: its `.pem` name is taken
    // by a directory.
    let first: [u8; 16] = std::array::from_fn(|i| i as u8 + 1);
    let blocked = out_dir.join(format!("{}.pem", Serial::from_random(first).to_hex()));
    std::fs::create_dir(&blocked).unwrap();
    let (issued, recorder) = issue_rows(dir.path(), &out_dir, 3);
    let err = issued.err().unwrap();
    assert!(
        err.message().starts_with(
            "3 certificates were issued and committed before this error; the files of"
        ),
        "{}",
        err.message()
    );
    let rows: Vec<usize> = recorder.synced.iter().map(|c| c.row).collect();
    assert_eq!(rows, [1, 2, 3]);
    assert_eq!(recorder.synced[0].cert, blocked);
    assert!(!recorder.synced[0].cert_written);
}
