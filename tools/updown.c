// SPDX-License-Identifier: MIT
/*
 * The one-shot commands: up (as McKernel's mcreboot.sh) and down (as
 * mcstop+release.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"

/* What up was asked for, and how far it got: what to undo on failure. */
struct up {
	const char *cpus, *mem, *ikc, *kargs, *image, *initrd;	/* the options */
	double timeout;
	int verbose;
	struct lwkb_cpuset set;			/* parsed */
	struct lwkb_mem_ent ents[MAX_ENTS];
	unsigned int nents;
	struct lwkb_ikc_map map;
	struct lwkb_mem_ent before[MAX_ENTS];	/* the pool's chunks before */
	unsigned int nb;
	int loaded, mem_done, cpus_done, os, booted;	/* done so far (os: -1) */
	double t;				/* when the last step ended */
};

/* up -v: "lwkboot: up: STEP US us" on stderr, time since the previous step. */
static void step_done(struct up *u, const char *step)
{
	double n = now();

	if (u->verbose)
		fprintf(stderr, "%s: up: %s %.0f us\n", prog, step, (n - u->t) * 1e6);
	u->t = n;
}

/*
 * The pool's chunks now that were not in it before (what this call
 * reserved), into after[] and ml; returns their number.
 */
static unsigned int new_chunks(const struct up *u, struct lwkb_mem_ent *after,
			       struct lwkb_mem_list *ml)
{
	unsigned int na = 0, i, j, n = 0;

	ml->ents = (uintptr_t)after;
	ml->nr = 0;
	if (lwkb_memlist_query(-1, after, MAX_ENTS, &na))
		return 0;
	for (i = 0; i < na; i++) {
		int old = 0;

		for (j = 0; j < u->nb; j++)
			old |= u->before[j].start == after[i].start &&
			       u->before[j].size == after[i].size;
		if (!old)
			after[n++] = after[i];
	}
	ml->nr = n;
	return n;
}

/* Returns 1 when it printed the help (-h among other options). */
static int up_options(struct up *u, int argc, char **argv)
{
	int opt;

	optind = 1;
	while ((opt = getopt(argc, argv, "c:m:r:k:i:t:vh")) != -1) {
		switch (opt) {
		case 'i': u->initrd = optarg; break;
		case 'v': u->verbose = 1; break;
		case 'c': u->cpus = optarg; break;
		case 'm': u->mem = optarg; break;
		case 'r': u->ikc = optarg; break;
		case 'k': u->kargs = optarg; break;
		case 't': u->timeout = atof(optarg);
			if (u->timeout <= 0)
				die_usage("up: bad timeout '%s'", optarg);
			break;
		case 'h': print_help(argv[0]); return 1;
		default: die_usage("up: bad option");
		}
	}
	if (optind < argc)
		u->image = argv[optind++];
	if (optind < argc)
		die_usage("up: unexpected argument '%s'", argv[optind]);
	return 0;
}

/* mcreboot.sh's default: the upper half of the online CPUs. */
static int upper_half(struct lwkb_cpuset *set)
{
	struct lwkb_cpuset online;
	unsigned int c, i, n = 0;

	if (online_cpus(&online))
		return fail(0, "up: cannot read the online CPUs");
	memset(set, 0, sizeof(*set));
	for (c = 0; c < LWKB_MAX_CPUS; c++)
		n += lwkb_test_bit(online.bits, c);
	if (n < 2)
		return fail(0, "up: only %u CPU online, none to spare", n);
	for (c = LWKB_MAX_CPUS, i = 0; c-- > 0 && i < n / 2;)
		if (lwkb_test_bit(online.bits, c)) {
			lwkb_set_bit(set->bits, c);
			i++;
		}
	return 0;
}

/* Everything that can be checked before anything changes. */
static int up_check(struct up *u)
{
	char err[160];

	u->nents = parse_mem(u->mem, u->ents);
	if (u->ikc && lwkb_ikcmap_parse(u->ikc, &u->map, err, sizeof(err)))
		die_usage("up: bad IKC map '%s': %s", u->ikc, err);
	if (u->ikc && check_ikcmap_cpus(&u->map, "up: IKC map"))
		return 1;
	if (u->cpus)
		parse_cpus(u->cpus, &u->set);
	else if (upper_half(&u->set))
		return 1;
	if (check_cpus_exist(u->set.bits, "up"))
		return 1;
	if (access(u->image, R_OK))
		return fail(-errno, "up: image '%s'", u->image);
	if (u->initrd && access(u->initrd, R_OK))
		return fail(-errno, "up: initrd '%s'", u->initrd);
	return check_ipi_broadcast("up");
}

/* As mcreboot.sh: memory first, then CPUs. */
static int up_reserve(struct up *u)
{
	struct lwkb_mem_list ml = { .ents = (uintptr_t)u->ents, .nr = u->nents };
	int ret;

	lwkb_memlist_query(-1, u->before, MAX_ENTS, &u->nb);
	ret = lwkb_ctl(LWKB_RESERVE_MEM, &ml);
	if (ret)
		return fail(ret, "up: reserve mem %s", u->mem);
	u->mem_done = 1;
	step_done(u, "reserve_mem");
	if (check_cpus_for_reserve(&u->set))
		return 1;
	ret = lwkb_ctl(LWKB_RESERVE_CPU, &u->set);
	if (ret)
		return fail(ret, "up: reserve cpu");
	u->cpus_done = 1;
	step_done(u, "reserve_cpu");
	return 0;
}

