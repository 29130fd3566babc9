//! Name constraints (RFC 5280 §6.1.3 (b)-(c), §6.1.4 (g)) for every name form.
//!
//! Each CA's permitted subtrees are kept as one list; a name of form F must fall in a subtree
//! of form F of every stored list that has one. Excluded subtrees are one union. Forms this
//! module cannot compare (otherName, ediPartyName, registeredID; x400Address cannot be read)
//! and subtrees with a minimum or maximum fail closed against constraints of their own form.
//! This module does not decide which certificates are checked: the caller skips self-issued
//! intermediates.

use x509_cert::ext::pkix::NameConstraints;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

use super::Cert;
use super::name::dn_within;

mod matching;

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
pub struct NameConstraintsState {
    /// One entry per CA that had permittedSubtrees, in path order.
    permitted: Vec<Vec<GeneralSubtree>>,
    /// The union of every excludedSubtrees seen.
    excluded: Vec<GeneralSubtree>,
}

/// The OID of the PKCS #9 emailAddress attribute (RFC 5280 §4.2.1.10).
const EMAIL_ADDRESS: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");

/// Whether a constraint of one GeneralName variant applies to a name: the same variant.
fn same_variant(a: &GeneralName, b: &GeneralName) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn form_of(name: &GeneralName) -> NameForm {
    match name {
        GeneralName::DirectoryName(_) => NameForm::DirectoryName,
        GeneralName::Rfc822Name(_) => NameForm::Rfc822Name,
        GeneralName::DnsName(_) => NameForm::DnsName,
        GeneralName::UniformResourceIdentifier(_) => NameForm::Uri,
        GeneralName::IpAddress(_) => NameForm::IpAddress,
        _ => NameForm::Other,
    }
}

/// Whether `name` is in the subtree `base`; None when this module cannot say.
fn within(base: &GeneralName, name: &GeneralName) -> Option<bool> {
    match (base, name) {
        (GeneralName::DirectoryName(b), GeneralName::DirectoryName(n)) => Some(dn_within(b, n)),
        (GeneralName::Rfc822Name(b), GeneralName::Rfc822Name(n)) => {
            Some(matching::rfc822(b.as_str(), n.as_str()))
        }
        (GeneralName::DnsName(b), GeneralName::DnsName(n)) => {
            Some(matching::dns(b.as_str(), n.as_str()))
        }
        (GeneralName::UniformResourceIdentifier(b), GeneralName::UniformResourceIdentifier(n)) => {
            Some(matching::uri(b.as_str(), n.as_str()))
        }
        (GeneralName::IpAddress(b), GeneralName::IpAddress(n)) => {
            matching::ip(b.as_bytes(), n.as_bytes())
        }
        _ => None,
    }
}

fn describe(name: &GeneralName) -> String {
    match name {
        GeneralName::DirectoryName(n) => super::name::text::name_of(n),
        GeneralName::Rfc822Name(s)
        | GeneralName::DnsName(s)
        | GeneralName::UniformResourceIdentifier(s) => s.as_str().to_owned(),
        GeneralName::IpAddress(o) => matching::ip_text(o.as_bytes()),
        GeneralName::OtherName(o) => format!("otherName {}", o.type_id),
        GeneralName::RegisteredId(oid) => format!("registeredID {oid}"),
        GeneralName::EdiPartyName(_) => "ediPartyName".to_owned(),
    }
}

impl NameConstraintsState {
    /// The initial state: every name permitted, none excluded.
    pub fn new() -> Self {
        NameConstraintsState::default()
    }

    /// §6.1.4 (g): narrow the permitted subtrees and widen the excluded ones with a CA
    /// certificate's nameConstraints.
    pub fn apply(&mut self, nc: &NameConstraints) {
        // An empty list restricts no form, by the rule above, so it is stored like any other.
        if let Some(p) = &nc.permitted_subtrees {
            self.permitted.push(p.clone());
        }
        if let Some(e) = &nc.excluded_subtrees {
            self.excluded.extend(e.iter().cloned());
        }
    }

    /// §6.1.3 (b)-(c): the subject DN, the subject's emailAddress attributes and every
    /// subjectAltName of `cert` are within the permitted and outside the excluded subtrees.
    /// The caller skips this for self-issued certificates that are not the last in the path.
    pub fn check(&self, cert: &Cert) -> Result<(), NcViolation> {
        let names = names_of(cert);
        // Quadratic work bounded: a CA with thousands of subtrees over a certificate with
        // thousands of names is refused, not ground through (x509-limbo nc-dos).
        let subtrees: usize =
            self.permitted.iter().map(Vec::len).sum::<usize>() + self.excluded.len();
        if subtrees > 0 && names.len().saturating_mul(subtrees) > MAX_COMPARISONS {
            return Err(NcViolation::Unsupported {
                form: NameForm::Other,
                name: format!(
                    "{} names against {subtrees} name-constraint subtrees (more than {MAX_COMPARISONS} comparisons)",
                    names.len()
                ),
            });
        }
        for name in names {
            self.check_name(&name)?;
        }
        Ok(())
    }

