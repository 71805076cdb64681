// SPDX-License-Identifier: GPL-2.0
/*
 * What loader/'s host sequence (loader/host.c) asks of Linux: the
 * platform its waker sends IPIs through, and the host callbacks that
 * allocate the temporary page table's pool and describe the instance's
 * cores, memory chunks and NUMA distances as Linux sees them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/topology.h>
#include <asm/apic.h>
#include <asm/msr.h>
#include <asm/smp.h>
#include <asm/tsc.h>
#include "lwkboot.h"
#include "lwkboot/ikc.h"

/* ---- the platform loader/ runs on, inside Linux ---- */
static int kmod_send_init(void *ctx, u32 apic_id)
{
	return lwkb_send_init(apic_id);
}

static int kmod_send_sipi(void *ctx, u32 apic_id, u8 vector)
{
	return lwkb_send_ipi(APIC_DM_STARTUP | vector, apic_id);
}

static void kmod_udelay(void *ctx, u32 us)
{
	if (us >= 1000)
		usleep_range(us, us + us / 8);
	else
		udelay(us);
}

static void kmod_log(void *ctx, const char *msg)
{
	struct lwkb_boot *b = ctx;

	dev_info(b->os->dev, "%s\n", msg);
}

/* ---- what loader/'s host sequence asks of Linux ---- */
/*
 * The temporary page table's pool, in one block below 4 GiB: CR3 is loaded
 * in 32-bit mode.  Freed at shutdown or when the boot fails.
 */
static int kmod_alloc_pt_pool(void *ctx, u32 pages, u64 *phys, void **virt)
{
	struct lwkb_os *os = ((struct lwkb_boot *)ctx)->os;

	os->pt_pool_order = get_order((size_t)pages * PAGE_SIZE);
	os->pt_pool = lwkb_alloc_pages(NUMA_NO_NODE, GFP_KERNEL | GFP_DMA32 | __GFP_ZERO |
				       __GFP_NOWARN, os->pt_pool_order);
	if (!os->pt_pool)
		return -ENOMEM;
	*phys = page_to_phys(os->pt_pool);
	*virt = page_address(os->pt_pool);
	return 0;
}

/* LWK core i runs on the i-th assigned CPU (os_boot.c, list_cores). */
static void kmod_core(void *ctx, u32 i, struct lwkb_host_core *c)
{
	struct lwkb_os *os = ((struct lwkb_boot *)ctx)->os;
	unsigned int cpu = os->host_cpus[i];

	c->host_cpu = cpu;
	c->apic_id = cpu_physical_id(cpu);
	c->host_node = cpu_to_node(cpu);
	c->ikc_cpu = os->ikc[cpu] >= 0 ? os->ikc[cpu] : 0;
}

/* The instance's chunks but the first, in the order of lwkb_chunks. */
static int kmod_next_chunk(void *ctx, struct lwkb_host_chunk *hc)
{
	struct lwkb_boot *b = ctx;
	struct lwkb_chunk *c = b->chunk;

	list_for_each_entry_continue(c, &lwkb_chunks, list) {
		if (c->os != b->os->index || c == b->img)
			continue;
		b->chunk = c;
		hc->start = c->start;
		hc->end = c->start + c->size;
		hc->host_node = c->nid;
		return 1;
	}
	return 0;
}

static u32 kmod_numa_distance(void *ctx, u32 from, u32 to)
{
	return node_distance(from, to);
}

static const struct lwkb_host_ops kmod_host_ops = {
	.alloc_pt_pool = kmod_alloc_pt_pool,
	.core = kmod_core,
	.next_chunk = kmod_next_chunk,
	.numa_distance = kmod_numa_distance,
};

void lwkb_os_free_pt_pool(struct lwkb_os *os)
{
	if (os->pt_pool) {
		lwkb_free_pages(os->pt_pool, os->pt_pool_order);
		os->pt_pool = NULL;
	}
}

/* This CPU's local APIC registers (the base field of IA32_APIC_BASE). */
static u64 apic_phys(void)
{
	u64 apic_base;

	rdmsrl(MSR_IA32_APICBASE, apic_base);
	return apic_base & LWKB_APIC_BASE_ADDR;
}

/* The end of the highest online node's memory. */
static u64 ram_end(void)
{
	u64 end = 0;
	int nid;

	for_each_online_node(nid)
		end = max_t(u64, end, PFN_PHYS(node_end_pfn(nid)));
	return end;
}

/* What the instance and Linux give loader/'s host sequence. */
void lwkb_boot_fill(struct lwkb_boot *b)
{
	struct lwkb_os *os = b->os;
	struct lwkb_host *h = &b->h;
	struct lwkb_prepare *p = &h->prep;
	phys_addr_t tramp = tramp_addr + (phys_addr_t)(os->index % tramp_pages) * PAGE_SIZE;

	p->mem_phys = b->img->start;
	p->mem_size = b->img->size;
	p->mem_virt = phys_to_virt(b->img->start);
	p->elf = os->image;
	p->elf_size = os->image_size;
	p->tramp_phys = tramp;
	p->tramp_virt = (char *)tramp_virt_base + (tramp - tramp_addr);
	p->allow_1g = boot_cpu_has(X86_FEATURE_GBPAGES);
	p->nx = boot_cpu_has(X86_FEATURE_NX);
	p->apic_mode = x2apic_mode ? LWKB_APIC_X2APIC : LWKB_APIC_XAPIC;
	p->apic_phys = apic_phys();
	p->tsc_khz = tsc_khz;
	p->kmsg_phys = page_to_phys(os->kmsg_page);
	p->kmsg_size = LWKB_KMSG_AREA;
	p->status_phys = page_to_phys(os->status_page);
	p->nr_cores = os->nr_cores;
	p->numa_host = b->img->nid;
	h->ram_end = ram_end();
	h->status = os->status;
	h->status_size = PAGE_SIZE << os->status_order;
	h->ikc_phys = page_to_phys(os->ikc_page);
	h->ikc_size = LWKB_IKC_AREA_SIZE;
	h->kargs = os->kargs;
	h->init_delay_us = READ_ONCE(init_delay_us);
	b->chunk = list_prepare_entry(b->chunk, &lwkb_chunks, list);	/* before the first */
	b->pf = (struct lwkb_platform){
		.ctx = b, .send_init = kmod_send_init, .send_sipi = kmod_send_sipi,
		.udelay = kmod_udelay, .log = kmod_log,
	};
	h->pf = &b->pf;
	h->ops = &kmod_host_ops;
	h->ctx = b;
}

