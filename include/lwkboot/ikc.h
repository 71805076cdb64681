/* SPDX-License-Identifier: MIT */
/*
 * Inter-kernel communication (IKC), after the IHK specification 1.7.1,
 * section 1.2.4: a master channel present from boot, used to open and close
 * regular channels; regular channels by port (one side listens on a port,
 * the other connects to it).
 *
 * The IKC area (boot_info.ikc_phys, ikc_size) is allocated by the host:
 *   page 0            struct lwkb_ikc_area
 *   page 1 + 2c       ring host -> LWK of channel c (c = 0: master)
 *   page 2 + 2c       ring LWK -> host of channel c
 * Each ring is single-producer/single-consumer with fixed 240-byte slots
 * (208 bytes of payload):
 * the producer owns head, the consumer owns tail (each on its own cache
 * line); the producer fills slot[head % SLOTS] then publishes head + 1 with
 * a release store, the consumer reads it after an acquire load of head and
 * frees it by publishing tail + 1.  No locks, nothing shared but the two
 * counters.
 *
 * Doorbell: after pushing to a host -> LWK ring the host sends a fixed IPI
 * with vector LWKB_IKC_VECTOR to the LWK core in lwk_apic_id.  The LWK also
 * polls its rings on every timer tick, so a lost doorbell delays a message
 * by at most one tick.  LWK -> host is polled by the host: a Linux module
 * cannot cleanly own an interrupt vector (docs/ikc.md explains).
 */
#ifndef LWKBOOT_IKC_H
#define LWKBOOT_IKC_H

#include "types.h"

#define LWKB_IKC_MAGIC		0x434b49424b574cULL	/* "LWKBIKC" */
#define LWKB_IKC_VERSION	1
#define LWKB_IKC_VECTOR		0x21
#define LWKB_IKC_CHANNELS	8	/* 0 is the master channel */
#define LWKB_IKC_SLOTS		15
#define LWKB_IKC_PAYLOAD	208	/* bytes of data in one message */
#define LWKB_IKC_AREA_SIZE	((1 + 2 * LWKB_IKC_CHANNELS) * 4096)
#define LWKB_IKC_ECHO_PORT	7	/* the demo's echo service */

/* Master channel message types */
#define LWKB_IKC_CONNECT	1	/* host -> LWK: port, channel */
#define LWKB_IKC_ACCEPT		2	/* LWK -> host: channel */
#define LWKB_IKC_REJECT		3	/* LWK -> host: channel (nobody listens) */
#define LWKB_IKC_DISCONNECT	4	/* either way: channel */
/* Regular channel message type */
#define LWKB_IKC_DATA		16

/* Channel states (struct lwkb_ikc_area.chan[].state) */
#define LWKB_IKC_FREE		0
#define LWKB_IKC_CONNECTING	1
#define LWKB_IKC_CONNECTED	2

struct lwkb_ikc_msg {
	lwkb_u32 type;
	lwkb_u32 port;
	lwkb_u32 channel;
	lwkb_u32 len;		/* payload bytes */
	lwkb_u64 seq;
	lwkb_u64 reserved;
	lwkb_u8 data[LWKB_IKC_PAYLOAD];
};

struct lwkb_ikc_ring {
	lwkb_u64 head;		/* written by the producer only */
	lwkb_u64 pad0[7];
	lwkb_u64 tail;		/* written by the consumer only */
	lwkb_u64 pad1[7];
	struct lwkb_ikc_msg slot[LWKB_IKC_SLOTS];
};

struct lwkb_ikc_chan {
	lwkb_u32 state;
	lwkb_u32 port;
};

struct lwkb_ikc_area {
	lwkb_u64 magic;		/* LWKB_IKC_MAGIC: set by the host */
	lwkb_u32 version;
	lwkb_u32 lwk_apic_id;	/* doorbell target, set by the LWK when ready */
	lwkb_u32 lwk_ready;	/* the LWK serves the master channel */
	lwkb_u32 reserved;
	struct lwkb_ikc_chan chan[LWKB_IKC_CHANNELS];
};

LWKB_STATIC_ASSERT(sizeof(struct lwkb_ikc_msg) == 240, "IKC message layout");
LWKB_STATIC_ASSERT(sizeof(struct lwkb_ikc_ring) <= 4096, "an IKC ring fits a page");

#endif /* LWKBOOT_IKC_H */
