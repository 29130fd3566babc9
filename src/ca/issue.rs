//! Issuing certificates: a request (profile, subject, names, public key, serial, validity) and
//! the issuing CA in, signed DER out. Pure: the caller supplies `now`, the serial and the key.
//!
//! rcgen builds every certificate (profiles are applied once, here). rcgen has no SM2, so when
//! the issuer's key or the subject's key is SM2 it builds around stand-ins of the same sizes
//! (ECDSA P-256 identifiers), and [`finish_with`] puts back the subject's true
//! SubjectPublicKeyInfo and the issuer's signature algorithm (SM2-with-SM3, parameters absent),
//! re-encodes the TBSCertificate and signs it again. Key identifiers are derived from the true
//! SubjectPublicKeyInfo from the start.

use rcgen::{
    BasicConstraints, CertificateParams, CrlDistributionPoint, CustomExtension,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, KeyUsagePurpose, NameConstraints, SanType,
};
use time::OffsetDateTime;

use super::dn::Dn;
use super::keys::{PrivateKey, RcgenSigner};
use super::profile::{OID_DOCUMENT_SIGNING, OID_SEAL_AUTHORITY, Profile, San};
use super::serial::Serial;
use crate::tlv::tlv;

/// Where relying parties find revocation data for certificates this CA issues.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaUrls {
    pub crl: Option<String>,
    pub ocsp: Option<String>,
}

/// Options that apply only to `sub-ca` certificates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubCaOptions {
    pub path_len: Option<u8>,
    pub permit_dns: Vec<String>,
    pub permit_dn: Vec<Dn>,
}

/// Everything needed to issue one certificate.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    pub profile: Profile,
    pub subject: Dn,
    pub sans: Vec<San>,
    /// The subject's public key as SubjectPublicKeyInfo DER.
    pub spki_der: Vec<u8>,
    pub serial: Serial,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub sub_ca: SubCaOptions,
}

/// A freshly signed certificate.
#[derive(Debug, Clone)]
pub struct Issued {
    pub der: Vec<u8>,
    /// The subject as the certificate carries it, read back from `der`: what the store and the
    /// audit log record (it equals the requested subject, or nothing is issued).
    pub subject: Dn,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

/// Why issuing failed.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("the issuing CA certificate cannot be read: {0}")]
    BadIssuer(String),
    #[error("the issuing CA expired at {0}")]
    IssuerExpired(String),
    #[error(
        "the validity would end at `{not_after}`, after the issuing CA's own notAfter `{issuer_not_after}`"
    )]
    PastIssuer {
        not_after: String,
        issuer_not_after: String,
    },
    #[error("profile `{profile}` does not allow SAN `{san}`")]
    SanNotAllowed { profile: Profile, san: String },
    #[error("profile `server` needs at least one dns: or ip: SAN")]
    MissingHostSan,
    #[error("the subject public key is not acceptable: {0}")]
    WeakKey(String),
    #[error("validity is empty: not_after is not after not_before")]
    EmptyValidity,
    #[error("certificate encoding failed: {0}")]
    Encode(String),
    #[error("the issuing CA's path length constraint allows no CA certificate below it")]
    PathLen,
    #[error("`{name}` is outside the issuing CA's name constraints")]
    NameConstraint { name: String },
    #[error("the certificate would name `{encoded}`, not the requested `{requested}`")]
    SubjectMismatch { requested: String, encoded: String },
}

impl IssueError {
    /// What to do instead, for the front end's `hint:` line.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            IssueError::PastIssuer { .. } => {
                Some("ask for an end at or before the issuing CA's notAfter, or renew the CA first")
            }
            _ => None,
        }
    }
}

/// The issuing CA's own limits, read from its certificate: a CA never issues what a verifier
/// would reject under its constraints (RFC 5280 §4.2.1.9, §4.2.1.10).
#[derive(Debug, Clone, Default)]
struct Limits {
    /// pathLenConstraint of the issuer, if any.
    path_len: Option<u32>,
    permitted_dns: Vec<String>,
    excluded_dns: Vec<String>,
    /// Permitted directory names as RDN lists in DER order.
    permitted_dn: Vec<Vec<(super::dn::Attr, String)>>,
    excluded_dn: Vec<Vec<(super::dn::Attr, String)>>,
}

