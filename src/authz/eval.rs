//! The compiled policy and its evaluation.
//!
//! Rules are indexed by action pattern (a segment trie over `.`) and, under each action pattern,
//! by resource pattern (a segment trie over `/`), so a decision looks only at rules whose
//! patterns can match. Rules are kept sorted by id: when several rules could decide, the one
//! with the smallest id is reported, so the outcome and the reason never depend on rule order.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::cond::{Cond, Domain, Env, Level, Tri, eval_all};
use super::explain::{Explanation, RuleRef};
use super::pattern::{Pattern, Trie, Unresolved};
use super::{Request, SourceLocation, Subject};

mod explaining;

/// A validated, compiled policy. Build it with [`Policy::load`].
#[derive(Debug)]
pub struct Policy {
    pub(crate) roles: Vec<Role>,
    pub(crate) perms: Vec<Perm>,
    pub(crate) bindings: Vec<Binding>,
    pub(crate) denies: Vec<Deny>,
    pub(crate) sods: Vec<Sod>,
    pub(crate) allow_index: RuleIndex,
    pub(crate) deny_index: RuleIndex,
    pub(crate) binding_index: BindingIndex,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Role {
    pub id: String,
    #[serde(with = "super::cache::location")]
    pub at: SourceLocation,
    /// Roles this one inherits from directly.
    pub parents: Vec<u32>,
    /// This role and every role it inherits from, directly or not.
    pub closure: Vec<u32>,
    pub perms: Vec<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Perm {
    pub id: String,
    #[serde(with = "super::cache::location")]
    pub at: SourceLocation,
    pub role: u32,
    pub actions: Vec<Pattern>,
    pub resources: Vec<Pattern>,
    pub conds: Vec<Cond>,
}

/// Attribute -> accepted values; every attribute must match.
pub(crate) type Matcher = Vec<(String, Vec<String>)>;

#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Scope {
    Fixed(String),
    /// `${subject.department}`.
    OwnDepartment,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Binding {
    pub id: String,
    #[serde(with = "super::cache::location")]
    pub at: SourceLocation,
    pub matcher: Matcher,
    pub roles: Vec<u32>,
    pub scope: Option<Scope>,
    pub clearance: Option<Level>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Deny {
    pub id: String,
    #[serde(with = "super::cache::location")]
    pub at: SourceLocation,
    pub actions: Vec<Pattern>,
    pub resources: Vec<Pattern>,
    pub roles: Option<Vec<u32>>,
    pub subject: Option<Matcher>,
    pub conds: Vec<Cond>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Sod {
    pub id: String,
    #[serde(with = "super::cache::location")]
    pub at: SourceLocation,
    pub roles: Vec<u32>,
}

/// Action trie -> per action pattern, a resource trie of (rule, resource pattern index).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RuleIndex {
    actions: Trie<u32>,
    groups: Vec<(Pattern, Trie<(u32, u32)>)>,
}

impl RuleIndex {
    /// `vars_everywhere`: a resource pattern with a `${subject.ATTR}` is a candidate for every
    /// resource (deny rules, which match everything for a subject without the value).
    pub(crate) fn build<'a>(
        rules: impl Iterator<Item = (u32, &'a [Pattern], &'a [Pattern])>,
        vars_everywhere: bool,
    ) -> RuleIndex {
        let mut actions = Trie::new('.');
        let mut groups: Vec<(Pattern, Trie<(u32, u32)>)> = Vec::new();
        let mut by_text: HashMap<String, u32> = HashMap::new();
        for (rule, acts, ress) in rules {
            for a in acts {
                let g = match by_text.get(a.text()) {
                    Some(&g) => g,
                    None => {
                        let g = groups.len() as u32;
                        groups.push((a.clone(), Trie::new('/')));
                        actions.insert(a, g);
                        by_text.insert(a.text().to_string(), g);
                        g
                    }
                };
                for (ri, r) in ress.iter().enumerate() {
                    let trie = &mut groups[g as usize].1;
                    if vars_everywhere && r.has_vars() {
                        trie.insert_everywhere((rule, ri as u32));
                    } else {
                        trie.insert(r, (rule, ri as u32));
                    }
                }
            }
        }
        RuleIndex { actions, groups }
    }

    /// Whether every group, rule and resource-pattern index points into `rules` (the resource
    /// pattern count of each rule), as decisions assume.
    pub(crate) fn in_range(&self, rules: &[usize]) -> bool {
        self.actions
            .in_range(&mut |&g| (g as usize) < self.groups.len())
            && self.groups.iter().all(|(_, trie)| {
                trie.in_range(&mut |&(rule, ri)| {
                    rules.get(rule as usize).is_some_and(|&n| (ri as usize) < n)
                })
            })
    }

    /// Calls `f(rule, resource pattern index)` for every rule whose action pattern matches and
    /// whose resource pattern may match (the caller confirms the resource).
    pub(crate) fn for_each(&self, action: &str, resource: &str, f: &mut dyn FnMut(u32, u32)) {
        self.actions.candidates(action, &mut |g| {
            let (pattern, trie) = &self.groups[g as usize];
            if pattern.matches_plain(action) {
                trie.candidates(resource, &mut |(rule, ri)| f(rule, ri));
            }
        });
    }
}

/// Bindings indexed by one (attribute, value) pair each.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct BindingIndex {
    by_attr: HashMap<String, HashMap<String, Vec<u32>>>,
}

impl BindingIndex {
    pub(crate) fn build(bindings: &[Binding]) -> BindingIndex {
        let mut by_attr: HashMap<String, HashMap<String, Vec<u32>>> = HashMap::new();
        for (i, b) in bindings.iter().enumerate() {
            // Index under the attribute with the fewest accepted values. A binding with an
            // attribute that accepts nothing never matches and is left out.
            let Some((key, values)) = b.matcher.iter().min_by_key(|(_, v)| v.len()) else {
                continue;
            };
            for v in values {
                by_attr
                    .entry(key.clone())
                    .or_default()
                    .entry(v.clone())
                    .or_default()
                    .push(i as u32);
            }
        }
        BindingIndex { by_attr }
    }

