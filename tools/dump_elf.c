// SPDX-License-Identifier: MIT
/*
 * lwkboot dump, the file: an ELF64 core as Linux writes one
 * (fs/binfmt_elf.c), which gdb reads as a process with one thread per
 * NT_PRSTATUS (see tools/dump.c for the layout).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <unistd.h>
#include "dump_int.h"

static const struct lwkb_core_dump *core_area(const struct dump *d, lwkb_u32 i)
{
	lwkb_u64 off = d->info.regs_offset + (lwkb_u64)i * d->info.regs_size;

	if (d->info.regs_size < sizeof(struct lwkb_core_dump) ||
	    off + sizeof(struct lwkb_core_dump) > d->info.area_size)
		return NULL;
	return (const struct lwkb_core_dump *)(d->area + off);
}

/* The registers to show for core i, or NULL: its fault save, else its answer. */
static const struct lwkb_regs *core_regs(const struct dump *d, lwkb_u32 i)
{
	const struct lwkb_core_dump *a = core_area(d, i);

	if (!a)
		return NULL;
	if (a->fault.why == LWKB_REGS_EXCEPTION || a->fault.why == LWKB_REGS_PANIC)
		return &a->fault;
	/* this dump's snapshot, or the LWK's own when a sibling crashed (seq 0) */
	if (a->nmi.why == LWKB_REGS_NMI &&
	    ((d->nmi_seq && a->nmi.seq == d->nmi_seq) || a->nmi.seq == 0))
		return &a->nmi;
	return NULL;
}

static int signal_of(const struct lwkb_regs *r)
{
	if (r->why == LWKB_REGS_PANIC)
		return SIGABRT;
	if (r->why != LWKB_REGS_EXCEPTION)
		return 0;
	switch (r->vector) {
	case 0: return SIGFPE;
	case 1: case 3: return SIGTRAP;
	case 6: return SIGILL;
	case 13: case 14: return SIGSEGV;
	default: return SIGBUS;
	}
}

static size_t note_size(size_t name, size_t desc)
{
	return sizeof(Elf64_Nhdr) + ((name + 3) & ~3UL) + ((desc + 3) & ~3UL);
}

static void put_note(struct dump *d, const char *name, Elf64_Word type,
		     const void *desc, size_t len)
{
	Elf64_Nhdr h = { .n_namesz = strlen(name) + 1, .n_descsz = len, .n_type = type };
	char *p = d->notes + d->notes_len;

	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), name, h.n_namesz);
	memcpy(p + sizeof(h) + ((h.n_namesz + 3) & ~3UL), desc, len);
	d->notes_len += note_size(h.n_namesz, len);
}

/*
 * sig: the signal the faulting or panicking core's state stands for, in
 * every note, as in a Linux core (BFD takes the file's signal from the
 * last NT_PRSTATUS it reads).
 */
static void put_prstatus(struct dump *d, lwkb_u32 i, const struct lwkb_regs *r, int sig)
{
	struct elf_prstatus ps;

	memset(&ps, 0, sizeof(ps));
	ps.pr_pid = (pid_t)(i + 1);		/* gdb's LWP: LWK core i */
	ps.pr_cursig = (short)sig;
	ps.pr_info.si_signo = ps.pr_cursig;
	_Static_assert(sizeof(ps.pr_reg) == LWKB_REGS_GPRS * 8, "elf_gregset_t");
	memcpy(&ps.pr_reg, r, sizeof(ps.pr_reg));
	put_note(d, "CORE", NT_PRSTATUS, &ps, sizeof(ps));
}

/* Notes: the faulting or panicking core first, then the others in order. */
int build_notes(struct dump *d)
{
	struct elf_prpsinfo pi;
	struct lwkb_dump_note ln;
	lwkb_u32 i, first = 0, n = d->info.nr_cores, saved = 0;
	const struct lwkb_regs *r;
	int sig = 0;

	d->notes = calloc(1, (n + 2) * note_size(8, sizeof(struct elf_prstatus) +
					       sizeof(ln) + sizeof(pi)));
	if (!d->notes)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		r = core_regs(d, i);
		if (r && r->why != LWKB_REGS_NMI) {
			first = i;
			sig = signal_of(r);
			break;
		}
	}
	for (i = 0; i < n; i++) {
		lwkb_u32 c = i == 0 ? first : (i <= first ? i - 1 : i);

		r = core_regs(d, c);
		if (r) {
			put_prstatus(d, c, r, sig);
			saved++;
		} else if (d->info.status != LWKB_STATUS_INACTIVE) {
			fprintf(stderr, "lwkboot: dump: LWK core %u (cpu %u) saved no registers%s\n",
				c, d->cores[c].host_cpu,
				d->nmi_seq ? ": it did not answer the NMI" : "");
		}
	}
	memset(&pi, 0, sizeof(pi));
	snprintf(pi.pr_fname, sizeof(pi.pr_fname), "lwk-os%d", d->os);
	snprintf(pi.pr_psargs, sizeof(pi.pr_psargs), "LWK instance %d, %u cores", d->os, n);
	put_note(d, "CORE", NT_PRPSINFO, &pi, sizeof(pi));
	memset(&ln, 0, sizeof(ln));
	ln.info = d->info;
	memcpy(&ln.status, d->area, sizeof(ln.status));
	ln.level = d->level;
	ln.nmi_seq = d->nmi_seq;
	put_note(d, "LWKBOOT", NT_LWKBOOT, &ln, sizeof(ln));
	return saved;
}


