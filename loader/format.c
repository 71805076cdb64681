// SPDX-License-Identifier: MIT
/*
 * A small vsnprintf for freestanding code: %d %i %u %x %X %s %c %p %%,
 * the '0' and '-' flags, a field width, a precision for %s (".N" or ".*")
 * and the l, ll and z modifiers.
 * Always NUL-terminates when len > 0; returns the length it would have
 * written, as C's snprintf does.
 */
#include "lwkb_loader.h"

struct out {
	char *buf;
	lwkb_size_t len;
	lwkb_size_t pos;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_num(struct out *o, lwkb_u64 v, int neg, unsigned base,
		    int upper, int width, int zero, int left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, total;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	total = n + neg;
	if (!left && !zero)
		for (; width > total; width--)
			put(o, ' ');
	if (neg)
		put(o, '-');
	if (!left && zero)
		for (; width > total; width--)
			put(o, '0');
	while (n)
		put(o, tmp[--n]);
	if (left)
		for (; width > total; width--)
			put(o, ' ');
}

int lwkb_vsnprintf(char *buf, lwkb_size_t len, const char *fmt, lwkb_va_list ap)
{
	struct out o = { buf, len, 0 };

	for (; *fmt; fmt++) {
		int zero = 0, left = 0, width = 0, lng = 0, prec = -1;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = 1;
			else if (*fmt == '-')
				left = 1;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = __builtin_va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			lwkb_s64 v = lng ? __builtin_va_arg(ap, long long)
					 : __builtin_va_arg(ap, int);
			lwkb_u64 u = v < 0 ? -(lwkb_u64)v : (lwkb_u64)v;

			put_num(&o, u, v < 0, 10, 0, width, zero, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			lwkb_u64 v = lng ? __builtin_va_arg(ap, unsigned long long)
					 : __builtin_va_arg(ap, unsigned int);

			put_num(&o, v, 0, *fmt == 'u' ? 10 : 16, *fmt == 'X',
				width, zero, left);
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (lwkb_u64)(__UINTPTR_TYPE__)__builtin_va_arg(ap, void *),
				0, 16, 0, width, zero, left);
			break;
		case 'c':
			put(&o, (char)__builtin_va_arg(ap, int));
			break;
		case 's': {
			const char *s = __builtin_va_arg(ap, const char *);
			int n;

			if (!s)
				s = "(null)";
			n = (int)(prec >= 0 ? lwkb_strnlen(s, (lwkb_size_t)prec)
					    : lwkb_strlen(s));
			if (!left)
				for (; width > n; width--)
					put(&o, ' ');
			for (int k = 0; k < n; k++)
				put(&o, s[k]);
			if (left)
				for (; width > n; width--)
					put(&o, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return (int)o.pos;
}

int lwkb_snprintf(char *buf, lwkb_size_t len, const char *fmt, ...)
{
	lwkb_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = lwkb_vsnprintf(buf, len, fmt, ap);
	__builtin_va_end(ap);
	return n;
}

int lwkb_err(char *err, lwkb_size_t errlen, int rc, const char *fmt, ...)
{
	lwkb_va_list ap;

	if (err && errlen) {
		__builtin_va_start(ap, fmt);
		lwkb_vsnprintf(err, errlen, fmt, ap);
		__builtin_va_end(ap);
	}
	return rc;
}
