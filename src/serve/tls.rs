//! The server's TLS identity, checked at start: a `server`-purpose certificate this home's CA
//! issued, valid now, and the private key that matches it; then the rustls configuration (TLS
//! 1.2 and 1.3, the ring provider, ALPN http/1.1, client certificates asked for but optional).
//!
//! Client certificates: rustls checks a presented chain against this CA's root (signature,
//! validity, clientAuth), then [`RevocationChecking`] refuses at the handshake one that this CA
//! did not issue itself or that is revoked or on hold in the store (as the OCSP answers the
//! publisher keeps current say: a revocation committed anywhere counts from the publisher's
//! next poll). Nothing here decides what an operator may do: the operator API authenticates
//! operators by their signature over each request (docs/api.md), and rustls cannot verify SM2
//! signatures, so an SM2 operator could not authenticate by TLS anyway.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use anyhow::{Context as _, bail};
use time::OffsetDateTime;
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::HandshakeSignatureValid;
use tokio_rustls::rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime,
};
use tokio_rustls::rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use tokio_rustls::rustls::{CertificateError, DigitallySignedStruct};

use crate::ca::input;
use crate::ca::keys::is_sm2_spki;
use crate::ca::serial::Serial;
use crate::ca::verify::{Purpose, VerifyInput, verify_chain};
use crate::ocsp::Status;
use crate::ops::secrets::{self, Passphrase, Prompt};

/// The `--tls-cert`, `--tls-key` and `--tls-key-passphrase-file` files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub key_passphrase: Passphrase,
}

/// Where the client-certificate check reads revocation: the OCSP answers the publisher keeps
/// current, set once they are first signed (before the first connection is accepted; until
/// then every client certificate is refused).
pub type ClientRevocation = Arc<OnceLock<Arc<super::ocsp::Served>>>;

