// SPDX-License-Identifier: MIT
/*
 * Per-core state: the GDT every core shares (with one TSS descriptor per
 * core), each core's struct lwk_cpu with its TSS and NMI/#DF/#MC stack,
 * and GS base pointing at it.
 */
#include "internal.h"
#include "lwkb_cpu.h"

/*
 * GDT: null, 64-bit code, data, then one 16-byte TSS descriptor per core
 * (a TSS descriptor is marked busy by LTR, so cores cannot share one).
 */
static lwkb_u64 gdt[3 + 2 * LWKB_MAX_CORES] __attribute__((aligned(16))) = {
	0,
	LWKB_DESC_CODE64,	/* LWK_SEL_CODE */
	LWKB_DESC_DATA,		/* LWK_SEL_DATA */
};

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
static void set_tss_desc(int lwk_id, struct tss64 *tss)
{
	lwkb_u64 base = (lwkb_u64)(__UINTPTR_TYPE__)tss;
	lwkb_u64 *d = &gdt[3 + 2 * lwk_id];

	d[0] = (sizeof(struct tss64) - 1) | ((base & 0xffffff) << 16) |
	       ((lwkb_u64)LWKB_DESC_TSS64 << 40) | (((base >> 24) & 0xff) << 56);
	d[1] = base >> 32;
}

void lwk_cpu_setup(int lwk_id)
{
	lwkb_u64 npages = (sizeof(struct lwk_cpu) + LWKB_PAGE_SIZE - 1) / LWKB_PAGE_SIZE;
	struct lwk_cpu *c;
	struct lwk_desc_ptr gp = { sizeof(gdt) - 1, (lwkb_u64)(__UINTPTR_TYPE__)gdt };

	c = phys_to_virt(lwk_alloc_pages(npages));
	c->self = c;
	c->lwk_id = lwk_id;
	c->apic_id = lwk_bi->cores[lwk_id].apic_id;
	c->tss.ist[0] = (lwkb_u64)(__UINTPTR_TYPE__)(c->ist_stack + IST_STACK_SIZE);
	c->tss.ist[1] = (lwkb_u64)(__UINTPTR_TYPE__)(c->nmi_stack + IST_STACK_SIZE);
	c->tss.iomap_base = sizeof(struct tss64);
	set_tss_desc(lwk_id, &c->tss);

	__asm__ volatile("lgdt %0" : : "m"(gp));
	lwk_reload_cs(LWK_SEL_CODE);
	__asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss"
			 : : "r"((lwkb_u64)LWK_SEL_DATA));
	__asm__ volatile("ltr %w0" : : "r"((lwkb_u16)LWK_SEL_TSS(lwk_id)));
	lwk_idt_load();
	lwkb_wrmsr(LWKB_MSR_GS_BASE, (lwkb_u64)(__UINTPTR_TYPE__)c);
	lwk_dump_ready();
}
