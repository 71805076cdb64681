// SPDX-License-Identifier: MIT
/*
 * Booting an instance from a host: the one sequence the Linux module
 * (kmod/os_boot.c) and the EFI host (efi/main.c) run.  Each host gives its
 * memory and its callbacks in struct lwkb_host (lwkb_loader.h); nothing
 * here allocates.
 */
#include "lwkb_loader.h"

/*
 * The identity map covers all RAM and the local APIC's page (the boot
 * contract, docs/boot-contract.md): the APIC sits above RAM on a machine
 * with little memory (0xfee00000 by default, SDM vol. 3A "Local APIC
 * Status and Location").
 */
static lwkb_u64 ident_end(lwkb_u64 ram_end, lwkb_u64 apic_phys)
{
	lwkb_u64 apic_end = apic_phys + LWKB_PAGE_SIZE;

	return ram_end > apic_end ? ram_end : apic_end;
}

/*
 * The pool below 4 GiB: the temporary table, as large as the builder may
 * need, then the trampoline's slot table with a slot for every core.
 */
static int alloc_pt_pool(struct lwkb_host *h, char *err, lwkb_size_t errlen)
{
	struct lwkb_prepare *p = &h->prep;
	lwkb_u32 pages, slot_pages;
	int rc;

	if (p->nr_cores == 0 || p->nr_cores > LWKB_TRAMP_MAX_SLOTS)
		return lwkb_err(err, errlen, -LWKB_EINVAL, "%u cores: want 1 to %u",
				p->nr_cores, LWKB_TRAMP_MAX_SLOTS);
	pages = lwkb_tmp_pt_pages(p->allow_1g, p->ident_end, p->mem_phys,
				  p->mem_size < 2 * LWKB_1G ? p->mem_size : 2 * LWKB_1G);
	if (!pages)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"no temporary page table can map [0, 0x%llx)",
				(unsigned long long)p->ident_end);
	slot_pages = (lwkb_u32)(LWKB_TRAMP_SLOTS_BYTES(p->nr_cores) / LWKB_PAGE_SIZE);
	rc = h->ops->alloc_pt_pool(h->ctx, pages + slot_pages, &p->pt_pool_phys,
				   &p->pt_pool_virt);
	if (rc)
		return lwkb_err(err, errlen, rc,
				"no %u contiguous free pages below 4 GiB for the temporary page table and slot table",
				pages + slot_pages);
	p->pt_pool_pages = pages;
	p->slots_phys = p->pt_pool_phys + (lwkb_u64)pages * LWKB_PAGE_SIZE;
	p->slots_virt = (char *)p->pt_pool_virt + (lwkb_u64)pages * LWKB_PAGE_SIZE;
	p->max_slots = p->nr_cores;
	return 0;
}

/*
 * The LWK NUMA id of host node 'node', added to boot_info when new, with
 * the host's distances to the nodes already there.
 */
static int lwk_numa(struct lwkb_host *h, struct lwkb_boot_info *bi, lwkb_u32 node,
		    lwkb_u32 *id, char *err, lwkb_size_t errlen)
{
	lwkb_u32 i, j;

	for (i = 0; i < bi->nr_numa; i++)
		if (lwkb_bi_numa(bi)[i].host_id == node) {
			*id = i;
			return 0;
		}
	if (lwkb_bootinfo_add_numa(bi, node, 0))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"NUMA node %u: more NUMA nodes than the %u the host counted",
				node, bi->numa_max);
	for (j = 0; h->ops->numa_distance && j < bi->nr_numa; j++) {
		lwkb_u32 other = lwkb_bi_numa(bi)[j].host_id;

		*lwkb_bi_distance(bi, i, j) = (lwkb_u8)h->ops->numa_distance(h->ctx, node, other);
		*lwkb_bi_distance(bi, j, i) = (lwkb_u8)h->ops->numa_distance(h->ctx, other, node);
	}
	*id = i;
	return 0;
}

