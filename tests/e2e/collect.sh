#!/bin/bash
# cvm-collect end to end on the fake Azure CVM (testdata/fake-cvm):
# bundle contents and interop with tpm2-tools / openssl / tar, --fresh,
# measure → collect replay, IMDS faults and fallbacks, KDS, error paths,
# atomicity and determinism. Every tool call runs under `timeout`; every
# process started here is stopped by the EXIT trap.
set -uo pipefail

. "$(dirname "$0")/lib.bash"
SWTPM_ENV=$SRC/tests/collect/swtpm_env.sh
STUB=$SRC/tests/collect/http_stub.py
T="timeout 60"
export TSS2_LOG=all+NONE

e2e_need "$COLLECT" "$FAKE"
e2e_tmpdir cvc
STUB_PID=
cleanup() {
    [ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null
    timeout 30 "$FAKE" stop "$D/vm" >/dev/null 2>&1
    timeout 30 "$FAKE" stop "$D/vm2" >/dev/null 2>&1
    for t in "$D"/tpm-*; do [ -d "$t" ] && bash "$SWTPM_ENV" stop "$t"; done
    rm -rf "$D"
}
trap cleanup EXIT
# no file and no temp file may be left at/next to the output
no_output() { [ ! -e "$1" ] && ! ls "$(dirname "$1")"/.cvm-collect.* >/dev/null 2>&1; }

# the RSA-4096 ARK/ASK keys are slow to make: the two fake VMs below share them
export FAKE_CVM_KEY_CACHE=$D/keys
$T "$FAKE" start "$D/vm" >"$D/env.sh" 2>"$D/fake.log" || { cat "$D/fake.log"; echo "FAIL - fake CVM start"; exit 1; }
. "$D/env.sh"
cat "$CVM_VCEK" "$CVM_CHAIN" >"$D/vcek-chain.pem"
NONCE=$(openssl rand -hex 32)
C() { $T "$COLLECT" --tcti "$CVM_TCTI" "$@"; }

# ---------------------------------------------------------------- 1. basic bundle
C --imds "$CVM_IMDS_URL" --nonce "$NONCE" --runtime-log none --eventlog none \
    --case-id CASE-7 --examiner "Zoë" --note "e2e" -o "$D/b1.tar" >"$D/b1.out" 2>"$D/b1.err"
check "collect exits 0" test $? -eq 0
check "summary names the bundle and its sha256" \
    grep -q "^sha256: $(sha256sum "$D/b1.tar" | cut -c1-64)\$" "$D/b1.out"
grep -q "^tpm_commands: " "$D/b1.out" && echo "     $(grep '^tpm_commands' "$D/b1.out") per collection"
check "bundle is 0444" test "$(stat -c %a "$D/b1.tar")" = 444
mkdir -p "$D/x1" && $T tar -xf "$D/b1.tar" -C "$D/x1"
X1=$(echo "$D"/x1/cvm-evidence-*)
check "tar -xf gives one top directory with the card's names" \
    test "$(cd "$X1" && ls | tr '\n' ' ')" = "ak.pub akpub.pem guest_report.bin manifest.json quote.msg quote.pcrs quote.sig report.bin seal.msg seal.sig vcek.pem "
check "tar listing is sorted, ustar, mode 0444, mtime 0" \
    bash -c "$T tar -tvf '$D/b1.tar' | awk '{print \$1, \$2, \$4, \$5}' | sort -u | grep -qx -- '-r--r--r-- 0/0 1970-01-01 00:00'"
check "guest_report.bin is bytes 32..1216 of report.bin" \
    bash -c "dd if='$X1/report.bin' bs=1 skip=32 count=1184 status=none | cmp -s - '$X1/guest_report.bin'"
BIND=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["binding"])' "$X1/manifest.json")
check "binding digest recomputed independently (spec/bundle-v1.md §5.1)" python3 - "$X1" "$NONCE" "$BIND" <<'EOF'
import hashlib, os, sys
d, nonce, want = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3]
pre = ["report.bin", "guest_report.bin", "vcek.pem", "akpub.pem", "ak.pub", "eventlog.bin", "runtime.cel"]
h = hashlib.sha256(b"cvm-evidence/quote/v1\0" + nonce)
for n in sorted(x for x in pre if os.path.exists(os.path.join(d, x))):
    h.update(n.encode() + b"\0" + hashlib.sha256(open(os.path.join(d, n), "rb").read()).digest())
