//! `/health`: the verdict over the published snapshot, the OCSP answers' nextUpdate and the
//! publisher's own condition at an explicit `now` ([`judge_health`], pure), and its response.

use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use serde_json::json;
use time::OffsetDateTime;

use super::{OcspHandler, Snapshot, build};
use crate::ca::when::rfc3339;

/// The publisher's own state, for `/health`: what the served CRL and answers do not show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Condition {
    /// The last CRL publication attempt failed (the publisher backs off before the next).
    pub crl_failed: Option<CrlFailure>,
    /// In a governed home: why the serving operator (`--as`) could not publish a CRL now
    /// (certificate expired, revoked or on hold; the policy denies `crl.publish`), as last
    /// checked.
    pub operator_unable: Option<String>,
}

/// A failed CRL publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlFailure {
    pub error: String,
    pub at: OffsetDateTime,
    /// When the publisher tries again.
    pub retry_at: OffsetDateTime,
}

/// `/health` at `now`: `ok`, `degraded` or `crl-expired`, with the reasons.
///
/// Only a served CRL past its nextUpdate is a 503: relying parties then refuse what this server
/// publishes, and a load balancer should send them elsewhere. The other troubles (the OCSP
/// answers past their nextUpdate, when answers are still signed on demand at a bounded rate; a
/// failed CRL publication while the served CRL is still current; an operator who can no longer
/// publish) are a 200 with `"status": "degraded"` and the reasons: what is served is still
/// valid, every server of the home would share the trouble, so a 503 would take the whole
/// service out of rotation for what an operator must fix; monitors read `status` and `reasons`.
pub(super) fn health(
    snapshot: &Snapshot,
    ocsp: Option<&OcspHandler>,
    now: OffsetDateTime,
) -> Response<Bytes> {
    let (status, reasons) = judge_health(snapshot, ocsp.map(|h| h.next_update()), now);
    let mut body = json!({
        "status": status.name(),
        "reasons": reasons,
        "ca": snapshot.ca_subject,
        "crl": {
            "number": snapshot.crl.number,
            "this_update": rfc3339(snapshot.crl.this_update),
            "next_update": rfc3339(snapshot.crl.next_update),
        },
        "seal_status": snapshot.seal_status.is_some(),
    });
    if let (Some(handler), Some(map)) = (ocsp, body.as_object_mut()) {
        let next = handler.next_update().map(rfc3339);
        map.insert("ocsp".into(), json!({ "next_update": next }));
    }
    let code = match status {
        HealthStatus::CrlExpired => StatusCode::SERVICE_UNAVAILABLE,
        HealthStatus::Ok | HealthStatus::Degraded => StatusCode::OK,
    };
    build(code, "application/json", Bytes::from(body.to_string()), &[])
}

/// The verdict of `/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthStatus {
    Ok,
    Degraded,
    CrlExpired,
}

impl HealthStatus {
    pub fn name(self) -> &'static str {
        match self {
            HealthStatus::Ok => "ok",
            HealthStatus::Degraded => "degraded",
            HealthStatus::CrlExpired => "crl-expired",
        }
    }
}

