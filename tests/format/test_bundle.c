/* spec/bundle-v1.md §3: the deterministic writer and the strict reader.
 * Hostile archives are generated here, with a small ustar header builder
 * (checked against the writer's own bytes) or with GNU tar / gzip. */
#include "harness.h"

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#include "binding.h"
#include "bundle.h"
#include "bundle_vector.h"

#define TOP VEC_TOPDIR
#define TOP2 "cvm-evidence-01234567-89ab-4cde-8f01-23456789abce"

/* ------------------------------------------------------------ builder */

typedef struct hspec {
    const char *name;
    char type;
    uint64_t size;
    unsigned mode, uid, gid;
    uint64_t mtime;
    const char *magic; /* 6 bytes */
    const char *version; /* 2 bytes */
    const char *linkname;
    const char *prefix;
    const char *uname;
    int chksum_delta;
} hspec;

static hspec H(const char *name, uint64_t size)
{
    return (hspec){.name = name, .type = '0', .size = size, .mode = 0444, .magic = "ustar\0",
                   .version = "00", .linkname = "", .prefix = "", .uname = ""};
}

static void octal(uint8_t *f, size_t w, uint64_t v, char term)
{
    /* libarchive's layout: w-2 digits, space, NUL (size/mtime: w-1 digits, space) */
    char tmp[32];
    if (term == ' ') {
        snprintf(tmp, sizeof(tmp), "%0*llo ", (int)w - 1, (unsigned long long)v);
        memcpy(f, tmp, w);
    } else {
        snprintf(tmp, sizeof(tmp), "%0*llo ", (int)w - 2, (unsigned long long)v);
        memcpy(f, tmp, w - 1);
        f[w - 1] = 0;
    }
}

static void put_hdr(cvm_wr *w, const hspec *h)
{
    uint8_t b[512] = {0};
    memcpy(b, h->name, strlen(h->name) > 100 ? 100 : strlen(h->name));
    octal(b + 100, 8, h->mode, 0);
    octal(b + 108, 8, h->uid, 0);
    octal(b + 116, 8, h->gid, 0);
    octal(b + 124, 12, h->size, ' ');
    octal(b + 136, 12, h->mtime, ' ');
    b[156] = (uint8_t)h->type;
    memcpy(b + 157, h->linkname, strlen(h->linkname));
    memcpy(b + 257, h->magic, 6);
    memcpy(b + 263, h->version, 2);
    memcpy(b + 265, h->uname, strlen(h->uname));
    octal(b + 329, 8, 0, 0);
    octal(b + 337, 8, 0, 0);
    memcpy(b + 345, h->prefix, strlen(h->prefix));
    memset(b + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += b[i];
    sum += (unsigned)h->chksum_delta;
    char tmp[16];
    snprintf(tmp, sizeof(tmp), "%06o", sum);
    memcpy(b + 148, tmp, 6);
    b[154] = 0;
    b[155] = ' ';
    cvm_wr_bytes(w, b, 512);
}

static void put_data(cvm_wr *w, const void *p, size_t n)
{
    cvm_wr_bytes(w, p, n);
    cvm_wr_zeros(w, (512 - n % 512) % 512);
}

static void put_file(cvm_wr *w, const char *path, const char *data)
{
    hspec h = H(path, strlen(data));
    put_hdr(w, &h);
    put_data(w, data, strlen(data));
}

static void put_end(cvm_wr *w) { cvm_wr_zeros(w, 1024); }

/* --------------------------------------------------------- expectations */

static void expect_reject(const uint8_t *p, size_t n, const char *field_has, const char *msg_has,
                          size_t offset)
{
    cvm_bundle b;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_bundle_read(p, n, "t.tar", &b, &e);
    char buf[600];
    print_message("  -> %s\n", cvm_err_format(&e, buf, sizeof(buf)));
    assert_int_not_equal(rc, CVM_OK);
    assert_int_equal(rc, e.code);
    assert_string_equal(e.what, "t.tar");
    if (field_has && !strstr(e.field, field_has))
        fail_msg("field '%s' lacks '%s'", e.field, field_has);
    if (msg_has && !strstr(e.msg, msg_has))
        fail_msg("message '%s' lacks '%s'", e.msg, msg_has);
    if (offset != CVM_NO_OFFSET)
        assert_int_equal(e.offset, offset);
    assert_null(b.members);
    assert_int_equal(b.n, 0);
}

static void expect_wr_reject(cvm_wr *w, const char *field_has, const char *msg_has, size_t off)
{
    expect_reject(w->p, w->len, field_has, msg_has, off);
    cvm_wr_free(w);
    cvm_wr_init(w);
}

static uint8_t *vec_tar(size_t *n)
{
    cvm_wr w;
    cvm_wr_init(&w);
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_bundle_write(TOP, vec_members, VEC_N, &w, &e);
    if (rc) {
        char b[512];
        fail_msg("%s", cvm_err_format(&e, b, sizeof(b)));
    }
    return cvm_wr_take(&w, n);
}

/* -------------------------------------------------------------- writer */

static void t_write_deterministic(void **state)
{
    (void)state;
    size_t n1, n2, n3;
    uint8_t *a = vec_tar(&n1);
    uint8_t *b = vec_tar(&n2);
    cvm_member rev[VEC_N];
    for (size_t i = 0; i < VEC_N; i++)
        rev[i] = vec_members[VEC_N - 1 - i];
    cvm_wr w;
    cvm_wr_init(&w);
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_bundle_write(TOP, rev, VEC_N, &w, &e), CVM_OK);
    uint8_t *c = cvm_wr_take(&w, &n3);
    assert_int_equal(n1, n2);
    assert_int_equal(n1, n3);
    assert_memory_equal(a, b, n1);
    assert_memory_equal(a, c, n1);

    /* layout: one header + padded data per member, then exactly 1024 zeros */
    size_t want = 1024;
    for (size_t i = 0; i < VEC_N; i++)
        want += 512 + (vec_members[i].len + 511) / 512 * 512;
    assert_int_equal(n1, want);
    assert_int_equal(n1 % 512, 0);
    for (size_t i = n1 - 1024; i < n1; i++)
        assert_int_equal(a[i], 0);
    /* every header: sorted names, 0444, uid/gid 0, mtime 0, ustar magic */
    const char *prev = "";
    size_t pos = 0;
    for (size_t k = 0; k < VEC_N; k++) {
        const uint8_t *h = a + pos;
        char name[101] = {0};
        memcpy(name, h, 100);
        assert_memory_equal(name, TOP "/", strlen(TOP) + 1);
        assert_true(strcmp(prev, name) < 0);
        assert_memory_equal(h + 100, "000444 \0", 8);
        assert_memory_equal(h + 108, "000000 \0", 8);
        assert_memory_equal(h + 116, "000000 \0", 8);
        assert_memory_equal(h + 136, "00000000000 ", 12);
        assert_int_equal(h[156], '0');
        assert_memory_equal(h + 257, "ustar\0" "00", 8);
        for (int i = 265; i < 329; i++)
            assert_int_equal(h[i], 0); /* uname, gname */
        for (int i = 345; i < 512; i++)
            assert_int_equal(h[i], 0); /* prefix, pad */
        unsigned long sz = strtoul((const char *)h + 124, NULL, 8);
        pos += 512 + (sz + 511) / 512 * 512;
        static char keep[VEC_N][101];
        memcpy(keep[k], name, 101);
        prev = keep[k];
    }
    assert_int_equal(pos, n1 - 1024);
    free(a);
    free(b);
    free(c);
}

