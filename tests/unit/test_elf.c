// SPDX-License-Identifier: MIT
/*
 * ELF64 validation and loading (loader/elf.c).
 *
 * What these tests prove:
 *  - a good image is copied byte-exact, its bss is zeroed, nothing else in
 *    the destination is written, and entry / load_end / nr_load are right;
 *  - every malformed image of the table is refused with -LWKB_ENOEXEC, a
 *    message naming the problem, and the destination left untouched (the
 *    loader checks everything before copying);
 *  - boundaries: a segment ending exactly at mem_size loads, one byte more
 *    does not; wrapping arithmetic is not fooled.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwkb_loader.h"
#include "elf_image.h"
#include "unit.h"

#define MEM_SIZE	0x10000ULL	/* 64 KiB of "LWK memory" */
#define PAT		0x5a

/* A good image loads: bytes copied, bss zeroed, the rest untouched. */
static void elf_good_image_loads(void)
{
	struct elf_image im;
	struct lwkb_elf_info info;
	unsigned char *mem = malloc(MEM_SIZE);
	char err[128] = "";
	int rc;

	if (!CHECK(mem && elf_image_build(&im) == 0, "out of memory"))
		return;
	memset(mem, PAT, MEM_SIZE);
	memset(&info, 0xee, sizeof(info));
	rc = lwkb_elf_load(im.buf, im.size, mem, MEM_SIZE, &info, err, sizeof(err));
	CHECK_EQ(rc, 0);
	CHECK_STR(err, "");
	CHECK_EQ(info.entry, IMG_ENTRY);
	CHECK_EQ(info.load_end, IMG_LOAD_END);
	CHECK_EQ(info.nr_load, 2);
	/* text: file [0x100, 0x400) -> mem [0, 0x300) */
	CHECK(memcmp(mem, im.buf + IMG_TEXT_FOFF, IMG_TEXT_SIZE) == 0,
	      "text segment not copied byte-exact");
	/* data: file [0x400, 0x500) -> mem [0x2000, 0x2100), bss zero to 0x5000 */
	CHECK(memcmp(mem + IMG_DATA_VOFF, im.buf + IMG_DATA_FOFF, IMG_DATA_FSZ) == 0,
	      "data segment not copied byte-exact");
	for (uint64_t i = IMG_DATA_VOFF + IMG_DATA_FSZ; i < IMG_LOAD_END; i++)
		if (!CHECK(mem[i] == 0, "bss byte at 0x%llx is 0x%02x",
			   (unsigned long long)i, mem[i]))
			break;
	/* The gap between the segments and everything after them is untouched. */
	for (uint64_t i = IMG_TEXT_SIZE; i < IMG_DATA_VOFF; i++)
		if (!CHECK(mem[i] == PAT, "gap byte at 0x%llx written", (unsigned long long)i))
			break;
	for (uint64_t i = IMG_LOAD_END; i < MEM_SIZE; i++)
		if (!CHECK(mem[i] == PAT, "byte at 0x%llx past the image written",
			   (unsigned long long)i))
			break;

	/* lwkb_elf_check agrees and does not need the memory at all. */
	memset(&info, 0, sizeof(info));
	CHECK_EQ(lwkb_elf_check(im.buf, im.size, MEM_SIZE, &info, NULL, 0), 0);
	CHECK_EQ(info.load_end, IMG_LOAD_END);
	elf_image_free(&im);
	free(mem);
}

/* Headers are read with byte copies: an odd file address is fine (UBSan). */
static void elf_unaligned_file(void)
{
	struct elf_image im;
	struct lwkb_elf_info info;
	unsigned char *copy = malloc(IMG_FILE_SIZE + 1), *mem = malloc(MEM_SIZE);

	if (!CHECK(copy && mem && elf_image_build(&im) == 0, "out of memory"))
		return;
	memcpy(copy + 1, im.buf, IMG_FILE_SIZE);
	CHECK_EQ(lwkb_elf_load(copy + 1, IMG_FILE_SIZE, mem, MEM_SIZE, &info, NULL, 0), 0);
	CHECK_EQ(info.entry, IMG_ENTRY);
	CHECK(memcmp(mem, im.buf + IMG_TEXT_FOFF, IMG_TEXT_SIZE) == 0, "text differs");
	elf_image_free(&im);
	free(copy);
	free(mem);
}

/* A segment ending exactly at mem_size loads (mem is exactly that big, so
 * ASan would catch a single byte written past it); one byte less fails. */
