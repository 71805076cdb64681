// SPDX-License-Identifier: MIT
/*
 * Per-core state: the GDT every core shares (with one TSS descriptor per
 * core), each core's struct lwk_cpu with its TSS and NMI/#DF/#MC stack,
 * and GS base pointing at it.
 */
#include "internal.h"
#include "lwkb_cpu.h"

/*
 * Each core has a GDT of its own in its struct lwk_cpu: null, 64-bit
 * code, data and its 16-byte TSS descriptor (LTR marks a TSS descriptor
 * busy, so cores cannot share one).  One GDT for all would end at 4094
 * cores: a GDT limit is 16 bits (SDM vol. 3A, 3.5.1 "Segment Descriptor
 * Tables"), 8192 descriptors.
 */
struct lwk_cpu *lwk_cpu_self(void)
{
	struct lwk_cpu *c;

	if (!lwkb_rdmsr(LWKB_MSR_GS_BASE))
		return (struct lwk_cpu *)0;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

int lwk_this_core(void)
{
	struct lwk_cpu *c = lwk_cpu_self();

	return c ? c->lwk_id : -1;
}

/*
 * 64-bit TSS descriptor, 16 bytes (SDM vol. 3A, 7.2.3 "TSS Descriptor in
 * 64-bit mode"): limit 15:0, base 23:0, access byte, base 31:24, then
 * base 63:32 in the second word.
 */
static void set_tss_desc(lwkb_u64 *d, struct tss64 *tss)
{
	lwkb_u64 base = (lwkb_u64)(__UINTPTR_TYPE__)tss;

	d[0] = (sizeof(struct tss64) - 1) | ((base & 0xffffff) << 16) |
	       ((lwkb_u64)LWKB_DESC_TSS64 << 40) | (((base >> 24) & 0xff) << 56);
	d[1] = base >> 32;
}

void lwk_cpu_setup(int lwk_id)
{
	lwkb_u64 npages = (sizeof(struct lwk_cpu) + LWKB_PAGE_SIZE - 1) / LWKB_PAGE_SIZE;
	struct lwk_cpu *c;
	struct lwk_desc_ptr gp;

	c = phys_to_virt(lwk_alloc_pages(npages));
	c->gdt[0] = 0;
	c->gdt[1] = LWKB_DESC_CODE64;	/* LWK_SEL_CODE */
	c->gdt[2] = LWKB_DESC_DATA;	/* LWK_SEL_DATA */
	gp.limit = sizeof(c->gdt) - 1;
	gp.base = (lwkb_u64)(__UINTPTR_TYPE__)c->gdt;
	c->self = c;
	c->lwk_id = lwk_id;
	c->apic_id = lwkb_bi_cores(lwk_bi)[lwk_id].apic_id;
	c->tss.ist[0] = (lwkb_u64)(__UINTPTR_TYPE__)(c->ist_stack + IST_STACK_SIZE);
	c->tss.ist[1] = (lwkb_u64)(__UINTPTR_TYPE__)(c->nmi_stack + IST_STACK_SIZE);
	c->tss.iomap_base = sizeof(struct tss64);
	set_tss_desc(&c->gdt[3], &c->tss);	/* LWK_SEL_TSS */

	__asm__ volatile("lgdt %0" : : "m"(gp));
	lwk_reload_cs(LWK_SEL_CODE);
	__asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss"
			 : : "r"((lwkb_u64)LWK_SEL_DATA));
	__asm__ volatile("ltr %w0" : : "r"((lwkb_u16)LWK_SEL_TSS));
	lwk_idt_load();
	lwkb_wrmsr(LWKB_MSR_GS_BASE, (lwkb_u64)(__UINTPTR_TYPE__)c);
	lwk_dump_ready();
}
