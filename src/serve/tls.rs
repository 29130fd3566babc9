//! The server's TLS identity, checked at start: a `server`-purpose certificate this home's CA
//! issued, valid now, and the private key that matches it; then the rustls configuration (TLS
//! 1.2 and 1.3, the ring provider, ALPN http/1.1, client certificates asked for but optional).
//!
//! Client certificates: rustls checks a presented chain against this CA (signature, validity,
//! clientAuth) and the chain is kept for the handlers; nothing here decides what an operator
//! may do. rustls cannot verify SM2 signatures, so an SM2 operator cannot authenticate by TLS:
//! the coming API authenticates operators by their signature over the request instead.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use time::OffsetDateTime;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::ca::input;
use crate::ca::keys::is_sm2_spki;
use crate::ca::verify::{Purpose, VerifyInput, verify_chain};
use crate::ops::secrets::{self, Passphrase, Prompt};

/// The `--tls-cert`, `--tls-key` and `--tls-key-passphrase-file` files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub key_passphrase: Passphrase,
}

/// Checks the TLS certificate and key against `ca_chain` (this CA first, up to the root) at
/// `now`, and builds the rustls server configuration.
pub fn server_config(
    files: &TlsFiles,
    prompt: &dyn Prompt,
    ca_chain: &[Vec<u8>],
    now: OffsetDateTime,
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
    // against this CA's root. A root webpki cannot take as an anchor (an SM2 root) asks none:
    // rustls could not verify an SM2 chain anyway.
    let mut config = match client_verifier(ca_chain, provider) {
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
) -> Option<Arc<dyn rustls::server::danger::ClientCertVerifier>> {
    let root = ca_chain.last()?;
    if is_sm2_cert(root) {
        return None;
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(root.clone())).ok()?;
    rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .allow_unauthenticated()
        .build()
        .ok()
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
