#!/bin/bash
# Collector benchmark: cvm-collect against the seed's shell sequence (the
# Microsoft how-to: tpm2_nvread / dd / curl+jq / tpm2_readpublic / tpm2_quote)
# on ONE fake CVM, in the same run, rounds alternating so that drift (CPU
# load from other jobs, page cache) hits both sides alike.
#
# Prints median and p90 wall time of each row, the ratio collector/seed, and
# the number of TPM commands each side sends (counted at the TCTI: the
# collector's own -v count, cross-checked, and tpm2-tools' via
# TSS2_LOG=tcti+debug, whose "Sending command with TPM_CC" line is logged once
# per command by tcti-swtpm). Counting runs are separate, untimed runs:
# logging slows the TCTI down.
#
# usage: bench/collect_bench.sh            (env knobs below)
#   ROUNDS=20          plain rounds (collector and seed alternate)
#   FRESH_ROUNDS=10    --fresh rounds (0 skips them)
#   FRESH_IDLE=2.1     seconds of idle before every --fresh run, untimed: the
#                      paravisor regenerates at most every 2 s, so without it
#                      each run would start inside the window the previous
#                      run's refresh opened. 0 = back to back (worst case).
#   SEED_FRESH_SLEEP=3 the how-to's sleep between nvwrite and nvread (KINVOLK
#                      sleeps 3 s); the seed then polls every 1 s until
#                      user-data matches.
#   PLAIN_REFRESH_PERIOD=600  refresh period during the plain rows. 600 keeps
#                      the fake paravisor from regenerating the report in the
#                      middle of either side's read (a cost of the fake's Python
#                      signer that both would pay); 2 = as on Azure.
#   PHASES=5           runs of cvm-collect under `strace --seccomp-bpf` (only
#                      connect/recvfrom/openat/exit traced, so little overhead)
#                      whose syscall timestamps split the wall time into
#                      phases; 0 skips it (also skipped without strace).
#   LINKSET=20         runs of an empty C program linked against cvm-collect's
#                      own DT_NEEDED list, then without libcurl, then without
#                      libcurl and libarchive: what process start-up costs
#                      with each library set (0 skips; needs cc).
#   BUILD_DIR=build-bench, BENCH_NO_BUILD=1 to reuse a build.
#   FAKE_CVM_KEY_CACHE defaults to BUILD_DIR/fake-cvm-keys (as tests/e2e do).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-20}
FRESH_ROUNDS=${FRESH_ROUNDS:-10}
FRESH_IDLE=${FRESH_IDLE:-2.1}
SEED_FRESH_SLEEP=${SEED_FRESH_SLEEP:-3}
PLAIN_REFRESH_PERIOD=${PLAIN_REFRESH_PERIOD:-600}
PHASES=${PHASES:-5}
LINKSET=${LINKSET:-20}
BUILD=${BUILD_DIR:-$ROOT/build-bench}
export FAKE_CVM_KEY_CACHE=${FAKE_CVM_KEY_CACHE:-$BUILD/fake-cvm-keys}
for t in tpm2_nvread tpm2_nvwrite tpm2_readpublic tpm2_quote curl jq dd openssl xxd python3 cmake; do
    command -v "$t" >/dev/null || { echo "collect_bench: $t not found" >&2; exit 2; }
done

if [ -z "${BENCH_NO_BUILD:-}" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" -j2 --target cvm-collect >/dev/null
fi
mkdir -p "$FAKE_CVM_KEY_CACHE"
COLLECT=$BUILD/collect/cvm-collect
[ -x "$COLLECT" ] || { echo "collect_bench: no $COLLECT" >&2; exit 2; }

# short path: AF_UNIX socket paths are limited to ~108 bytes
W=$(mktemp -d /tmp/cbench.XXXXXX)
FAKE=$ROOT/testdata/fake-cvm/fake-cvm
cleanup() {
    "$FAKE" stop "$W/vm" >/dev/null 2>&1 || true
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

eval "$("$FAKE" start "$W/vm" --product milan 2>"$W/start.err")" || { cat "$W/start.err" >&2; exit 1; }
export TPM2TOOLS_TCTI=$CVM_TCTI
THIM=$CVM_IMDS_URL/metadata/THIM/amd/certification
PCRLIST=sha256:$(seq -s, 0 23) # tpm2-tools 5.4 takes no ranges in -l
# tpm2_nvread warns "Reading full size of the NV index" on stderr; the counting
# runs need that stream (the TCTI's log).
SEED_ERR=/dev/null
set_period() { echo "$1" >"$CVM_REFRESH_PERIOD_FILE"; }

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
# ms with 1 decimal between two now_us values
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) / 1000 }'; }

