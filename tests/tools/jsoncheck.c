// SPDX-License-Identifier: MIT
/*
 * lwkb-jsoncheck: a strict JSON (RFC 8259) checker for the tests of
 * `lwkboot --json` (docs/json.md), small enough for the VM's initramfs,
 * which has busybox but no jq.
 *
 *   lwkb-jsoncheck [-t|-n|-k] [PATH] < FILE
 *
 * Exit 0 when stdin is exactly one JSON document (whitespace around it
 * allowed) in valid UTF-8; 1 with a message naming the offset when it is
 * not.  PATH selects a value: ".", ".key", "[N]" and combinations like
 * ".instances[0].status".  It is printed on stdout: a string decoded (its
 * bytes, no quotes), any other value as written; -t prints its type
 * (object, array, string, number, true, false, null), -n its number of
 * elements (arrays and objects), -k an object's keys, one a line.  Exit 3
 * when PATH names nothing, 2 for bad usage.
 *
 * tests/tools/json-test.c includes this file (JSONCHECK_NO_MAIN) to check
 * tools/json.c's strings against the same parser.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JC_MAX_DEPTH 64

struct jc {
	const unsigned char *s, *end, *p;
	const char *err;		/* the first error, or NULL */
	const char *path;		/* what is left of PATH here, or NULL: not on it */
	int found;
	/* the value PATH selected */
	const unsigned char *v_start, *v_end;
	const char *v_type;
	size_t v_count;
	char *v_str;			/* a string's bytes, decoded */
	size_t v_len;
	char *keys;			/* an object's keys, each ending in '\n' */
	size_t keys_len;
};

static int jc_fail(struct jc *j, const char *what)
{
	if (!j->err)
		j->err = what;
	return -1;
}

