//! Action and resource patterns, and the index that finds the rules whose patterns may match a
//! request without scanning every rule.
//!
//! A pattern is split into segments by its separator (`.` for actions, `/` for resources).
//! `*` matches any run of characters inside one segment, except as the pattern's last
//! character, where it matches any suffix, separators included: `dept/*` matches `dept/a/b`
//! but not `dept`. `**` is refused. Resource patterns may hold `${subject.ATTR}`, replaced by the
//! subject's single value of that attribute; the value is matched literally and must not
//! contain the separator. A subject without such a value (none, several, or one with the
//! separator) makes an allow pattern match nothing and a deny pattern match every resource
//! (DESIGN.md §5, fail closed).

use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Subject;

/// Which kind of pattern, and so which separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatternKind {
    Action,
    Resource,
}

impl PatternKind {
    pub(crate) fn sep(self) -> char {
        match self {
            PatternKind::Action => '.',
            PatternKind::Resource => '/',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Lit(String),
    /// `*` inside the pattern: any run of non-separator characters.
    Star,
    /// `${subject.ATTR}`.
    Var(String),
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    text: String,
    tokens: Vec<Token>,
    /// The pattern ended in `*`: whatever follows the tokens matches.
    any_suffix: bool,
    sep: char,
}

/// How a `${subject.ATTR}` that cannot be resolved is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// The pattern does not match (allow rules: grant nothing).
    NoMatch,
    /// The variable matches any single segment (explanations: would some value match?).
    Wildcard,
    /// The whole pattern matches every resource (deny rules: fail closed, DESIGN.md §5).
    Everything,
}

/// The result of resolving a variable against a subject.
fn resolve<'s>(subject: &'s Subject, attr: &str, sep: char) -> Option<&'s str> {
    match subject.get(attr) {
        // A value that could never stand as one well-formed segment (`.`, `..`: resources with
        // such segments are refused as malformed) counts as absent, so that a deny pattern
        // built from it still applies (fail closed) instead of matching nothing.
        [one] if !one.is_empty() && !one.contains(sep) && one != "." && one != ".." => {
            Some(one.as_str())
        }
        _ => None,
    }
}

