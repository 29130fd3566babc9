#!/usr/bin/env bash
# Path validation: govpki and openssl side by side in one run, ratios printed.
#
#   bench/verify.sh [--quick]
#
# The chain: NIST PKITS 4.1.1 (ValidCertificatePathTest1EE <- GoodCACert <- TrustAnchorRoot,
# RSA-2048/SHA-256) with both CRLs (GoodCACRL, TrustAnchorRootCRL), at 2022-05-01.
# 1. one process per verification (N=200; 50 with --quick): `govpki cert verify` against
#    `openssl verify -crl_check_all`;
# 2. 10,000 chains in one run (2,000 with --quick): the library loop of `cert verify`
#    (examples/verify_bench.rs) against one `openssl verify` given the EE 10,000 times.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1
N=200; MANY=10000
if [ $QUICK = 1 ]; then N=50; MANY=2000; fi

cargo build --release --locked -q --bin govpki --example verify_bench
G="$PWD/target/release/govpki"
B="$PWD/target/release/examples/verify_bench"
P="$PWD/testdata/pkits"
W=$(mktemp -d /tmp/govpki-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
now_ns() { date +%s%N; }
for f in ValidCertificatePathTest1EE GoodCACert TrustAnchorRootCertificate; do
  openssl x509 -inform DER -in "$P/certs/$f.crt" -out "$W/$f.pem"
done
cat "$P/crls/GoodCACRL.crl" > "$W/good.crl"
{ openssl crl -inform DER -in "$P/crls/GoodCACRL.crl"; openssl crl -inform DER -in "$P/crls/TrustAnchorRootCRL.crl"; } > "$W/crls.pem"
EE="$W/ValidCertificatePathTest1EE.pem"
GARGS=(cert verify "$EE" --untrusted "$W/GoodCACert.pem" --trust "$W/TrustAnchorRootCertificate.pem"
  --crl "$P/crls/GoodCACRL.crl" --crl "$P/crls/TrustAnchorRootCRL.crl" --at 2022-05-01T00:00:00Z)
OARGS=(verify -x509_strict -crl_check_all -attime 1651363200 -CAfile "$W/TrustAnchorRootCertificate.pem"
  -untrusted "$W/GoodCACert.pem" -CRLfile "$W/crls.pem")
"$G" -q "${GARGS[@]}" >/dev/null
openssl "${OARGS[@]}" "$EE" >/dev/null

echo "== 1. one process per verification, N=$N"
t0=$(now_ns); for _ in $(seq "$N"); do "$G" -q "${GARGS[@]}" >/dev/null; done; t1=$(now_ns)
for _ in $(seq "$N"); do openssl "${OARGS[@]}" "$EE" >/dev/null; done; t2=$(now_ns)
python3 - "$t0" "$t1" "$t2" "$N" <<'PY'
import sys
t0, t1, t2, n = map(int, sys.argv[1:])
g, o = (t1 - t0) / 1e6 / n, (t2 - t1) / 1e6 / n
print(f"govpki cert verify   {g:8.2f} ms/process")
print(f"openssl verify       {o:8.2f} ms/process")
print(f"ratio govpki/openssl {g / o:8.2f}")
PY

echo "== 2. $MANY chains in one run"
for f in ValidCertificatePathTest1EE GoodCACert TrustAnchorRootCertificate; do cp "$P/certs/$f.crt" "$W/$f.der"; done
gs=$("$B" "$W/ValidCertificatePathTest1EE.der" "$W/GoodCACert.der" "$W/TrustAnchorRootCertificate.der" \
  "$P/crls/GoodCACRL.crl" "$P/crls/TrustAnchorRootCRL.crl" -n "$MANY")
LIST=$(for _ in $(seq "$MANY"); do printf '%s\n' "$EE"; done)
t0=$(now_ns); printf '%s\n' $LIST | xargs -s 2000000 openssl "${OARGS[@]}" >/dev/null; t1=$(now_ns)
python3 - "$gs" "$t0" "$t1" "$MANY" <<'PY'
import sys
g, t0, t1, n = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
o = (t1 - t0) / 1e9
print(f"govpki (library loop) {g:8.3f} s  {n / g:10.0f} chains/s")
print(f"openssl verify        {o:8.3f} s  {n / o:10.0f} chains/s")
print(f"ratio govpki/openssl  {g / o:8.2f} (time)")
PY
