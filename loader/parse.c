// SPDX-License-Identifier: MIT
/* CPU lists (IHK spec 1.3.1.1), sizes and numbers (lwkb_parse.h). */
#include "lwkb_loader.h"

int lwkb_parse_u64(const char *s, lwkb_size_t n, lwkb_u64 *out)
{
	lwkb_u64 v = 0, base = 10;
	lwkb_size_t i = 0;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -LWKB_EINVAL;
	for (; i < n; i++) {
		char c = s[i];
		lwkb_u64 d;

		if (c >= '0' && c <= '9')
			d = (lwkb_u64)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (lwkb_u64)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (lwkb_u64)(c - 'A' + 10);
		else
			return -LWKB_EINVAL;
		if (v > (~0ULL - d) / base)
			return -LWKB_ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* One decimal CPU number from s[*i], at most 9 digits. */
static int cpu_num(const char *s, lwkb_size_t *i, lwkb_u32 *out)
{
	lwkb_u32 v = 0, digits = 0;

	while (s[*i] >= '0' && s[*i] <= '9') {
		if (++digits > 9)
			return -LWKB_ERANGE;
		v = v * 10 + (lwkb_u32)(s[*i] - '0');
		(*i)++;
	}
	if (!digits)
		return -LWKB_EINVAL;
	*out = v;
	return 0;
}

int lwkb_cpulist_parse(const char *s, lwkb_u64 *bits, lwkb_u32 nbits,
		       char *err, lwkb_size_t errlen)
{
	lwkb_size_t i = 0, start;
	lwkb_u32 a, b, c;
	int rc;

	lwkb_memset(bits, 0, (nbits + 63) / 64 * 8);
	if (!s || !*s)
		return lwkb_err(err, errlen, -LWKB_EINVAL, "empty CPU list");
	for (;;) {
		start = i;
		rc = cpu_num(s, &i, &a);
		if (rc == -LWKB_ERANGE)
			return lwkb_err(err, errlen, rc,
					"CPU number at '%s' is too large", s + start);
		if (rc)
			return lwkb_err(err, errlen, rc,
					"expected a CPU number at '%s'", s + start);
		b = a;
		if (s[i] == '-') {
			lwkb_size_t bstart = ++i;

			rc = cpu_num(s, &i, &b);
			if (rc == -LWKB_ERANGE)
				return lwkb_err(err, errlen, rc,
						"CPU number at '%s' is too large", s + bstart);
			if (rc)
				return lwkb_err(err, errlen, rc,
						"expected a CPU number after '-' at '%s'", s + bstart);
			if (b < a)
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"range %u-%u is not ascending", a, b);
		}
		if (b >= nbits)
			return lwkb_err(err, errlen, -LWKB_ERANGE,
					"CPU %u out of range (0-%u)", b, nbits - 1);
		for (c = a; c <= b; c++) {
			if (lwkb_test_bit(bits, c))
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"CPU %u listed twice", c);
			lwkb_set_bit(bits, c);
		}
		if (s[i] == '\0')
			return 0;
		if (s[i] != ',')
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"unexpected '%c' at '%s' in CPU list", s[i], s + i);
		i++;
	}
}

int lwkb_cpulist_format(const lwkb_u64 *bits, lwkb_u32 nbits, char *buf,
			lwkb_size_t len)
{
	lwkb_u32 i = 0, j;
	int n = 0;

	if (len)
		buf[0] = '\0';
	while (i < nbits) {
		if (!lwkb_test_bit(bits, i)) {
			i++;
			continue;
		}
		for (j = i; j + 1 < nbits && lwkb_test_bit(bits, j + 1); j++)
			;
		n += lwkb_snprintf(buf + ((lwkb_size_t)n < len ? (lwkb_size_t)n : len),
				   (lwkb_size_t)n < len ? len - (lwkb_size_t)n : 0,
				   j == i ? "%s%u" : "%s%u-%u", n ? "," : "", i, j);
		i = j + 1;
	}
	return n;
}

/* Characters of s that make a number: digits, or 0x and hex digits. */
static lwkb_size_t number_len(const char *s)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	lwkb_size_t n = hex ? 2 : 0;

	while ((s[n] >= '0' && s[n] <= '9') ||
	       (hex && ((s[n] >= 'a' && s[n] <= 'f') || (s[n] >= 'A' && s[n] <= 'F'))))
		n++;
	return n;
}

int lwkb_parse_size_prefix(const char *s, lwkb_size_t *used, lwkb_u64 *out)
{
	lwkb_size_t n = number_len(s);
	lwkb_u64 v;
	unsigned int shift = 0;
	int rc;

	rc = lwkb_parse_u64(s, n, &v);
	if (rc)
		return rc;
	switch (s[n]) {
	case 'k': case 'K': shift = 10; n++; break;
	case 'm': case 'M': shift = 20; n++; break;
	case 'g': case 'G': shift = 30; n++; break;
	case 't': case 'T': shift = 40; n++; break;
	default: break;
	}
	if (v > ~0ULL >> shift)
		return -LWKB_ERANGE;
	*out = v << shift;
	*used = n;
	return 0;
}

int lwkb_parse_size(const char *s, lwkb_u64 *out, char *err, lwkb_size_t errlen)
{
	lwkb_size_t n = 0;
	lwkb_u64 v;
	int rc;

	if (!s || !*s)
		return lwkb_err(err, errlen, -LWKB_EINVAL, "empty size");
	rc = lwkb_parse_size_prefix(s, &n, &v);
	if (rc == -LWKB_ERANGE)
		return lwkb_err(err, errlen, rc, "size '%s' is too large", s);
	if (rc || s[n])
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"bad size '%s' (want a number with an optional K, M, G or T)", s);
	*out = v;
	return 0;
}
