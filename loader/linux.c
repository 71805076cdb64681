// SPDX-License-Identifier: MIT
/*
 * An unmodified Linux bzImage as the co-kernel: the checks on the image,
 * the plan of where everything goes, and the builder of the zero page, the
 * command line and the minimal ACPI tables.  See lwkb_linux.h.
 *
 * Layout of the kernel's run (the largest run of adjacent LWK memory):
 *
 *   [load_phys, +init_size)         the kernel; it decompresses in place
 *                                   (nokaslr): arch/x86/boot/compressed/head_64.S
 *                                   runs it at the load address aligned to
 *                                   kernel_alignment, never below
 *                                   LOAD_PHYSICAL_ADDR (pref_address)
 *   [initrd_phys, +initrd_size)     the initrd, below the tables
 *   [tables_phys, run_end)          e820 reserved: zero page, command line,
 *                                   RSDP, XSDT, FADT, DSDT, MADT, the fake
 *                                   I/O APIC page, then the caller's extra
 *
 * Every size in the image's header is the image's to lie about: each is
 * checked against the file's length and the memory before it is used.
 */
#include "lwkb_linux.h"
#include "lwkb_loader.h"

static lwkb_u16 rd16(const lwkb_u8 *p, lwkb_u32 off)
{
	return (lwkb_u16)(p[off] | p[off + 1] << 8);
}

static lwkb_u32 rd32(const lwkb_u8 *p, lwkb_u32 off)
{
	return (lwkb_u32)rd16(p, off) | (lwkb_u32)rd16(p, off + 2) << 16;
}

static lwkb_u64 rd64(const lwkb_u8 *p, lwkb_u32 off)
{
	return (lwkb_u64)rd32(p, off) | (lwkb_u64)rd32(p, off + 4) << 32;
}

static void wr8(lwkb_u8 *p, lwkb_u32 off, lwkb_u8 v)
{
	p[off] = v;
}

static void wr16(lwkb_u8 *p, lwkb_u32 off, lwkb_u16 v)
{
	p[off] = (lwkb_u8)v;
	p[off + 1] = (lwkb_u8)(v >> 8);
}

static void wr32(lwkb_u8 *p, lwkb_u32 off, lwkb_u32 v)
{
	wr16(p, off, (lwkb_u16)v);
	wr16(p, off + 2, (lwkb_u16)(v >> 16));
}

static void wr64(lwkb_u8 *p, lwkb_u32 off, lwkb_u64 v)
{
	wr32(p, off, (lwkb_u32)v);
	wr32(p, off + 4, (lwkb_u32)(v >> 32));
}

#define MIB(x)	((unsigned long long)((x) >> 20))

int lwkb_bz_probe(const void *img, lwkb_u64 len)
{
	const lwkb_u8 *p = img;

	return len >= LWKB_BZ_HDR_END_MAX && rd16(p, LWKB_BZ_BOOT_FLAG) == 0xAA55 &&
		rd32(p, LWKB_BZ_HEADER) == 0x53726448;	/* "HdrS" */
}

