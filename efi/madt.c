// SPDX-License-Identifier: MIT
/* MADT walking (ACPI 6.5, section 5.2.12 "Multiple APIC Description Table"). */
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
