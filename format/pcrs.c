/* tpm2-tools PCR value files (see pcrs.h). spec: formats.md §6, c-apis.md §6. */
#include "pcrs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void note_padding(cvm_pcrs *p, const cvm_rd *r, const uint8_t *v, size_t n, size_t abs)
{
    (void)r;
    if (p->nonzero_padding_at != CVM_NO_OFFSET)
        return;
    for (size_t i = 0; i < n; i++)
        if (v[i]) {
            p->nonzero_padding_at = abs + i;
            return;
        }
}

/* The 132-byte host-endian TPML_PCR_SELECTION. */
static int read_selection(cvm_rd *r, cvm_pcrs *p)
{
    char f[96];
    size_t at = cvm_rd_abs(r);
    uint32_t count;
    int rc = cvm_rd_u32le(r, "pcrSelections.count", &count);
    if (rc)
        return rc;
    if (count > CVM_TPM_PCR_BANKS_MAX)
        return cvm_rd_fail(r, CVM_E_LIMIT, "pcrSelections.count", at, "%u PCR banks, at most %d",
                           count, CVM_TPM_PCR_BANKS_MAX);
    p->selection.count = count;
    for (uint32_t i = 0; i < CVM_TPM_PCR_BANKS_MAX; i++) {
        cvm_pcr_bank_sel *b = &p->selection.sel[i];
        const uint8_t *entry;
        at = cvm_rd_abs(r);
        snprintf(f, sizeof(f), "pcrSelections[%u]", i);
        if ((rc = cvm_rd_view(r, f, 8, &entry)))
            return rc;
        if (i >= count) {
            note_padding(p, r, entry, 8, at);
            continue;
        }
        b->hash = (uint16_t)(entry[0] | entry[1] << 8);
        b->size_of_select = entry[2];
        snprintf(f, sizeof(f), "pcrSelections[%u].hash", i);
        if (!cvm_tpm_hash_len(b->hash))
            return cvm_rd_fail(r, CVM_E_UNSUPPORTED, f, at, "unknown hash algorithm 0x%04x", b->hash);
        for (uint32_t j = 0; j < i; j++)
            if (p->selection.sel[j].hash == b->hash)
                return cvm_rd_fail(r, CVM_E_VALUE, f, at, "bank %s selected twice",
                                   cvm_tpm_alg_name(b->hash));
        snprintf(f, sizeof(f), "pcrSelections[%u].sizeofSelect", i);
        if (b->size_of_select > CVM_TPM_PCR_SELECT_MAX)
            return cvm_rd_fail(r, CVM_E_LIMIT, f, at + 2, "sizeofSelect %u exceeds %d",
                               b->size_of_select, CVM_TPM_PCR_SELECT_MAX);
        memcpy(b->select, entry + 3, b->size_of_select);
        note_padding(p, r, entry + 3 + b->size_of_select,
                     CVM_TPM_PCR_SELECT_MAX - b->size_of_select, at + 3 + b->size_of_select);
        note_padding(p, r, entry + 7, 1, at + 7);
    }
    return CVM_OK;
}