static void t_builder_matches_writer(void **state)
{
    (void)state;
    /* positive control for the hostile cases: the builder reproduces the
     * writer's bytes exactly, so each mutation below differs in one thing */
    cvm_member m[2] = {{"b.bin", (const uint8_t *)"hello\n", 6}, {"a.bin", (const uint8_t *)"x", 1}};
    cvm_wr w, x;
    cvm_wr_init(&w);
    cvm_wr_init(&x);
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_bundle_write(TOP, m, 2, &w, &e), CVM_OK);
    put_file(&x, TOP "/a.bin", "x");
    put_file(&x, TOP "/b.bin", "hello\n");
    put_end(&x);
    assert_int_equal(w.len, x.len);
    assert_memory_equal(w.p, x.p, w.len);
    cvm_wr_free(&w);
    cvm_wr_free(&x);
}

static void t_tools_list(void **state)
{
    (void)state;
    size_t n;
    uint8_t *a = vec_tar(&n);
    const char *dir = cvm_test_tmpdir();
    char p[4200];
    snprintf(p, sizeof(p), "%s/b.tar", dir);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(a, 1, n, f), n);
    fclose(f);
    /* the expected listing: the top dir + sorted member names */
    assert_int_equal(cvm_test_sh("cd '%s' && printf '%%s\\n' ak.pub akpub.pem eventlog.bin "
                                 "guest_report.bin quote.msg quote.pcrs quote.sig report.bin "
                                 "vcek.pem | sed 's|^|%s/|' > want", dir, TOP), 0);
    if (cvm_test_sh("command -v bsdtar >/dev/null") == 0) {
        assert_int_equal(cvm_test_sh("cd '%s' && bsdtar -tf b.tar > got && cmp want got", dir), 0);
        /* -tv: mode, owner 0 0, 1970 (mtime 0) */
        assert_int_equal(cvm_test_sh("cd '%s' && bsdtar -tvf b.tar > v && test $(grep -c "
                                     "'^-r--r--r--  0 0      0 .* Jan  1  1970 %s/' v) = 9",
                                     dir, TOP), 0);
    } else {
        print_message("note: bsdtar absent (Debian libarchive-tools)\n");
    }
    assert_int_equal(cvm_test_sh("cd '%s' && tar -tf b.tar > got2 && cmp want got2", dir), 0);
    assert_int_equal(cvm_test_sh("cd '%s' && tar -tvf b.tar | grep -c '^-r--r--r-- 0/0 .* "
                                 "1970-01-01 00:00 %s/' | grep -qx 9", dir, TOP), 0);
    /* GNU tar extracts it and the contents are the members */
    assert_int_equal(cvm_test_sh("cd '%s' && mkdir x && tar -C x -xf b.tar && printf 'SNP report "
                                 "bytes\\n' | cmp - x/%s/guest_report.bin", dir, TOP), 0);
    cvm_test_sh("chmod -R u+w '%s'; rm -rf '%s'", dir, dir);
    free(a);
}

