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

#ifndef LWKB_VERSION
#error "LWKB_VERSION: the Makefile passes the VERSION file's contents"
#endif

const char *prog = "lwkboot";
int os_index;
int os_given;		/* -o was given: query/release address the instance */
int allow_broadcast;	/* --allow-ipi-broadcast: boot without no_ipi_broadcast=1 */
int json_out;		/* --json: a query prints one JSON document (docs/json.md) */

/* The commands that print their result as JSON with --json (docs/json.md). */
#define JSON_CMDS "create list query status kmsg get query_free_mem ikc-ping up dump"

/*
 * The --help text, line by line, each with the commands it documents:
 * 'lwkboot --help' prints it all, 'lwkboot COMMAND --help' the lines that
 * name COMMAND ("*": every command, "": none, only the whole text) under
 * their section headings (cmds NULL; an empty one ends a section).
 * scripts/gen-man turns the whole text into lwkboot(8)'s OPTIONS AND COMMANDS:
 * a line "  NAME ARGS  description" (two spaces or more before the
 * description, if any on that line) is a command, a more indented line
 * goes on with its description, a heading ends with ':'.
 */
static const struct help_line {
	const char *cmds;	/* command names separated by spaces */
	const char *text;
} help_lines[] = {
	{ "*", "usage: lwkboot [-o N] [--json] [--allow-ipi-broadcast] COMMAND [ARGS]\n"
	       "       lwkboot --version\n" },
	{ NULL, "\nOptions (before the command):\n" },
	{ "assign release query set get load kargs boot status kmsg clear_kmsg freeze thaw "
	  "shutdown query_free_mem ikc-ping dump",
	  "  -o N                   the instance the instance commands address (default 0)\n" },
	{ JSON_CMDS, "  --json                 print the result as one JSON document (docs/json.md);\n"
		     "                         may also follow the command\n" },
	{ "up boot", "  --allow-ipi-broadcast  boot even without no_ipi_broadcast=1 (see below)\n" },
	{ "", "  -V, --version          print the version\n" },
	{ "", "  -h, --help             this text; COMMAND --help: what concerns COMMAND\n" },
	{ NULL, "\nResources (the reserved pool, /dev/mcd0):\n" },
	{ "reserve", "  reserve cpu LIST       take CPUs offline for LWKs (IHK CPU list: 1-3,5)\n" },
	{ "query", "  query cpu              print the reserved CPUs\n" },
	{ "release", "  release cpu LIST|all   give CPUs back to Linux\n" },
	{ "reserve", "  reserve mem MEMLIST    take memory: SIZE[K|M|G|T][@NODE],... (4 MiB units) or all\n" },
	{ "query", "  query mem              print the reserved, unassigned chunks (SIZE@NODE,...)\n" },
	{ "release", "  release mem MEMLIST|all  give memory back to Linux\n" },
	{ "create", "  create                 create an OS instance and print its index\n" },
	{ "destroy", "  destroy N              destroy instance N (its CPUs and memory go back to the pool)\n" },
	{ "list", "  list                   print the instances\n" },
	{ NULL, "\nInstance N (-o N, default 0; /dev/mcosN):\n" },
	{ "assign", "  assign cpu LIST        move reserved CPUs to the instance\n" },
	{ "assign", "  assign mem MEMLIST|all  move reserved memory to the instance\n" },
	{ "query", "  query cpu|mem          with -o N: print the instance's CPUs or memory\n" },
	{ "release", "  release cpu|mem LIST|all  with -o N: move them back to the pool\n" },
	{ "set", "  set ikc_map MAP        set the IKC map LIST:CPU+LIST:CPU... (the LWK cores\n"
		 "                         of each LIST signal that Linux CPU; docs/ikc.md)\n" },
	{ "get", "  get ikc_map            print the IKC map\n" },
	{ "load", "  load FILE [--initrd INITRD]\n"
		  "                         load a co-kernel: an ELF image, or a Linux bzImage\n"
		  "                         (boot protocol 2.12+, 64-bit, relocatable) and its initrd\n" },
	{ "kargs", "  kargs STRING           set the kernel arguments\n" },
	{ "boot", "  boot                   boot it (status becomes BOOTING, then RUNNING)\n" },
	{ "status", "  status [-v] [--wait STATE] [--timeout SEC]\n"
		    "                         print one of INACTIVE BOOTING RUNNING SHUTDOWN PANIC\n"
		    "                         HUNGUP FREEZING FROZEN, or wait for STATE; -v adds\n"
		    "                         cores, heartbeat, stray interrupts and NMIs\n" },
	{ "kmsg", "  kmsg [-f]              print the kernel message buffer (-f: and follow it)\n" },
	{ "clear_kmsg", "  clear_kmsg             clear it\n" },
	{ "freeze", "  freeze                 ask every LWK core to pause (IHK ihk_os_freeze): the\n"
		    "                         status becomes FREEZING, then FROZEN; returns at once\n" },
	{ "thaw", "  thaw                   let a frozen LWK go on (status back to RUNNING), or\n"
		  "                         cancel a freeze not every core has reached\n" },
	{ "shutdown", "  shutdown [--force]     ask the LWK to park its cores, then INIT them\n"
		      "                         (--force: INIT at once)\n" },
	{ "query_free_mem", "  query_free_mem         print the instance's memory in bytes\n" },
	{ "ikc-ping", "  ikc-ping [-n COUNT] [-s BYTES]\n"
		      "                         IKC round trips to the LWK's echo port (7): prints\n"
		      "                         min/median/max and the number lost; fails on any loss,\n"
		      "                         reordering or corruption\n" },
	{ "dump", "  dump [-d 0|24] [-n] [FILE]\n"
		  "                         write an ELF core file that gdb opens with the\n"
		  "                         co-kernel's ELF: one thread per LWK core (a RUNNING,\n"
		  "                         FROZEN or HUNGUP LWK is stopped by NMI for an instant\n"
		  "                         to save them; -n: no NMI), its memory at the LWK's\n"
		  "                         addresses; -d 0 all memory of its last boot (default),\n"
		  "                         -d 24 what its kernel uses; FILE default\n"
		  "                         mcdump.YYYYmmddHHMMSS, never overwritten\n"
		  "                         (docs/debugging.md)\n" },
	{ NULL, "\nMonitoring (ihkmond, IHK spec 1.3.2.18):\n" },
	{ "monitor", "  monitor [-i SEC] [-k 0|1] [-f FACILITY]\n"
		     "      forward new kmsg lines of every instance to syslog (-k 1, default),\n"
		     "      report PANIC and HUNGUP (syslog and stderr) through each instance's\n"
		     "      eventfd; -i sets the hang limit to 2 x SEC (default 600; -1: off).\n"
		     "      FACILITY: local0..local7 (default local6), user, daemon.\n" },
	{ NULL, "\nInstalling (README, Real hardware):\n" },
	{ "grub-line", "  grub-line [-p PAGES]   print the kernel command line (memmap= for a free\n"
		       "                         RAM range below 0x9F000 in the firmware's memory map,\n"
		       "                         no_ipi_broadcast=1), its /etc/default/grub form and the\n"
		       "                         modprobe.d options; PAGES: trampoline pages (16)\n" },
	{ NULL, "\nOne shot:\n" },
	{ "up", "  up [-c LIST] [-m MEMLIST] [-r IKCMAP] [-k KARGS] [-i INITRD] [-t SEC] [-v] [IMAGE]\n"
		"      load the module if needed, reserve, create, assign, load, boot and\n"
		"      wait for RUNNING; on failure undo every step (as mcreboot.sh).\n"
		"      Defaults: the upper half of the online CPUs, " DEFAULT_MEM ",\n"
		"      IMAGE " DEFAULT_IMAGE ", 60 s.  -v prints how long each step took.\n"
		"      IMAGE may be a Linux bzImage, -i its initrd.\n" },
	{ "down", "  down   shut down and destroy every instance, release all CPUs and memory,\n"
		  "         unload the module (as mcstop+release.sh)\n" },
	{ NULL, "" },
	{ "reserve release assign up",
	  "\nMEMLIST: SIZE[@NODE],... or all.  SIZE is bytes in decimal or 0x hex with\n"
	  "an optional binary unit K, M, G or T, a non-zero multiple of 4 MiB; NODE is\n"
	  "a NUMA node (default 0).\n" },
	{ "up boot", "\nup and boot refuse to run when the kernel command line lacks\n"
		     "no_ipi_broadcast=1 (Linux's broadcast IPIs would reach the LWK);\n"
		     "--allow-ipi-broadcast overrides that.\n" },
	{ "", "\nCalled as ihkconfig or ihkosctl (installed as links to it), it takes IHK's\n"
	      "command lines (IHK spec 1.3): ihkconfig 0 reserve cpu 2-3, ihkosctl 0 get\n"
	      "status, ...; libihk.so is IHK's library over the same module (docs/ihk.md).\n" },
	{ "*", "\nEvery command accepts -h/--help.  Exit status 0 on success, 1 on failure,\n"
	       "2 for bad usage.\n" },
};

