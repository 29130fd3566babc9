//! Unit tests of the store binding: fields, replay, comparison.

use super::*;

#[test]
fn fields_are_read_from_the_right_only() {
    let o = with_field("ok x; row=fake", "row", "abc123");
    assert_eq!(field(&o, "row"), Some("abc123"));
    assert_eq!(without_fields(&o), "ok x");
    let o = with_field(&with_field("ok", "row", "aa"), "head", "1:bb:Zg==");
    assert_eq!(field(&o, "row"), Some("aa"));
    assert_eq!(field(&o, "head"), Some("1:bb:Zg=="));
    // Text that is not a field stops the reading.
    assert_eq!(field("ok; row=aa; free text", "row"), None);
    assert_eq!(field("ok", "row"), None);
}

fn rec(seq: i64, action: &str, object: &str, outcome: &str) -> Record {
    Record {
        seq,
        time: "t".into(),
        actor: "local:x".into(),
        action: action.into(),
        object: object.into(),
        outcome: outcome.into(),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

#[test]
fn a_bound_log_must_bind_every_row_and_an_old_one_is_not_provable() {
    let row = cert_row("0A", "CN=a", None, "person", 1, 2, 3, b"der");
    let rows = StoreRows {
        certs: vec![CertRowState {
            serial: "0A".into(),
            row: row.clone(),
            status: "valid".into(),
            revocation: None,
            spki: None,
        }],
        ..StoreRows::default()
    };
    let bound = [
        rec(1, "ca.init", "01 CN=ca", "ok; row=ff"),
        rec(
            2,
            "cert.issue",
            "0A person CN=a",
            &with_field("ok", "row", &row),
        ),
    ];
    let c = replay(&bound).unwrap().compare(&rows);
    assert!(
        c.mismatches.is_empty() && c.not_provable.is_empty(),
        "{c:?}"
    );

    let stripped = [
        rec(1, "ca.init", "01 CN=ca", "ok; row=ff"),
        rec(2, "cert.issue", "0A person CN=a", "ok"),
    ];
    assert_eq!(replay(&stripped).unwrap_err().seq, Some(2));

    let old = [
        rec(1, "ca.init", "01 CN=ca", "ok"),
        rec(2, "cert.issue", "0A person CN=a", "ok"),
    ];
    let c = replay(&old).unwrap().compare(&rows);
    assert!(c.mismatches.is_empty(), "{c:?}");
    assert_eq!(
        c.not_provable,
        vec!["certificate `0A` (record 2)".to_string()]
    );
}

#[test]
fn a_stored_certificate_of_another_key_than_its_record_names_is_a_mismatch() {
    // The CA recorded the key asked (`spki=aa`) with the row hash of the DER it stored: the
    // row agrees, but the stored certificate certifies another key.
    let row = cert_row("0A", "CN=a", None, "person", 1, 2, 3, b"der");
    let rows = |spki: Option<&str>| StoreRows {
        certs: vec![CertRowState {
            serial: "0A".into(),
            row: row.clone(),
            status: "valid".into(),
            revocation: None,
            spki: spki.map(str::to_string),
        }],
        ..StoreRows::default()
    };
    let log = [
        rec(1, "ca.init", "01 CN=ca", "ok; row=ff"),
        rec(
            2,
            "cert.issue",
            "0A person CN=a",
            &with_field(&with_field("ok", "spki", "aa"), "row", &row),
        ),
    ];
    let ledger = replay(&log).unwrap();
    assert!(ledger.compare(&rows(Some("aa"))).mismatches.is_empty());
    let c = ledger.compare(&rows(Some("bb")));
    assert_eq!(c.mismatches.len(), 1, "{c:?}");
    assert_eq!(c.mismatches[0].seq, Some(2));
    assert!(c.mismatches[0].reason.contains("another key"), "{c:?}");
    // A certificate that does not parse certifies no key.
    assert_eq!(ledger.compare(&rows(None)).mismatches.len(), 1);
}

#[test]
fn a_stored_seal_binding_other_holders_than_its_record_names_is_a_mismatch() {
    // The row hash agrees (as it would after an insider recomputed it): only the holders
    // the record names catch the swap.
    let row = seal_row("ES01", "印章", "official", "办公室", 1, 2, 3, b"der");
    let rows = |holders: Option<&str>| StoreRows {
        seals: vec![SealRowState {
            es_id: "ES01".into(),
            row: row.clone(),
            revocation: None,
            holders: holders.map(str::to_string),
        }],
        ..StoreRows::default()
    };
    let made = with_field(&with_field("ok", "holders", "aa:bb"), "row", &row);
    let log = [
        rec(1, "ca.init", "01 CN=ca", "ok; row=ff"),
        rec(2, "seal.create", "ES01 official 办公室 印章", &made),
    ];
    let ledger = replay(&log).unwrap();
    assert!(ledger.compare(&rows(Some("aa:bb"))).mismatches.is_empty());
    for other in [Some("aa"), Some("bb:aa"), Some("aa:cc"), None] {
        let c = ledger.compare(&rows(other));
        assert_eq!(c.mismatches.len(), 1, "{other:?}: {c:?}");
        assert_eq!(c.mismatches[0].seq, Some(2));
        assert!(
            c.mismatches[0].reason
                == "seal `ES01` in the store binds other holders than record 2 names",
            "{c:?}"
        );
    }
}

#[test]
fn a_seal_create_record_without_holders_after_one_with_them_is_a_break() {
    let named = with_field(&with_field("ok", "holders", "aa"), "row", "01");
    let bare = with_field("ok", "row", "02");
    // Old records without holders, then records with them: fine.
    let log = [
        rec(1, "ca.init", "01 CN=ca", "ok; row=ff"),
        rec(2, "seal.create", "ES01 official 办公室 印章", &bare),
        rec(3, "seal.create", "ES02 official 办公室 印章", &named),
    ];
    assert!(replay(&log).is_ok());
    // A record without them after one that named them: the downgrade is the break.
    let log = [
        rec(1, "ca.init", "01 CN=ca", "ok; row=ff"),
        rec(2, "seal.create", "ES01 official 办公室 印章", &named),
        rec(3, "seal.create", "ES02 official 办公室 印章", &bare),
    ];
    let m = replay(&log).unwrap_err();
    assert_eq!(m.seq, Some(3));
    assert!(
        m.reason.contains("without the holders of seal `ES02`"),
        "{m:?}"
    );
    assert!(m.reason.contains("after record 2"), "{m:?}");
    // One esID made twice (its first record's holders would be forgotten).
    let log = [
        rec(1, "ca.init", "01 CN=ca", "ok; row=ff"),
        rec(2, "seal.create", "ES01 official 办公室 印章", &named),
        rec(3, "seal.create", "ES01 official 办公室 印章", &named),
    ];
    assert_eq!(replay(&log).unwrap_err().seq, Some(3));
}

#[test]
fn holders_field_names_each_certificate_in_order() {
    let f = holders_field(&[b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(f, format!("{}:{}", sha256_hex(b"a"), sha256_hex(b"b")));
    // It is a field value: it reads back whole.
    assert_eq!(
        field(&with_field("ok", "holders", &f), "holders"),
        Some(f.as_str())
    );
}

#[test]
fn fields_split_in_order() {
    let o = with_field(&with_field("ok x", "row", "aa"), "head", "1:bb");
    assert_eq!(
        split_fields(&o),
        ("ok x", vec![("row", "aa"), ("head", "1:bb")])
    );
    assert_eq!(split_fields("ok"), ("ok", vec![]));
}

#[test]
fn rows_of_different_shape_hash_differently() {
    assert_ne!(
        revocation_row("01", 5, 1, None),
        revocation_row("01", 5, 1, Some(5))
    );
    assert_ne!(
        cert_row("01", "a", None, "p", 1, 2, 3, b"x"),
        cert_row("01", "a", Some(""), "p", 1, 2, 3, b"x")
    );
}