sys.exit(0 if h.hexdigest() == want else 1)
EOF
check "manifest: auditor nonce, custody claims, members" python3 - "$X1" "$NONCE" <<'EOF'
import hashlib, json, os, sys
d, nonce = sys.argv[1], sys.argv[2]
raw = open(os.path.join(d, "manifest.json"), "rb").read()
m = json.loads(raw)
assert raw == json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(), "not canonical"
assert m["nonce"] == {"fresh_report": False, "hex": nonce, "source": "auditor"}, m["nonce"]
assert m["custody"] == {"case_id": "CASE-7", "examiner": "Zo\u00eb", "note": "e2e"}, m["custody"]
assert m["pcr_selection"] == "sha256:" + ",".join(str(i) for i in range(24))
names = [x["name"] for x in m["members"]]
assert names == [n for n in sorted(os.listdir(d)) if n not in ("manifest.json", "seal.msg", "seal.sig")], names
for x in m["members"]:
    b = open(os.path.join(d, x["name"]), "rb").read()
    assert x["size"] == len(b) and x["sha256"] == hashlib.sha256(b).hexdigest(), x["name"]
EOF
check "tpm2_checkquote accepts quote #1 with the binding as nonce and quote.pcrs" \
    $T tpm2_checkquote -u "$X1/akpub.pem" -m "$X1/quote.msg" -s "$X1/quote.sig" -f "$X1/quote.pcrs" -g sha256 -q "$BIND" -Q
check "tpm2_checkquote rejects quote #1 with the plain nonce" \
    bash -c "! $T tpm2_checkquote -u '$X1/akpub.pem' -m '$X1/quote.msg' -s '$X1/quote.sig' -g sha256 -q '$NONCE' -Q 2>/dev/null"
SEAL=$( (printf 'cvm-evidence/seal/v1\0'; cat "$X1/manifest.json") | sha256sum | cut -c1-64)
check "tpm2_checkquote accepts the seal quote over SHA-256(tag||manifest.json)" \
    $T tpm2_checkquote -u "$X1/akpub.pem" -m "$X1/seal.msg" -s "$X1/seal.sig" -g sha256 -q "$SEAL" -Q
awk '/BEGIN CERT/{n++} n==2' "$X1/vcek.pem" >"$D/ask.pem"
check "openssl verify: VCEK <- ASK <- fake ARK" \
    bash -c "$T openssl verify -CAfile '$CVM_TRUST_ANCHOR' -untrusted '$D/ask.pem' '$X1/vcek.pem' >/dev/null"
check "vcek.pem is THIM's VCEK then ASK, ARK" cmp -s "$X1/vcek.pem" "$D/vcek-chain.pem"
$T tpm2_readpublic -Q -T "$CVM_TCTI" -c 0x81000003 -f pem -o "$D/tools-ak.pem"
check "akpub.pem is byte-identical to tpm2_readpublic -f pem" cmp -s "$X1/akpub.pem" "$D/tools-ak.pem"
$T tpm2_readpublic -Q -T "$CVM_TCTI" -c 0x81000003 -f tss -o "$D/tools-ak.pub"
check "ak.pub is the TPM2B_PUBLIC tpm2_readpublic -f tss writes" cmp -s "$X1/ak.pub" "$D/tools-ak.pub"

