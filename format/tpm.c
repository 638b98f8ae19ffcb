/* TPM 2.0 quote structures: our own bounded big-endian parsers (see tpm.h
 * for why not libtss2-mu). spec: formats.md §5, c-apis.md §4.7. */
#include "tpm.h"
#include "jsonutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

/* ---- algorithms ---- */

static const struct {
    uint16_t alg;
    const char *name;
} alg_names[] = {
    {CVM_TPM_ALG_RSA, "rsa"},          {CVM_TPM_ALG_SHA1, "sha1"},
    {CVM_TPM_ALG_HMAC, "hmac"},        {CVM_TPM_ALG_AES, "aes"},
    {CVM_TPM_ALG_KEYEDHASH, "keyedhash"}, {CVM_TPM_ALG_XOR, "xor"},
    {CVM_TPM_ALG_SHA256, "sha256"},    {CVM_TPM_ALG_SHA384, "sha384"},
    {CVM_TPM_ALG_SHA512, "sha512"},    {CVM_TPM_ALG_NULL, "null"},
    {CVM_TPM_ALG_SM3_256, "sm3_256"},  {CVM_TPM_ALG_SM4, "sm4"},
    {CVM_TPM_ALG_RSASSA, "rsassa"},    {CVM_TPM_ALG_RSAES, "rsaes"},
    {CVM_TPM_ALG_RSAPSS, "rsapss"},    {CVM_TPM_ALG_OAEP, "oaep"},
    {CVM_TPM_ALG_ECDSA, "ecdsa"},      {CVM_TPM_ALG_ECDH, "ecdh"},
    {CVM_TPM_ALG_ECDAA, "ecdaa"},      {CVM_TPM_ALG_SM2, "sm2"},
    {CVM_TPM_ALG_ECSCHNORR, "ecschnorr"}, {CVM_TPM_ALG_KDF1_SP800_56A, "kdf1_sp800_56a"},
    {CVM_TPM_ALG_KDF2, "kdf2"},        {CVM_TPM_ALG_KDF1_SP800_108, "kdf1_sp800_108"},
    {CVM_TPM_ALG_ECC, "ecc"},          {CVM_TPM_ALG_SYMCIPHER, "symcipher"},
    {CVM_TPM_ALG_CAMELLIA, "camellia"}, {CVM_TPM_ALG_SHA3_256, "sha3_256"},
    {CVM_TPM_ALG_SHA3_384, "sha3_384"}, {CVM_TPM_ALG_SHA3_512, "sha3_512"},
    {CVM_TPM_ALG_CTR, "ctr"},          {CVM_TPM_ALG_OFB, "ofb"},
    {CVM_TPM_ALG_CBC, "cbc"},          {CVM_TPM_ALG_CFB, "cfb"},
    {CVM_TPM_ALG_ECB, "ecb"},
};

const char *cvm_tpm_alg_name(uint16_t alg)
{
    for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
        if (alg_names[i].alg == alg)
            return alg_names[i].name;
    return NULL;
}

uint16_t cvm_tpm_alg_from_name(const char *name)
{
    if (!name)
        return CVM_TPM_ALG_ERROR;
    for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
        if (strcasecmp(alg_names[i].name, name) == 0)
            return alg_names[i].alg;
    /* tpm2-tools spells SM3 "sm3_256"; accept the short form too */
    if (strcasecmp(name, "sm3") == 0)
        return CVM_TPM_ALG_SM3_256;
    return CVM_TPM_ALG_ERROR;
}

static const struct {
    uint16_t alg;
    size_t len;
    const char *ossl;
} hashes[] = {
    {CVM_TPM_ALG_SHA1, 20, "SHA1"},       {CVM_TPM_ALG_SHA256, 32, "SHA256"},
    {CVM_TPM_ALG_SHA384, 48, "SHA384"},   {CVM_TPM_ALG_SHA512, 64, "SHA512"},
    {CVM_TPM_ALG_SM3_256, 32, "SM3"},     {CVM_TPM_ALG_SHA3_256, 32, "SHA3-256"},
    {CVM_TPM_ALG_SHA3_384, 48, "SHA3-384"}, {CVM_TPM_ALG_SHA3_512, 64, "SHA3-512"},
};

size_t cvm_tpm_hash_len(uint16_t alg)
{
    for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
        if (hashes[i].alg == alg)
            return hashes[i].len;
    return 0;
}

const char *cvm_tpm_hash_ossl_name(uint16_t alg)
{
    for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
        if (hashes[i].alg == alg)
            return hashes[i].ossl;
    return NULL;
}

/* Digest of several pieces; the shared core of names and pcrDigest. */
static int hash_parts(uint16_t alg, const uint8_t *const *parts, const size_t *lens, size_t n,
                      uint8_t *out, size_t *out_len)
{
    const char *mdname = cvm_tpm_hash_ossl_name(alg);
    size_t dlen = cvm_tpm_hash_len(alg);
    if (!mdname || !out || !out_len)
        return CVM_E_UNSUPPORTED;
    if (*out_len < dlen)
        return CVM_E_LIMIT;
    EVP_MD *md = EVP_MD_fetch(NULL, mdname, NULL);
    if (!md)
        return CVM_E_UNSUPPORTED;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = CVM_OK;
    unsigned int got = 0;
    if (!ctx || EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        rc = CVM_E_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (lens[i] && EVP_DigestUpdate(ctx, parts[i], lens[i]) != 1) {
            rc = CVM_E_NOMEM;
            goto out;
        }
    }
    if (EVP_DigestFinal_ex(ctx, out, &got) != 1 || got != dlen) {
        rc = CVM_E_NOMEM;
        goto out;
    }
    *out_len = dlen;
out:
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
    return rc;
}

int cvm_tpm_hash(uint16_t alg, const void *p, size_t len, uint8_t *out, size_t *out_len)
{
    const uint8_t *part = p;
    return hash_parts(alg, &part, &len, 1, out, out_len);
}

int cvm_tpm_pcr_digest(uint16_t alg, const uint8_t *const *values, const size_t *lens, size_t n,
                       uint8_t *out, size_t *out_len)
{
    if (n && (!values || !lens))
        return CVM_E_STATE;
    return hash_parts(alg, values, lens, n, out, out_len);
}

/* ---- TPML_PCR_SELECTION ---- */

