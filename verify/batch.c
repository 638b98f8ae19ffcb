/* cvm-verify --batch (spec/verify.md §1.1).
 *
 * Worker processes rather than threads: a bundle that crashed a verifier
 * (it must not, but the inputs are hostile) costs that one bundle, not the
 * batch, and no library state (OpenSSL, jansson, the chain cache) is shared
 * between concurrent verifications. Each worker keeps its own chain cache,
 * so a host's chain is validated once per worker.
 *
 * The parent hands out bundle indexes over a pipe per worker (two in
 * flight per worker so it never idles waiting for the next one), collects
 * (index, exit code, verdict, first failure, JSON line) messages and prints
 * the lines in input order: completion order never shows in the output, so
 * runs over disjoint sorted lists merge with `sort -m`. */
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEPTH 2 /* indexes in flight per worker */

enum { V_VERIFIED, V_POLICY, V_INVALID, V_INCOMPLETE, V_ERROR, V_COUNT };
static const char *verdict_names[V_COUNT] = {"verified", "policy not met", "invalid", "incomplete", "error"};

typedef struct msg_hdr {
    uint32_t idx;
    int32_t exit_code;
    int32_t verdict;
    int32_t first_fail;
    uint32_t len;
} msg_hdr;

/* ---- path list ---- */

typedef struct plist {
    char **v;
    size_t n, cap;
} plist;

static int plist_add(plist *l, const char *s)
{
    char **nv = cvm_grow(l->v, &l->cap, l->n, sizeof *nv, 64, SIZE_MAX / sizeof *nv);
    if (!nv)
        return -1;
    l->v = nv;
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_tar(const char *s)
{
    size_t n = strlen(s);
    return n > 4 && strcmp(s + n - 4, ".tar") == 0;
}

/* Symlinks are not followed into directories (no loops); a symlink named
 * *.tar is listed, so a dangling one is reported as unreadable. */
static int walk(plist *l, const char *dir, int depth, char *errbuf, size_t errlen)
{
    if (depth > 64) {
        snprintf(errbuf, errlen, "%s: directories nested too deep", dir);
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(errbuf, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t need = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(need);
        if (!p) {
            rc = -1;
            break;
        }
        snprintf(p, need, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rc = walk(l, p, depth + 1, errbuf, errlen);
        else if (ends_tar(e->d_name) && plist_add(l, p) != 0)
            rc = -1;
        free(p);
    }
    closedir(d);
    return rc;
}

int cvm_batch_expand(const char *const *paths, size_t npaths, char ***out, size_t *n, char *errbuf,
                     size_t errlen)
{
    plist l = {0};
    for (size_t i = 0; i < npaths; i++) {
        if (strcmp(paths[i], "-") == 0) {
            char *line = NULL;
            size_t cap = 0;
            ssize_t r;
            while ((r = getline(&line, &cap, stdin)) >= 0) {
                while (r > 0 && (line[r - 1] == '\n' || line[r - 1] == '\r'))
                    line[--r] = '\0';
                if (r > 0 && plist_add(&l, line) != 0)
                    goto oom;
            }
            free(line);
            continue;
        }
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            size_t first = l.n;
            if (walk(&l, paths[i], 0, errbuf, errlen) != 0) {
                cvm_batch_list_free(l.v, l.n);
                return -1;
            }
            if (l.n - first > 1)
                qsort(l.v + first, l.n - first, sizeof *l.v, cmp_str);
        } else if (plist_add(&l, paths[i]) != 0) {
            goto oom;
        }
    }
    *out = l.v;
    *n = l.n;
    return 0;
oom:
    snprintf(errbuf, errlen, "out of memory");
    cvm_batch_list_free(l.v, l.n);
    return -1;
}

void cvm_batch_list_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

/* ---- I/O helpers ---- */

static int write_full(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* 1 complete, 0 EOF before anything, -1 error or EOF mid-message */
static int read_full(int fd, void *p, size_t n)
{
    uint8_t *b = p;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return got == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return 1;
}

/* A path as a JSON string even when it is not UTF-8 (jansson refuses
 * those): invalid bytes become U+FFFD. */
static json_t *path_json(const char *path)
{
    json_t *j = json_string(path);
    if (j)
        return j;
    size_t n = strlen(path);
    char *s = malloc(3 * n + 1), *o = s;
    if (!s)
        return json_string("?");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c < 0x80) {
            *o++ = (char)c;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
        }
    }
    *o = '\0';
    j = json_string(s);
    free(s);
    return j ? j : json_string("?");
}

static json_t *error_obj(const char *path, const char *err)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", path_json(path));
    json_object_set_new(o, "error", json_string(err));
    json_object_set_new(o, "exit_code", json_integer(CVM_EXIT_USAGE));
    return o;
}

