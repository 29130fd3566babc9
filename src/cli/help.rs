//! Help you can paste: each verb's EXAMPLES are printed exactly as written, never wrapped, and
//! enum-like values that are not clap `ValueEnum`s still complete and get "did you mean".
//!
//! A verb's long help is written as one text: prose, an `EXAMPLES:` block (commands at four
//! spaces, continuations at eight after a ` \`), then `EXIT CODES`. clap wraps every help text
//! to the terminal's width, which would cut a command in two at 60 columns; [`command`] moves
//! the EXAMPLES block into the help template, whose literal text clap prints as is, and the
//! exit codes after the options. The man pages take the same blocks from [`split`]. This
//! module prints nothing.

use std::ffi::OsStr;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command, CommandFactory};

/// A verb's long help in its three parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongHelp<'a> {
    /// The description before `EXAMPLES:`, trimmed.
    pub prose: &'a str,
    /// The lines of the EXAMPLES block, as written (with their indentation).
    pub examples: Vec<&'a str>,
    /// What follows the EXAMPLES block (the EXIT CODES), trimmed; may be empty.
    pub after: &'a str,
}

/// Splits a long help at its `EXAMPLES:` block; `None` when it has none.
pub fn split(long: &str) -> Option<LongHelp<'_>> {
    const HEAD: &str = "EXAMPLES:\n";
    let start = if long.starts_with(HEAD) {
        0
    } else {
        long.find(&format!("\n{HEAD}"))? + 1
    };
    let prose = long.get(..start)?.trim_end();
    let body = long.get(start + HEAD.len()..)?;
    let (block, after) = match body.find("\n\n") {
        Some(end) => (body.get(..end)?, body.get(end..)?.trim()),
        None => (body.trim_end(), ""),
    };
    Some(LongHelp {
        prose,
        examples: block.lines().collect(),
        after,
    })
}

/// The command line with paste-safe help: every verb's EXAMPLES in its help template.
pub fn command() -> Command {
    paste_safe(super::Cli::command())
}

fn paste_safe(mut cmd: Command) -> Command {
    let long = cmd.get_long_about().map(|s| s.to_string());
    if let Some(parts) = long.as_deref().and_then(split) {
        // clap's template language reads `{tag}`; an example with braces would be cut there
        // (tests/help_paste.rs compares what is printed with what is written).
        let template = format!(
            "{{before-help}}{{about-with-newline}}\nEXAMPLES:\n{}\n\n\
             {{usage-heading}} {{usage}}\n\n{{all-args}}{{after-help}}",
            parts.examples.join("\n")
        );
        let after = reflow(parts.after);
        cmd = cmd.long_about(reflow(parts.prose)).help_template(template);
        if !after.is_empty() {
            cmd = cmd.after_long_help(after);
        }
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, paste_safe);
    }
    cmd
}

/// Joins the lines of each paragraph, so that clap wraps prose to the terminal's width instead
/// of breaking the source's lines again (ragged at 60 columns). Indented lines (lists, exit
/// codes) and blank lines are kept as written.
pub fn reflow(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_paragraph = false;
    for line in text.lines() {
        let plain = !line.is_empty() && !line.starts_with(char::is_whitespace);
        if in_paragraph && plain {
            out.push(' ');
        } else if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
        in_paragraph = plain;
    }
    out
}

/// A value parser for an enum-like value that is a `String` to the code: its known names are
/// the completions (clap_complete lists them) and, when `strict`, the only values accepted, with
/// "a similar value exists" for a near miss.
#[derive(Debug, Clone, Copy)]
pub struct Names {
    names: &'static [&'static str],
    /// Accepts a value outside `names` (e.g. a numeric code, a name defined per home).
    accepts: fn(&str) -> bool,
}

impl Names {
    /// Completes `names` and accepts any value: for names that may also be defined elsewhere
    /// (profiles of a home), which the operation checks.
    pub const fn hints(names: &'static [&'static str]) -> Self {
        Names {
            names,
            accepts: |_| true,
        }
    }

    /// Completes `names` and accepts them or what `accepts` says is valid; anything else is a
    /// usage error (exit 2) naming the closest known name.
    pub const fn strict(names: &'static [&'static str], accepts: fn(&str) -> bool) -> Self {
        Names { names, accepts }
    }
}

/// The built-in certificate profiles, for `--profile` completion.
pub const PROFILES: &[&str] = &[
    "sub-ca",
    "department",
    "person",
    "seal",
    "seal-authority",
    "server",
    "ocsp",
    "tsa",
];

