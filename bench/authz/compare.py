#!/usr/bin/env python3
"""Run govpki and the Cedar CLI side by side on directories made by gen.py; print ratios.

    python3 bench/authz/compare.py --govpki target/release/govpki \\
        --bench target/release/examples/authz_bench --cedar "$(command -v cedar)" DIR...

For each DIR:
  in-process      govpki: `authz_bench DIR` (median and p99 us/decision, decisions/s on one
                  core); Cedar: `cedar authorize --timing` (its own authorization time for one
                  request, median of runs)
  batch process   `govpki authz batch` over requests.jsonl vs `cedar run-tests` over the same
                  requests (Cedar has no batch command; run-tests is the nearest, and also
                  parses each request's entities); both checked against the reference
  one process     `govpki authz check` vs `cedar authorize`, one request, wall time (median);
                  govpki cold (GOVPKI_NO_CACHE=1: parses the YAML) and warm (the compiled
                  policy from its cache, in a temporary GOVPKI_CACHE_DIR filled by the warm-up)
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 21


def wall(cmd, stdin=None, runs=RUNS, env=None):
    """Median wall time in ms over `runs` runs (after one warm-up), and the last result."""
    times, res = [], None
    for i in range(runs + 1):
        with open(stdin, "rb") if stdin else open(os.devnull, "rb") as f:
            t = time.perf_counter()
            res = subprocess.run(cmd, stdin=f, capture_output=True, env=env)
            if i:
                times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times), res


def agreement(out_lines, expected_path):
    with open(expected_path, encoding="utf-8") as f:
        want = [json.loads(l)["decision"] for l in f]
    got = [json.loads(l).get("decision") for l in out_lines]
    return sum(a == b for a, b in zip(got, want)), len(want)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--govpki", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--cedar")
    ap.add_argument("--cedar-requests", type=int, default=1000,
                    help="how many requests cedar run-tests gets (it is slow at 11,000 rules)")
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    cedar = a.cedar if a.cedar and os.path.exists(a.cedar) else None
    if not cedar:
        print("cedar CLI not found: printing govpki figures only "
              "(cargo install cedar-policy-cli --locked)", file=sys.stderr)
    # govpki's compiled-policy cache: off for the cold figures, and for the warm ones in a
    # temporary directory (never the user's ~/.cache).
    cache_dir = tempfile.mkdtemp(prefix="govpki-bench-cache-")
    cold = dict(os.environ, GOVPKI_NO_CACHE="1")
    warm = dict(os.environ, GOVPKI_CACHE_DIR=cache_dir)
    warm.pop("GOVPKI_NO_CACHE", None)
    try:
        for d in a.dirs:
            run_dir(a, cedar, d, cold, warm)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)


def run_dir(a, cedar, d, cold, warm):
    """Runs and prints the figures for one directory made by gen.py."""
    print(f"== {d}")
    out = subprocess.run([a.bench, d], capture_output=True, text=True, check=True).stdout
    print("govpki in-process:", out.strip().replace("\n", "; "))
    median_us = float(re.search(r"median ([\d.]+) us", out).group(1))
    per_sec = float(re.search(r"batch (\d+) decisions/s", out).group(1))

    n = sum(1 for _ in open(os.path.join(d, "requests.jsonl"), encoding="utf-8"))
    g_ms, res = wall([a.govpki, "authz", "batch", "--policy", os.path.join(d, "policy.yaml")],
                     stdin=os.path.join(d, "requests.jsonl"), runs=3, env=cold)
    ok, total = agreement(res.stdout.decode().splitlines(), os.path.join(d, "expected.jsonl"))
    g_rate = n / (g_ms / 1e3)
    print(f"govpki authz batch: {n} requests in {g_ms:.0f} ms = {g_rate:,.0f} decisions/s "
          f"(process, incl. load without cache and JSON); agreement with reference {ok}/{total}")

    args = open(os.path.join(d, "govpki-check.args"), encoding="utf-8").read().split("\n")
    args = [x for x in args if x]
    check = [a.govpki, "authz", "check", "--policy"]
    g1, res = wall(check + [os.path.join(d, "policy.yaml")] + args, env=cold)
    g2, _ = wall(check + [os.path.join(d, "policy-split")] + args, env=cold)
    w1, wres = wall(check + [os.path.join(d, "policy.yaml")] + args, env=warm)
    w2, _ = wall(check + [os.path.join(d, "policy-split")] + args, env=warm)
    if (wres.stdout, wres.returncode) != (res.stdout, res.returncode):
        sys.exit(f"govpki answered differently from its cache: {wres.stdout!r} vs {res.stdout!r}")
    print(f"govpki authz check (one process): cold {g1:.1f} ms one file, {g2:.1f} ms two files; "
          f"warm cache {w1:.1f} ms one file, {w2:.1f} ms two files (exit {res.returncode})")

    if not cedar:
        return
    with open(os.path.join(d, "cedar-tests.json"), encoding="utf-8") as f:
        tests = json.load(f)[: a.cedar_requests]
    subset = os.path.join(d, "cedar-tests-subset.json")
    with open(subset, "w", encoding="utf-8") as f:
        json.dump(tests, f)
    c_ms, res = wall([cedar, "run-tests", "--policies", os.path.join(d, "policy.cedar"),
                      "--tests", subset], runs=1)
    summary = re.search(r"results: (\d+) passed, (\d+) failed", res.stdout.decode())
    c_rate = len(tests) / (c_ms / 1e3)
    print(f"cedar run-tests: {len(tests)} requests in {c_ms:.0f} ms = {c_rate:,.0f} decisions/s; "
          f"agreement with reference {summary.group(1) if summary else '?'}/{len(tests)}")
    single = [cedar, "authorize", "--policies", os.path.join(d, "policy.cedar"),
              "--entities", os.path.join(d, "cedar-entities.json"),
              "--request-json", os.path.join(d, "cedar-request.json")]
    c1, res = wall(single)
    timings = []
    for _ in range(RUNS):
        r = subprocess.run(single + ["--timing"], capture_output=True, text=True)
        m = re.search(r"Authorization Time \(micro seconds\) : (\d+)", r.stdout)
        if m:
            timings.append(int(m.group(1)))
    c_us = statistics.median(timings) if timings else float("nan")
    print(f"cedar authorize (one process): {c1:.1f} ms; its authorization time "
          f"{c_us:.0f} us (exit {res.returncode})")
    print(f"ratios (cedar / govpki, >1 means govpki is faster): "
          f"in-process decision {c_us / median_us:.1f}x, "
          f"batch throughput {g_rate / c_rate:.1f}x, "
          f"one process {c1 / g1:.1f}x cold, {c1 / w1:.1f}x warm (one file), "
          f"{c1 / g2:.1f}x cold, {c1 / w2:.1f}x warm (two files)")
    print(f"govpki in-process batch: {per_sec:,.0f} decisions/s on one core")


if __name__ == "__main__":
    main()