/* The header fields, each against the file and its neighbours. */
static int bz_fields(const lwkb_u8 *p, lwkb_u64 len, struct lwkb_bz_info *bz,
		     char *err, lwkb_size_t errlen)
{
	lwkb_u32 sects = p[LWKB_BZ_SETUP_SECTS];
	lwkb_u64 sys;

	bz->version = rd16(p, LWKB_BZ_VERSION);
	if (bz->version < LWKB_BZ_MIN_VERSION)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot protocol %u.%02u is too old: 2.12 or later is needed (64-bit entry)",
				bz->version >> 8, bz->version & 0xff);
	if (!(p[LWKB_BZ_LOADFLAGS] & 1))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"a zImage (loadflags 0x%x without LOADED_HIGH): only a bzImage can be booted",
				p[LWKB_BZ_LOADFLAGS]);
	if (!p[LWKB_BZ_RELOCATABLE])
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"the kernel is not relocatable (relocatable_kernel 0): it would run at its fixed address");
	bz->xloadflags = rd16(p, LWKB_BZ_XLOADFLAGS);
	if (!(bz->xloadflags & LWKB_XLF_KERNEL_64))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"no 64-bit entry (xloadflags 0x%x without XLF_KERNEL_64)",
				bz->xloadflags);
	/* boot.rst: "If this field is 0, the real value is 4." */
	bz->setup_size = ((sects ? sects : 4) + 1) * 512;
	if (bz->setup_size >= len)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"setup_sects %u puts the kernel at %u, beyond the file's %llu bytes",
				sects, bz->setup_size, (unsigned long long)len);
	bz->kernel_size = len - bz->setup_size;
	sys = (lwkb_u64)rd32(p, LWKB_BZ_SYSSIZE) * 16;
	if (sys > bz->kernel_size)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"syssize says %llu bytes of kernel, the file has %llu after the setup",
				(unsigned long long)sys, (unsigned long long)bz->kernel_size);
	bz->hdr_len = 0x202 + p[LWKB_BZ_JUMP + 1] - LWKB_BZ_SETUP_SECTS;
	if (LWKB_BZ_SETUP_SECTS + bz->hdr_len > LWKB_BZ_HDR_END_MAX ||
	    LWKB_BZ_SETUP_SECTS + bz->hdr_len < LWKB_BZ_INIT_SIZE + 4)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"setup header of %u bytes: want %u to %u", bz->hdr_len,
				LWKB_BZ_INIT_SIZE + 4 - LWKB_BZ_SETUP_SECTS,
				LWKB_BZ_HDR_END_MAX - LWKB_BZ_SETUP_SECTS);
	return 0;
}

/* The sizes it asks for: alignment, init_size, command line. */
static int bz_sizes(const lwkb_u8 *p, lwkb_u64 largest_run, struct lwkb_bz_info *bz,
		    char *err, lwkb_size_t errlen)
{
	lwkb_u64 need;

	bz->align = rd32(p, LWKB_BZ_KERNEL_ALIGN);
	if (bz->align < LWKB_PAGE_SIZE || bz->align > LWKB_1G || (bz->align & (bz->align - 1)))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"kernel_alignment 0x%llx: want a power of two from 4 KiB to 1 GiB",
				(unsigned long long)bz->align);
	/* An x86-64 kernel runs only 2 MiB aligned (its decompressor stops
	 * with "Destination physical address inappropriately aligned"). */
	if (bz->align < LWKB_2M)
		bz->align = LWKB_2M;
	bz->pref_address = rd64(p, LWKB_BZ_PREF_ADDRESS);
	if (bz->pref_address > (1ULL << 46) || (bz->pref_address & (LWKB_PAGE_SIZE - 1)))
		return lwkb_err(err, errlen, -LWKB_EINVAL, "pref_address 0x%llx is not sane",
				(unsigned long long)bz->pref_address);
	bz->init_size = rd32(p, LWKB_BZ_INIT_SIZE);
	if (bz->init_size < bz->kernel_size || bz->init_size > LWKB_1G)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"init_size %llu: want the kernel's %llu bytes to 1 GiB",
				(unsigned long long)bz->init_size,
				(unsigned long long)bz->kernel_size);
	bz->init_size = LWKB_ALIGN_UP(bz->init_size, LWKB_PAGE_SIZE);
	need = bz->init_size + LWKB_LX_EXTRA_OFF;
	if (largest_run && need > largest_run)
		return lwkb_err(err, errlen, -LWKB_ENOMEM,
				"init_size %llu MiB (and the tables) is larger than the largest assigned run of %llu MiB",
				MIB(bz->init_size + (1 << 20) - 1), MIB(largest_run));
	bz->cmdline_max = rd32(p, LWKB_BZ_CMDLINE_SIZE);
	if (bz->cmdline_max > LWKB_LX_CMDLINE_MAX)
		bz->cmdline_max = LWKB_LX_CMDLINE_MAX;
	bz->initrd_addr_max = rd32(p, LWKB_BZ_INITRD_ADDR_MAX);
	return 0;
}

int lwkb_bz_check(const void *img, lwkb_u64 len, lwkb_u64 largest_run,
		  struct lwkb_bz_info *bz, char *err, lwkb_size_t errlen)
{
	const lwkb_u8 *p = img;
	int rc;

	if (!lwkb_bz_probe(img, len))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"not a bzImage (no boot flag 0xAA55 and \"HdrS\" at 0x1fe, or shorter than %u bytes)",
				LWKB_BZ_HDR_END_MAX);
	lwkb_memset(bz, 0, sizeof(*bz));
	rc = bz_fields(p, len, bz, err, errlen);
	if (!rc)
		rc = bz_sizes(p, largest_run, bz, err, errlen);
	return rc;
}

