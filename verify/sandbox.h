/* The verifier's run-time network lockdown (spec/verify.md §1: "no network
 * code"; this makes it hold at run time too, whatever a library might try).
 *
 * A hand-written seccomp-BPF filter (no libseccomp: the verifier package
 * depends only on libssl3, libarchive13, libjansson4 and libtss2-mu0) makes
 * socket, socketpair, connect, bind, listen, accept, accept4 and
 * io_uring_setup (io_uring can open and connect sockets without those
 * syscalls) fail with EPERM; every other syscall is allowed. Syscalls of a
 * foreign ABI (x32, i386 on x86_64) fail with EPERM too, so the filter
 * cannot be bypassed through another syscall table. PR_SET_NO_NEW_PRIVS is
 * set first (required to install a filter without CAP_SYS_ADMIN; it also
 * means an exec'd set-uid program gains nothing).
 *
 * cvm-verify applies it right after parsing its arguments, before any
 * evidence or option file is read; `--no-sandbox` skips it. */
#ifndef CVM_SANDBOX_H
#define CVM_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef struct cvm_sandbox_state {
    bool requested;   /* false with --no-sandbox */
    bool active;      /* the filter is installed */
    char why[160];    /* when not active: the reason */
    bool selftest;    /* CVM_VERIFY_SANDBOX_SELFTEST=1: tried socket(AF_INET) after installing */
    bool selftest_blocked;
    char selftest_msg[160];
} cvm_sandbox_state;

/* Installs the filter (once per process; the filter is inherited and cannot
 * be removed). Fills `st`. Returns 0 when active, -1 otherwise (st->why). */
int cvm_sandbox_apply(cvm_sandbox_state *st);

/* The facts object for the report: {"active", "mechanism", "denied",
 * "summary", ["selftest"]}. New reference. */
json_t *cvm_sandbox_json(const cvm_sandbox_state *st);

/* One line for the text report. */
const char *cvm_sandbox_summary(const cvm_sandbox_state *st, char *buf, size_t n);

#endif
