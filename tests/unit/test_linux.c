// SPDX-License-Identifier: MIT
/*
 * loader/linux.c: the bzImage checks, the plan, the zero page, the e820
 * table and the ACPI tables, on a synthetic bzImage and a simulated
 * physical memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lwkb_loader.h"

#define MB		(1ULL << 20)
#define PHYS_BASE	(16 * MB)	/* the simulated memory: [16 MiB, 48 MiB) */
#define PHYS_SIZE	(32 * MB)
#define KSIZE		(64 * 1024)	/* protected-mode kernel bytes */
#define SETUP		(5 * 512)	/* setup_sects 4 */

static unsigned char *phys;	/* PHYS_SIZE bytes for [PHYS_BASE, +PHYS_SIZE) */
static unsigned writes;		/* p2v calls */

static void *test_p2v(void *ctx, lwkb_u64 p, lwkb_u64 len)
{
	(void)ctx;
	writes++;
	if (p < PHYS_BASE || len > PHYS_SIZE || p - PHYS_BASE > PHYS_SIZE - len)
		return NULL;
	return phys + (p - PHYS_BASE);
}

static void put16(unsigned char *b, unsigned off, unsigned v)
{
	b[off] = (unsigned char)v;
	b[off + 1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *b, unsigned off, uint32_t v)
{
	put16(b, off, v & 0xffff);
	put16(b, off + 2, v >> 16);
}

static uint32_t get32(const unsigned char *b, unsigned off)
{
	return b[off] | b[off + 1] << 8 | b[off + 2] << 16 | (uint32_t)b[off + 3] << 24;
}

static uint64_t get64(const unsigned char *b, unsigned off)
{
	return get32(b, off) | (uint64_t)get32(b, off + 4) << 32;
}

/* A bzImage as Debian's: protocol 2.15, relocatable, 2 MiB aligned, 64-bit. */
static unsigned char *make_bz(size_t *len)
{
	unsigned char *b = calloc(1, SETUP + KSIZE);
	size_t i;

	b[0x1f1] = 4;
	put32(b, 0x1f4, KSIZE / 16);
	put16(b, 0x1fe, 0xAA55);
	b[0x200] = 0xeb;
	b[0x201] = 0x6a;		/* header ends at 0x26c */
	memcpy(b + 0x202, "HdrS", 4);
	put16(b, 0x206, 0x020f);
	b[0x211] = 1;			/* LOADED_HIGH */
	put32(b, 0x22c, 0x7fffffff);
	put32(b, 0x230, 2 * MB);
	b[0x234] = 1;
	put16(b, 0x236, 0x7f);
	put32(b, 0x238, 2047);
	put32(b, 0x250, 0x12345678);	/* setup_data the loader must clear */
	put32(b, 0x258, 16 * MB);	/* pref_address */
	put32(b, 0x260, 4 * MB);	/* init_size */
	for (i = SETUP; i < SETUP + KSIZE; i++)
		b[i] = (unsigned char)(i * 7);
	*len = SETUP + KSIZE;
	return b;
}

static void setup_lx(struct lwkb_linux *lx, const unsigned char *img, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->image = img;
	lx->image_size = len;
	lx->cmdline = "console=ttyS1 nokaslr";
	/* Two adjacent 4 MiB chunks and one apart, out of order. */
	lx->mem[0] = (struct lwkb_lx_range){ 36 * MB, 40 * MB };
	lx->mem[1] = (struct lwkb_lx_range){ 20 * MB, 24 * MB };
	lx->mem[2] = (struct lwkb_lx_range){ 24 * MB, 32 * MB };
	lx->nr_mem = 3;
	lx->low_phys = 0x60000;
	lx->low_size = 0x10000;
	lx->apic_phys = 0xfee00000;
	lx->decoy_apic_id = 0;
	lx->apic_ids[0] = 2;
	lx->apic_ids[1] = 3;
	lx->apic_ids[2] = 300;		/* needs an x2APIC entry */
	lx->nr_cores = 3;
	lx->extra_size = 5 * 4096;
	lx->p2v = test_p2v;
}

static void test_reject(void)
{
	size_t len;
	unsigned char *b = make_bz(&len);
	struct lwkb_bz_info bz;
	char err[200];

	CHECK_EQ(lwkb_bz_probe(b, len), 1);
	CHECK_EQ(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)), 0);
	CHECK_EQ(bz.setup_size, SETUP);
	CHECK_EQ(bz.kernel_size, KSIZE);
	CHECK_EQ(bz.init_size, 4 * MB);
	CHECK_EQ(bz.hdr_len, 0x26c - 0x1f1);

	put16(b, 0x206, 0x020b);
	CHECK(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)) < 0, "old");
	CHECK_CONTAINS(err, "2.11 is too old");
	put16(b, 0x206, 0x020f);
	b[0x234] = 0;
	CHECK(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)) < 0, "not relocatable");
	CHECK_CONTAINS(err, "not relocatable");
	b[0x234] = 1;
	put16(b, 0x236, 0x7e);
	CHECK(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)) < 0, "no 64-bit");
	CHECK_CONTAINS(err, "no 64-bit entry");
	put16(b, 0x236, 0x7f);
	b[0x211] = 0;
	CHECK(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)) < 0, "zImage");
	b[0x211] = 1;
	CHECK(lwkb_bz_check(b, len, 3 * MB, &bz, err, sizeof(err)) < 0, "init_size > run");
	CHECK_CONTAINS(err, "larger than the largest assigned run of 3 MiB");
	put32(b, 0x260, KSIZE - 1);
	CHECK(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)) < 0, "init_size < kernel");
	CHECK_CONTAINS(err, "init_size 65535");
	put32(b, 0x260, 0xffffffff);
	CHECK(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)) < 0, "init_size huge");
	put32(b, 0x260, 4 * MB);
	put32(b, 0x230, 3 * MB);
	CHECK(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)) < 0, "alignment");
	CHECK_CONTAINS(err, "kernel_alignment 0x300000");
	put32(b, 0x230, 2 * MB);
	b[0x1f1] = 200;			/* setup beyond the file */
	CHECK(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)) < 0, "setup_sects");
	CHECK_CONTAINS(err, "setup_sects 200");
	b[0x1f1] = 4;
	put32(b, 0x1f4, 0xffffffff);
	CHECK(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)) < 0, "syssize");
	put32(b, 0x1f4, KSIZE / 16);
	b[0x201] = 0xff;		/* header beyond struct boot_params' room */
	CHECK(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)) < 0, "header length");
	b[0x201] = 0x6a;
	CHECK_EQ(lwkb_bz_probe(b, 0x200), 0);
	memcpy(b + 0x202, "HdrX", 4);
	CHECK(lwkb_bz_check(b, len, 0, &bz, err, sizeof(err)) < 0, "magic");
	CHECK_CONTAINS(err, "not a bzImage");
	free(b);
}

