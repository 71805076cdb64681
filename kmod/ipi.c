// SPDX-License-Identifier: GPL-2.0
/*
 * IPIs from Linux to the LWK's cores.  They go through Linux's own APIC
 * driver (apic->icr_write), which knows whether the system runs in xAPIC or
 * x2APIC mode; every destination is checked first.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/apic.h>
#include "lwkboot.h"

/*
 * An APIC id the module may send to: never a broadcast (0xff in xAPIC mode,
 * where a larger id would also be truncated to its low 8 bits by the ICR's
 * destination field; 0xffffffff in x2APIC mode, SDM vol. 3A, "Logical
 * Destination Mode in x2APIC Mode") and never BAD_APICID, the id of a CPU
 * Linux has removed.
 */
bool lwkb_apic_id_ok(u32 apic_id)
{
	if (apic_id == BAD_APICID)
		return false;
	return x2apic_mode ? apic_id != 0xffffffff : apic_id < 0xff;
}

int lwkb_send_ipi(u32 low, u32 apic_id)
{
	unsigned long flags;

	if (!lwkb_apic_id_ok(apic_id)) {
		pr_err_ratelimited("refusing an IPI to APIC id 0x%x\n", apic_id);
		return -EINVAL;
	}

	/* ICR2 then ICR on xAPIC: no IPI from this CPU may come in between. */
	local_irq_save(flags);
	/*
	 * In x2APIC mode icr_write is a WRMSR, which is not serialising: fence
	 * so the trampoline or IKC stores are visible before the IPI (Linux's
	 * own x2APIC senders use weak_wrmsr_fence() for the same reason).
	 */
	if (x2apic_mode)
		asm volatile("mfence; lfence" ::: "memory");
	if (apic->wait_icr_idle)
		apic->wait_icr_idle();
	apic->icr_write(low, apic_id);
	if (apic->wait_icr_idle)
		apic->wait_icr_idle();
	local_irq_restore(flags);
	return 0;
}

/* INIT, level assert (SDM vol. 3A, "Interrupt Command Register"): the core
 * resets and waits for a STARTUP IPI. */
int lwkb_send_init(u32 apic_id)
{
	return lwkb_send_ipi(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT, apic_id);
}
