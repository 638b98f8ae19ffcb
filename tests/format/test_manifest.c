/* spec/bundle-v1.md §4: strict manifest parsing, canonical writing, round
 * trips byte-exact, every rejection naming the JSON path. */
#include "harness.h"

#include <stdio.h>

#include "binding.h"
#include "bundle_vector.h"
#include "manifest.h"

/* memmem is a GNU extension; _POSIX_C_SOURCE does not declare it */
static uint8_t *find(uint8_t *h, size_t hn, const char *nd, size_t nn)
{
    for (size_t i = 0; nn <= hn && i <= hn - nn; i++)
        if (memcmp(h + i, nd, nn) == 0)
            return h + i;
    return NULL;
}

static uint8_t *vec_bytes(size_t *n)
{
    cvm_manifest m;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(vec_manifest(&m, &e), CVM_OK);
    cvm_wr w;
    cvm_wr_init(&w);
    int rc = cvm_manifest_write(&m, &w, &e);
    if (rc) {
        char b[512];
        fail_msg("%s", cvm_err_format(&e, b, sizeof(b)));
    }
    cvm_manifest_free(&m);
    return cvm_wr_take(&w, n);
}

static void t_vector_matches_python(void **state)
{
    (void)state;
    size_t n;
    uint8_t *mine = vec_bytes(&n);
    assert_int_equal(n, VEC_MANIFEST_LEN);
    /* ASCII only, and the examiner's e-diaeresis written as \u00eb */
    for (size_t i = 0; i < n; i++)
        assert_true(mine[i] >= 0x20 && mine[i] < 0x7f);
    assert_non_null(find(mine, n, "Zo\\u00eb Example", 16));
    if (cvm_test_sh("python3 -c 1 >/dev/null 2>&1") == 0) {
        const char *dir = cvm_test_tmpdir();
        assert_int_equal(cvm_test_sh("python3 '%s' '%s'",
                                     cvm_test_src("tests/format/bundle_vector.py"), dir), 0);
        char p[4200];
        snprintf(p, sizeof(p), "%s/manifest.json", dir);
        size_t pn;
        uint8_t *py = cvm_test_read(p, &pn);
        assert_int_equal(pn, n);
        assert_memory_equal(py, mine, n);
        free(py);
        cvm_test_sh("rm -rf '%s'", dir);
    } else {
        print_message("note: python3 absent, byte comparison with Python skipped\n");
    }
    free(mine);
}

static void t_parse_fields_and_round_trip(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = vec_bytes(&n);
    cvm_manifest m;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_manifest_parse(b, n, "manifest.json", &m, &e), CVM_OK);
    assert_string_equal(m.bundle_id, VEC_BUNDLE_ID);
    assert_string_equal(m.created, "2026-11-28T06:00:00Z");
    assert_string_equal(m.collector_name, "cvm-collect");
    assert_string_equal(m.collector_version, "1.0.0");
    assert_string_equal(m.custody_case_id, "CASE-1");
    assert_string_equal(m.custody_examiner, "Zo\xc3\xab Example");
    assert_string_equal(m.custody_note, "worked vector");
    assert_int_equal(m.nonce_source, CVM_NONCE_AUDITOR);
    assert_true(m.fresh_report);
    assert_int_equal(m.nonce[0], 0);
    assert_int_equal(m.nonce[31], 31);
    assert_string_equal(m.pcr_selection, "sha256:0,1,2,3,4,5,6,7");
    char hx[65];
    cvm_hex(m.binding, 32, hx);
    assert_string_equal(hx, VEC_BINDING);
    assert_int_equal(m.n_members, 9);
    assert_string_equal(m.members[0].name, "ak.pub");
    assert_string_equal(m.members[0].role, "tpm.ak_public");
    assert_int_equal(m.members[0].size, 16);
    cvm_hex(m.members[0].sha256, 32, hx);
    assert_string_equal(hx, "98f36ef851912c257748d7270a9d911ab3342e1c54756c56f23d41219772cc50");
    assert_string_equal(m.members[8].name, "vcek.pem");
    /* parse -> write is byte-identical */
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_manifest_write(&m, &w, &e), CVM_OK);
    assert_int_equal(w.len, n);
    assert_memory_equal(w.p, b, n);
    cvm_wr_free(&w);
    /* and to_json + json_dumpb agrees on structure (not on escapes) */
    json_t *j = cvm_manifest_to_json(&m);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "format")), CVM_MANIFEST_FORMAT);
    json_decref(j);
    cvm_manifest_free(&m);
    free(b);
}

/* Replaces the first `from` in the vector bytes with `to`, parses, and
 * expects a rejection whose field is `path`. */
