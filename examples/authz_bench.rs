//! In-process authorization benchmark (one core): load time, median and p99 microseconds per
//! decision, and batch decisions per second, on a policy and requests made by
//! `bench/authz/gen.py`. Also checks every decision against the generator's reference.
//!
//!     python3 bench/authz/gen.py /tmp/authz-1k --rules 1000
//!     cargo run --release --example authz_bench -- /tmp/authz-1k

use std::path::PathBuf;
use std::time::Instant;

use govpki::authz::{Policy, Request};

fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/tmp/authz-1k".into()),
    );
    let policy_path = dir.join("policy.yaml");
    let text = std::fs::read_to_string(&policy_path)?;
    let t = Instant::now();
    let (policy, _) = Policy::load(&[(policy_path, text)]).map_err(|e| anyhow::anyhow!("{e}"))?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let requests: Vec<Request> = std::fs::read_to_string(dir.join("requests.jsonl"))?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let expected: Vec<bool> = std::fs::read_to_string(dir.join("expected.jsonl"))?
        .lines()
        .map(|l| l.contains("\"allow\""))
        .collect();
    let now = time::OffsetDateTime::now_utc();

    let mut agree = 0;
    for (r, want) in requests.iter().zip(&expected) {
        agree += usize::from(policy.decide(r, now).allow == *want);
    }

    // Latency: each decision timed on its own, over several rounds.
    let mut samples = Vec::with_capacity(requests.len() * 5);
    for _ in 0..5 {
        for r in &requests {
            let t = Instant::now();
            let d = policy.decide(r, now);
            samples.push(t.elapsed().as_nanos() as f64 / 1e3);
            std::hint::black_box(d);
        }
    }
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    let p99 = samples[samples.len() * 99 / 100];

    // Throughput: the whole batch, back to back.
    let rounds = 5;
    let t = Instant::now();
    for _ in 0..rounds {
        for r in &requests {
            std::hint::black_box(policy.decide(r, now));
        }
    }
    let per_sec = (requests.len() * rounds) as f64 / t.elapsed().as_secs_f64();

    let stats = policy.stats();
    println!(
        "policy: {} rules ({} permissions, {} deny rules), load {load_ms:.1} ms",
        stats.permissions + stats.deny_rules,
        stats.permissions,
        stats.deny_rules
    );
    println!("median {median:.2} us/decision, p99 {p99:.2} us, batch {per_sec:.0} decisions/s");
    println!("agreement with the reference: {agree}/{}", requests.len());
    Ok(())
}
