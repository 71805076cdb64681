// SPDX-License-Identifier: MIT
/*
 * Time: delays against the TSC frequency the host measured, and the local
 * APIC timer that gives every core its tick (heartbeat, freeze and
 * shutdown requests, lwk_tick()).
 */
#include "internal.h"
#include "lwkb_cpu.h"

#define TMR_FULL	0xffffffffu	/* the largest initial count: 32 bits */

lwkb_u64 lwk_ticks;
static lwkb_u32 timer_count;	/* LAPIC timer counts per tick, measured once */

lwkb_u64 lwk_rdtsc(void)
{
	return lwkb_rdtsc();
}

static lwkb_u64 tsc_khz(void)
{
	/* Unknown: assume 4 GHz, which only makes delays longer. */
	return lwk_bi && lwk_bi->tsc_khz ? lwk_bi->tsc_khz : 4000000;
}

void lwk_udelay(lwkb_u32 us)
{
	lwkb_u64 t0 = lwk_rdtsc(), n = (lwkb_u64)us * tsc_khz() / 1000;

	while (lwk_rdtsc() - t0 < n)
		__builtin_ia32_pause();
}

lwkb_u64 lwk_ms_since(lwkb_u64 tsc0)
{
	return (lwk_rdtsc() - tsc0) / tsc_khz();
}

lwkb_u64 lwk_us_since(lwkb_u64 tsc0)
{
	return (lwk_rdtsc() - tsc0) * 1000 / tsc_khz();
}

/*
 * Periodic LAPIC timer at LWK_TICK_MS (SDM vol. 3A, 10.5.4 "APIC Timer"):
 * divide by 1, counts per tick measured once against the TSC the host
 * calibrated.
 */
void lwk_timer_calibrate(void)
{
	lwk_apic_write(LWKB_APIC_REG_TMR_DIV, LWKB_APIC_TMR_DIV_1);
	lwk_apic_write(LWKB_APIC_REG_LVT_TIMER, LWKB_APIC_LVT_MASKED);
	lwk_apic_write(LWKB_APIC_REG_TMR_INIT, TMR_FULL);
	lwk_udelay(LWK_TICK_MS * 1000);
	timer_count = TMR_FULL - lwk_apic_read(LWKB_APIC_REG_TMR_CUR);
	lwk_apic_write(LWKB_APIC_REG_TMR_INIT, 0);
	if (!timer_count)
		timer_count = 1000000;
	lwk_printk("lwk: LAPIC timer: %u counts per %d ms tick\n", timer_count,
		   LWK_TICK_MS);
}

void lwk_timer_start(void)
{
	lwk_apic_write(LWKB_APIC_REG_TMR_DIV, LWKB_APIC_TMR_DIV_1);
	lwk_apic_write(LWKB_APIC_REG_LVT_TIMER,
		       LWK_TIMER_VECTOR | LWKB_APIC_LVT_TIMER_PERIODIC);
	lwk_apic_write(LWKB_APIC_REG_TMR_INIT, timer_count);
}

/* Park: interrupts off, timer stopped, halted; INIT can take us. */
static void park(int id)
{
	struct lwk_cpu *c = lwk_cpu_self();

	lwk_apic_write(LWKB_APIC_REG_TMR_INIT, 0);
	lwk_printk("lwk: core %d parked: %llu stray interrupts (last vector 0x%x), %u NMIs\n",
		   id, (unsigned long long)c->strays, c->stray_vector, c->nmis);
	__atomic_fetch_add(&lwk_st->cores_parked, 1, __ATOMIC_ACQ_REL);
	lwk_halt();
}

/* Called from isr_timer (entry.asm). */
void lwk_timer_irq(void);
void lwk_timer_irq(void)
{
	int id = lwk_this_core();
	struct lwkb_status_page *st = lwk_st;

	lwk_apic_eoi();
	if (id == 0) {
		lwk_ticks++;
		__atomic_fetch_add(&st->heartbeat, 1, __ATOMIC_RELAXED);
	}
	if (__atomic_load_n(&st->freeze_req, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&st->shutdown_req, __ATOMIC_ACQUIRE))
		lwk_freeze();
	if (__atomic_load_n(&st->shutdown_req, __ATOMIC_ACQUIRE))
		park(id);
	if (id == 0)
		lwk_ikc_poll();	/* a lost doorbell costs at most one tick */
	lwk_tick(id, __atomic_load_n(&lwk_ticks, __ATOMIC_RELAXED) * LWK_TICK_MS);
}

void lwk_idle(void)
{
	lwk_timer_start();
	for (;;)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}
