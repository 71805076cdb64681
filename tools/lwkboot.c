// SPDX-License-Identifier: MIT
/*
 * lwkboot: the command line over lwkboot.ko, following IHK's ihkconfig and
 * ihkosctl (spec 1.3) and the McKernel scripts mcreboot.sh and
 * mcstop+release.sh for the one-shot "up" and "down".
 *
 * Like IHK's commands it prints nothing on success except what a query
 * asks for, in the same format the matching command takes, so that
 * `lwkboot release cpu $(lwkboot query cpu)` works.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <syslog.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lwkb_parse.h"
#include "lwkb_elf.h"
#include "liblwkboot.h"
#include "lwkboot/boot_info.h"
#include "lwkboot/ikc.h"

#define DEFAULT_IMAGE	"/usr/share/lwkboot/cokernel.elf"
#define DEFAULT_MEM	"64M@0"
#define MAX_ENTS	256

static const char *prog = "lwkboot";
static int os_index;
static int os_given;	/* -o was given: query/release address the instance */
static int verbose;	/* up -v: how long each step took */
static int allow_broadcast;	/* --allow-ipi-broadcast: boot without no_ipi_broadcast=1 */

static double now(void);
/* up -v: "lwkboot: up: STEP US us" on stderr, time since the previous step. */
static void step_done(const char *step, double *t)
{
	double n = now();

	if (verbose)
		fprintf(stderr, "%s: up: %s %.0f us\n", prog, step, (n - *t) * 1e6);
	*t = n;
}

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

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static void __attribute__((noreturn, format(printf, 1, 2))) die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see '%s --help')\n", prog);
	exit(2);
}

/* Lockdown in integrity or confidentiality mode (security/lockdown). */
static int locked_down(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strstr(buf, "[integrity]") || strstr(buf, "[confidentiality]");
}

static int __attribute__((format(printf, 2, 3))) fail(int err, const char *fmt, ...)
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

/* ---- argument helpers ---- */
static int parse_cpus(const char *s, struct lwkb_cpuset *set)
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

static unsigned int parse_mem(const char *s, struct lwkb_mem_ent *ents)
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
	unsigned int nr;
	int ret = lwkb_query_mem(os, ents, MAX_ENTS, &nr);

	if (ret)
		return fail(ret, "query mem");
	lwkb_memlist_format(ents, nr, buf, sizeof(buf));
	printf("%s\n", buf);
	return 0;
}

static int online_cpus(struct lwkb_cpuset *set)
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
static int check_cpus_for_reserve(const struct lwkb_cpuset *set)
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

/*
 * The words of the kernel command line, into w[max] pointing into buf (len
 * bytes): their number, or -errno when /proc/cmdline cannot be read.
 */
static int cmdline_words(char *buf, size_t len, char **w, int max)
{
	FILE *f = fopen("/proc/cmdline", "r");
	char *tok, *save = NULL;
	size_t n;
	int nw = 0;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \t\n", &save); tok && nw < max;
	     tok = strtok_r(NULL, " \t\n", &save))
		w[nw++] = tok;
	return nw;
}

/* ---- status ---- */
/*
 * Linux sends some IPIs with the all-but-self shorthand once every present
 * CPU has booted (arch/x86/kernel/apic/ipi.c, apic_smt_update); offlining a
 * CPU does not undo that, so with 3 or more Linux CPUs online an all-CPU
 * function call reaches the LWK's cores.  no_ipi_broadcast=1 on the kernel
 * command line turns the shorthand off.  0 if it is there or overridden.
 */
