// SPDX-License-Identifier: MIT
/*
 * The trampoline page (loader/tramp.c, trampoline/trampoline.asm).
 *
 * What these tests prove:
 *  - the constants trampoline.asm assembles with, generated from the C
 *    headers (trampoline/asm-offsets.c -> build/gen/trampoline/
 *    asm-offsets.inc) and seen here through the symbols NASM left in
 *    trampoline.elf (build/gen/tramp_syms.h), are what include/lwkboot/
 *    trampoline.h and x86.h say: every TD_* and SLOT_* is the offsetof of
 *    the field its name says, every LWKB_* the C macro.  The layout can no
 *    longer drift apart by hand; this checks the generator, the NASM
 *    include and that asm-offsets.c names the right fields.  A scan of the
 *    generated file makes sure no constant is left unchecked;
 *  - the blob: fits the page, its code ends before the data block,
 *    its data block carries magic, version, code size, unrelocated far
 *    pointers and a GDT whose descriptors are what the selectors promise;
 *  - lwkb_tramp_install relocates exactly the three patched fields by
 *    page_phys, fills the parameters and the slot table's place, zeroes
 *    the rest of the page, and refuses bad pages, CR3 values and slot
 *    tables (unaligned, empty, too large, reaching past 4 GiB) without
 *    touching the page;
 *  - the slot table: indices, duplicates, room (8192 slots, 128 KiB),
 *    stack alignment, clearing, and a corrupt count or room in the page
 *    never makes add_slot write outside the table.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwkb_loader.h"
#include "tramp_syms.h"
#include "unit.h"

#define TD(field)	(LWKB_TRAMP_DATA_OFF + offsetof(struct lwkb_tramp_data, field))
#define SL(field)	offsetof(struct lwkb_tramp_slot, field)

/* One constant of the generated include: its name and the value it must have. */
struct asm_const {
	const char *name;
	unsigned long long nasm;	/* as NASM assembled it (tramp_syms.h) */
	unsigned long long c;		/* what the C headers say */
};
#define SAME(m)		{ #m, TRAMP_SYM_##m, m }
#define FIELD(n, f)	{ #n, TRAMP_SYM_##n, TD(f) }

static const struct asm_const asm_consts[] = {
	SAME(LWKB_TRAMP_SIZE), SAME(LWKB_TRAMP_DATA_OFF),
	SAME(LWKB_TRAMP_MAX_SLOTS), SAME(LWKB_TRAMP_MAGIC),
	SAME(LWKB_TRAMP_VERSION), SAME(LWKB_TRAMP_CS32), SAME(LWKB_TRAMP_DS),
	SAME(LWKB_TRAMP_CS64),
	FIELD(TD_MAGIC, magic), FIELD(TD_VERSION, version),
	FIELD(TD_NR_SLOTS, nr_slots), FIELD(TD_PAGE_PHYS, page_phys),
	FIELD(TD_CR3, cr3), FIELD(TD_CR4, cr4), FIELD(TD_EFER_SET, efer_set),
	FIELD(TD_ENTRY, entry), FIELD(TD_ARG0, arg0), FIELD(TD_ARG1, arg1),
	FIELD(TD_STRAY, stray), FIELD(TD_CODE_SIZE, code_size),
	FIELD(TD_GDTR_LIMIT, gdtr_limit), FIELD(TD_GDTR_BASE, gdtr_base),
	FIELD(TD_FAR32, far32), FIELD(TD_FAR64, far64),
	FIELD(TD_IDTR_LIMIT, idtr_limit), FIELD(TD_IDTR_BASE, idtr_base),
	FIELD(TD_GDT, gdt), FIELD(TD_SLOTS_PHYS, slots_phys),
	FIELD(TD_MAX_SLOTS, max_slots), FIELD(TD_ENTERED, entered),
	{ "TD_SIZE", TRAMP_SYM_TD_SIZE, sizeof(struct lwkb_tramp_data) },
	{ "TD_GDT_SIZE", TRAMP_SYM_TD_GDT_SIZE, sizeof(((struct lwkb_tramp_data *)0)->gdt) },
	{ "SLOT_APIC_ID", TRAMP_SYM_SLOT_APIC_ID, SL(apic_id) },
	{ "SLOT_STAGE", TRAMP_SYM_SLOT_STAGE, SL(stage) },
	{ "SLOT_STACK_TOP", TRAMP_SYM_SLOT_STACK_TOP, SL(stack_top) },
	{ "SLOT_SIZE", TRAMP_SYM_SLOT_SIZE, sizeof(struct lwkb_tramp_slot) },
	SAME(LWKB_STAGE_REAL), SAME(LWKB_STAGE_PROT), SAME(LWKB_STAGE_LONG),
	SAME(LWKB_STAGE_JUMPED),
	SAME(LWKB_CPUID_MAX), SAME(LWKB_CPUID_FEATURES),
	SAME(LWKB_CPUID_01_EBX_APIC_ID_SHIFT), SAME(LWKB_CPUID_TOPOLOGY),
	SAME(LWKB_CR0_PE), SAME(LWKB_CR0_ET), SAME(LWKB_CR0_NE), SAME(LWKB_CR0_PG),
	SAME(LWKB_MSR_EFER), SAME(LWKB_DESC_CODE32), SAME(LWKB_DESC_DATA),
	SAME(LWKB_DESC_CODE64),
};

