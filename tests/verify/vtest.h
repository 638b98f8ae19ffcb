/* Helpers shared by the verifier tests: run the engine on a directory with
 * options, read link statuses, copy and mutate seed sets in a temp dir. */
#ifndef CVM_VTEST_H
#define CVM_VTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "verify.h"

/* A fixed "as of" time inside every real certificate's window (the ACI
 * VCEKs start 2026-02, the Milan VCEKs end 2029/2030). */
#define VT_AT "2026-06-01T00:00:00Z"

typedef struct vt_opts {
    const char *nonce_hex;
    const char *at; /* NULL: VT_AT; "" : now */
    const char *chain;
    const char *anchor;
    const char *anchor2;
    const char *crl;
    const char *policy;
    const char *bundle;
} vt_opts;

static int vt_rc;
static char vt_err[1024];

static inline cvm_verify *vt_run(const char *dir, const vt_opts *o)
{
    cvm_verify *v = calloc(1, sizeof *v);
    assert_non_null(v);
    cvm_verify_init(v);
    vt_opts none = {0};
    if (!o)
        o = &none;
    if (o->bundle)
        v->opts.bundle_path = o->bundle;
    else
        v->opts.dir = dir;
    if (o->nonce_hex) {
        long n = cvm_unhex(o->nonce_hex, strlen(o->nonce_hex), v->opts.nonce, sizeof v->opts.nonce);
        assert_true(n > 0);
        v->opts.nonce_len = (size_t)n;
        v->opts.have_nonce = true;
    }
    const char *at = o->at ? o->at : VT_AT;
    if (*at) {
        assert_int_equal(cvm_time_parse(at, &v->opts.at), 0);
        v->opts.have_at = true;
    }
    v->opts.chain_path = o->chain;
    v->opts.crl_path = o->crl;
    v->opts.policy_path = o->policy;
    if (o->anchor)
        v->opts.anchor_paths[v->opts.n_anchors++] = o->anchor;
    if (o->anchor2)
        v->opts.anchor_paths[v->opts.n_anchors++] = o->anchor2;
    vt_err[0] = '\0';
    vt_rc = cvm_verify_run(v, vt_err, sizeof vt_err);
    return v;
}

static inline void vt_free(cvm_verify *v)
{
    cvm_verify_free(v);
    free(v);
}

static inline int vt_link(const char *id)
{
    for (int i = 0; i < CVM_L_COUNT; i++)
        if (strcmp(cvm_link_id(i), id) == 0)
            return i;
    fail_msg("no link %s", id);
    return -1;
}

static inline const char *vt_st(const cvm_verify *v, const char *id)
{
    return cvm_status_name(v->res[vt_link(id)].status);
}

static inline const char *vt_reason(const cvm_verify *v, const char *id)
{
    return v->res[vt_link(id)].reason;
}

/* comma-separated ids of the failed links, in link order */
static inline const char *vt_fails(const cvm_verify *v)
{
    static char buf[512];
    buf[0] = '\0';
    for (int i = 0; i < CVM_L_COUNT; i++)
        if (v->res[i].status == CVM_ST_FAIL)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", buf[0] ? "," : "", cvm_link_id(i));
    return buf;
}

#define vt_assert_st(v, id, st)                                                                            \
    do {                                                                                                   \
        if (strcmp(vt_st(v, id), st) != 0)                                                                 \
            fail_msg("%s: status %s, expected %s (%s)", id, vt_st(v, id), st, vt_reason(v, id));           \
    } while (0)

#define vt_assert_reason_has(v, id, sub)                                                                   \
    do {                                                                                                   \
        if (!strstr(vt_reason(v, id), sub))                                                                \
            fail_msg("%s: reason \"%s\" lacks \"%s\"", id, vt_reason(v, id), sub);                         \
    } while (0)

/* Copies a seed set into a fresh temp dir; returns its path (static slot). */
static inline const char *vt_copy_set(const char *set)
{
    static char slots[8][512];
    static int s;
    char rel[256];
    snprintf(rel, sizeof rel, "seedsets/%s", set);
    const char *src = cvm_test_vector(rel);
    if (!src)
        return NULL;
    char *dst = slots[s++ % 8];
    snprintf(dst, 512, "%s", cvm_test_tmpdir());
    assert_int_equal(cvm_test_sh("cp '%s'/* '%s'/ && chmod u+w '%s'/*", src, dst, dst), 0);
    return dst;
}

static inline void vt_write(const char *dir, const char *name, const void *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static inline uint8_t *vt_read(const char *dir, const char *name, size_t *n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return cvm_test_read(path, n);
}

/* XOR one byte of a file in place */
static inline void vt_flip(const char *dir, const char *name, size_t off, uint8_t mask)
{
    size_t n;
    uint8_t *b = vt_read(dir, name, &n);
    assert_true(off < n);
    b[off] ^= mask;
    vt_write(dir, name, b, n);
    free(b);
}

static inline const char *vt_nonce_of(const char *dir)
{
    static char hex[160];
    size_t n;
    uint8_t *b = vt_read(dir, "nonce.hex", &n);
    while (n && (b[n - 1] == '\n' || b[n - 1] == '\r'))
        n--;
    assert_true(n < sizeof hex);
    memcpy(hex, b, n);
    hex[n] = '\0';
    free(b);
    return hex;
}

#endif