/// Judges the publication at `now`: the verdict and one `{"reason", "detail"}` per trouble.
/// `ocsp` is the OCSP answers' nextUpdate when the server answers OCSP (`Some(None)`: none
/// signed yet).
pub fn judge_health(
    snapshot: &Snapshot,
    ocsp: Option<Option<OffsetDateTime>>,
    now: OffsetDateTime,
) -> (HealthStatus, Vec<serde_json::Value>) {
    let mut reasons = Vec::new();
    let mut reason = |code: &str, detail: String| {
        reasons.push(json!({ "reason": code, "detail": detail }));
    };
    let crl_expired = now >= snapshot.crl.next_update;
    if crl_expired {
        reason(
            "crl-expired",
            format!(
                "the served CRL {} passed its nextUpdate {}",
                snapshot.crl.number,
                rfc3339(snapshot.crl.next_update)
            ),
        );
    }
    match ocsp {
        Some(Some(next)) if now >= next => reason(
            "ocsp-expired",
            format!(
                "the pre-signed OCSP answers passed their nextUpdate {}; answers are signed on demand at a bounded rate",
                rfc3339(next)
            ),
        ),
        Some(None) => reason("ocsp-expired", "no OCSP answers are signed".into()),
        _ => {}
    }
    let condition = &snapshot.condition;
    if let Some(failed) = &condition.crl_failed {
        reason(
            "crl-publication-failed",
            format!(
                "the CRL publication at {} failed: {}; next try at {}",
                rfc3339(failed.at),
                failed.error,
                rfc3339(failed.retry_at)
            ),
        );
    }
    if let Some(why) = &condition.operator_unable {
        reason(
            "operator-cannot-publish",
            format!("the serving operator could not publish a CRL now: {why}"),
        );
    }
    let status = if crl_expired {
        HealthStatus::CrlExpired
    } else if reasons.is_empty() {
        HealthStatus::Ok
    } else {
        HealthStatus::Degraded
    };
    (status, reasons)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::serve::routes::ServedCrl;

    const THIS: OffsetDateTime = datetime!(2026-05-04 10:00 UTC);

    fn snapshot() -> Snapshot {
        Snapshot {
            ca_subject: "CN=Root".into(),
            ca_der: Bytes::from_static(b"der"),
            ca_pem: Bytes::from_static(b"pem"),
            chain_pem: Bytes::from_static(b"chain"),
            crl: ServedCrl::new(vec![0x30, 0], 7, THIS, THIS + time::Duration::days(7)),
            seal_status: None,
            condition: Condition::default(),
        }
    }

    fn reasons(list: &[serde_json::Value]) -> Vec<&str> {
        list.iter().filter_map(|r| r["reason"].as_str()).collect()
    }

    #[test]
    fn health_is_ok_only_when_nothing_is_wrong() {
        let now = THIS + time::Duration::days(1);
        let fresh = Some(Some(now + time::Duration::hours(1)));
        let (status, list) = judge_health(&snapshot(), fresh, now);
        assert_eq!((status, list.len()), (HealthStatus::Ok, 0));
        let (status, list) = judge_health(&snapshot(), None, now);
        assert_eq!((status, list.len()), (HealthStatus::Ok, 0));
    }

    /// OCSP answers past their nextUpdate, a failed publication, an operator who can no longer
    /// publish: each is `degraded` with its reason, still 200 (what is served is valid).
    #[test]
    fn stale_ocsp_a_failed_publication_and_a_disabled_operator_are_degraded() {
        let now = THIS + time::Duration::days(1);
        let (status, list) = judge_health(&snapshot(), Some(Some(now)), now);
        assert_eq!(status, HealthStatus::Degraded);
        assert_eq!(reasons(&list), ["ocsp-expired"]);
        let (status, list) = judge_health(&snapshot(), Some(None), now);
        assert_eq!(
            (status, reasons(&list)),
            (HealthStatus::Degraded, vec!["ocsp-expired"])
        );

        let mut troubled = snapshot();
        troubled.condition = Condition {
            crl_failed: Some(CrlFailure {
                error: "writing `crl.pem`: disk full".into(),
                at: now,
                retry_at: now + time::Duration::seconds(20),
            }),
            operator_unable: Some("operator certificate not accepted: revoked".into()),
        };
        let (status, list) =
            judge_health(&troubled, Some(Some(now + time::Duration::hours(1))), now);
        assert_eq!(status, HealthStatus::Degraded);
        assert_eq!(
            reasons(&list),
            ["crl-publication-failed", "operator-cannot-publish"]
        );
        assert!(
            list[0]["detail"].as_str().unwrap().contains("disk full"),
            "{list:?}"
        );
        assert!(
            list[1]["detail"].as_str().unwrap().contains("revoked"),
            "{list:?}"
        );

        let r = health(&troubled, None, now);
        assert_eq!(r.status(), StatusCode::OK);
        let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(v["status"], "degraded");
        assert_eq!(v["reasons"].as_array().unwrap().len(), 2, "{v}");

        // An expired CRL stays a 503, whatever else is wrong.
        let late = THIS + time::Duration::days(8);
        let (status, list) = judge_health(&troubled, Some(Some(now)), late);
        assert_eq!(status, HealthStatus::CrlExpired);
        assert_eq!(reasons(&list)[..2], ["crl-expired", "ocsp-expired"]);
        assert_eq!(
            health(&troubled, None, late).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
