// SPDX-License-Identifier: GPL-2.0
/*
 * OS instances (IHK spec 1.2.2): create and destroy, assignment of reserved
 * CPUs and memory, image, kernel arguments, IKC map, status, kmsg, freeze
 * and thaw, and the ioctls of /dev/mcosN.  Boot is in os_boot.c (with
 * boot_host.c), shutdown in os_shutdown.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "lwkboot.h"
#include "lwkboot/ikc.h"

/*
 * The status word is the LWK's to write: a value outside the enum (it
 * would reach user space as a negative errno) means the LWK is broken.
 * Every read that finds RUNNING is remembered for the watchdog (watch.c
 * must_beat(): an LWK that goes back must still beat), whoever reads it:
 * a status query or a freeze may see RUNNING between two watchdog rounds.
 * Called under lwkb_lock.
 */
int lwkb_os_status(struct lwkb_os *os)
{
	u32 st;

	if (!os->booted)
		return LWKB_STATUS_INACTIVE;
	st = READ_ONCE(os->status->status);
	if (st == LWKB_STATUS_RUNNING)
		os->was_running = true;
	return st < LWKB_STATUS_NR ? st : LWKB_STATUS_PANIC;
}

/*
 * The instance's largest chunk (the lowest of equals): the image goes
 * there, and the co-kernel library allocates from it.  Reserve takes 4 MiB
 * blocks, so on fragmented memory the lowest chunk may be one block.
 */
struct lwkb_chunk *lwkb_first_chunk(struct lwkb_os *os)
{
	struct lwkb_chunk *c, *best = NULL;

	list_for_each_entry(c, &lwkb_chunks, list)
		if (c->os == os->index &&
		    (!best || c->size > best->size ||
		     (c->size == best->size && c->start < best->start)))
			best = c;
	return best;
}

/* The memory chunks assigned to the instance. */
u32 lwkb_os_nr_chunks(struct lwkb_os *os)
{
	struct lwkb_chunk *c;
	u32 n = 0;

	list_for_each_entry(c, &lwkb_chunks, list)
		n += c->os == os->index;
	return n;
}

