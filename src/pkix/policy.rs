//! The valid policy tree (RFC 5280 §6.1.2-§6.1.5): certificate policies, policy mappings,
//! requireExplicitPolicy, inhibitPolicyMapping and inhibitAnyPolicy along one path.
//!
//! Pure: decoded certificates in, the user-constrained policy set or an error out. It does not
//! keep policy qualifiers (§6.1.2 (a) allows leaving them out) and does not build paths.

use std::collections::BTreeSet;

use der::asn1::ObjectIdentifier;

use super::Cert;
use super::cert::oid::ANY_POLICY;

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
    /// These policies (dotted OIDs, sorted), in the trust anchor's policy domain.
    Set(Vec<String>),
}

/// Most nodes of the valid policy tree (all levels); real hierarchies use a few dozen.
pub const MAX_TREE_NODES: usize = 4096;

/// Why policy processing refuses a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("an explicit policy is required and no acceptable policy is valid for the path")]
    ExplicitPolicyRequired,
    #[error("a policy mapping maps to or from anyPolicy (RFC 5280 §6.1.4 (a))")]
    MapsAnyPolicy,
    /// §6.1.3 (f): certificate `at` (1-based) leaves no valid policy while one is required.
    #[error(
        "no valid policy remains at certificate {at} of the path and an explicit policy is required"
    )]
    NullTreeWithExplicitPolicy { at: usize },
    /// The valid policy tree would exceed [`MAX_TREE_NODES`] nodes (CVE-2023-0464-style
    /// exponential growth through policies and mappings).
    #[error("the certificate policies of the path make a policy tree of more than {max} nodes")]
    TooComplex { max: usize },
    /// The caller broke the `process` contract (i out of 1..=n or out of order).
    #[error("policy processing called for certificate {got}, expected {expected}")]
    OutOfOrder { got: usize, expected: usize },
}

/// One node of the valid policy tree; qualifiers are not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    valid_policy: ObjectIdentifier,
    expected: BTreeSet<ObjectIdentifier>,
    /// Index of the parent in the level above (unused at depth 0).
    parent: usize,
}

/// The tree as levels: `levels[d]` holds the nodes of depth `d`; `None` is the NULL tree.
type Tree = Option<Vec<Vec<Node>>>;

/// The state of §6.1.2 (a), (d), (e), (f) carried along the path.
#[derive(Debug, Clone)]
pub struct PolicyState {
    tree: Tree,
    n: usize,
    next: usize,
    explicit_policy: usize,
    inhibit_any_policy: usize,
    policy_mapping: usize,
    /// The user-initial-policy-set; `None` stands for {anyPolicy}.
    initial: Option<BTreeSet<ObjectIdentifier>>,
}

impl PolicyState {
    /// §6.1.2 initialisation for a path of `n` certificates (trust anchor excluded).
    pub fn new(inputs: &PolicyInputs, n: usize) -> Self {
        let start = |inhibit: bool| if inhibit { 0 } else { n.saturating_add(1) };
        let initial: BTreeSet<ObjectIdentifier> =
            inputs.initial_policy_set.iter().copied().collect();
        let initial = if initial.is_empty() || initial.contains(&ANY_POLICY) {
            None
        } else {
            Some(initial)
        };
        PolicyState {
            tree: Some(vec![vec![Node {
                valid_policy: ANY_POLICY,
                expected: BTreeSet::from([ANY_POLICY]),
                parent: 0,
            }]]),
            n,
            next: 1,
            explicit_policy: start(inputs.initial_explicit_policy),
            inhibit_any_policy: start(inputs.initial_any_policy_inhibit),
            policy_mapping: start(inputs.initial_policy_mapping_inhibit),
            initial,
        }
    }

