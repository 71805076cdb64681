// SPDX-License-Identifier: MIT
/*
 * lwkboot dump: an ELF64 core file of an LWK instance that plain gdb opens
 * with the co-kernel's ELF (docs/debugging.md).  The IHK specification's
 * ihkosctl dump and ihk_os_makedumpfile (1.3.2.x, 1.2.x): levels 0 (all
 * memory assigned to the instance) and 24 (what the kernel uses), default
 * file name mcdump.YYYYmmddHHMMSS, -ENOENT/-EACCES/-EEXIST for the file.
 *
 * The file, in the layout of a Linux core (Linux's fs/binfmt_elf.c writes
 * the same notes; gdb reads them as threads):
 *   - one PT_NOTE: an NT_PRSTATUS per LWK core with saved registers (the
 *     core that faulted or panicked first: gdb selects the first thread),
 *     NT_PRPSINFO, and an "LWKBOOT" note with what the host recorded;
 *   - one PT_LOAD per assigned chunk (level 0) or per used range (24) at
 *     its identity-mapped address (p_vaddr = p_paddr = physical);
 *   - one more PT_LOAD for the image's high-half map (LWKB_KERNEL_VBASE),
 *     pointing at the same file bytes, so the co-kernel's symbols resolve.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "liblwkboot.h"
#include "lwkboot/boot_info.h"
#include "cmd.h"
#include "dump.h"

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

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* One open file of /dev/mcosN for the whole dump: it pins the instance. */
static int ctl(struct dump *d, unsigned long req, void *arg)
{
	int ret = ioctl(d->dev, req, arg);

	return ret < 0 ? -errno : ret;
}

static int dump_fail(int err, const char *what, int os)
{
	fprintf(stderr, "lwkboot: dump: %s of OS %d: %s%s\n", what, os, strerror(-err),
		err == -EPERM || err == -EACCES ? " (dump needs root)" :
		err == -ENOENT ? " (no such instance, or lwkboot.ko is not loaded)" : "");
	return err;
}

static int read_area(struct dump *d, lwkb_u32 area, lwkb_u64 off, void *buf, lwkb_u64 len)
{
	while (len) {
		lwkb_u64 n = len < LWKB_DUMP_READ_MAX ? len : LWKB_DUMP_READ_MAX;
		struct lwkb_dump_read r = {
			.addr = (lwkb_u64)(uintptr_t)buf, .len = n, .offset = off, .area = area,
		};
		int rc = interrupted ? -EINTR : ctl(d, LWKB_OS_DUMP_READ, &r);

		if (rc < 0)
			return rc;
		buf = (char *)buf + n;
		off += n;
		len -= n;
	}
	return 0;
}

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
static int build_notes(struct dump *d)
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

static int add_seg(struct dump *d, lwkb_u64 vaddr, lwkb_u64 paddr, lwkb_u64 size)
{
	if (d->nsegs == MAX_SEGS || !size)
		return -EINVAL;
	d->segs[d->nsegs++] = (struct seg){ .vaddr = vaddr, .paddr = paddr, .size = size };
	return 0;
}

/*
 * Identity-mapped ranges: each chunk of the last boot the instance still
 * has (level 0), or the used part of the image's chunk (24); then the
 * high-half alias of the image, if its bytes are in the file.
 */
