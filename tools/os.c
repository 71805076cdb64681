// SPDX-License-Identifier: MIT
/*
 * The commands on an instance (/dev/mcosN, -o N): IKC map, load, kernel
 * arguments, boot, status, kmsg, freeze and thaw, shutdown, its memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lwkb_elf.h"
#include "lwkb_linux.h"
#include "lwkboot/boot_info.h"
#include "cmd.h"

/* A status word as a name; a negative errno or unknown value as "?". */
const char *status_str(int st)
{
	const char *n = st >= 0 ? lwkb_status_name((lwkb_u32)st) : NULL;

	return n ? n : "?";
}

int status_of(int os)
{
	return lwkb_os_ctl(os, LWKB_OS_STATUS, NULL);
}

/* status: the state's name, or {"instance":N,"status":NAME} (then more). */
static void print_status(int os, int st, int more)
{
	if (json_out)
		printf("{\"instance\":%d,\"status\":\"%s\"%s", os, status_str(st), more ? "" : "}\n");
	else
		printf("%s\n", status_str(st));
}

/* status -v: the status, then "key value" lines from the status page. */
static int print_status_info(int os)
{
	struct lwkb_os_info i;
	int ret = lwkb_os_ctl(os, LWKB_OS_STATUS_INFO, &i);

	if (ret)
		return fail(ret, "status of OS %d", os);
	print_status(os, (int)i.status, 1);
	if (json_out) {
		printf(",\"cores\":%u,\"cores_up\":%u,\"cores_parked\":%u,\"cores_frozen\":%u,"
		       "\"heartbeat\":%llu,\"stray_irqs\":%llu,\"stray_vector\":%u,\"nmis\":%u,",
		       i.nr_cores, i.cores_up, i.cores_parked, i.cores_frozen,
		       (unsigned long long)i.heartbeat, (unsigned long long)i.stray_irqs,
		       i.stray_vector, i.nmis);
		if (i.panic_vector != 0xffffffff)
			printf("\"panic_core\":%u,\"panic_vector\":%u}\n", i.panic_core,
			       i.panic_vector);
		else
			printf("\"panic_core\":null,\"panic_vector\":null}\n");
		return 0;
	}
	printf("cores %u\ncores_up %u\ncores_parked %u\ncores_frozen %u\nheartbeat %llu\n",
	       i.nr_cores, i.cores_up, i.cores_parked, i.cores_frozen,
	       (unsigned long long)i.heartbeat);
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

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for state; 0, or 1 with a message on timeout or a fatal state. */
int wait_state(int os, int want, double timeout)
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

/* The initrd of a bzImage: read whole, then handed to the module. */
static int load_initrd(int os, const char *path)
{
	struct lwkb_buf b;
	void *buf = NULL;
	size_t len = 0;
	int ret = read_file(path, &buf, &len);

	if (ret)
		return fail(ret, "load: cannot read the initrd '%s'", path);
	if (len > LWKB_MAX_INITRD_SIZE) {
		free(buf);
		return fail(0, "load: the initrd '%s' has %zu bytes, at most %llu", path, len,
			    LWKB_MAX_INITRD_SIZE);
	}
	b.addr = (uintptr_t)buf;
	b.len = len;
	ret = lwkb_os_ctl(os, LWKB_OS_LOAD_INITRD, &b);
	free(buf);
	return ret ? fail(ret, "load the initrd '%s' into OS %d", path, os) : 0;
}

/*
 * An ELF co-kernel, or a Linux bzImage with an optional initrd
 * (loader/linux.c).  The module checks again; the checks here say exactly
 * what is wrong before anything changes.
 */
int do_load(int os, const char *path, const char *initrd)
{
	struct lwkb_buf b;
	void *img = NULL;
	size_t len = 0;
	char err[200];
	struct lwkb_elf_info ei;
	struct lwkb_bz_info bz;
	int is_bz, ret = read_file(path, &img, &len);

	if (ret)
		return fail(ret, "load: cannot read '%s'", path);
	is_bz = lwkb_bz_probe(img, len);
	if (is_bz)
		ret = lwkb_bz_check(img, len, 0, &bz, err, sizeof(err));
	else
		ret = lwkb_elf_check(img, len, ~0ULL >> 1, &ei, err, sizeof(err)) ||
		      lwkb_elf_check_contract(img, len, err, sizeof(err));
	if (ret) {
		free(img);
		return fail(0, "load: '%s' is not a valid co-kernel image: %s (want an ELF64 co-kernel or a Linux bzImage)",
			    path, err);
	}
	if (initrd && !is_bz) {
		free(img);
		return fail(0, "load: --initrd '%s' needs a Linux bzImage; '%s' is an ELF co-kernel",
			    initrd, path);
	}
	if (initrd && access(initrd, R_OK)) {
		free(img);
		return fail(-errno, "load: cannot read the initrd '%s'", initrd);
	}
	b.addr = (uintptr_t)img;
	b.len = len;
	ret = lwkb_os_ctl(os, LWKB_OS_LOAD, &b);
	free(img);
	if (ret == -EINVAL && is_bz)
		return fail(ret, "load '%s' into OS %d: the kernel's init_size (%llu MiB) does not fit in the largest run of adjacent memory assigned (or none is assigned; see dmesg)",
			    path, os, (unsigned long long)(bz.init_size >> 20));
	if (ret == -EINVAL)
		return fail(ret, "load '%s' into OS %d: the image does not fit in its memory (or none is assigned)",
			    path, os);
	if (ret)
		return fail(ret, "load '%s' into OS %d", path, os);
	return initrd ? load_initrd(os, initrd) : 0;
}

int do_kargs(int os, const char *s)
{
	struct lwkb_buf b = { .addr = (uintptr_t)s, .len = strlen(s) };
	int ret;

	if (b.len >= LWKB_KARGS_SIZE)
		return fail(0, "kargs: %zu bytes, at most %d", (size_t)b.len, LWKB_KARGS_SIZE - 1);
	ret = lwkb_os_ctl(os, LWKB_OS_KARGS, &b);
	return ret ? fail(ret, "kargs for OS %d", os) : 0;
}

/* What kmsg says after reading when the LWK overwrote unread bytes. */
static void warn_lost(unsigned long long lost)
{
	if (lost)
		fprintf(stderr, "%s: %llu bytes of kmsg were overwritten before they were read\n",
			prog, lost);
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
	warn_lost(lost);
	return 0;
}

/*
 * kmsg --json: all of it read first, then one document
 * {"instance":N,"lines":[...],"lost_bytes":N}, a line a string without its
 * newline (the last one may have none).
 */
static int do_kmsg_json(int os)
{
	static char buf[1 << 17];
	unsigned long long pos = 0, lost = 0;
	char *all = NULL, *p;
	size_t len = 0, i = 0, eol;
	int n;

	while ((n = lwkb_read_kmsg(os, &pos, buf, sizeof(buf), &lost)) > 0) {
		p = realloc(all, len + n);
		if (!p) {
			free(all);
			return fail(-ENOMEM, "kmsg of OS %d", os);
		}
		all = p;
		memcpy(all + len, buf, n);
		len += n;
	}
	if (n < 0) {
		free(all);
		return fail(n, "kmsg of OS %d", os);
	}
	printf("{\"instance\":%d,\"lines\":[", os);
	while (i < len) {
		p = memchr(all + i, '\n', len - i);
		eol = p ? (size_t)(p - all) : len;
		if (i)
			putchar(',');
		json_string(stdout, all + i, eol - i);
		i = eol + 1;
	}
	printf("],\"lost_bytes\":%llu}\n", lost);
	free(all);
	warn_lost(lost);
	return 0;
}

/* get ikc_map --json: the text form and an entry per target Linux CPU. */
static void print_ikc_map_json(int os, const struct lwkb_ikc_map *map, const char *text)
{
	lwkb_u64 bits[LWKB_MAX_CPUS / 64], dsts[LWKB_MAX_CPUS / 64] = { 0 };
	const char *sep = "";

	for (int c = 0; c < LWKB_MAX_CPUS; c++)	/* the targets in use */
		if (map->dst[c] >= 0 && map->dst[c] < LWKB_MAX_CPUS)
			lwkb_set_bit(dsts, (lwkb_u32)map->dst[c]);
	printf("{\"instance\":%d,\"map\":", os);
	json_cstring(stdout, text);
	printf(",\"entries\":[");
	for (int d = 0; d < LWKB_MAX_CPUS; d++) {
		if (!lwkb_test_bit(dsts, (lwkb_u32)d) || !lwkb_ikcmap_sources(map, d, bits))
			continue;
		printf("%s{\"cpus\":", sep);
		json_bits(stdout, bits, LWKB_MAX_CPUS);
		printf(",\"target_cpu\":%d}", d);
		sep = ",";
	}
	printf("]}\n");
}

/* set ikc_map MAP, get ikc_map */
int cmd_ikc_map(int argc, char **argv)
{
	static struct lwkb_ikc_map map;
	static char buf[LWKB_IKCMAP_TEXT_MAX];
	char err[160];
	int set = !strcmp(argv[0], "set"), ret;

	if (argc < 2 || strcmp(argv[1], "ikc_map"))
		die_usage("%s: only 'ikc_map' can be %s", argv[0], set ? "set" : "read");
	if (set) {
		need(argc, 3, "set ikc_map");
		if (lwkb_ikcmap_parse(argv[2], &map, err, sizeof(err)))
			die_usage("set ikc_map: bad map '%s': %s", argv[2], err);
		if (check_ikcmap_cpus(&map, "set ikc_map"))
			return 1;
		ret = lwkb_ikcmap_set(os_index, &map);
		return ret ? fail(ret, "set ikc_map %s for OS %d", argv[2], os_index) : 0;
	}
	need(argc, 2, "get ikc_map");
	ret = lwkb_ikcmap_get(os_index, &map);
	if (ret)
		return fail(ret, "get ikc_map of OS %d", os_index);
	lwkb_ikcmap_format(&map, buf, sizeof(buf));
	if (json_out)
		print_ikc_map_json(os_index, &map, buf);
	else
		printf("%s\n", buf);
	return 0;
}

/* load IMAGE [--initrd FILE], the option before or after the image. */
int cmd_load(int argc, char **argv)
{
	const char *image = NULL, *initrd = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--initrd") || !strcmp(argv[i], "-i")) {
			if (++i == argc)
				die_usage("load: --initrd needs a file");
			initrd = argv[i];
		} else if (!strncmp(argv[i], "--initrd=", 9)) {
			initrd = argv[i] + 9;
		} else if (!image) {
			image = argv[i];
		} else {
			die_usage("load: unexpected argument '%s'", argv[i]);
		}
	}
	if (!image)
		die_usage("load: which image?");
	return do_load(os_index, image, initrd);
}

