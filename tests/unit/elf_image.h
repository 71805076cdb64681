/* SPDX-License-Identifier: MIT */
/*
 * A small, valid ELF64 x86-64 executable built in memory: the reference
 * image of the ELF, boot and fuzz-seed tests.  Tests take it and break one
 * field at a time.  Header-only (static inline) so that the fuzz seed
 * writer in tests/fuzz/ can include it too.
 *
 * File layout (offsets in the file):
 *   0x000  ELF header (64 bytes)
 *   0x040  3 program headers (56 bytes each)
 *   0x100  text payload, 0x300 bytes
 *   0x400  data payload, 0x100 bytes        file size 0x500
 * Program headers:
 *   [0] PT_LOAD  R+X  offset 0x100  vaddr VBASE+0x0000  filesz 0x300  memsz 0x300
 *   [1] PT_LOAD  R+W  offset 0x400  vaddr VBASE+0x2000  filesz 0x100  memsz 0x3000
 *   [2] PT_GNU_STACK with garbage in every other field (must be ignored)
 * Entry VBASE+0x10; the loaded image ends at offset 0x5000.
 */
#ifndef LWKBOOT_TESTS_UNIT_ELF_IMAGE_H
#define LWKBOOT_TESTS_UNIT_ELF_IMAGE_H

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IMG_VBASE	0xffffffff80000000ULL
#define IMG_NPH		3
#define IMG_TEXT_FOFF	0x100
#define IMG_TEXT_SIZE	0x300
#define IMG_DATA_FOFF	0x400
#define IMG_DATA_FSZ	0x100
#define IMG_DATA_VOFF	0x2000
#define IMG_DATA_MSZ	0x3000
#define IMG_FILE_SIZE	0x500
#define IMG_ENTRY	(IMG_VBASE + 0x10)
#define IMG_LOAD_END	(IMG_DATA_VOFF + IMG_DATA_MSZ)
#define IMG_CAP		0x2000	/* buffer size: room to grow the file */

struct elf_image {
	unsigned char *buf;	/* IMG_CAP bytes, malloc'ed */
	uint64_t size;		/* file size handed to the loader */
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;		/* IMG_NPH entries */
};

/* The payload byte at file offset off (a recognisable, non-zero pattern). */
static inline unsigned char elf_image_payload(uint64_t off)
{
	return (unsigned char)(off * 37 + (off >> 8) + 1) | 1;
}

static inline int elf_image_build(struct elf_image *im)
{
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;

	im->buf = calloc(1, IMG_CAP);
	if (!im->buf)
		return -1;
	for (uint64_t i = IMG_TEXT_FOFF; i < IMG_CAP; i++)
		im->buf[i] = elf_image_payload(i);
	im->size = IMG_FILE_SIZE;
	im->eh = eh = (Elf64_Ehdr *)im->buf;
	im->ph = ph = (Elf64_Phdr *)(im->buf + sizeof(Elf64_Ehdr));

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = IMG_ENTRY;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_shoff = 0;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = IMG_NPH;

	ph[0].p_type = PT_LOAD;
	ph[0].p_flags = PF_R | PF_X;
	ph[0].p_offset = IMG_TEXT_FOFF;
	ph[0].p_vaddr = ph[0].p_paddr = IMG_VBASE;
	ph[0].p_filesz = ph[0].p_memsz = IMG_TEXT_SIZE;
	ph[0].p_align = 0x1000;

	ph[1].p_type = PT_LOAD;
	ph[1].p_flags = PF_R | PF_W;
	ph[1].p_offset = IMG_DATA_FOFF;
	ph[1].p_vaddr = ph[1].p_paddr = IMG_VBASE + IMG_DATA_VOFF;
	ph[1].p_filesz = IMG_DATA_FSZ;
	ph[1].p_memsz = IMG_DATA_MSZ;
	ph[1].p_align = 0x1000;

	/* Not PT_LOAD: the loader must not look at any other field. */
	ph[2].p_type = PT_GNU_STACK;
	ph[2].p_flags = PF_R | PF_W;
	ph[2].p_offset = 0xdeadbeefdeadbeefULL;
	ph[2].p_vaddr = 0x1000;
	ph[2].p_filesz = ~0ULL;
	ph[2].p_memsz = 1;
	return 0;
}

/*
 * The lwkboot note (LWKB_NOTE_CONTRACT) saying the image reads boot_info
 * 'version': program header 2 becomes a PT_NOTE at file offset
 * IMG_FILE_SIZE, the file grows by its 24 bytes.  The loader requires it
 * (lwkb_prepare); the ELF checks alone do not look at it.
 */
#define IMG_NOTE_SIZE	24
static inline void elf_image_add_note(struct elf_image *im, uint32_t version)
{
	unsigned char *n = im->buf + IMG_FILE_SIZE;
	uint32_t hdr[3] = { 8, 4, 1 };

	memcpy(n, hdr, sizeof(hdr));
	memcpy(n + 12, "lwkboot", 8);
	memcpy(n + 20, &version, 4);
	im->ph[2].p_type = PT_NOTE;
	im->ph[2].p_flags = PF_R;
	im->ph[2].p_offset = IMG_FILE_SIZE;
	im->ph[2].p_vaddr = im->ph[2].p_paddr = 0;
	im->ph[2].p_filesz = im->ph[2].p_memsz = IMG_NOTE_SIZE;
	im->ph[2].p_align = 4;
	im->size = IMG_FILE_SIZE + IMG_NOTE_SIZE;
}

static inline void elf_image_free(struct elf_image *im)
{
	free(im->buf);
	im->buf = NULL;
}

#endif /* LWKBOOT_TESTS_UNIT_ELF_IMAGE_H */
