# Sourced by the e2e scripts (not *.sh, so not a ctest entry of its own):
# where things are, a scratch directory, and the ok/FAIL lines that ctest
# and scripts/valgrind.sh read. Each script keeps its own EXIT trap (what
# it must stop or remove differs) and its summary.
SRC=${CVM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BLD=${CVM_BUILD_DIR:-$SRC/build}
VERIFY=${CVM_VERIFY:-$BLD/verify/cvm-verify}
COLLECT=$BLD/collect/cvm-collect
GEN=$BLD/bench/cvm-bench-gen
FAKE=${FAKE_CVM:-$SRC/testdata/fake-cvm/fake-cvm}
T="timeout 120"
fails=0

# grep -q exits at the first match; under pipefail the writer then dies of SIGPIPE
# and the pipeline "fails" at random. qgrep reads to the end.
qgrep() { grep "$@" >/dev/null; }
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

# e2e_need FILE...: exit 0 with a SKIP line when one is not built/present
e2e_need() {
    local x
    for x in "$@"; do
        if [ ! -x "$x" ]; then echo "SKIP: $x not built/present"; exit 0; fi
    done
}

# e2e_tmpdir PREFIX: D, a fresh directory under /tmp
e2e_tmpdir() { D=$(mktemp -d "/tmp/$1.XXXXXX"); }
