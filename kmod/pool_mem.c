// SPDX-License-Identifier: GPL-2.0
/*
 * The reserved pool's memory, taken from the buddy allocator.
 *
 * Memory comes in units of 4 MiB (LWKB_MEM_UNIT: order 10, the buddy
 * allocator's largest on x86-64, MAX_ORDER on 6.1) allocated on the
 * requested node and merged into chunks where physically adjacent;
 * alloc_contig_range() would give larger runs but is not exported on 6.12.
 * Every operation validates its whole input before changing anything and
 * undoes its own steps on failure.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/completion.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include "lwkboot.h"

/*
 * Every page the module takes from Linux goes through these two, or is
 * counted by take_units() for the blocks its work items took, so that
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

	for (off = 0; off < c->size; off += LWKB_MEM_UNIT)
		lwkb_free_pages(pfn_to_page(PHYS_PFN(c->start + off)), LWKB_MEM_UNIT_ORDER);
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

/* RAM in 4 MiB units, rounded down. */
static u64 ram_units(void)
{
	return (u64)totalram_pages() >> LWKB_MEM_UNIT_ORDER;
}

/* A size in a memory list that is not "all": a non-zero multiple of 4 MiB. */
static int check_mem_size(u64 size)
{
	if (size && !(size % LWKB_MEM_UNIT))
		return 0;
	pr_err("size %llu is not a non-zero multiple of 4 MiB\n", size);
	return -EINVAL;
}

/*
 * Checks a reserve request and bounds the units it can take: "all" is at
 * most all of RAM, and so is the whole request.
 */
static int reserve_bound(const struct lwkb_mem_ent *ents, u32 nr, u64 *max_units)
{
	u64 units = 0;
	bool all = false;
	u32 e;
	int ret;

	for (e = 0; e < nr; e++) {
		if (ents[e].numa != LWKB_NUMA_ANY &&
		    (ents[e].numa < 0 || ents[e].numa >= MAX_NUMNODES ||
		     !node_online(ents[e].numa))) {
			pr_err("NUMA node %d does not exist\n", ents[e].numa);
			return -EINVAL;
		}
		if (ents[e].ratio > LWKB_MEM_RATIO_MAX ||
		    (ents[e].ratio && ents[e].size != LWKB_MEM_ALL)) {
			pr_err("ratio %u: want 1 to %u, with size \"all\" only\n",
			       ents[e].ratio, LWKB_MEM_RATIO_MAX);
			return -EINVAL;
		}
		if (ents[e].size == LWKB_MEM_ALL) {
			units += ram_units();
			all = true;
			continue;
		}
		ret = check_mem_size(ents[e].size);
		if (ret)
			return ret;
		units += ents[e].size / LWKB_MEM_UNIT;
	}
	if (all)	/* "all" can only ever mean all of RAM */
		units = min(units, ram_units() + 1);
	if (units > ram_units() + 1) {
		pr_err("asked for more memory than the machine has\n");
		return -ENOMEM;
	}
	*max_units = units;
	return 0;
}

/* The units one reserve call has taken so far: room for max. */
struct taken_units {
	unsigned long *pfns;
	u64 nr, max;
};

/* Free memory of node nid (NUMA_NO_NODE: of the machine), in bytes. */
static u64 free_bytes(int nid)
{
	unsigned long pages = 0;
	int z;

	if (nid == NUMA_NO_NODE)
		return (u64)global_zone_page_state(NR_FREE_PAGES) << PAGE_SHIFT;
	for (z = 0; z < MAX_NR_ZONES; z++)
		pages += zone_page_state(&NODE_DATA(nid)->node_zones[z], NR_FREE_PAGES);
	return (u64)pages << PAGE_SHIFT;
}

/*
 * The line each reservation entry logs.  IHK's tools read the free memory
 * its driver saw from this line of the kernel log ("__ihk_smp_reserve_mem:
 * NUMA n (online nodes: m), free mem: b bytes", IHK's
 * test/ihklib/blackbox/src/mem.c), so a module built for them
 * (LWKB_IHK_COMPAT, kmod/Kbuild) prints it under that name.
 */
#ifdef LWKB_IHK_COMPAT
#define RESERVE_LOG "__ihk_smp_reserve_mem"
#else
#define RESERVE_LOG "reserve"
#endif

