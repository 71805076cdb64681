// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a Linux bzImage through loader/linux.c (lwkb_bz_check,
 * lwkb_linux_plan, lwkb_linux_build) on arbitrary bytes.
 *
 * The LWK memory is 4 MiB at 16 MiB (two 2 MiB ranges) with a guard zone
 * on either side, all filled with one byte value; the p2v callback
 * refuses anything outside it.  For every input:
 *   - ASan catches any read outside the input or write outside the arena;
 *   - the guards never change;
 *   - a refused image leaves the memory untouched, with a terminated,
 *     non-empty message;
 *   - an accepted plan puts the kernel (init_size), the tables and the
 *     initrd inside the memory, without overlap, the kernel aligned.
 * The input's first byte picks the initrd's size; the rest is the image.
 *
 * With LWKB_FUZZ_SEED_DIR set, the binary writes a seed (a minimal valid
 * bzImage) there and exits: tests/fuzz/run uses this.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwkb_loader.h"

#define MB	(1ULL << 20)
#define BASE	(16 * MB)
#define MEM	(4 * MB)
#define GUARD	4096u
#define FILL	0xa5

static unsigned char *arena;	/* GUARD | MEM | GUARD */
static unsigned char *clean;	/* MEM + 2 * GUARD bytes of FILL */

#define REQUIRE(cond) do {						\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_bzimage: %s failed (line %d)\n", #cond, __LINE__); \
			abort();					\
		}							\
	} while (0)

static void *p2v(void *ctx, lwkb_u64 phys, lwkb_u64 len)
{
	(void)ctx;
	if (phys < BASE || len > MEM || phys - BASE > MEM - len)
		return NULL;
	return arena + GUARD + (phys - BASE);
}

static void put32(unsigned char *b, unsigned off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static void write_seed(const char *dir)
{
	static unsigned char b[1 + 5 * 512 + 4096];
	unsigned char *img = b + 1;
	char path[4096];
	FILE *f;

	b[0] = 3;
	img[0x1f1] = 4;
	put32(img, 0x1f4, 4096 / 16);
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	img[0x201] = 0x6a;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;
	img[0x207] = 0x02;
	img[0x211] = 1;
	put32(img, 0x22c, 0x7fffffff);
	put32(img, 0x230, 2 * MB);
	img[0x234] = 1;
	img[0x236] = 0x7f;
	put32(img, 0x238, 2047);
	put32(img, 0x258, 16 * MB);
	put32(img, 0x260, 1 * MB);
	snprintf(path, sizeof(path), "%s/seed-bzimage", dir);
	f = fopen(path, "wb");
	if (f) {
		fwrite(b, 1, sizeof(b), f);
		fclose(f);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("LWKB_FUZZ_SEED_DIR");

	(void)argc;
	(void)argv;
	if (dir) {
		write_seed(dir);
		exit(0);
	}
	arena = malloc(MEM + 2 * GUARD);
	clean = malloc(MEM + 2 * GUARD);
	memset(clean, FILL, MEM + 2 * GUARD);
	return 0;
}

static int untouched(const unsigned char *p, size_t n)
{
	return !memcmp(p, clean, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lwkb_linux lx;
	static unsigned char initrd[256 * 1024];
	char err[300];
	int rc;

	if (size < 1)
		return 0;
	memset(arena, FILL, MEM + 2 * GUARD);
	memset(&lx, 0, sizeof(lx));
	lx.image = data + 1;
	lx.image_size = size - 1;
	lx.initrd_size = (lwkb_u64)data[0] * 1024;
	lx.initrd = lx.initrd_size ? initrd : NULL;
	lx.cmdline = "console=ttyS1";
	lx.mem[0] = (struct lwkb_lx_range){ BASE + 2 * MB, BASE + 4 * MB };
	lx.mem[1] = (struct lwkb_lx_range){ BASE, BASE + 2 * MB };
	lx.nr_mem = 2;
	lx.low_phys = 0x80000;
	lx.low_size = 0x10000;
	lx.apic_phys = 0xfee00000;
	lx.decoy_apic_id = 0;
	lx.apic_ids[0] = 1;
	lx.apic_ids[1] = 2;
	lx.nr_cores = 2;
	lx.extra_size = 4096;
	lx.p2v = p2v;
	err[0] = 0;
	rc = lwkb_linux_plan(&lx, err, sizeof(err));
	if (!rc)
		rc = lwkb_linux_build(&lx, err, sizeof(err));
	REQUIRE(untouched(arena, GUARD) && untouched(arena + GUARD + MEM, GUARD));
	if (rc) {
		REQUIRE(err[0] && memchr(err, 0, sizeof(err)));
		REQUIRE(untouched(arena + GUARD, MEM));
		return 0;
	}
	REQUIRE(lx.load_phys >= BASE && lx.load_phys % lx.bz.align == 0);
	REQUIRE(lx.load_phys + lx.bz.init_size <= (lx.initrd_size ? lx.initrd_phys : lx.tables_phys));
	REQUIRE(!lx.initrd_size || lx.initrd_phys + lx.initrd_size <= lx.tables_phys);
	REQUIRE(lx.tables_phys + lx.tables_size <= BASE + MEM);
	return 0;
}
