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
#include "dump_int.h"

volatile sig_atomic_t interrupted;

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

int dump_fail(int err, const char *what, int os)
{
	fprintf(stderr, "lwkboot: dump: %s of OS %d: %s%s\n", what, os, strerror(-err),
		err == -EPERM || err == -EACCES ? " (dump needs root)" :
		err == -ENOENT ? " (no such instance, or lwkboot.ko is not loaded)" : "");
	return err;
}

int read_area(struct dump *d, lwkb_u32 area, lwkb_u64 off, void *buf, lwkb_u64 len)
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

/*
 * A register snapshot of a RUNNING, FREEZING, FROZEN or HUNGUP instance
 * (unless -n): the module NMIs its cores.  A PANIC instance saved its cores
 * itself.
 */
static int snapshot(struct dump *d)
{
	struct lwkb_dump_nmi nmi = { .timeout_ms = NMI_TIMEOUT_MS };
	lwkb_u32 st = d->info.status;
	int rc;

	if (st != LWKB_STATUS_RUNNING && st != LWKB_STATUS_HUNGUP &&
	    st != LWKB_STATUS_FREEZING && st != LWKB_STATUS_FROZEN) {
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
