// SPDX-License-Identifier: GPL-2.0
/*
 * OS instances (IHK spec 1.2.2): assignment of reserved CPUs and memory,
 * image, kernel arguments, IKC map, boot, status, kmsg and shutdown.
 *
 * Boot uses loader/ exactly as the EFI host does: lwkb_prepare() checks the
 * ELF (segments must fit the instance's first memory chunk) before any byte
 * is copied, builds the temporary page table in pages below 4 GiB
 * (GFP_DMA32) and installs the trampoline in this instance's page of the
 * region reserved with memmap=; lwkb_wake_cores() then starts LWK core 0.
 * IPIs go through Linux's own APIC driver (apic->icr_write), which knows
 * whether the system runs in xAPIC or x2APIC mode.
 */
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/version.h>
#include <linux/ktime.h>
#include <linux/workqueue.h>
#include <asm/apic.h>
#include <asm/msr.h>
#include <asm/smp.h>
#include "lwkboot.h"
#include "lwkboot/ikc.h"

#define MAX_IMAGE_SIZE	(64UL << 20)

/* ---- the platform loader/ runs on, inside Linux ---- */
struct kplat {
	struct lwkb_os *os;
};

int lwkb_send_ipi(u32 low, u32 apic_id)
{
	unsigned long flags;

	/* ICR2 then ICR on xAPIC: no IPI from this CPU may come in between. */
	local_irq_save(flags);
	/*
	 * In x2APIC mode icr_write is a WRMSR, which is not serialising: fence
	 * so the trampoline or IKC stores are visible before the IPI (Linux's
	 * own x2APIC senders use weak_wrmsr_fence() for the same reason).
	 */
	if (x2apic_mode)
		asm volatile("mfence; lfence" ::: "memory");
	if (apic->wait_icr_idle)
		apic->wait_icr_idle();
	apic->icr_write(low, apic_id);
	if (apic->wait_icr_idle)
		apic->wait_icr_idle();
	local_irq_restore(flags);
	return 0;
}

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

	pr_info("lwkboot: os%d: %s\n", p->os->index, msg);
}

/* ---- helpers ---- */
static int os_status(struct lwkb_os *os)
{
	if (!os->booted)
		return LWKB_STATUS_INACTIVE;
	return READ_ONCE(os->status->status);
}

static u64 ident_end(void)
{
	u64 end = 0, apic_base;
	int nid;

	for_each_online_node(nid)
		end = max_t(u64, end, PFN_PHYS(node_end_pfn(nid)));
	rdmsrl(MSR_IA32_APICBASE, apic_base);
	apic_base &= 0xfffff000ULL;
	return max_t(u64, end, apic_base + PAGE_SIZE);
}

static struct lwkb_chunk *first_chunk(struct lwkb_os *os)
{
	struct lwkb_chunk *c, *best = NULL;

