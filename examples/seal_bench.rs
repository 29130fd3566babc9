//! Measures the seal library against the targets of issue #3 (run with `--release`):
//!
//! ```text
//! cargo run --release --example seal_bench -- hash FILE        # streaming SHA-256, MB/s
//! cargo run --release --example seal_bench -- batch N [THREADS] # N documents of 100 KB
//! ```
//! `batch` signs N in-memory documents of 100 KB (hash + CMS signature with the seal, ECDSA
//! P-256), then parses and verifies them (chain checks answered by a stub), on THREADS threads
//! (default 2), and prints documents per second for each phase. Compare `hash` with
//! `openssl dgst -sha256 FILE` on the same file.

use std::time::Instant;

use govpki::seal::{
    ChainCheck, ChainChecker, ChainRole, DocumentHash, DocumentSigner, RevokedSeals, RingSigner,
    SealSpec, SealType, VerifyOptions, create_seal, hash_document, hash_document_with,
    parse_signature, render_seal_svg, verify_document,
};
use time::OffsetDateTime;
use time::macros::datetime;

struct Stub;
impl ChainChecker for Stub {
    fn check(&self, _: &[u8], _: &[Vec<u8>], _: OffsetDateTime, _: ChainRole) -> ChainCheck {
        ChainCheck::Valid
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("hash") => {
            let path = args.get(1).expect("hash FILE");
            let size = std::fs::metadata(path).expect("stat").len();
            let start = Instant::now();
            let digest = hash_document(std::fs::File::open(path).expect("open")).expect("hash");
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{}  {path}\n{size} bytes in {secs:.3} s: {:.1} MB/s",
                hex::encode(digest),
                size as f64 / secs / 1e6
            );
        }
        Some("batch") => {
            let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
            let threads: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2);
            batch(n, threads);
        }
        _ => eprintln!("usage: seal_bench hash FILE | batch N [THREADS]"),
    }
}

fn batch(n: usize, threads: usize) {
    let alg = &rcgen::PKCS_ECDSA_P256_SHA256;
    let ca_key = rcgen::KeyPair::generate_for(alg).unwrap();
    let mut ca = rcgen::CertificateParams::new(vec![]).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.not_after = datetime!(2035-01-01 00:00:00 UTC);
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let mk = || {
        let key = rcgen::KeyPair::generate_for(alg).unwrap();
        let mut p = rcgen::CertificateParams::new(vec![]).unwrap();
        p.not_after = datetime!(2030-01-01 00:00:00 UTC);
        let cert = p.signed_by(&key, &issuer).unwrap().der().to_vec();
        (
            RingSigner::from_pkcs8_der(&key.serialize_der()).unwrap(),
            cert,
        )
    };
    let (authority, authority_cert) = mk();
    let (holder, holder_cert) = mk();
    let spec = SealSpec {
        name: "连云港市人民政府".into(),
        seal_type: SealType::Official,
        department: "信息中心".into(),
        holder_certs: vec![holder_cert.clone()],
        image: render_seal_svg("连云港市人民政府", SealType::Official).unwrap(),
        valid_from: datetime!(2026-01-01 00:00:00 UTC),
        valid_until: datetime!(2028-01-01 00:00:00 UTC),
        created: datetime!(2026-01-01 00:00:00 UTC),
        es_id: "bench".into(),
    };
    let seal = create_seal(&spec, &authority_cert, &authority).unwrap();
    let now = datetime!(2026-11-30 10:00:00 UTC);
    let signer = DocumentSigner::new(&holder, &holder_cert, &[], &[], Some(&seal)).unwrap();
    let docs: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let mut d = vec![(i % 251) as u8; 100 * 1024];
            d[..8].copy_from_slice(&(i as u64).to_be_bytes());
            d
        })
        .collect();
    let chunk = n.div_ceil(threads);

    let start = Instant::now();
    let sigs: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = docs
            .chunks(chunk)
            .map(|part| {
                let signer = &signer;
                s.spawn(move || {
                    part.iter()
                        .map(|d| {
                            let h = hash_document_with(signer.digest_algorithm(), &d[..]).unwrap();
                            signer.sign(&h.value, now).unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let sign_secs = start.elapsed().as_secs_f64();

    let revoked = RevokedSeals::complete([]);
    let start = Instant::now();
    let valid: usize = std::thread::scope(|s| {
        let handles: Vec<_> = docs
            .chunks(chunk)
            .zip(sigs.chunks(chunk))
            .map(|(ds, ss)| {
                let revoked = &revoked;
                s.spawn(move || {
                    let opts = VerifyOptions {
                        now,
                        at: None,
                        require_revocation: false,
                        chain: &Stub,
                        revoked_seals: revoked,
                    };
                    ds.iter()
                        .zip(ss)
                        .filter(|(d, sig)| {
                            let sig = parse_signature(sig).unwrap();
                            let alg = sig.signer().document_digest_algorithm().unwrap();
                            let h: DocumentHash = hash_document_with(alg, &d[..]).unwrap();
                            verify_document(&sig, &h, &opts).verdict == govpki::seal::Verdict::Valid
                        })
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let verify_secs = start.elapsed().as_secs_f64();
    assert_eq!(valid, n, "every document verifies");
    println!(
        "{n} documents of 100 KB on {threads} threads\n  sign:   {:.0} docs/s ({:.3} ms/doc/thread)\n  verify: {:.0} docs/s ({:.3} ms/doc/thread)",
        n as f64 / sign_secs,
        sign_secs * 1000.0 * threads as f64 / n as f64,
        n as f64 / verify_secs,
        verify_secs * 1000.0 * threads as f64 / n as f64
    );
}
