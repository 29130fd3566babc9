//! `govpki serve`: this home's CA as a network service (issue #11). This round: publication
//! (CA certificate, chain, CRL, seal status list, health) on HTTPS listeners that each declare
//! their security domain and on plain-HTTP publication listeners; one server per home; the CA
//! key unlocked once and held in memory; bounded in body, headers, connections and time; a
//! graceful stop on SIGTERM/SIGINT.
//!
//! A front end beside `cli`: it calls the operations (`ops`) as the CLI does, prints nothing
//! (what it has to say goes back through [`Hooks`]), and reads the clock only through the
//! [`Clock`] the binary handed it, once per request or poll. The pure part, request to response,
//! is [`routes`]; [`conn`] is the HTTP/1.1 connection with its bounds, [`tls`] the server's TLS
//! identity, [`publisher`] the CRL (and the OCSP answers) kept current, [`ocsp`] the OCSP
//! responder every listener answers `/ocsp` with, [`api`] the operator API on the HTTPS
//! listeners.

pub mod api;
pub mod conn;
pub mod ocsp;
pub mod publisher;
pub mod routes;
pub mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

use crate::ops::clock::Clock;
use crate::ops::common::OpenCa;
use crate::ops::secrets::{Passphrase, Prompt};
use crate::store::{self, files};
use conn::Shared;
use publisher::{Notice, Publisher};
use routes::{OcspHandler, Peer};

/// What a listener serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// HTTPS, judged in this security domain (`intranet`, `extranet`).
    Https { domain: String },
    /// Plain HTTP: publication (and, later, OCSP) only.
    Publication,
}

/// One listener to open.
#[derive(Debug, Clone)]
pub struct ListenerSpec {
    pub addr: SocketAddr,
    pub kind: Kind,
}

/// A listener bound, with the address the system gave it (port 0 becomes a real port).
#[derive(Debug, Clone)]
pub struct Bound {
    pub addr: SocketAddr,
    pub kind: Kind,
}

/// The bounds every connection lives within.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    /// The header section's size (hyper's read buffer; 8 KiB at least).
    pub max_header_bytes: usize,
    pub max_headers: usize,
    /// Connections open at once; beyond it a new connection is closed at once.
    pub max_connections: u32,
    /// The TLS handshake and the request's header section must each arrive within this.
    pub header_timeout: Duration,
    /// A connection with no byte moved for this long is closed.
    pub idle_timeout: Duration,
    /// How long SIGTERM waits for requests in flight.
    pub grace: Duration,
}

/// Everything `serve` needs, resolved by the front end.
pub struct Config {
    pub home: PathBuf,
    pub listeners: Vec<ListenerSpec>,
    /// Required when a listener is HTTPS.
    pub tls: Option<tls::TlsFiles>,
    pub ca_passphrase: Passphrase,
    pub limits: Limits,
    /// The CRLs' validity (thisUpdate to nextUpdate).
    pub crl_period: time::Duration,
    /// How often the store is polled for changes.
    pub poll: Duration,
    /// Who the CRLs' audit records name in a home no policy governs.
    pub actor: String,
    /// In a governed home, the operator who answers for the server's own acts (required there).
    pub operator: Option<OperatorSpec>,
    /// The OCSP responder every listener answers `/ocsp` with (the CA or a delegate signs).
    pub ocsp: ocsp::OcspConfig,
}

/// The operator who answers for what the server does on its own (re-signing CRLs) in a home a
/// policy governs: each CRL is `crl.publish`, asked of the policy at its time and signed by his
/// key as a local operator's act is, so `audit verify` holds the server to the same rules. His
/// key is unlocked once at start, as the CA key is.
pub struct OperatorSpec {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub passphrase: Passphrase,
    /// The security domain he works from (`--domain`).
    pub domain: Option<String>,
}

/// Told the bound listeners once, before the first connection is accepted.
pub type Ready<'a> = Box<dyn FnOnce(&[Bound]) -> std::io::Result<()> + 'a>;

