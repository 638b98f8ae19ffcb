#!/usr/bin/env bash
# The installable release (packaging/packaging.cmake): cpack -G DEB builds
# cvm-verify, cvm-collect and libcvmevidence-dev; `dpkg -x` installs them into
# a temporary root; the installed cvm-collect captures a bundle from the fake
# CVM and the installed cvm-verify verifies it (no LD_LIBRARY_PATH: they link
# only system libraries). Checks each package's Depends, that every DT_NEEDED
# library of the binaries comes from a package in Depends, the file lists (man
# pages, no fake-cvm), --version, and a program built against the installed
# static library through pkg-config.
set -euo pipefail
# grep -q exits at the first match; under pipefail the writer then dies of SIGPIPE
# and the pipeline "fails" at random. qgrep reads to the end.
qgrep() { grep "$@" >/dev/null; }
BLD=${CVM_BUILD_DIR:?}
SRC=${CVM_SOURCE_DIR:?}
FAKE="$SRC/testdata/fake-cvm/fake-cvm"
for t in cpack dpkg-deb dpkg objdump; do command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 0; }; done
[ -f "$BLD/CPackConfig.cmake" ] || { echo "SKIP: no CPackConfig.cmake in $BLD"; exit 0; }
[ -x "$BLD/collect/cvm-collect" ] || { echo "SKIP: cvm-collect not built"; exit 0; }
D=$(mktemp -d /tmp/cvmdeb.XXXXXX)
cleanup() { "$FAKE" stop "$D/vm" >/dev/null 2>&1 || true; rm -rf "$D"; }
trap cleanup EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
sanitized=$(grep -q '^CVM_SANITIZE:BOOL=ON' "$BLD/CMakeCache.txt" && echo 1 || echo 0)

(cd "$D" && cpack -G DEB --config "$BLD/CPackConfig.cmake" -B "$D/pkg" >"$D/cpack.log" 2>&1) || { cat "$D/cpack.log"; exit 1; }
V=$(ls "$D"/pkg/cvm-verify_*.deb); C=$(ls "$D"/pkg/cvm-collect_*.deb); L=$(ls "$D"/pkg/libcvmevidence-dev_*.deb)
[ -f "$V" ] && [ -f "$C" ] && [ -f "$L" ] && ok || bad "packages: $(ls "$D/pkg")"

[ "$(dpkg-deb -f "$V" Depends)" = "libssl3 (>= 3.0.0), libarchive13 (>= 3.6.2), libjansson4 (>= 2.14), libtss2-mu0 (>= 3.2.1)" ] \
  && ok || bad "cvm-verify Depends: $(dpkg-deb -f "$V" Depends)"
# libcurl4 stays in Depends although cvm-collect does not link it: it is
# dlopen'd for https:// (--kds, https TSAs) only (collect/curl_dl.c)
dpkg-deb -f "$C" Depends | qgrep 'libcurl4' && ok || bad "cvm-collect Depends: $(dpkg-deb -f "$C" Depends)"
dpkg-deb -f "$V" Depends | qgrep 'curl\|esys\|tcti' && bad "cvm-verify must not depend on network/TPM code" || ok

R=$D/root
for p in "$V" "$C" "$L"; do dpkg -x "$p" "$R"; done
dpkg-deb -c "$V" | awk '{print $6}' >"$D/v.list"
for f in ./usr/bin/cvm-verify ./usr/share/man/man1/cvm-verify.1 ./usr/share/man/man5/cvm-evidence-bundle.5; do
  grep -qx "$f" "$D/v.list" && ok || bad "cvm-verify.deb lacks $f"
done
dpkg-deb -c "$C" | awk '{print $6}' | qgrep -x ./usr/share/man/man1/cvm-collect.1 && ok || bad "cvm-collect.deb lacks its man page"
cat "$D/v.list" <(dpkg-deb -c "$C" | awk '{print $6}') <(dpkg-deb -c "$L" | awk '{print $6}') | qgrep -i 'fake' \
  && bad "fake-cvm must not be packaged" || ok
dpkg-deb -c "$L" | awk '{print $6}' | qgrep '/include/cvm-evidence/bundle.h$' && ok || bad "dev package lacks headers"

