// SPDX-License-Identifier: MIT
/*
 * This core's local APIC: the mode the host chose (xAPIC or x2APIC), its
 * local interrupts masked, software-enabled with the spurious vector, and
 * the EOI every handled interrupt owes it.  Registers go through loader/'s
 * lwkb_apic_read/write, which pick MMIO or MSRs by mode.
 */
#include "internal.h"

struct lwkb_apic lwk_apic;

/*
 * Put this core's local APIC in the mode the host chose, software-enable
 * it with the spurious vector 0xff (SDM vol. 3A, 10.9 "Spurious
 * Interrupt") and mask its local interrupts (10.5.1 "Local Vector
 * Table"): the LWK runs with interrupts off and wants no surprises later.
 */
void lwk_apic_init(void)
{
	lwk_apic.x2apic = 0;
	lwk_apic.mmio = phys_to_virt(lwk_bi->apic_phys);
	if (lwk_bi->apic_mode == LWKB_APIC_X2APIC &&
	    lwkb_apic_enable_x2apic(&lwk_apic))
		lwk_panic("the host uses x2APIC but this CPU has none");
	lwk_apic_write(LWKB_APIC_REG_LVT_TIMER, LWKB_APIC_LVT_MASKED);
	lwk_apic_write(LWKB_APIC_REG_LVT_LINT0, LWKB_APIC_LVT_MASKED);
	lwk_apic_write(LWKB_APIC_REG_LVT_LINT1, LWKB_APIC_LVT_MASKED);
	lwk_apic_write(LWKB_APIC_REG_LVT_ERROR, LWKB_APIC_LVT_MASKED);
	lwk_apic_write(LWKB_APIC_REG_SVR, LWKB_APIC_SVR_ENABLE | LWK_SPURIOUS_VECTOR);
	lwk_printk("lwk: %s, APIC id %u\n", lwk_apic.x2apic ? "x2APIC" : "xAPIC",
		   lwkb_apic_self_id(&lwk_apic));
}

/* Further cores: the same, in the mode core 0 found. */
void lwk_apic_init_ap(void)
{
	if (lwk_apic.x2apic)
		lwkb_apic_enable_x2apic(&lwk_apic);
	lwk_apic_write(LWKB_APIC_REG_LVT_LINT0, LWKB_APIC_LVT_MASKED);
	lwk_apic_write(LWKB_APIC_REG_LVT_LINT1, LWKB_APIC_LVT_MASKED);
	lwk_apic_write(LWKB_APIC_REG_LVT_ERROR, LWKB_APIC_LVT_MASKED);
	lwk_apic_write(LWKB_APIC_REG_SVR, LWKB_APIC_SVR_ENABLE | LWK_SPURIOUS_VECTOR);
}

/* Every fixed interrupt but the spurious one (10.8.5). */
void lwk_apic_eoi(void)
{
	lwk_apic_write(LWKB_APIC_REG_EOI, 0);
}