/*
 * The units of one entry are taken by several work items at once
 * (reserve_threads), each on its own CPU of the node.  The buddy allocator
 * holds its zone lock only to pick a block; most of the time of taking one
 * is Linux clearing its 4 MiB (CONFIG_INIT_ON_ALLOC_DEFAULT_ON, which
 * Debian sets: mm/page_alloc.c, post_alloc_hook()), and that runs in
 * parallel.  Linux's own run-time huge page allocation (mm/hugetlb.c,
 * set_max_huge_pages()) takes and clears its pages one by one in the
 * writer's thread.  The items run in kworkers, outside the caller's cpuset:
 * the node is the one the entry names.
 */
static struct workqueue_struct *take_wq;

struct take_job {
	int nid;
	gfp_t gfp;
	u64 keep;		/* non-zero: stop while Linux's available memory is below it */
	atomic64_t pending;	/* allocations under way (with keep) */
	atomic64_t left;	/* units no one has claimed yet */
	atomic64_t next;	/* next free slot of pfns */
	unsigned long *pfns;
	bool killable;		/* the caller's own loop: a fatal signal ends it */
	bool stop;		/* a failure, keep reached, or the caller killed */
	bool failed;		/* an allocation failed */
	atomic_t running;	/* work items not yet done */
	struct completion done;	/* the last one is done */
};

struct take_worker {
	struct work_struct work;
	struct take_job *job;
};

/*
 * Below keep, less what the allocations under way will take: n items that
 * look at once do not all take the last unit above the line.
 */
static bool take_would_pass_keep(struct take_job *j)
{
	s64 others = atomic64_inc_return(&j->pending) - 1;

	if ((u64)si_mem_available() << PAGE_SHIFT >= j->keep + others * LWKB_MEM_UNIT)
		return false;
	atomic64_dec(&j->pending);
	return true;
}

/* Takes units while some are left and nothing said stop. */
static void take_some(struct take_job *j)
{
	struct page *pg;

	while (!READ_ONCE(j->stop) && atomic64_dec_if_positive(&j->left) >= 0) {
		if (j->killable && fatal_signal_pending(current)) {
			WRITE_ONCE(j->stop, true);
			break;
		}
		if (j->keep && take_would_pass_keep(j)) {
			WRITE_ONCE(j->stop, true);
			break;
		}
		pg = alloc_pages_node(j->nid, j->gfp, LWKB_MEM_UNIT_ORDER);
		if (j->keep)
			atomic64_dec(&j->pending);
		if (!pg) {
			WRITE_ONCE(j->failed, true);
			WRITE_ONCE(j->stop, true);
			break;
		}
		/* next never passes left's first value: pfns has room */
		j->pfns[atomic64_inc_return(&j->next) - 1] = page_to_pfn(pg);
		cond_resched();
	}
}

static void take_work(struct work_struct *work)
{
	struct take_job *j = container_of(work, struct take_worker, work)->job;

	take_some(j);
	if (atomic_dec_and_test(&j->running))
		complete(&j->done);
}

/* How many work items take want units on node nid. */
static unsigned int take_threads(int nid, u64 want)
{
	unsigned int n = READ_ONCE(reserve_threads);

	if (!n)	/* one per online CPU of the node, at most 16 */
		n = clamp(nid == NUMA_NO_NODE ? num_online_cpus() :
			  cpumask_weight_and(cpumask_of_node(nid), cpu_online_mask), 1U, 16U);
	return min_t(u64, n, want);
}

/*
 * Queues the n items on the node's online CPUs in turn (take_wq is unbound:
 * a CPU that goes offline meanwhile only moves its item).
 */
