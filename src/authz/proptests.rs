//! Laws of decisions, checked on random policies and requests:
//! shuffling rules never changes a decision; adding a deny never turns a deny into an allow;
//! adding an allow (a permission) never turns an allow into a deny.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use time::macros::datetime;

use super::{Policy, Request, Subject};

const ACTIONS: &[&str] = &[
    "doc.read",
    "doc.*",
    "seal.apply",
    "*",
    "cert.issue",
    "*.read",
];
const RESOURCES: &[&str] = &[
    "dept/a/doc/*",
    "dept/*/doc/1",
    "dept/${subject.department}/doc/*",
    "*",
    "dept/b/*",
    "dept/a/doc/1",
    "dept/*/seal/x",
    "ca/*",
];
/// Condition kinds (one key each), with variants.
const CONDS: &[&[&str]] = &[
    &["domain: [intranet]", "domain: [extranet, internet]"],
    &["level: {at_most: secret}", "level: {at_least: 秘密}"],
    &["clearance_covers_level: true"],
    &["clearance_at_least: internal"],
    &["context: {k: v}"],
    &["subject: {grade: [a, b]}"],
    &[
        "time: {zone: Asia/Shanghai, from: '08:00', to: '18:00', days: [mon, tue]}",
        "time: {zone: '+08:00', from: '22:00', to: '06:00'}",
    ],
];

#[derive(Debug, Clone)]
struct Rule {
    actions: Vec<&'static str>,
    resources: Vec<&'static str>,
    conds: Vec<&'static str>,
}

