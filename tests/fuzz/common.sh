# Sourced by run.sh and campaign.sh (after `src` is set): the build and
# work directories, the build itself with fresh seeds, per-target limits.
build=${CVM_FUZZ_BUILD:-$src/build-fuzz}
work=${CVM_FUZZ_WORK:-$build/fuzz-work}
export CVM_FUZZ_BUILD=$build

fuzz_build() {
  command -v "${CC:-clang}" >/dev/null || { echo "$(basename "$0"): clang not found (apt-get install clang libclang-rt-14-dev)"; exit 2; }
  CC=${CC:-clang} cmake -S "$src" -B "$build" -DCVM_FUZZ=ON -DCVM_BUILD_TESTS=OFF \
    -DCVM_BUILD_COLLECT=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j2 >/dev/null
  rm -rf "$work/seeds"
  "$src/tests/fuzz/make-corpus.sh" "$work/seeds"
}

# -max_len per format: a bit above the largest real input of that kind
max_len() {
  case $1 in
    snp) echo 1200 ;;        # exactly 1184 bytes
    hcl) echo 4096 ;;        # NV index sizes 2048..2900
    runtime) echo 4096 ;;    # ~1.2 KiB real
    b64url) echo 1024 ;;     # 4096-bit moduli are 683 characters
    amdcert) echo 8192 ;;    # a PEM VCEK+ASK+ARK chain is ~6.5 KiB
    amdext) echo 1024 ;;
    spki) echo 4096 ;;       # RSA-4096 SPKI PEM is ~800 bytes
    thim) echo 12288 ;;      # the ACI THIM capture is ~7 KiB
    http) echo 8192 ;;       # an IMDS THIM response is ~7 KiB; fuzz_http caps the head at 4 KiB
    tpm*) echo 2048 ;;
    pcrs) echo 4096 ;;
    eventlog|cel) echo 65536 ;;
    manifest) echo 16384 ;;
    bundle|verify) echo 131072 ;;
    *) echo 4096 ;;
  esac
}

