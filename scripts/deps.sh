#!/usr/bin/env bash
# Installs every Debian (bookworm) package the build, the demo and the tests
# need. Idempotent; run as root.
set -euo pipefail
PKGS=(build-essential cmake pkg-config libssl-dev openssl libarchive-dev libarchive-tools
      libjansson-dev libtss2-dev libcurl4-openssl-dev libcmocka-dev swtpm swtpm-tools
      tpm2-tools xxd python3 python3-cryptography procps)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