static void expect_reject_range(const char *from, const char *until, const char *to,
                                const char *path, int code)
{
    size_t n;
    uint8_t *b = vec_bytes(&n);
    uint8_t *hit = find(b, n, from, strlen(from));
    if (!hit)
        fail_msg("pattern %s not in the vector", from);
    size_t off = (size_t)(hit - b), fl = strlen(from), tl = strlen(to);
    if (until) {
        uint8_t *end = find(hit, n - off, until, strlen(until));
        if (!end)
            fail_msg("pattern %s not in the vector", until);
        fl = (size_t)(end - hit) + strlen(until);
    }
    uint8_t *x = malloc(n - fl + tl);
    memcpy(x, b, off);
    memcpy(x + off, to, tl);
    memcpy(x + off + tl, b + off + fl, n - off - fl);
    cvm_manifest m;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_manifest_parse(x, n - fl + tl, "manifest.json", &m, &e);
    char buf[512];
    print_message("  %s -> %s\n", from, cvm_err_format(&e, buf, sizeof(buf)));
    assert_int_equal(rc, code);
    assert_string_equal(e.field, path);
    assert_string_equal(e.what, "manifest.json");
    assert_null(m.members);
    free(x);
    free(b);
}

static void expect_reject(const char *from, const char *to, const char *path, int code)
{
    expect_reject_range(from, NULL, to, path, code);
}

