// SPDX-License-Identifier: MIT
/*
 * Co-kernel start-up: what runs between the trampoline's jump and
 * lwk_main() / lwk_ap_main().
 *
 * Core 0 (started by the host) checks boot_info, builds the LWK's own page
 * tables (identity [0, ident_end) and the high half, as the temporary ones
 * but in LWK memory, so the host can free its table pages once the LWK
 * runs), loads its GDT, TSS and IDT, then calls lwk_main().  Other cores
 * enter at lwk_ap_entry, switch to the same tables and do the same per-core
 * set-up before lwk_ap_main().
 */
#include "internal.h"
#include "lwkb_cpu.h"
#include "lwkboot/ikc.h"

#define MSR_GS_BASE	0xc0000101
#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_TSS(i)	(0x18 + 16 * (i))

struct lwkb_boot_info *lwk_bi;
struct lwkb_kmsg *lwk_kmsg;
struct lwkb_status_page *lwk_st;
lwkb_u64 lwk_cr3;

static lwkb_u64 alloc_next, alloc_end;
static struct lwk_cpu *cpus[LWKB_MAX_CORES];

/*
 * GDT: null, 64-bit code, data, then one 16-byte TSS descriptor per core
 * (a TSS descriptor is marked busy by LTR, so cores cannot share one).
 */
static lwkb_u64 gdt[3 + 2 * LWKB_MAX_CORES] __attribute__((aligned(16))) = {
	0,
	0x00af9b000000ffffULL,	/* 0x08: 64-bit code, DPL 0 */
	0x00cf93000000ffffULL,	/* 0x10: data */
};

struct idt_gate {
	lwkb_u16 off0;
	lwkb_u16 sel;
	lwkb_u8 ist;
	lwkb_u8 type;
	lwkb_u16 off1;
	lwkb_u32 off2;
	lwkb_u32 zero;
};
static struct idt_gate idt[256] __attribute__((aligned(16)));
extern const lwkb_u64 isr_table[32];
extern const lwkb_u64 stray_table[256 - 32];

struct desc_ptr {
	lwkb_u16 limit;
	lwkb_u64 base;
} __attribute__((packed));

lwkb_u64 lwk_rdtsc(void)
{
	return lwkb_rdtsc();
}

static lwkb_u64 tsc_khz(void)
{
	/* Unknown: assume 4 GHz, which only makes delays longer. */
	return lwk_bi && lwk_bi->tsc_khz ? lwk_bi->tsc_khz : 4000000;
}

void lwk_udelay(lwkb_u32 us)
{
	lwkb_u64 t0 = lwk_rdtsc(), n = (lwkb_u64)us * tsc_khz() / 1000;

	while (lwk_rdtsc() - t0 < n)
		__builtin_ia32_pause();
}

lwkb_u64 lwk_ms_since(lwkb_u64 tsc0)
{
	return (lwk_rdtsc() - tsc0) / tsc_khz();
}

lwkb_u64 lwk_us_since(lwkb_u64 tsc0)
{
	return (lwk_rdtsc() - tsc0) * 1000 / tsc_khz();
}

struct lwkb_boot_info *lwk_boot_info(void)
{
	return lwk_bi;
}

struct lwkb_status_page *lwk_status(void)
{
	return lwk_st;
}

/*
 * RUNNING may only replace BOOTING: a core that panicked while core 0 was
 * waiting for the others must stay visible (and so must HUNGUP/SHUTDOWN
 * set by the host).  Every other transition is stored as asked.
 */
