//! Help you can paste (issue #12): every verb's EXAMPLES are printed exactly as written at any
//! terminal width, a command never wraps, and a long one continues with ` \` at each line end.
//! Also: `--profile` completes the built-in profiles, and a mistyped enum-like value gets
//! "a similar value exists" (clap's did-you-mean) and exit 2.

use std::process::Command;

use clap::CommandFactory;

/// The widest an example line may be (display columns, a CJK character counting two): a
/// standard terminal shows it on one line.
const MAX_WIDTH: usize = 80;

/// Every command path below `govpki` with its long help as written, the root first.
fn verbs(cmd: &clap::Command, prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
    out.push((prefix.to_vec(), cmd.get_long_about().map(|s| s.to_string())));
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_string());
        verbs(sub, &path, out);
    }
}

fn all_verbs() -> Vec<(Vec<String>, Option<String>)> {
    let mut out = Vec::new();
    verbs(&govpki::cli::Cli::command(), &[], &mut out);
    out
}

fn width(line: &str) -> usize {
    line.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF => 2,
            0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}

/// What is wrong with an EXAMPLES block as written: too wide, a continuation without ` \`
/// before it, a ` \` with no continuation after it.
fn lint(lines: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut continued = false;
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if width(line) > MAX_WIDTH {
            problems.push(format!("wider than {MAX_WIDTH} columns: {line:?}"));
        }
        if line.trim().is_empty() {
            problems.push(format!("blank line {i} inside the block"));
        }
        match (continued, indent) {
            (false, 4) | (true, 8) => {}
            (false, _) => problems.push(format!(
                "indented {indent} without a ` \\` on the line before (a wrapped command?): {line:?}"
            )),
            (true, _) => problems.push(format!("a continuation must be indented 8: {line:?}")),
        }
        if line.ends_with('\\') && !line.ends_with(" \\") {
            problems.push(format!(
                "write ` \\` (space, backslash) at the end: {line:?}"
            ));
        }
        continued = line.ends_with(" \\");
    }
    if continued {
        problems.push("the last line ends with ` \\`".to_string());
    }
    problems
}

#[test]
fn the_lint_catches_a_wrapped_command_and_a_missing_backslash() {
    assert!(lint(&["    govpki a \\", "        --b c", "    govpki d"]).is_empty());
    // What clap's wrapping makes of a long command: the tail at the same indent or deeper.
    assert!(!lint(&["    govpki cert issue --profile", "        person"]).is_empty());
    assert!(!lint(&["    govpki a\\", "        --b"]).is_empty());
    assert!(!lint(&["    govpki a \\"]).is_empty());
    assert!(!lint(&[&format!("    govpki {}", "x".repeat(80))]).is_empty());
}

