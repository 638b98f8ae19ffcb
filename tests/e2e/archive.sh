#!/usr/bin/env bash
# Evidence that survives years (spec/bundle-v1.md §9, spec/verify.md §3.18,
# §3.19, §4.2), end to end on the fake Azure CVM:
# - cvm-collect --sign-key: manifest.json.p7s; cvm-verify --signer-anchor
#   (CA, pinned self-signed cert, pinned public key), no anchor (warn),
#   wrong anchor / tampered signature (fail), the policy rule, and
#   `openssl cms -verify` interop;
# - cvm-collect timestamp against a local TSA (openssl ts -reply behind
#   python http.server): a new bundle, every other member byte-identical,
#   the original untouched; TSA faults; cvm-verify --tsa-anchor (root or
#   pinned TSA cert), wrong anchor, tampered token, `openssl ts -verify`;
# - a VCEK that expires a few seconds after collection: once it has expired,
#   verification without --at fails with the clock and passes "as of" the
#   verified genTime; --at created uses the collector's claim.
set -euo pipefail
BLD=${CVM_BUILD_DIR:?}
VERIFY=$BLD/verify/cvm-verify
COLLECT=$BLD/collect/cvm-collect
FAKE="${CVM_FAKE_CVM:-${CVM_SOURCE_DIR:?}/testdata/fake-cvm/fake-cvm}"
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$COLLECT" ] || { echo "SKIP: $COLLECT not built"; exit 0; }
for t in swtpm openssl python3; do command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 0; }; done
python3 -c 'import cryptography' 2>/dev/null || { echo "SKIP: python3-cryptography not installed"; exit 0; }

D=$(mktemp -d /tmp/cvmarch.XXXXXX)
KC="${FAKE_CVM_KEY_CACHE:-$BLD/fake-cvm-keys}"
mkdir -p "$KC"
TSA_PID=
cleanup() {
  "$FAKE" stop "$D/vm" >/dev/null 2>&1 || true
  [ -n "$TSA_PID" ] && kill "$TSA_PID" 2>/dev/null || true
  rm -rf "$D"
}
trap cleanup EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
q() { openssl "$@" >/dev/null 2>&1; }

# ---- PKIs ----------------------------------------------------------------
P=$D/pki; mkdir -p "$P"
EC=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
q req -x509 "${EC[@]}" -keyout "$P/opca.key" -out "$P/opca.pem" -subj "/CN=Test Operator CA" -days 3650 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
q req -new "${EC[@]}" -keyout "$P/op.key" -out "$P/op.csr" -subj "/O=Example Forensics/CN=examiner@example.org"
printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >"$P/op.ext"
q x509 -req -in "$P/op.csr" -CA "$P/opca.pem" -CAkey "$P/opca.key" -set_serial 2 -days 365 -extfile "$P/op.ext" -out "$P/op.pem"
q req -x509 -newkey rsa:2048 -nodes -keyout "$P/rsa.key" -out "$P/rsa.pem" -subj "/CN=rsa-operator" -days 30
cat "$P/rsa.key" "$P/rsa.pem" >"$P/rsa-combined.pem"
q pkey -in "$P/rsa.key" -pubout -out "$P/rsa.pub"
q req -x509 "${EC[@]}" -keyout "$P/tsaca.key" -out "$P/tsaca.pem" -subj "/CN=Test TSA Root" -days 3650 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
q req -new "${EC[@]}" -keyout "$P/tsa.key" -out "$P/tsa.csr" -subj "/O=Test/CN=Test TSA"
printf 'extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n' >"$P/tsa.ext"
q x509 -req -in "$P/tsa.csr" -CA "$P/tsaca.pem" -CAkey "$P/tsaca.key" -set_serial 3 -days 3650 -extfile "$P/tsa.ext" -out "$P/tsa.pem"
echo 01 >"$P/tsaserial"
cat >"$P/ts.cnf" <<CNF
[tsa]
default_tsa = t
[t]
serial = $P/tsaserial
crypto_device = builtin
signer_cert = $P/tsa.pem
signer_key = $P/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ess_cert_id_alg = sha256
ordering = no
tsa_name = yes
CNF

# ---- the local TSA -------------------------------------------------------
python3 "$HERE/tsa_server.py" "$P/ts.cnf" "$D/tsa.port" "$D/tsa.mode" 2>"$D/tsa.log" &
TSA_PID=$!
for _ in $(seq 100); do [ -s "$D/tsa.port" ] && break; sleep 0.05; done
TSA="http://127.0.0.1:$(cat "$D/tsa.port")/tsa"
tsa_mode() { echo "$1" >"$D/tsa.mode"; }

