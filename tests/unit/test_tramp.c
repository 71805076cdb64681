// SPDX-License-Identifier: MIT
/*
 * The trampoline page (loader/tramp.c, trampoline/trampoline.asm).
 *
 * What these tests prove:
 *  - trampoline/layout.inc (seen through build/gen/tramp_syms.h) and
 *    include/lwkboot/trampoline.h describe the same layout: every TD_*,
 *    SLOT_* and shared constant equals the C offsetof; a runtime scan of
 *    layout.inc makes sure no constant is left unchecked;
 *  - the blob: fits before the slots, its code ends before the data block,
 *    its data block carries magic, version, code size, unrelocated far
 *    pointers and a GDT whose descriptors are what the selectors promise;
 *  - lwkb_tramp_install relocates exactly the three patched fields by
 *    page_phys, fills the parameters, zeroes the rest of the page, and
 *    refuses bad pages and CR3 values without touching the page;
 *  - slots: indices, duplicates, capacity, stack alignment, clearing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwkb_loader.h"
#include "tramp_syms.h"
#include "unit.h"

#define TD(field)	(LWKB_TRAMP_DATA_OFF + offsetof(struct lwkb_tramp_data, field))
#define SL(field)	offsetof(struct lwkb_tramp_slot, field)

/* Names of layout.inc checked below; tramp_layout_inc_complete uses it. */
static const char *const checked_names[] = {
	"DATA_OFF", "SLOTS_OFF", "SLOT_SIZE", "MAX_SLOTS", "TRAMP_MAGIC",
	"TRAMP_VERSION", "TD_NR_SLOTS", "TD_CR3", "TD_CR4", "TD_EFER_SET",
	"TD_ENTRY", "TD_ARG0", "TD_ARG1", "TD_STRAY", "TD_GDTR_LIMIT",
	"TD_FAR32", "TD_FAR64", "TD_IDTR_LIMIT", "TD_GDT", "TD_SIZE",
	"GDT_SIZE", "SLOT_APIC_ID", "SLOT_STAGE", "SLOT_STACK_TOP",
	"STAGE_REAL", "STAGE_PROT", "STAGE_LONG", "STAGE_JUMPED",
	"CS32_SEL", "DS_SEL", "CS64_SEL",
	/* optional fields, checked when layout.inc defines them */
	"TD_MAGIC", "TD_VERSION", "TD_PAGE_PHYS", "TD_CODE_SIZE",
	"TD_GDTR_BASE", "TD_IDTR_BASE",
	/* CPU architecture constants, not part of the shared layout */
	"CR0_PE", "CR0_ET", "CR0_NE", "CR0_PG", "MSR_EFER",
};

