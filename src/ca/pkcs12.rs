//! Writing PKCS#12 (RFC 7292) files: a private key with its certificate and chain, for
//! browsers, `openssl pkcs12` and USB-key tooling.
//!
//! What is written is the modern profile OpenSSL 3 writes by default, with higher iteration
//! counts: the key in a `pkcs8ShroudedKeyBag` and the certificates in an `encryptedData`, both
//! under PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC; RFC 8018), and the whole authenticated with
//! HMAC-SHA256 whose key comes from the PKCS#12 KDF with SHA-256 (RFC 7292 Appendix B.2). No
//! legacy algorithm (RC2, 3DES, SHA-1) is ever written, so `openssl pkcs12` reads the file
//! without `-legacy`.
//!
//! Pure: a key, certificates, a passphrase, salts and IVs in, DER out. It reads no file, no
//! clock and no random generator (the caller draws the [`Salts`]), and it does not parse
//! PKCS#12: govpki only exports.

use der::Encode;
use der::asn1::ObjectIdentifier;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::tlv::{seq, set_of, tlv};

/// PBKDF2-HMAC-SHA256 iterations of both bags: OWASP's 2023 recommendation for PBKDF2 with
/// SHA-256 (600,000).
pub const PBKDF2_ITERATIONS: u32 = 600_000;
/// Iterations of the PKCS#12 KDF that derives the MAC key; as high as the bags', so the MAC is
/// no cheaper a way to test guesses than the bags (OpenSSL's default is 2,048).
pub const MAC_ITERATIONS: u32 = 600_000;

const DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const X509_CERTIFICATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");
const FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// Errors while building a PKCS#12 file.
#[derive(Debug, thiserror::Error)]
pub enum Pkcs12Error {
    #[error("the PKCS#12 passphrase is empty")]
    EmptyPassphrase,
    #[error("the private key is not PKCS#8: {0}")]
    Key(String),
    #[error("encrypting the {what}: {detail}")]
    Encrypt { what: &'static str, detail: String },
}

/// The random inputs of one file: a salt and an IV per bag, and the MAC's salt.
#[derive(Debug, Clone)]
pub struct Salts {
    pub key_salt: [u8; 16],
    pub key_iv: [u8; 16],
    pub certs_salt: [u8; 16],
    pub certs_iv: [u8; 16],
    pub mac_salt: [u8; 16],
}

/// What goes into the file.
pub struct Contents<'a> {
    /// The unencrypted PKCS#8 DER of the key.
    pub pkcs8: &'a [u8],
    /// The key's certificate (DER).
    pub cert: &'a [u8],
    /// Its issuers, nearest first (DER).
    pub chain: &'a [Vec<u8>],
    /// The friendlyName of the key and its certificate.
    pub friendly_name: &'a str,
}

/// Iteration counts (tests may lower them; files are written with the defaults).
#[derive(Debug, Clone, Copy)]
pub struct Iterations {
    pub pbkdf2: u32,
    pub mac: u32,
}

impl Default for Iterations {
    fn default() -> Self {
        Iterations {
            pbkdf2: PBKDF2_ITERATIONS,
            mac: MAC_ITERATIONS,
        }
    }
}

/// The localKeyId that ties the key to its certificate: SHA-256 of the certificate.
pub fn local_key_id(cert_der: &[u8]) -> [u8; 32] {
    Sha256::digest(cert_der).into()
}

