//! Retelling the English that the pure layers say (the validator's reasons, the checks' details,
//! the policy's deny reasons, the labels of `cert show` and `crl show`, the common errors) in
//! another language, when the CLI prints it.
//!
//! The pure layers keep their English: it is stable, tested, and what `--json` carries. Every
//! phrase they say that a reader sees is a Fluent message of both catalogues:
//! - `tx-*`: a sentence with variables. Its English text *is* the pattern: `{ $path } already
//!   exists` matches `` `a.pem` already exists `` with `path` = `` `a.pem` ``, and the Chinese
//!   message is rendered with the same variables, each retold in turn (a reason inside a
//!   sentence is translated too).
//! - `term-*`: a whole word or phrase (`keyCompromise` -> 密钥泄露, `intranet` -> 政务内网).
//! - `lbl-*`: a field label (`Subject` in `Subject:   CN=...`); the value after it is retold and
//!   the column of the values is kept, counting a CJK character as two columns.
//!
//! Text that matches nothing is left as it is: a DN, a path or a serial is never changed.
//! Pure and total: no panic on any input; strings are cut only at the boundaries `str` finds.

use std::sync::OnceLock;

use super::{EN_FTL, Lang, Value, tr};

/// One piece of an English pattern: literal text, or a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Var(String),
}

#[derive(Debug)]
struct Pattern {
    id: String,
    parts: Vec<Part>,
    /// The number of literal characters: the more, the more specific; tried first.
    weight: usize,
}

struct Table {
    patterns: Vec<Pattern>,
    /// (English, id) of every `term-*`.
    terms: Vec<(String, String)>,
    /// (English, id) of every `lbl-*`.
    labels: Vec<(String, String)>,
}

/// The ids of the messages in the English catalogue with `prefix`, and the variables each uses.
pub(super) fn ids_with_prefix(prefix: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in EN_FTL.lines() {
        if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
            if let Some((id, _)) = line.split_once('=') {
                out.push((id.trim().to_string(), Vec::new()));
            }
        } else if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((id, vars)) = out.last_mut() else {
            continue;
        };
        if !id.starts_with(prefix) {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find('$') {
            rest = &rest[i + 1..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if !name.is_empty() && !vars.contains(&name) {
                vars.push(name);
            }
        }
    }
    out.retain(|(id, _)| id.starts_with(prefix));
    out
}

// Private-use characters mark the variables in the rendered English pattern.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// The English of `id` cut into literal text and variables.
fn parts_of(id: &str, vars: &[String]) -> Vec<Part> {
    let args: Vec<(&str, Value<'_>)> = vars
        .iter()
        .enumerate()
        .map(|(i, v)| (v.as_str(), Value::from(format!("{OPEN}{i}{CLOSE}"))))
        .collect();
    let text = tr(Lang::En, id, &args);
    let mut parts = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find(OPEN) {
        if start > 0 {
            parts.push(Part::Lit(rest[..start].to_string()));
        }
        let after = &rest[start + OPEN.len_utf8()..];
        let Some(end) = after.find(CLOSE) else { break };
        let index: usize = after[..end].parse().unwrap_or(usize::MAX);
        if let Some(name) = vars.get(index) {
            parts.push(Part::Var(name.clone()));
        }
        rest = &after[end + CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        parts.push(Part::Lit(rest.to_string()));
    }
    parts
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut patterns: Vec<Pattern> = ids_with_prefix("tx-")
            .into_iter()
            .map(|(id, vars)| {
                let parts = parts_of(&id, &vars);
                let weight = parts
                    .iter()
                    .map(|p| match p {
                        Part::Lit(l) => l.chars().count(),
                        Part::Var(_) => 0,
                    })
                    .sum();
                Pattern { id, parts, weight }
            })
            .collect();
        patterns.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.id.cmp(&b.id)));
        let plain = |prefix: &str| -> Vec<(String, String)> {
            ids_with_prefix(prefix)
                .into_iter()
                .map(|(id, _)| (tr(Lang::En, &id, &[]), id))
                .collect()
        };
        Table {
            patterns,
            terms: plain("term-"),
            labels: plain("lbl-"),
        }
    })
}

/// Whether `value` can be a variable's value after `before` (the literal text before it): its
/// parentheses balance (a value never ends inside `(...)`), and a value between backticks holds
/// none (so that `` `a` (x), `b` (y) `` is two items, not one).
fn fits(before: Option<&Part>, value: &str) -> bool {
    let mut depth = 0i32;
    for c in value.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    let quoted = matches!(before, Some(Part::Lit(l)) if l.ends_with('`'));
    depth == 0 && !(quoted && value.contains('`'))
}

