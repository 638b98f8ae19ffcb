/* manifest.json: spec/bundle-v1.md §4. Parsed with jansson
 * (JSON_REJECT_DUPLICATES, exact length), checked against a closed schema,
 * then re-serialised by our own canonical writer and compared byte for
 * byte, so exactly one encoding of each manifest is accepted. */
#include "manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"

#define MAX_DEPTH 16

/* ------------------------------------------------------ canonical writer */

static int put_string(cvm_wr *w, const char *s, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    cvm_wr_u8(w, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t k;
        /* jansson only holds valid UTF-8, but decode defensively */
        if (c < 0x80) {
            cp = c;
            k = 1;
        } else if ((c & 0xe0) == 0xc0) {
            cp = c & 0x1f;
            k = 2;
        } else if ((c & 0xf0) == 0xe0) {
            cp = c & 0x0f;
            k = 3;
        } else if ((c & 0xf8) == 0xf0) {
            cp = c & 0x07;
            k = 4;
        } else {
            return CVM_E_VALUE;
        }
        if (n - i < k)
            return CVM_E_VALUE;
        for (size_t j = 1; j < k; j++) {
            unsigned char d = (unsigned char)s[i + j];
            if ((d & 0xc0) != 0x80)
                return CVM_E_VALUE;
            cp = (cp << 6) | (d & 0x3f);
        }
        i += k;
        switch (cp) {
        case '"': cvm_wr_str(w, "\\\""); continue;
        case '\\': cvm_wr_str(w, "\\\\"); continue;
        case '\b': cvm_wr_str(w, "\\b"); continue;
        case '\t': cvm_wr_str(w, "\\t"); continue;
        case '\n': cvm_wr_str(w, "\\n"); continue;
        case '\f': cvm_wr_str(w, "\\f"); continue;
        case '\r': cvm_wr_str(w, "\\r"); continue;
        default: break;
        }
        if (cp >= 0x20 && cp < 0x7f) {
            cvm_wr_u8(w, (uint8_t)cp);
            continue;
        }
        uint32_t units[2];
        int nu = 1;
        if (cp > 0xffff) {
            cp -= 0x10000;
            units[0] = 0xd800 | (cp >> 10);
            units[1] = 0xdc00 | (cp & 0x3ff);
            nu = 2;
        } else {
            units[0] = cp;
        }
        for (int u = 0; u < nu; u++) {
            char e[7] = {'\\', 'u', hx[(units[u] >> 12) & 15], hx[(units[u] >> 8) & 15],
                         hx[(units[u] >> 4) & 15], hx[units[u] & 15], 0};
            cvm_wr_str(w, e);
        }
    }
    return cvm_wr_u8(w, '"');
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int canon(const json_t *j, cvm_wr *w, int depth)
{
    if (depth > MAX_DEPTH)
        return CVM_E_LIMIT;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(j), i = 0;
        const char **keys = calloc(n ? n : 1, sizeof(*keys));
        if (!keys)
            return CVM_E_NOMEM;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v) keys[i++] = k;
        qsort(keys, n, sizeof(*keys), cmp_str);
        int rc = cvm_wr_u8(w, '{');
        for (i = 0; i < n && rc == CVM_OK; i++) {
            if (i)
                cvm_wr_u8(w, ',');
            rc = put_string(w, keys[i], strlen(keys[i]));
            cvm_wr_u8(w, ':');
            if (rc == CVM_OK)
                rc = canon(json_object_get(j, keys[i]), w, depth + 1);
        }
        free(keys);
        return rc != CVM_OK ? rc : cvm_wr_u8(w, '}');
    }
    case JSON_ARRAY: {
        int rc = cvm_wr_u8(w, '[');
        for (size_t i = 0; i < json_array_size(j) && rc == CVM_OK; i++) {
            if (i)
                cvm_wr_u8(w, ',');
            rc = canon(json_array_get(j, i), w, depth + 1);
        }
        return rc != CVM_OK ? rc : cvm_wr_u8(w, ']');
    }
    case JSON_STRING:
        return put_string(w, json_string_value(j), json_string_length(j));
    case JSON_INTEGER:
        return cvm_wr_printf(w, "%lld", (long long)json_integer_value(j));
    case JSON_TRUE:
        return cvm_wr_str(w, "true");
    case JSON_FALSE:
        return cvm_wr_str(w, "false");
    default: /* reals and null have no place in our documents (§4.2) */
        return CVM_E_VALUE;
    }
}

