// SPDX-License-Identifier: MIT
/*
 * 4-level x86-64 page tables (Intel SDM vol. 3A, "4-Level Paging"):
 * PML4 -> PDPT -> PD -> PT; a PDPT entry with PS maps 1 GiB (needs CPUID
 * 80000001h:EDX[26] pdpe1gb), a PD entry with PS maps 2 MiB.
 */
#include "lwkb_loader.h"

#define LEVEL_SHIFT(l)	(12 + 9 * (l))	/* l = 0 (PT) .. 3 (PML4) */
#define IDX(v, l)	(((v) >> LEVEL_SHIFT(l)) & 511)

static lwkb_u64 *table(struct lwkb_pt *pt, lwkb_u64 phys)
{
	return pt->p2v(pt->ctx, phys);
}

int lwkb_pt_init(struct lwkb_pt *pt)
{
	pt->pages = 0;
	pt->root = pt->alloc(pt->ctx);
	if (!pt->root)
		return -LWKB_ENOMEM;
	pt->pages = 1;
	return 0;
}

/* The next-level table under entry e, allocated if absent. */
static int next_table(struct lwkb_pt *pt, lwkb_u64 *e, lwkb_u64 *out)
{
	if (*e & LWKB_PTE_P) {
		if (*e & LWKB_PTE_PS)
			return -LWKB_EEXIST;	/* already a large page */
		*out = *e & LWKB_PTE_ADDR;
		return 0;
	}
	*out = pt->alloc(pt->ctx);
	if (!*out)
		return -LWKB_ENOMEM;
	pt->pages++;
	*e = *out | LWKB_PTE_P | LWKB_PTE_W;
	return 0;
}

/* 4-level paging: bits 63:47 all equal (SDM vol. 1, "Canonical Addressing"). */
static int canonical(lwkb_u64 v)
{
	return v < 0x0000800000000000ULL || v >= 0xffff800000000000ULL;
}

int lwkb_pt_map(struct lwkb_pt *pt, lwkb_u64 virt, lwkb_u64 phys,
		lwkb_u64 size, lwkb_u64 flags)
{
	if ((virt | phys | size) & (LWKB_PAGE_SIZE - 1))
		return -LWKB_EINVAL;
	if (virt + size < virt && virt + size != 0)
		return -LWKB_EINVAL;	/* wraps (ending exactly at 2^64 is fine) */
	/* Both ends canonical and in the same half (no range crosses the hole). */
	if (size && (!canonical(virt) || !canonical(virt + size - 1) ||
		     (virt >> 63) != ((virt + size - 1) >> 63)))
		return -LWKB_EINVAL;
	if (phys + size < phys && phys + size != 0)
		return -LWKB_EINVAL;
	flags |= LWKB_PTE_P;
	while (size) {
		lwkb_u64 t = pt->root, *e = (lwkb_u64 *)0;
		int level, rc;

		for (level = 3; level >= 0; level--) {
			lwkb_u64 psz = 1ULL << LEVEL_SHIFT(level);

			e = &table(pt, t)[IDX(virt, level)];
			if (level == 0 ||
			    ((level == 1 || (level == 2 && pt->allow_1g)) &&
			     !((virt | phys) & (psz - 1)) && size >= psz)) {
				if (*e & LWKB_PTE_P)
					return -LWKB_EEXIST;
				*e = phys | flags | (level ? LWKB_PTE_PS : 0);
				virt += psz;
				phys += psz;
				size -= psz;
				break;
			}
			rc = next_table(pt, e, &t);
			if (rc)
				return rc;
		}
	}
	return 0;
}

struct pool {
	struct lwkb_tmp_pt *t;
	lwkb_u32 next;
};

static lwkb_u64 pool_alloc(void *ctx)
{
	struct pool *p = ctx;
	void *page;

	if (p->next >= p->t->pool_pages)
		return 0;
	page = (char *)p->t->pool_virt + (lwkb_u64)p->next * LWKB_PAGE_SIZE;
	lwkb_memset(page, 0, LWKB_PAGE_SIZE);
	return p->t->pool_phys + (lwkb_u64)p->next++ * LWKB_PAGE_SIZE;
}

