// SPDX-License-Identifier: MIT
/*
 * Preparing an instance (loader/boot.c, lwkb_prepare): the steps the
 * Linux module and the EFI host share, run on host memory that pretends
 * to be at the physical addresses of a real setup.
 *
 * What these tests prove:
 *  - with a valid image: boot_info sits page-aligned right after the
 *    image, the boot stacks after it, and every field of boot_info and of
 *    the trampoline data block says where things are; the page table maps
 *    the image at LWKB_KERNEL_VBASE and identity-maps boot_info, stacks
 *    and the local APIC; nothing past loader_end is written;
 *  - every refusal (bad image, no room for the stacks, bad arguments)
 *    leaves the LWK memory and the trampoline page untouched, and all but
 *    a too-small table pool leave the pool untouched as well.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwkb_loader.h"
#include "elf_image.h"
#include "ptwalk.h"
#include "unit.h"

#define MEM_PHYS	0x40000000ULL	/* 1 GiB, hence also 2 MiB aligned */
#define MEM_SIZE	(8ULL << 20)
#define TRAMP_PHYS	0x9000ULL
#define PT_PHYS		0x100000ULL
#define PT_PAGES	16
#define SLOTS_PHYS	0x180000ULL
#define SEED_MEM	11u
#define SEED_TRAMP	12u
#define SEED_POOL	13u

struct env {
	unsigned char *mem, *tramp, *pool;	/* pool: PT_PAGES + 1 guard page */
	struct lwkb_tramp_slot *slots;		/* one page */
	struct elf_image im;
	struct lwkb_prepare p;
	char err[256];
};

static int env_new(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->mem = aligned_alloc(4096, MEM_SIZE);
	e->tramp = aligned_alloc(4096, 4096);
	e->pool = aligned_alloc(4096, (PT_PAGES + 1) * 4096);
	e->slots = aligned_alloc(4096, 4096);
	if (!e->mem || !e->tramp || !e->pool || !e->slots || elf_image_build(&e->im))
		return -1;
	elf_image_add_note(&e->im, LWKB_BOOT_INFO_VERSION);
	unit_fill(e->mem, MEM_SIZE, SEED_MEM);
	unit_fill(e->tramp, 4096, SEED_TRAMP);
	unit_fill(e->pool, (PT_PAGES + 1) * 4096, SEED_POOL);
	e->p.mem_phys = MEM_PHYS;
	e->p.mem_size = MEM_SIZE;
	e->p.mem_virt = e->mem;
	e->p.elf = e->im.buf;
	e->p.elf_size = e->im.size;
	e->p.tramp_phys = TRAMP_PHYS;
	e->p.tramp_virt = e->tramp;
	e->p.pt_pool_phys = PT_PHYS;
	e->p.pt_pool_virt = e->pool;
	e->p.pt_pool_pages = PT_PAGES;
	e->p.ident_end = 4ULL << 30;
	e->p.allow_1g = 1;
	e->p.nx = 1;
	e->p.apic_mode = LWKB_APIC_X2APIC;
	e->p.apic_phys = 0xfee00000;
	e->p.tsc_khz = 2400000;
	e->p.kmsg_phys = 0x7f000000;
	e->p.kmsg_size = 1 << 20;
	e->p.status_phys = 0x7f100000;
	e->p.stack_size = 0;		/* default: 16 KiB */
	e->p.nr_cores = 4;
	e->p.slots_phys = SLOTS_PHYS;
	e->p.slots_virt = e->slots;
	e->p.max_slots = 4;
	return 0;
}

static void env_free(struct env *e)
{
	free(e->mem);
	free(e->tramp);
	free(e->pool);
	free(e->slots);
	elf_image_free(&e->im);
}