/// The seal types `--type` accepts by name (GB/T 38540; a numeric code is accepted too).
pub const SEAL_TYPES: &[&str] = &[
    "official",
    "contract",
    "finance",
    "invoice",
    "personal",
    "公章",
    "合同专用章",
    "财务专用章",
    "发票专用章",
    "个人章",
];

/// `--profile`: the built-ins complete; any name passes (a home may define its own profiles).
pub fn profile_parser() -> Names {
    Names::hints(PROFILES)
}

/// `seal create --type`: a name of [`SEAL_TYPES`] (any ASCII case) or a numeric code.
pub fn seal_type_parser() -> Names {
    Names::strict(SEAL_TYPES, |s| {
        s.trim().parse::<u32>().is_ok()
            || SEAL_TYPES.iter().any(|n| n.eq_ignore_ascii_case(s.trim()))
    })
}

impl TypedValueParser for Names {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let Some(text) = value.to_str() else {
            return Err(clap::Error::new(ErrorKind::InvalidUtf8).with_cmd(cmd));
        };
        if self.names.contains(&text) || (self.accepts)(text) {
            return Ok(text.to_string());
        }
        let mut err = clap::Error::new(ErrorKind::InvalidValue).with_cmd(cmd);
        if let Some(arg) = arg {
            err.insert(
                ContextKind::InvalidArg,
                ContextValue::String(arg.to_string()),
            );
        }
        err.insert(
            ContextKind::InvalidValue,
            ContextValue::String(text.to_string()),
        );
        err.insert(
            ContextKind::ValidValue,
            ContextValue::Strings(self.names.iter().map(|n| n.to_string()).collect()),
        );
        if let Some(near) = closest(text, self.names) {
            err.insert(
                ContextKind::SuggestedValue,
                ContextValue::String(near.to_string()),
            );
        }
        Err(err)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.names.iter().map(|n| PossibleValue::new(*n))))
    }
}

/// The known name nearest to `typed` (case-insensitive edit distance at most a third of its
/// length, and at least one edit allowed), if any.
pub fn closest<'n>(typed: &str, names: &[&'n str]) -> Option<&'n str> {
    let typed = typed.to_lowercase();
    names
        .iter()
        .map(|n| (edit_distance(&typed, &n.to_lowercase()), *n))
        .filter(|(d, n)| *d <= (n.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX - 1);
            let left = row.get(j).copied().unwrap_or(usize::MAX - 1);
            let best = (diagonal + usize::from(ca != *cb))
                .min(above + 1)
                .min(left + 1);
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = best;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_finds_the_three_parts() {
        let long = "Prose.\n\nEXAMPLES:\n    govpki a \\\n        --b c\n    govpki d\n\nEXIT CODES:\n    0  ok";
        let parts = split(long).unwrap();
        assert_eq!(parts.prose, "Prose.");
        assert_eq!(
            parts.examples,
            ["    govpki a \\", "        --b c", "    govpki d"]
        );
        assert_eq!(parts.after, "EXIT CODES:\n    0  ok");
        assert_eq!(split("no examples here"), None);
    }

    #[test]
    fn reflow_joins_paragraph_lines_only() {
        assert_eq!(
            reflow("One two\nthree.\n\nList:\n  - a\n  - b\nEnd\nhere"),
            "One two three.\n\nList:\n  - a\n  - b\nEnd here"
        );
    }

    #[test]
    fn closest_suggests_near_misses_only() {
        assert_eq!(closest("offical", SEAL_TYPES), Some("official"));
        assert_eq!(closest("Persn", PROFILES), Some("person"));
        assert_eq!(closest("seal-authorty", PROFILES), Some("seal-authority"));
        assert_eq!(closest("archive", SEAL_TYPES), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn every_verb_keeps_its_examples_out_of_clap_wrapping() {
        fn walk(cmd: &Command, path: &str, missing: &mut Vec<String>) {
            for sub in cmd.get_subcommands() {
                let path = format!("{path} {}", sub.get_name());
                let has_examples =
                    sub.get_subcommands().next().is_none() && sub.get_name() != "help";
                if has_examples
                    && sub
                        .get_long_about()
                        .is_some_and(|l| l.to_string().contains("EXAMPLES:"))
                {
                    missing.push(path.clone());
                }
                walk(sub, &path, missing);
            }
        }
        let mut left = Vec::new();
        walk(&command(), "govpki", &mut left);
        assert!(left.is_empty(), "EXAMPLES still in long_about: {left:?}");
    }
}
