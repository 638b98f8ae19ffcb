/* CEL-TLV reader/writer and the PCR23 runtime log profile: byte-exact
 * round trips, replay against an extend chain computed with EVP here, and
 * every hostile variant rejected with its field named. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "bundle.h"
#include "cel.h"
#include "eventlog.h"
#include "rtlog.h"

static void evp(const EVP_MD *md, const void *a, size_t an, const void *b, size_t bn, uint8_t *out)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    assert_non_null(c);
    assert_int_equal(EVP_DigestInit_ex(c, md, NULL), 1);
    assert_int_equal(EVP_DigestUpdate(c, a, an), 1);
    if (bn)
        assert_int_equal(EVP_DigestUpdate(c, b, bn), 1);
    assert_int_equal(EVP_DigestFinal_ex(c, out, NULL), 1);
    EVP_MD_CTX_free(c);
}

/* nested TLV content helpers */
static size_t tlv(uint8_t *p, uint8_t t, const void *v, uint32_t n)
{
    p[0] = t;
    p[1] = (uint8_t)(n >> 24);
    p[2] = (uint8_t)(n >> 16);
    p[3] = (uint8_t)(n >> 8);
    p[4] = (uint8_t)n;
    memcpy(p + 5, v, n);
    return 5 + n;
}

typedef struct {
    uint8_t content[3][128];
    uint8_t d256[3][32], d1[3][20];
    cvm_cel_record rec[3];
} three_t;

/* Three records of three content types; record 1 uses minimal integer
 * widths and an NV index, as libcel writes them. */
static void three(three_t *t, cvm_wr *w)
{
    memset(t, 0, sizeof(*t));
    uint8_t ver[16];
    size_t vn = tlv(ver, 0, "\x01", 1);
    vn += tlv(ver + vn, 1, "\x00", 1);
    size_t n0 = tlv(t->content[0], CVM_CEL_MGMT_CEL_VERSION, ver, (uint32_t)vn);
    size_t n1 = tlv(t->content[1], 0, "\x80\x00\x00\x07", 4); /* pcclient_std event_type */
    n1 += tlv(t->content[1] + n1, 1, "hello", 5);
    size_t n2 = tlv(t->content[2], CVM_CEL_IMA_PATH, "/usr/bin/app", 12);
    uint8_t fh[32];
    evp(EVP_sha256(), "app", 3, NULL, 0, fh);
    n2 += tlv(t->content[2] + n2, CVM_CEL_IMA_DATAHASH, fh, 32);
    const size_t lens[3] = {n0, n1, n2};
    const uint8_t cts[3] = {CVM_CEL_CT_MGMT, CVM_CEL_CT_PCCLIENT_STD, CVM_CEL_CT_IMA_TLV};
    for (int i = 0; i < 3; i++) {
        cvm_cel_record *r = &t->rec[i];
        evp(EVP_sha256(), t->content[i], lens[i], NULL, 0, t->d256[i]);
        evp(EVP_sha1(), t->content[i], lens[i], NULL, 0, t->d1[i]);
        r->recnum = (uint64_t)i * 5 + 1; /* increasing, not contiguous */
        r->index = 23;
        r->n_digests = 2;
        r->digests[0] = (cvm_cel_digest){CVM_ALG_SHA256, 32, t->d256[i]};
        r->digests[1] = (cvm_cel_digest){CVM_ALG_SHA1, 20, t->d1[i]};
        r->content_type = cts[i];
        r->content = t->content[i];
        r->content_len = (uint32_t)lens[i];
    }
    t->rec[1].recnum_width = 1;
    t->rec[1].is_nv_index = true;
    t->rec[1].index = 0x01c10100;
    t->rec[1].index_width = 4;
    for (int i = 0; i < 3; i++)
        assert_int_equal(cvm_cel_write_record(w, &t->rec[i]), 0);
}