int cvm_pcr_selection_read(cvm_rd *r, const char *field, cvm_pcr_selection *out)
{
    char f[128];
    uint32_t count;
    size_t at = cvm_rd_abs(r);
    snprintf(f, sizeof(f), "%s.count", field);
    int rc = cvm_rd_u32be(r, f, &count);
    if (rc)
        return rc;
    if (count > CVM_TPM_PCR_BANKS_MAX)
        return cvm_rd_fail(r, CVM_E_LIMIT, f, at, "%u PCR banks, at most %d", count,
                           CVM_TPM_PCR_BANKS_MAX);
    cvm_pcr_selection s;
    memset(&s, 0, sizeof(s));
    s.count = count;
    for (uint32_t i = 0; i < count; i++) {
        cvm_pcr_bank_sel *b = &s.sel[i];
        at = cvm_rd_abs(r);
        snprintf(f, sizeof(f), "%s.pcrSelections[%u].hash", field, i);
        if ((rc = cvm_rd_u16be(r, f, &b->hash)))
            return rc;
        if (!cvm_tpm_hash_len(b->hash))
            return cvm_rd_fail(r, CVM_E_UNSUPPORTED, f, at, "unknown hash algorithm 0x%04x", b->hash);
        for (uint32_t j = 0; j < i; j++)
            if (s.sel[j].hash == b->hash)
                return cvm_rd_fail(r, CVM_E_VALUE, f, at, "bank %s selected twice",
                                   cvm_tpm_alg_name(b->hash));
        at = cvm_rd_abs(r);
        snprintf(f, sizeof(f), "%s.pcrSelections[%u].sizeofSelect", field, i);
        if ((rc = cvm_rd_u8(r, f, &b->size_of_select)))
            return rc;
        if (b->size_of_select > CVM_TPM_PCR_SELECT_MAX)
            return cvm_rd_fail(r, CVM_E_LIMIT, f, at, "sizeofSelect %u exceeds %d",
                               b->size_of_select, CVM_TPM_PCR_SELECT_MAX);
        snprintf(f, sizeof(f), "%s.pcrSelections[%u].pcrSelect", field, i);
        if ((rc = cvm_rd_copy(r, f, b->select, b->size_of_select)))
            return rc;
    }
    *out = s;
    return CVM_OK;
}

int cvm_pcr_selection_parse(const uint8_t *buf, size_t len, const char *what,
                            cvm_pcr_selection *out, cvm_err *err)
{
    cvm_rd r;
    cvm_rd_init(&r, buf, len, what ? what : "TPML_PCR_SELECTION", err);
    cvm_pcr_selection s;
    int rc = cvm_pcr_selection_read(&r, "pcrSelect", &s);
    if (!rc)
        rc = cvm_rd_end(&r, "pcrSelect");
    if (!rc)
        *out = s;
    return rc;
}

int cvm_pcr_selection_write(const cvm_pcr_selection *s, cvm_wr *w)
{
    if (s->count > CVM_TPM_PCR_BANKS_MAX)
        return CVM_E_LIMIT;
    int rc = cvm_wr_u32be(w, s->count);
    for (uint32_t i = 0; i < s->count && !rc; i++) {
        const cvm_pcr_bank_sel *b = &s->sel[i];
        if (b->size_of_select > CVM_TPM_PCR_SELECT_MAX)
            return CVM_E_LIMIT;
        rc = cvm_wr_u16be(w, b->hash);
        if (!rc)
            rc = cvm_wr_u8(w, b->size_of_select);
        if (!rc)
            rc = cvm_wr_bytes(w, b->select, b->size_of_select);
    }
    return rc;
}

static bool bank_has(const cvm_pcr_bank_sel *b, unsigned pcr)
{
    unsigned byte = pcr / 8;
    return byte < b->size_of_select && byte < CVM_TPM_PCR_SELECT_MAX &&
           (b->select[byte] >> (pcr % 8)) & 1;
}

size_t cvm_pcr_selection_list(const cvm_pcr_selection *s, cvm_pcr_ref *out, size_t cap)
{
    size_t n = 0;
    uint32_t banks = s->count > CVM_TPM_PCR_BANKS_MAX ? CVM_TPM_PCR_BANKS_MAX : s->count;
    for (uint32_t i = 0; i < banks; i++)
        for (unsigned p = 0; p < CVM_TPM_PCRS_PER_BANK; p++)
            if (bank_has(&s->sel[i], p)) {
                if (out && n < cap) {
                    out[n].alg = s->sel[i].hash;
                    out[n].pcr = (uint8_t)p;
                }
                n++;
            }
    return n;
}

size_t cvm_pcr_selection_count(const cvm_pcr_selection *s)
{
    return cvm_pcr_selection_list(s, NULL, 0);
}

bool cvm_pcr_selection_has(const cvm_pcr_selection *s, uint16_t alg, unsigned pcr)
{
    uint32_t banks = s->count > CVM_TPM_PCR_BANKS_MAX ? CVM_TPM_PCR_BANKS_MAX : s->count;
    for (uint32_t i = 0; i < banks; i++)
        if (s->sel[i].hash == alg && bank_has(&s->sel[i], pcr))
            return true;
    return false;
}

bool cvm_pcr_selection_equal(const cvm_pcr_selection *a, const cvm_pcr_selection *b)
{
    if (a->count != b->count || a->count > CVM_TPM_PCR_BANKS_MAX)
        return false;
    for (uint32_t i = 0; i < a->count; i++) {
        if (a->sel[i].hash != b->sel[i].hash)
            return false;
        for (unsigned p = 0; p < CVM_TPM_PCRS_PER_BANK; p++)
            if (bank_has(&a->sel[i], p) != bank_has(&b->sel[i], p))
                return false;
    }
    return true;
}

#define SEL_FAIL(off, ...) cvm_err_set(err, CVM_E_SYNTAX, "PCR selection", "selection", off, __VA_ARGS__)