/* An instance with the reserved CPUs, the IKC map and exactly the chunks
 * this call reserved. */
static int up_create(struct up *u)
{
	struct lwkb_mem_ent after[MAX_ENTS];
	struct lwkb_mem_list ml;
	int ret = lwkb_ctl(LWKB_CREATE_OS, NULL);

	if (ret < 0)
		return fail(ret, "up: create");
	u->os = ret;
	ret = lwkb_os_ctl(u->os, LWKB_OS_ASSIGN_CPU, &u->set);
	if (ret)
		return fail(ret, "up: assign cpu to OS %d", u->os);
	if (u->ikc && (ret = lwkb_ikcmap_set(u->os, &u->map)))
		return fail(ret, "up: set ikc_map %s", u->ikc);
	ret = new_chunks(u, after, &ml) ? lwkb_os_ctl(u->os, LWKB_OS_ASSIGN_MEM, &ml) : -ENOMEM;
	if (ret)
		return fail(ret, "up: assign mem to OS %d", u->os);
	step_done(u, "create_assign");
	return 0;
}

/* Load, boot, and wait for RUNNING. */
static int up_start(struct up *u)
{
	int ret;

	if (do_load(u->os, u->image, u->initrd) || do_kargs(u->os, u->kargs))
		return 1;
	step_done(u, "load");
	ret = lwkb_os_ctl(u->os, LWKB_OS_BOOT, NULL);
	if (ret)
		return fail(ret, "up: boot OS %d (see dmesg)", u->os);
	u->booted = 1;
	if (wait_state(u->os, LWKB_STATUS_RUNNING, u->timeout))
		return 1;
	step_done(u, "boot_to_running");
	return 0;
}

/* Reverse order, as mcreboot.sh's error_exit; returns 1. */
static int up_undo(struct up *u)
{
	struct lwkb_mem_ent after[MAX_ENTS];
	struct lwkb_mem_list ml;

	fprintf(stderr, "%s: up failed; undoing\n", prog);
	if (u->booted) {
		lwkb_u32 flags = 0;

		lwkb_os_ctl(u->os, LWKB_OS_SHUTDOWN, &flags);
	}
	if (u->os >= 0) {
		lwkb_u32 idx = u->os;

		if (lwkb_ctl(LWKB_DESTROY_OS, &idx))
			fprintf(stderr, "%s: undo: destroy OS %d failed\n", prog, u->os);
	}
	if (u->cpus_done && lwkb_ctl(LWKB_RELEASE_CPU, &u->set))
		fprintf(stderr, "%s: undo: release cpu failed\n", prog);
	/* The chunks this call reserved are back in the pool. */
	if (u->mem_done && new_chunks(u, after, &ml) && lwkb_ctl(LWKB_RELEASE_MEM, &ml))
		fprintf(stderr, "%s: undo: release mem failed\n", prog);
	if (u->loaded && unload_module())
		fprintf(stderr, "%s: undo: rmmod lwkboot failed\n", prog);
	return 1;
}

int cmd_up(int argc, char **argv)
{
	struct up u = { .mem = DEFAULT_MEM, .kargs = "", .image = DEFAULT_IMAGE,
			.timeout = 60, .os = -1, .t = now() };

	if (up_options(&u, argc, argv))
		return 0;
	if (up_check(&u))
		return 1;
	if (!lwkb_module_loaded()) {
		if (load_module())
			return 1;
		u.loaded = 1;
	}
	step_done(&u, "load_module");
	if (up_reserve(&u) || up_create(&u) || up_start(&u))
		return up_undo(&u);
	printf(json_out ? "{\"instance\":%d}\n" : "%d\n", u.os);
	return 0;
}

int cmd_down(int argc, char **argv)
{
	struct lwkb_os_list ol;
	struct lwkb_cpuset set;
	struct lwkb_mem_list ml = { 0 };
	unsigned int i, c, any = 0;
	int ret, bad = 0;

	(void)argc;
	(void)argv;
	if (!lwkb_module_loaded())
		return 0;	/* nothing is up */
	ret = lwkb_ctl(LWKB_LIST_OS, &ol);
	if (ret)
		return fail(ret, "down: list");
	for (i = 0; i < ol.nr; i++) {
		lwkb_u32 idx = ol.index[i];
		int st = status_of(idx);
		lwkb_u32 flags = 0;

		if (st > 0 && st != LWKB_STATUS_INACTIVE &&
		    (ret = lwkb_os_ctl(idx, LWKB_OS_SHUTDOWN, &flags)))
			bad |= fail(ret, "down: shutdown OS %u", idx);
		if ((ret = lwkb_ctl(LWKB_DESTROY_OS, &idx)))
			bad |= fail(ret, "down: destroy OS %u", idx);
	}
	ret = lwkb_ctl(LWKB_QUERY_CPU, &set);
	for (c = 0; !ret && c < LWKB_MAX_CPUS; c++)
		any |= lwkb_test_bit(set.bits, c);
	if (!ret && any && (ret = lwkb_ctl(LWKB_RELEASE_CPU, &set)))
		bad |= fail(ret, "down: release cpu");
	if ((ret = lwkb_ctl(LWKB_RELEASE_MEM, &ml)))
		bad |= fail(ret, "down: release mem all");
	if (!bad && unload_module())
		bad |= fail(0, "down: rmmod lwkboot failed");
	return bad;
}
