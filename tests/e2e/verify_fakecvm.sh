#!/usr/bin/env bash
# cvm-verify --dir on evidence collected from the fake Azure CVM exactly as
# Microsoft's tpm2-tools how-to does it (tpm2_nvread of 0x01400001, dd,
# THIM's VCEK + chain, tpm2_readpublic, tpm2_quote with a nonce), anchored
# with the fake ARK (--trust-anchor). Then one broken report per link
# (fake-cvm gen-report --break X, re-signed so only the intended check
# fails) next to the same genuine quote, Genoa and Turin reports, a
# refreshed (fresh) report, and the wrong anchor.
set -euo pipefail
BIN="${CVM_VERIFY_BIN:-${CVM_BUILD_DIR:?}/verify/cvm-verify}"
FAKE="${CVM_FAKE_CVM:-${CVM_SOURCE_DIR:?}/testdata/fake-cvm/fake-cvm}"
if [ ! -x "$FAKE" ]; then echo "SKIP: $FAKE not present"; exit 0; fi
for t in swtpm tpm2_quote tpm2_nvread openssl python3; do
  command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 0; }
done
python3 -c 'import cryptography' 2>/dev/null || { echo "SKIP: python3-cryptography not installed"; exit 0; }

D=$(mktemp -d /tmp/cvmvf.XXXXXX)
KC="${FAKE_CVM_KEY_CACHE:-${CVM_BUILD_DIR:-$D}/fake-cvm-keys}"
mkdir -p "$KC"
cleanup() { "$FAKE" stop "$D/vm" >/dev/null 2>&1 || true; rm -rf "$D"; }
trap cleanup EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }

# verify DIR WANT_RC [LINK=STATUS ...] -- [extra cvm-verify args]
check() {
  local dir=$1 want=$2; shift 2
  local expects=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do expects+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  local rc=0
  "$BIN" --dir "$dir" --json "$@" >"$D/out.json" 2>"$D/err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    bad "$dir $*: exit $rc, expected $want ($(head -2 "$D/err")) $(python3 -c 'import json,sys;r=json.load(open(sys.argv[1]));print([(l["id"],l["reason"]) for l in r["links"] if l["status"]=="fail"])' "$D/out.json" 2>/dev/null)"
    return
  fi
  for e in "${expects[@]}"; do
    python3 - "$D/out.json" "${e%%=*}" "${e#*=}" <<'PY' && ok || bad "$dir $*: $e"
import json, sys
r = json.load(open(sys.argv[1]))
s = {l["id"]: l for l in r["links"]}
l = s[sys.argv[2]]
if l["status"] != sys.argv[3]:
    print(f'  {sys.argv[2]} is {l["status"]}: {l["reason"]}')
    sys.exit(1)
PY
  done
  ok
}

# gen-report reuses the VM's seed so its chip id matches the VM's VCEK
SEED=verify-e2e
eval "$("$FAKE" start "$D/vm" --product milan --seed "$SEED" --key-cache "$KC" 2>"$D/start.log")" || { cat "$D/start.log"; exit 1; }
export TPM2TOOLS_TCTI=$CVM_TCTI
E=$D/ev; mkdir -p "$E"
NONCE=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
timeout 30 tpm2_nvread -C o 0x01400001 -o "$E/snp_report.bin" 2>/dev/null
dd if="$E/snp_report.bin" of="$E/guest_report.bin" bs=1 skip=32 count=1184 status=none
cat "$CVM_VCEK" "$CVM_CHAIN" > "$E/vcek.pem"
timeout 30 tpm2_readpublic -Q -c 0x81000003 -f pem -o "$E/akpub.pem"
timeout 30 tpm2_quote -Q -c 0x81000003 -l sha256:0,1,2,3,4,5,6,7,23 -q "$NONCE" -g sha256 \
  -m "$E/quote.msg" -s "$E/quote.sig" -o "$E/quote.pcrs"
A=(--trust-anchor "$CVM_TRUST_ANCHOR")


# the how-to's files verify, with the fake ARK as the anchor
check "$E" 0 amd.chain=pass snp.signature=pass snp.tcb=pass hcl.binding=pass ak.binding=pass \
  quote.signature=pass quote.pcrs=pass quote.nonce=pass -- --nonce "$NONCE" "${A[@]}"
# AMD's pins do not know the fake ARK
check "$E" 2 amd.chain=fail snp.signature=pass -- --nonce "$NONCE"
# another nonce
check "$E" 2 quote.nonce=fail -- --nonce "00$NONCE" "${A[@]}"
# no nonce: verified, freshness unproven
check "$E" 0 quote.nonce=warn -- "${A[@]}"

