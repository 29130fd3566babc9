//! The committed man pages in `man/` are what `cargo run --example gen-man` writes now.

#[test]
fn man_pages_are_fresh() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let pages = govpki::cli::man_pages().expect("rendering man pages");
    let mut stale = Vec::new();
    for (name, page) in &pages {
        match std::fs::read(dir.join(name)) {
            Ok(committed) if &committed == page => {}
            _ => stale.push(name.clone()),
        }
    }
    let generated: std::collections::HashSet<_> = pages.iter().map(|(n, _)| n.clone()).collect();
    for entry in std::fs::read_dir(&dir).expect("reading man/") {
        let name = entry
            .expect("man/ entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !generated.contains(&name) {
            stale.push(format!("{name} (no longer generated)"));
        }
    }
    assert!(
        stale.is_empty(),
        "man pages out of date, run `cargo run --example gen-man`: {stale:?}"
    );
}

/// The roff of every generated page, by file name.
fn pages() -> Vec<(String, String)> {
    govpki::cli::man_pages()
        .expect("rendering man pages")
        .into_iter()
        .map(|(name, roff)| (name, String::from_utf8(roff).expect("UTF-8 roff")))
        .collect()
}

/// The page's text with roff's escapes for hyphens and fonts undone.
fn plain(roff: &str) -> String {
    roff.replace("\\-", "-")
        .replace("\\fB", "")
        .replace("\\fI", "")
        .replace("\\fR", "")
}

/// Every `name(section)` a page refers to.
fn references(text: &str) -> Vec<String> {
    let mut refs = Vec::new();
    for (i, _) in text.match_indices("(1)") {
        let name: String = text[..i]
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if !name.is_empty() {
            refs.push(name);
        }
    }
    refs
}

