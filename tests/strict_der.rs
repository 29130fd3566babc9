//! Strict DER for every shown input (issue #9, "Inputs openssl rejects as malformed are not
//! shown or judged as if well-formed"): single-bit flips of one certificate, one CRL and one CMS
//! signature, each judged by `openssl` and by `govpki cert show / crl show / seal show`.
//!
//! Which bits: the TLV tree of each file is walked (recursing into every constructed value) and
//! EVERY bit of every tag and length byte is flipped, plus one bit of every 8th content byte (a
//! sample: most content bytes are opaque signature, key or string bytes that both readers
//! accept flipped). One file per flip in a temp dir; flips are judged in parallel (rayon).
//!
//! The peers: `openssl x509 -inform DER -noout`, `openssl crl -inform DER -noout`, and for the
//! CMS file `openssl cms -cmsout -inform DER -noout`, which decodes the whole `ContentInfo`
//! through OpenSSL's ASN.1 templates (certificates and signer infos included), where
//! `asn1parse -strictparse` would check only the TLV framing.
//!
//! Asserted: every flip openssl refuses, govpki refuses with exit 2 (never 0, never a crash).
//! Printed: the flips govpki refuses and openssl accepts (a stricter reader is allowed).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use rayon::prelude::*;

/// Offsets of the tag and length bytes of every TLV (recursing into constructed values), and of
/// the content bytes of primitive values.
fn header_and_content(der: &[u8]) -> (Vec<usize>, Vec<usize>) {
    let mut headers = Vec::new();
    let mut contents = Vec::new();
    walk(der, 0, der.len(), 0, &mut headers, &mut contents);
    (headers, contents)
}

fn walk(
    der: &[u8],
    mut at: usize,
    end: usize,
    depth: u32,
    headers: &mut Vec<usize>,
    contents: &mut Vec<usize>,
) {
    assert!(depth < 64, "the fixture nests too deep");
    while at < end {
        let tag = der[at];
        assert_ne!(tag & 0x1f, 0x1f, "no high tag numbers in the fixtures");
        headers.push(at);
        let first = der[at + 1];
        headers.push(at + 1);
        let (len, hlen) = if first < 0x80 {
            (first as usize, 2)
        } else {
            let n = (first & 0x7f) as usize;
            let mut len = 0usize;
            for i in 0..n {
                headers.push(at + 2 + i);
                len = (len << 8) | der[at + 2 + i] as usize;
            }
            (len, 2 + n)
        };
        let start = at + hlen;
        if tag & 0x20 != 0 {
            walk(der, start, start + len, depth + 1, headers, contents);
        } else {
            contents.extend(start..start + len);
        }
        at = start + len;
    }
}

/// Each flip as (byte offset, bit).
fn flips(der: &[u8]) -> Vec<(usize, u8)> {
    let (headers, contents) = header_and_content(der);
    let mut out: Vec<(usize, u8)> = headers
        .iter()
        .flat_map(|&o| (0..8).map(move |b| (o, b)))
        .collect();
    out.extend(
        contents
            .iter()
            .step_by(8)
            .enumerate()
            .map(|(i, &o)| (o, (i % 8) as u8)),
    );
    out
}

fn exit_code(cmd: &mut Command) -> Option<i32> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn")
        .code()
}

