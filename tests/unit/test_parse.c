// SPDX-License-Identifier: MIT
/*
 * CPU lists, sizes and numbers (loader/parse.c).
 *
 * What these tests prove:
 *  - every form of the IHK CPU-list syntax ("a,b,c", ascending "a-b",
 *    mixed) sets exactly the listed bits and nothing else;
 *  - lwkb_cpulist_format writes the canonical form, and format(parse(x))
 *    is a fixed point; it follows snprintf rules when the buffer is short;
 *  - each malformed list is refused with the documented code and a
 *    message that names the bad piece;
 *  - sizes with K/M/G/T suffixes, hex, and their overflow and syntax errors;
 *    a size at the start of a longer string (memory lists) stops where the
 *    size does; lwkb_parse_u64 at its limits.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwkb_loader.h"
#include "lwkboot/ioctl.h"
#include "unit.h"

#define NB	1024	/* bits in the test bitmaps */

/* The bitmap as a sorted list of CPUs, e.g. "1 3 5 6 7" (for messages). */
static void bits_str(const lwkb_u64 *b, unsigned nbits, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < nbits && n + 8 < len; i++)
		if ((b[i / 64] >> (i % 64)) & 1)
			n += (size_t)snprintf(out + n, len - n, "%s%u", n ? " " : "", i);
}

static void cpulist_valid(void)
{
	static const struct {
		const char *in, *cpus, *canon;
	} cases[] = {
		{ "0", "0", "0" },
		{ "1-3", "1 2 3", "1-3" },
		{ "1,3,5-7", "1 3 5 6 7", "1,3,5-7" },
		{ "5-5", "5", "5" },
		{ "1,2,3", "1 2 3", "1-3" },
		{ "7,3,1", "1 3 7", "1,3,7" },		/* any order of items */
		{ "4-6,0-2", "0 1 2 4 5 6", "0-2,4-6" },
		{ "0,1023", "0 1023", "0,1023" },	/* both ends of the bitmap */
		{ "63,64", "63 64", "63-64" },		/* across a word boundary */
		{ "007", "7", "7" },			/* leading zeros are decimal */
	};
	lwkb_u64 bits[NB / 64];
	char got[512], canon[512], err[128];

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int rc;

		memset(bits, 0xff, sizeof(bits));	/* parse must clear first */
		err[0] = '\0';
		rc = lwkb_cpulist_parse(cases[c].in, bits, NB, err, sizeof(err));
		CHECK(rc == 0, "\"%s\": rc %d (%s)", cases[c].in, rc, err);
		bits_str(bits, NB, got, sizeof(got));
		CHECK(strcmp(got, cases[c].cpus) == 0, "\"%s\" gave CPUs {%s}, want {%s}",
		      cases[c].in, got, cases[c].cpus);
		rc = lwkb_cpulist_format(bits, NB, canon, sizeof(canon));
		CHECK(rc == (int)strlen(cases[c].canon) && strcmp(canon, cases[c].canon) == 0,
		      "\"%s\" formats as \"%s\" (%d), want \"%s\"", cases[c].in, canon, rc,
		      cases[c].canon);
	}

	/* All 64 CPUs of "0-63", and nothing beyond. */
	CHECK_EQ(lwkb_cpulist_parse("0-63", bits, NB, err, sizeof(err)), 0);
	CHECK_EQ(bits[0], ~0ULL);
	for (int w = 1; w < NB / 64; w++)
		CHECK_EQ(bits[w], 0);
	/* A bitmap whose size is not a multiple of 64 is not overrun. */
	{
		lwkb_u64 one[2] = { 0, 0x5a5a };

		CHECK_EQ(lwkb_cpulist_parse("0-9", one, 10, err, sizeof(err)), 0);
		CHECK_EQ(one[0], 0x3ff);
		CHECK_EQ(one[1], 0x5a5a);
		CHECK_EQ(lwkb_cpulist_parse("10", one, 10, err, sizeof(err)), -LWKB_ERANGE);
	}
}

/* format(parse(x)) is canonical and parsing the canonical form again is a
 * fixed point, for random bitmaps. */