impl Pattern {
    /// Compiles a pattern, or says why it is malformed.
    pub(crate) fn parse(text: &str, kind: PatternKind) -> Result<Pattern, String> {
        let sep = kind.sep();
        if text.is_empty() {
            return Err("empty pattern".into());
        }
        if text.contains("**") {
            return Err(
                "`**` is not supported: `*` as the last character already matches any suffix"
                    .into(),
            );
        }
        if text.chars().any(char::is_control) {
            return Err("control character in pattern".into());
        }
        let mut body = text;
        let mut any_suffix = false;
        if let Some(stripped) = body.strip_suffix('*') {
            any_suffix = true;
            body = stripped;
        }
        let mut tokens = Vec::new();
        let mut lit = String::new();
        let mut rest = body;
        while let Some(c) = rest.chars().next() {
            if c == '*' {
                if !lit.is_empty() {
                    tokens.push(Token::Lit(std::mem::take(&mut lit)));
                }
                tokens.push(Token::Star);
                rest = &rest[1..];
            } else if let Some(after) = rest.strip_prefix("${") {
                let Some(end) = after.find('}') else {
                    return Err("unterminated `${`".into());
                };
                let name = &after[..end];
                let Some(attr) = name.strip_prefix("subject.") else {
                    return Err(format!(
                        "unsupported variable `${{{name}}}`: only `${{subject.ATTRIBUTE}}` is known"
                    ));
                };
                if attr.is_empty() || !attr.chars().all(is_attr_char) {
                    return Err(format!("bad attribute name in `${{{name}}}`"));
                }
                if kind == PatternKind::Action {
                    return Err("variables are allowed in resources only".into());
                }
                if !lit.is_empty() {
                    tokens.push(Token::Lit(std::mem::take(&mut lit)));
                }
                tokens.push(Token::Var(attr.to_string()));
                rest = &after[end + 1..];
            } else {
                lit.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        if !lit.is_empty() {
            tokens.push(Token::Lit(lit));
        }
        let segs: Vec<&str> = body.split(sep).collect();
        let last = segs.len() - 1;
        // The last segment may be empty only when the trailing `*` fills it (`dept/*`, `*`).
        if segs
            .iter()
            .enumerate()
            .any(|(i, s)| s.is_empty() && !(any_suffix && i == last))
        {
            return Err(format!(
                "empty segment (`{sep}{sep}`, or a leading or trailing `{sep}`)"
            ));
        }
        let pattern = Pattern {
            text: text.to_string(),
            tokens,
            any_suffix,
            sep,
        };
        Ok(pattern)
    }

    /// The source text.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The literal text before the first wildcard or variable.
    pub(crate) fn literal_prefix(&self) -> String {
        match self.tokens.first() {
            Some(Token::Lit(l)) => l.clone(),
            _ => String::new(),
        }
    }

    /// Whether every string this pattern matches is also matched by `other`, as far as a cheap
    /// check can tell (`false` when unsure). Used for "shadowed by a deny" warnings.
    pub(crate) fn covered_by(&self, other: &Pattern) -> bool {
        if self.text == other.text {
            return true;
        }
        if other.any_suffix && other.tokens.iter().all(|t| matches!(t, Token::Lit(_))) {
            // `other` matches exactly the strings that start with its literal prefix, and
            // everything `self` matches starts with `self`'s literal prefix.
            return self.literal_prefix().starts_with(&other.literal_prefix());
        }
        false
    }

    /// Matches an action (no variables).
    pub(crate) fn matches_plain(&self, input: &str) -> bool {
        match_tokens(
            &self.tokens,
            input,
            self.any_suffix,
            self.sep,
            &|_| VarValue::Unknown,
            Unresolved::NoMatch,
        )
    }

    /// Matches a resource, resolving `${subject.ATTR}` against the subject.
    pub(crate) fn matches(&self, input: &str, subject: &Subject, unresolved: Unresolved) -> bool {
        let sep = self.sep;
        if unresolved == Unresolved::Everything {
            if self.has_unresolved_vars(subject) {
                return true;
            }
            // Every variable has its value: `unresolved` no longer matters.
            return match_tokens(
                &self.tokens,
                input,
                self.any_suffix,
                sep,
                &|attr| match resolve(subject, attr, sep) {
                    Some(v) => VarValue::Known(v),
                    None => VarValue::Unknown,
                },
                Unresolved::NoMatch,
            );
        }
        match_tokens(
            &self.tokens,
            input,
            self.any_suffix,
            sep,
            &|attr| match resolve(subject, attr, sep) {
                Some(v) => VarValue::Known(v),
                None => VarValue::Unknown,
            },
            unresolved,
        )
    }

    /// Whether the pattern holds a `${subject.ATTR}`.
    pub(crate) fn has_vars(&self) -> bool {
        self.tokens.iter().any(|t| matches!(t, Token::Var(_)))
    }

    fn has_unresolved_vars(&self, subject: &Subject) -> bool {
        self.tokens
            .iter()
            .any(|t| matches!(t, Token::Var(a) if resolve(subject, a, self.sep).is_none()))
    }

    /// The names of the variables this pattern needs that the subject cannot supply.
    pub(crate) fn unresolved_vars(&self, subject: &Subject) -> Vec<String> {
        self.tokens
            .iter()
            .filter_map(|t| match t {
                Token::Var(a) if resolve(subject, a, self.sep).is_none() => Some(a.clone()),
                _ => None,
            })
            .collect()
    }

    /// The index path: one key per segment before the trailing-suffix segment.
    fn index_path(&self) -> (Vec<IndexSeg>, bool) {
        // Re-tokenise per segment: a segment is literal when it has no `*` and no variable.
        let body = if self.any_suffix {
            &self.text[..self.text.len() - 1]
        } else {
            &self.text[..]
        };
        let segs: Vec<&str> = body.split(self.sep).collect();
        let mut out = Vec::with_capacity(segs.len());
        let last = segs.len() - 1;
        for (i, seg) in segs.iter().enumerate() {
            if i == last && self.any_suffix {
                // The trailing `*` reaches across separators from inside this segment, so the
                // rule is a candidate for any request that reaches this node.
                return (out, true);
            }
            if seg.contains('*') || seg.contains("${") {
                out.push(IndexSeg::Wild);
            } else {
                out.push(IndexSeg::Lit(seg.to_string()));
            }
        }
        (out, false)
    }
}

/// In a compiled-policy cache entry a pattern is its kind and text, compiled again when read:
/// the tokens then agree with the text by construction, whatever the entry holds.
impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let action = self.sep == PatternKind::Action.sep();
        (action, &self.text).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (action, text) = <(bool, &str)>::deserialize(d)?;
        let kind = if action {
            PatternKind::Action
        } else {
            PatternKind::Resource
        };
        Pattern::parse(text, kind).map_err(serde::de::Error::custom)
    }
}

