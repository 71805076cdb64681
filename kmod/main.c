// SPDX-License-Identifier: GPL-2.0
/*
 * lwkboot.ko: boots lightweight co-kernels on CPUs and memory taken from
 * Linux.  Device files as IHK's (spec 1.2): /dev/mcd0 for the reserved pool
 * and instance management, /dev/mcosN per OS instance.  The nodes are
 * root-only (devtmpfs creates them 0600); the "owner" parameter lets one
 * more user drive them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/device.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/version.h>
#include <linux/cpuhotplug.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include "lwkboot.h"

/*
 * Parameters an admin can write at run time are range-checked when set:
 * each one bounds a wait under lwkb_lock (or a sum, init_delay_us + 1/8 of
 * it), so no value can stall the module or overflow.
 */
struct lwkb_uint_param {
	unsigned int *val;
	unsigned int min, max;
};

static int lwkb_param_set(const char *s, const struct kernel_param *kp)
{
	const struct lwkb_uint_param *p = kp->arg;
	unsigned int v;
	int ret = kstrtouint(s, 0, &v);

	if (ret)
		return ret;
	if (v < p->min || v > p->max) {
		pr_err("%s=%u: want %u to %u\n", kp->name, v, p->min, p->max);
		return -EINVAL;
	}
	WRITE_ONCE(*p->val, v);
	return 0;
}

static int lwkb_param_get(char *buf, const struct kernel_param *kp)
{
	const struct lwkb_uint_param *p = kp->arg;

	return sysfs_emit(buf, "%u\n", READ_ONCE(*p->val));
}

static const struct kernel_param_ops lwkb_uint_ops = {
	.set = lwkb_param_set,
	.get = lwkb_param_get,
};

