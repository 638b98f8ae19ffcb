#!/usr/bin/env bash
# The README's first command: installs the dependencies, builds, starts the
# built-in fake Azure CVM (or uses the real TPM when run inside an Azure
# confidential VM with --real), collects one evidence bundle and verifies it
# offline, printing the chain link by link.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"

OUT=${CVM_DEMO_OUT:-$ROOT/demo-out}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
NONCE=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')

if [ "${1:-}" = "--real" ]; then
  echo "== collecting on this machine's vTPM (Azure confidential VM)"
  "$ROOT/build/collect/cvm-collect" --nonce "$NONCE" --fresh -o "$OUT/bundle-$STAMP.tar"
  echo "== verifying offline"
  "$ROOT/build/verify/cvm-verify" --nonce "$NONCE" "$OUT/bundle-$STAMP.tar"
  exit $?
fi

FAKE=$(mktemp -d /tmp/cvm-demo.XXXXXX)
cleanup() { "$ROOT/testdata/fake-cvm/fake-cvm" stop "$FAKE" >/dev/null 2>&1 || true; rm -rf "$FAKE"; }
trap cleanup EXIT
echo "== starting the fake Azure CVM (fake AMD PKI, swtpm vTPM, IMDS stub) in $FAKE"
eval "$("$ROOT/testdata/fake-cvm/fake-cvm" start "$FAKE" --product milan)"
echo "== cvm-collect (nonce $NONCE)"
"$ROOT/build/collect/cvm-collect" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" \
  --nonce "$NONCE" --fresh --case-id DEMO-1 --examiner "demo" -o "$OUT/bundle-$STAMP.tar"
echo "== cvm-verify show (what is inside; full listing in $OUT/show.txt)"
"$ROOT/build/verify/cvm-verify" show "$OUT/bundle-$STAMP.tar" > "$OUT/show.txt"
grep -E '^ {4}- |^ {6}(name|kind):' "$OUT/show.txt" | paste - - - | sed 's/  */ /g' | cut -c1-110
echo "== cvm-verify (offline; the fake ARK is given as an extra trust anchor)"
set +e
"$ROOT/build/verify/cvm-verify" --trust-anchor "$CVM_TRUST_ANCHOR" --nonce "$NONCE" "$OUT/bundle-$STAMP.tar"
rc=$?
set -e
echo "== exit code $rc (0 = verified); bundle kept at $OUT/bundle-$STAMP.tar"
exit $rc