static int add_cores(struct lwkb_host *h, struct lwkb_boot_info *bi, char *err,
		     lwkb_size_t errlen)
{
	struct lwkb_host_core c;
	lwkb_u32 i, numa;
	int rc;

	for (i = 0; i < h->prep.nr_cores; i++) {
		h->ops->core(h->ctx, i, &c);
		rc = lwk_numa(h, bi, c.host_node, &numa, err, errlen);
		if (rc)
			return rc;
		rc = lwkb_bootinfo_add_core(bi, c.host_cpu, c.apic_id, numa);
		if (rc)
			return lwkb_err(err, errlen, -LWKB_EINVAL, "CPU %u (APIC id %u): %s",
					c.host_cpu, c.apic_id, rc == -LWKB_EEXIST ?
					"its CPU or APIC id is listed twice" :
					"too many cores for boot_info");
		lwkb_bi_ikc_map(bi)[i] = c.ikc_cpu;
	}
	return 0;
}

/* The memory chunks after the first, which lwkb_prepare added. */
static int add_chunks(struct lwkb_host *h, struct lwkb_boot_info *bi, char *err,
		      lwkb_size_t errlen)
{
	struct lwkb_host_chunk c;
	lwkb_u32 numa;
	int rc;

	while (h->ops->next_chunk && h->ops->next_chunk(h->ctx, &c)) {
		rc = lwk_numa(h, bi, c.host_node, &numa, err, errlen);
		if (rc)
			return rc;
		rc = lwkb_bootinfo_add_chunk(bi, c.start, c.end, numa);
		if (rc == -LWKB_ENOSPC)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"memory chunk 0x%llx-0x%llx: more than the %u memory chunks the host counted",
					(unsigned long long)c.start, (unsigned long long)c.end,
					bi->chunks_max);
		if (rc)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"memory chunk 0x%llx-0x%llx is empty",
					(unsigned long long)c.start, (unsigned long long)c.end);
	}
	return 0;
}

/* ---- a Linux bzImage (loader/linux.c) ---- */

/* The LWK's memory and cores, as the host's callbacks give them. */
static int linux_gather(struct lwkb_host *h, char *err, lwkb_size_t errlen)
{
	struct lwkb_linux *lx = h->lx;
	struct lwkb_host_chunk c;
	struct lwkb_host_core hc;
	lwkb_u32 i;

	lx->mem[0].start = h->prep.mem_phys;
	lx->mem[0].end = h->prep.mem_phys + h->prep.mem_size;
	lx->mem_node[0] = h->prep.numa_host;
	lx->nr_mem = 1;
	while (h->ops->next_chunk && h->ops->next_chunk(h->ctx, &c)) {
		if (lx->nr_mem >= LWKB_MAX_CHUNKS || lx->nr_mem >= 64)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"memory chunk 0x%llx-0x%llx: more than %u memory chunks; assign fewer, larger ones",
					(unsigned long long)c.start, (unsigned long long)c.end,
					LWKB_MAX_CHUNKS);
		lx->mem[lx->nr_mem].start = c.start;
		lx->mem[lx->nr_mem].end = c.end;
		lx->mem_node[lx->nr_mem++] = c.host_node;
	}
	if (h->prep.nr_cores > 1024)
		return lwkb_err(err, errlen, -LWKB_EINVAL, "%u cores", h->prep.nr_cores);
	for (i = 0; i < h->prep.nr_cores; i++) {
		h->ops->core(h->ctx, i, &hc);
		lx->apic_ids[i] = hc.apic_id;
	}
	lx->nr_cores = h->prep.nr_cores;
	return 0;
}

/*
 * boot_info in the tables region's extra part, then core 0's stack: the
 * host's records (cores, chunks, kmsg, status) as for an ELF co-kernel,
 * though Linux itself never reads it.
 */
#define LX_STACK	(16 * 1024)
static lwkb_u64 linux_bi_size(const struct lwkb_host *h)
{
	return lwkb_bootinfo_size(h->lx->nr_cores, h->lx->nr_mem,
				  h->prep.nr_numa ? h->prep.nr_numa : 1);
}

