// SPDX-License-Identifier: MIT
/*
 * The compiler may emit calls to memset, memcpy, memmove and memcmp even in
 * freestanding code (GCC manual, "Standards": freestanding environments must
 * provide them).  They forward to loader/'s versions.
 */
#include "internal.h"

void *memset(void *d, int c, lwkb_size_t n);
void *memcpy(void *d, const void *s, lwkb_size_t n);
void *memmove(void *d, const void *s, lwkb_size_t n);
int memcmp(const void *a, const void *b, lwkb_size_t n);

void *memset(void *d, int c, lwkb_size_t n)
{
	return lwkb_memset(d, c, n);
}

void *memcpy(void *d, const void *s, lwkb_size_t n)
{
	return lwkb_memcpy(d, s, n);
}

void *memmove(void *d, const void *s, lwkb_size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp < sp || dp >= sp + n)
		return lwkb_memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, lwkb_size_t n)
{
	return lwkb_memcmp(a, b, n);
}
