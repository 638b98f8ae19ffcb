/* Tamper sweep: flip single bits of the evidence, one at a time, and run the
 * verifier in-process (a process per flip would cost ~60 ms; in-process it
 * is about 1 ms). Every flip of an authenticated byte must be rejected:
 * exit 2 with at least one link failed (the rejection names a link).
 *
 * 1. A real Azure seed set (trustee-hcl-2024-01-29-milan-rv2, `--dir`).
 *    Loose seed files are not all authenticated (spec/bundle-v1.md §10 lists
 *    the bytes and why): a flip there may still verify, but only inside the
 *    listed ranges; a verified flip anywhere else fails the test.
 * 2. A bundle collected on the fake CVM (tests/e2e/tamper_sweep.sh passes it
 *    in env CVM_TAMPER_BUNDLE, with CVM_TAMPER_ANCHOR and CVM_TAMPER_NONCE):
 *    each member is changed and the tar re-written with cvm_bundle_write
 *    (so the tar itself stays valid and the member is what is judged). In a
 *    bundle every byte of every member is authenticated: no flip may verify.
 *
 * Cost control: CI flips every CVM_TAMPER_STRIDE-th bit (default 211, prime
 * and odd, so the deterministic subset visits every bit position 0..7 and
 * every member; ~10 ms per verification, mostly EVP_PKEY_public_check of
 * the 2048-bit AK); CVM_TAMPER_FULL=1 flips every bit. CVM_TAMPER_ONLY=seed|bundle
 * runs one part (full figures: spec/bundle-v1.md §10). CVM_TAMPER_SHARD=i/n takes every n-th flip of the stride's
 * sequence starting at the i-th, so n processes cover the sweep between them
 * (scripts/tamper_full.sh). Each part prints the count and the percentage
 * rejected. */
#include "vtest.h"

#include <time.h>

#define SEED "trustee-hcl-2024-01-29-milan-rv2"

static size_t stride(void)
{
    const char *full = getenv("CVM_TAMPER_FULL");
    if (full && strcmp(full, "1") == 0)
        return 1;
    const char *s = getenv("CVM_TAMPER_STRIDE");
    long n = s ? strtol(s, NULL, 10) : 211;
    return n >= 1 ? (size_t)n : 211;
}

static size_t shard_i, shard_n = 1;

static void shard_init(void)
{
    const char *s = getenv("CVM_TAMPER_SHARD");
    unsigned i, n;
    if (s && sscanf(s, "%u/%u", &i, &n) == 2 && n >= 1 && i < n) {
        shard_i = i;
        shard_n = n;
    }
}

/* true when flip number k (counted over every bit of the part) is this
 * process's to make */
static bool mine(size_t k, size_t st)
{
    return k % st == 0 && (k / st) % shard_n == shard_i;
}

static bool part_wanted(const char *part)
{
    const char *only = getenv("CVM_TAMPER_ONLY");
    return !only || !*only || strcmp(only, part) == 0;
}

typedef struct tally {
    size_t flips, rejected, accepted_allowed;
    size_t first_fail[CVM_L_COUNT]; /* histogram: first failed link */
    size_t other_rc;                 /* rejected, but exit code not 2 */
} tally;

/* Judges one verification of tampered evidence: true when rejected (exit 2,
 * a link failed). */
static bool rejected(const cvm_verify *v, int rc, tally *t)
{
    int first = -1;
    for (int i = 0; i < CVM_L_COUNT && first < 0; i++)
        if (v->res[i].status == CVM_ST_FAIL)
            first = i;
    if (rc == CVM_EXIT_INVALID && first >= 0) {
        t->first_fail[first]++;
        return true;
    }
    if (rc != CVM_EXIT_VERIFIED && rc != CVM_EXIT_POLICY)
        t->other_rc++;
    return false;
}

static void print_tally(const char *what, const tally *t, size_t total_bits)
{
    size_t must = t->flips - t->accepted_allowed;
    printf("tamper sweep %s: %zu of %zu bits flipped (stride %zu, shard %zu/%zu); %zu rejected = %.3f%%", what,
           t->flips, total_bits, stride(), shard_i, shard_n, t->rejected, t->flips ? 100.0 * (double)t->rejected / (double)t->flips : 0.0);
    if (t->accepted_allowed)
        printf("; of the %zu authenticated-byte flips %zu rejected = %.3f%%; %zu flips of unauthenticated bytes "
               "verified",
               must, t->rejected, must ? 100.0 * (double)t->rejected / (double)must : 0.0, t->accepted_allowed);
    printf("\n  tally: flips=%zu rejected=%zu allowed=%zu bits=%zu\n", t->flips, t->rejected, t->accepted_allowed,
           total_bits);
    printf("  first failing link:");
    for (int i = 0; i < CVM_L_COUNT; i++)
        if (t->first_fail[i])
            printf(" %s=%zu", cvm_link_id(i), t->first_fail[i]);
    printf("\n");
    fflush(stdout);
}

