#include "runtime.h"
#include "jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "buf.h"

const char *cvm_tristate_name(cvm_tristate t)
{
    switch (t) {
    case CVM_TRI_FALSE: return "false";
    case CVM_TRI_TRUE: return "true";
    default: return "absent";
    }
}

static const char *type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "real";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
    default: return "?";
    }
}

static int type_err(cvm_err *err, const char *what, const char *path, const json_t *j,
                    const char *want)
{
    return cvm_err_set(err, CVM_E_VALUE, what, path, CVM_NO_OFFSET, "expected %s, got %s", want,
                       type_name(j));
}

void cvm_runtime_free(cvm_runtime *rt)
{
    if (!rt)
        return;
    for (size_t i = 0; i < rt->n_keys; i++) {
        free(rt->keys[i].n);
        free(rt->keys[i].e);
    }
    free(rt->keys);
    json_decref(rt->vm_config_unknown);
    json_decref(rt->unknown);
    json_decref(rt->root);
    memset(rt, 0, sizeof(*rt));
}

static int b64_member(cvm_err *err, const char *what, const char *path, json_t *v,
                      uint8_t **out, size_t *outlen)
{
    if (!json_is_string(v))
        return type_err(err, what, path, v, "base64url string");
    size_t pos = 0;
    int rc = cvm_b64url_decode_alloc(json_string_value(v), json_string_length(v), out, outlen,
                                     &pos);
    if (rc == CVM_E_NOMEM)
        return cvm_err_set(err, rc, what, path, CVM_NO_OFFSET, "out of memory");
    if (rc)
        return cvm_err_set(err, CVM_E_VALUE, what, path, CVM_NO_OFFSET,
                           "invalid base64url at character %zu (no padding, no whitespace, "
                           "canonical trailing bits)",
                           pos);
    if (*outlen == 0) {
        free(*out);
        *out = NULL;
        return cvm_err_set(err, CVM_E_VALUE, what, path, CVM_NO_OFFSET, "empty value");
    }
    return CVM_OK;
}

static int parse_jwk(cvm_err *err, const char *what, size_t idx, json_t *j, cvm_jwk *k)
{
    char path[64];
    snprintf(path, sizeof(path), "keys[%zu]", idx);
    if (!json_is_object(j))
        return type_err(err, what, path, j, "object");
    k->json = j;

    json_t *v = json_object_get(j, "kid");
    snprintf(path, sizeof(path), "keys[%zu].kid", idx);
    if (!v)
        return cvm_err_set(err, CVM_E_VALUE, what, path, CVM_NO_OFFSET, "missing");
    if (!json_is_string(v))
        return type_err(err, what, path, v, "string");
    k->kid = json_string_value(v);

    v = json_object_get(j, "kty");
    snprintf(path, sizeof(path), "keys[%zu].kty", idx);
    if (!v)
        return cvm_err_set(err, CVM_E_VALUE, what, path, CVM_NO_OFFSET, "missing");
    if (!json_is_string(v))
        return type_err(err, what, path, v, "string");
    k->kty = json_string_value(v);

    v = json_object_get(j, "key_ops");
    if (v) {
        snprintf(path, sizeof(path), "keys[%zu].key_ops", idx);
        if (!json_is_array(v))
            return type_err(err, what, path, v, "array");
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *op = json_array_get(v, i);
            if (!json_is_string(op)) {
                snprintf(path, sizeof(path), "keys[%zu].key_ops[%zu]", idx, i);
                return type_err(err, what, path, op, "string");
            }
        }
        k->key_ops = v;
    }

    if (strcmp(k->kty, "RSA") == 0) {
        static const char *const names[2] = {"n", "e"};
        uint8_t **dst[2] = {&k->n, &k->e};
        size_t *dlen[2] = {&k->n_len, &k->e_len};
        for (int i = 0; i < 2; i++) {
            snprintf(path, sizeof(path), "keys[%zu].%s", idx, names[i]);
            v = json_object_get(j, names[i]);
            if (!v)
                return cvm_err_set(err, CVM_E_VALUE, what, path, CVM_NO_OFFSET,
                                   "missing (required for kty RSA)");
            int rc = b64_member(err, what, path, v, dst[i], dlen[i]);
            if (rc)
                return rc;
        }
    }
    return CVM_OK;
}

static int tri_member(cvm_err *err, const char *what, json_t *obj, const char *name,
                      cvm_tristate *out)
{
    json_t *v = json_object_get(obj, name);
    if (!v) {
        *out = CVM_TRI_ABSENT;
        return CVM_OK;
    }
    if (!json_is_boolean(v)) {
        char path[96];
        snprintf(path, sizeof(path), "vm-configuration.%s", name);
        return type_err(err, what, path, v, "boolean");
    }
    *out = json_is_true(v) ? CVM_TRI_TRUE : CVM_TRI_FALSE;
    return CVM_OK;
}

