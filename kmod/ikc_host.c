// SPDX-License-Identifier: GPL-2.0
/*
 * IKC on the Linux side (include/lwkboot/ikc.h).  Host -> LWK: push, then a
 * doorbell IPI (fixed delivery, LWKB_IKC_VECTOR) to the LWK core named in
 * the area.  LWK -> host: polled by the caller.  A module has no exported
 * way to own an interrupt vector on 6.1 or 6.12 (vectors come from the x86
 * vector domain, arch/x86/kernel/apic/vector.c, which modules cannot
 * allocate from), so the Linux side polls; docs/ikc.md has the figures.
 * Runs without lwkb_lock, under the instance's ikc_lock (see lwkb_ioctl).
 */
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/apic.h>
#include "lwkboot.h"
#include "lwkboot/ikc.h"

#define REPLY_TIMEOUT_NS	(1000 * NSEC_PER_MSEC)

/*
 * Everything in the IKC area is the LWK's to write, so the host keeps its
 * own bounds: the doorbell goes only to an APIC id the instance was booted
 * on (checked once per ping, see ikc_target), ring positions only select a
 * slot (masked in loader/ikc.c), and every loop that reads what the LWK
 * sends ends after a fixed count or the reply timeout.
 */
struct ikc_ctx {
	struct lwkb_os *os;
	u32 apic_id;		/* doorbell target, one of os->apic_ids */
	bool bell;
};

/* Stop at once: a fatal signal, or shutdown (os->ikc_stop; -ESHUTDOWN). */
static bool ikc_abort(struct ikc_ctx *x)
{
	return READ_ONCE(x->os->ikc_stop) || fatal_signal_pending(current);
}

static void doorbell(struct ikc_ctx *x)
{
	if (x->bell && READ_ONCE(ikc_doorbell))
		lwkb_send_ipi(APIC_DM_FIXED | LWKB_IKC_VECTOR, x->apic_id);
}

/*
 * The LWK names the core that serves IKC (lwk_apic_id); ring it only if
 * that is one of the instance's own cores, else rely on the LWK's polling.
 */
static void ikc_target(struct ikc_ctx *x)
{
	u32 id = READ_ONCE(x->os->ikc_area->lwk_apic_id), i;

	x->bell = false;
	for (i = 0; i < x->os->nr_cores; i++)
		if (x->os->apic_ids[i] == id) {
			x->apic_id = id;
			x->bell = true;
			return;
		}
	dev_err_ratelimited(x->os->dev,
			    "the LWK names APIC id 0x%x for IKC, not one of its cores: no doorbell\n",
			    id);
}

/* Pushes m to the LWK on channel c, waiting while the ring is full. */
static int send(struct ikc_ctx *x, u32 c, const struct lwkb_ikc_msg *m)
{
	u64 end = ktime_get_ns() + REPLY_TIMEOUT_NS;

	unsigned int spins = 0;

	/* Ring full: the LWK has not drained it.  Ring again now and then,
	 * not on every spin, and let other tasks run. */
	while (lwkb_ikc_push(lwkb_ikc_ring(x->os->ikc_area, c, 0), m)) {
		if (ktime_get_ns() > end)
			return -ETIMEDOUT;
		if (ikc_abort(x))
			return -ESHUTDOWN;
		if (++spins % 1024 == 0) {
			doorbell(x);
			cond_resched();
		}
		cpu_relax();
	}
	doorbell(x);
	return 0;
}

/* Polls channel c's ring to the host for one message, up to the timeout. */
static int recv(struct ikc_ctx *x, u32 c, struct lwkb_ikc_msg *m)
{
	u64 end = ktime_get_ns() + REPLY_TIMEOUT_NS;
	unsigned int spins = 0;

	while (lwkb_ikc_pop(lwkb_ikc_ring(x->os->ikc_area, c, 1), m)) {
		if (ktime_get_ns() > end)
			return -ETIMEDOUT;
		if (ikc_abort(x))
			return -ESHUTDOWN;
		if (++spins % 1024 == 0)
			cond_resched();
		cpu_relax();
	}
	return 0;
}

