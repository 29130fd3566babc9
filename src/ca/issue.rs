//! Issuing certificates: a request (profile, subject, names, public key, serial, validity) and
//! the issuing CA in, signed DER out. Pure: the caller supplies `now`, the serial and the key.

use rcgen::{
    BasicConstraints, CertificateParams, CrlDistributionPoint, CustomExtension,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, KeyUsagePurpose, NameConstraints, SanType,
};
use time::OffsetDateTime;

use super::dn::Dn;
use super::keys::PrivateKey;
use super::profile::{OID_DOCUMENT_SIGNING, Profile, San};
use super::serial::Serial;

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
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Whether the requested validity was cut to the issuer's.
    pub capped: bool,
}

/// Why issuing failed.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("the issuing CA certificate cannot be read: {0}")]
    BadIssuer(String),
    #[error("the issuing CA expired at {0}")]
    IssuerExpired(String),
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
}

/// The issuing CA: its certificate, its key and its URLs, parsed once per run.
pub struct Issuer<'a> {
    inner: rcgen::Issuer<'a, &'a rcgen::KeyPair>,
    not_after: OffsetDateTime,
    urls: CaUrls,
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
        let inner = rcgen::Issuer::from_ca_cert_der(&cert_der.to_vec().into(), key.key_pair())
            .map_err(|e| IssueError::BadIssuer(e.to_string()))?;
        Ok(Issuer {
            inner,
            not_after,
            urls,
        })
    }

    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Signs a certificate for `req`, following its profile.
    pub fn issue(&self, req: &IssueRequest) -> Result<Issued, IssueError> {
        if req.not_before >= self.not_after {
            return Err(IssueError::IssuerExpired(super::when::rfc3339(
                self.not_after,
            )));
        }
        let described = super::keys::describe_spki(&req.spki_der)
            .map_err(|e| IssueError::WeakKey(e.to_string()))?;
        let is_rsa = described.starts_with("RSA");
        let (not_after, capped) = if req.not_after > self.not_after {
            (self.not_after, true)
        } else {
            (req.not_after, false)
        };
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
        if let Some(url) = &self.urls.crl {
            params.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec![url.clone()],
            }];
        }
        if let Some(url) = &self.urls.ocsp {
            params.custom_extensions.push(aia_ocsp(url));
        }
        let public = rcgen::SubjectPublicKeyInfo::from_der(&req.spki_der)
            .map_err(|e| IssueError::WeakKey(e.to_string()))?;
        if !req.profile.is_ca() {
            // rcgen writes the SKI only for CAs; RFC 5280 §4.2.1.2 says end entities SHOULD
            // have one too, and seal verification uses it to find holders.
            let ski = params.key_identifier(&public);
            params.custom_extensions.push(ski_extension(&ski));
        }
        let cert = params
            .signed_by(&public, &self.inner)
            .map_err(|e| IssueError::Encode(e.to_string()))?;
        Ok(Issued {
            der: cert.der().to_vec(),
            not_before: params.not_before,
            not_after: params.not_after,
            capped,
        })
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
        Profile::Server => {
            params.key_usages = [vec![Ku::DigitalSignature], encipher].concat();
            params.extended_key_usages = vec![Eku::ServerAuth];
        }
        Profile::Ocsp => {
            params.key_usages = vec![Ku::DigitalSignature];
            params.extended_key_usages = vec![Eku::OcspSigning];
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

/// DER length octets.
pub(crate) fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// A DER TLV.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    der_len(content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

fn ski_extension(ski: &[u8]) -> CustomExtension {
    CustomExtension::from_oid_content(&[2, 5, 29, 14], tlv(0x04, ski))
}

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
    let cert = params
        .self_signed(key.key_pair())
        .map_err(|e| IssueError::Encode(e.to_string()))?;
    Ok(cert.der().to_vec())
}
