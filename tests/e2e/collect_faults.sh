#!/bin/bash
# cvm-collect under faults, on the fake Azure CVM (tests/e2e/collect.sh has
# the functional cases and IMDS 500 / garbage / hang / SIGTERM): an IMDS
# that streams a 1 GiB body (declared and chunked), a TPM that answers every
# command with an error, ENOSPC while the bundle is written (a tiny tmpfs),
# SIGKILL in the write window, `measure` killed with SIGKILL again and again,
# and the vTPM (swtpm) killed while --fresh polls. Each must end with a clear
# message and nothing at the output path. Every process started here is
# stopped by the EXIT trap.
set -uo pipefail

. "$(dirname "$0")/lib.bash"
T="timeout 60"
export TSS2_LOG=all+NONE
e2e_need "$COLLECT" "$FAKE"
command -v swtpm >/dev/null || { echo "SKIP: swtpm not installed"; exit 0; }

e2e_tmpdir cvf
PIDS=()
MNT=
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
    timeout 30 "$FAKE" stop "$D/vm" >/dev/null 2>&1
    rm -rf "$D"
}
trap cleanup EXIT
no_output() { [ ! -e "$1" ] && ! ls "$(dirname "$1")"/.cvm-collect.* >/dev/null 2>&1; }
export -f no_output

export FAKE_CVM_KEY_CACHE=${FAKE_CVM_KEY_CACHE:-$BLD/fake-cvm-keys}
mkdir -p "$FAKE_CVM_KEY_CACHE"
$T "$FAKE" start "$D/vm" >"$D/env.sh" 2>"$D/fake.log" || { cat "$D/fake.log"; echo "FAIL - fake CVM start"; exit 1; }
. "$D/env.sh"
cat "$CVM_VCEK" "$CVM_CHAIN" >"$D/vcek-chain.pem"
C() { $T "$COLLECT" --tcti "$CVM_TCTI" --runtime-log none --eventlog none "$@"; }

# ---------------------------------------------------------------- 1. IMDS: 1 GiB bodies
# The stub counts what it managed to send; the collector's cap is 64 KiB, so
# it must hang up long before 1 GiB (socket buffers hold a few MiB at most).
cat >"$D/bigimds.py" <<'EOF'
import http.server, os, sys
sent = {"n": 0}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        chunked = self.path.startswith("/chunked")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if chunked: self.send_header("Transfer-Encoding", "chunked")
        else: self.send_header("Content-Length", str(1 << 30))
        self.end_headers()
        blk = b"{" + b" " * 65535
        try:
            for _ in range(1 << 14):  # 16384 x 64 KiB = 1 GiB
                if chunked: self.wfile.write(b"%x\r\n" % len(blk) + blk + b"\r\n")
                else: self.wfile.write(blk)
                sent["n"] += len(blk)
                open(sys.argv[1] + ".sent", "w").write(str(sent["n"]))
        except OSError:
            pass
        self.close_connection = True
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1])); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
EOF
python3 "$D/bigimds.py" "$D/big.port" & PIDS+=($!)
for _ in $(seq 100); do [ -s "$D/big.port" ] && break; sleep 0.05; done
BIG=http://127.0.0.1:$(cat "$D/big.port")
for kind in length chunked; do
    rm -f "$D/big.port.sent"
    s0=$(date +%s%N)
    path=$BIG; [ $kind = chunked ] && path=$BIG/chunked
    C --imds "$path" -o "$D/big-$kind.tar" >/dev/null 2>"$D/big-$kind.err"
    rc=$?
    ms=$(( ($(date +%s%N) - s0) / 1000000 ))
    sent=$(cat "$D/big.port.sent" 2>/dev/null || echo 0)
    check "IMDS 1 GiB body ($kind): exit 5 in ${ms} ms, stub sent $((sent >> 10)) KiB, message names the limit, no file" \
        bash -c "[ $rc -eq 5 ] && [ $sent -lt $((64 << 20)) ] && grep -qi 'larger than 65536' '$D/big-$kind.err' && [ ! -e '$D/big-$kind.tar' ]"
    [ $rc -eq 5 ] || cat "$D/big-$kind.err"
done

