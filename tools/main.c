// SPDX-License-Identifier: MIT
/*
 * lwkboot: the command line over lwkboot.ko, following IHK's ihkconfig and
 * ihkosctl (spec 1.3) and the McKernel scripts mcreboot.sh and
 * mcstop+release.sh for the one-shot "up" and "down".
 *
 * Like IHK's commands it prints nothing on success except what a query
 * asks for, in the same format the matching command takes, so that
 * `lwkboot release cpu $(lwkboot query cpu)` works.
 *
 * This file: the options before the command, the dispatch, --help and
 * the messages; the commands live in the other files of tools/ (cmd.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"

const char *prog = "lwkboot";
int os_index;
int os_given;		/* -o was given: query/release address the instance */
int allow_broadcast;	/* --allow-ipi-broadcast: boot without no_ipi_broadcast=1 */

static const char usage_text[] =
"usage: lwkboot [-o N] [--allow-ipi-broadcast] COMMAND [ARGS]\n"
"\n"
"Resources (the reserved pool, /dev/mcd0):\n"
"  reserve cpu LIST       take CPUs offline for LWKs (IHK CPU list: 1-3,5)\n"
"  query cpu              print the reserved CPUs\n"
"  release cpu LIST|all   give CPUs back to Linux\n"
"  reserve mem MEMLIST    take memory: SIZE[K|M|G|T][@NODE],... (4 MiB units) or all\n"
"                         (SIZE: bytes in decimal or 0x hex; K M G T binary units)\n"
"  query mem              print the reserved, unassigned chunks (SIZE@NODE,...)\n"
"  release mem MEMLIST|all  give memory back to Linux\n"
"  create                 create an OS instance and print its index\n"
"  destroy N              destroy instance N (its CPUs and memory go back to the pool)\n"
"  list                   print the instances\n"
"\n"
"Instance N (-o N, default 0; /dev/mcosN):\n"
"  assign|release cpu LIST    query cpu\n"
"  assign|release mem MEMLIST|all    query mem\n"
"  set ikc_map MAP        IKC map LIST:CPU+LIST:CPU...   get ikc_map\n"
"  load FILE              load a co-kernel ELF image\n"
"  kargs STRING           set the kernel arguments\n"
"  boot                   boot it (status becomes BOOTING, then RUNNING)\n"
"  status [-v] [--wait STATE] [--timeout SEC]\n"
"                         print one of INACTIVE BOOTING RUNNING SHUTDOWN PANIC\n"
"                         HUNGUP FREEZING FROZEN, or wait for STATE; -v adds\n"
"                         cores, heartbeat, stray interrupts and NMIs\n"
"  kmsg [-f]              print the kernel message buffer (-f: and follow it)\n"
"  clear_kmsg             clear it\n"
"  shutdown [--force]     ask the LWK to park its cores, then INIT them\n"
"                         (--force: INIT at once)\n"
"  query_free_mem         print the instance's memory in bytes\n"
"  ikc-ping [-n COUNT] [-s BYTES]\n"
"                         IKC round trips to the LWK's echo port (7): prints\n"
"                         min/median/max and the number lost; fails on any loss,\n"
"                         reordering or corruption\n"
"\n"
"Monitoring (ihkmond, IHK spec 1.3.2.18):\n"
"  monitor [-i SEC] [-k 0|1] [-f FACILITY]\n"
"      forward new kmsg lines of every instance to syslog (-k 1, default),\n"
"      report PANIC and HUNGUP (syslog and stderr) through each instance's\n"
"      eventfd; -i sets the hang limit to 2 x SEC (default 600; -1: off).\n"
"      FACILITY: local0..local7 (default local6), user, daemon.\n"
"\n"
"One shot:\n"
"  up [-c LIST] [-m MEMLIST] [-r IKCMAP] [-k KARGS] [-t SEC] [-v] [IMAGE]\n"
"      load the module if needed, reserve, create, assign, load, boot and\n"
"      wait for RUNNING; on failure undo every step (as mcreboot.sh).\n"
"      Defaults: the upper half of the online CPUs, " DEFAULT_MEM ",\n"
"      IMAGE " DEFAULT_IMAGE ", 60 s.  -v prints how long each step took.\n"
"  down   shut down and destroy every instance, release all CPUs and memory,\n"
"         unload the module (as mcstop+release.sh)\n"
"\n"
"up and boot refuse to run when the kernel command line lacks\n"
"no_ipi_broadcast=1 (Linux's broadcast IPIs would reach the LWK);\n"
"--allow-ipi-broadcast overrides that.\n"
"\n"
"Every command accepts -h/--help.  Exit status 0 on success, 1 on failure,\n"
"2 for bad usage.\n";