/* ---------------------------------------------------------------- seed set */

/* Bytes of loose seed files that no signature, digest or equality check
 * covers and that the parser does not pin to one value (spec/bundle-v1.md
 * §9): a flip there may verify. Offsets absolute, `end` exclusive. Bytes
 * the parser pins (the "HCLA" magic, reserved and padding bytes that must
 * be zero, runtime.version 1) are not authenticated either, but any change
 * to them is rejected, so they are swept like authenticated bytes.
 * quote.pcrs: only its C-struct padding is unauthenticated; such a flip must
 * verify WITH the quote.pcrs padding warning (checked below). */
typedef struct unauth {
    const char *file;
    size_t off, end;
    const char *why;
} unauth;

static const unauth seed_unauth[] = {
    {"snp_report.bin", 0x04, 0x08, "HCL header.version (1 and 2 accepted: a 2-bit change)"},
    {"snp_report.bin", 0x08, 0x14, "HCL header.report_size, request_type, status: read, never judged"},
};

static bool seed_allowed(const char *file, size_t off)
{
    for (size_t i = 0; i < sizeof seed_unauth / sizeof seed_unauth[0]; i++) {
        const unauth *u = &seed_unauth[i];
        if (strcmp(u->file, file) == 0 && off >= u->off && off < u->end)
            return true;
    }
    return false;
}

/* Prints the byte ranges of `name` where some flip verified (the list the
 * spec's §10 must justify). */
static void print_ranges(const char *name, const uint8_t *acc, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!acc[i])
            continue;
        size_t j = i;
        while (j + 1 < n && acc[j + 1])
            j++;
        if (!any)
            printf("  verified after a flip in %s:", name);
        any = true;
        printf(" 0x%zx-0x%zx", i, j);
        i = j;
    }
    if (any)
        printf("\n");
}

static const char *const seed_files[] = {"snp_report.bin", "guest_report.bin", "runtime.json", "vcek.pem",
                                         "akpub.pem",      "quote.msg",        "quote.sig",    "quote.pcrs"};

