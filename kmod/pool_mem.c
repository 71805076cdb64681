// SPDX-License-Identifier: GPL-2.0
/*
 * The reserved pool's memory, taken from the buddy allocator.
 *
 * Memory comes in 4 MiB blocks (order 10, the buddy allocator's largest on
 * x86-64, MAX_ORDER on 6.1) allocated on the requested node and merged into
 * chunks where physically adjacent; alloc_contig_range() would give larger
 * runs but is not exported on 6.12.  Every operation validates its whole
 * input before changing anything and undoes its own steps on failure.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include "lwkboot.h"

/*
 * Every page the module takes from Linux goes through these two, so that
 * pages_held (a read-only module parameter) says exactly how many it holds:
 * the tests check that boot/shutdown cycles and release bring it back.
 * Called with lwkb_lock held.
 */
static long pages_held;
module_param(pages_held, long, 0444);
MODULE_PARM_DESC(pages_held, "Pages lwkboot holds now (reserved memory, kmsg, status, IKC, page tables)");

struct page *lwkb_alloc_pages(int nid, gfp_t gfp, unsigned int order)
{
	struct page *pg = alloc_pages_node(nid, gfp, order);

	if (pg)
		pages_held += 1L << order;
	return pg;
}

void lwkb_free_pages(struct page *pg, unsigned int order)
{
	__free_pages(pg, order);
	pages_held -= 1L << order;
}

void lwkb_free_chunk(struct lwkb_chunk *c)
{
	u64 off;

	for (off = 0; off < c->size; off += LWKB_BLOCK_SIZE)
		lwkb_free_pages(pfn_to_page(PHYS_PFN(c->start + off)), LWKB_BLOCK_ORDER);
	list_del(&c->list);
	kfree(c);
}

