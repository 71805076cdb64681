// SPDX-License-Identifier: GPL-2.0
/*
 * Boot and shutdown of an OS instance.
 *
 * Boot uses loader/ exactly as the EFI host does: lwkb_prepare() checks the
 * ELF (segments must fit the instance's first memory chunk) before any byte
 * is copied, builds the temporary page table in pages below 4 GiB
 * (GFP_DMA32) and installs the trampoline in this instance's page of the
 * region reserved with memmap=; lwkb_wake_cores() then starts LWK core 0.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/ktime.h>
#include <linux/security.h>
#include <linux/sched/signal.h>
#include <asm/apic.h>
#include <asm/msr.h>
#include <asm/smp.h>
#include "lwkboot.h"
#include "lwkboot/ikc.h"

/* ---- the platform loader/ runs on, inside Linux ---- */
struct kplat {
	struct lwkb_os *os;
};

static int k_send_init(void *ctx, u32 apic_id)
{
	return lwkb_send_ipi(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT, apic_id);
}

static int k_send_sipi(void *ctx, u32 apic_id, u8 vector)
{
	return lwkb_send_ipi(APIC_DM_STARTUP | vector, apic_id);
}

static void k_udelay(void *ctx, u32 us)
{
	if (us >= 1000)
		usleep_range(us, us + us / 8);
	else
		udelay(us);
}

static void k_log(void *ctx, const char *msg)
{
	struct kplat *p = ctx;

	pr_info("os%d: %s\n", p->os->index, msg);
}

/* ---- helpers ---- */
/* This CPU's local APIC registers (the base field of IA32_APIC_BASE). */
static u64 apic_phys(void)
{
	u64 apic_base;

	rdmsrl(MSR_IA32_APICBASE, apic_base);
	return apic_base & LWKB_APIC_BASE_ADDR;
}

static u64 ident_end(void)
{
	u64 end = 0;
	int nid;

	for_each_online_node(nid)
		end = max_t(u64, end, PFN_PHYS(node_end_pfn(nid)));
	return max_t(u64, end, apic_phys() + PAGE_SIZE);
}

/* LWK NUMA id of Linux node nid, adding it to boot_info if new. */
static u32 lwk_numa(struct lwkb_boot_info *bi, int nid)
{
	u32 i, j;

	for (i = 0; i < bi->nr_numa; i++)
		if (bi->numa[i].host_id == (u32)nid)
			return i;
	if (lwkb_bootinfo_add_numa(bi, nid, 0))
		return 0;
	for (j = 0; j < bi->nr_numa; j++) {
		bi->numa_distance[i][j] = node_distance(nid, bi->numa[j].host_id);
		bi->numa_distance[j][i] = node_distance(bi->numa[j].host_id, nid);
	}
	return i;
}

static void free_boot_pages(struct lwkb_os *os)
{
	if (os->pt) {
		lwkb_free_pages(os->pt, os->pt_order);
		os->pt = NULL;
	}
}

/* ---- boot ---- */

/*
 * Loading and booting a co-kernel put code of the caller's choice in ring
 * 0, as kexec does.  Neither while the instance is booted, nor when the
 * kernel is locked down for kexec (security/lockdown; integrity mode and
 * above), nor once Linux is going down (the reboot notifier has run).
 */
int lwkb_may_take_code(struct lwkb_os *os)
{
	int ret;

	if (os->booted)
		return -EBUSY;
	ret = security_locked_down(LOCKDOWN_KEXEC);
	if (ret) {
		pr_err("os%d: the kernel is locked down: loading or booting a co-kernel is refused, as kexec is\n",
		       os->index);
		return ret;
	}
	if (READ_ONCE(lwkb_going_down)) {
		pr_err("os%d: Linux is going down (reboot or kexec)\n", os->index);
		return -ESHUTDOWN;
	}
	return 0;
}

