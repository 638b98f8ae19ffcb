#!/usr/bin/env bash
# cvm-verify's command line: exit codes (0 verified, 1 policy, 2 invalid or
# incomplete, 3 usage/I-O), --help, --json shape, --quiet, and every real
# seed set through the binary (the library-level expectations are in
# tests/verify/test_verify_seedsets.c; this checks the process boundary).
set -euo pipefail
BIN="${CVM_VERIFY_BIN:-${CVM_BUILD_DIR:?}/verify/cvm-verify}"
V="${CVM_VECTORS:-}"
T=$(mktemp -d /tmp/cvm-vcli.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }

expect_rc() { # rc, description, command...
  local want=$1 what=$2; shift 2
  local rc=0
  "$@" >"$T/out" 2>"$T/err" || rc=$?
  if [ "$rc" -ne "$want" ]; then bad "$what: exit $rc, expected $want; stderr: $(head -3 "$T/err")"; else ok; fi
}

expect_rc 0 "--help" "$BIN" --help
grep -q "exit codes" "$T/out" && grep -q "3  usage or I/O error" "$T/out" && ok || bad "--help lacks the exit codes"
expect_rc 0 "--version" "$BIN" --version
expect_rc 3 "no arguments" "$BIN"
expect_rc 3 "unknown option" "$BIN" --frobnicate
expect_rc 3 "both bundle and --dir" "$BIN" --dir /tmp x.tar
expect_rc 3 "missing dir" "$BIN" --dir "$T/nope"
expect_rc 3 "missing bundle" "$BIN" "$T/nope.tar"
expect_rc 3 "odd-length nonce" "$BIN" --dir "$T" --nonce abc
expect_rc 3 "nonce too long" "$BIN" --dir "$T" --nonce "$(printf '00%.0s' $(seq 65))"
expect_rc 3 "bad --at" "$BIN" --dir "$T" --at 2026-01-01
expect_rc 3 "missing value" "$BIN" --dir
expect_rc 3 "unreadable trust anchor" "$BIN" --dir "$T" --trust-anchor "$T/none.pem"
echo '{"nope":1}' > "$T/p.json"
expect_rc 3 "bad policy" "$BIN" --dir "$T" --policy "$T/p.json"
# an empty directory is evidence that proves nothing: incomplete
mkdir -p "$T/empty"
expect_rc 2 "empty dir" "$BIN" --dir "$T/empty"

if [ -z "$V" ] || [ ! -d "$V/seedsets" ]; then
  echo "SKIP: ../shared/vectors not present: real-evidence CLI checks skipped"
else
  S="$V/seedsets"
  P="$S/trustee-hcl-2024-01-29-milan-rv2"
  N=$(cat "$P/nonce.hex")
  expect_rc 0 "positive set" "$BIN" --dir "$P" --nonce "$N"
  grep -q "Verdict: verified (exit 0)" "$T/out" || bad "text report lacks the verdict line"
  grep -q "✓ amd.chain" "$T/out" || bad "text report lacks the amd.chain line"
  grep -q $'\033\[' "$T/out" && bad "colour codes written to a non-TTY" || ok
  expect_rc 0 "positive set --json" "$BIN" --dir "$P" --nonce "$N" --json
  python3 - "$T/out" <<'PY' && ok || bad "JSON report shape"
import json, sys
r = json.load(open(sys.argv[1]))
assert list(r)[:9] == ["schema","verifier","input","time","verdict","links","trust_anchors","summary","facts"], list(r)
assert r["schema"] == "cvm-verify/report/v1"
assert r["verdict"] == {"result": "verified", "exit_code": 0, "first_failure": None}
ids = [l["id"] for l in r["links"]]
assert ids == ["bundle.tar","bundle.manifest","amd.chain","amd.crl","snp.signature","snp.tcb","snp.report",
               "hcl.binding","ak.binding","quote.signature","quote.pcrs","quote.binding","quote.nonce","seal",
               "eventlog.uefi","eventlog.runtime","policy","operator.signature","timestamp"], ids
for l in r["links"]:
    assert set(l) == {"id","status","mandatory","reason","details"}, l
    assert l["status"] in ("pass","warn","fail","skip")
