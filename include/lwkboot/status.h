/* SPDX-License-Identifier: MIT */
/*
 * OS instance status values and the shared status page.
 *
 * The values and their order are those of enum ihklib_os_status in the IHK
 * specification 1.7.1, section 1.2.2.20 (ihk_os_get_status).
 */
#ifndef LWKBOOT_STATUS_H
#define LWKBOOT_STATUS_H

#include "types.h"

enum lwkb_os_status {
	LWKB_STATUS_INACTIVE = 0,	/* before boot / after shutdown */
	LWKB_STATUS_BOOTING = 1,	/* boot requested, not every core up */
	LWKB_STATUS_RUNNING = 2,	/* every LWK core is up */
	LWKB_STATUS_SHUTDOWN = 3,	/* shutting down */
	LWKB_STATUS_PANIC = 4,		/* the LWK panicked (reason in kmsg) */
	LWKB_STATUS_HUNGUP = 5,		/* heartbeat stopped */
	LWKB_STATUS_FREEZING = 6,	/* moving to the frozen state */
	LWKB_STATUS_FROZEN = 7,		/* frozen */
	LWKB_STATUS_NR
};

/* Names as printed by the tools ("RUNNING", ...); NULL past the end. */
static inline const char *lwkb_status_name(lwkb_u32 s)
{
	static const char *const names[LWKB_STATUS_NR] = {
		"INACTIVE", "BOOTING", "RUNNING", "SHUTDOWN",
		"PANIC", "HUNGUP", "FREEZING", "FROZEN",
	};
	return s < LWKB_STATUS_NR ? names[s] : (const char *)0;
}

#define LWKB_STATUS_MAGIC 0x54415453424b574cULL	/* "LWKBSTAT" */

/*
 * One page the host allocates and both sides write: the status word and
 * what a monitor needs to tell a live LWK from a dead one.  Aligned 32/64-bit
 * loads and stores (atomic on x86-64).
 *
 * Lifecycle: the host sets BOOTING and starts LWK core 0; the LWK sets
 * RUNNING once every core is up and then increments heartbeat from its
 * timer (every 10 ms in the demo library).  The host calls the LWK HUNGUP
 * when the heartbeat stops for longer than its limit while RUNNING.
 * Graceful shutdown: the host sets SHUTDOWN and shutdown_req = 1; every LWK
 * core notices it at its next timer tick, increments cores_parked and halts
 * with interrupts off (INIT can always take such a core); the host waits
 * for cores_parked == cores, bounded, then INITs every core either way.
 */
struct lwkb_status_page {
	lwkb_u64 magic;		/* LWKB_STATUS_MAGIC, set by the host */
	lwkb_u32 status;	/* enum lwkb_os_status */
	lwkb_u32 cores_up;	/* LWK cores that reached their C entry */
	lwkb_u64 heartbeat;	/* incremented by the LWK while it runs */
	lwkb_u32 panic_core;	/* LWK core id that set PANIC */
	lwkb_u32 panic_vector;	/* exception vector, or 0xffffffff */
	lwkb_u32 shutdown_req;	/* host: 1 = park every core now */
	lwkb_u32 cores_parked;	/* LWK: cores that parked for shutdown */
	/*
	 * Interrupts the LWK did not ask for, counted on every core: a host
	 * that broadcasts IPIs (all-but-self shorthand) reaches the LWK's cores
	 * too.  The LWK acknowledges them and goes on; the host shows them.
	 */
	lwkb_u64 stray_irqs;	/* LWK: interrupts at vectors it does not use */
	lwkb_u32 stray_vector;	/* LWK: the last such vector */
	lwkb_u32 nmis;		/* LWK: NMIs received (counted, then ignored) */
	lwkb_u64 reserved[1];
};
LWKB_STATIC_ASSERT(sizeof(struct lwkb_status_page) == 64, "status page layout");

#endif /* LWKBOOT_STATUS_H */
