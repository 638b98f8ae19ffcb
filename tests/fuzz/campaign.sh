#!/usr/bin/env bash
# The long run: every target until it has executed RUNS inputs in one
# libFuzzer invocation (default 10,000,000), LANES targets at a time
# (default 1), cheapest first. Corpora persist in WORK/corpus (the same
# directories run.sh grows), so a second campaign starts where one ended.
#   tests/fuzz/campaign.sh [RUNS] [LANES] [TARGET...]
# Each finished target appends one line to WORK/campaign.tsv:
#   commit  target  executions  exec/s  seconds  exit  corpus-units  cov  ft
# and the script prints the table at the end. Exit 1 when any target
# crashed, leaked, timed out or hit an invariant (artifacts under
# WORK/artifacts/<target>, log under WORK/logs/<target>.campaign.log).
# A target too slow for RUNS in one sitting (verify: ~300 exec/s) can run
# in several: CVM_FUZZ_MAX_TIME=S ends each invocation cleanly after S
# seconds, with its line in the ledger, and the next one resumes from the
# corpus; the closing table totals every target's clean invocations: exit 0
# (done) or 72 (libFuzzer's exit on SIGINT/SIGTERM: stopped by the operator,
# after its final stats; a finding exits 1, 70 or 77 instead).
# Env: CVM_FUZZ_BUILD, CVM_FUZZ_WORK as run.sh; CVM_FUZZ_NICE (default 10);
# CVM_FUZZ_TIMEOUT, libFuzzer's per-input limit in wall seconds (default 10:
# on a machine busy with other work, raise it, or a descheduled process
# reports a "timeout" on an input that takes milliseconds).
set -euo pipefail

runs=${1:-10000000}
lanes=${2:-1}
shift 2 || shift $# || true
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/fuzz/common.sh"
fuzz_build >/dev/null
commit=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git -C "$src" diff --quiet HEAD -- format verify tests/fuzz 2>/dev/null || commit="$commit+dirty"

# cheapest first: the order of the measured exec/s (slowest last), so a
# campaign cut short has finished as many targets as it could
order=(tpm_public tpm_pcrsel b64url tpm_attest tpm_sig pcrs hcl rtlog runtime snp cel manifest amdext
       thim eventlog http spki bundle amdcert verify)
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for t in "${order[@]}"; do
    [ -x "$build/tests/fuzz/fuzz_$t" ] && targets+=("$t")
  done
  for b in "$build"/tests/fuzz/fuzz_*; do
    t=$(basename "$b" | sed 's/^fuzz_//')
    [[ " ${targets[*]} " == *" $t "* ]] || targets+=("$t")
  done
fi

one() {
  local t=$1 bin=$build/tests/fuzz/fuzz_$1
  local corpus=$work/corpus/$t art=$work/artifacts/$t log=$work/logs/$t.campaign.log
  mkdir -p "$corpus" "$art" "$work/logs" "$work/seeds/$t"
  local dict=()
  [ -f "$src/tests/fuzz/$t.dict" ] && dict=(-dict="$src/tests/fuzz/$t.dict")
  local s0 rc=0
  s0=$(date +%s)
  nice -n "${CVM_FUZZ_NICE:-10}" "$bin" -runs="$runs" -max_len="$(max_len "$t")" -timeout="${CVM_FUZZ_TIMEOUT:-10}" \
    -rss_limit_mb=2048 ${CVM_FUZZ_MAX_TIME:+-max_total_time=$CVM_FUZZ_MAX_TIME} -print_final_stats=1 -artifact_prefix="$art/" "${dict[@]}" \
    "$corpus" "$work/seeds/$t" >"$log" 2>&1 || rc=$?
  local secs=$(( $(date +%s) - s0 ))
  local execs eps cov ft units
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -1 | cut -d' ' -f2)
  ft=$( (grep -o 'ft: [0-9]*' "$log" || true) | tail -1 | cut -d' ' -f2)
  units=$(find "$corpus" -type f | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$commit" "$t" "${execs:-?}" "${eps:-?}" "$secs" "$rc" \
    "$units" "${cov:-?}" "${ft:-?}" >>"$work/campaign.tsv"
  echo "== fuzz_$t: ${execs:-?} executions in ${secs}s, exit $rc"
  [ "$rc" -eq 0 ]
}
export -f one max_len
export build work runs commit src

echo "== campaign: ${#targets[@]} targets, $runs runs each, $lanes lane(s), commit $commit"
fail=0
printf '%s\n' "${targets[@]}" | xargs -P "$lanes" -I{} bash -c 'one "$@"' _ {} || fail=1
echo "== $work/campaign.tsv (commit target executions exec/s seconds exit corpus cov ft)"
column -t "$work/campaign.tsv" 2>/dev/null || cat "$work/campaign.tsv"
echo "== per target, the clean invocations (exit 0 or 72) summed: target invocations executions [commits]"
awk -F'\t' '($6 == 0 || $6 == 72) && $3 ~ /^[0-9]+$/ { n[$2]++; x[$2] += $3; if (index(c[$2], $1) == 0) c[$2] = c[$2] " " $1 }
  END { for (t in n) printf "%-12s %3d %12d [%s ]\n", t, n[t], x[t], c[t] }' "$work/campaign.tsv" | sort
exit $fail
