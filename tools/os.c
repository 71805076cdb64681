// SPDX-License-Identifier: MIT
/*
 * An instance (/dev/mcosN): its status, loading an image, kernel
 * arguments, kmsg.
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

/* status -v: the status, then "key value" lines from the status page. */
int print_status_info(int os)
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

int parse_state(const char *s)
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

int do_load(int os, const char *path)
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

int do_kargs(int os, const char *s)
{
	struct lwkb_buf b = { .addr = (uintptr_t)s, .len = strlen(s) };
	int ret;

	if (b.len >= LWKB_KARGS_SIZE)
		return fail(0, "kargs: %zu bytes, at most %d", (size_t)b.len, LWKB_KARGS_SIZE - 1);
	ret = lwkb_os_ctl(os, LWKB_OS_KARGS, &b);
	return ret ? fail(ret, "kargs for OS %d", os) : 0;
}

int do_kmsg(int os, int follow)
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
