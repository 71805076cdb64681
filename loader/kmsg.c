// SPDX-License-Identifier: MIT
/* The kmsg ring: scheme and invariants in include/lwkboot/kmsg.h. */
#include "lwkb_loader.h"

/* Spins a writer waits for earlier writers before forcing tail forward. */
#define COMMIT_SPINS	(1u << 24)

/*
 * The data size for an area: the largest power of two that fits after the
 * header, at most 2 GiB; 0 if the area is too small.  The host computes it
 * from its own allocation when it reads, never from the header, which the
 * LWK can write.
 */
static lwkb_u32 data_size(lwkb_u64 area_size)
{
	lwkb_u64 size = 1;

	if (area_size < LWKB_KMSG_HDR_SIZE + 64)
		return 0;
	while (size * 2 <= area_size - LWKB_KMSG_HDR_SIZE && size * 2 <= (1ULL << 31))
		size *= 2;
	return (lwkb_u32)size;
}

int lwkb_kmsg_init(struct lwkb_kmsg *k, lwkb_u64 area_size)
{
	lwkb_u32 size = data_size(area_size);

	if (!size)
		return -LWKB_EINVAL;
	lwkb_memset(k, 0, LWKB_KMSG_HDR_SIZE);
	k->size = size;
	__atomic_store_n(&k->magic, LWKB_KMSG_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

void lwkb_kmsg_write(struct lwkb_kmsg *k, lwkb_u64 area_size, const char *s, lwkb_size_t n)
{
	lwkb_u64 start, i, t;
	lwkb_u32 spins = 0, size = data_size(area_size), mask = size - 1;

	/* The size is the writer's own (from boot_info), not the header's:
	 * either kernel may find the shared header corrupted by the other. */
	if (!n || !size)
		return;
	if (n > size) {			/* keep the newest bytes */
		s += n - size;
		n = size;
	}
	start = __atomic_fetch_add(&k->head, n, __ATOMIC_ACQ_REL);
	for (i = 0; i < n; i++)
		((volatile char *)k->data)[(start + i) & mask] = s[i];
	/* Commit in order: wait for every earlier record. */
	for (;;) {
		t = start;
		if (__atomic_compare_exchange_n(&k->tail, &t, start + n, 0,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return;
		if (t > start)		/* someone forced tail past us */
			break;
		if (++spins >= COMMIT_SPINS)
			break;
		__builtin_ia32_pause();
	}
	/* Force tail forward to our end; never move it back. */
	t = __atomic_load_n(&k->tail, __ATOMIC_RELAXED);
	while (t < start + n) {
		if (__atomic_compare_exchange_n(&k->tail, &t, start + n, 0,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
			__atomic_fetch_add(&k->forced, 1, __ATOMIC_RELAXED);
			break;
		}
	}
}

lwkb_size_t lwkb_kmsg_read(struct lwkb_kmsg *k, lwkb_u64 area_size, lwkb_u64 *pos,
			   char *buf, lwkb_size_t len, lwkb_u64 *lost)
{
	lwkb_u64 tail, head, p = *pos, n, i, cleared;
	lwkb_u32 size = data_size(area_size), mask = size - 1;

	/* Positions come from the LWK too; they only choose bytes inside the
	 * ring (masked) and never more than len of them. */
	if (!size || __atomic_load_n(&k->magic, __ATOMIC_ACQUIRE) != LWKB_KMSG_MAGIC)
		return 0;
	cleared = __atomic_load_n(&k->cleared, __ATOMIC_ACQUIRE);
	tail = __atomic_load_n(&k->tail, __ATOMIC_ACQUIRE);
	if (p < cleared || p > tail)	/* before a clear, or from before a re-init */
		p = cleared <= tail ? cleared : tail;
	if (tail - p > size) {
		if (lost)
			*lost += tail - size - p;
		p = tail - size;
	}
	n = tail - p;
	if (n > len)
		n = len;
	for (i = 0; i < n; i++)
		buf[i] = ((volatile char *)k->data)[(p + i) & mask];
	/* Writers reserved up to head may have overwritten below head - size;
	 * the fence orders the copy above before this load (C11, not just x86). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	head = __atomic_load_n(&k->head, __ATOMIC_ACQUIRE);
	if (head > size && p < head - size) {
		lwkb_u64 bad = head - size - p;

		if (bad >= n) {
			if (lost)
				*lost += n;
			*pos = p + n;
			return 0;
		}
		if (lost)
			*lost += bad;
		for (i = 0; i + bad < n; i++)
			buf[i] = buf[i + bad];
		n -= bad;
		p += bad;
	}
	*pos = p + n;
	return n;
}