/* Drops what is queued on c's ring to the host: at most a ring's worth. */
static void drain(struct ikc_ctx *x, u32 c, struct lwkb_ikc_msg *m)
{
	unsigned int i;

	for (i = 0; i < LWKB_IKC_SLOTS; i++)
		if (lwkb_ikc_pop(lwkb_ikc_ring(x->os->ikc_area, c, 1), m))
			break;
}

/* Opens a regular channel to port through the master channel. */
static int ikc_connect(struct ikc_ctx *x, u32 port)
{
	struct lwkb_ikc_area *a = x->os->ikc_area;
	struct lwkb_ikc_msg m = { 0 };
	unsigned int late = 0;
	u32 c;
	int ret;

	for (c = 1; c < LWKB_IKC_CHANNELS; c++)
		if (READ_ONCE(a->chan[c].state) == LWKB_IKC_FREE)
			break;
	if (c == LWKB_IKC_CHANNELS)
		return -EBUSY;
	drain(x, c, &m);	/* replies left from an earlier connection on c */
	memset(&m, 0, sizeof(m));
	a->chan[c].port = port;
	WRITE_ONCE(a->chan[c].state, LWKB_IKC_CONNECTING);
	m.type = LWKB_IKC_CONNECT;
	m.port = port;
	m.channel = c;
	ret = send(x, 0, &m);
	/* Skip late answers to earlier connects on other channels: a few. */
	while (!ret && !(ret = recv(x, 0, &m)) && m.channel != c)
		if (++late > LWKB_IKC_SLOTS)
			ret = -EPROTO;
	if (!ret && m.type != LWKB_IKC_ACCEPT)
		ret = m.type == LWKB_IKC_REJECT ? -ECONNREFUSED : -EPROTO;
	if (ret) {
		WRITE_ONCE(a->chan[c].state, LWKB_IKC_FREE);
		return ret;
	}
	return c;
}

static void ikc_disconnect(struct ikc_ctx *x, u32 c)
{
	struct lwkb_ikc_msg m = { 0 };

	m.type = LWKB_IKC_DISCONNECT;
	m.channel = c;
	if (send(x, 0, &m))
		WRITE_ONCE(x->os->ikc_area->chan[c].state, LWKB_IKC_FREE);
}

static void fill(struct lwkb_ikc_msg *m, u64 seq, u32 size)
{
	u32 i;

	for (i = 0; i < size; i++)
		m->data[i] = (u8)(seq * 31 + i * 7 + 1);
}

/*
 * One round trip: send message i, wait for reply i.  Replies with an older
 * sequence number are late ones and skipped, at most a ring's worth.
 */
static void round_trip(struct ikc_ctx *x, u32 c, struct lwkb_ikc_ping *p, u32 i,
		       struct lwkb_ikc_msg *out, struct lwkb_ikc_msg *in, u64 *rtt)
{
	u64 t0 = ktime_get_ns();
	unsigned int old = 0;

	out->type = LWKB_IKC_DATA;
	out->channel = c;
	out->len = p->size;
	out->seq = i;
	fill(out, i, p->size);
	if (send(x, c, out)) {
		p->lost++;
		return;
	}
	for (;;) {
		if (recv(x, c, in)) {
			p->lost++;
			return;
		}
		if (in->seq != i) {
			p->misordered++;
			if (in->seq < i && ++old <= LWKB_IKC_SLOTS)
				continue;
			p->lost++;
			return;
		}
		if (in->len != p->size || memcmp(in->data, out->data, p->size))
			p->corrupt++;
		if (rtt)
			rtt[i] = ktime_get_ns() - t0;
		return;
	}
}

/* Checks under ikc_lock that the instance runs and serves IKC. */
static int ikc_ready(struct lwkb_os *os)
{
	if (!READ_ONCE(os->booted) || READ_ONCE(os->ikc_stop) || !READ_ONCE(os->status) ||
	    !READ_ONCE(os->ikc_area) ||
	    READ_ONCE(os->status->status) != LWKB_STATUS_RUNNING ||
	    !READ_ONCE(os->ikc_area->lwk_ready)) {
		dev_err_ratelimited(os->dev, "IKC needs a RUNNING instance that serves IKC\n");
		return -EINVAL;
	}
	return 0;
}

