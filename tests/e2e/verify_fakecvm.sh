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

# a PCR23 runtime log made by cvm-collect measure, quoted with PCR23:
# eventlog.runtime replays it; the policy names the expected file hashes
COLLECT=${CVM_BUILD_DIR:-}/collect/cvm-collect
if [ -x "$COLLECT" ]; then
  R=$D/rt; mkdir -p "$R"; cp "$E"/* "$R"/
  echo "hello runtime" > "$D/app.conf"; echo "other" > "$D/other.bin"
  timeout 60 "$COLLECT" measure --tcti "$CVM_TCTI" --runtime-log "$R/runtime.cel" "$D/app.conf" >/dev/null 2>&1
  timeout 30 tpm2_quote -Q -c 0x81000003 -l sha256:0,1,2,3,4,5,6,7,23 -q "$NONCE" -g sha256 \
    -m "$R/quote.msg" -s "$R/quote.sig" -o "$R/quote.pcrs"
  APP=$(realpath "$D/app.conf"); H=$(sha256sum "$D/app.conf" | cut -c1-64)
  check "$R" 0 eventlog.runtime=pass -- --nonce "$NONCE" "${A[@]}"
  printf '{"runtime_files":{"files":[{"path":"%s","sha256":"%s"}]}}' "$APP" "$H" > "$D/rt-ok.json"
  check "$R" 0 policy=pass -- --nonce "$NONCE" "${A[@]}" --policy "$D/rt-ok.json"
  printf '{"runtime_files":{"files":[{"path":"%s","sha256":"%s"}]}}' "$APP" "$(printf '0%.0s' $(seq 64))" > "$D/rt-bad.json"
  check "$R" 1 policy=fail -- --nonce "$NONCE" "${A[@]}" --policy "$D/rt-bad.json"
  printf '{"runtime_files":{"action":"warn","files":[]}}' > "$D/rt-unlisted.json"
  check "$R" 0 policy=warn -- --nonce "$NONCE" "${A[@]}" --policy "$D/rt-unlisted.json"
  printf '{"runtime_files":{"files":[],"allow_unlisted":true}}' > "$D/rt-any.json"
  check "$R" 0 policy=pass -- --nonce "$NONCE" "${A[@]}" --policy "$D/rt-any.json"
  # measured again after the quote: the log runs ahead of the quoted PCR23
  timeout 60 "$COLLECT" measure --tcti "$CVM_TCTI" --runtime-log "$R/runtime.cel" "$D/other.bin" >/dev/null 2>&1
  check "$R" 0 eventlog.runtime=warn -- --nonce "$NONCE" "${A[@]}"
  # the policy only counts what the quote covers: other.bin is not "measured"
  check "$R" 0 policy=pass -- --nonce "$NONCE" "${A[@]}" --policy "$D/rt-ok.json"
else
  echo "note: $COLLECT not built: runtime-log checks skipped"
fi

# broken reports next to the genuine quote (same AK): only that link fails.
# gen-report issues a fresh VCEK into its --pki folder, so it works on a copy
# (the VM keeps signing with its own VCEK)
cp -r "$CVM_DIR/pki" "$D/pki-vm"
B=$D/broken; mkdir -p "$B"
while IFS='|' read -r brk want expect; do
  rm -rf "$B"/*; cp "$E"/* "$B"/; rm -f "$B/guest_report.bin"
  "$FAKE" gen-report -o "$B/snp_report.bin" --pki "$D/pki-vm" --seed "$SEED" --ak-pub "$E/akpub.pem" \
    --key-cache "$KC" --break "$brk" 2>"$D/gen.log" || { bad "gen-report --break $brk: $(tail -1 "$D/gen.log")"; continue; }
  # gen-report issues a fresh VCEK key in the PKI folder: take its certificate
  cat "$D/pki-vm/vcek.pem" "$CVM_CHAIN" > "$B/vcek.pem"
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
  "$FAKE" gen-report -o "$B/snp_report.bin" --pki "$D/pki-vm" --seed "$SEED" --ak-pub "$E/akpub.pem" --key-cache "$KC" --break "$brk" 2>/dev/null
  cat "$D/pki-vm/vcek.pem" "$CVM_CHAIN" > "$B/vcek.pem"
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


# ---- a v1 bundle made by hand from the spec (spec/bundle-v1.md), with
# tpm2-tools and Python only: the verifier must accept any conforming
# writer, not just cvm-collect ----
K=$D/bundle; mkdir -p "$K/m"
BN=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
# fresh report: user-data = SHA-512("cvm-evidence/hcl/v1\0" || nonce)
python3 -c 'import hashlib,sys; sys.stdout.buffer.write(hashlib.sha512(b"cvm-evidence/hcl/v1\0"+bytes.fromhex(sys.argv[1])).digest())' "$BN" > "$K/ud.bin"
timeout 30 tpm2_nvwrite -Q -C o 0x01400002 -i "$K/ud.bin"
timeout 30 tpm2_nvread -C o 0x01400001 -o "$K/m/report.bin" 2>/dev/null
dd if="$K/m/report.bin" of="$K/m/guest_report.bin" bs=1 skip=32 count=1184 status=none
cat "$CVM_VCEK" "$CVM_CHAIN" > "$K/m/vcek.pem"
timeout 30 tpm2_readpublic -Q -c 0x81000003 -f pem -o "$K/m/akpub.pem"
timeout 30 tpm2_readpublic -Q -c 0x81000003 -f tss -o "$K/m/ak.pub"
SEL=sha256:0,1,2,3,4,5,6,7,23
BIND=$(python3 - "$K/m" "$BN" <<'PY'
import hashlib, os, sys
d, nonce = sys.argv[1], bytes.fromhex(sys.argv[2])
pre = ["ak.pub", "akpub.pem", "guest_report.bin", "report.bin", "vcek.pem"]
h = hashlib.sha256(b"cvm-evidence/quote/v1\0" + nonce)
for n in sorted(pre):
    h.update(n.encode() + b"\0" + hashlib.sha256(open(os.path.join(d, n), "rb").read()).digest())
print(h.hexdigest())
PY
)
timeout 30 tpm2_quote -Q -c 0x81000003 -l "$SEL" -q "$BIND" -g sha256 -m "$K/m/quote.msg" -s "$K/m/quote.sig" -o "$K/m/quote.pcrs"
mkbundle() { # out.tar [manifest-override-python]
python3 - "$K/m" "$BN" "$BIND" "$SEL" "$1" "${2:-}" <<'PY'
import hashlib, json, os, sys
d, nonce, binding, sel, out, tweak = sys.argv[1:7]
roles = {"report.bin": "hcl.report", "guest_report.bin": "snp.report", "vcek.pem": "amd.vcek_chain",
         "akpub.pem": "tpm.ak_pem", "ak.pub": "tpm.ak_public", "quote.msg": "tpm.quote_msg",
         "quote.sig": "tpm.quote_sig", "quote.pcrs": "tpm.quote_pcrs"}
m = {n: open(os.path.join(d, n), "rb").read() for n in roles}
man = {"format": "cvm-evidence/bundle/v1", "bundle_id": "0badcafe-0000-4000-8000-000000000001",
       "created": "2026-11-28T07:00:00Z", "collector": {"name": "verify_fakecvm.sh", "version": "1"},
       "custody": {"case_id": "E2E", "examiner": "ci", "note": ""},
       "nonce": {"hex": nonce, "source": "auditor", "fresh_report": True},
       "pcr_selection": sel, "binding": binding,
       "members": [{"name": n, "size": len(m[n]), "sha256": hashlib.sha256(m[n]).hexdigest(), "role": roles[n]}
                   for n in sorted(m)]}
if tweak:
    exec(tweak)
mb = json.dumps(man, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
open(os.path.join(d, "manifest.json"), "wb").write(mb)
print(hashlib.sha256(b"cvm-evidence/seal/v1\0" + mb).hexdigest())
PY
}
mktar() { # out.tar
python3 - "$K/m" "$1" <<'PY'
import os, sys
d, out = sys.argv[1:3]
names = ["ak.pub", "akpub.pem", "guest_report.bin", "manifest.json", "quote.msg", "quote.pcrs", "quote.sig",
         "report.bin", "seal.msg", "seal.sig", "vcek.pem"]
top = "cvm-evidence-0badcafe-0000-4000-8000-000000000001"
o = b""
for name in sorted(names):
    data = open(os.path.join(d, name), "rb").read()
    h = bytearray(512)
    p = (top + "/" + name).encode()
    h[0:len(p)] = p
    h[100:108] = b"000444 \0"; h[108:116] = b"000000 \0"; h[116:124] = b"000000 \0"
    h[124:136] = b"%011o " % len(data); h[136:148] = b"00000000000 "; h[148:156] = b" " * 8
    h[156:157] = b"0"; h[257:265] = b"ustar\x0000"; h[329:337] = b"000000 \0"; h[337:345] = b"000000 \0"
    h[148:156] = b"%06o\0 " % sum(h)
    o += bytes(h) + data + b"\0" * (-len(data) % 512)
open(out, "wb").write(o + b"\0" * 1024)
PY
}
SEALD=$(mkbundle "$K/b.tar")
timeout 30 tpm2_quote -Q -c 0x81000003 -l sha256:0 -q "$SEALD" -g sha256 -m "$K/m/seal.msg" -s "$K/m/seal.sig"
mktar "$K/b.tar"
checkb() { # tar want [link=status...] -- args
  local tar=$1 want=$2; shift 2
  local ex=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do ex+=("$1"); shift; done; [ $# -gt 0 ] && shift
  local rc=0
  "$BIN" "$tar" --json "$@" >"$D/out.json" 2>"$D/err" || rc=$?
  [ "$rc" -eq "$want" ] || { bad "bundle $*: exit $rc, expected $want $(python3 -c 'import json,sys;r=json.load(open(sys.argv[1]));print([(l["id"],l["reason"]) for l in r["links"] if l["status"] in ("fail",)])' "$D/out.json" 2>/dev/null) $(head -2 "$D/err")"; return; }
  for e in "${ex[@]}"; do
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); s={l["id"]:l for l in r["links"]}; l=s[sys.argv[2]]; print("  ",sys.argv[2],l["status"],l["reason"]) if l["status"]!=sys.argv[3] else None; sys.exit(l["status"]!=sys.argv[3])' "$D/out.json" "${e%%=*}" "${e#*=}" && ok || bad "bundle $*: $e"
  done
  ok
}
checkb "$K/b.tar" 0 bundle.tar=pass bundle.manifest=pass quote.binding=pass quote.nonce=pass seal=pass ak.binding=pass -- --nonce "$BN" "${A[@]}"
grep -q "also refreshed" "$D/out.json" && ok || bad "fresh_report not reported"
checkb "$K/b.tar" 0 quote.nonce=warn -- "${A[@]}"
checkb "$K/b.tar" 2 quote.nonce=fail -- --nonce "$NONCE" "${A[@]}"
# a custody claim changed after the seal: the seal breaks
cp "$K/m/manifest.json" "$K/manifest.good"
mkbundle "$K/x.tar" 'man["custody"]["examiner"] = "mallory"' >/dev/null
mktar "$K/x.tar"
checkb "$K/x.tar" 2 bundle.manifest=pass quote.binding=pass seal=fail -- --nonce "$BN" "${A[@]}"
# vcek.pem swapped for another valid chain file (one more newline) and the
# manifest updated to match: the binding digest in quote #1 breaks
cp "$K/m/vcek.pem" "$K/vcek.good"; printf '\n' >> "$K/m/vcek.pem"
# (sealed again, so only the binding can notice)
SEALY=$(mkbundle "$K/y.tar")
cp "$K/m/seal.msg" "$K/seal.msg.good"; cp "$K/m/seal.sig" "$K/seal.sig.good"
timeout 30 tpm2_quote -Q -c 0x81000003 -l sha256:0 -q "$SEALY" -g sha256 -m "$K/m/seal.msg" -s "$K/m/seal.sig"
mktar "$K/y.tar"
checkb "$K/y.tar" 2 bundle.manifest=pass amd.chain=pass quote.binding=fail quote.nonce=skip -- --nonce "$BN" "${A[@]}"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); f=[l["id"] for l in r["links"] if l["status"]=="fail"]; sys.exit(f!=["quote.binding"])' "$D/out.json" \
  && ok || bad "re-sealed bundle with a changed vcek.pem: more than quote.binding failed"
cp "$K/seal.msg.good" "$K/m/seal.msg"; cp "$K/seal.sig.good" "$K/m/seal.sig"
cp "$K/vcek.good" "$K/m/vcek.pem"; cp "$K/manifest.good" "$K/m/manifest.json"
# the manifest lies about fresh_report semantics: another nonce in user-data
mkbundle "$K/z.tar" 'man["nonce"]["source"] = "random"' >/dev/null
mktar "$K/z.tar"
checkb "$K/z.tar" 2 seal=fail -- --nonce "$BN" "${A[@]}"
# sealed properly, a "random" nonce that the auditor claims as theirs warns
SEALZ=$(mkbundle "$K/z.tar" 'man["nonce"]["source"] = "random"')
timeout 30 tpm2_quote -Q -c 0x81000003 -l sha256:0 -q "$SEALZ" -g sha256 -m "$K/m/seal.msg" -s "$K/m/seal.sig"
mktar "$K/z.tar"
checkb "$K/z.tar" 0 seal=pass quote.nonce=warn -- --nonce "$BN" "${A[@]}"

# a batch: the good bundle, the tampered-custody one and a missing file
rc=0
"$BIN" "$K/b.tar" "$K/x.tar" "$K/missing.tar" --nonce "$BN" "${A[@]}" --json >"$D/batch.json" 2>"$D/batch.err" || rc=$?
[ "$rc" -eq 3 ] && ok || bad "batch exit $rc, expected 3 (one bundle unreadable)"
python3 - "$D/batch.json" <<'PY' && ok || bad "batch JSON"
import json, sys
b = json.load(open(sys.argv[1]))
assert b["schema"] == "cvm-verify/batch/v1", b["schema"]
assert b["counts"] == {"verified": 1, "policy_not_met": 0, "invalid": 1, "error": 1}, b["counts"]
assert [r.get("verdict", {}).get("result") for r in b["reports"]] == ["verified", "invalid", None]
assert b["reports"][2]["exit_code"] == 3
PY
rc=0
"$BIN" "$K/b.tar" "$K/x.tar" --nonce "$BN" "${A[@]}" --quiet >"$D/batch.txt" 2>&1 || rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l < "$D/batch.txt")" -eq 3 ] && grep -q "1 verified, 0 policy not met, 1 invalid" "$D/batch.txt" \
  && ok || bad "batch --quiet (exit $rc): $(cat "$D/batch.txt")"

echo "verify_fakecvm: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
