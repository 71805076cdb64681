/* SPDX-License-Identifier: MIT */
/*
 * The pieces of the JSON documents the queries print with --json
 * (docs/json.md): strings escaped so that any bytes give valid JSON, and
 * the lists the documents share.  The commands write the keys and numbers
 * themselves with printf.
 */
#ifndef LWKBOOT_JSON_H
#define LWKBOOT_JSON_H

#include <stddef.h>
#include <stdio.h>
#include "lwkboot/types.h"

/*
 * len bytes of s as a JSON string, quotes included.  Valid UTF-8 is kept
 * as it is; '"', '\\', the control characters and DEL are escaped; each
 * byte that is not part of a valid UTF-8 sequence (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) becomes \ufffd.
 */
void json_string(FILE *f, const char *s, size_t len);
void json_cstring(FILE *f, const char *s);
/* The set bits of nbits as a JSON array of numbers: [2,3,5]. */
void json_bits(FILE *f, const lwkb_u64 *bits, unsigned int nbits);
/* An instance index, or null for the pool (index < 0). */
void json_index(FILE *f, int index);

#endif /* LWKBOOT_JSON_H */