    /// Whether every binding index is below `bindings`.
    pub(crate) fn in_range(&self, bindings: usize) -> bool {
        self.by_attr
            .values()
            .flat_map(|by_value| by_value.values())
            .all(|list| list.iter().all(|&b| (b as usize) < bindings))
    }
}

pub(crate) fn matcher_matches(m: &Matcher, subject: &Subject) -> bool {
    m.iter()
        .all(|(k, values)| subject.get(k).iter().any(|v| values.contains(v)))
}

/// A decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Whether the request is allowed.
    pub allow: bool,
    /// One line saying why.
    pub reason: String,
    /// The rule that decided: the allowing permission, the deny rule or the separation-of-duty
    /// rule; none for a default deny.
    pub rule: Option<String>,
    /// Filled by [`Policy::explain`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// Counts, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PolicyStats {
    pub roles: usize,
    pub permissions: usize,
    pub bindings: usize,
    pub deny_rules: usize,
    pub separation_of_duty: usize,
}

/// A role the subject holds through a binding.
#[derive(Debug, Clone, Copy)]
struct Held<'a> {
    role: u32,
    /// The role the binding gives (`role` or a role inheriting it).
    bound: u32,
    binding: u32,
    scope: Option<&'a str>,
}

fn in_scope(scope: Option<&str>, resource: &str) -> bool {
    match scope {
        None => true,
        Some(dept) => resource
            .strip_prefix("dept/")
            .and_then(|r| r.strip_prefix(dept))
            .is_some_and(|r| r.starts_with('/')),
    }
}

fn to_timestamp(now: OffsetDateTime) -> Option<Timestamp> {
    Timestamp::new(now.unix_timestamp(), now.nanosecond() as i32).ok()
}

struct Internal<'a> {
    held: Vec<Held<'a>>,
    bits: Vec<u64>,
}

