// SPDX-License-Identifier: MIT
/*
 * libihk: the IHK admin API (spec 1.2.1 and 1.2.2) over lwkboot.ko's
 * ioctls (include/lwkboot/ioctl.h), written from the specification.
 *
 * Device index 0 is /dev/mcd0, the only IHK device lwkboot has; OS index N
 * is /dev/mcosN.  Arguments are checked here, in the order the
 * specification's error lists imply (the device first, then counts, then
 * pointers, then values), so that a bad call changes nothing; the module
 * checks them again.  docs/ihk.md lists where this library follows IHK
 * and the lwkboot command keeps lwkboot's own behaviour.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lwkboot/boot_info.h"
#include "lwkb_elf.h"
#include "lwkb_parse.h"
#include "liblwkboot.h"
#include "ihklib.h"

#define API __attribute__((visibility("default")))

/* IHK's fixed sizes, which callers size their buffers by (spec 1.2.2.21). */
#define IHK_KMSG_BYTES		((4 << 20) - 4096)
#define IHK_MAX_MEM_CHUNKS	2048
#define IHK_MAX_ENV_BYTES	(1UL << 20)
#define IHK_MAX_ENV		(1UL << 10)
#define IHK_ERR_MSG_BYTES	(1UL << 12)
#define IHK_RATIO_ALL_LIMIT	98
#define IHK_KARGS_TOKEN		"hidos"
#define MEM_UNIT		(4UL << 20)
#define BOOT_WAIT_MS		60000
#define SHUTDOWN_WAIT_MS	30000

API int loglevel = IHKLIB_LOGLEVEL_ERR;

/* ---- devices ---- */

static int open_path(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

API int ihklib_device_open(int index)
{
	char path[32];

	if (index < 0)
		return -ENOENT;
	snprintf(path, sizeof(path), PATH_DEV "/mcd%d", index);
	return open_path(path);
}

API int ihklib_os_open(int index)
{
	char path[32];

	if (index < 0 || index >= LWKB_MAX_OS)
		return -ENOENT;
	snprintf(path, sizeof(path), PATH_DEV "/mcos%d", index);
	return open_path(path);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

/* One ioctl on /dev/mcdN or /dev/mcosN: its result or -errno. */
static int dev_ioctl(int index, unsigned long req, void *arg)
{
	int fd = ihklib_device_open(index), ret;

	if (fd < 0)
		return fd;
	ret = xioctl(fd, req, arg);
	close(fd);
	return ret;
}

static int os_ioctl(int index, unsigned long req, void *arg)
{
	int fd = ihklib_os_open(index), ret;

	if (fd < 0)
		return fd;
	ret = xioctl(fd, req, arg);
	close(fd);
	return ret;
}

/* The device must exist and be ours to use before anything else is checked. */
static int dev_check(int index)
{
	int fd = ihklib_device_open(index);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int os_check(int index)
{
	int fd = ihklib_os_open(index);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* ---- CPUs ---- */

static int popcount_set(const struct lwkb_cpuset *s)
{
	int n = 0;
	unsigned int i;

	for (i = 0; i < LWKB_MAX_CPUS / 64; i++)
		n += __builtin_popcountll(s->bits[i]);
	return n;
}

/* The CPUs of a set in ascending order into cpus; their number. */
static int set_to_array(const struct lwkb_cpuset *s, int *cpus, int room)
{
	int i, n = 0;

	for (i = 0; i < LWKB_MAX_CPUS; i++)
		if (lwkb_test_bit(s->bits, (lwkb_u32)i)) {
			if (n < room)
				cpus[n] = i;
			n++;
		}
	return n;
}

/* A caller's CPU array as a set: each a CPU number the interface can name. */
static int array_to_set(const int *cpus, int num, struct lwkb_cpuset *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < num; i++) {
		if (cpus[i] < 0 || cpus[i] >= LWKB_MAX_CPUS)
			return -EINVAL;
		lwkb_set_bit(s->bits, (lwkb_u32)cpus[i]);
	}
	return 0;
}

/* Online as Linux sees it now (CPU 0 may have no "online" file). */
static int cpu_online(int cpu)
{
	char path[64], c = '0';
	int fd;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d", cpu);
		return access(path, F_OK) == 0;
	}
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

/* Common checks of a CPU array argument: count, then pointer, then values. */
static int cpu_args(int *cpus, int num, struct lwkb_cpuset *s)
{
	if (num < 0 || num > LWKB_MAX_CPUS)
		return -EINVAL;
	if (num == 0)
		return 0;
	if (!cpus)
		return -EFAULT;
	return array_to_set(cpus, num, s);
}

API int ihk_reserve_cpu(int index, int *cpus, int num_cpus)
{
	struct lwkb_cpuset s;
	int ret = dev_check(index), i;

	if (ret)
		return ret;
	ret = cpu_args(cpus, num_cpus, &s);
	if (ret || !num_cpus)
		return ret;
	/* Only online CPUs can be taken from Linux (an offline one may be
	 * reserved already, or be Linux's but offline by an admin). */
	for (i = 0; i < num_cpus; i++)
		if (!cpu_online(cpus[i]))
			return -EINVAL;
	return dev_ioctl(index, LWKB_RESERVE_CPU, &s);
}

API int ihk_get_num_reserved_cpus(int index)
{
	struct lwkb_cpuset s;
	int ret = dev_ioctl(index, LWKB_QUERY_CPU, &s);

	return ret ? ret : popcount_set(&s);
}

API int ihk_query_cpu(int index, int *cpus, int num_cpus)
{
	struct lwkb_cpuset s;
	int ret = dev_ioctl(index, LWKB_QUERY_CPU, &s);

	if (ret)
		return ret;
	/* The caller sizes the array with ihk_get_num_reserved_cpus (1.2.1.4). */
	if (num_cpus != popcount_set(&s) || (num_cpus && !cpus))
		return -EINVAL;
	set_to_array(&s, cpus, num_cpus);
	return 0;
}

API int ihk_release_cpu(int index, int *cpus, int num_cpus)
{
	struct lwkb_cpuset s, held;
	unsigned int i;
	int ret = dev_ioctl(index, LWKB_QUERY_CPU, &held);

	if (ret)
		return ret;
	ret = cpu_args(cpus, num_cpus, &s);
	if (ret || !num_cpus)
		return ret;
	for (i = 0; i < LWKB_MAX_CPUS / 64; i++)
		if (s.bits[i] & ~held.bits[i])
			return -EINVAL;		/* not reserved */
	return dev_ioctl(index, LWKB_RELEASE_CPU, &s);
}

/* ---- memory ---- */

/* The reservation settings of 1.2.1.6, valid for the next reservation. */
static struct {
	int balanced_enable, balanced_best_effort, balanced_variance_limit;
	int min_chunk_size, max_size_ratio_all, timeout;
	int ratio_set;		/* max_size_ratio_all given by the caller */
} mem_conf;

static void mem_conf_default(void)
{
	mem_conf.balanced_enable = 0;
	mem_conf.balanced_best_effort = 0;
	mem_conf.balanced_variance_limit = 0;
	mem_conf.min_chunk_size = (int)sysconf(_SC_PAGESIZE);
	mem_conf.max_size_ratio_all = IHK_RATIO_ALL_LIMIT;
	mem_conf.ratio_set = 0;
	mem_conf.timeout = 30;
}

__attribute__((constructor)) static void ihklib_init(void)
{
	mem_conf_default();
}

static int node_online(int node)
{
	char path[64];

	if (node < 0)
		return 0;
	snprintf(path, sizeof(path), PATH_SYS_NODE "/node%d", node);
	if (access(path, F_OK) == 0)
		return 1;
	/* A kernel without NUMA has no node directories: node 0 only. */
	return node == 0 && access(PATH_SYS_NODE, F_OK) != 0;
}

/* MemFree of a node in bytes (0 if it cannot be read). */
static unsigned long long node_memfree(int node)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), PATH_SYS_NODE "/node%d/meminfo", node);
	f = fopen(path, "re");
	if (!f)
		f = fopen("/proc/meminfo", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "MemFree:");

		if (p && sscanf(p + 8, "%llu", &kb) == 1)
			break;
	}
	fclose(f);
	return kb << 10;
}