int cvm_json_canonical(const json_t *j, cvm_wr *w)
{
    if (!j)
        return CVM_E_VALUE;
    int rc = canon(j, w, 0);
    if (rc == CVM_OK && w->failed)
        rc = CVM_E_LIMIT;
    return rc;
}

/* ------------------------------------------------------------- validation */

typedef struct vctx {
    const char *what;
    cvm_err *err;
} vctx;

static int vfail(const vctx *v, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int vfail(const vctx *v, const char *path, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cvm_err_set(v->err, CVM_E_VALUE, v->what, path, CVM_NO_OFFSET, "%s", msg);
}

/* The object at `path` has exactly `keys` (closed schema). */
static int closed_object(const vctx *v, const json_t *o, const char *path, const char *const *keys,
                         size_t nkeys)
{
    if (!json_is_object(o))
        return vfail(v, path, "expected an object");
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)o, k, val)
    {
        bool known = false;
        for (size_t i = 0; i < nkeys; i++)
            known = known || strcmp(k, keys[i]) == 0;
        if (!known) {
            char p[96];
            snprintf(p, sizeof(p), "%s%s%.60s", path, *path ? "." : "", k);
            return vfail(v, p, "unknown key");
        }
    }
    for (size_t i = 0; i < nkeys; i++) {
        if (!json_object_get(o, keys[i])) {
            char p[96];
            snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", keys[i]);
            return vfail(v, p, "required key missing");
        }
    }
    (void)val;
    return CVM_OK;
}

static const char *get_str(const vctx *v, const json_t *o, const char *key, const char *path,
                           int *rc)
{
    const json_t *s = json_object_get(o, key);
    if (*rc != CVM_OK)
        return NULL;
    if (!json_is_string(s)) {
        *rc = vfail(v, path, "expected a string");
        return NULL;
    }
    if (strlen(json_string_value(s)) != json_string_length(s)) {
        *rc = vfail(v, path, "string contains U+0000");
        return NULL;
    }
    return json_string_value(s);
}

static bool hex64_lc(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool digits(const char *s, size_t n, int lo, int hi)
{
    int x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (s[i] - '0');
    }
    return x >= lo && x <= hi;
}

/* "YYYY-MM-DDTHH:MM:SSZ" */
static bool rfc3339_utc(const char *s)
{
    return strlen(s) == 20 && digits(s, 4, 0, 9999) && s[4] == '-' && digits(s + 5, 2, 1, 12) &&
           s[7] == '-' && digits(s + 8, 2, 1, 31) && s[10] == 'T' && digits(s + 11, 2, 0, 23) &&
           s[13] == ':' && digits(s + 14, 2, 0, 59) && s[16] == ':' &&
           digits(s + 17, 2, 0, 60) && s[19] == 'Z';
}

/* bank:i,j,...(+bank:...)*, banks unique, indices 0..23 strictly ascending,
 * decimal without leading zeros (§4.1) */