static void tramp_layout_matches_header(void)
{
	CHECK_EQ(TRAMP_SYM_DATA_OFF, LWKB_TRAMP_DATA_OFF);
	CHECK_EQ(TRAMP_SYM_SLOTS_OFF, LWKB_TRAMP_SLOTS_OFF);
	CHECK_EQ(TRAMP_SYM_SLOT_SIZE, sizeof(struct lwkb_tramp_slot));
	CHECK_EQ(TRAMP_SYM_MAX_SLOTS, LWKB_TRAMP_MAX_SLOTS);
	CHECK_EQ(TRAMP_SYM_TRAMP_MAGIC, LWKB_TRAMP_MAGIC);
	CHECK_EQ(TRAMP_SYM_TRAMP_VERSION, LWKB_TRAMP_VERSION);

	CHECK_EQ(TRAMP_SYM_TD_NR_SLOTS, TD(nr_slots));
	CHECK_EQ(TRAMP_SYM_TD_CR3, TD(cr3));
	CHECK_EQ(TRAMP_SYM_TD_CR4, TD(cr4));
	CHECK_EQ(TRAMP_SYM_TD_EFER_SET, TD(efer_set));
	CHECK_EQ(TRAMP_SYM_TD_ENTRY, TD(entry));
	CHECK_EQ(TRAMP_SYM_TD_ARG0, TD(arg0));
	CHECK_EQ(TRAMP_SYM_TD_ARG1, TD(arg1));
	CHECK_EQ(TRAMP_SYM_TD_STRAY, TD(stray));
	CHECK_EQ(TRAMP_SYM_TD_GDTR_LIMIT, TD(gdtr_limit));
	CHECK_EQ(TRAMP_SYM_TD_FAR32, TD(far32));
	CHECK_EQ(TRAMP_SYM_TD_FAR64, TD(far64));
	CHECK_EQ(TRAMP_SYM_TD_IDTR_LIMIT, TD(idtr_limit));
	CHECK_EQ(TRAMP_SYM_TD_GDT, TD(gdt));
	CHECK_EQ(TRAMP_SYM_TD_SIZE, sizeof(struct lwkb_tramp_data));
	CHECK_EQ(TRAMP_SYM_GDT_SIZE, sizeof(((struct lwkb_tramp_data *)0)->gdt));
#ifdef TRAMP_SYM_TD_MAGIC
	CHECK_EQ(TRAMP_SYM_TD_MAGIC, TD(magic));
#endif
#ifdef TRAMP_SYM_TD_VERSION
	CHECK_EQ(TRAMP_SYM_TD_VERSION, TD(version));
#endif
#ifdef TRAMP_SYM_TD_PAGE_PHYS
	CHECK_EQ(TRAMP_SYM_TD_PAGE_PHYS, TD(page_phys));
#endif
#ifdef TRAMP_SYM_TD_CODE_SIZE
	CHECK_EQ(TRAMP_SYM_TD_CODE_SIZE, TD(code_size));
#endif
#ifdef TRAMP_SYM_TD_GDTR_BASE
	CHECK_EQ(TRAMP_SYM_TD_GDTR_BASE, TD(gdtr_base));
#endif
#ifdef TRAMP_SYM_TD_IDTR_BASE
	CHECK_EQ(TRAMP_SYM_TD_IDTR_BASE, TD(idtr_base));
#endif

	CHECK_EQ(TRAMP_SYM_SLOT_APIC_ID, SL(apic_id));
	CHECK_EQ(TRAMP_SYM_SLOT_STAGE, SL(stage));
	CHECK_EQ(TRAMP_SYM_SLOT_STACK_TOP, SL(stack_top));

	CHECK_EQ(TRAMP_SYM_STAGE_REAL, LWKB_STAGE_REAL);
	CHECK_EQ(TRAMP_SYM_STAGE_PROT, LWKB_STAGE_PROT);
	CHECK_EQ(TRAMP_SYM_STAGE_LONG, LWKB_STAGE_LONG);
	CHECK_EQ(TRAMP_SYM_STAGE_JUMPED, LWKB_STAGE_JUMPED);
	CHECK_EQ(TRAMP_SYM_CS32_SEL, LWKB_TRAMP_CS32);
	CHECK_EQ(TRAMP_SYM_DS_SEL, LWKB_TRAMP_DS);
	CHECK_EQ(TRAMP_SYM_CS64_SEL, LWKB_TRAMP_CS64);

	/* The slots fill the page exactly. */
	CHECK_EQ(LWKB_TRAMP_SLOTS_OFF + LWKB_TRAMP_MAX_SLOTS *
		 sizeof(struct lwkb_tramp_slot), LWKB_TRAMP_SIZE);
	CHECK_EQ(TD(gdtr_base) % 4, 0);
	CHECK_EQ(TD(gdt) % 8, 0);
}

/*
 * Opens trampoline/layout.inc: relative to this source file's path (make
 * compiles from the repository root), else in the current directory or
 * in one of the four directories above the test binary.
 */
static FILE *open_layout_inc(char *path, size_t len)
{
	static const char tail[] = "tests/unit/test_tramp.c";
	const char *file = __FILE__;
	size_t n = strlen(file), t = strlen(tail);
	char exe[512];
	ssize_t m;
	FILE *f;

	if (n >= t && strcmp(&file[n - t], tail) == 0) {
		snprintf(path, len, "%.*strampoline/layout.inc", (int)(n - t), file);
		if ((f = fopen(path, "r")))
			return f;
	}
	m = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (m <= 0)
		return NULL;
	exe[m] = '\0';
	for (int up = 0; up < 4; up++) {
		char *slash = strrchr(exe, '/');

		if (!slash)
			break;
		*slash = '\0';
		snprintf(path, len, "%s/trampoline/layout.inc", exe);
		if ((f = fopen(path, "r")))
			return f;
	}
	return NULL;
}

/*
 * Every "NAME equ" of trampoline/layout.inc must be in checked_names, so
 * a field added to the assembly side cannot escape the checks above.
 */
