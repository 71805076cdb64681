// SPDX-License-Identifier: MIT
/*
 * ELF64 validation and placement (System V gABI and the x86-64 psABI).
 *
 * The image is linked for LWKB_KERNEL_VBASE; a segment with virtual
 * address v is placed at base + (v - LWKB_KERNEL_VBASE).  Every check is
 * done on the whole program header table before any byte is copied, so a
 * rejected image leaves the destination memory untouched.
 */
#include "lwkb_loader.h"

#define EI_NIDENT	16
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ET_EXEC		2
#define EM_X86_64	62
#define PT_LOAD		1
#define PT_NOTE		4
#define NOTE_MAX	4096	/* bytes of a note segment lwkb_elf_contract reads */
#define PF_X		1

struct elf64_ehdr {
	lwkb_u8 e_ident[EI_NIDENT];
	lwkb_u16 e_type;
	lwkb_u16 e_machine;
	lwkb_u32 e_version;
	lwkb_u64 e_entry;
	lwkb_u64 e_phoff;
	lwkb_u64 e_shoff;
	lwkb_u32 e_flags;
	lwkb_u16 e_ehsize;
	lwkb_u16 e_phentsize;
	lwkb_u16 e_phnum;
	lwkb_u16 e_shentsize;
	lwkb_u16 e_shnum;
	lwkb_u16 e_shstrndx;
};

struct elf64_phdr {
	lwkb_u32 p_type;
	lwkb_u32 p_flags;
	lwkb_u64 p_offset;
	lwkb_u64 p_vaddr;
	lwkb_u64 p_paddr;
	lwkb_u64 p_filesz;
	lwkb_u64 p_memsz;
	lwkb_u64 p_align;
};

#define MAX_PHNUM 64

/* Copy a header out of the file: the file may be unaligned. */
static void read_ehdr(const void *file, struct elf64_ehdr *eh)
{
	lwkb_memcpy(eh, file, sizeof(*eh));
}

static void read_phdr(const void *file, lwkb_u64 off, struct elf64_phdr *ph)
{
	lwkb_memcpy(ph, (const char *)file + off, sizeof(*ph));
}

/*
 * The ELF header, copied to eh: an ELF64 x86-64 executable whose program
 * header table lies within the file.
 */
static int check_ehdr(const void *file, lwkb_u64 file_size, struct elf64_ehdr *eh,
		      char *err, lwkb_size_t errlen)
{
	if (!file || file_size < sizeof(*eh))
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"image is %llu bytes, too small for an ELF64 header (64)",
				(unsigned long long)file_size);
	read_ehdr(file, eh);
	if (eh->e_ident[0] != 0x7f || eh->e_ident[1] != 'E' ||
	    eh->e_ident[2] != 'L' || eh->e_ident[3] != 'F')
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"not an ELF file (bad magic %02x %02x %02x %02x)",
				eh->e_ident[0], eh->e_ident[1], eh->e_ident[2], eh->e_ident[3]);
	if (eh->e_ident[4] != ELFCLASS64)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"ELF class %u, want 2 (ELFCLASS64)", eh->e_ident[4]);
	if (eh->e_ident[5] != ELFDATA2LSB)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"ELF data encoding %u, want 1 (little endian)", eh->e_ident[5]);
	if (eh->e_ident[6] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"ELF version %u/%u, want 1", eh->e_ident[6], eh->e_version);
	if (eh->e_type != ET_EXEC)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"ELF type %u, want 2 (ET_EXEC)", eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"ELF machine %u, want 62 (x86-64)", eh->e_machine);
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"program header entry size %u, want 56", eh->e_phentsize);
	if (eh->e_phnum == 0)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC, "no program headers");
	if (eh->e_phnum > MAX_PHNUM)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"%u program headers, at most %u supported", eh->e_phnum,
				MAX_PHNUM);
	if (eh->e_phoff > file_size ||
	    (lwkb_u64)eh->e_phnum * sizeof(struct elf64_phdr) > file_size - eh->e_phoff)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"program header table at 0x%llx (%u entries) exceeds the file (%llu bytes)",
				(unsigned long long)eh->e_phoff, eh->e_phnum,
				(unsigned long long)file_size);
	return 0;
}

