// SPDX-License-Identifier: MIT
/*
 * Exceptions: every one of vectors 0-31 is fatal to the LWK.  The handler
 * dumps the registers isr_common saved (entry.asm) into kmsg, records the
 * core and vector in the status page and sets PANIC, which the host reads.
 */
#include "internal.h"

static const char *const exc_names[LWKB_NR_EXCEPTIONS] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

static void dump_regs(const struct lwk_regs *r)
{
	lwkb_u64 cr2, cr3;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	lwk_printk("  rip=%016llx cs=%04llx rflags=%08llx rsp=%016llx ss=%04llx\n",
		   (unsigned long long)r->rip, (unsigned long long)r->cs,
		   (unsigned long long)r->rflags, (unsigned long long)r->rsp,
		   (unsigned long long)r->ss);
	lwk_printk("  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n",
		   (unsigned long long)r->rax, (unsigned long long)r->rbx,
		   (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	lwk_printk("  rsi=%016llx rdi=%016llx rbp=%016llx r8 =%016llx\n",
		   (unsigned long long)r->rsi, (unsigned long long)r->rdi,
		   (unsigned long long)r->rbp, (unsigned long long)r->r8);
	lwk_printk("  r9 =%016llx r10=%016llx r11=%016llx r12=%016llx\n",
		   (unsigned long long)r->r9, (unsigned long long)r->r10,
		   (unsigned long long)r->r11, (unsigned long long)r->r12);
	lwk_printk("  r13=%016llx r14=%016llx r15=%016llx\n",
		   (unsigned long long)r->r13, (unsigned long long)r->r14,
		   (unsigned long long)r->r15);
	lwk_printk("  cr2=%016llx cr3=%016llx\n", (unsigned long long)cr2,
		   (unsigned long long)cr3);
}

/* Called by isr_common with the saved registers; never returns. */
void lwk_exception(struct lwk_regs *r);
void lwk_exception(struct lwk_regs *r)
{
	static int nesting[LWKB_MAX_CORES];
	int core = lwk_this_core();

	if (core >= 0 && core < LWKB_MAX_CORES && nesting[core]++) {
		lwk_set_status(LWKB_STATUS_PANIC);	/* faulted while reporting a fault */
		lwk_halt();
	}
	lwk_dump_exception(r);
	lwk_dump_siblings();
	lwk_printk("EXCEPTION %s (vector %llu, error 0x%llx) on core %d\n",
		   exc_names[r->vector % LWKB_NR_EXCEPTIONS], (unsigned long long)r->vector,
		   (unsigned long long)r->error, core);
	dump_regs(r);
	if (lwk_st) {
		lwk_st->panic_core = (lwkb_u32)core;
		lwk_st->panic_vector = (lwkb_u32)r->vector;
	}
	lwk_printk("PANIC on core %d: unhandled exception %llu\n", core,
		   (unsigned long long)r->vector);
	lwk_set_status(LWKB_STATUS_PANIC);
	lwk_halt();
}
