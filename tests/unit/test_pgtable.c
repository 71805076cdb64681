// SPDX-License-Identifier: MIT
/*
 * Page tables (loader/pgtable.c), checked with the independent software
 * walker of ptwalk.c.
 *
 * What these tests prove:
 *  - the walker itself: it translates 4 KiB / 2 MiB / 1 GiB pages and
 *    rejects reserved bits (PS in a PML4E, bits 29:13 of a 1 GiB entry,
 *    NX without EFER.NXE, address bits above MAXPHYADDR, ...);
 *  - lwkb_tmp_pt_build, over a matrix of page-size mode x identity end x
 *    image alignment x image size: every mapping is exactly the one of the
 *    boot contract (a full scan of every leaf, plus sampled addresses),
 *    the largest page size possible is used, the number of table pages is
 *    the minimum (literal numbers below), a pool one page too small fails
 *    with -LWKB_ENOMEM without writing past the pool, cr3 == pool_phys;
 *  - argument checks (pool below 4 GiB, sizes, alignment);
 *  - lwkb_pt_map: double mapping, unaligned and wrapping arguments.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lwkb_loader.h"
#include "ptwalk.h"
#include "unit.h"

#define KiB		1024ULL
#define MiB		(1024ULL * KiB)
#define GiB		(1024ULL * MiB)
#define POOL_PHYS	0x100000ULL	/* the pool pretends to live at 1 MiB */
#define GUARD_SEED	0xc0deu
#define MAXPHY		46		/* a typical server's MAXPHYADDR */

/* A 4 KiB-aligned pool of 'pages' pages plus one guard page after it. */
struct tpool {
	unsigned char *mem;
	uint64_t phys;
	uint32_t pages;
};

static int tpool_new(struct tpool *p, uint32_t pages, uint64_t phys)
{
	p->pages = pages;
	p->phys = phys;
	p->mem = aligned_alloc(4096, ((size_t)pages + 1) * 4096);
	if (!p->mem)
		return -1;
	/* Garbage in the pool: the loader must zero every page it takes. */
	memset(p->mem, 0xff, (size_t)pages * 4096);
	unit_fill(p->mem + (size_t)pages * 4096, 4096, GUARD_SEED);
	return 0;
}

static int tpool_guard_ok(const struct tpool *p)
{
	return unit_intact(p->mem + (size_t)p->pages * 4096, 4096, GUARD_SEED);
}

static void tpool_free(struct tpool *p)
{
	free(p->mem);
	p->mem = NULL;
}

static struct ptw tpool_walker(const struct tpool *p, int pdpe1gb)
{
	struct ptw w = { p->mem, p->phys, p->pages, pdpe1gb, 0, MAXPHY };

	return w;
}

/* ---- the walker on a hand-made table ---- */

static void pt_walker_self_test(void)
{
	struct tpool p;
	struct ptw w;
	struct ptw_result r;
	uint64_t *pml4, *pdpt, *pd, *pt, save;
	const uint64_t PW = LWKB_PTE_P | LWKB_PTE_W;
	const uint64_t v4k = GiB + 2 * MiB + 5 * 4096 + 0x10;

	if (!CHECK(tpool_new(&p, 4, 0x200000) == 0, "out of memory"))
		return;
	memset(p.mem, 0, 4 * 4096);
	pml4 = (uint64_t *)p.mem;
	pdpt = pml4 + 512;
	pd = pdpt + 512;
	pt = pd + 512;
	pml4[0] = (0x200000 + 4096) | PW;
	pdpt[0] = 0x40000000 | PW | LWKB_PTE_PS;	/* virt [0, 1G) -> 1G */
	pdpt[1] = (0x200000 + 2 * 4096) | PW;		/* virt [1G, 2G) -> PD */
	pd[0] = 0x600000 | PW | LWKB_PTE_PS;		/* virt 1G -> 6M, 2 MiB */
	pd[1] = (0x200000 + 3 * 4096) | LWKB_PTE_P;	/* read-only table */
	pt[5] = 0x1234000 | PW | (1ULL << 7);		/* bit 7 = PAT, legal here */
	w = tpool_walker(&p, 1);

	CHECK_EQ(ptw_translate(&w, 0x200000, 0x12345, &r), PTW_OK);
	CHECK(r.phys == 0x40012345 && r.page_size == GiB && r.writable, "1G page: %s", r.why);
	CHECK_EQ(ptw_translate(&w, 0x200000, GiB + 0x1234, &r), PTW_OK);
	CHECK(r.phys == 0x601234 && r.page_size == 2 * MiB, "2M page");
	CHECK_EQ(ptw_translate(&w, 0x200000, v4k, &r), PTW_OK);
	CHECK(r.phys == 0x1234010 && r.page_size == 4096 && !r.writable, "4K page");
	CHECK_EQ(ptw_translate(&w, 0x200000, GiB + 2 * MiB + 4096, &r), PTW_UNMAPPED);
	CHECK_EQ(r.level, 0);
	CHECK_EQ(ptw_translate(&w, 0x200000, 512 * GiB, &r), PTW_UNMAPPED);
	CHECK_EQ(r.level, 3);
	CHECK_EQ(ptw_translate(&w, 0x200000, 0x0000800000000000ULL, &r), PTW_BAD);
	CHECK_EQ(ptw_translate(&w, 0x300000, 0, &r), PTW_BAD);	/* cr3 off pool */

	/* Reserved bits, one at a time. */
	save = pml4[0];
	pml4[0] |= LWKB_PTE_PS;
	CHECK_EQ(ptw_translate(&w, 0x200000, 0x12345, &r), PTW_BAD);
	CHECK_CONTAINS(r.why, "PML4E");
	pml4[0] = save;
	save = pdpt[0];
	pdpt[0] |= 1ULL << 13;
	CHECK_EQ(ptw_translate(&w, 0x200000, 0x12345, &r), PTW_BAD);
	pdpt[0] = save;
	w.pdpe1gb = 0;
	CHECK_EQ(ptw_translate(&w, 0x200000, 0x12345, &r), PTW_BAD);
	w.pdpe1gb = 1;
	save = pd[0];
	pd[0] |= 1ULL << 20;
	CHECK_EQ(ptw_translate(&w, 0x200000, GiB, &r), PTW_BAD);
	pd[0] = save;
	save = pdpt[0];
	pdpt[0] |= LWKB_PTE_NX;
	CHECK_EQ(ptw_translate(&w, 0x200000, 0x12345, &r), PTW_BAD);
	w.nxe = 1;
	CHECK_EQ(ptw_translate(&w, 0x200000, 0x12345, &r), PTW_OK);
	CHECK(r.nx, "NX not reported");
	w.nxe = 0;
	pdpt[0] = save;
	save = pt[5];
	pt[5] |= 1ULL << 50;
	CHECK_EQ(ptw_translate(&w, 0x200000, v4k, &r), PTW_BAD);
	pt[5] = save;
	save = pdpt[1];
	pdpt[1] = 0x900000 | PW;			/* table outside the pool */
	CHECK_EQ(ptw_translate(&w, 0x200000, GiB, &r), PTW_BAD);
	pdpt[1] = save;
	CHECK_EQ(ptw_translate(&w, 0x200000, v4k, &r), PTW_OK);
	tpool_free(&p);
}