static void write_parse_round_trip_replay(void **state)
{
    (void)state;
    three_t t;
    cvm_wr w;
    cvm_wr_init(&w);
    three(&t, &w);
    /* record 0 by hand: RECNUM(8 bytes) PCR(1 byte) DIGESTS CONTENT */
    const uint8_t head[] = {0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 23,
                            3, 0, 0, 0, 37 + 25, 11, 0, 0, 0, 32};
    assert_memory_equal(w.p, head, sizeof head);

    cvm_cel cel;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cel_parse(w.p, w.len, "t.cel", &cel, &e), 0);
    assert_int_equal(cel.n_records, 3);
    assert_int_equal(cel.records[1].recnum, 6);
    assert_int_equal(cel.records[1].recnum_width, 1);
    assert_true(cel.records[1].is_nv_index);
    assert_int_equal(cel.records[1].index, 0x01c10100);
    assert_int_equal(cel.records[2].content_type, CVM_CEL_CT_IMA_TLV);
    assert_int_equal(cel.records[2].content_len, t.rec[2].content_len);
    assert_memory_equal(cel.records[2].content, t.content[2], t.rec[2].content_len);
    assert_memory_equal(cvm_cel_record_digest(&cel.records[0], CVM_ALG_SHA1)->digest, t.d1[0], 20);
    assert_int_equal(cel.records[0].offset, 0);
    assert_int_equal(cel.records[1].offset, cel.records[0].len);

    /* byte-exact round trip of what was parsed */
    cvm_wr w2;
    cvm_wr_init(&w2);
    for (size_t i = 0; i < cel.n_records; i++)
        assert_int_equal(cvm_cel_write_record(&w2, &cel.records[i]), 0);
    assert_int_equal(w2.len, w.len);
    assert_memory_equal(w2.p, w.p, w.len);

    /* replay: the NV-index record does not touch PCR23 */
    uint8_t want[32] = {0}, nv[32], got[32];
    evp(EVP_sha256(), want, 32, t.d256[0], 32, nv);
    memcpy(want, nv, 32);
    evp(EVP_sha256(), want, 32, t.d256[2], 32, nv);
    memcpy(want, nv, 32);
    assert_int_equal(cvm_cel_replay(&cel, CVM_ALG_SHA256, 23, NULL, got, &e), 0);
    assert_memory_equal(got, want, 32);
    uint8_t w1[20] = {0}, n1[20], g1[20];
    uint8_t init1[20];
    memset(init1, 0, 20);
    evp(EVP_sha1(), w1, 20, t.d1[0], 20, n1);
    memcpy(w1, n1, 20);
    evp(EVP_sha1(), w1, 20, t.d1[2], 20, n1);
    assert_int_equal(cvm_cel_replay(&cel, CVM_ALG_SHA1, 23, init1, g1, &e), 0);
    assert_memory_equal(g1, n1, 20);
    /* prefix of one record */
    uint8_t one[32] = {0};
    evp(EVP_sha256(), one, 32, t.d256[0], 32, nv);
    assert_int_equal(cvm_cel_replay_n(&cel, 1, CVM_ALG_SHA256, 23, NULL, got, &e), 0);
    assert_memory_equal(got, nv, 32);
    /* a bank the records lack */
    uint8_t got384[48];
    assert_int_equal(cvm_cel_replay(&cel, CVM_ALG_SHA384, 23, NULL, got384, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "records[0].digests");

    json_t *j = cvm_cel_to_json(&cel);
    assert_non_null(j);
    assert_int_equal(json_array_size(j), 3);
    json_t *r0 = json_array_get(j, 0), *r1 = json_array_get(j, 1), *r2 = json_array_get(j, 2);
    assert_string_equal(json_string_value(json_object_get(r0, "content_type")), "cel");
    json_t *c0 = json_object_get(r0, "content");
    assert_string_equal(json_string_value(json_object_get(c0, "type")), "cel_version");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(c0, "data"), "major")), 1);
    assert_int_equal(json_integer_value(json_object_get(r1, "nv_index")), 0x01c10100);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r1, "content"), "event_type")),
                        "EV_EFI_ACTION");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r2, "content"), "path")),
                        "/usr/bin/app");
    json_t *dg = json_array_get(json_object_get(r2, "digests"), 1);
    assert_string_equal(json_string_value(json_object_get(dg, "hashAlg")), "sha1");
    json_decref(j);
    cvm_cel_free(&cel);
    cvm_wr_free(&w2);
    cvm_wr_free(&w);
}