int cmd_kargs(int argc, char **argv)
{
	(void)argc;
	return do_kargs(os_index, argv[1]);
}

int cmd_boot(int argc, char **argv)
{
	int ret;

	(void)argc;
	(void)argv;
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

/* status [-v] [--wait STATE] [--timeout SEC] */
int cmd_status(int argc, char **argv)
{
	int want = -1, verbose_status = 0, ret;
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
	if (want >= 0) {
		/* --json: the state reached (with -v: status -v's document) */
		ret = wait_state(os_index, want, timeout);
		if (ret || !json_out)
			return ret;
		if (!verbose_status) {
			print_status(os_index, want, 0);
			return 0;
		}
	}
	if (verbose_status)
		return print_status_info(os_index);
	ret = status_of(os_index);
	if (ret < 0)
		return fail(ret, "status of OS %d", os_index);
	print_status(os_index, ret, 0);
	return 0;
}

/* kmsg [-f] */
int cmd_kmsg(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "-f")) {
		if (json_out)
			die_usage("kmsg: -f has no JSON form (docs/json.md)");
		return do_kmsg(os_index, 1);
	}
	need(argc, 1, "kmsg");
	return json_out ? do_kmsg_json(os_index) : do_kmsg(os_index, 0);
}

int cmd_clear_kmsg(int argc, char **argv)
{
	int ret = lwkb_os_ctl(os_index, LWKB_OS_CLEAR_KMSG, NULL);

	(void)argc;
	(void)argv;
	return ret ? fail(ret, "clear_kmsg of OS %d", os_index) : 0;
}