# --- the two sides ------------------------------------------------------------

# collector NONCE OUT [--fresh]
collector() {
    local nonce=$1 out=$2
    shift 2
    "$COLLECT" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --nonce "$nonce" -o "$out" "$@" \
        >"$W/c.out" 2>"$W/c.err" || {
        echo "collect_bench: cvm-collect failed (rc $?):" >&2
        cat "$W/c.err" >&2
        exit 1
    }
}

# The how-to's steps after the report is in snp_report.bin (run in $PWD).
seed_rest() {
    local nonce=$1
    dd if=snp_report.bin of=guest_report.bin skip=32 bs=1 count=1184 status=none
    curl -s -H Metadata:true "$THIM" >vcek
    jq -r '.vcekCert , .certificateChain' vcek >vcek.pem
    tpm2_readpublic -c 0x81000003 -f pem -o akpub.pem >/dev/null
    tpm2_quote -c 0x81000003 -l "$PCRLIST" -q "$nonce" -m quote.msg -s quote.sig -o quote.pcrs -g sha256 \
        >/dev/null
}

# seed DIR NONCE
seed() {
    (
        cd "$1"
        tpm2_nvread -C o 0x01400001 >snp_report.bin 2>>"$SEED_ERR"
        seed_rest "$2"
    ) || { echo "collect_bench: seed sequence failed" >&2; exit 1; }
}

# seed_fresh DIR NONCE: user data = nonce || 32 zero bytes into 0x01400002,
# sleep as the how-to does, read, and re-read every 1 s until the report's
# user-data carries it (the how-to only sleeps; without the check the timing
# would not be of a fresh report).
seed_fresh() {
    (
        cd "$1"
        local want
        want=$(printf '%s%064d' "$2" 0 | tr a-f A-F)
        printf '%s%064d' "$2" 0 | xxd -r -p >user.bin
        tpm2_nvwrite -C o 0x01400002 -i user.bin
        sleep "$SEED_FRESH_SLEEP"
        local tries=0
        while :; do
            tpm2_nvread -C o 0x01400001 >snp_report.bin 2>>"$SEED_ERR"
            grep -qa "\"user-data\":\"$want\"" snp_report.bin && break
            tries=$((tries + 1))
            [ "$tries" -lt 30 ] || { echo "collect_bench: seed --fresh: no fresh report" >&2; exit 1; }
            sleep 1
        done
        seed_rest "$2"
    ) || exit 1
}

check_collector_fresh() {
    grep -q '^report: refreshed' "$W/c.out" || {
        echo "collect_bench: cvm-collect --fresh did not report a refreshed report:" >&2
        cat "$W/c.out" >&2
        exit 1
    }
}

# --- timing ---------------------------------------------------------------------

: >"$W/t.collector"
: >"$W/t.seed"
: >"$W/t.collector_fresh"
: >"$W/t.seed_fresh"
: >"$W/t.startup"

# one warm-up of each (page cache, dynamic loader, Python proxy threads)
mkdir -p "$W/s"
collector "$(openssl rand -hex 32)" "$W/warm.tar"
rm -f "$W/warm.tar"
seed "$W/s" "$(openssl rand -hex 32)"

