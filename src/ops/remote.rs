//! The operator API's use cases (docs/api.md): a request opened by [`crate::api::open_request`]
//! carried out on the CA the service holds, through the same operations the CLI runs, and
//! answered with the JSON the CLI prints for the verb (`--json`).
//!
//! [`execute`] claims the request's nonce (a replay is refused), derives the asks from the body
//! as the CLI does, has [`govern::authorize_request`] check the operator and the policy (with
//! the listener's domain and the server's `now`), then runs the operation with the CA key the
//! service unlocked once. Every refusal is an [`ApiError`] with its status; nothing is
//! committed but a refusal's audit record. [`sign_request`] is the client's half.
//!
//! Prints nothing, reads no clock: the domain, `now` and the randomness are inputs.

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::common::{self, OpenCa};
use super::govern::{self, Allowed, Ask};
use super::secrets::{self, Passphrase, Random};
use super::{NoPrompt, crl, issue, renew, revoke};
use crate::api::{ApiError, Body, Checked, SealCreate, VerifiedRequest, WINDOW};
use crate::audit::proof::{self, Operative};
use crate::ca::keys::PrivateKey;
use crate::ca::when::rfc3339;
use crate::store::StoreError;
use crate::store::nonces::Claim;
use crate::store::seals::SealStoreError;

/// Never asked: the service signs with the CA key it unlocked once, handed to each operation.
static HELD_KEY: Passphrase = Passphrase::Ask {
    flag: "--passphrase-file",
};

/// How the service acts for the authorized operator `actor` in an issuance or a renewal: with
/// the CA key it holds, so no passphrase is read and nobody is prompted.
fn held_key_acting<'a>(
    actor: &'a str,
    now: OffsetDateTime,
    rng: &'a dyn Random,
) -> issue::Acting<'a> {
    issue::Acting {
        actor,
        now,
        ca_passphrase: &HELD_KEY,
        prompt: &NoPrompt,
        rng,
    }
}

/// What a request did: the JSON the CLI prints for the verb with `--json`, the warnings it
/// prints on stderr, and what the policy allowed.
#[derive(Debug, Clone)]
pub struct Executed {
    pub json: Value,
    pub warnings: Vec<String>,
    pub allowed: Vec<Allowed>,
}

/// Signs a request for the CA `ca_cert` (client side): the envelope's JSON bytes, with a fresh
/// nonce from `rng`.
pub fn sign_request(
    ca_cert: &[u8],
    operator_cert: &[u8],
    key: &PrivateKey,
    body: &Body,
    asks: &[Ask],
    now: OffsetDateTime,
    rng: &dyn Random,
) -> super::Result<Vec<u8>> {
    let nonce = secrets::random16(rng)?;
    Ok(crate::api::sign_request(
        ca_cert,
        operator_cert,
        key,
        body,
        &govern::ask_texts(asks),
        now,
        nonce,
    )
    .map_err(|e| anyhow::anyhow!("signing the request: {e}"))?)
}

/// The asks the server derives from a request body (`"action resource"`, sorted, each once):
/// what the operator must sign. A client that cannot derive them (the department of a serial
/// is the store's) learns them from an [`ApiError::AsksDiffer`] answer or from this.
pub fn asks_of(
    open: &OpenCa,
    body: &Checked,
    now: OffsetDateTime,
) -> Result<Vec<String>, ApiError> {
    let asks = match body {
        Checked::Issue { .. } => {
            let prepared = prepare_issue(body)?;
            govern::RoleGrants::load(open).map_err(failed)?.asks(
                prepared.subject(),
                prepared.sans(),
                prepared.profile(),
            )
        }
        Checked::Renew { .. } => {
            let renewal = prepare_renewal(open, body, now)?;
            govern::RoleGrants::load(open).map_err(failed)?.asks(
                renewal.subject(),
                renewal.sans(),
                renewal.profile(),
            )
        }
        Checked::Revoke { serials, .. } | Checked::Release { serials } => {
            revoke::asks(open, serials, now).map_err(failed)?
        }
        Checked::CrlGenerate { .. } => vec![crl_ask(open)],
        Checked::SealCreate(sc) => vec![super::seal::create::ask_for(&sc.department, sc.seal_type)],
        Checked::SealRevoke { es_id, .. } => vec![seal_revoke_ask(open, es_id)?],
    };
    Ok(govern::ask_texts(&asks))
}

