/* SPDX-License-Identifier: MIT */
/*
 * boot_info: what the host hands to the LWK at entry (rdi = its physical
 * address).  The boot contract of the IHK specification 1.7.1, chapter 2
 * ("LWK boot"), with what lwkboot adds: the LWK finds here its cores, its
 * memory, NUMA layout, kernel arguments, kmsg ring, status page, the
 * trampoline and temporary page table it can reuse to start its own cores,
 * and the identity range mapped at entry.
 *
 * Layout rules: fixed-width fields, natural alignment, no pointers,
 * physical addresses as lwkb_u64.  A reader checks magic, version and size.
 */
#ifndef LWKBOOT_BOOT_INFO_H
#define LWKBOOT_BOOT_INFO_H

#include "types.h"

#define LWKB_BOOT_INFO_MAGIC	0x4f464e49424b574cULL	/* "LWKBINFO" */
#define LWKB_BOOT_INFO_VERSION	1

#define LWKB_MAX_CORES		192	/* = trampoline slots */
#define LWKB_MAX_CHUNKS		64
#define LWKB_MAX_NUMA		16
#define LWKB_KARGS_SIZE		4096	/* including the terminating NUL */

/* Virtual base at which the kernel image's physical base is mapped. */
#define LWKB_KERNEL_VBASE	0xffffffff80000000ULL
/*
 * Upper bound of the identity range.  The IHK spec (chapter 2) promises
 * [0, 0x0000ff8000000000), but with 4-level paging the lower half ends at
 * 0x0000800000000000 (addresses above are not canonical, SDM vol. 1
 * "Canonical Addressing"), so lwkboot's bound is the canonical one; the
 * range actually mapped is boot_info.ident_end.
 */
#define LWKB_IDENTITY_LIMIT	0x0000800000000000ULL

/* APIC mode the host uses and the LWK should use to send IPIs. */
#define LWKB_APIC_XAPIC		1
#define LWKB_APIC_X2APIC	2

struct lwkb_core {
	lwkb_u32 lwk_id;	/* 0..nr_cores-1; 0 is started by the host */
	lwkb_u32 host_cpu;	/* Linux CPU number, or MADT order under EFI */
	lwkb_u32 apic_id;	/* hardware (x2)APIC id */
	lwkb_u32 numa_id;	/* LWK NUMA id (index into numa[]) */
};

struct lwkb_mem_chunk {
	lwkb_u64 start;		/* physical, inclusive */
	lwkb_u64 end;		/* physical, exclusive */
	lwkb_u32 numa_id;	/* LWK NUMA id */
	lwkb_u32 reserved;
};

struct lwkb_numa_node {
	lwkb_u32 host_id;	/* Linux NUMA id */
	lwkb_u32 type;		/* memory type, 0 = ordinary DRAM */
};

struct lwkb_boot_info {
	lwkb_u64 magic;		/* LWKB_BOOT_INFO_MAGIC */
	lwkb_u32 version;	/* LWKB_BOOT_INFO_VERSION */
	lwkb_u32 size;		/* sizeof(struct lwkb_boot_info) */

	lwkb_u32 nr_cores;
	lwkb_u32 nr_chunks;
	lwkb_u32 nr_numa;
	lwkb_u32 apic_mode;	/* LWKB_APIC_XAPIC or LWKB_APIC_X2APIC */

	lwkb_u64 image_phys;	/* physical base of the kernel image */
	lwkb_u64 image_end;	/* first byte after the loaded image (bss included) */
	lwkb_u64 loader_end;	/* first byte of LWK memory the loader did not use */
	lwkb_u64 apic_phys;	/* xAPIC MMIO base (0xfee00000 normally) */
	lwkb_u64 tsc_khz;	/* TSC frequency measured by the host, 0 = unknown */

	lwkb_u64 kmsg_phys;	/* struct lwkb_kmsg ring (kmsg.h) */
	lwkb_u64 kmsg_size;	/* whole area, header included */
	lwkb_u64 status_phys;	/* struct lwkb_status_page (status.h) */
	lwkb_u64 ikc_phys;	/* IKC area, 0 = none yet */
	lwkb_u64 ikc_size;

	lwkb_u64 tramp_phys;	/* trampoline page, below 1 MiB */
	lwkb_u64 pt_phys;	/* temporary PML4, below 4 GiB */
	lwkb_u32 pt_pages;	/* page-table pages in use at pt_phys.. */
	lwkb_u32 pt_pages_max;	/* pages the host set aside there */
	lwkb_u64 ident_end;	/* identity map covers [0, ident_end) */
	lwkb_u64 high_size;	/* LWKB_KERNEL_VBASE + [0, high_size) -> image_phys */
	lwkb_u64 stacks_phys;	/* boot stacks: core i owns [stacks_phys + i*stack_size, +stack_size) */
	lwkb_u64 stack_size;	/* bytes per boot stack, a multiple of 4 KiB */

	struct lwkb_core cores[LWKB_MAX_CORES];
	lwkb_u32 ikc_map[LWKB_MAX_CORES];	/* LWK core -> host CPU for IKC */
	struct lwkb_mem_chunk chunks[LWKB_MAX_CHUNKS];
	struct lwkb_numa_node numa[LWKB_MAX_NUMA];
	lwkb_u8 numa_distance[LWKB_MAX_NUMA][LWKB_MAX_NUMA];
	char kargs[LWKB_KARGS_SIZE];	/* NUL-terminated, verbatim */
};

LWKB_STATIC_ASSERT(sizeof(struct lwkb_core) == 16, "core layout");
LWKB_STATIC_ASSERT(sizeof(struct lwkb_mem_chunk) == 24, "chunk layout");
LWKB_STATIC_ASSERT(__builtin_offsetof(struct lwkb_boot_info, cores) == 168,
		   "boot_info header layout");
LWKB_STATIC_ASSERT(sizeof(struct lwkb_boot_info) % 8 == 0, "boot_info size");

#endif /* LWKBOOT_BOOT_INFO_H */