set_period "$PLAIN_REFRESH_PERIOD"
for i in $(seq 1 "$ROUNDS"); do
    n1=$(openssl rand -hex 32)
    n2=$(openssl rand -hex 32)
    rm -rf "$W/s" && mkdir "$W/s"
    # alternate which side goes first
    if [ $((i % 2)) -eq 1 ]; then
        a=$(now_us); collector "$n1" "$W/b$i.tar"; b=$(now_us)
        c=$(now_us); seed "$W/s" "$n2"; d=$(now_us)
    else
        c=$(now_us); seed "$W/s" "$n2"; d=$(now_us)
        a=$(now_us); collector "$n1" "$W/b$i.tar"; b=$(now_us)
    fi
    ms "$a" "$b" >>"$W/t.collector"
    ms "$c" "$d" >>"$W/t.seed"
    rm -f "$W/b$i.tar"
    # the floor: exec + dynamic linking of cvm-collect, no TPM, no I/O
    a=$(now_us); "$COLLECT" --version >/dev/null; b=$(now_us)
    ms "$a" "$b" >>"$W/t.startup"
done

set_period "$CVM_REFRESH_PERIOD"
for i in $(seq 1 "$FRESH_ROUNDS"); do
    n1=$(openssl rand -hex 32)
    n2=$(openssl rand -hex 32)
    rm -rf "$W/s" && mkdir "$W/s"
    for side in $( [ $((i % 2)) -eq 1 ] && echo c s || echo s c); do
        sleep "$FRESH_IDLE"
        if [ "$side" = c ]; then
            a=$(now_us); collector "$n1" "$W/f$i.tar" --fresh; b=$(now_us)
            check_collector_fresh
            ms "$a" "$b" >>"$W/t.collector_fresh"
            rm -f "$W/f$i.tar"
        else
            c=$(now_us); seed_fresh "$W/s" "$n2"; d=$(now_us)
            ms "$c" "$d" >>"$W/t.seed_fresh"
        fi
    done
done

# --- TPM command counts (untimed runs) ------------------------------------------

set_period "$PLAIN_REFRESH_PERIOD"
tcti_count() { grep -c 'tcti_swtpm_transmit() Sending command' "$1" || true; }

# collector: its own count (-v) and the TCTI's log of the same run
count_collector() {
    local out=$W/count.tar
    TSS2_LOG=tcti+debug "$COLLECT" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" \
        --nonce "$(openssl rand -hex 32)" -o "$out" -v "$@" >"$W/cc.out" 2>"$W/cc.err"
    rm -f "$out"
    own=$(sed -n 's/^tpm_commands: //p' "$W/cc.out")
    log=$(tcti_count "$W/cc.err")
    [ "$own" = "$log" ] || echo "collect_bench: warning: collector says $own TPM commands, the TCTI logged $log" >&2
    echo "$own"
}
# seed: one log per tool, appended
count_seed() {
    local fn=$1
    rm -rf "$W/s" && mkdir "$W/s"
    : >"$W/sc.err"
    TSS2_LOG=tcti+debug SEED_ERR=$W/sc.err "$fn" "$W/s" "$(openssl rand -hex 32)" 2>>"$W/sc.err"
    tcti_count "$W/sc.err"
}
# per tool, for the report
seed_breakdown() {
    (
        cd "$W/s"
        for cmd in "tpm2_nvread -C o 0x01400001" "tpm2_readpublic -c 0x81000003 -f pem -o akpub.pem" \
            "tpm2_quote -c 0x81000003 -l $PCRLIST -q $(openssl rand -hex 32) -m quote.msg -s quote.sig -o quote.pcrs -g sha256"; do
            # shellcheck disable=SC2086
            TSS2_LOG=tcti+debug $cmd >/dev/null 2>"$W/one.err" || true
            printf '  %-16s %2s TPM commands: %s\n' "${cmd%% *}" "$(tcti_count "$W/one.err")" \
                "$(sed -n 's/.*Sending command with TPM_CC \(0x[0-9a-f]*\).*/\1/p' "$W/one.err" | tr '\n' ' ')"
        done
    )
}