/// Carries out a verified request on `open`, whose CA key is `ca_key`, for a request that
/// arrived on a listener of `domain`, at the server's `now`.
pub fn execute(
    open: &mut OpenCa,
    ca_key: &PrivateKey,
    verified: VerifiedRequest,
    domain: Option<&str>,
    now: OffsetDateTime,
    rng: &dyn Random,
) -> Result<Executed, ApiError> {
    // The window is checked again against this `now` (the caller may have waited), and the
    // nonce claimed before anything else: a replay is refused however the rest would go.
    if (now - verified.time()).abs() > WINDOW {
        return Err(ApiError::Stale {
            time: verified.time_text().to_string(),
            now: rfc3339(now),
            minutes: WINDOW.whole_minutes(),
        });
    }
    let claim = open
        .store
        .claim_nonce(
            &proof::fingerprint(verified.operator()),
            verified.nonce(),
            verified.time(),
            now - WINDOW,
        )
        .map_err(|e| ApiError::internal(e.to_string()))?;
    if claim == Claim::Seen {
        return Err(ApiError::Replay {
            nonce: verified.nonce().to_string(),
        });
    }
    let result = run(open, ca_key, &verified, domain, now, rng);
    // The signer armed for this request's operator must not sign anything else.
    open.store.clear_act_signer();
    result
}

