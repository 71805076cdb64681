/* SPDX-License-Identifier: MIT */
/*
 * kmsg: the LWK's kernel message ring, written by every LWK core and read
 * by the host.  Text only; lines end with '\n'.
 *
 * Scheme (lock-free for writers, no lock shared with the host):
 *   - 'head' counts bytes ever reserved.  A writer reserves its record with
 *     one atomic fetch-and-add on head, so writers on different cores never
 *     write the same bytes.
 *   - It copies its bytes to data[pos % size].
 *   - 'tail' counts bytes ever committed, in order: the writer waits until
 *     tail equals the start of its record, then stores tail = its end.
 *     A writer that waits too long (the earlier writer died mid-copy, e.g.
 *     a fault on another core) moves tail past the stuck record itself, so
 *     the ring never blocks for good; the stuck bytes may be garbled.
 *   - The reader keeps its own position r.  It may read [r, tail).  If
 *     tail - r > size the oldest bytes were overwritten: it skips to
 *     tail - size and counts the loss.  After copying it re-reads head and
 *     drops any byte below head - size, which a writer may have been
 *     overwriting meanwhile.  So the newest lines are always kept.
 *   - Clearing (host side) sets 'cleared' = tail; readers start from there.
 * The positions are 64-bit byte counts and never wrap in practice.
 */
#ifndef LWKBOOT_KMSG_H
#define LWKBOOT_KMSG_H

#include "types.h"

#define LWKB_KMSG_MAGIC		0x47534d4b424b574cULL	/* "LWKBKMSG" */
#define LWKB_KMSG_HDR_SIZE	64

struct lwkb_kmsg {
	lwkb_u64 magic;		/* LWKB_KMSG_MAGIC */
	lwkb_u32 size;		/* bytes of data[], a power of two */
	lwkb_u32 reserved0;
	lwkb_u64 head;		/* bytes reserved by writers */
	lwkb_u64 tail;		/* bytes committed, in order */
	lwkb_u64 cleared;	/* position of the last clear */
	lwkb_u64 forced;	/* times a writer moved tail past a stuck record */
	lwkb_u64 reserved1[2];
	char data[];		/* size bytes */
};
LWKB_STATIC_ASSERT(sizeof(struct lwkb_kmsg) == LWKB_KMSG_HDR_SIZE, "kmsg header");

#endif /* LWKBOOT_KMSG_H */