#[derive(Debug, Clone)]
struct RoleSpec {
    inherits: Vec<usize>,
    perms: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct BindingSpec {
    titles: Vec<&'static str>,
    roles: Vec<usize>,
    scope: Option<&'static str>,
    clearance: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct DenySpec {
    rule: Rule,
    roles: Option<Vec<usize>>,
    status: bool,
}

#[derive(Debug, Clone)]
struct Spec {
    roles: Vec<RoleSpec>,
    bindings: Vec<BindingSpec>,
    denies: Vec<DenySpec>,
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        subsequence(ACTIONS, 1..=2),
        subsequence(RESOURCES, 1..=2),
        subsequence((0..CONDS.len()).collect::<Vec<_>>(), 0..=2),
        any::<[u8; 2]>(),
    )
        .prop_map(|(actions, resources, kinds, variants)| Rule {
            actions,
            resources,
            conds: kinds
                .iter()
                .zip(variants)
                .map(|(&k, v)| CONDS[k][v as usize % CONDS[k].len()])
                .collect(),
        })
}

fn spec() -> impl Strategy<Value = Spec> {
    (1usize..5)
        .prop_flat_map(|n| {
            let roles = (0..n)
                .map(|i| {
                    (
                        subsequence((0..i).collect::<Vec<_>>(), 0..=i.min(2)),
                        prop::collection::vec(rule(), 0..4),
                    )
                        .prop_map(|(inherits, perms)| RoleSpec { inherits, perms })
                })
                .collect::<Vec<_>>();
            let binding = (
                subsequence(vec!["t0", "t1", "t2"], 1..=2),
                subsequence((0..n).collect::<Vec<_>>(), 1..=n.min(2)),
                prop::option::of(select(vec!["a", "${subject.department}"])),
                prop::option::of(select(vec!["secret", "公开"])),
            )
                .prop_map(|(titles, roles, scope, clearance)| BindingSpec {
                    titles,
                    roles,
                    scope,
                    clearance,
                });
            let deny = (
                rule(),
                prop::option::of(subsequence((0..n).collect::<Vec<_>>(), 1..=1)),
                any::<bool>(),
            )
                .prop_map(|(rule, roles, status)| DenySpec {
                    rule,
                    roles,
                    status,
                });
            (
                roles,
                prop::collection::vec(binding, 1..4),
                prop::collection::vec(deny, 0..3),
            )
        })
        .prop_map(|(roles, bindings, denies)| Spec {
            roles,
            bindings,
            denies,
        })
}

fn request() -> impl Strategy<Value = Request> {
    (
        subsequence(vec!["t0", "t1", "t2", "t3"], 0..=2),
        prop::option::of(select(vec!["a", "b"])),
        prop::option::of(select(vec!["secret", "public", "绝密"])),
        any::<bool>(),
        prop::option::of(select(vec!["a", "c"])),
        select(vec!["doc.read", "seal.apply", "cert.issue", "doc.write"]),
        select(vec![
            "dept/a/doc/1",
            "dept/b/doc/1",
            "dept/a/seal/x",
            "ca/root",
            "dept/b/doc/2/x",
        ]),
        (
            prop::option::of(select(vec!["intranet", "internet"])),
            prop::option::of(select(vec!["internal", "机密"])),
            prop::option::of(select(vec!["v", "w"])),
            prop::option::of(select(vec![
                "2026-11-30T23:00:00+08:00",
                "2026-12-01T10:00:00+08:00",
            ])),
        ),
    )
        .prop_map(
            |(titles, dept, clearance, suspended, grade, action, resource, ctx)| {
                let mut s = Subject::new();
                for t in titles {
                    s.insert("title", t);
                }
                if let Some(d) = dept {
                    s.insert("department", d);
                }
                if let Some(c) = clearance {
                    s.insert("clearance", c);
                }
                if suspended {
                    s.insert("status", "suspended");
                }
                if let Some(g) = grade {
                    s.insert("grade", g);
                }
                let (domain, level, k, time) = ctx;
                let mut context = BTreeMap::new();
                for (key, v) in [
                    ("domain", domain),
                    ("level", level),
                    ("k", k),
                    ("time", time),
                ] {
                    if let Some(v) = v {
                        context.insert(key.to_string(), v.to_string());
                    }
                }
                Request {
                    subject: s,
                    action: action.into(),
                    resource: resource.into(),
                    context,
                }
            },
        )
}

/// A deterministic shuffle driven by a seed (xorshift).
struct Shuffler(u64);

impl Shuffler {
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            let j = (self.0 % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    format!("[{}]", quoted.join(", "))
}

fn rule_yaml(out: &mut String, indent: &str, r: &Rule, sh: &mut Option<Shuffler>) {
    let (mut a, mut res, mut c) = (r.actions.clone(), r.resources.clone(), r.conds.clone());
    if let Some(sh) = sh {
        sh.shuffle(&mut a);
        sh.shuffle(&mut res);
        sh.shuffle(&mut c);
    }
    let _ = writeln!(out, "{indent}actions: {}", list(&a));
    let _ = writeln!(out, "{indent}resources: {}", list(&res));
    if !c.is_empty() {
        let _ = writeln!(out, "{indent}when:");
        for cond in c {
            let _ = writeln!(out, "{indent}  {cond}");
        }
    }
}

/// Renders the spec as YAML, in two files, optionally shuffling every list.
fn render(spec: &Spec, seed: Option<u64>) -> Vec<(PathBuf, String)> {
    let mut sh = seed.map(|s| Shuffler(s | 1));
    let mut roles: Vec<(usize, &RoleSpec)> = spec.roles.iter().enumerate().collect();
    let mut bindings: Vec<(usize, &BindingSpec)> = spec.bindings.iter().enumerate().collect();
    let mut denies: Vec<(usize, &DenySpec)> = spec.denies.iter().enumerate().collect();
    if let Some(sh) = &mut sh {
        sh.shuffle(&mut roles);
        sh.shuffle(&mut bindings);
        sh.shuffle(&mut denies);
    }
    let mut a = String::from("roles:\n");
    for (i, r) in roles {
        let _ = writeln!(a, "  - id: r{i}");
        let mut inh: Vec<String> = r.inherits.iter().map(|j| format!("r{j}")).collect();
        if let Some(sh) = &mut sh {
            sh.shuffle(&mut inh);
        }
        let inh: Vec<&str> = inh.iter().map(String::as_str).collect();
        let _ = writeln!(a, "    inherits: {}", list(&inh));
        let mut perms: Vec<(usize, &Rule)> = r.perms.iter().enumerate().collect();
        if let Some(sh) = &mut sh {
            sh.shuffle(&mut perms);
        }
        let _ = writeln!(
            a,
            "    permissions:{}",
            if perms.is_empty() { " []" } else { "" }
        );
        for (k, p) in perms {
            let _ = writeln!(a, "      - id: p{i}-{k}");
            rule_yaml(&mut a, "        ", p, &mut sh);
        }
    }
    let mut b = String::from("bindings:\n");
    for (i, bd) in bindings {
        let _ = writeln!(b, "  - id: b{i}");
        let _ = writeln!(b, "    subject: {{title: {}}}", list(&bd.titles));
        let roles: Vec<String> = bd.roles.iter().map(|j| format!("r{j}")).collect();
        let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
        let _ = writeln!(b, "    roles: {}", list(&roles));
        if let Some(s) = bd.scope {
            let _ = writeln!(b, "    scope: '{s}'");
        }
        if let Some(c) = bd.clearance {
            let _ = writeln!(b, "    clearance: {c}");
        }
    }
    b.push_str(if denies.is_empty() {
        "deny: []\n"
    } else {
        "deny:\n"
    });
    for (i, d) in denies {
        let _ = writeln!(b, "  - id: d{i}");
        rule_yaml(&mut b, "    ", &d.rule, &mut sh);
        if let Some(roles) = &d.roles {
            let roles: Vec<String> = roles.iter().map(|j| format!("r{j}")).collect();
            let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
            let _ = writeln!(b, "    roles: {}", list(&roles));
        }
        if d.status {
            b.push_str("    subject: {status: suspended}\n");
        }
    }
    let mut files = vec![(PathBuf::from("a.yaml"), a), (PathBuf::from("b.yaml"), b)];
    if let Some(sh) = &mut sh {
        sh.shuffle(&mut files);
    }
    files
}

fn load(files: &[(PathBuf, String)]) -> Policy {
    match Policy::load(files) {
        Ok((p, _)) => p,
        Err(e) => panic!("{e}\n{}\n{}", files[0].1, files[1].1),
    }
}

const NOW: time::OffsetDateTime = datetime!(2026-12-01 02:00 UTC);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn shuffling_rules_never_changes_a_decision(
        spec in spec(),
        seed in any::<u64>(),
        requests in prop::collection::vec(request(), 1..12),
    ) {
        let p = load(&render(&spec, None));
        let q = load(&render(&spec, Some(seed)));
        for r in &requests {
            let (a, b) = (p.decide(r, NOW), q.decide(r, NOW));
            prop_assert_eq!(a.allow, b.allow, "{:?}", r);
            prop_assert_eq!(&a.rule, &b.rule);
            prop_assert_eq!(&a.reason, &b.reason);
        }
    }

    #[test]
    fn adding_a_deny_never_turns_a_deny_into_an_allow(
        spec in spec(),
        extra in rule(),
        by_role in any::<bool>(),
        status in any::<bool>(),
        requests in prop::collection::vec(request(), 1..12),
    ) {
        let p = load(&render(&spec, None));
        let mut more = spec.clone();
        more.denies.push(DenySpec {
            rule: extra,
            roles: by_role.then(|| vec![0]),
            status,
        });
        let q = load(&render(&more, None));
        for r in &requests {
            if !p.decide(r, NOW).allow {
                prop_assert!(!q.decide(r, NOW).allow, "{:?}", r);
            }
        }
    }

    #[test]
    fn adding_an_allow_never_turns_an_allow_into_a_deny(
        spec in spec(),
        extra in rule(),
        role in any::<prop::sample::Index>(),
        requests in prop::collection::vec(request(), 1..12),
    ) {
        let p = load(&render(&spec, None));
        let mut more = spec.clone();
        let i = role.index(more.roles.len());
        more.roles[i].perms.push(extra);
        let q = load(&render(&more, None));
        for r in &requests {
            if p.decide(r, NOW).allow {
                prop_assert!(q.decide(r, NOW).allow, "{:?}", r);
            }
        }
    }
}
