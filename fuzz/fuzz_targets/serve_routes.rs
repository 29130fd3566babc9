//! The server's route table (`govpki serve`): any method, path, headers and body get an answer,
//! never a panic, and an error answer is a short JSON `{"error": ...}`.
#![no_main]
use std::sync::Arc;

use govpki::serve::routes::{self, OcspHandler, Peer, ServedCrl, Snapshot};
use hyper::body::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Version};
use libfuzzer_sys::fuzz_target;
use time::macros::datetime;

fuzz_target!(|data: &[u8]| {
    // METHOD \n PATH \n (NAME: VALUE \n)* \n BODY
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|b| *b == b'\n');
    let Some(Ok(method)) = lines.next().map(Method::from_bytes) else {
        return;
    };
    let Some(Ok(path)) = lines.next().map(std::str::from_utf8) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(line[colon + 1..].trim_ascii()),
        ) {
            headers.append(name, value);
        }
    }
    let now = datetime!(2026-05-04 10:00 UTC);
    let snapshot = Snapshot {
        ca_subject: "CN=Root".into(),
        ca_der: Bytes::from_static(b"der"),
        ca_pem: Bytes::from_static(b"pem"),
        chain_pem: Bytes::from_static(b"chain"),
        crl: ServedCrl::new(vec![0x30, 0], 1, now, now + time::Duration::days(7)),
        seal_status: None,
    };
    let echo: OcspHandler = Arc::new(|der: &[u8]| der.to_vec());
    let peer = Peer::default();
    for ocsp in [None, Some(&echo)] {
        let request = routes::Request {
            method: &method,
            path,
            version: Version::HTTP_11,
            headers: &headers,
            body,
            peer: &peer,
        };
        let response = routes::respond(&snapshot, ocsp, &request, now);
        let status = response.status();
        assert!(status.is_success() || status.is_client_error() || status.as_u16() == 304);
        if status.is_client_error() {
            let v: serde_json::Value = serde_json::from_slice(response.body()).expect("JSON error");
            assert!(v["error"].is_string());
        }
    }
});
