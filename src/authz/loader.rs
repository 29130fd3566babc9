//! YAML texts -> a validated, compiled [`Policy`].
//!
//! Collects every error it can find (not just the first), each with `file:line:column`, and
//! warnings for rules that are legal but cannot do anything. Reads no files itself.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::tz::TimeZoneDatabase;
use rayon::prelude::*;
use serde_saphyr::{Location, Spanned};

use super::eval::{Binding, BindingIndex, Deny, Perm, Policy, Role, RuleIndex, Sod};
use super::model::{PolicyDoc, Strings, clean_message, yaml_options};
use super::pattern::PatternKind;
use super::{LoadErrors, PolicyError, PolicyErrorKind, SourceLocation, Warning};

mod rules;

/// The largest policy text accepted, per file (a guard against memory exhaustion).
const MAX_TEXT: usize = 64 * 1024 * 1024;

impl Policy {
    /// Parses, validates and compiles policy texts, given with the paths they were read from
    /// (used in messages). Returns the policy and its warnings, or every error found.
    pub fn load(sources: &[(PathBuf, String)]) -> Result<(Policy, Vec<Warning>), LoadErrors> {
        let mut cx = Cx::default();
        let mut docs = Vec::new();
        for parsed in parse_all(sources) {
            match parsed {
                Ok(file_docs) => docs.extend(file_docs),
                Err(e) => cx.errors.push(*e),
            }
        }
        let policy = cx.compile(docs);
        // Report in reading order, whatever phase found the problem.
        cx.errors.sort_by(|a, b| a.at.cmp(&b.at));
        cx.warnings.sort_by(|a, b| a.at.cmp(&b.at));
        if cx.errors.is_empty() {
            // `compile` only returns `None` after recording an error.
            if let Some(policy) = policy {
                return Ok((policy, cx.warnings));
            }
        }
        if cx.errors.is_empty() {
            cx.errors.push(PolicyError {
                at: SourceLocation {
                    file: Arc::from(Path::new("<policy>")),
                    line: 1,
                    column: 1,
                },
                kind: PolicyErrorKind::Invalid("the policy does not compile".into()),
            });
        }
        Err(LoadErrors {
            errors: cx.errors,
            warnings: cx.warnings,
        })
    }
}

/// Parses every source, on rayon's pool when there is enough text to be worth it (YAML
/// parsing is most of the cost of loading a large policy). Results keep the order of `sources`;
/// a panic in a parser surfaces here as it would in one thread.
fn parse_all(sources: &[(PathBuf, String)]) -> Vec<Parsed> {
    let total: usize = sources.iter().map(|(_, t)| t.len()).sum();
    if sources.len() < 2 || total < PARALLEL_PARSE_BYTES {
        return sources.iter().map(|(p, t)| parse_file(p, t)).collect();
    }
    sources.par_iter().map(|(p, t)| parse_file(p, t)).collect()
}

/// The documents of one file, or why it does not parse.
type Parsed = Result<Vec<(Arc<Path>, PolicyDoc)>, Box<PolicyError>>;

/// Below this much policy text, parsing in one thread is faster than starting another.
const PARALLEL_PARSE_BYTES: usize = 64 * 1024;

/// Parses one file: one or more YAML documents (separated by `---`), empty ones skipped.
fn parse_file(path: &Path, text: &str) -> Parsed {
    let file: Arc<Path> = Arc::from(path);
    let start = SourceLocation {
        file: file.clone(),
        line: 1,
        column: 1,
    };
    if text.len() > MAX_TEXT {
        return Err(Box::new(PolicyError {
            at: start,
            kind: PolicyErrorKind::Invalid(format!("file is larger than {MAX_TEXT} bytes")),
        }));
    }
    match serde_saphyr::from_str_multiple_with_options::<Option<PolicyDoc>, Vec<Option<PolicyDoc>>>(
        text,
        yaml_options(),
    ) {
        Ok(docs) => Ok(docs
            .into_iter()
            .flatten()
            .map(|d| (file.clone(), d))
            .collect()),
        Err(e) => {
            let e = e.without_snippet();
            let (at, message) = match e.location() {
                Some(l) => {
                    let suffix = format!(" at line {}, column {}", l.line(), l.column());
                    let text = e.to_string();
                    let message = clean_message(text.strip_suffix(&suffix).unwrap_or(&text));
                    (at(&file, &l), message)
                }
                None => (start, clean_message(&e.to_string())),
            };
            Err(Box::new(PolicyError {
                at,
                kind: PolicyErrorKind::Syntax(message),
            }))
        }
    }
}

