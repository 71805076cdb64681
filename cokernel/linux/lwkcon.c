// SPDX-License-Identifier: GPL-2.0
/*
 * lwkcon.ko: runs inside an unmodified Linux booted as an lwkboot
 * co-kernel (loader/linux.c) and speaks lwkboot's side of the instance:
 *
 *  - a console that writes every kernel message into the host's kmsg ring
 *    (include/lwkboot/kmsg.h, loader/kmsg.c's lock-free writer), the boot
 *    log included (CON_PRINTBUFFER), so `lwkboot kmsg` shows it;
 *  - RUNNING once every CPU the host gave is online, then a heartbeat
 *    every 10 ms from a timer, so the host's watchdog tells HUNGUP;
 *  - PANIC from a panic notifier;
 *  - on the host's graceful shutdown request (status page shutdown_req)
 *    and from a reboot notifier, every CPU parks with interrupts off: a
 *    `reboot -f` inside never reaches the machine's reset port
 *    (arch/x86/kernel/reboot.c), and the host INITs the parked CPUs.
 *
 * The host puts the addresses on the co-kernel's command line
 * (kmod/boot_host.c, linux_cmdline): lwkcon.kmsg=, kmsg_size=, status=,
 * status_size=, cores=.  The initramfs's /init passes them to insmod.
 * They lie outside this kernel's e820 (host memory), so memremap() maps
 * them; both sides use only aligned loads and stores and the ring's
 * atomics on them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/console.h>
#include <linux/cpumask.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/reboot.h>
#include <linux/sizes.h>
#include <linux/smp.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include "lwkb_loader.h"

static unsigned long kmsg_phys;
module_param_named(kmsg, kmsg_phys, ulong, 0444);
MODULE_PARM_DESC(kmsg, "Physical address of lwkboot's kmsg ring (set by the host)");
static unsigned long kmsg_size;
module_param(kmsg_size, ulong, 0444);
MODULE_PARM_DESC(kmsg_size, "Bytes of the kmsg area (set by the host)");
static unsigned long status_phys;
module_param_named(status, status_phys, ulong, 0444);
MODULE_PARM_DESC(status, "Physical address of lwkboot's status area (set by the host)");
static unsigned long status_size = PAGE_SIZE;
module_param(status_size, ulong, 0444);
MODULE_PARM_DESC(status_size, "Bytes of the status area (set by the host)");
static unsigned int cores;
module_param(cores, uint, 0444);
MODULE_PARM_DESC(cores, "CPUs the host gave this kernel: RUNNING once that many are online");

static struct lwkb_kmsg *kmsg;
static struct lwkb_status_page *st;
static struct timer_list beat_timer;
static atomic_t parking = ATOMIC_INIT(0);

#define BEAT_MS	10

static void lwkcon_write(struct console *con, const char *s, unsigned int n)
{
	lwkb_kmsg_write(kmsg, kmsg_size, s, n);
}

static struct console lwkcon_console = {
	.name = "lwkcon",
	.write = lwkcon_write,
	/* Enabled without console=: pstore and netconsole do the same
	 * (kernel/printk/printk.c, try_enable_preferred_console). */
	.flags = CON_PRINTBUFFER | CON_ENABLED,
	.index = -1,
};

static void status_add(u32 *p)
{
	u32 v;

	do {
		v = READ_ONCE(*p);
	} while (cmpxchg(p, v, v + 1) != v);
}

/* One CPU stops for good with interrupts off; only INIT (or NMI) reaches it. */
static void park_this_cpu(void *unused)
{
	local_irq_disable();
	status_add(&st->cores_parked);
	for (;;)
		native_halt();
}

/* Every online CPU parks; this one last.  Never returns. */
static void park_all(const char *why)
{
	if (atomic_inc_return(&parking) == 1)
		pr_emerg("%s: parking every CPU\n", why);
	smp_call_function(park_this_cpu, NULL, 0);
	park_this_cpu(NULL);
}

/* smp_call_function() is not for a bottom half: the timer hands over. */
static void park_work_fn(struct work_struct *w)
{
	park_all("shutdown requested by the host");
}

static DECLARE_WORK(park_work, park_work_fn);

static void beat(struct timer_list *t)
{
	if (READ_ONCE(st->shutdown_req)) {
		schedule_work(&park_work);
		return;
	}
	WRITE_ONCE(st->heartbeat, READ_ONCE(st->heartbeat) + 1);
	mod_timer(&beat_timer, jiffies + msecs_to_jiffies(BEAT_MS));
}

