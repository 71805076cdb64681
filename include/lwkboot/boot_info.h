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
/*
 * Version 2: the header below, then arrays sized to what the instance has
 * (cores, chunks, NUMA nodes, distances, kernel arguments), each found by
 * an offset from the start of boot_info.  Version 1 had fixed arrays
 * (192 cores, 64 chunks, 16 nodes) inside the structure; neither side
 * accepts the other's version (an image says which it speaks in its ELF
 * note, LWKB_NOTE_CONTRACT below).
 */
#define LWKB_BOOT_INFO_VERSION	2

/*
 * Protocol bounds, not sizes: boot_info holds only what an instance has.
 * Cores: every CPU Linux can name (Debian's NR_CPUS is 8192).  NUMA
 * nodes: Linux's MAX_NUMNODES with NODES_SHIFT 10.
 */
#define LWKB_MAX_CORES		8192
#define LWKB_MAX_CHUNKS		4096
#define LWKB_MAX_NUMA		1024
#define LWKB_KARGS_SIZE		4096	/* including the terminating NUL */

/*
 * The ELF note every co-kernel image carries (PT_NOTE, name "lwkboot",
 * type LWKB_NOTE_CONTRACT, 4-byte descriptor): the boot_info version it
 * reads.  An image without it was built for version 1.
 */
#define LWKB_NOTE_NAME		"lwkboot"
#define LWKB_NOTE_CONTRACT	1

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
	lwkb_u32 size;		/* whole area: this header and every array */

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

	/* The trampoline's slot table (trampoline.h), below 4 GiB. */
	lwkb_u64 slots_phys;
	lwkb_u32 slots_max;	/* slots it has room for (>= nr_cores) */

	/* The arrays: byte offsets from the start of boot_info, and room. */
	lwkb_u32 cores_max;	/* room in cores[] and ikc_map[] (>= nr_cores) */
	lwkb_u32 chunks_max;
	lwkb_u32 numa_max;	/* also the row length of the distance matrix */
	lwkb_u32 cores_off;	/* struct lwkb_core[cores_max] */
	lwkb_u32 ikc_map_off;	/* lwkb_u32[cores_max]: LWK core -> host CPU for IKC */
	lwkb_u32 chunks_off;	/* struct lwkb_mem_chunk[chunks_max] */
	lwkb_u32 numa_off;	/* struct lwkb_numa_node[numa_max] */
	lwkb_u32 distance_off;	/* lwkb_u8[numa_max][numa_max], ACPI SLIT units */
	lwkb_u32 kargs_off;	/* char[kargs_size], NUL-terminated, verbatim */
	lwkb_u32 kargs_size;
	lwkb_u32 reserved;
};

LWKB_STATIC_ASSERT(sizeof(struct lwkb_core) == 16, "core layout");
LWKB_STATIC_ASSERT(sizeof(struct lwkb_mem_chunk) == 24, "chunk layout");
LWKB_STATIC_ASSERT(sizeof(struct lwkb_numa_node) == 8, "node layout");
LWKB_STATIC_ASSERT(sizeof(struct lwkb_boot_info) == 224, "boot_info header layout");

/*
 * The arrays.  Only for a boot_info that passed lwkb_bootinfo_check()
 * (loader/bootinfo.c), which proves every array lies inside 'size'.
 */
static inline struct lwkb_core *lwkb_bi_cores(const struct lwkb_boot_info *bi)
{
	return (struct lwkb_core *)((char *)bi + bi->cores_off);
}

static inline lwkb_u32 *lwkb_bi_ikc_map(const struct lwkb_boot_info *bi)
{
	return (lwkb_u32 *)((char *)bi + bi->ikc_map_off);
}

static inline struct lwkb_mem_chunk *lwkb_bi_chunks(const struct lwkb_boot_info *bi)
{
	return (struct lwkb_mem_chunk *)((char *)bi + bi->chunks_off);
}

static inline struct lwkb_numa_node *lwkb_bi_numa(const struct lwkb_boot_info *bi)
{
	return (struct lwkb_numa_node *)((char *)bi + bi->numa_off);
}

/* Distance from LWK node i to LWK node j. */
static inline lwkb_u8 *lwkb_bi_distance(const struct lwkb_boot_info *bi, lwkb_u32 i,
					lwkb_u32 j)
{
	return (lwkb_u8 *)bi + bi->distance_off + (lwkb_u64)i * bi->numa_max + j;
}

static inline char *lwkb_bi_kargs(const struct lwkb_boot_info *bi)
{
	return (char *)bi + bi->kargs_off;
}

#endif /* LWKBOOT_BOOT_INFO_H */