static bool pcr_selection_ok(const char *s)
{
    static const char *const banks[] = {"sha1", "sha256", "sha384", "sha512"};
    bool seen[4] = {false, false, false, false};
    if (!*s)
        return false;
    for (;;) {
        int b = -1;
        for (int i = 0; i < 4; i++) {
            size_t bl = strlen(banks[i]);
            if (strncmp(s, banks[i], bl) == 0 && s[bl] == ':') {
                b = i;
                s += bl + 1;
                break;
            }
        }
        if (b < 0 || seen[b])
            return false;
        seen[b] = true;
        int last = -1;
        for (;;) {
            if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
                return false;
            int x = 0;
            while (*s >= '0' && *s <= '9') {
                x = x * 10 + (*s++ - '0');
                if (x > 23)
                    return false;
            }
            if (x <= last)
                return false;
            last = x;
            if (*s == ',') {
                s++;
                continue;
            }
            break;
        }
        if (*s == 0)
            return true;
        if (*s++ != '+')
            return false;
    }
}

static char *dup_or_fail(const char *s, int *rc)
{
    if (*rc != CVM_OK || !s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *rc = CVM_E_NOMEM;
    return d;
}

static bool claim_ok(const char *s, bool nonempty)
{
    size_t n = strlen(s);
    return n <= CVM_MANIFEST_CLAIM_MAX && (!nonempty || n > 0);
}

static int from_json(const vctx *v, const json_t *root, cvm_manifest *m)
{
    static const char *const top[] = {"binding", "bundle_id", "collector", "created", "custody",
                                      "format", "members", "nonce", "pcr_selection"};
    static const char *const coll[] = {"name", "version"};
    static const char *const cust[] = {"case_id", "examiner", "note"};
    static const char *const non[] = {"fresh_report", "hex", "source"};
    static const char *const mem[] = {"name", "role", "sha256", "size"};
    int rc = closed_object(v, root, "", top, 9);
    if (rc)
        return rc;

    const char *s = get_str(v, root, "format", "format", &rc);
    if (rc)
        return rc;
    if (strcmp(s, CVM_MANIFEST_FORMAT) != 0)
        return vfail(v, "format", "expected \"%s\"", CVM_MANIFEST_FORMAT);

    s = get_str(v, root, "bundle_id", "bundle_id", &rc);
    if (!rc && !cvm_bundle_id_valid(s))
        return vfail(v, "bundle_id", "not a lower-case 8-4-4-4-12 hex UUID");
    m->bundle_id = dup_or_fail(s, &rc);

    s = get_str(v, root, "created", "created", &rc);
    if (!rc && !rfc3339_utc(s))
        return vfail(v, "created", "not YYYY-MM-DDTHH:MM:SSZ");
    m->created = dup_or_fail(s, &rc);

    s = get_str(v, root, "binding", "binding", &rc);
    if (!rc && !hex64_lc(s))
        return vfail(v, "binding", "not 64 lower-case hex digits");
    if (!rc)
        cvm_unhex(s, 64, m->binding, 32);

    s = get_str(v, root, "pcr_selection", "pcr_selection", &rc);
    if (!rc && !pcr_selection_ok(s))
        return vfail(v, "pcr_selection",
                     "not bank:i,j,... with known unique banks and ascending indices 0..23");
    m->pcr_selection = dup_or_fail(s, &rc);
    if (rc)
        return rc;

    const json_t *o = json_object_get(root, "collector");
    if ((rc = closed_object(v, o, "collector", coll, 2)))
        return rc;
    s = get_str(v, o, "name", "collector.name", &rc);
    if (!rc && !claim_ok(s, true))
        return vfail(v, "collector.name", "empty or longer than %u bytes", CVM_MANIFEST_CLAIM_MAX);
    m->collector_name = dup_or_fail(s, &rc);
    s = get_str(v, o, "version", "collector.version", &rc);
    if (!rc && !claim_ok(s, true))
        return vfail(v, "collector.version", "empty or longer than %u bytes",
                     CVM_MANIFEST_CLAIM_MAX);
    m->collector_version = dup_or_fail(s, &rc);
    if (rc)
        return rc;

    o = json_object_get(root, "custody");
    if ((rc = closed_object(v, o, "custody", cust, 3)))
        return rc;
    char **dst[3] = {&m->custody_case_id, &m->custody_examiner, &m->custody_note};
    for (int i = 0; i < 3; i++) {
        char path[32];
        snprintf(path, sizeof(path), "custody.%s", cust[i]);
        s = get_str(v, o, cust[i], path, &rc);
        if (!rc && !claim_ok(s, false))
            return vfail(v, path, "longer than %u bytes", CVM_MANIFEST_CLAIM_MAX);
        *dst[i] = dup_or_fail(s, &rc);
        if (rc)
            return rc;
    }

    o = json_object_get(root, "nonce");
    if ((rc = closed_object(v, o, "nonce", non, 3)))
        return rc;
    s = get_str(v, o, "hex", "nonce.hex", &rc);
    if (!rc && !hex64_lc(s))
        return vfail(v, "nonce.hex", "not 64 lower-case hex digits (a 32-byte nonce)");
    if (!rc)
        cvm_unhex(s, 64, m->nonce, 32);
    s = get_str(v, o, "source", "nonce.source", &rc);
    if (rc)
        return rc;
    if (strcmp(s, "auditor") == 0)
        m->nonce_source = CVM_NONCE_AUDITOR;
    else if (strcmp(s, "random") == 0)
        m->nonce_source = CVM_NONCE_RANDOM;
    else
        return vfail(v, "nonce.source", "expected \"auditor\" or \"random\"");
    const json_t *fr = json_object_get(o, "fresh_report");
    if (!json_is_boolean(fr))
        return vfail(v, "nonce.fresh_report", "expected true or false");
    m->fresh_report = json_is_true(fr);

    const json_t *arr = json_object_get(root, "members");
    if (!json_is_array(arr))
        return vfail(v, "members", "expected an array");
    size_t n = json_array_size(arr);
    if (n == 0 || n > CVM_BUNDLE_MAX_MEMBERS)
        return vfail(v, "members", "%zu entries: expected 1..%u", n, CVM_BUNDLE_MAX_MEMBERS);
    m->members = calloc(n, sizeof(*m->members));
    if (!m->members)
        return CVM_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        char path[64], fp[80];
        snprintf(path, sizeof(path), "members[%zu]", i);
        const json_t *e = json_array_get(arr, i);
        if ((rc = closed_object(v, e, path, mem, 4)))
            return rc;
        cvm_manifest_member *mm = &m->members[i];
        snprintf(fp, sizeof(fp), "%s.name", path);
        s = get_str(v, e, "name", fp, &rc);
        if (rc)
            return rc;
        if (!cvm_bundle_name_valid(s))
            return vfail(v, fp, "not a valid member name");
        if (!cvm_member_is_manifested(s))
            return vfail(v, fp, "'%s' is not a pre-quote or quote member (spec §4.1)", s);
        if (i > 0 && strcmp(m->members[i - 1].name, s) >= 0)
            return vfail(v, fp, "members not sorted by name or duplicate ('%s' after '%s')", s,
                         m->members[i - 1].name);
        mm->name = dup_or_fail(s, &rc);
        m->n_members = i + 1;
        snprintf(fp, sizeof(fp), "%s.role", path);
        s = get_str(v, e, "role", fp, &rc);
        if (!rc && strcmp(s, cvm_member_role(mm->name)) != 0)
            return vfail(v, fp, "role of %s must be \"%s\"", mm->name,
                         cvm_member_role(mm->name));
        mm->role = dup_or_fail(s, &rc);
        snprintf(fp, sizeof(fp), "%s.sha256", path);
        s = get_str(v, e, "sha256", fp, &rc);
        if (!rc && !hex64_lc(s))
            return vfail(v, fp, "not 64 lower-case hex digits");
        if (rc)
            return rc;
        cvm_unhex(s, 64, mm->sha256, 32);
        snprintf(fp, sizeof(fp), "%s.size", path);
        const json_t *sz = json_object_get(e, "size");
        if (!json_is_integer(sz))
            return vfail(v, fp, "expected an integer");
        json_int_t x = json_integer_value(sz);
        if (x < 0 || x > (json_int_t)CVM_BUNDLE_MAX_MEMBER)
            return vfail(v, fp, "%lld outside 0..%u", (long long)x, CVM_BUNDLE_MAX_MEMBER);
        mm->size = (uint64_t)x;
    }
    return CVM_OK;
}

