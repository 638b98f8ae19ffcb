/* policy: the auditor's policy (spec/policy.md). */
#include "verify.h"

void cvm_link_policy(cvm_verify *v)
{
    if (!v->opts.policy_path)
        cvm_link_set(v, CVM_L_POLICY, CVM_ST_SKIP, "no policy given (--policy FILE)");
}
