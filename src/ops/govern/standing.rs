//! Whether an operator could act now, asked without acting: the checks of
//! [`super::authorize`] (the operator's certificate trusted by this CA, the policy allowing each
//! ask) with nothing recorded, no key used and no signer armed. For a server's `/health`, which
//! must notice an operator who can no longer publish before the next publication is due.

use std::path::Path;

use time::OffsetDateTime;

use super::{Ask, context_of, operator_is_trusted};
use crate::authz::{self, Request};
use crate::ops::common::OpenCa;
use crate::ops::policy;

/// `Ok` when `operator_der` could do every ask of `asks` from `domain` at `now` (always in an
/// ungoverned home), else why not: the policy does not load, the certificate is not accepted
/// (expired, revoked, on hold, not this CA's), or the policy denies an ask.
pub fn could_act(
    open: &OpenCa,
    operator_der: &[u8],
    domain: Option<&str>,
    asks: &[Ask],
    now: OffsetDateTime,
) -> Result<(), String> {
    let Some(policy_path) = open.meta.policy.as_deref() else {
        return Ok(());
    };
    let (policy, _) = policy::load_governing(&open.store, Path::new(policy_path))
        .map_err(|e| format!("the policy `{policy_path}` does not load: {e:#}"))?;
    operator_is_trusted(open, operator_der, now)
        .map_err(|why| format!("operator certificate not accepted: {why}"))?;
    let subject = authz::subject_from_cert(operator_der)
        .map_err(|e| format!("reading the operator certificate: {e}"))?;
    for ask in asks {
        let request = Request {
            subject: subject.clone(),
            action: ask.action.to_string(),
            resource: ask.resource.clone(),
            context: context_of(domain, now, ask),
        };
        let decision = policy.explain(&request, now);
        if !decision.allow {
            return Err(format!(
                "denied by policy: {} on `{}`: {}",
                ask.action, ask.resource, decision.reason
            ));
        }
    }
    Ok(())
}
