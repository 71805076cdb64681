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

int lwkb_wake_cores(const struct lwkb_platform *pf, void *page,
		    lwkb_u64 page_phys, struct lwkb_wake_core *cores,
		    lwkb_u32 n, const struct lwkb_wake_params *wp)
{
	struct lwkb_tramp_slot *slots = lwkb_tramp_slots(page);
	lwkb_u32 i, waited = 0, left, slot[LWKB_TRAMP_MAX_SLOTS];
	lwkb_u8 vector = (lwkb_u8)(page_phys >> 12);
	int rc;

	if (!n || n > LWKB_TRAMP_MAX_SLOTS || !wp->poll_us)
		return -LWKB_EINVAL;
	if (lwkb_tramp_data(page)->magic != LWKB_TRAMP_MAGIC ||
	    lwkb_tramp_data(page)->page_phys != page_phys)
		return -LWKB_EINVAL;
	lwkb_tramp_clear_slots(page);
	for (i = 0; i < n; i++) {
		rc = lwkb_tramp_add_slot(page, cores[i].apic_id, cores[i].stack_top);
		if (rc < 0) {
			lwkb_logf(pf, "wake: core %u (APIC id %u): %s", cores[i].lwk_id,
				  cores[i].apic_id, rc == -LWKB_EEXIST ?
				  "APIC id listed twice" : "bad stack or too many cores");
			return rc;
		}
		slot[i] = (lwkb_u32)rc;
		cores[i].stage = LWKB_STAGE_NONE;
		cores[i].sipis = 0;
		cores[i].elapsed_us = 0;
	}
	/* Slots must be visible before any core can run the page. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	for (i = 0; i < n; i++) {
		rc = pf->send_init(pf->ctx, cores[i].apic_id);
		if (rc) {
			lwkb_logf(pf, "wake: INIT to core %u (APIC id %u) failed: %d",
				  cores[i].lwk_id, cores[i].apic_id, rc);
			goto park;
		}
	}
	if (wp->init_delay_us)
		pf->udelay(pf->ctx, wp->init_delay_us);
	for (i = 0; i < n; i++) {
		rc = pf->send_sipi(pf->ctx, cores[i].apic_id, vector);
		if (rc) {
			lwkb_logf(pf, "wake: SIPI to core %u (APIC id %u) failed: %d",
				  cores[i].lwk_id, cores[i].apic_id, rc);
			goto park;
		}
		cores[i].sipis = 1;
	}
	if (wp->sipi_delay_us) {
		pf->udelay(pf->ctx, wp->sipi_delay_us);
		waited += wp->sipi_delay_us;
	}
	for (i = 0; i < n; i++) {
		if (stage_of(&slots[slot[i]]) != LWKB_STAGE_NONE)
			continue;
		rc = pf->send_sipi(pf->ctx, cores[i].apic_id, vector);
		if (rc) {
			lwkb_logf(pf, "wake: second SIPI to core %u (APIC id %u) failed: %d",
				  cores[i].lwk_id, cores[i].apic_id, rc);
			goto park;
		}
		cores[i].sipis = 2;
	}

	for (;;) {
		left = 0;
		for (i = 0; i < n; i++) {
			lwkb_u32 st = stage_of(&slots[slot[i]]);

			if (st == LWKB_STAGE_JUMPED && cores[i].stage != LWKB_STAGE_JUMPED)
				cores[i].elapsed_us = waited;
			cores[i].stage = st;
			if (st != LWKB_STAGE_JUMPED)
				left++;
		}
		if (!left)
			return 0;
		if (waited >= wp->timeout_us)
			break;
		pf->udelay(pf->ctx, wp->poll_us);
		waited += wp->poll_us;
	}
	rc = -LWKB_ETIMEDOUT;
	for (i = 0; i < n; i++)
		if (cores[i].stage != LWKB_STAGE_JUMPED)
			lwkb_logf(pf, "wake: core %u (cpu %u, APIC id %u) did not arrive within %u us: last stage %s",
				  cores[i].lwk_id, cores[i].host_cpu,
				  cores[i].apic_id, wp->timeout_us,
				  lwkb_stage_name(cores[i].stage));
park:
	/*
	 * A core that never entered the page may still take a SIPI that is
	 * pending in its local APIC (seen under QEMU/TCG on a loaded host:
	 * the INIT was handled late, the SIPIs after the host gave up).  It
	 * would then run the page with a page table the host frees on
	 * failure.  So its slot is retired first: a late core finds no slot,
	 * counts itself in 'stray' and halts in real mode, touching nothing.
	 * Then INIT every core that has not jumped: it goes back to
	 * wait-for-SIPI and will not run the page (or anything) later.
	 */
	for (i = 0; i < n; i++)
		if (stage_of(&slots[slot[i]]) == LWKB_STAGE_NONE)
			__atomic_store_n(&slots[slot[i]].apic_id, LWKB_TRAMP_SLOT_RETIRED,
					 __ATOMIC_SEQ_CST);
	for (i = 0; i < n; i++)
		if (stage_of(&slots[slot[i]]) != LWKB_STAGE_JUMPED)
			pf->send_init(pf->ctx, cores[i].apic_id);
	return rc;
}
