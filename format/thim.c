/* Azure IMDS THIM response: strict parse and writer (spec/formats.md §4). */
#include "thim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char K_VCEK[] = "vcekCert";
static const char K_CHAIN[] = "certificateChain";
static const char K_TCBM[] = "tcbm";
static const char K_CACHE[] = "cacheControl";

static int take_pem_string(json_t *root, const char *key, const char *what, char **out,
                           size_t *out_len, cvm_err *err)
{
    json_t *v = json_object_get(root, key);
    size_t n;
    if (!v)
        return cvm_err_set(err, CVM_E_VALUE, what, key, CVM_NO_OFFSET, "member missing");
    if (!json_is_string(v))
        return cvm_err_set(err, CVM_E_VALUE, what, key, CVM_NO_OFFSET, "must be a string");
    n = json_string_length(v);
    if (n == 0)
        return cvm_err_set(err, CVM_E_VALUE, what, key, CVM_NO_OFFSET, "empty string");
    *out = malloc(n + 1);
    if (!*out)
        return cvm_err_set(err, CVM_E_NOMEM, what, key, CVM_NO_OFFSET, "out of memory");
    /* JSON_ALLOW_NUL is not set, so the string holds no NUL */
    memcpy(*out, json_string_value(v), n + 1);
    *out_len = n;
    return CVM_OK;
}

int cvm_thim_parse(const uint8_t *buf, size_t len, const char *what, cvm_thim *out, cvm_err *err)
{
    json_error_t je;
    json_t *root, *v;
    const char *key;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!what)
        what = "thim.json";
    if (len > CVM_THIM_MAX_BYTES)
        return cvm_err_set(err, CVM_E_LIMIT, what, "thim", 0, "%zu bytes exceeds %u", len,
                           CVM_THIM_MAX_BYTES);
    if (len == 0)
        return cvm_err_set(err, CVM_E_TRUNCATED, what, "thim", 0, "empty input");
    root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return cvm_err_set(err, CVM_E_SYNTAX, what, "json", je.position < 0 ? CVM_NO_OFFSET
                                                                           : (size_t)je.position,
                           "%s (line %d, column %d)", je.text, je.line, je.column);
    if (!json_is_object(root)) {
        json_decref(root);
        return cvm_err_set(err, CVM_E_VALUE, what, "json", 0, "top level must be an object");
    }

    if ((rc = take_pem_string(root, K_VCEK, what, &out->vcek_cert, &out->vcek_cert_len, err)) ||
        (rc = take_pem_string(root, K_CHAIN, what, &out->certificate_chain,
                              &out->certificate_chain_len, err)))
        goto fail;

    v = json_object_get(root, K_TCBM);
    if (!v) {
        rc = cvm_err_set(err, CVM_E_VALUE, what, K_TCBM, CVM_NO_OFFSET, "member missing");
        goto fail;
    }
    if (!json_is_string(v)) {
        rc = cvm_err_set(err, CVM_E_VALUE, what, K_TCBM, CVM_NO_OFFSET,
                         "must be a string of 16 hex digits");
        goto fail;
    }
    {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        uint64_t t = 0;
        if (n != 16) {
            rc = cvm_err_set(err, CVM_E_VALUE, what, K_TCBM, CVM_NO_OFFSET,
                             "%zu characters, expected 16 hex digits", n);
            goto fail;
        }
        for (size_t i = 0; i < 16; i++) {
            int h = cvm_hexval(s[i]);
            if (h < 0) {
                rc = cvm_err_set(err, CVM_E_VALUE, what, K_TCBM, CVM_NO_OFFSET,
                                 "character %zu (0x%02x) is not a hex digit", i,
                                 (unsigned char)s[i]);
                goto fail;
            }
            t = (t << 4) | (uint64_t)h;
        }
        memcpy(out->tcbm_hex, s, 16);
        out->tcbm_hex[16] = 0;
        out->tcbm = t;
    }

    v = json_object_get(root, K_CACHE);
    if (!v) {
        rc = cvm_err_set(err, CVM_E_VALUE, what, K_CACHE, CVM_NO_OFFSET, "member missing");
        goto fail;
    }
    if (json_is_string(v)) {
        out->cache_control = strdup(json_string_value(v));
    } else if (json_is_integer(v) && json_integer_value(v) >= 0) {
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        out->cache_control = strdup(tmp);
        out->cache_control_is_int = true;
    } else {
        rc = cvm_err_set(err, CVM_E_VALUE, what, K_CACHE, CVM_NO_OFFSET,
                         "must be a string or a non-negative integer");
        goto fail;
    }
    if (!out->cache_control) {
        rc = cvm_err_set(err, CVM_E_NOMEM, what, K_CACHE, CVM_NO_OFFSET, "out of memory");
        goto fail;
    }

    json_object_foreach(root, key, v) {
        if (!strcmp(key, K_VCEK) || !strcmp(key, K_CHAIN) || !strcmp(key, K_TCBM) ||
            !strcmp(key, K_CACHE))
            continue;
        if (!out->extra && !(out->extra = json_object())) {
            rc = cvm_err_set(err, CVM_E_NOMEM, what, key, CVM_NO_OFFSET, "out of memory");
            goto fail;
        }
        json_object_set(out->extra, key, v);
    }
    json_decref(root);
    return CVM_OK;
