/* SPDX-License-Identifier: MIT */
/* Co-kernel library internals shared by the files in lib/. */
#ifndef LWK_INTERNAL_H
#define LWK_INTERNAL_H

#include "../lwk.h"

#define IST_STACK_SIZE	8192

/* The frame isr_common builds (cokernel/lib/entry.asm), lowest first. */
struct lwk_regs {
	lwkb_u64 r15, r14, r13, r12, r11, r10, r9, r8;
	lwkb_u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	lwkb_u64 vector, error;
	lwkb_u64 rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

struct tss64 {
	lwkb_u32 reserved0;
	lwkb_u64 rsp[3];
	lwkb_u64 reserved1;
	lwkb_u64 ist[7];
	lwkb_u64 reserved2;
	lwkb_u16 reserved3;
	lwkb_u16 iomap_base;
} __attribute__((packed));

/* Per-core data; GS base points at it. */
struct lwk_cpu {
	struct lwk_cpu *self;		/* gs:0 */
	int lwk_id;
	lwkb_u32 apic_id;
	struct tss64 tss;
	lwkb_u64 strays;		/* stray interrupts on this core */
	lwkb_u32 stray_vector;		/* the last one's vector */
	lwkb_u32 nmis;			/* NMIs on this core */
	lwkb_u8 ist_stack[IST_STACK_SIZE] __attribute__((aligned(16)));	/* #DF, #MC */
	lwkb_u8 nmi_stack[IST_STACK_SIZE] __attribute__((aligned(16)));	/* NMI */
};

extern struct lwkb_boot_info *lwk_bi;
extern struct lwkb_kmsg *lwk_kmsg;
extern struct lwkb_status_page *lwk_st;
extern lwkb_u64 lwk_cr3;		/* the library's own page table */
extern struct lwkb_apic lwk_apic;

#define LWK_TIMER_VECTOR	0x20
#define LWK_SPURIOUS_VECTOR	0xff
#define LWK_TICK_MS		10

void lwk_cpu_setup(int lwk_id);	/* GDT, TSS, IDT, GS base on this core */
void lwk_set_irq_gate(int vector, void (*handler)(void));
void lwk_timer_start(void);	/* this core's LAPIC timer, periodic */
void lwk_apic_eoi(void);
struct lwk_cpu *lwk_cpu_self(void);	/* this core's data, NULL before set-up */
extern lwkb_u64 lwk_ticks;		/* core 0's timer ticks since start */
void lwk_ikc_init(void);		/* core 0, before RUNNING */
void lwk_ikc_poll(void);		/* core 0: serve every ring */
void lwk_reload_cs(lwkb_u64 sel);	/* entry.asm */
void lwk_smp_init(void);		/* core 0: APIC mode, timer calibration */
void lwk_smp_init_ap(void);		/* further cores */
lwkb_u64 lwk_alloc_page(void);		/* zeroed, physical = identity virtual */
lwkb_u64 lwk_alloc_pages(lwkb_u64 n);	/* contiguous, zeroed */
void lwk_start(lwkb_u64 bi_phys, lwkb_u64 image_phys, lwkb_u64 slot);
/* dump.c: register saves for lwkboot dump */
void lwk_dump_ready(void);		/* this core's NMI gate is in place */
void lwk_dump_exception(const struct lwk_regs *r);
void lwk_dump_panic(void);
void lwk_dump_siblings(void);		/* NMI the other cores to save their state */

static inline void *phys_to_virt(lwkb_u64 p)
{
	return (void *)(__UINTPTR_TYPE__)p;	/* identity map */
}

#endif /* LWK_INTERNAL_H */