/// Checks the TLS certificate and key against `ca_chain` (this CA first, up to the root) at
/// `now`, and builds the rustls server configuration; client certificates are checked for
/// revocation with `revocation`.
pub fn server_config(
    files: &TlsFiles,
    prompt: &dyn Prompt,
    ca_chain: &[Vec<u8>],
    now: OffsetDateTime,
    revocation: ClientRevocation,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let cert_arg = files.cert.display();
    let bytes = crate::ops::common::read_file(&files.cert, "TLS certificate")?;
    let certs = input::decode_all(&bytes, &["CERTIFICATE"])
        .with_context(|| format!("--tls-cert `{cert_arg}`"))?;
    let Some(leaf) = certs.first() else {
        bail!("--tls-cert `{cert_arg}` holds no certificate");
    };
    check_issued_here(leaf, ca_chain, now).with_context(|| format!("--tls-cert `{cert_arg}`"))?;
    let key = secrets::load_key(&files.key, &files.key_passphrase, prompt)
        .with_context(|| "--tls-key")?;
    let leaf_spki = input::parse_cert(leaf)
        .with_context(|| format!("--tls-cert `{cert_arg}`"))?
        .public_key()
        .raw
        .to_vec();
    if key.spki_der() != leaf_spki {
        bail!(
            "--tls-key `{}` does not match the certificate `{cert_arg}`",
            files.key.display()
        );
    }
    if is_sm2_spki(&leaf_spki) {
        bail!(
            "--tls-key `{}` is an SM2 key, which rustls cannot serve TLS with; issue the server certificate for an RSA or ECDSA key",
            files.key.display()
        );
    }
    // The server's chain: its certificate, then this CA's chain without the root.
    let mut chain: Vec<CertificateDer<'static>> = vec![CertificateDer::from(leaf.clone())];
    chain.extend(
        ca_chain
            .iter()
            .take(ca_chain.len().saturating_sub(1))
            .map(|c| CertificateDer::from(c.clone())),
    );
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.pkcs8_der().to_vec()));
    // ring, the crate's crypto already: rustls 0.23.48 deprecates its provider only for lacking
    // post-quantum key exchange; aws-lc-rs would add a C toolchain to the build.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("the TLS protocol versions")?;
    // Client certificates are asked for, never required (publication needs none), and checked
    // against this CA's root, then for revocation. A root webpki cannot take as an anchor (an
    // SM2 root) asks none: rustls could not verify an SM2 chain anyway.
    let mut config = match client_verifier(ca_chain, provider, revocation) {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    }
    .with_single_cert(chain, key_der)
    .with_context(|| format!("--tls-key `{}`", files.key.display()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn client_verifier(
    ca_chain: &[Vec<u8>],
    provider: Arc<rustls::crypto::CryptoProvider>,
    revocation: ClientRevocation,
) -> Option<Arc<dyn ClientCertVerifier>> {
    let root = ca_chain.last()?;
    let ca = ca_chain.first()?;
    if is_sm2_cert(root) {
        return None;
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(root.clone())).ok()?;
    let inner =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .allow_unauthenticated()
            .build()
            .ok()?;
    let ca_subject = input::parse_cert(ca).ok()?.subject().as_raw().to_vec();
    Some(Arc::new(RevocationChecking {
        inner,
        ca_subject,
        revocation,
    }))
}

/// webpki's client-certificate check (chain to the root, validity, clientAuth), then the
/// certificate's standing in this CA's store: issued by this CA itself (the only issuer whose
/// revocations the server knows) and neither revoked nor on hold.
struct RevocationChecking {
    inner: Arc<dyn ClientCertVerifier>,
    /// This CA's subject, DER: the issuer a client certificate must name.
    ca_subject: Vec<u8>,
    revocation: ClientRevocation,
}

impl std::fmt::Debug for RevocationChecking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationChecking")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl RevocationChecking {
    /// Whether the end entity is in good standing in this CA's store, as of the last refresh.
    fn standing(&self, end_entity: &[u8]) -> Result<(), rustls::Error> {
        let refuse = |e: CertificateError| Err(rustls::Error::InvalidCertificate(e));
        let Ok(cert) = input::parse_cert(end_entity) else {
            return refuse(CertificateError::BadEncoding);
        };
        if cert.issuer().as_raw() != self.ca_subject.as_slice() {
            return refuse(CertificateError::UnknownIssuer);
        }
        let Ok(serial) = Serial::from_be_bytes(cert.raw_serial()) else {
            return refuse(CertificateError::BadEncoding);
        };
        let Some(served) = self.revocation.get() else {
            return refuse(CertificateError::UnknownRevocationStatus);
        };
        match served.status(&serial) {
            Some(Status::Revoked { .. }) => refuse(CertificateError::Revoked),
            // Not in the answers: issued since their last refresh (they are re-signed at the
            // next poll), so not revoked either; its chain to this CA's key was checked above.
            Some(Status::Good) | None => Ok(()),
        }
    }
}

impl ClientCertVerifier for RevocationChecking {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        self.standing(end_entity)?;
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn is_sm2_cert(der: &[u8]) -> bool {
    input::parse_cert(der).is_ok_and(|c| is_sm2_spki(c.public_key().raw))
}

/// The certificate chains to this CA and is good for TLS servers at `now`.
fn check_issued_here(leaf: &[u8], ca_chain: &[Vec<u8>], now: OffsetDateTime) -> anyhow::Result<()> {
    let (Some(ca), Some(root)) = (ca_chain.first(), ca_chain.last()) else {
        bail!("the home has no CA certificate");
    };
    let cert = input::parse_cert(leaf)?;
    let ca_cert = input::parse_cert(ca)?;
    if cert.issuer().as_raw() != ca_cert.subject().as_raw() {
        bail!(
            "not issued by this home's CA `{}`",
            crate::ca::dn::display_name(ca_cert.subject())
        );
    }
    let intermediates: Vec<Vec<u8>> = ca_chain
        .iter()
        .take(ca_chain.len().saturating_sub(1))
        .cloned()
        .collect();
    let anchors = [root.clone()];
    let verdict = verify_chain(&VerifyInput {
        end_entity: leaf,
        intermediates: &intermediates,
        anchors: &anchors,
        crls: &[],
        at: now,
        purpose: Some(Purpose::ServerAuth),
        policy: None,
        allow_sha1: false,
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(why) = verdict.why_not_valid() {
        bail!("not a valid TLS server certificate of this CA now: {why}");
    }
    Ok(())
}
