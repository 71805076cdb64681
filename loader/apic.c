// SPDX-License-Identifier: MIT
/*
 * Local APIC inter-processor interrupts, both register interfaces
 * (Intel SDM vol. 3A, "Advanced Programmable Interrupt Controller"):
 *
 * xAPIC: memory-mapped; ICR high (offset 310h) holds the 8-bit destination
 * in bits 31:24 and is written first, the write to ICR low (300h) sends.
 * Delivery status (ICR bit 12) must read idle before the next command.
 *
 * x2APIC: MSRs; the ICR is one 64-bit MSR (830h) with a 32-bit destination
 * in bits 63:32, written with a single WRMSR.  There is no delivery status
 * bit.  WRMSR to x2APIC MSRs is not serialising, so a fence first makes the
 * trampoline data globally visible before the IPI (Linux does the same
 * with weak_wrmsr_fence() before x2APIC IPIs).
 */
#include "lwkb_loader.h"
#include "lwkb_cpu.h"

static lwkb_u32 mmio_read(struct lwkb_apic *a, lwkb_u32 reg)
{
	return a->mmio[reg / 4];
}

static void mmio_write(struct lwkb_apic *a, lwkb_u32 reg, lwkb_u32 v)
{
	a->mmio[reg / 4] = v;
}

/* Any 32-bit register by its xAPIC offset: MSR 800h + offset/16 in x2APIC mode. */
lwkb_u32 lwkb_apic_read(struct lwkb_apic *a, lwkb_u32 reg)
{
	return a->x2apic ? (lwkb_u32)lwkb_rdmsr(LWKB_MSR_X2APIC(reg)) : mmio_read(a, reg);
}

void lwkb_apic_write(struct lwkb_apic *a, lwkb_u32 reg, lwkb_u32 v)
{
	if (a->x2apic)
		lwkb_wrmsr(LWKB_MSR_X2APIC(reg), v);
	else
		mmio_write(a, reg, v);
}

static int xapic_wait_idle(struct lwkb_apic *a)
{
	lwkb_u32 n = a->icr_timeout_loops ? a->icr_timeout_loops : 1000000;

	while (mmio_read(a, LWKB_APIC_REG_ICR) & LWKB_APIC_ICR_BUSY) {
		if (!--n)
			return -LWKB_EIO;
		__builtin_ia32_pause();
	}
	return 0;
}

static int send(struct lwkb_apic *a, lwkb_u32 apic_id, lwkb_u32 icr)
{
	if (a->x2apic) {
		__asm__ volatile("mfence; lfence" ::: "memory");
		lwkb_wrmsr(LWKB_MSR_X2APIC(LWKB_APIC_REG_ESR), 0);
		lwkb_wrmsr(LWKB_MSR_X2APIC(LWKB_APIC_REG_ICR),
			   ((lwkb_u64)apic_id << LWKB_X2APIC_DEST_SHIFT) | icr);
		return 0;
	}
	if (apic_id >= LWKB_XAPIC_DEST_BROADCAST)
		return -LWKB_ERANGE;	/* 8-bit destination, 0xff broadcasts */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Clear ESR: write, then read (Linux: "Pentium erratum 3AP"). */
	mmio_write(a, LWKB_APIC_REG_ESR, 0);
	(void)mmio_read(a, LWKB_APIC_REG_ESR);
	if (xapic_wait_idle(a))
		return -LWKB_EIO;
	mmio_write(a, LWKB_APIC_REG_ICR_HI, apic_id << LWKB_XAPIC_DEST_SHIFT);
	mmio_write(a, LWKB_APIC_REG_ICR, icr);
	return xapic_wait_idle(a);
}

int lwkb_apic_send_init(struct lwkb_apic *a, lwkb_u32 apic_id)
{
	return send(a, apic_id, LWKB_APIC_ICR_DM_INIT | LWKB_APIC_ICR_LEVEL |
		    LWKB_APIC_ICR_ASSERT);
}

int lwkb_apic_send_sipi(struct lwkb_apic *a, lwkb_u32 apic_id, lwkb_u8 vector)
{
	return send(a, apic_id, LWKB_APIC_ICR_DM_STARTUP | vector);
}

int lwkb_apic_send_nmi(struct lwkb_apic *a, lwkb_u32 apic_id)
{
	return send(a, apic_id, LWKB_APIC_ICR_DM_NMI | LWKB_APIC_ICR_ASSERT);
}

lwkb_u32 lwkb_apic_self_id(struct lwkb_apic *a)
{
	if (a->x2apic)
		return (lwkb_u32)lwkb_rdmsr(LWKB_MSR_X2APIC(LWKB_APIC_REG_ID));
	return mmio_read(a, LWKB_APIC_REG_ID) >> LWKB_XAPIC_ID_SHIFT;
}

int lwkb_apic_enable_x2apic(struct lwkb_apic *a)
{
	lwkb_u64 base;

	if (!lwkb_cpu_has_x2apic())
		return -LWKB_ENOSYS;
	base = lwkb_rdmsr(LWKB_MSR_APIC_BASE);
	if (!(base & LWKB_APIC_BASE_EXTD))
		lwkb_wrmsr(LWKB_MSR_APIC_BASE, base | LWKB_APIC_BASE_EN | LWKB_APIC_BASE_EXTD);
	a->x2apic = 1;
	return 0;
}

/* CPUID.80000001H:EDX, or 0 where the CPU has no such leaf. */
static lwkb_u32 ext_features_edx(void)
{
	lwkb_u32 r[4];

	lwkb_cpuid(LWKB_CPUID_EXT_MAX, 0, r);
	if (r[0] < LWKB_CPUID_EXT_FEATURES)
		return 0;
	lwkb_cpuid(LWKB_CPUID_EXT_FEATURES, 0, r);
	return r[3];
}

int lwkb_cpu_has_1g_pages(void)
{
	return !!(ext_features_edx() & LWKB_CPUID_EXT_EDX_PAGE1GB);
}

int lwkb_cpu_has_nx(void)
{
	return !!(ext_features_edx() & LWKB_CPUID_EXT_EDX_NX);
}

int lwkb_cpu_has_x2apic(void)
{
	lwkb_u32 r[4];

	lwkb_cpuid(LWKB_CPUID_FEATURES, 0, r);
	return !!(r[2] & LWKB_CPUID_01_ECX_X2APIC);
}

/* The 32-bit x2APIC id from leaf 0Bh where valid, else the 8-bit initial id. */
lwkb_u32 lwkb_cpu_apic_id(void)
{
	lwkb_u32 r[4];

	lwkb_cpuid(LWKB_CPUID_MAX, 0, r);
	if (r[0] >= LWKB_CPUID_TOPOLOGY) {
		lwkb_cpuid(LWKB_CPUID_TOPOLOGY, 0, r);
		if (r[1] & LWKB_CPUID_0B_EBX_CPUS)
			return r[3];
	}
	lwkb_cpuid(LWKB_CPUID_FEATURES, 0, r);
	return r[1] >> LWKB_CPUID_01_EBX_APIC_ID_SHIFT;
}
