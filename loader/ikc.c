// SPDX-License-Identifier: MIT
/* IKC rings shared by both kernels: layout in include/lwkboot/ikc.h. */
#include "lwkb_loader.h"
#include "lwkboot/ikc.h"

struct lwkb_ikc_ring *lwkb_ikc_ring(struct lwkb_ikc_area *a, lwkb_u32 chan, int to_host)
{
	return (struct lwkb_ikc_ring *)((char *)a + 4096 * (1 + 2 * chan + (to_host ? 1 : 0)));
}

void lwkb_ikc_init(struct lwkb_ikc_area *a)
{
	lwkb_memset(a, 0, LWKB_IKC_AREA_SIZE);
	a->version = LWKB_IKC_VERSION;
	__atomic_store_n(&a->magic, LWKB_IKC_MAGIC, __ATOMIC_RELEASE);
}

int lwkb_ikc_push(struct lwkb_ikc_ring *r, const struct lwkb_ikc_msg *m)
{
	lwkb_u64 h = r->head;	/* ours */
	lwkb_u64 t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

	if (h - t >= LWKB_IKC_SLOTS)
		return -LWKB_EAGAIN;	/* full */
	if (m->len > LWKB_IKC_PAYLOAD)
		return -LWKB_E2BIG;
	lwkb_memcpy(&r->slot[h % LWKB_IKC_SLOTS], m, sizeof(*m));
	__atomic_store_n(&r->head, h + 1, __ATOMIC_RELEASE);
	return 0;
}

int lwkb_ikc_pop(struct lwkb_ikc_ring *r, struct lwkb_ikc_msg *m)
{
	lwkb_u64 t = r->tail;	/* ours */
	lwkb_u64 h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

	if (t == h)
		return -LWKB_EAGAIN;	/* empty */
	lwkb_memcpy(m, &r->slot[t % LWKB_IKC_SLOTS], sizeof(*m));
	__atomic_store_n(&r->tail, t + 1, __ATOMIC_RELEASE);
	return 0;
}
