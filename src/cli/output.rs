//! The only printer: data goes to stdout, messages to stderr.
//!
//! Commands never call `println!` themselves; they hand text or JSON to [`Output`], which knows
//! whether the user asked for `--json` or `-q`, and turns a closed pipe into a quiet exit.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::i18n::{Lang, Value, retell, tr};

/// Where and how a command reports.
#[derive(Debug, Clone)]
pub struct Output {
    json: bool,
    quiet: bool,
    verbose: u8,
    lang: Lang,
    /// Whether this run wrote JSON to stdout already (shared by the clones of one run).
    wrote_json: Arc<AtomicBool>,
}

impl Output {
    pub fn new(json: bool, quiet: bool, verbose: u8) -> Self {
        Self {
            json,
            quiet,
            verbose,
            lang: Lang::En,
            wrote_json: Arc::default(),
        }
    }

    /// The same output, recording in `flag` whether JSON was written.
    pub fn recording_json(self, flag: Arc<AtomicBool>) -> Self {
        Self {
            wrote_json: flag,
            ..self
        }
    }

    /// The same output in `lang` (`--lang`, `LANG`...).
    pub fn with_lang(self, lang: Lang) -> Self {
        Self { lang, ..self }
    }

    /// The language of reports and errors.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Whether the user asked for `-q`.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Reports an error in the user's language: on stderr as text, or with `--json` as one
    /// JSON line on stdout (stderr only when stdout is closed).
    pub fn error(&self, err: &anyhow::Error) {
        report_error(self.lang, self.json, err);
    }

    /// Whether the user asked for JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Writes data (PEM, a report) to stdout, the phrases of the pure layers retold in the
    /// user's language ([`retell`]; English, PEM and names stay as they are).
    pub fn data(&self, text: &str) -> io::Result<()> {
        let text = retell(self.lang, text);
        let text = text.as_str();
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
        self.wrote_json.store(true, Ordering::Relaxed);
        let mut out = io::stdout().lock();
        out.write_all(&buf)?;
        out.flush()
    }

