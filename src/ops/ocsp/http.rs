//! A small HTTP/1.1 client for OCSP over plain `http://` (RFC 6960 Appendix A.1: POST with
//! `application/ocsp-request`): std's TcpStream with a connect timeout, a read/write timeout
//! and an overall deadline (a server that drips bytes cannot hold the client longer), and a
//! bounded response (headers and body). `Content-Length`, chunked, and read-to-close bodies.
//!
//! Why not a crate: `ureq` (or `reqwest`) would bring a TLS stack, cookie, proxy and redirect
//! handling that an OCSP client must not follow anyway, for ~150 lines here; HTTPS is out of
//! scope (OCSP responses are signed; RFC 5019 §5 recommends plain HTTP).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Most bytes of the status line and headers.
const MAX_HEAD: usize = 16 * 1024;

/// Why a responder could not be asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("`{0}` is not an http:// URL (only plain HTTP is supported)")]
    Url(String),
    #[error("cannot resolve `{0}`")]
    Resolve(String),
    #[error("cannot connect to `{addr}`: {err}")]
    Connect { addr: String, err: String },
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("reading the answer: {0}")]
    Io(String),
    #[error("the answer is not HTTP: {0}")]
    Protocol(String),
    #[error("the responder answered HTTP {0}")]
    Status(u16),
    #[error("the answer is more than {0} bytes")]
    TooLarge(usize),
}

/// An `http://host[:port]/path` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Url {
    pub fn parse(url: &str) -> Result<Url, HttpError> {
        let bad = || HttpError::Url(url.to_string());
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("HTTP://"))
            .ok_or_else(bad)?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') || path.contains(['\r', '\n', ' ']) {
            return Err(bad());
        }
        // [v6]:port, host:port, host
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(bad)?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad())?,
                None if after.is_empty() => 80,
                None => return Err(bad()),
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().map_err(|_| bad())?),
                None => (authority.to_string(), 80),
            }
        };
        Ok(Url {
            host,
            port,
            path: path.to_string(),
        })
    }

    fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// POSTs `body` to `url` and returns the response body of a `200`, within `timeout` overall
/// and at most `max_body` bytes.
pub fn post(
    url: &str,
    content_type: &str,
    body: &[u8],
    timeout: Duration,
    max_body: usize,
) -> Result<Vec<u8>, HttpError> {
    let url = Url::parse(url)?;
    let deadline = Instant::now() + timeout;
    let addrs: Vec<_> = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|_| HttpError::Resolve(url.host.clone()))?
        .collect();
    let mut last = HttpError::Resolve(url.host.clone());
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => {
                last = HttpError::Connect {
                    addr: addr.to_string(),
                    err: e.to_string(),
                }
            }
        }
    }
    let mut stream = stream.ok_or(last)?;
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            HttpError::Timeout(timeout)
        }
        _ => HttpError::Io(e.to_string()),
    };
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\nAccept: application/ocsp-response\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        url.path,
        url.host_header(),
        body.len()
    );
    stream.write_all(head.as_bytes()).map_err(io)?;
    stream.write_all(body).map_err(io)?;
    stream.flush().map_err(io)?;
    let limit = MAX_HEAD + max_body;
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(HttpError::Timeout(timeout))?;
        stream.set_read_timeout(Some(left)).map_err(io)?;
        let n = stream.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(buf.get(..n).unwrap_or_default());
        if data.len() > limit {
            return Err(HttpError::TooLarge(max_body));
        }
        if let Some(done) = complete(&data, max_body)? {
            return Ok(done);
        }
    }
    // The server closed the connection: what came is the whole answer.
    finish(&data, max_body, true)?.ok_or_else(|| HttpError::Protocol("truncated answer".into()))
}

/// The body once `data` holds a whole answer; `None` while more is needed.
fn complete(data: &[u8], max_body: usize) -> Result<Option<Vec<u8>>, HttpError> {
    finish(data, max_body, false)
}