/// Matches `text` against `parts` whole; the variables' values on success (each non-empty).
fn matches(parts: &[Part], text: &str, out: &mut Vec<(String, String)>) -> bool {
    matches_after(None, parts, text, out)
}

fn matches_after(
    before: Option<&Part>,
    parts: &[Part],
    text: &str,
    out: &mut Vec<(String, String)>,
) -> bool {
    match parts.split_first() {
        None => text.is_empty(),
        Some((lit_part @ Part::Lit(lit), rest)) => text
            .strip_prefix(lit.as_str())
            .is_some_and(|t| matches_after(Some(lit_part), rest, t, out)),
        Some((var @ Part::Var(name), rest)) => match rest.first() {
            None => {
                if text.is_empty() || !fits(before, text) {
                    return false;
                }
                out.push((name.clone(), text.to_string()));
                true
            }
            Some(Part::Lit(next)) => {
                // The shortest value first, then longer ones (the literal's later occurrences).
                for (i, _) in text.match_indices(next.as_str()) {
                    if !step() {
                        return false;
                    }
                    if i == 0 || !fits(before, &text[..i]) {
                        continue;
                    }
                    let mark = out.len();
                    out.push((name.clone(), text[..i].to_string()));
                    if matches_after(Some(var), rest, &text[i..], out) {
                        return true;
                    }
                    out.truncate(mark);
                }
                false
            }
            // Two variables side by side cannot be told apart (a test forbids them).
            Some(Part::Var(_)) => false,
        },
    }
}

/// From this column on, a label's value is a column of a table (`cert show` has 16).
const COLUMN: usize = 12;

/// Patterns with fewer literal characters than this are glue (see [`phrase`]).
const GLUE: usize = 6;

/// How deep variables are retold inside variables.
const DEPTH: u8 = 4;

/// A line longer than this (in bytes) is printed as it is: retelling is for the tool's own
/// sentences, and a longer line is mostly data (a DN, a path, a list) someone else chose.
const MAX_LINE: usize = 1024;

/// The matching steps one line may take (a pattern tried, a variable's value tried). Past them
/// the line is printed as it is, in English: text chosen by someone else (a DN full of `, ` and
/// `: `) must not make a reviewer's `--lang zh` run take minutes. The tool's own lines take a
/// few thousand.
const BUDGET: u32 = 100_000;

thread_local! {
    static STEPS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Takes one step of the line's budget; false when it is spent.
fn step() -> bool {
    STEPS.with(|s| {
        let left = s.get();
        if left == 0 {
            return false;
        }
        s.set(left - 1);
        true
    })
}

fn spent() -> bool {
    STEPS.with(|s| s.get() == 0)
}

/// Whether `value` is a distinguished name as govpki prints them (`CN=...`, `2.5.4.3=#...`),
/// alone or alone in backticks: a name is data and is never retold, so
/// that `CN=Mallory is revoked` stays a name and two names never print alike.
fn is_name(value: &str) -> bool {
    let v = value.trim();
    // In backticks: the whole value is the quoted text (`` `CN=a` already exists `` is a
    // sentence about a name, and is retold around it).
    let v = match v.strip_prefix('`') {
        Some(rest) => match rest.find('`') {
            Some(end) if end + 1 == rest.len() => &rest[..end],
            _ => return false,
        },
        None => v,
    };
    let Some((ty, _)) = v.split_once('=') else {
        return false;
    };
    !ty.is_empty()
        && ty.len() <= 40
        && ty.starts_with(|c: char| c.is_ascii_alphanumeric())
        && ty
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// `text` (one or more lines) in `lang`: each line the English of a `tx-*`, `term-*` or a
/// `lbl-*: value` is retold; the rest is kept as it is. English is returned unchanged.
pub fn retell(lang: Lang, text: &str) -> String {
    if lang == Lang::En || text.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&retell_line(lang, line));
    }
    out
}

fn retell_line(lang: Lang, line: &str) -> String {
    let body = line.trim_start();
    let indent = &line[..line.len() - body.len()];
    let content = body.trim_end();
    let tail = &body[content.len()..];
    if content.is_empty() || line.len() > MAX_LINE {
        return line.to_string();
    }
    STEPS.with(|s| s.set(BUDGET));
    // A label with a value retold, else the whole line a phrase, else a label alone.
    let retold = labelled(lang, indent, content, true)
        .or_else(|| phrase(lang, content, DEPTH).map(|t| format!("{indent}{t}")))
        .or_else(|| labelled(lang, indent, content, false));
    match retold {
        // A line whose budget ran out mid-way is printed as it is, never half retold.
        Some(_) if spent() => line.to_string(),
        Some(t) => format!("{t}{tail}"),
        None => line.to_string(),
    }
}

