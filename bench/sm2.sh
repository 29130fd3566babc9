#!/usr/bin/env bash
# SM2 speed (issue #10): govpki and openssl side by side in one run, ratios printed.
#
#   bench/sm2.sh [--quick]
#
# Both sides sign SM2-with-SM3 with the GM/T 0009 user ID 1234567812345678 (openssl:
# `-sigopt distid:...`/`-pkeyopt distid:...`; its default is the empty ID).
# 1. issuance under an SM2 CA:
#    a. one process per certificate (N=500; 100 with --quick), the same SM2 CSR:
#       `govpki cert issue --profile department --csr` against `openssl ca -md sm3 -sigopt
#       distid:... -vfyopt distid:...` (both check the CSR's signature, both commit to their
#       database);
#    b. `govpki cert issue --batch --algorithm sm2` of B generated-key certificates (B=20,000;
#       2,000 with --quick) in one run, against the one-process-each `openssl ca` rate of 1a
#       (which is given its key: no key generation on that side).
# 2. SES seal-signatures (GB/T 38540) of D documents of 100 KB (D=10,000; 500 with --quick), an
#    SM2 seal authority (the CA home) and an SM2 holder:
#    a. `govpki seal sign --format ses` of all D in one run, against `openssl pkeyutl -sign
#       -rawin -digest sm3 -pkeyopt distid:...` one process per document, the same holder key
#       (a sample of S=300 documents, 100 with --quick, timed and extrapolated: the output says so);
#    b. `govpki seal verify` of the same D in one run (the full report: chains, seal, holder),
#       against `openssl pkeyutl -verify -certin` one process per document (the same sample).
#    For govpki also the CPU time (user + sys) per document, and what it implies for two idle
#    cores: on a shared machine the wall-clock rate is what the other tenants leave. The signing
#    run is repeated with --out-dir on tmpfs (/dev/shm): the share of the file system creating
#    D files (ext4 allocates inodes slowly after many deletions, see bench/ca.sh).
# 3. per core (one thread): the `sm2` crate through govpki's code paths
#    (examples/sm2-speed.rs: sign, verify, verify from the holder certificate, SM3 of 100 KB
#    buffers) against `openssl speed sm2` and `openssl speed -evp sm3 -bytes 102400`, T=3
#    seconds each (1 with --quick); both sides three times, alternating, the best of each kept
#    (on a shared machine a figure is what the other tenants leave).
#
# Target (issue #10): >= 5,000 documents/s for SES sign and verify on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1
N=500; B=20000; D=10000; S=300; T=3
if [ $QUICK = 1 ]; then N=100; B=2000; D=500; S=100; T=1; fi