fn finish(data: &[u8], max_body: usize, closed: bool) -> Result<Option<Vec<u8>>, HttpError> {
    let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
        if data.len() > MAX_HEAD {
            return Err(HttpError::Protocol("headers too long".into()));
        }
        return Ok(None);
    };
    let head = std::str::from_utf8(data.get(..end).unwrap_or_default())
        .map_err(|_| HttpError::Protocol("headers are not text".into()))?;
    let body = data.get(end + 4..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split(' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(HttpError::Protocol(format!("status line `{status_line}`")));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| HttpError::Protocol(format!("status line `{status_line}`")))?;
    if status != 200 {
        return Err(HttpError::Status(status));
    }
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let n: usize = value
                .parse()
                .map_err(|_| HttpError::Protocol(format!("Content-Length `{value}`")))?;
            if n > max_body {
                return Err(HttpError::TooLarge(max_body));
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        }
    }
    if chunked {
        return dechunk(body, max_body);
    }
    match length {
        Some(n) if body.len() >= n => Ok(Some(body.get(..n).unwrap_or_default().to_vec())),
        Some(_) if closed => Err(HttpError::Protocol("truncated body".into())),
        Some(_) => Ok(None),
        None if closed => {
            if body.len() > max_body {
                return Err(HttpError::TooLarge(max_body));
            }
            Ok(Some(body.to_vec()))
        }
        None => Ok(None),
    }
}

/// A chunked body, once its last chunk has come.
fn dechunk(mut rest: &[u8], max_body: usize) -> Result<Option<Vec<u8>>, HttpError> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size_text = std::str::from_utf8(rest.get(..eol).unwrap_or_default())
            .map_err(|_| HttpError::Protocol("chunk size".into()))?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| HttpError::Protocol(format!("chunk size `{size_text}`")))?;
        if size > max_body || out.len() + size > max_body {
            return Err(HttpError::TooLarge(max_body));
        }
        let start = eol + 2;
        if size == 0 {
            return Ok(Some(out));
        }
        let Some(chunk) = rest.get(start..start + size) else {
            return Ok(None);
        };
        out.extend_from_slice(chunk);
        let Some(after) = rest.get(start + size + 2..) else {
            return Ok(None);
        };
        rest = after;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("http://127.0.0.1:8080/ocsp").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("127.0.0.1", 8080, "/ocsp")
        );
        let u = Url::parse("http://ocsp.example.gov.cn").unwrap();
        assert_eq!(
            (u.port, u.path.as_str(), u.host_header().as_str()),
            (80, "/", "ocsp.example.gov.cn")
        );
        let u = Url::parse("http://[::1]:81/").unwrap();
        assert_eq!(
            (u.host.as_str(), u.host_header().as_str()),
            ("::1", "[::1]:81")
        );
        for bad in [
            "https://x/",
            "ftp://x",
            "http://",
            "http://a:b/",
            "http://u@h/",
            "http://h/a b",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bodies_by_length_chunks_and_close_bounded() {
        let ok = b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc";
        assert_eq!(complete(ok, 10).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(complete(&ok[..ok.len() - 1], 10).unwrap(), None);
        assert!(finish(&ok[..ok.len() - 1], 10, true).is_err(), "truncated");
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n";
        assert_eq!(complete(chunked, 10).unwrap(), Some(b"abc".to_vec()));
        let close = b"HTTP/1.1 200 OK\r\n\r\nabc";
        assert_eq!(complete(close, 10).unwrap(), None);
        assert_eq!(finish(close, 10, true).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(complete(ok, 2), Err(HttpError::TooLarge(2)));
        assert_eq!(
            complete(b"HTTP/1.1 404 Not Found\r\n\r\n", 10),
            Err(HttpError::Status(404))
        );
        assert!(matches!(
            complete(b"SSH-2.0\r\n\r\n", 10),
            Err(HttpError::Protocol(_))
        ));
    }
}
