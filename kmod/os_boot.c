// SPDX-License-Identifier: GPL-2.0
/*
 * Booting an OS instance.
 *
 * What must hold before an LWK may run (a boot changes nothing until it
 * does), the pages an instance keeps from boot to destroy (kmsg, status
 * area, IKC), then loader/'s host sequence
 * (loader/host.c) exactly as the EFI host runs it: lwkb_host_prepare()
 * checks the ELF (segments must fit the instance's first memory chunk)
 * before any byte is copied, builds the temporary page table in a pool
 * below 4 GiB (boot_host.c allocates it), installs the trampoline in this
 * instance's page of the region reserved with memmap= and fills boot_info;
 * lwkb_host_start() then starts LWK core 0.  Shutdown is in os_shutdown.c.
 *
 * The module clears only what it places in the LWK's memory (loader/boot.c
 * zeroes [image, boot_info.loader_end) before copying the image): the rest
 * is handed over as Linux left it, and the LWK clears what it uses
 * (docs/boot-contract.md, "Memory").  Clearing all of it here took one
 * thread about 1.7 s per GiB under QEMU TCG, with the module lock held.
 * That hands an LWK whatever Linux freed there, which is no more than it
 * can read anyway: an LWK runs in ring 0 with all of RAM identity-mapped,
 * loaded by root only and refused under lockdown (lwkb_may_take_code).
 * A dump reads only what the LWK says it used (dump.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/security.h>
#include <asm/smp.h>
#include "lwkboot.h"
#include "lwkboot/ikc.h"

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
		dev_err(os->dev,
			"the kernel is locked down: loading or booting a co-kernel is refused, as kexec is\n");
		return ret;
	}
	if (READ_ONCE(lwkb_going_down)) {
		dev_err(os->dev, "Linux is going down (reboot or kexec)\n");
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
			dev_err(os->dev, "CPU %u is online in Linux: it cannot run the LWK\n", cpu);
			ret = -EBUSY;
			break;
		}
		if (!cpu_present(cpu) || !lwkb_apic_id_ok(cpu_physical_id(cpu))) {
			dev_err(os->dev, "CPU %u is no longer present (APIC id 0x%x): release it\n",
				cpu, cpu_physical_id(cpu));
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
		dev_err(os->dev, "no image loaded\n");
		return -EINVAL;
	}
	if (cpumask_empty(os->cpus)) {
		dev_err(os->dev, "no CPU assigned\n");
		return -EINVAL;
	}
	*img = lwkb_first_chunk(os);
	if (!*img) {
		dev_err(os->dev, "no memory assigned\n");
		return -EINVAL;
	}
	if (!tramp_addr) {
		pr_err("no trampoline region: the module was loaded without tramp_addr; reserve a region below 1 MiB with memmap=64K$ADDR on the kernel command line and load the module with tramp_addr=ADDR tramp_pages=16\n");
		return -ENODEV;
	}
	if (os->is_linux && !linux_windows) {
		pr_err("no low-memory window for a Linux co-kernel: reserve %luK more after the trampoline pages with memmap= and load with linux_windows=1\n",
		       LWKB_LINUX_WINDOW >> 10);
		return -ENODEV;
	}
	if (cpumask_weight(os->cpus) > LWKB_MAX_CORES) {
		dev_err(os->dev, "%u CPUs assigned, at most %d\n",
			cpumask_weight(os->cpus), LWKB_MAX_CORES);
		return -EINVAL;
	}
	if (lwkb_os_nr_chunks(os) > LWKB_MAX_CHUNKS) {
		dev_err(os->dev, "%u memory chunks assigned, at most %d: assign fewer, larger ones\n",
			lwkb_os_nr_chunks(os), LWKB_MAX_CHUNKS);
		return -EINVAL;
	}
	/* Each LWK reuses its page to start its own cores: no sharing while booted. */
	page = os->index % tramp_pages;
	for (n = 0; n < LWKB_MAX_OS; n++)
		if (lwkb_oses[n] && lwkb_oses[n] != os && lwkb_oses[n]->booted &&
		    n % tramp_pages == page) {
			dev_err(os->dev,
				"trampoline page 0x%lx is in use by os%u; reserve more with tramp_pages\n",
				tramp_addr + page * PAGE_SIZE, n);
			return -EBUSY;
		}
	/* Nor its low-memory window, which a Linux co-kernel keeps using. */
	for (n = 0; os->is_linux && n < LWKB_MAX_OS; n++)
		if (lwkb_oses[n] && lwkb_oses[n] != os && lwkb_oses[n]->booted &&
		    lwkb_oses[n]->is_linux && n % linux_windows == os->index % linux_windows) {
			dev_err(os->dev,
				"low-memory window 0x%lx is in use by os%u; reserve more with linux_windows\n",
				lwkb_linux_window(os), n);
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
		dev_err(os->dev, "no %lu KiB for the status area of %u cores\n",
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
 * Room to record this boot's chunks (record_boot, for dump), grown when a
 * boot has more; only the ioctls under lwkb_lock read it.
 */
static int alloc_chunk_record(struct lwkb_os *os)
{
	u32 n = lwkb_os_nr_chunks(os);
	struct lwkb_mem_chunk *c;

	if (n <= os->last.chunks_room)
		return 0;
	c = kvcalloc(n, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	os->last.valid = false;
	kvfree(os->last.chunks);
	os->last.chunks = c;
	os->last.chunks_room = n;
	return 0;
}

/*
 * kmsg, status and the IKC area: allocated at the first boot (the status
 * area grown when a boot has more cores), kept until destroy.
 */
static int alloc_shared_pages(struct lwkb_os *os)
{
	int ret;

	ret = alloc_chunk_record(os);
	if (ret)
		return ret;
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

/* No IKC user may touch the area while it is formatted. */
static int format_ikc(struct lwkb_os *os)
{
	int ret = mutex_lock_killable(&os->ikc_lock);

	if (ret)
		return ret;
	lwkb_ikc_init(os->ikc_area);
	WRITE_ONCE(os->ikc_stop, false);
	mutex_unlock(&os->ikc_lock);
	return 0;
}

/* The assigned CPUs, in Linux's order: LWK core i runs on host_cpus[i]. */
static void list_cores(struct lwkb_os *os)
{
	unsigned int cpu;

	os->nr_cores = 0;
	for_each_cpu(cpu, os->cpus)
		os->host_cpus[os->nr_cores++] = cpu;
}

/*
 * What shutdown, IKC and a dump need of this boot, from the host's own
 * records (dump.c): the cores' APIC ids and NUMA ids, and the layout.
 */
static void record_boot(struct lwkb_os *os, struct lwkb_chunk *img,
			struct lwkb_boot_info *bi)
{
	u32 i;

	for (i = 0; i < os->nr_cores; i++) {
		os->apic_ids[i] = lwkb_bi_cores(bi)[i].apic_id;
		os->core_numa[i] = lwkb_bi_cores(bi)[i].numa_id;
	}
	os->last.image_phys = bi->image_phys;
	os->last.high_size = bi->high_size;
	os->last.loader_end = bi->loader_end;
	os->last.boot_info_phys = virt_to_phys(bi);
	os->last.chunk_end = img->start + img->size;
	os->last.nr_chunks = min_t(u32, bi->nr_chunks, os->last.chunks_room);
	for (i = 0; i < os->last.nr_chunks; i++)
		os->last.chunks[i] = lwkb_bi_chunks(bi)[i];
}

/*
 * INIT every CPU assigned to the instance, twice, some time apart: after a
 * failed wake, LWK core 0 may have reached its entry after the waker's
 * last look (loader/wake.c INITs it, but it may have started other cores
 * first, and only the host knows them all); and a SIPI that core 0 sent
 * just before its own INIT may reach a sibling after the sibling's first
 * INIT (IPIs from two senders are not ordered; QEMU also keeps a pending
 * SIPI across an INIT), hence the second round.  Also run before a boot
 * writes anything: no core of an earlier boot may still run the memory
 * that the image and boot_info are about to overwrite.  An INIT to a core
 * in wait-for-SIPI changes nothing (SDM vol. 3A, "MP Initialization
 * Protocol"); any other core is reset into that state, whatever it ran.
 */
static void stop_cpus(struct lwkb_os *os)
{
	unsigned int cpu, round;

	for (round = 0; round < 2; round++) {
		if (round)
			usleep_range(1000, 2000);
		for_each_cpu(cpu, os->cpus)
			lwkb_send_init(cpu_physical_id(cpu));
	}
}

/*
 * Marks the instance booted, then wakes LWK core 0.  booted is set before
 * the last look at lwkb_going_down, paired with the barrier in the reboot
 * notifier: either the notifier sees this instance booted (and INITs it),
 * or this boot sees Linux going down.
 */
static int start_core0(struct lwkb_os *os, struct lwkb_host *h)
{
	int ret;

	os->last_heartbeat = 0;
	os->last_beat = jiffies;
	os->reported = LWKB_STATUS_BOOTING;
	os->was_running = false;
	os->freeze_asked = false;	/* the status page's freeze_req is 0 again */
	WRITE_ONCE(os->booted, true);
	smp_mb();
	if (READ_ONCE(lwkb_going_down)) {
		os->booted = false;
		return -ESHUTDOWN;
	}
	ret = lwkb_host_start(h);
	if (ret) {
		stop_cpus(os);
		os->booted = false;
		return ret;
	}
	os->last.valid = true;
	dev_info(os->dev, "LWK core 0 (cpu %u, APIC id %u) started, %u cores\n",
		 h->core0.host_cpu, h->core0.apic_id, os->nr_cores);
	return 0;
}

int lwkb_os_boot(struct lwkb_os *os)
{
	struct lwkb_boot b = { .os = os };
	char err[320];
	int ret;

	ret = boot_ready(os, &b.img);
	if (!ret)
		ret = alloc_shared_pages(os);
	if (!ret)
		ret = format_ikc(os);
	if (ret)
		return ret;
	list_cores(os);
	stop_cpus(os);			/* nothing may run what is rewritten */
	os->last.valid = false;		/* its memory is about to be rewritten */
	ret = lwkb_boot_fill(&b);
	if (!ret) {
		ret = lwkb_host_prepare(&b.h, err, sizeof(err));
		if (ret)
			dev_err(os->dev, "%s\n", err);
	}
	lwkb_boot_free(&b);
	if (ret)
		goto out_pt;
	record_boot(os, b.img, b.h.prep.bi);
	ret = start_core0(os, &b.h);
	if (ret)
		goto out_pt;
	/* A notifier that gave up on the lock may have sent its INITs before
	 * the wake: stop the LWK again (no-op when the notifier is not running). */
	if (READ_ONCE(lwkb_going_down)) {
		lwkb_os_shutdown(os, true);
		return -ESHUTDOWN;
	}
	return 0;
out_pt:
	lwkb_os_free_pt_pool(os);
	return ret;
}