# ---- the fake CVM, with a VCEK that expires soon -------------------------
# every check before the expiry section uses the clock: leave room for slow (ASan) runs,
# and much more when scripts/valgrind.sh runs the CLIs under memcheck (cvm-verify.real beside a wrapper)
VALID_S=60
[ -e "$VERIFY.real" ] && VALID_S=600
eval "$("$FAKE" start "$D/vm" --product milan --key-cache "$KC" \
  --vcek-not-after "$(date -u -d "+$VALID_S seconds" +%Y%m%d%H%M%SZ)" 2>"$D/start.log")" || { cat "$D/start.log"; exit 1; }
NOT_AFTER=$(openssl x509 -in "$CVM_VCEK" -noout -enddate | cut -d= -f2)
NONCE=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
C() { timeout 60 "$COLLECT" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --nonce "$NONCE" --runtime-log none --eventlog none "$@"; }
A=(--trust-anchor "$CVM_TRUST_ANCHOR" --nonce "$NONCE")

C --sign-key "$P/op.key" --sign-cert "$P/op.pem" -o "$D/s.tar" >"$D/s.out" 2>"$D/s.err" || { cat "$D/s.err"; exit 1; }
C --sign-key "$P/rsa-combined.pem" -o "$D/r.tar" >/dev/null 2>"$D/r.err" || { cat "$D/r.err"; exit 1; }
C -o "$D/u.tar" >/dev/null 2>&1
# a key that is not the certificate's, or a certificate alone: usage errors before the TPM, nothing written
for args in "--sign-key $P/op.key --sign-cert $P/rsa.pem" "--sign-cert $P/op.pem" "--sign-key $P/op.pem"; do
  rc=0; C $args -o "$D/k.tar" >/dev/null 2>"$D/k.err" || rc=$?
  [ $rc -eq 2 ] && [ ! -e "$D/k.tar" ] && ok || bad "collect $args: exit $rc, expected 2 $(cat "$D/k.err")"
done
grep -q "does not match" <(C --sign-key "$P/op.key" --sign-cert "$P/rsa.pem" -o "$D/k.tar" 2>&1) && ok || bad "key/cert mismatch is named"
SHA_BEFORE=$(sha256sum "$D/s.tar" | cut -d' ' -f1)
tsa_mode ok
timeout 60 "$COLLECT" timestamp --tsa "$TSA" -o "$D/st.tar" "$D/s.tar" >"$D/ts.out" 2>"$D/ts.err" \
  && ok || bad "timestamp: $(cat "$D/ts.err")"
timeout 60 "$COLLECT" timestamp --tsa "$TSA" "$D/u.tar" >/dev/null 2>"$D/tu.err" && ok || bad "timestamp default output: $(cat "$D/tu.err")"
T_COLLECTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# verify TAR WANT_RC [LINK=STATUS | py:EXPR ...] -- [cvm-verify args]
check() {
  local tar=$1 want=$2; shift 2
  local expects=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do expects+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  local rc=0
  "$VERIFY" --json "$@" "$tar" >"$D/out.json" 2>"$D/err" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    bad "$(basename "$tar") $*: exit $rc, expected $want $(head -2 "$D/err") $(python3 -c 'import json,sys;r=json.load(open(sys.argv[1]));print([(l["id"],l["reason"]) for l in r["links"] if l["status"] in ("fail","warn")])' "$D/out.json" 2>/dev/null)"
    return
  fi
  for e in "${expects[@]}"; do
    python3 - "$D/out.json" "$e" <<'PY' && ok || bad "$(basename "$tar") $*: $e"
import json, sys
r = json.load(open(sys.argv[1]))
s = {l["id"]: l for l in r["links"]}
e = sys.argv[2]
if e.startswith("py:"):
    if not eval(e[3:], {"r": r, "s": s}):
        print("  does not hold:", e[3:], "time", r["time"], {k: (v["status"], v["reason"]) for k, v in s.items() if k in ("operator.signature", "timestamp", "amd.chain")})
        sys.exit(1)
    sys.exit(0)
k, v = e.split("=", 1)
if s[k]["status"] != v:
    print(f'  {k} is {s[k]["status"]}: {s[k]["reason"]}')
    sys.exit(1)
PY
  done
  ok
}

# ---- operator signature --------------------------------------------------
grep -q '^operator_signature: manifest.json.p7s' "$D/s.out" && ok || bad "collect summary names the signature"
check "$D/s.tar" 0 operator.signature=pass 'py:"examiner@example.org" in s["operator.signature"]["reason"]' \
  'py:s["operator.signature"]["details"]["signers"][0]["spki_sha256"] and "signing_time_claim" in s["operator.signature"]["details"]["signers"][0]' \
  -- "${A[@]}" --signer-anchor "$P/opca.pem"
