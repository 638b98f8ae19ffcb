/* ESAPI over a TCTI string (c-apis.md §4). A thin proxy TCTI sits between
 * ESAPI and the real one: it counts commands exactly (ESAPI issues hidden
 * ReadPublic calls), traces them with --verbose, and bounds how long we wait
 * for a response so a wedged TPM becomes an error instead of a hang. */
#include "vtpm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "buf.h"

/* How long one TPM command may take before we give up (a vTPM answers in
 * milliseconds; RSA key generation on a slow TPM can take seconds). */
#define VTPM_CMD_DEADLINE_MS 60000
#define VTPM_RECV_SLICE_MS 1000

typedef struct proxy_tcti {
    TSS2_TCTI_CONTEXT_COMMON_V2 common; /* must be first: ESAPI casts */
    TSS2_TCTI_CONTEXT *inner;
    unsigned long commands;
    FILE *trace;
    uint32_t last_cc;
} proxy_tcti;

struct cvm_vtpm {
    proxy_tcti proxy;
    TSS2_TCTI_CONTEXT *inner;
    ESYS_CONTEXT *esys;
    uint32_t last_rc;
    uint32_t nv_buffer_max; /* 0 until asked */
    /* ESYS_TR of the AK, looked up once (each lookup costs a ReadPublic) */
    uint32_t ak_handle;
    ESYS_TR ak_tr;
};

static int ak_tr(cvm_vtpm *t, uint32_t handle, ESYS_TR *out, cvm_err *err);

#define PROXY_MAGIC 0x637663746963ull /* "cvctic" */

static proxy_tcti *proxy_of(TSS2_TCTI_CONTEXT *c) { return (proxy_tcti *)c; }

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static TSS2_RC proxy_transmit(TSS2_TCTI_CONTEXT *c, size_t size, const uint8_t *cmd)
{
    proxy_tcti *p = proxy_of(c);
    p->commands++;
    p->last_cc = 0;
    if (size >= 10)
        p->last_cc = (uint32_t)cmd[6] << 24 | (uint32_t)cmd[7] << 16 | (uint32_t)cmd[8] << 8 | cmd[9];
    return Tss2_Tcti_Transmit(p->inner, size, cmd);
}

static TSS2_RC proxy_receive(TSS2_TCTI_CONTEXT *c, size_t *size, uint8_t *resp, int32_t timeout)
{
    proxy_tcti *p = proxy_of(c);
    /* ESAPI asks with a NULL buffer first to learn the size; pass that
     * through unchanged. Otherwise block in slices up to the deadline. */
    uint64_t deadline = now_ms() + VTPM_CMD_DEADLINE_MS;
    TSS2_RC rc;
    for (;;) {
        int32_t slice = timeout;
        if (timeout == TSS2_TCTI_TIMEOUT_BLOCK || timeout > VTPM_RECV_SLICE_MS)
            slice = VTPM_RECV_SLICE_MS;
        rc = Tss2_Tcti_Receive(p->inner, size, resp, slice);
        if ((rc & 0xffff) != TSS2_BASE_RC_TRY_AGAIN)
            break;
        if (timeout != TSS2_TCTI_TIMEOUT_BLOCK && timeout <= VTPM_RECV_SLICE_MS)
            break;
        if (now_ms() >= deadline) {
            rc = TSS2_TCTI_RC_IO_ERROR;
            if (p->trace)
                fprintf(p->trace, "tpm: no response to command 0x%08x within %d s\n", p->last_cc,
                        VTPM_CMD_DEADLINE_MS / 1000);
            break;
        }
    }
    if (p->trace && resp && rc == TSS2_RC_SUCCESS && *size >= 10) {
        uint32_t trc = (uint32_t)resp[6] << 24 | (uint32_t)resp[7] << 16 | (uint32_t)resp[8] << 8 | resp[9];
        fprintf(p->trace, "tpm: #%lu cc=0x%08x rc=0x%03x\n", p->commands, p->last_cc, trc);
    }
    return rc;
}

