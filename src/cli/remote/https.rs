//! The CLI's HTTPS client for `--ca`: one blocking HTTP/1.1 request per connection over
//! `rustls::StreamOwned`, with connect and I/O timeouts and a bounded answer. Only `https://`
//! URLs; the server's certificate must chain to the anchor (`--ca-trust`) and name the URL's
//! host (rustls' webpki verifier). Not a general client: no redirects, no chunked answers (the
//! server sends Content-Length), no keep-alive.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use time::OffsetDateTime;

use crate::cli::common;
use crate::ops::hinted;

/// The largest answer read from the server (a CRL of many entries fits).
const MAX_ANSWER: usize = 16 * 1024 * 1024;
/// The largest header section of an answer.
const MAX_HEAD: usize = 16 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Reading and writing: the server may wait for SQLite's writer lock (up to 30 s) first.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// A server reached over HTTPS, authenticated by an anchor.
pub struct Https {
    host: String,
    port: u16,
    tls: Arc<rustls::ClientConfig>,
}

impl Https {
    /// `url` (`https://HOST[:PORT]`), trusting only the certificates of `trust`, judged at
    /// `now` (the command's clock, read once, as every other check of the CLI).
    pub fn new(url: &str, trust: &Path, now: OffsetDateTime) -> Result<Https> {
        let (host, port) = parse_url(url)?;
        let tls = tls_config(trust, now)?;
        Ok(Https { host, port, tls })
    }

    /// One request on a fresh TLS connection: the status and the body.
    pub fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<(u16, Vec<u8>)> {
        let server = format!("{}:{}", self.host, self.port);
        let addrs: Vec<_> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .with_context(|| format!("resolving `{server}`"))?
            .collect();
        let mut last = None;
        let mut tcp = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let Some(tcp) = tcp else {
            return Err(match last {
                Some(e) => anyhow!("connecting to `{server}`: {e}"),
                None => anyhow!("`{server}` resolves to no address"),
            });
        };
        tcp.set_read_timeout(Some(IO_TIMEOUT))?;
        tcp.set_write_timeout(Some(IO_TIMEOUT))?;
        let _ = tcp.set_nodelay(true);
        let name = rustls::pki_types::ServerName::try_from(self.host.clone())
            .map_err(|e| anyhow!("`{}` is not a server name: {e}", self.host))?;
        let conn = rustls::ClientConnection::new(self.tls.clone(), name)
            .map_err(|e| anyhow!("starting TLS to `{server}`: {e}"))?;
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let payload = body.unwrap_or_default();
        let host = if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            server.clone()
        };
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            payload.len()
        );
        let sent = tls
            .write_all(head.as_bytes())
            .and_then(|()| tls.write_all(payload))
            .and_then(|()| tls.flush());
        if let Err(e) = sent {
            // A server may answer before it has read the whole body (a 413 for a body over its
            // limit) and close: the answer, when it arrived, says more than the broken pipe.
            let gone = matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
            );
            return match gone.then(|| read_response(&mut tls).ok()).flatten() {
                Some(answer) => Ok(answer),
                None => Err(tls_error(e, &server)),
            };
        }
        read_response(&mut tls).map_err(|e| tls_error(e, &server))
    }
}

/// A TLS failure named for what the operator can fix (the anchor, the host name).
fn tls_error(e: std::io::Error, server: &str) -> anyhow::Error {
    let invalid = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|r| matches!(r, rustls::Error::InvalidCertificate(_)));
    if invalid {
        return hinted(
            format!("the server `{server}` is not authenticated: {e}"),
            "its certificate must chain to --ca-trust and name the host of --ca",
        );
    }
    // Text, not the io::Error itself: a server that went away mid-request (EPIPE) must not read
    // as stdout's broken pipe, which the CLI's exit point turns into a quiet exit 0.
    anyhow!("talking to `{server}`: {e}")
}

/// Reads one HTTP/1.1 answer: the status line, the headers (bounded), then exactly
/// Content-Length bytes (bounded).
fn read_response(r: &mut dyn Read) -> std::io::Result<(u16, Vec<u8>)> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > MAX_HEAD {
            return Err(bad("the answer's header section is too large"));
        }
        if r.read(&mut byte)? == 0 {
            return Err(bad("the server closed the connection before answering"));
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad("the answer has no status line"))?;
    let length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .ok_or_else(|| bad("the answer has no Content-Length"))?;
    if length > MAX_ANSWER {
        return Err(bad("the answer is too large"));
    }
    let mut body = vec![0u8; length];
    r.read_exact(&mut body)?;
    Ok((status, body))
}

