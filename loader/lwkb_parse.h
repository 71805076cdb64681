/* SPDX-License-Identifier: MIT */
/*
 * The parsers of loader/ (parse.c) and its error convention (lwkb_err,
 * format.c): the part of loader/ that user space links too.  tools/
 * includes this header (and lwkb_elf.h for the ELF check), never
 * lwkb_loader.h with its ring-0 APIC and trampoline interfaces.
 * Freestanding: no libc.  Functions return 0 or a negative LWKB_E* code.
 */
#ifndef LWKBOOT_LOADER_LWKB_PARSE_H
#define LWKBOOT_LOADER_LWKB_PARSE_H

#include "lwkboot/types.h"

typedef __SIZE_TYPE__ lwkb_size_t;

/*
 * The error convention of loader/ and its users: write a message naming the
 * bad value into err (errlen bytes; either may be 0, then nothing is
 * written) and return rc, so a failure reads
 * `return lwkb_err(err, errlen, -LWKB_EINVAL, ...);` with the return at the
 * call site, inside functions whose parameters are called err and errlen.
 */
int lwkb_err(char *err, lwkb_size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * IHK CPU list (spec 1.3.1.1): "a,b,c", "a-b" (ascending), or a mix.
 * Sets bits in 'bits' (nbits long, zeroed first).  Errors name the bad
 * piece: -LWKB_EINVAL for syntax, descending or repeated CPUs,
 * -LWKB_ERANGE for a CPU >= nbits.
 */
int lwkb_cpulist_parse(const char *s, lwkb_u64 *bits, lwkb_u32 nbits,
		       char *err, lwkb_size_t errlen);
/* Writes the canonical form ("1-3,5"); returns the length (snprintf rules). */
int lwkb_cpulist_format(const lwkb_u64 *bits, lwkb_u32 nbits, char *buf,
			lwkb_size_t len);
/*
 * Sizes, the one syntax every part takes (lwkboot.cfg's mem=, the
 * lwkboot command's memory lists): bytes in decimal or 0x hex, then an
 * optional binary unit K, M, G or T in either case: "4096", "0x1000",
 * "64K", "256m", "2G", "1T".
 */
int lwkb_parse_size(const char *s, lwkb_u64 *out, char *err, lwkb_size_t errlen);
/*
 * A size at the start of s, followed by anything; *used is how many
 * characters it took.  -LWKB_EINVAL when s does not start with one,
 * -LWKB_ERANGE when it does not fit in 64 bits.  No message.
 */
int lwkb_parse_size_prefix(const char *s, lwkb_size_t *used, lwkb_u64 *out);
/* Decimal, 0x hex; whole string.  0 or -LWKB_EINVAL/-LWKB_ERANGE. */
int lwkb_parse_u64(const char *s, lwkb_size_t n, lwkb_u64 *out);

static inline int lwkb_test_bit(const lwkb_u64 *b, lwkb_u32 i)
{
	return (int)((b[i / 64] >> (i % 64)) & 1);
}

static inline void lwkb_set_bit(lwkb_u64 *b, lwkb_u32 i)
{
	b[i / 64] |= 1ULL << (i % 64);
}

#endif /* LWKBOOT_LOADER_LWKB_PARSE_H */
