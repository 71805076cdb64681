/* SPDX-License-Identifier: MIT */
/*
 * Booting an unmodified Linux bzImage as the co-kernel (loader/linux.c).
 * Freestanding: no libc, no Linux or EFI headers.  User space links the
 * pure checks (lwkb_bz_probe, lwkb_bz_check) to say what is wrong with an
 * image before it asks the module; the hosts run the planner and the
 * builder.
 *
 * The facts this follows are in ../shared/notes/linux-cokernel.md and
 * docs/linux-cokernel.md; the layouts are those of the x86 boot protocol
 * (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header" and
 * "64-bit Boot Protocol"; Documentation/arch/x86/zero-page.rst) and of
 * ACPI 6.x (RSDP 5.2.5, XSDT 5.2.8, FADT 5.2.9, DSDT 5.2.11.1, MADT 5.2.12).
 */
#ifndef LWKBOOT_LOADER_LWKB_LINUX_H
#define LWKBOOT_LOADER_LWKB_LINUX_H

#include "lwkboot/types.h"
#include "lwkb_parse.h"

/* ---- the bzImage's setup header (boot.rst, offsets in the file) ---- */
#define LWKB_BZ_SETUP_SECTS	0x1f1	/* u8; 0 means 4 */
#define LWKB_BZ_SYSSIZE		0x1f4	/* u32, 16-byte paragraphs */
#define LWKB_BZ_BOOT_FLAG	0x1fe	/* u16 0xAA55 */
#define LWKB_BZ_JUMP		0x200	/* the header ends at 0x202 + byte at 0x201 */
#define LWKB_BZ_HEADER		0x202	/* "HdrS" */
#define LWKB_BZ_VERSION		0x206	/* u16 */
#define LWKB_BZ_TYPE_OF_LOADER	0x210
#define LWKB_BZ_LOADFLAGS	0x211	/* bit 0 LOADED_HIGH */
#define LWKB_BZ_RAMDISK_IMAGE	0x218
#define LWKB_BZ_RAMDISK_SIZE	0x21c
#define LWKB_BZ_CMD_LINE_PTR	0x228
#define LWKB_BZ_INITRD_ADDR_MAX	0x22c
#define LWKB_BZ_KERNEL_ALIGN	0x230
#define LWKB_BZ_RELOCATABLE	0x234
#define LWKB_BZ_XLOADFLAGS	0x236	/* u16, bit 0 XLF_KERNEL_64, bit 1 above 4G */
#define LWKB_BZ_CMDLINE_SIZE	0x238
#define LWKB_BZ_SUBARCH		0x23c
#define LWKB_BZ_SUBARCH_DATA	0x240
#define LWKB_BZ_SETUP_DATA	0x250	/* u64 */
#define LWKB_BZ_PREF_ADDRESS	0x258	/* u64 = LOAD_PHYSICAL_ADDR */
#define LWKB_BZ_INIT_SIZE	0x260	/* u32 */
#define LWKB_BZ_HDR_END_MAX	0x290	/* struct boot_params: hdr and _pad7 end here */

#define LWKB_BZ_MIN_VERSION	0x020c	/* 2.12: xloadflags, XLF_KERNEL_64 */
#define LWKB_XLF_KERNEL_64	(1u << 0)
#define LWKB_XLF_ABOVE_4G	(1u << 1)

/* ---- the zero page (struct boot_params, zero-page.rst) ---- */
#define LWKB_ZP_ACPI_RSDP	0x070	/* u64, protocol 2.14+ */
#define LWKB_ZP_EXT_RAMDISK_IMAGE 0x0c0
#define LWKB_ZP_EXT_RAMDISK_SIZE 0x0c4
#define LWKB_ZP_EXT_CMD_LINE_PTR 0x0c8
#define LWKB_ZP_E820_ENTRIES	0x1e8	/* u8 */
#define LWKB_ZP_E820_TABLE	0x2d0	/* 128 x { u64 addr, u64 size, u32 type } */
#define LWKB_ZP_E820_MAX	128
#define LWKB_E820_RAM		1
#define LWKB_E820_RESERVED	2

/* What lwkb_bz_check found in a bzImage. */
struct lwkb_bz_info {
	lwkb_u16 version;	/* 0x020f: 2.15 */
	lwkb_u16 xloadflags;
	lwkb_u32 setup_size;	/* (setup_sects + 1) * 512: where the kernel starts */
	lwkb_u64 kernel_size;	/* the protected-mode kernel: file size - setup_size */
	lwkb_u64 init_size;	/* bytes it needs from its load address */
	lwkb_u64 align;		/* kernel_alignment */
	lwkb_u64 pref_address;	/* LOAD_PHYSICAL_ADDR: it never runs below this */
	lwkb_u32 cmdline_max;	/* cmdline_size: bytes without the NUL */
	lwkb_u32 initrd_addr_max;
	lwkb_u32 hdr_len;	/* setup header bytes from 0x1f1 */
};

/* 1 when img looks like a bzImage (boot flag and "HdrS"), else 0. */
int lwkb_bz_probe(const void *img, lwkb_u64 len);
/*
 * Every check on a bzImage before a byte of it is used: protocol 2.12 or
 * later, a bzImage (LOADED_HIGH), relocatable, a 64-bit entry, sane
 * setup_sects, kernel_alignment and init_size, and init_size (with the
 * alignment and LOAD_PHYSICAL_ADDR) within 'largest_run' bytes when that
 * is not 0.  The message names the value.
 */
int lwkb_bz_check(const void *img, lwkb_u64 len, lwkb_u64 largest_run,
		  struct lwkb_bz_info *bz, char *err, lwkb_size_t errlen);

