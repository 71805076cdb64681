// SPDX-License-Identifier: MIT
/* JSON output of the queries (json.h, docs/json.md). */
#include <stdio.h>
#include <string.h>
#include "lwkb_parse.h"
#include "json.h"

/*
 * The length of the valid UTF-8 sequence at s (at most n bytes), or 0.
 * RFC 3629, section 4: the second byte's range depends on the first, which
 * rules out overlong forms (C0, C1, E0 80-9F, F0 80-8F), surrogates
 * (ED A0-BF) and code points above U+10FFFF (F4 90-BF, F5-FF).
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void json_string(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	putc('"', f);
	while (i < len) {
		unsigned char c = s[i];

		n = utf8_len(s + i, len - i);
		if (!n) {
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		if (n > 1) {
			fwrite(s + i, 1, n, f);
		} else if (c == '"' || c == '\\') {
			putc('\\', f);
			putc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c == '\r') {
			fputs("\\r", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else {
			putc(c, f);
		}
		i += n;
	}
	putc('"', f);
}

void json_cstring(FILE *f, const char *s)
{
	json_string(f, s, strlen(s));
}

void json_bits(FILE *f, const lwkb_u64 *bits, unsigned int nbits)
{
	const char *sep = "";

	putc('[', f);
	for (unsigned int i = 0; i < nbits; i++)
		if (lwkb_test_bit(bits, i)) {
			fprintf(f, "%s%u", sep, i);
			sep = ",";
		}
	putc(']', f);
}

void json_index(FILE *f, int index)
{
	if (index < 0)
		fputs("null", f);
	else
		fprintf(f, "%d", index);
}
