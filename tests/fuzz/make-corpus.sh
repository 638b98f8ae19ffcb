#!/usr/bin/env bash
# Seed corpora for the fuzz targets: tests/fuzz/make-corpus.sh OUTDIR
#   OUTDIR/<target>/...  one folder per fuzz_<target>
# Seeds come from our own writers (cvm-fuzz-seeds, built from seeds.c) and,
# when the shared real vectors exist (CVM_VECTORS, default ../shared/vectors
# beside the source tree), from those files, sorted by content into the
# targets that parse them. Vectors are copied at run time only, never into
# the repository.
# Env: CVM_FUZZ_BUILD (default <src>/build-fuzz) holds cvm-fuzz-seeds; it is
# configured and built there when missing.
set -euo pipefail

out=${1:?usage: make-corpus.sh OUTDIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${CVM_FUZZ_BUILD:-$src/build-fuzz}
vectors=${CVM_VECTORS:-$src/../shared/vectors}
gen=$build/tests/fuzz/cvm-fuzz-seeds

if [ ! -x "$gen" ]; then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=${CC:-clang} cmake -S "$src" -B "$build" -DCVM_FUZZ=ON -DCVM_BUILD_TESTS=OFF \
      -DCVM_BUILD_COLLECT=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$build" -j2 --target cvm-fuzz-seeds >/dev/null
fi
mkdir -p "$out"
# SubjectPublicKeyInfo seeds made here (the writers are OpenSSL's)
mkdir -p "$out/spki"
if command -v openssl >/dev/null; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | openssl pkey -pubout >"$out/spki/own_rsa.pem"
  openssl pkey -pubin -in "$out/spki/own_rsa.pem" -outform DER >"$out/spki/own_rsa.der"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 2>/dev/null | openssl pkey -pubout >"$out/spki/own_ec.pem"
fi
if [ -d "$vectors" ]; then
  "$gen" "$out" "$vectors"
else
  "$gen" "$out"
  echo "make-corpus: no vectors at $vectors (own seeds only)"
  exit 0
fi

# name in the corpus: the vector's path with / -> _ (unique, readable)
add() { # target file
  mkdir -p "$out/$1"
  local rel=${2#"$vectors"/}
  cp "$2" "$out/$1/v_${rel//\//_}"
}
u32le() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
# targets whose first input byte is a mode selector get the file behind it
add_prefixed() { # target prefix-byte-octal file
  mkdir -p "$out/$1"
  local rel=${3#"$vectors"/}
  { printf "\\$2"; cat "$3"; } > "$out/$1/v$2_${rel//\//_}"
}

n=0
while IFS= read -r -d '' f; do
  size=$(stat -c %s "$f")
  [ "$size" -gt 0 ] && [ "$size" -le 262144 ] || continue
  magic=$(od -An -tx1 -N4 "$f" | tr -d ' \n')
  base=$(basename "$f")
  case $base in *.md|*.hex|*.txt) continue ;; esac
  n=$((n + 1))
  if [ "$magic" = 48434c41 ]; then # "HCLA"
    add hcl "$f"
    # the runtime claims JSON inside it, for the runtime and b64url targets
    vds=$(u32le "$f" 1232)
    if [ -n "$vds" ] && [ "$vds" -gt 0 ] && [ $((1236 + vds)) -le "$size" ]; then
      mkdir -p "$out/runtime"
      rel=${f#"$vectors"/}
      tail -c +1237 "$f" | head -c "$vds" > "$out/runtime/v_${rel//\//_}.json"
    fi
  elif [ "$size" -eq 1184 ]; then
    add snp "$f"
  elif [ "$magic" = ff544347 ]; then # TPM_GENERATED_VALUE: a TPMS_ATTEST
    add tpm_attest "$f"
  elif [ "${base##*.}" = sig ] || [ "${base#quote_sig}" != "$base" ]; then
    add_prefixed tpm_sig 000 "$f" # no key
    add_prefixed tpm_sig 011 "$f" # RSASSA key, sha256
  elif [ "${base##*.}" = pcrs ]; then
    add pcrs "$f"
  elif grep -q -- '-----BEGIN PUBLIC KEY-----' "$f"; then
    add spki "$f"
  elif grep -q -- '-----BEGIN CERTIFICATE-----' "$f" && ! grep -q '^[[:space:]]*[{"]' "$f"; then
    add amdcert "$f"
  elif [ "${magic:0:2}" = 30 ] && [ "$size" -lt 65536 ]; then # DER SEQUENCE
    add amdcert "$f"
  elif grep -q '"vcekCert"' "$f"; then
    add thim "$f"
  elif grep -q '"keys"' "$f" && grep -q '"kty"' "$f"; then
    add runtime "$f"
  else
    n=$((n - 1))
  fi
done < <(find "$vectors" -type f -print0 | sort -z)

# JWK moduli / exponents: real base64url strings
if [ -d "$out/runtime" ]; then
  mkdir -p "$out/b64url"
  i=0
  grep -oh '"[ne]" *: *"[A-Za-z0-9_-]*"' "$out"/runtime/* 2>/dev/null | sed 's/.*"\([A-Za-z0-9_-]*\)"$/\1/' |
    sort -u | while IFS= read -r s; do
      i=$((i + 1))
      printf '%s' "$s" > "$out/b64url/v_jwk$i"
    done
fi
echo "make-corpus: added $n vector files from $vectors"
