#!/usr/bin/env bash
# Peak RSS (GNU time %M, KiB) of cvm-verify:
#   baseline: /bin/true and `cvm-verify --help` (libraries loaded, nothing read)
#   normal:   a bundle collected from the fake CVM (bound 16 MiB)
#   hostile:  every input of tests/e2e/hostile_tars.py (bound 64 MiB; the
#             six largest are printed), cases exactly at and one over each
#             cap of format/bundle.h
# and each as a ratio to the --help baseline. Exits 1 if any bound is over.
#   bench/rss.sh [BUILD_DIR]     (default build; needs the package `time`)
set -uo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
V=$B/verify/cvm-verify
[ -x /usr/bin/time ] || { echo "GNU time not installed (apt-get install time)"; exit 2; }
[ -x "$V" ] || { echo "$V not built"; exit 2; }
D=$(mktemp -d /tmp/cvrss.XXXXXX)
FAKE=testdata/fake-cvm/fake-cvm
trap 'timeout 30 "$FAKE" stop "$D/vm" >/dev/null 2>&1; rm -rf "$D"' EXIT
rss() { /usr/bin/time -f %M -o "$D/t" "$@" >/dev/null 2>&1; tail -1 "$D/t"; }
bad=0
T=$(rss /bin/true)
H=$(rss "$V" --help)
printf '%-44s %8s KiB\n' "/bin/true" "$T" "cvm-verify --help (baseline)" "$H"
line() { # name kib bound
    local r; r=$(awk -v a="$2" -v b="$H" 'BEGIN{printf "%.2f", a/b}')
    local ok=ok; [ "$2" -le "$3" ] || { ok="OVER $(($3 / 1024)) MiB"; bad=1; }
    printf '%-44s %8s KiB  x%s of baseline  (bound %s MiB: %s)\n' "$1" "$2" "$r" "$(($3 / 1024))" "$ok"
}
if [ -x "$FAKE" ] && command -v swtpm >/dev/null; then
    export FAKE_CVM_KEY_CACHE=${FAKE_CVM_KEY_CACHE:-$PWD/$B/fake-cvm-keys} TSS2_LOG=all+NONE
    mkdir -p "$FAKE_CVM_KEY_CACHE"
    if timeout 120 "$FAKE" start "$D/vm" >"$D/env.sh" 2>"$D/fake.log"; then
        . "$D/env.sh"
        N=$(openssl rand -hex 32)
        timeout 60 "$B/collect/cvm-collect" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --nonce "$N" \
            --runtime-log none --eventlog none -o "$D/b.tar" >/dev/null 2>&1
        line "normal bundle ($(stat -c %s "$D/b.tar") bytes, verified)" \
            "$(rss "$V" --trust-anchor "$CVM_TRUST_ANCHOR" --nonce "$N" "$D/b.tar")" $((16 * 1024))
        line "normal bundle, --json --html" \
            "$(rss "$V" --trust-anchor "$CVM_TRUST_ANCHOR" --nonce "$N" --json --html "$D/r.html" "$D/b.tar")" $((16 * 1024))
    fi
fi
mkdir -p "$D/h"
python3 tests/e2e/hostile_tars.py "$D/h" >/dev/null
worst=0
for f in "$D"/h/*; do
    k=$(rss "$V" "$f"); echo "$k $(basename "$f")" >>"$D/all"
done
sort -rn "$D/all" | head -6 | while read -r k n; do line "hostile: $n ($(stat -c %s "$D/h/$n") bytes)" "$k" $((64 * 1024)); done
awk '$1 > 65536 {exit 1}' "$D/all" || bad=1
exit $bad