/*
 * Every assigned CPU must still be what reserve made it: offline in Linux,
 * present, with an APIC id the module may INIT.  Checked under the CPU
 * hotplug lock; afterwards the hotplug guard (lwkb_cpu_guard) keeps a
 * reserved CPU offline.  A CPU that was hot-removed has BAD_APICID, which
 * as an xAPIC destination would be the broadcast id.
 */
static int check_cpus(struct lwkb_os *os)
{
	unsigned int cpu;
	int ret = 0;

	cpus_read_lock();
	for_each_cpu(cpu, os->cpus) {
		if (!cpumask_test_cpu(cpu, lwkb_reserved_cpus) || cpu_online(cpu)) {
			pr_err("os%d: CPU %u is online in Linux: it cannot run the LWK\n",
			       os->index, cpu);
			ret = -EBUSY;
			break;
		}
		if (!cpu_present(cpu) || !lwkb_apic_id_ok(cpu_physical_id(cpu))) {
			pr_err("os%d: CPU %u is no longer present (APIC id 0x%x): release it\n",
			       os->index, cpu, cpu_physical_id(cpu));
			ret = -ENODEV;
			break;
		}
	}
	cpus_read_unlock();
	return ret;
}

/* What boot needs before it changes anything. */
static int boot_ready(struct lwkb_os *os, struct lwkb_chunk **img)
{
	unsigned int n, page;
	int ret;

	ret = lwkb_may_take_code(os);
	if (ret)
		return ret;
	if (!os->image) {
		pr_err("os%d: no image loaded\n", os->index);
		return -EINVAL;
	}
	if (cpumask_empty(os->cpus)) {
		pr_err("os%d: no CPU assigned\n", os->index);
		return -EINVAL;
	}
	*img = lwkb_first_chunk(os);
	if (!*img) {
		pr_err("os%d: no memory assigned\n", os->index);
		return -EINVAL;
	}
	if (!tramp_addr) {
		pr_err("no trampoline page: reserve one below 1 MiB with memmap=4K$ADDR and load with tramp_addr=ADDR\n");
		return -ENODEV;
	}
	if (cpumask_weight(os->cpus) > LWKB_MAX_CORES) {
		pr_err("os%d: %u CPUs assigned, at most %d\n", os->index,
		       cpumask_weight(os->cpus), LWKB_MAX_CORES);
		return -EINVAL;
	}
	/* Each LWK reuses its page to start its own cores: no sharing while booted. */
	page = os->index % tramp_pages;
	for (n = 0; n < LWKB_MAX_OS; n++)
		if (lwkb_oses[n] && lwkb_oses[n] != os && lwkb_oses[n]->booted &&
		    n % tramp_pages == page) {
			pr_err("os%d: trampoline page 0x%lx is in use by os%u; reserve more with tramp_pages\n",
			       os->index, tramp_addr + page * PAGE_SIZE, n);
			return -EBUSY;
		}
	return check_cpus(os);
}

/*
 * The status area: the status page and every core's register save area
 * (status.h).  Kept until destroy, so a dump after shutdown still has it;
 * a boot with more cores than it has room for gets a larger one (the old
 * one, and the last boot's saves, go only once the new one is had).
 */
static int alloc_status_area(struct lwkb_os *os, u32 cores)
{
	unsigned int order = get_order(LWKB_STATUS_AREA_SIZE(cores));
	struct page *pg;

	if (os->status_page && (PAGE_SIZE << os->status_order) >= LWKB_STATUS_AREA_SIZE(cores))
		return 0;
	pg = lwkb_alloc_pages(NUMA_NO_NODE, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, order);
	if (!pg) {
		pr_err("os%d: no %lu KiB for the status area of %u cores\n", os->index,
		       (PAGE_SIZE << order) >> 10, cores);
		return -ENOMEM;
	}
	if (os->status_page)
		lwkb_free_pages(os->status_page, os->status_order);
	os->last.valid = false;
	os->status_page = pg;
	os->status = page_address(pg);
	os->status_order = order;
	return 0;
}

