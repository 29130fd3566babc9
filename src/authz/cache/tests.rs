//! A policy read back from a cache entry decides exactly as the one compiled from YAML, and an
//! entry that does not check out is refused, never misread.

use std::collections::BTreeMap;
use std::path::PathBuf;

use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::authz::{Request, Subject, source, testcase};

/// 2026-12-01 10:00 in Beijing, a Tuesday.
const NOW: OffsetDateTime = datetime!(2026-12-01 02:00 UTC);

fn shipped_sources() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies");
    source::policy_files(std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()))
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            (f, text)
        })
        .collect()
}

/// The requests of `policies/tests/*.yaml`.
fn shipped_requests() -> Vec<Request> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/tests");
    let mut out = Vec::new();
    for f in source::policy_files(std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path())) {
        let text = std::fs::read_to_string(&f).unwrap();
        out.extend(
            testcase::parse(&f, &text)
                .unwrap()
                .into_iter()
                .map(|c| c.request),
        );
    }
    assert!(out.len() >= 30);
    out
}

/// Every subject with every action and resource, under contexts that move conditions between
/// true, false and unevaluable.
fn mix(requests: &[Request], contexts: &[&[(&str, &str)]]) -> Vec<Request> {
    let mut subjects: Vec<&Subject> = Vec::new();
    for r in requests {
        if !subjects.contains(&&r.subject) {
            subjects.push(&r.subject);
        }
    }
    let mut targets: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.action.as_str(), r.resource.as_str()))
        .collect();
    targets.sort_unstable();
    targets.dedup();
    let mut out = requests.to_vec();
    for s in &subjects {
        for (action, resource) in &targets {
            for ctx in contexts {
                out.push(Request {
                    subject: (*s).clone(),
                    action: action.to_string(),
                    resource: resource.to_string(),
                    context: ctx
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect::<BTreeMap<_, _>>(),
                });
            }
        }
    }
    out
}

fn round_trip(sources: &[(PathBuf, String)]) -> ((Policy, Vec<Warning>), (Policy, Vec<Warning>)) {
    let (policy, warnings) = Policy::load(sources).unwrap_or_else(|e| panic!("{e}"));
    let key = cache_key(sources);
    let bytes = policy.to_cache_bytes(&warnings, &key).unwrap();
    let back = Policy::from_cache_bytes(&bytes, &key).expect("a fresh entry reads back");
    ((policy, warnings), back)
}

/// Same decisions, reasons, rules and explanations, and the same listings.
fn assert_same(a: &Policy, b: &Policy, requests: &[Request]) {
    assert_eq!(a.stats(), b.stats());
    assert_eq!(a.rule_ids(), b.rule_ids());
    assert!(a.role_ids().eq(b.role_ids()));
    let mut allowed = 0;
    for r in requests {
        let (x, y) = (a.explain(r, NOW), b.explain(r, NOW));
        assert_eq!(x, y, "{r:?}");
        assert_eq!(a.decide(r, NOW), b.decide(r, NOW), "{r:?}");
        assert_eq!(a.roles_of(&r.subject), b.roles_of(&r.subject));
        allowed += usize::from(x.allow);
    }
    // The requests exercise both outcomes.
    assert!(allowed > 0 && allowed < requests.len(), "{allowed}");
}

#[test]
fn the_shipped_policy_decides_the_same_after_a_round_trip() {
    let sources = shipped_sources();
    let ((policy, warnings), (back, back_warnings)) = round_trip(&sources);
    assert_eq!(warnings, back_warnings);
    let requests = mix(
        &shipped_requests(),
        &[
            &[],
            &[
                ("domain", "intranet"),
                ("time", "2026-12-01T10:00:00+08:00"),
            ],
            &[
                ("domain", "extranet"),
                ("time", "2026-12-05T10:00:00+08:00"),
            ],
            &[
                ("domain", "intranet"),
                ("time", "2026-12-01T23:45:00+08:00"),
            ],
            &[("domain", "intranet"), ("level", "秘密"), ("time", "bad")],
            &[("domain", "internet"), ("level", "top-secret")],
        ],
    );
    assert!(requests.len() > 1000, "{}", requests.len());
    assert_same(&policy, &back, &requests);
}