static void empty_log_is_valid(void **state)
{
    (void)state;
    cvm_cel cel;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cel_parse(NULL, 0, "empty", &cel, &e), 0);
    assert_int_equal(cel.n_records, 0);
    uint8_t out[32], zero[32] = {0};
    assert_int_equal(cvm_cel_replay(&cel, CVM_ALG_SHA256, 23, NULL, out, &e), 0);
    assert_memory_equal(out, zero, 32);
    cvm_cel_free(&cel);
}

static void cel_truncations(void **state)
{
    (void)state;
    three_t t;
    cvm_wr w;
    cvm_wr_init(&w);
    three(&t, &w);
    cvm_cel full;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cel_parse(w.p, w.len, "t", &full, &e), 0);
    size_t accepted = 0;
    for (size_t len = 0; len < w.len; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, w.p, len);
        cvm_cel cel;
        cvm_err_clear(&e);
        int rc = cvm_cel_parse(copy, len, "t", &cel, &e);
        if (rc == 0) {
            size_t k = 0;
            while (k < full.n_records && full.records[k].offset + full.records[k].len <= len)
                k++;
            assert_int_equal(cel.n_records, k);
            assert_int_equal(len, k ? full.records[k - 1].offset + full.records[k - 1].len : 0);
            accepted++;
            cvm_cel_free(&cel);
        } else {
            assert_true(rc < 0);
            assert_true(e.field[0] != 0);
            assert_null(cel.records);
        }
        free(copy);
    }
    assert_int_equal(accepted, 3); /* empty, after record 0, after record 1 */
    cvm_cel_free(&full);
    cvm_wr_free(&w);
}

static void build_rtlog(cvm_wr *w, uint8_t ext[5][32], uint8_t fh[3][32]);

static void every_byte_flip(void **state)
{
    (void)state;
    cvm_wr w;
    cvm_wr_init(&w);
    uint8_t ext[5][32], fh[3][32];
    build_rtlog(&w, ext, fh);
    size_t cel_rej = 0, rt_rej = 0;
    for (size_t i = 0; i < w.len; i++) {
        uint8_t *copy = malloc(w.len);
        memcpy(copy, w.p, w.len);
        copy[i] ^= 0x5a;
        cvm_cel cel;
        cvm_rtlog rt;
        cvm_err e;
        cvm_err_clear(&e);
        if (cvm_cel_parse(copy, w.len, "flip", &cel, &e) == 0) {
            json_decref(cvm_cel_to_json(&cel));
            cvm_cel_free(&cel);
        } else {
            assert_true(e.field[0] != 0);
            cel_rej++;
        }
        cvm_err_clear(&e);
        if (cvm_rtlog_parse(copy, w.len, "flip", &rt, &e) == 0)
            cvm_rtlog_free(&rt);
        else
            rt_rej++;
        free(copy);
    }
    assert_true(cel_rej > 50);
    assert_int_equal(rt_rej, w.len); /* every byte of our profile is covered by a check */
    cvm_wr_free(&w);
}

static void reject(const uint8_t *p, size_t n, int code, const char *field, size_t off)
{
    cvm_cel cel;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_cel_parse(p, n, "bad.cel", &cel, &e);
    char m[512];
    print_message("  %s\n", cvm_err_format(&e, m, sizeof m));
    assert_int_equal(rc, code);
    assert_string_equal(e.field, field);
    if (off != CVM_NO_OFFSET)
        assert_int_equal(e.offset, off);
    assert_null(cel.records);
}

