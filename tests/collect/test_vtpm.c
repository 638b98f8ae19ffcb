/* collect/vtpm.c against a private swtpm provisioned like an Azure vTPM. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tss2/tss2_esys.h>

#include "harness.h"
#include "vtpm.h"

typedef struct fx {
    char dir[256];
    char tcti[300];
    uint8_t nv[2048];
} fx;

static const char *script(void) { return cvm_test_src("tests/collect/swtpm_env.sh"); }

static int setup(void **state)
{
    static fx f;
    memset(&f, 0, sizeof f);
    snprintf(f.dir, sizeof f.dir, "%s", cvm_test_tmpdir());
    for (size_t i = 0; i < sizeof f.nv; i++)
        f.nv[i] = (uint8_t)(i * 7 + 3);
    char path[400];
    snprintf(path, sizeof path, "%s/nv.bin", f.dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(f.nv, 1, sizeof f.nv, fp), sizeof f.nv);
    fclose(fp);
    assert_int_equal(cvm_test_sh("timeout 30 bash %s start %s/tpm %s >/dev/null", script(), f.dir, path), 0);
    snprintf(f.tcti, sizeof f.tcti, "swtpm:path=%s/tpm/sock", f.dir);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    cvm_test_sh("bash %s stop %s/tpm; rm -rf %s", script(), f->dir, f->dir);
    return 0;
}

static void t_bad_tcti(void **state)
{
    (void)state;
    cvm_vtpm *t = NULL;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_vtpm_open(&t, "swtpm:path=/nonexistent/cvm/sock", NULL, &err);
    assert_int_not_equal(rc, CVM_OK);
    assert_null(t);
    assert_non_null(strstr(err.msg, "cannot open the TPM"));
    assert_non_null(strstr(err.msg, "swtpm:path=/nonexistent/cvm/sock"));
}

static void t_nv(void **state)
{
    fx *f = *state;
    cvm_vtpm *t = NULL;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_vtpm_open(&t, f->tcti, NULL, &err), CVM_OK);
    size_t sz = 0;
    assert_int_equal(cvm_vtpm_nv_size(t, CVM_NV_HCL_REPORT, &sz, &err), CVM_OK);
    assert_int_equal(sz, 2048);
    uint8_t *buf = NULL;
    size_t len = 0;
    unsigned long before = cvm_vtpm_commands(t);
    assert_int_equal(cvm_vtpm_nv_read(t, CVM_NV_HCL_REPORT, &buf, &len, &err), CVM_OK);
    assert_int_equal(len, 2048);
    assert_memory_equal(buf, f->nv, 2048);
    free(buf);
    /* swtpm's NV buffer is 1024: ReadPublic (TR_FromTPMPublic) + NV_ReadPublic
     * + GetCapability + 2 reads */
    assert_int_equal(cvm_vtpm_commands(t) - before, 5);

    /* absent index */
    cvm_err_clear(&err);
    assert_int_not_equal(cvm_vtpm_nv_read(t, 0x01400009, &buf, &len, &err), CVM_OK);
    assert_true(cvm_vtpm_rc_is_absent(cvm_vtpm_last_rc(t)));
    assert_string_equal(err.field, "nv_index");

    /* user data: defined on first write, reused after */
    uint8_t ud[64];
    for (int i = 0; i < 64; i++)
        ud[i] = (uint8_t)(0xa0 + i);
    bool defined = false;
    cvm_err_clear(&err);
    assert_int_equal(cvm_vtpm_nv_write_user_data(t, CVM_NV_USER_DATA, ud, 64, &defined, &err), CVM_OK);
    assert_true(defined);
    ud[0] = 0x11;
    assert_int_equal(cvm_vtpm_nv_write_user_data(t, CVM_NV_USER_DATA, ud, 64, &defined, &err), CVM_OK);
    assert_false(defined);
    assert_int_equal(cvm_vtpm_nv_read(t, CVM_NV_USER_DATA, &buf, &len, &err), CVM_OK);
    assert_int_equal(len, 64);
    assert_memory_equal(buf, ud, 64);
    free(buf);
    cvm_vtpm_close(t);

    /* what an index defined but never written looks like (0x14a) */
    assert_int_equal(cvm_test_sh("TPM2TOOLS_TCTI=%s timeout 10 tpm2_nvdefine -Q 0x01400010 -C o -s 32 "
                                 "-a 'ownerread|ownerwrite'",
                                 f->tcti),
                     0);
    assert_int_equal(cvm_vtpm_open(&t, f->tcti, NULL, &err), CVM_OK);
    cvm_err_clear(&err);
    assert_int_not_equal(cvm_vtpm_nv_read(t, 0x01400010, &buf, &len, &err), CVM_OK);
    assert_int_equal(cvm_vtpm_last_rc(t) & 0xfff, 0x14a);
    assert_true(cvm_vtpm_rc_is_absent(cvm_vtpm_last_rc(t)));
    cvm_vtpm_close(t);
}

