// SPDX-License-Identifier: GPL-2.0
/*
 * Shutting an OS instance down: gracefully (the LWK parks its cores) or
 * by INIT, one instance or, before Linux reboots or kexecs, all of them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include "lwkboot.h"

/*
 * Waits up to shutdown_ms for every core to park, or until a fatal signal:
 * INIT follows either way.
 */
static u32 wait_parked(struct lwkb_os *os)
{
	unsigned long end = jiffies + msecs_to_jiffies(READ_ONCE(shutdown_ms));

	smp_store_release(&os->status->shutdown_req, 1);
	while (smp_load_acquire(&os->status->cores_parked) < os->nr_cores &&
	       time_before(jiffies, end) && !fatal_signal_pending(current))
		usleep_range(100, 200);
	return smp_load_acquire(&os->status->cores_parked);
}

/*
 * Graceful first: ask every LWK core to park (status.h describes the
 * handshake; a frozen core leaves its wait for it) and wait up to
 * shutdown_ms; then, gracefully parked or not,
 * INIT every core: it waits for a STARTUP IPI and runs nothing, so Linux
 * can bring the CPU online again later.  IKC users leave first: after INIT
 * no doorbell may reach a CPU that Linux gets back.  kmsg and the status
 * page stay until the instance is destroyed.
 */
void lwkb_os_shutdown(struct lwkb_os *os, bool force)
{
	ktime_t t0 = ktime_get();
	u32 i, parked = 0, was;

	if (!os->booted)
		return;
	/* A panicked or hung LWK cannot park its broken core: INIT at once. */
	was = lwkb_os_status(os);
	if (was == LWKB_STATUS_PANIC || was == LWKB_STATUS_HUNGUP)
		force = true;
	WRITE_ONCE(os->ikc_stop, true);
	WRITE_ONCE(os->status->status, LWKB_STATUS_SHUTDOWN);
	/* Bounded: an IKC user checks ikc_stop at every step and copies
	 * nothing to user space while it holds the lock. */
	mutex_lock(&os->ikc_lock);
	if (!force)
		parked = wait_parked(os);
	else
		parked = smp_load_acquire(&os->status->cores_parked);
	/*
	 * Two rounds, as before a boot (os_boot.c, stop_cpus): an LWK that
	 * was starting its own cores may have sent a STARTUP IPI that reaches
	 * a sibling after the first INIT.
	 */
	for (i = 0; i < os->nr_cores; i++)
		lwkb_send_init(os->apic_ids[i]);
	usleep_range(1000, 2000);
	for (i = 0; i < os->nr_cores; i++)
		lwkb_send_init(os->apic_ids[i]);
	os->booted = false;
	os->freeze_asked = false;
	mutex_unlock(&os->ikc_lock);
	WRITE_ONCE(os->status->status, LWKB_STATUS_INACTIVE);
	lwkb_os_free_pt_pool(os);
	if (!force && parked >= os->nr_cores)
		dev_info(os->dev, "shut down gracefully in %lld us (%u cores parked)\n",
			 ktime_us_delta(ktime_get(), t0), parked);
	else
		dev_info(os->dev, "shut down by INIT in %lld us (%u of %u cores parked%s)\n",
			 ktime_us_delta(ktime_get(), t0), parked, os->nr_cores,
			 was == LWKB_STATUS_PANIC ? ", was PANIC" :
			 was == LWKB_STATUS_HUNGUP ? ", was HUNGUP" : force ? ", forced" : "");
}

/*
 * The reboot notifier's last resort when lwkb_lock stays busy: INIT every
 * core of every booted instance without the lock.  It only reads: a booted
 * instance cannot be destroyed, and Linux is going down.
 */
void lwkb_init_all_cores(void)
{
	int i;
	u32 c;

	for (i = 0; i < LWKB_MAX_OS; i++) {
		struct lwkb_os *os = READ_ONCE(lwkb_oses[i]);

		if (!os || !READ_ONCE(os->booted))
			continue;
		WRITE_ONCE(os->ikc_stop, true);
		for (c = 0; c < READ_ONCE(os->nr_cores) && c < nr_cpu_ids; c++)
			lwkb_send_init(os->apic_ids[c]);
		pr_info("os%d: INIT sent to its %u cores\n", i, os->nr_cores);
	}
}

/* Reboot, kexec, halt: INIT every booted LWK now.  Under lwkb_lock. */
void lwkb_stop_all(const char *why)
{
	int i;

	for (i = 0; i < LWKB_MAX_OS; i++)
		if (lwkb_oses[i] && lwkb_oses[i]->booted) {
			pr_info("%s: stopping os%d before Linux goes\n", why, i);
			lwkb_os_shutdown(lwkb_oses[i], true);
		}
}
