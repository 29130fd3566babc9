//! The roles a new certificate would give its holder, asked of the one who issues it.
//!
//! Reads the pinned policy; decides nothing (the asks go to `authorize` like any other).

use std::path::Path;

use super::{Ask, segment};
use crate::authz::{self, Policy};
use crate::ca::dn::{Attr, Dn};
use crate::ca::profile::{Profile, San};
use crate::ops::common::OpenCa;
use crate::ops::error::Result;
use crate::ops::policy;

/// The roles a new certificate would give its holder, as asks of the one who issues it.
///
/// Bindings give roles by what a certificate says (`title`, `department`, SAN `email`/`uri`/
/// `dns`/`ip`, the issuer, ...), so whoever may issue a certificate with a chosen subject or SAN
/// could otherwise mint an operator of any role: a department's registration officer issuing
/// himself `TITLE=安全管理员`, or a certificate whose SAN email a CA officer's binding names,
/// would make a CA officer. Issuing therefore also asks `cert.issue` on
/// `dept/<department>/role/<role>` for every role the pinned policy's bindings would give the
/// certificate to be issued (bound or inherited), read as `authz::subject_from_cert` reads it
/// once issued: the subject's attributes and RFC 4514 string, the issuer (this CA), every SAN.
/// Two attributes of a certificate are not known before it is signed and cannot be chosen by
/// the issuing officer: the serial (drawn at random by the store) and policy OIDs (the issuer
/// writes no certificatePolicies extension; `tests` checks the two readings agree).
pub struct RoleGrants {
    policy: Option<Policy>,
    /// This CA's subject, the `issuer` of what it issues, in `subject_from_cert`'s form.
    issuer: Option<String>,
}

impl RoleGrants {
    /// The pinned policy of a governed home; an ungoverned home grants no asks.
    pub fn load(open: &OpenCa) -> Result<RoleGrants> {
        let policy = match open.meta.policy.as_deref() {
            Some(path) => Some(policy::load_governing(&open.store, Path::new(path))?.0),
            None => None,
        };
        let issuer = authz::subject_from_cert(&open.meta.cert_der)
            .ok()
            .and_then(|s| s.get("subject").first().cloned());
        Ok(RoleGrants { policy, issuer })
    }

    /// The asks of issuing a `profile` certificate to `subject` with `sans`: the profile's,
    /// then one per role the certificate would give its holder.
    pub fn asks(&self, subject: &Dn, sans: &[San], profile: Profile) -> Vec<Ask> {
        let dept = segment(subject.department());
        let mut asks = vec![crate::ops::issue::ask(subject, profile)];
        if let Some(policy) = &self.policy {
            let holder = subject_of_request(subject, sans, self.issuer.as_deref());
            for role in policy.roles_of(&holder) {
                asks.push(Ask::new("cert.issue", format!("dept/{dept}/role/{role}")));
            }
        }
        asks
    }
}

/// The policy subject the certificate to be issued would present: what
/// `authz::subject_from_cert` reads from it, but its serial.
fn subject_of_request(dn: &Dn, sans: &[San], issuer: Option<&str>) -> authz::Subject {
    let mut s = authz::Subject::new();
    for (attr, value) in dn.attrs() {
        let key = match attr {
            Attr::CommonName => "cn",
            Attr::OrganizationalUnit => "department",
            Attr::Organization => "organization",
            Attr::Country => "country",
            Attr::Title => "title",
            Attr::Email => "email",
            _ => continue,
        };
        s.insert(key, value);
    }
    s.insert("subject", &dn.to_string());
    if let Some(issuer) = issuer {
        s.insert("issuer", issuer);
    }
    for san in sans {
        match san {
            San::Dns(v) => s.insert("dns", v),
            San::Email(v) => s.insert("email", v),
            San::Uri(v) => s.insert("uri", v),
            San::Ip(ip) => s.insert("ip", &ip.to_string()),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::issue::{CaUrls, IssueRequest, Issuer, SubCaOptions};
    use crate::ca::keys::{Algorithm, PrivateKey};
    use crate::ca::serial::Serial;

    /// The subject a request is judged by is the one the issued certificate presents (but its
    /// serial), so a binding on any attribute the officer chooses (DN, SAN) is asked about.
    #[test]
    fn the_request_reads_as_the_issued_certificate() {
        let now = time::macros::datetime!(2027-01-04 02:00 UTC);
        let root_dn = Dn::parse("CN=根CA,O=连云港市人民政府,C=CN").unwrap();
        let root_key = PrivateKey::generate(Algorithm::P256).unwrap();
        let root = crate::ca::issue::self_signed_root(
            &root_key,
            &root_dn,
            &Serial::from_random([7; 16]),
            now,
            now + time::Duration::days(3650),
        )
        .unwrap();
        let issuer = Issuer::new(&root, &root_key, CaUrls::default()).unwrap();
        let dn = Dn::parse(
            "CN=evil,TITLE=科员,OU=信息中心,O=连云港市人民政府,C=CN,EMAILADDRESS=a@lyg.gov.cn",
        )
        .unwrap();
        let sans = vec![
            San::Email("ca-officer@lyg.gov.cn".into()),
            San::Uri("https://lyg.gov.cn/officer".into()),
        ];
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let issued = issuer
            .issue(&IssueRequest {
                profile: Profile::Person,
                subject: dn.clone(),
                sans: sans.clone(),
                spki_der: key.spki_der(),
                serial: Serial::from_random([9; 16]),
                not_before: now,
                not_after: now + time::Duration::days(1),
                sub_ca: SubCaOptions::default(),
            })
            .unwrap();
        let from_cert = authz::subject_from_cert(&issued.der).unwrap();
        let root_subject = authz::subject_from_cert(&root).unwrap();
        let predicted = subject_of_request(
            &dn,
            &sans,
            root_subject.get("subject").first().map(String::as_str),
        );
        assert!(!from_cert.get("serial").is_empty());
        let mut but_serial = authz::Subject::new();
        for (key, values) in from_cert.iter().filter(|(k, _)| *k != "serial") {
            for v in values {
                but_serial.insert(key, v);
            }
        }
        assert_eq!(predicted, but_serial);
        assert_eq!(predicted.get("email").len(), 2, "{predicted}");
    }
}
