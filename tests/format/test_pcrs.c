/* format/pcrs: tpm2-tools 5.4 "serialized" .pcrs files, built here and
 * mutated (real tpm2_quote output is checked in test_tpm_swtpm.c and
 * test_tpm.c's seedsets test). */
#include "harness.h"

#include <stdio.h>

#include "tpm_mu_check.h"

/* A cvm_pcrs for `sel` with value bytes derived from (alg, pcr). */
static cvm_pcrs *make(const char *sel)
{
    cvm_pcr_selection s;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_pcr_selection_from_string(sel, &s, &e), 0);
    cvm_pcrs *p = malloc(sizeof(*p));
    assert_non_null(p);
    assert_int_equal(cvm_pcrs_init(p, &s, &e), 0);
    for (size_t i = 0; i < p->n_values; i++)
        for (size_t k = 0; k < p->values[i].len; k++)
            p->values[i].bytes[k] = (uint8_t)(p->values[i].alg * 16 + p->values[i].pcr + k);
    return p;
}

static uint8_t *serialize(const cvm_pcrs *p, size_t *len)
{
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_pcrs_write(p, &w), 0);
    uint8_t *b = cvm_wr_take(&w, len);
    assert_non_null(b);
    return b;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static int parse_cb(const uint8_t *b, size_t n, void *ctx)
{
    cvm_pcrs *p = ctx;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_pcrs_parse(b, n, "q.pcrs", p, &e);
    if (rc)
        assert_true(e.field[0] != 0);
    return rc;
}

static void test_layout(void **state)
{
    (void)state;
    cvm_err e;
    /* sizes from c-apis.md §6: 3 PCRs 668 bytes, 11 PCRs 1200, 24 PCRs 1732 */
    static const struct {
        const char *sel;
        size_t len, blocks;
    } cases[] = {
        {"sha256:0,1,15", 668, 1},
        {"sha256:0,1,2,3,4,5,6,7,8,9,10", 1200, 2},
        {"sha256:all", 1732, 3},
        {"sha1:0,1,2,3+sha256:0,1,2,3,4,5,6,7", 1200, 2},
        {"sha1:0-7+sha256:0-7+sha384:0-7+sha512:0-7", 136 + 4 * 532, 4},
        {"sha256:0-31", 136 + 4 * 532, 4},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cvm_pcrs *p = make(cases[i].sel);
        size_t len;
        uint8_t *b = serialize(p, &len);
        assert_int_equal(len, cases[i].len);
        cvm_pcrs *q = malloc(sizeof(*q));
        cvm_err_clear(&e);
        assert_int_equal(cvm_pcrs_parse(b, len, "q.pcrs", q, &e), 0);
        assert_int_equal(q->n_blocks, cases[i].blocks);
        assert_int_equal(q->n_values, p->n_values);
        assert_int_equal(q->nonzero_padding_at, CVM_NO_OFFSET);
        assert_memory_equal(q->values, p->values, p->n_values * sizeof(p->values[0]));
        assert_true(cvm_pcr_selection_equal(&q->selection, &p->selection));
        /* the selection header is the tss2 struct in host (LE) order */
        TPML_PCR_SELECTION tss;
        assert_int_equal(sizeof(tss), 132);
        memcpy(&tss, b, sizeof(tss));
        assert_int_equal(tss.count, p->selection.count);
        assert_int_equal(tss.pcrSelections[0].hash, p->selection.sel[0].hash);
        assert_int_equal(tss.pcrSelections[0].sizeofSelect, p->selection.sel[0].size_of_select);
        TPML_DIGEST dg;
        assert_int_equal(sizeof(dg), 532);
        memcpy(&dg, b + 136, sizeof(dg));
        assert_int_equal(dg.digests[0].size, p->values[0].len);
        assert_memory_equal(dg.digests[0].buffer, p->values[0].bytes, p->values[0].len);
        /* re-written from the parse: byte-identical */
        size_t len2;
        uint8_t *b2 = serialize(q, &len2);
        assert_int_equal(len2, len);
        assert_memory_equal(b, b2, len);
        if (len < 1300)
            cvm_test_truncations(b, len, parse_cb, q);
        free(b2);
        free(b);
        free(q);
        free(p);
    }
    /* an empty selection: no digests, no blocks */
    cvm_pcrs *p = malloc(sizeof(*p));
    cvm_pcr_selection none;
    memset(&none, 0, sizeof(none));
    cvm_err_clear(&e);
    assert_int_equal(cvm_pcrs_init(p, &none, &e), 0);
    size_t len;
    uint8_t *b = serialize(p, &len);
    assert_int_equal(len, 136);
    assert_int_equal(cvm_pcrs_parse(b, len, "q.pcrs", p, &e), 0);
    assert_int_equal(p->n_values, 0);
    free(b);
    free(p);
}

