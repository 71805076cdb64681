// SPDX-License-Identifier: MIT
/*
 * The shared ABI headers and boot_info building (loader/bootinfo.c).
 *
 * What these tests prove:
 *  - the layout of struct lwkb_boot_info (version 2's header), lwkb_core,
 *    lwkb_mem_chunk, lwkb_kmsg and lwkb_status_page is the documented one:
 *    every offset is written out below as a number computed by hand from
 *    the field list, so an accidental change of the ABI fails here;
 *  - the magics spell their ASCII names in memory;
 *  - boot_info is sized to its room: the arrays' offsets and the size are
 *    the hand-computed ones; counts of 0 or above LWKB_MAX_* and a buffer
 *    one byte too small are refused and leave the buffer alone;
 *  - add_core / add_chunk / add_numa keep their invariants (ids, room,
 *    duplicates, SLIT default distances), up to 8192 cores;
 *  - kernel arguments: 4095 bytes fit, 4096 do not (and change nothing),
 *    every byte is kept verbatim;
 *  - lwkb_bootinfo_check catches each inconsistency with a message: an
 *    array outside the size (offsets near 2^32, room near 2^32 whose byte
 *    count would overflow 32 bits), a size beyond what the reader can see,
 *    version 1.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwkb_loader.h"
#include "unit.h"

#define OFF(type, field) offsetof(struct type, field)

static void bi_layout(void)
{
	/* Header: 8 + 4 + 4, then four u32, then 8-byte fields. */
	CHECK_EQ(OFF(lwkb_boot_info, magic), 0);
	CHECK_EQ(OFF(lwkb_boot_info, version), 8);
	CHECK_EQ(OFF(lwkb_boot_info, size), 12);
	CHECK_EQ(OFF(lwkb_boot_info, nr_cores), 16);
	CHECK_EQ(OFF(lwkb_boot_info, nr_chunks), 20);
	CHECK_EQ(OFF(lwkb_boot_info, nr_numa), 24);
	CHECK_EQ(OFF(lwkb_boot_info, apic_mode), 28);
	CHECK_EQ(OFF(lwkb_boot_info, image_phys), 32);
	CHECK_EQ(OFF(lwkb_boot_info, image_end), 40);
	CHECK_EQ(OFF(lwkb_boot_info, loader_end), 48);
	CHECK_EQ(OFF(lwkb_boot_info, apic_phys), 56);
	CHECK_EQ(OFF(lwkb_boot_info, tsc_khz), 64);
	CHECK_EQ(OFF(lwkb_boot_info, kmsg_phys), 72);
	CHECK_EQ(OFF(lwkb_boot_info, kmsg_size), 80);
	CHECK_EQ(OFF(lwkb_boot_info, status_phys), 88);
	CHECK_EQ(OFF(lwkb_boot_info, ikc_phys), 96);
	CHECK_EQ(OFF(lwkb_boot_info, ikc_size), 104);
	CHECK_EQ(OFF(lwkb_boot_info, tramp_phys), 112);
	CHECK_EQ(OFF(lwkb_boot_info, pt_phys), 120);
	CHECK_EQ(OFF(lwkb_boot_info, pt_pages), 128);
	CHECK_EQ(OFF(lwkb_boot_info, pt_pages_max), 132);
	CHECK_EQ(OFF(lwkb_boot_info, ident_end), 136);
	CHECK_EQ(OFF(lwkb_boot_info, high_size), 144);
	CHECK_EQ(OFF(lwkb_boot_info, stacks_phys), 152);
	CHECK_EQ(OFF(lwkb_boot_info, stack_size), 160);
	CHECK_EQ(OFF(lwkb_boot_info, slots_phys), 168);
	CHECK_EQ(OFF(lwkb_boot_info, slots_max), 176);
	CHECK_EQ(OFF(lwkb_boot_info, cores_max), 180);
	CHECK_EQ(OFF(lwkb_boot_info, chunks_max), 184);
	CHECK_EQ(OFF(lwkb_boot_info, numa_max), 188);
	CHECK_EQ(OFF(lwkb_boot_info, cores_off), 192);
	CHECK_EQ(OFF(lwkb_boot_info, ikc_map_off), 196);
	CHECK_EQ(OFF(lwkb_boot_info, chunks_off), 200);
	CHECK_EQ(OFF(lwkb_boot_info, numa_off), 204);
	CHECK_EQ(OFF(lwkb_boot_info, distance_off), 208);
	CHECK_EQ(OFF(lwkb_boot_info, kargs_off), 212);
	CHECK_EQ(OFF(lwkb_boot_info, kargs_size), 216);
	CHECK_EQ(sizeof(struct lwkb_boot_info), 224);
	CHECK_EQ(LWKB_MAX_CORES, LWKB_TRAMP_MAX_SLOTS);
	CHECK_EQ(LWKB_MAX_CORES, 8192);

	CHECK_EQ(OFF(lwkb_core, lwk_id), 0);
	CHECK_EQ(OFF(lwkb_core, host_cpu), 4);
	CHECK_EQ(OFF(lwkb_core, apic_id), 8);
	CHECK_EQ(OFF(lwkb_core, numa_id), 12);
	CHECK_EQ(sizeof(struct lwkb_core) % 8, 0);
	CHECK_EQ(OFF(lwkb_mem_chunk, start), 0);
	CHECK_EQ(OFF(lwkb_mem_chunk, end), 8);
	CHECK_EQ(OFF(lwkb_mem_chunk, numa_id), 16);
	CHECK_EQ(sizeof(struct lwkb_mem_chunk), 24);
	CHECK_EQ(sizeof(struct lwkb_numa_node), 8);

	CHECK_EQ(OFF(lwkb_kmsg, magic), 0);
	CHECK_EQ(OFF(lwkb_kmsg, size), 8);
	CHECK_EQ(OFF(lwkb_kmsg, head), 16);
	CHECK_EQ(OFF(lwkb_kmsg, tail), 24);
	CHECK_EQ(OFF(lwkb_kmsg, cleared), 32);
	CHECK_EQ(OFF(lwkb_kmsg, forced), 40);
	CHECK_EQ(OFF(lwkb_kmsg, data), 64);

	CHECK_EQ(OFF(lwkb_status_page, magic), 0);
	CHECK_EQ(OFF(lwkb_status_page, status), 8);
	CHECK_EQ(OFF(lwkb_status_page, cores_up), 12);
	CHECK_EQ(OFF(lwkb_status_page, heartbeat), 16);
	CHECK_EQ(OFF(lwkb_status_page, panic_core), 24);
	CHECK_EQ(OFF(lwkb_status_page, panic_vector), 28);
	CHECK_EQ(OFF(lwkb_status_page, regs_offset), 56);
	CHECK_EQ(OFF(lwkb_status_page, regs_size), 60);
	CHECK_EQ(OFF(lwkb_status_page, dump_req), 64);
	CHECK_EQ(OFF(lwkb_status_page, mem_used_end), 72);
	CHECK_EQ(OFF(lwkb_status_page, freeze_req), 80);
	CHECK_EQ(OFF(lwkb_status_page, cores_frozen), 84);
	CHECK_EQ(OFF(lwkb_status_page, freeze_ready), 88);
	CHECK_EQ(sizeof(struct lwkb_status_page), 128);
	/* The register save area: user_regs_struct's order, then lwkboot's. */
	CHECK_EQ(OFF(lwkb_regs, r15), 0);
	CHECK_EQ(OFF(lwkb_regs, rdi), 14 * 8);
	CHECK_EQ(OFF(lwkb_regs, vector), 15 * 8);
	CHECK_EQ(OFF(lwkb_regs, rip), 16 * 8);
	CHECK_EQ(OFF(lwkb_regs, rsp), 19 * 8);
	CHECK_EQ(OFF(lwkb_regs, fs_base), 21 * 8);
	CHECK_EQ(OFF(lwkb_regs, gs), 26 * 8);
	CHECK_EQ(OFF(lwkb_regs, seq), 264);
	CHECK_EQ(sizeof(struct lwkb_core_dump), 560);
}

