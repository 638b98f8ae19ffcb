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
# skips it), VG_JOBS workers (default nproc); the tamper sweep runs with a
# large stride (100k verifications in full). Needs valgrind; part 2 needs what the e2e tests need (the fake
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
t_all=$(date +%s)

# ------------------------------------------------- 1. cmocka, 2. e2e: one pool
# Both parts run through one pool of VG_JOBS workers (default: the cores),
# the slowest first, so the run takes the longest unit's time rather than
# the sum (ctest already runs the e2e scripts side by side: they are
# independent). Each unit prints its line when it ends.
units=()
for t in "$B"/tests/{format,verify,collect}_test_*; do
    [ -x "$t" ] || continue
    [ -n "${VG_TESTS:-}" ] && ! [[ $(basename "$t") =~ $VG_TESTS ]] && continue
    units+=("cmocka:$t")
done
if [ "${VG_E2E:-}" != none ]; then
    for sh in tests/e2e/*.sh; do
        [ -n "${VG_E2E:-}" ] && ! [[ e2e-$(basename "$sh" .sh) =~ $VG_E2E ]] && continue
        units+=("e2e:$sh")
    done
fi
# the slowest measured under memcheck start first (2026-11-28: e2e-archive
# 632 s, most of it waiting for its short-lived VCEK to expire; amdcert
# 480 s; show 354 s; verify_fakecvm 250 s; seedsets 202 s; collect 164 s);
# the order of the rest does not matter
slow=(e2e-archive format_test_amdcert e2e-show e2e-verify_fakecvm verify_test_verify_seedsets e2e-collect)
unit_name() { # cmocka:PATH -> the binary's name, e2e:PATH -> e2e-SCRIPT
    case $1 in
    cmocka:*) basename "${1#*:}" ;;
    *) echo "e2e-$(basename "${1#*:}" .sh)" ;;
    esac
}
rank() {
    local i name
    name=$(unit_name "$1")
    for i in "${!slow[@]}"; do [ "$name" = "${slow[$i]}" ] && { echo "$i"; return; }; done
    echo 99
}
mapfile -t units < <(for u in "${units[@]}"; do printf '%s\t%s\n' "$(rank "$u")" "$u"; done | sort -n -s -k1,1 | cut -f2)

run_unit() { # kind:path; prints its verdict line and keeps it in $L/NAME.verdict
    local kind=${1%%:*} path=${1#*:} name s0 rc=0 line
    name=$(unit_name "$1")
    s0=$(date +%s)
    if [ "$kind" = cmocka ]; then
        "${VG[@]}" --log-file="$L/$name.log" "$path" >"$L/$name.out" 2>&1 || rc=$?
        line="$name ($(($(date +%s) - s0)) s"
        if [ $rc -eq 0 ]; then line="ok   - $line)"; else line="FAIL - $line, rc $rc): see $L/$name.log and .out"; fi
    else
        timeout 3600 bash "$path" >"$L/$name.out" 2>&1 || rc=$?
        line="$name ($(($(date +%s) - s0)) s"
        if [ $rc -eq 0 ]; then
            line="ok   - $line): $(tail -n 1 "$L/$name.out")"
        else
            line="FAIL - $line, rc $rc): see $L/$name.out"
        fi
    fi
    echo "$line" | tee "$L/$name.verdict"
}

jobs_max=${VG_JOBS:-$(nproc)}
for u in "${units[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
    run_unit "$u" &
done
wait
n=${#units[@]}
bad=$(cat "$L"/*.verdict 2>/dev/null | grep -c '^FAIL' || true)

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