/* ---- lwkb_tmp_pt_build over a matrix ---- */

static const uint64_t ident_ends[3] = { 512 * MiB, 4 * GiB, 5 * GiB };
static const uint64_t high_physes[3] = {
	0x40200000,	/* 2 MiB aligned (not 1 GiB) */
	0x40201000,	/* only 4 KiB aligned */
	0x80000000,	/* 1 GiB aligned */
};
static const uint64_t high_sizes[2] = { 64 * MiB, 2 * GiB };

/*
 * Minimum table pages, [allow_1g][ident_end][high_phys][high_size].
 * Always 1 PML4 and 1 PDPT shared by identity and kernel half (ident_end
 * <= 510 GiB, so PML4[511] reuses the identity PDPT), plus:
 *   identity, 1 GiB pages: nothing more;
 *   identity, 2 MiB pages: one PD per GiB (512 MiB -> 1, 4 GiB -> 4, 5 GiB -> 5);
 *   image, 64 MiB (PDPT slot 510 only): one PD;
 *                 4 KiB-aligned: + one PT per 2 MiB (32);
 *   image, 2 GiB (PDPT slots 510 and 511): two PDs, or none with 1 GiB
 *                 pages and a 1 GiB-aligned image;
 *                 4 KiB-aligned: + 1024 PTs.
 *                     2M-aligned     4K-aligned     1G-aligned
 *                     64M    2G      64M    2G      64M    2G
 * 2M pages, 512 MiB:    4     5       36  1029        4     5
 * 2M pages,   4 GiB:    7     8       39  1032        7     8
 * 2M pages,   5 GiB:    8     9       40  1033        8     9
 * 1G pages, any of the three:
 *                       3     4       35  1028        3     2
 */
static const uint32_t expected_pages[2][3][3][2] = {
	{ { { 4, 5 }, { 36, 1029 }, { 4, 5 } },
	  { { 7, 8 }, { 39, 1032 }, { 7, 8 } },
	  { { 8, 9 }, { 40, 1033 }, { 8, 9 } } },
	{ { { 3, 4 }, { 35, 1028 }, { 3, 2 } },
	  { { 3, 4 }, { 35, 1028 }, { 3, 2 } },
	  { { 3, 4 }, { 35, 1028 }, { 3, 2 } } },
};

/*
 * What every leaf must map to, and with which page size.
 *
 * When PML4[0] and PML4[511] share one PDPT (ident_end <= 510 GiB), the
 * shared PDPT is seen through both PML4 entries, which gives two aliases
 * besides the contract's two ranges:
 *   identity side: [510 GiB, 512 GiB)  -> the image (PDPT slots 510-511)
 *   kernel side:   0xffffff8000000000 + [0, ident_end) -> identity
 * Both are documented in lwkb_loader.h ("PML4[511] shares the identity
 * PDPT"); the scan accepts exactly these and nothing else.
 */
struct expect {
	uint64_t ident_end, high_phys, high_size;
	uint64_t ident_psize, high_psize;
	int shared;		/* PML4[511] shares the identity PDPT */
	/* out: bytes mapped per region */
	uint64_t ident_bytes, high_bytes, alias_bytes, ident_alias_bytes;
	char msg[200];
};

#define ALIAS_BASE	(510 * GiB)		/* identity-side view of PDPT slot 510 */
#define TOP_PML4E	0xffffff8000000000ULL	/* first address of PML4[511] */

