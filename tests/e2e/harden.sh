#!/bin/bash
# Hardening of cvm-verify on one bundle collected from the fake Azure CVM:
#  1. network isolation, statically: the binary's own dynamic imports and
#     direct libraries (see the comment at the check for what that proves);
#  2. network isolation at run time: the seccomp sandbox is reported active,
#     its self-test sees socket(AF_INET/AF_INET6) fail with EPERM, a
#     verification passes in a network namespace without interfaces
#     (unshare -n), --no-sandbox turns it off and says so;
#  3. peak RSS of a verification (GNU time) ≤ 16 MiB;
#  4. the tamper sweep over every member of this bundle (the in-process C
#     test tests/verify/test_tamper_sweep.c, given this bundle).
set -uo pipefail

. "$(dirname "$0")/lib.bash"
SWEEP=$BLD/tests/verify_test_tamper_sweep
export TSS2_LOG=all+NONE

e2e_need "$COLLECT" "$VERIFY" "$FAKE"
command -v swtpm >/dev/null || { echo "SKIP: swtpm not installed"; exit 0; }

e2e_tmpdir cvh
cleanup() { timeout 30 "$FAKE" stop "$D/vm" >/dev/null 2>&1; rm -rf "$D"; }
trap cleanup EXIT

# ---------------------------------------------------------------- 1. static
# What this proves, honestly: the code WE wrote (cvmformat + cvmverify +
# main, all linked statically into cvm-verify) calls no socket, resolver,
# HTTP or TPM-transport function, and the binary loads no library beyond the
# four the package depends on. It does not prove that libcrypto or
# libarchive contain no network code (libcrypto has BIO_s_connect and
# OSSL_HTTP, which call socket() internally): those are reachable only if
# our code asks for them, which the import list shows it does not, or
# through openssl.cnf, which the verifier never loads
# (OPENSSL_INIT_NO_LOAD_CONFIG). The run-time seccomp filter (part 2)
# covers whatever remains. `syscall` is imported for the sandbox self-test
# only (checked: sandbox.c.o is the only object that references it).
# scripts/valgrind.sh runs this with cvm-verify a wrapper script and the ELF
# file beside it as cvm-verify.real: inspect that one
ELF=$VERIFY
WRAPPED=0
[ -e "$VERIFY.real" ] && { ELF=$(readlink -f "$VERIFY.real"); WRAPPED=1; }
ASAN=0
if readelf -d "$ELF" | qgrep -E 'libasan|libubsan'; then ASAN=1; fi
NEEDED=$(readelf -d "$ELF" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
ALLOWED="libarchive.so.13 libc.so.6 libcrypto.so.3 libjansson.so.4 libtss2-mu.so.0 libpthread.so.0 libm.so.6"
# the sanitizer runtimes of the ASan+UBSan test build
[ $ASAN = 1 ] && ALLOWED="$ALLOWED libasan.so.8 libubsan.so.1 libasan.so.6 libubsan.so.0 libstdc++.so.6 libgcc_s.so.1"
bad_lib=
for l in $NEEDED; do case " $ALLOWED " in *" $l "*) ;; *) bad_lib="$bad_lib $l" ;; esac; done
check "cvm-verify's direct libraries are only libcrypto/libarchive/jansson/libtss2-mu/libc ($NEEDED)" test -z "$bad_lib"
check "no libcurl, libssl, TCTI, ESYS or SYS anywhere in its load set (ldd)" \
    bash -c "! ldd '$ELF' | grep -E 'libcurl|libssl\\.|libtss2-(tcti|esys|sys|rc|tctildr)|libgnutls|libnss_|libresolv'"
NET_SYMS='^(socket|socketpair|connect|bind|listen|accept|accept4|getaddrinfo|gethostbyname.*|getnameinfo|send|sendto|sendmsg|recv|recvfrom|recvmsg|BIO_new_connect|BIO_s_connect|BIO_new_accept|BIO_s_accept|BIO_s_datagram|BIO_new_dgram|BIO_sock_.*|OSSL_HTTP_.*|OSSL_CMP_.*|X509_load_http|curl_.*|Tss2_Tcti.*|Tss2_TctiLdr.*|Esys_.*|Tss2_Sys_.*)$'
nm -D --undefined-only "$ELF" | awk '{print $2}' | sed 's/@.*//' >"$D/imports"
check "cvm-verify imports no socket/resolver/HTTP/TCTI/ESYS function ($(wc -l <"$D/imports") imports)" \
    bash -c "! grep -E '$NET_SYMS' '$D/imports'"
