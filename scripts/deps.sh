#!/usr/bin/env bash
# Installs every Debian (bookworm) package the build, the demo and the tests
# need. Idempotent; run as root.
set -euo pipefail
# grep -q exits at the first match; under pipefail the writer then dies of SIGPIPE
# and the pipeline "fails" at random. qgrep reads to the end.
qgrep() { grep "$@" >/dev/null; }
# build: compiler, CMake, the libraries; tests: swtpm + tpm2-tools (the fake
# vTPM and interop), python3 + python3-cryptography (the fake CVM), openssl,
# bsdtar/tar/gzip (tar interop), curl (IMDS checks), util-linux (setpriv,
# unshare, script), procps, xxd, file; clang + libclang-rt-14-dev (libFuzzer);
# chromium (the HTML report rendered in a real browser); time (peak RSS);
# zstd/xz/bzip2 (compression-bomb tars); cppcheck + clang-tidy (lint);
# valgrind (scripts/valgrind.sh); jq (the README's batch recipe, benches).
PKGS=(build-essential cmake pkg-config libssl-dev openssl libarchive-dev libarchive-tools
      libjansson-dev libtss2-dev libcurl4-openssl-dev libcmocka-dev swtpm swtpm-tools
      tpm2-tools xxd python3 python3-cryptography procps curl util-linux tar gzip file
      ca-certificates clang libclang-rt-14-dev chromium time zstd xz-utils bzip2 cppcheck clang-tidy
      valgrind jq bc)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | qgrep "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
