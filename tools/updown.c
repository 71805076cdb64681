// SPDX-License-Identifier: MIT
/*
 * The one-shot commands: up (as McKernel's mcreboot.sh) and down (as
 * mcstop+release.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"

static int verbose;	/* up -v: how long each step took */

/* up -v: "lwkboot: up: STEP US us" on stderr, time since the previous step. */
static void step_done(const char *step, double *t)
{
	double n = now();

	if (verbose)
		fprintf(stderr, "%s: up: %s %.0f us\n", prog, step, (n - *t) * 1e6);
	*t = n;
}

/*
 * The pool's chunks now that were not in it before (what this call
 * reserved), into after[]; returns their number.
 */
static unsigned int new_chunks(const struct lwkb_mem_ent *before, unsigned int nb,
			       struct lwkb_mem_ent *after)
{
	unsigned int na = 0, i, j, n = 0;

	if (lwkb_query_mem(-1, after, MAX_ENTS, &na))
		return 0;
	for (i = 0; i < na; i++) {
		int old = 0;

		for (j = 0; j < nb; j++)
			old |= before[j].start == after[i].start && before[j].size == after[i].size;
		if (!old)
			after[n++] = after[i];
	}
	return n;
}

int cmd_up(int argc, char **argv)
{
	const char *cpus = NULL, *mem = DEFAULT_MEM, *ikc = NULL, *kargs = "";
	const char *image = DEFAULT_IMAGE;
	struct lwkb_cpuset set, online;
	struct lwkb_mem_ent ents[MAX_ENTS], before[MAX_ENTS], after[MAX_ENTS];
	struct lwkb_mem_list ml;
	struct lwkb_ikc_map map;
	unsigned int nents, nb = 0, i, c, n;
	double timeout = 60, t0 = now();
	int opt, ret, os = -1, loaded = 0, cpus_done = 0, mem_done = 0, booted = 0;
	char err[160];

	optind = 1;
	while ((opt = getopt(argc, argv, "c:m:r:k:t:vh")) != -1) {
		switch (opt) {
		case 'v': verbose = 1; break;
		case 'c': cpus = optarg; break;
		case 'm': mem = optarg; break;
		case 'r': ikc = optarg; break;
		case 'k': kargs = optarg; break;
		case 't': timeout = atof(optarg);
			if (timeout <= 0)
				die_usage("up: bad timeout '%s'", optarg);
			break;
		case 'h': return print_help(argv[0]);
		default: die_usage("up: bad option");
		}
	}
	if (optind < argc)
		image = argv[optind++];
	if (optind < argc)
		die_usage("up: unexpected argument '%s'", argv[optind]);
	nents = parse_mem(mem, ents);
	if (ikc && lwkb_ikcmap_parse(ikc, &map, err, sizeof(err)))
		die_usage("up: bad IKC map '%s': %s", ikc, err);
	if (cpus) {
		parse_cpus(cpus, &set);
	} else {
		/* mcreboot.sh: the upper half of the CPUs. */
		if (online_cpus(&online))
			return fail(0, "up: cannot read the online CPUs");
		memset(&set, 0, sizeof(set));
		for (c = 0, n = 0; c < LWKB_MAX_CPUS; c++)
			n += lwkb_test_bit(online.bits, c);
		if (n < 2)
			return fail(0, "up: only %u CPU online, none to spare", n);
		for (c = LWKB_MAX_CPUS, i = 0; c-- > 0 && i < n / 2;)
			if (lwkb_test_bit(online.bits, c)) {
				lwkb_set_bit(set.bits, c);
				i++;
			}
	}
	if (access(image, R_OK))
		return fail(-errno, "up: image '%s'", image);
	if (check_ipi_broadcast("up"))
		return 1;

	if (!lwkb_module_loaded()) {
		if (load_module())
			return 1;
		loaded = 1;
	}
	step_done("load_module", &t0);
	/* As mcreboot.sh: memory first, then CPUs. */
	lwkb_query_mem(-1, before, MAX_ENTS, &nb);
	ml.ents = (uintptr_t)ents;
	ml.nr = nents;
	ret = lwkb_ctl(LWKB_RESERVE_MEM, &ml);
	if (ret) {
		fail(ret, "up: reserve mem %s", mem);
		goto unwind;
	}
	mem_done = 1;
	step_done("reserve_mem", &t0);
	if (check_cpus_for_reserve(&set))
		goto unwind;
	ret = lwkb_ctl(LWKB_RESERVE_CPU, &set);
	if (ret) {
		fail(ret, "up: reserve cpu");
		goto unwind;
	}
	cpus_done = 1;
	step_done("reserve_cpu", &t0);
	os = lwkb_ctl(LWKB_CREATE_OS, NULL);
	if (os < 0) {
		fail(os, "up: create");
		os = -1;
		goto unwind;
	}
	ret = lwkb_os_ctl(os, LWKB_OS_ASSIGN_CPU, &set);
	if (ret) {
		fail(ret, "up: assign cpu to OS %d", os);
		goto unwind;
	}
	if (ikc && (ret = lwkb_os_ctl(os, LWKB_OS_SET_IKC_MAP, &map))) {
		fail(ret, "up: set ikc_map %s", ikc);
		goto unwind;
	}
	/* Assign exactly the chunks this call reserved. */
	n = new_chunks(before, nb, after);
	ml.ents = (uintptr_t)after;
	ml.nr = n;
	ret = n ? lwkb_os_ctl(os, LWKB_OS_ASSIGN_MEM, &ml) : -ENOMEM;
	if (ret) {
		fail(ret, "up: assign mem to OS %d", os);
		goto unwind;
	}
	step_done("create_assign", &t0);
	if (do_load(os, image) || do_kargs(os, kargs))
		goto unwind;
	step_done("load", &t0);
	ret = lwkb_os_ctl(os, LWKB_OS_BOOT, NULL);
	if (ret) {
		fail(ret, "up: boot OS %d (see dmesg)", os);
		goto unwind;
	}
	booted = 1;
	if (wait_state(os, LWKB_STATUS_RUNNING, timeout))
		goto unwind;
	step_done("boot_to_running", &t0);
	printf("%d\n", os);
	return 0;

unwind:
	/* Reverse order, as mcreboot.sh's error_exit. */
	fprintf(stderr, "%s: up failed; undoing\n", prog);
	if (booted) {
		lwkb_u32 flags = 0;

		lwkb_os_ctl(os, LWKB_OS_SHUTDOWN, &flags);
	}
	if (os >= 0) {
		lwkb_u32 idx = os;

		if (lwkb_ctl(LWKB_DESTROY_OS, &idx))
			fprintf(stderr, "%s: undo: destroy OS %d failed\n", prog, os);
	}
	if (cpus_done && lwkb_ctl(LWKB_RELEASE_CPU, &set))
		fprintf(stderr, "%s: undo: release cpu failed\n", prog);
	if (mem_done) {
		/* Release the chunks this call reserved (they are back in the pool). */
		n = new_chunks(before, nb, after);
		ml.ents = (uintptr_t)after;
		ml.nr = n;
		if (n && lwkb_ctl(LWKB_RELEASE_MEM, &ml))
			fprintf(stderr, "%s: undo: release mem failed\n", prog);
	}
	if (loaded && unload_module())
		fprintf(stderr, "%s: undo: rmmod lwkboot failed\n", prog);
	return 1;
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
