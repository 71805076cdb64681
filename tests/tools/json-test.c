// SPDX-License-Identifier: MIT
/*
 * Host tests of `lwkboot --json`'s strings (tools/json.c) against the
 * strict parser of lwkb-jsoncheck (tests/tools/jsoncheck.c): any bytes
 * give one valid JSON string; valid UTF-8 comes back unchanged, every
 * other byte as U+FFFD; and the parser refuses what is not JSON.  Ends
 * with "N passed, N failed".
 */
#define _GNU_SOURCE
#define JSONCHECK_NO_MAIN
#include "jsoncheck.c"
#include "lwkb_parse.h"
#include "json.h"

static int passed, failed;

static void result(const char *name, int ok, const char *why)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		printf("FAIL %s: %s\n", name, why);
	}
}

/* json_string of s[0..len) into a new buffer (caller frees), its length in *n. */
static char *encode(const char *s, size_t len, size_t *n)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, n);

	if (!f) {
		perror("open_memstream");
		exit(1);
	}
	json_string(f, s, len);
	fclose(f);
	return out;
}

/*
 * Encodes in, parses the result, and compares the decoded bytes with want.
 * 0 if all is well, else a message (static).
 */
static const char *roundtrip(const char *in, size_t inlen, const char *want, size_t wantlen)
{
	static char why[256];
	size_t n;
	char *enc = encode(in, inlen, &n);
	struct jc j;
	const char *ret = NULL;

	if (jc_parse(&j, enc, n, ".")) {
		snprintf(why, sizeof(why), "not valid JSON (%s): %.100s", j.err, enc);
		ret = why;
	} else if (strcmp(j.v_type, "string")) {
		ret = "not a string";
	} else if (j.v_len != wantlen || (wantlen && memcmp(j.v_str, want, wantlen))) {
		snprintf(why, sizeof(why), "decoded %zu bytes, want %zu: %.100s", j.v_len,
			 wantlen, enc);
		ret = why;
	} else {
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)enc[i] < 0x20 || enc[i] == 0x7f) {
				ret = "a raw control character in the output";
				break;
			}
	}
	jc_free(&j);
	free(enc);
	return ret;
}

static const char fffd[] = "\xef\xbf\xbd";

/* Every single byte: ASCII as itself, the rest (never valid alone) as U+FFFD. */
static void test_single_bytes(void)
{
	const char *why = NULL;

	for (int b = 0; b < 256 && !why; b++) {
		char c = (char)b;

		why = b < 0x80 ? roundtrip(&c, 1, &c, 1) : roundtrip(&c, 1, fffd, 3);
	}
	result("single_bytes", !why, why);
}

static void put_cp(char *buf, size_t *n, unsigned long cp)
{
	char *out = NULL;
	size_t len = 0;

	jc_put_utf8(&out, &len, cp);
	memcpy(buf + *n, out, len);
	*n += len;
	free(out);
}

/* The code points at each boundary of the UTF-8 forms come back exactly. */
static void test_valid_utf8(void)
{
	static const unsigned long cps[] = {
		0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff,
		0x10000, 0x10ffff, 0x2028, 0x2029, 0xfeff,
	};
	char buf[64];
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]) && !why; i++) {
		size_t n = 0;

		put_cp(buf, &n, cps[i]);
		if (cps[i] == 0x7f)	/* DEL is escaped, still itself */
			why = roundtrip("\x7f", 1, "\x7f", 1);
		else
			why = roundtrip(buf, n, buf, n);
	}
	result("valid_utf8", !why, why);
}

/* Each invalid sequence: one U+FFFD per byte, what follows intact. */
static void test_invalid_utf8(void)
{
	static const struct {
		const char *in;
		int bad;		/* bytes that become U+FFFD */
	} cases[] = {
		{ "\xc0\x80", 2 },		/* overlong NUL */
		{ "\xc1\xbf", 2 },		/* overlong */
		{ "\xe0\x80\x80", 3 },		/* overlong 3-byte */
		{ "\xe0\x9f\xbf", 3 },
		{ "\xf0\x80\x80\x80", 4 },	/* overlong 4-byte */
		{ "\xf0\x8f\xbf\xbf", 4 },
		{ "\xed\xa0\x80", 3 },		/* high surrogate U+D800 */
		{ "\xed\xbf\xbf", 3 },		/* low surrogate U+DFFF */
		{ "\xf4\x90\x80\x80", 4 },	/* above U+10FFFF */
		{ "\xf5\x80\x80\x80", 4 },
		{ "\xff", 1 },
		{ "\xfe", 1 },
		{ "\x80", 1 },			/* lone continuation */
		{ "\xbf\xbf", 2 },
	};
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) && !why; i++) {
		char in[32], want[64];
		size_t n = strlen(cases[i].in), w = 0;

		/* "a" BAD "b": the neighbours survive */
		snprintf(in, sizeof(in), "a%sb", cases[i].in);
		want[w++] = 'a';
		for (int k = 0; k < cases[i].bad; k++, w += 3)
			memcpy(want + w, fffd, 3);
		want[w++] = 'b';
		why = roundtrip(in, n + 2, want, w);
	}
	/* Truncated sequences, at the end and before ASCII. */
	if (!why)
		why = roundtrip("x\xe2\x82", 3, "x" "\xef\xbf\xbd\xef\xbf\xbd", 7);
	if (!why)
		why = roundtrip("\xf0\x9f\x98z", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz", 10);
	/* A valid 4-byte sequence right after a bad byte. */
	if (!why)
		why = roundtrip("\xff\xf0\x9f\x98\x80", 5, "\xef\xbf\xbd\xf0\x9f\x98\x80", 7);
	result("invalid_utf8", !why, why);
}

