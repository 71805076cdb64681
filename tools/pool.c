// SPDX-License-Identifier: MIT
/*
 * The pool (/dev/mcd0): reserve, release and query CPUs and memory there,
 * assign, release and query them in an instance (-o N); create, destroy
 * and list the instances.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"

int parse_cpus(const char *s, struct lwkb_cpuset *set)
{
	char err[160];

	if (lwkb_cpulist_parse(s, set->bits, LWKB_MAX_CPUS, err, sizeof(err)))
		die_usage("bad CPU list '%s': %s", s, err);
	return 0;
}

/* The CPUs of the pool (os < 0) or of instance os. */
static void print_cpus(const struct lwkb_cpuset *set, int os)
{
	static char buf[LWKB_CPULIST_TEXT_MAX];

	lwkb_cpulist_format(set->bits, LWKB_MAX_CPUS, buf, sizeof(buf));
	if (!json_out) {
		printf("%s\n", buf);
		return;
	}
	printf("{\"instance\":");
	json_index(stdout, os);
	printf(",\"cpus\":");
	json_bits(stdout, set->bits, LWKB_MAX_CPUS);
	printf(",\"list\":");
	json_cstring(stdout, buf);
	printf("}\n");
}

unsigned int parse_mem(const char *s, struct lwkb_mem_ent *ents)
{
	char err[160];
	unsigned int nr;

	if (lwkb_memlist_parse(s, ents, MAX_ENTS, &nr, err, sizeof(err)))
		die_usage("bad memory list '%s': %s", s, err);
	return nr;
}

static int print_mem(int os)
{
	struct lwkb_mem_ent ents[MAX_ENTS];
	char buf[MAX_ENTS * 32];
	unsigned long long total = 0;
	unsigned int nr;
	int ret = lwkb_memlist_query(os, ents, MAX_ENTS, &nr);

	if (ret)
		return fail(ret, "query mem");
	lwkb_memlist_format(ents, nr, buf, sizeof(buf));
	if (!json_out) {
		printf("%s\n", buf);
		return 0;
	}
	printf("{\"instance\":");
	json_index(stdout, os);
	printf(",\"chunks\":[");
	for (unsigned int i = 0; i < nr; i++) {
		printf("%s{\"size\":%llu,\"numa\":%d,\"start\":%llu}", i ? "," : "",
		       (unsigned long long)ents[i].size, ents[i].numa,
		       (unsigned long long)ents[i].start);
		total += ents[i].size;
	}
	printf("],\"total\":%llu,\"list\":", total);
	json_cstring(stdout, buf);
	printf("}\n");
	return 0;
}

/* A CPU list file of sysfs (online, possible) into set. */
static int read_cpulist(const char *path, struct lwkb_cpuset *set)
{
	static char buf[LWKB_CPULIST_TEXT_MAX];
	FILE *f = fopen(path, "r");
	char err[160];

	memset(set, 0, sizeof(*set));
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return lwkb_cpulist_parse(buf, set->bits, LWKB_MAX_CPUS, err, sizeof(err)) ? -EINVAL : 0;
}

int online_cpus(struct lwkb_cpuset *set)
{
	return read_cpulist("/sys/devices/system/cpu/online", set);
}

/*
 * Every CPU of bits (LWKB_MAX_CPUS of them) must be one this kernel can
 * have: 0 to nr_cpu_ids - 1, its possible CPUs.  Otherwise a message for
 * WHAT naming the first one.  If sysfs cannot tell, the module decides.
 */
int check_cpus_exist(const lwkb_u64 *bits, const char *what)
{
	static struct lwkb_cpuset possible;
	static char list[LWKB_CPULIST_TEXT_MAX];
	unsigned int c;

	if (read_cpulist("/sys/devices/system/cpu/possible", &possible))
		return 0;
	for (c = 0; c < LWKB_MAX_CPUS; c++)
		if (lwkb_test_bit(bits, c) && !lwkb_test_bit(possible.bits, c)) {
			lwkb_cpulist_format(possible.bits, LWKB_MAX_CPUS, list, sizeof(list));
			return fail(0, "%s: CPU %u does not exist: this kernel's CPUs are %s",
				    what, c, list);
		}
	return 0;
}