/// Builds the PFX DER.
pub fn build(
    contents: &Contents<'_>,
    passphrase: &str,
    salts: &Salts,
    iterations: Iterations,
) -> Result<Vec<u8>, Pkcs12Error> {
    if passphrase.is_empty() {
        return Err(Pkcs12Error::EmptyPassphrase);
    }
    let key_id = local_key_id(contents.cert);
    let attributes = bag_attributes(contents.friendly_name, &key_id);

    // The key: EncryptedPrivateKeyInfo under PBES2 (RFC 7292 §4.2.2).
    let info = pkcs8::PrivateKeyInfo::try_from(contents.pkcs8)
        .map_err(|e| Pkcs12Error::Key(e.to_string()))?;
    let shrouded = info
        .encrypt_with_params(
            pbes2(iterations.pbkdf2, &salts.key_salt, &salts.key_iv, "key")?,
            passphrase.as_bytes(),
        )
        .map_err(|e| Pkcs12Error::Encrypt {
            what: "key",
            detail: e.to_string(),
        })?;
    let key_bag = safe_bag(SHROUDED_KEY_BAG, shrouded.as_bytes(), Some(&attributes));
    let key_safe = seq(&[&key_bag]);

    // The certificates: a SafeContents of certBags, encrypted whole (RFC 7292 §5.1 step 2).
    let mut cert_bags = vec![safe_bag(
        CERT_BAG,
        &cert_bag(contents.cert),
        Some(&attributes),
    )];
    for c in contents.chain {
        cert_bags.push(safe_bag(CERT_BAG, &cert_bag(c), None));
    }
    let certs_safe = tlv(0x30, &cert_bags.concat());
    let certs_params = pbes2(
        iterations.pbkdf2,
        &salts.certs_salt,
        &salts.certs_iv,
        "certificates",
    )?;
    let certs_cipher = certs_params
        .encrypt(passphrase.as_bytes(), &certs_safe)
        .map_err(|e| Pkcs12Error::Encrypt {
            what: "certificates",
            detail: e.to_string(),
        })?;
    let scheme = pkcs5::EncryptionScheme::from(certs_params)
        .to_der()
        .map_err(|e| Pkcs12Error::Encrypt {
            what: "certificates",
            detail: e.to_string(),
        })?;
    // EncryptedData ::= SEQUENCE { version 0, EncryptedContentInfo } (RFC 5652 §8), whose
    // encryptedContent is [0] IMPLICIT OCTET STRING.
    let encrypted_data = seq(&[
        &tlv(0x02, &[0]),
        &seq(&[&oid(DATA), &scheme, &tlv(0x80, &certs_cipher)]),
    ]);

    // AuthenticatedSafe: the certificates first, then the key, as OpenSSL orders them.
    let auth_safe = seq(&[
        &content_info(ENCRYPTED_DATA, &encrypted_data),
        &content_info(DATA, &tlv(0x04, &key_safe)),
    ]);

    // MacData over the AuthenticatedSafe's octets (RFC 7292 §5.1 step 4, Appendix B).
    let mac_key = pkcs12_kdf_sha256(
        &bmp_password(passphrase),
        &salts.mac_salt,
        3,
        iterations.mac,
    );
    let mac = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, mac_key.as_slice()),
        &auth_safe,
    );
    let mac_data = seq(&[
        &seq(&[
            &seq(&[&oid(SHA256), &tlv(0x05, &[])]),
            &tlv(0x04, mac.as_ref()),
        ]),
        &tlv(0x04, &salts.mac_salt),
        &integer(iterations.mac),
    ]);
    Ok(seq(&[
        &tlv(0x02, &[3]),
        &content_info(DATA, &tlv(0x04, &auth_safe)),
        &mac_data,
    ]))
}

/// PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC (RFC 8018 §6.2, the AES OIDs of RFC 3565).
fn pbes2<'a>(
    iterations: u32,
    salt: &'a [u8; 16],
    iv: &'a [u8; 16],
    what: &'static str,
) -> Result<pkcs5::pbes2::Parameters<'a>, Pkcs12Error> {
    pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(iterations, salt, iv).map_err(|e| {
        Pkcs12Error::Encrypt {
            what,
            detail: e.to_string(),
        }
    })
}

fn oid(o: ObjectIdentifier) -> Vec<u8> {
    tlv(0x06, o.as_bytes())
}

/// A non-negative INTEGER, minimal (X.690 §8.3.2).
fn integer(n: u32) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(3);
    let mut content = bytes[skip..].to_vec();
    if content.first().is_some_and(|b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    tlv(0x02, &content)
}

/// ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT }.
fn content_info(kind: ObjectIdentifier, content: &[u8]) -> Vec<u8> {
    seq(&[&oid(kind), &tlv(0xA0, content)])
}

/// SafeBag ::= SEQUENCE { bagId, bagValue [0] EXPLICIT, bagAttributes SET OF OPTIONAL }.
fn safe_bag(kind: ObjectIdentifier, value: &[u8], attributes: Option<&[u8]>) -> Vec<u8> {
    let mut parts = vec![oid(kind), tlv(0xA0, value)];
    if let Some(a) = attributes {
        parts.push(a.to_vec());
    }
    tlv(0x30, &parts.concat())
}

/// CertBag ::= SEQUENCE { certId x509Certificate, certValue [0] EXPLICIT OCTET STRING }.
fn cert_bag(cert_der: &[u8]) -> Vec<u8> {
    seq(&[&oid(X509_CERTIFICATE), &tlv(0xA0, &tlv(0x04, cert_der))])
}

/// friendlyName (a BMPString) and localKeyId (an OCTET STRING), PKCS #9 (RFC 2985 §5.5.1).
fn bag_attributes(friendly_name: &str, key_id: &[u8]) -> Vec<u8> {
    let name = tlv(0x1E, &bmp(friendly_name));
    set_of(vec![
        seq(&[&oid(FRIENDLY_NAME), &set_of(vec![name])]),
        seq(&[&oid(LOCAL_KEY_ID), &set_of(vec![tlv(0x04, key_id)])]),
    ])
}

/// UTF-16BE of the Basic Multilingual Plane; a character outside it (a BMPString cannot hold
/// one) becomes U+FFFD.
fn bmp(text: &str) -> Vec<u8> {
    text.chars()
        .flat_map(|c| {
            let unit = u16::try_from(u32::from(c)).unwrap_or(0xFFFD);
            unit.to_be_bytes()
        })
        .collect()
}

