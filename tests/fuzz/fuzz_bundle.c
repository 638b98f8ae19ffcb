/* The bundle tar reader. The reader accepts only what the deterministic
 * writer produces (spec/bundle-v1.md §3.4), so an accepted tar written
 * again from its parsed members must be the same bytes; member lookup and
 * the name/id validators agree with what was read. */
#include "bundle.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_bundle b;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_bundle_read(data, size, "bundle.tar", &b, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc) {
        FUZZ_CHECK(b.n == 0 && b.members == NULL);
        cvm_bundle_free(&b);
        return 0;
    }
    FUZZ_CHECK(cvm_bundle_topdir_valid(b.topdir));
    FUZZ_CHECK(cvm_bundle_id_valid(b.bundle_id));
    FUZZ_CHECK(b.n <= CVM_BUNDLE_MAX_MEMBERS);
    size_t total = 0;
    for (size_t i = 0; i < b.n; i++) {
        const uint8_t *p;
        size_t len;
        FUZZ_CHECK(cvm_bundle_name_valid(b.members[i].name));
        if (i)
            FUZZ_CHECK(strcmp(b.members[i - 1].name, b.members[i].name) < 0);
        FUZZ_CHECK(cvm_bundle_get(&b, b.members[i].name, &p, &len) == CVM_OK);
        FUZZ_CHECK(p == b.members[i].data && len == b.members[i].len);
        total += b.members[i].len;
    }
    FUZZ_CHECK(total == b.total);

    cvm_wr w;
    cvm_wr_init(&w);
    cvm_err_clear(&err);
    rc = cvm_bundle_write(b.topdir, b.members, b.n, &w, &err);
    if (rc) {
        char m[512];
        fprintf(stderr, "accepted bundle does not write back: %s\n",
                cvm_err_format(&err, m, sizeof(m)));
        abort();
    }
    FUZZ_CHECK(w.len == size && memcmp(w.p, data, size) == 0);
    cvm_wr_free(&w);
    cvm_bundle_free(&b);
    return 0;
}