static void cpulist_round_trip_random(void)
{
	lwkb_u64 a[NB / 64], b[NB / 64];
	char s1[8192], s2[8192], err[128];

	for (int iter = 0; iter < 300; iter++) {
		unsigned density = (unsigned)(unit_rand() % 8);
		int n;

		memset(a, 0, sizeof(a));
		for (unsigned i = 0; i < NB; i++)
			if (unit_rand() % 8 < density)
				lwkb_set_bit(a, i);
		n = lwkb_cpulist_format(a, NB, s1, sizeof(s1));
		if (!CHECK(n == (int)strlen(s1), "length %d vs %zu", n, strlen(s1)))
			break;
		if (n == 0) {
			CHECK_EQ(lwkb_cpulist_parse(s1, b, NB, err, sizeof(err)), -LWKB_EINVAL);
			continue;
		}
		if (!CHECK(lwkb_cpulist_parse(s1, b, NB, err, sizeof(err)) == 0,
			   "\"%s\": %s", s1, err))
			break;
		CHECK(memcmp(a, b, sizeof(a)) == 0, "bitmap changed through \"%s\"", s1);
		lwkb_cpulist_format(b, NB, s2, sizeof(s2));
		CHECK_STR(s2, s1);
	}
}

/* Short buffers: snprintf rules (full length returned, NUL-terminated). */
static void cpulist_format_truncates(void)
{
	lwkb_u64 bits[NB / 64];
	char buf[8], err[64];

	CHECK_EQ(lwkb_cpulist_parse("1,3,5-7,100-200", bits, NB, err, sizeof(err)), 0);
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(lwkb_cpulist_format(bits, NB, buf, 6), (int)strlen("1,3,5-7,100-200"));
	CHECK_STR(buf, "1,3,5");
	CHECK_EQ(buf[6], 'x');
	CHECK_EQ(lwkb_cpulist_format(bits, NB, buf, 1), 15);
	CHECK_STR(buf, "");
	buf[0] = 'x';
	CHECK_EQ(lwkb_cpulist_format(bits, NB, buf, 0), 15);
	CHECK_EQ(buf[0], 'x');
	memset(bits, 0, sizeof(bits));
	CHECK_EQ(lwkb_cpulist_format(bits, NB, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
}

static void cpulist_invalid(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *msg;	/* the message must contain this */
	} cases[] = {
		{ "", -LWKB_EINVAL, "empty" },
		{ ",", -LWKB_EINVAL, "at ','" },
		{ "1,", -LWKB_EINVAL, "expected a CPU number at ''" },
		{ ",1", -LWKB_EINVAL, "at ',1'" },
		{ "1-", -LWKB_EINVAL, "after '-'" },
		{ "-1", -LWKB_EINVAL, "at '-1'" },
		{ "3-1", -LWKB_EINVAL, "3-1" },
		{ "1,,2", -LWKB_EINVAL, "at ',2'" },
		{ "a", -LWKB_EINVAL, "at 'a'" },
		{ "1 2", -LWKB_EINVAL, "' 2'" },
		{ " 1", -LWKB_EINVAL, "' 1'" },
		{ "1;2", -LWKB_EINVAL, "';2'" },
		{ "1-3-5", -LWKB_EINVAL, "'-5'" },
		{ "1,1", -LWKB_EINVAL, "CPU 1 listed twice" },
		{ "1-3,2", -LWKB_EINVAL, "CPU 2 listed twice" },
		{ "0-5,3-8", -LWKB_EINVAL, "CPU 3 listed twice" },
		{ "4096", -LWKB_ERANGE, "4096" },
		{ "1024", -LWKB_ERANGE, "1024" },
		{ "0-1024", -LWKB_ERANGE, "1024" },
		{ "999999999", -LWKB_ERANGE, "999999999" },
		{ "12345678901234567890", -LWKB_ERANGE, "12345678901234567890" },
		{ "1-99999999999", -LWKB_ERANGE, "99999999999" },
		{ "0x10", -LWKB_EINVAL, "'x10'" },
	};
	lwkb_u64 bits[NB / 64];
	char err[160];

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int rc;

		err[0] = '\0';
		rc = lwkb_cpulist_parse(cases[c].in, bits, NB, err, sizeof(err));
		CHECK(rc == cases[c].rc, "\"%s\": rc %d, want %d (%s)", cases[c].in, rc,
		      cases[c].rc, err);
		CHECK(strstr(err, cases[c].msg) != NULL, "\"%s\": message \"%s\" lacks \"%s\"",
		      cases[c].in, err, cases[c].msg);
	}
	CHECK_EQ(lwkb_cpulist_parse(NULL, bits, NB, NULL, 0), -LWKB_EINVAL);
}

