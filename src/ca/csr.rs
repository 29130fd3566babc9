//! CSR intake and creation.
//!
//! Intake verifies the CSR's signature, refuses weak keys and SHA-1, and extracts only the
//! subject, the public key and the requested SANs: nothing else a CSR asks for reaches a
//! certificate (a CSR can never make itself a CA).
//!
//! SM2 CSRs are verified SM2-with-SM3 with the GM/T 0009 default user ID `1234567812345678`
//! (through `pkix::sig`, the one verifier). OpenSSL 3 signs with an EMPTY user ID unless told
//! `-sigopt distid:1234567812345678`; such a CSR is refused with that hint.

use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use super::dn::{Dn, DnError};
use super::input::{self, InputError};
use super::keys::PrivateKey;
use super::profile::San;

/// A CSR whose signature has been checked.
#[derive(Debug, Clone)]
pub struct VerifiedCsr {
    pub subject: Option<Dn>,
    pub spki_der: Vec<u8>,
    pub key_description: String,
    pub requested_sans: Vec<San>,
}

/// Why a CSR was refused.
#[derive(Debug, thiserror::Error)]
pub enum CsrError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("the CSR's signature does not verify (forged or damaged request)")]
    BadSignature,
    #[error(
        "the CSR's SM2 signature verifies only with an empty user ID (OpenSSL's default), not with the GM/T 0009 default `1234567812345678`"
    )]
    Sm2EmptyUserId,
    #[error("the CSR is signed with {0}, which is refused as weak")]
    WeakSignature(String),
    #[error("the CSR's public key is refused: {0}")]
    WeakKey(String),
    #[error("the CSR's subject is not acceptable: {0}")]
    Subject(DnError),
    #[error("creating the CSR failed: {0}")]
    Create(String),
}

const WEAK_SIG_OIDS: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
    ("1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
    ("1.2.840.10040.4.3", "dsa-with-sha1"),
];

impl CsrError {
    /// What the requester can do about it, when there is something.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            CsrError::Sm2EmptyUserId => Some(
                "sign the CSR with the default user ID: `openssl req ... -sigopt distid:1234567812345678`",
            ),
            _ => None,
        }
    }
}

/// Checks an SM2-with-SM3 CSR signature over `info` (the DER CertificationRequestInfo) with
/// the default user ID; tells an empty-ID signature (OpenSSL's default) apart from a forgery.
fn verify_sm2(
    spki_der: &[u8],
    alg: &spki::AlgorithmIdentifierOwned,
    info: &[u8],
    sig: &[u8],
) -> Result<(), CsrError> {
    use crate::pkix::sig::{DefaultVerifier, SignatureVerifier};
    use der::Decode;
    let spki = spki::SubjectPublicKeyInfoOwned::from_der(spki_der)
        .map_err(|e| CsrError::WeakKey(e.to_string()))?;
    if DefaultVerifier::default()
        .verify(&spki, alg, info, sig)
        .is_ok()
    {
        return Ok(());
    }
    use sm2::dsa::signature::Verifier;
    let empty_id = sm2::dsa::VerifyingKey::from_sec1_bytes("", spki.subject_public_key.raw_bytes())
        .ok()
        .zip(crate::pkix::sig::sm2_signature(sig))
        .is_some_and(|(key, sig)| key.verify(info, &sig).is_ok());
    Err(if empty_id {
        CsrError::Sm2EmptyUserId
    } else {
        CsrError::BadSignature
    })
}

