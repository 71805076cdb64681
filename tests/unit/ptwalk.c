// SPDX-License-Identifier: MIT
/* Software page walker: see ptwalk.h. */
#include <stdio.h>
#include <string.h>

#include "ptwalk.h"

#define P	(1ULL << 0)
#define W	(1ULL << 1)
#define PS	(1ULL << 7)
#define XD	(1ULL << 63)
#define ADDR	0x000ffffffffff000ULL	/* bits 51:12 */

static const char *const level_name[] = { "PTE", "PDE", "PDPTE", "PML4E" };

/* Bits hi..lo set. */
static uint64_t bits(unsigned hi, unsigned lo)
{
	return (hi >= 63 ? ~0ULL : ((1ULL << (hi + 1)) - 1)) & ~((1ULL << lo) - 1);
}

static const uint64_t *table_at(const struct ptw *w, uint64_t phys)
{
	if (phys & 0xfff)
		return NULL;
	if (phys < w->pool_phys || phys - w->pool_phys >= w->pool_pages * 4096)
		return NULL;
	return (const uint64_t *)((const char *)w->pool_virt + (phys - w->pool_phys));
}

int ptw_translate(const struct ptw *w, uint64_t cr3, uint64_t virt,
		  struct ptw_result *r)
{
	uint64_t rsvd_common = bits(51, w->maxphyaddr) | (w->nxe ? 0 : XD);
	const uint64_t *t;
	int level;

	memset(r, 0, sizeof(*r));
	r->writable = 1;
	/* Canonical: bits 63:48 copy bit 47. */
	if ((uint64_t)((int64_t)(virt << 16) >> 16) != virt) {
		snprintf(r->why, sizeof(r->why), "0x%llx is not canonical",
			 (unsigned long long)virt);
		return PTW_BAD;
	}
	t = table_at(w, cr3 & ADDR);
	if (!t || (cr3 & ~ADDR)) {
		snprintf(r->why, sizeof(r->why), "CR3 0x%llx is not a pool page",
			 (unsigned long long)cr3);
		return PTW_BAD;
	}
	for (level = 3; level >= 0; level--) {
		unsigned shift = 12 + 9 * (unsigned)level;
		uint64_t e = t[(virt >> shift) & 511], rsvd = rsvd_common;
		int leaf;

		r->level = level;
		if (!(e & P)) {
			snprintf(r->why, sizeof(r->why), "%s %llu not present",
				 level_name[level], (unsigned long long)((virt >> shift) & 511));
			return PTW_UNMAPPED;
		}
		leaf = level == 0 || (e & PS);
		if (level == 3 && (e & PS))
			rsvd |= PS;			/* PS is reserved in a PML4E */
		else if (level == 2 && (e & PS))
			rsvd |= w->pdpe1gb ? bits(29, 13) : PS;
		else if (level == 1 && (e & PS))
			rsvd |= bits(20, 13);
		if (e & rsvd) {
			snprintf(r->why, sizeof(r->why),
				 "%s for 0x%llx = 0x%016llx has reserved bits 0x%llx",
				 level_name[level], (unsigned long long)virt,
				 (unsigned long long)e, (unsigned long long)(e & rsvd));
			return PTW_BAD;
		}
		if (!(e & W))
			r->writable = 0;
		if (e & XD)
			r->nx = 1;
		if (leaf) {
			uint64_t size = 1ULL << shift;
			/* Large-page frames start at bit 30 / 21; bit 12 is PAT. */
			uint64_t frame = e & ADDR & ~(size - 1);

			r->page_size = size;
			r->phys = frame | (virt & (size - 1));
			return PTW_OK;
		}
		t = table_at(w, e & ADDR);
		if (!t) {
			snprintf(r->why, sizeof(r->why),
				 "%s for 0x%llx points to 0x%llx, outside the pool",
				 level_name[level], (unsigned long long)virt,
				 (unsigned long long)(e & ADDR));
			return PTW_BAD;
		}
	}
	return PTW_BAD;	/* not reached */
}

struct scan {
	const struct ptw *w;
	uint64_t cr3;
	ptw_leaf_fn fn;
	void *ctx;
	char *why;
	size_t whylen;
};

static int scan_table(struct scan *s, uint64_t phys, int level, uint64_t vbase)
{
	const uint64_t *t = table_at(s->w, phys);
	unsigned shift = 12 + 9 * (unsigned)level;

	if (!t) {
		snprintf(s->why, s->whylen, "table at 0x%llx outside the pool",
			 (unsigned long long)phys);
		return PTW_BAD;
	}
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t e = t[i], virt = vbase | (i << shift);
		int rc;

		if (!(e & P))
			continue;
		if (level == 3 && i >= 256)
			virt |= 0xffff000000000000ULL;	/* sign extension */
		if (level == 0 || (level < 3 && (e & PS))) {
			struct ptw_result r;

			/* The walker validates every entry on the path. */
			rc = ptw_translate(s->w, s->cr3, virt, &r);
			if (rc != PTW_OK) {
				snprintf(s->why, s->whylen, "%s", r.why);
				return PTW_BAD;
			}
			rc = s->fn(s->ctx, virt, r.phys, r.page_size, &r);
		} else {
			rc = scan_table(s, e & ADDR, level - 1, virt);
		}
		if (rc)
			return rc;
	}
	return PTW_OK;
}

int ptw_scan(const struct ptw *w, uint64_t cr3, ptw_leaf_fn fn, void *ctx,
	     char *why, size_t whylen)
{
	struct scan s = { w, cr3, fn, ctx, why, whylen };

	if (whylen)
		why[0] = '\0';
	return scan_table(&s, cr3 & ADDR, 3, 0);
}
