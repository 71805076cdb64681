// SPDX-License-Identifier: MIT
/*
 * Preparing an instance for boot: the steps the Linux module and the EFI
 * host share.  Layout of the LWK memory (mem_phys is the image base):
 *
 *   [0, load_end)                     the ELF image, bss zeroed
 *   [align4K(load_end), +boot_info)   struct lwkb_boot_info
 *   then nr_cores boot stacks         core i: stacks_phys + i * stack_size
 *   [loader_end, mem_size)            free for the LWK
 */
#include "lwkb_loader.h"

#define DEFAULT_STACK	(16 * 1024)

lwkb_u64 lwkb_stack_top(const struct lwkb_boot_info *bi, lwkb_u32 lwk_id)
{
	return bi->stacks_phys + (lwkb_u64)(lwk_id + 1) * bi->stack_size;
}

int lwkb_prepare(struct lwkb_prepare *p, char *err, lwkb_size_t errlen)
{
	struct lwkb_elf_info ei;
	struct lwkb_tmp_pt t;
	struct lwkb_tramp_params tp;
	struct lwkb_boot_info *bi;
	lwkb_u64 bi_off, stacks_off, end_off, stack = p->stack_size;
	int rc;

	if (!stack)
		stack = DEFAULT_STACK;
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
	if (p->mem_size > p->ident_end || p->mem_phys > p->ident_end - p->mem_size)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"LWK memory ends at 0x%llx, beyond the identity map (0x%llx)",
				(unsigned long long)(p->mem_phys + p->mem_size),
				(unsigned long long)p->ident_end);
	/* Check everything about the image before writing anything. */
	rc = lwkb_elf_check(p->elf, p->elf_size, p->mem_size, &ei, err, errlen);
	if (rc)
		return rc;
	bi_off = LWKB_ALIGN_UP(ei.load_end, LWKB_PAGE_SIZE);
	stacks_off = bi_off + LWKB_ALIGN_UP(sizeof(*bi), LWKB_PAGE_SIZE);
	end_off = stacks_off + (lwkb_u64)p->nr_cores * stack;
	if (end_off > p->mem_size)
		return lwkb_err(err, errlen, -LWKB_ENOMEM,
				"image (%llu bytes), boot_info and %u stacks need %llu bytes; only %llu assigned",
				(unsigned long long)ei.load_end, p->nr_cores,
				(unsigned long long)end_off, (unsigned long long)p->mem_size);
	if (p->tramp_phys >= 0xA0000 || (p->tramp_phys & (LWKB_PAGE_SIZE - 1)) || !p->tramp_phys)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"trampoline page 0x%llx is not a page below 0xA0000",
				(unsigned long long)p->tramp_phys);
	/* Loading the image must not overwrite the page or the table pool. */
	if (p->tramp_phys + LWKB_PAGE_SIZE > p->mem_phys &&
	    p->tramp_phys < p->mem_phys + p->mem_size)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"trampoline page 0x%llx lies inside the LWK memory",
				(unsigned long long)p->tramp_phys);
	if (p->pt_phys + (lwkb_u64)p->pt_pages * LWKB_PAGE_SIZE > p->mem_phys &&
	    p->pt_phys < p->mem_phys + p->mem_size)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"page-table pool 0x%llx lies inside the LWK memory",
				(unsigned long long)p->pt_phys);

	t.pool_virt = p->pt_virt;
	t.pool_phys = p->pt_phys;
	t.pool_pages = p->pt_pages;
	t.allow_1g = p->allow_1g;
	t.ident_end = p->ident_end;
	t.high_phys = p->mem_phys;
	t.high_size = p->mem_size < 2 * LWKB_1G ? p->mem_size : 2 * LWKB_1G;
	rc = lwkb_tmp_pt_build(&t);
	if (rc)
		return lwkb_err(err, errlen, rc,
				"temporary page table (pool 0x%llx, %u pages): error %d",
				(unsigned long long)p->pt_phys, p->pt_pages, rc);

	rc = lwkb_elf_load(p->elf, p->elf_size, p->mem_virt, p->mem_size, &ei,
			   err, errlen);
	if (rc)
		return rc;

	bi = (struct lwkb_boot_info *)((char *)p->mem_virt + bi_off);
	lwkb_bootinfo_init(bi);
	bi->apic_mode = p->apic_mode;
	bi->image_phys = p->mem_phys;
	bi->image_end = p->mem_phys + ei.load_end;
	bi->loader_end = p->mem_phys + end_off;
	bi->apic_phys = p->apic_phys;
	bi->tsc_khz = p->tsc_khz;
	bi->kmsg_phys = p->kmsg_phys;
	bi->kmsg_size = p->kmsg_size;
	bi->status_phys = p->status_phys;
	bi->tramp_phys = p->tramp_phys;
	bi->pt_phys = t.cr3;
	bi->pt_pages = t.pages_used;
	bi->pt_pages_max = p->pt_pages;
	bi->ident_end = t.ident_end;
	bi->high_size = t.high_size;
	bi->stacks_phys = p->mem_phys + stacks_off;
	bi->stack_size = stack;
	lwkb_bootinfo_add_numa(bi, p->numa_host, 0);
	lwkb_bootinfo_add_chunk(bi, p->mem_phys, p->mem_phys + p->mem_size, 0);

	tp.page_phys = p->tramp_phys;
	tp.cr3 = t.cr3;
	tp.cr4 = LWKB_CR4_PAE;
	tp.efer_set = LWKB_EFER_LME | (p->nx ? LWKB_EFER_NXE : 0);
	tp.entry = ei.entry;
	tp.arg0 = p->mem_phys + bi_off;
	tp.arg1 = p->mem_phys;
	rc = lwkb_tramp_install(p->tramp_virt, &tp);
	if (rc)
		return lwkb_err(err, errlen, rc,
				"installing the trampoline at 0x%llx: error %d",
				(unsigned long long)p->tramp_phys, rc);

	p->bi = bi;
	p->bi_phys = p->mem_phys + bi_off;
	p->entry = ei.entry;
	p->pt_used = t.pages_used;
	return 0;
}
