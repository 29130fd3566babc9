//! Test fixtures: a small PKI made with rcgen (root CA, seal authority, seal holders), seal
//! specs, and a [`ChainChecker`] good enough for unit tests (the real one is rustls-webpki in
//! the CA module).

use std::collections::HashMap;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SignatureAlgorithm,
};
use time::OffsetDateTime;
use time::macros::datetime;
use x509_parser::prelude::FromDer;

use super::render::render_seal_svg;
use super::report::{
    ChainCheck, ChainChecker, ChainFailure, ChainRole, RevocationUnknown, Unsettled,
};
use super::seal::{Seal, SealSpec, SealType, create_seal};
use super::signer::RingSigner;
use crate::pkix::validate::Failure;

/// documentSigning (RFC 9336).
pub const EKU_DOCUMENT_SIGNING: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 36];

pub const NOW: OffsetDateTime = datetime!(2026-11-30 10:00:00 UTC);

/// A key and its certificate.
pub struct Party {
    pub key: KeyPair,
    pub cert: Vec<u8>,
}

impl Party {
    pub fn signer(&self) -> RingSigner {
        RingSigner::from_pkcs8_der(&self.key.serialize_der()).unwrap()
    }
}

pub struct Pki {
    pub root: Party,
    root_issuer: Issuer<'static, KeyPair>,
    pub authority: Party,
    pub holder: Party,
}

fn dn(cn: &str) -> rcgen::DistinguishedName {
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(DnType::CountryName, "CN");
    dn.push(DnType::OrganizationName, "连云港市人民政府");
    dn.push(DnType::CommonName, cn);
    dn
}

impl Pki {
    pub fn new(alg: &'static SignatureAlgorithm) -> Self {
        let root_key = KeyPair::generate_for(alg).unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = dn("测试根CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = datetime!(2025-01-01 00:00:00 UTC);
        params.not_after = datetime!(2035-01-01 00:00:00 UTC);
        let root_cert = params.self_signed(&root_key).unwrap().der().to_vec();
        let root_issuer = Issuer::new(
            params,
            KeyPair::from_pem(&root_key.serialize_pem()).unwrap(),
        );
        let mut pki = Pki {
            root: Party {
                key: root_key,
                cert: root_cert,
            },
            root_issuer,
            authority: Party {
                key: KeyPair::generate_for(alg).unwrap(),
                cert: Vec::new(),
            },
            holder: Party {
                key: KeyPair::generate_for(alg).unwrap(),
                cert: Vec::new(),
            },
        };
        pki.authority = pki.issue("印章管理部门", alg, false);
        pki.holder = pki.issue("信息中心", alg, true);
        pki
    }

    /// An end-entity certificate: a seal holder (documentSigning) or a seal authority.
    pub fn issue(&self, cn: &str, alg: &'static SignatureAlgorithm, holder: bool) -> Party {
        let key = KeyPair::generate_for(alg).unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(cn);
        params
            .distinguished_name
            .push(DnType::OrganizationalUnitName, "信息中心");
        params.not_before = datetime!(2026-01-01 00:00:00 UTC);
        params.not_after = datetime!(2029-01-01 00:00:00 UTC);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        if holder {
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(
                EKU_DOCUMENT_SIGNING.to_vec(),
            )];
        }
        params.use_authority_key_identifier_extension = true;
        let cert = params
            .signed_by(&key, &self.root_issuer)
            .unwrap()
            .der()
            .to_vec();
        Party { key, cert }
    }

    pub fn spec(&self) -> SealSpec {
        SealSpec {
            name: "连云港市人民政府".to_string(),
            seal_type: SealType::Official,
            department: "信息中心".to_string(),
            holder_certs: vec![self.holder.cert.clone()],
            image: render_seal_svg("连云港市人民政府", SealType::Official).unwrap(),
            valid_from: datetime!(2026-06-01 00:00:00 UTC),
            valid_until: datetime!(2027-06-01 00:00:00 UTC),
            created: datetime!(2026-06-01 00:00:00 UTC),
            es_id: "3201000000000001".to_string(),
        }
    }

    pub fn seal(&self) -> Seal {
        self.seal_with(&self.spec())
    }

    pub fn seal_with(&self, spec: &SealSpec) -> Seal {
        create_seal(spec, &self.authority.cert, &self.authority.signer()).unwrap()
    }

    pub fn checker(&self) -> TestChecker {
        TestChecker {
            anchors: vec![self.root.cert.clone()],
            revoked: HashMap::new(),
            revocation_known: true,
        }
    }
}

