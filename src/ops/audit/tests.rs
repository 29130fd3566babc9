//! `audit verify` called directly, on a home made through the CLI.

use super::*;

fn home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let home = home.to_str().unwrap();
    for args in [
        &[
            "ca",
            "init",
            "--subject",
            "CN=测试根CA,O=测试,C=CN",
            "--no-passphrase",
        ][..],
        &["crl", "generate"][..],
    ] {
        let mut all = vec!["govpki", "--quiet", "--home", home];
        all.extend_from_slice(args);
        assert_eq!(
            crate::cli::main_entry(all, crate::ops::clock::Clock::system()),
            0,
            "{args:?}"
        );
    }
    dir
}

#[test]
fn an_untouched_log_is_intact_and_its_checkpoint_verifies() {
    let dir = home();
    let report = verify(&dir.path().join("home"), None, OffsetDateTime::now_utc()).unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.checkpoints, 1);
    assert_eq!(report.outcome(), crate::ops::Outcome::Success);
    assert_eq!(
        report.head,
        records(&dir.path().join("home"), None)
            .unwrap()
            .last()
            .unwrap()
            .hash
    );
}

#[test]
fn an_edited_record_breaks_the_chain_at_that_record() {
    let dir = home();
    let home = dir.path().join("home");
    let db = rusqlite::Connection::open(home.join(crate::store::DB_FILE)).unwrap();
    db.execute("UPDATE audit SET actor = 'local:mallory' WHERE seq = 1", [])
        .unwrap();
    drop(db);
    let report = verify(&home, None, OffsetDateTime::now_utc()).unwrap();
    let broken = report.broken.clone().unwrap();
    assert_eq!(broken.check, Check::Chain);
    assert_eq!(broken.seq, Some(1));
    assert!(
        broken
            .to_string()
            .starts_with("audit log BROKEN at record 1: "),
        "{broken}"
    );
    assert_eq!(report.outcome(), crate::ops::Outcome::Negative);
}

#[test]
fn checks_are_named_as_json_writes_them() {
    for check in [
        Check::Chain,
        Check::Head,
        Check::Operator,
        Check::Policy,
        Check::Checkpoint,
        Check::Store,
    ] {
        assert_eq!(
            serde_json::to_value(check).unwrap(),
            serde_json::Value::String(check.to_string())
        );
    }
    let store = Broken {
        seq: None,
        check: Check::Store,
        reason: "a row".into(),
    };
    assert_eq!(
        store.to_string(),
        "store DOES NOT MATCH the audit log: a row"
    );
}