static void proxy_finalize(TSS2_TCTI_CONTEXT *c) { (void)c; /* the inner one is finalized by us */ }

static TSS2_RC proxy_cancel(TSS2_TCTI_CONTEXT *c) { return Tss2_Tcti_Cancel(proxy_of(c)->inner); }

static TSS2_RC proxy_poll(TSS2_TCTI_CONTEXT *c, TSS2_TCTI_POLL_HANDLE *h, size_t *n)
{
    return Tss2_Tcti_GetPollHandles(proxy_of(c)->inner, h, n);
}

static TSS2_RC proxy_locality(TSS2_TCTI_CONTEXT *c, uint8_t loc)
{
    return Tss2_Tcti_SetLocality(proxy_of(c)->inner, loc);
}

static TSS2_RC proxy_sticky(TSS2_TCTI_CONTEXT *c, TPM2_HANDLE *h, uint8_t sticky)
{
    proxy_tcti *p = proxy_of(c);
    if (TSS2_TCTI_VERSION(p->inner) < 2)
        return TSS2_TCTI_RC_NOT_IMPLEMENTED;
    return Tss2_Tcti_MakeSticky(p->inner, h, sticky);
}

static int tss_fail(cvm_vtpm *t, cvm_err *err, TSS2_RC rc, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int tss_fail(cvm_vtpm *t, cvm_err *err, TSS2_RC rc, const char *field, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (t)
        t->last_rc = rc;
    /* Tss2_RC_Decode returns a thread-local buffer: format it right away */
    return cvm_err_set(err, CVM_E_IO, "tpm", field, CVM_NO_OFFSET, "%s: 0x%x %s", what, (unsigned)rc,
                       Tss2_RC_Decode(rc));
}

uint32_t cvm_vtpm_last_rc(const cvm_vtpm *t) { return t ? t->last_rc : 0; }
unsigned long cvm_vtpm_commands(const cvm_vtpm *t) { return t ? t->proxy.commands : 0; }

bool cvm_vtpm_rc_is_absent(uint32_t rc)
{
    if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER && (rc & TSS2_RC_LAYER_MASK) != TSS2_RESMGR_TPM_RC_LAYER)
        return false;
    uint32_t r = rc & 0xffff;
    if (r == TPM2_RC_NV_UNINITIALIZED)
        return true;
    /* format-1 errors: handle/parameter number in bits 8..11, error in 0..5 */
    if (r & TPM2_RC_FMT1)
        return (r & 0x3f) == (TPM2_RC_HANDLE & 0x3f);
    return false;
}

int cvm_vtpm_open(cvm_vtpm **out, const char *tcti, FILE *trace, cvm_err *err)
{
    *out = NULL;
    if (!tcti)
        tcti = CVM_DEFAULT_TCTI;
    cvm_vtpm *t = calloc(1, sizeof *t);
    if (!t)
        return cvm_err_set(err, CVM_E_NOMEM, "tpm", "context", CVM_NO_OFFSET, "out of memory");
    TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti, &t->inner);
    if (rc != TSS2_RC_SUCCESS) {
        int e = tss_fail(t, err, rc, "tcti",
                         "cannot open the TPM via TCTI \"%s\" (device missing, no permission or busy?)", tcti);
        free(t);
        return e;
    }
    t->ak_tr = ESYS_TR_NONE;
    proxy_tcti *p = &t->proxy;
    p->common.v1.magic = PROXY_MAGIC;
    p->common.v1.version = 2;
    p->common.v1.transmit = proxy_transmit;
    p->common.v1.receive = proxy_receive;
    p->common.v1.finalize = proxy_finalize;
    p->common.v1.cancel = proxy_cancel;
    p->common.v1.getPollHandles = proxy_poll;
    p->common.v1.setLocality = proxy_locality;
    p->common.makeSticky = proxy_sticky;
    p->inner = t->inner;
    p->trace = trace;
    rc = Esys_Initialize(&t->esys, (TSS2_TCTI_CONTEXT *)p, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        int e = tss_fail(t, err, rc, "esys", "cannot initialise ESAPI over \"%s\"", tcti);
        Tss2_TctiLdr_Finalize(&t->inner);
        free(t);
        return e;
    }
    *out = t;
    return CVM_OK;
}

