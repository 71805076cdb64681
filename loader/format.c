// SPDX-License-Identifier: MIT
/*
 * A small vsnprintf for freestanding code: %d %i %u %x %X %s %c %p %%,
 * the '0' and '-' flags, a field width, a precision for %s (".N" or ".*")
 * and the l, ll and z modifiers.
 * Always NUL-terminates when len > 0; returns the length it would have
 * written, as C's snprintf does.
 */
#include "lwkb_loader.h"

/* One vsnprintf call: where it writes and the arguments it reads. */
struct printer {
	char *buf;
	lwkb_size_t len;
	lwkb_size_t pos;	/* bytes it would have written so far */
	lwkb_va_list ap;	/* a copy of the caller's */
};

/* One conversion's flags, field width, precision and length modifiers. */
struct spec {
	int zero, left, width, prec, lng;
};

static void put(struct printer *p, char c)
{
	if (p->pos + 1 < p->len)
		p->buf[p->pos] = c;
	p->pos++;
}

static void pad(struct printer *p, int n, char c)
{
	for (; n > 0; n--)
		put(p, c);
}

static void put_num(struct printer *p, lwkb_u64 v, int neg, unsigned base, int upper,
		    const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, fill;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	fill = sp->width - n - neg;
	if (!sp->left && !sp->zero)
		pad(p, fill, ' ');
	if (neg)
		put(p, '-');
	if (!sp->left && sp->zero)
		pad(p, fill, '0');
	while (n)
		put(p, tmp[--n]);
	if (sp->left)
		pad(p, fill, ' ');
}

static void put_str(struct printer *p, const char *s, const struct spec *sp)
{
	int n, k;

	if (!s)
		s = "(null)";
	n = (int)(sp->prec >= 0 ? lwkb_strnlen(s, (lwkb_size_t)sp->prec) : lwkb_strlen(s));
	if (!sp->left)
		pad(p, sp->width - n, ' ');
	for (k = 0; k < n; k++)
		put(p, s[k]);
	if (sp->left)
		pad(p, sp->width - n, ' ');
}

/* Reads what follows a '%' into sp; returns where the conversion is. */
static const char *parse_spec(struct printer *p, const char *fmt, struct spec *sp)
{
	sp->zero = sp->left = sp->width = sp->lng = 0;
	sp->prec = -1;
	for (;; fmt++) {
		if (*fmt == '0')
			sp->zero = 1;
		else if (*fmt == '-')
			sp->left = 1;
		else
			break;
	}
	while (*fmt >= '0' && *fmt <= '9')
		sp->width = sp->width * 10 + (*fmt++ - '0');
	if (*fmt == '.') {
		fmt++;
		sp->prec = 0;
		if (*fmt == '*') {
			sp->prec = __builtin_va_arg(p->ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp->prec = sp->prec * 10 + (*fmt++ - '0');
	}
	while (*fmt == 'l' || *fmt == 'z') {
		sp->lng++;
		fmt++;
	}
	return fmt;
}

static void convert(struct printer *p, char c, const struct spec *sp)
{
	lwkb_s64 v;
	lwkb_u64 u;

	switch (c) {
	case 'd':
	case 'i':
		v = sp->lng ? __builtin_va_arg(p->ap, long long) : __builtin_va_arg(p->ap, int);
		put_num(p, v < 0 ? -(lwkb_u64)v : (lwkb_u64)v, v < 0, 10, 0, sp);
		break;
	case 'u':
	case 'x':
	case 'X':
		u = sp->lng ? __builtin_va_arg(p->ap, unsigned long long)
			    : __builtin_va_arg(p->ap, unsigned int);
		put_num(p, u, 0, c == 'u' ? 10 : 16, c == 'X', sp);
		break;
	case 'p':
		put(p, '0');
		put(p, 'x');
		u = (lwkb_u64)(__UINTPTR_TYPE__)__builtin_va_arg(p->ap, void *);
		put_num(p, u, 0, 16, 0, sp);
		break;
	case 'c':
		put(p, (char)__builtin_va_arg(p->ap, int));
		break;
	case 's':
		put_str(p, __builtin_va_arg(p->ap, const char *), sp);
		break;
	case '%':
		put(p, '%');
		break;
	default:
		put(p, '%');
		put(p, c);
		break;
	}
}

int lwkb_vsnprintf(char *buf, lwkb_size_t len, const char *fmt, lwkb_va_list ap)
{
	struct printer p = { .buf = buf, .len = len };
	struct spec sp;

	__builtin_va_copy(p.ap, ap);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&p, *fmt);
			continue;
		}
		fmt = parse_spec(&p, fmt + 1, &sp);
		if (!*fmt)
			break;
		convert(&p, *fmt, &sp);
	}
	__builtin_va_end(p.ap);
	if (len)
		buf[p.pos < len ? p.pos : len - 1] = '\0';
	return (int)p.pos;
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
