#!/usr/bin/env bash
# The README's test command: installs the dependencies, builds with
# -Werror, runs the whole suite, then again under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
JOBS=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCVM_WERROR=ON
cmake --build build -j"$JOBS"
(cd build && ctest --no-tests=error --output-on-failure -j"$JOBS")
bash scripts/lint.sh   # cppcheck + clang-tidy, enforced (~20 s; skips a tool that is not installed)

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCVM_WERROR=ON -DCVM_SANITIZE=ON
cmake --build build-asan -j"$JOBS"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --no-tests=error --output-on-failure -j"$JOBS")
# Fuzz smoke: every libFuzzer target (clang, ASan+UBSan) for 20 seconds
# each, so a parser regression surfaces here; long runs: tests/fuzz/README.md.
CC=clang bash tests/fuzz/run.sh "${CVM_FUZZ_SECONDS:-20}"
echo "all test suites passed (normal, ASan+UBSan, fuzz smoke)"