int cvm_manifest_parse(const uint8_t *buf, size_t len, const char *what, cvm_manifest *out,
                       cvm_err *err)
{
    vctx v = {.what = what ? what : "manifest.json", .err = err};
    memset(out, 0, sizeof(*out));
    if (!buf || len == 0)
        return cvm_err_set(err, CVM_E_TRUNCATED, v.what, "json", 0, "empty");
    if (len > CVM_MANIFEST_MAX)
        return cvm_err_set(err, CVM_E_LIMIT, v.what, "json", 0, "%zu bytes exceed the cap %u", len,
                           CVM_MANIFEST_MAX);
    json_error_t je;
    json_t *root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return cvm_err_set(err, CVM_E_SYNTAX, v.what, "json",
                           je.position >= 0 ? (size_t)je.position : CVM_NO_OFFSET,
                           "line %d column %d: %s", je.line, je.column, je.text);
    int rc = from_json(&v, root, out);
    if (rc == CVM_OK) {
        cvm_wr w;
        cvm_wr_init(&w);
        rc = cvm_json_canonical(root, &w);
        if (rc != CVM_OK) {
            cvm_err_set(err, rc, v.what, "json", CVM_NO_OFFSET, "cannot re-serialise");
        } else {
            size_t i = 0;
            while (i < len && i < w.len && buf[i] == w.p[i])
                i++;
            if (i != len || w.len != len)
                rc = cvm_err_set(err, CVM_E_VALUE, v.what, "canonical form", i,
                                 "bytes differ from the canonical serialisation (spec §4.2)");
        }
        cvm_wr_free(&w);
    } else if (rc == CVM_E_NOMEM) {
        cvm_err_set(err, rc, v.what, "json", CVM_NO_OFFSET, "out of memory");
    }
    json_decref(root);
    if (rc != CVM_OK)
        cvm_manifest_free(out);
    return rc;
}

