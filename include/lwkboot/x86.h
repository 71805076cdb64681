/* SPDX-License-Identifier: MIT */
/*
 * The x86 registers and bits lwkboot uses, by name, in one place: control
 * registers, MSRs, CPUID, the local APIC, exception vectors, descriptors
 * and page-table entries.  Macros only and no includes, so that loader/,
 * cokernel/, efi/ and the Linux module can all include it, and the NASM
 * side gets the same values through trampoline/asm-offsets.c.
 *
 * A register comes first; its fields follow indented by one space, and a
 * multi-bit field's values by two.  Offsets and numbers are the SDM's;
 * the LWKB_ prefix keeps them apart from Linux's own names in the module.
 *
 * SDM = Intel 64 and IA-32 Architectures Software Developer's Manual.  The
 * section numbers are those of the editions that number vol. 3A's
 * "Multiple-Processor Management" chapter 8 and its APIC chapter 10 (up to
 * 2022); later editions renumber the chapters but keep the titles, which
 * are given too.
 */
#ifndef LWKBOOT_X86_H
#define LWKBOOT_X86_H

/*
 * Control registers (vol. 3A, 2.5 "Control Registers").  CR3 holds the
 * physical address of the PML4, nothing else here.
 */
#define LWKB_CR0_PE		(1u << 0)	/* protection enable */
#define LWKB_CR0_ET		(1u << 4)	/* extension type: reads as 1 */
#define LWKB_CR0_NE		(1u << 5)	/* native x87 error reporting */
#define LWKB_CR0_NW		(1u << 29)	/* not write-through */
#define LWKB_CR0_CD		(1u << 30)	/* cache disable */
#define LWKB_CR0_PG		(1u << 31)	/* paging */
#define LWKB_CR4_PAE		(1u << 5)	/* physical address extension */

/*
 * Model-specific registers (vol. 4, 2.1 "Architectural MSRs", table 2-2).
 */
/* IA32_APIC_BASE (vol. 3A, 10.4.4 "Local APIC Status and Location") */
#define LWKB_MSR_APIC_BASE	0x0000001bu
#define  LWKB_APIC_BASE_BSP	 (1ULL << 8)	/* this is the bootstrap processor */
#define  LWKB_APIC_BASE_EXTD	 (1ULL << 10)	/* x2APIC mode (10.12.1) */
#define  LWKB_APIC_BASE_EN	 (1ULL << 11)	/* APIC global enable */
#define  LWKB_APIC_BASE_ADDR	 0x000ffffffffff000ULL	/* bits MAXPHYADDR-1:12 */
/* IA32_EFER (vol. 3A, 2.2.1 "Extended Feature Enable Register") */
#define LWKB_MSR_EFER		0xc0000080u
#define  LWKB_EFER_LME		 (1u << 8)	/* long mode enable */
#define  LWKB_EFER_LMA		 (1u << 10)	/* long mode active (read-only) */
#define  LWKB_EFER_NXE		 (1u << 11)	/* XD bit in page tables allowed */
/* IA32_FS_BASE, IA32_GS_BASE: the FS and GS segment bases in 64-bit mode */
#define LWKB_MSR_FS_BASE	0xc0000100u
#define LWKB_MSR_GS_BASE	0xc0000101u
/*
 * The x2APIC registers: MSR 800h plus the xAPIC offset divided by 16
 * (vol. 3A, 10.12.1.2 "x2APIC Register Address Space").
 */
#define LWKB_MSR_X2APIC_FIRST	0x00000800u
#define LWKB_MSR_X2APIC(reg)	(LWKB_MSR_X2APIC_FIRST + ((reg) >> 4))

/*
 * CPUID leaves and bits (vol. 2A, chapter 3, "CPUID - CPU Identification",
 * table 3-8).  A leaf above the highest one reported returns another
 * leaf's data, so callers check the maximum first.
 */
