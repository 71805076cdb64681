// SPDX-License-Identifier: GPL-2.0
/*
 * One ioctl's arguments.  Everything the caller passes is copied in before
 * lwkb_lock is taken, and every result is copied out after it is dropped:
 * a page fault on a user buffer can last as long as the caller likes
 * (userfaultfd, a FUSE-backed mapping), and under the global lock it would
 * stall every other caller, the watchdog and the reboot notifier.  The
 * operations themselves (main.c, os.c) see kernel copies only.  Nothing
 * here is large on the stack: lists, sets and maps are on the heap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "lwkboot.h"

#define MAX_MEM_ENTS	1024

/* r->in as memdup_user() left it: kept, or the error (and r->in NULL). */
static int keep_in(struct lwkb_req *r)
{
	int ret;

	if (!IS_ERR(r->in))
		return 0;
	ret = PTR_ERR(r->in);
	r->in = NULL;
	return ret;
}

/* A memory list's entries (reserve, release, assign): at most 1024. */
static int mem_list_in(struct lwkb_req *r)
{
	struct lwkb_mem_list *ml = &r->a.ml;

	if (ml->nr > MAX_MEM_ENTS) {
		pr_err("a memory list of %u entries: at most %d\n", ml->nr, MAX_MEM_ENTS);
		return -EINVAL;
	}
	if (!ml->nr)
		return 0;	/* "all" */
	r->in = memdup_user(u64_to_user_ptr(ml->ents), ml->nr * sizeof(struct lwkb_mem_ent));
	return keep_in(r);
}

/*
 * A CPU set (1 KiB, LWKB_MAX_CPUS bits) is the argument itself, not in
 * r->a: copied into r->in, or answered from r->out, on the heap.
 */
static bool is_cpuset_cmd(unsigned int cmd)
{
	switch (cmd) {
	case LWKB_RESERVE_CPU:
	case LWKB_QUERY_CPU:
	case LWKB_RELEASE_CPU:
	case LWKB_OS_ASSIGN_CPU:
	case LWKB_OS_QUERY_CPU:
	case LWKB_OS_RELEASE_CPU:
		return true;
	default:
		return false;
	}
}

static int cpuset_in(struct lwkb_req *r)
{
	if (_IOC_DIR(r->cmd) & _IOC_WRITE) {
		r->in = memdup_user(r->uarg, sizeof(struct lwkb_cpuset));
		return keep_in(r);
	}
	r->out_uaddr = (u64)(unsigned long)r->uarg;
	r->out = kzalloc(sizeof(struct lwkb_cpuset), GFP_KERNEL);
	return r->out ? 0 : -ENOMEM;
}

/*
 * An IKC map: setting copies nr entries (at most LWKB_MAX_CPUS, 32 KiB);
 * getting makes room for the caller's count, at most nr_cpu_ids.
 */
static int ikc_list_in(struct lwkb_req *r)
{
	struct lwkb_ikc_list *il = &r->a.il;

	if (r->cmd == LWKB_OS_GET_IKC_MAP) {
		il->nr = min_t(u32, il->nr, nr_cpu_ids);
		r->out_uaddr = il->dst;
		if (!il->nr)
			return 0;
		r->out = kvmalloc_array(il->nr, sizeof(s32), GFP_KERNEL);
		return r->out ? 0 : -ENOMEM;
	}
	if (il->nr > LWKB_MAX_CPUS) {
		pr_err("an IKC map of %u entries: at most %d\n", il->nr, LWKB_MAX_CPUS);
		return -EINVAL;
	}
	if (!il->nr)
		return 0;	/* no destination for any CPU */
	r->in = vmemdup_user(u64_to_user_ptr(il->dst), (size_t)il->nr * sizeof(s32));
	return keep_in(r);
}

/* Room for a query's answer: the caller's count, at most 1024 entries. */
static int query_mem_room(struct lwkb_req *r)
{
	struct lwkb_mem_list *ml = &r->a.ml;

	ml->nr = min_t(u32, ml->nr, MAX_MEM_ENTS);
	r->out_uaddr = ml->ents;
	if (!ml->nr)
		return 0;
	r->out = kcalloc(ml->nr, sizeof(struct lwkb_mem_ent), GFP_KERNEL);
	return r->out ? 0 : -ENOMEM;
}

/* A checked user buffer into vmalloc'ed memory (r->in, freed with the request). */
static int buf_copy_in(struct lwkb_req *r, const struct lwkb_buf *b)
{
	r->in = vmalloc(b->len);
	if (!r->in)
		return -ENOMEM;
	if (copy_from_user(r->in, u64_to_user_ptr(b->addr), b->len))
		return -EFAULT;
	return 0;
}

/* The image: 1 byte to 64 MiB, into vmalloc'ed memory the instance keeps. */
static int image_in(struct lwkb_req *r)
{
	const struct lwkb_buf *b = &r->a.buf;

	if (!b->len || b->len > LWKB_MAX_IMAGE_SIZE) {
		pr_err("an image of %llu bytes: want 1 to %lu\n", b->len, LWKB_MAX_IMAGE_SIZE);
		return -EINVAL;
	}
	return buf_copy_in(r, b);
}

/* An initrd: 0 (none) to LWKB_MAX_INITRD_SIZE bytes, vmalloc'ed. */
static int initrd_in(struct lwkb_req *r)
{
	const struct lwkb_buf *b = &r->a.buf;

	if (b->len > LWKB_MAX_INITRD_SIZE) {
		pr_err("an initrd of %llu bytes: at most %llu\n", b->len, LWKB_MAX_INITRD_SIZE);
		return -EINVAL;
	}
	if (!b->len)
		return 0;
	return buf_copy_in(r, b);
}