/* Whether cmds (names separated by spaces) names cmd, or is "*". */
static int documents(const char *cmds, const char *cmd)
{
	size_t n = strlen(cmd);
	const char *p;

	if (!strcmp(cmds, "*"))
		return 1;
	for (p = cmds; (p = strstr(p, cmd)); p += n)
		if ((p == cmds || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

int print_help(const char *cmd)
{
	const char *section = "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(help_lines); i++) {
		const struct help_line *h = &help_lines[i];

		if (!h->cmds && cmd) {
			section = h->text;
		} else if (!cmd || documents(h->cmds, cmd)) {
			fputs(section, stdout);
			fputs(h->text, stdout);
			section = "";
		}
	}
	return 0;
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

/*
 * The commands.  A new one is a line here, its handler (cmd.h) and its
 * lines in help_lines.  nargs: how many arguments follow the name, checked
 * before the handler runs; -1 when the handler checks them itself.
 */
#define ARG_IS_TEXT	1	/* "-h", "--help", "--json" are arguments, not options */
#define ALLOW_AFTER	2	/* --allow-ipi-broadcast may also follow the name */
#define NO_JSON		4	/* prints text that has no JSON form: --json is refused */
static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	int nargs;
	unsigned int flags;
} commands[] = {
	{ "reserve",		cmd_cpu_mem,		-1, 0 },
	{ "query",		cmd_cpu_mem,		-1, 0 },
	{ "release",		cmd_cpu_mem,		-1, 0 },
	{ "assign",		cmd_cpu_mem,		-1, 0 },
	{ "create",		cmd_create,		0, 0 },
	{ "destroy",		cmd_destroy,		1, 0 },
	{ "list",		cmd_list,		0, 0 },
	{ "set",		cmd_ikc_map,		-1, 0 },
	{ "get",		cmd_ikc_map,		-1, 0 },
	{ "load",		cmd_load,		-1, 0 },
	{ "kargs",		cmd_kargs,		1, ARG_IS_TEXT },
	{ "boot",		cmd_boot,		0, ALLOW_AFTER },
	{ "status",		cmd_status,		-1, 0 },
	{ "kmsg",		cmd_kmsg,		-1, 0 },
	{ "clear_kmsg",		cmd_clear_kmsg,		0, 0 },
	{ "freeze",		cmd_freeze,		0, 0 },
	{ "thaw",		cmd_thaw,		0, 0 },
	{ "shutdown",		cmd_shutdown,		-1, 0 },
	{ "query_free_mem",	cmd_query_free_mem,	0, 0 },
	{ "ikc-ping",		cmd_ikc_ping,		-1, 0 },
	{ "dump",		cmd_dump,		-1, 0 },
	{ "grub-line",		cmd_grub_line,		-1, 0 },
	{ "monitor",		cmd_monitor,		-1, NO_JSON },
	{ "up",			cmd_up,			-1, ALLOW_AFTER },
	{ "down",		cmd_down,		0, 0 },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* The options before the command; returns the index of the command's name. */
static int global_options(int argc, char **argv)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_help(NULL);
			exit(0);
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("%s %s\n", prog, LWKB_VERSION);
			exit(0);
		}
		if (!strcmp(argv[i], "--allow-ipi-broadcast")) {
			allow_broadcast = 1;
			i++;
			continue;
		}
		if (!strcmp(argv[i], "--json")) {
			json_out = 1;
			i++;
			continue;
		}
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[i + 1], &end, 10);

			if (!*argv[i + 1] || *end || v < 0 || v >= LWKB_MAX_OS)
				die_usage("-o: bad OS index '%s' (0-%d)", argv[i + 1], LWKB_MAX_OS - 1);
			os_index = (int)v;
			os_given = 1;
			i += 2;
			continue;
		}
		die_usage("unknown option '%s'", argv[i]);
	}
	return i;
}

