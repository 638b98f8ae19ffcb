#include "harness.h"

#include <stdlib.h>
#include <string.h>

static void rd_ints_are_bounded(void **state)
{
    (void)state;
    const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    cvm_err e;
    cvm_err_clear(&e);
    cvm_rd r;
    cvm_rd_init(&r, b, sizeof(b), "t.bin", &e);
    uint32_t v32;
    uint16_t v16;
    assert_int_equal(cvm_rd_u32le(&r, "a", &v32), 0);
    assert_int_equal(v32, 0x04030201);
    assert_int_equal(cvm_rd_u16be(&r, "b", &v16), 0);
    assert_int_equal(v16, 0x0506);
    uint64_t v64 = 42;
    assert_int_equal(cvm_rd_u64le(&r, "c", &v64), CVM_E_TRUNCATED);
    assert_int_equal(v64, 42);           /* untouched on failure */
    assert_int_equal(cvm_rd_pos(&r), 6); /* cursor did not move */
    assert_string_equal(e.field, "c");
    assert_int_equal(e.offset, 6);
    assert_string_equal(e.what, "t.bin");
}

static void rd_sub_reports_absolute_offsets(void **state)
{
    (void)state;
    uint8_t b[16] = {0};
    b[12] = 7;
    cvm_err e;
    cvm_err_clear(&e);
    cvm_rd r, s;
    cvm_rd_init(&r, b, sizeof(b), "f", &e);
    assert_int_equal(cvm_rd_skip(&r, "h", 8), 0);
    assert_int_equal(cvm_rd_sub(&r, "body", 8, &s), 0);
    assert_int_equal(cvm_rd_left(&r), 0);
    assert_int_equal(cvm_rd_zeros(&s, "reserved", 8), CVM_E_VALUE);
    assert_int_equal(e.offset, 12);
    char msg[512];
    cvm_err_format(&e, msg, sizeof(msg));
    assert_non_null(strstr(msg, "reserved"));
    assert_non_null(strstr(msg, "0xc"));
}

static void rd_tpm2b_and_end(void **state)
{
    (void)state;
    const uint8_t b[] = {0x00, 0x02, 0xaa, 0xbb, 0xcc};
    cvm_err e;
    cvm_err_clear(&e);
    cvm_rd r;
    cvm_rd_init(&r, b, sizeof(b), "x", &e);
    const uint8_t *v;
    uint16_t n;
    assert_int_equal(cvm_rd_tpm2b(&r, "d", 1, &v, &n), CVM_E_VALUE);
    assert_int_equal(cvm_rd_pos(&r), 0);
    cvm_err_clear(&e);
    assert_int_equal(cvm_rd_tpm2b(&r, "d", 64, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[1], 0xbb);
    assert_int_equal(cvm_rd_end(&r, "x"), CVM_E_TRAILING);
    assert_int_equal(e.offset, 4);
}

static void wr_roundtrip(void **state)
{
    (void)state;
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_wr_u32le(&w, 0x11223344), 0);
    assert_int_equal(cvm_wr_u16be(&w, 0xabcd), 0);
    assert_int_equal(cvm_wr_zeros(&w, 3), 0);
    assert_int_equal(cvm_wr_printf(&w, "%d-%s", 5, "x"), 0);
    size_t len;
    uint8_t *p = cvm_wr_take(&w, &len);
    const uint8_t want[] = {0x44, 0x33, 0x22, 0x11, 0xab, 0xcd, 0, 0, 0, '5', '-', 'x'};
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(p, want, sizeof(want));
    free(p);

    cvm_wr_init(&w);
    w.max = 4;
    assert_int_equal(cvm_wr_zeros(&w, 5), CVM_E_LIMIT);
    assert_int_equal(cvm_wr_u8(&w, 1), CVM_E_STATE); /* sticky */
    assert_null(cvm_wr_take(&w, &len));
}

static void hex_and_ct(void **state)
{
    (void)state;
    uint8_t out[4];
    assert_int_equal(cvm_unhex("00aBff10", 8, out, 4), 4);
    assert_int_equal(out[1], 0xab);
    assert_int_equal(cvm_unhex("0g", 2, out, 4), -1);
    assert_int_equal(cvm_unhex("abc", 3, out, 4), -1);
    assert_int_equal(cvm_unhex("0011223344", 10, out, 4), -1);
    char h[9];
    cvm_hex(out, 4, h);
    assert_string_equal(h, "00abff10");
    assert_int_equal(cvm_ct_memcmp("abcd", "abcd", 4), 0);
    assert_int_not_equal(cvm_ct_memcmp("abcd", "abce", 4), 0);
}

static void hexval_digits(void **state)
{
    (void)state;
    for (int c = 0; c < 256; c++) {
        static const char digits[] = "0123456789abcdef";
        const char *d = strchr(digits, c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
        int want = c && d ? (int)(d - digits) : -1;
        assert_int_equal(cvm_hexval((char)c), want);
    }
}

/* grows by doubling from `first`, stops at `max`, keeps the array on failure */
static void grow_is_bounded(void **state)
{
    (void)state;
    uint32_t *a = NULL;
    size_t cap = 0, n = 0;
    for (; n < 40; n++) {
        uint32_t *g = cvm_grow(a, &cap, n, sizeof *a, 4, 40);
        assert_non_null(g);
        a = g;
        a[n] = (uint32_t)n;
        assert_true(cap > n && cap <= 40);
    }
    assert_int_equal(cap, 40); /* 4, 8, 16, 32, then the cap */
    assert_null(cvm_grow(a, &cap, n, sizeof *a, 4, 40));
    assert_int_equal(cap, 40);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(a[i], i);
    free(a);
    size_t c2 = 0;
    assert_null(cvm_grow(NULL, &c2, 0, SIZE_MAX / 2, 4, 8)); /* the byte count overflows */
    assert_int_equal(c2, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rd_ints_are_bounded),
        cmocka_unit_test(rd_sub_reports_absolute_offsets),
        cmocka_unit_test(rd_tpm2b_and_end),
        cmocka_unit_test(wr_roundtrip),
        cmocka_unit_test(hex_and_ct),
        cmocka_unit_test(hexval_digits),
        cmocka_unit_test(grow_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
