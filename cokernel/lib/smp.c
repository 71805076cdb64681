// SPDX-License-Identifier: MIT
/*
 * Starting further LWK cores from inside the LWK (IHK spec 1.2.3.12,
 * ihk_mc_boot_cpu), with loader/'s waker, the trampoline page the host
 * left for us (boot_info.tramp_phys), its slot table (slots_phys, room
 * for every core) and its temporary page table.
 */
#include "internal.h"

int lwk_drop_sipi_core = -1;

static int lwk_send_init(void *ctx, lwkb_u32 apic_id)
{
	(void)ctx;
	return lwkb_apic_send_init(&lwk_apic, apic_id);
}

static int lwk_send_sipi(void *ctx, lwkb_u32 apic_id, lwkb_u8 vector)
{
	(void)ctx;
	if (lwk_drop_sipi_core >= 0 && (lwkb_u32)lwk_drop_sipi_core < lwk_bi->nr_cores &&
	    lwkb_bi_cores(lwk_bi)[lwk_drop_sipi_core].apic_id == apic_id)
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
		wc[i].apic_id = lwkb_bi_cores(lwk_bi)[id].apic_id;
		wc[i].lwk_id = (lwkb_u32)id;
		wc[i].host_cpu = lwkb_bi_cores(lwk_bi)[id].host_cpu;
		wc[i].stack_top = lwkb_stack_top(lwk_bi, (lwkb_u32)id);
	}
	lwkb_wake_defaults(&wp);
	if (!lwk_karg_u64("lwkboot.init_delay_us", &v))
		wp.init_delay_us = (lwkb_u32)v;
	if (!lwk_karg_u64("lwkboot.wake_timeout_ms", &v))
		wp.timeout_us = (lwkb_u32)(v * 1000);
	lwkb_tramp_set_entry(page, pc, (lwkb_u64)(__UINTPTR_TYPE__)lwk_bi,
			     lwk_bi->image_phys);
	rc = lwkb_wake_cores(&lwk_platform, page, lwk_bi->tramp_phys,
			     phys_to_virt(lwk_bi->slots_phys), lwk_bi->slots_max, wc,
			     (lwkb_u32)n, &wp);
	return rc;
}

int ihk_mc_boot_cpu(int cpu_id, unsigned long pc)
{
	lwkb_u32 i;
	int id;

	for (i = 0; i < lwk_bi->nr_cores; i++)
		if (lwkb_bi_cores(lwk_bi)[i].apic_id == (lwkb_u32)cpu_id)
			break;
	if (i == lwk_bi->nr_cores) {
		lwk_printk("ihk_mc_boot_cpu: APIC id %d is not an LWK core\n", cpu_id);
		return -LWKB_EINVAL;
	}
	id = (int)i;
	return lwk_boot_cpus(&id, 1, pc);
}
