//! Semantics tests of loading and deciding (DESIGN.md §5 "Precise rules"), one rule at a time.

use std::collections::BTreeMap;
use std::path::PathBuf;

use time::OffsetDateTime;
use time::macros::datetime;

use super::*;

/// 2026-12-01 10:00 in Beijing, a Tuesday.
const NOW: OffsetDateTime = datetime!(2026-12-01 02:00 UTC);

fn load(yaml: &str) -> (Policy, Vec<Warning>) {
    match Policy::load(&[(PathBuf::from("p.yaml"), yaml.to_string())]) {
        Ok(x) => x,
        Err(e) => panic!("{:#?}", e.errors),
    }
}

fn errors(yaml: &str) -> Vec<PolicyError> {
    match Policy::load(&[(PathBuf::from("p.yaml"), yaml.to_string())]) {
        Ok(_) => panic!("loaded"),
        Err(e) => e.errors,
    }
}

fn req(
    subject: &[(&str, &str)],
    action: &str,
    resource: &str,
    context: &[(&str, &str)],
) -> Request {
    let mut s = Subject::new();
    for (k, v) in subject {
        s.insert(k, v);
    }
    Request {
        subject: s,
        action: action.into(),
        resource: resource.into(),
        context: context
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

const BASE: &str = r#"
roles:
  - id: reader
    permissions:
      - id: read-docs
        actions: doc.read
        resources: dept/*/doc/*
  - id: own
    permissions:
      - id: own-seal
        actions: seal.*
        resources: dept/${subject.department}/seal/*
  - id: boss
    inherits: [reader]
    permissions:
      - id: boss-approve
        actions: doc.approve
        resources: dept/*/doc/*
bindings:
  - id: b-reader
    subject: {title: reader}
    roles: reader
  - id: b-own
    subject: {title: keeper}
    roles: own
  - id: b-boss
    subject: {title: boss}
    roles: boss
    scope: 财政局
"#;

#[test]
fn default_deny_and_simple_allow() {
    let (p, _) = load(BASE);
    let d = p.decide(
        &req(&[("title", "reader")], "doc.read", "dept/a/doc/1", &[]),
        NOW,
    );
    assert!(d.allow, "{}", d.reason);
    assert_eq!(d.rule.as_deref(), Some("read-docs"));
    let d = p.decide(
        &req(&[("title", "reader")], "doc.write", "dept/a/doc/1", &[]),
        NOW,
    );
    assert!(!d.allow);
    assert_eq!(d.rule, None);
    let d = p.decide(
        &req(&[("title", "nobody")], "doc.read", "dept/a/doc/1", &[]),
        NOW,
    );
    assert!(!d.allow);
    assert!(d.reason.contains("no binding matches"), "{}", d.reason);
}

#[test]
fn trailing_star_matches_any_suffix_but_not_the_bare_prefix() {
    let (p, _) = load(BASE);
    let r = |res: &str| {
        p.decide(&req(&[("title", "reader")], "doc.read", res, &[]), NOW)
            .allow
    };
    assert!(r("dept/a/doc/1"));
    assert!(r("dept/a/doc/1/attachment"));
    assert!(!r("dept/a/doc"));
    assert!(!r("dept/a/b/doc/1"));
}

#[test]
fn substitution_uses_the_subjects_department() {
    let (p, _) = load(BASE);
    let keeper = [("title", "keeper"), ("department", "财政局")];
    assert!(
        p.decide(
            &req(&keeper, "seal.apply", "dept/财政局/seal/official", &[]),
            NOW
        )
        .allow
    );
    assert!(
        !p.decide(
            &req(&keeper, "seal.apply", "dept/档案局/seal/official", &[]),
            NOW
        )
        .allow
    );
    // Missing or ambiguous department: the permission grants nothing, and says why.
    let d = p.decide(
        &req(
            &[("title", "keeper")],
            "seal.apply",
            "dept/财政局/seal/official",
            &[],
        ),
        NOW,
    );
    assert!(!d.allow);
    assert!(d.reason.contains("department"), "{}", d.reason);
    let two = [
        ("title", "keeper"),
        ("department", "财政局"),
        ("department", "档案局"),
    ];
    assert!(
        !p.decide(
            &req(&two, "seal.apply", "dept/财政局/seal/official", &[]),
            NOW
        )
        .allow
    );
}

#[test]
fn scope_limits_to_the_department_and_passes_to_inherited_roles() {
    let (p, _) = load(BASE);
    let boss = [("title", "boss")];
    assert!(
        p.decide(&req(&boss, "doc.approve", "dept/财政局/doc/1", &[]), NOW)
            .allow
    );
    assert!(
        !p.decide(&req(&boss, "doc.approve", "dept/档案局/doc/1", &[]), NOW)
            .allow
    );
    // `reader` is inherited through the scoped binding: still scoped.
    let d = p.explain(&req(&boss, "doc.read", "dept/财政局/doc/1", &[]), NOW);
    assert!(d.allow);
    let path: Vec<_> = d
        .explanation
        .unwrap()
        .path
        .iter()
        .map(|s| (s.kind, s.id.clone()))
        .collect();
    assert_eq!(
        path,
        vec![
            (StepKind::Binding, "b-boss".to_string()),
            (StepKind::Role, "boss".to_string()),
            (StepKind::InheritedRole, "reader".to_string()),
            (StepKind::Permission, "read-docs".to_string()),
        ]
    );
    let d = p.explain(&req(&boss, "doc.read", "dept/档案局/doc/1", &[]), NOW);
    assert!(!d.allow);
    assert!(
        d.reason.contains("held only within dept/财政局/"),
        "{}",
        d.reason
    );
}

#[test]
fn own_department_scope_needs_one_department() {
    let (p, _) = load(
        "roles:\n  - id: r\n    permissions:\n      - id: p\n        actions: a\n        resources: dept/*/x\nbindings:\n  - id: b\n    subject: {title: t}\n    roles: r\n    scope: ${subject.department}\n",
    );
    assert!(
        p.decide(
            &req(&[("title", "t"), ("department", "d")], "a", "dept/d/x", &[]),
            NOW
        )
        .allow
    );
    assert!(
        !p.decide(
            &req(&[("title", "t"), ("department", "d")], "a", "dept/e/x", &[]),
            NOW
        )
        .allow
    );
    assert!(
        !p.decide(&req(&[("title", "t")], "a", "dept/d/x", &[]), NOW)
            .allow
    );
    assert!(
        p.roles_of(&req(&[("title", "t")], "a", "x", &[]).subject)
            .is_empty()
    );
}

