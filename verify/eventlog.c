/* eventlog.uefi / eventlog.runtime: replay of the logs to the quoted PCRs
 * (spec/verify.md §3.15-§3.16). */
#include "verify.h"

void cvm_link_eventlog_uefi(cvm_verify *v)
{
    if (!v->in[CVM_IN_EVENTLOG].present) {
        cvm_link_set(v, CVM_L_EVENTLOG_UEFI, CVM_ST_SKIP, "eventlog.bin absent: boot PCRs are quoted but not explained");
        return;
    }
    cvm_link_set(v, CVM_L_EVENTLOG_UEFI, CVM_ST_SKIP, "event log replay is not available in this build");
}

void cvm_link_eventlog_runtime(cvm_verify *v)
{
    if (!v->in[CVM_IN_CEL].present) {
        cvm_link_set(v, CVM_L_EVENTLOG_RUNTIME, CVM_ST_SKIP, "runtime.cel absent: PCR23 not explained");
        return;
    }
    cvm_link_set(v, CVM_L_EVENTLOG_RUNTIME, CVM_ST_SKIP, "runtime log replay is not available in this build");
}
