/* Run-time network lockdown of cvm-verify: see sandbox.h. */
#define _DEFAULT_SOURCE 1 /* syscall(2) */
#include "sandbox.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
#define CVM_SB_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CVM_SB_ARCH AUDIT_ARCH_AARCH64
#endif

static const char denied_names[] = "socket, socketpair, connect, bind, listen, accept, accept4, io_uring_setup";

int cvm_sandbox_apply(cvm_sandbox_state *st)
{
    st->requested = true;
    st->active = false;
#ifndef CVM_SB_ARCH
    snprintf(st->why, sizeof st->why, "seccomp filter not built for this CPU architecture");
    return -1;
#else
    static const unsigned deny[] = {
        __NR_socket, __NR_socketpair, __NR_connect, __NR_bind, __NR_listen,
#ifdef __NR_accept
        __NR_accept,
#endif
        __NR_accept4,
#ifdef __NR_io_uring_setup
        __NR_io_uring_setup,
#endif
    };
    enum { ND = sizeof deny / sizeof deny[0] };
    /* layout: [0] ld arch, [1] arch ok?, [2] ld nr, [3] foreign ABI?, then
     * one jeq per denied nr, then ALLOW, then DENY */
    struct sock_filter prog[4 + ND + 2];
    size_t k = 0;
    const size_t allow_at = 4 + ND, deny_at = 4 + ND + 1;
    prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    prog[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CVM_SB_ARCH, 0, 0);
    prog[k].jf = (unsigned char)(deny_at - k - 1);
    k++;
    prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    /* x32 syscalls have bit 30 set and their own numbers: refuse them all
     * (0 on aarch64: never true for a real syscall number there) */
#if defined(__x86_64__)
    prog[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 0);
#else
    prog[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0xffffffffu, 0, 0);
#endif
    prog[k].jt = (unsigned char)(deny_at - k - 1);
    k++;
    for (size_t i = 0; i < ND; i++) {
        prog[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, deny[i], 0, 0);
        prog[k].jt = (unsigned char)(deny_at - k - 1);
        k++;
    }
    prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
    (void)allow_at;
    struct sock_fprog fp = {.len = (unsigned short)k, .filter = prog};

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(st->why, sizeof st->why, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) != 0) {
        snprintf(st->why, sizeof st->why, "prctl(PR_SET_SECCOMP): %s", strerror(errno));
        return -1;
    }
    st->active = true;

    const char *t = getenv("CVM_VERIFY_SANDBOX_SELFTEST");
    if (t && strcmp(t, "1") == 0) {
        st->selftest = true;
        /* raw syscalls, so the binary imports no socket() symbol at all
         * (tests/e2e/harden.sh checks its imports) */
        long fd4 = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
        int e4 = errno;
        long fd6 = syscall(SYS_socket, AF_INET6, SOCK_DGRAM, 0);
        int e6 = errno;
        st->selftest_blocked = fd4 < 0 && fd6 < 0;
        snprintf(st->selftest_msg, sizeof st->selftest_msg, "socket(AF_INET): %s; socket(AF_INET6): %s",
                 fd4 < 0 ? strerror(e4) : "OPENED", fd6 < 0 ? strerror(e6) : "OPENED");
        if (fd4 >= 0)
            close((int)fd4);
        if (fd6 >= 0)
            close((int)fd6);
    }
    return 0;
#endif
}

const char *cvm_sandbox_summary(const cvm_sandbox_state *st, char *buf, size_t n)
{
    if (!st->requested)
        snprintf(buf, n, "off (--no-sandbox)");
    else if (!st->active)
        snprintf(buf, n, "NOT active: %s", st->why);
    else
        snprintf(buf, n, "active: seccomp makes %s fail with EPERM", denied_names);
    return buf;
}

json_t *cvm_sandbox_json(const cvm_sandbox_state *st)
{
    char b[320];
    json_t *j = json_object();
    json_object_set_new(j, "active", json_boolean(st->active));
    json_object_set_new(j, "mechanism", json_string("seccomp-bpf (PR_SET_NO_NEW_PRIVS, SECCOMP_MODE_FILTER)"));
    json_object_set_new(j, "denied", json_string(denied_names));
    json_object_set_new(j, "summary", json_string(cvm_sandbox_summary(st, b, sizeof b)));
    if (st->selftest) {
        json_t *s = json_object();
        json_object_set_new(s, "blocked", json_boolean(st->selftest_blocked));
        json_object_set_new(s, "result", json_string(st->selftest_msg));
        json_object_set_new(j, "selftest", s);
    }
    return j;
}