static void t_rejects(void **state)
{
    (void)state;
    /* syntax level (jansson) */
    expect_reject("\"format\":", "\"format\":\"x\",\"format\":", "json", CVM_E_SYNTAX);
    expect_reject("{\"binding\"", "{\"binding\":\"a\",\"binding\"", "json", CVM_E_SYNTAX);
    expect_reject("\"note\":\"worked", "\"note\":\"w\\u0000orked", "json", CVM_E_SYNTAX);
    expect_reject("\"size\":16}", "\"size\":16}}", "json", CVM_E_SYNTAX);
    /* types */
    expect_reject("\"size\":16", "\"size\":\"16\"", "members[0].size", CVM_E_VALUE);
    expect_reject("\"size\":16", "\"size\":16.0", "members[0].size", CVM_E_VALUE);
    expect_reject("\"size\":16", "\"size\":-1", "members[0].size", CVM_E_VALUE);
    expect_reject("\"size\":7", "\"size\":16777217", "members[1].size", CVM_E_VALUE);
    expect_reject("\"fresh_report\":true", "\"fresh_report\":1", "nonce.fresh_report",
                  CVM_E_VALUE);
    expect_reject_range("\"custody\":{", "},\"format\"", "\"custody\":[],\"format\"", "custody",
                        CVM_E_VALUE);
    expect_reject("\"format\":\"cvm-evidence/bundle/v1\"", "\"format\":1", "format", CVM_E_VALUE);
    expect_reject_range("\"members\":[", "],\"nonce\"", "\"members\":{},\"nonce\"", "members",
                        CVM_E_VALUE);
    /* values */
    expect_reject("cvm-evidence/bundle/v1", "cvm-evidence/bundle/v2", "format", CVM_E_VALUE);
    expect_reject("\"sha256\":\"98f36e", "\"sha256\":\"98F36E", "members[0].sha256", CVM_E_VALUE);
    expect_reject("\"sha256\":\"98f36e", "\"sha256\":\"8f36e", "members[0].sha256", CVM_E_VALUE);
    expect_reject("\"binding\":\"e20b", "\"binding\":\"g20b", "binding", CVM_E_VALUE);
    expect_reject("\"hex\":\"0001", "\"hex\":\"01", "nonce.hex", CVM_E_VALUE);
    expect_reject("\"source\":\"auditor\"", "\"source\":\"self\"", "nonce.source", CVM_E_VALUE);
    expect_reject("01234567-89ab", "01234567-89AB", "bundle_id", CVM_E_VALUE);
    expect_reject("2026-11-28T06:00:00Z", "2026-11-28T06:00:00.1Z", "created", CVM_E_VALUE);
    expect_reject("2026-11-28T06:00:00Z", "2026-13-28T06:00:00Z", "created", CVM_E_VALUE);
    expect_reject("sha256:0,1,2", "sha256:0,2,1", "pcr_selection", CVM_E_VALUE);
    expect_reject("sha256:0,1,2", "sha256:0,01,2", "pcr_selection", CVM_E_VALUE);
    expect_reject("sha256:0,1,2", "md5:0,1,2", "pcr_selection", CVM_E_VALUE);
    expect_reject("sha256:0,1,2,3,4,5,6,7", "sha256:24", "pcr_selection", CVM_E_VALUE);
    expect_reject("sha256:0,1,2,3,4,5,6,7", "sha256:0+sha256:1", "pcr_selection", CVM_E_VALUE);
    expect_reject("\"name\":\"cvm-collect\"", "\"name\":\"\"", "collector.name", CVM_E_VALUE);
    /* closed schema */
    expect_reject("\"binding\":", "\"aaa\":\"x\",\"binding\":", "aaa", CVM_E_VALUE);
    expect_reject("\"case_id\":\"CASE-1\",", "", "custody.case_id", CVM_E_VALUE);
    expect_reject("\"note\":", "\"notes\":\"\",\"note\":", "custody.notes", CVM_E_VALUE);
    expect_reject("\"role\":\"tpm.ak_public\",", "", "members[0].role", CVM_E_VALUE);
    /* members: order, duplicates, roles, membership */
    expect_reject("\"name\":\"akpub.pem\"", "\"name\":\"aa.pem\"", "members[1].name", CVM_E_VALUE);
    expect_reject("\"name\":\"akpub.pem\"", "\"name\":\"ak.pub\"", "members[1].name", CVM_E_VALUE);
    /* the first two members swapped */
    expect_reject_range(
        "{\"name\":\"ak.pub\"", "\"size\":7}",
        "{\"name\":\"akpub.pem\",\"role\":\"tpm.ak_pem\",\"sha256\":"
        "\"3c3e60e9e8f2b4d7f1799cf62fdd2cefc5d4311b43401f7dcd7c29456ea886c1\",\"size\":7},"
        "{\"name\":\"ak.pub\",\"role\":\"tpm.ak_public\",\"sha256\":"
        "\"98f36ef851912c257748d7270a9d911ab3342e1c54756c56f23d41219772cc50\",\"size\":16}",
        "members[1].name", CVM_E_VALUE);
    expect_reject("\"name\":\"ak.pub\",\"role\":\"tpm.ak_public\"",
                  "\"name\":\"ak.pub\",\"role\":\"tpm.ak_pem\"", "members[0].role", CVM_E_VALUE);
    expect_reject("\"name\":\"ak.pub\",\"role\":\"tpm.ak_public\"",
                  "\"name\":\"aa.bin\",\"role\":\"tpm.ak_public\"", "members[0].name",
                  CVM_E_VALUE);
    expect_reject("\"name\":\"vcek.pem\",\"role\":\"amd.vcek_chain\"",
                  "\"name\":\"seal.msg\",\"role\":\"tpm.seal_msg\"", "members[8].name",
                  CVM_E_VALUE);
    expect_reject("\"name\":\"ak.pub\"", "\"name\":\"../ak.pub\"", "members[0].name", CVM_E_VALUE);
    expect_reject_range("\"members\":[", "],\"nonce\"", "\"members\":[],\"nonce\"", "members",
                        CVM_E_VALUE);
    /* not canonical: whitespace, escapes, key order, trailing newline */
    expect_reject("\"format\":", "\"format\": ", "canonical form", CVM_E_VALUE);
    expect_reject("Zo\\u00eb", "Zo\\u00EB", "canonical form", CVM_E_VALUE);
    expect_reject("Zo\\u00eb", "Zo\xc3\xab", "canonical form", CVM_E_VALUE);
    expect_reject("CASE-1", "CASE\\u002d1", "canonical form", CVM_E_VALUE);
    expect_reject("cvm-evidence/bundle/v1", "cvm-evidence\\/bundle\\/v1", "canonical form",
                  CVM_E_VALUE);
    expect_reject("\"name\":\"cvm-collect\",\"version\":\"1.0.0\"",
                  "\"version\":\"1.0.0\",\"name\":\"cvm-collect\"", "canonical form",
                  CVM_E_VALUE);
    expect_reject("\"pcr_selection\":\"sha256:0,1,2,3,4,5,6,7\"}",
                  "\"pcr_selection\":\"sha256:0,1,2,3,4,5,6,7\"}\n", "canonical form",
                  CVM_E_VALUE);
}

static void t_noncanonical_offset(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = vec_bytes(&n);
    uint8_t *x = malloc(n + 1);
    /* a space right after the first '{' */
    x[0] = '{';
    x[1] = ' ';
    memcpy(x + 2, b + 1, n - 1);
    cvm_manifest m;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_manifest_parse(x, n + 1, NULL, &m, &e), CVM_E_VALUE);
    assert_int_equal(e.offset, 1);
    free(x);
    free(b);
}

static int parse_cb(const uint8_t *p, size_t n, void *ctx)
{
    (void)ctx;
    cvm_manifest m;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_manifest_parse(p, n, "manifest.json", &m, &e);
    cvm_manifest_free(&m);
    return rc;
}

static void t_truncations(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = vec_bytes(&n);
    cvm_test_truncations(b, n, parse_cb, NULL);
    free(b);
}