#[test]
fn every_referenced_page_is_generated() {
    let pages = pages();
    let names: std::collections::HashSet<String> = pages
        .iter()
        .map(|(n, _)| n.trim_end_matches(".1").to_string())
        .collect();
    let mut missing = Vec::new();
    for (page, roff) in &pages {
        for name in references(&plain(roff)) {
            if !names.contains(&name) {
                missing.push(format!("{page} refers to {name}(1)"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    let cert = &pages
        .iter()
        .find(|(n, _)| n == "govpki-cert-issue.1")
        .unwrap()
        .1;
    let see_also = plain(cert)
        .split(".SH \"SEE ALSO\"")
        .nth(1)
        .unwrap()
        .to_string();
    assert!(see_also.contains("govpki-cert(1)"), "{see_also}");
    assert!(see_also.contains("govpki(1)"), "{see_also}");
    assert!(references("see foo-bar(1) and baz(1)") == ["foo-bar", "baz"]);
}

#[test]
fn the_synopsis_names_values() {
    let pages = pages();
    let page = |name: &str| &pages.iter().find(|(n, _)| n == name).unwrap().1;
    let synopsis = |name: &str| {
        let text = page(name);
        let start = text.find(".SH SYNOPSIS\n").unwrap();
        let rest = &text[start + ".SH SYNOPSIS\n".len()..];
        rest[..rest.find("\n.SH").unwrap()].to_string()
    };
    let issue = synopsis("govpki-cert-issue.1");
    assert!(
        issue.contains("[\\fB\\-\\-out\\fR\\ \\fIFILE\\fR]"),
        "{issue}"
    );
    assert!(
        issue.contains("[\\fB\\-\\-profile\\fR\\ \\fIPROFILE\\fR]"),
        "{issue}"
    );
    assert!(issue.contains("\\fIGLOBAL\\ OPTIONS\\fR"), "{issue}");
    let revoke = synopsis("govpki-seal-revoke.1");
    assert!(
        revoke.contains("\\fB\\-\\-reason\\fR\\ \\fIREASON\\fR"),
        "{revoke}"
    );
    assert!(revoke.contains("\\fIESID|FILE\\fR"), "{revoke}");
    for (name, _) in &pages {
        let s = synopsis(name);
        assert!(
            !s.contains('<'),
            "{name}: clap's <VALUE> in the synopsis: {s}"
        );
    }
}

/// The environment variables the code reads: `env = "X"` (clap), `var("X")` and
/// `var_os("X")`, in `src/` except the test binary (its clock variable is not for users).
fn variables_in_code() -> std::collections::BTreeSet<String> {
    fn scan(dir: &std::path::Path, out: &mut std::collections::BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("reading src/") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                scan(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("bin/govpki-test.rs")
            {
                let text = std::fs::read_to_string(&path).expect("reading source");
                for opener in ["env = \"", "var(\"", "var_os(\""] {
                    for (i, _) in text.match_indices(opener) {
                        let rest = &text[i + opener.len()..];
                        let name: String = rest.chars().take_while(|c| *c != '"').collect();
                        if !name.is_empty()
                            && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                        {
                            out.insert(name);
                        }
                    }
                }
            }
        }
    }
    let mut out = std::collections::BTreeSet::new();
    scan(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut out,
    );
    out
}

#[test]
fn the_environment_section_lists_what_the_code_reads() {
    let documented: std::collections::BTreeSet<String> = govpki::cli::ENVIRONMENT
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    let read = variables_in_code();
    assert!(
        read.contains("GOVPKI_HOME") && read.contains("GOVPKI_CA"),
        "{read:?}"
    );
    let undocumented: Vec<_> = read.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "read by the code but not in cli::ENVIRONMENT (the man pages' ENVIRONMENT): {undocumented:?}"
    );
    // Documented but read elsewhere: COLUMNS by clap's help; LANG and LC_MESSAGES choose the
    // language of messages (issue #12).
    let by_others = ["COLUMNS", "LANG", "LC_MESSAGES"];
    let stale: Vec<_> = documented
        .iter()
        .filter(|n| !read.contains(*n) && !by_others.contains(&n.as_str()))
        .collect();
    assert!(stale.is_empty(), "documented but never read: {stale:?}");
    for required in [
        "GOVPKI_HOME",
        "GOVPKI_CACHE_DIR",
        "GOVPKI_CA",
        "GOVPKI_CA_TRUST",
        "NO_COLOR",
    ] {
        assert!(documented.contains(required), "{required}");
    }
    for (name, roff) in pages() {
        assert!(
            roff.contains(".SH ENVIRONMENT\n.TP\n\\fBGOVPKI_HOME\\fR\n"),
            "{name}: no ENVIRONMENT"
        );
    }
}

/// Renders a page with groff as `man` would (UTF-8 input, terminal output, every warning).
fn groff(roff: &str) -> Option<(String, String)> {
    use std::io::Write;
    let mut child = std::process::Command::new("groff")
        .args(["-k", "-man", "-Tutf8", "-ww", "-P-cbou", "-rLL=100n"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(roff.as_bytes())
        .expect("writing to groff");
    let out = child.wait_with_output().expect("groff");
    assert!(out.status.success(), "groff failed");
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn groff_renders_every_page_without_warnings_and_examples_as_written() {
    let pages = pages();
    let mut checked = 0;
    for (name, roff) in &pages {
        let Some((text, warnings)) = groff(roff) else {
            eprintln!("SKIPPED: groff is not installed; .ci/run installs it");
            return;
        };
        assert!(warnings.is_empty(), "{name}: groff warns:\n{warnings}");
        let Some(examples) = roff
            .split(".SH EXAMPLES\n")
            .nth(1)
            .and_then(|rest| rest.split(".fi\n").next())
        else {
            continue;
        };
        assert!(
            examples.starts_with(".nh\n.ad l\n.nf\n"),
            "{name}: {examples}"
        );
        // Each example line, as written in the source, is one line of the rendered page:
        // not hyphenated, not justified (no doubled spaces), ASCII hyphens and quotes.
        let written = govpki::cli::help::split(
            &long_about_of(name).unwrap_or_else(|| panic!("{name}: no long help")),
        )
        .unwrap_or_else(|| panic!("{name}: no EXAMPLES"))
        .examples
        .iter()
        .map(|l| l.strip_prefix("    ").unwrap_or(l).to_string())
        .collect::<Vec<_>>();
        for line in &written {
            assert!(
                text.lines()
                    .any(|shown| shown.trim_end().ends_with(line.as_str())
                        && shown[..shown.len() - line.len()].trim().is_empty()),
                "{name}: the example line {line:?} is not shown as written:\n{text}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} pages with examples");
}

/// The long help as written of the command a page is for (`govpki-seal-status-list.1`).
fn long_about_of(page: &str) -> Option<String> {
    use clap::CommandFactory;
    fn find(cmd: &clap::Command, name: &str, wanted: &str) -> Option<String> {
        if name == wanted {
            return cmd.get_long_about().map(|s| s.to_string());
        }
        cmd.get_subcommands()
            .find_map(|sub| find(sub, &format!("{name}-{}", sub.get_name()), wanted))
    }
    find(
        &govpki::cli::Cli::command(),
        "govpki",
        page.trim_end_matches(".1"),
    )
}
