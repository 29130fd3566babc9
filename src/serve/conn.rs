//! One accepted connection, after TLS if any: HTTP/1.1 through hyper with the limits of
//! [`Limits`], the body read up to its bound, then the pure route table.
//!
//! Bounds: the header section must arrive within the header timeout and fit the header limit
//! (hyper answers 431 past it); a connection with no byte read or written for the idle timeout
//! is closed (a client that stalls mid-body or stops reading the response holds no slot);
//! a body over the limit is 413 without being read. It does not count connections (the accept
//! loop's semaphore does).

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Response, StatusCode, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;

use super::Limits;
use super::routes::{self, OcspHandler, Peer, Snapshot};
use crate::ops::clock::Clock;

/// hyper's smallest read buffer (`max_buf_size` panics below it).
const MIN_HEADER_BUFFER: usize = 8192;

/// What every connection shares: the current publication, the OCSP seam, the clock, the limits.
pub struct Shared {
    pub snapshot: RwLock<Arc<Snapshot>>,
    pub ocsp: Option<OcspHandler>,
    /// The operator API, answered on HTTPS listeners (`None` without one).
    pub api: Option<Arc<super::api::Api>>,
    pub clock: Clock,
    pub limits: Limits,
}

impl Shared {
    /// The publication as it is now (a poisoned lock still holds a whole snapshot: it is only
    /// ever replaced, never edited in place).
    pub fn current(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the publication.
    pub fn publish(&self, snapshot: Snapshot) {
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
    }
}

/// Serves one connection until the client closes it, a bound closes it, or the server shuts
/// down (`shutdown` turns true: the request in flight is answered, then the connection closes).
pub async fn serve<IO>(io: IO, peer: Peer, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = shared.limits.clone();
    let activity = Arc::new(Activity::new());
    let io = Watched {
        inner: io,
        activity: activity.clone(),
    };
    let service = service_fn(move |req| handle(req, shared.clone(), peer.clone()));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes.max(MIN_HEADER_BUFFER))
        .max_headers(limits.max_headers);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = shutdown.changed(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            _ = activity.idle(limits.idle_timeout), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            // A connection asked to close that still does not, within the idle timeout of no
            // progress, is dropped.
            _ = activity.idle(limits.idle_timeout), if closing => return,
        }
    }
}

async fn handle(
    req: hyper::Request<Incoming>,
    shared: Arc<Shared>,
    peer: Peer,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    // `seal/create` carries a picture: its bound is the API's, on listeners that route it.
    let limit = if shared.api.is_some() && peer.domain.is_some() {
        super::api::body_limit(parts.uri.path(), shared.limits.max_body_bytes)
    } else {
        shared.limits.max_body_bytes
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Ok(too_large(limit));
    }
    // The whole body within the header timeout: a client dripping a byte before each idle
    // deadline would otherwise hold its connection slot for ever.
    let read = tokio::time::timeout(
        shared.limits.header_timeout,
        Limited::new(body, limit).collect(),
    )
    .await;
    let body = match read {
        Err(_elapsed) => {
            return Ok(close(routes::error(
                StatusCode::REQUEST_TIMEOUT,
                "the request body did not arrive within the header timeout",
            ))
            .map(Full::new));
        }
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return Ok(too_large(limit)),
        Ok(Err(_)) => {
            return Ok(close(routes::error(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            ))
            .map(Full::new));
        }
    };
    // The operator API: only on a listener that declares a domain (HTTPS); elsewhere its paths
    // are unknown to the route table (404).
    if let (Some(api), Some(domain)) = (&shared.api, &peer.domain)
        && super::api::is_api_path(parts.uri.path())
    {
        let now = shared.clock.now();
        let answer = super::api::respond(
            api.clone(),
            &parts.method,
            parts.uri.path(),
            body,
            domain.clone(),
            now,
        )
        .await;
        return Ok(answer.map(Full::new));
    }
    let snapshot = shared.current();
    let request = routes::Request {
        method: &parts.method,
        path: parts.uri.path(),
        version: parts.version,
        headers: &parts.headers,
        body: &body,
        peer: &peer,
    };
    let now = shared.clock.now();
    let response = routes::respond(&snapshot, shared.ocsp.as_ref(), &request, now);
    Ok(response.map(Full::new))
}

fn too_large(limit: usize) -> Response<Full<Bytes>> {
    close(routes::error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("the request body is over the limit of {limit} bytes"),
    ))
    .map(Full::new)
}

/// The body left unread: the connection cannot carry another request.
fn close(mut r: Response<Bytes>) -> Response<Bytes> {
    r.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    r
}

/// When a connection last moved a byte.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Completes once no byte has moved for `idle`.
    async fn idle(&self, idle: Duration) {
        loop {
            let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            // An idle timeout past the clock's range never fires.
            let Some(deadline) = self.start.checked_add(last.saturating_add(idle)) else {
                return std::future::pending().await;
            };
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

/// A stream that records each byte moved in its [`Activity`].
struct Watched<IO> {
    inner: IO,
    activity: Arc<Activity>,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