static int linux_boot_info(struct lwkb_host *h, const struct lwkb_tmp_pt *t,
			   char *err, lwkb_size_t errlen)
{
	struct lwkb_linux *lx = h->lx;
	struct lwkb_prepare *p = &h->prep;
	struct lwkb_boot_info *bi;
	lwkb_u32 i, numa;
	int rc;

	bi = lx->p2v(lx->ctx, lx->extra_phys, lx->extra_size);
	if (!bi)
		return lwkb_err(err, errlen, -LWKB_EINVAL, "boot_info at 0x%llx cannot be written",
				(unsigned long long)lx->extra_phys);
	lwkb_memset(bi, 0, lx->extra_size);
	rc = lwkb_bootinfo_init(bi, linux_bi_size(h), lx->nr_cores, lx->nr_mem,
				p->nr_numa ? p->nr_numa : 1);
	if (rc)
		return lwkb_err(err, errlen, rc, "boot_info for %u cores: error %d",
				lx->nr_cores, rc);
	lwkb_bootinfo_fill_host(bi, p, t);
	bi->image_phys = lx->load_phys;
	bi->image_end = lx->load_phys + lx->bz.init_size;
	bi->loader_end = lx->run_end;
	bi->stacks_phys = lx->extra_phys + LWKB_ALIGN_UP(linux_bi_size(h), LWKB_PAGE_SIZE);
	bi->stack_size = LX_STACK;	/* lwkb_stack_top(bi, 0): the region's end */
	p->bi = bi;
	p->bi_phys = lx->extra_phys;
	p->entry = lx->entry;
	for (i = 0; i < lx->nr_mem; i++) {
		rc = lwk_numa(h, bi, lx->mem_node[i], &numa, err, errlen);
		if (rc)
			return rc;
		if (lwkb_bootinfo_add_chunk(bi, lx->mem[i].start, lx->mem[i].end, numa))
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"memory chunk 0x%llx-0x%llx does not fit in boot_info",
					(unsigned long long)lx->mem[i].start,
					(unsigned long long)lx->mem[i].end);
	}
	return add_cores(h, bi, err, errlen);
}

static int linux_prepare(struct lwkb_host *h, char *err, lwkb_size_t errlen)
{
	struct lwkb_linux *lx = h->lx;
	struct lwkb_prepare *p = &h->prep;
	struct lwkb_tmp_pt t;
	struct lwkb_tramp_params tp;
	int rc;

	rc = linux_gather(h, err, errlen);
	if (rc)
		return rc;
	if (!linux_bi_size(h))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info cannot hold %u cores, %u chunks, %u NUMA nodes",
				lx->nr_cores, lx->nr_mem, p->nr_numa);
	lx->extra_size = LWKB_ALIGN_UP(linux_bi_size(h), LWKB_PAGE_SIZE) + LX_STACK;
	rc = lwkb_linux_plan(lx, err, errlen);
	if (rc)
		return rc;
	if (p->tramp_phys >= 0xA0000 || (p->tramp_phys & (LWKB_PAGE_SIZE - 1)) || !p->tramp_phys)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"trampoline page 0x%llx is not a page below 0xA0000",
				(unsigned long long)p->tramp_phys);
	/* Identity map of all RAM (the 64-bit boot protocol: the kernel, the
	 * zero page and the command line identity-mapped); the high half is
	 * unused by Linux but harmless. */
	p->ident_end = ident_end(h->ram_end, p->apic_phys);
	p->mem_phys = lx->load_phys;
	p->mem_size = lx->run_end - lx->load_phys;
	rc = alloc_pt_pool(h, err, errlen);
	if (rc)
		return rc;
	lwkb_memset(&t, 0, sizeof(t));
	t.pool_virt = p->pt_pool_virt;
	t.pool_phys = p->pt_pool_phys;
	t.pool_pages = p->pt_pool_pages;
	t.allow_1g = p->allow_1g;
	t.ident_end = p->ident_end;
	t.high_phys = p->mem_phys;
	t.high_size = p->mem_size < 2 * LWKB_1G ? p->mem_size : 2 * LWKB_1G;
	rc = lwkb_tmp_pt_build(&t);
	if (rc)
		return lwkb_err(err, errlen, rc, "temporary page table: error %d", rc);
	rc = lwkb_linux_build(lx, err, errlen);
	if (!rc)
		rc = linux_boot_info(h, &t, err, errlen);
	if (rc)
		return rc;
	/* The 64-bit entry: rsi = the zero page (boot.rst); rdi = boot_info. */
	tp = (struct lwkb_tramp_params){
		.page_phys = p->tramp_phys, .cr3 = t.cr3, .cr4 = LWKB_CR4_PAE,
		.efer_set = LWKB_EFER_LME | (p->nx ? LWKB_EFER_NXE : 0),
		.entry = lx->entry, .arg0 = p->bi_phys, .arg1 = lx->zp_phys,
		.slots_phys = p->slots_phys, .max_slots = p->max_slots,
	};
	rc = lwkb_tramp_install(p->tramp_virt, &tp);
	if (rc)
		return lwkb_err(err, errlen, rc, "installing the trampoline at 0x%llx: error %d",
				(unsigned long long)p->tramp_phys, rc);
	if (lwkb_bootinfo_set_kargs(p->bi, h->kargs))
		return lwkb_err(err, errlen, -LWKB_EINVAL, "kernel arguments too long");
	p->bi->ikc_phys = h->ikc_phys;
	p->bi->ikc_size = h->ikc_size;
	lwkb_status_init(h->status, h->status_size);
	return 0;
}