static int check_leaf(void *ctx, uint64_t virt, uint64_t phys, uint64_t size,
		      const struct ptw_result *r)
{
	struct expect *x = ctx;
	uint64_t want, psize;

	if (virt < x->ident_end) {
		want = virt;
		psize = x->ident_psize;
		x->ident_bytes += size;
	} else if (virt >= LWKB_KERNEL_VBASE) {
		want = x->high_phys + (virt - LWKB_KERNEL_VBASE);
		psize = x->high_psize;
		x->high_bytes += size;
	} else if (x->shared && virt >= ALIAS_BASE && virt < 512 * GiB) {
		want = x->high_phys + (virt - ALIAS_BASE);
		psize = x->high_psize;
		x->alias_bytes += size;
	} else if (x->shared && virt >= TOP_PML4E && virt - TOP_PML4E < x->ident_end) {
		want = virt - TOP_PML4E;
		psize = x->ident_psize;
		x->ident_alias_bytes += size;
	} else {
		snprintf(x->msg, sizeof(x->msg), "unexpected mapping 0x%llx -> 0x%llx",
			 (unsigned long long)virt, (unsigned long long)phys);
		return 1;
	}
	if (phys != want || size != psize || !r->writable || r->nx) {
		snprintf(x->msg, sizeof(x->msg),
			 "0x%llx -> 0x%llx (%llu KiB page, w=%d nx=%d), want 0x%llx (%llu KiB page, w=1 nx=0)",
			 (unsigned long long)virt, (unsigned long long)phys,
			 (unsigned long long)(size / KiB), r->writable, r->nx,
			 (unsigned long long)want, (unsigned long long)(psize / KiB));
		return 1;
	}
	return 0;
}

/* Translates virt and expects phys with the given page size. */
static int expect_map(const struct ptw *w, uint64_t cr3, uint64_t virt,
		      uint64_t phys, uint64_t psize, const char *ctx)
{
	struct ptw_result r;
	int rc = ptw_translate(w, cr3, virt, &r);

	return CHECK(rc == PTW_OK && r.phys == phys && r.page_size == psize,
		     "%s: 0x%llx -> rc %d phys 0x%llx page %llu KiB (%s); want 0x%llx, %llu KiB",
		     ctx, (unsigned long long)virt, rc, (unsigned long long)r.phys,
		     (unsigned long long)(r.page_size / KiB), r.why,
		     (unsigned long long)phys, (unsigned long long)(psize / KiB));
}

static int expect_unmapped(const struct ptw *w, uint64_t cr3, uint64_t virt,
			   const char *ctx)
{
	struct ptw_result r;
	int rc = ptw_translate(w, cr3, virt, &r);

	return CHECK(rc == PTW_UNMAPPED, "%s: 0x%llx should be unmapped, rc %d phys 0x%llx",
		     ctx, (unsigned long long)virt, rc, (unsigned long long)r.phys);
}

/*
 * Builds one combination with a pool of exactly the expected size and
 * checks it; then with one page less (must fail cleanly).
 */
