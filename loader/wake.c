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

/* Polls every core's stage until all have jumped or the timeout passes. */
static int wait_arrival(struct wake *w)
{
	const struct lwkb_wake_params *wp = w->wp;
	struct lwkb_wake_core *c;
	lwkb_u32 i, left;

	for (;;) {
		left = 0;
		for (i = 0; i < w->n; i++) {
			lwkb_u32 st = stage(w, i);

			c = &w->cores[i];
			if (st == LWKB_STAGE_JUMPED && c->stage != LWKB_STAGE_JUMPED)
				c->elapsed_us = w->waited;
			c->stage = st;
			if (st != LWKB_STAGE_JUMPED)
				left++;
		}
		if (!left)
			return 0;
		if (w->waited >= wp->timeout_us)
			break;
		w->pf->udelay(w->pf->ctx, wp->poll_us);
		w->waited += wp->poll_us;
	}
	for (i = 0; i < w->n; i++) {
		c = &w->cores[i];
		if (c->stage != LWKB_STAGE_JUMPED)
			lwkb_logf(w->pf, "wake: core %u (cpu %u, APIC id %u) did not arrive within %u us: last stage %s",
				  c->lwk_id, c->host_cpu, c->apic_id, wp->timeout_us,
				  lwkb_stage_name(c->stage));
	}
	lwkb_logf(w->pf, "wake: %u core(s) of this call ran the real-mode part of the page, %u found no slot",
		  __atomic_load_n(&lwkb_tramp_data(w->page)->entered, __ATOMIC_ACQUIRE),
		  __atomic_load_n(&lwkb_tramp_data(w->page)->stray, __ATOMIC_ACQUIRE));
	return -LWKB_ETIMEDOUT;
}

/*
 * After a failure.  A core that never entered the page may still take a
 * SIPI that is pending in its local APIC (seen under QEMU/TCG on a loaded
 * host: the INIT was handled late, the SIPIs after the host gave up).  It
 * would then run the page with a page table the host frees on failure.
 * So its slot is retired first: a late core finds no slot, counts itself
 * in 'stray' and halts in 32-bit mode, touching nothing.  Then INIT every
 * core that has not jumped: it goes back to wait-for-SIPI and will not run
 * the page (or anything) later.
 */
static void park(struct wake *w)
{
	lwkb_u32 i;

	for (i = 0; i < w->n; i++)
		if (stage(w, i) == LWKB_STAGE_NONE)
			__atomic_store_n(&w->slots[i].apic_id, LWKB_TRAMP_SLOT_RETIRED,
					 __ATOMIC_SEQ_CST);
	for (i = 0; i < w->n; i++)
		if (stage(w, i) != LWKB_STAGE_JUMPED)
			w->pf->send_init(w->pf->ctx, w->cores[i].apic_id);
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
	if (rc)
		park(&w);
	return rc;
}
