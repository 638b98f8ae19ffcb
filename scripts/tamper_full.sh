#!/usr/bin/env bash
# The full tamper sweep (issue 5 §2): every bit of every member of a bundle
# collected on the fake CVM, and every bit of the real seed set's files,
# flipped one at a time and verified in-process, split over JOBS processes.
#   scripts/tamper_full.sh [BUILD_DIR] [JOBS]   (default build-release, 2)
# BUILD_DIR must have the tests built (-DCVM_BUILD_TESTS=ON, the default);
# a Release build takes ~1-2 ms per verification. CVM_TAMPER_STRIDE=N
# flips every N-th bit instead (a quick look). Prints each shard's lines,
# then the totals per part; exit 0 only when every shard passed (every
# flip of an authenticated byte rejected naming a link; the unauthenticated
# bytes that verified are listed and must be in spec/bundle-v1.md §10).
set -uo pipefail
cd "$(dirname "$0")/.."
B=${1:-build-release}
J=${2:-2}
SWEEP=$B/tests/verify_test_tamper_sweep
[ -x "$SWEEP" ] || { echo "$SWEEP not built (cmake --build $B)"; exit 2; }
FAKE=testdata/fake-cvm/fake-cvm
export CVM_VECTORS=${CVM_VECTORS:-$PWD/../shared/vectors} CVM_SOURCE_DIR=$PWD CVM_BUILD_DIR=$PWD/$B
export FAKE_CVM_KEY_CACHE=${FAKE_CVM_KEY_CACHE:-$PWD/$B/fake-cvm-keys}
mkdir -p "$FAKE_CVM_KEY_CACHE"
D=$(mktemp -d /tmp/cvtamper.XXXXXX)
trap 'timeout 30 "$FAKE" stop "$D/vm" >/dev/null 2>&1; rm -rf "$D"' EXIT
timeout 120 "$FAKE" start "$D/vm" >"$D/env.sh" 2>"$D/fake.log" || { cat "$D/fake.log"; exit 2; }
. "$D/env.sh"
NONCE=$(openssl rand -hex 32)
# a runtime log of two measured files, so the CEL member and PCR23 are swept
# too (the fake CVM has no firmware event log)
echo "first measured file" >"$D/m1"; echo "second" >"$D/m2"
for f in "$D/m1" "$D/m2"; do
    "$B/collect/cvm-collect" measure --tcti "$CVM_TCTI" --runtime-log "$D/rt.cel" "$f" >>"$D/collect.log" 2>&1 ||
        { cat "$D/collect.log"; exit 2; }
done
"$B/collect/cvm-collect" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --nonce "$NONCE" --eventlog none \
    --runtime-log "$D/rt.cel" -o "$D/b.tar" >>"$D/collect.log" 2>&1 || { cat "$D/collect.log"; exit 2; }
timeout 30 "$FAKE" stop "$D/vm" >/dev/null 2>&1
echo "bundle: $(stat -c %s "$D/b.tar") bytes, $(tar tf "$D/b.tar" | wc -l) entries; full=${CVM_TAMPER_STRIDE:-every bit}; $J shard(s)"
[ -n "${CVM_TAMPER_STRIDE:-}" ] || export CVM_TAMPER_FULL=1
s0=$(date +%s)
pids=()
for ((i = 0; i < J; i++)); do
    CVM_TAMPER_SHARD=$i/$J CVM_TAMPER_BUNDLE="$D/b.tar" CVM_TAMPER_ANCHOR="$CVM_TRUST_ANCHOR" \
        CVM_TAMPER_NONCE="$NONCE" "$SWEEP" >"$D/shard$i.out" 2>&1 &
    pids+=($!)
done
bad=0
for ((i = 0; i < J; i++)); do
    wait "${pids[$i]}" || bad=1
    echo "---- shard $i/$J"
    grep -v '^\[' "$D/shard$i.out" | grep -v '^$' || true
    grep -E '^\[  (PASSED|FAILED|SKIPPED)' "$D/shard$i.out" || true
done
echo "---- totals ($(( $(date +%s) - s0 )) s wall)"
for part in "seed set" "bundle"; do
    cat "$D"/shard*.out | awk -v part="$part" '
        index($0, "tamper sweep " part) == 1 { want = 1; next }
        want && /tally:/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); sum[kv[1]] += kv[2] }
                           if (bits == 0) { bits = sum["bits"] } want = 0; n++ }
        END { if (n == 0) { printf "%s: not run\n", part; exit }
              must = sum["flips"] - sum["allowed"]
              printf "%s: %d of %d bits flipped; %d rejected naming a link; %d flips of unauthenticated bytes verified (listed above); %.3f %% of authenticated-byte flips rejected\n",
                     part, sum["flips"], bits, sum["rejected"], sum["allowed"], must ? 100 * sum["rejected"] / must : 0 }'
done
[ $bad -eq 0 ] && echo "PASS" || echo "FAIL (see the shard output above)"
exit $bad
