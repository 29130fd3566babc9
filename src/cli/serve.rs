//! `govpki serve`: the arguments, the listening lines, the CRL notices; the server is
//! `crate::serve`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;

use super::{Context, Outcome};
use crate::ca::when::{self, rfc3339};
use crate::ops::Passphrase;
use crate::ops::clock::Clock;
use crate::serve::publisher::Notice;
use crate::serve::{self, Bound, Kind, Limits, ListenerSpec};

pub const SERVE_LONG: &str = "\
Run this home's CA as a network service. The CA key is unlocked once at start (--passphrase-file,
else a prompt) and held in memory only. One server per home: a second `serve` on the same home
exits 2 naming the first one's pid.

Every listener publishes, without authentication:
    GET /ca.pem, /ca.der      the CA certificate (application/pkix-cert for DER)
    GET /chain.pem            the CA's chain up to the root
    GET /crl                  the current CRL (DER, application/pkix-crl) with ETag,
                              Last-Modified and Cache-Control up to its nextUpdate; 304 on
                              If-None-Match / If-Modified-Since
    GET /seal-status          the seal status list `seal status-list` last published (DER)
    GET /health               JSON: status, CA subject, CRL number and nextUpdate, the OCSP
                              answers' nextUpdate
    POST /ocsp, GET /ocsp/B64 OCSP (RFC 6960, RFC 5019 profile): good, revoked (time and
                              reason) or unknown per certificate, unauthorized for another
                              issuer's, malformedRequest for what does not parse; GET answers
                              carry Cache-Control, Last-Modified, Expires and ETag
The OCSP answers are pre-signed at start (by the CA key, or by the delegated responder of
--ocsp-cert/--ocsp-key: an `ocsp`-profile certificate this CA issued, checked at start), again
within a second or so of a revocation, release or issuance committed to the home, and at half
of --ocsp-next-update.
The server signs a CRL at start, again within a second or so of a revocation, release or CRL
that another process commits to the home (`cert revoke` on the same home), and before its
nextUpdate; each is published, committed and audited as `crl generate` does.

--listen ADDR=DOMAIN opens an HTTPS listener (TLS 1.2 and 1.3) whose requests are judged in the
security domain DOMAIN; it needs --tls-cert and --tls-key: a certificate for TLS servers that this
home's CA issued, valid now, and its key (RSA or ECDSA). --publish ADDR opens a plain HTTP
listener for publication. Port 0 picks a free port. Once every listener is bound, one line per
listener is printed on stdout:
    listening https://127.0.0.1:8443 (intranet)
    listening http://127.0.0.1:8080 (publication)

Bounds: request bodies (413 past --max-body), header size (431), open connections (beyond
--max-connections a new connection is closed), the TLS handshake and the header section
(--header-timeout), and idle connections (--idle-timeout). SIGTERM or SIGINT stops accepting,
lets requests in flight finish (up to --grace) and exits 0.

EXAMPLES:
    govpki serve --listen 10.1.2.3:8443=intranet --publish 0.0.0.0:8080 \\
        --tls-cert server.pem --tls-key server.key \\
        --passphrase-file /run/credentials/ca.pass
    govpki serve --publish 127.0.0.1:0 --passphrase-file ca.pass
    govpki serve --publish 127.0.0.1:8080 --passphrase-file ca.pass \\
        --ocsp-cert ocsp.pem --ocsp-key ocsp.key
    openssl ocsp -issuer ca.pem -cert leaf.pem -CAfile ca.pem \\
        -url http://127.0.0.1:8080/ocsp

