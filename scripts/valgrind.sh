#!/usr/bin/env bash
# Memcheck over the whole test suite (issue 5 §6):
#   scripts/valgrind.sh [BUILD_DIR]      (default build-valgrind, made here: Debug, no ASan)
# 1. every cmocka binary under valgrind;
# 2. every tests/e2e/*.sh, run against a shadow of the build tree in which
#    cvm-verify and cvm-collect are wrappers that exec the real binaries
#    under valgrind (the ELF file stays beside each as NAME.real, which the
#    scripts' binary inspections use). The cmocka tests of part 1 see the
#    same shadow, so a CLI they start runs under valgrind too.
# Every run uses --leak-check=full with definite and possible leaks as
# errors (still-reachable, e.g. OpenSSL's and libtss2's process-lifetime
# tables, is not) and -q, so a valgrind log with any content is a finding:
# the script lists them and fails. A wrapped CLI also exits 97 on a finding,
# which fails the e2e check that ran it. One exception: a collector that a
# test kills with SIGTERM mid-write by design is not leak-checked (below).
# Env: VG_TESTS=regex limits part 1, VG_E2E=regex limits part 2 (VG_E2E=none
# skips it); the tamper sweep runs with a large stride (100k verifications
# in full). Needs valgrind; part 2 needs what the e2e tests need (the fake
# CVM's packages, chromium for the HTML test: each skips, saying so, without).
set -uo pipefail
cd "$(dirname "$0")/.."
B=${1:-build-valgrind}
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 2; }
if [ ! -f "$B/CMakeCache.txt" ]; then
    cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Debug >/dev/null || exit 2
fi
cmake --build "$B" -j2 >/dev/null || exit 2
B=$(cd "$B" && pwd)
VG=(valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite,possible
    --show-leak-kinds=definite,possible --track-origins=yes --num-callers=30)
L=$B/valgrind-logs
rm -rf "$L"; mkdir -p "$L/procs"
chmod 1777 "$L/procs" # e2e/collect runs the collector as nobody once

# ---------------------------------------------------------------- the shadow
S=$B/vg-shadow
rm -rf "$S"; mkdir -p "$S"
for e in "$B"/* "$B"/.[!.]*; do
    [ -e "$e" ] || continue
    case $(basename "$e") in verify | collect | vg-shadow | valgrind-logs) ;; *) ln -s "$e" "$S/" ;; esac
done
for dir in verify collect; do
    mkdir -p "$S/$dir"
    for e in "$B/$dir"/*; do ln -s "$e" "$S/$dir/"; done
    bin=$S/$dir/cvm-$dir
    [ -x "$B/$dir/cvm-$dir" ] || continue
    rm "$bin"
    ln -s "$B/$dir/cvm-$dir" "$bin.real"
    # the command line goes beside the log (valgrind -q writes no header);
    # exec keeps the PID, so cvm-X.PID.cmd names cvm-X.PID.log's command
    {
        echo '#!/bin/sh'
        printf 'echo "$0 $*" >%q.$$.cmd\n' "$L/procs/cvm-$dir"
        # e2e/collect SIGTERMs a collector mid-write (CVM_COLLECT_TEST_SLOW_WRITE)
        # to prove nothing is left on disk; it dies by the re-raised signal
        # holding everything it allocated, so leaks are not judged there
        # (memory errors still are)
        echo 'extra=; [ -n "${CVM_COLLECT_TEST_SLOW_WRITE:-}" ] && extra=--leak-check=no'
        printf 'exec'; printf ' %q' "${VG[@]}"
        printf ' $extra --log-file=%q %q "$@"\n' "$L/procs/cvm-$dir.%p.log" "$B/$dir/cvm-$dir"
    } >"$bin"
    chmod +x "$bin"
done

export CVM_VECTORS=${CVM_VECTORS:-$PWD/../shared/vectors} CVM_SOURCE_DIR=$PWD CVM_BUILD_DIR=$S
export TSS2_LOG=all+NONE CVM_TAMPER_STRIDE=${CVM_TAMPER_STRIDE:-4001}
export FAKE_CVM_KEY_CACHE=${FAKE_CVM_KEY_CACHE:-$B/fake-cvm-keys}
mkdir -p "$FAKE_CVM_KEY_CACHE"
bad=0 n=0 t_all=$(date +%s)

# ---------------------------------------------------------------- 1. cmocka
for t in "$B"/tests/{format,verify,collect}_test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    [ -n "${VG_TESTS:-}" ] && ! [[ $name =~ $VG_TESTS ]] && continue
    n=$((n + 1))
    s0=$(date +%s)
    if "${VG[@]}" --log-file="$L/$name.log" "$t" >"$L/$name.out" 2>&1; then
        echo "ok   - $name ($(($(date +%s) - s0)) s)"
    else
        echo "FAIL - $name ($(($(date +%s) - s0)) s): see $L/$name.log and .out"; bad=$((bad + 1))
    fi
done

# ---------------------------------------------------------------- 2. e2e
if [ "${VG_E2E:-}" != none ]; then
    for sh in tests/e2e/*.sh; do
        name=e2e-$(basename "$sh" .sh)
        [ -n "${VG_E2E:-}" ] && ! [[ $name =~ $VG_E2E ]] && continue
        n=$((n + 1))
        s0=$(date +%s)
        if timeout 3600 bash "$sh" >"$L/$name.out" 2>&1; then
            echo "ok   - $name ($(($(date +%s) - s0)) s, $(grep -c '^ok' "$L/$name.out") checks)"
        else
            echo "FAIL - $name ($(($(date +%s) - s0)) s): see $L/$name.out"; bad=$((bad + 1))
        fi
    done
fi

# ---------------------------------------------------------------- findings
procs=$(find "$L/procs" -name '*.log' | wc -l)
find "$L/procs" -name '*.cmd' | while read -r c; do [ -s "${c%.cmd}.log" ] || rm -f "$c"; done
find "$L" -name '*.log' -empty -delete
found=$(find "$L" -name '*.log' | sort)
if [ -n "$found" ]; then
    echo "valgrind findings:"
    for f in $found; do
        echo "== $f"; cat "${f%.log}.cmd" 2>/dev/null || true; grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall param|.*definitely lost|.*possibly lost|Mismatched)' "$f" | head -5
    done
    bad=$((bad + $(echo "$found" | wc -l)))
fi
echo "valgrind: $n runs ($procs wrapped CLI processes), $bad with errors, leaks or failures; $(($(date +%s) - t_all)) s (logs in $L)"
[ $bad -eq 0 ]
