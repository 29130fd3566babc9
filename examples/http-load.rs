//! A small HTTP/1.1 load generator for the benchmarks in `bench/` (OCSP and publication): N
//! connections on N threads, each sending the same request as fast as the server answers,
//! keeping the connection open when the server allows it and reconnecting when it does not
//! (`openssl ocsp -port` closes after each answer). Every answer is checked: the status, and
//! optionally its body's first bytes, so a server that answers errors quickly does not win.
//!
//! ```text
//! cargo run --release --example http-load -- --addr 127.0.0.1:8080 --path /ocsp \
//!     --body req.der --content-type application/ocsp-request --connections 32 --seconds 10
//! ```
//!
//! Prints one JSON line: requests, errors, seconds, rps, p50_ms, p99_ms, max_ms.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

struct Opts {
    addr: String,
    path: String,
    body: Option<Vec<u8>>,
    content_type: String,
    connections: usize,
    seconds: f64,
    max_requests: u64,
    expect_status: u16,
    expect_prefix: Vec<u8>,
}

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        addr: String::new(),
        path: "/".into(),
        body: None,
        content_type: "application/octet-stream".into(),
        connections: 16,
        seconds: 5.0,
        max_requests: u64::MAX,
        expect_status: 200,
        expect_prefix: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--addr" => o.addr = val()?,
            "--path" => o.path = val()?,
            "--body" => {
                let f = val()?;
                o.body = Some(std::fs::read(&f).map_err(|e| format!("reading `{f}`: {e}"))?);
            }
            "--content-type" => o.content_type = val()?,
            "--connections" => o.connections = val()?.parse().map_err(|e| format!("{e}"))?,
            "--seconds" => o.seconds = val()?.parse().map_err(|e| format!("{e}"))?,
            "--requests" => o.max_requests = val()?.parse().map_err(|e| format!("{e}"))?,
            "--expect-status" => o.expect_status = val()?.parse().map_err(|e| format!("{e}"))?,
            "--expect-prefix-hex" => {
                o.expect_prefix = hex::decode(val()?).map_err(|e| format!("{e}"))?
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if o.addr.is_empty() {
        return Err("--addr HOST:PORT is required".into());
    }
    if o.connections == 0 {
        return Err("--connections must be at least 1".into());
    }
    Ok(o)
}

/// One parsed answer: status, whether the server keeps the connection, the body.
fn read_answer(r: &mut BufReader<TcpStream>) -> std::io::Result<(u16, bool, Vec<u8>)> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let mut parts = line.split_whitespace();
    let version = parts.next().unwrap_or("");
    let status: u16 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut keep = version == "HTTP/1.1";
    let mut length: Option<usize> = None;
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase());
            match k.as_str() {
                "content-length" => length = v.parse().ok(),
                "connection" if v == "close" => keep = false,
                "connection" if v == "keep-alive" => keep = true,
                _ => {}
            }
        }
    }
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            r.read_exact(&mut body)?;
        }
        None => {
            r.read_to_end(&mut body)?;
            keep = false;
        }
    }
    Ok((status, keep, body))
}

fn main() {
    let o = match parse_args() {
        Ok(o) => Arc::new(o),
        Err(e) => {
            eprintln!("http-load: {e}");
            std::process::exit(2);
        }
    };
    let request = {
        let mut head = match &o.body {
            Some(b) => format!(
                "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
                o.path,
                o.addr,
                o.content_type,
                b.len()
            )
            .into_bytes(),
            None => format!("GET {} HTTP/1.1\r\nHost: {}\r\n\r\n", o.path, o.addr).into_bytes(),
        };
        if let Some(b) = &o.body {
            head.extend_from_slice(b);
        }
        Arc::new(head)
    };
    let stop = Arc::new(AtomicBool::new(false));
    let per_thread = o.max_requests.div_ceil(o.connections as u64);
    let start = Instant::now();
    let threads: Vec<_> = (0..o.connections)
        .map(|_| {
            let (o, request, stop) = (o.clone(), request.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut latencies: Vec<u32> = Vec::new();
                let mut errors = 0u64;
                let mut conn: Option<BufReader<TcpStream>> = None;
                let deadline = Duration::from_secs_f64(o.seconds);
                while !stop.load(Ordering::Relaxed)
                    && (latencies.len() as u64) < per_thread
                    && start.elapsed() < deadline
                {
                    let t = Instant::now();
                    let c = match conn.take() {
                        Some(c) => c,
                        None => match TcpStream::connect(&o.addr) {
                            Ok(s) => {
                                let _ = s.set_nodelay(true);
                                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                                BufReader::new(s)
                            }
                            Err(_) => {
                                errors += 1;
                                std::thread::sleep(Duration::from_millis(5));
                                continue;
                            }
                        },
                    };
                    let mut c = c;
                    let sent = c.get_mut().write_all(&request);
                    match sent.and_then(|_| read_answer(&mut c)) {
                        Ok((status, keep, body))
                            if status == o.expect_status && body.starts_with(&o.expect_prefix) =>
                        {
                            latencies.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                            if keep {
                                conn = Some(c);
                            }
                        }
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in threads {
        let (l, e) = t.join().unwrap_or_default();
        all.extend(l);
        errors += e;
    }
    stop.store(true, Ordering::Relaxed);
    let secs = start.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 - 1.0) * p).round() as usize;
        all[i.min(all.len() - 1)] as f64 / 1000.0
    };
    println!(
        "{{\"requests\":{},\"errors\":{},\"seconds\":{:.3},\"rps\":{:.0},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3}}}",
        all.len(),
        errors,
        secs,
        all.len() as f64 / secs,
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}