#[test]
fn deny_overrides_and_unevaluable_deny_applies() {
    let yaml = format!(
        "{BASE}deny:\n  - id: no-secret-outside\n    actions: doc.*\n    resources: dept/*/doc/*\n    when:\n      domain: [extranet, internet]\n      level: {{at_least: secret}}\n"
    );
    let (p, _) = load(&yaml);
    let reader = [("title", "reader")];
    let ok = p.decide(
        &req(
            &reader,
            "doc.read",
            "dept/a/doc/1",
            &[("domain", "intranet"), ("level", "秘密")],
        ),
        NOW,
    );
    assert!(ok.allow);
    let d = p.decide(
        &req(
            &reader,
            "doc.read",
            "dept/a/doc/1",
            &[("domain", "internet"), ("level", "绝密")],
        ),
        NOW,
    );
    assert!(!d.allow);
    assert_eq!(d.rule.as_deref(), Some("no-secret-outside"));
    // One condition false: the deny does not apply, even if the other is unknown.
    assert!(
        p.decide(
            &req(&reader, "doc.read", "dept/a/doc/1", &[("level", "public")]),
            NOW
        )
        .allow
    );
    // Both unknown: it applies, and says so.
    let d = p.decide(&req(&reader, "doc.read", "dept/a/doc/1", &[]), NOW);
    assert!(!d.allow);
    assert!(d.reason.contains("could not be evaluated"), "{}", d.reason);
    // A bad value is unknown too.
    let d = p.decide(
        &req(
            &reader,
            "doc.read",
            "dept/a/doc/1",
            &[("domain", "darknet"), ("level", "secret")],
        ),
        NOW,
    );
    assert!(!d.allow);
}

