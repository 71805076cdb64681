// SPDX-License-Identifier: MIT
/* Installing and filling the trampoline page (include/lwkboot/trampoline.h). */
#include "lwkb_loader.h"

struct lwkb_tramp_data *lwkb_tramp_data(void *page)
{
	return (struct lwkb_tramp_data *)((char *)page + LWKB_TRAMP_DATA_OFF);
}

int lwkb_tramp_install(void *page, const struct lwkb_tramp_params *p)
{
	struct lwkb_tramp_data *d;

	/* Below 0xA0000: real-mode reachable and never a reserved vector. */
	if ((p->page_phys & (LWKB_PAGE_SIZE - 1)) || p->page_phys >= 0xA0000 ||
	    p->page_phys == 0)
		return -LWKB_EINVAL;
	if ((p->cr3 & (LWKB_PAGE_SIZE - 1)) || p->cr3 >= (1ULL << 32) || !p->cr3)
		return -LWKB_EINVAL;
	/* The table is searched in 32-bit mode: all of it below 4 GiB. */
	if ((p->slots_phys & 15) || !p->slots_phys || !p->max_slots ||
	    p->max_slots > LWKB_TRAMP_MAX_SLOTS ||
	    p->slots_phys + (lwkb_u64)p->max_slots * sizeof(struct lwkb_tramp_slot) > (1ULL << 32))
		return -LWKB_EINVAL;
	if (lwkb_tramp_blob_size > LWKB_TRAMP_SIZE)
		return -LWKB_E2BIG;
	lwkb_memcpy(page, lwkb_tramp_blob, lwkb_tramp_blob_size);
	lwkb_memset((char *)page + lwkb_tramp_blob_size, 0,
		    LWKB_TRAMP_SIZE - lwkb_tramp_blob_size);
	d = lwkb_tramp_data(page);
	if (d->magic != LWKB_TRAMP_MAGIC || d->version != LWKB_TRAMP_VERSION)
		return -LWKB_ENOEXEC;
	d->page_phys = (lwkb_u32)p->page_phys;
	d->cr3 = (lwkb_u32)p->cr3;
	d->cr4 = p->cr4;
	d->efer_set = p->efer_set;
	d->entry = p->entry;
	d->arg0 = p->arg0;
	d->arg1 = p->arg1;
	d->nr_slots = 0;
	d->stray = 0;
	d->entered = 0;
	d->slots_phys = (lwkb_u32)p->slots_phys;
	d->max_slots = p->max_slots;
	/* Relocate: the blob holds offsets from the start of the page. */
	d->gdtr_base += (lwkb_u32)p->page_phys;
	d->far32.offset += (lwkb_u32)p->page_phys;
	d->far64.offset += (lwkb_u32)p->page_phys;
	return 0;
}

void lwkb_tramp_set_entry(void *page, lwkb_u64 entry, lwkb_u64 arg0, lwkb_u64 arg1)
{
	struct lwkb_tramp_data *d = lwkb_tramp_data(page);

	d->entry = entry;
	d->arg0 = arg0;
	d->arg1 = arg1;
}

/*
 * The room is the caller's: the page's max_slots is only what the cores
 * read, and a page the LWK has written may say anything.  A page that
 * disagrees with the caller is refused.
 */
int lwkb_tramp_clear_slots(void *page, struct lwkb_tramp_slot *slots, lwkb_u32 room)
{
	struct lwkb_tramp_data *d = lwkb_tramp_data(page);

	if (room > LWKB_TRAMP_MAX_SLOTS || d->max_slots != room)
		return -LWKB_EINVAL;
	d->nr_slots = 0;
	d->entered = 0;
	d->stray = 0;
	lwkb_memset(slots, 0, (lwkb_size_t)room * sizeof(*slots));
	return 0;
}

int lwkb_tramp_add_slot(void *page, struct lwkb_tramp_slot *slots, lwkb_u32 room,
			lwkb_u32 apic_id, lwkb_u64 stack_top)
{
	struct lwkb_tramp_data *d = lwkb_tramp_data(page);
	lwkb_u32 i, n = d->nr_slots, max = room;
	struct lwkb_tramp_slot *s;

	/* A corrupt count or room must not walk off the table. */
	if (stack_top & 15 || max > LWKB_TRAMP_MAX_SLOTS || d->max_slots != room || n > max)
		return -LWKB_EINVAL;
	for (i = 0; i < n; i++)
		if (slots[i].apic_id == apic_id)
			return -LWKB_EEXIST;
	if (n >= max)
		return -LWKB_ENOSPC;
	s = &slots[n];
	s->apic_id = apic_id;
	s->stage = LWKB_STAGE_NONE;
	s->stack_top = stack_top;
	/* The slot must be complete before a core can see the new count. */
	__atomic_store_n(&d->nr_slots, n + 1, __ATOMIC_RELEASE);
	return (int)n;
}
