#!/bin/sh
# govpki authz vs the Cedar CLI on generated policies of 1,000 and 11,000 rules.
#
#   bench/authz/run.sh            # needs `cedar` on PATH (cargo install cedar-policy-cli --locked)
#   CEDAR=/path/to/cedar bench/authz/run.sh
#
# Prints, per policy size, govpki's in-process median/p99 us per decision and decisions/s,
# `authz batch` and `authz check` wall times, Cedar's figures on the same requests, and ratios.
set -eu
cd "$(dirname "$0")/../.."
OUT=${OUT:-${TMPDIR:-/tmp}/govpki-authz-bench}
cargo build --release --bin govpki --example authz_bench
python3 bench/authz/gen.py "$OUT/1k" --rules 1000
python3 bench/authz/gen.py "$OUT/11k" --rules 11000
CEDAR=${CEDAR:-$(command -v cedar || true)}
python3 bench/authz/compare.py --govpki target/release/govpki \
    --bench target/release/examples/authz_bench ${CEDAR:+--cedar "$CEDAR"} "$OUT/1k" "$OUT/11k"
