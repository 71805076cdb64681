// SPDX-License-Identifier: MIT
/*
 * lwkb-timeit CMD [ARG...]: runs CMD and prints "elapsed_us=N status=S" on
 * stderr (CLOCK_MONOTONIC).  The benchmarks use it inside the Linux VM,
 * where busybox's time has only 10 ms resolution.
 *
 * lwkb-timeit --pipe-ping COUNT CPU_A CPU_B: one-byte ping-pong over two
 * pipes between two processes pinned to CPU_A and CPU_B; prints
 * "pipe_rtt_median_us=X" (the baseline next to IKC round trips).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s))
		perror("lwkb-timeit: sched_setaffinity");
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int pipe_ping(int n, int cpu_a, int cpu_b)
{
	int ab[2], ba[2], i;
	double *rtt = calloc(n, sizeof(*rtt));
	char c = 'x';
	pid_t pid;

	if (!rtt || pipe(ab) || pipe(ba)) {
		perror("lwkb-timeit");
		return 1;
	}
	pid = fork();
	if (!pid) {
		pin(cpu_b);
		for (i = 0; i < n; i++)
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	pin(cpu_a);
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1) {
			perror("lwkb-timeit: pipe");
			return 1;
		}
		rtt[i] = now_us() - t0;
	}
	waitpid(pid, NULL, 0);
	qsort(rtt, n, sizeof(*rtt), cmp_d);
	printf("pipe_rtt_median_us=%.1f min=%.1f max=%.1f\n", rtt[n / 2], rtt[0], rtt[n - 1]);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	int st = 0;
	pid_t pid;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: lwkb-timeit CMD [ARG...]\n"
			"       lwkb-timeit --pipe-ping COUNT CPU_A CPU_B\n");
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--pipe-ping")) {
		if (argc != 5 || atoi(argv[2]) <= 0) {
			fprintf(stderr, "usage: lwkb-timeit --pipe-ping COUNT CPU_A CPU_B\n");
			return 2;
		}
		return pipe_ping(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
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
