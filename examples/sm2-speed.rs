//! SM2 and SM3 speed on one thread, through the code paths govpki uses (issue #10, "Speed"):
//!
//! ```text
//! cargo run --release --example sm2-speed -- [--seconds S] [--cert HOLDER.pem --key HOLDER.key]
//! ```
//!
//! - SM2 sign: `ca::keys::PrivateKey::sign` (SM2-with-SM3, user ID `1234567812345678`, DER
//!   `SEQUENCE { r, s }`), what certificates, CRLs, seals and SES signatures are signed with;
//! - SM2 verify: `pkix::sig::DefaultVerifier` (certificate and CRL signatures) and, given a
//!   holder certificate and its key, `seal::verify_signature_with_cert` (an SES_Signature's
//!   signer signature: it parses the certificate each time, as `seal verify` does per document);
//! - SM3: `seal::DigestAlgorithm::Sm3.digest` over 100 KB buffers (a document of the seal
//!   benchmark), MB/s.
//!
//! Each figure is operations per second on one thread over S seconds (default 3), printed as
//! `name value unit` lines for `bench/sm2.sh`, which sets them beside `openssl speed`. The message
//! signed is 400 octets, the size of an SES `TBS_Sign`. A key is generated unless `--key` is given.

use std::time::{Duration, Instant};

use der::Decode;
use govpki::ca::keys::{Algorithm, PrivateKey};
use govpki::pkix::sig::{DefaultVerifier, SignatureVerifier};
use govpki::seal::{DigestAlgorithm, SignatureCheck, verify_signature_with_cert};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// Runs `f` repeatedly for about `secs` and returns calls per second.
fn rate(secs: f64, mut f: impl FnMut()) -> f64 {
    // Warm-up: caches, lazily built tables.
    for _ in 0..20 {
        f();
    }
    let budget = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..16 {
            f();
        }
        n += 16;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn usage() -> ! {
    eprintln!("usage: sm2-speed [--seconds S] [--cert HOLDER.pem --key HOLDER.key]");
    std::process::exit(2);
}

/// The DER of the first PEM block of `path` (or the file itself when it is not PEM).
fn read_der(path: &str) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("error: reading `{path}`: {e}");
        std::process::exit(2);
    });
    match pem::parse(&bytes) {
        Ok(block) => block.into_contents(),
        Err(_) => bytes,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut secs = 3.0f64;
    let (mut cert_path, mut key_path) = (None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                secs = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--cert" => cert_path = Some(it.next().unwrap_or_else(|| usage()).clone()),
            "--key" => key_path = Some(it.next().unwrap_or_else(|| usage()).clone()),
            _ => usage(),
        }
    }

    let key = match &key_path {
        Some(p) => PrivateKey::from_pkcs8_der(&read_der(p)).unwrap_or_else(|e| {
            eprintln!("error: `{p}` is not an unencrypted PKCS#8 key: {e}");
            std::process::exit(2);
        }),
        None => PrivateKey::generate(Algorithm::Sm2).expect("SM2 key generation"),
    };
    if key.algorithm() != Algorithm::Sm2 {
        eprintln!("error: the key is {}, not SM2", key.algorithm());
        std::process::exit(2);
    }
    let msg: Vec<u8> = (0..400u32).map(|i| (i * 7 + 3) as u8).collect();
    let sig = key.sign(&msg).expect("SM2 sign");

    let sign_rate = rate(secs, || {
        std::hint::black_box(key.sign(std::hint::black_box(&msg)).expect("sign"));
    });
    println!("sm2-sign {sign_rate:.0} ops/s");

    let spki = SubjectPublicKeyInfoOwned::from_der(&key.spki_der()).expect("own SPKI");
    let alg = AlgorithmIdentifierOwned::from_der(key.signature_algorithm_der()).expect("alg id");
    let verifier = DefaultVerifier::default();
    verifier
        .verify(&spki, &alg, &msg, &sig)
        .expect("own signature verifies");
    let mut flipped = sig.clone();
    if let Some(b) = flipped.last_mut() {
        *b ^= 1;
    }
    assert!(
        verifier.verify(&spki, &alg, &msg, &flipped).is_err(),
        "a flipped bit must not verify"
    );
    let verify_rate = rate(secs, || {
        verifier
            .verify(&spki, &alg, std::hint::black_box(&msg), &sig)
            .expect("verify");
    });
    println!("sm2-verify {verify_rate:.0} ops/s");

    if let Some(cert_path) = &cert_path {
        let cert = read_der(cert_path);
        let oid = govpki::seal::signer::oid::SM2_WITH_SM3;
        let check = verify_signature_with_cert(&cert, &oid, None, &msg, &sig).expect("cert");
        assert!(
            matches!(check, SignatureCheck::Valid),
            "the key and the certificate do not match: {check:?}"
        );
        let seal_rate = rate(secs, || {
            let check = verify_signature_with_cert(&cert, &oid, None, &msg, &sig).expect("cert");
            assert!(matches!(check, SignatureCheck::Valid));
        });
        println!("sm2-verify-with-cert {seal_rate:.0} ops/s");
    }

    let doc = vec![0x5au8; 100 * 1024];
    let sm3_rate = rate(secs, || {
        std::hint::black_box(DigestAlgorithm::Sm3.digest(std::hint::black_box(&doc)));
    });
    println!(
        "sm3-100k {:.0} MB/s",
        sm3_rate * doc.len() as f64 / 1_000_000.0
    );
}