#[test]
fn deny_selectors_roles_and_attributes() {
    let yaml = format!(
        "{BASE}deny:\n  - id: no-boss-approve-archive\n    actions: doc.approve\n    resources: dept/档案局/*\n    roles: [boss]\n  - id: suspended\n    actions: '*'\n    resources: '*'\n    subject: {{status: suspended}}\n"
    );
    let (p, _) = load(&yaml);
    assert!(
        p.decide(
            &req(&[("title", "reader")], "doc.read", "dept/a/doc/1", &[]),
            NOW
        )
        .allow
    );
    let d = p.decide(
        &req(
            &[("title", "reader"), ("status", "suspended")],
            "doc.read",
            "dept/a/doc/1",
            &[],
        ),
        NOW,
    );
    assert_eq!(d.rule.as_deref(), Some("suspended"));
    // A subject without `status` is not matched by the selector.
    assert!(
        p.decide(
            &req(
                &[("title", "reader"), ("status", "active")],
                "doc.read",
                "dept/a/doc/1",
                &[]
            ),
            NOW
        )
        .allow
    );
}

#[test]
fn allow_with_unevaluable_condition_grants_nothing() {
    let (p, _) = load(
        "roles:\n  - id: r\n    permissions:\n      - id: p\n        actions: a\n        resources: x\n        when:\n          domain: [intranet]\n          context: {ticket: open}\n          subject: {grade: [a, b]}\nbindings:\n  - id: b\n    subject: {t: t}\n    roles: r\n",
    );
    let full = [("domain", "intranet"), ("ticket", "open")];
    assert!(
        p.decide(&req(&[("t", "t"), ("grade", "b")], "a", "x", &full), NOW)
            .allow
    );
    assert!(
        !p.decide(&req(&[("t", "t"), ("grade", "c")], "a", "x", &full), NOW)
            .allow
    );
    let d = p.decide(&req(&[("t", "t")], "a", "x", &full), NOW);
    assert!(!d.allow);
    assert!(
        d.reason.contains("could not evaluate subject grade"),
        "{}",
        d.reason
    );
    let d = p.decide(
        &req(
            &[("t", "t"), ("grade", "a")],
            "a",
            "x",
            &[("ticket", "open")],
        ),
        NOW,
    );
    assert!(
        d.reason.contains("the request gives no `domain`"),
        "{}",
        d.reason
    );
    let d = p.decide(
        &req(
            &[("t", "t"), ("grade", "a")],
            "a",
            "x",
            &[("domain", "intranet")],
        ),
        NOW,
    );
    assert!(d.reason.contains("ticket"), "{}", d.reason);
}

#[test]
fn clearance_from_subject_or_binding_in_both_languages() {
    let (p, _) = load(
        "roles:\n  - id: r\n    permissions:\n      - id: p\n        actions: doc.read\n        resources: '*'\n        when: {clearance_covers_level: true}\n      - id: q\n        actions: doc.sign\n        resources: '*'\n        when: {clearance_at_least: 机密}\nbindings:\n  - id: b\n    subject: {t: t}\n    roles: r\n  - id: c\n    subject: {t: cleared}\n    roles: r\n    clearance: confidential\n",
    );
    let read = |subject: &[(&str, &str)], level: &str| {
        p.decide(&req(subject, "doc.read", "d", &[("level", level)]), NOW)
            .allow
    };
    assert!(read(&[("t", "t"), ("clearance", "秘密")], "secret"));
    assert!(read(&[("t", "t"), ("clearance", "secret")], "内部"));
    assert!(!read(&[("t", "t"), ("clearance", "secret")], "机密"));
    assert!(!read(&[("t", "t")], "public"));
    assert!(!read(&[("t", "t"), ("clearance", "bogus")], "public"));
    assert!(read(&[("t", "cleared")], "confidential"));
    assert!(!read(&[("t", "cleared")], "top-secret"));
    // The higher of the subject's and the binding's.
    assert!(read(
        &[("t", "cleared"), ("clearance", "绝密")],
        "top-secret"
    ));
    let sign = |subject: &[(&str, &str)]| p.decide(&req(subject, "doc.sign", "d", &[]), NOW).allow;
    assert!(sign(&[("t", "cleared")]));
    assert!(!sign(&[("t", "t"), ("clearance", "秘密")]));
}