# every DT_NEEDED library comes from a package the .deb depends on
needs_ok() {
  local bin=$1 deps=$2
  for lib in $(objdump -p "$bin" | awk '/NEEDED/ {print $2}'); do
    case $lib in libc.so.*|ld-linux*|libm.so.*) continue;; esac
    if [ "$sanitized" = 1 ]; then case $lib in libasan*|libubsan*|libstdc++*|libgcc_s*) continue;; esac; fi
    pkg=$(dpkg -S "*/$lib" 2>/dev/null | head -1 | cut -d: -f1)
    echo "$deps" | qgrep "\b$pkg\b" || { echo "  $lib (package ${pkg:-?}) not in Depends"; return 1; }
  done
}
needs_ok "$R/usr/bin/cvm-verify" "$(dpkg-deb -f "$V" Depends)" && ok || bad "cvm-verify DT_NEEDED vs Depends"
needs_ok "$R/usr/bin/cvm-collect" "$(dpkg-deb -f "$C" Depends)" && ok || bad "cvm-collect DT_NEEDED vs Depends"
objdump -p "$R/usr/bin/cvm-collect" | qgrep 'NEEDED.*libcurl' && bad "cvm-collect must dlopen libcurl, not link it" || ok
readelf -d "$R/usr/bin/cvm-verify" | qgrep 'RPATH\|RUNPATH' && bad "installed cvm-verify has an RPATH" || ok

env -u LD_LIBRARY_PATH "$R/usr/bin/cvm-verify" --version >"$D/ver" && grep -q '^cvm-verify ' "$D/ver" && grep -q OpenSSL "$D/ver" \
  && grep -q libarchive "$D/ver" && grep -q jansson "$D/ver" && ok || bad "cvm-verify --version: $(cat "$D/ver")"
env -u LD_LIBRARY_PATH "$R/usr/bin/cvm-collect" --version >"$D/cver" && grep -q libcurl "$D/cver" && ok || bad "cvm-collect --version: $(cat "$D/cver")"

# the installed tools on fake-CVM evidence
if command -v swtpm >/dev/null && python3 -c 'import cryptography' 2>/dev/null; then
  KC="${FAKE_CVM_KEY_CACHE:-$BLD/fake-cvm-keys}"; mkdir -p "$KC"
  eval "$("$FAKE" start "$D/vm" --product milan --key-cache "$KC" 2>"$D/start.log")" || { cat "$D/start.log"; exit 1; }
  NONCE=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  env -u LD_LIBRARY_PATH timeout 60 "$R/usr/bin/cvm-collect" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --nonce "$NONCE" \
    --runtime-log none --eventlog none -o "$D/b.tar" >/dev/null 2>"$D/c.err" && ok || bad "installed cvm-collect: $(cat "$D/c.err")"
  rc=0; env -u LD_LIBRARY_PATH "$R/usr/bin/cvm-verify" --trust-anchor "$CVM_TRUST_ANCHOR" --nonce "$NONCE" --quiet "$D/b.tar" \
    >"$D/v.out" 2>&1 || rc=$?
  [ $rc -eq 0 ] && grep -q verified "$D/v.out" && ok || bad "installed cvm-verify: exit $rc $(cat "$D/v.out")"
else
  echo "note: swtpm/python3-cryptography absent, installed tools not run on a bundle"
fi

# a program against the installed library, found through pkg-config
if command -v pkg-config >/dev/null && command -v cc >/dev/null; then
  PC=$(dirname "$(find "$R" -name cvm-evidence.pc | head -1)")
  cat >"$D/t.c" <<'C'
#include <stdio.h>
#include <bundle.h>
#include <version.h>
int main(void)
{
    cvm_print_version(stdout, "t");
    return cvm_bundle_id_valid("01234567-89ab-4cde-8f01-23456789abcd") && !cvm_bundle_id_valid("x") ? 0 : 1;
}
C
  FLAGS=$(PKG_CONFIG_PATH="$PC" pkg-config --define-prefix --cflags --libs cvm-evidence 2>"$D/pc.err") \
    && cc -std=c17 $([ "$sanitized" = 1 ] && echo -fsanitize=address,undefined) -o "$D/t" "$D/t.c" $FLAGS 2>"$D/cc.err" && "$D/t" >/dev/null && ok \
    || bad "pkg-config build against libcvmevidence: $(cat "$D/pc.err" "$D/cc.err" | head -5)"
fi

echo "install_deb: $pass passed, $fail failed"
[ $fail -eq 0 ]
