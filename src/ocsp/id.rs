//! CertIDs (RFC 6960 §4.1.1): the hash of the issuer's name and of its public key, under SHA-1
//! (what RFC 5019 clients send) or SHA-256, and the serial number.

use der::asn1::{Null, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::CertId;

use crate::pkix::Cert;
use crate::pkix::sig::oid;

/// A CertID hash algorithm this module computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    Sha1,
    Sha256,
}

impl HashAlg {
    pub const ALL: [HashAlg; 2] = [HashAlg::Sha1, HashAlg::Sha256];

    pub fn oid(self) -> ObjectIdentifier {
        match self {
            HashAlg::Sha1 => oid::SHA1,
            HashAlg::Sha256 => oid::SHA256,
        }
    }

    /// The algorithm a CertID names, when it is one of ours with parameters absent or NULL.
    pub fn from_algorithm(alg: &AlgorithmIdentifierOwned) -> Option<HashAlg> {
        let params_ok = match &alg.parameters {
            None => true,
            Some(p) => der::Tagged::tag(p) == der::Tag::Null && p.value().is_empty(),
        };
        if !params_ok {
            return None;
        }
        HashAlg::ALL.into_iter().find(|h| h.oid() == alg.oid)
    }

    /// The AlgorithmIdentifier we write: NULL parameters, as OpenSSL writes them.
    pub fn algorithm(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: Some(Null.into()),
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            // SHA-1 is what RFC 5019 §2.1.1 CertIDs use: a name, not a signature.
            HashAlg::Sha1 => ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
                .as_ref()
                .to_vec(),
            HashAlg::Sha256 => ring::digest::digest(&ring::digest::SHA256, data)
                .as_ref()
                .to_vec(),
        }
    }
}

/// One issuer as CertIDs name it: its name and key hashes under each [`HashAlg`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerId {
    /// (algorithm, name hash, key hash)
    hashes: Vec<(HashAlg, Vec<u8>, Vec<u8>)>,
}

impl IssuerId {
    /// The hashes of `issuer`'s subject Name (DER) and subjectPublicKey (the BIT STRING's
    /// value, without the unused-bits octet).
    pub fn new(issuer: &Cert) -> Result<IssuerId, der::Error> {
        let name = issuer.subject.to_der()?;
        let key = issuer.spki.subject_public_key.raw_bytes();
        Ok(IssuerId {
            hashes: HashAlg::ALL
                .into_iter()
                .map(|h| (h, h.digest(&name), h.digest(key)))
                .collect(),
        })
    }

    /// The CertID of the certificate with serial `serial` (INTEGER content octets).
    pub fn cert_id(&self, alg: HashAlg, serial: &[u8]) -> Result<CertId, der::Error> {
        let (name, key) = self
            .hashes
            .iter()
            .find(|(h, _, _)| *h == alg)
            .map(|(_, n, k)| (n.clone(), k.clone()))
            .ok_or_else(|| der::Error::from(der::ErrorKind::Failed))?;
        Ok(CertId {
            hash_algorithm: alg.algorithm(),
            issuer_name_hash: OctetString::new(name)?,
            issuer_key_hash: OctetString::new(key)?,
            serial_number: serial_number(serial)?,
        })
    }

    /// Whether `id` names this issuer (any serial): its algorithm, when it does.
    pub fn matches(&self, id: &CertId) -> Option<HashAlg> {
        let alg = HashAlg::from_algorithm(&id.hash_algorithm)?;
        self.hashes
            .iter()
            .find(|(h, n, k)| {
                *h == alg
                    && n.as_slice() == id.issuer_name_hash.as_bytes()
                    && k.as_slice() == id.issuer_key_hash.as_bytes()
            })
            .map(|_| alg)
    }
}

/// A SerialNumber from INTEGER content octets, kept as encoded.
pub(crate) fn serial_number(content: &[u8]) -> Result<SerialNumber, der::Error> {
    SerialNumber::from_der(&crate::tlv::tlv(0x02, content))
}

/// The SHA-1 of a public key's BIT STRING value: `responderID` byKey (RFC 6960 §4.2.1).
pub(crate) fn key_hash(spki: &spki::SubjectPublicKeyInfoOwned) -> Vec<u8> {
    HashAlg::Sha1.digest(spki.subject_public_key.raw_bytes())
}