/// Whether `name` is within the DNS subtree `base` (RFC 5280 §4.2.1.10: a base with a leading
/// period matches subdomains only; otherwise the name itself and its subdomains).
fn dns_within(name: &str, base: &str) -> bool {
    let name = name.trim_start_matches("*.").to_ascii_lowercase();
    let base = base.to_ascii_lowercase();
    if let Some(dotted) = base.strip_prefix('.') {
        return name.ends_with(&format!(".{dotted}"));
    }
    name == base || name.ends_with(&format!(".{base}"))
}

/// Whether `subject` (RFC 4514 order) is within the directory subtree `base` (DER order).
fn dn_within(subject: &Dn, base: &[(super::dn::Attr, String)]) -> bool {
    let der_order: Vec<&(super::dn::Attr, String)> = subject.attrs().iter().rev().collect();
    base.len() <= der_order.len()
        && base
            .iter()
            .zip(der_order)
            .all(|(a, b)| a.0 == b.0 && a.1 == b.1)
}

impl Limits {
    fn from_cert(cert: &x509_parser::certificate::X509Certificate<'_>) -> Limits {
        use x509_parser::extensions::{GeneralName, ParsedExtension};
        let mut limits = Limits::default();
        let dn_of =
            |n: &x509_parser::x509::X509Name<'_>| -> Option<Vec<(super::dn::Attr, String)>> {
                let dn = Dn::from_x509(n).ok()?;
                Some(dn.attrs().iter().rev().cloned().collect())
            };
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(b) => limits.path_len = b.path_len_constraint,
                ParsedExtension::NameConstraints(nc) => {
                    for (list, dns, dn) in [
                        (
                            &nc.permitted_subtrees,
                            &mut limits.permitted_dns,
                            &mut limits.permitted_dn,
                        ),
                        (
                            &nc.excluded_subtrees,
                            &mut limits.excluded_dns,
                            &mut limits.excluded_dn,
                        ),
                    ] {
                        for sub in list.iter().flatten() {
                            match &sub.base {
                                GeneralName::DNSName(d) => dns.push(d.to_string()),
                                GeneralName::DirectoryName(n) => dn.extend(dn_of(n)),
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        limits
    }

    fn check(&self, req: &IssueRequest) -> Result<(), IssueError> {
        if req.profile.is_ca() && self.path_len == Some(0) {
            return Err(IssueError::PathLen);
        }
        let outside = |name: String| Err(IssueError::NameConstraint { name });
        let mut dns_names: Vec<&str> = req
            .sans
            .iter()
            .filter_map(|s| match s {
                San::Dns(d) => Some(d.as_str()),
                _ => None,
            })
            .collect();
        dns_names.extend(req.sub_ca.permit_dns.iter().map(String::as_str));
        for d in dns_names {
            if self.excluded_dns.iter().any(|b| dns_within(d, b)) {
                return outside(format!("dns:{d}"));
            }
            if !self.permitted_dns.is_empty()
                && !self.permitted_dns.iter().any(|b| dns_within(d, b))
            {
                return outside(format!("dns:{d}"));
            }
        }
        if self.excluded_dn.iter().any(|b| dn_within(&req.subject, b)) {
            return outside(req.subject.to_string());
        }
        if !self.permitted_dn.is_empty()
            && !self.permitted_dn.iter().any(|b| dn_within(&req.subject, b))
        {
            return outside(req.subject.to_string());
        }
        Ok(())
    }

    /// A child CA's path length: at most one less than ours.
    fn child_path_len(&self, requested: Option<u8>) -> Option<u8> {
        match (self.path_len, requested) {
            (None, r) => r,
            (Some(ours), r) => {
                let max = u8::try_from(ours.saturating_sub(1)).unwrap_or(u8::MAX);
                Some(r.map_or(max, |r| r.min(max)))
            }
        }
    }
}

/// The issuing CA: its certificate, its key and its URLs, parsed once per run.
pub struct Issuer<'a> {
    inner: rcgen::Issuer<'a, RcgenSigner<'a>>,
    key: &'a PrivateKey,
    not_after: OffsetDateTime,
    urls: CaUrls,
    limits: Limits,
}

impl<'a> Issuer<'a> {
    pub fn new(
        cert_der: &[u8],
        key: &'a PrivateKey,
        urls: CaUrls,
    ) -> Result<Issuer<'a>, IssueError> {
        let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
            .map_err(|e| IssueError::BadIssuer(e.to_string()))?;
        let not_after = cert.validity().not_after.to_datetime();
        let limits = Limits::from_cert(&cert);
        let inner =
            rcgen::Issuer::from_ca_cert_der(&cert_der.to_vec().into(), RcgenSigner(key.key_pair()))
                .map_err(|e| IssueError::BadIssuer(e.to_string()))?;
        Ok(Issuer {
            inner,
            key,
            not_after,
            urls,
            limits,
        })
    }

    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Signs a certificate for `req`, following its profile.
    pub fn issue(&self, req: &IssueRequest) -> Result<Issued, IssueError> {
        self.issue_with_usages(req, None)
    }

    /// As [`Issuer::issue`], with a home profile's key usages and extended key usages in place
    /// of the built-in profile's ([`super::profile_yaml`]).
    pub fn issue_with_usages(
        &self,
        req: &IssueRequest,
        usages: Option<&super::profile_yaml::Usages>,
    ) -> Result<Issued, IssueError> {
        if req.not_before >= self.not_after {
            return Err(IssueError::IssuerExpired(super::when::rfc3339(
                self.not_after,
            )));
        }
        self.limits.check(req)?;
        let mut req = req.clone();
        if req.profile.is_ca() {
            req.sub_ca.path_len = self.limits.child_path_len(req.sub_ca.path_len);
        }
        let req = &req;
        let described = super::keys::describe_spki(&req.spki_der)
            .map_err(|e| IssueError::WeakKey(e.to_string()))?;
        let is_rsa = described.starts_with("RSA");
        // DESIGN §3, issue #12: a validity past the issuer's is refused, never cut (the
        // operations check the window first, with a hint; this is the last line).
        let not_after = req.not_after.replace_nanosecond(0).unwrap_or(req.not_after);
        if not_after > self.not_after {
            return Err(IssueError::PastIssuer {
                not_after: super::when::rfc3339(not_after),
                issuer_not_after: super::when::rfc3339(self.not_after),
            });
        }
        if not_after <= req.not_before {
            return Err(IssueError::EmptyValidity);
        }
        let mut params = CertificateParams::default();
        params.distinguished_name = req.subject.to_rcgen();
        params.serial_number = Some(req.serial.as_bytes().to_vec().into());
        // Whole seconds: X.509 times have no fractions.
        params.not_before = req
            .not_before
            .replace_nanosecond(0)
            .unwrap_or(req.not_before);
        params.not_after = not_after.replace_nanosecond(0).unwrap_or(not_after);
        params.use_authority_key_identifier_extension = true;
        apply_profile(&mut params, req, is_rsa)?;
        if let Some(u) = usages {
            apply_usages(&mut params, u);
        }
        if let Some(url) = &self.urls.crl {
            params.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec![url.clone()],
            }];
        }
        if let Some(url) = &self.urls.ocsp {
            params.custom_extensions.push(aia_ocsp(url));
        }
        let public = SubjectKey::new(&req.spki_der)?;
        if !req.profile.is_ca() {
            // rcgen writes the SKI only for CAs; RFC 5280 §4.2.1.2 says end entities SHOULD
            // have one too, and seal verification uses it to find holders.
            let ski = params.key_identifier(&public);
            params.custom_extensions.push(ski_extension(&ski));
        }
        let cert = params
            .signed_by(&public, &self.inner)
            .map_err(|e| IssueError::Encode(e.to_string()))?;
        let mut der = cert.der().to_vec();
        if public.sm2 || self.key.algorithm() == super::keys::Algorithm::Sm2 {
            der = finish_with(&der, self.key, &req.spki_der)?;
        }
        // Read the name back from what was signed: a value the encoder dropped or changed must
        // not be recorded as certified.
        let subject = x509_parser::parse_x509_certificate(&der)
            .map_err(|e| IssueError::Encode(e.to_string()))
            .and_then(|(_, c)| {
                Dn::from_x509(c.subject()).map_err(|e| IssueError::Encode(e.to_string()))
            })?;
        if subject != req.subject {
            return Err(IssueError::SubjectMismatch {
                requested: req.subject.to_string(),
                encoded: subject.to_string(),
            });
        }
        Ok(Issued {
            der,
            subject,
            not_before: params.not_before,
            not_after: params.not_after,
        })
    }
}