/* Sorts a few ranges by start (insertion sort: at most 64). */
static void sort_ranges(struct lwkb_lx_range *r, lwkb_u32 n)
{
	lwkb_u32 i, j;

	for (i = 1; i < n; i++) {
		struct lwkb_lx_range t = r[i];

		for (j = i; j > 0 && r[j - 1].start > t.start; j--)
			r[j] = r[j - 1];
		r[j] = t;
	}
}

/* Merges adjacent ranges of a sorted array; returns the new count. */
static lwkb_u32 merge_ranges(struct lwkb_lx_range *r, lwkb_u32 n)
{
	lwkb_u32 i, m = 0;

	for (i = 0; i < n; i++) {
		if (m && r[m - 1].end == r[i].start)
			r[m - 1].end = r[i].end;
		else
			r[m++] = r[i];
	}
	return m;
}

lwkb_u64 lwkb_lx_largest_run(const struct lwkb_lx_range *in, lwkb_u32 n)
{
	struct lwkb_lx_range r[64];
	lwkb_u64 best = 0;
	lwkb_u32 i;

	if (n > 64)
		n = 64;
	lwkb_memcpy(r, in, n * sizeof(*r));
	sort_ranges(r, n);
	n = merge_ranges(r, n);
	for (i = 0; i < n; i++)
		if (r[i].end - r[i].start > best)
			best = r[i].end - r[i].start;
	return best;
}

/* Memory and window: page aligned, no overlaps, the window below 1 MiB. */
static int check_mem(struct lwkb_linux *lx, struct lwkb_lx_range *r, lwkb_u32 *n,
		     char *err, lwkb_size_t errlen)
{
	lwkb_u32 i;

	if (!lx->nr_mem || lx->nr_mem > 64)
		return lwkb_err(err, errlen, -LWKB_EINVAL, "%u memory ranges: want 1 to 64",
				lx->nr_mem);
	for (i = 0; i < lx->nr_mem; i++) {
		r[i] = lx->mem[i];
		if ((r[i].start | r[i].end) & (LWKB_PAGE_SIZE - 1) || r[i].end <= r[i].start)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"memory range 0x%llx-0x%llx is empty or not page aligned",
					(unsigned long long)r[i].start,
					(unsigned long long)r[i].end);
	}
	sort_ranges(r, lx->nr_mem);
	for (i = 1; i < lx->nr_mem; i++)
		if (r[i].start < r[i - 1].end)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"memory ranges 0x%llx and 0x%llx overlap",
					(unsigned long long)r[i - 1].start,
					(unsigned long long)r[i].start);
	if (r[0].start < 0x100000)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"memory range 0x%llx starts below 1 MiB", (unsigned long long)r[0].start);
	/* arch/x86/realmode/init.c: without RAM below 1 MiB, "Real mode
	 * trampoline was not allocated" and no AP starts. */
	if (!lx->low_size || (lx->low_phys | lx->low_size) & (LWKB_PAGE_SIZE - 1) ||
	    lx->low_phys + lx->low_size > 0xA0000 || lx->low_phys < 0x1000)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"low-memory window 0x%llx+0x%llx: want whole pages in [0x1000, 0xA0000)",
				(unsigned long long)lx->low_phys, (unsigned long long)lx->low_size);
	*n = merge_ranges(r, lx->nr_mem);
	return 0;
}

/* The run where the kernel can start highest above its end: the most room. */
static int choose_run(struct lwkb_linux *lx, const struct lwkb_lx_range *r, lwkb_u32 n,
		      lwkb_u64 need, char *err, lwkb_size_t errlen)
{
	lwkb_u64 best_room = 0, largest = 0;
	lwkb_u32 i;

	for (i = 0; i < n; i++) {
		lwkb_u64 start = r[i].start > lx->bz.pref_address ? r[i].start : lx->bz.pref_address;
		lwkb_u64 load = LWKB_ALIGN_UP(start, lx->bz.align);

		if (r[i].end - r[i].start > largest)
			largest = r[i].end - r[i].start;
		if (load >= r[i].end || r[i].end - load < need || r[i].end - load <= best_room)
			continue;
		best_room = r[i].end - load;
		lx->run_start = r[i].start;
		lx->run_end = r[i].end;
		lx->load_phys = load;
	}
	if (!best_room)
		return lwkb_err(err, errlen, -LWKB_ENOMEM,
				"the kernel (init_size %llu MiB, %llu MiB aligned, not below 0x%llx), the initrd (%llu KiB) and the tables (%llu KiB) need %llu MiB in one run; the largest assigned run is %llu MiB",
				MIB(lx->bz.init_size), MIB(lx->bz.align),
				(unsigned long long)lx->bz.pref_address,
				(unsigned long long)(lx->initrd_size >> 10),
				(unsigned long long)(lx->tables_size >> 10),
				MIB(need + (1 << 20) - 1), MIB(largest));
	return 0;
}

