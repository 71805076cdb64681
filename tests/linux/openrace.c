// SPDX-License-Identifier: MIT
/*
 * lwkb-openrace [SECONDS] [OPENERS]: open(2) of /dev/mcos0 racing destroy
 * and create of instance 0, in one process tree and without an exec per
 * cycle, so the race window is hit thousands of times a second (a shell
 * loop rarely hits it).  The openers use a node made with mknod, so they
 * do not depend on devtmpfs removing and adding /dev/mcos0.  An open must
 * either get the instance or fail with ENOENT/ENXIO; the kernel log must
 * stay clean, which qemu/linux-vm checks (boot it with slab poisoning to
 * see a use-after-free).  Prints the counts; exit 1 on an unexpected errno.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lwkboot/ioctl.h"

#define NODE "/tmp/lwkb-openrace-mcos0"

static int opener(time_t end)
{
	long ok = 0, gone = 0, other = 0;

	while (time(NULL) < end) {
		int fd = open(NODE, O_RDONLY);

		if (fd >= 0) {
			ok++;
			close(fd);
		} else if (errno == ENOENT || errno == ENXIO) {
			gone++;
		} else {
			if (!other++)
				fprintf(stderr, "openrace: open: %s\n", strerror(errno));
		}
	}
	printf("openrace: opener: %ld opened, %ld found no instance, %ld other errors\n",
	       ok, gone, other);
	return other ? 1 : 0;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 6, n = argc > 2 ? atoi(argv[2]) : 3;
	int mcd, i, status, bad = 0;
	long cycles = 0, refused = 0;
	struct stat st;
	time_t end;

	if (secs <= 0 || n <= 0 || n > 64) {
		fprintf(stderr, "usage: lwkb-openrace [SECONDS] [OPENERS (1-64)]\n");
		return 2;
	}
	mcd = open("/dev/mcd0", O_RDWR);
	if (mcd < 0 || fstat(mcd, &st)) {
		perror("openrace: /dev/mcd0");
		return 1;
	}
	unlink(NODE);
	if (mknod(NODE, S_IFCHR | 0600, makedev(major(st.st_rdev), 1))) {
		perror("openrace: mknod");
		return 1;
	}
	end = time(NULL) + secs;
	for (i = 0; i < n; i++)
		if (!fork())
			_exit(opener(end));
	while (time(NULL) < end) {
		lwkb_u32 idx = 0;

		ioctl(mcd, LWKB_CREATE_OS);
		if (ioctl(mcd, LWKB_DESTROY_OS, &idx) == 0)
			cycles++;
		else
			refused++;	/* open at that moment: -EBUSY */
	}
	while (wait(&status) > 0)
		bad |= !WIFEXITED(status) || WEXITSTATUS(status);
	unlink(NODE);
	printf("openrace: %ld create/destroy cycles, %ld destroys refused while open\n",
	       cycles, refused);
	return bad || !cycles;
}
