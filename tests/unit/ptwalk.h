/* SPDX-License-Identifier: MIT */
/*
 * A software model of the x86-64 4-level page walk (Intel SDM vol. 3A,
 * "4-Level Paging"), written independently of loader/pgtable.c so that
 * tests can check the tables the loader builds the way a CPU reads them.
 *
 * Tables are read through a pool mapping: a table at physical p is at
 * pool_virt + (p - pool_phys); a table pointer outside the pool is an
 * error (the loader must only use pool pages).  Entries with reserved bits
 * set are errors too, as they would raise #PF(RSVD) on a CPU.
 */
#ifndef LWKBOOT_TESTS_UNIT_PTWALK_H
#define LWKBOOT_TESTS_UNIT_PTWALK_H

#include <stddef.h>
#include <stdint.h>

struct ptw {
	const void *pool_virt;
	uint64_t pool_phys;
	uint64_t pool_pages;
	int pdpe1gb;		/* CPU has 1 GiB pages (else PS in a PDPTE is reserved) */
	int nxe;		/* EFER.NXE (else bit 63 is reserved) */
	unsigned maxphyaddr;	/* bits 51:maxphyaddr of entries are reserved */
};

enum { PTW_OK = 0, PTW_UNMAPPED = 1, PTW_BAD = -1 };

struct ptw_result {
	uint64_t phys;
	uint64_t page_size;	/* 4 KiB, 2 MiB or 1 GiB */
	int level;		/* level of the leaf or of the missing entry (3 = PML4) */
	int writable;		/* W set at every level */
	int nx;			/* NX set at some level */
	char why[160];		/* PTW_BAD and PTW_UNMAPPED: what the walk found */
};

/* Translates virt with the tables rooted at cr3. */
int ptw_translate(const struct ptw *w, uint64_t cr3, uint64_t virt,
		  struct ptw_result *r);

/*
 * Visits every leaf (mapped page) reachable from cr3, in virtual address
 * order, after checking its whole path with ptw_translate.  Stops at the
 * first bad entry (PTW_BAD, reason in why) or when fn returns non-zero
 * (that value is returned).  A table reachable twice (shared) is visited
 * twice, once per virtual range.
 */
typedef int (*ptw_leaf_fn)(void *ctx, uint64_t virt, uint64_t phys,
			   uint64_t size, const struct ptw_result *r);
int ptw_scan(const struct ptw *w, uint64_t cr3, ptw_leaf_fn fn, void *ctx,
	     char *why, size_t whylen);

#endif /* LWKBOOT_TESTS_UNIT_PTWALK_H */