static int cmp_pfn(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Keep this much for Linux when asked for "all". */
static u64 linux_reserve(void)
{
	u64 total = (u64)totalram_pages() << PAGE_SHIFT;

	return max_t(u64, total / 8, 128ULL << 20);
}

int lwkb_reserve_mem(const struct lwkb_mem_ent *ents, u32 nr)
{
	unsigned long *pfns;
	u64 want, nblocks = 0, maxblocks = 0, i, j;
	LIST_HEAD(new);
	struct lwkb_chunk *c, *tmp;
	u32 e;
	int ret = 0;

	if (!nr)
		return -EINVAL;
	for (e = 0; e < nr; e++) {
		if (ents[e].numa != LWKB_NUMA_ANY &&
		    (ents[e].numa < 0 || ents[e].numa >= MAX_NUMNODES ||
		     !node_online(ents[e].numa))) {
			pr_err("NUMA node %d does not exist\n", ents[e].numa);
			return -EINVAL;
		}
		if (ents[e].size == LWKB_MEM_ALL) {
			maxblocks += (u64)totalram_pages() >> LWKB_BLOCK_ORDER;
			continue;
		}
		if (!ents[e].size || ents[e].size % LWKB_MEM_UNIT) {
			pr_err("size %llu is not a non-zero multiple of 4 MiB\n",
			       ents[e].size);
			return -EINVAL;
		}
		maxblocks += ents[e].size / LWKB_BLOCK_SIZE;
	}
	for (e = 0; e < nr; e++)	/* "all" can only ever mean all of RAM */
		if (ents[e].size == LWKB_MEM_ALL)
			maxblocks = min_t(u64, maxblocks,
					  ((u64)totalram_pages() >> LWKB_BLOCK_ORDER) + 1);
	if (maxblocks > ((u64)totalram_pages() >> LWKB_BLOCK_ORDER) + 1) {
		pr_err("asked for more memory than the machine has\n");
		return -ENOMEM;
	}
	pfns = kvmalloc_array(maxblocks ? maxblocks : 1, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;

	for (e = 0; e < nr && !ret; e++) {
		bool all = ents[e].size == LWKB_MEM_ALL;
		int nid = ents[e].numa == LWKB_NUMA_ANY ? NUMA_NO_NODE : ents[e].numa;
		gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY |
			    (nid == NUMA_NO_NODE ? 0 : __GFP_THISNODE);

		want = all ? ~0ULL : ents[e].size / LWKB_BLOCK_SIZE;
		for (i = 0; i < want && nblocks < maxblocks; i++) {
			struct page *pg;

			if (fatal_signal_pending(current)) {
				ret = -EINTR;
				break;
			}
			if (all && (u64)si_mem_available() << PAGE_SHIFT <
				   linux_reserve() + LWKB_BLOCK_SIZE)
				break;
			pg = lwkb_alloc_pages(nid, gfp, LWKB_BLOCK_ORDER);
			if (!pg) {
				if (!all) {
					pr_err("only %llu of %llu MiB could be had on node %d\n",
					       i * 4, ents[e].size >> 20, ents[e].numa);
					ret = -ENOMEM;
				}
				break;
			}
			pfns[nblocks++] = page_to_pfn(pg);
			cond_resched();
		}
	}
	if (!ret && !nblocks)
		ret = -ENOMEM;

	/* Merge physically adjacent blocks of one node into chunks. */
	sort(pfns, nblocks, sizeof(*pfns), cmp_pfn, NULL);
	for (i = 0; !ret && i < nblocks; i = j) {
		int nid = pfn_to_nid(pfns[i]);

		for (j = i + 1; j < nblocks &&
		     pfns[j] == pfns[j - 1] + (1UL << LWKB_BLOCK_ORDER) &&
		     pfn_to_nid(pfns[j]) == nid; j++)
			;
		c = kzalloc(sizeof(*c), GFP_KERNEL);
		if (!c) {
			ret = -ENOMEM;
			break;
		}
		c->start = PFN_PHYS(pfns[i]);
		c->size = (j - i) * LWKB_BLOCK_SIZE;
		c->nid = nid;
		c->os = -1;
		list_add_tail(&c->list, &new);
	}
	if (ret) {
		/* Roll back: every block this call took goes back. */
		list_for_each_entry_safe(c, tmp, &new, list) {
			list_del(&c->list);
			kfree(c);
		}
		for (i = 0; i < nblocks; i++)
			lwkb_free_pages(pfn_to_page(pfns[i]), LWKB_BLOCK_ORDER);
	} else {
		list_splice_tail(&new, &lwkb_chunks);
	}
	kvfree(pfns);
	return ret;
}

/* Splits c so that it is exactly size bytes; the rest stays in the pool. */
static int split_chunk(struct lwkb_chunk *c, u64 size)
{
	struct lwkb_chunk *rest;

	if (c->size == size)
		return 0;
	rest = kzalloc(sizeof(*rest), GFP_KERNEL);
	if (!rest)
		return -ENOMEM;
	rest->start = c->start + size;
	rest->size = c->size - size;
	rest->nid = c->nid;
	rest->os = c->os;
	c->size = size;
	list_add(&rest->list, &c->list);
	return 0;
}

static struct lwkb_chunk *find_chunk(int owner, int numa, u64 size, bool exact)
{
	struct lwkb_chunk *c, *best = NULL;

	list_for_each_entry(c, &lwkb_chunks, list) {
		if (c->os != owner || (numa != LWKB_NUMA_ANY && c->nid != numa))
			continue;
		if (exact ? c->size != size : c->size < size)
			continue;
		if (!best || c->size < best->size)
			best = c;
	}
	return best;
}

int lwkb_assign_mem(const struct lwkb_mem_ent *ents, u32 nr, int os)
{
	struct lwkb_chunk *c, *tmp, **taken;
	u32 e, n = 0, room = nr;
	int ret = 0;

	if (!nr)
		return -EINVAL;
	list_for_each_entry(c, &lwkb_chunks, list)
		room++;
	/* Every chunk this call takes, so that a failure gives back exactly those. */
	taken = kcalloc(room, sizeof(*taken), GFP_KERNEL);
	if (!taken)
		return -ENOMEM;
	for (e = 0; e < nr; e++) {
		if (ents[e].size == LWKB_MEM_ALL) {
			bool any = false;

			list_for_each_entry(c, &lwkb_chunks, list)
				if (c->os == -1 && (ents[e].numa == LWKB_NUMA_ANY ||
						    c->nid == ents[e].numa)) {
					c->os = os;
					taken[n++] = c;
					any = true;
				}
			if (!any) {
				pr_err("no reserved memory left on node %d\n",
				       ents[e].numa);
				ret = -ENOMEM;
				break;
			}
			continue;
		}
		if (!ents[e].size || ents[e].size % LWKB_MEM_UNIT) {
			pr_err("size %llu is not a non-zero multiple of 4 MiB\n",
			       ents[e].size);
			ret = -EINVAL;
			break;
		}
		if (ents[e].start) {	/* exactly that chunk (as query printed it) */
			c = NULL;
			list_for_each_entry(tmp, &lwkb_chunks, list)
				if (tmp->os == -1 && tmp->start == ents[e].start &&
				    tmp->size == ents[e].size)
					c = tmp;
		} else {
			c = find_chunk(-1, ents[e].numa, ents[e].size, false);
		}
		if (!c) {
			pr_err("no reserved chunk of %llu MiB on node %d\n",
			       ents[e].size >> 20, ents[e].numa);
			ret = -ENOMEM;
			break;
		}
		ret = split_chunk(c, ents[e].size);
		if (ret)
			break;
		c->os = os;
		taken[n++] = c;
	}
	if (ret)
		while (n)	/* splits that stay are harmless */
			taken[--n]->os = -1;
	kfree(taken);
	return ret;
}

/*
 * os == -1: give pool chunks back to Linux; otherwise move an instance's
 * chunks back to the pool.  nr == 0 means all of them; else each entry
 * names a chunk by size@numa (as query prints them), all checked first.
 */
int lwkb_release_mem(const struct lwkb_mem_ent *ents, u32 nr, int os)
{
	struct lwkb_chunk *c, *tmp, **found;
	u32 e;

	if (!nr) {
		list_for_each_entry_safe(c, tmp, &lwkb_chunks, list) {
			if (c->os != os)
				continue;
			if (os == -1)
				lwkb_free_chunk(c);
			else
				c->os = -1;
		}
		return 0;
	}
	found = kcalloc(nr, sizeof(*found), GFP_KERNEL);
	if (!found)
		return -ENOMEM;
	for (e = 0; e < nr; e++) {
		list_for_each_entry(c, &lwkb_chunks, list) {
			u32 k;
			bool dup = false;

			if (c->os != os || c->size != ents[e].size ||
			    (ents[e].numa != LWKB_NUMA_ANY && c->nid != ents[e].numa) ||
			    (ents[e].start && c->start != ents[e].start))
				continue;
			for (k = 0; k < e; k++)
				dup |= found[k] == c;
			if (!dup) {
				found[e] = c;
				break;
			}
		}
		if (!found[e]) {
			pr_err("no %s chunk of %llu MiB on node %d\n",
			       os == -1 ? "reserved" : "assigned", ents[e].size >> 20,
			       ents[e].numa);
			kfree(found);
			return -EINVAL;
		}
	}
	for (e = 0; e < nr; e++) {
		if (os == -1)
			lwkb_free_chunk(found[e]);
		else
			found[e]->os = -1;
	}
	kfree(found);
	return 0;
}

/*
 * Fills ents (room of them) with the chunks of instance os (-1: the pool);
 * *total says how many exist.  Physical addresses only for CAP_SYS_ADMIN:
 * the owner= user sees sizes and nodes.
 */
void lwkb_query_mem(int os, struct lwkb_mem_ent *ents, u32 room, u32 *nr, u32 *total)
{
	bool addrs = capable(CAP_SYS_ADMIN);
	struct lwkb_chunk *c;

	*nr = 0;
	*total = 0;
	list_for_each_entry(c, &lwkb_chunks, list) {
		if (c->os != os)
			continue;
		if (*nr < room) {
			memset(&ents[*nr], 0, sizeof(ents[*nr]));
			ents[*nr].size = c->size;
			ents[*nr].start = addrs ? c->start : 0;
			ents[*nr].numa = c->nid;
			(*nr)++;
		}
		(*total)++;
	}
}