static int parse_serialized(const uint8_t *buf, size_t len, const char *what, cvm_pcrs *p,
                            cvm_err *err)
{
    cvm_rd r;
    cvm_rd_init(&r, buf, len, what ? what : "quote.pcrs", err);
    memset(p, 0, sizeof(*p));
    p->nonzero_padding_at = CVM_NO_OFFSET;
    int rc = read_selection(&r, p);
    if (rc)
        return rc;
    cvm_pcr_ref refs[CVM_PCRS_MAX_VALUES];
    size_t total = cvm_pcr_selection_list(&p->selection, refs, CVM_PCRS_MAX_VALUES);

    uint32_t blocks;
    size_t at = cvm_rd_abs(&r);
    if ((rc = cvm_rd_u32le(&r, "digests.count", &blocks)))
        return rc;
    /* every block carries at least one digest, so more blocks than
     * selected PCRs is inconsistent before we read them */
    if (blocks > total)
        return cvm_rd_fail(&r, CVM_E_VALUE, "digests.count", at,
                           "%u TPML_DIGEST blocks for %zu selected PCRs", blocks, total);
    if ((size_t)blocks * CVM_PCRS_BLOCK_SIZE != cvm_rd_left(&r)) {
        if ((size_t)blocks * CVM_PCRS_BLOCK_SIZE > cvm_rd_left(&r))
            return cvm_rd_fail(&r, CVM_E_TRUNCATED, "digests", cvm_rd_abs(&r),
                               "%u TPML_DIGEST blocks need %zu bytes, %zu left", blocks,
                               (size_t)blocks * CVM_PCRS_BLOCK_SIZE, cvm_rd_left(&r));
        return cvm_rd_fail(&r, CVM_E_TRAILING, "digests",
                           cvm_rd_abs(&r) + (size_t)blocks * CVM_PCRS_BLOCK_SIZE,
                           "%zu bytes after %u TPML_DIGEST blocks",
                           cvm_rd_left(&r) - (size_t)blocks * CVM_PCRS_BLOCK_SIZE, blocks);
    }
    p->n_blocks = blocks;
    size_t v = 0;
    char f[96];
    for (uint32_t k = 0; k < blocks; k++) {
        uint32_t count;
        at = cvm_rd_abs(&r);
        snprintf(f, sizeof(f), "digests[%u].count", k);
        if ((rc = cvm_rd_u32le(&r, f, &count)))
            return rc;
        if (count == 0 || count > CVM_PCRS_DIGESTS_PER_BLOCK)
            return cvm_rd_fail(&r, count ? CVM_E_LIMIT : CVM_E_VALUE, f, at,
                               "%u digests in a TPML_DIGEST (1..%d)", count,
                               CVM_PCRS_DIGESTS_PER_BLOCK);
        if (count > total - v)
            return cvm_rd_fail(&r, CVM_E_VALUE, f, at,
                               "%zu digests so far plus %u exceed the %zu selected PCRs", v, count,
                               total);
        p->block_counts[k] = (uint8_t)count;
        for (uint32_t j = 0; j < CVM_PCRS_DIGESTS_PER_BLOCK; j++) {
            uint16_t size;
            const uint8_t *bytes;
            at = cvm_rd_abs(&r);
            snprintf(f, sizeof(f), "digests[%u].digests[%u].size", k, j);
            if ((rc = cvm_rd_u16le(&r, f, &size)))
                return rc;
            snprintf(f, sizeof(f), "digests[%u].digests[%u].buffer", k, j);
            if ((rc = cvm_rd_view(&r, f, CVM_TPM_HASH_MAX, &bytes)))
                return rc;
            if (j >= count) {
                uint8_t sz[2] = {(uint8_t)size, (uint8_t)(size >> 8)};
                note_padding(p, &r, sz, 2, at);
                note_padding(p, &r, bytes, CVM_TPM_HASH_MAX, at + 2);
                continue;
            }
            size_t want = cvm_tpm_hash_len(refs[v].alg);
            snprintf(f, sizeof(f), "digests[%u].digests[%u].size", k, j);
            if (size != want)
                return cvm_rd_fail(&r, CVM_E_VALUE, f, at,
                                   "digest of %s PCR %u is %u bytes, expected %zu",
                                   cvm_tpm_alg_name(refs[v].alg), refs[v].pcr, size, want);
            cvm_pcrs_value *val = &p->values[v];
            val->alg = refs[v].alg;
            val->pcr = refs[v].pcr;
            val->len = (uint8_t)size;
            memcpy(val->bytes, bytes, size);
            note_padding(p, &r, bytes + size, CVM_TPM_HASH_MAX - size, at + 2 + size);
            v++;
        }
    }
    if (v != total)
        return cvm_rd_fail(&r, CVM_E_VALUE, "digests.count", CVM_PCRS_SELECTION_SIZE,
                           "%zu digests in %u blocks for %zu selected PCRs", v, blocks, total);
    p->n_values = v;
    return cvm_rd_end(&r, "quote.pcrs");
}

int cvm_pcrs_parse(const uint8_t *buf, size_t len, const char *what, cvm_pcrs *out,
                   cvm_err *err)
{
    cvm_pcrs *p = malloc(sizeof(*p));
    if (!p)
        return cvm_err_set(err, CVM_E_NOMEM, what ? what : "quote.pcrs", "", CVM_NO_OFFSET,
                           "out of memory");
    int rc = parse_serialized(buf, len, what, p, err);
    if (!rc)
        memcpy(out, p, sizeof(*p));
    free(p);
    return rc;
}

