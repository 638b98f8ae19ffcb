#!/bin/bash
# Verifier benchmarks. PRINTS figures; asserts only that the bundles it
# times really verify (so a broken verifier cannot look fast).
#
#   bench/bench.sh [WORKDIR]
#
# env: BENCH_N (bundles for --batch, default 10000), BENCH_VB_N (bundles for
# verify_bench, default 2000), BENCH_PROC_N (bundles for the one-process-per-
# bundle comparison with the seed's tools, default 100), BENCH_CHIPS (fake
# chips, default 3), BENCH_BUILD (Release build dir, default build-bench).
#
# 1. builds a Release tree (collector and tests off);
# 2. makes BENCH_CHIPS fake AMD PKIs (testdata/fake-cvm gen-pki; the RSA-4096
#    ARK/ASK keys are cached in WORKDIR/keys, so the chips share one ARK key
#    and one --trust-anchor covers them all) and BENCH_N distinct bundles with
#    bench/cvm-bench-gen (two generators in parallel);
# 3. checks a sample verifies; runs cvm-verify-bench (in-process cost per
#    bundle vs the OpenSSL floor); cvm-verify --batch --jobs 1 and --jobs 2
#    over all bundles; then, on BENCH_PROC_N bundles, one cvm-verify process
#    per bundle against the seed's tool chain on the same (extracted) files:
#    tpm2_checkquote, openssl verify of the chain, openssl dgst for the
#    report signature, as Microsoft's how-to does them.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$(mktemp -d /tmp/cvm-bench.XXXXXX)}
N=${BENCH_N:-10000}
VBN=${BENCH_VB_N:-2000}
PN=${BENCH_PROC_N:-100}
CHIPS=${BENCH_CHIPS:-3}
BLD=${BENCH_BUILD:-$SRC/build-bench}
mkdir -p "$W"
W=$(cd "$W" && pwd)
now() { date +%s.%N; }
say() { echo "== $*" >&2; }

say "Release build in $BLD"
cmake -S "$SRC" -B "$BLD" -DCMAKE_BUILD_TYPE=Release -DCVM_BUILD_TESTS=OFF -DCVM_BUILD_COLLECT=OFF >/dev/null
cmake --build "$BLD" -j2 --target cvm-verify cvm-verify-bench cvm-bench-gen >/dev/null
VERIFY=$BLD/verify/cvm-verify
GEN=$BLD/bench/cvm-bench-gen

export FAKE_CVM_KEY_CACHE=$W/keys
PKIS=()
for c in $(seq 1 "$CHIPS"); do
    [ -f "$W/pki$c/pki.json" ] ||
        timeout 300 "$SRC/testdata/fake-cvm/fake-cvm" gen-pki "$W/pki$c" --product milan --seed "bench$c" >/dev/null
    PKIS+=("$W/pki$c")
done
ANCHOR=$W/pki1/ark.pem
B=$W/bundles
have=$( (find "$B" -name '*.tar' 2>/dev/null || true) | wc -l)
if [ "$have" -ne "$N" ]; then
    say "generating $N bundles ($CHIPS chips)"
    rm -rf "$B" && mkdir -p "$B"
    t0=$(now)
    half=$((N / 2))
    "$GEN" -o "$B" -n "$half" --start 0 "${PKIS[@]}" &
    g1=$!
    "$GEN" -o "$B" -n $((N - half)) --start "$half" "${PKIS[@]}"
    wait $g1
    say "generated in $(echo "$(now) - $t0" | bc) s"
fi
find "$B" -name '*.tar' | LC_ALL=C sort >"$W/list.txt"

say "sample verifies"
for f in $(head -1 "$W/list.txt") $(tail -1 "$W/list.txt"); do
    "$VERIFY" --quiet --trust-anchor "$ANCHOR" "$f" >/dev/null || { echo "bench: $f does not verify" >&2; exit 1; }