void cvm_vtpm_close(cvm_vtpm *t)
{
    if (!t)
        return;
    if (t->esys)
        Esys_Finalize(&t->esys);
    if (t->inner)
        Tss2_TctiLdr_Finalize(&t->inner);
    free(t);
}

static int nv_handle(cvm_vtpm *t, uint32_t index, ESYS_TR *tr, TPM2B_NV_PUBLIC **pub, cvm_err *err)
{
    TSS2_RC rc = Esys_TR_FromTPMPublic(t->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, tr);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(t, err, rc, "nv_index", "NV index 0x%08x is not readable", index);
    if (!pub)
        return CVM_OK;
    TPM2B_NAME *name = NULL;
    rc = Esys_NV_ReadPublic(t->esys, *tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, pub, &name);
    Esys_Free(name);
    if (rc != TSS2_RC_SUCCESS) {
        Esys_TR_Close(t->esys, tr);
        return tss_fail(t, err, rc, "nv_public", "NV_ReadPublic of 0x%08x failed", index);
    }
    return CVM_OK;
}

int cvm_vtpm_nv_size(cvm_vtpm *t, uint32_t index, size_t *size, cvm_err *err)
{
    ESYS_TR tr;
    TPM2B_NV_PUBLIC *pub = NULL;
    int e = nv_handle(t, index, &tr, &pub, err);
    if (e)
        return e;
    *size = pub->nvPublic.dataSize;
    Esys_Free(pub);
    Esys_TR_Close(t->esys, &tr);
    return CVM_OK;
}

static uint32_t nv_chunk(cvm_vtpm *t)
{
    if (t->nv_buffer_max)
        return t->nv_buffer_max;
    uint32_t chunk = 512; /* conservative if the TPM does not say */
    TPMI_YES_NO more = 0;
    TPMS_CAPABILITY_DATA *cap = NULL;
    TSS2_RC rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_TPM_PROPERTIES,
                                    TPM2_PT_NV_BUFFER_MAX, 1, &more, &cap);
    if (rc == TSS2_RC_SUCCESS && cap && cap->data.tpmProperties.count >= 1 &&
        cap->data.tpmProperties.tpmProperty[0].property == TPM2_PT_NV_BUFFER_MAX &&
        cap->data.tpmProperties.tpmProperty[0].value > 0)
        chunk = cap->data.tpmProperties.tpmProperty[0].value;
    Esys_Free(cap);
    if (chunk > TPM2_MAX_NV_BUFFER_SIZE)
        chunk = TPM2_MAX_NV_BUFFER_SIZE;
    t->nv_buffer_max = chunk;
    return chunk;
}

