// SPDX-License-Identifier: MIT
/*
 * lwkb-rawctl: one ioctl of lwkboot.ko with the CPU numbers given, none of
 * the `lwkboot` command's own checks in between, so that a test sees what
 * the module itself answers (tests/linux/scale.sh).  Prints "ok" or the
 * errno's name and exits 0 either way; 2 on bad usage.
 *
 *   lwkb-rawctl reserve-cpu CPU        LWKB_RESERVE_CPU with CPU only
 *   lwkb-rawctl assign-cpu OS CPU      LWKB_OS_ASSIGN_CPU on /dev/mcosOS
 *   lwkb-rawctl ikc-map OS CPU DST     LWKB_OS_SET_IKC_MAP: CPU sends to DST
 *   lwkb-rawctl ikc-count OS NR        LWKB_OS_SET_IKC_MAP of NR entries, all -1
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "lwkboot/ioctl.h"

static int32_t dst[LWKB_MAX_CPUS + 1];

static int ctl(const char *dev, unsigned long req, void *arg)
{
	int fd = open(dev, O_RDWR), ret;

	if (fd < 0) {
		perror(dev);
		exit(1);
	}
	ret = ioctl(fd, req, arg) < 0 ? errno : 0;
	close(fd);
	return ret;
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end) {
		fprintf(stderr, "lwkb-rawctl: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct lwkb_cpuset set;
	struct lwkb_ikc_list il = { .dst = (uintptr_t)dst };
	char dev[32];
	unsigned long c;
	int err;

	memset(&set, 0, sizeof(set));
	memset(dst, 0xff, sizeof(dst));
	if (argc == 3 && !strcmp(argv[1], "reserve-cpu")) {
		c = num(argv[2]);
		if (c >= LWKB_MAX_CPUS)
			return 2;
		set.bits[c / 64] = 1ULL << (c % 64);
		err = ctl("/dev/mcd0", LWKB_RESERVE_CPU, &set);
	} else if (argc == 4 && !strcmp(argv[1], "assign-cpu")) {
		c = num(argv[3]);
		if (c >= LWKB_MAX_CPUS)
			return 2;
		set.bits[c / 64] = 1ULL << (c % 64);
		snprintf(dev, sizeof(dev), "/dev/mcos%lu", num(argv[2]));
		err = ctl(dev, LWKB_OS_ASSIGN_CPU, &set);
	} else if (argc == 5 && !strcmp(argv[1], "ikc-map")) {
		c = num(argv[3]);
		if (c >= LWKB_MAX_CPUS)
			return 2;
		dst[c] = (int32_t)num(argv[4]);
		il.nr = (uint32_t)c + 1;
		snprintf(dev, sizeof(dev), "/dev/mcos%lu", num(argv[2]));
		err = ctl(dev, LWKB_OS_SET_IKC_MAP, &il);
	} else if (argc == 4 && !strcmp(argv[1], "ikc-count")) {
		il.nr = (uint32_t)num(argv[3]);
		snprintf(dev, sizeof(dev), "/dev/mcos%lu", num(argv[2]));
		err = ctl(dev, LWKB_OS_SET_IKC_MAP, &il);
	} else {
		fprintf(stderr, "usage: lwkb-rawctl reserve-cpu CPU | assign-cpu OS CPU |"
			" ikc-map OS CPU DST | ikc-count OS NR\n");
		return 2;
	}
	printf("%s\n", err ? strerrorname_np(err) : "ok");
	return 0;
}
