//! A request's operative content ([`Operative`]): what the operator asked the CA to do, signed
//! in the request statement v2 and kept in the `authz.allow` record, and the check of the acts
//! recorded for the request against it (`audit verify`).

use crate::audit::{Break, Record};

/// What a request to the CA service asks the CA to do, as far as the acts recorded for it can
/// be checked against it (`audit verify`): kept as JSON in the signed request statement (v2)
/// and in the `authz.allow` record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "verb")]
pub enum Operative {
    /// The SHA-256 (hex) of the certified public key (the CSR's SubjectPublicKeyInfo), the
    /// subject and SANs as the certificate will carry them, the profile.
    #[serde(rename = "cert.issue")]
    Issue {
        spki_sha256: String,
        subject: String,
        sans: Vec<String>,
        profile: String,
    },
    /// The serial (hex) of the certificate renewed, and the SHA-256 (hex) of the new key's
    /// SubjectPublicKeyInfo when the request rekeys (`None`: the old certificate's key). The
    /// subject, SANs and profile are the old certificate's, which the CA holds.
    #[serde(rename = "cert.renew")]
    Renew {
        renews: String,
        spki_sha256: Option<String>,
    },
    /// The serials (hex), each once, and the reason's RFC 5280 name.
    #[serde(rename = "cert.revoke")]
    Revoke {
        serials: Vec<String>,
        reason: String,
    },
    #[serde(rename = "cert.release")]
    Release { serials: Vec<String> },
    #[serde(rename = "crl.generate")]
    CrlGenerate {},
    /// The seal's name, type (English name), department, and its holders' certificate
    /// fingerprints; the esID is the CA's to choose.
    #[serde(rename = "seal.create")]
    SealCreate {
        name: String,
        seal_type: String,
        department: String,
        holders: Vec<String>,
    },
    #[serde(rename = "seal.revoke")]
    SealRevoke { es_id: String },
}

impl Operative {
    /// The JSON text signed and kept.
    pub fn to_text(&self) -> String {
        // Serialising plain strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn parse(text: &str) -> Option<Operative> {
        serde_json::from_str(text).ok()
    }
}