static void boot_prepare_good(void)
{
	struct env e;
	struct lwkb_boot_info *bi;
	struct lwkb_tramp_data *td;
	struct ptw w;
	struct ptw_result r;
	lwkb_u64 bi_off = LWKB_ALIGN_UP(IMG_LOAD_END, 4096);
	lwkb_u64 bi_size = lwkb_bootinfo_size(4, 1, 1);
	lwkb_u64 stacks_off = bi_off + LWKB_ALIGN_UP(bi_size, 4096);
	lwkb_u64 end_off = stacks_off + 4 * 16384;
	char err[128];
	int rc;

	if (!CHECK(env_new(&e) == 0, "out of memory"))
		return;
	rc = lwkb_prepare(&e.p, e.err, sizeof(e.err));
	if (!CHECK(rc == 0, "rc %d: %s", rc, e.err)) {
		env_free(&e);
		return;
	}
	/* Image loaded at the base. */
	CHECK(memcmp(e.mem, e.im.buf + IMG_TEXT_FOFF, IMG_TEXT_SIZE) == 0, "text not loaded");
	CHECK_EQ(e.mem[IMG_LOAD_END - 1], 0);
	/* boot_info placement: page aligned, right after the image. */
	bi = e.p.bi;
	CHECK(bi == (void *)(e.mem + bi_off), "bi at +0x%llx, want +0x%llx",
	      (unsigned long long)((unsigned char *)bi - e.mem), (unsigned long long)bi_off);
	CHECK_EQ(e.p.bi_phys, MEM_PHYS + bi_off);
	CHECK_EQ(e.p.bi_phys % 4096, 0);
	CHECK_EQ(e.p.entry, IMG_ENTRY);
	/* boot_info fields. */
	CHECK_EQ(bi->magic, LWKB_BOOT_INFO_MAGIC);
	CHECK_EQ(bi->version, LWKB_BOOT_INFO_VERSION);
	CHECK_EQ(bi->apic_mode, LWKB_APIC_X2APIC);
	CHECK_EQ(bi->image_phys, MEM_PHYS);
	CHECK_EQ(bi->image_end, MEM_PHYS + IMG_LOAD_END);
	CHECK_EQ(bi->apic_phys, 0xfee00000);
	CHECK_EQ(bi->tsc_khz, 2400000);
	CHECK_EQ(bi->kmsg_phys, 0x7f000000);
	CHECK_EQ(bi->kmsg_size, 1 << 20);
	CHECK_EQ(bi->status_phys, 0x7f100000);
	CHECK_EQ(bi->tramp_phys, TRAMP_PHYS);
	CHECK_EQ(bi->pt_phys, PT_PHYS);
	CHECK_EQ(bi->pt_pages, 3);
	CHECK_EQ(bi->pt_pages_max, PT_PAGES);
	CHECK_EQ(bi->ident_end, 4ULL << 30);
	CHECK_EQ(bi->high_size, MEM_SIZE);
	CHECK_EQ(bi->stacks_phys, MEM_PHYS + stacks_off);
	CHECK_EQ(bi->stack_size, 16384);
	CHECK_EQ(bi->loader_end, MEM_PHYS + end_off);
	CHECK(bi->loader_end <= MEM_PHYS + MEM_SIZE, "loader_end past the memory");
	CHECK_EQ(bi->nr_cores, 0);		/* the caller adds them */
	CHECK_EQ(bi->nr_numa, 1);
	CHECK_EQ(bi->nr_chunks, 1);
	CHECK_EQ(lwkb_bi_chunks(bi)[0].start, MEM_PHYS);
	CHECK_EQ(lwkb_bi_chunks(bi)[0].end, MEM_PHYS + MEM_SIZE);
	/* Sized to the room asked: 4 cores, 1 chunk, 1 node. */
	CHECK_EQ(bi->size, bi_size);
	CHECK_EQ(bi->cores_max, 4);
	CHECK_EQ(bi->chunks_max, 1);
	CHECK_EQ(bi->numa_max, 1);
	CHECK_EQ(bi->slots_phys, SLOTS_PHYS);
	CHECK_EQ(bi->slots_max, 4);
	/* Nothing past loader_end written. */
	CHECK(unit_intact_part(e.mem, end_off, MEM_SIZE, SEED_MEM),
	      "memory past loader_end written");
	/* Trampoline data block. */
	td = lwkb_tramp_data(e.tramp);
	CHECK_EQ(td->magic, LWKB_TRAMP_MAGIC);
	CHECK_EQ(td->page_phys, TRAMP_PHYS);
	CHECK_EQ(td->entry, IMG_ENTRY);
	CHECK_EQ(td->arg0, e.p.bi_phys);
	CHECK_EQ(td->arg1, MEM_PHYS);
	CHECK_EQ(td->cr3, PT_PHYS);
	CHECK_EQ(td->cr4, 1u << 5);			/* PAE */
	CHECK_EQ(td->efer_set, (1u << 8) | (1u << 11));	/* LME | NXE */
	CHECK_EQ(td->nr_slots, 0);
	CHECK_EQ(td->slots_phys, SLOTS_PHYS);
	CHECK_EQ(td->max_slots, 4);
	/* Page table: the image at VBASE, identity for boot_info, stacks, APIC. */
	w = (struct ptw){ e.pool, PT_PHYS, PT_PAGES, 1, 1, 46 };
	CHECK(ptw_translate(&w, PT_PHYS, IMG_ENTRY, &r) == PTW_OK &&
	      r.phys == MEM_PHYS + (IMG_ENTRY - IMG_VBASE), "entry maps to 0x%llx (%s)",
	      (unsigned long long)r.phys, r.why);
	CHECK(ptw_translate(&w, PT_PHYS, IMG_VBASE + MEM_SIZE - 1, &r) == PTW_OK &&
	      r.phys == MEM_PHYS + MEM_SIZE - 1, "end of the image half");
	CHECK_EQ(ptw_translate(&w, PT_PHYS, IMG_VBASE + MEM_SIZE, &r), PTW_UNMAPPED);
	CHECK(ptw_translate(&w, PT_PHYS, e.p.bi_phys, &r) == PTW_OK && r.phys == e.p.bi_phys,
	      "boot_info identity");
	CHECK(ptw_translate(&w, PT_PHYS, bi->loader_end - 1, &r) == PTW_OK &&
	      r.phys == bi->loader_end - 1, "stacks identity");
	CHECK(ptw_translate(&w, PT_PHYS, 0xfee00000, &r) == PTW_OK && r.phys == 0xfee00000,
	      "local APIC identity");
	CHECK(unit_intact_part(e.pool, 3 * 4096, (PT_PAGES + 1) * 4096, SEED_POOL),
	      "pool written past the 3 pages used");
	/* The caller completes boot_info; then it passes the LWK's checks. */
	for (lwkb_u32 i = 0; i < 4; i++)
		CHECK_EQ(lwkb_bootinfo_add_core(bi, i, 2 * i, 0), 0);
	CHECK_EQ(lwkb_bootinfo_set_kargs(bi, "hidden=1"), 0);
	CHECK(lwkb_bootinfo_check(bi, bi->stacks_phys - e.p.bi_phys, err, sizeof(err)) == 0,
	      "%s", err);
	CHECK_EQ(lwkb_stack_top(bi, 0), bi->stacks_phys + 16384);
	CHECK_EQ(lwkb_stack_top(bi, 3), bi->loader_end);
	CHECK_EQ(lwkb_stack_top(bi, 1) % 16, 0);
	env_free(&e);
}

