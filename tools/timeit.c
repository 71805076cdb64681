// SPDX-License-Identifier: MIT
/*
 * lwkb-timeit CMD [ARG...]: runs CMD and prints "elapsed_us=N status=S" on
 * stderr (CLOCK_MONOTONIC).  The benchmarks use it inside the Linux VM,
 * where busybox's time has only 10 ms resolution.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	int st = 0;
	pid_t pid;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout, "usage: lwkb-timeit CMD [ARG...]\n");
		return argc < 2 ? 2 : 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid < 0) {
		perror("lwkb-timeit: fork");
		return 1;
	}
	if (!pid) {
		execvp(argv[1], argv + 1);
		perror("lwkb-timeit: exec");
		_exit(127);
	}
	waitpid(pid, &st, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	fprintf(stderr, "elapsed_us=%lld status=%d\n",
		(long long)(b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000,
		WIFEXITED(st) ? WEXITSTATUS(st) : 128);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
