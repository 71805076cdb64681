// SPDX-License-Identifier: MIT
/* Building and checking struct lwkb_boot_info (include/lwkboot/boot_info.h). */
#include "lwkb_loader.h"

void lwkb_bootinfo_init(struct lwkb_boot_info *bi)
{
	lwkb_memset(bi, 0, sizeof(*bi));
	bi->magic = LWKB_BOOT_INFO_MAGIC;
	bi->version = LWKB_BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
}

int lwkb_bootinfo_add_core(struct lwkb_boot_info *bi, lwkb_u32 host_cpu,
			   lwkb_u32 apic_id, lwkb_u32 numa_id)
{
	struct lwkb_core *c;
	lwkb_u32 i;

	if (bi->nr_cores >= LWKB_MAX_CORES)
		return -LWKB_ENOSPC;
	for (i = 0; i < bi->nr_cores; i++)
		if (bi->cores[i].apic_id == apic_id || bi->cores[i].host_cpu == host_cpu)
			return -LWKB_EEXIST;
	c = &bi->cores[bi->nr_cores];
	c->lwk_id = bi->nr_cores;
	c->host_cpu = host_cpu;
	c->apic_id = apic_id;
	c->numa_id = numa_id;
	bi->ikc_map[bi->nr_cores] = 0;
	bi->nr_cores++;
	return 0;
}

int lwkb_bootinfo_add_chunk(struct lwkb_boot_info *bi, lwkb_u64 start,
			    lwkb_u64 end, lwkb_u32 numa_id)
{
	struct lwkb_mem_chunk *c;

	if (end <= start)
		return -LWKB_EINVAL;
	if (bi->nr_chunks >= LWKB_MAX_CHUNKS)
		return -LWKB_ENOSPC;
	c = &bi->chunks[bi->nr_chunks++];
	c->start = start;
	c->end = end;
	c->numa_id = numa_id;
	return 0;
}

int lwkb_bootinfo_add_numa(struct lwkb_boot_info *bi, lwkb_u32 host_id,
			   lwkb_u32 type)
{
	lwkb_u32 i, n = bi->nr_numa;

	if (n >= LWKB_MAX_NUMA)
		return -LWKB_ENOSPC;
	bi->numa[n].host_id = host_id;
	bi->numa[n].type = type;
	/* Default distances as ACPI SLIT: 10 local, 20 remote. */
	for (i = 0; i <= n; i++) {
		bi->numa_distance[n][i] = i == n ? 10 : 20;
		bi->numa_distance[i][n] = i == n ? 10 : 20;
	}
	bi->nr_numa++;
	return 0;
}

int lwkb_bootinfo_set_kargs(struct lwkb_boot_info *bi, const char *kargs)
{
	lwkb_size_t n = lwkb_strnlen(kargs, LWKB_KARGS_SIZE);

	if (n >= LWKB_KARGS_SIZE)
		return -LWKB_E2BIG;
	lwkb_memcpy(bi->kargs, kargs, n);
	lwkb_memset(bi->kargs + n, 0, LWKB_KARGS_SIZE - n);
	return 0;
}

int lwkb_bootinfo_check(const struct lwkb_boot_info *bi, char *err,
			lwkb_size_t errlen)
{
	lwkb_u32 i;

	if (bi->magic != LWKB_BOOT_INFO_MAGIC)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: bad magic 0x%llx", (unsigned long long)bi->magic);
	if (bi->version != LWKB_BOOT_INFO_VERSION)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: version %u, this LWK knows %u", bi->version,
				LWKB_BOOT_INFO_VERSION);
	if (bi->size != sizeof(*bi))
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: size %u, this LWK expects %u", bi->size,
				(unsigned)sizeof(*bi));
	if (bi->nr_cores == 0 || bi->nr_cores > LWKB_MAX_CORES)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: %u cores", bi->nr_cores);
	if (bi->nr_chunks == 0 || bi->nr_chunks > LWKB_MAX_CHUNKS)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: %u memory chunks", bi->nr_chunks);
	if (bi->nr_numa == 0 || bi->nr_numa > LWKB_MAX_NUMA)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"boot_info: %u NUMA nodes", bi->nr_numa);
	for (i = 0; i < bi->nr_cores; i++)
		if (bi->cores[i].lwk_id != i || bi->cores[i].numa_id >= bi->nr_numa)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"boot_info: core %u is inconsistent", i);
	for (i = 0; i < bi->nr_chunks; i++)
		if (bi->chunks[i].end <= bi->chunks[i].start ||
		    bi->chunks[i].numa_id >= bi->nr_numa)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"boot_info: chunk %u is inconsistent", i);
	if (lwkb_strnlen(bi->kargs, LWKB_KARGS_SIZE) >= LWKB_KARGS_SIZE)
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