static void take_queue(struct take_worker *w, unsigned int n, int nid)
{
	const struct cpumask *m = nid == NUMA_NO_NODE ? cpu_online_mask : cpumask_of_node(nid);
	unsigned int i;
	int cpu = -1;

	for (i = 0; i < n; i++) {
		cpu = cpumask_next_and(cpu, m, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first_and(m, cpu_online_mask);
		if (cpu >= nr_cpu_ids) {	/* no online CPU on the node */
			cpu = -1;
			queue_work(take_wq, &w[i].work);
		} else {
			queue_work_on(cpu, take_wq, &w[i].work);
		}
	}
}

/* Runs the items and waits for them; -EINTR if the caller was killed. */
static int take_parallel(struct take_job *j, unsigned int n)
{
	struct take_worker *w = kcalloc(n, sizeof(*w), GFP_KERNEL);
	unsigned int i;
	int ret = 0;

	if (!w)
		return -ENOMEM;
	atomic_set(&j->running, n);
	init_completion(&j->done);
	for (i = 0; i < n; i++) {
		w[i].job = j;
		INIT_WORK(&w[i].work, take_work);
	}
	take_queue(w, n, j->nid);
	/* Killable, so never a hung task: a fatal signal stops every item within a unit. */
	if (wait_for_completion_killable(&j->done)) {
		WRITE_ONCE(j->stop, true);
		ret = -EINTR;
	}
	for (i = 0; i < n; i++)	/* none touches j or w after this */
		flush_work(&w[i].work);
	kfree(w);
	return ret;
}

/*
 * Takes the units of one entry: its size, or for "all" as many as can be
 * had, up to ratio percent of the node's free memory when the entry gives
 * one (IHK's MAX_SIZE_RATIO_ALL, spec 1.2.1.6), else while Linux keeps
 * linux_reserve().  A size that cannot be had fails; what was taken stays
 * in t for the caller to give back.
 */
static int take_units(const struct lwkb_mem_ent *ent, struct taken_units *t)
{
	bool all = ent->size == LWKB_MEM_ALL;
	int nid = ent->numa == LWKB_NUMA_ANY ? NUMA_NO_NODE : ent->numa;
	u64 want = all ? ~0ULL : ent->size / LWKB_MEM_UNIT, free = free_bytes(nid), got;
	struct take_job j = {
		.nid = nid,
		.gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY |
		       (nid == NUMA_NO_NODE ? 0 : __GFP_THISNODE),
		.pfns = t->pfns + t->nr,
	};
	unsigned int n;
	int ret = 0;

	pr_info(RESERVE_LOG ": NUMA %d (online nodes: %d), free mem: %llu bytes\n",
		ent->numa, num_online_nodes(), free);
	if (all && ent->ratio)
		want = DIV_ROUND_UP(free / 100 * ent->ratio, LWKB_MEM_UNIT);
	if (all && !ent->ratio)
		j.keep = linux_reserve() + LWKB_MEM_UNIT;
	want = min(want, t->max - t->nr);
	atomic64_set(&j.left, want);
	n = take_threads(nid, want);
	if (n > 1)
		ret = take_parallel(&j, n);
	/*
	 * One by one in the caller: all of it when one item is enough, and the
	 * rest after an item's allocation failed, since several items that
	 * compact the same zone at once can fail where one would not
	 * (__GFP_NORETRY compaction gives up on a contended zone lock).
	 */
	if (!ret && (n == 1 || j.failed)) {
		/* a failed or stopped item's claim took no unit */
		atomic64_set(&j.left, want - atomic64_read(&j.next));
		j.stop = false;
		j.failed = false;
		j.killable = true;
		take_some(&j);
		if (fatal_signal_pending(current))
			ret = -EINTR;
	}
	got = atomic64_read(&j.next);
	t->nr += got;
	pages_held += got << LWKB_MEM_UNIT_ORDER;	/* the items took them */
	if (!ret && !all && got < ent->size / LWKB_MEM_UNIT) {
		pr_err("only %llu of %llu MiB could be had on node %d\n",
		       got * (LWKB_MEM_UNIT >> 20), ent->size >> 20, ent->numa);
		ret = -ENOMEM;
	}
	return ret;
}

int lwkb_mem_init(void)
{
	take_wq = alloc_workqueue("lwkb_reserve", WQ_UNBOUND, 0);
	return take_wq ? 0 : -ENOMEM;
}

void lwkb_mem_exit(void)
{
	destroy_workqueue(take_wq);
}

/* Merges physically adjacent units of one node into chunks, onto list. */
static int make_chunks(unsigned long *pfns, u64 n, struct list_head *list)
{
	struct lwkb_chunk *c;
	u64 i, j;

	sort(pfns, n, sizeof(*pfns), cmp_pfn, NULL);
	for (i = 0; i < n; i = j) {
		int nid = pfn_to_nid(pfns[i]);

		for (j = i + 1; j < n &&
		     pfns[j] == pfns[j - 1] + (1UL << LWKB_MEM_UNIT_ORDER) &&
		     pfn_to_nid(pfns[j]) == nid; j++)
			;
		c = kzalloc(sizeof(*c), GFP_KERNEL);
		if (!c)
			return -ENOMEM;
		c->start = PFN_PHYS(pfns[i]);
		c->size = (j - i) * LWKB_MEM_UNIT;
		c->nid = nid;
		c->os = -1;
		list_add_tail(&c->list, list);
	}
	return 0;
}

int lwkb_reserve_mem(const struct lwkb_mem_ent *ents, u32 nr)
{
	struct taken_units t = { };
	struct lwkb_chunk *c, *tmp;
	LIST_HEAD(new);
	u64 i;
	u32 e;
	int ret;

	if (!nr)
		return -EINVAL;
	ret = reserve_bound(ents, nr, &t.max);
	if (ret)
		return ret;
	t.pfns = kvmalloc_array(t.max ? t.max : 1, sizeof(*t.pfns), GFP_KERNEL);
	if (!t.pfns)
		return -ENOMEM;
	for (e = 0; e < nr && !ret; e++)
		ret = take_units(&ents[e], &t);
	if (!ret && !t.nr)
		ret = -ENOMEM;
	if (!ret)
		ret = make_chunks(t.pfns, t.nr, &new);
	if (ret) {
		/* Roll back: every unit this call took goes back. */
		list_for_each_entry_safe(c, tmp, &new, list) {
			list_del(&c->list);
			kfree(c);
		}
		for (i = 0; i < t.nr; i++)
			lwkb_free_pages(pfn_to_page(t.pfns[i]), LWKB_MEM_UNIT_ORDER);
	} else {
		list_splice_tail(&new, &lwkb_chunks);
	}
	kvfree(t.pfns);
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

static struct lwkb_chunk *find_chunk(int os_index, int numa, u64 size, bool exact)
{
	struct lwkb_chunk *c, *best = NULL;

	list_for_each_entry(c, &lwkb_chunks, list) {
		if (c->os != os_index || (numa != LWKB_NUMA_ANY && c->nid != numa))
			continue;
		if (exact ? c->size != size : c->size < size)
			continue;
		if (!best || c->size < best->size)
			best = c;
	}
	return best;
}

int lwkb_assign_mem(const struct lwkb_mem_ent *ents, u32 nr, int os_index)
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
					c->os = os_index;
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
		ret = check_mem_size(ents[e].size);
		if (ret)
			break;
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
		c->os = os_index;
		taken[n++] = c;
	}
	if (ret)
		while (n)	/* splits that stay are harmless */
			taken[--n]->os = -1;
	kfree(taken);
	return ret;
}

