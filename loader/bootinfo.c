// SPDX-License-Identifier: MIT
/* Building and checking struct lwkb_boot_info (include/lwkboot/boot_info.h). */
#include "lwkb_loader.h"

/* Where each array goes for this room; 0 when it cannot be laid out. */
struct bi_layout {
	lwkb_u64 cores_off, ikc_map_off, chunks_off, numa_off, distance_off,
		 kargs_off, size;
};

static lwkb_u64 bi_plan(lwkb_u32 cores, lwkb_u32 chunks, lwkb_u32 numa,
			lwkb_u32 kargs_size, struct bi_layout *l)
{
	lwkb_u64 off = sizeof(struct lwkb_boot_info);

	if (!cores || cores > LWKB_MAX_CORES || !chunks || chunks > LWKB_MAX_CHUNKS ||
	    !numa || numa > LWKB_MAX_NUMA || !kargs_size || kargs_size > LWKB_KARGS_SIZE)
		return 0;
	/* Each array 8-byte aligned; the bounds keep every sum far below 2^32. */
	l->cores_off = off;
	off += (lwkb_u64)cores * sizeof(struct lwkb_core);
	l->ikc_map_off = off;
	off += LWKB_ALIGN_UP((lwkb_u64)cores * sizeof(lwkb_u32), 8);
	l->chunks_off = off;
	off += (lwkb_u64)chunks * sizeof(struct lwkb_mem_chunk);
	l->numa_off = off;
	off += (lwkb_u64)numa * sizeof(struct lwkb_numa_node);
	l->distance_off = off;
	off += LWKB_ALIGN_UP((lwkb_u64)numa * numa, 8);
	l->kargs_off = off;
	off += LWKB_ALIGN_UP(kargs_size, 8);
	l->size = off;
	return off;
}

lwkb_u64 lwkb_bootinfo_size(lwkb_u32 cores, lwkb_u32 chunks, lwkb_u32 numa)
{
	struct bi_layout l;

	return bi_plan(cores, chunks, numa, LWKB_KARGS_SIZE, &l);
}

int lwkb_bootinfo_init(struct lwkb_boot_info *bi, lwkb_u64 buf_size, lwkb_u32 cores,
		       lwkb_u32 chunks, lwkb_u32 numa)
{
	struct bi_layout l;
	lwkb_u64 size = bi_plan(cores, chunks, numa, LWKB_KARGS_SIZE, &l);

	if (!size)
		return -LWKB_EINVAL;
	if (size > buf_size)
		return -LWKB_ENOSPC;
	lwkb_memset(bi, 0, size);
	bi->magic = LWKB_BOOT_INFO_MAGIC;
	bi->version = LWKB_BOOT_INFO_VERSION;
	bi->size = (lwkb_u32)size;
	bi->cores_max = cores;
	bi->chunks_max = chunks;
	bi->numa_max = numa;
	bi->cores_off = (lwkb_u32)l.cores_off;
	bi->ikc_map_off = (lwkb_u32)l.ikc_map_off;
	bi->chunks_off = (lwkb_u32)l.chunks_off;
	bi->numa_off = (lwkb_u32)l.numa_off;
	bi->distance_off = (lwkb_u32)l.distance_off;
	bi->kargs_off = (lwkb_u32)l.kargs_off;
	bi->kargs_size = LWKB_KARGS_SIZE;
	return 0;
}

int lwkb_bootinfo_add_core(struct lwkb_boot_info *bi, lwkb_u32 host_cpu,
			   lwkb_u32 apic_id, lwkb_u32 numa_id)
{
	struct lwkb_core *c = lwkb_bi_cores(bi);
	lwkb_u32 i, n = bi->nr_cores;

	if (n >= bi->cores_max)
		return -LWKB_ENOSPC;
	for (i = 0; i < n; i++)
		if (c[i].apic_id == apic_id || c[i].host_cpu == host_cpu)
			return -LWKB_EEXIST;
	c[n].lwk_id = n;
	c[n].host_cpu = host_cpu;
	c[n].apic_id = apic_id;
	c[n].numa_id = numa_id;
	lwkb_bi_ikc_map(bi)[n] = 0;
	bi->nr_cores = n + 1;
	return 0;
}

int lwkb_bootinfo_add_chunk(struct lwkb_boot_info *bi, lwkb_u64 start,
			    lwkb_u64 end, lwkb_u32 numa_id)
{
	struct lwkb_mem_chunk *c;

	if (end <= start)
		return -LWKB_EINVAL;
	if (bi->nr_chunks >= bi->chunks_max)
		return -LWKB_ENOSPC;
	c = &lwkb_bi_chunks(bi)[bi->nr_chunks++];
	c->start = start;
	c->end = end;
	c->numa_id = numa_id;
	return 0;
}

int lwkb_bootinfo_add_numa(struct lwkb_boot_info *bi, lwkb_u32 host_id,
			   lwkb_u32 type)
{
	lwkb_u32 i, n = bi->nr_numa;

	if (n >= bi->numa_max)
		return -LWKB_ENOSPC;
	lwkb_bi_numa(bi)[n].host_id = host_id;
	lwkb_bi_numa(bi)[n].type = type;
	/* Default distances as ACPI SLIT: 10 local, 20 remote. */
	for (i = 0; i <= n; i++) {
		*lwkb_bi_distance(bi, n, i) = i == n ? 10 : 20;
		*lwkb_bi_distance(bi, i, n) = i == n ? 10 : 20;
	}
	bi->nr_numa++;
	return 0;
}