    /// Processes certificate `i` (1-based, 1 is the one the trust anchor signed, `n` the
    /// target): §6.1.3 (d)-(f), and for `i < n` §6.1.4 (a), (b), (h)-(j); for `i == n`
    /// §6.1.5 (a)-(b). Self-issued certificates (`cert.is_self_issued()`) that are not the
    /// target do not decrement the counters.
    pub fn process(&mut self, cert: &Cert, i: usize) -> Result<(), PolicyError> {
        if i != self.next || i == 0 || i > self.n {
            return Err(PolicyError::OutOfOrder {
                got: i,
                expected: self.next,
            });
        }
        self.next = i.saturating_add(1);
        let is_target = i == self.n;
        let self_issued = cert.is_self_issued();

        // §6.1.3 (d), (e)
        match &cert.ext.policies {
            Some(cp) => {
                let policies: Vec<ObjectIdentifier> =
                    cp.0.iter().map(|p| p.policy_identifier).collect();
                let any_allowed = self.inhibit_any_policy > 0 || (!is_target && self_issued);
                if let Some(levels) = self.tree.as_mut() {
                    // Bounded before the level is built: it has at most one node per
                    // (parent, policy) pair, plus anyPolicy's children.
                    let parents = levels.last().map_or(0, Vec::len);
                    if parents.saturating_mul(policies.len().saturating_add(1)) > MAX_TREE_NODES {
                        return Err(PolicyError::TooComplex {
                            max: MAX_TREE_NODES,
                        });
                    }
                    add_level(levels, &policies, any_allowed);
                    let depth = levels.len().saturating_sub(1);
                    self.tree = prune(std::mem::take(levels), depth);
                }
            }
            None => self.tree = None,
        }
        self.check_size()?;
        // §6.1.3 (f)
        if self.explicit_policy == 0 && self.tree.is_none() {
            return Err(PolicyError::NullTreeWithExplicitPolicy { at: i });
        }

        if is_target {
            // §6.1.5 (a), (b)
            self.explicit_policy = self.explicit_policy.saturating_sub(1);
            if let Some(pc) = &cert.ext.policy_constraints
                && pc.require_explicit_policy == Some(0)
            {
                self.explicit_policy = 0;
            }
            return Ok(());
        }

        // §6.1.4 (a), (b)
        if let Some(pm) = &cert.ext.policy_mappings {
            let pairs: Vec<(ObjectIdentifier, ObjectIdentifier)> =
                pm.0.iter()
                    .map(|m| (m.issuer_domain_policy, m.subject_domain_policy))
                    .collect();
            if pairs
                .iter()
                .any(|(a, b)| *a == ANY_POLICY || *b == ANY_POLICY)
            {
                return Err(PolicyError::MapsAnyPolicy);
            }
            if let Some(levels) = self.tree.take() {
                self.tree = apply_mappings(levels, &pairs, self.policy_mapping > 0);
            }
            self.check_size()?;
        }
        // §6.1.4 (h)
        if !self_issued {
            self.explicit_policy = self.explicit_policy.saturating_sub(1);
            self.policy_mapping = self.policy_mapping.saturating_sub(1);
            self.inhibit_any_policy = self.inhibit_any_policy.saturating_sub(1);
        }
        // §6.1.4 (i)
        if let Some(pc) = &cert.ext.policy_constraints {
            if let Some(r) = pc.require_explicit_policy {
                self.explicit_policy = self.explicit_policy.min(to_usize(r));
            }
            if let Some(m) = pc.inhibit_policy_mapping {
                self.policy_mapping = self.policy_mapping.min(to_usize(m));
            }
        }
        // §6.1.4 (j)
        if let Some(skip) = cert.ext.inhibit_any_policy {
            self.inhibit_any_policy = self.inhibit_any_policy.min(to_usize(skip));
        }
        Ok(())
    }

    fn check_size(&self) -> Result<(), PolicyError> {
        let nodes: usize = self
            .tree
            .as_ref()
            .map_or(0, |levels| levels.iter().map(Vec::len).sum());
        if nodes > MAX_TREE_NODES {
            return Err(PolicyError::TooComplex {
                max: MAX_TREE_NODES,
            });
        }
        Ok(())
    }

    /// §6.1.5 (g) and the explicit-policy test: the user-constrained policy set, or an error.
    pub fn finish(self) -> Result<ValidPolicies, PolicyError> {
        if self.next <= self.n {
            return Err(PolicyError::OutOfOrder {
                got: self.n.saturating_add(1),
                expected: self.next,
            });
        }
        let tree = match (self.tree, &self.initial) {
            // (g)(i), (g)(ii)
            (None, _) => None,
            (Some(levels), None) => Some(levels),
            // (g)(iii)
            (Some(levels), Some(initial)) => intersect(levels, initial),
        };
        let Some(levels) = tree else {
            return if self.explicit_policy == 0 {
                Err(PolicyError::ExplicitPolicyRequired)
            } else {
                Ok(ValidPolicies::None)
            };
        };
        Ok(summarise(&levels))
    }
}

