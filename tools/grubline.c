// SPDX-License-Identifier: MIT
/*
 * lwkboot grub-line: the kernel command line and module options this
 * machine needs (README, "Real hardware").  The trampoline region must be
 * RAM below 0xA0000 (a STARTUP IPI's vector names a 4 KiB page below 1 MiB,
 * SDM vol. 3A "MP Initialization Protocol Algorithm"; above 0xA0000 lie the
 * legacy video and BIOS ranges), kept from Linux with memmap=SIZE$ADDR.
 * The free range comes from the firmware's memory map as Linux keeps it
 * unmodified in /sys/firmware/memmap (drivers/firmware/memmap.c): the
 * highest 64 KiB-aligned window of System RAM below 0x9F000 that is large
 * enough, above the first 64 KiB (BIOS data).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"

/* Linux treats [0x9f000, 1 MiB) as BIOS area whatever the map says
 * (BIOS_START_MAX, arch/x86/kernel/ebda.c): the EBDA often starts just
 * below 0xA0000 without the firmware map saying so. */
#define LOW_LIMIT	0x9f000ULL
#define LOW_START	0x10000ULL
#define WINDOW_ALIGN	0x10000ULL

/* The first line of DIR/NAME into buf. */
static int read_line(const char *dir, const char *name, char *buf, size_t len)
{
	char path[600];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok ? 0 : -EIO;
}

/* Whether [start, end) lies in one "System RAM" entry of the firmware map. */
static int ram_covers(const char *map, unsigned long long start, unsigned long long end)
{
	DIR *d = opendir(map);
	struct dirent *e;
	int found = 0;

	if (!d)
		return -errno;
	while (!found && (e = readdir(d))) {
		char dir[512], type[64], s[64], l[64];

		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", map, e->d_name);
		if (read_line(dir, "type", type, sizeof(type)) ||
		    read_line(dir, "start", s, sizeof(s)) || read_line(dir, "end", l, sizeof(l))) {
			found = -EIO;	/* an entry we cannot read: no guess */
			break;
		}
		if (strncmp(type, "System RAM", 10))
			continue;
		/* end is inclusive there */
		found = strtoull(s, NULL, 0) <= start && end - 1 <= strtoull(l, NULL, 0);
	}
	closedir(d);
	return found;
}

/* lwkboot grub-line [-p PAGES] [MAP-DIR] (MAP-DIR for tests). */
int cmd_grub_line(int argc, char **argv)
{
	const char *map = "/sys/firmware/memmap";
	unsigned long long pages = 16, size, a;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-p") && i + 1 == argc) {
			die_usage("grub-line: -p needs a number of pages");
		} else if (!strcmp(argv[i], "-p")) {
			char *end;

			pages = strtoull(argv[++i], &end, 0);
			if (*end || !pages || pages > 64)
				die_usage("grub-line: -p '%s': want 1 to 64 pages (one per instance)",
					  argv[i]);
		} else if (argv[i][0] == '-') {
			die_usage("grub-line: unknown option '%s'", argv[i]);
		} else {
			map = argv[i];
		}
	}
	size = pages * 4096;
	for (a = (LOW_LIMIT - size) & ~(WINDOW_ALIGN - 1); a >= LOW_START; a -= WINDOW_ALIGN) {
		int r = ram_covers(map, a, a + size);

		if (r < 0)
			return fail(r, "grub-line: cannot read the firmware memory map %s", map);
		if (r)
			break;
	}
	if (a < LOW_START)
		return fail(0, "grub-line: no %llu KiB of RAM below 0x9F000 in %s", size >> 10, map);
	printf("# Kernel command line (/proc/cmdline must show it like this):\n"
	       "memmap=%lluK$0x%llx no_ipi_broadcast=1\n"
	       "# In /etc/default/grub ($ escaped for GRUB), after its GRUB_CMDLINE_LINUX line\n"
	       "# (once), then update-grub and reboot:\n"
	       "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX memmap=%lluK\\\\\\$0x%llx no_ipi_broadcast=1\"\n"
	       "# In /etc/modprobe.d/lwkboot.conf:\n"
	       "options lwkboot tramp_addr=0x%llx tramp_pages=%llu\n",
	       size >> 10, a, size >> 10, a, a, pages);
	return 0;
}