/* Property: an accepted manifest is canonical (write(parse(x)) == x). */
static void t_mutations(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = vec_bytes(&n);
    uint8_t *x = malloc(n);
    uint32_t seed = 777;
    int accepted = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(x, b, n);
        seed = seed * 1103515245u + 12345u;
        size_t pos = (seed >> 8) % n;
        seed = seed * 1103515245u + 12345u;
        static const char pick[] = "0a\\\"{}[],:9fz";
        x[pos] = (it & 1) ? (uint8_t)(seed >> 16)
                          : (uint8_t)pick[(seed >> 16) % (sizeof(pick) - 1)];
        cvm_manifest m;
        cvm_err e;
        cvm_err_clear(&e);
        if (cvm_manifest_parse(x, n, "m.json", &m, &e) != CVM_OK) {
            assert_int_not_equal(e.code, 0);
            continue;
        }
        accepted++;
        cvm_wr w;
        cvm_wr_init(&w);
        assert_int_equal(cvm_manifest_write(&m, &w, &e), CVM_OK);
        if (w.len != n || memcmp(w.p, x, n) != 0)
            fail_msg("mutation at %zu accepted but not canonical", pos);
        cvm_wr_free(&w);
        cvm_manifest_free(&m);
    }
    print_message("  %d of 3000 mutations accepted (all canonical)\n", accepted);
    assert_true(accepted > 0);
    free(x);
    free(b);
}

static void t_escapes_match_python(void **state)
{
    (void)state;
    /* the string Python's json.dumps(ensure_ascii=True) writes as
     * "a\"b\\c/\u0001\u007f\n\t\b\f\r\ud83d\ude00\u00e9" */
    const char s[] = "a\"b\\c/\x01\x7f\n\t\b\f\r\xf0\x9f\x98\x80\xc3\xa9";
    json_t *j = json_stringn(s, sizeof(s) - 1);
    assert_non_null(j);
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_json_canonical(j, &w), CVM_OK);
    const char want[] = "\"a\\\"b\\\\c/\\u0001\\u007f\\n\\t\\b\\f\\r\\ud83d\\ude00\\u00e9\"";
    assert_int_equal(w.len, sizeof(want) - 1);
    assert_memory_equal(w.p, want, w.len);
    cvm_wr_free(&w);
    json_decref(j);
    /* reals and null are refused */
    json_t *r = json_pack("{s:f}", "x", 1.5);
    cvm_wr_init(&w);
    assert_int_equal(cvm_json_canonical(r, &w), CVM_E_VALUE);
    cvm_wr_free(&w);
    json_decref(r);
    r = json_pack("[n]");
    cvm_wr_init(&w);
    assert_int_equal(cvm_json_canonical(r, &w), CVM_E_VALUE);
    cvm_wr_free(&w);
    json_decref(r);
}

static void t_writer_validates(void **state)
{
    (void)state;
    cvm_manifest m;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(vec_manifest(&m, &e), CVM_OK);
    cvm_wr w;
    cvm_wr_init(&w);
    free(m.created);
    m.created = strdup("yesterday");
    assert_int_equal(cvm_manifest_write(&m, &w, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "created");
    assert_int_equal(w.len, 0);
    free(m.created);
    m.created = NULL;
    cvm_err_clear(&e);
    assert_int_not_equal(cvm_manifest_write(&m, &w, &e), CVM_OK);
    assert_int_equal(w.len, 0);
    /* set_members refuses unknown names and skips non-manifested ones */
    cvm_member bad[1] = {{"evil.sh", (const uint8_t *)"x", 1}};
    cvm_err_clear(&e);
    assert_int_equal(cvm_manifest_set_members(&m, bad, 1, &e), CVM_E_VALUE);
    assert_string_equal(e.field, "evil.sh");
    cvm_member some[2] = {{"seal.msg", (const uint8_t *)"x", 1},
                          {"quote.sig", (const uint8_t *)"", 0}};
    assert_int_equal(cvm_manifest_set_members(&m, some, 2, &e), CVM_OK);
    assert_int_equal(m.n_members, 1);
    assert_string_equal(m.members[0].name, "quote.sig");
    assert_int_equal(m.members[0].size, 0);
    char hx[65];
    cvm_hex(m.members[0].sha256, 32, hx);
    assert_string_equal(hx, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cvm_wr_free(&w);
    cvm_manifest_free(&m);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_vector_matches_python), cmocka_unit_test(t_parse_fields_and_round_trip),
        cmocka_unit_test(t_rejects),               cmocka_unit_test(t_noncanonical_offset),
        cmocka_unit_test(t_truncations),           cmocka_unit_test(t_escapes_match_python),
        cmocka_unit_test(t_writer_validates),
        cmocka_unit_test(t_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