assert r["time"]["kind"] == "now"
used = [a for a in r["trust_anchors"] if a["used"]]
assert len(used) == 1 and used[0]["name"] == "ARK-Milan" and used[0]["spki_sha256"].startswith("9f056bee")
assert r["summary"]["product"] == "Milan" and r["summary"]["reported_tcb"]["microcode"] == 115
assert any("paravisor" in s for s in r["limitations"])
PY
  expect_rc 2 "--html on a negative set" "$BIN" --dir "$S/trustee-hcl-2024-01-29-milan-rv2--neg-report-bitflip-measurement" \
    --nonce "$N" --html "$T/r.html" --quiet
  python3 - "$T/r.html" <<'PY' && ok || bad "HTML report"
import html.parser, re, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.stack = []; s.fail_rows = 0
    def handle_starttag(s, t, a):
        if t == "tr" and ("class", "fail") in a: s.fail_rows += 1
        if t not in ("meta", "br"): s.stack.append(t)
    def handle_endtag(s, t):
        assert s.stack and s.stack[-1] == t, (t, s.stack[-3:]); s.stack.pop()
text = open(sys.argv[1]).read()
p = P(); p.feed(text)
assert p.stack == [] and p.fail_rows == 1, (p.stack, p.fail_rows)
assert "Verdict: invalid" in text and "snp.signature" in text and "<script" not in text and not re.search(r"(https?:)?//[a-z0-9]", text.lower())
PY
  expect_rc 3 "--html unwritable" "$BIN" --dir "$P" --nonce "$N" --html "$T/nodir/r.html"
  expect_rc 0 "--quiet" "$BIN" --dir "$P" --nonce "$N" --quiet
  [ "$(wc -l < "$T/out")" -eq 1 ] && ok || bad "--quiet printed more than one line"
  expect_rc 0 "--at explicit" "$BIN" --dir "$P" --nonce "$N" --json --at 2026-06-01T00:00:00Z
  grep -q '"kind": "explicit"' "$T/out" && ok || bad "time basis not explicit"
  expect_rc 2 "--at 2099" "$BIN" --dir "$P" --nonce "$N" --at 2099-01-01T00:00:00Z
  expect_rc 2 "wrong nonce" "$BIN" --dir "$P" --nonce 00
  printf '{"min_tcb":{"microcode":250}}' > "$T/strict.json"
  expect_rc 1 "policy not met" "$BIN" --dir "$P" --nonce "$N" --policy "$T/strict.json"
  printf '{"min_tcb":{"action":"warn","microcode":250}}' > "$T/warn.json"
  expect_rc 0 "policy warn-only" "$BIN" --dir "$P" --nonce "$N" --policy "$T/warn.json"
  # every seed set: positive/odd -> 0 with its nonce, negative -> 2 with the
  # failing link in the JSON
  while IFS='|' read -r name want link; do
    d="$S/$name"; [ -d "$d" ] || { bad "set $name missing"; continue; }
    args=(--dir "$d" --json)
    [ -f "$d/nonce.hex" ] && args+=(--nonce "$(cat "$d/nonce.hex")")
    expect_rc "$want" "$name" "$BIN" "${args[@]}"
    if [ -n "$link" ]; then
      python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); s={l["id"]:l["status"] for l in r["links"]}; sys.exit(0 if s[sys.argv[2]]=="fail" else 1)' "$T/out" "$link" \
        && ok || bad "$name: link $link did not fail"
    fi
  done <<'SETS'
trustee-hcl-2024-01-29-milan-rv2|0|
trustee-hcl-2024-02-28-milan-rv2|0|
trustee-evidence-v0-milan-rv3|0|
trustee-evidence-v1-milan-rv3|0|
trustee-evidence-v1-milan-rv3--odd-quote-pcrs-padding|0|
trustee-evidence-v0-milan-rv3--odd-quote-from-evidence-v1-same-vm|0|
kinvolk-hcl-2023-milan-rv2|2|
ms-clientlibtests-2022-04-rv1|2|hcl.binding
kinvolk-hcl-2023-milan-rv2--neg-vcek-other-chip|2|snp.signature
trustee-hcl-2024-02-28-milan-rv2--neg-vcek-other-chip|2|snp.tcb
trustee-hcl-2024-01-29-milan-rv2--neg-report-bitflip-measurement|2|snp.signature
trustee-hcl-2024-01-29-milan-rv2--neg-runtime-json-vmuniqueid|2|hcl.binding
trustee-hcl-2024-02-28-milan-rv2--neg-quote-msg-pcrdigest|2|quote.signature
trustee-evidence-v0-milan-rv3--neg-quote-pcrs-pcr7|2|quote.pcrs
trustee-hcl-2024-01-29-milan-rv2--neg-quote-pcrs-pcr23|2|quote.pcrs
SETS
fi
echo "verify_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