int cvm_pcr_selection_from_string(const char *s, cvm_pcr_selection *out, cvm_err *err)
{
    if (!s)
        return cvm_err_set(err, CVM_E_STATE, "PCR selection", "selection", CVM_NO_OFFSET, "NULL");
    cvm_pcr_selection sel;
    memset(&sel, 0, sizeof(sel));
    size_t i = 0, n = strlen(s);
    if (n == 0)
        return SEL_FAIL(0, "empty selection%s in \"%s\"", "", s);
    while (i <= n) {
        /* bank name up to ':' */
        size_t start = i;
        while (i < n && s[i] != ':' && s[i] != '+')
            i++;
        char name[24];
        size_t nl = i - start;
        if (nl == 0 || nl >= sizeof(name) || i >= n || s[i] != ':')
            return SEL_FAIL(start, "expected \"<hash>:<pcrs>\"%s in \"%s\"", "", s);
        memcpy(name, s + start, nl);
        name[nl] = 0;
        uint16_t alg = cvm_tpm_alg_from_name(name);
        if (!cvm_tpm_hash_len(alg))
            return SEL_FAIL(start, "unknown hash bank \"%s\" in \"%s\"", name, s);
        if (sel.count >= CVM_TPM_PCR_BANKS_MAX)
            return cvm_err_set(err, CVM_E_LIMIT, "PCR selection", "selection", start,
                               "more than %d banks", CVM_TPM_PCR_BANKS_MAX);
        for (uint32_t b = 0; b < sel.count; b++)
            if (sel.sel[b].hash == alg)
                return SEL_FAIL(start, "bank \"%s\" given twice in \"%s\"", name, s);
        cvm_pcr_bank_sel *bank = &sel.sel[sel.count++];
        bank->hash = alg;
        bank->size_of_select = 3;
        i++; /* ':' */
        size_t list_start = i;
        while (i < n && s[i] != '+')
            i++;
        size_t ll = i - list_start;
        /* an empty list is a bank with nothing selected: TPMs return such
         * entries for unallocated banks, and _to_string prints them so */
        if (ll == 0) {
            /* nothing selected */
        } else if (ll == 3 && strncasecmp(s + list_start, "all", 3) == 0) {
            memset(bank->select, 0xff, 3);
        } else {
            size_t j = list_start;
            while (j < i) {
                unsigned lo = 0, hi;
                size_t d = j;
                while (j < i && isdigit((unsigned char)s[j]) && j - d < 3)
                    lo = lo * 10 + (unsigned)(s[j++] - '0');
                if (j == d || (j < i && isdigit((unsigned char)s[j])))
                    return SEL_FAIL(d, "bad PCR number in bank \"%s\" of \"%s\"", name, s);
                hi = lo;
                if (j < i && s[j] == '-') {
                    size_t d2 = ++j;
                    hi = 0;
                    while (j < i && isdigit((unsigned char)s[j]) && j - d2 < 3)
                        hi = hi * 10 + (unsigned)(s[j++] - '0');
                    if (j == d2 || (j < i && isdigit((unsigned char)s[j])) || hi < lo)
                        return SEL_FAIL(d2, "bad PCR range in bank \"%s\" of \"%s\"", name, s);
                }
                if (hi >= CVM_TPM_PCRS_PER_BANK)
                    return cvm_err_set(err, CVM_E_VALUE, "PCR selection", "selection", d,
                                       "PCR %u out of range 0-%d", hi, CVM_TPM_PCRS_PER_BANK - 1);
                for (unsigned p = lo; p <= hi; p++) {
                    bank->select[p / 8] |= (uint8_t)(1u << (p % 8));
                    if (p >= 24)
                        bank->size_of_select = 4;
                }
                if (j < i) {
                    if (s[j] != ',' || j + 1 == i)
                        return SEL_FAIL(j, "expected ',' in bank \"%s\" of \"%s\"", name, s);
                    j++;
                }
            }
        }
        if (i == n)
            break;
        i++; /* '+' */
        if (i == n)
            return SEL_FAIL(i, "trailing '+'%s in \"%s\"", "", s);
    }
    *out = sel;
    return CVM_OK;
}

int cvm_pcr_selection_to_string(const cvm_pcr_selection *s, char *buf, size_t n)
{
    if (!buf || n == 0)
        return CVM_E_LIMIT;
    size_t used = 0;
    buf[0] = 0;
    if (s->count > CVM_TPM_PCR_BANKS_MAX)
        return CVM_E_LIMIT;
#define APPEND(...)                                                      \
    do {                                                                 \
        int k_ = snprintf(buf + used, n - used, __VA_ARGS__);            \
        if (k_ < 0 || (size_t)k_ >= n - used)                            \
            return CVM_E_LIMIT;                                          \
        used += (size_t)k_;                                              \
    } while (0)
    for (uint32_t i = 0; i < s->count; i++) {
        const char *name = cvm_tpm_alg_name(s->sel[i].hash);
        if (name)
            APPEND("%s%s:", i ? "+" : "", name);
        else
            APPEND("%s0x%04x:", i ? "+" : "", s->sel[i].hash);
        bool first = true;
        for (unsigned p = 0; p < CVM_TPM_PCRS_PER_BANK; p++)
            if (bank_has(&s->sel[i], p)) {
                APPEND("%s%u", first ? "" : ",", p);
                first = false;
            }
    }
#undef APPEND
    return CVM_OK;
}

/* ---- TPMS_ATTEST ---- */

static const char *attest_type_name(uint16_t t)
{
    switch (t) {
    case CVM_TPM_ST_ATTEST_NV: return "nv";
    case CVM_TPM_ST_ATTEST_COMMAND_AUDIT: return "command audit";
    case CVM_TPM_ST_ATTEST_SESSION_AUDIT: return "session audit";
    case CVM_TPM_ST_ATTEST_CERTIFY: return "certify";
    case CVM_TPM_ST_ATTEST_QUOTE: return "quote";
    case CVM_TPM_ST_ATTEST_TIME: return "time";
    case CVM_TPM_ST_ATTEST_CREATION: return "creation";
    case CVM_TPM_ST_ATTEST_NV_DIGEST: return "nv digest";
    default: return NULL;
    }
}

int cvm_tpm_attest_parse(const uint8_t *buf, size_t len, const char *what,
                         cvm_tpm_attest *out, cvm_err *err)
{
    cvm_rd r;
    cvm_rd_init(&r, buf, len, what ? what : "TPMS_ATTEST", err);
    cvm_tpm_attest a;
    memset(&a, 0, sizeof(a));
    int rc;
    size_t at = cvm_rd_abs(&r);
    if ((rc = cvm_rd_u32be(&r, "magic", &a.magic)))
        return rc;
    if (a.magic != CVM_TPM_GENERATED_VALUE)
        return cvm_rd_fail(&r, CVM_E_VALUE, "magic", at,
                           "0x%08x is not TPM_GENERATED_VALUE 0xff544347", a.magic);
    at = cvm_rd_abs(&r);
    if ((rc = cvm_rd_u16be(&r, "type", &a.type)))
        return rc;
    if (a.type != CVM_TPM_ST_ATTEST_QUOTE) {
        const char *tn = attest_type_name(a.type);
        if (tn)
            return cvm_rd_fail(&r, CVM_E_UNSUPPORTED, "type", at,
                               "attestation type 0x%04x (%s) is not supported, only quote 0x8018",
                               a.type, tn);
        return cvm_rd_fail(&r, CVM_E_VALUE, "type", at, "0x%04x is not a TPM_ST_ATTEST type",
                           a.type);
    }
    if ((rc = cvm_rd_tpm2b(&r, "qualifiedSigner", CVM_TPM_NAME_MAX, &a.qualified_signer,
                           &a.qualified_signer_len)))
        return rc;
    if ((rc = cvm_rd_tpm2b(&r, "extraData", CVM_TPM_DATA_MAX, &a.extra_data, &a.extra_data_len)))
        return rc;
    if ((rc = cvm_rd_u64be(&r, "clockInfo.clock", &a.clock)) ||
        (rc = cvm_rd_u32be(&r, "clockInfo.resetCount", &a.reset_count)) ||
        (rc = cvm_rd_u32be(&r, "clockInfo.restartCount", &a.restart_count)))
        return rc;
    at = cvm_rd_abs(&r);
    if ((rc = cvm_rd_u8(&r, "clockInfo.safe", &a.safe)))
        return rc;
    if (a.safe > 1)
        return cvm_rd_fail(&r, CVM_E_VALUE, "clockInfo.safe", at, "TPMI_YES_NO is %u, not 0 or 1",
                           a.safe);
    if ((rc = cvm_rd_u64be(&r, "firmwareVersion", &a.firmware_version)))
        return rc;
    if ((rc = cvm_pcr_selection_read(&r, "quote.pcrSelect", &a.pcr_select)))
        return rc;
    if ((rc = cvm_rd_tpm2b(&r, "quote.pcrDigest", CVM_TPM_HASH_MAX, &a.pcr_digest,
                           &a.pcr_digest_len)))
        return rc;
    if ((rc = cvm_rd_end(&r, "TPMS_ATTEST")))
        return rc;
    *out = a;
    return CVM_OK;
}