static void *pool_p2v(void *ctx, lwkb_u64 phys)
{
	struct pool *p = ctx;

	return (char *)p->t->pool_virt + (phys - p->t->pool_phys);
}

/*
 * What lwkb_tmp_pt_build() can use at most, so a host allocates the pool
 * from what is mapped rather than a guess:
 *   - the PML4;
 *   - a PDPT per 512 GiB of identity map, and with 2 MiB pages a PD per
 *     GiB of it (with 1 GiB pages the PDPT entries are the leaves);
 *   - for the kernel half (0xffffffff80000000 is PDPT slots 510-511 of
 *     PML4 slot 511): its own PDPT, a PD for each of the two slots, and a
 *     page table for a tail below 2 MiB, or one per 2 MiB when high_phys is
 *     not 2 MiB aligned (4 KiB pages throughout).
 * 0 for arguments lwkb_tmp_pt_build() refuses.
 */
lwkb_u32 lwkb_tmp_pt_pages(int allow_1g, lwkb_u64 ident_end, lwkb_u64 high_phys,
			   lwkb_u64 high_size)
{
	lwkb_u64 gran = allow_1g ? LWKB_1G : LWKB_2M, n;

	if (ident_end == 0 || ident_end > LWKB_IDENTITY_LIMIT || high_size == 0 ||
	    high_size > 2 * LWKB_1G)
		return 0;
	ident_end = LWKB_ALIGN_UP(ident_end, gran);
	n = 1 + (ident_end + 512 * LWKB_1G - 1) / (512 * LWKB_1G);
	if (!allow_1g)
		n += ident_end / LWKB_1G + 1;
	n += 1 + 2;
	if (high_phys & (LWKB_2M - 1))
		n += (high_size + LWKB_2M - 1) / LWKB_2M + 1;
	else
		n += 1;
	return (lwkb_u32)n;
}

int lwkb_tmp_pt_build(struct lwkb_tmp_pt *t)
{
	struct pool pool = { t, 0 };
	struct lwkb_pt pt = {
		.alloc = pool_alloc, .p2v = pool_p2v, .ctx = &pool,
		.allow_1g = t->allow_1g,
	};
	lwkb_u64 gran = t->allow_1g ? LWKB_1G : LWKB_2M;
	lwkb_u64 *pml4;
	int rc;

	/* CR3 is loaded in 32-bit mode: the whole pool lies below 4 GiB. */
	if ((t->pool_phys & (LWKB_PAGE_SIZE - 1)) || !t->pool_pages ||
	    t->pool_phys >= (1ULL << 32) ||
	    t->pool_pages > ((1ULL << 32) - t->pool_phys) / LWKB_PAGE_SIZE)
		return -LWKB_EINVAL;
	if (t->high_size == 0 || t->high_size > 2 * LWKB_1G ||
	    (t->high_phys & (LWKB_PAGE_SIZE - 1)))
		return -LWKB_EINVAL;
	t->ident_end = LWKB_ALIGN_UP(t->ident_end, gran);
	if (t->ident_end == 0 || t->ident_end > LWKB_IDENTITY_LIMIT)
		return -LWKB_EINVAL;
	rc = lwkb_pt_init(&pt);
	if (rc)
		return rc;
	rc = lwkb_pt_map(&pt, 0, 0, t->ident_end, LWKB_PTE_W);
	if (rc)
		return rc;
	pml4 = pool_p2v(&pool, pt.root);
	/*
	 * 0xffffffff80000000 is PML4 slot 511, PDPT slots 510-511.  The
	 * identity map uses PDPT slots below ident_end / 1 GiB, so up to
	 * 510 GiB one PDPT can serve both halves.
	 */
	if (t->ident_end <= 510 * LWKB_1G)
		pml4[511] = pml4[0];
	rc = lwkb_pt_map(&pt, LWKB_KERNEL_VBASE, t->high_phys,
			 LWKB_ALIGN_UP(t->high_size, LWKB_PAGE_SIZE), LWKB_PTE_W);
	if (rc)
		return rc;
	t->cr3 = pt.root;
	t->pages_used = pt.pages;
	return 0;
}