/// Checks the acts an `authz.allow` record `r` covers against the operative content of the
/// request the operator signed: the certificate issued has the key, subject and profile asked
/// for; exactly the serials asked are revoked (with the reason asked) or released; the seal
/// made is of the name, type, department and holders asked; the seal revoked is the one asked; a renewal
/// is one certificate of the old one's profile and subject (as the log's `cert.issue` record of
/// the old serial, among `earlier`, names them), of the key asked (else the old one's), linked
/// to the serial asked. The first act that is not what was asked is named.
pub(super) fn check(
    r: &Record,
    text: &str,
    acts: &[Record],
    earlier: &[Record],
) -> Result<(), Break> {
    let at = |a: &Record, reason: String| Break {
        seq: a.seq,
        reason: format!(
            "{reason}, which is not what the operator's request (record {}) asked",
            r.seq
        ),
    };
    let operative = Operative::parse(text).ok_or_else(|| Break {
        seq: r.seq,
        reason: "the request's operative content does not parse".into(),
    })?;
    let action = match &operative {
        Operative::Issue { .. } => "cert.issue",
        Operative::Renew { .. } => "cert.renew",
        Operative::Revoke { .. } => "cert.revoke",
        Operative::Release { .. } => "cert.release",
        Operative::CrlGenerate {} => "crl.publish",
        Operative::SealCreate { .. } => "seal.create",
        Operative::SealRevoke { .. } => "seal.revoke",
    };
    // A renewal is recorded as the new certificate's `cert.issue` and the `cert.renew` link.
    let renewal = matches!(operative, Operative::Renew { .. });
    if let Some(other) = acts
        .iter()
        .find(|a| a.action != action && !(renewal && a.action == "cert.issue"))
    {
        return Err(at(other, format!("a `{}` act", other.action)));
    }
    let first_token = |a: &Record| a.object.split(' ').next().unwrap_or_default().to_string();
    match &operative {
        Operative::Issue {
            spki_sha256,
            subject,
            profile,
            ..
        } => {
            let [a] = acts else {
                return Err(Break {
                    seq: r.seq,
                    reason: format!("a request for one certificate covers {} acts", acts.len()),
                });
            };
            let mut parts = a.object.splitn(3, ' ');
            let (_serial, got_profile, got_subject) = (parts.next(), parts.next(), parts.next());
            if got_profile != Some(profile.as_str()) {
                return Err(at(
                    a,
                    format!(
                        "a certificate of profile `{}`",
                        got_profile.unwrap_or_default()
                    ),
                ));
            }
            if got_subject != Some(subject.as_str()) {
                return Err(at(
                    a,
                    format!("a certificate for `{}`", got_subject.unwrap_or_default()),
                ));
            }
            let spki = crate::audit::binding::field(&a.outcome, "spki");
            if spki != Some(spki_sha256.as_str()) {
                return Err(at(
                    a,
                    format!(
                        "a certificate of the public key {}",
                        spki.unwrap_or("(none recorded)")
                    ),
                ));
            }
        }
        Operative::Renew {
            renews,
            spki_sha256,
        } => check_renewal(r, acts, earlier, renews, spki_sha256.as_deref(), &at)?,
        Operative::Revoke { serials, reason } => {
            check_serials(r, acts, serials, &at, &first_token)?;
            for a in acts {
                let got = crate::audit::binding::without_fields(&a.outcome);
                if got.strip_prefix("ok ") != Some(reason.as_str()) {
                    return Err(at(a, format!("a revocation `{got}`")));
                }
            }
        }
        Operative::Release { serials } => check_serials(r, acts, serials, &at, &first_token)?,
        Operative::CrlGenerate {} => {}
        Operative::SealCreate {
            name,
            seal_type,
            department,
            holders,
        } => {
            let [a] = acts else {
                return Err(Break {
                    seq: r.seq,
                    reason: format!("a request for one seal covers {} acts", acts.len()),
                });
            };
            let mut parts = a.object.splitn(4, ' ');
            let _es_id = parts.next();
            let got = (parts.next(), parts.next(), parts.next());
            if got
                != (
                    Some(seal_type.as_str()),
                    Some(department.as_str()),
                    Some(name.as_str()),
                )
            {
                return Err(at(a, format!("a seal `{}`", a.object)));
            }
            // The holders the record names must be those asked. A record without them was
            // written before records named holders; a log that names them once must name them
            // in every later `seal.create` (`binding::replay`), so it cannot be left out.
            if let Some(got) = crate::audit::binding::field(&a.outcome, "holders")
                && got != holders.join(":")
            {
                return Err(at(a, format!("a seal bound to the holders {got}")));
            }
        }
        Operative::SealRevoke { es_id } => {
            for a in acts {
                if &first_token(a) != es_id {
                    return Err(at(a, format!("a revocation of seal `{}`", first_token(a))));
                }
            }
        }
    }
    Ok(())
}

/// A renewal's acts: `cert.issue NEW PROFILE SUBJECT` then `cert.renew NEW renews OLD`, OLD
/// the serial asked, the profile and subject those of OLD's `cert.issue` record, the key the
/// one asked or else OLD's.
fn check_renewal(
    r: &Record,
    acts: &[Record],
    earlier: &[Record],
    renews: &str,
    spki_sha256: Option<&str>,
    at: &dyn Fn(&Record, String) -> Break,
) -> Result<(), Break> {
    let [issue, link] = acts else {
        return Err(Break {
            seq: r.seq,
            reason: format!("a request for one renewal covers {} acts", acts.len()),
        });
    };
    if issue.action != "cert.issue" || link.action != "cert.renew" {
        return Err(at(issue, format!("a `{}` act", issue.action)));
    }
    let new = issue.object.split(' ').next().unwrap_or_default();
    if link.object != format!("{new} renews {renews}") {
        return Err(at(link, format!("a renewal `{}`", link.object)));
    }
    let old = earlier
        .iter()
        .find(|e| e.action == "cert.issue" && e.object.split(' ').next() == Some(renews))
        .ok_or_else(|| {
            at(
                link,
                format!("a renewal of `{renews}`, a certificate the log never issued"),
            )
        })?;
    let rest = |o: &str| o.split_once(' ').map(|(_, rest)| rest.to_string());
    if rest(&issue.object) != rest(&old.object) {
        return Err(at(
            issue,
            format!("a certificate `{}` renewing `{}`", issue.object, old.object),
        ));
    }
    let key = |e: &Record| crate::audit::binding::field(&e.outcome, "spki").map(str::to_string);
    let asked = match spki_sha256 {
        Some(s) => Some(s.to_string()),
        None => key(old),
    };
    // A log from before keys were recorded names none for the old certificate: nothing to hold
    // the same-key renewal to.
    if let Some(asked) = asked
        && key(issue).as_deref() != Some(asked.as_str())
    {
        return Err(at(
            issue,
            format!(
                "a certificate of the public key {}",
                key(issue).as_deref().unwrap_or("(none recorded)")
            ),
        ));
    }
    Ok(())
}