verify_ok() { # NAME TAR NONCE
    if [ ! -x "$VERIFY" ]; then echo "skip - cvm-verify not built ($1)"; return; fi
    $T "$VERIFY" --trust-anchor "$CVM_TRUST_ANCHOR" --nonce "$3" "$2" >"$2.verify" 2>&1
    local rc=$?
    if grep -q "not supported by this build" "$2.verify"; then
        echo "skip - cvm-verify cannot read bundles yet ($1)"
        return
    fi
    check "cvm-verify --trust-anchor --nonce verifies the $1 bundle (rc $rc)" test $rc -eq 0
    [ $rc -eq 0 ] || tail -25 "$2.verify"
}
verify_ok basic "$D/b1.tar" "$NONCE"

# ---------------------------------------------------------------- 2. determinism
C --imds "$CVM_IMDS_URL" --nonce "$NONCE" --runtime-log none --eventlog none \
    --case-id CASE-7 --examiner "Zoë" --note "e2e" -o "$D/b2.tar" >/dev/null 2>&1
mkdir -p "$D/x2" && $T tar -xf "$D/b2.tar" -C "$D/x2"
check "two bundles from the same inputs differ only where nonce/quote/report refresh differ" \
    python3 - "$X1" "$(echo "$D"/x2/cvm-evidence-*)" "$D/b1.tar" "$D/b2.tar" <<'EOF'
import json, os, sys
a, b = sys.argv[1], sys.argv[2]
rd = lambda d, n: open(os.path.join(d, n), "rb").read()
assert sorted(os.listdir(a)) == sorted(os.listdir(b))
for n in ["vcek.pem", "akpub.pem", "ak.pub", "quote.pcrs"]:
    assert rd(a, n) == rd(b, n), n
# the report may have been regenerated by the paravisor (offset-0 read, 2 s period)
same_report = rd(a, "report.bin") == rd(b, "report.bin")
ma, mb = json.loads(rd(a, "manifest.json")), json.loads(rd(b, "manifest.json"))
assert (ma["binding"] == mb["binding"]) == same_report, "binding must follow the pre-quote members"
volatile = {"quote.msg", "quote.sig"} | (set() if same_report else {"report.bin", "guest_report.bin"})
for m in (ma, mb):
    m["members"] = [x for x in m["members"] if x["name"] not in volatile]
    for k in ("bundle_id", "created", "binding"):
        m.pop(k)
assert ma == mb, (ma, mb)
# the tar layout (header blocks apart from names) is identical up to sizes
ta, tb = open(sys.argv[3], "rb").read(), open(sys.argv[4], "rb").read()
assert len(ta) == len(tb) and len(ta) % 512 == 0
EOF

# a PCR extended between the quote and the read-back (test hook: PCR16)
CVM_COLLECT_TEST_FAIL=race C --imds "$CVM_IMDS_URL" --nonce "$NONCE" --runtime-log none --eventlog none \
    -o "$D/race.tar" >"$D/race.out" 2>"$D/race.err"
check "a racing extend makes it quote again (2 attempts) and the result checks" \
    bash -c "[ $? -eq 0 ] && grep -q '^quote_attempts: 2' '$D/race.out' && grep -q 'PCRs changed between the quote' '$D/race.err'"
mkdir -p "$D/xr" && $T tar -xf "$D/race.tar" -C "$D/xr"
XR=$(echo "$D"/xr/cvm-evidence-*)
check "  ... tpm2_checkquote accepts the re-quoted bundle's quote.pcrs" \
    $T tpm2_checkquote -u "$XR/akpub.pem" -m "$XR/quote.msg" -s "$XR/quote.sig" -f "$XR/quote.pcrs" -g sha256 \
    -q "$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["binding"])' "$XR/manifest.json")" -Q
CVM_COLLECT_TEST_FAIL=race-always C --imds "$CVM_IMDS_URL" --runtime-log none --eventlog none \
    -o "$D/race2.tar" >/dev/null 2>"$D/race2.err"
rc=$?
check "PCRs that never hold still: exit 8 after 3 quotes, no file" \
    bash -c "[ $rc -eq 8 ] && grep -q 'PCRs kept changing during 3 quotes' '$D/race2.err' && [ ! -e '$D/race2.tar' ]"