static int plan_segments(struct dump *d)
{
	struct lwkb_mem_ent ents[LWKB_MAX_CHUNKS];
	unsigned int nr = 0, i;
	lwkb_u64 img = d->info.image_phys, high = d->info.high_size;
	int rc = lwkb_memlist_query(d->os, ents, LWKB_MAX_CHUNKS, &nr);

	if (rc < 0)
		return dump_fail(rc, "querying the memory", d->os);
	if (!nr) {
		fprintf(stderr, "lwkboot: dump: OS %d has no memory assigned: nothing to dump\n", d->os);
		return -EINVAL;
	}
	if (!d->info.total_cores || !d->info.nr_chunks) {
		fprintf(stderr, "lwkboot: dump: OS %d has not booted with the memory it has: "
			"nothing of an LWK to dump\n", d->os);
		return -EINVAL;
	}
	if (d->level == 24) {
		rc = add_seg(d, img, img, d->info.mem_used_end - img);
	} else {
		for (i = 0; i < d->info.nr_chunks && !rc; i++)
			rc = add_seg(d, d->chunks[i].start, d->chunks[i].start,
				     d->chunks[i].end - d->chunks[i].start);
	}
	if (rc)
		return rc;
	for (i = 0; high && i < d->nsegs; i++) {
		const struct seg *s = &d->segs[i];

		if (img >= s->paddr && img - s->paddr < s->size) {
			lwkb_u64 room = s->size - (img - s->paddr);

			return add_seg(d, LWKB_KERNEL_VBASE, img, high < room ? high : room);
		}
	}
	fprintf(stderr, "lwkboot: dump: the image's chunk is no longer assigned: no high-half map\n");
	return 0;
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

static int write_headers(struct dump *d)
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
static int write_memory(struct dump *d, lwkb_u64 total)
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

/*
 * A register snapshot of a RUNNING or HUNGUP instance (unless -n): the
 * module NMIs its cores.  A PANIC instance saved its cores itself.
 */
static int snapshot(struct dump *d)
{
	struct lwkb_dump_nmi nmi = { .timeout_ms = NMI_TIMEOUT_MS };
	lwkb_u32 st = d->info.status;
	int rc;

	if (st != LWKB_STATUS_RUNNING && st != LWKB_STATUS_HUNGUP) {
		if (st != LWKB_STATUS_PANIC && d->info.total_cores)
			fprintf(stderr, "lwkboot: dump: OS %d is %s: memory only, no registers\n",
				d->os, lwkb_status_name(st) ? lwkb_status_name(st) : "?");
		return 0;
	}
	if (!d->nmi) {
		fprintf(stderr, "lwkboot: dump: no NMI snapshot (-n): only saves made before\n");
		return 0;
	}
	rc = ctl(d, LWKB_OS_DUMP_NMI, &nmi);
	if (rc < 0)
		return dump_fail(rc, "the register snapshot (NMI)", d->os);
	d->nmi_seq = nmi.seq;
	if (nmi.answered < d->info.nr_cores)
		fprintf(stderr, "lwkboot: dump: %u of %u cores answered the NMI within %d ms "
			"(%u had their NMI gate in place)\n",
			nmi.answered, d->info.nr_cores, NMI_TIMEOUT_MS, nmi.sent);
	return 0;
}

/* What the module recorded, the snapshot and the status area. */
static int gather(struct dump *d)
{
	char dev[32];
	int rc;

	snprintf(dev, sizeof(dev), "/dev/mcos%d", d->os);
	d->dev = open(dev, O_RDWR | O_CLOEXEC);
	if (d->dev < 0)
		return dump_fail(-errno, "opening " "/dev/mcosN", d->os);
	d->info.cores = (lwkb_u64)(uintptr_t)d->cores;
	d->info.nr_cores = LWKB_MAX_CORES;
	d->info.chunks = (lwkb_u64)(uintptr_t)d->chunks;
	d->info.nr_chunks = LWKB_MAX_CHUNKS;
	rc = ctl(d, LWKB_OS_DUMP_INFO, &d->info);
	if (rc < 0)
		return dump_fail(rc, "the layout", d->os);
	rc = snapshot(d);
	if (rc || !d->info.area_size)
		return rc;
	d->area = calloc(1, d->info.area_size);
	if (!d->area)
		return dump_fail(-ENOMEM, "the status area", d->os);
	rc = read_area(d, LWKB_DUMP_STATUS, 0, d->area, d->info.area_size);
	return rc ? dump_fail(rc, "reading the status area", d->os) : 0;
}

/* Removes what was written, if the name still means the file it made. */
static void remove_partial(struct dump *d)
{
	struct stat a, b;

	if (!fstat(d->fd, &a) && !lstat(d->path, &b) && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		unlink(d->path);
}

int lwkb_dump(int os, int level, int nmi, const char *path, int *cores_saved)
{
	struct sigaction sa = { .sa_handler = on_signal }, oint, oterm;
	struct dump *d = calloc(1, sizeof(*d));
	lwkb_u64 total = 0;
	unsigned int i;
	int rc = 0;

	if (!d)
		return -ENOMEM;
	*d = (struct dump){ .os = os, .level = level, .nmi = nmi, .path = path,
			    .fd = -1, .dev = -1, .tty = isatty(2) };
	interrupted = 0;
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGTERM, &sa, &oterm);
	/* The file first: a bad name must not cost the LWK an NMI.  Never
	 * overwrite; the errors are the spec's (-ENOENT, -EACCES, -EEXIST). */
	d->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (d->fd < 0) {
		rc = -errno;
		fprintf(stderr, "lwkboot: dump: cannot create '%s': %s%s\n", path, strerror(-rc),
			rc == -EEXIST ? " (a dump never overwrites a file)" : "");
	}
	if (!rc)
		rc = gather(d);
	if (!rc)
		rc = plan_segments(d);
	if (!rc && !d->area && !(d->area = calloc(1, sizeof(struct lwkb_status_page))))
		rc = -ENOMEM;
	if (!rc) {
		rc = build_notes(d);
		if (rc >= 0) {
			*cores_saved = rc;
			rc = 0;
		} else {
			dump_fail(rc, "the notes", os);
		}
	}
	for (i = 0; i < d->nsegs; i++)
		if (d->segs[i].vaddr == d->segs[i].paddr)
			total += d->segs[i].size;
	if (!rc && (rc = write_headers(d)))
		fprintf(stderr, "lwkboot: dump: writing '%s': %s\n", path, strerror(-rc));
	if (!rc)
		rc = write_memory(d, total ? total : 1);
	if (rc == -EINTR)
		fprintf(stderr, "\nlwkboot: dump: interrupted\n");
	if (d->fd >= 0) {
		if (rc)
			remove_partial(d);	/* no half-written dump is left behind */
		if (close(d->fd) && !rc) {
			rc = -errno;
			fprintf(stderr, "lwkboot: dump: closing '%s': %s\n", path, strerror(-rc));
			unlink(path);
		}
	}
	if (d->dev >= 0)
		close(d->dev);
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	free(d->area);
	free(d->notes);
	free(d);
	return rc;
}

/* lwkboot [-o N] dump [-d 0|24] [-n] [FILE] (help: main.c). */
int cmd_dump(int argc, char **argv)
{
	char def[64];
	const char *path = NULL;
	int level = 0, saved = 0, nmi = 1, i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n")) {
			nmi = 0;
		} else if (!strcmp(argv[i], "-d") && i + 1 == argc) {
			die_usage("dump: -d needs a level, 0 or 24");
		} else if (!strcmp(argv[i], "-d")) {
			if (strcmp(argv[i + 1], "0") && strcmp(argv[i + 1], "24"))
				die_usage("dump: level '%s': want 0 or 24", argv[i + 1]);
			level = atoi(argv[++i]);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			die_usage("dump: unknown option '%s'", argv[i]);
		} else if (path) {
			die_usage("dump: one FILE, got '%s' and '%s'", path, argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		time_t t = time(NULL);

		strftime(def, sizeof(def), "mcdump.%Y%m%d%H%M%S", localtime(&t));
		path = def;
	}
	rc = lwkb_dump(os_index, level, nmi, path, &saved);
	if (rc)
		return 1;	/* lwkb_dump said why */
	if (json_out) {
		printf("{\"instance\":%d,\"file\":", os_index);
		json_cstring(stdout, path);
		printf(",\"level\":%d,\"cores_with_registers\":%d}\n", level, saved);
	} else {
		printf("%s\n", path);
	}
	fprintf(stderr, "lwkboot: dump: wrote %s (level %d, registers of %d core%s)\n",
		path, level, saved, saved == 1 ? "" : "s");
	return 0;
}