/* Quotes, backslashes, controls, NUL, the escapes and '/' round-trip. */
static void test_escapes(void)
{
	static const char in[] = "say \"hi\"\\ \0 \n\r\t\b\f / \x1b[0m \x7f end";
	const char *why = roundtrip(in, sizeof(in) - 1, in, sizeof(in) - 1);

	result("escapes", !why, why);
}

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned int rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng >> 32);
}

/*
 * Random bytes: always one valid JSON string; decoding gives the input's
 * ASCII where it was ASCII.  Random valid UTF-8: comes back unchanged.
 */
static void test_random(void)
{
	char in[96], want[96];
	const char *why = NULL;
	size_t n, enc_n;

	for (int round = 0; round < 20000 && !why; round++) {
		struct jc j;
		char *enc;

		n = rnd() % sizeof(in);
		for (size_t i = 0; i < n; i++)
			in[i] = (char)rnd();
		enc = encode(in, n, &enc_n);
		if (jc_parse(&j, enc, enc_n, "."))
			why = "random bytes gave invalid JSON";
		jc_free(&j);
		free(enc);
	}
	result("random_bytes", !why, why);
	why = NULL;
	for (int round = 0; round < 20000 && !why; round++) {
		n = 0;
		while (n < sizeof(want) - 4) {
			unsigned long cp;

			switch (rnd() % 4) {
			case 0: cp = rnd() % 0x80; break;
			case 1: cp = 0x80 + rnd() % (0x800 - 0x80); break;
			case 2: cp = 0x800 + rnd() % (0x10000 - 0x800); break;
			default: cp = 0x10000 + rnd() % (0x110000 - 0x10000); break;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				continue;
			put_cp(want, &n, cp);
			if (rnd() % 8 == 0)
				break;
		}
		why = roundtrip(want, n, want, n);
	}
	result("random_utf8", !why, why);
}

/* The other helpers: CPU arrays and the instance index. */
static void test_helpers(void)
{
	lwkb_u64 bits[1024 / 64] = { 0 };
	char *out = NULL;
	size_t n;
	FILE *f = open_memstream(&out, &n);

	lwkb_set_bit(bits, 2);
	lwkb_set_bit(bits, 3);
	lwkb_set_bit(bits, 1023);
	json_bits(f, bits, 1024);
	putc(' ', f);
	memset(bits, 0, sizeof(bits));
	json_bits(f, bits, 1024);
	putc(' ', f);
	json_index(f, -1);
	putc(' ', f);
	json_index(f, 7);
	fclose(f);
	result("helpers", !strcmp(out, "[2,3,1023] [] null 7"), out);
	free(out);
}

/* The parser refuses what is not exactly one JSON document. */
static void test_checker(void)
{
	static const char *bad[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "-",
		"1.", ".5", "1e", "+1", "\"abc", "\"a\x01\"", "\"\\x\"", "\"\\u12\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\xff\"",
		"\"\xc0\x80\"", "\"\xed\xa0\x80\"", "tru", "nul", "[1] [2]", "{} x",
		"[1,,2]", "NaN", "'a'",
	};
	static const char *good[] = {
		"0", "-0.5e+10", "\"\\ud83d\\ude00\"", "{\"a\":[1,{\"b\":null}],\"c\":true}",
		" [ ] ", "\"\xf0\x9f\x98\x80\"", "{}",
	};
	char why[200] = "";
	struct jc j;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!jc_parse(&j, bad[i], strlen(bad[i]), NULL))
			snprintf(why, sizeof(why), "accepted '%s'", bad[i]);
		jc_free(&j);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (jc_parse(&j, good[i], strlen(good[i]), NULL))
			snprintf(why, sizeof(why), "refused '%s': %s", good[i], j.err);
		jc_free(&j);
	}
	/* Paths select values; keys come in order. */
	if (jc_parse(&j, good[3], strlen(good[3]), ".a[1].b") || !j.found ||
	    strcmp(j.v_type, "null"))
		snprintf(why, sizeof(why), "path .a[1].b");
	jc_free(&j);
	if (jc_parse(&j, good[3], strlen(good[3]), ".") || !j.keys || strcmp(j.keys, "a\nc\n"))
		snprintf(why, sizeof(why), "keys of the root");
	jc_free(&j);
	if (jc_parse(&j, good[3], strlen(good[3]), ".a[2]") || j.found)
		snprintf(why, sizeof(why), "path .a[2] found");
	jc_free(&j);
	result("checker", !why[0], why);
}

int main(void)
{
	test_single_bytes();
	test_valid_utf8();
	test_invalid_utf8();
	test_escapes();
	test_random();
	test_helpers();
	test_checker();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