#define LWKB_CPUID_MAX		0x00u		/* EAX: highest basic leaf */
#define LWKB_CPUID_FEATURES	0x01u
#define  LWKB_CPUID_01_EBX_APIC_ID_SHIFT	 24	/* EBX[31:24]: initial APIC id */
#define  LWKB_CPUID_01_ECX_X2APIC	 (1u << 21)
#define LWKB_CPUID_TOPOLOGY	0x0bu		/* extended topology; EDX: x2APIC id */
#define  LWKB_CPUID_0B_EBX_CPUS	 0x0000ffffu	/* EBX[15:0]: 0 if the leaf is invalid */
#define LWKB_CPUID_EXT_MAX	0x80000000u	/* EAX: highest extended leaf */
#define LWKB_CPUID_EXT_FEATURES	0x80000001u
#define  LWKB_CPUID_EXT_EDX_NX	 (1u << 20)	/* execute disable */
#define  LWKB_CPUID_EXT_EDX_PAGE1GB	 (1u << 26)	/* 1-GByte pages */

/*
 * Local APIC registers by their xAPIC MMIO offset (vol. 3A, 10.4.1, table
 * 10-1 "Local APIC Register Address Map"); LWKB_MSR_X2APIC(offset) is the
 * same register in x2APIC mode.
 */
#define LWKB_APIC_REG_ID	0x020	/* 10.4.6 "Local APIC ID" */
#define  LWKB_XAPIC_ID_SHIFT	 24	/* xAPIC: id in bits 31:24; x2APIC: all 32 bits */
#define LWKB_APIC_REG_EOI	0x0b0	/* 10.8.5: write 0 to end an interrupt */
#define LWKB_APIC_REG_SVR	0x0f0	/* 10.9 "Spurious Interrupt" */
#define  LWKB_APIC_SVR_VECTOR	 0x000000ffu
#define  LWKB_APIC_SVR_ENABLE	 (1u << 8)	/* APIC software enable */
#define LWKB_APIC_REG_ESR	0x280	/* 10.5.3 "Error Handling" */
/* 10.6.1 "Interrupt Command Register (ICR)": the write to the low half sends */
#define LWKB_APIC_REG_ICR	0x300
#define  LWKB_APIC_ICR_VECTOR	 0x000000ffu
#define  LWKB_APIC_ICR_DM	 0x00000700u	/* delivery mode */
#define   LWKB_APIC_ICR_DM_FIXED	  0x00000000u
#define   LWKB_APIC_ICR_DM_NMI	  0x00000400u	/* the vector is ignored */
#define   LWKB_APIC_ICR_DM_INIT	  0x00000500u
#define   LWKB_APIC_ICR_DM_STARTUP	  0x00000600u
#define  LWKB_APIC_ICR_BUSY	 (1u << 12)	/* delivery status: xAPIC only */
#define  LWKB_APIC_ICR_ASSERT	 (1u << 14)	/* level: assert */
#define  LWKB_APIC_ICR_LEVEL	 (1u << 15)	/* trigger mode: level */
#define LWKB_APIC_REG_ICR_HI	0x310	/* xAPIC: the destination, written first */
#define  LWKB_XAPIC_DEST_SHIFT	 24	/* bits 31:24 */
#define  LWKB_XAPIC_DEST_BROADCAST	 0xffu	/* so the highest xAPIC id is 0xfe */
/* x2APIC: one 64-bit ICR MSR, destination in bits 63:32 (10.12.9) */
#define LWKB_X2APIC_DEST_SHIFT	32
/* 10.5.1 "Local Vector Table": the same fields in every LVT register */
#define LWKB_APIC_REG_LVT_TIMER	0x320
#define LWKB_APIC_REG_LVT_LINT0	0x350
#define LWKB_APIC_REG_LVT_LINT1	0x360
#define LWKB_APIC_REG_LVT_ERROR	0x370
#define  LWKB_APIC_LVT_VECTOR	 0x000000ffu
#define  LWKB_APIC_LVT_MASKED	 (1u << 16)
#define  LWKB_APIC_LVT_TIMER_PERIODIC	 (1u << 17)	/* timer mode 01b */
/* 10.5.4 "APIC Timer" */
#define LWKB_APIC_REG_TMR_INIT	0x380	/* initial count; 0 stops the timer */
#define LWKB_APIC_REG_TMR_CUR	0x390	/* current count, counting down */
#define LWKB_APIC_REG_TMR_DIV	0x3e0	/* divide configuration */
#define  LWKB_APIC_TMR_DIV_1	 0x0000000bu	/* 1011b: divide by 1 */