static void check_combo(int allow_1g, uint64_t ident_end, uint64_t high_phys,
			uint64_t high_size, uint32_t want_pages)
{
	uint64_t gran = allow_1g ? GiB : 2 * MiB;
	struct lwkb_tmp_pt t;
	struct tpool p;
	struct ptw w;
	struct expect x;
	char ctx[160], why[160];
	int rc;

	snprintf(ctx, sizeof(ctx), "1g=%d ident_end=0x%llx high=0x%llx+0x%llx",
		 allow_1g, (unsigned long long)ident_end,
		 (unsigned long long)high_phys, (unsigned long long)high_size);
	if (!CHECK(tpool_new(&p, want_pages, POOL_PHYS) == 0, "out of memory"))
		return;
	memset(&t, 0, sizeof(t));
	t.pool_virt = p.mem;
	t.pool_phys = p.phys;
	t.pool_pages = p.pages;
	t.allow_1g = allow_1g;
	t.ident_end = ident_end;
	t.high_phys = high_phys;
	t.high_size = high_size;
	rc = lwkb_tmp_pt_build(&t);
	if (!CHECK(rc == 0, "%s: rc %d with a pool of %u pages", ctx, rc, want_pages)) {
		tpool_free(&p);
		return;
	}
	CHECK(t.pages_used == want_pages, "%s: %u pages used, want %u", ctx,
	      t.pages_used, want_pages);
	/* The hosts size their pool with lwkb_tmp_pt_pages: never too small. */
	CHECK(lwkb_tmp_pt_pages(allow_1g, ident_end, high_phys, high_size) >= want_pages,
	      "%s: lwkb_tmp_pt_pages says %u, the build used %u", ctx,
	      lwkb_tmp_pt_pages(allow_1g, ident_end, high_phys, high_size), want_pages);
	CHECK(t.cr3 == POOL_PHYS, "%s: cr3 0x%llx", ctx, (unsigned long long)t.cr3);
	CHECK(t.ident_end == LWKB_ALIGN_UP(ident_end, gran), "%s: ident_end out 0x%llx",
	      ctx, (unsigned long long)t.ident_end);
	CHECK(tpool_guard_ok(&p), "%s: guard page after the pool written", ctx);

	/* 1. Every leaf of the table is one the contract asks for. */
	memset(&x, 0, sizeof(x));
	x.ident_end = t.ident_end;
	x.high_phys = high_phys;
	x.high_size = high_size;
	x.ident_psize = gran;
	if (high_phys & (2 * MiB - 1))
		x.high_psize = 4 * KiB;
	else if (allow_1g && !(high_phys & (GiB - 1)) && high_size >= GiB)
		x.high_psize = GiB;
	else
		x.high_psize = 2 * MiB;
	x.shared = 1;
	w = tpool_walker(&p, allow_1g);
	rc = ptw_scan(&w, t.cr3, check_leaf, &x, why, sizeof(why));
	CHECK(rc == 0, "%s: scan: %s%s", ctx, why, x.msg);
	CHECK(x.ident_bytes == t.ident_end, "%s: identity maps 0x%llx bytes", ctx,
	      (unsigned long long)x.ident_bytes);
	CHECK(x.high_bytes == high_size, "%s: kernel half maps 0x%llx bytes", ctx,
	      (unsigned long long)x.high_bytes);
	/* PML4[511] shares the identity PDPT: the two aliases, complete. */
	CHECK(x.alias_bytes == high_size, "%s: alias of the image maps 0x%llx bytes", ctx,
	      (unsigned long long)x.alias_bytes);
	CHECK(x.ident_alias_bytes == t.ident_end, "%s: alias of the identity maps 0x%llx bytes",
	      ctx, (unsigned long long)x.ident_alias_bytes);

	/* 2. Sampled addresses through the walker. */
	uint64_t ident_samples[] = { 0, 4095, MiB, t.ident_end - 1, ident_end - 1 };
	for (size_t i = 0; i < sizeof(ident_samples) / sizeof(ident_samples[0]); i++)
		expect_map(&w, t.cr3, ident_samples[i], ident_samples[i], gran, ctx);
	if (ident_end >= 4 * GiB)
		expect_map(&w, t.cr3, 0xfee00000, 0xfee00000, gran, ctx);	/* local APIC */
	for (int i = 0; i < 200; i++) {
		uint64_t v = unit_rand() % t.ident_end;

		if (!expect_map(&w, t.cr3, v, v, gran, ctx))
			break;
	}
	expect_unmapped(&w, t.cr3, t.ident_end, ctx);

	uint64_t high_samples[] = { 0, 4095, 4096, 2 * MiB - 1, 2 * MiB,
				    high_size / 2, high_size - 4096, high_size - 1 };
	for (size_t i = 0; i < sizeof(high_samples) / sizeof(high_samples[0]); i++)
		expect_map(&w, t.cr3, LWKB_KERNEL_VBASE + high_samples[i],
			   high_phys + high_samples[i], x.high_psize, ctx);
	for (int i = 0; i < 200; i++) {
		uint64_t off = unit_rand() % high_size;

		if (!expect_map(&w, t.cr3, LWKB_KERNEL_VBASE + off, high_phys + off,
				x.high_psize, ctx))
			break;
	}
	/* The kernel half ends exactly at high_size (4 KiB-exact). */
	if (high_size < 2 * GiB)
		expect_unmapped(&w, t.cr3, LWKB_KERNEL_VBASE + high_size, ctx);
	expect_unmapped(&w, t.cr3, LWKB_KERNEL_VBASE - 4096, ctx);
	expect_map(&w, t.cr3, ALIAS_BASE, high_phys, x.high_psize, ctx);
	tpool_free(&p);

	/* 3. One page less: -LWKB_ENOMEM, nothing written past the pool. */
	if (!CHECK(tpool_new(&p, want_pages - 1, POOL_PHYS) == 0, "out of memory"))
		return;
	t.pool_virt = p.mem;
	t.pool_pages = p.pages;
	t.ident_end = ident_end;
	rc = lwkb_tmp_pt_build(&t);
	CHECK(rc == -LWKB_ENOMEM, "%s: pool of %u pages: rc %d, want -ENOMEM", ctx,
	      want_pages - 1, rc);
	CHECK(tpool_guard_ok(&p), "%s: small pool: guard page written", ctx);
	tpool_free(&p);
}

static void pt_tmp_matrix(void)
{
	for (int g = 0; g < 2; g++)
		for (int i = 0; i < 3; i++)
			for (int h = 0; h < 3; h++)
				for (int s = 0; s < 2; s++)
					check_combo(g, ident_ends[i], high_physes[h],
						    high_sizes[s], expected_pages[g][i][h][s]);
}

/* A bigger pool changes nothing: the count is what was needed. */
static void pt_tmp_large_pool(void)
{
	struct lwkb_tmp_pt t = { 0 };
	struct tpool p;

	if (!CHECK(tpool_new(&p, 64, POOL_PHYS) == 0, "out of memory"))
		return;
	t.pool_virt = p.mem;
	t.pool_phys = p.phys;
	t.pool_pages = p.pages;
	t.allow_1g = 0;
	t.ident_end = 4 * GiB;
	t.high_phys = 0x40200000;
	t.high_size = 64 * MiB;
	CHECK_EQ(lwkb_tmp_pt_build(&t), 0);
	CHECK_EQ(t.pages_used, 7);
	CHECK(tpool_guard_ok(&p), "guard written");
	tpool_free(&p);
}

/* Builds a table for ident_end with a 64 MiB image at 0x40000000 (1 GiB aligned). */
static int build_big(struct tpool *p, uint32_t pages, int allow_1g,
		     uint64_t ident_end, struct lwkb_tmp_pt *t)
{
	if (tpool_new(p, pages, POOL_PHYS))
		return -999;
	memset(t, 0, sizeof(*t));
	t->pool_virt = p->mem;
	t->pool_phys = p->phys;
	t->pool_pages = p->pages;
	t->allow_1g = allow_1g;
	t->ident_end = ident_end;
	t->high_phys = 0x40000000;
	t->high_size = 64 * MiB;
	return lwkb_tmp_pt_build(t);
}