static json_t *hexnum_json(uint64_t v, int digits)
{
    char b[32];
    snprintf(b, sizeof(b), "0x%0*llx", digits, (unsigned long long)v);
    return json_string(b);
}

static json_t *alg_json(uint16_t alg)
{
    const char *n = cvm_tpm_alg_name(alg);
    return n ? json_string(n) : hexnum_json(alg, 4);
}

static json_t *selection_json(const cvm_pcr_selection *s)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < s->count && i < CVM_TPM_PCR_BANKS_MAX; i++) {
        json_t *pcrs = json_array();
        for (unsigned p = 0; pcrs && p < CVM_TPM_PCRS_PER_BANK; p++)
            if (bank_has(&s->sel[i], p))
                json_array_append_new(pcrs, json_integer(p));
        json_t *o = json_object();
        json_object_set_new(o, "hash", alg_json(s->sel[i].hash));
        json_object_set_new(o, "size_of_select", json_integer(s->sel[i].size_of_select));
        json_object_set_new(o, "pcrs", pcrs);
        json_array_append_new(arr, o);
    }
    return arr;
}

json_t *cvm_tpm_attest_to_json(const cvm_tpm_attest *a)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    char sel[CVM_PCR_SELECTION_STR_MAX];
    json_object_set_new(o, "magic", hexnum_json(a->magic, 8));
    json_object_set_new(o, "type", hexnum_json(a->type, 4));
    const char *tn = attest_type_name(a->type);
    json_object_set_new(o, "type_name", tn ? json_string(tn) : json_null());
    json_object_set_new(o, "qualified_signer", cvm_hex_json(a->qualified_signer, a->qualified_signer_len));
    json_object_set_new(o, "extra_data", cvm_hex_json(a->extra_data, a->extra_data_len));
    json_object_set_new(o, "clock", json_integer((json_int_t)(a->clock & INT64_MAX)));
    json_object_set_new(o, "reset_count", json_integer(a->reset_count));
    json_object_set_new(o, "restart_count", json_integer(a->restart_count));
    json_object_set_new(o, "safe", json_boolean(a->safe));
    json_object_set_new(o, "firmware_version", hexnum_json(a->firmware_version, 16));
    if (cvm_pcr_selection_to_string(&a->pcr_select, sel, sizeof(sel)) == CVM_OK)
        json_object_set_new(o, "pcr_selection", json_string(sel));
    json_object_set_new(o, "pcr_select", selection_json(&a->pcr_select));
    json_object_set_new(o, "pcr_digest", cvm_hex_json(a->pcr_digest, a->pcr_digest_len));
    return o;
}

/* ---- TPMT_SIGNATURE ---- */

static int read_hash_alg(cvm_rd *r, const char *field, bool allow_null, uint16_t *out)
{
    size_t at = cvm_rd_abs(r);
    uint16_t h;
    int rc = cvm_rd_u16be(r, field, &h);
    if (rc)
        return rc;
    if (!(allow_null && h == CVM_TPM_ALG_NULL) && !cvm_tpm_hash_len(h))
        return cvm_rd_fail(r, CVM_E_UNSUPPORTED, field, at, "0x%04x is not a hash algorithm we know", h);
    *out = h;
    return CVM_OK;
}

static int read_tpm2b_copy(cvm_rd *r, const char *field, size_t max, uint8_t *dst, uint16_t *n)
{
    const uint8_t *v;
    uint16_t sz;
    int rc = cvm_rd_tpm2b(r, field, max, &v, &sz);
    if (rc)
        return rc;
    if (sz)
        memcpy(dst, v, sz);
    *n = sz;
    return CVM_OK;
}

static int signature_read(cvm_rd *r, cvm_tpm_signature *s)
{
    int rc;
    size_t at = cvm_rd_abs(r);
    memset(s, 0, sizeof(*s));
    if ((rc = cvm_rd_u16be(r, "sigAlg", &s->sig_alg)))
        return rc;
    switch (s->sig_alg) {
    case CVM_TPM_ALG_RSASSA:
    case CVM_TPM_ALG_RSAPSS:
        if ((rc = read_hash_alg(r, "signature.hash", false, &s->hash_alg)))
            return rc;
        return read_tpm2b_copy(r, "signature.sig", CVM_TPM_RSA_MAX_BYTES, s->rsa_sig, &s->rsa_sig_len);
    case CVM_TPM_ALG_ECDSA:
        if ((rc = read_hash_alg(r, "signature.hash", false, &s->hash_alg)))
            return rc;
        if ((rc = read_tpm2b_copy(r, "signature.signatureR", CVM_TPM_ECC_MAX_BYTES, s->ecdsa_r,
                                  &s->ecdsa_r_len)))
            return rc;
        return read_tpm2b_copy(r, "signature.signatureS", CVM_TPM_ECC_MAX_BYTES, s->ecdsa_s,
                               &s->ecdsa_s_len);
    case CVM_TPM_ALG_NULL:
    case CVM_TPM_ALG_HMAC:
    case CVM_TPM_ALG_ECDAA:
    case CVM_TPM_ALG_SM2:
    case CVM_TPM_ALG_ECSCHNORR:
        return cvm_rd_fail(r, CVM_E_UNSUPPORTED, "sigAlg", at,
                           "signature scheme %s is not supported (RSASSA, RSAPSS, ECDSA only)",
                           cvm_tpm_alg_name(s->sig_alg));
    default:
        return cvm_rd_fail(r, CVM_E_VALUE, "sigAlg", at, "0x%04x is not a signature scheme",
                           s->sig_alg);
    }
}

int cvm_tpm_signature_parse(const uint8_t *buf, size_t len, const char *what,
                            cvm_tpm_signature *out, cvm_err *err)
{
    cvm_rd r;
    cvm_rd_init(&r, buf, len, what ? what : "TPMT_SIGNATURE", err);
    cvm_tpm_signature *s = malloc(sizeof(*s));
    if (!s)
        return cvm_err_set(err, CVM_E_NOMEM, r.what, "", CVM_NO_OFFSET, "out of memory");
    int rc = signature_read(&r, s);
    if (!rc)
        rc = cvm_rd_end(&r, "TPMT_SIGNATURE");
    if (!rc)
        *out = *s;
    free(s);
    return rc;
}

/* DER ECDSA-Sig-Value: SEQUENCE { INTEGER r, INTEGER s }, definite short or
 * long lengths, minimal positive integers (a leading 0x00 only before a high
 * bit). Returns CVM_OK and the unsigned big-endian magnitudes. */
