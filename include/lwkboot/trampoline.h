/* SPDX-License-Identifier: MIT */
/*
 * The trampoline page: one 4 KiB page below 1 MiB holding the real-mode
 * entry code, its GDT and a data block; and the slot table, one slot per
 * core it may start, anywhere below 4 GiB.
 *
 * A STARTUP IPI with vector VV starts a core in real mode at CS = VV00h,
 * IP = 0, i.e. at physical VV000h (Intel SDM vol. 3A, "MP Initialization
 * Protocol Algorithm"), which is why the page must lie below 1 MiB and the
 * code starts at offset 0.  Vectors A0h-BFh are reserved (MP spec 1.4,
 * B.4.2); a page below 0xA0000 never needs them.
 *
 *   page 0x000  code: 16-bit entry, 32-bit and 64-bit stubs (trampoline/trampoline.asm)
 *   page 0x300  struct lwkb_tramp_data (fixed; the loader patches it)
 *   slots_phys  struct lwkb_tramp_slot[max_slots], below 4 GiB
 *
 * Each core reads its APIC id with CPUID (leaf 0Bh, else leaf 1) in real
 * mode, counts itself in 'entered', switches to 32-bit protected mode
 * (flat 4 GiB segments) and there finds the slot with that id; from then
 * on it writes its progress into the slot's stage word and takes the
 * slot's stack, so any number of cores can run the page at the same time,
 * and the table can be as large as the instance needs (8192 cores: 128
 * KiB).  A core whose id is in no slot increments 'stray' and halts.
 */
#ifndef LWKBOOT_TRAMPOLINE_H
#define LWKBOOT_TRAMPOLINE_H

#include "types.h"

#define LWKB_TRAMP_SIZE		4096
#define LWKB_TRAMP_DATA_OFF	0x300
#define LWKB_TRAMP_MAX_SLOTS	8192	/* = LWKB_MAX_CORES */
#define LWKB_TRAMP_MAGIC	0x504d52544b574cULL	/* "LWKTRMP" */
#define LWKB_TRAMP_VERSION	2	/* 1: the slots were in the page (192 at most) */
/* Bytes of a slot table for n cores, whole pages. */
#define LWKB_TRAMP_SLOTS_BYTES(n) \
	((((lwkb_u64)(n) * 16) + 4095) & ~4095ULL)

/* Segment selectors of the trampoline GDT. */
#define LWKB_TRAMP_CS32		0x08
#define LWKB_TRAMP_DS		0x10
#define LWKB_TRAMP_CS64		0x18

/* Stage words a core writes into its slot, in this order. */
#define LWKB_STAGE_NONE		0	/* has not found its slot (or not yet) */
#define LWKB_STAGE_REAL		1	/* left real mode, found its slot in 32-bit mode */
#define LWKB_STAGE_PROT		2	/* 32-bit: CR4, CR3, EFER set; enabling paging */
#define LWKB_STAGE_LONG		3	/* reached 64-bit long mode, paging on */
#define LWKB_STAGE_JUMPED	4	/* jumping to the entry with its stack */

static inline const char *lwkb_stage_name(lwkb_u32 st)
{
	static const char *const names[] = {
		"none (never found its slot: see the page's entered count)",
		"real (found its slot in 32-bit mode: stuck at CR4/CR3/EFER)",
		"protected (32-bit: stuck at paging or far jump to 64-bit)",
		"long (64-bit: stuck before the jump to the entry)",
		"jumped (reached the entry)",
	};
	return st <= LWKB_STAGE_JUMPED ? names[st] : "invalid";
}

/* Far pointer m16:32 as the far JMP reads it: offset, then selector. */
struct lwkb_far32 {
	lwkb_u32 offset;
	lwkb_u16 selector;
	lwkb_u16 pad;
};

struct lwkb_tramp_data {
	lwkb_u64 magic;		/* LWKB_TRAMP_MAGIC */
	lwkb_u32 version;	/* LWKB_TRAMP_VERSION */
	lwkb_u32 nr_slots;	/* slots in use */
	lwkb_u32 page_phys;	/* where the page was installed */
	lwkb_u32 cr3;		/* temporary PML4, below 4 GiB */
	lwkb_u32 cr4;		/* CR4 value loaded before paging (PAE ...) */
	lwkb_u32 efer_set;	/* bits ORed into EFER (LME, NXE) */
	lwkb_u64 entry;		/* 64-bit virtual entry point */
	lwkb_u64 arg0;		/* rdi at entry: boot_info physical address */
	lwkb_u64 arg1;		/* rsi at entry: image physical base */
	lwkb_u32 stray;		/* cores that found no slot (halted) */
	lwkb_u32 code_size;	/* bytes of code at offset 0 (for tools) */
	/* Patched by the loader: offsets in the blob, + page_phys. */
	lwkb_u16 gdtr_pad[3];	/* aligns gdtr_base to 4 */
	lwkb_u16 gdtr_limit;
	lwkb_u32 gdtr_base;
	struct lwkb_far32 far32;	/* -> 32-bit code, selector CS32 */
	struct lwkb_far32 far64;	/* -> 64-bit code, selector CS64 */
	lwkb_u16 idtr_pad[3];
	lwkb_u16 idtr_limit;	/* 0: any exception shuts the core down */
	lwkb_u32 idtr_base;
	lwkb_u64 gdt[4];	/* null, code32, data, code64 */
	lwkb_u32 slots_phys;	/* the slot table, below 4 GiB */
	lwkb_u32 max_slots;	/* its room; the search reads min(nr_slots, max_slots) */
	lwkb_u32 entered;	/* cores that ran the real-mode part */
	lwkb_u32 pad;
};

/* A slot's apic_id after a failed wake: no core has it (x2APIC's broadcast id). */
#define LWKB_TRAMP_SLOT_RETIRED	0xffffffffu

struct lwkb_tramp_slot {
	lwkb_u32 apic_id;
	lwkb_u32 stage;		/* LWKB_STAGE_*, written by the core */
	lwkb_u64 stack_top;	/* rsp at entry (identity-mapped), 16-byte aligned */
};

LWKB_STATIC_ASSERT(sizeof(struct lwkb_tramp_slot) == 16, "slot layout");
LWKB_STATIC_ASSERT(sizeof(struct lwkb_tramp_data) <= LWKB_TRAMP_SIZE - LWKB_TRAMP_DATA_OFF,
		   "data block fits in the page");
LWKB_STATIC_ASSERT(__builtin_offsetof(struct lwkb_tramp_data, gdtr_limit) % 8 == 6,
		   "gdtr base 4-aligned");

#endif /* LWKBOOT_TRAMPOLINE_H */
