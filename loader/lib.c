// SPDX-License-Identifier: MIT
/* Freestanding string helpers and formatted output for loader/. */
#include "lwkb_loader.h"

/* An 8-byte store that may alias any object (GCC manual, "Common Type Attributes"). */
typedef lwkb_u64 __attribute__((may_alias)) lwkb_word;

/*
 * Aligned 8-byte stores in the middle: the co-kernel library clears every
 * page it hands out with this, and the loader what it places.  volatile:
 * never turned into a call to memset().
 */
void *lwkb_memset(void *d, int c, lwkb_size_t n)
{
	volatile unsigned char *p = d;
	lwkb_word w = 0x0101010101010101ULL * (unsigned char)c;

	while (n && ((__UINTPTR_TYPE__)p & 7)) {
		*p++ = (unsigned char)c;
		n--;
	}
	for (; n >= 8; n -= 8, p += 8)
		*(volatile lwkb_word *)p = w;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *lwkb_memcpy(void *d, const void *s, lwkb_size_t n)
{
	volatile unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int lwkb_memcmp(const void *a, const void *b, lwkb_size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

lwkb_size_t lwkb_strlen(const char *s)
{
	lwkb_size_t n = 0;

	while (s[n])
		n++;
	return n;
}

lwkb_size_t lwkb_strnlen(const char *s, lwkb_size_t max)
{
	lwkb_size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int lwkb_strncmp(const char *a, const char *b, lwkb_size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		if (!*a)
			break;
	}
	return 0;
}

void lwkb_logf(const struct lwkb_platform *pf, const char *fmt, ...)
{
	char buf[256];
	lwkb_va_list ap;

	if (!pf || !pf->log)
		return;
	__builtin_va_start(ap, fmt);
	lwkb_vsnprintf(buf, sizeof(buf), fmt, ap);
	__builtin_va_end(ap);
	pf->log(pf->ctx, buf);
}
