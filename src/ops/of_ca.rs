//! Whether a certificate or a seal file was made by a CA the caller holds only the certificate
//! of: the client of `--ca` (docs/api.md), which revokes or renews by file through the service
//! and has no store to compare the file with. A certificate must name the CA as its issuer AND
//! carry a signature that verifies with the CA certificate's key; a seal must be signed by its
//! authority certificate, and that certificate be the CA's own or one the CA issued (same two
//! checks). Whether the CA still holds that very certificate or seal is the server's question:
//! it refuses a serial or esID it never issued.
//!
//! Pure: the CA certificate (as fetched over the authenticated connection) and the file's bytes
//! in, the serial or esID or a one-line error naming the file out. Reads no file and no clock.

use std::path::Path;

use super::{Result, hinted};
use crate::ca::dn::display_name;
use crate::ca::input;
use crate::ca::serial::Serial;
use crate::pkix::cert::Cert;
use crate::pkix::sig::{DefaultVerifier, SignatureVerifier};
use crate::seal::{Seal, SignatureCheck};

/// The serial of the certificate file `path` (PEM or DER, its bytes `bytes`), which must have
/// been issued by the CA whose certificate is `ca_der`.
pub fn certificate_serial(ca_der: &[u8], path: &Path, bytes: &[u8]) -> Result<Serial> {
    let shown = path.display();
    let read = |e: &dyn std::fmt::Display| anyhow::anyhow!("reading certificate `{shown}`: {e}");
    let der = input::decode_one(bytes, input::CERT_LABELS).map_err(|e| read(&e))?;
    issued_by(ca_der, &der, &format!("certificate `{shown}`"))?;
    let cert = input::parse_cert(&der).map_err(|e| read(&e))?;
    Ok(Serial::from_be_bytes(cert.raw_serial()).map_err(|e| read(&e))?)
}

/// The esID of the seal file `path` (`.esl`, DER), which must have been made by the CA whose
/// certificate is `ca_der`: signed by its authority certificate, which is the CA's or issued by
/// it.
pub fn seal_es_id(ca_der: &[u8], path: &Path, bytes: &[u8]) -> Result<String> {
    let shown = path.display();
    let seal = Seal::from_der(bytes).map_err(|e| anyhow::anyhow!("reading seal `{shown}`: {e}"))?;
    let authority = &seal.info().authority_cert;
    if authority.as_slice() != ca_der {
        issued_by(
            ca_der,
            authority,
            &format!("seal `{shown}`: its authority certificate"),
        )
        .map_err(|e| {
            hinted(
                format!(
                    "seal `{shown}` was not made by the service's CA (its authority is `{}`): {}",
                    seal.authority_subject(),
                    e.message()
                ),
                "revoke it where it was made",
            )
        })?;
    }
    match seal.verify_authority_signature() {
        SignatureCheck::Valid => Ok(seal.info().es_id.clone()),
        SignatureCheck::Invalid(why) | SignatureCheck::Unsupported(why) => Err(anyhow::anyhow!(
            "seal `{shown}`: its authority's signature does not verify ({why}), a forged or altered seal"
        )
        .into()),
    }
}

/// `der` (a certificate, named `what` in errors) names the CA `ca_der` as issuer and its
/// signature verifies with the CA's key (RFC 5280 §6.1.3 (a)(1), (a)(4)).
fn issued_by(ca_der: &[u8], der: &[u8], what: &str) -> Result<()> {
    let cert = input::parse_cert(der).map_err(|e| anyhow::anyhow!("reading {what}: {e}"))?;
    let ca = input::parse_cert(ca_der)
        .map_err(|e| anyhow::anyhow!("reading the service's CA certificate: {e}"))?;
    if cert.issuer().as_raw() != ca.subject().as_raw() {
        return Err(hinted(
            format!(
                "{what} was not issued by the service's CA (its issuer is `{}`, the service's CA is `{}`)",
                display_name(cert.issuer()),
                display_name(ca.subject()),
            ),
            "pass --ca for the CA that issued it",
        )
        .into());
    }
    let parsed = Cert::from_der(der).map_err(|e| anyhow::anyhow!("reading {what}: {e}"))?;
    let issuer = Cert::from_der(ca_der)
        .map_err(|e| anyhow::anyhow!("reading the service's CA certificate: {e}"))?;
    DefaultVerifier::default()
        .verify(
            &issuer.spki,
            &parsed.sig_alg,
            &parsed.tbs_der,
            &parsed.signature,
        )
        .map_err(|e| {
            anyhow::anyhow!(
                "{what} names the service's CA as issuer, but its signature does not verify with the CA's key ({e}): a forged or altered certificate"
            )
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::issue::tests::root_home;

    fn ca_of(home: &Path) -> Vec<u8> {
        crate::ops::common::OpenCa::open(home)
            .unwrap()
            .meta
            .cert_der
            .clone()
    }

    #[test]
    fn a_certificate_of_the_ca_gives_its_serial_and_others_are_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        root_home(&a);
        root_home(&b);
        let (ca_a, ca_b) = (ca_of(&a), ca_of(&b));
        // A CA certificate is issued by itself: its own serial comes back.
        let own = certificate_serial(&ca_a, Path::new("a.pem"), &ca_a).unwrap();
        let parsed = input::parse_cert(&ca_a).unwrap();
        assert_eq!(own, Serial::from_be_bytes(parsed.raw_serial()).unwrap());
        // Same subject name (root_home makes both with one), another key: a forgery.
        let err = certificate_serial(&ca_a, Path::new("b.pem"), &ca_b)
            .err()
            .unwrap();
        assert!(err.message().contains("`b.pem`"), "{err}");
        assert!(err.message().contains("does not verify"), "{err}");
        // Not a certificate at all.
        let err = certificate_serial(&ca_a, Path::new("x.pem"), b"junk")
            .err()
            .unwrap();
        assert!(err.message().contains("`x.pem`"), "{err}");
    }
}
