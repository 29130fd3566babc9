#!/usr/bin/env bash
# Issuance through the operator API (issue #11): `govpki serve` on loopback, and C concurrent
# clients that are the CLI itself (`govpki --ca URL cert issue --csr`), one process per
# certificate, so each request pays what an operator's command pays: process start, the
# operator key read, the request signed, two TLS handshakes (the CA certificate, then the POST).
#
#   bench/api.sh [--quick]        10,000 issuances (500 with --quick) from C=8 clients
#
# Prints certificates/s, p50/p99 latency per command, the server's peak RSS (VmHWM) and RSS at
# the end, and checks that every certificate a client reported as issued is in the store
# exactly once (`cert list --json`) and that `audit verify` passes.
set -euo pipefail
cd "$(dirname "$0")/.."
N=10000; C=${C:-8}
[ "${1:-}" = "--quick" ] && N=500

cargo build --release --locked -q --bin govpki
G="$PWD/target/release/govpki"
POLICIES="$PWD/policies"
W=$(mktemp -d /tmp/govpki-bench-api.XXXXXX)
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
cd "$W"
unset GOVPKI_CA GOVPKI_CA_TRUST
export GOVPKI_HOME="$W/home" NO_COLOR=1 GOVPKI_NO_CACHE=1
ORG='O=连云港市人民政府,C=CN'

echo "== setup"
"$G" -q ca init --subject "CN=Bench Root,$ORG" --no-passphrase >/dev/null
"$G" -q cert issue --profile person --subject "CN=王五,TITLE=安全管理员,OU=信息中心,$ORG" \
  --key-out officer.key --no-key-passphrase --out officer.pem >/dev/null
"$G" -q cert issue --profile server --subject "CN=ca.bench,$ORG" --san ip:127.0.0.1 \
  --key-out tls.key --no-key-passphrase --out tls.pem >/dev/null
# The shipped roles and bindings without the office-hours restrictions (the real clock runs).
mkdir policy && cp "$POLICIES/roles.yaml" "$POLICIES/bindings.yaml" policy/
"$G" -q ca policy policy >/dev/null
"$G" -q csr create --subject "CN=钱八,OU=财政局,$ORG" --key-out load.key --no-passphrase \
  --out load.csr >/dev/null
"$G" --as officer.pem --as-key officer.key --domain intranet serve \
  --listen 127.0.0.1:0=intranet --tls-cert tls.pem --tls-key tls.key >serve.out 2>serve.err &
SERVER=$!
for _ in $(seq 100); do grep -q '^listening https' serve.out 2>/dev/null && break; sleep 0.1; done
URL=$(awk '/^listening https/ {print $2; exit}' serve.out)
[ -n "$URL" ] || { cat serve.err; exit 2; }
echo "server $URL (pid $SERVER); $N issuances from $C concurrent CLI clients"

mkdir out
cat > one.sh <<ONE
#!/usr/bin/env bash
t0=\$(date +%s%N)
if "$G" --ca "$URL" --ca-trust "$W/home/ca.pem" --as "$W/officer.pem" --as-key "$W/officer.key" \
    --json cert issue --profile person --csr "$W/load.csr" >"$W/out/\$1.json" 2>"$W/out/\$1.err"; then
  t1=\$(date +%s%N); echo \$(( (t1 - t0) / 1000 )) >"$W/out/\$1.us"
fi
ONE
chmod +x one.sh
peak=0
( while kill -0 "$SERVER" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$SERVER/status" 2>/dev/null >>rss.samples; sleep 0.5
  done ) &
SAMPLER=$!
start=$(date +%s%N)
seq "$N" | xargs -P "$C" -n 1 ./one.sh
end=$(date +%s%N)
kill "$SAMPLER" 2>/dev/null || true
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=

echo "== results"
cat out/*.us 2>/dev/null | sort -n >lat.txt || true
find out -name '*.json' -size +0 -print0 | xargs -0 -r jq -r '.serial // empty' | sort >answered.txt
"$G" --json cert list | jq -r '.[].serial' | sort >stored.txt
python3 - "$N" "$start" "$end" "$hwm" "$rss" <<'PY'
import sys
n, start, end, hwm, rss = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
lat = [int(x) for x in open("lat.txt").read().split()]
answered = [s.strip().lower() for s in open("answered.txt") if s.strip()]
stored = [s.strip().lower() for s in open("stored.txt") if s.strip()]
samples = [int(x) for x in open("rss.samples").read().split()] or [0]
secs = (end - start) / 1e9
ok = len(answered)
counts = {}
for s in stored:
    counts[s] = counts.get(s, 0) + 1
bad = [s for s in answered if counts.get(s, 0) != 1]
def pct(p):
    return lat[min(len(lat) - 1, int(len(lat) * p))] / 1000 if lat else float("nan")
print(f"issued (answered)   {ok} of {n} in {secs:.1f} s: {ok / secs:.1f} certificates/s")
open("rate.txt", "w").write(f"{ok / secs:.3f}\n")
print(f"latency per command p50 {pct(0.50):.1f} ms, p99 {pct(0.99):.1f} ms")
print(f"server RSS          peak {hwm / 1024:.1f} MiB (sampled max {max(samples) / 1024:.1f}, first {samples[0] / 1024:.1f}), at the end {rss / 1024:.1f} MiB")
print(f"store               every answered certificate exactly once: {'yes' if not bad else 'NO: ' + ', '.join(bad[:5])}")
sys.exit(1 if bad or ok != n else 0)
PY
"$G" -q audit verify >/dev/null && echo "audit verify        ok"

# The peer, in the same run: `openssl ca`, the tool an officer would otherwise script, issuing
# from the same CSR on the same machine. It has no service and no policy: each certificate is one
# local process, one at a time (its index.txt is rewritten by every run, so concurrent runs would
# corrupt it). P runs, timed as a whole; the ratio is the API's certificates/s (governed, over
# TLS, each committed with its audit record) to openssl's.
P=300; [ "$N" -le 500 ] && P=100
echo "== peer: openssl ca, one local process per certificate, $P in sequence"
mkdir -p o/newcerts && touch o/index.txt && echo 1000 > o/serial
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout o/ca.key \
  -subj "/C=CN/O=openssl bench/CN=Bench Root" -days 3650 -out o/ca.pem 2>/dev/null
cat > o/ca.cnf <<CNF
[ ca ]
default_ca = bench
[ bench ]
dir = $W/o
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
serial = \$dir/serial
default_md = sha256
default_days = 730
policy = anything
unique_subject = no
copy_extensions = none
x509_extensions = ext
[ anything ]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
countryName = optional
[ ext ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth,emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
t0=$(date +%s%N)
for _ in $(seq "$P"); do
  openssl ca -batch -notext -config o/ca.cnf -in load.csr -out /dev/null 2>/dev/null
done
t1=$(date +%s%N)
python3 - "$P" "$t0" "$t1" <<'PY'
import sys
p, t0, t1 = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
peer = p / ((t1 - t0) / 1e9)
ours = float(open("rate.txt").read())
print(f"openssl ca          {peer:.1f} certificates/s (local, unaudited, one at a time)")
print(f"ratio               govpki API / openssl ca: {ours / peer:.2f}x")
PY
