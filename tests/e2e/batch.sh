#!/bin/bash
# cvm-verify --batch (spec/verify.md §1.1): a directory of good, tampered,
# truncated, garbage and unreadable bundles (a dangling symlink, a FIFO, a
# missing explicit path) never stops the batch; JSON Lines in input order
# whatever --jobs; --out; worst exit code; the summary on stderr; the
# progress bar only on a TTY; a worker that dies costs one bundle; split
# lists merge back with sort -m. Bundles come from bench/cvm-bench-gen
# (software AK, fake AMD PKI from fake-cvm gen-pki).
set -uo pipefail

. "$(dirname "$0")/lib.bash"
e2e_need "$VERIFY" "$GEN" "$FAKE"
e2e_tmpdir cvb
trap 'rm -rf "$D"' EXIT

export FAKE_CVM_KEY_CACHE=$D/keys
for c in 1 2; do
    $T "$FAKE" gen-pki "$D/pki$c" --product milan --seed "chip$c" >/dev/null 2>"$D/pki$c.log" ||
        { cat "$D/pki$c.log"; echo "FAIL - fake-cvm gen-pki"; exit 1; }
done
# one ARK key (cached) for both chips: one anchor verifies both
ANCHOR=$D/pki1/ark.pem
A=$D/in
mkdir -p "$A/sub" "$A/nested.tar"
$T "$GEN" -o "$A" -n 3 --aks 2 "$D/pki1" "$D/pki2" || { echo "FAIL - cvm-bench-gen"; exit 1; }
$T "$GEN" -o "$A/sub" -n 2 --start 10 --aks 1 "$D/pki2" || { echo "FAIL - cvm-bench-gen"; exit 1; }
$T "$GEN" -o "$A/nested.tar" -n 1 --start 20 --aks 1 "$D/pki1" || { echo "FAIL - cvm-bench-gen"; exit 1; }
G1=$(ls "$A"/b0000000-*.tar)
# tampered: one byte of quote.msg's data changed (fails bundle.manifest first)
python3 - "$G1" "$A/c-tampered.tar" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(b"/quote.msg\0"); h = i - i % 512
size = int(b[h + 124:h + 135], 8)
b[h + 512 + size - 1] ^= 1
open(sys.argv[2], "wb").write(b)
EOF
head -c 3000 "$G1" >"$A/d-truncated.tar"
head -c 4096 /dev/urandom >"$A/e-garbage.tar"
ln -s "$D/nowhere.tar" "$A/f-dangling.tar"
mkfifo "$A/g-fifo.tar"
echo "not a bundle" >"$A/notes.txt"   # not *.tar: not listed

AT=--at=2026-12-01T00:00:00Z
B() { $T "$VERIFY" --batch $AT --trust-anchor "$ANCHOR" "$@"; }

# ------------------------------------------------------------ 1. the batch
B --jobs 2 "$A" "$D/missing.tar" >"$D/j2.jsonl" 2>"$D/j2.err"
rc=$?
check "exit code is the worst of the bundles (3: unreadable ones)" test $rc -eq 3
EXPECT=$( (cd / && find "$A" -name '*.tar' ! -type d | LC_ALL=C sort); echo "$D/missing.tar")
check "one line per *.tar (recursively, directories named *.tar entered), then the explicit path, in input order" \
    test "$(python3 -c 'import json,sys;[print(json.loads(l)["path"]) for l in open(sys.argv[1])]' "$D/j2.jsonl")" = "$EXPECT"
check "verdicts per bundle" python3 - "$D/j2.jsonl" <<'EOF'
import json, sys
want = {"b00": (0, "verified"), "c-tampered": (2, "invalid"), "d-truncated": (2, "invalid"),
        "e-garbage": (2, "invalid"), "f-dangling": (3, None), "g-fifo": (3, None), "missing": (3, None)}
for line in open(sys.argv[1]):
    j = json.loads(line)
    name = j["path"].rsplit("/", 1)[1]
    key = next((k for k in want if name.startswith(k)), None)
    code, verdict = want[key]
    ec = j["verdict"]["exit_code"] if "verdict" in j else j["exit_code"]
    assert ec == code, (name, ec)
    if verdict:
        assert j["schema"] == "cvm-verify/report/v1" and j["verdict"]["result"] == verdict, (name, j["verdict"])
        assert j["input"]["path"] == j["path"]
        assert [l["id"] for l in j["links"]][0] == "bundle.tar"
    else:
        assert set(j) == {"path", "error", "exit_code"}, j
    if name.startswith("c-tampered"):
        assert j["verdict"]["first_failure"] == "bundle.manifest", j["verdict"]
    if name.startswith("d-truncated"):
        assert j["verdict"]["first_failure"] == "bundle.tar", j["verdict"]
    if name.startswith("g-fifo"):
        assert "not a regular file" in j["error"], j
EOF
check "summary on stderr: counts by verdict" grep -q "12 bundles in .*: 6 verified, 0 policy not met, 3 invalid, 0 incomplete, 3 error" "$D/j2.err"
check "summary on stderr: counts by first failing link" grep -q "first failing link: bundle.tar 2, bundle.manifest 1" "$D/j2.err"
check "summary ends with the exit code" test "$(tail -1 "$D/j2.err")" = "cvm-verify --batch: exit 3"
check "no progress bar when stderr is not a TTY" bash -c "! grep -q \$'\\r\\|ETA' '$D/j2.err'"

