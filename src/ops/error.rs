//! The one error type of the application layer: what went wrong, of which kind, and what the
//! user can do about it. Front ends map the kind to an exit code (CLI) or a status (service).

use std::fmt;

/// What kind of failure an operation ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input, usage, I/O, malformed data, a wrong passphrase: the act was not done.
    Failed,
    /// The home's policy denied the act (a negative verdict, exit 1), recorded in the audit log.
    Denied,
}

/// An error that carries a hint for the user, printed on its own line after the error.
#[derive(Debug)]
pub struct Hinted {
    pub message: String,
    pub hint: String,
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

/// Builds an error with a hint.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted {
        message: message.into(),
        hint: hint.into(),
    })
}

/// A policy deny: the act was refused and the refusal recorded.
#[derive(Debug)]
pub struct PolicyDenied {
    /// One line: `deny: <who> may not <action> <object>: <reason>`.
    pub summary: String,
    /// The explanation (roles, rules, hints), as `authz explain` prints it.
    pub explanation: String,
}

impl fmt::Display for PolicyDenied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)
    }
}

impl std::error::Error for PolicyDenied {}

/// An error chain as one line (`context: cause: cause`), each cause said once: anyhow repeats
/// a wrapped error's text when the wrapper shows its source itself.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for (i, cause) in err.chain().enumerate() {
        let text = cause.to_string();
        if i > 0 {
            if line.contains(&text) {
                continue;
            }
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// The hint of the first hinted error in a chain.
pub fn hint_of(err: &anyhow::Error) -> Option<&str> {
    err.chain().find_map(|c| {
        if let Some(h) = c.downcast_ref::<Hinted>() {
            return Some(h.hint.as_str());
        }
        c.downcast_ref::<crate::ca::issue::IssueError>()
            .and_then(crate::ca::issue::IssueError::hint)
    })
}

/// The error of an operation: its kind, its chain of causes, and an optional hint.
pub struct Error {
    inner: anyhow::Error,
}

/// The result of an operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The kind, which decides the exit code or the HTTP status.
    pub fn kind(&self) -> ErrorKind {
        if self.denied().is_some() {
            ErrorKind::Denied
        } else {
            ErrorKind::Failed
        }
    }

    /// The policy deny, when this is one.
    pub fn denied(&self) -> Option<&PolicyDenied> {
        self.inner.downcast_ref::<PolicyDenied>()
    }

    /// What the user can do about it, when known.
    pub fn hint(&self) -> Option<&str> {
        hint_of(&self.inner)
    }

    /// The one-line message: the context and its causes, each said once.
    pub fn message(&self) -> String {
        one_line(&self.inner)
    }

    /// Whether the failure is only a closed output pipe (a quiet exit, not an error).
    pub fn is_broken_pipe(&self) -> bool {
        self.inner.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        })
    }

    /// The underlying chain of causes.
    pub fn as_anyhow(&self) -> &anyhow::Error {
        &self.inner
    }

    /// Adds context, as `anyhow::Context` does.
    pub fn context(self, context: impl fmt::Display + Send + Sync + 'static) -> Error {
        Error {
            inner: self.inner.context(context),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl From<anyhow::Error> for Error {
    fn from(inner: anyhow::Error) -> Error {
        Error { inner }
    }
}

impl From<Error> for anyhow::Error {
    fn from(err: Error) -> anyhow::Error {
        err.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deny_is_its_own_kind_and_keeps_its_hint_through_context() {
        let denied: Error = anyhow::Error::new(PolicyDenied {
            summary: "deny: x".into(),
            explanation: String::new(),
        })
        .into();
        assert_eq!(denied.kind(), ErrorKind::Denied);
        let failed: Error = hinted("`a` already exists", "pass --force").into();
        let failed = failed.context("writing");
        assert_eq!(failed.kind(), ErrorKind::Failed);
        assert_eq!(failed.hint(), Some("pass --force"));
        assert_eq!(failed.message(), "writing: `a` already exists");
    }
}