fn run(
    open: &mut OpenCa,
    ca_key: &PrivateKey,
    verified: &VerifiedRequest,
    domain: Option<&str>,
    now: OffsetDateTime,
    rng: &dyn Random,
) -> Result<Executed, ApiError> {
    let mut warnings = Vec::new();
    // What the operator signed they ask the CA to do must be what the body asks (v2).
    if let Some(signed) = verified.operative() {
        let derived = operative_of(verified.body())?;
        if Operative::parse(signed).as_ref() != Some(&derived) {
            return Err(ApiError::malformed(format!(
                "the request's signed operative content `{signed}` is not the body's `{}`",
                derived.to_text()
            )));
        }
    }
    let authorize = |open: &mut OpenCa, asks: &[Ask]| {
        govern::authorize_request(open, verified, asks, domain, now, ca_key)
    };
    let (json, allowed) = match verified.body() {
        Checked::Issue { .. } => {
            let prepared = prepare_issue(verified.body())?;
            // The validity before the policy is asked: a refused one leaves no trace.
            issue::check_window(open, &prepared, now).map_err(rejected)?;
            let profile = prepared.profile();
            let asks = govern::RoleGrants::load(open).map_err(failed)?.asks(
                prepared.subject(),
                prepared.sans(),
                profile,
            );
            let authorized = authorize(open, &asks)?;
            let issued = issue::issue_with_key(
                open,
                prepared,
                &issue::Delivery::default(),
                &held_key_acting(&authorized.actor, now, rng),
                ca_key,
            )
            .map_err(failed)?;
            if issued.fitted {
                warnings.push(issue::fitted_warning(issued.not_after));
            }
            // As `cert issue --json` prints it; the client writes the files.
            let json = json!({
                "serial": issued.serial.to_hex(),
                "subject": issued.subject.to_string(),
                "profile": profile.name(),
                "not_before": rfc3339(issued.not_before),
                "not_after": rfc3339(issued.not_after),
                "out": Value::Null,
                "key_out": Value::Null,
                "fitted_to_ca_end": issued.fitted,
                "pem": common::cert_pem(&issued.der),
            });
            (json, authorized.allowed)
        }
        Checked::Renew { .. } => {
            // Checked and asked as `cert renew` is locally: an issuance of the old
            // certificate's profile to its subject.
            let renewal = prepare_renewal(open, verified.body(), now)?;
            let asks = govern::RoleGrants::load(open).map_err(failed)?.asks(
                renewal.subject(),
                renewal.sans(),
                renewal.profile(),
            );
            let authorized = authorize(open, &asks)?;
            let renewed = renew::renew_with_key(
                open,
                renewal,
                &issue::Delivery::default(),
                &held_key_acting(&authorized.actor, now, rng),
                ca_key,
            )
            .map_err(failed)?;
            if renewed.issued.fitted {
                warnings.push(issue::fitted_warning(renewed.issued.not_after));
            }
            // As `cert renew --json` prints it; the client writes the file.
            (renewed.json(), authorized.allowed)
        }
        Checked::Revoke {
            serials,
            reason,
            invalidity,
        } => {
            let req = revoke::Request::new(serials.clone(), *reason, *invalidity, now)
                .map_err(rejected)?;
            let asks = revoke::asks(open, req.serials(), now).map_err(failed)?;
            let authorized = authorize(open, &asks)?;
            let revoked = revoke::revoke(open, &req, &authorized.actor, now).map_err(failed)?;
            let json =
                serde_json::to_value(&revoked).map_err(|e| ApiError::internal(e.to_string()))?;
            (json, authorized.allowed)
        }
        Checked::Release { serials } => {
            let asks = revoke::asks(open, serials, now).map_err(failed)?;
            let authorized = authorize(open, &asks)?;
            let released =
                revoke::release(open, serials, &authorized.actor, now).map_err(failed)?;
            (json!({ "released": released }), authorized.allowed)
        }
        Checked::CrlGenerate { next_update } => {
            if let Some((number, next, expired)) =
                crl::previous_lapsing(open, now).map_err(failed)?
            {
                let verb = if expired { "expired" } else { "expires" };
                warnings.push(format!(
                    "the previous CRL #{number} {verb} at {}",
                    rfc3339(next)
                ));
            }
            let authorized = authorize(open, &[crl_ask(open)])?;
            let published = crl::publish_with_key(
                open,
                authorized.actor.clone(),
                ca_key,
                now,
                *next_update,
                &crl::Delivery::default(),
            )
            .map_err(failed)?;
            if published.next_after_ca {
                warnings.push("nextUpdate is after the CA certificate expires".into());
            }
            // As `crl generate --json` prints it, and the CRL itself.
            let json = json!({
                "number": published.number,
                "entries": published.crl.entries,
                "this_update": rfc3339(published.this_update),
                "next_update": rfc3339(published.next_update),
                "out": Value::Null,
                "sha256": published.sha256,
                "crl": B64.encode(published.crl.der()),
            });
            (json, authorized.allowed)
        }
        Checked::SealCreate(sc) => {
            // The picture is checked before the policy is asked, as locally.
            let picture = super::seal::create::picture_of(
                &sc.name,
                sc.seal_type,
                sc.image_size_mm,
                sc.image.clone().map(|d| ("image".to_string(), d)),
            )
            .map_err(rejected_anyhow)?;
            let ask = super::seal::create::ask_for(&sc.department, sc.seal_type);
            let authorized = authorize(open, &[ask])?;
            let json = make_seal(
                open,
                ca_key,
                sc,
                picture,
                &authorized.actor,
                now,
                rng,
                &mut warnings,
            )?;
            (json, authorized.allowed)
        }
        Checked::SealRevoke { es_id, reason } => {
            let reason = super::seal::revoke::check_reason(reason).map_err(rejected_anyhow)?;
            let ask = seal_revoke_ask(open, es_id)?;
            let authorized = authorize(open, &[ask])?;
            open.store
                .revoke_seal(es_id, &reason, &authorized.actor, now)
                .map_err(|e| seal_failed(&e))?;
            // As `seal revoke --json` prints it.
            let revoked = super::seal::revoke::RevokedSeal {
                es_id: es_id.clone(),
                reason,
                revoked_at: now,
                allowed: Vec::new(),
            };
            let json =
                serde_json::to_value(&revoked).map_err(|e| ApiError::internal(e.to_string()))?;
            (json, authorized.allowed)
        }
    };
    Ok(Executed {
        json,
        warnings,
        allowed,
    })
}

/// What a request body asks the CA to do ([`Operative`]), derived by the same code on the
/// client (which signs it) and the server (which checks the signed one is this): for an issue
/// request, the key, subject and SANs as the certificate will carry them.
pub fn operative(body: &Body) -> Result<Operative, ApiError> {
    operative_of(&body.check()?)
}

