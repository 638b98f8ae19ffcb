#!/usr/bin/env bash
# End-to-end check of the fake Azure CVM (testdata/fake-cvm): three products
# started in parallel, inspected with tpm2-tools, openssl and an independent
# Python checker (fake_cvm_check.py), then stopped without leftovers.
set -euo pipefail
# grep -q exits at the first match; under pipefail the writer then dies of SIGPIPE
# and the pipeline "fails" at random. qgrep reads to the end.
qgrep() { grep "$@" >/dev/null; }

SRC=${CVM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
FAKE=$SRC/testdata/fake-cvm/fake-cvm
CHECK=$SRC/tests/e2e/fake_cvm_check.py
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T=$(mktemp -d /tmp/fakecvm.XXXXXX)
PRODUCTS="milan genoa turin"
export TSS2_LOG=all+NONE
# RSA-4096 ARK/ASK keys take seconds each to make: reuse them per product, in
# the build tree across runs when there is one (certificates are still new).
if [ -z "${FAKE_CVM_KEY_CACHE:-}" ]; then
  if [ -n "${CVM_BUILD_DIR:-}" ] && [ -d "$CVM_BUILD_DIR" ]; then
    FAKE_CVM_KEY_CACHE=$CVM_BUILD_DIR/fake-cvm-keys
  else
    FAKE_CVM_KEY_CACHE=$T/keys
  fi
fi
export FAKE_CVM_KEY_CACHE

cleanup() {
  local rc=$?
  for p in $PRODUCTS fail1 fail2; do
    [ -d "$T/$p" ] && "$FAKE" stop "$T/$p" >/dev/null 2>&1 || true
  done
  if [ $rc -ne 0 ]; then
    for f in "$T"/*/log/*.log "$T"/*.err; do
      [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
    done
  fi
  rm -rf "$T"
  exit $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }
t() { timeout -k 2 20 "$@"; }   # every TPM tool call is bounded

# Processes (other than us) whose command line names the folder.
procs_with() {
  "$PY" - "$1" <<'EOF'
import os, sys
me = {os.getpid(), os.getppid()}
for e in os.listdir("/proc"):
    if not e.isdigit() or int(e) in me:
        continue
    try:
        argv = open("/proc/%s/cmdline" % e, "rb").read().split(b"\0")
        state = open("/proc/%s/stat" % e).read().rsplit(")", 1)[1].split()[0]
    except OSError:
        continue
    if state != "Z" and any(sys.argv[1].encode() in a for a in argv):
        print(e, b" ".join(argv).decode(errors="replace"))
EOF
}

declare -A RVER=([milan]=3 [genoa]=3 [turin]=5)
declare -A HVER=([milan]=1 [genoa]=2 [turin]=2)

# --- start the three products in parallel (parallel ctest must work too)
declare -A PIDS
for p in $PRODUCTS; do
  "$FAKE" start "$T/$p" --product "$p" --report-version "${RVER[$p]}" --hcl-version "${HVER[$p]}" \
    --refresh-period 1 >"$T/$p.env" 2>"$T/$p.err" &
  PIDS[$p]=$!
done
for p in $PRODUCTS; do
  wait "${PIDS[$p]}" || fail "start $p: $(cat "$T/$p.err")"
done

for p in $PRODUCTS; do
  echo "=== $p"
  D=$T/$p
  # shellcheck disable=SC1090
  ( set -euo pipefail
    . "$D.env"
    cmp -s "$D.env" "$D/env" || fail "DIR/env differs from stdout"
    [ "$CVM_TCTI" = "swtpm:path=$D/tpm.sock" ] || fail "CVM_TCTI=$CVM_TCTI"
    export TPM2TOOLS_TCTI=$CVM_TCTI

    # AMD chain with the openssl CLI
    openssl verify -CAfile "$CVM_TRUST_ANCHOR" -untrusted "$CVM_ASK" "$CVM_VCEK" >/dev/null \
      || fail "openssl verify ARK->ASK->VCEK"
    openssl verify -CAfile "$CVM_TRUST_ANCHOR" -untrusted "$CVM_CHAIN" "$CVM_VCEK" >/dev/null
    openssl x509 -in "$CVM_TRUST_ANCHOR" -noout -text | qgrep "Salt Length: 0x30" || fail "ARK RSA-PSS salt 48"
    openssl x509 -in "$CVM_VCEK" -noout -text | qgrep "Salt Length: 0x30" || fail "VCEK RSA-PSS salt 48"

    # HCL report and AK through the proxy
    t tpm2_nvread -C o 0x01400001 -o "$D/nv.bin" 2>/dev/null
    t tpm2_readpublic -Q -c 0x81000003 -f pem -o "$D/ak.pem"
    # quote with the AK, checked by tpm2_checkquote
    t tpm2_quote -Q -c 0x81000003 -l sha256:0,1,2,3,7,23 -q 0011223344556677 -g sha256 \
      -m "$D/q.msg" -s "$D/q.sig" -o "$D/q.pcrs"
    t tpm2_checkquote -u "$D/ak.pem" -m "$D/q.msg" -s "$D/q.sig" -f "$D/q.pcrs" -g sha256 \
      -q 0011223344556677 >/dev/null || fail "tpm2_checkquote"
    t tpm2_readpublic -Q -c 0x81000003 -n "$D/ak.name"
    # the guest cannot overwrite the paravisor's index with owner auth
    if t tpm2_nvwrite -C o 0x01400001 -i "$D/q.msg" 2>/dev/null; then fail "guest wrote 0x01400001"; fi

    "$PY" "$CHECK" report "$D/nv.bin" "$CVM_VCEK" "$D/ak.pem" "$p" "${RVER[$p]}" "${HVER[$p]}" \
      :: thim "$CVM_IMDS_URL" "$p" "$D/nv.bin" "$CVM_VCEK" "$CVM_CHAIN" \
      :: quote-signer "$D/q.msg" "$D/ak.name" \
      :: imds-basic "$CVM_IMDS_URL"

    # IMDS fault modes, switched by the CLI or by writing the control file
    "$FAKE" imds-mode "$D" 500
    [ "$("$PY" "$CHECK" http-status "$CVM_IMDS_URL/metadata/THIM/amd/certification" Metadata:true)" = 500 ] \
      || fail "imds-mode 500"
    "$PY" "$CHECK" thim-modes "$CVM_IMDS_URL" "$CVM_VCEK" "$CVM_IMDS_MODE_FILE"
  )
done

# --- refresh semantics (OpenHCL): on NV_Read of 0x01400001 at offset 0, at
# most once per period, with user-data = NV 0x01400002.
echo "=== refresh"
D=$T/milan
. "$D/env"
export TPM2TOOLS_TCTI=$CVM_TCTI
count() { cat "$D/run/refresh-count" 2>/dev/null || echo 0; }
U1=$(od -An -tx1 -N64 /dev/urandom | tr -d ' \n')
U2=$(od -An -tx1 -N64 /dev/urandom | tr -d ' \n')
echo "$U1" | xxd -r -p >"$D/u1.bin"
echo "$U2" | xxd -r -p >"$D/u2.bin"
# The instance started with --refresh-period 1 and has run longer than that:
# the first offset-0 read after writing the user data refreshes.
t tpm2_nvwrite -C o 0x01400002 -i "$D/u1.bin"
sleep 1.1
t tpm2_nvread -C o 0x01400001 -o "$D/nv1.bin" 2>/dev/null
"$PY" "$CHECK" report "$D/nv1.bin" "$CVM_VCEK" "$D/ak.pem" milan 3 1 "$U1"
c1=$(count)
[ "$c1" -ge 1 ] || fail "no refresh counted"
# Within the period the previous report comes back. The period is switched
# through the control file so that a loaded machine cannot make this racy.
echo 600 >"$CVM_REFRESH_PERIOD_FILE"
t tpm2_nvwrite -C o 0x01400002 -i "$D/u2.bin"
t tpm2_nvread -C o 0x01400001 -o "$D/nv2.bin" 2>/dev/null
cmp -s "$D/nv1.bin" "$D/nv2.bin" || fail "refreshed within the rate-limit period"
echo 0 >"$CVM_REFRESH_PERIOD_FILE"
# reads at a non-zero offset never refresh
t tpm2_nvread -C o 0x01400001 -s 64 --offset 1024 -o "$D/part.bin" 2>/dev/null
[ "$(count)" = "$c1" ] || fail "a read at offset 1024 refreshed"
t tpm2_nvread -C o 0x01400001 -o "$D/nv3.bin" 2>/dev/null
"$PY" "$CHECK" report "$D/nv3.bin" "$CVM_VCEK" "$D/ak.pem" milan 3 1 "$U2"
[ "$(count)" -gt "$c1" ] || fail "no refresh counted"
# user data index without ownerread: the refresh fails, the old report stays
t tpm2_nvundefine -C o 0x01400002
t tpm2_nvdefine -C o 0x01400002 -s 64 -a 'ownerwrite|authread|authwrite' >/dev/null
t tpm2_nvwrite -C o 0x01400002 -i "$D/u1.bin"
c3=$(count)
t tpm2_nvread -C o 0x01400001 -o "$D/nv4.bin" 2>/dev/null
cmp -s "$D/nv3.bin" "$D/nv4.bin" || fail "refresh despite a user-data index without ownerread"
[ "$(count)" = "$c3" ] || fail "refresh counted without ownerread"
grep -q "lacks ownerread" "$D/log/daemon.log" || fail "no ownerread message"

# --- a client that vanishes mid-command must not wedge the proxy
"$PY" - "$D/tpm.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(bytes.fromhex("80010000000c0000017b"))   # header of GetRandom, body missing
s.close()
EOF
t tpm2_getrandom 8 >/dev/null || fail "proxy wedged after a half command"
# the guest cannot stop/reset the vTPM or change locality through the control channel
"$PY" - "$D/tpm.sock.ctrl" <<'EOF'
import socket, struct, sys
def ctrl(req):
    s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
    s.sendall(req); rsp = s.recv(64); s.close()
    return struct.unpack(">I", rsp[:4])[0]
assert ctrl(struct.pack(">I", 0x0E)) != 0, "CMD_STOP relayed"
assert ctrl(struct.pack(">IB", 0x05, 3)) != 0, "locality 3 accepted"
assert ctrl(struct.pack(">IB", 0x05, 0)) == 0, "locality 0 refused"
EOF
t tpm2_getrandom 8 >/dev/null || fail "TPM gone after control commands"

# --- deliberately broken reports from gen-report are really broken
echo "=== gen-report"
G=$T/gen
mkdir -p "$G"
"$FAKE" gen-pki "$G/pki" --product genoa --seed fixed 2>/dev/null
"$FAKE" gen-report --pki "$G/pki" -o "$G/ok.bin" --user-data 0102 2>/dev/null
"$PY" "$CHECK" report "$G/ok.bin" "$G/pki/vcek.pem" "$G/ok.bin.akpub.pem" genoa 3 1 \
  "0102$(printf '0%.0s' $(seq 124))"
AK=$G/ok.bin.akpub.pem
"$FAKE" gen-report --pki "$G/pki" --ak-pub "$AK" --report-version 2 --hcl-version 2 -o "$G/v2.bin" 2>/dev/null
"$PY" "$CHECK" report "$G/v2.bin" "$G/pki/vcek.pem" "$AK" genoa 2 2
ARGS=()
for b in sig:sig report-data:binding json-byte:binding magic:magic vmpl:vmpl; do
  "$FAKE" gen-report --pki "$G/pki" --ak-pub "$AK" -o "$G/${b%%:*}.bin" --break "${b%%:*}" 2>/dev/null
  ARGS+=(expect-fail "${b##*:}" "$G/${b%%:*}.bin" "$G/pki/vcek.pem" ::)
done
"$PY" "$CHECK" "${ARGS[@]:0:${#ARGS[@]}-1}"
"$FAKE" gen-report --product turin --report-version 5 --snp-only -o "$G/turin.snp" 2>/dev/null
[ "$(stat -c %s "$G/turin.snp")" = 1184 ] || fail "--snp-only size"

# --- a start failing half-way leaves no process behind
echo "=== failed starts"
for stage in after-swtpm:fail1 after-daemon:fail2; do
  if FAKE_CVM_TEST_FAIL=${stage%%:*} "$FAKE" start "$T/${stage##*:}" >/dev/null 2>&1; then
    fail "start with FAKE_CVM_TEST_FAIL=${stage%%:*} succeeded"
  fi
  [ -z "$(procs_with "$T/${stage##*:}")" ] || fail "leftover after failed start: $(procs_with "$T/${stage##*:}")"
done

# --- stop leaves nothing
echo "=== stop"
for p in $PRODUCTS; do
  "$FAKE" stop "$T/$p" 2>/dev/null
  [ -z "$(procs_with "$T/$p")" ] || fail "leftover after stop: $(procs_with "$T/$p")"
  [ ! -e "$T/$p/tpm.sock" ] || fail "socket left"
done
echo "PASS fake_cvm"