void usage(FILE *f)
{
	fputs(usage_text, f);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see '%s --help')\n", prog);
	exit(2);
}

int fail(int err, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(-err));
	if ((err == -EACCES || err == -EPERM) && locked_down())
		fprintf(stderr, " (the kernel is locked down: it refuses co-kernels as it refuses kexec)");
	else if (err == -EACCES || err == -EPERM)
		fprintf(stderr, " (lwkboot needs root; the module's owner= user may only query and watch)");
	else if (err == -ENOENT && !lwkb_module_loaded())
		fprintf(stderr, " (is lwkboot.ko loaded? try 'lwkboot up')");
	fprintf(stderr, "\n");
	return 1;
}

int need(int argc, int n, const char *what)
{
	if (argc != n)
		die_usage("%s: expected %d argument%s, got %d", what, n - 1,
			  n == 2 ? "" : "s", argc - 1);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int ret;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[1], "--allow-ipi-broadcast")) {
			allow_broadcast = 1;
			argc--;
			argv++;
			continue;
		}
		if (!strcmp(argv[1], "-o") && argc > 2) {
			char *end;
			long v = strtol(argv[2], &end, 10);

			if (!*argv[2] || *end || v < 0 || v >= LWKB_MAX_OS)
				die_usage("-o: bad OS index '%s' (0-%d)", argv[2], LWKB_MAX_OS - 1);
			os_index = (int)v;
			os_given = 1;
			argc -= 2;
			argv += 2;
			continue;
		}
		die_usage("unknown option '%s'", argv[1]);
	}
	if (argc < 2)
		die_usage("no command");
	cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "up") || !strcmp(cmd, "boot"))
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "--allow-ipi-broadcast")) {
				allow_broadcast = 1;
				memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
				argc--;
				i--;
			}
	for (int i = 1; i < argc; i++)
		if ((!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) && strcmp(cmd, "kargs")) {
			usage(stdout);
			return 0;
		}

	if (!strcmp(cmd, "reserve") || !strcmp(cmd, "query") || !strcmp(cmd, "release") ||
	    !strcmp(cmd, "assign")) {
		int on_os = !strcmp(cmd, "assign");

		if (argc < 2)
			die_usage("%s: want 'cpu' or 'mem'", cmd);
		/* query/release address the pool unless -o was given (IHK's
		 * ihkconfig vs ihkosctl); reserve is always the pool's. */
		if (os_given && strcmp(cmd, "reserve"))
			on_os = 1;
		return cmd_cpu_mem(cmd, argc, argv, on_os);
	}
	if (!strcmp(cmd, "create")) {
		need(argc, 1, "create");
		ret = lwkb_ctl(LWKB_CREATE_OS, NULL);
		if (ret < 0)
			return fail(ret, "create");
		printf("%d\n", ret);
		return 0;
	}
	if (!strcmp(cmd, "destroy")) {
		lwkb_u32 idx;
		char *end;

		need(argc, 2, "destroy");
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
	if (!strcmp(cmd, "list")) {
		struct lwkb_os_list ol;

		need(argc, 1, "list");
		ret = lwkb_ctl(LWKB_LIST_OS, &ol);
		if (ret)
			return fail(ret, "list");
		for (unsigned int i = 0; i < ol.nr; i++) {
			int st = status_of(ol.index[i]);

			printf("%u %s\n", ol.index[i], status_str(st));
		}
		return 0;
	}
	if (!strcmp(cmd, "set") || !strcmp(cmd, "get")) {
		struct lwkb_ikc_map map;
		char err[160], buf[8192];

		if (argc < 2 || strcmp(argv[1], "ikc_map"))
			die_usage("%s: only 'ikc_map' can be %s", cmd, cmd[0] == 's' ? "set" : "read");
		if (cmd[0] == 's') {
			need(argc, 3, "set ikc_map");
			if (lwkb_ikcmap_parse(argv[2], &map, err, sizeof(err)))
				die_usage("set ikc_map: bad map '%s': %s", argv[2], err);
			ret = lwkb_os_ctl(os_index, LWKB_OS_SET_IKC_MAP, &map);
			return ret ? fail(ret, "set ikc_map %s for OS %d", argv[2], os_index) : 0;
		}
		need(argc, 2, "get ikc_map");
		ret = lwkb_os_ctl(os_index, LWKB_OS_GET_IKC_MAP, &map);
		if (ret)
			return fail(ret, "get ikc_map of OS %d", os_index);
		lwkb_ikcmap_format(&map, buf, sizeof(buf));
		printf("%s\n", buf);
		return 0;
	}
	if (!strcmp(cmd, "load")) {
		need(argc, 2, "load");
		return do_load(os_index, argv[1]);
	}
	if (!strcmp(cmd, "kargs")) {
		need(argc, 2, "kargs");
		return do_kargs(os_index, argv[1]);
	}
	if (!strcmp(cmd, "boot")) {
		need(argc, 1, "boot");
		if (check_ipi_broadcast("boot"))
			return 1;
		ret = lwkb_os_ctl(os_index, LWKB_OS_BOOT, NULL);
		if (ret == -EBUSY)
			return fail(ret, "boot OS %d: it is already booted, or another booted instance uses its trampoline page (see dmesg)",
				    os_index);
		if (ret == -EINVAL)
			return fail(ret, "boot OS %d: not ready: no image loaded, or no CPU or memory assigned (see dmesg)",
				    os_index);
		return ret ? fail(ret, "boot OS %d (see dmesg)", os_index) : 0;
	}
	if (!strcmp(cmd, "status")) {
		int want = -1, verbose_status = 0;
		double timeout = 60;

		for (int i = 1; i < argc; i++) {
			if (!strcmp(argv[i], "-v")) {
				verbose_status = 1;
			} else if (!strcmp(argv[i], "--wait") && i + 1 < argc) {
				want = parse_state(argv[++i]);
				if (want < 0)
					die_usage("status: unknown state '%s'", argv[i]);
			} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
				timeout = atof(argv[++i]);
				if (timeout <= 0)
					die_usage("status: bad timeout '%s'", argv[i]);
			} else {
				die_usage("status: unexpected argument '%s'", argv[i]);
			}
		}
		if (want >= 0)
			return wait_state(os_index, want, timeout);
		if (verbose_status)
			return print_status_info(os_index);
		ret = status_of(os_index);
		if (ret < 0)
			return fail(ret, "status of OS %d", os_index);
		printf("%s\n", status_str(ret));
		return 0;
	}
	if (!strcmp(cmd, "kmsg")) {
		if (argc == 2 && !strcmp(argv[1], "-f"))
			return do_kmsg(os_index, 1);
		need(argc, 1, "kmsg");
		return do_kmsg(os_index, 0);
	}
	if (!strcmp(cmd, "monitor"))
		return cmd_monitor(argc, argv);
	if (!strcmp(cmd, "ikc-ping"))
		return cmd_ikc_ping(argc, argv);
	if (!strcmp(cmd, "clear_kmsg")) {
		need(argc, 1, "clear_kmsg");
		ret = lwkb_os_ctl(os_index, LWKB_OS_CLEAR_KMSG, NULL);
		return ret ? fail(ret, "clear_kmsg of OS %d", os_index) : 0;
	}
	if (!strcmp(cmd, "shutdown")) {
		lwkb_u32 flags = 0;

		if (argc == 2 && !strcmp(argv[1], "--force"))
			flags = LWKB_SHUTDOWN_FORCE;
		else
			need(argc, 1, "shutdown");
		ret = lwkb_os_ctl(os_index, LWKB_OS_SHUTDOWN, &flags);
		if (ret == -EINVAL)
			return fail(ret, "shutdown OS %d: it is not booted", os_index);
		return ret ? fail(ret, "shutdown OS %d", os_index) : 0;
	}
	if (!strcmp(cmd, "query_free_mem")) {
		unsigned long long v;

		need(argc, 1, "query_free_mem");
		ret = lwkb_os_ctl(os_index, LWKB_OS_QUERY_FREE_MEM, &v);
		if (ret)
			return fail(ret, "query_free_mem of OS %d", os_index);
		printf("%llu\n", v);
		return 0;
	}
	if (!strcmp(cmd, "up"))
		return cmd_up(argc, argv);
	if (!strcmp(cmd, "down")) {
		need(argc, 1, "down");
		return cmd_down();
	}
	die_usage("unknown command '%s'", cmd);
}