B --jobs 1 "$A" "$D/missing.tar" >"$D/j1.jsonl" 2>/dev/null
check "--jobs 1 and --jobs 2 give byte-identical output" cmp -s "$D/j1.jsonl" "$D/j2.jsonl"
B --jobs 2 --out "$D/out.jsonl" "$A" "$D/missing.tar" >"$D/out.stdout" 2>/dev/null
check "--out FILE holds the same lines and stdout stays empty" \
    bash -c "cmp -s '$D/out.jsonl' '$D/j2.jsonl' && test ! -s '$D/out.stdout'"

# ------------------------------------------------------------ 2. exit codes
B "$A/sub" >/dev/null 2>&1
check "only good bundles: exit 0" test $? -eq 0
B "$A/sub" "$A/c-tampered.tar" >/dev/null 2>&1
check "good + tampered: exit 2" test $? -eq 2
B "$D/empty-dir-does-not-exist" >/dev/null 2>"$D/e.err"
check "a missing explicit path is a per-bundle error (exit 3), not a crash" test $? -eq 3
mkdir -p "$D/empty"
B "$D/empty" >/dev/null 2>"$D/e.err"
rc=$?
check "no bundles found: exit 3 with a message" bash -c "test $rc -eq 3 && grep -q 'no bundles' '$D/e.err'"
$T "$VERIFY" --jobs 2 "$G1" >/dev/null 2>&1
check "--jobs without --batch is a usage error" test $? -eq 3
$T "$VERIFY" --batch --html "$D/x.html" "$G1" >/dev/null 2>&1
check "--batch with --html is a usage error" test $? -eq 3

# ------------------------------------------------------------ 3. a worker dies
CVM_VERIFY_TEST_CRASH=b0000001 B --jobs 2 "$A" >"$D/crash.jsonl" 2>"$D/crash.err"
rc=$?
check "a worker dying costs that bundle only (exit 3, the rest verified)" python3 - "$D/crash.jsonl" "$rc" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert int(sys.argv[2]) == 3
dead = [j for j in lines if "b0000001" in j["path"]]
assert len(dead) == 1 and "died on this bundle (signal 6)" in dead[0]["error"], dead
ok = [j for j in lines if "verdict" in j and j["verdict"]["result"] == "verified"]
assert len(ok) == 5, len(ok)
assert len(lines) == 11
EOF

# a worker that never finishes: --timeout ends it, the others go on. A
# bundle takes ~10 ms; under scripts/valgrind.sh (cvm-verify.real beside a
# wrapper) several seconds, so the timeout and the bound grow there
TO=3 LIM=60
[ -e "$VERIFY.real" ] && TO=60 LIM=900
s0=$(date +%s)
CVM_VERIFY_TEST_HANG=b0000001 B --jobs 2 --timeout $TO "$A" >"$D/hang.jsonl" 2>"$D/hang.err"
rc=$? el=$(($(date +%s) - s0))
check "a hung worker is killed after --timeout $TO (${el} s): that bundle is an error (exit 3), the rest verified" \
    python3 - "$D/hang.jsonl" "$rc" "$el" "$TO" "$LIM" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
to, lim = int(sys.argv[4]), int(sys.argv[5])
assert int(sys.argv[2]) == 3, sys.argv[2]
assert to <= int(sys.argv[3]) < lim, sys.argv[3]
hung = [j for j in lines if "b0000001" in j["path"]]
assert len(hung) == 1 and "no result after %d s (--timeout)" % to in hung[0]["error"], hung
ok = [j for j in lines if "verdict" in j and j["verdict"]["result"] == "verified"]
assert len(ok) == 5, len(ok)
assert len(lines) == 11
EOF
$T "$VERIFY" --timeout 5 "$G1" >/dev/null 2>&1
check "--timeout without --batch is a usage error" test $? -eq 3
B --timeout 1x "$A" >/dev/null 2>&1
check "--timeout 1x is a usage error" test $? -eq 3

# ------------------------------------------------------------ 4. progress on a TTY
if command -v script >/dev/null; then
    $T script -qec "'$VERIFY' --batch $AT --trust-anchor '$ANCHOR' --jobs 1 --out '$D/tty.jsonl' '$A/sub'" \
        /dev/null >"$D/tty.out" 2>&1
    check "progress bar with count, rate and ETA on a TTY" \
        bash -c "grep -q '2/2 100.0%.*/s ETA' '$D/tty.out' && grep -q \$'\\r' '$D/tty.out'"
    check "output on a TTY run is unchanged" bash -c "test \$(wc -l <'$D/tty.jsonl') -eq 2"
else
    echo "skip - script(1) absent: TTY progress not tested"
fi

# ------------------------------------------------------------ 5. split and merge
(cd / && find "$A" -name '*.tar' ! -type d | LC_ALL=C sort) >"$D/all.txt"
(cd "$D" && split -n r/2 all.txt part.)
for p in "$D"/part.*; do B --jobs 1 - <"$p" >"$p.jsonl" 2>/dev/null; done
B --jobs 2 - <"$D/all.txt" >"$D/all.jsonl" 2>/dev/null
LC_ALL=C sort -m "$D"/part.*.jsonl >"$D/merged.jsonl"
check "paths from stdin (-), split over two runs, merged with sort -m = one run" cmp -s "$D/merged.jsonl" "$D/all.jsonl"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