/// How the server talks back to its front end.
pub struct Hooks<'a> {
    /// Asked for passphrases not given in files (the CA key, the TLS key).
    pub prompt: &'a dyn Prompt,
    /// Called once every listener is bound, before the first connection is accepted.
    pub ready: Ready<'a>,
    /// CRLs published or failed after the first.
    pub notice: Arc<dyn Fn(Notice) + Send + Sync>,
}

/// Runs the server until SIGTERM or SIGINT, then drains and returns.
pub fn run(config: Config, clock: Clock, hooks: Hooks<'_>) -> crate::ops::Result<()> {
    Ok(run_server(config, clock, hooks)?)
}

fn run_server(config: Config, clock: Clock, hooks: Hooks<'_>) -> anyhow::Result<()> {
    let Config {
        home,
        listeners,
        tls,
        ca_passphrase,
        limits,
        crl_period,
        poll,
        actor,
        operator,
        ocsp,
    } = config;
    if listeners.is_empty() {
        bail!("nothing to listen on; pass --listen ADDR=DOMAIN or --publish ADDR");
    }
    let open = OpenCa::open(&home)?;
    let lock_path = home.join(store::SERVE_LOCK_FILE);
    let _lock = match files::try_lock_owned(&lock_path, std::process::id())
        .with_context(|| format!("taking the server lock `{}`", lock_path.display()))?
    {
        Ok(lock) => lock,
        Err(files::Holder(pid)) => {
            let who = pid.map_or_else(|| "another process".to_string(), |p| format!("pid {p}"));
            bail!(
                "another `govpki serve` ({who}) already serves the home `{}`",
                home.display()
            );
        }
    };
    let now = clock.now();
    let https = listeners
        .iter()
        .any(|l| matches!(l.kind, Kind::Https { .. }));
    let client_revocation = tls::ClientRevocation::default();
    let acceptor = match (&tls, https) {
        (Some(files), true) => Some(TlsAcceptor::from(tls::server_config(
            files,
            hooks.prompt,
            &open.chain(),
            now,
            client_revocation.clone(),
        )?)),
        (None, true) => bail!("an HTTPS listener (--listen) needs --tls-cert and --tls-key"),
        (_, false) => None,
    };
    // The CA key: unlocked once, held by the publisher, zeroized when it is dropped.
    let key = open.unlock(&ca_passphrase, hooks.prompt)?;
    drop(ca_passphrase);
    let operator = publisher::HeldOperator::for_home(&open, operator, hooks.prompt)?;
    // The OCSP answers: signed now, before any listener is bound, so a delegate that does not
    // fit stops the start.
    let (served_ocsp, ocsp_keeper) = ocsp::start(&open, &key, ocsp, hooks.prompt, now)?;
    // Client certificates are judged by the same statuses (set before any listener is bound).
    let _ = client_revocation.set(served_ocsp.clone());
    let ocsp: Option<OcspHandler> = Some(served_ocsp as OcspHandler);
    // The operator API gets a copy of the key unlocked above (its workers open their stores).
    let api = if https {
        let key = key
            .try_clone()
            .context("holding the CA key for the operator API")?;
        Some(Arc::new(api::Api::new(
            &home,
            open.meta.cert_der.clone(),
            key,
        )))
    } else {
        None
    };
    drop(open);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let stop = Arc::new(AtomicBool::new(false));
    let result = runtime.block_on(async {
        let mut bound = Vec::with_capacity(listeners.len());
        let mut sockets = Vec::with_capacity(listeners.len());
        for spec in &listeners {
            let listener = TcpListener::bind(spec.addr)
                .await
                .with_context(|| format!("listening on `{}`", spec.addr))?;
            let addr = listener.local_addr().context("the bound address")?;
            bound.push(Bound {
                addr,
                kind: spec.kind.clone(),
            });
            sockets.push((listener, spec.kind.clone()));
        }
        // The publisher owns its store connection on its own thread (a store is not `Send`): it
        // opens the home, signs the first CRL and hands back the first publication, then polls.
        let (first_tx, first_rx) = tokio::sync::oneshot::channel::<anyhow::Result<Arc<Shared>>>();
        let publishing = {
            let stop = stop.clone();
            let notice = hooks.notice.clone();
            let limits = limits.clone();
            tokio::task::spawn_blocking(move || {
                let started = (|| -> anyhow::Result<(Publisher, Arc<Shared>)> {
                    let mut publisher =
                        Publisher::new(OpenCa::open(&home)?, key, actor, crl_period)
                            .with_operator(operator)
                            .with_ocsp(ocsp_keeper);
                    publisher.prime()?;
                    publisher.publish_crl(clock.now())?;
                    let snapshot = publisher
                        .snapshot()
                        .ok_or_else(|| anyhow!("no CRL after publishing one"))?;
                    let shared = Arc::new(Shared {
                        snapshot: RwLock::new(Arc::new(snapshot)),
                        ocsp,
                        api,
                        clock,
                        limits,
                    });
                    Ok((publisher, shared))
                })();
                match started {
                    Ok((publisher, shared)) => {
                        let _ = first_tx.send(Ok(shared.clone()));
                        publisher::run(publisher, &shared, poll, stop, notice);
                    }
                    Err(e) => {
                        let _ = first_tx.send(Err(e));
                    }
                }
            })
        };
        let shared = first_rx
            .await
            .map_err(|_| anyhow!("the CRL publisher stopped before its first CRL"))??;
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("installing the SIGTERM handler")?;
        let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            .context("installing the SIGINT handler")?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let slots = Arc::new(Semaphore::new(limits.max_connections as usize));
        for (listener, kind) in sockets {
            let acceptor = match kind {
                Kind::Https { .. } => acceptor.clone(),
                Kind::Publication => None,
            };
            tokio::spawn(accept_loop(
                listener,
                kind,
                acceptor,
                shared.clone(),
                slots.clone(),
                shutdown_rx.clone(),
            ));
        }
        (hooks.ready)(&bound).context("printing the listening addresses")?;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        // Stop accepting, ask every connection to finish its request and close, and wait for
        // them (each holds a slot) up to the grace period.
        let _ = shutdown_tx.send(true);
        let _ =
            tokio::time::timeout(limits.grace, slots.acquire_many(limits.max_connections)).await;
        // The publisher stops within its poll slice, or once the CRL it is signing is committed
        // (bounded too: it may be waiting for another publisher's lock).
        stop.store(true, Ordering::Relaxed);
        let _ = tokio::time::timeout(limits.grace, publishing).await;
        anyhow::Ok(())
    });
    stop.store(true, Ordering::Relaxed);
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

async fn accept_loop(
    listener: TcpListener,
    kind: Kind,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    slots: Arc<Semaphore>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of descriptors and the like: back off instead of spinning.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Beyond the connection limit a new connection is closed at once.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let domain = match &kind {
            Kind::Https { domain } => Some(domain.clone()),
            Kind::Publication => None,
        };
        let shared = shared.clone();
        let shutdown = shutdown.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _slot = slot;
            connection(stream, domain, acceptor, shared, shutdown).await;
        });
    }
}

async fn connection(
    stream: TcpStream,
    domain: Option<String>,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let Some(acceptor) = acceptor else {
        let peer = Peer {
            domain,
            client_chain: Vec::new(),
        };
        return conn::serve(stream, peer, shared, shutdown).await;
    };
    let handshake = tokio::time::timeout(shared.limits.header_timeout, acceptor.accept(stream));
    let Ok(Ok(tls)) = handshake.await else {
        return;
    };
    let client_chain = tls
        .get_ref()
        .1
        .peer_certificates()
        .map(|certs| certs.iter().map(|c| c.to_vec()).collect())
        .unwrap_or_default();
    let peer = Peer {
        domain,
        client_chain,
    };
    conn::serve(tls, peer, shared, shutdown).await;
}