static int der_len(cvm_rd *r, const char *field, size_t *out)
{
    uint8_t b;
    size_t at = cvm_rd_abs(r);
    int rc = cvm_rd_u8(r, field, &b);
    if (rc)
        return rc;
    if (b < 0x80) {
        *out = b;
        return CVM_OK;
    }
    if (b == 0x81) {
        if ((rc = cvm_rd_u8(r, field, &b)))
            return rc;
        if (b < 0x80)
            return cvm_rd_fail(r, CVM_E_SYNTAX, field, at, "non-minimal DER length");
        *out = b;
        return CVM_OK;
    }
    if (b == 0x82) {
        uint16_t v;
        if ((rc = cvm_rd_u16be(r, field, &v)))
            return rc;
        if (v < 0x100)
            return cvm_rd_fail(r, CVM_E_SYNTAX, field, at, "non-minimal DER length");
        *out = v;
        return CVM_OK;
    }
    return cvm_rd_fail(r, CVM_E_SYNTAX, field, at, "unsupported DER length form 0x%02x", b);
}

static int der_uint(cvm_rd *r, const char *field, uint8_t *dst, uint16_t *n)
{
    uint8_t tag;
    size_t at = cvm_rd_abs(r), len;
    int rc = cvm_rd_u8(r, field, &tag);
    if (rc)
        return rc;
    if (tag != 0x02)
        return cvm_rd_fail(r, CVM_E_SYNTAX, field, at, "tag 0x%02x is not INTEGER", tag);
    if ((rc = der_len(r, field, &len)))
        return rc;
    at = cvm_rd_abs(r);
    const uint8_t *v;
    if ((rc = cvm_rd_view(r, field, len, &v)))
        return rc;
    if (len == 0)
        return cvm_rd_fail(r, CVM_E_SYNTAX, field, at, "empty INTEGER");
    if (v[0] & 0x80)
        return cvm_rd_fail(r, CVM_E_VALUE, field, at, "negative INTEGER");
    if (len > 1 && v[0] == 0 && !(v[1] & 0x80))
        return cvm_rd_fail(r, CVM_E_SYNTAX, field, at, "non-minimal INTEGER");
    if (len > 1 && v[0] == 0) {
        v++;
        len--;
    }
    if (len > CVM_TPM_ECC_MAX_BYTES)
        return cvm_rd_fail(r, CVM_E_LIMIT, field, at, "%zu-byte integer exceeds %d", len,
                           CVM_TPM_ECC_MAX_BYTES);
    memcpy(dst, v, len);
    *n = (uint16_t)len;
    return CVM_OK;
}

static int ecdsa_der_read(cvm_rd *r, cvm_tpm_signature *s)
{
    uint8_t tag;
    size_t at = cvm_rd_abs(r), len;
    int rc = cvm_rd_u8(r, "ECDSA-Sig-Value", &tag);
    if (rc)
        return rc;
    if (tag != 0x30)
        return cvm_rd_fail(r, CVM_E_SYNTAX, "ECDSA-Sig-Value", at, "tag 0x%02x is not SEQUENCE", tag);
    if ((rc = der_len(r, "ECDSA-Sig-Value", &len)))
        return rc;
    cvm_rd sub;
    if ((rc = cvm_rd_sub(r, "ECDSA-Sig-Value", len, &sub)))
        return rc;
    if ((rc = der_uint(&sub, "ECDSA-Sig-Value.r", s->ecdsa_r, &s->ecdsa_r_len)) ||
        (rc = der_uint(&sub, "ECDSA-Sig-Value.s", s->ecdsa_s, &s->ecdsa_s_len)) ||
        (rc = cvm_rd_end(&sub, "ECDSA-Sig-Value")))
        return rc;
    return cvm_rd_end(r, "ECDSA-Sig-Value");
}

int cvm_tpm_signature_parse_file(const uint8_t *buf, size_t len, const char *what,
                                 const struct cvm_tpm_public *key, uint16_t plain_hash_alg,
                                 cvm_tpm_signature *out, cvm_tpm_sig_format *format,
                                 cvm_err *err)
{
    what = what ? what : "signature";
    cvm_tpm_signature *s = malloc(sizeof(*s));
    if (!s)
        return cvm_err_set(err, CVM_E_NOMEM, what, "", CVM_NO_OFFSET, "out of memory");
    int rc = cvm_tpm_signature_parse(buf, len, what, s, NULL);
    if (rc == CVM_OK) {
        *out = *s;
        if (format)
            *format = CVM_TPM_SIG_TSS;
        free(s);
        return CVM_OK;
    }
    memset(s, 0, sizeof(*s));
    cvm_rd r;
    cvm_rd_init(&r, buf, len, what, err);
    if (plain_hash_alg && !cvm_tpm_hash_len(plain_hash_alg)) {
        rc = cvm_rd_fail(&r, CVM_E_UNSUPPORTED, "hash", 0, "0x%04x is not a hash algorithm",
                         plain_hash_alg);
        goto done;
    }
    /* a plain file does not name its hash: the caller's, else the key's
     * scheme hash, else tpm2-tools' default -g sha256 */
    s->hash_alg = plain_hash_alg                           ? plain_hash_alg
                  : key && cvm_tpm_hash_len(key->scheme_hash) ? key->scheme_hash
                                                             : CVM_TPM_ALG_SHA256;
    bool is_ecc;
    if (key) {
        if (key->type == CVM_TPM_ALG_RSA) {
            is_ecc = false;
        } else if (key->type == CVM_TPM_ALG_ECC) {
            is_ecc = true;
        } else {
            rc = cvm_rd_fail(&r, CVM_E_UNSUPPORTED, "key.type", CVM_NO_OFFSET,
                             "key type 0x%04x cannot sign", key->type);
            goto done;
        }
    } else {
        /* without a key: DER SEQUENCE of two INTEGERs is ECDSA, else RSA */
        cvm_rd probe;
        cvm_rd_init(&probe, buf, len, what, NULL);
        is_ecc = ecdsa_der_read(&probe, s) == CVM_OK;
        memset(s->ecdsa_r, 0, sizeof(s->ecdsa_r));
        memset(s->ecdsa_s, 0, sizeof(s->ecdsa_s));
        s->ecdsa_r_len = s->ecdsa_s_len = 0;
    }
    if (is_ecc) {
        s->sig_alg = CVM_TPM_ALG_ECDSA;
        if ((rc = ecdsa_der_read(&r, s)))
            goto done;
    } else {
        size_t want = 0;
        if (key) {
            want = key->rsa_modulus_len;
            s->sig_alg = key->scheme == CVM_TPM_ALG_RSAPSS ? CVM_TPM_ALG_RSAPSS : CVM_TPM_ALG_RSASSA;
        } else {
            s->sig_alg = CVM_TPM_ALG_RSASSA;
            if (len == 128 || len == 256 || len == 384 || len == 512)
                want = len;
        }
        if (want == 0 || len != want) {
            rc = cvm_rd_fail(&r, CVM_E_VALUE, "signature", 0,
                             "%zu bytes is neither a TPMT_SIGNATURE nor a plain RSA signature%s%s",
                             len, key ? " of the key's modulus size" : " of 1024-4096 bits",
                             "");
            goto done;
        }
        memcpy(s->rsa_sig, buf, len);
        s->rsa_sig_len = (uint16_t)len;
    }
    *out = *s;
    if (format)
        *format = CVM_TPM_SIG_PLAIN;
    rc = CVM_OK;
done:
    free(s);
    return rc;
}

