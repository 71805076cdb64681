// SPDX-License-Identifier: MIT
/*
 * IKC on the LWK side (include/lwkboot/ikc.h): core 0 serves the master
 * channel and every regular channel, from the doorbell interrupt
 * (LWKB_IKC_VECTOR) and from its timer tick.  One core consumes every
 * host -> LWK ring and produces every LWK -> host ring, which keeps each
 * ring single-producer/single-consumer.
 */
#include "internal.h"
#include "lwkboot/ikc.h"

#define MAX_LISTENERS	8

static struct lwkb_ikc_area *ikc;
static struct {
	lwkb_u32 port;
	ihk_ikc_handler_t fn;
} listeners[MAX_LISTENERS];
static ihk_ikc_handler_t chan_fn[LWKB_IKC_CHANNELS];

void lwk_ikc_init(void)
{
	struct lwkb_boot_info *bi = lwk_bi;

	if (!bi->ikc_phys || bi->ikc_size < LWKB_IKC_AREA_SIZE)
		return;		/* this host offers no IKC (the EFI host) */
	ikc = phys_to_virt(bi->ikc_phys);
	if (__atomic_load_n(&ikc->magic, __ATOMIC_ACQUIRE) != LWKB_IKC_MAGIC) {
		lwk_printk("lwk: IKC area at 0x%llx has a bad magic; IKC off\n",
			   (unsigned long long)bi->ikc_phys);
		ikc = 0;
		return;
	}
	ikc->lwk_apic_id = lwkb_bi_cores(bi)[0].apic_id;
	__atomic_store_n(&ikc->lwk_ready, 1, __ATOMIC_RELEASE);
	lwk_printk("lwk: IKC ready, %d channels, doorbell vector 0x%x on APIC id %u\n",
		   LWKB_IKC_CHANNELS, LWKB_IKC_VECTOR, ikc->lwk_apic_id);
}

int ihk_ikc_listen_port(lwkb_u32 port, ihk_ikc_handler_t handler)
{
	int i;

	for (i = 0; i < MAX_LISTENERS; i++)
		if (!listeners[i].fn) {
			listeners[i].port = port;
			__atomic_store_n(&listeners[i].fn, handler, __ATOMIC_RELEASE);
			return 0;
		}
	return -LWKB_ENOSPC;
}

/*
 * Core 0 is the only producer of the rings to the host; interrupts are off
 * around the push so the doorbell handler (which may echo) cannot push in
 * the middle of it.
 */
int ihk_ikc_send(int channel, const struct lwkb_ikc_msg *msg)
{
	lwkb_u64 flags;
	int rc;

	if (!ikc || channel <= 0 || channel >= LWKB_IKC_CHANNELS ||
	    ikc->chan[channel].state != LWKB_IKC_CONNECTED || lwk_this_core() != 0)
		return -LWKB_EINVAL;
	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags) : : "memory");
	rc = lwkb_ikc_push(lwkb_ikc_ring(ikc, (lwkb_u32)channel, 1), msg);
	__asm__ volatile("push %0; popfq" : : "r"(flags) : "memory", "cc");
	return rc;
}

static void reply(lwkb_u32 type, lwkb_u32 chan, lwkb_u32 port)
{
	struct lwkb_ikc_msg m;

	lwkb_memset(&m, 0, sizeof(m));
	m.type = type;
	m.channel = chan;
	m.port = port;
	if (lwkb_ikc_push(lwkb_ikc_ring(ikc, 0, 1), &m))
		lwk_printk("lwk: IKC master ring to the host is full\n");
}

static void master(struct lwkb_ikc_msg *m)
{
	lwkb_u32 c = m->channel, port = m->port, type = m->type;
	int i;

	if (c == 0 || c >= LWKB_IKC_CHANNELS)
		return;
	if (type == LWKB_IKC_DISCONNECT) {
		chan_fn[c] = 0;
		__atomic_store_n(&ikc->chan[c].state, LWKB_IKC_FREE, __ATOMIC_RELEASE);
		return;
	}
	if (type != LWKB_IKC_CONNECT)
		return;
	for (i = 0; i < MAX_LISTENERS; i++)
		if (listeners[i].fn && listeners[i].port == port)
			break;
	if (i == MAX_LISTENERS) {
		reply(LWKB_IKC_REJECT, c, port);
		return;
	}
	/* Leftovers of an earlier connection on this channel are dropped. */
	while (!lwkb_ikc_pop(lwkb_ikc_ring(ikc, c, 0), m))
		;
	chan_fn[c] = listeners[i].fn;
	__atomic_store_n(&ikc->chan[c].state, LWKB_IKC_CONNECTED, __ATOMIC_RELEASE);
	reply(LWKB_IKC_ACCEPT, c, port);
}

void lwk_ikc_poll(void)
{
	static struct lwkb_ikc_msg m;	/* core 0 only */
	lwkb_u32 c;

	if (!ikc)
		return;
	while (!lwkb_ikc_pop(lwkb_ikc_ring(ikc, 0, 0), &m))
		master(&m);
	for (c = 1; c < LWKB_IKC_CHANNELS; c++) {
		if (!chan_fn[c])
			continue;
		while (!lwkb_ikc_pop(lwkb_ikc_ring(ikc, c, 0), &m))
			chan_fn[c]((int)c, &m);
	}
}

/* Doorbell (isr_ikc in entry.asm). */
void lwk_ikc_irq(void);
void lwk_ikc_irq(void)
{
	lwk_apic_eoi();
	lwk_ikc_poll();
}