/// `Label:   value` with a known label: the label retold, the value retold (or, unless
/// `retold_only`, kept), at the same column.
fn labelled(lang: Lang, indent: &str, content: &str, retold_only: bool) -> Option<String> {
    let (label, rest) = content.split_once(':')?;
    let value = rest.trim_start();
    let gap = rest.len() - value.len();
    let (_, id) = table().labels.iter().find(|(en, _)| en == label)?;
    let name = format!("{}{}", tr(lang, id, &[]), tr(lang, "join", &[]));
    if value.is_empty() {
        return Some(format!("{indent}{name}"));
    }
    let value = match (!is_name(value))
        .then(|| phrase(lang, value, DEPTH))
        .flatten()
    {
        Some(v) => v,
        None if retold_only => return None,
        None => value.to_string(),
    };
    // A column of values (`Subject:        `, `Subject key id: `): at the column the English
    // had, counting CJK as two columns. `deny: reason`: the fullwidth colon is the space.
    let column = label.chars().count() + 1 + gap;
    if gap <= 1 && column < COLUMN {
        return Some(format!("{indent}{name}{value}"));
    }
    Some(format!("{indent}{}{value}", super::pad(&name, column)))
}

/// The phrase `text` (a whole line or a variable's value) in `lang`, when it is a term or a
/// pattern's English; `None` when it is neither.
fn phrase(lang: Lang, text: &str, depth: u8) -> Option<String> {
    direct(lang, text, depth).or_else(|| joined(lang, text, depth))
}