# broken reports next to the genuine quote (same AK): only that link fails
B=$D/broken; mkdir -p "$B"
while IFS='|' read -r brk want expect; do
  rm -rf "$B"/*; cp "$E"/* "$B"/; rm -f "$B/guest_report.bin"
  "$FAKE" gen-report -o "$B/snp_report.bin" --pki "$CVM_DIR/pki" --seed "$SEED" --ak-pub "$E/akpub.pem" \
    --key-cache "$KC" --break "$brk" 2>"$D/gen.log" || { bad "gen-report --break $brk: $(tail -1 "$D/gen.log")"; continue; }
  # gen-report issues a fresh VCEK key in the PKI folder: take its certificate
  cat "$CVM_DIR/pki/vcek.pem" "$CVM_CHAIN" > "$B/vcek.pem"
  # shellcheck disable=SC2086
  check "$B" "$want" $expect -- --nonce "$NONCE" "${A[@]}"
done <<'CASES'
sig|2|snp.signature=fail snp.tcb=pass hcl.binding=pass
signed-byte|2|snp.signature=fail
sig-high-bytes|2|snp.signature=fail
sig-algo|2|snp.signature=fail
chip-id|2|snp.signature=pass snp.tcb=fail
reported-tcb|2|snp.signature=pass snp.tcb=fail
report-data|2|snp.signature=pass hcl.binding=fail
report-data-tail|2|hcl.binding=fail
json-byte|2|snp.signature=pass hcl.binding=fail
akpub|2|hcl.binding=pass ak.binding=fail
no-akpub|2|hcl.binding=pass ak.binding=fail
magic|2|snp.signature=fail
var-size-big|2|snp.signature=fail
data-size|2|snp.signature=fail
report-type|2|snp.signature=fail
trailing|2|snp.signature=fail
report-size|0|hcl.binding=warn
vmpl|0|snp.report=pass
policy-debug|0|snp.report=pass
user-data|0|hcl.binding=pass
CASES

# the debug and VMPL variants are authentic but fail a policy (exit 1)
printf '{"debug":{"allow":false},"vmpl":{"max":0}}' > "$D/policy.json"
for brk in policy-debug vmpl; do
  rm -rf "$B"/*; cp "$E"/* "$B"/; rm -f "$B/guest_report.bin"
  "$FAKE" gen-report -o "$B/snp_report.bin" --pki "$CVM_DIR/pki" --seed "$SEED" --ak-pub "$E/akpub.pem" --key-cache "$KC" --break "$brk" 2>/dev/null
  cat "$CVM_DIR/pki/vcek.pem" "$CVM_CHAIN" > "$B/vcek.pem"
  check "$B" 1 policy=fail -- --nonce "$NONCE" "${A[@]}" --policy "$D/policy.json"
done
check "$E" 0 policy=pass -- --nonce "$NONCE" "${A[@]}" --policy "$D/policy.json"

# Genoa (v3) and Turin (v5) reports with their own fake PKIs and the same AK
for p in genoa turin; do
  rm -rf "$B"/*; cp "$E"/* "$B"/; rm -f "$B/guest_report.bin"
  "$FAKE" gen-pki "$D/pki-$p" --product "$p" --seed "$SEED" --key-cache "$KC" >/dev/null 2>&1
  "$FAKE" gen-report -o "$B/snp_report.bin" --pki "$D/pki-$p" --seed "$SEED" --product "$p" --ak-pub "$E/akpub.pem" --key-cache "$KC" 2>/dev/null
  cat "$D/pki-$p/vcek.pem" "$D/pki-$p/chain.pem" > "$B/vcek.pem"
  check "$B" 0 amd.chain=pass snp.tcb=pass -- --nonce "$NONCE" --trust-anchor "$D/pki-$p/ark.pem"
  # the Milan anchor (CN ARK-Milan) must not anchor this product
  check "$B" 2 amd.chain=fail -- --nonce "$NONCE" "${A[@]}"
done

# a refreshed report whose user-data carries the nonce: require_fresh_report holds
printf '%s' "$NONCE" | xxd -r -p > "$D/ud.bin"
head -c 32 /dev/zero >> "$D/ud.bin"
echo 0 > "$CVM_REFRESH_PERIOD_FILE"
timeout 30 tpm2_nvwrite -Q -C o 0x01400002 -i "$D/ud.bin"
F=$D/fresh; mkdir -p "$F"; cp "$E"/* "$F"/; rm -f "$F/guest_report.bin"
timeout 30 tpm2_nvread -C o 0x01400001 -o "$F/snp_report.bin" 2>/dev/null
printf '{"require_fresh_report":{"action":"fail"}}' > "$D/fresh.json"
check "$F" 0 policy=pass -- --nonce "$NONCE" "${A[@]}" --policy "$D/fresh.json"
check "$E" 1 policy=fail -- --nonce "$NONCE" "${A[@]}" --policy "$D/fresh.json"

echo "verify_fakecvm: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