/* Kernel arguments: shorter than LWKB_KARGS_SIZE, no NUL inside. */
static int kargs_in(struct lwkb_req *r)
{
	const struct lwkb_buf *b = &r->a.buf;
	int ret;

	if (b->len >= LWKB_KARGS_SIZE) {
		pr_err("kernel arguments of %llu bytes, at most %d\n", b->len,
		       LWKB_KARGS_SIZE - 1);
		return -EINVAL;	/* IHK 1.2.2.15 */
	}
	r->in = memdup_user_nul(u64_to_user_ptr(b->addr), b->len);
	ret = keep_in(r);
	if (ret)
		return ret;
	return strlen(r->in) == b->len ? 0 : -EINVAL;
}

/* Room for kmsg bytes: the caller's length, at most the ring. */
static int kmsg_room(struct lwkb_req *r)
{
	struct lwkb_kmsg_read *kr = &r->a.kr;

	kr->len = min_t(u64, kr->len, LWKB_KMSG_AREA);
	r->out_uaddr = kr->addr;
	if (!kr->len)
		return 0;
	r->out = kvmalloc(kr->len, GFP_KERNEL);
	return r->out ? 0 : -ENOMEM;
}

/* Room for the dump's core and chunk lists: the caller's counts, at most what a boot has. */
static int dump_info_room(struct lwkb_req *r)
{
	struct lwkb_dump_info *d = &r->a.dinfo;

	d->nr_cores = min_t(u32, d->nr_cores, LWKB_MAX_CORES);
	d->nr_chunks = min_t(u32, d->nr_chunks, LWKB_MAX_CHUNKS);
	r->out_uaddr = d->cores;
	r->out2_uaddr = d->chunks;
	if (d->nr_cores) {
		r->out = kvcalloc(d->nr_cores, sizeof(struct lwkb_core), GFP_KERNEL);
		if (!r->out)
			return -ENOMEM;
	}
	if (d->nr_chunks) {
		r->out2 = kvcalloc(d->nr_chunks, sizeof(struct lwkb_mem_chunk), GFP_KERNEL);
		if (!r->out2)
			return -ENOMEM;
	}
	return 0;
}

/* Room for a dump read: 1 byte to LWKB_DUMP_READ_MAX. */
static int dump_read_room(struct lwkb_req *r)
{
	struct lwkb_dump_read *d = &r->a.dread;

	if (!d->len || d->len > LWKB_DUMP_READ_MAX) {
		pr_err_ratelimited("dump: a read of %llu bytes: want 1 to %llu\n", d->len,
				   LWKB_DUMP_READ_MAX);
		return -EINVAL;
	}
	r->out_uaddr = d->addr;
	r->out = kvmalloc(d->len, GFP_KERNEL_ACCOUNT);
	return r->out ? 0 : -ENOMEM;
}

/*
 * on_os: the request came on /dev/mcosN, whose requests are numbered from
 * 0x20 (include/lwkboot/ioctl.h); /dev/mcd0's are below.  A request for the
 * other device is -ENOTTY before anything is copied.
 */
int lwkb_req_in(struct lwkb_req *r, bool on_os)
{
	size_t size = _IOC_SIZE(r->cmd);

	if (_IOC_TYPE(r->cmd) != LWKB_IOC_TYPE || (_IOC_NR(r->cmd) >= 0x20) != on_os)
		return -ENOTTY;
	if (is_cpuset_cmd(r->cmd))
		return cpuset_in(r);
	if (size > sizeof(r->a))
		return -ENOTTY;
	if ((_IOC_DIR(r->cmd) & _IOC_WRITE) && copy_from_user(&r->a, r->uarg, size))
		return -EFAULT;
	switch (r->cmd) {
	case LWKB_RESERVE_MEM:
	case LWKB_RELEASE_MEM:
	case LWKB_OS_ASSIGN_MEM:
	case LWKB_OS_RELEASE_MEM:
		return mem_list_in(r);
	case LWKB_QUERY_MEM:
	case LWKB_OS_QUERY_MEM:
		return query_mem_room(r);
	case LWKB_OS_SET_IKC_MAP:
	case LWKB_OS_GET_IKC_MAP:
		return ikc_list_in(r);
	case LWKB_OS_LOAD:
		return image_in(r);
	case LWKB_OS_LOAD_INITRD:
		return initrd_in(r);
	case LWKB_OS_KARGS:
		return kargs_in(r);
	case LWKB_OS_KMSG:
		return kmsg_room(r);
	case LWKB_OS_DUMP_INFO:
		return dump_info_room(r);
	case LWKB_OS_DUMP_READ:
		return dump_read_room(r);
	default:
		return 0;
	}
}

int lwkb_req_out(struct lwkb_req *r)
{
	if (r->out_len && copy_to_user(u64_to_user_ptr(r->out_uaddr), r->out, r->out_len))
		return -EFAULT;
	if (r->out2_len && copy_to_user(u64_to_user_ptr(r->out2_uaddr), r->out2, r->out2_len))
		return -EFAULT;
	if ((_IOC_DIR(r->cmd) & _IOC_READ) && !is_cpuset_cmd(r->cmd) &&
	    copy_to_user(r->uarg, &r->a, _IOC_SIZE(r->cmd)))
		return -EFAULT;
	return 0;
}

void lwkb_req_free(struct lwkb_req *r)
{
	kvfree(r->in);
	kvfree(r->out);
	kvfree(r->out2);
}