EXIT CODES:
    0  stopped by SIGTERM or SIGINT
    2  an error (no CA, wrong passphrase, a bad TLS certificate or key, an OCSP responder
       certificate or key that does not fit, a port in use, another server on this home)";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// An HTTPS listener and the security domain its requests are judged in (repeatable)
    #[arg(long, value_name = "ADDR=DOMAIN", value_parser = parse_listen)]
    pub listen: Vec<(SocketAddr, String)>,
    /// A plain HTTP listener for publication only (repeatable)
    #[arg(long, value_name = "ADDR")]
    pub publish: Vec<SocketAddr>,
    /// The server's TLS certificate (PEM, issued by this home's CA for TLS servers)
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The TLS certificate's private key
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// File holding the TLS key's passphrase, if it is encrypted
    #[arg(long, value_name = "FILE")]
    pub tls_key_passphrase_file: Option<PathBuf>,
    #[command(flatten)]
    pub ca_key: crate::cli::common::CaKeyArgs,
    /// Time from each CRL's thisUpdate to its nextUpdate
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    pub crl_next_update: String,
    /// The largest request body, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024)]
    pub max_body: usize,
    /// The largest request header section, in bytes (8192 at least)
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024)]
    pub max_header: usize,
    /// The most connections open at once
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub max_connections: u32,
    /// Time allowed for the TLS handshake and for the request's header section
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub header_timeout: String,
    /// Time a connection may stay without moving a byte
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub idle_timeout: String,
    /// Time SIGTERM waits for requests in flight
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub grace: String,
    /// A delegated OCSP responder's certificate (PEM, `ocsp` profile, issued by this CA);
    /// without it the CA key signs the OCSP answers
    #[arg(long, value_name = "FILE", requires = "ocsp_key")]
    pub ocsp_cert: Option<PathBuf>,
    /// The delegated OCSP responder's private key
    #[arg(long, value_name = "FILE", requires = "ocsp_cert")]
    pub ocsp_key: Option<PathBuf>,
    /// File holding the OCSP responder key's passphrase, if it is encrypted
    #[arg(long, value_name = "FILE", requires = "ocsp_key")]
    pub ocsp_key_passphrase_file: Option<PathBuf>,
    /// Time from the OCSP answers' thisUpdate to their nextUpdate (re-signed at half of it)
    #[arg(long, value_name = "DURATION", default_value = "1d")]
    pub ocsp_next_update: String,
}

fn parse_listen(text: &str) -> Result<(SocketAddr, String), String> {
    let (addr, domain) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("`{text}`: expected ADDR=DOMAIN, e.g. 127.0.0.1:8443=intranet"))?;
    let addr: SocketAddr = addr
        .parse()
        .map_err(|_| format!("`{addr}` is not an address like 127.0.0.1:8443"))?;
    match domain {
        "intranet" | "extranet" => Ok((addr, domain.to_string())),
        other => Err(format!(
            "`{other}` is not a security domain: intranet or extranet"
        )),
    }
}

fn seconds(text: &str, flag: &str) -> anyhow::Result<std::time::Duration> {
    let d = when::parse_duration(text).with_context(|| flag.to_string())?;
    let secs = u64::try_from(d.whole_seconds()).unwrap_or(0);
    Ok(std::time::Duration::from_secs(secs))
}