static int str_member(cvm_err *err, const char *what, json_t *obj, const char *name,
                      const char **out)
{
    json_t *v = json_object_get(obj, name);
    if (!v)
        return CVM_OK;
    if (!json_is_string(v)) {
        char path[96];
        snprintf(path, sizeof(path), "vm-configuration.%s", name);
        return type_err(err, what, path, v, "string");
    }
    *out = json_string_value(v);
    return CVM_OK;
}

static bool in_list(const char *k, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(k, *list) == 0)
            return true;
    return false;
}

static int parse_vmconfig(cvm_err *err, const char *what, json_t *vc, cvm_runtime *o)
{
    if (!json_is_object(vc))
        return type_err(err, what, "vm-configuration", vc, "object");
    o->has_vm_configuration = true;
    o->vm_configuration = vc;
    int rc;
    if ((rc = tri_member(err, what, vc, "secure-boot", &o->secure_boot)) ||
        (rc = tri_member(err, what, vc, "tpm-enabled", &o->tpm_enabled)) ||
        (rc = tri_member(err, what, vc, "console-enabled", &o->console_enabled)) ||
        (rc = tri_member(err, what, vc, "tpm-persisted", &o->tpm_persisted)) ||
        (rc = str_member(err, what, vc, "vmUniqueId", &o->vm_unique_id)) ||
        (rc = str_member(err, what, vc, "root-cert-thumbprint", &o->root_cert_thumbprint)))
        return rc;
    json_t *ct = json_object_get(vc, "current-time");
    if (ct) {
        /* json_integer_value on a real or string silently returns 0 */
        if (!json_is_integer(ct))
            return type_err(err, what, "vm-configuration.current-time", ct, "integer");
        o->has_current_time = true;
        o->current_time = json_integer_value(ct);
    }
    static const char *const known[] = {"secure-boot", "tpm-enabled", "console-enabled",
                                        "tpm-persisted", "vmUniqueId", "root-cert-thumbprint",
                                        "current-time", NULL};
    o->vm_config_unknown = json_object();
    if (!o->vm_config_unknown)
        return cvm_err_set(err, CVM_E_NOMEM, what, "vm-configuration", CVM_NO_OFFSET,
                           "out of memory");
    const char *key;
    json_t *val;
    json_object_foreach(vc, key, val)
    {
        if (!in_list(key, known) && json_object_set(o->vm_config_unknown, key, val) != 0)
            return cvm_err_set(err, CVM_E_NOMEM, what, "vm-configuration", CVM_NO_OFFSET,
                               "out of memory");
    }
    return CVM_OK;
}

static int parse_root(cvm_err *err, const char *what, cvm_runtime *o)
{
    json_t *root = o->root;
    json_t *keys = json_object_get(root, "keys");
    if (keys) {
        if (!json_is_array(keys))
            return type_err(err, what, "keys", keys, "array");
        o->has_keys = true;
        size_t n = json_array_size(keys);
        if (n > CVM_RUNTIME_MAX_KEYS)
            return cvm_err_set(err, CVM_E_LIMIT, what, "keys", CVM_NO_OFFSET,
                               "%zu keys, at most %d are accepted", n, CVM_RUNTIME_MAX_KEYS);
        if (n) {
            o->keys = calloc(n, sizeof(*o->keys));
            if (!o->keys)
                return cvm_err_set(err, CVM_E_NOMEM, what, "keys", CVM_NO_OFFSET,
                                   "out of memory");
        }
        for (size_t i = 0; i < n; i++) {
            o->n_keys = i + 1; /* so cvm_runtime_free releases what was decoded */
            int rc = parse_jwk(err, what, i, json_array_get(keys, i), &o->keys[i]);
            if (rc)
                return rc;
            for (size_t j = 0; j < i; j++) {
                if (strcmp(o->keys[j].kid, o->keys[i].kid) == 0) {
                    char path[64];
                    snprintf(path, sizeof(path), "keys[%zu].kid", i);
                    return cvm_err_set(err, CVM_E_VALUE, what, path, CVM_NO_OFFSET,
                                       "kid \"%s\" already used by keys[%zu]", o->keys[i].kid,
                                       j);
                }
            }
        }
    }

    json_t *vc = json_object_get(root, "vm-configuration");
    if (vc) {
        int rc = parse_vmconfig(err, what, vc, o);
        if (rc)
            return rc;
    }

    json_t *ud = json_object_get(root, "user-data");
    if (ud) {
        if (!json_is_string(ud))
            return type_err(err, what, "user-data", ud, "hex string");
        size_t n = json_string_length(ud);
        if (n != 2 * CVM_RUNTIME_USER_DATA_LEN)
            return cvm_err_set(err, CVM_E_VALUE, what, "user-data", CVM_NO_OFFSET,
                               "%zu characters, expected %d hex digits", n,
                               2 * CVM_RUNTIME_USER_DATA_LEN);
        if (cvm_unhex(json_string_value(ud), n, o->user_data, sizeof(o->user_data)) !=
            CVM_RUNTIME_USER_DATA_LEN)
            return cvm_err_set(err, CVM_E_VALUE, what, "user-data", CVM_NO_OFFSET,
                               "not a hex string");
        o->has_user_data = true;
    }

    static const char *const known[] = {"keys", "vm-configuration", "user-data", NULL};
    o->unknown = json_object();
    if (!o->unknown)
        return cvm_err_set(err, CVM_E_NOMEM, what, "", CVM_NO_OFFSET, "out of memory");
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        if (!in_list(key, known) && json_object_set(o->unknown, key, val) != 0)
            return cvm_err_set(err, CVM_E_NOMEM, what, "", CVM_NO_OFFSET, "out of memory");
    }
    return CVM_OK;
}

