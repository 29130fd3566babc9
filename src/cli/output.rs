//! The only printer: data goes to stdout, messages to stderr.
//!
//! Commands never call `println!` themselves; they hand text or JSON to [`Output`], which knows
//! whether the user asked for `--json` or `-q`, and turns a closed pipe into a quiet exit.

use std::io::{self, IsTerminal, Write};

use serde::Serialize;

/// Where and how a command reports.
#[derive(Debug, Clone)]
pub struct Output {
    json: bool,
    quiet: bool,
    verbose: u8,
}

impl Output {
    pub fn new(json: bool, quiet: bool, verbose: u8) -> Self {
        Self {
            json,
            quiet,
            verbose,
        }
    }

    /// Whether the user asked for JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Writes data (PEM, a report) to stdout as given.
    pub fn data(&self, text: &str) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        if !text.is_empty() && !text.ends_with('\n') {
            out.write_all(b"\n")?;
        }
        out.flush()
    }

    /// Writes raw bytes (DER) to stdout.
    pub fn bytes(&self, data: &[u8]) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(data)?;
        out.flush()
    }

    /// Streams large data to stdout through a buffer.
    pub fn stream(&self, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        let mut out = io::BufWriter::with_capacity(1 << 20, io::stdout().lock());
        fill(&mut out)?;
        out.flush()
    }

    /// Writes one JSON document (or one JSON line of a batch) to stdout.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> io::Result<()> {
        // Serialise first, so a closed pipe surfaces as an io::Error of kind BrokenPipe (a
        // quiet exit), not as a serde error.
        let mut buf = serde_json::to_vec(value).map_err(io::Error::other)?;
        buf.push(b'\n');
        let mut out = io::stdout().lock();
        out.write_all(&buf)?;
        out.flush()
    }

    /// A progress or status message on stderr, silenced by `-q`.
    pub fn info(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// A detail shown only with `-v`.
    pub fn debug(&self, text: &str) {
        if self.verbose > 0 && !self.quiet {
            eprintln!("{text}");
        }
    }

    /// What the home's policy allowed, shown only with `-v`.
    pub fn allowed(&self, allowed: &[crate::ops::govern::Allowed]) {
        for a in allowed {
            self.debug(&format!(
                "policy allows {} on `{}` ({})",
                a.action, a.resource, a.rule
            ));
        }
    }

    /// A warning on stderr; shown even with `-q`.
    pub fn warn(&self, text: &str) {
        eprintln!("{}: {text}", paint("warning", "33"));
    }

    /// Whether a progress bar makes sense (stderr is a terminal, not quiet, not JSON-only).
    pub fn wants_progress(&self) -> bool {
        !self.quiet && io::stderr().is_terminal()
    }
}

/// Colours a label for stderr when stderr is a terminal and `NO_COLOR` is unset.
pub fn paint(label: &str, ansi: &str) -> String {
    let colour =
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stderr().is_terminal();
    if colour {
        format!("\x1b[1;{ansi}m{label}\x1b[0m")
    } else {
        label.to_string()
    }
}

/// Prints an error as one line (`error: context: cause: cause`), then an optional hint.
pub fn print_error(err: &anyhow::Error) {
    eprintln!(
        "{}: {}",
        paint("error", "31"),
        crate::ops::error::one_line(err)
    );
    if let Some(h) = crate::ops::error::hint_of(err) {
        eprintln!("{}: {h}", paint("hint", "36"));
    }
}