/// A home profile's usages over the built-in's (its base is an end entity without custom
/// extensions of its own: `profile_yaml::BASES`).
fn apply_usages(params: &mut CertificateParams, usages: &super::profile_yaml::Usages) {
    use super::profile_yaml::KeyUsageBit as B;
    if let Some(bits) = &usages.key_usage {
        params.key_usages = bits
            .iter()
            .map(|b| match b {
                B::DigitalSignature => KeyUsagePurpose::DigitalSignature,
                B::NonRepudiation => KeyUsagePurpose::ContentCommitment,
                B::KeyEncipherment => KeyUsagePurpose::KeyEncipherment,
                B::DataEncipherment => KeyUsagePurpose::DataEncipherment,
                B::KeyAgreement => KeyUsagePurpose::KeyAgreement,
            })
            .collect();
    }
    if let Some(oids) = &usages.extended {
        params.extended_key_usages = oids
            .iter()
            .map(|o| ExtendedKeyUsagePurpose::Other(o.clone()))
            .collect();
    }
}

fn apply_profile(
    params: &mut CertificateParams,
    req: &IssueRequest,
    is_rsa: bool,
) -> Result<(), IssueError> {
    let profile = req.profile;
    for san in &req.sans {
        if !profile.allows_san(san) {
            return Err(IssueError::SanNotAllowed {
                profile,
                san: san.to_string(),
            });
        }
    }
    if profile.requires_host_san()
        && !req
            .sans
            .iter()
            .any(|s| matches!(s, San::Dns(_) | San::Ip(_)))
    {
        return Err(IssueError::MissingHostSan);
    }
    params.subject_alt_names = req
        .sans
        .iter()
        .map(to_rcgen_san)
        .collect::<Result<_, _>>()?;
    use ExtendedKeyUsagePurpose as Eku;
    use KeyUsagePurpose as Ku;
    let encipher = if is_rsa {
        vec![Ku::KeyEncipherment]
    } else {
        vec![]
    };
    match profile {
        Profile::SubCa => {
            params.is_ca = IsCa::Ca(match req.sub_ca.path_len {
                Some(n) => BasicConstraints::Constrained(n),
                None => BasicConstraints::Unconstrained,
            });
            params.key_usages = vec![Ku::KeyCertSign, Ku::CrlSign];
            let mut permitted: Vec<GeneralSubtree> = req
                .sub_ca
                .permit_dns
                .iter()
                .map(|d| GeneralSubtree::DnsName(d.clone()))
                .collect();
            permitted.extend(
                req.sub_ca
                    .permit_dn
                    .iter()
                    .map(|dn| GeneralSubtree::DirectoryName(dn.to_rcgen())),
            );
            if !permitted.is_empty() {
                params.name_constraints = Some(NameConstraints {
                    permitted_subtrees: permitted,
                    excluded_subtrees: vec![],
                });
            }
        }
        Profile::Department => {
            params.key_usages = [vec![Ku::DigitalSignature], encipher].concat();
            params.extended_key_usages = vec![Eku::ClientAuth, Eku::EmailProtection];
        }
        Profile::Person => {
            params.key_usages = vec![Ku::DigitalSignature, Ku::ContentCommitment];
            params.extended_key_usages = vec![Eku::ClientAuth, Eku::EmailProtection];
        }
        Profile::Seal => {
            params.key_usages = vec![Ku::DigitalSignature, Ku::ContentCommitment];
            params.extended_key_usages = vec![Eku::Other(OID_DOCUMENT_SIGNING.to_vec())];
        }
        Profile::SealAuthority => {
            // Its key signs seals (GB/T 38540 SESeal), nothing else.
            params.key_usages = vec![Ku::DigitalSignature, Ku::ContentCommitment];
            params.extended_key_usages = vec![Eku::Other(OID_SEAL_AUTHORITY.to_vec())];
        }
        Profile::Server => {
            params.key_usages = [vec![Ku::DigitalSignature], encipher].concat();
            params.extended_key_usages = vec![Eku::ServerAuth];
        }
        Profile::Ocsp => {
            params.key_usages = vec![Ku::DigitalSignature];
            params.extended_key_usages = vec![Eku::OcspSigning];
            // RFC 6960 §4.2.2.2.1: id-pkix-ocsp-nocheck (NULL), so that clients need not ask
            // about the responder's own certificate. The RFC wants such a certificate
            // short-lived: issue it with a short validity and renew it.
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(
                    OID_OCSP_NOCHECK,
                    vec![0x05, 0x00],
                ));
        }
        Profile::Tsa => {
            params.key_usages = vec![Ku::DigitalSignature];
            // RFC 3161 §2.3: the timeStamping EKU MUST be critical; rcgen writes EKU as
            // non-critical, so we encode it ourselves: SEQUENCE { id-kp-timeStamping }.
            let mut ext = CustomExtension::from_oid_content(
                &[2, 5, 29, 37],
                vec![
                    0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08,
                ],
            );
            ext.set_criticality(true);
            params.custom_extensions.push(ext);
        }
    }
    Ok(())
}