/* The pings themselves, under ikc_lock; nothing is copied to user space here. */
static long ping_locked(struct ikc_ctx *x, struct lwkb_ikc_ping *p, u64 *rtt)
{
	struct lwkb_ikc_msg *out, *in;
	u32 i, run_lost = 0, lost_before, port = p->port ? p->port : LWKB_IKC_ECHO_PORT;
	long ret = 0;
	int c;

	out = kzalloc(sizeof(*out), GFP_KERNEL);
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!out || !in) {
		ret = -ENOMEM;
		goto out;
	}
	ikc_target(x);
	c = ikc_connect(x, port);
	if (c < 0) {
		dev_err_ratelimited(x->os->dev, "IKC connect to port %u failed: %d\n", port, c);
		ret = c;
		goto out;
	}
	p->channel = c;
	p->lost = p->misordered = p->corrupt = 0;
	for (i = 0; i < p->count; i++) {
		/* Stop for a kill, a shutdown, a dead LWK or a run of losses. */
		if (ikc_abort(x)) {
			ret = READ_ONCE(x->os->ikc_stop) ? -ESHUTDOWN : -EINTR;
			break;
		}
		if (READ_ONCE(x->os->status->status) != LWKB_STATUS_RUNNING || run_lost >= 10) {
			dev_err_ratelimited(x->os->dev,
					    "ikc-ping stopped after %u messages (%u lost in a row, status %u)\n",
					    i, run_lost, READ_ONCE(x->os->status->status));
			p->lost += p->count - i;
			break;
		}
		lost_before = p->lost;
		round_trip(x, c, p, i, out, in, rtt);
		run_lost = p->lost > lost_before ? run_lost + 1 : 0;
		if (i % 256 == 255)
			cond_resched();
	}
	if (!READ_ONCE(x->os->ikc_stop))
		ikc_disconnect(x, c);
out:
	kfree(in);
	kfree(out);
	return ret;
}

/*
 * Runs without lwkb_lock: the open file pins the instance, and status and
 * ikc_area are set at a boot (the status area may grow then, while no IKC
 * user runs: shutdown waited for them) and freed only at destroy.  Shutdown
 * sets ikc_stop and then takes ikc_lock, so it waits only for a loop that
 * stops at its next step.  User memory is touched only outside ikc_lock (a
 * copy can block on a fault for as long as the caller likes).
 */
long lwkb_ikc_ping(struct lwkb_os *os, struct lwkb_ikc_ping __user *arg)
{
	struct ikc_ctx x = { .os = os };
	struct lwkb_ikc_ping p;
	u64 *rtt = NULL;
	long ret;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	if (!p.count || p.count > LWKB_PING_MAX || p.size > LWKB_IKC_PAYLOAD)
		return -EINVAL;
	/*
	 * Zeroed: a message never answered has no time, and no old data.
	 * Charged to the caller's memory cgroup, and taken before ikc_lock,
	 * which shutdown waits for.
	 */
	if (p.rtt_ns) {
		rtt = kvcalloc(p.count, sizeof(*rtt), GFP_KERNEL_ACCOUNT);
		if (!rtt)
			return -ENOMEM;
	}
	ret = mutex_lock_killable(&os->ikc_lock);
	if (ret)
		goto out;
	ret = ikc_ready(os);
	if (ret)
		goto unlock;
	ret = ping_locked(&x, &p, rtt);
unlock:
	mutex_unlock(&os->ikc_lock);
	/* A ping cut short by shutdown reports what it did (-ESHUTDOWN). */
	if (ret && ret != -ESHUTDOWN)
		goto out;
	if (rtt && copy_to_user(u64_to_user_ptr(p.rtt_ns), rtt, (size_t)p.count * sizeof(*rtt)))
		ret = -EFAULT;
	else if (copy_to_user(arg, &p, sizeof(p)))
		ret = -EFAULT;
out:
	kvfree(rtt);
	return ret;
}
