/* SPDX-License-Identifier: MIT */
/*
 * Ring-0 instructions for freestanding code (loader/, cokernel/, efi/):
 * one definition each.  The Linux module uses the kernel's own.
 */
#ifndef LWKBOOT_LOADER_LWKB_CPU_H
#define LWKBOOT_LOADER_LWKB_CPU_H

#include "lwkboot/types.h"

static inline void lwkb_cpuid(lwkb_u32 leaf, lwkb_u32 sub, lwkb_u32 r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline lwkb_u64 lwkb_rdmsr(lwkb_u32 msr)
{
	lwkb_u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((lwkb_u64)hi << 32) | lo;
}

static inline void lwkb_wrmsr(lwkb_u32 msr, lwkb_u64 v)
{
	__asm__ volatile("wrmsr"
			 : : "c"(msr), "a"((lwkb_u32)v), "d"((lwkb_u32)(v >> 32))
			 : "memory");
}

static inline lwkb_u64 lwkb_rdtsc(void)
{
	lwkb_u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((lwkb_u64)hi << 32) | lo;
}

#endif /* LWKBOOT_LOADER_LWKB_CPU_H */