impl Internal<'_> {
    fn holds(&self, role: u32) -> bool {
        self.bits[(role / 64) as usize] & (1 << (role % 64)) != 0
    }
}

impl Policy {
    /// Decides a request. `now` is the request time when the context has no `time`.
    pub fn decide(&self, request: &Request, now: OffsetDateTime) -> Decision {
        self.evaluate(request, now, false)
    }

    /// Decides a request and explains the decision.
    pub fn explain(&self, request: &Request, now: OffsetDateTime) -> Decision {
        self.evaluate(request, now, true)
    }

    /// Whether every index the policy holds (roles, permissions, bindings, rules, index
    /// nodes) is in range, so that no decision can panic on it. Always true for a policy from
    /// [`Policy::load`]; checked for one decoded from a cache entry.
    pub(crate) fn indexes_in_range(&self) -> bool {
        let role = |r: &u32| (*r as usize) < self.roles.len();
        let roles_ok = self.roles.iter().all(|r| {
            r.parents.iter().all(role)
                && r.closure.iter().all(role)
                && r.perms.iter().all(|&p| (p as usize) < self.perms.len())
        });
        let perm_resources: Vec<usize> = self.perms.iter().map(|p| p.resources.len()).collect();
        let deny_resources: Vec<usize> = self.denies.iter().map(|d| d.resources.len()).collect();
        roles_ok
            && self.perms.iter().all(|p| role(&p.role))
            && self.bindings.iter().all(|b| b.roles.iter().all(role))
            && self
                .denies
                .iter()
                .all(|d| d.roles.iter().flatten().all(role))
            && self.sods.iter().all(|s| s.roles.iter().all(role))
            && self.allow_index.in_range(&perm_resources)
            && self.deny_index.in_range(&deny_resources)
            && self.binding_index.in_range(self.bindings.len())
    }

    /// How many of each thing the policy holds.
    pub fn stats(&self) -> PolicyStats {
        PolicyStats {
            roles: self.roles.len(),
            permissions: self.perms.len(),
            bindings: self.bindings.len(),
            deny_rules: self.denies.len(),
            separation_of_duty: self.sods.len(),
        }
    }

    /// The ids of the roles, sorted.
    pub fn role_ids(&self) -> impl Iterator<Item = &str> {
        self.roles.iter().map(|r| r.id.as_str())
    }

    /// The ids of all rules (permissions, bindings, deny and separation-of-duty rules).
    pub fn rule_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .perms
            .iter()
            .map(|p| p.id.as_str())
            .chain(self.bindings.iter().map(|b| b.id.as_str()))
            .chain(self.denies.iter().map(|d| d.id.as_str()))
            .chain(self.sods.iter().map(|s| s.id.as_str()))
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The roles a subject holds (bound or inherited), ignoring scopes, sorted by id.
    pub fn roles_of(&self, subject: &Subject) -> Vec<&str> {
        let (internal, _) = self.hold(subject);
        let mut roles: Vec<&str> = (0..self.roles.len() as u32)
            .filter(|&r| internal.holds(r))
            .map(|r| self.roles[r as usize].id.as_str())
            .collect();
        roles.sort_unstable();
        roles
    }

