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
use crate::seal::SealType;

/// What a request asks the CA to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Issue,
    Renew,
    Revoke,
    Release,
    CrlGenerate,
    SealCreate,
    SealRevoke,
}

impl Verb {
    /// The `verb` of the body.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Issue => "cert.issue",
            Verb::Renew => "cert.renew",
            Verb::Revoke => "cert.revoke",
            Verb::Release => "cert.release",
            Verb::CrlGenerate => "crl.generate",
            Verb::SealCreate => "seal.create",
            Verb::SealRevoke => "seal.revoke",
        }
    }

    /// The endpoint (docs/api.md).
    pub fn path(self) -> &'static str {
        match self {
            Verb::Issue => "/api/v1/cert/issue",
            Verb::Renew => "/api/v1/cert/renew",
            Verb::Revoke => "/api/v1/cert/revoke",
            Verb::Release => "/api/v1/cert/release",
            Verb::CrlGenerate => "/api/v1/crl/generate",
            Verb::SealCreate => "/api/v1/seal/create",
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
    #[serde(rename = "cert.renew")]
    Renew(RenewBody),
    #[serde(rename = "cert.revoke")]
    Revoke(RevokeBody),
    #[serde(rename = "cert.release")]
    Release(ReleaseBody),
    #[serde(rename = "crl.generate")]
    CrlGenerate(CrlBody),
    #[serde(rename = "seal.create")]
    SealCreate(SealCreateBody),
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

/// `cert renew`: the old certificate's serial (a file is read on the client, which sends its
/// serial), and for `--rekey` the CSR of the new key (made on the client for `--key-out`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewBody {
    /// The hex serial of the certificate to renew.
    pub serial: String,
    /// `--rekey`: the new key's CSR (PEM or DER), base64; absent: the old certificate's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csr: Option<String>,
    /// `--validity` (`730d`, `2y`); absent: the profile's default.
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

/// `seal create`: what the local verb reads from its files, sent as the files' bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealCreateBody {
    pub name: String,
    /// `--type` (official, 公章, 1, ...).
    pub seal_type: String,
    pub department: String,
    /// Each `--holder-cert` file (a certificate, then optionally its chain; PEM or DER), base64.
    pub holders: Vec<String>,
    /// The `--image` file (PNG or SVG), base64; absent: the standard round seal is drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// `--image-size`, millimetres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_size_mm: Option<(u32, u32)>,
    /// `--valid-from`, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// `--valid-until`: an RFC 3339 time or a duration after the start (`2y`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Each `--holder-trust` file (PEM bundle), base64.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holder_trust: Vec<String>,
}

/// The most holder certificate files one seal names.
pub const MAX_HOLDERS: usize = 64;

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
    Renew {
        serial: Serial,
        /// The new key's CSR bytes (PEM or DER), not yet checked.
        csr: Option<Vec<u8>>,
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
    SealCreate(Box<SealCreate>),
    SealRevoke {
        es_id: String,
        reason: String,
    },
}

/// A `seal create` body parsed: the files' bytes decoded, the values parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealCreate {
    pub name: String,
    pub seal_type: SealType,
    pub department: String,
    /// Each holder file's bytes (the certificate, then optionally its chain).
    pub holders: Vec<Vec<u8>>,
    pub image: Option<Vec<u8>>,
    pub image_size_mm: Option<(u32, u32)>,
    pub valid_from: Option<OffsetDateTime>,
    /// A time, else a duration after the start.
    pub valid_until: Option<Result<OffsetDateTime, Duration>>,
    /// Each trust file's bytes.
    pub holder_trust: Vec<Vec<u8>>,
}

impl Checked {
    pub fn verb(&self) -> Verb {
        match self {
            Checked::Issue { .. } => Verb::Issue,
            Checked::Renew { .. } => Verb::Renew,
            Checked::Revoke { .. } => Verb::Revoke,
            Checked::Release { .. } => Verb::Release,
            Checked::CrlGenerate { .. } => Verb::CrlGenerate,
            Checked::SealCreate(_) => Verb::SealCreate,
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
            Body::Renew(_) => Verb::Renew,
            Body::Revoke(_) => Verb::Revoke,
            Body::Release(_) => Verb::Release,
            Body::CrlGenerate(_) => Verb::CrlGenerate,
            Body::SealCreate(_) => Verb::SealCreate,
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
            Body::Renew(b) => Checked::Renew {
                serial: b
                    .serial
                    .parse()
                    .map_err(|e| bad(&format!("serial `{}`", b.serial), e))?,
                csr: b
                    .csr
                    .as_deref()
                    .map(|c| B64.decode(c).map_err(|e| bad("csr (base64)", e)))
                    .transpose()?,
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
            Body::SealCreate(b) => Checked::SealCreate(Box::new(seal_create(b)?)),
            Body::SealRevoke(b) => Checked::SealRevoke {
                es_id: b.es_id.clone(),
                reason: b.reason.clone(),
            },
        })
    }
}

fn seal_create(b: &SealCreateBody) -> Result<SealCreate, ApiError> {
    if b.holders.is_empty() {
        return Err(ApiError::malformed("a seal names at least one holder"));
    }
    if b.holders.len() > MAX_HOLDERS || b.holder_trust.len() > MAX_HOLDERS {
        return Err(ApiError::malformed(format!(
            "at most {MAX_HOLDERS} holder and trust files in one request"
        )));
    }
    let files = |what: &str, list: &[String]| -> Result<Vec<Vec<u8>>, ApiError> {
        list.iter()
            .map(|f| {
                B64.decode(f)
                    .map_err(|e| bad(&format!("{what} (base64)"), e))
            })
            .collect()
    };
    let valid_until = b
        .valid_until
        .as_deref()
        .map(|t| match when::parse_time(t) {
            Ok(at) => Ok(Ok(at)),
            Err(_) => when::parse_duration(t).map(Err).map_err(|_| {
                ApiError::malformed(format!(
                    "valid_until `{t}` is neither an RFC 3339 time nor a duration like 2y"
                ))
            }),
        })
        .transpose()?;
    Ok(SealCreate {
        name: b.name.clone(),
        seal_type: b
            .seal_type
            .parse()
            .map_err(|e| bad(&format!("seal_type `{}`", b.seal_type), e))?,
        department: b.department.clone(),
        holders: files("holders", &b.holders)?,
        image: b
            .image
            .as_deref()
            .map(|i| B64.decode(i).map_err(|e| bad("image (base64)", e)))
            .transpose()?,
        image_size_mm: b.image_size_mm,
        valid_from: b
            .valid_from
            .as_deref()
            .map(|t| when::parse_time(t).map_err(|e| bad("valid_from", e)))
            .transpose()?,
        valid_until,
        holder_trust: files("holder_trust", &b.holder_trust)?,
    })
}
