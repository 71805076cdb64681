// SPDX-License-Identifier: MIT
/*
 * After LWK core 0 started: copy the kmsg ring to COM1 as it fills until
 * the LWK is RUNNING with every core and its heartbeat moves, panics, or
 * runs out of time, then end with the verdict (console.c's host_finish).
 */
#include "host.h"
#include "lwkb_cpu.h"

#define ALIVE_BEATS	5	/* RUNNING counts once the heartbeat moved this much */

struct watch {
	const struct host_watch *in;
	lwkb_u64 deadline;	/* TSC */
	lwkb_u64 first_sipi_tsc;	/* 0 once the timing line is out */
	lwkb_u64 beat0;		/* heartbeat when RUNNING was first seen */
	lwkb_u64 beat0_tsc;
	lwkb_u64 pos, lost;	/* kmsg reader */
};

static lwkb_u32 load(const lwkb_u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static lwkb_u64 heartbeat(const struct watch *w)
{
	return __atomic_load_n(&w->in->st->heartbeat, __ATOMIC_ACQUIRE);
}

/* Is there a verdict yet: PANIC, out of time, or RUNNING, all up and alive? */
static int settled(struct watch *w)
{
	lwkb_u32 status = load(&w->in->st->status), up = load(&w->in->st->cores_up);
	int all_running = status == LWKB_STATUS_RUNNING && up >= w->in->asked;
	int late = lwkb_rdtsc() > w->deadline;

	if (all_running && !w->beat0_tsc) {
		w->beat0_tsc = lwkb_rdtsc();
		w->beat0 = heartbeat(w);
	}
	if (all_running && w->first_sipi_tsc) {
		host_say("timing first_sipi_to_running_us=%llu cores=%u",
			 (unsigned long long)((lwkb_rdtsc() - w->first_sipi_tsc) * 1000 /
					      host_tsc_khz), w->in->asked);
		w->first_sipi_tsc = 0;
	}
	if (all_running && heartbeat(w) < w->beat0 + ALIVE_BEATS && !late)
		return 0;
	return status == LWKB_STATUS_PANIC || late || all_running;
}

static void copy_kmsg(struct watch *w)
{
	char buf[512];
	lwkb_size_t n;

	while ((n = lwkb_kmsg_read(w->in->kmsg, w->in->kmsg_size, &w->pos, buf,
				   sizeof(buf), &w->lost)) > 0)
		host_serial_write(buf, n);
}

static void verdict(struct watch *w) __attribute__((noreturn));
static void verdict(struct watch *w)
{
	lwkb_u32 status = load(&w->in->st->status), up = load(&w->in->st->cores_up);
	const char *name = lwkb_status_name(status);

	if (w->lost)
		host_say("kmsg: %llu bytes were overwritten before they were read",
			 (unsigned long long)w->lost);
	if (status == LWKB_STATUS_BOOTING)
		host_say("error: the LWK did not reach RUNNING within %u ms",
			 w->in->run_timeout_ms);
	if (status == LWKB_STATUS_RUNNING && heartbeat(w) < w->beat0 + ALIVE_BEATS) {
		host_say("error: RUNNING, but the heartbeat does not move: the LWK is hung");
		host_finish("HUNGUP", up, w->in->asked, 0);
	}
	host_finish(name ? name : "INVALID", up, w->in->asked,
		    status == LWKB_STATUS_RUNNING && up == w->in->asked);
}

void host_follow_lwk(const struct host_watch *in)
{
	struct watch w = {
		.in = in,
		.deadline = lwkb_rdtsc() + (lwkb_u64)in->run_timeout_ms * host_tsc_khz,
		.first_sipi_tsc = in->first_sipi_tsc,
	};

	for (;;) {
		int done = settled(&w);

		if (done)
			host_udelay(20000);	/* let the last lines land */
		copy_kmsg(&w);
		if (done)
			verdict(&w);
		host_udelay(1000);
	}
}