static int check_ipi_broadcast(const char *what)
{
	char line[8192], *w[4096];
	int i, n;

	if (allow_broadcast)
		return 0;
	n = cmdline_words(line, sizeof(line), w, 4096);
	if (n < 0)
		return fail(n, "%s: cannot read /proc/cmdline", what);
	for (i = 0; i < n; i++)
		if (!strcmp(w[i], "no_ipi_broadcast=1"))
			return 0;
	fprintf(stderr,
		"%s: %s: the kernel command line lacks no_ipi_broadcast=1.\n"
		"  Without it Linux sends broadcast IPIs (all-but-self) that reach the LWK's\n"
		"  cores too.  Add no_ipi_broadcast=1 to the kernel command line and reboot\n"
		"  (README, 'Real hardware'), or pass --allow-ipi-broadcast to go on anyway:\n"
		"  the lwkboot co-kernel library acknowledges and counts such interrupts\n"
		"  (lwkboot status -v), other co-kernels may not.\n", prog, what);
	return 1;
}

/* A status word as a name; a negative errno or unknown value as "?". */
static const char *status_str(int st)
{
	const char *n = st >= 0 ? lwkb_status_name((lwkb_u32)st) : NULL;

	return n ? n : "?";
}

static int status_of(int os)
{
	return lwkb_os_ctl(os, LWKB_OS_STATUS, NULL);
}

/* status -v: the status, then "key value" lines from the status page. */
static int print_status_info(int os)
{
	struct lwkb_os_info i;
	int ret = lwkb_os_ctl(os, LWKB_OS_STATUS_INFO, &i);

	if (ret)
		return fail(ret, "status of OS %d", os);
	printf("%s\n", status_str((int)i.status));
	printf("cores %u\ncores_up %u\ncores_parked %u\nheartbeat %llu\n", i.nr_cores,
	       i.cores_up, i.cores_parked, (unsigned long long)i.heartbeat);
	printf("stray_irqs %llu\nstray_vector 0x%x\nnmis %u\n",
	       (unsigned long long)i.stray_irqs, i.stray_vector, i.nmis);
	if (i.panic_vector != 0xffffffff)
		printf("panic_core %u\npanic_vector %u\n", i.panic_core, i.panic_vector);
	return 0;
}

