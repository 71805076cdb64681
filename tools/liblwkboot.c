// SPDX-License-Identifier: MIT
/* liblwkboot: device access and the IHK list formats. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "lwkb_parse.h"
#include "liblwkboot.h"

static int devctl(const char *path, unsigned long req, void *arg)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, req, arg);
	ret = ret < 0 ? -errno : ret;
	close(fd);
	return ret;
}

int lwkb_ctl(unsigned long req, void *arg)
{
	return devctl("/dev/mcd0", req, arg);
}

int lwkb_os_ctl(int os, unsigned long req, void *arg)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/mcos%d", os);
	return devctl(path, req, arg);
}

int lwkb_module_loaded(void)
{
	return access("/dev/mcd0", F_OK) == 0;
}

int lwkb_memlist_parse(const char *s, struct lwkb_mem_ent *ents, unsigned int max,
		       unsigned int *nr, char *err, size_t errlen)
{
	const char *p = s;

	*nr = 0;
	if (!strcmp(s, "all")) {
		memset(&ents[0], 0, sizeof(ents[0]));
		ents[0].size = LWKB_MEM_ALL;
		ents[0].numa = LWKB_NUMA_ANY;
		*nr = 1;
		return 0;
	}
	if (!*s)
		return lwkb_err(err, errlen, -EINVAL, "empty memory list");
	for (;;) {
		const char *start = p;
		lwkb_u64 v;
		lwkb_size_t used;
		char *end;
		long node = 0;
		int rc;

		if (*nr >= max)
			return lwkb_err(err, errlen, -EINVAL,
					"more than %u entries in memory list", max);
		rc = lwkb_parse_size_prefix(p, &used, &v);
		if (rc == -LWKB_ERANGE)
			return lwkb_err(err, errlen, -EINVAL,
					"size at '%s' is too large", start);
		if (rc)
			return lwkb_err(err, errlen, -EINVAL,
					"expected a size at '%s'", p);
		p += used;
		if (*p == '@') {
			p++;
			if (*p < '0' || *p > '9')
				return lwkb_err(err, errlen, -EINVAL,
						"expected a NUMA node after '@' at '%s'", p);
			node = strtol(p, &end, 10);
			if (node > 1023)
				return lwkb_err(err, errlen, -EINVAL,
						"NUMA node %ld is out of range", node);
			p = end;
		}
		if (v == 0 || v % LWKB_MEM_UNIT)
			return lwkb_err(err, errlen, -EINVAL,
					"size %.*s (%llu bytes) is not a non-zero multiple of 4 MiB",
					(int)(p - start), start, v);
		memset(&ents[*nr], 0, sizeof(ents[*nr]));
		ents[*nr].size = v;
		ents[*nr].numa = (int)node;
		(*nr)++;
		if (!*p)
			return 0;
		if (*p != ',')
			return lwkb_err(err, errlen, -EINVAL,
					"unexpected '%c' at '%s' in memory list", *p, p);
		p++;
	}
}

void lwkb_memlist_format(const struct lwkb_mem_ent *ents, unsigned int nr,
			 char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < nr && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%llu@%d", i ? "," : "",
			      (unsigned long long)ents[i].size, ents[i].numa);
}

int lwkb_ikcmap_parse(const char *s, struct lwkb_ikc_map *m, char *err, size_t errlen)
{
	char *copy = strdup(s), *save = NULL, *tok;
	lwkb_u64 bits[LWKB_MAX_CPUS / 64];
	char sub[160];
	unsigned int c;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	memset(m->dst, 0xff, sizeof(m->dst));
	/* strtok_r skips empty entries: a stray '+' would pass unnoticed. */
	if (*s == '+' || strstr(s, "++") || (*s && s[strlen(s) - 1] == '+')) {
		free(copy);
		return lwkb_err(err, errlen, -EINVAL, "IKC map '%s' has an empty entry", s);
	}
	/* The messages quote the copy: it is freed after them. */
	for (tok = strtok_r(copy, "+", &save); tok && !rc; tok = strtok_r(NULL, "+", &save)) {
		char *colon = strchr(tok, ':'), *end;
		long dst;

		if (!colon) {
			rc = lwkb_err(err, errlen, -EINVAL, "IKC map entry '%s' has no ':'", tok);
			break;
		}
		*colon = '\0';
		if (lwkb_cpulist_parse(tok, bits, LWKB_MAX_CPUS, sub, sizeof(sub))) {
			rc = lwkb_err(err, errlen, -EINVAL, "IKC map: %s", sub);
			break;
		}
		dst = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || dst < 0 || dst >= LWKB_MAX_CPUS) {
			rc = lwkb_err(err, errlen, -EINVAL,
				      "IKC map: bad destination CPU '%s'", colon + 1);
			break;
		}
		for (c = 0; c < LWKB_MAX_CPUS; c++)
			if (lwkb_test_bit(bits, c))
				m->dst[c] = (int)dst;
	}
	free(copy);
	if (!rc && !*s)
		rc = lwkb_err(err, errlen, -EINVAL, "empty IKC map");
	return rc;
}

