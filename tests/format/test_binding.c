/* spec/bundle-v1.md §2, §5, §7: roles, binding and seal digests, checked
 * against literals and against an independent Python recomputation. */
#include "harness.h"

#include <stdio.h>

#include "binding.h"
#include "bundle_vector.h"

static void hexof(const uint8_t *p, size_t n, char *out) { cvm_hex(p, n, out); }

static void t_binding_literal(void **state)
{
    (void)state;
    uint8_t nonce[32], d[32];
    char hx[65];
    vec_nonce(nonce);
    assert_int_equal(cvm_binding_digest(nonce, 32, vec_members, VEC_N, d), CVM_OK);
    hexof(d, 32, hx);
    assert_string_equal(hx, VEC_BINDING);
}

static void t_binding_order_and_filter(void **state)
{
    (void)state;
    uint8_t nonce[32], d1[32], d2[32];
    vec_nonce(nonce);
    /* reversed input order: same digest */
    cvm_member rev[VEC_N];
    for (size_t i = 0; i < VEC_N; i++)
        rev[i] = vec_members[VEC_N - 1 - i];
    assert_int_equal(cvm_binding_digest(nonce, 32, rev, VEC_N, d1), CVM_OK);
    /* non-pre-quote members (quote.*, manifest, seal, reserved) do not count */
    cvm_member more[VEC_N + 4];
    memcpy(more, vec_members, sizeof(vec_members));
    more[VEC_N] = (cvm_member){"manifest.json", (const uint8_t *)"{}", 2};
    more[VEC_N + 1] = (cvm_member){"seal.msg", (const uint8_t *)"s", 1};
    more[VEC_N + 2] = (cvm_member){"seal.sig.tsr", (const uint8_t *)"t", 1};
    more[VEC_N + 3] = (cvm_member){"unknown.bin", (const uint8_t *)"u", 1};
    assert_int_equal(cvm_binding_digest(nonce, 32, more, VEC_N + 4, d2), CVM_OK);
    char h1[65], h2[65];
    hexof(d1, 32, h1);
    hexof(d2, 32, h2);
    assert_string_equal(h1, VEC_BINDING);
    assert_string_equal(h2, VEC_BINDING);
    /* changing a pre-quote member, the nonce, or dropping one changes it */
    cvm_member ch[VEC_N];
    memcpy(ch, vec_members, sizeof(ch));
    ch[0].data = (const uint8_t *)"HCL report bytez\n";
    assert_int_equal(cvm_binding_digest(nonce, 32, ch, VEC_N, d2), CVM_OK);
    assert_memory_not_equal(d1, d2, 32);
    nonce[31] ^= 1;
    assert_int_equal(cvm_binding_digest(nonce, 32, vec_members, VEC_N, d2), CVM_OK);
    assert_memory_not_equal(d1, d2, 32);
    nonce[31] ^= 1;
    assert_int_equal(cvm_binding_digest(nonce, 32, vec_members + 1, VEC_N - 1, d2), CVM_OK);
    assert_memory_not_equal(d1, d2, 32);
    /* a quote member's contents do not matter */
    memcpy(ch, vec_members, sizeof(ch));
    ch[6].data = (const uint8_t *)"other attest\n";
    assert_int_equal(cvm_binding_digest(nonce, 32, ch, VEC_N, d2), CVM_OK);
    assert_memory_equal(d1, d2, 32);
}

static void t_binding_rejects(void **state)
{
    (void)state;
    uint8_t nonce[33] = {0}, d[32];
    assert_int_equal(cvm_binding_digest(nonce, 31, vec_members, VEC_N, d), CVM_E_VALUE);
    assert_int_equal(cvm_binding_digest(nonce, 33, vec_members, VEC_N, d), CVM_E_VALUE);
    assert_int_equal(cvm_binding_digest(NULL, 32, vec_members, VEC_N, d), CVM_E_VALUE);
    cvm_member dup[2] = {vec_members[0], vec_members[0]};
    assert_int_equal(cvm_binding_digest(nonce, 32, dup, 2, d), CVM_E_VALUE);
}