/*
 * kmsg, status and the IKC area: allocated at the first boot (the status
 * area grown when a boot has more cores), kept until destroy.
 */
static int alloc_shared_pages(struct lwkb_os *os)
{
	int ret;

	if (!os->kmsg_page) {
		os->kmsg_page = lwkb_alloc_pages(NUMA_NO_NODE, GFP_KERNEL | __GFP_ZERO,
						 LWKB_KMSG_ORDER);
		if (!os->kmsg_page)
			return -ENOMEM;
		os->kmsg = page_address(os->kmsg_page);
		lwkb_kmsg_init(os->kmsg, LWKB_KMSG_AREA);
	}
	ret = alloc_status_area(os, cpumask_weight(os->cpus));
	if (ret)
		return ret;
	if (!os->ikc_page) {
		os->ikc_page = lwkb_alloc_pages(NUMA_NO_NODE, GFP_KERNEL,
						get_order(LWKB_IKC_AREA_SIZE));
		if (!os->ikc_page)
			return -ENOMEM;
		os->ikc_area = page_address(os->ikc_page);
	}
	return 0;
}

/*
 * The temporary page table, sized by what the loader's builder can use
 * (loader/pgtable.c, lwkb_tmp_pt_pages), in one block below 4 GiB: CR3 is
 * loaded in 32-bit mode.
 */
static int alloc_pt(struct lwkb_os *os, struct lwkb_chunk *img, u64 ident)
{
	u32 n = lwkb_tmp_pt_pages(boot_cpu_has(X86_FEATURE_GBPAGES), ident, img->start,
				  min_t(u64, img->size, 2ULL << 30));

	if (!n) {
		pr_err("os%d: no temporary page table can map [0, 0x%llx)\n", os->index, ident);
		return -EINVAL;
	}
	os->pt_order = get_order((size_t)n * PAGE_SIZE);
	os->pt = lwkb_alloc_pages(NUMA_NO_NODE, GFP_KERNEL | GFP_DMA32 | __GFP_ZERO |
				  __GFP_NOWARN, os->pt_order);
	if (!os->pt) {
		pr_err("os%d: no %u contiguous free pages below 4 GiB for the temporary page table\n",
		       os->index, n);
		return -ENOMEM;
	}
	return 0;
}

/*
 * The LWK gets zeroed memory, never what Linux left there.  Interruptible:
 * a fatal signal ends the boot with nothing changed.
 */
static int clear_lwk_memory(struct lwkb_os *os)
{
	struct lwkb_chunk *c;
	u64 off;

	list_for_each_entry(c, &lwkb_chunks, list) {
		if (c->os != os->index)
			continue;
		for (off = 0; off < c->size; off += PAGE_SIZE) {
			clear_page(phys_to_virt(c->start + off));
			if (off & (LWKB_BLOCK_SIZE - 1))
				continue;
			if (fatal_signal_pending(current))
				return -EINTR;
			/* Clearing a large node takes long: a reboot may start meanwhile. */
			if (READ_ONCE(lwkb_going_down))
				return -ESHUTDOWN;
			cond_resched();
		}
	}
	return 0;
}