int cvm_vtpm_nv_read(cvm_vtpm *t, uint32_t index, uint8_t **out, size_t *len, cvm_err *err)
{
    *out = NULL;
    *len = 0;
    ESYS_TR tr;
    TPM2B_NV_PUBLIC *pub = NULL;
    int e = nv_handle(t, index, &tr, &pub, err);
    if (e)
        return e;
    size_t size = pub->nvPublic.dataSize;
    TPMA_NV attrs = pub->nvPublic.attributes;
    Esys_Free(pub);
    uint32_t chunk = nv_chunk(t);
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        Esys_TR_Close(t->esys, &tr);
        return cvm_err_set(err, CVM_E_NOMEM, "tpm", "nv_read", CVM_NO_OFFSET, "out of memory");
    }
    /* Owner auth first (what Azure's tools use); the index's own auth when
     * the owner cannot read it. */
    ESYS_TR auth = (attrs & TPMA_NV_OWNERREAD) ? ESYS_TR_RH_OWNER : tr;
    size_t off = 0;
    while (off < size) {
        uint16_t n = (uint16_t)(size - off < chunk ? size - off : chunk);
        TPM2B_MAX_NV_BUFFER *data = NULL;
        TSS2_RC rc = Esys_NV_Read(t->esys, auth, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n,
                                  (uint16_t)off, &data);
        if (rc != TSS2_RC_SUCCESS && off == 0 && auth == ESYS_TR_RH_OWNER && (attrs & TPMA_NV_AUTHREAD)) {
            auth = tr;
            rc = Esys_NV_Read(t->esys, auth, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, n, (uint16_t)off,
                              &data);
        }
        if (rc != TSS2_RC_SUCCESS || !data || data->size != n) {
            Esys_Free(data);
            free(buf);
            Esys_TR_Close(t->esys, &tr);
            if (rc == TSS2_RC_SUCCESS)
                return cvm_err_set(err, CVM_E_IO, "tpm", "nv_read", off,
                                   "NV_Read of 0x%08x returned a short chunk", index);
            return tss_fail(t, err, rc, "nv_read", "NV_Read of 0x%08x (%u bytes at offset %zu) failed", index, n,
                            off);
        }
        memcpy(buf + off, data->buffer, n);
        Esys_Free(data);
        off += n;
    }
    Esys_TR_Close(t->esys, &tr);
    *out = buf;
    *len = size;
    return CVM_OK;
}

static int nv_define_user_data(cvm_vtpm *t, uint32_t index, ESYS_TR *tr, cvm_err *err)
{
    TPM2B_AUTH auth = {.size = 0};
    TPM2B_NV_PUBLIC pub = {
        .nvPublic =
            {
                .nvIndex = index,
                .nameAlg = TPM2_ALG_SHA256,
                .attributes = TPMA_NV_OWNERREAD | TPMA_NV_OWNERWRITE | TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE,
                .authPolicy = {.size = 0},
                .dataSize = CVM_USER_DATA_SIZE,
            },
    };
    TSS2_RC rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                     &auth, &pub, tr);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(t, err, rc, "nv_define", "cannot define NV index 0x%08x (owner auth)", index);
    return CVM_OK;
}