/// The password as the PKCS#12 KDF takes it: a BMPString with a two-octet terminator
/// (RFC 7292 Appendix B.1). Characters outside the BMP are written as UTF-16 surrogate pairs,
/// as OpenSSL's `OPENSSL_utf82uni` does.
fn bmp_password(passphrase: &str) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(passphrase.len() * 2 + 2));
    for unit in passphrase.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// The PKCS#12 KDF of RFC 7292 Appendix B.2 with SHA-256 (u = 32, v = 64), producing one
/// 32-byte key of purpose `id` (1 key, 2 IV, 3 MAC).
pub fn pkcs12_kdf_sha256(
    password: &[u8],
    salt: &[u8],
    id: u8,
    iterations: u32,
) -> Zeroizing<[u8; 32]> {
    const V: usize = 64;
    let stretch = |data: &[u8]| -> Vec<u8> {
        if data.is_empty() {
            return Vec::new();
        }
        let len = V * data.len().div_ceil(V);
        data.iter().copied().cycle().take(len).collect()
    };
    let mut i_block = Zeroizing::new(stretch(salt));
    i_block.extend_from_slice(&stretch(password));
    let mut hasher = Sha256::new();
    hasher.update([id; V]);
    hasher.update(&*i_block);
    let mut a: [u8; 32] = hasher.finalize().into();
    for _ in 1..iterations.max(1) {
        a = sha256_32(&a);
    }
    // Only one output block is needed (n = u), so I is not updated (steps 6B and 6C).
    Zeroizing::new(a)
}

/// SHA-256 of 32 bytes through ring, whose hashing is optimised in every build (the KDF
/// hashes 600,000 times; the generic `sha2` path instantiated here is slow unoptimised).
fn sha256_32(input: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, input).as_ref());
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_one_block_sha256_is_sha256() {
        let input = [0x5au8; 32];
        let expected: [u8; 32] = Sha256::digest(input).into();
        assert_eq!(sha256_32(&input), expected);
    }

    use super::*;

    #[test]
    fn the_bmp_password_is_utf16be_with_a_terminator() {
        assert_eq!(*bmp_password("a张"), vec![0, 0x61, 0x5F, 0x20, 0, 0]);
        assert_eq!(bmp("😀"), vec![0xFF, 0xFD]);
    }

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(integer(3), vec![2, 1, 3]);
        assert_eq!(integer(0), vec![2, 1, 0]);
        assert_eq!(integer(128), vec![2, 2, 0, 128]);
        assert_eq!(integer(600_000), vec![2, 3, 0x09, 0x27, 0xC0]);
    }

    /// Vectors from OpenSSL 3's PKCS12KDF (`openssl kdf -keylen 32 -kdfopt digest:SHA256
    /// -kdfopt hexpass:.. -kdfopt hexsalt:.. -kdfopt iter:.. -kdfopt id:3 PKCS12KDF`).
    #[test]
    fn the_kdf_matches_openssl() {
        let key = pkcs12_kdf_sha256(&bmp_password("p."), b"salt", 3, 2);
        assert_eq!(
            hex::encode(*key),
            "382de908cfcd684c020d9a7f0b0e6e4f379d36b863ae57539100a1d6329ed798"
        );
        let salt: Vec<u8> = (0u8..16).collect();
        let key = pkcs12_kdf_sha256(&bmp_password("a张"), &salt, 3, 1000);
        assert_eq!(
            hex::encode(*key),
            "19b044f7bb64e20167de7e3d40ce559b696bbcd2bffe59d8529930bc0fd9ade7"
        );
    }

    #[test]
    fn the_kdf_depends_on_every_input() {
        let base = pkcs12_kdf_sha256(b"p\0", b"salt", 3, 2);
        assert_ne!(*base, *pkcs12_kdf_sha256(b"q\0", b"salt", 3, 2));
        assert_ne!(*base, *pkcs12_kdf_sha256(b"p\0", b"salz", 3, 2));
        assert_ne!(*base, *pkcs12_kdf_sha256(b"p\0", b"salt", 1, 2));
        assert_ne!(*base, *pkcs12_kdf_sha256(b"p\0", b"salt", 3, 3));
    }

    #[test]
    fn an_empty_passphrase_is_refused() {
        let salts = Salts {
            key_salt: [1; 16],
            key_iv: [2; 16],
            certs_salt: [3; 16],
            certs_iv: [4; 16],
            mac_salt: [5; 16],
        };
        let contents = Contents {
            pkcs8: &[],
            cert: &[],
            chain: &[],
            friendly_name: "x",
        };
        assert!(matches!(
            build(&contents, "", &salts, Iterations::default()),
            Err(Pkcs12Error::EmptyPassphrase)
        ));
    }
}