#[test]
fn time_windows_in_the_windows_zone() {
    let (p, _) = load(
        "roles:\n  - id: r\n    permissions:\n      - id: day\n        actions: a\n        resources: x\n        when:\n          time: {zone: Asia/Shanghai, days: [周一, 周二, 周三, 周四, 周五], from: '08:30', to: '17:30'}\n      - id: night\n        actions: n\n        resources: x\n        when:\n          time: {zone: '+08:00', from: '22:00', to: '06:00'}\nbindings:\n  - id: b\n    subject: {t: t}\n    roles: r\n",
    );
    let at = |action: &str, time: &str| {
        p.decide(&req(&[("t", "t")], action, "x", &[("time", time)]), NOW)
            .allow
    };
    assert!(at("a", "2026-12-01T08:30:00+08:00"));
    assert!(!at("a", "2026-12-01T17:30:00+08:00"));
    assert!(!at("a", "2026-12-05T10:00:00+08:00"));
    assert!(at("n", "2026-12-01T23:00:00+08:00"));
    assert!(at("n", "2026-12-02T05:59:59+08:00"));
    assert!(!at("n", "2026-12-02T06:00:00+08:00"));
    // `now` is the default time: 10:00 Tuesday in Beijing.
    assert!(p.decide(&req(&[("t", "t")], "a", "x", &[]), NOW).allow);
    // A bad time cannot be evaluated: the allow grants nothing.
    let d = p.decide(&req(&[("t", "t")], "a", "x", &[("time", "yesterday")]), NOW);
    assert!(!d.allow);
    assert!(d.reason.contains("`yesterday`"), "{}", d.reason);
}

#[test]
fn separation_of_duty_at_evaluation() {
    let yaml = format!("{BASE}separation_of_duty:\n  - id: sod\n    roles: [reader, own]\n");
    let (p, _) = load(&yaml);
    let both = [
        ("title", "reader"),
        ("title", "keeper"),
        ("department", "d"),
    ];
    let d = p.decide(&req(&both, "doc.read", "dept/a/doc/1", &[]), NOW);
    assert!(!d.allow);
    assert_eq!(d.rule.as_deref(), Some("sod"));
    // Inherited roles count: boss inherits reader.
    let both = [("title", "boss"), ("title", "keeper"), ("department", "d")];
    assert_eq!(
        p.decide(&req(&both, "seal.apply", "dept/d/seal/x", &[]), NOW)
            .rule
            .as_deref(),
        Some("sod")
    );
}

#[test]
fn separation_of_duty_in_one_role_or_binding_is_an_error() {
    let e = errors(&format!(
        "{BASE}separation_of_duty:\n  - id: sod\n    roles: [boss, reader]\n"
    ));
    assert!(
        matches!(&e[0].kind, PolicyErrorKind::SeparationOfDuty { holder, .. } if holder == "role `boss`"),
        "{e:?}"
    );
    let yaml = BASE.replace("    roles: own\n", "    roles: [own, reader]\n");
    let e = errors(&format!(
        "{yaml}separation_of_duty:\n  - id: sod\n    roles: [own, reader]\n"
    ));
    assert!(
        matches!(&e[0].kind, PolicyErrorKind::SeparationOfDuty { holder, .. } if holder == "binding `b-own`"),
        "{e:?}"
    );
    assert_eq!((e[0].at.line, e[0].at.column), (25, 12), "{}", e[0]);
}

#[test]
fn cycles_are_errors_with_location() {
    let e = errors(
        "roles:\n  - id: a\n    inherits: [b]\n  - id: b\n    inherits: [c]\n  - id: c\n    inherits: a\n",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        matches!(&e[0].kind, PolicyErrorKind::Cycle(c) if c == "a -> b -> c -> a"),
        "{e:?}"
    );
    assert_eq!(
        e[0].to_string(),
        "p.yaml:7:15: role inheritance cycle: a -> b -> c -> a"
    );
    let e = errors("roles:\n  - id: a\n    inherits: a\n");
    assert!(matches!(&e[0].kind, PolicyErrorKind::Cycle(_)));
}