if [ -d "$BLD/verify/CMakeFiles/cvmverify.dir" ]; then
    users=$(for o in "$BLD"/verify/CMakeFiles/cvmverify.dir/*.o "$BLD"/format/CMakeFiles/cvmformat.dir/*.o \
        "$BLD"/verify/CMakeFiles/cvm-verify.dir/*.o; do nm -u "$o" 2>/dev/null | qgrep -w syscall && basename "$o"; done)
    check "only sandbox.c.o references syscall() ($users)" test "$users" = "sandbox.c.o"
fi

# ---------------------------------------------------------------- one bundle
export FAKE_CVM_KEY_CACHE=${FAKE_CVM_KEY_CACHE:-$BLD/fake-cvm-keys}
mkdir -p "$FAKE_CVM_KEY_CACHE"
$T "$FAKE" start "$D/vm" >"$D/env.sh" 2>"$D/fake.log" || { cat "$D/fake.log"; echo "FAIL - fake CVM start"; exit 1; }
. "$D/env.sh"
NONCE=$(openssl rand -hex 32)
$T "$COLLECT" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --nonce "$NONCE" --runtime-log none --eventlog none \
    -o "$D/b.tar" >"$D/c.out" 2>"$D/c.err" || { cat "$D/c.err"; echo "FAIL - collect"; exit 1; }
V=("$VERIFY" --trust-anchor "$CVM_TRUST_ANCHOR" --nonce "$NONCE")

# ---------------------------------------------------------------- 2. run time
CVM_VERIFY_SANDBOX_SELFTEST=1 $T "${V[@]}" --json "$D/b.tar" >"$D/v.json" 2>"$D/v.err"
rc=$?
check "the bundle verifies (exit $rc)" test $rc -eq 0
check "JSON facts: sandbox active; self-test: socket(AF_INET) and socket(AF_INET6) fail with EPERM" \
    python3 - "$D/v.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["facts"]["sandbox"]
assert s["active"] is True, s
assert s["selftest"]["blocked"] is True, s
assert s["selftest"]["result"].count("Operation not permitted") == 2, s
EOF
$T "${V[@]}" "$D/b.tar" >"$D/v.txt" 2>&1
check "text report says the sandbox is active" grep -q '^sandbox: active: seccomp makes socket' "$D/v.txt"
CVM_VERIFY_SANDBOX_SELFTEST=1 $T "${V[@]}" --no-sandbox --json "$D/b.tar" >"$D/ns.json" 2>/dev/null
check "--no-sandbox: not active, listed as a limitation, no self-test" python3 - "$D/ns.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["facts"]["sandbox"]
assert s["active"] is False and "selftest" not in s, s
assert any("--no-sandbox" in l for l in r["limitations"]), r["limitations"]
EOF
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
    $T unshare -n "${V[@]}" --quiet "$D/b.tar" >"$D/un.out" 2>&1
    rc=$?
    check "verifies inside a network namespace with no interfaces (unshare -n; exit $rc)" test $rc -eq 0
else
    echo "skip - unshare -n needs root"
fi

# ---------------------------------------------------------------- 3. RSS
if [ $ASAN = 1 ] || [ $WRAPPED = 1 ]; then
    echo "skip - RSS bound: ASan build (shadow memory) or a wrapped binary (valgrind)"
elif [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$D/rss" "${V[@]}" --quiet "$D/b.tar" >/dev/null 2>&1
    RSS=$(tail -1 "$D/rss")
    check "peak RSS verifying a bundle: ${RSS} KiB ≤ 16384 KiB" test "$RSS" -le 16384
else
    echo "skip - GNU time (/usr/bin/time, Debian package time) not installed"
fi

# ---------------------------------------------------------------- 4. tamper sweep
if [ -x "$SWEEP" ]; then
    CVM_TAMPER_ONLY=bundle CVM_TAMPER_BUNDLE="$D/b.tar" CVM_TAMPER_ANCHOR="$CVM_TRUST_ANCHOR" \
        CVM_TAMPER_NONCE="$NONCE" timeout 1800 "$SWEEP" >"$D/sweep.out" 2>&1
    rc=$?
    sed -n '/tamper sweep\|first failing\|bytes:\|per verification\|SKIP/p' "$D/sweep.out"
    check "tamper sweep of the bundle: every flip rejected, naming a link" \
        bash -c "[ $rc -eq 0 ] && grep -q '\\[  PASSED  \\] 1 test' '$D/sweep.out'"
    [ $rc -eq 0 ] || tail -20 "$D/sweep.out"
else
    echo "skip - $SWEEP not built"
fi

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