int cvm_vtpm_nv_write_user_data(cvm_vtpm *t, uint32_t index, const uint8_t *data, size_t len, bool *defined,
                                cvm_err *err)
{
    *defined = false;
    if (len > CVM_USER_DATA_SIZE)
        return cvm_err_set(err, CVM_E_LIMIT, "tpm", "user_data", CVM_NO_OFFSET, "%zu bytes > %u", len,
                           CVM_USER_DATA_SIZE);
    ESYS_TR tr = ESYS_TR_NONE;
    TPM2B_NV_PUBLIC *pub = NULL;
    TSS2_RC rc = Esys_TR_FromTPMPublic(t->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &tr);
    if (rc == TSS2_RC_SUCCESS) {
        TPM2B_NAME *name = NULL;
        rc = Esys_NV_ReadPublic(t->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
        Esys_Free(name);
        if (rc != TSS2_RC_SUCCESS) {
            Esys_TR_Close(t->esys, &tr);
            return tss_fail(t, err, rc, "nv_public", "NV_ReadPublic of 0x%08x failed", index);
        }
        bool ok = pub->nvPublic.dataSize >= len && (pub->nvPublic.attributes & TPMA_NV_OWNERREAD) &&
                  (pub->nvPublic.attributes & TPMA_NV_OWNERWRITE) &&
                  ((pub->nvPublic.attributes & TPMA_NV_TPM2_NT_MASK) >> TPMA_NV_TPM2_NT_SHIFT) == TPM2_NT_ORDINARY;
        Esys_Free(pub);
        if (!ok) {
            /* OpenHCL reads it with owner auth; an index it cannot read
             * makes the refresh fail, so replace it. */
            rc = Esys_NV_UndefineSpace(t->esys, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
            if (rc != TSS2_RC_SUCCESS) {
                Esys_TR_Close(t->esys, &tr);
                return tss_fail(t, err, rc, "nv_undefine",
                                "NV index 0x%08x has the wrong size or attributes and cannot be replaced", index);
            }
            tr = ESYS_TR_NONE;
        }
    } else if (cvm_vtpm_rc_is_absent(rc)) {
        tr = ESYS_TR_NONE;
    } else {
        return tss_fail(t, err, rc, "nv_index", "cannot look up NV index 0x%08x", index);
    }
    if (tr == ESYS_TR_NONE) {
        int e = nv_define_user_data(t, index, &tr, err);
        if (e)
            return e;
        *defined = true;
    }
    TPM2B_MAX_NV_BUFFER buf = {.size = (uint16_t)len};
    memcpy(buf.buffer, data, len);
    rc = Esys_NV_Write(t->esys, ESYS_TR_RH_OWNER, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &buf, 0);
    Esys_TR_Close(t->esys, &tr);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(t, err, rc, "nv_write", "NV_Write of %zu bytes to 0x%08x failed", len, index);
    return CVM_OK;
}

static bool selection_empty(const TPML_PCR_SELECTION *sel)
{
    for (uint32_t i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++)
        for (unsigned j = 0; j < sel->pcrSelections[i].sizeofSelect && j < TPM2_PCR_SELECT_MAX; j++)
            if (sel->pcrSelections[i].pcrSelect[j])
                return false;
    return true;
}

int cvm_vtpm_pcr_read(cvm_vtpm *t, const cvm_pcr_selection *sel, cvm_pcrs *out, uint32_t *update_counter,
                      cvm_err *err)
{
    int e = cvm_pcrs_init(out, sel, err);
    if (e)
        return e;
    if (out->n_values == 0)
        return cvm_err_set(err, CVM_E_VALUE, "tpm", "pcr_selection", CVM_NO_OFFSET, "empty PCR selection");
    TPML_PCR_SELECTION left;
    if (cvm_vtpm_selection_from(sel, &left))
        return cvm_err_set(err, CVM_E_VALUE, "tpm", "pcr_selection", CVM_NO_OFFSET, "unusable PCR selection");
    /* values are matched to their (bank, PCR) slot, so the result is in
     * selection order whatever order the TPM answers in */
    bool have[CVM_PCRS_MAX_VALUES] = {false};
    size_t filled = 0;
    out->n_blocks = 0;
    while (!selection_empty(&left)) {
        uint32_t counter = 0;
        TPML_PCR_SELECTION *got = NULL;
        TPML_DIGEST *dig = NULL;
        TSS2_RC rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &left, &counter, &got, &dig);
        if (rc != TSS2_RC_SUCCESS)
            return tss_fail(t, err, rc, "pcr_read", "PCR_Read failed");
        if (update_counter)
            *update_counter = counter;
        size_t k = 0;
        e = CVM_OK;
        for (uint32_t b = 0; !e && b < got->count && b < TPM2_NUM_PCR_BANKS; b++) {
            const TPMS_PCR_SELECTION *gs = &got->pcrSelections[b];
            for (unsigned pcr = 0; !e && pcr < (unsigned)gs->sizeofSelect * 8u && pcr < TPM2_PCR_SELECT_MAX * 8u;
                 pcr++) {
                if (!(gs->pcrSelect[pcr / 8] & (1u << (pcr % 8))))
                    continue;
                size_t slot = SIZE_MAX;
                for (size_t i = 0; i < out->n_values; i++)
                    if (out->values[i].alg == gs->hash && out->values[i].pcr == pcr && !have[i])
                        slot = i;
                const TPM2B_DIGEST *d = k < dig->count ? &dig->digests[k] : NULL;
                k++;
                if (slot == SIZE_MAX || !d || d->size != out->values[slot].len) {
                    const char *an = cvm_tpm_alg_name(gs->hash);
                    e = cvm_err_set(err, CVM_E_VALUE, "tpm", "pcr_read", CVM_NO_OFFSET,
                                    "PCR_Read returned %s PCR %u that was not asked for, twice, or with a bad size",
                                    an ? an : "?", pcr);
                    break;
                }
                memcpy(out->values[slot].bytes, d->buffer, d->size);
                have[slot] = true;
                filled++;
                for (uint32_t lb = 0; lb < left.count; lb++)
                    if (left.pcrSelections[lb].hash == gs->hash)
                        left.pcrSelections[lb].pcrSelect[pcr / 8] &= (uint8_t)~(1u << (pcr % 8));
            }
        }
        if (!e && (k == 0 || k != dig->count))
            e = cvm_err_set(err, CVM_E_VALUE, "tpm", "pcr_read", CVM_NO_OFFSET,
                            "PCR_Read made no progress or returned %u digests for %zu PCRs (bank not allocated?)",
                            (unsigned)dig->count, k);
        if (!e && out->n_blocks < CVM_PCRS_MAX_VALUES)
            out->block_counts[out->n_blocks++] = (uint8_t)k;
        Esys_Free(got);
        Esys_Free(dig);
        if (e)
            return e;
    }
    if (filled != out->n_values)
        return cvm_err_set(err, CVM_E_VALUE, "tpm", "pcr_read", CVM_NO_OFFSET, "%zu of %zu PCR values read",
                           filled, out->n_values);
    /* tpm2-tools blocks hold at most 8 digests (TPML_DIGEST); a TPM that
     * returned more per call would not fit, so let the writer regroup */
    for (size_t b = 0; b < out->n_blocks; b++)
        if (out->block_counts[b] > CVM_PCRS_DIGESTS_PER_BLOCK)
            out->n_blocks = 0;
    return CVM_OK;
}

int cvm_vtpm_pcr_extend_sha256(cvm_vtpm *t, unsigned pcr, const uint8_t digest[32], cvm_err *err)
{
    if (pcr > 23)
        return cvm_err_set(err, CVM_E_VALUE, "tpm", "pcr", CVM_NO_OFFSET, "PCR %u out of range", pcr);
    TPML_DIGEST_VALUES dv = {.count = 1};
    dv.digests[0].hashAlg = TPM2_ALG_SHA256;
    memcpy(dv.digests[0].digest.sha256, digest, 32);
    TSS2_RC rc = Esys_PCR_Extend(t->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &dv);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(t, err, rc, "pcr_extend", "PCR_Extend of PCR %u failed", pcr);
    return CVM_OK;
}

int cvm_vtpm_rsa_pem(const TPM2B_PUBLIC *pub, char **pem, size_t *pem_len, cvm_err *err)
{
    *pem = NULL;
    *pem_len = 0;
    const TPMT_PUBLIC *p = &pub->publicArea;
    if (p->type != TPM2_ALG_RSA)
        return cvm_err_set(err, CVM_E_UNSUPPORTED, "ak.pub", "type", CVM_NO_OFFSET,
                           "AK type 0x%04x is not RSA", p->type);
    const TPM2B_PUBLIC_KEY_RSA *n = &p->unique.rsa;
    if (n->size == 0 || n->size > sizeof n->buffer)
        return cvm_err_set(err, CVM_E_VALUE, "ak.pub", "unique.rsa", CVM_NO_OFFSET, "empty modulus");
    uint32_t exp = p->parameters.rsaDetail.exponent ? p->parameters.rsaDetail.exponent : 65537u;
    int rcode = CVM_E_SYNTAX;
    BIGNUM *bn = BN_bin2bn(n->buffer, n->size, NULL), *be = BN_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *prm = NULL;
    EVP_PKEY_CTX *pc = NULL;
    EVP_PKEY *pkey = NULL;
    BIO *bio = NULL;
    if (!bn || !be || !bld || !BN_set_word(be, exp) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) || !(prm = OSSL_PARAM_BLD_to_param(bld)) ||
        !(pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) || EVP_PKEY_fromdata_init(pc) <= 0 ||
        EVP_PKEY_fromdata(pc, &pkey, EVP_PKEY_PUBLIC_KEY, prm) <= 0 || !(bio = BIO_new(BIO_s_mem())) ||
        !PEM_write_bio_PUBKEY(bio, pkey)) {
        cvm_err_set(err, CVM_E_SYNTAX, "ak.pub", "unique.rsa", CVM_NO_OFFSET,
                    "cannot build an RSA public key from the AK");
        goto out;
    }
    char *data = NULL;
    long dlen = BIO_get_mem_data(bio, &data);
    if (dlen <= 0 || !(*pem = malloc((size_t)dlen + 1))) {
        rcode = cvm_err_set(err, CVM_E_NOMEM, "ak.pub", "pem", CVM_NO_OFFSET, "out of memory");
        goto out;
    }
    memcpy(*pem, data, (size_t)dlen);
    (*pem)[dlen] = '\0';
    *pem_len = (size_t)dlen;
    rcode = CVM_OK;
out:
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(prm);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    return rcode;
}