/* Sizes and places of the initrd and the tables, after the run. */
static int place(struct lwkb_linux *lx, char *err, lwkb_size_t errlen)
{
	lwkb_u64 initrd_al = LWKB_ALIGN_UP(lx->initrd_size, LWKB_PAGE_SIZE);

	lx->tables_phys = lx->run_end - lx->tables_size;
	lx->initrd_phys = lx->initrd_size ? lx->tables_phys - initrd_al : 0;
	lx->entry = lx->load_phys + 0x200;	/* boot.rst, "64-bit Boot Protocol" */
	lx->zp_phys = lx->tables_phys + LWKB_LX_ZP_OFF;
	lx->rsdp_phys = lx->tables_phys + LWKB_LX_RSDP_OFF;
	lx->extra_phys = lx->tables_phys + LWKB_LX_EXTRA_OFF;
	/* Without XLF_CAN_BE_LOADED_ABOVE_4G the initrd must end below initrd_addr_max. */
	if (lx->initrd_size && !(lx->bz.xloadflags & LWKB_XLF_ABOVE_4G) &&
	    lx->initrd_phys + lx->initrd_size - 1 > lx->bz.initrd_addr_max)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"the initrd would end at 0x%llx, above the kernel's initrd_addr_max 0x%x",
				(unsigned long long)(lx->initrd_phys + lx->initrd_size),
				lx->bz.initrd_addr_max);
	return 0;
}

int lwkb_linux_plan(struct lwkb_linux *lx, char *err, lwkb_size_t errlen)
{
	struct lwkb_lx_range r[64];
	lwkb_u32 n = 0, i;
	lwkb_u64 need, cl;
	int rc;

	rc = lwkb_bz_check(lx->image, lx->image_size, 0, &lx->bz, err, errlen);
	if (rc)
		return rc;
	if (lx->initrd_size > LWKB_1G || (lx->initrd_size && !lx->initrd))
		return lwkb_err(err, errlen, -LWKB_EINVAL, "initrd of %llu bytes: at most 1 GiB",
				(unsigned long long)lx->initrd_size);
	cl = lwkb_strnlen(lx->cmdline, LWKB_LX_CMDLINE_MAX + 1);
	if (cl > lx->bz.cmdline_max)
		return lwkb_err(err, errlen, -LWKB_E2BIG,
				"command line of %llu bytes: this kernel takes at most %u",
				(unsigned long long)cl, lx->bz.cmdline_max);
	if (!lx->nr_cores || lx->nr_cores > 1024)
		return lwkb_err(err, errlen, -LWKB_EINVAL, "%u cores: want 1 to 1024",
				lx->nr_cores);
	/* Header, local APIC address and flags (44), the decoy (16 at most:
	 * an x2APIC entry when its id is 255 or more), the I/O APIC (12),
	 * then an entry of at most 16 bytes per core. */
	if (44 + 16 + 12 + 16ULL * lx->nr_cores > LWKB_LX_MADT_MAX)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"%u cores do not fit in the MADT's %u bytes", lx->nr_cores,
				LWKB_LX_MADT_MAX);
	for (i = 0; i < lx->nr_cores; i++)
		if (lx->apic_ids[i] == lx->decoy_apic_id)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"APIC id %u is the host's boot CPU", lx->decoy_apic_id);
	if (lx->extra_size & (LWKB_PAGE_SIZE - 1) || lx->extra_size > (1ULL << 30))
		return lwkb_err(err, errlen, -LWKB_EINVAL, "extra %llu bytes: not whole pages",
				(unsigned long long)lx->extra_size);
	rc = check_mem(lx, r, &n, err, errlen);
	if (rc)
		return rc;
	lx->tables_size = LWKB_LX_EXTRA_OFF + lx->extra_size;
	need = lx->bz.init_size + LWKB_ALIGN_UP(lx->initrd_size, LWKB_PAGE_SIZE) +
		lx->tables_size;
	rc = choose_run(lx, r, n, need, err, errlen);
	if (!rc)
		rc = place(lx, err, errlen);
	return rc;
}

