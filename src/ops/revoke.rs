//! Revoking certificates and releasing holds: all or none, each change audited by the store.
//! Prints nothing; the front end authorizes between [`Request::new`] and [`revoke`].

use serde::Serialize;
use time::OffsetDateTime;

use super::common::OpenCa;
use super::{Result, hinted};
use crate::ca::crl::Reason;
use crate::ca::serial::Serial;
use crate::ca::when::rfc3339;
use crate::store::Revocation;

/// A checked revocation request.
#[derive(Debug, Clone)]
pub struct Request {
    serials: Vec<Serial>,
    reason: Reason,
    invalidity: Option<OffsetDateTime>,
}

impl Request {
    /// Checks the reason and the invalidity date against `now`, before any home is opened.
    pub fn new(
        serials: Vec<Serial>,
        reason: Reason,
        invalidity: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<Request> {
        if reason == Reason::RemoveFromCrl {
            return Err(hinted(
                "removeFromCRL is not a revocation reason",
                "release a certificate on hold with `govpki cert release SERIAL`",
            )
            .into());
        }
        if invalidity.is_some_and(|t| t > now) {
            return Err(anyhow::anyhow!("--invalidity-date is in the future").into());
        }
        Ok(Request {
            serials,
            reason,
            invalidity,
        })
    }

    pub fn serials(&self) -> &[Serial] {
        &self.serials
    }
}

/// What was revoked.
#[derive(Debug, Clone, Serialize)]
pub struct Revoked {
    /// Serialised by its RFC 5280 name.
    pub reason: Reason,
    /// Hex serials.
    pub revoked: Vec<String>,
    pub revoked_at: String,
}

/// The department of each serial's certificate (for the policy asks), `None` when unknown.
pub fn departments(
    open: &OpenCa,
    serials: &[Serial],
    now: OffsetDateTime,
) -> Result<Vec<Option<String>>> {
    let mut out = Vec::with_capacity(serials.len());
    for s in serials {
        out.push(
            open.store
                .get(s, now)
                .map_err(anyhow::Error::from)?
                .and_then(|r| r.department),
        );
    }
    Ok(out)
}

/// The policy questions of revoking (or releasing) `serials`: `cert.revoke` on
/// `dept/<OU>/cert/<serial>` for each, the department from the store (as the CLI asks them).
pub fn asks(
    open: &OpenCa,
    serials: &[Serial],
    now: OffsetDateTime,
) -> Result<Vec<super::govern::Ask>> {
    let departments = departments(open, serials, now)?;
    Ok(serials
        .iter()
        .zip(departments)
        .map(|(s, dept)| {
            super::govern::Ask::new(
                "cert.revoke",
                format!(
                    "dept/{}/cert/{}",
                    super::govern::segment(dept.as_deref()),
                    s.to_hex()
                ),
            )
        })
        .collect())
}

/// Revokes every serial of the request, or none.
pub fn revoke(
    open: &mut OpenCa,
    req: &Request,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Revoked> {
    let revs: Vec<Revocation> = req
        .serials
        .iter()
        .map(|s| Revocation {
            serial: s.clone(),
            reason: req.reason,
            invalidity: req.invalidity,
        })
        .collect();
    open.store
        .revoke(&revs, actor, now)
        .map_err(anyhow::Error::from)?;
    Ok(Revoked {
        revoked: req.serials.iter().map(Serial::to_hex).collect(),
        reason: req.reason,
        revoked_at: rfc3339(now),
    })
}

/// Releases certificates on hold (they are valid again and leave the next CRL), all or none.
pub fn release(
    open: &mut OpenCa,
    serials: &[Serial],
    actor: &str,
    now: OffsetDateTime,
) -> Result<Vec<String>> {
    open.store
        .release_hold(serials, actor, now)
        .map_err(anyhow::Error::from)?;
    Ok(serials.iter().map(Serial::to_hex).collect())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU8;

    use time::macros::datetime;

    use super::*;
    use crate::ops::issue::tests::{Counter, root_home};
    use crate::store::CertStatus;

    #[test]
    fn a_hold_revokes_then_releases_and_a_future_invalidity_date_is_refused() {
        let now = datetime!(2026-05-04 10:00 UTC);
        assert!(
            Request::new(
                vec![],
                Reason::KeyCompromise,
                Some(now + time::Duration::hours(1)),
                now
            )
            .is_err()
        );
        let err = Request::new(vec![], Reason::RemoveFromCrl, None, now).unwrap_err();
        assert!(err.hint().is_some());

        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut open = OpenCa::open(dir.path()).unwrap();
        let rng = Counter(AtomicU8::new(0));
        let serial = crate::ops::issue::tests::issue_person(&mut open, &rng, now);
        let req = Request::new(vec![serial.clone()], Reason::CertificateHold, None, now).unwrap();
        let done = revoke(&mut open, &req, "local:test", now).unwrap();
        assert_eq!(done.reason, Reason::CertificateHold);
        assert_eq!(done.reason.to_string(), "certificateHold");
        assert_eq!(done.revoked_at, "2026-05-04T10:00:00Z");
        let row = open.store.get(&serial, now).unwrap().unwrap();
        assert_eq!(row.status, CertStatus::OnHold);
        release(&mut open, std::slice::from_ref(&serial), "local:test", now).unwrap();
        let row = open.store.get(&serial, now).unwrap().unwrap();
        assert_eq!(row.status, CertStatus::Valid);
    }

    #[test]
    fn a_second_revocation_names_the_recorded_reason_and_an_unknown_stored_reason_is_refused() {
        let now = datetime!(2026-05-04 10:00 UTC);
        let dir = tempfile::tempdir().unwrap();
        root_home(dir.path());
        let mut open = OpenCa::open(dir.path()).unwrap();
        let rng = Counter(AtomicU8::new(0));
        let serial = crate::ops::issue::tests::issue_person(&mut open, &rng, now);
        let req = Request::new(vec![serial.clone()], Reason::CaCompromise, None, now).unwrap();
        revoke(&mut open, &req, "local:test", now).unwrap();
        let row = open.store.get(&serial, now).unwrap().unwrap();
        assert_eq!(row.reason, Some(Reason::CaCompromise));
        let again = Request::new(vec![serial.clone()], Reason::Superseded, None, now).unwrap();
        let err = open
            .store
            .revoke(
                &[Revocation {
                    serial: serial.clone(),
                    reason: again.reason,
                    invalidity: None,
                }],
                "local:test",
                now,
            )
            .unwrap_err();
        match &err {
            crate::store::StoreError::AlreadyRevoked { reason, .. } => {
                assert_eq!(*reason, Reason::CaCompromise)
            }
            other => panic!("{other}"),
        }
        assert!(err.to_string().contains("(cACompromise)"), "{err}");

        // Code 7 is no RFC 5280 reason: a damaged store, not a silent `unspecified`.
        let db = rusqlite::Connection::open(dir.path().join(crate::store::DB_FILE)).unwrap();
        db.execute("UPDATE revocations SET reason = 7", []).unwrap();
        drop(db);
        let open = OpenCa::open(dir.path()).unwrap();
        let err = open.store.get(&serial, now).unwrap_err().to_string();
        assert!(err.contains("unknown revocation reason `7`"), "{err}");
        let err = open.store.for_each_revoked(|_| {}).unwrap_err().to_string();
        assert!(err.contains("unknown revocation reason `7`"), "{err}");
        let reader = crate::store::revocations::RevocationReader::open(dir.path()).unwrap();
        let err = reader.get(&serial).unwrap_err().to_string();
        assert!(err.contains("unknown revocation reason `7`"), "{err}");
    }
}