static void t_roles(void **state)
{
    (void)state;
    assert_string_equal(cvm_member_role("report.bin"), "hcl.report");
    assert_string_equal(cvm_member_role("guest_report.bin"), "snp.report");
    assert_string_equal(cvm_member_role("quote.pcrs"), "tpm.quote_pcrs");
    assert_string_equal(cvm_member_role("seal.sig.tsr"), "sig.timestamp");
    assert_string_equal(cvm_member_role("manifest.json.p7s"), "sig.operator_cms");
    assert_null(cvm_member_role("x.tsr"));
    assert_null(cvm_member_role("seal.sig.tsr.tsr"));
    assert_null(cvm_member_role("Report.bin"));
    assert_null(cvm_member_role(""));
    assert_true(cvm_member_is_prequote("runtime.cel"));
    assert_true(cvm_member_is_prequote("ak.pub"));
    assert_false(cvm_member_is_prequote("quote.pcrs"));
    assert_false(cvm_member_is_prequote("manifest.json"));
    assert_false(cvm_member_is_prequote("seal.msg"));
    assert_true(cvm_member_is_manifested("quote.msg"));
    assert_false(cvm_member_is_manifested("seal.sig"));
    assert_true(cvm_member_is_required("seal.sig"));
    assert_false(cvm_member_is_required("eventlog.bin"));
    size_t k = 0;
    for (; cvm_member_required_names[k]; k++) {
        assert_true(cvm_member_is_required(cvm_member_required_names[k]));
        if (k)
            assert_true(strcmp(cvm_member_required_names[k - 1], cvm_member_required_names[k]) < 0);
    }
    assert_int_equal(k, 11);
}

/* Python recomputes the whole vector with hashlib/json only. */
static void t_python_independent(void **state)
{
    (void)state;
    if (cvm_test_sh("python3 -c 1 >/dev/null 2>&1") != 0) {
        print_message("SKIP: python3 not available (literals are still asserted)\n");
        skip();
    }
    const char *dir = cvm_test_tmpdir();
    assert_int_equal(cvm_test_sh("python3 '%s' '%s'", cvm_test_src("tests/format/bundle_vector.py"),
                                 dir), 0);
    char p[4200];
    size_t n;
    uint8_t nonce[32], d[32];
    char hx[129];
    vec_nonce(nonce);

    snprintf(p, sizeof(p), "%s/binding.hex", dir);
    uint8_t *b = cvm_test_read(p, &n);
    assert_int_equal(cvm_binding_digest(nonce, 32, vec_members, VEC_N, d), CVM_OK);
    hexof(d, 32, hx);
    assert_int_equal(n, 64);
    assert_memory_equal(b, hx, 64);
    free(b);

    snprintf(p, sizeof(p), "%s/manifest.json", dir);
    uint8_t *mj = cvm_test_read(p, &n);
    assert_int_equal(n, VEC_MANIFEST_LEN);
    assert_int_equal(cvm_seal_digest(mj, n, d), CVM_OK);
    hexof(d, 32, hx);
    assert_string_equal(hx, VEC_SEAL);
    snprintf(p, sizeof(p), "%s/seal.hex", dir);
    b = cvm_test_read(p, &n);
    assert_int_equal(n, 64);
    assert_memory_equal(b, hx, 64);
    free(b);
    free(mj);

    /* sha256sum, a third implementation of the seal recipe */
    assert_int_equal(cvm_test_sh("cd '%s' && test \"$( (printf 'cvm-evidence/seal/v1\\000'; cat "
                                 "manifest.json) | sha256sum | cut -c1-64)\" = %s",
                                 dir, VEC_SEAL), 0);

    snprintf(p, sizeof(p), "%s/user_data.hex", dir);
    b = cvm_test_read(p, &n);
    assert_int_equal(cvm_hcl_user_data(nonce, 32, (uint8_t[64]){0}), CVM_OK);
    uint8_t ud[64];
    assert_int_equal(cvm_hcl_user_data(nonce, 32, ud), CVM_OK);
    hexof(ud, 64, hx);
    assert_string_equal(hx, VEC_USER_DATA);
    assert_int_equal(n, 128);
    assert_memory_equal(b, hx, 128);
    free(b);
    cvm_test_sh("rm -rf '%s'", dir);
}

static void t_seal_literal(void **state)
{
    (void)state;
    /* from the manifest our own writer produces for the vector */
    cvm_manifest m;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(vec_manifest(&m, &e), CVM_OK);
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_manifest_write(&m, &w, &e), CVM_OK);
    assert_int_equal(w.len, VEC_MANIFEST_LEN);
    uint8_t d[32];
    char hx[65];
    assert_int_equal(cvm_seal_digest(w.p, w.len, d), CVM_OK);
    hexof(d, 32, hx);
    assert_string_equal(hx, VEC_SEAL);
    /* one changed byte changes the seal */
    w.p[w.len - 3] ^= 1;
    assert_int_equal(cvm_seal_digest(w.p, w.len, d), CVM_OK);
    hexof(d, 32, hx);
    assert_string_not_equal(hx, VEC_SEAL);
    cvm_wr_free(&w);
    cvm_manifest_free(&m);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_binding_literal),  cmocka_unit_test(t_binding_order_and_filter),
        cmocka_unit_test(t_binding_rejects),  cmocka_unit_test(t_roles),
        cmocka_unit_test(t_python_independent), cmocka_unit_test(t_seal_literal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
