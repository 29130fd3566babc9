//! `cargo run --release --example verify_bench -- EE.der SUB.der TA.der CRL... -n 10000`:
//! validates the same 3-certificate chain with its CRLs N times in one process through
//! `govpki::ca::verify` (what `cert verify` runs), and prints the wall time. Used by
//! `bench/verify.sh` beside `openssl verify` given the same EE N times.

use std::time::Instant;

use govpki::ca::verify::{ParsedCrls, Verdict, VerifyInput, verify_chain_with};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut n = 10_000usize;
    if let Some(i) = args.iter().position(|a| a == "-n") {
        n = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(n);
        args.drain(i..(i + 2).min(args.len()));
    }
    let read = |p: &String| std::fs::read(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    let [ee, sub, ta, crls @ ..] = args.as_slice() else {
        eprintln!("usage: verify_bench EE.der SUB.der TA.der CRL.der... [-n N]");
        std::process::exit(2);
    };
    let (ee, sub, ta) = (read(ee), vec![read(sub)], vec![read(ta)]);
    let crls: Vec<Vec<u8>> = crls.iter().map(read).collect();
    let at = time::OffsetDateTime::from_unix_timestamp(1_651_363_200).expect("time");
    let start = Instant::now();
    // CRLs parsed once per run, as a batch verifier does; each chain is then built and
    // validated from scratch.
    let parsed = ParsedCrls::parse(&crls).expect("CRLs parse");
    for _ in 0..n {
        let v = verify_chain_with(
            &VerifyInput {
                end_entity: &ee,
                intermediates: &sub,
                anchors: &ta,
                crls: &crls,
                at,
                purpose: None,
                policy: None,
                allow_sha1: false,
            },
            &parsed,
        )
        .expect("verifies");
        assert!(matches!(v, Verdict::Valid { .. }), "{v:?}");
    }
    println!("{:.3}", start.elapsed().as_secs_f64());
}