static void jc_ws(struct jc *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* Appends bytes to a growing buffer (*buf, *len); out of memory is fatal. */
static void jc_put(char **buf, size_t *len, const void *b, size_t n)
{
	char *p = realloc(*buf, *len + n + 1);

	if (!p) {
		perror("lwkb-jsoncheck");
		exit(1);
	}
	memcpy(p + *len, b, n);
	*len += n;
	p[*len] = '\0';
	*buf = p;
}

static void jc_put_utf8(char **buf, size_t *len, unsigned long cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = 0xc0 | (cp >> 6);
		b[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xe0 | (cp >> 12);
		b[1] = 0x80 | ((cp >> 6) & 0x3f);
		b[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		b[0] = 0xf0 | (cp >> 18);
		b[1] = 0x80 | ((cp >> 12) & 0x3f);
		b[2] = 0x80 | ((cp >> 6) & 0x3f);
		b[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	jc_put(buf, len, b, n);
}

/* A valid UTF-8 sequence at p (RFC 3629 table, section 4): its length, or 0. */
static size_t jc_utf8(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
	hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static int jc_hex4(struct jc *j, unsigned long *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++, j->p++) {
		unsigned char c = j->p < j->end ? *j->p : 0;

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			*v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			*v |= c - 'A' + 10;
		else
			return jc_fail(j, "bad \\u escape");
	}
	return 0;
}

/* A string at j->p (the opening quote); its decoded bytes into out if out. */
static int jc_string(struct jc *j, char **out, size_t *outlen)
{
	j->p++;
	for (;;) {
		unsigned long cp, lo;
		size_t n;

		if (j->p >= j->end)
			return jc_fail(j, "unterminated string");
		if (*j->p == '"') {
			j->p++;
			return 0;
		}
		if (*j->p < 0x20)
			return jc_fail(j, "control character in a string");
		if (*j->p != '\\') {
			n = jc_utf8(j->p, j->end);
			if (!n)
				return jc_fail(j, "invalid UTF-8");
			if (out)
				jc_put(out, outlen, j->p, n);
			j->p += n;
			continue;
		}
		j->p++;
		if (j->p >= j->end)
			return jc_fail(j, "unterminated string");
		switch (*j->p++) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (jc_hex4(j, &cp))
				return -1;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return jc_fail(j, "lone low surrogate");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
					return jc_fail(j, "lone high surrogate");
				j->p += 2;
				if (jc_hex4(j, &lo))
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return jc_fail(j, "lone high surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			break;
		default:
			return jc_fail(j, "bad escape");
		}
		if (out)
			jc_put_utf8(out, outlen, cp);
	}
}

static int jc_digits(struct jc *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s ? 0 : jc_fail(j, "bad number");
}

static int jc_number(struct jc *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (jc_digits(j))
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (jc_digits(j))
			return -1;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (jc_digits(j))
			return -1;
	}
	return 0;
}

static int jc_word(struct jc *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return jc_fail(j, "unexpected character");
	j->p += n;
	return 0;
}

static int jc_value(struct jc *j, const char *path, int depth);

/*
 * Where PATH goes below this value: for an object the key it names (into
 * key), for an array the index; returns the rest of PATH after that step,
 * or NULL when PATH does not go into a value of this kind.
 */
static const char *jc_step(const char *path, int object, char *key, size_t keylen, long *index)
{
	if (!path || !*path)
		return NULL;
	if (object && path[0] == '.' && path[1] && path[1] != '.' && path[1] != '[') {
		size_t n = strcspn(path + 1, ".[");

		if (n >= keylen)
			return NULL;
		memcpy(key, path + 1, n);
		key[n] = '\0';
		return path + 1 + n;
	}
	if (!object && path[0] == '[') {
		char *e;

		*index = strtol(path + 1, &e, 10);
		if (e == path + 1 || *e != ']' || *index < 0)
			return NULL;
		return e + 1;
	}
	return NULL;
}

static int jc_object(struct jc *j, const char *path, int depth, size_t *count)
{
	char want[256];
	long unused;
	const char *rest = jc_step(path, 1, want, sizeof(want), &unused);
	int keys = path && !*path;	/* this is the value PATH selects */

	j->p++;
	jc_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		size_t keylen = 0;

		jc_ws(j);
		if (j->p >= j->end || *j->p != '"')
			return jc_fail(j, "expected a key");
		if (jc_string(j, &key, &keylen)) {
			free(key);
			return -1;
		}
		if (!key)
			jc_put(&key, &keylen, "", 0);
		if (keys) {
			jc_put(&j->keys, &j->keys_len, key, keylen);
			jc_put(&j->keys, &j->keys_len, "\n", 1);
		}
		jc_ws(j);
		if (j->p >= j->end || *j->p != ':') {
			free(key);
			return jc_fail(j, "expected ':'");
		}
		j->p++;
		jc_ws(j);
		if (jc_value(j, rest && !strcmp(key, want) ? rest : NULL, depth + 1)) {
			free(key);
			return -1;
		}
		free(key);
		(*count)++;
		jc_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		return jc_fail(j, "expected ',' or '}'");
	}
}

static int jc_array(struct jc *j, const char *path, int depth, size_t *count)
{
	char unused[1];
	long want = -1;
	const char *rest = jc_step(path, 0, unused, sizeof(unused), &want);

	j->p++;
	jc_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		jc_ws(j);
		if (jc_value(j, rest && (long)*count == want ? rest : NULL, depth + 1))
			return -1;
		(*count)++;
		jc_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		return jc_fail(j, "expected ',' or ']'");
	}
}

/* A value at j->p; path: what is left of PATH here (NULL: not on it). */
static int jc_value(struct jc *j, const char *path, int depth)
{
	const unsigned char *start = j->p;
	const char *type;
	size_t count = 0;
	char *str = NULL;
	size_t len = 0;
	int ret;

	if (depth > JC_MAX_DEPTH)
		return jc_fail(j, "nested too deeply");
	if (j->p >= j->end)
		return jc_fail(j, "expected a value");
	switch (*j->p) {
	case '{':
		type = "object";
		ret = jc_object(j, path, depth, &count);
		break;
	case '[':
		type = "array";
		ret = jc_array(j, path, depth, &count);
		break;
	case '"':
		type = "string";
		ret = jc_string(j, path && !*path ? &str : NULL, &len);
		break;
	case 't':
		type = "true";
		ret = jc_word(j, "true");
		break;
	case 'f':
		type = "false";
		ret = jc_word(j, "false");
		break;
	case 'n':
		type = "null";
		ret = jc_word(j, "null");
		break;
	default:
		if (*j->p != '-' && (*j->p < '0' || *j->p > '9'))
			return jc_fail(j, "unexpected character");
		type = "number";
		ret = jc_number(j);
		break;
	}
	if (!ret && path && !*path) {
		j->found = 1;
		j->v_start = start;
		j->v_end = j->p;
		j->v_type = type;
		j->v_count = count;
		j->v_str = str;
		j->v_len = len;
	} else {
		free(str);
	}
	return ret;
}

/*
 * Checks that s[0..len) is exactly one JSON document and selects PATH in
 * it (NULL: none; "." or "": the whole document).  0, or -1 with j->err.
 */
static int jc_parse(struct jc *j, const char *s, size_t len, const char *path)
{
	memset(j, 0, sizeof(*j));
	j->s = j->p = (const unsigned char *)s;
	j->end = j->s + len;
	if (path && !strcmp(path, "."))
		path = "";
	jc_ws(j);
	if (jc_value(j, path, 0))
		return -1;
	jc_ws(j);
	if (j->p != j->end)
		return jc_fail(j, "more after the document");
	return 0;
}

static void jc_free(struct jc *j)
{
	free(j->v_str);
	free(j->keys);
	j->v_str = j->keys = NULL;
}

#ifndef JSONCHECK_NO_MAIN
int main(int argc, char **argv)
{
	char *in = NULL, buf[65536];
	size_t len = 0, n;
	const char *path = NULL;
	int mode = 0;
	struct jc j;

	if (argc > 1 && argv[1][0] == '-' && argv[1][1] && !argv[1][2] && strchr("tnk", argv[1][1])) {
		mode = argv[1][1];
		argc--;
		argv++;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] != '.' && argv[1][0] != '[') ||
	    (mode && argc != 2)) {
		fprintf(stderr, "usage: lwkb-jsoncheck [-t|-n|-k] [PATH] < FILE\n");
		return 2;
	}
	if (argc == 2)
		path = argv[1];
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		jc_put(&in, &len, buf, n);
	if (jc_parse(&j, in ? in : "", len, path)) {
		fprintf(stderr, "lwkb-jsoncheck: not valid JSON: %s at byte %zu\n", j.err,
			(size_t)(j.p - j.s));
		return 1;
	}
	if (path && !j.found) {
		fprintf(stderr, "lwkb-jsoncheck: no value at %s\n", path);
		return 3;
	}
	if (mode == 't')
		printf("%s\n", j.v_type);
	else if (mode == 'n' && (!strcmp(j.v_type, "array") || !strcmp(j.v_type, "object")))
		printf("%zu\n", j.v_count);
	else if (mode == 'n')
		return fprintf(stderr, "lwkb-jsoncheck: %s is a %s\n", path, j.v_type), 3;
	else if (mode == 'k' && !strcmp(j.v_type, "object"))
		fwrite(j.keys ? j.keys : "", 1, j.keys_len, stdout);
	else if (mode == 'k')
		return fprintf(stderr, "lwkb-jsoncheck: %s is a %s\n", path, j.v_type), 3;
	else if (path && !strcmp(j.v_type, "string")) {
		fwrite(j.v_str ? j.v_str : "", 1, j.v_len, stdout);
		putchar('\n');
	} else if (path)
		printf("%.*s\n", (int)(j.v_end - j.v_start), (const char *)j.v_start);
	jc_free(&j);
	free(in);
	return 0;
}
#endif