/*
 * Identity ranges near and beyond 510 GiB, where PML4[511] can no longer
 * share the identity PDPT (its slots 510-511 are then identity):
 *   510 GiB, 1G pages: shared; 3 pages; 510 GiB aliases the image.
 *   511 GiB, 1G pages: own PDPT for the kernel half: PML4+PDPT+PDPT+PD = 4;
 *                      511 GiB unmapped.
 *   512 GiB, 1G pages: 4 pages; 512 GiB unmapped.
 *   513 GiB, 1G pages: a second identity PDPT: 5 pages.
 *   128 TiB (the whole canonical lower half), 1G pages:
 *                      PML4 + 256 PDPTs + PDPT + PD = 259 pages.
 *   511 GiB, 2M pages: PML4 + PDPT + 511 PDs + PDPT + PD = 515 pages.
 */
static void pt_tmp_large_identity(void)
{
	static const struct {
		int allow_1g;
		uint64_t ident_end;
		uint32_t pages;
		int shared;
	} cases[] = {
		{ 1, 510 * GiB, 3, 1 },
		{ 1, 511 * GiB, 4, 0 },
		{ 1, 512 * GiB, 4, 0 },
		{ 1, 513 * GiB, 5, 0 },
		{ 1, 0x0000800000000000ULL, 259, 0 },
		{ 0, 511 * GiB, 515, 0 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct lwkb_tmp_pt t;
		struct tpool p;
		struct ptw w;
		struct expect x;
		char why[160], ctx[64];
		int rc = build_big(&p, cases[c].pages, cases[c].allow_1g,
				   cases[c].ident_end, &t);

		snprintf(ctx, sizeof(ctx), "1g=%d ident_end=%llu GiB", cases[c].allow_1g,
			 (unsigned long long)(cases[c].ident_end / GiB));
		if (!CHECK(rc == 0, "%s: rc %d", ctx, rc)) {
			tpool_free(&p);
			continue;
		}
		CHECK(t.pages_used == cases[c].pages, "%s: %u pages, want %u", ctx,
		      t.pages_used, cases[c].pages);
		/* The bound the hosts allocate: enough, and with 1 GiB pages
		 * small even for huge machines (one order-0..3 allocation, not
		 * 8 + ident/1 GiB pages as before). */
		uint32_t bound = lwkb_tmp_pt_pages(cases[c].allow_1g, cases[c].ident_end,
						   0x40000000, 64 * MiB);
		CHECK(bound >= cases[c].pages && bound <= cases[c].pages + 4,
		      "%s: lwkb_tmp_pt_pages %u for %u used", ctx, bound, cases[c].pages);
		memset(&x, 0, sizeof(x));
		x.ident_end = t.ident_end;
		x.high_phys = 0x40000000;
		x.high_size = 64 * MiB;
		x.ident_psize = cases[c].allow_1g ? GiB : 2 * MiB;
		x.high_psize = 2 * MiB;
		x.shared = cases[c].shared;
		w = tpool_walker(&p, cases[c].allow_1g);
		w.maxphyaddr = 52;	/* identity up to 128 TiB needs > 46 bits */
		rc = ptw_scan(&w, t.cr3, check_leaf, &x, why, sizeof(why));
		CHECK(rc == 0, "%s: scan: %s%s", ctx, why, x.msg);
		CHECK(x.ident_bytes == cases[c].ident_end, "%s: identity 0x%llx bytes", ctx,
		      (unsigned long long)x.ident_bytes);
		CHECK(x.high_bytes == 64 * MiB, "%s: kernel half", ctx);
		CHECK(x.alias_bytes == (cases[c].shared ? 64 * MiB : 0), "%s: alias", ctx);
		CHECK(x.ident_alias_bytes == (cases[c].shared ? cases[c].ident_end : 0),
		      "%s: identity alias", ctx);
		expect_map(&w, t.cr3, cases[c].ident_end - 1, cases[c].ident_end - 1,
			   x.ident_psize, ctx);
		if (cases[c].shared)
			expect_map(&w, t.cr3, cases[c].ident_end, 0x40000000, 2 * MiB, ctx);
		else if (cases[c].ident_end < 0x0000800000000000ULL)
			expect_unmapped(&w, t.cr3, cases[c].ident_end, ctx);
		else	/* the next PML4 slot is the start of the upper half */
			expect_unmapped(&w, t.cr3, 0xffff800000000000ULL, ctx);
		expect_map(&w, t.cr3, LWKB_KERNEL_VBASE, 0x40000000, 2 * MiB, ctx);
		CHECK(tpool_guard_ok(&p), "%s: guard written", ctx);
		tpool_free(&p);
	}
}

/* lwkb_tmp_pt_pages: refuses what the builder refuses; 2 TiB with 1 GiB
 * pages needs a handful of pages, not an order-11 allocation. */
static void pt_tmp_pages_bound(void)
{
	CHECK_EQ(lwkb_tmp_pt_pages(1, 0, 0, MiB), 0);
	CHECK_EQ(lwkb_tmp_pt_pages(1, 4 * GiB, 0, 0), 0);
	CHECK_EQ(lwkb_tmp_pt_pages(1, 4 * GiB, 0, 2 * GiB + 4096), 0);
	CHECK_EQ(lwkb_tmp_pt_pages(1, LWKB_IDENTITY_LIMIT + GiB, 0, MiB), 0);
	CHECK(lwkb_tmp_pt_pages(1, 2048 * GiB, 0, 2 * GiB) <= 16, "2 TiB, 1G pages: %u",
	      lwkb_tmp_pt_pages(1, 2048 * GiB, 0, 2 * GiB));
	CHECK(lwkb_tmp_pt_pages(0, 4 * GiB, 4096, 2 * GiB) >= 1024 + 4,
	      "misaligned 2 GiB kernel half needs 1024 page tables: %u",
	      lwkb_tmp_pt_pages(0, 4 * GiB, 4096, 2 * GiB));
}

/* Argument checks; none of them may touch the pool. */
static void pt_tmp_bad_args(void)
{
	struct lwkb_tmp_pt t;
	struct tpool p;
	int rc;

	if (!CHECK(tpool_new(&p, 8, POOL_PHYS) == 0, "out of memory"))
		return;
#define TRY(field, value, want) do {						\
		memset(&t, 0, sizeof(t));					\
		t.pool_virt = p.mem; t.pool_phys = p.phys; t.pool_pages = 8;	\
		t.allow_1g = 1; t.ident_end = 4 * GiB;				\
		t.high_phys = 0x40000000; t.high_size = 64 * MiB;		\
		t.field = value;						\
		rc = lwkb_tmp_pt_build(&t);					\
		CHECK(rc == (want), #field " = " #value ": rc %d, want %d", rc, (want)); \
	} while (0)
	TRY(allow_1g, 1, 0);				/* the baseline works */
	TRY(pool_phys, POOL_PHYS + 8, -LWKB_EINVAL);	/* unaligned pool */
	TRY(pool_pages, 0, -LWKB_EINVAL);
	TRY(pool_phys, 4 * GiB, -LWKB_EINVAL);		/* CR3 is loaded in 32-bit mode */
	TRY(pool_phys, 4 * GiB - 4 * 4096, -LWKB_EINVAL);	/* crosses 4 GiB */
	TRY(pool_phys, 4 * GiB - 8 * 4096, 0);		/* ends exactly at 4 GiB */
	TRY(high_size, 0, -LWKB_EINVAL);
	TRY(high_size, 2 * GiB + 4096, -LWKB_EINVAL);
	TRY(high_phys, 0x40000800, -LWKB_EINVAL);
	TRY(ident_end, 0, -LWKB_EINVAL);
	TRY(ident_end, LWKB_IDENTITY_LIMIT + 1, -LWKB_EINVAL);
	TRY(ident_end, LWKB_IDENTITY_LIMIT + GiB, -LWKB_EINVAL);
	TRY(ident_end, ~0ULL, -LWKB_EINVAL);		/* rounding up wraps */
#undef TRY
	CHECK(tpool_guard_ok(&p), "guard written");
	tpool_free(&p);
}

/*
 * Runs fn in a child process: for inputs on which the current loader may
 * crash, so that one bad case cannot take the whole test run down.
 * Returns fn's value (a small negative errno), or a positive status when
 * the child died; then 'why' holds the sanitizer's SUMMARY line.
 */
static int run_isolated(int (*fn)(void), char *why, size_t whylen)
{
	FILE *log = tmpfile();
	char line[512];
	pid_t pid;
	int st;

	snprintf(why, whylen, "no report");
	if (!log)
		return 2000;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fileno(log), 2);	/* keep the child's report out of the way */
		_exit(fn() & 0xff);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		fclose(log);
		return 2000;
	}
	rewind(log);
	while (fgets(line, sizeof(line), log))
		if (strncmp(line, "SUMMARY:", 8) == 0)
			snprintf(why, whylen, "%.*s", (int)strcspn(line, "\n"), line);
	fclose(log);
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return (int)(signed char)WEXITSTATUS(st);
}