void lwk_set_status(lwkb_u32 status)
{
	lwkb_u32 old;

	if (!lwk_st)
		return;
	old = __atomic_load_n(&lwk_st->status, __ATOMIC_ACQUIRE);
	do {
		if (status == LWKB_STATUS_RUNNING && old != LWKB_STATUS_BOOTING)
			return;
	} while (!__atomic_compare_exchange_n(&lwk_st->status, &old, status, 0,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
}

struct lwk_cpu *lwk_cpu_self(void)
{
	struct lwk_cpu *c;

	if (!lwkb_rdmsr(MSR_GS_BASE))
		return (struct lwk_cpu *)0;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

int lwk_this_core(void)
{
	struct lwk_cpu *c = lwk_cpu_self();

	return c ? c->lwk_id : -1;
}

lwkb_u64 lwk_alloc_pages(lwkb_u64 n)
{
	lwkb_u64 sz = n * LWKB_PAGE_SIZE;
	lwkb_u64 p = __atomic_fetch_add(&alloc_next, sz, __ATOMIC_RELAXED);

	if (p + sz > alloc_end)
		lwk_panic("out of memory allocating %llu pages at 0x%llx",
			  (unsigned long long)n, (unsigned long long)p);
	if (lwk_st) {	/* the high-water mark, for a dump of what the kernel uses */
		lwkb_u64 old = __atomic_load_n(&lwk_st->mem_used_end, __ATOMIC_RELAXED);

		while (old < p + sz &&
		       !__atomic_compare_exchange_n(&lwk_st->mem_used_end, &old, p + sz, 0,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	lwkb_memset(phys_to_virt(p), 0, sz);
	return p;
}

lwkb_u64 lwk_alloc_page(void)
{
	return lwk_alloc_pages(1);
}

static lwkb_u64 pt_alloc(void *ctx)
{
	(void)ctx;
	return lwk_alloc_page();
}

static void *pt_p2v(void *ctx, lwkb_u64 phys)
{
	(void)ctx;
	return phys_to_virt(phys);
}

static void set_idt_gate(int v, lwkb_u64 handler, int ist)
{
	idt[v].off0 = (lwkb_u16)handler;
	idt[v].sel = SEL_CODE;
	idt[v].ist = (lwkb_u8)ist;
	idt[v].type = 0x8e;	/* present, DPL 0, 64-bit interrupt gate */
	idt[v].off1 = (lwkb_u16)(handler >> 16);
	idt[v].off2 = (lwkb_u32)(handler >> 32);
	idt[v].zero = 0;
}

void lwk_cpu_setup(int lwk_id)
{
	lwkb_u64 npages = (sizeof(struct lwk_cpu) + LWKB_PAGE_SIZE - 1) / LWKB_PAGE_SIZE;
	struct lwk_cpu *c;
	lwkb_u64 base, *d;
	struct desc_ptr gp = { sizeof(gdt) - 1, (lwkb_u64)(__UINTPTR_TYPE__)gdt };
	struct desc_ptr ip = { sizeof(idt) - 1, (lwkb_u64)(__UINTPTR_TYPE__)idt };

	c = phys_to_virt(lwk_alloc_pages(npages));
	c->self = c;
	c->lwk_id = lwk_id;
	c->apic_id = lwk_bi->cores[lwk_id].apic_id;
	c->tss.ist[0] = (lwkb_u64)(__UINTPTR_TYPE__)(c->ist_stack + IST_STACK_SIZE);
	c->tss.ist[1] = (lwkb_u64)(__UINTPTR_TYPE__)(c->nmi_stack + IST_STACK_SIZE);
	c->tss.iomap_base = sizeof(struct tss64);
	cpus[lwk_id] = c;

	/* 64-bit TSS descriptor (SDM vol. 3A, "TSS Descriptor in 64-bit mode"). */
	base = (lwkb_u64)(__UINTPTR_TYPE__)&c->tss;
	d = &gdt[3 + 2 * lwk_id];
	d[0] = (sizeof(struct tss64) - 1) | ((base & 0xffffff) << 16) |
	       (0x89ULL << 40) | (((base >> 24) & 0xff) << 56);
	d[1] = base >> 32;

	__asm__ volatile("lgdt %0" : : "m"(gp));
	lwk_reload_cs(SEL_CODE);
	__asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss"
			 : : "r"((lwkb_u64)SEL_DATA));
	__asm__ volatile("ltr %w0" : : "r"((lwkb_u16)SEL_TSS(lwk_id)));
	__asm__ volatile("lidt %0" : : "m"(ip));
	lwkb_wrmsr(MSR_GS_BASE, (lwkb_u64)(__UINTPTR_TYPE__)c);
	lwk_dump_ready();
}

static const char *const exc_names[32] = {
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

/* Called by isr_common with the saved registers; never returns. */
void lwk_exception(struct lwk_regs *r);
void lwk_exception(struct lwk_regs *r)
{
	static int nesting[LWKB_MAX_CORES];
	int core = lwk_this_core();
	lwkb_u64 cr2, cr3;

	if (core >= 0 && core < LWKB_MAX_CORES && nesting[core]++) {
		lwk_set_status(LWKB_STATUS_PANIC);	/* faulted while reporting a fault */
		lwk_halt();
	}
	lwk_dump_exception(r);
	lwk_dump_siblings();
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	lwk_printk("EXCEPTION %s (vector %llu, error 0x%llx) on core %d\n",
		   exc_names[r->vector & 31], (unsigned long long)r->vector,
		   (unsigned long long)r->error, core);
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
	if (lwk_st) {
		lwk_st->panic_core = (lwkb_u32)core;
		lwk_st->panic_vector = (lwkb_u32)r->vector;
	}
	lwk_printk("PANIC on core %d: unhandled exception %llu\n", core,
		   (unsigned long long)r->vector);
	lwk_set_status(LWKB_STATUS_PANIC);
	lwk_halt();
}

void lwk_set_irq_gate(int vector, void (*handler)(void))
{
	set_idt_gate(vector, (lwkb_u64)(__UINTPTR_TYPE__)handler, 0);
}

/*
 * Called from the stubs of every vector the library does not use
 * (entry.asm), with interrupts off.  A fixed IPI sets its vector's ISR bit
 * and needs an EOI like any other (SDM vol. 3A, "EOI Register").  The count
 * goes to the status page, where the host reads it, and into kmsg when the
 * core parks.  (The NMI has a handler of its own: lwk_nmi in dump.c.)
 */
void lwk_stray_irq(lwkb_u64 vector);
void lwk_stray_irq(lwkb_u64 vector)
{
	struct lwk_cpu *c = lwk_cpu_self();

	lwk_apic_eoi();
	if (lwk_st) {
		__atomic_fetch_add(&lwk_st->stray_irqs, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&lwk_st->stray_vector, (lwkb_u32)vector, __ATOMIC_RELAXED);
	}
	if (!c)
		return;
	c->stray_vector = (lwkb_u32)vector;
	if (!c->strays++)
		lwk_printk("lwk: core %d: stray interrupt, vector 0x%llx: acknowledged, counting\n",
			   c->lwk_id, (unsigned long long)vector);
}

void isr_timer(void);
void isr_spurious(void);
void isr_ikc(void);
void isr_nmi(void);

static void setup_idt(void)
{
	int v;

	/* #DF and #MC on their own stack (IST1), the NMI on another (IST2):
	 * they may come when the current stack is the problem, and an NMI (a
	 * dump snapshot, dump.c) may come while a #MC is being reported. */
	for (v = 0; v < 32; v++)
		set_idt_gate(v, isr_table[v], (v == 8 || v == 18) ? 1 : 0);
	set_idt_gate(2, (lwkb_u64)(__UINTPTR_TYPE__)isr_nmi, 2);
	/* Every vector present: what the host sends by mistake is counted. */
	for (v = 32; v < 256; v++)
		set_idt_gate(v, stray_table[v - 32], 0);
	lwk_set_irq_gate(LWK_TIMER_VECTOR, isr_timer);
	lwk_set_irq_gate(LWK_SPURIOUS_VECTOR, isr_spurious);
	lwk_set_irq_gate(LWKB_IKC_VECTOR, isr_ikc);
}

/*
 * The LWK's own table: the identity range and the high half as the
 * temporary table has them, except that the local APIC's page is mapped on
 * its own, uncacheable (PCD|PWT).  The SDM wants the APIC registers UC
 * (vol. 3A, "Local APIC"), and a large page across the mixed memory types of
 * the 3-4 GiB hole is undefined ("Large Page Size Considerations"); the
 * mapper then uses 2 MiB and 4 KiB pages only around that page.
 */
static void setup_paging(void)
{
	struct lwkb_pt pt = { .alloc = pt_alloc, .p2v = pt_p2v,
			      .allow_1g = lwkb_cpu_has_1g_pages() };
	lwkb_u64 apic = lwk_bi->apic_phys & ~(LWKB_PAGE_SIZE - 1);
	lwkb_u64 end = lwk_bi->ident_end;
	int bad;

	bad = lwkb_pt_init(&pt);
	if (!bad && apic && apic + LWKB_PAGE_SIZE <= end) {
		bad = (apic && lwkb_pt_map(&pt, 0, 0, apic, LWKB_PTE_W)) ||
		      lwkb_pt_map(&pt, apic, apic, LWKB_PAGE_SIZE,
				  LWKB_PTE_W | LWKB_PTE_PCD | LWKB_PTE_PWT) ||
		      (end > apic + LWKB_PAGE_SIZE &&
		       lwkb_pt_map(&pt, apic + LWKB_PAGE_SIZE, apic + LWKB_PAGE_SIZE,
				   end - apic - LWKB_PAGE_SIZE, LWKB_PTE_W));
	} else if (!bad) {
		bad = lwkb_pt_map(&pt, 0, 0, end, LWKB_PTE_W);
	}
	if (bad || lwkb_pt_map(&pt, LWKB_KERNEL_VBASE, lwk_bi->image_phys,
			       lwk_bi->high_size, LWKB_PTE_W))
		lwk_panic("building the LWK page table failed");
	lwk_cr3 = pt.root;
	__asm__ volatile("mov %0, %%cr3" : : "r"(lwk_cr3) : "memory");
	lwk_printk("lwk: own page table at 0x%llx (%u pages), identity [0, 0x%llx)\n",
		   (unsigned long long)lwk_cr3, pt.pages,
		   (unsigned long long)lwk_bi->ident_end);
}

void lwk_start(lwkb_u64 bi_phys, lwkb_u64 image_phys, lwkb_u64 slot)
{
	struct lwkb_boot_info *bi = phys_to_virt(bi_phys);
	char err[120];
	lwkb_u32 i;

	(void)slot;
	if (bi->magic != LWKB_BOOT_INFO_MAGIC)
		lwk_halt();	/* nowhere to report: no kmsg address */
	lwk_bi = bi;
	lwk_kmsg = phys_to_virt(bi->kmsg_phys);
	lwk_st = phys_to_virt(bi->status_phys);
	if (lwkb_bootinfo_check(bi, err, sizeof(err)))
		lwk_panic("%s", err);
	if (bi->image_phys != image_phys)
		lwk_panic("image at 0x%llx but boot_info says 0x%llx",
			  (unsigned long long)image_phys,
			  (unsigned long long)bi->image_phys);
	alloc_next = bi->loader_end;
	alloc_end = 0;
	for (i = 0; i < bi->nr_chunks; i++)
		if (bi->chunks[i].start <= image_phys && image_phys < bi->chunks[i].end)
			alloc_end = bi->chunks[i].end;
	/*
	 * IDT first: until then the trampoline's zero-limit IDT turns any
	 * fault into a triple fault, which resets the whole machine.  Both
	 * work under the temporary table (GDT and IDT are in the high half,
	 * per-core pages identity-mapped).
	 */
	setup_idt();
	lwk_cpu_setup(0);
	setup_paging();
	if (lwkb_cpu_apic_id() != bi->cores[0].apic_id)
		lwk_panic("core 0 runs on APIC id %u, boot_info says %u",
			  lwkb_cpu_apic_id(), bi->cores[0].apic_id);
	lwk_smp_init();
	lwk_ikc_init();
	__atomic_store_n(&lwk_st->cores_up, 1, __ATOMIC_RELEASE);
	lwk_main();
	lwk_halt();
}

/* Entry of every further core (pass it as pc to lwk_boot_cpus). */
void lwk_ap_entry(lwkb_u64 bi_phys, lwkb_u64 image_phys, lwkb_u64 slot)
{
	lwkb_u32 apic = lwkb_cpu_apic_id(), i;

	(void)bi_phys;
	(void)image_phys;
	(void)slot;
	for (i = 0; i < lwk_bi->nr_cores; i++)
		if (lwk_bi->cores[i].apic_id == apic)
			break;
	if (i == lwk_bi->nr_cores)
		lwk_halt();	/* not ours: no IDT yet to report it with */
	lwk_cpu_setup((int)i);	/* IDT before anything that can fault */
	__asm__ volatile("mov %0, %%cr3" : : "r"(lwk_cr3) : "memory");
	lwk_smp_init_ap();
	__atomic_fetch_add(&lwk_st->cores_up, 1, __ATOMIC_ACQ_REL);
	lwk_ap_main((int)i);
	lwk_halt();
}
