// SPDX-License-Identifier: GPL-2.0
/*
 * OS instances (IHK spec 1.2.2): create and destroy, assignment of reserved
 * CPUs and memory, image, kernel arguments, IKC map, status, kmsg, and the
 * ioctls of /dev/mcosN.  Boot and shutdown are in os_boot.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "lwkboot.h"
#include "lwkboot/ikc.h"

#define MAX_IMAGE_SIZE	(64UL << 20)

/*
 * The status word is the LWK's to write: a value outside the enum (it
 * would reach user space as a negative errno) means the LWK is broken.
 */
int lwkb_os_status(struct lwkb_os *os)
{
	u32 st;

	if (!os->booted)
		return LWKB_STATUS_INACTIVE;
	st = READ_ONCE(os->status->status);
	return st < LWKB_STATUS_NR ? st : LWKB_STATUS_PANIC;
}

/* The instance's lowest chunk: the image goes there. */
struct lwkb_chunk *lwkb_first_chunk(struct lwkb_os *os)
{
	struct lwkb_chunk *c, *best = NULL;

	list_for_each_entry(c, &lwkb_chunks, list)
		if (c->os == os->index && (!best || c->start < best->start))
			best = c;
	return best;
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
	os->ikc = kvmalloc(sizeof(*os->ikc), GFP_KERNEL);
	os->kargs = kzalloc(LWKB_KARGS_SIZE, GFP_KERNEL);
	if (!os->ikc || !os->kargs || !zalloc_cpumask_var(&os->cpus, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto fail;
	}
	memset(os->ikc->dst, 0xff, sizeof(os->ikc->dst));
	mutex_init(&os->ikc_lock);
	ret = lwkb_os_device_add(os);
	if (ret)
		goto fail;
	lwkb_oses[i] = os;
	return i;
fail:
	free_cpumask_var(os->cpus);
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
	os = lwkb_oses[index];
	if (os->booted) {
		pr_err("os%d is booted: shut it down first\n", index);
		return -EBUSY;
	}
	if (os->opens) {
		pr_err("os%d: /dev/mcos%d is open (%d times)\n", index, index, os->opens);
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
		lwkb_free_pages(os->status_page, 0);
	if (os->ikc_page)
		lwkb_free_pages(os->ikc_page, get_order(LWKB_IKC_AREA_SIZE));
	vfree(os->image);
	kfree(os->kargs);
	kvfree(os->ikc);
	kfree(os);
	return 0;
}

static long os_load(struct lwkb_os *os, const struct lwkb_buf *b)
{
	struct lwkb_chunk *img = lwkb_first_chunk(os);
	struct lwkb_elf_info ei;
	char err[160];
	void *buf;

	int ret;

	if (os->booted)
		return -EBUSY;
	ret = lwkb_check_lockdown(os);
	if (ret)
		return ret;
	if (!b->len || b->len > MAX_IMAGE_SIZE) {
		pr_err("os%d: image of %llu bytes: want 1 to %lu\n", os->index, b->len,
		       MAX_IMAGE_SIZE);
		return -EINVAL;
	}
	if (!img) {
		pr_err("os%d: assign memory before loading an image\n", os->index);
		return -EINVAL;
	}
	buf = vmalloc(b->len);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, u64_to_user_ptr(b->addr), b->len)) {
		vfree(buf);
		return -EFAULT;
	}
	/* Refuse an image whose segments would not fit, before keeping it. */
	if (lwkb_elf_check(buf, b->len, img->size, &ei, err, sizeof(err))) {
		pr_err("os%d: invalid image: %s\n", os->index, err);
		vfree(buf);
		return -EINVAL;	/* IHK 1.2.2.14 */
	}
	vfree(os->image);
	os->image = buf;
	os->image_size = b->len;
	return 0;
}

static long os_kargs(struct lwkb_os *os, const struct lwkb_buf *b)
{
	char *k;

	if (os->booted)
		return -EBUSY;
	if (b->len >= LWKB_KARGS_SIZE) {
		pr_err("os%d: kernel arguments of %llu bytes, at most %d\n",
		       os->index, b->len, LWKB_KARGS_SIZE - 1);
		return -EINVAL;	/* IHK 1.2.2.15 */
	}
	/* Copy first: a bad buffer leaves the old arguments as they were. */
	k = memdup_user_nul(u64_to_user_ptr(b->addr), b->len);
	if (IS_ERR(k))
		return PTR_ERR(k);
	if (strlen(k) != b->len) {
		kfree(k);
		return -EINVAL;		/* a NUL inside */
	}
	memset(os->kargs, 0, LWKB_KARGS_SIZE);
	memcpy(os->kargs, k, b->len);
	kfree(k);
	return 0;
}

