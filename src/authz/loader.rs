//! YAML texts -> a validated, compiled [`Policy`].
//!
//! Collects every error it can find (not just the first), each with `file:line:column`, and
//! warnings for rules that are legal but cannot do anything. Reads no files itself.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::tz::TimeZoneDatabase;
use serde_saphyr::{Location, Spanned};

use super::cond::{Cond, Domain, Level, TimeWindow};
use super::eval::{
    Binding, BindingIndex, Deny, Matcher, Perm, Policy, Role, RuleIndex, Scope, Sod,
};
use super::model::{
    BindingDoc, ConditionsDoc, DenyDoc, PolicyDoc, Strings, clean_message, yaml_options,
};
use super::pattern::{Pattern, PatternKind};
use super::request::normalize_value;
use super::{LoadErrors, PolicyError, PolicyErrorKind, SourceLocation, Warning};

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

/// Parses every source, in two threads when there is enough text to be worth it (YAML parsing
/// is most of the cost of loading a large policy). Results keep the order of `sources`.
fn parse_all(sources: &[(PathBuf, String)]) -> Vec<Parsed> {
    let total: usize = sources.iter().map(|(_, t)| t.len()).sum();
    if sources.len() < 2 || total < PARALLEL_PARSE_BYTES {
        return sources.iter().map(|(p, t)| parse_file(p, t)).collect();
    }
    // Split where half of the text has been seen.
    let mut seen = 0;
    let cut = sources
        .iter()
        .position(|(_, t)| {
            seen += t.len();
            seen * 2 >= total
        })
        .map_or(1, |i| (i + 1).clamp(1, sources.len() - 1));
    let (first, second) = sources.split_at(cut);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| {
            second
                .iter()
                .map(|(p, t)| parse_file(p, t))
                .collect::<Vec<_>>()
        });
        let mut out: Vec<_> = first.iter().map(|(p, t)| parse_file(p, t)).collect();
        match other.join() {
            Ok(rest) => out.extend(rest),
            // A panic in the parser thread: parse those files here so it surfaces as usual.
            Err(_) => out.extend(second.iter().map(|(p, t)| parse_file(p, t))),
        }
        out
    })
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

    fn patterns(
        &mut self,
        file: &Arc<Path>,
        list: &Spanned<Strings>,
        kind: PatternKind,
    ) -> Vec<Pattern> {
        let what = match kind {
            PatternKind::Action => "action",
            PatternKind::Resource => "resource",
        };
        if list.value.0.is_empty() {
            self.error(
                at(file, &list.referenced),
                PolicyErrorKind::Invalid(format!("empty {what} list: the rule could never match")),
            );
        }
        let mut out = Vec::new();
        for item in &list.value.0 {
            match Pattern::parse(&item.value, kind) {
                Ok(p) => out.push(p),
                Err(why) => self.error(
                    item_at(file, list, item),
                    PolicyErrorKind::Pattern {
                        what,
                        pattern: item.value.clone(),
                        why,
                    },
                ),
            }
        }
        out
    }

    fn matcher(
        &mut self,
        file: &Arc<Path>,
        map: &BTreeMap<String, Spanned<Strings>>,
        rule: &str,
    ) -> Matcher {
        let mut out = Vec::new();
        for (key, values) in map {
            if key.is_empty() {
                self.error(
                    at(file, &values.referenced),
                    PolicyErrorKind::Invalid("empty attribute name".into()),
                );
                continue;
            }
            if values.value.0.is_empty() {
                self.warn(
                    at(file, &values.referenced),
                    format!("`{rule}`: `{key}` accepts no value, so this can never match"),
                );
            }
            let vals: Vec<String> = values
                .value
                .values()
                .map(|v| normalize_value(key, v))
                .collect();
            out.push((key.clone(), vals));
        }
        out
    }

    fn level(&mut self, file: &Arc<Path>, s: &Spanned<String>) -> Option<Level> {
        let l = Level::parse(&s.value);
        if l.is_none() {
            self.error(
                at(file, &s.referenced),
                PolicyErrorKind::Level(s.value.clone()),
            );
        }
        l
    }

    fn conditions(
        &mut self,
        file: &Arc<Path>,
        when: Option<&Spanned<ConditionsDoc>>,
        tz: &TimeZoneDatabase,
        rule: &str,
    ) -> Vec<Cond> {
        let Some(when) = when else {
            return Vec::new();
        };
        let loc = at(file, &when.referenced);
        let ConditionsDoc {
            domain,
            time,
            level,
            clearance_covers_level,
            clearance_at_least,
            subject,
            context,
        } = &when.value;
        let mut out = Vec::new();
        if let Some(list) = domain {
            let mut ds = Vec::new();
            for d in &list.value.0 {
                match Domain::parse(&d.value) {
                    Some(x) => ds.push(x),
                    None => self.error(
                        item_at(file, list, d),
                        PolicyErrorKind::Domain(d.value.clone()),
                    ),
                }
            }
            if list.value.0.is_empty() {
                self.warn(
                    at(file, &list.referenced),
                    format!("`{rule}`: an empty domain list can never match"),
                );
            }
            out.push(Cond::Domain(ds));
        }
        if let Some(t) = time {
            let days: Option<Vec<String>> = t
                .value
                .days
                .as_ref()
                .map(|d| d.value.values().map(str::to_string).collect());
            match TimeWindow::new(
                &t.value.zone.value,
                tz,
                t.value.from.as_ref().map(|s| s.value.as_str()),
                t.value.to.as_ref().map(|s| s.value.as_str()),
                days.as_deref(),
            ) {
                Ok(w) => {
                    if w.is_never() {
                        self.warn(
                            at(file, &t.referenced),
                            format!("`{rule}`: a time window on no weekday can never match"),
                        );
                    }
                    out.push(Cond::Time(w));
                }
                Err(e) => {
                    // Point at the offending field where we can.
                    let field = match &e {
                        super::TimeError::Zone(_) => Some(&t.value.zone),
                        super::TimeError::Clock(v) => [&t.value.from, &t.value.to]
                            .into_iter()
                            .flatten()
                            .find(|s| &s.value == v),
                        _ => None,
                    };
                    let loc =
                        field.map_or_else(|| at(file, &t.referenced), |f| at(file, &f.referenced));
                    self.error(loc, PolicyErrorKind::Time(e));
                }
            }
        }
        if let Some(l) = level {
            let at_least = l.value.at_least.as_ref().and_then(|s| self.level(file, s));
            let at_most = l.value.at_most.as_ref().and_then(|s| self.level(file, s));
            if l.value.at_least.is_none() && l.value.at_most.is_none() {
                self.error(
                    at(file, &l.referenced),
                    PolicyErrorKind::Invalid("`level` needs `at_least` or `at_most`".into()),
                );
            }
            if let (Some(a), Some(b)) = (at_least, at_most)
                && a > b
            {
                self.warn(
                    at(file, &l.referenced),
                    format!(
                        "`{rule}`: level at least `{}` and at most `{}` can never match",
                        a.name(),
                        b.name()
                    ),
                );
            }
            out.push(Cond::Level { at_least, at_most });
        }
        if let Some(c) = clearance_covers_level
            && c.value
        {
            out.push(Cond::ClearanceCoversLevel);
        }
        if let Some(c) = clearance_at_least
            && let Some(l) = self.level(file, c)
        {
            out.push(Cond::ClearanceAtLeast(l));
        }
        if let Some(s) = subject {
            for (key, values) in self.matcher(file, &s.value, rule) {
                out.push(Cond::Subject { key, values });
            }
        }
        if let Some(c) = context {
            for (key, values) in self.matcher(file, &c.value, rule) {
                if matches!(key.as_str(), "domain" | "level" | "time") {
                    self.warn(
                        loc.clone(),
                        format!(
                            "`{rule}`: `context: {{{key}: ...}}` compares text; use the `{key}` condition instead"
                        ),
                    );
                }
                out.push(Cond::Context { key, values });
            }
        }
        out
    }

    fn roles_list(
        &mut self,
        file: &Arc<Path>,
        list: &Spanned<Strings>,
        role_index: &HashMap<String, u32>,
    ) -> Vec<u32> {
        let mut out = Vec::new();
        for r in &list.value.0 {
            match role_index.get(&r.value) {
                Some(&i) => {
                    if !out.contains(&i) {
                        out.push(i);
                    }
                }
                None => self.error(
                    item_at(file, list, r),
                    PolicyErrorKind::UnknownRole(r.value.clone()),
                ),
            }
        }
        out
    }

    fn binding(
        &mut self,
        file: &Arc<Path>,
        b: &BindingDoc,
        role_index: &HashMap<String, u32>,
    ) -> Option<Binding> {
        let BindingDoc {
            id,
            description: _,
            subject,
            roles,
            scope,
            clearance,
        } = b;
        if subject.value.is_empty() {
            self.error(
                at(file, &subject.referenced),
                PolicyErrorKind::Invalid(
                    "a binding must match at least one subject attribute".into(),
                ),
            );
            return None;
        }
        let matcher = self.matcher(file, &subject.value, &id.value);
        let role_ids = self.roles_list(file, roles, role_index);
        if roles.value.0.is_empty() {
            self.error(
                at(file, &roles.referenced),
                PolicyErrorKind::Invalid("a binding must give at least one role".into()),
            );
        }
        let scope = match scope {
            None => None,
            Some(s) if s.value == "${subject.department}" => Some(Scope::OwnDepartment),
            Some(s) => {
                let v = s.value.trim();
                if v.is_empty() || v.contains('/') || v.contains('*') || v.contains("${") {
                    self.error(
                        at(file, &s.referenced),
                        PolicyErrorKind::Invalid(format!(
                            "scope `{}` is not a department name (or `${{subject.department}}`)",
                            s.value
                        )),
                    );
                    None
                } else {
                    Some(Scope::Fixed(v.to_string()))
                }
            }
        };
        let clearance = clearance.as_ref().and_then(|c| self.level(file, c));
        Some(Binding {
            id: id.value.clone(),
            at: at(file, &id.referenced),
            matcher,
            roles: role_ids,
            scope,
            clearance,
        })
    }

    fn deny(
        &mut self,
        file: &Arc<Path>,
        d: &DenyDoc,
        role_index: &HashMap<String, u32>,
        tz: &TimeZoneDatabase,
    ) -> Deny {
        let DenyDoc {
            id,
            description: _,
            actions,
            resources,
            roles,
            subject,
            when,
        } = d;
        let actions = self.patterns(file, actions, PatternKind::Action);
        let resources = self.patterns(file, resources, PatternKind::Resource);
        let roles = roles.as_ref().map(|r| {
            if r.value.0.is_empty() {
                self.warn(
                    at(file, &r.referenced),
                    format!(
                        "`{}`: an empty role list means the rule applies to nobody",
                        id.value
                    ),
                );
            }
            self.roles_list(file, r, role_index)
        });
        let subject = subject.as_ref().map(|s| {
            if s.value.is_empty() {
                self.warn(
                    at(file, &s.referenced),
                    format!("`{}`: an empty subject map matches every subject", id.value),
                );
            }
            self.matcher(file, &s.value, &id.value)
        });
        let conds = self.conditions(file, when.as_ref(), tz, &id.value);
        Deny {
            id: id.value.clone(),
            at: at(file, &id.referenced),
            actions,
            resources,
            roles,
            subject,
            conds,
        }
    }
}