#[test]
fn every_verb_has_examples_that_paste() {
    let mut problems = Vec::new();
    for (path, long) in all_verbs() {
        let Some(long) = long else {
            // Command groups (`cert`, `seal`) list their verbs; the verbs have examples.
            continue;
        };
        let Some(parts) = govpki::cli::help::split(&long) else {
            problems.push(format!("govpki {}: no EXAMPLES block", path.join(" ")));
            continue;
        };
        assert!(
            !parts.examples.is_empty(),
            "govpki {}: empty EXAMPLES",
            path.join(" ")
        );
        for p in lint(&parts.examples) {
            problems.push(format!("govpki {}: {p}", path.join(" ")));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn help(path: &[String], flag: &str, columns: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_govpki"))
        .args(path)
        .arg(flag)
        .env_clear()
        .env("NO_COLOR", "1")
        .env("COLUMNS", columns)
        .output()
        .expect("run govpki --help");
    assert!(out.status.success(), "govpki {path:?} {flag}");
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

/// The EXAMPLES block of a rendered help, line by line.
fn rendered_examples(text: &str) -> Option<Vec<&str>> {
    let start = text
        .find("\nEXAMPLES:\n")
        .map(|i| i + 1)
        .or_else(|| text.starts_with("EXAMPLES:\n").then_some(0))?;
    let body = &text[start + "EXAMPLES:\n".len()..];
    let end = body.find("\n\n").unwrap_or(body.len());
    Some(body[..end].lines().collect())
}

#[test]
fn examples_print_exactly_as_written_at_60_and_100_columns() {
    let mut checked = 0;
    for (path, long) in all_verbs() {
        let Some(parts) = long.as_deref().and_then(govpki::cli::help::split) else {
            continue;
        };
        for columns in ["60", "100"] {
            for flag in ["--help", "-h"] {
                let text = help(&path, flag, columns);
                let shown = rendered_examples(&text).unwrap_or_else(|| {
                    panic!("govpki {path:?} {flag} at {columns}: no EXAMPLES\n{text}")
                });
                assert_eq!(
                    shown,
                    parts.examples,
                    "govpki {} {flag} at COLUMNS={columns}: the examples are not printed as \
                     written (wrapped, or cut at a brace)",
                    path.join(" ")
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 4 * 30, "only {checked} helps checked");
}

#[test]
fn prose_wraps_to_the_terminal_not_to_the_source() {
    // A paragraph is one text to clap: at 60 columns no line is much shorter than the width
    // only because the source broke it there.
    let path = ["cert".to_string(), "issue".to_string()];
    let text = help(&path, "--help", "60");
    let prose = text.split("\nEXAMPLES:\n").next().unwrap_or_default();
    for line in prose.lines() {
        assert!(width(line) <= 60, "wider than 60: {line:?}");
    }
    assert!(
        prose.contains(
            "The profile decides key\nusages, extended key usages and which SANs are allowed;"
        ),
        "{prose}"
    );
}

fn govpki(args: &[&str]) -> (Option<i32>, String) {
    let home = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_govpki"))
        .arg("--home")
        .arg(home.path())
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GOVPKI_CA")
        .output()
        .expect("run govpki");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_mistyped_reason_gets_did_you_mean_and_exit_2() {
    let (code, stderr) = govpki(&["cert", "revoke", "01", "--reason", "keycompromize"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("a similar value exists: 'keyCompromise'"),
        "{stderr}"
    );
}

#[test]
fn a_mistyped_profile_gets_did_you_mean_and_exit_2() {
    // Any profile name parses (a home may define its own), so the suggestion comes after the
    // lookup, not from clap.
    let (code, stderr) = govpki(&[
        "cert",
        "issue",
        "--profile",
        "persn",
        "--subject",
        "CN=张三,O=连云港市人民政府,C=CN",
        "--key-out",
        "k.key",
        "--no-key-passphrase",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("unknown profile `persn`"), "{stderr}");
    assert!(stderr.contains("did you mean `person`?"), "{stderr}");
}

#[test]
fn a_mistyped_seal_type_gets_did_you_mean_and_exit_2() {
    let (code, stderr) = govpki(&[
        "seal",
        "create",
        "--name",
        "x",
        "--type",
        "offical",
        "--department",
        "d",
        "--holder-cert",
        "h.pem",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid value 'offical' for '--type <TYPE>'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("a similar value exists: 'official'"),
        "{stderr}"
    );
}

#[test]
fn other_enum_like_values_get_did_you_mean() {
    for (args, near) in [
        (&["--domain", "intranat", "ca", "show"][..], "intranet"),
        (&["cert", "list", "--status", "vaild"][..], "valid"),
        (&["cert", "issue", "--algorithm", "p265"][..], "p256"),
        (&["completions", "bsh"][..], "bash"),
    ] {
        let (code, stderr) = govpki(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("a similar value exists: '{near}'")),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_profile_is_any_name_but_the_built_ins_complete() {
    // A home may define its own profiles: the name reaches the operation, which judges it.
    let (code, stderr) = govpki(&["cert", "list", "--profile", "archivist"]);
    assert!(
        !stderr.contains("invalid value"),
        "a profile name was refused by the parser: {stderr}"
    );
    assert_eq!(code, Some(2), "no CA in the home: {stderr}");
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(env!("CARGO_BIN_EXE_govpki"))
            .args(["completions", shell])
            .output()
            .expect("run govpki completions");
        let script = String::from_utf8_lossy(&out.stdout);
        for profile in ["seal-authority", "department", "sub-ca"] {
            assert!(script.contains(profile), "{shell}: no {profile}");
        }
        assert!(script.contains("合同专用章"), "{shell}: no seal types");
    }
}
