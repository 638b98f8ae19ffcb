#!/usr/bin/env bash
# cvm-verify show: decodes every real evidence file of the kinds it supports,
# names the kind correctly, and rejects malformed input with exit 2 and a
# message naming the field and offset (never a crash: run under ASan in CI).
set -euo pipefail
# grep -q exits at the first match; under pipefail the writer then dies of SIGPIPE
# and the pipeline "fails" at random. qgrep reads to the end.
qgrep() { grep "$@" >/dev/null; }
BIN="${CVM_SHOW_BIN:-${CVM_BUILD_DIR:?}/verify/cvm-verify}"
V="${CVM_VECTORS:-}"
T=$(mktemp -d /tmp/cvm-show.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0; skipped=0
ok()   { pass=$((pass+1)); }
bad()  { echo "FAIL: $*"; fail=$((fail+1)); }

expect_kind() { # file, substring of the kind line
  local out rc=0
  out=$("$BIN" show "$1" 2>"$T/err") || rc=$?
  if [ $rc -ne 0 ]; then bad "$1: exit $rc: $(cat "$T/err")"; return; fi
  if ! head -1 <<<"$out" | qgrep -F -- "$2"; then bad "$1: kind '$(head -1 <<<"$out")' lacks '$2'"; return; fi
  ok
}
expect_reject() { # file, substring the error must contain
  local rc=0
  "$BIN" show "$1" >/dev/null 2>"$T/err" || rc=$?
  if [ $rc -ne 2 ]; then bad "$1: exit $rc, expected 2 ($(cat "$T/err"))"; return; fi
  if ! grep -qF -- "$2" "$T/err"; then bad "$1: error '$(cat "$T/err")' lacks '$2'"; return; fi
  ok
}

if [ -n "$V" ] && [ -d "$V" ]; then
  for f in "$V"/azure-hcl/kinvolk/hcl-report-snp.bin "$V"/azure-hcl/trustee/hcl-report.*.bin \
           "$V"/azure-hcl/ms-cvm-guest-attestation/*.bin "$V"/azure-hcl/trustee/decoded/*hcl-report.bin \
           "$V"/seedsets/*/snp_report.bin "$V"/azure-hcl-tdx/*/*.bin; do
    [ -f "$f" ] || continue
    case "$f" in *quote*) continue;; esac
    expect_kind "$f" "Azure HCL report"
  done
  for f in "$V"/seedsets/*/guest_report.bin; do expect_kind "$f" "SEV-SNP attestation report"; done
  for f in $(find "$V/snp" -name '*.bin' -size 1184c); do expect_kind "$f" "SEV-SNP attestation report"; done
  for f in $(find "$V/amd-roots" "$V/snp" "$V/azure-hcl" -name '*.pem' ! -name 'akpub*'); do
    expect_kind "$f" "X.509 certificate"
  done
  for f in $(find "$V/snp" -name '*.der'); do expect_kind "$f" "X.509 certificate"; done
  for f in "$V"/seedsets/*/akpub.pem "$V"/azure-hcl/kinvolk/akpub*.pem; do expect_kind "$f" "public key"; done
  for f in "$V"/seedsets/*/runtime.json; do expect_kind "$f" "runtime claims JSON"; done
  for f in $(grep -l vcekCert $(find "$V/snp" -name '*.json') 2>/dev/null); do expect_kind "$f" "THIM"; done
  for f in "$V"/seedsets/*/quote.msg "$V"/azure-hcl/trustee/decoded/*.tpm-quote.msg; do expect_kind "$f" "TPMS_ATTEST"; done
  for f in "$V"/seedsets/*/quote.sig "$V"/azure-hcl/trustee/decoded/*.tpm-quote.sig; do expect_kind "$f" "TPM signature"; done
  for f in "$V"/seedsets/*/quote.pcrs; do expect_kind "$f" "PCR values"; done

  # --json is valid JSON carrying the decoded fields
  f="$V/seedsets/trustee-hcl-2024-01-29-milan-rv2/snp_report.bin"
  if [ -f "$f" ]; then
    "$BIN" show --json "$f" > "$T/j.json"
    python3 - "$T/j.json" <<'PY' && ok || bad "--json output"
import json, sys
d = json.load(open(sys.argv[1]))
assert d[0]["decoded"]["header"]["signature"] == "HCLA", d[0]["decoded"]["header"]
assert d[0]["decoded"]["snp_report"]["version"] == 2
assert d[0]["decoded"]["runtime_header"]["variable_data_size"] == 1110
PY
    # every truncation of a real HCL report is rejected with a field and an offset
    for n in 0 4 31 32 100 1215 1216 1235 1236 2000 2345; do
      head -c "$n" "$f" > "$T/trunc.bin"
      if [ "$n" -lt 4 ]; then expect_reject "$T/trunc.bin" "not a recognised"; else expect_reject "$T/trunc.bin" "offset"; fi
    done
    # a flipped padding byte names the field and its offset
    cp "$f" "$T/pad.bin"; printf '\x01' | dd of="$T/pad.bin" bs=1 seek=2500 conv=notrunc status=none
    expect_reject "$T/pad.bin" "0x9c4"
  fi
else
  echo "SKIP: ../shared/vectors not present; real-evidence cases skipped"
  skipped=$((skipped+1))
fi

# synthetic: garbage, empty, a lying TPMS_ATTEST, broken PEM and JSON
head -c 3000 /dev/urandom > "$T/garbage.bin"; printf '\x00' | dd of="$T/garbage.bin" bs=1 count=1 conv=notrunc status=none
expect_reject "$T/garbage.bin" "not a recognised"
: > "$T/empty"; expect_reject "$T/empty" "not a recognised"
printf '\xff\x54\x43\x47\x80\x18\xff\xff' > "$T/q.msg"; expect_reject "$T/q.msg" "offset"
printf -- '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' > "$T/c.pem"; expect_reject "$T/c.pem" "c.pem"
printf '{"keys":[],"keys":[]}' > "$T/r.json"; expect_reject "$T/r.json" "duplicate"
# usage errors
rc=0; "$BIN" show >/dev/null 2>&1 || rc=$?; [ $rc -eq 3 ] && ok || bad "no file: exit $rc"
rc=0; "$BIN" show /nonexistent/x >/dev/null 2>&1 || rc=$?; [ $rc -eq 3 ] && ok || bad "missing file: exit $rc"

echo "show: $pass passed, $fail failed, $skipped skipped"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