int lwkb_host_prepare(struct lwkb_host *h, char *err, lwkb_size_t errlen)
{
	struct lwkb_boot_info *bi;
	int rc;

	if (h->lx)
		return linux_prepare(h, err, errlen);
	h->prep.ident_end = ident_end(h->ram_end, h->prep.apic_phys);
	rc = alloc_pt_pool(h, err, errlen);
	if (!rc)
		rc = lwkb_prepare(&h->prep, err, errlen);
	if (rc)
		return rc;
	bi = h->prep.bi;
	rc = add_cores(h, bi, err, errlen);
	if (!rc)
		rc = add_chunks(h, bi, err, errlen);
	if (rc)
		return rc;
	if (lwkb_bootinfo_set_kargs(bi, h->kargs))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"kernel arguments of %u bytes: at most %u fit in boot_info",
				(unsigned)lwkb_strnlen(h->kargs, LWKB_KARGS_SIZE),
				bi->kargs_size - 1);
	bi->ikc_phys = h->ikc_phys;
	bi->ikc_size = h->ikc_size;
	lwkb_status_init(h->status, h->status_size);
	return 0;
}

int lwkb_host_start(struct lwkb_host *h)
{
	const struct lwkb_boot_info *bi = h->prep.bi;
	struct lwkb_wake_core *wc = &h->core0;
	struct lwkb_wake_params wp;
	int rc;

	lwkb_wake_defaults(&wp);
	wp.init_delay_us = h->init_delay_us;
	if (h->wake_timeout_us)
		wp.timeout_us = h->wake_timeout_us;
	lwkb_memset(wc, 0, sizeof(*wc));
	wc->apic_id = lwkb_bi_cores(bi)[0].apic_id;
	wc->lwk_id = 0;
	wc->host_cpu = lwkb_bi_cores(bi)[0].host_cpu;
	wc->stack_top = lwkb_stack_top(bi, 0);
	__atomic_store_n(&h->status->status, LWKB_STATUS_BOOTING, __ATOMIC_RELEASE);
	rc = lwkb_wake_cores(h->pf, h->prep.tramp_virt, h->prep.tramp_phys,
			     h->prep.slots_virt, h->prep.max_slots, wc, 1, &wp);
	if (rc)
		__atomic_store_n(&h->status->status, LWKB_STATUS_INACTIVE, __ATOMIC_RELEASE);
	return rc;
}
