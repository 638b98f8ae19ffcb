#include "jsonutil.h"

#include <stdlib.h>

#include "buf.h"

json_t *cvm_hex_json(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s)
        return NULL;
    cvm_hex(p, n, s);
    json_t *j = json_string(s);
    free(s);
    return j;
}