/// A minimal chain checker: issuer by name among the candidates and anchors, signatures,
/// validity at `at`, documentSigning for holders, a revoked-serial map.
pub struct TestChecker {
    pub anchors: Vec<Vec<u8>>,
    /// Serial (hex) -> revocation time.
    pub revoked: HashMap<String, OffsetDateTime>,
    pub revocation_known: bool,
}

impl ChainChecker for TestChecker {
    fn check(
        &self,
        ee_der: &[u8],
        intermediates: &[Vec<u8>],
        at: OffsetDateTime,
        role: ChainRole,
    ) -> ChainCheck {
        use x509_parser::certificate::X509Certificate;
        let Ok((_, ee)) = X509Certificate::from_der(ee_der) else {
            return ChainCheck::Invalid(ChainFailure::Malformed(None));
        };
        if role == ChainRole::Holder {
            let ok = ee.extended_key_usage().ok().flatten().is_some_and(|e| {
                e.value
                    .other
                    .iter()
                    .any(|o| o.to_id_string() == "1.3.6.1.5.5.7.3.36")
            });
            if !ok {
                return ChainCheck::Invalid(path_failure(
                    Failure::Purpose {
                        depth: 0,
                        subject: crate::ca::dn::display_name(ee.subject()),
                    },
                    at,
                ));
            }
        }
        let mut current = ee;
        for _ in 0..5 {
            let (nb, na) = (
                current.validity().not_before.to_datetime(),
                current.validity().not_after.to_datetime(),
            );
            if at < nb {
                return ChainCheck::Invalid(ChainFailure::NotYetValid {
                    subject: crate::ca::dn::display_name(current.subject()),
                    not_before: nb,
                    at,
                });
            }
            if at > na {
                return ChainCheck::Invalid(ChainFailure::Expired {
                    subject: crate::ca::dn::display_name(current.subject()),
                    not_after: na,
                    at,
                });
            }
            let serial = crate::seal::certificate_serial_hex(current.as_raw()).unwrap();
            if let Some(r) = self.revoked.get(&serial)
                && *r <= at
            {
                return ChainCheck::Invalid(path_failure(
                    Failure::Revoked {
                        depth: 0,
                        subject: crate::ca::dn::display_name(current.subject()),
                        by: crate::pkix::validate::RevokedBy::Crl(0),
                        revoked_at: r.unix_timestamp(),
                        reason: None,
                    },
                    at,
                ));
            }
            if let Some(anchor) = self
                .anchors
                .iter()
                .find(|a| a.as_slice() == current.as_raw())
            {
                let _ = anchor;
                return if self.revocation_known {
                    ChainCheck::Valid
                } else {
                    ChainCheck::ValidRevocationUnknown(RevocationUnknown(vec![Unsettled::NoCrl {
                        cert: crate::seal::CertId::of(current.as_raw()),
                        subject: crate::ca::dn::display_name(current.subject()),
                        issuer: crate::ca::dn::display_name(current.issuer()),
                    }]))
                };
            }
            let issuer = self
                .anchors
                .iter()
                .chain(intermediates.iter())
                .filter_map(|d| X509Certificate::from_der(d).ok().map(|(_, c)| c))
                .find(|c| {
                    c.subject().as_raw() == current.issuer().as_raw()
                        && current.verify_signature(Some(c.public_key())).is_ok()
                });
            match issuer {
                Some(i) => current = i,
                None => {
                    return ChainCheck::Invalid(path_failure(
                        Failure::NoPath {
                            subject: crate::ca::dn::display_name(current.subject()),
                        },
                        at,
                    ));
                }
            }
        }
        ChainCheck::Invalid(path_failure(Failure::TooLong { max: 5 }, at))
    }
}

/// A failure of the path, as the validator words it.
fn path_failure(failure: Failure, at: OffsetDateTime) -> ChainFailure {
    ChainFailure::Path(crate::ca::verify::InvalidReason::new(failure, at))
}

/// The DER of a PEM certificate file.
pub fn pem_cert(pem_bytes: &[u8]) -> Vec<u8> {
    pem::parse(pem_bytes).unwrap().contents().to_vec()
}

/// The first TLV of `data`.
pub fn first_tlv(data: &[u8]) -> &[u8] {
    use der::Reader;
    let mut r = der::SliceReader::new(data).unwrap();
    let _: der::asn1::AnyRef<'_> = r.decode().unwrap();
    let len = usize::try_from(r.position()).unwrap();
    &data[..len]
}