static void sweep_seedset(void **state)
{
    (void)state;
    if (!part_wanted("seed"))
        skip();
    const char *dir = vt_copy_set(SEED);
    if (!dir) {
        printf("SKIP: seed set %s absent (CVM_VECTORS)\n", SEED);
        skip();
    }
    char nonce[160];
    snprintf(nonce, sizeof nonce, "%s", vt_nonce_of(dir));
    vt_opts o = {.nonce_hex = nonce};
    cvm_verify *v = vt_run(dir, &o);
    assert_int_equal(vt_rc, CVM_EXIT_VERIFIED);
    vt_free(v);

    size_t st = stride(), total_bits = 0, k = 0;
    tally t = {0};
    size_t pcrs_warned = 0, bad_files = 0;
    for (size_t f = 0; f < sizeof seed_files / sizeof seed_files[0]; f++) {
        const char *name = seed_files[f];
        size_t n;
        uint8_t *b = vt_read(dir, name, &n);
        total_bits += 8 * n;
        size_t accepted_outside = 0, first_bad = 0;
        uint8_t *acc = calloc(n ? n : 1, 1);
        assert_non_null(acc);
        for (size_t bit = 0; bit < 8 * n; bit++, k++) {
            if (!mine(k, st))
                continue;
            b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            vt_write(dir, name, b, n);
            cvm_verify *w = vt_run(dir, &o);
            t.flips++;
            if (rejected(w, vt_rc, &t)) {
                t.rejected++;
            } else if (strcmp(name, "quote.pcrs") == 0 &&
                       strcmp(cvm_status_name(w->res[CVM_L_QUOTE_PCRS].status), "warn") == 0 &&
                       strstr(w->res[CVM_L_QUOTE_PCRS].reason, "padding")) {
                /* not a PCR value: verified, but the verifier says so */
                t.accepted_allowed++;
                pcrs_warned++;
                acc[bit / 8] = 1;
            } else if (seed_allowed(name, bit / 8)) {
                t.accepted_allowed++;
                acc[bit / 8] = 1;
            } else {
                acc[bit / 8] = 1;
                if (!accepted_outside++)
                    first_bad = bit;
            }
            vt_free(w);
            b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        vt_write(dir, name, b, n);
        free(b);
        print_ranges(name, acc, n);
        free(acc);
        if (accepted_outside) {
            printf("  FAIL %s: %zu flips of authenticated bytes verified, the first at byte 0x%zx bit %zu\n", name,
                   accepted_outside, first_bad / 8, first_bad % 8);
            bad_files++;
        }
    }
    print_tally("seed set " SEED, &t, total_bits);
    printf("  quote.pcrs padding flips verified with the padding warning: %zu\n", pcrs_warned);
    if (bad_files)
        fail_msg("%zu file(s) with verified flips of authenticated bytes (listed above)", bad_files);
    assert_int_equal(t.rejected + t.accepted_allowed, t.flips);
}

/* ---------------------------------------------------------------- bundle */

static void sweep_bundle(void **state)
{
    (void)state;
    if (!part_wanted("bundle"))
        skip();
    const char *path = getenv("CVM_TAMPER_BUNDLE");
    const char *anchor = getenv("CVM_TAMPER_ANCHOR");
    const char *nonce = getenv("CVM_TAMPER_NONCE");
    if (!path || !*path || !anchor || !nonce) {
        printf("SKIP: no CVM_TAMPER_BUNDLE (tests/e2e/tamper_sweep.sh collects one on the fake CVM)\n");
        skip();
    }
    size_t tlen;
    uint8_t *tar = cvm_test_read(path, &tlen);
    assert_non_null(tar);
    cvm_bundle b;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_bundle_read(tar, tlen, "bundle", &b, &err), CVM_OK);
    free(tar);

    char out[600];
    snprintf(out, sizeof out, "%s/t.tar", cvm_test_tmpdir());
    vt_opts o = {.nonce_hex = nonce, .anchor = anchor, .at = "", .bundle = out};

    cvm_member *m = calloc(b.n, sizeof *m);
    uint8_t **copy = calloc(b.n, sizeof *copy);
    assert_non_null(m);
    assert_non_null(copy);
    for (size_t i = 0; i < b.n; i++) {
        copy[i] = malloc(b.members[i].len ? b.members[i].len : 1);
        memcpy(copy[i], b.members[i].data, b.members[i].len);
        m[i] = (cvm_member){b.members[i].name, copy[i], b.members[i].len};
    }
    /* rewrites the tar from m[]: the writer is deterministic, so the
     * untampered rewrite must be the collector's bytes exactly */
#define WRITE_TAR()                                                                                        \
    do {                                                                                                   \
        cvm_wr w;                                                                                          \
        cvm_wr_init(&w);                                                                                   \
        assert_int_equal(cvm_bundle_write(b.topdir, m, b.n, &w, &err), CVM_OK);                            \
        FILE *fo = fopen(out, "wb");                                                                       \
        assert_non_null(fo);                                                                               \
        assert_int_equal(fwrite(w.p, 1, w.len, fo), w.len);                                                \
        assert_int_equal(fclose(fo), 0);                                                                   \
        cvm_wr_free(&w);                                                                                   \
    } while (0)

    WRITE_TAR();
    assert_int_equal(cvm_test_sh("cmp -s '%s' '%s'", path, out), 0);
    cvm_verify *v = vt_run(NULL, &o);
    if (vt_rc != CVM_EXIT_VERIFIED)
        fail_msg("the untampered bundle does not verify (exit %d, failed: %s)", vt_rc, vt_fails(v));
    vt_free(v);

    size_t st = stride(), total_bits = 0, k = 0;
    tally t = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < b.n; i++) {
        uint8_t *p = copy[i];
        size_t n = m[i].len;
        total_bits += 8 * n;
        size_t accepted = 0, first_bad = 0;
        for (size_t bit = 0; bit < 8 * n; bit++, k++) {
            if (!mine(k, st))
                continue;
            p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            WRITE_TAR();
            cvm_verify *w = vt_run(NULL, &o);
            t.flips++;
            if (rejected(w, vt_rc, &t))
                t.rejected++;
            else if (!accepted++)
                first_bad = bit;
            vt_free(w);
            p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        printf("  %-16s %6zu bytes: %s\n", m[i].name, n, accepted ? "SOME FLIPS VERIFIED" : "every flip rejected");
        if (accepted)
            printf("  FAIL %s: %zu flips verified, the first at byte 0x%zx bit %zu\n", m[i].name, accepted,
                   first_bad / 8, first_bad % 8);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    print_tally("bundle", &t, total_bits);
    printf("  %.1f s, %.2f ms per verification\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
           t.flips ? ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) / (double)t.flips
                   : 0.0);
    assert_int_equal(t.rejected, t.flips);
#undef WRITE_TAR
    for (size_t i = 0; i < b.n; i++)
        free(copy[i]);
    free(copy);
    free(m);
    cvm_bundle_free(&b);
}

int main(void)
{
    shard_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sweep_seedset),
        cmocka_unit_test(sweep_bundle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