static void fill_prepare(struct lwkb_os *os, struct lwkb_chunk *img, u64 ident,
			 void *tramp_virt, phys_addr_t tramp, struct lwkb_prepare *prep)
{
	prep->mem_phys = img->start;
	prep->mem_size = img->size;
	prep->mem_virt = phys_to_virt(img->start);
	prep->elf = os->image;
	prep->elf_size = os->image_size;
	prep->tramp_phys = tramp;
	prep->tramp_virt = tramp_virt;
	prep->pt_pool_phys = page_to_phys(os->pt);
	prep->pt_pool_virt = page_address(os->pt);
	prep->pt_pool_pages = 1U << os->pt_order;
	prep->ident_end = ident;
	prep->allow_1g = boot_cpu_has(X86_FEATURE_GBPAGES);
	prep->nx = boot_cpu_has(X86_FEATURE_NX);
	prep->apic_mode = x2apic_mode ? LWKB_APIC_X2APIC : LWKB_APIC_XAPIC;
	prep->apic_phys = apic_phys();
	prep->tsc_khz = tsc_khz;
	prep->kmsg_phys = page_to_phys(os->kmsg_page);
	prep->kmsg_size = LWKB_KMSG_AREA;
	prep->status_phys = page_to_phys(os->status_page);
	prep->nr_cores = cpumask_weight(os->cpus);
	prep->numa_host = img->nid;
}

/* Cores, further chunks, kargs and IKC into boot_info. */
static int fill_boot_info(struct lwkb_os *os, struct lwkb_chunk *img,
			  struct lwkb_boot_info *bi)
{
	struct lwkb_chunk *c;
	unsigned int cpu;
	int ret;

	os->nr_cores = 0;
	for_each_cpu(cpu, os->cpus) {
		u32 numa = lwk_numa(bi, cpu_to_node(cpu));

		ret = lwkb_bootinfo_add_core(bi, cpu, cpu_physical_id(cpu), numa);
		if (ret) {
			pr_err("os%d: CPU %u (APIC id %u) cannot be added to boot_info: error %d\n",
			       os->index, cpu, cpu_physical_id(cpu), ret);
			return ret;
		}
		bi->ikc_map[os->nr_cores] = os->ikc->dst[cpu] >= 0 ? os->ikc->dst[cpu] : 0;
		os->host_cpus[os->nr_cores] = cpu;
		os->core_numa[os->nr_cores] = numa;
		os->apic_ids[os->nr_cores++] = cpu_physical_id(cpu);
	}
	list_for_each_entry(c, &lwkb_chunks, list)
		if (c->os == os->index && c != img &&
		    lwkb_bootinfo_add_chunk(bi, c->start, c->start + c->size,
					    lwk_numa(bi, c->nid))) {
			pr_err("os%d: more than %d memory chunks; assign fewer, larger ones\n",
			       os->index, LWKB_MAX_CHUNKS);
			return -EINVAL;
		}
	if (bi->nr_numa >= LWKB_MAX_NUMA) {
		pr_err("os%d: more than %d NUMA nodes\n", os->index, LWKB_MAX_NUMA - 1);
		return -EINVAL;
	}
	ret = lwkb_bootinfo_set_kargs(bi, os->kargs);
	if (ret) {
		pr_err("os%d: kernel arguments of %zu bytes do not fit in boot_info\n",
		       os->index, strnlen(os->kargs, LWKB_KARGS_SIZE));
		return ret;
	}
	bi->ikc_phys = page_to_phys(os->ikc_page);
	bi->ikc_size = LWKB_IKC_AREA_SIZE;
	return 0;
}

/* What a dump needs of this boot, from the host's own records (dump.c). */
static void record_layout(struct lwkb_os *os, struct lwkb_chunk *img,
			  struct lwkb_boot_info *bi)
{
	u32 i;

	os->last.image_phys = bi->image_phys;
	os->last.high_size = bi->high_size;
	os->last.loader_end = bi->loader_end;
	os->last.boot_info_phys = virt_to_phys(bi);
	os->last.chunk_end = img->start + img->size;
	os->last.nr_chunks = min_t(u32, bi->nr_chunks, LWKB_MAX_CHUNKS);
	for (i = 0; i < os->last.nr_chunks; i++)
		os->last.chunks[i] = bi->chunks[i];
}