static void test_plan(void)
{
	size_t len;
	unsigned char *b = make_bz(&len);
	struct lwkb_linux *lx = malloc(sizeof(*lx));
	char err[300];

	setup_lx(lx, b, len);
	if (!CHECK_EQ(lwkb_linux_plan(lx, err, sizeof(err)), 0))
		fprintf(stderr, "%s\n", err);
	CHECK_EQ(lx->run_start, 20 * MB);	/* the merged 12 MiB run */
	CHECK_EQ(lx->run_end, 32 * MB);
	CHECK_EQ(lx->load_phys, 20 * MB);
	CHECK_EQ(lx->entry, 20 * MB + 0x200);
	CHECK_EQ(lx->tables_size, 0x6000 + 5 * 4096);
	CHECK_EQ(lx->tables_phys, 32 * MB - lx->tables_size);
	CHECK_EQ(lx->initrd_phys, 0);
	CHECK_EQ(lwkb_lx_largest_run(lx->mem, lx->nr_mem), 12 * MB);

	/* Below LOAD_PHYSICAL_ADDR the decompressor would move to 16 MiB
	 * (compressed/head_64.S): the load address is raised to it. */
	lx->mem[1] = (struct lwkb_lx_range){ 12 * MB, 24 * MB };
	CHECK_EQ(lwkb_linux_plan(lx, err, sizeof(err)), 0);
	CHECK_EQ(lx->load_phys, 16 * MB);

	/* An initrd goes below the tables, after init_size. */
	setup_lx(lx, b, len);
	lx->initrd = b;
	lx->initrd_size = 5 * MB + 1;
	CHECK_EQ(lwkb_linux_plan(lx, err, sizeof(err)), 0);
	CHECK_EQ(lx->initrd_phys, (lx->tables_phys - 5 * MB - 4096) & ~4095ULL);
	CHECK(lx->initrd_phys >= lx->load_phys + 4 * MB, "initrd after the kernel");
	lx->initrd_size = 8 * MB;	/* 4 + 8 + tables > 12 */
	CHECK(lwkb_linux_plan(lx, err, sizeof(err)) < 0, "initrd too large");
	CHECK_CONTAINS(err, "largest assigned run is 12 MiB");

	/* The MADT's room: the decoy takes 16 bytes when its id needs an
	 * x2APIC entry (255 and above), so the largest core count that fits
	 * is one less than with an 8-byte decoy. */
	{
		lwkb_u32 n = (LWKB_LX_MADT_MAX - 44 - 16 - 12) / 16;

		setup_lx(lx, b, len);
		lx->decoy_apic_id = 1000;
		for (lwkb_u32 i = 0; i <= n; i++)
			lx->apic_ids[i] = 2000 + i;
		lx->nr_cores = n + 1;
		CHECK(lwkb_linux_plan(lx, err, sizeof(err)) < 0, "%u cores with a 16-byte decoy", n + 1);
		CHECK_CONTAINS(err, "do not fit in the MADT");
		lx->nr_cores = n;
		CHECK(lwkb_linux_plan(lx, err, sizeof(err)) == 0, "%u cores: %s", n, err);
	}

	/* Refusals name the value. */
	setup_lx(lx, b, len);
	lx->mem[2].start = 22 * MB;
	CHECK(lwkb_linux_plan(lx, err, sizeof(err)) < 0, "overlap");
	CHECK_CONTAINS(err, "overlap");
	setup_lx(lx, b, len);
	lx->low_phys = 0x9f000;
	CHECK(lwkb_linux_plan(lx, err, sizeof(err)) < 0, "window");
	CHECK_CONTAINS(err, "low-memory window 0x9f000");
	setup_lx(lx, b, len);
	lx->apic_ids[1] = 0;
	CHECK(lwkb_linux_plan(lx, err, sizeof(err)) < 0, "decoy among the cores");
	setup_lx(lx, b, len);
	{
		static char longcl[3000];

		memset(longcl, 'a', sizeof(longcl) - 1);
		lx->cmdline = longcl;
		CHECK(lwkb_linux_plan(lx, err, sizeof(err)) < 0, "command line");
		CHECK_CONTAINS(err, "command line of 2999 bytes");
	}
	free(lx);
	free(b);
}