# other banks and mixed digest sizes: values in selection order, pcrDigest with the AK's SHA-256
C --imds "$CVM_IMDS_URL" --nonce "$NONCE" --pcrs "sha1:0-7+sha384:16,23" --runtime-log none --eventlog none \
    -o "$D/banks.tar" >"$D/banks.out" 2>&1
check "--pcrs sha1:0-7+sha384:16,23 collects" grep -q '^pcrs: sha1:0,1,2,3,4,5,6,7+sha384:16,23$' "$D/banks.out"
mkdir -p "$D/xb" && $T tar -xf "$D/banks.tar" -C "$D/xb"
XB=$(echo "$D"/xb/cvm-evidence-*)
check "  ... tpm2_checkquote accepts its quote.pcrs" \
    $T tpm2_checkquote -u "$XB/akpub.pem" -m "$XB/quote.msg" -s "$XB/quote.sig" -f "$XB/quote.pcrs" -g sha256 \
    -q "$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["binding"])' "$XB/manifest.json")" -Q
verify_ok "two-bank" "$D/banks.tar" "$NONCE"

# ---------------------------------------------------------------- 3. --fresh
C --imds "$CVM_IMDS_URL" --nonce "$NONCE" --fresh --runtime-log none --eventlog none -o "$D/f.tar" >"$D/f.out" 2>"$D/f.err"
check "--fresh collect exits 0" test $? -eq 0
mkdir -p "$D/xf" && $T tar -xf "$D/f.tar" -C "$D/xf"
check "--fresh: the report's runtime user-data is SHA-512(tag||nonce), fresh_report true" \
    python3 - "$(echo "$D"/xf/cvm-evidence-*)" "$NONCE" "$CVM_HCL_REPORT" <<'EOF'
import hashlib, json, os, struct, sys
d, nonce = sys.argv[1], bytes.fromhex(sys.argv[2])
want = hashlib.sha512(b"cvm-evidence/hcl/v1\0" + nonce).hexdigest()
for f in (os.path.join(d, "report.bin"), sys.argv[3]):
    r = open(f, "rb").read()
    n = struct.unpack("<I", r[1232:1236])[0]
    assert json.loads(r[1236:1236 + n])["user-data"].lower() == want, f
m = json.load(open(os.path.join(d, "manifest.json")))
assert m["nonce"]["fresh_report"] is True
EOF

verify_ok --fresh "$D/f.tar" "$NONCE"

# a VM whose guest never defined NV 0x01400002: --fresh defines it (64 bytes, owner read/write)
if (
    $T "$FAKE" start "$D/vm2" --no-user-data-index >"$D/env2.sh" 2>>"$D/fake.log" || exit 1
    . "$D/env2.sh"
    $T "$COLLECT" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --nonce "$NONCE" --fresh --runtime-log none \
        --eventlog none -v -o "$D/f2.tar" >/dev/null 2>"$D/f2.err" || exit 1
    grep -q 'defined NV 0x01400002' "$D/f2.err" || exit 1
    $T tpm2_nvreadpublic -T "$CVM_TCTI" 0x01400002 >"$D/nvpub" 2>/dev/null || exit 1
    grep -q 'friendly: ownerwrite|authwrite|ownerread|authread|written' "$D/nvpub" && grep -q 'size: 64' "$D/nvpub"
); then pass "--fresh on a VM without NV 0x01400002 defines it and refreshes"; else fail "--fresh defines NV 0x01400002"; fi
timeout 30 "$FAKE" stop "$D/vm2" >/dev/null 2>&1