/// A u32 from a certificate as a counter (saturating on 16-bit targets).
fn to_usize(v: u32) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

/// §6.1.3 (d)(1) and (d)(2): the level of depth i for a certificate with `policies`.
fn add_level(levels: &mut Vec<Vec<Node>>, policies: &[ObjectIdentifier], any_allowed: bool) {
    let Some(prev) = levels.last() else {
        return;
    };
    let mut level: Vec<Node> = Vec::new();
    let push = |level: &mut Vec<Node>, parent: usize, p: ObjectIdentifier| {
        let dup = level
            .iter()
            .any(|c| c.parent == parent && c.valid_policy == p);
        if !dup {
            level.push(Node {
                valid_policy: p,
                expected: BTreeSet::from([p]),
                parent,
            });
        }
    };
    for p in policies.iter().filter(|p| **p != ANY_POLICY) {
        // (d)(1)(i)
        let mut matched = false;
        for (k, node) in prev.iter().enumerate() {
            if node.expected.contains(p) {
                push(&mut level, k, *p);
                matched = true;
            }
        }
        // (d)(1)(ii)
        if !matched {
            for (k, node) in prev.iter().enumerate() {
                if node.valid_policy == ANY_POLICY {
                    push(&mut level, k, *p);
                }
            }
        }
    }
    // (d)(2)
    if any_allowed && policies.contains(&ANY_POLICY) {
        for (k, node) in prev.iter().enumerate() {
            for e in &node.expected {
                push(&mut level, k, *e);
            }
        }
    }
    levels.push(level);
}

/// §6.1.4 (b): mappings of certificate i applied to the level of depth i.
fn apply_mappings(
    mut levels: Vec<Vec<Node>>,
    pairs: &[(ObjectIdentifier, ObjectIdentifier)],
    mapping_allowed: bool,
) -> Tree {
    let issuer_policies: BTreeSet<ObjectIdentifier> = pairs.iter().map(|(a, _)| *a).collect();
    let depth = levels.len().saturating_sub(1);
    if mapping_allowed {
        // (b)(1)
        let any_parent = levels
            .get(depth.checked_sub(1)?)
            .and_then(|prev| prev.iter().position(|n| n.valid_policy == ANY_POLICY));
        let level = levels.last_mut()?;
        let has_any = level.iter().any(|n| n.valid_policy == ANY_POLICY);
        for p in &issuer_policies {
            let mapped: BTreeSet<ObjectIdentifier> = pairs
                .iter()
                .filter(|(a, _)| a == p)
                .map(|(_, b)| *b)
                .collect();
            let mut found = false;
            for node in level.iter_mut().filter(|n| n.valid_policy == *p) {
                node.expected = mapped.clone();
                found = true;
            }
            if !found
                && has_any
                && let Some(parent) = any_parent
            {
                level.push(Node {
                    valid_policy: *p,
                    expected: mapped,
                    parent,
                });
            }
        }
        Some(levels)
    } else {
        // (b)(2)
        if let Some(level) = levels.last_mut() {
            level.retain(|n| !issuer_policies.contains(&n.valid_policy));
        }
        prune(levels, depth)
    }
}

/// Removes, bottom-up, the nodes of depth < `leaf_depth` that have no children, and every node
/// whose parent is gone; `None` when the root goes (the tree is NULL).
fn prune(mut levels: Vec<Vec<Node>>, leaf_depth: usize) -> Tree {
    // Downwards: drop orphans (parents are indices into the level above, kept in step).
    for d in (0..leaf_depth.min(levels.len().saturating_sub(1))).rev() {
        let (upper, lower) = levels.split_at_mut(d.saturating_add(1));
        let (Some(parents), Some(children)) = (upper.last_mut(), lower.first_mut()) else {
            continue;
        };
        let has_child: Vec<bool> = (0..parents.len())
            .map(|k| children.iter().any(|c| c.parent == k))
            .collect();
        let mut new_index = Vec::with_capacity(parents.len());
        let mut kept = 0usize;
        for h in &has_child {
            new_index.push(if *h { Some(kept) } else { None });
            if *h {
                kept = kept.saturating_add(1);
            }
        }
        let mut flags = has_child.iter();
        parents.retain(|_| flags.next().copied().unwrap_or(false));
        for c in children.iter_mut() {
            if let Some(Some(ni)) = new_index.get(c.parent) {
                c.parent = *ni;
            }
        }
    }
    if levels.first().is_none_or(|root| root.is_empty()) {
        return None;
    }
    Some(levels)
}