static void tramp_layout_matches_header(void)
{
	for (size_t i = 0; i < sizeof(asm_consts) / sizeof(asm_consts[0]); i++)
		CHECK(asm_consts[i].nasm == asm_consts[i].c, "%s: NASM 0x%llx, C 0x%llx",
		      asm_consts[i].name, asm_consts[i].nasm, asm_consts[i].c);
	/* The data block fits the page; a full table is 128 KiB. */
	CHECK(LWKB_TRAMP_DATA_OFF + sizeof(struct lwkb_tramp_data) <= LWKB_TRAMP_SIZE,
	      "data block ends at %zu", LWKB_TRAMP_DATA_OFF + sizeof(struct lwkb_tramp_data));
	CHECK_EQ(LWKB_TRAMP_SLOTS_BYTES(LWKB_TRAMP_MAX_SLOTS), 128 * 1024);
	CHECK_EQ(LWKB_TRAMP_SLOTS_BYTES(1), 4096);
	CHECK_EQ(LWKB_TRAMP_SLOTS_BYTES(256), 4096);
	CHECK_EQ(LWKB_TRAMP_SLOTS_BYTES(257), 8192);
	CHECK_EQ(TD(gdtr_base) % 4, 0);
	CHECK_EQ(TD(gdt) % 8, 0);
}

/*
 * Every "NAME equ" of the generated asm-offsets.inc must be in asm_consts,
 * so a constant added to trampoline/asm-offsets.c cannot escape the checks
 * above.  The Makefile passes the file's path (TRAMP_ASM_OFFSETS_INC).
 */
static void tramp_asm_offsets_complete(void)
{
	char line[512], name[64], word[4];
	FILE *f = fopen(TRAMP_ASM_OFFSETS_INC, "r");
	int found = 0;

	if (!f) {
		printf("  (note: %s not found, completeness not checked)\n",
		       TRAMP_ASM_OFFSETS_INC);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		int known = 0;

		if (sscanf(line, "%63[A-Za-z0-9_] %3s", name, word) != 2 ||
		    strcmp(word, "equ") != 0)
			continue;
		found++;
		for (size_t i = 0; i < sizeof(asm_consts) / sizeof(asm_consts[0]); i++)
			known |= strcmp(name, asm_consts[i].name) == 0;
		CHECK(known, "asm-offsets.inc defines %s, which no test checks", name);
	}
	fclose(f);
	CHECK(found == (int)(sizeof(asm_consts) / sizeof(asm_consts[0])),
	      "%d constants in %s, %zu checked", found, TRAMP_ASM_OFFSETS_INC,
	      sizeof(asm_consts) / sizeof(asm_consts[0]));
}

static struct lwkb_tramp_data blob_data(void)
{
	struct lwkb_tramp_data d;

	memcpy(&d, lwkb_tramp_blob + LWKB_TRAMP_DATA_OFF, sizeof(d));
	return d;
}

/* Decodes the parts of a GDT descriptor the trampoline relies on. */
struct desc {
	uint32_t base, limit;
	unsigned type, s, dpl, p, l, db, g;
};

static struct desc decode(uint64_t d)
{
	struct desc x;