static void t_write_rejects(void **state)
{
    (void)state;
    cvm_wr w;
    cvm_wr_init(&w);
    cvm_err e;
    cvm_member ok[1] = {{"a.bin", (const uint8_t *)"x", 1}};
    struct {
        const char *top, *name;
        const char *field;
    } cases[] = {
        {"cvm-evidence-x", "a.bin", "topdir"},
        {TOP "/", "a.bin", "topdir"},
        {"CVM-evidence-01234567-89ab-4cde-8f01-23456789abcd", "a.bin", "topdir"},
        {TOP, "../a", "../a"},
        {TOP, ".hidden", ".hidden"},
        {TOP, "a/b", "a/b"},
        {TOP, "", ""},
        {TOP, "x23456789012345678901234567890123456789012345678901", "x234567890"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cvm_member m = {cases[i].name, (const uint8_t *)"x", 1};
        cvm_err_clear(&e);
        assert_int_not_equal(cvm_bundle_write(cases[i].top, &m, 1, &w, &e), CVM_OK);
        assert_non_null(strstr(e.field, cases[i].field));
        assert_int_equal(w.len, 0);
    }
    cvm_member dup[2] = {{"A.bin", (const uint8_t *)"x", 1}, {"a.bin", (const uint8_t *)"y", 1}};
    cvm_err_clear(&e);
    assert_int_equal(cvm_bundle_write(TOP, dup, 2, &w, &e), CVM_E_VALUE);
    assert_non_null(strstr(e.msg, "duplicate"));
    cvm_member big = {"a.bin", (const uint8_t *)"x", CVM_BUNDLE_MAX_MEMBER + 1u};
    cvm_err_clear(&e);
    assert_int_equal(cvm_bundle_write(TOP, &big, 1, &w, &e), CVM_E_LIMIT);
    cvm_member many[CVM_BUNDLE_MAX_MEMBERS + 1];
    char names[CVM_BUNDLE_MAX_MEMBERS + 1][8];
    for (size_t i = 0; i <= CVM_BUNDLE_MAX_MEMBERS; i++) {
        snprintf(names[i], sizeof(names[i]), "m%02zu", i);
        many[i] = (cvm_member){names[i], (const uint8_t *)"", 0};
    }
    cvm_err_clear(&e);
    assert_int_equal(cvm_bundle_write(TOP, many, CVM_BUNDLE_MAX_MEMBERS + 1, &w, &e), CVM_E_LIMIT);
    cvm_err_clear(&e);
    assert_int_equal(cvm_bundle_write(TOP, many, CVM_BUNDLE_MAX_MEMBERS, &w, &e), CVM_OK);
    assert_int_equal(w.len, CVM_BUNDLE_MAX_MEMBERS * 512u + 1024u); /* empty members */
    cvm_bundle b;
    cvm_err_clear(&e);
    assert_int_equal(cvm_bundle_read(w.p, w.len, "t.tar", &b, &e), CVM_OK);
    assert_int_equal(b.n, CVM_BUNDLE_MAX_MEMBERS);
    assert_int_equal(b.members[31].len, 0);
    assert_string_equal(b.members[31].name, "m31");
    cvm_bundle_free(&b);
    cvm_wr_free(&w);
    (void)ok;
}

/* -------------------------------------------------------------- reader */

static void t_round_trip(void **state)
{
    (void)state;
    size_t n;
    uint8_t *a = vec_tar(&n);
    cvm_bundle b;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_bundle_read(a, n, "t.tar", &b, &e), CVM_OK);
    assert_string_equal(b.topdir, TOP);
    assert_string_equal(b.bundle_id, VEC_BUNDLE_ID);
    assert_int_equal(b.n, VEC_N);
    size_t total = 0;
    for (size_t i = 0; i < VEC_N; i++) {
        const uint8_t *p;
        size_t len;
        assert_int_equal(cvm_bundle_get(&b, vec_members[i].name, &p, &len), CVM_OK);
        assert_int_equal(len, vec_members[i].len);
        assert_memory_equal(p, vec_members[i].data, len);
        assert_true(p != vec_members[i].data);
        total += len;
        if (i)
            assert_true(strcmp(b.members[i - 1].name, b.members[i].name) < 0);
    }
    assert_int_equal(b.total, total);
    assert_int_equal(cvm_bundle_get(&b, "seal.msg", NULL, NULL), CVM_E_VALUE);
    assert_int_equal(e.code, 0);
    /* the binding digest over what was read equals the vector */
    uint8_t nonce[32], d[32];
    char hx[65];
    vec_nonce(nonce);
    assert_int_equal(cvm_binding_digest(nonce, 32, b.members, b.n, d), CVM_OK);
    cvm_hex(d, 32, hx);
    assert_string_equal(hx, VEC_BINDING);
    /* write(read(x)) == x */
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_bundle_write(b.topdir, b.members, b.n, &w, &e), CVM_OK);
    assert_int_equal(w.len, n);
    assert_memory_equal(w.p, a, n);
    cvm_wr_free(&w);
    cvm_bundle_free(&b);
    cvm_bundle_free(&b); /* idempotent */

    /* zero padding up to the 10240-byte record is tolerated (other tars) */
    uint8_t *pad = calloc(1, 10240);
    memcpy(pad, a, n);
    cvm_err_clear(&e);
    assert_int_equal(cvm_bundle_read(pad, 10240, "t.tar", &b, &e), CVM_OK);
    cvm_bundle_free(&b);
    free(pad);
    free(a);
}

static int read_cb(const uint8_t *p, size_t n, void *ctx)
{
    (void)ctx;
    cvm_bundle b;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_bundle_read(p, n, "t.tar", &b, &e);
    cvm_bundle_free(&b);
    return rc;
}

static void t_truncations(void **state)
{
    (void)state;
    size_t n;
    uint8_t *a = vec_tar(&n);
    cvm_test_truncations(a, n, read_cb, NULL);
    free(a);
}