    /// One name against the state.
    pub fn check_name(&self, name: &GeneralName) -> Result<(), NcViolation> {
        let form = form_of(name);
        // A malformed name cannot be placed in or out of a subtree of its form: refused when
        // such a subtree applies (RFC 5280 §4.2.1.10; x509-limbo nc-permits-invalid-*).
        let constrained = self
            .permitted
            .iter()
            .flatten()
            .chain(&self.excluded)
            .any(|s| same_variant(&s.base, name));
        if constrained && !well_formed(name) {
            return Err(NcViolation::Unsupported {
                form,
                name: format!("{} (malformed)", describe(name)),
            });
        }
        let fail = |unsupported: bool, excluded: bool| {
            let name = describe(name);
            if unsupported {
                NcViolation::Unsupported { form, name }
            } else if excluded {
                NcViolation::Excluded { form, name }
            } else {
                NcViolation::NotPermitted { form, name }
            }
        };
        for list in &self.permitted {
            let mut relevant = list
                .iter()
                .filter(|s| same_variant(&s.base, name))
                .peekable();
            if relevant.peek().is_none() {
                continue;
            }
            let mut found = false;
            for subtree in relevant {
                match subtree_contains(subtree, name) {
                    None => return Err(fail(true, false)),
                    Some(true) => found = true,
                    Some(false) => {}
                }
            }
            if !found {
                return Err(fail(false, false));
            }
        }
        for subtree in self.excluded.iter().filter(|s| same_variant(&s.base, name)) {
            // A wildcard `*.D` stands for every L.D: excluded when one of them is.
            if let (GeneralName::DnsName(b), GeneralName::DnsName(n)) = (&subtree.base, name)
                && wildcard_reaches(b.as_str(), n.as_str())
            {
                return Err(fail(false, true));
            }
            match subtree_contains(subtree, name) {
                None => return Err(fail(true, true)),
                Some(true) => return Err(fail(false, true)),
                Some(false) => {}
            }
        }
        Ok(())
    }
}

/// Most name-against-subtree comparisons for one certificate.
const MAX_COMPARISONS: usize = 1 << 20;

/// A DNS name: dot-separated labels of letters, digits and inner hyphens, at most 63 octets
/// each; a first label `*` (a wildcard) is allowed.
fn dns_well_formed(name: &str) -> bool {
    let name = name.strip_prefix("*.").unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn well_formed(name: &GeneralName) -> bool {
    match name {
        GeneralName::DnsName(n) => dns_well_formed(n.as_str()),
        GeneralName::Rfc822Name(n) => {
            let s = n.as_str();
            match s.split_once('@') {
                Some((local, host)) => {
                    !local.is_empty()
                        && !host.contains('@')
                        && !local.contains(char::is_whitespace)
                        && dns_well_formed(host)
                        && !host.starts_with("*.")
                }
                None => false,
            }
        }
        // A URI must have a host to be placed in or out of a URI subtree.
        GeneralName::UniformResourceIdentifier(n) => {
            matching::uri_host(n.as_str()).is_some_and(|h| !h.is_empty())
        }
        _ => true,
    }
}

/// `*.D` has a name L.D within `base` that the plain suffix test misses: `base` is L.D.
fn wildcard_reaches(base: &str, name: &str) -> bool {
    let Some(domain) = name.strip_prefix("*.") else {
        return false;
    };
    let base = base.trim_start_matches('.').to_ascii_lowercase();
    base.split_once('.')
        .is_some_and(|(label, rest)| !label.is_empty() && rest == domain.to_ascii_lowercase())
}

/// A subtree contains a name; None when it cannot be decided (minimum/maximum, unknown form).
fn subtree_contains(subtree: &GeneralSubtree, name: &GeneralName) -> Option<bool> {
    if subtree.minimum != 0 || subtree.maximum.is_some() {
        return None;
    }
    within(&subtree.base, name)
}

/// Every name of `cert` that constraints apply to: the subject DN unless empty, its
/// emailAddress attributes unless the SAN has an rfc822Name, and every SAN entry.
pub fn names_of(cert: &Cert) -> Vec<GeneralName> {
    let san: &[GeneralName] = cert
        .ext
        .subject_alt_name
        .as_ref()
        .map(|s| s.0.as_slice())
        .unwrap_or(&[]);
    let mut out = Vec::new();
    if !cert.subject.0.is_empty() {
        out.push(GeneralName::DirectoryName(cert.subject.clone()));
    }
    if !san.iter().any(|n| matches!(n, GeneralName::Rfc822Name(_))) {
        out.extend(subject_emails(&cert.subject).map(GeneralName::Rfc822Name));
    }
    out.extend(san.iter().cloned());
    out
}

/// The emailAddress attribute values of a DN that are well-formed IA5Strings.
fn subject_emails(subject: &Name) -> impl Iterator<Item = der::asn1::Ia5String> + '_ {
    subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == EMAIL_ADDRESS)
        .filter_map(|atv| atv.value.decode_as::<der::asn1::Ia5String>().ok())
}

#[cfg(test)]
mod tests;
