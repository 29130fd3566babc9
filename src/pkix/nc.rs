//! Name constraints (RFC 5280 §6.1.3 (b)-(c), §6.1.4 (g)) for every name form. PLACEHOLDER:
//! the API is fixed, the body is being written (wt-names).

use x509_cert::ext::pkix::NameConstraints;

use super::Cert;

/// Which form of name a constraint or a violation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameForm {
    DirectoryName,
    Rfc822Name,
    DnsName,
    Uri,
    IpAddress,
    Other,
}

/// Why a certificate's names break the constraints of the path above it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NcViolation {
    #[error("{form:?} `{name}` is outside the permitted subtrees")]
    NotPermitted { form: NameForm, name: String },
    #[error("{form:?} `{name}` is in an excluded subtree")]
    Excluded { form: NameForm, name: String },
    #[error("{form:?} `{name}` cannot be checked against a {form:?} constraint")]
    Unsupported { form: NameForm, name: String },
}

/// permitted_subtrees and excluded_subtrees of RFC 5280 §6.1.2 (b)-(c), as the path is walked.
#[derive(Debug, Clone, Default)]
pub struct NameConstraintsState {}

impl NameConstraintsState {
    /// The initial state: every name permitted, none excluded.
    pub fn new() -> Self {
        NameConstraintsState {}
    }

    /// §6.1.4 (g): narrow the permitted subtrees and widen the excluded ones with a CA
    /// certificate's nameConstraints.
    pub fn apply(&mut self, _nc: &NameConstraints) {}

    /// §6.1.3 (b)-(c): the subject DN, the subject's emailAddress attributes and every
    /// subjectAltName of `cert` are within the permitted and outside the excluded subtrees.
    /// The caller skips this for self-issued certificates that are not the last in the path.
    pub fn check(&self, _cert: &Cert) -> Result<(), NcViolation> {
        Ok(())
    }
}
