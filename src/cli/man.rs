//! The man pages: one for `govpki` and one per subcommand, rendered from the same clap
//! definition as `--help` (`cargo run --example gen-man` writes them to `man/`).
//!
//! clap_mangen renders the title, NAME, DESCRIPTION, OPTIONS and SUBCOMMANDS; this module adds
//! what it lacks: a SYNOPSIS that names each option's value (`--out FILE`), the EXAMPLES as
//! no-fill blocks that groff neither hyphenates nor justifies (so a command pastes as written),
//! EXIT STATUS, ENVIRONMENT, and a SEE ALSO that names only pages generated here. It prints
//! nothing and writes no file.

use clap::{Arg, Command};

use super::help::{self, LongHelp};

/// Every environment variable govpki reads, and what for; the ENVIRONMENT section of every page.
/// `tests/man_pages.rs` compares the names with the code.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "GOVPKI_HOME",
        "The CA home directory when --home is not given (default: ~/.govpki).",
    ),
    (
        "GOVPKI_CA",
        "The CA service to act through (https://HOST:PORT), as --ca.",
    ),
    (
        "GOVPKI_CA_TRUST",
        "The anchor (PEM) that authenticates the CA service, as --ca-trust.",
    ),
    (
        "GOVPKI_CACHE_DIR",
        "Where compiled authorization policies are cached \
         (default: $XDG_CACHE_HOME/govpki/policies, else ~/.cache/govpki/policies).",
    ),
    (
        "GOVPKI_NO_CACHE",
        "Set (to anything but 0) to compile policies without the cache.",
    ),
    (
        "XDG_CACHE_HOME",
        "The base of the policy cache when GOVPKI_CACHE_DIR is not set (absolute paths only).",
    ),
    (
        "HOME",
        "The user's home: the default CA home ~/.govpki and the default cache.",
    ),
    (
        "USER",
        "The local user named as the actor in the audit log of an ungoverned home \
         (else LOGNAME).",
    ),
    ("LOGNAME", "The local user when USER is not set."),
    (
        "LANG",
        "The language of reports, verdicts, errors and hints: zh_CN chooses Chinese, \
         anything else English (--lang overrides).",
    ),
    ("LC_MESSAGES", "As LANG, and takes precedence over it."),
    (
        "LC_ALL",
        "As LANG, and takes precedence over LC_MESSAGES and LANG.",
    ),
    (
        "GOVPKI_LANG",
        "zh or en, as --lang; takes precedence over LC_ALL, LC_MESSAGES and LANG.",
    ),
    ("NO_COLOR", "Set (non-empty) to print without colour."),
    (
        "COLUMNS",
        "The width --help wraps its text to (examples are never wrapped).",
    ),
];

/// Renders every man page: `(file name, roff)`, for `govpki` and each subcommand.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    // The examples and exit codes come from the long help as written; the command given to
    // clap_mangen has them removed, so that DESCRIPTION is the prose alone.
    let mut written = <super::Cli as clap::CommandFactory>::command();
    written.build();
    // `help` is a subcommand of every group to clap, but has no page of its own.
    let mut cmd = without_help_subcommand(help::command());
    cmd.build();
    let mut names = Vec::new();
    collect_names(&cmd, "", &mut names);
    let mut out = Vec::new();
    walk(&cmd, &written, "", &names, &mut out)?;
    Ok(out)
}

fn without_help_subcommand(cmd: Command) -> Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let mut cmd = cmd.disable_help_subcommand(true);
    for name in names {
        cmd = cmd.mut_subcommand(name, without_help_subcommand);
    }
    cmd
}

fn page_name(prefix: &str, cmd: &Command) -> String {
    if prefix.is_empty() {
        cmd.get_name().to_string()
    } else {
        format!("{prefix}-{}", cmd.get_name())
    }
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands()
        .filter(|s| s.get_name() != "help" && !s.is_hide_set())
}