static int ak_tr(cvm_vtpm *t, uint32_t handle, ESYS_TR *out, cvm_err *err)
{
    if (t->ak_tr != ESYS_TR_NONE && t->ak_handle == handle) {
        *out = t->ak_tr;
        return CVM_OK;
    }
    if (t->ak_tr != ESYS_TR_NONE)
        Esys_TR_Close(t->esys, &t->ak_tr);
    t->ak_tr = ESYS_TR_NONE;
    TSS2_RC rc = Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, out);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(t, err, rc, "ak", "no key at persistent handle 0x%08x", handle);
    t->ak_tr = *out;
    t->ak_handle = handle;
    return CVM_OK;
}

int cvm_vtpm_ak_read(cvm_vtpm *t, uint32_t handle, cvm_vtpm_ak *out, cvm_err *err)
{
    memset(out, 0, sizeof *out);
    ESYS_TR ak;
    int e0 = ak_tr(t, handle, &ak, err);
    if (e0)
        return e0;
    TPM2B_PUBLIC *pub = NULL;
    TPM2B_NAME *name = NULL, *qn = NULL;
    TSS2_RC rc = Esys_ReadPublic(t->esys, ak, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name, &qn);
    Esys_Free(name);
    Esys_Free(qn);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(t, err, rc, "ak", "ReadPublic of 0x%08x failed", handle);
    out->pub = *pub;
    Esys_Free(pub);
    uint8_t tmp[sizeof(TPM2B_PUBLIC) + 8];
    size_t off = 0;
    rc = Tss2_MU_TPM2B_PUBLIC_Marshal(&out->pub, tmp, sizeof tmp, &off);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(t, err, rc, "ak.pub", "cannot marshal the AK's TPM2B_PUBLIC");
    if (!(out->tpm2b = malloc(off)))
        return cvm_err_set(err, CVM_E_NOMEM, "ak.pub", "tpm2b", CVM_NO_OFFSET, "out of memory");
    memcpy(out->tpm2b, tmp, off);
    out->tpm2b_len = off;
    int e = cvm_vtpm_rsa_pem(&out->pub, &out->pem, &out->pem_len, err);
    if (e) {
        cvm_vtpm_ak_free(out);
        return e;
    }
    return CVM_OK;
}