/// §6.1.5 (g)(iii): the tree intersected with a user-initial-policy-set without anyPolicy.
fn intersect(mut levels: Vec<Vec<Node>>, initial: &BTreeSet<ObjectIdentifier>) -> Tree {
    let leaf_depth = levels.len().saturating_sub(1);
    // (g)(iii)(1)-(2): nodes whose parent is anyPolicy (and not anyPolicy themselves) that
    // are outside the initial set go, with their subtrees.
    let mut node_set: BTreeSet<ObjectIdentifier> = BTreeSet::new();
    for d in 1..levels.len() {
        let (upper, lower) = levels.split_at_mut(d);
        let (Some(parents), Some((level, rest))) = (upper.last(), lower.split_first_mut()) else {
            continue;
        };
        let alive: Vec<bool> = level
            .iter()
            .map(|n| {
                let parent_any = parents
                    .get(n.parent)
                    .is_some_and(|p| p.valid_policy == ANY_POLICY);
                // Orphans of a removed node are marked with usize::MAX below.
                if n.parent == usize::MAX {
                    return false;
                }
                if parent_any && n.valid_policy != ANY_POLICY {
                    if initial.contains(&n.valid_policy) {
                        node_set.insert(n.valid_policy);
                        return true;
                    }
                    return false;
                }
                true
            })
            .collect();
        reindex_level(level, &alive, rest.first_mut());
    }
    // (g)(iii)(3): the anyPolicy leaf stands for each initial policy not yet in the set.
    if let Some(leaf) = levels.get(leaf_depth)
        && let Some(any_leaf) = leaf.iter().position(|n| n.valid_policy == ANY_POLICY)
    {
        let parent = leaf.get(any_leaf).map(|n| n.parent).unwrap_or(0);
        let extra: Vec<Node> = initial
            .iter()
            .filter(|p| !node_set.contains(*p))
            .map(|p| Node {
                valid_policy: *p,
                expected: BTreeSet::from([*p]),
                parent,
            })
            .collect();
        if let Some(leaf) = levels.get_mut(leaf_depth) {
            // (g)(iii)(4)
            leaf.retain(|n| n.valid_policy != ANY_POLICY);
            leaf.extend(extra);
        }
    }
    prune(levels, leaf_depth)
}

/// Keeps the nodes of `level` marked alive and points the children in `below` at the new
/// indices; children of removed nodes get the parent `usize::MAX` (removed in turn).
fn reindex_level(level: &mut Vec<Node>, alive: &[bool], below: Option<&mut Vec<Node>>) {
    let mut new_index = Vec::with_capacity(alive.len());
    let mut kept = 0usize;
    for a in alive {
        new_index.push(if *a { Some(kept) } else { None });
        if *a {
            kept = kept.saturating_add(1);
        }
    }
    let mut flags = alive.iter();
    level.retain(|_| flags.next().copied().unwrap_or(false));
    if let Some(below) = below {
        for c in below.iter_mut() {
            c.parent = new_index
                .get(c.parent)
                .copied()
                .flatten()
                .unwrap_or(usize::MAX);
        }
    }
}

/// §6.1.6: the valid policies in the trust anchor's domain: Any when an anyPolicy leaf
/// remains (its whole branch is anyPolicy), else the policies of the nodes whose parent is
/// anyPolicy.
fn summarise(levels: &[Vec<Node>]) -> ValidPolicies {
    if levels
        .last()
        .is_some_and(|leaf| leaf.iter().any(|n| n.valid_policy == ANY_POLICY))
    {
        return ValidPolicies::Any;
    }
    let mut out: BTreeSet<String> = BTreeSet::new();
    for pair in levels.windows(2) {
        if let [parents, level] = pair {
            for n in level {
                let parent_any = parents
                    .get(n.parent)
                    .is_some_and(|p| p.valid_policy == ANY_POLICY);
                if parent_any && n.valid_policy != ANY_POLICY {
                    out.insert(n.valid_policy.to_string());
                }
            }
        }
    }
    ValidPolicies::Set(out.into_iter().collect())
}

#[cfg(test)]
mod tests;