fn is_attr_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || c == '.'
}

enum VarValue<'a> {
    Known(&'a str),
    Unknown,
}

/// Matches tokens against input in O(tokens x input) time: the classic wildcard algorithm that,
/// on a mismatch, lets only the most recent `*` take one more character. That is enough here
/// because `*` never crosses a separator: an earlier `*` could only move the later text within
/// the same segments, which the most recent `*` already tries.
fn match_tokens<'v>(
    tokens: &[Token],
    input: &str,
    any_suffix: bool,
    sep: char,
    var: &dyn Fn(&str) -> VarValue<'v>,
    unresolved: Unresolved,
) -> bool {
    let mut t = 0usize;
    let mut pos = 0usize;
    // (token after the most recent star, input position where that star's match ends)
    let mut star: Option<(usize, usize)> = None;
    loop {
        let advanced = match tokens.get(t) {
            Some(Token::Lit(l)) => {
                if input[pos..].starts_with(l.as_str()) {
                    pos += l.len();
                    t += 1;
                    true
                } else {
                    false
                }
            }
            Some(Token::Var(attr)) => match var(attr) {
                VarValue::Known(v) => {
                    if input[pos..].starts_with(v) {
                        pos += v.len();
                        t += 1;
                        true
                    } else {
                        false
                    }
                }
                // No value: the rule cannot match on any path.
                VarValue::Unknown if unresolved == Unresolved::NoMatch => return false,
                // Fail closed: an unknown value could be anything inside one segment.
                VarValue::Unknown => {
                    t += 1;
                    star = Some((t, pos));
                    true
                }
            },
            Some(Token::Star) => {
                t += 1;
                star = Some((t, pos));
                true
            }
            None => {
                if any_suffix || pos == input.len() {
                    return true;
                }
                false
            }
        };
        if advanced {
            continue;
        }
        // Mismatch: let the most recent star take one more character, within its segment.
        match star {
            Some((after, end)) => match input[end..].chars().next() {
                Some(c) if c != sep => {
                    let end = end + c.len_utf8();
                    star = Some((after, end));
                    t = after;
                    pos = end;
                }
                _ => return false,
            },
            None => return false,
        }
    }
}

/// The obvious recursive matcher (exponential in the worst case): the reference that
/// [`match_tokens`] is tested against.
#[cfg(test)]
fn match_reference<'v>(
    tokens: &[Token],
    input: &str,
    any_suffix: bool,
    sep: char,
    var: &dyn Fn(&str) -> VarValue<'v>,
    unresolved: Unresolved,
) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return any_suffix || input.is_empty();
    };
    match first {
        Token::Lit(l) => match input.strip_prefix(l.as_str()) {
            Some(after) => match_reference(rest, after, any_suffix, sep, var, unresolved),
            None => false,
        },
        Token::Var(attr) => match var(attr) {
            VarValue::Known(v) => match input.strip_prefix(v) {
                Some(after) => match_reference(rest, after, any_suffix, sep, var, unresolved),
                None => false,
            },
            VarValue::Unknown => match unresolved {
                Unresolved::NoMatch => false,
                // The whole pattern matches, whatever the rest of the input.
                Unresolved::Everything => true,
                // Fail closed: an unknown value could be anything inside one segment.
                Unresolved::Wildcard => {
                    star_reference(rest, input, any_suffix, sep, var, unresolved)
                }
            },
        },
        Token::Star => star_reference(rest, input, any_suffix, sep, var, unresolved),
    }
}

