//! The bodies of the operator API's requests, as sent (JSON, tagged by `verb`) and as checked
//! (parsed into the types the operations take).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::ApiError;
use crate::ca::crl::Reason;
use crate::ca::dn::Dn;
use crate::ca::profile::{Profile, San};
use crate::ca::serial::Serial;
use crate::ca::when;

/// What a request asks the CA to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Issue,
    Revoke,
    Release,
    CrlGenerate,
    SealRevoke,
}

impl Verb {
    /// The `verb` of the body.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Issue => "cert.issue",
            Verb::Revoke => "cert.revoke",
            Verb::Release => "cert.release",
            Verb::CrlGenerate => "crl.generate",
            Verb::SealRevoke => "seal.revoke",
        }
    }

    /// The endpoint (docs/api.md).
    pub fn path(self) -> &'static str {
        match self {
            Verb::Issue => "/api/v1/cert/issue",
            Verb::Revoke => "/api/v1/cert/revoke",
            Verb::Release => "/api/v1/cert/release",
            Verb::CrlGenerate => "/api/v1/crl/generate",
            Verb::SealRevoke => "/api/v1/seal/revoke",
        }
    }
}

/// A request body as sent. The verb is inside, so the signature covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verb")]
pub enum Body {
    #[serde(rename = "cert.issue")]
    Issue(IssueBody),
    #[serde(rename = "cert.revoke")]
    Revoke(RevokeBody),
    #[serde(rename = "cert.release")]
    Release(ReleaseBody),
    #[serde(rename = "crl.generate")]
    CrlGenerate(CrlBody),
    #[serde(rename = "seal.revoke")]
    SealRevoke(SealRevokeBody),
}

/// `cert issue --csr`: the options as the CLI takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// The CSR (PEM or DER), base64.
    pub csr: String,
    /// `--profile`.
    pub profile: String,
    /// `--subject`, replacing the CSR's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// `--san` values (each may be a comma-separated list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sans: Vec<String>,
    /// `--validity` (`730d`, `2y`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity: Option<String>,
}

/// `cert revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    /// Hex serials.
    pub serials: Vec<String>,
    /// The RFC 5280 reason name (`keyCompromise`); `unspecified` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `--invalidity-date`, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalidity: Option<String>,
}

/// `cert release`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseBody {
    pub serials: Vec<String>,
}

/// `crl generate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrlBody {
    /// `--next-update` (`7d` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_update: Option<String>,
}

/// `seal revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealRevokeBody {
    pub es_id: String,
    pub reason: String,
}

/// A body parsed into the operations' types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    Issue {
        /// The CSR's bytes (PEM or DER), not yet checked: the operation checks its signature.
        csr: Vec<u8>,
        profile: Profile,
        subject: Option<Dn>,
        sans: Vec<San>,
        validity: Option<Duration>,
    },
    Revoke {
        serials: Vec<Serial>,
        reason: Reason,
        invalidity: Option<OffsetDateTime>,
    },
    Release {
        serials: Vec<Serial>,
    },
    CrlGenerate {
        next_update: Duration,
    },
    SealRevoke {
        es_id: String,
        reason: String,
    },
}

impl Checked {
    pub fn verb(&self) -> Verb {
        match self {
            Checked::Issue { .. } => Verb::Issue,
            Checked::Revoke { .. } => Verb::Revoke,
            Checked::Release { .. } => Verb::Release,
            Checked::CrlGenerate { .. } => Verb::CrlGenerate,
            Checked::SealRevoke { .. } => Verb::SealRevoke,
        }
    }
}

fn bad(what: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::malformed(format!("{what}: {e}"))
}

/// Hex serials, each once, at least one.
/// The most serial numbers one request may name (a revocation of a whole department is a
/// batch of requests): the list is checked before the operator is, so it stays small.
pub const MAX_SERIALS: usize = 1_000;

fn serials(list: &[String]) -> Result<Vec<Serial>, ApiError> {
    if list.len() > MAX_SERIALS {
        return Err(ApiError::malformed(format!(
            "{} serial numbers in one request; at most {MAX_SERIALS}",
            list.len()
        )));
    }
    let mut out: Vec<Serial> = Vec::with_capacity(list.len());
    let mut seen = std::collections::HashSet::with_capacity(list.len());
    for s in list {
        let serial: Serial = s.parse().map_err(|e| bad(&format!("serial `{s}`"), e))?;
        if seen.insert(serial.clone()) {
            out.push(serial);
        }
    }
    if out.is_empty() {
        return Err(ApiError::malformed("no serial numbers given"));
    }
    Ok(out)
}

impl Body {
    pub fn verb(&self) -> Verb {
        match self {
            Body::Issue(_) => Verb::Issue,
            Body::Revoke(_) => Verb::Revoke,
            Body::Release(_) => Verb::Release,
            Body::CrlGenerate(_) => Verb::CrlGenerate,
            Body::SealRevoke(_) => Verb::SealRevoke,
        }
    }

    /// Reads a body's JSON bytes and parses its values.
    pub fn parse(bytes: &[u8]) -> Result<Checked, ApiError> {
        let body: Body = serde_json::from_slice(bytes)
            .map_err(|e| ApiError::malformed(format!("the body is not a request body: {e}")))?;
        body.check()
    }

    /// Parses the body's values (the CSR is decoded, not yet checked).
    pub fn check(&self) -> Result<Checked, ApiError> {
        Ok(match self {
            Body::Issue(b) => Checked::Issue {
                csr: B64.decode(&b.csr).map_err(|e| bad("csr (base64)", e))?,
                profile: b
                    .profile
                    .parse()
                    .map_err(|e| bad(&format!("profile `{}`", b.profile), e))?,
                subject: b
                    .subject
                    .as_deref()
                    .map(|s| Dn::parse(s).map_err(|e| bad(&format!("subject `{s}`"), e)))
                    .transpose()?,
                sans: {
                    let mut out = Vec::new();
                    for item in &b.sans {
                        out.extend(
                            San::parse_list(item).map_err(|e| bad(&format!("san `{item}`"), e))?,
                        );
                    }
                    out
                },
                validity: b
                    .validity
                    .as_deref()
                    .map(|v| when::parse_duration(v).map_err(|e| bad("validity", e)))
                    .transpose()?,
            },
            Body::Revoke(b) => Checked::Revoke {
                serials: serials(&b.serials)?,
                reason: match b.reason.as_deref() {
                    None => Reason::Unspecified,
                    Some(r) => <Reason as clap::ValueEnum>::from_str(r, false).map_err(|_| {
                        ApiError::malformed(format!(
                            "reason `{r}` is no RFC 5280 revocation reason"
                        ))
                    })?,
                },
                invalidity: b
                    .invalidity
                    .as_deref()
                    .map(|t| when::parse_time(t).map_err(|e| bad("invalidity", e)))
                    .transpose()?,
            },
            Body::Release(b) => Checked::Release {
                serials: serials(&b.serials)?,
            },
            Body::CrlGenerate(b) => Checked::CrlGenerate {
                next_update: when::parse_duration(b.next_update.as_deref().unwrap_or("7d"))
                    .map_err(|e| bad("next_update", e))?,
            },
            Body::SealRevoke(b) => Checked::SealRevoke {
                es_id: b.es_id.clone(),
                reason: b.reason.clone(),
            },
        })
    }
}