static void test_hostile(void **state)
{
    (void)state;
    cvm_err e;
    cvm_pcrs *p = make("sha1:0,1,2+sha256:0,1,2,3,4,5,6,7,8,9"); /* 13 PCRs: blocks 8,5 */
    size_t len;
    uint8_t *b = serialize(p, &len);
    assert_int_equal(len, 1200);
    uint8_t *c = malloc(len + 532);
    cvm_pcrs *q = malloc(sizeof(*q));

#define RESET() memcpy(c, b, len)
    RESET();
    put32(c, 17);
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_LIMIT, "pcrSelections.count");
    RESET();
    c[4 + 8 + 2] = 5;
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_LIMIT, "pcrSelections[1].sizeofSelect");
    assert_int_equal(e.offset, 14);
    RESET();
    c[4 + 8] = 0x99;
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_UNSUPPORTED, "pcrSelections[1].hash");
    RESET();
    c[4 + 8] = 0x04; /* sha1 twice */
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_VALUE, "pcrSelections[1].hash");

    /* block count vs file size */
    RESET();
    put32(c + 132, 3);
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_TRUNCATED, "digests");
    RESET();
    memset(c + len, 0, 532);
    ASSERT_ERR(cvm_pcrs_parse(c, len + 1, "q.pcrs", q, &e), e, CVM_E_TRAILING, "digests");
    assert_int_equal(e.offset, len);
    RESET();
    put32(c + 132, 14); /* more blocks than selected PCRs */
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_VALUE, "digests.count");
    RESET();
    put32(c + 132, 0xffffffffu);
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_VALUE, "digests.count");

    /* per-block digest counts */
    RESET();
    put32(c + 136, 9);
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_LIMIT, "digests[0].count");
    RESET();
    put32(c + 136, 0);
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_VALUE, "digests[0].count");
    RESET();
    put32(c + 136 + 532, 4); /* 12 digests for 13 PCRs */
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_VALUE, "digests.count");
    RESET();
    put32(c + 136 + 532, 6); /* 14 digests for 13 PCRs */
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_VALUE, "digests[1].count");
    RESET();
    c[4 + 8 + 3 + 1] = 0x01; /* sha256 loses PCR 9: 12 selected, 13 digests */
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_VALUE, "digests[1].count");

    /* digest sizes must fit the bank they map to: slot 3 is sha256 PCR0 */
    RESET();
    c[136 + 4 + 3 * 66] = 20;
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_VALUE, "digests[0].digests[3].size");
    assert_int_equal(e.offset, 136 + 4 + 3 * 66);
    RESET();
    c[136 + 4] = 32; /* slot 0 is sha1 PCR0 */
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_VALUE, "digests[0].digests[0].size");
    RESET();
    c[136 + 4 + 1] = 0xff; /* size 0xff14 */
    ASSERT_ERR(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), e, CVM_E_VALUE, "digests[0].digests[0].size");

    /* padding where tpm2-tools writes zeros: accepted, first offset noted */
    static const size_t pads[] = {
        4 + 7,                      /* pad byte of selection 0 */
        4 + 6,                      /* select byte beyond sizeofSelect 3 */
        4 + 8 * 5 + 1,              /* unused selection entry */
        136 + 4 + 2 + 20,           /* tail of a sha1 digest buffer */
        136 + 532 + 4 + 5 * 66,     /* size of an unused digest slot */
        136 + 532 + 4 + 7 * 66 + 9, /* buffer of an unused digest slot */
    };
    for (size_t i = 0; i < sizeof(pads) / sizeof(pads[0]); i++) {
        RESET();
        c[pads[i]] = 0x5a;
        cvm_err_clear(&e);
        assert_int_equal(cvm_pcrs_parse(c, len, "q.pcrs", q, &e), 0);
        assert_int_equal(q->nonzero_padding_at, pads[i]);
        assert_int_equal(q->n_values, 13);
        assert_memory_equal(q->values, p->values, 13 * sizeof(p->values[0]));
        size_t l2;
        uint8_t *w = serialize(q, &l2);
        assert_int_equal(l2, len);
        assert_memory_equal(w, b, len); /* the writer zeroes it again */
        free(w);
    }
