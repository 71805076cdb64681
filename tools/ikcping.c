// SPDX-License-Identifier: MIT
/* lwkboot ikc-ping: IKC round trips to the LWK's echo port (docs/ikc.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "lwkboot/ikc.h"
#include "cmd.h"

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

int cmd_ikc_ping(int argc, char **argv)
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
		case 'h': return print_help(argv[0]);
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
	if (json_out)
		printf("{\"instance\":%d,\"messages\":%u,\"size\":%u,\"channel\":%u,"
		       "\"answered\":%u,\"rtt_min_ns\":%llu,\"rtt_median_ns\":%llu,"
		       "\"rtt_max_ns\":%llu,\"lost\":%u,\"out_of_order\":%u,\"corrupt\":%u}\n",
		       os_index, p.count, p.size, p.channel, got, got ? rtt[0] : 0,
		       got ? rtt[got / 2] : 0, got ? rtt[got - 1] : 0, p.lost, p.misordered,
		       p.corrupt);
	else
		printf("ikc-ping: %u messages of %u bytes on channel %u: rtt min %.1f us, median %.1f us, max %.1f us; lost %u, out of order %u, corrupt %u\n",
		       p.count, p.size, p.channel, got ? rtt[0] / 1e3 : 0.0,
		       got ? rtt[got / 2] / 1e3 : 0.0, got ? rtt[got - 1] / 1e3 : 0.0,
		       p.lost, p.misordered, p.corrupt);
	free(rtt);
	return p.lost || p.misordered || p.corrupt ? 1 : 0;
}