#[test]
fn unknown_roles_duplicates_and_bad_values_are_errors() {
    let e = errors(
        "roles:\n  - id: a\n    inherits: [zz]\nbindings:\n  - id: b\n    subject: {t: t}\n    roles: [a, yy]\n",
    );
    let kinds: Vec<String> = e.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        kinds,
        [
            "p.yaml:3:16: unknown role `zz`",
            "p.yaml:7:16: unknown role `yy`"
        ]
    );
    let e = errors("roles:\n  - id: a\n  - id: a\n");
    assert!(matches!(&e[0].kind, PolicyErrorKind::DuplicateRole { .. }));
    let e = errors(
        "roles:\n  - id: a\n    permissions:\n      - {id: x, actions: a, resources: b}\n      - {id: x, actions: a, resources: b}\n",
    );
    assert!(
        matches!(&e[0].kind, PolicyErrorKind::DuplicateId { .. }),
        "{e:?}"
    );
    for (yaml, want) in [
        (
            "roles:\n  - id: a\n    permissions:\n      - {id: x, actions: a, resources: 'dept/**'}\n",
            "`**`",
        ),
        (
            "roles:\n  - id: a\n    permissions:\n      - {id: x, actions: a, resources: b, when: {level: {at_least: 很密}}}\n",
            "unknown level `很密`",
        ),
        (
            "roles:\n  - id: a\n    permissions:\n      - {id: x, actions: a, resources: b, when: {domain: [moon]}}\n",
            "unknown domain `moon`",
        ),
        (
            "roles:\n  - id: a\n    permissions:\n      - {id: x, actions: a, resources: b, when: {time: {zone: Mars/Base}}}\n",
            "unknown time zone",
        ),
        (
            "roles:\n  - id: a\n    permissions:\n      - {id: x, actions: a, resources: b, when: {time: {zone: UTC, from: '9', to: '10:00'}}}\n",
            "not a time of day",
        ),
        (
            "roles:\n  - id: a\n    permissions:\n      - {id: x, actions: a, resources: []}\n",
            "empty resource list",
        ),
        (
            "bindings:\n  - {id: b, subject: {}, roles: []}\n",
            "at least one subject attribute",
        ),
        (
            "bindings:\n  - {id: b, subject: {t: t}, roles: [], scope: a/b}\n",
            "at least one role",
        ),
        ("version: 2\n", "unsupported policy version 2"),
        (
            "roles:\n  - id: a\n    permission: []\n",
            "unknown field `permission`",
        ),
        ("roles: [\n", "p.yaml:1:"),
    ] {
        let e = errors(yaml);
        assert!(
            e.iter().any(|e| e.to_string().contains(want)),
            "{yaml}: {e:?}"
        );
    }
}

#[test]
fn warnings_for_rules_that_cannot_act() {
    let (_, w) = load(
        "roles:\n  - id: lonely\n    permissions:\n      - {id: x, actions: a, resources: b}\n  - id: r\n    permissions:\n      - {id: shadowed, actions: doc.read, resources: dept/a/doc/*}\n      - {id: never, actions: a, resources: b, when: {level: {at_least: 绝密, at_most: 公开}}}\nbindings:\n  - {id: b, subject: {t: t}, roles: r}\ndeny:\n  - {id: d, actions: 'doc.*', resources: 'dept/*'}\n",
    );
    let text: Vec<String> = w.iter().map(|w| w.to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("role `lonely` is given by no binding")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("`shadowed` is shadowed by deny rule `d`")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.contains("can never match")),
        "{text:?}"
    );
}

#[test]
fn several_files_make_one_policy_with_errors_per_file() {
    let ok = Policy::load(&[
        (
            PathBuf::from("a.yaml"),
            "roles:\n  - id: r\n    permissions:\n      - {id: p, actions: a, resources: x}\n"
                .into(),
        ),
        (
            PathBuf::from("b.yaml"),
            "bindings:\n  - {id: b, subject: {t: t}, roles: r}\n".into(),
        ),
    ]);
    let (p, _) = ok.unwrap();
    assert!(p.decide(&req(&[("t", "t")], "a", "x", &[]), NOW).allow);
    let err = Policy::load(&[
        (PathBuf::from("a.yaml"), "roles:\n  - id: r\n".into()),
        (
            PathBuf::from("b.yaml"),
            "bindings:\n  - {id: b, subject: {t: t}, roles: q}\n".into(),
        ),
    ])
    .unwrap_err();
    assert_eq!(err.errors[0].to_string(), "b.yaml:2:37: unknown role `q`");
}

