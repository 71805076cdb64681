// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the CPU-list parser and formatter, and the size parser.
 *
 * The input becomes a NUL-terminated string and is parsed with a 256-bit
 * bitmap (whose neighbours are guarded).  On success the canonical form
 * is formatted, must contain only digits, ',' and '-', and parse back to
 * the same bitmap and format to the same string (a fixed point).  On
 * failure the code is -LWKB_EINVAL or -LWKB_ERANGE with a terminated,
 * non-empty message.  lwkb_parse_size runs on the same string; a success
 * must agree with a reference computed here, as must the size that
 * lwkb_parse_size_prefix finds at its start.  Violations abort.
 *
 * With LWKB_FUZZ_SEED_DIR set, writes a few seed inputs there and exits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwkb_loader.h"

#define NBITS	256
#define WORDS	(NBITS / 64)
#define GUARDV	0x5a5a5a5a5a5a5a5aULL

#define REQUIRE(cond) do {						\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_cpulist: %s failed (line %d)\n", #cond, __LINE__); \
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const seeds[] = {
		"0", "1-3", "1,3,5-7", "0-255", "5-5", "1,,2", "3-1", "255",
		"64K", "0x1000",
	};
	const char *dir = getenv("LWKB_FUZZ_SEED_DIR");

	(void)argc;
	(void)argv;
	if (!dir)
		return 0;
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/seed-cpulist-%zu", dir, i);
		f = fopen(path, "wb");
		if (!f || fputs(seeds[i], f) == EOF) {
			perror(path);
			exit(1);
		}
		fclose(f);
	}
	exit(0);
}

/* Reference for lwkb_parse_size: decimal or 0x hex, optional K/M/G/T. */
static int ref_size(const char *s, unsigned long long *out)
{
	size_t n = strlen(s);
	unsigned long long v = 0, mul = 1, base = 10;
	size_t i = 0;

	if (n && strchr("kK", s[n - 1]))
		mul = 1ULL << 10, n--;
	else if (n && strchr("mM", s[n - 1]))
		mul = 1ULL << 20, n--;
	else if (n && strchr("gG", s[n - 1]))
		mul = 1ULL << 30, n--;
	else if (n && strchr("tT", s[n - 1]))
		mul = 1ULL << 40, n--;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, i = 2;
	if (i == n)
		return -1;
	for (; i < n; i++) {
		unsigned d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			d = (unsigned)(s[i] - 'A' + 10);
		else
			return -1;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
			return -1;
	}
	if (__builtin_mul_overflow(v, mul, &v))
		return -1;
	*out = v;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lwkb_u64 area[WORDS + 2], area2[WORDS + 2], *bits = area + 1, *bits2 = area2 + 1;
	char *s = malloc(size + 1), err[160], out[2048], out2[2048];
	unsigned long long want;
	lwkb_u64 sz;
	lwkb_size_t used;
	int rc, n;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	area[0] = area[WORDS + 1] = area2[0] = area2[WORDS + 1] = GUARDV;
	memset(err, 'x', sizeof(err));

	rc = lwkb_cpulist_parse(s, bits, NBITS, err, sizeof(err));
	REQUIRE(area[0] == GUARDV && area[WORDS + 1] == GUARDV);
	if (rc == 0) {
		int any = 0;

		for (int w = 0; w < WORDS; w++)
			any |= bits[w] != 0;
		REQUIRE(any);
		n = lwkb_cpulist_format(bits, NBITS, out, sizeof(out));
		REQUIRE(n > 0 && (size_t)n < sizeof(out) && strlen(out) == (size_t)n);
		REQUIRE(strspn(out, "0123456789,-") == (size_t)n);
		REQUIRE(lwkb_cpulist_parse(out, bits2, NBITS, err, sizeof(err)) == 0);
		REQUIRE(memcmp(bits, bits2, WORDS * 8) == 0);
		REQUIRE(area2[0] == GUARDV && area2[WORDS + 1] == GUARDV);
		REQUIRE(lwkb_cpulist_format(bits2, NBITS, out2, sizeof(out2)) == n);
		REQUIRE(strcmp(out, out2) == 0);
	} else {
		REQUIRE(rc == -LWKB_EINVAL || rc == -LWKB_ERANGE);
		REQUIRE(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
	}

	sz = 0;
	rc = lwkb_parse_size(s, &sz, err, sizeof(err));
	if (ref_size(s, &want) == 0)
		REQUIRE(rc == 0 && sz == want);
	else
		REQUIRE(rc == -LWKB_EINVAL || rc == -LWKB_ERANGE);

	/* The same size at the start of the string: it stops where the size
	 * does, and what it took parses whole to the same value. */
	rc = lwkb_parse_size_prefix(s, &used, &sz);
	if (rc == 0) {
		REQUIRE(used > 0 && used <= strlen(s));
		if (used < sizeof(out)) {
			memcpy(out, s, used);
			out[used] = '\0';
			REQUIRE(ref_size(out, &want) == 0 && want == sz);
		}
	} else {
		REQUIRE(rc == -LWKB_EINVAL || rc == -LWKB_ERANGE);
	}
	free(s);
	return 0;
}