json_t *cvm_manifest_to_json(const cvm_manifest *m)
{
    char hb[65], hn[65];
    cvm_hex(m->binding, 32, hb);
    cvm_hex(m->nonce, 32, hn);
    const char *src = m->nonce_source == CVM_NONCE_AUDITOR ? "auditor"
                      : m->nonce_source == CVM_NONCE_RANDOM ? "random"
                                                            : "";
    json_t *members = json_array();
    for (size_t i = 0; members && i < m->n_members; i++) {
        char hs[65];
        cvm_hex(m->members[i].sha256, 32, hs);
        json_t *e = json_pack("{s:s?, s:s?, s:s, s:I}", "name", m->members[i].name, "role",
                              m->members[i].role, "sha256", hs, "size",
                              (json_int_t)m->members[i].size);
        if (!e || json_array_append_new(members, e) != 0) {
            json_decref(members);
            return NULL;
        }
    }
    if (!members)
        return NULL;
    /* "s?" turns a NULL string into null, which the writer then rejects */
    return json_pack("{s:s, s:s?, s:{s:s?, s:s?}, s:s?, s:{s:s?, s:s?, s:s?}, s:s, s:o, "
                     "s:{s:b, s:s, s:s}, s:s?}",
                     "binding", hb, "bundle_id", m->bundle_id, "collector", "name",
                     m->collector_name, "version", m->collector_version, "created", m->created,
                     "custody", "case_id", m->custody_case_id, "examiner", m->custody_examiner,
                     "note", m->custody_note, "format", CVM_MANIFEST_FORMAT, "members", members,
                     "nonce", "fresh_report", (int)m->fresh_report, "hex", hn, "source", src,
                     "pcr_selection", m->pcr_selection);
}

