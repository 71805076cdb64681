// SPDX-License-Identifier: MIT
/*
 * The IDT every core shares: the 32 exception stubs of entry.asm, a gate
 * for every other vector (what the host sends by mistake is acknowledged
 * and counted, lwk_stray_irq), and the library's own interrupts (timer,
 * spurious, IKC doorbell).
 */
#include "internal.h"
#include "lwkboot/ikc.h"

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
extern const lwkb_u64 isr_table[LWKB_NR_EXCEPTIONS];
extern const lwkb_u64 stray_table[256 - LWKB_NR_EXCEPTIONS];

void isr_timer(void);
void isr_spurious(void);
void isr_ikc(void);
void isr_nmi(void);

static void set_idt_gate(int v, lwkb_u64 handler, int ist)
{
	idt[v].off0 = (lwkb_u16)handler;
	idt[v].sel = LWK_SEL_CODE;
	idt[v].ist = (lwkb_u8)ist;
	idt[v].type = LWKB_GATE_INTR64;
	idt[v].off1 = (lwkb_u16)(handler >> 16);
	idt[v].off2 = (lwkb_u32)(handler >> 32);
	idt[v].zero = 0;
}

void lwk_set_irq_gate(int vector, void (*handler)(void))
{
	set_idt_gate(vector, (lwkb_u64)(__UINTPTR_TYPE__)handler, 0);
}

void lwk_idt_init(void)
{
	int v;

	/* #DF and #MC on their own stack (IST1), the NMI on another (IST2):
	 * they may come when the current stack is the problem, and an NMI (a
	 * dump's snapshot, dump.c) may come while a #MC is being reported. */
	for (v = 0; v < LWKB_NR_EXCEPTIONS; v++)
		set_idt_gate(v, isr_table[v],
			     (v == LWKB_VEC_DF || v == LWKB_VEC_MC) ? 1 : 0);
	set_idt_gate(LWKB_VEC_NMI, (lwkb_u64)(__UINTPTR_TYPE__)isr_nmi, 2);
	/* Every vector present: what the host sends by mistake is counted. */
	for (v = LWKB_NR_EXCEPTIONS; v < 256; v++)
		set_idt_gate(v, stray_table[v - LWKB_NR_EXCEPTIONS], 0);
	lwk_set_irq_gate(LWK_TIMER_VECTOR, isr_timer);
	lwk_set_irq_gate(LWK_SPURIOUS_VECTOR, isr_spurious);
	lwk_set_irq_gate(LWKB_IKC_VECTOR, isr_ikc);
}

void lwk_idt_load(void)
{
	struct lwk_desc_ptr ip = { sizeof(idt) - 1, (lwkb_u64)(__UINTPTR_TYPE__)idt };

	__asm__ volatile("lidt %0" : : "m"(ip));
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