/* A status area is zeroed and says where each core's save area is. */
static void status_init_formats_the_area(void)
{
	static lwkb_u64 area[(LWKB_STATUS_AREA_SIZE(3) + 7) / 8];
	struct lwkb_status_page *st = (struct lwkb_status_page *)area;
	const struct lwkb_core_dump *cd;

	lwkb_memset(area, 0xa5, sizeof(area));
	lwkb_status_init(st, sizeof(area));
	CHECK_EQ(st->magic, LWKB_STATUS_MAGIC);
	CHECK_EQ(st->status, LWKB_STATUS_INACTIVE);
	CHECK_EQ(st->panic_vector, 0xffffffffu);
	CHECK_EQ(st->regs_offset, sizeof(*st));
	CHECK_EQ(st->regs_size, sizeof(struct lwkb_core_dump));
	cd = (const struct lwkb_core_dump *)((const char *)st + st->regs_offset);
	CHECK_EQ(cd[2].nmi.seq, 0);
	CHECK_EQ(cd[2].nmi_ready, 0);
	CHECK_EQ(cd[0].fault.why, LWKB_REGS_NONE);
}

/* The magics read as their names in a hex dump (little endian). */
static void bi_magics_spell_names(void)
{
	lwkb_u64 m;

	m = LWKB_BOOT_INFO_MAGIC;
	CHECK(memcmp(&m, "LWKBINFO", 8) == 0, "boot_info magic");
	m = LWKB_KMSG_MAGIC;
	CHECK(memcmp(&m, "LWKBKMSG", 8) == 0, "kmsg magic");
	m = LWKB_STATUS_MAGIC;
	CHECK(memcmp(&m, "LWKBSTAT", 8) == 0, "status magic");
	m = LWKB_TRAMP_MAGIC;
	CHECK(memcmp(&m, "LWKTRMP", 8) == 0, "trampoline magic");
	/* Status names follow the IHK order. */
	CHECK_STR(lwkb_status_name(LWKB_STATUS_RUNNING), "RUNNING");
	CHECK_STR(lwkb_status_name(LWKB_STATUS_FROZEN), "FROZEN");
	CHECK(lwkb_status_name(LWKB_STATUS_NR) == NULL, "past the end");
}