# ---------------------------------------------------------------- 2. a TPM that answers errors
# A stand-in for swtpm's two sockets: every TPM command gets TPM_RC_FAILURE
# (0x101), every control command success.
cat >"$D/errtpm.py" <<'EOF'
import os, socket, struct, sys, threading
base = sys.argv[1]
def serve(path, handler):
    s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(8)
    while True:
        c, _ = s.accept()
        threading.Thread(target=handler, args=(c,), daemon=True).start()
def recvn(c, n):
    b = b""
    while len(b) < n:
        x = c.recv(n - len(b))
        if not x: raise EOFError
        b += x
    return b
def tpm(c):
    try:
        while True:
            hdr = recvn(c, 10)
            size = struct.unpack(">I", hdr[2:6])[0]
            recvn(c, size - 10)
            c.sendall(struct.pack(">HII", 0x8001, 10, 0x101))
    except (EOFError, OSError):
        c.close()
def ctrl(c):
    try:
        while True:
            x = c.recv(4096)
            if not x: break
            c.sendall(b"\0\0\0\0")
    except OSError:
        pass
    c.close()
threading.Thread(target=serve, args=(base + ".ctrl", ctrl), daemon=True).start()
open(base + ".ready", "w").close()
serve(base, tpm)
EOF
python3 "$D/errtpm.py" "$D/err.sock" & PIDS+=($!)
for _ in $(seq 100); do [ -e "$D/err.sock.ready" ] && break; sleep 0.05; done
$T "$COLLECT" --tcti "swtpm:path=$D/err.sock" --vcek "$D/vcek-chain.pem" --runtime-log none --eventlog none \
    -o "$D/errtpm.tar" >/dev/null 2>"$D/errtpm.err"
rc=$?
check "TPM answering TPM_RC_FAILURE to everything: exit 3, decoded rc in the message, no file ($(head -1 "$D/errtpm.err" | cut -c1-120))" \
    bash -c "[ $rc -eq 3 ] && grep -qiE '0x0*101|failure' '$D/errtpm.err' && no_output '$D/errtpm.tar'"

# ---------------------------------------------------------------- 3. ENOSPC
if [ "$(id -u)" = 0 ] && mkdir -p "$D/full" && mount -t tmpfs -o size=8k tmpfs "$D/full" 2>/dev/null; then
    MNT=$D/full
    C --imds "$CVM_IMDS_URL" -o "$D/full/b.tar" >/dev/null 2>"$D/enospc.err"
    rc=$?
    check "ENOSPC (8 KiB tmpfs): exit 7, says 'No space left', nothing at the path, no temp ($(grep -i 'space' "$D/enospc.err" | head -1 | cut -c1-100))" \
        bash -c "[ $rc -eq 7 ] && grep -q 'No space left on device' '$D/enospc.err' && [ -z \"\$(ls -A '$D/full')\" ]"
    umount "$D/full"; MNT=
else
    echo "skip - ENOSPC needs root to mount a tmpfs"
fi
# the file-size limit: the collector must not die of SIGXFSZ half-way (the
# default action) but fail the write (EFBIG) and clean up
(ulimit -f 8; C --imds "$CVM_IMDS_URL" -o "$D/fsz.tar" >/dev/null 2>"$D/fsz.err")
rc=$?
check "RLIMIT_FSIZE 8 KiB: exit $rc, nothing at the path, no temp ($(tail -1 "$D/fsz.err" | cut -c1-100))" \
    bash -c "[ $rc -eq 7 ] && grep -q 'File too large' '$D/fsz.err' && no_output '$D/fsz.tar'"

# ---------------------------------------------------------------- 4. SIGKILL in the write window
mkdir -p "$D/k"
CVM_COLLECT_TEST_SLOW_WRITE=5 C --imds "$CVM_IMDS_URL" -o "$D/k/b.tar" >/dev/null 2>&1 &
KP=$!
SEEN=0
for _ in $(seq 200); do ls "$D/k"/.cvm-collect.* >/dev/null 2>&1 && { SEEN=1; break; }; sleep 0.05; done
kill -KILL "$KP" 2>/dev/null; wait "$KP" 2>/dev/null
check "SIGKILL while writing: nothing at the output path (a stale .cvm-collect.* temp may remain: $(ls -A "$D/k" | tr '\n' ' '))" \
    bash -c "[ $SEEN = 1 ] && [ ! -e '$D/k/b.tar' ]"
