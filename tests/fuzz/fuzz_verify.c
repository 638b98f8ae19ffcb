/* needs: cvmverify (built only once verify/verify.h exists)
 * The whole cvm-verify path on one bundle tar: evidence loading (tar,
 * manifest, every member's parser), every link, the verdict and both
 * reports. Inputs that reach the links need real-looking members, so the
 * seeds are bundles assembled from the shared seed sets (make-corpus.sh).
 * Invariants: the run ends with a defined exit code, a verdict, and every
 * link evaluated; a tar the bundle reader rejects is never "verified". */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "verify.h"

static int memfd = -1;
static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memfd < 0) {
        memfd = memfd_create("bundle.tar", 0);
        devnull = fopen("/dev/null", "w");
        FUZZ_CHECK(memfd >= 0 && devnull);
    }
    FUZZ_CHECK(ftruncate(memfd, 0) == 0);
    FUZZ_CHECK(pwrite(memfd, data, size, 0) == (ssize_t)size);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);

    cvm_verify *v = malloc(sizeof(*v));
    FUZZ_CHECK(v);
    cvm_verify_init(v);
    v->opts.bundle_path = path;
    v->opts.have_at = true;
    v->opts.at = 1764300000; /* 2025-11-28: inside the real VCEKs' validity */
    char errbuf[512] = "";
    int rc = cvm_verify_run(v, errbuf, sizeof(errbuf));
    FUZZ_CHECK(rc == CVM_EXIT_VERIFIED || rc == CVM_EXIT_POLICY || rc == CVM_EXIT_INVALID ||
               rc == CVM_EXIT_USAGE);
    if (rc != CVM_EXIT_USAGE) {
        FUZZ_CHECK(v->verdict != NULL);
        for (int i = 0; i < CVM_L_COUNT; i++)
            FUZZ_CHECK(v->res[i].status != CVM_ST_NOTRUN);
        if (v->bundle_rc != CVM_OK)
            FUZZ_CHECK(rc != CVM_EXIT_VERIFIED);
        fuzz_dump_json(cvm_report_json(v));
        cvm_report_text(v, devnull, false, false);
    }
    cvm_verify_free(v);
    free(v);
    return 0;
}
