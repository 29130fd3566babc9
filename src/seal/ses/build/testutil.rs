//! Test fixtures: a small SM2 PKI (root CA, seal authority, seal holder) whose certificates are
//! assembled with `x509-cert` and signed by [`Sm2Signer`] (govpki cannot issue SM2 yet, and
//! rcgen does not know SM2), and an SM2 seal made by the authority for the holder.

use std::str::FromStr;
use std::time::Duration;

use der::Encode;
use der::asn1::{Any, BitString, ObjectIdentifier, OctetString, UtcTime};
use time::OffsetDateTime;
use time::macros::datetime;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate, Version};

use crate::seal::chain::AtTimeChecker;
use crate::seal::render::render_seal_svg;
use crate::seal::seal::{Seal, SealSpec, SealType, create_seal};
use crate::seal::signer::{SealSigner, Sm2Signer, oid};

/// A time inside every validity below.
pub const NOW: OffsetDateTime = datetime!(2026-11-30 10:00:00 UTC);

/// An SM2 key from a fixed seed (the `sm2` crate's type).
pub fn sm2_key(seed: u8) -> sm2::dsa::SigningKey {
    sm2::dsa::SigningKey::from_slice(crate::pkix::sig::SM2_DEFAULT_ID, &[seed; 32]).unwrap()
}

pub struct Party {
    pub signer: Sm2Signer,
    pub cert: Vec<u8>,
}

pub struct Sm2Pki {
    pub root: Party,
    pub authority: Party,
    pub holder: Party,
}

fn utc(t: OffsetDateTime) -> Time {
    let secs = u64::try_from(t.unix_timestamp()).unwrap();
    Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(secs)).unwrap())
}

fn ext(id: ObjectIdentifier, critical: bool, value: &impl Encode) -> Extension {
    Extension {
        extn_id: id,
        critical,
        extn_value: OctetString::new(value.to_der().unwrap()).unwrap(),
    }
}

/// A certificate for `public_key` (an uncompressed SM2 point), signed SM2-with-SM3 by `issuer`.
pub fn sm2_certificate(
    subject: &str,
    issuer_name: &str,
    issuer: &dyn SealSigner,
    public_key: &[u8],
    serial: u8,
    ca: bool,
    eku: Option<ObjectIdentifier>,
) -> Vec<u8> {
    let sig_alg = AlgorithmIdentifierOwned {
        oid: oid::SM2_WITH_SM3,
        parameters: None,
    };
    let mut extensions = vec![
        ext(
            ObjectIdentifier::new_unwrap("2.5.29.19"),
            true,
            &BasicConstraints {
                ca,
                path_len_constraint: None,
            },
        ),
        ext(
            ObjectIdentifier::new_unwrap("2.5.29.15"),
            true,
            &KeyUsage(if ca {
                KeyUsages::KeyCertSign | KeyUsages::CRLSign
            } else {
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation
            }),
        ),
    ];
    if let Some(eku) = eku {
        extensions.push(ext(
            ObjectIdentifier::new_unwrap("2.5.29.37"),
            false,
            &ExtendedKeyUsage(vec![eku]),
        ));
    }
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&[serial]).unwrap(),
        signature: sig_alg.clone(),
        issuer: Name::from_str(issuer_name).unwrap(),
        validity: Validity {
            not_before: utc(datetime!(2026-01-01 00:00:00 UTC)),
            not_after: utc(datetime!(2029-01-01 00:00:00 UTC)),
        },
        subject: Name::from_str(subject).unwrap(),
        subject_public_key_info: SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: oid::ID_EC_PUBLIC_KEY,
                parameters: Some(Any::from(&oid::SM2_CURVE)),
            },
            subject_public_key: BitString::from_bytes(public_key).unwrap(),
        },
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let signature = issuer.sign(&tbs.to_der().unwrap()).unwrap();
    Certificate {
        tbs_certificate: tbs,
        signature_algorithm: sig_alg,
        signature: BitString::from_bytes(&signature).unwrap(),
    }
    .to_der()
    .unwrap()
}

const ROOT: &str = "CN=SM2 Test Root,O=Lianyungang,C=CN";

impl Sm2Pki {
    pub fn new() -> Self {
        let root = Sm2Signer::new(&sm2_key(1)).unwrap();
        let root_cert = sm2_certificate(ROOT, ROOT, &root, root.public_key(), 1, true, None);
        let authority = Sm2Signer::new(&sm2_key(2)).unwrap();
        let authority_cert = sm2_certificate(
            "CN=Seal Office,O=Lianyungang,C=CN",
            ROOT,
            &root,
            authority.public_key(),
            2,
            false,
            Some(crate::seal::OID_KP_SEAL_AUTHORITY),
        );
        let holder = Sm2Signer::new(&sm2_key(3)).unwrap();
        let holder_cert = sm2_certificate(
            "CN=Information Centre,O=Lianyungang,C=CN",
            ROOT,
            &root,
            holder.public_key(),
            3,
            false,
            None,
        );
        Sm2Pki {
            root: Party {
                signer: root,
                cert: root_cert,
            },
            authority: Party {
                signer: authority,
                cert: authority_cert,
            },
            holder: Party {
                signer: holder,
                cert: holder_cert,
            },
        }
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
            es_id: "3207000000000001".to_string(),
        }
    }

    /// The SM2 seal the authority makes for the holder.
    pub fn seal(&self) -> Seal {
        create_seal(&self.spec(), &self.authority.cert, &self.authority.signer).unwrap()
    }

    /// A verifier who trusts the root.
    pub fn checker(&self) -> AtTimeChecker {
        AtTimeChecker::new(std::slice::from_ref(&self.root.cert), &[], &[]).unwrap()
    }
}