fn to_rcgen_san(san: &San) -> Result<SanType, IssueError> {
    let ia5 = |v: &str| {
        rcgen::string::Ia5String::try_from(v).map_err(|e| IssueError::Encode(e.to_string()))
    };
    Ok(match san {
        San::Dns(v) => SanType::DnsName(ia5(v)?),
        San::Email(v) => SanType::Rfc822Name(ia5(v)?),
        San::Uri(v) => SanType::URI(ia5(v)?),
        San::Ip(ip) => SanType::IpAddress(*ip),
    })
}

fn ski_extension(ski: &[u8]) -> CustomExtension {
    CustomExtension::from_oid_content(&[2, 5, 29, 14], tlv(0x04, ski))
}

/// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1).
pub const OID_OCSP_NOCHECK: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 48, 1, 5];

/// AuthorityInfoAccess with one OCSP access description (RFC 5280 §4.2.2.1).
fn aia_ocsp(url: &str) -> CustomExtension {
    // id-ad-ocsp 1.3.6.1.5.5.7.48.1
    let oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
    let location = tlv(0x86, url.as_bytes());
    let desc = tlv(0x30, &[&oid[..], &location].concat());
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], tlv(0x30, &desc))
}

/// Makes a self-signed root CA certificate.
pub fn self_signed_root(
    key: &PrivateKey,
    subject: &Dn,
    serial: &Serial,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<Vec<u8>, IssueError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = subject.to_rcgen();
    params.serial_number = Some(serial.as_bytes().to_vec().into());
    params.not_before = not_before.replace_nanosecond(0).unwrap_or(not_before);
    params.not_after = not_after.replace_nanosecond(0).unwrap_or(not_after);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    // A root's AKI equals its SKI; pkilint and RFC 5280 §4.2.1.1 accept either, we include it
    // so chains built by key identifier work uniformly.
    params.use_authority_key_identifier_extension = true;
    if key.algorithm() == super::keys::Algorithm::Sm2 {
        // rcgen derives a self-signed AKI through a reference to the key, which sees the
        // stand-in SPKI; fix both identifiers to the one derived from the true SPKI.
        let id = params.key_identifier(key.key_pair());
        params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(id);
    }
    let cert = params
        .self_signed(key.key_pair())
        .map_err(|e| IssueError::Encode(e.to_string()))?;
    if key.algorithm() == super::keys::Algorithm::Sm2 {
        return finish_with(cert.der(), key, &key.spki_der());
    }
    Ok(cert.der().to_vec())
}