# ---------------------------------------------------------------- 4. measure, then collect
echo "first file" >"$D/m1"; echo "second file" >"$D/m2"
RT=$D/rt/runtime.cel
$T "$COLLECT" measure --tcti "$CVM_TCTI" --runtime-log "$RT" "$D/m1" "$D/m2" >"$D/m.out" 2>"$D/m.err"
check "measure exits 0" test $? -eq 0
$T "$COLLECT" measure --tcti "$CVM_TCTI" --runtime-log "$RT" "$D/m1" >>"$D/m.out" 2>>"$D/m.err"
check "a second measure appends (record 4)" grep -q "(record 4)" "$D/m.out"
C --imds "$CVM_IMDS_URL" --nonce "$NONCE" --runtime-log "$RT" --eventlog none -o "$D/m.tar" >/dev/null 2>"$D/mc.err"
check "collect with the runtime log exits 0" test $? -eq 0
mkdir -p "$D/xm" && $T tar -xf "$D/m.tar" -C "$D/xm"
XM=$(echo "$D"/xm/cvm-evidence-*)
check "runtime.cel is in the bundle, byte-identical" cmp -s "$XM/runtime.cel" "$RT"
check "runtime.cel replays to PCR23 in quote.pcrs" python3 - "$XM" <<'EOF'
import hashlib, os, struct, sys
d = sys.argv[1]
log = open(os.path.join(d, "runtime.cel"), "rb").read()
def tlvs(b):
    p = 0
    while p < len(b):
        t, l = b[p], struct.unpack(">I", b[p + 1:p + 5])[0]
        yield t, b[p + 5:p + 5 + l]
        p += 5 + l
pcr, n = bytes(32), 0
for t, v in tlvs(log):
    if t == 3:
        n += 1
        for at, dg in tlvs(v):
            if at == 11:
                pcr = hashlib.sha256(pcr + dg).digest()
f = open(os.path.join(d, "quote.pcrs"), "rb").read()
off = 136 + 2 * 532 + 4 + 7 * 66          # block 2, digest 7 = PCR23 of sha256:0-23
size = struct.unpack("<H", f[off:off + 2])[0]
assert n == 5 and size == 32 and f[off + 2:off + 34] == pcr, (n, pcr.hex(), f[off + 2:off + 34].hex())
EOF
check "tpm2_checkquote accepts the quote with the runtime log bound" \
    $T tpm2_checkquote -u "$XM/akpub.pem" -m "$XM/quote.msg" -s "$XM/quote.sig" -f "$XM/quote.pcrs" -g sha256 \
    -q "$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["binding"])' "$XM/manifest.json")" -Q
verify_ok runtime-log "$D/m.tar" "$NONCE"
CVM_COLLECT_TEST_FAIL=measure-before-extend $T "$COLLECT" measure --tcti "$CVM_TCTI" --runtime-log "$RT" "$D/m2" >/dev/null 2>&1
$T "$COLLECT" measure --tcti "$CVM_TCTI" --runtime-log "$RT" "$D/m2" >/dev/null 2>"$D/m2.err"
rc=$?
check "an interrupted measure is detected by replay (exit 8, names the records)" \
    bash -c "[ $rc -eq 8 ] && grep -q 'records 5..5 of the runtime log were logged but never extended' '$D/m2.err'"
$T "$COLLECT" measure --resume --tcti "$CVM_TCTI" --runtime-log "$RT" "$D/m2" >"$D/m3.out" 2>&1
check "--resume extends the pending record and goes on" grep -q "(record 6)" "$D/m3.out"
$T tpm2_pcrextend -T "$CVM_TCTI" 23:sha256=$(printf '%064d' 7) >/dev/null 2>&1
$T "$COLLECT" measure --tcti "$CVM_TCTI" --runtime-log "$RT" "$D/m2" >/dev/null 2>"$D/m4.err"
rc=$?
check "an extend behind measure's back is reported (exit 8)" \
    bash -c "[ $rc -eq 8 ] && grep -q 'no prefix of it matches' '$D/m4.err'"

# a TPM reset (reboot) between two measures: a new log, the old one kept as .prev
bash "$SWTPM_ENV" start "$D/tpm-reboot" >/dev/null
RB="swtpm:path=$D/tpm-reboot/sock"
$T "$COLLECT" measure --tcti "$RB" --runtime-log "$D/rb.cel" "$D/m1" >/dev/null 2>&1
timeout 10 swtpm_ioctl --unix "$D/tpm-reboot/sock.ctrl" -i >/dev/null && $T tpm2_startup -T "$RB" -c >/dev/null 2>&1
$T "$COLLECT" measure --tcti "$RB" --runtime-log "$D/rb.cel" "$D/m2" >"$D/rb.out" 2>"$D/rb.err"
rc=$?
check "after a TPM reset measure starts a new log (record 2) and keeps the old one as .prev" \
    bash -c "[ $rc -eq 0 ] && grep -q 'from another boot' '$D/rb.err' && grep -q '(record 2)' '$D/rb.out' && [ -s '$D/rb.cel.prev' ]"

