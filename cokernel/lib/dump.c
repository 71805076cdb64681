// SPDX-License-Identifier: MIT
/*
 * Register saves for `lwkboot dump` (docs/debugging.md): each core keeps,
 * in the status area the host reads (include/lwkboot/status.h), the state
 * it was in at its first exception or panic, and in its nmi slot the state
 * it was in at an NMI: the host's snapshot request (of a RUNNING or HUNGUP
 * LWK), or the crash snapshot a core that faults or panics takes of the
 * others, as Linux's crash path stops the other CPUs by NMI and saves their
 * registers (arch/x86/kernel/crash.c).  The host then needs no NMI of its
 * own for a PANIC instance, whose IDT it cannot vouch for.
 */
#include "internal.h"
#include "lwkb_cpu.h"


/* This core's save area, or NULL (before set-up, or a host that gave none). */
static struct lwkb_core_dump *my_area(void)
{
	int core = lwk_this_core();

	if (!lwk_st || core < 0 || (lwkb_u32)core >= lwk_bi->nr_cores ||
	    lwk_st->regs_size < sizeof(struct lwkb_core_dump) ||
	    lwk_st->regs_offset < sizeof(*lwk_st))
		return (struct lwkb_core_dump *)0;
	return (struct lwkb_core_dump *)((char *)lwk_st + lwk_st->regs_offset +
					 (lwkb_u64)core * lwk_st->regs_size);
}

/* Segment and control registers: the same wherever the core is. */
static void save_system(struct lwkb_regs *d)
{
	lwkb_u64 v;

	__asm__ volatile("mov %%ds, %0" : "=r"(v)); d->ds = v & 0xffff;
	__asm__ volatile("mov %%es, %0" : "=r"(v)); d->es = v & 0xffff;
	__asm__ volatile("mov %%fs, %0" : "=r"(v)); d->fs = v & 0xffff;
	__asm__ volatile("mov %%gs, %0" : "=r"(v)); d->gs = v & 0xffff;
	d->fs_base = lwkb_rdmsr(LWKB_MSR_FS_BASE);
	d->gs_base = lwkb_rdmsr(LWKB_MSR_GS_BASE);
	__asm__ volatile("mov %%cr0, %0" : "=r"(d->cr0));
	__asm__ volatile("mov %%cr2, %0" : "=r"(d->cr2));
	__asm__ volatile("mov %%cr3, %0" : "=r"(d->cr3));
	__asm__ volatile("mov %%cr4, %0" : "=r"(d->cr4));
}

static int crash_snapshot;	/* a core faulted or panicked: siblings save once */

/* An interrupt frame (entry.asm) into a save slot; why is published last. */
static void save_frame(struct lwkb_regs *d, const struct lwk_regs *r, lwkb_u32 why)
{
	d->r15 = r->r15; d->r14 = r->r14; d->r13 = r->r13; d->r12 = r->r12;
	d->r11 = r->r11; d->r10 = r->r10; d->r9 = r->r9; d->r8 = r->r8;
	d->rbp = r->rbp; d->rbx = r->rbx; d->rax = r->rax; d->rcx = r->rcx;
	d->rdx = r->rdx; d->rsi = r->rsi; d->rdi = r->rdi;
	d->vector = r->vector;
	d->error = r->error;
	d->rip = r->rip; d->cs = r->cs; d->rflags = r->rflags;
	d->rsp = r->rsp; d->ss = r->ss;
	save_system(d);
	__atomic_store_n(&d->why, why, __ATOMIC_RELEASE);
}

/* The NMI gate is in place (lwk_cpu_setup): the host may send snapshots. */
void lwk_dump_ready(void)
{
	struct lwkb_core_dump *a = my_area();

	if (a)
		__atomic_store_n(&a->nmi_ready, 1, __ATOMIC_RELEASE);
}

/* An exception: the first of this boot is kept. */
void lwk_dump_exception(const struct lwk_regs *r)
{
	struct lwkb_core_dump *a = my_area();

	if (a && a->fault.why == LWKB_REGS_NONE)
		save_frame(&a->fault, r, LWKB_REGS_EXCEPTION);
}

/*
 * A panic: this function's own registers, as a debugger unwinding from
 * here (through lwk_panic to its caller) needs them.  The stores go to
 * memory only, so no register is changed before it is saved.
 */