	list_for_each_entry(c, &lwkb_chunks, list)
		if (c->os == os->index && (!best || c->start < best->start))
			best = c;
	return best;
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
static int os_boot(struct lwkb_os *os)
{
	struct kplat kp = { .os = os };
	const struct lwkb_platform plat = {
		.ctx = &kp, .send_init = k_send_init, .send_sipi = k_send_sipi,
		.udelay = k_udelay, .log = k_log,
	};
	struct lwkb_prepare prep = { 0 };
	struct lwkb_wake_params wp;
	struct lwkb_wake_core wc = { 0 };
	struct lwkb_chunk *c, *img;
	phys_addr_t tramp = tramp_addr + (phys_addr_t)(os->index % tramp_pages) * PAGE_SIZE;
	void *tramp_virt;
	char err[160];
	u64 ident, apic_base, off;
	unsigned int cpu, n;
	int ret;

	if (os->booted)
		return -EBUSY;
	if (!os->image) {
		pr_err("lwkboot: os%d: no image loaded\n", os->index);
		return -EINVAL;
	}
	if (cpumask_empty(os->cpus)) {
		pr_err("lwkboot: os%d: no CPU assigned\n", os->index);
		return -EINVAL;
	}
	img = first_chunk(os);
	if (!img) {
		pr_err("lwkboot: os%d: no memory assigned\n", os->index);
		return -EINVAL;
	}
	if (!tramp_addr) {
		pr_err("lwkboot: no trampoline page: reserve one below 1 MiB with memmap=4K$ADDR and load with tramp_addr=ADDR\n");
		return -ENODEV;
	}
	if (cpumask_weight(os->cpus) > LWKB_MAX_CORES)
		return -EINVAL;
	/* Each LWK reuses its page to start its own cores: no sharing while booted. */
	for (n = 0; n < LWKB_MAX_OS; n++)
		if (lwkb_oses[n] && lwkb_oses[n] != os && lwkb_oses[n]->booted &&
		    n % tramp_pages == os->index % tramp_pages) {
			pr_err("lwkboot: os%d: trampoline page 0x%llx is in use by os%u; reserve more with tramp_pages\n",
			       os->index, (unsigned long long)tramp, n);
			return -EBUSY;
		}

	/* kmsg and status survive shutdown: allocate them once. */
	if (!os->kmsg_page) {
		os->kmsg_page = lwkb_alloc_pages(NUMA_NO_NODE, GFP_KERNEL | __GFP_ZERO,
						 LWKB_KMSG_ORDER);
		os->status_page = lwkb_alloc_pages(NUMA_NO_NODE, GFP_KERNEL | __GFP_ZERO, 0);
		if (!os->kmsg_page || !os->status_page) {
			if (os->kmsg_page)
				lwkb_free_pages(os->kmsg_page, LWKB_KMSG_ORDER);
			if (os->status_page)
				lwkb_free_pages(os->status_page, 0);
			os->kmsg_page = NULL;
			os->status_page = NULL;
			return -ENOMEM;
		}
		os->kmsg = page_address(os->kmsg_page);
		os->status = page_address(os->status_page);
	}
	if (!os->ikc_page) {
		os->ikc_page = lwkb_alloc_pages(NUMA_NO_NODE, GFP_KERNEL,
						get_order(LWKB_IKC_AREA_SIZE));
		if (!os->ikc_page)
			return -ENOMEM;
		os->ikc_area = page_address(os->ikc_page);
		lwkb_kmsg_init(os->kmsg, PAGE_SIZE << LWKB_KMSG_ORDER);
	}
	mutex_lock(&os->ikc_lock);	/* no ping may use the area while it is formatted */
	lwkb_ikc_init(os->ikc_area);
	mutex_unlock(&os->ikc_lock);
	memset(os->status, 0, sizeof(*os->status));
	os->status->magic = LWKB_STATUS_MAGIC;
	os->status->panic_vector = 0xffffffff;

	ident = ident_end();
	n = 8 + DIV_ROUND_UP(ident, 1ULL << 30);
	os->pt_order = get_order((size_t)n * PAGE_SIZE);
	os->pt = lwkb_alloc_pages(NUMA_NO_NODE, GFP_KERNEL | GFP_DMA32 | __GFP_ZERO, os->pt_order);
	if (!os->pt)
		return -ENOMEM;
	tramp_virt = (char *)tramp_virt_base + (tramp - tramp_addr);

	/* The LWK gets zeroed memory, never what Linux left there. */
	list_for_each_entry(c, &lwkb_chunks, list)
		if (c->os == os->index)
			for (off = 0; off < c->size; off += PAGE_SIZE) {
				clear_page(phys_to_virt(c->start + off));
				if (!(off & (LWKB_BLOCK_SIZE - 1)))
					cond_resched();
			}

	rdmsrl(MSR_IA32_APICBASE, apic_base);
	prep.mem_phys = img->start;
	prep.mem_size = img->size;
	prep.mem_virt = phys_to_virt(img->start);
	prep.elf = os->image;
	prep.elf_size = os->image_size;
	prep.tramp_phys = tramp;
	prep.tramp_virt = tramp_virt;
	prep.pt_phys = page_to_phys(os->pt);
	prep.pt_virt = page_address(os->pt);
	prep.pt_pages = 1U << os->pt_order;
	prep.ident_end = ident;
	prep.allow_1g = boot_cpu_has(X86_FEATURE_GBPAGES);
	prep.nx = boot_cpu_has(X86_FEATURE_NX);
	prep.apic_mode = x2apic_mode ? LWKB_APIC_X2APIC : LWKB_APIC_XAPIC;
	prep.apic_phys = apic_base & 0xfffff000ULL;
	prep.tsc_khz = tsc_khz;
	prep.kmsg_phys = page_to_phys(os->kmsg_page);
	prep.kmsg_size = PAGE_SIZE << LWKB_KMSG_ORDER;
	prep.status_phys = page_to_phys(os->status_page);
	prep.nr_cores = cpumask_weight(os->cpus);
	prep.numa_host = img->nid;
	ret = lwkb_prepare(&prep, err, sizeof(err));
	if (ret) {
		pr_err("lwkboot: os%d: %s\n", os->index, err);
		goto out_pt;
	}
	os->nr_cores = 0;
	for_each_cpu(cpu, os->cpus) {
		u32 numa = lwk_numa(prep.bi, cpu_to_node(cpu));

		lwkb_bootinfo_add_core(prep.bi, cpu, cpu_physical_id(cpu), numa);
		prep.bi->ikc_map[os->nr_cores] = os->ikc->dst[cpu] >= 0 ? os->ikc->dst[cpu] : 0;
		os->apic_ids[os->nr_cores++] = cpu_physical_id(cpu);
	}
	list_for_each_entry(c, &lwkb_chunks, list)
		if (c->os == os->index && c != img &&
		    lwkb_bootinfo_add_chunk(prep.bi, c->start, c->start + c->size,
					    lwk_numa(prep.bi, c->nid))) {
			pr_err("lwkboot: os%d: more than %d memory chunks; assign fewer, larger ones\n",
			       os->index, LWKB_MAX_CHUNKS);
			ret = -EINVAL;
			goto out_pt;
		}
	if (prep.bi->nr_numa >= LWKB_MAX_NUMA) {
		pr_err("lwkboot: os%d: more than %d NUMA nodes\n", os->index, LWKB_MAX_NUMA - 1);
		ret = -EINVAL;
		goto out_pt;
	}
	lwkb_bootinfo_set_kargs(prep.bi, os->kargs);
	prep.bi->ikc_phys = page_to_phys(os->ikc_page);
	prep.bi->ikc_size = LWKB_IKC_AREA_SIZE;

	lwkb_wake_defaults(&wp);
	wp.init_delay_us = init_delay_us;
	wc.apic_id = prep.bi->cores[0].apic_id;
	wc.host_cpu = prep.bi->cores[0].host_cpu;
	wc.stack_top = lwkb_stack_top(prep.bi, 0);
	os->status->status = LWKB_STATUS_BOOTING;
	os->last_heartbeat = 0;
	os->last_beat = jiffies;
	os->reported = LWKB_STATUS_BOOTING;
	os->booted = true;
	ret = lwkb_wake_cores(&plat, tramp_virt, tramp, &wc, 1, &wp);
	if (ret) {
		os->booted = false;
		os->status->status = LWKB_STATUS_INACTIVE;
		goto out_pt;
	}
	pr_info("lwkboot: os%d: LWK core 0 (cpu %u, APIC id %u) started, %u cores\n",
		os->index, wc.host_cpu, wc.apic_id, os->nr_cores);
	return 0;
out_pt:
	free_boot_pages(os);
	return ret;
}

/*
 * Graceful first: ask every LWK core to park (status.h describes the
 * handshake) and wait up to shutdown_ms; then, gracefully parked or not,
 * INIT every core: it waits for a STARTUP IPI and runs nothing, so Linux
 * can bring the CPU online again later.  kmsg and the status page stay
 * until the instance is destroyed.
 */
void lwkb_os_shutdown(struct lwkb_os *os, bool force)
{
	struct kplat kp = { .os = os };
	ktime_t t0 = ktime_get();
	unsigned long end;
	u32 i, parked, was;

	if (!os->booted)
		return;
	/* A panicked or hung LWK cannot park its broken core: INIT at once. */
	was = READ_ONCE(os->status->status);
	if (was == LWKB_STATUS_PANIC || was == LWKB_STATUS_HUNGUP)
		force = true;
	WRITE_ONCE(os->status->status, LWKB_STATUS_SHUTDOWN);
	if (!force) {
		smp_store_release(&os->status->shutdown_req, 1);
		end = jiffies + msecs_to_jiffies(shutdown_ms);
		while (smp_load_acquire(&os->status->cores_parked) < os->nr_cores &&
		       time_before(jiffies, end))
			usleep_range(100, 200);
	}
	parked = smp_load_acquire(&os->status->cores_parked);
	for (i = 0; i < os->nr_cores; i++)
		k_send_init(&kp, os->apic_ids[i]);
	os->booted = false;
	WRITE_ONCE(os->status->status, LWKB_STATUS_INACTIVE);
	free_boot_pages(os);
	if (!force && parked >= os->nr_cores)
		pr_info("lwkboot: os%d: shut down gracefully in %lld us (%u cores parked)\n",
			os->index, ktime_us_delta(ktime_get(), t0), parked);
	else
		pr_info("lwkboot: os%d: shut down by INIT in %lld us (%u of %u cores parked%s)\n",
			os->index, ktime_us_delta(ktime_get(), t0), parked, os->nr_cores,
			was == LWKB_STATUS_PANIC ? ", was PANIC" :
			was == LWKB_STATUS_HUNGUP ? ", was HUNGUP" : force ? ", forced" : "");
}

/* ---- the watchdog: HUNGUP detection, PANIC/HUNGUP notification ---- */
#define WATCH_MS	100
static void lwkb_watch_fn(struct work_struct *w);
static DECLARE_DELAYED_WORK(lwkb_watch, lwkb_watch_fn);
static bool watch_stopping;

static void notify(struct lwkb_os *os, u32 st)
{
	if (os->reported == st)
		return;
	os->reported = st;
	if (st != LWKB_STATUS_PANIC && st != LWKB_STATUS_HUNGUP)
		return;
	pr_err("lwkboot: os%d: %s\n", os->index, lwkb_status_name(st));
	if (os->eventfd)
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
		eventfd_signal(os->eventfd);
#else
		eventfd_signal(os->eventfd, 1);
#endif
}

static void lwkb_watch_fn(struct work_struct *w)
{
	int i;

	/* Never sleep on the lock (an ioctl may hold it): try again shortly. */
	if (!mutex_trylock(&lwkb_lock))
		goto again;
	for (i = 0; i < LWKB_MAX_OS; i++) {
		struct lwkb_os *os = lwkb_oses[i];
		u32 st;
		u64 hb;

		if (!os || !os->booted)
			continue;
		st = READ_ONCE(os->status->status);
		hb = READ_ONCE(os->status->heartbeat);
		if (hb != os->last_heartbeat || st != LWKB_STATUS_RUNNING) {
			os->last_heartbeat = hb;
			os->last_beat = jiffies;
		} else if (hung_ms && time_after(jiffies, os->last_beat +
						   msecs_to_jiffies(hung_ms))) {
			pr_err("lwkboot: os%d: no heartbeat for %u ms\n", i, hung_ms);
			WRITE_ONCE(os->status->status, LWKB_STATUS_HUNGUP);
			st = LWKB_STATUS_HUNGUP;
		}
		notify(os, st);
	}
	mutex_unlock(&lwkb_lock);
again:
	if (!READ_ONCE(watch_stopping))
		schedule_delayed_work(&lwkb_watch, msecs_to_jiffies(WATCH_MS));
}

void lwkb_watch_start(void)
{
	WRITE_ONCE(watch_stopping, false);
	schedule_delayed_work(&lwkb_watch, msecs_to_jiffies(WATCH_MS));
}

void lwkb_watch_stop(void)
{
	WRITE_ONCE(watch_stopping, true);
	cancel_delayed_work_sync(&lwkb_watch);
}

/* ---- instances ---- */
int lwkb_os_create(void)
{
	struct lwkb_os *os;
	int i, ret;

	for (i = 0; i < LWKB_MAX_OS && lwkb_oses[i]; i++)
		;
	if (i == LWKB_MAX_OS)
		return -ENOSPC;
	os = kzalloc(sizeof(*os), GFP_KERNEL);
	if (!os)
		return -ENOMEM;
	os->index = i;
	os->ikc = kvmalloc(sizeof(*os->ikc), GFP_KERNEL);
	os->kargs = kzalloc(LWKB_KARGS_SIZE, GFP_KERNEL);
	if (!os->ikc || !os->kargs || !zalloc_cpumask_var(&os->cpus, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto fail;
	}
	memset(os->ikc->dst, 0xff, sizeof(os->ikc->dst));
	mutex_init(&os->ikc_lock);
	ret = lwkb_os_device_add(os);
	if (ret)
		goto fail;
	lwkb_oses[i] = os;
	return i;
fail:
	free_cpumask_var(os->cpus);
	kfree(os->kargs);
	kvfree(os->ikc);
	kfree(os);
	return ret;
}

int lwkb_os_destroy(int index)
{
	struct lwkb_os *os;

	if (index < 0 || index >= LWKB_MAX_OS || !lwkb_oses[index])
		return -ENOENT;
	os = lwkb_oses[index];
	if (os->booted) {
		pr_err("lwkboot: os%d is booted: shut it down first\n", index);
		return -EBUSY;
	}
	if (os->opens) {
		pr_err("lwkboot: os%d: /dev/mcos%d is open (%d times)\n", index, index, os->opens);
		return -EBUSY;
	}
	lwkb_os_device_del(os);
	lwkb_oses[index] = NULL;
	if (os->eventfd)
		eventfd_ctx_put(os->eventfd);
	lwkb_release_mem(NULL, 0, index);	/* back to the pool */
	free_cpumask_var(os->cpus);
	if (os->kmsg_page)
		lwkb_free_pages(os->kmsg_page, LWKB_KMSG_ORDER);
	if (os->status_page)
		lwkb_free_pages(os->status_page, 0);
	if (os->ikc_page)
		lwkb_free_pages(os->ikc_page, get_order(LWKB_IKC_AREA_SIZE));
	vfree(os->image);
	kfree(os->kargs);
	kvfree(os->ikc);
	kfree(os);
	return 0;
}

static long os_load(struct lwkb_os *os, const struct lwkb_buf *b)
{
	struct lwkb_chunk *img = first_chunk(os);
	struct lwkb_elf_info ei;
	char err[160];
	void *buf;

	if (os->booted)
		return -EBUSY;
	if (!b->len || b->len > MAX_IMAGE_SIZE)
		return -EINVAL;
	if (!img) {
		pr_err("lwkboot: os%d: assign memory before loading an image\n", os->index);
		return -EINVAL;
	}
	buf = vmalloc(b->len);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, u64_to_user_ptr(b->addr), b->len)) {
		vfree(buf);
		return -EFAULT;
	}
	/* Refuse an image whose segments would not fit, before keeping it. */
	if (lwkb_elf_check(buf, b->len, img->size, &ei, err, sizeof(err))) {
		pr_err("lwkboot: os%d: invalid image: %s\n", os->index, err);
		vfree(buf);
		return -EINVAL;	/* IHK 1.2.2.14 */
	}
	vfree(os->image);
	os->image = buf;
	os->image_size = b->len;
	return 0;
}