/*
 * The ioctl interface's whole range, LWKB_MAX_CPUS (8192) bits: both ends
 * parse, the next number is refused by name, and the longest list (every
 * other CPU) formats within 5 characters a CPU (tools' LWKB_CPULIST_TEXT_MAX).
 */
static void cpulist_max_cpus(void)
{
	static lwkb_u64 bits[LWKB_MAX_CPUS / 64], back[LWKB_MAX_CPUS / 64];
	static char text[LWKB_MAX_CPUS * 5 + 1];
	char err[160] = "";
	int n;

	CHECK_EQ(lwkb_cpulist_parse("0,8191", bits, LWKB_MAX_CPUS, err, sizeof(err)), 0);
	CHECK(lwkb_test_bit(bits, 8191) && lwkb_test_bit(bits, 0), "0,8191: both set");
	CHECK_EQ(lwkb_cpulist_parse("1024-8192", bits, LWKB_MAX_CPUS, err, sizeof(err)),
		 -LWKB_ERANGE);
	CHECK(strstr(err, "CPU 8192 out of range (0-8191)") != NULL, "message: %s", err);
	memset(bits, 0, sizeof(bits));
	for (unsigned c = 0; c < LWKB_MAX_CPUS; c += 2)
		lwkb_set_bit(bits, c + (c >= 4096));	/* ...,4094,4097,...,8191 */
	n = lwkb_cpulist_format(bits, LWKB_MAX_CPUS, text, sizeof(text));
	CHECK(n > 0 && (size_t)n < sizeof(text), "formatted %d characters", n);
	CHECK_EQ(lwkb_cpulist_parse(text, back, LWKB_MAX_CPUS, err, sizeof(err)), 0);
	CHECK(!memcmp(bits, back, sizeof(bits)), "round trip of every other CPU");
}

