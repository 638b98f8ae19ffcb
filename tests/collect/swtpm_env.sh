#!/bin/bash
# A private swtpm provisioned like an Azure vTPM (c-apis.md §5), for the
# collect tests until/unless the fake CVM (testdata/fake-cvm) is used.
#   swtpm_env.sh start DIR [NVFILE]   -> prints CVM_TCTI=swtpm:path=DIR/sock
#   swtpm_env.sh stop DIR
# CVM_SWTPM_NO_AK=1 leaves 0x81000003 empty.
# Every tool call runs under `timeout`: swtpm serves one client at a time.
set -euo pipefail
cmd=$1 d=$2
T="timeout 10"
case "$cmd" in
start)
    mkdir -p "$d"
    swtpm socket --tpm2 --tpmstate dir="$d" \
        --server type=unixio,path="$d/sock" --ctrl type=unixio,path="$d/sock.ctrl" \
        --flags not-need-init,startup-clear --pid file="$d/pid" --log file="$d/log" --daemon
    export TPM2TOOLS_TCTI="swtpm:path=$d/sock"
    for _ in $(seq 100); do $T tpm2_getrandom 1 >/dev/null 2>&1 && break; sleep 0.02; done
    if [ "${CVM_SWTPM_NO_AK:-0}" != 1 ]; then
    # Azure's AK template (formats.md §5.6): endorsement-hierarchy primary.
    $T tpm2_createprimary -Q -C e -g sha256 -G rsa2048:rsassa-sha256:null \
        -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign|noda' -c "$d/ak.ctx"
    $T tpm2_evictcontrol -Q -C o -c "$d/ak.ctx" 0x81000003 >/dev/null
    rm -f "$d/ak.ctx"
    fi
    if [ $# -ge 3 ]; then
        $T tpm2_nvdefine -Q 0x01400001 -C o -s "$(stat -c %s "$3")" \
            -a 'ownerread|ownerwrite|authread|authwrite|no_da'
        $T tpm2_nvwrite -Q 0x01400001 -C o -i "$3"
    fi
    echo "CVM_TCTI=swtpm:path=$d/sock"
    ;;
stop)
    if [ -f "$d/pid" ]; then kill "$(cat "$d/pid")" 2>/dev/null || true; fi
    ;;
esac