#[test]
fn malformed_requests_are_denied() {
    let (p, _) = load(BASE);
    let d = p.decide(
        &req(&[("title", "reader")], "doc.read", "dept/a/../b/doc/1", &[]),
        NOW,
    );
    assert!(!d.allow);
    assert!(d.reason.starts_with("malformed request"));
}

#[test]
fn the_shipped_policy_loads_without_warnings() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut sources = Vec::new();
    for f in source::policy_files(std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path())) {
        let text = std::fs::read_to_string(&f).unwrap();
        sources.push((f, text));
    }
    let (p, w) = Policy::load(&sources).unwrap();
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(p.stats().separation_of_duty, 2);
}

#[test]
fn a_file_may_hold_several_documents() {
    let (p, _) = load(
        "roles:\n  - id: r\n    permissions:\n      - {id: p, actions: a, resources: x}\n---\n# empty next\n---\nbindings:\n  - {id: b, subject: {t: t}, roles: r}\n",
    );
    assert!(p.decide(&req(&[("t", "t")], "a", "x", &[]), NOW).allow);
    let e = errors("roles:\n  - id: r\n---\nbindings:\n  - {id: b, subject: {t: t}, roles: q}\n");
    assert_eq!(e[0].to_string(), "p.yaml:5:37: unknown role `q`");
}

#[test]
fn large_policies_parse_in_parallel_with_the_same_result() {
    // Enough text in several files to take the two-thread path.
    let mut sources = Vec::new();
    for f in 0..4 {
        let mut text = String::from("roles:\n");
        for r in 0..150 {
            text.push_str(&format!("  - id: r{f}-{r}\n    permissions:\n"));
            for k in 0..3 {
                text.push_str(&format!(
                    "      - {{id: p{f}-{r}-{k}, actions: doc.read, resources: \"dept/d{r}/doc/{k}/*\"}}\n"
                ));
            }
        }
        text.push_str(&format!(
            "bindings:\n  - {{id: b{f}, subject: {{t: t{f}}}, roles: r{f}-7}}\n"
        ));
        sources.push((PathBuf::from(format!("f{f}.yaml")), text));
    }
    assert!(sources.iter().map(|(_, t)| t.len()).sum::<usize>() > 64 * 1024);
    let (p, _) = Policy::load(&sources).unwrap();
    assert_eq!(p.stats().permissions, 4 * 150 * 3);
    assert!(
        p.decide(
            &req(&[("t", "t3")], "doc.read", "dept/d7/doc/2/x", &[]),
            NOW
        )
        .allow
    );
    sources[2]
        .1
        .push_str("  - {id: bad, subject: {t: x}, roles: nope}\n");
    let err = Policy::load(&sources).unwrap_err();
    assert_eq!(err.errors.len(), 1);
    assert!(
        err.errors[0].to_string().starts_with("f2.yaml:"),
        "{}",
        err.errors[0]
    );
}

#[test]
fn policies_and_decisions_can_be_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Policy>();
    send_sync::<Decision>();
    send_sync::<Request>();
}