# ---------------------------------------------------------------- 5. IMDS faults and fallbacks
for mode in 500 garbage truncated; do
    $T "$FAKE" imds-mode "$D/vm" "$mode" >/dev/null 2>&1
    C --imds "$CVM_IMDS_URL" --vcek "$D/vcek-chain.pem" --runtime-log none --eventlog none -o "$D/i-$mode.tar" \
        >"$D/i-$mode.out" 2>"$D/i-$mode.err"
    rc=$?
    check "IMDS $mode: falls back to --vcek, says so, exits 0" \
        bash -c "[ $rc -eq 0 ] && grep -q 'IMDS failed' '$D/i-$mode.err' && grep -q 'falling back to --vcek' '$D/i-$mode.err' && grep -q '^vcek: file' '$D/i-$mode.out'"
done
$T "$FAKE" imds-mode "$D/vm" hang >/dev/null 2>&1
START=$SECONDS
C --imds "$CVM_IMDS_URL" --vcek "$D/vcek-chain.pem" --runtime-log none --eventlog none -o "$D/i-hang.tar" \
    >/dev/null 2>"$D/i-hang.err"
rc=$?
check "IMDS that never answers: times out (3 x 3 s), falls back, exits 0 within 15 s" \
    bash -c "[ $rc -eq 0 ] && [ $((SECONDS - START)) -le 15 ] && grep -q 'Timeout' '$D/i-hang.err'"
$T "$FAKE" imds-mode "$D/vm" 500 >/dev/null 2>&1
C --imds "$CVM_IMDS_URL" --runtime-log none --eventlog none -o "$D/i-none.tar" >/dev/null 2>"$D/i-none.err"
rc=$?
check "IMDS 500 without a fallback: exit 5, clear message, no file" \
    bash -c "[ $rc -eq 5 ] && grep -q 'no VCEK certificate chain' '$D/i-none.err' && grep -q 'HTTP status 500' '$D/i-none.err'"
check "  ... and nothing at the output path" no_output "$D/i-none.tar"
$T "$FAKE" imds-mode "$D/vm" stale-tcb >/dev/null 2>&1
C --imds "$CVM_IMDS_URL" --runtime-log none --eventlog none -o "$D/i-stale.tar" >/dev/null 2>"$D/i-stale.err"
check "IMDS stale-tcb: collected, with a warning about the TCB" grep -q "will not verify the report" "$D/i-stale.err"
$T "$FAKE" imds-mode "$D/vm" ok >/dev/null 2>&1

# KDS from a local stub serving the fake PKI (formats.md §3.3 URL)
openssl x509 -in "$CVM_VCEK" -outform DER -out "$D/vcek.der"
(exec timeout 300 python3 "$STUB" "$D/port" "$D/none.json" "$D/vcek.der" "$CVM_CHAIN" >/dev/null 2>&1) &
STUB_PID=$!
for _ in $(seq 100); do [ -s "$D/port" ] && break; sleep 0.05; done
KDS=http://127.0.0.1:$(cat "$D/port")/ok
C --kds --kds-url "$KDS" --runtime-log none --eventlog none -o "$D/k.tar" >"$D/k.out" 2>"$D/k.err"
check "--kds: exits 0 with the VCEK from KDS" bash -c "[ $? -eq 0 ] && grep -q '^vcek: kds' '$D/k.out'"
mkdir -p "$D/xk" && $T tar -xf "$D/k.tar" -C "$D/xk"
check "--kds: vcek.pem = VCEK (PEM) then KDS cert_chain" cmp -s "$(echo "$D"/xk/cvm-evidence-*)/vcek.pem" "$D/vcek-chain.pem"
PATHS=$(curl -s --noproxy '*' "${KDS%/ok}/paths/")
check "--kds: the URL carries the report's chip id and REPORTED_TCB SPLs" python3 - "$PATHS" "$CVM_HCL_REPORT" <<'EOF'
import struct, sys
paths, r = sys.argv[1].split("\n"), open(sys.argv[2], "rb").read()
snp = r[32:32 + 1184]
chip = snp[0x1A0:0x1E0].hex()
tcb = snp[0x180:0x188]
want = "/ok/vcek/v1/Milan/%s?blSPL=%d&teeSPL=%d&snpSPL=%d&ucodeSPL=%d" % (chip, tcb[0], tcb[1], tcb[6], tcb[7])
assert paths == [want, "/ok/vcek/v1/Milan/cert_chain"], (paths, want)
EOF

