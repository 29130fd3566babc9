#!/usr/bin/env bash
# OCSP load (issue #11): `govpki serve` against `openssl ocsp -index ... -port` in one run,
# serving the same certificates, loaded with the same pre-built request; ratio printed, and the
# server's memory before, under and after load.
#
#   bench/ocsp.sh [--quick]
#
# 1. a CA (P-256, unencrypted key) with N certificates (1,000; 200 with --quick), every tenth
#    revoked (keyCompromise); openssl's index.txt built from `govpki --json cert list`;
# 2. one OCSP request (SHA-1 CertID, no nonce: RFC 5019) for a good certificate, and one for a
#    revoked one, from `openssl ocsp -reqout`; both checked once against each responder with
#    `openssl ocsp -respin` before the load;
# 3. `examples/http-load.rs` POSTs the good request over C keep-alive connections (64; 32 with
#    --quick) for S seconds (10; 5 with --quick) to each responder in turn: govpki serve
#    --publish (pre-signed answers), then openssl ocsp -multi 2 (signs each answer; closes the
#    connection after each); every answer must be 200 and start with 0x30;
# 4. govpki serve's VmRSS before, under (sampled mid-run) and after the load, and its VmHWM.
# The load generator runs on the same machine (2 cores here): it takes a share of the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1
N=1000; CONNS=64; SECS=10
if [ $QUICK = 1 ]; then N=200; CONNS=32; SECS=5; fi

cargo build --release --locked -q --bin govpki --example http-load
G="$PWD/target/release/govpki"
LOAD="$PWD/target/release/examples/http-load"
W=$(mktemp -d /tmp/govpki-ocsp-bench.XXXXXX)
PIDS=()
cleanup() {
  # openssl ocsp -multi forks workers: end them by their pids, then the parents.
  for pid in "${PIDS[@]}"; do
    for child in $(pgrep -P "$pid" 2>/dev/null); do kill "$child" 2>/dev/null || true; done
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$W"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Waits for WORD in FILE (the servers' "listening"/"ACCEPT" lines). Not by connecting: a
# connection closed without a request leaves an `openssl ocsp -multi` 3.0 worker spinning.
wait_line() {
  for _ in $(seq 600); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "no \`$2\` in $1" >&2; return 1
}
rss() { awk -v k="$2:" '$1==k {printf "%.1f MiB\n", $2/1024}' "/proc/$1/status"; }

echo "== setup: a CA with $N certificates, every tenth revoked"
export GOVPKI_HOME="$W/g"
"$G" -q ca init --subject "CN=OCSP Bench Root,O=govpki bench,C=CN" --no-passphrase >/dev/null 2>&1
python3 - "$N" > batch.yaml <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print(f'- subject: "CN=u{i},O=govpki bench,C=CN"\n  profile: person')
PY
"$G" -q cert issue --batch batch.yaml --out-dir issued --no-key-passphrase 2>/dev/null
"$G" --json cert list | python3 -c '
import json, sys
rows = json.load(sys.stdin)
for i, r in enumerate(rows):
    if i % 10 == 0:
        print(r["serial"])' > revoke.txt
"$G" -q cert revoke --from-file revoke.txt --reason keyCompromise
# openssl's index.txt: status, expiry, revocation (time,reason), serial, file, subject.
"$G" --json cert list | python3 -c '
import json, sys, datetime
def t(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").strftime("%y%m%d%H%M%SZ")
for r in json.load(sys.stdin):
    subject = "/" + "/".join(reversed(r["subject"].split(",")))
    revoked = r["status"] == "revoked"
    rev = t(r["revoked_at"]) + "," + r["reason"] if revoked else ""
    print("\t".join(["R" if revoked else "V", t(r["not_after"]), rev, r["serial"], "unknown", subject]))
' > index.txt
echo "index.txt: $(wc -l < index.txt) certificates, $(grep -c '^R' index.txt) revoked"
CA="$GOVPKI_HOME/ca.pem"
KEY="$GOVPKI_HOME/private/ca.key"
GOOD=$(awk -F'\t' '$1=="V" {print $4; exit}' index.txt)
BAD=$(awk -F'\t' '$1=="R" {print $4; exit}' index.txt)
openssl ocsp -issuer "$CA" -serial "0x$GOOD" -no_nonce -reqout good.req >/dev/null
openssl ocsp -issuer "$CA" -serial "0x$BAD" -no_nonce -reqout bad.req >/dev/null

GP=$(free_port)
"$G" serve --publish "127.0.0.1:$GP" --ocsp-next-update 1h > serve.out 2> serve.err &
GPID=$!; PIDS+=("$GPID")
wait_line serve.out listening
OP=$(free_port)
openssl ocsp -index index.txt -port "$OP" -rsigner "$CA" -rkey "$KEY" -CA "$CA" -multi 2 \
  -nmin 60 > openssl.log 2>&1 &
OPID=$!; PIDS+=("$OPID")
wait_line openssl.log ACCEPT

echo "== the answers, checked once (openssl ocsp -respin)"
check() { # NAME URL REQ SERIAL EXPECT
  curl -s --max-time 10 -H 'Content-Type: application/ocsp-request' --data-binary "@$3" \
    -o "$1.resp" "$2"
  out=$(openssl ocsp -respin "$1.resp" -issuer "$CA" -serial "0x$4" -CAfile "$CA" 2>&1) || true
  echo "$out" | grep -q "Response verify OK" || { echo "$1: $out" >&2; exit 1; }
  echo "$out" | grep -q ": $5" || { echo "$1: expected $5: $out" >&2; exit 1; }
  echo "$1: $5, verify OK, $(stat -c %s "$1.resp") bytes"
}
check govpki-good "http://127.0.0.1:$GP/ocsp" good.req "$GOOD" good
check govpki-revoked "http://127.0.0.1:$GP/ocsp" bad.req "$BAD" revoked
check openssl-good "http://127.0.0.1:$OP/" good.req "$GOOD" good
check openssl-revoked "http://127.0.0.1:$OP/" bad.req "$BAD" revoked

load() { # PORT PATH
  "$LOAD" --addr "127.0.0.1:$1" --path "$2" --body good.req \
    --content-type application/ocsp-request --connections "$CONNS" --seconds "$SECS" \
    --expect-prefix-hex 30
}
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

echo "== load: $CONNS connections, $SECS s each"
RSS_BEFORE=$(rss "$GPID" VmRSS)
( sleep "$(python3 -c "print($SECS/2)")"; rss "$GPID" VmRSS > rss-under ) &
SAMPLER=$!
G_OUT=$(load "$GP" /ocsp)
wait "$SAMPLER"
RSS_UNDER=$(cat rss-under)
sleep 1
RSS_AFTER=$(rss "$GPID" VmRSS)
HWM=$(rss "$GPID" VmHWM)
O_OUT=$(load "$OP" /)
echo "govpki serve:   $G_OUT"
echo "openssl ocsp:   $O_OUT"
G_RPS=$(field "$G_OUT" rps); O_RPS=$(field "$O_OUT" rps)
echo "govpki $(printf '%.0f' "$G_RPS") responses/s (p99 $(field "$G_OUT" p99_ms) ms, errors $(field "$G_OUT" errors))" \
  " openssl $(printf '%.0f' "$O_RPS") responses/s (p99 $(field "$O_OUT" p99_ms) ms, errors $(field "$O_OUT" errors))" \
  " ratio $(python3 -c "print(f'{$G_RPS/max($O_RPS,1e-9):.1f}x')")"
echo "govpki serve memory: VmRSS before $RSS_BEFORE, under load $RSS_UNDER, after $RSS_AFTER; VmHWM $HWM"