fn collect_names(cmd: &Command, prefix: &str, out: &mut Vec<String>) {
    let name = page_name(prefix, cmd);
    for sub in visible_subcommands(cmd) {
        collect_names(sub, &name, out);
    }
    out.push(name);
}

fn walk(
    cmd: &Command,
    written: &Command,
    prefix: &str,
    pages: &[String],
    out: &mut Vec<(String, Vec<u8>)>,
) -> std::io::Result<()> {
    let name = page_name(prefix, cmd);
    let long = written.get_long_about().map(|s| s.to_string());
    let parts = long.as_deref().and_then(help::split);
    out.push((
        format!("{name}.1"),
        page(cmd, &name, parts.as_ref(), pages)?,
    ));
    for sub in visible_subcommands(cmd) {
        let Some(written_sub) = written.find_subcommand(sub.get_name()) else {
            continue;
        };
        walk(sub, written_sub, &name, pages, out)?;
    }
    Ok(())
}

fn page(
    cmd: &Command,
    name: &str,
    parts: Option<&LongHelp<'_>>,
    pages: &[String],
) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(cmd.clone().name(name.to_string()));
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    // Option names and paths must not be split at a hyphen, nor spread out to the margin.
    buf.extend_from_slice(b".nh\n.ad l\n");
    man.render_name_section(&mut buf)?;
    synopsis(&mut buf, cmd);
    man.render_description_section(&mut buf)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut buf)?;
    }
    if visible_subcommands(cmd).next().is_some() {
        man.render_subcommands_section(&mut buf)?;
    }
    if let Some(parts) = parts {
        examples(&mut buf, &parts.examples);
        exit_status(&mut buf, parts.after);
    }
    environment(&mut buf);
    see_also(&mut buf, name, cmd, pages);
    if cmd.get_version().is_some() {
        man.render_version_section(&mut buf)?;
    }
    Ok(buf)
}

/// Escapes text for roff: backslashes, hyphens (so they stay ASCII hyphen-minus when pasted),
/// apostrophes, and a leading control character.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    if text.starts_with('.') || text.starts_with('\'') {
        out.push_str("\\&");
    }
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            '\'' => out.push_str("\\(aq"),
            '`' => out.push_str("\\(ga"),
            '~' => out.push_str("\\(ti"),
            '^' => out.push_str("\\(ha"),
            c => out.push(c),
        }
    }
    out
}

fn bold(text: &str) -> String {
    format!("\\fB{}\\fR", escape(text))
}

fn italic(text: &str) -> String {
    format!("\\fI{}\\fR", escape(text))
}

