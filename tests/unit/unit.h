/* SPDX-License-Identifier: MIT */
/*
 * A tiny unit-test framework for the host tests of loader/.
 *
 * Every test is a void function.  Each tests/unit/test_*.c file ends with a
 * table of its tests (UNIT_SUITE), and main.c lists the suites.  A test
 * fails when any of its checks fails; checks do not stop the test, so one
 * run reports every broken expectation.  A check returns its truth value,
 * so a test can bail out when continuing makes no sense:
 *
 *	if (!CHECK_EQ(rc, 0))
 *		return;
 *
 * main runs every test whose "suite.test" name contains argv[1] (all
 * without an argument) and ends with "N passed, N failed" (tests, not
 * checks); the exit status is 1 when any test failed.
 */
#ifndef LWKBOOT_TESTS_UNIT_UNIT_H
#define LWKBOOT_TESTS_UNIT_UNIT_H

#include <stddef.h>
#include <stdint.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

struct unit_suite {
	const char *name;
	const struct unit_test *tests;	/* ends with { NULL, NULL } */
};

#define UNIT_TEST(fn)	{ #fn, fn }
/* Defines unit_suite_<name> from a list of UNIT_TEST(...) entries. */
#define UNIT_SUITE(sname, ...)						\
	static const struct unit_test sname##_tests_[] = {		\
		__VA_ARGS__, { NULL, NULL } };				\
	const struct unit_suite unit_suite_##sname = { #sname, sname##_tests_ }

int unit_check(int ok, const char *file, int line, const char *expr,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int unit_check_eq(const char *file, int line, const char *ea, const char *eb,
		  unsigned long long a, unsigned long long b);
int unit_check_str(const char *file, int line, const char *ea, const char *a,
		   const char *b);
int unit_check_contains(const char *file, int line, const char *ea,
			const char *hay, const char *needle);

/* CHECK(cond, fmt, ...): fmt and its arguments explain a failure. */
#define CHECK(cond, ...) \
	unit_check((cond) ? 1 : 0, __FILE__, __LINE__, #cond, __VA_ARGS__)
/* Integer equality; both sides are shown (decimal and hex) on failure. */
#define CHECK_EQ(a, b) \
	unit_check_eq(__FILE__, __LINE__, #a, #b, \
		      (unsigned long long)(a), (unsigned long long)(b))
/* String equality, and "hay contains needle". */
#define CHECK_STR(a, b) unit_check_str(__FILE__, __LINE__, #a, (a), (b))
#define CHECK_CONTAINS(hay, needle) \
	unit_check_contains(__FILE__, __LINE__, #hay, (hay), (needle))

/* Deterministic pseudo-random numbers (xorshift64*), seeded per test. */
uint64_t unit_rand(void);
void unit_srand(uint64_t seed);

/*
 * Fills n bytes with a pattern derived from seed; checks that it is still
 * intact, whole or in part: unit_intact_part checks bytes [from, to) of an
 * area filled by unit_fill(base, ..., seed).
 */
void unit_fill(void *p, size_t n, unsigned seed);
int unit_intact(const void *p, size_t n, unsigned seed);
int unit_intact_part(const void *base, size_t from, size_t to, unsigned seed);

#endif /* LWKBOOT_TESTS_UNIT_UNIT_H */