/// Reads and verifies a CSR given as PEM or DER bytes.
pub fn verify_csr(bytes: &[u8]) -> Result<VerifiedCsr, CsrError> {
    let der = input::decode_one(bytes, input::CSR_LABELS)?;
    let (rest, csr) = x509_parser::certification_request::X509CertificationRequest::from_der(&der)
        .map_err(|e| InputError::Der(e.to_string()))?;
    if !rest.is_empty() {
        return Err(InputError::Trailing(rest.len()).into());
    }
    let sig_oid = csr.signature_algorithm.algorithm.to_id_string();
    if let Some((_, name)) = WEAK_SIG_OIDS.iter().find(|(oid, _)| *oid == sig_oid) {
        return Err(CsrError::WeakSignature((*name).to_string()));
    }
    let info = &csr.certification_request_info;
    let spki_der = info.subject_pki.raw.to_vec();
    let key_description =
        super::keys::describe_spki(&spki_der).map_err(|e| CsrError::WeakKey(e.to_string()))?;
    // After the key check: ring cannot verify RSA < 2048, which must read as weak, not forged.
    if sig_oid == "1.2.156.10197.1.501" {
        // Parameters absent, or NULL (accepted when reading, as pkix::sig does).
        let params = match &csr.signature_algorithm.parameters {
            None => None,
            Some(p) if p.tag() == x509_parser::der_parser::asn1_rs::Tag::Null => {
                Some(der::Any::null())
            }
            Some(_) => return Err(CsrError::BadSignature),
        };
        let alg = spki::AlgorithmIdentifierOwned {
            oid: crate::pkix::sig::oid::SM2_WITH_SM3,
            parameters: params,
        };
        verify_sm2(&spki_der, &alg, info.raw, &csr.signature_value.data)?;
    } else {
        csr.verify_signature().map_err(|_| CsrError::BadSignature)?;
    }
    let subject = if info.subject.iter().next().is_none() {
        None
    } else {
        // The same rules as `--subject`: a CSR cannot bring a name the CA would not write.
        let dn = Dn::from_x509(&info.subject).map_err(CsrError::Subject)?;
        dn.check().map_err(CsrError::Subject)?;
        Some(dn)
    };
    let mut requested_sans = Vec::new();
    if let Some(exts) = csr.requested_extensions() {
        for ext in exts {
            if let ParsedExtension::SubjectAlternativeName(san) = ext {
                for name in &san.general_names {
                    // Only the SAN kinds we can issue are carried over; the profile filters
                    // them again. Anything else in the CSR is ignored by design.
                    let parsed = match name {
                        GeneralName::DNSName(d) => San::parse(&format!("dns:{d}")).ok(),
                        GeneralName::RFC822Name(e) => San::parse(&format!("email:{e}")).ok(),
                        GeneralName::URI(u) => San::parse(&format!("uri:{u}")).ok(),
                        GeneralName::IPAddress(ip) => match ip.len() {
                            4 => <[u8; 4]>::try_from(*ip).ok().map(|a| San::Ip(a.into())),
                            16 => <[u8; 16]>::try_from(*ip).ok().map(|a| San::Ip(a.into())),
                            _ => None,
                        },
                        _ => None,
                    };
                    requested_sans.extend(parsed);
                }
            }
        }
    }
    Ok(VerifiedCsr {
        subject,
        spki_der,
        key_description,
        requested_sans,
    })
}

/// Creates a CSR (PEM) for `subject` and `sans`, signed by `key`.
pub fn create_csr(key: &PrivateKey, subject: &Dn, sans: &[San]) -> Result<String, CsrError> {
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = subject.to_rcgen();
    for san in sans {
        let ia5 = |v: &str| {
            rcgen::string::Ia5String::try_from(v).map_err(|e| CsrError::Create(e.to_string()))
        };
        params.subject_alt_names.push(match san {
            San::Dns(v) => rcgen::SanType::DnsName(ia5(v)?),
            San::Email(v) => rcgen::SanType::Rfc822Name(ia5(v)?),
            San::Uri(v) => rcgen::SanType::URI(ia5(v)?),
            San::Ip(ip) => rcgen::SanType::IpAddress(*ip),
        });
    }
    let csr = params
        .serialize_request(key.key_pair())
        .map_err(|e| CsrError::Create(e.to_string()))?;
    if key.algorithm() == crate::ca::keys::Algorithm::Sm2 {
        let der = finish_sm2(csr.der(), key)?;
        return Ok(crate::ca::input::pem_lf(&pem::Pem::new(
            "CERTIFICATE REQUEST",
            der,
        )));
    }
    csr.pem().map_err(|e| CsrError::Create(e.to_string()))
}

