//! The valid policy tree (RFC 5280 §6.1.2-§6.1.5). PLACEHOLDER: the API is fixed, the body is
//! being written (wt-policy).

use der::asn1::ObjectIdentifier;

use super::Cert;

/// The policy inputs of RFC 5280 §6.1.1 (c), (e), (f), (g).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyInputs {
    /// user-initial-policy-set; empty means {anyPolicy}.
    pub initial_policy_set: Vec<ObjectIdentifier>,
    pub initial_explicit_policy: bool,
    pub initial_policy_mapping_inhibit: bool,
    pub initial_any_policy_inhibit: bool,
}

/// The outcome of policy processing for a valid path (§6.1.6): the user-constrained policy
/// set, i.e. the intersection of the valid policy tree with the initial policy set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValidPolicies {
    /// The tree is NULL and no explicit policy was required.
    None,
    /// anyPolicy is valid (no certificate restricted the policies, or all said anyPolicy).
    Any,
    /// These policies (dotted OIDs, sorted).
    Set(Vec<String>),
}

/// Why policy processing refuses a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("an explicit policy is required and no acceptable policy is valid for the path")]
    ExplicitPolicyRequired,
    #[error("a policy mapping maps to or from anyPolicy (RFC 5280 §6.1.4 (a))")]
    MapsAnyPolicy,
}

/// The state of §6.1.2 (a), (d), (e), (f) carried along the path.
#[derive(Debug, Clone)]
pub struct PolicyState {}

impl PolicyState {
    /// §6.1.2 initialisation for a path of `n` certificates (trust anchor excluded).
    pub fn new(_inputs: &PolicyInputs, _n: usize) -> Self {
        PolicyState {}
    }

    /// Processes certificate `i` (1-based, 1 is the one the trust anchor signed, `n` the
    /// target): §6.1.3 (d)-(f), and for `i < n` §6.1.4 (a), (b), (h)-(j); for `i == n`
    /// §6.1.5 (a)-(b). Self-issued certificates (`cert.is_self_issued()`) that are not the
    /// target do not decrement the counters.
    pub fn process(&mut self, _cert: &Cert, _i: usize) -> Result<(), PolicyError> {
        Ok(())
    }

    /// §6.1.5 (g) and the explicit-policy test: the user-constrained policy set, or an error.
    pub fn finish(self) -> Result<ValidPolicies, PolicyError> {
        Ok(ValidPolicies::Any)
    }
}