int cvm_manifest_write(const cvm_manifest *m, cvm_wr *w, cvm_err *err)
{
    const char *W = "manifest writer";
    json_t *j = cvm_manifest_to_json(m);
    if (!j)
        return cvm_err_set(err, CVM_E_VALUE, W, "json", CVM_NO_OFFSET,
                           "cannot build the document (missing field or out of memory)");
    cvm_wr tmp;
    cvm_wr_init(&tmp);
    int rc = cvm_json_canonical(j, &tmp);
    json_decref(j);
    if (rc != CVM_OK) {
        cvm_wr_free(&tmp);
        return cvm_err_set(err, rc, W, "json", CVM_NO_OFFSET,
                           "a field is missing (null) or not serialisable");
    }
    /* the writer must never emit what the parser would refuse */
    cvm_manifest chk;
    rc = cvm_manifest_parse(tmp.p, tmp.len, W, &chk, err);
    cvm_manifest_free(&chk);
    if (rc == CVM_OK && cvm_wr_bytes(w, tmp.p, tmp.len) != CVM_OK)
        rc = cvm_err_set(err, CVM_E_LIMIT, W, "out", CVM_NO_OFFSET, "output cap reached");
    cvm_wr_free(&tmp);
    return rc;
}

static int cmp_mm(const void *a, const void *b)
{
    return strcmp(((const cvm_manifest_member *)a)->name, ((const cvm_manifest_member *)b)->name);
}

static void free_members(cvm_manifest_member *mm, size_t n)
{
    for (size_t i = 0; mm && i < n; i++) {
        free(mm[i].name);
        free(mm[i].role);
    }
    free(mm);
}

int cvm_manifest_set_members(cvm_manifest *m, const cvm_member *members, size_t n, cvm_err *err)
{
    const char *W = "manifest members";
    cvm_manifest_member *mm = calloc(n ? n : 1, sizeof(*mm));
    if (!mm)
        return cvm_err_set(err, CVM_E_NOMEM, W, "members", CVM_NO_OFFSET, "out of memory");
    size_t k = 0;
    int rc = CVM_OK;
    for (size_t i = 0; i < n && rc == CVM_OK; i++) {
        const char *nm = members[i].name;
        if (!cvm_member_role(nm)) {
            rc = cvm_err_set(err, CVM_E_VALUE, W, nm ? nm : "(null)", CVM_NO_OFFSET,
                             "not a bundle v1 member name (spec §2)");
            break;
        }
        if (!cvm_member_is_manifested(nm))
            continue;
        mm[k].name = strdup(nm);
        mm[k].role = strdup(cvm_member_role(nm));
        mm[k].size = members[i].len;
        k++;
        if (!mm[k - 1].name || !mm[k - 1].role ||
            cvm_sha256(members[i].data, members[i].len, mm[k - 1].sha256) != CVM_OK)
            rc = cvm_err_set(err, CVM_E_NOMEM, W, nm, CVM_NO_OFFSET, "out of memory");
    }
    if (rc != CVM_OK) {
        free_members(mm, k);
        return rc;
    }
    qsort(mm, k, sizeof(*mm), cmp_mm);
    free_members(m->members, m->n_members);
    m->members = mm;
    m->n_members = k;
    return CVM_OK;
}

void cvm_manifest_free(cvm_manifest *m)
{
    if (!m)
        return;
    free(m->bundle_id);
    free(m->created);
    free(m->collector_name);
    free(m->collector_version);
    free(m->custody_case_id);
    free(m->custody_examiner);
    free(m->custody_note);
    free(m->pcr_selection);
    free_members(m->members, m->n_members);
    memset(m, 0, sizeof(*m));
}