static void elf_segment_ending_at_mem_size(void)
{
	struct elf_image im;
	struct lwkb_elf_info info;
	unsigned char *mem = malloc(IMG_LOAD_END);
	char err[160];

	if (!CHECK(mem && elf_image_build(&im) == 0, "out of memory"))
		return;
	memset(mem, PAT, IMG_LOAD_END);
	CHECK_EQ(lwkb_elf_load(im.buf, im.size, mem, IMG_LOAD_END, &info, err,
			       sizeof(err)), 0);
	CHECK_EQ(info.load_end, IMG_LOAD_END);
	CHECK_EQ(mem[IMG_LOAD_END - 1], 0);

	unit_fill(mem, IMG_LOAD_END, 7);
	CHECK_EQ(lwkb_elf_load(im.buf, im.size, mem, IMG_LOAD_END - 1, &info, err,
			       sizeof(err)), -LWKB_ENOEXEC);
	CHECK_CONTAINS(err, "does not fit");
	CHECK(unit_intact(mem, IMG_LOAD_END, 7),
	      "memory written although the image was refused");
	elf_image_free(&im);
	free(mem);
}

/* ---- the table of malformed images ---- */

static void m_too_short(struct elf_image *im) { im->size = sizeof(Elf64_Ehdr) - 1; }
static void m_empty(struct elf_image *im) { im->size = 0; }
static void m_bad_magic(struct elf_image *im) { im->eh->e_ident[EI_MAG1] = 'X'; }
static void m_class32(struct elf_image *im) { im->eh->e_ident[EI_CLASS] = ELFCLASS32; }
static void m_big_endian(struct elf_image *im) { im->eh->e_ident[EI_DATA] = ELFDATA2MSB; }
static void m_version(struct elf_image *im) { im->eh->e_version = 2; }
static void m_ident_version(struct elf_image *im) { im->eh->e_ident[EI_VERSION] = 0; }
static void m_et_dyn(struct elf_image *im) { im->eh->e_type = ET_DYN; }
static void m_em_386(struct elf_image *im) { im->eh->e_machine = EM_386; }
static void m_phentsize(struct elf_image *im) { im->eh->e_phentsize = 32; }
static void m_phnum0(struct elf_image *im) { im->eh->e_phnum = 0; }
static void m_phnum_huge(struct elf_image *im) { im->eh->e_phnum = 65; }
static void m_phoff_beyond(struct elf_image *im) { im->eh->e_phoff = im->size + 8; }
/* phoff + phnum * 56 would wrap around 2^64 */
static void m_phoff_wrap(struct elf_image *im) { im->eh->e_phoff = UINT64_MAX - 10; }
/* the table starts inside the file but its last entry does not fit */
static void m_phtab_tail(struct elf_image *im) { im->eh->e_phoff = im->size - 56; }
static void m_filesz_gt_memsz(struct elf_image *im) { im->ph[1].p_filesz = IMG_DATA_MSZ + 1; }
static void m_offset_beyond(struct elf_image *im) { im->ph[0].p_offset = im->size - 0x10; }
static void m_offset_wrap(struct elf_image *im) { im->ph[1].p_offset = UINT64_MAX - 0x10; }
static void m_filesz_wrap(struct elf_image *im)
{
	im->ph[1].p_filesz = UINT64_MAX - 0x200;	/* offset + filesz wraps */
	im->ph[1].p_memsz = UINT64_MAX - 0x200;
}
static void m_vaddr_low(struct elf_image *im) { im->ph[1].p_vaddr = 0x200000; }
static void m_vaddr_just_below(struct elf_image *im) { im->ph[1].p_vaddr = IMG_VBASE - 0x1000; }
static void m_exceeds_mem(struct elf_image *im) { im->ph[1].p_memsz = MEM_SIZE; }
static void m_vaddr_wrap(struct elf_image *im)
{
	im->ph[1].p_vaddr = 0xfffffffffffff000ULL;	/* + 0x2000 wraps to 0x1000 */
	im->ph[1].p_memsz = 0x2000;
}
static void m_memsz_wrap(struct elf_image *im) { im->ph[1].p_memsz = UINT64_MAX - 0x1000; }
static void m_overlap(struct elf_image *im) { im->ph[1].p_vaddr = IMG_VBASE + 0x200; }
static void m_overlap_inside(struct elf_image *im)
{
	/* text placed inside the (later) data segment: containment */
	im->ph[0].p_vaddr = IMG_VBASE + 0x2100;
	im->eh->e_entry = IMG_VBASE + 0x2110;
}
static void m_overlap_by_one(struct elf_image *im) { im->ph[1].p_vaddr = IMG_VBASE + IMG_TEXT_SIZE - 1; }
static void m_entry_outside(struct elf_image *im) { im->eh->e_entry = IMG_VBASE + 0x10000; }
static void m_entry_past_text(struct elf_image *im) { im->eh->e_entry = IMG_VBASE + IMG_TEXT_SIZE; }
static void m_entry_in_data(struct elf_image *im) { im->eh->e_entry = IMG_VBASE + IMG_DATA_VOFF; }
static void m_no_load(struct elf_image *im)
{
	for (int i = 0; i < IMG_NPH; i++)
		im->ph[i].p_type = PT_NOTE;
}
static void m_only_empty_loads(struct elf_image *im)
{
	im->ph[0].p_filesz = im->ph[0].p_memsz = 0;
	im->ph[1].p_filesz = im->ph[1].p_memsz = 0;
}