int cvm_tpm_signature_write(const cvm_tpm_signature *s, cvm_wr *w)
{
    int rc = cvm_wr_u16be(w, s->sig_alg);
    switch (s->sig_alg) {
    case CVM_TPM_ALG_RSASSA:
    case CVM_TPM_ALG_RSAPSS:
        if (s->rsa_sig_len > CVM_TPM_RSA_MAX_BYTES)
            return CVM_E_LIMIT;
        if (!rc)
            rc = cvm_wr_u16be(w, s->hash_alg);
        if (!rc)
            rc = cvm_wr_u16be(w, s->rsa_sig_len);
        if (!rc)
            rc = cvm_wr_bytes(w, s->rsa_sig, s->rsa_sig_len);
        return rc;
    case CVM_TPM_ALG_ECDSA:
        if (s->ecdsa_r_len > CVM_TPM_ECC_MAX_BYTES || s->ecdsa_s_len > CVM_TPM_ECC_MAX_BYTES)
            return CVM_E_LIMIT;
        if (!rc)
            rc = cvm_wr_u16be(w, s->hash_alg);
        if (!rc)
            rc = cvm_wr_u16be(w, s->ecdsa_r_len);
        if (!rc)
            rc = cvm_wr_bytes(w, s->ecdsa_r, s->ecdsa_r_len);
        if (!rc)
            rc = cvm_wr_u16be(w, s->ecdsa_s_len);
        if (!rc)
            rc = cvm_wr_bytes(w, s->ecdsa_s, s->ecdsa_s_len);
        return rc;
    default:
        return CVM_E_UNSUPPORTED;
    }
}

/* DER INTEGER of an unsigned big-endian magnitude. */
static int der_write_uint(cvm_wr *w, const uint8_t *v, size_t n)
{
    while (n > 1 && v[0] == 0) {
        v++;
        n--;
    }
    bool pad = n == 0 || (v[0] & 0x80);
    size_t body = n + (pad ? 1 : 0);
    int rc = cvm_wr_u8(w, 0x02);
    if (!rc && body >= 0x80)
        rc = cvm_wr_u8(w, 0x81);
    if (!rc)
        rc = cvm_wr_u8(w, (uint8_t)body);
    if (!rc && pad)
        rc = cvm_wr_u8(w, 0);
    if (!rc && n)
        rc = cvm_wr_bytes(w, v, n);
    return rc;
}

int cvm_tpm_signature_write_plain(const cvm_tpm_signature *s, cvm_wr *w)
{
    switch (s->sig_alg) {
    case CVM_TPM_ALG_RSASSA:
    case CVM_TPM_ALG_RSAPSS:
        if (s->rsa_sig_len > CVM_TPM_RSA_MAX_BYTES)
            return CVM_E_LIMIT;
        return cvm_wr_bytes(w, s->rsa_sig, s->rsa_sig_len);
    case CVM_TPM_ALG_ECDSA: {
        if (s->ecdsa_r_len > CVM_TPM_ECC_MAX_BYTES || s->ecdsa_s_len > CVM_TPM_ECC_MAX_BYTES)
            return CVM_E_LIMIT;
        cvm_wr body;
        cvm_wr_init(&body);
        int rc = der_write_uint(&body, s->ecdsa_r, s->ecdsa_r_len);
        if (!rc)
            rc = der_write_uint(&body, s->ecdsa_s, s->ecdsa_s_len);
        if (!rc)
            rc = cvm_wr_u8(w, 0x30);
        if (!rc && body.len >= 0x100)
            rc = cvm_wr_u8(w, 0x82), rc = rc ? rc : cvm_wr_u16be(w, (uint16_t)body.len);
        else if (!rc && body.len >= 0x80)
            rc = cvm_wr_u8(w, 0x81), rc = rc ? rc : cvm_wr_u8(w, (uint8_t)body.len);
        else if (!rc)
            rc = cvm_wr_u8(w, (uint8_t)body.len);
        if (!rc)
            rc = cvm_wr_bytes(w, body.p, body.len);
        cvm_wr_free(&body);
        return rc;
    }
    default:
        return CVM_E_UNSUPPORTED;
    }
}

json_t *cvm_tpm_signature_to_json(const cvm_tpm_signature *s)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "sig_alg", alg_json(s->sig_alg));
    json_object_set_new(o, "hash_alg", alg_json(s->hash_alg));
    if (s->sig_alg == CVM_TPM_ALG_ECDSA) {
        json_object_set_new(o, "r", cvm_hex_json(s->ecdsa_r, s->ecdsa_r_len));
        json_object_set_new(o, "s", cvm_hex_json(s->ecdsa_s, s->ecdsa_s_len));
    } else {
        json_object_set_new(o, "size", json_integer(s->rsa_sig_len));
        json_object_set_new(o, "signature", cvm_hex_json(s->rsa_sig, s->rsa_sig_len));
    }
    return o;
}

/* ---- TPMT_PUBLIC ---- */

static int read_sym_object(cvm_rd *r, cvm_tpm_public *p)
{
    size_t at = cvm_rd_abs(r);
    int rc = cvm_rd_u16be(r, "parameters.symmetric.algorithm", &p->sym_alg);
    if (rc)
        return rc;
    switch (p->sym_alg) {
    case CVM_TPM_ALG_NULL:
        return CVM_OK;
    case CVM_TPM_ALG_AES:
    case CVM_TPM_ALG_SM4:
    case CVM_TPM_ALG_CAMELLIA:
        if ((rc = cvm_rd_u16be(r, "parameters.symmetric.keyBits", &p->sym_key_bits)))
            return rc;
        at = cvm_rd_abs(r);
        if ((rc = cvm_rd_u16be(r, "parameters.symmetric.mode", &p->sym_mode)))
            return rc;
        if (p->sym_mode != CVM_TPM_ALG_CFB && p->sym_mode != CVM_TPM_ALG_CTR &&
            p->sym_mode != CVM_TPM_ALG_OFB && p->sym_mode != CVM_TPM_ALG_CBC &&
            p->sym_mode != CVM_TPM_ALG_ECB && p->sym_mode != CVM_TPM_ALG_NULL)
            return cvm_rd_fail(r, CVM_E_VALUE, "parameters.symmetric.mode", at,
                               "0x%04x is not a block cipher mode", p->sym_mode);
        return CVM_OK;
    default:
        return cvm_rd_fail(r, CVM_E_VALUE, "parameters.symmetric.algorithm", at,
                           "0x%04x is not a symmetric object algorithm", p->sym_alg);
    }
}

