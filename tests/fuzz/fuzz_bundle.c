/* The bundle tar reader. spec/bundle-v1.md §3.1 lets the reader accept
 * header numbers with any NUL/space termination (and fewer leading zeros)
 * and zero padding after the end marker up to the next 10240-byte
 * boundary, which the writer never emits; so the invariant is not
 * write(read(x)) == x but: the rewrite has the exact §3.1 length, is no
 * longer than x, reads back to the same top dir and members, and x and
 * the rewrite agree on every member's data blocks. Member lookup and the
 * name/id validators agree with what was read.
 *
 * A mutated header almost never keeps its checksum, so each input is also
 * tried with the checksum of every ustar-looking block recomputed, which
 * lets the fuzzer reach the field checks behind the checksum check. */
#include "bundle.h"
#include "fuzz.h"

static void check(const uint8_t *data, size_t size)
{
    cvm_bundle b;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_bundle_read(data, size, "bundle.tar", &b, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc) {
        FUZZ_CHECK(b.n == 0 && b.members == NULL);
        cvm_bundle_free(&b);
        return;
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
    size_t want = 1024;
    for (size_t i = 0; i < b.n; i++)
        want += 512 + (b.members[i].len + 511) / 512 * 512;
    FUZZ_CHECK(w.len == want && want <= size);
    /* same layout: each member's data sits at the same offset in both */
    size_t off = 0;
    for (size_t i = 0; i < b.n; i++) {
        off += 512;
        FUZZ_CHECK(memcmp(data + off, b.members[i].data, b.members[i].len) == 0);
        FUZZ_CHECK(memcmp(w.p + off, b.members[i].data, b.members[i].len) == 0);
        off += (b.members[i].len + 511) / 512 * 512;
    }
    cvm_bundle b2;
    cvm_err_clear(&err);
    FUZZ_CHECK(cvm_bundle_read(w.p, w.len, "rewritten.tar", &b2, &err) == CVM_OK);
    FUZZ_CHECK(b2.n == b.n && strcmp(b2.topdir, b.topdir) == 0);
    for (size_t i = 0; i < b.n; i++)
        FUZZ_CHECK(strcmp(b2.members[i].name, b.members[i].name) == 0 &&
                   b2.members[i].len == b.members[i].len &&
                   memcmp(b2.members[i].data, b.members[i].data, b.members[i].len) == 0);
    cvm_bundle_free(&b2);
    cvm_wr_free(&w);
    cvm_bundle_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size);
    uint8_t *fixed = malloc(size ? size : 1);
    FUZZ_CHECK(fixed);
    memcpy(fixed, data, size);
    bool changed = false;
    for (size_t off = 0; off + 512 <= size; off += 512) {
        uint8_t *h = fixed + off;
        if (memcmp(h + 257, "ustar", 5) != 0)
            continue;
        unsigned sum = 0;
        for (size_t i = 0; i < 512; i++)
            sum += (i >= 148 && i < 156) ? ' ' : h[i];
        char chk[9];
        snprintf(chk, sizeof(chk), "%06o", sum & 0777777);
        uint8_t want[8];
        memcpy(want, chk, 6);
        want[6] = 0;
        want[7] = ' ';
        if (memcmp(h + 148, want, 8) != 0) {
            memcpy(h + 148, want, 8);
            changed = true;
        }
    }
    if (changed)
        check(fixed, size);
    free(fixed);
    return 0;
}
