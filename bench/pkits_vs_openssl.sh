#!/usr/bin/env bash
# NIST PKITS (all 246 cases of testdata/pkits/pkits.json), govpki and openssl side by side.
#
#   bench/pkits_vs_openssl.sh
#
# Runs the `pkits_vs_openssl` test of tests/pkits.rs, which runs every case through
# `govpki --json cert verify ... --allow-legacy` and through
# `openssl verify -x509_strict -crl_check_all -policy_check -extended_crl -use_deltas
#  -attime 1651363200 -CAfile TA -untrusted ... -CRLfile ...` (policy params mapped to -policy,
# -explicit_policy, -inhibit_map, -inhibit_any), and prints one table: section, cases,
# govpki pass, openssl pass. Then it prints govpki's tally (`PKITS: N/246 pass, K known failures`).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v openssl >/dev/null || { echo "openssl is not installed" >&2; exit 2; }
openssl version
nice cargo test --locked -q --test pkits -- --nocapture --test-threads 1 \
  pkits_vs_openssl pkits_all_cases