/*
 * A caller's chunk array as lwkboot's entries: sizes in 4 MiB units or -1.
 * With round (assigning to and releasing from an instance), a size that is
 * not a whole number of units is rounded up to one: IHK's driver assigns
 * any page multiple, and an LWK is better off with a little more than with
 * an error.  Without (the pool), the size must be whole: "要求サイズは 4 MiB
 * の整数倍である必要がある" (1.2.1.8).
 */
static int chunks_to_ents(const struct ihk_mem_chunk *c, int num, struct lwkb_mem_ent *e,
			  int round)
{
	int i;

	memset(e, 0, sizeof(*e) * (size_t)num);
	for (i = 0; i < num; i++) {
		if (c[i].size == (unsigned long)-1) {
			e[i].size = LWKB_MEM_ALL;
		} else {
			if (!c[i].size || c[i].size > (unsigned long)-1 - MEM_UNIT ||
			    (!round && c[i].size % MEM_UNIT))
				return -EINVAL;
			e[i].size = (c[i].size + MEM_UNIT - 1) / MEM_UNIT * MEM_UNIT;
		}
		if (!node_online(c[i].numa_node_number))
			return -EINVAL;
		e[i].numa = c[i].numa_node_number;
	}
	return 0;
}

static int mem_args(struct ihk_mem_chunk *chunks, int num, struct lwkb_mem_ent **ents,
		    int round)
{
	int ret;

	*ents = NULL;
	if (num < 0 || num > IHK_MAX_MEM_CHUNKS)
		return -EINVAL;
	if (num == 0)
		return 0;
	if (!chunks)
		return -EFAULT;
	*ents = calloc((size_t)num, sizeof(**ents));
	if (!*ents)
		return -ENOMEM;
	ret = chunks_to_ents(chunks, num, *ents, round);
	if (ret) {
		free(*ents);
		*ents = NULL;
	}
	return ret;
}

API int ihk_reserve_mem_conf(int index, int key, void *value)
{
	int ret = dev_check(index), v;

	if (ret)
		return ret;
	if (key < IHK_RESERVE_MEM_BALANCED_ENABLE || key > IHK_RESERVE_MEM_TIMEOUT)
		return -EINVAL;
	if (!value)
		return -EFAULT;
	v = *(int *)value;
	switch (key) {
	case IHK_RESERVE_MEM_BALANCED_ENABLE:
		mem_conf.balanced_enable = v;
		break;
	case IHK_RESERVE_MEM_BALANCED_BEST_EFFORT:
		mem_conf.balanced_best_effort = v;
		break;
	case IHK_RESERVE_MEM_BALANCED_VARIANCE_LIMIT:
		mem_conf.balanced_variance_limit = v;
		break;
	case IHK_RESERVE_MEM_MIN_CHUNK_SIZE:
		mem_conf.min_chunk_size = v;
		break;
	case IHK_RESERVE_MEM_MAX_SIZE_RATIO_ALL:
		/* "zero or less, or more than 98: -EINVAL" (1.2.1.6) */
		if (v <= 0 || v > IHK_RATIO_ALL_LIMIT)
			return -EINVAL;
		mem_conf.max_size_ratio_all = v;
		mem_conf.ratio_set = 1;
		break;
	case IHK_RESERVE_MEM_TIMEOUT:
		mem_conf.timeout = v;
		break;
	}
	return 0;
}

/*
 * Node 0 keeps memory for Linux: "NUMA ノード 0 については Linux にメモリを
 * 残すために空き容量の 95%以上の予約を試みない" (1.2.1.8).  A size the
 * caller names that reaches 95% of node 0's free memory is refused without
 * trying; sizes derived from free memory (size -1 with a ratio, balanced
 * reservations) are capped below it instead (NODE0_RATIO_MAX).
 */
#define NODE0_RATIO_MAX 94
static int node0_too_much(const struct lwkb_mem_ent *e, int num)
{
	unsigned long long want = 0, avail = node_memfree(0);
	int i;

	for (i = 0; i < num; i++)
		if (e[i].numa == 0 && e[i].size != LWKB_MEM_ALL)
			want += e[i].size;
	return want && avail && want >= avail / 100 * 95;
}

/* The percent of node's free memory a derived size may take. */
static int ratio_for(int node)
{
	int r = mem_conf.max_size_ratio_all;

	return node == 0 && r > NODE0_RATIO_MAX ? NODE0_RATIO_MAX : r;
}

static unsigned long long units_up(unsigned long long bytes)
{
	return (bytes + MEM_UNIT - 1) / MEM_UNIT;
}

/*
 * BALANCED_ENABLE (1.2.1.6): the request becomes one size per node it
 * names, as equal as the nodes allow.  Each node can give
 * MAX_SIZE_RATIO_ALL percent of its free memory now (its "adjusted free
 * memory"); size -1 asks for all of that.  Without BEST_EFFORT a total the
 * nodes cannot give is -ENOMEM, with it the total shrinks to what they
 * can.  The total is then spread evenly, a node that cannot give its share
 * giving what it can and the others the rest; -ENOMEM when the mean
 * absolute deviation of the sizes exceeds VARIANCE_LIMIT percent of their
 * mean.  Sizes are compared in lwkboot's 4 MiB units, each node's adjusted
 * free memory rounded up to one (1.2.1.8 allows 4 MiB more per node);
 * node 0 gives at most NODE0_RATIO_MAX percent.  e is rewritten in place (*num shrinks).
 */
static int balance(struct lwkb_mem_ent *e, int *num)
{
	unsigned long long *cap, *want, *got, total = 0, adj = 0, left;
	int *node, *done, *all, n = 0, i, j, ret = 0;

	node = calloc((size_t)*num, sizeof(*node));
	done = calloc((size_t)*num, sizeof(*done));
	all = calloc((size_t)*num, sizeof(*all));
	cap = calloc((size_t)*num, sizeof(*cap));
	want = calloc((size_t)*num, sizeof(*want));
	got = calloc((size_t)*num, sizeof(*got));
	if (!node || !done || !all || !cap || !want || !got) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < *num; i++) {
		for (j = 0; j < n && node[j] != e[i].numa; j++)
			;
		if (j == n) {
			node[n] = e[i].numa;
			/* "最大 4 MiB 上振れる可能性がある" (1.2.1.8): rounded up */
			cap[n] = units_up(node_memfree(e[i].numa) / 100 *
					  (unsigned long long)ratio_for(e[i].numa));
			n++;
		}
		/* -1: all the node can give (once, however often it is named) */
		if (e[i].size == LWKB_MEM_ALL)
			all[j] = 1;
		else
			want[j] += e[i].size / MEM_UNIT;
	}
	for (j = 0; j < n; j++) {
		if (all[j])
			want[j] = cap[j];
		total += want[j];
		adj += cap[j];
	}
	if (total > adj) {
		if (!mem_conf.balanced_best_effort) {
			ret = -ENOMEM;
			goto out;
		}
		total = adj;
	}
	/* Water-filling: the node with the least room first. */
	for (left = total, i = n; i > 0; i--) {
		int k = -1;

		for (j = 0; j < n; j++)
			if (!done[j] && (k < 0 || cap[j] < cap[k]))
				k = j;
		done[k] = 1;
		got[k] = (left + (unsigned long long)i - 1) / (unsigned long long)i;
		if (got[k] > cap[k])
			got[k] = cap[k];
		left -= got[k];
	}
	if (n > 1 && total) {
		double mean = (double)total / n, dev = 0;
		unsigned long long lo = got[0], hi = got[0];

		for (j = 0; j < n; j++) {
			dev += got[j] > mean ? got[j] - mean : mean - got[j];
			lo = got[j] < lo ? got[j] : lo;
			hi = got[j] > hi ? got[j] : hi;
		}
		/* One unit apart is as even as 4 MiB units can be. */
		if (hi - lo > 1 && dev / n / mean * 100 > mem_conf.balanced_variance_limit) {
			ret = -ENOMEM;
			goto out;
		}
	}
	for (i = 0, j = 0; j < n; j++)
		if (got[j])
			e[i++] = (struct lwkb_mem_ent){ .size = got[j] * MEM_UNIT, .numa = node[j] };
	*num = i;
	if (!i)
		ret = -ENOMEM;