static int parse_state(const char *s)
{
	unsigned int i;

	for (i = 0; i < LWKB_STATUS_NR; i++)
		if (!strcmp(s, lwkb_status_name(i)))
			return (int)i;
	return -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for state; 0, or 1 with a message on timeout or a fatal state. */
static int wait_state(int os, int want, double timeout)
{
	double end = now() + timeout;
	int st;

	for (;;) {
		st = status_of(os);
		if (st < 0)
			return fail(st, "status of OS %d", os);
		if (st == want)
			return 0;
		if (want == LWKB_STATUS_RUNNING &&
		    (st == LWKB_STATUS_PANIC || st == LWKB_STATUS_INACTIVE))
			return fail(0, "OS %d is %s, not RUNNING (see 'lwkboot -o %d kmsg')",
				    os, status_str(st), os);
		if (now() > end)
			return fail(0, "OS %d is still %s after %.0f s, not %s", os,
				    status_str(st), timeout, status_str(want));
		usleep(1000);	/* 1 ms: fine enough for the boot-latency figures */
	}
}

static int read_file(const char *path, void **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EIO;
	}
	*buf = malloc(n ? n : 1);
	if (!*buf) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(*buf, 1, n, f) != (size_t)n) {
		free(*buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*len = n;
	return 0;
}

static int do_load(int os, const char *path)
{
	struct lwkb_buf b;
	void *img = NULL;
	size_t len = 0;
	char err[200];
	struct lwkb_elf_info ei;
	int ret = read_file(path, &img, &len);

	if (ret)
		return fail(ret, "load: cannot read '%s'", path);
	/* Same checks as the module, here to say exactly what is wrong. */
	if (lwkb_elf_check(img, len, ~0ULL >> 1, &ei, err, sizeof(err))) {
		free(img);
		return fail(0, "load: '%s' is not a valid co-kernel image: %s", path, err);
	}
	b.addr = (uintptr_t)img;
	b.len = len;
	ret = lwkb_os_ctl(os, LWKB_OS_LOAD, &b);
	free(img);
	if (ret == -EINVAL)
		return fail(ret, "load '%s' into OS %d: the image does not fit in its memory (or none is assigned)",
			    path, os);
	if (ret)
		return fail(ret, "load '%s' into OS %d", path, os);
	return 0;
}

static int do_kargs(int os, const char *s)
{
	struct lwkb_buf b = { .addr = (uintptr_t)s, .len = strlen(s) };
	int ret;

	if (b.len >= LWKB_KARGS_SIZE)
		return fail(0, "kargs: %zu bytes, at most %d", (size_t)b.len, LWKB_KARGS_SIZE - 1);
	ret = lwkb_os_ctl(os, LWKB_OS_KARGS, &b);
	return ret ? fail(ret, "kargs for OS %d", os) : 0;
}

static int do_kmsg(int os, int follow)
{
	static char buf[1 << 17];
	unsigned long long pos = 0, lost = 0;
	int n;

	do {
		while ((n = lwkb_read_kmsg(os, &pos, buf, sizeof(buf), &lost)) > 0) {
			fwrite(buf, 1, n, stdout);
			fflush(stdout);
		}
		if (n < 0)	/* the instance went away while following: done */
			return follow && pos ? 0 : fail(n, "kmsg of OS %d", os);
		if (follow)
			usleep(100000);
	} while (follow);
	if (lost)
		fprintf(stderr, "%s: %llu bytes of kmsg were overwritten before they were read\n",
			prog, lost);
	return 0;
}

/* ---- module loading ---- */
static int run(const char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (!pid) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -EIO;
}

/*
 * insmod, with the "lwkboot.NAME=VALUE" parameters of the kernel command
 * line, as modprobe passes them (insmod alone would not).
 */
static int load_module(void)
{
	char path[512], cmdline[8192], *w[4096];
	const char *argv[64];
	struct utsname u;
	const char *env = getenv("LWKBOOT_MODULE");
	int i, nw, n = 0;

	uname(&u);
	if (env)
		snprintf(path, sizeof(path), "%s", env);
	else
		snprintf(path, sizeof(path), "/lib/modules/%s/extra/lwkboot.ko", u.release);
	if (access(path, R_OK))
		return fail(-errno, "up: module %s", path);
	argv[n++] = "insmod";
	argv[n++] = path;
	nw = cmdline_words(cmdline, sizeof(cmdline), w, 4096);
	for (i = 0; i < nw && n < 62; i++)
		if (!strncmp(w[i], "lwkboot.", 8) && strchr(w[i], '='))
			argv[n++] = w[i] + 8;
	argv[n] = NULL;
	if (run(argv))
		return fail(0, "up: insmod %s failed (see dmesg)", path);
	for (i = 0; i < 100 && !lwkb_module_loaded(); i++)
		usleep(10000);
	return lwkb_module_loaded() ? 0 : fail(0, "up: /dev/mcd0 did not appear");
}

static int unload_module(void)
{
	const char *argv[] = { "rmmod", "lwkboot", NULL };

	return run(argv);
}

/* ---- up / down ---- */
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

static int cmd_up(int argc, char **argv)
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
		case 'h': usage(stdout); return 0;
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

static int cmd_down(void)
{
	struct lwkb_os_list ol;
	struct lwkb_cpuset set;
	struct lwkb_mem_list ml = { 0 };
	unsigned int i, c, any = 0;
	int ret, bad = 0;

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

/* ---- monitor: the ihkmond of IHK spec 1.3.2.18 ---- */
static int facility_of(const char *s)
{
	static const struct { const char *name; int fac; } tab[] = {
		{ "user", LOG_USER }, { "daemon", LOG_DAEMON },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcasecmp(s, tab[i].name) || (!strncasecmp(s, "LOG_", 4) &&
						    !strcasecmp(s + 4, tab[i].name)))
			return tab[i].fac;
	return -1;
}

static volatile sig_atomic_t monitor_stop;

static void on_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

static int cmd_monitor(int argc, char **argv)
{
	struct mon { int efd; unsigned long long pos; char line[1024]; size_t len; } m[LWKB_MAX_OS];
	long interval = 600;
	int redirect = 1, facility = LOG_LOCAL6, opt, i;
	char *end;
	FILE *f;

	optind = 1;
	while ((opt = getopt(argc, argv, "i:k:f:h")) != -1) {
		switch (opt) {
		case 'i':
			interval = strtol(optarg, &end, 10);
			if (!*optarg || *end || (interval < 1 && interval != -1))
				die_usage("monitor: -i '%s': want seconds, or -1", optarg);
			break;
		case 'k':
			if (strcmp(optarg, "0") && strcmp(optarg, "1"))
				die_usage("monitor: -k '%s': want 0 or 1", optarg);
			redirect = optarg[0] == '1';
			break;
		case 'f':
			facility = facility_of(optarg);
			if (facility < 0)
				die_usage("monitor: unknown syslog facility '%s'", optarg);
			break;
		case 'h': usage(stdout); return 0;
		default: die_usage("monitor: bad option");
		}
	}
	if (optind < argc)
		die_usage("monitor: unexpected argument '%s'", argv[optind]);
	if (!lwkb_module_loaded())
		return fail(-ENOENT, "monitor: /dev/mcd0");
	/* Hang limit: two intervals without a heartbeat, as ihkmond's "twice in a row". */
	f = fopen("/sys/module/lwkboot/parameters/hung_ms", "w");
	if (!f)
		return fail(-errno, "monitor: cannot set the hang limit");
	fprintf(f, "%ld\n", interval < 0 ? 0 : interval * 2000);
	fclose(f);
	openlog("lwkboot", LOG_PID, facility);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; i < LWKB_MAX_OS; i++) {
		m[i].efd = -1;
		m[i].pos = 0;
		m[i].len = 0;
	}
	syslog(LOG_INFO, "monitor started (interval %ld s, kmsg %s)", interval,
	       redirect ? "forwarded" : "not forwarded");
	while (!monitor_stop) {
		struct lwkb_os_list ol;
		struct pollfd pfd[LWKB_MAX_OS];
		int np = 0, idx[LWKB_MAX_OS];

		if (lwkb_ctl(LWKB_LIST_OS, &ol))
			break;	/* the module went away */
		for (i = 0; i < LWKB_MAX_OS; i++) {
			int present = 0;

			for (unsigned int k = 0; k < ol.nr; k++)
				present |= ol.index[k] == (lwkb_u32)i;
			if (!present) {
				if (m[i].efd >= 0)
					close(m[i].efd);
				m[i].efd = -1;
				m[i].pos = 0;
				continue;
			}
			if (m[i].efd < 0) {
				lwkb_s32 fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

				if (fd >= 0 && !lwkb_os_ctl(i, LWKB_OS_EVENTFD, &fd))
					m[i].efd = fd;
				else if (fd >= 0)
					close(fd);
			}
			if (redirect) {
				/* Forward whole lines; keep a partial one for later. */
				static char buf[1 << 17];
				unsigned long long pos = m[i].pos, lost = 0;
				int n = lwkb_read_kmsg(i, &pos, buf, sizeof(buf), &lost);

				if (lost)
					syslog(LOG_WARNING, "OS %d: %llu bytes of kmsg lost", i, lost);
				for (int k = 0; k < n; k++) {
					if (buf[k] == '\n' || m[i].len == sizeof(m[i].line) - 1) {
						m[i].line[m[i].len] = '\0';
						syslog(LOG_INFO, "OS %d: %s", i, m[i].line);
						m[i].len = 0;
					}
					if (buf[k] != '\n')
						m[i].line[m[i].len++] = buf[k];
				}
				if (n > 0)
					m[i].pos = pos;
			}
			if (m[i].efd >= 0) {
				pfd[np].fd = m[i].efd;
				pfd[np].events = POLLIN;
				idx[np++] = i;
			}
		}
		if (poll(pfd, np, 200) > 0) {
			for (int k = 0; k < np; k++) {
				uint64_t v;
				int st;

				if (!(pfd[k].revents & POLLIN) || read(pfd[k].fd, &v, sizeof(v)) != sizeof(v))
					continue;
				st = status_of(idx[k]);
				syslog(LOG_ERR, "OS %d: %s", idx[k], status_str(st));
				fprintf(stderr, "%s: monitor: OS %d is %s\n", prog, idx[k],
					status_str(st));
			}
		}
	}
	syslog(LOG_INFO, "monitor stopped");
	for (i = 0; i < LWKB_MAX_OS; i++)
		if (m[i].efd >= 0)
			close(m[i].efd);
	return 0;
}

/* ---- ikc-ping ---- */
static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static int cmd_ikc_ping(int argc, char **argv)
{
	struct lwkb_ikc_ping p = { .count = 1000, .size = 64 };
	unsigned long long *rtt;
	unsigned int i, got = 0;
	char *end;
	int opt, ret;

	optind = 1;
	while ((opt = getopt(argc, argv, "n:s:h")) != -1) {
		switch (opt) {
		case 'n':
			p.count = strtoul(optarg, &end, 10);
			if (!*optarg || *end || !p.count || p.count > LWKB_PING_MAX)
				die_usage("ikc-ping: -n '%s': want 1 to %d", optarg, LWKB_PING_MAX);
			break;
		case 's':
			p.size = strtoul(optarg, &end, 10);
			if (!*optarg || *end || p.size > LWKB_IKC_PAYLOAD)
				die_usage("ikc-ping: -s '%s': want 0 to %d bytes", optarg,
					  LWKB_IKC_PAYLOAD);
			break;
		case 'h': usage(stdout); return 0;
		default: die_usage("ikc-ping: bad option");
		}
	}
	if (optind < argc)
		die_usage("ikc-ping: unexpected argument '%s'", argv[optind]);
	rtt = calloc(p.count, sizeof(*rtt));
	if (!rtt)
		return fail(-ENOMEM, "ikc-ping");
	p.rtt_ns = (uintptr_t)rtt;
	ret = lwkb_os_ctl(os_index, LWKB_OS_IKC_PING, &p);
	if (ret == -ESHUTDOWN) {
		free(rtt);
		return fail(0, "ikc-ping OS %d: the OS was shut down during the ping", os_index);
	}
	if (ret) {
		free(rtt);
		return fail(ret, "ikc-ping OS %d (is it RUNNING? see dmesg)", os_index);
	}
	/* Lost replies keep rtt 0: leave them out of the figures. */
	for (i = 0; i < p.count; i++)
		if (rtt[i])
			rtt[got++] = rtt[i];
	/* One time per answered message: any more is data the module should
	 * not have returned (it zeroes the buffer it copies back). */
	if (got > p.count - p.lost) {
		free(rtt);
		return fail(0, "ikc-ping: %u round-trip times for %u answered messages: stale data from the module",
			    got, p.count - p.lost);
	}
	qsort(rtt, got, sizeof(*rtt), cmp_u64);
	printf("ikc-ping: %u messages of %u bytes on channel %u: rtt min %.1f us, median %.1f us, max %.1f us; lost %u, out of order %u, corrupt %u\n",
	       p.count, p.size, p.channel, got ? rtt[0] / 1e3 : 0.0,
	       got ? rtt[got / 2] / 1e3 : 0.0, got ? rtt[got - 1] / 1e3 : 0.0,
	       p.lost, p.misordered, p.corrupt);
	free(rtt);
	return p.lost || p.misordered || p.corrupt ? 1 : 0;
}

/* ---- dispatch ---- */
static int need(int argc, int n, const char *what)
{
	if (argc != n)
		die_usage("%s: expected %d argument%s, got %d", what, n - 1,
			  n == 2 ? "" : "s", argc - 1);
	return 0;
}

/* The instance's request (-o given) or the pool's. */
static int ctl_at(int on_os, unsigned long os_req, unsigned long pool_req, void *arg)
{
	return on_os ? lwkb_os_ctl(os_index, os_req, arg) : lwkb_ctl(pool_req, arg);
}

static int cmd_cpu_mem(const char *verb, int argc, char **argv, int on_os)
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