static void t_ak_pem_matches_tpm2_tools(void **state)
{
    fx *f = *state;
    cvm_vtpm *t = NULL;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_vtpm_open(&t, f->tcti, NULL, &err), CVM_OK);
    cvm_vtpm_ak ak;
    assert_int_equal(cvm_vtpm_ak_read(t, CVM_AK_HANDLE, &ak, &err), CVM_OK);
    assert_int_equal(ak.tpm2b_len, 282); /* Azure AK template, formats.md §5.5 */
    assert_int_equal(ak.pub.publicArea.objectAttributes, 0x00050472);
    /* absent AK */
    cvm_vtpm_ak other;
    cvm_err_clear(&err);
    assert_int_not_equal(cvm_vtpm_ak_read(t, 0x81000009, &other, &err), CVM_OK);
    assert_true(cvm_vtpm_rc_is_absent(cvm_vtpm_last_rc(t)));
    cvm_vtpm_close(t); /* one client at a time */

    char pem[400], tss[400];
    snprintf(pem, sizeof pem, "%s/tools.pem", f->dir);
    snprintf(tss, sizeof tss, "%s/tools.pub", f->dir);
    assert_int_equal(cvm_test_sh("TPM2TOOLS_TCTI=%s timeout 10 tpm2_readpublic -Q -c 0x81000003 -f pem -o %s",
                                 f->tcti, pem),
                     0);
    assert_int_equal(cvm_test_sh("TPM2TOOLS_TCTI=%s timeout 10 tpm2_readpublic -Q -c 0x81000003 -f tss -o %s",
                                 f->tcti, tss),
                     0);
    size_t n = 0;
    uint8_t *want = cvm_test_read(pem, &n);
    assert_int_equal(n, ak.pem_len);
    assert_memory_equal(want, ak.pem, n);
    free(want);
    want = cvm_test_read(tss, &n);
    assert_int_equal(n, ak.tpm2b_len);
    assert_memory_equal(want, ak.tpm2b, n);
    free(want);
    cvm_vtpm_ak_free(&ak);
}