/*
 * os_index -1: give pool chunks back to Linux; otherwise move an instance's
 * chunks back to the pool.  nr == 0 means all of them; else each entry
 * names a chunk by size@numa (as query prints them), all checked first.
 */
int lwkb_release_mem(const struct lwkb_mem_ent *ents, u32 nr, int os_index)
{
	struct lwkb_chunk *c, *tmp, **found;
	u32 e;

	if (!nr) {
		list_for_each_entry_safe(c, tmp, &lwkb_chunks, list) {
			if (c->os != os_index)
				continue;
			if (os_index == -1)
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

			if (c->os != os_index || c->size != ents[e].size ||
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
			       os_index == -1 ? "reserved" : "assigned", ents[e].size >> 20,
			       ents[e].numa);
			kfree(found);
			return -EINVAL;
		}
	}
	for (e = 0; e < nr; e++) {
		if (os_index == -1)
			lwkb_free_chunk(found[e]);
		else
			found[e]->os = -1;
	}
	kfree(found);
	return 0;
}

/*
 * Fills ents (room of them) with the chunks of instance os_index (-1: the pool);
 * *total says how many exist.  Physical addresses only for CAP_SYS_ADMIN:
 * the owner= user sees sizes and nodes.
 */
void lwkb_query_mem(int os_index, struct lwkb_mem_ent *ents, u32 room, u32 *nr, u32 *total)
{
	bool addrs = capable(CAP_SYS_ADMIN);
	struct lwkb_chunk *c;

	*nr = 0;
	*total = 0;
	list_for_each_entry(c, &lwkb_chunks, list) {
		if (c->os != os_index)
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
