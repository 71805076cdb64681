// SPDX-License-Identifier: GPL-2.0
/*
 * What `lwkboot dump` needs from the module (IHK spec 1.2.x
 * ihk_os_makedumpfile; docs/debugging.md): the instance's layout as the
 * host recorded it at boot, reads of its memory and of its status area, and
 * a register snapshot by NMI.  The core file is written in user space.
 *
 * The LWK writes the status area and its own memory, so nothing read from
 * there steers the module: reads are bounded by the host's records (the
 * chunks of the last boot the instance still has, the area's size), and
 * the register save areas are only copied to the caller.  The host clears
 * only what it places (os_boot.c): the rest of the LWK's memory may hold
 * what Linux freed there until the LWK clears it.  So memory is read only
 * in the image's chunk, from its start to the end of what the LWK says its
 * allocator handed out (status page, mem_used_end; the library clears
 * every page before it counts it, cokernel/lib/mem.c); everything else of
 * the last boot's chunks reads as zeros, and a chunk assigned since is not
 * read at all.  The LWK is trusted to report that end honestly: it runs in
 * ring 0 and can read all of RAM anyway.  Root only (main.c: not a read-only
 * command), and refused under lockdown in confidentiality mode, like
 * /proc/kcore (Linux's security/lockdown).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/string.h>
#include <asm/apic.h>
#include "lwkboot.h"

static int may_dump(struct lwkb_os *os)
{
	int ret = security_locked_down(LOCKDOWN_KCORE);

	if (ret)
		dev_err_ratelimited(os->dev, "the kernel is locked down: no dump, as no /proc/kcore\n");
	return ret;
}

/* Is [start, start + len) inside one chunk the instance has now? */
static bool assigned(struct lwkb_os *os, u64 start, u64 len)
{
	struct lwkb_chunk *c;

	list_for_each_entry(c, &lwkb_chunks, list)
		if (c->os == os->index && start >= c->start &&
		    len <= c->size && start - c->start <= c->size - len)
			return true;
	return false;
}

/* The last boot's chunks the instance still has: what a dump may read. */
static u32 dump_chunks(struct lwkb_os *os, struct lwkb_mem_chunk *out, u32 room)
{
	u32 i, n = 0;

	for (i = 0; i < os->last.nr_chunks && n < room; i++) {
		const struct lwkb_mem_chunk *c = &os->last.chunks[i];

		if (assigned(os, c->start, c->end - c->start))
			out[n++] = *c;
	}
	return n;
}

/*
 * The end of what the last boot's LWK has used in the image's chunk: the
 * host cleared [image_phys, loader_end), the LWK cleared what it published
 * up to mem_used_end.  Only while last.valid and the status area exists.
 */
static u64 used_end(struct lwkb_os *os)
{
	u64 used = READ_ONCE(os->status->mem_used_end);

	return clamp(used, os->last.loader_end, os->last.chunk_end);
}

long lwkb_os_dump_info(struct lwkb_os *os, struct lwkb_req *r)
{
	struct lwkb_dump_info *d = &r->a.dinfo;
	struct lwkb_core *cores = r->out;
	u32 i, n;
	int ret = may_dump(os);

	if (ret)
		return ret;
	n = os->last.valid && os->status ? os->nr_cores : 0;
	d->total_cores = n;
	d->nr_cores = min(d->nr_cores, n);
	for (i = 0; i < d->nr_cores; i++) {
		cores[i] = (struct lwkb_core) {
			.lwk_id = i, .host_cpu = os->host_cpus[i],
			.apic_id = os->apic_ids[i], .numa_id = os->core_numa[i],
		};
	}
	r->out_len = d->nr_cores * sizeof(*cores);
	d->nr_chunks = n ? dump_chunks(os, r->out2, d->nr_chunks) : 0;
	r->out2_len = d->nr_chunks * sizeof(struct lwkb_mem_chunk);
	d->status = lwkb_os_status(os);
	d->regs_offset = sizeof(struct lwkb_status_page);
	d->regs_size = sizeof(struct lwkb_core_dump);
	d->area_size = os->status_page ? PAGE_SIZE << os->status_order : 0;
	d->image_phys = os->last.image_phys;
	d->high_size = os->last.high_size;
	d->loader_end = os->last.loader_end;
	d->boot_info_phys = os->last.boot_info_phys;
	d->chunk_end = os->last.chunk_end;
	d->kmsg_phys = os->kmsg_page ? page_to_phys(os->kmsg_page) : 0;
	d->kmsg_size = os->kmsg_page ? LWKB_KMSG_AREA : 0;
	d->kmsg_head = os->kmsg ? READ_ONCE(os->kmsg->head) : 0;
	d->kmsg_tail = os->kmsg ? READ_ONCE(os->kmsg->tail) : 0;
	d->mem_used_end = n ? used_end(os) : 0;
	return 0;
}

/* Inside a chunk of the last boot that the instance still has? */
static bool dumpable(struct lwkb_os *os, u64 start, u64 len)
{
	u32 i;

	if (!os->last.valid)
		return false;
	for (i = 0; i < os->last.nr_chunks; i++) {
		const struct lwkb_mem_chunk *c = &os->last.chunks[i];

		if (start >= c->start && len <= c->end - c->start &&
		    start - c->start <= c->end - c->start - len)
			return assigned(os, start, len);
	}
	return false;
}