fn operative_of(body: &Checked) -> Result<Operative, ApiError> {
    let hexes = |serials: &[crate::ca::serial::Serial]| {
        serials
            .iter()
            .map(crate::ca::serial::Serial::to_hex)
            .collect()
    };
    Ok(match body {
        Checked::Issue { .. } => {
            let prepared = prepare_issue(body)?;
            Operative::Issue {
                spki_sha256: proof::fingerprint(prepared.spki_der()),
                subject: prepared.subject().to_string(),
                sans: prepared.sans().iter().map(ToString::to_string).collect(),
                profile: prepared.profile().name().to_string(),
            }
        }
        Checked::Renew { serial, csr, .. } => Operative::Renew {
            renews: serial.to_hex(),
            spki_sha256: csr
                .as_deref()
                .map(|bytes| {
                    crate::ca::csr::verify_csr(bytes)
                        .map(|v| proof::fingerprint(&v.spki_der))
                        .map_err(|e| ApiError::malformed(format!("csr: {e}")))
                })
                .transpose()?,
        },
        Checked::Revoke {
            serials, reason, ..
        } => Operative::Revoke {
            serials: hexes(serials),
            reason: reason.name().to_string(),
        },
        Checked::Release { serials } => Operative::Release {
            serials: hexes(serials),
        },
        Checked::CrlGenerate { .. } => Operative::CrlGenerate {},
        Checked::SealCreate(sc) => {
            let mut holders = Vec::with_capacity(sc.holders.len());
            for (i, bytes) in sc.holders.iter().enumerate() {
                let (holder, _) = bundle(&holder_label(i), bytes)?;
                holders.push(proof::fingerprint(&holder));
            }
            Operative::SealCreate {
                name: sc.name.clone(),
                seal_type: sc.seal_type.name().to_string(),
                department: sc.department.clone(),
                holders,
            }
        }
        Checked::SealRevoke { es_id, .. } => Operative::SealRevoke {
            es_id: es_id.clone(),
        },
    })
}

/// How a holder file is named in errors: the request carries the files, not their names.
fn holder_label(i: usize) -> String {
    format!("holder {}", i + 1)
}

/// A certificate file's bytes: its first certificate, then the rest (its chain).
fn bundle(label: &str, bytes: &[u8]) -> Result<(Vec<u8>, Vec<Vec<u8>>), ApiError> {
    use crate::ca::input;
    let mut certs = input::decode_all(bytes, input::CERT_LABELS)
        .map_err(|e| ApiError::malformed(format!("{label}: {e}")))?
        .into_iter();
    let first = certs
        .next()
        .ok_or_else(|| ApiError::malformed(format!("{label}: no certificate")))?;
    let rest: Vec<Vec<u8>> = certs.collect();
    for der in std::iter::once(&first).chain(&rest) {
        input::parse_cert(der).map_err(|e| ApiError::malformed(format!("{label}: {e}")))?;
    }
    Ok((first, rest))
}