/// `text` as one term or one pattern (its variables retold in turn, `raw*` ones kept).
fn direct(lang: Lang, text: &str, depth: u8) -> Option<String> {
    let t = table();
    if let Some((_, id)) = t.terms.iter().find(|(en, _)| en == text) {
        return Some(tr(lang, id, &[]));
    }
    if is_name(text) {
        return None;
    }
    for p in &t.patterns {
        if !step() {
            return None;
        }
        let mut vars = Vec::new();
        if matches(&p.parts, text, &mut vars) {
            let retold: Vec<Option<String>> = vars
                .iter()
                .map(|(name, value)| {
                    (depth > 0 && !name.starts_with("raw") && !is_name(value))
                        .then(|| phrase(lang, value, depth - 1))
                        .flatten()
                })
                .collect();
            // A pattern of little more than punctuation (`{ $subject } ({ $why })`) is glue: it
            // applies only when it retells something inside, never to change `(` alone.
            if p.weight < GLUE && retold.iter().all(Option::is_none) {
                continue;
            }
            let args: Vec<(&str, Value<'_>)> = vars
                .iter()
                .zip(retold)
                .map(|((name, value), r)| {
                    (
                        name.as_str(),
                        Value::from(r.unwrap_or_else(|| value.clone())),
                    )
                })
                .collect();
            return Some(tr(lang, &p.id, &args));
        }
    }
    None
}

/// `A: B`, `A; B` or `A, B` (a condition and what was found, reasons in a row, a list) when
/// `A` is a term or a pattern and `B` a phrase: each retold, joined by the language's own
/// punctuation. `A` is never split itself, so the work grows with the separators, no faster.
fn joined(lang: Lang, text: &str, depth: u8) -> Option<String> {
    if depth == 0 {
        return None;
    }
    for (sep, id) in [("; ", "join-semi"), (": ", "join"), (", ", "join-list")] {
        for (i, _) in text.match_indices(sep) {
            // `\, ` is a comma inside a name's value, not a list.
            if text[..i].ends_with('\\') || !step() {
                continue;
            }
            let (left, right) = (&text[..i], &text[i + sep.len()..]);
            let Some(l) = direct(lang, left, depth - 1) else {
                continue;
            };
            if let Some(r) = phrase(lang, right, depth - 1) {
                return Some(format!("{l}{}{r}", tr(lang, id, &[])));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_has_literal_text_between_its_variables() {
        for p in &table().patterns {
            assert!(p.weight > 0, "`{}` has no literal text", p.id);
            for w in p.parts.windows(2) {
                assert!(
                    !matches!(w, [Part::Var(_), Part::Var(_)]),
                    "`{}` has two variables side by side",
                    p.id
                );
            }
        }
        assert!(table().patterns.len() > 20, "the patterns were read");
        assert!(table().terms.len() > 20, "the terms were read");
    }

    #[test]
    fn english_stays_and_unknown_text_is_kept() {
        let s = "`a.pem` already exists";
        assert_eq!(retell(Lang::En, s), s);
        assert_eq!(retell(Lang::Zh, "CN=李四,O=x"), "CN=李四,O=x");
        assert_eq!(retell(Lang::Zh, ""), "");
        assert_eq!(retell(Lang::Zh, "  \n"), "  \n");
    }

    #[test]
    fn sentences_terms_and_labels_are_retold_with_their_values() {
        assert_eq!(retell(Lang::Zh, "`a.pem` already exists"), "`a.pem` 已存在");
        assert_eq!(retell(Lang::Zh, "keyCompromise"), "密钥泄露");
        assert_eq!(
            retell(
                Lang::Zh,
                "Status:         revoked at 2026-12-06T16:57:15Z (keyCompromise)"
            ),
            "状态：          已于 2026-12-06T16:57:15Z 吊销（密钥泄露）"
        );
        // Glue retells only what it holds: an English `(...)` of no known phrase is kept.
        assert_eq!(
            retell(Lang::Zh, "`a` (no CRL given covers it)"),
            "`a`（所给 CRL 均不覆盖它）"
        );
        assert_eq!(retell(Lang::Zh, "`a` (b c d)"), "`a` (b c d)");
        // A list is its items; a label's value a phrase before the line is one.
        assert_eq!(
            retell(
                Lang::Zh,
                "the given CRLs do not decide the revocation of `A` (no CRL given covers it), \
                 `B` (its CRL is past its nextUpdate)"
            ),
            "所给 CRL 未能判定以下证书的吊销状态：`A`（所给 CRL 均不覆盖它）、`B`（其 CRL 已过 nextUpdate）"
        );
        assert_eq!(
            retell(Lang::Zh, "  roles: none (no binding matches the subject)"),
            "  角色：无（没有绑定与主体匹配）"
        );
        // What the user types stays as it is typed: clap's possible values.
        assert_eq!(
            retell(
                Lang::Zh,
                "  [possible values: intranet, extranet, internet]"
            ),
            "  [可选值：intranet, extranet, internet]"
        );
        // A long list is judged within the line's budget (not by a clock).
        let long = vec!["keyCompromise"; 60].join(", ");
        assert!(long.len() < MAX_LINE);
        assert_eq!(retell(Lang::Zh, &long).matches("密钥泄露").count(), 0);
        assert!(!spent(), "a list of 60 terms spent the budget");
        // Indentation and the lines around are kept; multibyte values are cut safely.
        assert_eq!(
            retell(Lang::Zh, "x\n  `证书.pem` already exists\n"),
            "x\n  `证书.pem` 已存在\n"
        );
    }

    /// Attack review: a DN is data. A subject `CN=Mallory is revoked` printed as
    /// `CN=Mallory 已被吊销` changed the name, and made two certificates' names print alike.
    #[test]
    fn a_name_is_never_retold() {
        let line = "Subject:          CN=Mallory is revoked,O=x";
        let zh = retell(Lang::Zh, line);
        assert!(zh.ends_with("CN=Mallory is revoked,O=x"), "{zh}");
        assert!(zh.starts_with("主体"), "{zh}");
        // Inside a sentence, in backticks, a name is kept too.
        assert_eq!(retell(Lang::Zh, "`CN=a` already exists"), "`CN=a` 已存在");
        assert!(is_name("CN=李四,O=x") && is_name("`2.5.4.3=#0c01`"));
        assert!(!is_name("keyCompromise") && !is_name("=x") && !is_name("a b=c"));
        // A comma inside a name's value (`\, `) is not a list separator.
        let escaped = "`O=a\\, keyCompromise`";
        assert_eq!(retell(Lang::Zh, escaped), escaped);
    }

    /// Attack review: text chosen by someone else (a DN full of `; `, `: ` and `, ` that match
    /// the patterns, ending in an unbalanced `(`) made retelling cost grow as a high power of
    /// its separators: 770 bytes took 83 s. Now each line has a budget of steps; past it the
    /// line is printed as it is, and a line longer than [`MAX_LINE`] is not retold at all.
    #[test]
    fn crafted_text_spends_the_budget_and_is_printed_as_it_is() {
        let unit = "a; revocation not checked: b, ";
        let crafted = format!("{}(", unit.repeat(30));
        assert!(crafted.len() < MAX_LINE);
        assert_eq!(retell(Lang::Zh, &crafted), crafted);
        assert!(spent(), "the crafted line stopped on its budget");
        let long = format!("{}(", unit.repeat(60));
        assert!(long.len() > MAX_LINE);
        assert_eq!(retell(Lang::Zh, &long), long);
    }
}