int lwkb_os_boot(struct lwkb_os *os)
{
	struct kplat kp = { .os = os };
	const struct lwkb_platform plat = {
		.ctx = &kp, .send_init = k_send_init, .send_sipi = k_send_sipi,
		.udelay = k_udelay, .log = k_log,
	};
	struct lwkb_prepare prep = { 0 };
	struct lwkb_wake_params wp;
	struct lwkb_wake_core wc = { 0 };
	struct lwkb_chunk *img;
	phys_addr_t tramp;
	void *tramp_virt;
	char err[160];
	u64 ident;
	int ret;

	ret = boot_ready(os, &img);
	if (ret)
		return ret;
	tramp = tramp_addr + (phys_addr_t)(os->index % tramp_pages) * PAGE_SIZE;
	tramp_virt = (char *)tramp_virt_base + (tramp - tramp_addr);
	ret = alloc_shared_pages(os);
	if (ret)
		return ret;
	/* No IKC user may touch the area while it is formatted. */
	ret = mutex_lock_killable(&os->ikc_lock);
	if (ret)
		return ret;
	lwkb_ikc_init(os->ikc_area);
	WRITE_ONCE(os->ikc_stop, false);
	mutex_unlock(&os->ikc_lock);
	ident = ident_end();
	ret = alloc_pt(os, img, ident);
	if (ret)
		return ret;
	os->last.valid = false;		/* its memory is about to be cleared */
	ret = clear_lwk_memory(os);
	if (ret)
		goto out_pt;
	fill_prepare(os, img, ident, tramp_virt, tramp, &prep);
	ret = lwkb_prepare(&prep, err, sizeof(err));
	if (ret) {
		pr_err("os%d: %s\n", os->index, err);
		goto out_pt;
	}
	ret = fill_boot_info(os, img, prep.bi);
	if (ret)
		goto out_pt;
	record_layout(os, img, prep.bi);
	/* Nothing can fail before the wake now: the last boot's saves go. */
	lwkb_status_init(os->status, PAGE_SIZE << os->status_order);

	lwkb_wake_defaults(&wp);
	wp.init_delay_us = READ_ONCE(init_delay_us);
	wc.apic_id = prep.bi->cores[0].apic_id;
	wc.host_cpu = prep.bi->cores[0].host_cpu;
	wc.stack_top = lwkb_stack_top(prep.bi, 0);
	os->status->status = LWKB_STATUS_BOOTING;
	os->last_heartbeat = 0;
	os->last_beat = jiffies;
	os->reported = LWKB_STATUS_BOOTING;
	/*
	 * booted before the last look at lwkb_going_down, paired with the
	 * barrier in the reboot notifier: either the notifier sees this
	 * instance booted (and INITs it), or this boot sees Linux going down.
	 */
	WRITE_ONCE(os->booted, true);
	smp_mb();
	if (READ_ONCE(lwkb_going_down)) {
		os->booted = false;
		os->status->status = LWKB_STATUS_INACTIVE;
		ret = -ESHUTDOWN;
		goto out_pt;
	}
	ret = lwkb_wake_cores(&plat, tramp_virt, tramp, &wc, 1, &wp);
	if (ret) {
		os->booted = false;
		os->status->status = LWKB_STATUS_INACTIVE;
		goto out_pt;
	}
	os->last.valid = true;
	pr_info("os%d: LWK core 0 (cpu %u, APIC id %u) started, %u cores\n",
		os->index, wc.host_cpu, wc.apic_id, os->nr_cores);
	/* A notifier that gave up on the lock may have sent its INITs before
	 * the wake: stop the LWK again (no-op when the notifier is not running). */
	if (READ_ONCE(lwkb_going_down)) {
		lwkb_os_shutdown(os, true);
		return -ESHUTDOWN;
	}
	return 0;
out_pt:
	free_boot_pages(os);
	return ret;
}

/*
 * Waits up to shutdown_ms for every core to park, or until a fatal signal:
 * INIT follows either way.
 */