static void t_reject_names(void **state)
{
    (void)state;
    cvm_wr w;
    cvm_wr_init(&w);
    put_file(&w, "../x", "x");
    put_end(&w);
    expect_wr_reject(&w, "../x", "top directory", 0);
    put_file(&w, TOP "/../x", "x");
    put_end(&w);
    expect_wr_reject(&w, TOP "/../x", "flat", 0);
    put_file(&w, "/etc/passwd", "x");
    put_end(&w);
    expect_wr_reject(&w, "/etc/passwd", "top directory", 0);
    put_file(&w, TOP "/sub/x", "x");
    put_end(&w);
    expect_wr_reject(&w, TOP "/sub/x", "flat", 0);
    put_file(&w, TOP "/.hidden", "x");
    put_end(&w);
    expect_wr_reject(&w, TOP "/.hidden", "flat", 0);
    put_file(&w, "x.bin", "x");
    put_end(&w);
    expect_wr_reject(&w, "x.bin", "not inside", 0);
    put_file(&w, TOP "/a.bin", "x");
    put_file(&w, TOP2 "/b.bin", "x");
    put_end(&w);
    expect_wr_reject(&w, TOP2 "/b.bin", "second top directory", 1024);
    /* a '0' entry whose name ends in '/' (libarchive makes it a directory) */
    put_file(&w, TOP "/", "");
    put_end(&w);
    expect_wr_reject(&w, TOP "/", NULL, 0);
    put_file(&w, TOP "/a b", "x");
    put_end(&w);
    expect_wr_reject(&w, TOP "/a b", "flat", 0);
    put_file(&w, TOP "/caf\xc3\xa9", "x");
    put_end(&w);
    expect_wr_reject(&w, TOP "/caf??", NULL, 0);
    /* duplicates, exact and case-folded; order */
    put_file(&w, TOP "/a.bin", "x");
    put_file(&w, TOP "/a.bin", "y");
    put_end(&w);
    expect_wr_reject(&w, TOP "/a.bin", "duplicate", 1024);
    put_file(&w, TOP "/A.bin", "x");
    put_file(&w, TOP "/a.bin", "y");
    put_end(&w);
    expect_wr_reject(&w, TOP "/a.bin", "case-folded", 1024);
    put_file(&w, TOP "/b.bin", "x");
    put_file(&w, TOP "/a.bin", "y");
    put_end(&w);
    expect_wr_reject(&w, TOP "/a.bin", "sorted", 1024);
    /* name field with bytes hidden after the NUL */
    {
        hspec h = H(TOP "/a.bin\0zz", 1);
        put_hdr(&w, &h);
        uint8_t *hb = w.p;
        memcpy(hb + strlen(TOP "/a.bin") + 1, "zz", 2);
        /* recompute the checksum by rebuilding from scratch */
        unsigned sum = 0;
        memset(hb + 148, ' ', 8);
        for (int i = 0; i < 512; i++)
            sum += hb[i];
        char t[8];
        snprintf(t, sizeof(t), "%06o", sum);
        memcpy(hb + 148, t, 6);
        hb[154] = 0;
        put_data(&w, "x", 1);
        put_end(&w);
        expect_wr_reject(&w, TOP "/a.bin", "after the terminating NUL", 0);
    }
    /* prefix used to carry the top dir */
    {
        hspec h = H("a.bin", 1);
        h.prefix = TOP;
        put_hdr(&w, &h);
        put_data(&w, "x", 1);
        put_end(&w);
        expect_wr_reject(&w, "a.bin", "prefix", 0);
    }
    cvm_wr_free(&w);
}

static void t_reject_types(void **state)
{
    (void)state;
    struct {
        char type;
        const char *link;
        const char *msg;
    } cases[] = {
        {'2', "/etc/passwd", "symlink"}, {'1', TOP "/a.bin", "hardlink"},
        {'3', "", "character device"},   {'4', "", "block device"},
        {'6', "", "FIFO"},               {'5', "", "directory"},
        {'7', "", "contiguous"},         {0, "", "old-style"},
        {'g', "", "pax global"},         {'K', "", "GNU long link"},
        {'S', "", "GNU sparse"},         {'V', "", "unknown type"},
    };
    cvm_wr w;
    cvm_wr_init(&w);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        put_file(&w, TOP "/a.bin", "x");
        hspec h = H(TOP "/b.bin", 0);
        h.type = cases[i].type;
        h.linkname = cases[i].link;
        put_hdr(&w, &h);
        put_end(&w);
        expect_wr_reject(&w, TOP "/b.bin", cases[i].msg, 1024);
    }
    /* a directory entry for the top dir itself */
    hspec d = H(TOP "/", 0);
    d.type = '5';
    put_hdr(&w, &d);
    put_file(&w, TOP "/a.bin", "x");
    put_end(&w);
    expect_wr_reject(&w, TOP "/", "directory", 0);
    cvm_wr_free(&w);
}

static void pax_record(char *out, size_t cap, const char *kv)
{
    /* "<len> <kv>\n" where len counts itself */
    size_t body = strlen(kv) + 2, len = body + 1;
    while (snprintf(NULL, 0, "%zu", len) + body != len)
        len++;
    snprintf(out, cap, "%zu %s\n", len, kv);
}

