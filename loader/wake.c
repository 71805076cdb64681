// SPDX-License-Identifier: MIT
/*
 * Waking cores with INIT-SIPI-SIPI (Intel SDM vol. 3A, "MP Initialization
 * Example": INIT, 10 ms, SIPI, 200 us, SIPI; the second SIPI exists
 * because a STARTUP IPI is not retried if delivery fails).
 *
 * Batched as Linux (6.5+ parallel bring-up) and Zircon do: INIT to every
 * core, one delay, SIPI to every core, then the second SIPI only to cores
 * that have not entered the trampoline, then one polling loop over all
 * stage words.  So n cores cost about one core's delays.
 */
#include "lwkb_loader.h"

void lwkb_wake_defaults(struct lwkb_wake_params *wp)
{
	wp->init_delay_us = 10000;
	wp->sipi_delay_us = 200;
	wp->timeout_us = 1000000;
	wp->poll_us = 10;
}

static lwkb_u32 stage_of(struct lwkb_tramp_slot *s)
{
	return __atomic_load_n(&s->stage, __ATOMIC_ACQUIRE);
}

/* One call of lwkb_wake_cores. */
struct wake {
	const struct lwkb_platform *pf;
	const struct lwkb_wake_params *wp;
	struct lwkb_wake_core *cores;
	lwkb_u32 n;
	void *page;
	struct lwkb_tramp_slot *slots;		/* cores[i] has slots[i] */
	lwkb_u32 room;				/* slots the caller has */
	lwkb_u8 vector;				/* the page's SIPI vector */
	lwkb_u32 waited;			/* us since the first SIPI */
};

static lwkb_u32 stage(const struct wake *w, lwkb_u32 i)
{
	return stage_of(&w->slots[i]);
}

/* A slot for every core (stack and APIC id), all cores' results reset. */
static int add_slots(struct wake *w, void *page)
{
	struct lwkb_wake_core *c;
	lwkb_u32 i;
	int rc;

	rc = lwkb_tramp_clear_slots(page, w->slots, w->room);
	if (rc) {
		lwkb_logf(w->pf, "wake: the page's slot table room %u is not the %u slots given",
			  lwkb_tramp_data(page)->max_slots, w->room);
		return rc;
	}
	for (i = 0; i < w->n; i++) {
		c = &w->cores[i];
		rc = lwkb_tramp_add_slot(page, w->slots, w->room, c->apic_id, c->stack_top);
		if (rc < 0) {
			lwkb_logf(w->pf, "wake: core %u (APIC id %u): %s", c->lwk_id,
				  c->apic_id, rc == -LWKB_EEXIST ?
				  "APIC id listed twice" : rc == -LWKB_ENOSPC ?
				  "more cores than the slot table has room for" : "bad stack");
			return rc;
		}
		if ((lwkb_u32)rc != i)
			return -LWKB_EINVAL;	/* slots fill in order after clear_slots */
		c->stage = LWKB_STAGE_NONE;
		c->sipis = 0;
		c->elapsed_us = 0;
	}
	return 0;
}

/*
 * One IPI to each core: INIT (sipi 0), the first SIPI (1) or the second
 * SIPI (2), the second only to cores that have not entered the page.
 */
static int send_each(struct wake *w, lwkb_u32 sipi)
{
	static const char *const what[] = { "INIT", "SIPI", "second SIPI" };
	const struct lwkb_platform *pf = w->pf;
	struct lwkb_wake_core *c;
	lwkb_u32 i;
	int rc;

	for (i = 0; i < w->n; i++) {
		c = &w->cores[i];
		if (sipi == 2 && stage(w, i) != LWKB_STAGE_NONE)
			continue;
		rc = sipi ? pf->send_sipi(pf->ctx, c->apic_id, w->vector)
			  : pf->send_init(pf->ctx, c->apic_id);
		if (rc) {
			lwkb_logf(pf, "wake: %s to core %u (APIC id %u) failed: %d",
				  what[sipi], c->lwk_id, c->apic_id, rc);
			return rc;
		}
		if (sipi)
			c->sipis = sipi;
	}
	return 0;
}

/*
 * One look at every core's stage word: records it in cores[i].stage (and
 * when a core is first seen jumped); returns how many have not jumped.
 */
static lwkb_u32 look(struct wake *w)
{
	struct lwkb_wake_core *c;
	lwkb_u32 i, left = 0;

	for (i = 0; i < w->n; i++) {
		lwkb_u32 st = stage(w, i);

		c = &w->cores[i];
		if (st == LWKB_STAGE_JUMPED && c->stage != LWKB_STAGE_JUMPED)
			c->elapsed_us = w->waited;
		c->stage = st;
		if (st != LWKB_STAGE_JUMPED)
			left++;
	}
	return left;
}

