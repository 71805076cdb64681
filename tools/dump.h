/* SPDX-License-Identifier: MIT */
/* lwkboot dump (tools/dump.c). */
#ifndef LWKBOOT_TOOLS_DUMP_H
#define LWKBOOT_TOOLS_DUMP_H

/*
 * Writes an ELF64 core file of instance os to path (created, never
 * overwritten): level 0 = all memory of its last boot, 24 = what the kernel
 * uses; nmi: take a register snapshot of a RUNNING or HUNGUP instance.
 * *cores_saved: cores whose registers are in it.  0 or -errno, said why
 * on stderr.
 */
int lwkb_dump(int os, int level, int nmi, const char *path, int *cores_saved);

#endif /* LWKBOOT_TOOLS_DUMP_H */