/* ---- ACPI (ACPI 6.x, chapter 5.2) ---- */
#define LWKB_FADT_WBINVD		(1u << 0)
#define LWKB_FADT_PWR_BUTTON		(1u << 4)	/* no fixed-feature power button */
#define LWKB_FADT_SLP_BUTTON		(1u << 5)
#define LWKB_FADT_FORCE_APIC_PHYSICAL	(1u << 19)
#define LWKB_FADT_HW_REDUCED		(1u << 20)
#define LWKB_IAPC_NO_VGA		(1u << 2)
#define LWKB_IAPC_NO_CMOS_RTC		(1u << 5)
#define LWKB_FADT_LEN			276	/* revision 6 */
#define LWKB_MADT_LAPIC			0	/* 8 bytes */
#define LWKB_MADT_IOAPIC		1	/* 12 bytes */
#define LWKB_MADT_X2APIC		9	/* 16 bytes */
/* What the fake I/O APIC page reads at IOWIN (+0x10) for every register:
 * version 0x20, 24 pins (max redirection entry 0x17 in bits 16-23), the
 * I/O APIC version register of the 82093AA datasheet. */
#define LWKB_FAKE_IOAPIC_WORD		0x00170020u

/* ---- the tables region, at the top of the kernel's run ---- */
#define LWKB_LX_ZP_OFF		0x0000	/* zero page */
#define LWKB_LX_CMDLINE_OFF	0x1000	/* command line, at most 4095 bytes + NUL */
#define LWKB_LX_CMDLINE_MAX	4095
#define LWKB_LX_RSDP_OFF	0x2000
#define LWKB_LX_XSDT_OFF	0x2040
#define LWKB_LX_FADT_OFF	0x2100
#define LWKB_LX_DSDT_OFF	0x2240
#define LWKB_LX_MADT_OFF	0x2300
#define LWKB_LX_MADT_MAX	(0x5000 - LWKB_LX_MADT_OFF)
#define LWKB_LX_IOAPIC_OFF	0x5000	/* the fake I/O APIC page */
#define LWKB_LX_EXTRA_OFF	0x6000	/* the caller's: boot_info, core 0's stack */
#define LWKB_LX_NO_DECOY	0xffffffffu

struct lwkb_lx_range {
	lwkb_u64 start;
	lwkb_u64 end;		/* exclusive */
};

struct lwkb_linux {
	/* in */
	const void *image;
	lwkb_u64 image_size;
	const void *initrd;	/* NULL: none */
	lwkb_u64 initrd_size;
	const char *cmdline;	/* the whole command line, NUL-terminated */
	struct lwkb_lx_range mem[64];	/* the LWK's memory, page aligned, any order */
	lwkb_u32 mem_node[64];	/* host NUMA node of each (for boot_info) */
	lwkb_u32 nr_mem;
	lwkb_u64 low_phys;	/* the window below 1 MiB for its AP trampoline */
	lwkb_u64 low_size;
	lwkb_u64 apic_phys;	/* local APIC address for the MADT */
	/* The host BSP's APIC id, listed first in the MADT as a decoy: 6.12's
	 * topology code (arch/x86/kernel/cpu/topology.c, check_for_real_bsp)
	 * takes the first enumerated APIC as the real BSP and, when that is
	 * not the boot CPU, refuses it ("Crash kernel detected"); listing the
	 * boot CPU first instead limits it to one CPU.  6.1 needs
	 * disable_cpu_apicid= to skip it.  LWKB_LX_NO_DECOY: none. */
	lwkb_u32 decoy_apic_id;
	lwkb_u32 apic_ids[1024];	/* the LWK's cores, the boot CPU first */
	lwkb_u32 nr_cores;
	lwkb_u64 extra_size;	/* page multiple: the caller's part of the region */
	/* Where the builder may write [phys, phys + len); NULL if it may not. */
	void *(*p2v)(void *ctx, lwkb_u64 phys, lwkb_u64 len);
	void *ctx;
	/* out of lwkb_linux_plan */
	struct lwkb_bz_info bz;
	lwkb_u64 run_start, run_end;	/* the run the kernel, initrd and tables share */
	lwkb_u64 load_phys;	/* the protected-mode kernel */
	lwkb_u64 entry;		/* load_phys + 0x200: the 64-bit entry */
	lwkb_u64 initrd_phys;	/* 0 without an initrd */
	lwkb_u64 tables_phys;	/* the reserved region: zero page, command line, ACPI */
	lwkb_u64 tables_size;
	lwkb_u64 zp_phys;
	lwkb_u64 rsdp_phys;
	lwkb_u64 extra_phys;
};

/* Run lengths of the largest run of adjacent ranges (sorted or not). */
lwkb_u64 lwkb_lx_largest_run(const struct lwkb_lx_range *r, lwkb_u32 n);
/*
 * Checks the image, the initrd, the command line, the memory, the window
 * and the cores, and decides where everything goes.  Writes nothing.
 */
int lwkb_linux_plan(struct lwkb_linux *lx, char *err, lwkb_size_t errlen);
/*
 * After a successful plan: copies the kernel and the initrd, writes the
 * zero page, the command line, the ACPI tables and the fake I/O APIC
 * page.  Only [load_phys, +init_size), the initrd's place and the tables
 * region (but its extra part) are written.
 */
int lwkb_linux_build(struct lwkb_linux *lx, char *err, lwkb_size_t errlen);

/* The e820 table the zero page gets, for tests: entries written. */
int lwkb_lx_e820(const struct lwkb_linux *lx, lwkb_u8 *zp);
/* The ACPI checksum: the byte that makes the sum of [p, p+len) zero. */
lwkb_u8 lwkb_acpi_checksum(const void *p, lwkb_size_t len);

#endif /* LWKBOOT_LOADER_LWKB_LINUX_H */