/// The subject's public key as rcgen sees it. An SM2 key is shown to rcgen as the same point
/// under the P-256 curve OID (rcgen knows no SM2; the sizes match, so nothing moves), while the
/// key identifiers rcgen derives come from the true SubjectPublicKeyInfo.
struct SubjectKey {
    stand_in: rcgen::SubjectPublicKeyInfo,
    /// The true SPKI when it differs from the stand-in (SM2).
    sm2: bool,
    spki_der: Vec<u8>,
}

impl SubjectKey {
    fn new(spki_der: &[u8]) -> Result<SubjectKey, IssueError> {
        let weak = |e: String| IssueError::WeakKey(e);
        let sm2 = super::keys::is_sm2_spki(spki_der);
        let stand_in = if sm2 {
            use crate::pkix::sig::oid;
            use der::{Decode, Encode};
            let mut spki = spki::SubjectPublicKeyInfoOwned::from_der(spki_der)
                .map_err(|e| weak(e.to_string()))?;
            spki.algorithm.parameters =
                Some(der::Any::encode_from(&oid::P256).map_err(|e| weak(e.to_string()))?);
            let der = spki.to_der().map_err(|e| weak(e.to_string()))?;
            rcgen::SubjectPublicKeyInfo::from_der(&der)
        } else {
            rcgen::SubjectPublicKeyInfo::from_der(spki_der)
        }
        .map_err(|e| weak(e.to_string()))?;
        Ok(SubjectKey {
            stand_in,
            sm2,
            spki_der: spki_der.to_vec(),
        })
    }
}