static u32 wait_parked(struct lwkb_os *os)
{
	unsigned long end = jiffies + msecs_to_jiffies(READ_ONCE(shutdown_ms));

	smp_store_release(&os->status->shutdown_req, 1);
	while (smp_load_acquire(&os->status->cores_parked) < os->nr_cores &&
	       time_before(jiffies, end) && !fatal_signal_pending(current))
		usleep_range(100, 200);
	return smp_load_acquire(&os->status->cores_parked);
}

/*
 * Graceful first: ask every LWK core to park (status.h describes the
 * handshake) and wait up to shutdown_ms; then, gracefully parked or not,
 * INIT every core: it waits for a STARTUP IPI and runs nothing, so Linux
 * can bring the CPU online again later.  IKC users leave first: after INIT
 * no doorbell may reach a CPU that Linux gets back.  kmsg and the status
 * page stay until the instance is destroyed.
 */
void lwkb_os_shutdown(struct lwkb_os *os, bool force)
{
	struct kplat kp = { .os = os };
	ktime_t t0 = ktime_get();
	u32 i, parked = 0, was;

	if (!os->booted)
		return;
	/* A panicked or hung LWK cannot park its broken core: INIT at once. */
	was = lwkb_os_status(os);
	if (was == LWKB_STATUS_PANIC || was == LWKB_STATUS_HUNGUP)
		force = true;
	WRITE_ONCE(os->ikc_stop, true);
	WRITE_ONCE(os->status->status, LWKB_STATUS_SHUTDOWN);
	/* Bounded: an IKC user checks ikc_stop at every step and copies
	 * nothing to user space while it holds the lock. */
	mutex_lock(&os->ikc_lock);
	if (!force)
		parked = wait_parked(os);
	else
		parked = smp_load_acquire(&os->status->cores_parked);
	for (i = 0; i < os->nr_cores; i++)
		k_send_init(&kp, os->apic_ids[i]);
	os->booted = false;
	mutex_unlock(&os->ikc_lock);
	WRITE_ONCE(os->status->status, LWKB_STATUS_INACTIVE);
	free_boot_pages(os);
	if (!force && parked >= os->nr_cores)
		pr_info("os%d: shut down gracefully in %lld us (%u cores parked)\n",
			os->index, ktime_us_delta(ktime_get(), t0), parked);
	else
		pr_info("os%d: shut down by INIT in %lld us (%u of %u cores parked%s)\n",
			os->index, ktime_us_delta(ktime_get(), t0), parked, os->nr_cores,
			was == LWKB_STATUS_PANIC ? ", was PANIC" :
			was == LWKB_STATUS_HUNGUP ? ", was HUNGUP" : force ? ", forced" : "");
}

/*
 * The reboot notifier's last resort when lwkb_lock stays busy: INIT every
 * core of every booted instance without the lock.  It only reads: a booted
 * instance cannot be destroyed, and Linux is going down.
 */
void lwkb_init_all_cores(void)
{
	int i;
	u32 c;

	for (i = 0; i < LWKB_MAX_OS; i++) {
		struct lwkb_os *os = READ_ONCE(lwkb_oses[i]);

		if (!os || !READ_ONCE(os->booted))
			continue;
		WRITE_ONCE(os->ikc_stop, true);
		for (c = 0; c < READ_ONCE(os->nr_cores) && c < LWKB_MAX_CORES; c++)
			lwkb_send_ipi(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT,
				      os->apic_ids[c]);
		pr_info("os%d: INIT sent to its %u cores\n", i, os->nr_cores);
	}
}

/* Reboot, kexec, halt: INIT every booted LWK now.  Under lwkb_lock. */
void lwkb_stop_all(const char *why)
{
	int i;

	for (i = 0; i < LWKB_MAX_OS; i++)
		if (lwkb_oses[i] && lwkb_oses[i]->booted) {
			pr_info("%s: stopping os%d before Linux goes\n", why, i);
			lwkb_os_shutdown(lwkb_oses[i], true);
		}
}