__attribute__((noinline)) void lwk_dump_panic(void)
{
	struct lwkb_core_dump *a = my_area();
	struct lwkb_regs *d;

	if (!a || a->fault.why != LWKB_REGS_NONE)
		return;
	d = &a->fault;
	__asm__ volatile(
		"mov %%r15, %c[r15](%[d])\n\t" "mov %%r14, %c[r14](%[d])\n\t"
		"mov %%r13, %c[r13](%[d])\n\t" "mov %%r12, %c[r12](%[d])\n\t"
		"mov %%rbp, %c[rbp](%[d])\n\t" "mov %%rbx, %c[rbx](%[d])\n\t"
		"mov %%rsp, %c[rsp](%[d])\n\t"
		"lea 0(%%rip), %%rax\n\t" "mov %%rax, %c[rip](%[d])\n\t"
		"pushfq\n\t" "popq %c[rflags](%[d])\n\t"
		"mov %%cs, %%eax\n\t" "mov %%rax, %c[cs](%[d])\n\t"
		"mov %%ss, %%eax\n\t" "mov %%rax, %c[ss](%[d])"
		:
		: [d] "r"(d),
		  [r15] "i"(__builtin_offsetof(struct lwkb_regs, r15)),
		  [r14] "i"(__builtin_offsetof(struct lwkb_regs, r14)),
		  [r13] "i"(__builtin_offsetof(struct lwkb_regs, r13)),
		  [r12] "i"(__builtin_offsetof(struct lwkb_regs, r12)),
		  [rbp] "i"(__builtin_offsetof(struct lwkb_regs, rbp)),
		  [rbx] "i"(__builtin_offsetof(struct lwkb_regs, rbx)),
		  [rsp] "i"(__builtin_offsetof(struct lwkb_regs, rsp)),
		  [rip] "i"(__builtin_offsetof(struct lwkb_regs, rip)),
		  [rflags] "i"(__builtin_offsetof(struct lwkb_regs, rflags)),
		  [cs] "i"(__builtin_offsetof(struct lwkb_regs, cs)),
		  [ss] "i"(__builtin_offsetof(struct lwkb_regs, ss))
		: "rax", "memory");
	save_system(d);
	d->vector = (lwkb_u64)-1;
	__atomic_store_n(&d->why, LWKB_REGS_PANIC, __ATOMIC_RELEASE);
}

/* The core's own area, by LWK core id, for the crash snapshot below. */
static struct lwkb_core_dump *area_of(lwkb_u32 core)
{
	return (struct lwkb_core_dump *)((char *)lwk_st + lwk_st->regs_offset +
					 (lwkb_u64)core * lwk_st->regs_size);
}

/*
 * A core faulted or panicked: every other core that is set up (its NMI gate
 * in place) gets an NMI and saves where it was, once.  Only the first
 * faulting core sends them.
 */
void lwk_dump_siblings(void)
{
	struct lwkb_core_dump *me = my_area();
	lwkb_u32 i;

	if (!me || (!lwk_apic.x2apic && !lwk_apic.mmio) ||
	    __atomic_exchange_n(&crash_snapshot, 1, __ATOMIC_ACQ_REL))
		return;
	for (i = 0; i < lwk_bi->nr_cores; i++) {
		struct lwkb_core_dump *a = area_of(i);

		if (a != me && __atomic_load_n(&a->nmi_ready, __ATOMIC_ACQUIRE) == 1)
			lwkb_apic_send_nmi(&lwk_apic, lwkb_bi_cores(lwk_bi)[i].apic_id);
	}
}

/*
 * The NMI (entry.asm, isr_nmi, on its own stack): counted, and saved when
 * the host asked for a snapshot it has not had from this core (seq = the
 * request) or a sibling's crash asked for one (seq = 0, once).  seq is
 * cleared before and published after, so a reader that sees its request's
 * number sees that request's registers.  Then the core goes on where it
 * was (a hung or parked core stays hung or parked).
 */
void lwk_nmi(const struct lwk_regs *r);
void lwk_nmi(const struct lwk_regs *r)
{
	struct lwk_cpu *c = lwk_cpu_self();
	struct lwkb_core_dump *a = my_area();
	lwkb_u64 req;

	if (c)
		c->nmis++;
	if (!lwk_st)
		return;
	__atomic_fetch_add(&lwk_st->nmis, 1, __ATOMIC_RELAXED);
	if (!a)
		return;
	req = __atomic_load_n(&lwk_st->dump_req, __ATOMIC_ACQUIRE);
	if (req && __atomic_load_n(&a->nmi.seq, __ATOMIC_RELAXED) != req) {
		/* the host's request */
	} else if (__atomic_load_n(&crash_snapshot, __ATOMIC_ACQUIRE) &&
		   __atomic_load_n(&a->nmi.why, __ATOMIC_RELAXED) == LWKB_REGS_NONE) {
		req = 0;	/* a sibling's crash */
	} else {
		return;
	}
	__atomic_store_n(&a->nmi.seq, (lwkb_u64)-1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	save_frame(&a->nmi, r, LWKB_REGS_NMI);
	__atomic_store_n(&a->nmi.seq, req, __ATOMIC_RELEASE);
}