/// Flips every chosen bit of `der`, judges each file by openssl and govpki, asserts and prints.
fn check(name: &str, der: &[u8], openssl: &[&str], govpki_args: &[&str]) {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    // Sanity: the unflipped file is accepted by both.
    let orig = dir.path().join(format!("{name}.der"));
    std::fs::write(&orig, der).unwrap();
    let judge = |path: &Path| -> (bool, Option<i32>) {
        let ossl_ok =
            exit_code(Command::new("openssl").args(openssl).arg("-in").arg(path)) == Some(0);
        let code = exit_code(
            govpki(&home, dir.path())
                .args(govpki_args)
                .arg(path)
                .stdin(Stdio::null()),
        );
        (ossl_ok, code)
    };
    assert_eq!(judge(&orig), (true, Some(0)), "{name}: the unflipped file");

    let all = flips(der);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let results: Vec<((usize, u8), bool, Option<i32>)> = pool.install(|| {
        all.par_iter()
            .map(|&(off, bit)| {
                let mut bytes = der.to_vec();
                bytes[off] ^= 1 << bit;
                let path: PathBuf = dir.path().join(format!("{name}-{off}-{bit}.der"));
                std::fs::write(&path, &bytes).unwrap();
                let (ossl_ok, code) = judge(&path);
                std::fs::remove_file(&path).unwrap();
                ((off, bit), ossl_ok, code)
            })
            .collect()
    });

    let mut bad = Vec::new();
    let mut stricter = Vec::new();
    let mut both_refuse = 0;
    for &((off, bit), ossl_ok, code) in &results {
        match (ossl_ok, code) {
            (false, Some(2)) => both_refuse += 1,
            (false, c) => bad.push(format!(
                "byte {off} bit {bit}: openssl refuses, govpki {c:?}"
            )),
            (true, Some(0)) => {}
            (true, Some(2)) => stricter.push(format!("byte {off} bit {bit}")),
            (true, c) => bad.push(format!(
                "byte {off} bit {bit}: openssl accepts, govpki {c:?}"
            )),
        }
    }
    println!(
        "{name}: {} flips ({} bytes), both refuse {both_refuse}, govpki stricter on {}: {:?}",
        results.len(),
        der.len(),
        stricter.len(),
        stricter
    );
    assert!(
        both_refuse > 0,
        "{name}: no flip refused at all: the harness is broken"
    );
    assert!(
        bad.is_empty(),
        "{name}: {} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

fn testdata(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(rel),
    )
    .unwrap()
}

#[test]
fn every_flip_of_a_certificate_openssl_refuses_cert_show_refuses() {
    let der = testdata("pkits/certs/GoodCACert.crt");
    check(
        "cert",
        &der,
        &["x509", "-inform", "DER", "-noout"],
        &["cert", "show"],
    );
}

#[test]
fn every_flip_of_a_crl_openssl_refuses_crl_show_refuses() {
    let der = testdata("pkits/crls/GoodCACRL.crl");
    check(
        "crl",
        &der,
        &["crl", "-inform", "DER", "-noout"],
        &["crl", "show"],
    );
}

#[test]
fn every_flip_of_a_cms_signature_openssl_refuses_seal_show_refuses() {
    if !require_tool("openssl") {
        return;
    }
    // A detached CMS signature by openssl itself (no seal: `seal show` shows it all the same).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |c: &mut Command| assert_eq!(exit_code(c), Some(0), "{c:?}");
    ok(Command::new("openssl")
        .current_dir(d)
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem"])
        .args(["-out", "c.pem", "-subj", "/CN=strict der", "-days", "30"]));
    std::fs::write(d.join("doc"), b"a document\n").unwrap();
    ok(Command::new("openssl")
        .current_dir(d)
        .args(["cms", "-sign", "-binary", "-in", "doc", "-signer", "c.pem"])
        .args(["-inkey", "k.pem", "-outform", "DER", "-out", "s.p7s"]));
    let der = std::fs::read(d.join("s.p7s")).unwrap();
    check(
        "cms",
        &der,
        &["cms", "-cmsout", "-inform", "DER", "-noout"],
        &["seal", "show"],
    );
}

#[test]
fn the_walker_finds_every_header_byte() {
    // SEQUENCE { INTEGER 5, OCTET STRING (130 bytes, long form length) }
    let mut der = vec![0x30, 0x81, 0x88, 0x02, 0x01, 0x05, 0x04, 0x81, 0x82];
    der.extend(std::iter::repeat_n(0xAA, 130));
    let (h, c) = header_and_content(&der);
    assert_eq!(h, vec![0, 1, 2, 3, 4, 6, 7, 8]);
    assert_eq!(c.len(), 131);
    assert_eq!(flips(&der).len(), 8 * 8 + 17);
}