/* One bundle in a worker: the §7 report with "path" first, as one line. */
static void verify_one(const char *path, const cvm_verify_opts *vo, msg_hdr *h, char **line)
{
    h->verdict = V_ERROR;
    h->first_fail = -1;
    h->exit_code = CVM_EXIT_USAGE;
    json_t *o = NULL;
    /* open() would block on a FIFO named *.tar: only regular files are read */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        o = error_obj(path, S_ISDIR(st.st_mode) ? "a directory, not a bundle" : "not a regular file");
        goto dump;
    }
    /* test hook (tests/e2e/batch.sh): a verifier that dies on one bundle */
    const char *crash = getenv("CVM_VERIFY_TEST_CRASH");
    if (crash && *crash && strstr(path, crash))
        abort();
    /* and one that never finishes (the parent's --timeout must end it) */
    const char *hang = getenv("CVM_VERIFY_TEST_HANG");
    if (hang && *hang && strstr(path, hang))
        for (;;)
            pause();
    cvm_verify *v = calloc(1, sizeof *v);
    if (!v) {
        o = error_obj(path, "out of memory");
    } else {
        cvm_verify_init(v);
        v->opts = *vo;
        v->opts.bundle_path = path;
        char err[1024] = "";
        int rc = cvm_verify_run(v, err, sizeof err);
        if (rc == CVM_EXIT_USAGE) {
            o = error_obj(path, err);
        } else {
            h->exit_code = rc;
            for (int i = 0; i < CVM_L_COUNT && h->first_fail < 0; i++)
                if (v->res[i].status == CVM_ST_FAIL)
                    h->first_fail = i;
            for (int k = 0; k < V_ERROR; k++)
                if (v->verdict && strcmp(v->verdict, verdict_names[k]) == 0)
                    h->verdict = k;
            json_t *r = cvm_report_json(v);
            o = json_object();
            json_object_set_new(o, "path", path_json(path));
            if (r)
                json_object_update(o, r);
            json_decref(r);
        }
        cvm_verify_free(v);
        free(v);
    }
dump:;
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s) {
        h->exit_code = CVM_EXIT_USAGE;
        h->verdict = V_ERROR;
        s = strdup("{\"error\":\"out of memory\",\"exit_code\":3}");
    }
    *line = s;
}

static void worker_main(int rfd, int wfd, char **list, size_t n, const cvm_verify_opts *vo)
{
    uint32_t idx;
    while (read_full(rfd, &idx, sizeof idx) == 1) {
        if (idx >= n)
            _exit(3);
        msg_hdr h = {.idx = idx};
        char *line = NULL;
        verify_one(list[idx], vo, &h, &line);
        size_t len = line ? strlen(line) : 0;
        h.len = (uint32_t)len;
        if (write_full(wfd, &h, sizeof h) != 0 || write_full(wfd, line, len) != 0)
            _exit(3);
        free(line);
    }
    _exit(0);
}

/* ---- parent ---- */

typedef struct worker {
    pid_t pid;
    int req, res; /* parent's ends */
    uint32_t q[DEPTH];
    int nq;
    double since; /* when the worker started on q[0] */
} worker;

typedef struct result {
    char *line;
    size_t len;
    int exit_code, verdict, first_fail;
    bool done;
} result;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void);

