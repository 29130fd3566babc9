//! The policy language as written: the YAML documents, before validation.
//!
//! These types only describe shape (unknown keys are errors); meaning is checked by the
//! [loader](super::loader), which turns them into a compiled [`Policy`](super::Policy). Every
//! value that validation may complain about keeps its source location ([`Spanned`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

/// One policy file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDoc {
    /// The language version; only `1` exists.
    #[serde(default)]
    pub version: Option<Spanned<u32>>,
    /// Free text for readers.
    #[serde(default)]
    pub description: Option<String>,
    /// Roles and their permissions.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub roles: Vec<RoleDoc>,
    /// Who gets which roles.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub bindings: Vec<BindingDoc>,
    /// Explicit deny rules, which override any allow.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub deny: Vec<DenyDoc>,
    /// Roles one subject may not hold together.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub separation_of_duty: Vec<SodDoc>,
}

/// A role: permissions, and the roles whose permissions it inherits.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDoc {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Roles whose permissions this role also gets.
    #[serde(default)]
    pub inherits: Option<Spanned<Strings>>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub permissions: Vec<PermissionDoc>,
}

/// An allow rule held by a role.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionDoc {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Action patterns (`cert.issue`, `seal.*`).
    pub actions: Spanned<Strings>,
    /// Resource patterns (`dept/${subject.department}/seal/*`).
    pub resources: Spanned<Strings>,
    /// Conditions that must all hold.
    #[serde(default)]
    pub when: Option<Spanned<ConditionsDoc>>,
}

/// Gives roles to subjects matched by attributes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingDoc {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Attribute -> accepted value(s); all attributes must match.
    pub subject: Spanned<BTreeMap<String, Spanned<Strings>>>,
    /// Roles given.
    pub roles: Spanned<Strings>,
    /// A department: the roles apply only under `dept/<scope>/`. `${subject.department}`
    /// means the subject's own department.
    #[serde(default)]
    pub scope: Option<Spanned<String>>,
    /// A clearance the binding assigns to the subject.
    #[serde(default)]
    pub clearance: Option<Spanned<String>>,
}

/// An explicit deny.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenyDoc {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub actions: Spanned<Strings>,
    pub resources: Spanned<Strings>,
    /// Applies only to holders of one of these roles.
    #[serde(default)]
    pub roles: Option<Spanned<Strings>>,
    /// Applies only to subjects with these attributes.
    #[serde(default)]
    pub subject: Option<Spanned<BTreeMap<String, Spanned<Strings>>>>,
    /// Applies only when these conditions hold (or cannot be evaluated).
    #[serde(default)]
    pub when: Option<Spanned<ConditionsDoc>>,
}

/// Static separation of duty: no subject may hold two of these roles.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SodDoc {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub roles: Spanned<Strings>,
}

/// Conditions; all present ones must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionsDoc {
    /// The request's `domain` is one of these.
    #[serde(default)]
    pub domain: Option<Spanned<Strings>>,
    /// The request's `time` is inside this window.
    #[serde(default)]
    pub time: Option<Spanned<TimeDoc>>,
    /// The resource's `level` is inside these bounds.
    #[serde(default)]
    pub level: Option<Spanned<LevelDoc>>,
    /// The subject's clearance is at least the resource's `level`.
    #[serde(default)]
    pub clearance_covers_level: Option<Spanned<bool>>,
    /// The subject's clearance is at least this level.
    #[serde(default)]
    pub clearance_at_least: Option<Spanned<String>>,
    /// Subject attribute -> accepted value(s).
    #[serde(default)]
    pub subject: Option<Spanned<BTreeMap<String, Spanned<Strings>>>>,
    /// Context key -> accepted value(s).
    #[serde(default)]
    pub context: Option<Spanned<BTreeMap<String, Spanned<Strings>>>>,
}

/// A time window.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeDoc {
    /// IANA name (`Asia/Shanghai`) or fixed offset (`+08:00`).
    pub zone: Spanned<String>,
    /// `HH:MM` or `HH:MM:SS`, included.
    #[serde(default)]
    pub from: Option<Spanned<String>>,
    /// `HH:MM` or `HH:MM:SS` (`24:00` allowed), excluded; before `from` means across midnight.
    #[serde(default)]
    pub to: Option<Spanned<String>>,
    /// Weekdays of the local date (`mon`..`sun`, `周一`..`周日`).
    #[serde(default)]
    pub days: Option<Spanned<Strings>>,
}

/// Bounds on the resource's classification level.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelDoc {
    #[serde(default)]
    pub at_least: Option<Spanned<String>>,
    #[serde(default)]
    pub at_most: Option<Spanned<String>>,
}