/* Polls every core's stage until all have jumped or the timeout passes. */
static int wait_arrival(struct wake *w)
{
	const struct lwkb_wake_params *wp = w->wp;

	for (;;) {
		if (!look(w))
			return 0;
		if (w->waited >= wp->timeout_us)
			return -LWKB_ETIMEDOUT;
		w->pf->udelay(w->pf->ctx, wp->poll_us);
		w->waited += wp->poll_us;
	}
}

/* After park(): the cores that did not arrive, and the page's counts. */
static void log_missing(const struct wake *w)
{
	const struct lwkb_wake_core *c;
	lwkb_u32 i;

	for (i = 0; i < w->n; i++) {
		c = &w->cores[i];
		if (c->stage != LWKB_STAGE_JUMPED)
			lwkb_logf(w->pf, "wake: core %u (cpu %u, APIC id %u) did not arrive within %u us: last stage %s",
				  c->lwk_id, c->host_cpu, c->apic_id, w->wp->timeout_us,
				  lwkb_stage_name(c->stage));
	}
	lwkb_logf(w->pf, "wake: %u core(s) of this call ran the real-mode part of the page, %u found no slot",
		  __atomic_load_n(&lwkb_tramp_data(w->page)->entered, __ATOMIC_ACQUIRE),
		  __atomic_load_n(&lwkb_tramp_data(w->page)->stray, __ATOMIC_ACQUIRE));
}

/*
 * After a failure (a timeout, or an IPI that could not be sent).
 *
 * One last look at every stage decides, and it is also what the caller is
 * told (cores[i].stage): a core seen jumped is left running, every other
 * core is stopped, even one that jumps a moment after that look.  Deciding
 * on a second look, as this did before, left a core that jumped between
 * the two looks (under QEMU/TCG on a loaded host a late core does: the log
 * lines of the timeout take milliseconds) running the LWK while the call
 * failed: the host then freed the page table it still ran on, never INITed
 * it nor the cores it went on to start, and wrote the next boot's image
 * over the code they ran.  Nothing is logged before the INITs.
 *
 * First every such core's slot is retired, so that a core that runs the
 * page later (a SIPI still pending in its local APIC: QEMU keeps a pending
 * SIPI across an INIT) finds no slot, counts itself in 'stray' and halts
 * in 32-bit mode, touching nothing.  Then each gets an INIT: whatever mode
 * it is in (real, protected, long, or already in the LWK's entry), INIT
 * resets it and leaves it in wait-for-SIPI (SDM vol. 3A, "MP
 * Initialization Protocol"), where it runs nothing until the next
 * INIT-SIPI-SIPI.  Returns how many cores it stopped.
 */
static lwkb_u32 park(struct wake *w)
{
	lwkb_u32 i, stopped = 0;

	look(w);
	for (i = 0; i < w->n; i++)
		if (w->cores[i].stage != LWKB_STAGE_JUMPED)
			__atomic_store_n(&w->slots[i].apic_id, LWKB_TRAMP_SLOT_RETIRED,
					 __ATOMIC_SEQ_CST);
	for (i = 0; i < w->n; i++)
		if (w->cores[i].stage != LWKB_STAGE_JUMPED) {
			w->pf->send_init(w->pf->ctx, w->cores[i].apic_id);
			stopped++;
		}
	return stopped;
}

int lwkb_wake_cores(const struct lwkb_platform *pf, void *page,
		    lwkb_u64 page_phys, struct lwkb_tramp_slot *slots, lwkb_u32 room,
		    struct lwkb_wake_core *cores,
		    lwkb_u32 n, const struct lwkb_wake_params *wp)
{
	struct wake w = {
		.pf = pf, .wp = wp, .cores = cores, .n = n,
		.page = page, .slots = slots, .room = room, .vector = (lwkb_u8)(page_phys >> 12),
	};
	int rc;

	if (!n || n > LWKB_TRAMP_MAX_SLOTS || !wp->poll_us)
		return -LWKB_EINVAL;
	if (lwkb_tramp_data(page)->magic != LWKB_TRAMP_MAGIC ||
	    lwkb_tramp_data(page)->page_phys != page_phys)
		return -LWKB_EINVAL;
	rc = add_slots(&w, page);
	if (rc < 0)
		return rc;
	/* Slots must be visible before any core can run the page. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	rc = send_each(&w, 0);
	if (!rc) {
		if (wp->init_delay_us)
			pf->udelay(pf->ctx, wp->init_delay_us);
		rc = send_each(&w, 1);
	}
	if (!rc) {
		if (wp->sipi_delay_us) {
			pf->udelay(pf->ctx, wp->sipi_delay_us);
			w.waited += wp->sipi_delay_us;
		}
		rc = send_each(&w, 2);
	}
	if (!rc)
		rc = wait_arrival(&w);
	if (rc == -LWKB_ETIMEDOUT) {
		/* Every core that arrived by the last look is a success. */
		if (!park(&w))
			return 0;
		log_missing(&w);
	} else if (rc) {
		park(&w);
	}
	return rc;
}
