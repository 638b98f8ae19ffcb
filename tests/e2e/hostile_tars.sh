#!/bin/bash
# Hostile bundle tars through the cvm-verify binary (the format library's own
# cases are in tests/format/test_bundle.c; this checks the CLI end to end):
# each must exit 2 with the link bundle.tar failed for the stated reason,
# write nothing (the verifier runs in an empty directory that must stay
# empty, and no path a tar names may appear), and stay within a peak RSS
# bound measured with GNU time (skipped under ASan, whose shadow memory makes
# RSS meaningless).
set -uo pipefail

. "$(dirname "$0")/lib.bash"
e2e_need "$VERIFY"
command -v zstd >/dev/null || { echo "SKIP: zstd not installed"; exit 0; }

e2e_tmpdir cvht
trap 'rm -rf "$D" /tmp/cvh-abs-escaped' EXIT

mkdir -p "$D/out" "$D/a/b/cwd"
python3 "$SRC/tests/e2e/hostile_tars.py" "$D/out" || { echo "FAIL - generator"; exit 1; }

RSS_OK=1
if ! [ -x /usr/bin/time ]; then
    RSS_OK=0; echo "skip - RSS bounds: GNU time (Debian package time) not installed"
elif [ -e "$VERIFY.real" ]; then
    RSS_OK=0; echo "skip - RSS bounds: cvm-verify is a wrapper (scripts/valgrind.sh)"
elif ldd "$VERIFY" | qgrep libasan || nm "$VERIFY" 2>/dev/null | qgrep __asan_init; then
    RSS_OK=0; echo "skip - RSS bounds: ASan build"
fi

MiB=1024 # KiB
# case  expected words in the bundle.tar reason  RSS bound (KiB)
while read -r name want bound; do
    f=$D/out/$name
    (cd "$D/a/b/cwd" && if [ $RSS_OK = 1 ]; then
        /usr/bin/time -f %M -o "$D/rss" timeout 60 "$VERIFY" --json "$f"
    else timeout 60 "$VERIFY" --json "$f"; fi) >"$D/o.json" 2>"$D/e"
    rc=$?
    reason=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
l = {x["id"]: x for x in r["links"]}
t = l["bundle.tar"]
others = [x["id"] for x in r["links"] if x["id"] != "bundle.tar" and x["status"] not in ("skip",)]
print(t["status"], "|", ",".join(others) or "-", "|", t["reason"])' "$D/o.json" 2>/dev/null)
    rss=-
    [ $RSS_OK = 1 ] && rss=$(tail -1 "$D/rss")
    written=$(find "$D/a" -mindepth 1 ! -path "$D/a/b" ! -path "$D/a/b/cwd" | head -3)
    [ -e /tmp/cvh-abs-escaped ] && written="$written /tmp/cvh-abs-escaped"
    ok=1
    [ $rc -eq 2 ] || ok=0
    case "$reason" in "fail | - | "*) ;; *) ok=0 ;; esac
    echo "$reason" | qgrep -iE -- "$want" || ok=0
    [ -z "$written" ] || ok=0
    if [ $RSS_OK = 1 ] && [ "$rss" -gt "$bound" ]; then ok=0; fi
    msg="$name: exit $rc, RSS ${rss} KiB (≤ $bound), ${reason#fail | - | }"
    if [ $ok = 1 ]; then pass "$msg"; else fail "$msg [want /$want/, written: ${written:-nothing}]"; fi
done <<EOF
dotdot.tar                  member.name.not|\.\.                     $((16 * MiB))
dotdot2.tar                 top.directory                            $((16 * MiB))
absolute.tar                top.directory                            $((16 * MiB))
symlink.tar                 symlink                                  $((16 * MiB))
hardlink.tar                hard.?link                               $((16 * MiB))
chardev.tar                 character                                $((16 * MiB))
blockdev.tar                block                                    $((16 * MiB))
fifo.tar                    FIFO                                     $((16 * MiB))
directory.tar               directory                                $((16 * MiB))
dup-exact.tar               duplicate                                $((16 * MiB))
dup-casefold.tar            duplicate                                $((16 * MiB))
pax-path.tar                pax.extended                             $((16 * MiB))
pax-global.tar              pax.global                               $((16 * MiB))
gnu-longname.tar            GNU.long.name                            $((16 * MiB))
gnu-sparse.tar              sparse                                   $((16 * MiB))
size-beyond.tar             size.8589934591                          $((16 * MiB))
size-63m.tar                size.66060288                            $((16 * MiB))
trunc-boundary.tar          end.marker.is.0.bytes                    $((16 * MiB))
trunc-one-zero-block.tar    end.marker.is.512.bytes                  $((16 * MiB))
trailing-garbage.tar        trailing.bytes.*must.be.zero             $((16 * MiB))
trailing-garbage-block.tar  trailing.bytes.*must.be.zero             $((16 * MiB))
empty.tar                   empty.input                              $((16 * MiB))
zeros-1k.tar                no.members                               $((16 * MiB))
zeros-10k.tar               no.members                               $((16 * MiB))
gzip-tar.tar.gz             Unrecognized.archive.format              $((16 * MiB))
bomb-gzip.tar.gz            Unrecognized.archive.format              $((16 * MiB))
bomb-xz.tar.xz              Unrecognized.archive.format              $((16 * MiB))
bomb-zstd.tar.zst           Unrecognized.archive.format              $((16 * MiB))
bomb-bzip2.tar.bz2          Unrecognized.archive.format              $((16 * MiB))
over-cap.tar                larger.than                              $((16 * MiB))
at-cap-zeros.tar            no.members                               $((64 * MiB))
at-cap-members.tar          trailing.bytes.*10240                    $((64 * MiB))
member-over.tar             exceeds.the.member.cap                   $((64 * MiB))
total-over.tar              total.member.size.exceeds                $((64 * MiB))
EOF

# The largest input the profile accepts: three members at the member cap
# (= the total cap, format/bundle.h). It passes bundle.tar and fails
# bundle.manifest (no manifest). The tar is freed once its members are
# copied out and the inputs borrow those copies, so the peak is the tar plus
# one copy of the members plus the baseline (spec/bundle-v1.md §3.3).
f=$D/out/max-members.tar
(cd "$D/a/b/cwd" && if [ $RSS_OK = 1 ]; then /usr/bin/time -f %M -o "$D/rss" timeout 60 "$VERIFY" --quiet "$f"
    else timeout 60 "$VERIFY" --quiet "$f"; fi) >"$D/o.txt" 2>&1
rc=$?
rss=-; [ $RSS_OK = 1 ] && rss=$(tail -1 "$D/rss")
if [ $rc -eq 2 ] && grep -q "bundle.manifest" "$D/o.txt" && { [ $RSS_OK = 0 ] || [ "$rss" -le $((64 * MiB)) ]; }; then
    pass "max-members.tar (members at the total cap): exit 2 at bundle.manifest, RSS ${rss} KiB (≤ 64 MiB)"
else
    fail "max-members.tar: exit $rc, RSS $rss KiB (≤ 64 MiB): $(head -c 300 "$D/o.txt")"
fi
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