struct bad_case {
	const char *name;
	void (*mutate)(struct elf_image *im);
	const char *msg;	/* the error message must contain this */
};

static const struct bad_case bad_cases[] = {
	{ "file too short",		m_too_short,		"too small" },
	{ "empty file",			m_empty,		"too small" },
	{ "bad magic",			m_bad_magic,		"bad magic" },
	{ "ELFCLASS32",			m_class32,		"class 1" },
	{ "big endian",			m_big_endian,		"encoding 2" },
	{ "e_version 2",		m_version,		"version 1/2" },
	{ "EI_VERSION 0",		m_ident_version,	"version 0/1" },
	{ "ET_DYN",			m_et_dyn,		"type 3" },
	{ "EM_386",			m_em_386,		"machine 3" },
	{ "e_phentsize 32",		m_phentsize,		"entry size 32" },
	{ "phnum 0",			m_phnum0,		"no program headers" },
	{ "phnum 65",			m_phnum_huge,		"65 program headers" },
	{ "phoff beyond file",		m_phoff_beyond,		"exceeds the file" },
	{ "phoff wraps",		m_phoff_wrap,		"exceeds the file" },
	{ "ph table tail",		m_phtab_tail,		"exceeds the file" },
	{ "filesz > memsz",		m_filesz_gt_memsz,	"file size 0x3001 > memory size 0x3000" },
	{ "p_offset+filesz beyond",	m_offset_beyond,	"segment 0: file range" },
	{ "p_offset wraps",		m_offset_wrap,		"segment 1: file range" },
	{ "p_filesz wraps",		m_filesz_wrap,		"segment 1: file range" },
	{ "vaddr below VBASE",		m_vaddr_low,		"below the kernel base" },
	{ "vaddr just below VBASE",	m_vaddr_just_below,	"below the kernel base" },
	{ "segment exceeds mem",	m_exceeds_mem,		"does not fit" },
	{ "vaddr+memsz wraps",		m_vaddr_wrap,		"segment 1" },
	{ "memsz wraps",		m_memsz_wrap,		"segment 1" },
	{ "overlap",			m_overlap,		"overlaps" },
	{ "overlap (contained)",	m_overlap_inside,	"overlaps" },
	{ "overlap by one byte",	m_overlap_by_one,	"overlaps" },
	{ "entry outside",		m_entry_outside,	"not inside an executable segment" },
	{ "entry one past text",	m_entry_past_text,	"not inside an executable segment" },
	{ "entry in data",		m_entry_in_data,	"not inside an executable segment" },
	{ "no PT_LOAD",			m_no_load,		"no loadable segment" },
	{ "only empty PT_LOADs",	m_only_empty_loads,	"no loadable segment" },
};

/* Each malformed image: -LWKB_ENOEXEC, a telling message, memory untouched. */
static void elf_malformed_images_rejected(void)
{
	unsigned char *mem = malloc(MEM_SIZE);

	if (!CHECK(mem != NULL, "out of memory"))
		return;
	for (size_t c = 0; c < sizeof(bad_cases) / sizeof(bad_cases[0]); c++) {
		const struct bad_case *bc = &bad_cases[c];
		struct elf_image im;
		struct lwkb_elf_info info;
		char err[200] = "";
		int rc;

		if (!CHECK(elf_image_build(&im) == 0, "out of memory"))
			break;
		bc->mutate(&im);
		unit_fill(mem, MEM_SIZE, (unsigned)c);
		rc = lwkb_elf_load(im.buf, im.size, mem, MEM_SIZE, &info, err, sizeof(err));
		CHECK(rc == -LWKB_ENOEXEC, "%s: rc %d, want -ENOEXEC", bc->name, rc);
		CHECK(strstr(err, bc->msg) != NULL, "%s: message \"%s\" lacks \"%s\"",
		      bc->name, err, bc->msg);
		CHECK(unit_intact(mem, MEM_SIZE, (unsigned)c),
		      "%s: destination memory written", bc->name);
		/* lwkb_elf_check gives the same verdict. */
		rc = lwkb_elf_check(im.buf, im.size, MEM_SIZE, &info, NULL, 0);
		CHECK(rc == -LWKB_ENOEXEC, "%s: elf_check rc %d", bc->name, rc);
		elf_image_free(&im);
	}
	free(mem);
}