out:
	free(node);
	free(done);
	free(all);
	free(cap);
	free(want);
	free(got);
	return ret;
}

/*
 * Reserves as 1.2.1.8 says, under the settings of 1.2.1.6 (which hold for
 * this one reservation, then go back to their defaults).  Size -1 without
 * BALANCED_ENABLE: with MAX_SIZE_RATIO_ALL set by the caller, up to that
 * percent of the node's free memory (the module measures and logs it);
 * left at its default, lwkboot's "all", which leaves Linux an eighth of
 * RAM (docs/ihk.md).  MIN_CHUNK_SIZE and TIMEOUT change nothing: lwkboot
 * always takes 4 MiB blocks.
 */
API int ihk_reserve_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks)
{
	struct lwkb_mem_ent *e;
	struct lwkb_mem_list ml;
	int i, n = num_mem_chunks, ret = dev_check(index);

	e = NULL;
	if (ret)
		goto out;
	ret = mem_args(mem_chunks, num_mem_chunks, &e, 0);
	if (ret || !num_mem_chunks)
		goto out;
	if (mem_conf.balanced_enable) {
		ret = balance(e, &n);
		if (ret)
			goto out;
	} else if (mem_conf.ratio_set) {
		for (i = 0; i < n; i++)
			if (e[i].size == LWKB_MEM_ALL)
				e[i].ratio = (lwkb_u32)ratio_for(e[i].numa);
	}
	if (node0_too_much(e, n)) {
		ret = -ENOMEM;
		goto out;
	}
	ml = (struct lwkb_mem_list){ .ents = (uintptr_t)e, .nr = (lwkb_u32)n };
	ret = dev_ioctl(index, LWKB_RESERVE_MEM, &ml);
out:
	free(e);
	mem_conf_default();	/* the settings hold for one reservation */
	return ret;
}

/*
 * The chunks of the pool of device index (pool) or of instance os,
 * malloc'ed; their number or -errno.
 */
static int chunks_of(int index, int os, int pool, struct lwkb_mem_ent **out)
{
	struct lwkb_mem_list ml = { 0 };
	struct lwkb_mem_ent *e = NULL;
	int ret, tries;

	*out = NULL;
	for (tries = 0; tries < 8; tries++) {
		ml.ents = (uintptr_t)e;
		ret = pool ? dev_ioctl(index, LWKB_QUERY_MEM, &ml)
			   : os_ioctl(os, LWKB_OS_QUERY_MEM, &ml);
		if (ret) {
			free(e);
			return ret;
		}
		if (ml.total <= ml.nr) {
			*out = e;
			return (int)ml.total;
		}
		free(e);
		e = calloc(ml.total, sizeof(*e));
		if (!e)
			return -ENOMEM;
		ml.nr = ml.total;
	}
	free(e);
	return -EAGAIN;
}

API int ihk_get_num_reserved_mem_chunks(int index)
{
	struct lwkb_mem_ent *e;
	int n = chunks_of(index, 0, 1, &e);

	free(e);
	return n;
}

static int fill_chunks(int n, const struct lwkb_mem_ent *e, struct ihk_mem_chunk *c, int num)
{
	int i;

	if (num != n || (n && !c))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		c[i].size = e[i].size;
		c[i].numa_node_number = e[i].numa;
	}
	return 0;
}

API int ihk_query_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks)
{
	struct lwkb_mem_ent *e;
	int n = chunks_of(index, 0, 1, &e), ret;

	if (n < 0)
		return n;
	ret = fill_chunks(n, e, mem_chunks, num_mem_chunks);
	free(e);
	return ret;
}

/*
 * How many leading entries name a chunk that is there (each chunk once),
 * and whether one of those is -1 ("all"), which ends the list (1.2.1.12).
 */
static int match_chunks(const struct lwkb_mem_ent *want, int num,
			const struct lwkb_mem_ent *have, int n, int *all)
{
	char *used = calloc((size_t)n + 1, 1);
	int i, j;

	*all = 0;
	if (!used)
		return -ENOMEM;
	for (i = 0; i < num; i++) {
		if (want[i].size == LWKB_MEM_ALL) {
			*all = 1;
			break;
		}
		for (j = 0; j < n; j++)
			if (!used[j] && have[j].size == want[i].size && have[j].numa == want[i].numa)
				break;
		if (j == n)
			break;
		used[j] = 1;
	}
	free(used);
	return i;
}

/*
 * "If releasing a series of chunks fails midway, the chunks released
 * until then stay released" (1.2.1.12): the entries before the first one
 * that names no chunk are released, then -EINVAL.
 */
static int release_mem(int index, int os, int pool, struct ihk_mem_chunk *chunks, int num)
{
	struct lwkb_mem_ent *e, *have;
	struct lwkb_mem_list ml = { 0 };
	int n, ret, all, ok;

	n = chunks_of(index, os, pool, &have);
	if (n < 0)
		return n;
	ret = mem_args(chunks, num, &e, !pool);
	if (ret || !num)
		goto out;
	ok = match_chunks(e, num, have, n, &all);
	if (ok < 0) {
		ret = ok;
		goto out;
	}
	if (all) {
		ml.nr = 0;	/* all of them */
	} else {
		ml.ents = (uintptr_t)e;
		ml.nr = (lwkb_u32)ok;
	}
	if ((all && n) || (!all && ok))
		ret = pool ? dev_ioctl(index, LWKB_RELEASE_MEM, &ml)
			   : os_ioctl(os, LWKB_OS_RELEASE_MEM, &ml);
	if (!ret && !all && ok < num)
		ret = -EINVAL;
out:
	free(e);
	free(have);
	return ret;
}

API int ihk_release_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks)
{
	return release_mem(index, 0, 1, mem_chunks, num_mem_chunks);
}

/* ---- OS instances ---- */

API int ihk_create_os(int index)
{
	return dev_ioctl(index, LWKB_CREATE_OS, NULL);
}

/* "index is ignored" (1.2.1.14): there is one IHK device. */
API int ihk_get_num_os_instances(int index)
{
	struct lwkb_os_list l;
	int ret;

	(void)index;
	ret = dev_ioctl(0, LWKB_LIST_OS, &l);
	if (ret == -ENOENT)	/* no device: no instance */
		return 0;
	return ret ? ret : (int)l.nr;
}

API int ihk_get_os_instances(int index, int *indices, int num_os_instances)
{
	struct lwkb_os_list l;
	unsigned int i;
	int ret;

	ret = dev_ioctl(index, LWKB_LIST_OS, &l);
	if (ret)
		return ret;
	if (num_os_instances < 0 || (unsigned int)num_os_instances != l.nr ||
	    (l.nr && !indices))
		return -EINVAL;
	for (i = 0; i < l.nr; i++)
		indices[i] = (int)l.index[i];
	return 0;
}

static int wait_status(int os, int want, int ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int st = 0, waited;

	for (waited = 0; waited <= ms; waited += 10) {
		st = os_ioctl(os, LWKB_OS_STATUS, NULL);
		if (st < 0 || st == want)
			return st;
		nanosleep(&ts, NULL);
	}
	return st;
}

/*
 * IHK destroys a booted instance too (1.2.1.16): shut it down first.  The
 * lwkboot command keeps refusing that (docs/ihk.md).
 */