int lwkb_bootinfo_set_kargs(struct lwkb_boot_info *bi, const char *kargs)
{
	lwkb_size_t n = lwkb_strnlen(kargs, bi->kargs_size);

	if (n >= bi->kargs_size)
		return -LWKB_E2BIG;
	lwkb_memcpy(lwkb_bi_kargs(bi), kargs, n);
	lwkb_memset(lwkb_bi_kargs(bi) + n, 0, bi->kargs_size - n);
	return 0;
}

/* Does [off, off + n * elem) lie in [header, size), aligned to 'align'? */
static int array_ok(const struct lwkb_boot_info *bi, lwkb_u32 off, lwkb_u64 n,
		    lwkb_u64 elem, lwkb_u32 align)
{
	return off >= sizeof(*bi) && off % align == 0 && off <= bi->size &&
	       n * elem <= bi->size - off;	/* n, elem < 2^32: no overflow */
}

int lwkb_bootinfo_check(const struct lwkb_boot_info *bi, lwkb_u64 buf_size, char *err,
			lwkb_size_t errlen)
{
	const struct lwkb_core *cores;
	const struct lwkb_mem_chunk *chunks;
	lwkb_u32 i;

	if (bi->magic != LWKB_BOOT_INFO_MAGIC)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: bad magic 0x%llx", (unsigned long long)bi->magic);
	if (bi->version != LWKB_BOOT_INFO_VERSION)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: version %u, this LWK knows %u", bi->version,
				LWKB_BOOT_INFO_VERSION);
	if (bi->size < sizeof(*bi) || bi->size > buf_size)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: size %u, want %u to %llu", bi->size,
				(unsigned)sizeof(*bi), (unsigned long long)buf_size);
	if (bi->nr_cores == 0 || bi->nr_cores > bi->cores_max ||
	    bi->cores_max > LWKB_MAX_CORES)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: %u cores (room for %u)", bi->nr_cores, bi->cores_max);
	if (bi->nr_chunks == 0 || bi->nr_chunks > bi->chunks_max ||
	    bi->chunks_max > LWKB_MAX_CHUNKS)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: %u memory chunks (room for %u)", bi->nr_chunks,
				bi->chunks_max);
	if (bi->nr_numa == 0 || bi->nr_numa > bi->numa_max || bi->numa_max > LWKB_MAX_NUMA)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: %u NUMA nodes (room for %u)", bi->nr_numa,
				bi->numa_max);
	if (!array_ok(bi, bi->cores_off, bi->cores_max, sizeof(struct lwkb_core), 8) ||
	    !array_ok(bi, bi->ikc_map_off, bi->cores_max, sizeof(lwkb_u32), 4) ||
	    !array_ok(bi, bi->chunks_off, bi->chunks_max, sizeof(struct lwkb_mem_chunk), 8) ||
	    !array_ok(bi, bi->numa_off, bi->numa_max, sizeof(struct lwkb_numa_node), 8) ||
	    !array_ok(bi, bi->distance_off, (lwkb_u64)bi->numa_max * bi->numa_max, 1, 1) ||
	    !array_ok(bi, bi->kargs_off, bi->kargs_size, 1, 1) || !bi->kargs_size ||
	    bi->kargs_size > LWKB_KARGS_SIZE)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: an array lies outside its %u bytes", bi->size);
	/* The LWK starts its cores through the slot table: room for each, below 4 GiB. */
	if (bi->slots_max < bi->nr_cores || bi->slots_max > LWKB_TRAMP_MAX_SLOTS ||
	    !bi->slots_phys || (bi->slots_phys & 15) ||
	    bi->slots_phys + (lwkb_u64)bi->slots_max * sizeof(struct lwkb_tramp_slot) >
	    (1ULL << 32))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: slot table 0x%llx of %u slots for %u cores",
				(unsigned long long)bi->slots_phys, bi->slots_max, bi->nr_cores);
	cores = lwkb_bi_cores(bi);
	chunks = lwkb_bi_chunks(bi);
	for (i = 0; i < bi->nr_cores; i++)
		if (cores[i].lwk_id != i || cores[i].numa_id >= bi->nr_numa)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"boot_info: core %u is inconsistent", i);
	for (i = 0; i < bi->nr_chunks; i++)
		if (chunks[i].end <= chunks[i].start || chunks[i].numa_id >= bi->nr_numa)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"boot_info: chunk %u is inconsistent", i);
	if (lwkb_strnlen(lwkb_bi_kargs(bi), bi->kargs_size) >= bi->kargs_size)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: kernel arguments are not terminated");
	return 0;
}

void lwkb_status_init(struct lwkb_status_page *st, lwkb_u64 area_size)
{
	lwkb_memset(st, 0, area_size);
	st->magic = LWKB_STATUS_MAGIC;
	st->status = LWKB_STATUS_INACTIVE;
	st->panic_vector = 0xffffffff;
	st->regs_offset = sizeof(*st);
	st->regs_size = sizeof(struct lwkb_core_dump);
}