static int lwkcon_panic(struct notifier_block *nb, unsigned long ev, void *msg)
{
	WRITE_ONCE(st->panic_core, raw_smp_processor_id());
	WRITE_ONCE(st->panic_vector, 0xffffffff);
	smp_store_release(&st->status, LWKB_STATUS_PANIC);
	return NOTIFY_DONE;
}

static struct notifier_block panic_nb = {
	.notifier_call = lwkcon_panic,
	.priority = INT_MAX,
};

/*
 * A restart, halt or power-off of this kernel must not reach the
 * machine: kernel_restart_prepare() and kernel_shutdown_prepare() run the
 * reboot notifiers before machine_restart() would write the reset port.
 * The instance says SHUTDOWN; the host's shutdown INITs the parked CPUs.
 */
static int lwkcon_reboot(struct notifier_block *nb, unsigned long ev, void *cmd)
{
	smp_store_release(&st->status, LWKB_STATUS_SHUTDOWN);
	park_all(ev == SYS_RESTART ? "restart" : ev == SYS_HALT ? "halt" : "power off");
	return NOTIFY_DONE;
}

static struct notifier_block reboot_nb = {
	.notifier_call = lwkcon_reboot,
	.priority = INT_MAX,
};

/* For tests: the whole kernel stops with interrupts off (a real hang). */
static void spin_this_cpu(void *unused)
{
	local_irq_disable();
	for (;;)
		cpu_relax();
}

static int hang_set(const char *val, const struct kernel_param *kp)
{
	if (!st)
		return -ENODEV;
	pr_emerg("hanging every CPU with interrupts off, as asked\n");
	smp_call_function(spin_this_cpu, NULL, 0);
	spin_this_cpu(NULL);
	return 0;
}

static const struct kernel_param_ops hang_ops = { .set = hang_set };
module_param_cb(hang, &hang_ops, NULL, 0200);
MODULE_PARM_DESC(hang, "Write anything: every CPU spins with interrupts off (tests HUNGUP)");

static int map_areas(void)
{
	if (!kmsg_phys || !status_phys || kmsg_size < LWKB_KMSG_HDR_SIZE + 64 ||
	    kmsg_size > SZ_64M || status_size < sizeof(*st) || status_size > SZ_64M) {
		pr_err("kmsg=0x%lx kmsg_size=%lu status=0x%lx status_size=%lu: not an lwkboot co-kernel's parameters\n",
		       kmsg_phys, kmsg_size, status_phys, status_size);
		return -EINVAL;
	}
	kmsg = memremap(kmsg_phys, kmsg_size, MEMREMAP_WB);
	st = memremap(status_phys, status_size, MEMREMAP_WB);
	if (!kmsg || !st)
		goto bad;
	if (READ_ONCE(kmsg->magic) != LWKB_KMSG_MAGIC || READ_ONCE(st->magic) != LWKB_STATUS_MAGIC) {
		pr_err("no lwkboot kmsg ring at 0x%lx or status page at 0x%lx\n",
		       kmsg_phys, status_phys);
		goto bad;
	}
	return 0;
bad:
	if (kmsg)
		memunmap(kmsg);
	if (st)
		memunmap(st);
	kmsg = NULL;
	st = NULL;
	return -ENODEV;
}

static int __init lwkcon_init(void)
{
	unsigned int online;
	int ret;

	ret = map_areas();
	if (ret)
		return ret;
	register_console(&lwkcon_console);
	atomic_notifier_chain_register(&panic_notifier_list, &panic_nb);
	ret = register_reboot_notifier(&reboot_nb);
	if (ret) {
		atomic_notifier_chain_unregister(&panic_notifier_list, &panic_nb);
		unregister_console(&lwkcon_console);
		memunmap(kmsg);
		memunmap(st);
		return ret;
	}
	timer_setup(&beat_timer, beat, 0);
	mod_timer(&beat_timer, jiffies + msecs_to_jiffies(BEAT_MS));
	online = num_online_cpus();
	WRITE_ONCE(st->cores_up, online);
	if (!cores || online == cores)
		smp_store_release(&st->status, LWKB_STATUS_RUNNING);
	else
		pr_err("%u CPUs online, the host gave %u: not RUNNING\n", online, cores);
	pr_info("console, heartbeat, panic and reboot hooks for lwkboot (%u CPUs)\n", online);
	return 0;
}

/* Loaded for the instance's life: no exit, so it cannot be unloaded. */
module_init(lwkcon_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lwkboot console, heartbeat and lifecycle for a Linux co-kernel");