API int ihk_destroy_os(int dev_index, int os_index)
{
	struct lwkb_os_list l;
	lwkb_u32 flags = 0;
	unsigned int i;
	int ret = dev_ioctl(dev_index, LWKB_LIST_OS, &l), st;

	if (ret)
		return ret;
	for (i = 0; i < l.nr; i++)
		if ((int)l.index[i] == os_index)
			break;
	if (i == l.nr)
		return -EINVAL;
	st = os_ioctl(os_index, LWKB_OS_STATUS, NULL);
	if (st > 0 && st != LWKB_STATUS_INACTIVE) {
		ret = os_ioctl(os_index, LWKB_OS_SHUTDOWN, &flags);
		if (ret && ret != -EINVAL)
			return ret;
		wait_status(os_index, LWKB_STATUS_INACTIVE, SHUTDOWN_WAIT_MS);
	}
	return dev_ioctl(dev_index, LWKB_DESTROY_OS, &(lwkb_u32){ (lwkb_u32)os_index });
}

/* ---- one instance: CPUs ---- */

API int ihk_os_assign_cpu(int index, int *cpus, int num_cpus)
{
	struct lwkb_cpuset s, pool;
	unsigned int i;
	int ret = os_check(index);

	if (ret)
		return ret;
	ret = cpu_args(cpus, num_cpus, &s);
	if (ret || !num_cpus)
		return ret;
	ret = dev_ioctl(0, LWKB_QUERY_CPU, &pool);
	if (ret)
		return ret;
	for (i = 0; i < LWKB_MAX_CPUS / 64; i++)
		if (s.bits[i] & ~pool.bits[i])
			return -EINVAL;		/* not reserved */
	ret = os_ioctl(index, LWKB_OS_STATUS, NULL);
	if (ret > 0 && ret != LWKB_STATUS_INACTIVE)
		return -EBUSY;
	return os_ioctl(index, LWKB_OS_ASSIGN_CPU, &s);
}

API int ihk_os_get_num_assigned_cpus(int index)
{
	struct lwkb_cpuset s;
	int ret = os_ioctl(index, LWKB_OS_QUERY_CPU, &s);

	return ret ? ret : popcount_set(&s);
}

API int ihk_os_query_cpu(int index, int *cpus, int num_cpus)
{
	struct lwkb_cpuset s;
	int ret = os_ioctl(index, LWKB_OS_QUERY_CPU, &s);

	if (ret)
		return ret;
	if (num_cpus != popcount_set(&s) || (num_cpus && !cpus))
		return -EINVAL;
	set_to_array(&s, cpus, num_cpus);
	return 0;
}

API int ihk_os_release_cpu(int index, int *cpus, int num_cpus)
{
	struct lwkb_cpuset s, held;
	unsigned int i;
	int ret = os_ioctl(index, LWKB_OS_QUERY_CPU, &held);

	if (ret)
		return ret;
	ret = cpu_args(cpus, num_cpus, &s);
	if (ret || !num_cpus)
		return ret;
	for (i = 0; i < LWKB_MAX_CPUS / 64; i++)
		if (s.bits[i] & ~held.bits[i])
			return -EINVAL;		/* not assigned */
	ret = os_ioctl(index, LWKB_OS_STATUS, NULL);
	if (ret > 0 && ret != LWKB_STATUS_INACTIVE)
		return -EBUSY;
	return os_ioctl(index, LWKB_OS_RELEASE_CPU, &s);
}

/* ---- IKC map ---- */

API int ihk_os_set_ikc_map(int index, struct ihk_ikc_cpu_map *map, int num_cpus)
{
	struct lwkb_cpuset held;
	struct lwkb_ikc_map *m;
	int ret = os_ioctl(index, LWKB_OS_QUERY_CPU, &held), i;

	if (ret)
		return ret;
	/* One route for each assigned CPU (1.2.2.6). */
	if (!map || num_cpus <= 0 || num_cpus != popcount_set(&held))
		return -EINVAL;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (i = 0; i < LWKB_MAX_CPUS; i++)
		m->dst[i] = -1;
	for (i = 0; i < num_cpus; i++) {
		int s = map[i].src_cpu, d = map[i].dst_cpu;

		if (s < 0 || s >= LWKB_MAX_CPUS || !lwkb_test_bit(held.bits, (lwkb_u32)s) ||
		    m->dst[s] >= 0 || d < 0 || d >= LWKB_MAX_CPUS || !cpu_online(d)) {
			free(m);
			return -EINVAL;
		}
		m->dst[s] = d;
	}
	ret = os_ioctl(index, LWKB_OS_STATUS, NULL);
	if (ret > 0 && ret != LWKB_STATUS_INACTIVE)
		ret = -EBUSY;
	else
		ret = os_ioctl(index, LWKB_OS_SET_IKC_MAP, &(struct lwkb_ikc_list){
			.dst = (uintptr_t)m->dst, .nr = LWKB_MAX_CPUS });
	free(m);
	return ret;
}

API int ihk_os_get_ikc_map(int index, struct ihk_ikc_cpu_map *map, int num_cpus)
{
	struct lwkb_cpuset held;
	struct lwkb_ikc_map *m;
	int ret = os_ioctl(index, LWKB_OS_QUERY_CPU, &held), i, n = 0;

	if (ret)
		return ret;
	if (!map || num_cpus <= 0 || num_cpus != popcount_set(&held))
		return -EINVAL;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	/* The module fills at most nr_cpu_ids entries: -1 for the rest. */
	memset(m->dst, 0xff, sizeof(m->dst));
	ret = os_ioctl(index, LWKB_OS_GET_IKC_MAP, &(struct lwkb_ikc_list){
		.dst = (uintptr_t)m->dst, .nr = LWKB_MAX_CPUS });
	if (!ret)
		for (i = 0; i < LWKB_MAX_CPUS && n < num_cpus; i++)
			if (lwkb_test_bit(held.bits, (lwkb_u32)i)) {
				map[n].src_cpu = i;
				/* unset: the module sends to Linux CPU 0 */
				map[n].dst_cpu = m->dst[i] >= 0 ? m->dst[i] : 0;
				n++;
			}
	free(m);
	return ret;
}

/* ---- one instance: memory ---- */

API int ihk_os_assign_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks)
{
	struct lwkb_mem_ent *e;
	struct lwkb_mem_list ml;
	int ret = os_check(index);

	if (ret)
		return ret;
	ret = mem_args(mem_chunks, num_mem_chunks, &e, 1);
	if (ret || !num_mem_chunks)
		return ret;
	ret = os_ioctl(index, LWKB_OS_STATUS, NULL);
	if (ret > 0 && ret != LWKB_STATUS_INACTIVE) {
		free(e);
		return -EBUSY;
	}
	ml = (struct lwkb_mem_list){ .ents = (uintptr_t)e, .nr = (lwkb_u32)num_mem_chunks };
	ret = os_ioctl(index, LWKB_OS_ASSIGN_MEM, &ml);
	free(e);
	return ret;
}

API int ihk_os_get_num_assigned_mem_chunks(int index)
{
	struct lwkb_mem_ent *e;
	int n = chunks_of(0, index, 0, &e);

	free(e);
	return n;
}

API int ihk_os_query_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks)
{
	struct lwkb_mem_ent *e;
	int n = chunks_of(0, index, 0, &e), ret;

	if (n < 0)
		return n;
	ret = fill_chunks(n, e, mem_chunks, num_mem_chunks);
	free(e);
	return ret;
}

API int ihk_os_release_mem(int index, struct ihk_mem_chunk *mem_chunks, int num_mem_chunks)
{
	int ret = os_ioctl(index, LWKB_OS_STATUS, NULL);

	if (ret < 0)
		return ret;
	if (ret != LWKB_STATUS_INACTIVE && num_mem_chunks > 0)
		return -EBUSY;
	return release_mem(0, index, 0, mem_chunks, num_mem_chunks);
}

/* ---- monitoring ---- */