static void put32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void hostile_cel(void **state)
{
    (void)state;
    three_t t;
    cvm_wr w;
    cvm_wr_init(&w);
    three(&t, &w);
    cvm_cel cel;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cel_parse(w.p, w.len, "t", &cel, &e), 0);
    const size_t r1 = cel.records[1].offset, r2 = cel.records[2].offset;
    cvm_cel_free(&cel);
    /* record 0 layout: recnum TLV @0 (13), pcr TLV @13 (6), digests @19: type,len@20,
     * sha256 TLV @24 (37), sha1 TLV @61 (25), content @86 */
    const size_t dg = 19, ct = 86;

    /* TLV lengths beyond the buffer */
    put32be(w.p + ct + 1, 0x7fffffff);
    reject(w.p, w.len, CVM_E_TRUNCATED, "records[0].content.length", ct + 1);
    put32be(w.p + ct + 1, t.rec[0].content_len);
    put32be(w.p + dg + 1, 0xffffffff);
    reject(w.p, w.len, CVM_E_TRUNCATED, "records[0].digests.length", dg + 1);
    put32be(w.p + dg + 1, 62);
    /* a digest TLV whose length runs past the DIGESTS value */
    put32be(w.p + dg + 5 + 1, 60);
    reject(w.p, w.len, CVM_E_TRUNCATED, "records[0].digests[0].length", dg + 6);
    /* a digest of the wrong size for its algorithm (lengths re-balanced) */
    put32be(w.p + dg + 5 + 1, 20);
    reject(w.p, w.len, CVM_E_VALUE, "records[0].digests[0].length", dg + 6);
    put32be(w.p + dg + 5 + 1, 32);
    w.p[dg + 5] = 0x77; /* unknown hash algorithm */
    reject(w.p, w.len, CVM_E_VALUE, "records[0].digests[0].type", dg + 5);
    w.p[dg + 5] = 4; /* sha1 with a 32-byte value */
    reject(w.p, w.len, CVM_E_VALUE, "records[0].digests[0].length", dg + 6);
    w.p[dg + 5] = 11;
    w.p[dg + 5 + 37] = 11; /* sha256 twice */
    reject(w.p, w.len, CVM_E_VALUE, "records[0].digests[1].type", dg + 5 + 37);
    w.p[dg + 5 + 37] = 4;
    /* unknown top-level type where a record starts */
    w.p[0] = 0x42;
    reject(w.p, w.len, CVM_E_VALUE, "records[0].recnum.type", 0);
    w.p[0] = 0;
    /* unknown content type; a top-level type in the content slot */
    w.p[ct] = 0x99;
    reject(w.p, w.len, CVM_E_VALUE, "records[0].content.type", ct);
    w.p[ct] = 3;
    reject(w.p, w.len, CVM_E_VALUE, "records[0].content.type", ct);
    w.p[ct] = 4;
    /* PCR out of range; NV_INDEX/PCR slot holding something else */
    w.p[13 + 5] = 24;
    reject(w.p, w.len, CVM_E_VALUE, "records[0].pcr", 13 + 5);
    w.p[13 + 5] = 23;
    w.p[13] = 3;
    reject(w.p, w.len, CVM_E_VALUE, "records[0].pcr.type", 13);
    w.p[13] = 1;
    /* content that is not a TLV list: shorten its inner TLV by one */
    w.p[ct + 5 + 4] -= 1;
    reject(w.p, w.len, CVM_E_TRUNCATED, "records[0].content[1].length", CVM_NO_OFFSET);
    w.p[ct + 5 + 4] += 1;
    /* recnum decreasing (record 2 gets record 1's number 6 -> equal) */
    w.p[r2 + 12] = 6;
    reject(w.p, w.len, CVM_E_VALUE, "records[2].recnum", r2 + 5);
    w.p[r2 + 12] = 1;
    reject(w.p, w.len, CVM_E_VALUE, "records[2].recnum", r2 + 5);
    w.p[r2 + 12] = 11;
    /* a 0-byte recnum */
    w.p[r1 + 4] = 0;
    reject(w.p, w.len, CVM_E_VALUE, "records[1].recnum", CVM_NO_OFFSET);
    w.p[r1 + 4] = 1;
    assert_int_equal(cvm_cel_parse(w.p, w.len, "t", &cel, &e), 0); /* all restored */
    cvm_cel_free(&cel);
    /* trailing bytes after the last record */
    cvm_wr_u8(&w, 0);
    reject(w.p, w.len, CVM_E_TRUNCATED, "records[3].recnum.length", w.len);
    cvm_wr_zeros(&w, 4);
    reject(w.p, w.len, CVM_E_VALUE, "records[3].recnum", CVM_NO_OFFSET);
    cvm_wr_free(&w);

    /* the writer refuses what the reader would reject */
    cvm_wr_init(&w);
    cvm_cel_record r = t.rec[0];
    r.recnum = 300;
    r.recnum_width = 1;
    assert_int_equal(cvm_cel_write_record_err(&w, &r, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "recnum");
    r = t.rec[0];
    r.index = 24;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cel_write_record_err(&w, &r, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "pcr");
    r = t.rec[0];
    r.digests[1].size = 32;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cel_write_record_err(&w, &r, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "digests");
    r = t.rec[0];
    r.content_type = 0x99;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cel_write_record_err(&w, &r, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "content_type");
    r = t.rec[0];
    r.content_len -= 1;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cel_write_record_err(&w, &r, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "content");
    assert_int_equal(w.len, 0);
    cvm_wr_free(&w);
}