#undef RESET

    /* the writer refuses inconsistent block bookkeeping */
    memcpy(q, p, sizeof(*q));
    q->n_blocks = 2;
    q->block_counts[0] = 8;
    q->block_counts[1] = 4;
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_pcrs_write(q, &w), CVM_E_VALUE);
    cvm_wr_free(&w);
    q->block_counts[1] = 5;
    cvm_wr_init(&w);
    assert_int_equal(cvm_pcrs_write(q, &w), 0);
    assert_int_equal(w.len, len);
    assert_memory_equal(w.p, b, len);
    cvm_wr_free(&w);
    /* ...and block layouts other than 8-per-block round-trip as read */
    q->n_blocks = 3;
    q->block_counts[0] = 3;
    q->block_counts[1] = 8;
    q->block_counts[2] = 2;
    cvm_wr_init(&w);
    assert_int_equal(cvm_pcrs_write(q, &w), 0);
    assert_int_equal(w.len, 136 + 3 * 532);
    cvm_err_clear(&e);
    cvm_pcrs *r = malloc(sizeof(*r));
    assert_int_equal(cvm_pcrs_parse(w.p, w.len, "q.pcrs", r, &e), 0);
    assert_int_equal(r->n_blocks, 3);
    assert_int_equal(r->block_counts[0], 3);
    assert_memory_equal(r->values, p->values, 13 * sizeof(p->values[0]));
    cvm_wr_free(&w);
    free(r);

    free(q);
    free(c);
    free(b);
    free(p);
}

static void test_values_get_json(void **state)
{
    (void)state;
    cvm_err e;
    cvm_pcrs *p = make("sha1:7+sha256:0,23");
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_pcrs_write_values(p, &w), 0);
    assert_int_equal(w.len, 20 + 32 + 32);
    cvm_pcrs *q = malloc(sizeof(*q));
    cvm_err_clear(&e);
    assert_int_equal(cvm_pcrs_parse_values(w.p, w.len, "values", &p->selection, q, &e), 0);
    assert_memory_equal(q->values, p->values, 3 * sizeof(p->values[0]));
    ASSERT_ERR(cvm_pcrs_parse_values(w.p, w.len - 1, "values", &p->selection, q, &e), e, CVM_E_TRUNCATED,
               "sha256:23");
    uint8_t *longer = malloc(w.len + 1);
    memcpy(longer, w.p, w.len);
    longer[w.len] = 0;
    ASSERT_ERR(cvm_pcrs_parse_values(longer, w.len + 1, "values", &p->selection, q, &e), e, CVM_E_TRAILING,
               "values");
    free(longer);

    const uint8_t *v;
    size_t vl;
    assert_int_equal(cvm_pcrs_get(p, CVM_TPM_ALG_SHA256, 23, &v, &vl), 0);
    assert_int_equal(vl, 32);
    assert_ptr_equal(v, p->values[2].bytes);
    assert_int_equal(cvm_pcrs_get(p, CVM_TPM_ALG_SHA256, 7, &v, &vl), CVM_E_VALUE);
    assert_int_equal(cvm_pcrs_get(p, CVM_TPM_ALG_SHA1, 7, &v, &vl), 0);
    assert_int_equal(vl, 20);

    /* digest = H(values in selection order) */
    uint8_t d1[64], d2[64];
    size_t l1 = sizeof(d1), l2 = sizeof(d2);
    assert_int_equal(cvm_pcrs_digest(p, CVM_TPM_ALG_SHA384, d1, &l1), 0);
    assert_int_equal(cvm_tpm_hash(CVM_TPM_ALG_SHA384, w.p, w.len, d2, &l2), 0);
    assert_int_equal(l1, 48);
    assert_memory_equal(d1, d2, 48);
    cvm_wr_free(&w);

    json_t *j = cvm_pcrs_to_json(p);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "selection")), "sha1:7+sha256:0,23");
    const char *h = json_string_value(json_object_get(json_object_get(json_object_get(j, "banks"), "sha256"), "23"));
    assert_non_null(h);
    char want[65];
    cvm_hex(p->values[2].bytes, 32, want);
    assert_string_equal(h, want);
    json_decref(j);

    /* init refuses what the file format cannot hold */
    cvm_pcr_selection bad = p->selection;
    bad.sel[0].size_of_select = 5;
    ASSERT_ERR(cvm_pcrs_init(q, &bad, &e), e, CVM_E_LIMIT, "sizeofSelect");
    /* init with the pcrs' own selection (aliasing) works */
    assert_int_equal(cvm_pcrs_init(p, &p->selection, &e), 0);
    assert_int_equal(p->n_values, 3);
    free(q);
    free(p);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_values_get_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
