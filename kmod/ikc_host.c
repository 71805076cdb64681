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

static void doorbell(struct lwkb_os *os)
{
	if (ikc_doorbell)
		lwkb_send_ipi(APIC_DM_FIXED | LWKB_IKC_VECTOR, READ_ONCE(os->ikc_area->lwk_apic_id));
}

/* Pushes m to the LWK on channel c, waiting while the ring is full. */
static int send(struct lwkb_os *os, u32 c, const struct lwkb_ikc_msg *m)
{
	u64 end = ktime_get_ns() + REPLY_TIMEOUT_NS;

	while (lwkb_ikc_push(lwkb_ikc_ring(os->ikc_area, c, 0), m)) {
		if (ktime_get_ns() > end)
			return -ETIMEDOUT;
		doorbell(os);
		cpu_relax();
	}
	doorbell(os);
	return 0;
}

/* Polls channel c's ring to the host for one message, up to the timeout. */
static int recv(struct lwkb_os *os, u32 c, struct lwkb_ikc_msg *m)
{
	u64 end = ktime_get_ns() + REPLY_TIMEOUT_NS;
	unsigned int spins = 0;

	while (lwkb_ikc_pop(lwkb_ikc_ring(os->ikc_area, c, 1), m)) {
		if (ktime_get_ns() > end)
			return -ETIMEDOUT;
		if (++spins % 1024 == 0)
			cond_resched();
		cpu_relax();
	}
	return 0;
}

/* Opens a regular channel to port through the master channel. */
static int ikc_connect(struct lwkb_os *os, u32 port)
{
	struct lwkb_ikc_msg m = { 0 };
	u32 c;
	int ret;

	for (c = 1; c < LWKB_IKC_CHANNELS; c++)
		if (READ_ONCE(os->ikc_area->chan[c].state) == LWKB_IKC_FREE)
			break;
	if (c == LWKB_IKC_CHANNELS)
		return -EBUSY;
	/* Replies left from an earlier connection on c are dropped. */
	while (!lwkb_ikc_pop(lwkb_ikc_ring(os->ikc_area, c, 1), &m))
		;
	memset(&m, 0, sizeof(m));
	os->ikc_area->chan[c].port = port;
	WRITE_ONCE(os->ikc_area->chan[c].state, LWKB_IKC_CONNECTING);
	m.type = LWKB_IKC_CONNECT;
	m.port = port;
	m.channel = c;
	ret = send(os, 0, &m);
	/* Skip late answers to earlier connects on other channels. */
	while (!ret && !(ret = recv(os, 0, &m)) && m.channel != c)
		;
	if (!ret && m.type != LWKB_IKC_ACCEPT)
		ret = m.type == LWKB_IKC_REJECT ? -ECONNREFUSED : -EPROTO;
	if (ret) {
		WRITE_ONCE(os->ikc_area->chan[c].state, LWKB_IKC_FREE);
		return ret;
	}
	return c;
}

static void ikc_disconnect(struct lwkb_os *os, u32 c)
{
	struct lwkb_ikc_msg m = { 0 };

	m.type = LWKB_IKC_DISCONNECT;
	m.channel = c;
	if (send(os, 0, &m))
		WRITE_ONCE(os->ikc_area->chan[c].state, LWKB_IKC_FREE);
}

static void fill(struct lwkb_ikc_msg *m, u64 seq, u32 size)
{
	u32 i;

	for (i = 0; i < size; i++)
		m->data[i] = (u8)(seq * 31 + i * 7 + 1);
}

long lwkb_ikc_ping(struct lwkb_os *os, struct lwkb_ikc_ping __user *arg)
{
	struct lwkb_ikc_ping p;
	struct lwkb_ikc_msg *out, *in;
	u64 *rtt = NULL, t0;
	u32 i, run_lost = 0, lost_before;
	int c;
	long ret = 0;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	if (!p.count || p.count > 10000000 || p.size > LWKB_IKC_PAYLOAD)
		return -EINVAL;
	if (mutex_lock_killable(&os->ikc_lock))
		return -EINTR;
	/*
	 * Without lwkb_lock: status and ikc_area are set once, at the first
	 * boot, and freed only at destroy, which the open file prevents.
	 */
	if (!READ_ONCE(os->booted) || !READ_ONCE(os->status) || !READ_ONCE(os->ikc_area) ||
	    READ_ONCE(os->status->status) != LWKB_STATUS_RUNNING ||
	    !READ_ONCE(os->ikc_area->lwk_ready)) {
		pr_err("lwkboot: os%d: IKC needs a RUNNING instance that serves IKC\n",
		       os->index);
		mutex_unlock(&os->ikc_lock);
		return -EINVAL;
	}
	out = kzalloc(sizeof(*out), GFP_KERNEL);	/* freed at out: */
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (p.rtt_ns)
		rtt = kvmalloc_array(p.count, sizeof(*rtt), GFP_KERNEL);
	if (!out || !in || (p.rtt_ns && !rtt)) {
		ret = -ENOMEM;
		goto out;
	}
	c = ikc_connect(os, p.port ? p.port : LWKB_IKC_ECHO_PORT);
	if (c < 0) {
		pr_err("lwkboot: os%d: IKC connect to port %u failed: %d\n", os->index,
		       p.port ? p.port : LWKB_IKC_ECHO_PORT, c);
		ret = c;
		goto out;
	}
	p.channel = c;
	p.lost = p.misordered = p.corrupt = 0;
	for (i = 0; i < p.count; i++) {
		/* Stop for a kill, a dead LWK or a run of losses. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (READ_ONCE(os->status->status) != LWKB_STATUS_RUNNING || run_lost >= 10) {
			pr_err("lwkboot: os%d: ikc-ping stopped after %u messages (%u lost in a row, status %u)\n",
			       os->index, i, run_lost, READ_ONCE(os->status->status));
			p.lost += p.count - i;
			break;
		}
		out->type = LWKB_IKC_DATA;
		out->channel = c;
		out->len = p.size;
		out->seq = i;
		fill(out, i, p.size);
		t0 = ktime_get_ns();
		lost_before = p.lost;
		if (send(os, c, out)) {
			p.lost++;
			run_lost++;
			continue;
		}
		/* Wait for reply i; an older one is out of order. */
		for (;;) {
			if (recv(os, c, in)) {
				p.lost++;
				break;
			}
			if (in->seq != i) {
				p.misordered++;
				if (in->seq < i)
					continue;
				break;
			}
			if (in->len != p.size || memcmp(in->data, out->data, p.size))
				p.corrupt++;
			if (rtt)
				rtt[i] = ktime_get_ns() - t0;
			break;
		}
		run_lost = p.lost > lost_before ? run_lost + 1 : 0;
		if (i % 256 == 255)
			cond_resched();
	}
	ikc_disconnect(os, c);
	if (rtt && copy_to_user(u64_to_user_ptr(p.rtt_ns), rtt, (size_t)p.count * sizeof(*rtt)))
		ret = -EFAULT;
	if (!ret && copy_to_user(arg, &p, sizeof(p)))
		ret = -EFAULT;
out:
	mutex_unlock(&os->ikc_lock);
	kvfree(rtt);
	kfree(in);
	kfree(out);
	return ret;
}