#define LWKB_UINT_PARAM(name, perm, lo, hi, desc)				\
	static struct lwkb_uint_param name##_bounds = { &(name), lo, hi };	\
	module_param_cb(name, &lwkb_uint_ops, &name##_bounds, perm);		\
	MODULE_PARM_DESC(name, desc)

/* A build may set the defaults (kmod/Kbuild: LWKB_TRAMP_ADDR, LWKB_TRAMP_PAGES). */
#ifndef LWKB_TRAMP_ADDR_DEFAULT
#define LWKB_TRAMP_ADDR_DEFAULT 0
#endif
#ifndef LWKB_TRAMP_PAGES_DEFAULT
#define LWKB_TRAMP_PAGES_DEFAULT 1
#endif
unsigned long tramp_addr = LWKB_TRAMP_ADDR_DEFAULT;
void *tramp_virt_base;
module_param(tramp_addr, ulong, 0444);
MODULE_PARM_DESC(tramp_addr,
		 "Physical address of the trampoline region below 1 MiB, reserved at boot with memmap=SIZE$ADDR");
unsigned int tramp_pages = LWKB_TRAMP_PAGES_DEFAULT;
LWKB_UINT_PARAM(tramp_pages, 0444, 1, 0xA0000 / PAGE_SIZE,
		"Pages in that region (1-160); instance N uses page N % tramp_pages (default 1)");
unsigned int linux_windows;
LWKB_UINT_PARAM(linux_windows, 0444, 0, 9,
		"64 KiB windows after the trampoline pages, in the same reserved region, for Linux co-kernels' own AP trampolines; instance N uses window N % linux_windows (default 0: no Linux co-kernel)");

/* Instance os's window: tramp_addr + tramp_pages pages + (N % linux_windows) * 64 KiB. */
unsigned long lwkb_linux_window(const struct lwkb_os *os)
{
	return tramp_addr + tramp_pages * PAGE_SIZE +
		(os->index % linux_windows) * LWKB_LINUX_WINDOW;
}
unsigned int init_delay_us = 10000;
LWKB_UINT_PARAM(init_delay_us, 0644, 0, 1000000,
		"Delay between INIT and STARTUP IPI in microseconds (0-1000000, default 10000)");
unsigned int wake_timeout_us;
/* At most 10 s: the wait polls with udelay() under lwkb_lock, and Linux
 * reports a soft lockup after 20 s without a schedule. */
LWKB_UINT_PARAM(wake_timeout_us, 0644, 0, 10000000,
		"How long a boot waits for LWK core 0 to reach its entry after the STARTUP IPIs, in microseconds (0-10000000; 0: the default, 1000000; a small value is a test hook for a core that arrives after the host gave up)");
unsigned int reserve_threads;
LWKB_UINT_PARAM(reserve_threads, 0644, 0, 64,
		"Work items that take one reservation entry's memory at once (0-64; 0: the default, one per online CPU of the node, at most 16; 1: one unit after the other)");
unsigned int hung_ms = 10000;
LWKB_UINT_PARAM(hung_ms, 0644, 0, 86400000,
		"An OS whose heartbeat stops this long while RUNNING is HUNGUP (0: never; at most a day; default 10000)");
unsigned int shutdown_ms = 1000;
LWKB_UINT_PARAM(shutdown_ms, 0644, 0, 60000,
		"How long shutdown waits for the LWK to park its cores before INIT (0-60000, default 1000)");
bool ikc_doorbell = true;
module_param(ikc_doorbell, bool, 0644);
MODULE_PARM_DESC(ikc_doorbell, "Ring the LWK's IKC doorbell (IPI) after each message; off: the LWK finds messages on its 10 ms tick");
static int owner = -1;
module_param(owner, int, 0444);
MODULE_PARM_DESC(owner,
		 "User id that may query and watch (status, kmsg, IKC) besides root; changes need CAP_SYS_ADMIN (default: none)");

DEFINE_MUTEX(lwkb_lock);
bool lwkb_going_down;
struct lwkb_os *lwkb_oses[LWKB_MAX_OS];
cpumask_var_t lwkb_reserved_cpus;
LIST_HEAD(lwkb_chunks);

static int lwkb_hp_state;	/* the dynamic hotplug state of lwkb_cpu_guard */
static dev_t lwkb_devt;
static struct class *lwkb_class;
static struct cdev mcd_cdev;
static struct device *mcd_dev;

/*
 * Who may do what.  Loading and booting a co-kernel runs arbitrary code in
 * ring 0, like kexec, and reserving takes CPUs and memory from Linux: every
 * change needs CAP_SYS_ADMIN.  The owner= user may open the device files
 * and use what only reads or talks to a running LWK (queries, status,
 * kmsg, IKC).  The uid is mapped in the initial namespace, so a user
 * namespace cannot claim it.
 */
static bool is_owner(void)
{
	return owner >= 0 && uid_eq(current_euid(), make_kuid(&init_user_ns, owner));
}

static bool may_open(void)
{
	return capable(CAP_SYS_ADMIN) || is_owner();
}

static bool cmd_reads_only(unsigned int cmd)
{
	switch (cmd) {
	case LWKB_QUERY_CPU:
	case LWKB_QUERY_MEM:
	case LWKB_LIST_OS:
	case LWKB_OS_QUERY_CPU:
	case LWKB_OS_QUERY_MEM:
	case LWKB_OS_GET_IKC_MAP:
	case LWKB_OS_STATUS:
	case LWKB_OS_STATUS_INFO:
	case LWKB_OS_KMSG:
	case LWKB_OS_QUERY_FREE_MEM:
	case LWKB_OS_IKC_PING:
		return true;
	default:
		return false;
	}
}

static bool may_ioctl(unsigned int cmd)
{
	if (capable(CAP_SYS_ADMIN))
		return true;
	return cmd_reads_only(cmd) && is_owner();
}

/* /dev/mcd0: the pool and the instances.  Under lwkb_lock, on kernel copies. */
static long mcd_cpus(struct lwkb_req *r)
{
	cpumask_var_t mask;
	long ret;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	ret = lwkb_cpuset_to_mask(r->in, mask);
	if (!ret)
		ret = r->cmd == LWKB_RESERVE_CPU ? lwkb_reserve_cpus(mask) : lwkb_release_cpus(mask);
	free_cpumask_var(mask);
	return ret;
}

static long mcd_ioctl(struct lwkb_req *r)
{
	struct lwkb_mem_list *ml = &r->a.ml;
	int i;

	switch (r->cmd) {
	case LWKB_RESERVE_CPU:
	case LWKB_RELEASE_CPU:
		return mcd_cpus(r);
	case LWKB_QUERY_CPU:
		lwkb_mask_to_cpuset(lwkb_reserved_cpus, r->out);
		r->out_len = sizeof(struct lwkb_cpuset);
		return 0;
	case LWKB_RESERVE_MEM:
		return lwkb_reserve_mem(r->in, ml->nr);
	case LWKB_RELEASE_MEM:
		return lwkb_release_mem(r->in, ml->nr, -1);
	case LWKB_QUERY_MEM:
		lwkb_query_mem(-1, r->out, ml->nr, &ml->nr, &ml->total);
		r->out_len = ml->nr * sizeof(struct lwkb_mem_ent);
		return 0;
	case LWKB_CREATE_OS:
		if (READ_ONCE(lwkb_going_down))
			return -ESHUTDOWN;
		return lwkb_os_create();
	case LWKB_DESTROY_OS:
		return lwkb_os_destroy(r->a.u32v);
	case LWKB_LIST_OS:
		memset(&r->a.ol, 0, sizeof(r->a.ol));
		for (i = 0; i < LWKB_MAX_OS; i++)
			if (lwkb_oses[i])
				r->a.ol.index[r->a.ol.nr++] = i;
		return 0;
	default:
		return -ENOTTY;
	}
}

static long lwkb_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct lwkb_os *os = f->private_data;	/* NULL for /dev/mcd0 */
	struct lwkb_req *r;
	long ret, out;

	if (!may_ioctl(cmd))
		return -EPERM;
	/*
	 * IKC traffic can take seconds: it runs without the global lock.  The
	 * open file pins the instance (destroy is -EBUSY meanwhile) and
	 * os->ikc_lock keeps one user of the rings at a time.
	 */
	if (os && cmd == LWKB_OS_IKC_PING)
		return lwkb_ikc_ping(os, (void __user *)arg);
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->cmd = cmd;
	r->uarg = (void __user *)arg;
	ret = lwkb_req_in(r, os != NULL);
	if (!ret)
		ret = mutex_lock_killable(&lwkb_lock);
	if (!ret) {
		ret = os ? lwkb_os_ioctl(os, r) : mcd_ioctl(r);
		mutex_unlock(&lwkb_lock);
	}
	if (ret >= 0) {
		out = lwkb_req_out(r);
		if (out)
			ret = out;
	}
	lwkb_req_free(r);
	kfree(r);
	return ret;
}