/*
 * PT_LOAD segment i on its own: its bytes within the file and, placed at
 * its offset from LWKB_KERNEL_VBASE, within the mem_size bytes given.
 */
static int check_load(const struct elf64_phdr *ph, lwkb_u32 i, lwkb_u64 file_size,
		      lwkb_u64 mem_size, char *err, lwkb_size_t errlen)
{
	lwkb_u64 off;

	if (ph->p_filesz > ph->p_memsz)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"segment %u: file size 0x%llx > memory size 0x%llx", i,
				(unsigned long long)ph->p_filesz,
				(unsigned long long)ph->p_memsz);
	if (ph->p_offset > file_size || ph->p_filesz > file_size - ph->p_offset)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"segment %u: file range 0x%llx+0x%llx exceeds the file (%llu bytes)",
				i, (unsigned long long)ph->p_offset,
				(unsigned long long)ph->p_filesz,
				(unsigned long long)file_size);
	if (ph->p_vaddr < LWKB_KERNEL_VBASE)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"segment %u: address 0x%llx below the kernel base 0x%llx",
				i, (unsigned long long)ph->p_vaddr,
				(unsigned long long)LWKB_KERNEL_VBASE);
	if (ph->p_memsz == 0)
		return 0;
	off = ph->p_vaddr - LWKB_KERNEL_VBASE;
	/* The high half is [VBASE, 2^64): nothing may run past its end. */
	if (ph->p_memsz > 0 - ph->p_vaddr)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"segment %u: 0x%llx+0x%llx runs past the top of the address space",
				i, (unsigned long long)ph->p_vaddr,
				(unsigned long long)ph->p_memsz);
	if (off > mem_size || ph->p_memsz > mem_size - off)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"segment %u: 0x%llx+0x%llx does not fit in the %llu bytes of memory given",
				i, (unsigned long long)ph->p_vaddr,
				(unsigned long long)ph->p_memsz,
				(unsigned long long)mem_size);
	return 0;
}

int lwkb_elf_check(const void *file, lwkb_u64 file_size, lwkb_u64 mem_size,
		   struct lwkb_elf_info *info, char *err, lwkb_size_t errlen)
{
	struct elf64_ehdr eh;
	lwkb_u64 lo[MAX_PHNUM], hi[MAX_PHNUM], load_end = 0;
	lwkb_u32 i, j, n = 0;
	int entry_ok = 0, rc;

	rc = check_ehdr(file, file_size, &eh, err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		lwkb_u64 off;

		read_phdr(file, eh.e_phoff + (lwkb_u64)i * sizeof(ph), &ph);
		if (ph.p_type != PT_LOAD)
			continue;
		rc = check_load(&ph, i, file_size, mem_size, err, errlen);
		if (rc)
			return rc;
		if (ph.p_memsz == 0)
			continue;
		off = ph.p_vaddr - LWKB_KERNEL_VBASE;
		for (j = 0; j < n; j++)
			if (off < hi[j] && lo[j] < off + ph.p_memsz)
				return lwkb_err(err, errlen, -LWKB_ENOEXEC,
						"segment %u: 0x%llx+0x%llx overlaps an earlier segment",
						i, (unsigned long long)ph.p_vaddr,
						(unsigned long long)ph.p_memsz);
		lo[n] = off;
		hi[n] = off + ph.p_memsz;
		n++;
		if (off + ph.p_memsz > load_end)
			load_end = off + ph.p_memsz;
		if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry - ph.p_vaddr < ph.p_memsz)
			entry_ok = 1;
	}
	if (n == 0)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC, "no loadable segment");
	if (!entry_ok)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"entry point 0x%llx is not inside an executable segment",
				(unsigned long long)eh.e_entry);
	if (info) {
		info->entry = eh.e_entry;
		info->load_end = load_end;
		info->nr_load = n;
	}
	return 0;
}