static int read_scheme(cvm_rd *r, cvm_tpm_public *p)
{
    size_t at = cvm_rd_abs(r);
    int rc = cvm_rd_u16be(r, "parameters.scheme.scheme", &p->scheme);
    if (rc)
        return rc;
    bool ok;
    bool hash = true;
    if (p->type == CVM_TPM_ALG_RSA) {
        ok = p->scheme == CVM_TPM_ALG_NULL || p->scheme == CVM_TPM_ALG_RSASSA ||
             p->scheme == CVM_TPM_ALG_RSAPSS || p->scheme == CVM_TPM_ALG_RSAES ||
             p->scheme == CVM_TPM_ALG_OAEP;
        hash = p->scheme != CVM_TPM_ALG_NULL && p->scheme != CVM_TPM_ALG_RSAES;
    } else {
        ok = p->scheme == CVM_TPM_ALG_NULL || p->scheme == CVM_TPM_ALG_ECDSA ||
             p->scheme == CVM_TPM_ALG_ECDH || p->scheme == CVM_TPM_ALG_ECDAA ||
             p->scheme == CVM_TPM_ALG_SM2 || p->scheme == CVM_TPM_ALG_ECSCHNORR ||
             p->scheme == 0x001D /* ECMQV */;
        hash = p->scheme != CVM_TPM_ALG_NULL;
    }
    if (!ok)
        return cvm_rd_fail(r, CVM_E_VALUE, "parameters.scheme.scheme", at,
                           "0x%04x is not a %s scheme", p->scheme,
                           p->type == CVM_TPM_ALG_RSA ? "RSA" : "ECC");
    if (hash && (rc = read_hash_alg(r, "parameters.scheme.details.hashAlg", false, &p->scheme_hash)))
        return rc;
    if (p->scheme == CVM_TPM_ALG_ECDAA) {
        uint16_t count;
        if ((rc = cvm_rd_u16be(r, "parameters.scheme.details.count", &count)))
            return rc;
    }
    return CVM_OK;
}

static int public_read(cvm_rd *r, cvm_tpm_public *p)
{
    int rc;
    size_t at = cvm_rd_abs(r);
    if ((rc = cvm_rd_u16be(r, "type", &p->type)))
        return rc;
    if (p->type != CVM_TPM_ALG_RSA && p->type != CVM_TPM_ALG_ECC) {
        if (p->type == CVM_TPM_ALG_KEYEDHASH || p->type == CVM_TPM_ALG_SYMCIPHER)
            return cvm_rd_fail(r, CVM_E_UNSUPPORTED, "type", at,
                               "object type %s is not supported (RSA and ECC keys only)",
                               cvm_tpm_alg_name(p->type));
        return cvm_rd_fail(r, CVM_E_VALUE, "type", at, "0x%04x is not a TPMI_ALG_PUBLIC", p->type);
    }
    if ((rc = read_hash_alg(r, "nameAlg", false, &p->name_alg)))
        return rc;
    if ((rc = cvm_rd_u32be(r, "objectAttributes", &p->object_attributes)))
        return rc;
    if ((rc = cvm_rd_tpm2b(r, "authPolicy", CVM_TPM_HASH_MAX, &p->auth_policy, &p->auth_policy_len)))
        return rc;
    if ((rc = read_sym_object(r, p)) || (rc = read_scheme(r, p)))
        return rc;
    if (p->type == CVM_TPM_ALG_RSA) {
        at = cvm_rd_abs(r);
        if ((rc = cvm_rd_u16be(r, "parameters.keyBits", &p->rsa_key_bits)))
            return rc;
        if (p->rsa_key_bits == 0 || p->rsa_key_bits > 8 * CVM_TPM_RSA_MAX_BYTES)
            return cvm_rd_fail(r, CVM_E_VALUE, "parameters.keyBits", at, "RSA key size %u bits",
                               p->rsa_key_bits);
        if ((rc = cvm_rd_u32be(r, "parameters.exponent", &p->rsa_exponent_raw)))
            return rc;
        p->rsa_exponent = p->rsa_exponent_raw ? p->rsa_exponent_raw : 65537;
        return cvm_rd_tpm2b(r, "unique.rsa", CVM_TPM_RSA_MAX_BYTES, &p->rsa_modulus,
                            &p->rsa_modulus_len);
    }
    if ((rc = cvm_rd_u16be(r, "parameters.curveID", &p->ecc_curve_id)))
        return rc;
    at = cvm_rd_abs(r);
    if ((rc = cvm_rd_u16be(r, "parameters.kdf.scheme", &p->ecc_kdf)))
        return rc;
    if (p->ecc_kdf != CVM_TPM_ALG_NULL) {
        if (p->ecc_kdf != CVM_TPM_ALG_KDF1_SP800_56A && p->ecc_kdf != CVM_TPM_ALG_KDF2 &&
            p->ecc_kdf != CVM_TPM_ALG_KDF1_SP800_108 && p->ecc_kdf != 0x0007 /* MGF1 */)
            return cvm_rd_fail(r, CVM_E_VALUE, "parameters.kdf.scheme", at,
                               "0x%04x is not a key derivation scheme", p->ecc_kdf);
        if ((rc = read_hash_alg(r, "parameters.kdf.details.hashAlg", false, &p->ecc_kdf_hash)))
            return rc;
    }
    if ((rc = cvm_rd_tpm2b(r, "unique.ecc.x", CVM_TPM_ECC_MAX_BYTES, &p->ecc_x, &p->ecc_x_len)))
        return rc;
    return cvm_rd_tpm2b(r, "unique.ecc.y", CVM_TPM_ECC_MAX_BYTES, &p->ecc_y, &p->ecc_y_len);
}

int cvm_tpm_public_parse(const uint8_t *buf, size_t len, const char *what, int flags,
                         cvm_tpm_public *out, cvm_err *err)
{
    cvm_rd r, t;
    cvm_rd_init(&r, buf, len, what ? what : (flags == CVM_TPM_PUBLIC_TPMT ? "TPMT_PUBLIC" : "TPM2B_PUBLIC"),
                err);
    cvm_tpm_public p;
    memset(&p, 0, sizeof(p));
    int rc;
    if (flags == CVM_TPM_PUBLIC_TPMT) {
        if ((rc = cvm_rd_sub(&r, "publicArea", len, &t)))
            return rc;
    } else if (flags == CVM_TPM_PUBLIC_TPM2B) {
        uint16_t size;
        size_t at = cvm_rd_abs(&r);
        if ((rc = cvm_rd_u16be(&r, "size", &size)))
            return rc;
        if (size == 0)
            return cvm_rd_fail(&r, CVM_E_VALUE, "size", at, "empty TPM2B_PUBLIC");
        if ((rc = cvm_rd_sub(&r, "publicArea", size, &t)))
            return rc;
    } else {
        return cvm_err_set(err, CVM_E_STATE, r.what, "flags", CVM_NO_OFFSET, "unknown flags %d", flags);
    }
    p.tpmt = t.p;
    p.tpmt_len = t.len;
    if ((rc = public_read(&t, &p)) || (rc = cvm_rd_end(&t, "publicArea")) ||
        (rc = cvm_rd_end(&r, "TPM2B_PUBLIC")))
        return rc;
    *out = p;
    return CVM_OK;
}