/// Every condition kind, on permissions and deny rules; every binding and deny selector;
/// inheritance, separation of duty, and warnings.
const EVERY_KIND: &str = r#"
roles:
  - id: staff
    permissions:
      - id: p-domain
        actions: doc.read
        resources: dept/${subject.department}/doc/*
        when: {domain: [intranet, 外网]}
      - id: p-office-hours
        actions: [seal.apply, seal.*]
        resources: [dept/*/seal/official, dept/*局/seal/finance]
        when:
          time: {zone: Asia/Shanghai, days: [mon, tue, 周三, thu, fri], from: "08:30", to: "17:30"}
      - id: p-night
        actions: doc.archive
        resources: dept/*
        when:
          time: {zone: "+08:00", from: "22:00", to: "06:00:30"}
      - id: p-level
        actions: doc.classify
        resources: "*"
        when: {level: {at_least: internal, at_most: 机密}}
  - id: head
    inherits: [staff]
    permissions:
      - id: p-clearance
        actions: doc.read
        resources: dept/*/secret/*
        when: {clearance_covers_level: true, clearance_at_least: secret, domain: intranet}
      - id: p-attributes
        actions: doc.sign
        resources: dept/*/doc/*
        when:
          subject: {organization: [连云港市人民政府, 市政府]}
          context: {purpose: [audit, review], domain: intranet}
  - id: auditor
    permissions:
      - id: p-audit
        actions: audit.*
        resources: ca/*
      - id: p-shadowed
        actions: audit.purge
        resources: ca/root
  - id: orphan
    permissions:
      - {id: p-orphan, actions: x.y, resources: z}
bindings:
  - id: b-staff
    subject: {organization: 连云港市人民政府}
    roles: staff
    scope: ${subject.department}
  - id: b-head
    subject: {title: [head, 部门负责人], organization: 连云港市人民政府}
    roles: [head]
    scope: 财政局
    clearance: 秘密
  - id: b-auditor
    subject: {title: auditor}
    roles: auditor
  - id: b-serial
    subject: {serial: "0A:bc"}
    roles: auditor
  - id: b-nothing
    subject: {title: []}
    roles: staff
deny:
  - id: d-purge
    actions: audit.purge
    resources: ca/*
  - id: d-off-intranet
    actions: doc.*
    resources: dept/*/doc/*
    when: {domain: [extranet, internet], level: {at_least: 秘密}}
  - id: d-suspended
    actions: "*"
    resources: "*"
    subject: {status: suspended}
  - id: d-heads-weekend
    actions: doc.sign
    resources: dept/${subject.department}/doc/*
    roles: [head]
    when:
      time: {zone: Europe/Berlin, days: [sat, sun]}
      clearance_at_least: confidential
      subject: {cn: 王五}
      context: {shift: night}
separation_of_duty:
  - id: sod-audit
    roles: [auditor, head]
"#;

fn every_kind_requests() -> Vec<Request> {
    let subjects: Vec<Vec<(&str, &str)>> = vec![
        vec![
            ("organization", "连云港市人民政府"),
            ("department", "财政局"),
        ],
        vec![
            ("organization", "连云港市人民政府"),
            ("department", "财政局"),
            ("title", "head"),
            ("cn", "王五"),
        ],
        vec![
            ("organization", "连云港市人民政府"),
            ("department", "档案局"),
            ("title", "部门负责人"),
            ("clearance", "top-secret"),
        ],
        vec![("title", "auditor")],
        vec![("serial", "0abc")],
        vec![
            ("title", "auditor"),
            ("organization", "连云港市人民政府"),
            ("title", "head"),
        ],
        vec![
            ("organization", "连云港市人民政府"),
            ("status", "suspended"),
        ],
        vec![("organization", "连云港市人民政府"), ("department", "a/b")],
        vec![("organization", "连云港市人民政府"), ("clearance", "bogus")],
        vec![],
    ];
    let targets = [
        ("doc.read", "dept/财政局/doc/1"),
        ("doc.read", "dept/档案局/doc/1"),
        ("doc.read", "dept/财政局/secret/1"),
        ("seal.apply", "dept/财政局/seal/official"),
        ("seal.apply", "dept/财政局/seal/finance"),
        ("seal.create", "dept/档案局/seal/finance"),
        ("doc.archive", "dept/财政局/doc/2"),
        ("doc.classify", "anything/at/all"),
        ("doc.sign", "dept/财政局/doc/3"),
        ("audit.read", "ca/root"),
        ("audit.purge", "ca/root"),
        ("x.y", "z"),
        ("doc.read", "dept//x"),
    ];
    let contexts: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("domain", "intranet"), ("level", "秘密")],
        vec![("domain", "extranet"), ("level", "top-secret")],
        vec![("domain", "internet"), ("level", "public")],
        vec![("domain", "moon"), ("level", "whatever")],
        vec![
            ("time", "2026-11-30T09:00:00+08:00"),
            ("domain", "intranet"),
        ],
        vec![("time", "2026-12-02T23:00:00+08:00"), ("level", "internal")],
        vec![("time", "2026-12-05T12:00:00+01:00"), ("shift", "night")],
        vec![("time", "2026-12-06T06:00:29+08:00"), ("purpose", "audit")],
        vec![
            ("time", "yesterday"),
            ("purpose", "review"),
            ("domain", "intranet"),
        ],
    ];
    let mut out = Vec::new();
    for s in &subjects {
        let mut subject = Subject::new();
        for (k, v) in s {
            subject.insert(k, v);
        }
        for (action, resource) in targets {
            for c in &contexts {
                out.push(Request {
                    subject: subject.clone(),
                    action: action.into(),
                    resource: resource.into(),
                    context: c
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                });
            }
        }
    }
    out
}

fn every_kind() -> Vec<(PathBuf, String)> {
    // Two files, so locations in two files survive the trip.
    let (roles, rest) = EVERY_KIND.split_at(EVERY_KIND.find("bindings:").unwrap());
    vec![
        (PathBuf::from("policy/roles.yaml"), roles.to_string()),
        (PathBuf::from("policy/政策.yaml"), rest.to_string()),
    ]
}

#[test]
fn a_policy_with_every_condition_kind_decides_the_same_after_a_round_trip() {
    let sources = every_kind();
    let ((policy, warnings), (back, back_warnings)) = round_trip(&sources);
    // Unreachable role, shadowed permission, attribute accepting nothing, context on `domain`.
    assert!(warnings.len() >= 4, "{warnings:#?}");
    assert_eq!(warnings, back_warnings);
    assert_same(&policy, &back, &every_kind_requests());
}

fn entry() -> (Vec<u8>, [u8; 32]) {
    let sources = every_kind();
    let (policy, warnings) = Policy::load(&sources).unwrap();
    let key = cache_key(&sources);
    (policy.to_cache_bytes(&warnings, &key).unwrap(), key)
}

/// An entry with a new payload and a matching digest, as only a writer that meant it would make.
fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    let digest = sha256(&bytes[HEADER..]);
    bytes[HEADER - 32..HEADER].copy_from_slice(&digest);
    bytes
}

#[test]
fn every_flipped_byte_and_every_truncation_is_refused() {
    let (bytes, key) = entry();
    assert!(Policy::from_cache_bytes(&bytes, &key).is_some());
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x01 << (i % 8);
        assert!(Policy::from_cache_bytes(&bad, &key).is_none(), "byte {i}");
    }
    for n in 0..bytes.len() {
        assert!(Policy::from_cache_bytes(&bytes[..n], &key).is_none(), "{n}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Policy::from_cache_bytes(&longer, &key).is_none());
    assert!(Policy::from_cache_bytes(&reseal(longer), &key).is_none());
}

#[test]
fn an_entry_for_another_key_or_format_is_refused() {
    let (bytes, key) = entry();
    let mut other = key;
    other[31] ^= 1;
    assert!(Policy::from_cache_bytes(&bytes, &other).is_none());
    let mut format = bytes.clone();
    format[MAGIC.len()..MAGIC.len() + 4].copy_from_slice(&(FORMAT + 1).to_le_bytes());
    assert!(Policy::from_cache_bytes(&format, &key).is_none());
    let mut magic = bytes.clone();
    magic[0] = b'X';
    assert!(Policy::from_cache_bytes(&magic, &key).is_none());
    assert!(Policy::from_cache_bytes(b"", &key).is_none());
    assert!(Policy::from_cache_bytes(&[0; HEADER], &key).is_none());
}

#[test]
fn resealed_garbage_never_panics_and_never_half_loads() {
    // Past the checksum, mutated payloads either fail to decode and check, or decode to a
    // policy that decides without panicking.
    let (bytes, key) = entry();
    let requests = every_kind_requests();
    let mut decoded = 0;
    for i in HEADER..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = bytes.clone();
            bad[i] ^= flip;
            if let Some((p, _)) = Policy::from_cache_bytes(&reseal(bad), &key) {
                decoded += 1;
                for r in requests.iter().step_by(97) {
                    p.explain(r, NOW);
                }
            }
        }
    }
    // Most flips inside strings and numbers still decode: the test reached the evaluator.
    assert!(decoded > 0);
}

#[test]
fn an_index_out_of_range_is_refused() {
    let sources = every_kind();
    let key = cache_key(&sources);
    let breakers: [fn(&mut Policy); 6] = [
        |p| p.perms[0].role = p.roles.len() as u32,
        |p| {
            let n = p.roles.len() as u32;
            p.roles[0].parents.push(n)
        },
        |p| p.roles[1].closure.push(u32::MAX),
        |p| p.roles[0].perms.push(p.perms.len() as u32),
        |p| p.bindings[0].roles.push(p.roles.len() as u32),
        |p| p.sods[0].roles.push(p.roles.len() as u32),
    ];
    for (i, breaker) in breakers.iter().enumerate() {
        let (mut policy, warnings) = Policy::load(&sources).unwrap();
        assert!(policy.indexes_in_range());
        breaker(&mut policy);
        let bytes = policy.to_cache_bytes(&warnings, &key).unwrap();
        assert!(
            Policy::from_cache_bytes(&bytes, &key).is_none(),
            "breaker {i}"
        );
    }
    let (mut policy, warnings) = Policy::load(&sources).unwrap();
    let d = policy
        .denies
        .iter_mut()
        .find(|d| d.roles.is_some())
        .unwrap();
    d.roles = Some(vec![u32::MAX]);
    let bytes = policy.to_cache_bytes(&warnings, &key).unwrap();
    assert!(Policy::from_cache_bytes(&bytes, &key).is_none());
}

#[test]
fn a_time_zone_unknown_to_this_build_is_refused() {
    let (bytes, key) = entry();
    let at = bytes
        .windows(b"Europe/Berlin".len())
        .position(|w| w == b"Europe/Berlin")
        .unwrap();
    let mut bad = bytes.clone();
    bad[at..at + 13].copy_from_slice(b"Europe/Berlim");
    assert!(Policy::from_cache_bytes(&reseal(bad), &key).is_none());
    // The same edit to a name the database knows (same length) reads back.
    let mut other = bytes;
    other[at..at + 13].copy_from_slice(b"Europe/Zurich");
    assert!(Policy::from_cache_bytes(&reseal(other), &key).is_some());
}

#[test]
fn the_key_covers_paths_texts_and_their_boundaries() {
    let s = |list: &[(&str, &str)]| -> Vec<(PathBuf, String)> {
        list.iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect()
    };
    let base = cache_key(&s(&[("a.yaml", "roles: []\n"), ("b.yaml", "deny: []\n")]));
    assert_eq!(
        base,
        cache_key(&s(&[("a.yaml", "roles: []\n"), ("b.yaml", "deny: []\n")]))
    );
    for other in [
        s(&[("a.yaml", "roles: []\n"), ("b.yaml", "deny: [ ]\n")]),
        s(&[("./a.yaml", "roles: []\n"), ("b.yaml", "deny: []\n")]),
        s(&[("b.yaml", "deny: []\n"), ("a.yaml", "roles: []\n")]),
        s(&[("a.yaml", "roles: []\n")]),
        s(&[("a.yamlr", "oles: []\n"), ("b.yaml", "deny: []\n")]),
        s(&[]),
    ] {
        assert_ne!(base, cache_key(&other), "{other:?}");
    }
}

#[test]
fn policies_from_non_utf8_paths_are_not_cached() {
    use std::os::unix::ffi::OsStrExt;
    let path = PathBuf::from(std::ffi::OsStr::from_bytes(b"p\xff.yaml"));
    let sources = vec![(path, "roles:\n  - id: r\n".to_string())];
    let (policy, warnings) = Policy::load(&sources).unwrap();
    assert!(
        policy
            .to_cache_bytes(&warnings, &cache_key(&sources))
            .is_none()
    );
}
