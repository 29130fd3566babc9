use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};

use time::macros::datetime;

use super::*;
use crate::audit::Event;
use crate::ca::issue::self_signed_root;
use crate::ops::NoPrompt;
use crate::store::{self, CaMeta, Store, files};

/// Bytes 1, 2, 3, ...: the same serials and salts on every run.
pub(crate) struct Counter(pub(crate) AtomicU8);

impl Random for Counter {
    fn fill(&self, out: &mut [u8]) -> anyhow::Result<()> {
        for b in out {
            *b = self.0.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        }
        Ok(())
    }
}

const NOW: OffsetDateTime = datetime!(2026-03-02 09:30:00 UTC);

/// A root CA home with an unencrypted key, made at `NOW`.
pub(crate) fn root_home(home: &Path) {
    let key = PrivateKey::generate(Algorithm::P256).unwrap();
    let subject = Dn::parse("CN=Test Root,O=Test,C=CN").unwrap();
    let serial = Serial::from_random([7; 16]);
    let der = self_signed_root(&key, &subject, &serial, NOW, NOW + Duration::days(3650)).unwrap();
    files::create_private_dir(&home.join("private")).unwrap();
    let mut store = Store::create(home).unwrap();
    let pem = key.to_pem(None, [0; 16], [0; 16]).unwrap();
    std::fs::write(home.join(store::CA_KEY_FILE), pem.as_bytes()).unwrap();
    store
        .init_ca(
            &CaMeta {
                cert_der: der,
                parents: vec![],
                crl_url: None,
                ocsp_url: None,
                policy: None,
                key_encrypted: false,
            },
            Event {
                time: crate::ca::when::rfc3339(NOW),
                actor: "test".into(),
                action: "ca.init".into(),
                object: "root".into(),
                outcome: "ok".into(),
            },
        )
        .unwrap();
}

fn acting<'a>(rng: &'a Counter, pass: &'a Passphrase, now: OffsetDateTime) -> Acting<'a> {
    Acting {
        actor: "local:test",
        now,
        ca_passphrase: pass,
        prompt: &NoPrompt,
        rng,
    }
}

#[test]
fn a_certificate_issued_at_now_starts_at_now_and_is_committed() {
    let dir = tempfile::tempdir().unwrap();
    root_home(dir.path());
    let key_out = dir.path().join("person.key");
    let prepared = prepare(Request {
        profile: Profile::Person,
        subject: Some(Dn::parse("CN=张三,OU=信息中心,O=Test,C=CN").unwrap()),
        sans: vec![],
        validity: Duration::days(30),
        sub_ca: SubCaOptions::default(),
        key: KeySource::Generate {
            algorithm: Algorithm::P256,
            key_out: key_out.clone(),
            protection: KeyProtection::Unencrypted,
        },
    })
    .unwrap();
    let now = datetime!(2026-05-04 10:11:12 UTC);
    let rng = Counter(AtomicU8::new(0));
    let pass = Passphrase::Ask {
        flag: "--passphrase-file",
    };
    let mut open = OpenCa::open(dir.path()).unwrap();
    let issued = issue(
        &mut open,
        prepared,
        &Delivery::default(),
        &acting(&rng, &pass, now),
    )
    .unwrap();
    assert_eq!(issued.not_before, now);
    assert_eq!(issued.not_after, now + Duration::days(30));
    let (_, cert) = x509_parser::parse_x509_certificate(&issued.der).unwrap();
    assert_eq!(cert.validity().not_before.to_datetime(), now);
    // Committed under its serial before anything was printed.
    let row = open.store.get(&issued.serial, now).unwrap().unwrap();
    assert_eq!(row.der, issued.der);
    assert_eq!(row.status, crate::store::CertStatus::Valid);
    assert!(issued.key_unencrypted);
    assert!(key_out.exists());
    assert!(
        String::from_utf8(issued.body)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
}

#[test]
fn a_refused_request_leaves_no_key_and_no_row_behind() {
    let dir = tempfile::tempdir().unwrap();
    root_home(dir.path());
    let key_out = dir.path().join("server.key");
    // A server certificate without a host SAN is refused by the issuer: nothing is written.
    let prepared = prepare(Request {
        profile: Profile::Server,
        subject: Some(Dn::parse("CN=www.example.cn,O=Test,C=CN").unwrap()),
        sans: vec![],
        validity: Duration::days(30),
        sub_ca: SubCaOptions::default(),
        key: KeySource::Generate {
            algorithm: Algorithm::P256,
            key_out: key_out.clone(),
            protection: KeyProtection::Unencrypted,
        },
    })
    .unwrap();
    let rng = Counter(AtomicU8::new(0));
    let pass = Passphrase::Ask {
        flag: "--passphrase-file",
    };
    let mut open = OpenCa::open(dir.path()).unwrap();
    assert!(
        issue(
            &mut open,
            prepared,
            &Delivery::default(),
            &acting(&rng, &pass, NOW)
        )
        .is_err()
    );
    assert!(!key_out.exists());
    assert!(
        open.store
            .list(&Default::default(), NOW)
            .unwrap()
            .is_empty()
    );
}

/// Issues a person certificate with a generated key at `now`; its serial.
pub(crate) fn issue_person(open: &mut OpenCa, rng: &Counter, now: OffsetDateTime) -> Serial {
    let dir = tempfile::tempdir().unwrap();
    let prepared = prepare(Request {
        profile: Profile::Person,
        subject: Some(Dn::parse("CN=李四,OU=信息中心,O=Test,C=CN").unwrap()),
        sans: vec![],
        validity: Duration::days(30),
        sub_ca: SubCaOptions::default(),
        key: KeySource::Generate {
            algorithm: Algorithm::P256,
            key_out: dir.path().join("k.pem"),
            protection: KeyProtection::Unencrypted,
        },
    })
    .unwrap();
    let pass = Passphrase::Ask {
        flag: "--passphrase-file",
    };
    issue(
        open,
        prepared,
        &Delivery::default(),
        &acting(rng, &pass, now),
    )
    .unwrap()
    .serial
}
