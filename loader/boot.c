// SPDX-License-Identifier: MIT
/*
 * Preparing an instance for boot: the steps the Linux module and the EFI
 * host share.  Layout of the LWK memory (mem_phys is the image base):
 *
 *   [0, load_end)                     the ELF image, bss zeroed
 *   [align4K(load_end), +boot_info)   struct lwkb_boot_info and its arrays
 *   then nr_cores boot stacks         core i: stacks_phys + i * stack_size
 *   [loader_end, mem_size)            free for the LWK, NOT cleared
 *
 * The host clears only what it places: [0, loader_end) is zeroed before
 * the image is copied in (gaps between segments, bss, boot_info's page,
 * the stacks), so a dump of it shows nothing that was there before.  The
 * rest of the LWK's memory holds whatever its previous owner (Linux, the
 * firmware, the last boot) left: the LWK clears what it uses
 * (docs/boot-contract.md, "Memory"; the co-kernel library clears each page
 * it hands out, cokernel/lib/mem.c).  So a boot costs the same whatever
 * the size of the LWK's memory.
 */
#include "lwkb_loader.h"

#define DEFAULT_STACK	(16 * 1024)

/* Offsets from mem_phys of what the loader places after the image. */
struct layout {
	lwkb_u64 stack;		/* bytes per boot stack */
	lwkb_u64 bi_off;	/* boot_info */
	lwkb_u64 bi_size;	/* its bytes, arrays included */
	lwkb_u64 stacks_off;	/* the first boot stack */
	lwkb_u64 end_off;	/* loader_end */
};

lwkb_u64 lwkb_stack_top(const struct lwkb_boot_info *bi, lwkb_u32 lwk_id)
{
	return bi->stacks_phys + (lwkb_u64)(lwk_id + 1) * bi->stack_size;
}

/* Does [a, a + alen) overlap [b, b + blen)? */
static int overlaps(lwkb_u64 a, lwkb_u64 alen, lwkb_u64 b, lwkb_u64 blen)
{
	return a + alen > b && a < b + blen;
}

/* The arguments, before the image is looked at. */
static int check_args(const struct lwkb_prepare *p, lwkb_u64 stack, char *err,
		      lwkb_size_t errlen)
{
	if ((p->mem_phys | p->mem_size) & (LWKB_PAGE_SIZE - 1) || !p->mem_size)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"LWK memory 0x%llx+0x%llx is not page aligned",
				(unsigned long long)p->mem_phys, (unsigned long long)p->mem_size);
	if (stack & (LWKB_PAGE_SIZE - 1))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"stack size %llu is not a multiple of 4 KiB",
				(unsigned long long)stack);
	if (p->nr_cores == 0 || p->nr_cores > LWKB_MAX_CORES)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"%u cores: want 1 to %u", p->nr_cores,
				LWKB_MAX_CORES);
	if (p->nr_chunks > LWKB_MAX_CHUNKS)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"%u memory chunks: at most %u; assign fewer, larger ones",
				p->nr_chunks, LWKB_MAX_CHUNKS);
	if (p->nr_numa > LWKB_MAX_NUMA)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"%u NUMA nodes: at most %u", p->nr_numa, LWKB_MAX_NUMA);
	if (p->max_slots < p->nr_cores || p->max_slots > LWKB_TRAMP_MAX_SLOTS)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"slot table of %u slots for %u cores", p->max_slots, p->nr_cores);
	if (p->mem_size > p->ident_end || p->mem_phys > p->ident_end - p->mem_size)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"LWK memory ends at 0x%llx, beyond the identity map (0x%llx)",
				(unsigned long long)(p->mem_phys + p->mem_size),
				(unsigned long long)p->ident_end);
	return 0;
}

