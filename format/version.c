#include "version.h"

#include <archive.h>
#include <jansson.h>
#include <openssl/crypto.h>

#ifndef CVM_TSS2_MU_VERSION
#define CVM_TSS2_MU_VERSION "unknown"
#endif

void cvm_print_version(FILE *f, const char *tool)
{
    fprintf(f, "%s %s\n", tool, CVM_VERSION);
    /* runtime versions where the library reports one, so a report names the
     * shared objects actually loaded, not the headers we compiled against */
    fprintf(f, "  %s\n", OpenSSL_version(OPENSSL_VERSION));
    fprintf(f, "  %s\n", archive_version_string());
    fprintf(f, "  jansson %s (build)\n", JANSSON_VERSION);
    fprintf(f, "  tss2-mu %s (build)\n", CVM_TSS2_MU_VERSION);
}