static void t_reject_extensions(void **state)
{
    (void)state;
    cvm_wr w;
    cvm_wr_init(&w);
    char rec[256];
    /* pax path= overriding an innocent ustar name */
    pax_record(rec, sizeof(rec), "path=" TOP "/../../pax-evil");
    hspec x = H("PaxHeader/a.bin", strlen(rec));
    x.type = 'x';
    put_hdr(&w, &x);
    put_data(&w, rec, strlen(rec));
    put_file(&w, TOP "/a.bin", "x");
    put_end(&w);
    expect_wr_reject(&w, "PaxHeader/a.bin", "pax extended header", 0);
    /* a harmless-looking pax header (mtime only) is rejected all the same */
    pax_record(rec, sizeof(rec), "mtime=0");
    x.size = strlen(rec);
    put_hdr(&w, &x);
    put_data(&w, rec, strlen(rec));
    put_file(&w, TOP "/a.bin", "x");
    put_end(&w);
    expect_wr_reject(&w, "PaxHeader/a.bin", "pax extended header", 0);
    /* GNU long name (L) followed by a POSIX ustar header */
    char longname[160];
    snprintf(longname, sizeof(longname), "%s/%0100d", TOP, 7);
    hspec l = H("././@LongLink", strlen(longname) + 1);
    l.type = 'L';
    put_file(&w, TOP "/0.bin", "x");
    put_hdr(&w, &l);
    put_data(&w, longname, strlen(longname) + 1);
    put_file(&w, TOP "/a.bin", "x");
    put_end(&w);
    expect_wr_reject(&w, "././@LongLink", "GNU long name", 1024);
    /* GNU magic on an otherwise regular file */
    hspec g = H(TOP "/a.bin", 1);
    g.magic = "ustar ";
    g.version = " \0";
    put_hdr(&w, &g);
    put_data(&w, "x", 1);
    put_end(&w);
    expect_wr_reject(&w, TOP "/a.bin", "ustar", 0);
    /* v7 tar: no magic */
    hspec v = H(TOP "/a.bin", 1);
    v.magic = "\0\0\0\0\0\0";
    v.version = "\0\0";
    put_hdr(&w, &v);
    put_data(&w, "x", 1);
    put_end(&w);
    expect_wr_reject(&w, TOP "/a.bin", "ustar", 0);
    cvm_wr_free(&w);
}

static void t_reject_fields(void **state)
{
    (void)state;
    cvm_wr w;
    cvm_wr_init(&w);
    hspec h;
#define ONE(mut, msg)                                                                           \
    do {                                                                                        \
        h = H(TOP "/a.bin", 1);                                                                 \
        mut;                                                                                    \
        put_hdr(&w, &h);                                                                        \
        put_data(&w, "x", 1);                                                                   \
        put_end(&w);                                                                            \
        expect_wr_reject(&w, TOP "/a.bin", msg, 0);                                             \
    } while (0)
    ONE(h.mode = 0644, "mode");
    ONE(h.mode = 04444, "mode");
    ONE(h.uid = 1000, "uid");
    ONE(h.gid = 5, "gid");
    ONE(h.mtime = 1764309600, "mtime");
    ONE(h.uname = "root", "uname");
    ONE(h.chksum_delta = 1, "checksum");
#undef ONE
    /* a bad checksum on a later header: libarchive says RETRY, fatal here */
    put_file(&w, TOP "/a.bin", "x");
    h = H(TOP "/b.bin", 1);
    h.chksum_delta = -1;
    put_hdr(&w, &h);
    put_data(&w, "y", 1);
    put_end(&w);
    expect_wr_reject(&w, TOP "/b.bin", "checksum", 1024);
    /* base-256 size (GNU extension) */
    h = H(TOP "/a.bin", 1);
    put_hdr(&w, &h);
    w.p[124] = 0x80;
    memset(w.p + 125, 0, 10);
    w.p[135] = 1;
    {
        unsigned sum = 0;
        memset(w.p + 148, ' ', 8);
        for (int i = 0; i < 512; i++)
            sum += w.p[i];
        char t[8];
        snprintf(t, sizeof(t), "%06o", sum);
        memcpy(w.p + 148, t, 6);
        w.p[154] = 0;
    }
    put_data(&w, "x", 1);
    put_end(&w);
    expect_wr_reject(&w, TOP "/a.bin", "size", 0);
    /* non-zero bytes hidden in the data padding */
    put_file(&w, TOP "/a.bin", "x");
    w.p[512 + 100] = 'Z';
    put_end(&w);
    expect_wr_reject(&w, TOP "/a.bin", "padding", 0);
    cvm_wr_free(&w);
}

static void t_reject_ends(void **state)
{
    (void)state;
    size_t n;
    uint8_t *a = vec_tar(&n);
    size_t end = n - 1024; /* where the end marker starts */
    uint8_t *x = malloc(n + 10240);
    memcpy(x, a, n);
    /* truncated exactly at an entry boundary: libarchive alone says EOF */
    expect_reject(a, end, "end marker", "not two 512-byte zero blocks", end);
    /* only one zero block */
    expect_reject(a, n - 512, "end marker", "not two 512-byte zero blocks", end);
    /* trailing garbage after a full end marker */
    memset(x + n, 'A', 512);
    expect_reject(x, n + 512, "trailing", NULL, CVM_NO_OFFSET);
    memcpy(x + n, "garbage", 7);
    expect_reject(x, n + 7, "trailing", NULL, CVM_NO_OFFSET);
    /* an appended member after the end marker */
    {
        cvm_wr w;
        cvm_wr_init(&w);
        cvm_wr_bytes(&w, a, n);
        put_file(&w, TOP "/zz.bin", "appended");
        put_end(&w);
        expect_reject(w.p, w.len, "trailing", NULL, CVM_NO_OFFSET);
        cvm_wr_free(&w);
    }
    /* zero padding that is not a whole block, or beyond the record */
    memset(x + n, 0, 10240);
    expect_reject(x, n + 100, "trailing", "512-byte", n);
    expect_reject(x, n + 10240, "trailing", "10240", n);
    /* truncated inside a member's data: names the member and its header */
    size_t hdr2 = 1024; /* second member (akpub.pem) header */
    expect_reject(a, hdr2 + 512 + 3, TOP "/akpub.pem", "data", hdr2);
    /* truncated inside a header */
    expect_reject(a, hdr2 + 100, "header", "needs 512 bytes", CVM_NO_OFFSET);
    free(x);
    free(a);
}