static long os_kargs(struct lwkb_os *os, const struct lwkb_buf *b)
{
	if (os->booted)
		return -EBUSY;
	char *k;

	if (b->len >= LWKB_KARGS_SIZE) {
		pr_err("lwkboot: os%d: kernel arguments of %llu bytes, at most %d\n",
		       os->index, b->len, LWKB_KARGS_SIZE - 1);
		return -EINVAL;	/* IHK 1.2.2.15 */
	}
	/* Copy first: a bad buffer leaves the old arguments as they were. */
	k = memdup_user_nul(u64_to_user_ptr(b->addr), b->len);
	if (IS_ERR(k))
		return PTR_ERR(k);
	if (strlen(k) != b->len) {
		kfree(k);
		return -EINVAL;		/* a NUL inside */
	}
	memset(os->kargs, 0, LWKB_KARGS_SIZE);
	memcpy(os->kargs, k, b->len);
	kfree(k);
	return 0;
}

/* Reads kmsg from r->pos (0: from the last clear); survives shutdown. */
static long os_kmsg(struct lwkb_os *os, struct lwkb_kmsg_read *r)
{
	size_t n;
	char *buf;

	r->lost = 0;
	if (!os->kmsg)
		return 0;
	buf = kvmalloc(PAGE_SIZE << LWKB_KMSG_ORDER, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	n = lwkb_kmsg_read(os->kmsg, &r->pos, buf,
			   min_t(u64, r->len, PAGE_SIZE << LWKB_KMSG_ORDER), &r->lost);
	if (copy_to_user(u64_to_user_ptr(r->addr), buf, n)) {
		kvfree(buf);
		return -EFAULT;
	}
	kvfree(buf);
	return n;
}

static u64 os_free_mem(struct lwkb_os *os)
{
	struct lwkb_chunk *c;
	u64 sum = 0;

	list_for_each_entry(c, &lwkb_chunks, list)
		if (c->os == os->index)
			sum += c->size;
	return sum;
}

long lwkb_os_ioctl(struct lwkb_os *os, unsigned int cmd, void __user *arg)
{
	struct lwkb_cpuset set;
	struct lwkb_mem_list ml;
	struct lwkb_mem_ent *ents = NULL;
	struct lwkb_buf b;
	cpumask_var_t mask;
	unsigned int cpu;
	long ret = 0;
	u64 v;

	switch (cmd) {
	case LWKB_OS_ASSIGN_CPU:
	case LWKB_OS_RELEASE_CPU:
		if (copy_from_user(&set, arg, sizeof(set)))
			return -EFAULT;
		if (os->booted)
			return -EBUSY;
		if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
			return -ENOMEM;
		ret = lwkb_cpuset_to_mask(&set, mask);
		if (!ret && cpumask_empty(mask))
			ret = -EINVAL;
		for_each_cpu(cpu, mask) {
			if (ret)
				break;
			if (cmd == LWKB_OS_RELEASE_CPU) {
				if (!cpumask_test_cpu(cpu, os->cpus)) {
					pr_err("lwkboot: os%d: CPU %u is not assigned to it\n",
					       os->index, cpu);
					ret = -EINVAL;
				}
			} else if (!cpumask_test_cpu(cpu, lwkb_reserved_cpus)) {
				pr_err("lwkboot: CPU %u is not reserved\n", cpu);
				ret = -EINVAL;
			} else if (lwkb_cpu_owner(cpu) >= 0) {
				pr_err("lwkboot: CPU %u is assigned to os%d\n", cpu,
				       lwkb_cpu_owner(cpu));
				ret = -EBUSY;
			}
		}
		if (!ret) {
			if (cmd == LWKB_OS_ASSIGN_CPU)
				cpumask_or(os->cpus, os->cpus, mask);
			else
				cpumask_andnot(os->cpus, os->cpus, mask);
		}
		free_cpumask_var(mask);
		return ret;
	case LWKB_OS_QUERY_CPU:
		lwkb_mask_to_cpuset(os->cpus, &set);
		return copy_to_user(arg, &set, sizeof(set)) ? -EFAULT : 0;
	case LWKB_OS_ASSIGN_MEM:
	case LWKB_OS_RELEASE_MEM:
		if (os->booted)
			return -EBUSY;
		ret = lwkb_copy_mem_list(arg, &ml, &ents);
		if (ret)
			return ret;
		if (cmd == LWKB_OS_ASSIGN_MEM)
			ret = lwkb_assign_mem(ents, ml.nr, os->index);
		else
			ret = lwkb_release_mem(ents, ml.nr, os->index);
		kfree(ents);
		return ret;
	case LWKB_OS_QUERY_MEM:
		if (copy_from_user(&ml, arg, sizeof(ml)))
			return -EFAULT;
		ret = lwkb_query_mem(os->index, u64_to_user_ptr(ml.ents), ml.nr,
				     &ml.nr, &ml.total);
		if (!ret && copy_to_user(arg, &ml, sizeof(ml)))
			ret = -EFAULT;
		return ret;
	case LWKB_OS_SET_IKC_MAP:
		if (os->booted)
			return -EBUSY;
		{
			struct lwkb_ikc_map *m = vmemdup_user(arg, sizeof(*m));

			if (IS_ERR(m))
				return PTR_ERR(m);
			for (cpu = 0; cpu < LWKB_MAX_CPUS && !ret; cpu++)
				if (m->dst[cpu] >= 0 && (m->dst[cpu] >= nr_cpu_ids ||
				    !cpu_present(m->dst[cpu]) ||
				    cpumask_test_cpu(m->dst[cpu], lwkb_reserved_cpus))) {
					pr_err("lwkboot: IKC destination CPU %d is not a Linux CPU\n",
					       m->dst[cpu]);
					ret = -EINVAL;
				}
			if (!ret)
				memcpy(os->ikc, m, sizeof(*m));
			kvfree(m);
		}
		return ret;
	case LWKB_OS_GET_IKC_MAP:
		return copy_to_user(arg, os->ikc, sizeof(*os->ikc)) ? -EFAULT : 0;
	case LWKB_OS_LOAD:
		if (copy_from_user(&b, arg, sizeof(b)))
			return -EFAULT;
		return os_load(os, &b);
	case LWKB_OS_KARGS:
		if (copy_from_user(&b, arg, sizeof(b)))
			return -EFAULT;
		return os_kargs(os, &b);
	case LWKB_OS_BOOT:
		return os_boot(os);
	case LWKB_OS_STATUS:
		return os_status(os);
	case LWKB_OS_KMSG: {
		struct lwkb_kmsg_read r;

		if (copy_from_user(&r, arg, sizeof(r)))
			return -EFAULT;
		ret = os_kmsg(os, &r);
		if (ret >= 0 && copy_to_user(arg, &r, sizeof(r)))
			ret = -EFAULT;
		return ret;
	}
	case LWKB_OS_EVENTFD: {
		s32 fd;
		struct eventfd_ctx *ctx = NULL;

		if (copy_from_user(&fd, arg, sizeof(fd)))
			return -EFAULT;
		if (fd >= 0) {
			ctx = eventfd_ctx_fdget(fd);
			if (IS_ERR(ctx))
				return PTR_ERR(ctx);
		}
		if (os->eventfd)
			eventfd_ctx_put(os->eventfd);
		os->eventfd = ctx;
		return 0;
	}
	case LWKB_OS_CLEAR_KMSG:
		if (os->kmsg)
			WRITE_ONCE(os->kmsg->cleared, READ_ONCE(os->kmsg->tail));
		return 0;
	case LWKB_OS_SHUTDOWN: {
		u32 flags;

		if (copy_from_user(&flags, arg, sizeof(flags)))
			return -EFAULT;
		if (flags & ~LWKB_SHUTDOWN_FORCE)
			return -EINVAL;
		if (!os->booted)
			return -EINVAL;
		lwkb_os_shutdown(os, flags & LWKB_SHUTDOWN_FORCE);
		return 0;
	}
	case LWKB_OS_QUERY_FREE_MEM:
		v = os_free_mem(os);
		return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}