#[cfg(test)]
fn star_reference<'v>(
    rest: &[Token],
    input: &str,
    any_suffix: bool,
    sep: char,
    var: &dyn Fn(&str) -> VarValue<'v>,
    unresolved: Unresolved,
) -> bool {
    let limit = input.find(sep).unwrap_or(input.len());
    let mut cut = 0;
    loop {
        if match_reference(rest, &input[cut..], any_suffix, sep, var, unresolved) {
            return true;
        }
        if cut >= limit {
            return false;
        }
        cut += input[cut..].chars().next().map_or(1, char::len_utf8);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum IndexSeg {
    Lit(String),
    Wild,
}

#[derive(Debug, Serialize, Deserialize)]
struct Node<T> {
    lit: HashMap<Box<str>, u32>,
    wild: Option<u32>,
    /// Patterns that end exactly here.
    here: Vec<T>,
    /// Patterns whose trailing `*` starts in the next segment: candidates for any request that
    /// reaches this node.
    suffix: Vec<T>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Node {
            lit: HashMap::new(),
            wild: None,
            here: Vec::new(),
            suffix: Vec::new(),
        }
    }
}

/// A segment trie over patterns: lookup returns a superset of the patterns that match a
/// string (callers confirm each candidate), in time proportional to the string's segments.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Trie<T> {
    nodes: Vec<Node<T>>,
    sep: char,
}

impl<T: Copy> Trie<T> {
    pub(crate) fn new(sep: char) -> Self {
        Trie {
            nodes: vec![Node::default()],
            sep,
        }
    }

    pub(crate) fn insert(&mut self, pattern: &Pattern, item: T) {
        let (path, suffix) = pattern.index_path();
        let mut node = 0usize;
        for seg in path {
            node = match seg {
                IndexSeg::Lit(s) => match self.nodes[node].lit.get(s.as_str()) {
                    Some(&n) => n as usize,
                    None => {
                        let n = self.push();
                        self.nodes[node].lit.insert(s.into_boxed_str(), n as u32);
                        n
                    }
                },
                IndexSeg::Wild => match self.nodes[node].wild {
                    Some(n) => n as usize,
                    None => {
                        let n = self.push();
                        self.nodes[node].wild = Some(n as u32);
                        n
                    }
                },
            };
        }
        if suffix {
            self.nodes[node].suffix.push(item);
        } else {
            self.nodes[node].here.push(item);
        }
    }

    /// Whether the trie is well formed (a root, every child index in range) and every item
    /// passes `item`.
    pub(crate) fn in_range(&self, item: &mut dyn FnMut(&T) -> bool) -> bool {
        let n = self.nodes.len();
        !self.nodes.is_empty()
            && self.nodes.iter().all(|node| {
                node.lit.values().all(|&c| (c as usize) < n)
                    && node.wild.is_none_or(|c| (c as usize) < n)
                    && node.here.iter().all(&mut *item)
                    && node.suffix.iter().all(&mut *item)
            })
    }

    /// Makes `item` a candidate for every input (a deny pattern with a variable, which matches
    /// everything for a subject that lacks the value).
    pub(crate) fn insert_everywhere(&mut self, item: T) {
        self.nodes[0].suffix.push(item);
    }

    fn push(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    /// Calls `f` with every candidate for `input` (possibly more than once).
    pub(crate) fn candidates(&self, input: &str, f: &mut dyn FnMut(T)) {
        let mut active: Vec<u32> = vec![0];
        let mut next: Vec<u32> = Vec::new();
        for seg in input.split(self.sep) {
            for &n in &active {
                let node = &self.nodes[n as usize];
                node.suffix.iter().for_each(|&t| f(t));
                if let Some(&c) = node.lit.get(seg) {
                    next.push(c);
                }
                if let Some(c) = node.wild {
                    next.push(c);
                }
            }
            std::mem::swap(&mut active, &mut next);
            next.clear();
            if active.is_empty() {
                return;
            }
        }
        for &n in &active {
            let node = &self.nodes[n as usize];
            node.suffix.iter().for_each(|&t| f(t));
            node.here.iter().for_each(|&t| f(t));
        }
    }
}

#[cfg(test)]
mod tests;