/* Room of the tests' boot_info: 3 cores, 2 chunks, 2 nodes, unless said. */
static struct lwkb_boot_info *bi_new_room(lwkb_u32 cores, lwkb_u32 chunks, lwkb_u32 numa)
{
	lwkb_u64 size = lwkb_bootinfo_size(cores, chunks, numa);
	struct lwkb_boot_info *bi = size ? malloc(size) : NULL;

	if (bi) {
		memset(bi, 0xa5, size);	/* init must clear everything */
		if (lwkb_bootinfo_init(bi, size, cores, chunks, numa)) {
			free(bi);
			bi = NULL;
		}
	}
	return bi;
}

static struct lwkb_boot_info *bi_new(void)
{
	return bi_new_room(3, 2, 2);
}

/* Offsets and size by hand: 224-byte header, then each array 8-aligned. */
static void bi_init(void)
{
	struct lwkb_boot_info *bi = bi_new();
	const unsigned char *b = (const unsigned char *)bi;

	if (!CHECK(bi != NULL, "out of memory"))
		return;
	CHECK_EQ(bi->magic, LWKB_BOOT_INFO_MAGIC);
	CHECK_EQ(bi->version, 2);
	CHECK_EQ(bi->cores_max, 3);
	CHECK_EQ(bi->chunks_max, 2);
	CHECK_EQ(bi->numa_max, 2);
	/* cores 224 + 3 * 16 = 272; ikc_map 272 + 12 -> 288; chunks 288 + 48 =
	 * 336; nodes 336 + 16 = 352; distances 352 + 4 -> 360; kargs 360 + 4096. */
	CHECK_EQ(bi->cores_off, 224);
	CHECK_EQ(bi->ikc_map_off, 272);
	CHECK_EQ(bi->chunks_off, 288);
	CHECK_EQ(bi->numa_off, 336);
	CHECK_EQ(bi->distance_off, 352);
	CHECK_EQ(bi->kargs_off, 360);
	CHECK_EQ(bi->kargs_size, LWKB_KARGS_SIZE);
	CHECK_EQ(bi->size, 360 + LWKB_KARGS_SIZE);
	CHECK_EQ(lwkb_bootinfo_size(3, 2, 2), 360 + LWKB_KARGS_SIZE);
	CHECK_EQ(bi->nr_cores + bi->nr_chunks + bi->nr_numa, 0);
	for (size_t i = 224; i < bi->size; i++)
		if (!CHECK(b[i] == 0, "byte %zu not cleared", i))
			break;
	free(bi);
}

