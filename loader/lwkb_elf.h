/* SPDX-License-Identifier: MIT */
/*
 * ELF64 validation and loading (elf.c).  The check is one of the pure
 * parts of loader/ that user space links too (tools/ checks an image
 * before handing it to the module, to say exactly what is wrong).
 */
#ifndef LWKBOOT_LOADER_LWKB_ELF_H
#define LWKBOOT_LOADER_LWKB_ELF_H

#include "lwkb_parse.h"	/* lwkb_size_t and the err/errlen convention */

struct lwkb_elf_info {
	lwkb_u64 entry;		/* virtual entry point */
	lwkb_u64 load_end;	/* highest byte (+1) used, as an offset from the base */
	lwkb_u32 nr_load;	/* PT_LOAD segments */
};
/*
 * Checks that 'file' is an ELF64 x86-64 executable whose every PT_LOAD
 * segment lies within the file and, placed at base + (p_vaddr -
 * LWKB_KERNEL_VBASE), within [base, base + mem_size); that segments do not
 * overlap or wrap; and that the entry lies in an executable segment.
 * On error writes a message naming the bad value into err and returns
 * -LWKB_ENOEXEC.  Never touches any memory but err and *info.
 */
int lwkb_elf_check(const void *file, lwkb_u64 file_size, lwkb_u64 mem_size,
		   struct lwkb_elf_info *info, char *err, lwkb_size_t errlen);
/* lwkb_elf_check, then copy segments to mem and zero their bss. */
int lwkb_elf_load(const void *file, lwkb_u64 file_size, void *mem,
		  lwkb_u64 mem_size, struct lwkb_elf_info *info, char *err,
		  lwkb_size_t errlen);

/*
 * The boot_info version the image reads, from its lwkboot note
 * (LWKB_NOTE_CONTRACT, boot_info.h); 0 when it has none (an image built
 * for version 1).  Note segments over 4 KiB are not read.  -LWKB_ENOEXEC
 * for a bad ELF header or a note segment outside the file or malformed.
 */
int lwkb_elf_contract(const void *file, lwkb_u64 file_size, lwkb_u32 *version, char *err,
		      lwkb_size_t errlen);
/* lwkb_elf_contract, and -LWKB_ENOEXEC with a message unless it is this
 * lwkboot's LWKB_BOOT_INFO_VERSION. */
int lwkb_elf_check_contract(const void *file, lwkb_u64 file_size, char *err,
			    lwkb_size_t errlen);

#endif /* LWKBOOT_LOADER_LWKB_ELF_H */