static void t_reject_sizes(void **state)
{
    (void)state;
    cvm_wr w;
    cvm_wr_init(&w);
    /* declared size beyond the end of the file */
    hspec h = H(TOP "/a.bin", 4096);
    put_hdr(&w, &h);
    put_data(&w, "x", 1);
    expect_wr_reject(&w, TOP "/a.bin", "data", 0);
    /* member over the cap (no data needed: the header alone is refused) */
    h = H(TOP "/a.bin", CVM_BUNDLE_MAX_MEMBER + 1u);
    put_hdr(&w, &h);
    put_data(&w, "x", 1);
    put_end(&w);
    expect_wr_reject(&w, TOP "/a.bin", "member cap", 0);
    /* too many members */
    for (unsigned i = 0; i <= CVM_BUNDLE_MAX_MEMBERS; i++) {
        char nm[80];
        snprintf(nm, sizeof(nm), "%s/m%02u", TOP, i);
        put_file(&w, nm, "x");
    }
    put_end(&w);
    expect_wr_reject(&w, TOP "/m32", "more than 32", 32u * 1024u);
    cvm_wr_free(&w);
    /* the total cap: three members at the per-member cap fill it exactly;
     * one more byte anywhere is refused before it is read */
    {
        /* the caps are sized together (spec/bundle-v1.md §3.3): three
         * maximal members fill the total, and their tar fits the tar cap */
        _Static_assert(CVM_BUNDLE_MAX_TOTAL == 3u * CVM_BUNDLE_MAX_MEMBER, "caps");
        _Static_assert(CVM_BUNDLE_MAX_TAR >= CVM_BUNDLE_MAX_TOTAL + (CVM_BUNDLE_MAX_MEMBERS + 2u) * 512u, "caps");
        size_t big = CVM_BUNDLE_MAX_MEMBER;
        size_t len = CVM_BUNDLE_MAX_TAR + 1u;
        uint8_t *t = calloc(1, len);
        assert_non_null(t);
        cvm_wr hw;
        for (int i = 0; i < 4; i++) {
            char nm[80];
            snprintf(nm, sizeof(nm), "%s/big%d", TOP, i);
            hspec hb = H(nm, i < 3 ? big : 1);
            cvm_wr_init(&hw);
            put_hdr(&hw, &hb);
            memcpy(t + (size_t)i * (512 + big), hw.p, 512);
            cvm_wr_free(&hw);
        }
        expect_reject(t, 3 * (512 + big) + 512 + 512 + 1024, TOP "/big3", "total member size", 3 * (512 + big));
        /* without the fourth member it is accepted */
        memset(t + 3 * (512 + big), 0, 512);
        cvm_bundle b;
        cvm_err e;
        cvm_err_clear(&e);
        assert_int_equal(cvm_bundle_read(t, 3 * (512 + big) + 1024, "t.tar", &b, &e), CVM_OK);
        assert_int_equal(b.total, CVM_BUNDLE_MAX_TOTAL);
        cvm_bundle_free(&b);
        /* exactly at the tar cap it is read in full and refused only for
         * zero padding beyond the 10240-byte record (the worst case for
         * memory: the tar plus every member copied); one byte more is
         * refused before parsing */
        expect_reject(t, CVM_BUNDLE_MAX_TAR, "trailing bytes", "10240-byte record", 3 * (512 + big) + 1024);
        expect_reject(t, CVM_BUNDLE_MAX_TAR + 1u, "tar", "bundle cap", 0);
        free(t);
    }
    /* the writer (the collector's only way to make a bundle) holds to the
     * same caps: exactly at the total cap it writes a tar within the tar
     * cap; one byte over the total is refused */
    {
        uint8_t *z = calloc(1, CVM_BUNDLE_MAX_MEMBER);
        assert_non_null(z);
        cvm_member ms[4] = {{"a.bin", z, CVM_BUNDLE_MAX_MEMBER},
                            {"b.bin", z, CVM_BUNDLE_MAX_MEMBER},
                            {"c.bin", z, CVM_BUNDLE_MAX_MEMBER},
                            {"d.bin", z, 1}};
        cvm_wr ww;
        cvm_wr_init(&ww);
        cvm_err e;
        cvm_err_clear(&e);
        assert_int_equal(cvm_bundle_write(TOP, ms, 3, &ww, &e), CVM_OK);
        assert_true(ww.len <= CVM_BUNDLE_MAX_TAR);
        cvm_wr_free(&ww);
        cvm_wr_init(&ww);
        cvm_err_clear(&e);
        assert_int_equal(cvm_bundle_write(TOP, ms, 4, &ww, &e), CVM_E_LIMIT);
        assert_non_null(strstr(e.msg, "total member size"));
        assert_string_equal(e.field, "d.bin");
        cvm_wr_free(&ww);
        free(z);
    }
    /* empty input, 10240 zero bytes, a non-tar */
    uint8_t *z = calloc(1, 10240);
    expect_reject(z, 0, "tar", "empty", 0);
    expect_reject(z, 10240, "tar", "no members", 0);
    expect_reject((const uint8_t *)"hello world\n", 12, "tar", "not a tar", 0);
    free(z);
}

static uint8_t *sh_file(const char *dir, const char *name, size_t *n)
{
    char p[4200];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return cvm_test_read(p, n);
}