/* What cannot be laid out, or does not fit, is refused; the buffer stays. */
static void bi_init_bounds(void)
{
	lwkb_u64 size = lwkb_bootinfo_size(4, 1, 1);
	unsigned char *buf = malloc(size + 64);

	if (!CHECK(buf != NULL, "out of memory"))
		return;
	CHECK_EQ(lwkb_bootinfo_size(0, 1, 1), 0);
	CHECK_EQ(lwkb_bootinfo_size(1, 0, 1), 0);
	CHECK_EQ(lwkb_bootinfo_size(1, 1, 0), 0);
	CHECK_EQ(lwkb_bootinfo_size(LWKB_MAX_CORES + 1, 1, 1), 0);
	CHECK_EQ(lwkb_bootinfo_size(1, LWKB_MAX_CHUNKS + 1, 1), 0);
	CHECK_EQ(lwkb_bootinfo_size(1, 1, LWKB_MAX_NUMA + 1), 0);
	CHECK_EQ(lwkb_bootinfo_size(0xffffffffu, 0xffffffffu, 0xffffffffu), 0);
	/* The largest: 8192 cores, 4096 chunks, 1024 nodes (a 1 MiB matrix). */
	CHECK_EQ(lwkb_bootinfo_size(LWKB_MAX_CORES, LWKB_MAX_CHUNKS, LWKB_MAX_NUMA),
		 224 + 8192 * 16 + 8192 * 4 + 4096 * 24 + 1024 * 8 + 1024 * 1024 + 4096);
	memset(buf, 0x5a, size + 64);
	CHECK_EQ(lwkb_bootinfo_init((struct lwkb_boot_info *)buf, size - 1, 4, 1, 1),
		 -LWKB_ENOSPC);
	CHECK_EQ(lwkb_bootinfo_init((struct lwkb_boot_info *)buf, size + 64, 0, 1, 1),
		 -LWKB_EINVAL);
	CHECK_EQ(lwkb_bootinfo_init((struct lwkb_boot_info *)buf, size + 64,
				    LWKB_MAX_CORES + 1, 1, 1), -LWKB_EINVAL);
	for (size_t i = 0; i < size + 64; i++)
		if (!CHECK(buf[i] == 0x5a, "byte %zu written by a refused init", i))
			break;
	CHECK_EQ(lwkb_bootinfo_init((struct lwkb_boot_info *)buf, size, 4, 1, 1), 0);
	CHECK(buf[size] == 0x5a, "init wrote past its size");
	free(buf);
}