# ---------------------------------------------------------------- 6. errors a user can act on
C --nonce abcd -o "$D/e.tar" >/dev/null 2>"$D/e1.err"
rc=$?
check "bad nonce size: exit 2 with the rule" bash -c "[ $rc -eq 2 ] && grep -q 'exactly 64 hex digits' '$D/e1.err'"
C --note "$(printf 'bad\xffutf8')" -o "$D/e.tar" >/dev/null 2>"$D/e0.err"
rc=$?
check "custody claim that is not UTF-8: exit 2 before the TPM is used, no file" \
    bash -c "[ $rc -eq 2 ] && grep -q 'must be valid UTF-8' '$D/e0.err' && [ ! -e '$D/e.tar' ]"
$T "$COLLECT" --tcti "swtpm:path=$D/nonexistent.sock" --vcek "$D/vcek-chain.pem" -o "$D/e.tar" >/dev/null 2>"$D/e2.err"
rc=$?
check "no TPM (bad TCTI): exit 3, clear message, no file" \
    bash -c "[ $rc -eq 3 ] && grep -q 'cannot open the TPM' '$D/e2.err'"
check "  ... and nothing at the output path" no_output "$D/e.tar"
bash "$SWTPM_ENV" start "$D/tpm-nonv" >/dev/null
$T "$COLLECT" --tcti "swtpm:path=$D/tpm-nonv/sock" --vcek "$D/vcek-chain.pem" -o "$D/e.tar" >/dev/null 2>"$D/e3.err"
rc=$?
check "NV 0x01400001 absent: exit 4, 'no HCL report: is this an Azure confidential VM?'" \
    bash -c "[ $rc -eq 4 ] && grep -q 'no HCL report: is this an Azure confidential VM?' '$D/e3.err'"
check "  ... and nothing at the output path" no_output "$D/e.tar"
CVM_SWTPM_NO_AK=1 bash "$SWTPM_ENV" start "$D/tpm-noak" "$CVM_HCL_REPORT" >/dev/null
$T "$COLLECT" --tcti "swtpm:path=$D/tpm-noak/sock" --vcek "$D/vcek-chain.pem" -o "$D/e.tar" >/dev/null 2>"$D/e4.err"
rc=$?
check "AK absent: exit 4, names 0x81000003" \
    bash -c "[ $rc -eq 4 ] && grep -q 'no attestation key at persistent handle 0x81000003' '$D/e4.err'"

# ---------------------------------------------------------------- 7. atomicity
CVM_COLLECT_TEST_FAIL=before-rename C --imds "$CVM_IMDS_URL" --runtime-log none --eventlog none -o "$D/a.tar" \
    >/dev/null 2>"$D/a.err"
rc=$?
check "failure after the temp file is written: exit 7" test $rc -eq 7
check "  ... no file at the output path and no temp left behind" no_output "$D/a.tar"
# `timeout` passes the TERM on to cvm-collect
CVM_COLLECT_TEST_SLOW_WRITE=5 $T "$COLLECT" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --runtime-log none \
    --eventlog none -o "$D/sig.tar" >/dev/null 2>&1 &