/* The CPUs an IKC map names, as sources or destinations, must exist. */
int check_ikcmap_cpus(const struct lwkb_ikc_map *m, const char *what)
{
	lwkb_u64 bits[LWKB_MAX_CPUS / 64] = { 0 };
	unsigned int c;

	for (c = 0; c < LWKB_MAX_CPUS; c++)
		if (m->dst[c] >= 0) {
			lwkb_set_bit(bits, c);
			if (m->dst[c] < LWKB_MAX_CPUS)
				lwkb_set_bit(bits, (lwkb_u32)m->dst[c]);
		}
	return check_cpus_exist(bits, what);
}

/* Clear explanations for the errors a value can cause. */
int check_cpus_for_reserve(const struct lwkb_cpuset *set)
{
	struct lwkb_cpuset online, reserved;
	unsigned int c;

	if (check_cpus_exist(set->bits, "reserve cpu"))
		return 1;
	if (online_cpus(&online))
		return 0;
	if (lwkb_ctl(LWKB_QUERY_CPU, &reserved))
		memset(&reserved, 0, sizeof(reserved));
	for (c = 0; c < LWKB_MAX_CPUS; c++) {
		if (!lwkb_test_bit(set->bits, c))
			continue;
		if (c == 0)
			return fail(0, "reserve cpu: CPU 0 cannot be reserved (Linux needs it)");
		if (lwkb_test_bit(reserved.bits, c))
			return fail(0, "reserve cpu: CPU %u is already reserved", c);
		if (!lwkb_test_bit(online.bits, c))
			return fail(0, "reserve cpu: CPU %u does not exist or is offline", c);
	}
	return 0;
}

/* The instance's request (-o given) or the pool's. */
static int ctl_at(int on_os, unsigned long os_req, unsigned long pool_req, void *arg)
{
	return on_os ? lwkb_os_ctl(os_index, os_req, arg) : lwkb_ctl(pool_req, arg);
}

/* query cpu|mem: the pool's, or the instance's (-o). */
static int query(int is_cpu, int on_os)
{
	struct lwkb_cpuset set;
	int ret;

	if (!is_cpu)
		return print_mem(on_os ? os_index : -1);
	ret = ctl_at(on_os, LWKB_OS_QUERY_CPU, LWKB_QUERY_CPU, &set);
	if (ret)
		return fail(ret, "query cpu");
	print_cpus(&set, on_os ? os_index : -1);
	return 0;
}

/* reserve, release or assign the CPUs of list ("all": release every one). */
static int change_cpus(const char *verb, const char *list, int on_os)
{
	struct lwkb_cpuset set;
	unsigned long req;
	int ret;

	if (!strcmp(list, "all") && !strcmp(verb, "release")) {
		ret = ctl_at(on_os, LWKB_OS_QUERY_CPU, LWKB_QUERY_CPU, &set);
		if (ret)
			return fail(ret, "release cpu all");
	} else {
		char what[32];

		parse_cpus(list, &set);
		snprintf(what, sizeof(what), "%s cpu", verb);
		if (strcmp(verb, "reserve") && check_cpus_exist(set.bits, what))
			return 1;
	}
	if (!strcmp(verb, "reserve")) {
		if (check_cpus_for_reserve(&set))
			return 1;
		req = LWKB_RESERVE_CPU;
	} else if (!strcmp(verb, "release")) {
		req = on_os ? LWKB_OS_RELEASE_CPU : LWKB_RELEASE_CPU;
	} else {
		req = LWKB_OS_ASSIGN_CPU;
	}
	ret = ctl_at(on_os, req, req, &set);
	if (ret == -EBUSY && !on_os && req == LWKB_RELEASE_CPU)
		return fail(ret, "release cpu %s: assigned to an OS instance", list);
	if (ret == -EBUSY && on_os)
		return fail(ret, "%s cpu %s for OS %d: already booted or assigned elsewhere",
			    verb, list, os_index);
	if (ret == -EINVAL && req != LWKB_RESERVE_CPU)
		return fail(ret, "%s cpu %s%s: a CPU is not %s", verb, list,
			    on_os ? " for the OS" : "",
			    req == LWKB_OS_ASSIGN_CPU ? "reserved" :
			    on_os ? "assigned to this OS" : "reserved");
	return ret ? fail(ret, "%s cpu %s", verb, list) : 0;
}

