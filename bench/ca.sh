#!/usr/bin/env bash
# CA benchmarks: govpki and openssl side by side in one run, ratios printed.
#
#   bench/ca.sh [--quick]
#
# 1. one process per certificate (N=1000; 200 with --quick), both CAs with an unencrypted key,
#    issuing from the same CSR; then what unlocking an encrypted CA key adds per process;
# 2. `cert issue --batch` of 100,000 generated-key certificates (20,000 with --quick), with
#    durable commits, against openssl's one-process-each rate;
# 3. `crl generate` with 1,000,000 revoked entries (200,000 with --quick): wall time and peak
#    RSS, against `openssl ca -gencrl` on the same count.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1
N=1000; BATCH=100000; REVOKED=1000000
if [ $QUICK = 1 ]; then N=200; BATCH=20000; REVOKED=200000; fi

cargo build --release --locked -q
G="$PWD/target/release/govpki"
W=$(mktemp -d /tmp/govpki-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
now_ns() { date +%s%N; }
ms() { python3 -c "print(f'{($2-$1)/1e6/$3:.2f}')" "$@"; }

echo "== setup"
export GOVPKI_HOME="$W/g"
"$G" -q ca init --subject "CN=Bench Root,O=govpki bench,C=CN" --no-passphrase >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key \
  -subj "/C=CN/O=govpki bench/OU=IT/CN=leaf" -out leaf.csr 2>/dev/null
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
default_crl_days = 7
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

echo "== 1. one process per certificate, $N each, unencrypted CA keys"
if command -v hyperfine >/dev/null; then
  # hyperfine -N runs each process directly (no shell in between) and reports the mean.
  hyperfine -N --runs "$N" --export-json h1.json \
    "$G -q cert issue --profile department --csr leaf.csr" \
    "openssl ca -batch -notext -config o/ca.cnf -in leaf.csr -out /dev/null" >/dev/null 2>&1
  read -r g_ms o_ms < <(python3 -c "import json; r=json.load(open('h1.json'))['results']; print(f\"{r[0]['mean']*1e3:.2f} {r[1]['mean']*1e3:.2f}\")")
else
  t0=$(now_ns)
  for i in $(seq "$N"); do "$G" -q cert issue --profile department --csr leaf.csr >/dev/null; done
  t1=$(now_ns)
  for i in $(seq "$N"); do openssl ca -batch -notext -config o/ca.cnf -in leaf.csr -out /dev/null 2>/dev/null; done
  t2=$(now_ns)
  g_ms=$(ms "$t0" "$t1" "$N"); o_ms=$(ms "$t1" "$t2" "$N")
fi
echo "govpki cert issue: $g_ms ms/process   openssl ca: $o_ms ms/process   ratio openssl/govpki: $(python3 -c "print(f'{$o_ms/$g_ms:.1f}x')")"

echo "== 1b. what unlocking an encrypted CA key adds per process (scrypt N=2^14 r=8 p=4)"
export GOVPKI_HOME="$W/enc"
echo "bench passphrase" > pass
"$G" -q ca init --subject "CN=Bench Enc Root,C=CN" --passphrase-file pass >/dev/null
M=20
t0=$(now_ns)
for i in $(seq "$M"); do "$G" -q cert issue --profile department --csr leaf.csr --passphrase-file pass >/dev/null; done
t1=$(now_ns)
e_ms=$(ms "$t0" "$t1" "$M")
echo "encrypted CA key: $e_ms ms/process, key derivation adds $(python3 -c "print(f'{$e_ms-$g_ms:.0f}')") ms"
export GOVPKI_HOME="$W/g"

echo "== 2. cert issue --batch of $BATCH generated-key certificates (durable chunk commits)"
python3 - "$BATCH" > batch.yaml <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print(f'- subject: "CN=u{i},OU=信息中心,O=连云港市人民政府,C=CN"\n  profile: person')
PY
t0=$(now_ns)
"$G" -q cert issue --batch batch.yaml --out-dir issued --no-key-passphrase
t1=$(now_ns)
rate=$(python3 -c "print(f'{$BATCH/(($t1-$t0)/1e9):.0f}')")
echo "govpki batch: $rate certificates/s   openssl ca one process each: $(python3 -c "print(f'{1000/$o_ms:.0f}')")/s   ratio: $(python3 -c "print(f'{$rate/(1000/$o_ms):.0f}x')")"
rm -rf issued
# The same batch with the output files on tmpfs (the store and its commits stay on disk): shows
# how much of the time is the file system creating 2 files per certificate.
if [ -d /dev/shm ]; then
  out=$(mktemp -d /dev/shm/govpki-bench.XXXXXX)
  t0=$(now_ns)
  "$G" -q cert issue --batch batch.yaml --out-dir "$out/issued" --no-key-passphrase 2>/dev/null
  t1=$(now_ns)
  rm -rf "$out"
  echo "govpki batch, out-dir on tmpfs: $(python3 -c "print(f'{$BATCH/(($t1-$t0)/1e9):.0f}')") certificates/s"
fi
# And on a freshly made ext4 (a loop file; root only): a file system that has just deleted
# many files allocates inodes slowly (ext4's recently_deleted scan), which makes the figure on
# a busy disk depend on its history. Store and output both on the fresh file system.
if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null && command -v mount >/dev/null; then
  img="$W/ext4.img"; mnt="$W/mnt"
  truncate -s 6G "$img" && mkfs.ext4 -q -F -N 1000000 "$img" && mkdir -p "$mnt" &&
  if mount -o loop "$img" "$mnt" 2>/dev/null; then
    export GOVPKI_HOME="$mnt/g"
    "$G" -q ca init --subject "CN=Bench Root,O=govpki bench,C=CN" --no-passphrase >/dev/null 2>&1
    t0=$(now_ns)
    "$G" -q cert issue --batch batch.yaml --out-dir "$mnt/issued" --no-key-passphrase 2>/dev/null
    t1=$(now_ns)
    umount "$mnt"
    echo "govpki batch, fresh ext4 (loop): $(python3 -c "print(f'{$BATCH/(($t1-$t0)/1e9):.0f}')") certificates/s"
  fi
  rm -f "$img"
  export GOVPKI_HOME="$W/g"
fi

echo "== 3. crl generate with $REVOKED revoked entries"
export GOVPKI_HOME="$W/crl"
"$G" -q ca init --subject "CN=Bench CRL Root,C=CN" --no-passphrase >/dev/null
# Synthetic revocations written straight into the store (issuing a million certificates first
# would measure issuance, not CRL generation).
python3 - "$GOVPKI_HOME/govpki.db" "$REVOKED" <<'PY'
import sqlite3, sys, os
db = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2])
db.execute("BEGIN")
certs, revs = [], []
for i in range(n):
    s = "%032X" % (0x40000000000000000000000000000000 + i * 7919 + 1)
    certs.append((s, "CN=x", None, "person", 1790000000, 1890000000, 1790000000, "revoked", b"\x30\x00"))
    revs.append((s, 1795000000, 1 if i % 3 == 0 else 4, None))