/* A NULL file, a NULL or tiny err buffer: still a clean -ENOEXEC. */
static void elf_null_and_short_err(void)
{
	struct elf_image im;
	char err[8];

	CHECK_EQ(lwkb_elf_check(NULL, 100, MEM_SIZE, NULL, err, sizeof(err)), -LWKB_ENOEXEC);
	if (!CHECK(elf_image_build(&im) == 0, "out of memory"))
		return;
	im.eh->e_machine = EM_386;
	memset(err, 'x', sizeof(err));
	CHECK_EQ(lwkb_elf_check(im.buf, im.size, MEM_SIZE, NULL, err, sizeof(err)),
		 -LWKB_ENOEXEC);
	CHECK(memchr(err, '\0', sizeof(err)) != NULL, "truncated message not terminated");
	CHECK_EQ(lwkb_elf_check(im.buf, im.size, MEM_SIZE, NULL, NULL, 0), -LWKB_ENOEXEC);
	CHECK_EQ(lwkb_elf_check(im.buf, im.size, MEM_SIZE, NULL, err, 0), -LWKB_ENOEXEC);
	elf_image_free(&im);
}

/*
 * The header promises that segments "do not overlap or wrap".  With a small
 * mem_size the fit check catches a wrapping segment by accident; with more
 * than 2 GiB of LWK memory (lwkb_prepare passes the whole LWK memory) it
 * must still be refused: a segment at 0xfffffffffffff000 of 0x2000 bytes
 * runs past 2^64, i.e. outside the 2 GiB kernel mapping, so its code would
 * execute in the identity range.  Only lwkb_elf_check: no memory needed.
 */
static void elf_vaddr_wrap_with_large_memory(void)
{
	struct elf_image im;
	char err[200] = "";
	int rc;

	if (!CHECK(elf_image_build(&im) == 0, "out of memory"))
		return;
	m_vaddr_wrap(&im);
	rc = lwkb_elf_check(im.buf, im.size, 4ULL << 30, NULL, err, sizeof(err));
	CHECK(rc == -LWKB_ENOEXEC, "segment 0xfffffffffffff000+0x2000 accepted "
	      "with 4 GiB of memory (rc %d)", rc);
	/* Same with the executable segment, entry in its wrapped part. */
	elf_image_free(&im);
	if (!CHECK(elf_image_build(&im) == 0, "out of memory"))
		return;
	im.ph[0].p_vaddr = 0xfffffffffffff000ULL;
	im.ph[0].p_memsz = 0x2000;
	im.ph[0].p_filesz = IMG_TEXT_SIZE;
	im.eh->e_entry = 0xfffffffffffff800ULL;
	rc = lwkb_elf_check(im.buf, im.size, 4ULL << 30, NULL, err, sizeof(err));
	CHECK(rc == -LWKB_ENOEXEC, "executable segment running past 2^64 accepted (rc %d)", rc);
	/* Ending exactly at 2^64 is fine. */
	im.ph[0].p_memsz = 0x1000;
	rc = lwkb_elf_check(im.buf, im.size, 4ULL << 30, NULL, err, sizeof(err));
	CHECK(rc == 0, "segment ending exactly at 2^64 refused: %s", err);
	elf_image_free(&im);
}

/* Zero-sized PT_LOADs are skipped; a bss-only segment is zero-filled. */
static void elf_zero_and_bss_only_segments(void)
{
	struct elf_image im;
	struct lwkb_elf_info info;
	unsigned char *mem = malloc(MEM_SIZE);

	if (!CHECK(mem && elf_image_build(&im) == 0, "out of memory"))
		return;
	im.ph[1].p_filesz = 0;			/* pure bss */
	im.ph[2].p_type = PT_LOAD;		/* empty, address otherwise invalid */
	im.ph[2].p_vaddr = IMG_VBASE + 0x9000;
	im.ph[2].p_offset = 0;
	im.ph[2].p_filesz = im.ph[2].p_memsz = 0;
	memset(mem, PAT, MEM_SIZE);
	CHECK_EQ(lwkb_elf_load(im.buf, im.size, mem, MEM_SIZE, &info, NULL, 0), 0);
	CHECK_EQ(info.nr_load, 2);
	CHECK_EQ(info.load_end, IMG_LOAD_END);
	CHECK(mem[IMG_DATA_VOFF] == 0 && mem[IMG_LOAD_END - 1] == 0, "bss not zeroed");
	elf_image_free(&im);
	free(mem);
}

UNIT_SUITE(elf,
	UNIT_TEST(elf_good_image_loads),
	UNIT_TEST(elf_unaligned_file),
	UNIT_TEST(elf_segment_ending_at_mem_size),
	UNIT_TEST(elf_malformed_images_rejected),
	UNIT_TEST(elf_null_and_short_err),
	UNIT_TEST(elf_vaddr_wrap_with_large_memory),
	UNIT_TEST(elf_zero_and_bss_only_segments));
