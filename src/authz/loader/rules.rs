//! The compiling of one rule's parts: patterns, subject matchers, levels, conditions, bindings
//! and deny rules (the checks of [`super::Cx`] below the level of a whole policy).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use jiff::tz::TimeZoneDatabase;
use serde_saphyr::Spanned;

use super::super::PolicyErrorKind;
use super::super::cond::{Cond, Domain, Level, TimeWindow};
use super::super::eval::{Binding, Deny, Matcher, Scope};
use super::super::model::{BindingDoc, ConditionsDoc, DenyDoc, Strings};
use super::super::pattern::{Pattern, PatternKind};
use super::super::request::normalize_value;

use super::{Cx, at, item_at};

impl Cx {
    pub(super) fn patterns(
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

    pub(super) fn matcher(
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

    pub(super) fn level(&mut self, file: &Arc<Path>, s: &Spanned<String>) -> Option<Level> {
        let l = Level::parse(&s.value);
        if l.is_none() {
            self.error(
                at(file, &s.referenced),
                PolicyErrorKind::Level(s.value.clone()),
            );
        }
        l
    }

    pub(super) fn conditions(
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
                        super::super::TimeError::Zone(_) => Some(&t.value.zone),
                        super::super::TimeError::Clock(v) => [&t.value.from, &t.value.to]
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

    pub(super) fn roles_list(
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

    pub(super) fn binding(
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

    pub(super) fn deny(
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
