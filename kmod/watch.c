// SPDX-License-Identifier: GPL-2.0
/*
 * The watchdog: every 100 ms it compares each RUNNING instance's heartbeat
 * with the last one seen, marks an instance HUNGUP after hung_ms without a
 * beat, and signals PANIC and HUNGUP on the instance's eventfd (IHK spec
 * 1.2.2.13).  A frozen LWK's heartbeat stops (status.h): FREEZING and
 * FROZEN are watched only once no freeze is asked any more, when the cores
 * should have gone on (a thaw that does not come back, or an LWK that
 * calls itself frozen when nobody asked); INACTIVE and BOOTING once the
 * LWK has been RUNNING.
 */
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/jiffies.h>
#include <linux/version.h>
#include <linux/workqueue.h>
#include "lwkboot.h"

#define WATCH_MS	100
static void lwkb_watch_fn(struct work_struct *w);
static DECLARE_DELAYED_WORK(lwkb_watch, lwkb_watch_fn);
static bool watch_stopping;

static void notify(struct lwkb_os *os, u32 st)
{
	if (os->reported == st)
		return;
	os->reported = st;
	if (st != LWKB_STATUS_PANIC && st != LWKB_STATUS_HUNGUP)
		return;
	dev_err(os->dev, "%s\n", lwkb_status_name(st));
	if (os->eventfd)
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
		eventfd_signal(os->eventfd);
#else
		eventfd_signal(os->eventfd, 1);
#endif
}

/*
 * Must the heartbeat move in status st?  The LWK writes the word, so an LWK
 * that goes back to INACTIVE or BOOTING once RUNNING has been seen is
 * watched as if RUNNING: no LWK does that, and a broken one must not hide
 * from HUNGUP that way.
 */
static bool must_beat(const struct lwkb_os *os, u32 st)
{
	switch (st) {
	case LWKB_STATUS_RUNNING:
		return true;
	case LWKB_STATUS_FREEZING:
	case LWKB_STATUS_FROZEN:
		return !os->freeze_asked;
	case LWKB_STATUS_INACTIVE:
	case LWKB_STATUS_BOOTING:
		return os->was_running;
	default:
		return false;
	}
}

static void lwkb_watch_fn(struct work_struct *w)
{
	int i;

	/* Never sleep on the lock (an ioctl may hold it): try again shortly. */
	if (!mutex_trylock(&lwkb_lock))
		goto again;
	for (i = 0; i < LWKB_MAX_OS; i++) {
		struct lwkb_os *os = lwkb_oses[i];
		u32 st;
		u64 hb;

		if (!os || !os->booted)
			continue;
		st = lwkb_os_status(os);	/* clamped: the LWK writes the word */
		hb = READ_ONCE(os->status->heartbeat);
		if (hb != os->last_heartbeat || !must_beat(os, st)) {
			os->last_heartbeat = hb;
			os->last_beat = jiffies;
		} else if (hung_ms && time_after(jiffies, os->last_beat +
						   msecs_to_jiffies(hung_ms))) {
			dev_err(os->dev, "no heartbeat for %u ms\n", hung_ms);
			WRITE_ONCE(os->status->status, LWKB_STATUS_HUNGUP);
			st = LWKB_STATUS_HUNGUP;
		}
		notify(os, st);
	}
	mutex_unlock(&lwkb_lock);
again:
	if (!READ_ONCE(watch_stopping))
		schedule_delayed_work(&lwkb_watch, msecs_to_jiffies(WATCH_MS));
}

void lwkb_watch_start(void)
{
	WRITE_ONCE(watch_stopping, false);
	schedule_delayed_work(&lwkb_watch, msecs_to_jiffies(WATCH_MS));
}

void lwkb_watch_stop(void)
{
	WRITE_ONCE(watch_stopping, true);
	cancel_delayed_work_sync(&lwkb_watch);
}