int lwkb_os_create(void)
{
	struct lwkb_os *os;
	int i, ret;

	for (i = 0; i < LWKB_MAX_OS && lwkb_oses[i]; i++)
		;
	if (i == LWKB_MAX_OS)
		return -ENOSPC;
	os = kzalloc(sizeof(*os), GFP_KERNEL);
	if (!os)
		return -ENOMEM;
	os->index = i;
	os->ikc = kvmalloc_array(nr_cpu_ids, sizeof(*os->ikc), GFP_KERNEL);
	os->kargs = kzalloc(LWKB_KARGS_SIZE, GFP_KERNEL);
	os->apic_ids = kvcalloc(3 * (size_t)nr_cpu_ids, sizeof(u32), GFP_KERNEL);
	if (!os->ikc || !os->kargs || !os->apic_ids ||
	    !zalloc_cpumask_var(&os->cpus, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto fail;
	}
	os->host_cpus = os->apic_ids + nr_cpu_ids;
	os->core_numa = os->host_cpus + nr_cpu_ids;
	memset(os->ikc, 0xff, nr_cpu_ids * sizeof(*os->ikc));
	mutex_init(&os->ikc_lock);
	ret = lwkb_os_device_add(os);
	if (ret)
		goto fail;
	lwkb_oses[i] = os;
	return i;
fail:
	free_cpumask_var(os->cpus);
	kvfree(os->apic_ids);
	kfree(os->kargs);
	kvfree(os->ikc);
	kfree(os);
	return ret;
}

int lwkb_os_destroy(int index)
{
	struct lwkb_os *os;

	if (index < 0 || index >= LWKB_MAX_OS || !lwkb_oses[index])
		return -ENOENT;
	/* The reboot notifier may walk the instances without the lock. */
	if (READ_ONCE(lwkb_going_down))
		return -ESHUTDOWN;
	os = lwkb_oses[index];
	if (os->booted) {
		dev_err(os->dev, "is booted: shut it down first\n");
		return -EBUSY;
	}
	if (atomic_read(&os->opens)) {
		dev_err(os->dev, "/dev/mcos%d is open (%d times)\n", index,
			atomic_read(&os->opens));
		return -EBUSY;
	}
	lwkb_os_device_del(os);
	lwkb_oses[index] = NULL;
	if (os->eventfd)
		eventfd_ctx_put(os->eventfd);
	lwkb_release_mem(NULL, 0, index);	/* back to the pool */
	free_cpumask_var(os->cpus);
	if (os->kmsg_page)
		lwkb_free_pages(os->kmsg_page, LWKB_KMSG_ORDER);
	if (os->status_page)
		lwkb_free_pages(os->status_page, os->status_order);
	if (os->ikc_page)
		lwkb_free_pages(os->ikc_page, get_order(LWKB_IKC_AREA_SIZE));
	vfree(os->image);
	vfree(os->initrd);
	kvfree(os->last.chunks);
	kvfree(os->apic_ids);
	kfree(os->kargs);
	kvfree(os->ikc);
	kfree(os);
	return 0;
}

/* The largest run of the instance's adjacent chunks (a bzImage needs init_size in one). */
static u64 largest_run(struct lwkb_os *os)
{
	struct lwkb_lx_range r[64];
	struct lwkb_chunk *c;
	u32 n = 0;

	list_for_each_entry(c, &lwkb_chunks, list)
		if (c->os == os->index && n < ARRAY_SIZE(r))
			r[n++] = (struct lwkb_lx_range){ c->start, c->start + c->size };
	return lwkb_lx_largest_run(r, n);
}

/*
 * The image was copied in (req.c); the instance keeps it if it fits: an
 * ELF co-kernel, or a Linux bzImage (loader/linux.c).  A new image drops
 * the old one's initrd.
 */
static long os_load(struct lwkb_os *os, struct lwkb_req *r)
{
	struct lwkb_chunk *img = lwkb_first_chunk(os);
	struct lwkb_elf_info ei;
	struct lwkb_bz_info bz;
	bool is_bz;
	char err[200];
	int ret;

	ret = lwkb_may_take_code(os);
	if (ret)
		return ret;
	if (!img) {
		dev_err(os->dev, "assign memory before loading an image\n");
		return -EINVAL;
	}
	/* Refuse an image that would not fit, before keeping it. */
	is_bz = lwkb_bz_probe(r->in, r->a.buf.len);
	if (is_bz)
		ret = lwkb_bz_check(r->in, r->a.buf.len, largest_run(os), &bz, err, sizeof(err));
	else
		ret = lwkb_elf_check(r->in, r->a.buf.len, img->size, &ei, err, sizeof(err)) ||
			lwkb_elf_check_contract(r->in, r->a.buf.len, err, sizeof(err));
	if (ret) {
		dev_err(os->dev, "invalid image: %s\n", err);
		return -EINVAL;	/* IHK 1.2.2.14 */
	}
	vfree(os->image);
	vfree(os->initrd);
	os->initrd = NULL;
	os->initrd_size = 0;
	os->image = r->in;
	os->image_size = r->a.buf.len;
	os->is_linux = is_bz;
	r->in = NULL;
	return 0;
}

/* The initrd of a loaded bzImage (copied in by req.c); len 0 drops it. */
static long os_load_initrd(struct lwkb_os *os, struct lwkb_req *r)
{
	int ret = lwkb_may_take_code(os);

	if (ret)
		return ret;
	if (!os->image || !os->is_linux) {
		dev_err(os->dev, "an initrd needs a Linux bzImage loaded first\n");
		return -EINVAL;
	}
	vfree(os->initrd);
	os->initrd = r->in;
	os->initrd_size = r->a.buf.len;
	r->in = NULL;
	return 0;
}

/* The arguments were copied in and checked (req.c): a bad buffer changed nothing. */
static long os_kargs(struct lwkb_os *os, struct lwkb_req *r)
{
	if (os->booted)
		return -EBUSY;
	memset(os->kargs, 0, LWKB_KARGS_SIZE);
	memcpy(os->kargs, r->in, r->a.buf.len);
	return 0;
}

/* Reads kmsg from r->pos (0: from the last clear); survives shutdown. */
static long os_kmsg(struct lwkb_os *os, struct lwkb_req *r)
{
	struct lwkb_kmsg_read *kr = &r->a.kr;

	kr->lost = 0;
	if (!os->kmsg || !r->out)
		return 0;
	/* The ring's size is ours (LWKB_KMSG_AREA), not the header's. */
	r->out_len = lwkb_kmsg_read(os->kmsg, LWKB_KMSG_AREA, &kr->pos, r->out, kr->len,
				    &kr->lost);
	return r->out_len;
}

/*
 * Reserved, offline (checked under the hotplug lock) and nobody else's:
 * all of them or none.
 */
static int assign_cpus(struct lwkb_os *os, const struct cpumask *mask)
{
	unsigned int cpu;
	int ret = 0;

	if (cpumask_empty(mask))
		return -EINVAL;
	cpus_read_lock();
	for_each_cpu(cpu, mask) {
		if (!cpumask_test_cpu(cpu, lwkb_reserved_cpus)) {
			pr_err("CPU %u is not reserved\n", cpu);
			ret = -EINVAL;
		} else if (cpu_online(cpu)) {
			pr_err("CPU %u is reserved but online: release and reserve it again\n", cpu);
			ret = -EBUSY;
		} else if (!cpu_present(cpu)) {
			pr_err("CPU %u is no longer present: release it\n", cpu);
			ret = -ENODEV;
		} else if (lwkb_cpu_owner(cpu) >= 0) {
			pr_err("CPU %u is assigned to os%d\n", cpu, lwkb_cpu_owner(cpu));
			ret = -EBUSY;
		}
		if (ret)
			break;
	}
	cpus_read_unlock();
	if (!ret)
		cpumask_or(os->cpus, os->cpus, mask);
	return ret;
}

static int release_cpus(struct lwkb_os *os, const struct cpumask *mask)
{
	unsigned int cpu;

	if (cpumask_empty(mask))
		return -EINVAL;
	for_each_cpu(cpu, mask)
		if (!cpumask_test_cpu(cpu, os->cpus)) {
			dev_err(os->dev, "CPU %u is not assigned to it\n", cpu);
			return -EINVAL;
		}
	cpumask_andnot(os->cpus, os->cpus, mask);
	return 0;
}

/* The status page's figures; zeros before the first boot. */
static void os_info(struct lwkb_os *os, struct lwkb_os_info *info)
{
	struct lwkb_status_page *st = os->status;

	memset(info, 0, sizeof(*info));
	info->status = lwkb_os_status(os);
	info->nr_cores = os->booted ? os->nr_cores : 0;
	info->panic_vector = 0xffffffff;
	if (!st)
		return;
	info->cores_up = READ_ONCE(st->cores_up);
	info->cores_parked = READ_ONCE(st->cores_parked);
	info->heartbeat = READ_ONCE(st->heartbeat);
	info->stray_irqs = READ_ONCE(st->stray_irqs);
	info->stray_vector = READ_ONCE(st->stray_vector);
	info->nmis = READ_ONCE(st->nmis);
	info->panic_core = READ_ONCE(st->panic_core);
	info->panic_vector = READ_ONCE(st->panic_vector);
	info->cores_frozen = READ_ONCE(st->cores_frozen);
}

static u64 os_free_mem(struct lwkb_os *os)
{
	struct lwkb_chunk *c;
	u64 sum = 0;

	list_for_each_entry(c, &lwkb_chunks, list)
		if (c->os == os->index)
			sum += c->size;
	return sum;
}

static long os_cpus(struct lwkb_os *os, struct lwkb_req *r)
{
	cpumask_var_t mask;
	long ret;

	if (os->booted)
		return -EBUSY;
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	ret = lwkb_cpuset_to_mask(r->in, mask);
	if (!ret)
		ret = r->cmd == LWKB_OS_ASSIGN_CPU ? assign_cpus(os, mask) : release_cpus(os, mask);
	free_cpumask_var(mask);
	return ret;
}

/*
 * dst[] (nr entries, req.c's copy) replaces the map.  An entry is -1 or a
 * destination; a CPU with one must be one this kernel can have, and every
 * destination a Linux CPU that is present and not reserved.
 */
static long os_set_ikc_map(struct lwkb_os *os, const s32 *dst, u32 nr)
{
	unsigned int cpu, n = min_t(unsigned int, nr, nr_cpu_ids);

	if (os->booted)
		return -EBUSY;
	for (cpu = 0; cpu < nr; cpu++) {
		s32 d = dst[cpu];

		if (d == -1)
			continue;
		if (cpu >= nr_cpu_ids) {
			pr_err("IKC map: CPU %u does not exist: this kernel's CPUs are 0-%u\n",
			       cpu, nr_cpu_ids - 1);
			return -EINVAL;
		}
		if (d < 0 || d >= nr_cpu_ids || !cpu_present(d) ||
		    cpumask_test_cpu(d, lwkb_reserved_cpus)) {
			pr_err("IKC map: destination %d of CPU %u is not a Linux CPU\n", d, cpu);
			return -EINVAL;
		}
	}
	if (n)
		memcpy(os->ikc, dst, n * sizeof(s32));
	memset(os->ikc + n, 0xff, (nr_cpu_ids - n) * sizeof(s32));
	return 0;
}

static long os_set_eventfd(struct lwkb_os *os, s32 fd)
{
	struct eventfd_ctx *ctx = NULL;

	if (fd >= 0) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	if (os->eventfd)
		eventfd_ctx_put(os->eventfd);
	os->eventfd = ctx;
	return 0;
}

static long os_shutdown(struct lwkb_os *os, u32 flags)
{
	if (flags & ~LWKB_SHUTDOWN_FORCE)
		return -EINVAL;
	if (!os->booted)
		return -EINVAL;
	lwkb_os_shutdown(os, flags & LWKB_SHUTDOWN_FORCE);
	return 0;
}

/*
 * Freeze (IHK spec 1.2.2.32; status.h): asks every core to pause and
 * returns at once.  Whether a freeze is asked is the host's own record
 * (freeze_asked): the LWK can write the status page, so its freeze_req and
 * cores_frozen steer nothing here.
 */
static long os_freeze(struct lwkb_os *os)
{
	int st = lwkb_os_status(os);

	if (st != LWKB_STATUS_RUNNING && st != LWKB_STATUS_FREEZING &&
	    st != LWKB_STATUS_FROZEN)
		return -EINVAL;
	if (st != LWKB_STATUS_RUNNING || os->freeze_asked)
		return -EBUSY;
	if (smp_load_acquire(&os->status->freeze_ready) != 1) {
		dev_err_ratelimited(os->dev, "freeze: the LWK does not honour a freeze request\n");
		return -EOPNOTSUPP;
	}
	os->freeze_asked = true;
	smp_store_release(&os->status->freeze_req, 1);
	dev_dbg(os->dev, "freeze asked\n");
	return 0;
}

/*
 * Thaw (IHK spec 1.2.2.33): the cores go on, or a freeze that has not
 * reached every core (still RUNNING, or FREEZING) is cancelled.  The LWK
 * moves the status word back to RUNNING as its cores leave; the watchdog
 * calls it HUNGUP if its heartbeat does not come back (watch.c).
 */
static long os_thaw(struct lwkb_os *os)
{
	int st = lwkb_os_status(os);

	if (st != LWKB_STATUS_FREEZING && st != LWKB_STATUS_FROZEN &&
	    !(st == LWKB_STATUS_RUNNING && os->freeze_asked))
		return -EINVAL;
	os->freeze_asked = false;
	smp_store_release(&os->status->freeze_req, 0);
	dev_dbg(os->dev, "thaw asked (was %s)\n", lwkb_status_name(st));
	return 0;
}

/* /dev/mcosN.  Under lwkb_lock, on the kernel copies of req.c. */
long lwkb_os_ioctl(struct lwkb_os *os, struct lwkb_req *r)
{
	struct lwkb_mem_list *ml = &r->a.ml;

	switch (r->cmd) {
	case LWKB_OS_ASSIGN_CPU:
	case LWKB_OS_RELEASE_CPU:
		return os_cpus(os, r);
	case LWKB_OS_QUERY_CPU:
		lwkb_mask_to_cpuset(os->cpus, r->out);
		r->out_len = sizeof(struct lwkb_cpuset);
		return 0;
	case LWKB_OS_ASSIGN_MEM:
		return os->booted ? -EBUSY : lwkb_assign_mem(r->in, ml->nr, os->index);
	case LWKB_OS_RELEASE_MEM:
		return os->booted ? -EBUSY : lwkb_release_mem(r->in, ml->nr, os->index);
	case LWKB_OS_QUERY_MEM:
		lwkb_query_mem(os->index, r->out, ml->nr, &ml->nr, &ml->total);
		r->out_len = ml->nr * sizeof(struct lwkb_mem_ent);
		return 0;
	case LWKB_OS_SET_IKC_MAP:
		return os_set_ikc_map(os, r->in, r->a.il.nr);
	case LWKB_OS_GET_IKC_MAP:
		r->a.il.total = nr_cpu_ids;	/* nr: at most this (req.c) */
		r->out_len = r->a.il.nr * sizeof(s32);
		if (r->out_len)
			memcpy(r->out, os->ikc, r->out_len);
		return 0;
	case LWKB_OS_LOAD:
		return os_load(os, r);
	case LWKB_OS_KARGS:
		return os_kargs(os, r);
	case LWKB_OS_LOAD_INITRD:
		return os_load_initrd(os, r);
	case LWKB_OS_BOOT:
		return lwkb_os_boot(os);
	case LWKB_OS_STATUS:
		return lwkb_os_status(os);
	case LWKB_OS_STATUS_INFO:
		os_info(os, &r->a.info);
		return 0;
	case LWKB_OS_KMSG:
		return os_kmsg(os, r);
	case LWKB_OS_EVENTFD:
		return os_set_eventfd(os, r->a.s32v);
	case LWKB_OS_CLEAR_KMSG:
		if (os->kmsg)
			WRITE_ONCE(os->kmsg->cleared, READ_ONCE(os->kmsg->tail));
		return 0;
	case LWKB_OS_SHUTDOWN:
		return os_shutdown(os, r->a.u32v);
	case LWKB_OS_FREEZE:
		return os_freeze(os);
	case LWKB_OS_THAW:
		return os_thaw(os);
	case LWKB_OS_QUERY_FREE_MEM:
		r->a.u64v = os_free_mem(os);
		return 0;
	case LWKB_OS_DUMP_INFO:
		return lwkb_os_dump_info(os, r);
	case LWKB_OS_DUMP_READ:
		return lwkb_os_dump_read(os, r);
	case LWKB_OS_DUMP_NMI:
		return lwkb_os_dump_nmi(os, &r->a.dnmi);
	default:
		return -ENOTTY;
	}
}
