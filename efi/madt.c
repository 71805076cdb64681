// SPDX-License-Identifier: MIT
/*
 * MADT walking (ACPI 6.5, section 5.2.12 "Multiple APIC Description
 * Table"), and the NUMA tables SRAT (5.2.16) and SLIT (5.2.17).
 */
#include "host.h"

#define MADT_HDR	44	/* SDT header (36) + local APIC address + flags */
#define MADT_LAPIC	0
#define MADT_LAPIC_OVR	5
#define MADT_X2APIC	9
#define FLAG_ENABLED	1

static lwkb_u32 rd32(const lwkb_u8 *p)
{
	return p[0] | (lwkb_u32)p[1] << 8 | (lwkb_u32)p[2] << 16 | (lwkb_u32)p[3] << 24;
}

int host_madt_parse(const void *madt, lwkb_u64 len, struct host_cpu *cpus,
		    lwkb_u32 max, lwkb_u32 *nr, lwkb_u64 *apic_phys,
		    char *err, lwkb_size_t errlen)
{
	const lwkb_u8 *t = madt;
	lwkb_u64 off = MADT_HDR, tlen;

	*nr = 0;
	if (len < MADT_HDR || lwkb_memcmp(t, "APIC", 4))
		return lwkb_err(err, errlen, -LWKB_EINVAL, "MADT: not an APIC table");
	tlen = rd32(t + 4);
	if (tlen < MADT_HDR || tlen > len)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"MADT: length %llu is inconsistent", (unsigned long long)tlen);
	*apic_phys = rd32(t + 36);
	while (off + 2 <= tlen) {
		const lwkb_u8 *e = t + off;
		lwkb_u8 type = e[0], elen = e[1];
		lwkb_u32 id, uid, flags;

		if (elen < 2 || off + elen > tlen)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"MADT: entry at offset %llu has bad length %u",
					(unsigned long long)off, elen);
		off += elen;
		if (type == MADT_LAPIC && elen >= 8) {
			uid = e[2];
			id = e[3];
			flags = rd32(e + 4);
		} else if (type == MADT_X2APIC && elen >= 16) {
			id = rd32(e + 4);
			flags = rd32(e + 8);
			uid = rd32(e + 12);
		} else {
			if (type == MADT_LAPIC_OVR && elen >= 12)
				*apic_phys = rd32(e + 4) | (lwkb_u64)rd32(e + 8) << 32;
			continue;
		}
		if (!(flags & FLAG_ENABLED))
			continue;
		if (*nr >= max)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"MADT: more than %u enabled CPUs", max);
		cpus[*nr].apic_id = id;
		cpus[*nr].uid = uid;
		(*nr)++;
	}
	if (!*nr)
		return lwkb_err(err, errlen, -LWKB_EINVAL, "MADT: no enabled CPU");
	return 0;
}

static lwkb_u64 rd64(const lwkb_u8 *p)
{
	return rd32(p) | (lwkb_u64)rd32(p + 4) << 32;
}

/* An ACPI table's own length, checked against what the firmware gave. */
static int table_len(const lwkb_u8 *t, lwkb_u64 len, const char *sig, lwkb_u64 hdr,
		     lwkb_u64 *tlen, char *err, lwkb_size_t errlen)
{
	if (len < hdr || lwkb_memcmp(t, sig, 4))
		return lwkb_err(err, errlen, -LWKB_EINVAL, "%s: not such a table", sig);
	*tlen = rd32(t + 4);
	if (*tlen < hdr || *tlen > len)
		return lwkb_err(err, errlen, -LWKB_EINVAL, "%s: length %llu is inconsistent",
				sig, (unsigned long long)*tlen);
	return 0;
}

#define SRAT_HDR	48	/* SDT header, reserved u32 and u64 */
#define SRAT_LAPIC	0
#define SRAT_MEM	1
#define SRAT_X2APIC	2

