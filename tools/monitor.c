// SPDX-License-Identifier: MIT
/*
 * lwkboot monitor, the ihkmond of IHK spec 1.3.2.18: every 200 ms it
 * forwards each instance's new kmsg lines to syslog and reports the
 * instances whose eventfd says PANIC or HUNGUP (docs/lifecycle.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "cmd.h"

/* A syslog facility by name: user, daemon, local0..local7, with or without LOG_. */
static int facility_of(const char *s)
{
	static const struct { const char *name; int fac; } tab[] = {
		{ "user", LOG_USER }, { "daemon", LOG_DAEMON },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tab); i++)
		if (!strcasecmp(s, tab[i].name) || (!strncasecmp(s, "LOG_", 4) &&
						    !strcasecmp(s + 4, tab[i].name)))
			return tab[i].fac;
	return -1;
}

static volatile sig_atomic_t monitor_stop;

static void on_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

/* What the monitor keeps of each instance. */
struct watched {
	int efd;			/* eventfd for PANIC and HUNGUP, or -1 */
	unsigned long long pos;		/* kmsg forwarded up to here */
	char line[1024];		/* a partial line, forwarded when it ends */
	size_t len;
};

struct monitor {
	long interval;			/* -i: seconds, -1 for no hang limit */
	int redirect;			/* -k 1: forward kmsg */
	int facility;			/* -f */
	struct watched w[LWKB_MAX_OS];
};

/* Returns 1 when it printed the help (-h among other options). */
static int monitor_options(struct monitor *m, int argc, char **argv)
{
	char *end;
	int opt;

	optind = 1;
	while ((opt = getopt(argc, argv, "i:k:f:h")) != -1) {
		switch (opt) {
		case 'i':
			m->interval = strtol(optarg, &end, 10);
			if (!*optarg || *end || (m->interval < 1 && m->interval != -1))
				die_usage("monitor: -i '%s': want seconds, or -1", optarg);
			break;
		case 'k':
			if (strcmp(optarg, "0") && strcmp(optarg, "1"))
				die_usage("monitor: -k '%s': want 0 or 1", optarg);
			m->redirect = optarg[0] == '1';
			break;
		case 'f':
			m->facility = facility_of(optarg);
			if (m->facility < 0)
				die_usage("monitor: unknown syslog facility '%s'", optarg);
			break;
		case 'h': print_help(argv[0]); return 1;
		default: die_usage("monitor: bad option");
		}
	}
	if (optind < argc)
		die_usage("monitor: unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Hang limit: two intervals without a heartbeat, as ihkmond's "twice in a row". */
static int set_hang_limit(long interval)
{
	FILE *f = fopen("/sys/module/lwkboot/parameters/hung_ms", "w");

	if (!f)
		return fail(-errno, "monitor: cannot set the hang limit");
	fprintf(f, "%ld\n", interval < 0 ? 0 : interval * 2000);
	fclose(f);
	return 0;
}

/* An eventfd for the instance's PANIC and HUNGUP, if it has none yet. */
static void watch_events(struct watched *w, int os)
{
	lwkb_s32 fd;

	if (w->efd >= 0)
		return;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd >= 0 && !lwkb_os_ctl(os, LWKB_OS_EVENTFD, &fd))
		w->efd = fd;
	else if (fd >= 0)
		close(fd);
}

/* The instance is gone: its eventfd and kmsg position with it. */
static void forget(struct watched *w)
{
	if (w->efd >= 0)
		close(w->efd);
	w->efd = -1;
	w->pos = 0;
}

/* New kmsg to syslog, whole lines; a partial one waits for its end. */
static void forward_kmsg(struct watched *w, int os)
{
	static char buf[1 << 17];
	unsigned long long pos = w->pos, lost = 0;
	int n = lwkb_read_kmsg(os, &pos, buf, sizeof(buf), &lost);

	if (lost)
		syslog(LOG_WARNING, "OS %d: %llu bytes of kmsg lost", os, lost);
	for (int k = 0; k < n; k++) {
		if (buf[k] == '\n' || w->len == sizeof(w->line) - 1) {
			w->line[w->len] = '\0';
			syslog(LOG_INFO, "OS %d: %s", os, w->line);
			w->len = 0;
		}
		if (buf[k] != '\n')
			w->line[w->len++] = buf[k];
	}
	if (n > 0)
		w->pos = pos;
}

/* Waits up to 200 ms for the eventfds; reports each instance that signalled. */
static void report_events(struct monitor *m)
{
	struct pollfd pfd[LWKB_MAX_OS];
	int np = 0, idx[LWKB_MAX_OS];

	for (int i = 0; i < LWKB_MAX_OS; i++)
		if (m->w[i].efd >= 0) {
			pfd[np].fd = m->w[i].efd;
			pfd[np].events = POLLIN;
			idx[np++] = i;
		}
	if (poll(pfd, np, 200) <= 0)
		return;
	for (int k = 0; k < np; k++) {
		uint64_t v;
		int st;

		if (!(pfd[k].revents & POLLIN) || read(pfd[k].fd, &v, sizeof(v)) != sizeof(v))
			continue;
		st = status_of(idx[k]);
		syslog(LOG_ERR, "OS %d: %s", idx[k], status_str(st));
		fprintf(stderr, "%s: monitor: OS %d is %s\n", prog, idx[k], status_str(st));
	}
}

static int listed(const struct lwkb_os_list *ol, int os)
{
	for (unsigned int k = 0; k < ol->nr; k++)
		if (ol->index[k] == (lwkb_u32)os)
			return 1;
	return 0;
}

/* One round over the instances; 0, or -1 when the module went away. */
static int monitor_round(struct monitor *m)
{
	struct lwkb_os_list ol;

	if (lwkb_ctl(LWKB_LIST_OS, &ol))
		return -1;
	for (int i = 0; i < LWKB_MAX_OS; i++) {
		if (!listed(&ol, i)) {
			forget(&m->w[i]);
			continue;
		}
		watch_events(&m->w[i], i);
		if (m->redirect)
			forward_kmsg(&m->w[i], i);
	}
	report_events(m);
	return 0;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor m = { .interval = 600, .redirect = 1, .facility = LOG_LOCAL6 };
	int i;

	if (monitor_options(&m, argc, argv))
		return 0;
	if (!lwkb_module_loaded())
		return fail(-ENOENT, "monitor: /dev/mcd0");
	if (set_hang_limit(m.interval))
		return 1;
	openlog("lwkboot", LOG_PID, m.facility);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; i < LWKB_MAX_OS; i++) {
		m.w[i].efd = -1;
		m.w[i].pos = 0;
		m.w[i].len = 0;
	}
	syslog(LOG_INFO, "monitor started (interval %ld s, kmsg %s)", m.interval,
	       m.redirect ? "forwarded" : "not forwarded");
	while (!monitor_stop && !monitor_round(&m))
		;
	syslog(LOG_INFO, "monitor stopped");
	for (i = 0; i < LWKB_MAX_OS; i++)
		forget(&m.w[i]);
	return 0;
}
