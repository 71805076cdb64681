// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: lwkb_elf_load on arbitrary bytes.
 *
 * The destination is 1 MiB of "LWK memory" with a guard zone before and
 * after it, all filled with one byte value.  For every input:
 *   - nothing outside the 1 MiB changes (the guards), and ASan catches any
 *     read outside the input;
 *   - lwkb_elf_check gives the same verdict as lwkb_elf_load, and the
 *     error, if any, is -LWKB_ENOEXEC with a terminated, non-empty message;
 *   - a rejected image leaves the whole 1 MiB untouched;
 *   - an accepted image has its entry in [VBASE, VBASE + 1 MiB), below
 *     load_end, and load_end within the 1 MiB;
 *   - lwkb_elf_contract (the lwkboot note walk) never reads outside the
 *     file and gives 0 or -LWKB_ENOEXEC;
 *   - lwkb_elf_check with 4 GiB of memory (no memory is touched) accepts
 *     only segments that end at or below 2^64, i.e. within the kernel
 *     half [VBASE, 2^64): a wrapping segment would be placed outside it.
 * Any violation aborts, which libFuzzer reports as a crash.
 *
 * With LWKB_FUZZ_SEED_DIR set, the binary writes a few seed inputs there
 * (a valid image and variants of it) and exits: tests/fuzz/run uses this.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwkb_loader.h"
#include "../unit/elf_image.h"

#define MEM	(1u << 20)
#define GUARD	4096u
#define FILL	0xa5

static unsigned char *arena;	/* GUARD | MEM | GUARD */
static unsigned char *clean;	/* MEM bytes of FILL, to compare against */

#define REQUIRE(cond) do {						\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_elf: %s failed (line %d)\n", #cond, __LINE__); \
			abort();					\
		}							\
	} while (0)

static void write_seed(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static void write_seeds(const char *dir)
{
	struct elf_image im;

	if (elf_image_build(&im))
		exit(1);
	write_seed(dir, "seed-elf-good", im.buf, im.size);
	/* one segment, bss only after the text */
	im.eh->e_phnum = 1;
	im.ph[0].p_memsz = 0x1000;
	write_seed(dir, "seed-elf-one-segment", im.buf, im.size);
	/* the header alone */
	write_seed(dir, "seed-elf-header-only", im.buf, sizeof(Elf64_Ehdr));
	elf_image_free(&im);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("LWKB_FUZZ_SEED_DIR");

	(void)argc;
	(void)argv;
	if (dir) {
		write_seeds(dir);
		exit(0);
	}
	arena = malloc(GUARD + MEM + GUARD);
	clean = malloc(MEM);
	if (!arena || !clean)
		abort();
	memset(arena, FILL, GUARD + MEM + GUARD);
	memset(clean, FILL, MEM);
	return 0;
}

static int guard_ok(const unsigned char *g)
{
	return memcmp(g, clean, GUARD) == 0;
}

/* After lwkb_elf_check accepted the file: no PT_LOAD runs past 2^64. */
static void check_no_wrap(const uint8_t *data)
{
	Elf64_Ehdr eh;

	memcpy(&eh, data, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, data + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_memsz > 0 - ph.p_vaddr) {
			fprintf(stderr, "fuzz_elf: segment %u 0x%llx+0x%llx wraps past 2^64 "
				"but was accepted with 4 GiB of memory\n", i,
				(unsigned long long)ph.p_vaddr, (unsigned long long)ph.p_memsz);
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *mem = arena + GUARD;
	struct lwkb_elf_info info;
	char err[256];
	int rc, rc2;

	memset(err, 'x', sizeof(err));
	rc = lwkb_elf_load(data, size, mem, MEM, &info, err, sizeof(err));
	REQUIRE(guard_ok(arena));
	REQUIRE(guard_ok(mem + MEM));
	rc2 = lwkb_elf_check(data, size, MEM, NULL, NULL, 0);
	REQUIRE(rc == rc2);
	if (lwkb_elf_check(data, size, 4ULL << 30, NULL, NULL, 0) == 0)
		check_no_wrap(data);
	/* The note walk reads only inside the file (ASan sees any overread
	 * of the fuzzer's exact-size buffer) and answers 0 or -ENOEXEC. */
	{
		lwkb_u32 version = 0;
		int rc3 = lwkb_elf_contract(data, size, &version, err, sizeof(err));

		REQUIRE(rc3 == 0 || rc3 == -LWKB_ENOEXEC);
	}
	if (rc) {
		REQUIRE(rc == -LWKB_ENOEXEC);
		REQUIRE(memchr(err, '\0', sizeof(err)) != NULL);
		REQUIRE(err[0] != '\0');
		REQUIRE(memcmp(mem, clean, MEM) == 0);	/* checked before copying */
		return 0;
	}
	REQUIRE(info.entry >= LWKB_KERNEL_VBASE);
	REQUIRE(info.entry - LWKB_KERNEL_VBASE < MEM);
	REQUIRE(info.entry - LWKB_KERNEL_VBASE < info.load_end);
	REQUIRE(info.load_end <= MEM);
	REQUIRE(info.nr_load >= 1);
	/* The loader writes only below load_end: restore just that. */
	memset(mem, FILL, info.load_end);
	REQUIRE(memcmp(mem, clean, MEM) == 0);
	return 0;
}