int cvm_runtime_parse(const uint8_t *buf, size_t len, const char *what, cvm_runtime *out,
                      cvm_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!what)
        what = "runtime_claims";
    json_error_t je;
    static const char empty[1];
    json_t *root = json_loadb(buf ? (const char *)buf : empty, buf ? len : 0,
                              JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return cvm_err_set(err, CVM_E_SYNTAX, what, "", CVM_NO_OFFSET,
                           "JSON syntax error at line %d column %d (byte %d): %s", je.line,
                           je.column, je.position, je.text);
    if (!json_is_object(root)) {
        int rc = type_err(err, what, "(top level)", root, "object");
        json_decref(root);
        return rc;
    }
    cvm_runtime o;
    memset(&o, 0, sizeof(o));
    o.root = root;
    int rc = parse_root(err, what, &o);
    if (rc) {
        cvm_runtime_free(&o);
        return rc;
    }
    *out = o;
    return CVM_OK;
}

const cvm_jwk *cvm_runtime_find_key(const cvm_runtime *rt, const char *kid)
{
    if (!rt || !kid)
        return NULL;
    for (size_t i = 0; i < rt->n_keys; i++)
        if (rt->keys[i].kid && strcmp(rt->keys[i].kid, kid) == 0)
            return &rt->keys[i];
    return NULL;
}

static size_t bit_len(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] == 0)
        i++;
    if (i == n)
        return 0;
    size_t bits = (n - i) * 8;
    for (uint8_t b = p[i]; !(b & 0x80); b <<= 1)
        bits--;
    return bits;
}

static json_t *tri_json(cvm_tristate t)
{
    return t == CVM_TRI_ABSENT ? json_null() : json_boolean(t == CVM_TRI_TRUE);
}

json_t *cvm_runtime_to_json(const cvm_runtime *rt)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_t *ks = json_array();
    for (size_t i = 0; i < rt->n_keys; i++) {
        const cvm_jwk *k = &rt->keys[i];
        json_t *kj = json_object();
        json_object_set_new(kj, "kid", json_string(k->kid));
        json_object_set_new(kj, "kty", json_string(k->kty));
        if (k->key_ops)
            json_object_set(kj, "key_ops", k->key_ops);
        if (k->n) {
            json_object_set_new(kj, "n", cvm_hex_json(k->n, k->n_len));
            json_object_set_new(kj, "n_bits", json_integer((json_int_t)bit_len(k->n, k->n_len)));
        }
        if (k->e) {
            uint64_t e = 0;
            size_t i0 = 0;
            while (i0 < k->e_len && k->e[i0] == 0)
                i0++;
            if (k->e_len - i0 <= 7) {
                for (size_t j = i0; j < k->e_len; j++)
                    e = e << 8 | k->e[j];
                json_object_set_new(kj, "e", json_integer((json_int_t)e));
            } else {
                json_object_set_new(kj, "e", cvm_hex_json(k->e, k->e_len));
            }
        }
        json_array_append_new(ks, kj);
    }
    json_object_set_new(o, "keys", ks);
    if (rt->has_vm_configuration) {
        json_t *vc = json_object();
        json_object_set_new(vc, "secure-boot", tri_json(rt->secure_boot));
        json_object_set_new(vc, "tpm-enabled", tri_json(rt->tpm_enabled));
        json_object_set_new(vc, "console-enabled", tri_json(rt->console_enabled));
        json_object_set_new(vc, "tpm-persisted", tri_json(rt->tpm_persisted));
        json_object_set_new(vc, "vmUniqueId",
                            rt->vm_unique_id ? json_string(rt->vm_unique_id) : json_null());
        if (rt->has_current_time)
            json_object_set_new(vc, "current-time", json_integer(rt->current_time));
        if (rt->root_cert_thumbprint)
            json_object_set_new(vc, "root-cert-thumbprint",
                                json_string(rt->root_cert_thumbprint));
        if (rt->vm_config_unknown && json_object_size(rt->vm_config_unknown))
            json_object_set(vc, "other", rt->vm_config_unknown);
        json_object_set_new(o, "vm-configuration", vc);
    }
    if (rt->has_user_data)
        json_object_set_new(o, "user-data", cvm_hex_json(rt->user_data, sizeof(rt->user_data)));
    if (rt->unknown && json_object_size(rt->unknown))
        json_object_set(o, "other", rt->unknown);
    return o;
}