static int build_wrapping_pool(void)
{
	struct lwkb_tmp_pt t = { 0 };
	struct tpool p;

	if (tpool_new(&p, 3, POOL_PHYS))
		return 100;
	t.pool_virt = p.mem;
	t.pool_phys = 0ULL - 3 * 4096;		/* pool_phys + 3 pages == 2^64 */
	t.pool_pages = 3;
	t.allow_1g = 1;
	t.ident_end = 4 * GiB;
	t.high_phys = 0x40000000;
	t.high_size = 64 * MiB;
	return lwkb_tmp_pt_build(&t);
}

/*
 * "pool must end below 4 GiB": a pool whose end wraps around 2^64 is far
 * above 4 GiB and must be refused.  (The current loader accepts it, then
 * follows table pointers truncated to 52 bits far outside the pool: run
 * in a child process.)  ASan reports go to stderr in the child.
 */
static void pt_tmp_pool_wraps(void)
{
	char why[300];
	int rc = run_isolated(build_wrapping_pool, why, sizeof(why));

	if (rc > 0)
		CHECK(0, "pool at 0x%llx (3 pages): the loader crashed (%s); want -EINVAL",
		      (unsigned long long)(0ULL - 3 * 4096), why);
	else
		CHECK(rc == -LWKB_EINVAL, "pool at 0x%llx (3 pages): rc %d, want -EINVAL",
		      (unsigned long long)(0ULL - 3 * 4096), rc);
}

/*
 * The identity map must stay in the canonical lower half: PML4 entries
 * 256-510 translate 0xffff800000000000 and up, so "identity" entries
 * there would map 0xffff8000_00000000 + x -> 0x8000_00000000 + x, not
 * identity.  Likewise lwkb_pt_map must refuse non-canonical addresses.
 */