/* The trampoline page and the table pool: where the image will not land. */
static int check_places(const struct lwkb_prepare *p, char *err, lwkb_size_t errlen)
{
	if (p->tramp_phys >= 0xA0000 || (p->tramp_phys & (LWKB_PAGE_SIZE - 1)) || !p->tramp_phys)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"trampoline page 0x%llx is not a page below 0xA0000",
				(unsigned long long)p->tramp_phys);
	/* Loading the image must not overwrite the page or the table pool. */
	if (overlaps(p->tramp_phys, LWKB_PAGE_SIZE, p->mem_phys, p->mem_size))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"trampoline page 0x%llx lies inside the LWK memory",
				(unsigned long long)p->tramp_phys);
	if (overlaps(p->pt_pool_phys, (lwkb_u64)p->pt_pool_pages * LWKB_PAGE_SIZE,
		     p->mem_phys, p->mem_size))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"page-table pool 0x%llx lies inside the LWK memory",
				(unsigned long long)p->pt_pool_phys);
	if (overlaps(p->slots_phys, LWKB_TRAMP_SLOTS_BYTES(p->max_slots),
		     p->mem_phys, p->mem_size) ||
	    p->slots_phys + LWKB_TRAMP_SLOTS_BYTES(p->max_slots) > (1ULL << 32) ||
	    !p->slots_phys || (p->slots_phys & (LWKB_PAGE_SIZE - 1)))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"slot table 0x%llx is not a page below 4 GiB outside the LWK memory",
				(unsigned long long)p->slots_phys);
	return 0;
}

/* boot_info and the stacks after the image: do they fit? */
static int plan_layout(const struct lwkb_prepare *p, const struct lwkb_elf_info *ei,
		       struct layout *l, char *err, lwkb_size_t errlen)
{
	l->bi_off = LWKB_ALIGN_UP(ei->load_end, LWKB_PAGE_SIZE);
	l->bi_size = lwkb_bootinfo_size(p->nr_cores, p->nr_chunks ? p->nr_chunks : 1,
					p->nr_numa ? p->nr_numa : 1);
	l->stacks_off = l->bi_off + LWKB_ALIGN_UP(l->bi_size, LWKB_PAGE_SIZE);
	l->end_off = l->stacks_off + (lwkb_u64)p->nr_cores * l->stack;
	if (l->end_off > p->mem_size)
		return lwkb_err(err, errlen, -LWKB_ENOMEM,
				"image (%llu bytes), boot_info and %u stacks need %llu bytes; only %llu assigned",
				(unsigned long long)ei->load_end, p->nr_cores,
				(unsigned long long)l->end_off, (unsigned long long)p->mem_size);
	return 0;
}

/* The temporary table of the boot contract, in the host's pool. */
static int build_table(const struct lwkb_prepare *p, struct lwkb_tmp_pt *t, char *err,
		       lwkb_size_t errlen)
{
	int rc;

	t->pool_virt = p->pt_pool_virt;
	t->pool_phys = p->pt_pool_phys;
	t->pool_pages = p->pt_pool_pages;
	t->allow_1g = p->allow_1g;
	t->ident_end = p->ident_end;
	t->high_phys = p->mem_phys;
	t->high_size = p->mem_size < 2 * LWKB_1G ? p->mem_size : 2 * LWKB_1G;
	rc = lwkb_tmp_pt_build(t);
	if (rc)
		return lwkb_err(err, errlen, rc,
				"temporary page table (pool 0x%llx, %u pages): error %d",
				(unsigned long long)p->pt_pool_phys, p->pt_pool_pages, rc);
	return 0;
}

/*
 * The boot_info fields that come from the host and the temporary table
 * alone, the same for every image: APIC, TSC, kmsg, status, trampoline,
 * table, identity range, slot table.
 */
void lwkb_bootinfo_fill_host(struct lwkb_boot_info *bi, const struct lwkb_prepare *p,
			     const struct lwkb_tmp_pt *t)
{
	bi->apic_mode = p->apic_mode;
	bi->apic_phys = p->apic_phys;
	bi->tsc_khz = p->tsc_khz;
	bi->kmsg_phys = p->kmsg_phys;
	bi->kmsg_size = p->kmsg_size;
	bi->status_phys = p->status_phys;
	bi->tramp_phys = p->tramp_phys;
	bi->pt_phys = t->cr3;
	bi->pt_pages = t->pages_used;
	bi->pt_pages_max = p->pt_pool_pages;
	bi->ident_end = t->ident_end;
	bi->high_size = t->high_size;
	bi->slots_phys = p->slots_phys;
	bi->slots_max = p->max_slots;
}