    fn match_bindings<'s>(&'s self, subject: &'s Subject) -> Vec<(u32, Option<&'s str>)> {
        let mut candidates: Vec<u32> = Vec::new();
        for (key, values) in subject.iter() {
            if let Some(by_value) = self.binding_index.by_attr.get(key) {
                for v in values {
                    if let Some(list) = by_value.get(v.as_str()) {
                        candidates.extend_from_slice(list);
                    }
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut out = Vec::with_capacity(candidates.len());
        for b in candidates {
            let binding = &self.bindings[b as usize];
            if !matcher_matches(&binding.matcher, subject) {
                continue;
            }
            let scope = match &binding.scope {
                None => None,
                Some(Scope::Fixed(d)) => Some(d.as_str()),
                // A binding that needs an attribute the subject lacks does not match; nor
                // does one whose department is ambiguous or not a single path segment.
                Some(Scope::OwnDepartment) => match subject.get("department") {
                    [d] if !d.is_empty() && !d.contains('/') => Some(d.as_str()),
                    _ => continue,
                },
            };
            out.push((b, scope));
        }
        out
    }

    fn hold<'s>(&'s self, subject: &'s Subject) -> (Internal<'s>, Vec<(u32, Option<&'s str>)>) {
        let matched = self.match_bindings(subject);
        let mut bits = vec![0u64; self.roles.len().div_ceil(64).max(1)];
        let mut held = Vec::new();
        for &(b, scope) in &matched {
            for &bound in &self.bindings[b as usize].roles {
                for &role in &self.roles[bound as usize].closure {
                    bits[(role / 64) as usize] |= 1 << (role % 64);
                    held.push(Held {
                        role,
                        bound,
                        binding: b,
                        scope,
                    });
                }
            }
        }
        (Internal { held, bits }, matched)
    }

    fn evaluate(&self, req: &Request, now: OffsetDateTime, explain: bool) -> Decision {
        if let Err(e) = req.check() {
            return Decision {
                allow: false,
                reason: format!("malformed request: {e}"),
                rule: None,
                explanation: explain.then(Explanation::default),
            };
        }
        let subject = &req.subject;
        let action = req.action.as_str();
        let resource = req.resource.as_str();
        let (internal, matched) = self.hold(subject);

        let env = self.env(req, now, &matched);

        // Separation of duty: a subject holding two conflicting roles is denied everything.
        for sod in &self.sods {
            let mut held = sod.roles.iter().filter(|&&r| internal.holds(r));
            if let (Some(&a), Some(&b)) = (held.next(), held.next()) {
                let (a, b) = (&self.roles[a as usize].id, &self.roles[b as usize].id);
                return Decision {
                    allow: false,
                    reason: format!(
                        "separation of duty `{}`: the subject holds both `{a}` and `{b}`",
                        sod.id
                    ),
                    rule: Some(sod.id.clone()),
                    explanation: explain.then(|| Explanation {
                        roles: self.held_roles(&internal),
                        deny_rule: Some(RuleRef {
                            id: sod.id.clone(),
                            at: sod.at.clone(),
                            unevaluable: Vec::new(),
                            roles: vec![a.clone(), b.clone()],
                        }),
                        ..Explanation::default()
                    }),
                };
            }
        }

        // Explicit deny: the applicable rule with the smallest id.
        let mut deny: Option<(u32, Tri)> = None;
        self.deny_index.for_each(action, resource, &mut |d, ri| {
            if deny.is_some_and(|(best, _)| best <= d) {
                return;
            }
            let rule = &self.denies[d as usize];
            // A `${subject.ATTR}` the subject lacks makes the rule apply to every resource its
            // action matches (fail closed, DESIGN.md §5).
            if !rule.resources[ri as usize].matches(resource, subject, Unresolved::Everything) {
                return;
            }
            if let Some(roles) = &rule.roles
                && !roles.iter().any(|&r| internal.holds(r))
            {
                return;
            }
            if let Some(m) = &rule.subject
                && !matcher_matches(m, subject)
            {
                return;
            }
            let (t, _) = eval_all(&rule.conds, &env);
            // A deny whose conditions cannot be evaluated applies (fail closed).
            if t != Tri::False {
                deny = Some((d, t));
            }
        });
        if let Some((d, t)) = deny {
            let rule = &self.denies[d as usize];
            let unevaluable: Vec<String> = if t == Tri::Unknown {
                rule.conds
                    .iter()
                    .filter(|c| c.eval(&env) == Tri::Unknown)
                    .map(|c| c.why(&env))
                    .collect()
            } else {
                Vec::new()
            };
            let mut reason = format!("denied by rule `{}`", rule.id);
            if let Some(first) = unevaluable.first() {
                reason.push_str(&format!(
                    " (applied because a condition could not be evaluated: {first})"
                ));
            }
            return Decision {
                allow: false,
                reason,
                rule: Some(rule.id.clone()),
                explanation: explain.then(|| Explanation {
                    roles: self.held_roles(&internal),
                    deny_rule: Some(RuleRef {
                        id: rule.id.clone(),
                        at: rule.at.clone(),
                        unevaluable,
                        roles: Vec::new(),
                    }),
                    ..Explanation::default()
                }),
            };
        }

        // Allow: the granting permission with the smallest id.
        let mut allow: Option<(u32, usize)> = None;
        self.allow_index.for_each(action, resource, &mut |p, ri| {
            if allow.is_some_and(|(best, _)| best <= p) {
                return;
            }
            let perm = &self.perms[p as usize];
            if !internal.holds(perm.role) {
                return;
            }
            if !perm.resources[ri as usize].matches(resource, subject, Unresolved::NoMatch) {
                return;
            }
            let Some(h) = internal
                .held
                .iter()
                .position(|h| h.role == perm.role && in_scope(h.scope, resource))
            else {
                return;
            };
            if eval_all(&perm.conds, &env).0 == Tri::True {
                allow = Some((p, h));
            }
        });
        if let Some((p, h)) = allow {
            let perm = &self.perms[p as usize];
            let held = internal.held[h];
            let binding = &self.bindings[held.binding as usize];
            let role = &self.roles[perm.role as usize].id;
            let reason = if held.bound == perm.role {
                format!(
                    "allowed by permission `{}` of role `{role}` (binding `{}`)",
                    perm.id, binding.id
                )
            } else {
                format!(
                    "allowed by permission `{}` of role `{role}`, inherited by `{}` (binding `{}`)",
                    perm.id, self.roles[held.bound as usize].id, binding.id
                )
            };
            return Decision {
                allow: true,
                reason,
                rule: Some(perm.id.clone()),
                explanation: explain.then(|| Explanation {
                    roles: self.held_roles(&internal),
                    path: self.path(held, p),
                    ..Explanation::default()
                }),
            };
        }

        // Default deny: say what came nearest.
        let nearest = self.near_misses(req, &env, &internal, explain);
        let mut reason = format!("no permission allows `{action}` on `{resource}`");
        if internal.held.is_empty() {
            reason.push_str(" (no binding matches the subject)");
        } else if let Some(n) = nearest.first() {
            reason.push_str(&format!(
                "; nearest: `{}` failed {}",
                n.permission, n.failed
            ));
        }
        Decision {
            allow: false,
            reason,
            rule: None,
            explanation: explain.then(|| Explanation {
                roles: self.held_roles(&internal),
                nearest,
                ..Explanation::default()
            }),
        }
    }

    fn env<'r>(
        &self,
        req: &'r Request,
        now: OffsetDateTime,
        matched: &[(u32, Option<&str>)],
    ) -> Env<'r> {
        let ctx = &req.context;
        let domain = ctx
            .get("domain")
            .map(|d| Domain::parse(d).ok_or(d.as_str()));
        let level = ctx.get("level").map(|l| Level::parse(l).ok_or(l.as_str()));
        let time = match ctx.get("time") {
            Some(t) => t.parse::<Timestamp>().map_err(|_| t.as_str()),
            None => to_timestamp(now).ok_or("now"),
        };
        // Clearance: the highest valid one from the subject and its bindings; a subject value
        // that is not a level is reported when nothing valid is known.
        let mut best: Option<Level> = None;
        let mut bad: Option<&'r str> = None;
        for c in req.subject.get("clearance") {
            match Level::parse(c) {
                Some(l) => best = best.max(Some(l)),
                None => bad = bad.or(Some(c.as_str())),
            }
        }
        for &(b, _) in matched {
            if let Some(l) = self.bindings[b as usize].clearance {
                best = best.max(Some(l));
            }
        }
        let clearance = match (best, bad) {
            (Some(l), _) => Some(Ok(l)),
            (None, Some(v)) => Some(Err(v)),
            (None, None) => None,
        };
        Env {
            subject: &req.subject,
            context: ctx,
            domain,
            level,
            time,
            clearance,
        }
    }
}

#[cfg(test)]
mod tests;