C --imds "$CVM_IMDS_URL" -o "$D/k/b.tar" >/dev/null 2>"$D/k2.err"
rc=$?
check "the next run to the same path ignores the stale temp and writes the bundle (exit $rc)" \
    bash -c "[ $rc -eq 0 ] && [ -s '$D/k/b.tar' ]"

# ---------------------------------------------------------------- 5. measure under SIGKILL
RT=$D/rt/runtime.cel
mkdir -p "$D/rt"
for i in $(seq 6); do head -c $((i * 4096)) /dev/urandom >"$D/m$i"; done
# a measure takes ~100-300 ms here (TPM commands through the proxy): kills
# spread over 0..190 ms land before, between and after its steps
killed=0 done_ok=0
for i in $(seq 20); do
    $T "$COLLECT" measure --tcti "$CVM_TCTI" --runtime-log "$RT" "$D/m$(( (i % 6) + 1 ))" "$D/m1" >/dev/null 2>&1 &
    MP=$!
    sleep "0.$(( (i * 7) % 20 / 10 ))$(( (i * 7) % 10 ))"
    kill -KILL "$MP" 2>/dev/null
    wait "$MP" 2>/dev/null
    case $? in 137) killed=$((killed + 1)) ;; 0) done_ok=$((done_ok + 1)) ;; esac
done
$T "$COLLECT" measure --tcti "$CVM_TCTI" --runtime-log "$RT" "$D/m2" >"$D/mm.out" 2>"$D/mm.err"
rc=$?
state="replays"
if [ $rc -eq 8 ] && grep -q "logged but never extended" "$D/mm.err"; then
    state="logged but not extended, then --resume"
    $T "$COLLECT" measure --resume --tcti "$CVM_TCTI" --runtime-log "$RT" "$D/m2" >"$D/mm.out" 2>"$D/mm.err"
    rc=$?
fi
check "after $killed measures were SIGKILLed ($done_ok completed) the log parses and $state (exit $rc: $(tail -1 "$D/mm.err" | cut -c1-100))" \
    test $rc -eq 0
$T "$COLLECT" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --runtime-log "$RT" --eventlog none -o "$D/rt.tar" \
    >/dev/null 2>"$D/rtc.err"
rc=$?
if [ -x "$VERIFY" ]; then
    $T "$VERIFY" --trust-anchor "$CVM_TRUST_ANCHOR" --json "$D/rt.tar" >"$D/rt.json" 2>/dev/null
    check "  ... and a bundle with that log verifies, eventlog.runtime pass (collect exit $rc)" python3 - "$D/rt.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
l = {x["id"]: x for x in r["links"]}
assert r["verdict"]["exit_code"] == 0, [(x["id"], x["reason"]) for x in r["links"] if x["status"] == "fail"]
assert l["eventlog.runtime"]["status"] == "pass", l["eventlog.runtime"]
EOF
fi

# ---------------------------------------------------------------- 6. swtpm killed mid-collection (last: it ends the VM)
# a refresh period of 600 s keeps --fresh polling (the report never shows the
# new user-data); swtpm dies while the collector polls
echo 600 >"$CVM_REFRESH_PERIOD_FILE"
s0=$(date +%s)
"$COLLECT" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --fresh --fresh-timeout 30 --runtime-log none --eventlog none \
    -o "$D/dead.tar" >/dev/null 2>"$D/dead.err" &
CP=$!
sleep 4
kill -KILL "$(cat "$CVM_DIR/run/swtpm.pid")" 2>/dev/null
( sleep 40; kill -KILL "$CP" 2>/dev/null ) & WD=$!
wait "$CP"
rc=$?
kill "$WD" 2>/dev/null
secs=$(( $(date +%s) - s0 ))
check "swtpm killed during --fresh polling: exit 3 after ${secs} s, no file ($(grep -v '^ ' "$D/dead.err" | tail -1 | cut -c1-110))" \
    bash -c "[ $rc -eq 3 ] && no_output '$D/dead.tar'"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