int cvm_tpm_public_name(const uint8_t *tpmt_public, size_t len, uint16_t name_alg,
                        uint8_t *out, size_t *out_len)
{
    size_t dlen = cvm_tpm_hash_len(name_alg);
    if (!dlen || !out || !out_len)
        return CVM_E_UNSUPPORTED;
    if (*out_len < 2 + dlen)
        return CVM_E_LIMIT;
    size_t cap = *out_len - 2;
    int rc = cvm_tpm_hash(name_alg, tpmt_public, len, out + 2, &cap);
    if (rc)
        return rc;
    out[0] = (uint8_t)(name_alg >> 8);
    out[1] = (uint8_t)name_alg;
    *out_len = 2 + dlen;
    return CVM_OK;
}

int cvm_tpm_qualified_name(const uint8_t *parent_qn, size_t parent_qn_len,
                           const uint8_t *name, size_t name_len, uint8_t *out, size_t *out_len)
{
    if (!name || name_len < 2 || !out || !out_len)
        return CVM_E_VALUE;
    uint16_t alg = (uint16_t)(name[0] << 8 | name[1]);
    size_t dlen = cvm_tpm_hash_len(alg);
    if (!dlen)
        return CVM_E_UNSUPPORTED;
    if (*out_len < 2 + dlen)
        return CVM_E_LIMIT;
    const uint8_t *parts[2] = {parent_qn, name};
    size_t lens[2] = {parent_qn ? parent_qn_len : 0, name_len};
    size_t cap = *out_len - 2;
    int rc = hash_parts(alg, parts, lens, 2, out + 2, &cap);
    if (rc)
        return rc;
    out[0] = name[0];
    out[1] = name[1];
    *out_len = 2 + dlen;
    return CVM_OK;
}

int cvm_tpm_primary_qualified_name(uint32_t hierarchy, const uint8_t *name, size_t name_len,
                                   uint8_t *out, size_t *out_len)
{
    uint8_t h[4] = {(uint8_t)(hierarchy >> 24), (uint8_t)(hierarchy >> 16), (uint8_t)(hierarchy >> 8),
                    (uint8_t)hierarchy};
    return cvm_tpm_qualified_name(h, 4, name, name_len, out, out_len);
}

static const struct {
    uint32_t bit;
    const char *name;
} attr_names[] = {
    {CVM_TPMA_OBJECT_FIXEDTPM, "fixedTPM"},
    {CVM_TPMA_OBJECT_STCLEAR, "stClear"},
    {CVM_TPMA_OBJECT_FIXEDPARENT, "fixedParent"},
    {CVM_TPMA_OBJECT_SENSITIVEDATAORIGIN, "sensitiveDataOrigin"},
    {CVM_TPMA_OBJECT_USERWITHAUTH, "userWithAuth"},
    {CVM_TPMA_OBJECT_ADMINWITHPOLICY, "adminWithPolicy"},
    {CVM_TPMA_OBJECT_FIRMWARELIMITED, "firmwareLimited"},
    {CVM_TPMA_OBJECT_NODA, "noDA"},
    {CVM_TPMA_OBJECT_ENCRYPTEDDUPLICATION, "encryptedDuplication"},
    {CVM_TPMA_OBJECT_RESTRICTED, "restricted"},
    {CVM_TPMA_OBJECT_DECRYPT, "decrypt"},
    {CVM_TPMA_OBJECT_SIGN_ENCRYPT, "sign"},
    {CVM_TPMA_OBJECT_X509SIGN, "x509sign"},
};

json_t *cvm_tpm_public_to_json(const cvm_tpm_public *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "type", alg_json(p->type));
    json_object_set_new(o, "name_alg", alg_json(p->name_alg));
    json_object_set_new(o, "object_attributes", hexnum_json(p->object_attributes, 8));
    json_t *attrs = json_array();
    uint32_t known = 0;
    for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]); i++) {
        known |= attr_names[i].bit;
        if (p->object_attributes & attr_names[i].bit)
            json_array_append_new(attrs, json_string(attr_names[i].name));
    }
    json_object_set_new(o, "attributes", attrs);
    if (p->object_attributes & ~known)
        json_object_set_new(o, "attributes_unknown", hexnum_json(p->object_attributes & ~known, 8));
    json_object_set_new(o, "auth_policy", cvm_hex_json(p->auth_policy, p->auth_policy_len));
    json_t *sym = json_object();
    json_object_set_new(sym, "algorithm", alg_json(p->sym_alg));
    if (p->sym_alg != CVM_TPM_ALG_NULL) {
        json_object_set_new(sym, "key_bits", json_integer(p->sym_key_bits));
        json_object_set_new(sym, "mode", alg_json(p->sym_mode));
    }
    json_object_set_new(o, "symmetric", sym);
    json_object_set_new(o, "scheme", alg_json(p->scheme));
    json_object_set_new(o, "scheme_hash", p->scheme == CVM_TPM_ALG_NULL || !p->scheme_hash
                                              ? json_null() : alg_json(p->scheme_hash));
    if (p->type == CVM_TPM_ALG_RSA) {
        json_t *rsa = json_object();
        json_object_set_new(rsa, "key_bits", json_integer(p->rsa_key_bits));
        json_object_set_new(rsa, "exponent", json_integer(p->rsa_exponent));
        json_object_set_new(rsa, "exponent_raw", json_integer(p->rsa_exponent_raw));
        json_object_set_new(rsa, "modulus", cvm_hex_json(p->rsa_modulus, p->rsa_modulus_len));
        uint8_t fp[32];
        size_t fl = sizeof(fp);
        if (cvm_tpm_hash(CVM_TPM_ALG_SHA256, p->rsa_modulus, p->rsa_modulus_len, fp, &fl) == CVM_OK)
            json_object_set_new(rsa, "modulus_sha256", cvm_hex_json(fp, fl));
        json_object_set_new(o, "rsa", rsa);
    } else if (p->type == CVM_TPM_ALG_ECC) {
        json_t *ecc = json_object();
        const char *curve = p->ecc_curve_id == CVM_TPM_ECC_NIST_P256   ? "nist_p256"
                            : p->ecc_curve_id == CVM_TPM_ECC_NIST_P384 ? "nist_p384"
                            : p->ecc_curve_id == CVM_TPM_ECC_NIST_P521 ? "nist_p521"
                                                                       : NULL;
        json_object_set_new(ecc, "curve", curve ? json_string(curve) : hexnum_json(p->ecc_curve_id, 4));
        json_object_set_new(ecc, "kdf", alg_json(p->ecc_kdf));
        json_object_set_new(ecc, "x", cvm_hex_json(p->ecc_x, p->ecc_x_len));
        json_object_set_new(ecc, "y", cvm_hex_json(p->ecc_y, p->ecc_y_len));
        json_object_set_new(o, "ecc", ecc);
    }
    uint8_t name[CVM_TPM_NAME_MAX];
    size_t nl = sizeof(name);
    if (p->tpmt && cvm_tpm_public_name(p->tpmt, p->tpmt_len, p->name_alg, name, &nl) == CVM_OK)
        json_object_set_new(o, "name", cvm_hex_json(name, nl));
    return o;
}
