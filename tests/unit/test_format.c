// SPDX-License-Identifier: MIT
/*
 * lwkb_snprintf / lwkb_vsnprintf (loader/format.c) and the string helpers
 * (loader/lib.c).
 *
 * What these tests prove: every conversion the loader supports prints as
 * C's snprintf prints it (compared against the host libc on the same
 * literal format, so the compiler checks both calls' arguments), widths
 * and flags included; truncation returns the full length, always
 * NUL-terminates, and never writes past len; the string helpers follow
 * their libc namesakes.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwkb_loader.h"
#include "unit.h"

/* Same literal format, same arguments, to both implementations. */
#define SAME(...) do {							\
		char a_[128], b_[128];					\
		int na_ = lwkb_snprintf(a_, sizeof(a_), __VA_ARGS__);	\
		int nb_ = snprintf(b_, sizeof(b_), __VA_ARGS__);	\
		CHECK(na_ == nb_ && strcmp(a_, b_) == 0,		\
		      "%s: lwkb \"%s\" (%d), libc \"%s\" (%d)",		\
		      #__VA_ARGS__, a_, na_, b_, nb_);			\
	} while (0)

static void fmt_like_libc(void)
{
	SAME("%d", -42);
	SAME("%d", INT_MIN);
	SAME("%d|%i", 0, 7);
	SAME("%u", 4000000000u);
	SAME("%x %X", 0xdeadbeefu, 0xdeadbeefu);
	SAME("%llx", 0xfedcba9876543210ULL);
	SAME("%016llx", 0x1234ULL);
	SAME("%016llx", 0xfedcba9876543210ULL);
	SAME("%lld", LLONG_MIN);
	SAME("%lld", LLONG_MAX);
	SAME("%llu", ULLONG_MAX);
	SAME("%ld %lu", -5L, 5UL);
	SAME("%zu", (size_t)123456789);
	SAME("%-5s|", "ab");
	SAME("%5s|", "ab");
	SAME("%5s|", "abcdefg");
	SAME("%-5d|%5d|%05d", 42, -42, -42);
	SAME("%08x", 0xabcu);
	SAME("%c%c%c", 'a', 'B', '!');
	SAME("100%%");
	SAME("%s", "");
	SAME("no conversions");
	SAME("%3u|%-3u|", 12345u, 1u);
}

/* Calls the formatter with a format the compiler must not check. */
static int unchecked_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = lwkb_vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

static void fmt_pointer_and_odd_cases(void)
{
	char buf[64], want[64];
	int x;

	snprintf(want, sizeof(want), "%p", (void *)&x);	/* glibc: 0x... */
	CHECK_EQ(lwkb_snprintf(buf, sizeof(buf), "%p", (void *)&x), (int)strlen(want));
	CHECK_STR(buf, want);
	lwkb_snprintf(buf, sizeof(buf), "%p", (void *)0x1000);
	CHECK_STR(buf, "0x1000");
	unchecked_fmt(buf, sizeof(buf), "%s", (const char *)NULL);
	CHECK_STR(buf, "(null)");
	/* An unknown conversion is printed as it is; a trailing '%' is dropped. */
	CHECK_EQ(unchecked_fmt(buf, sizeof(buf), "%q"), 2);
	CHECK_STR(buf, "%q");
	CHECK_EQ(unchecked_fmt(buf, sizeof(buf), "50%"), 2);
	CHECK_STR(buf, "50");
}