/* Cores get lwk ids in order; duplicates and one more than the room are refused. */
static void bi_add_core(void)
{
	struct lwkb_boot_info *bi = bi_new_room(LWKB_MAX_CORES, 1, 1);
	struct lwkb_core *c;

	if (!CHECK(bi != NULL, "out of memory"))
		return;
	c = lwkb_bi_cores(bi);
	CHECK_EQ(lwkb_bootinfo_add_core(bi, 4, 8, 0), 0);
	CHECK_EQ(lwkb_bootinfo_add_core(bi, 5, 10, 1), 0);
	CHECK_EQ(lwkb_bootinfo_add_core(bi, 6, 8, 0), -LWKB_EEXIST);	/* same APIC id */
	CHECK_EQ(lwkb_bootinfo_add_core(bi, 4, 12, 0), -LWKB_EEXIST);	/* same host CPU */
	CHECK_EQ(bi->nr_cores, 2);
	CHECK_EQ(c[1].lwk_id, 1);
	CHECK_EQ(c[1].host_cpu, 5);
	CHECK_EQ(c[1].apic_id, 10);
	CHECK_EQ(c[1].numa_id, 1);
	/* APIC ids above 255 (x2APIC) are ordinary ids. */
	for (lwkb_u32 i = 2; i < LWKB_MAX_CORES; i++)
		if (!CHECK_EQ(lwkb_bootinfo_add_core(bi, 100 + i, 1000 + i, 0), 0))
			break;
	CHECK_EQ(bi->nr_cores, LWKB_MAX_CORES);
	CHECK_EQ(c[LWKB_MAX_CORES - 1].lwk_id, LWKB_MAX_CORES - 1);
	CHECK_EQ(c[LWKB_MAX_CORES - 1].apic_id, 1000 + LWKB_MAX_CORES - 1);
	CHECK_EQ(lwkb_bootinfo_add_core(bi, 50000, 50000, 0), -LWKB_ENOSPC);
	CHECK_EQ(bi->nr_cores, LWKB_MAX_CORES);
	free(bi);

	bi = bi_new();		/* room for 3 */
	if (!CHECK(bi != NULL, "out of memory"))
		return;
	for (lwkb_u32 i = 0; i < 3; i++)
		CHECK_EQ(lwkb_bootinfo_add_core(bi, i, i, 0), 0);
	CHECK_EQ(lwkb_bootinfo_add_core(bi, 3, 3, 0), -LWKB_ENOSPC);
	free(bi);
}

static void bi_add_chunk_numa(void)
{
	struct lwkb_boot_info *bi = bi_new_room(1, LWKB_MAX_CHUNKS, 3);

	if (!CHECK(bi != NULL, "out of memory"))
		return;
	CHECK_EQ(lwkb_bootinfo_add_chunk(bi, 0x1000, 0x1000, 0), -LWKB_EINVAL);
	CHECK_EQ(lwkb_bootinfo_add_chunk(bi, 0x2000, 0x1000, 0), -LWKB_EINVAL);
	for (int i = 0; i < LWKB_MAX_CHUNKS; i++)
		if (!CHECK_EQ(lwkb_bootinfo_add_chunk(bi, (lwkb_u64)i << 30,
						      ((lwkb_u64)i << 30) + 0x200000, 0), 0))
			break;
	CHECK_EQ(lwkb_bootinfo_add_chunk(bi, 1ULL << 50, (1ULL << 50) + 4096, 0),
		 -LWKB_ENOSPC);
	CHECK_EQ(lwkb_bi_chunks(bi)[3].start, 3ULL << 30);
	CHECK_EQ(lwkb_bi_chunks(bi)[3].end, (3ULL << 30) + 0x200000);

	/* NUMA: ACPI SLIT defaults, 10 on the diagonal, 20 elsewhere. */
	CHECK_EQ(lwkb_bootinfo_add_numa(bi, 0, 0), 0);
	CHECK_EQ(lwkb_bootinfo_add_numa(bi, 3, 1), 0);
	CHECK_EQ(lwkb_bootinfo_add_numa(bi, 7, 0), 0);
	CHECK_EQ(bi->nr_numa, 3);
	CHECK_EQ(lwkb_bi_numa(bi)[1].host_id, 3);
	CHECK_EQ(lwkb_bi_numa(bi)[1].type, 1);
	for (lwkb_u32 i = 0; i < 3; i++)
		for (lwkb_u32 j = 0; j < 3; j++)
			CHECK(*lwkb_bi_distance(bi, i, j) == (i == j ? 10 : 20),
			      "distance[%u][%u] = %u", i, j, *lwkb_bi_distance(bi, i, j));
	CHECK_EQ(lwkb_bootinfo_add_numa(bi, 99, 0), -LWKB_ENOSPC);
	free(bi);
}