N_COLLECT=$(count_collector)
N_SEED=$(count_seed seed)
# counted after a full refresh period of idle whatever FRESH_IDLE is, so the
# counts are of the usual case (the first report read refreshes)
set_period "$CVM_REFRESH_PERIOD"
IDLE_COUNT=$(awk -v p="$CVM_REFRESH_PERIOD" 'BEGIN { print p + 0.1 }')
sleep "$IDLE_COUNT"
N_COLLECT_F=$(count_collector --fresh)
sleep "$IDLE_COUNT"
N_SEED_F=$(count_seed seed_fresh)
set_period "$PLAIN_REFRESH_PERIOD"

# --- table ------------------------------------------------------------------------

stat() { # FILE [DECIMALS] -> "median p90 n" (nearest rank p90; median of an even count = mean of the middle two)
    sort -n "$1" | awk -v d="${2:-1}" '{ v[NR] = $1 } END {
        if (NR == 0) { print "- - 0"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        k = int(0.9 * NR); if (k < 0.9 * NR) k++
        printf "%.*f %.*f %d\n", d, m, d, v[k], NR }'
}
paired() { # median over rounds of collector/seed (same round, so load drift cancels)
    paste "$1" "$2" | awk '$2 > 0 { printf "%.4f\n", $1 / $2 }' >"$W/ratio"
    read -r pm _ < <(stat "$W/ratio" 3)
    echo "$pm"
}
row() { # label collector-file seed-file ncollect nseed
    read -r cm cp cn < <(stat "$2")
    read -r sm sp sn < <(stat "$3")
    printf '%-7s collector: median %7s ms, p90 %7s ms, %2s TPM commands (n=%s) | seed: median %7s ms, p90 %7s ms, %2s TPM commands (n=%s) | ratio: time %s (medians), %s (median of per-round ratios), TPM commands %s\n' \
        "$1" "$cm" "$cp" "$4" "$cn" "$sm" "$sp" "$5" "$sn" \
        "$(awk -v a="$cm" -v b="$sm" 'BEGIN { if (b + 0 > 0) printf "%.3f", a / b; else print "-" }')" \
        "$(paired "$2" "$3")" \
        "$(awk -v a="$4" -v b="$5" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "-" }')"
}

echo "cvm-collect benchmark: $(uname -m), $(nproc) CPUs, fake CVM milan, $("$COLLECT" --version 2>/dev/null | head -1)"
echo "rounds: plain $ROUNDS (refresh period $PLAIN_REFRESH_PERIOD s), fresh $FRESH_ROUNDS (refresh period $CVM_REFRESH_PERIOD s, ${FRESH_IDLE}s idle before each run, seed sleeps ${SEED_FRESH_SLEEP}s)"
row plain "$W/t.collector" "$W/t.seed" "$N_COLLECT" "$N_SEED"
[ "$FRESH_ROUNDS" -gt 0 ] && row fresh "$W/t.collector_fresh" "$W/t.seed_fresh" "$N_COLLECT_F" "$N_SEED_F"
read -r um up _ < <(stat "$W/t.startup")
echo "startup floor: cvm-collect --version median $um ms, p90 $up ms (exec + dynamic linking of $(ldd "$COLLECT" | wc -l) shared objects)"
echo "seed TPM commands per tool (plain):"
seed_breakdown
echo "raw ms: collector $(tr '\n' ' ' <"$W/t.collector")"
echo "raw ms: seed      $(tr '\n' ' ' <"$W/t.seed")"
if [ "$FRESH_ROUNDS" -gt 0 ]; then
    echo "raw ms: collector --fresh $(tr '\n' ' ' <"$W/t.collector_fresh")"
    echo "raw ms: seed --fresh      $(tr '\n' ' ' <"$W/t.seed_fresh")"
fi