static void t_reject_tool_made(void **state)
{
    (void)state;
    size_t n;
    uint8_t *a = vec_tar(&n);
    const char *dir = cvm_test_tmpdir();
    char p[4200];
    snprintf(p, sizeof(p), "%s/ok.tar", dir);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(a, 1, n, f), n);
    fclose(f);
    free(a);
    /* gzip'd bundle: no decompression filter is enabled */
    assert_int_equal(cvm_test_sh("cd '%s' && gzip -n -c ok.tar > ok.tar.gz", dir), 0);
    uint8_t *b = sh_file(dir, "ok.tar.gz", &n);
    expect_reject(b, n, "tar", "not a tar", 0);
    free(b);
    /* GNU tar's own archive of a proper tree: GNU tar sets uname etc. */
    assert_int_equal(cvm_test_sh("cd '%s' && mkdir -p %s && printf x > %s/a.bin && "
                                 "tar --format=ustar -cf u.tar %s/a.bin",
                                 dir, TOP, TOP, TOP), 0);
    b = sh_file(dir, "u.tar", &n);
    expect_reject(b, n, TOP "/a.bin", NULL, 0);
    free(b);
    /* GNU sparse, GNU and pax flavours */
    assert_int_equal(cvm_test_sh("cd '%s' && truncate -s 1M %s/sp.bin && printf y | dd "
                                 "of=%s/sp.bin bs=1 seek=524288 conv=notrunc status=none && "
                                 "tar --sparse --format=gnu -cf sg.tar %s/sp.bin && "
                                 "tar --sparse --format=pax -cf sp.tar %s/sp.bin",
                                 dir, TOP, TOP, TOP, TOP), 0);
    b = sh_file(dir, "sg.tar", &n);
    expect_reject(b, n, TOP "/sp.bin", "GNU sparse", 0);
    free(b);
    b = sh_file(dir, "sp.tar", &n);
    expect_reject(b, n, NULL, "pax extended header", 0);
    free(b);
    /* GNU long name from GNU tar itself */
    char longn[80];
    memset(longn, 'n', 60);
    longn[60] = 0;
    assert_int_equal(cvm_test_sh("cd '%s' && printf z > %s/%s && tar --format=gnu -cf l.tar "
                                 "%s/%s", dir, TOP, longn, TOP, longn), 0);
    b = sh_file(dir, "l.tar", &n);
    expect_reject(b, n, "././@LongLink", "GNU long name", 0);
    free(b);
    /* symlink, made by GNU tar */
    assert_int_equal(cvm_test_sh("cd '%s' && ln -s /etc/passwd %s/ln && tar --format=ustar "
                                 "-cf s.tar %s/ln", dir, TOP, TOP), 0);
    b = sh_file(dir, "s.tar", &n);
    expect_reject(b, n, TOP "/ln", "symlink", 0);
    free(b);
    cvm_test_sh("rm -rf '%s'", dir);
}

static void t_reader_never_writes(void **state)
{
    (void)state;
    /* the reader runs in an empty cwd; afterwards the cwd is still empty */
    char old[4096];
    assert_non_null(getcwd(old, sizeof(old)));
    const char *dir = cvm_test_tmpdir();
    assert_int_equal(chdir(dir), 0);
    size_t n;
    uint8_t *a = vec_tar(&n);
    cvm_bundle b;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_bundle_read(a, n, "t.tar", &b, &e), CVM_OK);
    cvm_bundle_free(&b);
    cvm_wr w;
    cvm_wr_init(&w);
    hspec h = H(TOP "/a.bin", 0);
    h.type = '2';
    h.linkname = "/tmp";
    put_hdr(&w, &h);
    put_file(&w, TOP "/a.bin/x", "x");
    put_end(&w);
    cvm_err_clear(&e);
    assert_int_not_equal(cvm_bundle_read(w.p, w.len, "t.tar", &b, &e), CVM_OK);
    cvm_wr_free(&w);
    DIR *d = opendir(".");
    assert_non_null(d);
    struct dirent *de;
    int entries = 0;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            entries++;
    closedir(d);
    assert_int_equal(entries, 0);
    assert_int_equal(chdir(old), 0);
    rmdir(dir);
    free(a);
}

/* The complete §7 bundle: the pre-quote and quote members, manifest.json
 * from our writer and two stand-in seal members. Its bytes are fixed by
 * the spec and reproduced by Python from §3.1 alone. */
#define VEC_TAR_SHA256 "f4f5799034f97068734e604060b3f49e70d37e17e2cb996cca38c8654df0bb3c"
#define VEC_TAR_LEN 14848u