/// Makes, records and answers a seal through the service, with the CA key (the seal maker of
/// the home, as locally without `--authority-cert`); checked as `seal create` checks it.
#[allow(clippy::too_many_arguments)]
fn make_seal(
    open: &mut OpenCa,
    ca_key: &PrivateKey,
    sc: &SealCreate,
    picture: crate::seal::Picture,
    actor: &str,
    now: OffsetDateTime,
    rng: &dyn Random,
    warnings: &mut Vec<String>,
) -> Result<Value, ApiError> {
    use super::seal::create::{self, Holders, ValidUntil};
    let maker_der = create::seal_maker(open, None, now).map_err(rejected_anyhow)?;
    if common::spki_of(&maker_der).map_err(rejected_anyhow)? != ca_key.spki_der() {
        return Err(ApiError::internal(
            "the key the server holds is not the seal maker's",
        ));
    }
    let maker_not_after = crate::ca::input::parse_cert(&maker_der)
        .map_err(|e| ApiError::internal(e.to_string()))?
        .validity()
        .not_after
        .to_datetime();
    let home_chain = open.chain();
    let anchors = if sc.holder_trust.is_empty() {
        home_chain.last().cloned().into_iter().collect::<Vec<_>>()
    } else {
        let mut a = Vec::new();
        for (i, bytes) in sc.holder_trust.iter().enumerate() {
            let (first, rest) = bundle(&format!("holder trust {}", i + 1), bytes)?;
            a.push(first);
            a.extend(rest);
        }
        a
    };
    let mut holders = Holders::new();
    for (i, bytes) in sc.holders.iter().enumerate() {
        let label = holder_label(i);
        let (holder, chain) = bundle(&label, bytes)?;
        let (holder, end) =
            create::check_holder_parts(open, &label, holder, chain, &anchors, &home_chain, now)
                .map_err(rejected_anyhow)?;
        holders.add(&label, holder, end).map_err(rejected_anyhow)?;
    }
    let valid_from = sc.valid_from.unwrap_or(now);
    let asked = sc.valid_until.map(|v| match v {
        Ok(at) => ValidUntil::At(at),
        Err(after) => ValidUntil::After(after),
    });
    let valid_until = create::validity_end(asked, valid_from, &holders, maker_not_after)
        .map_err(rejected_anyhow)?;
    let said = std::cell::RefCell::new(Vec::new());
    create::warn_about_validity(
        &|w| said.borrow_mut().push(w.to_string()),
        valid_until,
        holders.latest_end,
        now,
    );
    warnings.extend(said.into_inner());
    let es_id = create::fresh_es_id(open, rng).map_err(|e| ApiError::internal(e.to_string()))?;
    // A drawn seal carries its esID along the lower arc, as locally.
    let picture = match sc.image {
        None => create::drawn(&sc.name, sc.seal_type, sc.image_size_mm, Some(&es_id))
            .map_err(rejected_anyhow)?,
        Some(_) => picture,
    };
    let spec = crate::seal::SealSpec {
        name: sc.name.clone(),
        seal_type: sc.seal_type,
        department: sc.department.clone(),
        holder_certs: holders.ders.clone(),
        image: picture,
        valid_from,
        valid_until,
        created: now,
        es_id,
    };
    let seal = crate::seal::create_seal(&spec, &maker_der, &super::seal::KeySigner::new(ca_key))
        .map_err(|e| ApiError::internal(format!("making the seal: {e}")))?;
    create::record(open, &seal, &sc.department, &holders, actor, now)
        .map_err(|e| failed(super::Error::from(e)))?;
    let created = create::created(
        &seal,
        &sc.department,
        std::path::Path::new(""),
        &holders,
        Vec::new(),
    );
    // As `seal create --json` prints it (the client sets `out`), and the seal itself.
    let mut json = serde_json::to_value(&created).map_err(|e| ApiError::internal(e.to_string()))?;
    json["out"] = Value::Null;
    json["seal"] = Value::String(B64.encode(seal.to_der()));
    Ok(json)
}

/// Checks an issue request (the CSR's signature, subject, SANs) before anything is asked.
fn prepare_issue(body: &Checked) -> Result<issue::Prepared, ApiError> {
    let Checked::Issue {
        csr,
        profile,
        subject,
        sans,
        validity,
    } = body
    else {
        return Err(ApiError::internal("not an issue request"));
    };
    issue::prepare(issue::Request {
        profile: *profile,
        subject: subject.clone(),
        sans: sans.clone(),
        validity: validity.unwrap_or_else(|| issue::default_validity(*profile)),
        sub_ca: Default::default(),
        key: issue::KeySource::Csr {
            path: PathBuf::from("csr"),
            bytes: csr.clone(),
        },
    })
    .map(|p| p.with_default_validity(validity.is_none()))
    .map_err(rejected)
}

/// Checks a renewal request against the store (the old certificate known and valid, a new
/// key's CSR signed and for its subject) before anything is asked, as `cert renew` does.
fn prepare_renewal(
    open: &OpenCa,
    body: &Checked,
    now: OffsetDateTime,
) -> Result<renew::Renewal, ApiError> {
    let Checked::Renew {
        serial,
        csr,
        validity,
    } = body
    else {
        return Err(ApiError::internal("not a renewal request"));
    };
    renew::prepare(
        open,
        renew::Request {
            target: renew::Target::Serial(serial.clone()),
            key: match csr {
                Some(bytes) => renew::NewKey::Csr {
                    path: PathBuf::from("csr"),
                    bytes: bytes.clone(),
                },
                None => renew::NewKey::Same,
            },
            validity: *validity,
            not_before: None,
            not_after: None,
        },
        now,
    )
    .map_err(failed)
}

/// `crl.publish` on `ca/<name>`, as `crl generate` asks.
fn crl_ask(open: &OpenCa) -> Ask {
    Ask::new("crl.publish", format!("ca/{}", govern::ca_name(open)))
}