/* Reads kmsg from r->pos (0: from the last clear); survives shutdown. */
static long os_kmsg(struct lwkb_os *os, struct lwkb_kmsg_read *r)
{
	size_t n;
	char *buf;

	r->lost = 0;
	if (!os->kmsg)
		return 0;
	buf = kvmalloc(LWKB_KMSG_AREA, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	/* The ring's size is ours (LWKB_KMSG_AREA), not the header's. */
	n = lwkb_kmsg_read(os->kmsg, LWKB_KMSG_AREA, &r->pos, buf,
			   min_t(u64, r->len, LWKB_KMSG_AREA), &r->lost);
	if (copy_to_user(u64_to_user_ptr(r->addr), buf, n)) {
		kvfree(buf);
		return -EFAULT;
	}
	kvfree(buf);
	return n;
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
			pr_err("os%d: CPU %u is not assigned to it\n", os->index, cpu);
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

long lwkb_os_ioctl(struct lwkb_os *os, unsigned int cmd, void __user *arg)
{
	struct lwkb_cpuset set;
	struct lwkb_mem_list ml;
	struct lwkb_mem_ent *ents = NULL;
	struct lwkb_buf b;
	cpumask_var_t mask;
	unsigned int cpu;
	long ret = 0;
	u64 v;

	switch (cmd) {
	case LWKB_OS_ASSIGN_CPU:
	case LWKB_OS_RELEASE_CPU:
		if (copy_from_user(&set, arg, sizeof(set)))
			return -EFAULT;
		if (os->booted)
			return -EBUSY;
		if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
			return -ENOMEM;
		ret = lwkb_cpuset_to_mask(&set, mask);
		if (!ret)
			ret = cmd == LWKB_OS_ASSIGN_CPU ? assign_cpus(os, mask)
							: release_cpus(os, mask);
		free_cpumask_var(mask);
		return ret;
	case LWKB_OS_QUERY_CPU:
		lwkb_mask_to_cpuset(os->cpus, &set);
		return copy_to_user(arg, &set, sizeof(set)) ? -EFAULT : 0;
	case LWKB_OS_ASSIGN_MEM:
	case LWKB_OS_RELEASE_MEM:
		if (os->booted)
			return -EBUSY;
		ret = lwkb_copy_mem_list(arg, &ml, &ents);
		if (ret)
			return ret;
		if (cmd == LWKB_OS_ASSIGN_MEM)
			ret = lwkb_assign_mem(ents, ml.nr, os->index);
		else
			ret = lwkb_release_mem(ents, ml.nr, os->index);
		kfree(ents);
		return ret;
	case LWKB_OS_QUERY_MEM:
		if (copy_from_user(&ml, arg, sizeof(ml)))
			return -EFAULT;
		ret = lwkb_query_mem(os->index, u64_to_user_ptr(ml.ents), ml.nr,
				     &ml.nr, &ml.total);
		if (!ret && copy_to_user(arg, &ml, sizeof(ml)))
			ret = -EFAULT;
		return ret;
	case LWKB_OS_SET_IKC_MAP:
		if (os->booted)
			return -EBUSY;
		{
			struct lwkb_ikc_map *m = vmemdup_user(arg, sizeof(*m));

			if (IS_ERR(m))
				return PTR_ERR(m);
			for (cpu = 0; cpu < LWKB_MAX_CPUS && !ret; cpu++)
				if (m->dst[cpu] >= 0 && (m->dst[cpu] >= nr_cpu_ids ||
				    !cpu_present(m->dst[cpu]) ||
				    cpumask_test_cpu(m->dst[cpu], lwkb_reserved_cpus))) {
					pr_err("IKC destination CPU %d is not a Linux CPU\n",
					       m->dst[cpu]);
					ret = -EINVAL;
				}
			if (!ret)
				memcpy(os->ikc, m, sizeof(*m));
			kvfree(m);
		}
		return ret;
	case LWKB_OS_GET_IKC_MAP:
		return copy_to_user(arg, os->ikc, sizeof(*os->ikc)) ? -EFAULT : 0;
	case LWKB_OS_LOAD:
		if (copy_from_user(&b, arg, sizeof(b)))
			return -EFAULT;
		return os_load(os, &b);
	case LWKB_OS_KARGS:
		if (copy_from_user(&b, arg, sizeof(b)))
			return -EFAULT;
		return os_kargs(os, &b);
	case LWKB_OS_BOOT:
		return lwkb_os_boot(os);
	case LWKB_OS_STATUS:
		return lwkb_os_status(os);
	case LWKB_OS_STATUS_INFO: {
		struct lwkb_os_info info;

		os_info(os, &info);
		return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	case LWKB_OS_KMSG: {
		struct lwkb_kmsg_read r;

		if (copy_from_user(&r, arg, sizeof(r)))
			return -EFAULT;
		ret = os_kmsg(os, &r);
		if (ret >= 0 && copy_to_user(arg, &r, sizeof(r)))
			ret = -EFAULT;
		return ret;
	}
	case LWKB_OS_EVENTFD: {
		s32 fd;
		struct eventfd_ctx *ctx = NULL;

		if (copy_from_user(&fd, arg, sizeof(fd)))
			return -EFAULT;
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
	case LWKB_OS_CLEAR_KMSG:
		if (os->kmsg)
			WRITE_ONCE(os->kmsg->cleared, READ_ONCE(os->kmsg->tail));
		return 0;
	case LWKB_OS_SHUTDOWN: {
		u32 flags;

		if (copy_from_user(&flags, arg, sizeof(flags)))
			return -EFAULT;
		if (flags & ~LWKB_SHUTDOWN_FORCE)
			return -EINVAL;
		if (!os->booted)
			return -EINVAL;
		lwkb_os_shutdown(os, flags & LWKB_SHUTDOWN_FORCE);
		return 0;
	}
	case LWKB_OS_QUERY_FREE_MEM:
		v = os_free_mem(os);
		return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}
