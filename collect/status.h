/* cvm-collect exit codes (printed by --help; stable for scripts). */
#ifndef CVM_COLLECT_STATUS_H
#define CVM_COLLECT_STATUS_H

enum cvm_collect_exit {
    CVM_EXIT_OK = 0,          /* bundle written / files measured */
    CVM_EXIT_FAIL = 1,        /* unexpected failure (out of memory, internal error) */
    CVM_EXIT_USAGE = 2,       /* bad option or argument (e.g. nonce size) */
    CVM_EXIT_TPM = 3,         /* TPM unreachable (no device, no permission, busy) or a TPM command failed */
    CVM_EXIT_NOT_CVM = 4,     /* no HCL report at NV 0x01400001 or no AK at 0x81000003 */
    CVM_EXIT_COLLATERAL = 5,  /* no VCEK chain: IMDS and every fallback failed */
    CVM_EXIT_FRESH = 6,       /* --fresh: the report did not pick up the nonce in time */
    CVM_EXIT_OUTPUT = 7,      /* cannot write the bundle or the runtime log */
    CVM_EXIT_INCONSISTENT = 8 /* PCRs kept changing during the quote, or PCR23 and the runtime log disagree */
};

/* spec/runtime-log.md §5: tmpfs, so the log goes away with PCR23 at reboot */
#define CVM_RUNTIME_LOG_DEFAULT "/run/cvm-evidence/runtime.cel"

#endif
