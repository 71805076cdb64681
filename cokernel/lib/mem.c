// SPDX-License-Identifier: MIT
/*
 * The LWK's memory: a bump allocator over the rest of the chunk that holds
 * the image (from boot_info.loader_end on), and the LWK's own page table
 * built from it, so the host can free its temporary table pages once the
 * LWK runs.
 */
#include "internal.h"

lwkb_u64 lwk_cr3;
static lwkb_u64 alloc_next, alloc_end;

/* Core 0, before the first allocation: [loader_end, end of the image's chunk). */
void lwk_mem_init(lwkb_u64 image_phys)
{
	lwkb_u32 i;

	alloc_next = lwk_bi->loader_end;
	alloc_end = 0;
	for (i = 0; i < lwk_bi->nr_chunks; i++)
		if (lwkb_bi_chunks(lwk_bi)[i].start <= image_phys && image_phys < lwkb_bi_chunks(lwk_bi)[i].end)
			alloc_end = lwkb_bi_chunks(lwk_bi)[i].end;
}

lwkb_u64 lwk_alloc_pages(lwkb_u64 n)
{
	lwkb_u64 sz = n * LWKB_PAGE_SIZE;
	lwkb_u64 p = __atomic_fetch_add(&alloc_next, sz, __ATOMIC_RELAXED);

	if (p + sz > alloc_end)
		lwk_panic("out of memory allocating %llu pages at 0x%llx",
			  (unsigned long long)n, (unsigned long long)p);
	if (lwk_st) {	/* the high-water mark, for a dump of what the kernel uses */
		lwkb_u64 old = __atomic_load_n(&lwk_st->mem_used_end, __ATOMIC_RELAXED);

		while (old < p + sz &&
		       !__atomic_compare_exchange_n(&lwk_st->mem_used_end, &old, p + sz, 0,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	lwkb_memset(phys_to_virt(p), 0, sz);
	return p;
}

lwkb_u64 lwk_alloc_page(void)
{
	return lwk_alloc_pages(1);
}

static lwkb_u64 pt_alloc(void *ctx)
{
	(void)ctx;
	return lwk_alloc_page();
}

static void *pt_p2v(void *ctx, lwkb_u64 phys)
{
	(void)ctx;
	return phys_to_virt(phys);
}

/*
 * The LWK's own table: the identity range and the high half as the
 * temporary table has them, except that the local APIC's page is mapped on
 * its own, uncacheable (PCD|PWT).  The SDM wants the APIC registers UC
 * (vol. 3A, "Local APIC"), and a large page across the mixed memory types of
 * the 3-4 GiB hole is undefined ("Large Page Size Considerations"); the
 * mapper then uses 2 MiB and 4 KiB pages only around that page.
 */
void lwk_paging_init(void)
{
	struct lwkb_pt pt = { .alloc = pt_alloc, .p2v = pt_p2v,
			      .allow_1g = lwkb_cpu_has_1g_pages() };
	lwkb_u64 apic = lwk_bi->apic_phys & ~(LWKB_PAGE_SIZE - 1);
	lwkb_u64 end = lwk_bi->ident_end;
	int bad;

	bad = lwkb_pt_init(&pt);
	if (!bad && apic && apic + LWKB_PAGE_SIZE <= end) {
		bad = (apic && lwkb_pt_map(&pt, 0, 0, apic, LWKB_PTE_W)) ||
		      lwkb_pt_map(&pt, apic, apic, LWKB_PAGE_SIZE,
				  LWKB_PTE_W | LWKB_PTE_PCD | LWKB_PTE_PWT) ||
		      (end > apic + LWKB_PAGE_SIZE &&
		       lwkb_pt_map(&pt, apic + LWKB_PAGE_SIZE, apic + LWKB_PAGE_SIZE,
				   end - apic - LWKB_PAGE_SIZE, LWKB_PTE_W));
	} else if (!bad) {
		bad = lwkb_pt_map(&pt, 0, 0, end, LWKB_PTE_W);
	}
	if (bad || lwkb_pt_map(&pt, LWKB_KERNEL_VBASE, lwk_bi->image_phys,
			       lwk_bi->high_size, LWKB_PTE_W))
		lwk_panic("building the LWK page table failed");
	lwk_cr3 = pt.root;
	lwk_load_cr3();
	lwk_printk("lwk: own page table at 0x%llx (%u pages), identity [0, 0x%llx)\n",
		   (unsigned long long)lwk_cr3, pt.pages,
		   (unsigned long long)lwk_bi->ident_end);
}

/* Switches this core to the LWK's table (lwk_paging_init built it). */
void lwk_load_cr3(void)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(lwk_cr3) : "memory");
}
