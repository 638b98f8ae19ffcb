#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, separate build dir) and runs each one
# for SECONDS_PER_TARGET (default 20), one after the other, single process.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Exit status: 0 when every target ran clean, 1 when any crashed, leaked,
# timed out or hit an invariant (artifacts are kept under WORK/artifacts).
# Env: CVM_FUZZ_BUILD (default <src>/build-fuzz), CVM_FUZZ_WORK (default
# BUILD/fuzz-work: seeds, the growing corpora, artifacts, logs),
# CVM_FUZZ_ARGS (extra libFuzzer flags, e.g. "-runs=10000000").
set -euo pipefail

secs=${1:-20}
shift || true
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/fuzz/common.sh"
fuzz_build

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for b in "$build"/tests/fuzz/fuzz_*; do
    [ -x "$b" ] && targets+=("$(basename "$b" | sed 's/^fuzz_//')")
  done
fi

fail=0
summary=()
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$t
  corpus=$work/corpus/$t
  art=$work/artifacts/$t
  log=$work/logs/$t.log
  mkdir -p "$corpus" "$art" "$work/logs" "$work/seeds/$t"
  dict=()
  [ -f "$src/tests/fuzz/$t.dict" ] && dict=(-dict="$src/tests/fuzz/$t.dict")
  echo "== fuzz_$t: ${secs}s, max_len $(max_len "$t")"
  rc=0
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$art/" "${dict[@]}" ${CVM_FUZZ_ARGS:-} \
    "$corpus" "$work/seeds/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -1 | cut -d' ' -f2)
  ft=$( (grep -o 'ft: [0-9]*' "$log" || true) | tail -1 | cut -d' ' -f2)
  units=$(find "$corpus" -type f | wc -l)
  if [ "$rc" -ne 0 ]; then
    fail=1
    status="FAIL rc=$rc (log $log, artifacts $art)"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed)' "$log" | head -5 || true
  else
    status=ok
  fi
  line=$(printf '%-10s execs %-10s exec/s %-7s cov %-6s ft %-6s corpus %-6s %s' \
    "$t" "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$units" "$status")
  echo "$line"
  summary+=("$line")
done
echo "== summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
exit $fail