/* reserve, release or assign the memory of list ("all": release all of it). */
static int change_mem(const char *verb, const char *list, int on_os)
{
	struct lwkb_mem_ent ents[MAX_ENTS];
	struct lwkb_mem_list ml = { .ents = (uintptr_t)ents };
	unsigned long req;
	int ret;

	if (!strcmp(list, "all") && !strcmp(verb, "release"))
		ml.nr = 0;
	else
		ml.nr = parse_mem(list, ents);
	if (!strcmp(verb, "reserve"))
		req = LWKB_RESERVE_MEM;
	else if (!strcmp(verb, "release"))
		req = on_os ? LWKB_OS_RELEASE_MEM : LWKB_RELEASE_MEM;
	else
		req = LWKB_OS_ASSIGN_MEM;
	ret = ctl_at(on_os, req, req, &ml);
	if (ret == -ENOMEM)
		return fail(ret, "%s mem %s: not that much %s memory", verb, list,
			    req == LWKB_RESERVE_MEM ? "free" : "reserved");
	if (ret == -EINVAL && req == LWKB_RESERVE_MEM)
		return fail(ret, "reserve mem %s: unknown NUMA node or bad size", list);
	return ret ? fail(ret, "%s mem %s", verb, list) : 0;
}

/* reserve, query, release, assign: cpu|mem [LIST] */
int cmd_cpu_mem(int argc, char **argv)
{
	const char *verb = argv[0];
	/* query/release address the pool unless -o was given (IHK's
	 * ihkconfig vs ihkosctl); reserve is always the pool's. */
	int on_os = !strcmp(verb, "assign") || (os_given && strcmp(verb, "reserve"));
	int is_cpu;

	if (argc < 2)
		die_usage("%s: want 'cpu' or 'mem'", verb);
	if (strcmp(argv[1], "cpu") && strcmp(argv[1], "mem"))
		die_usage("%s: want 'cpu' or 'mem', got '%s'", verb, argv[1]);
	is_cpu = !strcmp(argv[1], "cpu");
	if (!strcmp(verb, "query")) {
		need(argc, 2, "query");
		return query(is_cpu, on_os);
	}
	need(argc, 3, verb);
	return is_cpu ? change_cpus(verb, argv[2], on_os) : change_mem(verb, argv[2], on_os);
}

int cmd_create(int argc, char **argv)
{
	int ret = lwkb_ctl(LWKB_CREATE_OS, NULL);

	(void)argc;
	(void)argv;
	if (ret < 0)
		return fail(ret, "create");
	printf(json_out ? "{\"instance\":%d}\n" : "%d\n", ret);
	return 0;
}

int cmd_destroy(int argc, char **argv)
{
	lwkb_u32 idx;
	char *end;
	int ret;

	(void)argc;
	idx = strtoul(argv[1], &end, 10);
	if (!*argv[1] || *end)
		die_usage("destroy: bad OS index '%s'", argv[1]);
	ret = lwkb_ctl(LWKB_DESTROY_OS, &idx);
	if (ret == -EBUSY)
		return fail(ret, "destroy %s: it is booted, or /dev/mcos%s is open; shut it down and close it first",
			    argv[1], argv[1]);
	if (ret == -ENOENT)
		return fail(ret, "destroy %s: no such OS instance", argv[1]);
	return ret ? fail(ret, "destroy %s", argv[1]) : 0;
}

int cmd_list(int argc, char **argv)
{
	struct lwkb_os_list ol;
	int ret = lwkb_ctl(LWKB_LIST_OS, &ol);

	(void)argc;
	(void)argv;
	if (ret)
		return fail(ret, "list");
	if (json_out)
		printf("{\"instances\":[");
	for (unsigned int i = 0; i < ol.nr; i++) {
		int st = status_of(ol.index[i]);

		if (json_out)
			printf("%s{\"instance\":%u,\"status\":\"%s\"}", i ? "," : "",
			       ol.index[i], status_str(st));
		else
			printf("%u %s\n", ol.index[i], status_str(st));
	}
	if (json_out)
		printf("]}\n");
	return 0;
}