/*
 * A new eventfd for the instance's events of one type (1.2.2.13).  STATUS:
 * signalled when it enters PANIC or HUNGUP; lwkboot signals one eventfd
 * per instance, so a second call moves the signal to the new one.  OOM and
 * KMSG are valid types whose events lwkboot never raises (its LWK has no
 * memory limit the host tracks, and kmsg is a ring that keeps the newest
 * lines instead of filling up): their eventfd is never signalled
 * (docs/ihk.md).
 */
API int ihk_os_get_eventfd(int index, int type)
{
	int fd = ihklib_os_open(index), efd, ret = 0;
	lwkb_s32 arg;

	if (fd < 0)
		return fd;
	if (type != IHK_OS_EVENTFD_TYPE_STATUS && type != IHK_OS_EVENTFD_TYPE_OOM &&
	    type != IHK_OS_EVENTFD_TYPE_KMSG) {
		close(fd);
		return -EINVAL;
	}
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	arg = efd;
	if (type == IHK_OS_EVENTFD_TYPE_STATUS)
		ret = xioctl(fd, LWKB_OS_EVENTFD, &arg);
	close(fd);
	if (ret) {
		close(efd);
		return ret;
	}
	return efd;
}

/* ---- image, arguments, boot ---- */

static int read_image(const char *fn, void **buf, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t done = 0;
	int fd = open(fn, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > (1L << 30)) {
		close(fd);
		return -EINVAL;
	}
	*buf = malloc((size_t)st.st_size);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, (char *)*buf + done, (size_t)st.st_size - done);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			free(*buf);
			close(fd);
			return ret;
		}
		done += (size_t)n;
	}
	close(fd);
	*len = done;
	return 0;
}

API int ihk_os_load(int index, char *fn)
{
	struct lwkb_mem_ent *e;
	struct lwkb_elf_info ei;
	struct lwkb_buf b;
	void *img = NULL;
	size_t len = 0;
	char err[160];
	int ret = os_ioctl(index, LWKB_OS_STATUS, NULL), n;

	if (ret < 0)
		return ret;
	if (ret != LWKB_STATUS_INACTIVE)
		return -EBUSY;
	if (!fn)	/* "NULL: -EINVAL", as IHK's ihk_os_load04 requires */
		return -EINVAL;
	/* An image is placed in the instance's memory for its CPUs (1.2.2.14). */
	if (ihk_os_get_num_assigned_cpus(index) <= 0)
		return -EINVAL;
	n = chunks_of(0, index, 0, &e);
	free(e);
	if (n <= 0)
		return n < 0 ? n : -EINVAL;
	ret = read_image(fn, &img, &len);
	if (ret)
		return ret == -EISDIR ? -EINVAL : ret;
	if (lwkb_elf_check(img, len, ~0ULL >> 1, &ei, err, sizeof(err))) {
		free(img);
		return -EINVAL;
	}
	b = (struct lwkb_buf){ .addr = (uintptr_t)img, .len = len };
	ret = os_ioctl(index, LWKB_OS_LOAD, &b);
	free(img);
	return ret;
}