/*
 * freeze, thaw (IHK spec 1.2.2.32/33): ask, do not wait; `status --wait
 * FROZEN` (or RUNNING after a thaw) waits.
 */
int cmd_freeze(int argc, char **argv)
{
	int ret;

	(void)argv;
	need(argc, 1, "freeze");
	ret = lwkb_os_ctl(os_index, LWKB_OS_FREEZE, NULL);
	if (ret == -EINVAL)
		return fail(ret, "freeze OS %d: it is %s, not RUNNING", os_index,
			    status_str(status_of(os_index)));
	if (ret == -EBUSY)
		return fail(ret, "freeze OS %d: it is %s and a freeze is already asked",
			    os_index, status_str(status_of(os_index)));
	if (ret == -EOPNOTSUPP)
		return fail(ret, "freeze OS %d: its LWK does not pause its cores on request", os_index);
	return ret ? fail(ret, "freeze OS %d", os_index) : 0;
}

int cmd_thaw(int argc, char **argv)
{
	int ret;

	(void)argv;
	need(argc, 1, "thaw");
	ret = lwkb_os_ctl(os_index, LWKB_OS_THAW, NULL);
	if (ret == -EINVAL)
		return fail(ret, "thaw OS %d: it is %s, neither frozen nor freezing", os_index,
			    status_str(status_of(os_index)));
	return ret ? fail(ret, "thaw OS %d", os_index) : 0;
}

/* shutdown [--force] */
int cmd_shutdown(int argc, char **argv)
{
	lwkb_u32 flags = 0;
	int ret;

	if (argc == 2 && !strcmp(argv[1], "--force"))
		flags = LWKB_SHUTDOWN_FORCE;
	else
		need(argc, 1, "shutdown");
	ret = lwkb_os_ctl(os_index, LWKB_OS_SHUTDOWN, &flags);
	if (ret == -EINVAL)
		return fail(ret, "shutdown OS %d: it is not booted", os_index);
	return ret ? fail(ret, "shutdown OS %d", os_index) : 0;
}

int cmd_query_free_mem(int argc, char **argv)
{
	unsigned long long v;
	int ret = lwkb_os_ctl(os_index, LWKB_OS_QUERY_FREE_MEM, &v);

	(void)argc;
	(void)argv;
	if (ret)
		return fail(ret, "query_free_mem of OS %d", os_index);
	if (json_out)
		printf("{\"instance\":%d,\"bytes\":%llu}\n", os_index, v);
	else
		printf("%llu\n", v);
	return 0;
}