	x.limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
	x.base = (uint32_t)(((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000));
	x.type = (d >> 40) & 0xf;
	x.s = (d >> 44) & 1;
	x.dpl = (d >> 45) & 3;
	x.p = (d >> 47) & 1;
	x.l = (d >> 53) & 1;
	x.db = (d >> 54) & 1;
	x.g = (d >> 55) & 1;
	return x;
}

static void tramp_blob(void)
{
	struct lwkb_tramp_data d = blob_data();
	struct desc c32, ds, c64;

	CHECK(lwkb_tramp_blob_size <= LWKB_TRAMP_SIZE, "blob is %u bytes",
	      lwkb_tramp_blob_size);
	CHECK(lwkb_tramp_blob_size >= TD(gdt) + sizeof(d.gdt), "blob is %u bytes",
	      lwkb_tramp_blob_size);
	CHECK_EQ(TRAMP_SYM_tramp_start, 0);
	CHECK(TRAMP_SYM_tramp_code_end <= LWKB_TRAMP_DATA_OFF, "code ends at 0x%llx",
	      TRAMP_SYM_tramp_code_end);
	CHECK_EQ(TRAMP_SYM_tramp_data, LWKB_TRAMP_DATA_OFF);
	CHECK_EQ(TRAMP_SYM_tramp_gdt, TD(gdt));
	CHECK_EQ(TRAMP_SYM_tramp_data_end - TRAMP_SYM_tramp_data,
		 sizeof(struct lwkb_tramp_data));
	CHECK_EQ(lwkb_tramp_blob[0], 0xfa);	/* cli: the SIPI entry */
	for (unsigned i = (unsigned)TRAMP_SYM_tramp_code_end; i < LWKB_TRAMP_DATA_OFF; i++)
		if (!CHECK(lwkb_tramp_blob[i] == 0xcc, "padding byte 0x%x is 0x%02x", i,
			   lwkb_tramp_blob[i]))
			break;

	CHECK_EQ(d.magic, LWKB_TRAMP_MAGIC);
	CHECK_EQ(d.version, LWKB_TRAMP_VERSION);
	CHECK_EQ(d.code_size, TRAMP_SYM_tramp_code_end);
	CHECK_EQ(d.nr_slots, 0);
	/* Unrelocated: offsets in the page. */
	CHECK_EQ(d.gdtr_limit, sizeof(d.gdt) - 1);
	CHECK_EQ(d.gdtr_base, TRAMP_SYM_tramp_gdt);
	CHECK_EQ(d.far32.offset, TRAMP_SYM_tramp_pm32);
	CHECK_EQ(d.far32.selector, LWKB_TRAMP_CS32);
	CHECK_EQ(d.far64.offset, TRAMP_SYM_tramp_lm64);
	CHECK_EQ(d.far64.selector, LWKB_TRAMP_CS64);
	CHECK_EQ(d.idtr_limit, 0);

	/* GDT: null, flat 32-bit code, flat data, 64-bit code. */
	CHECK_EQ(d.gdt[0], 0);
	c32 = decode(d.gdt[LWKB_TRAMP_CS32 / 8]);
	ds = decode(d.gdt[LWKB_TRAMP_DS / 8]);
	c64 = decode(d.gdt[LWKB_TRAMP_CS64 / 8]);
	CHECK(c32.base == 0 && c32.limit == 0xfffff && c32.g && c32.p && c32.s &&
	      c32.dpl == 0 && (c32.type & 0x8) && c32.db && !c32.l,
	      "CS32 descriptor 0x%016llx", (unsigned long long)d.gdt[1]);
	CHECK(ds.base == 0 && ds.limit == 0xfffff && ds.g && ds.p && ds.s &&
	      !(ds.type & 0x8) && (ds.type & 0x2) && ds.db,
	      "DS descriptor 0x%016llx", (unsigned long long)d.gdt[2]);
	CHECK(c64.p && c64.s && (c64.type & 0x8) && c64.l && !c64.db && c64.dpl == 0,
	      "CS64 descriptor 0x%016llx", (unsigned long long)d.gdt[3]);
	/* Accessed bit preset: the CPU never writes the GDT. */
	CHECK((c32.type & 1) && (ds.type & 1) && (c64.type & 1), "accessed bits");
}

static const struct lwkb_tramp_params good_params = {
	.page_phys = 0x8000,
	.cr3 = 0x100000,
	.cr4 = 0x20,
	.efer_set = 0x900,
	.entry = 0xffffffff80001000ULL,
	.arg0 = 0x40005000,
	.arg1 = 0x40000000,
	.slots_phys = 0x200000,
	.max_slots = 300,
};

static void tramp_install_relocates(void)
{
	unsigned char *page = aligned_alloc(4096, 4096);
	struct lwkb_tramp_data *d;
	struct lwkb_tramp_params p = good_params;

	if (!CHECK(page != NULL, "out of memory"))
		return;
	memset(page, 0xee, 4096);
	CHECK_EQ(lwkb_tramp_install(page, &p), 0);
	d = lwkb_tramp_data(page);
	CHECK(d == (void *)(page + LWKB_TRAMP_DATA_OFF), "data pointer");
	CHECK(memcmp(page, lwkb_tramp_blob, LWKB_TRAMP_DATA_OFF) == 0, "code differs");
	CHECK_EQ(d->magic, LWKB_TRAMP_MAGIC);
	CHECK_EQ(d->page_phys, 0x8000);
	CHECK_EQ(d->cr3, 0x100000);
	CHECK_EQ(d->cr4, 0x20);
	CHECK_EQ(d->efer_set, 0x900);
	CHECK_EQ(d->entry, p.entry);
	CHECK_EQ(d->arg0, p.arg0);
	CHECK_EQ(d->arg1, p.arg1);
	CHECK_EQ(d->nr_slots, 0);
	CHECK_EQ(d->stray, 0);
	CHECK_EQ(d->entered, 0);
	CHECK_EQ(d->slots_phys, 0x200000);
	CHECK_EQ(d->max_slots, 300);
	CHECK_EQ(d->gdtr_base, 0x8000 + TRAMP_SYM_tramp_gdt);
	CHECK_EQ(d->far32.offset, 0x8000 + TRAMP_SYM_tramp_pm32);
	CHECK_EQ(d->far32.selector, LWKB_TRAMP_CS32);
	CHECK_EQ(d->far64.offset, 0x8000 + TRAMP_SYM_tramp_lm64);
	CHECK_EQ(d->far64.selector, LWKB_TRAMP_CS64);
	CHECK_EQ(d->idtr_base, 0);
	CHECK(memcmp(d->gdt, blob_data().gdt, sizeof(d->gdt)) == 0, "GDT changed");
	for (unsigned i = LWKB_TRAMP_DATA_OFF + sizeof(*d); i < 4096; i++)
		if (!CHECK(page[i] == 0, "byte 0x%x after the data block is 0x%02x", i, page[i]))
			break;

	/* Installing again elsewhere relocates from the blob, not cumulatively. */
	p.page_phys = 0x9f000;
	CHECK_EQ(lwkb_tramp_install(page, &p), 0);
	CHECK_EQ(d->gdtr_base, 0x9f000 + TRAMP_SYM_tramp_gdt);
	CHECK_EQ(d->far32.offset, 0x9f000 + TRAMP_SYM_tramp_pm32);
	CHECK_EQ(d->far64.offset, 0x9f000 + TRAMP_SYM_tramp_lm64);

	lwkb_tramp_set_entry(page, 0xffffffff80002000ULL, 1, 2);
	CHECK(d->entry == 0xffffffff80002000ULL && d->arg0 == 1 && d->arg1 == 2,
	      "set_entry");
	free(page);
}

/* Bad pages and CR3 values: -LWKB_EINVAL, page untouched. */
static void tramp_install_refuses(void)
{
	static const struct {
		uint64_t page_phys, cr3, slots;
		uint32_t max;
	} bad[] = {
		{ 0xA0000, 0x100000, 0x200000, 1 },	/* first reserved vector */
		{ 0xFF000, 0x100000, 0x200000, 1 },
		{ 0x100000, 0x100000, 0x200000, 1 },	/* not real-mode reachable */
		{ 0x8800, 0x100000, 0x200000, 1 },	/* unaligned */
		{ 0x8001, 0x100000, 0x200000, 1 },
		{ 0, 0x100000, 0x200000, 1 },		/* vector 0 */
		{ 0x8000, 1ULL << 32, 0x200000, 1 },	/* CR3 loaded in 32-bit mode */
		{ 0x8000, 0x123456789000ULL, 0x200000, 1 },
		{ 0x8000, 0x100800, 0x200000, 1 },	/* unaligned CR3 */
		{ 0x8000, 0, 0x200000, 1 },
		/* The slot table is searched in 32-bit mode. */
		{ 0x8000, 0x100000, 0, 1 },
		{ 0x8000, 0x100000, 0x200008, 1 },	/* 16-byte aligned */
		{ 0x8000, 0x100000, 0x200000, 0 },	/* no room */
		{ 0x8000, 0x100000, 0x200000, LWKB_TRAMP_MAX_SLOTS + 1 },
		{ 0x8000, 0x100000, 0xfffffff0, 2 },	/* its second slot above 4 GiB */
		{ 0x8000, 0x100000, 1ULL << 32, 1 },
		{ 0x8000, 0x100000, 0xfffe0000ULL + 16, LWKB_TRAMP_MAX_SLOTS },
	};
	unsigned char *page = aligned_alloc(4096, 4096);

	if (!CHECK(page != NULL, "out of memory"))
		return;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lwkb_tramp_params p = good_params;
		int rc;

		p.page_phys = bad[i].page_phys;
		p.cr3 = bad[i].cr3;
		p.slots_phys = bad[i].slots;
		p.max_slots = bad[i].max;
		unit_fill(page, 4096, (unsigned)i);
		rc = lwkb_tramp_install(page, &p);
		CHECK(rc == -LWKB_EINVAL, "page 0x%llx cr3 0x%llx: rc %d",
		      (unsigned long long)p.page_phys, (unsigned long long)p.cr3, rc);
		CHECK(unit_intact(page, 4096, (unsigned)i), "page 0x%llx cr3 0x%llx: page written",
		      (unsigned long long)p.page_phys, (unsigned long long)p.cr3);
	}
	/* The highest legal values. */
	{
		struct lwkb_tramp_params p = good_params;

		p.page_phys = 0x9f000;
		p.cr3 = (1ULL << 32) - 4096;
		p.slots_phys = 0xfffe0000ULL;	/* 8192 slots end at 4 GiB */
		p.max_slots = LWKB_TRAMP_MAX_SLOTS;
		CHECK_EQ(lwkb_tramp_install(page, &p), 0);
		CHECK_EQ(lwkb_tramp_data(page)->cr3, 0xfffff000u);
		CHECK_EQ(lwkb_tramp_data(page)->slots_phys, 0xfffe0000u);
	}
	free(page);
}

