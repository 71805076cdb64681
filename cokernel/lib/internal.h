/* SPDX-License-Identifier: MIT */
/* Co-kernel library internals shared by the files in lib/. */
#ifndef LWKBOOT_COKERNEL_LIB_INTERNAL_H
#define LWKBOOT_COKERNEL_LIB_INTERNAL_H

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
	lwkb_u64 gdt[5] __attribute__((aligned(16)));	/* this core's own (percpu.c) */
	struct tss64 tss;
	lwkb_u64 strays;		/* stray interrupts on this core */
	lwkb_u32 stray_vector;		/* the last one's vector */
	lwkb_u32 nmis;			/* NMIs on this core */
	lwkb_u8 ist_stack[IST_STACK_SIZE] __attribute__((aligned(16)));	/* #DF, #MC */
	lwkb_u8 nmi_stack[IST_STACK_SIZE] __attribute__((aligned(16)));	/* NMI */
};

/* GDT selectors (percpu.c): code, data, then the core's TSS. */
#define LWK_SEL_CODE		0x08
#define LWK_SEL_DATA		0x10
#define LWK_SEL_TSS		0x18

/* lgdt/lidt operand. */
struct lwk_desc_ptr {
	lwkb_u16 limit;
	lwkb_u64 base;
} __attribute__((packed));

#define LWK_TIMER_VECTOR	0x20
#define LWK_SPURIOUS_VECTOR	0xff
#define LWK_TICK_MS		10

/* status.c: what the host handed over, set by lwk_start() first. */
extern struct lwkb_boot_info *lwk_bi;
extern struct lwkb_kmsg *lwk_kmsg;
extern struct lwkb_status_page *lwk_st;

/* setup.c */
void lwk_start(lwkb_u64 bi_phys, lwkb_u64 image_phys);

/* dump.c: register saves for lwkboot dump */
void lwk_dump_ready(void);		/* this core's NMI gate is in place */
void lwk_dump_exception(const struct lwk_regs *r);
void lwk_dump_panic(void);
void lwk_dump_siblings(void);		/* NMI the other cores to save their state */

/* mem.c */
extern lwkb_u64 lwk_cr3;		/* the library's own page table */
void lwk_mem_init(lwkb_u64 image_phys);	/* core 0: the allocator's range */
lwkb_u64 lwk_alloc_page(void);		/* zeroed, physical = identity virtual */
void lwk_paging_init(void);		/* core 0: build and load lwk_cr3 */
void lwk_load_cr3(void);		/* further cores: load lwk_cr3 */

/* percpu.c */
void lwk_cpu_setup(int lwk_id);	/* GDT, TSS, IDT, GS base on this core */
struct lwk_cpu *lwk_cpu_self(void);	/* this core's data, NULL before set-up */
void lwk_reload_cs(lwkb_u64 sel);	/* entry.asm */

/* irq.c */
void lwk_idt_init(void);		/* core 0: every gate */
void lwk_idt_load(void);		/* this core */
void lwk_set_irq_gate(int vector, void (*handler)(void));

/* lapic.c */
extern struct lwkb_apic lwk_apic;
void lwk_apic_init(void);		/* core 0: the host's APIC mode, LVTs masked */
void lwk_apic_init_ap(void);		/* further cores */
void lwk_apic_eoi(void);

static inline lwkb_u32 lwk_apic_read(lwkb_u32 reg)
{
	return lwkb_apic_read(&lwk_apic, reg);
}

static inline void lwk_apic_write(lwkb_u32 reg, lwkb_u32 v)
{
	lwkb_apic_write(&lwk_apic, reg, v);
}

/* timing.c */
extern lwkb_u64 lwk_ticks;		/* core 0's timer ticks since start */
void lwk_timer_calibrate(void);	/* core 0, once */
void lwk_timer_start(void);	/* this core's LAPIC timer, periodic */

/* freeze.c */
void lwk_freeze(void);		/* timer tick: freeze_req is set; returns at thaw or shutdown */

/* ikc.c */
void lwk_ikc_init(void);		/* core 0, before RUNNING */
void lwk_ikc_poll(void);		/* core 0: serve every ring */

static inline void *phys_to_virt(lwkb_u64 p)
{
	return (void *)(__UINTPTR_TYPE__)p;	/* identity map */
}

#endif /* LWKBOOT_COKERNEL_LIB_INTERNAL_H */