static int sums_zero(const unsigned char *p, size_t n)
{
	unsigned s = 0;

	while (n--)
		s += *p++;
	return (s & 0xff) == 0;
}

/* Is [p, p+len) inside the tables region? */
static int in_tables(const struct lwkb_linux *lx, uint64_t p, uint64_t len)
{
	return p >= lx->tables_phys && p + len <= lx->tables_phys + lx->tables_size;
}

static unsigned char *at(uint64_t p)
{
	return phys + (p - PHYS_BASE);
}

static void test_build(void)
{
	size_t len;
	unsigned char *b = make_bz(&len), *zp, *rsdp, *xsdt, *fadt, *madt, *dsdt;
	struct lwkb_linux *lx = malloc(sizeof(*lx));
	uint64_t ram = 0, resv = 0, xsdt_p, fadt_p, madt_p, dsdt_p, ioapic = 0;
	unsigned i, n, off, cores = 0, ioapics = 0;
	char err[300];

	phys = calloc(1, PHYS_SIZE);
	setup_lx(lx, b, len);
	lx->initrd = b;
	lx->initrd_size = 12345;
	if (!CHECK_EQ(lwkb_linux_plan(lx, err, sizeof(err)), 0) ||
	    !CHECK_EQ(lwkb_linux_build(lx, err, sizeof(err)), 0)) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	/* The kernel and the initrd, copied. */
	CHECK(!memcmp(at(lx->load_phys), b + SETUP, KSIZE), "kernel copied");
	CHECK(!memcmp(at(lx->initrd_phys), b, 12345), "initrd copied");

	/* The zero page. */
	zp = at(lx->zp_phys);
	CHECK(!memcmp(zp + 0x1f1, b + 0x1f1, 0x1f), "header copied");
	CHECK_EQ(zp[0x210], 0xff);
	CHECK_EQ(get64(zp, 0x250), 0);			/* setup_data cleared */
	CHECK_EQ(get32(zp, 0x228) | (uint64_t)get32(zp, 0xc8) << 32,
		 lx->tables_phys + LWKB_LX_CMDLINE_OFF);
	CHECK_STR((char *)at(lx->tables_phys + LWKB_LX_CMDLINE_OFF), "console=ttyS1 nokaslr");
	CHECK_EQ(get32(zp, 0x218), lx->initrd_phys);
	CHECK_EQ(get32(zp, 0x21c), 12345);
	CHECK_EQ(get64(zp, 0x70), lx->rsdp_phys);
	CHECK_EQ(zp[0], 0);				/* no screen_info */

	/* e820: the window, the memory as RAM, the tables reserved, nothing else. */
	n = zp[0x1e8];
	CHECK_EQ(n, 4);
	for (i = 0; i < n; i++) {
		uint64_t a = get64(zp, 0x2d0 + i * 20), s = get64(zp, 0x2d8 + i * 20);
		uint32_t t = get32(zp, 0x2e0 + i * 20);

		if (t == 1)
			ram += s;
		else if (CHECK_EQ(t, 2)) {
			resv += s;
			CHECK_EQ(a, lx->tables_phys);
			CHECK_EQ(s, lx->tables_size);
		}
		if (i)
			CHECK(a >= get64(zp, 0x2d0 + (i - 1) * 20) + get64(zp, 0x2d8 + (i - 1) * 20),
			      "sorted, no overlap");
	}
	CHECK_EQ(get64(zp, 0x2d0), 0x60000);
	CHECK_EQ(ram + resv, 16 * MB + 0x10000);	/* assigned + window */
	CHECK_EQ(resv, lx->tables_size);

	/* ACPI: checksums, pointers, every table in the reserved range. */
	rsdp = at(lx->rsdp_phys);
	CHECK(!memcmp(rsdp, "RSD PTR ", 8), "RSDP signature");
	CHECK(sums_zero(rsdp, 20), "RSDP checksum");
	CHECK(sums_zero(rsdp, 36), "RSDP extended checksum");
	CHECK_EQ(rsdp[15], 2);
	xsdt_p = get64(rsdp, 24);
	CHECK(in_tables(lx, xsdt_p, 52), "XSDT in the region");
	xsdt = at(xsdt_p);
	CHECK(!memcmp(xsdt, "XSDT", 4) && sums_zero(xsdt, get32(xsdt, 4)), "XSDT");
	CHECK_EQ(get32(xsdt, 4), 52);
	fadt_p = get64(xsdt, 36);
	madt_p = get64(xsdt, 44);
	CHECK(in_tables(lx, fadt_p, 276), "FADT in the region");
	fadt = at(fadt_p);
	CHECK(!memcmp(fadt, "FACP", 4) && sums_zero(fadt, get32(fadt, 4)), "FADT");
	CHECK_EQ(get32(fadt, 4), 276);
	CHECK_EQ(fadt[8], 6);
	CHECK(get32(fadt, 112) & (1u << 20), "HW_REDUCED_ACPI");
	CHECK(get32(fadt, 112) & (1u << 19), "FORCE_APIC_PHYSICAL");
	CHECK_EQ(fadt[109] & 0x24, 0x24);		/* no VGA, no CMOS RTC */
	dsdt_p = get64(fadt, 140);
	CHECK_EQ(get32(fadt, 40), dsdt_p);
	CHECK(in_tables(lx, dsdt_p, 36), "DSDT in the region");
	dsdt = at(dsdt_p);
	CHECK(!memcmp(dsdt, "DSDT", 4) && get32(dsdt, 4) == 36 && sums_zero(dsdt, 36), "DSDT");
	madt = at(madt_p);
	CHECK(in_tables(lx, madt_p, get32(madt, 4)), "MADT in the region");
	CHECK(!memcmp(madt, "APIC", 4) && sums_zero(madt, get32(madt, 4)), "MADT");
	CHECK_EQ(get32(madt, 36), 0xfee00000);
	CHECK_EQ(get32(madt, 40), 0);			/* no PC-AT PICs */
	for (off = 44; off < get32(madt, 4); off += madt[off + 1]) {
		uint32_t id;

		if (madt[off] == 1) {
			ioapics++;
			ioapic = get32(madt, off + 4);
			continue;
		}
		if (madt[off] == 0)
			id = madt[off + 3];
		else if (CHECK_EQ(madt[off], 9))
			id = get32(madt, off + 4);
		else
			break;
		/* The decoy (host BSP) first, then the LWK's cores in order. */
		CHECK_EQ(id, cores ? lx->apic_ids[cores - 1] : 0);
		CHECK_EQ(madt[off] == 9, id >= 255);
		cores++;
	}
	CHECK_EQ(cores, 4);
	CHECK_EQ(ioapics, 1);
	CHECK(in_tables(lx, ioapic, 4096), "I/O APIC page in the region");
	CHECK_EQ(get32(at(ioapic), 0x10), 0x00170020);
	CHECK(in_tables(lx, lx->zp_phys, 4096), "zero page in the region");
	free(lx);
	free(b);
	free(phys);
	phys = NULL;
}