static void t_full_vector(void **state)
{
    (void)state;
    cvm_manifest m;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(vec_manifest(&m, &e), CVM_OK);
    cvm_wr mw;
    cvm_wr_init(&mw);
    assert_int_equal(cvm_manifest_write(&m, &mw, &e), CVM_OK);
    cvm_manifest_free(&m);
    cvm_member all[VEC_N + 3];
    memcpy(all, vec_members, sizeof(vec_members));
    all[VEC_N] = (cvm_member){"seal.sig", (const uint8_t *)"seal sig\n", 9};
    all[VEC_N + 1] = (cvm_member){"manifest.json", mw.p, mw.len};
    all[VEC_N + 2] = (cvm_member){"seal.msg", (const uint8_t *)"seal attest\n", 12};
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_bundle_write(TOP, all, VEC_N + 3, &w, &e), CVM_OK);
    uint8_t d[32];
    char hx[65];
    assert_int_equal(w.len, VEC_TAR_LEN);
    assert_int_equal(cvm_sha256(w.p, w.len, d), CVM_OK);
    cvm_hex(d, 32, hx);
    assert_string_equal(hx, VEC_TAR_SHA256);

    if (cvm_test_sh("python3 -c 1 >/dev/null 2>&1") == 0) {
        const char *dir = cvm_test_tmpdir();
        assert_int_equal(cvm_test_sh("python3 '%s' '%s'",
                                     cvm_test_src("tests/format/bundle_vector.py"), dir), 0);
        size_t pn;
        uint8_t *py = sh_file(dir, "bundle.tar", &pn);
        assert_int_equal(pn, w.len);
        assert_memory_equal(py, w.p, pn);
        free(py);
        cvm_test_sh("rm -rf '%s'", dir);
    }

    /* read it back: every manifest entry matches its member */
    cvm_bundle b;
    assert_int_equal(cvm_bundle_read(w.p, w.len, "vector.tar", &b, &e), CVM_OK);
    assert_int_equal(b.n, VEC_N + 3);
    const uint8_t *mp;
    size_t mn;
    assert_int_equal(cvm_bundle_get(&b, "manifest.json", &mp, &mn), CVM_OK);
    assert_int_equal(cvm_manifest_parse(mp, mn, "manifest.json", &m, &e), CVM_OK);
    assert_string_equal(m.bundle_id, b.bundle_id);
    for (size_t i = 0; i < m.n_members; i++) {
        const uint8_t *p;
        size_t len;
        assert_int_equal(cvm_bundle_get(&b, m.members[i].name, &p, &len), CVM_OK);
        assert_int_equal(len, m.members[i].size);
        assert_int_equal(cvm_sha256(p, len, d), CVM_OK);
        assert_memory_equal(d, m.members[i].sha256, 32);
    }
    assert_int_equal(cvm_seal_digest(mp, mn, d), CVM_OK);
    cvm_hex(d, 32, hx);
    assert_string_equal(hx, VEC_SEAL);
    uint8_t nonce[32];
    vec_nonce(nonce);
    assert_int_equal(cvm_binding_digest(nonce, 32, b.members, b.n, d), CVM_OK);
    assert_memory_equal(d, m.binding, 32);
    cvm_manifest_free(&m);
    cvm_bundle_free(&b);
    cvm_wr_free(&w);
    cvm_wr_free(&mw);
}

/* Property: whatever the reader accepts, the writer reproduces byte for
 * byte (so an accepted archive has exactly one encoding). Single-byte
 * mutations of the full vector, deterministic PRNG, under ASan. */
static void t_mutations(void **state)
{
    (void)state;
    size_t n;
    uint8_t *a = vec_tar(&n);
    uint8_t *x = malloc(n);
    uint32_t seed = 12345;
    int accepted = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(x, a, n);
        seed = seed * 1103515245u + 12345u;
        size_t pos = (seed >> 8) % n;
        seed = seed * 1103515245u + 12345u;
        uint8_t v = (uint8_t)(seed >> 16);
        if (it % 3 == 0)
            pos %= 512; /* bias towards the first header */
        x[pos] = v;
        cvm_bundle b;
        cvm_err e;
        cvm_err_clear(&e);
        if (cvm_bundle_read(x, n, "m.tar", &b, &e) != CVM_OK) {
            assert_int_not_equal(e.code, 0);
            continue;
        }
        accepted++;
        cvm_wr w;
        cvm_wr_init(&w);
        assert_int_equal(cvm_bundle_write(b.topdir, b.members, b.n, &w, &e), CVM_OK);
        if (w.len != n || memcmp(w.p, x, n) != 0)
            fail_msg("mutation at %zu (0x%02x) accepted but not canonical", pos, v);
        cvm_wr_free(&w);
        cvm_bundle_free(&b);
    }
    print_message("  %d of 3000 mutations accepted (all canonical)\n", accepted);
    assert_true(accepted > 0); /* data-byte changes must pass */
    free(x);
    free(a);
}

static void t_names_and_ids(void **state)
{
    (void)state;
    assert_true(cvm_bundle_id_valid(VEC_BUNDLE_ID));
    assert_false(cvm_bundle_id_valid("01234567-89ab-4cde-8f01-23456789abc"));
    assert_false(cvm_bundle_id_valid("01234567-89ab-4cde-8f01-23456789abcdd"));
    assert_false(cvm_bundle_id_valid("01234567_89ab-4cde-8f01-23456789abcd"));
    assert_false(cvm_bundle_id_valid("0123456g-89ab-4cde-8f01-23456789abcd"));
    assert_true(cvm_bundle_topdir_valid(TOP));
    assert_false(cvm_bundle_topdir_valid(VEC_BUNDLE_ID));
    assert_true(cvm_bundle_name_valid("manifest.json.p7s"));
    assert_true(cvm_bundle_name_valid("A-b_c.9"));
    assert_false(cvm_bundle_name_valid("."));
    assert_false(cvm_bundle_name_valid(".."));
    assert_false(cvm_bundle_name_valid(""));
    assert_false(cvm_bundle_name_valid("a/b"));
    assert_false(cvm_bundle_name_valid("a\\b"));
    assert_true(cvm_bundle_name_valid("12345678901234567890123456789012345678901234567890"));
    assert_false(cvm_bundle_name_valid("123456789012345678901234567890123456789012345678901"));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_names_and_ids),
        cmocka_unit_test(t_write_deterministic),
        cmocka_unit_test(t_builder_matches_writer),
        cmocka_unit_test(t_tools_list),
        cmocka_unit_test(t_write_rejects),
        cmocka_unit_test(t_round_trip),
        cmocka_unit_test(t_truncations),
        cmocka_unit_test(t_reject_names),
        cmocka_unit_test(t_reject_types),
        cmocka_unit_test(t_reject_extensions),
        cmocka_unit_test(t_reject_fields),
        cmocka_unit_test(t_reject_ends),
        cmocka_unit_test(t_reject_sizes),
        cmocka_unit_test(t_reject_tool_made),
        cmocka_unit_test(t_reader_never_writes),
        cmocka_unit_test(t_full_vector),
        cmocka_unit_test(t_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