static void pt_identity_canonical(void)
{
	struct lwkb_tmp_pt t = { 0 };
	struct tpool p;
	int rc;

	if (!CHECK(tpool_new(&p, 8, POOL_PHYS) == 0, "out of memory"))
		return;
	t.pool_virt = p.mem;
	t.pool_phys = p.phys;
	t.pool_pages = p.pages;
	t.allow_1g = 1;
	t.ident_end = 0x0000800000000000ULL + GiB;	/* 128 TiB + 1 GiB */
	t.high_phys = 0x40000000;
	t.high_size = 64 * MiB;
	rc = lwkb_tmp_pt_build(&t);
	CHECK(rc == -LWKB_EINVAL, "identity up to 0x%llx: rc %d, want -EINVAL "
	      "(LWKB_IDENTITY_LIMIT is 0x%llx)", (unsigned long long)t.ident_end, rc,
	      (unsigned long long)LWKB_IDENTITY_LIMIT);
	CHECK(LWKB_IDENTITY_LIMIT <= 0x0000800000000000ULL,
	      "LWKB_IDENTITY_LIMIT 0x%llx is beyond the canonical lower half",
	      (unsigned long long)LWKB_IDENTITY_LIMIT);
	CHECK(tpool_guard_ok(&p), "guard written");
	tpool_free(&p);
}

/* ---- lwkb_pt_map directly ---- */

struct palloc {
	struct tpool *p;
	uint32_t next;
};

static lwkb_u64 pa_alloc(void *ctx)
{
	struct palloc *a = ctx;

	if (a->next >= a->p->pages)
		return 0;
	memset(a->p->mem + (size_t)a->next * 4096, 0, 4096);
	return a->p->phys + (lwkb_u64)a->next++ * 4096;
}

static void *pa_p2v(void *ctx, lwkb_u64 phys)
{
	struct palloc *a = ctx;

	return a->p->mem + (phys - a->p->phys);
}

static void pt_map_init(struct lwkb_pt *pt, struct palloc *a, struct tpool *p,
			int allow_1g)
{
	a->p = p;
	a->next = 0;
	memset(pt, 0, sizeof(*pt));
	pt->alloc = pa_alloc;
	pt->p2v = pa_p2v;
	pt->ctx = a;
	pt->allow_1g = allow_1g;
}

/* Mapping what is mapped already is -LWKB_EEXIST, at every page size. */
static void pt_map_twice(void)
{
	struct tpool p;
	struct palloc a;
	struct lwkb_pt pt;
	const lwkb_u64 W = LWKB_PTE_W;

	if (!CHECK(tpool_new(&p, 16, POOL_PHYS) == 0, "out of memory"))
		return;
	pt_map_init(&pt, &a, &p, 1);
	CHECK_EQ(lwkb_pt_init(&pt), 0);
	CHECK_EQ(pt.root, POOL_PHYS);
	CHECK_EQ(lwkb_pt_map(&pt, 2 * MiB, 2 * MiB, 2 * MiB, W), 0);
	CHECK_EQ(lwkb_pt_map(&pt, 2 * MiB, 2 * MiB, 2 * MiB, W), -LWKB_EEXIST);
	CHECK_EQ(lwkb_pt_map(&pt, 2 * MiB, 0x800000, 2 * MiB, W), -LWKB_EEXIST);
	/* a 4 KiB page inside the 2 MiB page */
	CHECK_EQ(lwkb_pt_map(&pt, 3 * MiB, 3 * MiB, 4096, W), -LWKB_EEXIST);
	/* 4 KiB pages, then the same 4 KiB again and a 2 MiB page over them */
	CHECK_EQ(lwkb_pt_map(&pt, 8 * MiB + 4096, 0x5000, 4096, W), 0);
	CHECK_EQ(lwkb_pt_map(&pt, 8 * MiB + 4096, 0x5000, 4096, W), -LWKB_EEXIST);
	CHECK_EQ(lwkb_pt_map(&pt, 8 * MiB, 8 * MiB, 2 * MiB, W), -LWKB_EEXIST);
	/* a neighbour in the same table is fine */
	CHECK_EQ(lwkb_pt_map(&pt, 8 * MiB + 8192, 0x6000, 4096, W), 0);
	/* 1 GiB pages */
	CHECK_EQ(lwkb_pt_map(&pt, 4 * GiB, 4 * GiB, GiB, W), 0);
	CHECK_EQ(lwkb_pt_map(&pt, 4 * GiB, 4 * GiB, GiB, W), -LWKB_EEXIST);
	CHECK_EQ(lwkb_pt_map(&pt, 4 * GiB + 2 * MiB, 0, 2 * MiB, W), -LWKB_EEXIST);
	CHECK(tpool_guard_ok(&p), "guard written");
	tpool_free(&p);
}

/* Unaligned or wrapping arguments: -LWKB_EINVAL and no table touched. */
static void pt_map_bad_args(void)
{
	struct tpool p;
	struct palloc a;
	struct lwkb_pt pt;

	if (!CHECK(tpool_new(&p, 8, POOL_PHYS) == 0, "out of memory"))
		return;
	pt_map_init(&pt, &a, &p, 1);
	CHECK_EQ(lwkb_pt_init(&pt), 0);
	CHECK_EQ(lwkb_pt_map(&pt, 0x1001, 0x1000, 0x1000, 0), -LWKB_EINVAL);
	CHECK_EQ(lwkb_pt_map(&pt, 0x1000, 0x1800, 0x1000, 0), -LWKB_EINVAL);
	CHECK_EQ(lwkb_pt_map(&pt, 0x1000, 0x1000, 0x1001, 0), -LWKB_EINVAL);
	CHECK_EQ(lwkb_pt_map(&pt, 0xfffffffffffff000ULL, 0, 0x2000, 0), -LWKB_EINVAL);
	CHECK_EQ(pt.pages, 1);
	CHECK_EQ(a.next, 1);
	/* Ending exactly at 2^64 is fine: the top 2 GiB with 1 GiB pages. */
	CHECK_EQ(lwkb_pt_map(&pt, LWKB_KERNEL_VBASE, 2 * GiB, 2 * GiB, LWKB_PTE_W), 0);
	CHECK_EQ(pt.pages, 2);
	tpool_free(&p);
}

