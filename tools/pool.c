// SPDX-License-Identifier: MIT
/*
 * CPUs and memory: reserve, release and query them in the pool
 * (/dev/mcd0), assign, release and query them in an instance (-o N).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"

int parse_cpus(const char *s, struct lwkb_cpuset *set)
{
	char err[160];

	if (lwkb_cpulist_parse(s, set->bits, LWKB_MAX_CPUS, err, sizeof(err)))
		die_usage("bad CPU list '%s': %s", s, err);
	return 0;
}

static void print_cpus(const struct lwkb_cpuset *set)
{
	char buf[4096];

	lwkb_cpulist_format(set->bits, LWKB_MAX_CPUS, buf, sizeof(buf));
	printf("%s\n", buf);
}

unsigned int parse_mem(const char *s, struct lwkb_mem_ent *ents)
{
	char err[160];
	unsigned int nr;

	if (lwkb_memlist_parse(s, ents, MAX_ENTS, &nr, err, sizeof(err)))
		die_usage("bad memory list '%s': %s", s, err);
	return nr;
}

int print_mem(int os)
{
	struct lwkb_mem_ent ents[MAX_ENTS];
	char buf[MAX_ENTS * 32];
	unsigned int nr;
	int ret = lwkb_query_mem(os, ents, MAX_ENTS, &nr);

	if (ret)
		return fail(ret, "query mem");
	lwkb_memlist_format(ents, nr, buf, sizeof(buf));
	printf("%s\n", buf);
	return 0;
}

int online_cpus(struct lwkb_cpuset *set)
{
	char buf[4096];
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
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

/* Clear explanations for the errors a value can cause. */
int check_cpus_for_reserve(const struct lwkb_cpuset *set)
{
	struct lwkb_cpuset online, reserved;
	unsigned int c;

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

int cmd_cpu_mem(const char *verb, int argc, char **argv, int on_os)
{
	struct lwkb_cpuset set;
	struct lwkb_mem_ent ents[MAX_ENTS];
	struct lwkb_mem_list ml = { .ents = (uintptr_t)ents };
	int is_cpu = !strcmp(argv[1], "cpu"), ret;
	unsigned long req;

	if (strcmp(argv[1], "cpu") && strcmp(argv[1], "mem"))
		die_usage("%s: want 'cpu' or 'mem', got '%s'", verb, argv[1]);
	if (!strcmp(verb, "query")) {
		need(argc, 2, "query");
		if (!is_cpu)
			return print_mem(on_os ? os_index : -1);
		ret = ctl_at(on_os, LWKB_OS_QUERY_CPU, LWKB_QUERY_CPU, &set);
		if (ret)
			return fail(ret, "query cpu");
		print_cpus(&set);
		return 0;
	}
	need(argc, 3, verb);
	if (is_cpu) {
		if (!strcmp(argv[2], "all") && !strcmp(verb, "release")) {
			ret = ctl_at(on_os, LWKB_OS_QUERY_CPU, LWKB_QUERY_CPU, &set);
			if (ret)
				return fail(ret, "release cpu all");
		} else {
			parse_cpus(argv[2], &set);
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
			return fail(ret, "release cpu %s: assigned to an OS instance", argv[2]);
		if (ret == -EBUSY && on_os)
			return fail(ret, "%s cpu %s for OS %d: already booted or assigned elsewhere",
				    verb, argv[2], os_index);
		if (ret == -EINVAL && req != LWKB_RESERVE_CPU)
			return fail(ret, "%s cpu %s%s: a CPU is not %s", verb, argv[2],
				    on_os ? " for the OS" : "",
				    req == LWKB_OS_ASSIGN_CPU ? "reserved" :
				    on_os ? "assigned to this OS" : "reserved");
		return ret ? fail(ret, "%s cpu %s", verb, argv[2]) : 0;
	}
	if (!strcmp(argv[2], "all") && !strcmp(verb, "release"))
		ml.nr = 0;
	else
		ml.nr = parse_mem(argv[2], ents);
	if (!strcmp(verb, "reserve"))
		req = LWKB_RESERVE_MEM;
	else if (!strcmp(verb, "release"))
		req = on_os ? LWKB_OS_RELEASE_MEM : LWKB_RELEASE_MEM;
	else
		req = LWKB_OS_ASSIGN_MEM;
	ret = ctl_at(on_os, req, req, &ml);
	if (ret == -ENOMEM)
		return fail(ret, "%s mem %s: not that much %s memory", verb, argv[2],
			    req == LWKB_RESERVE_MEM ? "free" : "reserved");
	if (ret == -EINVAL && req == LWKB_RESERVE_MEM)
		return fail(ret, "reserve mem %s: unknown NUMA node or bad size", argv[2]);
	return ret ? fail(ret, "%s mem %s", verb, argv[2]) : 0;
}
