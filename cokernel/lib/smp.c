// SPDX-License-Identifier: MIT
/*
 * Starting further LWK cores from inside the LWK (IHK spec 1.2.3.12,
 * ihk_mc_boot_cpu), with loader/'s waker, the trampoline page the host
 * left for us (boot_info.tramp_phys) and its temporary page table.
 */
#include "internal.h"

#define APIC_SVR	0x0f0
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define LVT_MASKED	(1u << 16)

struct lwkb_apic lwk_apic;
int lwk_drop_sipi_core = -1;
static void timer_calibrate(void);

static void apic_write(lwkb_u32 reg, lwkb_u32 v)
{
	lwkb_apic_write(&lwk_apic, reg, v);
}

/*
 * Put this core's local APIC in the mode the host chose, software-enable
 * it (SVR bit 8, spurious vector 0xff) and mask its local interrupts: the
 * LWK runs with interrupts off and wants no surprises later.
 */
void lwk_smp_init(void)
{
	lwk_apic.x2apic = 0;
	lwk_apic.mmio = phys_to_virt(lwk_bi->apic_phys);
	if (lwk_bi->apic_mode == LWKB_APIC_X2APIC &&
	    lwkb_apic_enable_x2apic(&lwk_apic))
		lwk_panic("the host uses x2APIC but this CPU has none");
	apic_write(APIC_LVT_TIMER, LVT_MASKED);
	apic_write(APIC_LVT_LINT0, LVT_MASKED);
	apic_write(APIC_LVT_LINT1, LVT_MASKED);
	apic_write(APIC_LVT_ERROR, LVT_MASKED);
	apic_write(APIC_SVR, 0x100 | LWK_SPURIOUS_VECTOR);
	lwk_printk("lwk: %s, APIC id %u\n", lwk_apic.x2apic ? "x2APIC" : "xAPIC",
		   lwkb_apic_self_id(&lwk_apic));
	timer_calibrate();
}

/* Further cores: the same local APIC set-up, without the calibration. */
void lwk_smp_init_ap(void)
{
	if (lwk_apic.x2apic)
		lwkb_apic_enable_x2apic(&lwk_apic);
	apic_write(APIC_LVT_LINT0, LVT_MASKED);
	apic_write(APIC_LVT_LINT1, LVT_MASKED);
	apic_write(APIC_LVT_ERROR, LVT_MASKED);
	apic_write(APIC_SVR, 0x100 | LWK_SPURIOUS_VECTOR);
}

static int lwk_send_init(void *ctx, lwkb_u32 apic_id)
{
	(void)ctx;
	return lwkb_apic_send_init(&lwk_apic, apic_id);
}

static int lwk_send_sipi(void *ctx, lwkb_u32 apic_id, lwkb_u8 vector)
{
	(void)ctx;
	if (lwk_drop_sipi_core >= 0 &&
	    lwk_bi->cores[lwk_drop_sipi_core].apic_id == apic_id)
		return 0;	/* test hook: the IPI is "lost" */
	return lwkb_apic_send_sipi(&lwk_apic, apic_id, vector);
}

static void lwk_delay(void *ctx, lwkb_u32 us)
{
	(void)ctx;
	lwk_udelay(us);
}

static void lwk_log(void *ctx, const char *msg)
{
	(void)ctx;
	lwk_printk("%s\n", msg);
}

static const struct lwkb_platform lwk_platform = {
	.send_init = lwk_send_init,
	.send_sipi = lwk_send_sipi,
	.udelay = lwk_delay,
	.log = lwk_log,
};