/* Takes flag out of the arguments, setting *given; returns the new argc. */
static int take_flag(int argc, char **argv, const char *flag, int *given)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], flag)) {
			*given = 1;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	return argc;
}

static int wants_help(const struct command *c, int argc, char **argv)
{
	if (c && (c->flags & ARG_IS_TEXT))
		return 0;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

/* One command: argv[0] is its name, the options before it are taken. */
int lwkb_run(int argc, char **argv)
{
	const struct command *c = find_command(argv[0]);

	if (c && (c->flags & ALLOW_AFTER))
		argc = take_flag(argc, argv, "--allow-ipi-broadcast", &allow_broadcast);
	if (c && !(c->flags & ARG_IS_TEXT))
		argc = take_flag(argc, argv, "--json", &json_out);
	if (wants_help(c, argc, argv))
		return print_help(c ? c->name : NULL);
	if (!c)
		die_usage("unknown command '%s'", argv[0]);
	if (json_out && (c->flags & NO_JSON))
		die_usage("%s: no JSON form (docs/json.md)", c->name);
	if (c->nargs >= 0)
		need(argc, c->nargs + 1, c->name);
	return c->run(argc, argv);
}

int main(int argc, char **argv)
{
	const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
	int first;

	base = base ? base + 1 : argv[0] ? argv[0] : "";
	/* Called as IHK's commands (the links make installs): ihkcmd.c. */
	if (!strcmp(base, "ihkconfig") || !strcmp(base, "ihkosctl"))
		return ihk_front(base, argc, argv);
	first = global_options(argc, argv);
	if (first >= argc)
		die_usage("no command");
	return lwkb_run(argc - first, argv + first);
}