db.executemany("INSERT INTO certs VALUES (?,?,?,?,?,?,?,?,?)", certs)
db.executemany("INSERT INTO revocations VALUES (?,?,?,?)", revs)
db.commit()
PY
/usr/bin/time -f "%e %M" -o crl.time "$G" -q crl generate --der --out big.crl
read -r g_s g_kb < crl.time
echo "govpki crl generate: ${g_s} s, peak RSS $((g_kb/1024)) MB, $(stat -c %s big.crl) bytes"
openssl crl -inform DER -in big.crl -noout -CAfile <("$G" ca show) -verify 2>&1 | tail -1
if [ "${SKIP_OPENSSL_CRL:-0}" = 0 ]; then
  python3 - "$REVOKED" > o/index.txt <<'PY'
import sys
for i in range(int(sys.argv[1])):
    print("R\t301231000000Z\t261201000000Z,keyCompromise\t%032X\tunknown\t/CN=x%d" % (0x40000000000000000000000000000000 + i * 7919 + 1, i))
PY
  /usr/bin/time -f "%e %M" -o ocrl.time openssl ca -gencrl -config o/ca.cnf -out o.crl 2>/dev/null
  read -r o_s o_kb < ocrl.time
  echo "openssl ca -gencrl: ${o_s} s, peak RSS $((o_kb/1024)) MB   ratio openssl/govpki time: $(python3 -c "print(f'{$o_s/max($g_s,0.01):.0f}x')"), memory: $(python3 -c "print(f'{$o_kb/$g_kb:.1f}x')")"
fi