impl rcgen::PublicKeyData for SubjectKey {
    fn der_bytes(&self) -> &[u8] {
        self.stand_in.der_bytes()
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        self.stand_in.algorithm()
    }

    fn subject_public_key_info(&self) -> Vec<u8> {
        if self.sm2 {
            self.spki_der.clone()
        } else {
            self.stand_in.subject_public_key_info()
        }
    }
}

/// Finishes a certificate rcgen built around stand-ins: the subject's true `spki_der`, the
/// signature algorithm of `signer` in both places (RFC 5280 §4.1.1.2: they must match), the
/// TBSCertificate re-encoded and signed by `signer`.
pub(crate) fn finish_with(
    der: &[u8],
    signer: &PrivateKey,
    spki_der: &[u8],
) -> Result<Vec<u8>, IssueError> {
    use der::{Decode, Encode};
    let enc = |e: String| IssueError::Encode(e);
    let mut cert = x509_cert::Certificate::from_der(der).map_err(|e| enc(e.to_string()))?;
    let alg = spki::AlgorithmIdentifierOwned::from_der(signer.signature_algorithm_der())
        .map_err(|e| enc(e.to_string()))?;
    cert.tbs_certificate.signature = alg.clone();
    cert.tbs_certificate.subject_public_key_info =
        spki::SubjectPublicKeyInfoOwned::from_der(spki_der).map_err(|e| enc(e.to_string()))?;
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(|e| enc(e.to_string()))?;
    let signature = signer.sign(&tbs).map_err(|e| enc(e.to_string()))?;
    cert.signature_algorithm = alg;
    cert.signature =
        der::asn1::BitString::from_bytes(&signature).map_err(|e| enc(e.to_string()))?;
    cert.to_der().map_err(|e| enc(e.to_string()))
}

#[cfg(test)]
mod tests;