/*
 * Exception vectors (vol. 3A, 6.2, table 6-1 "Protected-Mode Exceptions
 * and Interrupts"): 0 to 31 are the architecture's.  Those in
 * LWKB_EXC_ERRCODE push an error code (6.13 "Error Code", 6.15 "Exception
 * and Interrupt Reference").
 */
#define LWKB_NR_EXCEPTIONS	32
#define LWKB_VEC_NMI		2
#define LWKB_VEC_DF		8	/* double fault */
#define LWKB_VEC_TS		10	/* invalid TSS */
#define LWKB_VEC_NP		11	/* segment not present */
#define LWKB_VEC_SS		12	/* stack fault */
#define LWKB_VEC_GP		13	/* general protection */
#define LWKB_VEC_PF		14	/* page fault */
#define LWKB_VEC_AC		17	/* alignment check */
#define LWKB_VEC_MC		18	/* machine check */
#define LWKB_VEC_CP		21	/* control protection */
#define LWKB_VEC_VC		29	/* VMM communication */
#define LWKB_VEC_SX		30	/* security */
#define LWKB_EXC_ERRCODE	((1u << LWKB_VEC_DF) | (1u << LWKB_VEC_TS) | \
				 (1u << LWKB_VEC_NP) | (1u << LWKB_VEC_SS) | \
				 (1u << LWKB_VEC_GP) | (1u << LWKB_VEC_PF) | \
				 (1u << LWKB_VEC_AC) | (1u << LWKB_VEC_CP) | \
				 (1u << LWKB_VEC_VC) | (1u << LWKB_VEC_SX))

/*
 * Segment descriptors (vol. 3A, 3.4.5 "Segment Descriptors"): flat
 * (base 0, limit 4 GiB with G = 1), present, DPL 0, accessed bit preset
 * so the CPU never writes the GDT.  Code64 has L = 1, D = 0 (5.2.1
 * "Code-Segment Descriptors in 64-bit Mode").
 */
#define LWKB_DESC_CODE32	0x00cf9b000000ffffULL
#define LWKB_DESC_DATA		0x00cf93000000ffffULL
#define LWKB_DESC_CODE64	0x00af9b000000ffffULL
/*
 * The access byte (bits 47:40) of a system descriptor: present, DPL 0 and
 * the type (3.5 "System Descriptor Types", table 3-2; 7.2.3 "TSS
 * Descriptor in 64-bit mode"; 6.14.1 "64-Bit Mode IDT").
 */
#define LWKB_DESC_TSS64		0x89	/* available 64-bit TSS */
#define LWKB_GATE_INTR64	0x8e	/* 64-bit interrupt gate: clears IF */

/*
 * Page-table entries, 4-level paging (vol. 3A, 4.5 "4-Level Paging",
 * "IA-32e Paging" in older editions, tables 4-14 to 4-20).
 */
#define LWKB_PTE_P		(1ULL << 0)	/* present */
#define LWKB_PTE_W		(1ULL << 1)	/* writable */
#define LWKB_PTE_PWT		(1ULL << 3)	/* write-through */
#define LWKB_PTE_PCD		(1ULL << 4)	/* cache disable */
#define LWKB_PTE_PS		(1ULL << 7)	/* page size: a 2 MiB or 1 GiB leaf */
#define LWKB_PTE_NX		(1ULL << 63)	/* execute disable, with EFER.NXE */
#define LWKB_PTE_ADDR		0x000ffffffffff000ULL

#endif /* LWKBOOT_X86_H */