/// `--out FILE`, `-q`, `--reason REASON`: the option with the name of its value.
fn option_synopsis(arg: &Arg) -> String {
    let flag = match (arg.get_short(), arg.get_long()) {
        (_, Some(long)) => bold(&format!("--{long}")),
        (Some(short), None) => bold(&format!("-{short}")),
        (None, None) => italic(arg.get_id().as_str()),
    };
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
    let value = if takes_value {
        let names = arg
            .get_value_names()
            .map(|v| {
                v.iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
        let optional = arg.get_num_args().is_some_and(|n| n.min_values() == 0);
        if optional {
            format!("\\ [{}]", italic(&names))
        } else {
            format!("\\ {}", italic(&names))
        }
    } else {
        String::new()
    };
    let repeat = if matches!(
        arg.get_action(),
        clap::ArgAction::Append | clap::ArgAction::Count
    ) {
        "..."
    } else {
        ""
    };
    if arg.is_required_set() {
        format!("{flag}{value}{repeat}")
    } else {
        format!("[{flag}{value}]{repeat}")
    }
}

fn synopsis(buf: &mut Vec<u8>, cmd: &Command) {
    let bin = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
    let mut words = vec![bold(bin)];
    let is_root = cmd.get_bin_name().is_none_or(|b| !b.contains(' '));
    if !is_root {
        // The global options of govpki(1) apply to every verb; OPTIONS lists them.
        words.push("[\\fIGLOBAL\\ OPTIONS\\fR]".to_string());
    }
    for arg in cmd.get_arguments().filter(|a| {
        !a.is_positional()
            && !a.is_hide_set()
            && (is_root || !a.is_global_set())
            && !matches!(a.get_id().as_str(), "help" | "version")
    }) {
        words.push(option_synopsis(arg));
    }
    for arg in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let names = arg
            .get_value_names()
            .map(|v| {
                v.iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
        let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
        let dots = if many { "..." } else { "" };
        if arg.is_required_set() {
            words.push(format!("{}{dots}", italic(&names)));
        } else {
            words.push(format!("[{}]{dots}", italic(&names)));
        }
    }
    if visible_subcommands(cmd).next().is_some() {
        words.push(italic("COMMAND"));
    }
    buf.extend_from_slice(b".SH SYNOPSIS\n");
    buf.extend_from_slice(words.join(" ").as_bytes());
    buf.push(b'\n');
}

/// The EXAMPLES: no fill, no hyphenation, no justification; each line exactly as written.
fn examples(buf: &mut Vec<u8>, lines: &[&str]) {
    buf.extend_from_slice(b".SH EXAMPLES\n.nh\n.ad l\n.nf\n");
    for line in lines {
        // Four spaces are the block's indent in --help; .RS would do it here, but spaces keep
        // the text identical to --help.
        buf.extend_from_slice(escape(line.strip_prefix("    ").unwrap_or(line)).as_bytes());
        buf.push(b'\n');
    }
    buf.extend_from_slice(b".fi\n");
}

/// EXIT CODES as a tagged list: `    0  valid` becomes `.TP` `0` `valid`.
fn exit_status(buf: &mut Vec<u8>, after: &str) {
    let mut lines = after.lines();
    let Some(first) = lines.next() else { return };
    let Some(heading) = first.strip_prefix("EXIT CODES") else {
        return;
    };
    buf.extend_from_slice(b".SH \"EXIT STATUS\"\n");
    let note = heading.trim_end_matches(':').trim();
    if !note.is_empty() {
        let note = note.trim_start_matches('(').trim_end_matches(')');
        buf.extend_from_slice(format!("{}.\n", escape(&capitalise(note))).as_bytes());
    }
    for line in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        match trimmed.split_once("  ") {
            Some((code, text)) if code.chars().all(|c| c.is_ascii_digit()) => {
                buf.extend_from_slice(
                    format!(".TP\n{}\n{}\n", bold(code), escape(text.trim())).as_bytes(),
                );
            }
            _ => {
                buf.extend_from_slice(escape(trimmed).as_bytes());
                buf.push(b'\n');
            }
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn environment(buf: &mut Vec<u8>) {
    buf.extend_from_slice(b".SH ENVIRONMENT\n");
    for (name, what) in ENVIRONMENT {
        buf.extend_from_slice(format!(".TP\n{}\n{}\n", bold(name), escape(what)).as_bytes());
    }
}

/// SEE ALSO: the parent page and the verbs' pages, only those generated here.
fn see_also(buf: &mut Vec<u8>, name: &str, cmd: &Command, pages: &[String]) {
    let mut refs: Vec<String> = Vec::new();
    if let Some((parent, _)) = name.rsplit_once('-') {
        refs.push(parent.to_string());
        if parent != "govpki" {
            refs.push("govpki".to_string());
        }
    }
    for sub in visible_subcommands(cmd) {
        refs.push(format!("{name}-{}", sub.get_name()));
    }
    refs.retain(|r| pages.contains(r));
    if refs.is_empty() {
        return;
    }
    let text: Vec<String> = refs.iter().map(|r| format!("{}(1)", bold(r))).collect();
    buf.extend_from_slice(b".SH \"SEE ALSO\"\n");
    buf.extend_from_slice(text.join(",\n").as_bytes());
    buf.push(b'\n');
}