#[derive(Default)]
struct Cx {
    errors: Vec<PolicyError>,
    warnings: Vec<Warning>,
}

fn at(file: &Arc<Path>, loc: &Location) -> SourceLocation {
    SourceLocation {
        file: file.clone(),
        line: loc.line().max(1),
        column: loc.column().max(1),
    }
}

/// The location of item `i` of a list, or of the list when the item has none (a scalar).
fn item_at(file: &Arc<Path>, list: &Spanned<Strings>, item: &Spanned<String>) -> SourceLocation {
    if item.referenced == Location::UNKNOWN {
        at(file, &list.referenced)
    } else {
        at(file, &item.referenced)
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && !id.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A role, before compiling.
struct RoleSrc<'d> {
    id: &'d Spanned<String>,
    file: Arc<Path>,
    inherits: Vec<(String, SourceLocation)>,
}

impl Cx {
    fn error(&mut self, at: SourceLocation, kind: PolicyErrorKind) {
        self.errors.push(PolicyError { at, kind });
    }

    fn warn(&mut self, at: SourceLocation, message: String) {
        self.warnings.push(Warning { at, message });
    }

    fn compile(&mut self, docs: Vec<(Arc<Path>, PolicyDoc)>) -> Option<Policy> {
        let tz = TimeZoneDatabase::bundled();
        for (file, doc) in &docs {
            if let Some(v) = &doc.version
                && v.value != 1
            {
                self.error(at(file, &v.referenced), PolicyErrorKind::Version(v.value));
            }
        }

        // Roles, sorted by id so that indices (and tie-breaks) do not depend on order.
        let mut role_srcs: Vec<RoleSrc> = Vec::new();
        let mut first_role: HashMap<&str, SourceLocation> = HashMap::new();
        for (file, doc) in &docs {
            for r in &doc.roles {
                let loc = at(file, &r.id.referenced);
                if !valid_id(&r.id.value) {
                    self.error(
                        loc,
                        PolicyErrorKind::Invalid(format!("bad role id `{}`", r.id.value)),
                    );
                    continue;
                }
                if let Some(first) = first_role.get(r.id.value.as_str()) {
                    self.error(
                        loc,
                        PolicyErrorKind::DuplicateRole {
                            id: r.id.value.clone(),
                            first: first.clone(),
                        },
                    );
                    continue;
                }
                first_role.insert(&r.id.value, loc);
                let inherits = match &r.inherits {
                    Some(list) => list
                        .value
                        .0
                        .iter()
                        .map(|i| (i.value.clone(), item_at(file, list, i)))
                        .collect(),
                    None => Vec::new(),
                };
                role_srcs.push(RoleSrc {
                    id: &r.id,
                    file: file.clone(),
                    inherits,
                });
            }
        }
        role_srcs.sort_by(|a, b| a.id.value.cmp(&b.id.value));
        let role_index: HashMap<String, u32> = role_srcs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.value.clone(), i as u32))
            .collect();
        let mut roles: Vec<Role> = role_srcs
            .iter()
            .map(|r| Role {
                id: r.id.value.clone(),
                at: at(&r.file, &r.id.referenced),
                parents: Vec::new(),
                closure: Vec::new(),
                perms: Vec::new(),
            })
            .collect();
        let mut parent_at: Vec<Vec<SourceLocation>> = vec![Vec::new(); roles.len()];
        for (i, r) in role_srcs.iter().enumerate() {
            for (name, loc) in &r.inherits {
                match role_index.get(name) {
                    Some(&p) => {
                        if !roles[i].parents.contains(&p) {
                            roles[i].parents.push(p);
                            parent_at[i].push(loc.clone());
                        }
                    }
                    None => self.error(loc.clone(), PolicyErrorKind::UnknownRole(name.clone())),
                }
            }
        }
        let acyclic = self.check_cycles(&roles, &parent_at);
        if acyclic {
            for i in 0..roles.len() {
                let mut closure = vec![i as u32];
                let mut stack = roles[i].parents.clone();
                while let Some(p) = stack.pop() {
                    if !closure.contains(&p) {
                        closure.push(p);
                        stack.extend_from_slice(&roles[p as usize].parents);
                    }
                }
                closure.sort_unstable();
                roles[i].closure = closure;
            }
        } else {
            for (i, r) in roles.iter_mut().enumerate() {
                r.closure = vec![i as u32];
            }
        }

        // Rule ids share one namespace.
        let mut ids: HashMap<String, SourceLocation> = HashMap::new();
        let mut claim = |cx: &mut Cx, id: &Spanned<String>, file: &Arc<Path>| -> bool {
            let loc = at(file, &id.referenced);
            if !valid_id(&id.value) {
                cx.error(
                    loc,
                    PolicyErrorKind::Invalid(format!("bad rule id `{}`", id.value)),
                );
                return false;
            }
            if let Some(first) = ids.get(&id.value) {
                cx.error(
                    loc,
                    PolicyErrorKind::DuplicateId {
                        id: id.value.clone(),
                        first: first.clone(),
                    },
                );
                return false;
            }
            ids.insert(id.value.clone(), loc);
            true
        };

        let mut perms: Vec<Perm> = Vec::new();
        let mut bindings: Vec<Binding> = Vec::new();
        let mut denies: Vec<Deny> = Vec::new();
        let mut sods: Vec<Sod> = Vec::new();
        let mut binding_roles_at: HashMap<String, SourceLocation> = HashMap::new();
        for (file, doc) in &docs {
            for r in &doc.roles {
                let Some(&role) = role_index.get(&r.id.value) else {
                    continue;
                };
                for p in &r.permissions {
                    if !claim(self, &p.id, file) {
                        continue;
                    }
                    let actions = self.patterns(file, &p.actions, PatternKind::Action);
                    let resources = self.patterns(file, &p.resources, PatternKind::Resource);
                    let conds = self.conditions(file, p.when.as_ref(), &tz, &p.id.value);
                    perms.push(Perm {
                        id: p.id.value.clone(),
                        at: at(file, &p.id.referenced),
                        role,
                        actions,
                        resources,
                        conds,
                    });
                }
            }
            for b in &doc.bindings {
                if !claim(self, &b.id, file) {
                    continue;
                }
                if let Some(binding) = self.binding(file, b, &role_index) {
                    binding_roles_at.insert(b.id.value.clone(), at(file, &b.roles.referenced));
                    bindings.push(binding);
                }
            }
            for d in &doc.deny {
                if !claim(self, &d.id, file) {
                    continue;
                }
                denies.push(self.deny(file, d, &role_index, &tz));
            }
            for s in &doc.separation_of_duty {
                if !claim(self, &s.id, file) {
                    continue;
                }
                let mut set = Vec::new();
                for r in &s.roles.value.0 {
                    match role_index.get(&r.value) {
                        Some(&i) => {
                            if !set.contains(&i) {
                                set.push(i);
                            }
                        }
                        None => self.error(
                            item_at(file, &s.roles, r),
                            PolicyErrorKind::UnknownRole(r.value.clone()),
                        ),
                    }
                }
                if s.roles.value.0.len() < 2 {
                    self.error(
                        at(file, &s.roles.referenced),
                        PolicyErrorKind::Invalid(
                            "separation of duty needs at least two distinct roles".into(),
                        ),
                    );
                }
                sods.push(Sod {
                    id: s.id.value.clone(),
                    at: at(file, &s.id.referenced),
                    roles: set,
                });
            }
        }

        perms.sort_by(|a, b| a.id.cmp(&b.id));
        bindings.sort_by(|a, b| a.id.cmp(&b.id));
        denies.sort_by(|a, b| a.id.cmp(&b.id));
        sods.sort_by(|a, b| a.id.cmp(&b.id));
        for (i, p) in perms.iter().enumerate() {
            roles[p.role as usize].perms.push(i as u32);
        }

        if acyclic {
            self.check_sod(&roles, &bindings, &sods, &binding_roles_at);
        }
        self.lint(&roles, &perms, &bindings, &denies);

        if !self.errors.is_empty() {
            return None;
        }
        let allow_index = RuleIndex::build(
            perms
                .iter()
                .enumerate()
                .map(|(i, p)| (i as u32, p.actions.as_slice(), p.resources.as_slice())),
            false,
        );
        let deny_index = RuleIndex::build(
            denies
                .iter()
                .enumerate()
                .map(|(i, d)| (i as u32, d.actions.as_slice(), d.resources.as_slice())),
            true,
        );
        let binding_index = BindingIndex::build(&bindings);
        Some(Policy {
            roles,
            perms,
            bindings,
            denies,
            sods,
            allow_index,
            deny_index,
            binding_index,
        })
    }

    /// Depth-first search for inheritance cycles; reports each cycle once.
    fn check_cycles(&mut self, roles: &[Role], parent_at: &[Vec<SourceLocation>]) -> bool {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        let mut mark = vec![Mark::New; roles.len()];
        let mut ok = true;
        for start in 0..roles.len() {
            if mark[start] != Mark::New {
                continue;
            }
            // Iterative DFS: (role, next parent to visit).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            mark[start] = Mark::Active;
            while let Some(&mut (r, ref mut next)) = stack.last_mut() {
                if *next < roles[r].parents.len() {
                    let edge = *next;
                    *next += 1;
                    let p = roles[r].parents[edge] as usize;
                    match mark[p] {
                        Mark::New => {
                            mark[p] = Mark::Active;
                            stack.push((p, 0));
                        }
                        Mark::Active => {
                            ok = false;
                            let pos = stack.iter().position(|(x, _)| *x == p).unwrap_or(0);
                            let mut names: Vec<&str> = stack[pos..]
                                .iter()
                                .map(|(x, _)| roles[*x].id.as_str())
                                .collect();
                            names.push(&roles[p].id);
                            self.error(
                                parent_at[r][edge].clone(),
                                PolicyErrorKind::Cycle(names.join(" -> ")),
                            );
                        }
                        Mark::Done => {}
                    }
                } else {
                    mark[r] = Mark::Done;
                    stack.pop();
                }
            }
        }
        ok
    }

    fn check_sod(
        &mut self,
        roles: &[Role],
        bindings: &[Binding],
        sods: &[Sod],
        binding_roles_at: &HashMap<String, SourceLocation>,
    ) {
        for sod in sods {
            let conflict = |set: &HashSet<u32>| -> Option<(u32, u32)> {
                let mut held = sod.roles.iter().filter(|r| set.contains(r));
                match (held.next(), held.next()) {
                    (Some(&a), Some(&b)) => Some((a, b)),
                    _ => None,
                }
            };
            for role in roles {
                let set: HashSet<u32> = role.closure.iter().copied().collect();
                if let Some((a, b)) = conflict(&set) {
                    self.error(
                        role.at.clone(),
                        PolicyErrorKind::SeparationOfDuty {
                            rule: sod.id.clone(),
                            holder: format!("role `{}`", role.id),
                            a: roles[a as usize].id.clone(),
                            b: roles[b as usize].id.clone(),
                        },
                    );
                }
            }
            for b in bindings {
                let set: HashSet<u32> = b
                    .roles
                    .iter()
                    .flat_map(|&r| roles[r as usize].closure.iter().copied())
                    .collect();
                // Conflicts inside one role were reported above.
                if b.roles.len() < 2
                    || b.roles.iter().any(|&r| {
                        let s: HashSet<u32> = roles[r as usize].closure.iter().copied().collect();
                        conflict(&s).is_some()
                    })
                {
                    continue;
                }
                if let Some((x, y)) = conflict(&set) {
                    self.error(
                        binding_roles_at
                            .get(&b.id)
                            .cloned()
                            .unwrap_or_else(|| b.at.clone()),
                        PolicyErrorKind::SeparationOfDuty {
                            rule: sod.id.clone(),
                            holder: format!("binding `{}`", b.id),
                            a: roles[x as usize].id.clone(),
                            b: roles[y as usize].id.clone(),
                        },
                    );
                }
            }
        }
    }

    /// Warnings: unreachable roles, permissions a deny always overrides.
    fn lint(&mut self, roles: &[Role], perms: &[Perm], bindings: &[Binding], denies: &[Deny]) {
        let mut reachable = vec![false; roles.len()];
        for b in bindings {
            for &r in &b.roles {
                for &c in &roles[r as usize].closure {
                    reachable[c as usize] = true;
                }
            }
        }
        for (i, role) in roles.iter().enumerate() {
            if !reachable[i] && !role.perms.is_empty() {
                self.warn(
                    role.at.clone(),
                    format!(
                        "role `{}` is given by no binding (directly or by inheritance): its permissions never apply",
                        role.id
                    ),
                );
            }
        }
        for p in perms {
            for d in denies {
                let everyone = d.subject.is_none() && d.conds.is_empty();
                let by_role = d.roles.as_ref().is_none_or(|rs| rs.contains(&p.role));
                if !(everyone && by_role) {
                    continue;
                }
                let actions = p
                    .actions
                    .iter()
                    .all(|a| d.actions.iter().any(|da| a.covered_by(da)));
                let resources = p
                    .resources
                    .iter()
                    .all(|r| d.resources.iter().any(|dr| r.covered_by(dr)));
                if actions && resources && !p.actions.is_empty() && !p.resources.is_empty() {
                    self.warn(
                        p.at.clone(),
                        format!(
                            "permission `{}` is shadowed by deny rule `{}` ({}): it can never allow",
                            p.id, d.id, d.at
                        ),
                    );
                    break;
                }
            }
        }
    }
}
