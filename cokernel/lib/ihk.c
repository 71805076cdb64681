// SPDX-License-Identifier: MIT
/*
 * The LWK-side API of the IHK specification 1.7.1, section 1.2.3, read
 * from boot_info.  Return values as the spec gives them: counts >= 0,
 * 0 for success, -1 for an invalid id.  Output pointers may be NULL.
 */
#include "internal.h"

int ihk_mc_get_nr_numa_nodes(void)
{
	return (int)lwk_bi->nr_numa;
}

int ihk_mc_get_numa_node(int id, int *linux_numa_id, int *type)
{
	if (id < 0 || (lwkb_u32)id >= lwk_bi->nr_numa)
		return -1;
	if (linux_numa_id)
		*linux_numa_id = (int)lwkb_bi_numa(lwk_bi)[id].host_id;
	if (type)
		*type = (int)lwkb_bi_numa(lwk_bi)[id].type;
	return 0;
}

int ihk_mc_get_numa_id(void)
{
	int c = lwk_this_core();

	return c < 0 ? 0 : (int)lwkb_bi_cores(lwk_bi)[c].numa_id;
}

int ihk_mc_get_numa_distance(int i, int j)
{
	if (i < 0 || j < 0 || (lwkb_u32)i >= lwk_bi->nr_numa ||
	    (lwkb_u32)j >= lwk_bi->nr_numa)
		return -1;
	return *lwkb_bi_distance(lwk_bi, (lwkb_u32)i, (lwkb_u32)j);
}

int ihk_mc_get_nr_memory_chunks(void)
{
	return (int)lwk_bi->nr_chunks;
}

int ihk_mc_get_memory_chunk(int id, unsigned long *start, unsigned long *end,
			    int *numa_id)
{
	if (id < 0 || (lwkb_u32)id >= lwk_bi->nr_chunks)
		return -1;
	if (start)
		*start = lwkb_bi_chunks(lwk_bi)[id].start;
	if (end)
		*end = lwkb_bi_chunks(lwk_bi)[id].end;
	if (numa_id)
		*numa_id = (int)lwkb_bi_chunks(lwk_bi)[id].numa_id;
	return 0;
}

int ihk_mc_get_nr_cores(void)
{
	return (int)lwk_bi->nr_cores;
}

int ihk_mc_get_core(int id, unsigned long *linux_core_id, unsigned long *hw_id,
		    int *numa_id)
{
	if (id < 0 || (lwkb_u32)id >= lwk_bi->nr_cores)
		return -1;
	if (linux_core_id)
		*linux_core_id = lwkb_bi_cores(lwk_bi)[id].host_cpu;
	if (hw_id)
		*hw_id = lwkb_bi_cores(lwk_bi)[id].apic_id;
	if (numa_id)
		*numa_id = (int)lwkb_bi_cores(lwk_bi)[id].numa_id;
	return 0;
}

int ihk_mc_get_ikc_cpu(int id)
{
	if (id < 0 || (lwkb_u32)id >= lwk_bi->nr_cores)
		return -1;
	return (int)lwkb_bi_ikc_map(lwk_bi)[id];
}

char *ihk_get_kargs(void)
{
	return lwkb_bi_kargs(lwk_bi);
}

int ihk_get_kmsg_buf(unsigned long *addr, unsigned long *size)
{
	if (addr)
		*addr = lwk_bi->kmsg_phys;
	if (size)
		*size = lwk_bi->kmsg_size;
	return 0;
}

/*
 * "key=value" among the space-separated kernel arguments.  A value may be
 * quoted with double quotes to hold spaces; the quotes are not copied.
 */
int lwk_karg(const char *key, char *val, lwkb_size_t len)
{
	const char *s = lwkb_bi_kargs(lwk_bi);
	lwkb_size_t kl = lwkb_strlen(key);

	while (*s) {
		while (*s == ' ')
			s++;
		if (!lwkb_strncmp(s, key, kl) && s[kl] == '=') {
			const char *v = s + kl + 1;
			lwkb_size_t n = 0;
			int q = 0;

			for (; *v && (q || *v != ' '); v++) {
				if (*v == '"') {
					q = !q;
					continue;
				}
				if (n + 1 < len)
					val[n++] = *v;
			}
			if (len)
				val[n] = '\0';
			return 0;
		}
		/* skip this word, honouring quotes */
		{
			int q = 0;

			for (; *s && (q || *s != ' '); s++)
				if (*s == '"')
					q = !q;
		}
	}
	return -LWKB_ENOENT;
}

int lwk_karg_u64(const char *key, lwkb_u64 *out)
{
	char v[32];

	if (lwk_karg(key, v, sizeof(v)))
		return -LWKB_ENOENT;
	return lwkb_parse_u64(v, lwkb_strlen(v), out);
}
