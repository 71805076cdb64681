// SPDX-License-Identifier: MIT
/*
 * What the host handed the LWK and what the LWK tells it back: the
 * boot_info, the kmsg ring and the status page (include/lwkboot/status.h).
 * lwk_start() sets the three pointers before anything else runs.
 */
#include "internal.h"

struct lwkb_boot_info *lwk_bi;
struct lwkb_kmsg *lwk_kmsg;
struct lwkb_status_page *lwk_st;
int lwk_no_freeze;

struct lwkb_boot_info *lwk_boot_info(void)
{
	return lwk_bi;
}

struct lwkb_status_page *lwk_status(void)
{
	return lwk_st;
}

/*
 * RUNNING may only replace BOOTING: a core that panicked while core 0 was
 * waiting for the others must stay visible (and so must HUNGUP/SHUTDOWN
 * set by the host).  Every other transition is stored as asked.  Before
 * RUNNING the library says its cores honour a freeze, unless the LWK said
 * they do not: each core's timer tick does (freeze.c).
 */
void lwk_set_status(lwkb_u32 status)
{
	lwkb_u32 old;

	if (!lwk_st)
		return;
	if (status == LWKB_STATUS_RUNNING && !lwk_no_freeze)
		__atomic_store_n(&lwk_st->freeze_ready, 1, __ATOMIC_RELEASE);
	old = __atomic_load_n(&lwk_st->status, __ATOMIC_ACQUIRE);
	do {
		if (status == LWKB_STATUS_RUNNING && old != LWKB_STATUS_BOOTING)
			return;
	} while (!__atomic_compare_exchange_n(&lwk_st->status, &old, status, 0,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
}
