// SPDX-License-Identifier: MIT
/*
 * ihkconfig and ihkosctl (IHK specification 1.3): the lwkboot command
 * called by those names (make installs them as links to it).  Each IHK
 * command line is rewritten into the lwkboot command that does the same,
 * and runs through the same handlers:
 *
 *   ihkconfig DEV reserve|query|release cpu|mem ...  lwkboot reserve|query|release ...
 *   ihkconfig DEV create | destroy N                 lwkboot create | destroy N
 *   ihkconfig DEV get os_instances                   (printed here: 0,1,...)
 *   ihkosctl N assign|query|release cpu|mem ...      lwkboot -o N ...
 *   ihkosctl N set ikc_map MAP | ikc_map MAP         lwkboot -o N set ikc_map MAP
 *   ihkosctl N get ikc_map | get status              lwkboot -o N get ikc_map | status
 *   ihkosctl N load|kargs|boot|query_free_mem|kmsg|clear_kmsg|shutdown|dump ...
 *
 * DEV is the IHK device: lwkboot has one, /dev/mcd0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"

static void __attribute__((noreturn)) ihk_usage(int config, int status)
{
	FILE *f = status ? stderr : stdout;

	if (config)
		fprintf(f,
			"usage: ihkconfig DEV reserve|query|release cpu|mem [LIST]\n"
			"       ihkconfig DEV create | destroy OS | get os_instances\n"
			"DEV is 0 (/dev/mcd0).  The lwkboot command does the same: lwkboot --help.\n");
	else
		fprintf(f,
			"usage: ihkosctl OS assign|query|release cpu|mem [LIST]\n"
			"       ihkosctl OS set ikc_map MAP | get ikc_map | get status\n"
			"       ihkosctl OS load FILE | kargs ARGS | boot | shutdown | query_free_mem\n"
			"       ihkosctl OS kmsg | clear_kmsg | dump [-d LEVEL] [FILE]\n"
			"The lwkboot command does the same: lwkboot --help.\n");
	exit(status);
}

/* A decimal index in [0, max); -1 if s is not one. */
static int index_arg(const char *s, int max)
{
	char *end;
	long v;

	if (!*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	return *end || errno || v < 0 || v >= max ? -1 : (int)v;
}

static int print_instances(void)
{
	struct lwkb_os_list ol;
	int ret = lwkb_ctl(LWKB_LIST_OS, &ol);

	if (ret)
		return fail(ret, "get os_instances");
	for (unsigned int i = 0; i < ol.nr; i++)
		printf("%s%u", i ? "," : "", ol.index[i]);
	if (ol.nr)
		printf("\n");
	return 0;
}

static int ihkconfig(int argc, char **argv)
{
	static const char *const verbs[] = { "reserve", "query", "release", "create", "destroy" };
	int dev;

	if (argc < 3)
		ihk_usage(1, 2);
	dev = index_arg(argv[1], 1 << 20);
	if (dev < 0)
		die_usage("'%s' is not an IHK device index (0)", argv[1]);
	if (dev != 0)
		return fail(-ENOENT, "/dev/mcd%d: lwkboot has one IHK device, 0", dev);
	if (!strcmp(argv[2], "get")) {
		if (argc != 4 || strcmp(argv[3], "os_instances"))
			ihk_usage(1, 2);
		return print_instances();
	}
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(argv[2], verbs[i]))
			return lwkb_run(argc - 2, argv + 2);
	die_usage("unknown command '%s'", argv[2]);
}

static int ihkosctl(int argc, char **argv)
{
	static const char *const verbs[] = {
		"assign", "query", "release", "set", "load", "kargs", "boot", "shutdown",
		"query_free_mem", "kmsg", "clear_kmsg", "dump",
	};
	char *set_argv[] = { "set", "ikc_map", NULL, NULL };
	char *status_argv[] = { "status", NULL };

	if (argc < 3)
		ihk_usage(0, 2);
	os_index = index_arg(argv[1], LWKB_MAX_OS);
	if (os_index < 0)
		die_usage("'%s' is not an OS index (0-%d)", argv[1], LWKB_MAX_OS - 1);
	os_given = 1;
	if (!strcmp(argv[2], "get")) {
		if (argc == 4 && !strcmp(argv[3], "status"))
			return lwkb_run(1, status_argv);
		if (argc == 4 && !strcmp(argv[3], "ikc_map"))
			return lwkb_run(argc - 2, argv + 2);
		ihk_usage(0, 2);
	}
	if (!strcmp(argv[2], "ikc_map")) {	/* the spec's example form of "set" */
		if (argc != 4)
			ihk_usage(0, 2);
		set_argv[2] = argv[3];
		return lwkb_run(3, set_argv);
	}
	/* "kmsg" takes no argument in lwkboot; IHK's -f does not exist */
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(argv[2], verbs[i]))
			return lwkb_run(argc - 2, argv + 2);
	die_usage("unknown command '%s'", argv[2]);
}

int ihk_front(const char *name, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			ihk_usage(!strcmp(name, "ihkconfig"), 0);
	prog = name;
	if (!strcmp(name, "ihkconfig"))
		return ihkconfig(argc, argv);
	return ihkosctl(argc, argv);
}
