// SPDX-License-Identifier: MIT
/*
 * The host's boot sequence (loader/host.c, lwkb_host_prepare and
 * lwkb_host_start) with fake host callbacks and a fake platform, on host
 * memory that pretends to be at physical addresses.
 *
 * What these tests prove:
 *  - the identity map ends at the end of RAM or past the local APIC,
 *    whichever is higher, and the pool the host is asked for is what
 *    lwkb_tmp_pt_pages says for that range and the LWK memory;
 *  - every core, further chunk and their NUMA nodes reach boot_info (new
 *    nodes with the host's distances), with the IKC map, kernel arguments,
 *    IKC area, and a formatted status area; the result passes the LWK's
 *    own check;
 *  - each refusal (no pool, a core listed twice, too many chunks or NUMA
 *    nodes, kernel arguments too long) returns its error (-LWKB_EINVAL for
 *    what does not fit boot_info) and a message naming the value;
 *  - start wakes LWK core 0 on its stack with the host's INIT delay, sets
 *    BOOTING, and INACTIVE again when the core does not arrive.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwkb_loader.h"
#include "elf_image.h"
#include "unit.h"

#define MEM_PHYS	0x40000000ULL
#define MEM_SIZE	(8ULL << 20)
#define TRAMP_PHYS	0x9000ULL
#define POOL_PHYS	0x100000ULL
#define POOL_PAGES	16
#define NR_CORES	3

struct fake_host {
	unsigned char *mem, *tramp, *pool;
	struct lwkb_status_page *status;
	struct elf_image im;
	struct lwkb_host h;
	lwkb_u32 pool_asked;
	int pool_rc;
	lwkb_u32 apic_ids[NR_CORES];
	lwkb_u32 nodes[NR_CORES];
	lwkb_u32 nr_chunks, next;	/* further chunks, 1 MiB each from 2 GiB */
	lwkb_u32 init_delay_seen;
	int arrive;			/* core 0 reaches the entry on its SIPI */
	char err[256];
};

static int f_alloc_pt_pool(void *ctx, lwkb_u32 pages, lwkb_u64 *phys, void **virt)
{
	struct fake_host *f = ctx;

	f->pool_asked = pages;
	if (f->pool_rc || pages > POOL_PAGES)
		return f->pool_rc ? f->pool_rc : -LWKB_ENOMEM;
	*phys = POOL_PHYS;
	*virt = f->pool;
	return 0;
}

static void f_core(void *ctx, lwkb_u32 i, struct lwkb_host_core *c)
{
	struct fake_host *f = ctx;

	c->host_cpu = 10 + i;
	c->apic_id = f->apic_ids[i];
	c->host_node = f->nodes[i];
	c->ikc_cpu = 100 + i;
}

static int f_next_chunk(void *ctx, struct lwkb_host_chunk *c)
{
	struct fake_host *f = ctx;

	if (f->next >= f->nr_chunks)
		return 0;
	c->start = (2ULL << 30) + (lwkb_u64)f->next * (1 << 20);
	c->end = c->start + (1 << 20);
	c->host_node = 5;
	f->next++;
	return 1;
}

static lwkb_u32 f_distance(void *ctx, lwkb_u32 from, lwkb_u32 to)
{
	(void)ctx;
	return from == to ? 10 : 30 + from + to;
}

static const struct lwkb_host_ops f_ops = {
	.alloc_pt_pool = f_alloc_pt_pool, .core = f_core,
	.next_chunk = f_next_chunk, .numa_distance = f_distance,
};

static int f_send_init(void *ctx, lwkb_u32 apic_id)
{
	(void)ctx;
	(void)apic_id;
	return 0;
}

static int f_send_sipi(void *ctx, lwkb_u32 apic_id, lwkb_u8 vector)
{
	struct fake_host *f = ctx;
	struct lwkb_tramp_slot *s = f->h.prep.slots_virt;

	CHECK_EQ(vector, TRAMP_PHYS >> 12);
	if (f->arrive && s[0].apic_id == apic_id)
		s[0].stage = LWKB_STAGE_JUMPED;
	return 0;
}