/* ---- the builder ---- */

lwkb_u8 lwkb_acpi_checksum(const void *p, lwkb_size_t len)
{
	const lwkb_u8 *b = p;
	lwkb_u8 sum = 0;

	while (len--)
		sum = (lwkb_u8)(sum + *b++);
	return (lwkb_u8)-sum;
}

/* An e820 entry; -1 when the table is full. */
static int e820_add(lwkb_u8 *zp, int n, lwkb_u64 start, lwkb_u64 end, lwkb_u32 type)
{
	lwkb_u32 off = LWKB_ZP_E820_TABLE + (lwkb_u32)n * 20;

	if (end <= start)
		return n;
	if (n >= LWKB_ZP_E820_MAX)
		return -1;
	wr64(zp, off, start);
	wr64(zp, off + 8, end - start);
	wr32(zp, off + 16, type);
	return n + 1;
}

int lwkb_lx_e820(const struct lwkb_linux *lx, lwkb_u8 *zp)
{
	struct lwkb_lx_range r[64];
	lwkb_u64 t0 = lx->tables_phys, t1 = lx->tables_phys + lx->tables_size;
	lwkb_u32 i, m;
	int n = 0;

	lwkb_memcpy(r, lx->mem, lx->nr_mem * sizeof(*r));
	sort_ranges(r, lx->nr_mem);
	m = merge_ranges(r, lx->nr_mem);
	n = e820_add(zp, n, lx->low_phys, lx->low_phys + lx->low_size, LWKB_E820_RAM);
	for (i = 0; i < m && n >= 0; i++) {
		if (r[i].end <= t0 || r[i].start >= t1) {
			n = e820_add(zp, n, r[i].start, r[i].end, LWKB_E820_RAM);
			continue;
		}
		n = e820_add(zp, n, r[i].start, t0, LWKB_E820_RAM);
		if (n >= 0)
			n = e820_add(zp, n, t0, t1, LWKB_E820_RESERVED);
		if (n >= 0)
			n = e820_add(zp, n, t1, r[i].end, LWKB_E820_RAM);
	}
	if (n >= 0)
		wr8(zp, LWKB_ZP_E820_ENTRIES, (lwkb_u8)n);
	return n;
}

/* An ACPI table header (ACPI 6.x, 5.2.6); the checksum comes last. */
static void sdt_header(lwkb_u8 *t, const char *sig, lwkb_u32 len, lwkb_u8 rev)
{
	lwkb_memcpy(t, sig, 4);
	wr32(t, 4, len);
	wr8(t, 8, rev);
	lwkb_memcpy(t + 10, "LWKBT ", 6);	/* OEM id */
	lwkb_memcpy(t + 16, "LWKBOOT ", 8);	/* OEM table id */
	wr32(t, 24, 1);
	lwkb_memcpy(t + 28, "LWKB", 4);	/* creator */
	wr32(t, 32, 1);
}

static void sdt_sum(lwkb_u8 *t)
{
	t[9] = 0;
	t[9] = lwkb_acpi_checksum(t, rd32(t, 4));
}

/*
 * FADT revision 6 (ACPI 6.x 5.2.9): HW_REDUCED_ACPI, so Linux takes the
 * null legacy PIC and sets no timer up (arch/x86/kernel/acpi/boot.c,
 * acpi_reduced_hw_init); FORCE_APIC_PHYSICAL, so 6.1 does not pick
 * logical flat mode, whose ids would collide with the host's
 * (arch/x86/kernel/apic/apic_flat_64.c); no VGA, no CMOS RTC.
 */