check "$D/s.tar" 0 operator.signature=warn 'py:"no --signer-anchor" in s["operator.signature"]["reason"]' -- "${A[@]}"
check "$D/s.tar" 2 operator.signature=fail -- "${A[@]}" --signer-anchor "$P/tsaca.pem"
check "$D/s.tar" 2 operator.signature=fail -- "${A[@]}" --signer-anchor "$P/rsa.pub"
check "$D/r.tar" 0 operator.signature=pass 'py:"rsa-operator" in s["operator.signature"]["reason"]' -- "${A[@]}" --signer-anchor "$P/rsa.pem"
check "$D/r.tar" 0 operator.signature=pass 'py:"pinned" in s["operator.signature"]["reason"]' -- "${A[@]}" --signer-anchor "$P/rsa.pub"
check "$D/u.tar" 0 operator.signature=skip -- "${A[@]}" --signer-anchor "$P/opca.pem"
rc=0; "$VERIFY" --signer-anchor "$D/nope.pem" "$D/s.tar" >/dev/null 2>&1 || rc=$?
[ $rc -eq 3 ] && ok || bad "unreadable --signer-anchor: exit $rc, expected 3"
echo '{"require_operator_signature": {"action": "fail"}}' >"$D/pol.json"
check "$D/s.tar" 0 policy=pass -- "${A[@]}" --signer-anchor "$P/opca.pem" --policy "$D/pol.json"
check "$D/s.tar" 1 policy=fail operator.signature=warn -- "${A[@]}" --policy "$D/pol.json"

# members as stored; a same-size edit keeps the tar valid (headers unchanged)
members() { python3 - "$1" "$2" <<'PY'
import sys, tarfile, os
with tarfile.open(sys.argv[1]) as t:
    for m in t.getmembers():
        open(os.path.join(sys.argv[2], os.path.basename(m.name)), "wb").write(t.extractfile(m).read())
PY
}
flip() { python3 - "$1" "$2" "$3" "$4" <<'PY'
import sys, tarfile
src, member, off, dst = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
b = bytearray(open(src, "rb").read())
with tarfile.open(src) as t:
    m = [m for m in t.getmembers() if m.name.endswith("/" + member)][0]
i = m.offset_data + (off if off >= 0 else m.size + off)
b[i] ^= 0x01
open(dst, "wb").write(b)
PY
}
mkdir -p "$D/x" "$D/xt"
members "$D/s.tar" "$D/x"
openssl cms -verify -binary -inform DER -in "$D/x/manifest.json.p7s" -content "$D/x/manifest.json" \
  -CAfile "$P/opca.pem" -purpose any -out /dev/null 2>"$D/cms.err" && ok || bad "openssl cms -verify: $(cat "$D/cms.err")"
flip "$D/s.tar" manifest.json.p7s -3 "$D/s-badsig.tar"
check "$D/s-badsig.tar" 2 operator.signature=fail -- "${A[@]}"
# the manifest changed after signing (and after sealing: the seal fails too)
flip "$D/s.tar" manifest.json 30 "$D/s-badman.tar"
check "$D/s-badman.tar" 2 operator.signature=fail -- "${A[@]}" --signer-anchor "$P/opca.pem"

# ---- timestamp: the new bundle --------------------------------------------
[ "$(sha256sum "$D/s.tar" | cut -d' ' -f1)" = "$SHA_BEFORE" ] && ok || bad "timestamp changed the original bundle"
grep -q "^stamped: seal.sig " "$D/ts.out" && grep -q "^stamped: manifest.json.p7s " "$D/ts.out" && ok || bad "timestamp summary: $(cat "$D/ts.out")"
[ -f "$D/u.ts.tar" ] && ok || bad "timestamp default output u.ts.tar missing"
members "$D/st.tar" "$D/xt"
python3 - "$D/s.tar" "$D/st.tar" <<'PY' && ok || bad "members changed by timestamp"
import sys, tarfile
a = {m.name: tarfile.open(sys.argv[1]).extractfile(m).read() for m in tarfile.open(sys.argv[1]).getmembers()}
b = {m.name: tarfile.open(sys.argv[2]).extractfile(m).read() for m in tarfile.open(sys.argv[2]).getmembers()}
added = sorted(k.split("/")[1] for k in set(b) - set(a))
assert added == ["manifest.json.p7s.tsr", "seal.sig.tsr"], added
assert all(a[k] == b[k] for k in a), [k for k in a if a[k] != b.get(k)]
PY
openssl ts -verify -in "$D/xt/seal.sig.tsr" -data "$D/xt/seal.sig" -CAfile "$P/tsaca.pem" >/dev/null 2>"$D/tsv.err" \
  && ok || bad "openssl ts -verify: $(cat "$D/tsv.err")"
