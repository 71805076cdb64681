// SPDX-License-Identifier: GPL-2.0
/*
 * What loader/'s host sequence (loader/host.c) asks of Linux: the
 * platform its waker sends IPIs through, and the host callbacks that
 * allocate the temporary page table's pool and describe the instance's
 * cores, memory chunks and NUMA distances as Linux sees them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/string.h>
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

/*
 * A CPU's node, never NUMA_NO_NODE: a CPU that was never online and has no
 * SRAT entry may have none (arch/x86/mm/numa.c leaves it -1); it counts
 * as the first online node.
 */
static int cpu_node(unsigned int cpu)
{
	int nid = cpu_to_node(cpu);

	return nid >= 0 && nid < MAX_NUMNODES ? nid : first_online_node;
}

/* LWK core i runs on the i-th assigned CPU (os_boot.c, list_cores). */
static void kmod_core(void *ctx, u32 i, struct lwkb_host_core *c)
{
	struct lwkb_os *os = ((struct lwkb_boot *)ctx)->os;
	unsigned int cpu = os->host_cpus[i];

	c->host_cpu = cpu;
	c->apic_id = cpu_physical_id(cpu);
	c->host_node = cpu_node(cpu);
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

/*
 * Frees the temporary page table and the slot table after them.  First the
 * trampoline page says it has no slot in use: a core that a late STARTUP
 * IPI sends through the page after this (a SIPI stays pending across an
 * INIT in QEMU and KVM) then counts itself stray and halts in 32-bit mode
 * (trampoline.asm, .no_slot) instead of searching a slot table and loading
 * CR3 from pages that are Linux's again.
 */
void lwkb_os_free_pt_pool(struct lwkb_os *os)
{
	void *page = (char *)tramp_virt_base +
		     (size_t)(os->index % tramp_pages) * PAGE_SIZE;

	if (os->pt_pool && tramp_virt_base)
		__atomic_store_n(&lwkb_tramp_data(page)->nr_slots, 0, __ATOMIC_SEQ_CST);
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

/* ---- a Linux bzImage as the co-kernel (loader/linux.c) ---- */
static void *kmod_lx_p2v(void *ctx, u64 phys, u64 len)
{
	/* The plan keeps every write inside the instance's chunks: RAM the
	 * module took from Linux, in the direct map. */
	return phys_to_virt(phys);
}

/*
 * The co-kernel's command line: the user's kargs, then what only the host
 * knows and the parameters that keep a stock kernel inside its partition
 * (../shared/notes/linux-cokernel.md, docs/linux-cokernel.md):
 *  - earlycon on the second UART and 8250.nr_uarts=0: never the host's
 *    console port;
 *  - nokaslr: the decompressor stays in [load, +init_size)
 *    (arch/x86/boot/compressed/kaslr.c); no5lvl: no low-memory trampoline
 *    of its own (compressed/pgtable_64.c);
 *  - pci=off, numa=off, nox2apic on an xAPIC host, no_ipi_broadcast=1 (its
 *    all-but-self IPIs would reach the host: arch/x86/kernel/apic/ipi.c),
 *    panic=0 (hang, never reset), nmi_watchdog=0, io_delay=none (no port
 *    0x80), tsc=reliable;
 *  - tsc_early_khz: the host's TSC, so no PIT calibration decides it
 *    (arch/x86/kernel/tsc.c); disable_cpu_apicid: the host's boot CPU,
 *    which the MADT lists first for 6.12's sake (loader/linux.c), is never
 *    started by 6.1 (arch/x86/kernel/apic/apic.c);
 *  - lwkcon.*: where lwkcon.ko finds the kmsg ring and the status area.
 */
/*
 * Parameters a user's kargs may not give a Linux co-kernel: for each the
 * first value wins or values add up, so the host's own, appended after,
 * cannot correct them, and each takes the co-kernel out of its partition
 * (a console on the host's UART, RAM outside its memory, the firmware's
 * MP table or ACPI tables with every host CPU in them).
 */
static const char *const linux_kargs_refused[] = {
	"earlycon", "earlyprintk", "memmap", "acpi", "acpi_rsdp",
};

/*
 * The user's kargs for a Linux co-kernel: balanced quotes, no refused
 * parameter before a standalone "--" (after it, everything is init's:
 * Linux's parse_args stops there, kernel/params.c), and where that "--"
 * is (*init_args, or NULL), so the host's parameters go before it.
 */
static int linux_kargs_check(struct lwkb_os *os, const char **init_args)
{
	const char *k = os->kargs, *p = k, *word;
	bool quoted = false;
	size_t i, len, klen;

	*init_args = NULL;
	for (; *p; p++)
		if (*p == '"')
			quoted = !quoted;
	if (quoted) {
		dev_err(os->dev, "kernel arguments: a '\"' is not closed\n");
		return -EINVAL;
	}
	for (p = k; *p; ) {
		p = skip_spaces(p);
		word = p;
		for (quoted = false; *p && (quoted || !isspace(*p)); p++)
			if (*p == '"')
				quoted = !quoted;
		len = p - word;
		if (len == 2 && word[0] == '-' && word[1] == '-') {
			*init_args = word;
			return 0;
		}
		for (i = 0; i < ARRAY_SIZE(linux_kargs_refused); i++) {
			klen = strlen(linux_kargs_refused[i]);
			if (len >= klen && !strncmp(word, linux_kargs_refused[i], klen) &&
			    (len == klen || word[klen] == '=')) {
				dev_err(os->dev,
					"kernel arguments: '%.*s' would take a Linux co-kernel out of its partition\n",
					(int)min_t(size_t, len, 64), word);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int linux_cmdline(struct lwkb_boot *b)
{
	struct lwkb_os *os = b->os;
	const char *init_args;
	int n, user;

	n = linux_kargs_check(os, &init_args);
	if (n)
		return n;
	user = init_args ? init_args - os->kargs : strlen(os->kargs);
	b->cmdline = kmalloc(LWKB_LX_CMDLINE_MAX + 1, GFP_KERNEL);
	if (!b->cmdline)
		return -ENOMEM;
	/* The user's parameters, the host's (last, so theirs win), init's. */
	n = snprintf(b->cmdline, LWKB_LX_CMDLINE_MAX + 1,
		     "%.*s%searlycon=uart8250,io,0x2f8,115200 keep_bootcon nokaslr no5lvl 8250.nr_uarts=0 pci=off numa=off %sno_ipi_broadcast=1 panic=0 nmi_watchdog=0 tsc=reliable io_delay=none tsc_early_khz=%u disable_cpu_apicid=%u lwkcon.kmsg=0x%llx lwkcon.kmsg_size=%lu lwkcon.status=0x%llx lwkcon.status_size=%lu lwkcon.cores=%u%s%s",
		     user, os->kargs, user && !isspace(os->kargs[user - 1]) ? " " : "",
		     x2apic_mode ? "" : "nox2apic ",
		     tsc_khz, cpu_physical_id(0),
		     (unsigned long long)page_to_phys(os->kmsg_page), LWKB_KMSG_AREA,
		     (unsigned long long)page_to_phys(os->status_page),
		     PAGE_SIZE << os->status_order, os->nr_cores,
		     init_args ? " " : "", init_args ? init_args : "");
	if (n > LWKB_LX_CMDLINE_MAX) {
		dev_err(os->dev,
			"kernel arguments of %zu bytes: with lwkboot's own the command line needs %d bytes, at most %d fit\n",
			strlen(os->kargs), n, LWKB_LX_CMDLINE_MAX);
		return -E2BIG;
	}
	return 0;
}

static int linux_fill(struct lwkb_boot *b)
{
	struct lwkb_os *os = b->os;
	struct lwkb_linux *lx;
	int ret;

	ret = linux_cmdline(b);
	if (ret)
		return ret;
	lx = kzalloc(sizeof(*lx), GFP_KERNEL);
	if (!lx)
		return -ENOMEM;
	b->lx = lx;
	lx->image = os->image;
	lx->image_size = os->image_size;
	lx->initrd = os->initrd;
	lx->initrd_size = os->initrd_size;
	lx->cmdline = b->cmdline;
	lx->low_phys = lwkb_linux_window(os);
	lx->low_size = LWKB_LINUX_WINDOW;
	lx->apic_phys = b->h.prep.apic_phys;
	lx->decoy_apic_id = cpu_physical_id(0);
	lx->p2v = kmod_lx_p2v;
	b->h.lx = lx;
	return 0;
}

void lwkb_boot_free(struct lwkb_boot *b)
{
	kfree(b->lx);
	kfree(b->cmdline);
	b->lx = NULL;
	b->cmdline = NULL;
	b->h.lx = NULL;
}

/* The host NUMA nodes of the instance's cores and chunks: boot_info's room. */
static u32 os_nr_nodes(struct lwkb_os *os)
{
	nodemask_t nodes = NODE_MASK_NONE;
	struct lwkb_chunk *c;
	u32 i;

	for (i = 0; i < os->nr_cores; i++)
		node_set(cpu_node(os->host_cpus[i]), nodes);
	list_for_each_entry(c, &lwkb_chunks, list)
		if (c->os == os->index)
			node_set(c->nid, nodes);
	return nodes_weight(nodes);
}

/* What the instance and Linux give loader/'s host sequence. */
int lwkb_boot_fill(struct lwkb_boot *b)
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
	p->nr_chunks = lwkb_os_nr_chunks(os);
	p->nr_numa = os_nr_nodes(os);
	p->numa_host = b->img->nid;
	h->ram_end = ram_end();
	h->status = os->status;
	h->status_size = PAGE_SIZE << os->status_order;
	h->ikc_phys = page_to_phys(os->ikc_page);
	h->ikc_size = LWKB_IKC_AREA_SIZE;
	h->kargs = os->kargs;
	h->init_delay_us = READ_ONCE(init_delay_us);
	h->wake_timeout_us = READ_ONCE(wake_timeout_us);
	b->chunk = list_prepare_entry(b->chunk, &lwkb_chunks, list);	/* before the first */
	b->pf = (struct lwkb_platform){
		.ctx = b, .send_init = kmod_send_init, .send_sipi = kmod_send_sipi,
		.udelay = kmod_udelay, .log = kmod_log,
	};
	h->pf = &b->pf;
	h->ops = &kmod_host_ops;
	h->ctx = b;
	return os->is_linux ? linux_fill(b) : 0;
}