pub fn run(args: ServeArgs, ctx: &Context, clock: Clock) -> anyhow::Result<Outcome> {
    let ServeArgs {
        listen,
        publish,
        tls_cert,
        tls_key,
        tls_key_passphrase_file,
        ca_key,
        crl_next_update,
        max_body,
        max_header,
        max_connections,
        header_timeout,
        idle_timeout,
        grace,
        ocsp_cert,
        ocsp_key,
        ocsp_key_passphrase_file,
        ocsp_next_update,
    } = args;
    let ocsp = serve::ocsp::OcspConfig {
        delegate: match (ocsp_cert, ocsp_key) {
            (Some(cert), Some(key)) => Some(serve::ocsp::Delegate {
                cert,
                key,
                passphrase: Passphrase::file_or_ask(
                    ocsp_key_passphrase_file.as_deref(),
                    "--ocsp-key-passphrase-file",
                ),
            }),
            (None, None) => None,
            _ => anyhow::bail!("--ocsp-cert and --ocsp-key go together"),
        },
        validity: when::parse_duration(&ocsp_next_update).context("--ocsp-next-update")?,
    };
    let crl_period = when::parse_duration(&crl_next_update).context("--crl-next-update")?;
    let limits = Limits {
        max_body_bytes: max_body,
        max_header_bytes: max_header,
        max_headers: 100,
        max_connections: max_connections.max(1),
        header_timeout: seconds(&header_timeout, "--header-timeout")?,
        idle_timeout: seconds(&idle_timeout, "--idle-timeout")?,
        grace: seconds(&grace, "--grace")?,
    };
    let tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => Some(serve::tls::TlsFiles {
            cert,
            key,
            key_passphrase: Passphrase::file_or_ask(
                tls_key_passphrase_file.as_deref(),
                "--tls-key-passphrase-file",
            ),
        }),
        (None, None) => None,
        _ => anyhow::bail!("--tls-cert and --tls-key go together"),
    };
    let mut listeners: Vec<ListenerSpec> = listen
        .into_iter()
        .map(|(addr, domain)| ListenerSpec {
            addr,
            kind: Kind::Https { domain },
        })
        .collect();
    listeners.extend(publish.into_iter().map(|addr| ListenerSpec {
        addr,
        kind: Kind::Publication,
    }));
    let config = serve::Config {
        home: ctx.home.clone(),
        listeners,
        tls,
        ca_passphrase: ca_key.passphrase(),
        limits,
        crl_period,
        poll: std::time::Duration::from_secs(1),
        actor: crate::cli::common::local_actor(),
        operator: operator(ctx)?,
        ocsp,
    };
    let out = ctx.out.clone();
    let notices = ctx.out.clone();
    let hooks = serve::Hooks {
        prompt: &crate::cli::common::TERMINAL,
        ready: Box::new(move |bound: &[Bound]| {
            let lines: String = bound.iter().map(listening_line).collect();
            out.data(&lines)
        }),
        notice: Arc::new(move |notice| match notice {
            Notice::CrlPublished {
                number,
                entries,
                next_update,
            } => notices.info(&format!(
                "published CRL #{number} with {entries} entries, next update {}",
                rfc3339(next_update)
            )),
            Notice::CrlFailed(why) => notices.warn(&format!("publishing the CRL failed: {why}")),
            Notice::OcspRefreshed {
                serials,
                next_update,
            } => notices.info(&format!(
                "signed OCSP answers for {serials} certificates, next update {}",
                next_update.map_or_else(|| "unknown".to_string(), rfc3339)
            )),
            Notice::OcspFailed(why) => {
                notices.warn(&format!("refreshing the OCSP answers failed: {why}"))
            }
        }),
    };
    serve::run(config, clock, hooks)?;
    Ok(Outcome::Success)
}

/// The global `--as`/`--as-key` operator, who answers for the server's CRLs in a governed home.
fn operator(ctx: &Context) -> anyhow::Result<Option<serve::OperatorSpec>> {
    Ok(match (&ctx.operator, &ctx.operator_key) {
        (Some(cert), Some(key)) => Some(serve::OperatorSpec {
            cert: cert.clone(),
            key: key.clone(),
            passphrase: Passphrase::file_or_ask(
                ctx.operator_passphrase_file.as_deref(),
                "--as-passphrase-file",
            ),
            domain: ctx.domain.clone(),
        }),
        (None, None) => None,
        _ => anyhow::bail!(
            "--as and --as-key go together for `serve` (the operator's key signs each CRL's audit record)"
        ),
    })
}

fn listening_line(b: &Bound) -> String {
    match &b.kind {
        Kind::Https { domain } => format!("listening https://{} ({domain})\n", b.addr),
        Kind::Publication => format!("listening http://{} (publication)\n", b.addr),
    }
}