fail:
    json_decref(root);
    cvm_thim_free(out);
    return rc;
}

void cvm_thim_free(cvm_thim *t)
{
    if (!t)
        return;
    free(t->vcek_cert);
    free(t->certificate_chain);
    free(t->cache_control);
    json_decref(t->extra);
    memset(t, 0, sizeof(*t));
}

void cvm_thim_tcbm_bytes(const cvm_thim *t, uint8_t out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(t->tcbm >> (8 * i));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The object in the writer's member order; NULL on a bad struct. */
static json_t *thim_obj(const cvm_thim *t, bool with_extra)
{
    json_t *o;
    bool ok;
    if (!t->vcek_cert || !t->certificate_chain || !t->cache_control)
        return NULL;
    o = json_object();
    if (!o)
        return NULL;
    ok = !json_object_set_new(o, K_VCEK, json_stringn(t->vcek_cert, t->vcek_cert_len)) &&
         !json_object_set_new(o, K_TCBM, json_string(t->tcbm_hex)) &&
         !json_object_set_new(o, K_CHAIN,
                              json_stringn(t->certificate_chain, t->certificate_chain_len));
    if (ok && t->cache_control_is_int) {
        char *end;
        long long v = strtoll(t->cache_control, &end, 10);
        ok = *end == 0 && !json_object_set_new(o, K_CACHE, json_integer(v));
    } else if (ok) {
        ok = !json_object_set_new(o, K_CACHE, json_string(t->cache_control));
    }
    if (ok && with_extra && t->extra && json_object_size(t->extra)) {
        size_t n = json_object_size(t->extra), i = 0;
        const char **keys = calloc(n, sizeof(*keys));
        const char *k;
        json_t *v;
        if (!keys) {
            json_decref(o);
            return NULL;
        }
        json_object_foreach(t->extra, k, v) keys[i++] = k;
        qsort(keys, n, sizeof(*keys), cmp_str);
        for (i = 0; ok && i < n; i++)
            ok = !json_object_set(o, keys[i], json_object_get(t->extra, keys[i]));
        free(keys);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int thim_write(const cvm_thim *t, cvm_wr *w, size_t flags)
{
    json_t *o;
    size_t n;
    uint8_t *p;
    int rc;
    if (w->failed)
        return CVM_E_STATE;
    o = thim_obj(t, true);
    if (!o)
        return CVM_E_VALUE;
    n = json_dumpb(o, NULL, 0, flags);
    if (n == 0) {
        json_decref(o);
        return CVM_E_VALUE;
    }
    rc = cvm_wr_reserve(w, n, &p);
    if (rc == CVM_OK && json_dumpb(o, (char *)p, n, flags) != n)
        rc = CVM_E_VALUE;
    json_decref(o);
    return rc;
}

int cvm_thim_write(const cvm_thim *t, cvm_wr *w)
{
    return thim_write(t, w, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

int cvm_thim_write_pretty(const cvm_thim *t, cvm_wr *w)
{
    return thim_write(t, w, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
}

json_t *cvm_thim_to_json(const cvm_thim *t)
{
    json_t *o = json_object();
    uint8_t b[8];
    char hx[17];
    if (!o)
        return NULL;
    json_object_set_new(o, K_VCEK, t->vcek_cert ? json_stringn(t->vcek_cert, t->vcek_cert_len)
                                                : json_null());
    json_object_set_new(o, K_CHAIN, t->certificate_chain
                                        ? json_stringn(t->certificate_chain,
                                                       t->certificate_chain_len)
                                        : json_null());
    json_object_set_new(o, K_TCBM, json_string(t->tcbm_hex));
    cvm_thim_tcbm_bytes(t, b);
    cvm_hex(b, 8, hx);
    json_object_set_new(o, "tcbm_bytes", json_string(hx));
    json_object_set_new(o, K_CACHE, t->cache_control ? json_string(t->cache_control) : json_null());
    if (t->extra)
        json_object_set(o, "extra", t->extra);
    return o;
}