int lwkb_ikcmap_sources(const struct lwkb_ikc_map *m, int d, lwkb_u64 *bits)
{
	int c, any = 0;

	memset(bits, 0, LWKB_MAX_CPUS / 8);
	for (c = 0; c < LWKB_MAX_CPUS; c++)
		if (m->dst[c] == d) {
			lwkb_set_bit(bits, c);
			any = 1;
		}
	return any;
}

void lwkb_ikcmap_format(const struct lwkb_ikc_map *m, char *buf, size_t len)
{
	lwkb_u64 bits[LWKB_MAX_CPUS / 64], dsts[LWKB_MAX_CPUS / 64] = { 0 };
	size_t n = 0;
	int c, d;

	if (len)
		buf[0] = '\0';
	/* Only the destinations in use: each costs a pass over the map. */
	for (c = 0; c < LWKB_MAX_CPUS; c++)
		if (m->dst[c] >= 0 && m->dst[c] < LWKB_MAX_CPUS)
			lwkb_set_bit(dsts, (lwkb_u32)m->dst[c]);
	for (d = 0; d < LWKB_MAX_CPUS; d++) {
		if (!lwkb_test_bit(dsts, (lwkb_u32)d) || !lwkb_ikcmap_sources(m, d, bits) ||
		    n >= len)
			continue;
		if (n)
			n += snprintf(buf + n, len - n, "+");
		if (n < len)
			n += lwkb_cpulist_format(bits, LWKB_MAX_CPUS, buf + n, len - n);
		if (n < len)
			n += snprintf(buf + n, len - n, ":%d", d);
	}
}

int lwkb_ikcmap_set(int os, const struct lwkb_ikc_map *m)
{
	struct lwkb_ikc_list il = { .dst = (uintptr_t)m->dst };
	unsigned int c;

	for (c = 0; c < LWKB_MAX_CPUS; c++)
		if (m->dst[c] != -1)
			il.nr = c + 1;
	return lwkb_os_ctl(os, LWKB_OS_SET_IKC_MAP, &il);
}

int lwkb_ikcmap_get(int os, struct lwkb_ikc_map *m)
{
	struct lwkb_ikc_list il = { .dst = (uintptr_t)m->dst, .nr = LWKB_MAX_CPUS };
	int ret;

	memset(m->dst, 0xff, sizeof(m->dst));
	ret = lwkb_os_ctl(os, LWKB_OS_GET_IKC_MAP, &il);
	if (ret < 0)
		return ret;
	if (il.nr > LWKB_MAX_CPUS)
		return -EIO;
	memset(m->dst + il.nr, 0xff, (LWKB_MAX_CPUS - il.nr) * sizeof(m->dst[0]));
	return 0;
}

int lwkb_memlist_query(int os, struct lwkb_mem_ent *ents, unsigned int max,
		       unsigned int *nr)
{
	struct lwkb_mem_list ml = { .ents = (uintptr_t)ents, .nr = max };
	int ret = os < 0 ? lwkb_ctl(LWKB_QUERY_MEM, &ml) :
			   lwkb_os_ctl(os, LWKB_OS_QUERY_MEM, &ml);

	if (ret < 0)
		return ret;
	*nr = ml.nr;
	return ml.total > ml.nr ? -E2BIG : 0;	/* never act on a partial list */
}

int lwkb_read_kmsg(int os, unsigned long long *pos, char *buf, size_t len,
		   unsigned long long *lost)
{
	struct lwkb_kmsg_read r = { .addr = (uintptr_t)buf, .len = len, .pos = *pos };
	int n = lwkb_os_ctl(os, LWKB_OS_KMSG, &r);

	*lost += r.lost;
	if (n >= 0)
		*pos = r.pos;
	return n;
}