static void t_pcrs_quote(void **state)
{
    fx *f = *state;
    cvm_vtpm *t = NULL;
    cvm_err err;
    cvm_err_clear(&err);
    TPML_PCR_SELECTION sel;
    cvm_pcr_selection fsel;
    assert_int_equal(cvm_pcr_selection_from_string("sha256:0-23", &fsel, &err), CVM_OK);
    assert_int_equal(cvm_vtpm_selection_from(&fsel, &sel), CVM_OK);
    assert_int_equal(cvm_vtpm_open(&t, f->tcti, NULL, &err), CVM_OK);

    uint8_t d[32];
    memset(d, 0x5a, sizeof d);
    assert_int_equal(cvm_vtpm_pcr_extend_sha256(t, 23, d, &err), CVM_OK);
    cvm_pcrs *pp = calloc(1, sizeof *pp);
    assert_non_null(pp);
    unsigned long before = cvm_vtpm_commands(t);
    assert_int_equal(cvm_vtpm_pcr_read(t, &fsel, pp, NULL, &err), CVM_OK);
    assert_int_equal(cvm_vtpm_commands(t) - before, 3); /* 8 per call */
    assert_int_equal(pp->n_values, 24);
    assert_int_equal(pp->n_blocks, 3);
    assert_int_equal(pp->block_counts[0], 8);
    assert_int_equal(pp->values[23].pcr, 23);
    assert_int_equal(pp->values[23].len, 32);
    uint8_t zero[32] = {0}, ff[32];
    memset(ff, 0xff, sizeof ff);
    assert_memory_equal(pp->values[16].bytes, zero, 32); /* PCR16 */
    assert_memory_equal(pp->values[17].bytes, ff, 32);   /* PCR17..22 are all ones */
    /* PCR23 = SHA-256(0^32 || 5a^32) */
    uint8_t cat[64], want23[64];
    memset(cat, 0, 32);
    memcpy(cat + 32, d, 32);
    size_t hl = sizeof want23;
    assert_int_equal(cvm_tpm_hash(TPM2_ALG_SHA256, cat, 64, want23, &hl), CVM_OK);
    assert_memory_equal(pp->values[23].bytes, want23, 32);

    uint8_t nonce[32];
    for (int i = 0; i < 32; i++)
        nonce[i] = (uint8_t)i;
    cvm_vtpm_quoted q;
    assert_int_equal(cvm_vtpm_quote(t, CVM_AK_HANDLE, &sel, nonce, sizeof nonce, &q, &err), CVM_OK);
    assert_int_equal(q.attest_len, 113 + 32);
    assert_int_equal(q.sig_len, 262);
    assert_int_equal(q.info.magic, TPM2_GENERATED_VALUE);
    assert_int_equal(q.info.extraData.size, 32);
    assert_memory_equal(q.info.extraData.buffer, nonce, 32);
    uint8_t pd[64];
    hl = sizeof pd;
    assert_int_equal(cvm_pcrs_digest(pp, CVM_TPM_ALG_SHA256, pd, &hl), CVM_OK);
    assert_memory_equal(q.info.attested.quote.pcrDigest.buffer, pd, 32);

    TPMS_TIME_INFO ti;
    assert_int_equal(cvm_vtpm_read_clock(t, &ti, &err), CVM_OK);
    /* an endorsement-hierarchy AK: the quote's clockInfo is in clear */
    assert_int_equal(q.info.clockInfo.resetCount, ti.clockInfo.resetCount);
    cvm_vtpm_close(t);

    /* tpm2_checkquote accepts the signature and nonce */
    char path[400];
    snprintf(path, sizeof path, "%s/q.msg", f->dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fwrite(q.attest, 1, q.attest_len, fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/q.sig", f->dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fwrite(q.sig, 1, q.sig_len, fp);
    fclose(fp);
    char hex[65];
    cvm_hex(nonce, 32, hex);
    assert_int_equal(cvm_test_sh("cd %s && TPM2TOOLS_TCTI=%s timeout 10 tpm2_readpublic -Q -c 0x81000003 -f pem "
                                 "-o ak.pem && timeout 10 tpm2_checkquote -u ak.pem -m q.msg -s q.sig -g sha256 "
                                 "-q %s >/dev/null",
                                 f->dir, f->tcti, hex),
                     0);
    hex[0] = hex[0] == '0' ? '1' : '0';
    assert_int_not_equal(cvm_test_sh("cd %s && timeout 10 tpm2_checkquote -u ak.pem -m q.msg -s q.sig -g sha256 "
                                     "-q %s >/dev/null 2>&1",
                                     f->dir, hex),
                         0);
    cvm_vtpm_quote_free(&q);
    free(pp);
}

static void t_selection_convert(void **state)
{
    (void)state;
    cvm_pcr_selection f;
    TPML_PCR_SELECTION s;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_pcr_selection_from_string("sha256:0,1,7,14-15,23+sha1:2", &f, &err), CVM_OK);
    assert_int_equal(cvm_vtpm_selection_from(&f, &s), CVM_OK);
    assert_int_equal(s.count, 2);
    assert_int_equal(s.pcrSelections[0].hash, TPM2_ALG_SHA256);
    assert_int_equal(s.pcrSelections[0].sizeofSelect, 3);
    assert_int_equal(s.pcrSelections[0].pcrSelect[0], 0x83);
    assert_int_equal(s.pcrSelections[0].pcrSelect[1], 0xc0);
    assert_int_equal(s.pcrSelections[0].pcrSelect[2], 0x80);
    assert_int_equal(s.pcrSelections[1].hash, TPM2_ALG_SHA1);
    assert_int_equal(s.pcrSelections[1].pcrSelect[0], 0x04);
    f.count = 0;
    assert_int_not_equal(cvm_vtpm_selection_from(&f, &s), CVM_OK);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_bad_tcti),
        cmocka_unit_test(t_selection_convert),
        cmocka_unit_test_setup_teardown(t_nv, setup, teardown),
        cmocka_unit_test_setup_teardown(t_ak_pem_matches_tpm2_tools, setup, teardown),
        cmocka_unit_test_setup_teardown(t_pcrs_quote, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