int lwk_boot_cpus(const int *lwk_ids, int n, unsigned long pc)
{
	static struct lwkb_wake_core wc[LWKB_MAX_CORES];
	struct lwkb_wake_params wp;
	void *page = phys_to_virt(lwk_bi->tramp_phys);
	lwkb_u64 v;
	int i, rc;

	if (n <= 0 || n > LWKB_MAX_CORES)
		return -LWKB_EINVAL;
	for (i = 0; i < n; i++) {
		int id = lwk_ids[i];

		if (id <= 0 || (lwkb_u32)id >= lwk_bi->nr_cores)
			return -LWKB_EINVAL;
		wc[i].apic_id = lwk_bi->cores[id].apic_id;
		wc[i].lwk_id = (lwkb_u32)id;
		wc[i].host_cpu = lwk_bi->cores[id].host_cpu;
		wc[i].stack_top = lwkb_stack_top(lwk_bi, (lwkb_u32)id);
	}
	lwkb_wake_defaults(&wp);
	if (!lwk_karg_u64("lwkboot.init_delay_us", &v))
		wp.init_delay_us = (lwkb_u32)v;
	if (!lwk_karg_u64("lwkboot.wake_timeout_ms", &v))
		wp.timeout_us = (lwkb_u32)(v * 1000);
	lwkb_tramp_set_entry(page, pc, (lwkb_u64)(__UINTPTR_TYPE__)lwk_bi,
			     lwk_bi->image_phys);
	rc = lwkb_wake_cores(&lwk_platform, page, lwk_bi->tramp_phys, wc,
			     (lwkb_u32)n, &wp);
	return rc;
}

int ihk_mc_boot_cpu(int cpu_id, unsigned long pc)
{
	lwkb_u32 i;
	int id;

	for (i = 0; i < lwk_bi->nr_cores; i++)
		if (lwk_bi->cores[i].apic_id == (lwkb_u32)cpu_id)
			break;
	if (i == lwk_bi->nr_cores) {
		lwk_printk("ihk_mc_boot_cpu: APIC id %d is not an LWK core\n", cpu_id);
		return -LWKB_EINVAL;
	}
	id = (int)i;
	return lwk_boot_cpus(&id, 1, pc);
}

/* ---- the LAPIC timer: heartbeat, shutdown requests, lwk_tick() ---- */
#define APIC_EOI	0x0b0
#define APIC_TMR_INIT	0x380
#define APIC_TMR_CUR	0x390
#define APIC_TMR_DIV	0x3e0
#define LVT_PERIODIC	(1u << 17)

lwkb_u64 lwk_ticks;
static lwkb_u32 timer_count;	/* LAPIC timer counts per tick, measured once */

static lwkb_u32 apic_read(lwkb_u32 reg)
{
	return lwkb_apic_read(&lwk_apic, reg);
}

void lwk_apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/*
 * Periodic LAPIC timer at LWK_TICK_MS (SDM vol. 3A, "APIC Timer"): divide by
 * 1, counts per tick measured once against the TSC the host calibrated.
 */
static void timer_calibrate(void)
{
	apic_write(APIC_TMR_DIV, 0xb);	/* divide by 1 */
	apic_write(APIC_LVT_TIMER, LVT_MASKED);
	apic_write(APIC_TMR_INIT, 0xffffffff);
	lwk_udelay(LWK_TICK_MS * 1000);
	timer_count = 0xffffffff - apic_read(APIC_TMR_CUR);
	apic_write(APIC_TMR_INIT, 0);
	if (!timer_count)
		timer_count = 1000000;
	lwk_printk("lwk: LAPIC timer: %u counts per %d ms tick\n", timer_count,
		   LWK_TICK_MS);
}

void lwk_timer_start(void)
{
	apic_write(APIC_TMR_DIV, 0xb);	/* divide by 1 */
	apic_write(APIC_LVT_TIMER, LWK_TIMER_VECTOR | LVT_PERIODIC);
	apic_write(APIC_TMR_INIT, timer_count);
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
	if (__atomic_load_n(&st->shutdown_req, __ATOMIC_ACQUIRE)) {
		/* Park: interrupts off, timer stopped, halted; INIT can take us. */
		struct lwk_cpu *c = lwk_cpu_self();

		apic_write(APIC_TMR_INIT, 0);
		lwk_printk("lwk: core %d parked: %llu stray interrupts (last vector 0x%x), %u NMIs\n",
			   id, (unsigned long long)c->strays, c->stray_vector, c->nmis);
		__atomic_fetch_add(&st->cores_parked, 1, __ATOMIC_ACQ_REL);
		lwk_halt();
	}
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