static void build_fadt(lwkb_u8 *t, lwkb_u64 dsdt)
{
	sdt_header(t, "FACP", LWKB_FADT_LEN, 6);
	if (dsdt < (1ULL << 32))
		wr32(t, 40, (lwkb_u32)dsdt);		/* DSDT */
	wr16(t, 109, LWKB_IAPC_NO_VGA | LWKB_IAPC_NO_CMOS_RTC);	/* IAPC_BOOT_ARCH */
	wr32(t, 112, LWKB_FADT_WBINVD | LWKB_FADT_PWR_BUTTON | LWKB_FADT_SLP_BUTTON |
	     LWKB_FADT_FORCE_APIC_PHYSICAL | LWKB_FADT_HW_REDUCED);
	wr8(t, 131, 0);				/* FADT minor version */
	wr64(t, 140, dsdt);			/* X_DSDT */
	sdt_sum(t);
}

/*
 * MADT revision 5 (ACPI 6.x 5.2.12), flags 0 (no PC-AT PICs): the decoy
 * (the host's boot CPU), the LWK's cores with the boot CPU first, Local
 * APIC entries for ids below 255 and Local x2APIC entries above, and one
 * I/O APIC at the fake page: with none, 6.1 falls back to the firmware's
 * MP table and programs the host's I/O APIC (arch/x86/kernel/mpparse.c).
 */
static lwkb_u32 build_madt(const struct lwkb_linux *lx, lwkb_u8 *t, lwkb_u64 ioapic)
{
	lwkb_u32 off = 44, i, uid = 0;

	sdt_header(t, "APIC", 0, 5);
	wr32(t, 36, (lwkb_u32)lx->apic_phys);
	wr32(t, 40, 0);
	for (i = 0; i <= lx->nr_cores; i++) {
		lwkb_u32 id;

		if (i == 0 && lx->decoy_apic_id == LWKB_LX_NO_DECOY)
			continue;
		id = i ? lx->apic_ids[i - 1] : lx->decoy_apic_id;
		if (id < 255 && uid < 255) {
			wr8(t, off, LWKB_MADT_LAPIC);
			wr8(t, off + 1, 8);
			wr8(t, off + 2, (lwkb_u8)uid);
			wr8(t, off + 3, (lwkb_u8)id);
			wr32(t, off + 4, 1);		/* enabled */
			off += 8;
		} else {
			wr8(t, off, LWKB_MADT_X2APIC);
			wr8(t, off + 1, 16);
			wr16(t, off + 2, 0);
			wr32(t, off + 4, id);
			wr32(t, off + 8, 1);
			wr32(t, off + 12, uid);
			off += 16;
		}
		uid++;
	}
	wr8(t, off, LWKB_MADT_IOAPIC);
	wr8(t, off + 1, 12);
	wr8(t, off + 2, 0);			/* I/O APIC id */
	wr8(t, off + 3, 0);
	wr32(t, off + 4, (lwkb_u32)ioapic);
	wr32(t, off + 8, 0);			/* GSI base */
	off += 12;
	wr32(t, 4, off);
	sdt_sum(t);
	return off;
}

/* RSDP revision 2 (ACPI 6.x 5.2.5.3) -> XSDT -> FADT (-> DSDT), MADT. */
static void build_acpi(const struct lwkb_linux *lx, lwkb_u8 *tab)
{
	lwkb_u64 base = lx->tables_phys;
	lwkb_u8 *rsdp = tab + LWKB_LX_RSDP_OFF, *xsdt = tab + LWKB_LX_XSDT_OFF;

	lwkb_memcpy(rsdp, "RSD PTR ", 8);
	lwkb_memcpy(rsdp + 9, "LWKBT ", 6);
	wr8(rsdp, 15, 2);
	wr32(rsdp, 20, 36);
	wr64(rsdp, 24, base + LWKB_LX_XSDT_OFF);
	rsdp[8] = lwkb_acpi_checksum(rsdp, 20);
	rsdp[32] = lwkb_acpi_checksum(rsdp, 36);

	sdt_header(xsdt, "XSDT", 36 + 16, 1);
	wr64(xsdt, 36, base + LWKB_LX_FADT_OFF);
	wr64(xsdt, 44, base + LWKB_LX_MADT_OFF);
	sdt_sum(xsdt);

	sdt_header(tab + LWKB_LX_DSDT_OFF, "DSDT", 36, 2);	/* no AML */
	sdt_sum(tab + LWKB_LX_DSDT_OFF);
	build_fadt(tab + LWKB_LX_FADT_OFF, base + LWKB_LX_DSDT_OFF);
	build_madt(lx, tab + LWKB_LX_MADT_OFF, base + LWKB_LX_IOAPIC_OFF);
	/* The version register every read of the fake I/O APIC's window returns. */
	wr32(tab + LWKB_LX_IOAPIC_OFF, 0x10, LWKB_FAKE_IOAPIC_WORD);
}