/* Largest page that fits at each step; NX passes through to the leaves. */
static void pt_map_page_sizes(void)
{
	struct tpool p;
	struct palloc a;
	struct lwkb_pt pt;
	struct ptw w;
	struct ptw_result r;

	if (!CHECK(tpool_new(&p, 16, POOL_PHYS) == 0, "out of memory"))
		return;
	pt_map_init(&pt, &a, &p, 0);
	CHECK_EQ(lwkb_pt_init(&pt), 0);
	/* [4K, 4M+4K): 511 4 KiB pages, one 2 MiB page, one 4 KiB page. */
	CHECK_EQ(lwkb_pt_map(&pt, 4096, 4096, 4 * MiB, LWKB_PTE_W | LWKB_PTE_NX), 0);
	CHECK_EQ(pt.pages, 5);	/* PML4, PDPT, PD, 2 PTs */
	w = tpool_walker(&p, 0);
	w.nxe = 1;
	CHECK_EQ(ptw_translate(&w, pt.root, 4096, &r), PTW_OK);
	CHECK(r.page_size == 4096 && r.phys == 4096 && r.nx, "first page");
	CHECK_EQ(ptw_translate(&w, pt.root, 2 * MiB + 5, &r), PTW_OK);
	CHECK(r.page_size == 2 * MiB && r.phys == 2 * MiB + 5, "middle page");
	CHECK_EQ(ptw_translate(&w, pt.root, 4 * MiB, &r), PTW_OK);
	CHECK(r.page_size == 4096 && r.phys == 4 * MiB, "last page");
	CHECK_EQ(ptw_translate(&w, pt.root, 4 * MiB + 4096, &r), PTW_UNMAPPED);
	CHECK_EQ(ptw_translate(&w, pt.root, 0, &r), PTW_UNMAPPED);
	/* virt 2M-aligned but phys only 4K-aligned: 4 KiB pages only. */
	CHECK_EQ(lwkb_pt_map(&pt, 64 * MiB, 0x7000, 2 * MiB, LWKB_PTE_W), 0);
	CHECK_EQ(ptw_translate(&w, pt.root, 64 * MiB + 0x1234, &r), PTW_OK);
	CHECK(r.page_size == 4096 && r.phys == 0x8234, "misaligned phys");
	/* An empty pool: -LWKB_ENOMEM from init and from map. */
	pt_map_init(&pt, &a, &p, 0);
	a.next = p.pages;
	CHECK_EQ(lwkb_pt_init(&pt), -LWKB_ENOMEM);
	CHECK(tpool_guard_ok(&p), "guard written");
	tpool_free(&p);
}

/* Maps one range into a fresh table; returns the rc and the pages used. */
static int map_fresh(lwkb_u64 virt, lwkb_u64 size, lwkb_u32 *pages)
{
	struct tpool p;
	struct palloc a;
	struct lwkb_pt pt;
	int rc;

	if (tpool_new(&p, 8, POOL_PHYS))
		return -999;
	pt_map_init(&pt, &a, &p, 1);
	rc = lwkb_pt_init(&pt);
	if (!rc)
		rc = lwkb_pt_map(&pt, virt, 0, size, 0);
	*pages = pt.pages;
	tpool_free(&p);
	return rc;
}

/* lwkb_pt_map: a range that is not canonical cannot be mapped as asked
 * (the CPU would translate other addresses): -LWKB_EINVAL, nothing
 * allocated.  The last canonical page of each half maps fine. */
static void pt_map_non_canonical(void)
{
	static const struct {
		lwkb_u64 virt, size;
		int rc;
	} cases[] = {
		{ 0x0000800000000000ULL, 4096, -LWKB_EINVAL },
		{ 0x00007ffffffff000ULL, 0x2000, -LWKB_EINVAL },
		{ 0xffff7ffffffff000ULL, 4096, -LWKB_EINVAL },
		{ 0x00007ffffffff000ULL, 4096, 0 },
		{ 0xffff800000000000ULL, 4096, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lwkb_u32 pages = 0;
		int rc = map_fresh(cases[i].virt, cases[i].size, &pages);

		CHECK(rc == cases[i].rc, "map 0x%llx+0x%llx: rc %d, want %d",
		      (unsigned long long)cases[i].virt, (unsigned long long)cases[i].size,
		      rc, cases[i].rc);
		if (cases[i].rc)
			CHECK(pages == 1, "map 0x%llx+0x%llx: %u table pages allocated",
			      (unsigned long long)cases[i].virt,
			      (unsigned long long)cases[i].size, pages);
	}
}

UNIT_SUITE(pgtable,
	UNIT_TEST(pt_walker_self_test),
	UNIT_TEST(pt_tmp_matrix),
	UNIT_TEST(pt_tmp_large_pool),
	UNIT_TEST(pt_tmp_large_identity),
	UNIT_TEST(pt_tmp_pages_bound),
	UNIT_TEST(pt_tmp_bad_args),
	UNIT_TEST(pt_tmp_pool_wraps),
	UNIT_TEST(pt_identity_canonical),
	UNIT_TEST(pt_map_twice),
	UNIT_TEST(pt_map_bad_args),
	UNIT_TEST(pt_map_page_sizes),
	UNIT_TEST(pt_map_non_canonical));
