// SPDX-License-Identifier: MIT
/*
 * The constants trampoline.asm needs, from the C headers that define them:
 * the page layout and struct lwkb_tramp_data / lwkb_tramp_slot of
 * include/lwkboot/trampoline.h, and the x86 bits of include/lwkboot/x86.h.
 * Compiled with -S only; the Makefile turns the output into
 * build/gen/trampoline/asm-offsets.inc (include/lwkboot/asm-offsets.h).
 * tests/unit/test_tramp.c checks every name as NASM saw it.
 */
#include "lwkboot/trampoline.h"
#include "lwkboot/x86.h"
#include "lwkboot/asm-offsets.h"

/* A field of the data block, as an absolute offset in the page. */
#define TD(name, member)						\
	LWKB_ASM_CONST(name, LWKB_TRAMP_DATA_OFF +			\
		       __builtin_offsetof(struct lwkb_tramp_data, member))

void tramp_asm_offsets(void);
void tramp_asm_offsets(void)
{
	/* The page */
	LWKB_ASM_SAME(LWKB_TRAMP_SIZE);
	LWKB_ASM_SAME(LWKB_TRAMP_DATA_OFF);
	LWKB_ASM_SAME(LWKB_TRAMP_MAX_SLOTS);
	LWKB_ASM_SAME(LWKB_TRAMP_MAGIC);
	LWKB_ASM_SAME(LWKB_TRAMP_VERSION);
	LWKB_ASM_SAME(LWKB_TRAMP_CS32);
	LWKB_ASM_SAME(LWKB_TRAMP_DS);
	LWKB_ASM_SAME(LWKB_TRAMP_CS64);

	/* struct lwkb_tramp_data */
	TD(TD_MAGIC, magic);
	TD(TD_VERSION, version);
	TD(TD_NR_SLOTS, nr_slots);
	TD(TD_PAGE_PHYS, page_phys);
	TD(TD_CR3, cr3);
	TD(TD_CR4, cr4);
	TD(TD_EFER_SET, efer_set);
	TD(TD_ENTRY, entry);
	TD(TD_ARG0, arg0);
	TD(TD_ARG1, arg1);
	TD(TD_STRAY, stray);
	TD(TD_CODE_SIZE, code_size);
	TD(TD_GDTR_LIMIT, gdtr_limit);
	TD(TD_GDTR_BASE, gdtr_base);
	TD(TD_FAR32, far32);
	TD(TD_FAR64, far64);
	TD(TD_IDTR_LIMIT, idtr_limit);
	TD(TD_IDTR_BASE, idtr_base);
	TD(TD_GDT, gdt);
	TD(TD_SLOTS_PHYS, slots_phys);
	TD(TD_MAX_SLOTS, max_slots);
	TD(TD_ENTERED, entered);
	LWKB_ASM_SIZE(TD_SIZE, struct lwkb_tramp_data);
	LWKB_ASM_CONST(TD_GDT_SIZE, sizeof(((struct lwkb_tramp_data *)0)->gdt));

	/* struct lwkb_tramp_slot and its stage words */
	LWKB_ASM_OFFSET(SLOT_APIC_ID, struct lwkb_tramp_slot, apic_id);
	LWKB_ASM_OFFSET(SLOT_STAGE, struct lwkb_tramp_slot, stage);
	LWKB_ASM_OFFSET(SLOT_STACK_TOP, struct lwkb_tramp_slot, stack_top);
	LWKB_ASM_SIZE(SLOT_SIZE, struct lwkb_tramp_slot);
	LWKB_ASM_SAME(LWKB_STAGE_REAL);
	LWKB_ASM_SAME(LWKB_STAGE_PROT);
	LWKB_ASM_SAME(LWKB_STAGE_LONG);
	LWKB_ASM_SAME(LWKB_STAGE_JUMPED);

	/* x86: CPUID for the APIC id, the mode switch, the GDT */
	LWKB_ASM_SAME(LWKB_CPUID_MAX);
	LWKB_ASM_SAME(LWKB_CPUID_FEATURES);
	LWKB_ASM_SAME(LWKB_CPUID_01_EBX_APIC_ID_SHIFT);
	LWKB_ASM_SAME(LWKB_CPUID_TOPOLOGY);
	LWKB_ASM_SAME(LWKB_CR0_PE);
	LWKB_ASM_SAME(LWKB_CR0_ET);
	LWKB_ASM_SAME(LWKB_CR0_NE);
	LWKB_ASM_SAME(LWKB_CR0_PG);
	LWKB_ASM_SAME(LWKB_MSR_EFER);
	LWKB_ASM_SAME(LWKB_DESC_CODE32);
	LWKB_ASM_SAME(LWKB_DESC_DATA);
	LWKB_ASM_SAME(LWKB_DESC_CODE64);
}