static int spawn(worker *ws, unsigned nw, unsigned k, char **list, size_t n, const cvm_verify_opts *vo, FILE *out)
{
    int a[2], b[2];
    if (pipe(a) != 0)
        return -1;
    if (pipe(b) != 0) {
        close(a[0]);
        close(a[1]);
        return -1;
    }
    fflush(out);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(a[0]), close(a[1]), close(b[0]), close(b[1]);
        return -1;
    }
    if (pid == 0) {
        /* other workers' pipe ends must not stay open here, or they never
         * see EOF when the parent closes their request pipe */
        for (unsigned j = 0; j < nw; j++)
            if (j != k && ws[j].pid > 0) {
                close(ws[j].req);
                close(ws[j].res);
            }
        close(a[1]);
        close(b[0]);
        signal(SIGPIPE, SIG_DFL);
        worker_main(a[0], b[1], list, n, vo);
    }
    close(a[0]);
    close(b[1]);
    ws[k].pid = pid;
    ws[k].req = a[1];
    ws[k].res = b[0];
    ws[k].nq = 0;
    return 0;
}

static void progress(size_t done, size_t n, double t0, bool final)
{
    double el = now_s() - t0;
    double rate = el > 0 ? (double)done / el : 0;
    int w = 30, fill = n ? (int)((double)w * (double)done / (double)n) : w;
    char bar[64];
    for (int i = 0; i < w; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[w] = '\0';
    double eta = rate > 0 ? (double)(n - done) / rate : 0;
    fprintf(stderr, "\r\033[K[%s] %zu/%zu %5.1f%% %.1f/s ETA %d:%02d", bar, done, n,
            n ? 100.0 * (double)done / (double)n : 100.0, rate, (int)eta / 60, (int)eta % 60);
    if (final)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

/* Worker k died, spoke garbage or ran out of time (why_given) while on
 * q[0]: that bundle becomes an error line in *h / *line, the others it
 * held go back to `retry`, and a fresh worker takes its place (-1 when
 * none can be started). */
static int head_failed(worker *ws, unsigned nw, unsigned k, const char *why_given, char **list, size_t n,
                       const cvm_verify_opts *vo, FILE *out, size_t *retry, size_t *nretry, msg_hdr *h, char **line)
{
    worker *w = &ws[k];
    int st = 0;
    close(w->req);
    close(w->res);
    kill(w->pid, SIGKILL);
    waitpid(w->pid, &st, 0);
    char why[160];
    if (why_given)
        snprintf(why, sizeof why, "%s", why_given);
    else if (WIFSIGNALED(st))
        snprintf(why, sizeof why, "the verifier process died on this bundle (signal %d)", WTERMSIG(st));
    else
        snprintf(why, sizeof why, "the verifier process exited on this bundle (status %d)",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    h->idx = w->q[0];
    h->exit_code = CVM_EXIT_USAGE;
    h->verdict = V_ERROR;
    h->first_fail = -1;
    json_t *o = error_obj(list[h->idx], why);
    *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    h->len = *line ? (uint32_t)strlen(*line) : 0;
    for (int q = w->nq - 1; q >= 1; q--)
        retry[(*nretry)++] = w->q[q];
    w->pid = -1;
    w->nq = 0;
    return spawn(ws, nw, k, list, n, vo, out);
}

static void record(result *res, const msg_hdr *h, char *line)
{
    result *rs = &res[h->idx];
    rs->line = line;
    rs->len = h->len;
    rs->exit_code = h->exit_code;
    rs->verdict = h->verdict >= 0 && h->verdict < V_COUNT ? h->verdict : V_ERROR;
    rs->first_fail = h->first_fail;
    rs->done = true;
}

int cvm_batch_run(const cvm_batch_opts *b)
{
    char errbuf[1024] = "";
    char **list = NULL;
    size_t n = 0;
    if (cvm_batch_expand(b->paths, b->npaths, &list, &n, errbuf, sizeof errbuf) != 0) {
        fprintf(stderr, "cvm-verify: --batch: %s\n", errbuf);
        return CVM_EXIT_USAGE;
    }
    if (n == 0) {
        fprintf(stderr, "cvm-verify: --batch: no bundles (*.tar) found\n");
        cvm_batch_list_free(list, n);
        return CVM_EXIT_USAGE;
    }
    FILE *out = stdout;
    if (b->out_path && !(out = fopen(b->out_path, "w"))) {
        fprintf(stderr, "cvm-verify: --out %s: %s\n", b->out_path, strerror(errno));
        cvm_batch_list_free(list, n);
        return CVM_EXIT_USAGE;
    }
    /* the clock is read once: every bundle is judged at the same instant,
     * which also lets the chain cache hit across the whole batch */
    cvm_verify_opts vo = *b->vopts;
    if (!vo.have_at) {
        vo.have_clock = true;
        vo.clock = time(NULL);
    }
    unsigned nw = b->jobs;
    if (nw == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        nw = c > 0 ? (unsigned)c : 1;
    }
    if (nw > 256)
        nw = 256;
    if (n && nw > n)
        nw = (unsigned)n;
    bool show = b->progress > 0 || (b->progress < 0 && isatty(STDERR_FILENO));
    bool share_tty = show && out == stdout && isatty(STDOUT_FILENO);

    struct sigaction sa = {0}, old_sa;
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_sa);

    result *res = calloc(n ? n : 1, sizeof *res);
    worker *ws = calloc(nw ? nw : 1, sizeof *ws);
    size_t *retry = calloc(n ? n : 1, sizeof *retry);
    size_t nretry = 0, next = 0, ndone = 0, nprint = 0;
    size_t counts[V_COUNT] = {0}, by_link[CVM_L_COUNT] = {0};
    int worst = 0;
    bool broken = false, out_err = false;
    double t0 = now_s(), last_draw = 0;
    if (!res || !ws || !retry) {
        fprintf(stderr, "cvm-verify: --batch: out of memory\n");
        broken = true;
        goto done;
    }
    for (unsigned k = 0; k < nw; k++)
        if (spawn(ws, nw, k, list, n, &vo, out) != 0) {
            fprintf(stderr, "cvm-verify: --batch: cannot start a worker: %s\n", strerror(errno));
            broken = true;
            goto done;
        }
    struct pollfd *pf = calloc(nw, sizeof *pf);
    unsigned *pk = calloc(nw, sizeof *pk);
    if (!pf || !pk) {
        free(pf);
        free(pk);
        broken = true;
        goto done;
    }
    while (ndone < n) {
        /* dispatch: retried indexes first, then new ones, DEPTH per worker */
        for (unsigned k = 0; k < nw; k++)
            while (ws[k].nq < DEPTH && (nretry || next < n)) {
                uint32_t idx = (uint32_t)(nretry ? retry[--nretry] : next++);
                if (write_full(ws[k].req, &idx, sizeof idx) != 0) {
                    retry[nretry++] = idx; /* the worker died: noticed at its EOF below */
                    break;
                }
                if (ws[k].nq == 0)
                    ws[k].since = now_s();
                ws[k].q[ws[k].nq++] = idx;
            }
        nfds_t np = 0;
        for (unsigned k = 0; k < nw; k++)
            if (ws[k].nq > 0) {
                pf[np].fd = ws[k].res;
                pf[np].events = POLLIN;
                pf[np].revents = 0;
                pk[np++] = k;
            }
        if (np == 0) {
            fprintf(stderr, "cvm-verify: --batch: no worker left\n");
            broken = true;
            break;
        }
        /* wake for the first worker to run out of time */
        int wait_ms = -1;
        if (b->timeout_s) {
            double first = 0;
            bool any = false;
            for (unsigned k = 0; k < nw; k++)
                if (ws[k].nq > 0 && (!any || ws[k].since < first)) {
                    first = ws[k].since;
                    any = true;
                }
            double left = first + (double)b->timeout_s - now_s();
            wait_ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
        }
        if (poll(pf, np, wait_ms) < 0) {
            if (errno == EINTR)
                continue;
            broken = true;
            break;
        }
        for (nfds_t p = 0; p < np; p++) {
            if (!pf[p].revents)
                continue;
            worker *w = &ws[pk[p]];
            msg_hdr h;
            int r = read_full(w->res, &h, sizeof h);
            char *line = NULL;
            if (r == 1 && h.idx == w->q[0] && (line = malloc((size_t)h.len + 1)) &&
                read_full(w->res, line, h.len) == 1) {
                line[h.len] = '\0';
                memmove(w->q, w->q + 1, (size_t)(w->nq - 1) * sizeof w->q[0]);
                w->nq--;
                w->since = now_s(); /* it went on to the next one */
            } else {
                free(line);
                line = NULL;
                if (head_failed(ws, nw, pk[p], NULL, list, n, &vo, out, retry, &nretry, &h, &line) != 0) {
                    fprintf(stderr, "cvm-verify: --batch: cannot restart a worker: %s\n", strerror(errno));
                    free(line);
                    broken = true;
                    goto stop;
                }
            }
            record(res, &h, line);
            ndone++;
        }
        for (unsigned k = 0; b->timeout_s && k < nw; k++) {
            if (ws[k].nq == 0 || now_s() - ws[k].since < (double)b->timeout_s)
                continue;
            char why[160];
            snprintf(why, sizeof why, "no result after %u s (--timeout): the verifier process was killed",
                     b->timeout_s);
            msg_hdr h;
            char *line = NULL;
            if (head_failed(ws, nw, k, why, list, n, &vo, out, retry, &nretry, &h, &line) != 0) {
                fprintf(stderr, "cvm-verify: --batch: cannot restart a worker: %s\n", strerror(errno));
                free(line);
                broken = true;
                goto stop;
            }
            record(res, &h, line);
            ndone++;
        }
        /* print the finished prefix in input order (first erasing the
         * progress bar when both go to the same terminal) */
        if (share_tty && nprint < n && res[nprint].done) {
            fputs("\r\033[K", stderr);
            last_draw = 0;
        }
        while (nprint < n && res[nprint].done) {
            result *rs = &res[nprint];
            if (rs->line && (fwrite(rs->line, 1, rs->len, out) != rs->len || fputc('\n', out) == EOF))
                out_err = true;
            free(rs->line);
            rs->line = NULL;
            counts[rs->verdict]++;
            if (rs->first_fail >= 0 && rs->first_fail < CVM_L_COUNT)
                by_link[rs->first_fail]++;
            int e = rs->exit_code >= 0 && rs->exit_code <= 3 ? rs->exit_code : 3;
            if (e > worst)
                worst = e;
            nprint++;
        }
        if (out_err) {
            fprintf(stderr, "cvm-verify: --batch: cannot write the results: %s\n", strerror(errno));
            broken = true;
            break;
        }
        if (show && (now_s() - last_draw >= 0.1 || ndone == n)) {
            progress(ndone, n, t0, false);
            last_draw = now_s();
        }
    }
stop:
    free(pf);
    free(pk);
done:
    if (show)
        progress(ndone, n, t0, true);
    if (ws)
        for (unsigned k = 0; k < nw; k++)
            if (ws[k].pid > 0) {
                close(ws[k].req);
                close(ws[k].res);
                if (broken)
                    kill(ws[k].pid, SIGKILL);
                waitpid(ws[k].pid, NULL, 0);
            }
    if (res)
        for (size_t i = 0; i < n; i++)
            free(res[i].line);
    if (fflush(out) != 0 || (out != stdout && fclose(out) != 0))
        broken = true;
    double el = now_s() - t0;
    fprintf(stderr, "cvm-verify --batch: %zu bundles in %.2f s (%.1f/s, %u jobs): ", nprint, el,
            el > 0 ? (double)nprint / el : 0.0, nw);
    for (int k = 0; k < V_COUNT; k++)
        fprintf(stderr, "%s%zu %s", k ? ", " : "", counts[k], verdict_names[k]);
    fputc('\n', stderr);
    bool any = false;
    for (int l = 0; l < CVM_L_COUNT; l++)
        if (by_link[l]) {
            fprintf(stderr, "%s%s %zu", any ? ", " : "cvm-verify --batch: first failing link: ", cvm_link_id(l),
                    by_link[l]);
            any = true;
        }
    if (any)
        fputc('\n', stderr);
    if (broken) {
        fprintf(stderr, "cvm-verify --batch: stopped after %zu of %zu bundles\n", nprint, n);
        worst = CVM_EXIT_USAGE;
    }
    fprintf(stderr, "cvm-verify --batch: exit %d\n", worst);
    sigaction(SIGPIPE, &old_sa, NULL);
    free(res);
    free(ws);
    free(retry);
    cvm_batch_list_free(list, n);
    return worst;
}