/* 2 MiB pages, no NX, other stacks: counts and fields follow. */
static void boot_prepare_variants(void)
{
	struct env e;
	int rc;

	if (!CHECK(env_new(&e) == 0, "out of memory"))
		return;
	e.p.allow_1g = 0;
	e.p.nx = 0;
	e.p.stack_size = 8192;
	e.p.nr_cores = 3;
	e.p.max_slots = 3;
	rc = lwkb_prepare(&e.p, e.err, sizeof(e.err));
	CHECK(rc == 0, "rc %d: %s", rc, e.err);
	CHECK_EQ(e.p.bi->pt_pages, 7);	/* PML4, PDPT, 4 identity PDs, 1 image PD */
	CHECK_EQ(lwkb_tramp_data(e.tramp)->efer_set, 1u << 8);	/* LME only */
	CHECK_EQ(e.p.bi->stack_size, 8192);
	CHECK_EQ(e.p.bi->loader_end, e.p.bi->stacks_phys + 3 * 8192);
	/* pages 7.. of the pool and the guard page after it are untouched */
	CHECK(unit_intact_part(e.pool, 7 * 4096, (PT_PAGES + 1) * 4096, SEED_POOL),
	      "unused pool pages or the guard page written");
	env_free(&e);
}

/* A failing prepare: code, message, and which areas must be untouched. */
static void expect_refusal(struct env *e, int want_rc, const char *msg, int pool_untouched,
			   const char *what)
{
	int rc = lwkb_prepare(&e->p, e->err, sizeof(e->err));

	CHECK(rc == want_rc, "%s: rc %d, want %d (%s)", what, rc, want_rc, e->err);
	CHECK(strstr(e->err, msg) != NULL, "%s: message \"%s\" lacks \"%s\"", what, e->err, msg);
	CHECK(unit_intact(e->mem, MEM_SIZE, SEED_MEM), "%s: LWK memory written", what);
	CHECK(unit_intact(e->tramp, 4096, SEED_TRAMP), "%s: trampoline page written", what);
	/* The pool itself is scratch once building started, its guard never. */
	CHECK(unit_intact_part(e->pool, pool_untouched ? 0 : PT_PAGES * 4096,
			       (PT_PAGES + 1) * 4096, SEED_POOL),
	      "%s: table pool written", what);
}

