/* `--version` for both tools: our version and the exact library versions
 * the verdict depends on (archived with a report, they say which code
 * judged the evidence). */
#ifndef CVM_VERSION_H
#define CVM_VERSION_H

#include <stdio.h>

/* "<tool> <version>" then one line per library: OpenSSL (runtime), libarchive
 * (runtime), jansson (build), tss2-mu (build). */
void cvm_print_version(FILE *f, const char *tool);

#endif