/// The YAML reading options for policy and test files: YAML 1.2 booleans only (`yes`, `no`,
/// `on`, `y` stay text), numbers with leading zeros or underscores stay text, no snippets in
/// messages (the loader prefixes `file:line:column` itself). The parser's default budget stays
/// on: it bounds alias expansion and nesting in hostile input.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    // Comments are never read back; not collecting them makes parsing a little faster.
    options.emit_comments = false;
    options
}

/// A parser message made for users of this tool: the parser's advice to its own programmers
/// (`set DuplicateKeyPolicy in Options`) is dropped.
pub(crate) fn clean_message(message: &str) -> String {
    message
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        .trim()
        .to_string()
}

/// One string or a list of strings, each with its location when known.
#[derive(Debug, Clone, Default)]
pub struct Strings(pub Vec<Spanned<String>>);

impl Strings {
    /// The values without locations.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|s| s.value.as_str())
    }
}

/// An empty key (`deny:` with every rule commented out) means an empty list.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Vec<T>>::deserialize(deserializer).map(Option::unwrap_or_default)
}

fn unspanned(value: String) -> Spanned<String> {
    Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN)
}

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strings;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Strings, E> {
                Ok(Strings(vec![unspanned(v.to_string())]))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Strings, E> {
                Ok(Strings(vec![unspanned(v)]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Strings, E> {
                Ok(Strings(vec![unspanned(v.to_string())]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Strings, E> {
                Err(E::custom(format!(
                    "`{v}` is read as a boolean here; write it in quotes to mean text"
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Strings, E> {
                Err(E::custom(format!(
                    "`{v}` is read as a number here; write it in quotes to mean text"
                )))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Strings, E> {
                Ok(Strings(vec![unspanned(v.to_string())]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strings, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<ScalarString>>()? {
                    out.push(Spanned::new(item.value.0, item.referenced, item.defined));
                }
                Ok(Strings(out))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A scalar read as text (numbers keep their spelling as far as the parser gives it).
struct ScalarString(String);

impl<'de> Deserialize<'de> for ScalarString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(ScalarString)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(y: &str) -> Result<PolicyDoc, serde_saphyr::Error> {
        serde_saphyr::from_str_with_options(y, yaml_options())
    }

    #[test]
    fn scalars_stay_text_or_are_refused() {
        let doc = parse(
            "bindings:\n  - id: b\n    subject: {cn: y, serial: 0012, n: 42}\n    roles: on\n",
        )
        .unwrap();
        let m = &doc.bindings[0].subject.value;
        assert_eq!(m["cn"].value.0[0].value, "y");
        assert_eq!(m["serial"].value.0[0].value, "0012");
        assert_eq!(m["n"].value.0[0].value, "42");
        assert_eq!(doc.bindings[0].roles.value.0[0].value, "on");
        let err =
            parse("bindings:\n  - id: b\n    subject: {v: 1.10}\n    roles: x\n").unwrap_err();
        assert!(err.to_string().contains("in quotes"), "{err}");
        let err =
            parse("bindings:\n  - id: b\n    subject: {v: true}\n    roles: x\n").unwrap_err();
        assert!(err.to_string().contains("in quotes"), "{err}");
    }

    #[test]
    fn strings_keep_item_locations() {
        let doc =
            parse("roles:\n  - id: a\n    inherits: [b, c]\n  - id: b\n    inherits: x\n").unwrap();
        let inh = doc.roles[0].inherits.as_ref().unwrap();
        assert_eq!(inh.value.0[1].value, "c");
        assert_eq!(inh.value.0[1].referenced.line(), 3);
        assert_eq!(inh.value.0[1].referenced.column(), 19);
        let single = doc.roles[1].inherits.as_ref().unwrap();
        assert_eq!(single.value.0[0].value, "x");
        assert_eq!(single.referenced.line(), 5);
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = parse("roles:\n  - id: a\n    inherit: [b]\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `inherit`"), "{err}");
        let err = parse("rolez: []\n").unwrap_err();
        assert!(err.to_string().contains("rolez"), "{err}");
    }

    #[test]
    fn empty_sections_are_empty_lists() {
        let doc = parse("roles:\ndeny:\nbindings: []\n").unwrap();
        assert!(doc.roles.is_empty() && doc.deny.is_empty());
    }

    #[test]
    fn wrong_shapes_are_errors() {
        assert!(parse("roles:\n  - id: a\n    inherits: {x: 1}\n").is_err());
        assert!(parse("roles: 3\n").is_err());
    }
}
