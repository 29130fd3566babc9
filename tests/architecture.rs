//! The layer map of docs/architecture.md, checked: a change that makes an operation print,
//! read the environment or the clock, or makes a domain module reach up into the application
//! layer or the command line, fails here rather than in review.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("reading {}: {e}", d.display()))
        {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The lines of `file` outside `#[cfg(test)]` modules and test files, without comments.
fn code_lines(file: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(file).expect("source file");
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        // Unit tests live at the end of a file, after `#[cfg(test)]`; they may do anything.
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        out.push((i + 1, code.to_string()));
    }
    out
}

fn is_test_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "tests.rs" || name == "testutil.rs" || name == "proptests.rs"
}

/// Every occurrence of any of `needles` in the non-test code under `dir`, except in `allowed`.
fn occurrences(dir: &Path, needles: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(dir) {
        let rel = file
            .strip_prefix(src())
            .unwrap_or(&file)
            .to_string_lossy()
            .to_string();
        if is_test_file(&file) || allowed.contains(&rel.as_str()) {
            continue;
        }
        for (n, line) in code_lines(&file) {
            for needle in needles {
                if line.contains(needle) {
                    found.push(format!("src/{rel}:{n}: {needle}"));
                }
            }
        }
    }
    found
}

#[test]
fn operations_print_nothing_and_read_neither_environment_nor_clock() {
    let found = occurrences(
        &src().join("ops"),
        &[
            "println!",
            "eprintln!",
            "print!(",
            "eprint!(",
            "std::env::",
            "env::var",
            "now_utc()",
            "SystemTime::now",
            "IsTerminal",
            "rpassword",
            "crate::cli",
        ],
        // The clock module is the one place the clock is read.
        &["ops/clock.rs"],
    );
    assert!(
        found.is_empty(),
        "the application layer must stay pure:\n{}",
        found.join("\n")
    );
}

#[test]
fn domain_modules_do_not_reach_up_into_the_application_layer_or_the_cli() {
    let mut found = Vec::new();
    for module in ["api", "ca", "seal", "authz", "audit", "ocsp", "store"] {
        found.extend(occurrences(
            &src().join(module),
            &[
                "crate::ops",
                "crate::cli",
                "println!",
                "eprintln!",
                "now_utc()",
            ],
            &[],
        ));
    }
    assert!(
        found.is_empty(),
        "domain modules import only downwards:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_server_prints_nothing_reads_no_environment_and_does_not_import_the_cli() {
    let found = occurrences(
        &src().join("serve"),
        &[
            "println!",
            "eprintln!",
            "print!(",
            "eprint!(",
            "std::env::",
            "env::var",
            "crate::cli",
        ],
        &[],
    );
    assert!(
        found.is_empty(),
        "serve is a front end beside cli, talking back through its hooks:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_clock_is_read_in_one_place() {
    let found = occurrences(&src(), &["now_utc()", "SystemTime::now"], &["ops/clock.rs"]);
    assert!(
        found.is_empty(),
        "read the clock through ops::clock::now:\n{}",
        found.join("\n")
    );
}

#[test]
fn one_thread_pool() {
    let found = occurrences(&src(), &["thread::scope", "thread::spawn"], &[]);
    assert!(
        found.is_empty(),
        "use rayon, the one thread pool:\n{}",
        found.join("\n")
    );
}

/// Files allowed over the size limit, each with the reason.
const LONG_FILES: &[(&str, &str)] = &[(
    "authz/tests.rs",
    "806 lines of unit tests of the evaluator, one table of cases; splitting it would only scatter them",
)];

#[test]
fn no_source_file_is_over_800_lines() {
    let mut long = Vec::new();
    for file in rust_files(&src()) {
        let rel = file
            .strip_prefix(src())
            .unwrap_or(&file)
            .to_string_lossy()
            .to_string();
        let lines = std::fs::read_to_string(&file)
            .expect("source file")
            .lines()
            .count();
        if lines > 800 && !LONG_FILES.iter().any(|(f, _)| *f == rel) {
            long.push(format!("src/{rel}: {lines} lines"));
        }
    }
    assert!(
        long.is_empty(),
        "split these by responsibility:\n{}",
        long.join("\n")
    );
}