int cvm_pcrs_init(cvm_pcrs *p, const cvm_pcr_selection *selp, cvm_err *err)
{
    /* a copy: selp may point into *p, which is cleared below */
    cvm_pcr_selection sel_copy = *selp;
    const cvm_pcr_selection *sel = &sel_copy;
    if (sel->count > CVM_TPM_PCR_BANKS_MAX)
        return cvm_err_set(err, CVM_E_LIMIT, "PCR selection", "count", CVM_NO_OFFSET,
                           "%u banks, at most %d", sel->count, CVM_TPM_PCR_BANKS_MAX);
    for (uint32_t i = 0; i < sel->count; i++) {
        if (sel->sel[i].size_of_select > CVM_TPM_PCR_SELECT_MAX)
            return cvm_err_set(err, CVM_E_LIMIT, "PCR selection", "sizeofSelect", CVM_NO_OFFSET,
                               "sizeofSelect %u exceeds %d", sel->sel[i].size_of_select,
                               CVM_TPM_PCR_SELECT_MAX);
        if (!cvm_tpm_hash_len(sel->sel[i].hash))
            return cvm_err_set(err, CVM_E_UNSUPPORTED, "PCR selection", "hash", CVM_NO_OFFSET,
                               "unknown hash algorithm 0x%04x", sel->sel[i].hash);
    }
    memset(p, 0, sizeof(*p));
    p->nonzero_padding_at = CVM_NO_OFFSET;
    p->selection.count = sel->count;
    for (uint32_t i = 0; i < sel->count; i++) {
        /* keep only the bytes within sizeofSelect, as the wire form does */
        p->selection.sel[i].hash = sel->sel[i].hash;
        p->selection.sel[i].size_of_select = sel->sel[i].size_of_select;
        memcpy(p->selection.sel[i].select, sel->sel[i].select, sel->sel[i].size_of_select);
    }
    cvm_pcr_ref refs[CVM_PCRS_MAX_VALUES];
    size_t n = cvm_pcr_selection_list(&p->selection, refs, CVM_PCRS_MAX_VALUES);
    for (size_t i = 0; i < n; i++) {
        p->values[i].alg = refs[i].alg;
        p->values[i].pcr = refs[i].pcr;
        p->values[i].len = (uint8_t)cvm_tpm_hash_len(refs[i].alg);
    }
    p->n_values = n;
    return CVM_OK;
}

int cvm_pcrs_parse_values(const uint8_t *buf, size_t len, const char *what,
                          const cvm_pcr_selection *sel, cvm_pcrs *out, cvm_err *err)
{
    cvm_pcrs *p = malloc(sizeof(*p));
    what = what ? what : "pcrs values";
    if (!p)
        return cvm_err_set(err, CVM_E_NOMEM, what, "", CVM_NO_OFFSET, "out of memory");
    int rc = cvm_pcrs_init(p, sel, err);
    cvm_rd r;
    cvm_rd_init(&r, buf, len, what, err);
    char f[64];
    for (size_t i = 0; !rc && i < p->n_values; i++) {
        snprintf(f, sizeof(f), "%s:%u", cvm_tpm_alg_name(p->values[i].alg), p->values[i].pcr);
        rc = cvm_rd_copy(&r, f, p->values[i].bytes, p->values[i].len);
    }
    if (!rc)
        rc = cvm_rd_end(&r, "values");
    if (!rc)
        memcpy(out, p, sizeof(*p));
    free(p);
    return rc;
}

static int check_values(const cvm_pcrs *p)
{
    if (p->selection.count > CVM_TPM_PCR_BANKS_MAX || p->n_values > CVM_PCRS_MAX_VALUES)
        return CVM_E_LIMIT;
    for (size_t i = 0; i < p->n_values; i++)
        if (p->values[i].len > CVM_TPM_HASH_MAX)
            return CVM_E_LIMIT;
    return CVM_OK;
}

int cvm_pcrs_write(const cvm_pcrs *p, cvm_wr *w)
{
    int rc = check_values(p);
    if (rc)
        return rc;
    size_t nb = p->n_blocks;
    if (nb) {
        size_t sum = 0;
        if (nb > CVM_PCRS_MAX_VALUES)
            return CVM_E_LIMIT;
        for (size_t k = 0; k < nb; k++) {
            if (p->block_counts[k] == 0 || p->block_counts[k] > CVM_PCRS_DIGESTS_PER_BLOCK)
                return CVM_E_VALUE;
            sum += p->block_counts[k];
        }
        if (sum != p->n_values)
            return CVM_E_VALUE;
    } else {
        nb = (p->n_values + CVM_PCRS_DIGESTS_PER_BLOCK - 1) / CVM_PCRS_DIGESTS_PER_BLOCK;
    }
    rc = cvm_wr_u32le(w, p->selection.count);
    for (uint32_t i = 0; !rc && i < CVM_TPM_PCR_BANKS_MAX; i++) {
        if (i >= p->selection.count) {
            rc = cvm_wr_zeros(w, 8);
            continue;
        }
        const cvm_pcr_bank_sel *b = &p->selection.sel[i];
        if (b->size_of_select > CVM_TPM_PCR_SELECT_MAX)
            return CVM_E_LIMIT;
        uint8_t sel[CVM_TPM_PCR_SELECT_MAX] = {0};
        memcpy(sel, b->select, b->size_of_select);
        rc = cvm_wr_u16le(w, b->hash);
        if (!rc)
            rc = cvm_wr_u8(w, b->size_of_select);
        if (!rc)
            rc = cvm_wr_bytes(w, sel, sizeof(sel));
        if (!rc)
            rc = cvm_wr_u8(w, 0);
    }
    if (!rc)
        rc = cvm_wr_u32le(w, (uint32_t)nb);
    size_t v = 0;
    for (size_t k = 0; !rc && k < nb; k++) {
        size_t count = p->n_blocks ? p->block_counts[k]
                                   : (p->n_values - v < CVM_PCRS_DIGESTS_PER_BLOCK
                                          ? p->n_values - v
                                          : CVM_PCRS_DIGESTS_PER_BLOCK);
        rc = cvm_wr_u32le(w, (uint32_t)count);
        for (size_t j = 0; !rc && j < CVM_PCRS_DIGESTS_PER_BLOCK; j++) {
            if (j >= count) {
                rc = cvm_wr_zeros(w, 2 + CVM_TPM_HASH_MAX);
                continue;
            }
            const cvm_pcrs_value *val = &p->values[v++];
            rc = cvm_wr_u16le(w, val->len);
            if (!rc)
                rc = cvm_wr_bytes(w, val->bytes, val->len);
            if (!rc)
                rc = cvm_wr_zeros(w, CVM_TPM_HASH_MAX - val->len);
        }
    }
    return rc;
}