static void cel_record_cap(void **state)
{
    (void)state;
    uint8_t d[32] = {0}, c[5] = {1, 0, 0, 0, 0};
    cvm_cel_record r;
    memset(&r, 0, sizeof r);
    r.index = 23;
    r.n_digests = 1;
    r.digests[0] = (cvm_cel_digest){CVM_ALG_SHA256, 32, d};
    r.content_type = CVM_CEL_CT_MGMT;
    r.content = c;
    r.content_len = 5;
    cvm_wr w;
    cvm_wr_init(&w);
    for (uint64_t i = 0; i <= CVM_CEL_MAX_RECORDS; i++) {
        r.recnum = i;
        assert_int_equal(cvm_cel_write_record(&w, &r), 0);
    }
    size_t one = w.len / (CVM_CEL_MAX_RECORDS + 1u);
    /* the record cap is reached before the size cap, and a log at the size
     * cap still fits in a bundle member */
    _Static_assert(CVM_CEL_MAX_SIZE <= CVM_BUNDLE_MAX_MEMBER, "a full log must fit in a bundle");
    assert_true(w.len <= CVM_CEL_MAX_SIZE);
    reject(w.p, w.len, CVM_E_LIMIT, "records", w.len - one);
    cvm_cel cel;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cel_parse(w.p, w.len - one, "cap", &cel, &e), 0);
    assert_int_equal(cel.n_records, CVM_CEL_MAX_RECORDS);
    cvm_cel_free(&cel);
    cvm_wr_free(&w);
}

/* ---- the runtime log profile ---- */


static const cvm_rtlog_boot BOOT = {
    .boot_id = {0x3f, 0x2a, 0x5c, 0x1e, 0x9b, 0x4d, 0x4e, 0x8a, 0xa1, 0x6b, 0x0c, 0x7d, 0x52, 0x19, 0xee, 0x40},
    .reset_count = 7,
    .restart_count = 2,
    .unix_time = 1795000000,
};

static const char *const PATHS[3] = {"/usr/bin/app", "/etc/app/config.toml", "/opt/model.bin"};

static void build_rtlog(cvm_wr *w, uint8_t ext[5][32], uint8_t fh[3][32])
{
    cvm_err e;
    cvm_err_clear(&e);
    uint8_t start[2][32];
    assert_int_equal(cvm_rtlog_write_start(w, &BOOT, start, &e), 0);
    memcpy(ext[0], start[0], 32);
    memcpy(ext[1], start[1], 32);
    for (int i = 0; i < 3; i++) {
        evp(EVP_sha256(), PATHS[i], strlen(PATHS[i]), "-data", 5, fh[i]);
        assert_int_equal(cvm_rtlog_write_file(w, (uint64_t)i + 2, PATHS[i], strlen(PATHS[i]), fh[i],
                                              ext[i + 2], &e),
                         0);
    }
}