/*
 * [start, start + len) of a last-boot chunk (dumpable): the part the LWK
 * used (image_phys up to used_end) copied, the rest zeros, never what
 * Linux may have left there.  The LWK may be writing: a snapshot.
 */
static void read_used(struct lwkb_os *os, void *out, u64 start, u64 len)
{
	u64 lo = max(start, os->last.image_phys);
	u64 hi = min(start + len, os->status ? used_end(os) : os->last.loader_end);

	memset(out, 0, len);
	if (lo < hi)
		memcpy((char *)out + (lo - start), phys_to_virt(lo), hi - lo);
}

long lwkb_os_dump_read(struct lwkb_os *os, struct lwkb_req *r)
{
	const struct lwkb_dump_read *d = &r->a.dread;
	const void *from;
	int ret = may_dump(os);

	if (ret)
		return ret;
	switch (d->area) {
	case LWKB_DUMP_MEM:
		if (!dumpable(os, d->offset, d->len)) {
			dev_err_ratelimited(os->dev,
					    "dump: [0x%llx, +0x%llx) is not within a chunk of its last boot\n",
					    d->offset, d->len);
			return -EINVAL;
		}
		read_used(os, r->out, d->offset, d->len);
		r->out_len = d->len;
		return d->len;
	case LWKB_DUMP_STATUS:
		if (!os->status_page || d->offset > (PAGE_SIZE << os->status_order) ||
		    d->len > (PAGE_SIZE << os->status_order) - d->offset) {
			dev_err_ratelimited(os->dev, "dump: status area [0x%llx, +0x%llx) out of range\n",
					    d->offset, d->len);
			return -EINVAL;
		}
		from = (const char *)os->status + d->offset;
		break;
	default:
		return -EINVAL;
	}
	/* The LWK may be writing there: a snapshot, byte for byte. */
	memcpy(r->out, from, d->len);
	r->out_len = d->len;
	return d->len;
}

/* How many of the cores in sent carry request seq in their nmi slot. */
static u32 answered(const struct lwkb_core_dump *cd, const unsigned long *sent,
		    u32 nr, u64 seq)
{
	u32 i, n = 0;

	for (i = 0; i < nr; i++)
		n += test_bit(i, sent) && smp_load_acquire(&cd[i].nmi.seq) == seq;
	return n;
}

/*
 * An NMI (delivery mode NMI, SDM vol. 3A, "Interrupt Command Register") to
 * every core that said its NMI gate is in place; each saves its registers
 * and goes on.  Only while the instance is RUNNING or HUNGUP (or FREEZING
 * or FROZEN: a frozen core waits with its NMI gate in place, and goes on
 * waiting): its cores are then the LWK's and set up.  A PANIC instance has
 * saved its cores itself (the faulting core NMIs the others), and the host
 * does not NMI an LWK whose IDT it cannot vouch for: on bare metal a core's
 * triple fault may reset the machine.  Waits up to timeout_ms for the cores
 * it sent to; one that does not answer keeps its older save, and the caller
 * says so.
 */
long lwkb_os_dump_nmi(struct lwkb_os *os, struct lwkb_dump_nmi *n)
{
	unsigned long *sent;
	const struct lwkb_core_dump *cd;
	unsigned long until;
	int st = lwkb_os_status(os), ret = may_dump(os);
	u32 i;

	if (ret)
		return ret;
	if (!n->timeout_ms || n->timeout_ms > LWKB_DUMP_NMI_MAX_MS) {
		pr_err_ratelimited("dump: an NMI timeout of %u ms: want 1 to %u\n",
				   n->timeout_ms, LWKB_DUMP_NMI_MAX_MS);
		return -EINVAL;
	}
	if (!os->booted || !os->last.valid ||
	    (st != LWKB_STATUS_RUNNING && st != LWKB_STATUS_HUNGUP &&
	     st != LWKB_STATUS_FREEZING && st != LWKB_STATUS_FROZEN)) {
		dev_err_ratelimited(os->dev,
				    "dump: a register snapshot needs a RUNNING, FROZEN or HUNGUP instance\n");
		return -EINVAL;
	}
	sent = bitmap_zalloc(os->nr_cores, GFP_KERNEL);
	if (!sent)
		return -ENOMEM;
	cd = (const void *)(os->status + 1);
	n->seq = ++os->dump_seq;
	n->sent = 0;
	smp_store_release(&os->status->dump_req, n->seq);
	for (i = 0; i < os->nr_cores; i++)
		if (READ_ONCE(cd[i].nmi_ready) == 1 &&
		    !lwkb_send_ipi(APIC_DM_NMI | APIC_INT_ASSERT, os->apic_ids[i])) {
			__set_bit(i, sent);
			n->sent++;
		}
	until = jiffies + msecs_to_jiffies(n->timeout_ms);
	while ((n->answered = answered(cd, sent, os->nr_cores, n->seq)) < n->sent &&
	       time_before(jiffies, until) && !fatal_signal_pending(current))
		usleep_range(500, 1000);
	bitmap_free(sent);
	return 0;
}