int cvm_pcrs_write_values(const cvm_pcrs *p, cvm_wr *w)
{
    int rc = check_values(p);
    for (size_t i = 0; !rc && i < p->n_values; i++)
        rc = cvm_wr_bytes(w, p->values[i].bytes, p->values[i].len);
    return rc;
}

int cvm_pcrs_get(const cvm_pcrs *p, uint16_t alg, unsigned index, const uint8_t **ptr,
                 size_t *len)
{
    size_t n = p->n_values > CVM_PCRS_MAX_VALUES ? CVM_PCRS_MAX_VALUES : p->n_values;
    for (size_t i = 0; i < n; i++)
        if (p->values[i].alg == alg && p->values[i].pcr == index) {
            if (ptr)
                *ptr = p->values[i].bytes;
            if (len)
                *len = p->values[i].len;
            return CVM_OK;
        }
    return CVM_E_VALUE;
}

int cvm_pcrs_digest(const cvm_pcrs *p, uint16_t alg, uint8_t *out, size_t *out_len)
{
    int rc = check_values(p);
    if (rc)
        return rc;
    const uint8_t **parts = malloc((p->n_values ? p->n_values : 1) * sizeof(*parts));
    size_t *lens = malloc((p->n_values ? p->n_values : 1) * sizeof(*lens));
    if (!parts || !lens) {
        free(parts);
        free(lens);
        return CVM_E_NOMEM;
    }
    for (size_t i = 0; i < p->n_values; i++) {
        parts[i] = p->values[i].bytes;
        lens[i] = p->values[i].len;
    }
    rc = cvm_tpm_pcr_digest(alg, parts, lens, p->n_values, out, out_len);
    free(parts);
    free(lens);
    return rc;
}

json_t *cvm_pcrs_to_json(const cvm_pcrs *p)
{
    if (check_values(p))
        return NULL;
    json_t *o = json_object();
    if (!o)
        return NULL;
    char sel[CVM_PCR_SELECTION_STR_MAX];
    if (cvm_pcr_selection_to_string(&p->selection, sel, sizeof(sel)) == CVM_OK)
        json_object_set_new(o, "selection", json_string(sel));
    json_t *banks = json_object();
    for (size_t i = 0; i < p->n_values; i++) {
        const cvm_pcrs_value *val = &p->values[i];
        const char *name = cvm_tpm_alg_name(val->alg);
        char alt[16], idx[8], hex[2 * CVM_TPM_HASH_MAX + 1];
        if (!name) {
            snprintf(alt, sizeof(alt), "0x%04x", val->alg);
            name = alt;
        }
        json_t *bank = json_object_get(banks, name);
        if (!bank) {
            bank = json_object();
            json_object_set_new(banks, name, bank);
        }
        snprintf(idx, sizeof(idx), "%u", val->pcr);
        cvm_hex(val->bytes, val->len, hex);
        json_object_set_new(bank, idx, json_string(hex));
    }
    json_object_set_new(o, "banks", banks);
    json_t *blocks = json_array();
    for (size_t k = 0; k < p->n_blocks && k < CVM_PCRS_MAX_VALUES; k++)
        json_array_append_new(blocks, json_integer(p->block_counts[k]));
    json_object_set_new(o, "blocks", blocks);
    if (p->nonzero_padding_at != CVM_NO_OFFSET)
        json_object_set_new(o, "nonzero_padding_at", json_integer((json_int_t)p->nonzero_padding_at));
    return o;
}