static void f_udelay(void *ctx, lwkb_u32 us)
{
	struct fake_host *f = ctx;

	if (!f->init_delay_seen)
		f->init_delay_seen = us;
}

static void f_log(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static const struct lwkb_platform f_platform = {
	.send_init = f_send_init, .send_sipi = f_send_sipi,
	.udelay = f_udelay, .log = f_log,
};
static struct lwkb_platform f_pf;

static int fake_new(struct fake_host *f)
{
	struct lwkb_prepare *p = &f->h.prep;
	lwkb_u64 status_size = LWKB_STATUS_AREA_SIZE(NR_CORES);

	memset(f, 0, sizeof(*f));
	f->mem = aligned_alloc(4096, MEM_SIZE);
	f->tramp = aligned_alloc(4096, 4096);
	f->pool = aligned_alloc(4096, POOL_PAGES * 4096);
	f->status = aligned_alloc(4096, LWKB_ALIGN_UP(status_size, 4096));
	if (!f->mem || !f->tramp || !f->pool || !f->status || elf_image_build(&f->im))
		return -1;
	elf_image_add_note(&f->im, LWKB_BOOT_INFO_VERSION);
	memset(f->status, 0xa5, status_size);
	for (lwkb_u32 i = 0; i < NR_CORES; i++)
		f->apic_ids[i] = 2 * i + 1;
	f->nodes[2] = 3;	/* cores 0, 1 on node 0 (the memory's), core 2 on node 3 */
	f->nr_chunks = 1;
	p->mem_phys = MEM_PHYS;
	p->mem_size = MEM_SIZE;
	p->mem_virt = f->mem;
	p->elf = f->im.buf;
	p->elf_size = f->im.size;
	p->tramp_phys = TRAMP_PHYS;
	p->tramp_virt = f->tramp;
	p->allow_1g = 1;
	p->apic_mode = LWKB_APIC_XAPIC;
	p->apic_phys = 0xfee00000;
	p->status_phys = 0x7f100000;
	p->nr_cores = NR_CORES;
	p->nr_chunks = 2;	/* the first and one further */
	p->nr_numa = 3;
	f->h.ram_end = 2ULL << 30;
	f->h.status = f->status;
	f->h.status_size = status_size;
	f->h.ikc_phys = 0x7f200000;
	f->h.ikc_size = 0x10000;
	f->h.kargs = "a=b c";
	f->h.init_delay_us = 123;
	f->h.wake_timeout_us = 1000;
	f_pf = f_platform;
	f_pf.ctx = f;
	f->h.pf = &f_pf;
	f->h.ops = &f_ops;
	f->h.ctx = f;
	return 0;
}

static void fake_free(struct fake_host *f)
{
	free(f->mem);
	free(f->tramp);
	free(f->pool);
	free(f->status);
	elf_image_free(&f->im);
}

static void host_prepare_fills_boot_info(void)
{
	struct fake_host f;
	struct lwkb_boot_info *bi;
	char err[160];
	int rc;

	if (!CHECK(fake_new(&f) == 0, "out of memory"))
		return;
	rc = lwkb_host_prepare(&f.h, f.err, sizeof(f.err));
	if (!CHECK(rc == 0, "rc %d: %s", rc, f.err)) {
		fake_free(&f);
		return;
	}
	bi = f.h.prep.bi;
	/* RAM ends below the APIC: the identity map goes past the APIC page. */
	CHECK_EQ(bi->ident_end, 4ULL << 30);
	/* The pool: the table's pages, then one page of slots (3 cores). */
	CHECK_EQ(f.pool_asked, lwkb_tmp_pt_pages(1, 0xfee01000, MEM_PHYS, MEM_SIZE) + 1);
	CHECK_EQ(bi->pt_pages_max, f.pool_asked - 1);
	CHECK_EQ(bi->pt_phys, POOL_PHYS);
	CHECK_EQ(bi->slots_phys, POOL_PHYS + (lwkb_u64)(f.pool_asked - 1) * 4096);
	CHECK_EQ(bi->slots_max, NR_CORES);
	CHECK_EQ(lwkb_tramp_data(f.tramp)->slots_phys, bi->slots_phys);
	CHECK_EQ(bi->nr_cores, NR_CORES);
	CHECK_EQ(bi->cores_max, NR_CORES);
	CHECK_EQ(bi->size, lwkb_bootinfo_size(NR_CORES, 2, 3));
	for (lwkb_u32 i = 0; i < NR_CORES; i++) {
		CHECK_EQ(lwkb_bi_cores(bi)[i].host_cpu, 10 + i);
		CHECK_EQ(lwkb_bi_cores(bi)[i].apic_id, 2 * i + 1);
		CHECK_EQ(lwkb_bi_ikc_map(bi)[i], 100 + i);
	}
	/* NUMA: 0 (the memory's), 3 (core 2), 5 (the further chunk). */
	CHECK_EQ(bi->nr_numa, 3);
	CHECK_EQ(lwkb_bi_numa(bi)[1].host_id, 3);
	CHECK_EQ(lwkb_bi_numa(bi)[2].host_id, 5);
	CHECK_EQ(lwkb_bi_cores(bi)[1].numa_id, 0);
	CHECK_EQ(lwkb_bi_cores(bi)[2].numa_id, 1);
	CHECK_EQ(*lwkb_bi_distance(bi, 0, 1), 33);
	CHECK_EQ(*lwkb_bi_distance(bi, 1, 2), 38);
	CHECK_EQ(*lwkb_bi_distance(bi, 2, 2), 10);
	CHECK_EQ(bi->nr_chunks, 2);
	CHECK_EQ(lwkb_bi_chunks(bi)[1].start, 2ULL << 30);
	CHECK_EQ(lwkb_bi_chunks(bi)[1].numa_id, 2);
	CHECK_STR(lwkb_bi_kargs(bi), "a=b c");
	CHECK_EQ(bi->ikc_phys, 0x7f200000);
	CHECK_EQ(bi->ikc_size, 0x10000);
	CHECK_EQ(f.status->magic, LWKB_STATUS_MAGIC);
	CHECK_EQ(f.status->status, LWKB_STATUS_INACTIVE);
	CHECK(lwkb_bootinfo_check(bi, bi->size, err, sizeof(err)) == 0, "%s", err);
	fake_free(&f);
}

/* RAM above the APIC: the identity map ends with RAM. */
static void host_prepare_ident_is_ram(void)
{
	struct fake_host f;
	int rc;

	if (!CHECK(fake_new(&f) == 0, "out of memory"))
		return;
	f.h.ram_end = 12ULL << 30;
	f.h.prep.allow_1g = 0;
	rc = lwkb_host_prepare(&f.h, f.err, sizeof(f.err));
	CHECK(rc == -LWKB_ENOMEM, "rc %d", rc);	/* 2 MiB pages need more than 16 */
	CHECK_EQ(f.pool_asked, lwkb_tmp_pt_pages(0, 12ULL << 30, MEM_PHYS, MEM_SIZE) + 1);
	CHECK_CONTAINS(f.err, "free pages below 4 GiB for the temporary page table");
	f.h.prep.allow_1g = 1;
	rc = lwkb_host_prepare(&f.h, f.err, sizeof(f.err));
	CHECK(rc == 0, "rc %d: %s", rc, f.err);
	CHECK_EQ(f.h.prep.bi->ident_end, 12ULL << 30);
	fake_free(&f);
}

static void expect_refusal(struct fake_host *f, int want_rc, const char *msg, const char *what)
{
	int rc = lwkb_host_prepare(&f->h, f->err, sizeof(f->err));

	CHECK(rc == want_rc, "%s: rc %d, want %d (%s)", what, rc, want_rc, f->err);
	CHECK(strstr(f->err, msg) != NULL, "%s: message \"%s\" lacks \"%s\"", what, f->err, msg);
}

static void host_prepare_refusals(void)
{
	static char long_kargs[LWKB_KARGS_SIZE + 1];
	struct fake_host f;

	memset(long_kargs, 'k', LWKB_KARGS_SIZE);
#define CASE(setup, rc, msg) do {					\
		if (!CHECK(fake_new(&f) == 0, "out of memory"))		\
			return;						\
		setup;							\
		expect_refusal(&f, rc, msg, #setup);			\
		fake_free(&f);						\
	} while (0)
	CASE(f.pool_rc = -LWKB_ENOMEM, -LWKB_ENOMEM,
	     "no 7 contiguous free pages below 4 GiB for the temporary page table and slot table");
	CASE(f.h.ram_end = LWKB_IDENTITY_LIMIT + 1, -LWKB_EINVAL,
	     "no temporary page table can map [0, 0x800000000001)");
	CASE(f.apic_ids[2] = 3, -LWKB_EINVAL, "CPU 12 (APIC id 3): its CPU or APIC id is listed twice");
	/* The host's ops give more than it counted (prep.nr_chunks 2, nr_numa 3). */
	CASE(f.nr_chunks = 2, -LWKB_EINVAL,
	     "memory chunk 0x80100000-0x80200000: more than the 2 memory chunks the host counted");
	CASE(f.h.kargs = long_kargs, -LWKB_EINVAL,
	     "kernel arguments of 4096 bytes: at most 4095 fit in boot_info");
#undef CASE
}

static lwkb_u32 node_of_chunk;
static int many_nodes_chunk(void *ctx, struct lwkb_host_chunk *c)
{
	int more = f_next_chunk(ctx, c);

	c->host_node = node_of_chunk++;
	return more;
}

/* Each chunk on a new node: the 4th node, beyond the 3 counted, is refused by number. */
static void host_prepare_too_many_nodes(void)
{
	struct lwkb_host_ops ops = f_ops;
	struct fake_host f;

	if (!CHECK(fake_new(&f) == 0, "out of memory"))
		return;
	ops.next_chunk = many_nodes_chunk;
	f.h.ops = &ops;
	f.nr_chunks = 2;
	f.h.prep.nr_chunks = 3;
	node_of_chunk = 100;
	/* nodes 0 and 3 from memory and cores, then 100, 101 from chunks */
	expect_refusal(&f, -LWKB_EINVAL, "NUMA node 101: more NUMA nodes than the 3 the host counted",
		       "4 nodes");
	fake_free(&f);
}

static void host_start_wakes_core0(void)
{
	struct fake_host f;
	int rc;

	if (!CHECK(fake_new(&f) == 0, "out of memory"))
		return;
	rc = lwkb_host_prepare(&f.h, f.err, sizeof(f.err));
	if (!CHECK(rc == 0, "rc %d: %s", rc, f.err)) {
		fake_free(&f);
		return;
	}
	f.arrive = 1;
	CHECK_EQ(lwkb_host_start(&f.h), 0);
	CHECK_EQ(f.status->status, LWKB_STATUS_BOOTING);
	CHECK_EQ(f.init_delay_seen, 123);
	CHECK_EQ(f.h.core0.apic_id, 1);
	CHECK_EQ(f.h.core0.host_cpu, 10);
	CHECK_EQ(f.h.core0.stack_top, lwkb_stack_top(f.h.prep.bi, 0));
	CHECK_EQ(f.h.core0.stage, LWKB_STAGE_JUMPED);
	CHECK_EQ(((struct lwkb_tramp_slot *)f.h.prep.slots_virt)[0].stack_top,
		 f.h.core0.stack_top);
	/* A core that never arrives: timed out, INACTIVE again. */
	f.arrive = 0;
	CHECK_EQ(lwkb_host_start(&f.h), -LWKB_ETIMEDOUT);
	CHECK_EQ(f.status->status, LWKB_STATUS_INACTIVE);
	fake_free(&f);
}

UNIT_SUITE(host,
	UNIT_TEST(host_prepare_fills_boot_info),
	UNIT_TEST(host_prepare_ident_is_ram),
	UNIT_TEST(host_prepare_refusals),
	UNIT_TEST(host_prepare_too_many_nodes),
	UNIT_TEST(host_start_wakes_core0));