done

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
say "cvm-verify-bench over $VBN bundles"
head -n "$VBN" "$W/list.txt" >"$W/vb-list.txt"
VB=$("$BLD/bench/cvm-verify-bench" --trust-anchor "$ANCHOR" --list "$W/vb-list.txt")
echo "$VB"
fig() { echo "$VB" | sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p"; }
PER=$(fig per_bundle_ms)
[ "$(echo "$PER" | wc -l)" -eq 1 ] || { echo "bench: cvm-verify-bench output not understood" >&2; exit 1; }
JS=$(fig json_ms)
FB=$(fig floor_batch_ms)
FN=$(fig floor_nocache_ms)

# wall and CPU (user+sys of the process and its children) of a command:
# CPU time is what stays comparable when other jobs share the machine
timed() {
    local out=$1 err=$2
    shift 2
    local TIMEFORMAT='%R %U %S'
    { time "$@" 2>"$err"; } 2>"$out"
}
cpu_of() { awk '{print $2 + $3}' "$1"; }
wall_of() { awk '{print $1}' "$1"; }
batch() {
    local j=$1
    timed "$W/time-batch$j" "$W/batch$j.err" "$VERIFY" --batch --jobs "$j" --trust-anchor "$ANCHOR" \
        --out /dev/null - <"$W/list.txt" || true
    grep -q " $N verified" "$W/batch$j.err" || { cat "$W/batch$j.err" >&2; echo "bench: batch did not verify all" >&2; exit 1; }
}
say "cvm-verify --batch --jobs 1 over $N bundles"
batch 1
T1=$(wall_of "$W/time-batch1"); C1=$(cpu_of "$W/time-batch1")
say "cvm-verify --batch --jobs 2 over $N bundles"
batch 2
T2=$(wall_of "$W/time-batch2"); C2=$(cpu_of "$W/time-batch2")

say "one process per bundle: cvm-verify vs the seed's tools on $PN bundles"
X=$W/extracted
rm -rf "$X" && mkdir -p "$X"
head -n "$PN" "$W/list.txt" >"$W/plist.txt"
i=0
# untimed preparation for the seed flow: extract, split the chain, make the
# DER report signature (the how-to's "get the files" steps)
while read -r f; do
    d=$X/$i
    mkdir -p "$d"
    tar -xf "$f" -C "$d" --strip-components=1
    awk -v d="$d" '/BEGIN CERT/{n++} {print > (d "/cert" n ".pem")}' "$d/vcek.pem"
    python3 - "$d" <<'EOF'
import json, sys
d = sys.argv[1]
rep = open(d + "/guest_report.bin", "rb").read()
open(d + "/report_signed.bin", "wb").write(rep[:0x2A0])
def der_int(le):
    v = int.from_bytes(le, "little").to_bytes(48, "big").lstrip(b"\0") or b"\0"
    if v[0] & 0x80: v = b"\0" + v
    return b"\x02" + bytes([len(v)]) + v
body = der_int(rep[0x2A0:0x2A0 + 48]) + der_int(rep[0x2E8:0x2E8 + 48])
open(d + "/report_sig.der", "wb").write(b"\x30" + bytes([len(body)]) + body)
open(d + "/nonce.hex", "w").write(json.load(open(d + "/manifest.json"))["binding"])
EOF
    i=$((i + 1))
done <"$W/plist.txt"
TOOLS=$(tpm2_checkquote --version 2>/dev/null | head -1 | sed 's/.*version=\([^ ]*\).*/tpm2-tools \1/' || true)
per_process() { while read -r f; do "$VERIFY" --quiet --trust-anchor "$ANCHOR" "$f" >/dev/null; done <"$W/plist.txt"; }
seed_tools() {
    for d in "$X"/*; do
        # the seed's checks, as Microsoft's how-to runs them
        openssl verify -CAfile "$d/cert3.pem" -untrusted "$d/cert2.pem" "$d/cert1.pem" >/dev/null
        openssl x509 -in "$d/cert1.pem" -pubkey -noout >"$d/vcek_pub.pem"
        openssl dgst -sha384 -verify "$d/vcek_pub.pem" -signature "$d/report_sig.der" "$d/report_signed.bin" >/dev/null
        tpm2_checkquote -u "$d/akpub.pem" -m "$d/quote.msg" -s "$d/quote.sig" -f "$d/quote.pcrs" -g sha256 \
            -q "$(cat "$d/nonce.hex")" >/dev/null
    done
}
timed "$W/time-proc" /dev/null per_process
timed "$W/time-seed" /dev/null seed_tools
TP=$(wall_of "$W/time-proc"); CP=$(cpu_of "$W/time-proc")
TS=$(wall_of "$W/time-seed"); CS=$(cpu_of "$W/time-seed")

ms() { echo "scale=3; $1 * 1000 / $2" | bc -l; }
rate() { echo "scale=1; $2 / $1" | bc -l; }
echo
echo "cvm-verify benchmarks: $N distinct bundles, $CHIPS fake chips, $(nproc) cores, load before: $LOAD"
echo "OpenSSL $(openssl version | cut -d' ' -f2), ${TOOLS:-tpm2-tools}; Release build"
printf '%-56s %10s %10s %10s\n' "measurement" "wall ms/b" "bundles/s" "CPU ms/b"
printf '%-56s %10s %10s %10s\n' "verify_bench: cvm_verify_run in process ($VBN bundles)" "" "" "$PER"
printf '%-56s %10s %10s %10s\n' "  + JSON report serialisation (batch output)" "" "" "$JS"
printf '%-56s %10s %10s %10s\n' "  floor, batch (P-384 + 2 x RSA-2048 + SHA-256)" "" "" "$FB"
printf '%-56s %10s %10s %10s\n' "  floor, no chain cache (+ 3 x RSA-4096 PSS)" "" "" "$FN"
printf '%-56s %10s\n' "  ratio in process / batch floor (target <= 1.3)" "$(echo "scale=2; $PER / $FB" | bc -l)"
printf '%-56s %10s %10s %10s\n' "cvm-verify --batch --jobs 1 ($N)" "$(ms "$T1" "$N")" "$(rate "$T1" "$N")" "$(ms "$C1" "$N")"
printf '%-56s %10s %10s %10s\n' "cvm-verify --batch --jobs 2 ($N; per core = rate / 2)" "$(ms "$T2" "$N")" "$(rate "$T2" "$N")" "$(ms "$C2" "$N")"
printf '%-56s %10s\n' "  ratio batch CPU per bundle / batch floor" "$(echo "scale=2; $C1 * 1000 / $N / $FB" | bc -l)"
printf '%-56s %10s %10s %10s\n' "one cvm-verify process per bundle ($PN)" "$(ms "$TP" "$PN")" "$(rate "$TP" "$PN")" "$(ms "$CP" "$PN")"
printf '%-56s %10s %10s %10s\n' "seed tools per bundle (openssl x3 + tpm2_checkquote)" "$(ms "$TS" "$PN")" "$(rate "$TS" "$PN")" "$(ms "$CS" "$PN")"
printf '%-56s %10s %10s\n' "  ratio process-per-bundle / seed (target <= 0.10)" "$(echo "scale=3; $TP / $TS" | bc -l)" "CPU $(echo "scale=3; $CP / $CS" | bc -l)"
printf '%-56s %10s %10s\n' "  ratio --batch --jobs 1 per bundle / seed" "$(echo "scale=4; ($T1 / $N) / ($TS / $PN)" | bc -l)" "CPU $(echo "scale=4; ($C1 / $N) / ($CS / $PN)" | bc -l)"
echo "work dir: $W"