SIGPID=$!
SEEN=0
for _ in $(seq 100); do ls "$D"/.cvm-collect.* >/dev/null 2>&1 && { SEEN=1; break; }; sleep 0.05; done
kill -TERM "$SIGPID" 2>/dev/null
wait "$SIGPID"
rc=$?
check "SIGTERM while the bundle is being written: killed, no file, no temp" \
    bash -c "[ $SEEN = 1 ] && [ $rc -ne 0 ] && [ ! -e '$D/sig.tar' ] && ! ls '$D'/.cvm-collect.* >/dev/null 2>&1"
C --vcek "$D/no-such-file.pem" --runtime-log none --eventlog none -o "$D/a2.tar" >/dev/null 2>"$D/a2.err"
rc=$?
check "bad --vcek path: exit 5, no file" bash -c "[ $rc -eq 5 ] && [ ! -e '$D/a2.tar' ]"
C --imds "$CVM_IMDS_URL" --runtime-log none --eventlog none -o "$D/no/such/dir/a.tar" >/dev/null 2>"$D/a3.err"
check "output directory missing: exit 7" test $? -eq 7
cp "$D/b1.tar" "$D/keep.tar"
C --imds "$CVM_IMDS_URL" --runtime-log none --eventlog none -o "$D/b1.tar" >/dev/null 2>"$D/a4.err"
rc=$?
check "an existing bundle is not overwritten (exit 7, unchanged)" \
    bash -c "[ $rc -eq 7 ] && cmp -s '$D/b1.tar' '$D/keep.tar' && grep -q 'already exists' '$D/a4.err'"
C --imds "$CVM_IMDS_URL" --runtime-log none --eventlog none --force -o "$D/b1.tar" >/dev/null 2>&1
check "--force replaces it" bash -c "! cmp -s '$D/b1.tar' '$D/keep.tar' && ! ls '$D'/.cvm-collect.* >/dev/null 2>&1"
mkdir -p "$D/outdir"
C --imds "$CVM_IMDS_URL" --runtime-log none --eventlog none -o "$D/outdir" >"$D/dir.out" 2>/dev/null
check "-o DIR writes cvm-evidence-<bundle_id>.tar there" \
    test -f "$D/outdir/cvm-evidence-$(sed -n 's/^bundle_id: //p' "$D/dir.out").tar"
# a read-only output directory (as root: run the collector as nobody, who cannot write there; the
# check happens before the TPM is opened, so nobody needs no TPM access)
RO=$(mktemp -d /tmp/cvc-ro.XXXXXX) && chmod 0555 "$RO"
AS=
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    $AS test -x "$COLLECT" || AS=
fi
if [ "$(id -u)" != 0 ] || [ -n "$AS" ]; then
    $T $AS "$COLLECT" --tcti "$CVM_TCTI" --vcek "$D/vcek-chain.pem" --runtime-log none --eventlog none \
        -o "$RO/x.tar" >/dev/null 2>"$D/ro.err"
    rc=$?
    check "read-only output directory: exit 7 before the TPM is used, no file" \
        bash -c "[ $rc -eq 7 ] && grep -q 'cannot write the bundle there' '$D/ro.err' && [ -z \"\$(ls -A '$RO')\" ]"
else
    echo "skip - read-only directory test (root, and nobody cannot run $COLLECT)"
fi
rmdir "$RO"

# ---------------------------------------------------------------- 8. random nonce
C --imds "$CVM_IMDS_URL" --runtime-log none --eventlog none -o "$D/r.tar" >"$D/r.out" 2>/dev/null
check "without --nonce: random nonce, source random" grep -q "(random: freshness unproven)" "$D/r.out"
head -c 32 /dev/urandom >"$D/nonce.bin"
C --imds "$CVM_IMDS_URL" --nonce-file "$D/nonce.bin" --runtime-log none --eventlog none -o "$D/n.tar" >"$D/n.out" 2>/dev/null
check "--nonce-file with 32 raw bytes" grep -q "^nonce: $(od -An -tx1 "$D/nonce.bin" | tr -d ' \n') (auditor)" "$D/n.out"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