/*
 * An open /dev/mcosN pins its instance: destroy answers -EBUSY until the
 * last file is closed (IHK spec 1.2.1.16), so no file outlives its instance.
 */
static int lwkb_open(struct inode *inode, struct file *f)
{
	unsigned int minor = iminor(inode);
	int ret = 0;

	if (!may_open())
		return -EPERM;
	f->private_data = NULL;
	if (minor == 0)
		return 0;
	if (mutex_lock_killable(&lwkb_lock))
		return -EINTR;
	if (minor - 1 < LWKB_MAX_OS && lwkb_oses[minor - 1]) {
		f->private_data = lwkb_oses[minor - 1];
		atomic_inc(&lwkb_oses[minor - 1]->opens);
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&lwkb_lock);
	return ret;
}

static int lwkb_release(struct inode *inode, struct file *f)
{
	struct lwkb_os *os = f->private_data;

	/* No lock: a close never waits.  Destroy reads the count under
	 * lwkb_lock, and an open raises it only under that lock. */
	if (os)
		atomic_dec(&os->opens);
	return 0;
}

static const struct file_operations lwkb_fops = {
	.owner = THIS_MODULE,
	.open = lwkb_open,
	.release = lwkb_release,
	.unlocked_ioctl = lwkb_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * The instance's cdev is allocated on its own (cdev_alloc) and freed by its
 * last reference: chrdev_open() holds one while it calls lwkb_open(), which
 * may run after destroy has freed the instance; it then finds no instance
 * at that minor.  An embedded cdev would be freed with the instance under
 * such an open (a use-after-free).
 */
int lwkb_os_device_add(struct lwkb_os *os)
{
	dev_t devt = MKDEV(MAJOR(lwkb_devt), os->index + 1);
	int ret;

	os->cdev = cdev_alloc();
	if (!os->cdev)
		return -ENOMEM;
	os->cdev->ops = &lwkb_fops;
	os->cdev->owner = THIS_MODULE;
	ret = cdev_add(os->cdev, devt, 1);
	if (ret)
		goto put;
	os->dev = device_create(lwkb_class, NULL, devt, NULL, "mcos%d", os->index);
	if (IS_ERR(os->dev)) {
		ret = PTR_ERR(os->dev);
		cdev_del(os->cdev);
		os->cdev = NULL;
		return ret;
	}
	return 0;
put:
	kobject_put(&os->cdev->kobj);
	os->cdev = NULL;
	return ret;
}

void lwkb_os_device_del(struct lwkb_os *os)
{
	device_destroy(lwkb_class, os->cdev->dev);
	cdev_del(os->cdev);	/* freed when the last open file lets go */
	os->cdev = NULL;
}

/*
 * Reboot and kexec (kernel_restart_prepare() and kernel_kexec() call the
 * reboot notifiers): every booted LWK gets INIT first, so none of its cores
 * keeps running, or writing to memory the next kernel owns, when Linux
 * goes.  A crash kexec (kdump) calls no notifier; its kernel lives in
 * crashkernel= memory that was never given to an LWK.
 */
static int lwkb_reboot(struct notifier_block *nb, unsigned long action, void *data)
{
	const char *why = action == SYS_RESTART ? "reboot" : action == SYS_HALT ? "halt" :
			  "power off";
	unsigned long end = jiffies + 70 * HZ;

	/* From here on no instance boots (boot, load and create refuse), none
	 * is destroyed and no reserved CPU goes back to Linux. */
	WRITE_ONCE(lwkb_going_down, true);
	smp_mb();	/* pairs with lwkb_os_boot's: see os_boot.c */
	/*
	 * Every hold of lwkb_lock is bounded (no user memory is touched under
	 * it; the longest waits are capped: shutdown_ms, a dump's NMI wait of
	 * at most LWKB_DUMP_NMI_MAX_MS), so waiting is safe;
	 * still, a reboot must not hang on a module: after 70 s (shutdown_ms
	 * at most 60 s, plus a boot's wake) the cores get INIT without it.
	 */
	while (time_before(jiffies, end)) {
		if (mutex_trylock(&lwkb_lock)) {
			lwkb_stop_all(why);
			mutex_unlock(&lwkb_lock);
			return NOTIFY_DONE;
		}
		msleep(10);
	}
	pr_err("%s: lwkboot is busy; sending INIT to every booted LWK without the lock\n", why);
	lwkb_init_all_cores();
	return NOTIFY_DONE;
}

static struct notifier_block lwkb_reboot_nb = {
	.notifier_call = lwkb_reboot,
};

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static char *lwkb_devnode(const struct device *dev, umode_t *mode)
#else
static char *lwkb_devnode(struct device *dev, umode_t *mode)
#endif
{
	if (mode)
		*mode = owner >= 0 ? 0666 : 0600;	/* ioctls check the caller */
	return NULL;
}

/*
 * The trampoline region, if there is one: page-aligned below 0xA0000, not
 * System RAM, and mapped once: a memremap() per boot would leave lazily
 * freed vmap areas and their page tables behind each time.
 */
static int __init map_tramp_region(void)
{
	/* The trampoline pages, then the Linux co-kernels' windows. */
	size_t size = (size_t)tramp_pages * PAGE_SIZE + linux_windows * LWKB_LINUX_WINDOW;

	BUILD_BUG_ON(LWKB_TRAMP_PAGES_DEFAULT < 1 ||
		     LWKB_TRAMP_PAGES_DEFAULT > 0xA0000 / PAGE_SIZE);
	if (!tramp_addr) {
		pr_info("no trampoline region (tramp_addr): boot will be refused until the module is loaded with one\n");
		return 0;
	}
	/* tramp_pages is 1-160, linux_windows 0-9 (checked when set); the region must fit too. */
	if (tramp_addr & ~PAGE_MASK || tramp_addr >= 0xA0000 || tramp_addr + size > 0xA0000) {
		pr_err("tramp_addr=0x%lx tramp_pages=%u is not a page-aligned region below 0xA0000 (with linux_windows=%u)\n",
		       tramp_addr, tramp_pages, linux_windows);
		return -EINVAL;
	}
	if (region_intersects(tramp_addr, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("tramp_addr=0x%lx is System RAM that Linux may use: reserve it with memmap=%zuK$0x%lx\n",
		       tramp_addr, size >> 10, tramp_addr);
		return -EINVAL;
	}
	tramp_virt_base = memremap(tramp_addr, size, MEMREMAP_WB);
	return tramp_virt_base ? 0 : -ENOMEM;
}

static int __init lwkb_init(void)
{
	int ret;

	ret = map_tramp_region();
	if (ret)
		return ret;
	ret = lwkb_mem_init();
	if (ret)
		goto unmap;
	if (!zalloc_cpumask_var(&lwkb_reserved_cpus, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto mem_exit;
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "lwkboot:guard",
					lwkb_cpu_guard, NULL);
	if (ret < 0)
		goto free_mask;
	lwkb_hp_state = ret;
	ret = alloc_chrdev_region(&lwkb_devt, 0, LWKB_MAX_OS + 1, "lwkboot");
	if (ret)
		goto remove_hp;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	lwkb_class = class_create("lwkboot");
#else
	lwkb_class = class_create(THIS_MODULE, "lwkboot");
#endif
	if (IS_ERR(lwkb_class)) {
		ret = PTR_ERR(lwkb_class);
		goto unreg;
	}
	lwkb_class->devnode = lwkb_devnode;
	cdev_init(&mcd_cdev, &lwkb_fops);
	mcd_cdev.owner = THIS_MODULE;
	ret = cdev_add(&mcd_cdev, MKDEV(MAJOR(lwkb_devt), 0), 1);
	if (ret)
		goto destroy_class;
	mcd_dev = device_create(lwkb_class, NULL, MKDEV(MAJOR(lwkb_devt), 0), NULL, "mcd0");
	if (IS_ERR(mcd_dev)) {
		ret = PTR_ERR(mcd_dev);
		goto del_cdev;
	}
	ret = register_reboot_notifier(&lwkb_reboot_nb);
	if (ret)
		goto destroy_dev;
	lwkb_watch_start();
	pr_info("loaded; trampoline region 0x%lx, %u page(s)\n", tramp_addr, tramp_pages);
	return 0;
destroy_dev:
	device_destroy(lwkb_class, MKDEV(MAJOR(lwkb_devt), 0));
del_cdev:
	cdev_del(&mcd_cdev);
destroy_class:
	class_destroy(lwkb_class);
unreg:
	unregister_chrdev_region(lwkb_devt, LWKB_MAX_OS + 1);
remove_hp:
	cpuhp_remove_state_nocalls(lwkb_hp_state);
free_mask:
	free_cpumask_var(lwkb_reserved_cpus);
mem_exit:
	lwkb_mem_exit();
unmap:
	if (tramp_virt_base)
		memunmap(tramp_virt_base);
	return ret;
}

/* Unloading gives everything back: instances, memory, CPUs. */
static void __exit lwkb_exit(void)
{
	int i;

	unregister_reboot_notifier(&lwkb_reboot_nb);
	lwkb_watch_stop();
	mutex_lock(&lwkb_lock);
	for (i = 0; i < LWKB_MAX_OS; i++)
		if (lwkb_oses[i]) {
			lwkb_os_shutdown(lwkb_oses[i], false);
			lwkb_os_destroy(i);
		}
	lwkb_release_mem(NULL, 0, -1);
	if (!cpumask_empty(lwkb_reserved_cpus))
		lwkb_release_cpus(lwkb_reserved_cpus);
	mutex_unlock(&lwkb_lock);
	device_destroy(lwkb_class, MKDEV(MAJOR(lwkb_devt), 0));
	cdev_del(&mcd_cdev);
	class_destroy(lwkb_class);
	unregister_chrdev_region(lwkb_devt, LWKB_MAX_OS + 1);
	cpuhp_remove_state_nocalls(lwkb_hp_state);
	free_cpumask_var(lwkb_reserved_cpus);
	lwkb_mem_exit();
	if (tramp_virt_base)
		memunmap(tramp_virt_base);
	pr_info("unloaded\n");
}

module_init(lwkb_init);
module_exit(lwkb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lwkboot: boot lightweight co-kernels on cores and memory taken from Linux");