static void rtlog_round_trip(void **state)
{
    (void)state;
    cvm_wr w;
    cvm_wr_init(&w);
    uint8_t ext[5][32], fh[3][32];
    build_rtlog(&w, ext, fh);
    cvm_rtlog log;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_rtlog_parse(w.p, w.len, "runtime.cel", &log, &e), 0);
    assert_int_equal(log.cel.n_records, 5);
    assert_memory_equal(log.boot.boot_id, BOOT.boot_id, 16);
    assert_int_equal(log.boot.reset_count, 7);
    assert_int_equal(log.boot.restart_count, 2);
    assert_int_equal(log.boot.unix_time, 1795000000);
    assert_int_equal(log.n_files, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(log.files[i].recnum, (uint64_t)i + 2);
        assert_int_equal(log.files[i].path_len, strlen(PATHS[i]));
        assert_memory_equal(log.files[i].path, PATHS[i], strlen(PATHS[i]));
        assert_memory_equal(log.files[i].sha256, fh[i], 32);
    }
    /* every extended digest is SHA-256 of the record's content */
    for (size_t i = 0; i < 5; i++) {
        uint8_t d[32];
        evp(EVP_sha256(), log.cel.records[i].content, log.cel.records[i].content_len, NULL, 0, d);
        assert_memory_equal(d, ext[i], 32);
        assert_memory_equal(log.cel.records[i].digests[0].digest, ext[i], 32);
    }
    /* replay == the extends the collector performs, for each prefix */
    uint8_t pcr[32] = {0}, got[32], nv[32];
    for (size_t n = 0; n <= 5; n++) {
        assert_int_equal(cvm_rtlog_replay(&log, n, got, &e), 0);
        assert_memory_equal(got, pcr, 32);
        if (n < 5) {
            evp(EVP_sha256(), pcr, 32, ext[n], 32, nv);
            memcpy(pcr, nv, 32);
        }
    }
    /* prefix search: the full chain, a chain with the last record not yet
     * extended, zero, and a value no prefix reaches */
    size_t m = 99;
    assert_int_equal(cvm_rtlog_match_prefix(&log, pcr, &m, &e), 0);
    assert_int_equal(m, 5);
    assert_int_equal(cvm_rtlog_replay(&log, 4, got, &e), 0);
    assert_int_equal(cvm_rtlog_match_prefix(&log, got, &m, &e), 0);
    assert_int_equal(m, 4);
    uint8_t zero[32] = {0};
    assert_int_equal(cvm_rtlog_match_prefix(&log, zero, &m, &e), 0);
    assert_int_equal(m, 0);
    got[0] ^= 1;
    cvm_err_clear(&e);
    assert_int_equal(cvm_rtlog_match_prefix(&log, got, &m, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "pcr23");
    /* CEL-JSON view */
    json_t *j = cvm_cel_to_json(&log.cel);
    json_t *c1 = json_object_get(json_array_get(j, 1), "content");
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "content_type")), "cvm");
    assert_string_equal(json_string_value(json_object_get(c1, "kind")), "log_start");
    assert_string_equal(json_string_value(json_object_get(c1, "boot_id")),
                        "3f2a5c1e-9b4d-4e8a-a16b-0c7d5219ee40");
    assert_int_equal(json_integer_value(json_object_get(c1, "reset_count")), 7);
    json_t *c3 = json_object_get(json_array_get(j, 3), "content");
    assert_string_equal(json_string_value(json_object_get(c3, "path")), PATHS[1]);
    char hx[65];
    cvm_hex(fh[1], 32, hx);
    assert_string_equal(json_string_value(json_object_get(c3, "datahash")), hx);
    json_decref(j);
    cvm_rtlog_free(&log);

    /* boot id text forms */
    uint8_t id[16];
    char txt[37];
    assert_int_equal(cvm_rtlog_boot_id_parse("3f2a5c1e-9b4d-4e8a-a16b-0c7d5219ee40\n", 37, id), 0);
    assert_memory_equal(id, BOOT.boot_id, 16);
    cvm_rtlog_boot_id_format(id, txt);
    assert_string_equal(txt, "3f2a5c1e-9b4d-4e8a-a16b-0c7d5219ee40");
    assert_int_equal(cvm_rtlog_boot_id_parse("3f2a5c1e-9b4d-4e8a-a16b-0c7d5219ee4", 35, id), CVM_E_VALUE);
    assert_int_equal(cvm_rtlog_boot_id_parse("3f2a5c1e9b4d-4e8a-a16b-0c7d5219ee40-", 36, id), CVM_E_VALUE);
    assert_int_equal(cvm_rtlog_boot_id_parse("3f2a5c1e-9b4d-4e8a-a16b-0c7d5219ee4g", 36, id), CVM_E_VALUE);
    cvm_wr_free(&w);
}

