//! What the evaluator says when asked to explain: the roles held, the path from binding to
//! permission, and the near misses (rules that almost applied, and the condition each failed).

use std::collections::HashMap;

use super::super::Request;
use super::super::cond::{Env, Tri, eval_all};
use super::super::explain::{HeldRole, NearMiss, Step, StepKind};
use super::super::pattern::Unresolved;
use super::*;

impl Policy {
    pub(super) fn held_roles(&self, internal: &Internal) -> Vec<HeldRole> {
        internal
            .held
            .iter()
            .map(|h| HeldRole {
                role: self.roles[h.role as usize].id.clone(),
                binding: self.bindings[h.binding as usize].id.clone(),
                via: (h.bound != h.role).then(|| self.roles[h.bound as usize].id.clone()),
                scope: h.scope.map(str::to_string),
            })
            .collect()
    }

    /// Binding -> bound role -> inherited roles -> permission.
    pub(super) fn path(&self, held: Held, perm: u32) -> Vec<Step> {
        let binding = &self.bindings[held.binding as usize];
        let mut steps = vec![Step {
            kind: StepKind::Binding,
            id: binding.id.clone(),
            at: binding.at.clone(),
            scope: held.scope.map(str::to_string),
        }];
        let chain = self.inheritance_chain(held.bound, held.role);
        for (i, r) in chain.iter().enumerate() {
            let role = &self.roles[*r as usize];
            steps.push(Step {
                kind: if i == 0 {
                    StepKind::Role
                } else {
                    StepKind::InheritedRole
                },
                id: role.id.clone(),
                at: role.at.clone(),
                scope: None,
            });
        }
        let p = &self.perms[perm as usize];
        steps.push(Step {
            kind: StepKind::Permission,
            id: p.id.clone(),
            at: p.at.clone(),
            scope: None,
        });
        steps
    }

    /// The shortest chain of roles from `from` to `to` through `inherits` (both included).
    pub(super) fn inheritance_chain(&self, from: u32, to: u32) -> Vec<u32> {
        let mut prev: HashMap<u32, u32> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([from]);
        while let Some(r) = queue.pop_front() {
            if r == to {
                break;
            }
            for &p in &self.roles[r as usize].parents {
                if p != from && !prev.contains_key(&p) {
                    prev.insert(p, r);
                    queue.push_back(p);
                }
            }
        }
        let mut chain = vec![to];
        let mut cur = to;
        while cur != from {
            match prev.get(&cur) {
                Some(&p) => {
                    chain.push(p);
                    cur = p;
                }
                None => break,
            }
        }
        chain.reverse();
        chain
    }

    pub(super) fn near_misses(
        &self,
        req: &Request,
        env: &Env,
        internal: &Internal,
        explain: bool,
    ) -> Vec<NearMiss> {
        let subject = &req.subject;
        let resource = req.resource.as_str();
        let mut seen: Vec<(u32, u32)> = Vec::new();
        self.allow_index
            .for_each(&req.action, resource, &mut |p, ri| seen.push((p, ri)));
        seen.sort_unstable();
        seen.dedup();
        let mut misses: Vec<(u8, u32, String)> = Vec::new();
        for (p, ri) in seen {
            let perm = &self.perms[p as usize];
            let role = &self.roles[perm.role as usize].id;
            let pattern = &perm.resources[ri as usize];
            if !pattern.matches(resource, subject, Unresolved::NoMatch) {
                let vars = pattern.unresolved_vars(subject);
                if vars.is_empty() {
                    continue;
                }
                // Only interesting when the pattern would match with some value.
                if !pattern.matches(resource, subject, Unresolved::Wildcard) {
                    continue;
                }
                misses.push((
                    if internal.holds(perm.role) { 1 } else { 3 },
                    p,
                    format!(
                        "resource `{}` needs one value of the subject's `{}`, which it lacks or has several of",
                        pattern.text(),
                        vars.join("`, `")
                    ),
                ));
                continue;
            }
            if !internal.holds(perm.role) {
                misses.push((3, p, format!("the subject does not hold role `{role}`")));
                continue;
            }
            let scopes: Vec<&str> = internal
                .held
                .iter()
                .filter(|h| h.role == perm.role)
                .filter_map(|h| h.scope)
                .collect();
            if !internal
                .held
                .iter()
                .any(|h| h.role == perm.role && in_scope(h.scope, resource))
            {
                misses.push((
                    2,
                    p,
                    format!(
                        "role `{role}` is held only within dept/{}/",
                        scopes.join("/, dept/")
                    ),
                ));
                continue;
            }
            let (t, i) = eval_all(&perm.conds, env);
            if let Some(i) = i {
                let why = perm.conds[i].why(env);
                let text = if t == Tri::Unknown {
                    format!("could not evaluate {why}")
                } else {
                    why
                };
                misses.push((0, p, text));
            }
        }
        if misses.is_empty() && explain {
            // Nothing matched the resource: show what the subject's roles allow for the action.
            for (p, perm) in self.perms.iter().enumerate() {
                if misses.len() >= 5 {
                    break;
                }
                if internal.holds(perm.role)
                    && perm.actions.iter().any(|a| a.matches_plain(&req.action))
                {
                    let on: Vec<&str> = perm.resources.iter().map(|r| r.text()).collect();
                    misses.push((
                        4,
                        p as u32,
                        format!("allows `{}` only on `{}`", req.action, on.join("`, `")),
                    ));
                }
            }
        }
        // One entry per permission (its nearest resource pattern), ranked; the text breaks ties
        // so the order of patterns in the policy never shows.
        misses.sort_by(|a, b| (a.1, a.0, &a.2).cmp(&(b.1, b.0, &b.2)));
        misses.dedup_by_key(|m| m.1);
        misses.sort_by_key(|m| (m.0, m.1));
        misses.truncate(if explain { 5 } else { 1 });
        misses
            .into_iter()
            .map(|(_, p, failed)| {
                let perm = &self.perms[p as usize];
                NearMiss {
                    permission: perm.id.clone(),
                    role: self.roles[perm.role as usize].id.clone(),
                    at: perm.at.clone(),
                    failed,
                }
            })
            .collect()
    }
}
