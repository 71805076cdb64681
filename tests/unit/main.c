// SPDX-License-Identifier: MIT
/*
 * Test runner: runs every test of every suite (or those whose
 * "suite.test" name contains argv[1]) and ends with the line
 * "N passed, N failed".  "--list" prints the names only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

extern const struct unit_suite unit_suite_elf, unit_suite_pgtable,
	unit_suite_bootinfo, unit_suite_tramp, unit_suite_parse,
	unit_suite_format, unit_suite_wake, unit_suite_kmsg, unit_suite_boot,
	unit_suite_host, unit_suite_linux;

static const struct unit_suite *const suites[] = {
	&unit_suite_format, &unit_suite_parse, &unit_suite_elf,
	&unit_suite_pgtable, &unit_suite_bootinfo, &unit_suite_tramp,
	&unit_suite_wake, &unit_suite_kmsg, &unit_suite_boot, &unit_suite_host,
	&unit_suite_linux,
};

static int current_failed;	/* checks failed in the running test */
static const char *current_name;
static uint64_t rand_state;

static void report_head(const char *file, int line)
{
	fprintf(stderr, "%s:%d: [%s] ", file, line, current_name);
	current_failed++;
}

int unit_check(int ok, const char *file, int line, const char *expr,
	       const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return 1;
	report_head(file, line);
	fprintf(stderr, "CHECK(%s) failed: ", expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 0;
}

int unit_check_eq(const char *file, int line, const char *ea, const char *eb,
		  unsigned long long a, unsigned long long b)
{
	if (a == b)
		return 1;
	report_head(file, line);
	fprintf(stderr, "%s == %s failed: %lld (0x%llx) != %lld (0x%llx)\n",
		ea, eb, (long long)a, a, (long long)b, b);
	return 0;
}

int unit_check_str(const char *file, int line, const char *ea, const char *a,
		   const char *b)
{
	if (a && b && strcmp(a, b) == 0)
		return 1;
	report_head(file, line);
	fprintf(stderr, "%s is \"%s\", want \"%s\"\n", ea, a ? a : "(null)",
		b ? b : "(null)");
	return 0;
}

int unit_check_contains(const char *file, int line, const char *ea,
			const char *hay, const char *needle)
{
	if (hay && strstr(hay, needle))
		return 1;
	report_head(file, line);
	fprintf(stderr, "%s (\"%s\") does not contain \"%s\"\n", ea,
		hay ? hay : "(null)", needle);
	return 0;
}

void unit_srand(uint64_t seed)
{
	rand_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

uint64_t unit_rand(void)
{
	rand_state ^= rand_state >> 12;
	rand_state ^= rand_state << 25;
	rand_state ^= rand_state >> 27;
	return rand_state * 0x2545f4914f6cdd1dULL;
}

static unsigned char pattern_byte(size_t i, unsigned seed)
{
	return (unsigned char)((i * 2654435761u + seed * 40503u) >> 7 ^ seed);
}

void unit_fill(void *p, size_t n, unsigned seed)
{
	unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = pattern_byte(i, seed);
}

int unit_intact_part(const void *base, size_t from, size_t to, unsigned seed)
{
	const unsigned char *b = base;

	for (size_t i = from; i < to; i++)
		if (b[i] != pattern_byte(i, seed))
			return 0;
	return 1;
}

int unit_intact(const void *p, size_t n, unsigned seed)
{
	return unit_intact_part(p, 0, n, seed);
}

/* Each test gets its own fixed seed, whatever the filter. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int list = filter && strcmp(filter, "--list") == 0;
	unsigned passed = 0, failed = 0;
	char name[256];

	if (filter && (strcmp(filter, "-h") == 0 || strcmp(filter, "--help") == 0)) {
		printf("usage: %s [--list | NAME-SUBSTRING]\n", argv[0]);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (const struct unit_test *t = suites[s]->tests; t->fn; t++) {
			snprintf(name, sizeof(name), "%s.%s", suites[s]->name, t->name);
			if (list) {
				printf("%s\n", name);
				continue;
			}
			if (filter && !strstr(name, filter))
				continue;
			current_name = name;
			current_failed = 0;
			unit_srand(name_hash(name));
			t->fn();
			fflush(stderr);
			if (current_failed) {
				printf("FAIL %s (%d checks)\n", name, current_failed);
				failed++;
			} else {
				printf("ok   %s\n", name);
				passed++;
			}
		}
	}
	if (list)
		return 0;
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