/* Truncation: full length returned, NUL written, nothing past len. */
static void fmt_truncation(void)
{
	char buf[16];

	memset(buf, 'z', sizeof(buf));
	CHECK_EQ(lwkb_snprintf(buf, 5, "hello %s", "world"), 11);
	CHECK_STR(buf, "hell");
	CHECK(buf[5] == 'z', "byte past len written");

	memset(buf, 'z', sizeof(buf));
	CHECK_EQ(lwkb_snprintf(buf, 1, "%d", 12345), 5);
	CHECK_EQ(buf[0], '\0');
	CHECK_EQ(buf[1], 'z');

	memset(buf, 'z', sizeof(buf));
	CHECK_EQ(lwkb_snprintf(buf, 0, "%016llx", 1ULL), 16);
	CHECK_EQ(buf[0], 'z');
	CHECK_EQ(lwkb_snprintf(NULL, 0, "%s", "abc"), 3);

	/* Exactly fitting: len = length + 1. */
	memset(buf, 'z', sizeof(buf));
	CHECK_EQ(lwkb_snprintf(buf, 4, "%s", "abc"), 3);
	CHECK_STR(buf, "abc");
	/* Truncation inside a padded number. */
	CHECK_EQ(lwkb_snprintf(buf, 6, "%08x", 0xabcu), 8);
	CHECK_STR(buf, "00000");
}

/* lwkb_logf formats one line and hands it to the platform's log hook. */
static char logged[512];
static void log_hook(void *ctx, const char *msg)
{
	*(int *)ctx += 1;
	snprintf(logged, sizeof(logged), "%s", msg);
}

static void fmt_logf(void)
{
	int calls = 0;
	struct lwkb_platform pf = { .ctx = &calls, .log = log_hook };
	char longs[400];

	lwkb_logf(&pf, "core %u: %s", 3u, "ok");
	CHECK_EQ(calls, 1);
	CHECK_STR(logged, "core 3: ok");
	/* Long lines are cut (the loader's buffer is 256 bytes), not overrun. */
	memset(longs, 'L', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	lwkb_logf(&pf, "%s", longs);
	CHECK_EQ(strlen(logged), 255);
	pf.log = NULL;
	lwkb_logf(&pf, "dropped");
	lwkb_logf(NULL, "dropped");
	CHECK_EQ(calls, 2);
}

static void lib_string_helpers(void)
{
	char a[32], b[32];

	CHECK_EQ(lwkb_strlen(""), 0);
	CHECK_EQ(lwkb_strlen("abc"), 3);
	CHECK_EQ(lwkb_strnlen("abcdef", 3), 3);
	CHECK_EQ(lwkb_strnlen("ab", 10), 2);
	CHECK(lwkb_strncmp("abc", "abd", 2) == 0, "prefix equal");
	CHECK(lwkb_strncmp("abc", "abd", 3) < 0, "c < d");
	CHECK(lwkb_strncmp("ab\xff", "ab\x01", 3) > 0, "compares unsigned");
	CHECK(lwkb_strncmp("ab", "ab", 10) == 0, "stops at NUL");
	CHECK(lwkb_memcmp("\x01\x80", "\x01\x7f", 2) > 0, "memcmp unsigned");
	CHECK(lwkb_memcmp("abc", "abc", 3) == 0, "memcmp equal");
	memset(a, 'q', sizeof(a));
	CHECK(lwkb_memset(a + 1, 0x41, 5) == a + 1, "memset returns d");
	CHECK(a[0] == 'q' && a[1] == 'A' && a[5] == 'A' && a[6] == 'q', "memset range");
	memset(b, 0, sizeof(b));
	CHECK(lwkb_memcpy(b, "hello", 6) == b, "memcpy returns d");
	CHECK_STR(b, "hello");
}

/* lwkb_memset stores 8-byte words in the middle: every start alignment and
 * length sets exactly [off, off + len), like memset. */
static void lib_memset_edges(void)
{
	unsigned char buf[96] __attribute__((aligned(8))), want[96];

	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len < 64; len++) {
			memset(buf, 0xee, sizeof(buf));
			memset(want, 0xee, sizeof(want));
			memset(want + off, 0x5a, len);
			CHECK(lwkb_memset(buf + off, 0x5a, len) == buf + off, "return value");
			CHECK(memcmp(buf, want, sizeof(buf)) == 0, "off %zu len %zu", off, len);
		}
}

UNIT_SUITE(format,
	UNIT_TEST(fmt_like_libc),
	UNIT_TEST(fmt_pointer_and_odd_cases),
	UNIT_TEST(fmt_truncation),
	UNIT_TEST(fmt_logf),
	UNIT_TEST(lib_string_helpers),
	UNIT_TEST(lib_memset_edges));