const FAIL_CLOSED: &str = r#"
roles:
  - id: archivist
    permissions:
      - id: revoke-seals
        actions: seal.revoke
        resources: dept/*/seal/*
  - id: keeper
    permissions:
      - id: own-seals
        actions: seal.apply
        resources: dept/${subject.department}/seal/*
  - id: clerk
    permissions:
      - id: any-dept
        actions: doc.read
        resources: dept/*
bindings:
  - id: b-archivist
    subject: {title: archivist}
    roles: [archivist, keeper]
  - id: b-clerk
    subject: {title: clerk}
    roles: clerk
    scope: 财政局
deny:
  - id: invoice-seals-stay-home
    actions: seal.revoke
    resources: dept/${subject.department}/seal/invoice
"#;

/// The policy as loaded, and as read back from a compiled-policy cache entry.
fn loaded_and_cached(yaml: &str) -> [Policy; 2] {
    let sources = [(PathBuf::from("p.yaml"), yaml.to_string())];
    let (policy, warnings) = load(yaml);
    let key = cache_key(&sources);
    let bytes = policy.to_cache_bytes(&warnings, &key).unwrap();
    let (cached, _) = Policy::from_cache_bytes(&bytes, &key).unwrap();
    [policy, cached]
}

#[test]
fn a_deny_with_a_missing_subject_attribute_applies_to_every_resource_of_its_action() {
    for p in loaded_and_cached(FAIL_CLOSED) {
        let decide = |subject: &[(&str, &str)], action: &str, resource: &str| {
            p.decide(&req(subject, action, resource, &[]), NOW)
        };
        let none = [("title", "archivist")];
        for resource in [
            "dept/档案局/seal/contract",
            "dept/财政局/seal/official",
            "dept/档案局/seal/invoice",
            "dept/a/seal/b/c",
        ] {
            let d = decide(&none, "seal.revoke", resource);
            assert!(!d.allow, "{resource}");
            assert_eq!(
                d.rule.as_deref(),
                Some("invoice-seals-stay-home"),
                "{resource}"
            );
        }
        // Another action is not touched by that deny.
        let d = decide(&none, "seal.apply", "dept/档案局/seal/contract");
        assert_ne!(d.rule.as_deref(), Some("invoice-seals-stay-home"));
        // Several values are no single value.
        let two = [
            ("title", "archivist"),
            ("department", "档案局"),
            ("department", "财政局"),
        ];
        assert!(!decide(&two, "seal.revoke", "dept/档案局/seal/contract").allow);
        // With the value the deny is what it says.
        let one = [("title", "archivist"), ("department", "档案局")];
        assert!(decide(&one, "seal.revoke", "dept/档案局/seal/contract").allow);
        assert!(decide(&one, "seal.revoke", "dept/财政局/seal/invoice").allow);
        let d = decide(&one, "seal.revoke", "dept/档案局/seal/invoice");
        assert_eq!(d.rule.as_deref(), Some("invoice-seals-stay-home"));
    }
}

#[test]
fn an_allow_with_a_missing_subject_attribute_matches_nothing() {
    for p in loaded_and_cached(FAIL_CLOSED) {
        let none = [("title", "archivist")];
        for resource in ["dept/档案局/seal/contract", "dept/x/seal/y"] {
            let d = p.decide(&req(&none, "seal.apply", resource, &[]), NOW);
            assert!(!d.allow, "{resource}");
        }
        let one = [("title", "archivist"), ("department", "档案局")];
        let d = p.decide(
            &req(&one, "seal.apply", "dept/档案局/seal/contract", &[]),
            NOW,
        );
        assert!(d.allow, "{}", d.reason);
    }
}

#[test]
fn resources_with_empty_dot_or_dot_dot_segments_are_malformed() {
    let (p, _) = load(FAIL_CLOSED);
    let archivist = [("title", "archivist"), ("department", "档案局")];
    for resource in [
        "dept/档案局/",
        "dept//seal/contract",
        "dept/./seal/contract",
        "dept/档案局/../财政局/seal/contract",
        ".",
        "..",
        "/dept",
    ] {
        let r = req(&archivist, "seal.revoke", resource, &[]);
        assert!(r.check().is_err(), "{resource}");
        let d = p.decide(&r, NOW);
        assert!(!d.allow, "{resource}");
        assert!(d.reason.starts_with("malformed request"), "{}", d.reason);
    }
}

#[test]
fn a_scope_covers_only_resources_strictly_under_its_department() {
    let (p, _) = load(FAIL_CLOSED);
    let clerk = [("title", "clerk")];
    let allow = |resource: &str| p.decide(&req(&clerk, "doc.read", resource, &[]), NOW).allow;
    assert!(allow("dept/财政局/doc/1"));
    assert!(allow("dept/财政局/x"));
    assert!(!allow("dept/财政局"));
    assert!(!allow("dept/财政局局/doc/1"));
    assert!(!allow("dept/档案局/doc/1"));
}