# --- where the collector's time goes ---------------------------------------------
# TCTI connects: #1 is Tss2_Tcti_Swtpm_Init, then one per command (tcti-swtpm
# 3.2 reconnects for every command): #2-#6 HCL report, #7-#12 AK, quote #1 and
# PCR reads, #13 the seal quote. The temp file's openat marks the end of the
# in-memory work (manifest, tar, self-check).
if [ "$PHASES" -gt 0 ] && command -v strace >/dev/null; then
    echo "collector phases (ms, strace --seccomp-bpf timestamps, $PHASES runs):"
    for i in $(seq 1 "$PHASES"); do
        strace -f --seccomp-bpf -ttt -e trace=execve,connect,recvfrom,openat,exit_group -o "$W/st.txt" \
            "$COLLECT" --tcti "$CVM_TCTI" --imds "$CVM_IMDS_URL" --nonce "$(openssl rand -hex 32)" \
            -o "$W/st.tar" >/dev/null 2>&1 || { echo "  (strace run failed)"; break; }
        rm -f "$W/st.tar"
        awk 'NR == 1 { t0 = $2 }
            /connect\(3, .*tpm\.sock"/ { c[++n] = ($2 - t0) * 1000 }
            /connect\(5/ { im = ($2 - t0) * 1000 }
            /recvfrom\(5/ { ir = ($2 - t0) * 1000 }
            /libffi|libtss2-sys/ { lib = ($2 - t0) * 1000 }
            /\.cvm-collect\./ { tmp = ($2 - t0) * 1000 }
            /exit_group/ { ex = ($2 - t0) * 1000 }
            END {
                if (n != 13) { printf "  %d TPM connects, expected 13: no breakdown\n", n; exit }
                printf "  exec->libs mapped %5.1f | ->TCTI open %5.1f | HCL report (5 cmds) %5.1f | IMDS GET %4.1f | THIM+certs %4.1f | AK+quote+PCR reads (6) %5.1f | seal+manifest+tar+self-check %5.1f | write+fsync+dir fsync+exit %5.1f | total %5.1f\n",
                    lib, c[1] - lib, im - c[1], ir - im, c[7] - ir, c[13] - c[7], tmp - c[13], ex - tmp, ex
            }' "$W/st.txt"
    done
fi

# --- start-up cost of the library set ---------------------------------------------
if [ "$LINKSET" -gt 0 ] && command -v cc >/dev/null; then
    echo 'int main(void) { return 0; }' >"$W/empty.c"
    # the exact sonames (-l:FILE links that file)
    mapfile -t needed < <(readelf -d "$COLLECT" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -v '^libc\.so')
    link() { # NAME SONAME... -> $W/NAME
        local name=$1 l args=()
        shift
        for l in "$@"; do args+=("-l:$l"); done
        cc -o "$W/$name" "$W/empty.c" -Wl,--no-as-needed "${args[@]}" 2>/dev/null
    }
    nocurl=() min=()
    for l in "${needed[@]}"; do
        case $l in libcurl.*) ;; *) nocurl+=("$l") ;; esac
        case $l in libcurl.* | libarchive.*) ;; *) min+=("$l") ;; esac
    done
    if link e_all "${needed[@]}" && link e_nocurl "${nocurl[@]}" && link e_min "${min[@]}"; then
        for b in e_all e_nocurl e_min; do : >"$W/t.$b"; done
        for _ in $(seq 1 "$LINKSET"); do
            for b in e_all e_nocurl e_min; do
                a=$(now_us); "$W/$b"; z=$(now_us)
                ms "$a" "$z" >>"$W/t.$b"
            done
        done
        echo "start-up of an empty program linked like cvm-collect (median of $LINKSET, ms):"
        for b in e_all e_nocurl e_min; do
            read -r lm lp _ < <(stat "$W/t.$b")
            case $b in e_all) what="as cvm-collect" ;; e_nocurl) what="without libcurl" ;;
                *) what="without libcurl, libarchive" ;; esac
            printf '  %-28s %2s shared objects: median %5s ms, p90 %5s ms\n' "$what" "$(ldd "$W/$b" | wc -l)" "$lm" "$lp"
        done
    else
        echo "(link-set experiment skipped: could not link the empty program)"
    fi
fi
