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
/// made is of the name, type, department and holders asked; the seal revoked is the one asked.
/// The first act that is not what was asked is named.
pub(super) fn check(r: &Record, text: &str, acts: &[Record]) -> Result<(), Break> {
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
        Operative::Revoke { .. } => "cert.revoke",
        Operative::Release { .. } => "cert.release",
        Operative::CrlGenerate {} => "crl.publish",
        Operative::SealCreate { .. } => "seal.create",
        Operative::SealRevoke { .. } => "seal.revoke",
    };
    if let Some(other) = acts.iter().find(|a| a.action != action) {
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