static void set_cpu_node(struct host_cpu *cpus, lwkb_u32 nr, lwkb_u32 apic_id, lwkb_u32 node)
{
	lwkb_u32 i;

	for (i = 0; i < nr; i++)
		if (cpus[i].apic_id == apic_id)
			cpus[i].node = node;
}

int host_srat_parse(const void *srat, lwkb_u64 len, struct host_cpu *cpus, lwkb_u32 nr,
		    struct host_numa *numa, char *err, lwkb_size_t errlen)
{
	const lwkb_u8 *t = srat;
	lwkb_u64 off = SRAT_HDR, tlen;
	int rc = table_len(t, len, "SRAT", SRAT_HDR, &tlen, err, errlen);

	if (rc)
		return rc;
	while (off + 2 <= tlen) {
		const lwkb_u8 *e = t + off;
		lwkb_u8 type = e[0], elen = e[1];

		if (elen < 2 || off + elen > tlen)
			return lwkb_err(err, errlen, -LWKB_EINVAL,
					"SRAT: entry at offset %llu has bad length %u",
					(unsigned long long)off, elen);
		off += elen;
		if (type == SRAT_LAPIC && elen >= 16 && (rd32(e + 4) & 1))
			/* proximity domain bits 7:0 at 2, 31:8 at 9..11 */
			set_cpu_node(cpus, nr, e[3], e[2] | (lwkb_u32)e[9] << 8 |
				     (lwkb_u32)e[10] << 16 | (lwkb_u32)e[11] << 24);
		else if (type == SRAT_X2APIC && elen >= 24 && (rd32(e + 12) & 1))
			set_cpu_node(cpus, nr, rd32(e + 8), rd32(e + 4));
		else if (type == SRAT_MEM && elen >= 40 && (rd32(e + 28) & 1) && rd64(e + 16)) {
			lwkb_u64 base = rd64(e + 8), size = rd64(e + 16);

			if (numa->nr_ranges >= HOST_MAX_MEM_RANGES)
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"SRAT: more than %u memory ranges",
						HOST_MAX_MEM_RANGES);
			if (base + size < base)
				return lwkb_err(err, errlen, -LWKB_EINVAL,
						"SRAT: memory range 0x%llx+0x%llx wraps",
						(unsigned long long)base, (unsigned long long)size);
			numa->range[numa->nr_ranges].start = base;
			numa->range[numa->nr_ranges].end = base + size;
			numa->range[numa->nr_ranges].node = rd32(e + 2);
			numa->nr_ranges++;
		}
	}
	return 0;
}

#define SLIT_HDR	44	/* SDT header, number of localities (u64) */

int host_slit_parse(const void *slit, lwkb_u64 len, struct host_numa *numa, char *err,
		    lwkb_size_t errlen)
{
	const lwkb_u8 *t = slit;
	lwkb_u64 tlen, n;
	int rc = table_len(t, len, "SLIT", SLIT_HDR, &tlen, err, errlen);

	if (rc)
		return rc;
	n = rd64(t + 36);
	/* n * n must fit what follows the header: n < 2^32 keeps it exact. */
	if (!n || n >= (1ULL << 32) || n * n > tlen - SLIT_HDR)
		return lwkb_err(err, errlen, -LWKB_EINVAL,
				"SLIT: %llu localities do not fit its %llu bytes",
				(unsigned long long)n, (unsigned long long)tlen);
	numa->slit = t + SLIT_HDR;
	numa->slit_n = n;
	return 0;
}

lwkb_u32 host_mem_node(const struct host_numa *numa, lwkb_u64 a)
{
	lwkb_u32 i;

	for (i = 0; i < numa->nr_ranges; i++)
		if (a >= numa->range[i].start && a < numa->range[i].end)
			return numa->range[i].node;
	return 0;
}

lwkb_u32 host_numa_distance(const struct host_numa *numa, lwkb_u32 from, lwkb_u32 to)
{
	if (numa->slit && from < numa->slit_n && to < numa->slit_n)
		return numa->slit[from * numa->slit_n + to];
	return from == to ? 10 : 20;
}
