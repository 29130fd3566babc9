#!/usr/bin/env bash
# Seal benchmarks: govpki and openssl side by side in one run, ratios printed (issue #3).
#
#   bench/seal.sh [--quick]
#
# 1. `seal sign` of N documents of 100 KB in one run (N=10,000; 2,000 with --quick), against
#    `openssl cms -sign` one process per document (a sample of S=200, 50 with --quick, timed and
#    extrapolated per document). Same P-256 holder key and certificate, unencrypted, for both.
# 2. `seal verify` of the same N documents in one run, against `openssl cms -verify` one process
#    per document (the same sample size).
# 3. `seal sign` of one big document (2 GB; 512 MB with --quick): wall time and peak RSS
#    (/usr/bin/time -f %M), against `openssl dgst -sha256` of the same file, both from the page
#    cache (the file is read once before), best of three runs each.
#
# Targets (issue #3): >= 5,000 documents/s for sign and verify on 2 cores, >= 90% of openssl's
# SHA-256 throughput, peak RSS < 50 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1
N=10000; S=200; BIG_MB=2048
if [ $QUICK = 1 ]; then N=2000; S=50; BIG_MB=512; fi

cargo build --release --locked -q
G="$PWD/target/release/govpki"
W=$(mktemp -d /tmp/govpki-seal-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
now_ns() { date +%s%N; }
py() { python3 -c "$1"; }

echo "== setup ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
export GOVPKI_HOME="$W/home"
"$G" -q ca init --subject "CN=Bench Root,O=govpki bench,C=CN" --no-passphrase >/dev/null
"$G" ca show > root.pem
"$G" -q cert issue --profile seal --subject "CN=Holder,OU=办公室,O=govpki bench,C=CN" \
  --key-out holder.key --no-key-passphrase --out holder.pem
"$G" -q seal create --name 基准测试办公室 --type official --department 办公室 \
  --holder-cert holder.pem --out office.esl
mkdir docs
python3 - "$N" <<'PY'
import os, sys
n = int(sys.argv[1])
block = os.urandom(100 * 1024)
for i in range(n):
    # Distinct documents: the index in the first bytes.
    with open(f"docs/d{i:05d}.bin", "wb") as f:
        f.write(i.to_bytes(4, "big") + block[4:])
PY
ls docs/*.bin > docs.list
# Flush the new documents now: `seal sign` ends with one syncfs, which should not pay for them.
sync
echo "$N documents of 100 KB"

echo "== 1. seal $N documents"
t0=$(now_ns)
xargs -s 2000000 -a docs.list "$G" -q seal sign --seal office.esl --key holder.key --cert holder.pem
t1=$(now_ns)
g_rate=$(py "print(f'{$N/(($t1-$t0)/1e9):.0f}')")
mkdir o
t0=$(now_ns)
for f in $(head -n "$S" docs.list); do
  openssl cms -sign -binary -outform DER -in "$f" -signer holder.pem -inkey holder.key \
    -certfile root.pem -out "o/$(basename "$f").p7s"
done
t1=$(now_ns)
o_ms=$(py "print(f'{($t1-$t0)/1e6/$S:.2f}')")
o_rate=$(py "print(f'{1000/$o_ms:.0f}')")
echo "govpki seal sign: $g_rate documents/s (one run)   openssl cms -sign: $o_ms ms/doc = $o_rate/s (one process each, $S sampled)   ratio: $(py "print(f'{$g_rate/$o_rate:.0f}x')")"
xargs -a docs.list -n 1000 sh -c 'test -s "$0.p7s"' || { echo "missing signatures"; exit 1; }

echo "== 2. verify the same $N documents"
t0=$(now_ns)
set +e
xargs -s 2000000 -a docs.list "$G" -q seal verify > verify.out
rc=$?
set -e
t1=$(now_ns)
[ $rc = 0 ] || { echo "seal verify exited $rc"; grep -m3 -i verdict verify.out; exit 1; }
g_vrate=$(py "print(f'{$N/(($t1-$t0)/1e9):.0f}')")
t0=$(now_ns)
for f in $(head -n "$S" docs.list); do
  openssl cms -verify -binary -inform DER -in "$f.p7s" -content "$f" -CAfile root.pem \
    -purpose any -out /dev/null 2>/dev/null
done
t1=$(now_ns)
ov_ms=$(py "print(f'{($t1-$t0)/1e6/$S:.2f}')")
ov_rate=$(py "print(f'{1000/$ov_ms:.0f}')")
echo "govpki seal verify: $g_vrate documents/s (one run)   openssl cms -verify: $ov_ms ms/doc = $ov_rate/s ($S sampled)   ratio: $(py "print(f'{$g_vrate/$ov_rate:.0f}x')")"
rm -rf docs o

echo "== 3. one document of $BIG_MB MB"
head -c "$((BIG_MB * 1024 * 1024))" /dev/urandom > big.bin
sync
cat big.bin > /dev/null
best() { sort -n | head -1; }
for i in 1 2 3; do
  rm -f big.bin.p7s
  /usr/bin/time -f "%e %M" -o "g$i.time" "$G" -q seal sign --seal office.esl --key holder.key --cert holder.pem big.bin
  /usr/bin/time -f "%e %M" -o "o$i.time" openssl dgst -sha256 big.bin > /dev/null
done
g_s=$(cat g?.time | cut -d' ' -f1 | best)
g_kb=$(cat g?.time | cut -d' ' -f2 | sort -n | tail -1)
o_s=$(cat o?.time | cut -d' ' -f1 | best)
o_kb=$(cat o?.time | cut -d' ' -f2 | sort -n | tail -1)
echo "govpki seal sign: ${g_s} s = $(py "print(f'{$BIG_MB/max($g_s,0.01):.0f}')") MB/s, peak RSS $((g_kb / 1024)) MB   openssl dgst -sha256: ${o_s} s = $(py "print(f'{$BIG_MB/max($o_s,0.01):.0f}')") MB/s, peak RSS $((o_kb / 1024)) MB   govpki/openssl throughput: $(py "print(f'{100*$o_s/max($g_s,0.01):.0f}%')")"
"$G" -q seal verify big.bin > /dev/null && echo "the big document's seal verifies"