static void boot_prepare_refusals(void)
{
	struct env e;

#define CASE(setup, rc, msg, pool_untouched) do {				\
		if (!CHECK(env_new(&e) == 0, "out of memory"))			\
			return;							\
		setup;								\
		expect_refusal(&e, rc, msg, pool_untouched, #setup);		\
		env_free(&e);							\
	} while (0)
	CASE(e.im.eh->e_machine = EM_386, -LWKB_ENOEXEC, "machine 3", 1);
	CASE(e.im.ph[1].p_memsz = MEM_SIZE, -LWKB_ENOEXEC, "does not fit", 1);
	CASE((e.p.nr_cores = e.p.max_slots = 192, e.p.stack_size = 65536), -LWKB_ENOMEM,
	     "192 stacks", 1);
	CASE(e.p.nr_cores = 0, -LWKB_EINVAL, "0 cores", 1);
	CASE(e.p.nr_cores = LWKB_MAX_CORES + 1, -LWKB_EINVAL, "8193 cores", 1);
	CASE(e.p.nr_chunks = LWKB_MAX_CHUNKS + 1, -LWKB_EINVAL, "4097 memory chunks", 1);
	CASE(e.p.nr_numa = LWKB_MAX_NUMA + 1, -LWKB_EINVAL, "1025 NUMA nodes", 1);
	/* The image must read this boot_info: version 1 (no note) and others refused. */
	CASE(e.im.ph[2].p_type = PT_GNU_STACK, -LWKB_ENOEXEC, "no lwkboot note", 1);
	CASE(elf_image_add_note(&e.im, 1), -LWKB_ENOEXEC, "boot_info version 1", 1);
	CASE(elf_image_add_note(&e.im, 3), -LWKB_ENOEXEC, "reads boot_info version 3", 1);
	CASE(e.im.ph[2].p_filesz = 4096, -LWKB_ENOEXEC, "exceeds the file", 1);
	/* A note segment over 4 KiB is not read (nor can it make the loader walk it). */
	CASE(e.im.ph[2].p_filesz = 4097, -LWKB_ENOEXEC, "no lwkboot note", 1);
	/* 8-byte note alignment: name "lwkboot\0" is 8 already, so the same bytes parse. */
	CASE((e.im.ph[2].p_align = 8, e.im.ph[2].p_filesz = 12), -LWKB_ENOEXEC,
	     "runs past its end", 1);
	CASE(e.im.ph[2].p_filesz = 20, -LWKB_ENOEXEC, "runs past its end", 1);
	/* The slot table: room for every core, a page below 4 GiB. */
	CASE(e.p.max_slots = 3, -LWKB_EINVAL, "slot table of 3 slots for 4 cores", 1);
	CASE(e.p.slots_phys = 4ULL << 30, -LWKB_EINVAL, "slot table", 1);
	CASE((e.p.slots_phys = (4ULL << 30) - 4096, e.p.max_slots = 257), -LWKB_EINVAL,
	     "slot table", 1);
	CASE(e.p.slots_phys = MEM_PHYS, -LWKB_EINVAL, "slot table", 1);
	CASE(e.p.slots_phys = SLOTS_PHYS + 16, -LWKB_EINVAL, "slot table", 1);
	CASE(e.p.mem_size = MEM_SIZE - 100, -LWKB_EINVAL, "not page aligned", 1);
	CASE(e.p.mem_phys = MEM_PHYS + 0x800, -LWKB_EINVAL, "not page aligned", 1);
	/* (the message names the LWK memory, not the stack size) */
	CASE(e.p.stack_size = 1000, -LWKB_EINVAL, "stack size 1000 is not a multiple of 4 KiB", 1);
	CASE(e.p.ident_end = 1ULL << 30, -LWKB_EINVAL, "beyond the identity map", 1);
	CASE(e.p.tramp_phys = 0xA0000, -LWKB_EINVAL, "trampoline page", 1);
	CASE(e.p.tramp_phys = 0, -LWKB_EINVAL, "trampoline page", 1);
	CASE(e.p.pt_pool_phys = 4ULL << 30, -LWKB_EINVAL, "temporary page table", 1);
	/* A pool too small is found while building: the pool is scratch then,
	 * but nothing else may have been written. */
	CASE(e.p.pt_pool_pages = 2, -LWKB_ENOMEM, "temporary page table", 0);
#undef CASE
}

