//! The governance operation called directly, on a home made through the CLI.

use std::path::{Path, PathBuf};

use super::*;
use crate::ops::{ErrorKind, NoPrompt, SystemRandom};

const POLICY: &str = "\
version: 1
roles:
  - id: admin
    permissions:
      - id: admin-manage
        actions: [ca.manage, crl.publish]
        resources: ca/*
      - id: admin-revoke
        actions: cert.revoke
        resources: dept/*/cert/*
bindings:
  - id: bind-admin
    subject: {title: 管理员}
    roles: [admin]
";

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    fn govpki(&self, args: &[&str]) {
        let home = self.home();
        let mut all = vec!["govpki", "--quiet", "--home", home.to_str().unwrap()];
        all.extend_from_slice(args);
        assert_eq!(
            crate::cli::main_entry(all, crate::ops::clock::Clock::system()),
            0,
            "{args:?}"
        );
    }

    /// Issues a person certificate with an unencrypted key; returns the certificate's path.
    fn person(&self, name: &str, subject: &str) -> PathBuf {
        let cert = self.path(&format!("{name}.pem"));
        let key = self.path(&format!("{name}.key"));
        self.govpki(&[
            "cert",
            "issue",
            "--profile",
            "person",
            "--subject",
            subject,
            "--key-out",
            key.to_str().unwrap(),
            "--no-key-passphrase",
            "--out",
            cert.to_str().unwrap(),
        ]);
        cert
    }

    fn open(&self) -> OpenCa {
        OpenCa::open(&self.home()).unwrap()
    }
}

/// A CA with two administrators, governed by [`POLICY`].
fn governed() -> (Home, PathBuf, PathBuf) {
    let home = Home {
        dir: tempfile::tempdir().unwrap(),
    };
    home.govpki(&[
        "ca",
        "init",
        "--subject",
        "CN=测试根CA,O=测试,C=CN",
        "--no-passphrase",
    ]);
    let admin = home.person("admin", "CN=管理员甲,TITLE=管理员,OU=信息中心,O=测试,C=CN");
    let other = home.person("other", "CN=管理员乙,TITLE=管理员,OU=信息中心,O=测试,C=CN");
    let policy = home.path("policy.yaml");
    std::fs::write(&policy, POLICY).unwrap();
    home.govpki(&["ca", "policy", policy.to_str().unwrap()]);
    (home, admin, other)
}

fn governance(cert: Option<&Path>, key: Option<&Path>) -> Governance<'static> {
    Governance {
        now: time::OffsetDateTime::now_utc(),
        domain: Some("intranet".into()),
        operator_cert: cert.map(Path::to_path_buf),
        operator_key: key.map(Path::to_path_buf),
        operator_passphrase: Passphrase::Ask {
            flag: "--as-passphrase-file",
        },
        prompt: &NoPrompt,
        rng: Arc::new(SystemRandom),
        local_actor: "local:tester".into(),
    }
}

fn key_of(cert: &Path) -> PathBuf {
    cert.with_extension("key")
}

#[test]
fn an_ungoverned_home_acts_as_the_local_actor() {
    let home = Home {
        dir: tempfile::tempdir().unwrap(),
    };
    home.govpki(&[
        "ca",
        "init",
        "--subject",
        "CN=测试根CA,O=测试,C=CN",
        "--no-passphrase",
    ]);
    let mut open = home.open();
    let done = authorize(
        &governance(None, None),
        &mut open,
        &[Ask::new("crl.publish", "ca/x")],
        None,
    )
    .unwrap();
    assert_eq!(done.actor, "local:tester");
    assert!(done.allowed.is_empty());
}

#[test]
fn a_governed_home_allows_its_operator_and_names_the_rule() {
    let (home, admin, _) = governed();
    let mut open = home.open();
    let key = key_of(&admin);
    let done = authorize(
        &governance(Some(&admin), Some(&key)),
        &mut open,
        &[Ask::new("crl.publish", "ca/x")],
        None,
    )
    .unwrap();
    assert!(done.actor.starts_with("cert:"), "{}", done.actor);
    assert_eq!(done.allowed.len(), 1);
    assert_eq!(done.allowed[0].rule, "admin-manage");
}

#[test]
fn no_operator_on_a_governed_home_is_an_error_with_a_hint_not_a_deny() {
    let (home, _, _) = governed();
    let mut open = home.open();
    let err = authorize(
        &governance(None, None),
        &mut open,
        &[Ask::new("crl.publish", "ca/x")],
        None,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Failed);
    assert!(err.hint().unwrap().contains("--as OPERATOR_CERT"));
}

#[test]
fn an_operator_revoked_at_now_gets_the_typed_refusal_and_an_audited_deny() {
    let (home, admin, other) = governed();
    // The second administrator revokes the first.
    let der = common::read_cert(&admin).unwrap();
    let serial = crate::ca::input::parse_cert(&der)
        .map(|c| Serial::from_be_bytes(c.raw_serial()).unwrap().to_hex())
        .unwrap();
    let other_key = key_of(&other);
    home.govpki(&[
        "--as",
        other.to_str().unwrap(),
        "--as-key",
        other_key.to_str().unwrap(),
        "--domain",
        "intranet",
        "cert",
        "revoke",
        &serial,
        "--reason",
        "affiliationChanged",
    ]);
    let mut open = home.open();
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(
        operator_is_trusted(&open, &der, now),
        Err(OperatorRefusal::NotValid {
            status: crate::store::CertStatus::Revoked
        })
    );
    let before = open.store.audit_records(None).unwrap().len();
    let key = key_of(&admin);
    let err = authorize(
        &governance(Some(&admin), Some(&key)),
        &mut open,
        &[Ask::new("crl.publish", "ca/x")],
        None,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Denied);
    assert!(
        err.denied()
            .unwrap()
            .summary
            .contains("it is revoked in this CA's store"),
        "{err}"
    );
    let records = open.store.audit_records(None).unwrap();
    assert_eq!(records.len(), before + 1);
    assert_eq!(records.last().unwrap().action, "authz.deny");
}

#[test]
fn a_ca_certificate_is_no_operator() {
    let (home, _, _) = governed();
    let open = home.open();
    let ca = open.meta.cert_der.clone();
    assert_eq!(
        operator_is_trusted(&open, &ca, time::OffsetDateTime::now_utc()),
        Err(OperatorRefusal::CaCertificate)
    );
}

#[test]
fn refusals_read_as_before() {
    assert_eq!(
        OperatorRefusal::NotIssued.to_string(),
        "this CA did not issue it"
    );
    assert_eq!(
        OperatorRefusal::StoreUnreadable("locked".into()).to_string(),
        "the store cannot be read: locked"
    );
}

#[test]
fn a_policy_no_issued_certificate_could_manage_is_refused_as_a_lock_out() {
    let (home, _, _) = governed();
    let open = home.open();
    let now = time::OffsetDateTime::now_utc();
    let (ok, _) = Policy::load(&[(PathBuf::from("p.yaml"), POLICY.to_string())]).unwrap();
    assert!(
        refuse_lock_out(&ok, &open, "x", "p.yaml", now)
            .unwrap()
            .starts_with("cert:")
    );
    let nobody = POLICY.replace("title: 管理员", "title: 无此人");
    let (locked, _) = Policy::load(&[(PathBuf::from("p.yaml"), nobody)]).unwrap();
    let err = refuse_lock_out(&locked, &open, "x", "p.yaml", now).unwrap_err();
    assert!(
        err.message().contains("would lock this CA out for good"),
        "{err}"
    );
    assert!(err.hint().is_some());
}

/// A request by the operator `cert` (key beside it) asking `asks`, opened at now.
fn verified_request(open: &OpenCa, cert: &Path, asks: &[&str]) -> crate::api::VerifiedRequest {
    let now = time::OffsetDateTime::now_utc();
    let der = common::read_cert(cert).unwrap();
    let key = secrets::load_key(&key_of(cert), &Passphrase::Ask { flag: "-" }, &NoPrompt).unwrap();
    let body = crate::api::Body::CrlGenerate(crate::api::CrlBody { next_update: None });
    let asks: Vec<String> = asks.iter().map(|a| a.to_string()).collect();
    let bytes =
        crate::api::sign_request(&open.meta.cert_der, &der, &key, &body, &asks, now, [5; 16])
            .unwrap();
    crate::api::open_request(&bytes, &open.meta.cert_der, now, crate::api::WINDOW).unwrap()
}

fn ca_key(open: &OpenCa) -> PrivateKey {
    open.unlock(&Passphrase::Ask { flag: "-" }, &NoPrompt)
        .unwrap()
}

#[test]
fn a_request_arms_the_signer_for_one_state_change_only() {
    let (home, admin, _) = governed();
    let mut open = home.open();
    let request = verified_request(&open, &admin, &["crl.publish ca/x"]);
    let key = ca_key(&open);
    let now = time::OffsetDateTime::now_utc();
    let done = authorize_request(
        &mut open,
        &request,
        &[Ask::new("crl.publish", "ca/x")],
        Some("intranet"),
        now,
        &key,
    )
    .unwrap();
    assert_eq!(done.allowed[0].rule, "admin-manage");
    let event = |object: &str| Event {
        time: rfc3339(now),
        actor: done.actor.clone(),
        action: "test.act".into(),
        object: object.into(),
        outcome: "ok".into(),
    };
    open.store.audit(vec![event("first")]).unwrap();
    let err = open.store.audit(vec![event("second")]).unwrap_err();
    assert!(err.to_string().contains("one state change"), "{err}");
    let records = open.store.audit_records(None).unwrap();
    let last = records.last().unwrap();
    assert_eq!(last.object, "first");
}

#[test]
fn a_request_needs_a_policy_its_own_asks_and_a_key_of_this_ca() {
    let (home, admin, _) = governed();
    let mut open = home.open();
    let key = ca_key(&open);
    let now = time::OffsetDateTime::now_utc();
    let asks = [Ask::new("crl.publish", "ca/x")];
    // Signed asks that are not what the server derives.
    let request = verified_request(&open, &admin, &["crl.publish ca/y"]);
    let err =
        authorize_request(&mut open, &request, &asks, Some("intranet"), now, &key).unwrap_err();
    assert!(
        matches!(&err, crate::api::ApiError::AsksDiffer { derived, .. } if derived == &["crl.publish ca/x".to_string()]),
        "{err}"
    );
    // Another key than this CA's.
    let request = verified_request(&open, &admin, &["crl.publish ca/x"]);
    let stranger = PrivateKey::generate(crate::ca::keys::Algorithm::P256).unwrap();
    let err = authorize_request(&mut open, &request, &asks, Some("intranet"), now, &stranger)
        .unwrap_err();
    assert_eq!(err.status(), 500, "{err}");
    // A home without a policy.
    home.govpki(&[
        "--as",
        admin.to_str().unwrap(),
        "--as-key",
        key_of(&admin).to_str().unwrap(),
        "--domain",
        "intranet",
        "ca",
        "policy",
        "--clear",
    ]);
    let mut open = home.open();
    let err =
        authorize_request(&mut open, &request, &asks, Some("intranet"), now, &key).unwrap_err();
    assert_eq!(err.status(), 403, "{err}");
    assert!(err.to_string().contains("no policy"), "{err}");
}