/* The spec's rule (1.2.2.15): the arguments must hold the token "hidos". */
static int has_token(const char *s, const char *tok)
{
	size_t n = strlen(tok);
	const char *p = s;

	while ((p = strstr(p, tok))) {
		if ((p == s || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

API int ihk_os_kargs(int index, char *kargs)
{
	struct lwkb_buf b;
	size_t len = 0;
	int ret = os_ioctl(index, LWKB_OS_STATUS, NULL);

	if (ret < 0)
		return ret;
	if (!kargs)
		return -EFAULT;
	len = strnlen(kargs, LWKB_KARGS_SIZE);
	if (len >= LWKB_KARGS_SIZE || !has_token(kargs, IHK_KARGS_TOKEN))
		return -EINVAL;
	if (ret != LWKB_STATUS_INACTIVE)
		return -EBUSY;
	b = (struct lwkb_buf){ .addr = (uintptr_t)kargs, .len = len };
	return os_ioctl(index, LWKB_OS_KARGS, &b);
}

/*
 * Boot, then wait until every core is up (RUNNING) or the boot failed, so
 * that kmsg and the status say how it went when this returns.
 */
API int ihk_os_boot(int index)
{
	int ret = os_ioctl(index, LWKB_OS_STATUS, NULL), st;

	if (ret < 0)
		return ret;
	if (ret != LWKB_STATUS_INACTIVE)
		return -EBUSY;
	ret = os_ioctl(index, LWKB_OS_BOOT, NULL);
	if (ret)
		return ret;
	st = wait_status(index, LWKB_STATUS_RUNNING, BOOT_WAIT_MS);
	if (st < 0)
		return st;
	return st == LWKB_STATUS_RUNNING || st == LWKB_STATUS_BOOTING ? 0 : -EIO;
}

/* Returns once the instance is INACTIVE again (1.2.2.19). */
API int ihk_os_shutdown(int index)
{
	lwkb_u32 flags = 0;
	int ret = os_ioctl(index, LWKB_OS_STATUS, NULL);

	if (ret < 0)
		return ret;
	ret = os_ioctl(index, LWKB_OS_SHUTDOWN, &flags);
	if (ret == -EINVAL)	/* not booted: already down */
		return 0;
	if (ret)
		return ret;
	ret = wait_status(index, LWKB_STATUS_INACTIVE, SHUTDOWN_WAIT_MS);
	return ret < 0 ? ret : 0;
}

API int ihk_os_get_status(int index)
{
	return os_ioctl(index, LWKB_OS_STATUS, NULL);
}

/* ---- kmsg ---- */

/* The size of the buffer ihk_os_kmsg takes: IHK's, which holds lwkboot's ring. */
API int ihk_os_get_kmsg_size(int index)
{
	int ret = os_check(index);

	return ret ? ret : IHK_KMSG_BYTES;
}

/*
 * Before its first boot an instance has no kernel messages (lwkboot
 * allocates the ring at boot), and IHK says -EINVAL then (its
 * ihk_os_kmsg03 and ihk_os_clear_kmsg03).  The module's record of the
 * last boot tells (kmsg_phys); when the caller may not read that record
 * (it needs the privilege of a dump), the module's own answer stands.
 */
static int kmsg_never_booted(int fd)
{
	struct lwkb_dump_info d = { 0 };

	return xioctl(fd, LWKB_OS_DUMP_INFO, &d) == 0 && !d.kmsg_phys;
}

API int ihk_os_kmsg(int index, char *kmsg, ssize_t sz_kmsg)
{
	struct lwkb_kmsg_read kr = { 0 };
	int fd = ihklib_os_open(index), ret;
	size_t got = 0;

	if (fd < 0)
		return fd;
	if (sz_kmsg != IHK_KMSG_BYTES || kmsg_never_booted(fd)) {
		close(fd);
		return -EINVAL;
	}
	if (!kmsg) {
		close(fd);
		return -EFAULT;
	}
	/* From the last clear to the end, leaving room for a NUL. */
	while (got < (size_t)sz_kmsg - 1) {
		kr.addr = (uintptr_t)(kmsg + got);
		kr.len = (size_t)sz_kmsg - 1 - got;
		ret = xioctl(fd, LWKB_OS_KMSG, &kr);
		if (ret < 0) {
			close(fd);
			return ret;
		}
		if (ret == 0)
			break;
		got += (size_t)ret;
	}
	close(fd);
	kmsg[got] = '\0';
	return (int)got;
}

API int ihk_os_clear_kmsg(int index)
{
	int fd = ihklib_os_open(index), ret;

	if (fd < 0)
		return fd;
	ret = kmsg_never_booted(fd) ? -EINVAL : xioctl(fd, LWKB_OS_CLEAR_KMSG, NULL);
	close(fd);
	return ret;
}

/* ---- NUMA, memory and page sizes seen by the instance ---- */

/* The nodes of the instance's memory (chunks and CPUs): how many. */
static int os_nodes(int index, int *nodes, int room)
{
	struct lwkb_mem_ent *e;
	int n = chunks_of(0, index, 0, &e), i, j, nr = 0;

	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		for (j = 0; j < nr && j < room; j++)
			if (nodes[j] == e[i].numa)
				break;
		if (j == nr) {
			if (nr < room)
				nodes[nr] = e[i].numa;
			nr++;
		}
	}
	free(e);
	/* Sorted, so that index i of the per-node queries is the i-th node. */
	for (i = 1; i < nr && i < room; i++)
		for (j = i; j > 0 && nodes[j - 1] > nodes[j]; j--) {
			int t = nodes[j];

			nodes[j] = nodes[j - 1];
			nodes[j - 1] = t;
		}
	return nr;
}

API int ihk_os_get_num_numa_nodes(int index)
{
	int nodes[1];

	return os_nodes(index, nodes, 0);
}

static int query_mem_per_node(int index, unsigned long *out, int num, int free_only)
{
	struct lwkb_mem_ent *e;
	int nodes[1024], nr = os_nodes(index, nodes, 1024), n, i, j;

	if (nr < 0)
		return nr;
	if (!out || num <= 0 || num != nr || nr > 1024)
		return -EINVAL;
	n = chunks_of(0, index, 0, &e);
	if (n < 0)
		return n;
	memset(out, 0, sizeof(*out) * (size_t)num);
	for (i = 0; i < n; i++)
		for (j = 0; j < nr; j++)
			if (nodes[j] == e[i].numa)
				out[j] += e[i].size;
	free(e);
	/*
	 * lwkboot's LWK manages its memory itself and does not report use to
	 * the host: its free memory is all it was given (docs/ihk.md).
	 */
	(void)free_only;
	return 0;
}

API int ihk_os_query_free_mem(int os_index, unsigned long *memfree, int num_numa_nodes)
{
	return query_mem_per_node(os_index, memfree, num_numa_nodes, 1);
}

API int ihk_os_query_total_mem(int os_index, unsigned long *memtotal, int num_numa_nodes)
{
	return query_mem_per_node(os_index, memtotal, num_numa_nodes, 0);
}

/* IHK's page-size table (enum ihk_os_pgsize of its ihk_rusage.h). */
static const long pgsizes[] = {
	1L << 12, 1L << 16, 1L << 21, 1L << 25, 1L << 30, 1L << 34, 1L << 29, 1L << 42,
};
#define NR_PGSIZES ((int)(sizeof(pgsizes) / sizeof(pgsizes[0])))

API int ihk_os_get_num_pagesizes(int index)
{
	int ret = os_check(index);

	return ret ? ret : NR_PGSIZES;
}

API int ihk_os_get_pagesizes(int index, long *out, int num_pgsizes)
{
	int ret = os_check(index);

	if (ret)
		return ret;
	/* NULL first: ihk_os_get_pagesizes03 passes NULL with a count of 0. */
	if (!out)
		return -EFAULT;
	if (num_pgsizes != NR_PGSIZES)
		return -EINVAL;
	memcpy(out, pgsizes, sizeof(pgsizes));
	return 0;
}

/* ---- what lwkboot's LWK interface does not have ---- */

/*
 * Resource usage, performance counters and makedumpfile are McKernel's,
 * through its mcctrl driver; an lwkboot co-kernel has none of them.  They
 * check their device as IHK does and then say so.
 */
API int ihk_os_getrusage(int index, struct ihk_os_rusage *rusage, size_t size_rusage)
{
	int ret = os_check(index);

	(void)rusage;
	(void)size_rusage;
	return ret ? ret : -EOPNOTSUPP;
}

API int ihk_os_setperfevent(int index, ihk_perf_event_attr *attr, int n)
{
	int ret = os_check(index);

	(void)attr;
	(void)n;
	return ret ? ret : -EOPNOTSUPP;
}

API int ihk_os_perfctl(int index, int comm)
{
	int ret = os_check(index);

	(void)comm;
	return ret ? ret : -EOPNOTSUPP;
}

API int ihk_os_getperfevent(int index, unsigned long *counter, int n)
{
	int ret = os_check(index);

	(void)counter;
	(void)n;
	return ret ? ret : -EOPNOTSUPP;
}

/* ---- freeze and thaw ---- */

/*
 * The n bits of os_set (LSB of os_set[0] first), read once, a word at a
 * time: the instances below LWKB_MAX_OS as a mask, and whether a bit at
 * or above it is set (no instance has such an index).
 */
static unsigned int os_set_mask(const unsigned long *os_set, int n, int *high)
{
	const int bits = (int)(8 * sizeof(*os_set));
	const unsigned long low = (1UL << LWKB_MAX_OS) - 1;
	int w, words = n / bits + (n % bits != 0);
	unsigned int mask = 0;

	*high = 0;
	for (w = 0; w < words; w++) {
		unsigned long v = os_set[w];

		if (n - w * bits < bits)
			v &= (1UL << (n - w * bits)) - 1;
		if (!w) {
			mask = (unsigned int)(v & low);
			v &= ~low;
		}
		*high |= v != 0;
	}
	return mask;
}

/*
 * One request to every instance whose bit is set in os_set, n bits from
 * the least significant bit of os_set[0] (1.2.2.32, 1.2.2.33).  n 0 is
 * -EINVAL (IHK's ihk_os_freeze03).  Every instance is opened first, so
 * that a missing one (-ENOENT, also for a bit at or above LWKB_MAX_OS) or
 * one the caller may not open changes nothing; the module refuses a caller
 * without privilege (-EPERM) and a state the spec does not allow.  A freeze
 * refused by one instance is taken back from those it already reached; a
 * thaw goes on to the others (it is how a stuck freeze is undone) and
 * returns the first error.
 */
static int os_set_each(const unsigned long *os_set, int n, unsigned long req)
{
	unsigned int mask;
	int i, ret, high, first = 0;

	if (n <= 0)
		return -EINVAL;
	if (!os_set)
		return -EFAULT;
	mask = os_set_mask(os_set, n, &high);
	for (i = 0; i < LWKB_MAX_OS; i++) {
		if (!(mask >> i & 1))
			continue;
		ret = os_check(i);
		if (ret)
			return ret;
	}
	if (high || !mask)
		return -ENOENT;
	for (i = 0; i < LWKB_MAX_OS; i++) {
		if (!(mask >> i & 1))
			continue;
		ret = os_ioctl(i, req, NULL);
		if (!ret)
			continue;
		if (req == LWKB_OS_THAW) {
			first = first ? first : ret;
			continue;
		}
		while (--i >= 0)	/* the freeze: undo where it was asked */
			if (mask >> i & 1)
				os_ioctl(i, LWKB_OS_THAW, NULL);
		return ret;
	}
	return first;
}

/* Asks every core of each instance to pause; returns at once (1.2.2.32). */
API int ihk_os_freeze(unsigned long *os_set, int n)
{
	return os_set_each(os_set, n, LWKB_OS_FREEZE);
}

/* Lets the cores of each instance go on, or cancels a freeze (1.2.2.33). */
API int ihk_os_thaw(unsigned long *os_set, int n)
{
	return os_set_each(os_set, n, LWKB_OS_THAW);
}

API int ihk_os_makedumpfile(int index, char *dump_file, int dump_level, int interactive)
{
	int ret = os_check(index);

	(void)dump_file;
	(void)dump_level;
	(void)interactive;
	return ret ? ret : -EOPNOTSUPP;
}

API int ihk_set_loglevel(enum IHKLIB_LOGLEVEL level)
{
	if (level != IHKLIB_LOGLEVEL_EMERG && level != IHKLIB_LOGLEVEL_ERR)
		return -EINVAL;
	loglevel = level;
	return 0;
}

/* ---- the string forms (KEY=VAL lists, 1.2.1.2 and on) ---- */

/*
 * The value of KEY in envp (num_env NUL-terminated "KEY=VAL" strings):
 * NULL if absent; *bad set when the list itself is malformed: too many
 * entries or bytes, or an empty entry (IHK's ihk_create_os_str08 expects
 * -EINVAL for one).  Entries without '=' are ignored, as are unknown keys
 * (ihk_create_os_str09 expects those to pass).
 */
static const char *env_get(const char *envp, int num_env, const char *key, int *bad)
{
	const char *p = envp, *found = NULL;
	size_t klen = strlen(key), total = 0;
	int i;

	*bad = 0;
	if (!envp || num_env <= 0 || (unsigned long)num_env > IHK_MAX_ENV) {
		*bad = 1;
		return NULL;
	}
	for (i = 0; i < num_env; i++) {
		size_t l = strnlen(p, IHK_MAX_ENV_BYTES - total);

		total += l + 1;
		if (total > IHK_MAX_ENV_BYTES || !l) {
			*bad = 1;
			return NULL;
		}
		if (!strncmp(p, key, klen) && p[klen] == '=')
			found = p + klen + 1;
		p += l + 1;
	}
	return found;
}

static int parse_cpulist(const char *s, int **cpus)
{
	struct lwkb_cpuset set;
	int n;

	*cpus = NULL;
	if (!*s || lwkb_cpulist_parse(s, set.bits, LWKB_MAX_CPUS, NULL, 0))
		return -EINVAL;
	n = popcount_set(&set);
	*cpus = calloc((size_t)n, sizeof(int));
	if (!*cpus)
		return -ENOMEM;
	set_to_array(&set, *cpus, n);
	return n;
}

API int ihk_reserve_cpu_str(int dev_index, const char *envp, int num_env)
{
	const char *v;
	int bad, *cpus, n, ret = dev_check(dev_index);

	if (ret)
		return ret;
	v = env_get(envp, num_env, "IHK_CPUS", &bad);
	if (bad || !v)
		return -EINVAL;
	n = parse_cpulist(v, &cpus);
	if (n < 0)
		return n;
	ret = ihk_reserve_cpu(dev_index, cpus, n);
	free(cpus);
	return ret;
}

API int ihk_os_assign_cpu_str(int os_index, const char *envp, int num_env)
{
	const char *v;
	int bad, *cpus, n, ret = os_check(os_index);

	if (ret)
		return ret;
	v = env_get(envp, num_env, "IHK_CPUS", &bad);
	if (bad || !v)
		return -EINVAL;
	n = parse_cpulist(v, &cpus);
	if (n < 0)
		return n;
	ret = ihk_os_assign_cpu(os_index, cpus, n);
	free(cpus);
	return ret;
}

/* IHK memory list (1.3.1.4) as chunks. */
static int parse_memlist(const char *s, struct ihk_mem_chunk **out)
{
	struct lwkb_mem_ent *e;
	unsigned int nr, i;

	*out = NULL;
	e = calloc(IHK_MAX_MEM_CHUNKS, sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (!*s || lwkb_memlist_parse(s, e, IHK_MAX_MEM_CHUNKS, &nr, NULL, 0)) {
		free(e);
		return -EINVAL;
	}
	*out = calloc(nr, sizeof(**out));
	if (!*out) {
		free(e);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		(*out)[i].size = e[i].size == LWKB_MEM_ALL ? (unsigned long)-1 : e[i].size;
		(*out)[i].numa_node_number = e[i].numa == LWKB_NUMA_ANY ? 0 : e[i].numa;
	}
	free(e);
	return (int)nr;
}

API int ihk_reserve_mem_str(int dev_index, const char *envp, int num_env)
{
	struct ihk_mem_chunk *c;
	const char *v;
	int bad, n, ret = dev_check(dev_index);

	if (ret)
		return ret;
	v = env_get(envp, num_env, "IHK_MEM", &bad);
	if (bad || !v)
		return -EINVAL;
	n = parse_memlist(v, &c);
	if (n < 0)
		return n;
	ret = ihk_reserve_mem(dev_index, c, n);
	free(c);
	return ret;
}

static int parse_int(const char *s, int *v)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(s, &end, 10);
	if (!*s || *end || errno || l < INT_MIN || l > INT_MAX)
		return -EINVAL;
	*v = (int)l;
	return 0;
}

static const struct { const char *key; int conf; } conf_keys[] = {
	{ "IHK_RESERVE_MEM_BALANCED_ENABLE", IHK_RESERVE_MEM_BALANCED_ENABLE },
	{ "IHK_RESERVE_MEM_BALANCED_BEST_EFFORT", IHK_RESERVE_MEM_BALANCED_BEST_EFFORT },
	{ "IHK_RESERVE_MEM_BALANCED_VARIANCE_LIMIT", IHK_RESERVE_MEM_BALANCED_VARIANCE_LIMIT },
	{ "IHK_RESERVE_MEM_MIN_CHUNK_SIZE", IHK_RESERVE_MEM_MIN_CHUNK_SIZE },
	{ "IHK_RESERVE_MEM_MAX_SIZE_RATIO_ALL", IHK_RESERVE_MEM_MAX_SIZE_RATIO_ALL },
	{ "IHK_RESERVE_MEM_TIMEOUT", IHK_RESERVE_MEM_TIMEOUT },
};
#define NR_CONF_KEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

/* The reservation settings named in envp, checked; set[k] says which. */
static int conf_parse(const char *envp, int num_env, int *vals, int *set)
{
	unsigned int k;
	int bad;

	for (k = 0; k < NR_CONF_KEYS; k++) {
		const char *v = env_get(envp, num_env, conf_keys[k].key, &bad);

		set[k] = 0;
		if (bad)
			return -EINVAL;
		if (!v)
			continue;
		if (parse_int(v, &vals[k]))
			return -EINVAL;
		if (conf_keys[k].conf == IHK_RESERVE_MEM_MAX_SIZE_RATIO_ALL &&
		    (vals[k] <= 0 || vals[k] > IHK_RATIO_ALL_LIMIT))
			return -EINVAL;
		set[k] = 1;
	}
	return 0;
}

static int conf_apply(int dev_index, int *vals, const int *set)
{
	unsigned int k;
	int ret;

	for (k = 0; k < NR_CONF_KEYS; k++)
		if (set[k]) {
			ret = ihk_reserve_mem_conf(dev_index, conf_keys[k].conf, &vals[k]);
			if (ret)
				return ret;
		}
	return 0;
}

API int ihk_reserve_mem_conf_str(int dev_index, const char *envp, int num_env)
{
	int vals[NR_CONF_KEYS], set[NR_CONF_KEYS], bad, ret = dev_check(dev_index);

	if (ret)
		return ret;
	env_get(envp, num_env, "", &bad);
	if (bad)
		return -EINVAL;
	/* All values are checked before any is set. */
	ret = conf_parse(envp, num_env, vals, set);
	return ret ? ret : conf_apply(dev_index, vals, set);
}

API int ihk_os_set_ikc_map_str(int os_index, const char *envp, int num_env)
{
	struct lwkb_ikc_map *m;
	struct ihk_ikc_cpu_map *map;
	const char *v;
	int bad, i, n = 0, ret = os_check(os_index);

	if (ret)
		return ret;
	v = env_get(envp, num_env, "IHK_IKC_MAP", &bad);
	if (bad || !v || !*v)
		return -EINVAL;
	m = malloc(sizeof(*m));
	map = calloc(LWKB_MAX_CPUS, sizeof(*map));
	if (!m || !map) {
		free(m);
		free(map);
		return -ENOMEM;
	}
	if (lwkb_ikcmap_parse(v, m, NULL, 0)) {
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < LWKB_MAX_CPUS; i++)
		if (m->dst[i] >= 0) {
			map[n].src_cpu = i;
			map[n].dst_cpu = m->dst[i];
			n++;
		}
	ret = ihk_os_set_ikc_map(os_index, map, n);
out:
	free(m);
	free(map);
	return ret;
}

API int ihk_os_kargs_str(int os_index, const char *envp, int num_env,
			 const char *default_kargs)
{
	const char *v;
	char *copy;
	int bad, ret = os_check(os_index);

	if (ret)
		return ret;
	v = env_get(envp, num_env, "IHK_KARGS", &bad);
	if (bad)
		return -EINVAL;
	if (!v)
		v = default_kargs;
	if (!v)
		return -EFAULT;
	copy = strdup(v);
	if (!copy)
		return -ENOMEM;
	ret = ihk_os_kargs(os_index, copy);
	free(copy);
	return ret;
}

/*
 * err_msg of a failed IHK call inside ihk_create_os_str: the spec (1.2.2.17)
 * wants the caller's source file and line and the function's name.
 */
#define ERRMSG(fn, r) errmsg(err_msg, (r), __LINE__, (fn))
static int errmsg(char *err_msg, int ret, int line, const char *what)
{
	if (err_msg)
		snprintf(err_msg, IHK_ERR_MSG_BYTES, "ihklib.c:%d: %s returned %d",
			 line, what, ret);
	return ret;
}

/* Everything in the pool of device index goes back to Linux. */
static int release_all(int index, char *err_msg)
{
	struct ihk_mem_chunk all = { (unsigned long)-1, 0 };
	int n = ihk_get_num_reserved_cpus(index), ret = 0, *c;

	if (n > 0) {
		c = calloc((size_t)n, sizeof(int));
		if (!c)
			return -ENOMEM;
		ret = ihk_query_cpu(index, c, n);
		if (ret)
			ERRMSG("ihk_query_cpu", ret);
		else if ((ret = ihk_release_cpu(index, c, n)))
			ERRMSG("ihk_release_cpu", ret);
		free(c);
		if (ret)
			return ret;
	}
	if (ihk_get_num_reserved_mem_chunks(index) > 0 &&
	    (ret = ihk_release_mem(index, &all, 1)))
		return ERRMSG("ihk_release_mem", ret);
	return 0;
}

/*
 * Deprecated in the spec (1.2.2.17).  The whole list is checked first:
 * a missing IHK_CPUS or IHK_MEM or a malformed value is -EINVAL with
 * err_msg left empty (the spec writes err_msg only when an IHK call fails).
 * Then the steps of the spec: release what is reserved and reserve what
 * the list names (with its IHK_RESERVE_MEM_* settings), create, assign
 * everything reserved, map, load, set the arguments.  On failure the
 * instance is destroyed and the CPUs and memory are released, as the spec
 * says.
 */
API int ihk_create_os_str(int dev_index, int *os_index, const char *envp, int num_env,
			  const char *kernel_image, const char *default_kargs, char *err_msg)
{
	struct ihk_mem_chunk *mc = NULL;
	struct lwkb_ikc_map *map = NULL;
	const char *cpus_s, *mem_s, *ikc_s;
	int vals[NR_CONF_KEYS], set[NR_CONF_KEYS];
	int bad, ncpu, nmem, *cpus = NULL, ret, os = -1;
	char *img = NULL;

	if (err_msg)
		err_msg[0] = '\0';
	ret = ihk_get_num_reserved_cpus(dev_index);
	if (ret < 0)
		return ERRMSG("ihk_get_num_reserved_cpus", ret);
	cpus_s = env_get(envp, num_env, "IHK_CPUS", &bad);
	mem_s = env_get(envp, num_env, "IHK_MEM", &bad);
	ikc_s = env_get(envp, num_env, "IHK_IKC_MAP", &bad);
	if (bad || !cpus_s || !mem_s || conf_parse(envp, num_env, vals, set))
		return -EINVAL;
	if (!os_index || !kernel_image)
		return -EFAULT;
	ncpu = parse_cpulist(cpus_s, &cpus);
	if (ncpu < 0)
		return ncpu;
	nmem = parse_memlist(mem_s, &mc);
	if (nmem < 0) {
		ret = nmem;
		goto out;
	}
	if (ikc_s) {
		map = malloc(sizeof(*map));
		if (!map) {
			ret = -ENOMEM;
			goto out;
		}
		if (!*ikc_s || lwkb_ikcmap_parse(ikc_s, map, NULL, 0)) {
			ret = -EINVAL;
			goto out;
		}
	}
	/* Step 1: the pool holds exactly what the list names. */
	ret = release_all(dev_index, err_msg);
	if (ret)
		goto fail;
	ret = ihk_reserve_cpu(dev_index, cpus, ncpu);
	if (ret) {
		ERRMSG("ihk_reserve_cpu", ret);
		goto fail;
	}
	ret = conf_apply(dev_index, vals, set);
	if (ret) {
		ERRMSG("ihk_reserve_mem_conf", ret);
		goto fail;
	}
	ret = ihk_reserve_mem(dev_index, mc, nmem);
	if (ret) {
		ERRMSG("ihk_reserve_mem", ret);
		goto fail;
	}
	os = ihk_create_os(dev_index);
	if (os < 0) {
		ret = ERRMSG("ihk_create_os", os);
		goto fail;
	}
	/* Everything reserved goes to the new instance. */
	free(cpus);
	free(mc);
	mc = NULL;
	ncpu = ihk_get_num_reserved_cpus(dev_index);
	cpus = ncpu > 0 ? calloc((size_t)ncpu, sizeof(int)) : NULL;
	if (!cpus || (ret = ihk_query_cpu(dev_index, cpus, ncpu)) ||
	    (ret = ihk_os_assign_cpu(os, cpus, ncpu))) {
		ret = ERRMSG("ihk_os_assign_cpu", ret ? ret : -ENOMEM);
		goto fail;
	}
	nmem = ihk_get_num_reserved_mem_chunks(dev_index);
	mc = nmem > 0 ? calloc((size_t)nmem, sizeof(*mc)) : NULL;
	if (!mc || (ret = ihk_query_mem(dev_index, mc, nmem)) ||
	    (ret = ihk_os_assign_mem(os, mc, nmem))) {
		ret = ERRMSG("ihk_os_assign_mem", ret ? ret : -ENOMEM);
		goto fail;
	}
	if (ikc_s) {
		ret = ihk_os_set_ikc_map_str(os, envp, num_env);
		if (ret) {
			ERRMSG("ihk_os_set_ikc_map_str", ret);
			goto fail;
		}
	}
	img = strdup(kernel_image);
	if (!img || (ret = ihk_os_load(os, img))) {
		ret = ERRMSG("ihk_os_load", img ? ret : -ENOMEM);
		goto fail;
	}
	ret = ihk_os_kargs_str(os, envp, num_env, default_kargs);
	if (ret) {
		ERRMSG("ihk_os_kargs_str", ret);
		goto fail;
	}
	*os_index = os;
	ret = 0;
	goto out;
fail:
	if (os >= 0 && ihk_destroy_os(dev_index, os)) {
		/*
		 * Someone holds the instance's device open (the module then
		 * refuses to destroy it): it gives back what it was assigned,
		 * so that nothing stays taken, and goes when it can.
		 */
		struct ihk_mem_chunk all = { (unsigned long)-1, 0 };
		int n = ihk_os_get_num_assigned_cpus(os), *c;

		c = n > 0 ? calloc((size_t)n, sizeof(int)) : NULL;
		if (c && !ihk_os_query_cpu(os, c, n))
			ihk_os_release_cpu(os, c, n);
		free(c);
		ihk_os_release_mem(os, &all, 1);
		if (ihk_destroy_os(dev_index, os) && err_msg)
			snprintf(err_msg + strlen(err_msg), IHK_ERR_MSG_BYTES - strlen(err_msg),
				 "; instance %d could not be destroyed (its device is open),"
				 " its CPUs and memory are released", os);
	}
	release_all(dev_index, NULL);
	mem_conf_default();	/* settings applied above hold for nothing now */
out:
	free(img);
	free(cpus);
	free(mc);
	free(map);
	return ret;
}