rc=0; "$COLLECT" timestamp --tsa "$TSA" -o "$D/st2.tar" "$D/st.tar" >/dev/null 2>"$D/again.err" || rc=$?
[ $rc -eq 2 ] && grep -q "already stamped" "$D/again.err" && [ ! -e "$D/st2.tar" ] && ok || bad "re-stamping: exit $rc $(cat "$D/again.err")"
rc=0; "$COLLECT" timestamp --tsa "$TSA" -o "$D/st.tar" "$D/s.tar" >/dev/null 2>&1 || rc=$?
[ $rc -eq 7 ] && ok || bad "existing output without --force: exit $rc, expected 7"
for m in 500 garbage other; do
  tsa_mode $m
  rc=0; timeout 60 "$COLLECT" timestamp --tsa "$TSA" -o "$D/f-$m.tar" "$D/s.tar" >/dev/null 2>"$D/f-$m.err" || rc=$?
  [ $rc -eq 5 ] && [ ! -e "$D/f-$m.tar" ] && ok || bad "TSA mode $m: exit $rc, expected 5, output $(ls "$D/f-$m.tar" 2>&1) $(cat "$D/f-$m.err")"
done
grep -q "imprint or nonce" "$D/f-other.err" && ok || bad "a token over other data is named: $(cat "$D/f-other.err")"
tsa_mode ok

# ---- timestamp: verification, while the VCEK is still valid ---------------
check "$D/st.tar" 0 timestamp=pass operator.signature=pass 'py:r["time"]["kind"] == "timestamp"' \
  'py:len(s["timestamp"]["details"]["tokens"]) == 2 and all(t["verified"] for t in s["timestamp"]["details"]["tokens"])' \
  -- "${A[@]}" --tsa-anchor "$P/tsaca.pem" --signer-anchor "$P/opca.pem"
check "$D/st.tar" 0 timestamp=pass 'py:r["time"]["kind"] == "timestamp"' -- "${A[@]}" --tsa-anchor "$P/tsa.pem"
check "$D/st.tar" 0 timestamp=warn 'py:r["time"]["kind"] == "now"' -- "${A[@]}"
check "$D/st.tar" 2 timestamp=fail 'py:r["time"]["kind"] == "now"' -- "${A[@]}" --tsa-anchor "$P/opca.pem"
check "$D/st.tar" 0 timestamp=pass 'py:r["time"]["kind"] == "explicit"' -- "${A[@]}" --tsa-anchor "$P/tsaca.pem" --at "$T_COLLECTED"
flip "$D/st.tar" seal.sig.tsr -5 "$D/st-badtok.tar"
check "$D/st-badtok.tar" 2 timestamp=fail -- "${A[@]}" --tsa-anchor "$P/tsaca.pem"
check "$D/u.ts.tar" 0 timestamp=pass operator.signature=skip -- "${A[@]}" --tsa-anchor "$P/tsaca.pem"

# ---- years later: the VCEK has expired -------------------------------------
left=$(( $(date -d "$NOT_AFTER" +%s) + 2 - $(date +%s) ))
echo "VCEK notAfter $NOT_AFTER: waiting ${left}s for it to expire"
[ $left -gt 0 ] && sleep $left
check "$D/st.tar" 2 amd.chain=fail 'py:r["time"]["kind"] == "now" and "expired" in s["amd.chain"]["reason"]' -- "${A[@]}"
check "$D/st.tar" 0 amd.chain=pass timestamp=pass operator.signature=pass 'py:r["time"]["kind"] == "timestamp"' \
  -- "${A[@]}" --tsa-anchor "$P/tsaca.pem" --signer-anchor "$P/opca.pem"
"$VERIFY" "${A[@]}" --tsa-anchor "$P/tsaca.pem" --html "$D/r.html" "$D/st.tar" >"$D/text.out" 2>&1 || true
grep -q "verified RFC 3161 genTime over seal.sig" "$D/r.html" && ok || bad "HTML report states the time basis"
grep -q "verification time .*timestamp: verified RFC 3161 genTime over seal.sig" "$D/text.out" && ok || bad "text report states the time basis: $(grep 'verification time' "$D/text.out")"
check "$D/st.tar" 2 amd.chain=fail -- "${A[@]}" --tsa-anchor "$P/tsaca.pem" --at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
check "$D/st.tar" 0 amd.chain=pass 'py:r["time"]["kind"] == "collector-claim"' -- "${A[@]}" --at created

echo "archive: $pass passed, $fail failed"
[ $fail -eq 0 ]