int lwkb_elf_load(const void *file, lwkb_u64 file_size, void *mem,
		  lwkb_u64 mem_size, struct lwkb_elf_info *info, char *err,
		  lwkb_size_t errlen)
{
	struct elf64_ehdr eh;
	lwkb_u32 i;
	int rc = lwkb_elf_check(file, file_size, mem_size, info, err, errlen);

	if (rc)
		return rc;
	read_ehdr(file, &eh);
	for (i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		char *dst;

		read_phdr(file, eh.e_phoff + (lwkb_u64)i * sizeof(ph), &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		dst = (char *)mem + (ph.p_vaddr - LWKB_KERNEL_VBASE);
		lwkb_memcpy(dst, (const char *)file + ph.p_offset, ph.p_filesz);
		lwkb_memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	return 0;
}

/* A 32-bit little-endian word of the file (notes may be unaligned in it). */
static lwkb_u32 rd32(const lwkb_u8 *p)
{
	return p[0] | (lwkb_u32)p[1] << 8 | (lwkb_u32)p[2] << 16 | (lwkb_u32)p[3] << 24;
}

/*
 * The notes of one PT_NOTE segment [off, off + size) of the file (gABI
 * "Note Section": namesz, descsz, type, then name and descriptor, each
 * padded to 4 bytes, or to 8 in a segment aligned to 8, as GNU property
 * notes are).  Returns 1 with *version when the lwkboot note is
 * there, 0 when not, a negative error for a note that runs past the
 * segment.
 */
static int find_contract(const lwkb_u8 *f, lwkb_u64 off, lwkb_u64 size, lwkb_u64 align,
			 lwkb_u32 *version)
{
	lwkb_u64 pos = 0;

	while (size - pos >= 12) {
		lwkb_u64 namesz = rd32(f + off + pos), descsz = rd32(f + off + pos + 4);
		lwkb_u32 type = rd32(f + off + pos + 8);
		lwkb_u64 name = pos + 12, desc = name + LWKB_ALIGN_UP(namesz, align);
		lwkb_u64 next = desc + LWKB_ALIGN_UP(descsz, align);

		if (next > size)	/* sizes < 2^32 + 3: no overflow */
			return -LWKB_ENOEXEC;
		if (type == LWKB_NOTE_CONTRACT && namesz == sizeof(LWKB_NOTE_NAME) &&
		    descsz == 4 && !lwkb_memcmp(f + off + name, LWKB_NOTE_NAME, namesz)) {
			*version = rd32(f + off + desc);
			return 1;
		}
		pos = next;
	}
	return 0;
}

int lwkb_elf_contract(const void *file, lwkb_u64 file_size, lwkb_u32 *version, char *err,
		      lwkb_size_t errlen)
{
	struct elf64_ehdr eh;
	lwkb_u32 i;
	int rc;

	rc = check_ehdr(file, file_size, &eh, err, errlen);
	if (rc)
		return rc;
	*version = 0;	/* none: version 1 images carry no note */
	for (i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		read_phdr(file, eh.e_phoff + (lwkb_u64)i * sizeof(ph), &ph);
		/* Ours is 24 bytes: a note segment past NOTE_MAX is not read,
		 * so a crafted image cannot make the module walk megabytes. */
		if (ph.p_type != PT_NOTE || ph.p_filesz > NOTE_MAX)
			continue;
		if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
			return lwkb_err(err, errlen, -LWKB_ENOEXEC,
					"note segment %u at 0x%llx+0x%llx exceeds the file (%llu bytes)",
					i, (unsigned long long)ph.p_offset,
					(unsigned long long)ph.p_filesz,
					(unsigned long long)file_size);
		rc = find_contract(file, ph.p_offset, ph.p_filesz, ph.p_align == 8 ? 8 : 4,
				   version);
		if (rc < 0)
			return lwkb_err(err, errlen, rc, "note segment %u: a note runs past its end",
					i);
		if (rc)
			return 0;
	}
	return 0;
}

int lwkb_elf_check_contract(const void *file, lwkb_u64 file_size, char *err,
			    lwkb_size_t errlen)
{
	lwkb_u32 v;
	int rc = lwkb_elf_contract(file, file_size, &v, err, errlen);

	if (rc)
		return rc;
	if (v == 0)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"image has no lwkboot note: it was built for boot_info version 1; rebuild it against this lwkboot (boot_info version %u)",
				LWKB_BOOT_INFO_VERSION);
	if (v != LWKB_BOOT_INFO_VERSION)
		return lwkb_err(err, errlen, -LWKB_ENOEXEC,
				"image reads boot_info version %u; this lwkboot writes version %u",
				v, LWKB_BOOT_INFO_VERSION);
	return 0;
}