void cvm_vtpm_ak_free(cvm_vtpm_ak *ak)
{
    if (!ak)
        return;
    free(ak->tpm2b);
    free(ak->pem);
    ak->tpm2b = NULL;
    ak->pem = NULL;
}

int cvm_vtpm_quote(cvm_vtpm *t, uint32_t ak_handle, const TPML_PCR_SELECTION *sel, const uint8_t *qdata,
                   size_t qlen, cvm_vtpm_quoted *out, cvm_err *err)
{
    memset(out, 0, sizeof *out);
    if (qlen > sizeof(((TPM2B_DATA *)0)->buffer))
        return cvm_err_set(err, CVM_E_LIMIT, "tpm", "qualifying_data", CVM_NO_OFFSET, "%zu bytes is too long",
                           qlen);
    ESYS_TR ak;
    int e0 = ak_tr(t, ak_handle, &ak, err);
    if (e0)
        return e0;
    TPM2B_DATA qd = {.size = (uint16_t)qlen};
    if (qlen)
        memcpy(qd.buffer, qdata, qlen);
    TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_NULL}; /* the key's own scheme */
    TPM2B_ATTEST *quoted = NULL;
    TPMT_SIGNATURE *sig = NULL;
    TSS2_RC rc =
        Esys_Quote(t->esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qd, &scheme, sel, &quoted, &sig);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(t, err, rc, "quote", "TPM2_Quote with the AK at 0x%08x failed", ak_handle);
    int rcode = CVM_OK;
    uint8_t sbuf[sizeof(TPMT_SIGNATURE) + 8];
    size_t soff = 0, aoff = 0;
    rc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig, sbuf, sizeof sbuf, &soff);
    if (rc == TSS2_RC_SUCCESS)
        rc = Tss2_MU_TPMS_ATTEST_Unmarshal(quoted->attestationData, quoted->size, &aoff, &out->info);
    if (rc != TSS2_RC_SUCCESS || aoff != quoted->size) {
        rcode = rc ? tss_fail(t, err, rc, "quote", "cannot (un)marshal the quote")
                   : cvm_err_set(err, CVM_E_TRAILING, "quote.msg", "attest", aoff, "trailing bytes");
        goto out;
    }
    out->attest = malloc(quoted->size);
    out->sig = malloc(soff);
    if (!out->attest || !out->sig) {
        rcode = cvm_err_set(err, CVM_E_NOMEM, "tpm", "quote", CVM_NO_OFFSET, "out of memory");
        goto out;
    }
    memcpy(out->attest, quoted->attestationData, quoted->size);
    out->attest_len = quoted->size;
    memcpy(out->sig, sbuf, soff);
    out->sig_hash = sig->signature.any.hashAlg;
    out->sig_len = soff;
