#!/bin/bash
# Makes real tpm2-tools 5.4 quote files on a private swtpm for test_tpm_swtpm.c.
# Usage: swtpm_quotes.sh OUTDIR   (exit 77 when swtpm/tpm2-tools are missing)
# Writes OUTDIR/<key>.pub/.name/.qn (tpm2_readpublic -o/-n/-q) and
# OUTDIR/<case>.msg/.sig/.pcrs (tpm2_quote -m/-s/-o) for the cases below.
# spec: c-apis.md §5 (provisioning; one client at a time; timeouts), §6.
set -eu
out=$1
for t in swtpm tpm2_quote tpm2_createprimary tpm2_readpublic tpm2_pcrextend tpm2_evictcontrol \
         tpm2_flushcontext tpm2_getrandom timeout; do
    command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t not installed" >&2; exit 77; }
done
mkdir -p "$out"
# short path under /tmp: AF_UNIX socket paths are limited to ~108 bytes
d=$(mktemp -d /tmp/cvmswtpm.XXXXXX)
cleanup() {
    if [ -s "$d/pid" ]; then kill "$(cat "$d/pid")" 2>/dev/null || true; fi
    rm -rf "$d"
}
trap cleanup EXIT INT TERM
timeout 10 swtpm socket --tpm2 --tpmstate dir="$d" \
    --server type=unixio,path="$d/sock" --ctrl type=unixio,path="$d/sock.ctrl" \
    --flags not-need-init,startup-clear --pid file="$d/pid" --log file="$d/log" --daemon
export TPM2TOOLS_TCTI="swtpm:path=$d/sock"
ready=0
for _ in $(seq 100); do
    if timeout 3 tpm2_getrandom 1 >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.05
done
[ $ready = 1 ] || { echo "swtpm did not become ready" >&2; cat "$d/log" >&2 || true; exit 1; }
t() { timeout 20 "$@"; }

# distinct PCR values, so a wrong order or bank shows up in pcrDigest
for i in 0 1 2 7 11 14 15 23; do
    t tpm2_pcrextend "$i:sha1=$(printf '%040x' $((i + 1))),sha256=$(printf '%064x' $((i + 1)))"
done

attrs='fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign|noda'
# name alg, key template, persistent handle
mkkey() {
    t tpm2_createprimary -Q -C e -g sha256 -G "$2" -a "$attrs" -c "$d/$1.ctx"
    t tpm2_evictcontrol -Q -C o -c "$d/$1.ctx" "$3"
    t tpm2_flushcontext -t
    t tpm2_readpublic -Q -c "$3" -o "$out/$1.pub" -n "$out/$1.name" -q "$out/$1.qn"
    t tpm2_readpublic -Q -c "$3" -f tpmt -o "$out/$1.tpmt"
}
mkkey ak rsa2048:rsassa-sha256:null 0x81000003   # the Azure AK template (formats.md §5.6)
mkkey pss rsa2048:rsapss-sha256:null 0x81000004
mkkey ecc ecc256:ecdsa-sha256:null 0x81000005

quote() { # case key selection [extra args]
    local c=$1 k=$2 sel=$3
    shift 3
    t tpm2_quote -Q -c "$k" -l "$sel" -q 00112233445566778899aabbccddeeff \
        -m "$out/$c.msg" -s "$out/$c.sig" -o "$out/$c.pcrs" -g sha256 "$@"
}
quote all24 0x81000003 sha256:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23
quote three 0x81000003 sha256:0,1,15
quote twobanks 0x81000003 sha1:0,1,2,3,4,5,6,7+sha256:0,1,2,3,4,5,6,7
quote mixed 0x81000003 sha1:0,1,2,3+sha256:0,1,2,3,4,5,6,7
quote eleven 0x81000003 sha256:0,1,2,3,4,5,6,7,8,9,10
quote plain 0x81000003 sha256:0,1,15 -f plain
quote pss 0x81000004 sha256:0,7,23 --scheme rsapss
quote ecc 0x81000005 sha256:0,7,23
quote eccplain 0x81000005 sha256:0,7,23 -f plain
echo ok