    /// A progress or status message on stderr, silenced by `-q`.
    pub fn info(&self, text: &str) {
        if !self.quiet {
            eprintln!("{}", retell(self.lang, text));
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
        let (label, sep) = (
            tr(self.lang, "lbl-warning", &[]),
            tr(self.lang, "join", &[]),
        );
        eprintln!("{}{sep}{}", paint(&label, "33"), retell(self.lang, text));
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

/// Prints an error as one line (`error: context: cause: cause`), then an optional hint, in
/// English on stderr.
pub fn print_error(err: &anyhow::Error) {
    report_error(Lang::En, false, err);
}

/// Reports an error: as text on stderr (`error:`/`错误：`, then `hint:`/`提示：`), or with
/// `json` as `{"error": ..., "hint": ...}` (the hint `null` when there is none) on stdout, one
/// line; when stdout is closed, as text on stderr after all.
pub fn report_error(lang: Lang, json: bool, err: &anyhow::Error) {
    let message = error_line(lang, err);
    let hint = crate::ops::error::hint_of(err).map(|h| retell(lang, h));
    print_message(lang, json, &message, hint.as_deref());
}

/// Prints an error message and an optional hint, as [`report_error`] does.
pub fn print_message(lang: Lang, json: bool, message: &str, hint: Option<&str>) {
    if json {
        let line = serde_json::json!({ "error": message, "hint": hint });
        let mut buf = line.to_string().into_bytes();
        buf.push(b'\n');
        let mut out = io::stdout().lock();
        if out.write_all(&buf).and_then(|()| out.flush()).is_ok() {
            return;
        }
    }
    let (error, sep) = (tr(lang, "error-label", &[]), tr(lang, "join", &[]));
    eprintln!("{}{sep}{message}", paint(&error, "31"));
    if let Some(h) = hint {
        let label = tr(lang, "hint-label", &[]);
        eprintln!("{}{sep}{h}", paint(&label, "36"));
    }
}

/// What is read, in the contexts `reading <what> `<path>``, and its message id.
pub const READ_WHAT: [(&str, &str); 11] = [
    ("certificate", "what-certificate"),
    ("certificates", "what-certificates"),
    ("CRL", "what-crl"),
    ("document", "what-document"),
    ("signature", "what-signature"),
    ("seal", "what-seal"),
    ("seal status list", "what-seal-status"),
    ("private key", "what-private-key"),
    ("passphrase file", "what-passphrase-file"),
    ("policy", "what-policy"),
    ("CSR", "what-csr"),
];

/// An error chain as one line in `lang`: English as [`crate::ops::error::one_line`] says it;
/// in Chinese the causes govpki knows by type (I/O, key, PEM/DER) and the `reading ...`
/// contexts translated, the rest as they are.
pub fn error_line(lang: Lang, err: &anyhow::Error) -> String {
    if lang == Lang::En {
        return crate::ops::error::one_line(err);
    }
    let sep = tr(lang, "join", &[]);
    let mut seen = String::new();
    let mut parts: Vec<String> = Vec::new();
    for (i, cause) in err.chain().enumerate() {
        let text = cause.to_string();
        // As `one_line`: a cause a wrapper already shows is said once.
        if i > 0 && seen.contains(&text) {
            continue;
        }
        seen.push_str(&text);
        seen.push('\n');
        parts.push(translate_cause(lang, cause, &text));
    }
    parts.join(&sep)
}

fn translate_cause(lang: Lang, cause: &(dyn std::error::Error + 'static), text: &str) -> String {
    use crate::ca::input::InputError;
    use crate::ca::keys::KeyError;
    if let Some(e) = cause.downcast_ref::<io::Error>() {
        return translate_io(lang, e, text);
    }
    if let Some(KeyError::WrongPassphrase) = cause.downcast_ref::<KeyError>() {
        return tr(lang, "err-wrong-passphrase", &[]);
    }
    if let Some(e) = cause.downcast_ref::<InputError>() {
        return match e {
            InputError::Empty => tr(lang, "err-empty-input", &[]),
            InputError::Pem(d) => tr(
                lang,
                "err-malformed-pem",
                &[("detail", retell(lang, d).into())],
            ),
            InputError::NoBlock(l) => tr(lang, "err-no-pem-block", &[("label", Value::from(*l))]),
            InputError::WrongLabel { expected, found } => tr(
                lang,
                "err-wrong-pem-block",
                &[
                    ("expected", Value::from(*expected)),
                    ("found", Value::from(found)),
                ],
            ),
            InputError::Der(d) => tr(
                lang,
                "err-malformed-der",
                &[("detail", retell(lang, d).into())],
            ),
            InputError::Trailing(n) => tr(
                lang,
                "err-trailing",
                &[("count", crate::i18n::group(*n).into())],
            ),
            InputError::NotDer(d) => tr(lang, "err-not-der", &[("detail", retell(lang, d).into())]),
        };
    }
    translate_reading(lang, text).unwrap_or_else(|| retell(lang, text))
}

/// `reading certificate `a.pem``, the context every read of a file gives its error.
fn translate_reading(lang: Lang, text: &str) -> Option<String> {
    let rest = text.strip_prefix("reading ")?;
    let (what, path) = rest.split_once(" `")?;
    let path = path.strip_suffix('`')?;
    let (_, id) = READ_WHAT.iter().find(|(w, _)| *w == what)?;
    let what = tr(lang, id, &[]);
    Some(tr(
        lang,
        "err-reading",
        &[("what", what.into()), ("path", path.into())],
    ))
}

fn translate_io(lang: Lang, e: &io::Error, text: &str) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => tr(lang, "err-not-found", &[]),
        io::ErrorKind::PermissionDenied => tr(lang, "err-permission", &[]),
        // The words of `store::files::open_regular` and `read_limited`.
        io::ErrorKind::InvalidInput if text.starts_with("not a regular file (") => {
            let kind = match text
                .trim_start_matches("not a regular file (")
                .trim_end_matches(')')
            {
                "a FIFO" => "err-kind-fifo",
                "a socket" => "err-kind-socket",
                "a character device" => "err-kind-char-device",
                "a block device" => "err-kind-block-device",
                "a directory" => "err-kind-directory",
                _ => "err-kind-other",
            };
            let kind = tr(lang, kind, &[]);
            tr(lang, "err-not-regular", &[("kind", kind.into())])
        }
        io::ErrorKind::InvalidData if text.starts_with("file is over the limit of ") => {
            let limit = text
                .trim_start_matches("file is over the limit of ")
                .trim_end_matches(" bytes")
                .parse::<usize>()
                .map(crate::i18n::group)
                .unwrap_or_default();
            tr(lang, "err-too-large", &[("limit", limit.into())])
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use anyhow::{Context as _, anyhow};

    use super::*;
    use crate::ca::input::InputError;
    use crate::ca::keys::KeyError;

    fn read_error(cause: anyhow::Error) -> anyhow::Error {
        cause.context("reading certificate `a.pem`")
    }

    #[test]
    fn the_frequent_errors_are_said_in_chinese_and_english_is_untouched() {
        let too_large = read_error(anyhow::Error::new(io::Error::new(
            io::ErrorKind::InvalidData,
            "file is over the limit of 67108864 bytes",
        )));
        assert_eq!(
            error_line(Lang::Zh, &too_large),
            "读取证书`a.pem`：文件超过 67,108,864 字节的上限"
        );
        assert_eq!(
            error_line(Lang::En, &too_large),
            crate::ops::error::one_line(&too_large)
        );
        let fifo = read_error(anyhow::Error::new(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO)",
        )));
        assert_eq!(
            error_line(Lang::Zh, &fifo),
            "读取证书`a.pem`：不是普通文件（命名管道）"
        );
        let denied = read_error(anyhow::Error::new(io::Error::from(
            io::ErrorKind::PermissionDenied,
        )));
        assert_eq!(error_line(Lang::Zh, &denied), "读取证书`a.pem`：权限不足");
        let key = Err::<(), _>(KeyError::WrongPassphrase)
            .context("unlocking the CA key")
            .unwrap_err();
        assert_eq!(
            error_line(Lang::Zh, &key),
            "unlocking the CA key：口令错误，或加密的密钥已损坏"
        );
        let der = read_error(anyhow::Error::new(InputError::Trailing(1024)));
        assert_eq!(
            error_line(Lang::Zh, &der),
            "读取证书`a.pem`：DER 对象之后有 1,024 个多余字节"
        );
        // What govpki does not know by type stays as it is.
        let other = anyhow!("something else");
        assert_eq!(error_line(Lang::Zh, &other), "something else");
    }
}