/* A plan that fails, or memory the host cannot map, writes nothing. */
static void test_nothing_written(void)
{
	size_t len;
	unsigned char *b = make_bz(&len);
	struct lwkb_linux *lx = malloc(sizeof(*lx));
	char err[300];

	phys = calloc(1, PHYS_SIZE);
	setup_lx(lx, b, len);
	lx->mem[0] = (struct lwkb_lx_range){ 48 * MB, 52 * MB };	/* not mappable */
	lx->mem[1] = (struct lwkb_lx_range){ 52 * MB, 60 * MB };
	lx->nr_mem = 2;
	writes = 0;
	CHECK_EQ(lwkb_linux_plan(lx, err, sizeof(err)), 0);
	CHECK_EQ(writes, 0);
	CHECK(lwkb_linux_build(lx, err, sizeof(err)) < 0, "unmappable");
	CHECK_CONTAINS(err, "cannot be written");
	for (len = 0; len < PHYS_SIZE && !phys[len]; len++)
		;
	CHECK_EQ(len, PHYS_SIZE);
	free(lx);
	free(b);
	free(phys);
	phys = NULL;
}

UNIT_SUITE(linux, UNIT_TEST(test_reject), UNIT_TEST(test_plan), UNIT_TEST(test_build),
	   UNIT_TEST(test_nothing_written));