# Tools first, with a clear message, before anything slow.
for tool in openssl python3 cargo xargs /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/sm2.sh needs \`$tool\` on PATH" >&2; exit 2; }
done
if ! openssl genpkey -algorithm SM2 -out /dev/null 2>/dev/null; then
  echo "bench/sm2.sh needs an openssl with SM2 (OpenSSL 3; found: $(openssl version))" >&2
  exit 2
fi

cargo build --release --locked -q --bin govpki --example sm2-speed
G="$PWD/target/release/govpki"
X="$PWD/target/release/examples/sm2-speed"
W=$(mktemp -d /tmp/govpki-sm2-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
now_ns() { date +%s%N; }
py() { python3 -c "$1"; }
ID=distid:1234567812345678

echo "== setup ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(openssl version | cut -d' ' -f1-2))"
export GOVPKI_HOME="$W/g"
"$G" -q ca init --algorithm sm2 --subject "CN=SM2 Bench Root,O=govpki bench,C=CN" --no-passphrase >/dev/null
"$G" ca show > root.pem
openssl genpkey -algorithm SM2 -out leaf.key
openssl req -new -key leaf.key -sm3 -sigopt "$ID" -subj "/C=CN/O=govpki bench/OU=IT/CN=leaf" -out leaf.csr
mkdir -p o/newcerts && touch o/index.txt && echo 1000 > o/serial
openssl genpkey -algorithm SM2 -out o/ca.key
openssl req -x509 -new -key o/ca.key -sm3 -sigopt "$ID" -subj "/C=CN/O=openssl bench/CN=SM2 Bench Root" \
  -days 3650 -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
  -out o/ca.pem
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
default_md = sm3
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
OCA=(ca -batch -notext -config o/ca.cnf -md sm3 -sigopt "$ID" -vfyopt "$ID" -in leaf.csr)
# Both sides' certificates are SM2-with-SM3 with the user ID: openssl verifies each.
"$G" -q cert issue --profile department --csr leaf.csr --out g-leaf.pem
openssl "${OCA[@]}" -out o-leaf.pem 2>/dev/null
openssl verify -CAfile root.pem -vfyopt "$ID" g-leaf.pem >/dev/null
openssl verify -CAfile o/ca.pem -vfyopt "$ID" o-leaf.pem >/dev/null

echo "== 1a. one process per certificate, $N each, SM2 CA keys unencrypted"
t0=$(now_ns)
for _ in $(seq "$N"); do "$G" -q cert issue --profile department --csr leaf.csr >/dev/null; done
t1=$(now_ns)
for _ in $(seq "$N"); do openssl "${OCA[@]}" -out /dev/null 2>/dev/null; done
t2=$(now_ns)
g_ms=$(py "print(f'{($t1-$t0)/1e6/$N:.2f}')")
o_ms=$(py "print(f'{($t2-$t1)/1e6/$N:.2f}')")
echo "govpki cert issue: $g_ms ms/process = $(py "print(f'{1000/$g_ms:.0f}')") certificates/s   openssl ca: $o_ms ms/process = $(py "print(f'{1000/$o_ms:.0f}')")/s   ratio govpki/openssl speed: $(py "print(f'{$o_ms/$g_ms:.2f}x')")"

echo "== 1b. cert issue --batch --algorithm sm2 of $B generated-key certificates (durable chunk commits)"
python3 - "$B" > batch.yaml <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print(f'- subject: "CN=u{i},OU=信息中心,O=连云港市人民政府,C=CN"\n  profile: person')
PY
t0=$(now_ns)
"$G" -q cert issue --batch batch.yaml --algorithm sm2 --out-dir issued --no-key-passphrase
t1=$(now_ns)
one=$(find issued -name '*.pem' -print -quit)
openssl verify -CAfile root.pem -vfyopt "$ID" "$one" >/dev/null
rate=$(py "print(f'{$B/(($t1-$t0)/1e9):.0f}')")
o_rate=$(py "print(f'{1000/$o_ms:.0f}')")
echo "govpki batch: $rate certificates/s (key generated, signed, committed, written)   openssl ca one process each: $o_rate/s   ratio: $(py "print(f'{$rate/$o_rate:.0f}x')")"
rm -rf issued batch.yaml

echo "== 2. SES seal-signatures: $D documents of 100 KB, SM2 seal authority and holder"
"$G" -q cert issue --algorithm sm2 --profile seal --subject "CN=Holder,OU=办公室,O=govpki bench,C=CN" \
  --key-out holder.key --no-key-passphrase --out holder.pem
"$G" -q seal create --name 基准测试办公室 --type official --department 办公室 \
  --holder-cert holder.pem --out office.esl
mkdir docs
python3 - "$D" <<'PY'
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

# "wall user sys" of a command (GNU time: the children xargs waited for are counted).
timed() { local rc=0; /usr/bin/time -f "%e %U %S" -o t.out "$@" || rc=$?; read -r wall user sys < <(tail -1 t.out); return $rc; }
cpu() { py "c=($user+$sys)*1e3/$D; print(f'CPU {c:.2f} ms/doc (user {$user:.2f} s, sys {$sys:.2f} s): {2000/c:.0f} documents/s on two idle cores')"; }

echo "-- 2a. sign"
timed xargs -s 2000000 -a docs.list "$G" -q seal sign --format ses --seal office.esl --key holder.key --cert holder.pem
g_rate=$(py "print(f'{$D/$wall:.0f}')")
g_cpu=$(cpu)
xargs -a docs.list -n 1000 sh -c 'for f; do test -s "$f.ses" || exit 1; done' sh || { echo "missing SES signatures"; exit 1; }
mkdir o-sig
head -n "$S" docs.list > sample.list
t0=$(now_ns)
while read -r f; do
  openssl pkeyutl -sign -inkey holder.key -rawin -digest sm3 -pkeyopt "$ID" -in "$f" -out "o-sig/$(basename "$f").sig"
done < sample.list
t1=$(now_ns)
o_ms=$(py "print(f'{($t1-$t0)/1e6/$S:.2f}')")
o_rate=$(py "print(f'{1000/$o_ms:.0f}')")
echo "govpki seal sign --format ses: $g_rate documents/s ($D in one run)   openssl pkeyutl -sign: $o_ms ms/doc = $o_rate/s (one process each; $S sampled, extrapolated)   ratio: $(py "print(f'{$g_rate/$o_rate:.0f}x')")"
echo "  govpki $g_cpu"
if [ -d /dev/shm ]; then
  out=$(mktemp -d /dev/shm/govpki-sm2-bench.XXXXXX)
  timed xargs -s 2000000 -a docs.list "$G" -q seal sign --format ses --seal office.esl --key holder.key \
    --cert holder.pem --out-dir "$out"
  rm -rf "$out"
  echo "  govpki, signatures written to tmpfs: $(py "print(f'{$D/$wall:.0f}')") documents/s, $(cpu)"
fi

echo "-- 2b. verify"
set +e
timed xargs -s 2000000 -a docs.list "$G" -q seal verify > verify.out
rc=$?
set -e
[ $rc = 0 ] || { echo "seal verify exited $rc"; grep -m3 -i verdict verify.out; exit 1; }
g_vrate=$(py "print(f'{$D/$wall:.0f}')")
g_vcpu=$(cpu)
t0=$(now_ns)
while read -r f; do
  openssl pkeyutl -verify -certin -inkey holder.pem -rawin -digest sm3 -pkeyopt "$ID" -in "$f" \
    -sigfile "o-sig/$(basename "$f").sig" >/dev/null
done < sample.list
t1=$(now_ns)
ov_ms=$(py "print(f'{($t1-$t0)/1e6/$S:.2f}')")
ov_rate=$(py "print(f'{1000/$ov_ms:.0f}')")
echo "govpki seal verify: $g_vrate documents/s ($D in one run, full report)   openssl pkeyutl -verify: $ov_ms ms/doc = $ov_rate/s ($S sampled, extrapolated)   ratio: $(py "print(f'{$g_vrate/$ov_rate:.0f}x')")"
echo "  govpki $g_vcpu"
rm -rf docs o-sig

echo "== 3. per core, one thread, ${T} s each: the sm2 crate (govpki's code paths) against openssl speed"
for r in 1 2 3; do
  "$X" --seconds "$T" --cert holder.pem --key holder.key > "rust$r.txt"
  openssl speed -seconds "$T" sm2 2>/dev/null > "ossl-sm2-$r.txt"
  openssl speed -seconds "$T" -bytes 102400 -evp sm3 2>/dev/null > "ossl-sm3-$r.txt"
done
python3 - <<'PY'
rust, o_sign, o_verify, o_sm3 = {}, 0.0, 0.0, 0.0
for r in (1, 2, 3):
    for l in open(f"rust{r}.txt"):
        if l.strip():
            name, value = l.split()[0], float(l.split()[1])
            rust[name] = max(rust.get(name, 0.0), value)
    # " 256 bits SM2 (CurveSM2)   0.0003s   0.0003s   2996.2   3463.0"
    line = next(l for l in open(f"ossl-sm2-{r}.txt") if "SM2 (" in l)
    s, v = map(float, line.split()[-2:])
    o_sign, o_verify = max(o_sign, s), max(o_verify, v)
    # "sm3   377173.33k": 102,400-byte buffers, in 1000s of bytes/s.
    line = next(l for l in open(f"ossl-sm3-{r}.txt") if l.startswith("sm3"))
    o_sm3 = max(o_sm3, float(line.split()[-1].rstrip("k")) / 1000.0)
rows = [
    ("SM2 sign (ops/s)", rust["sm2-sign"], o_sign),
    ("SM2 verify (ops/s)", rust["sm2-verify"], o_verify),
    ("SM2 verify from the certificate (ops/s)", rust["sm2-verify-with-cert"], o_verify),
    ("SM3 of 100 KB buffers (MB/s)", rust["sm3-100k"], o_sm3),
]
print(f"{'':48} {'govpki':>10} {'openssl':>10} {'govpki/openssl':>15}")
for name, g, o in rows:
    print(f"{name:48} {g:10.0f} {o:10.0f} {g / o:14.2f}x")
PY
