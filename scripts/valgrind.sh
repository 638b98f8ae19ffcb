#!/usr/bin/env bash
# Memcheck over the cmocka binaries and the two CLIs on a real bundle:
#   scripts/valgrind.sh [BUILD_DIR]        (default build-valgrind, made here: Debug, no ASan)
# Every run uses --error-exitcode=1 --leak-check=full (definite and
# possible leaks are errors; still-reachable, e.g. OpenSSL's and libtss2's
# process-lifetime tables, is not). Env: VG_TESTS=regex limits the cmocka
# binaries; the tamper sweep runs with a large stride (it is 100k
# verifications in full). Needs: valgrind (Debian package valgrind); the
# CLI part needs the fake CVM's packages (swtpm, tpm2-tools, python3-cryptography).
# Takes 10-20 minutes on 2 cores: not part of scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${1:-build-valgrind}
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 2; }
if [ ! -f "$B/CMakeCache.txt" ]; then
    cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Debug >/dev/null || exit 2
fi
cmake --build "$B" -j2 >/dev/null || exit 2
VG=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,possible
    --show-leak-kinds=definite,possible --track-origins=yes --num-callers=30)
export CVM_VECTORS=${CVM_VECTORS:-$PWD/../shared/vectors} CVM_SOURCE_DIR=$PWD CVM_BUILD_DIR=$PWD/$B
export TSS2_LOG=all+NONE CVM_TAMPER_STRIDE=${CVM_TAMPER_STRIDE:-4001}
L=$B/valgrind-logs; rm -rf "$L"; mkdir -p "$L"
bad=0 n=0
for t in "$B"/tests/{format,verify,collect}_test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    [ -n "${VG_TESTS:-}" ] && ! [[ $name =~ $VG_TESTS ]] && continue
    n=$((n + 1))
    s0=$(date +%s)
    if "${VG[@]}" --log-file="$L/$name.log" "$t" >"$L/$name.out" 2>&1; then
        echo "ok   - $name ($(( $(date +%s) - s0 )) s)"
    else
        echo "FAIL - $name ($(( $(date +%s) - s0 )) s): see $L/$name.log"; bad=$((bad + 1))
    fi
done
# the CLIs on a bundle from the fake CVM
FAKE=testdata/fake-cvm/fake-cvm
if [ -x "$FAKE" ] && command -v swtpm >/dev/null; then
    D=$(mktemp -d /tmp/cvvg.XXXXXX)
    trap 'timeout 30 "$FAKE" stop "$D/vm" >/dev/null 2>&1; rm -rf "$D"' EXIT
    export FAKE_CVM_KEY_CACHE=${FAKE_CVM_KEY_CACHE:-$PWD/$B/fake-cvm-keys}
    mkdir -p "$FAKE_CVM_KEY_CACHE"
    if timeout 120 "$FAKE" start "$D/vm" >"$D/env.sh" 2>"$D/fake.log"; then
        . "$D/env.sh"
        NONCE=$(openssl rand -hex 32)
        # run NAME WANT_RC CMD...: valgrind turns errors into exit 1 (no CLI here
        # exits 1 on its own: no policy is given)
        run() {
            local name=$1 want=$2; shift 2; n=$((n + 1))
            timeout 600 "${VG[@]}" --log-file="$L/$name.log" "$@" >"$L/$name.out" 2>&1
            local rc=$?
            if [ $rc -eq "$want" ] && ! grep -q "ERROR SUMMARY: [1-9]" "$L/$name.log"; then echo "ok   - $name"
            else echo "FAIL - $name (exit $rc, want $want): see $L/$name.log"; bad=$((bad + 1)); fi
        }
        run cvm-collect 0 "$B/collect/cvm-collect" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --nonce "$NONCE" \
            --runtime-log none --eventlog none -o "$D/b.tar"
        echo hello >"$D/f"
        run cvm-collect-measure 0 "$B/collect/cvm-collect" measure --tcti "$CVM_TCTI" --runtime-log "$D/rt.cel" "$D/f"
        run cvm-verify 0 "$B/verify/cvm-verify" --trust-anchor "$CVM_TRUST_ANCHOR" --nonce "$NONCE" --json "$D/b.tar"
        run cvm-verify-text 0 "$B/verify/cvm-verify" --trust-anchor "$CVM_TRUST_ANCHOR" "$D/b.tar"
        run cvm-verify-bad-nonce 2 "$B/verify/cvm-verify" --trust-anchor "$CVM_TRUST_ANCHOR" --nonce 00 "$D/b.tar"
        head -c 3000 "$D/b.tar" >"$D/trunc.tar"
        run cvm-verify-truncated 2 "$B/verify/cvm-verify" "$D/trunc.tar"
        run cvm-verify-show 0 "$B/verify/cvm-verify" show "$D/b.tar"
    else
        echo "skip - fake CVM did not start"; cat "$D/fake.log"
    fi
fi
S=${CVM_VECTORS}/seedsets/trustee-hcl-2024-01-29-milan-rv2
if [ -d "$S" ]; then
    n=$((n + 1))
    if "${VG[@]}" --log-file="$L/verify-dir.log" "$B/verify/cvm-verify" --dir "$S" --nonce "$(cat "$S/nonce.hex")" \
        --at 2026-06-01T00:00:00Z --html "$L/r.html" >/dev/null 2>&1; then echo "ok   - cvm-verify --dir (seed set) --html"
    else echo "FAIL - cvm-verify --dir: see $L/verify-dir.log"; bad=$((bad + 1)); fi
fi
echo "valgrind: $bad of $n runs with errors or leaks (logs in $L)"
[ $bad -eq 0 ]