/// `seal.revoke` on `dept/<OU>/seal/<type>` of the seal, as `seal revoke` asks.
fn seal_revoke_ask(open: &OpenCa, es_id: &str) -> Result<Ask, ApiError> {
    let row = open
        .store
        .seal(es_id)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Ask::new(
        "seal.revoke",
        format!(
            "dept/{}/seal/{}",
            govern::segment(row.as_ref().map(|r| r.record.department.as_str())),
            govern::segment(row.as_ref().map(|r| r.record.seal_type.as_str()))
        ),
    ))
}

/// A refusal of what the request says (checked before anything is asked): 400.
fn rejected(err: super::Error) -> ApiError {
    ApiError::Malformed {
        message: err.message(),
        hint: err.hint().map(str::to_string),
    }
}

fn rejected_anyhow(err: anyhow::Error) -> ApiError {
    rejected(err.into())
}

/// A failure while carrying the request out: 409 when the state does not allow it, 400 for an
/// unknown serial, 500 when the store, a file or a key failed, else 400 (the request asked for
/// something the operation refuses).
fn failed(err: super::Error) -> ApiError {
    for cause in err.as_anyhow().chain() {
        if let Some(e) = cause.downcast_ref::<StoreError>() {
            return match e {
                StoreError::AlreadyRevoked { .. } | StoreError::NotOnHold(_) => {
                    ApiError::Conflict {
                        message: err.message(),
                    }
                }
                StoreError::UnknownSerial(_) => ApiError::malformed(err.message()),
                _ => ApiError::internal(err.message()),
            };
        }
        if cause.downcast_ref::<std::io::Error>().is_some()
            || cause.downcast_ref::<crate::ca::keys::KeyError>().is_some()
        {
            return ApiError::internal(err.message());
        }
    }
    rejected(err)
}

fn seal_failed(err: &SealStoreError) -> ApiError {
    match err {
        SealStoreError::AlreadyRevoked { .. } => ApiError::Conflict {
            message: err.to_string(),
        },
        SealStoreError::UnknownSeal(_) => ApiError::malformed(err.to_string()),
        SealStoreError::Store(_) | SealStoreError::DuplicateEsId(_) => {
            ApiError::internal(err.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::dn::Dn;
    use crate::ca::profile::Profile;

    #[test]
    fn an_unlocked_key_of_another_ca_signs_nothing() {
        use std::sync::atomic::AtomicU8;

        use crate::ca::keys::Algorithm;
        use crate::ops::issue::tests::{Counter, root_home};

        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut open = OpenCa::open(dir.path()).unwrap();
        let now = time::macros::datetime!(2026-05-04 10:00 UTC);
        let stranger = PrivateKey::generate(Algorithm::P256).unwrap();
        let pass = Passphrase::Ask { flag: "-" };
        let rng = Counter(AtomicU8::new(0));
        let prepared = issue::prepare(issue::Request {
            profile: Profile::Person,
            subject: Some(Dn::parse("CN=x,OU=y,O=Test,C=CN").unwrap()),
            sans: vec![],
            validity: time::Duration::days(30),
            sub_ca: Default::default(),
            key: issue::KeySource::Generate {
                algorithm: Algorithm::P256,
                key_out: dir.path().join("x.key"),
                protection: issue::KeyProtection::Unencrypted,
            },
        })
        .unwrap();
        let acting = issue::Acting {
            actor: "local:test",
            now,
            ca_passphrase: &pass,
            prompt: &NoPrompt,
            rng: &rng,
        };
        let err = issue::issue_with_key(
            &mut open,
            prepared,
            &issue::Delivery::default(),
            &acting,
            &stranger,
        )
        .err()
        .unwrap();
        assert!(err.message().contains("does not match"), "{err}");
        let err = crl::publish_with_key(
            &mut open,
            "local:test".into(),
            &stranger,
            now,
            time::Duration::days(7),
            &crl::Delivery::default(),
        )
        .err()
        .unwrap();
        assert!(err.message().contains("does not match"), "{err}");
        assert_eq!(
            open.store.audit_records(None).unwrap().len(),
            1,
            "only ca.init"
        );
        // This CA's own key, unlocked once, issues and publishes.
        let key = open.unlock(&pass, &NoPrompt).unwrap();
        crl::publish_with_key(
            &mut open,
            "local:test".into(),
            &key,
            now,
            time::Duration::days(7),
            &crl::Delivery::default(),
        )
        .unwrap();
    }
}