/* File offsets: the identity ranges one after another; the alias shares its chunk's. */
static void place_segments(struct dump *d, lwkb_u64 data_off)
{
	unsigned int i, j;
	lwkb_u64 off = data_off;

	for (i = 0; i < d->nsegs; i++) {
		struct seg *s = &d->segs[i];

		if (s->vaddr != s->paddr)
			continue;
		s->offset = off;
		off += s->size;
	}
	for (i = 0; i < d->nsegs; i++) {
		struct seg *a = &d->segs[i];

		if (a->vaddr == a->paddr)
			continue;
		for (j = 0; j < d->nsegs; j++) {
			const struct seg *s = &d->segs[j];

			if (s->vaddr == s->paddr && a->paddr >= s->paddr &&
			    a->paddr - s->paddr < s->size)
				a->offset = s->offset + (a->paddr - s->paddr);
		}
	}
}

static int write_all(int fd, const void *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

int write_headers(struct dump *d)
{
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT, ELFOSABI_NONE },
		.e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
	};
	Elf64_Phdr ph[MAX_SEGS + 1];
	lwkb_u64 notes_off, data_off;
	unsigned int i;
	int rc;

	eh.e_phnum = (Elf64_Half)(d->nsegs + 1);
	notes_off = sizeof(eh) + eh.e_phnum * sizeof(Elf64_Phdr);
	data_off = (notes_off + d->notes_len + 4095) & ~4095ULL;
	place_segments(d, data_off);
	memset(ph, 0, sizeof(ph));
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = notes_off,
			      .p_filesz = d->notes_len, .p_align = 4 };
	for (i = 0; i < d->nsegs; i++)
		ph[i + 1] = (Elf64_Phdr){
			.p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
			.p_offset = d->segs[i].offset, .p_vaddr = d->segs[i].vaddr,
			.p_paddr = d->segs[i].paddr, .p_filesz = d->segs[i].size,
			.p_memsz = d->segs[i].size, .p_align = 4096,
		};
	rc = write_all(d->fd, &eh, sizeof(eh));
	if (!rc)
		rc = write_all(d->fd, ph, eh.e_phnum * sizeof(Elf64_Phdr));
	if (!rc)
		rc = write_all(d->fd, d->notes, d->notes_len);
	if (!rc && lseek(d->fd, (off_t)data_off, SEEK_SET) < 0)
		rc = -errno;
	return rc;
}

/* The memory, 1 MiB at a time (the module's limit), with progress on a terminal. */
int write_memory(struct dump *d, lwkb_u64 total)
{
	static unsigned char buf[LWKB_DUMP_READ_MAX];
	lwkb_u64 done = 0;
	unsigned int i;
	int rc, pct = -1;

	for (i = 0; i < d->nsegs; i++) {
		const struct seg *s = &d->segs[i];
		lwkb_u64 off;

		if (s->vaddr != s->paddr)
			continue;	/* the alias: its bytes are written already */
		for (off = 0; off < s->size; off += sizeof(buf)) {
			lwkb_u64 n = s->size - off < sizeof(buf) ? s->size - off : sizeof(buf);

			rc = read_area(d, LWKB_DUMP_MEM, s->paddr + off, buf, n);
			if (rc) {
				fprintf(stderr, "\nlwkboot: dump: reading 0x%llx of OS %d: %s\n",
					(unsigned long long)(s->paddr + off), d->os, strerror(-rc));
				return rc;
			}
			rc = write_all(d->fd, buf, n);
			if (rc) {
				fprintf(stderr, "\nlwkboot: dump: writing '%s': %s\n", d->path,
					strerror(-rc));
				return rc;
			}
			done += n;
			if (d->tty && (int)(done * 100 / total) != pct) {
				pct = (int)(done * 100 / total);
				fprintf(stderr, "\rlwkboot: dump: %llu of %llu MiB (%d%%)",
					(unsigned long long)(done >> 20),
					(unsigned long long)(total >> 20), pct);
			}
		}
	}
	if (d->tty)
		fprintf(stderr, "\n");
	return 0;
}
