/* eventlog.uefi / eventlog.runtime on a real Azure quote. PCR2 and PCR3 of
 * the trustee 2024-01-29 quote are extend(0, SHA-256(00000000)), i.e. one
 * EV_SEPARATOR each (formats.md §8.1), so a crypto-agile log holding just
 * those two separators replays to the quoted values; any other event on
 * them must fail naming the PCR. PCR23 is zero in that quote, so a started
 * runtime log can only fail (nothing of it was extended). */
#include "vtest.h"

#include "rtlog.h"

static void le32(cvm_wr *w, uint32_t v) { assert_int_equal(cvm_wr_u32le(w, v), CVM_OK); }

/* Spec ID header (sha256 only) + EV_SEPARATOR events on the given PCRs */
static void write_log(const char *dir, const unsigned *pcrs, size_t n)
{
    cvm_wr w;
    cvm_wr_init(&w);
    le32(&w, 0);
    le32(&w, 3); /* EV_NO_ACTION */
    cvm_wr_zeros(&w, 20);
    le32(&w, 33);
    cvm_wr_bytes(&w, "Spec ID Event03\0", 16);
    le32(&w, 0);       /* platformClass */
    cvm_wr_u8(&w, 0);  /* minor */
    cvm_wr_u8(&w, 2);  /* major */
    cvm_wr_u8(&w, 0);  /* errata */
    cvm_wr_u8(&w, 2);  /* uintnSize */
    le32(&w, 1);       /* one algorithm */
    cvm_wr_u16le(&w, 0x000B);
    cvm_wr_u16le(&w, 32);
    cvm_wr_u8(&w, 0);  /* vendorInfoSize */
    static const uint8_t zero4[4] = {0};
    uint8_t d[32];
    unsigned dl = 0;
    assert_int_equal(EVP_Digest(zero4, 4, d, &dl, EVP_sha256(), NULL), 1);
    for (size_t i = 0; i < n; i++) {
        le32(&w, pcrs[i]);
        le32(&w, 4); /* EV_SEPARATOR */
        le32(&w, 1);
        cvm_wr_u16le(&w, 0x000B);
        cvm_wr_bytes(&w, d, 32);
        le32(&w, 4);
        cvm_wr_bytes(&w, zero4, 4);
    }
    assert_int_equal(w.failed, 0);
    vt_write(dir, "eventlog.bin", w.p, w.len);
    cvm_wr_free(&w);
}

static void uefi_log(void **state)
{
    (void)state;
    const char *d = vt_copy_set("trustee-hcl-2024-01-29-milan-rv2");
    if (!d)
        skip();
    char dir[512];
    snprintf(dir, sizeof dir, "%s", d);
    char nonce[160];
    snprintf(nonce, sizeof nonce, "%s", vt_nonce_of(dir));
    vt_opts o = {.nonce_hex = nonce};

    cvm_verify *v = vt_run(dir, &o);
    vt_assert_st(v, "eventlog.uefi", "skip");
    vt_free(v);

    const unsigned ok[] = {2, 3};
    write_log(dir, ok, 2);
    v = vt_run(dir, &o);
    vt_assert_st(v, "eventlog.uefi", "pass");
    vt_assert_reason_has(v, "eventlog.uefi", "replay to the quoted sha256:2,sha256:3");
    vt_assert_reason_has(v, "eventlog.uefi", "quoted but not in the log: sha256:0,sha256:1,sha256:4");
    assert_int_equal(vt_rc, 0);
    vt_free(v);

    const unsigned extra[] = {2, 3, 3};
    write_log(dir, extra, 3);
    v = vt_run(dir, &o);
    vt_assert_st(v, "eventlog.uefi", "fail");
    vt_assert_reason_has(v, "eventlog.uefi", "PCR sha256:3 replays");
    assert_string_equal(vt_fails(v), "eventlog.uefi");
    assert_int_equal(vt_rc, 2);
    vt_free(v);

    /* a separator on PCR 17 (initial ff..ff) changes it away from the quote */
    const unsigned drtm[] = {2, 3, 17};
    write_log(dir, drtm, 3);
    v = vt_run(dir, &o);
    vt_assert_st(v, "eventlog.uefi", "fail");
    vt_assert_reason_has(v, "eventlog.uefi", "sha256:17");
    vt_free(v);

    vt_write(dir, "eventlog.bin", "garbage!", 8);
    v = vt_run(dir, &o);
    vt_assert_st(v, "eventlog.uefi", "fail");
    vt_assert_reason_has(v, "eventlog.uefi", "eventlog.bin is malformed");
    vt_free(v);
}

static void runtime_log(void **state)
{
    (void)state;
    const char *d = vt_copy_set("trustee-hcl-2024-01-29-milan-rv2");
    if (!d)
        skip();
    char dir[512];
    snprintf(dir, sizeof dir, "%s", d);
    cvm_rtlog_boot b = {.reset_count = 1, .unix_time = 1795000000};
    memset(b.boot_id, 0x11, 16);
    cvm_wr w;
    cvm_wr_init(&w);
    uint8_t ext[2][32], e1[32], fh[32] = {1};
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_rtlog_write_start(&w, &b, ext, &err), CVM_OK);
    assert_int_equal(cvm_rtlog_write_file(&w, 2, "/etc/hello", 10, fh, e1, &err), CVM_OK);
    vt_write(dir, "runtime.cel", w.p, w.len);
    cvm_wr_free(&w);
    vt_opts o = {0};
    cvm_verify *v = vt_run(dir, &o);
    vt_assert_st(v, "eventlog.runtime", "fail");
    vt_assert_reason_has(v, "eventlog.runtime", "reset state");
    vt_free(v);
    vt_write(dir, "runtime.cel", "\x00\x00", 2);
    v = vt_run(dir, &o);
    vt_assert_st(v, "eventlog.runtime", "fail");
    vt_assert_reason_has(v, "eventlog.runtime", "runtime.cel is malformed");
    vt_free(v);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uefi_log),
        cmocka_unit_test(runtime_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
