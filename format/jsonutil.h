/* Small jansson helpers shared by the modules' *_to_json describers. */
#ifndef CVM_JSONUTIL_H
#define CVM_JSONUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Lower-case hex of n bytes as a JSON string (NULL on allocation failure). */
json_t *cvm_hex_json(const uint8_t *p, size_t n);

#endif