static void parse_size(void)
{
	static const struct {
		const char *in;
		lwkb_u64 want;
	} good[] = {
		{ "4096", 4096 }, { "64K", 64 << 10 }, { "64k", 64 << 10 },
		{ "256M", 256ULL << 20 }, { "2G", 2ULL << 30 }, { "0x1000", 0x1000 },
		{ "0x10M", 16ULL << 20 }, { "0", 0 }, { "16777215G", 16777215ULL << 30 },
		{ "18446744073709551615", ~0ULL }, { "3T", 3ULL << 40 }, { "1t", 1ULL << 40 },
		{ "16777215T", 16777215ULL << 40 }, { "0xAbk", 0xabULL << 10 },
	};
	static const struct {
		const char *in;
		int rc;
	} bad[] = {
		{ "", -LWKB_EINVAL }, { "M", -LWKB_EINVAL }, { "12Q", -LWKB_EINVAL },
		{ "-1", -LWKB_EINVAL }, { "1.5G", -LWKB_EINVAL }, { "0x", -LWKB_EINVAL },
		{ "1 G", -LWKB_EINVAL }, { "1KB", -LWKB_EINVAL },
		{ "99999999999G", -LWKB_ERANGE }, { "17179869184G", -LWKB_ERANGE },
		{ "18446744073709551616", -LWKB_ERANGE }, { "16777216T", -LWKB_ERANGE },
		{ "1TB", -LWKB_EINVAL }, { "0xg", -LWKB_EINVAL },
	};
	char err[160];
	lwkb_u64 v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 12345;
		CHECK(lwkb_parse_size(good[i].in, &v, err, sizeof(err)) == 0 && v == good[i].want,
		      "\"%s\" -> %llu, want %llu", good[i].in, (unsigned long long)v,
		      (unsigned long long)good[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		v = 12345;
		err[0] = '\0';
		rc = lwkb_parse_size(bad[i].in, &v, err, sizeof(err));
		CHECK(rc == bad[i].rc, "\"%s\": rc %d, want %d", bad[i].in, rc, bad[i].rc);
		CHECK(v == 12345, "\"%s\": output written on error", bad[i].in);
		CHECK(err[0] != '\0', "\"%s\": no message", bad[i].in);
		if (bad[i].in[0])
			CHECK_CONTAINS(err, bad[i].in);
	}
	CHECK_EQ(lwkb_parse_size(NULL, &v, err, sizeof(err)), -LWKB_EINVAL);
}

/* What memory lists (tools/liblwkboot.c) use: a size, then '@', ',' or more. */
static void parse_size_prefix(void)
{
	static const struct {
		const char *in;
		int rc;
		lwkb_u64 want;
		lwkb_size_t used;
	} cases[] = {
		{ "64M@0", 0, 64ULL << 20, 3 }, { "4m,8M", 0, 4ULL << 20, 2 },
		{ "0x400000@1", 0, 0x400000, 8 }, { "2T", 0, 2ULL << 40, 2 },
		{ "12", 0, 12, 2 }, { "5X", 0, 5, 1 }, { "1KB", 0, 1024, 2 },
		{ "0x10g@3", 0, 16ULL << 30, 5 },
		{ "", -LWKB_EINVAL, 0, 0 }, { "@0", -LWKB_EINVAL, 0, 0 },
		{ "M", -LWKB_EINVAL, 0, 0 }, { "0x@0", -LWKB_EINVAL, 0, 0 },
		{ "-4M", -LWKB_EINVAL, 0, 0 },
		{ "18446744073709551616@0", -LWKB_ERANGE, 0, 0 },
		{ "16777216T,4M", -LWKB_ERANGE, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lwkb_u64 v = 7;
		lwkb_size_t used = 99;
		int rc = lwkb_parse_size_prefix(cases[i].in, &used, &v);

		CHECK(rc == cases[i].rc, "\"%s\": rc %d, want %d", cases[i].in, rc, cases[i].rc);
		if (rc)
			CHECK(v == 7 && used == 99, "\"%s\": output written on error", cases[i].in);
		else
			CHECK(v == cases[i].want && used == cases[i].used,
			      "\"%s\": %llu after %zu characters, want %llu after %zu", cases[i].in,
			      (unsigned long long)v, (size_t)used,
			      (unsigned long long)cases[i].want, (size_t)cases[i].used);
	}
}

static void parse_u64(void)
{
	lwkb_u64 v = 0;

	CHECK(lwkb_parse_u64("123", 3, &v) == 0 && v == 123, "decimal");
	CHECK(lwkb_parse_u64("12345", 2, &v) == 0 && v == 12, "only n characters");
	CHECK(lwkb_parse_u64("0xDEADbeef", 10, &v) == 0 && v == 0xdeadbeef, "hex");
	CHECK(lwkb_parse_u64("0X10", 4, &v) == 0 && v == 16, "0X prefix");
	CHECK(lwkb_parse_u64("18446744073709551615", 20, &v) == 0 && v == ~0ULL, "max");
	CHECK(lwkb_parse_u64("0xffffffffffffffff", 18, &v) == 0 && v == ~0ULL, "hex max");
	v = 7;
	CHECK_EQ(lwkb_parse_u64("18446744073709551616", 20, &v), -LWKB_ERANGE);
	CHECK_EQ(lwkb_parse_u64("99999999999999999999", 20, &v), -LWKB_ERANGE);
	CHECK_EQ(lwkb_parse_u64("0x10000000000000000", 19, &v), -LWKB_ERANGE);
	CHECK_EQ(v, 7);
	CHECK_EQ(lwkb_parse_u64("", 0, &v), -LWKB_EINVAL);
	CHECK_EQ(lwkb_parse_u64("0x", 2, &v), -LWKB_EINVAL);
	CHECK_EQ(lwkb_parse_u64("12a", 3, &v), -LWKB_EINVAL);
	CHECK_EQ(lwkb_parse_u64("0xg", 3, &v), -LWKB_EINVAL);
	CHECK_EQ(lwkb_parse_u64("-5", 2, &v), -LWKB_EINVAL);
	CHECK_EQ(lwkb_parse_u64("+5", 2, &v), -LWKB_EINVAL);
	CHECK_EQ(lwkb_parse_u64(" 5", 2, &v), -LWKB_EINVAL);
	CHECK_EQ(v, 7);
}

UNIT_SUITE(parse,
	UNIT_TEST(cpulist_valid),
	UNIT_TEST(cpulist_round_trip_random),
	UNIT_TEST(cpulist_format_truncates),
	UNIT_TEST(cpulist_invalid),
	UNIT_TEST(cpulist_max_cpus),
	UNIT_TEST(parse_size),
	UNIT_TEST(parse_size_prefix),
	UNIT_TEST(parse_u64));