/* boot_info's fields, its NUMA node 0 and its first memory chunk. */
static int fill_boot_info(const struct lwkb_prepare *p, const struct lwkb_elf_info *ei,
			  const struct lwkb_tmp_pt *t, const struct layout *l,
			  struct lwkb_boot_info *bi, char *err, lwkb_size_t errlen)
{
	int rc;

	rc = lwkb_bootinfo_init(bi, l->bi_size, p->nr_cores, p->nr_chunks ? p->nr_chunks : 1,
				p->nr_numa ? p->nr_numa : 1);
	if (rc)
		return lwkb_err(err, errlen, rc, "boot_info for %u cores: error %d",
				p->nr_cores, rc);
	lwkb_bootinfo_fill_host(bi, p, t);
	bi->image_phys = p->mem_phys;
	bi->image_end = p->mem_phys + ei->load_end;
	bi->loader_end = p->mem_phys + l->end_off;
	bi->stacks_phys = p->mem_phys + l->stacks_off;
	bi->stack_size = l->stack;
	rc = lwkb_bootinfo_add_numa(bi, p->numa_host, 0);
	if (rc)
		return lwkb_err(err, errlen, rc, "boot_info: NUMA node %u: error %d",
				p->numa_host, rc);
	rc = lwkb_bootinfo_add_chunk(bi, p->mem_phys, p->mem_phys + p->mem_size, 0);
	if (rc)
		return lwkb_err(err, errlen, rc,
				"boot_info: memory chunk 0x%llx+0x%llx: error %d",
				(unsigned long long)p->mem_phys,
				(unsigned long long)p->mem_size, rc);
	return 0;
}

static int install_trampoline(const struct lwkb_prepare *p, lwkb_u64 cr3,
			      lwkb_u64 entry, lwkb_u64 bi_phys, char *err,
			      lwkb_size_t errlen)
{
	struct lwkb_tramp_params tp = {
		.page_phys = p->tramp_phys,
		.cr3 = cr3,
		.cr4 = LWKB_CR4_PAE,
		.efer_set = LWKB_EFER_LME | (p->nx ? LWKB_EFER_NXE : 0),
		.entry = entry,
		.arg0 = bi_phys,
		.arg1 = p->mem_phys,
		.slots_phys = p->slots_phys,
		.max_slots = p->max_slots,
	};
	int rc = lwkb_tramp_install(p->tramp_virt, &tp);

	if (rc)
		return lwkb_err(err, errlen, rc,
				"installing the trampoline at 0x%llx: error %d",
				(unsigned long long)p->tramp_phys, rc);
	return 0;
}

int lwkb_prepare(struct lwkb_prepare *p, char *err, lwkb_size_t errlen)
{
	struct lwkb_elf_info ei;
	struct lwkb_tmp_pt t;
	struct layout l = { .stack = p->stack_size ? p->stack_size : DEFAULT_STACK };
	struct lwkb_boot_info *bi;
	int rc;

	rc = check_args(p, l.stack, err, errlen);
	if (rc)
		return rc;
	/* Check everything about the image before writing anything. */
	rc = lwkb_elf_check(p->elf, p->elf_size, p->mem_size, &ei, err, errlen);
	if (!rc)
		rc = lwkb_elf_check_contract(p->elf, p->elf_size, err, errlen);
	if (rc)
		return rc;
	rc = plan_layout(p, &ei, &l, err, errlen);
	if (!rc)
		rc = check_places(p, err, errlen);
	if (!rc)
		rc = build_table(p, &t, err, errlen);
	if (rc)
		return rc;
	lwkb_memset(p->mem_virt, 0, l.end_off);
	rc = lwkb_elf_load(p->elf, p->elf_size, p->mem_virt, p->mem_size, &ei,
			   err, errlen);
	if (rc)
		return rc;
	bi = (struct lwkb_boot_info *)((char *)p->mem_virt + l.bi_off);
	rc = fill_boot_info(p, &ei, &t, &l, bi, err, errlen);
	if (!rc)
		rc = install_trampoline(p, t.cr3, ei.entry, p->mem_phys + l.bi_off,
					err, errlen);
	if (rc)
		return rc;
	p->bi = bi;
	p->bi_phys = p->mem_phys + l.bi_off;
	p->entry = ei.entry;
	return 0;
}