out:
    Esys_Free(quoted);
    Esys_Free(sig);
    if (rcode)
        cvm_vtpm_quote_free(out);
    return rcode;
}

void cvm_vtpm_quote_free(cvm_vtpm_quoted *q)
{
    if (!q)
        return;
    free(q->attest);
    free(q->sig);
    q->attest = q->sig = NULL;
    q->attest_len = q->sig_len = 0;
}

int cvm_vtpm_read_clock(cvm_vtpm *t, TPMS_TIME_INFO *out, cvm_err *err)
{
    TPMS_TIME_INFO *ti = NULL;
    TSS2_RC rc = Esys_ReadClock(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &ti);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(t, err, rc, "read_clock", "ReadClock failed");
    *out = *ti;
    Esys_Free(ti);
    return CVM_OK;
}

int cvm_vtpm_selection_from(const cvm_pcr_selection *s, TPML_PCR_SELECTION *t)
{
    memset(t, 0, sizeof *t);
    if (s->count == 0 || s->count > TPM2_NUM_PCR_BANKS)
        return CVM_E_VALUE;
    t->count = s->count;
    for (uint32_t i = 0; i < s->count; i++) {
        if (s->sel[i].size_of_select > TPM2_PCR_SELECT_MAX)
            return CVM_E_VALUE;
        t->pcrSelections[i].hash = s->sel[i].hash;
        t->pcrSelections[i].sizeofSelect = s->sel[i].size_of_select;
        memcpy(t->pcrSelections[i].pcrSelect, s->sel[i].select, TPM2_PCR_SELECT_MAX);
    }
    return CVM_OK;
}
