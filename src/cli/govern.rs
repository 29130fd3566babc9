//! The CLI's side of policy governance (the rules are in [`crate::ops::govern`]): turns the
//! global flags `--as`, `--as-key`, `--as-passphrase-file` and `--domain` into the operation's
//! inputs, and reports what the policy allowed at `-v`. The functions here keep the signatures
//! the command modules call.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;

use super::Context;
use super::common::{self, OpenCa};
use crate::authz::Policy;
use crate::ca::keys::PrivateKey;
use crate::ops::govern::Governance;
use crate::ops::{Passphrase, SystemRandom};

pub use crate::ops::PolicyDenied;
pub use crate::ops::govern::{Ask, operator_name, segment};

/// The governance inputs of this run.
pub fn governance(ctx: &Context) -> Governance<'static> {
    Governance {
        now: ctx.now,
        domain: ctx.domain.clone(),
        operator_cert: ctx.operator.clone(),
        operator_key: ctx.operator_key.clone(),
        operator_passphrase: Passphrase::file_or_ask(
            ctx.operator_passphrase_file.as_deref(),
            "--as-passphrase-file",
        ),
        prompt: &common::TERMINAL,
        rng: Arc::new(SystemRandom),
        local_actor: common::local_actor(),
    }
}

/// Reads a policy file or directory and compiles it from its sources; any error stops the
/// command. Never through the compiled-policy cache.
pub fn load_policy(path: &Path) -> Result<Policy> {
    crate::ops::policy::load_governing_file(path)
}

/// Compiles a policy's sources without the cache.
pub fn compile_sources(path: &Path, sources: &[(std::path::PathBuf, String)]) -> Result<Policy> {
    crate::ops::policy::compile_governing(path, sources)
}

/// Asks the home's policy about `asks` for the operator of this run (see
/// [`crate::ops::govern::authorize`]). Returns the actor name for audit records.
pub fn authorize(ctx: &Context, open: &mut OpenCa, asks: &[Ask]) -> Result<String> {
    authorize_with_key(ctx, open, asks, None)
}

/// [`authorize`] with the operator's key already unlocked (`seal sign`, where the operator is
/// the signer and the signing key is the proof).
pub fn authorize_with_key(
    ctx: &Context,
    open: &mut OpenCa,
    asks: &[Ask],
    unlocked: Option<&PrivateKey>,
) -> Result<String> {
    let authorized = crate::ops::govern::authorize(&governance(ctx), open, asks, unlocked)?;
    report_allowed(ctx, &authorized.allowed);
    Ok(authorized.actor)
}

/// Reports, at `-v`, what the home's policy allowed.
pub fn report_allowed(ctx: &Context, allowed: &[crate::ops::govern::Allowed]) {
    for a in allowed {
        ctx.out.debug(&format!(
            "policy allows {} on `{}` ({})",
            a.action, a.resource, a.rule
        ));
    }
}

/// Loads the policy that governs this CA, and its version (see
/// [`crate::ops::policy::load_governing`]).
pub fn load_governing(open: &OpenCa, path: &Path) -> Result<(Policy, String)> {
    crate::ops::policy::load_governing(&open.store, path)
}

/// Whether anyone could ever manage this CA under `policy` (see
/// [`crate::ops::govern::who_can_manage`]).
pub fn who_can_manage(
    policy: &Policy,
    open: &OpenCa,
    resource: &str,
    now: time::OffsetDateTime,
) -> Result<Option<String>> {
    Ok(crate::ops::govern::who_can_manage(
        policy, open, resource, now,
    )?)
}