/// The serials of the acts are exactly `serials`, each once.
fn check_serials(
    r: &Record,
    acts: &[Record],
    serials: &[String],
    at: &dyn Fn(&Record, String) -> Break,
    first_token: &dyn Fn(&Record) -> String,
) -> Result<(), Break> {
    let mut left: std::collections::HashSet<&str> = serials.iter().map(String::as_str).collect();
    for a in acts {
        let serial = first_token(a);
        if !left.remove(serial.as_str()) {
            return Err(at(a, format!("an act on certificate `{serial}`")));
        }
    }
    if !left.is_empty() {
        let mut missing: Vec<&str> = left.into_iter().collect();
        missing.sort_unstable();
        return Err(Break {
            seq: r.seq,
            reason: format!(
                "the operator's request asked for certificates {} that no act covers",
                missing.join(", ")
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: i64, action: &str, object: &str, outcome: &str) -> Record {
        Record {
            seq,
            time: "2027-01-04T02:00:00Z".into(),
            actor: "cert:CN=x [01]".into(),
            action: action.into(),
            object: object.into(),
            outcome: outcome.into(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn renewal(renews: &str, spki: Option<&str>) -> String {
        Operative::Renew {
            renews: renews.into(),
            spki_sha256: spki.map(str::to_string),
        }
        .to_text()
    }

    #[test]
    fn a_renewal_is_held_to_the_serial_the_subject_and_the_key_asked() {
        let earlier = [rec(1, "cert.issue", "0A person CN=a", "ok; spki=aa; row=1")];
        let allow = rec(2, "authz.allow", "cert.issue dept/_/cert/person", "");
        let acts = |object: &str, spki: &str, link: &str| {
            vec![
                rec(3, "cert.issue", object, &format!("ok; spki={spki}; row=2")),
                rec(4, "cert.renew", link, "ok"),
            ]
        };
        let good = acts("0B person CN=a", "aa", "0B renews 0A");
        // Same key: held to the old certificate's, as its cert.issue record names it.
        assert_eq!(check(&allow, &renewal("0A", None), &good, &earlier), Ok(()));
        let rekeyed = acts("0B person CN=a", "bb", "0B renews 0A");
        let err = check(&allow, &renewal("0A", None), &rekeyed, &earlier).unwrap_err();
        assert_eq!(err.seq, 3, "{err:?}");
        assert!(err.reason.contains("public key bb"), "{err:?}");
        // A rekey asked for that key passes; for another, it does not.
        let ok = check(&allow, &renewal("0A", Some("bb")), &rekeyed, &earlier);
        assert_eq!(ok, Ok(()));
        assert!(check(&allow, &renewal("0A", Some("cc")), &rekeyed, &earlier).is_err());
        // Another subject, another serial renewed, an unknown one, a missing link.
        let other = acts("0B person CN=b", "aa", "0B renews 0A");
        assert_eq!(
            check(&allow, &renewal("0A", None), &other, &earlier)
                .unwrap_err()
                .seq,
            3
        );
        let err = check(&allow, &renewal("0C", None), &good, &earlier).unwrap_err();
        assert_eq!(err.seq, 4, "{err:?}");
        assert!(check(&allow, &renewal("0A", None), &good[..1], &earlier).is_err());
        // A revocation slipped in beside the renewal.
        let mut more = good.clone();
        more.push(rec(5, "cert.revoke", "0A", "ok superseded"));
        assert_eq!(
            check(&allow, &renewal("0A", None), &more, &earlier)
                .unwrap_err()
                .seq,
            5
        );
    }
}