/* 4095 bytes (+ NUL) fit; 4096 give -LWKB_E2BIG and leave kargs alone. */
static void bi_kargs_limits(void)
{
	struct lwkb_boot_info *bi = bi_new();
	char *s = malloc(LWKB_KARGS_SIZE + 1);

	if (!CHECK(bi && s, "out of memory"))
		return;
	memset(s, 'k', LWKB_KARGS_SIZE - 1);
	s[LWKB_KARGS_SIZE - 1] = '\0';
	CHECK_EQ(lwkb_bootinfo_set_kargs(bi, s), 0);
	CHECK_EQ(strlen(lwkb_bi_kargs(bi)), LWKB_KARGS_SIZE - 1);
	CHECK_EQ(lwkb_bi_kargs(bi)[LWKB_KARGS_SIZE - 1], '\0');

	CHECK_EQ(lwkb_bootinfo_set_kargs(bi, "short"), 0);
	memset(s, 'x', LWKB_KARGS_SIZE);
	s[LWKB_KARGS_SIZE] = '\0';
	CHECK_EQ(lwkb_bootinfo_set_kargs(bi, s), -LWKB_E2BIG);
	CHECK_STR(lwkb_bi_kargs(bi), "short");
	/* A shorter string clears the rest: no stale tail after the NUL. */
	for (int i = 5; i < LWKB_KARGS_SIZE; i++)
		if (!CHECK(lwkb_bi_kargs(bi)[i] == 0, "stale byte at %d", i))
			break;
	CHECK_EQ(lwkb_bootinfo_set_kargs(bi, ""), 0);
	CHECK_STR(lwkb_bi_kargs(bi), "");
	free(s);
	free(bi);
}

/* Spaces, quotes, tabs and UTF-8 are kept byte for byte. */
static void bi_kargs_verbatim(void)
{
	static const char k[] = "hidden_mem=1G  console=ttyS0,115200 "
		"name=\"two words\" 'single q' esc=\\\" tab=\t end= \xc3\xa9 ";
	struct lwkb_boot_info *bi = bi_new();

	if (!CHECK(bi != NULL, "out of memory"))
		return;
	CHECK_EQ(lwkb_bootinfo_set_kargs(bi, k), 0);
	CHECK(memcmp(lwkb_bi_kargs(bi), k, sizeof(k)) == 0, "kargs not verbatim: \"%s\"",
	      lwkb_bi_kargs(bi));
	free(bi);
}