static void tramp_slots(void)
{
	unsigned char *page = aligned_alloc(4096, 4096);
	/* A full table, and one slot's worth of guard after it. */
	struct lwkb_tramp_slot *s = calloc(LWKB_TRAMP_MAX_SLOTS + 1, sizeof(*s));
	struct lwkb_tramp_params p = good_params;
	struct lwkb_tramp_data *d;
	lwkb_u32 room = LWKB_TRAMP_MAX_SLOTS;

	if (!CHECK(page && s, "out of memory"))
		return;
	p.max_slots = room;
	CHECK_EQ(lwkb_tramp_install(page, &p), 0);
	d = lwkb_tramp_data(page);
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 7, 0x10000), 0);
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 9, 0x20000), 1);
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 7, 0x30000), -LWKB_EEXIST);
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 11, 0x30008), -LWKB_EINVAL);	/* 8-aligned */
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 11, 0x30001), -LWKB_EINVAL);
	CHECK_EQ(d->nr_slots, 2);
	CHECK(s[1].apic_id == 9 && s[1].stage == LWKB_STAGE_NONE && s[1].stack_top == 0x20000,
	      "slot 1 contents");
	/* x2APIC ids above 255 are fine */
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 0x12345, 0x40000), 2);
	for (lwkb_u32 i = 3; i < LWKB_TRAMP_MAX_SLOTS; i++)
		if (!CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 100000 + i, 0x100000 + i * 16), (int)i))
			break;
	CHECK_EQ(d->nr_slots, LWKB_TRAMP_MAX_SLOTS);
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 5000, 0x50000), -LWKB_ENOSPC);
	CHECK_EQ(s[LWKB_TRAMP_MAX_SLOTS - 1].apic_id, 100000 + LWKB_TRAMP_MAX_SLOTS - 1);
	CHECK_EQ(s[LWKB_TRAMP_MAX_SLOTS].apic_id, 0);	/* the guard */

	s[0].stage = LWKB_STAGE_JUMPED;
	CHECK_EQ(lwkb_tramp_clear_slots(page, s, room), 0);
	CHECK_EQ(d->nr_slots, 0);
	for (lwkb_u32 i = 0; i < LWKB_TRAMP_MAX_SLOTS; i++)
		if (!CHECK(s[i].apic_id == 0 && s[i].stage == 0 && s[i].stack_top == 0,
			   "slot %u not cleared", i))
			break;
	CHECK_EQ(d->magic, LWKB_TRAMP_MAGIC);	/* the data block survives */
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 7, 0x10000), 0);

	/* Room as installed: a table of 3 takes 3. */
	p.max_slots = room = 3;
	CHECK_EQ(lwkb_tramp_install(page, &p), 0);
	CHECK_EQ(lwkb_tramp_clear_slots(page, s, room), 0);
	for (lwkb_u32 i = 0; i < 3; i++)
		CHECK_EQ(lwkb_tramp_add_slot(page, s, room, i, 0x1000), (int)i);
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 3, 0x1000), -LWKB_ENOSPC);
	CHECK_EQ(s[3].apic_id, 0);

	/* A page whose count or room was overwritten (the LWK owns it once
	 * it runs) makes add_slot and clear_slots refuse, never write past
	 * the caller's table of 3. */
	unit_fill(s, (LWKB_TRAMP_MAX_SLOTS + 1) * sizeof(*s), 77);
	d->nr_slots = 0xffffffffu;
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 1, 0x1000), -LWKB_EINVAL);
	d->nr_slots = 4;	/* past the room of 3 */
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 1, 0x1000), -LWKB_EINVAL);
	d->nr_slots = 0;
	d->max_slots = LWKB_TRAMP_MAX_SLOTS;	/* larger than the caller's 3 */
	CHECK_EQ(lwkb_tramp_add_slot(page, s, room, 1, 0x1000), -LWKB_EINVAL);
	CHECK_EQ(lwkb_tramp_clear_slots(page, s, room), -LWKB_EINVAL);
	d->max_slots = LWKB_TRAMP_MAX_SLOTS + 1;
	CHECK_EQ(lwkb_tramp_clear_slots(page, s, LWKB_TRAMP_MAX_SLOTS + 1), -LWKB_EINVAL);
	CHECK(unit_intact(s, (LWKB_TRAMP_MAX_SLOTS + 1) * sizeof(*s), 77),
	      "a refused call wrote into the table");
	/* clear_slots also starts the entered and stray counts afresh. */
	d->max_slots = 3;
	d->entered = 5;
	d->stray = 2;
	CHECK_EQ(lwkb_tramp_clear_slots(page, s, 3), 0);
	CHECK(d->entered == 0 && d->stray == 0, "counts not cleared");
	free(s);
	free(page);
}

/* Stage names, as the wake code prints them. */
static void tramp_stage_names(void)
{
	CHECK_CONTAINS(lwkb_stage_name(LWKB_STAGE_NONE), "none");
	CHECK_CONTAINS(lwkb_stage_name(LWKB_STAGE_REAL), "real");
	CHECK_CONTAINS(lwkb_stage_name(LWKB_STAGE_PROT), "protected");
	CHECK_CONTAINS(lwkb_stage_name(LWKB_STAGE_LONG), "long");
	CHECK_CONTAINS(lwkb_stage_name(LWKB_STAGE_JUMPED), "jumped");
	CHECK_STR(lwkb_stage_name(5), "invalid");
	CHECK_STR(lwkb_stage_name(~0u), "invalid");
}

UNIT_SUITE(tramp,
	UNIT_TEST(tramp_layout_matches_header),
	UNIT_TEST(tramp_asm_offsets_complete),
	UNIT_TEST(tramp_blob),
	UNIT_TEST(tramp_install_relocates),
	UNIT_TEST(tramp_install_refuses),
	UNIT_TEST(tramp_slots),
	UNIT_TEST(tramp_stage_names));