static void tramp_layout_inc_complete(void)
{
	char path[600], line[256], name[64], word[4];
	FILE *f = open_layout_inc(path, sizeof(path));
	int found = 0;

	if (!f) {
		printf("  (note: trampoline/layout.inc not found, completeness not checked)\n");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		int known = 0;

		if (sscanf(line, "%63[A-Za-z0-9_] %3s", name, word) != 2 ||
		    strcmp(word, "equ") != 0)
			continue;
		found++;
		for (size_t i = 0; i < sizeof(checked_names) / sizeof(checked_names[0]); i++)
			known |= strcmp(name, checked_names[i]) == 0;
		CHECK(known, "layout.inc defines %s, which no test checks", name);
	}
	fclose(f);
	CHECK(found >= 25, "only %d constants found in %s", found, path);
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

	CHECK(lwkb_tramp_blob_size <= LWKB_TRAMP_SLOTS_OFF, "blob is %u bytes",
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
	CHECK(lwkb_tramp_slots(page) == (void *)(page + LWKB_TRAMP_SLOTS_OFF), "slots pointer");
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
	CHECK_EQ(d->gdtr_base, 0x8000 + TRAMP_SYM_tramp_gdt);
	CHECK_EQ(d->far32.offset, 0x8000 + TRAMP_SYM_tramp_pm32);
	CHECK_EQ(d->far32.selector, LWKB_TRAMP_CS32);
	CHECK_EQ(d->far64.offset, 0x8000 + TRAMP_SYM_tramp_lm64);
	CHECK_EQ(d->far64.selector, LWKB_TRAMP_CS64);
	CHECK_EQ(d->idtr_base, 0);
	CHECK(memcmp(d->gdt, blob_data().gdt, sizeof(d->gdt)) == 0, "GDT changed");
	for (unsigned i = lwkb_tramp_blob_size; i < 4096; i++)
		if (!CHECK(page[i] == 0, "byte 0x%x after the blob is 0x%02x", i, page[i]))
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
		uint64_t page_phys, cr3;
	} bad[] = {
		{ 0xA0000, 0x100000 },		/* first reserved vector */
		{ 0xFF000, 0x100000 },
		{ 0x100000, 0x100000 },		/* not real-mode reachable */
		{ 0x8800, 0x100000 },		/* unaligned */
		{ 0x8001, 0x100000 },
		{ 0, 0x100000 },		/* vector 0 */
		{ 0x8000, 1ULL << 32 },		/* CR3 loaded in 32-bit mode */
		{ 0x8000, 0x123456789000ULL },
		{ 0x8000, 0x100800 },		/* unaligned CR3 */
		{ 0x8000, 0 },
	};
	unsigned char *page = aligned_alloc(4096, 4096);

	if (!CHECK(page != NULL, "out of memory"))
		return;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lwkb_tramp_params p = good_params;
		int rc;

		p.page_phys = bad[i].page_phys;
		p.cr3 = bad[i].cr3;
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
		CHECK_EQ(lwkb_tramp_install(page, &p), 0);
		CHECK_EQ(lwkb_tramp_data(page)->cr3, 0xfffff000u);
	}
	free(page);
}

static void tramp_slots(void)
{
	unsigned char *page = aligned_alloc(4096, 4096);
	struct lwkb_tramp_slot *s;
	struct lwkb_tramp_data *d;

	if (!CHECK(page != NULL, "out of memory"))
		return;
	CHECK_EQ(lwkb_tramp_install(page, &good_params), 0);
	d = lwkb_tramp_data(page);
	s = lwkb_tramp_slots(page);
	CHECK_EQ(lwkb_tramp_add_slot(page, 7, 0x10000), 0);
	CHECK_EQ(lwkb_tramp_add_slot(page, 9, 0x20000), 1);
	CHECK_EQ(lwkb_tramp_add_slot(page, 7, 0x30000), -LWKB_EEXIST);
	CHECK_EQ(lwkb_tramp_add_slot(page, 11, 0x30008), -LWKB_EINVAL);	/* 8-aligned */
	CHECK_EQ(lwkb_tramp_add_slot(page, 11, 0x30001), -LWKB_EINVAL);
	CHECK_EQ(d->nr_slots, 2);
	CHECK(s[1].apic_id == 9 && s[1].stage == LWKB_STAGE_NONE && s[1].stack_top == 0x20000,
	      "slot 1 contents");
	/* x2APIC ids above 255 are fine */
	CHECK_EQ(lwkb_tramp_add_slot(page, 0x12345, 0x40000), 2);
	for (lwkb_u32 i = 3; i < LWKB_TRAMP_MAX_SLOTS; i++)
		if (!CHECK_EQ(lwkb_tramp_add_slot(page, 1000 + i, 0x100000 + i * 16), (int)i))
			break;
	CHECK_EQ(d->nr_slots, LWKB_TRAMP_MAX_SLOTS);
	CHECK_EQ(lwkb_tramp_add_slot(page, 5000, 0x50000), -LWKB_ENOSPC);
	CHECK_EQ(s[LWKB_TRAMP_MAX_SLOTS - 1].apic_id, 1000 + LWKB_TRAMP_MAX_SLOTS - 1);
	CHECK((unsigned char *)&s[LWKB_TRAMP_MAX_SLOTS] == page + 4096, "last slot ends the page");

	s[0].stage = LWKB_STAGE_JUMPED;
	lwkb_tramp_clear_slots(page);
	CHECK_EQ(d->nr_slots, 0);
	for (lwkb_u32 i = 0; i < LWKB_TRAMP_MAX_SLOTS; i++)
		if (!CHECK(s[i].apic_id == 0 && s[i].stage == 0 && s[i].stack_top == 0,
			   "slot %u not cleared", i))
			break;
	CHECK_EQ(d->magic, LWKB_TRAMP_MAGIC);	/* the data block survives */
	CHECK_EQ(lwkb_tramp_add_slot(page, 7, 0x10000), 0);
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
	UNIT_TEST(tramp_layout_inc_complete),
	UNIT_TEST(tramp_blob),
	UNIT_TEST(tramp_install_relocates),
	UNIT_TEST(tramp_install_refuses),
	UNIT_TEST(tramp_slots),
	UNIT_TEST(tramp_stage_names));