/// `https://host[:port][/]`: the host and port.
fn parse_url(url: &str) -> Result<(String, u16)> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Err(hinted(
            format!("--ca `{url}` is not an https:// URL"),
            "the CA service is reached over HTTPS only: --ca https://HOST:PORT",
        ));
    };
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains('/') || authority.contains('@') {
        bail!("--ca `{url}` must be https://HOST[:PORT] (no path)");
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| anyhow!("--ca `{url}`: unclosed `[`"))?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| anyhow!("--ca `{url}`: port `{p}` is not a number"))?,
        None => 443,
    };
    if host.is_empty() {
        bail!("--ca `{url}` names no host");
    }
    Ok((host.to_string(), port))
}

/// TLS 1.2/1.3 on the ring provider, trusting only the certificates of `trust`.
fn tls_config(trust: &Path, now: OffsetDateTime) -> Result<Arc<rustls::ClientConfig>> {
    let bytes = common::read_file(trust, "--ca-trust")?;
    let mut roots = rustls::RootCertStore::empty();
    let certs: Vec<Vec<u8>> = match pem::parse_many(&bytes) {
        Ok(blocks) if !blocks.is_empty() => blocks
            .into_iter()
            .filter(|b| b.tag() == "CERTIFICATE")
            .map(pem::Pem::into_contents)
            .collect(),
        _ => vec![bytes],
    };
    for der in certs {
        roots
            .add(rustls::pki_types::CertificateDer::from(der))
            .map_err(|e| anyhow!("--ca-trust `{}`: {e}", trust.display()))?;
    }
    if roots.is_empty() {
        bail!("--ca-trust `{}` holds no certificate", trust.display());
    }
    // ring, as the server (serve::tls) uses: deprecated only for lacking post-quantum key
    // exchange; aws-lc-rs would add a C toolchain to the build.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| anyhow!("setting up TLS: {e}"))?;
    let seconds = u64::try_from(now.unix_timestamp()).unwrap_or_default();
    let verifier = AtTime {
        inner,
        now: UnixTime::since_unix_epoch(Duration::from_secs(seconds)),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("setting up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// rustls' webpki verifier (chain to the anchors, the host named, signatures), judging
/// validity at the command's `now` instead of reading the system clock itself.
#[derive(Debug)]
struct AtTime {
    inner: Arc<WebPkiServerVerifier>,
    now: UnixTime,
}

impl ServerCertVerifier for AtTime {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            self.now,
        )
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

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_gone_mid_request_is_an_error_not_a_quiet_broken_pipe() {
        let e = tls_error(
            std::io::Error::from(std::io::ErrorKind::BrokenPipe),
            "127.0.0.1:1",
        );
        assert!(
            !e.chain()
                .any(|c| c.downcast_ref::<std::io::Error>().is_some()),
            "{e:#}"
        );
        assert!(e.to_string().contains("talking to `127.0.0.1:1`"), "{e}");
    }

    #[test]
    fn only_https_urls_name_a_server() {
        assert_eq!(
            parse_url("https://127.0.0.1:8443").unwrap(),
            ("127.0.0.1".into(), 8443)
        );
        assert_eq!(
            parse_url("https://ca.lyg.gov.cn/").unwrap(),
            ("ca.lyg.gov.cn".into(), 443)
        );
        assert_eq!(parse_url("https://[::1]:9").unwrap(), ("::1".into(), 9));
        assert!(parse_url("http://127.0.0.1:8443").is_err());
        assert!(parse_url("https://h:8443/api").is_err());
        assert!(parse_url("https://h:x").is_err());
    }

    #[test]
    fn an_answer_is_read_to_its_length_and_no_further() {
        let raw = b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 2\r\n\r\n{}trailing";
        let (status, body) = read_response(&mut &raw[..]).unwrap();
        assert_eq!((status, body.as_slice()), (401, &b"{}"[..]));
        let huge = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
            MAX_ANSWER + 1
        );
        assert!(read_response(&mut huge.as_bytes()).is_err());
        assert!(read_response(&mut &b"HTTP/1.1 200 OK\r\n\r\n"[..]).is_err());
    }
}
