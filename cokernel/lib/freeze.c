// SPDX-License-Identifier: MIT
/*
 * Freeze and thaw (IHK spec 1.2.2.32 and 1.2.2.33; the protocol is in
 * include/lwkboot/status.h): at its timer tick a core that sees the host's
 * freeze_req counts itself frozen and waits, interrupts off, until the
 * host clears freeze_req or asks for shutdown.  The count of frozen cores
 * is the library's own (the host could write the status page's copy); a
 * spinlock among the LWK's cores keeps it and the status word in step.
 * Only the timer tick calls lwk_freeze(), with interrupts off, so the lock
 * never spins against an interrupt on its own core; an NMI arriving while
 * a core waits saves its registers for a dump and returns into the wait.
 */
#include "internal.h"

static lwkb_u32 freeze_lock;
static lwkb_u32 frozen;		/* cores in lwk_freeze() now, under freeze_lock */
static lwkb_u64 frozen_tsc;	/* when the first of them came */

static void lock(void)
{
	while (__atomic_exchange_n(&freeze_lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&freeze_lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&freeze_lock, 0, __ATOMIC_RELEASE);
}

/*
 * The status word for n frozen cores of nr: RUNNING, FREEZING or FROZEN,
 * stored only over one of those three (a SHUTDOWN, PANIC or HUNGUP stays).
 * Returns 1 when the word is now what n says.  Under freeze_lock.
 */
static int set_frozen(lwkb_u32 n, lwkb_u32 nr)
{
	lwkb_u32 want = !n ? LWKB_STATUS_RUNNING :
			n >= nr ? LWKB_STATUS_FROZEN : LWKB_STATUS_FREEZING;
	lwkb_u32 old = __atomic_load_n(&lwk_st->status, __ATOMIC_ACQUIRE);

	__atomic_store_n(&lwk_st->cores_frozen, n, __ATOMIC_RELEASE);
	do {
		if (old != LWKB_STATUS_RUNNING && old != LWKB_STATUS_FREEZING &&
		    old != LWKB_STATUS_FROZEN)
			return 0;
		if (old == want)
			return 1;
	} while (!__atomic_compare_exchange_n(&lwk_st->status, &old, want, 0,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return 1;
}

static int thaw_asked(void)
{
	return !__atomic_load_n(&lwk_st->freeze_req, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&lwk_st->shutdown_req, __ATOMIC_ACQUIRE);
}

/*
 * Called from the timer tick, interrupts off, when freeze_req is set.  The
 * core that completes the freeze says so in kmsg, and so does the one
 * that ends it (unless a shutdown ended it).
 */
void lwk_freeze(void)
{
	lwkb_u32 nr = lwk_bi->nr_cores, n;
	lwkb_u64 since;
	int all, none;

	lock();
	n = ++frozen;
	if (n == 1)
		frozen_tsc = lwk_rdtsc();
	all = set_frozen(n, nr) && n >= nr;
	unlock();
	if (all)
		lwk_printk("lwk: frozen: all %u cores paused\n", n);

	while (!thaw_asked())
		__builtin_ia32_pause();

	lock();
	n = --frozen;
	none = set_frozen(n, nr) && !n;
	since = frozen_tsc;
	unlock();
	if (none)
		lwk_printk("lwk: thawed after %llu ms: all %u cores running\n",
			   (unsigned long long)lwk_ms_since(since), nr);
}