static void rtlog_reject(const uint8_t *p, size_t n, const char *field)
{
    cvm_rtlog log;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_rtlog_parse(p, n, "runtime.cel", &log, &e);
    char m[512];
    print_message("  %s\n", cvm_err_format(&e, m, sizeof m));
    assert_int_equal(rc, CVM_E_VALUE);
    assert_string_equal(e.field, field);
    assert_null(log.files);
    assert_null(log.cel.records);
}

static void rtlog_hostile_fields(void **state)
{
    (void)state;
    cvm_wr w;
    cvm_wr_init(&w);
    uint8_t ext[5][32], fh[3][32];
    build_rtlog(&w, ext, fh);
    cvm_cel cel;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cel_parse(w.p, w.len, "t", &cel, &e), 0);
    const size_t r0len = cel.records[0].len;
    const size_t r2 = cel.records[2].offset, r4 = cel.records[4].offset;
    const size_t r2c = r2 + cel.records[2].len - cel.records[2].content_len; /* content value */
    cvm_cel_free(&cel);

    rtlog_reject(w.p, r0len, "records"); /* cel_version alone */
    /* the path changed after the digest was computed: the extend no longer covers it */
    w.p[r2c + 5 + 1] ^= 1;
    rtlog_reject(w.p, w.len, "records[2].digests.sha256");
    w.p[r2c + 5 + 1] ^= 1;
    /* PCR other than 23 */
    w.p[r2 + 13 + 5] = 16;
    rtlog_reject(w.p, w.len, "records[2].pcr");
    w.p[r2 + 13 + 5] = 23;
    /* gap in record numbers (the last record: 4 -> 5) */
    w.p[r4 + 12] = 5;
    rtlog_reject(w.p, w.len, "records[4].recnum");
    w.p[r4 + 12] = 4;
    cvm_rtlog log;
    assert_int_equal(cvm_rtlog_parse(w.p, w.len, "t", &log, &e), 0);
    cvm_rtlog_free(&log);

    cvm_wr w2;
    uint8_t d[32];

    /* non-canonical encoding of an otherwise valid log: record 0 with a
     * 1-byte recnum */
    assert_int_equal(cvm_cel_parse(w.p, w.len, "t", &cel, &e), 0);
    cvm_cel_record r0 = cel.records[0];
    r0.recnum_width = 1;
    cvm_wr_init(&w2);
    assert_int_equal(cvm_cel_write_record(&w2, &r0), 0);
    cvm_wr_bytes(&w2, w.p + cel.records[0].len, w.len - cel.records[0].len);
    rtlog_reject(w2.p, w2.len, "records[0]");
    cvm_wr_free(&w2);
    /* a second sha1 digest */
    cvm_cel_record r3 = cel.records[3];
    uint8_t s1[20];
    evp(EVP_sha1(), r3.content, r3.content_len, NULL, 0, s1);
    r3.digests[1] = (cvm_cel_digest){CVM_ALG_SHA1, 20, s1};
    r3.n_digests = 2;
    cvm_wr_init(&w2);
    cvm_wr_bytes(&w2, w.p, cel.records[3].offset);
    assert_int_equal(cvm_cel_write_record(&w2, &r3), 0);
    rtlog_reject(w2.p, w2.len, "records[3].digests");
    cvm_wr_free(&w2);
    /* the content type of a file record */
    r3 = cel.records[3];
    r3.content_type = CVM_CEL_CT_CVM;
    cvm_wr_init(&w2);
    cvm_wr_bytes(&w2, w.p, cel.records[3].offset);
    assert_int_equal(cvm_cel_write_record(&w2, &r3), 0);
    rtlog_reject(w2.p, w2.len, "records[3].content_type");
    cvm_wr_free(&w2);
    /* a file record with an extra IMA_TLV field, digest recomputed */
    uint8_t content[256];
    memcpy(content, r3.content, r3.content_len);
    size_t cl = r3.content_len + tlv(content + r3.content_len, CVM_CEL_IMA_MODE, "\x01\xed", 2);
    evp(EVP_sha256(), content, cl, NULL, 0, d);
    r3 = cel.records[3];
    r3.content = content;
    r3.content_len = (uint32_t)cl;
    r3.digests[0].digest = d;
    cvm_wr_init(&w2);
    cvm_wr_bytes(&w2, w.p, cel.records[3].offset);
    assert_int_equal(cvm_cel_write_record(&w2, &r3), 0);
    rtlog_reject(w2.p, w2.len, "records[3]");
    cvm_wr_free(&w2);
    cvm_cel_free(&cel);

    /* writer-side checks */
    cvm_wr_init(&w2);
    cvm_err_clear(&e);
    assert_int_equal(cvm_rtlog_write_file(&w2, 2, "a\0b", 3, fh[0], d, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "path");
    cvm_err_clear(&e);
    assert_int_equal(cvm_rtlog_write_file(&w2, 2, "", 0, fh[0], d, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "path");
    cvm_err_clear(&e);
    assert_int_equal(cvm_rtlog_write_file(&w2, 1, "/x", 2, fh[0], d, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "recnum");
    assert_int_equal(w2.len, 0);
    cvm_wr_free(&w2);
    cvm_wr_free(&w);
}

/* spec/runtime-log.md §4: the worked example must stay what the code writes */
static void rtlog_spec_example(void **state)
{
    (void)state;
    cvm_rtlog_boot b;
    memset(&b, 0, sizeof b);
    assert_int_equal(cvm_rtlog_boot_id_parse("3f2a5c1e-9b4d-4e8a-a16b-0c7d5219ee40", 36, b.boot_id), 0);
    b.reset_count = 7;
    b.unix_time = 1795000000;
    cvm_wr w;
    cvm_wr_init(&w);
    uint8_t ext[2][32], e2[32], fh[32], pcr[32];
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_rtlog_write_start(&w, &b, ext, &e), 0);
    assert_int_equal(w.len, 83 + 124);
    evp(EVP_sha256(), "hello\n", 6, NULL, 0, fh);
    assert_int_equal(cvm_rtlog_write_file(&w, 2, "/etc/hello", 10, fh, e2, &e), 0);
    assert_int_equal(w.len, 83 + 124 + 118);
    char hx[65];
    cvm_hex(ext[0], 32, hx);
    assert_string_equal(hx, "19acb3ac1566eb18057d53637c662525c03c412949719115f368cfff7b05d4c1");
    cvm_hex(ext[1], 32, hx);
    assert_string_equal(hx, "b154d17e5d52baa88cebca22fe1aa3d30034f38be4fa63177abbc98634a762d1");
    cvm_hex(e2, 32, hx);
    assert_string_equal(hx, "b068abe31108b3077dc1c63073879a5b416ad46fd1062fd1e7be2f09d1d6113d");
    cvm_rtlog log;
    assert_int_equal(cvm_rtlog_parse(w.p, w.len, "example", &log, &e), 0);
    assert_int_equal(cvm_rtlog_replay(&log, 3, pcr, &e), 0);
    cvm_hex(pcr, 32, hx);
    assert_string_equal(hx, "8a61febb75118b33f4bfe2effada8bc179a107d06e6f8a9b3587b3bfec5a1ae4");
    /* record 2 as printed in the spec */
    const uint8_t rec2_head[] = {0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 1, 0x17,
                                 3, 0, 0, 0, 0x25, 0x0b, 0, 0, 0, 0x20};
    assert_memory_equal(w.p + 207, rec2_head, sizeof rec2_head);
    assert_memory_equal(w.p + 207 + 61, "\x08\x00\x00\x00\x34\x00\x00\x00\x00\x0a/etc/hello", 20);
    cvm_rtlog_free(&log);
    cvm_wr_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_parse_round_trip_replay),
        cmocka_unit_test(empty_log_is_valid),
        cmocka_unit_test(cel_truncations),
        cmocka_unit_test(hostile_cel),
        cmocka_unit_test(every_byte_flip),
        cmocka_unit_test(cel_record_cap),
        cmocka_unit_test(rtlog_round_trip),
        cmocka_unit_test(rtlog_hostile_fields),
        cmocka_unit_test(rtlog_spec_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