/* LWK memory whose end wraps around 2^64 lies far beyond the identity
 * map: refused before anything is written, like any memory beyond it. */
static void boot_prepare_mem_wraps(void)
{
	struct env e;

	if (!CHECK(env_new(&e) == 0, "out of memory"))
		return;
	e.p.mem_phys = 0ULL - (4ULL << 20);	/* + 8 MiB wraps to 4 MiB */
	expect_refusal(&e, -LWKB_EINVAL, "beyond the identity map", 1,
		       "mem_phys 0xffffffffffc00000 + 8 MiB");
	env_free(&e);
}

/* A pool too small does not write past its end (guard page right after). */
static void boot_prepare_small_pool_guard(void)
{
	struct env e;

	if (!CHECK(env_new(&e) == 0, "out of memory"))
		return;
	e.p.pt_pool_pages = 2;
	e.p.pt_pool_virt = e.pool + (PT_PAGES - 2) * 4096;	/* the last 2 pages */
	CHECK_EQ(lwkb_prepare(&e.p, e.err, sizeof(e.err)), -LWKB_ENOMEM);
	CHECK(unit_intact_part(e.pool, PT_PAGES * 4096, (PT_PAGES + 1) * 4096, SEED_POOL),
	      "guard page after the pool written");
	CHECK(unit_intact(e.mem, MEM_SIZE, SEED_MEM), "LWK memory written");
	env_free(&e);
}

UNIT_SUITE(boot,
	UNIT_TEST(boot_prepare_good),
	UNIT_TEST(boot_prepare_variants),
	UNIT_TEST(boot_prepare_refusals),
	UNIT_TEST(boot_prepare_mem_wraps),
	UNIT_TEST(boot_prepare_small_pool_guard));
