#!/usr/bin/env bash
# The README's test command: installs the dependencies, builds with
# -Werror, runs the whole suite, then again under ASan+UBSan and under
# valgrind memcheck, then smoke-fuzzes every parser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
JOBS=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCVM_WERROR=ON
cmake --build build -j"$JOBS"
(cd build && ctest --no-tests=error --output-on-failure -j"$JOBS")
bash scripts/lint.sh   # cppcheck + clang-tidy, enforced (~20 s; skips a tool that is not installed)
# The tamper sweep in full: every bit of every member of a fake-CVM bundle
# and of the real seed set, one flip at a time (~233 k verifications, ~3 ms
# each, over every core; ctest above ran every 211th bit)
bash scripts/tamper_full.sh build "$JOBS"

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCVM_WERROR=ON -DCVM_SANITIZE=ON
cmake --build build-asan -j"$JOBS"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --no-tests=error --output-on-failure -j"$JOBS")
# Memcheck: every cmocka binary and every e2e script, with the CLIs they
# start wrapped in valgrind (definite/possible leaks and invalid accesses
# fail; its own Debug build in build-valgrind, both cores: ~20 min here).
bash scripts/valgrind.sh build-valgrind
# Fuzz smoke: every libFuzzer target (clang, ASan+UBSan) for 20 seconds
# each, so a parser regression surfaces here; long runs: tests/fuzz/README.md.
CC=clang bash tests/fuzz/run.sh "${CVM_FUZZ_SECONDS:-20}"
echo "all test suites passed (normal, full tamper sweep, ASan+UBSan, valgrind memcheck, fuzz smoke)"
