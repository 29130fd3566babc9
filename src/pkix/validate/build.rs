//! Candidate paths from a target to a trust anchor, depth-first.

use std::sync::Arc;

use super::super::Cert;
use super::super::name::names_match;
use super::Pool;

/// Most candidate certificates looked at while building paths for one target: a pool made to
/// explode the search (cross-certificate meshes) costs at most this much.
const BUDGET: usize = 2_000;

/// Most complete paths tried.
const MAX_PATHS: usize = 64;

/// The paths found: each from the target (first) to an anchor (last). `only_anchor`: accept
/// only this trust anchor (CRL signers must chain to the anchor of the path they serve).
/// The flag is true when some path was cut by `max_depth`.
pub(super) fn paths(
    target: &Arc<Cert>,
    pool: &Pool,
    only_anchor: Option<&Arc<Cert>>,
    max_depth: usize,
) -> (Vec<Vec<Arc<Cert>>>, bool) {
    let mut out = Vec::new();
    let mut budget = BUDGET;
    let mut cut = false;
    let mut stack = vec![target.clone()];
    extend(
        pool,
        only_anchor,
        max_depth,
        &mut stack,
        &mut out,
        &mut budget,
        &mut cut,
    );
    (out, cut)
}

fn extend(
    pool: &Pool,
    only_anchor: Option<&Arc<Cert>>,
    max_depth: usize,
    stack: &mut Vec<Arc<Cert>>,
    out: &mut Vec<Vec<Arc<Cert>>>,
    budget: &mut usize,
    cut: &mut bool,
) {
    let Some(last) = stack.last().cloned() else {
        return;
    };
    // Anchors first: the shortest paths are tried first.
    for anchor in &pool.anchors {
        if out.len() >= MAX_PATHS || *budget == 0 {
            return;
        }
        *budget -= 1;
        if only_anchor.is_some_and(|a| !Arc::ptr_eq(a, anchor) && a.der != anchor.der) {
            continue;
        }
        if issued_by(&last, anchor) {
            if stack.len() < max_depth {
                let mut path = stack.clone();
                path.push(anchor.clone());
                out.push(path);
            } else {
                *cut = true;
            }
        }
    }
    let mut candidates: Vec<&Arc<Cert>> = pool
        .intermediates
        .iter()
        .filter(|c| issued_by(&last, c))
        .collect();
    // Key identifiers, when both sides have them, put the likely issuer first; they never
    // exclude one (a wrong AKI is not a wrong signature).
    candidates.sort_by_key(|c| !key_ids_agree(&last, c));
    for c in candidates {
        if out.len() >= MAX_PATHS || *budget == 0 {
            return;
        }
        *budget -= 1;
        if stack.iter().any(|s| s.der == c.der) {
            continue;
        }
        // An intermediate that is also an anchor was tried as the anchor above.
        if pool.anchors.iter().any(|a| a.der == c.der) {
            continue;
        }
        if stack.len() + 1 >= max_depth {
            *cut = true;
            continue;
        }
        stack.push(c.clone());
        extend(pool, only_anchor, max_depth, stack, out, budget, cut);
        stack.pop();
    }
}

/// `issuer`'s subject is `cert`'s issuer name (§7.1).
fn issued_by(cert: &Cert, issuer: &Cert) -> bool {
    names_match(&cert.issuer, &issuer.subject)
}

fn key_ids_agree(cert: &Cert, issuer: &Cert) -> bool {
    let aki = cert
        .ext
        .authority_key_id
        .as_ref()
        .and_then(|a| a.key_identifier.as_ref());
    match (aki, &issuer.ext.subject_key_id) {
        (Some(a), Some(s)) => a.as_bytes() == s.as_slice(),
        _ => true,
    }
}
