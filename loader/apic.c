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

#define APIC_ID		0x020
#define APIC_ESR	0x280
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define ICR_BUSY	(1u << 12)
#define ICR_INIT	0x00000500u	/* delivery mode 101b */
#define ICR_STARTUP	0x00000600u	/* delivery mode 110b */
#define ICR_NMI		0x00000400u	/* delivery mode 100b; the vector is ignored */
#define ICR_LEVEL	(1u << 15)
#define ICR_ASSERT	(1u << 14)

#define MSR_APIC_BASE	0x1b
#define APIC_BASE_EXTD	(1ULL << 10)
#define APIC_BASE_EN	(1ULL << 11)
#define MSR_X2APIC_ID	0x802
#define MSR_X2APIC_ESR	0x828
#define MSR_X2APIC_ICR	0x830


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
	return a->x2apic ? (lwkb_u32)lwkb_rdmsr(0x800 + (reg >> 4)) : mmio_read(a, reg);
}

void lwkb_apic_write(struct lwkb_apic *a, lwkb_u32 reg, lwkb_u32 v)
{
	if (a->x2apic)
		lwkb_wrmsr(0x800 + (reg >> 4), v);
	else
		mmio_write(a, reg, v);
}

static int xapic_wait_idle(struct lwkb_apic *a)
{
	lwkb_u32 n = a->icr_timeout_loops ? a->icr_timeout_loops : 1000000;

	while (mmio_read(a, APIC_ICR_LO) & ICR_BUSY) {
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
		lwkb_wrmsr(MSR_X2APIC_ESR, 0);
		lwkb_wrmsr(MSR_X2APIC_ICR, ((lwkb_u64)apic_id << 32) | icr);
		return 0;
	}
	if (apic_id > 0xfe)
		return -LWKB_ERANGE;	/* 8-bit destination, 0xff broadcasts */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Clear ESR: write, then read (Linux: "Pentium erratum 3AP"). */
	mmio_write(a, APIC_ESR, 0);
	(void)mmio_read(a, APIC_ESR);
	if (xapic_wait_idle(a))
		return -LWKB_EIO;
	mmio_write(a, APIC_ICR_HI, apic_id << 24);
	mmio_write(a, APIC_ICR_LO, icr);
	return xapic_wait_idle(a);
}

int lwkb_apic_send_init(struct lwkb_apic *a, lwkb_u32 apic_id)
{
	return send(a, apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
}

int lwkb_apic_send_sipi(struct lwkb_apic *a, lwkb_u32 apic_id, lwkb_u8 vector)
{
	return send(a, apic_id, ICR_STARTUP | vector);
}

int lwkb_apic_send_nmi(struct lwkb_apic *a, lwkb_u32 apic_id)
{
	return send(a, apic_id, ICR_NMI | ICR_ASSERT);
}

lwkb_u32 lwkb_apic_self_id(struct lwkb_apic *a)
{
	if (a->x2apic)
		return (lwkb_u32)lwkb_rdmsr(MSR_X2APIC_ID);
	return mmio_read(a, APIC_ID) >> 24;
}

int lwkb_apic_enable_x2apic(struct lwkb_apic *a)
{
	lwkb_u64 base;

	if (!lwkb_cpu_has_x2apic())
		return -LWKB_ENOSYS;
	base = lwkb_rdmsr(MSR_APIC_BASE);
	if (!(base & APIC_BASE_EXTD))
		lwkb_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	a->x2apic = 1;
	return 0;
}

int lwkb_cpu_has_1g_pages(void)
{
	lwkb_u32 r[4];

	lwkb_cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000001)
		return 0;
	lwkb_cpuid(0x80000001, 0, r);
	return (r[3] >> 26) & 1;
}

int lwkb_cpu_has_nx(void)
{
	lwkb_u32 r[4];

	lwkb_cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000001)
		return 0;
	lwkb_cpuid(0x80000001, 0, r);
	return (r[3] >> 20) & 1;
}

int lwkb_cpu_has_x2apic(void)
{
	lwkb_u32 r[4];

	lwkb_cpuid(1, 0, r);
	return (r[2] >> 21) & 1;
}

lwkb_u32 lwkb_cpu_apic_id(void)
{
	lwkb_u32 r[4];

	lwkb_cpuid(0, 0, r);
	if (r[0] >= 0x0b) {
		lwkb_cpuid(0x0b, 0, r);
		if (r[1] & 0xffff)
			return r[3];
	}
	lwkb_cpuid(1, 0, r);
	return r[1] >> 24;
}