/*
 * The zero page: the image's setup header at 0x1f1 (boot.rst, "64-bit
 * Boot Protocol": copy it, then fill what a loader fills), the rest zero:
 * no screen_info, no EFI, hardware_subarch 0, no setup_data.
 */
static int build_zero_page(const struct lwkb_linux *lx, lwkb_u8 *zp, char *err,
			   lwkb_size_t errlen)
{
	const lwkb_u8 *img = lx->image;
	lwkb_u64 cl = lx->tables_phys + LWKB_LX_CMDLINE_OFF;

	lwkb_memcpy(zp + LWKB_BZ_SETUP_SECTS, img + LWKB_BZ_SETUP_SECTS, lx->bz.hdr_len);
	wr8(zp, LWKB_BZ_TYPE_OF_LOADER, 0xff);		/* "undefined" loader */
	wr32(zp, LWKB_BZ_CMD_LINE_PTR, (lwkb_u32)cl);
	wr32(zp, LWKB_ZP_EXT_CMD_LINE_PTR, (lwkb_u32)(cl >> 32));
	wr32(zp, LWKB_BZ_RAMDISK_IMAGE, (lwkb_u32)lx->initrd_phys);
	wr32(zp, LWKB_ZP_EXT_RAMDISK_IMAGE, (lwkb_u32)(lx->initrd_phys >> 32));
	wr32(zp, LWKB_BZ_RAMDISK_SIZE, (lwkb_u32)lx->initrd_size);
	wr32(zp, LWKB_ZP_EXT_RAMDISK_SIZE, (lwkb_u32)(lx->initrd_size >> 32));
	wr32(zp, LWKB_BZ_SUBARCH, 0);
	wr64(zp, LWKB_BZ_SUBARCH_DATA, 0);
	wr64(zp, LWKB_BZ_SETUP_DATA, 0);
	/* Without it the decompressor scans the BIOS area and finds the
	 * host's RSDP (arch/x86/boot/compressed/acpi.c, get_rsdp_addr). */
	wr64(zp, LWKB_ZP_ACPI_RSDP, lx->rsdp_phys);
	if (lwkb_lx_e820(lx, zp) < 0)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"the memory needs more than %u e820 entries", LWKB_ZP_E820_MAX);
	return 0;
}

static void *map(const struct lwkb_linux *lx, lwkb_u64 phys, lwkb_u64 len)
{
	return lx->p2v ? lx->p2v(lx->ctx, phys, len) : (void *)0;
}

int lwkb_linux_build(struct lwkb_linux *lx, char *err, lwkb_size_t errlen)
{
	lwkb_u64 cl = lwkb_strnlen(lx->cmdline, LWKB_LX_CMDLINE_MAX + 1);
	lwkb_u8 *kern, *tab, *rd = (void *)0;

	kern = map(lx, lx->load_phys, lx->bz.init_size);
	tab = map(lx, lx->tables_phys, LWKB_LX_EXTRA_OFF);
	if (lx->initrd_size)
		rd = map(lx, lx->initrd_phys, lx->initrd_size);
	if (!kern || !tab || (lx->initrd_size && !rd) || cl > lx->bz.cmdline_max)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"the planned places (kernel 0x%llx, tables 0x%llx) cannot be written",
				(unsigned long long)lx->load_phys,
				(unsigned long long)lx->tables_phys);
	lwkb_memset(tab, 0, LWKB_LX_EXTRA_OFF);
	if (build_zero_page(lx, tab + LWKB_LX_ZP_OFF, err, errlen))
		return -LWKB_EINVAL;
	lwkb_memcpy(tab + LWKB_LX_CMDLINE_OFF, lx->cmdline, cl);
	tab[LWKB_LX_CMDLINE_OFF + cl] = 0;
	build_acpi(lx, tab);
	lwkb_memcpy(kern, (const lwkb_u8 *)lx->image + lx->bz.setup_size, lx->bz.kernel_size);
	lwkb_memset(kern + lx->bz.kernel_size, 0, lx->bz.init_size - lx->bz.kernel_size);
	if (rd)
		lwkb_memcpy(rd, lx->initrd, lx->initrd_size);
	return 0;
}