/* A complete boot_info passes the check; each defect is caught. */
static void bi_check(void)
{
	struct lwkb_boot_info *bi = bi_new(), *good = bi_new();
	lwkb_u64 size = lwkb_bootinfo_size(3, 2, 2);
	char err[160];

	if (!CHECK(bi && good, "out of memory"))
		return;
	CHECK_EQ(lwkb_bootinfo_add_numa(good, 0, 0), 0);
	CHECK_EQ(lwkb_bootinfo_add_chunk(good, 0x40000000, 0x40800000, 0), 0);
	CHECK_EQ(lwkb_bootinfo_add_core(good, 1, 2, 0), 0);
	CHECK_EQ(lwkb_bootinfo_add_core(good, 2, 4, 0), 0);
	CHECK_EQ(lwkb_bootinfo_set_kargs(good, "a=b"), 0);
	good->slots_phys = 0x100000;
	good->slots_max = 2;
	CHECK_EQ(lwkb_bootinfo_check(good, size, err, sizeof(err)), 0);
	/* The reader sees less than the size says. */
	err[0] = '\0';
	CHECK_EQ(lwkb_bootinfo_check(good, size - 1, err, sizeof(err)), -LWKB_EINVAL);
	CHECK_CONTAINS(err, "size");

#define BAD(stmt, needle) do {						\
		memcpy(bi, good, size);					\
		stmt;							\
		err[0] = '\0';						\
		CHECK_EQ(lwkb_bootinfo_check(bi, size, err, sizeof(err)), -LWKB_EINVAL); \
		CHECK_CONTAINS(err, needle);				\
	} while (0)
	BAD(bi->magic ^= 1, "magic");
	BAD(bi->version = 1, "version 1, this LWK knows 2");
	BAD(bi->version = 3, "version 3");
	BAD(bi->size = 200, "size 200");
	BAD(bi->size = 0xffffffffu, "size");
	BAD(bi->nr_cores = 0, "0 cores");
	BAD(bi->nr_cores = 4, "4 cores (room for 3)");
	BAD(bi->cores_max = LWKB_MAX_CORES + 1, "cores");
	BAD(bi->nr_chunks = 0, "memory chunks");
	BAD(bi->nr_chunks = 3, "3 memory chunks (room for 2)");
	BAD(bi->nr_numa = 0, "NUMA");
	BAD(bi->numa_max = LWKB_MAX_NUMA + 1, "NUMA");
	/* Arrays outside the size, or inside the header, or misaligned. */
	BAD(bi->cores_off = 8, "outside");
	BAD(bi->cores_off = 228, "outside");
	BAD(bi->cores_off = 0xfffffff8u, "outside");
	BAD(bi->ikc_map_off = bi->size - 4, "outside");
	BAD(bi->chunks_off = bi->size, "outside");
	BAD(bi->numa_off = bi->size + 8, "outside");
	BAD(bi->distance_off = bi->size - 3, "outside");
	BAD(bi->kargs_off = bi->size - 8, "outside");
	BAD(bi->kargs_size = 0, "outside");
	BAD(bi->kargs_size = 0xffffffffu, "outside");
	/* Room whose bytes would wrap 32 bits: caught before the count. */
	BAD(bi->cores_max = 0x10000001u, "cores");
	BAD((bi->numa_max = 3, bi->distance_off = bi->size - 8), "outside");
	/* The slot table: room for every core, 16-byte aligned, below 4 GiB. */
	BAD(bi->slots_max = 1, "slot table 0x100000 of 1 slots for 2 cores");
	BAD(bi->slots_max = LWKB_TRAMP_MAX_SLOTS + 1, "slot table");
	BAD(bi->slots_phys = 0, "slot table");
	BAD(bi->slots_phys = 0x100008, "slot table");
	BAD(bi->slots_phys = 0xfffffff0, "slot table");
	BAD(bi->slots_phys = 1ULL << 40, "slot table");
	BAD(lwkb_bi_cores(bi)[1].lwk_id = 5, "core 1");
	BAD(lwkb_bi_cores(bi)[0].numa_id = 1, "core 0");
	BAD(lwkb_bi_chunks(bi)[0].end = lwkb_bi_chunks(bi)[0].start, "chunk 0");
	BAD(memset(lwkb_bi_kargs(bi), 'a', LWKB_KARGS_SIZE), "not terminated");
#undef BAD
	free(bi);
	free(good);
}

UNIT_SUITE(bootinfo,
	UNIT_TEST(bi_layout),
	UNIT_TEST(bi_magics_spell_names),
	UNIT_TEST(status_init_formats_the_area),
	UNIT_TEST(bi_init),
	UNIT_TEST(bi_init_bounds),
	UNIT_TEST(bi_add_core),
	UNIT_TEST(bi_add_chunk_numa),
	UNIT_TEST(bi_kargs_limits),
	UNIT_TEST(bi_kargs_verbatim),
	UNIT_TEST(bi_check));