/// Finishes a CSR rcgen built around an SM2 key's stand-in (see `ca::keys::SignerKey`): the
/// true SubjectPublicKeyInfo, SM2-with-SM3 (parameters absent), CertificationRequestInfo
/// re-encoded and signed with the default user ID.
fn finish_sm2(der: &[u8], key: &PrivateKey) -> Result<Vec<u8>, CsrError> {
    use der::{Decode, Encode};
    let err = |e: der::Error| CsrError::Create(e.to_string());
    let mut req = x509_cert::request::CertReq::from_der(der).map_err(err)?;
    req.info.public_key =
        spki::SubjectPublicKeyInfoOwned::from_der(&key.spki_der()).map_err(err)?;
    req.algorithm =
        spki::AlgorithmIdentifierOwned::from_der(key.signature_algorithm_der()).map_err(err)?;
    let info = req.info.to_der().map_err(err)?;
    let signature = key
        .sign(&info)
        .map_err(|e| CsrError::Create(e.to_string()))?;
    req.signature = der::asn1::BitString::from_bytes(&signature).map_err(err)?;
    req.to_der().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::keys::Algorithm;

    #[test]
    fn created_csr_verifies_and_forged_one_does_not() {
        let key = PrivateKey::generate(Algorithm::P256).unwrap();
        let dn = Dn::parse("CN=信息中心,OU=信息中心,O=连云港市人民政府,C=CN").unwrap();
        let pem_text = create_csr(&key, &dn, &[San::Dns("a.lyg.gov.cn".into())]).unwrap();
        let csr = verify_csr(pem_text.as_bytes()).unwrap();
        assert_eq!(csr.subject, Some(dn));
        assert_eq!(csr.spki_der, key.spki_der());
        assert_eq!(csr.requested_sans, vec![San::Dns("a.lyg.gov.cn".into())]);

        let mut der = pem::parse(&pem_text).unwrap().into_contents();
        // Flip a byte inside the subject: the signature no longer covers it.
        let pos = der.windows(3).position(|w| w == "信".as_bytes()).unwrap();
        der[pos + 2] ^= 0x01;
        assert!(matches!(
            verify_csr(&der),
            Err(CsrError::BadSignature) | Err(CsrError::Subject(_))
        ));
    }

    #[test]
    fn an_sm2_csr_verifies_with_the_default_id_and_not_with_the_empty_one() {
        use der::{Decode, Encode};
        let key = PrivateKey::generate(Algorithm::Sm2).unwrap();
        let dn = Dn::parse("CN=信息中心,O=连云港市人民政府,C=CN").unwrap();
        let pem_text = create_csr(&key, &dn, &[San::Email("a@lyg.gov.cn".into())]).unwrap();
        let csr = verify_csr(pem_text.as_bytes()).unwrap();
        assert_eq!(csr.spki_der, key.spki_der());
        assert_eq!(csr.key_description, "SM2");
        assert_eq!(csr.subject, Some(dn));

        // The same request signed with the EMPTY user ID (OpenSSL's default): refused with
        // its own error and a hint, not as a forgery.
        let der = pem::parse(&pem_text).unwrap().into_contents();
        let mut req = x509_cert::request::CertReq::from_der(&der).unwrap();
        let info = req.info.to_der().unwrap();
        let secret = key.sm2_signing_key().unwrap().as_nonzero_scalar();
        let empty = sm2::dsa::SigningKey::from_nonzero_scalar("", *secret).unwrap();
        let sig: sm2::dsa::Signature = sm2::dsa::signature::Signer::sign(&empty, &info);
        let sig_der = crate::ca::keys::sm2_signature_der(&sig);
        req.signature = der::asn1::BitString::from_bytes(&sig_der).unwrap();
        let err = verify_csr(&req.to_der().unwrap()).unwrap_err();
        assert!(matches!(err, CsrError::Sm2EmptyUserId), "{err}");
        assert!(err.hint().unwrap().contains("distid:1234567812345678"));

        // Parameters: NULL is accepted when reading (some SM2 producers write it), anything
        // else is not SM2-with-SM3 as GM/T 0015 defines it.
        let mut with_null = x509_cert::request::CertReq::from_der(&der).unwrap();
        with_null.algorithm.parameters = Some(der::Any::null());
        assert!(verify_csr(&with_null.to_der().unwrap()).is_ok());
        let mut with_oid = with_null.clone();
        with_oid.algorithm.parameters =
            Some(der::Any::encode_from(&crate::pkix::sig::oid::SM2_CURVE).unwrap());
        assert!(matches!(
            verify_csr(&with_oid.to_der().unwrap()),
            Err(CsrError::BadSignature)
        ));

        // Raw r || s instead of DER: a bad signature.
        req.signature = der::asn1::BitString::from_bytes(&sig.to_bytes()).unwrap();
        assert!(matches!(
            verify_csr(&req.to_der().unwrap()),
            Err(CsrError::BadSignature)
        ));
    }
}
