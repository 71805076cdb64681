/* SPDX-License-Identifier: MIT */
/*
 * lwkboot dump's two halves: tools/dump.c asks the module (layout,
 * snapshot, reads) and plans the file; tools/dump_elf.c writes it (notes,
 * program headers, memory).
 */
#ifndef LWKBOOT_TOOLS_DUMP_INT_H
#define LWKBOOT_TOOLS_DUMP_INT_H

#include <elf.h>
#include <signal.h>
#include <stddef.h>
#include "liblwkboot.h"
#include "lwkboot/boot_info.h"

#define MAX_SEGS	(LWKB_MAX_CHUNKS + 2)
#define NMI_TIMEOUT_MS	2000

/* The "LWKBOOT" note (type NT_LWKBOOT): the host's records, for tools. */
#define NT_LWKBOOT	0x4c574b31	/* "LWK1" */
struct lwkb_dump_note {
	struct lwkb_dump_info info;	/* as LWKB_OS_DUMP_INFO answered */
	struct lwkb_status_page status;	/* the status page at dump time */
	lwkb_u32 level;
	lwkb_u32 reserved;
	lwkb_u64 nmi_seq;		/* the snapshot request, 0 = none */
};

struct seg {
	lwkb_u64 vaddr, paddr, size;
	lwkb_u64 offset;		/* in the file */
};

struct dump {
	int os, level, fd, dev, nmi;
	const char *path;
	struct lwkb_dump_info info;
	struct lwkb_core cores[LWKB_MAX_CORES];
	struct lwkb_mem_chunk chunks[LWKB_MAX_CHUNKS];
	unsigned char *area;		/* the status area */
	lwkb_u64 nmi_seq;
	struct seg segs[MAX_SEGS];
	unsigned int nsegs;
	char *notes;
	size_t notes_len;
	int tty;
};

extern volatile sig_atomic_t interrupted;	/* SIGINT or SIGTERM: stop, remove the file */

/* dump.c */
int read_area(struct dump *d, lwkb_u32 area, lwkb_u64 off, void *buf, lwkb_u64 len);
int dump_fail(int err, const char *what, int os);
/* dump_elf.c */
int build_notes(struct dump *d);		/* cores with registers, or -errno */
int write_headers(struct dump *d);	/* ELF header, program headers, notes */
int write_memory(struct dump *d, lwkb_u64 total);

#endif /* LWKBOOT_TOOLS_DUMP_INT_H */
